import { advanceAccount, calendarYear, effectiveTime } from './account-clock.js';
import type {
  Account,
  AppliedTransaction,
  BonusEntry,
  LedgerTransaction,
  OutcomeFlag,
  TransactionEffects,
  TransactionOutcome,
} from './ledger-types.js';
import { TRANSACTION_KINDS } from './ledger-types.js';
import type { ProgramSettings } from './program.js';
import { jsonEqual } from './json-equal.js';

/**
 * The outcome the server records for a transaction (DESIGN.md, "The ledger and its
 * conflicts"). The guiding rule: what happened at the till is recorded. Points redeemed beyond
 * the balance, a coupon used beyond its limits and a once-only bonus claimed twice are accepted
 * and flagged for a manager; only what cannot have happened, or cannot be applied, is refused:
 * malformed amounts, a refund of nothing, a member who is gone, a changed retry.
 */

export const LEDGER_REFUSAL_REASONS = [
  'duplicate-id-different-body',
  'member-mismatch',
  'member-merged',
  'member-erased',
  'malformed-transaction',
  'malformed-amounts',
  'missing-reason',
  'unknown-refund-target',
  'refund-target-not-refundable',
  'already-refunded',
] as const;
export type LedgerRefusalReason = (typeof LEDGER_REFUSAL_REASONS)[number];

export const LEDGER_FLAG_REASONS = [
  'overdraft',
  'coupon-over-limit',
  'coupon-over-member-limit',
  'duplicate-enrollment-bonus',
  'duplicate-first-purchase-bonus',
  'duplicate-birthday-bonus',
  'duplicate-referral-bonus',
] as const;
export type LedgerFlagReason = (typeof LEDGER_FLAG_REASONS)[number];

/**
 * The most points one manual adjustment may add or take away. A balance is corrected in steps
 * no larger than this; a number typed in the wrong field (a phone number) is refused.
 */
export const MAX_ADJUSTMENT_POINTS = 1_000_000;

/** Effects of a refused transaction, a replay, or one that changes nothing. */
export const NO_EFFECTS: TransactionEffects = Object.freeze({
  balanceDelta: 0,
  earned: 0,
  redeemed: 0,
  reversed: 0,
  spend: 0,
  visits: 0,
});

/** A coupon's limits (null or absent = unlimited) and its uses so far by every member. */
export interface CouponUsage {
  readonly usageLimit?: number | null;
  readonly perMemberLimit?: number | null;
  /** Accepted uses before this transaction, all members together. */
  readonly usedCount: number;
}

/** Who the account belongs to, as the server knows it when it decides. */
export interface LedgerMemberContext {
  /** 'merged' and 'erased' refuse; any other status (active, blocked ...) does not. */
  readonly status?: string;
  /** Members merged into this account's member: their transactions count here. */
  readonly mergedMemberIds?: readonly string[];
}

export interface OutcomeContext {
  readonly program: ProgramSettings;
  /** When the server received the transaction (bounds its effective time). */
  readonly receivedAt: string;
  /** The transaction already recorded with the same id, if any. */
  readonly existing?: AppliedTransaction;
  /** For a refund: the recorded transaction it names, and whether a refund of it was accepted. */
  readonly refundTarget?: {
    readonly transaction: AppliedTransaction;
    readonly alreadyRefunded: boolean;
  };
  /** For a transaction with a coupon: the coupon's limits and uses. */
  readonly coupon?: CouponUsage;
  readonly member?: LedgerMemberContext;
}

export interface OutcomeDecision {
  /**
   * Whether the server stores the transaction as a new ledger row (with a seq) and applies its
   * effects. False for a replay (the outcome is the original's) and for a changed body under a
   * known id (the original stands; the refusal is logged and reviewed).
   */
  readonly record: boolean;
  readonly outcome: TransactionOutcome;
  readonly effects: TransactionEffects;
}

const TERMINAL_FIELDS = [
  'id',
  'kind',
  'memberId',
  'storeId',
  'terminalId',
  'staffId',
  'programVersion',
  'occurredAt',
  'offline',
  'orderTotal',
  'lines',
  'couponId',
  'couponCode',
  'couponDiscount',
  'pointsDiscount',
  'amountPaid',
  'pointsEarned',
  'pointsRedeemed',
  'bonuses',
  'adjustmentPoints',
  'reason',
  'rewardId',
  'refundOf',
  'inviteeMemberId',
  'referralCode',
] as const satisfies readonly (keyof LedgerTransaction)[];

