/**
 * Operator commands: `npm run cli -w server -- <command> [--option value]`. They use the same
 * configuration (DATABASE_URL or the PGlite data directory) as the server.
 */
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { AuthService } from './auth/auth-service.js';
import { createStaff } from './auth/staff-service.js';
import { ConfigError, loadConfig, MAX_ENROLLMENT_CODE_TTL_MINUTES } from './config.js';
import { DataDirectoryInUseError } from './db/data-dir-lock.js';
import type { Database } from './db/database.js';
import { migrate } from './db/migrate.js';
import { DataDirectoryUnusableError, openDatabase } from './db/open-database.js';
import { isServiceError } from './errors.js';
import { logger, setLogLevel } from './logger.js';
import { eraseMember, exportMember, findMember } from './members/privacy.js';
import type { MemberReference } from './members/privacy.js';
import { chainReport } from './members/report.js';
import type { CollectionRegistry } from './sync/collection-handlers.js';
import { createSyncCollections } from './sync/sync-collections.js';
import { loadDemo } from './demo/demo-data.js';

export interface CliContext {
  readonly db: Database;
  readonly registry: CollectionRegistry;
  readonly auth: AuthService;
  readonly enrollmentCodeTtlMinutes: number;
  readonly print: (line: string) => void;
  /** The first line of standard input (`--pin -`: a PIN kept out of `ps` and shell history). */
  readonly readLine?: () => Promise<string>;
}

type Options = Record<string, string | undefined>;

export interface CliCommand {
  readonly usage: string;
  readonly run: (ctx: CliContext, options: Options) => Promise<void>;
}

function required(options: Options, name: string): string {
  const value = options[name];
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

export class UsageError extends Error {}

/** The commands; the ledger adds `load-demo` here. */
export const COMMANDS: Record<string, CliCommand> = {
  'create-store': {
    usage: 'create-store --name <name> [--id <store id>]',
    async run(ctx, options) {
      const store = await ctx.auth.createStore({
        id: options['id'],
        name: required(options, 'name'),
      });
      ctx.print(`store ${store.id} "${store.name}" created`);
    },
  },
  'create-enrollment-code': {
    usage:
      'create-enrollment-code --store <store id> | --terminal <terminal id> (enroll that till again, keeping its unsent sales) [--ttl-minutes <minutes>]',
    async run(ctx, options) {
      const ttl = Number(options['ttl-minutes'] ?? ctx.enrollmentCodeTtlMinutes);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_ENROLLMENT_CODE_TTL_MINUTES) {
        throw new UsageError(
          `--ttl-minutes must be a whole number of minutes from 1 to ${MAX_ENROLLMENT_CODE_TTL_MINUTES} (30 days)`,
        );
      }
      const terminalId = options['terminal'] || undefined;
      const store =
        options['store'] ||
        (terminalId !== undefined ? await ctx.auth.storeOfTerminal(terminalId) : undefined);
      if (store === undefined) throw new UsageError('--store (or --terminal) is required');
      const { code, storeId, expiresAt } = await ctx.auth.createEnrollmentCode(
        store,
        ttl,
        new Date(),
        terminalId,
      );
      // Printed once: the server keeps only its hash.
      ctx.print(
        terminalId === undefined
          ? `enrollment code for store ${storeId} (single use, expires ${expiresAt}):`
          : `enrollment code for terminal ${terminalId} in store ${storeId}, to enroll it again (single use, expires ${expiresAt}; its current token stops working once it is used):`,
      );
      ctx.print(code);
    },
  },
  'list-terminals': {
    usage: 'list-terminals [--store <store id>]',
    async run(ctx, options) {
      const terminals = await ctx.auth.listTerminals(options['store']);
      if (terminals.length === 0) ctx.print('no terminals');
      for (const t of terminals) {
        ctx.print(
          `${t.id}\t${t.storeId}\t${t.name}\t${t.createdAt}\t${t.revokedAt ? `revoked ${t.revokedAt}` : 'active'}`,
        );
      }
    },
  },
  'revoke-terminal': {
    usage: 'revoke-terminal --terminal <terminal id>',
    async run(ctx, options) {
      const terminalId = required(options, 'terminal');
      await ctx.auth.revokeTerminal(terminalId);
      ctx.print(
        `terminal ${terminalId} revoked (running servers refuse it within TOKEN_CACHE_SECONDS, default 5 s)`,
      );
    },
  },
  'create-staff': {
    usage:
      'create-staff --name <name> --role cashier|manager --pin <4-8 digits, or - to read it from standard input> [--store <id>[,<id>...]]',
    async run(ctx, options) {
      const pinOption = required(options, 'pin');
      let pin = pinOption;
      if (pinOption === '-') {
        if (!ctx.readLine) throw new UsageError('--pin - needs the PIN on standard input');
        pin = (await ctx.readLine()).trim();
      }
      const doc = await createStaff(ctx.db, ctx.registry, {
        name: required(options, 'name'),
        role: required(options, 'role'),
        pin,
        storeIds: (options['store'] ?? '').split(',').filter((id) => id !== ''),
      });
      ctx.print(
        `staff ${String(doc['id'])} "${String(doc['name'])}" (${String(doc['role'])}) created`,
      );
    },
  },
  'export-member': {
    usage:
      'export-member --member <member id> | --phone <+E.164> (a privacy request: JSON on stdout)',
    async run(ctx, options) {
      const member = await findMember(ctx.db, ctx.registry, memberReference(options));
      const exported = await exportMember(ctx.db, ctx.registry, member['id'] as string);
      ctx.print(JSON.stringify(exported, null, 2));
    },
  },
  'erase-member': {
    usage:
      'erase-member --member <member id> | --phone <+E.164> (a privacy request; keeps the ledger)',
    async run(ctx, options) {
      const member = await findMember(ctx.db, ctx.registry, memberReference(options));
      const id = member['id'] as string;
      const { erasedNow } = await eraseMember(ctx.db, ctx.registry, id);
      logger.info('member erased', { memberId: id, erasedNow });
      ctx.print(
        erasedNow
          ? `member ${id} erased: phone, name, email, birthday, anniversary, occasions, preferences, consents, tags and notes removed; the account and ledger are kept; tills receive the change on their next sync`
          : `member ${id} was already erased`,
      );
    },
  },
  report: {
    usage:
      'report [--store <store id>] [--days <period, default 30>] [--upcoming <days, default 14>] (JSON on stdout)',
    async run(ctx, options) {
      const days = wholeNumber(options, 'days', 30, 3_660);
      const upcomingDays = wholeNumber(options, 'upcoming', 14, 366);
      const report = await chainReport(ctx.db, {
        storeId: options['store'] || undefined,
        days,
        upcomingDays,
      });
      ctx.print(JSON.stringify(report, null, 2));
    },
  },
  'load-demo': {
    usage: 'load-demo (a demo store, staff, program, coupons, rewards, 1,000 members)',
    async run(ctx) {
      await loadDemo(ctx.db, ctx.registry, ctx.auth, ctx.print);
    },
  },
};

