/**
 * Real RxDB clients (memory storage) replicating with the server over HTTP: the scenarios of
 * RxDB's replication base suite, written against this server's `human` test collection, and
 * the suite itself (`runReplicationBaseTestSuite`).
 *
 * RxDB runs in dev-mode, as in RxDB's own tests: the suite's `humansCollection.create` passes
 * `ignoreDuplicate: true`, which RxDB refuses outside dev-mode (RxError DB9), and dev-mode
 * requires a schema-validating storage (DVM1). The validated `human` schema has no `rev` or
 * `updatedAt`, so the replication keeps the server's bookkeeping outside the documents
 * (`RevisionBook` in rxdb-http-replication.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addRxPlugin, createRxDatabase, randomToken } from 'rxdb';
import type { RxCollection, RxStorage } from 'rxdb';
import { RxDBDevModePlugin, disableWarnings } from 'rxdb/plugins/dev-mode';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';
import type { RunningServer } from '../server.js';
import { replicateOverHttp, syncOnce } from '../test-support/rxdb-http-replication.js';
import {
  awaitPullHorizon,
  createTestDatabase,
  testTargets,
} from '../test-support/test-database.js';
import type { TestDatabase } from '../test-support/test-database.js';
import { enrollTestTerminal, startTestServer } from '../test-support/test-server.js';

disableWarnings();
addRxPlugin(RxDBDevModePlugin);

/** In-memory and schema-validated: what dev-mode requires. */
function validatedMemoryStorage(): RxStorage<unknown, unknown> {
  return wrappedValidateAjvStorage({ storage: getRxStorageMemory() });
}

interface Human {
  passportId: string;
  firstName: string;
  lastName: string;
  age?: number;
}

const humanSchema = {
  version: 0,
  primaryKey: 'passportId',
  type: 'object',
  properties: {
    passportId: { type: 'string', maxLength: 100 },
    firstName: { type: 'string', maxLength: 100 },
    lastName: { type: 'string', maxLength: 100 },
    age: { type: 'integer', minimum: 0, maximum: 150 },
  },
  required: ['passportId', 'firstName', 'lastName'],
} as const;

async function humans(...docs: Human[]): Promise<RxCollection<Human>> {
  const db = await createRxDatabase({
    name: randomToken(10),
    storage: validatedMemoryStorage(),
    multiInstance: false,
  });
  const { human } = await db.addCollections({ human: { schema: humanSchema } });
  const collection = human as unknown as RxCollection<Human>;
  if (docs.length > 0) await collection.bulkInsert(docs);
  return collection;
}

async function contents(collection: RxCollection<Human>) {
  const docs = await collection.find().exec();
  return docs
    .map((doc) => ({ passportId: doc.passportId, firstName: doc.firstName, age: doc.age }))
    .sort((a, b) => a.passportId.localeCompare(b.passportId));
}

