/**
 * What a manager does at the till besides checkouts (reviews, coupons) and what a cashier sees of
 * a member beyond the card (rewards, history), against the real sync server.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CouponDoc, ReviewDoc } from '@tillpoint/protocol';
import { SyncServer, couponDoc, rewardDoc } from './test-support/sync-server.js';
import { openTerminal, waitFor } from './test-support/terminal-fixture.js';
import type { OpenedTerminal } from './test-support/terminal-fixture.js';
import type { Terminal } from './terminal.js';

let server: SyncServer;

beforeAll(async () => {
  server = await SyncServer.start();
  await server.addStaff({ id: 'cashier-ann', role: 'cashier', pin: '1234', name: 'Ann' });
  await server.addStaff({ id: 'manager-max', role: 'manager', pin: '9876', name: 'Max' });
  await server.seed('coupons', [couponDoc({ id: 'coupon-five', code: 'FIVEOFF', value: 500 })]);
  await server.seed('rewards', [
    rewardDoc({ id: 'reward-coffee', name: 'Coffee', pointsCost: 100 }),
    rewardDoc({ id: 'reward-dinner', name: 'Dinner', pointsCost: 5_000 }),
    rewardDoc({ id: 'reward-vip', name: 'Chef table', pointsCost: 50, tierExclusive: ['vip'] }),
    rewardDoc({ id: 'reward-gone', name: 'Old mug', pointsCost: 10, active: false }),
  ]);
});

afterAll(async () => {
  await server.dispose();
});

// RxDB allows 13 open collections per realm: at most one till is open at a time.
const opened: OpenedTerminal[] = [];

afterEach(async () => {
  for (const { terminal } of opened.splice(0)) await terminal.close();
});

async function enrolledTill(): Promise<Terminal> {
  const till = await openTerminal();
  opened.push(till);
  const enrollment = await till.terminal.enrollTerminal(server.url, await server.enrollmentCode());
  expect(enrollment.ok).toBe(true);
  await waitFor(async () => (await till.terminal.listStaff()).length >= 2, 'staff to replicate');
  await waitFor(
    async () => (await till.terminal.database.coupons.find().exec()).length >= 1,
    'coupons to replicate',
  );
  await waitFor(
    async () => (await till.terminal.database.rewards.find().exec()).length >= 4,
    'rewards to replicate',
  );
  return till.terminal;
}

async function signIn(terminal: Terminal, who: 'cashier' | 'manager'): Promise<void> {
  const result =
    who === 'cashier'
      ? await terminal.login('cashier-ann', '1234')
      : await terminal.login('manager-max', '9876');
  expect(result.ok).toBe(true);
}

async function newMember(terminal: Terminal, phone: string): Promise<string> {
  const enrolled = await terminal.enrollMember({ phone, name: 'Grace Hopper' });
  if (!enrolled.ok) throw new Error(enrolled.refusal.message);
  return enrolled.value.card.member.id;
}

describe('member rewards and history (cashier)', () => {
  it('lists the rewards with the reason each cannot be had, redeems one, and refunds a checkout from the history', async () => {
    const terminal = await enrolledTill();
    await signIn(terminal, 'cashier');
    const memberId = await newMember(terminal, '+1 212 555 0201'); // 100 enrollment points

    const options = await terminal.rewardOptions(memberId);
    if (!options.ok) throw new Error(options.refusal.message);
    const byId = new Map(options.value.map((option) => [option.reward.id, option]));
    expect([...byId.keys()]).toEqual(['reward-vip', 'reward-coffee', 'reward-dinner']);
    expect(byId.get('reward-coffee')?.refusal).toBeUndefined();
    expect(byId.get('reward-dinner')?.refusal?.code).toBe('insufficient-points');
    expect(byId.get('reward-dinner')?.refusal?.message).toBe(
      'Dinner costs 5,000 points; the member has 100, 4,900 short.',
    );
    expect(byId.get('reward-vip')?.refusal?.message).toBe(
      'Chef table is for VIP members and above.',
    );

    const checkout = await terminal.checkout({ memberId, orderTotal: 40_00 });
    if (!checkout.ok) throw new Error(checkout.refusal.message);
    const redeemed = await terminal.redeemReward(memberId, 'reward-coffee');
    expect(redeemed.ok).toBe(true);

    const refund = await terminal.refund(checkout.value.transactionId);
    if (!refund.ok) throw new Error(refund.refusal.message);
    await waitFor(() => terminal.status.pending === 0, 'pending to drain');

    const history = await waitFor(async () => {
      const result = await terminal.memberHistory(memberId);
      return result.ok && result.value.every((entry) => entry.status !== 'pending')
        ? result.value
        : undefined;
    }, 'the outcomes to replicate');
    expect(history.map((entry) => entry.transaction.kind)).toEqual([
      'refund',
      'reward-redemption',
      'checkout',
      'enrollment-bonus',
    ]);
    const [refundEntry, rewardEntry, checkoutEntry] = history;
    expect(checkoutEntry?.refundable).toBe(false);
    expect(checkoutEntry?.refundedBy).toBe(refund.value.transactionId);
    expect(rewardEntry?.points).toBe(-100);
    expect(refundEntry?.status).toBe('accepted');
    // 100 + 240 (40.00 plus the first-purchase bonus) − 100, then the checkout's points back.
    expect(refundEntry?.points).toBe(-checkoutEntry!.points);
  });
});

describe('reviews (manager)', () => {
  it('lists the overdraft with the member, refuses a cashier, and a resolution reaches the server and survives a pull', async () => {
    const terminal = await enrolledTill();
    await signIn(terminal, 'manager');
    const memberId = await newMember(terminal, '+1 212 555 0202');
    const adjusted = await terminal.adjustPoints(memberId, -400, 'voucher given by mistake');
    expect(adjusted.ok).toBe(true);

    const listed = await waitFor(async () => {
      const result = await terminal.listReviews();
      const item = result.ok
        ? result.value.find((entry) => entry.review.memberId === memberId)
        : undefined;
      return item;
    }, 'the overdraft review to replicate');
    expect(listed.review.kind).toBe('overdraft');
    expect(listed.member?.name).toBe('Grace Hopper');
    expect(listed.review.details['pointsRedeemed']).toBe(400);
    const reviewId = listed.review.id;

    await signIn(terminal, 'cashier');
    expect(await terminal.listReviews()).toMatchObject({
      ok: false,
      refusal: { code: 'manager-only' },
    });
    const denied = await terminal.resolveReview(reviewId, 'Called the customer');
    expect(denied).toMatchObject({ ok: false, refusal: { code: 'manager-only' } });
    expect((await terminal.database.reviews.findOne(reviewId).exec())?.status).toBe('open');

    await signIn(terminal, 'manager');
    const empty = await terminal.resolveReview(reviewId, '   ');
    expect(empty).toMatchObject({ ok: false, refusal: { code: 'invalid-input' } });
    const resolved = await terminal.resolveReview(reviewId, 'Called the customer; voucher kept.');
    if (!resolved.ok) throw new Error(resolved.refusal.message);
    expect(resolved.value.status).toBe('resolved');
    const again = await terminal.resolveReview(reviewId, 'twice');
    expect(again).toMatchObject({ ok: false, refusal: { code: 'review-already-resolved' } });

    const onServer = await waitFor(async () => {
      const review = (await server.pull<ReviewDoc>('reviews')).find((doc) => doc.id === reviewId);
      return review?.status === 'resolved' ? review : undefined;
    }, 'the resolution on the server');
    expect(onServer.resolution).toMatchObject({
      note: 'Called the customer; voucher kept.',
      staffId: 'manager-max',
    });
    expect(onServer.summary).toBe(listed.review.summary);
    expect(terminal.status.error).toBeUndefined();

    // The server's copy (a newer revision) comes back and stays resolved; a fresh till agrees.
    await waitFor(async () => {
      const local = await terminal.database.reviews.findOne(reviewId).exec();
      return local?.rev === onServer.rev && local.status === 'resolved';
    }, 'the resolved review to come back');
    const open = await terminal.listReviews('open');
    expect(open.ok && open.value.map((entry) => entry.review.id)).not.toContain(reviewId);
    await terminal.close();
    const other = await enrolledTill();
    await signIn(other, 'manager');
    const seen = await waitFor(async () => {
      const result = await other.listReviews('resolved');
      return result.ok ? result.value.find((entry) => entry.review.id === reviewId) : undefined;
    }, 'the resolved review on another till');
    expect(seen.review.resolution?.note).toBe('Called the customer; voucher kept.');
  });
});

describe('coupons (manager)', () => {
  it('refuses a cashier and an invalid coupon with the reason, writing nothing; creates one a checkout accepts; edits keep usage', async () => {
    const terminal = await enrolledTill();
    const before = await terminal.database.coupons.count().exec();
    const draft = {
      code: 'spring-15',
      name: 'Spring 15%',
      kind: 'percent' as const,
      value: 15,
      minimumOrder: 10_00,
      eligibility: {},
    };

    await signIn(terminal, 'cashier');
    expect(await terminal.saveCoupon(draft)).toMatchObject({
      ok: false,
      refusal: { code: 'manager-only' },
    });

    await signIn(terminal, 'manager');
    const tooMuch = await terminal.saveCoupon({ ...draft, value: 150 });
    expect(tooMuch).toMatchObject({
      ok: false,
      refusal: {
        code: 'invalid-coupon',
        message: 'The coupon is not valid: value: a percent coupon takes 1 to 100 percent off',
      },
    });
    const taken = await terminal.saveCoupon({ ...draft, code: 'five-off' });
    expect(taken).toMatchObject({ ok: false, refusal: { code: 'coupon-code-taken' } });
    const lookalike = await terminal.saveCoupon({ ...draft, code: 'FIVE0FF' });
    expect(lookalike).toMatchObject({ ok: false, refusal: { code: 'coupon-code-taken' } });
    expect(await terminal.database.coupons.count().exec()).toBe(before);

    const created = await terminal.saveCoupon(draft);
    if (!created.ok) throw new Error(created.refusal.message);
    expect(created.value.code).toBe('SPRING15');
    expect(created.value.usage).toEqual({ used: 0 });
    const couponId = created.value.id;
    await waitFor(
      async () =>
        (await server.pull<CouponDoc>('coupons')).some((doc) => doc.id === couponId && doc.rev > 0),
      'the coupon on the server',
    );

    const memberId = await newMember(terminal, '+1 212 555 0203');
    const receipt = await terminal.checkout({
      memberId,
      orderTotal: 20_00,
      couponCodes: ['SPRING15'],
    });
    if (!receipt.ok) throw new Error(receipt.refusal.message);
    expect(receipt.value.couponDiscount).toBe(3_00);
    await waitFor(async () => {
      const local = await terminal.database.coupons.findOne(couponId).exec();
      return local?.usage.used === 1;
    }, 'the usage to come back');

    const edited = await terminal.saveCoupon({ ...draft, id: couponId, value: 20 });
    if (!edited.ok) throw new Error(edited.refusal.message);
    expect(edited.value.usage).toEqual({ used: 1 });
    const onServer = await waitFor(async () => {
      const doc = (await server.pull<CouponDoc>('coupons')).find((c) => c.id === couponId);
      return doc?.value === 20 ? doc : undefined;
    }, 'the edit on the server');
    expect(onServer.usage).toEqual({ used: 1 });
    expect(terminal.status.error).toBeUndefined();
  });

  it('moves the stored-data mark only once a pulled coupon is readable, so a list reloading on it shows it', async () => {
    const terminal = await enrolledTill();
    await signIn(terminal, 'manager');
    // What a screen does: reload the list whenever the mark moves, and keep what it last saw.
    let shown: string[] = [];
    let marks = 0;
    let lastMark: number | undefined;
    const subscription = terminal.status$.subscribe((status) => {
      if (status.storedAt === undefined || status.storedAt === lastMark) return;
      lastMark = status.storedAt;
      marks += 1;
      void terminal.listCoupons().then((listed) => {
        if (listed.ok) shown = listed.value.map((coupon) => coupon.code);
      });
    });
    try {
      const before = marks;
      await server.seed('coupons', [
        couponDoc({ id: 'coupon-late', code: 'LATE10', value: 1_000 }),
      ]);
      await waitFor(() => shown.includes('LATE10'), 'a reload on the mark to show the new coupon');
      expect(marks).toBeGreaterThan(before);
    } finally {
      subscription.unsubscribe();
    }
  });
});
