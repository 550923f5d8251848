/**
 * Starts the server: opens and migrates the database, starts the change feed, listens. `close()`
 * stops accepting connections, ends SSE streams and idle keep-alive connections, lets in-flight
 * requests finish, then ends every remaining connection, stops sharing rate-limit usage and
 * closes the feed and the database.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import type { BuiltApp } from './app.js';
import type { ServerConfig } from './config.js';
import type { Database } from './db/database.js';
import { migrate } from './db/migrate.js';
import { openDatabase } from './db/open-database.js';
import { logger } from './logger.js';
import { ChangeFeed } from './sync/change-feed.js';
import type { CollectionRegistry } from './sync/collection-handlers.js';

export interface RunningServer extends BuiltApp {
  readonly db: Database;
  readonly registry: CollectionRegistry;
  readonly feed: ChangeFeed;
  readonly http: Server;
  /** e.g. http://127.0.0.1:8787 */
  readonly url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  /** An already open database (tests share one between several servers); it is not closed. */
  readonly db?: Database;
  /** The replicated collections (production: `createSyncCollections()`). */
  readonly registry: CollectionRegistry;
}

export async function startServer(
  config: ServerConfig,
  options: StartOptions,
): Promise<RunningServer> {
  const ownsDb = options.db === undefined;
  const db = options.db ?? (await openDatabase(config.database));
  try {
    await migrate(db);
    const registry = options.registry;
    const feed = new ChangeFeed(db, { collections: registry.names() });
    await feed.start();
    const built = createApp({ config, db, registry, feed });
    const http = built.app.listen(config.port, config.host);
    await new Promise<void>((resolve, reject) => {
      http.once('listening', resolve);
      http.once('error', reject);
    });
    const address = http.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;

    // Responses in progress, to know when draining is over. A keep-alive socket may carry a new
    // request after close() began (e.g. a terminal reopening its SSE stream on it): such a
    // request is still served, but asked to close its connection, and once only SSE streams
    // are left every connection is ended (closeAllConnections), so close() cannot hang.
    const inFlight = new Set<ServerResponse>();
    let draining = false;
    const finishDraining = () => {
      for (const stream of built.streams) stream.end();
      built.streams.clear();
      http.closeIdleConnections();
      if ([...inFlight].every((res) => isEventStream(res))) http.closeAllConnections();
    };
    http.on('request', (_req: IncomingMessage, res: ServerResponse) => {
      inFlight.add(res);
      if (draining) res.shouldKeepAlive = false;
      res.once('close', () => {
        inFlight.delete(res);
        if (draining) setImmediate(finishDraining);
      });
    });

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        draining = true;
        const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
        for (const res of inFlight) res.shouldKeepAlive = false;
        // SSE streams never finish on their own; idle keep-alive sockets neither. A stream
        // opened while draining is ended by the next check.
        const recheck = setInterval(finishDraining, 100);
        finishDraining();
        try {
          await stopped;
        } finally {
          clearInterval(recheck);
        }
        await built.rateLimiter.close();
        await feed.close();
        if (ownsDb) await db.close();
      })());
    return { ...built, db, registry, feed, http, url, close };
  } catch (error) {
    if (ownsDb) await db.close().catch(() => undefined);
    throw error;
  }
}

/** Whether a response is a server-sent-event stream (it never ends by itself). */
function isEventStream(res: ServerResponse): boolean {
  const type = res.getHeader('content-type');
  return typeof type === 'string' && type.startsWith('text/event-stream');
}

export function logStarted(server: RunningServer): void {
  logger.info('tillpoint server listening', { url: server.url, database: server.db.kind });
}
