/**
 * The lean pull of accounts (a collection terminals never write): pages in order without a
 * skip or a repeat, the checkpoint kept across a restart, live changes from the event stream.
 */
import { IDBObjectStore as FakeObjectStore } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountDoc } from '@tillpoint/protocol';
import { writeDocuments } from '../../../server/src/sync/document-store.js';
import { createUuidV7Generator, cryptoRandom, systemClock } from './ids.js';
import { leanCheckpointKey } from './lean-pull.js';
import { SyncServer } from './test-support/sync-server.js';
import {
  openTerminal,
  TEST_STORAGE_NAME,
  uniqueName,
  waitFor,
} from './test-support/terminal-fixture.js';
import { Network } from './test-support/network.js';
import type { FetchLike } from './transport.js';

let server: SyncServer;
const newId = createUuidV7Generator(systemClock, cryptoRandom);

beforeAll(async () => {
  server = await SyncServer.start();
});

afterAll(async () => {
  await server.dispose();
});

function account(balance: number, id = newId()): AccountDoc {
  const at = new Date().toISOString();
  return {
    id,
    memberId: id,
    balance,
    lifetime: balance,
    redeemed: 0,
    expired: 0,
    tierId: 'bronze',
    tierProgress: {},
    visits: 0,
    spend: 0,
    averageOrder: 0,
    autoTags: [],
    segments: [],
    appliedSeq: 0,
    lots: [],
    couponUses: {},
    birthdayBonusYears: [],
    clock: at,
    rev: 0,
    updatedAt: at,
  };
}

/** Writes accounts as the server's ledger would (one commit, one stream event). */
async function writeAccounts(docs: readonly AccountDoc[]): Promise<void> {
  const accounts = server.running.registry.require('accounts');
  await server.running.db.transaction((tx) => writeDocuments(tx, accounts, docs));
}

interface AccountPull {
  readonly checkpoint: unknown;
  readonly ids: string[];
  readonly answer: unknown;
}

/** A fetch that records every account pull: the checkpoint sent, the ids and checkpoint got. */
function recording(network: Network): { fetch: FetchLike; pulls: AccountPull[] } {
  const pulls: AccountPull[] = [];
  const fetch: FetchLike = async (input, init) => {
    const response = await network.fetch(input, init);
    if (!input.endsWith('/sync/v1/accounts/pull') || !response.ok) return response;
    const body = (await response.clone().json()) as {
      documents: AccountDoc[];
      checkpoint: unknown;
    };
    pulls.push({
      checkpoint: (JSON.parse(String(init?.body)) as { checkpoint: unknown }).checkpoint,
      ids: body.documents.map((doc) => doc.id),
      answer: body.checkpoint,
    });
    return response;
  };
  return { fetch, pulls };
}

async function localBalances(
  terminal: Awaited<ReturnType<typeof openTerminal>>['terminal'],
): Promise<Map<string, number>> {
  const docs = await terminal.database.accounts.find().exec();
  return new Map(docs.map((doc) => [doc.id, doc.balance]));
}

async function serverBalances(ids: readonly string[]): Promise<Map<string, number>> {
  const wanted = new Set(ids);
  const docs = await server.pull<AccountDoc>('accounts');
  return new Map(docs.filter((doc) => wanted.has(doc.id)).map((doc) => [doc.id, doc.balance]));
}

/**
 * Counts IndexedDB `add` calls on the accounts database (fake-indexeddb's object store), the
 * writes made without reading first; `restore()` puts the store back.
 */
function countAccountAdds(): { count: number; restore(): void } {
  const store = FakeObjectStore.prototype;
  const add = store.add;
  const counter = { count: 0, restore: () => void (store.add = add) };
  store.add = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['add']>) {
    if (this.transaction.db.name.endsWith('--accounts')) counter.count++;
    return add.apply(this, args);
  };
  return counter;
}

