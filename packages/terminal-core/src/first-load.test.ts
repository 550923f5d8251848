/**
 * The first load of members (first-load.ts), then RxDB's replication from where it ended:
 * live server changes arrive, a local edit is pushed against the server's revision (and a real
 * conflict still converges), a restart does not pull everything again, and nothing loaded is
 * pushed back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemberDoc } from '@tillpoint/protocol';
import { MEMBER_SCALAR_FIELDS, formatHlc, newMemberDoc, toSearchName } from '@tillpoint/protocol';
import { writeDocuments } from '../../../server/src/sync/document-store.js';
import { createUuidV7Generator, cryptoRandom, systemClock } from './ids.js';
import { firstLoadKey } from './first-load.js';
import { SyncServer } from './test-support/sync-server.js';
import {
  enrollAndSignIn,
  openTerminal,
  uniqueName,
  waitFor,
} from './test-support/terminal-fixture.js';
import type { OpenedTerminal } from './test-support/terminal-fixture.js';
import { Network } from './test-support/network.js';
import type { FetchLike } from './transport.js';
import type { TerminalStatus } from './terminal.js';
import type { FirstLoadProgress } from './replication.js';

let server: SyncServer;
const newId = createUuidV7Generator(systemClock, cryptoRandom);

/** Member `i` as another till enrolled it. */
function member(i: number): MemberDoc {
  const at = new Date().toISOString();
  return newMemberDoc({
    id: newId(),
    phone: `+1415${3_000_000 + i}`,
    name: `Member ${i}`,
    consents: { birthdayOffers: true },
    referralCode: `F${String(i).padStart(7, '0')}`,
    createdAt: at,
    by: { terminalId: 'enrolling-till', storeId: 'store-1', staffId: 'manager-max' },
    clock: formatHlc({ ms: Date.now(), counter: i, node: 'enrolling-till' }),
    clocked: MEMBER_SCALAR_FIELDS,
  });
}
/** Members of the chain (written on the server before the terminals open). */
let members: MemberDoc[] = [];

beforeAll(async () => {
  server = await SyncServer.start();
  await server.addStaff({ id: 'manager-max', role: 'manager', pin: '9876', name: 'Max' });
  members = Array.from({ length: 10 }, (_, i) => member(i));
  await writeMembers(members);
});

afterAll(async () => {
  await server.dispose();
});

/** Writes members as the server would store another till's push (one commit, one event). */
async function writeMembers(docs: readonly MemberDoc[]): Promise<void> {
  const collection = server.running.registry.require('members');
  await server.running.db.transaction((tx) => writeDocuments(tx, collection, docs));
}

async function serverMember(id: string): Promise<MemberDoc> {
  const found = (await server.pull<MemberDoc>('members')).find((doc) => doc.id === id);
  if (!found) throw new Error(`no member ${id} on the server`);
  return found;
}

interface Traffic {
  readonly pulls: { checkpoint: unknown; ids: string[]; answer: unknown }[];
  readonly pushes: {
    rows: { assumedMasterState?: { rev?: number }; newDocumentState: MemberDoc }[];
    conflicts: unknown[];
  }[];
}

/** A fetch that records the members pulls and pushes. */
function recording(network: Network): { fetch: FetchLike; traffic: Traffic } {
  const traffic: Traffic = { pulls: [], pushes: [] };
  const fetch: FetchLike = async (input, init) => {
    const response = await network.fetch(input, init);
    if (!response.ok) return response;
    if (input.endsWith('/sync/v1/members/pull')) {
      const body = (await response.clone().json()) as {
        documents: MemberDoc[];
        checkpoint: unknown;
      };
      traffic.pulls.push({
        checkpoint: (JSON.parse(String(init?.body)) as { checkpoint: unknown }).checkpoint,
        ids: body.documents.map((doc) => doc.id),
        answer: body.checkpoint,
      });
    } else if (input.endsWith('/sync/v1/members/push')) {
      const body = (await response.clone().json()) as { conflicts: unknown[] };
      traffic.pushes.push({
        rows: (JSON.parse(String(init?.body)) as { rows: Traffic['pushes'][number]['rows'] }).rows,
        conflicts: body.conflicts,
      });
    }
    return response;
  };
  return { fetch, traffic };
}

