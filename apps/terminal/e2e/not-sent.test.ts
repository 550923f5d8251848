/**
 * A member change the server refuses as a whole (here one larger than the server's body limit,
 * as on a server set up too tight) holds back every later member change of this till: the till
 * says so in the sync indicator and on a manager's reviews screen, sales still go through, and
 * once the server takes it the notice goes and the change is on the server.
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

test('a member change the server refuses is shown as not sent until the server takes it; sales go on', async ({
  page,
  appUrl,
  shop,
}) => {
  const till = await openTill(page, appUrl, shop, MANAGER);
  const { checkout, desk } = till;
  await restartServer(till, shop, { MAX_BODY_BYTES: '2048' });

  await checkout.findMember(ADA.phone, ADA.name);
  const actions = page.getByTestId('manager-actions');
  await actions.getByRole('button', { name: 'Add note' }).click();
  const note = 'Asked for the table by the window, and for the spicy menu. '.repeat(16).trim();
  await actions.getByLabel('Note for staff').fill(note);
  await actions.getByRole('button', { name: 'Save note' }).click();
  await expect(actions).toContainText('Note saved.');

  const notSent = page.getByTestId('sync-not-sent');
  await expect(notSent).toHaveText('Not sent: member changes', { timeout: 30_000 });
  await expect(notSent).toHaveAttribute('title', /the request body is too large/);
  await expect(page.getByTestId('sync-state')).toHaveText('Online');

  // Sales are not held back behind it.
  await checkout.checkout({ amount: '12.00' });
  const saleId = await checkout.receiptTransactionId();
  await expectSaleOnServer(shop, saleId);

  // A manager sees what the server said.
  await desk.go('Reviews');
  const panel = page.getByTestId('not-sent');
  await expect(panel.getByTestId('not-sent-entry')).toHaveCount(1);
  await expect(panel.getByTestId('not-sent-entry')).toContainText('member changes');
  await expect(panel.getByTestId('not-sent-entry')).toContainText(
    'The server refused this: the request body is too large.',
  );
  await screenshot(page, '14-not-sent');

  // The server set up as usual again: the change goes through and the notice goes.
  await restartServer(till, shop);
  await expect(notSent).toHaveCount(0, { timeout: 30_000 });
  await expect(panel).toHaveCount(0);
  await expect
    .poll(
      async () =>
        (await shop.server.documents<{ phone: string; notes: { text: string }[] }>('members'))
          .find((member) => member.phone === ADA.phone)
          ?.notes.map((entry) => entry.text),
      { timeout: 30_000 },
    )
    .toContain(note);
});
