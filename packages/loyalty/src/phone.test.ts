import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_PHONE_INPUT_LENGTH,
  formatPhoneForDisplay,
  normalizePhone,
  phoneDigitsSuffix,
  phoneQueryDigits,
} from './phone.js';

describe('normalizePhone', () => {
  it.each([
    ['(212) 555-0123', 'US', '+12125550123'],
    ['212 555 0123', 'US', '+12125550123'],
    ['212.555.0123', 'US', '+12125550123'],
    ['1-212-555-0123', 'US', '+12125550123'],
    ['+1 212 555 0123', 'GB', '+12125550123'],
    ['  +1 (212) 555-0123  ', 'US', '+12125550123'],
    ['＋１ ２１２ ５５５ ０１２３', 'JP', '+12125550123'],
    ['\u202a+1 212 555 0123\u202c', 'US', '+12125550123'],
    ['+44 20 7946 0958', 'US', '+442079460958'],
    ['020 7946 0958', 'GB', '+442079460958'],
    ['07911 123456', 'GB', '+447911123456'],
    ['00 44 20 7946 0958', 'DE', '+442079460958'],
    ['030 123456', 'DE', '+4930123456'],
    ['03-1234-5678', 'JP', '+81312345678'],
    ['+7 912 345 67 89', 'US', '+79123456789'],
    ['+1 212 555 0123', 'XX', '+12125550123'],
  ])('%j in %s is %s', (input, country, e164) => {
    expect(normalizePhone(input, country)).toEqual({ ok: true, value: e164 });
  });

  it.each([
    ['', 'US', 'phone-empty', undefined],
    ['   ', 'US', 'phone-empty', undefined],
    ['\u200e', 'US', 'phone-empty', undefined],
    ['1'.repeat(MAX_PHONE_INPUT_LENGTH + 1), 'US', 'phone-too-long', undefined],
    ['123456789012345678', 'US', 'phone-too-long', 'too-long'],
    ['+12345678901234567890', 'US', 'phone-too-long', 'too-long'],
    ['+1 212 555 01234', 'US', 'phone-too-long', 'too-long'],
    ['hello', 'US', 'phone-invalid', 'characters'],
    ['212-555-0123a', 'US', 'phone-invalid', 'characters'],
    ['2125550123 ext 5', 'US', 'phone-invalid', 'characters'],
    ['+1 800 FLOWERS', 'US', 'phone-invalid', 'characters'],
    ['212+5550123', 'US', 'phone-invalid', 'characters'],
    ['(((', 'US', 'phone-invalid', 'characters'],
    ['+', 'US', 'phone-invalid', 'characters'],
    ['212 555 0123', 'XX', 'phone-invalid', 'no-country'],
    ['+999 12345', 'US', 'phone-invalid', 'unknown-country-code'],
    ['555-0123', 'US', 'phone-invalid', 'too-short'],
    ['1', 'US', 'phone-invalid', 'too-short'],
    ['.8.', 'US', 'phone-invalid', 'too-short'],
    ['+1 212', 'US', 'phone-invalid', 'too-short'],
    ['20 7946 09', 'GB', 'phone-invalid', 'wrong-length'],
    ['784 359 0235', 'US', 'phone-invalid', 'not-in-use'],
    ['123 456 7890', 'US', 'phone-invalid', 'not-in-use'],
    ['+44 20 7946 095', 'US', 'phone-invalid', 'not-in-use'],
    ['+49 1234', 'US', 'phone-invalid', 'not-in-use'],
  ])('%j in %s is refused with %s (%s)', (input, country, code, reason) => {
    const result = normalizePhone(input, country);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.refusal.code).toBe(code);
      expect(result.refusal.details?.['reason']).toBe(reason);
      expect(result.refusal.message).toMatch(/^[A-Z]/);
    }
  });

  it('names the country when a local number is not in use there', () => {
    const result = normalizePhone('784 359 0235', 'US');
    expect(result.ok ? '' : result.refusal.message).toContain('United States');
  });

  it('is idempotent: a normalized number normalizes to itself from any country', () => {
    const numbers = ['+12125550123', '+442079460958', '+81312345678', '+4930123456'];
    fc.assert(
      fc.property(
        fc.constantFrom(...numbers),
        fc.constantFrom('US', 'GB', 'DE', 'JP', 'FR'),
        (e164, country) => {
          expect(normalizePhone(e164, country)).toEqual({ ok: true, value: e164 });
        },
      ),
    );
  });

  it('never throws, whatever is typed', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.constantFrom('US', 'GB', 'XX'), (text, c) => {
        const result = normalizePhone(text, c);
        if (result.ok) expect(result.value).toMatch(/^\+[1-9]\d{6,14}$/);
        else
          expect(['phone-empty', 'phone-invalid', 'phone-too-long']).toContain(result.refusal.code);
      }),
    );
  });
});

describe('phoneDigitsSuffix', () => {
  it.each([
    ['+12125550123', 4, '0123'],
    ['+12125550123', 1, '3'],
    ['+12125550123', 11, '12125550123'],
    ['+12125550123', 20, '12125550123'],
  ])('%s last %i digits are %s', (e164, count, suffix) => {
    expect(phoneDigitsSuffix(e164, count)).toBe(suffix);
  });

  it.each([0, -1, 2.5])('refuses the count %s', (count) => {
    expect(() => phoneDigitsSuffix('+12125550123', count)).toThrow(RangeError);
  });
});

describe('phoneQueryDigits', () => {
  it.each([
    ['(212) 555-01', '21255501'],
    ['０１２３', '0123'],
    ['+44 20', '4420'],
    ['abc', ''],
  ])('%j has the digits %j', (input, digits) => {
    expect(phoneQueryDigits(input)).toBe(digits);
  });
});

describe('formatPhoneForDisplay', () => {
  it.each([
    ['+12125550123', 'US', '(212) 555-0123'],
    ['+14165550199', 'US', '(416) 555-0199'],
    ['+12125550123', 'GB', '+1 212 555 0123'],
    ['+12125550123', undefined, '+1 212 555 0123'],
    ['+12125550123', 'XX', '+1 212 555 0123'],
    ['+442079460958', 'GB', '020 7946 0958'],
    ['+442079460958', 'US', '+44 20 7946 0958'],
    ['not a phone', 'US', 'not a phone'],
    ['+11234567890', 'US', '+11234567890'],
  ])('%s in %s shows as %s', (e164, home, text) => {
    expect(formatPhoneForDisplay(e164, home)).toBe(text);
  });
});
