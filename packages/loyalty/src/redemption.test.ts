import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProgramSettingsSchema, type ProgramSettingsInput } from './program.js';
import {
  maxRedeemablePoints,
  planRedemption,
  pointsToDiscount,
  redemptionStep,
  type RedemptionInput,
  type RedemptionOfflineContext,
} from './redemption.js';

const NOW = '2025-03-07T12:00:00Z';
const ONLINE: RedemptionOfflineContext = { offline: false, now: NOW, redeemedTodayOffline: 0 };
const OFFLINE: RedemptionOfflineContext = {
  offline: true,
  now: NOW,
  lastContactAt: '2025-03-07T08:00:00Z',
  redeemedTodayOffline: 0,
};

function program(input: ProgramSettingsInput = {}) {
  return ProgramSettingsSchema.parse(input);
}

function request(overrides: Partial<Omit<RedemptionInput, 'program'>> = {}, settings = {}) {
  return {
    program: program(settings),
    points: 1000,
    balance: 10_000,
    orderTotal: 100_00,
    context: ONLINE,
    ...overrides,
  };
}

describe('redemptionStep and pointsToDiscount', () => {
  it.each([
    ['USD', 100, 1, 1000, 1000],
    ['JPY', 100, 100, 1000, 10],
    ['JPY', 100, 100, 150, 1],
    ['BHD', 100, 1, 1000, 10_000],
    ['USD', 250, 5, 1000, 400],
    ['USD', 1, 1, 3, 300],
  ])(
    '%s at %i points per unit: step %i, %i points buy %i',
    (currency, pointsPerUnit, step, points, discount) => {
      const settings = program({ currency, redemption: { pointsPerUnit } });
      expect(redemptionStep(settings)).toBe(step);
      expect(pointsToDiscount(points, settings)).toBe(discount);
    },
  );

  it.each([-1, 1.5, Number.NaN])('pointsToDiscount throws for %s', (points) => {
    expect(() => pointsToDiscount(points, program())).toThrow(RangeError);
  });
});

describe('planRedemption accepts', () => {
  it.each([
    ['the default example: 500 points are 5.00', request({ points: 500 }), 500],
    ['the whole balance', request({ points: 5000, balance: 5000 }), 5000],
    ['exactly half the order', request({ points: 5000, orderTotal: 100_00 }), 5000],
    ['half of an odd order, rounded down', request({ points: 500, orderTotal: 10_01 }), 500],
    [
      'zero points, whatever the rules',
      request({ points: 0, balance: -50, context: { ...OFFLINE, lastContactAt: undefined } }),
      0,
    ],
    ['offline within the caps', request({ points: 2000, context: OFFLINE }), 2000],
    [
      'offline up to the daily cap',
      request({ points: 1000, context: { ...OFFLINE, redeemedTodayOffline: 4000 } }),
      1000,
    ],
    [
      'offline just before the time limit',
      request({ points: 1000, context: { ...OFFLINE, lastContactAt: '2025-03-04T12:00:00.001Z' } }),
      1000,
    ],
    [
      'online, however long since the last contact',
      request({ points: 1000, context: { ...ONLINE, lastContactAt: '2024-01-01T00:00:00Z' } }),
      1000,
    ],
  ])('%s', (_name, input, discount) => {
    expect(planRedemption(input)).toEqual({ ok: true, value: { points: input.points, discount } });
  });

  it('converts exactly for JPY: 1,000 points are 10 yen', () => {
    expect(
      planRedemption(request({ points: 1000, orderTotal: 5000 }, { currency: 'JPY' })),
    ).toEqual({ ok: true, value: { points: 1000, discount: 10 } });
  });
});

