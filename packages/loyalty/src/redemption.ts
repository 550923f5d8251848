/**
 * Paying part of an order with points at the till.
 *
 * Value: `redemption.pointsPerUnit` points make one whole unit of currency (100 points =
 * 1.00 USD, i.e. 1 point = 1 cent; 100 points = 1 yen). Points are redeemed only in steps
 * that buy a whole number of minor units: the smallest step is
 * `pointsPerUnit / gcd(pointsPerUnit, minor units per unit)` (1 point for USD, 100 points for
 * JPY). A request off the step is refused with 'points-not-whole-discount' rather than
 * rounded down, because rounding would take points from the member and give nothing for
 * them; the refusal says the nearest amount that works, and `maxRedeemablePoints` is always
 * on a step.
 *
 * A request is checked in this order, and the first rule it breaks is the refusal:
 * 1. offline for `offline.maxOfflineHours` or more (or never in contact): 'offline-too-long';
 * 2. fewer than `redemption.minimumPoints`: 'below-minimum-redemption';
 * 3. off the step: 'points-not-whole-discount';
 * 4. more than the provisional balance: 'insufficient-points';
 * 5. a discount above `maxOrderSharePercent` of the order (after coupons, rounded down to a
 *    minor unit): 'exceeds-order-share';
 * 6. offline, more than `offline.maxPointsPerCheckout`: 'offline-checkout-cap';
 * 7. offline, the member's offline redemptions today plus this one above
 *    `offline.maxPointsPerMemberPerDay`: 'offline-daily-cap'.
 * Every one of these refusals carries `details.maxPoints`, the most that would be accepted,
 * so the till can offer it. Redeeming zero points is always accepted (no discount).
 */
import { parseInstant } from './offer-calendar.js';
import { formatMoney, minorUnitsPerUnit, validateMinorUnits } from './money.js';
import type { ProgramSettings } from './program.js';
import { ok, refuse, type Result } from './result.js';

export interface RedemptionOfflineContext {
  /** The terminal cannot reach the server right now. */
  readonly offline: boolean;
  /** Last successful contact with the server (ISO instant with offset). */
  readonly lastContactAt?: string;
  /** The terminal's current time (ISO instant with offset). */
  readonly now: string;
  /** Points this member redeemed offline today on this terminal, before this checkout. */
  readonly redeemedTodayOffline: number;
}

export interface RedemptionLimitsInput {
  readonly program: ProgramSettings;
  /** Provisional balance: the server's balance plus this terminal's unapplied transactions. */
  readonly balance: number;
  /** Order total after coupons, in minor units. */
  readonly orderTotal: number;
  readonly context: RedemptionOfflineContext;
}

export interface RedemptionInput extends RedemptionLimitsInput {
  /** Points the member wants to redeem. */
  readonly points: number;
}

export interface RedemptionPlan {
  readonly points: number;
  /** Discount the points buy, in minor units. */
  readonly discount: number;
}

/** The rule that sets the maximum. */
export type RedemptionLimit =
  'balance' | 'order-share' | 'offline-checkout-cap' | 'offline-daily-cap' | 'offline-too-long';

export interface RedemptionMaximum extends RedemptionPlan {
  readonly limitedBy: RedemptionLimit;
  /** Whether the maximum is zero because it would fall below `minimumPoints`. */
  readonly belowMinimum: boolean;
}

export type RedemptionRefusalCode =
  | 'invalid-points'
  | 'not-an-integer'
  | 'negative-amount'
  | 'amount-too-large'
  | 'invalid-time'
  | 'offline-too-long'
  | 'below-minimum-redemption'
  | 'points-not-whole-discount'
  | 'insufficient-points'
  | 'exceeds-order-share'
  | 'offline-checkout-cap'
  | 'offline-daily-cap';

/** The smallest number of points that buys a whole number of minor units. */
export function redemptionStep(program: ProgramSettings): number {
  const pointsPerUnit = program.redemption.pointsPerUnit;
  return pointsPerUnit / gcd(pointsPerUnit, minorUnitsPerUnit(program.currency));
}

/**
 * The discount `points` buy, in minor units, rounded down to a whole minor unit (exact when
 * `points` is a multiple of `redemptionStep`).
 * @throws RangeError when `points` is not a non-negative safe integer.
 */
export function pointsToDiscount(points: number, program: ProgramSettings): number {
  if (!Number.isSafeInteger(points) || points < 0) {
    throw new RangeError(`points must be a non-negative safe integer, got ${points}`);
  }
  return Number(
    (BigInt(points) * BigInt(minorUnitsPerUnit(program.currency))) /
      BigInt(program.redemption.pointsPerUnit),
  );
}

