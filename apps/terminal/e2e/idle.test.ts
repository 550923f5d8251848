/**
 * A till left alone signs its staff member out (settings `idleSignOut`, here 12 seconds instead
 * of 15 minutes): typing keeps the session, walking away ends it, and the sign-in screen says
 * why. (`till-settings.test.ts`: a manager sets the limits.)
 */
import { CASHIER, expect, openTill, screenshot, test } from './fixtures.js';

const LIMIT_MINUTES = 0.2;

test('an idle till signs the cashier out; use keeps the session', async ({
  page,
  appUrl,
  shop,
}) => {
  // The browser build keeps its settings in localStorage; set them before the app first reads
  // them (first run adds the server address to what is there).
  await page.addInitScript((minutes) => {
    if (localStorage.getItem('tillpoint.settings') === null) {
      localStorage.setItem(
        'tillpoint.settings',
        JSON.stringify({ idleSignOut: { cashierMinutes: minutes, managerMinutes: minutes } }),
      );
    }
  }, LIMIT_MINUTES);
  const { checkout, login } = await openTill(page, appUrl, shop);
  const signedInAs = page.getByTestId('signed-in-as');

  // Someone at the till: a key every 2 seconds for longer than the limit keeps them signed in.
  await checkout.phone.focus();
  const limitMs = LIMIT_MINUTES * 60_000;
  const started = Date.now();
  while (Date.now() - started < limitMs * 1.5) {
    await page.keyboard.press('4');
    await expect(signedInAs).toContainText(CASHIER.name);
    await page.waitForTimeout(2_000);
  }

  // Nobody at the till: signed out within about a second of the limit.
  await expect(login.heading).toBeVisible({ timeout: limitMs + 10_000 });
  await expect(page.getByTestId('signed-out-notice')).toHaveText(
    'Signed out after 12 seconds without use.',
  );
  await expect(signedInAs).toHaveCount(0);
  await screenshot(page, '12-idle-signed-out');

  await login.signIn(CASHIER.name, CASHIER.pin);
  await expect(page.getByTestId('signed-out-notice')).toHaveCount(0);
});
