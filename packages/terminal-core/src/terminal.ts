/**
 * The headless terminal: a local RxDB store replicating with the sync server, and the
 * commands of the till. Storage, clock, ids, randomness and fetch are injected, so the same
 * code runs on Dexie in the renderer and on memory storage in Node.
 */
import { BehaviorSubject, Subject, auditTime, debounceTime, filter } from 'rxjs';
import type { Observable, Subscription } from 'rxjs';
import type { RxStorage } from 'rxdb';
import {
  DEFAULT_PROGRAM,
  MAX_ADJUSTMENT_POINTS,
  checkReferralClaim,
  checkRewardEligibility,
  generateReferralCode,
  normalizePhone,
  normalizeReferralCode,
  ok,
  parseProgramSettings,
  phoneQueryDigits,
  referralCodeRandomBytesNeeded,
  referralRewards,
  refuse,
} from '@tillpoint/loyalty';
import type { BonusEntry, ProgramSettings, Result, TierProgress } from '@tillpoint/loyalty';
import {
  CALENDAR_DATE_PATTERN,
  DEFAULT_PROGRAM_ID,
  EMAIL_PATTERN,
  EnrollResponseSchema,
  MEMBER_NAME_MAX_LENGTH,
  NO_CONSENTS,
  formatHlc,
  hlcTick,
  newMemberDoc,
  newTransactionDoc,
  findUnstorableText,
  parseHlc,
  stampFields,
  toSearchName,
} from '@tillpoint/protocol';
import type {
  AccountDoc,
  CollectionName,
  CouponDoc,
  Hlc,
  MemberConsents,
  MemberDoc,
  ReviewDoc,
  RewardDoc,
  StaffDoc,
  StaffRole,
  TransactionDoc,
  Writer,
} from '@tillpoint/protocol';
import type { LedgerAcks } from './balance.js';
import { planCheckout } from './checkout.js';
import type { CheckoutInput, CheckoutPlan } from './checkout.js';
import { openTerminalDatabase, readLocal, writeLocal } from './database.js';
import type { HeldTransaction } from './database.js';
import type {
  ConnectionSettings,
  LocalSettings,
  LockoutState,
  SyncMarks,
  TerminalDatabase,
} from './database.js';
import { createUuidV7Generator, cryptoRandom, systemClock } from './ids.js';
import type { Clock, IdGenerator, RandomSource } from './ids.js';
import { buildLedgerView } from './ledger-view.js';
import type { LedgerView } from './ledger-view.js';
import { couponFromDraft, memberHistory } from './member-views.js';
import type { CouponDraft, HistoryEntry, ReviewItem, RewardOption } from './member-views.js';
import { PendingTransactions } from './pending-transactions.js';
import { PIN_PATTERN, verifyPin } from './pin.js';
import type {
  CheckoutRefusalCode,
  CouponEditRefusalCode,
  LedgerCommandRefusalCode,
  LoginRefusalCode,
  MemberRefusalCode,
  ReviewRefusalCode,
  SessionRefusalCode,
} from './refusals.js';
import { unstorableTextMessage } from './refusals.js';
import { SyncEngine, pushTransactionsAgain } from './replication.js';
import type { FirstLoadProgress } from './replication.js';
import { Backoff, SyncError, Transport, plainError } from './transport.js';
import type { FetchLike } from './transport.js';

export interface TerminalDeps {
  /** RxDB storage: Dexie in the renderer, memory in Node. */
  readonly storage: RxStorage<unknown, unknown>;
  /** The RxDB database name; reopening the same name on the same storage resumes the terminal. */
  readonly databaseName: string;
  readonly fetch: FetchLike;
  readonly clock?: Clock;
  readonly random?: RandomSource;
  /** UUIDv7 generator; by default one over `clock` and `random`. */
  readonly newId?: IdGenerator;
  readonly sync?: {
    readonly retryBaseMs?: number;
    readonly retryMaxMs?: number;
    readonly pullBatchSize?: number;
    /** How often held transactions are pushed again (ms, default 5 minutes). */
    readonly heldRetryMs?: number;
  };
  readonly login?: {
    /** Failed PINs in a row before the PIN is locked. */
    readonly maxAttempts?: number;
    /** How long a lock lasts (ms); doubles with every further lock. */
    readonly lockoutMs?: number;
  };
}

export interface TerminalStatus {
  readonly enrolled: boolean;
  readonly storeId?: string;
  readonly terminalId?: string;
  /** The server answered recently and the live stream is open. */
  readonly online: boolean;
  /** Last successful pull or push (epoch ms): the server's answer, not yet its documents. */
  readonly lastSyncAt?: number;
  /**
   * Last time documents were stored on this till, pulled or written here (epoch ms; at most
   * every 100 ms). Views of stored data reload on this one: when it moves, what changed is
   * readable, which `lastSyncAt` (set when a response arrives) does not promise.
   */
  readonly storedAt?: number;
  /** Last answer of any kind from the server (epoch ms). */
  readonly lastContactAt?: number;
  /** This terminal's transactions the server has not acknowledged yet. */
  readonly pending: number;
  /** The latest sync problem in plain words; cleared by the next success. */
  readonly error?: { readonly code: string; readonly message: string };
  /**
   * Present while this till loads the chain's members and their accounts for the first time
   * (a new till, or one whose first load was cut short): until `membersDone`, a lookup that
   * finds no one may be a member not loaded yet.
   */
  readonly firstLoad?: FirstLoadProgress;
  /**
   * Present while sales of this till are held: the server refused them for a reason of its own
   * (not a rule of the program: those it records, refused, with a review). They stay on this
   * till, count as pending, and are pushed again every few minutes and on `syncNow`; the
   * till's other sales are not held back behind them. `message` is the latest refusal.
   */
  readonly held?: { readonly count: number; readonly message: string };
  /**
   * Kinds of change of this till the server refuses as a whole, oldest first: nothing more of
   * that kind reaches the server from this till until it takes them (a member the server does
   * not take holds back every later enrollment and edit of this till). They stay on the till
   * and are pushed again as any change; an entry goes once the server takes a push of its kind.
   */
  readonly notSent?: readonly NotSent[];
}

/** A kind of change the server refuses from this till (see `TerminalStatus.notSent`). */
export interface NotSent {
  readonly collection: CollectionName;
  /** The server's error code. */
  readonly code: string;
  /** The server's reason in plain words, for a manager or support. */
  readonly message: string;
  /** Since when (epoch ms): the first refusal of the current run of refusals. */
  readonly since: number;
}

/** A transaction of this till the server refused for a reason of its own (see `held`). */
export interface HeldSale {
  readonly id: string;
  readonly code: string;
  readonly message: string;
  readonly since: number;
}

/** What one push of the held sales did (`retryHeld`). */
export interface HeldRetry {
  /** Held sales the server took now, or had recorded already: no longer held. */
  readonly sent: number;
  /** Held sales it refused again, or no longer in the till's store: still held. */
  readonly stillHeld: number;
  /** Why none could be sent (offline, the server's trouble), when that was the case. */
  readonly unreachable?: string;
}

export interface StaffSession {
  readonly staffId: string;
  readonly name: string;
  readonly role: StaffRole;
  readonly since: number;
}

export interface MemberCard {
  readonly member: MemberDoc;
  readonly balance: number;
  readonly tierId: string;
  readonly tierName: string;
  readonly tierProgress: TierProgress;
  /** The server's account as last synced (undefined before the first sync of the member). */
  readonly account?: AccountDoc;
  /** The card shows the survivor when the number looked up belonged to a merged duplicate. */
  readonly mergedFrom?: string;
}

export interface EnrollMemberInput {
  readonly phone: string;
  readonly name: string;
  readonly email?: string;
  readonly birthday?: string;
  readonly consents?: Partial<MemberConsents>;
  readonly referralCode?: string;
}

export interface Receipt {
  readonly transactionId: string;
  readonly occurredAt: string;
  readonly member: { readonly id: string; readonly name: string; readonly phone: string };
  readonly orderTotal: number;
  readonly pointsEarned: number;
  readonly bonuses: readonly BonusEntry[];
  readonly pointsRedeemed: number;
  readonly couponDiscount: number;
  readonly pointsDiscount: number;
  /** All discounts together, minor units. */
  readonly discount: number;
  readonly amountPaid: number;
  readonly coupons: readonly string[];
  /** The provisional balance after this checkout. */
  readonly balance: number;
  readonly tierId: string;
  readonly tierName: string;
  readonly tierProgress: TierProgress;
  readonly offline: boolean;
}

export interface ProfilePatch {
  readonly name?: string;
  readonly email?: string | null;
  readonly birthday?: string | null;
  readonly anniversary?: string | null;
  readonly consents?: Partial<MemberConsents>;
  readonly preferences?: Partial<MemberDoc['preferences']>;
  readonly tags?: readonly string[];
  readonly status?: 'active' | 'inactive' | 'blocked';
}

const DAY_KEY_CACHE = new Map<string, Intl.DateTimeFormat>();

function dayKey(ms: number, timeZone: string): string {
  let format = DAY_KEY_CACHE.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    DAY_KEY_CACHE.set(timeZone, format);
  }
  return format.format(ms);
}

