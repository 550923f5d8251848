import { describe, expect, it } from 'vitest';
import { emptyAccount } from './ledger-fold.js';
import type { Account, AppliedTransaction, LedgerTransaction } from './ledger-types.js';
import type { OutcomeContext } from './outcomes.js';
import {
  LEDGER_FLAG_REASONS,
  LEDGER_REFUSAL_REASONS,
  NO_EFFECTS,
  decideOutcome,
  sameTransactionBody,
} from './outcomes.js';
import { DEFAULT_PROGRAM } from './program.js';
import { ledgerTx } from './test-support/ledger-arbitraries.js';

const program = DEFAULT_PROGRAM;
const RECEIVED = '2025-01-10T12:01:00.000Z';

function accountWith(balance: number, overrides: Partial<Account> = {}): Account {
  return {
    ...emptyAccount('m1', program),
    balance,
    lifetime: Math.max(balance, 0),
    lots: balance > 0 ? [{ earnedAt: '2024-12-01T00:00:00.000Z', remaining: balance }] : [],
    clock: '2024-12-01T00:00:00.000Z',
    ...overrides,
  };
}

const context = (extra: Partial<OutcomeContext> = {}): OutcomeContext => ({
  program,
  receivedAt: RECEIVED,
  ...extra,
});

function recorded(
  tx: LedgerTransaction,
  overrides: Partial<AppliedTransaction> = {},
): AppliedTransaction {
  return {
    ...tx,
    seq: 1,
    receivedAt: RECEIVED,
    outcome: { status: 'accepted' },
    effects: { balanceDelta: 20, earned: 20, redeemed: 0, reversed: 0, spend: 20_00, visits: 1 },
    ...overrides,
  };
}

const checkout = ledgerTx({ id: 'c1' });
const refund = ledgerTx({
  id: 'r1',
  kind: 'refund',
  refundOf: 'c1',
  pointsEarned: 0,
  pointsRedeemed: 0,
  orderTotal: undefined,
  amountPaid: undefined,
});
const redemption = ledgerTx({
  orderTotal: 20_00,
  pointsDiscount: 10_00,
  amountPaid: 10_00,
  pointsEarned: 10,
  pointsRedeemed: 1_000,
});

