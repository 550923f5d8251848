/**
 * Every rule returns either a value or a typed refusal. A refusal carries a stable,
 * machine-readable `code` (kebab-case, safe to branch on and to translate) and a `message`
 * a cashier can be shown as it is.
 */
export interface Refusal<Code extends string = string> {
  readonly code: Code;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export type Result<T, Code extends string = string> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly refusal: Refusal<Code> };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function refuse<Code extends string>(
  code: Code,
  message: string,
  details?: Readonly<Record<string, unknown>>,
): { readonly ok: false; readonly refusal: Refusal<Code> } {
  return details === undefined
    ? { ok: false, refusal: { code, message } }
    : { ok: false, refusal: { code, message, details } };
}
