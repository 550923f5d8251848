import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountDoc, TransactionDoc } from '@tillpoint/protocol';
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
  await server.seed('rewards', [rewardDoc({ id: 'reward-coffee', pointsCost: 100 })]);
});

afterAll(async () => {
  await server.dispose();
});

async function enrolled(): Promise<OpenedTerminal> {
  const opened = await openTerminal();
  const enrollment = await opened.terminal.enrollTerminal(
    server.url,
    await server.enrollmentCode(),
  );
  expect(enrollment.ok).toBe(true);
  await waitFor(async () => (await opened.terminal.listStaff()).length >= 2, 'staff to replicate');
  // Every collection pulled (the coupons the flow uses too), not only the staff.
  await opened.terminal.awaitInSync();
  return opened;
}

async function serverAccount(memberId: string): Promise<AccountDoc | undefined> {
  return (await server.pull<AccountDoc>('accounts')).find((doc) => doc.id === memberId);
}

async function drained(terminal: Terminal): Promise<void> {
  await waitFor(() => terminal.status.pending === 0, 'pending to drain');
}

/** The cashier's day: enroll a member, look them up, check out with a coupon, redeem points. */
async function cashierFlow(terminal: Terminal, phone: string) {
  expect((await terminal.login('cashier-ann', '1234')).ok).toBe(true);
  const enrolledMember = await terminal.enrollMember({
    phone,
    name: 'Zoë Ångström',
    email: 'zoe@example.com',
    birthday: '1990-01-15',
    consents: { sms: true },
  });
  if (!enrolledMember.ok) throw new Error(enrolledMember.refusal.message);
  expect(enrolledMember.value.created).toBe(true);
  const memberId = enrolledMember.value.card.member.id;
  expect(enrolledMember.value.card.balance).toBe(100); // enrollment bonus

  const again = await terminal.enrollMember({ phone, name: 'Someone Else' });
  expect(again.ok && again.value.created).toBe(false);
  expect(again.ok && again.value.card.member.id).toBe(memberId);

  const found = await terminal.lookupByPhone(phone);
  expect(found.ok && found.value.member.name).toBe('Zoë Ångström');
  const digits = phone.replace(/\D/g, '');
  const bySuffix = await terminal.searchMembers(digits.slice(-4));
  expect(bySuffix.ok && bySuffix.value.map((m) => m.id)).toContain(memberId);
  const byName = await terminal.searchMembers('angst');
  expect(byName.ok && byName.value.map((m) => m.id)).toContain(memberId);

  const preview = await terminal.previewCheckout({
    memberId,
    orderTotal: 100_00,
    couponCodes: ['fiveoff'],
  });
  if (!preview.ok) throw new Error(preview.refusal.message);
  expect(preview.value.couponDiscount).toBe(500);
  expect(preview.value.amountPaid).toBe(95_00);
  // 95 points for $95 plus the first-purchase bonus (200).
  expect(preview.value.pointsEarned).toBe(295);

  const receipt = await terminal.checkout({
    memberId,
    orderTotal: 100_00,
    couponCodes: ['FIVEOFF'],
  });
  if (!receipt.ok) throw new Error(receipt.refusal.message);
  expect(receipt.value.balance).toBe(395);
  expect(receipt.value.discount).toBe(500);
  expect(receipt.value.tierName).toBe('Bronze');
  expect(receipt.value.tierProgress.pointsNeeded).toBe(1000 - 395);

  const second = await terminal.checkout({ memberId, orderTotal: 20_00, redeemPoints: 0 });
  expect(second.ok && second.value.balance).toBe(415);
  const spend = await terminal.checkout({ memberId, orderTotal: 40_00, redeemPoints: 1000 });
  expect(spend.ok).toBe(false);
  const redeem = await terminal.checkout({ memberId, orderTotal: 20_00, redeemPoints: 0 });
  expect(redeem.ok).toBe(true);

  const reward = await terminal.redeemReward(memberId, 'reward-coffee');
  expect(reward.ok && reward.value.balance).toBe(435 - 100);

  const refunded = await terminal.refund(second.ok ? second.value.transactionId : '');
  expect(refunded.ok && refunded.value.balance).toBe(335 - 20);
  const twice = await terminal.refund(second.ok ? second.value.transactionId : '');
  expect(!twice.ok && twice.refusal.code).toBe('already-refunded');

  // Managers only.
  const denied = await terminal.adjustPoints(memberId, 50, 'goodwill');
  expect(!denied.ok && denied.refusal.code).toBe('manager-only');
  expect((await terminal.login('manager-max', '9876')).ok).toBe(true);
  const adjusted = await terminal.adjustPoints(memberId, 50, 'goodwill');
  expect(adjusted.ok && adjusted.value.balance).toBe(365);
  const noted = await terminal.addNote(memberId, 'Prefers the window table');
  expect(noted.ok && noted.value.member.notes.map((n) => n.text)).toEqual([
    'Prefers the window table',
  ]);
  const edited = await terminal.editProfile(memberId, { name: 'Zoe Angstrom', tags: ['regular'] });
  expect(edited.ok && edited.value.member.searchName).toBe('zoe angstrom');
  expect(edited.ok && edited.value.member.fieldClocks.name).toMatch(/^\d{15}-\d{5}-/);
  return { memberId, expectedBalance: 365 };
}

