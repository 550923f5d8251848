/**
 * Points earned at a checkout.
 *
 * The rule, in order:
 *
 * 1. Base: the amount paid after every discount, in whole units of currency, times
 *    `earning.pointsPerUnit` (1 point per dollar by default). Money paid with points earns
 *    nothing; pass what the customer actually paid.
 * 2. Lines: when the order's lines are given, the amount paid is spread over them in
 *    proportion to their amounts (their sum is the order before order-level discounts, so it
 *    must be at least the amount paid, or the order is refused with 'lines-do-not-add-up').
 *    Each line then earns its share times its own multipliers. An empty list of lines is the
 *    same as no lines: the whole order is one line without a category.
 * 3. Multipliers of a line: the member's tier multiplier; the category multiplier of the
 *    line's category (`earning.categoryMultipliers`); every campaign running at `at` that the
 *    member qualifies for and whose categories include the line's (a campaign without
 *    categories applies to every line). With `multiplierCombination: 'multiply'` they are
 *    all multiplied (Gold 1.5 × double-points weekend 2 = 3); with 'highest' only the largest
 *    applies (3 wins over 1.5 × 2).
 * 4. Rounding: points are computed exactly (decimal multipliers as exact fractions, shares of
 *    the amount as exact fractions, no floating point) and `earning.rounding` turns the
 *    order's total into whole points ONCE, at the very end. A line is never rounded alone, so
 *    ten lines of 0.5 points are 5 points, not 0 or 10. The whole-order sharing is exact for
 *    the same reason: it is not first rounded to cents, which would be a second rounding and
 *    would make points go down on some larger payments (Hamilton's "Alabama paradox").
 *    `linePaid` in the result gives the shares rounded to minor units (largest remainder)
 *    for receipts and refunds; they add up to the amount paid exactly.
 * 5. Bonuses, added after rounding: enrollment (when enrolled now), first purchase, the
 *    referral invitee bonus (first purchase of a member who was invited), and the birthday
 *    bonus: once per birthday (calendar year of the birthday), when `at` falls within
 *    `bonuses.birthdayWindowDays` days either side of the birthday, both taken as calendar
 *    days in `program.timeZone`, times the tier's `birthdayBonusMultiplier` (that product is
 *    rounded with the same rounding mode). A birthday on 29 February is celebrated on
 *    28 February in other years. The year of the birthday is returned as
 *    `birthdayBonusYear` and is what must be recorded in the account's `birthdayBonusYears`:
 *    for a birthday on 2 January, a purchase on 28 December counts for the next year.
 *
 * Campaigns run from `startsAt` (inclusive) to `endsAt` (exclusive), only when `active`, on
 * their weekdays and within their daily hours in `program.timeZone`. Hours run [from, to);
 * a window whose `to` is before its `from` spans midnight and belongs to the day it starts
 * on ("Friday 22:00–02:00" includes Saturday 01:30); `from` equal to `to` is all day.
 */
import type { BonusKind } from './ledger-types.js';
import {
  allocateProportionally,
  minorDigits,
  scaledDecimalOf,
  validateMinorUnits,
  type ScaledDecimal,
} from './money.js';
import {
  parseInstant,
  withinValidity,
  withinWeeklySchedule,
  zonedClock,
  type ZonedClock,
} from './offer-calendar.js';
import { tierById, type Campaign, type ProgramSettings, type Tier } from './program.js';
import { ok, refuse, type Result } from './result.js';

export interface EarningMember {
  readonly tierId: string;
  readonly segments?: readonly string[];
  /** The member enrolls with this transaction: the enrollment bonus is due. */
  readonly enrolledNow?: boolean;
  /** This is the member's first purchase. */
  readonly firstPurchase?: boolean;
  /** The member was invited with a referral code and the invitee bonus is not yet given. */
  readonly referralInviteePending?: boolean;
  /** "MM-DD", "--MM-DD" or "YYYY-MM-DD"; only month and day are used. */
  readonly birthday?: string;
  /** Years whose birthday bonus was already given (`Account.birthdayBonusYears`). */
  readonly birthdayBonusYears?: readonly number[];
}

export interface EarningLine {
  readonly category?: string;
  /** Line total in minor units before order-level discounts. */
  readonly amount: number;
}

export interface EarningOrder {
  /** What the customer paid after every discount, in minor units. */
  readonly amountPaid: number;
  readonly lines?: readonly EarningLine[];
}

