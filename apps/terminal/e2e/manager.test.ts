/**
 * Beyond the checkout: a cashier redeems a catalog reward and refunds a purchase from the
 * member's history; a manager resolves a review the server flagged, creates a coupon that a
 * checkout then accepts, and limits one to days, hours and a tier; a manager corrects a profile.
 */
import { ADA, MANAGER, expect, openTill, test } from './fixtures.js';
import type { SeedMember, SeedReward } from './support/server-protocol.js';

/** Owen owes points: an opening balance of −300 made the server open an overdraft review. */
const OWEN: SeedMember = { phone: '+14155550131', name: 'Owen Overdrawn', points: -300 };

const COFFEE: SeedReward = { id: 'reward-coffee', name: 'Free coffee', pointsCost: 300 };
const WEEKEND: SeedReward = { id: 'reward-weekend', name: 'Weekend away', pointsCost: 5_000 };
const CHEF: SeedReward = {
  id: 'reward-chef',
  name: 'Chef table',
  pointsCost: 100,
  tierExclusive: ['vip'],
};

test.use({ seed: { members: [OWEN], rewards: [COFFEE, WEEKEND, CHEF] } });

test('a cashier redeems a reward from the card and sees why the others cannot be had', async ({
  page,
  appUrl,
  shop,
}) => {
  const { checkout, member } = await openTill(page, appUrl, shop);
  await checkout.findMember(ADA.phone, ADA.name);
  await expect(checkout.balance).toHaveText('1,520 pts');
  await member.openRewards();
  await expect(member.reward('Weekend away')).toContainText(
    'Weekend away costs 5,000 points; the member has 1,520, 3,480 short.',
  );
  await expect(member.redeemButton('Weekend away')).toBeDisabled();
  await expect(member.reward('Chef table')).toContainText(
    'Chef table is for VIP members and above.',
  );
  await expect(member.redeemButton('Chef table')).toBeDisabled();

  // Keyboard: focus the button and press Enter.
  await member.redeemButton('Free coffee').focus();
  await page.keyboard.press('Enter');
  await expect(member.feedback('rewards')).toHaveText(
    'Free coffee redeemed for 300 pts. New balance 1,220 pts.',
  );
  await expect(checkout.balance).toHaveText('1,220 pts');
  // The reasons follow the new balance.
  await expect(member.reward('Weekend away')).toContainText('3,780 short');

  const memberId = shop.members[ADA.phone] as string;
  await expect.poll(async () => (await shop.server.account(memberId))?.balance).toBe(1_220);
});

test('a cashier refunds a purchase from the member history; the server reverses its points', async ({
  page,
  appUrl,
  shop,
}) => {
  const { checkout, member, desk } = await openTill(page, appUrl, shop);
  // A cashier has no manager desk.
  await expect(desk.navButton('Reviews')).toHaveCount(0);
  await checkout.findMember(ADA.phone, ADA.name);
  await checkout.checkout({ amount: '40.00' });
  const earned = Number(await page.getByTestId('receipt-earned').getAttribute('data-points'));
  expect(earned).toBeGreaterThan(0);
  await expect(checkout.balance).toHaveAttribute('data-points', String(1_520 + earned));

  await member.openHistory();
  const purchase = member.entries.filter({ hasText: 'Purchase $40.00' });
  await expect(purchase).toHaveCount(1);
  await expect(purchase).toContainText(`+${earned} pts`);
  await member.refund('Purchase $40.00');
  await expect(member.feedback('history')).toHaveText('Refund recorded. New balance 1,520 pts.');
  await expect(checkout.balance).toHaveText('1,520 pts');
  await expect(purchase).toContainText('(refunded)');
  await expect(purchase.getByRole('button', { name: 'Refund' })).toHaveCount(0);
  // Once the server has applied it, the refund shows as counted.
  await expect(member.entries.first()).toHaveAttribute('data-kind', 'refund');
  await expect(member.entries.first()).toHaveAttribute('data-status', 'accepted', {
    timeout: 30_000,
  });
  await expect(member.entries.first()).toContainText('Counted');

  const memberId = shop.members[ADA.phone] as string;
  await expect.poll(async () => (await shop.server.account(memberId))?.balance).toBe(1_520);
});

