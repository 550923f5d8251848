import { describe, expect, it } from 'vitest';
import { DEFAULT_PROGRAM, DEFAULT_TIERS, parseProgramSettings, tierById } from './program.js';

describe('program defaults (from the seed documents)', () => {
  it('earns 1 point per unit, redeems 100 points per unit, from 500 points, up to half an order', () => {
    expect(DEFAULT_PROGRAM.earning.pointsPerUnit).toBe(1);
    expect(DEFAULT_PROGRAM.redemption).toEqual({
      pointsPerUnit: 100,
      minimumPoints: 500,
      maxOrderSharePercent: 50,
    });
  });

  it('has five tiers by lifetime points with rising multipliers', () => {
    expect(DEFAULT_PROGRAM.tiers.mode).toBe('lifetime-points');
    expect(
      DEFAULT_PROGRAM.tiers.list.map((t) => [t.name, t.minLifetimePoints, t.multiplier]),
    ).toEqual([
      ['Bronze', 0, 1],
      ['Silver', 1_000, 1.25],
      ['Gold', 2_500, 1.5],
      ['Platinum', 5_000, 2],
      ['VIP', 10_000, 2.5],
    ]);
  });

  it('expires points after 12 months, caps offline redemption and carries a version', () => {
    expect(DEFAULT_PROGRAM.expiry.months).toBe(12);
    expect(DEFAULT_PROGRAM.offline.maxPointsPerCheckout).toBeGreaterThan(0);
    expect(DEFAULT_PROGRAM.version).toBe(1);
    expect(DEFAULT_PROGRAM.autoTags).toEqual({
      highValueAverageOrder: 50_00,
      frequentVisitorVisits: 20,
      newMemberDays: 30,
      dormantDays: 90,
    });
  });

  it('finds tiers by id', () => {
    expect(tierById(DEFAULT_PROGRAM, 'gold')?.name).toBe('Gold');
    expect(tierById(DEFAULT_PROGRAM, 'diamond')).toBeUndefined();
  });
});

describe('parseProgramSettings', () => {
  const campaign = {
    id: 'double-weekend',
    name: 'Double points weekend',
    multiplier: 2,
    startsAt: '2026-01-01T00:00:00Z',
    endsAt: '2026-02-01T00:00:00Z',
  };

  it('fills defaults and keeps what the manager set', () => {
    const parsed = parseProgramSettings({
      version: 7,
      expiry: { months: 0 },
      campaigns: [campaign],
    });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.version).toBe(7);
    expect(parsed.value.expiry.months).toBe(0);
    expect(parsed.value.campaigns[0]).toMatchObject({ active: true, weekdays: [], categories: [] });
  });

  it('accepts the alternative tier mode by spend and orders', () => {
    const parsed = parseProgramSettings({ tiers: { mode: 'spend-and-orders' } });
    expect(parsed.ok && parsed.value.tiers.list.map((t) => t.minOrders)).toEqual([
      0, 5, 15, 50, 100,
    ]);
  });

  const bronze = DEFAULT_TIERS[0]!;
  const silver = DEFAULT_TIERS[1]!;
  it.each([
    ['a negative earn rate', { earning: { pointsPerUnit: -1 } }, 'earning.pointsPerUnit'],
    ['an unknown rounding mode', { earning: { rounding: 'bankers' } }, 'earning.rounding'],
    ['a lower-case currency', { currency: 'usd' }, 'currency'],
    ['an unknown time zone', { timeZone: 'Mars/Olympus' }, 'timeZone'],
    [
      'a share above 100%',
      { redemption: { maxOrderSharePercent: 150 } },
      'redemption.maxOrderSharePercent',
    ],
    [
      'duplicate tier ids',
      { tiers: { list: [bronze, { ...silver, id: 'bronze' }] } },
      'tiers.list',
    ],
    [
      'a first tier with a threshold',
      { tiers: { list: [{ ...bronze, minLifetimePoints: 10 }, { ...silver }] } },
      'tiers.list.0',
    ],
    [
      'tiers out of order',
      { tiers: { list: [bronze, silver, { ...silver, id: 'x' }] } },
      'tiers.list.2',
    ],
    [
      'spend tiers out of order',
      {
        tiers: {
          mode: 'spend-and-orders',
          list: [bronze, { ...silver, minSpend: 0, minOrders: 0 }],
        },
      },
      'tiers.list.1',
    ],
    [
      'a campaign that ends before it starts',
      { campaigns: [{ ...campaign, endsAt: '2025-12-01T00:00:00Z' }] },
      'campaigns.0.endsAt',
    ],
    [
      'hours that are not a time of day',
      { campaigns: [{ ...campaign, hours: { from: '25:00', to: '10:00' } }] },
      'campaigns.0.hours.from',
    ],
  ])('refuses %s with a specific message', (_label, input, path) => {
    const parsed = parseProgramSettings(input);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.refusal.code).toBe('invalid-program');
    expect(parsed.refusal.details.issues.some((issue) => issue.startsWith(`${path}:`))).toBe(true);
    expect(parsed.refusal.message).toMatch(/^The program settings are not valid: /);
  });

  it('refuses something that is not an object', () => {
    const parsed = parseProgramSettings('double points');
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.refusal.details.issues[0]).toMatch(/^\(settings\): /);
  });
});