export interface EarningInput {
  readonly program: ProgramSettings;
  readonly member: EarningMember;
  readonly order: EarningOrder;
  /** When the checkout happens: an ISO-8601 instant with an offset or Z. */
  readonly at: string;
}

export interface AppliedMultiplier {
  readonly kind: 'tier' | 'category' | 'campaign';
  /** Tier id, category name or campaign id. */
  readonly id: string;
  /** What to print: tier name, category, campaign name. */
  readonly name: string;
  readonly multiplier: number;
  /** Indexes of the lines it applied to; absent when the order had no lines. */
  readonly lineIndexes?: readonly number[];
}

export interface EarnedBonus {
  readonly kind: BonusKind;
  readonly points: number;
}

export interface EarningBreakdown {
  /** Amount paid times the earn rate, rounded: what the order earns without multipliers. */
  readonly basePoints: number;
  /** Points for the order after all multipliers, rounded once. */
  readonly multipliedPoints: number;
  /** Multipliers that changed something (a multiplier of 1 is left out). */
  readonly appliedMultipliers: readonly AppliedMultiplier[];
  /** Bonuses given, never with zero points. */
  readonly bonuses: readonly EarnedBonus[];
  /** multipliedPoints plus every bonus. */
  readonly total: number;
  /** The amount paid spread over the lines in minor units (only when lines were given). */
  readonly linePaid?: readonly number[];
  /** The birthday's calendar year when the birthday bonus was given. */
  readonly birthdayBonusYear?: number;
}

export type EarningRefusalCode =
  | 'not-an-integer'
  | 'negative-amount'
  | 'amount-too-large'
  | 'lines-do-not-add-up'
  | 'unknown-tier'
  | 'invalid-time'
  | 'invalid-birthday'
  | 'points-too-large';

/** Points an order earns, with the breakdown for the receipt; see the rule at the top. */
export function computeEarning(input: EarningInput): Result<EarningBreakdown, EarningRefusalCode> {
  const { program, member, order, at } = input;
  const instant = parseInstant(at);
  if (instant === undefined) return refuseTime(at);

  const paid = validateMinorUnits(order.amountPaid);
  if (!paid.ok) return paid;
  const amountPaid = paid.value;
  const lines = order.lines ?? [];
  let lineSum = 0;
  for (const [index, line] of lines.entries()) {
    const amount = validateMinorUnits(line.amount);
    if (!amount.ok) {
      return refuse(amount.refusal.code, `Line ${index + 1}: ${amount.refusal.message}`, {
        ...amount.refusal.details,
        line: index,
      });
    }
    lineSum += amount.value;
  }
  if (lines.length > 0 && lineSum < amountPaid) {
    return refuse(
      'lines-do-not-add-up',
      'The order lines add up to less than the amount paid, so points cannot be shared over them.',
      { linesTotal: lineSum, amountPaid },
    );
  }

  const tier = tierById(program, member.tierId);
  if (!tier) {
    return refuse('unknown-tier', `The member's tier "${member.tierId}" is not in the program.`, {
      tierId: member.tierId,
    });
  }
  let birthday: MonthDay | undefined;
  if (member.birthday !== undefined) {
    birthday = parseMonthDay(member.birthday);
    if (!birthday) {
      return refuse('invalid-birthday', `"${member.birthday}" is not a birthday date.`, {
        birthday: member.birthday,
      });
    }
  }

  const local = zonedClock(instant, program.timeZone);
  const campaigns = program.campaigns.filter((campaign) =>
    campaignRunsFor(campaign, instant, local, member),
  );
  const earnRate = scaledDecimalOf(program.earning.pointsPerUnit);
  const currencyScale = minorDigits(program.currency);

  // Each line's exact points are amountPaid * weight / weightSum * rate * factor / 10^currencyScale.
  const pseudoLines: readonly EarningLine[] = lines.length > 0 ? lines : [{ amount: amountPaid }];
  const weightSum = BigInt(lines.length > 0 ? lineSum : amountPaid);
  const applied = new Map<string, AppliedMultiplier & { lineIndexes: number[] }>();
  let exact: Fraction = { numerator: 0n, denominator: 1n };
  pseudoLines.forEach((line, index) => {
    if (line.amount === 0 || amountPaid === 0) return;
    const { factor, used } = combineMultipliers(
      lineMultipliers(program, tier, campaigns, line.category),
      program.earning.multiplierCombination,
    );
    for (const multiplier of used) {
      const key = `${multiplier.kind}:${multiplier.id}`;
      const entry = applied.get(key) ?? { ...multiplier, lineIndexes: [] };
      entry.lineIndexes.push(index);
      applied.set(key, entry);
    }
    exact = addFractions(exact, {
      numerator: BigInt(amountPaid) * BigInt(line.amount) * earnRate.digits * factor.digits,
      denominator: weightSum * 10n ** BigInt(currencyScale + earnRate.scale + factor.scale),
    });
  });

  const rounding = program.earning.rounding;
  const multipliedPoints = roundFraction(exact, rounding);
  const basePoints = roundFraction(
    {
      numerator: BigInt(amountPaid) * earnRate.digits,
      denominator: 10n ** BigInt(currencyScale + earnRate.scale),
    },
    rounding,
  );

  const bonuses: EarnedBonus[] = [];
  const addBonus = (kind: BonusKind, points: number): void => {
    if (points > 0) bonuses.push({ kind, points });
  };
  if (member.enrolledNow) addBonus('enrollment', program.bonuses.enrollment);
  if (member.firstPurchase) {
    addBonus('first-purchase', program.bonuses.firstPurchase);
    if (member.referralInviteePending) {
      addBonus('referral-invitee', program.bonuses.referralInvitee);
    }
  }
  let birthdayBonusYear: number | undefined;
  if (birthday) {
    const year = birthdayYearWithin(birthday, local, program.bonuses.birthdayWindowDays);
    if (year !== undefined && !(member.birthdayBonusYears ?? []).includes(year)) {
      const multiplier = scaledDecimalOf(tier.birthdayBonusMultiplier);
      const points = roundFraction(
        {
          numerator: BigInt(program.bonuses.birthday) * multiplier.digits,
          denominator: 10n ** BigInt(multiplier.scale),
        },
        rounding,
      );
      if (points > 0) {
        addBonus('birthday', points);
        birthdayBonusYear = year;
      }
    }
  }

  const total = bonuses.reduce((sum, bonus) => sum + bonus.points, multipliedPoints);
  if (!Number.isSafeInteger(total)) {
    return refuse('points-too-large', 'The points for this order are too large to record.', {
      total: String(total),
    });
  }
  const breakdown: EarningBreakdown = {
    basePoints,
    multipliedPoints,
    appliedMultipliers: [...applied.values()].map(({ lineIndexes, ...multiplier }) =>
      lines.length > 0 ? { ...multiplier, lineIndexes } : multiplier,
    ),
    bonuses,
    total,
    ...(lines.length > 0
      ? {
          linePaid:
            lineSum > 0
              ? allocateProportionally(
                  amountPaid,
                  lines.map((line) => line.amount),
                )
              : lines.map(() => 0),
        }
      : {}),
    ...(birthdayBonusYear !== undefined ? { birthdayBonusYear } : {}),
  };
  return ok(breakdown);
}