const sync = { retryBaseMs: 50, retryMaxMs: 400, pullBatchSize: 3 };

async function openLoaded(
  name = uniqueName('first-load'),
  network = new Network(),
  enroll = true,
): Promise<OpenedTerminal & { traffic: Traffic }> {
  const { fetch, traffic } = recording(network);
  const opened = await openTerminal({ name, network, deps: { fetch, sync } });
  if (enroll) {
    const enrolled = await opened.terminal.enrollTerminal(
      server.url,
      await server.enrollmentCode(),
    );
    expect(enrolled.ok).toBe(true);
  }
  const expected = (await server.pull<MemberDoc>('members')).length;
  await waitFor(
    async () => (await opened.terminal.database.members.count().exec()) === expected,
    'the members',
  );
  await opened.terminal.awaitInSync();
  return { ...opened, traffic };
}

function value<T>(result: { ok: true; value: T } | { ok: false; refusal: { message: string } }): T {
  if (!result.ok) throw new Error(result.refusal.message);
  return result.value;
}

describe('first load of members', () => {
  it('loads every member once in pages, pushes none back, and takes a server change live', async () => {
    const opened = await openLoaded();
    const { terminal, traffic } = opened;
    try {
      const all = (await server.pull<MemberDoc>('members')).map((doc) => doc.id);
      // Pages of 3 chained by checkpoint, every member exactly once.
      expect(traffic.pulls[0]?.checkpoint).toBeNull();
      const loadPulls = traffic.pulls.slice(0, Math.ceil((all.length + 1) / 3));
      for (let i = 1; i < loadPulls.length; i++) {
        expect(loadPulls[i]?.checkpoint).toEqual(loadPulls[i - 1]?.answer);
      }
      const received = traffic.pulls.flatMap((pull) => pull.ids);
      expect(received.length).toBe(new Set(received).size);
      expect([...received].sort()).toEqual([...all].sort());
      const progress = await terminal.database.getLocal<{ value: { done: boolean } }>(
        firstLoadKey('members'),
      );
      expect(progress?.toJSON().data.value.done).toBe(true);

      // Unchanged loaded members are never pushed.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await terminal.awaitInSync();
      expect(traffic.pushes).toEqual([]);

      // A change on the server arrives through the event stream.
      await waitFor(() => terminal.status.online, 'the event stream');
      const target = await serverMember(members[0]!.id);
      await writeMembers([
        { ...target, name: 'Changed On Server', searchName: 'changed on server' },
      ]);
      await waitFor(
        async () =>
          (await terminal.database.members.findOne(target.id).exec())?.name === 'Changed On Server',
        'the server change',
      );
      await terminal.awaitInSync();
      expect(traffic.pushes).toEqual([]);
    } finally {
      await terminal.close();
    }
  });

  it('pushes a local edit of a loaded member against the server revision, without a conflict', async () => {
    const { terminal, traffic } = await openLoaded();
    try {
      await waitFor(async () => (await terminal.listStaff()).length > 0, 'the staff');
      expect((await terminal.login('manager-max', '9876')).ok).toBe(true);
      const id = members[1]!.id;
      const before = await serverMember(id);
      value(await terminal.editProfile(id, { email: 'edited@example.com' }));
      await waitFor(
        async () => (await serverMember(id)).email === 'edited@example.com',
        'the edit',
      );
      await terminal.awaitInSync();

      expect(traffic.pushes).toHaveLength(1);
      const [push] = traffic.pushes;
      expect(push?.rows).toHaveLength(1);
      expect(push?.rows[0]?.newDocumentState.id).toBe(id);
      expect(push?.rows[0]?.assumedMasterState?.rev).toBe(before.rev);
      expect(push?.conflicts).toEqual([]);
      const after = await serverMember(id);
      expect(after.rev).toBeGreaterThan(before.rev);
      expect(after.name).toBe(before.name);
    } finally {
      await terminal.close();
    }
  });

  it('merges a local edit with a server change made meanwhile (one conflict, then converged)', async () => {
    const network = new Network();
    const { terminal, traffic } = await openLoaded(uniqueName('first-load'), network);
    try {
      await waitFor(async () => (await terminal.listStaff()).length > 0, 'the staff');
      expect((await terminal.login('manager-max', '9876')).ok).toBe(true);
      const id = members[2]!.id;
      network.cut();
      value(await terminal.editProfile(id, { email: 'offline@example.com' }));
      // Meanwhile another till renamed the member.
      const master = await serverMember(id);
      const clock = formatHlc({ ms: Date.now(), counter: 0, node: 'other-till' });
      await writeMembers([
        {
          ...master,
          name: 'Renamed Elsewhere',
          searchName: toSearchName('Renamed Elsewhere'),
          fieldClocks: { ...master.fieldClocks, name: clock, searchName: clock },
        },
      ]);
      network.restore();
      terminal.syncNow();
      await waitFor(async () => {
        const doc = await serverMember(id);
        return doc.email === 'offline@example.com' && doc.name === 'Renamed Elsewhere';
      }, 'both changes on the server');
      await terminal.awaitInSync();
      await waitFor(async () => {
        const local = await terminal.database.members.findOne(id).exec();
        return local?.name === 'Renamed Elsewhere' && local.email === 'offline@example.com';
      }, 'both changes on the till');
      const rows = traffic.pushes.flatMap((push) => push.rows);
      expect(rows.every((row) => row.newDocumentState.id === id)).toBe(true);
      // The edit went against the revision the till had loaded; the server had moved on, so it
      // answered with its state (merged field-wise), which the till stored.
      expect(rows[0]?.assumedMasterState?.rev).toBe(master.rev);
      const local = (await terminal.database.members.findOne(id).exec())!.toJSON();
      const remote = await serverMember(id);
      expect(local.rev).toBe(remote.rev);
    } finally {
      await terminal.close();
    }
  });

  it('resumes after a restart from its checkpoint, without loading or pushing again', async () => {
    const name = uniqueName('first-load');
    const network = new Network();
    const first = await openLoaded(name, network);
    const lastAnswer = first.traffic.pulls.at(-1)?.answer;
    await first.terminal.close();

    // While closed: one member changed on the server.
    const target = await serverMember(members[3]!.id);
    await writeMembers([
      { ...target, name: 'Changed While Closed', searchName: 'changed while closed' },
    ]);

    const second = await openLoaded(name, network, false);
    try {
      await waitFor(
        async () =>
          (await second.terminal.database.members.findOne(target.id).exec())?.name ===
          'Changed While Closed',
        'the change made while closed',
      );
      await second.terminal.awaitInSync();
      expect(second.traffic.pulls[0]?.checkpoint).toEqual(lastAnswer);
      expect(second.traffic.pulls.flatMap((pull) => pull.ids)).toEqual([target.id]);
      expect(second.traffic.pushes).toEqual([]);
    } finally {
      await second.terminal.close();
    }
  });
});