async function eventually(check: () => Promise<void>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

describe.each(testTargets())(
  'RxDB clients replicating over HTTP on %s',
  { timeout: 30_000 },
  (target) => {
    let testDb: TestDatabase;
    let server: RunningServer;
    let options: { url: string; token: string };

    beforeAll(async () => {
      testDb = await createTestDatabase(target);
      server = await startTestServer(testDb.db);
      options = { url: server.url, token: (await enrollTestTerminal(server)).token };
    });

    afterAll(async () => {
      await server?.close();
      await testDb?.dispose();
    });

    async function serverDocs() {
      const { rows } = await testDb.db.query<{
        id: string;
        deleted: boolean;
        body: Human;
        rev: number;
      }>(
        "SELECT id, deleted, body, rev FROM sync_documents WHERE collection = 'human' ORDER BY id",
      );
      return rows;
    }

    it('pushes inserts, updates and deletions (kept as tombstones) live', async () => {
      await testDb.db.query("DELETE FROM sync_documents WHERE collection = 'human'");
      const c = await humans(
        { passportId: 'p1', firstName: 'A', lastName: 'X' },
        { passportId: 'p2', firstName: 'B', lastName: 'Y' },
      );
      const state = replicateOverHttp(c, { ...options, live: true });
      await state.awaitInitialReplication();
      expect((await serverDocs()).map((row) => row.id)).toEqual(['p1', 'p2']);

      await c.insert({ passportId: 'p3', firstName: 'C', lastName: 'Z' });
      await state.awaitInSync();
      const p1 = await c.findOne('p1').exec(true);
      await p1.incrementalPatch({ age: 100 });
      await state.awaitInSync();
      await eventually(async () => {
        expect((await serverDocs()).find((row) => row.id === 'p1')?.body.age).toBe(100);
      });
      await (await c.findOne('p2').exec(true)).remove();
      await state.awaitInSync();
      await eventually(async () => {
        const rows = await serverDocs();
        expect(rows.map((row) => [row.id, row.deleted])).toEqual([
          ['p1', false],
          ['p2', true],
          ['p3', false],
        ]);
      });
      await c.database.close();
    });

    it('brings two live clients to the same state through the SSE stream', async () => {
      const a = await humans({ passportId: 'a1', firstName: 'A', lastName: 'A' });
      const b = await humans({ passportId: 'b1', firstName: 'B', lastName: 'B' });
      const sa = replicateOverHttp(a, { ...options, live: true });
      const sb = replicateOverHttp(b, { ...options, live: true });
      await Promise.all([sa.awaitInitialReplication(), sb.awaitInitialReplication()]);
      await a.insert({ passportId: 'a2', firstName: 'A2', lastName: 'A' });
      await b.bulkInsert(
        Array.from({ length: 12 }, (_, i) => ({
          passportId: `bulk-${i}`,
          firstName: 'N',
          lastName: 'N',
        })),
      );
      // b's document reaches a through the server; a deletes it, b must see the tombstone.
      await eventually(async () => {
        expect(await a.findOne('b1').exec()).not.toBeNull();
      });
      await (await a.findOne('b1').exec(true)).remove();
      // No reSync() here: only the server's `changes` events can bring the other side along.
      await eventually(async () => {
        expect(await contents(a)).toEqual(await contents(b));
        expect((await contents(a)).map((doc) => doc.passportId)).toContain('bulk-11');
        expect(await b.findOne('b1').exec()).toBeNull();
      });
      await a.database.close();
      await b.database.close();
    });

    it('keeps the master state when two clients edit the same document', async () => {
      const c1 = await humans({ passportId: 'conflict', firstName: 'start', lastName: 'L' });
      const c2 = await humans();
      await syncOnce(c1, options);
      // A pull serves a write once every older transaction in the cluster has finished (0003);
      // another test file's transaction may delay that a moment.
      await eventually(async () => {
        await syncOnce(c2, options);
        expect(await c2.findOne('conflict').exec()).not.toBeNull();
      });
      await (await c1.findOne('conflict').exec(true)).incrementalPatch({ firstName: 'c1' });
      await (await c2.findOne('conflict').exec(true)).incrementalPatch({ firstName: 'c2' });
      await syncOnce(c2, options);
      await eventually(async () => {
        await syncOnce(c1, options);
        expect((await c1.findOne('conflict').exec(true)).firstName).toBe('c2');
      });
      expect((await serverDocs()).find((row) => row.id === 'conflict')?.body.firstName).toBe('c2');
      await c1.database.close();
      await c2.database.close();
    });
  },
);

/** RxDB's own base suite, unchanged, against this server's `human` test collection. */
const testUtils = await import('rxdb/plugins/test-utils');

describe.each(testTargets())("RxDB's runReplicationBaseTestSuite on %s", (target) => {
  let testDb: TestDatabase;
  let server: RunningServer;
  let options: { url: string; token: string };

  beforeAll(async () => {
    testDb = await createTestDatabase(target);
    server = await startTestServer(testDb.db);
    options = { url: server.url, token: (await enrollTestTerminal(server)).token };
  });

  afterAll(async () => {
    await server?.close();
    await testDb?.dispose();
  });

  testUtils.setConfig({
    storage: {
      name: 'memory',
      getStorage: validatedMemoryStorage,
      getPerformanceStorage: () => ({
        storage: validatedMemoryStorage(),
        description: 'memory (validate-ajv)',
      }),
      hasPersistence: false,
      hasMultiInstance: false,
      hasAttachments: false,
      hasReplication: true,
    },
  } as unknown as Parameters<typeof testUtils.setConfig>[0]);
  // The suite is written for mocha's globals.
  Object.assign(globalThis, { describe, it });
  testUtils.runReplicationBaseTestSuite({
    startReplication: (collection: RxCollection) =>
      replicateOverHttp(collection, { ...options, live: true }),
    // "Sync once and wait for completion": pull once everything committed before the call is
    // ready — a transaction of another test file in the cluster may hold the horizon back.
    syncOnce: async (collection: RxCollection) => {
      await awaitPullHorizon(testDb.db);
      await syncOnce(collection, options);
    },
    getAllServerDocs: async () => {
      const { rows } = await testDb.db.query<{ body: Record<string, unknown>; deleted: boolean }>(
        "SELECT body, deleted FROM sync_documents WHERE collection = 'human'",
      );
      return rows.map((row) => ({ ...row.body, _deleted: row.deleted }));
    },
    cleanUpServer: async () => {
      await testDb.db.query("DELETE FROM sync_documents WHERE collection = 'human'");
    },
    softDeletes: true,
    isDeleted: (doc: { _deleted: boolean }) => doc._deleted,
    getPrimaryOfServerDoc: (doc: { passportId: string }) => doc.passportId,
  } as unknown as Parameters<typeof testUtils.runReplicationBaseTestSuite>[0]);
});
