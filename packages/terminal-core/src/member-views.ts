/**
 * What the member history, the reward list, the review list and the coupon editor show, built
 * from local documents. Pure: the terminal gathers the documents and calls these.
 */
import { couponCodesLookAlike, parseCouponDefinition, refuse, ok } from '@tillpoint/loyalty';
import type { CouponDefinitionInput, Refusal, Result } from '@tillpoint/loyalty';
import type { CouponDoc, ReviewDoc, RewardDoc, TransactionDoc } from '@tillpoint/protocol';
import { expectedDelta, knownApplication } from './balance.js';
import type { LedgerAcks } from './balance.js';
import type { LedgerView } from './ledger-view.js';
import type { CouponEditRefusalCode } from './refusals.js';

export interface HistoryEntry {
  readonly transaction: TransactionDoc;
  /** The change of balance: the server's when it applied it, else what the till expects. */
  readonly points: number;
  /** 'pending' until the server has applied it. */
  readonly status: 'pending' | 'accepted' | 'accepted-with-review' | 'refused';
  /** The server's words when it flagged or refused the transaction. */
  readonly message?: string;
  /** The reviews the server opened for it (overdraft, coupon over limit, ...). */
  readonly reviews: readonly string[];
  /** An accepted (or pending) checkout with no refund yet. */
  readonly refundable: boolean;
  /** The refund of this checkout, when there is one that was not refused. */
  readonly refundedBy?: string;
}

/** Every point of a member, newest first, with the server's outcome and review flags. */
export function memberHistory(view: LedgerView, acks: LedgerAcks): HistoryEntry[] {
  const byId = new Map(view.transactions.map((tx) => [tx.id, tx]));
  const refunds = new Map<string, string>();
  for (const tx of view.transactions) {
    if (tx.kind === 'refund' && tx.refundOf && tx.outcome?.status !== 'refused') {
      refunds.set(tx.refundOf, tx.id);
    }
  }
  return view.transactions.map((tx) => {
    const applied = knownApplication(tx, acks);
    const status = tx.outcome?.status ?? 'pending';
    const reviews = [
      ...new Set([
        ...(tx.outcome?.flags ?? []).map((flag) => flag.review),
        ...(tx.outcome?.review ? [tx.outcome.review] : []),
      ]),
    ];
    const refundedBy = refunds.get(tx.id);
    return {
      transaction: tx,
      points:
        status === 'refused'
          ? 0
          : (tx.effects?.balanceDelta ??
            applied?.balanceDelta ??
            expectedDelta(tx, byId.get.bind(byId))),
      status,
      ...(tx.outcome?.message ? { message: tx.outcome.message } : {}),
      reviews,
      refundable: tx.kind === 'checkout' && status !== 'refused' && refundedBy === undefined,
      ...(refundedBy ? { refundedBy } : {}),
    };
  });
}

export interface RewardOption {
  readonly reward: RewardDoc;
  /** Units left; null = unlimited. */
  readonly stock: number | null;
  /** Undefined when the member can redeem it now; otherwise why not, in plain words. */
  readonly refusal?: Refusal;
}

export interface ReviewItem {
  readonly review: ReviewDoc;
  /** The member it is about, when known on this till. */
  readonly member?: { readonly id: string; readonly name: string; readonly phone: string };
}

/** What a manager types for a coupon; `id` names the coupon to edit (absent: a new one). */
export type CouponDraft = Omit<CouponDefinitionInput, 'id'> & { readonly id?: string };

/** The editable fields of a coupon document (a draft to start editing from). */
export function couponDraftOf(coupon: CouponDoc): CouponDraft {
  const { rev: _rev, updatedAt: _updatedAt, usage: _usage, ...definition } = coupon;
  return definition;
}

function utc(instant: string | undefined): string | undefined {
  return instant === undefined ? undefined : new Date(instant).toISOString();
}

/**
 * A draft checked by the rules (CouponDefinitionSchema) and against the other coupons on this
 * till (a code, or one that looks like it, may name one coupon only), in stored form: code
 * normalized, defaults filled in, instants in UTC. `existing` is the coupon being edited.
 */
export function couponFromDraft(
  draft: CouponDraft,
  id: string,
  others: readonly CouponDoc[],
  existing: CouponDoc | undefined,
  now: string,
): Result<CouponDoc, CouponEditRefusalCode> {
  const parsed = parseCouponDefinition({ ...draft, id });
  if (!parsed.ok) return parsed;
  const definition = parsed.value;
  const clash = others.find(
    (other) => other.id !== id && couponCodesLookAlike(other.code, definition.code),
  );
  if (clash) {
    return refuse(
      'coupon-code-taken',
      clash.code === definition.code
        ? `Another coupon (${clash.name}) already has the code ${clash.code}.`
        : `The code ${definition.code} looks like ${clash.code} (${clash.name}); choose another so cashiers cannot mix them up.`,
      { couponId: clash.id, code: clash.code },
    );
  }
  const startsAt = utc(definition.startsAt);
  const expiresAt = utc(definition.expiresAt);
  const {
    startsAt: _startsAt,
    expiresAt: _expiresAt,
    maxDiscount,
    freeItem,
    hours,
    usageLimit,
    perMemberLimit,
    ...required
  } = definition;
  return ok({
    ...required,
    ...(maxDiscount !== undefined ? { maxDiscount } : {}),
    ...(freeItem !== undefined ? { freeItem } : {}),
    ...(hours !== undefined ? { hours } : {}),
    ...(usageLimit !== undefined ? { usageLimit } : {}),
    ...(perMemberLimit !== undefined ? { perMemberLimit } : {}),
    ...(startsAt !== undefined ? { startsAt } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    // Server-owned: kept as the server last said (a new coupon starts at zero uses).
    usage: existing?.usage ?? { used: 0 },
    rev: existing?.rev ?? 0,
    updatedAt: now,
  } as CouponDoc);
}
