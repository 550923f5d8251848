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
 * Two processes starting at once must not both win:
 *
 * - The lock file appears whole: the record is written to a file of its own, then hard-linked
 *   to the lock's name, which fails if that name exists. Another process never reads a lock
 *   half-written, so it never mistakes a new owner's empty file for a stale one.
 * - A stale lock is removed by one process at a time, holding `<dataDir>.lock.takeover`, and
 *   only if it is still the lock judged stale. No process removes a lock another has just
 *   created in its place.
 * - A lock is stale too when its pid is in use by a process that started after the lock was
 *   taken (a container restarted after a crash gives the server the same pid again), as far as
 *   the system tells start times (Linux).
 *
 * Not covered: a process that dies while holding the takeover leaves it behind; the next start
 * removes it, and two starts doing that at the same instant could race as above. That needs a
 * crash inside a takeover followed by simultaneous starts.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import { link, readFile, rm, writeFile } from 'node:fs/promises';

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

/** When this process started (ms since the epoch, to about a second). */
const STARTED_AT = Date.now() - process.uptime() * 1000;

/**
 * When the process with this pid started (ms since the epoch), where the system says (Linux's
 * /proc; `USER_HZ` is 100 on every Linux architecture); undefined elsewhere or when unreadable.
 */
async function processStartedAt(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const boot = /^btime (\d+)$/m.exec(await readFile('/proc/stat', 'utf8'))?.[1];
    if (!Number.isFinite(ticks) || boot === undefined) return undefined;
    return Number(boot) * 1000 + ticks * 10;
  } catch {
    return undefined;
  }
}

/**
 * Whether the lock's owner is gone although its pid is in use: the pid now belongs to a process
 * that started after the lock was taken. In a container restarted after a crash the server
 * often gets the same pid again, this one or another.
 */
async function pidReused(owner: LockRecord, mine: LockRecord): Promise<boolean> {
  const since = Date.parse(owner.since);
  if (!Number.isFinite(since)) return false;
  const started = owner.pid === mine.pid ? STARTED_AT : await processStartedAt(owner.pid);
  // A second of slack: both clocks are read to about a second.
  return started !== undefined && started > since + 1_000;
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

/** The lock file's text, or undefined when there is none. */
async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function parseRecord(text: string | undefined): LockRecord | undefined {
  try {
    const parsed = JSON.parse(text ?? '') as Partial<LockRecord>;
    return typeof parsed.pid === 'number' && typeof parsed.host === 'string'
      ? (parsed as LockRecord)
      : undefined;
  } catch {
    return undefined; // unreadable: no owner can be named
  }
}

async function readRecord(file: string): Promise<LockRecord | undefined> {
  return parseRecord(await readText(file).catch(() => undefined));
}

/** A name beside `file` that no other process uses. */
function besides(file: string, what: string): string {
  return `${file}.${what}-${process.pid}-${randomUUID()}`;
}

/**
 * Creates `file` holding `text`, whole, unless it exists: false then. The text goes to a file of
 * its own first, hard-linked to `file` (atomic, and refused when `file` exists).
 */
async function createWhole(file: string, text: string): Promise<boolean> {
  const draft = besides(file, 'new');
  await writeFile(draft, text, { flag: 'wx' });
  try {
    await link(draft, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== undefined && NO_HARD_LINKS.has(code)) return createExclusively(file, text);
    throw error;
  } finally {
    await rm(draft, { force: true });
  }
}

/** What `link` answers on a file system without hard links (FAT, some network shares). */
const NO_HARD_LINKS: ReadonlySet<string> = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/** Without hard links: created exclusively, then written (briefly empty). */
async function createExclusively(file: string, text: string): Promise<boolean> {
  try {
    await writeFile(file, text, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Removes the lock at `file` if it is still the stale `staleText`, holding `<file>.takeover`
 * meanwhile: only the process holding it removes a lock, so no process removes a lock another
 * has just created in its place. Without it, a process that had judged the lock stale went on
 * to remove the next owner's. A takeover left by a process that died holding it is removed.
 */
async function removeStale(file: string, staleText: string, mine: LockRecord): Promise<void> {
  const guard = `${file}.takeover`;
  if (!(await createWhole(guard, `${JSON.stringify(mine)}\n`))) {
    const holder = parseRecord(await readText(guard).catch(() => undefined));
    if (holder && holder.host === mine.host && !alive(holder.pid)) {
      await rm(guard, { force: true });
    } else {
      await sleep(10 + Math.random() * 20); // another process is taking over: see what it did
    }
    return;
  }
  try {
    if ((await readText(file)) === staleText) await rm(file, { force: true });
  } finally {
    await rm(guard, { force: true });
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
    if (await createWhole(file, `${JSON.stringify(mine)}\n`)) break;
    if (attempt >= 100) {
      throw new Error(`Could not claim the data directory ${dataDir}: its lock keeps changing.`);
    }
    const text = await readText(file);
    if (text === undefined) continue; // released meanwhile
    const owner = parseRecord(text);
    const reused =
      owner !== undefined && owner.host === mine.host && (await pidReused(owner, mine));
    if (
      owner &&
      owner.host === mine.host &&
      owner.pid !== mine.pid &&
      alive(owner.pid) &&
      !reused
    ) {
      throw new DataDirectoryInUseError(dataDir, owner.pid);
    }
    if (owner && owner.host !== mine.host) {
      // Another machine (a shared disk): its process cannot be checked from here.
      throw new DataDirectoryInUseError(`${dataDir} (host ${owner.host})`, owner.pid);
    }
    if (owner?.pid === mine.pid && !reused) {
      throw new Error(`The data directory ${dataDir} is already open in this process.`);
    }
    // The owner is gone (or the file is unreadable): a stale lock, taken over.
    await removeStale(file, text, mine);
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    const owner = await readRecord(file);
    if (owner?.pid === mine.pid && owner.host === mine.host) await rm(file, { force: true });
  };
}
