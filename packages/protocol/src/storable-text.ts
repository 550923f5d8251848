/**
 * Text PostgreSQL cannot store: U+0000 (refused in `text` and `jsonb`) and UTF-16 surrogates
 * without their pair (not valid Unicode; `jsonb` refuses the `\ud800` escape JSON.stringify
 * writes for one). Such text passes every schema here and fails only inside the server's
 * database, so the terminal refuses it where it is typed and the server refuses any request
 * carrying it (keys as well as values) before it does anything.
 */
// U+0000 is the point of this pattern.
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Deeper than any document of the protocol; a body nested further is refused, not walked. */
export const MAX_TEXT_CHECK_DEPTH = 64;

export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

function pathOf(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

export interface Unstorable {
  /** Where, as `rows[0].newDocumentState.name` ('(body)' for the body itself). */
  readonly path: string;
  readonly reason: 'text' | 'depth';
}

/** The first unstorable text in a parsed JSON value, or a nesting deeper than any document. */
export function findUnstorableText(value: unknown, path = '', depth = 0): Unstorable | undefined {
  if (typeof value === 'string') {
    return isStorableText(value) ? undefined : { path: path || '(body)', reason: 'text' };
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth >= MAX_TEXT_CHECK_DEPTH) return { path: path || '(body)', reason: 'depth' };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorableText(value[i], pathOf(path, i), depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const at = pathOf(path, key);
    if (!isStorableText(key)) return { path: at, reason: 'text' };
    const found = findUnstorableText(item, at, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
