import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountDoc, TransactionDoc } from '@tillpoint/protocol';
import { SyncServer } from './test-support/sync-server.js';
import { enrollAndSignIn, openTerminal, waitFor } from './test-support/terminal-fixture.js';
import type { OpenedTerminal } from './test-support/terminal-fixture.js';

let server: SyncServer;

beforeAll(async () => {
  // A body limit below the 1 MB a till's push request carries at most: a large queue is sent
  // in parts, and parts the server still refuses as too large are halved.
  server = await SyncServer.start({ MAX_BODY_BYTES: '600000' });
  await server.addStaff({ id: 'cashier-bo', role: 'cashier', pin: '4321' });
});

afterAll(async () => {
  await server.dispose();
});

async function enrolledAndSignedIn(name?: string): Promise<OpenedTerminal> {
  const opened = await openTerminal(name ? { name } : {});
  return enrollAndSignIn(opened, server, { id: 'cashier-bo', pin: '4321' });
}

async function serverLedger(memberId: string) {
  const transactions = (await server.pull<TransactionDoc>('transactions')).filter(
    (tx) => tx.memberId === memberId,
  );
  const account = (await server.pull<AccountDoc>('accounts')).find((doc) => doc.id === memberId);
  return { transactions, account };
}

describe('durability', () => {
  it('pushes an offline checkout exactly once after the terminal is closed and reopened', async () => {
    const first = await enrolledAndSignedIn();
    const enrolled = await first.terminal.enrollMember({ phone: '+12125550111', name: 'Ada' });
    if (!enrolled.ok) throw new Error(enrolled.refusal.message);
    const memberId = enrolled.value.card.member.id;
    await waitFor(() => first.terminal.status.pending === 0, 'the enrollment to sync');

    first.network.cut();
    await waitFor(() => !first.terminal.status.online, 'offline');
    const receipt = await first.terminal.checkout({ memberId, orderTotal: 42_00 });
    if (!receipt.ok) throw new Error(receipt.refusal.message);
    expect(first.terminal.status.pending).toBe(1);
    // Closed at once: nothing was pushed.
    await first.terminal.close();
    expect((await serverLedger(memberId)).transactions.map((tx) => tx.kind)).toEqual([
      'enrollment-bonus',
    ]);

    // Same storage, same database name: the terminal resumes where it stopped.
    const second = await openTerminal({ name: first.name });
    try {
      expect(second.terminal.status.enrolled).toBe(true);
      const stored = await second.terminal.database.transactions
        .findOne(receipt.value.transactionId)
        .exec();
      expect(stored?.orderTotal).toBe(42_00);
      await waitFor(() => second.terminal.status.pending === 0, 'the checkout to be acknowledged');
      const { transactions, account } = await waitFor(async () => {
        const ledger = await serverLedger(memberId);
        return ledger.account?.balance === 100 + 42 + 200 ? ledger : undefined;
      }, 'the account');
      const checkouts = transactions.filter((tx) => tx.kind === 'checkout');
      expect(checkouts.map((tx) => tx.id)).toEqual([receipt.value.transactionId]);
      expect(account?.visits).toBe(1);
      const card = await waitFor(async () => {
        const result = await second.terminal.memberCard(memberId);
        return result.ok && result.value.account?.appliedSeq === account?.appliedSeq
          ? result.value
          : undefined;
      }, 'the account on the terminal');
      expect(card.balance).toBe(342);
    } finally {
      await second.terminal.close();
    }
  });

  it('retries a push whose answer was lost, and the server applies it once', async () => {
    const { terminal, network } = await enrolledAndSignedIn();
    try {
      const enrolled = await terminal.enrollMember({ phone: '+12125550112', name: 'Bea' });
      if (!enrolled.ok) throw new Error(enrolled.refusal.message);
      const memberId = enrolled.value.card.member.id;
      await waitFor(() => terminal.status.pending === 0, 'the enrollment to sync');

      network.dropAnswers((url) => url.endsWith('/sync/v1/transactions/push'));
      const receipt = await terminal.checkout({ memberId, orderTotal: 10_00 });
      if (!receipt.ok) throw new Error(receipt.refusal.message);
      await waitFor(() => network.lostAnswers.length >= 2, 'answers to be lost');
      // The server committed it although the terminal never heard.
      const committed = await serverLedger(memberId);
      expect(committed.transactions.filter((tx) => tx.kind === 'checkout')).toHaveLength(1);
      network.stopDropping();

      await waitFor(() => terminal.status.pending === 0, 'the retry to be acknowledged');
      const { transactions, account } = await waitFor(async () => {
        const ledger = await serverLedger(memberId);
        return ledger.account?.balance === 100 + 10 + 200 ? ledger : undefined;
      }, 'the account');
      expect(transactions.filter((tx) => tx.kind === 'checkout').map((tx) => tx.id)).toEqual([
        receipt.value.transactionId,
      ]);
      expect(account?.visits).toBe(1);
      // The provisional balance never counted it twice while the answers were missing.
      const card = await terminal.memberCard(memberId);
      expect(card.ok && card.value.balance).toBe(310);
      const local = await terminal.database.transactions
        .findOne(receipt.value.transactionId)
        .exec();
      await waitFor(() => local?.getLatest().seq !== undefined, 'the seq on the terminal');
    } finally {
      await terminal.close();
    }
  });

  it('drains a queue of offline receipts larger than the server takes in one request', async () => {
    const opened = await enrolledAndSignedIn();
    try {
      const member = await opened.terminal.enrollMember({
        phone: '+14155550777',
        name: 'Big Order',
      });
      if (!member.ok) throw new Error(member.refusal.message);
      const memberId = member.value.card.member.id;
      await waitFor(() => opened.terminal.status.pending === 0, 'the enrollment');
      opened.network.cut();
      // 20 receipts of 500 long lines: about 3 MB in all, 150 kB each (the server takes 600 kB).
      const lines = Array.from({ length: 500 }, (_, i) => ({
        sku: `SKU-${String(i).padStart(4, '0')}-${'x'.repeat(50)}`,
        name: `Item ${i} ${'y'.repeat(100)}`,
        category: `cat-${'z'.repeat(58)}`,
        quantity: 1,
        amount: 100,
      }));
      for (let n = 0; n < 20; n++) {
        const sale = await opened.terminal.checkout({ memberId, orderTotal: 500_00, lines });
        expect(sale.ok).toBe(true);
      }
      expect(opened.terminal.status.pending).toBe(20);
      opened.network.restore();
      opened.terminal.syncNow();
      await waitFor(() => opened.terminal.status.pending === 0, 'the queue to drain', 30_000);
      const { transactions } = await serverLedger(memberId);
      expect(transactions.filter((tx) => tx.kind === 'checkout')).toHaveLength(20);
    } finally {
      await opened.terminal.close();
    }
  });

  it('keeps selling when its token is revoked, and sends the sales once enrolled again', async () => {
    const opened = await enrolledAndSignedIn();
    try {
      const { terminal } = opened;
      const member = await terminal.enrollMember({ phone: '+14155550778', name: 'Still Here' });
      if (!member.ok) throw new Error(member.refusal.message);
      const memberId = member.value.card.member.id;
      await waitFor(() => terminal.status.pending === 0, 'the enrollment');
      await server.running.auth.revokeTerminal(terminal.terminalId as string);
      expect((await terminal.checkout({ memberId, orderTotal: 12_00 })).ok).toBe(true);
      terminal.syncNow();
      await waitFor(() => terminal.needsEnrollmentAgain, 'the refusal of the token');
      expect(terminal.status.pending).toBe(1);
      // Refused is not online, even while the event stream opened before is still up.
      expect(terminal.status.online).toBe(false);
      // A store's code does not enroll this till again; one made for it does.
      const refused = await terminal.enrollTerminal(server.url, await server.enrollmentCode());
      expect(refused.ok ? 'accepted' : refused.refusal.message).toMatch(
        /create-enrollment-code --terminal/,
      );
      const { code } = await server.running.auth.createEnrollmentCode(
        server.storeId,
        10,
        new Date(),
        terminal.terminalId,
      );
      const again = await terminal.enrollTerminal(server.url, code);
      expect(again.ok && again.value.terminalId).toBe(terminal.terminalId);
      await waitFor(() => terminal.status.pending === 0, 'the unsent sale', 20_000);
      expect(terminal.needsEnrollmentAgain).toBe(false);
      const { transactions } = await serverLedger(memberId);
      expect(transactions.filter((tx) => tx.kind === 'checkout')).toHaveLength(1);
    } finally {
      await opened.terminal.close();
    }
  });
});
