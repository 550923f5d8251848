import { z } from 'zod';
import type { JsonSchema } from 'rxdb';

/**
 * Building blocks shared by the RxDB JSON Schemas and their zod mirrors. Each rule is written
 * once here as a pair (`json.*` for RxDB/ajv, `zod.*` for the edge) so the two validators
 * accept and refuse the same documents; `agreement.test.ts` checks that they do.
 *
 * String lengths count Unicode code points on both sides (ajv and zod 4 agree on that).
 */

/** Lower-case UUID version 7, the id of records a terminal creates. */
export const UUID_V7_PATTERN =
  /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** Ids of records that may also come from the server or a seed ('default', 'store-1'). */
export const RECORD_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
export const RECORD_ID_MAX_LENGTH = 64;
/**
 * A UTC instant exactly as `Date.prototype.toISOString()` writes it. One spelling per instant,
 * so timestamps compare as strings and can be indexed.
 */
export const ISO_INSTANT_PATTERN =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;
export const ISO_INSTANT_LENGTH = 24;
/** A calendar date 'YYYY-MM-DD', or '--MM-DD' when the year is not known (ISO 8601). */
export const CALENDAR_DATE_PATTERN = /^(\d{4}|-)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
/** E.164: '+', country code and national number, at most 15 digits. */
export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;
export const E164_MAX_LENGTH = 16;
export const HHMM_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;
/** As `TierIdSchema` in @tillpoint/loyalty. */
export const TIER_ID_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const MAX_SAFE = Number.MAX_SAFE_INTEGER;

// ---------------------------------------------------------------------------------------------
// JSON Schema fragments

export const json = {
  text(minLength: number, maxLength: number, pattern?: RegExp): JsonSchema {
    return pattern === undefined
      ? { type: 'string', minLength, maxLength }
      : { type: 'string', minLength, maxLength, pattern: pattern.source };
  },
  int(minimum: number, maximum: number = MAX_SAFE): JsonSchema {
    return { type: 'integer', minimum, maximum };
  },
  boolean(): JsonSchema {
    return { type: 'boolean' };
  },
  enumOf(values: readonly string[]): JsonSchema {
    return {
      type: 'string',
      enum: [...values],
      maxLength: Math.max(...values.map((value) => value.length)),
    };
  },
  array(items: JsonSchema, maxItems: number): JsonSchema {
    return { type: 'array', items, maxItems };
  },
  object(properties: Record<string, JsonSchema>, required: readonly string[]): JsonSchema {
    return required.length === 0
      ? { type: 'object', properties, additionalProperties: false }
      : { type: 'object', properties, required: [...required], additionalProperties: false };
  },
  uuidV7(): JsonSchema {
    return { type: 'string', minLength: 36, maxLength: 36, pattern: UUID_V7_PATTERN.source };
  },
  recordId(): JsonSchema {
    return json.text(1, RECORD_ID_MAX_LENGTH, RECORD_ID_PATTERN);
  },
  instant(): JsonSchema {
    return json.text(ISO_INSTANT_LENGTH, ISO_INSTANT_LENGTH, ISO_INSTANT_PATTERN);
  },
  calendarDate(): JsonSchema {
    return json.text(7, 10, CALENDAR_DATE_PATTERN);
  },
  tierId(): JsonSchema {
    return json.text(1, 32, TIER_ID_PATTERN);
  },
  hours(): JsonSchema {
    return json.object({ from: json.text(5, 5, HHMM_PATTERN), to: json.text(5, 5, HHMM_PATTERN) }, [
      'from',
      'to',
    ]);
  },
  /** The server-owned revision and the time of the last change, on every document. */
  revision(): { rev: JsonSchema; updatedAt: JsonSchema } {
    return { rev: json.int(0), updatedAt: json.instant() };
  },
};

// ---------------------------------------------------------------------------------------------
// zod mirrors

export const zod = {
  text(min: number, max: number, pattern?: RegExp) {
    const base = z.string().min(min).max(max);
    return pattern === undefined ? base : base.regex(pattern);
  },
  int(min: number, max: number = MAX_SAFE) {
    return z.number().int().min(min).max(max);
  },
  uuidV7() {
    return z.string().regex(UUID_V7_PATTERN, 'must be a lower-case UUIDv7');
  },
  recordId() {
    return z.string().regex(RECORD_ID_PATTERN, 'must be an id of 1 to 64 letters, digits, _ . : -');
  },
  instant() {
    return z
      .string()
      .regex(ISO_INSTANT_PATTERN, 'must be a UTC ISO instant like 2025-01-31T12:00:00.000Z');
  },
  calendarDate() {
    return z.string().regex(CALENDAR_DATE_PATTERN, "must be 'YYYY-MM-DD' or '--MM-DD'");
  },
  tierId() {
    return z.string().regex(TIER_ID_PATTERN, 'must be a lower-case tier id');
  },
  hours() {
    return z.strictObject({
      from: z.string().regex(HHMM_PATTERN, 'must be HH:MM'),
      to: z.string().regex(HHMM_PATTERN, 'must be HH:MM'),
    });
  },
  revision() {
    return { rev: zod.int(0), updatedAt: zod.instant() };
  },
};

/** Reports the issues of a schema of the rules package as issues of the document. */
export function forwardIssues(
  parsed: { success: true } | { success: false; error: z.ZodError },
  ctx: z.RefinementCtx,
): void {
  if (parsed.success) return;
  for (const issue of parsed.error.issues) {
    ctx.addIssue({ code: 'custom', path: [...issue.path], message: issue.message });
  }
}
