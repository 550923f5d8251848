import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PROGRAM } from '@tillpoint/loyalty';
import { CHECKOUT_REFUSAL_CODES, LOGIN_REFUSAL_CODES } from './refusals.js';
import { SyncServer, couponDoc, rewardDoc } from './test-support/sync-server.js';
import { openTerminal, waitFor } from './test-support/terminal-fixture.js';
import type { OpenedTerminal } from './test-support/terminal-fixture.js';
import type { CheckoutInput } from './checkout.js';

let server: SyncServer;
let till: OpenedTerminal;
/** A member with 20,000 points and purchases behind them; one brand new; one blocked. */
let rich: string;
let fresh: string;
let blocked: string;
const covered = { checkout: new Set<string>(), login: new Set<string>() };

const HOUR = 3_600_000;
const now = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();
const today = new Date(now).getUTCDay();

beforeAll(async () => {
  server = await SyncServer.start();
  await server.addStaff({ id: 'cashier-cy', role: 'cashier', pin: '1111' });
  await server.addStaff({ id: 'manager-di', role: 'manager', pin: '2222' });
  await server.addStaff({ id: 'cashier-gone', role: 'cashier', pin: '3333', active: false });
  await server.addStaff({
    id: 'cashier-elsewhere',
    role: 'cashier',
    pin: '4444',
    storeIds: ['store-2'],
  });
  await server.seed('coupons', [
    couponDoc({ id: 'c-inactive', code: 'SLEEPY', active: false }),
    couponDoc({ id: 'c-future', code: 'SOON', startsAt: iso(now + 48 * HOUR) }),
    couponDoc({
      id: 'c-past',
      code: 'GONE',
      startsAt: iso(now - 96 * HOUR),
      expiresAt: iso(now - 48 * HOUR),
    }),
    couponDoc({ id: 'c-stack', code: 'STACKME', stackable: true }),
    couponDoc({ id: 'c-plain', code: 'PLAIN' }),
    couponDoc({ id: 'c-plain2', code: 'PLAINER' }),
    couponDoc({
      id: 'c-store',
      code: 'OTHERSTORE',
      eligibility: {
        tiers: [],
        segments: [],
        newMembersOnly: false,
        stores: ['store-2'],
        regions: [],
      },
    }),
    couponDoc({ id: 'c-day', code: 'NOTTODAY', weekdays: [(today + 3) % 7] }),
    couponDoc({
      id: 'c-hours',
      code: 'LATER',
      hours: {
        from: iso(now + 2 * HOUR).slice(11, 16),
        to: iso(now + 3 * HOUR).slice(11, 16),
      },
    }),
    couponDoc({
      id: 'c-gold',
      code: 'GOLDONLY',
      eligibility: {
        tiers: ['gold'],
        segments: [],
        newMembersOnly: false,
        stores: [],
        regions: [],
      },
    }),
    couponDoc({
      id: 'c-segment',
      code: 'VIPSEG',
      eligibility: {
        tiers: [],
        segments: ['big-spenders'],
        newMembersOnly: false,
        stores: [],
        regions: [],
      },
    }),
    couponDoc({
      id: 'c-new',
      code: 'WELCOME',
      eligibility: { tiers: [], segments: [], newMembersOnly: true, stores: [], regions: [] },
    }),
    couponDoc({ id: 'c-once', code: 'ONCEONLY', usageLimit: 1 }),
    couponDoc({ id: 'c-per-member', code: 'ONEEACH', perMemberLimit: 1 }),
    couponDoc({ id: 'c-limited', code: 'LIMITED', usageLimit: 100 }),
    couponDoc({ id: 'c-minimum', code: 'BIGORDER', minimumOrder: 50_00 }),
    couponDoc({
      id: 'c-cookie',
      code: 'FREECOOKIE',
      kind: 'free-item',
      value: 0,
      freeItem: { sku: 'COOKIE', name: 'Cookie', value: 200 },
    }),
    couponDoc({ id: 'c-look-1', code: 'AMB0X1' }),
    couponDoc({ id: 'c-look-2', code: 'AMBOXI' }),
  ]);

  await server.seed('rewards', [
    rewardDoc({ id: 'r-small', pointsCost: 500 }),
    rewardDoc({ id: 'r-big', pointsCost: 2_500 }),
  ]);

  till = await openTerminal();
  const enrollment = await till.terminal.enrollTerminal(server.url, await server.enrollmentCode());
  expect(enrollment.ok).toBe(true);
  await waitFor(
    async () => (await till.terminal.database.coupons.count().exec()) === 19,
    'coupons',
  );
  await waitFor(async () => (await till.terminal.database.staff.count().exec()) === 4, 'staff');
  await waitFor(async () => (await till.terminal.database.rewards.count().exec()) === 2, 'rewards');
  expect((await till.terminal.login('manager-di', '2222')).ok).toBe(true);
  const member = async (phone: string, name: string) => {
    const result = await till.terminal.enrollMember({ phone, name });
    if (!result.ok) throw new Error(result.refusal.message);
    return result.value.card.member.id;
  };
  rich = await member('+12125550121', 'Rich');
  fresh = await member('+12125550122', 'Fresh');
  blocked = await member('+12125550123', 'Blocked');
  expect((await till.terminal.adjustPoints(rich, 20_000, 'test balance')).ok).toBe(true);
  expect((await till.terminal.checkout({ memberId: rich, orderTotal: 1_00 })).ok).toBe(true);
  expect((await till.terminal.editProfile(blocked, { status: 'blocked' })).ok).toBe(true);
  expect((await till.terminal.login('cashier-cy', '1111')).ok).toBe(true);
  await waitFor(() => till.terminal.status.pending === 0 && till.terminal.status.online, 'sync');
});

