/**
 * A sale the server refuses for a reason of its own is held on the till: here a receipt longer
 * than the server's body limit, as on a server set up too tight. The till's other sales go on,
 * the sync indicator says so, a manager sees it, and it is sent again once the server takes it.
 */
import {
  ADA,
  MANAGER,
  expect,
  expectSaleOnServer,
  openTill,
  restartServer,
  screenshot,
  test,
} from './fixtures.js';

test('a sale the server refuses is held, the next ones go through, and it is sent again once the server takes it', async ({
  page,
  appUrl,
  shop,
}) => {
  const till = await openTill(page, appUrl, shop, MANAGER);
  const { checkout, desk } = till;
  await restartServer(till, shop, { MAX_BODY_BYTES: '2048' });

  await checkout.findMember(ADA.phone, ADA.name);
  for (let line = 1; line <= 8; line++) {
    await page.keyboard.press('Alt+L');
    await page.getByLabel(`Line ${line} item`).fill(`Item ${line} `.padEnd(120, '·'));
    await page.getByLabel(`Line ${line} category`).fill('kitchen');
    await page.getByLabel(`Line ${line} amount`).fill('2.50');
  }
  await checkout.confirm();
  const longId = await checkout.receiptTransactionId();
  await checkout.nextCustomer();
  const held = page.getByTestId('sync-held');
  await expect(held).toHaveText('Held: 1', { timeout: 30_000 });

  // The next sale is not held back behind it.
  await checkout.findMember(ADA.phone, ADA.name);
  await checkout.checkout({ amount: '12.00' });
  const shortId = await checkout.receiptTransactionId();
  await expectSaleOnServer(shop, shortId);
  await expect(checkout.pending).toHaveText('1', { timeout: 30_000 });

  // A manager sees it, with the server's reason.
  await desk.go('Reviews');
  const panel = page.getByTestId('held-sales');
  await expect(panel.getByTestId('held-sale')).toHaveCount(1);
  await expect(panel.getByTestId('held-sale')).toContainText(longId);
  await expect(panel.getByTestId('held-sale')).toContainText(
    'The server refused this sale: the request body is too large.',
  );
  await screenshot(page, '11-held-sale');
  // Asked again while the refusing server still answers: refused again, and it says so.
  await panel.getByRole('button', { name: 'Send again now' }).click();
  await expect(panel.getByTestId('held-problem')).toHaveText(
    'Not taken: 1, for the reasons listed. They stay held.',
  );

  // No server at all: not sent, and the manager is told why.
  await shop.server.stop();
  await checkout.expectOffline();
  await panel.getByRole('button', { name: 'Send again now' }).click();
  await expect(panel.getByTestId('held-problem')).toContainText('Not sent: the till is offline.');

  // The server set up as usual again: sent, recorded once, no longer held.
  await shop.server.start();
  await checkout.expectOnline();
  await panel.getByRole('button', { name: 'Send again now' }).click();
  await expect(panel).toHaveCount(0, { timeout: 30_000 });
  await expect(page.getByTestId('held-outcome')).toHaveText('Sent: the server took the held sale.');
  await expect(held).toHaveCount(0);
  await expect(checkout.pending).toHaveText('0', { timeout: 30_000 });
  const recorded = (await shop.server.documents<{ id: string }>('transactions')).filter(
    (tx) => tx.id === longId,
  );
  expect(recorded).toHaveLength(1);
});
