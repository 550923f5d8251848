/** Each reason a coupon can be refused, shown under the coupon field as the cashier types. */
import { expect, openTill, test } from './fixtures.js';
import type { SeedCoupon, SeedMember } from './support/server-protocol.js';

const now = new Date();
const DAY = 86_400_000;
const today = now.getUTCDay();
const hour = now.getUTCHours();
const hh = (h: number) => `${String(h % 24).padStart(2, '0')}:00`;

/** Alan has bought before, once with ONCEEACH; Bea used the single-use ONLYONE. */
const ALAN: SeedMember = {
  phone: '+14155550111',
  name: 'Alan Turing',
  points: 300,
  purchases: [
    {
      orderTotal: 30_00,
      pointsEarned: 25,
      couponId: 'c-once-each',
      couponCode: 'ONCEEACH',
      couponDiscount: 5_00,
    },
  ],
};
const BEA: SeedMember = {
  phone: '+14155550112',
  name: 'Bea Berg',
  purchases: [
    {
      orderTotal: 30_00,
      pointsEarned: 25,
      couponId: 'c-only-one',
      couponCode: 'ONLYONE',
      couponDiscount: 5_00,
    },
  ],
};

const eligibility = { tiers: [], segments: [], newMembersOnly: false, stores: [], regions: [] };

/** One coupon per refusal; the order is 20.00 without lines unless a case adds one. */
const CASES: { coupon?: SeedCoupon; typed: string; reason: RegExp; line?: boolean }[] = [
  { typed: 'NOSUCH', reason: /There is no coupon with the code NOSUCH\./ },
  {
    coupon: { id: 'c-off', code: 'SWITCHEDOFF', active: false },
    typed: 'switchedoff',
    reason: /This coupon has been switched off\./,
  },
  {
    coupon: {
      id: 'c-later',
      code: 'LATER',
      startsAt: new Date(now.getTime() + 10 * DAY).toISOString(),
    },
    typed: 'LATER',
    reason: /This coupon can be used from/,
  },
  {
    coupon: {
      id: 'c-old',
      code: 'OLDSPRING',
      startsAt: new Date(now.getTime() - 40 * DAY).toISOString(),
      expiresAt: new Date(now.getTime() - 10 * DAY).toISOString(),
    },
    typed: 'OLDSPRING',
    reason: /This coupon expired on/,
  },
  {
    coupon: {
      id: 'c-elsewhere',
      code: 'OTHERSTORE',
      eligibility: { ...eligibility, stores: ['store-elsewhere'] },
    },
    typed: 'OTHERSTORE',
    reason: /This coupon cannot be used in this store\./,
  },
  {
    coupon: { id: 'c-day', code: 'NOTTODAY', weekdays: [(today + 2) % 7, (today + 3) % 7] },
    typed: 'NOTTODAY',
    reason: /This coupon can be used only on/,
  },
  {
    coupon: { id: 'c-hours', code: 'HAPPYHOUR', hours: { from: hh(hour + 2), to: hh(hour + 3) } },
    typed: 'HAPPYHOUR',
    reason: /This coupon can be used only between/,
  },
  {
    coupon: { id: 'c-vip', code: 'VIPONLY', eligibility: { ...eligibility, tiers: ['vip'] } },
    typed: 'VIPONLY',
    reason: /This coupon is only for VIP members\./,
  },
  {
    coupon: {
      id: 'c-segment',
      code: 'HIGHVALUE',
      eligibility: { ...eligibility, segments: ['high-value'] },
    },
    typed: 'HIGHVALUE',
    reason: /This coupon is not offered to this member\./,
  },
  {
    coupon: { id: 'c-new', code: 'NEWBIE', eligibility: { ...eligibility, newMembersOnly: true } },
    typed: 'NEWBIE',
    reason: /only for a first purchase, and this member has bought before/,
  },
  {
    coupon: { id: 'c-only-one', code: 'ONLYONE', usageLimit: 1 },
    typed: 'ONLYONE',
    reason: /^This coupon has already been used\.$/,
  },
  {
    coupon: { id: 'c-once-each', code: 'ONCEEACH', perMemberLimit: 1 },
    typed: 'ONCEEACH',
    reason: /^This member has already used this coupon\.$/,
  },
  {
    coupon: { id: 'c-big', code: 'BIGORDER', minimumOrder: 100_00 },
    typed: 'BIGORDER',
    reason: /This coupon needs an order of at least \$100\.00: add \$80\.00 more\./,
  },
  {
    coupon: {
      id: 'c-chai',
      code: 'FREECHAI',
      kind: 'free-item',
      value: 0,
      freeItem: { sku: 'chai', name: 'Masala chai', value: 3_00 },
    },
    typed: 'FREECHAI',
    reason: /Add Masala chai to the order to use this coupon\./,
    line: true,
  },
  {
    coupon: { id: 'c-save-zero', code: 'SAVE10' },
    typed: 'SAVEIO',
    reason: /Several coupons look like SAVEIO/,
  },
];
const LOOKALIKE: SeedCoupon = { id: 'c-save-oh', code: 'SAVE1O' };

test.use({
  seed: {
    members: [ALAN, BEA],
    coupons: [...CASES.flatMap((entry) => (entry.coupon ? [entry.coupon] : [])), LOOKALIKE],
  },
});

test('each coupon refusal reason is shown as the cashier types, and a valid code still applies', async ({
  page,
  appUrl,
  shop,
}) => {
  const { checkout } = await openTill(page, appUrl, shop);
  await checkout.lookup(ALAN.phone);
  await expect(checkout.memberName).toHaveText(ALAN.name);
  await checkout.amount.fill('20.00');
  await expect(checkout.pointsToEarn).toHaveText('+20 pts');

  for (const entry of CASES) {
    if (entry.line) {
      await page.keyboard.press('Alt+L');
      await page.getByLabel('Line 1 item').fill('Garlic naan');
      await page.getByLabel('Line 1 category').fill('sides');
      await page.getByLabel('Line 1 amount').fill('20.00');
    }
    await checkout.coupon.fill(entry.typed);
    await expect(checkout.couponStatus, `coupon ${entry.typed}`).toHaveText(entry.reason);
    await expect(checkout.coupon).toHaveAttribute('aria-invalid', 'true');
    // The rest of the order is still previewed next to the reason.
    await expect(checkout.pointsToEarn).toHaveText('+20 pts');
  }

  // A refused coupon stops the checkout with its reason; a valid one goes through.
  await checkout.confirmButton.click();
  await expect(
    page.getByRole('alert').filter({ hasText: 'Several coupons look like SAVEIO' }),
  ).toBeVisible();
  await checkout.coupon.fill('FIVEOFF');
  await expect(checkout.couponStatus).toHaveText('FIVEOFF: $5.00 off');
  await expect(checkout.coupon).toHaveAttribute('aria-invalid', 'false');
  await checkout.confirm();
  await expect(page.getByTestId('receipt-coupon')).toHaveText('−$5.00');
});
