/**
 * A lean pull for collections a terminal never writes (`SERVER_ONLY_COLLECTIONS`: accounts).
 *
 * RxDB's replication stores, for every pulled document, the document and its assumed master
 * state after several reads, so that local writes can be pushed and conflicts resolved. A
 * collection the terminal never writes needs none of that: the server's state is simply stored.
 *
 * - Pages of the server's maximum size are fetched by checkpoint; the next page is fetched
 *   (and passes the `beforeWrite` gate) while the current one is written.
 * - A page is written with one bulk write of the collection's storage (one IndexedDB
 *   transaction on Dexie; a second for the documents it already held), then its checkpoint is
 *   stored in a local document. A crash
 *   between the two pulls that page again on restart: storing a server state twice is harmless,
 *   and a checkpoint is never ahead of what is stored, so nothing is skipped.
 * - Passes are requested by the event stream (`changes` of the collection, `resync`) and by
 *   `syncNow`; requests during a pass are coalesced into one more pass.
 * - The fill (the first pass of a terminal with nothing stored) is remembered with the
 *   checkpoint: a fill cut short by a crash or a network failure goes on as a fill on restart,
 *   adding new documents without reading first, and is reported as one (`onFill`).
 */
import { now } from 'rxdb';
import type { RxCollection, RxDocumentData, RxStorageInstance } from 'rxdb';
import type { CollectionName } from '@tillpoint/protocol';
import { insertNew } from './bulk-insert.js';
import type { TerminalDatabase } from './database.js';

export interface LeanPage {
  readonly documents: readonly Record<string, unknown>[];
  readonly checkpoint: unknown;
}

export interface LeanPullOptions {
  readonly db: TerminalDatabase;
  readonly name: CollectionName;
  /** Identifies the server and terminal: a stored checkpoint of another identity is ignored. */
  readonly identity: string;
  readonly batchSize: number;
  /**
   * Fetches one page after `checkpoint`. Waits on the shared back-off and reports success and
   * failure itself; rejects when the page could not be fetched.
   */
  fetchPage(checkpoint: unknown, limit: number): Promise<LeanPage>;
  /**
   * Runs after a non-empty page arrived and before it is written (the accounts gate). A
   * rejection drops the page; the pass is retried from the last stored checkpoint.
   */
  beforeWrite?(page: LeanPage): Promise<void>;
  /** A pass failed (it is retried after the shared back-off). */
  onError?(error: unknown): void;
  /** Waits before a failed pass is retried (the shared back-off). */
  retryDelay(): Promise<void>;
  /**
   * The fill began (true: the first pull of everything, with nothing stored yet, or one cut
   * short before) or ended (false). Called once the stored checkpoint is read, and again when
   * the fill reaches the server's end.
   */
  onFill?(filling: boolean): void;
}

interface StoredCheckpoint {
  readonly identity: string;
  readonly checkpoint: unknown;
  /** Written during the fill: a restart goes on filling. */
  readonly filling?: boolean;
}

type Doc = RxDocumentData<Record<string, unknown>>;
type Storage = RxStorageInstance<Record<string, unknown>, unknown, unknown, unknown>;

/** The local document holding a lean-pulled collection's checkpoint. */
export function leanCheckpointKey(name: CollectionName): string {
  return `pull-checkpoint-${name}`;
}

export class LeanPull {
  readonly #options: LeanPullOptions;
  readonly #storage: RxStorageInstance<Record<string, unknown>, unknown, unknown>;
  /** The same storage below RxDB's write layer (which would replace `_meta` and `_rev`). */
  readonly #original: Storage;
  readonly #primaryPath: string;
  #checkpoint: unknown = null;
  #loaded = false;
  #requested = false;
  #running: Promise<void> | undefined;
  /** The page being written and its checkpoint stored. */
  #writing: Promise<void> | undefined;
  #stopped = false;
  /** Resolves waiters of `awaitInSync` when a pass ends with nothing requested. */
  #idleWaiters: (() => void)[] = [];
  #firstPassDone = false;
  /**
   * A pass that began with nothing stored has not reached its end yet: its pages are new
   * documents, added without reading first. Afterwards a page is mostly changes to stored
   * documents, and adding them first would only fail, one request each.
   */
  #filling = false;

