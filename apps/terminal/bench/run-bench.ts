/**
 * `npm run bench:terminal`: the terminal on RxDB's Dexie storage in Chromium, against a real
 * sync server holding 100,000 members.
 *
 * 1. Starts the sync server in this process on a fresh database — PostgreSQL when
 *    BENCH_DATABASE_URL or TEST_DATABASE_URL is set (a new database on that server, dropped at
 *    the end), else PGlite in a temporary directory — and seeds the members with their accounts
 *    (seed-data.ts, deterministic), a cashier and an enrollment code through the server's own
 *    batch write (`writeDocuments`, 5,000 documents a statement, 10,000 members a transaction).
 * 2. Builds bench.html with Vite (the renderer's resolve conditions) and serves it on loopback
 *    from one HTTP server that hands /api, /sync and /healthz to the sync server's Express app:
 *    the page and the server share one origin, as under `npm start --browser`.
 * 3. In Chromium, each browser on a fresh persistent profile (IndexedDB on disk, in SQLite, as
 *    a new till's `persist:` partition): first the pull's floor, its IndexedDB writes alone, in
 *    a profile of its own; then a fresh terminal enrolls and pulls everything (time until in
 *    sync); 1,000 phone lookups; 200 checkouts committed locally online (replication runs as
 *    at a till) and 200 offline; lookups of a regular customer with a long history; then 1,000
 *    index gets and 200 put transactions on a plain IndexedDB store with the same members.
 *    Warm-up rounds (BENCH_WARMUP_LOOKUPS, BENCH_WARMUP_WRITES) run first and are excluded;
 *    the percentiles are from the one measured run.
 *
 * Knobs: BENCH_MEMBERS (100000), BENCH_LOOKUPS (1000), BENCH_CHECKOUTS (200),
 * BENCH_WARMUP_LOOKUPS (50), BENCH_WARMUP_WRITES (10), BENCH_REGULARS (40 members with
 * BENCH_REGULAR_VISITS (50) checkouts each, then each looked up once), CHROMIUM_PATH
 * (/usr/bin/chromium), BENCH_HEADED=1, BENCH_DATABASE_URL / TEST_DATABASE_URL, BENCH_STORAGE=rxdb
 * (RxDB's Dexie storage with its cursor queries instead of the terminal's, for comparison),
 * BENCH_INDEXEDDB=leveldb (on disk in LevelDB, as a till from before docs/decisions/0011) or
 * BENCH_INDEXEDDB=memory (an incognito context: IndexedDB in memory, not what the app does).
 */
import { randomBytes } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import {
  LEVELDB_INDEXEDDB_SWITCH,
  SQLITE_INDEXEDDB_SWITCH,
  findIndexedDbStores,
} from '../src/main/indexeddb-backend.js';
import type { Page } from '@playwright/test';
import pg from 'pg';
import { build, defaultClientConditions } from 'vite';
import {
  AccountDocSchema,
  MAX_PULL_LIMIT,
  MemberDocSchema,
  StaffDocSchema,
} from '@tillpoint/protocol';
import { cryptoRandom, hashPin } from '@tillpoint/terminal-core';
import type { Database } from '../../../server/src/db/database.js';
import { openDatabase } from '../../../server/src/db/open-database.js';
import { loadConfig } from '../../../server/src/config.js';
import { setLogLevel } from '../../../server/src/logger.js';
import { startServer } from '../../../server/src/server.js';
import type { RunningServer } from '../../../server/src/server.js';
import { writeDocuments } from '../../../server/src/sync/document-store.js';
import { createSyncCollections } from '../../../server/src/sync/sync-collections.js';
import type { BenchApi, PullResult } from './bench.js';
import {
  BENCH_STAFF_ID,
  BENCH_STAFF_PIN,
  BENCH_STORE_ID,
  benchMember,
  type BenchMember,
  benchStaff,
  percentile,
  sampleIndices,
} from './seed-data.js';

