/**
 * The browser suite: the built renderer in Debian's Chromium (no browser download needed), each
 * test against its own real sync server. `CHROMIUM_PATH` points at another Chromium.
 */
import { defineConfig } from '@playwright/test';
import { LEVELDB_INDEXEDDB_SWITCH, SQLITE_INDEXEDDB_SWITCH } from './src/main/indexeddb-backend.js';

export const CHROMIUM_EXECUTABLE = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const BASE_CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-gpu',
];
/** Chromium as a new till runs it: IndexedDB in SQLite (decision 0011). */
export const CHROMIUM_ARGS = [...BASE_CHROMIUM_ARGS, SQLITE_INDEXEDDB_SWITCH];
/** Chromium as a till that started on LevelDB runs it (before decision 0011). */
export const LEVELDB_CHROMIUM_ARGS = [...BASE_CHROMIUM_ARGS, LEVELDB_INDEXEDDB_SWITCH];

export default defineConfig({
  testDir: './e2e',
  testMatch: '**/*.test.ts',
  outputDir: './test-results',
  globalSetup: './e2e/global-setup.ts',
  fullyParallel: true,
  workers: 2,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: CHROMIUM_EXECUTABLE, args: CHROMIUM_ARGS },
    viewport: { width: 1280, height: 900 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
