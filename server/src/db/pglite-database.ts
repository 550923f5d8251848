import { PGlite, types } from '@electric-sql/pglite';
import type {
  Database,
  DbTransaction,
  QueryRow,
  QueryResult,
  TransactionOptions,
} from './database.js';
import { CommitNotifier } from './commit-notifier.js';
import { createTransactionHandle, withRetries } from './run-transaction.js';

/**
 * Embedded PostgreSQL (PGlite) in `dataDir`, or in memory when `dataDir` is undefined. PGlite
 * has exactly one connection, so it runs one transaction at a time: `transaction()` holds its
 * transaction lock for the whole callback and other queries wait for it.
 */
export async function openPgliteDatabase(dataDir?: string): Promise<Database> {
  const pglite = await PGlite.create(dataDir, {
    parsers: { [types.INT8]: (value: string) => Number(value) },
  });

  const query = async <R extends QueryRow>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<QueryResult<R>> => {
    const result = await pglite.query<R>(sql, [...params]);
    return { rows: result.rows, rowCount: result.affectedRows || result.rows.length };
  };

  const notifier = new CommitNotifier(async (sql) => {
    await pglite.exec(sql);
  });

  return {
    kind: 'pglite',
    query,
    async exec(sql) {
      await pglite.exec(sql);
    },
    async transaction<T>(fn: (tx: DbTransaction) => Promise<T>, options: TransactionOptions = {}) {
      return withRetries(options, async () => {
        let runAfterCommit = () => {};
        // PGlite's own transaction() holds its transaction lock, issues BEGIN, COMMIT, and
        // ROLLBACK when the callback throws.
        const result = await pglite.transaction(async (tx) => {
          await tx.query(
            `SET TRANSACTION ISOLATION LEVEL ${(options.isolation ?? 'read committed').toUpperCase()}`,
          );
          const attempt = createTransactionHandle(
            {
              query: async <R extends QueryRow>(sql: string, params: readonly unknown[] = []) => {
                const r = await tx.query<R>(sql, [...params]);
                return { rows: r.rows, rowCount: r.affectedRows || r.rows.length };
              },
              exec: async (sql: string) => {
                await tx.exec(sql);
              },
            },
            notifier,
          );
          runAfterCommit = attempt.runAfterCommit;
          return fn(attempt.handle);
        });
        runAfterCommit();
        return result;
      });
    },
    async listen(channel, onNotification) {
      const unlisten = await pglite.listen(channel, onNotification);
      return () => unlisten();
    },
    async close() {
      await notifier.close();
      await pglite.close();
    },
  };
}
