import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CouponDefinitionSchema,
  couponCodesLookAlike,
  normalizeCouponCode,
  parseCouponDefinition,
  validateCoupon,
} from './coupons.js';
import type {
  CouponDefinition,
  CouponDefinitionInput,
  CouponRefusalCode,
  CouponValidationInput,
} from './coupons.js';
import { DEFAULT_PROGRAM, ProgramSettingsSchema } from './program.js';

/** Berlin is UTC+1 in winter: 2026-03-06 is a Friday. */
const PROGRAM = ProgramSettingsSchema.parse({ timeZone: 'Europe/Berlin', currency: 'EUR' });
const AT = '2026-03-06T11:00:00Z'; // Friday 12:00 in Berlin

function coupon(overrides: Partial<CouponDefinitionInput> = {}): CouponDefinition {
  return CouponDefinitionSchema.parse({
    id: 'cpn-1',
    code: 'SAVE10',
    name: '10% off',
    kind: 'percent',
    value: 10,
    ...overrides,
  });
}

function input(overrides: Partial<CouponValidationInput> = {}): CouponValidationInput {
  return {
    code: 'save10',
    coupons: [coupon()],
    usage: { usedCount: 0, memberUses: 0 },
    member: { tierId: 'silver', segments: ['coffee-lovers'], isNewMember: false },
    store: { storeId: 'store-1', region: 'north' },
    order: { total: 40_00 },
    at: AT,
    program: PROGRAM,
    applied: [],
    offline: { offline: false },
    ...overrides,
  };
}