afterAll(async () => {
  await till?.terminal.close();
  await server.dispose();
});

/** One terminal per realm (RxDB's collection limit): the enrolled till steps aside meanwhile. */
async function withUnenrolledTerminal(work: (opened: OpenedTerminal) => Promise<void>) {
  await till.terminal.close();
  const loose = await openTerminal();
  try {
    await work(loose);
  } finally {
    await loose.terminal.close();
    till = await openTerminal({ name: till.name, network: till.network, clock: till.clock });
    expect((await till.terminal.login('cashier-cy', '1111')).ok).toBe(true);
  }
}

async function expectCheckoutRefused(input: CheckoutInput, code: string, opened = till) {
  const preview = await opened.terminal.previewCheckout(input);
  expect(preview.ok ? 'accepted' : preview.refusal.code).toBe(code);
  const confirmed = await opened.terminal.checkout(input);
  expect(confirmed.ok ? 'accepted' : confirmed.refusal.code).toBe(code);
  if (!confirmed.ok) expect(confirmed.refusal.message.length).toBeGreaterThan(10);
  covered.checkout.add(code);
}

describe('checkout refusals', () => {
  it.each([
    ['invalid-order', { orderTotal: -1 }],
    ['invalid-order', { orderTotal: 10.5 }],
    ['invalid-order', { orderTotal: 10_00, lines: [{ quantity: 0, amount: 10_00 }] }],
    [
      'invalid-order',
      { orderTotal: 10_00, lines: [{ name: 'Tea\u0000', quantity: 1, amount: 10_00 }] },
    ],
    ['invalid-points', { orderTotal: 10_00, redeemPoints: -5 }],
    ['lines-do-not-add-up', { orderTotal: 10_00, lines: [{ quantity: 1, amount: 5_00 }] }],
    ['unknown-code', { orderTotal: 10_00, couponCodes: ['NOPE123'] }],
    ['coupon-ambiguous-code', { orderTotal: 10_00, couponCodes: ['AMBOX1'] }],
    ['coupon-inactive', { orderTotal: 10_00, couponCodes: ['SLEEPY'] }],
    ['coupon-not-yet-valid', { orderTotal: 10_00, couponCodes: ['SOON'] }],
    ['coupon-expired', { orderTotal: 10_00, couponCodes: ['GONE'] }],
    ['coupon-already-applied', { orderTotal: 100_00, couponCodes: ['STACKME', 'STACKME'] }],
    ['coupon-one-per-checkout', { orderTotal: 100_00, couponCodes: ['PLAIN', 'PLAINER'] }],
    ['coupon-store-not-eligible', { orderTotal: 10_00, couponCodes: ['OTHERSTORE'] }],
    ['coupon-wrong-day', { orderTotal: 10_00, couponCodes: ['NOTTODAY'] }],
    ['coupon-outside-hours', { orderTotal: 10_00, couponCodes: ['LATER'] }],
    ['coupon-tier-not-eligible', { orderTotal: 10_00, couponCodes: ['GOLDONLY'] }],
    ['coupon-segment-not-eligible', { orderTotal: 10_00, couponCodes: ['VIPSEG'] }],
    ['coupon-new-members-only', { orderTotal: 10_00, couponCodes: ['WELCOME'] }],
    ['coupon-minimum-order-not-met', { orderTotal: 10_00, couponCodes: ['BIGORDER'] }],
    [
      'coupon-free-item-not-in-order',
      {
        orderTotal: 10_00,
        lines: [{ sku: 'TEA', quantity: 1, amount: 10_00 }],
        couponCodes: ['FREECOOKIE'],
      },
    ],
    ['below-minimum-redemption', { orderTotal: 100_00, redeemPoints: 100 }],
    ['exceeds-order-share', { orderTotal: 10_00, redeemPoints: 600 }],
  ] as const)('%s', async (code, input) => {
    await expectCheckoutRefused({ memberId: rich, ...input }, code);
  });

  it('an empty order is previewed (what could be redeemed) but never checked out', async () => {
    const transactions = await till.terminal.database.transactions.count().exec();
    const preview = await till.terminal.previewCheckout({ memberId: fresh, orderTotal: 0 });
    expect(preview.ok).toBe(true);
    for (const input of [
      { memberId: fresh, orderTotal: 0 },
      { memberId: fresh, orderTotal: 0, couponCodes: ['PLAIN'] },
    ]) {
      const confirmed = await till.terminal.checkout(input);
      expect(confirmed.ok ? 'accepted' : confirmed.refusal.message).toMatch(/above zero/);
    }
    expect(await till.terminal.database.transactions.count().exec()).toBe(transactions);
  });

  it('an order above the largest amount says so', async () => {
    const confirmed = await till.terminal.checkout({
      memberId: fresh,
      orderTotal: 2 * 99_999_999_900,
      lines: [
        { quantity: 1, amount: 99_999_999_900 },
        { quantity: 1, amount: 99_999_999_900 },
      ],
    });
    expect(confirmed.ok ? 'accepted' : confirmed.refusal.message).toMatch(
      /larger than the till accepts/,
    );
  });

  it('insufficient-points', async () => {
    await expectCheckoutRefused(
      { memberId: fresh, orderTotal: 100_00, redeemPoints: 600 },
      'insufficient-points',
    );
  });

  it('member-not-found and member-not-active', async () => {
    await expectCheckoutRefused(
      { memberId: '01890000-0000-7000-8000-000000000000', orderTotal: 10_00 },
      'member-not-found',
    );
    await expectCheckoutRefused({ memberId: blocked, orderTotal: 10_00 }, 'member-not-active');
  });

  it('coupon-usage-limit-reached and coupon-already-used-by-member', async () => {
    expect(
      (
        await till.terminal.checkout({
          memberId: fresh,
          orderTotal: 10_00,
          couponCodes: ['ONCEONLY'],
        })
      ).ok,
    ).toBe(true);
    await expectCheckoutRefused(
      { memberId: rich, orderTotal: 10_00, couponCodes: ['ONCEONLY'] },
      'coupon-usage-limit-reached',
    );
    expect(
      (
        await till.terminal.checkout({
          memberId: rich,
          orderTotal: 10_00,
          couponCodes: ['ONEEACH'],
        })
      ).ok,
    ).toBe(true);
    await expectCheckoutRefused(
      { memberId: rich, orderTotal: 10_00, couponCodes: ['ONEEACH'] },
      'coupon-already-used-by-member',
    );
    // Still refused once the server has counted the uses.
    await waitFor(() => till.terminal.status.pending === 0, 'sync');
    await expectCheckoutRefused(
      { memberId: rich, orderTotal: 10_00, couponCodes: ['ONEEACH'] },
      'coupon-already-used-by-member',
    );
  });

  it('offline: limited coupons, per-checkout and daily caps, and too long without contact', async () => {
    till.network.cut();
    await waitFor(() => !till.terminal.status.online, 'offline');
    try {
      await expectCheckoutRefused(
        { memberId: rich, orderTotal: 10_00, couponCodes: ['LIMITED'] },
        'coupon-limited-offline',
      );
      await expectCheckoutRefused(
        { memberId: rich, orderTotal: 100_00, redeemPoints: 2_500 },
        'offline-checkout-cap',
      );
      expect(
        (await till.terminal.checkout({ memberId: rich, orderTotal: 100_00, redeemPoints: 2_000 }))
          .ok,
      ).toBe(true);
      expect(
        (await till.terminal.checkout({ memberId: rich, orderTotal: 100_00, redeemPoints: 2_000 }))
          .ok,
      ).toBe(true);
      await expectCheckoutRefused(
        { memberId: rich, orderTotal: 100_00, redeemPoints: 2_000 },
        'offline-daily-cap',
      );
      const preview = await till.terminal.previewCheckout({ memberId: rich, orderTotal: 100_00 });
      expect(preview.ok && preview.value.maxRedeemable).toMatchObject({
        points: 1_000,
        limitedBy: 'offline-daily-cap',
      });
      // Rewards offline: the same caps as a checkout's points (4,000 redeemed so far today).
      const rewardCode = async (rewardId: string) => {
        const result = await till.terminal.redeemReward(rich, rewardId);
        return result.ok ? 'accepted' : result.refusal.code;
      };
      expect(await rewardCode('r-big')).toBe('offline-checkout-cap');
      expect(await rewardCode('r-small')).toBe('accepted');
      expect(await rewardCode('r-small')).toBe('accepted');
      expect(await rewardCode('r-small')).toBe('offline-daily-cap');
      const options = await till.terminal.rewardOptions(rich);
      expect(options.ok && options.value.map((option) => option.refusal?.code)).toEqual([
        'offline-daily-cap',
        'offline-checkout-cap',
      ]);
      till.clock.advance(DEFAULT_PROGRAM.offline.maxOfflineHours * HOUR + 1);
      await expectCheckoutRefused(
        { memberId: rich, orderTotal: 100_00, redeemPoints: 500 },
        'offline-too-long',
      );
      // Earning still works offline however long.
      expect((await till.terminal.checkout({ memberId: rich, orderTotal: 5_00 })).ok).toBe(true);
    } finally {
      till.clock.advance(-(DEFAULT_PROGRAM.offline.maxOfflineHours * HOUR + 1));
      till.network.restore();
      till.terminal.syncNow();
      await waitFor(
        () => till.terminal.status.online && till.terminal.status.pending === 0,
        'back online',
      );
    }
  });

  it('points-not-whole-discount when points buy fractions of a cent', async () => {
    const settings = {
      ...DEFAULT_PROGRAM,
      version: 2,
      redemption: { ...DEFAULT_PROGRAM.redemption, pointsPerUnit: 1000 },
    };
    const pushed = await server.admin.push('program', [
      {
        newDocumentState: {
          id: 'default',
          version: 2,
          settings,
          updatedBy: 'manager-di',
          rev: 0,
          updatedAt: new Date().toISOString(),
        },
      },
    ]);
    expect(pushed.status).toBe(200);
    await waitFor(async () => (await till.terminal.program()).version === 2, 'the program');
    await expectCheckoutRefused(
      { memberId: rich, orderTotal: 100_00, redeemPoints: 505 },
      'points-not-whole-discount',
    );
  });

  it('not-signed-in and terminal-not-enrolled', async () => {
    till.terminal.logout();
    try {
      await expectCheckoutRefused({ memberId: rich, orderTotal: 10_00 }, 'not-signed-in');
    } finally {
      expect((await till.terminal.login('cashier-cy', '1111')).ok).toBe(true);
    }
    await withUnenrolledTerminal(async (loose) => {
      expect(loose.terminal.status.enrolled).toBe(false);
      await expectCheckoutRefused(
        { memberId: rich, orderTotal: 10_00 },
        'terminal-not-enrolled',
        loose,
      );
    });
  });

  it('covers every checkout refusal code', () => {
    expect([...covered.checkout].sort()).toEqual([...CHECKOUT_REFUSAL_CODES].sort());
  });
});

