/**
 * Planning a checkout from what the terminal knows: coupons validated, points redeemed within
 * the program's rules and the offline caps, points earned on what is paid. Pure: the terminal
 * gathers the facts, this decides.
 */
import {
  MAX_AMOUNT_MINOR,
  computeEarning,
  formatMoney,
  maxRedeemablePoints,
  planRedemption,
  refuse,
  ok,
  validateCoupon,
  validateMinorUnits,
} from '@tillpoint/loyalty';
import type {
  CouponApplication,
  CouponDefinition,
  EarningBreakdown,
  OrderLine,
  ProgramSettings,
  RedemptionMaximum,
  Result,
} from '@tillpoint/loyalty';
import { MAX_LINE_QUANTITY, MAX_ORDER_LINES, findUnstorableText } from '@tillpoint/protocol';
import type { CouponDoc } from '@tillpoint/protocol';
import type { LedgerView } from './ledger-view.js';
import type { CheckoutRefusalCode } from './refusals.js';
import { unstorableTextMessage } from './refusals.js';

export interface CheckoutInput {
  readonly memberId: string;
  /** Order total before any discount, minor units. */
  readonly orderTotal: number;
  readonly lines?: readonly OrderLine[];
  /** Coupon codes as typed, in the order they were applied. */
  readonly couponCodes?: readonly string[];
  /** Points the customer wants to pay with (0 or absent: none). */
  readonly redeemPoints?: number;
}

export interface CheckoutFacts {
  readonly program: ProgramSettings;
  readonly view: LedgerView;
  readonly coupons: readonly CouponDoc[];
  /** Uses of each coupon on this terminal the server has not acknowledged yet. */
  readonly pendingCouponUses: Readonly<Record<string, number>>;
  readonly storeId: string;
  readonly at: string;
  readonly offline: boolean;
  readonly lastContactAt?: string;
  readonly redeemedTodayOffline: number;
}

export interface CheckoutPlan {
  readonly memberId: string;
  readonly orderTotal: number;
  readonly lines?: readonly OrderLine[];
  readonly coupons: readonly CouponApplication[];
  readonly couponDiscount: number;
  /** The most points the member could redeem on this order now, and which rule sets it. */
  readonly maxRedeemable: RedemptionMaximum;
  readonly pointsRedeemed: number;
  readonly pointsDiscount: number;
  readonly amountPaid: number;
  readonly earning: EarningBreakdown;
  readonly pointsEarned: number;
  readonly balanceBefore: number;
  readonly balanceAfter: number;
  readonly offline: boolean;
}

type Refused = {
  readonly ok: false;
  readonly refusal: { code: CheckoutRefusalCode; message: string };
};

function invalidOrder(message: string, details?: Record<string, unknown>): Refused {
  return refuse('invalid-order', message, details) as Refused;
}

export function validateLines(lines: readonly OrderLine[] | undefined): string | undefined {
  if (lines === undefined) return undefined;
  if (!Array.isArray(lines) || lines.length > MAX_ORDER_LINES) {
    return `An order has at most ${MAX_ORDER_LINES} lines.`;
  }
  for (const [index, line] of lines.entries()) {
    if (!validateMinorUnits(line.amount).ok) {
      return `Line ${index + 1}: the amount must be a whole number of cents, 0 or more.`;
    }
    if (
      typeof line.quantity !== 'number' ||
      !Number.isFinite(line.quantity) ||
      line.quantity <= 0 ||
      line.quantity > MAX_LINE_QUANTITY
    ) {
      return `Line ${index + 1}: the quantity must be more than 0.`;
    }
    for (const field of ['sku', 'category'] as const) {
      const value = line[field];
      if (
        value !== undefined &&
        (typeof value !== 'string' || value.length < 1 || value.length > 64)
      ) {
        return `Line ${index + 1}: ${field} must be 1 to 64 characters.`;
      }
    }
    if (
      line.name !== undefined &&
      (typeof line.name !== 'string' || line.name.length < 1 || line.name.length > 120)
    ) {
      return `Line ${index + 1}: the name must be 1 to 120 characters.`;
    }
    const unstorable = findUnstorableText(line);
    if (unstorable) return `Line ${index + 1}: ${unstorableTextMessage(unstorable)}`;
  }
  return undefined;
}

