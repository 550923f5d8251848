import { describe, expect, it } from 'vitest';
import { DEFAULT_PROGRAM } from './program.js';
import type { SegmentDefinition } from './program.js';
import type { SegmentStats } from './segments.js';
import { autoTags, evaluateSegments } from './segments.js';

const NOW = '2025-06-01T12:00:00.000Z';
const daysAgo = (days: number) => new Date(Date.parse(NOW) - days * 86_400_000).toISOString();

const member: SegmentStats = {
  balance: 1_200,
  lifetime: 3_000,
  visits: 10,
  spend: 400_00,
  averageOrder: 40_00,
  tierId: 'gold',
  firstVisit: daysAgo(200),
  lastVisit: daysAgo(10),
};

describe('autoTags (seed 001 thresholds)', () => {
  it.each([
    ['average order above 50.00', { averageOrder: 50_01 }, ['high-value']],
    ['average order of exactly 50.00', { averageOrder: 50_00 }, []],
    ['more than 20 visits', { visits: 21 }, ['frequent-visitor']],
    ['exactly 20 visits', { visits: 20 }, []],
    ['first visit 29 days ago', { firstVisit: daysAgo(29) }, ['new-customer']],
    ['first visit exactly 30 days ago', { firstVisit: daysAgo(30) }, []],
    ['last visit 91 days ago', { lastVisit: daysAgo(91) }, ['dormant']],
    ['last visit exactly 90 days ago', { lastVisit: daysAgo(90) }, []],
    ['no visit at all', { visits: 0, firstVisit: undefined, lastVisit: undefined }, []],
    [
      'everything at once',
      { averageOrder: 80_00, visits: 30, firstVisit: daysAgo(5), lastVisit: daysAgo(100) },
      ['high-value', 'frequent-visitor', 'new-customer', 'dormant'],
    ],
  ])('%s', (_name, overrides, tags) => {
    expect(autoTags(DEFAULT_PROGRAM, { ...member, ...overrides }, NOW)).toEqual(tags);
  });

  it('takes the instant as epoch milliseconds too', () => {
    expect(
      autoTags(DEFAULT_PROGRAM, { ...member, lastVisit: daysAgo(91) }, Date.parse(NOW)),
    ).toEqual(['dormant']);
  });
});

describe('evaluateSegments', () => {
  const segment = (id: string, rules: SegmentDefinition['rules']): SegmentDefinition => ({
    id,
    name: id,
    rules,
  });

  it.each<[string, SegmentDefinition['rules'], boolean]>([
    ['balance gte', [{ field: 'balance', op: 'gte', value: 1_200 }], true],
    ['balance gt', [{ field: 'balance', op: 'gt', value: 1_200 }], false],
    ['lifetime lte', [{ field: 'lifetime', op: 'lte', value: 3_000 }], true],
    ['visits lt', [{ field: 'visits', op: 'lt', value: 10 }], false],
    ['spend eq', [{ field: 'spend', op: 'eq', value: 400_00 }], true],
    ['averageOrder gt', [{ field: 'averageOrder', op: 'gt', value: 30_00 }], true],
    ['days since last visit', [{ field: 'daysSinceLastVisit', op: 'eq', value: 10 }], true],
    ['days since first visit', [{ field: 'daysSinceFirstVisit', op: 'gte', value: 365 }], false],
    ['tier in', [{ field: 'tier', op: 'in', value: ['gold', 'vip'] }], true],
    ['tier not in', [{ field: 'tier', op: 'in', value: ['vip'] }], false],
    ['has tag', [{ field: 'autoTag', op: 'has', value: 'high-value' }], true],
    ['lacks tag', [{ field: 'autoTag', op: 'lacks', value: 'high-value' }], false],
    [
      'every rule must hold',
      [
        { field: 'tier', op: 'in', value: ['gold'] },
        { field: 'visits', op: 'gt', value: 50 },
      ],
      false,
    ],
  ])('%s', (_name, rules, holds) => {
    expect(evaluateSegments([segment('s', rules)], member, ['high-value'], NOW)).toEqual(
      holds ? ['s'] : [],
    );
  });

  it('never matches a days-since rule for a member who never visited', () => {
    const never = { ...member, firstVisit: undefined, lastVisit: undefined };
    const segments = [
      segment('at-risk', [{ field: 'daysSinceLastVisit', op: 'gte', value: 0 }]),
      segment('young', [{ field: 'daysSinceFirstVisit', op: 'lt', value: 1_000 }]),
    ];
    expect(evaluateSegments(segments, never, [], NOW)).toEqual([]);
  });

  it('lists matching segments in program order', () => {
    const segments = [
      segment('b', [{ field: 'visits', op: 'gte', value: 1 }]),
      segment('none', [{ field: 'visits', op: 'gte', value: 100 }]),
      segment('a', [{ field: 'balance', op: 'gte', value: 1 }]),
    ];
    expect(evaluateSegments(segments, member, [], Date.parse(NOW))).toEqual(['b', 'a']);
  });
});
