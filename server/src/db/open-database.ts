import { mkdir } from 'node:fs/promises';
import type { Database } from './database.js';
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
  if (target.dataDir !== undefined) await mkdir(target.dataDir, { recursive: true });
  return openPgliteDatabase(target.dataDir);
}
