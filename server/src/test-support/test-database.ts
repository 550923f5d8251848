/**
 * Databases for tests: always embedded PGlite (in memory), and a real PostgreSQL when
 * TEST_DATABASE_URL is set. Each call on PostgreSQL creates a fresh database, dropped on
 * dispose, so test files running in parallel never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database, Queryable } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { openDatabase } from '../db/open-database.js';
import { setLogLevel } from '../logger.js';

// Tests keep stderr for failures; LOG_LEVEL=debug shows the server's log.
setLogLevel((process.env['LOG_LEVEL'] as 'debug' | undefined) ?? 'warn');

export type TestTarget = 'pglite' | 'postgres';

export const TEST_DATABASE_URL = process.env['TEST_DATABASE_URL'] || undefined;

/** The targets every database test runs on. */
export function testTargets(): TestTarget[] {
  return TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

export interface TestDatabase {
  readonly db: Database;
  readonly target: TestTarget;
  /** The connection string of the fresh PostgreSQL database (absent on PGlite). */
  readonly url?: string;
  /** Opens another pool on the same database (a second server process). */
  openAnother(): Promise<Database>;
  dispose(): Promise<void>;
}

function databaseUrl(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function createTestDatabase(
  target: TestTarget,
  options: { migrate?: boolean; maxConnections?: number } = {},
): Promise<TestDatabase> {
  if (target === 'pglite') {
    const db = await openDatabase({ kind: 'pglite' });
    if (options.migrate !== false) await migrate(db);
    return {
      db,
      target,
      openAnother: () => Promise.reject(new Error('PGlite is one process; use PostgreSQL')),
      dispose: () => db.close(),
    };
  }
  if (!TEST_DATABASE_URL) throw new Error('TEST_DATABASE_URL is not set');
  const name = `tillpoint_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = databaseUrl(TEST_DATABASE_URL, name);
  const opened: Database[] = [];
  const open = async () => {
    const db = await openDatabase({
      kind: 'postgres',
      url,
      maxConnections: options.maxConnections ?? 10,
    });
    opened.push(db);
    return db;
  };
  const db = await open();
  if (options.migrate !== false) await migrate(db);
  return {
    db,
    target,
    url,
    openAnother: open,
    async dispose() {
      await Promise.all(opened.map((each) => each.close().catch(() => undefined)));
      const cleanup = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await cleanup.connect();
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

/**
 * Resolves once every transaction that had started when it was called has finished, so a pull
 * from then on serves every change committed before the call. Transaction ids are cluster-wide:
 * another test file's open transaction holds the pull horizon back (decision 0003). Waiting
 * assigns no transaction id of its own.
 */
export async function awaitPullHorizon(db: Queryable, timeoutMs = 15_000): Promise<void> {
  const { rows } = await db.query<{ next: string }>(
    'SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS next',
  );
  const next = rows[0]?.next ?? '0';
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows: ready } = await db.query<{ ready: boolean }>(
      'SELECT pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8 AS ready',
      [next],
    );
    if (ready[0]?.ready) return;
    if (Date.now() > deadline) throw new Error(`pull horizon still below ${next}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
