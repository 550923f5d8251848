/**
 * `npm run bench:server -w server`: ledger ingest against a real PostgreSQL, compared with
 * pgbench's TPC-B on the same server in the same run.
 *
 * 1. Creates a fresh database on DATABASE_URL / TEST_DATABASE_URL's server and starts
 *    BENCH_SERVERS sync server processes on it (default one per CPU, the way the chain scales;
 *    each with a pool of BENCH_POOL_SIZE sessions), as in production: own processes and loops.
 * 2. Enrolls BENCH_TERMINALS tills (default 50, spread over the processes) through
 *    POST /api/v1/enroll; each enrolls BENCH_MEMBERS_PER_TERMINAL members. Then, latency
 *    measured per push request at the client:
 *    - warm-up: BENCH_WARMUP_SECONDS paced at the first rate, not counted (a cold server's first
 *      seconds, JIT and caches, are several times slower than the rest);
 *    - saturated: every till pushes batches of BENCH_BATCH checkouts back to back (a closed loop:
 *      the server's ceiling; latency there is queueing, by Little's law) for BENCH_SECONDS;
 *    - paced: tills as at a checkout. Checkouts arrive at each till at random (Poisson) at
 *      BENCH_RATES offered entries/s in total and are pushed as terminal-core pushes them (the
 *      quiet gate, see QUIET_MAX_MS below), one request at a time. Pushes started within
 *      BENCH_PACED_SECONDS are measured; the tills keep selling a little longer so the window
 *      does not end on all of them flushing at once. Rates run in increasing order until one
 *      misses p99 ≤ BENCH_P99_TARGET_MS or falls behind its offered load.
 * 3. Runs pgbench TPC-B (-i -s BENCH_PGBENCH_SCALE, then -c BENCH_PGBENCH_CLIENTS -j 2
 *    -T BENCH_PGBENCH_SECONDS; 16 clients by default, its best on this machine) on another
 *    fresh database of the same server.
 *    Prints both ratios: saturated entries/s and sustained (best paced rate meeting the p99
 *    target) entries/s, each ÷ pgbench TPS. Verifies every acknowledged entry is recorded exactly
 *    once (exit code 1 otherwise). Both databases are dropped at the end (BENCH_KEEP_DB=1 keeps
 *    the ledger's, to inspect it).
 *
 * BENCH_SOCKET_DIR=/var/run/postgresql connects the server and pgbench through PostgreSQL's
 * Unix socket instead of loopback TCP (needs a pg_hba `local` rule accepting the password).
 */
import { spawn, execFileSync } from 'node:child_process';
import http from 'node:http';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
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
/** Saturated phase: checkouts per push, and how long (0 skips the phase). */
const BATCH = Number(env['BENCH_BATCH'] ?? 20);
const SECONDS = Number(env['BENCH_SECONDS'] ?? 15);
/** Every measured push as `sent ms, latency ms, rows, server` lines, to see when slow ones happen. */
const TRACE_FILE = env['BENCH_TRACE'] ?? '';
const traceLines: string[] = [];
/** Paced phase: offered entries/s (all tills together), tried in this order. Empty skips it. */
const RATES = (env['BENCH_RATES'] ?? '1000,2000,3000,4000,5000,6000,6500,7000,7500,8000')
  .split(',')
  .filter(Boolean)
  .map(Number);
const PACED_SECONDS = Number(env['BENCH_PACED_SECONDS'] ?? 15);
/** Paced at the first rate before the measured phases, not counted (0 skips it). */
const WARMUP_SECONDS = Number(env['BENCH_WARMUP_SECONDS'] ?? 10);
/**
 * A till's push policy, as terminal-core's replication (replication.ts, QuietGate): a push waits
 * until no checkout was made for QUIET_MS or QUIET_MAX_MS passed, and sends at most PUSH_ROWS
 * per request (RxDB's push batch size there). The terminal waits at most 1,000 ms, which caps one
 * till at about 100 checkouts/s; 50 tills offering several thousand entries/s must each sell far
 * more, so the default here is 400 ms (BENCH_QUIET_MAX_MS=1000 for the terminal's own).
 */
