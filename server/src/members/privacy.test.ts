/**
 * Privacy requests: a member's export holds everything the chain keeps about them; erasure
 * removes the person, keeps the ledger, reaches the tills as a change, and no till brings a
 * field back, not even one that edited the member offline before the erasure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatHlc, stampFields } from '@tillpoint/protocol';
import type { MemberDoc } from '@tillpoint/protocol';
import { AuthService } from '../auth/auth-service.js';
import { runCli } from '../cli.js';
import type { RunningServer } from '../server.js';
import { readDocument } from '../sync/document-store.js';
import { createSyncCollections } from '../sync/sync-collections.js';
import type { SyncDocument } from '../sync/sync-types.js';
import { checkout, newMember } from '../test-support/ledger-fixtures.js';
import type { TerminalIdentity } from '../test-support/ledger-fixtures.js';
import { createTestDatabase, testTargets } from '../test-support/test-database.js';
import type { TestDatabase } from '../test-support/test-database.js';
import { TestClient, enrollTestTerminal, startTestServer } from '../test-support/test-server.js';
import { eraseMember, exportMember, findMember } from './privacy.js';

describe.each(testTargets())('privacy requests on %s', (target) => {
  let testDb: TestDatabase;
  let server: RunningServer;
  let till: TerminalIdentity & { client: TestClient };

  beforeAll(async () => {
    testDb = await createTestDatabase(target);
    server = await startTestServer(testDb.db, { registry: createSyncCollections() });
    const enrolled = await enrollTestTerminal(server, 'store-p');
    till = { ...enrolled, client: new TestClient(server.url, enrolled.token) };
  });

  afterAll(async () => {
    await server?.close();
    await testDb?.dispose();
  });

  const memberDoc = async (id: string) =>
    (await readDocument(server.db, server.registry.require('members'), id)) as SyncDocument &
      MemberDoc;

  async function enrollWithHistory(phone: string): Promise<MemberDoc> {
    const base = newMember(till, { phone, name: 'Grace Hopper' });
    const member: MemberDoc = {
      ...base,
      email: 'grace@example.com',
      birthday: '1906-12-09',
      preferences: { ...base.preferences, allergies: ['peanuts'] },
      notes: [
        {
          id: 'note-1',
          text: 'Likes the window seat',
          staffId: 'staff-cashier',
          at: base.createdAt,
        },
      ],
    };
    expect(
      (await till.client.push('members', [{ newDocumentState: member }])).body.conflicts,
    ).toEqual([]);
    const tx = checkout(till, member.id, { paid: 25_00 });
    expect((await till.client.push('transactions', [{ newDocumentState: tx }])).status).toBe(200);
    return member;
  }

  it('exports the profile, the account, the ledger and the reviews about the member', async () => {
    const member = await enrollWithHistory('+12125557001');
    const found = await findMember(server.db, server.registry, { phone: '+12125557001' });
    expect(found['id']).toBe(member.id);
    const exported = await exportMember(server.db, server.registry, member.id);
    expect(exported.member).toMatchObject({ name: 'Grace Hopper', email: 'grace@example.com' });
    expect(exported.account).toMatchObject({ memberId: member.id });
    expect(exported.transactions).toHaveLength(1);
    expect(exported.mergedDuplicates).toEqual([]);
  });

  it('erases the person, keeps the ledger, and no till brings a field back', async () => {
    const member = await enrollWithHistory('+12125557002');
    const before = await memberDoc(member.id);
    const account = await readDocument(server.db, server.registry.require('accounts'), member.id);

    const erased = await eraseMember(server.db, server.registry, member.id);
    expect(erased.erasedNow).toBe(true);
    const after = await memberDoc(member.id);
    expect(after).toMatchObject({
      status: 'erased',
      phone: '',
      phoneSuffix: '',
      name: '',
      searchName: '',
      occasions: [],
      notes: [],
      tags: [],
      preferences: { dietary: [], allergies: [], favoriteItems: [] },
    });
    for (const field of ['email', 'birthday', 'anniversary'] as const) {
      expect(after[field]).toBeUndefined();
    }
    expect(after.rev).toBeGreaterThan(before.rev);
    // The ledger and the account stand.
    expect(await readDocument(server.db, server.registry.require('accounts'), member.id)).toEqual(
      account,
    );
    expect((await exportMember(server.db, server.registry, member.id)).transactions).toHaveLength(
      1,
    );

    // Tills get the erasure like any change (once the pull's horizon passes it: on PostgreSQL,
    // transactions of other databases on the server hold it back for a moment).
    await expect
      .poll(
        async () =>
          (await till.client.pull('members', null, 1000)).body.documents.find(
            (doc) => doc['id'] === member.id,
          ),
        { timeout: 10_000 },
      )
      .toMatchObject({ status: 'erased', name: '' });

    // A till that edited the member offline before the erasure, with a clock far ahead...
    const skewed = formatHlc({ ms: Date.now() + 86_400_000, counter: 0, node: till.terminalId });
    const offlineEdit = stampFields(
      { ...before } as MemberDoc,
      { name: 'Grace B. Hopper', email: 'new@example.com' },
      skewed,
    );
    await till.client.push('members', [
      { assumedMasterState: before, newDocumentState: offlineEdit },
    ]);
    // ...and one that tries to undo it on the current revision.
    const current = await memberDoc(member.id);
    await till.client.push('members', [
      {
        assumedMasterState: current,
        newDocumentState: { ...before, rev: current.rev, status: 'active' },
      },
    ]);
    expect(await memberDoc(member.id)).toMatchObject({ status: 'erased', name: '', phone: '' });
    expect((await memberDoc(member.id)).email).toBeUndefined();

    // Once is enough; the phone now finds no one.
    expect((await eraseMember(server.db, server.registry, member.id)).erasedNow).toBe(false);
    await expect(findMember(server.db, server.registry, { phone: '+12125557002' })).rejects.toThrow(
      'no member with the phone +12125557002',
    );
  });

  it('is what the operator commands do', async () => {
    const member = await enrollWithHistory('+12125557003');
    const printed: string[] = [];
    const ctx = {
      db: server.db,
      registry: server.registry,
      auth: new AuthService(server.db, 'privacy-test-pepper'),
      enrollmentCodeTtlMinutes: 60,
      print: (line: string) => printed.push(line),
    };
    await runCli(['export-member', '--phone', '+1 212 555 7003'], ctx);
    expect(JSON.parse(printed.join('\n'))).toMatchObject({ member: { id: member.id } });
    printed.length = 0;
    await runCli(['erase-member', '--member', member.id], ctx);
    expect(printed.join('\n')).toContain(`member ${member.id} erased`);
    await expect(runCli(['erase-member'], ctx)).rejects.toThrow(
      /--member <member id> or with --phone/,
    );
    await expect(runCli(['export-member', '--phone', '12345'], ctx)).rejects.toThrow(
      /international form/,
    );
  });
});
