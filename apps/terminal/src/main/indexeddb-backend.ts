/**
 * Which engine keeps the till's IndexedDB (its whole local database) on disk: Chromium's
 * SQLite backend for a new till, LevelDB for a till that already holds LevelDB data
 * (docs/decisions/0011).
 *
 * Chromium chooses per store, when it opens one, from its features, and deletes a store the
 * other engine wrote (checked on Chromium 156: switching either way loses the data). A till's
 * store can hold checkouts that have not reached the server yet, so the choice is read from
 * the files before Chromium starts, and made explicit on Chromium's command line both ways.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The Electron release, and its Chromium, on which these features were checked. Moving to
 * another Electron means checking them again first (decision 0011): a Chromium that does not
 * honour them deletes the SQLite store of every till on it. A test holds the pinned Electron to
 * this version; at start-up, a till on SQLite refuses to open under another Chromium.
 */
export const ELECTRON_CHECKED_FOR_SQLITE_INDEXEDDB = '45.4.1';
export const CHROMIUM_CHECKED_FOR_SQLITE_INDEXEDDB = 156;

/** Chromium's features that keep a new store's IndexedDB in SQLite (Chromium 156). */
export const SQLITE_INDEXEDDB_FEATURES: readonly string[] = [
  'IdbSqliteBackingStore',
  'IdbSqliteOnDiskRollout',
];

/** Chromium's command-line switch for SQLite, and the one that keeps LevelDB. */
export const SQLITE_INDEXEDDB_SWITCH = `--enable-features=${SQLITE_INDEXEDDB_FEATURES.join(',')}`;
export const LEVELDB_INDEXEDDB_SWITCH = `--disable-features=${SQLITE_INDEXEDDB_FEATURES.join(',')}`;

export type IndexedDbBackend = 'sqlite' | 'leveldb';

export interface IndexedDbBackendChoice {
  readonly backend: IndexedDbBackend;
  /** Why, in words for the log. */
  readonly reason: string;
}

/** The stores in a session's `IndexedDB` folder, by engine (folder names). */
export interface IndexedDbStores {
  readonly leveldb: readonly string[];
  readonly sqlite: readonly string[];
}

/** A LevelDB store's folder: `<origin>.indexeddb.leveldb` (its blobs: `.indexeddb.blob`). */
const LEVELDB_STORE = /\.indexeddb\.(leveldb|blob)$/;

/**
 * The stores in `indexedDbDir` (`<partition>/IndexedDB`). Chromium 156 writes a LevelDB store as
 * `<origin>.indexeddb.leveldb` and a SQLite store as a folder named after the origin alone.
 * Hidden files (a desktop's `.DS_Store`) are no store. A missing folder has none. Any other
 * error is thrown: guessing could delete the till's data.
 */
export function findIndexedDbStores(indexedDbDir: string): IndexedDbStores {
  let entries: string[];
  try {
    entries = readdirSync(indexedDbDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { leveldb: [], sqlite: [] };
    throw new Error(
      `cannot read ${indexedDbDir} to tell which engine holds this till's data: ` +
        (error instanceof Error ? error.message : String(error)),
      { cause: error },
    );
  }
  const stores = entries.filter((entry) => !entry.startsWith('.')).sort();
  return {
    leveldb: stores.filter((entry) => LEVELDB_STORE.test(entry)),
    sqlite: stores.filter((entry) => !LEVELDB_STORE.test(entry)),
  };
}

/**
 * The engine for this start, given the stores found and the major version of the Chromium
 * that runs: a till's data stays with its engine; a new till gets SQLite where SQLite was
 * checked, LevelDB elsewhere. Throws where starting would delete data: stores of both engines
 * (one of them would go), or SQLite data under a Chromium it was not checked on.
 */
export function chooseIndexedDbBackend(
  stores: IndexedDbStores,
  chromiumMajor: number,
): IndexedDbBackendChoice {
  const { leveldb, sqlite } = stores;
  if (leveldb.length > 0 && sqlite.length > 0) {
    throw new Error(
      `this till has IndexedDB data in both LevelDB (${leveldb.join(', ')}) and SQLite ` +
        `(${sqlite.join(', ')}); Chromium would delete one of them, so nothing was opened`,
    );
  }
  if (leveldb.length > 0) {
    return {
      backend: 'leveldb',
      reason: `this till's data is in LevelDB (${leveldb.join(', ')}); switching would delete it`,
    };
  }
  const checked = chromiumMajor === CHROMIUM_CHECKED_FOR_SQLITE_INDEXEDDB;
  if (sqlite.length > 0) {
    if (!checked) {
      throw new Error(
        `this till's data is in SQLite (${sqlite.join(', ')}), which was checked on Chromium ` +
          `${CHROMIUM_CHECKED_FOR_SQLITE_INDEXEDDB} only; this app runs Chromium ` +
          `${chromiumMajor}, which could delete it (decision 0011), so nothing was opened`,
      );
    }
    return { backend: 'sqlite', reason: `this till's data is in SQLite (${sqlite.join(', ')})` };
  }
  return checked
    ? { backend: 'sqlite', reason: 'a new till (no IndexedDB data yet)' }
    : {
        backend: 'leveldb',
        reason:
          `a new till, on Chromium ${chromiumMajor}, where SQLite was not checked ` +
          `(only on ${CHROMIUM_CHECKED_FOR_SQLITE_INDEXEDDB})`,
      };
}

/** The major version in a Chromium version string (`process.versions.chrome`), or NaN. */
export function chromiumMajor(version: string | undefined): number {
  const major = /^(\d+)\./.exec(version ?? '')?.[1];
  return major === undefined ? Number.NaN : Number(major);
}

/** Chromium's `--enable-features` and `--disable-features` values (comma-separated). */
export interface FeatureSwitches {
  readonly enable: string;
  readonly disable: string;
}

/**
 * The feature switches for `backend`, from those the till was started with: the SQLite
 * features enabled for SQLite and disabled for LevelDB, and taken out of the other list, so
 * that neither a switch on the command line nor a later Chromium default can change the engine.
 */
export function featureSwitches(
  backend: IndexedDbBackend,
  current: FeatureSwitches,
): FeatureSwitches {
  const list = (value: string) => value.split(',').filter((feature) => feature.length > 0);
  const without = (value: string) =>
    list(value).filter((feature) => !SQLITE_INDEXEDDB_FEATURES.includes(feature));
  const withOurs = (value: string) => [...without(value), ...SQLITE_INDEXEDDB_FEATURES];
  return backend === 'sqlite'
    ? { enable: withOurs(current.enable).join(','), disable: without(current.disable).join(',') }
    : { enable: without(current.enable).join(','), disable: withOurs(current.disable).join(',') };
}

/**
 * Where Electron keeps a `persist:<name>` session: `<sessionData>/Partitions/<name>`, the name
 * lower-cased and path-escaped; escaping changes nothing in names of letters, digits, `-` and
 * `_`, which is all this accepts. The main process checks the result against the session's
 * `storagePath` once Electron is ready.
 */
export function partitionDir(sessionData: string, partition: string): string {
  const name = /^persist:([A-Za-z0-9_-]+)$/.exec(partition)?.[1];
  if (name === undefined) {
    throw new Error(`not a persistent partition of a plain name: ${partition}`);
  }
  return path.join(sessionData, 'Partitions', name.toLowerCase());
}
