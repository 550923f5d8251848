import { foldAccount, refreshAccount } from '@tillpoint/loyalty';
import type { Account, SequencedTransaction } from '@tillpoint/loyalty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthService } from '../auth/auth-service.js';
import { ledgerOf } from '../ledger/ledger-repository.js';
import { readDocument } from '../sync/document-store.js';
import { createSyncCollections } from '../sync/sync-collections.js';
import { createTestDatabase } from '../test-support/test-database.js';
import type { TestDatabase } from '../test-support/test-database.js';
import { DEFAULT_PROGRAM } from '@tillpoint/loyalty';
import { loadDemo } from './demo-data.js';

describe('the demo data', () => {
  let testDb: TestDatabase;
  const registry = createSyncCollections();
  const lines: string[] = [];

  beforeAll(async () => {
    testDb = await createTestDatabase('pglite');
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  it('loads members with histories whose accounts are the folds of their ledgers, once', async () => {
    const auth = new AuthService(testDb.db, 'test-pepper-test-pepper');
    const now = new Date('2026-06-01T12:00:00.000Z');
    const result = await loadDemo(testDb.db, registry, auth, (line) => lines.push(line), {
      members: 60,
      now,
    });
    expect(result).toMatchObject({ loaded: true, members: 60 });
    expect(
      lines.some((line) => /^enrollment code .*: [0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/.test(line)),
    ).toBe(true);
    expect(lines.some((line) => /manager .* PIN: \d{6}$/.test(line))).toBe(true);

    const { rows } = await testDb.db.query<{ id: string }>(
      `SELECT id FROM sync_documents WHERE collection = 'members' ORDER BY id LIMIT 5`,
    );
    for (const { id } of rows) {
      const account = await readDocument(testDb.db, registry.require('accounts'), id);
      const ledger = await ledgerOf(testDb.db, [id]);
      const { account: folded } = foldAccount(
        id,
        ledger as unknown as SequencedTransaction[],
        DEFAULT_PROGRAM,
        {},
        now.toISOString(),
      );
      // The stored account is the fold up to its last transaction; read at the same instant
      // (expiry up to now) it equals the fold of the whole ledger.
      const read = refreshAccount(
        account as unknown as Account,
        DEFAULT_PROGRAM,
        now.toISOString(),
      );
      expect(read).toMatchObject({
        balance: folded.balance,
        lifetime: folded.lifetime,
        expired: folded.expired,
        visits: folded.visits,
      });
      expect(ledger.length).toBeGreaterThan(0);
    }
    expect(
      await readDocument(testDb.db, registry.require('coupons'), 'demo-onetime'),
    ).toMatchObject({ usageLimit: 1 });

    const again = await loadDemo(testDb.db, registry, auth, (line) => lines.push(line), {
      members: 60,
      now,
    });
    expect(again.loaded).toBe(false);
    expect(lines.at(-1)).toMatch(/already loaded/);
  });
});
