/**
 * The change feed announces each committed change once, also when its notification was lost
 * (a process that died between a commit and its NOTIFY): the sweep finds it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  awaitPullHorizon,
  createTestDatabase,
  testTargets,
} from '../test-support/test-database.js';
import type { TestDatabase } from '../test-support/test-database.js';
import { ChangeFeed } from './change-feed.js';
import type { ChangeEvent } from './change-feed.js';
import { queueChangeNotification } from './document-store.js';

const INSERT = `INSERT INTO sync_documents
  (collection, id, rev, deleted, body, updated_at, change_xid, change_seq)
  VALUES ($1, $2, 1, false, '{}'::jsonb, now(), pg_current_xact_id(), nextval('sync_change_seq'))`;

describe.each(testTargets())('change feed on %s', (target) => {
  let testDb: TestDatabase;
  let feed: ChangeFeed | undefined;

  beforeEach(async () => {
    testDb = await createTestDatabase(target);
  });

  afterEach(async () => {
    await feed?.close();
    feed = undefined;
    await testDb?.dispose();
  });

  const start = async (sweepMs: number) => {
    const events: ChangeEvent[] = [];
    feed = new ChangeFeed(testDb.db, { collections: ['coupons', 'rewards'], sweepMs });
    feed.subscribe((event) => events.push(event));
    await feed.start();
    return events;
  };

  it('announces a change whose notification was lost, within a sweep', async () => {
    const events = await start(100);
    await testDb.db.transaction(async (tx) => {
      await tx.query(INSERT, ['coupons', 'lost-notification']);
    });
    await expect
      .poll(() => events.filter((event) => event.type === 'changes'), { timeout: 5_000 })
      .toEqual([{ type: 'changes', collection: 'coupons', checkpoint: expect.anything() }]);
  });

  it('announces a notified change once, not again at the next sweeps', async () => {
    const events = await start(100);
    await testDb.db.transaction(async (tx) => {
      await tx.query(INSERT, ['rewards', 'notified']);
      queueChangeNotification(tx, 'rewards');
    });
    await expect
      .poll(() => events.filter((event) => event.type === 'changes').length, { timeout: 5_000 })
      .toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(events.filter((event) => event.type === 'changes')).toHaveLength(1);
  });

  it('does not announce what existed before it started', async () => {
    await testDb.db.transaction(async (tx) => {
      await tx.query(INSERT, ['coupons', 'old']);
    });
    // Committed and below the horizon: transactions of other tests on the same cluster can hold
    // the horizon back, and a change above it is one the feed has yet to announce.
    await awaitPullHorizon(testDb.db);
    const events = await start(100);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(events).toEqual([]);
  });
});
