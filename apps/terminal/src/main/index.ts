/**
 * Tillpoint's Electron main process: one window on a persistent, locked-down session, the
 * renderer served from `tillpoint://app/`, and nothing else. All till logic runs in the renderer
 * (packages/terminal-core); this shell only hosts it.
 *
 * Switches: --kiosk, --server-url=<url>, --enrollment-code=<code>, --user-data-dir=<dir>.
 * In development, TILLPOINT_RENDERER_URL (e.g. http://localhost:5173) loads Vite's dev server.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, Menu, protocol, session } from 'electron';
import { provisioningSearch } from '../shared/bridge.js';
import { serverOrigin } from '../shared/settings.js';
import type { TerminalSettings } from '../shared/settings.js';
import {
  chooseIndexedDbBackend,
  chromiumMajor,
  featureSwitches,
  findIndexedDbStores,
  partitionDir,
} from './indexeddb-backend.js';
import type { IndexedDbBackendChoice } from './indexeddb-backend.js';
import { registerIpcHandlers } from './ipc.js';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  SESSION_PARTITION,
  contentSecurityPolicy,
  contentTypeFor,
  lockDownSession,
  lockDownWebContents,
  resolveAppFile,
  secureWebPreferences,
  keepsWindowOpen,
  trustedOrigins,
} from './security.js';
import type { PolicyOptions } from './security.js';
import {
  SETTINGS_FILE_NAME,
  SettingsStore,
  launchProvisioning,
  parseLaunchOptions,
} from './settings.js';

/** Replaced at build time with apps/terminal/package.json's version. */
declare const __APP_VERSION__: string;

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererRoot = path.join(here, '..', 'renderer');
const preloadPath = path.join(here, '..', 'preload', 'index.cjs');

const launch = parseLaunchOptions(process.argv);
const devServerUrl = app.isPackaged
  ? undefined
  : process.env['TILLPOINT_RENDERER_URL'] || undefined;
const origins = trustedOrigins(devServerUrl);

// Before `ready`: the scheme's privileges, the app's name and where its data lives.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
app.enableSandbox();
app.setName('Tillpoint');
if (launch.userDataDir) {
  app.setPath('userData', path.resolve(launch.userDataDir));
} else if (!app.isPackaged) {
  // Started as `electron out/main/index.js`, Electron would otherwise use its own name.
  app.setPath('userData', path.join(app.getPath('appData'), 'Tillpoint'));
}

/** Shows why the till cannot start, and quits without opening its database. */
function refuseToStart(message: string): void {
  console.error(`Tillpoint cannot start: ${message}`);
  dialog.showErrorBox('Tillpoint cannot start', message);
  app.exit(1);
}

/** The engine for the till's data in `storageDir`; undefined once refuseToStart has said why. */
function indexedDbEngine(storageDir: string): IndexedDbBackendChoice | undefined {
  try {
    const stores = findIndexedDbStores(path.join(storageDir, 'IndexedDB'));
    return chooseIndexedDbBackend(stores, chromiumMajor(process.versions.chrome));
  } catch (error) {
    refuseToStart(
      `${error instanceof Error ? error.message : String(error)}. Nothing was changed.`,
    );
    return undefined;
  }
}

// Before `ready`: which engine keeps the till's IndexedDB. A new till's goes in SQLite, a till
// with LevelDB data stays there; Chromium deletes a store of the other engine (decision 0011).
// The choice is written on Chromium's command line both ways, over any switch the till was
// started with.
const storageDir = partitionDir(app.getPath('sessionData'), SESSION_PARTITION);
const indexedDb = indexedDbEngine(storageDir);
if (indexedDb) {
  const switches = featureSwitches(indexedDb.backend, {
    enable: app.commandLine.getSwitchValue('enable-features'),
    disable: app.commandLine.getSwitchValue('disable-features'),
  });
  for (const [name, value] of [
    ['enable-features', switches.enable],
    ['disable-features', switches.disable],
  ] as const) {
    app.commandLine.removeSwitch(name);
    if (value !== '') app.commandLine.appendSwitch(name, value);
  }
}

let mainWindow: BrowserWindow | undefined;
/** The app is quitting: a kiosk window then closes (see `keepsWindowOpen`). */
let quitting = false;

async function serveAppFile(request: Request, policy: PolicyOptions): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return new Response(null, { status: 405 });
  }
  const resolved = resolveAppFile(rendererRoot, request.url);
  if (!resolved.ok) return new Response(null, { status: resolved.status });
  let body: Buffer;
  try {
    body = await readFile(resolved.file);
  } catch {
    return new Response(null, { status: 404 });
  }
  const type = contentTypeFor(resolved.file);
  const headers: Record<string, string> = {
    'Content-Type': type,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
  };
  if (type.startsWith('text/html'))
    headers['Content-Security-Policy'] = contentSecurityPolicy(policy);
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { headers });
}