type Refused<C extends string> = {
  readonly ok: false;
  readonly refusal: { code: C; message: string };
};

export class Terminal {
  readonly #db: TerminalDatabase;
  readonly #deps: TerminalDeps;
  readonly #clock: Clock;
  readonly #random: RandomSource;
  readonly #newId: IdGenerator;
  readonly #status: BehaviorSubject<TerminalStatus>;
  readonly #subscriptions: Subscription[] = [];
  readonly #localWrites = new Subject<void>();
  #connection: ConnectionSettings | undefined;
  #marks: SyncMarks;
  #lockouts: Record<string, LockoutState>;
  #acks: Record<string, { seq: number; balanceDelta: number }>;
  #hlc: { ms: number; counter: number } | undefined;
  #engine: SyncEngine | undefined;
  #streamOpen = false;
  /** The server refused this till's token since the last success: not online, whatever answers. */
  #tokenRefused = false;
  #session: StaffSession | undefined;
  #writeQueue: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** Unsequenced transactions, tracked in memory (pending count, pending coupon uses). */
  #unsequenced: PendingTransactions | undefined;
  /** A sync-marks write is scheduled (marks change on every request; stored at most 1/s). */
  #marksTimer: ReturnType<typeof setTimeout> | undefined;
  /** Own transactions the server refused for reasons of its own, by id (see `status.held`). */
  #held: Record<string, HeldTransaction>;
  #heldTimer: ReturnType<typeof setInterval> | undefined;
  #heldRetry: Promise<HeldRetry> | undefined;
  #transport: Transport | undefined;

