/**
 * Rate limits shared by several server processes on one database. Each limiter stands for a
 * process; on PostgreSQL each has its own connection pool, on PGlite they share the one
 * connection (the statements are the same). Local clocks stand still unless a test says
 * otherwise, so only the database's refill moves, at a rate too small to matter.
 */
import { PROTOCOL_HEADER, PROTOCOL_VERSION } from '@tillpoint/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database, Queryable } from '../db/database.js';
import type { RunningServer } from '../server.js';
import { createTestDatabase, testTargets } from '../test-support/test-database.js';
import type { TestDatabase } from '../test-support/test-database.js';
import { TestClient, enrollTestTerminal, startServerPair } from '../test-support/test-server.js';
import { SharedRateLimiter } from './shared-rate-limiter.js';

const frozenClock = () => 0;

function allowedOf(limiter: SharedRateLimiter, key: string, requests: number): number {
  let allowed = 0;
  for (let i = 0; i < requests; i++) if (limiter.take(key).allowed) allowed++;
  return allowed;
}

/** The real database, counting statements and failing them while `down` is set. */
function flakyDatabase(db: Queryable) {
  const state = { down: false, statements: 0, failures: 0 };
  const queryable: Queryable = {
    query: (sql, params) => {
      state.statements++;
      if (state.down) {
        state.failures++;
        return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
      }
      return db.query(sql, params);
    },
    exec: (sql) => db.exec(sql),
  };
  return { queryable, state };
}

/** Warnings the server logged (logger lines on stderr), kept off the test output. */
function captureWarnings() {
  const lines: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  return () =>
    lines
      .map((line) => JSON.parse(line) as { level: string; message: string })
      .filter((entry) => entry.level === 'warn');
}

