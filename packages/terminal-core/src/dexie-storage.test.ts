/**
 * The terminal's Dexie storage answers every query exactly as RxDB's own Dexie storage does
 * (same documents, same order, same counts), over an IndexedDB implementation in Node, with
 * chunks small enough that every range is read in several requests.
 */
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { createRxDatabase, normalizeMangoQuery, prepareQuery } from 'rxdb';
import type {
  BulkWriteRow,
  MangoQuery,
  RxCollection,
  RxDatabase,
  RxDocumentData,
  RxJsonSchema,
  RxStorage,
  RxStorageInstance,
} from 'rxdb';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTerminalDexieStorage } from './dexie-storage.js';

interface Row {
  id: string;
  phone: string;
  name: string;
  score: number;
  flag: boolean;
  tag: string;
  nested: { at: number };
}

const schema: RxJsonSchema<Row> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 40 },
    phone: { type: 'string', maxLength: 20 },
    name: { type: 'string' },
    score: { type: 'number', minimum: 0, maximum: 1000, multipleOf: 1 },
    flag: { type: 'boolean' },
    tag: { type: 'string', maxLength: 10 },
    nested: {
      type: 'object',
      properties: { at: { type: 'number', minimum: 0, maximum: 1e6, multipleOf: 1 } },
      required: ['at'],
    },
  },
  required: ['id', 'phone', 'name', 'score', 'flag', 'tag', 'nested'],
  indexes: ['phone', 'score', 'flag', ['tag', 'score'], 'nested.at'],
};

const ROWS = 300;
const TAGS = ['a', 'b', 'c', 'ab'];

function row(i: number): Row {
  return {
    id: `m-${String((i * 7919) % 1000).padStart(4, '0')}-${i}`,
    phone: `+1415555${String(i % 250).padStart(4, '0')}`,
    name: `Member ${i}`,
    score: (i * 37) % 101,
    flag: i % 3 === 0,
    tag: TAGS[i % TAGS.length] as string,
    nested: { at: (i * 13) % 97 },
  };
}

async function open(
  name: string,
  storage: RxStorage<unknown, unknown>,
): Promise<{ db: RxDatabase; rows: RxCollection<Row> }> {
  const db = await createRxDatabase({ name, storage, multiInstance: false });
  const { rows } = await db.addCollections({ rows: { schema } });
  const all = Array.from({ length: ROWS }, (_, i) => row(i));
  await rows.bulkInsert(all);
  // Deleted documents stay in the store as tombstones: queries must skip them alike.
  const gone = all.filter((_, i) => i % 10 === 4).map((doc) => doc.id);
  await rows.bulkRemove(gone);
  return { db, rows: rows as RxCollection<Row> };
}

const QUERIES: [string, MangoQuery<Row>][] = [
  ['one phone', { selector: { phone: '+14155550042' } }],
  ['two members share a phone', { selector: { phone: '+14155550007' } }],
  ['a phone no one has', { selector: { phone: '+19999999999' } }],
  ['a score range', { selector: { score: { $gte: 10, $lt: 50 } }, sort: [{ score: 'asc' }] }],
  [
    'a range sorted down, skip and limit',
    { selector: { score: { $gt: 20 } }, sort: [{ score: 'desc' }], skip: 3, limit: 7 },
  ],
  ['a boolean index', { selector: { flag: true } }],
  ['a boolean index, false', { selector: { flag: false }, limit: 40 }],
  ['a regex no index decides', { selector: { tag: { $regex: 'b' } } }],
  [
    'a compound index and a range',
    { selector: { tag: 'a', score: { $gt: 5 } }, sort: [{ tag: 'asc' }, { score: 'asc' }] },
  ],
  ['everything, by id, a page', { selector: {}, sort: [{ id: 'asc' }], skip: 10, limit: 25 }],
  ['everything', { selector: {} }],
  [
    'an index order and a matcher with a limit',
    { selector: { name: { $regex: 'Member 1' } }, sort: [{ score: 'asc' }], limit: 10 },
  ],
  [
    'sorted by a field the index does not order',
    { selector: { flag: true }, sort: [{ name: 'asc' }], limit: 15 },
  ],
  ['a nested index', { selector: { 'nested.at': { $lte: 20 } }, sort: [{ 'nested.at': 'asc' }] }],
  ['nothing in range', { selector: { score: { $gt: 1000 } } }],
  ['an impossible range', { selector: { score: { $gt: 50, $lt: 10 } } }],
  ['a set of phones', { selector: { phone: { $in: ['+14155550001', '+14155550200'] } } }],
  ['limit 0', { selector: {}, sort: [{ id: 'asc' }], limit: 0 }],
  ['not equal', { selector: { tag: { $ne: 'a' } }, sort: [{ score: 'asc' }], limit: 50 }],
];

