import { describe, expect, it } from 'vitest';
import { DEFAULT_PROGRAM, ProgramSettingsSchema } from './program.js';
import {
  compareTiers,
  evaluateTier,
  qualificationPeriodStart,
  requalifyTier,
  tierProgress,
  tierRank,
  upgradeTier,
} from './tiers.js';

const spendProgram = ProgramSettingsSchema.parse({ tiers: { mode: 'spend-and-orders' } });
const requalifying = ProgramSettingsSchema.parse({
  tiers: { requalification: { enabled: true, periodMonths: 12 } },
});

describe('evaluateTier', () => {
  it.each([
    [0, 'bronze'],
    [999, 'bronze'],
    [1_000, 'silver'],
    [2_499, 'silver'],
    [2_500, 'gold'],
    [4_999, 'gold'],
    [5_000, 'platinum'],
    [9_999, 'platinum'],
    [10_000, 'vip'],
    [1_000_000, 'vip'],
  ])('lifetime %i points is %s', (lifetime, tier) => {
    expect(evaluateTier(DEFAULT_PROGRAM, { lifetime, spend: 0, orders: 0 })).toBe(tier);
  });

  it.each([
    [0, 0, 'bronze'],
    [500_00, 4, 'bronze'],
    [499_99, 5, 'bronze'],
    [500_00, 5, 'silver'],
    [1_500_00, 14, 'silver'],
    [1_500_00, 15, 'gold'],
    [5_000_00, 50, 'platinum'],
    [10_000_00, 99, 'platinum'],
    [10_000_00, 100, 'vip'],
  ])('spend %i over %i orders is %s (both thresholds must be met)', (spend, orders, tier) => {
    expect(evaluateTier(spendProgram, { lifetime: 999_999, spend, orders })).toBe(tier);
  });

  it('uses the period figures, not lifetime ones, when tiers re-qualify', () => {
    const stats = { lifetime: 50_000, spend: 0, orders: 0, periodLifetime: 1_200 };
    expect(evaluateTier(requalifying, stats)).toBe('silver');
    expect(evaluateTier(requalifying, { lifetime: 50_000, spend: 0, orders: 0 })).toBe('bronze');
    expect(evaluateTier(DEFAULT_PROGRAM, stats)).toBe('vip');
  });
});

describe('tier order', () => {
  it('ranks tiers lowest first and compares them', () => {
    expect(tierRank(DEFAULT_PROGRAM, 'bronze')).toBe(0);
    expect(tierRank(DEFAULT_PROGRAM, 'vip')).toBe(4);
    expect(tierRank(DEFAULT_PROGRAM, 'diamond')).toBe(-1);
    expect(compareTiers(DEFAULT_PROGRAM, 'silver', 'gold')).toBeLessThan(0);
    expect(compareTiers(DEFAULT_PROGRAM, 'vip', 'gold')).toBeGreaterThan(0);
    expect(compareTiers(DEFAULT_PROGRAM, 'gold', 'gold')).toBe(0);
  });

  it('upgrades but never downgrades on activity', () => {
    expect(upgradeTier(DEFAULT_PROGRAM, 'silver', { lifetime: 2_600, spend: 0, orders: 0 })).toBe(
      'gold',
    );
    expect(upgradeTier(DEFAULT_PROGRAM, 'gold', { lifetime: 10, spend: 0, orders: 0 })).toBe(
      'gold',
    );
    expect(upgradeTier(DEFAULT_PROGRAM, 'diamond', { lifetime: 10, spend: 0, orders: 0 })).toBe(
      'bronze',
    );
  });
});

describe('tierProgress', () => {
  it('gives the points still needed for the next tier', () => {
    expect(tierProgress(DEFAULT_PROGRAM, { lifetime: 1_750, spend: 0, orders: 0 })).toEqual({
      nextTierId: 'gold',
      pointsNeeded: 750,
    });
  });

  it('gives spend and orders still needed, as seed 002 shows', () => {
    expect(tierProgress(spendProgram, { lifetime: 0, spend: 1_750_00, orders: 15 })).toEqual({
      nextTierId: 'platinum',
      spendNeeded: 3_250_00,
      ordersNeeded: 35,
    });
  });

  it('is measured from the tier the member holds, never negative', () => {
    expect(tierProgress(DEFAULT_PROGRAM, { lifetime: 800, spend: 0, orders: 0 }, 'gold')).toEqual({
      nextTierId: 'platinum',
      pointsNeeded: 4_200,
    });
    expect(
      tierProgress(DEFAULT_PROGRAM, { lifetime: 3_000, spend: 0, orders: 0 }, 'bronze'),
    ).toEqual({
      nextTierId: 'silver',
      pointsNeeded: 0,
    });
  });

  it('is empty at the top tier', () => {
    expect(tierProgress(DEFAULT_PROGRAM, { lifetime: 20_000, spend: 0, orders: 0 })).toEqual({});
  });
});

describe('re-qualification periods', () => {
  it.each([
    [12, '2025-07-15T10:00:00.000Z', '2025-01-01T00:00:00.000Z'],
    [12, '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z'],
    [12, '2024-12-31T23:59:59.999Z', '2024-01-01T00:00:00.000Z'],
    [6, '2025-07-15T10:00:00.000Z', '2025-07-01T00:00:00.000Z'],
    [3, '2025-05-31T10:00:00.000Z', '2025-04-01T00:00:00.000Z'],
    [1, '2025-02-28T10:00:00.000Z', '2025-02-01T00:00:00.000Z'],
  ])('with %i-month periods, %s is in the period from %s', (periodMonths, at, start) => {
    const program = ProgramSettingsSchema.parse({
      tiers: { requalification: { enabled: true, periodMonths } },
    });
    expect(qualificationPeriodStart(program, at)).toBe(start);
  });

  const period = (lifetime: number) => ({
    start: '2025-01-01T00:00:00.000Z',
    lifetime,
    spend: 0,
    orders: 0,
  });

  it('starts an empty period and keeps the tier when there was none', () => {
    expect(requalifyTier(requalifying, 'gold', undefined, '2025-03-01T00:00:00.000Z')).toEqual({
      tierId: 'gold',
      qualification: period(0),
    });
  });

  it('keeps tier and figures within the period', () => {
    expect(requalifyTier(requalifying, 'gold', period(300), '2025-12-31T23:59:59.000Z')).toEqual({
      tierId: 'gold',
      qualification: period(300),
    });
  });

  it('moves down at the boundary to what the ended period reached', () => {
    const next = requalifyTier(requalifying, 'gold', period(1_200), '2026-01-01T00:00:00.000Z');
    expect(next.tierId).toBe('silver');
    expect(next.qualification).toEqual({
      start: '2026-01-01T00:00:00.000Z',
      lifetime: 0,
      spend: 0,
      orders: 0,
    });
  });

  it('moves up at the boundary too', () => {
    expect(
      requalifyTier(requalifying, 'silver', period(5_000), '2026-02-01T00:00:00.000Z').tierId,
    ).toBe('platinum');
  });

  it('falls to the first tier when a whole period passed without activity', () => {
    const next = requalifyTier(requalifying, 'vip', period(20_000), '2027-03-01T00:00:00.000Z');
    expect(next.tierId).toBe('bronze');
    expect(next.qualification.start).toBe('2027-01-01T00:00:00.000Z');
  });
});
