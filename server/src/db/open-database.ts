import { mkdir } from 'node:fs/promises';
import type { Database } from './database.js';
import { lockDataDirectory } from './data-dir-lock.js';
import { openPgliteDatabase } from './pglite-database.js';
import { openPostgresDatabase } from './postgres-database.js';

export type DatabaseTarget =
  | { readonly kind: 'postgres'; readonly url: string; readonly maxConnections?: number }
  /** `dataDir` undefined: in memory (tests). */
  | { readonly kind: 'pglite'; readonly dataDir?: string };

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.kind === 'postgres') {
    return openPostgresDatabase({
      connectionString: target.url,
      maxConnections: target.maxConnections,
    });
  }
  if (target.dataDir === undefined) return openPgliteDatabase(undefined);
  await mkdir(target.dataDir, { recursive: true });
  // One process at a time on a data directory (data-dir-lock.ts), released on close.
  const release = await lockDataDirectory(target.dataDir);
  let db: Database;
  try {
    db = await openPgliteDatabase(target.dataDir);
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
