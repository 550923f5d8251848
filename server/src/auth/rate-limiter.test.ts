import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

/** A limiter on a clock the test moves by hand (milliseconds). */
function limiterAt(perSecond: number, burst: number) {
  let now = 0;
  const limiter = new RateLimiter(perSecond, burst, () => now);
  return {
    limiter,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

function allowedOf(limiter: RateLimiter, key: string, requests: number): number {
  let allowed = 0;
  for (let i = 0; i < requests; i++) if (limiter.take(key).allowed) allowed++;
  return allowed;
}

describe('RateLimiter', () => {
  it('allows a burst, then refuses, saying how long until the next request is allowed', () => {
    const { limiter } = limiterAt(2, 5);
    expect(allowedOf(limiter, 'terminal:a', 5)).toBe(5);
    expect(limiter.take('terminal:a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('peeks without taking: a full or unknown bucket allows, an empty one says how long', () => {
    const { limiter, advance } = limiterAt(2, 2);
    expect(limiter.peek('terminal:new')).toEqual({ allowed: true });
    expect(allowedOf(limiter, 'terminal:a', 2)).toBe(2);
    expect(limiter.peek('terminal:a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    advance(500);
    for (let i = 0; i < 3; i++) expect(limiter.peek('terminal:a')).toEqual({ allowed: true });
    expect(allowedOf(limiter, 'terminal:a', 2)).toBe(1);
  });

  it.each([
    // [waited ms, requests allowed after the wait] at 2 per second, burst 5, bucket empty
    [0, 0],
    [499, 0],
    [500, 1],
    [1_000, 2],
    [2_250, 4],
    [60_000, 5],
  ])('refills at the rate up to the burst: after %i ms, %i allowed', (waited, expected) => {
    const { limiter, advance } = limiterAt(2, 5);
    allowedOf(limiter, 'terminal:a', 5);
    advance(waited);
    expect(allowedOf(limiter, 'terminal:a', 10)).toBe(expected);
  });

  it('keeps each key its own bucket', () => {
    const { limiter } = limiterAt(1, 3);
    expect(allowedOf(limiter, 'terminal:a', 5)).toBe(3);
    expect(allowedOf(limiter, 'terminal:b', 5)).toBe(3);
    expect(allowedOf(limiter, 'address:127.0.0.1', 1)).toBe(1);
  });

  it('refuses a bucket set below zero until it has refilled past one token', () => {
    const { limiter, advance } = limiterAt(2, 10);
    limiter.setLevel('terminal:a', -3);
    expect(limiter.take('terminal:a')).toEqual({ allowed: false, retryAfterSeconds: 2 });
    advance(1_999);
    expect(limiter.take('terminal:a').allowed).toBe(false);
    advance(1);
    expect(allowedOf(limiter, 'terminal:a', 10)).toBe(1);
  });

  it('caps a level set above the burst', () => {
    const { limiter } = limiterAt(1, 4);
    limiter.setLevel('terminal:a', 1_000);
    expect(allowedOf(limiter, 'terminal:a', 10)).toBe(4);
  });

  it('never allows more than the burst plus the rate over any stretch of time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 300 }),
        (perSecond, burst, gapsMs) => {
          const { limiter, advance } = limiterAt(perSecond, burst);
          const allowedAt: number[] = [];
          let now = 0;
          for (const gap of gapsMs) {
            advance(gap);
            now += gap;
            if (limiter.take('terminal:a').allowed) allowedAt.push(now);
          }
          for (let first = 0; first < allowedAt.length; first++) {
            for (let last = first; last < allowedAt.length; last++) {
              const seconds = (allowedAt[last]! - allowedAt[first]!) / 1000;
              expect(last - first + 1).toBeLessThanOrEqual(burst + seconds * perSecond + 1e-9);
            }
          }
        },
      ),
    );
  });

  it('never refuses a client that keeps to the rate', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 2_000 }), { maxLength: 200 }),
        (perSecond, burst, extraGapsMs) => {
          const { limiter, advance } = limiterAt(perSecond, burst);
          for (const extra of extraGapsMs) {
            advance(Math.ceil(1000 / perSecond) + extra);
            expect(limiter.take('terminal:a').allowed).toBe(true);
          }
        },
      ),
    );
  });
});