type CandidateMultiplier = Omit<AppliedMultiplier, 'lineIndexes'>;

function lineMultipliers(
  program: ProgramSettings,
  tier: Tier,
  campaigns: readonly Campaign[],
  category: string | undefined,
): CandidateMultiplier[] {
  const candidates: CandidateMultiplier[] = [
    { kind: 'tier', id: tier.id, name: tier.name, multiplier: tier.multiplier },
  ];
  const categoryMultiplier =
    category === undefined ? undefined : program.earning.categoryMultipliers[category];
  if (category !== undefined && categoryMultiplier !== undefined) {
    candidates.push({
      kind: 'category',
      id: category,
      name: category,
      multiplier: categoryMultiplier,
    });
  }
  for (const campaign of campaigns) {
    if (
      campaign.categories.length === 0 ||
      (category !== undefined && campaign.categories.includes(category))
    ) {
      candidates.push({
        kind: 'campaign',
        id: campaign.id,
        name: campaign.name,
        multiplier: campaign.multiplier,
      });
    }
  }
  return candidates;
}

/** The combined factor and the multipliers that made it (ones of exactly 1 left out). */
function combineMultipliers(
  candidates: readonly CandidateMultiplier[],
  combination: ProgramSettings['earning']['multiplierCombination'],
): { factor: ScaledDecimal; used: CandidateMultiplier[] } {
  if (combination === 'highest') {
    // The tier multiplier is always a candidate, so there is a highest; ties go to the first.
    const highest = candidates.reduce((best, candidate) =>
      candidate.multiplier > best.multiplier ? candidate : best,
    );
    return {
      factor: scaledDecimalOf(highest.multiplier),
      used: highest.multiplier === 1 ? [] : [highest],
    };
  }
  let factor: ScaledDecimal = { digits: 1n, scale: 0 };
  for (const candidate of candidates) {
    const next = scaledDecimalOf(candidate.multiplier);
    factor = { digits: factor.digits * next.digits, scale: factor.scale + next.scale };
  }
  return { factor, used: candidates.filter((candidate) => candidate.multiplier !== 1) };
}