describe('planRedemption refuses', () => {
  it.each([
    ['invalid-points', request({ points: -1 })],
    ['invalid-points', request({ points: 10.5 })],
    ['invalid-points', request({ points: Number.NaN })],
    ['invalid-points', request({ balance: 1.5 })],
    ['invalid-points', request({ context: { ...OFFLINE, redeemedTodayOffline: -1 } })],
    ['not-an-integer', request({ orderTotal: 10.5 })],
    ['negative-amount', request({ orderTotal: -100 })],
    ['amount-too-large', request({ orderTotal: 1e15 })],
    ['invalid-time', request({ context: { ...ONLINE, now: 'today' } })],
    ['invalid-time', request({ context: { ...OFFLINE, lastContactAt: '2025-03-07 08:00' } })],
    [
      'offline-too-long',
      request({ context: { ...OFFLINE, lastContactAt: '2025-03-04T12:00:00Z' } }),
    ],
    ['offline-too-long', request({ context: { ...OFFLINE, lastContactAt: undefined } })],
    ['offline-too-long', request({ context: OFFLINE }, { offline: { maxOfflineHours: 0 } })],
    ['below-minimum-redemption', request({ points: 499 })],
    ['below-minimum-redemption', request({ points: 1 })],
    ['points-not-whole-discount', request({ points: 1050, orderTotal: 5000 }, { currency: 'JPY' })],
    ['insufficient-points', request({ points: 1000, balance: 999 })],
    ['insufficient-points', request({ points: 1000, balance: -200 })],
    ['exceeds-order-share', request({ points: 5001, orderTotal: 100_00 })],
    ['exceeds-order-share', request({ points: 600, orderTotal: 10_00 })],
    ['offline-checkout-cap', request({ points: 2001, context: OFFLINE })],
    [
      'offline-daily-cap',
      request({ points: 1001, context: { ...OFFLINE, redeemedTodayOffline: 4000 } }),
    ],
    [
      'offline-daily-cap',
      request({ points: 500, context: { ...OFFLINE, redeemedTodayOffline: 6000 } }),
    ],
  ])('%s', (code, input) => {
    const result = planRedemption(input);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.refusal.code).toBe(code);
      expect(result.refusal.message).not.toBe('');
    }
  });

  it.each([
    [
      'offline-too-long',
      request({ context: { ...OFFLINE, lastContactAt: undefined } }),
      { maxPoints: 0, maxOfflineHours: 72 },
    ],
    ['below-minimum-redemption', request({ points: 100 }), { maxPoints: 5000, minimumPoints: 500 }],
    [
      'points-not-whole-discount',
      request({ points: 1050, orderTotal: 5000 }, { currency: 'JPY' }),
      { maxPoints: 10_000, step: 100, suggestedPoints: 1000 },
    ],
    [
      'insufficient-points',
      request({ points: 1000, balance: 700 }),
      { maxPoints: 700, balance: 700 },
    ],
    [
      'exceeds-order-share',
      request({ points: 600, orderTotal: 10_01 }),
      { maxPoints: 500, maxDiscount: 500, maxOrderPoints: 500 },
    ],
    [
      'offline-checkout-cap',
      request({ points: 3000, context: OFFLINE }),
      { maxPoints: 2000, cap: 2000 },
    ],
    [
      'offline-daily-cap',
      request({ points: 2000, context: { ...OFFLINE, redeemedTodayOffline: 4200 } }),
      { maxPoints: 800, cap: 5000, remaining: 800 },
    ],
  ])('%s tells the till what it can do instead', (code, input, details) => {
    const result = planRedemption(input);
    expect(result.ok ? undefined : result.refusal).toMatchObject({ code, details });
  });

  it('shows the money limit in the currency', () => {
    const result = planRedemption(request({ points: 600, orderTotal: 10_01 }));
    expect(result.ok ? '' : result.refusal.message).toBe(
      'Points can pay at most 50% of this order: $5.00.',
    );
  });

  it('says when the member has no points at all', () => {
    const result = planRedemption(request({ points: 500, balance: 0 }));
    expect(result.ok ? '' : result.refusal.message).toBe('The member has no points to redeem.');
  });
});

