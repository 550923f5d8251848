import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APP_ENTRY_URL,
  APP_ORIGIN,
  APP_SCHEME_PRIVILEGES,
  SESSION_PARTITION,
  contentSecurityPolicy,
  contentTypeFor,
  isAllowedNavigation,
  isPermissionGranted,
  isTrustedSender,
  keepsWindowOpen,
  resolveAppFile,
  secureWebPreferences,
  trustedOrigins,
} from './security.js';

/** `connect-src 'self' https://x` → { 'connect-src': ["'self'", 'https://x'] } */
function directives(policy: string): Record<string, string[]> {
  return Object.fromEntries(
    policy.split(';').map((part) => {
      const [name = '', ...values] = part.trim().split(/\s+/);
      return [name, values];
    }),
  );
}

describe('the window', () => {
  const prefs = secureWebPreferences('/app/out/preload/index.cjs', { devTools: false });

  it('isolates the page from Node and Electron', () => {
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      devTools: false,
    });
  });

  it('keeps IndexedDB across restarts in a persistent partition, with the bundled preload', () => {
    expect(prefs.partition).toBe('persist:tillpoint');
    expect(prefs.partition).toBe(SESSION_PARTITION);
    expect(prefs.preload).toBe('/app/out/preload/index.cjs');
  });

  it('serves the app from a standard, secure scheme that cannot bypass the CSP', () => {
    expect(APP_ENTRY_URL).toBe('tillpoint://app/index.html');
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({
      standard: true,
      secure: true,
      supportFetchAPI: true,
      corsEnabled: true,
      bypassCSP: false,
      allowServiceWorkers: false,
    });
  });
});

describe('closing the window', () => {
  it('refuses Alt+F4 and the window manager on a kiosk, not the app quitting', () => {
    expect(keepsWindowOpen({ kiosk: true, quitting: false })).toBe(true);
    expect(keepsWindowOpen({ kiosk: true, quitting: true })).toBe(false);
    expect(keepsWindowOpen({ kiosk: false, quitting: false })).toBe(false);
    expect(keepsWindowOpen({ kiosk: false, quitting: true })).toBe(false);
  });
});

describe('content security policy', () => {
  it('lets the page connect only to itself and the configured sync server', () => {
    const csp = directives(contentSecurityPolicy({ serverOrigin: 'https://sync.example.com' }));
    expect(csp['connect-src']).toEqual(["'self'", 'https://sync.example.com']);
    expect(csp['default-src']).toEqual(["'self'"]);
  });

  it('connects only to itself before a server is configured', () => {
    const csp = directives(contentSecurityPolicy({}));
    expect(csp['connect-src']).toEqual(["'self'"]);
  });

  it('runs no inline or foreign script, and allows no plugins, frames, forms or <base>', () => {
    const csp = directives(contentSecurityPolicy({ serverOrigin: 'https://sync.example.com' }));
    expect(csp['script-src']).toEqual(["'self'"]);
    expect(csp['style-src']).toEqual(["'self'"]);
    expect(csp['object-src']).toEqual(["'none'"]);
    expect(csp['frame-src']).toEqual(["'none'"]);
    expect(csp['frame-ancestors']).toEqual(["'none'"]);
    expect(csp['base-uri']).toEqual(["'none'"]);
    expect(csp['form-action']).toEqual(["'none'"]);
    expect(Object.values(csp).flat()).not.toContain("'unsafe-eval'");
  });

  it("relaxes only for Vite's dev server: its origin, its hot-reload socket, inline code", () => {
    const csp = directives(
      contentSecurityPolicy({
        serverOrigin: 'http://127.0.0.1:8787',
        devServerOrigin: 'http://localhost:5173',
      }),
    );
    expect(csp['connect-src']).toEqual([
      "'self'",
      'http://127.0.0.1:8787',
      'http://localhost:5173',
      'ws://localhost:5173',
    ]);
    expect(csp['script-src']).toEqual(["'self'", "'unsafe-inline'"]);
  });
});

describe('navigation and new windows', () => {
  const origins = trustedOrigins();

  it.each([
    ['tillpoint://app/index.html', true],
    ['tillpoint://app/checkout?phone=1', true],
    ['tillpoint://app/#/members', true],
    ['tillpoint://evil/index.html', false],
    ['https://example.com/', false],
    ['http://127.0.0.1:8787/', false],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['data:text/html,<script>alert(1)</script>', false],
    ['not a url', false],
  ])('navigating to %s allowed: %s', (url, allowed) => {
    expect(isAllowedNavigation(url, origins)).toBe(allowed);
  });

  it('allows the dev server only when it is the configured one', () => {
    const dev = trustedOrigins('http://localhost:5173');
    expect(dev).toEqual([APP_ORIGIN, 'http://localhost:5173']);
    expect(isAllowedNavigation('http://localhost:5173/index.html', dev)).toBe(true);
    expect(isAllowedNavigation('http://localhost:5174/', dev)).toBe(false);
    expect(isAllowedNavigation('http://localhost:5173/', origins)).toBe(false);
  });
});

