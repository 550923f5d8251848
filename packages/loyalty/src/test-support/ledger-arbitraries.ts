import fc from 'fast-check';
import type { LedgerTransaction } from '../ledger-types.js';
import type { SequencedTransaction } from '../ledger-fold.js';

/** A checkout by member m1 unless overridden; amounts consistent with each other. */
export function ledgerTx(overrides: Partial<LedgerTransaction> = {}): LedgerTransaction {
  return {
    id: 'tx-1',
    kind: 'checkout',
    memberId: 'm1',
    storeId: 's1',
    terminalId: 't1',
    staffId: 'staff-1',
    programVersion: 1,
    occurredAt: '2025-01-10T12:00:00.000Z',
    offline: false,
    orderTotal: 20_00,
    amountPaid: 20_00,
    pointsEarned: 20,
    pointsRedeemed: 0,
    ...overrides,
  };
}

/** Sequences transactions in the given order, received one minute after they happened. */
export function sequenced(
  transactions: readonly LedgerTransaction[],
  firstSeq = 1,
): SequencedTransaction[] {
  return transactions.map((tx, i) => ({
    ...tx,
    seq: firstSeq + i,
    receivedAt: new Date(Date.parse(tx.occurredAt) + 60_000).toISOString(),
  }));
}

const MEMBERS = ['m1', 'm2', 'm3'] as const;
const START = Date.parse('2024-01-01T00:00:00.000Z');
const DAY = 86_400_000;

interface Step {
  readonly member: (typeof MEMBERS)[number];
  readonly kind:
    'checkout' | 'refund' | 'adjustment' | 'reward' | 'enrollment' | 'malformed' | 'replay';
  readonly days: number;
  readonly late: boolean;
  readonly amount: number;
  readonly redeem: number;
  readonly pick: number;
  readonly coupon: boolean;
  readonly birthday: boolean;
  readonly firstPurchase: boolean;
  readonly negative: boolean;
}

const step: fc.Arbitrary<Step> = fc.record({
  member: fc.constantFrom(...MEMBERS),
  kind: fc.constantFrom(
    'checkout',
    'checkout',
    'checkout',
    'refund',
    'adjustment',
    'reward',
    'enrollment',
    'malformed',
    'replay',
  ),
  days: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 120 })),
  late: fc.boolean(),
  amount: fc.integer({ min: 0, max: 200_00 }),
  redeem: fc.integer({ min: 0, max: 1_500 }),
  pick: fc.nat(),
  coupon: fc.boolean(),
  birthday: fc.boolean(),
  firstPurchase: fc.boolean(),
  negative: fc.boolean(),
});

/**
 * Non-empty ledgers of several members in server order: checkouts (with redemptions, coupons, birthday
 * and first-purchase bonuses), refunds of earlier or unknown checkouts, adjustments of either
 * sign, reward redemptions, enrollment bonuses, malformed transactions and replays. Times mostly
 * move forward by up to four months; some transactions arrive late (made offline days before).
 */
export const ledgerArbitrary: fc.Arbitrary<SequencedTransaction[]> = fc
  .array(step, { minLength: 1, maxLength: 40 })
  .map((steps) => {
    const out: SequencedTransaction[] = [];
    let clock = START;
    for (const [i, s] of steps.entries()) {
      clock += s.days * DAY;
      const occurred = s.late ? clock - (s.days % 10) * DAY - 3_600_000 : clock;
      const base = {
        id: `tx-${i}`,
        memberId: s.member,
        storeId: 's1',
        terminalId: s.late ? 't2' : 't1',
        staffId: 'staff-1',
        programVersion: 1,
        occurredAt: new Date(occurred).toISOString(),
        offline: s.late,
      };
      const seq = out.length + 1;
      const receivedAt = new Date(clock + 60_000).toISOString();
      const mine = out.filter((tx) => tx.memberId === s.member);
      let tx: LedgerTransaction;
      switch (s.kind) {
        case 'checkout': {
          const redeem = s.redeem >= 500 ? s.redeem : 0;
          const pointsDiscount = Math.min(redeem, s.amount);
          const pointsRedeemed = pointsDiscount > 0 ? redeem : 0;
          const bonuses = [
            ...(s.birthday ? [{ kind: 'birthday' as const, points: 100 }] : []),
            ...(s.firstPurchase ? [{ kind: 'first-purchase' as const, points: 200 }] : []),
          ];
          const bonusTotal = bonuses.reduce((sum, b) => sum + b.points, 0);
          tx = {
            ...base,
            kind: 'checkout',
            orderTotal: s.amount,
            pointsDiscount,
            amountPaid: s.amount - pointsDiscount,
            pointsEarned: Math.floor((s.amount - pointsDiscount) / 100) + bonusTotal,
            pointsRedeemed,
            ...(bonuses.length > 0 ? { bonuses } : {}),
            ...(s.coupon ? { couponId: 'welcome', couponCode: 'WELCOME' } : {}),
          };
          break;
        }
        case 'refund': {
          const checkouts = mine.filter((t) => t.kind === 'checkout');
          const target = checkouts[s.pick % (checkouts.length + 1)];
          tx = {
            ...base,
            kind: 'refund',
            refundOf: target?.id ?? 'nope',
            pointsEarned: 0,
            pointsRedeemed: 0,
          };
          break;
        }
        case 'adjustment': {
          const points = (s.negative ? -1 : 1) * (1 + (s.amount % 900));
          tx = {
            ...base,
            kind: 'adjustment',
            adjustmentPoints: points,
            pointsEarned: 0,
            pointsRedeemed: 0,
            ...(s.coupon ? { reason: 'goodwill' } : {}),
          };
          break;
        }
        case 'reward':
          tx = {
            ...base,
            kind: 'reward-redemption',
            rewardId: 'coffee',
            pointsEarned: 0,
            pointsRedeemed: 1 + (s.redeem % 800),
          };
          break;
        case 'enrollment':
          tx = { ...base, kind: 'enrollment-bonus', pointsEarned: 100, pointsRedeemed: 0 };
          break;
        case 'malformed':
          tx = {
            ...base,
            kind: 'checkout',
            orderTotal: s.amount,
            pointsEarned: -5,
            pointsRedeemed: 0,
          };
          break;
        case 'replay': {
          const original = out[s.pick % Math.max(1, out.length)];
          if (!original) continue;
          const { seq: _seq, receivedAt: _receivedAt, ...body } = original;
          out.push({ ...body, seq, receivedAt });
          continue;
        }
      }
      out.push({ ...tx, seq, receivedAt });
    }
    return out;
  })
  .filter((ledger) => ledger.length > 0);
