import type { Writable } from 'node:stream';
import pg from 'pg';
import { logger } from '../logger.js';
import type {
  Database,
  DbTransaction,
  QueryRow,
  QueryResult,
  TransactionOptions,
} from './database.js';
import { CommitNotifier } from './commit-notifier.js';
import { beginStatement, createTransactionHandle, withRetries } from './run-transaction.js';

const INT8_OID = 20;

const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * Parameterized statements are prepared once per connection under a name derived from their
 * text, so PostgreSQL parses and plans each of them once per session instead of on every call
 * (planning the ledger's read alone costs about as much as running it). Statement texts are
 * fixed strings in this code base; should a caller ever build texts with values inlined, at most
 * MAX_NAMED_STATEMENTS distinct texts get a name and the rest run unnamed, so a connection's
 * prepared statements stay bounded.
 */
const MAX_NAMED_STATEMENTS = 256;
const statementNames = new Map<string, string>();

function statementName(sql: string): string | undefined {
  let name = statementNames.get(sql);
  if (name === undefined && statementNames.size < MAX_NAMED_STATEMENTS) {
    name = `tp${statementNames.size + 1}`;
    statementNames.set(sql, name);
  }
  return name;
}

/** A node-postgres query config: named (prepared per connection) when it has parameters. */
function queryConfig(sql: string, values: unknown[]): pg.QueryConfig {
  // Without parameters node-postgres sends a simple query, which may hold several statements.
  const name = values.length > 0 ? statementName(sql) : undefined;
  return name === undefined ? { text: sql, values } : { name, text: sql, values };
}

/**
 * A PostgreSQL that stops answering (a hung server, a network partition: connections open but
 * silent) must not hang the server with it: a connection not made within 10 s fails, a query
 * without an answer for 60 s fails (the request gets its error, shutdown can finish), and idle
 * connections are probed by TCP keep-alive. 60 s is far above any statement here, migrations
 * waiting for another process's included.
 */
const CONNECTION_LIMITS = {
  connectionTimeoutMillis: 10_000,
  query_timeout: 60_000,
  keepAlive: true,
  keepAliveInitialDelayMillis: 10_000,
} as const;

export interface PostgresOptions {
  readonly connectionString: string;
  readonly maxConnections?: number;
}

/** A real PostgreSQL server through a node-postgres pool, plus one connection for LISTEN. */
export async function openPostgresDatabase(options: PostgresOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    types: typeParsers,
    // Queries a caller issues without waiting (BEGIN and the first statement of a transaction,
    // the ledger's locks and its read) go out together instead of one round trip each.
    pipeline: true,
    ...CONNECTION_LIMITS,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', (error) =>
    logger.warn('idle database connection failed', { error: error.message }),
  );
  // Fail fast at start-up when the database is unreachable.
  await pool.query('SELECT 1');

  const listeners = new Set<ChannelListener>();
  const notifier = new CommitNotifier(async (sql) => {
    await pool.query(sql);
  });

  const query = async <R extends QueryRow>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<QueryResult<R>> => {
    const result = await pool.query<R>(queryConfig(sql, [...params]));
    return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length };
  };

  return {
    kind: 'postgres',
    query,
    async exec(sql) {
      await pool.query(sql);
    },
    async transaction<T>(
      fn: (tx: DbTransaction) => Promise<T>,
      txOptions: TransactionOptions = {},
    ) {
      return withRetries(txOptions, async () => {
        const client = await pool.connect();
        let broken = false;
        // The pool listens for errors of idle clients only. A connection that fails while this
        // transaction holds it (PostgreSQL restarted, the backend terminated) emits 'error'
        // between statements, which would otherwise be unhandled and end the process; the
        // statement in flight or the next one fails instead, and the client is not reused.
        const onClientError = (error: Error) => {
          broken = true;
          logger.warn('database connection failed during a transaction', {
            error: error.message,
          });
        };
        client.on('error', onClientError);
        // BEGIN is not a round trip of its own: it goes out in the same write as the first
        // statement (the pool's connections are pipelined), see `firstStatement`.
        let pendingBegin: string | undefined = beginStatement(txOptions.isolation);
        const coalesce = writeCoalescer(client);
        const send = async <R extends QueryRow>(
          sql: string,
          params: readonly unknown[] | undefined,
        ): Promise<pg.QueryResult<R>> => {
          coalesce();
          const values = params === undefined ? undefined : [...params];
          if (pendingBegin === undefined) {
            return values === undefined
              ? client.query<R>(sql)
              : client.query<R>(queryConfig(sql, values));
          }
          const begin = pendingBegin;
          pendingBegin = undefined;
          const result = await firstStatement<R>(client, begin, sql, values);
          if (result.beginError !== undefined) {
            // BEGIN cannot fail on a healthy session; if it ever did, the statement behind it
            // ran outside a transaction: drop the connection and fail the attempt.
            broken = true;
            throw result.beginError;
          }
          if (result.error !== undefined) throw result.error;
          return result.value as pg.QueryResult<R>;
        };
        try {
          const attempt = createTransactionHandle(
            {
              query: async <R extends QueryRow>(sql: string, params: readonly unknown[] = []) => {
                const r = await send<R>(sql, params);
                return { rows: r.rows, rowCount: r.rowCount ?? r.rows.length };
              },
              exec: async (sql: string) => {
                await send(sql, undefined);
              },
            },
            notifier,
          );
          let value: T;
          try {
            value = await fn(attempt.handle);
            // When fn sent nothing, BEGIN never went out either: there is nothing to commit.
            if (pendingBegin === undefined) await client.query('COMMIT');
          } catch (error) {
            if (pendingBegin === undefined && !broken) {
              await client.query('ROLLBACK').catch((rollbackError: unknown) => {
                broken = true;
                logger.warn('rollback failed', { error: String(rollbackError) });
              });
            }
            throw error;
          }
          attempt.runAfterCommit();
          return value;
        } finally {
          client.off('error', onClientError);
          client.release(broken);
        }
      });
    },
    async listen(channel, onNotification, onReconnect) {
      const listener = new ChannelListener(
        options.connectionString,
        channel,
        onNotification,
        onReconnect,
      );
      await listener.start();
      listeners.add(listener);
      return async () => {
        listeners.delete(listener);
        await listener.stop();
      };
    },
    async close() {
      await notifier.close();
      await Promise.all([...listeners].map((listener) => listener.stop()));
      listeners.clear();
      await pool.end();
    },
  };
}