describe('first load progress in the status', () => {
  it('is shown while members load, survives a restart mid-load, and is gone once loaded', async () => {
    const name = uniqueName('first-load-progress');
    const network = new Network();
    // Members pulls after the first page fail until `released`: the load stops part-way.
    let released = false;
    const fetch: FetchLike = async (input, init) => {
      const body = init?.body === undefined ? undefined : (JSON.parse(String(init.body)) as object);
      if (
        !released &&
        input.endsWith('/sync/v1/members/pull') &&
        (body as { checkpoint?: unknown } | undefined)?.checkpoint !== null
      ) {
        throw new TypeError('fetch failed: network is down');
      }
      return network.fetch(input, init);
    };
    const seen: (TerminalStatus['firstLoad'] | 'none')[] = [];
    const first = await openTerminal({ name, network, deps: { fetch, sync } });
    first.terminal.status$.subscribe((status) => seen.push(status.firstLoad ?? 'none'));
    expect(
      (await first.terminal.enrollTerminal(server.url, await server.enrollmentCode())).ok,
    ).toBe(true);
    await waitFor(() => (first.terminal.status.firstLoad?.members ?? 0) >= 3, 'the first page');
    expect(first.terminal.status.firstLoad).toMatchObject({ members: 3, membersDone: false });
    await first.terminal.close();

    // Restarted: the load goes on from its count, and ends.
    released = true;
    const expected = (await server.pull<MemberDoc>('members')).length;
    const reopened: (TerminalStatus['firstLoad'] | 'none')[] = [];
    const second = await openTerminal({ name, network, deps: { fetch, sync } });
    try {
      second.terminal.status$.subscribe((status) => reopened.push(status.firstLoad ?? 'none'));
      await waitFor(() => second.terminal.status.firstLoad === undefined, 'the end of the load');
      await second.terminal.awaitInSync();
      expect(second.terminal.status.firstLoad).toBeUndefined();
      expect(await second.terminal.database.members.count().exec()).toBe(expected);
      const shown = reopened.filter(
        (entry): entry is FirstLoadProgress => entry !== 'none' && entry !== undefined,
      );
      expect(shown[0]?.members).toBe(3);
      // The last progress shown counted every member; then the status has none.
      expect(shown.at(-1)?.members).toBe(expected);
      expect(reopened.at(-1)).toBe('none');
      // Counts only grow.
      const counts = shown.map((entry) => entry.members);
      expect(counts).toEqual([...counts].sort((a, b) => a - b));
    } finally {
      await second.terminal.close();
    }

    // A till that has loaded never shows it again.
    const again: (TerminalStatus['firstLoad'] | 'none')[] = [];
    const third = await openTerminal({ name, network, deps: { fetch, sync } });
    try {
      third.terminal.status$.subscribe((status) => again.push(status.firstLoad ?? 'none'));
      await third.terminal.awaitInSync();
      expect(again.every((entry) => entry === 'none')).toBe(true);
    } finally {
      await third.terminal.close();
    }
    expect(seen.filter((entry) => entry !== 'none').length).toBeGreaterThan(0);
  });
});

