import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_AMOUNT_MINOR,
  allocateProportionally,
  formatMoney,
  isCurrencyCode,
  minorDigits,
  minorToDecimalString,
  minorToUnits,
  minorUnitsPerUnit,
  parseMoney,
  scaledDecimalOf,
  unitsToMinor,
  validateMinorUnits,
} from './money.js';

describe('minorDigits', () => {
  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['BHD', 3],
    ['KWD', 3],
    ['CLF', 4],
  ])('%s has %i minor digits', (currency, digits) => {
    expect(minorDigits(currency)).toBe(digits);
    expect(minorUnitsPerUnit(currency)).toBe(10 ** digits);
  });

  it.each(['usd', 'US', 'DOLLAR', ''])('throws for the malformed code %j', (currency) => {
    expect(() => minorDigits(currency)).toThrow(RangeError);
    expect(isCurrencyCode(currency)).toBe(false);
  });

  it('accepts well-formed codes', () => {
    expect(isCurrencyCode('USD')).toBe(true);
  });
});

describe('validateMinorUnits', () => {
  it.each([
    [0, 0],
    [1, 1],
    [1234, 1234],
    [MAX_AMOUNT_MINOR, MAX_AMOUNT_MINOR],
  ])('accepts %s', (value, expected) => {
    expect(validateMinorUnits(value)).toEqual({ ok: true, value: expected });
  });

  it.each([
    [12.5, 'not-an-integer'],
    [Number.NaN, 'not-an-integer'],
    [Number.POSITIVE_INFINITY, 'not-an-integer'],
    ['12', 'not-an-integer'],
    [null, 'not-an-integer'],
    [undefined, 'not-an-integer'],
    [-1, 'negative-amount'],
    [MAX_AMOUNT_MINOR + 1, 'amount-too-large'],
    [Number.MAX_SAFE_INTEGER, 'amount-too-large'],
  ])('refuses %s with %s', (value, code) => {
    const result = validateMinorUnits(value);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.refusal.code).toBe(code);
      expect(result.refusal.message).not.toBe('');
    }
  });
});

describe('minorToDecimalString and minorToUnits', () => {
  it.each([
    [0, 'USD', '0.00', 0],
    [5, 'USD', '0.05', 0.05],
    [-5, 'USD', '-0.05', -0.05],
    [123456, 'USD', '1234.56', 1234.56],
    [1200, 'JPY', '1200', 1200],
    [-1200, 'JPY', '-1200', -1200],
    [1005, 'BHD', '1.005', 1.005],
    [7, 'BHD', '0.007', 0.007],
  ])('%i %s is %s', (minor, currency, text, units) => {
    expect(minorToDecimalString(minor, currency)).toBe(text);
    expect(minorToUnits(minor, currency)).toBe(units);
  });

  it('refuses a fractional amount of minor units', () => {
    expect(() => minorToDecimalString(1.5, 'USD')).toThrow(RangeError);
    expect(() => minorToUnits(Number.NaN, 'USD')).toThrow(RangeError);
  });

  it('round-trips through whole units for every safe amount', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MAX_AMOUNT_MINOR }),
        fc.constantFrom('USD', 'JPY', 'BHD', 'CLF'),
        (minor, currency) => {
          expect(unitsToMinor(minorToUnits(minor, currency), currency)).toEqual({
            ok: true,
            value: minor,
          });
          expect(Number(minorToDecimalString(minor, currency))).toBe(minorToUnits(minor, currency));
        },
      ),
    );
  });
});

describe('unitsToMinor', () => {
  it.each([
    [12.34, 'USD', 1234],
    [1.005, 'BHD', 1005],
    [1.15, 'USD', 115], // 1.15 * 100 is 114.99999999999999 in floating point
    [19.99, 'USD', 1999],
    [1e3, 'JPY', 1000],
    [0, 'USD', 0],
    [1e9, 'USD', 100_000_000_000],
  ])('%s %s is %i minor units', (units, currency, minor) => {
    expect(unitsToMinor(units, currency)).toEqual({ ok: true, value: minor });
  });

  it.each([
    [Number.NaN, 'USD', 'invalid-amount'],
    [Number.POSITIVE_INFINITY, 'USD', 'invalid-amount'],
    [1, 'usd', 'invalid-currency'],
    [-1, 'USD', 'negative-amount'],
    [12.345, 'USD', 'too-many-decimals'],
    [0.5, 'JPY', 'too-many-decimals'],
    [1e-7, 'USD', 'too-many-decimals'],
    [1e21, 'USD', 'amount-too-large'],
    [1e9 + 0.01, 'USD', 'amount-too-large'],
  ])('refuses %s %s with %s', (units, currency, code) => {
    const result = unitsToMinor(units, currency);
    expect(result.ok ? undefined : result.refusal.code).toBe(code);
  });
});