describe('permissions', () => {
  const origins = trustedOrigins();
  const page = 'tillpoint://app/index.html';

  it('grants nothing else, even to our own screens', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'hid']) {
      expect(isPermissionGranted(permission, page, origins)).toBe(false);
    }
  });

  it('lets our screens reach the sync server on the local network and keep their database', () => {
    for (const permission of [
      'local-network-access',
      'local-network',
      'loopback-network',
      'persistent-storage',
    ]) {
      expect(isPermissionGranted(permission, page, origins)).toBe(true);
      expect(isPermissionGranted(permission, 'tillpoint://app', origins)).toBe(true);
      // What Electron's permission check handler is given as the requesting origin.
      expect(isPermissionGranted(permission, 'tillpoint://app/', origins)).toBe(true);
      // Nobody else: another origin, an opaque or unknown one.
      expect(isPermissionGranted(permission, 'https://evil.example/', origins)).toBe(false);
      expect(isPermissionGranted(permission, 'tillpoint://other/index.html', origins)).toBe(false);
      expect(isPermissionGranted(permission, 'about:blank', origins)).toBe(false);
      expect(isPermissionGranted(permission, '', origins)).toBe(false);
      expect(isPermissionGranted(permission, undefined, origins)).toBe(false);
    }
  });
});

describe('IPC senders', () => {
  const origins = trustedOrigins();

  it('trusts our main frame on our origin', () => {
    expect(isTrustedSender({ url: 'tillpoint://app/index.html', isMainFrame: true }, origins)).toBe(
      true,
    );
  });

  it.each([
    ['an iframe of ours', { url: 'tillpoint://app/frame.html', isMainFrame: false }],
    ['a foreign page', { url: 'https://evil.example/', isMainFrame: true }],
    ['another host on our scheme', { url: 'tillpoint://other/index.html', isMainFrame: true }],
    ['a data URL', { url: 'data:text/html,hi', isMainFrame: true }],
    ['a file', { url: 'file:///tmp/x.html', isMainFrame: true }],
    ['about:blank', { url: 'about:blank', isMainFrame: true }],
  ])('refuses %s', (_name, frame) => {
    expect(isTrustedSender(frame, origins)).toBe(false);
  });

  it('refuses a frame that is gone', () => {
    expect(isTrustedSender(null, origins)).toBe(false);
    expect(isTrustedSender(undefined, origins)).toBe(false);
  });
});

describe('serving the built renderer', () => {
  const root = path.resolve('/srv/tillpoint/renderer');

  it.each([
    ['tillpoint://app/', 'index.html'],
    ['tillpoint://app/index.html', 'index.html'],
    ['tillpoint://app/assets/index-abc.js', 'assets/index-abc.js'],
    ['tillpoint://app/assets/index-abc.js?v=1#x', 'assets/index-abc.js'],
    ['tillpoint://app/checkout', 'index.html'],
    ['tillpoint://app/members/123/history', 'index.html'],
    ['tillpoint://app/assets/a%20b.css', 'assets/a b.css'],
  ])('%s → %s', (url, file) => {
    expect(resolveAppFile(root, url)).toEqual({ ok: true, file: path.join(root, file) });
  });

  it.each([
    ['tillpoint://app/..%2f..%2fetc%2fpasswd.txt', 403],
    ['tillpoint://app/assets/..%2F..%2F..%2Fsecret.json', 403],
    ['tillpoint://app/assets%5c..%5c..%5csecret.json', 403],
    ['tillpoint://app/index.html%00.js', 403],
    ['tillpoint://app/C:%2fWindows%2fwin.ini', 403],
    ['tillpoint://app/%E0%A4%A', 400],
    ['tillpoint://other/index.html', 404],
    ['https://app/index.html', 404],
  ] as const)('refuses %s with %i', (url, status) => {
    expect(resolveAppFile(root, url)).toEqual({ ok: false, status });
  });

  // The URL parser already folds literal and %2e-encoded dot segments at the root, as Chromium
  // does; what is left must still land inside the root.
  it('never resolves outside the root, whatever the URL', () => {
    const tricky = [
      'tillpoint://app/../../../etc/passwd.txt',
      'tillpoint://app/assets/../../x.js',
      'tillpoint://app/.%2e/.%2e/x.js',
      'tillpoint://app/%2e%2e/%2e%2e/etc/passwd.txt',
      'tillpoint://app//etc/passwd.txt',
    ];
    for (const url of tricky) {
      const result = resolveAppFile(root, url);
      expect(result.ok && result.file.startsWith(`${root}${path.sep}`)).toBe(true);
    }
  });

  it('labels what it serves', () => {
    expect(contentTypeFor('/r/index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeFor('/r/assets/x.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('/r/assets/x.wasm')).toBe('application/wasm');
    expect(contentTypeFor('/r/assets/x.unknown')).toBe('application/octet-stream');
  });
});
