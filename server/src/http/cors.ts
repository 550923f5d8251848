/**
 * CORS for the terminal's renderer: it runs in Electron from a custom-scheme origin
 * (`tillpoint://app`) or, without Electron, in a browser from a loopback origin
 * (`http://127.0.0.1:<port>`), and calls `/api/v1` and `/sync/v1` with `Authorization: Bearer`
 * and `x-tillpoint-protocol` — so every call is preflighted.
 *
 * - An allowed `Origin` gets `Access-Control-Allow-Origin` (the origin itself, or `*` when the
 *   configuration is `*`); any other origin gets no CORS header and the browser refuses.
 * - A preflight (OPTIONS with `Access-Control-Request-Method`) is answered here with 204,
 *   before the protocol-version and token checks it could never pass.
 * - No `Access-Control-Allow-Credentials`: terminals authenticate with bearer tokens, never
 *   cookies. No `Access-Control-Expose-Headers`: the terminal reads status and body only.
 * - `Vary: Origin` on every answer, so a cache never serves one origin's answer to another.
 *
 * CORS only tells browsers which pages may read answers; the device token is what protects
 * the API. Requests without `Origin` (servers, CLI, tests) are untouched.
 */
import type { RequestHandler } from 'express';
import { PROTOCOL_HEADER } from '@tillpoint/protocol';

/** The renderer's origins when CORS_ORIGINS is unset: Electron's scheme, loopback on any port. */
export const DEFAULT_CORS_ORIGINS: readonly string[] = [
  'tillpoint://app',
  'http://127.0.0.1:*',
  'http://localhost:*',
  'http://[::1]:*',
];

export const CORS_ALLOWED_METHODS: readonly string[] = ['GET', 'POST'];
export const CORS_ALLOWED_HEADERS: readonly string[] = [
  'authorization',
  'content-type',
  PROTOCOL_HEADER,
];
/** How long a browser may reuse a preflight answer (Chromium, hence Electron, caps it at 2 h). */
export const CORS_MAX_AGE_SECONDS = 7200;

const DEFAULT_PORTS: Readonly<Record<string, string>> = { http: '80', https: '443' };

interface OriginPattern {
  readonly scheme: string;
  readonly host: string;
  /** undefined: the scheme's default port (none written); '*': any port, or none. */
  readonly port: string | undefined;
}

/** `scheme://host[:port]`; `allowAnyPort` also accepts `:*`. */
const ORIGIN = /^([a-z][a-z0-9+.-]*):\/\/(\[[0-9a-f:.]+\]|[^\s/?#:@[\]]+)(?::(\d{1,5}|\*))?$/i;

function parseOrigin(value: string, allowAnyPort: boolean): OriginPattern | undefined {
  const match = ORIGIN.exec(value);
  if (!match) return undefined;
  const scheme = (match[1] as string).toLowerCase();
  const host = (match[2] as string).toLowerCase();
  let port = match[3];
  if (port === '*' && !allowAnyPort) return undefined;
  if (port !== undefined && port !== '*') {
    if (Number(port) > 65_535) return undefined;
    port = String(Number(port));
    if (DEFAULT_PORTS[scheme] === port) port = undefined;
  }
  return { scheme, host, port };
}

function formatOrigin(origin: OriginPattern): string {
  return `${origin.scheme}://${origin.host}${origin.port === undefined ? '' : `:${origin.port}`}`;
}

export type CorsOriginsResult =
  | { readonly ok: true; readonly origins: readonly string[] }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Parses CORS_ORIGINS: comma-separated origins (`tillpoint://app`, `https://till.example.com`),
 * `:*` for any port (`http://localhost:*`), or `*` alone for every origin. Unset or blank: the
 * defaults. Returns the normalized list (lower case, default ports dropped) or the problems.
 */
export function parseCorsOrigins(value: string | undefined): CorsOriginsResult {
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) return { ok: true, origins: DEFAULT_CORS_ORIGINS };
  if (entries.includes('*')) {
    return entries.length === 1
      ? { ok: true, origins: ['*'] }
      : { ok: false, problems: ['"*" allows every origin and must be the only entry'] };
  }
  const origins: string[] = [];
  const problems: string[] = [];
  for (const entry of entries) {
    const parsed = parseOrigin(entry, true);
    if (parsed) origins.push(formatOrigin(parsed));
    else
      problems.push(
        `"${entry}" is not an origin (scheme://host[:port], port may be *; no path or trailing slash)`,
      );
  }
  return problems.length > 0
    ? { ok: false, problems }
    : { ok: true, origins: [...new Set(origins)] };
}

/** Whether a request's `Origin` is allowed by the (normalized) configured origins. */
export function originMatcher(origins: readonly string[]): (origin: string) => boolean {
  if (origins.includes('*')) return () => true;
  const patterns = origins
    .map((origin) => parseOrigin(origin, true))
    .filter((pattern): pattern is OriginPattern => pattern !== undefined);
  return (origin) => {
    const sent = parseOrigin(origin, false);
    return (
      sent !== undefined &&
      patterns.some(
        (pattern) =>
          pattern.scheme === sent.scheme &&
          pattern.host === sent.host &&
          (pattern.port === '*' || pattern.port === sent.port),
      )
    );
  };
}

/** The CORS middleware for the API and sync routes; mount it before them. */
export function cors(origins: readonly string[]): RequestHandler {
  const anyOrigin = origins.includes('*');
  const allowed = originMatcher(origins);
  const allowMethods = CORS_ALLOWED_METHODS.join(', ');
  const allowHeaders = CORS_ALLOWED_HEADERS.join(', ');
  return (req, res, next) => {
    res.vary('Origin');
    const origin = req.get('origin');
    const preflight =
      req.method === 'OPTIONS' &&
      origin !== undefined &&
      req.get('access-control-request-method') !== undefined;
    if (origin === undefined || !allowed(origin)) {
      // A foreign origin's preflight gets no CORS header: the browser does not send the request.
      if (preflight) res.status(204).end();
      else next();
      return;
    }
    res.setHeader('Access-Control-Allow-Origin', anyOrigin ? '*' : origin);
    if (!preflight) {
      next();
      return;
    }
    res.setHeader('Access-Control-Allow-Methods', allowMethods);
    res.setHeader('Access-Control-Allow-Headers', allowHeaders);
    res.setHeader('Access-Control-Max-Age', String(CORS_MAX_AGE_SECONDS));
    res.status(204).end();
  };
}
