import { describe, expect, it } from 'vitest';
import type { Queryable } from '../db/database.js';
import { createTestDatabase, testTargets } from '../test-support/test-database.js';
import { readLedgerSnapshot } from './ledger-repository.js';

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly 'Index Name'?: string;
  readonly Plans?: readonly PlanNode[];
}

function scansOf(node: PlanNode, relation: string): PlanNode[] {
  const own = node['Relation Name'] === relation ? [node] : [];
  return [...own, ...(node.Plans ?? []).flatMap((child) => scansOf(child, relation))];
}

describe.each(testTargets())('the ledger snapshot read on %s', (target) => {
  it('finds each document by index in a generic plan made while the tables were empty', async () => {
    // The statement as the ledger sends it (prepared per connection on PostgreSQL, which then
    // reuses a generic plan). One made on an empty table once joined every account of the chain
    // through a hash on each push, until autovacuum next analyzed the table.
    const sent: string[] = [];
    const recorder: Queryable = {
      query: (sql) => {
        sent.push(sql);
        return Promise.resolve({ rows: [], rowCount: 0 });
      },
      exec: () => Promise.resolve(),
    };
    await readLedgerSnapshot(recorder, ['member-1', 'member-2'], ['tx-1']);
    expect(sent).toHaveLength(1);

    const testDb = await createTestDatabase(target);
    try {
      const plan = await testDb.db.transaction(async (tx) => {
        await tx.query('SET LOCAL plan_cache_mode = force_generic_plan');
        await tx.exec(`PREPARE snapshot_plan(text[], text[], text, text) AS ${sent[0]}`);
        const { rows } = await tx.query<{ 'QUERY PLAN': unknown }>(
          `EXPLAIN (FORMAT JSON) EXECUTE snapshot_plan('{member-1,member-2}', '{tx-1}', 'default', '')`,
        );
        await tx.exec('DEALLOCATE snapshot_plan');
        const json = rows[0]?.['QUERY PLAN'];
        return (typeof json === 'string' ? JSON.parse(json) : json) as [{ Plan: PlanNode }];
      });
      const scans = scansOf(plan[0].Plan, 'sync_documents');
      // Members (and their merge chain), stored transactions, accounts, the program.
      expect(scans.length).toBeGreaterThanOrEqual(5);
      for (const scan of scans) {
        expect({ type: scan['Node Type'], index: scan['Index Name'] }).toEqual({
          type: 'Index Scan',
          index: expect.any(String),
        });
      }
    } finally {
      await testDb.dispose();
    }
  });
});
