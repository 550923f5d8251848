/**
 * NOTIFY sent after commit, coalesced, in a short transaction of its own.
 *
 * A NOTIFY queued inside a writing transaction makes PostgreSQL serialize the commits of every
 * transaction that notifies: each holds the notification queue's lock from its pre-commit until
 * its commit record is flushed, so pushes from every server process queue behind one another's
 * WAL flush. Sending the notifications afterwards takes that lock out of the writers' commits.
 *
 * What listeners get: the payload `"<key> <xid>"`, where `<xid>` is the id of the notifying
 * transaction, which started after the writers being announced had committed, so it is larger
 * than their ids: waiting until the transaction horizon has passed it (change-feed.ts) is enough
 * for their changes to be pullable. Keys written within `delayMs` of each other go in one
 * notifying transaction, one notification per (channel, key). That transaction commits without
 * waiting for its WAL flush (nothing durable is in it). If the process dies between a commit and
 * its notification (at most `delayMs`), listeners in other processes learn of that change with
 * the next change of the same key, or on their next resync; pulls never depend on notifications.
 */
import { logger } from '../logger.js';

/** Channel and key names are this code base's identifiers; anything else is refused. */
const NAME = /^[A-Za-z0-9_:.-]{1,63}$/;

/** Throws for a channel or key that is not a plain name (they are written into SQL). */
export function assertNotificationNames(channel: string, key: string): void {
  if (!NAME.test(channel) || !NAME.test(key)) {
    throw new Error(`invalid notification channel or key: ${JSON.stringify([channel, key])}`);
  }
}

export class CommitNotifier {
  readonly #pending = new Map<string, Set<string>>();
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(
    private readonly exec: (sql: string) => Promise<void>,
    private readonly delayMs = 20,
  ) {}

  /** Called after a commit: `key` on `channel` has changes. */
  queue(channel: string, key: string): void {
    if (this.#closed) return;
    assertNotificationNames(channel, key);
    let keys = this.#pending.get(channel);
    if (!keys) {
      keys = new Set();
      this.#pending.set(channel, keys);
    }
    keys.add(key);
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, this.delayMs);
  }

  /** Sends what is queued now; resolves when it (and anything sent before) went out. */
  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#pending.size === 0) return this.#inFlight;
    const selects: string[] = [];
    for (const [channel, keys] of this.#pending) {
      for (const key of keys) {
        selects.push(`pg_notify('${channel}', '${key} ' || pg_current_xact_id()::text)`);
      }
    }
    this.#pending.clear();
    const sql = `BEGIN; SET LOCAL synchronous_commit TO OFF; SELECT ${selects.join(', ')}; COMMIT;`;
    this.#inFlight = this.#inFlight.then(() =>
      this.exec(sql).catch((error: unknown) => {
        logger.warn('change notification failed', { error: String(error) });
      }),
    );
    return this.#inFlight;
  }

  /** Sends what is queued and stops queueing. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
  }
}