// Fails to compile when LedgerTransaction gains a field that TERMINAL_FIELDS does not list.
type UnlistedField = Exclude<keyof LedgerTransaction, (typeof TERMINAL_FIELDS)[number]>;
const _everyFieldListed: [UnlistedField] extends [never] ? true : never = true;

/**
 * Whether two transactions carry the same terminal-written body. Fields the server adds (seq,
 * receivedAt, outcome, effects) are ignored, and an absent field equals one set to undefined.
 */
export function sameTransactionBody(a: LedgerTransaction, b: LedgerTransaction): boolean {
  return TERMINAL_FIELDS.every((field) => jsonEqual(a[field], b[field]));
}

type Refused = { readonly reason: LedgerRefusalReason; readonly message: string };

function refusedDecision(refusal: Refused, record = true): OutcomeDecision {
  return {
    record,
    outcome: {
      status: 'refused',
      reason: refusal.reason,
      message: refusal.message,
      review: 'rejected-transaction',
    },
    effects: NO_EFFECTS,
  };
}

function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function amountsProblem(tx: LedgerTransaction): string | undefined {
  const counts: [string, unknown][] = [
    ['pointsEarned', tx.pointsEarned],
    ['pointsRedeemed', tx.pointsRedeemed],
  ];
  const optionalCounts: [string, unknown][] = [
    ['orderTotal', tx.orderTotal],
    ['couponDiscount', tx.couponDiscount],
    ['pointsDiscount', tx.pointsDiscount],
    ['amountPaid', tx.amountPaid],
  ];
  for (const [name, value] of [...counts, ...optionalCounts.filter(([, v]) => v !== undefined)]) {
    if (!isCount(value)) return `${name} must be a whole, non-negative number`;
  }
  for (const line of tx.lines ?? []) {
    if (!isCount(line.amount)) return 'a line amount must be a whole, non-negative number';
    if (!(
      typeof line.quantity === 'number' &&
      Number.isFinite(line.quantity) &&
      line.quantity > 0
    )) {
      return 'a line quantity must be positive';
    }
  }
  let bonusTotal = 0;
  for (const bonus of tx.bonuses ?? []) {
    if (!isCount(bonus.points)) return 'a bonus must be a whole, non-negative number of points';
    bonusTotal += bonus.points;
  }
  if (bonusTotal > tx.pointsEarned) return 'the bonuses add up to more than the points earned';

  switch (tx.kind) {
    case 'checkout': {
      if (tx.orderTotal === undefined) return 'a checkout needs its order total';
      const couponDiscount = tx.couponDiscount ?? 0;
      const pointsDiscount = tx.pointsDiscount ?? 0;
      if (couponDiscount + pointsDiscount > tx.orderTotal) {
        return 'the discounts are larger than the order';
      }
      if (
        tx.amountPaid !== undefined &&
        tx.amountPaid > tx.orderTotal - couponDiscount - pointsDiscount
      ) {
        return 'the amount paid is more than the order after discounts';
      }
      // Points may buy a discount that rounds to zero minor units, never the other way round.
      if (pointsDiscount > 0 && tx.pointsRedeemed === 0) {
        return 'a points discount needs points redeemed';
      }
      if (couponDiscount > 0 && tx.couponId === undefined)
        return 'a coupon discount needs a coupon';
      return undefined;
    }
    case 'adjustment': {
      const points = tx.adjustmentPoints;
      if (typeof points !== 'number' || !Number.isSafeInteger(points) || points === 0) {
        return 'an adjustment needs a whole, non-zero number of points';
      }
      if (Math.abs(points) > MAX_ADJUSTMENT_POINTS) {
        return `an adjustment moves at most ${MAX_ADJUSTMENT_POINTS} points`;
      }
      const mirrored =
        tx.pointsEarned === Math.max(0, points) && tx.pointsRedeemed === Math.max(0, -points);
      const zero = tx.pointsEarned === 0 && tx.pointsRedeemed === 0;
      return mirrored || zero
        ? undefined
        : 'points earned and redeemed disagree with the adjustment';
    }
    case 'reward-redemption':
      if (tx.pointsRedeemed <= 0) return 'a reward redemption must redeem points';
      return tx.pointsEarned === 0 ? undefined : 'a reward redemption earns no points';
    case 'referral-claim':
    case 'enrollment-bonus':
      return tx.pointsRedeemed === 0 ? undefined : `a ${tx.kind} redeems no points`;
    case 'refund':
      // The points a refund reverses come from the recorded checkout, not from the terminal.
      return undefined;
  }
}

