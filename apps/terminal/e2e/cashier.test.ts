/** The cashier's screens against a real server: sign-in, look-up, enrollment, checkout, receipt. */
import {
  ADA,
  CASHIER,
  MANAGER,
  STORE_ID,
  expect,
  openTill,
  screenshot,
  test,
  tillOn,
} from './fixtures.js';

test('login: a wrong PIN is refused, repeated failures lock the PIN, the right staff member gets in', async ({
  page,
  appUrl,
  shop,
}) => {
  const till = tillOn(page);
  await till.firstRun.open(appUrl, {
    serverUrl: shop.server.url,
    enrollmentCode: await shop.server.enrollmentCode(STORE_ID),
  });
  await expect(till.firstRun.enrollmentCode).not.toHaveValue('');
  await screenshot(page, '01-first-run');
  await till.firstRun.connect();

  await till.login.chooseStaff(CASHIER.name);
  await screenshot(page, '02-login');
  await till.login.typePin('0000');
  await expect(till.login.problem).toHaveText('Wrong PIN. 4 attempts left.');
  for (const left of [3, 2, 1]) {
    await till.login.typePin('0000');
    await expect(till.login.problem).toHaveText(
      `Wrong PIN. ${left} attempt${left === 1 ? '' : 's'} left.`,
    );
  }
  await till.login.typePin('0000');
  await expect(till.login.problem).toContainText('Too many wrong PINs. Try again in 5 minutes');
  // Locked: even the right PIN waits now.
  await till.login.typePin(CASHIER.pin);
  await expect(till.login.problem).toContainText('Too many wrong PINs');
  await expect(page.getByTestId('signed-in-as')).toHaveCount(0);

  // Another staff member is not affected; the on-screen keypad works like the keyboard.
  await till.login.chooseStaff(MANAGER.name);
  await till.login.tapPin(MANAGER.pin);
  await expect(page.getByTestId('signed-in-as')).toHaveText(`${MANAGER.name} (manager)`);
  await expect(till.checkout.phone).toBeFocused();

  // A manager sees the manager's actions: an adjustment needs a reason, then counts at once.
  await till.checkout.findMember(ADA.phone, ADA.name);
  await expect(till.checkout.managerActions).toBeVisible();
  await page.getByRole('button', { name: 'Adjust points' }).click();
  await page.getByLabel('Points (negative to take away)').fill('100');
  await page.getByLabel('Reason').fill('Birthday cake was late');
  await page.getByRole('button', { name: 'Save adjustment' }).click();
  await expect(till.checkout.managerActions).toContainText(
    'Adjusted by 100 pts. New balance 1,620 pts.',
  );
  await expect(till.checkout.balance).toHaveText('1,620 pts');
});

test('lookup: phone to member card with tier, balance, next tier, allergies, diet and notes', async ({
  page,
  appUrl,
  shop,
}) => {
  const { checkout } = await openTill(page, appUrl, shop);
  // Typed the way people say it, in the store's country.
  await checkout.lookup('(415) 555-0101');
  await expect(checkout.memberName).toHaveText(ADA.name);
  await expect(checkout.balance).toHaveText('1,520 pts');
  await expect(checkout.tier).toHaveText('Silver');
  await expect(page.getByTestId('member-next-tier')).toHaveText('980 pts to Gold');
  await expect(page.getByTestId('member-allergies')).toHaveText('Allergies: peanuts');
  await expect(page.getByTestId('member-dietary')).toHaveText('Dietary: vegetarian');
  await expect(page.getByTestId('member-notes')).toContainText('Prefers the window table');
  // A cashier does not see the manager's actions.
  await expect(checkout.managerActions).toHaveCount(0);
  await expect(checkout.amount).toBeFocused();
  await screenshot(page, '03-member-card');

  // A malformed number is explained, not crashed on; the end of a number finds the member.
  await checkout.page.keyboard.press('Escape');
  await checkout.lookup('12');
  await expect(checkout.lookupProblem).toBeVisible();
  await checkout.lookup('0101');
  await page.getByRole('button', { name: /Ada Lovelace/ }).click();
  await expect(checkout.memberName).toHaveText(ADA.name);
});

test('enroll: an unknown number becomes a member in a few keystrokes, with the enrollment bonus', async ({
  page,
  appUrl,
  shop,
}) => {
  const { checkout } = await openTill(page, appUrl, shop);
  await checkout.lookup('415 555 0199');
  await expect(checkout.enrollHeading).toBeVisible();
  await expect(page.getByTestId('unknown-phone')).toHaveText('+14155550199');
  await expect(page.getByLabel('Name', { exact: true })).toBeFocused();
  await screenshot(page, '04-enroll');
  await checkout.enroll({ name: 'Grace Hopper', email: 'not-an-email' });
  await expect(
    page.getByRole('alert').filter({ hasText: 'email address does not look right' }),
  ).toBeVisible();
  await checkout.enroll({
    name: 'Grace Hopper',
    email: 'grace@example.com',
    birthday: '1906-12-09',
    sms: true,
  });
  await expect(checkout.memberName).toHaveText('Grace Hopper');
  await expect(checkout.balance).toHaveText('100 pts');
  await expect(checkout.tier).toHaveText('Bronze');

  // The member and the bonus reach the server.
  await expect
    .poll(async () => {
      const members = await shop.server.documents<{ id: string; phone: string; name: string }>(
        'members',
      );
      const grace = members.find((member) => member.phone === '+14155550199');
      return grace ? (await shop.server.account(grace.id))?.balance : undefined;
    })
    .toBe(100);
});

