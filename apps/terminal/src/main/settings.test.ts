import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSettings, InvalidSettingsError } from '../shared/settings.js';
import {
  SettingsStore,
  launchProvisioning,
  loadSettingsFile,
  parseLaunchOptions,
  saveSettingsFile,
} from './settings.js';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tillpoint-settings-'));
  file = path.join(dir, 'settings.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the settings file', () => {
  it('starts from the defaults when there is no file yet', async () => {
    expect(await loadSettingsFile(file)).toEqual({ settings: defaultSettings() });
    expect(defaultSettings()).toEqual({
      serverUrl: null,
      kiosk: false,
      printer: { mode: 'pdf', deviceName: '', silent: true },
      idleSignOut: { cashierMinutes: 15, managerMinutes: 5 },
    });
  });

  it('reads back what was saved', async () => {
    const settings = { ...defaultSettings(), serverUrl: 'https://sync.example.com', kiosk: true };
    await saveSettingsFile(file, settings);
    expect(await loadSettingsFile(file)).toEqual({ settings });
  });

  it('falls back to the defaults, saying why, for a broken or forged file', async () => {
    await writeFile(file, '{ not json');
    const broken = await loadSettingsFile(file);
    expect(broken.settings).toEqual(defaultSettings());
    expect(broken.problems?.[0]).toMatch(/not valid JSON/);

    await writeFile(file, JSON.stringify({ serverUrl: 'http://evil.example.com', kiosk: 'yes' }));
    const forged = await loadSettingsFile(file);
    expect(forged.settings).toEqual(defaultSettings());
    expect(forged.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^serverUrl: must use https/),
        expect.stringMatching(/^kiosk:/),
      ]),
    );
  });

  it('keeps the valid settings of a file with a bad one, saves the file aside, and reads a BOM', async () => {
    const original = JSON.stringify({
      serverUrl: 'https://sync.example.com',
      kiosk: 'true',
      printer: { mode: 'system', deviceName: 'Epson TM-T20', silent: 'no' },
      idleSignOut: { cashierMinutes: 30, managerMinutes: -1 },
      fromANewerVersion: 1,
    });
    await writeFile(file, original);
    const salvaged = await loadSettingsFile(file);
    expect(salvaged.settings).toEqual({
      serverUrl: 'https://sync.example.com',
      kiosk: false,
      printer: { mode: 'system', deviceName: 'Epson TM-T20', silent: true },
      idleSignOut: { cashierMinutes: 30, managerMinutes: 5 },
    });
    expect(salvaged.problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/saved as .*settings\.json\.bad$/)]),
    );
    expect(await readFile(`${file}.bad`, 'utf8')).toBe(original);

    const settings = { ...defaultSettings(), serverUrl: 'https://sync.example.com' };
    await writeFile(file, `\uFEFF${JSON.stringify(settings)}`);
    expect(await loadSettingsFile(file)).toEqual({ settings });
  });

  it('saves a valid change and keeps the file unchanged on an invalid one', async () => {
    const { store } = await SettingsStore.open(file);
    await store.update({ serverUrl: 'https://sync.example.com/', printer: { mode: 'system' } });
    const saved = JSON.parse(await readFile(file, 'utf8')) as unknown;
    expect(saved).toEqual({
      serverUrl: 'https://sync.example.com',
      kiosk: false,
      printer: { mode: 'system', deviceName: '', silent: true },
      idleSignOut: { cashierMinutes: 15, managerMinutes: 5 },
    });

    await expect(store.update({ serverUrl: 'ftp://sync.example.com' })).rejects.toBeInstanceOf(
      InvalidSettingsError,
    );
    await expect(store.update({ printer: { mode: 'laser' } })).rejects.toThrow(/printer\.mode/);
    await expect(store.update({ token: 'x' })).rejects.toThrow(/token/);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(saved);
    expect(store.current).toEqual(saved);
  });

  it('applies quick successive changes in order', async () => {
    const { store } = await SettingsStore.open(file);
    await Promise.all([
      store.update({ kiosk: true }),
      store.update({ printer: { deviceName: 'EPSON TM-T20' } }),
      store.update({ serverUrl: 'http://127.0.0.1:8787' }),
    ]);
    const reopened = await loadSettingsFile(file);
    expect(reopened.settings).toEqual({
      serverUrl: 'http://127.0.0.1:8787',
      kiosk: true,
      printer: { mode: 'pdf', deviceName: 'EPSON TM-T20', silent: true },
      idleSignOut: { cashierMinutes: 15, managerMinutes: 5 },
    });
  });
});

describe('launch switches', () => {
  it('reads what npm start and operators pass', () => {
    const options = parseLaunchOptions([
      '/usr/lib/electron',
      'out/main/index.js',
      '--kiosk',
      '--server-url=http://127.0.0.1:8787',
      '--enrollment-code',
      'ABCD-EFGH',
      '--user-data-dir=/tmp/till',
    ]);
    expect(options).toEqual({
      kiosk: true,
      serverUrl: 'http://127.0.0.1:8787',
      enrollmentCode: 'ABCD-EFGH',
      userDataDir: '/tmp/till',
    });
    expect(launchProvisioning(options)).toEqual({
      serverUrl: 'http://127.0.0.1:8787',
      enrollmentCode: 'ABCD-EFGH',
    });
  });

  it('is an ordinary windowed start without switches', () => {
    expect(parseLaunchOptions(['electron', '.'])).toEqual({ kiosk: false });
    expect(parseLaunchOptions(['electron', '.', '--server-url=', '--enrollment-code'])).toEqual({
      kiosk: false,
    });
  });
});