describe('scaledDecimalOf', () => {
  it.each([
    [1.1, 11n, 1],
    [1.25, 125n, 2],
    [100, 100n, 0],
    [1e21, 10n ** 21n, 0],
    [1.5e-7, 15n, 8],
    [-2.5, -25n, 1],
  ])('%s is exact', (value, digits, scale) => {
    expect(scaledDecimalOf(value)).toEqual({ digits, scale });
  });

  it('refuses non-finite numbers', () => {
    expect(() => scaledDecimalOf(Number.NaN)).toThrow(RangeError);
  });
});

describe('formatMoney', () => {
  it.each([
    [123456, 'USD', undefined, '$1,234.56'],
    [5, 'USD', 'en-US', '$0.05'],
    [-5, 'USD', 'en-US', '-$0.05'],
    [1200, 'JPY', 'ja-JP', '￥1,200'],
    [123456, 'EUR', 'de-DE', '1.234,56\u00a0€'],
    [1005, 'BHD', 'en-US', 'BHD\u00a01.005'],
    [MAX_AMOUNT_MINOR, 'USD', 'en-US', '$1,000,000,000.00'],
  ])('%i %s in %s is %s', (minor, currency, locale, text) => {
    expect(formatMoney(minor, currency, locale)).toBe(text);
  });

  it('formats amounts beyond double precision digit by digit', () => {
    expect(formatMoney(Number.MAX_SAFE_INTEGER, 'USD')).toBe('$90,071,992,547,409.91');
  });
});

describe('parseMoney', () => {
  it.each([
    ['12.50', 'USD', undefined, 1250],
    ['12.5', 'USD', undefined, 1250],
    ['12', 'USD', undefined, 1200],
    ['12.', 'USD', undefined, 1200],
    ['.5', 'USD', undefined, 50],
    ['  7.05 ', 'USD', undefined, 705],
    ['$1,234.56', 'USD', undefined, 123456],
    ['1,234,567.89', 'USD', undefined, 123456789],
    ['USD 10', 'USD', undefined, 1000],
    ['10 USD', 'USD', undefined, 1000],
    ['12.340', 'USD', undefined, 1234],
    ['0', 'USD', undefined, 0],
    ['-0', 'USD', undefined, 0],
    ['1200', 'JPY', undefined, 1200],
    ['1200.00', 'JPY', undefined, 1200],
    ['¥1,200', 'JPY', 'ja-JP', 1200],
    ['￥１，２００', 'JPY', 'ja-JP', 1200],
    ['1.005', 'BHD', undefined, 1005],
    ['1.234,56 €', 'EUR', 'de-DE', 123456],
    ['1234,5', 'EUR', 'de-DE', 123450],
    ['1 234,56', 'EUR', 'fr-FR', 123456],
    ['1\u202f234,56\u00a0€', 'EUR', 'fr-FR', 123456],
    ["1'234.50", 'CHF', 'de-CH', 123450],
    ['CHF 12.00', 'CHF', 'de-CH', 1200],
    ['12,34,567.00', 'INR', 'en-IN', 1234567_00],
    ['CA$5', 'CAD', 'en-US', 500],
    ['٫٥٠ ج.م.‏', 'EGP', 'ar-EG', 50],
    ['1000000000', 'USD', undefined, MAX_AMOUNT_MINOR],
    ['۱۲٫۵', 'USD', undefined, 1250],
  ])('%j %s (%s) is %i', (text, currency, locale, minor) => {
    expect(parseMoney(text, currency, locale)).toEqual({ ok: true, value: minor });
  });

  it.each([
    ['', 'USD', undefined, 'invalid-amount'],
    ['   ', 'USD', undefined, 'invalid-amount'],
    ['$', 'USD', undefined, 'invalid-amount'],
    ['abc', 'USD', undefined, 'invalid-amount'],
    ['12a', 'USD', undefined, 'invalid-amount'],
    ['1e3', 'USD', undefined, 'invalid-amount'],
    ['1,50', 'USD', undefined, 'invalid-amount'],
    ['1,2345', 'USD', undefined, 'invalid-amount'],
    [',123', 'USD', undefined, 'invalid-amount'],
    ['1234,567', 'USD', undefined, 'invalid-amount'],
    ['1.234.567', 'USD', undefined, 'invalid-amount'],
    ['12.3.4', 'USD', undefined, 'invalid-amount'],
    ['1' + '0'.repeat(70), 'USD', undefined, 'invalid-amount'],
    ['-abc', 'USD', undefined, 'invalid-amount'],
    ['-12.00', 'USD', undefined, 'negative-amount'],
    ['−5', 'USD', undefined, 'negative-amount'],
    ['-$5', 'USD', undefined, 'negative-amount'],
    ['$-5', 'USD', undefined, 'negative-amount'],
    ['-1.999', 'USD', undefined, 'negative-amount'],
    ['12.345', 'USD', undefined, 'too-many-decimals'],
    ['100.5', 'JPY', undefined, 'too-many-decimals'],
    ['1.0001', 'BHD', undefined, 'too-many-decimals'],
    ['1000000000.01', 'USD', undefined, 'amount-too-large'],
    ['99999999999999999999', 'USD', undefined, 'amount-too-large'],
    ['12', 'dollars', undefined, 'invalid-currency'],
  ])('%j %s (%s) is refused with %s', (text, currency, locale, code) => {
    const result = parseMoney(text, currency, locale);
    expect(result.ok ? undefined : result.refusal.code).toBe(code);
    if (!result.ok) expect(result.refusal.message).not.toBe('');
  });

  it('reads back what formatMoney wrote, for every amount and locale', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MAX_AMOUNT_MINOR }),
        fc.constantFrom(
          ['USD', 'en-US'],
          ['JPY', 'ja-JP'],
          ['EUR', 'de-DE'],
          ['EUR', 'fr-FR'],
          ['CHF', 'de-CH'],
          ['INR', 'en-IN'],
          ['BHD', 'en-US'],
          ['CAD', 'en-CA'],
          ['EGP', 'ar-EG'],
        ),
        (minor, [currency, locale]) => {
          const text = formatMoney(minor, currency, locale);
          expect(parseMoney(text, currency, locale)).toEqual({ ok: true, value: minor });
        },
      ),
    );
  });
});