const env = process.env;
const MEMBERS = Number(env['BENCH_MEMBERS'] ?? 100_000);
const LOOKUPS = Number(env['BENCH_LOOKUPS'] ?? 1_000);
const CHECKOUTS = Number(env['BENCH_CHECKOUTS'] ?? 200);
const WARMUP_LOOKUPS = Number(env['BENCH_WARMUP_LOOKUPS'] ?? 50);
const WARMUP_WRITES = Number(env['BENCH_WARMUP_WRITES'] ?? 10);
/** Members with a history (REGULAR_VISITS checkouts each), then looked up once each. */
const REGULARS = Number(env['BENCH_REGULARS'] ?? 40);
const REGULAR_VISITS = Number(env['BENCH_REGULAR_VISITS'] ?? 50);
const CHROMIUM = env['CHROMIUM_PATH'] || '/usr/bin/chromium';
const DATABASE_URL = env['BENCH_DATABASE_URL'] || env['TEST_DATABASE_URL'] || undefined;
/** 'rxdb' runs the terminal on RxDB's Dexie storage as it comes, for comparison. */
const STORAGE = env['BENCH_STORAGE'] === 'rxdb' ? 'rxdb' : 'terminal';
/**
 * 'sqlite' (default): each browser on a fresh persistent profile, with IndexedDB on disk in
 * SQLite, as a new till's (Electron's `persist:` partition, decision 0011). 'leveldb': on disk in
 * LevelDB, as a till that started before that decision. 'memory': an incognito context, whose
 * IndexedDB lives in memory; not what a till does (the figures before the fourth session).
 */
const INDEXEDDB = (() => {
  const asked = env['BENCH_INDEXEDDB'] ?? 'sqlite';
  const known = (['sqlite', 'leveldb', 'memory'] as const).find((v) => v === asked);
  if (!known) throw new Error(`BENCH_INDEXEDDB=${asked}: use sqlite, leveldb or memory`);
  return known;
})();
const PULL_TIMEOUT_MS = 300_000;
const TARGETS = { pullMs: 20_000, lookupP95: 3, checkoutP95: 10 };

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const OUT_DIR = path.join(BENCH_DIR, 'dist');

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-gpu',
];

interface OpenedPage {
  readonly page: Page;
  readonly version: string;
  /** Which IndexedDB backend holds the profile's data, read from its files. */
  backend(): string;
  close(): Promise<void>;
}

/** 'LevelDB' or 'SQLite', from the stores Chromium left in a profile (as the app tells them). */
function indexedDbBackend(profile: string): string {
  const stores = findIndexedDbStores(path.join(profile, 'Default', 'IndexedDB'));
  const engines = [
    ...(stores.leveldb.length > 0 ? ['LevelDB'] : []),
    ...(stores.sqlite.length > 0 ? ['SQLite'] : []),
  ];
  return engines.length === 0 ? 'none yet' : engines.join(' and ');
}

