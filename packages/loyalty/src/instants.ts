/**
 * ISO instants ↔ epoch milliseconds, memoised. Folding one transaction parses the same few
 * strings (the account's clock, its lots' `earnedAt`, `receivedAt`, `occurredAt`) several times
 * and formats a few instants, and V8's `Date.parse` and `toISOString` were most of the fold's
 * time. The results are exactly theirs: they are cached, not reimplemented. Internal to the
 * package.
 */
const MAX_ENTRIES = 4_096;
const parsed = new Map<string, number>();

/** `Date.parse(iso)` (NaN for what it does not parse). */
export function isoMs(iso: string): number {
  let ms = parsed.get(iso);
  if (ms === undefined) {
    ms = Date.parse(iso);
    if (parsed.size >= MAX_ENTRIES) parsed.clear();
    parsed.set(iso, ms);
  }
  return ms;
}

const formatted = new Map<number, string>();

/**
 * `new Date(ms).toISOString()`; throws RangeError, as it does, for an invalid instant. The string
 * is remembered both ways: what the fold formats (an account's clock, a transaction's effective
 * time) it parses again at the next transaction, and formats again for every transaction of a
 * push received at the same instant (formatting costs about 25 times a lookup).
 */
export function msIso(ms: number): string {
  let iso = formatted.get(ms);
  if (iso === undefined) {
    const date = new Date(ms);
    iso = date.toISOString();
    if (formatted.size >= MAX_ENTRIES) formatted.clear();
    formatted.set(ms, iso);
    if (parsed.size >= MAX_ENTRIES) parsed.clear();
    parsed.set(iso, date.getTime());
  }
  return iso;
}
