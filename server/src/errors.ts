/**
 * Typed errors thrown by services, with the error codes of @tillpoint/protocol. Services never
 * know HTTP: the error middleware (`http/error-middleware.ts`) maps each code to its status
 * (`ERROR_HTTP_STATUS`) and the JSON body `{ error: { code, message, details? } }`.
 */
import type { ErrorCode } from '@tillpoint/protocol';

export type ServiceErrorCode = ErrorCode;

export class ServiceError extends Error {
  override readonly name = 'ServiceError';

  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }
}

export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof ServiceError;
}
