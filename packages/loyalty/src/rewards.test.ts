import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROGRAM, ProgramSettingsSchema } from './program.js';
import { RewardDefinitionSchema, checkRewardEligibility, isRewardOpenToTier } from './rewards.js';
import type {
  RewardDefinition,
  RewardDefinitionInput,
  RewardEligibilityInput,
  RewardRefusalCode,
} from './rewards.js';

const AT = '2026-03-06T11:00:00Z';

function reward(overrides: Partial<RewardDefinitionInput> = {}): RewardDefinition {
  return RewardDefinitionSchema.parse({
    id: 'rw-mug',
    name: 'Branded mug',
    kind: 'product',
    pointsCost: 1_000,
    ...overrides,
  });
}

function input(overrides: Partial<RewardEligibilityInput> = {}): RewardEligibilityInput {
  return {
    reward: reward(),
    balance: 2_500,
    tierId: 'gold',
    at: AT,
    program: DEFAULT_PROGRAM,
    ...overrides,
  };
}

describe('RewardDefinitionSchema', () => {
  it('fills defaults: unlimited stock, open to all tiers, active', () => {
    expect(reward()).toMatchObject({
      description: '',
      stock: null,
      tierExclusive: [],
      active: true,
    });
  });

  it.each<[string, Record<string, unknown>]>([
    ['zero cost', { pointsCost: 0 }],
    ['fractional cost', { pointsCost: 10.5 }],
    ['negative stock', { stock: -1 }],
    ['unknown kind', { kind: 'cash-back' }],
    ['bad tier id', { tierExclusive: ['Gold'] }],
    ['end before start', { validFrom: '2026-03-10T00:00:00Z', validUntil: '2026-03-01T00:00:00Z' }],
  ])('refuses %s', (_name, overrides) => {
    const parsed = RewardDefinitionSchema.safeParse({
      id: 'r',
      name: 'r',
      kind: 'discount',
      pointsCost: 500,
      ...overrides,
    });
    expect(parsed.success).toBe(false);
  });

  it('accepts every kind from the seed catalog', () => {
    for (const kind of ['discount', 'product', 'experience', 'shipping'] as const) {
      expect(reward({ kind }).kind).toBe(kind);
    }
  });
});

describe('checkRewardEligibility', () => {
  const table: [string, Partial<RewardEligibilityInput>, RewardRefusalCode, RegExp][] = [
    ['a time without offset', { at: '2026-03-06' }, 'invalid-time', /not a valid ISO time/],
    ['quantity 0', { quantity: 0 }, 'invalid-quantity', /quantity of one or more/],
    ['a fractional quantity', { quantity: 1.5 }, 'invalid-quantity', /quantity/],
    ['a cost beyond safe integers', { quantity: 2 ** 52 }, 'invalid-quantity', /quantity/],
    [
      'a switched-off reward',
      { reward: reward({ active: false }) },
      'reward-inactive',
      /^Branded mug is not offered at the moment\.$/,
    ],
    [
      'a reward not yet available',
      { reward: reward({ validFrom: '2026-04-01T00:00:00Z' }) },
      'reward-not-yet-available',
      /^Branded mug can be redeemed from 1 April\.$/,
    ],
    [
      'an expired reward',
      { reward: reward({ validUntil: '2026-03-01T00:00:00Z' }) },
      'reward-expired',
      /^Branded mug could be redeemed until 28 February\.$/,
    ],
    [
      'a reward for a higher tier',
      { reward: reward({ tierExclusive: ['platinum', 'vip'] }) },
      'reward-tier-exclusive',
      /^Branded mug is for Platinum members and above\.$/,
    ],
    [
      'a reward whose tiers no longer exist',
      { reward: reward({ tierExclusive: ['diamond'] }) },
      'reward-tier-exclusive',
      /not available to any current tier/,
    ],
    [
      'a member whose tier is not in the program',
      { reward: reward({ tierExclusive: ['bronze'] }), tierId: 'retired' },
      'reward-tier-exclusive',
      /for Bronze members and above/,
    ],
    [
      'no stock left',
      { reward: reward({ stock: 0 }) },
      'reward-out-of-stock',
      /^Branded mug is out of stock\.$/,
    ],
    [
      'less stock than wanted',
      { reward: reward({ stock: 2 }), quantity: 3, balance: 10_000 },
      'reward-out-of-stock',
      /^Only 2 of Branded mug left\.$/,
    ],
    [
      'stock given apart from the definition',
      { reward: reward({ stock: 50 }), stock: 0 },
      'reward-out-of-stock',
      /out of stock/,
    ],
    [
      'too few points',
      { balance: 999 },
      'insufficient-points',
      /^Branded mug costs 1,000 points; the member has 999, 1 short\.$/,
    ],
    [
      'too few points for the quantity',
      { quantity: 3 },
      'insufficient-points',
      /costs 3,000 points; the member has 2,500, 500 short/,
    ],
    ['a negative balance', { balance: -200 }, 'insufficient-points', /has -200/],
  ];

  it.each(table)('refuses %s', (_name, overrides, code, message) => {
    const result = checkRewardEligibility(input(overrides));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.refusal.code).toBe(code);
    expect(result.refusal.message).toMatch(message);
  });

  it('covers every refusal code of the module', () => {
    const all: Record<RewardRefusalCode, true> = {
      'invalid-time': true,
      'invalid-quantity': true,
      'reward-inactive': true,
      'reward-not-yet-available': true,
      'reward-expired': true,
      'reward-tier-exclusive': true,
      'reward-out-of-stock': true,
      'insufficient-points': true,
    };
    expect([...new Set(table.map(([, , code]) => code))].sort()).toEqual(Object.keys(all).sort());
  });

  it('returns the total points cost', () => {
    expect(checkRewardEligibility(input({ quantity: 2 }))).toEqual({
      ok: true,
      value: { rewardId: 'rw-mug', quantity: 2, pointsCost: 2_000 },
    });
    expect(checkRewardEligibility(input({ balance: 1_000 }))).toEqual({
      ok: true,
      value: { rewardId: 'rw-mug', quantity: 1, pointsCost: 1_000 },
    });
  });

  it('accepts exactly the remaining stock, and unlimited stock', () => {
    expect(checkRewardEligibility(input({ reward: reward({ stock: 2 }), quantity: 2 })).ok).toBe(
      true,
    );
    expect(checkRewardEligibility(input({ reward: reward({ stock: 0 }), stock: null })).ok).toBe(
      true,
    );
  });

  it('is available from validFrom inclusive until validUntil exclusive', () => {
    const window = reward({ validFrom: AT, validUntil: '2026-03-07T00:00:00Z' });
    expect(checkRewardEligibility(input({ reward: window })).ok).toBe(true);
    const atEnd = checkRewardEligibility(input({ reward: window, at: '2026-03-07T00:00:00Z' }));
    expect(atEnd.ok ? 'ok' : atEnd.refusal.code).toBe('reward-expired');
  });

  it('reports the details the till shows', () => {
    const result = checkRewardEligibility(input({ balance: 400 }));
    expect(result.ok ? undefined : result.refusal.details).toEqual({
      rewardId: 'rw-mug',
      required: 1_000,
      balance: 400,
      missing: 600,
    });
    const stock = checkRewardEligibility(input({ reward: reward({ stock: 1 }), quantity: 2 }));
    expect(stock.ok ? undefined : stock.refusal.details).toEqual({
      rewardId: 'rw-mug',
      available: 1,
      quantity: 2,
    });
  });

  it('checks availability before the balance, so the reason shown is the one that lasts', () => {
    const result = checkRewardEligibility(
      input({ reward: reward({ active: false, stock: 0, tierExclusive: ['vip'] }), balance: 0 }),
    );
    expect(result.ok ? 'ok' : result.refusal.code).toBe('reward-inactive');
    const tierThenStock = checkRewardEligibility(
      input({ reward: reward({ stock: 0, tierExclusive: ['vip'] }), balance: 0 }),
    );
    expect(tierThenStock.ok ? 'ok' : tierThenStock.refusal.code).toBe('reward-tier-exclusive');
    const stockThenPoints = checkRewardEligibility(
      input({ reward: reward({ stock: 0 }), balance: 0 }),
    );
    expect(stockThenPoints.ok ? 'ok' : stockThenPoints.refusal.code).toBe('reward-out-of-stock');
  });
});

