/**
 * Everything that keeps the till's window locked down, in one readable place: the window's
 * web preferences, the content security policy, which navigations and IPC senders are
 * trusted, and which files the app scheme may serve. The decisions are pure functions (tested in
 * security.test.ts without Electron); `lockDownSession` and `lockDownWebContents` wire them in.
 */
import path from 'node:path';
import type { Privileges, Session, WebContents, WebPreferences } from 'electron';

/** The renderer is served from `tillpoint://app/`, a privileged standard scheme. */
export const APP_SCHEME = 'tillpoint';
export const APP_ORIGIN = `${APP_SCHEME}://app`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** `persist:` keeps the session (and so IndexedDB, the terminal's database) on disk. */
export const SESSION_PARTITION = 'persist:tillpoint';

/**
 * `standard` gives the scheme real origins and relative URLs; `secure` makes it a secure context
 * (crypto.subtle, IndexedDB without quirks); `supportFetchAPI` and `corsEnabled` let the page
 * fetch its own files and call the sync server with CORS. It must not bypass the CSP.
 */
export const APP_SCHEME_PRIVILEGES: Privileges = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  corsEnabled: true,
  stream: true,
  bypassCSP: false,
  allowServiceWorkers: false,
};

export function secureWebPreferences(
  preloadPath: string,
  { devTools }: { readonly devTools: boolean },
): WebPreferences {
  return {
    preload: preloadPath,
    devTools,
    partition: SESSION_PARTITION,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  };
}

export interface PolicyOptions {
  /** The configured sync server's origin; connect-src allows only it besides the app. */
  readonly serverOrigin?: string | undefined;
  /**
   * The Vite dev server's origin in development: its client needs inline scripts and styles
   * (React refresh, injected CSS) and a websocket for hot reload.
   */
  readonly devServerOrigin?: string | undefined;
}

