import { describe, expect, it } from 'vitest';
import { openPgliteDatabase } from './pglite-database.js';

/** When the embedded database was last vacuumed and analyzed (PGlite has no autovacuum). */
async function maintainedAt(db: Awaited<ReturnType<typeof openPgliteDatabase>>) {
  const { rows } = await db.query<{ vacuumed: unknown; analyzed: unknown }>(
    `SELECT last_vacuum AS vacuumed, last_analyze AS analyzed
       FROM pg_stat_user_tables WHERE relname = 'sales'`,
  );
  return rows[0] ?? { vacuumed: null, analyzed: null };
}

const SALES = `CREATE TABLE sales (id int PRIMARY KEY, balance int);
  INSERT INTO sales SELECT g, 0 FROM generate_series(1, 1000) g;
  UPDATE sales SET balance = balance + 10;`;

describe('the embedded database', () => {
  it('vacuums and analyzes itself on its timer, and closes cleanly after', async () => {
    const db = await openPgliteDatabase(undefined, { vacuumEveryMs: 50 });
    try {
      await db.exec(SALES);
      await expect
        .poll(async () => maintainedAt(db), { timeout: 10_000 })
        .toEqual({ vacuumed: expect.any(Date), analyzed: expect.any(Date) });
      // Transactions go on between vacuums.
      await db.transaction((tx) => tx.exec('UPDATE sales SET balance = balance + 1'));
      expect((await db.query('SELECT sum(balance)::int AS total FROM sales')).rows).toEqual([
        { total: 11_000 },
      ]);
    } finally {
      await db.close();
    }
  });

  it('does not vacuum when not asked to', async () => {
    const db = await openPgliteDatabase(undefined);
    try {
      await db.exec(SALES);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await maintainedAt(db)).toEqual({ vacuumed: null, analyzed: null });
    } finally {
      await db.close();
    }
  });
});
