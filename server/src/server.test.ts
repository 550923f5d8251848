import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_HEADER, PROTOCOL_VERSION } from '@tillpoint/protocol';
import type { RunningServer } from './server.js';
import { createTestDatabase } from './test-support/test-database.js';
import type { TestDatabase } from './test-support/test-database.js';
import { enrollTestTerminal, startTestServer } from './test-support/test-server.js';

describe('server shutdown', () => {
  let testDb: TestDatabase;

  beforeAll(async () => {
    testDb = await createTestDatabase('pglite');
  });

  afterAll(async () => {
    await testDb?.dispose();
  });

  it('does not hang on a keep-alive socket that reopens an SSE stream while draining', async () => {
    const server = await startTestServer(testDb.db);
    const { token } = await enrollTestTerminal(server);
    const { port } = new URL(server.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    let received = '';
    let reopened = false;
    const streamRequest =
      `GET /sync/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n` +
      `Authorization: Bearer ${token}\r\n${PROTOCOL_HEADER}: ${PROTOCOL_VERSION}\r\n\r\n`;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
      // Like a terminal: when the server ends the stream, reopen it on the same connection.
      if (!reopened && received.includes('\r\n0\r\n\r\n')) {
        reopened = true;
        socket.write(streamRequest);
      }
    });
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(streamRequest);
    await waitFor(() => received.includes('event: resync'));

    // Well within the keep-alive timeout (5 s), which would otherwise end the connection.
    const started = Date.now();
    const outcome = await Promise.race([
      closeServer(server).then(() => 'closed'),
      new Promise<string>((resolve) => setTimeout(() => resolve('hung'), 2_000)),
    ]);
    expect(outcome).toBe('closed');
    expect(Date.now() - started).toBeLessThan(2_000);
    await closed;
    expect(reopened).toBe(true);
    expect(received).toMatch(/^HTTP\/1\.1 200/);
  });

  it('lets an in-flight request finish, then ends its keep-alive connection', async () => {
    const server = await startTestServer(testDb.db);
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    server.app.get('/slow-test-route', async (_req, res) => {
      await gate;
      res.json({ done: true });
    });
    // The route is added after the not-found handler; move it to the front of the stack.
    const stack = (server.app as unknown as { router: { stack: unknown[] } }).router.stack;
    stack.unshift(stack.pop());
    const response = fetch(`${server.url}/slow-test-route`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    const closing = closeServer(server);
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    expect(await (await response).json()).toEqual({ done: true });
    // The keep-alive connection the answer went out on is ended at once, not after its timeout.
    await closing;
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

async function closeServer(server: RunningServer): Promise<void> {
  await server.close();
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