describe('refusals: status refused, a rejected-transaction review, zero effects', () => {
  const cases: [string, LedgerTransaction, Account, Partial<OutcomeContext>, string][] = [
    [
      'negative points earned',
      ledgerTx({ pointsEarned: -1 }),
      accountWith(0),
      {},
      'malformed-amounts',
    ],
    [
      'fractional points redeemed',
      ledgerTx({ pointsRedeemed: 1.5, pointsDiscount: 1 }),
      accountWith(0),
      {},
      'malformed-amounts',
    ],
    [
      'negative order total',
      ledgerTx({ orderTotal: -100 }),
      accountWith(0),
      {},
      'malformed-amounts',
    ],
    [
      'an adjustment above the largest one allowed',
      ledgerTx({
        kind: 'adjustment',
        adjustmentPoints: 1_000_001,
        reason: 'typed a phone number',
        pointsEarned: 1_000_001,
        pointsRedeemed: 0,
        orderTotal: undefined,
        amountPaid: undefined,
      }),
      accountWith(0),
      {},
      'malformed-amounts',
    ],
    [
      'a checkout that would take spend past the largest safe integer',
      ledgerTx({ orderTotal: Number.MAX_SAFE_INTEGER, amountPaid: Number.MAX_SAFE_INTEGER }),
      accountWith(0, { spend: 1 }),
      {},
      'malformed-amounts',
    ],
    [
      'points earned that would take the balance past the largest safe integer',
      ledgerTx({ pointsEarned: 10 }),
      accountWith(Number.MAX_SAFE_INTEGER - 1),
      {},
      'malformed-amounts',
    ],
    [
      'non-integer amount paid',
      ledgerTx({ amountPaid: 10.5 }),
      accountWith(0),
      {},
      'malformed-amounts',
    ],
    [
      'checkout without order total',
      ledgerTx({ orderTotal: undefined }),
      accountWith(0),
      {},
      'malformed-amounts',
    ],
    [
      'discounts above the order',
      ledgerTx({
        couponId: 'c',
        couponDiscount: 15_00,
        pointsDiscount: 10_00,
        pointsRedeemed: 1_000,
        amountPaid: 0,
      }),
      accountWith(5_000),
      {},
      'malformed-amounts',
    ],
    [
      'paid more than the order after discounts',
      ledgerTx({ couponId: 'c', couponDiscount: 5_00, amountPaid: 20_00 }),
      accountWith(0),
      {},
      'malformed-amounts',
    ],
    [
      'points discount without points redeemed',
      ledgerTx({ pointsDiscount: 5_00, amountPaid: 15_00 }),
      accountWith(5_000),
      {},
      'malformed-amounts',
    ],
    [
      'coupon discount without a coupon',
      ledgerTx({ couponDiscount: 5_00, amountPaid: 15_00 }),
      accountWith(0),
      {},
      'malformed-amounts',
    ],
    [
      'bonuses above points earned',
      ledgerTx({ pointsEarned: 50, bonuses: [{ kind: 'birthday', points: 100 }] }),
      accountWith(0),
      {},
      'malformed-amounts',
    ],
    [
      'negative bonus',
      ledgerTx({ bonuses: [{ kind: 'birthday', points: -1 }] }),
      accountWith(0),
      {},
      'malformed-amounts',
    ],
    [
      'negative line amount',
      ledgerTx({ lines: [{ quantity: 1, amount: -1 }] }),
      accountWith(0),
      {},
      'malformed-amounts',
    ],
    [
      'zero line quantity',
      ledgerTx({ lines: [{ quantity: 0, amount: 100 }] }),
      accountWith(0),
      {},
      'malformed-amounts',
    ],
    [
      'zero adjustment',
      ledgerTx({ kind: 'adjustment', adjustmentPoints: 0, reason: 'x', pointsEarned: 0 }),
      accountWith(0),
      {},
      'malformed-amounts',
    ],
    [
      'adjustment disagreeing with its points',
      ledgerTx({ kind: 'adjustment', adjustmentPoints: 50, reason: 'x', pointsEarned: 40 }),
      accountWith(0),
      {},
      'malformed-amounts',
    ],
    [
      'reward redemption of no points',
      ledgerTx({ kind: 'reward-redemption', rewardId: 'r', pointsEarned: 0, pointsRedeemed: 0 }),
      accountWith(0),
      {},
      'malformed-amounts',
    ],
    [
      'reward redemption earning points',
      ledgerTx({ kind: 'reward-redemption', rewardId: 'r', pointsEarned: 5, pointsRedeemed: 10 }),
      accountWith(50),
      {},
      'malformed-amounts',
    ],
    [
      'enrollment bonus redeeming points',
      ledgerTx({ kind: 'enrollment-bonus', pointsEarned: 100, pointsRedeemed: 10 }),
      accountWith(50),
      {},
      'malformed-amounts',
    ],
    [
      'reward redemption without a reward',
      ledgerTx({ kind: 'reward-redemption', pointsEarned: 0, pointsRedeemed: 10 }),
      accountWith(50),
      {},
      'malformed-transaction',
    ],
    [
      'unknown kind',
      ledgerTx({ kind: 'gift' as LedgerTransaction['kind'] }),
      accountWith(0),
      {},
      'malformed-transaction',
    ],
    [
      'unreadable time',
      ledgerTx({ occurredAt: 'yesterday' }),
      accountWith(0),
      {},
      'malformed-transaction',
    ],
    [
      'adjustment without reason',
      ledgerTx({ kind: 'adjustment', adjustmentPoints: 50, pointsEarned: 0 }),
      accountWith(0),
      {},
      'missing-reason',
    ],
    [
      'adjustment with a blank reason',
      ledgerTx({ kind: 'adjustment', adjustmentPoints: -50, reason: '  ', pointsEarned: 0 }),
      accountWith(100),
      {},
      'missing-reason',
    ],
    ['another member', ledgerTx({ memberId: 'm9' }), accountWith(0), {}, 'member-mismatch'],
    [
      'an erased member',
      ledgerTx(),
      accountWith(0),
      { member: { status: 'erased' } },
      'member-erased',
    ],
    [
      'a merged member',
      ledgerTx(),
      accountWith(0),
      { member: { status: 'merged' } },
      'member-merged',
    ],
    [
      'refund without a target',
      { ...refund, refundOf: undefined },
      accountWith(20),
      {},
      'unknown-refund-target',
    ],
    [
      'refund of a checkout the server does not know',
      refund,
      accountWith(20),
      {},
      'unknown-refund-target',
    ],
    [
      'refund whose context names another transaction',
      refund,
      accountWith(20),
      {
        refundTarget: { transaction: recorded({ ...checkout, id: 'c2' }), alreadyRefunded: false },
      },
      'unknown-refund-target',
    ],
    [
      'refund of another member’s checkout',
      refund,
      accountWith(20),
      {
        refundTarget: {
          transaction: recorded({ ...checkout, memberId: 'm2' }),
          alreadyRefunded: false,
        },
      },
      'unknown-refund-target',
    ],
    [
      'refund of an adjustment',
      refund,
      accountWith(20),
      {
        refundTarget: {
          transaction: recorded({ ...checkout, kind: 'adjustment' }),
          alreadyRefunded: false,
        },
      },
      'refund-target-not-refundable',
    ],
    [
      'refund of a refused checkout',
      refund,
      accountWith(20),
      {
        refundTarget: {
          transaction: recorded(checkout, {
            outcome: { status: 'refused', reason: 'malformed-amounts' },
            effects: NO_EFFECTS,
          }),
          alreadyRefunded: false,
        },
      },
      'refund-target-not-refundable',
    ],
    [
      'second refund',
      refund,
      accountWith(20),
      { refundTarget: { transaction: recorded(checkout), alreadyRefunded: true } },
      'already-refunded',
    ],
  ];

  it.each(cases)('%s', (_name, tx, account, extra, reason) => {
    const decision = decideOutcome(account, tx, context(extra));
    expect(decision).toEqual({
      record: true,
      outcome: {
        status: 'refused',
        reason,
        message: expect.any(String),
        review: 'rejected-transaction',
      },
      effects: NO_EFFECTS,
    });
  });

  it('covers every refusal reason (except the duplicate id, tested below)', () => {
    const tested = new Set(cases.map((c) => c[4]));
    expect(LEDGER_REFUSAL_REASONS.filter((r) => !tested.has(r))).toEqual([
      'duplicate-id-different-body',
    ]);
  });
});

