/**
 * Device-token lookups are cached per process for a bounded time: a revocation made elsewhere
 * (the CLI, another server process) takes effect within that bound, one made here at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testTargets } from '../test-support/test-database.js';
import type { TestDatabase } from '../test-support/test-database.js';
import { AuthService } from './auth-service.js';

const PEPPER = 'auth-service-test-pepper-0123456789';
const CACHE_MS = 5_000;

describe.each(testTargets())('device token cache on %s', (target) => {
  let testDb: TestDatabase;
  let now = 0;
  /** The server process under test (caching), and another process (the CLI). */
  let server: AuthService;
  let elsewhere: AuthService;

  async function enroll(name: string) {
    const { code } = await elsewhere.createEnrollmentCode('store-auth', 60);
    return elsewhere.enroll({ enrollmentCode: code, terminalName: name });
  }

  async function refusal(token: string): Promise<string | undefined> {
    try {
      await server.authenticate(token);
      return undefined;
    } catch (error) {
      return (error as { code?: string }).code;
    }
  }

  beforeAll(async () => {
    testDb = await createTestDatabase(target);
    server = new AuthService(testDb.db, PEPPER, { tokenCacheMs: CACHE_MS, clock: () => now });
    elsewhere = new AuthService(testDb.db, PEPPER);
    await elsewhere.createStore({ id: 'store-auth', name: 'Auth store' });
  });

  afterAll(async () => {
    await testDb?.dispose();
  });

  it('refuses a token revoked by another process once the cached lookup expires', async () => {
    const till = await enroll('till 1');
    now = 1_000;
    expect(await server.authenticate(till.token)).toEqual({
      terminalId: till.terminalId,
      storeId: 'store-auth',
    });
    await elsewhere.revokeTerminal(till.terminalId);
    // Within the bound the cached lookup may still answer ...
    now = 1_000 + CACHE_MS - 1;
    expect(await refusal(till.token)).toBeUndefined();
    // ... never past it.
    now = 1_000 + CACHE_MS;
    expect(await refusal(till.token)).toBe('token-revoked');
    now += 1;
    expect(await refusal(till.token)).toBe('token-revoked');
    // Without a cache, the other process refuses at once.
    await expect(elsewhere.authenticate(till.token)).rejects.toMatchObject({
      code: 'token-revoked',
    });
  });

  it('refuses a token revoked in the same process at once', async () => {
    const till = await enroll('till 2');
    now = 50_000;
    await server.authenticate(till.token);
    await server.revokeTerminal(till.terminalId);
    expect(await refusal(till.token)).toBe('token-revoked');
  });

  it('does not cache unknown tokens, and keeps other terminals cached', async () => {
    const kept = await enroll('till 3');
    now = 90_000;
    await server.authenticate(kept.token);
    expect(await refusal('u'.repeat(43))).toBe('unauthorized');
    // A lookup served from the cache reads nothing: rename the token hash under it.
    await testDb.db.query(`UPDATE terminals SET token_hash = 'moved' WHERE id = $1`, [
      kept.terminalId,
    ]);
    now = 90_000 + CACHE_MS - 1;
    expect(await refusal(kept.token)).toBeUndefined();
    now = 90_000 + CACHE_MS;
    expect(await refusal(kept.token)).toBe('unauthorized');
  });

  it('reads the table on every request with a cache time of 0', async () => {
    const uncached = new AuthService(testDb.db, PEPPER, { tokenCacheMs: 0, clock: () => now });
    const till = await enroll('till 4');
    await uncached.authenticate(till.token);
    await elsewhere.revokeTerminal(till.terminalId);
    await expect(uncached.authenticate(till.token)).rejects.toMatchObject({
      code: 'token-revoked',
    });
  });
});
