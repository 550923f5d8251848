/**
 * `npm run bench:server -w server`: ledger ingest against a real PostgreSQL, compared with
 * pgbench's TPC-B on the same server in the same run.
 *
 * 1. Creates a fresh database on DATABASE_URL / TEST_DATABASE_URL's server and starts the sync
 *    server on it as a child process (as in production: its own process and event loop).
 * 2. Enrolls BENCH_TERMINALS terminals (default 50) through POST /api/v1/enroll; each enrolls
 *    BENCH_MEMBERS_PER_TERMINAL members, then pushes batches of BENCH_BATCH checkouts back to
 *    back for BENCH_SECONDS. Prints ledger entries per second and p50/p99 push latency (every
 *    push of the run, measured at the client).
 * 3. Runs pgbench -i -s 10 and pgbench -c 8 -j 2 -T 20 (TPC-B) on another fresh database of the
 *    same server, prints its TPS and the ratio. Both databases are dropped at the end.
 */
import { spawn, execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PROTOCOL_HEADER, PROTOCOL_VERSION } from '@tillpoint/protocol';
import { AuthService } from '../src/auth/auth-service.js';
import { migrate } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open-database.js';
import { checkout, newMember } from '../src/test-support/ledger-fixtures.js';
import type { TerminalIdentity } from '../src/test-support/ledger-fixtures.js';

const env = process.env;
const BASE_URL =
  env['DATABASE_URL'] ||
  env['TEST_DATABASE_URL'] ||
  'postgres://tillpoint:tillpoint@127.0.0.1:5432/postgres';