const QUIET_MS = Number(env['BENCH_QUIET_MS'] ?? 100);
const QUIET_MAX_MS = Number(env['BENCH_QUIET_MAX_MS'] ?? 400);
const PUSH_ROWS = Number(env['BENCH_PUSH_ROWS'] ?? 100);
const P99_TARGET_MS = Number(env['BENCH_P99_TARGET_MS'] ?? 100);
/**
 * PostgreSQL sessions per server process. PostgreSQL's own guidance is about two sessions per
 * core in all; here PostgreSQL, the servers and the load share two cores. Measured here (two
 * processes, best paced rate with p99 ≤ 100 ms): 16 each, 3,000/s; 8, under 4,000/s; 4,
 * 5,500/s; 3, 4,000/s; 2 stalled. A chain sizes DATABASE_POOL_SIZE to its PostgreSQL likewise.
 */
const POOL_SIZE = env['BENCH_POOL_SIZE'] ?? '4';
/** pgbench's clients, at its best here (4 gave 2,266 TPS, 16 about 2,700-2,900, 32 fewer). */
const PGBENCH_CLIENTS = Number(env['BENCH_PGBENCH_CLIENTS'] ?? 16);
const PGBENCH_SCALE = Number(env['BENCH_PGBENCH_SCALE'] ?? Math.max(10, PGBENCH_CLIENTS));
const PGBENCH_SECONDS = Number(env['BENCH_PGBENCH_SECONDS'] ?? 15);
const SOCKET_DIR = env['BENCH_SOCKET_DIR'] || undefined;
const PORT = Number(env['BENCH_PORT'] ?? 18_787);
/** Server processes on the database (the chain scales this way); terminals are spread over them. */
const SERVERS = Number(env['BENCH_SERVERS'] ?? os.cpus().length);
const PEPPER = randomBytes(24).toString('hex');
const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function databaseUrl(name: string, options: { socket?: boolean } = {}): string {
  const url = new URL(BASE_URL);
  url.pathname = `/${name}`;
  // node-postgres lets the `host` parameter override the URL's host: a directory is a socket.
  if (options.socket && SOCKET_DIR) url.searchParams.set('host', SOCKET_DIR);
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

/** One keep-alive connection per till, as a till's replication keeps its connection. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1_000 });

/** Requests sent again because a kept-alive connection was closed under them. */
let resentOnClosedConnection = 0;

/**
 * POSTs `body` as JSON. A request on a reused keep-alive connection that the server closed at
 * the same moment fails with ECONNRESET / "socket hang up" before any answer; it is sent once
 * more on a new connection, as Node's documentation advises. Every request here may be repeated:
 * enrollment codes fail the second time visibly, and pushes are idempotent by transaction id.
 */
function post(
  url: string,
  body: unknown,
  token?: string,
  options: { readonly answerIfOk?: boolean } = {},
): Promise<{ status: number; json: unknown }> {
  const payload = JSON.stringify(body);
  const send = (retry: boolean): Promise<{ status: number; json: unknown }> =>
    new Promise((resolve, reject) => {
      const request = http.request(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
            [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            try {
              const status = response.statusCode ?? 0;
              // A push's 200 acknowledges every row it carried, which is all the bench needs
              // of it (what was recorded is checked in the database at the end); parsing the
              // answer, about 1 KB a recorded transaction, is a till's work on its own machine,
              // not the server's, and here it took the server's cores.
              const skip = status === 200 && options.answerIfOk === false;
              resolve({
                status,
                json: skip
                  ? undefined
                  : (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown),
              });
            } catch (error) {
              reject(error instanceof Error ? error : new Error(String(error)));
            }
          });
          response.on('error', reject);
        },
      );
      request.on('error', (error: NodeJS.ErrnoException) => {
        const closedUnderUs =
          request.reusedSocket &&
          (error.code === 'ECONNRESET' || error.message === 'socket hang up');
        if (retry && closedUnderUs) {
          resentOnClosedConnection += 1;
          send(false).then(resolve, reject);
        } else {
          reject(error);
        }
      });
      request.end(payload);
    });
  return send(true);
}

