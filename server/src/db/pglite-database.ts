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
import { logger } from '../logger.js';

export interface PgliteMaintenance {
  /**
   * How often to run `VACUUM (ANALYZE)` (0: never). PGlite is PostgreSQL in single-user mode,
   * with no autovacuum: without this, the row versions every update leaves behind (an
   * account's, at each sale) are never reclaimed and the planner's statistics never refreshed.
   */
  readonly vacuumEveryMs?: number;
}

/**
 * Embedded PostgreSQL (PGlite) in `dataDir`, or in memory when `dataDir` is undefined. PGlite
 * has exactly one connection, so it runs one transaction at a time: `transaction()` holds its
 * transaction lock for the whole callback and other queries wait for it (the periodic VACUUM
 * too: it runs between transactions, and pushes wait for it, a fraction of a second for a
 * store's data).
 */
export async function openPgliteDatabase(
  dataDir?: string,
  maintenance: PgliteMaintenance = {},
): Promise<Database> {
  const pglite = await PGlite.create(dataDir, {
    parsers: { [types.INT8]: (value: string) => Number(value) },
  });

  let vacuuming: Promise<void> | undefined;
  const vacuum = () => {
    vacuuming ??= pglite
      .exec('VACUUM (ANALYZE)')
      .then(
        () => undefined,
        (error: unknown) => {
          logger.warn('the embedded database could not be vacuumed', {
            error: error instanceof Error ? error.message : String(error),
          });
        },
      )
      .finally(() => {
        vacuuming = undefined;
      });
    return vacuuming;
  };
  const vacuumTimer =
    (maintenance.vacuumEveryMs ?? 0) > 0
      ? setInterval(() => void vacuum(), maintenance.vacuumEveryMs)
      : undefined;
  vacuumTimer?.unref();

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
      clearInterval(vacuumTimer);
      await vacuuming;
      await notifier.close();
      await pglite.close();
    },
  };
}
