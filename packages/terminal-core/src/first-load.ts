/**
 * The first load of a collection the terminal also writes (members), before RxDB's replication
 * of it starts.
 *
 * RxDB's downstream stores every pulled document twice: the document and its assumed master
 * state (the replication's meta instance). A fresh terminal's first pull of the whole chain's
 * members is most of its sync time, so it is loaded like the lean pull loads accounts, once:
 *
 * - Pages of the server's maximum size by checkpoint, the next one fetched while the current
 *   one is written, each written with one bulk write of the collection's storage below RxDB's
 *   wrapper (which would replace `_meta`), marked as written by the replication from the master
 *   (`_meta.o`: the replication identifier's hash and the revision height, RxDB's own marker, see
 *   its downstream and PR 7804). The downstream then takes a loaded document as the master's
 *   state and writes a later server change over it; no assumed master state is stored.
 * - The progress is a local document (`first-load-<collection>`: identity, server checkpoint,
 *   the collection's own checkpoint after the last loaded page, documents stored so far). A
 *   crash resumes from it.
 * - When done, RxDB's replication starts with `pull.initialCheckpoint` (the server checkpoint)
 *   and `push.initialCheckpoint` (the collection's checkpoint after the load): it neither pulls
 *   nor pushes what was loaded. RxDB uses them only when it has no checkpoint of its own.
 * - A local write during the load is not overwritten (a document that is not a loaded one is
 *   kept) and freezes the push checkpoint before it, so it is pushed (and the loaded documents
 *   written after it are pushed once more, unchanged: the server takes an unchanged state as
 *   no conflict). A load that starts again (after a failed page, or a restart) first looks
 *   for a local write after the stored push checkpoint that no load saw, and freezes too.
 * - The first local edit of a loaded document stores its assumed master state just before it is
 *   written (`rememberLoadedMaster`, a pre-save hook), so the push carries the state the
 *   server has and is not a conflict.
 */
import type { Subscription } from 'rxjs';
import {
  getAssumedMasterState,
  getChangedDocumentsSince,
  getHeightOfRevision,
  getMetaWriteRow,
  now,
  writeDocToDocState,
} from 'rxdb';
import type {
  RxCollection,
  RxDocumentData,
  RxStorageInstance,
  RxStorageInstanceReplicationState,
} from 'rxdb';
import type { CollectionName } from '@tillpoint/protocol';
import type { TerminalDatabase } from './database.js';
import type { LeanPage } from './lean-pull.js';
import { insertNew } from './bulk-insert.js';

export interface FirstLoadCheckpoints {
  /** The server's checkpoint after the last loaded page. */
  readonly downstream: unknown;
  /** The collection's own checkpoint after the loaded documents (undefined: from the start). */
  readonly upstream: unknown;
}

interface StoredProgress {
  readonly identity: string;
  readonly done: boolean;
  readonly checkpoint: unknown;
  readonly upCheckpoint?: unknown;
  /** A local write happened during the load: the push checkpoint stays before it. */
  readonly frozen?: boolean;
  /** Documents stored by the load so far, across restarts (a page pulled twice counts twice). */
  readonly loaded?: number;
}

type Doc = RxDocumentData<Record<string, unknown>>;
type Storage = RxStorageInstance<Record<string, unknown>, unknown, unknown, unknown>;

export function firstLoadKey(name: CollectionName): string {
  return `first-load-${name}`;
}

/** RxDB's hash of a replication's identifier, as its downstream writes it in `_meta.o`. */
export function replicationOriginHash(
  db: TerminalDatabase,
  replicationIdentifier: string,
): Promise<string> {
  return db.hashFunction('rxdbreplication' + replicationIdentifier);
}

/** Whether a stored document is still the master's state written by the replication/load. */
export function isMasterOrigin(doc: Doc, hash: string): boolean {
  const origin = (doc._meta as { o?: { hash?: string; _rev?: number } }).o;
  return !!origin && origin.hash === hash && origin._rev === getHeightOfRevision(doc._rev);
}