test('a manager resolves the overdraft review with a note; the server has the resolution', async ({
  page,
  appUrl,
  shop,
}) => {
  const { desk } = await openTill(page, appUrl, shop, MANAGER);
  await desk.go('Reviews');
  const review = desk.review('Owen Overdrawn');
  await expect(review).toHaveAttribute('data-kind', 'overdraft', { timeout: 30_000 });
  await expect(review).toContainText('300 points were taken from a balance of 0');
  await expect(review).toContainText('+14155550131');

  // An empty note is refused in plain words, and nothing changes.
  await review.getByRole('button', { name: 'Resolve' }).click();
  await expect(review.getByRole('alert')).toHaveText(
    'Write a note (at most 1000 characters) saying what was done.',
  );
  await desk.resolve('Owen Overdrawn', 'Spoke to Owen; he will earn it back.');
  await expect(desk.review('Owen Overdrawn')).toHaveCount(0);
  await expect(page.getByTestId('no-reviews')).toHaveText('Nothing to review.');

  await desk.showReviews('Resolved');
  await expect(desk.review('Owen Overdrawn').getByTestId('review-resolution')).toContainText(
    'Resolved: Spoke to Owen; he will earn it back.',
  );

  const ownerId = shop.members[OWEN.phone] as string;
  await expect
    .poll(async () => {
      const reviews = await shop.server.documents<{
        memberId?: string;
        status: string;
        resolution?: { note: string; staffId: string };
      }>('reviews');
      const found = reviews.find((doc) => doc.memberId === ownerId);
      return found && { status: found.status, resolution: found.resolution };
    })
    .toMatchObject({
      status: 'resolved',
      resolution: { note: 'Spoke to Owen; he will earn it back.', staffId: MANAGER.id },
    });
});

test('a manager creates a coupon (refused first with the reason) that then applies at checkout', async ({
  page,
  appUrl,
  shop,
}) => {
  const { desk, checkout } = await openTill(page, appUrl, shop, MANAGER);
  await desk.go('Coupons');
  await expect(desk.couponRow('FIVEOFF')).toBeVisible();
  await desk.newCoupon();
  await desk.fillCoupon({ code: 'lunch-20', name: 'Lunch 20%', kind: 'Percent off', value: '150' });
  await desk.saveCoupon();
  await expect(desk.couponProblem).toHaveText(
    'The coupon is not valid: value: a percent coupon takes 1 to 100 percent off',
  );
  await desk.fillCoupon({ code: 'FIVE0FF', kind: 'Percent off', value: '20' });
  await desk.saveCoupon();
  await expect(desk.couponProblem).toContainText('looks like FIVEOFF');
  await desk.fillCoupon({ code: 'lunch-20', minimumOrder: '10.00' });
  await desk.saveCoupon();
  await expect(page.getByRole('status').filter({ hasText: 'Coupon LUNCH20 saved.' })).toBeVisible();
  await expect(desk.couponRow('LUNCH20')).toContainText('20% off');
  await expect(desk.couponRow('LUNCH20').getByTestId('coupon-used')).toHaveText('0');
  await expect
    .poll(async () =>
      (await shop.server.documents<{ code: string }>('coupons')).map((doc) => doc.code),
    )
    .toContain('LUNCH20');

  await desk.go('Till');
  await checkout.findMember(ADA.phone, ADA.name);
  await checkout.amount.fill('30.00');
  await checkout.coupon.fill('lunch20');
  await expect(checkout.couponStatus).toHaveText('LUNCH20: $6.00 off');
  await checkout.confirm();
  await expect(page.getByTestId('receipt-coupon')).toHaveText('−$6.00');

  // The server counts the use; the coupon list shows it, read-only.
  await desk.go('Coupons');
  await expect(desk.couponRow('LUNCH20').getByTestId('coupon-used')).toHaveText('1', {
    timeout: 30_000,
  });
});

