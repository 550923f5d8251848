import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server.js';
import { readDocument } from '../sync/document-store.js';
import { createSyncCollections } from '../sync/sync-collections.js';
import type { SyncDocument } from '../sync/sync-types.js';
import { checkout, coupon, newMember } from '../test-support/ledger-fixtures.js';
import type { TerminalIdentity } from '../test-support/ledger-fixtures.js';
import { createTestDatabase, testTargets } from '../test-support/test-database.js';
import type { TestDatabase } from '../test-support/test-database.js';
import { TestClient, enrollTestTerminal, startTestServer } from '../test-support/test-server.js';

type Terminal = TerminalIdentity & { client: TestClient };

let phoneCounter = 0;
function uniquePhone(): string {
  phoneCounter += 1;
  return `+1212555${String(1000 + phoneCounter).padStart(4, '0')}`;
}

describe.each(testTargets())('the ledger on %s', (target) => {
  let testDb: TestDatabase;
  let server: RunningServer;
  let till: Terminal;
  let otherTill: Terminal;

  const doc = (collection: string, id: string) =>
    readDocument(server.db, server.registry.require(collection), id);
  const balanceOf = async (memberId: string) => (await doc('accounts', memberId))?.['balance'];

  async function terminal(storeId?: string): Promise<Terminal> {
    const enrolled = await enrollTestTerminal(server, storeId);
    return { ...enrolled, client: new TestClient(server.url, enrolled.token) };
  }

  async function enroll(at: Terminal, createdAt?: string) {
    const member = newMember(at, { phone: uniquePhone(), name: 'Ada Lovelace', createdAt });
    const push = await at.client.push('members', [{ newDocumentState: member }]);
    expect(push.body.conflicts).toEqual([]);
    return member;
  }

  beforeAll(async () => {
    testDb = await createTestDatabase(target);
    server = await startTestServer(testDb.db, {
      registry: createSyncCollections(),
      env: { RATE_LIMIT_PER_SECOND: '10000', RATE_LIMIT_BURST: '10000' },
    });
    till = await terminal('store-a');
    otherTill = await terminal('store-a');
  });

  afterAll(async () => {
    await server?.close();
    await testDb?.dispose();
  });

  it('applies a transaction once however often it is pushed, and answers retries with the applied state', async () => {
    const conflictsCounted = async () =>
      Number(
        /tillpoint_conflicts_total\{collection="transactions"\} (\d+)/.exec(
          await (await fetch(`${server.url}/metrics`)).text(),
        )?.[1] ?? 0,
      );
    const member = await enroll(till);
    const tx = checkout(till, member.id, { paid: 42_00 });
    const conflictsBefore = await conflictsCounted();
    const first = await till.client.push('transactions', [{ newDocumentState: tx }]);
    // Recorded, and answered as recorded: the till adopts seq and outcome at once.
    expect(first.status).toBe(200);
    expect(first.body.conflicts).toEqual([
      expect.objectContaining({ id: tx.id, seq: expect.any(Number), rev: 1 }),
    ]);
    expect(first.body.conflicts[0]).toEqual(
      (await till.client.pull('transactions', null, 100)).body.documents.find(
        (doc) => doc['id'] === tx.id,
      ),
    );
    const retry = await till.client.push('transactions', [
      { newDocumentState: tx },
      { newDocumentState: tx },
    ]);
    expect(retry.status).toBe(200);
    expect(retry.body.conflicts).toHaveLength(2);
    expect(retry.body.conflicts[0]).toMatchObject({
      id: tx.id,
      seq: expect.any(Number),
      outcome: { status: 'accepted' },
    });
    expect(await balanceOf(member.id)).toBe(42);
    const account = await doc('accounts', member.id);
    expect(account?.['appliedSeq']).toBe(retry.body.conflicts[0]?.['seq']);
    expect((await doc('transactions', tx.id))?.['rev']).toBe(1);
    // The recorded one in the first answer is no conflict; the two replays are.
    expect((await conflictsCounted()) - conflictsBefore).toBe(2);
  });

  it('refuses the same id with a different body: the original stands and a review is opened', async () => {
    const member = await enroll(till);
    const tx = checkout(till, member.id, { paid: 10_00 });
    await till.client.push('transactions', [{ newDocumentState: tx }]);
    const forged = { ...tx, pointsEarned: 9_999 };
    const push = await till.client.push('transactions', [{ newDocumentState: forged }]);
    expect(push.status).toBe(200);
    expect(push.body.conflicts).toEqual([expect.objectContaining({ id: tx.id, pointsEarned: 10 })]);
    expect(await balanceOf(member.id)).toBe(10);
    const { rows } = await server.db.query<{ body: Record<string, unknown> }>(
      `SELECT body FROM sync_documents WHERE collection = 'reviews' AND body ->> 'transactionId' = $1`,
      [tx.id],
    );
    expect(rows.map((row) => row.body['kind'])).toEqual(['rejected-transaction']);
    expect(server.metrics.render()).toMatch(
      /reason="duplicate-id-different-body",status="refused"} 1/,
    );
  });

  it('records an overdraft, lets the balance go negative and opens a review', async () => {
    const member = await enroll(till);
    await till.client.push('transactions', [
      { newDocumentState: checkout(till, member.id, { paid: 6_00 }) },
    ]);
    // Two offline tills both redeem the same 500 points.
    const a = checkout(till, member.id, { paid: 0, pointsRedeemed: 500, pointsEarned: 0 });
    const b = checkout(otherTill, member.id, { paid: 0, pointsRedeemed: 500, pointsEarned: 0 });
    await till.client.push('transactions', [{ newDocumentState: a }]);
    await otherTill.client.push('transactions', [{ newDocumentState: b }]);
    expect(await balanceOf(member.id)).toBe(6 - 1000);
    expect((await doc('transactions', a.id))?.['outcome']).toMatchObject({
      status: 'accepted-with-review',
      review: 'overdraft',
    });
    expect(await doc('reviews', `overdraft:${b.id}`)).toMatchObject({
      kind: 'overdraft',
      memberId: member.id,
      status: 'open',
    });
  });

  it('flags a coupon used beyond its limit, counts the use and opens a review', async () => {
    const member = await enroll(till);
    const other = await enroll(otherTill);
    const single = coupon(`single-${target}`, { usageLimit: 1 });
    expect(
      (await till.client.push('coupons', [{ newDocumentState: single }])).body.conflicts,
    ).toEqual([]);
    const first = checkout(till, member.id, { couponId: single.id });
    const second = checkout(otherTill, other.id, { couponId: single.id });
    await till.client.push('transactions', [{ newDocumentState: first }]);
    await otherTill.client.push('transactions', [{ newDocumentState: second }]);
    expect((await doc('transactions', first.id))?.['outcome']).toEqual({ status: 'accepted' });
    expect((await doc('transactions', second.id))?.['outcome']).toMatchObject({
      review: 'coupon-over-limit',
    });
    expect((await doc('coupons', single.id))?.['usage']).toEqual({ used: 2 });
    expect(await doc('reviews', `coupon-over-limit:${second.id}`)).toMatchObject({
      couponId: single.id,
    });
  });

  it("keeps a manager's coupon edit and the server's usage apart", async () => {
    const member = await enroll(till);
    const definition = coupon(`edit-${target}`, { usageLimit: 50 });
    await till.client.push('coupons', [{ newDocumentState: definition }]);
    const seen = (await doc('coupons', definition.id)) as SyncDocument;
    await till.client.push('transactions', [
      { newDocumentState: checkout(till, member.id, { couponId: definition.id }) },
    ]);
    // The manager edits the copy pulled before the use was counted.
    const edit = await till.client.push('coupons', [
      { assumedMasterState: seen, newDocumentState: { ...seen, name: 'Five off' } },
    ]);
    expect(edit.body.conflicts).toEqual([]);
    expect(await doc('coupons', definition.id)).toMatchObject({
      name: 'Five off',
      usage: { used: 1 },
    });
    const current = (await doc('coupons', definition.id)) as SyncDocument;
    const forged = await till.client.push('coupons', [
      { assumedMasterState: current, newDocumentState: { ...current, usage: { used: 0 } } },
    ]);
    expect(forged.status).toBe(403);
    expect(await doc('coupons', definition.id)).toMatchObject({ usage: { used: 1 } });
    // An edit based on an older definition is a real conflict: the master comes back.
    const stale = await till.client.push('coupons', [
      { assumedMasterState: seen, newDocumentState: { ...seen, name: 'Six off' } },
    ]);
    expect(stale.body.conflicts).toEqual([
      expect.objectContaining({ name: 'Five off', usage: { used: 1 } }),
    ]);
  });

  it('answers a coupon edit retried after its answer was lost with the master; a copy of the master writes nothing', async () => {
    const definition = coupon(`retry-${target}`);
    await till.client.push('coupons', [{ newDocumentState: definition }]);
    const seen = (await doc('coupons', definition.id)) as SyncDocument;
    const edit = { assumedMasterState: seen, newDocumentState: { ...seen, name: 'Retried' } };
    expect((await till.client.push('coupons', [edit])).body.conflicts).toEqual([]);
    const retried = await till.client.push('coupons', [edit]);
    expect(retried.body.conflicts).toEqual([
      expect.objectContaining({ id: definition.id, name: 'Retried', rev: 2 }),
    ]);
    const { _deleted: _, ...master } = (await doc('coupons', definition.id)) as SyncDocument;
    const back = await till.client.push('coupons', [
      { assumedMasterState: master, newDocumentState: master },
    ]);
    expect(back.body.conflicts).toEqual([]);
    expect(await doc('coupons', definition.id)).toMatchObject({ name: 'Retried', rev: 2 });
  });

  it('merges a phone enrolled on two tills into the earliest member; its transactions count for the survivor', async () => {
    const phone = uniquePhone();
    const early = newMember(till, {
      phone,
      name: 'Grace Hopper',
      createdAt: '2026-01-01T10:00:00.000Z',
    });
    const late = newMember(otherTill, {
      phone,
      name: 'Grace M. Hopper',
      createdAt: '2026-01-01T10:05:00.000Z',
    });
    // The later enrollment reaches the server first, with its checkout.
    await otherTill.client.push('members', [{ newDocumentState: late }]);
    await otherTill.client.push('transactions', [
      { newDocumentState: checkout(otherTill, late.id, { paid: 30_00 }) },
    ]);
    await till.client.push('transactions', [
      { newDocumentState: checkout(till, early.id, { paid: 12_00 }) },
    ]);
    const push = await till.client.push('members', [{ newDocumentState: early }]);
    expect(push.body.conflicts).toEqual([]);
    expect(await doc('members', late.id)).toMatchObject({ status: 'merged', mergedInto: early.id });
    expect(await balanceOf(early.id)).toBe(42);
    expect(await balanceOf(late.id)).toBe(0);
    expect(await doc('reviews', `merged-duplicate:${late.id}`)).toMatchObject({
      kind: 'merged-duplicate',
      memberId: early.id,
    });
    // A later transaction written for the merged member counts for the survivor.
    await otherTill.client.push('transactions', [
      { newDocumentState: checkout(otherTill, late.id, { paid: 8_00 }) },
    ]);
    expect(await balanceOf(early.id)).toBe(50);
    // The till that enrolled the duplicate is told it was merged when it pushes it again.
    const again = await otherTill.client.push('members', [{ newDocumentState: late }]);
    expect(again.body.conflicts).toEqual([
      expect.objectContaining({ id: late.id, status: 'merged', mergedInto: early.id }),
    ]);
  });

  it('after a merge, a refund reverses what the survivor was credited, and new flags open reviews', async () => {
    const phone = uniquePhone();
    const early = newMember(till, { phone, name: 'Grace', createdAt: '2026-01-01T10:00:00.000Z' });
    const late = newMember(otherTill, {
      phone,
      name: 'Grace H',
      createdAt: '2026-01-01T10:05:00.000Z',
    });
    await till.client.push('coupons', [
      { newDocumentState: coupon('once-each', { code: 'ONCEEACH', perMemberLimit: 1 }) },
    ]);
    // Each duplicate's first purchase, with the first-purchase bonus, and the once-per-member
    // coupon used by both.
    const firstPurchase = (at: Terminal, memberId: string) => ({
      ...checkout(at, memberId, { paid: 10_00, couponId: 'once-each' }),
      pointsEarned: 210,
      bonuses: [{ kind: 'first-purchase' as const, points: 200 }],
    });
    await otherTill.client.push('members', [{ newDocumentState: late }]);
    await otherTill.client.push('transactions', [
      { newDocumentState: firstPurchase(otherTill, late.id) },
    ]);
    const earlyCheckout = firstPurchase(till, early.id);
    await till.client.push('transactions', [{ newDocumentState: earlyCheckout }]);
    await till.client.push('members', [{ newDocumentState: early }]);
    // One first-purchase bonus stands: 10 + 10 points and 200 once.
    expect(await balanceOf(early.id)).toBe(220);
    expect(await doc('reviews', `coupon-over-member-limit:${earlyCheckout.id}`)).toMatchObject({
      kind: 'coupon-over-member-limit',
      memberId: early.id,
    });

    const refund = {
      ...checkout(till, early.id),
      kind: 'refund' as const,
      refundOf: earlyCheckout.id,
      pointsEarned: 0,
      pointsRedeemed: 0,
    } as Record<string, unknown>;
    for (const field of ['orderTotal', 'lines', 'pointsDiscount', 'amountPaid']) {
      delete refund[field];
    }
    expect((await till.client.push('transactions', [{ newDocumentState: refund }])).status).toBe(
      200,
    );
    // The survivor keeps the other checkout's 10 points and its one first-purchase bonus.
    expect(await balanceOf(early.id)).toBe(210);
  });

  it('applies a transaction whose member has not arrived yet', async () => {
    const member = newMember(till, { phone: uniquePhone(), name: 'Early Bird' });
    await till.client.push('transactions', [
      { newDocumentState: checkout(till, member.id, { paid: 7_00 }) },
    ]);
    expect(await balanceOf(member.id)).toBe(7);
    await till.client.push('members', [{ newDocumentState: member }]);
    expect(await balanceOf(member.id)).toBe(7);
  });

  it('merges concurrent profile edits field by field', async () => {
    const member = await enroll(till);
    const master = (await doc('members', member.id)) as SyncDocument & typeof member;
    const later = (ms: number, node: string) =>
      `${String(Date.parse(member.createdAt) + ms).padStart(15, '0')}-00000-${node}`;
    const renamed = {
      ...master,
      name: 'Ada King',
      searchName: 'ada king',
      fieldClocks: {
        ...master.fieldClocks,
        name: later(10, till.terminalId),
        searchName: later(10, till.terminalId),
      },
    };
    const emailed = {
      ...master,
      email: 'ada@example.com',
      fieldClocks: { ...master.fieldClocks, email: later(20, otherTill.terminalId) },
    };
    expect(
      (
        await till.client.push('members', [
          { assumedMasterState: master, newDocumentState: renamed },
        ])
      ).body.conflicts,
    ).toEqual([]);
    const second = await otherTill.client.push('members', [
      { assumedMasterState: master, newDocumentState: emailed },
    ]);
    expect(second.body.conflicts).toEqual([
      expect.objectContaining({ name: 'Ada King', email: 'ada@example.com', rev: 3 }),
    ]);
    expect(await doc('members', member.id)).toMatchObject({
      name: 'Ada King',
      email: 'ada@example.com',
    });
  });

  it('answers a member push retried after its answer was lost with the master, unchanged', async () => {
    const member = await enroll(till);
    const stored = (await doc('members', member.id)) as SyncDocument;
    expect(stored['rev']).toBe(1);
    // The till never heard the first answer: it pushes the same state again, still without a
    // master. Nothing is written, and it gets the master's revision to adopt.
    const retry = await till.client.push('members', [{ newDocumentState: member }]);
    expect(retry.status).toBe(200);
    expect(retry.body.conflicts).toEqual([expect.objectContaining({ id: member.id, rev: 1 })]);
    expect(await doc('members', member.id)).toEqual(stored);
    // A till that knows the master and pushes it unchanged gets nothing back.
    const { _deleted: _, ...master } = stored;
    const same = await till.client.push('members', [
      { assumedMasterState: master, newDocumentState: master },
    ]);
    expect(same.body.conflicts).toEqual([]);
    expect(await doc('members', member.id)).toEqual(stored);
  });

  it('refuses server-owned fields and collections, and changes nothing', async () => {
    const member = await enroll(till);
    const forged = {
      ...checkout(till, member.id),
      seq: 1,
      receivedAt: new Date().toISOString(),
      outcome: { status: 'accepted' },
      effects: {
        balanceDelta: 1_000_000,
        earned: 1_000_000,
        redeemed: 0,
        reversed: 0,
        spend: 0,
        visits: 0,
      },
    };
    const valid = checkout(till, member.id);
    const push = await till.client.push('transactions', [
      { newDocumentState: valid },
      { newDocumentState: forged },
    ]);
    expect(push.status).toBe(403);
    // The row is named: a till sets that one aside and pushes the others.
    expect(push.body).toMatchObject({ error: { code: 'server-owned-field', details: { row: 1 } } });
    expect(await doc('transactions', valid.id)).toBeUndefined();
    const account = await till.client.push('accounts', [
      { newDocumentState: { id: member.id, balance: 5 } },
    ]);
    expect(account.status).toBe(403);
    expect(await balanceOf(member.id)).toBeUndefined();
  });

  it('refuses bad bodies and transactions written as another terminal, and changes nothing', async () => {
    const member = await enroll(till);
    const valid = checkout(till, member.id);
    const negative = { ...checkout(till, member.id), pointsEarned: -5 };
    const bad = await till.client.push('transactions', [
      { newDocumentState: valid },
      { newDocumentState: negative },
    ]);
    expect(bad.status).toBe(422);
    const impostor = await otherTill.client.push('transactions', [
      { newDocumentState: checkout(till, member.id) },
    ]);
    expect(impostor.status).toBe(422);
    const deleted = await till.client.push('transactions', [
      { newDocumentState: { ...valid, _deleted: true } },
    ]);
    expect(deleted.status).toBe(422);
    expect(await doc('transactions', valid.id)).toBeUndefined();
    expect(await balanceOf(member.id)).toBeUndefined();
  });

  it("takes another till's recorded transaction pushed back as a replay: nothing changes", async () => {
    const member = await enroll(till);
    const tx = checkout(till, member.id, { paid: 30_00 });
    expect((await till.client.push('transactions', [{ newDocumentState: tx }])).status).toBe(200);
    const recorded = (await doc('transactions', tx.id)) as SyncDocument;
    const balance = await balanceOf(member.id);
    expect(balance).toBe(30);

    // As pulled (server fields included), and as first written (without them): a replay.
    const { _deleted: _, ...pulled } = recorded;
    const asPulled = await otherTill.client.push('transactions', [{ newDocumentState: pulled }]);
    expect(asPulled.status).toBe(200);
    const bare = await otherTill.client.push('transactions', [{ newDocumentState: tx }]);
    expect(bare.status).toBe(200);
    expect(bare.body.conflicts).toEqual([
      expect.objectContaining({ id: tx.id, seq: recorded['seq'] }),
    ]);
    expect(await doc('transactions', tx.id)).toEqual(recorded);
    expect(await balanceOf(member.id)).toBe(balance);

    // A changed body is refused as from any till: the original stands.
    const changed = await otherTill.client.push('transactions', [
      { newDocumentState: { ...tx, orderTotal: 99_00, amountPaid: 99_00 } },
    ]);
    expect(changed.status).toBe(200);
    expect(changed.body.conflicts).toEqual([expect.objectContaining({ id: tx.id })]);
    expect(await doc('transactions', tx.id)).toEqual(recorded);
    expect(await balanceOf(member.id)).toBe(balance);
  });

  it('serializes one member’s transactions pushed concurrently from many tills', async () => {
    const member = await enroll(till);
    const tills = [till, otherTill, await terminal('store-a'), await terminal('store-a')];
    await Promise.all(
      tills.map((each) =>
        each.client.push(
          'transactions',
          Array.from({ length: 5 }, () => ({
            newDocumentState: checkout(each, member.id, { paid: 1_00 }),
          })),
        ),
      ),
    );
    const account = await doc('accounts', member.id);
    expect(account).toMatchObject({ balance: 20, visits: 20 });
    const { rows } = await server.db.query<{ seq: number }>(
      `SELECT (body ->> 'seq')::bigint AS seq FROM sync_documents
        WHERE collection = 'transactions' AND body ->> 'memberId' = $1 ORDER BY 1`,
      [member.id],
    );
    expect(account?.['appliedSeq']).toBe(rows.at(-1)?.seq);
  });
});