export function contentSecurityPolicy({ serverOrigin, devServerOrigin }: PolicyOptions): string {
  const connect = ["'self'"];
  if (serverOrigin) connect.push(serverOrigin);
  const script = ["'self'"];
  const style = ["'self'"];
  if (devServerOrigin) {
    const dev = new URL(devServerOrigin);
    connect.push(dev.origin, `${dev.protocol === 'https:' ? 'wss:' : 'ws:'}//${dev.host}`);
    script.push("'unsafe-inline'");
    style.push("'unsafe-inline'");
  }
  return [
    "default-src 'self'",
    `script-src ${script.join(' ')}`,
    `style-src ${style.join(' ')}`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src ${connect.join(' ')}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "frame-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function originOf(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  // Node's URL does not know our scheme is registered as standard and calls its origin
  // opaque ("null"); Chromium gives it `tillpoint://app`, as here.
  if (parsed.protocol === `${APP_SCHEME}:`) {
    return parsed.host === '' ? undefined : `${parsed.protocol}//${parsed.host}`;
  }
  return parsed.origin === 'null' ? undefined : parsed.origin;
}

/** The origins the window may show: the app scheme, plus the dev server in development. */
export function trustedOrigins(devServerOrigin?: string): readonly string[] {
  const dev = devServerOrigin === undefined ? undefined : originOf(devServerOrigin);
  return dev === undefined ? [APP_ORIGIN] : [APP_ORIGIN, dev];
}

/** `will-navigate`: only within the app's own origin (a reload, an in-app route). */
export function isAllowedNavigation(url: string, origins: readonly string[]): boolean {
  const origin = originOf(url);
  return origin !== undefined && origins.includes(origin);
}

export interface SenderFrame {
  readonly url: string;
  /** The frame is the window's main frame (not an iframe, not another window). */
  readonly isMainFrame: boolean;
}

/** IPC is answered only for our window's main frame showing our own origin. */
export function isTrustedSender(
  frame: SenderFrame | null | undefined,
  origins: readonly string[],
): boolean {
  if (!frame || !frame.isMainFrame) return false;
  const origin = originOf(frame.url);
  return origin !== undefined && origins.includes(origin);
}

/**
 * What the till's own screens are granted: reaching the sync server on the store's network or
 * on this machine (Chromium's Local Network Access, enforced from Electron 43), and keeping the
 * till's database safe from eviction when the disk runs low. Nothing else (camera, geolocation,
 * notifications, HID...), and nothing at all for any other origin.
 */
const GRANTED_TO_THE_APP: ReadonlySet<string> = new Set([
  'local-network-access',
  'local-network',
  'loopback-network',
  'persistent-storage',
]);

/** Whether `permission`, asked for by a page at `requestingUrl`, is granted. */
export function isPermissionGranted(
  permission: string,
  requestingUrl: string | undefined,
  origins: readonly string[],
): boolean {
  if (!GRANTED_TO_THE_APP.has(permission) || requestingUrl === undefined) return false;
  const origin = originOf(requestingUrl);
  return origin !== undefined && origins.includes(origin);
}

export type AppFileResolution =
  | { readonly ok: true; readonly file: string }
  | { readonly ok: false; readonly status: 400 | 403 | 404 };

/**
 * Maps a `tillpoint://app/...` URL to a file under `root` (the built renderer), refusing
 * anything that could escape it: other hosts, encoded separators or dots, NUL bytes, absolute
 * or drive paths. Paths without an extension are screen routes and get `index.html`.
 */
export function resolveAppFile(root: string, requestUrl: string): AppFileResolution {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return { ok: false, status: 400 };
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== 'app') return { ok: false, status: 404 };
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return { ok: false, status: 400 };
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return { ok: false, status: 403 };
  const segments = pathname.split('/').filter((segment) => segment !== '');
  if (
    segments.some((segment) => segment === '..' || segment === '.' || /^[A-Za-z]:/.test(segment))
  ) {
    return { ok: false, status: 403 };
  }
  if (segments.length === 0) segments.push('index.html');
  if (path.extname(segments[segments.length - 1] ?? '') === '') {
    segments.splice(0, segments.length, 'index.html');
  }
  const base = path.resolve(root);
  const file = path.resolve(base, ...segments);
  const relative = path.relative(base, file);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    return { ok: false, status: 403 };
  }
  return { ok: true, file };
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Session-wide guards: the CSP on every response (the dev server's too), and every permission
 * request and check denied but the few our own screens need (isPermissionGranted).
 */
export function lockDownSession(
  session: Session,
  policy: () => PolicyOptions,
  origins: readonly string[],
): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders };
    for (const name of Object.keys(headers)) {
      if (name.toLowerCase() === 'content-security-policy') delete headers[name];
    }
    // Only documents get the policy; the sync server's JSON responses are left as they are.
    if (details.resourceType === 'mainFrame' || details.resourceType === 'subFrame') {
      headers['Content-Security-Policy'] = [contentSecurityPolicy(policy())];
    }
    callback({ responseHeaders: headers });
  });
  session.setPermissionRequestHandler((_webContents, permission, callback, details) =>
    callback(isPermissionGranted(permission, details.requestingUrl, origins)),
  );
  session.setPermissionCheckHandler((_webContents, permission, requestingOrigin) =>
    isPermissionGranted(permission, requestingOrigin, origins),
  );
  session.setDevicePermissionHandler(() => false);
}

/** Per-window guards: no navigation away, no new windows, no <webview>. */
export function lockDownWebContents(contents: WebContents, origins: readonly string[]): void {
  // The URL is read from the event: the positional argument is deprecated.
  contents.on('will-navigate', (event) => {
    if (!isAllowedNavigation(event.url, origins)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isAllowedNavigation(event.url, origins)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/**
 * Whether the till's window refuses a request to close it. In kiosk mode only the app quitting
 * closes it (the operating system shutting down or logging off, a signal, `app.quit()`), not
 * Alt+F4 or the window manager's close: a cashier cannot leave the till by accident.
 */
export function keepsWindowOpen(state: {
  readonly kiosk: boolean;
  readonly quitting: boolean;
}): boolean {
  return state.kiosk && !state.quitting;
}