describe('tier exclusivity: that tier or above', () => {
  const goldAndUp = reward({ tierExclusive: ['gold'] });
  it.each([
    ['bronze', false],
    ['silver', false],
    ['gold', true],
    ['platinum', true],
    ['vip', true],
    ['unknown', false],
  ])('gold reward for a %s member → %s', (tierId, open) => {
    expect(isRewardOpenToTier(goldAndUp, tierId, DEFAULT_PROGRAM)).toBe(open);
    const result = checkRewardEligibility(input({ reward: goldAndUp, tierId, balance: 10_000 }));
    expect(result.ok).toBe(open);
  });

  it('follows the order of the program tier list, not the ids', () => {
    const program = ProgramSettingsSchema.parse({
      tiers: {
        list: [
          {
            id: 'member',
            name: 'Member',
            minLifetimePoints: 0,
            minSpend: 0,
            minOrders: 0,
            multiplier: 1,
          },
          {
            id: 'insider',
            name: 'Insider',
            minLifetimePoints: 100,
            minSpend: 0,
            minOrders: 0,
            multiplier: 1,
          },
          {
            id: 'bronze',
            name: 'Bronze',
            minLifetimePoints: 200,
            minSpend: 0,
            minOrders: 0,
            multiplier: 1,
          },
        ],
      },
    });
    const insiderReward = reward({ tierExclusive: ['insider'] });
    expect(isRewardOpenToTier(insiderReward, 'member', program)).toBe(false);
    expect(isRewardOpenToTier(insiderReward, 'bronze', program)).toBe(true);
  });

  it('is open to everyone when no tier is listed', () => {
    expect(isRewardOpenToTier(reward(), 'anything', DEFAULT_PROGRAM)).toBe(true);
  });
});

describe('checkRewardEligibility properties', () => {
  it('accepts only when the balance covers cost × quantity, and charges exactly that', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: -10_000, max: 1_000_000 }),
        fc.option(fc.integer({ min: 0, max: 30 }), { nil: null }),
        (pointsCost, quantity, balance, stock) => {
          const result = checkRewardEligibility(
            input({ reward: reward({ pointsCost, stock }), quantity, balance }),
          );
          const affordable = balance >= pointsCost * quantity;
          const inStock = stock === null || stock >= quantity;
          expect(result.ok).toBe(affordable && inStock);
          if (result.ok) expect(result.value.pointsCost).toBe(pointsCost * quantity);
        },
      ),
    );
  });
});