describe('a local write during a first load that fails part-way', () => {
  it.each([
    ['a retry', false],
    ['a restart', true],
  ] as const)('is pushed after %s', async (_case, restart) => {
    const name = uniqueName('first-load-write');
    const network = new Network();
    let pulls = 0;
    let blocked = true;
    const fetch: FetchLike = async (input, init) => {
      if (input.endsWith('/sync/v1/members/pull') && blocked && ++pulls > 2) {
        throw new TypeError('fetch failed: network is down');
      }
      return network.fetch(input, init);
    };
    let opened = await enrollAndSignIn(
      await openTerminal({ name, network, deps: { fetch, sync } }),
      server,
      { id: 'manager-max', pin: '9876' },
    );
    await waitFor(() => pulls > 2, 'the load to fail');
    const phone = restart ? '+12125559002' : '+12125559001';
    const member = value(await opened.terminal.enrollMember({ phone, name: 'Written Meanwhile' }));
    try {
      if (restart) {
        await opened.terminal.close();
        opened = await openTerminal({ name, network, deps: { fetch, sync } });
      }
      blocked = false;
      opened.terminal.syncNow();
      await waitFor(() => opened.terminal.status.firstLoad === undefined, 'the load');
      await waitFor(
        async () =>
          (await server.pull<MemberDoc>('members')).some((doc) => doc.id === member.card.member.id),
        'the member on the server',
        20_000,
      );
    } finally {
      await opened.terminal.close();
    }
  });
});