describe('the cashier flow', () => {
  it('works online and the server agrees on every balance', async () => {
    const { terminal } = await enrolled();
    try {
      const { memberId, expectedBalance } = await cashierFlow(terminal, '+1 212 555 0101');
      await drained(terminal);
      expect(terminal.status.online).toBe(true);
      expect(terminal.status.lastSyncAt).toBeTypeOf('number');
      const account = await waitFor(async () => {
        const doc = await serverAccount(memberId);
        return doc && doc.balance === expectedBalance ? doc : undefined;
      }, 'the server account');
      expect(account.balance).toBe(expectedBalance);
      const card = await waitFor(async () => {
        const result = await terminal.memberCard(memberId);
        return result.ok && result.value.account?.appliedSeq === account.appliedSeq
          ? result.value
          : undefined;
      }, 'the account to replicate');
      expect(card.balance).toBe(expectedBalance);
      const members = await server.pull<{ id: string; name: string; notes: unknown[] }>('members');
      await waitFor(async () => {
        const doc = (await server.pull<{ id: string; name: string }>('members')).find(
          (m) => m.id === memberId,
        );
        return doc?.name === 'Zoe Angstrom';
      }, 'the profile edit on the server');
      expect(members.some((m) => m.id === memberId)).toBe(true);
    } finally {
      await terminal.close();
    }
  });

  it('keeps working with the server stopped, then drains and agrees when it is back', async () => {
    const { terminal } = await enrolled();
    try {
      await server.stop();
      await waitFor(() => !terminal.status.online, 'the terminal to notice');
      const { memberId, expectedBalance } = await cashierFlow(terminal, '+1 212 555 0102');
      await waitFor(() => terminal.status.pending === 7, 'seven pending transactions');
      expect(terminal.status.error?.message).toMatch(/cannot be reached|lost|closed/);
      const transactions = await terminal.database.transactions.find().exec();
      expect(transactions.filter((tx) => tx.memberId === memberId).every((tx) => tx.offline)).toBe(
        true,
      );
      await server.startAgain();
      await drained(terminal);
      await waitFor(() => terminal.status.online, 'online again');
      const account = await waitFor(async () => {
        const doc = await serverAccount(memberId);
        return doc && doc.balance === expectedBalance ? doc : undefined;
      }, 'the server account');
      const card = await waitFor(async () => {
        const result = await terminal.memberCard(memberId);
        return result.ok && result.value.account?.appliedSeq === account.appliedSeq
          ? result.value
          : undefined;
      }, 'the account to replicate');
      expect(card.balance).toBe(expectedBalance);
      const serverTxs = (await server.pull<TransactionDoc>('transactions')).filter(
        (tx) => tx.memberId === memberId,
      );
      expect(serverTxs).toHaveLength(7);
      expect(serverTxs.every((tx) => tx.outcome?.status !== 'refused')).toBe(true);
    } finally {
      await terminal.close();
    }
  });
});
