import { canonicalCode } from './codes.js';
import { parseInstant } from './offer-calendar.js';
import type { ProgramSettings } from './program.js';
import { ok, refuse } from './result.js';
import type { Result } from './result.js';

/**
 * Referral codes and claims. A member shares a code; a friend gives it at enrollment (or
 * before the first purchase); on the friend's first purchase both get bonus points: the
 * friend's on the checkout, the inviter's as a separate 'referral-claim' transaction on the
 * inviter's ledger (see ledger-types.ts).
 */

/**
 * The characters a referral code is made of: digits 2-9 and the letters without I, L, O and
 * U. 0/O and 1/I/L are confused when read aloud or from a screen; U is left out with them, as
 * in Crockford's base 32, because it is misread as V and makes unwanted words likelier.
 * 30 characters: an 8-character code has 30^8 ≈ 6.6 × 10^11 values.
 */
export const REFERRAL_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
export const REFERRAL_CODE_MIN_LENGTH = 6;
export const REFERRAL_CODE_MAX_LENGTH = 16;

/**
 * Bytes at or above this are discarded: 240 is the largest multiple of 30 that fits a byte,
 * so every kept byte maps to each character exactly 8 times (no modulo bias).
 */
const ACCEPTED_BYTE_LIMIT = 256 - (256 % REFERRAL_CODE_ALPHABET.length);

/**
 * Random bytes to supply for a code of `length`: twice the length. A byte is discarded with
 * probability 16/256, so running out is rarer than 1 in 10^15 for the allowed lengths.
 */
export function referralCodeRandomBytesNeeded(length: number): number {
  return length * 2;
}

export type ReferralCodeGenerationCode =
  'referral-invalid-length' | 'referral-not-enough-randomness';

/**
 * A new referral code from caller-supplied random bytes (crypto.getRandomValues on the
 * terminal, a seeded source in tests): rejection sampling over the bytes in order, so the
 * same bytes always give the same code and every code is equally likely.
 */
export function generateReferralCode(
  randomBytes: Uint8Array,
  length: number,
): Result<string, ReferralCodeGenerationCode> {
  if (
    !Number.isInteger(length) ||
    length < REFERRAL_CODE_MIN_LENGTH ||
    length > REFERRAL_CODE_MAX_LENGTH
  ) {
    return refuse(
      'referral-invalid-length',
      `A referral code has ${REFERRAL_CODE_MIN_LENGTH} to ${REFERRAL_CODE_MAX_LENGTH} characters.`,
      { length },
    );
  }
  let code = '';
  for (const byte of randomBytes) {
    if (byte >= ACCEPTED_BYTE_LIMIT) continue;
    code += REFERRAL_CODE_ALPHABET[byte % REFERRAL_CODE_ALPHABET.length];
    if (code.length === length) return ok(code);
  }
  return refuse(
    'referral-not-enough-randomness',
    'Not enough random bytes to make a referral code; supply more and try again.',
    { supplied: randomBytes.length, needed: referralCodeRandomBytesNeeded(length) },
  );
}

/** The canonical form of a typed referral code: upper case, no accents, spaces or dashes. */
export function normalizeReferralCode(input: string): string {
  return canonicalCode(input);
}

const REFERRAL_CODE_PATTERN = new RegExp(
  `^[${REFERRAL_CODE_ALPHABET}]{${REFERRAL_CODE_MIN_LENGTH},${REFERRAL_CODE_MAX_LENGTH}}$`,
);

/**
 * Whether a typed code can be a referral code once normalized. Any allowed length is
 * accepted, so codes made before a change of `program.referral.codeLength` stay valid.
 */
export function isValidReferralCode(input: string): boolean {
  return REFERRAL_CODE_PATTERN.test(normalizeReferralCode(input));
}

export type ReferralRefusalCode =
  | 'invalid-time'
  | 'referral-invalid-code'
  | 'referral-unknown-code'
  | 'referral-self'
  | 'referral-already-referred'
  | 'referral-invitee-not-new'
  | 'referral-inviter-cap-reached';

export interface ReferralClaimInput {
  /** The code as typed. */
  readonly code: string;
  /** The member who gives the code. */
  readonly invitee: {
    readonly id: string;
    /** No purchase yet. */
    readonly isNew: boolean;
    /** The member who referred them already, if any. */
    readonly referrerId?: string | null;
  };
  /** The member whose code it is (the lookup result); null/undefined when none. */
  readonly inviter:
    | {
        readonly id: string;
        /** Times of the inviter's successful claims ('referral-claim' transactions). */
        readonly claimsAt: readonly string[];
      }
    | null
    | undefined;
  readonly program: ProgramSettings;
  /** ISO instant of the claim. */
  readonly at: string;
}

