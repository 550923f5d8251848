/**
 * Request bodies of the sync endpoints as the server validates them at the edge. The checkpoint
 * is the server's own (xid, seq) position, opaque to clients.
 */
import { z } from 'zod';

/** PostgreSQL's `xid8` is an unsigned 64-bit integer. */
const MAX_XID8 = 2n ** 64n - 1n;

export const PullCheckpointSchema = z.strictObject({
  xid: z
    .string()
    .regex(/^(0|[1-9]\d{0,19})$/, 'must be a transaction id')
    // zod runs this even when the pattern failed: only digits reach BigInt.
    .refine((xid) => !/^\d+$/.test(xid) || BigInt(xid) <= MAX_XID8, 'must be a transaction id'),
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});

export const PullBodySchema = z.strictObject({
  checkpoint: PullCheckpointSchema.nullable().optional(),
  limit: z.number().int().min(1),
});

const JsonObject = z.record(z.string(), z.unknown());

export const PushRowSchema = z.strictObject({
  assumedMasterState: JsonObject.nullable().optional(),
  newDocumentState: JsonObject,
});

/** Only the envelope; each row is validated after the batch size is checked. */
export const PushBodySchema = z.strictObject({ rows: z.array(z.unknown()) });