interface PhaseResult {
  readonly label: string;
  /** Offered entries/s (paced), undefined for the saturated phase. */
  readonly offered?: number;
  readonly entries: number;
  readonly failures: number;
  readonly pushes: number;
  readonly elapsed: number;
  readonly perSecond: number;
  readonly meanBatch: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Wall-clock start (HH:MM:SS, UTC), to set beside PostgreSQL's log. */
  readonly startedAt?: string;
  /**
   * Share of the phase during which PostgreSQL's checkpointer was writing a checkpoint (sampled
   * every 250 ms): after a checkpoint begins, every page written for the first time goes into
   * the WAL whole for a while.
   */
  readonly checkpointShare?: number;
  /**
   * Checkpoints seen beginning during the phase (the checkpointer going from idle to writing; one
   * that begins right as the last one ends is not seen).
   */
  readonly checkpointsBegun?: number;
  /** Samples of the checkpointer that failed (its figures above then leave them out). */
  readonly checkpointSamplesFailed?: number;
}

function summarize(
  label: string,
  latencies: number[],
  entries: number,
  failures: number,
  elapsed: number,
  offered?: number,
): PhaseResult {
  latencies.sort((a, b) => a - b);
  return {
    label,
    ...(offered !== undefined ? { offered } : {}),
    entries,
    failures,
    pushes: latencies.length,
    elapsed,
    perSecond: entries / elapsed,
    meanBatch: latencies.length > 0 ? entries / latencies.length : 0,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Exponentially distributed gap (ms) of a Poisson process at `perSecond`. */
function poissonGap(perSecond: number): number {
  return (-Math.log(1 - Math.random()) * 1000) / perSecond;
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

  let n = 0;
  const acknowledged: string[] = [];
  const makeCheckout = (terminal: BenchTerminal, t: number) => {
    n += 1;
    const memberId = terminal.members[(n + t) % terminal.members.length] as string;
    return checkout(terminal, memberId, { paid: 500 + ((n * 37) % 5000) });
  };
  /** Pushes `docs`; its latency is recorded in `latencies` unless that is undefined. */
  const push = async (
    terminal: BenchTerminal,
    docs: { id: string }[],
    latencies: number[] | undefined,
  ) => {
    const sent = performance.now();
    const result = await post(
      `${terminal.serverUrl}/sync/v1/transactions/push`,
      { rows: docs.map((doc) => ({ newDocumentState: doc })) },
      terminal.token,
      { answerIfOk: false },
    );
    const took = performance.now() - sent;
    latencies?.push(took);
    if (latencies && TRACE_FILE) {
      traceLines.push(
        `${sent.toFixed(1)}\t${took.toFixed(2)}\t${docs.length}\t${terminal.serverUrl}`,
      );
    }
    if (result.status !== 200) return false;
    for (const doc of docs) acknowledged.push(doc.id);
    return true;
  };

  const phases: PhaseResult[] = [];
  const runPaced = async (offered: number, seconds: number, label: string) => {
    const watch = await watchCheckpointer();
    const latencies: number[] = [];
    let entries = 0;
    let failures = 0;
    const perTill = offered / terminals.length;
    const started = performance.now();
    // Pushes started within the window are measured. The tills keep selling a push period
    // longer, so the window does not end on every till flushing at once (an artefact: a real
    // chain does not stop selling together); those last pushes are recorded, not measured.
    const windowEnd = started + seconds * 1000;
    const stopAt = windowEnd + QUIET_MAX_MS;
    let lastMeasuredDone = windowEnd;
    await Promise.all(
      terminals.map(async (terminal, t) => {
        // Checkouts arrive at random (Poisson); each is made when it arrives and pushed as
        // terminal-core's replication pushes: once the till has been quiet for QUIET_MS or
        // QUIET_MAX_MS after the wait began, in requests of at most PUSH_ROWS, one at a time.
        // Tills are not in step: each starts at a random point of a push period.
        let nextArrival = started + Math.random() * QUIET_MAX_MS + poissonGap(perTill);
        let pending: { id: string }[] = [];
        const arrive = () => {
          pending.push(makeCheckout(terminal, t));
          const at = nextArrival;
          nextArrival += poissonGap(perTill);
          return at;
        };
        for (;;) {
          // Wait for the next checkout when nothing is pending.
          if (pending.length === 0) {
            if (nextArrival >= stopAt) break;
            await sleep(nextArrival - performance.now());
            arrive();
          }
          // The quiet gate: push when no checkout came for QUIET_MS, or at QUIET_MAX_MS.
          const waitStart = performance.now();
          const latest = Math.min(waitStart + QUIET_MAX_MS, stopAt);
          let lastWrite = waitStart;
          while (nextArrival < Math.min(lastWrite + QUIET_MS, latest)) {
            await sleep(nextArrival - performance.now());
            lastWrite = arrive();
          }
          await sleep(Math.min(lastWrite + QUIET_MS, latest) - performance.now());
          const docs = pending;
          pending = [];
          for (let i = 0; i < docs.length; i += PUSH_ROWS) {
            const part = docs.slice(i, i + PUSH_ROWS);
            const measured = performance.now() < windowEnd;
            const ok = await push(terminal, part, measured ? latencies : undefined);
            if (!ok) failures += 1;
            else if (measured) entries += part.length;
            if (measured) lastMeasuredDone = Math.max(lastMeasuredDone, performance.now());
          }
          // Checkouts made while the push was in flight go in the next one.
          while (nextArrival <= Math.min(performance.now(), stopAt)) arrive();
        }
      }),
    );
    const elapsed = (lastMeasuredDone - started) / 1000;
    return {
      ...summarize(label, latencies, entries, failures, elapsed, offered),
      ...(await watch.stop()),
    };
  };
  const pacedLabel = (offered: number) =>
    `paced, ${offered}/s offered, terminal push policy (quiet ${QUIET_MS} ms, at most ${QUIET_MAX_MS} ms, ≤ ${PUSH_ROWS} rows)`;

  if (WARMUP_SECONDS > 0 && RATES.length > 0) {
    // Not measured: the server's code is compiled by the JIT and PostgreSQL's caches fill while
    // it runs (the first seconds of a cold server are several times slower than the rest).
    const warmup = await runPaced(RATES[0] as number, WARMUP_SECONDS, 'warm-up');
    process.stderr.write(
      `${describePhase({ ...warmup, label: `warm-up (not counted), ${pacedLabel(RATES[0] as number)}` })}\n`,
    );
  }
  if (SECONDS > 0) {
    const watch = await watchCheckpointer();
    const latencies: number[] = [];
    let entries = 0;
    let failures = 0;
    const started = performance.now();
    const stopAt = started + SECONDS * 1000;
    await Promise.all(
      terminals.map(async (terminal, t) => {
        while (performance.now() < stopAt) {
          const docs = Array.from({ length: BATCH }, () => makeCheckout(terminal, t));
          if (await push(terminal, docs, latencies)) entries += docs.length;
          else failures += 1;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    phases.push({
      ...summarize(`saturated, batches of ${BATCH}`, latencies, entries, failures, elapsed),
      ...(await watch.stop()),
    });
  }

  for (const offered of RATES) {
    const phase = await runPaced(offered, PACED_SECONDS, pacedLabel(offered));
    phases.push(phase);
    process.stderr.write(`${describePhase(phase)}\n`);
    // Falling behind shows as the drain at the end stretching the run past its time.
    if (phase.p99 > P99_TARGET_MS || phase.elapsed > PACED_SECONDS * 1.05 || phase.failures > 0)
      break;
  }
  return { phases, acknowledged };
}

function describePhase(phase: PhaseResult): string {
  return (
    `${phase.label}: ${phase.perSecond.toFixed(0)} entries/s over ${phase.elapsed.toFixed(1)} s, ` +
    `push p50 ${phase.p50.toFixed(1)} ms, p99 ${phase.p99.toFixed(1)} ms, max ${phase.max.toFixed(0)} ms ` +
    `(${phase.pushes} pushes, mean batch ${phase.meanBatch.toFixed(1)}, failed ${phase.failures})` +
    (phase.startedAt ? `; from ${phase.startedAt}` : '') +
    (phase.checkpointsBegun ? `; a checkpoint began in it` : '') +
    (phase.checkpointSamplesFailed
      ? `; ${phase.checkpointSamplesFailed} checkpointer samples failed`
      : '') +
    (phase.checkpointShare
      ? `; checkpointer writing during ${(phase.checkpointShare * 100).toFixed(0)} % of it`
      : '')
  );
}

function pgbenchFlags(): string[] {
  return ['-c', String(PGBENCH_CLIENTS), '-j', '2', '-T', String(PGBENCH_SECONDS)];
}

function runPgbench(url: string): number {
  const pgbench = findPgbench();
  const parsed = new URL(url);
  const connection = {
    ...process.env,
    PGHOST: SOCKET_DIR ?? parsed.hostname,
    PGPORT: parsed.port || '5432',
    PGUSER: decodeURIComponent(parsed.username),
    PGPASSWORD: decodeURIComponent(parsed.password),
    PGDATABASE: parsed.pathname.slice(1),
  };
  execFileSync(pgbench, ['-i', '-s', String(PGBENCH_SCALE), '-q'], {
    env: connection,
    stdio: 'ignore',
  });
  const output = execFileSync(pgbench, pgbenchFlags(), {
    env: connection,
    encoding: 'utf8',
  });
  const match =
    /tps = ([\d.]+) \(without initial connection time\)/.exec(output) ??
    /tps = ([\d.]+)/.exec(output);
  if (!match) throw new Error(`could not read pgbench's TPS from:\n${output}`);
  return Number(match[1]);
}

/** PostgreSQL's settings that move these figures most, as one line. */
async function postgresSettings(): Promise<string> {
  const names = [
    'server_version',
    'shared_buffers',
    'max_wal_size',
    'checkpoint_timeout',
    'synchronous_commit',
    'wal_compression',
  ];
  const { rows } = await admin((client) =>
    client.query<{ name: string; setting: string }>(
      `SELECT name, current_setting(name) AS setting FROM pg_settings WHERE name = ANY($1)`,
      [names],
    ),
  );
  return rows.map((row) => `${row.name} ${row.setting}`).join(', ');
}

/** Checkpoints ended so far (timed, requested) and the WAL position, to tell what a run wrote. */
async function walMark(): Promise<{ timed: number; requested: number; lsn: string }> {
  return admin(async (client) => {
    // PostgreSQL 17 moved the checkpoint counters to pg_stat_checkpointer (asked by version, so
    // that no failed query lands in the server's log).
    const version = await client.query<{ v: string }>(
      `SELECT current_setting('server_version_num') AS v`,
    );
    const counters = await client.query<{ timed: string; requested: string }>(
      Number(version.rows[0]?.v ?? 0) >= 170_000
        ? 'SELECT num_timed AS timed, num_requested AS requested FROM pg_stat_checkpointer'
        : 'SELECT checkpoints_timed AS timed, checkpoints_req AS requested FROM pg_stat_bgwriter',
    );
    const { rows } = await client.query<{ lsn: string }>(
      'SELECT pg_current_wal_lsn()::text AS lsn',
    );
    const row = counters.rows[0];
    return {
      timed: Number(row?.timed ?? 0),
      requested: Number(row?.requested ?? 0),
      lsn: rows[0]?.lsn ?? '0/0',
    };
  });
}

/**
 * Watches PostgreSQL's checkpointer from now until `stop`: the share of 250 ms samples in which
 * it was writing a checkpoint (any state but waiting in its main loop), and how many times it
 * went from idle to writing. The cumulative statistics cannot say when a checkpoint began:
 * PostgreSQL 15 counts one when it ends. A timed checkpoint spreads its writes over most of
 * `checkpoint_timeout`, so the share is high in most phases; what costs is a checkpoint's start,
 * after which every page written for the first time goes into the WAL whole.
 */
async function watchCheckpointer(): Promise<{
  stop(): Promise<{
    startedAt: string;
    checkpointShare: number;
    checkpointsBegun: number;
    checkpointSamplesFailed: number;
  }>;
}> {
  const startedAt = new Date().toISOString().slice(11, 19);
  const client = new pg.Client({ connectionString: BASE_URL });
  await client.connect();
  let samples = 0;
  let writing = 0;
  let began = 0;
  let wasIdle: boolean | undefined;
  let failed = 0;
  let inFlight: Promise<void> = Promise.resolve();
  const sample = async () => {
    const { rows } = await client.query<{ wait_event: string | null }>(
      `SELECT wait_event FROM pg_stat_activity WHERE backend_type = 'checkpointer'`,
    );
    const busy = rows[0] !== undefined && rows[0].wait_event !== 'CheckpointerMain';
    samples += 1;
    if (busy) writing += 1;
    if (busy && wasIdle === true) began += 1;
    wasIdle = !busy;
  };
  const timer = setInterval(() => {
    // A failed sample is counted and printed, not taken for an idle checkpointer.
    inFlight = inFlight.then(sample).catch(() => {
      failed += 1;
    });
  }, 250);
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
      await client.end();
      return {
        startedAt,
        checkpointShare: samples > 0 ? writing / samples : 0,
        checkpointsBegun: began,
        checkpointSamplesFailed: failed,
      };
    },
  };
}

async function walBytesBetween(from: string, to: string): Promise<number> {
  const { rows } = await admin((client) =>
    client.query<{ bytes: string }>('SELECT pg_wal_lsn_diff($2, $1)::text AS bytes', [from, to]),
  );
  return Number(rows[0]?.bytes ?? 0);
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
          // As `npm start -w server` runs it (a young generation of 32 MB semi-spaces).
          '--max-semi-space-size=32',
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
            DATABASE_URL: databaseUrl(ledgerDb, { socket: true }),
            DATABASE_POOL_SIZE: POOL_SIZE,
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
    const before = await walMark();
    const ledger = await runLedgerLoad(serverUrls, db);
    const after = await walMark();
    const walBytes = await walBytesBetween(before.lsn, after.lsn);
    await Promise.all(
      children.splice(0).map((child) => {
        const stopped = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        return stopped;
      }),
    );
    const { acknowledged, phases } = ledger;
    const { rows } = await db.query<{ total: number; acked: number }>(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE id = ANY($1::text[]))::int AS acked
         FROM sync_documents WHERE collection = 'transactions'`,
      [acknowledged],
    );
    const recorded = rows[0] ?? { total: 0, acked: 0 };
    const exactlyOnce =
      recorded.acked === acknowledged.length &&
      new Set(acknowledged).size === acknowledged.length &&
      phases.every((phase) => phase.failures === 0);
    const load = os.loadavg().map((value) => value.toFixed(2));
    const tps = runPgbench(databaseUrl(pgbenchDb));
    const saturated = phases.find((phase) => phase.offered === undefined);
    const sustained = phases
      .filter((phase) => phase.offered !== undefined && phase.p99 <= P99_TARGET_MS)
      .filter((phase) => phase.elapsed <= PACED_SECONDS * 1.05 && phase.failures === 0)
      .at(-1);
    const lines = [
      `tills ${TERMINALS}, members ${TERMINALS * MEMBERS_PER_TERMINAL}, server processes ${SERVERS}, pool ${POOL_SIZE}, ${SOCKET_DIR ? `Unix socket ${SOCKET_DIR}` : 'loopback TCP'}`,
      ...phases.map(describePhase),
      `requests sent again after the server closed a kept-alive connection: ${resentOnClosedConnection}`,
      `PostgreSQL: ${await postgresSettings()}`,
      `during the ledger load: WAL ${(walBytes / 1e6).toFixed(0)} MB (${(walBytes / Math.max(1, acknowledged.length) / 1e3).toFixed(2)} kB an entry, warm-up included); checkpoints ended: ${after.timed - before.timed} timed, ${after.requested - before.requested} requested (max_wal_size reached)`,
      `ledger entries recorded: ${recorded.total}; acknowledged ${acknowledged.length}, of them recorded ${recorded.acked} (${exactlyOnce && recorded.total >= recorded.acked ? 'each exactly once' : 'MISMATCH'})`,
      `pgbench TPC-B (-i -s ${PGBENCH_SCALE}; ${pgbenchFlags().join(' ')}) tps: ${tps.toFixed(0)}`,
      saturated
        ? `ratio saturated: ${saturated.perSecond.toFixed(0)} entries/s ÷ ${tps.toFixed(0)} tps = ${(saturated.perSecond / tps).toFixed(2)} (p99 ${saturated.p99.toFixed(0)} ms)`
        : 'ratio saturated: not run',
      sustained
        ? `ratio sustained (best paced rate with p99 ≤ ${P99_TARGET_MS} ms): ${sustained.perSecond.toFixed(0)} entries/s ÷ ${tps.toFixed(0)} tps = ${(sustained.perSecond / tps).toFixed(2)} (p50 ${sustained.p50.toFixed(1)} ms, p99 ${sustained.p99.toFixed(1)} ms) — targets ratio ≥ 2, p99 ≤ ${P99_TARGET_MS} ms`
        : `ratio sustained: no paced rate met p99 ≤ ${P99_TARGET_MS} ms`,
      `load average (1, 5, 15 min) before pgbench: ${load.join(', ')}; ${os.cpus().length} CPUs`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (TRACE_FILE) writeFileSync(TRACE_FILE, `${traceLines.join('\n')}\n`);
    if (!exactlyOnce || recorded.total !== acknowledged.length) process.exitCode = 1;
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await db.close();
    await admin(async (client) => {
      if (!env['BENCH_KEEP_DB'])
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