export interface FirstLoadOptions {
  readonly db: TerminalDatabase;
  readonly name: CollectionName;
  readonly identity: string;
  readonly replicationIdentifier: string;
  readonly batchSize: number;
  fetchPage(checkpoint: unknown, limit: number): Promise<LeanPage>;
  isStopped(): boolean;
  /** Called with each page's write (documents and progress), so a stop can wait for it. */
  track(writing: Promise<void>): void;
  /**
   * The load is under way: called before its first request (with what earlier runs stored) and
   * after each page is stored, with the documents stored so far. Not called when the
   * collection needs no load.
   */
  onProgress?(loaded: number): void;
}

/**
 * Loads the collection if this terminal has not got it yet; returns the checkpoints RxDB's
 * replication starts from, or undefined when it should start as usual (a collection already
 * replicated before first loads existed).
 */
export async function firstLoad(
  options: FirstLoadOptions,
): Promise<FirstLoadCheckpoints | undefined> {
  const { db, name, identity, batchSize } = options;
  const key = firstLoadKey(name);
  const storedDoc = await db.getLocal<{ value: StoredProgress }>(key);
  const stored = storedDoc?.toJSON().data.value as StoredProgress | undefined;
  let progress: StoredProgress;
  if (stored && stored.identity === identity) {
    if (stored.done) return { downstream: stored.checkpoint, upstream: stored.upCheckpoint };
    progress = stored;
  } else {
    const collection = db.collections[name] as unknown as RxCollection<Record<string, unknown>>;
    if ((await collection.findOne().exec()) !== null) return undefined;
    progress = { identity, done: false, checkpoint: null };
  }

  const collection = db.collections[name] as unknown as RxCollection<Record<string, unknown>>;
  const wrapped = collection.storageInstance as unknown as { originalStorageInstance: Storage };
  const storage = wrapped.originalStorageInstance;
  const primaryPath = collection.schema.primaryPath as string;
  const context = `tillpoint-first-load-${name}`;

  let upCheckpoint = progress.upCheckpoint;
  let frozen = progress.frozen === true;
  let loaded = progress.loaded ?? 0;
  options.onProgress?.(loaded);
  const subscription: Subscription = storage.changeStream().subscribe((bulk) => {
    if (frozen) return;
    if (bulk.context === context) upCheckpoint = bulk.checkpoint;
    else frozen = true;
  });
  try {
    const hash = await replicationOriginHash(db, options.replicationIdentifier);
    // A local write made while no load was watching (before a retry after a failed page, or
    // before a restart) is after the stored push checkpoint and not the master's: freeze.
    if (!frozen && (await localWriteSince(storage, upCheckpoint, hash))) frozen = true;
    let next = options.fetchPage(progress.checkpoint, batchSize);
    for (;;) {
      const page = await next;
      if (options.isStopped()) return undefined;
      const more = page.documents.length >= batchSize;
      if (more) {
        next = options.fetchPage(page.checkpoint ?? progress.checkpoint, batchSize);
        next.catch(() => undefined);
      }
      const writing = (async () => {
        if (page.documents.length > 0) {
          await writePage(storage, primaryPath, hash, db.token, context, page.documents);
        }
        progress = {
          identity,
          done: !more,
          checkpoint: page.checkpoint ?? progress.checkpoint,
          ...(upCheckpoint !== undefined ? { upCheckpoint } : {}),
          ...(frozen ? { frozen } : {}),
          loaded: loaded + page.documents.length,
        };
        await db.upsertLocal(key, { value: progress });
        loaded = progress.loaded ?? loaded;
      })();
      options.track(writing);
      await writing;
      options.onProgress?.(loaded);
      if (options.isStopped()) return undefined;
      if (!more) return { downstream: progress.checkpoint, upstream: progress.upCheckpoint };
    }
  } finally {
    subscription.unsubscribe();
  }
}

/** Whether the storage holds, after `checkpoint`, a document that is not a loaded one. */
async function localWriteSince(
  storage: Storage,
  checkpoint: unknown,
  hash: string,
): Promise<boolean> {
  let since = checkpoint as { id: string; lwt: number } | undefined;
  for (;;) {
    const changed = await getChangedDocumentsSince(storage as never, 1_000, since);
    const documents = changed.documents as unknown as Doc[];
    if (documents.some((doc) => !isMasterOrigin(doc, hash))) return true;
    if (documents.length < 1_000) return false;
    since = changed.checkpoint as { id: string; lwt: number };
  }
}

