import { describe, expect, it } from 'vitest';
import { isoMs, msIso } from './instants.js';

describe('memoised instants', () => {
  const instants = [
    0,
    -1,
    1.5,
    -0,
    Date.UTC(2026, 10, 22, 6, 50, 1, 999),
    Date.UTC(1969, 11, 31, 23, 59, 59, 999),
    Date.UTC(10_000, 0, 1),
    -62_198_755_200_000, // year -0001
    8.64e15,
  ];

  it('formats as toISOString, the first time and from memory', () => {
    for (let round = 0; round < 2; round++) {
      for (const ms of instants) expect(msIso(ms)).toBe(new Date(ms).toISOString());
    }
    expect(() => msIso(Number.NaN)).toThrow(RangeError);
    expect(() => msIso(8.64e15 + 1)).toThrow(RangeError);
  });

  it('parses what it formatted back to the instant Date gives, fractions dropped', () => {
    for (const ms of instants) expect(isoMs(msIso(ms))).toBe(new Date(ms).getTime());
    expect(isoMs('not a date')).toBeNaN();
    expect(isoMs('2026-11-22T06:50:01.999Z')).toBe(Date.parse('2026-11-22T06:50:01.999Z'));
  });

  it('stays right past its memory', () => {
    const base = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 10_000; i++) {
      const ms = base + i * 1_001;
      expect(msIso(ms)).toBe(new Date(ms).toISOString());
    }
    expect(isoMs(msIso(base))).toBe(base);
  });
});
