#!/usr/bin/env node
// `npm start`: the whole demo on one machine, from a fresh clone.
//
//  1. builds the terminal app if its sources changed since the last build;
//  2. prepares the sync server's embedded database in .data/server: the demo data on first
//     start (`cli load-demo`, whose staff PINs are printed), then a fresh single-use enrollment
//     code for the terminal. These run before the server starts: an embedded PGlite database
//     can be open in only one process at a time;
//  3. starts the sync server (server/src/index.ts, as `npm run start -w server` does) and waits
//     until it answers /healthz;
//  4. launches the Electron app with the server URL and the enrollment code for its first run,
//     its profile in .data/terminal. Where Electron's binary is not installed and cannot be
//     fetched (scripts/ensure-electron.mjs), it serves the same built UI over HTTP on localhost
//     instead, proxying the sync API so the page talks to one origin, and prints the address.
//
// Ctrl-C (or closing the app window) stops everything, the server cleanly.
// Options: --browser (skip Electron), --rebuild (build even if up to date).
// Environment: TILLPOINT_SERVER_PORT (default 8787), TILLPOINT_UI_PORT (default 5180).
import { spawn, spawnSync } from 'node:child_process';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureElectron } from './ensure-electron.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const require = createRequire(path.join(root, 'package.json'));

const options = new Set(process.argv.slice(2));
const terminalDir = path.join(root, 'apps', 'terminal');
const rendererDir = path.join(terminalDir, 'out', 'renderer');
const dataDir = path.join(root, '.data');
const serverDataDir = path.join(dataDir, 'server');
const terminalDataDir = path.join(dataDir, 'terminal');
const demoStateFile = path.join(dataDir, 'demo.json');
const npmCli = process.env.npm_execpath;

function say(line = '') {
  process.stdout.write(`${line}\n`);
}

function fail(message) {
  process.stderr.write(`\nnpm start: ${message}\n`);
  // Once the sync server runs (its own process group), it is stopped with everything else.
  if (serverProcess && !serverProcess.exited) {
    void shutdown(1);
    return;
  }
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// 1. Build

/** The newest modification time under `dir` (ignoring node_modules and build output). */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (
      [
        'node_modules',
        'out',
        'dist',
        'coverage',
        'test-results',
        'playwright-report',
        'screenshots',
      ].includes(entry.name)
    )
      continue;
    if (entry.name.startsWith('.')) continue;
    if (entry.name.endsWith('.tsbuildinfo')) continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(
      newest,
      entry.isDirectory() ? newestMtime(full) : entry.isFile() ? statSync(full).mtimeMs : 0,
    );
  }
  return newest;
}

function buildIfNeeded() {
  const outputs = ['main/index.js', 'preload/index.cjs', 'renderer/index.html'].map((file) =>
    path.join(terminalDir, 'out', file),
  );
  const built = outputs.every((file) => existsSync(file))
    ? Math.min(...outputs.map((file) => statSync(file).mtimeMs))
    : 0;
  // The renderer bundles the workspace packages' sources, so they count too.
  const inputs = [
    terminalDir,
    ...['loyalty', 'protocol', 'terminal-core'].map((name) => path.join(root, 'packages', name)),
  ];
  const changed = Math.max(...inputs.filter((dir) => existsSync(dir)).map(newestMtime));
  if (!options.has('--rebuild') && built > changed) {
    say('The terminal app is up to date (apps/terminal/out).');
    return;
  }
  say('Building the terminal app...');
  const result = runNpm(['run', 'build', '-w', '@tillpoint/terminal'], { stdio: 'inherit' });
  if (result.status !== 0) fail('the terminal app did not build (see above).');
}

// ---------------------------------------------------------------------------------------------
// 2. The server's database: demo data, enrollment code

function runNpm(args, extra = {}) {
  // Under `npm start`, npm_execpath is npm's own CLI: run it with this Node, no shell needed.
  return npmCli
    ? spawnSync(process.execPath, [npmCli, ...args], { cwd: root, ...extra })
    : spawnSync('npm', args, { cwd: root, shell: process.platform === 'win32', ...extra });
}

const serverEnvironment = (extra = {}) => ({
  ...process.env,
  DATA_DIR: serverDataDir,
  ...extra,
});