/** Checks a request to redeem points and says what discount it buys. */
export function planRedemption(
  input: RedemptionInput,
): Result<RedemptionPlan, RedemptionRefusalCode> {
  const { program, points } = input;
  if (!Number.isSafeInteger(points) || points < 0) {
    return refuse('invalid-points', 'Points to redeem must be a whole number, 0 or more.', {
      points: String(points),
    });
  }
  const limits = computeLimits(input);
  if (!limits.ok) return limits;
  if (points === 0) return ok({ points: 0, discount: 0 });
  const max = limits.value;
  const maxPoints = max.maximum.points;
  const details = (extra: Record<string, unknown> = {}) => ({ maxPoints, ...extra });

  if (max.tooLong) {
    return refuse(
      'offline-too-long',
      `Points cannot be redeemed: this till has not reached the server for ${program.offline.maxOfflineHours} hours or more. Redeem once it is back online.`,
      details({ maxOfflineHours: program.offline.maxOfflineHours }),
    );
  }
  const minimum = program.redemption.minimumPoints;
  if (points < minimum) {
    return refuse(
      'below-minimum-redemption',
      `At least ${minimum} points must be redeemed at a time.`,
      details({ minimumPoints: minimum }),
    );
  }
  const step = max.step;
  if (points % step !== 0) {
    const suggestedPoints = points - (points % step);
    return refuse(
      'points-not-whole-discount',
      `Points are redeemed in steps of ${step}. Try ${suggestedPoints} or ${suggestedPoints + step}.`,
      details({ step, suggestedPoints }),
    );
  }
  if (points > input.balance) {
    return refuse(
      'insufficient-points',
      input.balance > 0
        ? `The member has only ${input.balance} points.`
        : 'The member has no points to redeem.',
      details({ balance: input.balance }),
    );
  }
  const discount = pointsToDiscount(points, program);
  if (discount > max.maxDiscount) {
    return refuse(
      'exceeds-order-share',
      `Points can pay at most ${program.redemption.maxOrderSharePercent}% of this order: ${formatMoney(max.maxDiscount, program.currency)}.`,
      details({ maxDiscount: max.maxDiscount, maxOrderPoints: max.orderSharePoints }),
    );
  }
  if (input.context.offline) {
    const cap = program.offline.maxPointsPerCheckout;
    if (points > cap) {
      return refuse(
        'offline-checkout-cap',
        `While the till is offline, at most ${cap} points can be redeemed per checkout.`,
        details({ cap }),
      );
    }
    const dailyCap = program.offline.maxPointsPerMemberPerDay;
    if (input.context.redeemedTodayOffline + points > dailyCap) {
      const remaining = Math.max(0, dailyCap - input.context.redeemedTodayOffline);
      return refuse(
        'offline-daily-cap',
        `While the till is offline, a member can redeem at most ${dailyCap} points a day; ${remaining} are left today.`,
        details({ cap: dailyCap, remaining }),
      );
    }
  }
  return ok({ points, discount });
}

/**
 * The most points the member can redeem on this order under every rule: what the till shows
 * as "max". Always a multiple of `redemptionStep`, and either 0 or at least `minimumPoints`;
 * `planRedemption` accepts it.
 */
export function maxRedeemablePoints(
  input: RedemptionLimitsInput,
): Result<RedemptionMaximum, RedemptionRefusalCode> {
  const limits = computeLimits(input);
  return limits.ok ? ok(limits.value.maximum) : limits;
}

interface Limits {
  readonly step: number;
  readonly maxDiscount: number;
  readonly orderSharePoints: number;
  readonly tooLong: boolean;
  readonly maximum: RedemptionMaximum;
}

function computeLimits(input: RedemptionLimitsInput): Result<Limits, RedemptionRefusalCode> {
  const { program, balance, context } = input;
  if (!Number.isSafeInteger(balance)) {
    return refuse('invalid-points', 'The points balance must be a whole number.', {
      balance: String(balance),
    });
  }
  if (!Number.isSafeInteger(context.redeemedTodayOffline) || context.redeemedTodayOffline < 0) {
    return refuse(
      'invalid-points',
      'Points redeemed offline today must be a whole number, 0 or more.',
      { redeemedTodayOffline: String(context.redeemedTodayOffline) },
    );
  }
  const total = validateMinorUnits(input.orderTotal);
  if (!total.ok) return total;
  const now = parseInstant(context.now);
  if (now === undefined) return refuseTime(context.now);
  let lastContact: number | undefined;
  if (context.lastContactAt !== undefined) {
    lastContact = parseInstant(context.lastContactAt);
    if (lastContact === undefined) return refuseTime(context.lastContactAt);
  }

  const step = redemptionStep(program);
  const pointsPerUnit = BigInt(program.redemption.pointsPerUnit);
  const minorPerUnit = BigInt(minorUnitsPerUnit(program.currency));
  const maxDiscount = Math.floor((total.value * program.redemption.maxOrderSharePercent) / 100);
  const orderSharePoints = floorToStep(
    Number((BigInt(maxDiscount) * pointsPerUnit) / minorPerUnit),
    step,
  );
  const tooLong =
    context.offline &&
    (lastContact === undefined || now - lastContact >= program.offline.maxOfflineHours * 3_600_000);

  const candidates: { limit: RedemptionLimit; points: number }[] = tooLong
    ? [{ limit: 'offline-too-long', points: 0 }]
    : [
        { limit: 'balance', points: balance },
        { limit: 'order-share', points: orderSharePoints },
      ];
  if (context.offline && !tooLong) {
    candidates.push(
      { limit: 'offline-checkout-cap', points: program.offline.maxPointsPerCheckout },
      {
        limit: 'offline-daily-cap',
        points: program.offline.maxPointsPerMemberPerDay - context.redeemedTodayOffline,
      },
    );
  }
  const binding = candidates.reduce((lowest, candidate) =>
    candidate.points < lowest.points ? candidate : lowest,
  );
  const onStep = floorToStep(Math.max(0, binding.points), step);
  const belowMinimum = onStep < program.redemption.minimumPoints;
  const points = belowMinimum ? 0 : onStep;
  return ok({
    step,
    maxDiscount,
    orderSharePoints,
    tooLong,
    maximum: {
      points,
      discount: pointsToDiscount(points, program),
      limitedBy: binding.limit,
      belowMinimum: belowMinimum && onStep > 0,
    },
  });
}

function floorToStep(points: number, step: number): number {
  return points - (points % step);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function refuseTime(text: string): Result<never, RedemptionRefusalCode> {
  return refuse('invalid-time', `"${text}" is not a time with a time zone offset.`, {
    at: text,
  });
}
