/**
 * Every JSON body is checked for text the database cannot store (`findUnstorableText` of
 * @tillpoint/protocol) before anything else: such a body would pass every schema and then fail
 * inside the database as a 500, and a terminal would retry that push for ever.
 */
import type { RequestHandler } from 'express';
import { findUnstorableText, MAX_TEXT_CHECK_DEPTH } from '@tillpoint/protocol';
import { ServiceError } from '../errors.js';

/** After express.json: refuses a body with text the database cannot store (400, nothing done). */
export const refuseUnstorableText: RequestHandler = (req, _res, next) => {
  const found = findUnstorableText(req.body as unknown);
  if (found === undefined) {
    next();
    return;
  }
  next(
    new ServiceError(
      'invalid-body',
      found.reason === 'text'
        ? `the text at ${found.path} cannot be stored: it contains U+0000 or half of a surrogate pair`
        : `the body is nested more than ${MAX_TEXT_CHECK_DEPTH} levels deep at ${found.path}`,
      { path: found.path, ...rowOf(found.path) },
    ),
  );
};

/** A push's row, named as the other row refusals name it, so a till can set that row aside. */
function rowOf(path: string): { row?: number } {
  const digits = /^\.rows\[(\d+)\]/.exec(path)?.[1];
  return digits === undefined ? {} : { row: Number(digits) };
}
