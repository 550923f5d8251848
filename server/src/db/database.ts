/**
 * One small interface over embedded PGlite and node-postgres, so every code path runs on both.
 *
 * Conventions both implementations guarantee:
 * - `int8` (bigint) columns come back as JS numbers (they never exceed 2^53 here: sequences,
 *   counters); `xid8` comes back as a decimal string (cast it with `::xid8` when passing back).
 * - `json`/`jsonb` come back parsed. Pass JSON parameters as strings (`JSON.stringify(x)`) with
 *   an explicit `$n::jsonb` cast: node-postgres would turn a JS array into a PostgreSQL array.
 * - `timestamptz` comes back as a `Date`.
 */

export type QueryRow = Record<string, unknown>;

export interface QueryResult<R extends QueryRow = QueryRow> {
  readonly rows: R[];
  /** Rows affected (INSERT/UPDATE/DELETE) or returned (SELECT). */
  readonly rowCount: number;
}

export interface Queryable {
  query<R extends QueryRow = QueryRow>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<R>>;
  /** Runs a script of several statements (no parameters, no results): migrations, fixtures. */
  exec(sql: string): Promise<void>;
}

/** The handle a `transaction(fn)` callback receives. Never keep it after `fn` returns. */
export interface DbTransaction extends Queryable {
  /**
   * Runs `callback` once the transaction has committed (never on rollback, and only for the
   * attempt that committed when the transaction is retried). Errors thrown by callbacks are
   * logged, not rethrown: the commit already happened.
   */
  afterCommit(callback: () => void): void;
  /**
   * Sends `NOTIFY channel, '<key> <xid>'` once the transaction has committed (never on
   * rollback), coalesced with other commits' notifications and outside this transaction's
   * commit; `<xid>` exceeds this transaction's id (see commit-notifier.ts).
   */
  notifyAfterCommit(channel: string, key: string): void;
}

export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

export interface TransactionOptions {
  /** Default 'read committed'; rev checks use row locks (`FOR UPDATE`), which suffices there. */
  readonly isolation?: IsolationLevel;
  /**
   * How often to run `fn` in total when PostgreSQL aborts it with a serialization failure
   * (40001) or a deadlock (40P01). `fn` must therefore have no side effects outside `tx`
   * except through `tx.afterCommit`. Default 5.
   */
  readonly maxAttempts?: number;
}

export type Unlisten = () => Promise<void>;

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs `fn` inside BEGIN … COMMIT; rolls back when `fn` throws and rethrows the error.
   * PGlite has one connection: its transactions (and queries) are serialized.
   */
  transaction<T>(fn: (tx: DbTransaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * LISTEN on `channel` (NOTIFY sent by any process sharing the database is delivered).
   * `onReconnect` is called when a dropped listening connection was re-established, since
   * notifications sent meanwhile are lost.
   */
  listen(
    channel: string,
    onNotification: (payload: string) => void,
    onReconnect?: () => void,
  ): Promise<Unlisten>;
  close(): Promise<void>;
}

/** SQLSTATE codes for which a whole transaction is safely retried. */
export const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set(['40001', '40P01']);

export function sqlState(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === '23505';
}
