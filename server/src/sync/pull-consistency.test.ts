/**
 * The pull guarantee: with concurrent writers (several connections, two server processes on one
 * PostgreSQL, transactions that take their change position early and commit late), every puller
 * paging with small limits ends with exactly the committed documents, never receives one change
 * twice in a run and never skips one. See docs/decisions/0003-pull-checkpoints.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/database.js';
import type { RunningServer } from '../server.js';
import { TEST_DATABASE_URL, createTestDatabase } from '../test-support/test-database.js';
import type { TestDatabase } from '../test-support/test-database.js';
import {
  TestClient,
  enrollTestTerminal,
  itemsCollection,
  startTestServer,
} from '../test-support/test-server.js';
import { pullChanges, writeDocument } from './document-store.js';

interface PullRun {
  /** id → rev of the latest state received. */
  readonly state: Map<string, number>;
  /** "id@rev" of every change received, to find duplicates. */
  readonly seen: string[];
}

function newRun(): PullRun {
  return { state: new Map(), seen: [] };
}

/** Pulls one page through HTTP into `run`; returns the next checkpoint and the page size. */
async function pullPage(
  client: TestClient,
  run: PullRun,
  checkpoint: unknown,
  limit: number,
): Promise<{ checkpoint: unknown; count: number }> {
  const response = await client.pull('items', checkpoint, limit);
  expect(response.status).toBe(200);
  for (const doc of response.body.documents) {
    run.state.set(doc['id'] as string, doc.rev);
    run.seen.push(`${String(doc['id'])}@${doc.rev}`);
  }
  return { checkpoint: response.body.checkpoint, count: response.body.documents.length };
}

async function committedState(db: Database): Promise<Map<string, number>> {
  const { rows } = await db.query<{ id: string; rev: number }>(
    "SELECT id, rev FROM sync_documents WHERE collection = 'items'",
  );
  return new Map(rows.map((row) => [row.id, row.rev]));
}

