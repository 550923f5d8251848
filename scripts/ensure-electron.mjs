#!/usr/bin/env node
// Fetches Electron's binary when it is first needed. Install scripts are off for the whole
// workspace (.npmrc), so `npm install` never reaches outside the npm registry; this step does,
// and it is tolerant: where the download is impossible it says so and exits with code 2, and
// callers (npm start) fall back to serving the UI to a browser.
// See docs/decisions/0001-electron-binary-install.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(join(process.cwd(), 'apps/terminal/package.json'));

function electronDir() {
  try {
    return dirname(require.resolve('electron/package.json'));
  } catch {
    return undefined;
  }
}

/** The path of an installed Electron binary, or undefined. */
export function installedElectronPath() {
  const dir = electronDir();
  if (!dir) return undefined;
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : undefined;
}

export function ensureElectron({ quiet = false } = {}) {
  const present = installedElectronPath();
  if (present) return { ok: true, path: present };
  const dir = electronDir();
  if (!dir) return { ok: false, reason: 'the electron package is not installed (run npm install)' };
  if (!quiet) console.log('Fetching the Electron binary (first run)...');
  // Electron's installer prints a whole stack trace when the download fails; keep only the
  // first line of it as the reason.
  const result = spawnSync(process.execPath, [join(dir, 'install.js')], {
    cwd: dir,
    stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'pipe'],
    encoding: 'utf8',
    timeout: 5 * 60_000,
  });
  const installed = installedElectronPath();
  if (result.status === 0 && installed) return { ok: true, path: installed };
  const cause = (result.stderr ?? '').split('\n').find((line) => line.trim() !== '');
  return {
    ok: false,
    reason: `Electron's binary could not be downloaded (this network may reach only the npm registry)${
      cause ? `: ${cause.trim()}` : ''
    }`,
  };
}

// Run as a script (a path with spaces, or on Windows, is percent-encoded or drive-lettered in the URL).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outcome = ensureElectron();
  if (outcome.ok) {
    console.log(`Electron is installed: ${outcome.path}`);
  } else {
    console.log(`Electron is not available: ${outcome.reason}`);
    process.exitCode = 2;
  }
}
