/**
 * Which engine keeps the till's IndexedDB (its whole local database) on disk: Chromium's
 * SQLite backend for a new till, LevelDB for a till that already holds LevelDB data
 * (docs/decisions/0011).
 *
 * Chromium chooses per store, when it opens one, from its features, and deletes a store the
 * other engine wrote (checked on Chromium 156: switching either way loses the data). A till's
 * store can hold checkouts that have not reached the server yet, so the choice is read from
 * the files before Chromium starts, and a LevelDB till is never switched.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The Electron release whose Chromium (156) these features were checked on. Moving to another
 * Electron means checking them again first (decision 0011): a Chromium that does not honour
 * them deletes the SQLite store of every till on it. A test holds the pinned version to this.
 */
export const ELECTRON_CHECKED_FOR_SQLITE_INDEXEDDB = '45.4.1';

/** Chromium's features that keep a new store's IndexedDB in SQLite (Chromium 156). */
export const SQLITE_INDEXEDDB_FEATURES: readonly string[] = [
  'IdbSqliteBackingStore',
  'IdbSqliteOnDiskRollout',
];

/** The same, as a Chromium command-line switch. */
export const SQLITE_INDEXEDDB_SWITCH = `--enable-features=${SQLITE_INDEXEDDB_FEATURES.join(',')}`;

export type IndexedDbBackend = 'sqlite' | 'leveldb';

export interface IndexedDbBackendChoice {
  readonly backend: IndexedDbBackend;
  /** Why, in words for the log. */
  readonly reason: string;
}

/** A LevelDB store's folder: `<origin>.indexeddb.leveldb` (its blobs: `.indexeddb.blob`). */
const LEVELDB_STORE = /\.indexeddb\.(leveldb|blob)$/;

/**
 * The backend for the IndexedDB folder of a session (`<partition>/IndexedDB`): LevelDB when any
 * LevelDB store is there, SQLite otherwise (no folder yet, an empty one, or SQLite stores).
 * Any error other than a missing folder is thrown: guessing could delete the till's data.
 */
export function chooseIndexedDbBackend(indexedDbDir: string): IndexedDbBackendChoice {
  let entries: string[];
  try {
    entries = readdirSync(indexedDbDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { backend: 'sqlite', reason: 'a new till (no IndexedDB data yet)' };
    }
    throw new Error(
      `cannot read ${indexedDbDir} to tell which engine holds this till's data: ` +
        (error instanceof Error ? error.message : String(error)),
      { cause: error },
    );
  }
  const leveldb = entries.filter((entry) => LEVELDB_STORE.test(entry));
  if (leveldb.length > 0) {
    return {
      backend: 'leveldb',
      reason: `this till's data is in LevelDB (${leveldb.join(', ')}); switching would delete it`,
    };
  }
  return {
    backend: 'sqlite',
    reason: entries.length === 0 ? 'a new till (no IndexedDB data yet)' : 'SQLite data',
  };
}

/**
 * Where Electron keeps a `persist:<name>` session: `<userData>/Partitions/<name>`, the name
 * lower-cased and path-escaped; escaping changes nothing in names of letters, digits, `-` and
 * `_`, which is all this accepts. The main process checks the result against the session's
 * `storagePath` once Electron is ready.
 */
export function partitionDir(userData: string, partition: string): string {
  const name = /^persist:([A-Za-z0-9_-]+)$/.exec(partition)?.[1];
  if (name === undefined) {
    throw new Error(`not a persistent partition of a plain name: ${partition}`);
  }
  return path.join(userData, 'Partitions', name.toLowerCase());
}

/** `--enable-features`' value with `features` added to those already asked for. */
export function withFeatures(current: string, features: readonly string[]): string {
  const all = current.split(',').filter((feature) => feature.length > 0);
  for (const feature of features) if (!all.includes(feature)) all.push(feature);
  return all.join(',');
}