export interface ReferralClaim {
  readonly inviterId: string;
  readonly inviteeId: string;
  /** The normalized code, as stored on the transaction. */
  readonly referralCode: string;
  /** The invitee was already linked to this inviter (checked again at the first purchase). */
  readonly alreadyLinked: boolean;
}

export type ReferralClaimResult = Result<ReferralClaim, ReferralRefusalCode>;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Checks that an invitee may be credited to the inviter whose code they gave. Pure. Run it
 * when the code is given, and again at the invitee's first purchase, when the bonuses are
 * written: the invitee is then linked to the same inviter, which is not a second referrer.
 *
 * Order of checks: `at` ('invalid-time'), code format ('referral-invalid-code'), a member has
 * the code ('referral-unknown-code'), not the invitee's own code ('referral-self'), no other
 * referrer ('referral-already-referred'), the invitee has not bought yet
 * ('referral-invitee-not-new'), the inviter's cap ('referral-inviter-cap-reached').
 *
 * The cap counts the inviter's claims in the rolling `program.referral.periodDays` days up to
 * `at`. Claims stamped after `at` (another till's clock running ahead) count too: an abuse
 * limit should not be escaped by clock skew.
 */
export function checkReferralClaim(input: ReferralClaimInput): ReferralClaimResult {
  const atMs = parseInstant(input.at);
  if (atMs === undefined) {
    return refuse('invalid-time', 'The claim time is not a valid ISO time.', { at: input.at });
  }
  const code = normalizeReferralCode(input.code);
  if (!REFERRAL_CODE_PATTERN.test(code)) {
    return refuse(
      'referral-invalid-code',
      `${code === '' ? 'Type a referral code first' : `${code} is not a referral code`}: codes have ${REFERRAL_CODE_MIN_LENGTH} to ${REFERRAL_CODE_MAX_LENGTH} characters and never contain 0, O, 1, I, L or U.`,
      { code },
    );
  }
  const { inviter, invitee } = input;
  if (!inviter) {
    return refuse('referral-unknown-code', `No member has the referral code ${code}.`, { code });
  }
  if (inviter.id === invitee.id) {
    return refuse('referral-self', 'Members cannot use their own referral code.', { code });
  }
  const referrerId = invitee.referrerId ?? undefined;
  if (referrerId !== undefined && referrerId !== inviter.id) {
    return refuse(
      'referral-already-referred',
      'This member was already referred by someone else.',
      { code, referrerId },
    );
  }
  if (!invitee.isNew) {
    return refuse(
      'referral-invitee-not-new',
      'Referral codes are for new members, and this member has already made a purchase.',
      { code },
    );
  }
  const { maxClaimsPerPeriod, periodDays } = input.program.referral;
  const windowStart = atMs - periodDays * DAY_MS;
  const recentClaims = inviter.claimsAt.filter((claimAt) => {
    const ms = parseInstant(claimAt);
    return ms !== undefined && ms > windowStart;
  }).length;
  if (recentClaims >= maxClaimsPerPeriod) {
    return refuse(
      'referral-inviter-cap-reached',
      maxClaimsPerPeriod === 0
        ? 'Referral bonuses are switched off.'
        : `The owner of this code has reached the limit of ${maxClaimsPerPeriod} referrals in ${periodDays} days.`,
      { code, maxClaimsPerPeriod, periodDays, recentClaims },
    );
  }
  return ok({
    inviterId: inviter.id,
    inviteeId: invitee.id,
    referralCode: code,
    alreadyLinked: referrerId === inviter.id,
  });
}

export interface ReferralRewards {
  /** Points for the inviter, written as a 'referral-claim' on the inviter's ledger. */
  readonly inviterPoints: number;
  /** Points for the invitee, a 'referral-invitee' bonus on their first checkout. */
  readonly inviteePoints: number;
}

/** The points a successful referral gives, on the invitee's first purchase. */
export function referralRewards(program: ProgramSettings): ReferralRewards {
  return {
    inviterPoints: program.bonuses.referralInviter,
    inviteePoints: program.bonuses.referralInvitee,
  };
}
