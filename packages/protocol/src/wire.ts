import { z } from 'zod';
import { ok, refuse } from '@tillpoint/loyalty';
import type { Result } from '@tillpoint/loyalty';
import { COLLECTION_NAMES, DOCUMENT_SCHEMAS, isCollectionName } from './schemas/index.js';
import type { CollectionDocuments, CollectionName } from './schemas/index.js';

/**
 * The sync wire protocol between a terminal and the server (documented in
 * docs/sync-protocol.md): enrollment, pull by checkpoint and push of rows per collection,
 * and one server-sent-events stream. Both sides validate with these schemas.
 */

/** Sent by the terminal in `PROTOCOL_HEADER` on every request; the server refuses others. */
export const PROTOCOL_VERSION = 1;
export const PROTOCOL_HEADER = 'x-tillpoint-protocol';

export const MAX_PULL_LIMIT = 1000;
export const MAX_PUSH_ROWS = 500;

// ---------------------------------------------------------------------------------------------
// Errors

export const ERROR_CODES = [
  'invalid-body',
  'malformed-json',
  'payload-too-large',
  'unknown-collection',
  'batch-too-large',
  'invalid-document',
  'unauthorized',
  'token-revoked',
  'forbidden-collection',
  'server-owned-field',
  'duplicate-id-different-body',
  'enrollment-code-invalid',
  'enrollment-code-expired',
  'enrollment-code-used',
  'rate-limited',
  'protocol-version-unsupported',
  'not-found',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * The HTTP status that goes with each code, for the server's error middleware and for
 * clients that see only a status (a proxy's 413, say).
 */
export const ERROR_HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  'invalid-body': 400,
  'malformed-json': 400,
  'payload-too-large': 413,
  'unknown-collection': 404,
  'batch-too-large': 413,
  'invalid-document': 422,
  unauthorized: 401,
  'token-revoked': 401,
  'forbidden-collection': 403,
  'server-owned-field': 403,
  'duplicate-id-different-body': 409,
  'enrollment-code-invalid': 400,
  'enrollment-code-expired': 410,
  'enrollment-code-used': 409,
  'rate-limited': 429,
  'protocol-version-unsupported': 426,
  'not-found': 404,
  internal: 500,
};

export const ErrorBodySchema = z.strictObject({
  error: z.strictObject({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

export function errorBody(
  code: ErrorCode,
  message: string,
  details?: Readonly<Record<string, unknown>>,
): ErrorBody {
  return details === undefined
    ? { error: { code, message } }
    : { error: { code, message, details: { ...details } } };
}

// ---------------------------------------------------------------------------------------------
// Enrollment

export const EnrollRequestSchema = z.strictObject({
  /** The single-use code a manager got from the server; spaces and dashes are the user's. */
  enrollmentCode: z.string().trim().min(4).max(64),
  terminalName: z.string().trim().min(1).max(80),
  /**
   * A till enrolling again (its token was revoked or lost) names the terminal it is; the code
   * must have been made for it (`create-enrollment-code --terminal`), and is not used up
   * otherwise. Absent: a new terminal, and the code must be a store's.
   */
  terminalId: z.string().min(1).max(64).optional(),
});
export type EnrollRequest = z.infer<typeof EnrollRequestSchema>;

export const EnrollResponseSchema = z.strictObject({
  terminalId: z.string().min(1).max(64),
  storeId: z.string().min(1).max(64),
  /** The device token; sent as `Authorization: Bearer <token>`. The server keeps its hash. */
  token: z.string().min(16).max(512),
});
export type EnrollResponse = z.infer<typeof EnrollResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Replication

/** Opaque to the terminal: the server makes it and reads it back. */
export const CheckpointSchema = z.record(z.string(), z.unknown());
export type Checkpoint = z.infer<typeof CheckpointSchema>;

/** A document on the wire, as RxDB replication sends it: the document plus `_deleted`. */
export type WireDocument<T> = T & { _deleted?: boolean };

const WireDocShape = z.record(z.string(), z.unknown());

export const PullRequestSchema = z.strictObject({
  /** null = from the beginning. */
  checkpoint: CheckpointSchema.nullable(),
  limit: z.number().int().min(1).max(MAX_PULL_LIMIT),
});
export type PullRequest = z.infer<typeof PullRequestSchema>;

/** The shape of a pull response; `validateDocument` checks each document. */
export const PullResponseSchema = z.strictObject({
  documents: z.array(WireDocShape),
  /** Where the next pull continues; null only when nothing was ever returned. */
  checkpoint: CheckpointSchema.nullable(),
});
export interface PullResponse<T = Record<string, unknown>> {
  documents: WireDocument<T>[];
  checkpoint: Checkpoint | null;
}

export const PushRowSchema = z.strictObject({
  /** The server's document as the terminal last saw it; absent or null for a new document. */
  assumedMasterState: WireDocShape.nullable().optional(),
  newDocumentState: WireDocShape,
});
/** The shape of a push request; `parsePushRequest` also checks each document. */
export const PushRequestSchema = z.strictObject({
  rows: z.array(PushRowSchema).max(MAX_PUSH_ROWS),
});
export interface PushRow<T = Record<string, unknown>> {
  assumedMasterState?: WireDocument<T> | null;
  newDocumentState: WireDocument<T>;
}
export interface PushRequest<T = Record<string, unknown>> {
  rows: PushRow<T>[];
}

export const PushResponseSchema = z.strictObject({
  /** The server's current documents for the rows it did not take (RxDB resolves them). */
  conflicts: z.array(WireDocShape),
});
export interface PushResponse<T = Record<string, unknown>> {
  conflicts: WireDocument<T>[];
}

/** Events of the live stream (`text/event-stream`, one JSON object per `data:` line). */
export const StreamEventSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('changes'),
    collection: z.enum(COLLECTION_NAMES as [CollectionName, ...CollectionName[]]),
    checkpoint: CheckpointSchema,
  }),
  /** The terminal must pull every collection again from its checkpoint (server restart, gap). */
  z.strictObject({ type: z.literal('resync') }),
]);
export type StreamEvent = z.infer<typeof StreamEventSchema>;

// ---------------------------------------------------------------------------------------------
// Validation helpers

export interface WireIssue {
  readonly path: string;
  readonly message: string;
}

function issuesOf(error: z.ZodError): WireIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

function describe(issues: readonly WireIssue[]): string {
  const first = issues[0];
  if (!first) return 'unknown problem';
  return first.path === '' ? first.message : `${first.path}: ${first.message}`;
}

export type DocumentRefusalCode = 'unknown-collection' | 'invalid-document';

/**
 * Validates one document of `collection` as it arrives on the wire (RxDB's `_deleted` flag
 * allowed) against the collection's zod schema, which mirrors its RxDB JSON Schema and adds
 * the rules across fields. The value is the parsed document (for `program`, the settings with
 * every default filled in).
 */
export function validateDocument<C extends CollectionName>(
  collection: C,
  doc: unknown,
): Result<WireDocument<CollectionDocuments[C]>, DocumentRefusalCode>;
export function validateDocument(
  collection: string,
  doc: unknown,
): Result<WireDocument<CollectionDocuments[CollectionName]>, DocumentRefusalCode>;
export function validateDocument(
  collection: string,
  doc: unknown,
): Result<WireDocument<CollectionDocuments[CollectionName]>, DocumentRefusalCode> {
  if (!isCollectionName(collection)) {
    return refuse('unknown-collection', `There is no collection '${collection}'.`, {
      collection,
    });
  }
  let body = doc;
  let deleted: boolean | undefined;
  if (doc !== null && typeof doc === 'object' && !Array.isArray(doc) && '_deleted' in doc) {
    const { _deleted, ...rest } = doc as Record<string, unknown>;
    if (typeof _deleted !== 'boolean') {
      return refuse(
        'invalid-document',
        `The ${collection} document is not valid: _deleted must be a boolean.`,
        {
          collection,
          issues: [{ path: '_deleted', message: 'must be a boolean' }],
        },
      );
    }
    body = rest;
    deleted = _deleted;
  }
  const parsed = DOCUMENT_SCHEMAS[collection].safeParse(body);
  if (!parsed.success) {
    const issues = issuesOf(parsed.error);
    return refuse(
      'invalid-document',
      `The ${collection} document is not valid: ${describe(issues)}`,
      { collection, issues },
    );
  }
  return ok(deleted === undefined ? parsed.data : { ...parsed.data, _deleted: deleted });
}

export type PushRefusalCode = 'invalid-body' | 'batch-too-large' | DocumentRefusalCode;

/**
 * Validates a push body for `collection`: its shape, the batch size, and every document in it.
 * The refusal's `details.row` says which row failed.
 */
export function parsePushRequest<C extends CollectionName>(
  collection: C,
  body: unknown,
): Result<PushRequest<CollectionDocuments[C]>, PushRefusalCode>;
export function parsePushRequest(
  collection: string,
  body: unknown,
): Result<PushRequest<CollectionDocuments[CollectionName]>, PushRefusalCode>;
export function parsePushRequest(
  collection: string,
  body: unknown,
): Result<PushRequest<CollectionDocuments[CollectionName]>, PushRefusalCode> {
  if (!isCollectionName(collection)) {
    return refuse('unknown-collection', `There is no collection '${collection}'.`, {
      collection,
    });
  }
  const rowsOf = (body as { rows?: unknown } | null)?.rows;
  if (Array.isArray(rowsOf) && rowsOf.length > MAX_PUSH_ROWS) {
    return refuse(
      'batch-too-large',
      `A push carries at most ${MAX_PUSH_ROWS} rows; this one has ${rowsOf.length}.`,
      { maxRows: MAX_PUSH_ROWS, rows: rowsOf.length },
    );
  }
  const shape = PushRequestSchema.safeParse(body);
  if (!shape.success) {
    const issues = issuesOf(shape.error);
    return refuse('invalid-body', `The push request is not valid: ${describe(issues)}`, {
      issues,
    });
  }
  const rows: PushRow<CollectionDocuments[CollectionName]>[] = [];
  for (const [row, { assumedMasterState, newDocumentState }] of shape.data.rows.entries()) {
    const next = validateDocument(collection, newDocumentState);
    if (!next.ok) return withRow(next.refusal, row, 'newDocumentState');
    if (assumedMasterState === undefined || assumedMasterState === null) {
      rows.push({ assumedMasterState, newDocumentState: next.value });
      continue;
    }
    const assumed = validateDocument(collection, assumedMasterState);
    if (!assumed.ok) return withRow(assumed.refusal, row, 'assumedMasterState');
    rows.push({ assumedMasterState: assumed.value, newDocumentState: next.value });
  }
  return ok({ rows });
}

function withRow(
  refusal: {
    code: DocumentRefusalCode;
    message: string;
    details?: Readonly<Record<string, unknown>>;
  },
  row: number,
  part: 'newDocumentState' | 'assumedMasterState',
) {
  return refuse(refusal.code, `Row ${row} (${part}): ${refusal.message}`, {
    ...refusal.details,
    row,
    part,
  });
}

/** Validates a pull request body (or the parsed query of a GET). */
export function parsePullRequest(body: unknown): Result<PullRequest, 'invalid-body'> {
  const parsed = PullRequestSchema.safeParse(body);
  if (parsed.success) return ok(parsed.data);
  const issues = issuesOf(parsed.error);
  return refuse('invalid-body', `The pull request is not valid: ${describe(issues)}`, { issues });
}

/** Whether a request's protocol header names a version this code speaks. */
export function isSupportedProtocolVersion(
  header: string | readonly string[] | undefined,
): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  return typeof value === 'string' && value.trim() === String(PROTOCOL_VERSION);
}