function shapeRefusal(tx: LedgerTransaction): Refused | undefined {
  if (!(TRANSACTION_KINDS as readonly string[]).includes(tx.kind)) {
    return {
      reason: 'malformed-transaction',
      message: `Unknown transaction kind "${String(tx.kind)}".`,
    };
  }
  if (Number.isNaN(Date.parse(tx.occurredAt))) {
    return {
      reason: 'malformed-transaction',
      message: 'The transaction time is not a valid instant.',
    };
  }
  const problem = amountsProblem(tx);
  if (problem) return { reason: 'malformed-amounts', message: `Malformed amounts: ${problem}.` };
  if (tx.kind === 'reward-redemption' && !tx.rewardId) {
    return {
      reason: 'malformed-transaction',
      message: 'A reward redemption must name its reward.',
    };
  }
  if (tx.kind === 'adjustment' && !tx.reason?.trim()) {
    return { reason: 'missing-reason', message: 'A manual adjustment needs a reason.' };
  }
  return undefined;
}

function memberRefusal(
  account: Account,
  tx: LedgerTransaction,
  member: LedgerMemberContext | undefined,
): Refused | undefined {
  if (tx.memberId !== account.memberId && !member?.mergedMemberIds?.includes(tx.memberId)) {
    return {
      reason: 'member-mismatch',
      message: `The transaction is for member ${tx.memberId}, not for this account.`,
    };
  }
  if (member?.status === 'erased') {
    return {
      reason: 'member-erased',
      message: 'The member was erased; no points can be recorded.',
    };
  }
  if (member?.status === 'merged') {
    return {
      reason: 'member-merged',
      message: "The member was merged; apply the transaction to the surviving member's account.",
    };
  }
  return undefined;
}

function belongsToAccount(account: Account, memberId: string, member?: LedgerMemberContext) {
  return memberId === account.memberId || (member?.mergedMemberIds?.includes(memberId) ?? false);
}

interface GrantedBonuses {
  readonly kept: readonly BonusEntry[];
  readonly stripped: number;
  readonly flags: readonly OutcomeFlag[];
}

/**
 * Once-only bonuses claimed again are stripped (the transaction stands): the enrollment bonus,
 * the first-purchase bonus and the invitee's referral bonus (which comes with the first purchase)
 * once per member, the birthday bonus once per year: the year the
 * terminal wrote on the bonus (the birthday's year, see earning.ts), else the calendar year in
 * which the transaction happened, in the program's time zone. Kept birthday bonuses carry
 * their year, so the account records it.
 */
function grantBonuses(
  account: Account,
  tx: LedgerTransaction,
  program: ProgramSettings,
): GrantedBonuses {
  const claimed =
    tx.kind === 'enrollment-bonus' && !(tx.bonuses && tx.bonuses.length > 0)
      ? [{ kind: 'enrollment' as const, points: tx.pointsEarned }]
      : (tx.bonuses ?? []);
  const transactionYear = calendarYear(tx.occurredAt, program.timeZone);
  let enrollment = account.enrollmentBonusAt !== undefined;
  let firstPurchase = account.firstPurchaseAt !== undefined;
  // The invitee's referral bonus comes with the first purchase: once, like it.
  let inviteeBonus = firstPurchase;
  const birthdayYears = new Set(account.birthdayBonusYears);
  const kept: BonusEntry[] = [];
  const flags = new Map<LedgerFlagReason, OutcomeFlag>();
  let stripped = 0;
  const strip = (points: number, reason: LedgerFlagReason, message: string) => {
    stripped += points;
    flags.set(reason, { reason, message, review: 'duplicate-bonus' });
  };
  for (const bonus of claimed) {
    if (bonus.kind === 'enrollment') {
      if (enrollment)
        strip(
          bonus.points,
          'duplicate-enrollment-bonus',
          'The enrollment bonus was already given; it was not added again.',
        );
      else kept.push(bonus);
      enrollment = true;
    } else if (bonus.kind === 'first-purchase') {
      if (firstPurchase)
        strip(
          bonus.points,
          'duplicate-first-purchase-bonus',
          'The member had already made a first purchase; its bonus was not added again.',
        );
      else kept.push(bonus);
      firstPurchase = true;
    } else if (bonus.kind === 'birthday') {
      const year = bonus.year ?? transactionYear;
      if (birthdayYears.has(year))
        strip(
          bonus.points,
          'duplicate-birthday-bonus',
          `The birthday bonus of ${year} was already given; it was not added again.`,
        );
      else kept.push({ ...bonus, year });
      birthdayYears.add(year);
    } else if (bonus.kind === 'referral-invitee') {
      if (inviteeBonus)
        strip(
          bonus.points,
          'duplicate-referral-bonus',
          'The member had already made a first purchase; the referral bonus was not added again.',
        );
      else kept.push(bonus);
      inviteeBonus = true;
    } else {
      kept.push(bonus);
    }
  }
  return { kept, stripped, flags: [...flags.values()] };
}