describe.each(testTargets())('shared rate limits on %s', (target) => {
  let testDb: TestDatabase;
  /** A second "process" on the same database. */
  let other: Database;
  const limiters: SharedRateLimiter[] = [];

  const limiter = (db: Queryable, options: Partial<{ flushIntervalMs: number }> = {}) => {
    const created = new SharedRateLimiter(db, {
      perSecond: 0.1,
      burst: 10,
      now: frozenClock,
      ...options,
    });
    limiters.push(created);
    return created;
  };

  const sharedLevel = async (key: string) =>
    (
      await testDb.db.query<{ tokens: number }>(
        'SELECT tokens FROM rate_limit_buckets WHERE key = $1',
        [key],
      )
    ).rows[0]?.tokens;

  beforeAll(async () => {
    testDb = await createTestDatabase(target);
    other = target === 'postgres' ? await testDb.openAnother() : testDb.db;
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await Promise.all(limiters.splice(0).map((each) => each.close()));
  });

  afterAll(async () => {
    await testDb?.dispose();
  });

  it('refuses a token in both processes once their usage together exceeds the burst', async () => {
    const first = limiter(testDb.db);
    const second = limiter(other);
    // Each alone is well within its burst of 10.
    expect(allowedOf(first, 'terminal:t1', 6)).toBe(6);
    expect(allowedOf(second, 'terminal:t1', 6)).toBe(6);

    await first.flush();
    await second.flush();
    // 12 of 10 spent chain-wide: the second process learnt both usages at its flush.
    expect(await sharedLevel('terminal:t1')).toBeCloseTo(-2, 0);
    expect(second.take('terminal:t1')).toEqual({ allowed: false, retryAfterSeconds: 30 });

    // The first has not flushed since: it still judges by its own copy (one interval late), and
    // what it allows meanwhile is charged too.
    expect(first.take('terminal:t1').allowed).toBe(true);
    await first.flush();
    expect(await sharedLevel('terminal:t1')).toBeCloseTo(-3, 0);
    expect(first.take('terminal:t1')).toEqual({ allowed: false, retryAfterSeconds: 40 });
    // Other keys are untouched.
    expect(allowedOf(first, 'terminal:t2', 10)).toBe(10);
  });

  it('lets a process that starts using a token adopt its chain-wide level at the first flush', async () => {
    const busy = limiter(testDb.db);
    expect(allowedOf(busy, 'terminal:t3', 9)).toBe(9);
    await busy.flush();

    const fresh = limiter(other);
    expect(fresh.take('terminal:t3').allowed).toBe(true);
    await fresh.flush();
    expect(await sharedLevel('terminal:t3')).toBeCloseTo(0, 0);
    expect(fresh.take('terminal:t3').allowed).toBe(false);
  });

  it('owes at most one burst however much the processes allowed together', async () => {
    const processes = [limiter(testDb.db), limiter(other), limiter(testDb.db)];
    for (const each of processes) {
      expect(allowedOf(each, 'terminal:t8', 10)).toBe(10);
      await each.flush();
    }
    expect(await sharedLevel('terminal:t8')).toBeCloseTo(-10, 0);
    // Refused until refilled from -10 to 1 at 0.1 per second.
    expect(processes[2]!.take('terminal:t8')).toEqual({ allowed: false, retryAfterSeconds: 110 });
  });

  it('flushes by itself shortly after requests, and not at all when idle or closed', async () => {
    const flaky = flakyDatabase(testDb.db);
    const process1 = limiter(flaky.queryable, { flushIntervalMs: 20 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(flaky.state.statements).toBe(0);

    expect(allowedOf(process1, 'terminal:t4', 3)).toBe(3);
    await expect.poll(() => sharedLevel('terminal:t4'), { timeout: 5_000 }).toBeCloseTo(7, 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const afterFlush = flaky.state.statements;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(flaky.state.statements).toBe(afterFlush);

    await process1.close();
    expect(allowedOf(process1, 'terminal:t4', 2)).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(flaky.state.statements).toBe(afterFlush);
  });

  it('keeps limiting locally while the database is down, warns once, and shares the usage once it is back', async () => {
    const warnings = captureWarnings();
    const flaky = flakyDatabase(testDb.db);
    const process1 = limiter(flaky.queryable, { flushIntervalMs: 10 });
    expect(allowedOf(process1, 'terminal:t5', 4)).toBe(4);
    await process1.flush();
    expect(await sharedLevel('terminal:t5')).toBeCloseTo(6, 0);

    flaky.state.down = true;
    expect(allowedOf(process1, 'terminal:t5', 2)).toBe(2);
    // Timer-driven flushes fail and retry; none throws or rejects.
    await expect.poll(() => flaky.state.failures, { timeout: 5_000 }).toBeGreaterThanOrEqual(3);
    await expect(process1.flush()).resolves.toBeUndefined();
    // Still limited by its own bucket: 4 + 2 + 4 = 10, the burst.
    expect(allowedOf(process1, 'terminal:t5', 10)).toBe(4);
    expect(warnings().map((entry) => entry.message)).toEqual([
      'rate limits are per process until the database answers again',
    ]);

    flaky.state.down = false;
    await process1.flush();
    expect(await sharedLevel('terminal:t5')).toBeCloseTo(0, 0);
    // Another process is charged what was allowed during the outage.
    const process2 = limiter(other);
    expect(process2.take('terminal:t5').allowed).toBe(true);
    await process2.flush();
    expect(process2.take('terminal:t5').allowed).toBe(false);

    // A new outage is a new streak: one more warning.
    flaky.state.down = true;
    process1.take('terminal:t6');
    await process1.flush();
    await process1.flush();
    expect(warnings()).toHaveLength(2);
  });

  it.runIf(target === 'postgres')(
    'flushes many keys from two processes at once without deadlocks or lost requests',
    async () => {
      const warnings = captureWarnings();
      const keys = Array.from({ length: 40 }, (_, i) => `terminal:k${String(i).padStart(2, '0')}`);
      const ascending = new SharedRateLimiter(testDb.db, {
        perSecond: 1e-6,
        burst: 100,
        now: frozenClock,
      });
      const descending = new SharedRateLimiter(other, {
        perSecond: 1e-6,
        burst: 100,
        now: frozenClock,
      });
      limiters.push(ascending, descending);
      for (let round = 0; round < 15; round++) {
        for (const key of keys) ascending.take(key);
        for (const key of [...keys].reverse()) descending.take(key);
        await Promise.all([ascending.flush(), descending.flush()]);
      }
      expect(warnings()).toEqual([]);
      const { rows } = await testDb.db.query<{ key: string; tokens: number }>(
        'SELECT key, tokens FROM rate_limit_buckets WHERE key = ANY($1::text[])',
        [keys],
      );
      expect(rows).toHaveLength(keys.length);
      for (const row of rows) expect(row.tokens).toBeCloseTo(100 - 30, 3);
    },
  );

  it('deletes buckets that have long been full, and keeps the others', async () => {
    await testDb.db.query(
      `INSERT INTO rate_limit_buckets (key, tokens, updated_at) VALUES
         ('terminal:idle-full', 10, now() - interval '2 hours'),
         ('terminal:idle-drained', -1000, now() - interval '2 hours'),
         ('terminal:recent', 10, now() - interval '5 minutes')`,
    );
    // A new process cleans up with its first flush.
    const process1 = limiter(testDb.db);
    process1.take('terminal:t7');
    await process1.flush();
    const { rows } = await testDb.db.query<{ key: string }>(
      `SELECT key FROM rate_limit_buckets WHERE key LIKE 'terminal:idle%' OR key = 'terminal:recent' ORDER BY key`,
    );
    expect(rows.map((row) => row.key)).toEqual(['terminal:idle-drained', 'terminal:recent']);
  });
});

describe.each(testTargets())('rate limiting over HTTP on %s', (target) => {
  let testDb: TestDatabase;
  let servers: RunningServer[];
  let token: string;

  beforeAll(async () => {
    testDb = await createTestDatabase(target);
    servers = await startServerPair(testDb, {
      env: { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '10' },
    });
    token = (await enrollTestTerminal(servers[0]!)).token;
  });

  afterAll(async () => {
    await Promise.all((servers ?? []).map((server) => server.close()));
    await testDb?.dispose();
  });

  it('answers 429 with Retry-After once two server processes together used up the token', async () => {
    const [first, second] = servers.map((server) => new TestClient(server.url, token));
    for (let i = 0; i < 6; i++) expect((await first!.pull('items', null, 1)).status).toBe(200);
    for (let i = 0; i < 6; i++) expect((await second!.pull('items', null, 1)).status).toBe(200);
    await servers[0]!.rateLimiter.flush();
    await servers[1]!.rateLimiter.flush();

    const response = await fetch(`${servers[1]!.url}/sync/v1/items/pull`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({ checkpoint: null, limit: 1 }),
    });
    expect(response.status).toBe(429);
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(3);
    expect(await response.json()).toEqual({
      error: {
        code: 'rate-limited',
        message: expect.any(String),
        details: { retryAfterSeconds: retryAfter },
      },
    });
  });
});
