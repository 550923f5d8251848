/**
 * RxDB's Dexie (IndexedDB) storage, the renderer's, with queries that read an index range in
 * one request instead of one request per document.
 *
 * RxDB's Dexie query walks the index with a cursor: opening it is one round trip to the
 * browser's IndexedDB backend and every further document one more, one after the other. A
 * phone lookup (one member) costs two, and a member card reads the member's transactions: a
 * regular customer with 200 of them cost 201 round trips of about 0.3 ms each, at the till,
 * while the customer waits. Here the same index range is read with `IDBIndex.getAll`: one
 * round trip for up to `chunk` documents (the first chunk is small, later ones grow), so a
 * range is read in a few requests whatever its size, and memory stays bounded when most of a
 * range does not match (a name search over the whole chain).
 *
 * The result is the same as RxDB's: the same query plan and key range (RxDB's own helpers),
 * documents in index order, the same matcher for what the index does not decide, the same
 * sort, skip and limit. Every RxDB index ends with the primary key, so index keys are unique
 * and the next chunk starts just after the last key read. Counting that the index cannot do
 * alone runs the same query.
 *
 * A write of new documents only (no row has a previous state: a checkout's transaction, a new
 * replication meta state, an enrolled member) does not read first. RxDB's `bulkWrite` reads
 * every id before it writes, to tell inserts from updates and conflicts: a second round trip
 * before the write, at the till, while the customer waits. Here the documents are `add`ed in one
 * transaction, in the storage's own format. An id the store already holds fails alone (its
 * ConstraintError is kept from aborting the transaction), and those rows go through RxDB's own
 * `bulkWrite`, which reports the conflict or writes over a deleted document exactly as before.
 * The change event is RxDB's own (`categorizeBulkWriteRows`, the last row as the checkpoint, as
 * its Dexie storage sets it). Updates, reads by id and everything else are RxDB's, unchanged.
 */
import {
  categorizeBulkWriteRows,
  getPrimaryFieldOfPrimaryKey,
  getQueryMatcher,
  getSortComparator,
} from 'rxdb';
import type {
  BulkWriteRow,
  DexieSettings,
  DexieStorageInternals,
  PreparedQuery,
  RxDocumentData,
  RxStorage,
  RxStorageBulkWriteResponse,
  RxStorageChangeEvent,
  EventBulk,
  RxStorageCountResult,
  RxStorageInstance,
  RxStorageInstanceCreationParams,
  RxStorageQueryResult,
} from 'rxdb';
import {
  DEXIE_DOCS_TABLE_NAME,
  dexieReplaceIfStartsWithPipe,
  fromDexieToStorage,
  fromStorageToDexie,
  getKeyRangeByQueryPlan,
  getRxStorageDexie,
} from 'rxdb/plugins/storage-dexie';

/** Documents in the first request of a query, and the most in any one request. */
export interface RangeReadOptions {
  readonly firstChunk?: number;
  readonly maxChunk?: number;
}

const FIRST_CHUNK = 64;
const MAX_CHUNK = 2_048;

type Doc = Record<string, unknown>;
type Instance = RxStorageInstance<Doc, DexieStorageInternals, DexieSettings>;

/** The Dexie storage the terminal runs on in the browser (and in Electron's renderer). */
export function getTerminalDexieStorage(
  settings: DexieSettings = {},
  options: RangeReadOptions = {},
): RxStorage<DexieStorageInternals, DexieSettings> {
  const dexie = getRxStorageDexie(settings);
  const storage: RxStorage<DexieStorageInternals, DexieSettings> = Object.create(dexie);
  storage.createStorageInstance = async <RxDocType>(
    params: RxStorageInstanceCreationParams<RxDocType, DexieSettings>,
  ) => {
    const instance = (await dexie.createStorageInstance(params)) as unknown as Instance;
    withRangeReads(instance, options);
    withAddedInserts(instance);
    return instance as unknown as RxStorageInstance<
      RxDocType,
      DexieStorageInternals,
      DexieSettings
    >;
  };
  return storage;
}

/** Replaces the instance's query (and its slow count) with range reads. */
function withRangeReads(instance: Instance, options: RangeReadOptions): void {
  const dexieQuery = instance.query.bind(instance);
  const dexieCount = instance.count.bind(instance);
  const closed = () => (instance as unknown as { closed?: unknown }).closed;
  instance.query = (prepared: PreparedQuery<Doc>) =>
    // A closed instance: RxDB's own method throws its usual error.
    closed() ? dexieQuery(prepared) : rangeQuery(instance, prepared, options);
  instance.count = async (prepared: PreparedQuery<Doc>): Promise<RxStorageCountResult> => {
    if (closed() || prepared.queryPlan.selectorSatisfiedByIndex) return dexieCount(prepared);
    const result = await rangeQuery(instance, prepared, options);
    return { count: result.documents.length, mode: 'slow' };
  };
}