test('a new till still loading the members says so, and warns before enrolling a customer it cannot find', async ({
  page,
  appUrl,
  shop,
}) => {
  // The members' first load cannot get its pages until released (a slow link to the server).
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/sync/v1/members/pull', async (route) => {
    await released;
    await route.continue();
  });
  const { checkout } = await openTill(page, appUrl, shop);
  const loading = page.getByTestId('sync-first-load');
  await expect(loading).toHaveText('Loading members: 0');
  await checkout.lookup(ADA.phone);
  await expect(checkout.enrollHeading).toBeVisible();
  await expect(page.getByTestId('enroll-first-load')).toContainText(
    'This till is still loading the members from the server (0 so far)',
  );
  await screenshot(page, '09-first-load');

  release();
  await expect(loading).toBeHidden({ timeout: 30_000 });
  await page.keyboard.press('Escape');
  await checkout.lookup(ADA.phone);
  await expect(checkout.memberName).toHaveText(ADA.name);
});

test('checkout with points, a valid coupon and a redemption; receipt with print', async ({
  page,
  appUrl,
  shop,
}) => {
  const { checkout } = await openTill(page, appUrl, shop);
  await checkout.lookup(ADA.phone);
  await expect(checkout.balance).toHaveText('1,520 pts');

  await checkout.amount.fill('42.50');
  // Silver earns 1.25 points per dollar: 42.50 × 1.25 = 53.
  await expect(checkout.pointsToEarn).toHaveText('+53 pts');
  await checkout.coupon.fill('fiveoff');
  await expect(checkout.couponStatus).toHaveText('FIVEOFF: $5.00 off');
  // Half of the 37.50 left would allow 1,875 points: the balance is the limit.
  await expect(checkout.redeemStatus).toHaveText(
    'Up to 1,520 pts ($15.20 off), limited by the balance.',
  );
  // More than the balance is refused with the reason; Use max takes what is allowed.
  await checkout.redeem.fill('1600');
  await expect(checkout.redeem).toHaveAttribute('aria-invalid', 'true');
  await expect(checkout.redeemStatus).toHaveClass('problem');
  await page.getByRole('button', { name: /Use max/ }).click();
  await expect(checkout.redeem).toHaveValue('1520');
  await expect(checkout.redeem).toHaveAttribute('aria-invalid', 'false');
  await expect(checkout.amountToPay).toHaveText('$22.30');
  // Points are earned on what is paid: 22.30 × 1.25 = 27.
  await expect(checkout.pointsToEarn).toHaveText('+27 pts');
  await screenshot(page, '05-checkout');

  await checkout.confirm();
  await expect(page.getByTestId('receipt-coupon')).toHaveText('−$5.00');
  await expect(page.getByTestId('receipt-points-discount')).toHaveText('−$15.20');
  await expect(page.getByTestId('receipt-paid')).toHaveText('$22.30');
  await expect(page.getByTestId('receipt-earned')).toHaveText('+27 pts');
  await expect(page.getByTestId('receipt-balance')).toHaveText('27 pts');
  await page.getByRole('button', { name: /Print receipt/ }).click();
  await expect(page.getByTestId('print-outcome')).toHaveText('Sent to the printer.');
  await screenshot(page, '06-receipt');

  // The server applies it: the card shows the server's balance once acknowledged.
  await expect(checkout.pending).toHaveText('0');
  const memberId = shop.members[ADA.phone] as string;
  await expect.poll(async () => (await shop.server.account(memberId))?.balance).toBe(27);
  await expect(checkout.balance).toHaveText('27 pts');
  await checkout.nextCustomer();
});

test('keyboard only: sign in, phone, amount, coupon, maximum points, confirm, print, next customer', async ({
  page,
  appUrl,
  shop,
}) => {
  const till = tillOn(page);
  await till.firstRun.open(appUrl, {
    serverUrl: shop.server.url,
    enrollmentCode: await shop.server.enrollmentCode(STORE_ID),
  });
  await expect(till.firstRun.enrollmentCode).toBeFocused();
  await page.keyboard.press('Enter');

  // The first staff member has the focus: Enter chooses, then the PIN and Enter.
  await expect(till.login.staffButton(CASHIER.name)).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(till.login.pin).toBeFocused();
  await page.keyboard.type(CASHIER.pin);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('signed-in-as')).toContainText(CASHIER.name, { timeout: 30_000 });

  const { checkout } = till;
  await expect(checkout.phone).toBeFocused();
  await checkout.expectOnline();
  await expect(async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.type('4155550101');
    await page.keyboard.press('Enter');
    await expect(checkout.memberName).toHaveText(ADA.name, { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });

  await expect(checkout.amount).toBeFocused();
  await page.keyboard.type('30');
  await page.keyboard.press('Tab'); // + Add a line
  await page.keyboard.press('Tab');
  await expect(checkout.coupon).toBeFocused();
  await page.keyboard.type('FIVEOFF');
  await expect(checkout.couponStatus).toHaveText('FIVEOFF: $5.00 off');
  await page.keyboard.press('Tab');
  await expect(checkout.redeem).toBeFocused();
  await expect(checkout.redeemStatus).toContainText('Up to 1,250 pts');
  await page.keyboard.press('Alt+M');
  await expect(checkout.redeem).toHaveValue('1250');
  await expect(checkout.amountToPay).toHaveText('$12.50');
  await page.keyboard.press('Enter');

  await expect(checkout.receipt).toBeVisible();
  await expect(page.getByTestId('receipt-paid')).toHaveText('$12.50');
  await page.keyboard.press('p');
  await expect(page.getByTestId('print-outcome')).toHaveText('Sent to the printer.');
  await page.keyboard.press('Enter');
  await expect(checkout.receipt).toHaveCount(0);
  await expect(checkout.phone).toBeFocused();
  await expect(checkout.phone).toHaveValue('');
});
