/**
 * Every JSON body is checked for text the database cannot store (`findUnstorableText` of
 * @tillpoint/protocol) before anything else: such a body would pass every schema and then fail
 * inside the database as a 500, and a terminal would retry that push for ever.
 */
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { findUnstorableText, MAX_TEXT_CHECK_DEPTH } from '@tillpoint/protocol';
import { ServiceError } from '../errors.js';

const BACKSLASH_U = Buffer.from('\\u', 'latin1');
const escapeFree = new WeakSet<IncomingMessage>();

/**
 * express.json's `verify`, given the body's bytes before they are decoded: notes a UTF-8 body
 * without any `\u` escape. Its parsed text cannot hold U+0000 (JSON allows it in a string only
 * escaped, and nowhere else) nor half a surrogate pair (UTF-8 cannot encode one; a decoder
 * gives U+FFFD for such bytes), so only its nesting needs a walk. A push of a hundred documents
 * is a body of this kind almost always; walking its text (with a path for every value) took about
 * 2 % of the servers' busy time at 5,000 entries/s. An escaped backslash before a `u` also counts as an escape here: that
 * body is walked in full, which is only slower.
 */
export function noteEscapeFreeBody(
  req: IncomingMessage,
  _res: unknown,
  body: Buffer,
  encoding: string | null,
): void {
  if ((encoding === 'utf-8' || encoding === 'utf8') && body.indexOf(BACKSLASH_U) === -1) {
    escapeFree.add(req);
  }
}

/** After express.json: refuses a body with text the database cannot store (400, nothing done). */
export const refuseUnstorableText: RequestHandler = (req, _res, next) => {
  const found = findUnstorableText(req.body as unknown, '', { checkText: !escapeFree.has(req) });
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
