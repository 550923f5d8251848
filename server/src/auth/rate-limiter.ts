/**
 * Token buckets per key (a terminal, or a client address for enrollment), in this process's
 * memory: `take()` is synchronous and never touches the database, because it runs on every push
 * and pull.
 *
 * On its own a process knows only its own requests; several server processes share one
 * PostgreSQL, and a terminal's requests spread over them. `SharedRateLimiter`
 * (shared-rate-limiter.ts) keeps the limit chain-wide: it sends this process's usage to the
 * database every 250 ms and sets each bucket used here to the chain-wide level it reads back
 * (`setLevel`), so a token gets the configured rate across all processes, at most one flush
 * interval late (docs/decisions/0008-shared-rate-limits.md).
 */
export type RateLimitVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** What the HTTP layer needs of a limiter. */
export interface RequestRateLimiter {
  /** Takes one request from `key`'s bucket; returns the seconds to wait when it is empty. */
  take(key: string): RateLimitVerdict;
  /** Whether `key`'s bucket holds a request now, without taking it. */
  peek(key: string): RateLimitVerdict;
}

interface Bucket {
  /** The level at `updatedAt`; below zero after other processes' usage was charged. */
  tokens: number;
  updatedAt: number;
}

export class RateLimiter implements RequestRateLimiter {
  readonly #buckets = new Map<string, Bucket>();

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    /** Milliseconds on a monotonic clock. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  take(key: string): RateLimitVerdict {
    const now = this.now();
    const bucket = this.#refilled(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.#evictIfLarge(now);
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.ceil((1 - bucket.tokens) / this.perSecond) };
  }

  peek(key: string): RateLimitVerdict {
    const bucket = this.#buckets.get(key);
    if (bucket === undefined) return { allowed: true };
    const tokens = Math.min(
      this.burst,
      bucket.tokens + (Math.max(0, this.now() - bucket.updatedAt) / 1000) * this.perSecond,
    );
    if (tokens >= 1) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.ceil((1 - tokens) / this.perSecond) };
  }

  /**
   * Sets `key`'s bucket to `tokens` as of now, e.g. the chain-wide level less what this process
   * took since. Above the burst is capped; below zero is kept, so requests are refused until
   * the bucket has refilled past one token.
   */
  setLevel(key: string, tokens: number): void {
    this.#buckets.set(key, { tokens: Math.min(this.burst, tokens), updatedAt: this.now() });
  }

  #refilled(key: string, now: number): Bucket {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: this.burst, updatedAt: now };
      this.#buckets.set(key, bucket);
      return bucket;
    }
    bucket.tokens = Math.min(
      this.burst,
      bucket.tokens + (Math.max(0, now - bucket.updatedAt) / 1000) * this.perSecond,
    );
    bucket.updatedAt = now;
    return bucket;
  }

  /** Full buckets carry no information; drop them so the map stays small. */
  #evictIfLarge(now: number): void {
    if (this.#buckets.size < 10_000) return;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond >= this.burst) {
        this.#buckets.delete(key);
      }
    }
  }
}
