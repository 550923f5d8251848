/**
 * Hybrid logical clock (Kulkarni et al.): wall-clock milliseconds plus a counter plus the id
 * of the node that made the stamp. Stamps only move forward on a node, are greater than any
 * stamp the node has seen, and stay close to wall time. Pure: the wall time is passed in.
 *
 * The string form sorts like the clock: 'mmmmmmmmmmmmmmm-ccccc-node' (15-digit milliseconds,
 * 5-digit counter, node id), so two stamps compare with `<` and ties between nodes break by
 * node id.
 */

export interface Hlc {
  /** Milliseconds since the epoch (the largest wall time seen). */
  readonly ms: number;
  /** Orders stamps within one millisecond. */
  readonly counter: number;
  /** The terminal id, or 'server'. */
  readonly node: string;
}

/** A formatted `Hlc`; compares with `<` like the clock. */
export type HlcString = string;

export const HLC_MS_DIGITS = 15;
export const HLC_COUNTER_DIGITS = 5;
export const HLC_MAX_MS = 10 ** HLC_MS_DIGITS - 1;
export const HLC_MAX_COUNTER = 10 ** HLC_COUNTER_DIGITS - 1;
export const HLC_NODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const HLC_STRING = /^(\d{15})-(\d{5})-([A-Za-z0-9][A-Za-z0-9_.:-]{0,63})$/;

function checkNode(node: string): void {
  if (!HLC_NODE_PATTERN.test(node)) {
    throw new RangeError(`HLC node id must match ${HLC_NODE_PATTERN.source}, got '${node}'`);
  }
}

function wallMs(nowMs: number): number {
  if (!Number.isFinite(nowMs) || nowMs < 0) {
    throw new RangeError(`wall time must be a non-negative number of ms, got ${nowMs}`);
  }
  return Math.min(Math.floor(nowMs), HLC_MAX_MS);
}

/**
 * The next stamp after `ms`/`counter` in the same millisecond. When the counter is exhausted
 * the clock borrows the next millisecond instead, which keeps it monotonic at the cost of
 * running 1 ms ahead of the wall for a moment.
 */
function bump(ms: number, counter: number, node: string): Hlc {
  if (counter < HLC_MAX_COUNTER) return { ms, counter: counter + 1, node };
  if (ms >= HLC_MAX_MS) throw new RangeError('HLC exhausted');
  return { ms: ms + 1, counter: 0, node };
}

/** A clock that has seen nothing yet. */
export function hlcInit(nodeId: string): Hlc {
  checkNode(nodeId);
  return { ms: 0, counter: 0, node: nodeId };
}

/**
 * A stamp for a local event (an edit) at wall time `nowMs`; it is also the clock's new state.
 * Greater than `state` even if the wall clock went backwards.
 */
export function hlcTick(state: Hlc | undefined, nowMs: number, nodeId: string): Hlc {
  checkNode(nodeId);
  const wall = wallMs(nowMs);
  if (state === undefined || wall > state.ms) return { ms: wall, counter: 0, node: nodeId };
  return bump(state.ms, state.counter, nodeId);
}

/**
 * The clock's new state after receiving `remote` (a stamp on a pulled document) at wall time
 * `nowMs`: greater than both `state` and `remote`, so a later local edit wins over what was
 * received.
 */
export function hlcReceive(state: Hlc, remote: Hlc, nowMs: number): Hlc {
  const wall = wallMs(nowMs);
  const ms = Math.max(state.ms, remote.ms, wall);
  if (ms === state.ms && ms === remote.ms) {
    return bump(ms, Math.max(state.counter, remote.counter), state.node);
  }
  if (ms === state.ms) return bump(ms, state.counter, state.node);
  if (ms === remote.ms) return bump(ms, remote.counter, state.node);
  return { ms, counter: 0, node: state.node };
}

export function formatHlc(hlc: Hlc): HlcString {
  checkNode(hlc.node);
  if (!Number.isSafeInteger(hlc.ms) || hlc.ms < 0 || hlc.ms > HLC_MAX_MS) {
    throw new RangeError(`HLC ms out of range: ${hlc.ms}`);
  }
  if (!Number.isSafeInteger(hlc.counter) || hlc.counter < 0 || hlc.counter > HLC_MAX_COUNTER) {
    throw new RangeError(`HLC counter out of range: ${hlc.counter}`);
  }
  return `${String(hlc.ms).padStart(HLC_MS_DIGITS, '0')}-${String(hlc.counter).padStart(HLC_COUNTER_DIGITS, '0')}-${hlc.node}`;
}

