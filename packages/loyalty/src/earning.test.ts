import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  birthdayBonusYearAt,
  computeEarning,
  parseIsoInstant,
  type EarningBreakdown,
  type EarningInput,
  type EarningMember,
  type EarningOrder,
} from './earning.js';
import { ProgramSettingsSchema, type ProgramSettingsInput } from './program.js';

// 2025-03-07 is a Friday.
const FRIDAY_NOON = '2025-03-07T12:00:00Z';

function program(input: ProgramSettingsInput = {}) {
  return ProgramSettingsSchema.parse(input);
}

const bronze: EarningMember = { tierId: 'bronze' };

function campaign(overrides: Record<string, unknown> = {}) {
  return {
    id: 'double',
    name: 'Double points',
    multiplier: 2,
    startsAt: '2025-03-01T00:00:00Z',
    endsAt: '2025-04-01T00:00:00Z',
    ...overrides,
  };
}

function earn(
  order: EarningOrder,
  options: { settings?: ProgramSettingsInput; member?: EarningMember; at?: string } = {},
) {
  const input: EarningInput = {
    program: program(options.settings),
    member: options.member ?? bronze,
    order,
    at: options.at ?? FRIDAY_NOON,
  };
  return computeEarning(input);
}

function earned(order: EarningOrder, options: Parameters<typeof earn>[1] = {}): EarningBreakdown {
  const result = earn(order, options);
  if (!result.ok) throw new Error(`refused: ${result.refusal.code} ${result.refusal.message}`);
  return result.value;
}

describe('base points', () => {
  it.each([
    ['USD', 1, 'floor', 1999, 19],
    ['USD', 1, 'round', 1999, 20],
    ['USD', 1, 'ceil', 1901, 20],
    ['USD', 1, 'round', 1950, 20],
    ['USD', 1, 'round', 1949, 19],
    ['USD', 1, 'floor', 0, 0],
    ['USD', 1.1, 'ceil', 1000, 11], // 10 × 1.1 is 11.000000000000002 in floating point
    ['USD', 0.5, 'floor', 999, 4],
    ['USD', 0, 'ceil', 5000, 0],
    ['USD', 10, 'floor', 1234, 123],
    ['JPY', 1, 'floor', 1200, 1200],
    ['JPY', 0.01, 'floor', 1299, 12],
    ['BHD', 1, 'floor', 1999, 1],
  ] as const)(
    '%s at %s per unit, %s: %i minor units earn %i',
    (currency, rate, rounding, paid, points) => {
      const result = earned(
        { amountPaid: paid },
        { settings: { currency, earning: { pointsPerUnit: rate, rounding } } },
      );
      expect(result.basePoints).toBe(points);
      expect(result.multipliedPoints).toBe(points);
      expect(result.total).toBe(points);
      expect(result.appliedMultipliers).toEqual([]);
      expect(result.bonuses).toEqual([]);
      expect(result.linePaid).toBeUndefined();
    },
  );
});

describe('tier and category multipliers', () => {
  it.each([
    ['bronze', 'floor', 1000, 10],
    ['silver', 'floor', 1000, 12], // 12.5
    ['silver', 'round', 1000, 13],
    ['silver', 'ceil', 1000, 13],
    ['gold', 'floor', 1000, 15],
    ['platinum', 'floor', 1000, 20],
    ['vip', 'floor', 1000, 25],
  ] as const)('%s, %s: %i earns %i', (tierId, rounding, paid, points) => {
    const result = earned(
      { amountPaid: paid },
      { settings: { earning: { rounding } }, member: { tierId } },
    );
    expect(result.basePoints).toBe(10);
    expect(result.multipliedPoints).toBe(points);
  });

  it('lists the tier multiplier unless it is 1', () => {
    expect(earned({ amountPaid: 1000 }, { member: { tierId: 'gold' } }).appliedMultipliers).toEqual(
      [{ kind: 'tier', id: 'gold', name: 'Gold', multiplier: 1.5 }],
    );
  });

  it('multiplies each line by its category', () => {
    const result = earned(
      {
        amountPaid: 3000,
        lines: [
          { category: 'electronics', amount: 1000 },
          { category: 'food', amount: 1000 },
          { amount: 1000 },
        ],
      },
      { settings: { earning: { categoryMultipliers: { electronics: 2, home: 1.25 } } } },
    );
    expect(result.multipliedPoints).toBe(40);
    expect(result.linePaid).toEqual([1000, 1000, 1000]);
    expect(result.appliedMultipliers).toEqual([
      { kind: 'category', id: 'electronics', name: 'electronics', multiplier: 2, lineIndexes: [0] },
    ]);
  });

  it('shares a discounted amount over the lines in proportion', () => {
    // 15.00 paid for 20.00 of goods: 7.50 on each line; 7.5 × 2 + 7.5 = 22.5 points.
    const order = {
      amountPaid: 1500,
      lines: [
        { category: 'electronics', amount: 1000 },
        { category: 'food', amount: 1000 },
      ],
    };
    const settings = { earning: { categoryMultipliers: { electronics: 2 } } };
    expect(earned(order, { settings }).multipliedPoints).toBe(22);
    expect(
      earned(order, { settings: { earning: { ...settings.earning, rounding: 'round' } } })
        .multipliedPoints,
    ).toBe(23);
  });

  it('splits line shares by largest remainder so they add up to the amount paid', () => {
    const result = earned({
      amountPaid: 100,
      lines: [{ amount: 300 }, { amount: 300 }, { amount: 300 }],
    });
    expect(result.linePaid).toEqual([34, 33, 33]);
    expect(result.multipliedPoints).toBe(1);
  });
});

