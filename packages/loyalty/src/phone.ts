import {
  ParseError,
  getCountryCallingCode,
  isSupportedCountry,
  parsePhoneNumberFromString,
  parsePhoneNumberWithError,
  validatePhoneNumberLength,
  type CountryCode,
  type PhoneNumber,
} from 'libphonenumber-js/max';
import { ok, refuse, type Result } from './result.js';

/**
 * Phone numbers identify members, so every number is stored and compared in E.164
 * ("+12125550123"): one spelling per number, whatever the cashier typed.
 *
 * Validation uses the full ("max") metadata of libphonenumber-js. The smaller "min" metadata
 * checks only lengths and would accept numbers in area codes that do not exist (for example
 * US 784-359-0235); a member enrolled under such a number could never be reached or found
 * again by the number they actually have.
 */

/** A phone number in E.164 form: "+", country calling code, national number. */
export type E164Phone = string;

export type PhoneRefusalCode = 'phone-empty' | 'phone-invalid' | 'phone-too-long';

/** Longer input than this is refused before parsing; no real number is written so long. */
export const MAX_PHONE_INPUT_LENGTH = 40;

/** Digits (any script that NFKC folds to ASCII), spaces and the usual punctuation. */
const ALLOWED_CHARACTERS = /^\+?[\d\s\-().\\/]*$/;

/**
 * Turns what a cashier typed into E.164. Numbers without a country code are read as numbers
 * of `defaultCountry` (ISO 3166-1 alpha-2, the program's `defaultCountry`); "+44 …" and
 * international prefixes such as "00 44 …" work from anywhere.
 *
 * Refused, with a message that can be shown at the till as it is:
 * - 'phone-empty': nothing but spaces;
 * - 'phone-too-long': more characters or digits than any phone number has;
 * - 'phone-invalid': letters or other symbols (extensions included: an extension does not
 *   identify a person), an unknown country code, too few digits, or digits that are not a
 *   number in use in that country. `details.reason` says which, for logs and tests.
 */
export function normalizePhone(
  input: string,
  defaultCountry: string,
): Result<E164Phone, PhoneRefusalCode> {
  const text = input
    .normalize('NFKC')
    .replace(/\p{Cf}/gu, '')
    .trim();
  if (text === '') {
    return refuse('phone-empty', "Enter the customer's phone number.");
  }
  if (text.length > MAX_PHONE_INPUT_LENGTH) {
    return refuse('phone-too-long', 'That phone number is too long. Check the digits.', {
      maxLength: MAX_PHONE_INPUT_LENGTH,
    });
  }
  if (!ALLOWED_CHARACTERS.test(text) || !/\d/.test(text)) {
    return refuse(
      'phone-invalid',
      'A phone number can only contain digits, spaces, a leading + and - ( ) . /',
      { reason: 'characters' },
    );
  }
  const country: CountryCode | undefined = isSupportedCountry(defaultCountry)
    ? defaultCountry
    : undefined;
  if (!text.startsWith('+') && country === undefined) {
    return refuse('phone-invalid', 'Add the country code, starting with +.', {
      reason: 'no-country',
      defaultCountry,
    });
  }

  const lengthProblem = validatePhoneNumberLength(text, country);
  if (lengthProblem === 'TOO_LONG') {
    return refuse('phone-too-long', 'That phone number has too many digits. Check the digits.', {
      reason: 'too-long',
    });
  }
  let phone: PhoneNumber;
  try {
    phone = parsePhoneNumberWithError(text, country);
  } catch (error) {
    /* c8 ignore next -- libphonenumber-js only throws ParseError */
    if (!(error instanceof ParseError)) throw error;
    return refuseParseError(error.message);
  }
  if (lengthProblem === 'TOO_SHORT' || lengthProblem === 'INVALID_LENGTH') {
    return refuseParseError(lengthProblem);
  }
  if (!phone.isValid()) {
    const local =
      country !== undefined && phone.countryCallingCode === getCountryCallingCode(country);
    return refuse(
      'phone-invalid',
      local
        ? `That is not a phone number in use in ${countryName(country)}. Check the digits, or add the country code (+…) for a number from another country.`
        : 'That is not a phone number in use. Check the digits and the country code.',
      { reason: 'not-in-use' },
    );
  }
  return ok(phone.number);
}

function refuseParseError(reason: string): Result<never, PhoneRefusalCode> {
  switch (reason) {
    case 'INVALID_COUNTRY':
      return refuse(
        'phone-invalid',
        'The country code after + is not one in use. Check the first digits.',
        { reason: 'unknown-country-code' },
      );
    case 'TOO_SHORT':
      return refuse('phone-invalid', 'That phone number is too short. Check the digits.', {
        reason: 'too-short',
      });
    case 'INVALID_LENGTH':
      return refuse(
        'phone-invalid',
        'That phone number has the wrong number of digits. Check the digits.',
        { reason: 'wrong-length' },
      );
    /* c8 ignore next 4 -- after the checks above, parsing fails only for the reasons above */
    default:
      return refuse('phone-invalid', 'That is not a phone number. Check the digits.', {
        reason: 'not-a-number',
      });
  }
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });

function countryName(country: string): string {
  return regionNames.of(country) ?? country;
}

/**
 * The last `count` digits of an E.164 number, for "search by the last four digits". Counted
 * over all digits, so a count longer than the national number reaches into the country code.
 * @throws RangeError when `count` is not a positive integer.
 */
export function phoneDigitsSuffix(e164: E164Phone, count: number): string {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`count must be a positive integer, got ${count}`);
  }
  return e164.replace(/\D/g, '').slice(-count);
}

/**
 * Only the digits of what a cashier typed into a search box ("(212) 555-01" → "21255501"),
 * full-width and other NFKC-foldable digits included; to match with `phoneDigitsSuffix` or
 * against the digits of stored numbers.
 */
export function phoneQueryDigits(input: string): string {
  return input.normalize('NFKC').replace(/\D/g, '');
}

/**
 * An E.164 number written for people: the national format for a number of `homeCountry`
 * ("(212) 555-0123" in a US store), the international format otherwise ("+44 20 7946 0958").
 * Text that is not a valid E.164 number is returned unchanged: showing it beats throwing.
 */
export function formatPhoneForDisplay(e164: E164Phone, homeCountry?: string): string {
  const phone = parsePhoneNumberFromString(e164);
  if (!phone?.isValid()) return e164;
  // Compared by calling code, so a Canadian number reads as (416) 555-0199 in a US store, as
  // people there write it.
  return homeCountry !== undefined &&
    isSupportedCountry(homeCountry) &&
    phone.countryCallingCode === getCountryCallingCode(homeCountry)
    ? phone.formatNational()
    : phone.formatInternational();
}
