import { isoMs } from './instants.js';
import type { PointsLot } from './ledger-types.js';

/**
 * Points lots, first in first out.
 *
 * Every credit of points goes to a lot stamped with when it was earned (one lot per UTC day, see
 * `addPointsLot`); every debit (redemption, reversal by a refund, negative adjustment) takes the
 * oldest lots first; at instant T a lot
 * whose expiry instant (earnedAt plus `months` calendar months, UTC, day clamped to the end of
 * a shorter month) is at or before T loses what remains of it. The lots hold exactly the
 * positive part of the balance: a member in overdraft has no lots, and points earned while in
 * overdraft first pay the debt back. So expiry only ever removes points that were credited and
 * not yet spent, and never takes a balance below zero.
 */

/** `iso` plus `months` calendar months in UTC, the day clamped to the target month's last day. */
function addMonthsClamped(iso: string, months: number): number {
  const date = new Date(isoMs(iso));
  const targetMonth = date.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), targetMonth + 1, 0)).getUTCDate();
  return Date.UTC(
    date.getUTCFullYear(),
    targetMonth,
    Math.min(date.getUTCDate(), lastDay),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
    date.getUTCMilliseconds(),
  );
}

/** When a lot expires (ISO), or undefined when points never expire (`months` = 0). */
export function pointsLotExpiresAt(lot: PointsLot, months: number): string | undefined {
  return months > 0 ? new Date(addMonthsClamped(lot.earnedAt, months)).toISOString() : undefined;
}

const DAY_MS = 86_400_000;

/** The UTC calendar day of an instant (days since the epoch). */
function utcDay(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/**
 * Adds a lot, keeping lots ordered by when they were earned (ties: the new lot goes last).
 *
 * One lot per UTC calendar day: points earned on a day that already has a lot join it, and the
 * lot keeps the latest earning time of that day. So an account holds at most one lot per day
 * within the expiry window (however many checkouts a member makes), and points earned earlier
 * that day expire with the day's last earning — up to a day later than their own instant,
 * never earlier.
 */
export function addPointsLot(
  lots: readonly PointsLot[],
  earnedAt: string,
  points: number,
): PointsLot[] {
  if (points <= 0) return [...lots];
  const at = isoMs(earnedAt);
  const day = utcDay(at);
  // The last lot of that day, if any (lots are in earning order, so scan from the newest).
  for (let i = lots.length - 1; i >= 0; i--) {
    const lotAt = isoMs((lots[i] as PointsLot).earnedAt);
    const lotDay = utcDay(lotAt);
    if (lotDay < day) break;
    if (lotDay === day) {
      const lot = lots[i] as PointsLot;
      const merged: PointsLot = {
        earnedAt: lotAt >= at ? lot.earnedAt : earnedAt,
        remaining: lot.remaining + points,
      };
      return [...lots.slice(0, i), merged, ...lots.slice(i + 1)];
    }
  }
  const index = lots.findIndex((lot) => isoMs(lot.earnedAt) > at);
  const lot: PointsLot = { earnedAt, remaining: points };
  return index === -1 ? [...lots, lot] : [...lots.slice(0, index), lot, ...lots.slice(index)];
}

/** Takes `points` from the oldest lots first; returns the lots left and what was taken. */
export function consumePointsLots(
  lots: readonly PointsLot[],
  points: number,
): { lots: PointsLot[]; consumed: number } {
  let left = Math.max(0, points);
  const kept: PointsLot[] = [];
  for (const lot of lots) {
    const take = Math.min(left, lot.remaining);
    left -= take;
    if (lot.remaining > take)
      kept.push({ earnedAt: lot.earnedAt, remaining: lot.remaining - take });
  }
  return { lots: kept, consumed: Math.max(0, points) - left };
}

/** Removes what remains of every lot expired at `at`; returns the lots left and what expired. */
export function expirePointsLots(
  lots: readonly PointsLot[],
  months: number,
  at: string | number,
): { lots: PointsLot[]; expired: number } {
  if (months <= 0) return { lots: [...lots], expired: 0 };
  const atMs = typeof at === 'number' ? at : isoMs(at);
  let expired = 0;
  const kept: PointsLot[] = [];
  for (const lot of lots) {
    if (addMonthsClamped(lot.earnedAt, months) <= atMs) expired += lot.remaining;
    else kept.push(lot);
  }
  return { lots: kept, expired };
}

/** Total points held in lots. */
export function pointsInLots(lots: readonly PointsLot[]): number {
  return lots.reduce((sum, lot) => sum + lot.remaining, 0);
}
