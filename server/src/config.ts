/**
 * The server's configuration, read once from the environment and validated. Defaults run on a
 * laptop with no set-up (embedded PGlite under `.data/server`). Invalid values stop the start-up
 * with a message naming each bad variable; secrets are never echoed.
 */
import path from 'node:path';
import { z } from 'zod';
import { parseCorsOrigins } from './http/cors.js';
import { parseTrustProxy } from './http/trust-proxy.js';
import type { TrustProxy } from './http/trust-proxy.js';
import type { LogLevel } from './logger.js';

/** The longest an enrollment code may stay valid: 30 days (config and CLI alike). */
export const MAX_ENROLLMENT_CODE_TTL_MINUTES = 60 * 24 * 30;

/** A whole number written in digits (no blanks, hex or exponents), within [min, max]. */
const integer = (min: number, max: number, fallback: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number written in digits')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .transform((value) => value ?? fallback);

type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problems: readonly string[] };

/** An optional variable read by `parse`, whose problems are reported under its name. */
const parsedBy = <T>(parse: (raw: string | undefined) => Parsed<T>) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const result = parse(raw);
      if (result.ok) return result.value;
      for (const problem of result.problems) ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    });

const EnvSchema = z.object({
  PORT: integer(0, 65_535, 8787),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_POOL_SIZE: integer(1, 500, 20),
  DATA_DIR: z.string().min(1).default('.data/server'),
  /** The embedded database has no autovacuum: VACUUM (ANALYZE) it this often (0: never). */
  EMBEDDED_VACUUM_MINUTES: integer(0, 10_080, 60),
  MAX_PULL_LIMIT: integer(1, 10_000, 1000),
  MAX_PUSH_ROWS: integer(1, 10_000, 500),
  MAX_BODY_BYTES: integer(1024, 64 * 1024 * 1024, 5 * 1024 * 1024),
  RATE_LIMIT_PER_SECOND: integer(1, 1_000_000, 50),
  RATE_LIMIT_BURST: integer(1, 1_000_000, 200),
  ENROLLMENT_CODE_TTL_MINUTES: integer(1, MAX_ENROLLMENT_CODE_TTL_MINUTES, 60 * 24),
  TOKEN_CACHE_SECONDS: integer(0, 60, 5),
  SSE_HEARTBEAT_SECONDS: integer(1, 300, 15),
  TOKEN_PEPPER: z.string().min(16, 'must be at least 16 characters').optional(),
  CORS_ORIGINS: parsedBy((raw) => {
    const result = parseCorsOrigins(raw);
    return result.ok ? { ok: true, value: result.origins } : result;
  }),
  TRUST_PROXY: parsedBy(parseTrustProxy),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  NODE_ENV: z.string().optional(),
});

export type DatabaseConfig =
  | { readonly kind: 'postgres'; readonly url: string; readonly maxConnections: number }
  | { readonly kind: 'pglite'; readonly dataDir?: string; readonly vacuumEveryMinutes?: number };

export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  readonly database: DatabaseConfig;
  readonly limits: {
    /** Largest page a pull returns; a client asking for more gets this many. */
    readonly maxPullLimit: number;
    /** Most rows in one push; more is refused with 413 'batch-too-large'. */
    readonly maxPushRows: number;
    readonly maxBodyBytes: number;
  };
  /**
   * Token bucket per terminal (enrollment: per client address), chain-wide: every process
   * sharing the database counts every process's requests (auth/shared-rate-limiter.ts). Keep
   * the values the same on all processes.
   */
  readonly rateLimit: { readonly perSecond: number; readonly burst: number };
  readonly cors: {
    /**
     * Origins whose pages may call the API and sync routes (http/cors.ts): normalized origins,
     * `:*` for any port, or just `*`. Default: `tillpoint://app` and loopback http, any port.
     */
    readonly allowedOrigins: readonly string[];
  };
  /**
   * The reverse proxies trusted to name the client (http/trust-proxy.ts): false (default, the
   * socket's address), a hop count, or their addresses and subnets. The per-address limits
   * (enrollment, refused tokens) count the client that Express derives from this.
   */
  readonly trustProxy: TrustProxy;
  readonly enrollmentCodeTtlMinutes: number;
  /**
   * How often an open event stream gets a heartbeat (so proxies keep it open) and its device
   * token is checked again (a terminal revoked meanwhile loses its stream).
   */
  readonly sseHeartbeatSeconds: number;
  /**
   * How long each process reuses a successful device-token lookup (0 = every request reads the
   * table). A terminal revoked by another process (the CLI, another server) is refused by this
   * one at most this long after the revocation.
   */
  readonly tokenCacheSeconds: number;
  /** Mixed into every token hash, so a leaked database alone cannot be matched to tokens. */
  readonly tokenPepper: string;
  readonly logLevel: LogLevel;
}

/** Used only outside production when TOKEN_PEPPER is unset, so a laptop start needs nothing. */
const DEVELOPMENT_PEPPER = 'tillpoint-development-pepper-not-secret';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  cwd = process.cwd(),
): ServerConfig {
  const parsed = EnvSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')),
  );
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `  ${issue.path.join('.')}: ${issue.message}`,
    );
    throw new ConfigError(`invalid server configuration:\n${problems.join('\n')}`);
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production' && e.TOKEN_PEPPER === undefined) {
    throw new ConfigError('invalid server configuration:\n  TOKEN_PEPPER: required in production');
  }
  // A chain's servers share one PostgreSQL; an unset DATABASE_URL (an empty variable in a
  // deployment file) would give each process a private embedded database of its own.
  if (e.NODE_ENV === 'production' && !e.DATABASE_URL && env['DATA_DIR'] === undefined) {
    throw new ConfigError(
      'invalid server configuration:\n  DATABASE_URL: required in production (or set DATA_DIR to run one process on the embedded database on purpose)',
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL, maxConnections: e.DATABASE_POOL_SIZE }
      : {
          kind: 'pglite',
          dataDir: path.resolve(cwd, e.DATA_DIR),
          vacuumEveryMinutes: e.EMBEDDED_VACUUM_MINUTES,
        },
    limits: {
      maxPullLimit: e.MAX_PULL_LIMIT,
      maxPushRows: e.MAX_PUSH_ROWS,
      maxBodyBytes: e.MAX_BODY_BYTES,
    },
    rateLimit: { perSecond: e.RATE_LIMIT_PER_SECOND, burst: e.RATE_LIMIT_BURST },
    cors: { allowedOrigins: e.CORS_ORIGINS },
    trustProxy: e.TRUST_PROXY,
    enrollmentCodeTtlMinutes: e.ENROLLMENT_CODE_TTL_MINUTES,
    tokenCacheSeconds: e.TOKEN_CACHE_SECONDS,
    sseHeartbeatSeconds: e.SSE_HEARTBEAT_SECONDS,
    tokenPepper: e.TOKEN_PEPPER ?? DEVELOPMENT_PEPPER,
    logLevel: e.LOG_LEVEL,
  };
}

/** What may be logged about the configuration: no URL (it may hold a password), no pepper. */
export function describeConfig(config: ServerConfig): Record<string, unknown> {
  return {
    port: config.port,
    host: config.host,
    database:
      config.database.kind === 'postgres'
        ? 'postgres'
        : `pglite:${config.database.dataDir ?? 'memory'}`,
    limits: config.limits,
    rateLimit: config.rateLimit,
    tokenCacheSeconds: config.tokenCacheSeconds,
    corsOrigins: config.cors.allowedOrigins,
    trustProxy: config.trustProxy,
  };
}