describe('sharing is exact, not rounded to cents first', () => {
  it('earns more when more is paid even where cent shares would go down (Alabama paradox)', () => {
    const settings = { earning: { pointsPerUnit: 100, categoryMultipliers: { gifts: 3 } } };
    const lines = [{ amount: 600 }, { amount: 600 }, { category: 'gifts', amount: 200 }];
    const ten = earned({ amountPaid: 10, lines }, { settings });
    const eleven = earned({ amountPaid: 11, lines }, { settings });
    // Cent shares: 10 → [4, 4, 2] (14 points if earned per cent), 11 → [5, 5, 1] (13).
    expect(ten.linePaid).toEqual([4, 4, 2]);
    expect(eleven.linePaid).toEqual([5, 5, 1]);
    // Exact shares: 12.857… → 12 and 14.142… → 14.
    expect(ten.multipliedPoints).toBe(12);
    expect(eleven.multipliedPoints).toBe(14);
  });

  it('accepts lines that are all free when nothing is paid', () => {
    const result = earned({ amountPaid: 0, lines: [{ amount: 0 }, { amount: 0 }] });
    expect(result.linePaid).toEqual([0, 0]);
    expect(result.total).toBe(0);
  });
});

describe('rounding happens once, on the order total', () => {
  // Ten lines of 0.05 paid at 10 points per unit: each line is 0.5 points.
  const order = { amountPaid: 50, lines: Array.from({ length: 10 }, () => ({ amount: 5 })) };
  it.each(['floor', 'round', 'ceil'] as const)('%s gives 5 points, not 0 or 10', (rounding) => {
    expect(
      earned(order, { settings: { earning: { pointsPerUnit: 10, rounding } } }).multipliedPoints,
    ).toBe(5);
  });

  it('rounds the fractional total of tier and category multipliers together', () => {
    // 1.01 × 1.25 (silver) × 1.5 (category) = 1.89375 → floor 1, round 2, ceil 2
    const base = {
      order: { amountPaid: 101, lines: [{ category: 'home', amount: 101 }] },
      member: { tierId: 'silver' },
    };
    for (const [rounding, points] of [
      ['floor', 1],
      ['round', 2],
      ['ceil', 2],
    ] as const) {
      expect(
        earned(base.order, {
          member: base.member,
          settings: { earning: { rounding, categoryMultipliers: { home: 1.5 } } },
        }).multipliedPoints,
      ).toBe(points);
    }
  });
});

