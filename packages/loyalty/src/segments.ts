import { isoMs } from './instants.js';
import type { Account } from './ledger-types.js';
import type { ProgramSettings, SegmentDefinition, SegmentRule } from './program.js';

/**
 * Auto-tags and custom segments, evaluated at a given instant. Days are elapsed 24-hour days
 * (not calendar days), so the result does not depend on a time zone.
 */

export const AUTO_TAGS = ['high-value', 'frequent-visitor', 'new-customer', 'dormant'] as const;
export type AutoTag = (typeof AUTO_TAGS)[number];

/** The account figures tags and segments look at; an `Account` has them all. */
export type SegmentStats = Pick<
  Account,
  | 'balance'
  | 'lifetime'
  | 'visits'
  | 'spend'
  | 'averageOrder'
  | 'tierId'
  | 'firstVisit'
  | 'lastVisit'
>;

const DAY_MS = 86_400_000;

function toMs(instant: string | number): number {
  return typeof instant === 'number' ? instant : isoMs(instant);
}

/** Whole days from `from` to `now` (rounded down); undefined without `from`. */
function daysSince(from: string | undefined, now: number): number | undefined {
  if (from === undefined) return undefined;
  return Math.floor((now - isoMs(from)) / DAY_MS);
}

/**
 * The behaviour tags of seed 001, in a fixed order: 'high-value' (average order above the
 * threshold), 'frequent-visitor' (more visits than the threshold), 'new-customer' (first visit
 * less than `newMemberDays` ago), 'dormant' (last visit more than `dormantDays` ago). A member
 * without a visit is neither new nor dormant.
 */
export function autoTags(
  program: ProgramSettings,
  stats: Pick<SegmentStats, 'averageOrder' | 'visits' | 'firstVisit' | 'lastVisit'>,
  now: string | number,
): AutoTag[] {
  const nowMs = toMs(now);
  const thresholds = program.autoTags;
  const tags: AutoTag[] = [];
  if (stats.averageOrder > thresholds.highValueAverageOrder) tags.push('high-value');
  if (stats.visits > thresholds.frequentVisitorVisits) tags.push('frequent-visitor');
  if (
    stats.firstVisit !== undefined &&
    nowMs - isoMs(stats.firstVisit) < thresholds.newMemberDays * DAY_MS
  ) {
    tags.push('new-customer');
  }
  if (
    stats.lastVisit !== undefined &&
    nowMs - isoMs(stats.lastVisit) > thresholds.dormantDays * DAY_MS
  ) {
    tags.push('dormant');
  }
  return tags;
}

function compare(op: 'gte' | 'lte' | 'gt' | 'lt' | 'eq', actual: number, value: number): boolean {
  switch (op) {
    case 'gte':
      return actual >= value;
    case 'lte':
      return actual <= value;
    case 'gt':
      return actual > value;
    case 'lt':
      return actual < value;
    case 'eq':
      return actual === value;
  }
}

function ruleHolds(
  rule: SegmentRule,
  stats: SegmentStats,
  tags: readonly string[],
  now: number,
): boolean {
  switch (rule.field) {
    case 'tier':
      return rule.value.includes(stats.tierId);
    case 'autoTag':
      return rule.op === 'has' ? tags.includes(rule.value) : !tags.includes(rule.value);
    case 'daysSinceLastVisit':
    case 'daysSinceFirstVisit': {
      const days = daysSince(
        rule.field === 'daysSinceLastVisit' ? stats.lastVisit : stats.firstVisit,
        now,
      );
      // A member who never visited has no such figure, so no comparison holds.
      return days !== undefined && compare(rule.op, days, rule.value);
    }
    default:
      return compare(rule.op, stats[rule.field], rule.value);
  }
}

/** Ids of the segments whose rules all hold, in the order the program lists them. */
export function evaluateSegments(
  segments: readonly SegmentDefinition[],
  stats: SegmentStats,
  tags: readonly string[],
  now: string | number,
): string[] {
  const nowMs = toMs(now);
  return segments
    .filter((segment) => segment.rules.every((rule) => ruleHolds(rule, stats, tags, nowMs)))
    .map((segment) => segment.id);
}