/** The clock a string stands for, or undefined when it is not an HLC string. */
export function parseHlc(text: string): Hlc | undefined {
  const match = HLC_STRING.exec(text);
  if (!match) return undefined;
  const [, ms, counter, node] = match as unknown as [string, string, string, string];
  return { ms: Number(ms), counter: Number(counter), node };
}

/** Negative, zero or positive as `a` is before, equal to or after `b`; ties by node id. */
export function compareHlc(a: Hlc, b: Hlc): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  if (a.counter !== b.counter) return a.counter < b.counter ? -1 : 1;
  return a.node < b.node ? -1 : a.node > b.node ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Field-level merge

/** A document whose top-level fields carry the HLC string of their last edit. */
export interface FieldClocked {
  readonly fieldClocks: Readonly<Record<string, HlcString | undefined>>;
}

/**
 * Merges two versions of one document field by field: for each field the version with the
 * higher clock wins (a field absent from `fieldClocks` counts as older than any stamp), and
 * the result carries that clock. A field whose winner lacks it (an optional field that was
 * cleared) is absent from the result.
 *
 * When both clocks are equal (or both missing) and the values still differ, the larger value
 * in a fixed order of JSON values wins, so the merge is commutative, associative and
 * idempotent: every replica reaches the same document whatever order edits arrive in.
 * Both versions are expected to be of the same document (same id).
 */
export function mergeFieldwise<T extends FieldClocked>(local: T, remote: T): T {
  const localFields = local as unknown as Readonly<Record<string, unknown>>;
  const remoteFields = remote as unknown as Readonly<Record<string, unknown>>;
  const fields = new Set<string>([
    ...Object.keys(local),
    ...Object.keys(remote),
    ...Object.keys(local.fieldClocks),
    ...Object.keys(remote.fieldClocks),
  ]);
  fields.delete('fieldClocks');

  const merged: Record<string, unknown> = {};
  const clocks: Record<string, HlcString> = {};
  for (const field of [...fields].sort()) {
    const a = { clock: local.fieldClocks[field] ?? '', value: localFields[field] };
    const b = { clock: remote.fieldClocks[field] ?? '', value: remoteFields[field] };
    const byClock = a.clock < b.clock ? -1 : a.clock > b.clock ? 1 : 0;
    const winner = (byClock || compareJsonValues(a.value, b.value)) >= 0 ? a : b;
    if (winner.value !== undefined) merged[field] = winner.value;
    if (winner.clock !== '') clocks[field] = winner.clock;
  }
  merged.fieldClocks = clocks;
  return merged as unknown as T;
}

/**
 * Stamps an edit: sets the fields of `patch` (undefined clears an optional field) and records
 * `clock` for each of them.
 */
export function stampFields<T extends FieldClocked>(
  doc: T,
  patch: Partial<Omit<T, 'fieldClocks'>>,
  clock: HlcString,
): T {
  const next: Record<string, unknown> = { ...(doc as unknown as Record<string, unknown>) };
  const clocks: Record<string, HlcString | undefined> = { ...doc.fieldClocks };
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) delete next[field];
    else next[field] = value;
    clocks[field] = clock;
  }
  next.fieldClocks = clocks;
  return next as unknown as T;
}

const TYPE_RANK: Record<string, number> = {
  undefined: 0,
  null: 1,
  boolean: 2,
  number: 3,
  string: 4,
  array: 5,
  object: 6,
};

function typeOfJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** A total order on JSON values (absent first); objects compare by their canonical JSON. */
export function compareJsonValues(a: unknown, b: unknown): number {
  const ta = typeOfJson(a);
  const tb = typeOfJson(b);
  if (ta !== tb) return (TYPE_RANK[ta] ?? 7) - (TYPE_RANK[tb] ?? 7);
  switch (ta) {
    case 'boolean':
    case 'number':
    case 'string':
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 'array': {
      const left = a as readonly unknown[];
      const right = b as readonly unknown[];
      for (let i = 0; i < Math.min(left.length, right.length); i++) {
        const order = compareJsonValues(left[i], right[i]);
        if (order !== 0) return order;
      }
      return left.length - right.length;
    }
    case 'object': {
      const left = canonicalJson(a);
      const right = canonicalJson(b);
      return left < right ? -1 : left > right ? 1 : 0;
    }
    default:
      return 0;
  }
}

/** JSON with object keys sorted, so equal values have equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