  constructor(options: LeanPullOptions) {
    this.#options = options;
    const collection = options.db.collections[options.name] as unknown as RxCollection<
      Record<string, unknown>
    >;
    this.#storage = collection.storageInstance as RxStorageInstance<
      Record<string, unknown>,
      unknown,
      unknown
    >;
    this.#original =
      (this.#storage as unknown as { originalStorageInstance?: Storage }).originalStorageInstance ??
      (this.#storage as Storage);
    this.#primaryPath = collection.schema.primaryPath as string;
  }

  /** The checkpoint of the last page stored (null before the first). */
  get checkpoint(): unknown {
    return this.#checkpoint;
  }

  start(): void {
    this.request();
  }

  /** Asks for a pass (pull until caught up); coalesced with one already waiting. */
  request(): void {
    if (this.#stopped) return;
    this.#requested = true;
    this.#running ??= this.#loop().finally(() => {
      this.#running = undefined;
      if (this.#requested && !this.#stopped) this.request();
      else this.#settle();
    });
  }

  /** Resolves once a pass has completed and none is running or requested. */
  awaitInSync(): Promise<void> {
    if (this.#stopped || (this.#firstPassDone && !this.#running && !this.#requested)) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops: no page is written after this resolves. Waits for a page being written, not for a
   * request in flight (its answer is dropped).
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#requested = false;
    await this.#writing?.catch(() => undefined);
    this.#settle();
  }

  #settle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  async #loop(): Promise<void> {
    while (this.#requested && !this.#stopped) {
      this.#requested = false;
      try {
        await this.#pass();
        this.#firstPassDone = true;
      } catch (error) {
        if (this.#stopped) return;
        this.#options.onError?.(error);
        this.#requested = true;
        await this.#options.retryDelay();
      }
    }
  }

  async #loadCheckpoint(): Promise<void> {
    if (this.#loaded) return;
    const doc = await this.#options.db.getLocal<{ value: StoredCheckpoint }>(
      leanCheckpointKey(this.#options.name),
    );
    const stored = doc?.toJSON().data.value as StoredCheckpoint | undefined;
    const mine = stored?.identity === this.#options.identity ? stored : undefined;
    this.#checkpoint = mine ? mine.checkpoint : null;
    this.#filling = mine ? mine.filling === true : true;
    this.#loaded = true;
    this.#options.onFill?.(this.#filling);
  }

  /** One pass: pages until a short one, each written before the next is. */
  async #pass(): Promise<void> {
    await this.#loadCheckpoint();
    const { batchSize } = this.#options;
    const fetchGated = async (checkpoint: unknown): Promise<LeanPage> => {
      const page = await this.#options.fetchPage(checkpoint, batchSize);
      if (page.documents.length > 0 && this.#options.beforeWrite && !this.#stopped) {
        await this.#options.beforeWrite(page);
      }
      return page;
    };
    let next: Promise<LeanPage> = fetchGated(this.#checkpoint);
    for (;;) {
      const page = await next;
      if (this.#stopped) return;
      const more = page.documents.length >= batchSize;
      // Prefetch: the server prepares the next page while this one is written.
      if (more) {
        next = fetchGated(page.checkpoint ?? this.#checkpoint);
        // Handled when awaited; a pass abandoned on a write error must not leave it unhandled.
        next.catch(() => undefined);
      }
      if (page.documents.length > 0) {
        this.#writing = this.#store(page);
        try {
          await this.#writing;
        } finally {
          this.#writing = undefined;
        }
        if (this.#stopped) return;
      }
      if (!more) {
        if (this.#filling) {
          this.#writing = this.#endFill();
          try {
            await this.#writing;
          } finally {
            this.#writing = undefined;
          }
        }
        return;
      }
    }
  }

  /** Writes a page, then its checkpoint: the stored checkpoint is never ahead of the data. */
  async #store(page: LeanPage): Promise<void> {
    await this.#write(page.documents);
    const checkpoint = page.checkpoint ?? this.#checkpoint;
    await this.#saveCheckpoint(checkpoint, this.#filling);
    this.#checkpoint = checkpoint;
  }

  async #saveCheckpoint(checkpoint: unknown, filling: boolean): Promise<void> {
    const value: StoredCheckpoint = {
      identity: this.#options.identity,
      checkpoint,
      ...(filling ? { filling } : {}),
    };
    await this.#options.db.upsertLocal(leanCheckpointKey(this.#options.name), { value });
  }

  /** The fill reached the server's end: later passes read before they write. */
  async #endFill(): Promise<void> {
    await this.#saveCheckpoint(this.#checkpoint, false);
    this.#filling = false;
    this.#options.onFill?.(false);
  }

  /**
   * Stores the server's states with one bulk write. While filling, every document is written as
   * new first (a fresh terminal's load reads nothing before writing); afterwards the stored
   * states are read first. A document stored in between comes back as a conflict with its
   * stored state, and is written again over it.
   */
  async #write(documents: readonly Record<string, unknown>[]): Promise<void> {
    const primaryPath = this.#primaryPath;
    const context = `tillpoint-lean-pull-${this.#options.name}`;
    // The last state of an id in the page wins (a page never repeats one; cheap insurance).
    const byId = new Map<string, Record<string, unknown>>();
    for (const doc of documents) byId.set(doc[primaryPath] as string, doc);
    // While filling, new documents are added below RxDB's write layer without reading first
    // (bulk-insert.ts), stored states as RxDB's layer would write them (revision 1 of this
    // database, lwt now).
    const ids = [...byId.keys()].sort();
    let held = ids;
    if (this.#filling) {
      const lwt = now();
      const revision = `1-${this.#options.db.token}`;
      const states = ids.map((id): Doc => {
        const master = byId.get(id) as Record<string, unknown>;
        return {
          ...master,
          _deleted: master['_deleted'] === true,
          _attachments: {},
          _meta: { lwt },
          _rev: revision,
        } as Doc;
      });
      const kept = await insertNew(this.#original, primaryPath, states, context);
      held = kept.map((state) => state[primaryPath] as string);
    }
    // The rest (all of a page after the fill: mostly changes to stored documents) are read first
    // and written over their stored states, so the storage does not try them as new ones
    // (dexie-storage.ts adds a batch of new documents without reading).
    const stored =
      held.length > 0 ? ((await this.#storage.findDocumentsById(held, true)) as Doc[]) : [];
    const previousOf = new Map(stored.map((doc) => [doc[primaryPath] as string, doc]));
    let rows: { previous?: Doc; document: Doc }[] = held.map((id) => {
      const master = byId.get(id) as Record<string, unknown>;
      const previous = previousOf.get(id);
      const document = {
        ...master,
        _deleted: master['_deleted'] === true,
        _attachments: {},
      } as Doc;
      return previous
        ? { previous, document: { ...document, _meta: previous._meta, _rev: previous._rev } }
        : { document };
    });
    for (let attempt = 0; rows.length > 0; attempt++) {
      if (attempt >= 5) throw new Error(`lean pull of ${this.#options.name}: write conflicts`);
      const result = await this.#storage.bulkWrite(rows as never, context);
      const retry: { previous: Doc; document: Doc }[] = [];
      for (const error of result.error) {
        const previous = error.status === 409 ? (error.documentInDb as Doc | undefined) : undefined;
        if (!previous) {
          throw new Error(
            `lean pull of ${this.#options.name}: storage refused ${error.documentId} (${error.status})`,
          );
        }
        const master = byId.get(error.documentId)!;
        retry.push({
          previous,
          document: {
            ...master,
            _deleted: master['_deleted'] === true,
            _attachments: {},
            _meta: previous._meta,
            _rev: previous._rev,
          } as Doc,
        });
      }
      rows = retry;
    }
  }
}