export function planCheckout(
  facts: CheckoutFacts,
  input: CheckoutInput,
): Result<CheckoutPlan, CheckoutRefusalCode> {
  const { program, view } = facts;
  const total = validateMinorUnits(input.orderTotal);
  if (!total.ok) {
    return invalidOrder(
      total.refusal.code === 'amount-too-large'
        ? `The order total is larger than the till accepts (${formatMoney(MAX_AMOUNT_MINOR, program.currency)} at most).`
        : 'The order total must be a whole number of cents, 0 or more.',
      { reason: total.refusal.code },
    );
  }

  const linesProblem = validateLines(input.lines);
  if (linesProblem) return invalidOrder(linesProblem);
  const requested = input.redeemPoints ?? 0;
  if (!Number.isSafeInteger(requested) || requested < 0) {
    return refuse('invalid-points', 'Points to redeem must be a whole number, 0 or more.');
  }
  const codes = input.couponCodes ?? [];
  if (!Array.isArray(codes) || codes.some((code) => typeof code !== 'string')) {
    return invalidOrder('Coupon codes must be text.');
  }

  // Coupons, each validated against those applied before it.
  const definitions = facts.coupons as readonly CouponDefinition[];
  const applied: CouponApplication[] = [];
  const isNewMember = view.firstPurchase;
  for (const code of codes) {
    const result = validateCoupon({
      code,
      coupons: definitions,
      usage: { usedCount: 0, memberUses: 0 },
      member: { tierId: view.tierId, segments: view.account?.segments ?? [], isNewMember },
      store: { storeId: facts.storeId },
      order: { total: total.value, ...(input.lines ? { lines: input.lines } : {}) },
      at: facts.at,
      program,
      applied,
      offline: { offline: facts.offline },
    });
    if (!result.ok) return result as Refused;
    // Usage depends on which coupon the code found; check again with its real counts.
    const coupon = facts.coupons.find((candidate) => candidate.id === result.value.couponId);
    const usedCount =
      (coupon?.usage.used ?? 0) + (facts.pendingCouponUses[result.value.couponId] ?? 0);
    const memberUses = view.couponUses[result.value.couponId] ?? 0;
    if (usedCount > 0 || memberUses > 0) {
      const counted = validateCoupon({
        code,
        coupons: coupon ? [coupon] : definitions,
        usage: { usedCount, memberUses },
        member: { tierId: view.tierId, segments: view.account?.segments ?? [], isNewMember },
        store: { storeId: facts.storeId },
        order: { total: total.value, ...(input.lines ? { lines: input.lines } : {}) },
        at: facts.at,
        program,
        applied,
        offline: { offline: facts.offline },
      });
      if (!counted.ok) return counted as Refused;
    }
    applied.push(result.value);
  }
  const couponDiscount = applied.reduce((sum, coupon) => sum + coupon.discount, 0);
  const afterCoupons = total.value - couponDiscount;

  const limits = {
    program,
    balance: view.balance,
    orderTotal: afterCoupons,
    context: {
      offline: facts.offline,
      now: facts.at,
      redeemedTodayOffline: facts.redeemedTodayOffline,
      ...(facts.lastContactAt ? { lastContactAt: facts.lastContactAt } : {}),
    },
  };
  const maximum = maxRedeemablePoints(limits);
  if (!maximum.ok) return invalidOrder(maximum.refusal.message);
  let pointsRedeemed = 0;
  let pointsDiscount = 0;
  if (requested > 0) {
    const plan = planRedemption({ ...limits, points: requested });
    if (!plan.ok) {
      const code = plan.refusal.code;
      if (
        code === 'invalid-time' ||
        code === 'not-an-integer' ||
        code === 'negative-amount' ||
        code === 'amount-too-large'
      ) {
        return invalidOrder(plan.refusal.message);
      }
      return plan as Refused;
    }
    pointsRedeemed = plan.value.points;
    pointsDiscount = plan.value.discount;
  }
  const amountPaid = afterCoupons - pointsDiscount;

  const earning = computeEarning({
    program,
    member: {
      tierId: view.tierId,
      segments: view.account?.segments ?? [],
      firstPurchase: view.firstPurchase,
      referralInviteePending: view.firstPurchase && view.member.referredBy !== undefined,
      ...(view.member.birthday ? { birthday: view.member.birthday } : {}),
      birthdayBonusYears: view.birthdayBonusYears,
    },
    order: { amountPaid, ...(input.lines && input.lines.length > 0 ? { lines: input.lines } : {}) },
    at: facts.at,
  });
  if (!earning.ok) {
    if (earning.refusal.code === 'lines-do-not-add-up') return earning as Refused;
    return invalidOrder(earning.refusal.message, { reason: earning.refusal.code });
  }
  const pointsEarned = earning.value.total;
  return ok({
    memberId: view.member.id,
    orderTotal: total.value,
    ...(input.lines ? { lines: input.lines } : {}),
    coupons: applied,
    couponDiscount,
    maxRedeemable: maximum.value,
    pointsRedeemed,
    pointsDiscount,
    amountPaid,
    earning: earning.value,
    pointsEarned,
    balanceBefore: view.balance,
    balanceAfter: view.balance - pointsRedeemed + pointsEarned,
    offline: facts.offline,
  });
}
