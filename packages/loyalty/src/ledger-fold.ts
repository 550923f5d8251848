/**
 * The ledger fold: a member's account is a pure function of the member's transactions in server
 * order, the program and the instant it is read at.
 *
 * Server, inside the database transaction that applies one pushed transaction:
 *
 *   const context = { program, receivedAt, existing, refundTarget, coupon, member };
 *   const { decision, account: next } = applyTransaction(account, tx, context, seq);
 *   if (decision.record) insert tx with seq, receivedAt, decision.outcome, decision.effects,
 *                        and store `next`; else answer with decision.outcome (replay or refusal).
 *
 * (`applyTransaction` is `decideOutcome` then, when the decision is recorded, `applyEffects`;
 * call the two yourself if you prefer.) Reading an account at an instant (expiry, auto-tags,
 * segments): `refreshAccount(account, program, now)`. Rebuilding or checking an account:
 * `foldAccount(memberId, transactions, program, context, asOf)`.
 *
 * Terminal, for a provisional balance: take the server's account and apply, with the same
 * functions, its own transactions whose seq the account does not include yet.
 *
 * Merged members: the survivor's account is the fold of the union of the survivor's and the
 * merged members' transactions in server order, with `mergedMemberIds` naming the merged ones.
 * A merged member's own account stops at the merge: later transactions are refused there with
 * 'member-merged' and count on the survivor's.
 */
import { isoMs } from './instants.js';
import { accountTierStats, advanceAccount, calendarYear, effectiveTime } from './account-clock.js';
import { addPointsLot, consumePointsLots, expirePointsLots } from './expiry.js';
import type {
  Account,
  AppliedTransaction,
  LedgerTransaction,
  TransactionEffects,
} from './ledger-types.js';
import type { CouponUsage, OutcomeContext, OutcomeDecision } from './outcomes.js';
import { decideOutcome } from './outcomes.js';
import type { ProgramSettings } from './program.js';
import { autoTags, evaluateSegments } from './segments.js';
import { tierProgress, upgradeTier } from './tiers.js';

/** A member with no transactions: first tier, nothing earned. */
export function emptyAccount(memberId: string, program: ProgramSettings): Account {
  const tierId = program.tiers.list[0]!.id;
  const stats = { lifetime: 0, spend: 0, orders: 0 };
  return {
    memberId,
    balance: 0,
    lifetime: 0,
    redeemed: 0,
    expired: 0,
    tierId,
    tierProgress: tierProgress(program, stats, tierId),
    visits: 0,
    spend: 0,
    averageOrder: 0,
    autoTags: [],
    segments: [],
    appliedSeq: 0,
    lots: [],
    couponUses: {},
    birthdayBonusYears: [],
  };
}

function isNoEffect(effects: TransactionEffects): boolean {
  return (
    effects.balanceDelta === 0 &&
    effects.earned === 0 &&
    effects.redeemed === 0 &&
    effects.reversed === 0 &&
    effects.spend === 0 &&
    effects.visits === 0 &&
    effects.couponUse === undefined &&
    (effects.bonuses?.length ?? 0) === 0
  );
}

/** Integer division rounded half up (toward +infinity at exactly one half). */
function divideRoundHalfUp(numerator: number, denominator: number): number {
  return Math.floor((2 * numerator + denominator) / (2 * denominator));
}

function earlier(a: string | undefined, b: string): string {
  return a !== undefined && isoMs(a) <= isoMs(b) ? a : b;
}

function later(a: string | undefined, b: string): string {
  return a !== undefined && isoMs(a) >= isoMs(b) ? a : b;
}

function withTagsAndSegments(account: Account, program: ProgramSettings, now: string): Account {
  const tags = autoTags(program, account, now);
  return {
    ...account,
    autoTags: tags,
    segments: evaluateSegments(program.segments, account, tags, now),
  };
}

