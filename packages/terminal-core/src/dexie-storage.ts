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
 * alone runs the same query. Writes, reads by id and everything else are RxDB's, unchanged.
 */
import { getQueryMatcher, getSortComparator } from 'rxdb';
import type {
  DexieSettings,
  DexieStorageInternals,
  PreparedQuery,
  RxDocumentData,
  RxStorage,
  RxStorageCountResult,
  RxStorageInstance,
  RxStorageInstanceCreationParams,
  RxStorageQueryResult,
} from 'rxdb';
import {
  DEXIE_DOCS_TABLE_NAME,
  dexieReplaceIfStartsWithPipe,
  fromDexieToStorage,
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