describe('the same id twice', () => {
  const original = recorded(checkout, {
    outcome: { status: 'accepted-with-review', reason: 'overdraft', review: 'overdraft' },
  });

  it('is a no-op with the same body, answering with the original outcome', () => {
    expect(decideOutcome(accountWith(0), { ...checkout }, context({ existing: original }))).toEqual(
      {
        record: false,
        outcome: original.outcome,
        effects: NO_EFFECTS,
      },
    );
  });

  it('is refused, not recorded, with a different body; the original stands', () => {
    const changed = { ...checkout, pointsEarned: 2_000 };
    expect(decideOutcome(accountWith(0), changed, context({ existing: original }))).toEqual({
      record: false,
      outcome: {
        status: 'refused',
        reason: 'duplicate-id-different-body',
        message: expect.any(String),
        review: 'rejected-transaction',
      },
      effects: NO_EFFECTS,
    });
  });
});

describe('sameTransactionBody', () => {
  it('ignores what the server adds and absent versus undefined fields', () => {
    expect(sameTransactionBody(checkout, recorded(checkout, { seq: 99 }))).toBe(true);
    expect(sameTransactionBody(checkout, { ...checkout, couponId: undefined })).toBe(true);
    expect(
      sameTransactionBody(
        { ...checkout, lines: [{ quantity: 1, amount: 5 }] },
        { ...checkout, lines: [{ amount: 5, quantity: 1 }] },
      ),
    ).toBe(true);
  });

  it.each<[string, Partial<LedgerTransaction>]>([
    ['points', { pointsEarned: 21 }],
    ['time', { occurredAt: '2025-01-10T12:00:00.001Z' }],
    ['terminal', { terminalId: 't2' }],
    ['lines', { lines: [{ quantity: 2, amount: 5 }] }],
    ['bonuses', { bonuses: [{ kind: 'birthday', points: 10 }] }],
    ['a field set', { couponId: 'x' }],
  ])('sees a change of %s', (_name, change) => {
    expect(
      sameTransactionBody(
        { ...checkout, lines: [{ quantity: 1, amount: 5 }] },
        { ...checkout, lines: [{ quantity: 1, amount: 5 }], ...change },
      ),
    ).toBe(false);
  });
});

