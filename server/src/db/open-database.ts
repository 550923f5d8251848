import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import type { Database } from './database.js';
import { lockDataDirectory } from './data-dir-lock.js';
import { openPgliteDatabase } from './pglite-database.js';
import { openPostgresDatabase } from './postgres-database.js';

export type DatabaseTarget =
  | { readonly kind: 'postgres'; readonly url: string; readonly maxConnections?: number }
  /**
   * `dataDir` undefined: in memory (tests). `vacuumEveryMinutes`: how often to VACUUM (ANALYZE)
   * it, since PGlite has no autovacuum (0 or absent: never).
   */
  | { readonly kind: 'pglite'; readonly dataDir?: string; readonly vacuumEveryMinutes?: number };

/** The embedded database's directory cannot be created, read or written. */
export class DataDirectoryUnusableError extends Error {
  override readonly name = 'DataDirectoryUnusableError';
  constructor(
    readonly dataDir: string,
    readonly reason: string,
  ) {
    super(
      `DATA_DIR ${dataDir}: cannot be used for the embedded database (${reason}); make it writable for this user, set DATA_DIR to another directory, or use DATABASE_URL`,
    );
  }
}

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.kind === 'postgres') {
    return openPostgresDatabase({
      connectionString: target.url,
      maxConnections: target.maxConnections,
    });
  }
  const maintenance = { vacuumEveryMs: (target.vacuumEveryMinutes ?? 0) * 60_000 };
  if (target.dataDir === undefined) return openPgliteDatabase(undefined, maintenance);
  const dataDir = target.dataDir;
  // PGlite itself says only that it "failed to initialize": name the directory and the cause.
  const unusable = (error: unknown) =>
    new DataDirectoryUnusableError(
      dataDir,
      (error as NodeJS.ErrnoException).code ?? (error as Error).message,
    );
  try {
    await mkdir(dataDir, { recursive: true });
    await access(dataDir, constants.R_OK | constants.W_OK);
  } catch (error) {
    throw unusable(error);
  }
  // One process at a time on a data directory (data-dir-lock.ts), released on close.
  const release = await lockDataDirectory(dataDir).catch((error: unknown) => {
    throw (error as NodeJS.ErrnoException).code === 'EACCES' ? unusable(error) : error;
  });
  let db: Database;
  try {
    db = await openPgliteDatabase(dataDir, maintenance);
  } catch (error) {
    await release();
    throw error;
  }
  const close = db.close.bind(db);
  return Object.assign(db, {
    async close() {
      try {
        await close();
      } finally {
        await release();
      }
    },
  });
}
