/**
 * Tells this process's SSE clients which collections have new changes ready to pull. Writers
 * NOTIFY after they commit (document-store.ts, db/commit-notifier.ts), so changes made by any
 * server process sharing the database arrive here; nothing lives only in the writer's memory.
 *
 * A committed change is pullable only once it is below the transaction horizon (every older
 * transaction has finished, docs/decisions/0003-pull-checkpoints.md). A client told too early
 * would pull nothing and wait for the next notification, so the feed holds each notification
 * until the horizon has passed the xid it carries (the notifying transaction's, above the
 * writers'), polling the horizon while any are pending.
 *
 * Notifications are sent after commit (decision 0007), so a process that dies right after a
 * commit can lose one. A sweep every `sweepMs` compares each collection's newest ready change
 * with the last one announced here and announces what is newer: every committed change reaches
 * the clients within a sweep even then.
 */
import type { Database, Unlisten } from '../db/database.js';
import { logger } from '../logger.js';
import { CHANGES_CHANNEL } from './document-store.js';
import type { PullCheckpoint } from './sync-types.js';

export type ChangeEvent =
  /** `checkpoint`: the position of the newest change of `collection` that is ready to pull. */
  | { readonly type: 'changes'; readonly collection: string; readonly checkpoint: PullCheckpoint }
  /** Notifications may have been lost (listener reconnected): pull every collection. */
  | { readonly type: 'resync' };

export type ChangeSubscriber = (event: ChangeEvent) => void;

export interface ChangeFeedOptions {
  /** How often to re-check the horizon while notifications wait for it (ms). */
  readonly horizonPollMs?: number;
  /** The collections the sweep checks (none: no sweep). */
  readonly collections?: readonly string[];
  /** How often the sweep runs (ms, default 5000; 0: never). */
  readonly sweepMs?: number;
}

function isAfter(a: PullCheckpoint, b: PullCheckpoint | undefined): boolean {
  if (b === undefined) return true;
  const ax = BigInt(a.xid);
  const bx = BigInt(b.xid);
  return ax > bx || (ax === bx && a.seq > b.seq);
}

export class ChangeFeed {
  readonly #subscribers = new Set<ChangeSubscriber>();
  /** collection → the highest notified xid not yet announced. */
  readonly #pending = new Map<string, bigint>();
  readonly #pollMs: number;
  readonly #collections: readonly string[];
  readonly #sweepMs: number;
  /** collection → the newest checkpoint announced (or found by the first sweep). */
  readonly #announced = new Map<string, PullCheckpoint>();
  #unlisten: Unlisten | undefined;
  #timer: NodeJS.Timeout | undefined;
  #sweepTimer: NodeJS.Timeout | undefined;
  #checking = false;
  #closed = false;

  constructor(
    private readonly db: Database,
    options: ChangeFeedOptions = {},
  ) {
    this.#pollMs = options.horizonPollMs ?? 50;
    this.#collections = options.collections ?? [];
    this.#sweepMs = options.sweepMs ?? 5_000;
  }

  async start(): Promise<void> {
    this.#unlisten = await this.db.listen(
      CHANGES_CHANNEL,
      (payload) => this.#onNotification(payload),
      () => this.#publish({ type: 'resync' }),
    );
    if (this.#collections.length > 0 && this.#sweepMs > 0) {
      // The first sweep only learns where each collection is (clients resync on connect).
      await this.#sweep(false);
      this.#scheduleSweep();
    }
  }

  subscribe(subscriber: ChangeSubscriber): () => void {
    this.#subscribers.add(subscriber);
    return () => this.#subscribers.delete(subscriber);
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#sweepTimer) clearTimeout(this.#sweepTimer);
    this.#subscribers.clear();
    await this.#unlisten?.();
  }

  #onNotification(payload: string): void {
    const separator = payload.lastIndexOf(' ');
    const collection = payload.slice(0, separator);
    let xid: bigint;
    try {
      xid = BigInt(payload.slice(separator + 1));
    } catch {
      logger.warn('ignored malformed change notification', { payload });
      return;
    }
    const known = this.#pending.get(collection);
    if (known === undefined || xid > known) this.#pending.set(collection, xid);
    this.#scheduleCheck(0);
  }

  #scheduleCheck(delayMs: number): void {
    if (this.#closed || this.#timer || this.#checking) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#checkHorizon();
    }, delayMs);
  }

  async #checkHorizon(): Promise<void> {
    if (this.#closed || this.#pending.size === 0) return;
    this.#checking = true;
    try {
      for (const [collection, xid] of [...this.#pending]) {
        const ready = await this.#newestReady(collection);
        if (!ready || BigInt(ready.horizon) <= xid) continue;
        if (this.#pending.get(collection) === xid) this.#pending.delete(collection);
        if (ready.checkpoint) this.#announce(collection, ready.checkpoint);
      }
    } catch (error) {
      if (this.#closed) return;
      logger.warn('change feed horizon check failed', { error: String(error) });
    } finally {
      this.#checking = false;
    }
    if (this.#pending.size > 0) this.#scheduleCheck(this.#pollMs);
  }

  /** The horizon and the newest change of `collection` below it, from one snapshot. */
  async #newestReady(
    collection: string,
  ): Promise<{ horizon: string; checkpoint: PullCheckpoint | undefined } | undefined> {
    const { rows } = await this.db.query<{
      horizon: string;
      xid: string | null;
      seq: number | null;
    }>(
      `SELECT h.horizon::text AS horizon, c.xid, c.seq
         FROM (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS horizon) h
         LEFT JOIN LATERAL (
           SELECT change_xid::text AS xid, change_seq AS seq FROM sync_documents
            WHERE collection = $1 AND change_xid < h.horizon
            ORDER BY change_xid DESC, change_seq DESC LIMIT 1
         ) c ON true`,
      [collection],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      horizon: row.horizon,
      checkpoint: row.xid !== null && row.seq !== null ? { xid: row.xid, seq: row.seq } : undefined,
    };
  }

  /** Publishes `checkpoint` unless an equal or newer one was announced already. */
  #announce(collection: string, checkpoint: PullCheckpoint, publish = true): void {
    if (!isAfter(checkpoint, this.#announced.get(collection))) return;
    this.#announced.set(collection, checkpoint);
    if (publish) this.#publish({ type: 'changes', collection, checkpoint });
  }

  #scheduleSweep(): void {
    if (this.#closed) return;
    this.#sweepTimer = setTimeout(() => {
      void this.#sweep(true).finally(() => this.#scheduleSweep());
    }, this.#sweepMs);
    this.#sweepTimer.unref();
  }

  /** The last sweep failed (its warning was logged). */
  #sweepFailing = false;

  async #sweep(publish: boolean): Promise<void> {
    try {
      for (const collection of this.#collections) {
        if (this.#closed) return;
        const ready = await this.#newestReady(collection);
        if (ready?.checkpoint) this.#announce(collection, ready.checkpoint, publish);
      }
      if (this.#sweepFailing) {
        this.#sweepFailing = false;
        logger.info('change feed sweep works again');
      }
    } catch (error) {
      // Once per failure streak, not every 5 s while the database is away.
      if (!this.#closed && !this.#sweepFailing) {
        logger.warn('change feed sweep failed', { error: String(error) });
      }
      this.#sweepFailing = true;
    }
  }

  #publish(event: ChangeEvent): void {
    for (const subscriber of this.#subscribers) {
      try {
        subscriber(event);
      } catch (error) {
        logger.warn('change subscriber failed', { error: String(error) });
      }
    }
  }
}