describe('campaigns', () => {
  it.each([
    ['runs inside its dates', {}, FRIDAY_NOON, 20],
    ['starts at startsAt', {}, '2025-03-01T00:00:00Z', 20],
    ['has ended at endsAt', {}, '2025-04-01T00:00:00Z', 10],
    ['has not started', {}, '2025-02-28T23:59:59.999Z', 10],
    ['is off when inactive', { active: false }, FRIDAY_NOON, 10],
    ['runs on its weekdays', { weekdays: [5, 6] }, FRIDAY_NOON, 20],
    ['not on other weekdays', { weekdays: [0, 6] }, FRIDAY_NOON, 10],
    ['runs within its hours', { hours: { from: '11:00', to: '14:00' } }, FRIDAY_NOON, 20],
    ['starts at from', { hours: { from: '12:00', to: '14:00' } }, FRIDAY_NOON, 20],
    ['ends at to', { hours: { from: '10:00', to: '12:00' } }, FRIDAY_NOON, 10],
    ['equal hours mean all day', { hours: { from: '09:00', to: '09:00' } }, FRIDAY_NOON, 20],
    [
      'spanning midnight, before midnight',
      { weekdays: [5], hours: { from: '22:00', to: '02:00' } },
      '2025-03-07T23:30:00Z',
      20,
    ],
    [
      'spanning midnight, after midnight counts for the day it started',
      { weekdays: [5], hours: { from: '22:00', to: '02:00' } },
      '2025-03-08T01:30:00Z',
      20,
    ],
    [
      'spanning midnight, the early hours of the start day belong to the day before',
      { weekdays: [5], hours: { from: '22:00', to: '02:00' } },
      '2025-03-07T01:30:00Z',
      10,
    ],
    [
      'spanning midnight, outside the window',
      { hours: { from: '22:00', to: '02:00' } },
      FRIDAY_NOON,
      10,
    ],
    ['for a tier the member has', { tiers: ['bronze', 'silver'] }, FRIDAY_NOON, 20],
    ['not for other tiers', { tiers: ['gold'] }, FRIDAY_NOON, 10],
    ['not for a segment the member lacks', { segments: ['students'] }, FRIDAY_NOON, 10],
  ])('%s', (_name, overrides, at, points) => {
    expect(
      earned({ amountPaid: 1000 }, { settings: { campaigns: [campaign(overrides)] }, at })
        .multipliedPoints,
    ).toBe(points);
  });

  it('runs for members in one of its segments', () => {
    const settings = { campaigns: [campaign({ segments: ['students', 'staff'] })] };
    const member = { tierId: 'bronze', segments: ['staff'] };
    expect(earned({ amountPaid: 1000 }, { settings, member }).multipliedPoints).toBe(20);
  });

  it("evaluates weekdays and hours in the program's time zone", () => {
    // 02:30 UTC on Friday is 21:30 on Thursday in New York.
    const settings = {
      timeZone: 'America/New_York',
      campaigns: [campaign({ weekdays: [4], hours: { from: '21:00', to: '22:00' } })],
    };
    expect(
      earned({ amountPaid: 1000 }, { settings, at: '2025-03-07T02:30:00Z' }).multipliedPoints,
    ).toBe(20);
    expect(
      earned(
        { amountPaid: 1000 },
        { settings: { ...settings, timeZone: 'UTC' }, at: '2025-03-07T02:30:00Z' },
      ).multipliedPoints,
    ).toBe(10);
  });

  it('boosts only lines of its categories', () => {
    const result = earned(
      {
        amountPaid: 2000,
        lines: [
          { category: 'fashion', amount: 1000 },
          { category: 'food', amount: 1000 },
          { amount: 0 },
        ],
      },
      {
        settings: {
          campaigns: [
            campaign({ id: 'fw', name: 'Fashion week', multiplier: 3, categories: ['fashion'] }),
          ],
        },
      },
    );
    expect(result.multipliedPoints).toBe(40);
    expect(result.appliedMultipliers).toEqual([
      { kind: 'campaign', id: 'fw', name: 'Fashion week', multiplier: 3, lineIndexes: [0] },
    ]);
  });

  it('a campaign without categories boosts every paid line', () => {
    const result = earned(
      {
        amountPaid: 2000,
        lines: [{ category: 'fashion', amount: 1000 }, { amount: 1000 }, { amount: 0 }],
      },
      { settings: { campaigns: [campaign()] } },
    );
    expect(result.multipliedPoints).toBe(40);
    expect(result.appliedMultipliers[0]?.lineIndexes).toEqual([0, 1]);
  });
});

