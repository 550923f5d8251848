/**
 * The transaction contract both databases keep. On PostgreSQL, BEGIN goes out with the first
 * statement (pipelined) and statements issued without waiting share a round trip: these cases
 * pin down that this changes nothing a caller can see.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testTargets } from '../test-support/test-database.js';
import type { TestDatabase } from '../test-support/test-database.js';

describe.each(testTargets())('transactions on %s', (target) => {
  let testDb: TestDatabase;

  beforeAll(async () => {
    testDb = await createTestDatabase(target, { migrate: false });
    await testDb.db.exec('CREATE TABLE t (id int PRIMARY KEY, v text)');
  });

  afterAll(async () => {
    await testDb?.dispose();
  });

  const rows = async () =>
    (await testDb.db.query<{ id: number; v: string }>('SELECT id, v FROM t ORDER BY id')).rows;

  it('commits a first statement that writes, and rolls it back when the callback throws', async () => {
    await testDb.db.transaction(async (tx) => {
      await tx.query('INSERT INTO t VALUES ($1, $2)', [1, 'one']);
    });
    await expect(
      testDb.db.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES ($1, $2)', [2, 'two']);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await rows()).toEqual([{ id: 1, v: 'one' }]);
  });

  it('rolls back when the first statement fails, and the connection stays usable', async () => {
    for (let i = 0; i < 12; i++) {
      await expect(
        testDb.db.transaction(async (tx) => {
          await tx.query('INSERT INTO t VALUES ($1, $2)', [1, 'duplicate']);
        }),
      ).rejects.toMatchObject({ code: '23505' });
    }
    const inTransaction = await testDb.db.transaction(async (tx) => {
      const { rows: xact } = await tx.query<{ a: string; b: string }>(
        'SELECT pg_current_xact_id()::text AS a, pg_current_xact_id()::text AS b',
      );
      const again = await tx.query<{ a: string }>('SELECT pg_current_xact_id()::text AS a');
      return xact[0]?.a === again.rows[0]?.a;
    });
    expect(inTransaction).toBe(true);
  });

  it('runs an exec script as the first statement inside the transaction', async () => {
    await expect(
      testDb.db.transaction(async (tx) => {
        await tx.exec(`INSERT INTO t VALUES (3, 'three'); INSERT INTO t VALUES (4, 'four')`);
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    await testDb.db.transaction(async (tx) => {
      await tx.exec(`INSERT INTO t VALUES (3, 'three'); INSERT INTO t VALUES (4, 'four')`);
    });
    expect((await rows()).map((row) => row.id)).toEqual([1, 3, 4]);
  });

  it('returns the value of a callback that sends nothing', async () => {
    await expect(testDb.db.transaction(async () => 42)).resolves.toBe(42);
  });

  it('runs statements issued without waiting in order, the later seeing the earlier', async () => {
    const seen = await testDb.db.transaction(async (tx) => {
      const [, , read] = await Promise.all([
        tx.query(`UPDATE t SET v = 'uno' WHERE id = 1`),
        tx.query('INSERT INTO t VALUES ($1, $2)', [5, 'five']),
        tx.query<{ v: string }>('SELECT v FROM t WHERE id IN (1, 5) ORDER BY id'),
      ]);
      return read.rows.map((row) => row.v);
    });
    expect(seen).toEqual(['uno', 'five']);
  });

  it('reports the first error of statements issued without waiting, and rolls back', async () => {
    await expect(
      testDb.db.transaction(async (tx) => {
        await Promise.all([
          tx.query(`UPDATE t SET v = 'changed' WHERE id = 1`),
          tx.query('INSERT INTO t VALUES ($1, $2)', [5, 'again']),
          tx.query('SELECT 1'),
        ]);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect((await rows()).find((row) => row.id === 1)?.v).toBe('uno');
  });

  it("sends notifications after commit only, once per key, with an xid above the writer's", async () => {
    const received: string[] = [];
    const unlisten = await testDb.db.listen('tp_test_channel', (payload) => received.push(payload));
    try {
      const writerXid = await testDb.db.transaction(async (tx) => {
        const { rows: written } = await tx.query<{ xid: string }>(
          `INSERT INTO t VALUES ($1, $2) RETURNING pg_current_xact_id()::text AS xid`,
          [20, 'twenty'],
        );
        tx.notifyAfterCommit('tp_test_channel', 'alpha');
        tx.notifyAfterCommit('tp_test_channel', 'alpha');
        tx.notifyAfterCommit('tp_test_channel', 'beta');
        return BigInt(written[0]?.xid ?? '0');
      });
      await expect(
        testDb.db.transaction(async (tx) => {
          await tx.query('INSERT INTO t VALUES ($1, $2)', [21, 'twenty-one']);
          tx.notifyAfterCommit('tp_test_channel', 'rolled-back');
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      await expect.poll(() => received.length, { timeout: 5_000 }).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const parsed = received.map((payload) => payload.split(' ') as [string, string]);
      expect(parsed.map(([key]) => key).sort()).toEqual(['alpha', 'beta']);
      for (const [, xid] of parsed) expect(BigInt(xid)).toBeGreaterThan(writerXid);
    } finally {
      await unlisten();
    }
  });

  it('refuses notification keys that are not plain names, without touching the data', async () => {
    await expect(
      testDb.db.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES ($1, $2)', [22, 'twenty-two']);
        tx.notifyAfterCommit('tp_test_channel', "x'); DROP TABLE t; --");
      }),
    ).rejects.toThrow(/invalid notification/);
    expect((await rows()).some((row) => row.id === 22)).toBe(false);
  });

  it.runIf(target === 'postgres')(
    'survives its connection being terminated mid-transaction: the transaction fails, the database stays usable',
    async () => {
      const attempt = testDb.db.transaction(
        async (tx) => {
          const { rows: own } = await tx.query<{ pid: number }>(
            'SELECT pg_backend_pid() AS pid WHERE $1::int = 1',
            [1],
          );
          await testDb.db.query('SELECT pg_terminate_backend($1::int)', [own[0]?.pid]);
          await new Promise((resolve) => setTimeout(resolve, 200));
          await tx.query('INSERT INTO t VALUES ($1, $2)', [30, 'thirty']);
        },
        { maxAttempts: 1 },
      );
      await expect(attempt).rejects.toThrow();
      expect((await rows()).some((row) => row.id === 30)).toBe(false);
      await testDb.db.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES ($1, $2)', [31, 'thirty-one']);
      });
      expect((await rows()).some((row) => row.id === 31)).toBe(true);
    },
  );
});
