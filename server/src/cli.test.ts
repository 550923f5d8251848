/**
 * Operator commands with bad arguments: each is refused with a message that says what to type,
 * and nothing is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthService } from './auth/auth-service.js';
import { messageOf, runCli, UsageError } from './cli.js';
import type { CliContext } from './cli.js';
import { MAX_ENROLLMENT_CODE_TTL_MINUTES } from './config.js';
import { createSyncCollections } from './sync/sync-collections.js';
import { createTestDatabase } from './test-support/test-database.js';
import type { TestDatabase } from './test-support/test-database.js';

let database: TestDatabase;
let ctx: CliContext;
const printed: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase('pglite');
  ctx = {
    db: database.db,
    registry: createSyncCollections(),
    auth: new AuthService(database.db, 'cli-test-pepper'),
    enrollmentCodeTtlMinutes: 60,
    print: (line) => printed.push(line),
  };
  await runCli(['create-store', '--name', 'Store 1', '--id', 'store-1'], ctx);
});

afterAll(async () => {
  await database.dispose();
});

async function codes(): Promise<number> {
  const result = await database.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM enrollment_codes',
  );
  return result.rows[0]?.n ?? 0;
}

describe('operator commands', () => {
  it('makes an enrollment code valid for the minutes asked', async () => {
    const before = await codes();
    await runCli(['create-enrollment-code', '--store', 'store-1', '--ttl-minutes', '90'], ctx);
    expect(await codes()).toBe(before + 1);
  });

  it.each([
    ['0'],
    ['-5'],
    ['1.5'],
    ['abc'],
    ['1e12'],
    ['200000000000'],
    [`${MAX_ENROLLMENT_CODE_TTL_MINUTES + 1}`],
  ])('refuses --ttl-minutes %s with the range, writing nothing', async (ttl) => {
    const before = await codes();
    const run = runCli(
      ['create-enrollment-code', '--store', 'store-1', `--ttl-minutes=${ttl}`],
      ctx,
    );
    await expect(run).rejects.toBeInstanceOf(UsageError);
    await expect(run).rejects.toThrow(`from 1 to ${MAX_ENROLLMENT_CODE_TTL_MINUTES}`);
    expect(await codes()).toBe(before);
  });

  it('makes a code that enrolls an existing terminal again, found by its id alone', async () => {
    const { code } = await ctx.auth.createEnrollmentCode('store-1', 10);
    const { terminalId } = await ctx.auth.enroll({ enrollmentCode: code, terminalName: 'Till' });
    printed.length = 0;
    await runCli(['create-enrollment-code', '--terminal', terminalId], ctx);
    expect(printed[0]).toContain(`enrollment code for terminal ${terminalId} in store store-1`);
    await expect(
      runCli(['create-enrollment-code', '--terminal', 'no-such-terminal'], ctx),
    ).rejects.toThrow('no terminal no-such-terminal');
  });

  it('refuses an unknown option or a missing value with the usage', async () => {
    await expect(runCli(['create-store', '--nmae', 'X'], ctx)).rejects.toThrow(
      /--nmae[\s\S]*usage: create-store/,
    );
    await expect(runCli(['create-store', '--name'], ctx)).rejects.toBeInstanceOf(UsageError);
  });

  it('refuses an unknown command with the list of commands', async () => {
    await expect(runCli(['drop-everything'], ctx)).rejects.toThrow(/create-enrollment-code/);
  });

  it('reads a PIN from standard input with --pin -, keeping it off the command line', async () => {
    printed.length = 0;
    await runCli(['create-staff', '--name', 'Pat', '--role', 'cashier', '--pin', '-'], {
      ...ctx,
      readLine: async () => '4321\n',
    });
    expect(printed[0]).toMatch(/^staff \S+ "Pat" \(cashier\) created$/);
    await expect(
      runCli(['create-staff', '--name', 'Pat', '--role', 'cashier', '--pin', '-'], ctx),
    ).rejects.toThrow('--pin - needs the PIN on standard input');
  });

  it('names the problems of a staff member it refuses', async () => {
    const error = await runCli(
      ['create-staff', '--name', '   ', '--role', 'cashier', '--pin', '1234'],
      ctx,
    ).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error).toBeDefined();
    const message = messageOf(error as Error);
    expect(message.split('\n').length).toBeGreaterThan(1);
    expect(message).toMatch(/name/);
  });
});
