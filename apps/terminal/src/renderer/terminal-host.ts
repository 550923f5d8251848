/**
 * The one terminal of this page: terminal-core over RxDB's Dexie (IndexedDB) storage, so the
 * local store survives a closed window or a crashed browser. Opened once; React's double effects
 * in development and a remounted screen get the same instance.
 */
import { createTerminal, getTerminalDexieStorage } from '@tillpoint/terminal-core';
import type { Terminal } from '@tillpoint/terminal-core';

/** The IndexedDB database name; one terminal per browser profile (or Electron partition). */
export const DATABASE_NAME = 'tillpoint';

let opening: Promise<Terminal> | undefined;

/**
 * Asks that the till's database be kept when the disk runs low. Chromium may otherwise evict
 * a site's IndexedDB under storage pressure, unsynced checkouts included. Electron's session
 * grants it to our screens (security.ts); a browser decides for itself. Either way, a refusal
 * changes nothing else.
 */
function keepStoragePersistent(): void {
  navigator.storage?.persist?.().catch(() => undefined);
}

export function openTerminal(): Promise<Terminal> {
  if (opening === undefined) keepStoragePersistent();
  opening ??= createTerminal({
    storage: getTerminalDexieStorage(),
    databaseName: DATABASE_NAME,
    // Bound to window: a detached `fetch` throws "Illegal invocation" in browsers.
    fetch: (input, init) => window.fetch(input, init),
    // A till wants to notice the server is back within seconds, not the default minute.
    sync: { retryMaxMs: 10_000 },
  }).catch((error: unknown) => {
    opening = undefined;
    throw error;
  });
  return opening;
}
