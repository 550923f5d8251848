/**
 * Inserting documents a store does not hold yet, for the bulk loads of a fresh terminal
 * (first-load.ts for members, lean-pull.ts for accounts).
 *
 * RxDB's `bulkWrite` on the Dexie storage reads every id of the batch before it writes,
 * because it must tell inserts from updates. A fresh terminal's load writes 200,000 documents
 * the store has never held, and those reads are half of its IndexedDB requests. Here, on the
 * Dexie storage, each document is `add`ed in one IndexedDB transaction, in the storage's own
 * format (RxDB's `fromStorageToDexie`). A document whose id the store already holds fails on its
 * own: its ConstraintError is kept from aborting the transaction, and the document is returned
 * so the caller can write it the ordinary way (`bulkWrite`, which reads the stored state).
 *
 * The change event of the added documents is built by RxDB's own `categorizeBulkWriteRows`, as
 * inserts, with the Dexie storage's checkpoint (`{ id, lwt }`, here the greatest of the bulk). It
 * goes to the storage instance's change stream as its `bulkWrite` would send it, so the
 * collection, its queries and the replication see what they would have seen.
 *
 * On any other storage (memory, in Node) the storage's own `bulkWrite` inserts them, and the
 * documents it refuses as already stored (409) are returned the same way.
 */
import { categorizeBulkWriteRows } from 'rxdb';
import type { BulkWriteRow, RxDocumentData, RxStorageInstance } from 'rxdb';
import { DEXIE_DOCS_TABLE_NAME, fromStorageToDexie } from 'rxdb/plugins/storage-dexie';
import type { Subject } from 'rxjs';

type Doc = RxDocumentData<Record<string, unknown>>;
type Storage = RxStorageInstance<Record<string, unknown>, unknown, unknown, unknown>;

/** What the Dexie storage instance keeps where this module reads it. */
interface DexieState {
  readonly dexieDb: { backendDB(): IDBDatabase };
  readonly booleanIndexes: string[];
}

/**
 * Inserts `documents` (complete stored states: `_meta`, `_rev`, `_deleted`, `_attachments`)
 * below RxDB's write layer; returns those not inserted because the store holds their id.
 */
export async function insertNew(
  storage: Storage,
  primaryPath: string,
  documents: readonly Doc[],
  context: string,
): Promise<Doc[]> {
  if (documents.length === 0) return [];
  const dexie = await dexieStateOf(storage);
  if (!dexie) return insertWithBulkWrite(storage, documents, context);

  const held = new Set<string>();
  const transaction = dexie.dexieDb.backendDB().transaction(DEXIE_DOCS_TABLE_NAME, 'readwrite');
  const store = transaction.objectStore(DEXIE_DOCS_TABLE_NAME);
  for (const document of documents) {
    const request = store.add(fromStorageToDexie(dexie.booleanIndexes, document));
    request.onerror = (event) => {
      // The id is stored already (no other unique key exists): not this document's turn.
      if (request.error?.name !== 'ConstraintError') return;
      event.preventDefault();
      event.stopPropagation();
      held.add(document[primaryPath] as string);
    };
  }
  await new Promise<void>((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB write failed'));
    transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB write aborted'));
  });

  const inserted = documents.filter((doc) => !held.has(doc[primaryPath] as string));
  announce(storage, primaryPath, inserted, context);
  return documents.filter((doc) => held.has(doc[primaryPath] as string));
}

/** The Dexie storage's state, or undefined for any other storage. */
async function dexieStateOf(storage: Storage): Promise<DexieState | undefined> {
  const internals = (storage as { internals?: unknown }).internals;
  if (!(internals instanceof Promise)) return undefined;
  const state = (await (internals as Promise<unknown>)) as Partial<DexieState> | undefined;
  return typeof state?.dexieDb?.backendDB === 'function' && Array.isArray(state.booleanIndexes)
    ? (state as DexieState)
    : undefined;
}

/** Sends the insert event the storage's own bulkWrite would have sent for these documents. */
function announce(
  storage: Storage,
  primaryPath: string,
  inserted: readonly Doc[],
  context: string,
): void {
  if (inserted.length === 0) return;
  const rows: BulkWriteRow<Record<string, unknown>>[] = inserted.map((document) => ({ document }));
  const { eventBulk } = categorizeBulkWriteRows(storage, primaryPath, new Map(), rows, context);
  if (eventBulk.events.length === 0) return; // tombstones only: RxDB announces none either
  let newest = inserted[0] as Doc;
  for (const doc of inserted) {
    const lwt = doc._meta.lwt;
    if (
      lwt > newest._meta.lwt ||
      (lwt === newest._meta.lwt && (doc[primaryPath] as string) > (newest[primaryPath] as string))
    ) {
      newest = doc;
    }
  }
  eventBulk.checkpoint = { id: newest[primaryPath], lwt: newest._meta.lwt };
  const changes = (storage as unknown as { changes$: Subject<typeof eventBulk> }).changes$;
  changes.next(eventBulk);
}

async function insertWithBulkWrite(
  storage: Storage,
  documents: readonly Doc[],
  context: string,
): Promise<Doc[]> {
  const result = await storage.bulkWrite(
    documents.map((document) => ({ document })),
    context,
  );
  return result.error.map((error) => {
    if (error.status !== 409 || !error.documentInDb) {
      throw new Error(`storage refused ${error.documentId} (${error.status})`);
    }
    return error.writeRow.document as Doc;
  });
}