test('a manager limits a coupon to days, hours and a tier; the server has the limits and the till holds them', async ({
  page,
  appUrl,
  shop,
}) => {
  const { desk, checkout } = await openTill(page, appUrl, shop, MANAGER);
  await desk.go('Coupons');
  await desk.newCoupon();
  await desk.fillCoupon({
    code: 'vip-night',
    name: 'VIP night',
    kind: 'Amount off',
    value: '3.00',
  });
  const form = desk.editor;
  for (const day of ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']) {
    await form.getByLabel(day, { exact: true }).check();
  }
  await form.getByLabel('From (time)').fill('00:00');
  await desk.saveCoupon();
  await expect(desk.couponProblem).toHaveText(
    'Hours: enter both the start and the end, or neither.',
  );
  // From equal to until is the whole day (an empty window would be a coupon nobody can use).
  await form.getByLabel('Until (time)').fill('00:00');
  await form.getByLabel('VIP', { exact: true }).check();
  await form.getByLabel('Segments (comma-separated)').fill(' regulars , regulars, lunch ');
  await desk.saveCoupon();
  await expect(
    page.getByRole('status').filter({ hasText: 'Coupon VIPNIGHT saved.' }),
  ).toBeVisible();
  await expect
    .poll(async () =>
      (
        await shop.server.documents<{
          code: string;
          weekdays: number[];
          hours?: { from: string; to: string };
          eligibility: { tiers: string[]; segments: string[] };
        }>('coupons')
      ).find((doc) => doc.code === 'VIPNIGHT'),
    )
    .toMatchObject({
      weekdays: [0, 1, 2, 3, 4, 5, 6],
      hours: { from: '00:00', to: '00:00' },
      eligibility: { tiers: ['vip'], segments: ['regulars', 'lunch'] },
    });

  // Opened again, the editor shows what was saved.
  await page.getByRole('button', { name: 'Edit VIPNIGHT' }).click();
  await expect(desk.editor.getByLabel('Tue', { exact: true })).toBeChecked();
  await expect(desk.editor.getByLabel('VIP', { exact: true })).toBeChecked();
  await expect(desk.editor.getByLabel('Gold', { exact: true })).not.toBeChecked();
  await expect(desk.editor.getByLabel('Segments (comma-separated)')).toHaveValue('regulars, lunch');
  await desk.editor.getByRole('button', { name: 'Cancel' }).click();

  // Ada is not a VIP: the till refuses the coupon with the reason.
  await desk.go('Till');
  await checkout.findMember(ADA.phone, ADA.name);
  await checkout.amount.fill('30.00');
  await checkout.coupon.fill('vipnight');
  await expect(checkout.couponStatus).toContainText('This coupon is only for VIP members.');
});

test('a manager corrects a profile, consents included; the server has the change', async ({
  page,
  appUrl,
  shop,
}) => {
  const { checkout } = await openTill(page, appUrl, shop, MANAGER);
  await checkout.findMember(ADA.phone, ADA.name);
  await page.getByRole('button', { name: 'Edit profile' }).click();
  const form = page.getByRole('form', { name: 'Edit profile' });
  await expect(form.getByLabel('App notifications')).not.toBeChecked();
  await form.getByLabel('App notifications').check();
  await form.getByLabel('Anniversary offers').check();
  await form.getByLabel('Allergies (comma separated)').fill('peanuts, sesame');
  await form.getByRole('button', { name: 'Save profile' }).click();
  await expect(checkout.managerActions).toContainText('Profile saved.');
  await expect
    .poll(
      async () =>
        (
          await shop.server.documents<{
            phone: string;
            consents: Record<string, boolean>;
            preferences: { allergies: string[] };
          }>('members')
        ).find((doc) => doc.phone === ADA.phone),
      { timeout: 30_000 },
    )
    .toMatchObject({
      consents: { push: true, anniversaryOffers: true },
      preferences: { allergies: ['peanuts', 'sesame'] },
    });
});

test('a manager adjusts points twice: the card keeps one set of tools, and a phone number typed as points is refused', async ({
  page,
  appUrl,
  shop,
}) => {
  const { checkout, member } = await openTill(page, appUrl, shop, MANAGER);
  await checkout.findMember(ADA.phone, ADA.name);
  await expect(checkout.balance).toHaveText('1,520 pts');
  const adjust = async (points: string, reason: string) => {
    await page.getByRole('button', { name: 'Adjust points' }).click();
    await page.getByLabel('Points (negative to take away)').fill(points);
    await page.getByLabel('Reason').fill(reason);
    await page.getByRole('button', { name: 'Save adjustment' }).click();
  };
  await adjust('10', 'goodwill');
  await expect(checkout.managerActions).toContainText('New balance 1,530 pts.');
  await adjust('-5', 'typo');
  await expect(checkout.managerActions).toContainText('New balance 1,525 pts.');
  // One Rewards and one History button, however often the card refreshed.
  await expect(member.card.getByRole('button', { name: 'Rewards', exact: true })).toHaveCount(1);
  await expect(member.card.getByRole('button', { name: 'History', exact: true })).toHaveCount(1);

  await page.getByRole('button', { name: 'Adjust points' }).click();
  await page.getByLabel('Points (negative to take away)').fill('4155550101');
  await page.getByLabel('Reason').fill('wrong field');
  await page.getByRole('button', { name: 'Save adjustment' }).click();
  await expect(checkout.managerActions).toContainText(
    'One adjustment adds or takes away at most 1,000,000 points.',
  );
  await expect(checkout.balance).toHaveText('1,525 pts');
});