function campaignRunsFor(
  campaign: Campaign,
  instant: number,
  local: ZonedClock,
  member: EarningMember,
): boolean {
  if (!campaign.active) return false;
  if (!withinValidity(campaign.startsAt, campaign.endsAt, instant)) return false;
  if (campaign.tiers.length > 0 && !campaign.tiers.includes(member.tierId)) return false;
  if (
    campaign.segments.length > 0 &&
    !campaign.segments.some((segment) => (member.segments ?? []).includes(segment))
  ) {
    return false;
  }
  return withinWeeklySchedule(campaign.weekdays, campaign.hours, local);
}

/**
 * Epoch milliseconds of an ISO-8601 instant with an offset or Z, or undefined (see
 * `parseInstant`); exported under this name for the package's users.
 */
export const parseIsoInstant = parseInstant;

// ---------------------------------------------------------------------------------------
// Birthdays

interface MonthDay {
  readonly month: number;
  readonly day: number;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function parseMonthDay(text: string): MonthDay | undefined {
  const match = /^(?:\d{4}-|--)?(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const month = Number(match[1]);
  const day = Number(match[2]);
  const maxDay = DAYS_IN_MONTH[month - 1];
  if (maxDay === undefined || day < 1 || day > maxDay) return undefined;
  if (text.length === 10 && month === 2 && day === 29 && !isLeapYear(Number(text.slice(0, 4)))) {
    return undefined;
  }
  return { month, day };
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days since 1970-01-01 of a calendar date (Date.UTC computes; it reads no clock). */
function daysFromCivil(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) / 86_400_000;
}

/**
 * The year of the birthday whose window contains the local date, or undefined. The windows
 * of consecutive years never overlap (at most 31 days each side), so there is at most one.
 */
function birthdayYearWithin(
  birthday: MonthDay,
  local: ZonedClock,
  windowDays: number,
): number | undefined {
  const today = daysFromCivil(local.year, local.month, local.day);
  for (const year of [local.year - 1, local.year, local.year + 1]) {
    const day =
      birthday.month === 2 && birthday.day === 29 && !isLeapYear(year) ? 28 : birthday.day;
    if (Math.abs(daysFromCivil(year, birthday.month, day) - today) <= windowDays) return year;
  }
  return undefined;
}

/**
 * The calendar year of the birthday whose bonus window contains `at` (in the program's time
 * zone), or undefined outside every window. For the ledger fold: it is the year to record in
 * `birthdayBonusYears` for a birthday bonus given at `at`.
 */
export function birthdayBonusYearAt(
  birthday: string,
  at: string,
  program: ProgramSettings,
): number | undefined {
  const monthDay = parseMonthDay(birthday);
  const instant = parseInstant(at);
  if (!monthDay || instant === undefined) return undefined;
  return birthdayYearWithin(
    monthDay,
    zonedClock(instant, program.timeZone),
    program.bonuses.birthdayWindowDays,
  );
}

// ---------------------------------------------------------------------------------------
// Exact fractions

interface Fraction {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

/** Sums two fractions; denominators here differ by powers of ten, so one divides the other. */
function addFractions(a: Fraction, b: Fraction): Fraction {
  if (b.denominator % a.denominator === 0n) {
    return {
      numerator: a.numerator * (b.denominator / a.denominator) + b.numerator,
      denominator: b.denominator,
    };
  }
  if (a.denominator % b.denominator === 0n) return addFractions(b, a);
  /* c8 ignore next 4 -- general case, kept so the helper is correct for any input */
  return {
    numerator: a.numerator * b.denominator + b.numerator * a.denominator,
    denominator: a.denominator * b.denominator,
  };
}

/** A non-negative fraction to a whole number: floor, half up, or ceiling. */
function roundFraction(
  { numerator, denominator }: Fraction,
  mode: ProgramSettings['earning']['rounding'],
): number {
  const whole =
    mode === 'floor'
      ? numerator / denominator
      : mode === 'ceil'
        ? (numerator + denominator - 1n) / denominator
        : (2n * numerator + denominator) / (2n * denominator);
  return Number(whole);
}

function refuseTime(at: string): Result<never, EarningRefusalCode> {
  return refuse('invalid-time', `"${at}" is not a time with a time zone offset.`, { at });
}
