import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROGRAM, ProgramSettingsSchema } from './program.js';
import {
  REFERRAL_CODE_ALPHABET,
  REFERRAL_CODE_MAX_LENGTH,
  REFERRAL_CODE_MIN_LENGTH,
  checkReferralClaim,
  generateReferralCode,
  isValidReferralCode,
  normalizeReferralCode,
  referralCodeRandomBytesNeeded,
  referralRewards,
} from './referrals.js';
import type { ReferralClaimInput, ReferralRefusalCode } from './referrals.js';

const AT = '2026-03-06T11:00:00Z';
const DAY = 24 * 60 * 60 * 1000;

function daysBefore(days: number): string {
  return new Date(Date.parse(AT) - days * DAY).toISOString();
}

function claim(overrides: Partial<ReferralClaimInput> = {}): ReferralClaimInput {
  return {
    code: 'abcd-efgh',
    invitee: { id: 'm-new', isNew: true, referrerId: null },
    inviter: { id: 'm-inviter', claimsAt: [] },
    program: DEFAULT_PROGRAM,
    at: AT,
    ...overrides,
  };
}

describe('the referral alphabet', () => {
  it('has no look-alike characters', () => {
    for (const ch of ['0', 'O', '1', 'I', 'L', 'U']) {
      expect(REFERRAL_CODE_ALPHABET).not.toContain(ch);
    }
    expect(REFERRAL_CODE_ALPHABET).toMatch(/^[2-9A-Z]+$/);
    expect(new Set(REFERRAL_CODE_ALPHABET).size).toBe(REFERRAL_CODE_ALPHABET.length);
    expect(REFERRAL_CODE_ALPHABET).toHaveLength(30);
  });
});

describe('generateReferralCode', () => {
  it('maps bytes to characters in order', () => {
    const result = generateReferralCode(Uint8Array.from([0, 1, 29, 30, 59, 239]), 6);
    expect(result).toEqual({ ok: true, value: '23Z2ZZ' });
  });

  it('skips bytes 240..255 so that no character is favoured', () => {
    const result = generateReferralCode(Uint8Array.from([240, 255, 0, 250, 1, 2, 3, 4, 5]), 6);
    expect(result).toEqual({ ok: true, value: '234567' });
  });

  it('gives every character the same share of the accepted bytes', () => {
    // Six bytes for six characters: a discarded first byte leaves too few, so it is refused.
    const counts = new Map<string, number>();
    let accepted = 0;
    for (let byte = 0; byte < 256; byte++) {
      const result = generateReferralCode(Uint8Array.from([byte, 0, 0, 0, 0, 0]), 6);
      if (result.ok) {
        accepted++;
        const first = result.value[0]!;
        counts.set(first, (counts.get(first) ?? 0) + 1);
      }
    }
    expect(accepted).toBe(240);
    expect([...counts.keys()].sort().join('')).toBe([...REFERRAL_CODE_ALPHABET].sort().join(''));
    expect(new Set(counts.values())).toEqual(new Set([8]));
  });

  it('refuses when the bytes run out', () => {
    const result = generateReferralCode(Uint8Array.from([0, 1, 2, 250, 251, 252, 253, 3]), 6);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.refusal.code).toBe('referral-not-enough-randomness');
    expect(result.refusal.details).toEqual({ supplied: 8, needed: 12 });
  });

  it.each([5, 17, 8.5, Number.NaN])('refuses length %s', (length) => {
    const result = generateReferralCode(new Uint8Array(64), length);
    expect(result.ok ? 'ok' : result.refusal.code).toBe('referral-invalid-length');
  });

  it('uses only the alphabet, has the asked length and is a valid code', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: REFERRAL_CODE_MIN_LENGTH, max: REFERRAL_CODE_MAX_LENGTH }),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        (length, bytes) => {
          fc.pre(bytes.filter((b) => b < 240).length >= length);
          const result = generateReferralCode(bytes, length);
          expect(result.ok).toBe(true);
          if (!result.ok) return;
          expect(result.value).toHaveLength(length);
          for (const ch of result.value) expect(REFERRAL_CODE_ALPHABET).toContain(ch);
          expect(isValidReferralCode(result.value)).toBe(true);
          expect(normalizeReferralCode(result.value)).toBe(result.value);
        },
      ),
    );
  });

  it('is deterministic: the same bytes give the same code', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        expect(generateReferralCode(bytes, 8)).toEqual(generateReferralCode(bytes.slice(), 8));
      }),
    );
  });

  it('asks for twice the length in bytes', () => {
    expect(referralCodeRandomBytesNeeded(8)).toBe(16);
  });
});

