/**
 * The shared back-off: a rate limit's wait is kept, and the event stream coming back ends only
 * the waits that were waiting for the network, not a back-off from failures the server answered.
 */
import { describe, expect, it } from 'vitest';
import { Backoff, SyncError, Transport } from './transport.js';

const elapsed = async (work: () => Promise<void>) => {
  const started = Date.now();
  await work();
  return Date.now() - started;
};

describe('the back-off', () => {
  it('keeps at least the wait a rate limit asked for', async () => {
    const backoff = new Backoff({ baseMs: 10, maxMs: 20 });
    backoff.fail(new SyncError('server', 'rate-limited', 'slow down', 429, 300));
    expect(await elapsed(() => backoff.ready())).toBeGreaterThanOrEqual(250);
  });

  it('ends a wait for the network when the stream is back, not one after a server failure', async () => {
    const network = new Backoff({ baseMs: 5_000, maxMs: 10_000 });
    network.fail(new SyncError('network', 'network', 'down'));
    const waiting = network.ready();
    network.reachable();
    expect(await elapsed(() => waiting)).toBeLessThan(1_000);

    const failing = new Backoff({ baseMs: 300, maxMs: 1_000 });
    failing.fail(new SyncError('server', 'internal', 'trouble', 503));
    failing.reachable();
    expect(await elapsed(() => failing.ready())).toBeGreaterThanOrEqual(200);
    // A success starts over: the next stream reconnect wakes again.
    failing.succeed();
    failing.fail(new SyncError('network', 'network', 'down'));
    failing.reachable();
    expect(await elapsed(() => failing.ready())).toBeLessThan(100);
  });
});

describe('the transport', () => {
  it("reads a rate limit's wait from the server's answer", async () => {
    const transport = new Transport({
      serverUrl: 'http://till.test',
      token: 't',
      fetch: async () =>
        new Response(
          JSON.stringify({
            error: {
              code: 'rate-limited',
              message: 'too many requests',
              details: { retryAfterSeconds: 5 },
            },
          }),
          { status: 429, headers: { 'content-type': 'application/json' } },
        ),
    });
    const error = await transport.postJson('/sync/v1/members/pull', {}).then(
      () => undefined,
      (caught: unknown) => caught as SyncError,
    );
    expect(error).toMatchObject({ kind: 'server', code: 'rate-limited', retryAfterMs: 5_000 });
    expect(error?.plain).toContain('tries again in 5 s');
  });

  it('reads the row a refusal names, and nothing else as a row', async () => {
    const refusal = async (details: unknown) => {
      const transport = new Transport({
        serverUrl: 'http://till.test',
        token: 't',
        fetch: async () =>
          new Response(
            JSON.stringify({ error: { code: 'invalid-document', message: 'row 2: bad', details } }),
            { status: 422, headers: { 'content-type': 'application/json' } },
          ),
      });
      return transport.postJson('/sync/v1/transactions/push', {}).then(
        () => undefined,
        (caught: unknown) => caught as SyncError,
      );
    };
    expect(await refusal({ row: 2 })).toMatchObject({ kind: 'refused', row: 2 });
    for (const details of [{ row: -1 }, { row: '2' }, { row: 1.5 }, {}, undefined]) {
      expect((await refusal(details))?.row).toBeUndefined();
    }
  });
});
