import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ELECTRON_CHECKED_FOR_SQLITE_INDEXEDDB,
  SQLITE_INDEXEDDB_FEATURES,
  SQLITE_INDEXEDDB_SWITCH,
  chooseIndexedDbBackend,
  partitionDir,
  withFeatures,
} from './indexeddb-backend.js';
import { SESSION_PARTITION } from './security.js';

let dir: string;
let indexedDb: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tillpoint-idb-'));
  indexedDb = path.join(dir, 'IndexedDB');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("choosing the engine of a till's IndexedDB", () => {
  it('puts a new till in SQLite: no folder yet, or an empty one', async () => {
    expect(chooseIndexedDbBackend(indexedDb).backend).toBe('sqlite');
    await mkdir(indexedDb);
    expect(chooseIndexedDbBackend(indexedDb)).toEqual({
      backend: 'sqlite',
      reason: 'a new till (no IndexedDB data yet)',
    });
  });

  it('keeps a till whose data is in SQLite there (the folders Chromium 156 writes)', async () => {
    await mkdir(path.join(indexedDb, 'tillpoint_app_0', 'OC5N4OVOVBBPBWE47KEOMY6KQ75U'), {
      recursive: true,
    });
    expect(chooseIndexedDbBackend(indexedDb)).toEqual({ backend: 'sqlite', reason: 'SQLite data' });
  });

  it('never switches a till whose data is in LevelDB: switching would delete it', async () => {
    await mkdir(path.join(indexedDb, 'tillpoint_app_0.indexeddb.leveldb'), { recursive: true });
    await writeFile(path.join(indexedDb, 'tillpoint_app_0.indexeddb.leveldb', 'CURRENT'), '');
    const choice = chooseIndexedDbBackend(indexedDb);
    expect(choice.backend).toBe('leveldb');
    expect(choice.reason).toContain('tillpoint_app_0.indexeddb.leveldb');
    expect(choice.reason).toContain('would delete it');
  });

  it('counts a LevelDB blob folder as LevelDB data, whatever else is there', async () => {
    await mkdir(path.join(indexedDb, 'tillpoint_app_0.indexeddb.blob'), { recursive: true });
    await mkdir(path.join(indexedDb, 'other_origin_0'), { recursive: true });
    expect(chooseIndexedDbBackend(indexedDb).backend).toBe('leveldb');
  });

  it('refuses to guess when the folder cannot be read', async () => {
    await writeFile(indexedDb, 'not a folder');
    expect(() => chooseIndexedDbBackend(indexedDb)).toThrow(
      /cannot read .*IndexedDB to tell which engine holds this till's data/,
    );
  });
});

describe('where the session keeps its data', () => {
  it("is Electron's folder for the app's persistent partition", () => {
    expect(partitionDir('/home/till/.config/Tillpoint', SESSION_PARTITION)).toBe(
      path.join('/home/till/.config/Tillpoint', 'Partitions', 'tillpoint'),
    );
    expect(partitionDir('/data', 'persist:Till_2')).toBe(
      path.join('/data', 'Partitions', 'till_2'),
    );
  });

  it('refuses an in-memory partition or a name Electron would escape', () => {
    expect(() => partitionDir('/data', 'tillpoint')).toThrow(/not a persistent partition/);
    expect(() => partitionDir('/data', 'persist:../x')).toThrow(/not a persistent partition/);
    expect(() => partitionDir('/data', 'persist:a b')).toThrow(/not a persistent partition/);
  });
});

describe("Chromium's --enable-features", () => {
  it('adds the SQLite features to those already asked for, once each', () => {
    expect(withFeatures('', SQLITE_INDEXEDDB_FEATURES)).toBe(
      'IdbSqliteBackingStore,IdbSqliteOnDiskRollout',
    );
    expect(withFeatures('Foo,IdbSqliteBackingStore', SQLITE_INDEXEDDB_FEATURES)).toBe(
      'Foo,IdbSqliteBackingStore,IdbSqliteOnDiskRollout',
    );
    expect(SQLITE_INDEXEDDB_SWITCH).toBe(
      '--enable-features=IdbSqliteBackingStore,IdbSqliteOnDiskRollout',
    );
  });
});

describe('the Electron these tills run', () => {
  const root = path.resolve(import.meta.dirname, '..', '..', '..', '..');

  it('is the one whose Chromium the SQLite features were checked on (decision 0011)', async () => {
    const manifest = JSON.parse(
      await readFile(path.join(root, 'apps', 'terminal', 'package.json'), 'utf8'),
    ) as { devDependencies?: Record<string, string>; dependencies?: Record<string, string> };
    const pinned = manifest.devDependencies?.['electron'] ?? manifest.dependencies?.['electron'];
    expect(
      pinned,
      'check the IndexedDB features on the new Chromium before moving Electron (decision 0011)',
    ).toBe(ELECTRON_CHECKED_FOR_SQLITE_INDEXEDDB);
    const builder = await readFile(path.join(root, 'electron-builder.yml'), 'utf8');
    expect(builder).toMatch(
      new RegExp(
        `^electronVersion: ${ELECTRON_CHECKED_FOR_SQLITE_INDEXEDDB.replaceAll('.', '\\.')}$`,
        'm',
      ),
    );
  });
});
