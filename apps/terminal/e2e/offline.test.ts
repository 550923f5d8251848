/**
 * The network gone: the server stopped mid-shift, two tills redeeming the same points offline,
 * and a browser killed right after an offline checkout.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE, LEVELDB_CHROMIUM_ARGS } from '../playwright.config.js';
import { findIndexedDbStores } from '../src/main/indexeddb-backend.js';
import { ADA, CASHIER, STORE_ID, expect, openTill, screenshot, test, tillOn } from './fixtures.js';
import type { SeedMember } from './support/server-protocol.js';

/** Dora has 1,010 points and has bought before (no first-purchase bonus to muddy the sums). */
const DORA: SeedMember = {
  phone: '+14155550121',
  name: 'Dora Okafor',
  points: 1_000,
  purchases: [{ orderTotal: 10_00, pointsEarned: 10 }],
};

test.use({
  seed: {
    members: [DORA],
    coupons: [{ id: 'coupon-once', code: 'ONCEPERPERSON', perMemberLimit: 1 }],
  },
});

test('server stopped mid-shift: checkouts go on, pending grows, the banner shows; back: drains to the server balance', async ({
  page,
  appUrl,
  shop,
}) => {
  const { checkout } = await openTill(page, appUrl, shop);
  await checkout.findMember(ADA.phone, ADA.name);
  await expect(checkout.balance).toHaveText('1,520 pts');

  await shop.server.stop();
  await checkout.expectOffline();
  await expect(checkout.offlineBanner).toContainText('Offline: the till keeps working.');
  await expect(checkout.offlineBanner).toContainText('at most 2,000 pts redeemed per checkout');
  await expect(checkout.offlineBanner).toContainText('coupons with a usage limit are not accepted');

  await checkout.checkout({ amount: '10.00' });
  await expect(page.getByTestId('receipt-offline')).toBeVisible();
  await expect(checkout.pending).toHaveText('1');
  await checkout.nextCustomer();

  await checkout.lookup(ADA.phone);
  await checkout.amount.fill('20.00');
  // A coupon with a limit cannot be checked against other tills while offline.
  await checkout.coupon.fill('ONCEPERPERSON');
  await expect(checkout.couponStatus).toHaveText(
    'This coupon has a usage limit and cannot be accepted while the till is offline.',
  );
  await checkout.coupon.fill('');
  await checkout.redeem.fill('500');
  await expect(checkout.amountToPay).toHaveText('$15.00');
  await screenshot(page, '07-offline');
  await checkout.confirm();
  await expect(checkout.pending).toHaveText('2');
  // Provisional: 1,520 + 12 (10.00 × 1.25) + 18 (15.00 × 1.25) − 500.
  await expect(page.getByTestId('receipt-balance')).toHaveText('1,050 pts');
  await expect(checkout.balance).toHaveText('1,050 pts');

  await shop.server.start();
  await checkout.expectOnline();
  await expect(checkout.pending).toHaveText('0', { timeout: 30_000 });
  await expect(checkout.offlineBanner).toHaveCount(0);
  const memberId = shop.members[ADA.phone] as string;
  await expect.poll(async () => (await shop.server.account(memberId))?.balance).toBe(1_050);
  await expect(checkout.balance).toHaveAttribute('data-points', '1050');
});

test('a revoked till keeps selling, says how to enroll it again, and sends its sales once it is', async ({
  page,
  appUrl,
  shop,
}) => {
  const { checkout } = await openTill(page, appUrl, shop);
  await checkout.findMember(ADA.phone, ADA.name);
  const [terminalId] = await shop.server.terminals(STORE_ID);
  if (!terminalId) throw new Error('no terminal enrolled');
  await shop.server.revokeTerminal(terminalId);

  await checkout.checkout({ amount: '10.00' });
  await expect(checkout.pending).toHaveText('1');
  const banner = page.getByTestId('enroll-again');
  await expect(banner).toContainText(`create-enrollment-code --terminal ${terminalId}`, {
    timeout: 30_000,
  });
  await checkout.expectOffline();
  await expect(checkout.offlineBanner).toContainText('sent once the till is enrolled again');
  await checkout.nextCustomer();
  await screenshot(page, '10-enroll-again');

  // A store's code is refused, with the way to make the right one.
  await banner.getByLabel('Code for this till').fill(await shop.server.enrollmentCode(STORE_ID));
  await banner.getByRole('button', { name: 'Enroll again' }).click();
  await expect(banner).toContainText('This code does not enroll this till again.');
  await banner
    .getByLabel('Code for this till')
    .fill(await shop.server.enrollmentCode(STORE_ID, terminalId));
  await banner.getByLabel('Code for this till').press('Enter');
  await expect(banner).toHaveCount(0, { timeout: 15_000 });
  await expect(checkout.pending).toHaveText('0', { timeout: 30_000 });
  await checkout.expectOnline();
  const memberId = shop.members[ADA.phone] as string;
  await expect.poll(async () => (await shop.server.account(memberId))?.balance).toBe(1_532);
});

