import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server.js';
import {
  awaitPullHorizon,
  createTestDatabase,
  testTargets,
} from '../test-support/test-database.js';
import type { TestDatabase } from '../test-support/test-database.js';
import { TestClient, enrollTestTerminal, startTestServer } from '../test-support/test-server.js';

describe.each(testTargets())('sync endpoints on %s', (target) => {
  let testDb: TestDatabase;
  let server: RunningServer;
  let client: TestClient;

  beforeAll(async () => {
    testDb = await createTestDatabase(target);
    server = await startTestServer(testDb.db);
    client = new TestClient(server.url, (await enrollTestTerminal(server)).token);
  });

  afterAll(async () => {
    await server?.close();
    await testDb?.dispose();
  });

  it('stores a pushed document with rev 1 and serves it to a pull', async () => {
    const push = await client.push('items', [{ newDocumentState: { id: 'a', value: 1, rev: 0 } }]);
    expect(push).toEqual({ status: 200, body: { conflicts: [] } });
    // Other test files' transactions on the same cluster can hold the pull horizon back.
    await awaitPullHorizon(testDb.db);
    const pull = await client.pull('items', null, 10);
    expect(pull.status).toBe(200);
    expect(pull.body.documents).toEqual([
      expect.objectContaining({ id: 'a', value: 1, rev: 1, _deleted: false }),
    ]);
  });

  it('answers a stale rev with the current master state and writes nothing', async () => {
    await client.push('items', [{ newDocumentState: { id: 'b', value: 1, rev: 0 } }]);
    await awaitPullHorizon(testDb.db);
    const first = await client.pull('items', null, 100);
    const master = first.body.documents.find((doc) => doc.id === 'b')!;
    const update = await client.push('items', [
      { assumedMasterState: master, newDocumentState: { ...master, value: 2 } },
    ]);
    expect(update.body.conflicts).toEqual([]);
    const stale = await client.push('items', [
      { assumedMasterState: master, newDocumentState: { ...master, value: 3 } },
    ]);
    expect(stale.body.conflicts).toEqual([expect.objectContaining({ id: 'b', value: 2, rev: 2 })]);
  });

  it('answers a push retried after its answer was lost with the master, and writes nothing', async () => {
    await client.push('items', [{ newDocumentState: { id: 'c', value: 1, rev: 0 } }]);
    await awaitPullHorizon(testDb.db);
    const master = (await client.pull('items', null, 100)).body.documents.find(
      (doc) => doc.id === 'c',
    )!;
    const edit = { assumedMasterState: master, newDocumentState: { ...master, value: 2 } };
    expect((await client.push('items', [edit])).body.conflicts).toEqual([]);
    // The till never heard that answer and sends the same rows again: it gets the master, at
    // its new revision, to adopt; nothing is written.
    const retried = await client.push('items', [edit]);
    expect(retried.body.conflicts).toEqual([
      expect.objectContaining({ id: 'c', value: 2, rev: 2 }),
    ]);
    // The till, holding the master now, pushes it back (as RxDB does after a conflict): that
    // changes nothing, so nothing is written and the revision stays.
    const adopted = retried.body.conflicts[0] as Record<string, unknown>;
    const back = await client.push('items', [
      { assumedMasterState: adopted, newDocumentState: adopted },
    ]);
    expect(back.body.conflicts).toEqual([]);
    const { rows } = await testDb.db.query<{ rev: number }>(
      `SELECT rev FROM sync_documents WHERE collection = 'items' AND id = 'c'`,
    );
    expect(rows).toEqual([{ rev: 2 }]);
  });
});
