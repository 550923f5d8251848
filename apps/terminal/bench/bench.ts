/**
 * The benchmark page (run by run-bench.ts in Chromium): a real terminal on RxDB's Dexie storage,
 * as the app opens it, against the sync server on this page's origin; and the same reads and
 * writes on a plain IndexedDB object store for comparison. Every step is a function on
 * `window.tillpointBench`, called by the runner; timings are performance.now() differences in
 * milliseconds, returned raw (the runner computes the percentiles).
 */
import { fillWithDefaultSettings } from 'rxdb';
import { getDexieStoreSchema, getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { accountsRxSchema, membersRxSchema } from '@tillpoint/protocol';
import { createTerminal, getTerminalDexieStorage } from '@tillpoint/terminal-core';
import type { Terminal } from '@tillpoint/terminal-core';
import { benchMember, phoneOf, typedPhoneOf } from './seed-data.js';

export interface PullResult {
  readonly ms: number;
  readonly members: number;
  readonly accounts: number;
  readonly enrollMs: number;
  /** When each collection was complete (ms after the start; from the change events). */
  readonly membersMs: number;
  readonly accountsMs: number;
}

export interface BenchApi {
  pull(input: {
    code: string;
    expected: number;
    timeoutMs: number;
    /** 'rxdb': RxDB's Dexie storage as it comes (cursor queries), for comparison. */
    storage?: 'terminal' | 'rxdb';
  }): Promise<PullResult>;
  login(staffId: string, pin: string): Promise<void>;
  lookups(indices: readonly number[]): Promise<number[]>;
  checkouts(
    indices: readonly number[],
    offline: boolean,
  ): Promise<{ ms: number[]; online: boolean }>;
  pending(waitMs: number): Promise<number>;
  rawFill(size: number): Promise<number>;
  rawPullFloor(size: number, pageSize: number): Promise<number>;
  rawLookups(indices: readonly number[]): Promise<number[]>;
  rawWrites(count: number): Promise<number[]>;
}

declare global {
  interface Window {
    tillpointBench: BenchApi;
  }
}

let terminal: Terminal | undefined;
/** While true the terminal's fetch fails as with the network cable pulled. */
let unplugged = false;
const inFlight = new Set<AbortController>();

async function benchFetch(resource: string, init?: RequestInit): Promise<Response> {
  if (unplugged) throw new TypeError('Failed to fetch (bench: offline)');
  // Kept after the answer arrives: the event stream's body goes on until it is cut.
  const controller = new AbortController();
  inFlight.add(controller);
  const signal = init?.signal
    ? AbortSignal.any([init.signal, controller.signal])
    : controller.signal;
  return window.fetch(resource, { ...init, signal });
}

/** Pulls the cable: new requests fail, open ones (the event stream) are cut. */
function unplug(): void {
  unplugged = true;
  for (const controller of inFlight) controller.abort(new TypeError('network lost'));
  inFlight.clear();
}

function requireTerminal(): Terminal {
  if (!terminal) throw new Error('pull first: the terminal is not open');
  return terminal;
}

async function pull(input: Parameters<BenchApi['pull']>[0]): Promise<PullResult> {
  const started = performance.now();
  terminal = await createTerminal({
    storage: input.storage === 'rxdb' ? getRxStorageDexie() : getTerminalDexieStorage(),
    databaseName: `bench-${Date.now().toString(36)}`,
    fetch: benchFetch,
  });
  const enrolled = await terminal.enrollTerminal(location.origin, input.code, 'Bench till');
  if (!enrolled.ok) throw new Error(`enrollment failed: ${enrolled.refusal.message}`);
  const enrollMs = performance.now() - started;
  const db = terminal.database;
  const deadline = started + input.timeoutMs;
  // Which collection finishes when (members through the first load, accounts lean), counted
  // from the database's change events: no extra work for IndexedDB during the pull.
  let membersMs = Number.NaN;
  let accountsMs = Number.NaN;
  let membersStored = 0;
  let accountsStored = 0;
  const counting = db.eventBulks$.subscribe((bulk) => {
    let inserted = 0;
    for (const event of bulk.events) if (event.operation === 'INSERT') inserted++;
    const at = performance.now() - started;
    if (bulk.collectionName === 'members') {
      membersStored += inserted;
      if (Number.isNaN(membersMs) && membersStored >= input.expected) membersMs = at;
    } else if (bulk.collectionName === 'accounts') {
      accountsStored += inserted;
      if (Number.isNaN(accountsMs) && accountsStored >= input.expected) accountsMs = at;
    }
  });
  for (;;) {
    await terminal.awaitInSync();
    const [members, accounts] = await Promise.all([
      db.members.count().exec(),
      db.accounts.count().exec(),
    ]);
    if (members >= input.expected && accounts >= input.expected) {
      counting.unsubscribe();
      const ms = performance.now() - started;
      return {
        ms,
        members,
        accounts,
        enrollMs,
        membersMs: Number.isNaN(membersMs) ? ms : membersMs,
        accountsMs: Number.isNaN(accountsMs) ? ms : accountsMs,
      };
    }
    if (performance.now() > deadline) {
      counting.unsubscribe();
      throw new Error(
        `pull incomplete after ${input.timeoutMs} ms: ${members} members, ${accounts} accounts`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function login(staffId: string, pin: string): Promise<void> {
  const result = await requireTerminal().login(staffId, pin);
  if (!result.ok) throw new Error(`login failed: ${result.refusal.message}`);
}

async function lookups(indices: readonly number[]): Promise<number[]> {
  const till = requireTerminal();
  const times: number[] = [];
  for (const i of indices) {
    const t0 = performance.now();
    const result = await till.lookupByPhone(typedPhoneOf(i));
    times.push(performance.now() - t0);
    if (!result.ok || result.value.member.phone !== phoneOf(i)) {
      throw new Error(`lookup of member ${i} failed: ${JSON.stringify(result)}`);
    }
  }
  return times;
}

async function checkouts(
  indices: readonly number[],
  offline: boolean,
): Promise<{ ms: number[]; online: boolean }> {
  const till = requireTerminal();
  if (offline !== unplugged) {
    if (offline) unplug();
    else {
      unplugged = false;
      till.syncNow();
    }
    const deadline = performance.now() + 30_000;
    while (till.status.online === offline && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const times: number[] = [];
  let n = 0;
  for (const i of indices) {
    const memberId = benchMember(i).member.id;
    const amount = 1_000 + ((n++ * 7_919) % 9_000);
    const t0 = performance.now();
    const result = await till.checkout({
      memberId,
      orderTotal: amount,
      lines: [{ name: 'Meal', category: 'mains', quantity: 1, amount }],
    });
    times.push(performance.now() - t0);
    if (!result.ok) throw new Error(`checkout for member ${i} failed: ${result.refusal.message}`);
  }
  return { ms: times, online: till.status.online };
}

/** Checkouts not yet acknowledged by the server, after waiting up to `waitMs` for the push. */
async function pending(waitMs: number): Promise<number> {
  const till = requireTerminal();
  if (unplugged) {
    unplugged = false;
    till.syncNow();
  }
  await Promise.race([till.awaitInSync(), new Promise((resolve) => setTimeout(resolve, waitMs))]);
  return till.status.pending;
}

// ---------------------------------------------------------------------------------------------
// Raw IndexedDB: one object store keyed by id with a unique phone index, same documents.

let raw: IDBDatabase | undefined;

function requestDone<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

function transactionDone(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

function requireRaw(): IDBDatabase {
  if (!raw) throw new Error('rawFill first');
  return raw;
}

async function rawFill(size: number): Promise<number> {
  const started = performance.now();
  const open = indexedDB.open(`bench-raw-${Date.now().toString(36)}`, 1);
  open.onupgradeneeded = () => {
    const members = open.result.createObjectStore('members', { keyPath: 'id' });
    members.createIndex('phone', 'phone', { unique: true });
    open.result.createObjectStore('transactions', { keyPath: 'id' });
  };
  raw = await requestDone(open);
  const chunk = 5_000;
  for (let from = 0; from < size; from += chunk) {
    const tx = raw.transaction('members', 'readwrite');
    const store = tx.objectStore('members');
    for (let i = from; i < Math.min(size, from + chunk); i++) store.put(benchMember(i).member);
    await transactionDone(tx);
  }
  return performance.now() - started;
}

/**
 * The pull's own IndexedDB writes and nothing else: the same members and accounts in their
 * stored form (as the first load and the lean pull store them), into two databases whose
 * stores have the indexes RxDB's Dexie storage gives those collections, added in pages of the
 * server's maximum page size, both collections at once, as the pull writes them. No network,
 * JSON, RxDB or server: what a pull on this storage layout cannot go below on this machine.
 * The runner calls it in a profile of its own, before the pull, so both start from nothing.
 */
async function rawPullFloor(size: number, pageSize: number): Promise<number> {
  const marker = { _rev: 1, hash: 'f'.repeat(64) };
  const layouts = [
    { schema: membersRxSchema, doc: (i: number) => benchMember(i).member, meta: { o: marker } },
    { schema: accountsRxSchema, doc: (i: number) => benchMember(i).account, meta: {} },
  ].map(({ schema, doc, meta }) => {
    const [primary = 'id', ...indexes] = getDexieStoreSchema(
      fillWithDefaultSettings(schema as never),
    )
      .split(',')
      .map((part) => part.trim());
    const keyPaths = indexes.map((index) =>
      index.startsWith('[') ? index.slice(1, -1).split('+') : index,
    );
    return { name: schema.title, primary, keyPaths, doc, meta };
  });
  const stamp = Date.now().toString(36);
  const stores = await Promise.all(
    layouts.map(async (layout) => {
      const open = indexedDB.open(`bench-floor-${layout.name}-${stamp}`, 1);
      open.onupgradeneeded = () => {
        const store = open.result.createObjectStore('docs', { keyPath: layout.primary });
        for (const keyPath of layout.keyPaths) store.createIndex(String(keyPath), keyPath);
      };
      return { layout, db: await requestDone(open) };
    }),
  );
  const started = performance.now();
  await Promise.all(
    stores.map(async ({ layout, db }) => {
      for (let from = 0; from < size; from += pageSize) {
        const lwt = Date.now() + 0.01;
        const page: Record<string, unknown>[] = [];
        for (let i = from; i < Math.min(size, from + pageSize); i++) {
          page.push({
            ...layout.doc(i),
            rev: 1,
            _deleted: '0',
            _attachments: {},
            _meta: { lwt, ...layout.meta },
            _rev: '1-benchfloor',
          });
        }
        const tx = db.transaction('docs', 'readwrite');
        const store = tx.objectStore('docs');
        for (const doc of page) store.add(doc);
        await transactionDone(tx);
      }
    }),
  );
  const ms = performance.now() - started;
  for (const { db } of stores) db.close();
  return ms;
}

async function rawLookups(indices: readonly number[]): Promise<number[]> {
  const db = requireRaw();
  const times: number[] = [];
  for (const i of indices) {
    const phone = phoneOf(i);
    const t0 = performance.now();
    const tx = db.transaction('members', 'readonly');
    const found = await requestDone<{ phone?: string } | undefined>(
      tx.objectStore('members').index('phone').get(phone),
    );
    times.push(performance.now() - t0);
    if (found?.phone !== phone) throw new Error(`raw lookup of member ${i} failed`);
  }
  return times;
}

async function rawWrites(count: number): Promise<number[]> {
  const db = requireRaw();
  const times: number[] = [];
  for (let n = 0; n < count; n++) {
    const member = benchMember(n).member;
    const at = new Date().toISOString();
    const doc = {
      id: `${Date.now().toString(16)}-${n}`,
      kind: 'checkout',
      memberId: member.id,
      storeId: member.homeStoreId,
      terminalId: 'bench-raw',
      staffId: 'bench-cashier',
      programVersion: 1,
      occurredAt: at,
      offline: false,
      orderTotal: 2_500,
      lines: [{ name: 'Meal', category: 'mains', quantity: 1, amount: 2_500 }],
      amountPaid: 2_500,
      pointsEarned: 25,
      pointsRedeemed: 0,
      rev: 0,
      updatedAt: at,
    };
    const t0 = performance.now();
    // Durability left at the default, as RxDB's Dexie storage leaves it.
    const tx = db.transaction('transactions', 'readwrite');
    tx.objectStore('transactions').put(doc);
    await transactionDone(tx);
    times.push(performance.now() - t0);
  }
  return times;
}

window.tillpointBench = {
  pull,
  login,
  lookups,
  checkouts,
  pending,
  rawFill,
  rawPullFloor,
  rawLookups,
  rawWrites,
};
document.body.dataset['ready'] = 'true';
