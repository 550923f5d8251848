import { describe, expect, it } from 'vitest';
import { findUnstorableText, isStorableText, MAX_TEXT_CHECK_DEPTH } from './storable-text.js';

describe('text the server can store', () => {
  it.each([
    ['plain', true],
    ['Zoë Ångström', true],
    ['Chai 🍵', true],
    ['', true],
    ['a\u0000b', false],
    ['\ud800', false],
    ['x\udc00', false],
    ['🍵'.slice(0, 1), false],
    ['\udc00\ud800', false],
  ])('%j → %s', (text, storable) => {
    expect(isStorableText(text)).toBe(storable);
  });

  it('names the first bad value or key by its path', () => {
    expect(findUnstorableText({ rows: [{ a: 'ok' }, { b: ['ok', 'x\u0000'] }] })).toEqual({
      path: '.rows[1].b[1]',
      reason: 'text',
    });
    expect(findUnstorableText({ ok: 1, 'odd key\u0000': 2 })).toEqual({
      path: '["odd key\\u0000"]',
      reason: 'text',
    });
    expect(findUnstorableText('\ud800', '.note')).toEqual({ path: '.note', reason: 'text' });
    expect(findUnstorableText('\ud800')).toEqual({ path: '(body)', reason: 'text' });
    expect(findUnstorableText({ n: 1, b: true, z: null, s: 'fine' })).toBeUndefined();
  });

  it('stops at a nesting deeper than any document instead of overflowing the stack', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findUnstorableText(deep)?.reason).toBe('depth');
    let fine: unknown = 'x';
    for (let i = 0; i < MAX_TEXT_CHECK_DEPTH - 1; i++) fine = [fine];
    expect(findUnstorableText(fine)).toBeUndefined();
  });

  it('checks only the nesting when told the text cannot be unstorable', () => {
    expect(findUnstorableText({ a: 'x\u0000' }, '', { checkText: false })).toBeUndefined();
    let deep: unknown = 'x';
    for (let i = 0; i < MAX_TEXT_CHECK_DEPTH + 1; i++) deep = { d: deep };
    expect(findUnstorableText({ rows: [deep] }, '', { checkText: false })).toEqual({
      path: `.rows[0]${'.d'.repeat(MAX_TEXT_CHECK_DEPTH - 2)}`,
      reason: 'depth',
    });
  });
});
