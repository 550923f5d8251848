/**
 * CORS for the terminal's renderer (Electron's `tillpoint://app`, or a browser on loopback),
 * against real servers over HTTP. CORS never touches the database: PGlite is enough.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_HEADER, PROTOCOL_VERSION } from '@tillpoint/protocol';
import { ConfigError, loadConfig } from '../config.js';
import type { RunningServer } from '../server.js';
import { createTestDatabase } from '../test-support/test-database.js';
import type { TestDatabase } from '../test-support/test-database.js';
import { enrollTestTerminal, startTestServer } from '../test-support/test-server.js';
import { DEFAULT_CORS_ORIGINS, originMatcher, parseCorsOrigins } from './cors.js';

describe('CORS_ORIGINS', () => {
  it('defaults to the Electron scheme and loopback http on any port', () => {
    expect(loadConfig({}).cors.allowedOrigins).toEqual(DEFAULT_CORS_ORIGINS);
    expect(loadConfig({ CORS_ORIGINS: '' }).cors.allowedOrigins).toEqual(DEFAULT_CORS_ORIGINS);
    const allowed = originMatcher(DEFAULT_CORS_ORIGINS);
    for (const origin of [
      'tillpoint://app',
      'http://127.0.0.1:5173',
      'http://localhost:3000',
      'http://localhost',
      'http://[::1]:8080',
      'HTTP://LOCALHOST:3000',
    ]) {
      expect(allowed(origin), origin).toBe(true);
    }
    for (const origin of [
      'https://evil.example',
      'tillpoint://app.evil.example',
      'tillpoint://other',
      'https://localhost:3000',
      'http://localhost.evil.example:3000',
      'http://127.0.0.1.evil.example',
      'http://localhost:3000/path',
      'null',
      '*',
      '',
    ]) {
      expect(allowed(origin), origin).toBe(false);
    }
  });

  it('takes a comma-separated list, normalized, or * alone', () => {
    expect(
      loadConfig({ CORS_ORIGINS: ' https://Till.Example.com:443 , tillpoint://app,http://x:*' })
        .cors.allowedOrigins,
    ).toEqual(['https://till.example.com', 'tillpoint://app', 'http://x:*']);
    expect(loadConfig({ CORS_ORIGINS: '*' }).cors.allowedOrigins).toEqual(['*']);
    const custom = originMatcher(['https://till.example.com']);
    expect(custom('https://till.example.com')).toBe(true);
    expect(custom('http://localhost:3000')).toBe(false);
    expect(custom('https://till.example.com:8443')).toBe(false);
  });

  it('refuses what is not an origin, naming the variable', () => {
    for (const value of [
      'https://till.example.com/',
      'till.example.com',
      '*,tillpoint://app',
      'http://x:99999',
    ]) {
      expect(parseCorsOrigins(value).ok, value).toBe(false);
      expect(() => loadConfig({ CORS_ORIGINS: value }), value).toThrow(ConfigError);
      expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(/CORS_ORIGINS/);
    }
  });
});

function preflight(url: string, origin: string, method = 'POST') {
  return fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': `authorization,content-type,${PROTOCOL_HEADER}`,
    },
  });
}

function vary(response: Response): string[] {
  return (response.headers.get('vary') ?? '').split(',').map((each) => each.trim().toLowerCase());
}

describe('CORS over HTTP', () => {
  let testDb: TestDatabase;
  let server: RunningServer;
  let anyOrigin: RunningServer;
  let token: string;

  beforeAll(async () => {
    testDb = await createTestDatabase('pglite');
    server = await startTestServer(testDb.db);
    anyOrigin = await startTestServer(testDb.db, { env: { CORS_ORIGINS: '*' } });
    token = (await enrollTestTerminal(server)).token;
  });

  afterAll(async () => {
    await server?.close();
    await anyOrigin?.close();
    await testDb?.dispose();
  });

  function pull(base: string, origin: string | undefined, auth = token) {
    return fetch(`${base}/sync/v1/items/pull`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
        authorization: `Bearer ${auth}`,
        ...(origin ? { origin } : {}),
      },
      body: JSON.stringify({ checkpoint: null, limit: 5 }),
    });
  }

  it('gives an allowed origin its own origin back, no credentials, nothing exposed', async () => {
    for (const origin of ['tillpoint://app', 'http://127.0.0.1:5173', 'http://localhost:4000']) {
      const response = await pull(server.url, origin);
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
      expect(vary(response)).toContain('origin');
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
      expect(response.headers.get('access-control-expose-headers')).toBeNull();
      expect(response.headers.get('access-control-allow-methods')).toBeNull();
    }
  });

  it('gives a foreign origin no CORS header', async () => {
    const response = await pull(server.url, 'https://evil.example');
    // The request itself is the token's business; the browser just may not read the answer.
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(vary(response)).toContain('origin');
  });

  it('leaves requests without Origin alone', async () => {
    const response = await pull(server.url, undefined);
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets the renderer read error answers', async () => {
    const unauthorized = await pull(server.url, 'tillpoint://app', 'not-a-token');
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('access-control-allow-origin')).toBe('tillpoint://app');
    const enroll = await fetch(`${server.url}/api/v1/enroll`, {
      method: 'POST',
      headers: { origin: 'http://localhost:5173', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(enroll.status).toBe(426);
    expect(enroll.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });

  it('answers preflights before the protocol and token checks', async () => {
    for (const [path, method] of [
      ['/sync/v1/members/push', 'POST'],
      ['/sync/v1/stream', 'GET'],
      ['/api/v1/enroll', 'POST'],
    ] as const) {
      const response = await preflight(`${server.url}${path}`, 'tillpoint://app', method);
      expect(response.status, path).toBe(204);
      expect(await response.text()).toBe('');
      expect(response.headers.get('access-control-allow-origin')).toBe('tillpoint://app');
      expect(response.headers.get('access-control-allow-methods')?.split(', ')).toEqual([
        'GET',
        'POST',
      ]);
      const headers = response.headers.get('access-control-allow-headers')?.split(', ');
      expect(headers).toEqual(
        expect.arrayContaining(['authorization', 'content-type', PROTOCOL_HEADER]),
      );
      expect(response.headers.get('access-control-max-age')).toBe('7200');
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
      expect(vary(response)).toContain('origin');
    }
  });

  it("refuses a foreign origin's preflight", async () => {
    const response = await preflight(`${server.url}/sync/v1/members/push`, 'https://evil.example');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-methods')).toBeNull();
    expect(response.headers.get('access-control-allow-headers')).toBeNull();
  });

  it('opens the SSE stream with the CORS header', async () => {
    const controller = new AbortController();
    const response = await fetch(`${server.url}/sync/v1/stream`, {
      headers: {
        origin: 'tillpoint://app',
        accept: 'text/event-stream',
        [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
        authorization: `Bearer ${token}`,
      },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('access-control-allow-origin')).toBe('tillpoint://app');
    expect(vary(response)).toContain('origin');
    controller.abort();
  });

  it('answers every origin with * when configured with *', async () => {
    const response = await pull(anyOrigin.url, 'https://anywhere.example');
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    const pre = await preflight(`${anyOrigin.url}/sync/v1/items/pull`, 'https://anywhere.example');
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-headers')).toContain('authorization');
  });

  it('keeps /healthz and /metrics out of CORS', async () => {
    for (const path of ['/healthz', '/metrics']) {
      const response = await fetch(`${server.url}${path}`, {
        headers: { origin: 'tillpoint://app' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    }
  });
});
