import type { RequestHandler } from 'express';
import type { AuthService } from '../auth/auth-service.js';
import type { RequestRateLimiter } from '../auth/rate-limiter.js';
import { ServiceError } from '../errors.js';

const BEARER = /^Bearer ([A-Za-z0-9_-]{16,128})$/;

/**
 * Resolves the calling terminal and its store from `Authorization: Bearer <token>` into
 * `res.locals.terminal`, refusing unknown and revoked tokens, then spends one request from the
 * terminal's rate-limit bucket (keyed by terminal id: one token per terminal, and the token
 * itself is never kept). Store and terminal never come from the body.
 */
export function requireTerminal(auth: AuthService, limiter: RequestRateLimiter): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization');
    const token = header === undefined ? undefined : BEARER.exec(header)?.[1];
    if (token === undefined) {
      throw new ServiceError('unauthorized', 'send Authorization: Bearer <device token>');
    }
    const terminal = await auth.authenticate(token);
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