describe('accepted transactions and their effects', () => {
  it('accepts a checkout: earned, spend and a visit', () => {
    expect(decideOutcome(accountWith(0), checkout, context())).toEqual({
      record: true,
      outcome: { status: 'accepted' },
      effects: { balanceDelta: 20, earned: 20, redeemed: 0, reversed: 0, spend: 20_00, visits: 1 },
    });
  });

  it('counts spend as order total less discounts when the amount paid is absent', () => {
    const tx = ledgerTx({ amountPaid: undefined, couponId: 'c', couponDiscount: 3_00 });
    expect(decideOutcome(accountWith(0), tx, context()).effects).toMatchObject({
      spend: 17_00,
      couponUse: { couponId: 'c' },
    });
  });

  it('accepts a redemption within the balance', () => {
    expect(decideOutcome(accountWith(1_000), redemption, context())).toMatchObject({
      outcome: { status: 'accepted' },
      effects: { balanceDelta: -990, earned: 10, redeemed: 1_000, spend: 10_00 },
    });
  });

  it('accepts a reward redemption, positive and negative adjustments, bonuses', () => {
    const reward = ledgerTx({
      kind: 'reward-redemption',
      rewardId: 'coffee',
      pointsEarned: 0,
      pointsRedeemed: 300,
    });
    expect(decideOutcome(accountWith(500), reward, context()).effects).toEqual({
      ...NO_EFFECTS,
      balanceDelta: -300,
      redeemed: 300,
    });
    const plus = ledgerTx({
      kind: 'adjustment',
      adjustmentPoints: 250,
      reason: 'goodwill',
      pointsEarned: 250,
    });
    expect(decideOutcome(accountWith(0), plus, context()).effects).toEqual({
      ...NO_EFFECTS,
      balanceDelta: 250,
      earned: 250,
    });
    const minus = ledgerTx({
      kind: 'adjustment',
      adjustmentPoints: -80,
      reason: 'typo',
      pointsEarned: 0,
      pointsRedeemed: 80,
    });
    expect(decideOutcome(accountWith(100), minus, context())).toMatchObject({
      outcome: { status: 'accepted' },
      effects: { ...NO_EFFECTS, balanceDelta: -80, reversed: 80 },
    });
    const enrollment = ledgerTx({ kind: 'enrollment-bonus', pointsEarned: 100 });
    expect(decideOutcome(accountWith(0), enrollment, context()).effects).toEqual({
      ...NO_EFFECTS,
      balanceDelta: 100,
      earned: 100,
      bonuses: [{ kind: 'enrollment', points: 100 }],
    });
    const referral = ledgerTx({
      kind: 'referral-claim',
      inviteeMemberId: 'm2',
      pointsEarned: 500,
      bonuses: [{ kind: 'referral-inviter', points: 500 }],
    });
    expect(decideOutcome(accountWith(0), referral, context())).toMatchObject({
      outcome: { status: 'accepted' },
      effects: {
        balanceDelta: 500,
        earned: 500,
        bonuses: [{ kind: 'referral-inviter', points: 500 }],
      },
    });
  });

  it('accepts an adjustment written with zero earned and redeemed', () => {
    const tx = ledgerTx({ kind: 'adjustment', adjustmentPoints: 10, reason: 'x', pointsEarned: 0 });
    expect(decideOutcome(accountWith(0), tx, context()).outcome.status).toBe('accepted');
  });

  it('accepts a transaction of a member merged into this account', () => {
    const tx = ledgerTx({ memberId: 'm-dup' });
    expect(
      decideOutcome(
        accountWith(0),
        tx,
        context({ member: { status: 'active', mergedMemberIds: ['m-dup'] } }),
      ).outcome,
    ).toEqual({ status: 'accepted' });
  });

  it('reverses a refunded checkout from its recorded effects', () => {
    const original = recorded(redemption, {
      id: 'c1',
      effects: {
        balanceDelta: -990,
        earned: 10,
        redeemed: 1_000,
        reversed: 0,
        spend: 10_00,
        visits: 1,
      },
    });
    expect(
      decideOutcome(
        accountWith(500),
        refund,
        context({ refundTarget: { transaction: original, alreadyRefunded: false } }),
      ),
    ).toEqual({
      record: true,
      outcome: { status: 'accepted' },
      effects: {
        balanceDelta: 990,
        earned: 0,
        redeemed: -1_000,
        reversed: 10,
        spend: -10_00,
        visits: -1,
      },
    });
  });
});

