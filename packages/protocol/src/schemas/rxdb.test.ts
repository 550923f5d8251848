import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addRxPlugin, createRxDatabase } from 'rxdb';
import type { RxDatabase } from 'rxdb';
import { RxDBDevModePlugin, disableWarnings } from 'rxdb/plugins/dev-mode';
import { RxDBMigrationSchemaPlugin } from 'rxdb/plugins/migration-schema';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';
import { COLLECTIONS, COLLECTION_MIGRATIONS, COLLECTION_NAMES } from './index.js';
import type { CollectionName } from './index.js';
import { copyOf, moreValidDocuments, sampleDocuments } from '../test-fixtures.js';

// Open-source RxDB allows 13 open collections per process; each test opens one database of 8
// and removes it afterwards, so tests must not overlap.
let db: RxDatabase | undefined;
let dbCounter = 0;

beforeAll(() => {
  disableWarnings();
  addRxPlugin(RxDBDevModePlugin);
  addRxPlugin(RxDBMigrationSchemaPlugin);
});

afterEach(async () => {
  await db?.remove();
  db = undefined;
});

async function openDatabase(): Promise<RxDatabase> {
  db = await createRxDatabase({
    name: `protocol-test-${process.pid}-${++dbCounter}`,
    storage: wrappedValidateAjvStorage({ storage: getRxStorageMemory() }),
    multiInstance: false,
  });
  await db.addCollections(
    Object.fromEntries(
      COLLECTION_NAMES.map((name) => [
        name,
        { schema: COLLECTIONS[name], migrationStrategies: COLLECTION_MIGRATIONS[name] },
      ]),
    ),
  );
  return db;
}

function collection(database: RxDatabase, name: CollectionName) {
  const found = database.collections[name];
  if (!found) throw new Error(`collection ${name} missing`);
  return found;
}

type Mutation = readonly [label: string, change: (doc: Record<string, unknown>) => void];

const INVALID: { readonly [C in CollectionName]: readonly Mutation[] } = {
  program: [
    ['missing version', (doc) => delete doc.version],
    ['settings not an object', (doc) => (doc.settings = 'fast')],
  ],
  members: [
    ['missing phone', (doc) => delete doc.phone],
    ['phone not E.164', (doc) => (doc.phone = '212-555-0123')],
    ['bad status', (doc) => (doc.status = 'vip')],
    ['consent not boolean', (doc) => ((doc.consents as Record<string, unknown>).sms = 'yes')],
    ['unknown field', (doc) => (doc.loyaltyPoints = 5)],
    ['bad birthday', (doc) => (doc.birthday = '15/05/1990')],
  ],
  accounts: [
    ['missing balance', (doc) => delete doc.balance],
    ['fractional balance', (doc) => (doc.balance = 1.5)],
  ],
  transactions: [
    ['missing memberId', (doc) => delete doc.memberId],
    ['bad kind', (doc) => (doc.kind = 'gift')],
    ['negative points', (doc) => (doc.pointsEarned = -1)],
    ['amount as string', (doc) => (doc.orderTotal = '45.99')],
    ['id not a UUIDv7', (doc) => (doc.id = 'tx-1')],
  ],
  coupons: [
    ['lower-case code', (doc) => (doc.code = 'summer10')],
    ['bad kind', (doc) => (doc.kind = 'bogo')],
    ['missing usage', (doc) => delete doc.usage],
  ],
  rewards: [
    ['stock as string', (doc) => (doc.stock = 'lots')],
    ['bad kind', (doc) => (doc.kind = 'cash')],
    ['zero points cost', (doc) => (doc.pointsCost = 0)],
  ],
  staff: [
    ['bad role', (doc) => (doc.role = 'owner')],
    ['plain PIN', (doc) => (doc.pinHash = '1234')],
  ],
  reviews: [
    ['missing summary', (doc) => delete doc.summary],
    ['bad status', (doc) => (doc.status = 'pending')],
    ['bad kind', (doc) => (doc.kind = 'fraud')],
  ],
};

describe('RxDB schemas', () => {
  it('declares the eight collections, well under the open-source limit of 13', () => {
    expect(COLLECTION_NAMES).toEqual([
      'program',
      'members',
      'accounts',
      'transactions',
      'coupons',
      'rewards',
      'staff',
      'reviews',
    ]);
  });

  it('are accepted by RxDB dev-mode and store a valid document of each collection', async () => {
    const database = await openDatabase();
    for (const name of COLLECTION_NAMES) {
      const docs = [sampleDocuments[name], ...(moreValidDocuments[name] ?? [])];
      for (const [i, doc] of docs.entries()) {
        // Variants share the sample's id; make each one unique (a digit keeps UUIDs valid).
        const id = doc.id.replace(/.$/, String(i));
        const stored = await collection(database, name).insert({ ...copyOf(doc), id });
        expect(stored.primary).toBe(id);
      }
      const count = await collection(database, name).count().exec();
      expect(count, name).toBe(docs.length);
    }
  });

  it('find members by phone, phone suffix, name prefix and referral code through indexes', async () => {
    const database = await openDatabase();
    const members = collection(database, 'members');
    await members.insert(copyOf(sampleDocuments.members));
    const byPhone = await members.findOne({ selector: { phone: '+12125550123' } }).exec();
    const bySuffix = await members.find({ selector: { phoneSuffix: '0123' } }).exec();
    const byName = await members
      .find({ selector: { searchName: { $gte: 'zoe', $lt: 'zoe\uffff' } } })
      .exec();
    const byCode = await members.findOne({ selector: { referralCode: 'ZOE8X9Y2' } }).exec();
    expect(byPhone?.primary).toBe(sampleDocuments.members.id);
    expect(bySuffix.map((doc) => doc.primary)).toEqual([sampleDocuments.members.id]);
    expect(byName.map((doc) => doc.primary)).toEqual([sampleDocuments.members.id]);
    expect(byCode?.primary).toBe(sampleDocuments.members.id);
  });

  it('run under dev-mode, which refuses a schema mistake', async () => {
    const database = await openDatabase();
    await expect(
      database.addCollections({
        broken: {
          schema: {
            version: 0,
            primaryKey: 'id',
            type: 'object',
            properties: { id: { type: 'string', maxLength: 36 }, code: { type: 'string' } },
            required: ['id', 'code'],
            indexes: ['code'],
          },
        },
      }),
    ).rejects.toMatchObject({ code: 'SC34' });
  });

  for (const name of COLLECTION_NAMES) {
    it(`refuse invalid ${name} documents`, async () => {
      const database = await openDatabase();
      for (const [label, change] of INVALID[name]) {
        const doc = copyOf(sampleDocuments[name]) as Record<string, unknown>;
        change(doc);
        await expect(collection(database, name).insert(doc), label).rejects.toMatchObject({
          code: 'VD2',
        });
      }
      expect(await collection(database, name).count().exec()).toBe(0);
    });
  }
});
