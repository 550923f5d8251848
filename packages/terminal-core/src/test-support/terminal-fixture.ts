/**
 * Opening terminals for tests: memory storage (validated like the schema says), real HTTP.
 * TERMINAL_TEST_STORAGE=dexie runs them on the renderer's storage instead (`getTerminalDexieStorage`
 * over fake-indexeddb), for the code that writes below RxDB on Dexie (bulk-insert.ts).
 */
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';
import type { RxStorage } from 'rxdb';
import { getTerminalDexieStorage } from '../dexie-storage.js';
import { createTerminal } from '../terminal.js';
import type { Terminal, TerminalDeps } from '../terminal.js';
import type { Clock } from '../ids.js';
import { Network } from './network.js';

/** The storage the tests run on. */
export const TEST_STORAGE_NAME =
  process.env['TERMINAL_TEST_STORAGE'] === 'dexie' ? 'dexie' : 'memory';

/**
 * One storage per realm: memory storage keeps a closed database's data for the same name (as
 * IndexedDB does).
 */
export const testStorage = wrappedValidateAjvStorage({
  storage: (TEST_STORAGE_NAME === 'dexie'
    ? getTerminalDexieStorage({ indexedDB, IDBKeyRange })
    : getRxStorageMemory()) as RxStorage<unknown, unknown>,
}) as RxStorage<unknown, unknown>;

let counter = 0;
export function uniqueName(prefix = 'till'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

/** A clock tests can move; starts at the real time. */
export class TestClock implements Clock {
  #offset = 0;
  now(): number {
    return Date.now() + this.#offset;
  }
  advance(ms: number): void {
    this.#offset += ms;
  }
}

export interface OpenedTerminal {
  readonly terminal: Terminal;
  readonly network: Network;
  readonly clock: TestClock;
  readonly name: string;
}

export async function openTerminal(
  options: {
    name?: string;
    network?: Network;
    clock?: TestClock;
    deps?: Partial<TerminalDeps>;
  } = {},
): Promise<OpenedTerminal> {
  const network = options.network ?? new Network();
  const clock = options.clock ?? new TestClock();
  const name = options.name ?? uniqueName();
  const terminal = await createTerminal({
    storage: testStorage,
    databaseName: name,
    fetch: network.fetch,
    clock,
    sync: { retryBaseMs: 50, retryMaxMs: 400 },
    login: { maxAttempts: 3, lockoutMs: 60_000 },
    ...options.deps,
  });
  return { terminal, network, clock, name };
}

/** What enrolling needs of a sync server (test-support/sync-server.ts). */
export interface EnrollingServer {
  readonly url: string;
  enrollmentCode(): Promise<string>;
}

/**
 * Enrolls an opened terminal with `server` (unless `enroll` is false: reopened, it is enrolled
 * already), waits for the staff to arrive and signs `staff` in. Throws with the refusal.
 */
export async function enrollAndSignIn(
  opened: OpenedTerminal,
  server: EnrollingServer,
  staff: { readonly id: string; readonly pin: string },
  enroll = true,
): Promise<OpenedTerminal> {
  if (enroll) {
    const enrolled = await opened.terminal.enrollTerminal(
      server.url,
      await server.enrollmentCode(),
    );
    if (!enrolled.ok) throw new Error(`enrollment refused: ${enrolled.refusal.message}`);
  }
  await waitFor(async () => (await opened.terminal.listStaff()).length > 0, 'the staff');
  const login = await opened.terminal.login(staff.id, staff.pin);
  if (!login.ok) throw new Error(`sign-in refused: ${login.refusal.message}`);
  return opened;
}

/** Polls until `check` returns a value other than undefined/false. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