describe('the terminal Dexie storage', () => {
  let rxdb: { db: RxDatabase; rows: RxCollection<Row> };
  let terminal: { db: RxDatabase; rows: RxCollection<Row> };

  beforeAll(async () => {
    rxdb = await open('rxdb-cursor', getRxStorageDexie({ indexedDB, IDBKeyRange }));
    terminal = await open(
      'terminal-range',
      getTerminalDexieStorage({ indexedDB, IDBKeyRange }, { firstChunk: 2, maxChunk: 9 }),
    );
  });

  afterAll(async () => {
    await rxdb?.db.close();
    await terminal?.db.close();
  });

  it.each(QUERIES)('answers "%s" as RxDB does', async (_name, query) => {
    const expected = (await rxdb.rows.find(query).exec()).map((doc) => doc.toJSON());
    const actual = (await terminal.rows.find(query).exec()).map((doc) => doc.toJSON());
    expect(actual).toEqual(expected);
    // Counting, at the storage: RxDB itself refuses a count the index cannot do alone.
    const counted = await Promise.all(
      [rxdb, terminal].map(({ rows }) => {
        const { jsonSchema } = rows.schema;
        const normalized = normalizeMangoQuery(jsonSchema, { selector: query.selector ?? {} });
        return rows.storageInstance.count(prepareQuery(jsonSchema, normalized));
      }),
    );
    expect(counted[1]).toEqual(counted[0]);
  });

  it('sees its own writes and deletions', async () => {
    await terminal.rows.insert({ ...row(5000), phone: '+14155550042' });
    await rxdb.rows.insert({ ...row(5000), phone: '+14155550042' });
    const first = await terminal.rows.findOne({ selector: { phone: '+14155550042' } }).exec();
    await first?.remove();
    const firstRx = await rxdb.rows.findOne({ selector: { phone: '+14155550042' } }).exec();
    await firstRx?.remove();
    const query = { selector: { phone: '+14155550042' } };
    const actual = (await terminal.rows.find(query).exec()).map((doc) => doc.id);
    expect(actual).toEqual((await rxdb.rows.find(query).exec()).map((doc) => doc.id));
    expect(actual.length).toBeGreaterThan(0);
  });

  it('writes new documents as RxDB does: stored state, conflicts and change events', async () => {
    type Stored = RxDocumentData<Row>;
    const below = (collection: RxCollection<Row>) =>
      (
        collection.storageInstance as unknown as {
          originalStorageInstance: RxStorageInstance<Row, unknown, unknown>;
        }
      ).originalStorageInstance;
    const state = (i: number, patch: Partial<Stored> = {}): Stored => ({
      ...row(i),
      _deleted: false,
      _attachments: {},
      _meta: { lwt: 1_700_000_000_000 + i },
      _rev: `1-write${i}`,
      ...patch,
    });
    const runs = await Promise.all(
      [rxdb, terminal].map(async ({ rows }) => {
        const storage = below(rows);
        const events: unknown[] = [];
        const subscription = storage.changeStream().subscribe((bulk) =>
          events.push({
            context: bulk.context,
            checkpoint: bulk.checkpoint,
            events: bulk.events.map(
              ({ documentId, operation, documentData, previousDocumentData }) => ({
                documentId,
                operation,
                documentData,
                previousDocumentData,
              }),
            ),
          }),
        );
        const results: unknown[] = [];
        const write = async (writes: BulkWriteRow<Row>[]) => {
          const { error } = await storage.bulkWrite(writes, 'write-test');
          results.push(
            error.map((e) => ({
              id: e.documentId,
              status: e.status,
              inDb: 'documentInDb' in e ? e.documentInDb : undefined,
            })),
          );
        };
        // New documents only; then a stored id among new ones; then over a deleted one.
        await write([7001, 7002, 7003].map((i) => ({ document: state(i) })));
        await write([{ document: state(7002, { name: 'again' }) }, { document: state(7004) }]);
        await write([
          { previous: state(7003), document: state(7003, { _deleted: true, _rev: '2-gone' }) },
        ]);
        await write([
          { document: state(7003, { _rev: '3-back' }) },
          { document: state(7005, { _deleted: true }) },
        ]);
        subscription.unsubscribe();
        const stored = await storage.findDocumentsById(
          [7001, 7002, 7003, 7004, 7005].map((i) => row(i).id),
          true,
        );
        const byId = stored.sort((a, b) => (a.id < b.id ? -1 : 1));
        return { results, events, byId };
      }),
    );
    const [expected, actual] = runs as [(typeof runs)[0], (typeof runs)[0]];
    expect(actual.results).toEqual(expected.results);
    expect(actual.events).toEqual(expected.events);
    expect(actual.byId).toEqual(expected.byId);
    // The cases did happen: a conflict on the stored id, and every document stored.
    expect(expected.results[1]).toEqual([
      expect.objectContaining({ id: state(7002).id, status: 409 }),
    ]);
    expect(expected.byId).toHaveLength(5);
  });
});
