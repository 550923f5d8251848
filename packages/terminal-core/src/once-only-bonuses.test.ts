/**
 * Bonuses given once, however the tills see it: a referred member's first purchase rung up on
 * two tills while both are offline credits the inviter once and the invitee's referral bonus
 * once, with reviews for the rest; a birthday bonus near New Year is given once for that
 * birthday. The tills run one after the other in this realm (RxDB's collection limit), each with
 * its own storage, as two machines would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountDoc, ReviewDoc, TransactionDoc } from '@tillpoint/protocol';
import { UUID_V7_PATTERN } from '@tillpoint/protocol';
import { createUuidV7Generator, cryptoRandom, systemClock } from './ids.js';
import { referralClaimId } from './terminal.js';
import { SyncServer } from './test-support/sync-server.js';
import {
  enrollAndSignIn,
  openTerminal,
  uniqueName,
  waitFor,
} from './test-support/terminal-fixture.js';
import type { OpenedTerminal } from './test-support/terminal-fixture.js';
import { Network } from './test-support/network.js';

let server: SyncServer;

beforeAll(async () => {
  server = await SyncServer.start();
  await server.addStaff({ id: 'cashier-ann', role: 'cashier', pin: '1234', name: 'Ann' });
});

afterAll(async () => {
  await server.dispose();
});

async function till(name: string, network: Network, enroll: boolean): Promise<OpenedTerminal> {
  const opened = await openTerminal({ name, network });
  return enrollAndSignIn(opened, server, { id: 'cashier-ann', pin: '1234' }, enroll);
}

describe('referral claims', () => {
  it('have one id per invitee, a UUIDv7 the same on every till', async () => {
    const opened = await openTerminal();
    try {
      const newId = createUuidV7Generator(systemClock, cryptoRandom);
      const invitee = newId();
      const id = await referralClaimId(opened.terminal.database, invitee);
      expect(id).toMatch(UUID_V7_PATTERN);
      expect(id.slice(0, 13)).toBe(invitee.slice(0, 13));
      expect(await referralClaimId(opened.terminal.database, invitee)).toBe(id);
      expect(await referralClaimId(opened.terminal.database, newId())).not.toBe(id);
    } finally {
      await opened.terminal.close();
    }
  });

  it('credit the inviter once when two offline tills both ring up the first purchase', async () => {
    // The inviter and the invitee, enrolled on a till online.
    const setup = await till(uniqueName('referral-setup'), new Network(), true);
    let inviterId: string;
    let inviteeId: string;
    try {
      const inviter = await setup.terminal.enrollMember({ phone: '+14155550501', name: 'Ina' });
      if (!inviter.ok) throw new Error(inviter.refusal.message);
      inviterId = inviter.value.card.member.id;
      const invitee = await setup.terminal.enrollMember({
        phone: '+14155550502',
        name: 'Ivo',
        referralCode: inviter.value.card.member.referralCode,
      });
      if (!invitee.ok) throw new Error(invitee.refusal.message);
      inviteeId = invitee.value.card.member.id;
      await waitFor(() => setup.terminal.status.pending === 0, 'the enrollments');
    } finally {
      await setup.terminal.close();
    }

    // Two tills load the chain, then lose the network and each rings up Ivo's first purchase.
    const names = [uniqueName('referral-a'), uniqueName('referral-b')];
    const networks = [new Network(), new Network()];
    for (const [index, name] of names.entries()) {
      const opened = await till(name, networks[index] as Network, true);
      try {
        await waitFor(
          async () => (await opened.terminal.lookupByPhone('+14155550502')).ok,
          'the invitee',
        );
        await opened.terminal.awaitInSync();
        opened.network.cut();
        const sale = await opened.terminal.checkout({ memberId: inviteeId, orderTotal: 20_00 });
        expect(sale.ok && sale.value.bonuses.map((bonus) => bonus.kind)).toContain(
          'referral-invitee',
        );
      } finally {
        await opened.terminal.close();
      }
    }
    // Back online, one after the other.
    for (const [index, name] of names.entries()) {
      const network = networks[index] as Network;
      network.restore();
      const opened = await till(name, network, false);
      try {
        await waitFor(() => opened.terminal.status.pending === 0, 'the offline sales', 20_000);
      } finally {
        await opened.terminal.close();
      }
    }

    const accounts = await server.pull<AccountDoc>('accounts');
    const transactions = await server.pull<TransactionDoc>('transactions');
    const claims = transactions.filter((tx) => tx.kind === 'referral-claim');
    expect(claims).toHaveLength(1);
    const inviterAccount = accounts.find((account) => account.id === inviterId);
    const claimed = claims[0]?.effects?.balanceDelta ?? 0;
    expect(claimed).toBeGreaterThan(0);
    expect(inviterAccount?.balance).toBe(100 + claimed);
    // The invitee: one first-purchase bonus and one referral bonus, the second sale flagged.
    const sales = transactions.filter((tx) => tx.kind === 'checkout' && tx.memberId === inviteeId);
    expect(sales).toHaveLength(2);
    const earned = sales.map((tx) => tx.effects?.earned ?? 0).sort((a, b) => b - a);
    expect(earned[0]! - earned[1]!).toBeGreaterThan(0);
    const reviews = await server.pull<ReviewDoc>('reviews');
    expect(reviews.map((review) => review.kind)).toEqual(
      expect.arrayContaining(['duplicate-bonus', 'rejected-transaction']),
    );
  });
});

describe('birthday bonuses', () => {
  it('carry the year of the birthday, so one near New Year is given once', async () => {
    const opened = await till(uniqueName('birthday'), new Network(), true);
    try {
      // 28 December: the birthday on 2 January is the next year's.
      opened.clock.advance(Date.parse('2026-12-28T17:00:00Z') - opened.clock.now());
      const enrolled = await opened.terminal.enrollMember({
        phone: '+14155550503',
        name: 'Noel',
        birthday: '--01-02',
      });
      if (!enrolled.ok) throw new Error(enrolled.refusal.message);
      const memberId = enrolled.value.card.member.id;
      const before = await opened.terminal.checkout({ memberId, orderTotal: 10_00 });
      expect(before.ok && before.value.bonuses.find((bonus) => bonus.kind === 'birthday')).toEqual(
        expect.objectContaining({ year: 2027 }),
      );
      await waitFor(() => opened.terminal.status.pending === 0, 'the sale');
      await waitFor(
        async () =>
          (await server.pull<AccountDoc>('accounts')).find((account) => account.id === memberId)
            ?.birthdayBonusYears,
        'the account',
      );
      const account = (await server.pull<AccountDoc>('accounts')).find(
        (candidate) => candidate.id === memberId,
      );
      expect(account?.birthdayBonusYears).toEqual([2027]);
      // 3 January: the same birthday, no second bonus.
      opened.clock.advance(6 * 86_400_000);
      await waitFor(async () => {
        const card = await opened.terminal.memberCard(memberId);
        return card.ok && card.value.account?.birthdayBonusYears.includes(2027);
      }, 'the account on the till');
      const after = await opened.terminal.checkout({ memberId, orderTotal: 10_00 });
      expect(after.ok && after.value.bonuses.map((bonus) => bonus.kind)).not.toContain('birthday');
    } finally {
      await opened.terminal.close();
    }
  });
});
