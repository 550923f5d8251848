import type { RequestHandler } from 'express';
import type { AuthService } from '../auth/auth-service.js';
import type { RequestRateLimiter } from '../auth/rate-limiter.js';
import { ServiceError } from '../errors.js';

const BEARER = /^Bearer ([A-Za-z0-9_-]{16,128})$/;

/** Authentication refusals that count against the client address. */
const REFUSED = new Set(['unauthorized', 'token-revoked']);

/**
 * Resolves the calling terminal and its store from `Authorization: Bearer <token>` into
 * `res.locals.terminal`, refusing unknown and revoked tokens, then spends one request from the
 * terminal's rate-limit bucket (keyed by terminal id: one token per terminal, and the token
 * itself is never kept). Store and terminal never come from the body.
 *
 * Refused tokens are counted per client address (`auth-failures:<address>`, the same rate and
 * burst): once that bucket is empty, a token this process has not recently seen valid is
 * refused with 429 before it is looked up, so a flood of made-up tokens does not become a flood
 * of database reads. Tills whose token is cached are not held back by it.
 */
export function requireTerminal(auth: AuthService, limiter: RequestRateLimiter): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization');
    const token = header === undefined ? undefined : BEARER.exec(header)?.[1];
    const failures = `auth-failures:${req.ip ?? 'unknown'}`;
    if (token === undefined) {
      throw new ServiceError('unauthorized', 'send Authorization: Bearer <device token>');
    }
    if (!auth.isCached(token)) {
      const verdict = limiter.peek(failures);
      if (!verdict.allowed) {
        throw new ServiceError('rate-limited', 'too many refused device tokens from this address', {
          retryAfterSeconds: verdict.retryAfterSeconds,
        });
      }
    }
    let terminal;
    try {
      terminal = await auth.authenticate(token);
    } catch (error) {
      if (error instanceof ServiceError && REFUSED.has(error.code)) limiter.take(failures);
      throw error;
    }
    res.locals['terminal'] = terminal;
    const verdict = limiter.take(`terminal:${terminal.terminalId}`);
    if (!verdict.allowed) {
      throw new ServiceError('rate-limited', 'too many requests for this device token', {
        retryAfterSeconds: verdict.retryAfterSeconds,
      });
    }
    next();
  };
}
