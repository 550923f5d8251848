import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.js';
import { logger } from '../logger.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

/** Arbitrary constant identifying the migration lock among PostgreSQL advisory locks. */
const MIGRATION_LOCK_ID = 7_262_024_001;

/**
 * Applies `migrations/*.sql` in file-name order, each once, recorded in `schema_migrations`.
 * Everything runs in one transaction holding an advisory lock, so several server processes
 * starting at once apply each migration exactly once (the others wait, then find nothing to do),
 * and a failing migration leaves the schema as it was.
 */
export async function migrate(db: Database, directory = MIGRATIONS_DIR): Promise<string[]> {
  const files = (await readdir(directory)).filter((name) => name.endsWith('.sql')).sort();
  const sources = await Promise.all(
    files.map(async (name) => ({ name, sql: await readFile(`${directory}/${name}`, 'utf8') })),
  );
  const applied = await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set(
      (await tx.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map(
        (r) => r.name,
      ),
    );
    const newlyApplied: string[] = [];
    for (const { name, sql } of sources) {
      if (done.has(name)) continue;
      await tx.exec(sql);
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
      newlyApplied.push(name);
    }
    return newlyApplied;
  });
  if (applied.length > 0) logger.info('migrations applied', { migrations: applied });
  return applied;
}
