/**
 * Codes people type from print or a screen (coupon and referral codes). Internal to the
 * package: each kind of code exports its own normalizer.
 */

const SEPARATORS = /[\s\-_./]/g;
const COMBINING_MARKS = /\p{M}/gu;

/**
 * The canonical form of a typed code: accents dropped, upper case, without spaces or the
 * separators people type or print (- _ . /). Idempotent. Marks are dropped again after upper
 * casing because upper casing can decompose a letter into one with a mark.
 */
export function canonicalCode(input: string): string {
  return input
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .toUpperCase()
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .replace(SEPARATORS, '');
}
