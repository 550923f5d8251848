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
 * - Collections the terminal never writes (accounts) skip RxDB's replication: a lean pull
 *   (lean-pull.ts) stores the server's pages as they are, with the same checkpoints, stream
 *   events and back-off.
 * - A fresh terminal loads the members in bulk first (first-load.ts: stored once, marked as the
 *   master's state), then RxDB's replication of members starts from where the load ended.
 * - Sync work waits for the till to be quiet: local writes are pushed, and the stream's change
 *   events pulled, once no local write happened for a moment (at most a second later). A till's
 *   own commit never queues behind a push or a pull it caused, and a burst of checkouts is one
 *   push and one pull per collection. Reconnections and `syncNow` do not wait.
 */
import { Subject, filter, firstValueFrom } from 'rxjs';
import type { Subscription } from 'rxjs';
import { replicateRxCollection } from 'rxdb/plugins/replication';
import { deepEqual } from 'rxdb/plugins/utils';
import type { RxReplicationState } from 'rxdb/plugins/replication';
import type { RxCollection, RxReplicationPullStreamItem, WithDeleted } from 'rxdb';
import {
  COLLECTION_NAMES,
  COLLECTION_OWNERSHIP,
  MAX_PULL_LIMIT,
  SERVER_ONLY_COLLECTIONS,
} from '@tillpoint/protocol';
import type { CollectionName, StreamEvent, TransactionDoc } from '@tillpoint/protocol';
import type { TerminalDatabase } from './database.js';
import { EventStream } from './event-stream.js';
import { firstLoad, rememberLoadedMaster, replicationOriginHash } from './first-load.js';
import type { FirstLoadCheckpoints } from './first-load.js';
import { LeanPull } from './lean-pull.js';
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
  /**
   * The server refused one of this till's transactions for a reason of its own (its answer
   * names the row): a till bug, or a till and a server that disagree. Resolves once the
   * transaction is kept as held; its push is then answered to RxDB as done, so the till's other
   * sales are not held back behind it for ever. The terminal pushes held ones again itself.
   */
  onHeld?(transaction: Record<string, unknown>, error: SyncError): Promise<void>;
  /**
   * The server refused a push of this collection as a whole (a member, coupon or other document
   * it does not take, or a request of sales it refuses without naming a sale): nothing more of
   * that collection reaches it from this till until that changes, since RxDB pushes the same
   * documents again. Called with the refusal at each refused push, and with undefined at the
   * first push of the collection the server takes after one it refused.
   */
  onPushRefused?(collection: CollectionName, error: SyncError | undefined): void;
  /**
   * A fresh till's first load of the chain: its progress while it runs (members stored, then
   * their accounts), undefined once it is complete. Not called on a till that has it.
   */
  onFirstLoad?(progress: FirstLoadProgress | undefined): void;
}

/** How far a fresh till's first load of the chain is (see `SyncHooks.onFirstLoad`). */
export interface FirstLoadProgress {
  /** Members stored so far. */
  readonly members: number;
  /** Every member the server had is stored: a lookup that finds no one is a new customer. */
  readonly membersDone: boolean;
  /** Every member's account (balance, tier) is stored. */
  readonly accountsDone: boolean;
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
  /**
   * Pushes and live pulls wait until no local write happened for this long (ms, default 100),
   * or at most `quietMaxMs` (default 1000). 0: no waiting.
   */
  readonly quietMs?: number;
  readonly quietMaxMs?: number;
}

/** Context prefixes of writes that are sync's own, not the till's (they do not break quiet). */
const SYNC_WRITE_CONTEXTS = ['replication-', 'tillpoint-lean-pull-', 'tillpoint-first-load-'];

/** Terminal-writable collections a fresh terminal loads in bulk before replicating (first-load.ts). */
const FIRST_LOAD_COLLECTIONS: readonly CollectionName[] = ['members'];

/**
 * Tells when the till has been quiet: no local write for `quietMs`, or `maxMs` after the
 * waiting started. `flush()` ends every wait at once.
 */
export class QuietGate {
  #lastWriteAt = 0;
  #waiters = new Set<() => void>();

  constructor(
    private readonly quietMs: number,
    private readonly maxMs: number,
  ) {}

  noteWrite(): void {
    this.#lastWriteAt = Date.now();
  }

