import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ERROR_HTTP_STATUS, errorBody } from '@tillpoint/protocol';
import { ServiceError, isServiceError } from '../errors.js';
import { logger } from '../logger.js';
import type { ServerMetrics } from '../metrics/metrics.js';

/** Errors raised by express.json() / body-parser before any handler runs. */
function fromBodyParser(error: unknown): ServiceError | undefined {
  if (typeof error !== 'object' || error === null || !('type' in error)) return undefined;
  const type = (error as { type: unknown }).type;
  if (type === 'entity.parse.failed') {
    return new ServiceError('malformed-json', 'the request body is not valid JSON');
  }
  if (type === 'entity.too.large') {
    const limit = (error as { limit?: unknown }).limit;
    return new ServiceError('payload-too-large', 'the request body is too large', {
      limitBytes: limit,
    });
  }
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new ServiceError('invalid-body', 'unsupported body encoding');
  }
  return undefined;
}

/**
 * Other errors that Express, the router or body-parser raise for a bad request carry a 4xx
 * status (a body that does not decompress, a size that does not match its header, a path that
 * is not valid percent-encoding): the client's fault, answered as such, never as a 500.
 */
function fromClientStatus(error: unknown): ServiceError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, statusCode, message } = error as {
    status?: unknown;
    statusCode?: unknown;
    message?: unknown;
  };
  const code = typeof status === 'number' ? status : statusCode;
  if (typeof code !== 'number' || code < 400 || code > 499) return undefined;
  if (code === 413) return new ServiceError('payload-too-large', 'the request body is too large');
  const reason = typeof message === 'string' && message.length <= 200 ? `: ${message}` : '';
  return new ServiceError('invalid-body', `the request cannot be read${reason}`);
}

/**
 * The one place errors become HTTP: `{ error: { code, message, details? } }` with the status of
 * the code. Anything that is not a ServiceError is a bug: logged, answered with a generic 500.
 */
export function errorMiddleware(metrics: ServerMetrics): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const serviceError = isServiceError(error)
      ? error
      : (fromBodyParser(error) ?? fromClientStatus(error));
    const known = serviceError ?? new ServiceError('internal', 'internal server error');
    if (!serviceError) {
      logger.error('unhandled error', {
        method: req.method,
        path: req.path,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    }
    metrics.httpErrors.inc({ code: known.code });
    if (res.headersSent) {
      res.end();
      return;
    }
    if (known.code === 'rate-limited' && typeof known.details?.['retryAfterSeconds'] === 'number') {
      res.setHeader('Retry-After', String(known.details['retryAfterSeconds']));
    }
    res
      .status(ERROR_HTTP_STATUS[known.code])
      .json(errorBody(known.code, known.message, known.details));
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new ServiceError('not-found', `no route ${req.method} ${req.path}`));
};