/**
 * Applies recorded effects to the account (the server stores them with the transaction, so an
 * account can be rebuilt from them). Effects with no change (a refusal) only advance
 * `appliedSeq`. Otherwise the ledger clock first moves to the transaction's effective time;
 * debits take the oldest lots, credits make a lot stamped with that time (expired at once if
 * the clock is already past its expiry); tiers go up on the new figures; auto-tags and segments
 * are evaluated at `receivedAt`.
 */
export function applyEffects(
  account: Account,
  tx: LedgerTransaction,
  effects: TransactionEffects,
  seq: number,
  receivedAt: string,
  program: ProgramSettings,
): Account {
  if (isNoEffect(effects)) return { ...account, appliedSeq: seq };
  const at = effectiveTime(tx, receivedAt);
  const current = advanceAccount(account, program, at);

  // Credits: points earned, and redeemed points a refund gives back. Debits: the rest.
  const credit = effects.earned + Math.max(0, -effects.redeemed);
  const debit = Math.max(0, credit - effects.balanceDelta);
  const afterDebit = current.balance - debit;
  const { lots: debited } = consumePointsLots(current.lots, debit);
  const balance = afterDebit + effects.balanceDelta + debit;
  const credited = addPointsLot(debited, at, Math.max(0, balance) - Math.max(0, afterDebit));
  const { lots, expired } = expirePointsLots(credited, program.expiry.months, current.clock ?? at);

  const visits = current.visits + effects.visits;
  const spend = current.spend + effects.spend;
  const isVisit = effects.visits > 0;
  const granted = effects.bonuses ?? [];
  const birthdayYears = new Set(current.birthdayBonusYears);
  for (const bonus of granted) {
    if (bonus.kind === 'birthday') {
      birthdayYears.add(bonus.year ?? calendarYear(tx.occurredAt, program.timeZone));
    }
  }
  const couponUses = effects.couponUse
    ? {
        ...current.couponUses,
        [effects.couponUse.couponId]: (current.couponUses[effects.couponUse.couponId] ?? 0) + 1,
      }
    : current.couponUses;
  const qualification = current.qualification && {
    start: current.qualification.start,
    lifetime: Math.max(0, current.qualification.lifetime + effects.earned - effects.reversed),
    spend: Math.max(0, current.qualification.spend + effects.spend),
    orders: Math.max(0, current.qualification.orders + effects.visits),
  };

  const next: Account = {
    ...current,
    balance: balance - expired,
    lifetime: current.lifetime + effects.earned - effects.reversed,
    redeemed: current.redeemed + effects.redeemed,
    expired: current.expired + expired,
    lots,
    visits,
    spend,
    averageOrder: visits > 0 ? divideRoundHalfUp(spend, visits) : 0,
    firstVisit: isVisit ? earlier(current.firstVisit, tx.occurredAt) : current.firstVisit,
    lastVisit: isVisit ? later(current.lastVisit, tx.occurredAt) : current.lastVisit,
    firstPurchaseAt:
      isVisit && tx.kind === 'checkout'
        ? earlier(current.firstPurchaseAt, tx.occurredAt)
        : current.firstPurchaseAt,
    enrollmentBonusAt: granted.some((bonus) => bonus.kind === 'enrollment')
      ? earlier(current.enrollmentBonusAt, tx.occurredAt)
      : current.enrollmentBonusAt,
    birthdayBonusYears:
      birthdayYears.size > current.birthdayBonusYears.length
        ? [...birthdayYears].sort((a, b) => a - b)
        : current.birthdayBonusYears,
    couponUses,
    qualification,
    appliedSeq: seq,
  };
  const stats = accountTierStats(next);
  const tierId = upgradeTier(program, next.tierId, stats);
  return withTagsAndSegments(
    { ...next, tierId, tierProgress: tierProgress(program, stats, tierId) },
    program,
    receivedAt,
  );
}

/** Decides the next transaction and, when it is recorded, applies its effects. */
export function applyTransaction(
  account: Account,
  tx: LedgerTransaction,
  context: OutcomeContext,
  seq: number,
): { decision: OutcomeDecision; account: Account } {
  const decision = decideOutcome(account, tx, context);
  if (!decision.record) return { decision, account };
  return {
    decision,
    account: applyEffects(account, tx, decision.effects, seq, context.receivedAt, context.program),
  };
}

