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

export interface UnstorableTextOptions {
  /**
   * false when the caller knows no text of the value can be unstorable (the server, for a
   * UTF-8 JSON body with no `\u` escape in its bytes); only the nesting is checked then.
   */
  readonly checkText?: boolean;
}

/**
 * The first unstorable text in a parsed JSON value, or a nesting deeper than any document.
 * `path` is prefixed to the path found. The walk builds no path until it finds something: a
 * push of a hundred documents is walked on every request.
 */
export function findUnstorableText(
  value: unknown,
  path = '',
  options: UnstorableTextOptions = {},
): Unstorable | undefined {
  const trail: (string | number)[] = [];
  const reason = walk(value, 0, options.checkText !== false, trail);
  if (reason === undefined) return undefined;
  let at = path;
  for (let i = trail.length - 1; i >= 0; i--) at = pathOf(at, trail[i] as string | number);
  return { path: at || '(body)', reason };
}

/** Walks `value`; on a find, `trail` holds the keys from the find up to `value`. */
function walk(
  value: unknown,
  depth: number,
  checkText: boolean,
  trail: (string | number)[],
): Unstorable['reason'] | undefined {
  if (typeof value === 'string') return checkText && !isStorableText(value) ? 'text' : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth >= MAX_TEXT_CHECK_DEPTH) return 'depth';
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = walk(value[i], depth + 1, checkText, trail);
      if (found !== undefined) {
        trail.push(i);
        return found;
      }
    }
    return undefined;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (checkText && !isStorableText(key)) {
      trail.push(key);
      return 'text';
    }
    const found = walk(record[key], depth + 1, checkText, trail);
    if (found !== undefined) {
      trail.push(key);
      return found;
    }
  }
  return undefined;
}