/** Enrolls the terminal, waits until it is in sync and its event stream is open. */
async function enrollLive(
  terminal: Awaited<ReturnType<typeof openTerminal>>['terminal'],
): Promise<void> {
  const enrolled = await terminal.enrollTerminal(server.url, await server.enrollmentCode());
  expect(enrolled.ok).toBe(true);
  await terminal.awaitInSync();
  await waitFor(() => terminal.status.online, 'the event stream');
}

describe('lean pull of accounts', () => {
  it('stores every page once, in checkpoint order, and resumes from its checkpoint after a restart', async () => {
    const first = Array.from({ length: 10 }, (_, n) => account(100 + n));
    await writeAccounts(first);
    // Accounts of earlier tests in this file (none yet) and these: the server's whole set.
    const all = () => server.pull<AccountDoc>('accounts');
    const expectedFirst = (await all()).map((doc) => doc.id);

    const name = uniqueName('lean');
    const network = new Network();
    const one = recording(network);
    const sync = { retryBaseMs: 50, retryMaxMs: 400, pullBatchSize: 3 };
    const opened = await openTerminal({ name, network, deps: { fetch: one.fetch, sync } });
    let lastCheckpoint: unknown;
    try {
      const enrolled = await opened.terminal.enrollTerminal(
        server.url,
        await server.enrollmentCode(),
      );
      expect(enrolled.ok).toBe(true);
      await waitFor(
        async () =>
          (await opened.terminal.database.accounts.count().exec()) === expectedFirst.length,
        'the accounts',
      );
      await opened.terminal.awaitInSync();
      // Pages of 3: each request carries the checkpoint of the answer before it.
      expect(one.pulls[0]?.checkpoint).toBeNull();
      for (let i = 1; i < one.pulls.length; i++) {
        expect(one.pulls[i]?.checkpoint).toEqual(one.pulls[i - 1]?.answer);
      }
      const received = one.pulls.flatMap((pull) => pull.ids);
      expect(received.length).toBe(new Set(received).size);
      expect([...received].sort()).toEqual([...expectedFirst].sort());
      expect(Math.max(...one.pulls.map((pull) => pull.ids.length))).toBe(3);
      expect(await localBalances(opened.terminal)).toEqual(await serverBalances(expectedFirst));
      lastCheckpoint = one.pulls.at(-1)?.answer;
      const stored = await opened.terminal.database.getLocal<{
        value: { checkpoint: unknown };
      }>(leanCheckpointKey('accounts'));
      expect(stored?.toJSON().data.value.checkpoint).toEqual(lastCheckpoint);
    } finally {
      await opened.terminal.close();
    }

    // While the terminal is closed: four new accounts and one changed.
    const changed = { ...first[0]!, balance: 999 };
    const added = Array.from({ length: 4 }, (_, n) => account(200 + n));
    await writeAccounts([changed, ...added]);

    const two = recording(network);
    const reopened = await openTerminal({ name, network, deps: { fetch: two.fetch, sync } });
    try {
      const ids = [...expectedFirst, ...added.map((doc) => doc.id)];
      await waitFor(async () => {
        const local = await localBalances(reopened.terminal);
        return local.size === ids.length && local.get(changed.id) === 999;
      }, 'the changes made while closed');
      await reopened.terminal.awaitInSync();
      // Resumed where it stopped: only the five changes came again, nothing from the start.
      expect(two.pulls[0]?.checkpoint).toEqual(lastCheckpoint);
      const received = two.pulls.flatMap((pull) => pull.ids);
      expect([...received].sort()).toEqual([changed.id, ...added.map((doc) => doc.id)].sort());
      expect(await localBalances(reopened.terminal)).toEqual(await serverBalances(ids));
    } finally {
      await reopened.terminal.close();
    }
  });

  // On the Dexie storage only: elsewhere nothing is added below RxDB's write layer.
  it.runIf(TEST_STORAGE_NAME === 'dexie')(
    'adds without reading only while it fills from nothing; changes later are not added first',
    async () => {
      const adds = countAccountAdds();
      const first = account(10);
      await writeAccounts([first]);
      const opened = await openTerminal();
      try {
        await enrollLive(opened.terminal);
        // The first pass filled the empty store: every account of the server was added.
        expect(adds.count).toBe((await server.pull<AccountDoc>('accounts')).length);

        adds.count = 0;
        const fresh = account(11);
        await writeAccounts([{ ...first, balance: 12 }, fresh]);
        await waitFor(async () => {
          const local = await localBalances(opened.terminal);
          return local.get(first.id) === 12 && local.get(fresh.id) === 11;
        }, 'the change and the new account');
        expect(adds.count).toBe(0);
      } finally {
        adds.restore();
        await opened.terminal.close();
      }
    },
  );

  it.runIf(TEST_STORAGE_NAME === 'dexie')(
    'goes on filling after a restart when the fill was cut short, and says so in the status',
    async () => {
      await writeAccounts(Array.from({ length: 7 }, (_, i) => account(20 + i)));
      const total = (await server.pull<AccountDoc>('accounts')).length;
      const adds = countAccountAdds();
      const name = uniqueName('lean-fill');
      const network = new Network();
      // Account pulls after the first page fail until released: the fill stops part-way.
      let released = false;
      const fetch: FetchLike = async (input, init) => {
        const sent = JSON.parse(String(init?.body ?? 'null')) as { checkpoint?: unknown } | null;
        if (!released && input.endsWith('/sync/v1/accounts/pull') && sent?.checkpoint !== null) {
          throw new TypeError('fetch failed: network is down');
        }
        return network.fetch(input, init);
      };
      const sync = { pullBatchSize: 3, retryBaseMs: 50, retryMaxMs: 400 };
      const stored = async (terminal: Awaited<ReturnType<typeof openTerminal>>['terminal']) =>
        (
          await terminal.database.getLocal<{ value: { filling?: boolean } }>(
            leanCheckpointKey('accounts'),
          )
        )?.toJSON().data.value;
      try {
        const first = await openTerminal({ name, network, deps: { fetch, sync } });
        try {
          const enrolled = await first.terminal.enrollTerminal(
            server.url,
            await server.enrollmentCode(),
          );
          expect(enrolled.ok).toBe(true);
          await waitFor(async () => (await stored(first.terminal))?.filling === true, 'a page');
          expect(first.terminal.status.firstLoad?.accountsDone).toBe(false);
        } finally {
          await first.terminal.close();
        }
        expect(adds.count).toBe(3);

        released = true;
        adds.count = 0;
        const second = await openTerminal({ name, network, deps: { fetch, sync } });
        try {
          await second.terminal.awaitInSync();
          await waitFor(() => second.terminal.status.firstLoad === undefined, 'the fill');
          expect((await localBalances(second.terminal)).size).toBe(total);
          // The rest were added without reading first, as in a fill from nothing.
          expect(adds.count).toBe(total - 3);
          expect((await stored(second.terminal))?.filling).toBeUndefined();
        } finally {
          await second.terminal.close();
        }
      } finally {
        adds.restore();
      }
    },
  );

  it('stores a change the server announces on its event stream, without being asked', async () => {
    const opened = await openTerminal();
    try {
      await enrollLive(opened.terminal);

      const fresh = account(5);
      await writeAccounts([fresh]);
      await waitFor(
        async () => (await opened.terminal.database.accounts.findOne(fresh.id).exec())?.balance,
        'the new account',
      );
      await writeAccounts([{ ...fresh, balance: 6 }]);
      await waitFor(
        async () =>
          (await opened.terminal.database.accounts.findOne(fresh.id).exec())?.balance === 6,
        'the changed account',
      );
    } finally {
      await opened.terminal.close();
    }
  });
});