describe('combining multipliers', () => {
  const settings = (multiplierCombination: 'multiply' | 'highest') => ({
    earning: { multiplierCombination, categoryMultipliers: { electronics: 2 } },
    campaigns: [
      campaign({ id: 'weekend', name: 'Weekend', multiplier: 2 }),
      campaign({ id: 'launch', name: 'Launch', multiplier: 1.5, categories: ['electronics'] }),
    ],
  });
  const order = { amountPaid: 1000, lines: [{ category: 'electronics', amount: 1000 }] };
  const gold = { tierId: 'gold' };

  it('multiply: every applicable multiplier counts (1.5 × 2 × 2 × 1.5 = 9)', () => {
    const result = earned(order, { settings: settings('multiply'), member: gold });
    expect(result.multipliedPoints).toBe(90);
    expect(result.appliedMultipliers.map((m) => [m.kind, m.id, m.multiplier])).toEqual([
      ['tier', 'gold', 1.5],
      ['category', 'electronics', 2],
      ['campaign', 'weekend', 2],
      ['campaign', 'launch', 1.5],
    ]);
  });

  it('highest: only the largest counts, ties to the first listed', () => {
    const result = earned(order, { settings: settings('highest'), member: gold });
    expect(result.multipliedPoints).toBe(20);
    expect(result.appliedMultipliers).toEqual([
      { kind: 'category', id: 'electronics', name: 'electronics', multiplier: 2, lineIndexes: [0] },
    ]);
  });

  it('highest: the tier wins when nothing is higher, and a 1 is not listed', () => {
    const result = earned(
      { amountPaid: 1000 },
      { settings: { earning: { multiplierCombination: 'highest' } } },
    );
    expect(result.multipliedPoints).toBe(10);
    expect(result.appliedMultipliers).toEqual([]);
  });

  it('highest: a lower category multiplier is overridden by the tier', () => {
    const result = earned(
      { amountPaid: 1000, lines: [{ category: 'alcohol', amount: 1000 }] },
      {
        settings: {
          earning: { multiplierCombination: 'highest', categoryMultipliers: { alcohol: 0.5 } },
        },
      },
    );
    expect(result.multipliedPoints).toBe(10);
  });

  it('multiply: a multiplier below 1 reduces earning', () => {
    const result = earned(
      { amountPaid: 1000, lines: [{ category: 'alcohol', amount: 1000 }] },
      { settings: { earning: { categoryMultipliers: { alcohol: 0.5 } } } },
    );
    expect(result.multipliedPoints).toBe(5);
  });
});

describe('bonuses', () => {
  it.each([
    ['enrollment', { enrolledNow: true }, [{ kind: 'enrollment', points: 100 }]],
    ['first purchase', { firstPurchase: true }, [{ kind: 'first-purchase', points: 200 }]],
    [
      'referral invitee on the first purchase',
      { firstPurchase: true, referralInviteePending: true },
      [
        { kind: 'first-purchase', points: 200 },
        { kind: 'referral-invitee', points: 200 },
      ],
    ],
    ['no referral invitee bonus after the first purchase', { referralInviteePending: true }, []],
    [
      'all at once',
      { enrolledNow: true, firstPurchase: true, referralInviteePending: true },
      [
        { kind: 'enrollment', points: 100 },
        { kind: 'first-purchase', points: 200 },
        { kind: 'referral-invitee', points: 200 },
      ],
    ],
  ])('%s', (_name, flags, bonuses) => {
    const result = earned({ amountPaid: 1000 }, { member: { tierId: 'bronze', ...flags } });
    expect(result.bonuses).toEqual(bonuses);
    expect(result.total).toBe(10 + bonuses.reduce((sum, bonus) => sum + bonus.points, 0));
  });

  it('leaves out bonuses set to zero', () => {
    const result = earned(
      { amountPaid: 0 },
      {
        settings: { bonuses: { enrollment: 0, firstPurchase: 0, birthday: 0 } },
        member: { tierId: 'bronze', enrolledNow: true, firstPurchase: true, birthday: '03-07' },
      },
    );
    expect(result.bonuses).toEqual([]);
    expect(result.total).toBe(0);
    expect(result.birthdayBonusYear).toBeUndefined();
  });

  it('gives bonuses on an order with nothing paid', () => {
    expect(
      earned({ amountPaid: 0 }, { member: { tierId: 'bronze', enrolledNow: true } }).total,
    ).toBe(100);
  });
});

