import { ok, refuse, type Result } from './result.js';

/**
 * Money is an integer count of minor units (cents, yen, fils) of one ISO 4217 currency.
 * How many minor units make a whole unit comes from Intl (CLDR), so the terminal and the
 * server agree without a table of our own: USD 2 digits, JPY 0, BHD 3.
 *
 * Nothing here goes through binary floating point on the way between text, whole units and
 * minor units: conversions work on decimal digits and integers (BigInt where a product could
 * pass 2^53), so 1.005 units is 1005 fils and never 1004.
 */

/**
 * The largest amount accepted anywhere, in minor units (a billion dollars, a hundred billion
 * yen). It is far above any real order and keeps every product of an amount with a rate or
 * a percentage well inside `Number.MAX_SAFE_INTEGER`.
 */
export const MAX_AMOUNT_MINOR = 100_000_000_000;

export type MoneyRefusalCode =
  | 'invalid-amount'
  | 'negative-amount'
  | 'too-many-decimals'
  | 'amount-too-large'
  | 'invalid-currency';

export type MinorUnitsRefusalCode = 'not-an-integer' | 'negative-amount' | 'amount-too-large';

const CURRENCY_CODE = /^[A-Z]{3}$/;
const digitsByCurrency = new Map<string, number>();

/**
 * Whether `currency` is written as an ISO 4217 code (three upper-case letters). Intl formats
 * every well-formed code, unknown ones with two decimals, so this is the check that matters.
 */
export function isCurrencyCode(currency: string): boolean {
  return CURRENCY_CODE.test(currency);
}

/**
 * Digits after the decimal point of `currency` (JPY 0, USD 2, BHD 3).
 * @throws RangeError when `currency` is not a three-letter upper-case code; program settings
 * are validated before they reach here, so this is a programming error, not user input.
 */
export function minorDigits(currency: string): number {
  const cached = digitsByCurrency.get(currency);
  if (cached !== undefined) return cached;
  if (!CURRENCY_CODE.test(currency)) {
    throw new RangeError(`not an ISO 4217 currency code: ${JSON.stringify(currency)}`);
  }
  const digits =
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits ?? 2;
  digitsByCurrency.set(currency, digits);
  return digits;
}

/** Minor units in one whole unit: 10 ** minorDigits (USD 100, JPY 1, BHD 1000). */
export function minorUnitsPerUnit(currency: string): number {
  return 10 ** minorDigits(currency);
}

/**
 * Checks a value that should be an amount of money in minor units: a non-negative safe
 * integer no larger than MAX_AMOUNT_MINOR. Use it at every edge where an amount comes in.
 */
export function validateMinorUnits(value: unknown): Result<number, MinorUnitsRefusalCode> {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    return refuse('not-an-integer', 'An amount must be a whole number of cents (minor units).', {
      value: typeof value === 'number' ? value : String(value),
    });
  }
  if (value < 0) {
    return refuse('negative-amount', 'An amount cannot be negative.', { value });
  }
  if (value > MAX_AMOUNT_MINOR) {
    return refuse('amount-too-large', 'The amount is larger than the till accepts.', {
      value,
      max: MAX_AMOUNT_MINOR,
    });
  }
  return ok(value);
}

/** A decimal number as `digits / 10 ** scale`, exactly. */
export interface ScaledDecimal {
  readonly digits: bigint;
  readonly scale: number;
}

/**
 * The exact decimal a JavaScript number was written as: the shortest digits that round-trip
 * (`String(1.1)` is "1.1"), which is what a manager typed into a rate or multiplier field.
 * @throws RangeError for NaN and infinities.
 */
