#!/usr/bin/env node
// `npm run package`: builds the terminal, makes sure Electron's binary is installed (the
// packager reuses it instead of downloading Electron a second time) and runs electron-builder
// for the current platform with electron-builder.yml. Output: release/.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureElectron } from './ensure-electron.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

function run(command, args) {
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run('npm', ['run', 'build', '-w', '@tillpoint/terminal']);

const electron = ensureElectron();
if (!electron.ok) {
  console.error(`Cannot package: ${electron.reason}.`);
  process.exit(2);
}
// Electron's unpacked distribution (on macOS, dist/Electron.app), as electron-builder wants it.
const require = createRequire(join(root, 'apps', 'terminal', 'package.json'));
const dist = join(dirname(require.resolve('electron/package.json')), 'dist');

run(process.execPath, [
  join(root, 'node_modules', 'electron-builder', 'cli.js'),
  '--projectDir',
  root,
  '--config',
  'electron-builder.yml',
  `--config.electronDist=${dist}`,
  ...process.argv.slice(2),
]);