describe('birthday bonus', () => {
  it.each([
    ['on the day', '03-07', FRIDAY_NOON, 7, [], 2025],
    ['full date of birth', '1990-03-07', FRIDAY_NOON, 7, [], 2025],
    ['ISO month-day', '--03-07', FRIDAY_NOON, 7, [], 2025],
    ['window start', '03-14', FRIDAY_NOON, 7, [], 2025],
    ['window end', '02-28', FRIDAY_NOON, 7, [], 2025],
    ['just outside the window', '03-15', FRIDAY_NOON, 7, [], undefined],
    ['just outside the window, before', '02-27', FRIDAY_NOON, 7, [], undefined],
    ['window of zero days, the day itself', '03-07', FRIDAY_NOON, 0, [], 2025],
    ['window of zero days, the day after', '03-06', FRIDAY_NOON, 0, [], undefined],
    ['already given this year', '03-07', FRIDAY_NOON, 7, [2024, 2025], 2025],
    ['given last year only', '03-07', FRIDAY_NOON, 7, [2024], 2025],
    [
      'late December counts for a birthday in early January',
      '01-02',
      '2024-12-28T12:00:00Z',
      7,
      [],
      2025,
    ],
    [
      'early January counts for a birthday in late December',
      '12-30',
      '2025-01-03T12:00:00Z',
      7,
      [],
      2024,
    ],
    ['the next year is not given twice', '01-02', '2025-01-03T12:00:00Z', 7, [2025], 2025],
    ['29 February on 28 February of a common year', '02-29', '2025-02-28T12:00:00Z', 0, [], 2025],
    ['29 February on 1 March of a common year', '02-29', '2025-03-01T12:00:00Z', 0, [], undefined],
    ['29 February in a leap year', '02-29', '2024-02-29T12:00:00Z', 0, [], 2024],
    [
      '28 February of a leap year is not 29 February',
      '02-29',
      '2024-02-28T12:00:00Z',
      0,
      [],
      undefined,
    ],
    ['born on 29 February 2000', '2000-02-29', '2025-02-28T12:00:00Z', 0, [], 2025],
  ])('%s', (_name, birthday, at, birthdayWindowDays, years: number[], windowYear) => {
    const given = windowYear !== undefined && !years.includes(windowYear);
    const result = earned(
      { amountPaid: 1000 },
      {
        settings: { bonuses: { birthdayWindowDays } },
        member: { tierId: 'bronze', birthday, birthdayBonusYears: years },
        at,
      },
    );
    expect(result.birthdayBonusYear).toBe(given ? windowYear : undefined);
    expect(result.bonuses).toEqual(given ? [{ kind: 'birthday', points: 100 }] : []);
    expect(birthdayBonusYearAt(birthday, at, program({ bonuses: { birthdayWindowDays } }))).toBe(
      windowYear,
    );
  });

  it("uses the calendar day in the program's time zone", () => {
    // 02:00 UTC on 15 May is still 14 May in Los Angeles.
    const member = { tierId: 'bronze', birthday: '05-14' };
    const at = '2025-05-15T02:00:00Z';
    const settings = { bonuses: { birthdayWindowDays: 0 } };
    expect(earned({ amountPaid: 0 }, { member, at, settings }).bonuses).toEqual([]);
    expect(
      earned(
        { amountPaid: 0 },
        { member, at, settings: { ...settings, timeZone: 'America/Los_Angeles' } },
      ).bonuses,
    ).toEqual([{ kind: 'birthday', points: 100 }]);
  });

  it.each([
    ['bronze', 'floor', 1, 100],
    ['silver', 'floor', 1.25, 125],
    ['vip', 'floor', 2.5, 250],
    ['bronze', 'floor', 1.333, 133], // 133.3
    ['bronze', 'ceil', 1.333, 134],
    ['bronze', 'round', 1.335, 134], // 133.5, exact: not 133.49999
  ] as const)('%s with %s and multiplier %s gets %i', (tierId, rounding, multiplier, points) => {
    const tiers = program().tiers.list.map((tier) =>
      tier.id === tierId ? { ...tier, birthdayBonusMultiplier: multiplier } : tier,
    );
    const result = earned(
      { amountPaid: 0 },
      {
        settings: { earning: { rounding }, tiers: { list: tiers } },
        member: { tierId, birthday: '03-07' },
      },
    );
    expect(result.bonuses).toEqual([{ kind: 'birthday', points }]);
  });

  it('birthdayBonusYearAt is undefined for a bad birthday or time', () => {
    expect(birthdayBonusYearAt('13-01', FRIDAY_NOON, program())).toBeUndefined();
    expect(birthdayBonusYearAt('03-07', 'yesterday', program())).toBeUndefined();
  });
});