export function scaledDecimalOf(value: number): ScaledDecimal {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  const text = String(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(text);
  /* c8 ignore next -- String() of a finite number always has this shape */
  if (!match) throw new RangeError(`unexpected number format: ${text}`);
  const [, sign = '', whole = '0', fraction = '', exponentText = '0'] = match;
  const exponent = Number(exponentText);
  let digits = BigInt(sign + whole + fraction);
  let scale = fraction.length - exponent;
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { digits, scale };
}

/**
 * Minor units as a plain decimal string in whole units ("12.34", "-0.05", "1200" for JPY),
 * built from the integer's digits.
 * @throws RangeError when `minor` is not a safe integer.
 */
export function minorToDecimalString(minor: number, currency: string): string {
  assertSafeInteger(minor);
  const digits = minorDigits(currency);
  const negative = minor < 0;
  const text = String(Math.abs(minor));
  if (digits === 0) return (negative ? '-' : '') + text;
  const padded = text.padStart(digits + 1, '0');
  return `${negative ? '-' : ''}${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
}

/**
 * Minor units as a number of whole units (1234 cents → 12.34). Dividing an integer by a
 * power of ten is correctly rounded, so the result is the double closest to the exact value,
 * the same one `Number("12.34")` gives. Meant for display and export, never for arithmetic.
 * @throws RangeError when `minor` is not a safe integer.
 */
export function minorToUnits(minor: number, currency: string): number {
  assertSafeInteger(minor);
  return minor / minorUnitsPerUnit(currency);
}

/**
 * Whole units (as a number, e.g. from a JSON feed that sends 12.34) to minor units, exactly:
 * the number's decimal digits are shifted, never multiplied in floating point.
 */
export function unitsToMinor(units: number, currency: string): Result<number, MoneyRefusalCode> {
  if (!Number.isFinite(units)) {
    return refuse('invalid-amount', 'The amount is not a number.', { value: String(units) });
  }
  if (!CURRENCY_CODE.test(currency)) return refuseCurrency(currency);
  if (units < 0) {
    return refuse('negative-amount', 'An amount cannot be negative.', { value: units });
  }
  const { digits, scale } = scaledDecimalOf(units);
  return fromScaledDecimal(digits, scale, currency);
}

const formatters = new Map<string, Intl.NumberFormat>();

function currencyFormatter(currency: string, locale: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, { style: 'currency', currency });
    formatters.set(key, formatter);
  }
  return formatter;
}

/**
 * Formats minor units for people: `formatMoney(123456, 'USD')` is "$1,234.56". The locale
 * defaults to en-US rather than the machine's, so the same input always gives the same text;
 * the terminal passes the store's locale.
 * @throws RangeError when `minor` is not a safe integer or the currency or locale is malformed.
 */
export function formatMoney(minor: number, currency: string, locale = 'en-US'): string {
  const decimal = minorToDecimalString(minor, currency) as `${number}`;
  return currencyFormatter(currency, locale).format(decimal);
}

/**
 * Parses an amount a person typed ("12.50", "$1,234.56", "1.234,56 €" with locale de-DE,
 * "１２００" typed with a Japanese IME) into minor units.
 *
 * - The decimal and grouping separators are those of `locale` (default en-US). Grouping is
 *   checked (the last group has three digits), so "1,50" in en-US is refused instead of being
 *   read as 150.
 * - The currency's symbol or ISO code may come first or last; a leading minus is recognised
 *   only to refuse it with 'negative-amount'.
 * - Extra decimals are allowed only when they are zeros ("12.340" is 12.34 USD).
 */
export function parseMoney(
  text: string,
  currency: string,
  locale = 'en-US',
): Result<number, MoneyRefusalCode> {
  if (!CURRENCY_CODE.test(currency)) return refuseCurrency(currency);
  const invalid = refuse(
    'invalid-amount',
    `"${text.length > 40 ? `${text.slice(0, 40)}…` : text}" is not an amount of money.`,
  );
  if (text.length > 64) return invalid;
  const separators = localeSeparators(currency, locale);

  let rest = normalizeTypedNumber(text).trim();
  let negative = false;
  if (rest.startsWith('-')) {
    negative = true;
    rest = rest.slice(1).trim();
  }
  for (const symbol of separators.currencySymbols) {
    if (rest.startsWith(symbol)) {
      rest = rest.slice(symbol.length).trim();
      break;
    }
    if (rest.endsWith(symbol)) {
      rest = rest.slice(0, -symbol.length).trim();
      break;
    }
  }
  if (!negative && rest.startsWith('-')) {
    negative = true;
    rest = rest.slice(1).trim();
  }

  const decimalAt = rest.lastIndexOf(separators.decimal);
  const integerText = decimalAt === -1 ? rest : rest.slice(0, decimalAt);
  const fractionText = decimalAt === -1 ? '' : rest.slice(decimalAt + separators.decimal.length);
  const integerDigits = parseGroupedInteger(integerText, separators.groups);
  if (integerDigits === undefined || !/^\d*$/.test(fractionText)) return invalid;
  if (integerDigits === '' && fractionText === '') return invalid;

  const parsed = fromScaledDecimal(
    BigInt((integerDigits || '0') + fractionText),
    fractionText.length,
    currency,
  );
  if (negative && (!parsed.ok || parsed.value > 0)) {
    return refuse('negative-amount', 'An amount cannot be negative.', { text });
  }
  return parsed;
}

interface LocaleSeparators {
  readonly decimal: string;
  readonly groups: readonly string[];
  /** Longest first, so "CA$" is stripped before "$". */
  readonly currencySymbols: readonly string[];
}

const separatorsByKey = new Map<string, LocaleSeparators>();

function localeSeparators(currency: string, locale: string): LocaleSeparators {
  const key = `${locale}|${currency}`;
  const cached = separatorsByKey.get(key);
  if (cached) return cached;
  const parts = currencyFormatter(currency, locale).formatToParts(1234567.5);
  const narrow = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    currencyDisplay: 'narrowSymbol',
  }).formatToParts(1);
  const partValue = (list: Intl.NumberFormatPart[], type: string): string | undefined =>
    list.find((part) => part.type === type)?.value;
  const normalize = (value: string): string => normalizeTypedNumber(value).trim();
  const decimal = normalize(partValue(parts, 'decimal') ?? '.');
  // Not trimmed: in fr-FR the group separator is a (narrow no-break) space.
  const group = normalizeTypedNumber(partValue(parts, 'group') ?? ',');
  const symbols = new Set(
    [partValue(parts, 'currency'), partValue(narrow, 'currency'), currency]
      .filter((symbol): symbol is string => symbol !== undefined)
      .map(normalize)
      .filter((symbol) => symbol !== ''),
  );
  const result: LocaleSeparators = {
    decimal,
    // Spaces of every width and apostrophes are typed as grouping wherever the locale's own
    // separator is a space or an apostrophe, so they are accepted alongside it.
    groups: [...new Set([group, ...(/^[\s'’]$/.test(group) ? [' ', "'", '’'] : [])])],
    currencySymbols: [...symbols].sort((a, b) => b.length - a.length),
  };
  separatorsByKey.set(key, result);
  return result;
}

/** Full-width and Arabic-Indic digits to ASCII, spaces unified, bidi marks dropped. */
function normalizeTypedNumber(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/\p{Cf}/gu, '')
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/\u066b/g, '.')
    .replace(/\u066c/g, ',')
    .replace(/\u2212/g, '-')
    .replace(/\s+/gu, ' ');
}

/**
 * The digits of an integer part with optional grouping: the first group has 1–3 digits, the
 * last exactly 3, any between 2 or 3 (Indian grouping 12,34,567 included). Undefined when the
 * text is not such a number.
 */
function parseGroupedInteger(text: string, groups: readonly string[]): string | undefined {
  if (/^\d*$/.test(text)) return text;
  const separator = groups.find((group) => text.includes(group));
  if (separator === undefined) return undefined;
  const parts = text.split(separator);
  const [first, ...others] = parts;
  const last = others[others.length - 1];
  if (first === undefined || last === undefined || !/^\d{1,3}$/.test(first)) return undefined;
  if (!/^\d{3}$/.test(last) || !others.every((part) => /^\d{2,3}$/.test(part))) return undefined;
  return parts.join('');
}

function fromScaledDecimal(
  digits: bigint,
  scale: number,
  currency: string,
): Result<number, MoneyRefusalCode> {
  const minorDigitCount = minorDigits(currency);
  let minor: bigint;
  if (scale <= minorDigitCount) {
    minor = digits * 10n ** BigInt(minorDigitCount - scale);
  } else {
    const divisor = 10n ** BigInt(scale - minorDigitCount);
    if (digits % divisor !== 0n) {
      return refuse(
        'too-many-decimals',
        minorDigitCount === 0
          ? `${currency} amounts have no decimals.`
          : `${currency} amounts have at most ${minorDigitCount} decimals.`,
        { maxDecimals: minorDigitCount },
      );
    }
    minor = digits / divisor;
  }
  if (minor > BigInt(MAX_AMOUNT_MINOR)) {
    return refuse('amount-too-large', 'The amount is larger than the till accepts.', {
      max: MAX_AMOUNT_MINOR,
    });
  }
  return ok(Number(minor));
}

function refuseCurrency(currency: string): Result<never, MoneyRefusalCode> {
  return refuse('invalid-currency', `"${currency}" is not a currency code such as USD.`, {
    currency,
  });
}

function assertSafeInteger(minor: number): void {
  if (!Number.isSafeInteger(minor)) {
    throw new RangeError(`an amount in minor units must be a safe integer, got ${minor}`);
  }
}

/**
 * Splits `total` minor units over `weights` in proportion, exactly (largest remainder): each
 * share is the floor of its exact proportion, and the units left over go one each to the
 * largest remainders, ties to the earlier position. The shares always add up to `total`, and
 * a zero weight always gets zero.
 * @throws RangeError when `total` or a weight is not a non-negative safe integer, or when
 * `total` is positive and every weight is zero.
 */
export function allocateProportionally(total: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(total) || total < 0) {
    throw new RangeError(`total must be a non-negative safe integer, got ${total}`);
  }
  let weightSum = 0n;
  for (const weight of weights) {
    if (!Number.isSafeInteger(weight) || weight < 0) {
      throw new RangeError(`weights must be non-negative safe integers, got ${weight}`);
    }
    weightSum += BigInt(weight);
  }
  if (total === 0) return weights.map(() => 0);
  if (weightSum === 0n) throw new RangeError('cannot allocate a positive total over zero weights');

  const bigTotal = BigInt(total);
  const shares: number[] = [];
  const remainders: { index: number; remainder: bigint }[] = [];
  let allocated = 0n;
  weights.forEach((weight, index) => {
    const product = bigTotal * BigInt(weight);
    const share = product / weightSum;
    shares.push(Number(share));
    allocated += share;
    remainders.push({ index, remainder: product % weightSum });
  });
  remainders.sort((a, b) =>
    a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1,
  );
  const leftOver = Number(bigTotal - allocated);
  for (let i = 0; i < leftOver; i++) {
    const { index } = remainders[i]!;
    shares[index]! += 1;
  }
  return shares;
}