function duplicates(values: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].filter(([, count]) => count > 1).map(([value]) => value);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!TEST_DATABASE_URL)(
  'pull consistency on PostgreSQL with concurrent writers',
  () => {
    let testDb: TestDatabase;
    let secondDb: Database;
    let servers: RunningServer[];
    let clients: TestClient[];

    beforeAll(async () => {
      testDb = await createTestDatabase('postgres', { maxConnections: 12 });
      secondDb = await testDb.openAnother();
      // Two server processes' worth of state: separate pools, listeners, caches, one database.
      // One token pushes and pulls as fast as it can: the chain-wide rate limit must not bite.
      const env = { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000' };
      servers = [
        await startTestServer(testDb.db, { env }),
        await startTestServer(secondDb, { env }),
      ];
      const first = servers[0] as RunningServer;
      const { token } = await enrollTestTerminal(first);
      clients = servers.map((server) => new TestClient(server.url, token));
    });

    afterAll(async () => {
      await Promise.all((servers ?? []).map((server) => server.close()));
      await testDb?.dispose();
    });

    it('never serves a change before an older transaction that is still open', async () => {
      const db = testDb.db;
      const checkpoint0 = (await pullChanges(db, itemsCollection, null, 1000)).checkpoint;
      let releaseLate!: () => void;
      const lateMayCommit = new Promise<void>((resolve) => (releaseLate = resolve));
      let lateWrote!: () => void;
      const lateHasWritten = new Promise<void>((resolve) => (lateWrote = resolve));
      // Takes its xid and sequence number first, commits last.
      const late = db.transaction(async (tx) => {
        await writeDocument(tx, itemsCollection, { id: 'late', value: 1 });
        lateWrote();
        await lateMayCommit;
      });
      await lateHasWritten;
      await secondDb.transaction((tx) =>
        writeDocument(tx, itemsCollection, { id: 'early', value: 1 }),
      );

      // A checkpoint by sequence alone would now serve 'early' and later skip 'late'.
      const { rows } = await db.query<{ id: string }>(
        "SELECT id FROM sync_documents WHERE collection = 'items' AND id IN ('late', 'early')",
      );
      expect(rows.map((row) => row.id)).toEqual(['early']);
      const whileOpen = await pullChanges(db, itemsCollection, checkpoint0, 1000);
      expect(whileOpen.documents).toEqual([]);

      releaseLate();
      await late;
      // Other databases' transactions on the same cluster can hold the horizon back a moment.
      let after = await pullChanges(db, itemsCollection, checkpoint0, 1000);
      for (let tries = 0; after.documents.length < 2 && tries < 200; tries++) {
        await sleep(10);
        after = await pullChanges(db, itemsCollection, checkpoint0, 1000);
      }
      expect(after.documents.map((doc) => doc['id'])).toEqual(['late', 'early']);
      const again = await pullChanges(db, itemsCollection, after.checkpoint, 1000);
      expect(again.documents).toEqual([]);
    });

    it('gives every puller exactly the committed set under concurrent pushes on two servers', async () => {
      const writersDone = { value: false };
      const pushers = Array.from({ length: 6 }, async (_, writer) => {
        for (let batch = 0; batch < 12; batch++) {
          const client = clients[(writer + batch) % clients.length] as TestClient;
          const rows = Array.from({ length: 1 + ((writer + batch) % 5) }, (__, i) => ({
            newDocumentState: { id: `w${writer}-b${batch}-${i}`, value: i, rev: 0 },
          }));
          const response = await client.push('items', rows);
          expect(response.status).toBe(200);
          // Update an earlier document of this writer: it moves to the end of the change order.
          if (batch > 0) {
            const id = `w${writer}-b${batch - 1}-0`;
            const current = await testDb.db.query<{ rev: number }>(
              "SELECT rev FROM sync_documents WHERE collection = 'items' AND id = $1",
              [id],
            );
            const rev = current.rows[0]?.rev as number;
            const update = await client.push('items', [
              {
                assumedMasterState: { id, rev },
                newDocumentState: { id, value: 100 + batch, rev },
              },
            ]);
            expect(update.body.conflicts).toEqual([]);
          }
        }
      });
      // Transactions that take their change position early and commit late, on both pools.
      const lateWriters = Array.from({ length: 4 }, async (_, writer) => {
        const db = writer % 2 === 0 ? testDb.db : secondDb;
        for (let round = 0; round < 3; round++) {
          await db.transaction(async (tx) => {
            await writeDocument(tx, itemsCollection, {
              id: `late${writer}-${round}`,
              value: round,
            });
            await tx.query('SELECT pg_sleep($1)', [0.05 + 0.1 * ((writer + round) % 3)]);
            await writeDocument(tx, itemsCollection, {
              id: `late${writer}-${round}-b`,
              value: round,
            });
          });
        }
      });
      const pullers = Array.from({ length: 4 }, async (_, puller) => {
        const run = newRun();
        let checkpoint: unknown = null;
        let pages = 0;
        while (!writersDone.value) {
          const client = clients[(puller + pages++) % clients.length] as TestClient;
          const page = await pullPage(client, run, checkpoint, 3 + puller * 2);
          checkpoint = page.checkpoint;
          if (page.count === 0) await sleep(5);
        }
        // Drain. A short page means nothing more is ready *now*; transactions of other test
        // databases on the same cluster can hold the horizon back briefly, so keep paging until
        // the run has caught up with what is committed (or give up and let the assertion fail).
        const committed = await committedState(testDb.db);
        const deadline = Date.now() + 10_000;
        for (;;) {
          const client = clients[pages++ % clients.length] as TestClient;
          const limit = 3 + puller * 2;
          const page = await pullPage(client, run, checkpoint, limit);
          checkpoint = page.checkpoint;
          if (page.count < limit) {
            if (sameState(run.state, committed) || Date.now() > deadline) break;
            await sleep(10);
          }
        }
        return run;
      });

      await Promise.all([...pushers, ...lateWriters]);
      writersDone.value = true;
      const runs = await Promise.all(pullers);
      const committed = await committedState(testDb.db);

      // + 'late' and 'early' of the previous test, which these pullers (from scratch) also get.
      expect(committed.size).toBe(pushedByWriters() + 4 * 3 * 2 + 2);
      for (const run of runs) {
        expect(duplicates(run.seen)).toEqual([]);
        expect(run.state).toEqual(committed);
      }
    }, 60_000);
  },
);

/** How many distinct ids the 6 writers × 12 batches of 1..5 rows push. */
function pushedByWriters(): number {
  let pushed = 0;
  for (let writer = 0; writer < 6; writer++) {
    for (let batch = 0; batch < 12; batch++) pushed += 1 + ((writer + batch) % 5);
  }
  return pushed;
}

function sameState(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  return a.size === b.size && [...a].every(([id, rev]) => b.get(id) === rev);
}

describe('pull consistency on PGlite (one connection: writes and pulls interleaved)', () => {
  let testDb: TestDatabase;
  let server: RunningServer;
  let client: TestClient;

  beforeAll(async () => {
    testDb = await createTestDatabase('pglite');
    server = await startTestServer(testDb.db);
    client = new TestClient(server.url, (await enrollTestTerminal(server)).token);
  });

  afterAll(async () => {
    await server?.close();
    await testDb?.dispose();
  });

  it('gives every puller exactly the committed set while pushes and pulls interleave', async () => {
    const runs = [newRun(), newRun(), newRun()];
    const checkpoints: unknown[] = [null, null, null];
    const limits = [1, 4, 9];
    const step = async (round: number) => {
      const rows = Array.from({ length: 1 + (round % 4) }, (_, i) => ({
        newDocumentState: { id: `r${round}-${i}`, value: i, rev: 0 },
      }));
      const writes = [client.push('items', rows)];
      if (round > 0) {
        const id = `r${round - 1}-0`;
        const { rows: current } = await testDb.db.query<{ rev: number }>(
          "SELECT rev FROM sync_documents WHERE collection = 'items' AND id = $1",
          [id],
        );
        const rev = current[0]?.rev as number;
        writes.push(
          client.push('items', [
            { assumedMasterState: { id, rev }, newDocumentState: { id, value: -round, rev } },
          ]),
        );
      }
      // Pushes and pulls are in flight together; PGlite serializes them in some order.
      const pulls = runs.map(async (run, p) => {
        const page = await pullPage(client, run, checkpoints[p], limits[p] as number);
        checkpoints[p] = page.checkpoint;
      });
      await Promise.all([...writes, ...pulls]);
    };
    for (let round = 0; round < 25; round++) await step(round);
    for (const [p, run] of runs.entries()) {
      const limit = limits[p] as number;
      for (;;) {
        const page = await pullPage(client, run, checkpoints[p], limit);
        checkpoints[p] = page.checkpoint;
        if (page.count < limit) break;
      }
    }
    const committed = await committedState(testDb.db);
    expect(committed.size).toBe(
      Array.from({ length: 25 }, (_, r) => 1 + (r % 4)).reduce((a, b) => a + b),
    );
    for (const run of runs) {
      expect(duplicates(run.seen)).toEqual([]);
      expect(run.state).toEqual(committed);
    }
  });
});
