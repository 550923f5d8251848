import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import type { RunningServer } from './server.js';
import { connectSse } from './test-support/sse-client.js';
import type { SseEvent } from './test-support/sse-client.js';
import { createTestDatabase, testTargets } from './test-support/test-database.js';
import type { TestDatabase } from './test-support/test-database.js';
import {
  TestClient,
  enrollTestTerminal,
  startServerPair,
  startTestServer,
} from './test-support/test-server.js';

describe('config', () => {
  it('runs on a laptop with no configuration: PGlite under .data/server, port 8787', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config.port).toBe(8787);
    expect(config.database).toEqual({
      kind: 'pglite',
      dataDir: '/srv/app/.data/server',
      vacuumEveryMinutes: 60,
    });
    expect(config.limits).toMatchObject({ maxPullLimit: 1000, maxPushRows: 500 });
  });

  it('fails fast naming every bad variable, without echoing secrets', () => {
    const attempt = () =>
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://u:hunter2@db/x', TOKEN_PEPPER: 'short' });
    expect(attempt).toThrow(ConfigError);
    const message = (() => {
      try {
        attempt();
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toMatch(/PORT/);
    expect(message).toMatch(/DATABASE_URL/);
    expect(message).toMatch(/TOKEN_PEPPER/);
    expect(message).not.toContain('hunter2');
  });

  it.each([[' '], ['0x50'], ['1e3'], ['80.5'], ['-1']])(
    'refuses PORT=%j (numbers are written in digits)',
    (port) => {
      expect(() => loadConfig({ PORT: port })).toThrow(/PORT/);
    },
  );

  it('in production, wants DATABASE_URL unless the embedded database is chosen on purpose', () => {
    const production = { NODE_ENV: 'production', TOKEN_PEPPER: 'a-pepper-of-16-chars' };
    expect(() => loadConfig(production)).toThrow(/DATABASE_URL: required in production/);
    expect(loadConfig({ ...production, DATA_DIR: '/srv/tillpoint' }).database.kind).toBe('pglite');
    expect(
      loadConfig({ ...production, DATABASE_URL: 'postgres://u:p@db/tillpoint' }).database.kind,
    ).toBe('postgres');
  });
});

describe('health', () => {
  it('answers 503, not a 500, while the database does not answer', async () => {
    const testDb = await createTestDatabase('pglite');
    const server = await startTestServer(testDb.db);
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      await testDb.dispose(); // the database goes away under the running server
      const down = await fetch(`${server.url}/healthz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({
        status: 'unavailable',
        reason: 'the database does not answer',
      });
    } finally {
      await server.close().catch(() => undefined);
    }
  });
});

describe.each(testTargets())('server on %s', (target) => {
  let testDb: TestDatabase;
  let servers: RunningServer[];
  let token: string;

  beforeAll(async () => {
    testDb = await createTestDatabase(target);
    servers = await startServerPair(testDb);
    token = (await enrollTestTerminal(servers[0] as RunningServer)).token;
  });

  afterAll(async () => {
    await Promise.all((servers ?? []).map((server) => server.close()));
    await testDb?.dispose();
  });

  it('answers /healthz', async () => {
    const response = await fetch(`${servers[0]!.url}/healthz`);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('streams resync on connect and changes committed through another server process', async () => {
    const events: SseEvent[] = [];
    const connection = await connectSse(`${servers[0]!.url}/sync/v1/stream`, token, (e) =>
      events.push(e),
    );
    expect(connection.status).toBe(200);
    const writer = new TestClient(servers[1]!.url, token);
    await expect.poll(() => events.map((e) => e.event)).toContain('resync');
    await writer.push('items', [{ newDocumentState: { id: 'sse-1', rev: 0 } }]);
    await expect
      .poll(() => events.find((e) => e.event === 'changes')?.data, { timeout: 5000 })
      .toEqual({
        type: 'changes',
        collection: 'items',
        checkpoint: expect.objectContaining({ xid: expect.any(String) }),
      });
    // The announced checkpoint is where a pull of that collection ends.
    const { body } = await writer.pull('items', null, 1000);
    expect(events.find((e) => e.event === 'changes')?.data).toMatchObject({
      checkpoint: body.checkpoint,
    });
    connection.close();
  });

  it('refuses the stream without a token', async () => {
    const connection = await connectSse(`${servers[0]!.url}/sync/v1/stream`, undefined, () => {});
    expect(connection.status).toBe(401);
  });

  it('counts pushes, pulls and conflicts in /metrics', async () => {
    const client = new TestClient(servers[0]!.url, token);
    await client.push('items', [{ newDocumentState: { id: 'm-1', rev: 0 } }]);
    await client.push('items', [
      {
        assumedMasterState: { id: 'm-1', rev: 0 },
        newDocumentState: { id: 'm-1', rev: 0, value: 2 },
      },
    ]);
    await client.pull('items', null, 5);
    const text = await (await fetch(`${servers[0]!.url}/metrics`)).text();
    expect(text).toMatch(/tillpoint_push_requests_total\{collection="items"\} [2-9]/);
    expect(text).toMatch(/tillpoint_conflicts_total\{collection="items"\} 1/);
    expect(text).toMatch(/tillpoint_pull_requests_total\{collection="items"\} \d+/);
    expect(text).toMatch(
      /tillpoint_push_duration_seconds_bucket\{collection="items",le="\+Inf"\} \d+/,
    );
  });

  it('finishes shutdown while an SSE stream is open', async () => {
    const extra = await startTestServer(testDb.db);
    const connection = await connectSse(`${extra.url}/sync/v1/stream`, token, () => {});
    await extra.close();
    await connection.ended;
  });
});
