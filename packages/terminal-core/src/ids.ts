/**
 * UUIDv7 (RFC 9562) made on the terminal from an injected clock and random source, so records
 * created offline carry their final id and a retry carries the same id.
 *
 * Within one millisecond (or when the clock steps back) the generator keeps ids increasing by
 * treating the 12 bits of `rand_a` as a counter (RFC 9562 §6.2, method 1) seeded randomly each
 * new millisecond; when the counter runs out it borrows the next millisecond.
 */

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export type RandomSource = (bytes: Uint8Array) => Uint8Array;

export type IdGenerator = () => string;

const COUNTER_MAX = 0xfff;

export function createUuidV7Generator(clock: Clock, random: RandomSource): IdGenerator {
  let lastMs = -1;
  let counter = 0;
  return () => {
    const wall = Math.floor(clock.now());
    if (!Number.isSafeInteger(wall) || wall < 0 || wall > 0xffff_ffff_ffff) {
      throw new RangeError(`clock time out of UUIDv7 range: ${wall}`);
    }
    const bytes = random(new Uint8Array(16));
    if (wall > lastMs) {
      lastMs = wall;
      // Seed the counter in the lower half so a burst still has room to count up.
      counter = ((bytes[6]! << 8) | bytes[7]!) & 0x7ff;
    } else if (counter < COUNTER_MAX) {
      counter += 1;
    } else {
      lastMs += 1;
      counter = 0;
    }
    let ms = lastMs;
    for (let i = 5; i >= 0; i--) {
      bytes[i] = ms % 256;
      ms = Math.floor(ms / 256);
    }
    bytes[6] = 0x70 | (counter >> 8);
    bytes[7] = counter & 0xff;
    bytes[8] = 0x80 | (bytes[8]! & 0x3f);
    const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}

/** `crypto.getRandomValues`, available in Node 20 and in the renderer. */
export const cryptoRandom: RandomSource = (bytes) => globalThis.crypto.getRandomValues(bytes);

export const systemClock: Clock = { now: () => Date.now() };
