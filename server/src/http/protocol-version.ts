import type { RequestHandler } from 'express';
import { PROTOCOL_HEADER, PROTOCOL_VERSION, isSupportedProtocolVersion } from '@tillpoint/protocol';
import { ServiceError } from '../errors.js';

/**
 * Every API and sync request names the protocol version it speaks in `x-tillpoint-protocol`.
 * Missing or another version: 426 'protocol-version-unsupported' with the server's version, so
 * an old terminal tells its user to update instead of writing data the server misreads.
 */
export const requireProtocolVersion: RequestHandler = (req, res, next) => {
  res.setHeader(PROTOCOL_HEADER, String(PROTOCOL_VERSION));
  const sent = req.get(PROTOCOL_HEADER);
  if (!isSupportedProtocolVersion(sent)) {
    throw new ServiceError(
      'protocol-version-unsupported',
      sent === undefined
        ? `send the ${PROTOCOL_HEADER} header (this server speaks protocol ${PROTOCOL_VERSION})`
        : `this server speaks protocol ${PROTOCOL_VERSION}, not ${sent}`,
      { serverVersion: PROTOCOL_VERSION, ...(sent === undefined ? {} : { clientVersion: sent }) },
    );
  }
  next();
};