describe('normalizeReferralCode and isValidReferralCode', () => {
  it.each([
    ['abcd-efgh', 'ABCDEFGH', true],
    [' AbCd EfGh ', 'ABCDEFGH', true],
    ['ABCD_EFGH', 'ABCDEFGH', true],
    ['ÀBCDEF', 'ABCDEF', true],
    ['ABCDE', 'ABCDE', false],
    ['ABCDEFGH23456789X', 'ABCDEFGH23456789X', false],
    ['ABCD0FGH', 'ABCD0FGH', false],
    ['ABCDOFGH', 'ABCDOFGH', false],
    ['ABCD1FGH', 'ABCD1FGH', false],
    ['ABCDIFGH', 'ABCDIFGH', false],
    ['abcdlfgh', 'ABCDLFGH', false],
    ['ABCDUFGH', 'ABCDUFGH', false],
    ['', '', false],
  ])('%j → %j (valid: %s)', (typed, normalized, valid) => {
    expect(normalizeReferralCode(typed)).toBe(normalized);
    expect(isValidReferralCode(typed)).toBe(valid);
  });

  it('normalization is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const once = normalizeReferralCode(text);
        expect(normalizeReferralCode(once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('checkReferralClaim', () => {
  const capped = ProgramSettingsSchema.parse({
    referral: { maxClaimsPerPeriod: 2, periodDays: 30 },
  });
  const table: [string, Partial<ReferralClaimInput>, ReferralRefusalCode, RegExp][] = [
    ['a time without offset', { at: '06/03/2026' }, 'invalid-time', /not a valid ISO time/],
    ['an empty code', { code: '  ' }, 'referral-invalid-code', /^Type a referral code first: /],
    [
      'a code with a zero',
      { code: 'ABCD0FGH' },
      'referral-invalid-code',
      /^ABCD0FGH is not a referral code: .*never contain 0, O, 1, I, L or U\.$/,
    ],
    [
      'a code nobody has',
      { inviter: null },
      'referral-unknown-code',
      /No member has the referral code ABCDEFGH/,
    ],
    [
      'the invitee’s own code',
      { inviter: { id: 'm-new', claimsAt: [] } },
      'referral-self',
      /own referral code/,
    ],
    [
      'a second referrer',
      { invitee: { id: 'm-new', isNew: true, referrerId: 'm-other' } },
      'referral-already-referred',
      /already referred by someone else/,
    ],
    [
      'a member who has bought before',
      { invitee: { id: 'm-new', isNew: false } },
      'referral-invitee-not-new',
      /already made a purchase/,
    ],
    [
      'an inviter at the cap',
      { program: capped, inviter: { id: 'm-inviter', claimsAt: [daysBefore(1), daysBefore(29)] } },
      'referral-inviter-cap-reached',
      /^The owner of this code has reached the limit of 2 referrals in 30 days\.$/,
    ],
    [
      'referral bonuses switched off',
      { program: ProgramSettingsSchema.parse({ referral: { maxClaimsPerPeriod: 0 } }) },
      'referral-inviter-cap-reached',
      /switched off/,
    ],
  ];

  it.each(table)('refuses %s', (_name, overrides, code, message) => {
    const result = checkReferralClaim(claim(overrides));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.refusal.code).toBe(code);
    expect(result.refusal.message).toMatch(message);
  });

  it('covers every refusal code of the module', () => {
    const all: Record<ReferralRefusalCode, true> = {
      'invalid-time': true,
      'referral-invalid-code': true,
      'referral-unknown-code': true,
      'referral-self': true,
      'referral-already-referred': true,
      'referral-invitee-not-new': true,
      'referral-inviter-cap-reached': true,
    };
    expect([...new Set(table.map(([, , code]) => code))].sort()).toEqual(Object.keys(all).sort());
  });

  it('accepts a new member with a code of a member under the cap', () => {
    expect(checkReferralClaim(claim())).toEqual({
      ok: true,
      value: {
        inviterId: 'm-inviter',
        inviteeId: 'm-new',
        referralCode: 'ABCDEFGH',
        alreadyLinked: false,
      },
    });
  });

  it('accepts the same referrer again at the first purchase', () => {
    const result = checkReferralClaim(
      claim({ invitee: { id: 'm-new', isNew: true, referrerId: 'm-inviter' } }),
    );
    expect(result.ok && result.value.alreadyLinked).toBe(true);
  });

  it('counts only claims in the rolling period, and future-stamped claims too', () => {
    const claimsAt = [daysBefore(30), daysBefore(45), 'not a time', daysBefore(29.9)];
    const underCap = checkReferralClaim(
      claim({ program: capped, inviter: { id: 'm-inviter', claimsAt } }),
    );
    expect(underCap.ok).toBe(true);
    const withSkew = checkReferralClaim(
      claim({
        program: capped,
        inviter: { id: 'm-inviter', claimsAt: [...claimsAt, '2026-03-06T12:00:00Z'] },
      }),
    );
    expect(withSkew.ok ? 'ok' : withSkew.refusal.details).toMatchObject({ recentClaims: 2 });
  });

  it('checks in the documented order', () => {
    const everythingWrong = claim({
      code: 'ABCDEFGH',
      inviter: { id: 'm-new', claimsAt: [AT, AT, AT, AT, AT, AT, AT, AT, AT, AT, AT] },
      invitee: { id: 'm-new', isNew: false, referrerId: 'm-other' },
    });
    const first = checkReferralClaim(everythingWrong);
    expect(first.ok ? 'ok' : first.refusal.code).toBe('referral-self');
    const second = checkReferralClaim({
      ...everythingWrong,
      inviter: { id: 'm-inviter', claimsAt: [AT, AT, AT, AT, AT, AT, AT, AT, AT, AT] },
    });
    expect(second.ok ? 'ok' : second.refusal.code).toBe('referral-already-referred');
    const third = checkReferralClaim({
      ...everythingWrong,
      inviter: { id: 'm-inviter', claimsAt: [AT, AT, AT, AT, AT, AT, AT, AT, AT, AT] },
      invitee: { id: 'm-new', isNew: false },
    });
    expect(third.ok ? 'ok' : third.refusal.code).toBe('referral-invitee-not-new');
  });
});

describe('referralRewards', () => {
  it('gives the program bonuses for both sides', () => {
    expect(referralRewards(DEFAULT_PROGRAM)).toEqual({ inviterPoints: 500, inviteePoints: 200 });
    const program = ProgramSettingsSchema.parse({
      bonuses: { referralInviter: 300, referralInvitee: 200 },
    });
    expect(referralRewards(program)).toEqual({ inviterPoints: 300, inviteePoints: 200 });
  });
});