/** `npm run cli -w server -- <args>`, its output captured. */
function serverCli(args) {
  const result = runNpm(['run', '--silent', 'cli', '-w', '@tillpoint/server', '--', ...args], {
    env: serverEnvironment(),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

function serverCliOrFail(args) {
  const result = serverCli(args);
  if (result.status !== 0) {
    fail(
      `\`npm run cli -w server -- ${args.join(' ')}\` failed:\n${result.stderr || result.stdout}`,
    );
  }
  return result.stdout;
}

function prepareDemo() {
  // The record of what load-demo printed is only valid with the database it describes.
  let state;
  if (existsSync(serverDataDir) && existsSync(demoStateFile)) {
    try {
      state = JSON.parse(readFileSync(demoStateFile, 'utf8'));
      if (typeof state?.storeId !== 'string' || typeof state.output !== 'string') state = undefined;
    } catch {
      state = undefined; // cut short while it was written: load-demo says what is there
    }
  }
  if (state) {
    say('\nDemo data (loaded at the first start; delete .data/ to start over):');
    // load-demo's "shown only now" held for its own output; this demo keeps a copy to show.
    say(
      state.output
        .split('\n')
        .filter((line) => !line.includes('shown only now'))
        .join('\n')
        .trimEnd(),
    );
    say('(the demo PINs are kept in .data/demo.json for this; the server keeps only hashes)');
    return state;
  }
  rmSync(demoStateFile, { force: true });
  mkdirSync(dataDir, { recursive: true });
  say('\nLoading the demo data into .data/server (first start)...');
  const loaded = serverCli(['load-demo']);
  const already = /already loaded \(store (\S+) exists\)/.exec(loaded.stdout)?.[1];
  if (loaded.status === 0 && already) {
    // The database has the demo, but the record of what load-demo printed is gone: the PINs
    // were shown once and the server keeps only hashes.
    state = {
      storeId: already,
      output: `The demo data is in .data/server (store ${already}); its PINs were shown when it was loaded. Delete .data/ to load it afresh.`,
      source: 'load-demo',
    };
  } else if (loaded.status === 0) {
    // load-demo names its store: `demo store <id> loaded: ...`
    const storeId = /^demo store (\S+) loaded/m.exec(loaded.stdout)?.[1];
    if (!storeId) {
      fail(`load-demo did not name its store; it printed:\n${loaded.stdout}`);
    }
    // The code load-demo printed is single-use; start makes a fresh one below every time.
    const output = loaded.stdout
      .split('\n')
      .filter((line) => !line.startsWith('enrollment code'))
      .join('\n');
    state = { storeId, output, source: 'load-demo' };
  } else {
    fail(`loading the demo data failed:\n${loaded.stderr || loaded.stdout}`);
  }
  say(state.output.trimEnd());
  writeFileSync(demoStateFile, `${JSON.stringify(state, null, 2)}\n`);
  return state;
}

function createEnrollmentCode(storeId) {
  const lines = serverCliOrFail(['create-enrollment-code', '--store', storeId])
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const code = lines.at(-1);
  if (!code) fail('create-enrollment-code printed no code.');
  return code;
}

// ---------------------------------------------------------------------------------------------
// 3. The sync server

function portIsFree(port) {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

async function choosePort(preferred, what) {
  if (await portIsFree(preferred)) return preferred;
  const port = await new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
  say(`Port ${preferred} is taken; the ${what} uses ${port} instead.`);
  return port;
}

let serverProcess;

function startServer(port) {
  const tsx = require.resolve('tsx/cli');
  // The flags of `npm start -w server` (server/package.json; README, "The server alone").
  const args = ['--max-semi-space-size=32', tsx, '--conditions=@tillpoint/source', 'src/index.ts'];
  serverProcess = spawn(process.execPath, args, {
    cwd: path.join(root, 'server'),
    env: serverEnvironment({
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    }),
    stdio: ['ignore', 'inherit', 'inherit'],
    // Its own process group: Ctrl-C reaches only this script, which stops the server once, cleanly.
    detached: process.platform !== 'win32',
  });
  serverProcess.on('exit', (code, signal) => {
    serverProcess.exited = true;
    if (!shuttingDown) {
      process.stderr.write(
        `\nThe sync server stopped unexpectedly (${signal ?? `exit code ${code}`}).\n`,
      );
      void shutdown(1);
    }
  });
}

async function waitUntilHealthy(url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (serverProcess.exited) fail('the sync server exited while starting (see above).');
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  fail(`the sync server did not answer ${url}/healthz within ${timeoutMs / 1000} s.`);
}

// ---------------------------------------------------------------------------------------------
// 4a. Electron

let electronProcess;

function launchElectron(binary, serverUrl, code) {
  const args = [
    path.join(terminalDir, 'out', 'main', 'index.js'),
    `--server-url=${serverUrl}`,
    `--enrollment-code=${code}`,
    `--user-data-dir=${terminalDataDir}`,
  ];
  if (process.platform === 'linux' && process.getuid?.() === 0) {
    // Chromium refuses to start as root with its OS sandbox on (containers, CI).
    say('Running as root: Electron starts with --no-sandbox (the OS-level sandbox is off).');
    args.push('--no-sandbox');
  }
  electronProcess = spawn(binary, args, { stdio: 'inherit' });
  electronProcess.on('exit', () => {
    electronProcess.exited = true;
    say('The terminal app closed.');
    void shutdown(0);
  });
}

// ---------------------------------------------------------------------------------------------
// 4b. The same UI in a browser

/** As the Electron shell's, with the sync API on the page's own origin (proxied below). */
const BROWSER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "frame-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** The built file a request path names, or undefined for anything that could leave the root. */
function staticFile(requestPath) {
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(requestPath, 'http://localhost').pathname);
  } catch {
    return undefined;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return undefined;
  const segments = pathname.split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment === '..' || segment === '.')) return undefined;
  // Screen routes (no extension) get the app's page.
  if (segments.length === 0 || path.extname(segments.at(-1)) === '')
    return path.join(rendererDir, 'index.html');
  const file = path.resolve(rendererDir, ...segments);
  return file.startsWith(`${rendererDir}${path.sep}`) ? file : undefined;
}

const PROXIED = /^\/(api|sync)\/|^\/healthz$/;

function startBrowserServer(port, serverPort) {
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (PROXIED.test(url.split('?')[0])) {
      const upstream = http.request(
        {
          host: '127.0.0.1',
          port: serverPort,
          method: req.method,
          path: url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            error: { code: 'server-unreachable', message: 'the sync server is not running' },
          }),
        );
      });
      // A closed page (or an ended event stream) ends the upstream request too.
      res.on('close', () => upstream.destroy());
      req.pipe(upstream);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    const file = staticFile(url);
    if (!file || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(file ? 404 : 403).end();
      return;
    }
    const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    res.writeHead(200, {
      'content-type': type,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
      ...(type.startsWith('text/html') ? { 'content-security-policy': BROWSER_CSP } : {}),
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

let browserServer;

// ---------------------------------------------------------------------------------------------
// Stopping

let shuttingDown = false;

async function shutdown(exitCode) {
  if (shuttingDown) return;
  shuttingDown = true;
  say('\nStopping...');
  if (electronProcess && !electronProcess.exited) electronProcess.kill('SIGTERM');
  if (browserServer) {
    browserServer.close();
    browserServer.closeAllConnections();
  }
  if (serverProcess && !serverProcess.exited) {
    const exited = new Promise((resolve) => serverProcess.once('exit', resolve));
    serverProcess.kill('SIGTERM');
    const patience = setTimeout(() => {
      say('The sync server is taking long to stop; killing it.');
      serverProcess.kill('SIGKILL');
    }, 15_000);
    await exited;
    clearTimeout(patience);
    say('The sync server stopped.');
  }
  process.exit(exitCode);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
// Closing the terminal window sends SIGHUP.
process.on('SIGHUP', () => void shutdown(0));
// Anything unexpected stops the server too, instead of leaving it running on its own.
for (const event of ['uncaughtException', 'unhandledRejection']) {
  process.on(event, (error) => {
    process.stderr.write(`\nnpm start: ${error instanceof Error ? error.stack : String(error)}\n`);
    void shutdown(1);
  });
}
// The last resort (process.exit from anywhere): the server's group does not outlive this script.
process.on('exit', () => {
  if (serverProcess && !serverProcess.exited && serverProcess.pid !== undefined) {
    try {
      if (process.platform === 'win32') serverProcess.kill('SIGKILL');
      else process.kill(-serverProcess.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

// ---------------------------------------------------------------------------------------------

if (!existsSync(path.join(root, 'node_modules'))) fail('run `npm install` first.');
buildIfNeeded();
const demo = prepareDemo();
const enrollmentCode = createEnrollmentCode(demo.storeId);

const serverPort = await choosePort(
  Number(process.env.TILLPOINT_SERVER_PORT ?? 8787),
  'sync server',
);
const serverUrl = `http://127.0.0.1:${serverPort}`;
say(`\nStarting the sync server on ${serverUrl} (database: .data/server)...`);
startServer(serverPort);
await waitUntilHealthy(serverUrl);
say(`The sync server is up: ${serverUrl}`);
say(`Enrollment code for this terminal (store ${demo.storeId}, single use): ${enrollmentCode}`);

const electron = options.has('--browser')
  ? { ok: false, reason: 'you asked for the browser (--browser)' }
  : ensureElectron();
if (electron.ok) {
  say(
    '\nLaunching the Tillpoint terminal (Electron; profile in .data/terminal). Ctrl-C stops everything.',
  );
  launchElectron(electron.path, serverUrl, enrollmentCode);
} else {
  const uiPort = await choosePort(Number(process.env.TILLPOINT_UI_PORT ?? 5180), 'terminal UI');
  const origin = `http://127.0.0.1:${uiPort}`;
  browserServer = await startBrowserServer(uiPort, serverPort);
  const search = new URLSearchParams({ serverUrl: origin, enrollmentCode });
  say(`\nElectron cannot run here: ${electron.reason}.`);
  say(
    'The same terminal UI is served to your browser instead (the sync API is proxied on the same address).',
  );
  say('\n  Open:  ' + `${origin}/?${search}`);
  say('\nCtrl-C stops the UI and the sync server.');
}
