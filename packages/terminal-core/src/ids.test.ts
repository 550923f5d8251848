import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UUID_V7_PATTERN } from '@tillpoint/protocol';
import { createUuidV7Generator, cryptoRandom } from './ids.js';

describe('createUuidV7Generator', () => {
  it('makes valid, strictly increasing UUIDv7 even when the clock stands still or steps back', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5, max: 3 }), { minLength: 1, maxLength: 300 }),
        (steps) => {
          let now = 1_700_000_000_000;
          const next = createUuidV7Generator({ now: () => now }, cryptoRandom);
          let previous = '';
          for (const step of steps) {
            now += step;
            const id = next();
            expect(id).toMatch(UUID_V7_PATTERN);
            expect(id > previous).toBe(true);
            previous = id;
          }
        },
      ),
    );
  });

  it('puts the clock in the first 48 bits', () => {
    const id = createUuidV7Generator({ now: () => 0x0123_4567_89ab }, cryptoRandom)();
    expect(id.startsWith('01234567-89ab-7')).toBe(true);
  });

  it('keeps counting past 4096 ids in one millisecond', () => {
    const next = createUuidV7Generator({ now: () => 1_700_000_000_000 }, cryptoRandom);
    const ids = Array.from({ length: 10_000 }, () => next());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});