describe('maxRedeemablePoints', () => {
  it.each([
    ['the balance', request({ balance: 1234 }), 1234, 'balance', false],
    ['half the order', request({ orderTotal: 20_00 }), 1000, 'order-share', false],
    ['half an odd order', request({ orderTotal: 20_01 }), 1000, 'order-share', false],
    [
      'the checkout cap offline',
      request({ context: OFFLINE }),
      2000,
      'offline-checkout-cap',
      false,
    ],
    [
      'what is left of the daily cap offline',
      request({ context: { ...OFFLINE, redeemedTodayOffline: 3500 } }),
      1500,
      'offline-daily-cap',
      false,
    ],
    [
      'nothing when the daily cap is used up',
      request({ context: { ...OFFLINE, redeemedTodayOffline: 9000 } }),
      0,
      'offline-daily-cap',
      false,
    ],
    [
      'nothing when offline too long',
      request({ context: { ...OFFLINE, lastContactAt: '2025-01-01T00:00:00Z' } }),
      0,
      'offline-too-long',
      false,
    ],
    ['nothing below the minimum', request({ balance: 499 }), 0, 'balance', true],
    ['nothing with a negative balance', request({ balance: -100 }), 0, 'balance', false],
    ['nothing on an empty order', request({ orderTotal: 0 }), 0, 'order-share', false],
  ])('is %s', (_name, input, points, limitedBy, belowMinimum) => {
    const result = maxRedeemablePoints(input);
    expect(result).toEqual({
      ok: true,
      value: { points, discount: points, limitedBy, belowMinimum },
    });
  });

  it('stays on the step: JPY 2,550 yen order allows 127,500 points, in steps of 100', () => {
    const result = maxRedeemablePoints(
      request({ balance: 1_000_000, orderTotal: 2551 }, { currency: 'JPY' }),
    );
    expect(result).toEqual({
      ok: true,
      value: { points: 127_500, discount: 1275, limitedBy: 'order-share', belowMinimum: false },
    });
  });

  it('refuses bad input like planRedemption', () => {
    const result = maxRedeemablePoints(request({ balance: Number.POSITIVE_INFINITY }));
    expect(result.ok ? undefined : result.refusal.code).toBe('invalid-points');
  });
});

describe('invariants', () => {
  const settingsArb = fc.record({
    currency: fc.constantFrom('USD', 'JPY', 'BHD', 'CLF'),
    redemption: fc.record({
      pointsPerUnit: fc.constantFrom(1, 3, 50, 100, 250, 1000),
      minimumPoints: fc.integer({ min: 0, max: 2000 }),
      maxOrderSharePercent: fc.integer({ min: 1, max: 100 }),
    }),
    offline: fc.record({
      maxPointsPerCheckout: fc.integer({ min: 0, max: 10_000 }),
      maxPointsPerMemberPerDay: fc.integer({ min: 0, max: 20_000 }),
      maxOfflineHours: fc.integer({ min: 0, max: 100 }),
    }),
  });
  const contextArb = fc.record({
    offline: fc.boolean(),
    now: fc.constant(NOW),
    lastContactAt: fc.option(
      fc
        .integer({ min: Date.parse(NOW) - 200 * 3_600_000, max: Date.parse(NOW) })
        .map((ms) => new Date(ms).toISOString()),
      { nil: undefined },
    ),
    redeemedTodayOffline: fc.integer({ min: 0, max: 20_000 }),
  });
  const limitsArb = fc.record({
    settings: settingsArb,
    balance: fc.integer({ min: -10_000, max: 1_000_000 }),
    orderTotal: fc.integer({ min: 0, max: 10_000_000 }),
    context: contextArb,
  });

  it('the maximum is always accepted, and one step more never is', () => {
    fc.assert(
      fc.property(limitsArb, ({ settings, balance, orderTotal, context }) => {
        const input = { program: program(settings), balance, orderTotal, context };
        const max = maxRedeemablePoints(input);
        if (!max.ok) throw new Error(max.refusal.message);
        expect(planRedemption({ ...input, points: max.value.points })).toEqual({
          ok: true,
          value: { points: max.value.points, discount: max.value.discount },
        });
        const step = redemptionStep(input.program);
        const beyond =
          max.value.points === 0
            ? Math.max(step, settings.redemption.minimumPoints)
            : max.value.points + step;
        for (const points of [beyond, max.value.points + step]) {
          if (points > max.value.points)
            expect(planRedemption({ ...input, points }).ok).toBe(false);
        }
      }),
    );
  });

  it('an accepted discount never exceeds the order share nor the balance, and is exact', () => {
    fc.assert(
      fc.property(limitsArb, fc.integer({ min: 0, max: 1_000_000 }), (limits, points) => {
        const { settings, balance, orderTotal, context } = limits;
        const input = { program: program(settings), balance, orderTotal, context, points };
        const result = planRedemption(input);
        if (!result.ok) return;
        expect(result.value.discount * 100).toBeLessThanOrEqual(
          orderTotal * settings.redemption.maxOrderSharePercent,
        );
        if (points > 0) expect(points).toBeLessThanOrEqual(balance);
        // discount / minor units per unit === points / points per unit, in integers
        const minorPerUnit = 10 ** { USD: 2, JPY: 0, BHD: 3, CLF: 4 }[settings.currency]!;
        expect(result.value.discount * settings.redemption.pointsPerUnit).toBe(
          points * minorPerUnit,
        );
        const max = maxRedeemablePoints(input);
        expect(max.ok && points <= max.value.points).toBe(true);
      }),
    );
  });
});
