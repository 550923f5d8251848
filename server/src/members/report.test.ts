/**
 * The chain report: counts and sums from the server's documents, only what the ledger accepted,
 * per store when asked; and the birthdays and anniversaries ahead, in the program's time zone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemberDoc } from '@tillpoint/protocol';
import type { RunningServer } from '../server.js';
import { createSyncCollections } from '../sync/sync-collections.js';
import { checkout, newMember } from '../test-support/ledger-fixtures.js';
import type { TerminalIdentity } from '../test-support/ledger-fixtures.js';
import { createTestDatabase, testTargets } from '../test-support/test-database.js';
import type { TestDatabase } from '../test-support/test-database.js';
import { TestClient, enrollTestTerminal, startTestServer } from '../test-support/test-server.js';
import { chainReport, upcomingOccasions } from './report.js';

describe('upcoming birthdays and anniversaries', () => {
  const members = [
    { id: 'a', name: 'Ann', birthday: '1990-03-02', anniversary: null },
    { id: 'b', name: 'Bo', birthday: '--03-01', anniversary: '2015-03-05' },
    { id: 'c', name: 'Cy', birthday: '2000-02-29', anniversary: null },
    { id: 'd', name: 'Di', birthday: '1980-12-25', anniversary: null },
  ];

  it('lists those in the next days by the program time zone, a 29 February one on the 28th', () => {
    // 2027-02-28 23:30 in Los Angeles is already 1 March in UTC.
    const now = new Date('2027-03-01T07:30:00Z');
    expect(upcomingOccasions(members, now, 3, 'America/Los_Angeles')).toEqual([
      { date: '2027-02-28', occasion: 'birthday', memberId: 'c', name: 'Cy' },
      { date: '2027-03-01', occasion: 'birthday', memberId: 'b', name: 'Bo' },
      { date: '2027-03-02', occasion: 'birthday', memberId: 'a', name: 'Ann' },
    ]);
    expect(upcomingOccasions(members, now, 5, 'UTC').map((entry) => entry.occasion)).toEqual([
      'birthday',
      'birthday',
      'anniversary',
    ]);
  });
});

describe.each(testTargets())('the chain report on %s', (target) => {
  let testDb: TestDatabase;
  let server: RunningServer;
  const tills: (TerminalIdentity & { client: TestClient })[] = [];

  beforeAll(async () => {
    testDb = await createTestDatabase(target);
    server = await startTestServer(testDb.db, { registry: createSyncCollections() });
    for (const store of ['store-r1', 'store-r2']) {
      const enrolled = await enrollTestTerminal(server, store);
      tills.push({ ...enrolled, client: new TestClient(server.url, enrolled.token) });
    }
  });

  afterAll(async () => {
    await server?.close();
    await testDb?.dispose();
  });

  it('counts members, orders, revenue and points, per store and for the chain', async () => {
    const [one, two] = tills as [(typeof tills)[0], (typeof tills)[0]];
    const ann: MemberDoc = newMember(one, { phone: '+12125558001', name: 'Ann Able' });
    const bo: MemberDoc = newMember(two, { phone: '+12125558002', name: 'Bo Baker' });
    await one.client.push('members', [{ newDocumentState: ann }]);
    await two.client.push('members', [{ newDocumentState: bo }]);
    const pushed = [
      [one, checkout(one, ann.id, { paid: 30_00 })],
      [one, checkout(one, ann.id, { paid: 10_00 })],
      [two, checkout(two, bo.id, { paid: 20_00 })],
    ] as const;
    for (const [till, tx] of pushed) {
      expect((await till.client.push('transactions', [{ newDocumentState: tx }])).status).toBe(200);
    }

    const chain = await chainReport(server.db, { days: 30, upcomingDays: 14 });
    expect(chain.members.live).toBe(2);
    expect(chain.members.byStatus).toEqual({ active: 2 });
    expect(chain.ledger.orders).toBe(3);
    expect(chain.ledger.revenue).toBe(60_00);
    expect(chain.ledger.averageOrder).toBe(20_00);
    expect(chain.ledger.pointsRedeemed).toBe(0);
    expect(chain.ledger.redemptionRate).toBe(0);
    expect(chain.ledger.pointsIssued).toBeGreaterThanOrEqual(60);
    expect(chain.topMembers.map((member) => member.name)).toEqual(['Ann Able', 'Bo Baker']);
    expect(chain.topMembers[0]).toMatchObject({ spend: 40_00, visits: 2 });
    expect(chain.lifetimeValue).toBe(30_00);

    const store = await chainReport(server.db, { storeId: 'store-r2', days: 30, upcomingDays: 14 });
    expect(store.members.live).toBe(1);
    expect(store.ledger).toMatchObject({ orders: 1, revenue: 20_00 });
    expect(store.topMembers.map((member) => member.name)).toEqual(['Bo Baker']);

    const later = await chainReport(server.db, {
      days: 1,
      upcomingDays: 14,
      now: new Date(Date.now() + 3 * 86_400_000),
    });
    expect(later.ledger.orders).toBe(0);
  });
});
