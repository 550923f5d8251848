/**
 * Rate limits that hold across every server process sharing one database, without a database
 * write per request (docs/decisions/0008-shared-rate-limits.md).
 *
 * Requests are judged by this process's in-memory buckets (`RateLimiter`), synchronously. While
 * a key is in use here, every 250 ms one statement adds this process's usage since the last
 * flush to the key's chain-wide bucket in `rate_limit_buckets` (refilled at the same rate, by
 * the database's clock) and returns its level, which becomes this process's bucket, less what
 * was taken here while the statement ran. So every process charges every process's requests,
 * at most one flush interval late; a bucket may go below zero (the processes together allowed
 * more than it held during that interval) and then refuses until it has refilled.
 *
 * A key idle here is not read back: its local bucket refills at the configured rate and may be
 * fuller than the chain-wide one when the key is used again; the first flush after that (within
 * 250 ms) brings it in line, and whatever it allowed meanwhile is charged to the chain-wide
 * bucket, so it is borrowed from the following seconds, not free. A new bucket (first use here,
 * after a restart or an eviction) starts full in the same way.
 *
 * When the database does not answer, limiting goes on per process, the usage is kept and sent
 * with the next flush, and one warning is logged per failure streak.
 */
import type { Queryable } from '../db/database.js';
import { logger } from '../logger.js';
import { RateLimiter } from './rate-limiter.js';
import type { RateLimitVerdict, RequestRateLimiter } from './rate-limiter.js';

export const FLUSH_INTERVAL_MS = 250;

/** How often a process deletes buckets that have long been full (the table stays small). */
const CLEANUP_INTERVAL_MS = 60_000;

/**
 * $1 keys, $2 requests allowed here since the last flush, $3 burst, $4 rate per second.
 *
 * The usage is applied to the level refilled up to now before capping at the burst: requests
 * are assumed to have come at the start of the interval, so a flush never charges for a refill
 * that a full bucket could not have held; the most this lets through is the rate × one interval.
 * The debt is capped at one burst, so usage piled up while the processes could not share it
 * (flushes failing) refuses a key for at most (burst + 1) / rate seconds afterwards.
 *
 * `excluded.tokens` is the row an insert would have created, `burst − used` (floored too, which
 * changes no result: usage above two bursts ends at the floor anyway), so `$3 − excluded.tokens`
 * is this flush's usage. Statements of several processes wait for each other's row locks; rows
 * are upserted in key order, so they never deadlock. A statement that started earlier may update
 * a row after a later one did: the refill never runs backwards.
 */
const FLUSH_SQL = `
  INSERT INTO rate_limit_buckets AS b (key, tokens, updated_at)
  SELECT u.key, greatest(-$3::float8, $3::float8 - u.used), now()
    FROM unnest($1::text[], $2::int[]) AS u (key, used)
   ORDER BY u.key
  ON CONFLICT (key) DO UPDATE
     SET tokens = greatest(-$3::float8, least(
           $3::float8,
           b.tokens
             + $4::float8 * greatest(0, extract(epoch FROM now() - b.updated_at)::float8)
             - ($3::float8 - excluded.tokens))),
         updated_at = greatest(b.updated_at, now())
  RETURNING key, tokens`;

/**
 * $1 burst, $2 rate per second. Deletes buckets untouched for an hour that have refilled
 * completely (an absent row is a full bucket, so nothing is lost), skipping rows a flush holds.
 */
const CLEANUP_SQL = `
  DELETE FROM rate_limit_buckets
   WHERE key IN (
     SELECT key FROM rate_limit_buckets
      WHERE updated_at < now() - interval '1 hour'
        AND tokens + $2::float8 * extract(epoch FROM now() - updated_at)::float8 >= $1::float8
        FOR UPDATE SKIP LOCKED)`;

export interface SharedRateLimiterOptions {
  readonly perSecond: number;
  readonly burst: number;
  /** Default FLUSH_INTERVAL_MS. */
  readonly flushIntervalMs?: number;
  /** Milliseconds on a monotonic clock (the local buckets' refill; tests inject one). */
  readonly now?: () => number;
}

export class SharedRateLimiter implements RequestRateLimiter {
  readonly #db: Queryable;
  readonly #local: RateLimiter;
  readonly #now: () => number;
  readonly #flushIntervalMs: number;
  /** Requests allowed here per key and not yet added to the chain-wide buckets. */
  #unshared = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  /** The last flush queued: flushes run one after another. */
  #tail: Promise<void> = Promise.resolve();
  #failing = false;
  #closed = false;
  #lastCleanup = Number.NEGATIVE_INFINITY;

  constructor(db: Queryable, options: SharedRateLimiterOptions) {
    this.#db = db;
    this.#now = options.now ?? (() => performance.now());
    this.#local = new RateLimiter(options.perSecond, options.burst, this.#now);
    this.#flushIntervalMs = options.flushIntervalMs ?? FLUSH_INTERVAL_MS;
  }

  take(key: string): RateLimitVerdict {
    const verdict = this.#local.take(key);
    if (verdict.allowed) {
      this.#unshared.set(key, (this.#unshared.get(key) ?? 0) + 1);
      this.#scheduleFlush();
    }
    return verdict;
  }

  peek(key: string): RateLimitVerdict {
    return this.#local.peek(key);
  }

  /**
   * Adds the usage not yet shared to the chain-wide buckets and adopts their levels. Never
   * rejects: a failure keeps the usage for the next flush and limiting stays local meanwhile.
   */
  flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const run = this.#tail.then(() => this.#flushOnce());
    this.#tail = run;
    return run;
  }

  /** Stops flushing (after the one in progress); `take` keeps limiting locally. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    await this.#tail;
  }

  /** Arms the flush timer on activity only: an idle process sends nothing. */
  #scheduleFlush(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, this.#flushIntervalMs);
    // Never what keeps a process (or a test run) alive.
    this.#timer.unref();
  }

  async #flushOnce(): Promise<void> {
    if (this.#unshared.size === 0) return;
    const usage = this.#unshared;
    this.#unshared = new Map();
    try {
      const { rows } = await this.#db.query<{ key: string; tokens: number }>(FLUSH_SQL, [
        [...usage.keys()],
        [...usage.values()],
        this.#local.burst,
        this.#local.perSecond,
      ]);
      for (const row of rows) {
        this.#local.setLevel(row.key, row.tokens - (this.#unshared.get(row.key) ?? 0));
      }
      if (this.#failing) {
        this.#failing = false;
        logger.info('rate limits are shared between server processes again');
      }
      await this.#cleanUpOccasionally();
    } catch (error) {
      for (const [key, used] of usage) {
        this.#unshared.set(key, (this.#unshared.get(key) ?? 0) + used);
      }
      if (!this.#failing) {
        this.#failing = true;
        logger.warn('rate limits are per process until the database answers again', {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    if (this.#unshared.size > 0) this.#scheduleFlush();
  }

  async #cleanUpOccasionally(): Promise<void> {
    const now = this.#now();
    if (now - this.#lastCleanup < CLEANUP_INTERVAL_MS) return;
    this.#lastCleanup = now;
    try {
      await this.#db.query(CLEANUP_SQL, [this.#local.burst, this.#local.perSecond]);
    } catch (error) {
      logger.warn('rate-limit cleanup failed', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