/**
 * Returns a function that corks the client's socket until the current tick ends: the queries a
 * caller issues without waiting in between (pipelined) leave in one write, one system call.
 */
function writeCoalescer(client: pg.PoolClient): () => void {
  const stream = (client as unknown as { connection?: { stream?: Writable } }).connection?.stream;
  let corked = false;
  return () => {
    if (corked || stream === undefined) return;
    corked = true;
    stream.cork();
    process.nextTick(() => {
      corked = false;
      stream.uncork();
    });
  };
}

interface FirstStatementResult {
  readonly beginError?: unknown;
  readonly error?: unknown;
  readonly value?: pg.QueryResult;
}

/**
 * BEGIN and the first statement of a transaction in one write on a pipelined connection: one round trip instead of two. PostgreSQL runs them in order; the statement sees
 * the transaction BEGIN opened. `exec` scripts (no parameters) go in BEGIN's own simple query,
 * which stops at the first error.
 */
async function firstStatement<R extends QueryRow>(
  client: pg.PoolClient,
  begin: string,
  sql: string,
  params: unknown[] | undefined,
): Promise<FirstStatementResult> {
  if (params === undefined) {
    try {
      await client.query(`${begin};\n${sql}`);
      return {};
    } catch (error) {
      // Either failed: nothing after the error ran. Report it as BEGIN's when no transaction
      // is open, so the caller does not roll back on a connection that has none.
      return client.getTransactionStatus() === 'I' ? { beginError: error } : { error };
    }
  }
  const [beginOutcome, statementOutcome] = await Promise.allSettled([
    client.query(begin),
    client.query<R>(queryConfig(sql, params)),
  ]);
  if (beginOutcome.status === 'rejected') return { beginError: beginOutcome.reason };
  if (statementOutcome.status === 'rejected') return { error: statementOutcome.reason };
  return { value: statementOutcome.value as unknown as pg.QueryResult };
}

/** A dedicated connection that LISTENs on one channel and reconnects when it drops. */
class ChannelListener {
  #client: pg.Client | undefined;
  #stopped = false;
  #retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly connectionString: string,
    private readonly channel: string,
    private readonly onNotification: (payload: string) => void,
    private readonly onReconnect: (() => void) | undefined,
  ) {}

  async start(): Promise<void> {
    await this.#connect();
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.connectionString,
      types: typeParsers,
      connectionTimeoutMillis: CONNECTION_LIMITS.connectionTimeoutMillis,
      keepAlive: true,
      keepAliveInitialDelayMillis: CONNECTION_LIMITS.keepAliveInitialDelayMillis,
    });
    client.on('notification', (message) => {
      if (message.channel === this.channel) this.onNotification(message.payload ?? '');
    });
    client.on('error', (error) => {
      logger.warn('listen connection failed', { error: error.message });
      this.#scheduleReconnect(client);
    });
    client.on('end', () => this.#scheduleReconnect(client));
    await client.connect();
    await client.query(`LISTEN ${pg.escapeIdentifier(this.channel)}`);
    this.#client = client;
  }

  #scheduleReconnect(failed: pg.Client): void {
    if (this.#stopped || this.#client !== failed || this.#retryTimer) return;
    this.#client = undefined;
    failed.removeAllListeners('end');
    void failed.end().catch(() => undefined);
    // One warning per outage, and one line when it is over (a retry every second would
    // otherwise log every second for as long as the database is away).
    let failures = 0;
    const retry = () => {
      this.#retryTimer = undefined;
      if (this.#stopped) return;
      this.#connect().then(
        () => {
          if (failures > 0) logger.info('listen connection back', { failedAttempts: failures });
          this.onReconnect?.();
        },
        (error: unknown) => {
          if (failures === 0) {
            logger.warn('listen reconnect failed; retrying every second', {
              error: String(error),
            });
          }
          failures += 1;
          this.#retryTimer = setTimeout(retry, 1000);
        },
      );
    };
    this.#retryTimer = setTimeout(retry, 250);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    const client = this.#client;
    this.#client = undefined;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
  }
}
