import type { DbTransaction, IsolationLevel, Queryable, TransactionOptions } from './database.js';
import { RETRYABLE_SQLSTATES, sqlState } from './database.js';
import { logger } from '../logger.js';
import { assertNotificationNames } from './commit-notifier.js';
import type { CommitNotifier } from './commit-notifier.js';

/** A transaction handle for one attempt; collects the after-commit callbacks of that attempt. */
export function createTransactionHandle(
  queryable: Queryable,
  notifier: CommitNotifier,
): {
  handle: DbTransaction;
  runAfterCommit: () => void;
} {
  const callbacks: (() => void)[] = [];
  const notifications = new Map<string, Set<string>>();
  const handle: DbTransaction = {
    query: (sql, params) => queryable.query(sql, params),
    exec: (sql) => queryable.exec(sql),
    afterCommit: (callback) => {
      callbacks.push(callback);
    },
    notifyAfterCommit: (channel, key) => {
      // Checked now, so a bad name fails the transaction instead of surfacing after its commit.
      assertNotificationNames(channel, key);
      let keys = notifications.get(channel);
      if (!keys) {
        keys = new Set();
        notifications.set(channel, keys);
      }
      keys.add(key);
    },
  };
  const runAfterCommit = () => {
    for (const [channel, keys] of notifications) {
      for (const key of keys) notifier.queue(channel, key);
    }
    for (const callback of callbacks) {
      try {
        callback();
      } catch (error) {
        logger.error('after-commit callback failed', { error: String(error) });
      }
    }
  };
  return { handle, runAfterCommit };
}

export function beginStatement(isolation: IsolationLevel = 'read committed'): string {
  return `BEGIN ISOLATION LEVEL ${isolation.toUpperCase()}`;
}

/** Runs `attempt` again when PostgreSQL aborted it with a serialization failure or deadlock. */
export async function withRetries<T>(
  options: TransactionOptions,
  attempt: () => Promise<T>,
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 5;
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt();
    } catch (error) {
      const code = sqlState(error);
      if (attemptNumber >= maxAttempts || code === undefined || !RETRYABLE_SQLSTATES.has(code)) {
        throw error;
      }
      // Jittered backoff, so that the transactions that collided do not collide again.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attemptNumber));
    }
  }
}