describe('refusals', () => {
  it.each([
    ['negative-amount', { amountPaid: -1 }, bronze, FRIDAY_NOON],
    ['not-an-integer', { amountPaid: 10.5 }, bronze, FRIDAY_NOON],
    ['not-an-integer', { amountPaid: Number.NaN }, bronze, FRIDAY_NOON],
    ['amount-too-large', { amountPaid: 1e12 }, bronze, FRIDAY_NOON],
    ['negative-amount', { amountPaid: 0, lines: [{ amount: -5 }] }, bronze, FRIDAY_NOON],
    ['not-an-integer', { amountPaid: 0, lines: [{ amount: 0.5 }] }, bronze, FRIDAY_NOON],
    ['lines-do-not-add-up', { amountPaid: 1001, lines: [{ amount: 1000 }] }, bronze, FRIDAY_NOON],
    [
      'lines-do-not-add-up',
      { amountPaid: 1, lines: [{ amount: 0 }, { amount: 0 }] },
      bronze,
      FRIDAY_NOON,
    ],
    ['unknown-tier', { amountPaid: 100 }, { tierId: 'diamond' }, FRIDAY_NOON],
    ['invalid-time', { amountPaid: 100 }, bronze, '2025-03-07T12:00:00'],
    ['invalid-time', { amountPaid: 100 }, bronze, '2025-03-07'],
    ['invalid-time', { amountPaid: 100 }, bronze, 'now'],
    ['invalid-time', { amountPaid: 100 }, bronze, '2025-13-45T12:00:00Z'],
    ['invalid-birthday', { amountPaid: 100 }, { tierId: 'bronze', birthday: '13-01' }, FRIDAY_NOON],
    ['invalid-birthday', { amountPaid: 100 }, { tierId: 'bronze', birthday: '02-30' }, FRIDAY_NOON],
    ['invalid-birthday', { amountPaid: 100 }, { tierId: 'bronze', birthday: '00-10' }, FRIDAY_NOON],
    [
      'invalid-birthday',
      { amountPaid: 100 },
      { tierId: 'bronze', birthday: '2023-02-29' },
      FRIDAY_NOON,
    ],
    ['invalid-birthday', { amountPaid: 100 }, { tierId: 'bronze', birthday: 'May 5' }, FRIDAY_NOON],
  ] as const)('%s for %j %j at %s', (code, order, member, at) => {
    const result = computeEarning({ program: program(), member, order, at });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.refusal.code).toBe(code);
      expect(result.refusal.message).not.toBe('');
    }
  });

  it('names the line that is wrong', () => {
    const result = earn({ amountPaid: 0, lines: [{ amount: 1 }, { amount: -1 }] });
    expect(result.ok ? undefined : result.refusal.details?.['line']).toBe(1);
    expect(result.ok ? '' : result.refusal.message).toMatch(/^Line 2:/);
  });

  it('points-too-large when multipliers would pass the safe integer range', () => {
    const tiers = program().tiers.list.map((tier) => ({ ...tier, multiplier: 100 }));
    const result = earn(
      { amountPaid: 100_000_000_000, lines: [{ category: 'x', amount: 100_000_000_000 }] },
      {
        settings: {
          earning: { pointsPerUnit: 1000, categoryMultipliers: { x: 100 } },
          tiers: { list: tiers },
          campaigns: [campaign({ multiplier: 100 })],
        },
      },
    );
    expect(result.ok ? undefined : result.refusal.code).toBe('points-too-large');
  });
});

describe('parseIsoInstant', () => {
  it.each([
    ['2025-03-07T12:00:00Z', Date.UTC(2025, 2, 7, 12)],
    ['2025-03-07T12:00Z', Date.UTC(2025, 2, 7, 12)],
    ['2025-03-07T13:00:00.000+01:00', Date.UTC(2025, 2, 7, 12)],
    ['2025-03-07T12:00:00', undefined],
    ['2025-02-30T12:00:00Z', undefined],
    ['2023-02-29T12:00:00Z', undefined],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2025-03-07T24:00:00Z', undefined],
    ['2025-03-07T12:00:00+25:00', undefined],
    ['1741348800000', undefined],
  ])('%s', (text, ms) => {
    expect(parseIsoInstant(text)).toBe(ms);
  });
});

