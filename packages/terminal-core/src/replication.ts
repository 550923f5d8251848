/**
 * Replication of every collection with the sync server (RxDB's replication primitives over the
 * server's HTTP endpoints), kept live by the server's event stream.
 *
 * - Pull by checkpoint, push of rows; RxDB stores the checkpoints and the assumed master
 *   states in the same storage, so after a restart it resumes where it stopped and pushes
 *   again (same ids) whatever the server never acknowledged.
 * - Every handler waits on one shared back-off before talking to the server; the event
 *   stream reconnecting wakes them all, so a returning server is used at once.
 * - The stream only says which collection changed: the terminal answers with RESYNC (pull from
 *   its checkpoint), and on every (re)connection the server asks for a RESYNC of everything.
 * - Accounts are stored only after a transaction pull that started after they arrived, so every
 *   transaction an account includes is known with its seq before the account is shown (see
 *   balance.ts): a provisional balance never counts a transaction twice.
 */
import { Subject } from 'rxjs';
import type { Subscription } from 'rxjs';
import { replicateRxCollection } from 'rxdb/plugins/replication';
import type { RxReplicationState } from 'rxdb/plugins/replication';
import type { RxReplicationPullStreamItem, WithDeleted } from 'rxdb';
import { COLLECTION_NAMES, COLLECTION_OWNERSHIP, MAX_PULL_LIMIT } from '@tillpoint/protocol';
import type { CollectionName, StreamEvent, TransactionDoc } from '@tillpoint/protocol';
import type { TerminalDatabase } from './database.js';
import { EventStream } from './event-stream.js';
import type { Backoff, Transport } from './transport.js';
import { SyncError } from './transport.js';

export interface SyncHooks {
  /** A pull or push succeeded. */
  onSynced(): void;
  /** The server answered about transactions of this terminal (seq known). */
  onAcks(transactions: readonly TransactionDoc[]): void;
  onStreamOpen(): void;
  onStreamClosed(error: SyncError | undefined): void;
  onError(error: unknown): void;
}

export interface SyncEngineOptions {
  readonly db: TerminalDatabase;
  readonly transport: Transport;
  readonly backoff: Backoff;
  readonly hooks: SyncHooks;
  /** Identifies the replication's stored checkpoints: server and terminal. */
  readonly identity: string;
  readonly pullBatchSize?: number;
  readonly pushBatchSize?: number;
  /** How long an account pull waits for the transactions to catch up before retrying. */
  readonly accountGateTimeoutMs?: number;
}

interface PullResponseBody {
  documents: Record<string, unknown>[];
  checkpoint: Record<string, unknown> | null;
}

function parsePullResponse(body: unknown): PullResponseBody {
  const value = body as Partial<PullResponseBody> | null;
  if (!value || !Array.isArray(value.documents)) {
    throw new SyncError(
      'server',
      'malformed-response',
      'The server sent an answer the till cannot read.',
    );
  }
  return { documents: value.documents, checkpoint: value.checkpoint ?? null };
}

function parsePushResponse(body: unknown): Record<string, unknown>[] {
  const value = body as { conflicts?: unknown } | null;
  if (!value || !Array.isArray(value.conflicts)) {
    throw new SyncError(
      'server',
      'malformed-response',
      'The server sent an answer the till cannot read.',
    );
  }
  return value.conflicts as Record<string, unknown>[];
}

/** A document as sent: storage bookkeeping stripped, `_deleted` kept. */
function wireState(doc: object): Record<string, unknown> {
  const state: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (key === '_meta' || key === '_rev' || key === '_attachments') continue;
    state[key] = value;
  }
  return state;
}

interface CatchUpWaiter {
  readonly after: number;
  readonly resolve: () => void;
}

export class SyncEngine {
  readonly #states = new Map<CollectionName, RxReplicationState<unknown, unknown>>();
  readonly #streams = new Map<
    CollectionName,
    Subject<RxReplicationPullStreamItem<unknown, unknown>>
  >();
  readonly #subscriptions: Subscription[] = [];
  readonly #stream: EventStream;
  /** Orders pull starts and account arrivals (a counter: clocks can tie). */
  #tick = 0;
  #txCaughtUpAt = -1;
  #catchUpWaiters: CatchUpWaiter[] = [];
  #stopped = false;

