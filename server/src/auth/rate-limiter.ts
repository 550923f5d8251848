/**
 * Token buckets per device token, kept in this process's memory.
 *
 * Why not in the database: a shared bucket costs a write on every request, on the hot path
 * of every push and pull, to protect against something (one runaway or stolen token) that a
 * per-process bucket already bounds. With N server processes behind a load balancer a token
 * gets at most N × the configured rate; size RATE_LIMIT_PER_SECOND with that in mind. Losing
 * the buckets on restart is harmless.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; updatedAt: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes one request from `key`'s bucket; returns the seconds to wait when it is empty. */
  take(key: string): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const now = this.now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.burst, updatedAt: now };
    bucket.tokens = Math.min(
      this.burst,
      bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond,
    );
    bucket.updatedAt = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.#evictIfLarge(now);
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.ceil((1 - bucket.tokens) / this.perSecond) };
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
