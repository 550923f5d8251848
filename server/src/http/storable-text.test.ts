import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { noteEscapeFreeBody, refuseUnstorableText } from './storable-text.js';

/** What refuseUnstorableText passes on for a body whose bytes were `raw` in `encoding`. */
function verdict(parsed: unknown, raw: Buffer, encoding: string | null): unknown {
  const req = { body: parsed } as unknown as Request;
  noteEscapeFreeBody(req as unknown as IncomingMessage, undefined, raw, encoding);
  let passed: unknown = 'not called';
  refuseUnstorableText(
    req,
    {} as Response,
    ((error?: unknown) => {
      passed = error;
    }) as NextFunction,
  );
  return passed;
}

describe('the unstorable-text check of a body', () => {
  it('walks the text of a body with an escape, and of a body not in UTF-8', () => {
    const text = JSON.stringify({ name: 'Ann\u0000' });
    expect(text).toContain('\\u0000');
    expect(verdict(JSON.parse(text), Buffer.from(text), 'utf-8')).toMatchObject({
      code: 'invalid-body',
      details: { path: '.name' },
    });
    const lone = { name: 'Ann\ud800' };
    expect(verdict(lone, Buffer.from('{"name":"Ann?"}', 'utf16le'), 'utf-16le')).toMatchObject({
      code: 'invalid-body',
    });
  });

  it('trusts a UTF-8 body without escapes for its text, not for its nesting', () => {
    const raw = Buffer.from('{"name":"Zoë"}');
    // What the parse of such bytes gives cannot hold U+0000; the value here is made up to show
    // that its text is not walked.
    expect(verdict({ name: 'x\u0000' }, raw, 'utf-8')).toBeUndefined();
    expect(verdict({ name: 'Zoë' }, raw, 'utf8')).toBeUndefined();
    let deep: unknown = 'x';
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(verdict(deep, raw, 'utf-8')).toMatchObject({ code: 'invalid-body' });
  });
});