  constructor(private readonly options: SyncEngineOptions) {
    this.#stream = new EventStream(options.transport, options.backoff, {
      onOpen: () => options.hooks.onStreamOpen(),
      onEvent: (event) => this.#onStreamEvent(event),
      onClose: (error) => options.hooks.onStreamClosed(error),
    });
  }

  async start(): Promise<void> {
    for (const name of COLLECTION_NAMES) this.#startCollection(name);
    this.#stream.start();
    await Promise.all([...this.#states.values()].map((state) => state.startPromise));
  }

  /** Pull everything again from the checkpoints and end any back-off wait. */
  syncNow(): void {
    this.options.backoff.wake();
    for (const subject of this.#streams.values()) subject.next('RESYNC');
  }

  /** Resolves when every collection is in sync (nothing to push, nothing running). */
  async awaitInSync(): Promise<void> {
    await Promise.all([...this.#states.values()].map((state) => state.awaitInSync()));
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const waiter of this.#catchUpWaiters) waiter.resolve();
    this.#catchUpWaiters = [];
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
    this.options.backoff.dispose();
    await this.#stream.stop();
    await Promise.all([...this.#states.values()].map((state) => state.cancel()));
    for (const subject of this.#streams.values()) subject.complete();
  }

  #onStreamEvent(event: StreamEvent): void {
    if (event.type === 'resync') {
      for (const subject of this.#streams.values()) subject.next('RESYNC');
      return;
    }
    this.#streams.get(event.collection)?.next('RESYNC');
  }

  #startCollection(name: CollectionName): void {
    const { db, transport, backoff, hooks } = this.options;
    const pullBatchSize = Math.min(this.options.pullBatchSize ?? MAX_PULL_LIMIT, MAX_PULL_LIMIT);
    const stream$ = new Subject<RxReplicationPullStreamItem<unknown, unknown>>();
    this.#streams.set(name, stream$);
    const canPush = COLLECTION_OWNERSHIP[name].terminalWrites !== 'none';

    const guarded = async <T>(request: () => Promise<T>): Promise<T> => {
      await backoff.ready();
      if (this.#stopped) throw new SyncError('network', 'stopped', 'Sync stopped.');
      try {
        const result = await request();
        backoff.succeed();
        hooks.onSynced();
        return result;
      } catch (error) {
        if (!this.#stopped) {
          backoff.fail();
          hooks.onError(error);
        }
        throw error;
      }
    };

    const state = replicateRxCollection<unknown, unknown>({
      replicationIdentifier: `tillpoint-${name}-${this.options.identity}`,
      collection: db.collections[name] as never,
      live: true,
      // Waiting is the shared back-off's job; RxDB only pauses briefly between attempts.
      retryTime: 100,
      waitForLeadership: false,
      autoStart: true,
      pull: {
        batchSize: pullBatchSize,
        stream$: stream$.asObservable(),
        handler: async (checkpoint, batchSize) => {
          const startedAt = ++this.#tick;
          const body = await guarded(async () =>
            parsePullResponse(
              await transport.postJson(`/sync/v1/${name}/pull`, {
                checkpoint: checkpoint ?? null,
                limit: batchSize,
              }),
            ),
          );
          if (name === 'transactions') {
            hooks.onAcks(body.documents as unknown as TransactionDoc[]);
            if (body.documents.length < batchSize) this.#transactionsCaughtUp(startedAt);
          }
          if (name === 'accounts' && body.documents.length > 0) {
            await this.#awaitTransactionsSince(++this.#tick);
          }
          return {
            documents: body.documents as WithDeleted<unknown>[],
            checkpoint: body.checkpoint ?? checkpoint,
          };
        },
      },
      push: canPush
        ? {
            batchSize: this.options.pushBatchSize ?? 100,
            handler: async (rows) => {
              const conflicts = await guarded(async () =>
                parsePushResponse(
                  await transport.postJson(`/sync/v1/${name}/push`, {
                    rows: rows.map((row) => ({
                      ...(row.assumedMasterState
                        ? { assumedMasterState: wireState(row.assumedMasterState) }
                        : {}),
                      newDocumentState: wireState(row.newDocumentState),
                    })),
                  }),
                ),
              );
              if (name === 'transactions') hooks.onAcks(conflicts as unknown as TransactionDoc[]);
              return conflicts as WithDeleted<unknown>[];
            },
          }
        : undefined,
    });
    this.#subscriptions.push(
      state.error$.subscribe((error) => {
        // Failed pulls and pushes were reported by the handlers; these are RxDB's own.
        const code = (error as { code?: string }).code;
        if (!this.#stopped && code !== 'RC_PULL' && code !== 'RC_PUSH') hooks.onError(error);
      }),
    );
    this.#states.set(name, state);
  }

  #transactionsCaughtUp(startedAt: number): void {
    if (startedAt > this.#txCaughtUpAt) this.#txCaughtUpAt = startedAt;
    const ready = this.#catchUpWaiters.filter((waiter) => waiter.after < this.#txCaughtUpAt);
    this.#catchUpWaiters = this.#catchUpWaiters.filter(
      (waiter) => waiter.after >= this.#txCaughtUpAt,
    );
    for (const waiter of ready) waiter.resolve();
  }

  /**
   * Resolves once a transaction pull that started after `after` has caught up. Rejects
   * after the timeout, so the account pull is retried (the accounts it fetched are dropped).
   */
  #awaitTransactionsSince(after: number): Promise<void> {
    if (this.#txCaughtUpAt > after) return Promise.resolve();
    const timeoutMs = this.options.accountGateTimeoutMs ?? 30_000;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#catchUpWaiters = this.#catchUpWaiters.filter((waiter) => waiter.resolve !== done);
        reject(new SyncError('network', 'accounts-waiting', 'Waiting for the ledger to sync.'));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#catchUpWaiters.push({ after, resolve: done });
      this.#streams.get('transactions')?.next('RESYNC');
    });
  }
}
