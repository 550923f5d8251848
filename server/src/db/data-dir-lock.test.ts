/**
 * The embedded database's data directory is held by one process at a time: a second process
 * (another server, an operator's CLI command) is refused with a clear message instead of
 * writing the same files; a lock left by a process that is gone is taken over.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirectoryInUseError, lockDataDirectory, lockFileOf } from './data-dir-lock.js';
import { openDatabase } from './open-database.js';

let root: string;
let dataDir: string;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'tillpoint-lock-'));
  dataDir = path.join(root, 'server');
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A process that holds `dataDir` (through openDatabase) until its stdin closes. */
function holder(): Promise<{ pid: number; stop(): Promise<void> }> {
  const script = [
    `const { openDatabase } = await import(${JSON.stringify(path.resolve(__dirname, 'open-database.ts'))});`,
    `const db = await openDatabase({ kind: 'pglite', dataDir: ${JSON.stringify(dataDir)} });`,
    `process.stdout.write('open\\n');`,
    `process.stdin.resume();`,
    `process.stdin.on('end', async () => { await db.close(); process.exit(0); });`,
  ].join('\n');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@tillpoint/source', '--input-type=module', '-e', script],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the holder exited early (${code})`)));
    child.stdout.on('data', (chunk: Buffer) => {
      if (!chunk.toString().includes('open')) return;
      child.removeAllListeners('exit');
      resolve({
        pid: child.pid as number,
        stop: () =>
          new Promise<void>((done) => {
            child.once('exit', () => done());
            child.stdin.end();
          }),
      });
    });
  });
}

/**
 * `count` processes that claim `dataDir` at the same instant (each waits for a file to appear,
 * then calls lockDataDirectory) and hold what they got until told to stop: what each got.
 */
async function race(count: number): Promise<string[]> {
  const go = path.join(root, 'go');
  const script = [
    `import { existsSync } from 'node:fs';`,
    `const { lockDataDirectory } = await import(${JSON.stringify(path.resolve(__dirname, 'data-dir-lock.ts'))});`,
    `process.stdout.write('ready\\n');`,
    `while (!existsSync(${JSON.stringify(go)})) await new Promise((r) => setImmediate(r));`,
    `let release;`,
    `try { release = await lockDataDirectory(${JSON.stringify(dataDir)}); process.stdout.write('won\\n'); }`,
    `catch (error) { process.stdout.write('refused: ' + error.message + '\\n'); }`,
    `process.stdin.resume();`,
    `process.stdin.on('end', async () => { await release?.(); process.exit(0); });`,
  ].join('\n');
  const children = Array.from({ length: count }, () =>
    spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=@tillpoint/source', '--input-type=module', '-e', script],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    ),
  );
  const said = (child: (typeof children)[number], what: RegExp) =>
    new Promise<string>((resolve, reject) => {
      let out = '';
      child.once('exit', (code) => reject(new Error(`a racer exited early (${code}): ${out}`)));
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split('\n').find((l) => what.test(l));
        if (line !== undefined) resolve(line);
      });
    });
  try {
    await Promise.all(children.map((child) => said(child, /^ready$/)));
    const outcomes = Promise.all(children.map((child) => said(child, /^(won|refused: )/)));
    writeFileSync(go, '');
    return await outcomes;
  } finally {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.removeAllListeners('exit');
            child.once('exit', () => done());
            child.stdin.end();
          }),
      ),
    );
    rmSync(go, { force: true });
  }
}