const OPTION_NAMES = [
  'name',
  'id',
  'store',
  'ttl-minutes',
  'terminal',
  'role',
  'pin',
  'member',
  'phone',
  'days',
  'upcoming',
];

function wholeNumber(options: Options, name: string, fallback: number, max: number): number {
  const text = options[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > max) {
    throw new UsageError(`--${name} must be a whole number of days from 1 to ${max}`);
  }
  return value;
}

function memberReference(options: Options): MemberReference {
  const id = options['member'];
  const phone = options['phone']?.replace(/[\s().-]/g, '');
  if ((id === undefined || id === '') === (phone === undefined || phone === '')) {
    throw new UsageError('name the member with --member <member id> or with --phone <+E.164>');
  }
  return id ? { id } : { phone };
}

export async function runCli(argv: readonly string[], ctx: CliContext): Promise<void> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    throw new UsageError(
      `usage: npm run cli -w server -- <command>\n${Object.values(COMMANDS)
        .map((c) => `  ${c.usage}`)
        .join('\n')}`,
    );
  }
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...rest],
      options: Object.fromEntries(
        OPTION_NAMES.map((option) => [option, { type: 'string' as const }]),
      ),
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    // An unknown option, a missing value, a stray word: node's own message says which.
    throw new UsageError(`${(error as Error).message}\nusage: ${command.usage}`);
  }
  const options: Options = Object.fromEntries(
    Object.entries(values).map(([key, value]) => [
      key,
      typeof value === 'string' ? value : undefined,
    ]),
  );
  await command.run(ctx, options);
}

/**
 * A database that cannot be reached or refuses the login: the operator's to fix, not a bug, so
 * no stack trace (connection errors of Node, node-postgres' timeouts, PostgreSQL's connection
 * and authorization classes 08 and 28).
 */
function isDatabaseUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    return /^(E[A-Z]+|08...|28...)$/.test(code) && !code.startsWith('ERR_');
  }
  return /timeout exceeded when trying to connect|Connection terminated/i.test(error.message);
}

/** What an operator reads for an error the command expected: its message, and its problems. */
export function messageOf(error: Error): string {
  const issues = isServiceError(error) ? error.details?.['issues'] : undefined;
  if (!Array.isArray(issues) || issues.length === 0) return error.message;
  return [`${error.message}:`, ...issues.map((issue) => `  - ${String(issue)}`)].join('\n');
}

/** The first line of standard input (empty when it ends first). */
async function readFirstLine(): Promise<string> {
  const lines = createInterface({ input: process.stdin });
  try {
    for await (const line of lines) return line;
    return '';
  } finally {
    lines.close();
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  setLogLevel(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const db = await openDatabase(config.database);
  try {
    await migrate(db);
    await runCli(process.argv.slice(2), {
      db,
      registry: createSyncCollections(),
      auth: new AuthService(db, config.tokenPepper),
      enrollmentCodeTtlMinutes: config.enrollmentCodeTtlMinutes,
      print: (line) => process.stdout.write(`${line}\n`),
      readLine: readFirstLine,
    });
  } finally {
    await db.close();
  }
}

// Run as a script (a path with spaces, or on Windows, is percent-encoded or drive-lettered in the URL).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    if (
      error instanceof UsageError ||
      error instanceof ConfigError ||
      error instanceof DataDirectoryInUseError ||
      error instanceof DataDirectoryUnusableError ||
      isServiceError(error)
    ) {
      process.stderr.write(`${messageOf(error)}\n`);
    } else if (isDatabaseUnreachable(error)) {
      process.stderr.write(
        `Cannot use the database (check DATABASE_URL, or DATA_DIR for the embedded one): ${(error as Error).message}\n`,
      );
    } else {
      process.stderr.write(
        `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    }
    process.exit(1);
  });
}