function overdraftFlag(balance: number, taken: number): OutcomeFlag {
  return {
    reason: 'overdraft',
    message: `${taken} points were taken from a balance of ${balance}; the balance is negative until earning pays it back.`,
    review: 'overdraft',
  };
}

function couponFlags(
  account: Account,
  tx: LedgerTransaction,
  coupon: CouponUsage | undefined,
): OutcomeFlag[] {
  if (tx.couponId === undefined || !coupon) return [];
  const flags: OutcomeFlag[] = [];
  if (coupon.usageLimit != null && coupon.usedCount + 1 > coupon.usageLimit) {
    flags.push({
      reason: 'coupon-over-limit',
      message: `The coupon was used beyond its limit of ${coupon.usageLimit}.`,
      review: 'coupon-over-limit',
    });
  }
  const memberUses = account.couponUses[tx.couponId] ?? 0;
  if (coupon.perMemberLimit != null && memberUses + 1 > coupon.perMemberLimit) {
    flags.push({
      reason: 'coupon-over-member-limit',
      message: `The member used the coupon beyond its limit of ${coupon.perMemberLimit} per member.`,
      review: 'coupon-over-member-limit',
    });
  }
  return flags;
}

function accepted(effects: TransactionEffects, flags: readonly OutcomeFlag[]): OutcomeDecision {
  const [first] = flags;
  if (!first) return { record: true, outcome: { status: 'accepted' }, effects };
  return {
    record: true,
    outcome: {
      status: 'accepted-with-review',
      reason: first.reason,
      message: first.message,
      review: first.review,
      flags,
    },
    effects,
  };
}

function paid(tx: LedgerTransaction): number {
  return (
    tx.amountPaid ??
    Math.max(0, (tx.orderTotal ?? 0) - (tx.couponDiscount ?? 0) - (tx.pointsDiscount ?? 0))
  );
}

function earning(account: Account, tx: LedgerTransaction, program: ProgramSettings) {
  const bonuses = grantBonuses(account, tx, program);
  const earned = tx.pointsEarned - bonuses.stripped;
  return {
    earned,
    flags: bonuses.flags,
    bonuses: bonuses.kept.length > 0 ? { bonuses: bonuses.kept } : {},
  };
}

function decideRefund(
  account: Account,
  tx: LedgerTransaction,
  context: OutcomeContext,
): OutcomeDecision {
  const target = context.refundTarget;
  if (
    !tx.refundOf ||
    !target ||
    target.transaction.id !== tx.refundOf ||
    !belongsToAccount(account, target.transaction.memberId, context.member)
  ) {
    return refusedDecision({
      reason: 'unknown-refund-target',
      message: 'The refunded checkout is not on this member’s ledger.',
    });
  }
  const original = target.transaction;
  if (original.kind !== 'checkout' || original.outcome.status === 'refused') {
    return refusedDecision({
      reason: 'refund-target-not-refundable',
      message: 'Only an accepted checkout can be refunded.',
    });
  }
  if (target.alreadyRefunded) {
    return refusedDecision({
      reason: 'already-refunded',
      message: 'The checkout was already refunded.',
    });
  }
  const given = original.effects;
  const balanceDelta = given.redeemed - given.earned;
  const effects: TransactionEffects = {
    balanceDelta,
    earned: 0,
    redeemed: -given.redeemed,
    reversed: Math.min(given.earned, account.lifetime),
    spend: -given.spend,
    visits: -given.visits,
  };
  const after = account.balance + balanceDelta;
  return accepted(
    effects,
    balanceDelta < 0 && after < 0 ? [overdraftFlag(account.balance, given.earned)] : [],
  );
}