/**
 * Writes the master's states as new documents marked as from the master; a document already
 * stored is written over only if it is a loaded one (a repeated page), never a local write.
 */
async function writePage(
  storage: Storage,
  primaryPath: string,
  hash: string,
  token: string,
  context: string,
  documents: readonly Record<string, unknown>[],
): Promise<void> {
  const byId = new Map<string, Record<string, unknown>>();
  for (const doc of documents) byId.set(doc[primaryPath] as string, doc);
  const lwt = now();
  // In id order: a bulk's change event carries its last row as the checkpoint (RxDB's storages;
  // bulk-insert.ts takes the greatest), and the rows of one bulk share their lwt, so the
  // checkpoint is after every one of them.
  const ordered = [...byId.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const states = ordered.map(
    ([, master]): Doc =>
      ({
        ...master,
        _deleted: master['_deleted'] === true,
        _attachments: {},
        _meta: { lwt, o: { _rev: 1, hash } },
        _rev: `1-${token}`,
      }) as Doc,
  );
  // Added without reading first (bulk-insert.ts); the ones already stored are written below.
  const held = await insertNew(storage, primaryPath, states, context);
  let rows: { previous?: Doc; document: Doc }[] = held.map((document) => ({ document }));
  for (let attempt = 0; rows.length > 0; attempt++) {
    if (attempt >= 5) throw new Error(`first load: write conflicts`);
    const result = await storage.bulkWrite(rows as never, context);
    const retry: { previous: Doc; document: Doc }[] = [];
    const errors = [...result.error].sort((a, b) =>
      a.documentId < b.documentId ? -1 : a.documentId > b.documentId ? 1 : 0,
    );
    for (const error of errors) {
      const previous = error.status === 409 ? (error.documentInDb as Doc | undefined) : undefined;
      if (!previous) {
        throw new Error(`first load: storage refused ${error.documentId} (${error.status})`);
      }
      // A local write (not a loaded state): kept, and pushed by the replication.
      if (!isMasterOrigin(previous, hash)) continue;
      const master = byId.get(error.documentId)!;
      const height = getHeightOfRevision(previous._rev) + 1;
      retry.push({
        previous,
        document: {
          ...master,
          _deleted: master['_deleted'] === true,
          _attachments: {},
          _meta: { lwt: now(), o: { _rev: height, hash } },
          _rev: `${height}-${token}`,
        } as Doc,
      });
    }
    rows = retry;
  }
}

/** Replication states by collection, for `rememberLoadedMaster`. */
interface ActiveReplication {
  readonly state: () => RxStorageInstanceReplicationState<unknown> | undefined;
  readonly hash: string;
}
const ACTIVE = new WeakMap<object, ActiveReplication>();
const HOOKED = new WeakSet<object>();

/**
 * Before a local edit of a document whose stored state is the master's (loaded, or pulled and
 * not changed since) and has no assumed master state stored, stores it as the assumed master
 * state, so the edit is pushed against the server's revision.
 */
export function rememberLoadedMaster(
  collection: RxCollection<Record<string, unknown>>,
  internalState: () => RxStorageInstanceReplicationState<unknown> | undefined,
  hash: string,
): () => void {
  const active: ActiveReplication = { state: internalState, hash };
  ACTIVE.set(collection, active);
  if (!HOOKED.has(collection)) {
    HOOKED.add(collection);
    collection.preSave(async (_data, old) => {
      const current = ACTIVE.get(collection);
      const state = current?.state();
      const previous = old as unknown as Doc | undefined;
      if (!current || !state || typeof previous?._rev !== 'string' || !previous._meta) return;
      if (!isMasterOrigin(previous, current.hash)) return;
      const id = previous[state.primaryPath] as string;
      const assumed = await getAssumedMasterState(state, [id]);
      if (assumed[id]) return;
      const row = await getMetaWriteRow(state, writeDocToDocState(previous, false, false));
      // A 409: the downstream stored one meanwhile, which is as good.
      await state.input.metaInstance.bulkWrite([row], 'tillpoint-first-load-meta');
    }, false);
  }
  return () => {
    if (ACTIVE.get(collection) === active) ACTIVE.delete(collection);
  };
}
