import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PROGRAM } from '@tillpoint/loyalty';
import type { Result } from '@tillpoint/loyalty';
import type { AccountDoc, ReviewDoc, TransactionDoc } from '@tillpoint/protocol';
import type { MemberCard, Receipt, TerminalStatus } from './terminal.js';
import { SyncServer, couponDoc } from './test-support/sync-server.js';
import { waitFor } from './test-support/terminal-fixture.js';
import { WorkerTerminal } from './test-support/worker-terminal.js';

let server: SyncServer;
let tills: WorkerTerminal[] = [];

beforeAll(async () => {
  server = await SyncServer.start();
  await server.addStaff({ id: 'cashier-ed', role: 'cashier', pin: '5555' });
  await server.addStaff({ id: 'manager-flo', role: 'manager', pin: '6666' });
  await server.seed('coupons', [
    couponDoc({ id: 'c-single', code: 'SINGLE', value: 500, usageLimit: 1 }),
  ]);
  // The chain accepts single-use coupons offline and sorts out overuse afterwards.
  const settings = {
    ...DEFAULT_PROGRAM,
    version: 2,
    offline: { ...DEFAULT_PROGRAM.offline, allowLimitedCouponsOffline: true },
  };
  const pushed = await server.admin.push('program', [
    {
      newDocumentState: {
        id: 'default',
        version: 2,
        settings,
        updatedBy: 'manager-flo',
        rev: 0,
        updatedAt: new Date().toISOString(),
      },
    },
  ]);
  expect(pushed.status).toBe(200);
  tills = [WorkerTerminal.start(), WorkerTerminal.start()];
  for (const till of tills) {
    await till.call('open', server.url, await server.enrollmentCode());
    await waitFor(async () => (await till.call<number>('staffCount')) === 2, 'staff');
    await waitFor(
      async () => (await till.call<{ version: number }>('program')).version === 2,
      'program',
    );
  }
});

afterAll(async () => {
  await Promise.all(tills.map((till) => till.stop()));
  await server.dispose();
});

function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`${result.refusal.code}: ${result.refusal.message}`);
  return result.value;
}

describe('two terminals offline at once', () => {
  it('converge on the server outcome: overdraft, coupon over its limit, merged member', async () => {
    const [a, b] = tills as [WorkerTerminal, WorkerTerminal];
    value(await a.call('login', 'manager-flo', '6666'));
    value(await b.call('login', 'cashier-ed', '5555'));
    const member = value(
      await a.call<Result<{ card: MemberCard }>>('enrollMember', {
        phone: '+12125550131',
        name: 'Shared',
      }),
    ).card.member;
    value(await a.call('adjustPoints', member.id, 900, 'opening balance'));
    for (const till of tills) {
      await waitFor(
        async () => {
          const card = await till.call<Result<MemberCard>>('memberCard', member.id);
          return card.ok && card.value.account?.balance === 1000;
        },
        'the member on both tills',
        15_000,
      );
    }

    await Promise.all(tills.map((till) => till.call('cut')));
    for (const till of tills) {
      await waitFor(async () => !(await till.call<TerminalStatus>('status')).online, 'offline');
    }
    // Both redeem the same 1,000 points and use the same single-use coupon.
    const receipts = await Promise.all(
      tills.map((till) =>
        till.call<Result<Receipt>>('checkout', {
          memberId: member.id,
          orderTotal: 100_00,
          couponCodes: ['SINGLE'],
          redeemPoints: 1000,
        }),
      ),
    );
    for (const receipt of receipts) expect(value(receipt).pointsRedeemed).toBe(1000);
    // Both enroll the same new phone.
    const twins = await Promise.all(
      tills.map((till, i) =>
        till.call<Result<{ card: MemberCard; created: boolean }>>('enrollMember', {
          phone: '+12125550132',
          name: `Twin ${i}`,
        }),
      ),
    );
    const twinIds = twins.map((twin) => value(twin).card.member.id);
    expect(twinIds[0]).not.toBe(twinIds[1]);
    for (const till of tills) {
      expect((await till.call<TerminalStatus>('status')).pending).toBe(2);
    }

    await Promise.all(tills.map((till) => till.call('restore')));
    for (const till of tills) {
      await waitFor(
        async () => (await till.call<TerminalStatus>('status')).pending === 0,
        'pending to drain',
        15_000,
      );
    }

    // The server's outcome.
    const reviews = await waitFor(
      async () => {
        const docs = await server.pull<ReviewDoc>('reviews');
        const kinds = new Set(docs.map((doc) => doc.kind));
        return ['overdraft', 'coupon-over-limit', 'merged-duplicate'].every((kind) =>
          kinds.has(kind as never),
        )
          ? docs
          : undefined;
      },
      'the reviews',
      15_000,
    );
    const account = await waitFor(async () => {
      const accounts = await server.pull<AccountDoc>('accounts');
      const doc = accounts.find((candidate) => candidate.id === member.id);
      return doc && doc.appliedSeq > 0 && doc.balance < 0 ? doc : undefined;
    }, 'the overdrawn account');
    const serverTxs = (await server.pull<TransactionDoc>('transactions')).filter(
      (tx) => tx.memberId === member.id && tx.kind === 'checkout',
    );
    expect(serverTxs).toHaveLength(2);
    expect(serverTxs.map((tx) => tx.outcome?.status).sort()).toEqual([
      'accepted',
      'accepted-with-review',
    ]);

    // Both tills show it, with the same balances and the same surviving member.
    const survivors = new Set<string>();
    for (const till of tills) {
      const card = await waitFor(
        async () => {
          const result = await till.call<Result<MemberCard>>('memberCard', member.id);
          return result.ok && result.value.account?.appliedSeq === account.appliedSeq
            ? result.value
            : undefined;
        },
        'the account on the till',
        15_000,
      );
      expect(card.balance).toBe(account.balance);
      const local = await waitFor(async () => {
        const docs = await till.call<ReviewDoc[]>('reviews');
        return docs.length >= reviews.length ? docs : undefined;
      }, 'the reviews on the till');
      expect(new Set(local.map((doc) => doc.kind))).toEqual(
        new Set(reviews.map((doc) => doc.kind)),
      );
      const outcomes = (await till.call<TransactionDoc[]>('transactions', member.id))
        .filter((tx) => tx.kind === 'checkout')
        .map((tx) => tx.outcome?.review ?? tx.outcome?.flags?.[0]?.review ?? 'none');
      expect(
        outcomes.some((review) => review === 'overdraft' || review === 'coupon-over-limit'),
      ).toBe(true);
      const twin = await waitFor(async () => {
        const result = await till.call<Result<MemberCard>>('lookupByPhone', '+12125550132');
        return result.ok &&
          (result.value.mergedFrom !== undefined ||
            result.value.member.id === twinIds[0] ||
            result.value.member.id === twinIds[1])
          ? result.value
          : undefined;
      }, 'the twin');
      survivors.add(twin.member.id);
    }
    expect(survivors.size).toBe(1);
    const survivorId = [...survivors][0]!;
    const loserId = twinIds.find((id) => id !== survivorId)!;
    for (const till of tills) {
      const viaLoser = value(await till.call<Result<MemberCard>>('memberCard', loserId));
      expect(viaLoser.member.id).toBe(survivorId);
      expect(viaLoser.mergedFrom).toBe(loserId);
    }
    // Both enrollment bonuses count on the survivor: the second one is stripped by the server.
    const cards = await Promise.all(
      tills.map((till) => till.call<Result<MemberCard>>('memberCard', survivorId)),
    );
    expect(value(cards[0]!).balance).toBe(value(cards[1]!).balance);
  });
});