/** Replaces the instance's bulkWrite for batches of new documents (see the top). */
function withAddedInserts(instance: Instance): void {
  const dexieBulkWrite = instance.bulkWrite.bind(instance);
  const closed = () => (instance as unknown as { closed?: unknown }).closed;
  instance.bulkWrite = async (
    rows: BulkWriteRow<Doc>[],
    context: string,
  ): Promise<RxStorageBulkWriteResponse<Doc>> => {
    const newOnly =
      rows.length > 0 &&
      !closed() &&
      !instance.schema.attachments &&
      rows.every((row) => !row.previous && !!row.document._rev);
    if (!newOnly) return dexieBulkWrite(rows, context);
    const state = await instance.internals;
    const primaryPath = getPrimaryFieldOfPrimaryKey(instance.schema.primaryKey) as string;
    const held = new Set<number>();
    const transaction = state.dexieDb.backendDB().transaction(DEXIE_DOCS_TABLE_NAME, 'readwrite');
    const store = transaction.objectStore(DEXIE_DOCS_TABLE_NAME);
    rows.forEach((row, at) => {
      const request = store.add(fromStorageToDexie(state.booleanIndexes, row.document));
      request.onerror = (event) => {
        // The id is stored already (the only unique key): RxDB's own write decides below.
        if (request.error?.name !== 'ConstraintError') return;
        event.preventDefault();
        event.stopPropagation();
        held.add(at);
      };
    });
    await new Promise<void>((resolve, reject) => {
      transaction.oncomplete = () => resolve();
      transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB write failed'));
      transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB write aborted'));
    });
    const added = rows.filter((_, at) => !held.has(at));
    if (added.length > 0) {
      const categorized = categorizeBulkWriteRows(instance, primaryPath, new Map(), added, context);
      const eventBulk = categorized.eventBulk as EventBulk<RxStorageChangeEvent<Doc>, unknown>;
      const newest = categorized.newestRow?.document;
      if (eventBulk.events.length > 0 && newest) {
        eventBulk.checkpoint = { id: newest[primaryPath], lwt: newest._meta.lwt };
        (instance as unknown as { changes$: { next(bulk: unknown): void } }).changes$.next(
          eventBulk,
        );
      }
    }
    const rest = rows.filter((_, at) => held.has(at));
    return rest.length > 0 ? dexieBulkWrite(rest, context) : { error: [] };
  };
}

async function rangeQuery(
  instance: Instance,
  prepared: PreparedQuery<Doc>,
  options: RangeReadOptions,
): Promise<RxStorageQueryResult<Doc>> {
  const state = await instance.internals;
  const query = prepared.query;
  const plan = prepared.queryPlan;
  const skip = query.skip ?? 0;
  const limit = typeof query.limit === 'number' ? query.limit : Infinity;
  const wanted = skip + limit;
  const matcher = plan.selectorSatisfiedByIndex
    ? undefined
    : getQueryMatcher(instance.schema, query as never);
  const KeyRange = (state.dexieDb as unknown as { _options: { IDBKeyRange: typeof IDBKeyRange } })
    ._options.IDBKeyRange;
  let range: IDBKeyRange;
  try {
    range = getKeyRangeByQueryPlan(state.booleanIndexes, plan, KeyRange);
  } catch (error) {
    // As RxDB: a range IndexedDB cannot express (lower above upper) holds nothing.
    if ((error as { name?: unknown }).name === 'DataError') return { documents: [] };
    throw error;
  }
  const indexName = `[${plan.index.map((field) => dexieReplaceIfStartsWithPipe(field)).join('+')}]`;
  const db = state.dexieDb.backendDB();
  const transaction = db.transaction(DEXIE_DOCS_TABLE_NAME, 'readonly');
  const index = transaction.objectStore(DEXIE_DOCS_TABLE_NAME).index(indexName);
  const paths: string[] = Array.isArray(index.keyPath) ? index.keyPath : [index.keyPath];
  const keyPath = paths.map((path) => path.split('.'));
  const rows: RxDocumentData<Doc>[] = [];
  let chunk = Math.max(1, options.firstChunk ?? FIRST_CHUNK);
  const maxChunk = Math.max(chunk, options.maxChunk ?? MAX_CHUNK);
  let next = range;
  for (;;) {
    // Not more than the limit needs when the index alone decides and orders the result.
    const count =
      matcher === undefined && plan.sortSatisfiedByIndex
        ? Math.min(chunk, wanted - rows.length)
        : chunk;
    if (count <= 0) break;
    const values = await request<Doc[]>(index.getAll(next, count));
    for (const value of values) {
      const doc = fromDexieToStorage(state.booleanIndexes, value) as RxDocumentData<Doc>;
      if (!matcher || matcher(doc as never)) rows.push(doc);
    }
    if (values.length < count) break;
    if (plan.sortSatisfiedByIndex && rows.length >= wanted) break;
    const last = values[values.length - 1] as Doc;
    next = KeyRange.bound(indexKeyOf(last, keyPath), range.upper, true, range.upperOpen);
    chunk = Math.min(maxChunk, chunk * 4);
  }
  const documents = plan.sortSatisfiedByIndex
    ? rows
    : rows.sort(getSortComparator(instance.schema, query as never));
  return { documents: documents.slice(skip, wanted) };
}

/** The index key of a stored (Dexie-form) document: the values at the index's key paths. */
function indexKeyOf(value: Doc, keyPath: readonly string[][]): IDBValidKey[] {
  return keyPath.map((segments) => {
    let current: unknown = value;
    for (const segment of segments) current = (current as Doc | undefined)?.[segment];
    return current as IDBValidKey;
  });
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}