function refusalOf(result: ReturnType<typeof validateCoupon>) {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.value)}`);
  return result.refusal;
}

function discountOf(result: ReturnType<typeof validateCoupon>): number {
  if (!result.ok) throw new Error(`expected a discount, got ${result.refusal.code}`);
  return result.value.discount;
}

describe('normalizeCouponCode', () => {
  it.each([
    ['save10', 'SAVE10'],
    ['  Save-10 ', 'SAVE10'],
    ['summer_2026.vip/a', 'SUMMER2026VIPA'],
    ['été25', 'ETE25'],
    ['ＳＡＶＥ１０', 'SAVE10'],
    ['\tsave 10\n', 'SAVE10'],
    ['', ''],
  ])('%j → %j', (typed, expected) => {
    expect(normalizeCouponCode(typed)).toBe(expected);
  });

  it('is idempotent for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const once = normalizeCouponCode(text);
        expect(normalizeCouponCode(once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('couponCodesLookAlike', () => {
  it.each([
    ['SAVE10', 'SAVEIO', true],
    ['SAVE10', 'save-lo', true],
    ['LUNCH', '1UNCH', true],
    ['SAVE10', 'SAVE20', false],
    ['SAVE10', 'SAVE100', false],
  ])('%s vs %s → %s', (a, b, expected) => {
    expect(couponCodesLookAlike(a, b)).toBe(expected);
  });
});

describe('CouponDefinitionSchema', () => {
  it('normalizes the code and fills defaults a manager leaves out', () => {
    const parsed = coupon({ code: 'spring-sale' });
    expect(parsed).toMatchObject({
      code: 'SPRINGSALE',
      minimumOrder: 0,
      weekdays: [],
      active: true,
      stackable: false,
      eligibility: { tiers: [], segments: [], newMembersOnly: false, stores: [], regions: [] },
    });
  });

  const base = { id: 'c', code: 'SAVE10', name: 'n', kind: 'percent', value: 10 } as const;
  it.each<[string, Record<string, unknown>, string]>([
    ['percent 0', { value: 0 }, 'value'],
    ['percent above 100', { value: 101 }, 'value'],
    ['fractional percent', { value: 12.5 }, 'value'],
    ['fixed without amount', { kind: 'fixed', value: 0 }, 'value'],
    ['free item without item', { kind: 'free-item', value: 0 }, 'freeItem'],
    [
      'item on a percent coupon',
      { freeItem: { sku: 'cof', name: 'Coffee', value: 300 } },
      'freeItem',
    ],
    ['cap on a fixed coupon', { kind: 'fixed', value: 500, maxDiscount: 100 }, 'maxDiscount'],
    ['code too short', { code: 'AB' }, 'code'],
    ['code with symbols', { code: 'SAVE%10' }, 'code'],
    [
      'expiry before start',
      { startsAt: '2026-03-10T00:00:00Z', expiresAt: '2026-03-01T00:00:00Z' },
      'expiresAt',
    ],
    ['per-member above total', { usageLimit: 1, perMemberLimit: 2 }, 'perMemberLimit'],
    ['date without offset', { expiresAt: '2026-03-10T00:00:00' }, 'expiresAt'],
    ['weekday 7', { weekdays: [7] }, 'weekdays'],
    ['hours 24:00', { hours: { from: '10:00', to: '24:00' } }, 'hours'],
  ])('refuses %s', (_name, overrides, path) => {
    const result = parseCouponDefinition({ ...base, ...overrides });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.refusal.code).toBe('invalid-coupon');
      expect(result.refusal.message).toMatch(/^The coupon is not valid: /);
      expect(String(result.refusal.details?.['issues'])).toContain(path);
    }
  });

  it('says in plain words that a coupon needs a name', () => {
    const result = parseCouponDefinition({ ...base, name: '' });
    expect(result.ok ? 'accepted' : result.refusal.message).toBe(
      'The coupon is not valid: Give the coupon a name.',
    );
  });

  it('accepts each kind when complete', () => {
    expect(parseCouponDefinition({ ...base }).ok).toBe(true);
    expect(parseCouponDefinition({ ...base, kind: 'fixed', value: 500 }).ok).toBe(true);
    expect(
      parseCouponDefinition({
        ...base,
        kind: 'free-item',
        value: 0,
        freeItem: { sku: 'cof', name: 'Coffee', value: 300 },
      }).ok,
    ).toBe(true);
  });
});

describe('validateCoupon refusals', () => {
  const limited = coupon({ usageLimit: 100 });
  const perMember = coupon({ perMemberLimit: 1 });
  const table: [string, Partial<CouponValidationInput>, CouponRefusalCode, RegExp][] = [
    ['a time without offset', { at: '2026-03-06T12:00' }, 'invalid-time', /not a valid ISO time/],
    ['a negative total', { order: { total: -1 } }, 'invalid-order', /not valid/],
    ['a fractional total', { order: { total: 10.5 } }, 'invalid-order', /not valid/],
    [
      'a line with zero quantity',
      { order: { total: 500, lines: [{ quantity: 0, amount: 500 }] } },
      'invalid-order',
      /not valid/,
    ],
    ['an empty code', { code: ' - ' }, 'unknown-code', /^Type a coupon code first\.$/],
    ['an unknown code', { code: 'nope' }, 'unknown-code', /no coupon with the code NOPE/],
    ['no coupons loaded', { coupons: null }, 'unknown-code', /no coupon with the code SAVE10/],
    [
      'distinct look-alike codes',
      {
        code: 'SAVEI0',
        coupons: [coupon({ id: 'a', code: 'SAVE10' }), coupon({ id: 'b', code: 'SAVEIO' })],
      },
      'coupon-ambiguous-code',
      /Several coupons look like SAVEI0/,
    ],
    [
      'a switched-off coupon',
      { coupons: coupon({ active: false }) },
      'coupon-inactive',
      /switched off/,
    ],
    [
      'a coupon that starts later',
      { coupons: coupon({ startsAt: '2026-04-10T00:00:00+02:00' }) },
      'coupon-not-yet-valid',
      /^This coupon can be used from 10 April\.$/,
    ],
    [
      'a coupon that starts later today',
      { coupons: coupon({ startsAt: '2026-03-06T13:30:00Z' }) },
      'coupon-not-yet-valid',
      /^This coupon can be used from 6 March, 14:30\.$/,
    ],
    [
      'an expired coupon (ends at local midnight)',
      { coupons: coupon({ expiresAt: '2026-03-04T00:00:00+01:00' }) },
      'coupon-expired',
      /^This coupon expired on 3 March\.$/,
    ],
    [
      'a coupon that expired last year',
      { coupons: coupon({ expiresAt: '2025-12-31T12:00:00Z' }) },
      'coupon-expired',
      /^This coupon expired on 31 December 2025\.$/,
    ],
    [
      'a coupon applied twice',
      { applied: [{ couponId: 'cpn-1', stackable: false, discount: 400 }] },
      'coupon-already-applied',
      /already applied/,
    ],
    [
      'a second coupon when one is allowed',
      { applied: [{ couponId: 'other', stackable: true, discount: 100 }] },
      'coupon-one-per-checkout',
      /^Only one coupon can be used per order\.$/,
    ],
    [
      'a store not listed',
      { coupons: coupon({ eligibility: { stores: ['store-9'] } }) },
      'coupon-store-not-eligible',
      /cannot be used in this store/,
    ],
    [
      'a region not listed',
      { coupons: coupon({ eligibility: { regions: ['south'] } }) },
      'coupon-store-not-eligible',
      /cannot be used in this store/,
    ],
    [
      'a store without region against a region list',
      { coupons: coupon({ eligibility: { regions: ['north'] } }), store: { storeId: 'store-1' } },
      'coupon-store-not-eligible',
      /cannot be used in this store/,
    ],
    [
      'the wrong weekday',
      { coupons: coupon({ weekdays: [1, 3, 0] }) },
      'coupon-wrong-day',
      /^This coupon can be used only on Monday, Wednesday and Sunday\.$/,
    ],
    [
      'outside the hours',
      { coupons: coupon({ hours: { from: '15:00', to: '18:00' } }) },
      'coupon-outside-hours',
      /^This coupon can be used only between 15:00 and 18:00\.$/,
    ],
    [
      'a tier coupon without a member',
      { coupons: coupon({ eligibility: { tiers: ['gold'] } }), member: null },
      'coupon-member-required',
      /look the customer up first/,
    ],
    [
      'a per-member limit without a member',
      { coupons: perMember, member: null },
      'coupon-member-required',
      /look the customer up first/,
    ],
    [
      'a lower tier',
      { coupons: coupon({ eligibility: { tiers: ['gold', 'platinum'] } }) },
      'coupon-tier-not-eligible',
      /^This coupon is only for Gold or Platinum members\.$/,
    ],
    [
      'a segment the member is not in',
      { coupons: coupon({ eligibility: { segments: ['lapsed'] } }) },
      'coupon-segment-not-eligible',
      /not offered to this member/,
    ],
    [
      'a returning member on a first-purchase coupon',
      { coupons: coupon({ eligibility: { newMembersOnly: true } }) },
      'coupon-new-members-only',
      /only for a first purchase/,
    ],
    [
      'a single-use coupon already used',
      { coupons: coupon({ usageLimit: 1 }), usage: { usedCount: 1, memberUses: 0 } },
      'coupon-usage-limit-reached',
      /^This coupon has already been used\.$/,
    ],
    [
      'a coupon used up',
      { coupons: limited, usage: { usedCount: 100, memberUses: 0 } },
      'coupon-usage-limit-reached',
      /used up \(all 100 uses\)/,
    ],
    [
      'a one-per-member coupon used by this member',
      { coupons: perMember, usage: { usedCount: 5, memberUses: 1 } },
      'coupon-already-used-by-member',
      /^This member has already used this coupon\.$/,
    ],
    [
      'a three-per-member coupon used three times',
      { coupons: coupon({ perMemberLimit: 3 }), usage: { usedCount: 5, memberUses: 3 } },
      'coupon-already-used-by-member',
      /3 times, the most allowed/,
    ],
    [
      'a limited coupon offline',
      { coupons: limited, offline: { offline: true } },
      'coupon-limited-offline',
      /cannot be accepted while the till is offline/,
    ],
    [
      'a per-member coupon offline, override forbids',
      {
        coupons: perMember,
        offline: { offline: true, allowLimitedCouponsOffline: false },
        program: ProgramSettingsSchema.parse({ offline: { allowLimitedCouponsOffline: true } }),
      },
      'coupon-limited-offline',
      /offline/,
    ],
    [
      'an order under the minimum',
      { coupons: coupon({ minimumOrder: 25_00 }), order: { total: 20_50 } },
      'coupon-minimum-order-not-met',
      /^This coupon needs an order of at least €25\.00: add €4\.50 more\.$/,
    ],
    [
      'a free item missing from the lines',
      {
        coupons: coupon({
          kind: 'free-item',
          value: 0,
          freeItem: { sku: 'esp', name: 'Espresso', value: 3_00 },
        }),
        order: { total: 10_00, lines: [{ sku: 'cake', quantity: 1, amount: 10_00 }] },
      },
      'coupon-free-item-not-in-order',
      /^Add Espresso to the order to use this coupon\.$/,
    ],
  ];

  it.each(table)('refuses %s', (_name, overrides, code, message) => {
    const refusal = refusalOf(validateCoupon(input(overrides)));
    expect(refusal.code).toBe(code);
    expect(refusal.message).toMatch(message);
  });

  it('covers every refusal code of the module', () => {
    const codes = new Set(table.map(([, , code]) => code));
    const all: Record<CouponRefusalCode, true> = {
      'invalid-time': true,
      'invalid-order': true,
      'unknown-code': true,
      'coupon-ambiguous-code': true,
      'coupon-inactive': true,
      'coupon-not-yet-valid': true,
      'coupon-expired': true,
      'coupon-already-applied': true,
      'coupon-one-per-checkout': true,
      'coupon-store-not-eligible': true,
      'coupon-wrong-day': true,
      'coupon-outside-hours': true,
      'coupon-member-required': true,
      'coupon-tier-not-eligible': true,
      'coupon-segment-not-eligible': true,
      'coupon-new-members-only': true,
      'coupon-usage-limit-reached': true,
      'coupon-already-used-by-member': true,
      'coupon-limited-offline': true,
      'coupon-minimum-order-not-met': true,
      'coupon-free-item-not-in-order': true,
    };
    expect([...codes].sort()).toEqual(Object.keys(all).sort());
  });

  it('gives the minimum and the missing amount in details', () => {
    const refusal = refusalOf(
      validateCoupon(input({ coupons: coupon({ minimumOrder: 25_00 }), order: { total: 20_50 } })),
    );
    expect(refusal.details).toMatchObject({
      couponId: 'cpn-1',
      minimumOrder: 25_00,
      missing: 4_50,
    });
  });

  it('reports the first failing check when several fail', () => {
    const everythingWrong = coupon({
      active: false,
      expiresAt: '2026-01-01T00:00:00Z',
      minimumOrder: 100_00,
      eligibility: { tiers: ['vip'] },
    });
    const steps: [Partial<CouponDefinitionInput>, CouponRefusalCode][] = [
      [{ active: false, expiresAt: '2026-01-01T00:00:00Z' }, 'coupon-inactive'],
      [{ expiresAt: '2026-01-01T00:00:00Z', eligibility: { stores: ['x'] } }, 'coupon-expired'],
      [{ eligibility: { stores: ['x'] }, weekdays: [1] }, 'coupon-store-not-eligible'],
      [{ weekdays: [1], hours: { from: '20:00', to: '21:00' } }, 'coupon-wrong-day'],
      [
        { hours: { from: '20:00', to: '21:00' }, eligibility: { tiers: ['vip'] } },
        'coupon-outside-hours',
      ],
      [{ eligibility: { tiers: ['vip'], segments: ['x'] } }, 'coupon-tier-not-eligible'],
      [{ eligibility: { segments: ['x'], newMembersOnly: true } }, 'coupon-segment-not-eligible'],
      [{ eligibility: { newMembersOnly: true }, usageLimit: 1 }, 'coupon-new-members-only'],
      [{ usageLimit: 1, perMemberLimit: 1 }, 'coupon-usage-limit-reached'],
      [{ perMemberLimit: 1, minimumOrder: 100_00 }, 'coupon-already-used-by-member'],
    ];
    for (const [overrides, code] of steps) {
      const result = validateCoupon(
        input({ coupons: coupon(overrides), usage: { usedCount: 1, memberUses: 1 } }),
      );
      expect(refusalOf(result).code).toBe(code);
    }
    expect(refusalOf(validateCoupon(input({ coupons: everythingWrong }))).code).toBe(
      'coupon-inactive',
    );
    // Offline comes before the order minimum.
    expect(
      refusalOf(
        validateCoupon(
          input({
            coupons: coupon({ usageLimit: 5, minimumOrder: 100_00 }),
            offline: { offline: true },
          }),
        ),
      ).code,
    ).toBe('coupon-limited-offline');
  });
});

describe('validateCoupon discounts', () => {
  const freeEspresso = coupon({
    kind: 'free-item',
    value: 0,
    freeItem: { sku: 'esp', name: 'Espresso', value: 3_00 },
  });
  it.each<[string, Partial<CouponValidationInput>, number]>([
    ['10% of 40.00', {}, 4_00],
    ['10% rounds down to whole cents', { order: { total: 12_39 } }, 1_23],
    ['33% of 0.99 rounds down', { coupons: coupon({ value: 33 }), order: { total: 99 } }, 32],
    [
      '50% capped by the maximum discount',
      { coupons: coupon({ value: 50, maxDiscount: 15_00 }) },
      15_00,
    ],
    ['100% of the order', { coupons: coupon({ value: 100 }) }, 40_00],
    ['fixed 5.00', { coupons: coupon({ kind: 'fixed', value: 5_00 }) }, 5_00],
    [
      'fixed never above the order',
      { coupons: coupon({ kind: 'fixed', value: 50_00 }), order: { total: 12_00 } },
      12_00,
    ],
    ['free item without lines: its value', { coupons: freeEspresso }, 3_00],
    [
      'free item: the price of one unit',
      {
        coupons: freeEspresso,
        order: {
          total: 6_50,
          lines: [
            { sku: 'esp', quantity: 2, amount: 5_00 },
            { quantity: 1, amount: 1_50 },
          ],
        },
      },
      2_50,
    ],
    [
      'free item: capped at its value',
      {
        coupons: freeEspresso,
        order: { total: 4_50, lines: [{ sku: 'esp', quantity: 1, amount: 4_50 }] },
      },
      3_00,
    ],
    [
      'free item sold by weight: the whole line',
      {
        coupons: freeEspresso,
        order: { total: 1_20, lines: [{ sku: 'esp', quantity: 0.4, amount: 1_20 }] },
      },
      1_20,
    ],
    ['free item never above the order', { coupons: freeEspresso, order: { total: 1_00 } }, 1_00],
    ['an empty order', { order: { total: 0 } }, 0],
  ])('%s', (_name, overrides, expected) => {
    expect(discountOf(validateCoupon(input(overrides)))).toBe(expected);
  });

  it('returns the coupon, its kind, stacking, limits and free item', () => {
    const result = validateCoupon(
      input({
        coupons: coupon({
          ...{ kind: 'free-item', value: 0 },
          freeItem: { sku: 'esp', name: 'Espresso', value: 3_00 },
          perMemberLimit: 1,
        }),
      }),
    );
    expect(result).toEqual({
      ok: true,
      value: {
        couponId: 'cpn-1',
        code: 'SAVE10',
        kind: 'free-item',
        discount: 3_00,
        stackable: false,
        limited: true,
        freeItem: { sku: 'esp', name: 'Espresso', value: 3_00 },
      },
    });
  });

  it('stacks stackable coupons up to maxPerCheckout, on what is left to pay', () => {
    const program = ProgramSettingsSchema.parse({ ...PROGRAM, coupons: { maxPerCheckout: 2 } });
    const first = coupon({ id: 'a', code: 'FIRST', kind: 'fixed', value: 30_00, stackable: true });
    const second = coupon({ id: 'b', code: 'SECOND', value: 50, stackable: true });
    const third = coupon({ id: 'c', code: 'THIRD', kind: 'fixed', value: 1_00, stackable: true });
    const coupons = [first, second, third];
    const one = validateCoupon(input({ program, coupons, code: 'first' }));
    expect(one.ok).toBe(true);
    if (!one.ok) return;
    const two = validateCoupon(input({ program, coupons, code: 'second', applied: [one.value] }));
    // 50% of the 10.00 left, not of the 40.00 order.
    expect(discountOf(two)).toBe(5_00);
    if (!two.ok) return;
    const three = refusalOf(
      validateCoupon(input({ program, coupons, code: 'third', applied: [one.value, two.value] })),
    );
    expect(three.code).toBe('coupon-one-per-checkout');
    expect(three.message).toBe('At most 2 coupons can be used per order.');
  });

  it('refuses to combine with a non-stackable coupon, either way round', () => {
    const program = ProgramSettingsSchema.parse({ ...PROGRAM, coupons: { maxPerCheckout: 3 } });
    const stackable = coupon({ id: 's', code: 'STACK', stackable: true });
    const single = coupon({ id: 'n', code: 'SINGLE', stackable: false });
    const coupons = [stackable, single];
    for (const [code, applied] of [
      ['stack', { couponId: 'n', stackable: false, discount: 1 }],
      ['single', { couponId: 's', stackable: true, discount: 1 }],
    ] as const) {
      const refusal = refusalOf(
        validateCoupon(input({ program, coupons, code, applied: [applied] })),
      );
      expect(refusal.code).toBe('coupon-one-per-checkout');
      expect(refusal.message).toMatch(/cannot be combined/);
    }
  });

  it('accepts a limited coupon offline when the program allows it, and flags it limited', () => {
    const program = ProgramSettingsSchema.parse({
      ...PROGRAM,
      offline: { allowLimitedCouponsOffline: true },
    });
    const result = validateCoupon(
      input({ program, coupons: coupon({ usageLimit: 10 }), offline: { offline: true } }),
    );
    expect(result.ok && result.value.limited).toBe(true);
    const unlimited = validateCoupon(input({ offline: { offline: true } }));
    expect(unlimited.ok && unlimited.value.limited).toBe(false);
  });

  it('accepts a coupon without member rules for a customer who is not a member', () => {
    expect(discountOf(validateCoupon(input({ member: null })))).toBe(4_00);
  });

  it('accepts eligible members, stores and regions', () => {
    const eligible = coupon({
      eligibility: {
        tiers: ['silver'],
        segments: ['x', 'coffee-lovers'],
        newMembersOnly: true,
        stores: ['store-9'],
        regions: ['north'],
      },
    });
    const member = { tierId: 'silver', segments: ['coffee-lovers'], isNewMember: true };
    expect(discountOf(validateCoupon(input({ coupons: eligible, member })))).toBe(4_00);
    expect(
      discountOf(
        validateCoupon(input({ coupons: eligible, member, store: { storeId: 'store-9' } })),
      ),
    ).toBe(4_00);
  });

  it('uses the minimum on the order before discounts, at exactly the minimum', () => {
    expect(
      discountOf(
        validateCoupon(
          input({ coupons: coupon({ minimumOrder: 40_00 }), order: { total: 40_00 } }),
        ),
      ),
    ).toBe(4_00);
  });

  it('is valid from startsAt inclusive and until expiresAt exclusive', () => {
    const window = coupon({ startsAt: AT, expiresAt: '2026-03-06T12:00:00Z' });
    expect(validateCoupon(input({ coupons: window, at: AT })).ok).toBe(true);
    expect(validateCoupon(input({ coupons: window, at: '2026-03-06T11:59:59.999Z' })).ok).toBe(
      true,
    );
    expect(
      refusalOf(validateCoupon(input({ coupons: window, at: '2026-03-06T12:00:00Z' }))).code,
    ).toBe('coupon-expired');
  });
});

describe('validateCoupon lookup', () => {
  it('finds a look-alike code typed with O for 0 and I for 1', () => {
    const result = validateCoupon(input({ code: 'save-io' }));
    expect(result.ok && result.value.couponId).toBe('cpn-1');
  });

  it('prefers an exact code over a look-alike', () => {
    const coupons = [coupon({ id: 'zero', code: 'SAVE10' }), coupon({ id: 'oh', code: 'SAVEIO' })];
    const result = validateCoupon(input({ code: 'saveio', coupons }));
    expect(result.ok && result.value.couponId).toBe('oh');
  });

  it('picks the active, current coupon among several with one code, whatever the list order', () => {
    const old = coupon({ id: 'a-old', expiresAt: '2025-09-01T00:00:00Z' });
    const off = coupon({ id: 'b-off', active: false });
    const current = coupon({ id: 'z-current' });
    for (const coupons of [
      [old, off, current],
      [current, off, old],
    ]) {
      const result = validateCoupon(input({ coupons }));
      expect(result.ok && result.value.couponId).toBe('z-current');
    }
    // Two equally good ones: the smallest id, whatever the order.
    const twin = coupon({ id: 'a-twin' });
    for (const coupons of [
      [current, twin],
      [twin, current],
    ]) {
      const result = validateCoupon(input({ coupons }));
      expect(result.ok && result.value.couponId).toBe('a-twin');
    }
  });

  it('reports the expired coupon when no current one has the code', () => {
    const refusal = refusalOf(
      validateCoupon(input({ coupons: [coupon({ expiresAt: '2026-03-01T00:00:00Z' })] })),
    );
    expect(refusal.code).toBe('coupon-expired');
  });
});

describe('validateCoupon weekdays and hours in the program time zone', () => {
  const fridayNight = coupon({ weekdays: [5], hours: { from: '22:00', to: '02:00' } });
  it.each<[string, string, CouponRefusalCode | 'ok']>([
    // Berlin is UTC+1 on these dates.
    ['Friday 23:30 Berlin', '2026-03-06T22:30:00Z', 'ok'],
    ['Saturday 01:30 Berlin is still Friday night', '2026-03-07T00:30:00Z', 'ok'],
    ['Saturday 02:00 Berlin: window closed', '2026-03-07T01:00:00Z', 'coupon-wrong-day'],
    ['Friday 21:59 Berlin: too early', '2026-03-06T20:59:00Z', 'coupon-outside-hours'],
    ['Friday 01:00 Berlin belongs to Thursday night', '2026-03-06T00:00:00Z', 'coupon-wrong-day'],
    ['Saturday 23:00 Berlin', '2026-03-07T22:00:00Z', 'coupon-wrong-day'],
  ])('%s → %s', (_name, at, expected) => {
    const result = validateCoupon(input({ coupons: fridayNight, at }));
    expect(result.ok ? 'ok' : result.refusal.code).toBe(expected);
  });

  it('reads the weekday in the program zone, not UTC', () => {
    // 23:30 UTC on Thursday is Friday 00:30 in Berlin.
    const fridays = coupon({ weekdays: [5] });
    const at = '2026-03-05T23:30:00Z';
    expect(validateCoupon(input({ coupons: fridays, at })).ok).toBe(true);
    expect(
      refusalOf(validateCoupon(input({ coupons: fridays, at, program: DEFAULT_PROGRAM }))).code,
    ).toBe('coupon-wrong-day');
  });

  it('follows daylight saving time', () => {
    // Happy hour 17:00-19:00 Berlin: 16:00Z in winter (UTC+1), 15:00Z in summer (UTC+2).
    const happyHour = coupon({ hours: { from: '17:00', to: '19:00' } });
    expect(validateCoupon(input({ coupons: happyHour, at: '2026-03-06T16:30:00Z' })).ok).toBe(true);
    expect(validateCoupon(input({ coupons: happyHour, at: '2026-07-06T15:30:00Z' })).ok).toBe(true);
    expect(validateCoupon(input({ coupons: happyHour, at: '2026-07-06T17:30:00Z' })).ok).toBe(
      false,
    );
  });

  it('treats a window from a time to the same time as the whole day', () => {
    const allDay = coupon({ hours: { from: '06:00', to: '06:00' } });
    for (const at of ['2026-03-06T04:59:00Z', '2026-03-06T05:00:00Z', '2026-03-06T22:00:00Z']) {
      expect(validateCoupon(input({ coupons: allDay, at })).ok).toBe(true);
    }
  });
});

describe('validateCoupon properties', () => {
  const couponArb = fc
    .record({
      kind: fc.constantFrom('percent', 'fixed', 'free-item'),
      percent: fc.integer({ min: 1, max: 100 }),
      amount: fc.integer({ min: 1, max: 1_000_000 }),
      maxDiscount: fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: undefined }),
      itemValue: fc.integer({ min: 1, max: 100_000 }),
      stackable: fc.boolean(),
    })
    .map((c) =>
      CouponDefinitionSchema.parse({
        id: 'p',
        code: 'PROP',
        name: 'prop',
        kind: c.kind,
        stackable: c.stackable,
        value: c.kind === 'percent' ? c.percent : c.kind === 'fixed' ? c.amount : 0,
        ...(c.kind === 'percent' && c.maxDiscount !== undefined
          ? { maxDiscount: c.maxDiscount }
          : {}),
        ...(c.kind === 'free-item'
          ? { freeItem: { sku: 'esp', name: 'Espresso', value: c.itemValue } }
          : {}),
      }),
    );
  const linesArb = fc.option(
    fc.array(
      fc.record({
        sku: fc.constantFrom('esp', 'cake', 'tea'),
        quantity: fc.oneof(
          fc.integer({ min: 1, max: 10 }),
          fc.double({ min: 0.01, max: 5, noNaN: true }),
        ),
        amount: fc.integer({ min: 0, max: 100_000 }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    { nil: undefined },
  );

  it('never gives a negative discount nor more than what is left of the order', () => {
    fc.assert(
      fc.property(
        couponArb,
        fc.integer({ min: 0, max: 10_000_000 }),
        linesArb,
        fc.integer({ min: 0, max: 10_000_000 }),
        (definition, total, lines, earlier) => {
          const program = ProgramSettingsSchema.parse({ coupons: { maxPerCheckout: 5 } });
          const applied = definition.stackable
            ? [{ couponId: 'earlier', stackable: true, discount: earlier }]
            : [];
          const withFreeItem =
            lines && definition.kind === 'free-item'
              ? [...lines, { sku: 'esp', quantity: 1, amount: 1 }]
              : lines;
          const result = validateCoupon(
            input({
              code: 'prop',
              coupons: definition,
              program,
              applied,
              order: { total, ...(withFreeItem ? { lines: withFreeItem } : {}) },
            }),
          );
          expect(result.ok).toBe(true);
          if (!result.ok) return;
          const left = Math.max(0, total - (applied[0]?.discount ?? 0));
          expect(Number.isSafeInteger(result.value.discount)).toBe(true);
          expect(result.value.discount).toBeGreaterThanOrEqual(0);
          expect(result.value.discount).toBeLessThanOrEqual(left);
          expect(result.value.discount).toBeLessThanOrEqual(total);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a percent discount is the percent of the order rounded down', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: 100_000_000 }),
        (percent, total) => {
          const result = validateCoupon(
            input({ coupons: coupon({ value: percent }), order: { total } }),
          );
          const discount = discountOf(result);
          expect(discount * 100).toBeLessThanOrEqual(total * percent);
          expect((discount + 1) * 100).toBeGreaterThan(total * percent);
        },
      ),
    );
  });

  it('finds the same coupon for every way of typing its code', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Z0-9]{3,12}$/),
        fc.array(fc.constantFrom(' ', '-', '', ''), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        (code, separators, lower) => {
          const typed = [...code]
            .map((ch, i) => `${separators[i % separators.length]}${ch}`)
            .join('');
          const result = validateCoupon(
            input({ code: lower ? typed.toLowerCase() : typed, coupons: coupon({ code }) }),
          );
          expect(result.ok).toBe(true);
        },
      ),
    );
  });
});
