/**
 * Starts the server: opens and migrates the database, starts the change feed, listens. `close()`
 * stops accepting connections, ends SSE streams, lets in-flight requests finish, then closes
 * the feed and the database.
 */
import type { Server } from 'node:http';
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
    const feed = new ChangeFeed(db);
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

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
        // SSE streams never finish on their own; idle keep-alive sockets neither.
        for (const stream of built.streams) stream.end();
        built.streams.clear();
        http.closeIdleConnections();
        await stopped;
        await feed.close();
        if (ownsDb) await db.close();
      })());
    return { ...built, db, registry, feed, http, url, close };
  } catch (error) {
    if (ownsDb) await db.close().catch(() => undefined);
    throw error;
  }
}

export function logStarted(server: RunningServer): void {
  logger.info('tillpoint server listening', { url: server.url, database: server.db.kind });
}