/** A Chromium page on the bench page, in a fresh profile (see INDEXEDDB), ready. */
async function openPage(origin: string): Promise<OpenedPage> {
  const headless = env['BENCH_HEADED'] !== '1';
  let opened: OpenedPage;
  if (INDEXEDDB !== 'memory') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tillpoint-bench-profile-'));
    const context = await chromium.launchPersistentContext(dir, {
      executablePath: CHROMIUM,
      headless,
      args: [
        ...CHROMIUM_ARGS,
        INDEXEDDB === 'sqlite' ? SQLITE_INDEXEDDB_SWITCH : LEVELDB_INDEXEDDB_SWITCH,
      ],
    });
    opened = {
      page: context.pages()[0] ?? (await context.newPage()),
      version: context.browser()?.version() ?? 'unknown',
      backend: () => indexedDbBackend(dir),
      close: async () => {
        await context.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } else {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless,
      args: CHROMIUM_ARGS,
    });
    opened = {
      page: await browser.newPage(),
      version: browser.version(),
      backend: () => 'memory',
      close: () => browser.close(),
    };
  }
  const { page } = opened;
  page.on('console', (message) => {
    // RxDB's notice about its premium storages is not a problem of the run.
    const notice = message.text().includes('RxDB Open Core RxStorage');
    if ((message.type() === 'error' || message.type() === 'warning') && !notice) {
      say(`  [page ${message.type()}] ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => say(`  [page error] ${error.message}`));
  await page.goto(`${origin}/bench.html`);
  await page.waitForFunction(() => document.body.dataset['ready'] === 'true');
  return opened;
}

function evaluateOn<K extends keyof BenchApi>(
  page: Page,
  name: K,
  args: Parameters<BenchApi[K]>,
): Promise<Awaited<ReturnType<BenchApi[K]>>> {
  return page.evaluate(
    ([n, a]) =>
      (window.tillpointBench[n as K] as (...x: unknown[]) => unknown)(...(a as unknown[])),
    [name, args] as const,
  ) as Promise<Awaited<ReturnType<BenchApi[K]>>>;
}

/** Machine-wide busy share below which the machine counts as quiet, and how long to wait. */
const SETTLED_BUSY = 0.25;
const SETTLE_MAX_MS = 180_000;

function cpuTimes(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** Waits until two consecutive seconds are each below SETTLED_BUSY (Linux; elsewhere, 0 s). */
async function settleMachine(): Promise<{ ms: number; quiet: boolean }> {
  if (!existsSync('/proc/stat')) return { ms: 0, quiet: true };
  const started = Date.now();
  let quietSeconds = 0;
  let last = cpuTimes();
  while (Date.now() - started < SETTLE_MAX_MS) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const now = cpuTimes();
    const share = (now.busy - last.busy) / Math.max(1, now.total - last.total);
    last = now;
    quietSeconds = share < SETTLED_BUSY ? quietSeconds + 1 : 0;
    if (quietSeconds >= 2) return { ms: Date.now() - started, quiet: true };
  }
  return { ms: Date.now() - started, quiet: false };
}

// ---------------------------------------------------------------------------------------------
// 1. Database and server

interface BenchDatabase {
  readonly db: Database;
  readonly label: string;
  dispose(): Promise<void>;
}

async function openBenchDatabase(): Promise<BenchDatabase> {
  if (DATABASE_URL) {
    const name = `tillpoint_bench_${randomBytes(5).toString('hex')}`;
    const admin = async (sql: string) => {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };
    await admin(`CREATE DATABASE ${name}`);
    const url = new URL(DATABASE_URL);
    url.pathname = `/${name}`;
    const db = await openDatabase({ kind: 'postgres', url: url.toString(), maxConnections: 10 });
    return {
      db,
      label: `PostgreSQL (${url.host}, fresh database)`,
      async dispose() {
        await db.close().catch(() => undefined);
        await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      },
    };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tillpoint-bench-'));
  const db = await openDatabase({ kind: 'pglite', dataDir: dir });
  return {
    db,
    label: 'PGlite (temporary directory)',
    async dispose() {
      await db.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function seed(server: RunningServer): Promise<{ ms: number; code: string }> {
  const started = performance.now();
  const members = server.registry.require('members');
  const accounts = server.registry.require('accounts');
  const staff = server.registry.require('staff');
  await server.auth.createStore({ id: BENCH_STORE_ID, name: 'Bench Store' });
  const staffDoc = StaffDocSchema.parse(
    benchStaff(
      // The production format with a cheap work factor: signing in is not what is measured.
      await hashPin(BENCH_STAFF_PIN, cryptoRandom, { N: 1024, r: 8, p: 1, keyLength: 32 }),
    ),
  );
  await server.db.transaction((tx) => writeDocuments(tx, staff, [staffDoc]));
  const perTransaction = 10_000;
  const perStatement = 5_000;
  for (let from = 0; from < MEMBERS; from += perTransaction) {
    const batch: BenchMember[] = [];
    for (let i = from; i < Math.min(MEMBERS, from + perTransaction); i++) {
      const generated = benchMember(i);
      // Every 97th pair is checked against the protocol's schemas (all of them would add ~10 s).
      if (i % 97 === 0) {
        MemberDocSchema.parse(generated.member);
        AccountDocSchema.parse(generated.account);
      }
      batch.push(generated);
    }
    await server.db.transaction(async (tx) => {
      for (let at = 0; at < batch.length; at += perStatement) {
        const slice = batch.slice(at, at + perStatement);
        await writeDocuments(
          tx,
          members,
          slice.map((each) => each.member),
          { onlyIfAbsent: true },
        );
        await writeDocuments(
          tx,
          accounts,
          slice.map((each) => each.account),
          { onlyIfAbsent: true },
        );
      }
    });
    process.stdout.write(`\r  seeded ${Math.min(MEMBERS, from + perTransaction)} members`);
  }
  process.stdout.write('\n');
  const { code } = await server.auth.createEnrollmentCode(BENCH_STORE_ID, 60);
  return { ms: performance.now() - started, code };
}

// ---------------------------------------------------------------------------------------------
// 2. The page, and one origin for the page and the server

async function buildPage(): Promise<void> {
  await build({
    configFile: false,
    root: BENCH_DIR,
    base: './',
    logLevel: 'warn',
    resolve: { conditions: ['@tillpoint/source', ...defaultClientConditions] },
    build: {
      outDir: OUT_DIR,
      emptyOutDir: true,
      target: 'chrome120',
      chunkSizeWarningLimit: 4_096,
      // Readable profiles (BENCH_PROFILE); the bundle is loaded from disk, size does not matter.
      minify: !env['BENCH_PROFILE'],
      rollupOptions: { input: path.join(BENCH_DIR, 'bench.html') },
    },
  });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
};

function serve(server: RunningServer): Promise<http.Server> {
  const site = http.createServer((req, res) => {
    // Cross-origin isolation gives performance.now() 5 µs resolution instead of 100 µs.
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (/^\/(api|sync)\/|^\/healthz$/.test(url.pathname)) {
      server.app(req, res);
      return;
    }
    const file = path.join(
      OUT_DIR,
      path.normalize(url.pathname === '/' ? '/bench.html' : url.pathname),
    );
    if (!file.startsWith(OUT_DIR) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    site.once('error', reject);
    site.listen(0, '127.0.0.1', () => resolve(site));
  });
}

// ---------------------------------------------------------------------------------------------
// 3. The run

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples?: number[];
  timeDeltas?: number[];
}

/** Saves the profile (open it in Chrome's DevTools) and prints the top functions by self time. */
function reportProfile(profile: CpuProfile, file: string): void {
  writeFileSync(file, JSON.stringify(profile));
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let total = 0;
  samples.forEach((id, index) => {
    const frame = byNode.get(id)?.callFrame;
    const key = frame
      ? `${frame.functionName || '(anonymous)'} ${path.basename(frame.url)}:${frame.lineNumber + 1}`
      : '?';
    const us = deltas[index] ?? 0;
    total += us;
    self.set(key, (self.get(key) ?? 0) + us);
  });
  say(`  profile saved to ${file}; top self time of ${(total / 1000).toFixed(0)} ms:`);
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    say(`    ${((100 * us) / total).toFixed(1).padStart(5)} %  ${key}`);
  }
}

interface Figures {
  p50: number;
  p95: number;
  max: number;
}

function figures(times: readonly number[]): Figures {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

function ms(value: number): string {
  return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
}

function verdict(ok: boolean): string {
  return ok ? 'met' : 'MISSED';
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row, index) => {
      const line = row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');
      return index === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

async function main(): Promise<void> {
  setLogLevel('warn');
  const startedAt = new Date();
  say(`Tillpoint terminal benchmark — ${startedAt.toISOString()}`);
  say(`  ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`);
  say(
    `  ${MEMBERS} members, ${LOOKUPS} lookups, ${CHECKOUTS} checkouts; Chromium ${CHROMIUM}; ` +
      `storage: ${STORAGE === 'rxdb' ? "RxDB's Dexie storage (cursor queries)" : "the terminal's (range reads)"}`,
  );

  const database = await openBenchDatabase();
  let server: RunningServer | undefined;
  let site: http.Server | undefined;
  let closeBrowser: (() => Promise<void>) | undefined;
  try {
    server = await startServer(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        RATE_LIMIT_PER_SECOND: '1000000',
        RATE_LIMIT_BURST: '1000000',
      }),
      { db: database.db, registry: createSyncCollections() },
    );
    say(`Server on ${database.label}. Seeding...`);
    const seeded = await seed(server);
    say(`  seeded ${MEMBERS} members and accounts in ${seconds(seeded.ms)} (not part of the pull)`);

    say('Building the bench page (Vite)...');
    await buildPage();
    site = await serve(server);
    const origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;

    say(
      {
        sqlite: "  IndexedDB on disk in SQLite (a persistent profile, as a new till's)",
        leveldb:
          '  IndexedDB on disk in LevelDB (a persistent profile, as a till from before 0011)',
        memory: '  IndexedDB in memory (an incognito context: NOT what the app does)',
      }[INDEXEDDB],
    );
    // The floor first, in a profile of its own, so that the pull also starts on an empty one.
    say("The pull's IndexedDB writes alone (its floor), in a fresh profile...");
    const floorPage = await openPage(origin);
    closeBrowser = floorPage.close;
    const floorMs = await evaluateOn(floorPage.page, 'rawPullFloor', [MEMBERS, MAX_PULL_LIMIT]);
    const floorBackend = floorPage.backend();
    await floorPage.close();
    say(`  ${seconds(floorMs)} (IndexedDB backend: ${floorBackend})`);

    const opened = await openPage(origin);
    closeBrowser = opened.close;
    const page = opened.page;
    say(`  Chromium ${opened.version}`);
    const isolated = await page.evaluate(() => window.crossOriginIsolated);

    // BENCH_PROFILE=pull|lookups|checkouts: a CPU profile of that step, summarised and saved.
    const cdp = env['BENCH_PROFILE'] ? await page.context().newCDPSession(page) : undefined;
    if (cdp) await cdp.send('Profiler.enable');
    const evaluate = <K extends keyof BenchApi>(name: K, args: Parameters<BenchApi[K]>) =>
      evaluateOn(page, name, args);
    const call = async <K extends keyof BenchApi>(name: K, ...args: Parameters<BenchApi[K]>) => {
      if (!cdp || env['BENCH_PROFILE'] !== name) return evaluate(name, args);
      await cdp.send('Profiler.start');
      const result = await evaluate(name, args);
      const { profile } = await cdp.send('Profiler.stop');
      reportProfile(profile, path.join(OUT_DIR, `${name}.cpuprofile`));
      return result;
    };

    say('Pulling into a fresh terminal...');
    const pulled: PullResult = await call('pull', {
      code: seeded.code,
      expected: MEMBERS,
      timeoutMs: PULL_TIMEOUT_MS,
      storage: STORAGE,
    });
    const pulledDocs = pulled.members + pulled.accounts;
    say(
      `  ${pulledDocs} documents in ${seconds(pulled.ms)} (members complete at ` +
        `${seconds(pulled.membersMs)}, accounts at ${seconds(pulled.accountsMs)}; ` +
        `IndexedDB backend: ${opened.backend()})`,
    );

    await call('login', BENCH_STAFF_ID, BENCH_STAFF_PIN);
    const lookupSample = sampleIndices(WARMUP_LOOKUPS + LOOKUPS, MEMBERS, 7);
    const writeSample = sampleIndices(WARMUP_WRITES + CHECKOUTS, MEMBERS, 11);
    const offlineSample = sampleIndices(WARMUP_WRITES + CHECKOUTS, MEMBERS, 13);

    // A fresh on-disk IndexedDB goes on compacting what the pull wrote for a while; a till
    // sells after that. Wait until the machine is quiet so the lookups and checkouts below
    // measure the till, not the compaction (the wait is printed, and is not part of the pull).
    const settle = await settleMachine();
    say(
      `  machine quiet (< ${SETTLED_BUSY * 100} % busy) ${seconds(settle.ms)} after the pull` +
        (settle.quiet ? '' : ' (NOT quiet: gave up waiting)'),
    );
    say('Lookups and checkouts on the terminal...');
    await call('lookups', lookupSample.slice(0, WARMUP_LOOKUPS));
    const lookups = figures(await call('lookups', lookupSample.slice(WARMUP_LOOKUPS)));
    // Online (pushes and the pulls they cause run alongside, as at a till), then offline.
    await call('checkouts', writeSample.slice(0, WARMUP_WRITES), false);
    const checkoutRun = await call('checkouts', writeSample.slice(WARMUP_WRITES), false);
    const checkouts = figures(checkoutRun.ms);
    await call('checkouts', offlineSample.slice(0, WARMUP_WRITES), true);
    const offlineRun = await call('checkouts', offlineSample.slice(WARMUP_WRITES), true);
    const offlineCheckouts = figures(offlineRun.ms);
    const pendingAfter = await call('pending', 30_000);
    // Regulars: the card reads every transaction of the member, so a long history is the
    // lookup's heaviest case (the sample members above have none on the till). Each is looked
    // up once, as a customer at the till: a repeated lookup would be answered by RxDB's cache.
    const regulars = Array.from({ length: REGULARS }, (_, k) => MEMBERS - 1 - k);
    await call(
      'checkouts',
      regulars.flatMap((index) => new Array<number>(REGULAR_VISITS).fill(index)),
      false,
    );
    await call('pending', 30_000);
    const regularLookups = figures(await call('lookups', regulars));

    say('The same on raw IndexedDB...');
    const rawFillMs = await call('rawFill', MEMBERS);
    await call('rawLookups', lookupSample.slice(0, WARMUP_LOOKUPS));
    const rawLookups = figures(await call('rawLookups', lookupSample.slice(WARMUP_LOOKUPS)));
    await call('rawWrites', WARMUP_WRITES);
    const rawWrites = figures(await call('rawWrites', CHECKOUTS));

    const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
    say('');
    say(
      table([
        ['measure', 'terminal (RxDB + Dexie)', 'raw IndexedDB', 'ratio p50 / p95', 'target'],
        [
          `pull ${MEMBERS} members + accounts`,
          `${seconds(pulled.ms)}, ${Math.round(pulledDocs / (pulled.ms / 1000))} docs/s`,
          `floor ${seconds(floorMs)} (members: ${seconds(rawFillMs)})`,
          `${ratio(pulled.ms, floorMs)}`,
          `≤ ${seconds(TARGETS.pullMs)}: ${verdict(pulled.ms <= TARGETS.pullMs)}`,
        ],
        [
          `phone lookup ×${LOOKUPS}`,
          `p50 ${ms(lookups.p50)}, p95 ${ms(lookups.p95)}`,
          `p50 ${ms(rawLookups.p50)}, p95 ${ms(rawLookups.p95)}`,
          `${ratio(lookups.p50, rawLookups.p50)} / ${ratio(lookups.p95, rawLookups.p95)}`,
          `p95 ≤ ${TARGETS.lookupP95} ms: ${verdict(lookups.p95 <= TARGETS.lookupP95)}`,
        ],
        [
          `  a regular (${REGULAR_VISITS} transactions) ×${REGULARS}`,
          `p50 ${ms(regularLookups.p50)}, p95 ${ms(regularLookups.p95)}`,
          '',
          '',
          '(no target: a heavier case)',
        ],
        [
          `checkout committed locally ×${CHECKOUTS}`,
          `p50 ${ms(checkouts.p50)}, p95 ${ms(checkouts.p95)}`,
          `p50 ${ms(rawWrites.p50)}, p95 ${ms(rawWrites.p95)}`,
          `${ratio(checkouts.p50, rawWrites.p50)} / ${ratio(checkouts.p95, rawWrites.p95)}`,
          `p95 ≤ ${TARGETS.checkoutP95} ms: ${verdict(checkouts.p95 <= TARGETS.checkoutP95)}`,
        ],
        [
          `  the same offline ×${CHECKOUTS}`,
          `p50 ${ms(offlineCheckouts.p50)}, p95 ${ms(offlineCheckouts.p95)}`,
          '(same raw run)',
          `${ratio(offlineCheckouts.p50, rawWrites.p50)} / ${ratio(offlineCheckouts.p95, rawWrites.p95)}`,
          `p95 ≤ ${TARGETS.checkoutP95} ms: ${verdict(offlineCheckouts.p95 <= TARGETS.checkoutP95)}`,
        ],
      ]),
    );
    say('');
    say(
      `Max: lookup ${ms(lookups.max)} (raw ${ms(rawLookups.max)}), checkout ${ms(checkouts.max)} online, ` +
        `${ms(offlineCheckouts.max)} offline (raw ${ms(rawWrites.max)}).`,
    );
    say(
      `Warm-up excluded: ${WARMUP_LOOKUPS} lookups and ${WARMUP_WRITES} writes on each side. ` +
        `Pull = enroll (${ms(pulled.enrollMs)}) until in sync. Checkouts: first run ${checkoutRun.online ? 'online' : 'OFFLINE'}, ` +
        `second ${offlineRun.online ? 'ONLINE' : 'offline'}; ${pendingAfter} left to push 30 s after reconnecting. Timer resolution: ${isolated ? '5 µs (cross-origin isolated)' : '100 µs'}.`,
    );
    say(`Seeding (not in the pull): ${seconds(seeded.ms)} on ${database.label}.`);
  } finally {
    await closeBrowser?.().catch(() => undefined);
    if (site) {
      const closing = new Promise((resolve) => site?.close(resolve));
      site.closeAllConnections();
      await closing;
    }
    await server?.close().catch(() => undefined);
    await database.dispose();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench:terminal failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