describe('accepted with review', () => {
  function flagged(tx: LedgerTransaction, account: Account, extra: Partial<OutcomeContext> = {}) {
    return decideOutcome(account, tx, context(extra));
  }

  it('overdraft: a checkout redeeming more than the balance', () => {
    const decision = flagged(redemption, accountWith(600));
    expect(decision.outcome).toMatchObject({
      status: 'accepted-with-review',
      reason: 'overdraft',
      review: 'overdraft',
    });
    expect(decision.effects.balanceDelta).toBe(-990);
  });

  it('overdraft: judged on the balance after expiry up to the transaction', () => {
    const old = accountWith(2_000, {
      lots: [{ earnedAt: '2023-06-01T00:00:00.000Z', remaining: 2_000 }],
    });
    expect(flagged(redemption, old).outcome.reason).toBe('overdraft');
  });

  it('overdraft: a reward redemption, a negative adjustment, a refund of spent points', () => {
    const reward = ledgerTx({
      kind: 'reward-redemption',
      rewardId: 'coffee',
      pointsEarned: 0,
      pointsRedeemed: 300,
    });
    expect(flagged(reward, accountWith(299)).outcome.review).toBe('overdraft');
    const minus = ledgerTx({
      kind: 'adjustment',
      adjustmentPoints: -80,
      reason: 'typo',
      pointsEarned: 0,
    });
    expect(flagged(minus, accountWith(79)).outcome.review).toBe('overdraft');
    const target = recorded(checkout, {
      effects: {
        balanceDelta: 300,
        earned: 300,
        redeemed: 0,
        reversed: 0,
        spend: 300_00,
        visits: 1,
      },
    });
    const decision = flagged(refund, accountWith(100), {
      refundTarget: { transaction: target, alreadyRefunded: false },
    });
    expect(decision.outcome.review).toBe('overdraft');
    expect(decision.effects.balanceDelta).toBe(-300);
  });

  const couponTx = ledgerTx({
    couponId: 'summer',
    couponCode: 'SUMMER',
    couponDiscount: 2_00,
    amountPaid: 18_00,
  });

  it.each<
    [
      string,
      Account,
      { usageLimit?: number | null; perMemberLimit?: number | null; usedCount: number },
      string[],
    ]
  >([
    [
      'within both limits',
      accountWith(0, { couponUses: { summer: 1 } }),
      { usageLimit: 10, perMemberLimit: 2, usedCount: 9 },
      [],
    ],
    [
      'beyond the usage limit',
      accountWith(0),
      { usageLimit: 10, usedCount: 10 },
      ['coupon-over-limit'],
    ],
    [
      'beyond the per-member limit',
      accountWith(0, { couponUses: { summer: 1 } }),
      { perMemberLimit: 1, usedCount: 0 },
      ['coupon-over-member-limit'],
    ],
    [
      'beyond both',
      accountWith(0, { couponUses: { summer: 1 } }),
      { usageLimit: 1, perMemberLimit: 1, usedCount: 1 },
      ['coupon-over-limit', 'coupon-over-member-limit'],
    ],
    [
      'unlimited',
      accountWith(0, { couponUses: { summer: 50 } }),
      { usageLimit: null, perMemberLimit: null, usedCount: 1_000 },
      [],
    ],
  ])('coupon %s', (_name, account, coupon, reasons) => {
    const decision = flagged(couponTx, account, { coupon });
    expect(decision.effects).toMatchObject({ couponUse: { couponId: 'summer' }, balanceDelta: 20 });
    if (reasons.length === 0) {
      expect(decision.outcome).toEqual({ status: 'accepted' });
    } else {
      expect(decision.outcome.status).toBe('accepted-with-review');
      expect(decision.outcome.reason).toBe(reasons[0]);
      expect(decision.outcome.flags?.map((f) => f.reason)).toEqual(reasons);
      expect(decision.outcome.flags?.map((f) => f.review)).toEqual(reasons);
    }
  });

  it('keeps every flag of a transaction that has several', () => {
    const tx = { ...couponTx, pointsDiscount: 5_00, amountPaid: 13_00, pointsRedeemed: 500 };
    const decision = flagged(tx, accountWith(100), { coupon: { usageLimit: 1, usedCount: 1 } });
    expect(decision.outcome.flags?.map((f) => f.reason)).toEqual([
      'overdraft',
      'coupon-over-limit',
    ]);
  });

  it('strips a second birthday bonus in the same calendar year and keeps the checkout', () => {
    const tx = ledgerTx({ pointsEarned: 120, bonuses: [{ kind: 'birthday', points: 100 }] });
    const decision = flagged(tx, accountWith(0, { birthdayBonusYears: [2025] }));
    expect(decision.outcome).toMatchObject({
      status: 'accepted-with-review',
      reason: 'duplicate-birthday-bonus',
      review: 'duplicate-bonus',
    });
    expect(decision.effects).toMatchObject({
      earned: 20,
      balanceDelta: 20,
      spend: 20_00,
      visits: 1,
    });
    expect(decision.effects.bonuses).toBeUndefined();
    expect(flagged(tx, accountWith(0, { birthdayBonusYears: [2024] })).effects).toMatchObject({
      earned: 120,
      bonuses: [{ kind: 'birthday', points: 100 }],
    });
  });

  it('takes the birthday year the terminal wrote on the bonus (the birthday’s year)', () => {
    // Birthday on 2 January: a purchase on 28 December 2025 celebrates the 2026 birthday.
    const december = ledgerTx({
      occurredAt: '2025-12-28T10:00:00.000Z',
      pointsEarned: 120,
      bonuses: [{ kind: 'birthday', points: 100, year: 2026 }],
    });
    expect(decideOutcome(accountWith(0), december, context()).effects.bonuses).toEqual([
      { kind: 'birthday', points: 100, year: 2026 },
    ]);
    const january = ledgerTx({
      occurredAt: '2026-01-03T10:00:00.000Z',
      pointsEarned: 120,
      bonuses: [{ kind: 'birthday', points: 100, year: 2026 }],
    });
    expect(
      decideOutcome(accountWith(0, { birthdayBonusYears: [2026] }), january, context()).outcome
        .reason,
    ).toBe('duplicate-birthday-bonus');
    expect(
      decideOutcome(accountWith(0, { birthdayBonusYears: [2025] }), december, context()).outcome,
    ).toEqual({ status: 'accepted' });
  });

  it('accepts points redeemed for a discount that rounds to nothing', () => {
    const tx = ledgerTx({ pointsRedeemed: 500 });
    expect(decideOutcome(accountWith(5_000), tx, context()).effects.redeemed).toBe(500);
  });

  it('takes the birthday year in the program time zone', () => {
    const tokyo = { ...program, timeZone: 'Asia/Tokyo' };
    const tx = ledgerTx({
      occurredAt: '2024-12-31T20:00:00.000Z',
      pointsEarned: 120,
      bonuses: [{ kind: 'birthday', points: 100 }],
    });
    const account = accountWith(0, { birthdayBonusYears: [2025] });
    expect(
      decideOutcome(
        account,
        tx,
        context({ program: tokyo, receivedAt: '2024-12-31T20:01:00.000Z' }),
      ).outcome.reason,
    ).toBe('duplicate-birthday-bonus');
    expect(
      decideOutcome(account, tx, context({ receivedAt: '2024-12-31T20:01:00.000Z' })).outcome
        .status,
    ).toBe('accepted');
  });

  it('strips a repeated first-purchase or enrollment bonus', () => {
    const firstPurchase = ledgerTx({
      pointsEarned: 220,
      bonuses: [{ kind: 'first-purchase', points: 200 }],
    });
    expect(
      flagged(firstPurchase, accountWith(0, { firstPurchaseAt: '2024-01-01T00:00:00.000Z' })),
    ).toMatchObject({
      outcome: { reason: 'duplicate-first-purchase-bonus', review: 'duplicate-bonus' },
      effects: { earned: 20 },
    });
    const enrollment = ledgerTx({ kind: 'enrollment-bonus', pointsEarned: 100 });
    expect(
      flagged(enrollment, accountWith(0, { enrollmentBonusAt: '2024-01-01T00:00:00.000Z' })),
    ).toMatchObject({
      outcome: { status: 'accepted-with-review', reason: 'duplicate-enrollment-bonus' },
      effects: NO_EFFECTS,
    });
    const twice = ledgerTx({
      pointsEarned: 200,
      bonuses: [
        { kind: 'birthday', points: 100 },
        { kind: 'birthday', points: 100 },
      ],
    });
    expect(flagged(twice, accountWith(0)).effects).toMatchObject({
      earned: 100,
      bonuses: [{ kind: 'birthday', points: 100 }],
    });
    const enrollTwice = ledgerTx({
      kind: 'enrollment-bonus',
      pointsEarned: 200,
      bonuses: [
        { kind: 'enrollment', points: 100 },
        { kind: 'enrollment', points: 100 },
      ],
    });
    expect(flagged(enrollTwice, accountWith(0)).effects.earned).toBe(100);
    const firstTwice = ledgerTx({
      pointsEarned: 400,
      bonuses: [
        { kind: 'first-purchase', points: 200 },
        { kind: 'first-purchase', points: 200 },
      ],
    });
    expect(flagged(firstTwice, accountWith(0)).effects.earned).toBe(200);
  });

  it("strips the invitee's referral bonus with a repeated first purchase (two tills offline)", () => {
    const referred = ledgerTx({
      pointsEarned: 470,
      bonuses: [
        { kind: 'first-purchase', points: 200 },
        { kind: 'referral-invitee', points: 250 },
      ],
    });
    const first = flagged(referred, accountWith(0));
    expect(first.effects.earned).toBe(470);
    const again = flagged(
      referred,
      accountWith(470, { firstPurchaseAt: '2025-01-10T12:00:00.000Z' }),
    );
    expect(again.effects.earned).toBe(20);
    expect(again.outcome.flags?.map((flag) => flag.reason)).toEqual([
      'duplicate-first-purchase-bonus',
      'duplicate-referral-bonus',
    ]);
  });

  it('tests every flag reason', () => {
    expect(LEDGER_FLAG_REASONS).toEqual([
      'overdraft',
      'coupon-over-limit',
      'coupon-over-member-limit',
      'duplicate-enrollment-bonus',
      'duplicate-first-purchase-bonus',
      'duplicate-birthday-bonus',
      'duplicate-referral-bonus',
    ]);
  });
});