describe('the embedded data directory', () => {
  it('is refused to a second process while the first holds it, and free again after', async () => {
    const first = await holder();
    try {
      expect(readFileSync(lockFileOf(dataDir), 'utf8')).toContain(`"pid":${first.pid}`);
      const refused = openDatabase({ kind: 'pglite', dataDir });
      await expect(refused).rejects.toBeInstanceOf(DataDirectoryInUseError);
      await expect(refused).rejects.toThrow(
        `in use by another Tillpoint process (pid ${first.pid})`,
      );
    } finally {
      await first.stop();
    }
    expect(existsSync(lockFileOf(dataDir))).toBe(false);
    const db = await openDatabase({ kind: 'pglite', dataDir });
    try {
      expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one).toBe(1);
    } finally {
      await db.close();
    }
    expect(existsSync(lockFileOf(dataDir))).toBe(false);
  }, 60_000);

  it('takes over a lock whose process is gone, or that cannot be read', async () => {
    // A pid far above any the kernel hands out here: no such process.
    writeFileSync(
      lockFileOf(dataDir),
      JSON.stringify({ pid: 2_147_483_000, host: hostname(), since: '2026-01-01T00:00:00Z' }),
    );
    const release = await lockDataDirectory(dataDir);
    expect(JSON.parse(readFileSync(lockFileOf(dataDir), 'utf8')).pid).toBe(process.pid);
    await release();
    await release(); // twice is harmless
    expect(existsSync(lockFileOf(dataDir))).toBe(false);

    writeFileSync(lockFileOf(dataDir), 'half a reco');
    const again = await lockDataDirectory(dataDir);
    await again();
  });

  it('takes over a lock whose pid now belongs to a later process (a container restarted after a crash)', async () => {
    // This process's own pid, in a lock taken long before it started.
    writeFileSync(
      lockFileOf(dataDir),
      JSON.stringify({ pid: process.pid, host: hostname(), since: '2020-01-01T00:00:00Z' }),
    );
    const release = await lockDataDirectory(dataDir);
    await release();
    if (process.platform !== 'linux') return;
    // Another live process that started after the lock was taken.
    const child = spawn('sleep', ['30']);
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      writeFileSync(
        lockFileOf(dataDir),
        JSON.stringify({
          pid: child.pid,
          host: hostname(),
          since: new Date(Date.now() - 3_600_000).toISOString(),
        }),
      );
      const again = await lockDataDirectory(dataDir);
      await again();
    } finally {
      child.kill();
    }
  });

  it('goes to exactly one of several processes claiming it at once, free or with a stale lock', async () => {
    for (const stale of [false, true, true]) {
      if (stale) {
        writeFileSync(
          lockFileOf(dataDir),
          JSON.stringify({ pid: 2_147_483_000, host: hostname(), since: '2026-01-01T00:00:00Z' }),
        );
      }
      const outcomes = await race(5);
      expect(outcomes.filter((outcome) => outcome === 'won')).toHaveLength(1);
      for (const outcome of outcomes.filter((o) => o !== 'won')) {
        expect(outcome).toMatch(/^refused: .*in use by another Tillpoint process \(pid \d+\)/);
      }
      // The winner released it on the way out; nothing is left beside it either.
      expect(existsSync(lockFileOf(dataDir))).toBe(false);
      expect(readdirSync(root).filter((name) => name.startsWith('server.lock'))).toEqual([]);
    }
  }, 120_000);

  it('says which directory cannot be used and why, instead of PGlite failing to initialize', async () => {
    const blocker = path.join(root, 'a-file');
    writeFileSync(blocker, 'not a directory');
    await expect(
      openDatabase({ kind: 'pglite', dataDir: path.join(blocker, 'server') }),
    ).rejects.toThrow(
      /^DATA_DIR .*a-file\/server: cannot be used for the embedded database \(ENOTDIR\)/,
    );
  });

  it('is refused to a second opener in the same process, and to a lock held on another host', async () => {
    const release = await lockDataDirectory(dataDir);
    try {
      await expect(lockDataDirectory(dataDir)).rejects.toThrow('already open in this process');
    } finally {
      await release();
    }
    writeFileSync(
      lockFileOf(dataDir),
      JSON.stringify({ pid: process.pid, host: 'another-till', since: '2026-01-01T00:00:00Z' }),
    );
    await expect(lockDataDirectory(dataDir)).rejects.toThrow('host another-till');
    // Not ours: a refused opener leaves the other host's lock in place.
    expect(readFileSync(lockFileOf(dataDir), 'utf8')).toContain('another-till');
  });
});