test('two tills offline redeem the same points: after reconnecting both show the same negative balance, and a review is open', async ({
  browser,
  appUrl,
  shop,
}) => {
  const contexts = [await browser.newContext(), await browser.newContext()];
  try {
    const tills = await Promise.all(
      contexts.map(async (context) => openTill(await context.newPage(), appUrl, shop)),
    );
    for (const { checkout } of tills) {
      await checkout.findMember(DORA.phone, DORA.name);
      await expect(checkout.balance).toHaveText('1,010 pts');
    }

    await shop.server.stop();
    for (const { checkout } of tills) {
      await checkout.expectOffline();
      await checkout.checkout({ amount: '20.00', redeem: '1000' });
      await expect(checkout.page.getByTestId('receipt-points-discount')).toHaveText('−$10.00');
      await expect(checkout.pending).toHaveText('1');
    }

    await shop.server.start();
    for (const { checkout } of tills) {
      await checkout.expectOnline();
      await expect(checkout.pending).toHaveText('0', { timeout: 30_000 });
    }
    const memberId = shop.members[DORA.phone] as string;
    let serverBalance = 0;
    await expect
      .poll(async () => {
        serverBalance = (await shop.server.account(memberId))?.balance ?? 0;
        return serverBalance;
      })
      .toBeLessThan(0);
    // 1,010 − 2 × 1,000 + 2 × 12 (10.00 paid at Silver's 1.25): both redemptions stand.
    expect(serverBalance).toBe(-966);
    for (const { checkout } of tills) {
      await expect(checkout.balance).toHaveAttribute('data-points', String(serverBalance));
      await expect(checkout.page.getByTestId('member-owes')).toBeVisible();
    }
    await screenshot(tills[0]!.page, '08-negative-balance');

    const reviews = await shop.server.documents<{
      kind: string;
      memberId?: string;
      status: string;
    }>('reviews');
    expect(
      reviews.filter((review) => review.kind === 'overdraft' && review.memberId === memberId),
    ).toHaveLength(1);
  } finally {
    await Promise.all(contexts.map((context) => context.close()));
  }
});

/** The browser's main process for a profile directory: the one without --type=. */
function browserPid(userDataDir: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (
      args.includes(`--user-data-dir=${userDataDir}`) &&
      !args.some((arg) => arg.startsWith('--type='))
    ) {
      return Number(entry);
    }
  }
  throw new Error(`no browser process for ${userDataDir}`);
}

// A new till keeps IndexedDB in SQLite; a till from before decision 0011 stays on LevelDB.
for (const [engine, args] of [
  ['SQLite', CHROMIUM_ARGS],
  ['LevelDB', LEVELDB_CHROMIUM_ARGS],
] as const) {
  test(`crash (IndexedDB in ${engine}): the browser killed right after an offline checkout; relaunched, the checkout reaches the server exactly once`, async ({
    appUrl,
    shop,
  }, testInfo) => {
    const userDataDir = testInfo.outputPath('profile');
    const launch = () =>
      chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM_EXECUTABLE,
        args,
        viewport: { width: 1280, height: 900 },
      });

    const first = await launch();
    const { checkout } = await openTill(first.pages()[0] ?? (await first.newPage()), appUrl, shop);
    await checkout.findMember(ADA.phone, ADA.name);
    await shop.server.stop();
    await checkout.expectOffline();
    await checkout.checkout({ amount: '10.00' });
    const transactionId = await checkout.receiptTransactionId();
    await expect(checkout.pending).toHaveText('1');

    // No goodbye: SIGKILL to the browser process, as a power cut or a crash would.
    const closed = new Promise<void>((resolve) => first.once('close', () => resolve()));
    process.kill(browserPid(userDataDir), 'SIGKILL');
    await closed;

    await shop.server.start();
    const second = await launch();
    try {
      const page = second.pages()[0] ?? (await second.newPage());
      await page.goto(`${appUrl}/`);
      const till = tillOn(page);
      // Still enrolled (the local store survived): straight to sign-in, and syncing already.
      await till.login.signIn(CASHIER.name, CASHIER.pin);
      await till.checkout.expectOnline();
      await expect(till.checkout.pending).toHaveText('0', { timeout: 30_000 });

      const memberId = shop.members[ADA.phone] as string;
      await expect
        .poll(async () => {
          const transactions = await shop.server.documents<{ id: string; seq?: number }>(
            'transactions',
          );
          return transactions.filter((tx) => tx.id === transactionId && tx.seq !== undefined)
            .length;
        })
        .toBe(1);
      // Applied once: 1,520 + 12.
      expect((await shop.server.account(memberId))?.balance).toBe(1_532);
      await till.checkout.findMember(ADA.phone, ADA.name);
      await expect(till.checkout.balance).toHaveAttribute('data-points', '1532');
      // The profile's store is in the engine asked for, and only there, as the main process
      // tells them apart.
      const stores = findIndexedDbStores(path.join(userDataDir, 'Default', 'IndexedDB'));
      const [mine, other] =
        engine === 'SQLite' ? [stores.sqlite, stores.leveldb] : [stores.leveldb, stores.sqlite];
      expect(mine.length).toBeGreaterThan(0);
      expect(other).toEqual([]);
    } finally {
      await second.close();
    }
  });
}