describe('text the server could not store (U+0000, half a surrogate pair)', () => {
  it('is refused where it is typed, naming the field, and nothing is written', async () => {
    const members = await till.terminal.database.members.count().exec();
    const transactions = await till.terminal.database.transactions.count().exec();
    const enrolled = await till.terminal.enrollMember({
      phone: '+12125550199',
      name: 'Ann\u0000Lee',
    });
    expect(enrolled.ok ? 'accepted' : enrolled.refusal.code).toBe('invalid-member');
    expect(enrolled.ok ? '' : enrolled.refusal.message).toMatch(
      /^The name has a character that cannot be saved/,
    );
    const half = await till.terminal.enrollMember({ phone: '+12125550199', name: 'Ann \ud83d' });
    expect(half.ok ? 'accepted' : half.refusal.code).toBe('invalid-member');
    expect((await till.terminal.login('manager-di', '2222')).ok).toBe(true);
    try {
      const edited = await till.terminal.editProfile(fresh, {
        preferences: { allergies: ['nuts\u0000'], dietary: [] },
      });
      expect(edited.ok ? 'accepted' : edited.refusal.message).toMatch(
        /^The preferences.allergies has/,
      );
      const noted = await till.terminal.addNote(fresh, 'hello \udc00');
      expect(noted.ok ? 'accepted' : noted.refusal.code).toBe('invalid-member');
      const adjusted = await till.terminal.adjustPoints(fresh, 5, 'why\u0000');
      expect(adjusted.ok ? 'accepted' : adjusted.refusal.code).toBe('invalid-input');
      // A phone number typed as points: refused, as the server would refuse it.
      for (const points of [4155550101, -1_000_001, Number.MAX_SAFE_INTEGER]) {
        const huge = await till.terminal.adjustPoints(fresh, points, 'wrong field');
        expect(huge.ok ? 'accepted' : huge.refusal.message).toMatch(/at most 1,000,000 points/);
      }
    } finally {
      expect((await till.terminal.login('cashier-cy', '1111')).ok).toBe(true);
    }
    expect(await till.terminal.database.members.count().exec()).toBe(members);
    expect(await till.terminal.database.transactions.count().exec()).toBe(transactions);
    const card = await till.terminal.memberCard(fresh);
    expect(card.ok && card.value.member.notes).toEqual([]);
    // A whole emoji is text like any other.
    const emoji = await till.terminal.enrollMember({ phone: '+12125550198', name: 'Chai 🍵' });
    expect(emoji.ok).toBe(true);
  });
});

