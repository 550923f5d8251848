import type { QualificationPeriod, TierProgress } from './ledger-types.js';
import type { ProgramSettings, Tier } from './program.js';

/**
 * Tiers.
 *
 * A member's tier is the highest tier whose thresholds the member's qualifying figures meet:
 * lifetime points ('lifetime-points' mode), or spend and orders together ('spend-and-orders').
 *
 * Without re-qualification the qualifying figures are the lifetime ones and tiers only go up:
 * activity upgrades at once, and nothing (refunds, negative adjustments) takes a tier away.
 *
 * With `requalification.enabled` the qualifying figures are those of the running period.
 * Periods are calendar periods of `periodMonths` months in UTC, aligned to 1 January 1970, so
 * with 12 months a period is a calendar year and with 6 a half year. Within a period a member
 * goes up as soon as the period's figures reach a higher tier (never down). At each period
 * boundary the tier is set to the tier the ended period's figures reach, which may be lower
 * (or higher) than before, and the figures start again from zero; a period without activity
 * leads to the first tier. Figures count in the period the ledger clock is in when the server
 * applies the transaction (a transaction made offline before a boundary and pushed after it
 * counts for the new period).
 */

export interface TierStats {
  /** Lifetime points (earned minus reversed). */
  readonly lifetime: number;
  /** Lifetime spend, minor units. */
  readonly spend: number;
  /** Lifetime orders (visits). */
  readonly orders: number;
  /** Figures of the running qualification period; used only when tiers re-qualify. */
  readonly periodLifetime?: number;
  readonly periodSpend?: number;
  readonly periodOrders?: number;
}

interface QualifyingFigures {
  readonly lifetime: number;
  readonly spend: number;
  readonly orders: number;
}

function qualifyingFigures(program: ProgramSettings, stats: TierStats): QualifyingFigures {
  if (program.tiers.requalification.enabled) {
    return {
      lifetime: stats.periodLifetime ?? 0,
      spend: stats.periodSpend ?? 0,
      orders: stats.periodOrders ?? 0,
    };
  }
  return { lifetime: stats.lifetime, spend: stats.spend, orders: stats.orders };
}

function qualifies(program: ProgramSettings, tier: Tier, figures: QualifyingFigures): boolean {
  return program.tiers.mode === 'lifetime-points'
    ? figures.lifetime >= tier.minLifetimePoints
    : figures.spend >= tier.minSpend && figures.orders >= tier.minOrders;
}

function firstTier(program: ProgramSettings): Tier {
  // The schema requires at least one tier.
  return program.tiers.list[0]!;
}

/** The id of the highest tier the member's qualifying figures reach. */
export function evaluateTier(program: ProgramSettings, stats: TierStats): string {
  const figures = qualifyingFigures(program, stats);
  let reached = firstTier(program);
  for (const tier of program.tiers.list) {
    if (qualifies(program, tier, figures)) reached = tier;
  }
  return reached.id;
}

/** Position of a tier in the program, lowest first; -1 for a tier the program no longer has. */
export function tierRank(program: ProgramSettings, tierId: string): number {
  return program.tiers.list.findIndex((tier) => tier.id === tierId);
}

/** Orders two tiers: negative when `a` is lower than `b`, 0 when equal, positive when higher. */
export function compareTiers(program: ProgramSettings, a: string, b: string): number {
  return tierRank(program, a) - tierRank(program, b);
}

/**
 * The tier after activity: the higher of the current tier and the tier the figures reach.
 * A current tier the program no longer lists counts as the lowest.
 */
export function upgradeTier(
  program: ProgramSettings,
  currentTierId: string,
  stats: TierStats,
): string {
  const evaluated = evaluateTier(program, stats);
  return compareTiers(program, evaluated, currentTierId) > 0 ? evaluated : currentTierId;
}

/**
 * What the member still needs for the tier above `currentTierId` (default: the tier the figures
 * reach). Empty at the top tier. Needs are never negative.
 */
export function tierProgress(
  program: ProgramSettings,
  stats: TierStats,
  currentTierId: string = evaluateTier(program, stats),
): TierProgress {
  const next = program.tiers.list[tierRank(program, currentTierId) + 1];
  if (!next) return {};
  const figures = qualifyingFigures(program, stats);
  if (program.tiers.mode === 'lifetime-points') {
    return {
      nextTierId: next.id,
      pointsNeeded: Math.max(0, next.minLifetimePoints - figures.lifetime),
    };
  }
  return {
    nextTierId: next.id,
    spendNeeded: Math.max(0, next.minSpend - figures.spend),
    ordersNeeded: Math.max(0, next.minOrders - figures.orders),
  };
}

function monthIndex(ms: number): number {
  const date = new Date(ms);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}

function monthIndexStart(index: number): number {
  return Date.UTC(Math.floor(index / 12), ((index % 12) + 12) % 12, 1);
}

/** Start (ISO, UTC) of the qualification period that contains `at`. */
export function qualificationPeriodStart(program: ProgramSettings, at: string | number): string {
  const months = program.tiers.requalification.periodMonths;
  const index = monthIndex(typeof at === 'number' ? at : Date.parse(at));
  const startIndex = index - (((index % months) + months) % months);
  return new Date(monthIndexStart(startIndex)).toISOString();
}

function nextPeriodStart(program: ProgramSettings, start: string): number {
  return monthIndexStart(
    monthIndex(Date.parse(start)) + program.tiers.requalification.periodMonths,
  );
}

export interface Requalified {
  readonly tierId: string;
  readonly qualification: QualificationPeriod;
}

/**
 * Moves the qualification period forward to the period containing `at`, re-evaluating the tier
 * at every boundary crossed on the figures of the period that ended there (see the top of this
 * file). A missing period starts, empty, at the period containing `at` and keeps the tier.
 * Moving backwards changes nothing.
 */
export function requalifyTier(
  program: ProgramSettings,
  tierId: string,
  qualification: QualificationPeriod | undefined,
  at: string | number,
): Requalified {
  const atMs = typeof at === 'number' ? at : Date.parse(at);
  if (!qualification) {
    return {
      tierId,
      qualification: {
        start: qualificationPeriodStart(program, atMs),
        lifetime: 0,
        spend: 0,
        orders: 0,
      },
    };
  }
  const boundary = nextPeriodStart(program, qualification.start);
  if (atMs < boundary) return { tierId, qualification };
  const ended: TierStats = {
    lifetime: 0,
    spend: 0,
    orders: 0,
    periodLifetime: qualification.lifetime,
    periodSpend: qualification.spend,
    periodOrders: qualification.orders,
  };
  const afterFirstBoundary = evaluateTier(program, ended);
  const start = qualificationPeriodStart(program, atMs);
  // More than one boundary crossed: the periods in between had no activity.
  const crossedMore = Date.parse(start) > boundary;
  return {
    tierId: crossedMore ? firstTier(program).id : afterFirstBoundary,
    qualification: { start, lifetime: 0, spend: 0, orders: 0 },
  };
}
