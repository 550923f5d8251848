/**
 * Refused device tokens are counted per client address: once a burst of them is used up, a
 * token the server has not recently seen valid is refused with 429 before it is looked up,
 * while tills whose token is known keep working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server.js';
import { createTestDatabase, testTargets } from '../test-support/test-database.js';
import type { TestDatabase } from '../test-support/test-database.js';
import { TestClient, enrollTestTerminal, startTestServer } from '../test-support/test-server.js';

const MADE_UP = 'A'.repeat(43);

describe.each(testTargets())('refused tokens per address on %s', (target) => {
  let testDb: TestDatabase;
  let server: RunningServer;

  beforeAll(async () => {
    testDb = await createTestDatabase(target);
    // Three refusals a burst, one more a second; token cache on (the default 5 s).
    server = await startTestServer(testDb.db, {
      env: { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '3' },
    });
  });

  afterAll(async () => {
    await server?.close();
    await testDb?.dispose();
  });

  it('answers 429 to unknown tokens after a burst of refusals, and lets known tills through', async () => {
    const known = new TestClient(server.url, (await enrollTestTerminal(server)).token);
    const unseen = new TestClient(server.url, (await enrollTestTerminal(server)).token);
    expect((await known.pull('items', null, 1)).status).toBe(200);

    const attacker = new TestClient(server.url, MADE_UP);
    for (let i = 0; i < 3; i++) {
      const refused = await attacker.pull('items', null, 1);
      expect(refused.status).toBe(401);
    }
    const limited = await attacker.pull('items', null, 1);
    expect(limited.status).toBe(429);
    expect((limited.body as unknown as { error: unknown }).error).toEqual({
      code: 'rate-limited',
      message: 'too many refused device tokens from this address',
      details: { retryAfterSeconds: 1 },
    });

    // A till whose token this process knows is not held back by the address's refusals.
    expect((await known.pull('items', null, 1)).status).toBe(200);
    // A valid token not seen yet waits like any unknown one (it is not looked up meanwhile)...
    expect((await unseen.pull('items', null, 1)).status).toBe(429);
    // ...and gets through once the bucket has refilled (a second, plus at most one 250 ms
    // interval in which the chain-wide bucket catches up).
    await expect
      .poll(async () => (await unseen.pull('items', null, 1)).status, {
        timeout: 5_000,
        interval: 250,
      })
      .toBe(200);
  });
});
