import type { RequestHandler } from 'express';
import type { AuthService } from '../auth/auth-service.js';
import type { RateLimiter } from '../auth/rate-limiter.js';
import { ServiceError } from '../errors.js';

const BEARER = /^Bearer ([A-Za-z0-9_-]{16,128})$/;

/**
 * Resolves the calling terminal and its store from `Authorization: Bearer <token>` into
 * `res.locals.terminal`, refusing unknown and revoked tokens, then spends one request from the
 * token's rate-limit bucket. Store and terminal never come from the body.
 */
export function requireTerminal(auth: AuthService, limiter: RateLimiter): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization');
    const token = header === undefined ? undefined : BEARER.exec(header)?.[1];
    if (token === undefined) {
      throw new ServiceError('unauthorized', 'send Authorization: Bearer <device token>');
    }
    res.locals['terminal'] = await auth.authenticate(token);
    const verdict = limiter.take(token);
    if (!verdict.allowed) {
      throw new ServiceError('rate-limited', 'too many requests for this device token', {
        retryAfterSeconds: verdict.retryAfterSeconds,
      });
    }
    next();
  };
}