function createWindow(settings: TerminalSettings): BrowserWindow {
  const kiosk = launch.kiosk || settings.kiosk;
  const window = new BrowserWindow({
    title: 'Tillpoint',
    width: 1280,
    height: 800,
    minWidth: 800,
    minHeight: 600,
    show: false,
    backgroundColor: '#f6f5f2',
    autoHideMenuBar: true,
    kiosk,
    fullscreen: kiosk,
    webPreferences: secureWebPreferences(preloadPath, { devTools: !app.isPackaged }),
  });
  if (kiosk) Menu.setApplicationMenu(null);
  window.on('close', (event) => {
    if (keepsWindowOpen({ kiosk: window.isKiosk(), quitting })) event.preventDefault();
  });
  // Windows ends a session (shut down, log off) without 'before-quit': the window closes then.
  const sessionEnding = () => {
    quitting = true;
  };
  window.on('query-session-end', sessionEnding);
  window.on('session-end', sessionEnding);
  window.once('ready-to-show', () => window.show());
  window.on('closed', () => {
    mainWindow = undefined;
  });
  const provisioning = launchProvisioning({
    ...launch,
    ...(settings.serverUrl === null ? {} : { serverUrl: settings.serverUrl }),
  });
  const entry = devServerUrl ?? APP_ENTRY_URL;
  window.loadURL(`${entry}${provisioningSearch(provisioning)}`).catch((error: unknown) => {
    console.error(`Tillpoint could not load its screens from ${entry}:`, error);
  });
  return window;
}

async function start(chosen: IndexedDbBackendChoice): Promise<void> {
  await app.whenReady();
  const appSession = session.fromPartition(SESSION_PARTITION);
  // The choice above was read from where Electron keeps this session; if Electron keeps it
  // elsewhere, choose again there, and stop rather than open a store the other engine wrote.
  const actualDir = appSession.storagePath ?? storageDir;
  if (actualDir !== storageDir) {
    const actual = indexedDbEngine(actualDir);
    if (!actual) return;
    if (actual.backend !== chosen.backend) {
      refuseToStart(
        `this till's data is in ${actualDir}, not ${storageDir} as expected, and its ` +
          `IndexedDB engine (${actual.reason}) is not the one chosen. Nothing was changed.`,
      );
      return;
    }
  }
  console.info(`Tillpoint's IndexedDB: ${chosen.backend} (${chosen.reason}), in ${actualDir}`);
  const opened = await SettingsStore.open(path.join(app.getPath('userData'), SETTINGS_FILE_NAME));
  const settings = opened.store;
  if (opened.problems) {
    console.warn(`Tillpoint settings ignored, using defaults: ${opened.problems.join('; ')}`);
  }
  if (launch.serverUrl) {
    await settings.update({ serverUrl: launch.serverUrl }).catch((error: unknown) => {
      console.error(
        `--server-url ignored: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }
  const policy = (): PolicyOptions => ({
    serverOrigin: serverOrigin(settings.current),
    devServerOrigin: devServerUrl,
  });

  appSession.protocol.handle(APP_SCHEME, (request) => serveAppFile(request, policy()));
  lockDownSession(appSession, policy, origins);
  app.on('web-contents-created', (_event, contents) => lockDownWebContents(contents, origins));

  registerIpcHandlers({
    window: () => mainWindow,
    trustedOrigins: origins,
    settings,
    appVersion: __APP_VERSION__,
    receiptsDir: path.join(app.getPath('userData'), 'receipts'),
    onSettingsSaved(before, after) {
      const window = mainWindow;
      if (!window || window.isDestroyed()) return;
      if (!launch.kiosk && before.kiosk !== after.kiosk) {
        window.setKiosk(after.kiosk);
        // The default menu's shortcuts (reload, close window) have no place on a kiosk; it
        // comes back at the next start once kiosk mode is off.
        if (after.kiosk) Menu.setApplicationMenu(null);
      }
      if (before.serverUrl !== after.serverUrl) {
        // After the reply is on its way: the page's CSP is fixed at load (the server's origin),
        // and the first-run screen waits for this reload whatever part of the address changed.
        setImmediate(() => window.webContents.reload());
      }
    },
  });

  mainWindow = createWindow(settings.current);
}

if (!indexedDb) {
  // refuseToStart has said why.
} else if (!app.requestSingleInstanceLock()) {
  // Another Tillpoint is running on this till; it is brought to the front instead.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('before-quit', () => {
    quitting = true;
  });
  // Asked to stop (the task manager, a service manager, logging off on Linux): quit cleanly,
  // kiosk or not. Electron does not turn every one of these into 'before-quit' by itself.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(signal, () => {
      quitting = true;
      app.quit();
    });
  }
  app.on('window-all-closed', () => app.quit());
  start(indexedDb).catch((error: unknown) => {
    console.error('Tillpoint failed to start:', error);
    app.exit(1);
  });
}