  whenQuiet(): Promise<void> {
    if (this.quietMs <= 0) return Promise.resolve();
    const started = Date.now();
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        if (timer !== undefined) clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const check = () => {
        const now = Date.now();
        const quietAt = this.#lastWriteAt + this.quietMs;
        const latest = started + this.maxMs;
        if (now >= quietAt || now >= latest) {
          done();
          return;
        }
        timer = setTimeout(check, Math.min(quietAt, latest) - now);
      };
      this.#waiters.add(done);
      check();
    });
  }

  flush(): void {
    for (const done of [...this.#waiters]) done();
  }
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

/**
 * The most a push request carries (JSON bytes, about): well under the server's body limit
 * (`MAX_BODY_BYTES`, 5 MiB by default), which a hundred receipts of many lines can pass.
 */
export const MAX_PUSH_REQUEST_BYTES = 1_000_000;

/** A push row as sent. */
export interface WireRow {
  readonly assumedMasterState?: Record<string, unknown>;
  readonly newDocumentState: Record<string, unknown>;
}

/**
 * Called for a row the server refused for itself, before the push goes on without it: the row
 * is then answered to RxDB as pushed, so it must be kept somewhere first (see `SyncHooks.onHeld`).
 */
export type SetAside = (row: WireRow, error: SyncError) => Promise<void>;

/**
 * The row of `part` that the server refused for itself: the one its answer names
 * (`details.row`), or a lone row too large for it. Anything else (the whole request refused,
 * the network, the server's trouble) is no row's fault.
 */
function refusedRow(error: unknown, part: readonly WireRow[]): number | undefined {
  if (!(error instanceof SyncError) || error.kind !== 'refused') return undefined;
  if (error.row !== undefined) return error.row < part.length ? error.row : undefined;
  return part.length === 1 && error.status === 413 ? 0 : undefined;
}

/**
 * Sends a batch of push rows in requests of at most MAX_PUSH_REQUEST_BYTES, one after the
 * other, and halves a request the server still finds too large (413); the conflicts of all.
 * Each request commits on its own: when a later one fails the batch is pushed again, and the
 * rows already taken are answered as the replays they then are. With `setAside`, a row the
 * server refuses for itself is handed to it and the others are pushed without it.
 */
async function pushInParts(
  transport: Transport,
  name: CollectionName,
  rows: readonly WireRow[],
  setAside?: SetAside,
): Promise<Record<string, unknown>[]> {
  const send = async (part: readonly WireRow[]): Promise<Record<string, unknown>[]> => {
    try {
      return parsePushResponse(await transport.postJson(`/sync/v1/${name}/push`, { rows: part }));
    } catch (error) {
      if (part.length > 1 && error instanceof SyncError && error.status === 413) {
        const half = Math.ceil(part.length / 2);
        return [...(await send(part.slice(0, half))), ...(await send(part.slice(half)))];
      }
      const refused = setAside ? refusedRow(error, part) : undefined;
      if (setAside === undefined || refused === undefined) throw error;
      await setAside(part[refused] as WireRow, error as SyncError);
      const rest = part.filter((_, index) => index !== refused);
      return rest.length > 0 ? send(rest) : [];
    }
  };
  const conflicts: Record<string, unknown>[] = [];
  let part: WireRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = JSON.stringify(row).length;
    if (part.length > 0 && bytes + size > MAX_PUSH_REQUEST_BYTES) {
      conflicts.push(...(await send(part)));
      part = [];
      bytes = 0;
    }
    part.push(row);
    bytes += size;
  }
  if (part.length > 0) conflicts.push(...(await send(part)));
  return conflicts;
}

/**
 * Pushes stored transactions again, outside RxDB's replication (held ones, see
 * `SyncHooks.onHeld`): the server records a new one, answers a known one as the replay it is,
 * and a row it refuses again is handed to `setAside`. Resolves with the server's answer: the
 * transactions as recorded.
 */
export async function pushTransactionsAgain(
  transport: Transport,
  transactions: readonly object[],
  setAside: SetAside,
): Promise<Record<string, unknown>[]> {
  const rows = transactions.map((doc) => ({
    newDocumentState: { ...wireState(doc), _deleted: false },
  }));
  return pushInParts(transport, 'transactions', rows, setAside);
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

/** A document new to the server, sent as the store held it instead of as RxDB read it. */
interface Replacement {
  readonly read: Record<string, unknown>;
  readonly sent: Record<string, unknown>;
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
  readonly #lean = new Map<CollectionName, LeanPull>();
  /** First loads running (or retrying); the collection's replication starts when one ends. */
  readonly #loading = new Map<CollectionName, Promise<void>>();
  readonly #forgetHooks: (() => void)[] = [];
  /** A first load's page being written. */
  #loadWriting: Promise<void> | undefined;
  readonly #subscriptions: Subscription[] = [];
  readonly #stream: EventStream;
  /** Collections with a pull requested by the stream and not started yet (coalescing). */
  readonly #livePending = new Set<CollectionName>();
  /** Collections whose last push the server refused (see `SyncHooks.onPushRefused`). */
  readonly #refusedPushes = new Set<CollectionName>();
  /** Documents sent otherwise than RxDB read them, by collection and id (`#afterRefusal`). */
  readonly #sentInstead = new Map<CollectionName, Map<string, Replacement>>();
  #liveWaiting = false;
  readonly #quiet: QuietGate;
  /** Orders pull starts and account arrivals (a counter: clocks can tie). */
  #tick = 0;
  #txCaughtUpAt = -1;
  #catchUpWaiters: CatchUpWaiter[] = [];
  #stopped = false;
  /** The members' first load, once it has begun (first-load.ts). */
  #membersLoad: { loaded: number; done: boolean } | undefined;
  /** The accounts' lean pull is filling (its first pass over everything). */
  #accountsFilling = false;
  #firstLoadReported: FirstLoadProgress | undefined;

  constructor(private readonly options: SyncEngineOptions) {
    this.#quiet = new QuietGate(options.quietMs ?? 100, options.quietMaxMs ?? 1_000);
    this.#stream = new EventStream(options.transport, options.backoff, {
      onOpen: () => options.hooks.onStreamOpen(),
      onEvent: (event) => this.#onStreamEvent(event),
      onClose: (error) => options.hooks.onStreamClosed(error),
    });
  }

  async start(): Promise<void> {
    for (const name of COLLECTION_NAMES) {
      if (SERVER_ONLY_COLLECTIONS.includes(name)) this.#startLean(name);
      else if (FIRST_LOAD_COLLECTIONS.includes(name)) this.#startWithFirstLoad(name);
      else this.#startCollection(name);
    }
    // The till's own writes (not those of sync) keep sync work waiting (see the header).
    this.#subscriptions.push(
      this.options.db.eventBulks$.subscribe((bulk) => {
        if (bulk.isLocal) return;
        if (SYNC_WRITE_CONTEXTS.some((prefix) => bulk.context.startsWith(prefix))) return;
        this.#quiet.noteWrite();
      }),
    );
    this.#stream.start();
    for (const lean of this.#lean.values()) lean.start();
    await Promise.all([...this.#states.values()].map((state) => state.startPromise));
  }

  /** Pull everything again from the checkpoints and end any back-off wait. */
  syncNow(): void {
    this.options.backoff.wake();
    this.#quiet.flush();
    for (const name of COLLECTION_NAMES) this.#resync(name);
  }

  /** Resolves when every collection is in sync (nothing to push, nothing running). */
  async awaitInSync(): Promise<void> {
    await Promise.all(this.#loading.values());
    await Promise.all([
      ...[...this.#states.values()].map((state) => state.awaitInSync()),
      ...[...this.#lean.values()].map((lean) => lean.awaitInSync()),
    ]);
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#livePending.clear();
    this.#quiet.flush();
    for (const waiter of this.#catchUpWaiters) waiter.resolve();
    this.#catchUpWaiters = [];
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
    this.options.backoff.dispose();
    await this.#stream.stop();
    for (const forget of this.#forgetHooks) forget();
    await this.#loadWriting?.catch(() => undefined);
    // RxDB's downstream holds a stream event until the upstream is idle; cancelling while a push
    // is still running completes that wait with an unhandled EmptyError. Let running pushes
    // finish first — bounded, so a push retrying against an unreachable server is cut off.
    await Promise.all([...this.#states.values()].map((state) => untilIdle(state, 2_000)));
    await Promise.all([
      ...[...this.#states.values()].map((state) => state.cancel()),
      ...[...this.#lean.values()].map((lean) => lean.stop()),
    ]);
    for (const subject of this.#streams.values()) subject.complete();
  }

  /** Pull a collection from its checkpoint now. */
  #resync(name: CollectionName): void {
    if (this.#stopped) return;
    const lean = this.#lean.get(name);
    if (lean) lean.request();
    else this.#streams.get(name)?.next('RESYNC');
  }

  #onStreamEvent(event: StreamEvent): void {
    if (event.type === 'resync') {
      // A (re)connection: everything at once, nothing coalesced away.
      for (const name of COLLECTION_NAMES) this.#resync(name);
      return;
    }
    // A server commit announces each collection it changed; the events of a burst of commits
    // (a till's pushes, another till's) become one pull per collection, once the till is quiet.
    this.#livePending.add(event.collection);
    if (this.#liveWaiting) return;
    this.#liveWaiting = true;
    void this.#quiet.whenQuiet().then(() => {
      this.#liveWaiting = false;
      const names = [...this.#livePending];
      this.#livePending.clear();
      for (const name of names) this.#resync(name);
    });
  }

  #guarded<T>(request: () => Promise<T>): Promise<T> {
    const { backoff, hooks } = this.options;
    return (async () => {
      await backoff.ready();
      if (this.#stopped) throw new SyncError('network', 'stopped', 'Sync stopped.');
      try {
        const result = await request();
        backoff.succeed();
        hooks.onSynced();
        return result;
      } catch (error) {
        if (!this.#stopped) {
          backoff.fail(error);
          hooks.onError(error);
        }
        throw error;
      }
    })();
  }

  /** Tells the hook how far the first load is, when that changed. */
  #reportFirstLoad(): void {
    if (this.#stopped) return;
    const members = this.#membersLoad;
    const loading = (members !== undefined && !members.done) || this.#accountsFilling;
    const progress: FirstLoadProgress | undefined = loading
      ? {
          members: members?.loaded ?? 0,
          membersDone: members === undefined || members.done,
          accountsDone: !this.#accountsFilling,
        }
      : undefined;
    const last = this.#firstLoadReported;
    if (
      progress === last ||
      (progress &&
        last &&
        progress.members === last.members &&
        progress.membersDone === last.membersDone &&
        progress.accountsDone === last.accountsDone)
    ) {
      return;
    }
    this.#firstLoadReported = progress;
    this.options.hooks.onFirstLoad?.(progress);
  }

  #startLean(name: CollectionName): void {
    const { db, transport, backoff } = this.options;
    const batchSize = Math.min(this.options.pullBatchSize ?? MAX_PULL_LIMIT, MAX_PULL_LIMIT);
    const lean = new LeanPull({
      db,
      name,
      identity: this.options.identity,
      batchSize,
      fetchPage: (checkpoint, limit) =>
        this.#guarded(async () =>
          parsePullResponse(
            await transport.postJson(`/sync/v1/${name}/pull`, { checkpoint, limit }),
          ),
        ),
      // See the header: accounts wait for a transaction pull started after they arrived.
      ...(name === 'accounts'
        ? { beforeWrite: () => this.#awaitTransactionsSince(++this.#tick) }
        : {}),
      retryDelay: async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        await backoff.ready();
      },
      onError: (error) => {
        // Failed requests were reported by #guarded; the rest (storage, the gate) here.
        if (!this.#stopped && !(error instanceof SyncError)) this.options.hooks.onError(error);
      },
      ...(name === 'accounts'
        ? {
            onFill: (filling: boolean) => {
              this.#accountsFilling = filling;
              this.#reportFirstLoad();
            },
          }
        : {}),
    });
    this.#lean.set(name, lean);
  }

  #replicationIdentifier(name: CollectionName): string {
    return `tillpoint-${name}-${this.options.identity}`;
  }

  /**
   * Loads the collection in bulk when this terminal has not got it (first-load.ts), retrying
   * after the shared back-off, then starts its replication from where the load ended.
   */
  #startWithFirstLoad(name: CollectionName): void {
    const { db, transport, backoff } = this.options;
    const batchSize = Math.min(this.options.pullBatchSize ?? MAX_PULL_LIMIT, MAX_PULL_LIMIT);
    const loading = (async () => {
      for (;;) {
        if (this.#stopped) return;
        try {
          const checkpoints = await firstLoad({
            db,
            name,
            identity: this.options.identity,
            replicationIdentifier: this.#replicationIdentifier(name),
            batchSize,
            isStopped: () => this.#stopped,
            track: (writing) => {
              this.#loadWriting = writing;
              void writing.catch(() => undefined);
            },
            fetchPage: (checkpoint, limit) =>
              this.#guarded(async () =>
                parsePullResponse(
                  await transport.postJson(`/sync/v1/${name}/pull`, { checkpoint, limit }),
                ),
              ),
            ...(name === 'members'
              ? {
                  onProgress: (loaded: number) => {
                    this.#membersLoad = { loaded, done: false };
                    this.#reportFirstLoad();
                  },
                }
              : {}),
          });
          if (this.#stopped) return;
          if (name === 'members' && this.#membersLoad) {
            this.#membersLoad = { ...this.#membersLoad, done: true };
            this.#reportFirstLoad();
          }
          const hash = await replicationOriginHash(db, this.#replicationIdentifier(name));
          if (this.#stopped) return;
          const state = this.#startCollection(name, checkpoints);
          this.#forgetHooks.push(
            rememberLoadedMaster(
              db.collections[name] as never,
              () => state.internalReplicationState as never,
              hash,
            ),
          );
          await state.startPromise;
          return;
        } catch (error) {
          if (this.#stopped) return;
          // Failed requests were reported by #guarded; storage errors here.
          if (!(error instanceof SyncError)) this.options.hooks.onError(error);
          await new Promise((resolve) => setTimeout(resolve, 100));
          await backoff.ready();
        }
      }
    })();
    this.#loading.set(
      name,
      loading.finally(() => this.#loading.delete(name)),
    );
  }

  #startCollection(
    name: CollectionName,
    initial?: FirstLoadCheckpoints,
  ): RxReplicationState<unknown, unknown> {
    const { db, transport, hooks } = this.options;
    const pullBatchSize = Math.min(this.options.pullBatchSize ?? MAX_PULL_LIMIT, MAX_PULL_LIMIT);
    const stream$ = new Subject<RxReplicationPullStreamItem<unknown, unknown>>();
    this.#streams.set(name, stream$);
    const canPush = COLLECTION_OWNERSHIP[name].terminalWrites !== 'none';
    const guarded = <T>(request: () => Promise<T>) => this.#guarded(request);

    const state = replicateRxCollection<unknown, unknown>({
      replicationIdentifier: this.#replicationIdentifier(name),
      collection: db.collections[name] as never,
      live: true,
      // Waiting is the shared back-off's job; RxDB only pauses briefly between attempts.
      retryTime: 100,
      waitForLeadership: false,
      autoStart: true,
      pull: {
        batchSize: pullBatchSize,
        ...(initial ? { initialCheckpoint: initial.downstream } : {}),
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
          return {
            documents: body.documents as WithDeleted<unknown>[],
            checkpoint: body.checkpoint ?? checkpoint,
          };
        },
      },
      push: canPush
        ? {
            batchSize: this.options.pushBatchSize ?? 100,
            ...(initial?.upstream !== undefined ? { initialCheckpoint: initial.upstream } : {}),
            // The writes of a burst (a checkout and its referral claim, a rush at the till) go
            // in one push, once the till is quiet (see the header).
            waitBeforePersist: () => this.#quiet.whenQuiet(),
            handler: async (given) => {
              const { rows, answered, toRemember } = await this.#afterRefusal(name, given);
              if (rows.length === 0) return answered;
              const instead = this.#sentInstead.get(name);
              const usedIds: string[] = [];
              const wire = rows.map((row) => {
                let assumed = row.assumedMasterState
                  ? wireState(row.assumedMasterState)
                  : undefined;
                const replacement = assumed && instead?.get(this.#idOf(name, assumed));
                if (assumed && replacement && deepEqual(assumed, replacement.read)) {
                  usedIds.push(this.#idOf(name, assumed));
                  assumed = replacement.sent;
                }
                return {
                  ...(assumed ? { assumedMasterState: assumed } : {}),
                  newDocumentState: wireState(row.newDocumentState),
                };
              });
              // A sale the server refuses for itself must not hold back the till's others: it
              // is kept aside (and pushed again from there), the rest go on.
              const onHeld = name === 'transactions' ? hooks.onHeld : undefined;
              let conflicts: Record<string, unknown>[];
              try {
                conflicts = await guarded(() =>
                  pushInParts(
                    transport,
                    name,
                    wire,
                    onHeld && ((row, error) => onHeld(row.newDocumentState, error)),
                  ),
                );
              } catch (error) {
                if (!this.#stopped && error instanceof SyncError && error.kind === 'refused') {
                  this.#refusedPushes.add(name);
                  hooks.onPushRefused?.(name, error);
                }
                throw error;
              }
              if (this.#refusedPushes.delete(name)) hooks.onPushRefused?.(name, undefined);
              for (const id of usedIds) instead?.delete(id);
              if (toRemember.size > 0) this.#remember(name, toRemember, conflicts);
              if (name === 'transactions') hooks.onAcks(conflicts as unknown as TransactionDoc[]);
              return [...(conflicts as WithDeleted<unknown>[]), ...answered];
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
    return state;
  }

  #idOf(name: CollectionName, doc: unknown): string {
    const collection = this.options.db.collections[name] as unknown as RxCollection;
    return (doc as Record<string, unknown>)[collection.schema.primaryPath as string] as string;
  }

  /**
   * Keeps what was sent instead (`#afterRefusal`), except for a row answered with a conflict:
   * RxDB then notes the conflict's master, not the version it read, so nothing is to replace.
   */
  #remember(
    name: CollectionName,
    toRemember: ReadonlyMap<string, Replacement>,
    conflicts: readonly unknown[],
  ): void {
    const conflicting = new Set(conflicts.map((doc) => this.#idOf(name, doc)));
    const entries = this.#sentInstead.get(name) ?? new Map<string, Replacement>();
    for (const [id, replacement] of toRemember) {
      if (!conflicting.has(id)) entries.set(id, replacement);
    }
    if (entries.size > 0) this.#sentInstead.set(name, entries);
  }

  /**
   * RxDB pushes the rows it read once until the server takes them: a document the server
   * refused and the till changed since (a manager's correction) would go as it was, and be
   * refused, for ever. After a refusal each row is compared with the till's store (not for
   * sales, which are held instead).
   *
   * A changed row with an assumed master state is not sent: it is answered with that state as
   * the master's. The server took none of the row, or, when a push was split after a 413, the
   * part it took comes back as a conflict on the next push, as it would have anyway. RxDB
   * writes its resolution over the version it read, which the store no longer holds, so that
   * write fails and is dropped, nothing is noted as the master's, and the change is pushed once
   * this batch is through, as the store holds it. Every write to the store gives the document a
   * new revision, which is what makes RxDB's write fail; `deepEqual` compares the stored fields
   * exactly, so only a written document is answered so (a looser check could answer an
   * unchanged one, whose revision RxDB's write would match, putting the master state over it).
   *
   * A changed document without an assumed state (new to the server, as a rule) has nothing to
   * answer with: it is sent as the store holds it. RxDB notes the version it read as the
   * master's, the refused one, and would send it as the assumed state of the document's next
   * push, to be refused again (too large, or invalid); the version sent goes instead
   * (`#sentInstead`).
   */
  async #afterRefusal<R extends { assumedMasterState?: unknown; newDocumentState: unknown }>(
    name: CollectionName,
    given: R[],
  ): Promise<{
    rows: R[];
    answered: WithDeleted<unknown>[];
    toRemember: Map<string, Replacement>;
  }> {
    const toRemember = new Map<string, Replacement>();
    if (!this.#refusedPushes.has(name) || name === 'transactions') {
      return { rows: given, answered: [], toRemember };
    }
    const collection = this.options.db.collections[name] as unknown as RxCollection;
    const stored = await collection.storageInstance.findDocumentsById(
      given.map((row) => this.#idOf(name, row.newDocumentState)),
      true,
    );
    const byId = new Map(stored.map((doc) => [this.#idOf(name, doc), wireState(doc)]));
    const rows: R[] = [];
    const answered: WithDeleted<unknown>[] = [];
    for (const row of given) {
      const id = this.#idOf(name, row.newDocumentState);
      const read = wireState(row.newDocumentState as object);
      const now = byId.get(id);
      if (now === undefined || deepEqual(now, read)) rows.push(row);
      else if (row.assumedMasterState) {
        answered.push(row.assumedMasterState as WithDeleted<unknown>);
      } else {
        rows.push({ ...row, newDocumentState: now });
        toRemember.set(id, { read, sent: now });
      }
    }
    return { rows, answered, toRemember };
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
      this.#resync('transactions');
    });
  }
}

/** Resolves when the replication is idle (no push or pull running), or after `maxMs`. */
async function untilIdle(
  state: RxReplicationState<unknown, unknown>,
  maxMs: number,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, maxMs);
  });
  const idle = firstValueFrom(state.active$.pipe(filter((active) => !active))).then(
    () => undefined,
    () => undefined,
  );
  await Promise.race([idle, timeout]);
  clearTimeout(timer);
}
