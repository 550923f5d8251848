import { describe, expect, it } from 'vitest';
import { createRxDatabase } from 'rxdb';
import type { RxJsonSchema } from 'rxdb';
import { COLLECTIONS } from '@tillpoint/protocol';
import type { MemberDoc, TransactionDoc } from '@tillpoint/protocol';
import { checkout, newMember } from '../../../server/src/test-support/ledger-fixtures.js';
import { openTerminalDatabase } from './database.js';
import { testStorage, uniqueName } from './test-support/terminal-fixture.js';

const terminal = { terminalId: 'till-1', storeId: 'store-1' };

describe('the terminal database', () => {
  it('opens a store written with members schema 0 (before the status index) and keeps its members', async () => {
    const name = uniqueName('migrate');
    const { version: _version, indexes, ...current } = COLLECTIONS.members;
    const schemaV0 = {
      ...current,
      version: 0,
      indexes: (indexes ?? []).filter((index) => index !== 'status'),
    } as RxJsonSchema<MemberDoc>;
    const survivor = newMember(terminal, { phone: '+14155550100', name: 'Ada Lovelace' });
    const duplicate = {
      ...newMember(terminal, { phone: '+14155550101', name: 'Ada L' }),
      status: 'merged' as const,
      mergedInto: survivor.id,
    };
    const old = await createRxDatabase({ name, storage: testStorage, multiInstance: false });
    await old.addCollections({ members: { schema: schemaV0 } });
    await old.collections['members']!.bulkInsert([survivor, duplicate]);
    await old.close();

    const db = await openTerminalDatabase(testStorage, name);
    try {
      expect(db.members.schema.version).toBe(1);
      expect((await db.members.findOne(survivor.id).exec())?.toJSON()).toMatchObject(survivor);
      const merged = await db.members.find({ selector: { status: 'merged' } }).exec();
      expect(merged.map((doc) => doc.id)).toEqual([duplicate.id]);
      expect(merged[0]?.mergedInto).toBe(survivor.id);
    } finally {
      await db.close();
    }
  });

  it('opens a store written with transactions schema 0 (bonuses without a year), pending ones kept', async () => {
    const name = uniqueName('migrate-tx');
    const current = COLLECTIONS.transactions;
    const bonusItems = (current.properties.bonuses as { items: { properties: object } }).items;
    const { year: _year, ...v0Bonus } = bonusItems.properties as Record<string, unknown>;
    const schemaV0 = {
      ...current,
      version: 0,
      properties: {
        ...current.properties,
        bonuses: {
          ...current.properties.bonuses,
          items: { ...bonusItems, properties: v0Bonus },
        },
      },
    } as RxJsonSchema<TransactionDoc>;
    const member = newMember(terminal, { phone: '+14155550102', name: 'Ada Lovelace' });
    const pending = {
      ...checkout(terminal, member.id, { paid: 20_00 }),
      bonuses: [{ kind: 'birthday' as const, points: 100 }],
      pointsEarned: 120,
    };
    const old = await createRxDatabase({ name, storage: testStorage, multiInstance: false });
    await old.addCollections({ transactions: { schema: schemaV0 } });
    await old.collections['transactions']!.insert(pending);
    await old.close();

    const db = await openTerminalDatabase(testStorage, name);
    try {
      expect(db.transactions.schema.version).toBe(2);
      expect((await db.transactions.findOne(pending.id).exec())?.toJSON()).toMatchObject(pending);
    } finally {
      await db.close();
    }
  });
});