describe('login refusals', () => {
  async function expectLoginRefused(staffId: string, pin: string, code: string, opened = till) {
    const result = await opened.terminal.login(staffId, pin);
    expect(result.ok ? 'accepted' : result.refusal.code).toBe(code);
    covered.login.add(code);
    return result;
  }

  it('refuses malformed PINs, unknown, inactive and other stores staff', async () => {
    await expectLoginRefused('cashier-cy', '12a4', 'pin-invalid');
    await expectLoginRefused('cashier-cy', '123', 'pin-invalid');
    await expectLoginRefused('nobody', '1234', 'staff-unknown');
    await expectLoginRefused('cashier-gone', '3333', 'staff-inactive');
    await expectLoginRefused('cashier-elsewhere', '4444', 'staff-not-in-store');
    await withUnenrolledTerminal(async (loose) => {
      await expectLoginRefused('cashier-cy', '1111', 'terminal-not-enrolled', loose);
    });
  });

  it('locks a PIN out after repeated failures, offline too, and keeps the lock across a restart', async () => {
    till.network.cut();
    const wrong = await expectLoginRefused('manager-di', '0000', 'pin-incorrect');
    expect(!wrong.ok && wrong.refusal.message).toMatch(/2 attempts left/);
    await expectLoginRefused('manager-di', '0001', 'pin-incorrect');
    await expectLoginRefused('manager-di', '0002', 'pin-locked-out');
    // The right PIN does not help while locked.
    await expectLoginRefused('manager-di', '2222', 'pin-locked-out');
    // Others are not locked.
    expect((await till.terminal.login('cashier-cy', '1111')).ok).toBe(true);
    await till.terminal.close();
    till = await openTerminal({ name: till.name, network: till.network, clock: till.clock });
    await expectLoginRefused('manager-di', '2222', 'pin-locked-out');
    till.clock.advance(61_000);
    const session = await till.terminal.login('manager-di', '2222');
    expect(session.ok && session.value.role).toBe('manager');
    till.network.restore();
  });

  it('covers every login refusal code', () => {
    expect([...covered.login].sort()).toEqual([...LOGIN_REFUSAL_CODES].sort());
  });
});