  private constructor(
    db: TerminalDatabase,
    deps: TerminalDeps,
    local: {
      connection?: ConnectionSettings;
      marks?: SyncMarks;
      lockouts?: Record<string, LockoutState>;
      acks?: LocalSettings['acks'];
      hlc?: LocalSettings['hlc'];
      held?: LocalSettings['held'];
    },
  ) {
    this.#db = db;
    this.#deps = deps;
    this.#clock = deps.clock ?? systemClock;
    this.#random = deps.random ?? cryptoRandom;
    this.#newId = deps.newId ?? createUuidV7Generator(this.#clock, this.#random);
    this.#connection = local.connection;
    this.#marks = local.marks ?? {};
    this.#lockouts = local.lockouts ?? {};
    this.#acks = local.acks ?? {};
    this.#hlc = local.hlc;
    this.#held = local.held ?? {};
    this.#status = new BehaviorSubject<TerminalStatus>(
      this.#statusWith({ pending: 0, held: heldSummary(this.#held) }),
    );
  }

  static async open(deps: TerminalDeps): Promise<Terminal> {
    const db = await openTerminalDatabase(deps.storage, deps.databaseName);
    try {
      const local = {
        connection: await readLocal(db, 'connection'),
        marks: await readLocal(db, 'sync-marks'),
        lockouts: await readLocal(db, 'lockouts'),
        acks: await readLocal(db, 'acks'),
        hlc: await readLocal(db, 'hlc'),
        held: await readLocal(db, 'held'),
      };
      const terminal = new Terminal(db, deps, local);
      await terminal.#init();
      return terminal;
    } catch (error) {
      await db.close();
      throw error;
    }
  }

  async #init(): Promise<void> {
    this.#unsequenced = await PendingTransactions.open(this.#db.transactions);
    this.#subscriptions.push(
      this.#db.transactions.$.pipe(debounceTime(5)).subscribe(() => void this.#refreshPending()),
      this.#localWrites.subscribe(() => void this.#refreshPending()),
      // Collections' change events come after the write: a view reloading now sees the data.
      this.#db.eventBulks$
        .pipe(
          filter((bulk) => !bulk.isLocal && bulk.collectionName !== undefined),
          auditTime(100),
        )
        .subscribe(() => this.#emit({ storedAt: this.#clock.now() })),
    );
    await this.#refreshPending();
    if (this.#connection) await this.#startSync(this.#connection);
  }

  /** The RxDB database, for views that query it directly (read-only use). */
  get database(): TerminalDatabase {
    return this.#db;
  }

  get status$(): Observable<TerminalStatus> {
    return this.#status.asObservable();
  }

  get status(): TerminalStatus {
    return this.#status.value;
  }

  /**
   * The server refuses this till's token (revoked, or unknown to it): it keeps working offline
   * and can be enrolled again (`enrollTerminal` with a code made for this terminal).
   */
  get needsEnrollmentAgain(): boolean {
    const code = this.#status.value.error?.code;
    return this.#connection !== undefined && (code === 'token-revoked' || code === 'unauthorized');
  }

  /** The server this till is enrolled on. */
  get serverUrl(): string | undefined {
    return this.#connection?.serverUrl;
  }

  /** This till's terminal id on the server (what an operator names it by). */
  get terminalId(): string | undefined {
    return this.#connection?.terminalId;
  }

  get session(): StaffSession | undefined {
    return this.#session;
  }

  // -------------------------------------------------------------------------------------------
  // Sync

  #statusWith(patch: Partial<TerminalStatus>): TerminalStatus {
    const previous = this.#status?.value;
    const connection = this.#connection;
    const next: TerminalStatus = {
      enrolled: connection !== undefined,
      ...(connection ? { storeId: connection.storeId, terminalId: connection.terminalId } : {}),
      online: previous?.online ?? false,
      ...(this.#marks.lastSyncAt !== undefined ? { lastSyncAt: this.#marks.lastSyncAt } : {}),
      ...(this.#marks.lastContactAt !== undefined
        ? { lastContactAt: this.#marks.lastContactAt }
        : {}),
      pending: previous?.pending ?? 0,
      ...(previous?.storedAt !== undefined ? { storedAt: previous.storedAt } : {}),
      ...(previous?.error ? { error: previous.error } : {}),
      ...(previous?.firstLoad ? { firstLoad: previous.firstLoad } : {}),
      ...(previous?.held ? { held: previous.held } : {}),
      ...(previous?.notSent ? { notSent: previous.notSent } : {}),
      ...patch,
    };
    // A key patched to undefined is cleared (the error after a success, the first load's end).
    const cleared = Object.entries(patch).filter(([, value]) => value === undefined);
    if (cleared.length === 0) return next;
    const rest: Record<string, unknown> = { ...next };
    for (const [key] of cleared) delete rest[key];
    return rest as unknown as TerminalStatus;
  }

  #emit(patch: Partial<TerminalStatus>): void {
    if (this.#closed) return;
    this.#status.next(this.#statusWith(patch));
  }

  #persistMarks(): void {
    // Coalesced: every pull and push moves the marks; a local write each time competed with
    // the till's own writes. At most a second of marks is lost in a crash.
    if (this.#marksTimer !== undefined || this.#closed) return;
    this.#marksTimer = setTimeout(() => this.#flushMarks(), 1_000);
  }

  #flushMarks(): void {
    if (this.#marksTimer === undefined) return;
    clearTimeout(this.#marksTimer);
    this.#marksTimer = undefined;
    void this.#serialized(() => writeLocal(this.#db, 'sync-marks', this.#marks));
  }

  #serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#writeQueue.then(work, work);
    this.#writeQueue = next.catch(() => undefined);
    return next;
  }

  async #startSync(connection: ConnectionSettings): Promise<void> {
    const backoff = new Backoff({
      baseMs: this.#deps.sync?.retryBaseMs ?? 1_000,
      maxMs: this.#deps.sync?.retryMaxMs ?? 30_000,
    });
    const transport = new Transport({
      fetch: this.#deps.fetch,
      serverUrl: connection.serverUrl,
      token: connection.token,
      listener: {
        onContact: () => {
          this.#marks = { ...this.#marks, lastContactAt: this.#clock.now() };
          this.#emit({ online: this.#streamOpen && !this.#tokenRefused });
          this.#persistMarks();
        },
        onFailure: (error) => {
          if (this.#closed) return;
          if (error.kind === 'auth') this.#tokenRefused = true;
          if (error.kind === 'network' || error.kind === 'server' || error.kind === 'auth') {
            this.#emit({ online: false, error: plainError(error) });
          } else {
            this.#emit({ error: plainError(error) });
          }
        },
      },
    });
    const engine = new SyncEngine({
      db: this.#db,
      transport,
      backoff,
      identity: `${connection.serverUrl}-${connection.terminalId}`,
      ...(this.#deps.sync?.pullBatchSize ? { pullBatchSize: this.#deps.sync.pullBatchSize } : {}),
      hooks: {
        onSynced: () => {
          this.#tokenRefused = false;
          this.#marks = {
            ...this.#marks,
            lastSyncAt: this.#clock.now(),
            lastContactAt: this.#clock.now(),
          };
          this.#emit({ error: undefined, ...(this.#streamOpen ? { online: true } : {}) });
          this.#persistMarks();
        },
        onAcks: (docs) => this.#recordAcks(docs),
        onHeld: (transaction, error) => this.#hold(transaction, error),
        onPushRefused: (collection, error) => this.#notSent(collection, error),
        onStreamOpen: () => {
          this.#streamOpen = true;
          this.#marks = { ...this.#marks, lastContactAt: this.#clock.now() };
          this.#emit({ online: !this.#tokenRefused });
          this.#persistMarks();
        },
        onStreamClosed: (error) => {
          this.#streamOpen = false;
          this.#emit({ online: false, ...(error ? { error: plainError(error) } : {}) });
        },
        onError: (error) => {
          if (!this.#closed) this.#emit({ error: plainError(error) });
        },
        onFirstLoad: (firstLoad) => this.#emit({ firstLoad }),
      },
    });
    this.#engine = engine;
    this.#transport = transport;
    this.#heldTimer ??= setInterval(
      () => void this.retryHeld().catch(() => undefined),
      this.#deps.sync?.heldRetryMs ?? HELD_RETRY_MS,
    );
    await engine.start();
  }

  /** Notes (or, with undefined, clears) a kind of change the server refuses as a whole. */
  #notSent(collection: CollectionName, error: SyncError | undefined): void {
    const current = this.#status.value.notSent ?? [];
    const known = current.find((entry) => entry.collection === collection);
    const others = current.filter((entry) => entry.collection !== collection);
    let next: readonly NotSent[] = others;
    if (error) {
      const message = error.serverMessage
        ? `The server refused this: ${error.serverMessage.replace(/^row \d+: /, '')}.`
        : `The server refused this (${error.code}).`;
      if (known?.code === error.code && known.message === message) return;
      next = [
        ...others,
        { collection, code: error.code, message, since: known?.since ?? this.#clock.now() },
      ].sort((a, b) => a.since - b.since);
    } else if (known === undefined) {
      return;
    }
    this.#emit({ notSent: next.length > 0 ? next : undefined });
  }

  /** Keeps a transaction the server refused as held, before its push is answered as done. */
  async #hold(transaction: Record<string, unknown>, error: SyncError): Promise<void> {
    const id = transaction['id'];
    if (typeof id !== 'string') throw error;
    // The server's reason, without "row N" (the row's place in one request, which means
    // nothing once it is held).
    const reason = error.serverMessage?.replace(/^row \d+: /, '');
    const message = reason
      ? `The server refused this sale: ${reason}.`
      : `The server refused this sale (${error.code}).`;
    await this.#updateHeld((held) => {
      const known = held[id];
      if (known?.code === error.code && known.message === message) return held;
      return {
        ...held,
        [id]: { code: error.code, message, since: known?.since ?? this.#clock.now() },
      };
    });
  }

  /** Changes the held set and stores it, one change at a time (computed in turn, not before). */
  #updateHeld(
    change: (held: Readonly<Record<string, HeldTransaction>>) => Record<string, HeldTransaction>,
  ): Promise<void> {
    return this.#serialized(async () => {
      const next = change(this.#held);
      if (next === this.#held) return;
      await writeLocal(this.#db, 'held', next);
      this.#held = next;
      this.#emit({ held: heldSummary(next) });
    });
  }

  /** The sales of this till the server refused for a reason of its own, oldest first. */
  heldSales(): readonly HeldSale[] {
    return Object.entries(this.#held)
      .map(([id, held]) => ({ id, ...held }))
      .sort((a, b) => a.since - b.since || a.id.localeCompare(b.id));
  }

  /**
   * Pushes the held transactions again (every few minutes, and on `syncNow`): those the server
   * takes now (or answers as recorded already) are no longer held, and their recorded copy
   * arrives with the next pull; those it refuses again stay held. A held id no longer in the
   * store stays held: only the server taking a sale ends its hold.
   */
  retryHeld(): Promise<HeldRetry> {
    this.#heldRetry ??= this.#retryHeldOnce().finally(() => {
      this.#heldRetry = undefined;
    });
    return this.#heldRetry;
  }

  async #retryHeldOnce(): Promise<HeldRetry> {
    const transport = this.#transport;
    const ids = Object.keys(this.#held);
    if (ids.length === 0) return { sent: 0, stillHeld: 0 };
    if (!transport || this.#closed) {
      return { sent: 0, stillHeld: ids.length, unreachable: 'The till is not connected.' };
    }
    const stored = await this.#db.transactions.findByIds(ids).exec();
    const again = [...stored.values()];
    const heldAgain = new Set(ids.filter((id) => !stored.has(id)));
    if (again.length > 0) {
      try {
        const recorded = await pushTransactionsAgain(
          transport,
          again.map((doc) => doc.toJSON()),
          async (row, error) => {
            heldAgain.add(String(row.newDocumentState['id']));
            await this.#hold(row.newDocumentState, error);
          },
        );
        // Acknowledged now; the recorded copies arrive with the next pull.
        this.#recordAcks(recorded as unknown as TransactionDoc[]);
      } catch (error) {
        // Offline, or the server's trouble: the status says so, and the next round tries again.
        return {
          sent: 0,
          stillHeld: ids.length,
          unreachable: error instanceof Error ? error.message : String(error),
        };
      }
    }
    const done = ids.filter((id) => !heldAgain.has(id));
    if (!this.#closed && done.length > 0) {
      await this.#updateHeld((held) => {
        const keep = { ...held };
        for (const id of done) delete keep[id];
        return keep;
      });
    }
    return { sent: done.length, stillHeld: heldAgain.size };
  }

  #recordAcks(docs: readonly TransactionDoc[]): void {
    const me = this.#connection?.terminalId;
    let changed = false;
    for (const doc of docs) {
      if (doc.terminalId !== me || doc.seq === undefined || !doc.effects) continue;
      if (this.#acks[doc.id]?.seq === doc.seq) continue;
      this.#acks = {
        ...this.#acks,
        [doc.id]: { seq: doc.seq, balanceDelta: doc.effects.balanceDelta },
      };
      changed = true;
    }
    if (changed) {
      const acks = this.#acks;
      void this.#serialized(() => writeLocal(this.#db, 'acks', acks));
      this.#localWrites.next();
    }
  }

  async #refreshPending(): Promise<void> {
    const unsequenced = this.#unsequenced;
    if (this.#closed || !unsequenced) return;
    const me = this.#connection?.terminalId;
    let pending = 0;
    for (const tx of unsequenced.values()) {
      if ((me === undefined || tx.terminalId === me) && this.#acks[tx.id] === undefined) {
        pending += 1;
      }
    }
    // Acks whose applied copy is stored are no longer needed.
    const stale = Object.keys(this.#acks).filter((id) => !unsequenced.has(id));
    if (stale.length > 0) {
      const stored = await this.#db.transactions.findByIds(stale).exec();
      const keep = { ...this.#acks };
      let pruned = false;
      for (const id of stale) {
        if (stored.get(id)?.seq !== undefined) {
          delete keep[id];
          pruned = true;
        }
      }
      if (pruned) {
        this.#acks = keep;
        void this.#serialized(() => writeLocal(this.#db, 'acks', keep));
      }
    }
    if (this.status.pending !== pending) this.#emit({ pending });
  }

  /** Pull everything now and retry pushes at once (after the network came back, say). */
  syncNow(): void {
    this.#engine?.syncNow();
    // A failure here is the network's or the server's, which the status shows already.
    void this.retryHeld().catch(() => undefined);
  }

  /** Resolves when nothing is left to push or pull (for tests and tools). */
  async awaitInSync(): Promise<void> {
    await this.#engine?.awaitInSync();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    clearInterval(this.#heldTimer);
    await this.#engine?.stop();
    // Bounded, as the engine's stop: a push of held sales to a server that does not answer.
    await Promise.race([
      this.#heldRetry?.catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, 2_000)),
    ]);
    this.#flushMarks();
    this.#closed = true;
    this.#unsequenced?.stop();
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
    await this.#writeQueue;
    this.#status.complete();
    await this.#db.close();
  }

  // -------------------------------------------------------------------------------------------
  // Enrollment

  async enrollTerminal(
    serverUrl: string,
    enrollmentCode: string,
    terminalName = 'Till',
  ): Promise<
    Result<
      { terminalId: string; storeId: string },
      | 'already-enrolled'
      | 'invalid-server-url'
      | 'invalid-code'
      | 'server-unreachable'
      | 'enrollment-refused'
    >
  > {
    // A till enrolls once; again only when the server refuses its token (revoked, or unknown),
    // as the same terminal, on the same server: its unsent sales and sync state are kept.
    const current = this.#connection;
    if (current && !this.needsEnrollmentAgain) {
      return refuse('already-enrolled', 'This terminal is already enrolled in a store.');
    }
    let url: URL;
    try {
      url = new URL(serverUrl.trim());
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
    } catch {
      return refuse('invalid-server-url', 'Enter the server address, starting with https://');
    }
    const code = enrollmentCode.trim();
    if (code.length < 4 || code.length > 64) {
      return refuse('invalid-code', 'Enter the enrollment code a manager gave you.');
    }
    const base = url.toString().replace(/\/+$/, '');
    if (current && base !== current.serverUrl) {
      return refuse(
        'invalid-server-url',
        `Enroll this till again on its server, ${current.serverUrl}.`,
      );
    }
    const name = current?.terminalName ?? terminalName;
    const transport = new Transport({ fetch: this.#deps.fetch, serverUrl: base });
    let body: unknown;
    try {
      body = await transport.postJson('/api/v1/enroll', {
        enrollmentCode: code,
        terminalName: name,
        ...(current ? { terminalId: current.terminalId } : {}),
      });
    } catch (error) {
      if (error instanceof SyncError && error.kind === 'refused') {
        const message =
          error.code === 'enrollment-code-expired'
            ? 'This enrollment code has expired. Ask a manager for a new one.'
            : error.code === 'enrollment-code-used'
              ? 'This enrollment code was already used. Ask a manager for a new one.'
              : current
                ? `This code does not enroll this till again. A manager makes one for it with: create-enrollment-code --terminal ${current.terminalId}`
                : 'The server did not accept this enrollment code. Check it and try again.';
        return refuse('enrollment-refused', message, { serverCode: error.code });
      }
      return refuse('server-unreachable', plainError(error).message);
    }
    const parsed = EnrollResponseSchema.safeParse(body);
    if (!parsed.success || (current && parsed.data.terminalId !== current.terminalId)) {
      return refuse('server-unreachable', 'The server sent an answer the till cannot read.');
    }
    if (current) {
      // The old token's sync stops; the same replication starts again with the new one.
      await this.#engine?.stop();
      this.#engine = undefined;
      this.#streamOpen = false;
      this.#tokenRefused = false;
    }
    const connection: ConnectionSettings = {
      serverUrl: base,
      token: parsed.data.token,
      terminalId: parsed.data.terminalId,
      storeId: parsed.data.storeId,
      terminalName: name,
    };
    await writeLocal(this.#db, 'connection', connection);
    this.#connection = connection;
    this.#marks = { ...this.#marks, lastContactAt: this.#clock.now() };
    await writeLocal(this.#db, 'sync-marks', this.#marks);
    this.#emit({ error: undefined });
    await this.#startSync(connection);
    return ok({ terminalId: connection.terminalId, storeId: connection.storeId });
  }

  // -------------------------------------------------------------------------------------------
  // Staff

  async listStaff(): Promise<{ id: string; name: string; role: StaffRole }[]> {
    const storeId = this.#connection?.storeId;
    const staff = await this.#db.staff.find({ selector: { active: true } }).exec();
    return staff
      .filter((doc) => storeId === undefined || doc.storeIds.includes(storeId))
      .map((doc) => ({ id: doc.id, name: doc.name, role: doc.role }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async login(staffId: string, pin: string): Promise<Result<StaffSession, LoginRefusalCode>> {
    const connection = this.#connection;
    if (!connection) return refuse('terminal-not-enrolled', 'Enroll this terminal first.');
    if (typeof pin !== 'string' || !PIN_PATTERN.test(pin)) {
      return refuse('pin-invalid', 'A PIN is 4 to 8 digits.');
    }
    const staff: StaffDoc | undefined = (await this.#db.staff.findOne(staffId).exec())?.toJSON() as
      StaffDoc | undefined;
    if (!staff) return refuse('staff-unknown', 'This staff member is not known on this till.');
    if (!staff.active) return refuse('staff-inactive', `${staff.name} can no longer sign in.`);
    if (!staff.storeIds.includes(connection.storeId)) {
      return refuse('staff-not-in-store', `${staff.name} does not work in this store.`);
    }
    const now = this.#clock.now();
    const lock = this.#lockouts[staffId];
    if (lock?.lockedUntil !== undefined && now < lock.lockedUntil) {
      const minutes = Math.ceil((lock.lockedUntil - now) / 60_000);
      return refuse(
        'pin-locked-out',
        `Too many wrong PINs. Try again in ${minutes} minute${minutes === 1 ? '' : 's'} or ask a manager.`,
        { lockedUntil: new Date(lock.lockedUntil).toISOString() },
      );
    }
    if (await verifyPin(pin, staff.pinHash)) {
      await this.#setLockout(staffId, undefined);
      this.#session = { staffId: staff.id, name: staff.name, role: staff.role, since: now };
      return ok(this.#session);
    }
    const maxAttempts = this.#deps.login?.maxAttempts ?? 5;
    const lockoutMs = this.#deps.login?.lockoutMs ?? 5 * 60_000;
    const failures = (lock?.failures ?? 0) + 1;
    if (failures % maxAttempts === 0) {
      // Each further lock lasts twice as long, up to a day.
      const factor = 2 ** (failures / maxAttempts - 1);
      const lockedUntil = now + Math.min(lockoutMs * factor, 24 * 3_600_000);
      await this.#setLockout(staffId, { failures, lockedUntil });
      const minutes = Math.ceil((lockedUntil - now) / 60_000);
      return refuse(
        'pin-locked-out',
        `Too many wrong PINs. Try again in ${minutes} minute${minutes === 1 ? '' : 's'} or ask a manager.`,
        { lockedUntil: new Date(lockedUntil).toISOString() },
      );
    }
    await this.#setLockout(staffId, { failures });
    const left = maxAttempts - (failures % maxAttempts);
    return refuse('pin-incorrect', `Wrong PIN. ${left} attempt${left === 1 ? '' : 's'} left.`, {
      attemptsLeft: left,
    });
  }

  async #setLockout(staffId: string, state: LockoutState | undefined): Promise<void> {
    const next = { ...this.#lockouts };
    if (state) next[staffId] = state;
    else delete next[staffId];
    this.#lockouts = next;
    await this.#serialized(() => writeLocal(this.#db, 'lockouts', next));
  }

  logout(): void {
    this.#session = undefined;
  }

  #requireSession(
    role?: 'manager',
  ): Result<{ session: StaffSession; connection: ConnectionSettings }, SessionRefusalCode> {
    const connection = this.#connection;
    if (!connection) return refuse('terminal-not-enrolled', 'Enroll this terminal first.');
    const session = this.#session;
    if (!session) return refuse('not-signed-in', 'Sign in with your PIN first.');
    if (role === 'manager' && session.role !== 'manager') {
      return refuse('manager-only', 'Only a manager can do this. Ask a manager to sign in.');
    }
    return ok({ session, connection });
  }

  // -------------------------------------------------------------------------------------------
  // Reading

  async program(): Promise<ProgramSettings> {
    const doc = await this.#db.program.findOne(DEFAULT_PROGRAM_ID).exec();
    if (!doc) return DEFAULT_PROGRAM;
    // Validating the settings costs more than the lookup it serves; RxDB's own revision of
    // the document changes with every write, local or pulled, so it keys the parsed copy.
    if (this.#programCache?.revision === doc.revision) return this.#programCache.settings;
    const parsed = parseProgramSettings(doc.toJSON().settings);
    const settings = parsed.ok ? { ...parsed.value, version: doc.version } : DEFAULT_PROGRAM;
    this.#programCache = { revision: doc.revision, settings };
    return settings;
  }

  #programCache: { readonly revision: string; readonly settings: ProgramSettings } | undefined;

  async #member(id: string): Promise<MemberDoc | undefined> {
    return (await this.#db.members.findOne(id).exec())?.toMutableJSON() as MemberDoc | undefined;
  }

  /** The member a record stands for now: the survivor when it was merged (chains followed). */
  async #survivor(member: MemberDoc): Promise<MemberDoc> {
    let current = member;
    for (let hops = 0; hops < 10 && current.status === 'merged' && current.mergedInto; hops++) {
      const next = await this.#member(current.mergedInto);
      if (!next) break;
      current = next;
    }
    return current;
  }

  async #ledgerView(member: MemberDoc, program: ProgramSettings): Promise<LedgerView> {
    // Every query here runs on an index: a till holds the whole chain's members and ledger,
    // and a scan costs seconds. Merged duplicates are few; the one query for all of them is
    // the same for every card, so RxDB answers it from its query cache until a member changes.
    const [mergedMembers, account, own] = await Promise.all([
      this.#db.members.find({ selector: { status: 'merged' } }).exec(),
      this.#db.accounts.findOne(member.id).exec(),
      this.#db.transactions.find({ selector: { memberId: member.id } }).exec(),
    ]);
    const merged = mergedMembers.filter((doc) => doc.mergedInto === member.id);
    // One equality query per duplicate: RxDB's planner scans the whole index for `$in`.
    const ofMerged = await Promise.all(
      merged.map((doc) => this.#db.transactions.find({ selector: { memberId: doc.id } }).exec()),
    );
    const transactions = [...own, ...ofMerged.flat()];
    return buildLedgerView(
      program,
      member,
      account?.toMutableJSON() as AccountDoc | undefined,
      transactions.map((doc) => doc.toMutableJSON() as TransactionDoc),
      this.#acks as LedgerAcks,
    );
  }

  #card(view: LedgerView, mergedFrom?: string): MemberCard {
    return {
      member: view.member,
      balance: view.balance,
      tierId: view.tierId,
      tierName: view.tierName,
      tierProgress: view.tierProgress,
      ...(view.account ? { account: view.account } : {}),
      ...(mergedFrom ? { mergedFrom } : {}),
    };
  }

  async memberCard(memberId: string): Promise<Result<MemberCard, MemberRefusalCode>> {
    const found = await this.#member(memberId);
    if (!found || found.status === 'erased') {
      return refuse('member-not-found', 'No member with this id on this till.');
    }
    const member = await this.#survivor(found);
    const view = await this.#ledgerView(member, await this.program());
    return ok(this.#card(view, member.id === found.id ? undefined : found.id));
  }

  /** Phone number as typed → the member's card, by exact E.164 match. */
  async lookupByPhone(phone: string): Promise<Result<MemberCard, MemberRefusalCode>> {
    const program = await this.program();
    const normalized = normalizePhone(phone, program.defaultCountry);
    if (!normalized.ok) return normalized;
    const docs = await this.#db.members.find({ selector: { phone: normalized.value } }).exec();
    // A live record first; a merged duplicate leads to its survivor.
    const candidates = docs.map((doc) => doc.toMutableJSON() as MemberDoc);
    const found =
      candidates.find((doc) => doc.status !== 'merged' && doc.status !== 'erased') ??
      candidates.find((doc) => doc.status === 'merged');
    if (!found)
      return refuse('member-not-found', 'No member has this phone number yet.', {
        phone: normalized.value,
      });
    const member = await this.#survivor(found);
    const view = await this.#ledgerView(member, program);
    return ok(this.#card(view, member.id === found.id ? undefined : found.id));
  }

  /**
   * Members whose phone ends with the digits typed (at least 3), or whose name contains the
   * text typed (at least 2 letters), for the cashier who mistyped a number.
   */
  async searchMembers(
    query: string,
    limit = 20,
  ): Promise<
    Result<{ id: string; name: string; phone: string; status: string }[], MemberRefusalCode>
  > {
    const text = query.trim();
    const digits = phoneQueryDigits(text);
    const isNumber = /^[\d\s\-().+/]+$/.test(text) && digits.length > 0;
    let docs: MemberDoc[];
    if (isNumber) {
      if (digits.length < 3) return refuse('search-too-short', 'Type at least the last 3 digits.');
      const suffix = digits.slice(-4);
      const found = await this.#db.members
        .find({
          selector:
            suffix.length === 4
              ? { phoneSuffix: suffix }
              : { phoneSuffix: { $regex: `${suffix}$` } },
        })
        .exec();
      docs = found
        .map((doc) => doc.toMutableJSON() as MemberDoc)
        .filter((doc) => doc.phone.replace(/\D/g, '').endsWith(digits));
    } else {
      const needle = toSearchName(text);
      if (needle.length < 2)
        return refuse('search-too-short', 'Type at least 2 letters of the name.');
      const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const found = await this.#db.members
        .find({ selector: { searchName: { $regex: escaped } } })
        .exec();
      docs = found.map((doc) => doc.toMutableJSON() as MemberDoc);
    }
    return ok(
      docs
        .filter((doc) => doc.status !== 'erased' && doc.status !== 'merged')
        .sort((a, b) => a.searchName.localeCompare(b.searchName))
        .slice(0, Math.max(1, Math.min(limit, 100)))
        .map((doc) => ({ id: doc.id, name: doc.name, phone: doc.phone, status: doc.status })),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Writing

  #nextClock(doc?: MemberDoc): string {
    const terminalId = this.#connection?.terminalId ?? 'terminal';
    let state: Hlc | undefined = this.#hlc ? { ...this.#hlc, node: terminalId } : undefined;
    for (const stamp of Object.values(doc?.fieldClocks ?? {})) {
      const seen = stamp ? parseHlc(stamp) : undefined;
      if (
        seen &&
        (!state || seen.ms > state.ms || (seen.ms === state.ms && seen.counter > state.counter))
      ) {
        state = { ms: seen.ms, counter: seen.counter, node: terminalId };
      }
    }
    const next = hlcTick(state, this.#clock.now(), terminalId);
    this.#hlc = { ms: next.ms, counter: next.counter };
    const saved = this.#hlc;
    void this.#serialized(() => writeLocal(this.#db, 'hlc', saved));
    return formatHlc(next);
  }

  #isoNow(): string {
    return new Date(this.#clock.now()).toISOString();
  }

  #offline(): boolean {
    return !this.status.online;
  }

  async #writeTransaction(
    context: { session: StaffSession; connection: ConnectionSettings },
    program: ProgramSettings,
    fields: Omit<
      TransactionDoc,
      | 'id'
      | 'storeId'
      | 'terminalId'
      | 'staffId'
      | 'programVersion'
      | 'occurredAt'
      | 'offline'
      | 'rev'
      | 'updatedAt'
    >,
    at: string,
    id: string = this.#newId(),
  ): Promise<TransactionDoc> {
    const doc = newTransactionDoc({
      ...fields,
      id,
      by: writerOf(context),
      programVersion: program.version,
      occurredAt: at,
      offline: this.#offline(),
    });
    // Awaited: the transaction is stored before the command answers.
    await this.#db.transactions.insert(doc);
    this.#localWrites.next();
    return doc;
  }

  async enrollMember(
    input: EnrollMemberInput,
  ): Promise<Result<{ card: MemberCard; created: boolean }, MemberRefusalCode>> {
    const session = this.#requireSession();
    if (!session.ok) return session;
    const unstorable = findUnstorableText(input);
    if (unstorable) {
      return refuse('invalid-member', unstorableTextMessage(unstorable), {
        field: unstorable.path,
      });
    }
    const program = await this.program();
    const phone = normalizePhone(input.phone ?? '', program.defaultCountry);
    if (!phone.ok) return phone;
    const existing = await this.lookupByPhone(phone.value);
    if (existing.ok) return ok({ card: existing.value, created: false });

    const name = (input.name ?? '').trim().replace(/\s+/g, ' ');
    if (name.length === 0 || name.length > MEMBER_NAME_MAX_LENGTH) {
      return refuse(
        'invalid-member',
        `Enter the member's name (at most ${MEMBER_NAME_MAX_LENGTH} characters).`,
        {
          field: 'name',
        },
      );
    }
    const email = input.email?.trim() || undefined;
    if (email !== undefined && (!EMAIL_PATTERN.test(email) || email.length > 254)) {
      return refuse('invalid-member', 'That email address does not look right.', {
        field: 'email',
      });
    }
    const birthday = input.birthday?.trim() || undefined;
    if (birthday !== undefined && !CALENDAR_DATE_PATTERN.test(birthday)) {
      return refuse(
        'invalid-member',
        'Enter the birthday as YYYY-MM-DD (or --MM-DD without the year).',
        {
          field: 'birthday',
        },
      );
    }
    const id = this.#newId();
    const at = this.#isoNow();
    let referredBy: string | undefined;
    let referralCode: string | undefined;
    if (input.referralCode !== undefined && input.referralCode.trim() !== '') {
      const code = normalizeReferralCode(input.referralCode);
      const inviterDoc = await this.#db.members
        .findOne({ selector: { referralCode: code } })
        .exec();
      const inviter = inviterDoc?.toMutableJSON() as MemberDoc | undefined;
      const claims = inviter
        ? await this.#db.transactions
            .find({ selector: { memberId: inviter.id, kind: 'referral-claim' } })
            .exec()
        : [];
      const claim = checkReferralClaim({
        code,
        invitee: { id, isNew: true },
        inviter:
          inviter && inviter.status !== 'erased'
            ? { id: inviter.id, claimsAt: claims.map((doc) => doc.occurredAt) }
            : null,
        program,
        at,
      });
      if (!claim.ok) {
        if (claim.refusal.code === 'invalid-time') {
          return refuse('invalid-member', claim.refusal.message);
        }
        return claim as Refused<MemberRefusalCode>;
      }
      referredBy = claim.value.inviterId;
      referralCode = claim.value.referralCode;
    }
    const ownCode = await this.#newReferralCode(program);
    // Every field the member is enrolled with carries this edit's clock.
    const member = newMemberDoc({
      id,
      phone: phone.value,
      name,
      email,
      birthday,
      consents: pickConsents(input.consents),
      referralCode: ownCode,
      referredBy,
      createdAt: at,
      by: writerOf(session.value),
      clock: this.#nextClock(),
    });
    await this.#db.members.insert(member);
    const bonus = program.bonuses.enrollment;
    if (bonus > 0) {
      await this.#writeTransaction(
        session.value,
        program,
        {
          kind: 'enrollment-bonus',
          memberId: id,
          pointsEarned: bonus,
          pointsRedeemed: 0,
          bonuses: [{ kind: 'enrollment', points: bonus }],
          ...(referralCode ? { referralCode } : {}),
        },
        at,
      );
    }
    const view = await this.#ledgerView(member, program);
    return ok({ card: this.#card(view), created: true });
  }

  async #newReferralCode(program: ProgramSettings): Promise<string> {
    const length = program.referral.codeLength;
    for (let attempt = 0; attempt < 5; attempt++) {
      const code = generateReferralCode(
        this.#random(new Uint8Array(referralCodeRandomBytesNeeded(length) + 8)),
        length,
      );
      if (!code.ok) continue;
      const taken = await this.#db.members
        .findOne({ selector: { referralCode: code.value } })
        .exec();
      if (!taken) return code.value;
    }
    throw new Error('could not make a unique referral code');
  }

  async #checkoutFacts(memberId: string) {
    const program = await this.program();
    const found = await this.#member(memberId);
    if (!found || found.status === 'erased') return { refusal: 'member-not-found' as const };
    const member = await this.#survivor(found);
    if (member.status !== 'active' && member.status !== 'dormant') {
      return { refusal: 'member-not-active' as const, member };
    }
    const view = await this.#ledgerView(member, program);
    const nowMs = this.#clock.now();
    const at = new Date(nowMs).toISOString();
    const redeemedTodayOffline = this.#redeemedTodayOffline(view, program, nowMs);
    const coupons = (await this.#db.coupons.find().exec()).map(
      (doc) => doc.toMutableJSON() as CouponDoc,
    );
    const pendingCouponUses: Record<string, number> = {};
    for (const tx of this.#unsequenced?.values() ?? []) {
      if (tx.couponId === undefined || this.#acks[tx.id] !== undefined) continue;
      pendingCouponUses[tx.couponId] = (pendingCouponUses[tx.couponId] ?? 0) + 1;
    }
    const lastContactAt = this.#marks.lastContactAt;
    return {
      facts: {
        program,
        view,
        coupons,
        pendingCouponUses,
        storeId: this.#connection?.storeId ?? '',
        at,
        offline: this.#offline(),
        ...(lastContactAt !== undefined
          ? { lastContactAt: new Date(lastContactAt).toISOString() }
          : {}),
        redeemedTodayOffline,
      },
    };
  }

  /** Points this till redeemed offline for the member today (checkouts and rewards). */
  #redeemedTodayOffline(view: LedgerView, program: ProgramSettings, nowMs: number): number {
    const me = this.#connection?.terminalId;
    const today = dayKey(nowMs, program.timeZone);
    return view.transactions
      .filter(
        (tx) =>
          tx.offline &&
          tx.terminalId === me &&
          tx.pointsRedeemed > 0 &&
          tx.kind !== 'adjustment' &&
          dayKey(Date.parse(tx.occurredAt), program.timeZone) === today,
      )
      .reduce((sum, tx) => sum + tx.pointsRedeemed, 0);
  }

  /**
   * The offline caps on a reward (DESIGN.md: the risk a till takes while it cannot ask the
   * server): it costs no more than one checkout may redeem, and the member's redemptions today
   * stay within the daily cap, as for a checkout's points.
   */
  #offlineRewardRefusal(
    program: ProgramSettings,
    cost: number,
    redeemedTodayOffline: number,
  ): Refused<'offline-checkout-cap' | 'offline-daily-cap'> | undefined {
    const cap = program.offline.maxPointsPerCheckout;
    if (cost > cap) {
      return refuse(
        'offline-checkout-cap',
        `While the till is offline, a reward can cost at most ${cap} points.`,
        { cap },
      );
    }
    const dailyCap = program.offline.maxPointsPerMemberPerDay;
    if (redeemedTodayOffline + cost > dailyCap) {
      const remaining = Math.max(0, dailyCap - redeemedTodayOffline);
      return refuse(
        'offline-daily-cap',
        `While the till is offline, a member can redeem at most ${dailyCap} points a day; ${remaining} are left today.`,
        { cap: dailyCap, remaining },
      );
    }
    return undefined;
  }

  /** What a checkout would do, without writing anything. */
  async previewCheckout(input: CheckoutInput): Promise<Result<CheckoutPlan, CheckoutRefusalCode>> {
    const session = this.#requireSession();
    if (!session.ok) return session as Refused<CheckoutRefusalCode>;
    const gathered = await this.#checkoutFacts(input.memberId);
    if ('refusal' in gathered) {
      return gathered.refusal === 'member-not-found'
        ? refuse('member-not-found', 'This member is not known on this till.')
        : refuse(
            'member-not-active',
            `${gathered.member?.name ?? 'This member'} cannot collect or redeem points (${gathered.member?.status}).`,
          );
    }
    return planCheckout(gathered.facts, input);
  }

  /** Confirms a checkout: writes one immutable transaction and returns the receipt. */
  async checkout(input: CheckoutInput): Promise<Result<Receipt, CheckoutRefusalCode>> {
    const session = this.#requireSession();
    if (!session.ok) return session as Refused<CheckoutRefusalCode>;
    const gathered = await this.#checkoutFacts(input.memberId);
    if ('refusal' in gathered)
      return this.previewCheckout(input) as Promise<Refused<CheckoutRefusalCode>>;
    const planned = planCheckout(gathered.facts, input);
    if (!planned.ok) return planned;
    // A preview of an empty order shows what could be redeemed; committing one would count a
    // visit and pay first-purchase, birthday and referral bonuses for nothing, and use up a
    // coupon.
    if (planned.value.orderTotal === 0) {
      return refuse(
        'invalid-order',
        'Type the order amount: a checkout needs an amount above zero.',
        {
          reason: 'zero-total',
        },
      );
    }
    const plan = planned.value;
    const { program, view, at } = gathered.facts;
    const coupon = plan.coupons[0];
    // A birthday bonus carries the year of the birthday it celebrates: near New Year that is
    // not the year of the purchase, and the server gives one per birthday year.
    const birthdayYear = plan.earning.birthdayBonusYear;
    const bonuses = plan.earning.bonuses.map((bonus) => ({
      kind: bonus.kind,
      points: bonus.points,
      ...(bonus.kind === 'birthday' && birthdayYear !== undefined ? { year: birthdayYear } : {}),
    }));
    const tx = await this.#writeTransaction(
      session.value,
      program,
      {
        kind: 'checkout',
        memberId: view.member.id,
        orderTotal: plan.orderTotal,
        ...(plan.lines && plan.lines.length > 0 ? { lines: plan.lines.map(cleanLine) } : {}),
        ...(coupon ? { couponId: coupon.couponId, couponCode: coupon.code } : {}),
        ...(plan.couponDiscount > 0 ? { couponDiscount: plan.couponDiscount } : {}),
        ...(plan.pointsDiscount > 0 ? { pointsDiscount: plan.pointsDiscount } : {}),
        amountPaid: plan.amountPaid,
        pointsEarned: plan.pointsEarned,
        pointsRedeemed: plan.pointsRedeemed,
        ...(bonuses.length > 0 ? { bonuses } : {}),
      },
      at,
    );
    // The inviter's bonus goes on the inviter's ledger with the invitee's first purchase.
    if (
      view.firstPurchase &&
      view.member.referredBy &&
      plan.earning.bonuses.some((b) => b.kind === 'referral-invitee')
    ) {
      const points = referralRewards(program).inviterPoints;
      // One claim per invitee, whichever till records the first purchase: its id is derived
      // from the invitee's, so a second till's claim is the same transaction to the server (the
      // first recorded stands, the other is refused with a review), not a second bonus.
      const claimId = await referralClaimId(this.#db, view.member.id);
      const claimed = (await this.#db.transactions.findOne(claimId).exec()) !== null;
      if (points > 0 && !claimed) {
        await this.#writeTransaction(
          session.value,
          program,
          {
            kind: 'referral-claim',
            memberId: view.member.referredBy,
            inviteeMemberId: view.member.id,
            referralCode: (await this.#member(view.member.referredBy))?.referralCode ?? 'UNKNOWN',
            pointsEarned: points,
            pointsRedeemed: 0,
            bonuses: [{ kind: 'referral-inviter', points }],
          },
          at,
          claimId,
        );
      }
    }
    const after = await this.#ledgerView(view.member, program);
    return ok({
      transactionId: tx.id,
      occurredAt: at,
      member: { id: view.member.id, name: view.member.name, phone: view.member.phone },
      orderTotal: plan.orderTotal,
      pointsEarned: plan.pointsEarned,
      bonuses,
      pointsRedeemed: plan.pointsRedeemed,
      couponDiscount: plan.couponDiscount,
      pointsDiscount: plan.pointsDiscount,
      discount: plan.couponDiscount + plan.pointsDiscount,
      amountPaid: plan.amountPaid,
      coupons: plan.coupons.map((applied) => applied.code),
      balance: after.balance,
      tierId: after.tierId,
      tierName: after.tierName,
      tierProgress: after.tierProgress,
      offline: plan.offline,
    });
  }

  /**
   * Redeems one unit of a catalog reward. One unit per transaction: the server counts a
   * reward's stock by its redemptions (more units are more redemptions).
   */
  async redeemReward(
    memberId: string,
    rewardId: string,
  ): Promise<
    Result<
      { transactionId: string; pointsRedeemed: number; balance: number },
      LedgerCommandRefusalCode
    >
  > {
    const session = this.#requireSession();
    if (!session.ok) return session;
    const gathered = await this.#checkoutFacts(memberId);
    if ('refusal' in gathered) {
      return gathered.refusal === 'member-not-found'
        ? refuse('member-not-found', 'This member is not known on this till.')
        : refuse('member-not-active', 'This member cannot redeem points.');
    }
    const { program, view, at, offline } = gathered.facts;
    const reward = (await this.#db.rewards.findOne(rewardId).exec())?.toMutableJSON();
    if (!reward) return refuse('reward-unknown', 'This reward is not in the catalog.');
    const lastContact = this.#marks.lastContactAt;
    if (
      offline &&
      (lastContact === undefined ||
        this.#clock.now() - lastContact >= program.offline.maxOfflineHours * 3_600_000)
    ) {
      return refuse(
        'offline-too-long',
        'The till has been offline too long to redeem points. Reconnect first.',
      );
    }
    const stock = reward.stock === null ? null : Math.max(0, reward.stock - reward.usage.redeemed);
    const eligible = checkRewardEligibility({
      reward: reward as never,
      balance: view.balance,
      tierId: view.tierId,
      quantity: 1,
      stock,
      at,
      program,
    });
    if (!eligible.ok) {
      if (eligible.refusal.code === 'invalid-time')
        return refuse('invalid-input', eligible.refusal.message);
      return eligible as Refused<LedgerCommandRefusalCode>;
    }
    if (offline) {
      const capped = this.#offlineRewardRefusal(
        program,
        eligible.value.pointsCost,
        gathered.facts.redeemedTodayOffline,
      );
      if (capped) return capped;
    }
    const tx = await this.#writeTransaction(
      session.value,
      program,
      {
        kind: 'reward-redemption',
        memberId: view.member.id,
        rewardId: reward.id,
        pointsEarned: 0,
        pointsRedeemed: eligible.value.pointsCost,
      },
      at,
    );
    const after = await this.#ledgerView(view.member, program);
    return ok({
      transactionId: tx.id,
      pointsRedeemed: eligible.value.pointsCost,
      balance: after.balance,
    });
  }

  /** Records a refund of an earlier checkout: the server reverses its points. */
  async refund(
    checkoutId: string,
  ): Promise<Result<{ transactionId: string; balance: number }, LedgerCommandRefusalCode>> {
    const session = this.#requireSession();
    if (!session.ok) return session;
    const original = (await this.#db.transactions.findOne(checkoutId).exec())?.toMutableJSON() as
      TransactionDoc | undefined;
    if (!original) return refuse('transaction-not-found', 'No such checkout on this till.');
    if (original.kind !== 'checkout' || original.outcome?.status === 'refused') {
      return refuse('not-a-checkout', 'Only an accepted checkout can be refunded.');
    }
    const earlier = await this.#db.transactions
      .findOne({ selector: { refundOf: checkoutId } })
      .exec();
    if (earlier && earlier.outcome?.status !== 'refused') {
      return refuse('already-refunded', 'This checkout was already refunded.');
    }
    const program = await this.program();
    const found = await this.#member(original.memberId);
    if (!found)
      return refuse('member-not-found', 'The member of this checkout is not known on this till.');
    const member = await this.#survivor(found);
    const at = this.#isoNow();
    const tx = await this.#writeTransaction(
      session.value,
      program,
      {
        kind: 'refund',
        memberId: original.memberId,
        refundOf: original.id,
        pointsEarned: 0,
        pointsRedeemed: 0,
      },
      at,
    );
    const after = await this.#ledgerView(member, program);
    return ok({ transactionId: tx.id, balance: after.balance });
  }

  // -------------------------------------------------------------------------------------------
  // Manager

  async adjustPoints(
    memberId: string,
    points: number,
    reason: string,
  ): Promise<Result<{ transactionId: string; balance: number }, LedgerCommandRefusalCode>> {
    const session = this.#requireSession('manager');
    if (!session.ok) return session;
    if (!Number.isSafeInteger(points) || points === 0) {
      return refuse(
        'invalid-input',
        'Enter a whole number of points, not zero (negative to take points away).',
      );
    }
    if (Math.abs(points) > MAX_ADJUSTMENT_POINTS) {
      return refuse(
        'invalid-input',
        `One adjustment adds or takes away at most ${MAX_ADJUSTMENT_POINTS.toLocaleString('en-US')} points.`,
      );
    }
    const why = (reason ?? '').trim();
    if (why.length === 0 || why.length > 500) {
      return refuse('invalid-input', 'Say why the points are adjusted (at most 500 characters).');
    }
    const unstorable = findUnstorableText(why, '.reason');
    if (unstorable) return refuse('invalid-input', unstorableTextMessage(unstorable));
    const found = await this.#member(memberId);
    if (!found || found.status === 'erased')
      return refuse('member-not-found', 'This member is not known on this till.');
    const member = await this.#survivor(found);
    const program = await this.program();
    const at = this.#isoNow();
    const tx = await this.#writeTransaction(
      session.value,
      program,
      {
        kind: 'adjustment',
        memberId: member.id,
        adjustmentPoints: points,
        reason: why,
        pointsEarned: Math.max(0, points),
        pointsRedeemed: Math.max(0, -points),
      },
      at,
    );
    const after = await this.#ledgerView(member, program);
    return ok({ transactionId: tx.id, balance: after.balance });
  }

  async addNote(memberId: string, text: string): Promise<Result<MemberCard, MemberRefusalCode>> {
    const session = this.#requireSession('manager');
    if (!session.ok) return session;
    const note = (text ?? '').trim();
    if (note.length === 0 || note.length > 1000) {
      return refuse('invalid-member', 'A note is 1 to 1000 characters.', { field: 'notes' });
    }
    const unstorable = findUnstorableText(note, '.note');
    if (unstorable) {
      return refuse('invalid-member', unstorableTextMessage(unstorable), { field: 'notes' });
    }
    return this.#editMember(memberId, (member) => ({
      notes: [
        ...member.notes,
        {
          id: this.#newId(),
          text: note,
          staffId: session.value.session.staffId,
          at: this.#isoNow(),
        },
      ].slice(-200),
    }));
  }

  async editProfile(
    memberId: string,
    patch: ProfilePatch,
  ): Promise<Result<MemberCard, MemberRefusalCode>> {
    const session = this.#requireSession('manager');
    if (!session.ok) return session;
    const changes: Partial<MemberDoc> & Record<string, unknown> = {};
    const unstorable = findUnstorableText(patch);
    if (unstorable) {
      return refuse('invalid-member', unstorableTextMessage(unstorable), {
        field: unstorable.path,
      });
    }
    if (patch.name !== undefined) {
      const name = patch.name.trim().replace(/\s+/g, ' ');
      if (name.length === 0 || name.length > MEMBER_NAME_MAX_LENGTH) {
        return refuse('invalid-member', 'Enter a name of at most 120 characters.', {
          field: 'name',
        });
      }
      changes.name = name;
      changes.searchName = toSearchName(name);
    }
    if (patch.email !== undefined) {
      const email = patch.email?.trim() || undefined;
      if (email !== undefined && (!EMAIL_PATTERN.test(email) || email.length > 254)) {
        return refuse('invalid-member', 'That email address does not look right.', {
          field: 'email',
        });
      }
      changes.email = email;
    }
    for (const field of ['birthday', 'anniversary'] as const) {
      const value = patch[field];
      if (value === undefined) continue;
      const date = value?.trim() || undefined;
      if (date !== undefined && !CALENDAR_DATE_PATTERN.test(date)) {
        return refuse('invalid-member', `Enter the ${field} as YYYY-MM-DD.`, { field });
      }
      changes[field] = date;
    }
    if (patch.status !== undefined) {
      if (!['active', 'inactive', 'blocked'].includes(patch.status)) {
        return refuse('invalid-member', 'The status must be active, inactive or blocked.', {
          field: 'status',
        });
      }
      changes.status = patch.status;
    }
    if (patch.tags !== undefined) {
      const tags = [
        ...new Set(patch.tags.map((tag) => tag.trim()).filter((tag) => tag.length > 0)),
      ];
      if (tags.length > 50 || tags.some((tag) => tag.length > 60)) {
        return refuse('invalid-member', 'At most 50 tags of at most 60 characters.', {
          field: 'tags',
        });
      }
      changes.tags = tags;
    }
    return this.#editMember(memberId, (member) => {
      const next: Record<string, unknown> = { ...changes };
      if (patch.consents)
        next['consents'] = { ...member.consents, ...pickConsents(patch.consents) };
      if (patch.preferences) next['preferences'] = { ...member.preferences, ...patch.preferences };
      return next as Partial<MemberDoc>;
    });
  }

  async #editMember(
    memberId: string,
    change: (member: MemberDoc) => Partial<MemberDoc>,
  ): Promise<Result<MemberCard, MemberRefusalCode>> {
    const doc = await this.#db.members.findOne(memberId).exec();
    if (!doc || doc.status === 'erased')
      return refuse('member-not-found', 'This member is not known on this till.');
    try {
      await doc.incrementalModify((current) => {
        const member = current as MemberDoc;
        const patch = change(member);
        const stamped = stampFields<MemberDoc>(member, patch as never, this.#nextClock(member));
        return { ...stamped, updatedAt: this.#isoNow() };
      });
    } catch (error) {
      return refuse('invalid-member', 'The change does not fit the member record.', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
    return this.memberCard(memberId);
  }

  // -------------------------------------------------------------------------------------------
  // Member history and rewards (any staff); reviews and coupons (managers)

  async #liveMember(memberId: string): Promise<MemberDoc | undefined> {
    if (typeof memberId !== 'string') return undefined;
    const found = await this.#member(memberId);
    if (!found || found.status === 'erased') return undefined;
    return this.#survivor(found);
  }

  /** Every point of a member (and of duplicates merged into them), newest first. */
  async memberHistory(memberId: string): Promise<Result<HistoryEntry[], MemberRefusalCode>> {
    const session = this.#requireSession();
    if (!session.ok) return session;
    const member = await this.#liveMember(memberId);
    if (!member) return refuse('member-not-found', 'This member is not known on this till.');
    const view = await this.#ledgerView(member, await this.program());
    return ok(memberHistory(view, this.#acks as LedgerAcks));
  }

  /** The active catalog rewards, cheapest first, each with why the member cannot have it now. */
  async rewardOptions(memberId: string): Promise<Result<RewardOption[], MemberRefusalCode>> {
    const session = this.#requireSession();
    if (!session.ok) return session;
    const member = await this.#liveMember(memberId);
    if (!member) return refuse('member-not-found', 'This member is not known on this till.');
    const program = await this.program();
    const view = await this.#ledgerView(member, program);
    const rewards = (await this.#db.rewards.find().exec())
      .map((doc) => doc.toMutableJSON() as RewardDoc)
      .filter((reward) => reward.active)
      .sort((a, b) => a.pointsCost - b.pointsCost || a.name.localeCompare(b.name));
    const at = this.#isoNow();
    const lastContact = this.#marks.lastContactAt;
    const offlineTooLong =
      this.#offline() &&
      (lastContact === undefined ||
        this.#clock.now() - lastContact >= program.offline.maxOfflineHours * 3_600_000);
    const active = member.status === 'active' || member.status === 'dormant';
    const offline = this.#offline();
    const redeemedTodayOffline = offline
      ? this.#redeemedTodayOffline(view, program, this.#clock.now())
      : 0;
    return ok(
      rewards.map((reward): RewardOption => {
        const stock =
          reward.stock === null ? null : Math.max(0, reward.stock - reward.usage.redeemed);
        if (!active) {
          return {
            reward,
            stock,
            refusal: { code: 'member-not-active', message: 'This member cannot redeem points.' },
          };
        }
        if (offlineTooLong) {
          return {
            reward,
            stock,
            refusal: {
              code: 'offline-too-long',
              message: 'The till has been offline too long to redeem points. Reconnect first.',
            },
          };
        }
        const eligible = checkRewardEligibility({
          reward,
          balance: view.balance,
          tierId: view.tierId,
          stock,
          at,
          program,
        });
        if (!eligible.ok) return { reward, stock, refusal: eligible.refusal };
        const capped = offline
          ? this.#offlineRewardRefusal(program, eligible.value.pointsCost, redeemedTodayOffline)
          : undefined;
        return capped ? { reward, stock, refusal: capped.refusal } : { reward, stock };
      }),
    );
  }

  /** Reviews the server flagged, newest first, with the member each is about. */
  async listReviews(
    status: 'open' | 'resolved' = 'open',
  ): Promise<Result<ReviewItem[], SessionRefusalCode>> {
    const session = this.#requireSession('manager');
    if (!session.ok) return session;
    const reviews = (await this.#db.reviews.find({ selector: { status } }).exec())
      .map((doc) => doc.toMutableJSON() as ReviewDoc)
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
      .slice(0, 500);
    const memberIds = [
      ...new Set(reviews.flatMap((review) => (review.memberId ? [review.memberId] : []))),
    ];
    const members = await this.#db.members.findByIds(memberIds).exec();
    return ok(
      reviews.map((review): ReviewItem => {
        const member = review.memberId ? members.get(review.memberId) : undefined;
        return member && member.status !== 'erased'
          ? { review, member: { id: member.id, name: member.name, phone: member.phone } }
          : { review };
      }),
    );
  }

  /**
   * Resolves a review with a note. Only `status` and `resolution` change (the fields a terminal
   * may write on a review); replication takes them to the server.
   */
  async resolveReview(
    reviewId: string,
    note: string,
  ): Promise<Result<ReviewDoc, ReviewRefusalCode>> {
    const session = this.#requireSession('manager');
    if (!session.ok) return session;
    const text = typeof note === 'string' ? note.trim() : '';
    if (text.length === 0 || text.length > 1000) {
      return refuse(
        'invalid-input',
        'Write a note (at most 1000 characters) saying what was done.',
      );
    }
    const unstorable = findUnstorableText(text, '.note');
    if (unstorable) return refuse('invalid-input', unstorableTextMessage(unstorable));
    const doc =
      typeof reviewId === 'string' ? await this.#db.reviews.findOne(reviewId).exec() : null;
    if (!doc) return refuse('review-not-found', 'This review is not known on this till.');
    const resolution = { note: text, staffId: session.value.session.staffId, at: this.#isoNow() };
    const already = () =>
      refuse('review-already-resolved', 'This review was already resolved.', {
        resolution: doc.resolution,
      });
    if (doc.status === 'resolved') return already();
    const updated = await doc.incrementalModify((current) =>
      current.status === 'resolved' ? current : { ...current, status: 'resolved', resolution },
    );
    if (updated.resolution?.at !== resolution.at || updated.resolution.note !== text) {
      return already();
    }
    return ok(updated.toMutableJSON() as ReviewDoc);
  }

  /** The coupons on this till, by code, with their (server-counted) usage. */
  async listCoupons(): Promise<Result<CouponDoc[], SessionRefusalCode>> {
    const session = this.#requireSession('manager');
    if (!session.ok) return session;
    const coupons = (await this.#db.coupons.find().exec()).map(
      (doc) => doc.toMutableJSON() as CouponDoc,
    );
    return ok(coupons.sort((a, b) => a.code.localeCompare(b.code)));
  }

  /**
   * Creates a coupon, or edits the one `draft.id` names: checked by the coupon rules and for a
   * code no other coupon here has (or looks like). Usage stays the server's.
   */
  async saveCoupon(draft: CouponDraft): Promise<Result<CouponDoc, CouponEditRefusalCode>> {
    const session = this.#requireSession('manager');
    if (!session.ok) return session;
    if (typeof draft !== 'object' || draft === null) {
      return refuse('invalid-coupon', 'The coupon is not valid: nothing was filled in.');
    }
    const unstorable = findUnstorableText(draft);
    if (unstorable) {
      return refuse('invalid-coupon', unstorableTextMessage(unstorable), {
        field: unstorable.path,
      });
    }
    const docs = await this.#db.coupons.find().exec();
    const all = docs.map((doc) => doc.toMutableJSON() as CouponDoc);
    const existingDoc =
      draft.id === undefined ? undefined : docs.find((doc) => doc.id === draft.id);
    if (draft.id !== undefined && !existingDoc) {
      return refuse('coupon-not-found', 'This coupon is not known on this till.');
    }
    const existing = existingDoc?.toMutableJSON() as CouponDoc | undefined;
    const built = couponFromDraft(
      draft,
      existing?.id ?? this.#newId(),
      all,
      existing,
      this.#isoNow(),
    );
    if (!built.ok) return built;
    const coupon = built.value;
    try {
      if (existingDoc) {
        const saved = await existingDoc.incrementalModify((current) => ({
          ...coupon,
          usage: current.usage,
          rev: current.rev,
        }));
        return ok(saved.toMutableJSON() as CouponDoc);
      }
      await this.#db.coupons.insert(coupon);
    } catch (error) {
      return refuse('invalid-coupon', 'The coupon does not fit the coupon record.', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
    return ok(coupon);
  }
}

/** The terminal and the staff member signed in on it, who write what the till records. */
function writerOf(context: { session: StaffSession; connection: ConnectionSettings }): Writer {
  return {
    terminalId: context.connection.terminalId,
    storeId: context.connection.storeId,
    staffId: context.session.staffId,
  };
}

function pickConsents(consents: Partial<MemberConsents> | undefined): Partial<MemberConsents> {
  const picked: Partial<MemberConsents> = {};
  for (const key of Object.keys(NO_CONSENTS) as (keyof MemberConsents)[]) {
    const value = consents?.[key];
    if (typeof value === 'boolean') picked[key] = value;
  }
  return picked;
}

function cleanLine(
  line: CheckoutInput['lines'] extends readonly (infer L)[] | undefined ? L : never,
) {
  return {
    ...(line.sku !== undefined ? { sku: line.sku } : {}),
    ...(line.name !== undefined ? { name: line.name } : {}),
    ...(line.category !== undefined ? { category: line.category } : {}),
    quantity: line.quantity,
    amount: line.amount,
  };
}

/** Opens (or resumes, on the same storage and name) a terminal. */
export function createTerminal(deps: TerminalDeps): Promise<Terminal> {
  return Terminal.open(deps);
}

/**
 * The id of the inviter's referral claim for `inviteeId`: a UUIDv7 with the invitee's
 * timestamp and the rest from a hash of the invitee's id, the same on every till.
 */
export async function referralClaimId(db: TerminalDatabase, inviteeId: string): Promise<string> {
  const hash = await db.hashFunction(`tillpoint-referral-claim:${inviteeId}`);
  const variant = '89ab'[Number.parseInt(hash.slice(3, 4), 16) & 3] as string;
  return [
    inviteeId.slice(0, 8),
    inviteeId.slice(9, 13),
    `7${hash.slice(0, 3)}`,
    `${variant}${hash.slice(4, 7)}`,
    hash.slice(7, 19),
  ].join('-');
}

/** Held transactions are pushed again this often (ms). */
const HELD_RETRY_MS = 5 * 60_000;

function heldSummary(
  held: Readonly<Record<string, HeldTransaction>>,
): TerminalStatus['held'] | undefined {
  let latest: HeldTransaction | undefined;
  let count = 0;
  for (const entry of Object.values(held)) {
    count += 1;
    if (!latest || entry.since >= latest.since) latest = entry;
  }
  return latest ? { count, message: latest.message } : undefined;
}