describe('invariants', () => {
  const settingsArb = fc.record({
    currency: fc.constantFrom('USD', 'JPY', 'BHD'),
    earning: fc.record({
      pointsPerUnit: fc.constantFrom(0, 0.5, 1, 1.1, 3, 10),
      rounding: fc.constantFrom('floor', 'round', 'ceil'),
      multiplierCombination: fc.constantFrom('multiply', 'highest'),
      categoryMultipliers: fc.constant({ a: 2, b: 0.5, c: 1.3 }),
    }),
    campaigns: fc.subarray([
      campaign({ id: 'all', multiplier: 1.7 }),
      campaign({ id: 'cat', multiplier: 3, categories: ['a', 'c'] }),
      campaign({ id: 'night', multiplier: 2, hours: { from: '22:00', to: '06:00' } }),
    ]),
  }) as fc.Arbitrary<ProgramSettingsInput>;
  const tierArb = fc.constantFrom('bronze', 'silver', 'gold', 'platinum', 'vip');
  const atArb = fc
    .integer({ min: Date.UTC(2025, 2, 1), max: Date.UTC(2025, 3, 1) - 1 })
    .map((ms) => new Date(ms).toISOString());
  const linesArb = fc.array(
    fc.record({
      category: fc.constantFrom(undefined, 'a', 'b', 'c', 'd'),
      amount: fc.integer({ min: 0, max: 1_000_000 }),
    }),
    { maxLength: 8 },
  );

  it('points never go down when the customer pays more (with or without lines)', () => {
    fc.assert(
      fc.property(
        settingsArb,
        tierArb,
        atArb,
        linesArb,
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (settings, tierId, at, lines, x, y) => {
          const [low, high] = x <= y ? [x, y] : [y, x];
          const capacity = lines.reduce((sum, line) => sum + line.amount, 0);
          const withLines = lines.length > 0 && capacity > 0;
          const orderOf = (paid: number): EarningOrder =>
            withLines ? { amountPaid: Math.min(paid, capacity), lines } : { amountPaid: paid };
          const member = { tierId };
          const a = earned(orderOf(low), { settings, member, at });
          const b = earned(orderOf(high), { settings, member, at });
          expect(a.multipliedPoints).toBeLessThanOrEqual(b.multipliedPoints);
          expect(a.basePoints).toBeLessThanOrEqual(b.basePoints);
        },
      ),
    );
  });

  it('sharing over lines is exact: lines earning alike earn what the whole order earns', () => {
    fc.assert(
      fc.property(
        settingsArb,
        tierArb,
        atArb,
        fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (settings, tierId, at, amounts, paid) => {
          const capacity = amounts.reduce((sum, amount) => sum + amount, 0);
          const amountPaid = Math.min(paid, capacity);
          const member = { tierId };
          const whole = earned({ amountPaid }, { settings, member, at });
          const split = earned(
            { amountPaid, lines: amounts.map((amount) => ({ category: 'd', amount })) },
            { settings, member, at },
          );
          expect(split.multipliedPoints).toBe(whole.multipliedPoints);
          expect(split.linePaid?.reduce((sum, share) => sum + share, 0)).toBe(amountPaid);
        },
      ),
    );
  });

  it('floor ≤ round ≤ ceil ≤ floor + 1, and the total is the points plus the bonuses', () => {
    fc.assert(
      fc.property(
        settingsArb,
        tierArb,
        atArb,
        linesArb,
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.boolean(),
        (settings, tierId, at, lines, paid, enrolledNow) => {
          const capacity = lines.reduce((sum, line) => sum + line.amount, 0);
          const order =
            lines.length > 0
              ? { amountPaid: Math.min(paid, capacity), lines }
              : { amountPaid: paid };
          const member = { tierId, enrolledNow, firstPurchase: enrolledNow, birthday: '03-15' };
          const [floor, round, ceil] = (['floor', 'round', 'ceil'] as const).map((rounding) =>
            earned(order, {
              settings: { ...settings, earning: { ...settings.earning, rounding } },
              member,
              at,
            }),
          );
          expect(floor!.multipliedPoints).toBeLessThanOrEqual(round!.multipliedPoints);
          expect(round!.multipliedPoints).toBeLessThanOrEqual(ceil!.multipliedPoints);
          expect(ceil!.multipliedPoints).toBeLessThanOrEqual(floor!.multipliedPoints + 1);
          for (const result of [floor!, round!, ceil!]) {
            expect(result.total).toBe(
              result.bonuses.reduce((sum, bonus) => sum + bonus.points, result.multipliedPoints),
            );
          }
        },
      ),
    );
  });
});
