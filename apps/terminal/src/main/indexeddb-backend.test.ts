import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CHROMIUM_CHECKED_FOR_SQLITE_INDEXEDDB,
  ELECTRON_CHECKED_FOR_SQLITE_INDEXEDDB,
  LEVELDB_INDEXEDDB_SWITCH,
  SQLITE_INDEXEDDB_FEATURES,
  SQLITE_INDEXEDDB_SWITCH,
  chooseIndexedDbBackend,
  chromiumMajor,
  featureSwitches,
  findIndexedDbStores,
  partitionDir,
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

const CHECKED = CHROMIUM_CHECKED_FOR_SQLITE_INDEXEDDB;
const none = { leveldb: [], sqlite: [] };

describe("the stores in a till's IndexedDB folder", () => {
  it('are none when there is no folder yet, or an empty one', async () => {
    expect(findIndexedDbStores(indexedDb)).toEqual(none);
    await mkdir(indexedDb);
    expect(findIndexedDbStores(indexedDb)).toEqual(none);
  });

  it('tell LevelDB stores (and their blobs) from SQLite ones, as Chromium 156 names them', async () => {
    for (const folder of [
      'tillpoint_app_0.indexeddb.leveldb',
      'tillpoint_app_0.indexeddb.blob',
      path.join('http_127.0.0.1_5180', 'OC5N4OVOVBBPBWE47KEOMY6KQ75U'),
    ]) {
      await mkdir(path.join(indexedDb, folder), { recursive: true });
    }
    await writeFile(path.join(indexedDb, '.DS_Store'), '');
    expect(findIndexedDbStores(indexedDb)).toEqual({
      leveldb: ['tillpoint_app_0.indexeddb.blob', 'tillpoint_app_0.indexeddb.leveldb'],
      sqlite: ['http_127.0.0.1_5180'],
    });
  });

  it('are not guessed when the folder cannot be read', async () => {
    await writeFile(indexedDb, 'not a folder');
    expect(() => findIndexedDbStores(indexedDb)).toThrow(
      /cannot read .*IndexedDB to tell which engine holds this till's data/,
    );
  });
});

describe("choosing the engine of a till's IndexedDB", () => {
  it('puts a new till in SQLite on the Chromium SQLite was checked on', () => {
    expect(chooseIndexedDbBackend(none, CHECKED)).toEqual({
      backend: 'sqlite',
      reason: 'a new till (no IndexedDB data yet)',
    });
  });

  it('puts a new till in LevelDB on any other Chromium', () => {
    for (const major of [CHECKED - 1, CHECKED + 1, Number.NaN]) {
      const choice = chooseIndexedDbBackend(none, major);
      expect(choice.backend).toBe('leveldb');
      expect(choice.reason).toContain('SQLite was not checked');
    }
  });

  it('keeps a till whose data is in SQLite there', () => {
    expect(chooseIndexedDbBackend({ leveldb: [], sqlite: ['tillpoint_app_0'] }, CHECKED)).toEqual({
      backend: 'sqlite',
      reason: "this till's data is in SQLite (tillpoint_app_0)",
    });
  });

  it('never switches a till whose data is in LevelDB, on any Chromium', () => {
    for (const major of [CHECKED, CHECKED + 1]) {
      const choice = chooseIndexedDbBackend(
        { leveldb: ['tillpoint_app_0.indexeddb.leveldb'], sqlite: [] },
        major,
      );
      expect(choice.backend).toBe('leveldb');
      expect(choice.reason).toContain('tillpoint_app_0.indexeddb.leveldb');
      expect(choice.reason).toContain('would delete it');
    }
  });

  it('opens nothing where either engine would delete data', () => {
    // Both engines' stores: whichever Chromium opened, it would delete the other's.
    expect(() =>
      chooseIndexedDbBackend(
        { leveldb: ['a.indexeddb.leveldb'], sqlite: ['tillpoint_app_0'] },
        CHECKED,
      ),
    ).toThrow(/both LevelDB \(a.indexeddb.leveldb\) and SQLite \(tillpoint_app_0\)/);
    // SQLite data under a Chromium the features were not checked on.
    expect(() =>
      chooseIndexedDbBackend({ leveldb: [], sqlite: ['tillpoint_app_0'] }, CHECKED + 1),
    ).toThrow(`checked on Chromium ${CHECKED} only; this app runs Chromium ${CHECKED + 1}`);
  });

  it("reads Chromium's major version", () => {
    expect(chromiumMajor('156.0.8078.100')).toBe(156);
    expect(chromiumMajor(undefined)).toBeNaN();
    expect(chromiumMajor('unknown')).toBeNaN();
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

describe("Chromium's feature switches", () => {
  const ours = SQLITE_INDEXEDDB_FEATURES.join(',');

  it('enable the SQLite features for SQLite, over a --disable-features the till was given', () => {
    expect(featureSwitches('sqlite', { enable: '', disable: '' })).toEqual({
      enable: ours,
      disable: '',
    });
    expect(
      featureSwitches('sqlite', { enable: 'Foo,IdbSqliteBackingStore', disable: `Bar,${ours}` }),
    ).toEqual({ enable: `Foo,${ours}`, disable: 'Bar' });
  });

  it('disable them for LevelDB, over an --enable-features the till was given', () => {
    expect(featureSwitches('leveldb', { enable: '', disable: '' })).toEqual({
      enable: '',
      disable: ours,
    });
    expect(featureSwitches('leveldb', { enable: `Foo,${ours}`, disable: 'Bar' })).toEqual({
      enable: 'Foo',
      disable: `Bar,${ours}`,
    });
  });

  it('are the switches the browser suite and the bench give Chromium', () => {
    expect(SQLITE_INDEXEDDB_SWITCH).toBe(`--enable-features=${ours}`);
    expect(LEVELDB_INDEXEDDB_SWITCH).toBe(`--disable-features=${ours}`);
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
