/** Builds the Express app from its dependencies; listening is `server.ts`'s job. */
import express from 'express';
import type { Express, Response } from 'express';
import { AuthService } from './auth/auth-service.js';
import { createEnrollRouter } from './auth/enroll-router.js';
import { SharedRateLimiter } from './auth/shared-rate-limiter.js';
import type { ServerConfig } from './config.js';
import type { Database } from './db/database.js';
import { ServiceError, isServiceError } from './errors.js';
import { logger } from './logger.js';
import { requireTerminal } from './http/auth-middleware.js';
import { cors } from './http/cors.js';
import { errorMiddleware, notFoundHandler } from './http/error-middleware.js';
import { requireProtocolVersion } from './http/protocol-version.js';
import { noteEscapeFreeBody, refuseUnstorableText } from './http/storable-text.js';
import { ServerMetrics } from './metrics/metrics.js';
import type { ChangeFeed } from './sync/change-feed.js';
import type { CollectionRegistry } from './sync/collection-handlers.js';
import { createSyncRouter } from './sync/sync-router.js';

export interface AppDependencies {
  readonly config: Pick<
    ServerConfig,
    | 'limits'
    | 'rateLimit'
    | 'tokenPepper'
    | 'tokenCacheSeconds'
    | 'cors'
    | 'trustProxy'
    | 'sseHeartbeatSeconds'
  >;
  readonly db: Database;
  readonly registry: CollectionRegistry;
  readonly feed: ChangeFeed;
  readonly metrics?: ServerMetrics;
}

export interface BuiltApp {
  readonly app: Express;
  readonly metrics: ServerMetrics;
  readonly auth: AuthService;
  /** Per-token and per-address rate limits, shared with the other processes (close on shutdown). */
  readonly rateLimiter: SharedRateLimiter;
  /** Open SSE responses (ended on shutdown). */
  readonly streams: Set<Response>;
}

export function createApp(deps: AppDependencies): BuiltApp {
  const { config, db, registry, feed } = deps;
  const metrics = deps.metrics ?? new ServerMetrics();
  const auth = new AuthService(db, config.tokenPepper, {
    tokenCacheMs: config.tokenCacheSeconds * 1000,
  });
  const rateLimiter = new SharedRateLimiter(db, config.rateLimit);
  const streams = new Set<Response>();
  metrics.gauge('tillpoint_sse_streams', 'Open server-sent-event streams.', () => streams.size);

  const app = express();
  app.disable('x-powered-by');
  // Every answer but /healthz and /metrics is to a POST or a stream: an ETag (a hash of each
  // body, a page of a thousand documents included) would never be used.
  app.set('etag', false);
  // Who the client is, for the per-address limits: the socket's address, or the client a
  // trusted proxy names (TRUST_PROXY, http/trust-proxy.ts).
  app.set('trust proxy', config.trustProxy);
  const json = express.json({
    limit: config.limits.maxBodyBytes,
    strict: false,
    type: () => true,
    verify: noteEscapeFreeBody,
  });

  // 503 while the database does not answer (within 5 s): a load balancer's signal, not a bug.
  let healthy = true;
  app.get('/healthz', async (_req, res) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        db.query('SELECT 1'),
        new Promise((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error('no answer within 5 s')), 5_000);
        }),
      ]);
      if (!healthy) logger.info('the database answers again');
      healthy = true;
      res.json({ status: 'ok' });
    } catch (error) {
      if (healthy)
        logger.warn('health check: the database does not answer', { error: String(error) });
      healthy = false;
      res.status(503).json({ status: 'unavailable', reason: 'the database does not answer' });
    } finally {
      clearTimeout(timer);
    }
  });

  app.get('/metrics', (_req, res) => {
    res.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.render());
  });

  // Before everything else on these routes: a preflight carries neither the protocol header nor
  // the token, and error answers must carry the CORS headers for the renderer to read them.
  app.use(['/api/v1', '/sync/v1'], cors(config.cors.allowedOrigins));

  // Enrollment is unauthenticated: its bucket is per client address.
  app.use('/api/v1', requireProtocolVersion, (req, _res, next) => {
    const verdict = rateLimiter.take(`address:${req.ip ?? 'unknown'}`);
    if (!verdict.allowed) {
      throw new ServiceError('rate-limited', 'too many requests', {
        retryAfterSeconds: verdict.retryAfterSeconds,
      });
    }
    next();
  });
  app.use('/api/v1', json, refuseUnstorableText, createEnrollRouter(auth));

  app.use(
    '/sync/v1',
    requireProtocolVersion,
    requireTerminal(auth, rateLimiter),
    json,
    refuseUnstorableText,
  );
  app.use(
    '/sync/v1',
    createSyncRouter({
      db,
      registry,
      feed,
      metrics,
      limits: config.limits,
      streams,
      heartbeatMs: config.sseHeartbeatSeconds * 1000,
      stillAccepted: async (token) => {
        try {
          await auth.authenticate(token);
          return true;
        } catch (error) {
          // Only a refused token ends the stream; a database hiccup does not.
          return !(
            isServiceError(error) &&
            (error.code === 'token-revoked' || error.code === 'unauthorized')
          );
        }
      },
    }),
  );

  app.use(notFoundHandler);
  app.use(errorMiddleware(metrics));
  return { app, metrics, auth, rateLimiter, streams };
}
