/**
 * TRUST_PROXY: its parsing, and what it changes over HTTP. The per-address limits count the
 * client a trusted proxy names, and ignore the header when no proxy is trusted.
 */
import { PROTOCOL_HEADER, PROTOCOL_VERSION } from '@tillpoint/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import type { RunningServer } from '../server.js';
import { createTestDatabase } from '../test-support/test-database.js';
import type { TestDatabase } from '../test-support/test-database.js';
import { startTestServer } from '../test-support/test-server.js';
import { parseTrustProxy } from './trust-proxy.js';

describe('parsing TRUST_PROXY', () => {
  it('is off unless set', () => {
    for (const raw of [undefined, '', ' ', 'false', '0']) {
      expect(parseTrustProxy(raw)).toEqual({ ok: true, value: false });
    }
  });

  it('takes a hop count, or the proxies by address, subnet or Express name', () => {
    expect(parseTrustProxy('2')).toEqual({ ok: true, value: 2 });
    expect(parseTrustProxy(' loopback, 10.0.0.0/8 ,192.168.1.20,fd00::/8')).toEqual({
      ok: true,
      value: 'loopback,10.0.0.0/8,192.168.1.20,fd00::/8',
    });
    expect(parseTrustProxy('linklocal,uniquelocal,::1')).toEqual({
      ok: true,
      value: 'linklocal,uniquelocal,::1',
    });
  });

  it('refuses to trust every client, and says what is wrong with each entry', () => {
    const refused = (raw: string) => {
      const result = parseTrustProxy(raw);
      return result.ok ? [] : result.problems;
    };
    expect(refused('true')[0]).toMatch(/any client to name its own address/);
    expect(refused('17')).toEqual(['at most 16 proxies']);
    expect(refused('10.0.0.0/33,proxy.local,,fd00::/129,1.2.3.4/8/1')).toEqual([
      '"10.0.0.0/33": the prefix length must be 0 to 32',
      '"proxy.local" is not an IP address, a subnet or one of loopback, linklocal, uniquelocal',
      'an empty entry in the list',
      '"fd00::/129": the prefix length must be 0 to 128',
      '"1.2.3.4/8/1" is not an IP address, a subnet or one of loopback, linklocal, uniquelocal',
    ]);
  });

  it('stops the start-up with the variable named', () => {
    expect(loadConfig({ TRUST_PROXY: 'loopback' }).trustProxy).toBe('loopback');
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY/);
  });
});

describe('the enrollment limit behind a proxy', () => {
  let testDb: TestDatabase | undefined;
  let server: RunningServer | undefined;

  afterEach(async () => {
    await server?.close();
    await testDb?.dispose();
    server = undefined;
    testDb = undefined;
  });

  /** Enrollment answers for `count` requests said to come from `client`. */
  async function enrollFrom(client: string, count: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < count; i++) {
      const response = await fetch(`${server!.url}/api/v1/enroll`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
          'x-forwarded-for': client,
        },
        body: JSON.stringify({ enrollmentCode: 'not-a-code', terminalName: 'till' }),
      });
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    return statuses;
  }

  async function start(env: Record<string, string>): Promise<void> {
    testDb = await createTestDatabase('pglite');
    server = await startTestServer(testDb.db, {
      env: { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '2', ...env },
    });
  }

  it('counts each client a trusted proxy names on its own', async () => {
    await start({ TRUST_PROXY: 'loopback' });
    // The test client is the proxy, on loopback; each shop behind it has its own bucket.
    expect(await enrollFrom('203.0.113.1', 3)).toEqual([400, 400, 429]);
    expect(await enrollFrom('203.0.113.2', 2)).toEqual([400, 400]);
  });

  it('ignores the header when no proxy is trusted: a client cannot pick a fresh bucket', async () => {
    await start({});
    expect(await enrollFrom('203.0.113.1', 2)).toEqual([400, 400]);
    expect(await enrollFrom('203.0.113.2', 1)).toEqual([429]);
  });
});
