/**
 * RxDB's replication protocol over HTTP: pull by checkpoint, push of rows, and one SSE stream
 * telling clients which collections have new changes. Everything is validated here, at the edge;
 * a refused request has changed nothing.
 */
import { Router } from 'express';
import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import type { TerminalContext } from '../auth/terminal-context.js';
import type { Database } from '../db/database.js';
import { ServiceError } from '../errors.js';
import type { ServerMetrics } from '../metrics/metrics.js';
import type { ChangeFeed } from './change-feed.js';
import type { CollectionRegistry } from './collection-handlers.js';
import { pullChanges } from './document-store.js';
import { PullBodySchema, PushBodySchema, PushRowSchema } from './sync-schemas.js';
import type { PushRow, SyncDocument } from './sync-types.js';

export interface SyncRouterOptions {
  readonly db: Database;
  readonly registry: CollectionRegistry;
  readonly feed: ChangeFeed;
  readonly metrics: ServerMetrics;
  readonly limits: { readonly maxPullLimit: number; readonly maxPushRows: number };
  /** Sends an SSE comment this often so proxies keep the stream open (ms). */
  readonly heartbeatMs?: number;
  /** Open SSE responses, so shutdown can end them. */
  readonly streams: Set<Response>;
  /**
   * Checks the stream's device token again (at every heartbeat); a token revoked since the
   * stream opened ends it, and the terminal, reconnecting, is told why.
   */
  readonly stillAccepted?: (token: string) => Promise<boolean>;
}

export function terminalOf(res: Response): TerminalContext {
  const terminal = res.locals['terminal'] as TerminalContext | undefined;
  if (!terminal) throw new ServiceError('unauthorized', 'missing device token');
  return terminal;
}

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new ServiceError('invalid-body', 'the request body is invalid', {
      issues: result.error.issues.map((issue) => ({
        path: issue.path.join('.'),
        message: issue.message,
      })),
    });
  }
  return result.data;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The shape PushRowSchema accepts, checked without copying the row (the document itself is
 * validated once, by the collection). Anything else goes through the schema for its errors.
 */
function isPlainPushRow(raw: unknown): raw is {
  newDocumentState: Record<string, unknown>;
  assumedMasterState?: Record<string, unknown> | null;
} {
  if (!isPlainObject(raw) || !isPlainObject(raw['newDocumentState'])) return false;
  for (const key in raw) {
    if (key !== 'newDocumentState' && key !== 'assumedMasterState') return false;
  }
  const assumed = raw['assumedMasterState'];
  return assumed === undefined || assumed === null || isPlainObject(assumed);
}

function collectionParam(req: Request): string {
  const name = req.params['collection'];
  return typeof name === 'string' ? name : '';
}

export function createSyncRouter(options: SyncRouterOptions): Router {
  const { db, registry, feed, metrics, limits, streams } = options;
  const router = Router();

  const pull: RequestHandler = async (req, res) => {
    const started = performance.now();
    const collection = registry.require(collectionParam(req));
    const body = parseBody(PullBodySchema, req.body);
    const limit = Math.min(body.limit, limits.maxPullLimit);
    const result = await pullChanges(db, collection, body.checkpoint ?? null, limit);
    metrics.pulls.inc({ collection: collection.name });
    metrics.pulledDocuments.inc({ collection: collection.name }, result.documents.length);
    metrics.pullLatency.observe(
      { collection: collection.name },
      (performance.now() - started) / 1000,
    );
    res.json(result);
  };

  const push: RequestHandler = async (req, res) => {
    const started = performance.now();
    const terminal = terminalOf(res);
    const collection = registry.require(collectionParam(req));
    if (collection.terminalWrites === 'none') {
      throw new ServiceError('forbidden-collection', `terminals may not write ${collection.name}`, {
        collection: collection.name,
      });
    }
    const { rows: rawRows } = parseBody(PushBodySchema, req.body);
    if (rawRows.length > limits.maxPushRows) {
      throw new ServiceError('batch-too-large', `at most ${limits.maxPushRows} rows per push`, {
        maxRows: limits.maxPushRows,
        rows: rawRows.length,
      });
    }
    const rows: PushRow[] = rawRows.map((raw, index) => {
      const row = isPlainPushRow(raw) ? raw : parseBody(PushRowSchema, raw);
      const problems = collection.validate(row.newDocumentState);
      if (problems.length > 0) {
        throw new ServiceError(
          'invalid-document',
          // The first problems in the message too: a till shows it to whoever reads its sync
          // status, and keeps it with a held sale.
          `row ${index}: invalid ${collection.name} document (${problemSummary(problems)})`,
          {
            row: index,
            problems,
          },
        );
      }
      return {
        assumedMasterState: row.assumedMasterState ?? null,
        newDocumentState: row.newDocumentState,
      };
    });
    const handler = registry.pushHandler(collection.name);
    let conflicts: SyncDocument[] = [];
    let conflicting = 0;
    if (rows.length > 0) {
      const answer = await db.transaction(
        (tx) => handler({ tx, terminal, collection, registry, now: new Date(), metrics }, rows),
        registry.pushTransactionOptions(collection.name),
      );
      conflicts = Array.isArray(answer) ? answer : answer.documents;
      conflicting = Array.isArray(answer) ? answer.length : answer.conflicts;
    }
    metrics.pushes.inc({ collection: collection.name });
    metrics.pushedRows.inc({ collection: collection.name }, rows.length);
    metrics.conflicts.inc({ collection: collection.name }, conflicting);
    metrics.pushLatency.observe(
      { collection: collection.name },
      (performance.now() - started) / 1000,
    );
    res.json({ conflicts });
  };

  const stream: RequestHandler = (req, res) => {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    const send = (event: string, data: unknown) => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    // Whatever happened while the client was away, it pulls every collection once.
    send('resync', { type: 'resync' });
    const unsubscribe = feed.subscribe((change) => {
      if (change.type === 'resync' || registry.get(change.collection)) send(change.type, change);
    });
    const token = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const beat = async () => {
      if (token !== undefined && options.stillAccepted && !(await options.stillAccepted(token))) {
        res.end();
        return;
      }
      res.write(': heartbeat\n\n');
    };
    const heartbeat = setInterval(
      () => void beat().catch(() => undefined),
      options.heartbeatMs ?? 15_000,
    );
    streams.add(res);
    const close = () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
    };
    req.on('close', close);
    res.on('close', close);
  };

  router.get('/stream', stream);
  router.post('/:collection/pull', pull);
  router.post('/:collection/push', push);
  return router;
}

/** At most three validation problems, for a message. */
function problemSummary(problems: readonly string[]): string {
  const shown = problems.slice(0, 3).join('; ');
  return problems.length > 3 ? `${shown}; and ${problems.length - 3} more` : shown;
}
