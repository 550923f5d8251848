/**
 * Test fixtures: every test gets its own real sync server (own PGlite data directory, own port)
 * with its own store, staff, coupons and members, and helpers to open a till on it.
 */
import { test as base, expect } from '@playwright/test';
import type { BrowserContext, Page } from '@playwright/test';
import { CheckoutPage } from './pages/checkout-page.js';
import { FirstRunPage } from './pages/first-run-page.js';
import { LoginPage } from './pages/login-page.js';
import { ManagerDeskPage } from './pages/manager-desk-page.js';
import { MemberPage } from './pages/member-page.js';
import { TestServer } from './support/server-fixture.js';
import type { SeedCoupon, SeedMember, SetupArgs, StaffSeed } from './support/server-protocol.js';

export { expect };

export const STORE_ID = 'store-e2e';
export const CASHIER: StaffSeed = {
  id: 'e2e-cashier',
  name: 'Casey Cashier',
  role: 'cashier',
  pin: '1357',
};
export const MANAGER: StaffSeed = {
  id: 'e2e-manager',
  name: 'Morgan Manager',
  role: 'manager',
  pin: '2468',
};

/** Ada has history (no first-purchase bonus), 1,500 points, an allergy, a diet and a note. */
export const ADA: SeedMember = {
  phone: '+14155550101',
  name: 'Ada Lovelace',
  points: 1_500,
  purchases: [{ orderTotal: 20_00, pointsEarned: 20 }],
  allergies: ['peanuts'],
  dietary: ['vegetarian'],
  notes: ['Prefers the window table'],
};

/** A plain coupon every test can use: 5.00 off. */
export const FIVE_OFF: SeedCoupon = {
  id: 'coupon-five-off',
  code: 'FIVEOFF',
  name: '5.00 off',
  kind: 'fixed',
  value: 5_00,
};

export interface Shop {
  readonly server: TestServer;
  /** Member ids by phone. */
  readonly members: Record<string, string>;
}

export interface Till {
  readonly page: Page;
  readonly firstRun: FirstRunPage;
  readonly login: LoginPage;
  readonly checkout: CheckoutPage;
  /** The member's rewards and history, opened from the card. */
  readonly member: MemberPage;
  /** A manager's reviews and coupons. */
  readonly desk: ManagerDeskPage;
}

interface Fixtures {
  appUrl: string;
  server: TestServer;
  /** Extra seed data for this test (`test.use({ seed: ... })`). */
  seed: Partial<Pick<SetupArgs, 'coupons' | 'members' | 'program' | 'rewards'>>;
  shop: Shop;
}

export const test = base.extend<Fixtures>({
  // Playwright reads the fixtures a fixture needs from its first parameter: none here.
  // eslint-disable-next-line no-empty-pattern
  appUrl: async ({}, use) => {
    const url = process.env['TILLPOINT_E2E_APP_URL'];
    if (!url) throw new Error('TILLPOINT_E2E_APP_URL is unset: run through playwright.config.ts');
    await use(url);
  },
  // eslint-disable-next-line no-empty-pattern
  server: async ({}, use, testInfo) => {
    const server = new TestServer(testInfo.outputPath('server-data'));
    await server.start();
    await use(server);
    await server.stop();
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('server.log', { body: server.logs(), contentType: 'text/plain' });
    }
  },
  seed: [{}, { option: true }],
  shop: async ({ server, seed }, use) => {
    const { members } = await server.setup({
      storeId: STORE_ID,
      staff: [CASHIER, MANAGER],
      coupons: [FIVE_OFF, ...(seed.coupons ?? [])],
      members: [ADA, ...(seed.members ?? [])],
      ...(seed.rewards ? { rewards: seed.rewards } : {}),
      ...(seed.program ? { program: seed.program } : {}),
    });
    await use({ server, members });
  },
});

/** Opens a till in `page`: enrolls it with a fresh code (handed over in the URL) and signs in. */
export async function openTill(
  page: Page,
  appUrl: string,
  shop: Shop,
  staff: StaffSeed = CASHIER,
): Promise<Till> {
  const till = tillOn(page);
  await till.firstRun.open(appUrl, {
    serverUrl: shop.server.url,
    enrollmentCode: await shop.server.enrollmentCode(STORE_ID),
  });
  await expect(till.firstRun.serverUrl).toHaveValue(shop.server.url);
  await till.firstRun.connect();
  await till.login.signIn(staff.name, staff.pin);
  await till.checkout.expectOnline();
  return till;
}

/**
 * Stops the shop's server and starts it again with `env` (a tighter body limit, …; none: as
 * usual), then waits until the till is online on it.
 */
export async function restartServer(
  till: Till,
  shop: Shop,
  env?: Record<string, string>,
): Promise<void> {
  await shop.server.stop();
  await shop.server.start(env);
  await till.checkout.expectOnline();
}

/** Waits (up to 30 s) until the shop's server has the sale `transactionId`. */
export async function expectSaleOnServer(shop: Shop, transactionId: string): Promise<void> {
  await expect
    .poll(
      async () => (await shop.server.documents<{ id: string }>('transactions')).map((tx) => tx.id),
      { timeout: 30_000 },
    )
    .toContain(transactionId);
}

export function tillOn(page: Page): Till {
  return {
    page,
    firstRun: new FirstRunPage(page),
    login: new LoginPage(page),
    checkout: new CheckoutPage(page),
    member: new MemberPage(page),
    desk: new ManagerDeskPage(page),
  };
}

/** A second till: its own browser context (own IndexedDB), as a second machine would be. */
export async function openTillInNewContext(
  context: BrowserContext,
  appUrl: string,
  shop: Shop,
  staff: StaffSeed = CASHIER,
): Promise<Till> {
  return openTill(await context.newPage(), appUrl, shop, staff);
}

/** A screenshot of a main screen, kept with the run's output (apps/terminal/e2e/screenshots). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({
    path: new URL(`./screenshots/${name}.png`, import.meta.url).pathname,
    fullPage: true,
  });
}