const TERMINALS = Number(env['BENCH_TERMINALS'] ?? 50);
const MEMBERS_PER_TERMINAL = Number(env['BENCH_MEMBERS_PER_TERMINAL'] ?? 20);
const BATCH = Number(env['BENCH_BATCH'] ?? 20);
const SECONDS = Number(env['BENCH_SECONDS'] ?? 20);
const PGBENCH_SECONDS = Number(env['BENCH_PGBENCH_SECONDS'] ?? 20);
const PORT = Number(env['BENCH_PORT'] ?? 18_787);
/** Server processes on the database (the chain scales this way); terminals are spread over them. */
const SERVERS = Number(env['BENCH_SERVERS'] ?? 1);
/** Each terminal starts a push at most this often (0 = back to back, a closed loop). */
const INTERVAL_MS = Number(env['BENCH_INTERVAL_MS'] ?? 0);
const PEPPER = randomBytes(24).toString('hex');
const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function databaseUrl(name: string): string {
  const url = new URL(BASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: BASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function findPgbench(): string {
  if (env['PGBENCH']) return env['PGBENCH'];
  try {
    const found = execFileSync('sh', ['-c', 'command -v pgbench'], { encoding: 'utf8' }).trim();
    if (found) return found;
  } catch {
    // not on PATH: look where Debian installs it
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const candidate = path.join(root, version, 'bin', 'pgbench');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('pgbench not found: install postgresql-contrib or set PGBENCH=/path/to/pgbench');
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

async function waitForServer(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('server did not start within 30 s');
}

interface BenchTerminal extends TerminalIdentity {
  readonly serverUrl: string;
  readonly token: string;
  readonly members: string[];
}

async function post(
  url: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

async function runLedgerLoad(
  serverUrls: readonly string[],
  db: Awaited<ReturnType<typeof openDatabase>>,
) {
  const auth = new AuthService(db, PEPPER);
  await auth.createStore({ id: 'bench-store', name: 'Benchmark store' });
  const terminals: BenchTerminal[] = [];
  for (let i = 0; i < TERMINALS; i++) {
    const serverUrl = serverUrls[i % serverUrls.length] as string;
    const { code } = await auth.createEnrollmentCode('bench-store', 60);
    const enrolled = await post(`${serverUrl}/api/v1/enroll`, {
      enrollmentCode: code,
      terminalName: `bench till ${i + 1}`,
    });
    if (enrolled.status !== 201) throw new Error(`enroll failed: ${JSON.stringify(enrolled.json)}`);
    const { token, terminalId, storeId } = enrolled.json as {
      token: string;
      terminalId: string;
      storeId: string;
    };
    const identity = { terminalId, storeId };
    const members = Array.from({ length: MEMBERS_PER_TERMINAL }, (_, m) =>
      newMember(identity, {
        phone: `+1312${String(i).padStart(3, '0')}${String(m).padStart(4, '0')}`,
        name: `Bench Member ${i}-${m}`,
      }),
    );
    const pushed = await post(
      `${serverUrl}/sync/v1/members/push`,
      { rows: members.map((member) => ({ newDocumentState: member })) },
      token,
    );
    if (pushed.status !== 200)
      throw new Error(`member push failed: ${JSON.stringify(pushed.json)}`);
    terminals.push({ ...identity, serverUrl, token, members: members.map((member) => member.id) });
  }

  const latencies: number[] = [];
  let entries = 0;
  let failures = 0;
  const started = performance.now();
  const stopAt = started + SECONDS * 1000;
  await Promise.all(
    terminals.map(async (terminal, t) => {
      let n = 0;
      // Spread the first pushes over one interval, as tills are not synchronized.
      let nextAt = performance.now() + (INTERVAL_MS * t) / terminals.length;
      while (performance.now() < stopAt) {
        const wait = nextAt - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        nextAt += INTERVAL_MS;
        const rows = Array.from({ length: BATCH }, () => {
          n += 1;
          const memberId = terminal.members[(n + t) % terminal.members.length] as string;
          return {
            newDocumentState: checkout(terminal, memberId, { paid: 500 + ((n * 37) % 5000) }),
          };
        });
        const sent = performance.now();
        const result = await post(
          `${terminal.serverUrl}/sync/v1/transactions/push`,
          { rows },
          terminal.token,
        );
        latencies.push(performance.now() - sent);
        if (result.status === 200) entries += rows.length;
        else failures += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    entries,
    failures,
    pushes: latencies.length,
    elapsed,
    perSecond: entries / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

function runPgbench(url: string): number {
  const pgbench = findPgbench();
  const parsed = new URL(url);
  const connection = {
    ...process.env,
    PGHOST: parsed.hostname,
    PGPORT: parsed.port || '5432',
    PGUSER: decodeURIComponent(parsed.username),
    PGPASSWORD: decodeURIComponent(parsed.password),
    PGDATABASE: parsed.pathname.slice(1),
  };
  execFileSync(pgbench, ['-i', '-s', '10', '-q'], { env: connection, stdio: 'ignore' });
  const output = execFileSync(pgbench, ['-c', '8', '-j', '2', '-T', String(PGBENCH_SECONDS)], {
    env: connection,
    encoding: 'utf8',
  });
  const match =
    /tps = ([\d.]+) \(without initial connection time\)/.exec(output) ??
    /tps = ([\d.]+)/.exec(output);
  if (!match) throw new Error(`could not read pgbench's TPS from:\n${output}`);
  return Number(match[1]);
}

async function main(): Promise<void> {
  const suffix = randomBytes(4).toString('hex');
  const ledgerDb = `tillpoint_bench_${suffix}`;
  const pgbenchDb = `tillpoint_pgbench_${suffix}`;
  await admin(async (client) => {
    await client.query(`CREATE DATABASE ${ledgerDb}`);
    await client.query(`CREATE DATABASE ${pgbenchDb}`);
  });
  const children: ChildProcess[] = [];
  const db = await openDatabase({
    kind: 'postgres',
    url: databaseUrl(ledgerDb),
    maxConnections: 2,
  });
  try {
    await migrate(db);
    const serverUrls: string[] = [];
    for (let i = 0; i < SERVERS; i++) {
      const child = spawn(
        process.execPath,
        [
          // e.g. BENCH_SERVER_NODE_ARGS=--cpu-prof to profile the server
          ...(env['BENCH_SERVER_NODE_ARGS'] ?? '').split(' ').filter(Boolean),
          '--import',
          'tsx',
          '--conditions=@tillpoint/source',
          'src/index.ts',
        ],
        {
          cwd: SERVER_DIR,
          stdio: ['ignore', 'inherit', 'inherit'],
          env: {
            ...process.env,
            DATABASE_URL: databaseUrl(ledgerDb),
            DATABASE_POOL_SIZE: env['BENCH_POOL_SIZE'] ?? '16',
            PORT: String(PORT + i),
            HOST: '127.0.0.1',
            TOKEN_PEPPER: PEPPER,
            LOG_LEVEL: 'warn',
            RATE_LIMIT_PER_SECOND: '1000000',
            RATE_LIMIT_BURST: '1000000',
            NODE_ENV: 'production',
          },
        },
      );
      children.push(child);
      serverUrls.push(`http://127.0.0.1:${PORT + i}`);
      await waitForServer(serverUrls[i] as string, child);
    }
    const ledger = await runLedgerLoad(serverUrls, db);
    await Promise.all(
      children.splice(0).map((child) => {
        const stopped = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        return stopped;
      }),
    );
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sync_documents WHERE collection = 'transactions'`,
    );
    const tps = runPgbench(databaseUrl(pgbenchDb));
    const ratio = ledger.perSecond / tps;
    const lines = [
      `terminals ${TERMINALS}, batch ${BATCH} checkouts, ${INTERVAL_MS > 0 ? `one push per terminal every ${INTERVAL_MS} ms` : 'back to back'}, ${SECONDS} s, members ${TERMINALS * MEMBERS_PER_TERMINAL}, server processes ${SERVERS}`,
      `ledger entries recorded: ${rows[0]?.n ?? 0} (acknowledged ${ledger.entries}, failed pushes ${ledger.failures})`,
      `ledger entries per second: ${ledger.perSecond.toFixed(0)}`,
      `push latency p50: ${ledger.p50.toFixed(1)} ms, p99: ${ledger.p99.toFixed(1)} ms (${ledger.pushes} pushes)`,
      `pgbench TPC-B (-s 10 -c 8 -j 2 -T ${PGBENCH_SECONDS}) tps: ${tps.toFixed(0)}`,
      `ratio ledger entries/s ÷ pgbench tps: ${ratio.toFixed(2)} (target ≥ 2), p99 target ≤ 100 ms`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (ledger.failures > 0 || (rows[0]?.n ?? 0) !== ledger.entries) process.exitCode = 1;
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await db.close();
    await admin(async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${ledgerDb} WITH (FORCE)`);
      await client.query(`DROP DATABASE IF EXISTS ${pgbenchDb} WITH (FORCE)`);
    });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