/**
 * Decides the outcome of the next transaction of an account in server order. The account is
 * first brought forward to the transaction's effective time (expiry), so the balance it checks
 * is the one the member had then. Pure: everything it needs comes in `context`.
 */
export function decideOutcome(
  account: Account,
  tx: LedgerTransaction,
  context: OutcomeContext,
): OutcomeDecision {
  const { program } = context;
  if (context.existing) {
    return sameTransactionBody(context.existing, tx)
      ? { record: false, outcome: context.existing.outcome, effects: NO_EFFECTS }
      : refusedDecision(
          {
            reason: 'duplicate-id-different-body',
            message: `Transaction ${tx.id} was already recorded with a different body; the original stands.`,
          },
          false,
        );
  }
  const refusal = memberRefusal(account, tx, context.member) ?? shapeRefusal(tx);
  if (refusal) return refusedDecision(refusal);

  const current = advanceAccount(account, program, effectiveTime(tx, context.receivedAt));
  const decision = decideEffects(current, tx, context);
  // Each amount is a safe integer, but sums of them need not be: an account past the largest
  // safe integer would round points away and fail its own schema on every till.
  if (decision.outcome.status !== 'refused' && !accountStaysExact(current, decision.effects)) {
    return refusedDecision({
      reason: 'malformed-amounts',
      message: 'Malformed amounts: the account would pass the largest number it can hold.',
    });
  }
  return decision;
}

function accountStaysExact(account: Account, effects: TransactionEffects): boolean {
  return [
    account.balance + effects.balanceDelta,
    account.lifetime + effects.earned,
    account.redeemed + Math.abs(effects.redeemed),
    account.spend + Math.abs(effects.spend),
    account.visits + Math.abs(effects.visits),
  ].every((value) => Number.isSafeInteger(value));
}

function decideEffects(
  current: Account,
  tx: LedgerTransaction,
  context: OutcomeContext,
): OutcomeDecision {
  const { program } = context;
  switch (tx.kind) {
    case 'checkout': {
      const { earned, flags, bonuses } = earning(current, tx, program);
      const effects: TransactionEffects = {
        balanceDelta: earned - tx.pointsRedeemed,
        earned,
        redeemed: tx.pointsRedeemed,
        reversed: 0,
        spend: paid(tx),
        visits: 1,
        ...(tx.couponId !== undefined ? { couponUse: { couponId: tx.couponId } } : {}),
        ...bonuses,
      };
      const overdraft =
        tx.pointsRedeemed > current.balance
          ? [overdraftFlag(current.balance, tx.pointsRedeemed)]
          : [];
      return accepted(effects, [
        ...overdraft,
        ...couponFlags(current, tx, context.coupon),
        ...flags,
      ]);
    }
    case 'reward-redemption': {
      const effects: TransactionEffects = {
        ...NO_EFFECTS,
        balanceDelta: -tx.pointsRedeemed,
        redeemed: tx.pointsRedeemed,
      };
      const overdraft =
        tx.pointsRedeemed > current.balance
          ? [overdraftFlag(current.balance, tx.pointsRedeemed)]
          : [];
      return accepted(effects, overdraft);
    }
    case 'referral-claim':
    case 'enrollment-bonus': {
      const { earned, flags, bonuses } = earning(current, tx, program);
      return accepted({ ...NO_EFFECTS, balanceDelta: earned, earned, ...bonuses }, flags);
    }
    case 'adjustment': {
      // amountsProblem has checked that adjustmentPoints is a non-zero integer.
      const points = tx.adjustmentPoints ?? 0;
      if (points > 0) return accepted({ ...NO_EFFECTS, balanceDelta: points, earned: points }, []);
      const effects: TransactionEffects = {
        ...NO_EFFECTS,
        balanceDelta: points,
        reversed: Math.min(-points, current.lifetime),
      };
      const after = current.balance + points;
      return accepted(effects, after < 0 ? [overdraftFlag(current.balance, -points)] : []);
    }
    case 'refund':
      return decideRefund(current, tx, context);
  }
}
