/**
 * A manager's settings of the till: the idle sign-out limits in the browser build, and under the
 * desktop shell's bridge also kiosk mode and the receipt printer.
 */
import { CASHIER, MANAGER, expect, openTill, screenshot, test } from './fixtures.js';

test('a manager sets the idle limits on the settings screen; a cashier has no such screen', async ({
  page,
  appUrl,
  shop,
}) => {
  const { desk, login } = await openTill(page, appUrl, shop, MANAGER);
  await desk.go('Settings');
  const cashiers = page.getByLabel('Cashiers');
  const managers = page.getByLabel('Managers');
  await expect(cashiers).toHaveValue('15');
  await expect(managers).toHaveValue('5');
  await expect(page.getByTestId('till-identity')).toContainText(`Server ${shop.server.url}`);

  // Nonsense is refused with the reason, and nothing is saved.
  await cashiers.fill('soon');
  await managers.fill('0,1');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('settings-problem')).toHaveText(
    'Not saved. Cashiers: type the minutes, 0 (never) or from 0.2 to 720. Managers: type the minutes, 0 (never) or from 0.2 to 720.',
  );
  const unchanged = await page.evaluate(() => localStorage.getItem('tillpoint.settings'));
  expect(JSON.parse(unchanged ?? '{}')).toMatchObject({
    idleSignOut: { cashierMinutes: 15, managerMinutes: 5 },
  });

  await cashiers.fill('20');
  await managers.fill('0,2');
  await page.getByRole('button', { name: /^Save/ }).click();
  await expect(page.getByTestId('settings-saved')).toHaveText('Saved.');
  await expect(managers).toHaveValue('0.2');
  await screenshot(page, '13-till-settings');

  // The manager's new limit applies at once: 12 seconds untouched ends the session.
  await expect(login.heading).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('signed-out-notice')).toHaveText(
    'Signed out after 12 seconds without use.',
  );

  // Saved on the till: still there after a restart; a cashier has no desk to change it.
  await page.reload();
  await login.signIn(CASHIER.name, CASHIER.pin);
  await expect(page.getByRole('navigation', { name: 'Manager desk' })).toHaveCount(0);
  const stored = await page.evaluate(() => localStorage.getItem('tillpoint.settings'));
  expect(JSON.parse(stored ?? '{}')).toMatchObject({
    idleSignOut: { cashierMinutes: 20, managerMinutes: 0.2 },
  });
});

test('under the desktop shell a manager also sets kiosk mode and the receipt printer', async ({
  page,
  appUrl,
  shop,
}) => {
  // Electron cannot run here: a stand-in for its preload's bridge (the same contract,
  // `TillpointBridge`) keeps what the screen saves, so the desktop part of the screen is driven
  // in Chromium. The shell's own saving is tested in src/main/settings.test.ts. As with
  // `--server-url`, the shell has saved the server before the page first loads.
  await page.addInitScript((serverUrl) => {
    let settings: Record<string, unknown> = {
      serverUrl,
      kiosk: false,
      printer: { mode: 'pdf', deviceName: '', silent: true },
      idleSignOut: { cashierMinutes: 15, managerMinutes: 5 },
    };
    const patches: unknown[] = [];
    Object.assign(window, {
      savedPatches: patches,
      tillpoint: {
        platform: { kind: 'electron', os: 'linux', versions: {} },
        appVersion: () => Promise.resolve('0.1.0'),
        printReceipt: () => Promise.resolve({ ok: true, kind: 'printed' }),
        settings: {
          get: () => Promise.resolve(settings),
          set: (patch: Record<string, Record<string, unknown> | unknown>) => {
            patches.push(patch);
            const merged: Record<string, unknown> = { ...settings };
            for (const [key, value] of Object.entries(patch)) {
              merged[key] =
                typeof value === 'object' && value !== null
                  ? { ...(settings[key] as object), ...value }
                  : value;
            }
            settings = merged;
            return Promise.resolve(settings);
          },
        },
      },
    });
  }, shop.server.url);
  const { desk } = await openTill(page, appUrl, shop, MANAGER);
  await desk.go('Settings');
  await page.getByLabel(/^Kiosk/).check();
  await page.getByLabel('Print to').selectOption('system');
  await page.getByLabel(/^Printer name/).fill('EPSON TM-T20');
  await page.getByLabel('Print without asking').uncheck();
  await page.getByRole('button', { name: /^Save/ }).click();
  await expect(page.getByTestId('settings-saved')).toBeVisible();
  const patches = await page.evaluate(
    () => (window as unknown as { savedPatches: unknown[] }).savedPatches,
  );
  expect(patches.at(-1)).toEqual({
    idleSignOut: { cashierMinutes: 15, managerMinutes: 5 },
    kiosk: true,
    printer: { mode: 'system', deviceName: 'EPSON TM-T20', silent: false },
  });
  await expect(page.getByLabel(/^Kiosk/)).toBeChecked();
  await expect(page.getByLabel(/^Printer name/)).toHaveValue('EPSON TM-T20');
});
