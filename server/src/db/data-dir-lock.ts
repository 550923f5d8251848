/**
 * One process at a time on an embedded (PGlite) data directory.
 *
 * PGlite is PostgreSQL compiled to WebAssembly, in the process that opens it, with no server of
 * its own: two processes opening the same directory both write its files, and the second
 * corrupts the first's database. That happens easily by hand: `npm start` twice, or an
 * operator's CLI command while the server runs. So the directory is claimed with a lock file
 * beside it (`<dataDir>.lock`, created exclusively, holding the owner's pid and host). A live
 * owner on this host makes the second opener fail with a message that says who holds it; a
 * lock whose process is gone (a crash, a power cut) is taken over. Several processes sharing
 * one database is what PostgreSQL (`DATABASE_URL`) is for.
 *
 * Not covered: two processes taking over the same stale lock at the same moment could both
 * succeed (each removes the dead owner's file, and one may remove the other's new one).
 */
import { hostname } from 'node:os';
import path from 'node:path';
import { open, readFile, rm } from 'node:fs/promises';

export class DataDirectoryInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The data directory ${dataDir} is in use by another Tillpoint process (pid ${pid}). ` +
        `Stop that process first (or run this command against PostgreSQL with DATABASE_URL, ` +
        `which several processes can share).`,
    );
    this.name = 'DataDirectoryInUseError';
  }
}

interface LockRecord {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

export function lockFileOf(dataDir: string): string {
  const resolved = path.resolve(dataDir);
  return `${resolved}.lock`;
}

/** Whether a process with this pid runs on this machine (EPERM: it runs as another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readRecord(file: string): Promise<LockRecord | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<LockRecord>;
    return typeof parsed.pid === 'number' && typeof parsed.host === 'string'
      ? (parsed as LockRecord)
      : undefined;
  } catch {
    return undefined; // unreadable or half-written: no owner can be named
  }
}

/**
 * Claims `dataDir` for this process; resolves to the release (idempotent). Throws
 * DataDirectoryInUseError while another live process on this host holds it.
 */
export async function lockDataDirectory(dataDir: string): Promise<() => Promise<void>> {
  const file = lockFileOf(dataDir);
  const mine: LockRecord = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(file, 'wx');
      try {
        await handle.writeFile(`${JSON.stringify(mine)}\n`);
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 2) throw error;
      const owner = await readRecord(file);
      if (owner && owner.host === mine.host && owner.pid !== mine.pid && alive(owner.pid)) {
        throw new DataDirectoryInUseError(dataDir, owner.pid);
      }
      if (owner && owner.host !== mine.host) {
        // Another machine (a shared disk): its process cannot be checked from here.
        throw new DataDirectoryInUseError(`${dataDir} (host ${owner.host})`, owner.pid);
      }
      if (owner?.pid === mine.pid) {
        throw new Error(`The data directory ${dataDir} is already open in this process.`, {
          cause: error,
        });
      }
      // The owner is gone (or the file is unreadable): a stale lock, taken over.
      await rm(file, { force: true });
    }
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    const owner = await readRecord(file);
    if (owner?.pid === mine.pid && owner.host === mine.host) await rm(file, { force: true });
  };
}