/** The account as read at `now`: expiry and re-qualification up to `now`, tags and segments. */
export function refreshAccount(account: Account, program: ProgramSettings, now: string): Account {
  return withTagsAndSegments(advanceAccount(account, program, now), program, now);
}

/** A transaction as the server ordered it. */
export type SequencedTransaction = LedgerTransaction & {
  readonly seq: number;
  readonly receivedAt: string;
};

export interface FoldContext {
  /** Members merged into this one: their transactions count for this account. */
  readonly mergedMemberIds?: readonly string[];
  /** This member was merged into another at this instant: transactions received later are refused. */
  readonly mergedAt?: string;
  /** This member was erased at this instant: transactions received later are refused. */
  readonly erasedAt?: string;
  /** Limits of the coupons the transactions use, by coupon id. */
  readonly coupons?: Readonly<Record<string, Pick<CouponUsage, 'usageLimit' | 'perMemberLimit'>>>;
  /**
   * Accepted uses of the transaction's coupon by all members before it, by transaction id. The
   * fold sees one member only, so without this it counts this member's uses: limits then flag
   * only what the member alone went over. Flags never change balances.
   */
  readonly couponUsesBefore?: Readonly<Record<string, number>>;
}

function reached(instant: string | undefined, receivedAt: string): boolean {
  return instant !== undefined && isoMs(instant) <= isoMs(receivedAt);
}

/**
 * Folds a member's ledger: `transactions` in server order (others' transactions are skipped, so
 * the whole ledger may be passed); each is decided and applied as the server does; a repeated
 * id is a replay (no change) or a changed body (refused, not recorded). Finally the account is
 * read at `asOf`. Deterministic: the same input gives the same account.
 */
export function foldAccount(
  memberId: string,
  transactions: readonly SequencedTransaction[],
  program: ProgramSettings,
  context: FoldContext,
  asOf: string,
): { account: Account; applied: AppliedTransaction[] } {
  const members = new Set([memberId, ...(context.mergedMemberIds ?? [])]);
  const recorded = new Map<string, AppliedTransaction>();
  const refunded = new Set<string>();
  const applied: AppliedTransaction[] = [];
  let account = emptyAccount(memberId, program);

  for (const tx of transactions) {
    if (!members.has(tx.memberId)) continue;
    const target = tx.refundOf !== undefined ? recorded.get(tx.refundOf) : undefined;
    const limits = tx.couponId !== undefined ? context.coupons?.[tx.couponId] : undefined;
    const status = reached(context.erasedAt, tx.receivedAt)
      ? 'erased'
      : reached(context.mergedAt, tx.receivedAt)
        ? 'merged'
        : 'active';
    const existing = recorded.get(tx.id);
    const outcomeContext: OutcomeContext = {
      program,
      receivedAt: tx.receivedAt,
      ...(existing ? { existing } : {}),
      ...(target
        ? { refundTarget: { transaction: target, alreadyRefunded: refunded.has(target.id) } }
        : {}),
      ...(limits && tx.couponId !== undefined
        ? {
            coupon: {
              ...limits,
              usedCount: context.couponUsesBefore?.[tx.id] ?? account.couponUses[tx.couponId] ?? 0,
            },
          }
        : {}),
      member: { status, mergedMemberIds: context.mergedMemberIds ?? [] },
    };
    const step = applyTransaction(account, tx, outcomeContext, tx.seq);
    if (!step.decision.record) continue;
    const { seq, receivedAt } = tx;
    const entry: AppliedTransaction = {
      ...tx,
      seq,
      receivedAt,
      outcome: step.decision.outcome,
      effects: step.decision.effects,
    };
    recorded.set(tx.id, entry);
    if (
      tx.kind === 'refund' &&
      tx.refundOf !== undefined &&
      step.decision.outcome.status !== 'refused'
    ) {
      refunded.add(tx.refundOf);
    }
    applied.push(entry);
    account = step.account;
  }
  return { account: refreshAccount(account, program, asOf), applied };
}