describe('allocateProportionally', () => {
  it.each([
    [100, [1, 1, 1], [34, 33, 33]],
    [100, [1, 1], [50, 50]],
    [10, [3, 0, 7], [3, 0, 7]],
    [1, [1, 1, 1], [1, 0, 0]],
    [2, [1, 2, 2], [0, 1, 1]],
    [5, [2000, 1000], [3, 2]],
    [0, [0, 0], [0, 0]],
    [0, [5, 10], [0, 0]],
    [7, [4], [7]],
    [MAX_AMOUNT_MINOR, [MAX_AMOUNT_MINOR, 1], [MAX_AMOUNT_MINOR - 1, 1]],
  ])('%i over %j is %j', (total, weights, shares) => {
    expect(allocateProportionally(total, weights)).toEqual(shares);
  });

  it.each([
    [-1, [1]],
    [1.5, [1]],
    [1, [-1, 2]],
    [1, [0.5]],
    [1, [0, 0]],
    [1, []],
  ])('throws for total %s over %j', (total, weights) => {
    expect(() => allocateProportionally(total, weights)).toThrow(RangeError);
  });

  const weightsArb = fc
    .array(fc.integer({ min: 0, max: MAX_AMOUNT_MINOR }), { minLength: 1, maxLength: 20 })
    .filter((weights) => weights.some((weight) => weight > 0));

  it('always adds up to the total, with each share within one unit of its exact proportion', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_AMOUNT_MINOR }), weightsArb, (total, weights) => {
        const shares = allocateProportionally(total, weights);
        expect(shares.reduce((sum, share) => sum + share, 0)).toBe(total);
        const weightSum = weights.reduce((sum, weight) => sum + BigInt(weight), 0n);
        shares.forEach((share, i) => {
          const exactTimesSum = BigInt(total) * BigInt(weights[i]!);
          const shareTimesSum = BigInt(share) * weightSum;
          // floor(exact) <= share <= floor(exact) + 1
          expect(shareTimesSum <= exactTimesSum + weightSum).toBe(true);
          expect(shareTimesSum + weightSum > exactTimesSum).toBe(true);
          if (weights[i] === 0) expect(share).toBe(0);
        });
      }),
    );
  });
});
