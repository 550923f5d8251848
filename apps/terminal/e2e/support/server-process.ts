/**
 * One real sync server for one e2e test, in its own process: the production `startServer` over
 * an embedded PGlite database in the test's own data directory, on a loopback port. Killing this
 * process is the server going down; starting it again on the same directory and port brings the
 * same server back.
 *
 * Run with tsx and the `@tillpoint/source` condition (see server-fixture.ts). Its stdin takes one
 * JSON command per line ({ id, command, args }) to seed data the way the CLI does (stores, staff,
 * enrollment codes, the program, coupons, members with a ledger) and to read what the server
 * holds; each answer is one stdout line starting with `@@answer `.
 */
import { createInterface } from 'node:readline';
import { DEFAULT_PROGRAM, parseProgramSettings } from '@tillpoint/loyalty';
import { newCouponDoc, newMemberDoc, newRewardDoc, newTransactionDoc } from '@tillpoint/protocol';
import type {
  CouponDoc,
  MemberDoc,
  NewCoupon,
  NewReward,
  RewardDoc,
  TransactionDoc,
  Writer,
} from '@tillpoint/protocol';
import { createStaff } from '../../../../server/src/auth/staff-service.js';
import { loadConfig } from '../../../../server/src/config.js';
import { uuidv7 } from '../../../../server/src/ids.js';
import { ingestTransactions } from '../../../../server/src/ledger/ledger-service.js';
import { startServer } from '../../../../server/src/server.js';
import { writeDocuments } from '../../../../server/src/sync/document-store.js';
import { createSyncCollections } from '../../../../server/src/sync/sync-collections.js';
import type {
  SeedCoupon,
  SeedMember,
  SeedReward,
  ServerCommand,
  StaffSeed,
} from './server-protocol.js';

const ADMIN_TERMINAL = 'e2e-seeder';

const config = loadConfig({
  PORT: process.env['PORT'] ?? '0',
  HOST: '127.0.0.1',
  DATA_DIR: process.env['DATA_DIR'] ?? '',
  LOG_LEVEL: 'warn',
  // One till hammering its own server must never be throttled in a test.
  RATE_LIMIT_PER_SECOND: '100000',
  RATE_LIMIT_BURST: '100000',
  // A test may start its server with a tighter body limit (held sales).
  ...(process.env['MAX_BODY_BYTES'] ? { MAX_BODY_BYTES: process.env['MAX_BODY_BYTES'] } : {}),
});
const registry = createSyncCollections();
const server = await startServer(config, { registry });
const { db, auth } = server;

// Seeds are checked against the protocol's schemas before they are written (see 'setup').
function couponDoc(seed: SeedCoupon, now: string): CouponDoc {
  return newCouponDoc({ updatedAt: now, ...seed } as NewCoupon);
}

function rewardDoc(seed: SeedReward, now: string): RewardDoc {
  return newRewardDoc({ updatedAt: now, ...seed } as NewReward);
}

function memberDoc(seed: SeedMember, seeder: Writer, createdMs: number): MemberDoc {
  const createdAt = new Date(createdMs).toISOString();
  return newMemberDoc({
    id: seed.id ?? uuidv7(createdMs),
    phone: seed.phone,
    name: seed.name,
    preferences: {
      dietary: [...(seed.dietary ?? [])],
      allergies: [...(seed.allergies ?? [])],
      favoriteItems: [],
    },
    referralCode: `E2E${Math.random().toString(36).slice(2, 10).toUpperCase()}`.slice(0, 16),
    notes: (seed.notes ?? []).map((text, index) => ({
      id: `note-${index}`,
      text,
      staffId: seeder.staffId,
      at: createdAt,
    })),
    createdAt,
    by: seeder,
    clocked: ['phone', 'phoneSuffix', 'name', 'searchName', 'status', 'preferences', 'notes'],
  });
}

async function collection(name: string): Promise<Record<string, unknown>[]> {
  const { rows } = await db.query<{ body: Record<string, unknown> }>(
    'SELECT body FROM sync_documents WHERE collection = $1 AND NOT deleted ORDER BY id',
    [name],
  );
  return rows.map((row) => row.body);
}

async function run(command: ServerCommand): Promise<unknown> {
  switch (command.command) {
    case 'url':
      return server.url;
    case 'setup': {
      const { storeId, staff, program, coupons, members } = command.args;
      const rewards = command.args.rewards ?? [];
      const stores = await auth.listStores();
      if (!stores.some((store) => store.id === storeId)) {
        await auth.createStore({ id: storeId, name: `E2E ${storeId}` });
      }
      for (const person of staff as StaffSeed[]) {
        await createStaff(db, registry, { ...person, storeIds: [storeId] });
      }
      const now = Date.now();
      const seeder: Writer = { terminalId: ADMIN_TERMINAL, storeId, staffId: 'e2e-manager' };
      const settings = parseProgramSettings({ ...DEFAULT_PROGRAM, ...program, version: 1 });
      if (!settings.ok) throw new Error(`bad program: ${settings.refusal.message}`);
      const memberDocs = members.map((seed, index) =>
        memberDoc(seed, seeder, now - 86_400_000 + index),
      );
      const couponDocs = coupons.map((coupon) => couponDoc(coupon, new Date(now).toISOString()));
      const rewardDocs = rewards.map((reward) => rewardDoc(reward, new Date(now).toISOString()));
      // Written directly (as load-demo does), so checked here against the protocol's schemas.
      for (const [name, docs] of [
        ['members', memberDocs],
        ['coupons', couponDocs],
        ['rewards', rewardDocs],
      ] as const) {
        for (const doc of docs) {
          const problems = registry.require(name).validate(doc as never);
          if (problems.length > 0)
            throw new Error(`seed ${name} ${doc.id}: ${problems.join('; ')}`);
        }
      }
      await db.transaction(async (tx) => {
        await writeDocuments(tx, registry.require('program'), [
          {
            id: 'default',
            version: 1,
            settings: settings.value,
            updatedBy: 'e2e-manager',
            rev: 0,
            updatedAt: new Date(now).toISOString(),
          },
        ]);
        if (couponDocs.length > 0)
          await writeDocuments(tx, registry.require('coupons'), couponDocs);
        if (rewardDocs.length > 0)
          await writeDocuments(tx, registry.require('rewards'), rewardDocs);
        if (memberDocs.length > 0)
          await writeDocuments(tx, registry.require('members'), memberDocs);
      });
      // Opening balances go through the ledger like any adjustment, so accounts are real folds.
      const ledger: TransactionDoc[] = [];
      for (const [index, seed] of members.entries()) {
        const member = memberDocs[index] as MemberDoc;
        if (seed.points) {
          const ms = now - 3_600_000 + index;
          ledger.push(
            newTransactionDoc({
              id: uuidv7(ms),
              kind: 'adjustment',
              memberId: member.id,
              by: seeder,
              occurredAt: new Date(ms).toISOString(),
              adjustmentPoints: seed.points,
              reason: 'e2e opening balance',
              pointsEarned: Math.max(0, seed.points),
              pointsRedeemed: Math.max(0, -seed.points),
            }),
          );
        }
        for (const purchase of seed.purchases ?? []) {
          const ms = now - 1_800_000 + ledger.length;
          ledger.push(
            newTransactionDoc({
              id: uuidv7(ms),
              kind: 'checkout',
              memberId: member.id,
              by: seeder,
              occurredAt: new Date(ms).toISOString(),
              orderTotal: purchase.orderTotal,
              amountPaid: purchase.orderTotal - (purchase.couponDiscount ?? 0),
              ...(purchase.couponId
                ? {
                    couponId: purchase.couponId,
                    couponCode: purchase.couponCode,
                    couponDiscount: purchase.couponDiscount ?? 0,
                  }
                : {}),
              pointsEarned: purchase.pointsEarned,
              pointsRedeemed: 0,
              ...(purchase.bonuses
                ? { bonuses: purchase.bonuses as TransactionDoc['bonuses'] }
                : {}),
            }),
          );
        }
      }
      if (ledger.length > 0) {
        await db.transaction(
          (tx) => ingestTransactions({ tx, registry, now: new Date() }, ledger),
          { maxAttempts: 8 },
        );
      }
      return { members: Object.fromEntries(memberDocs.map((doc) => [doc.phone, doc.id])) };
    }
    case 'enrollment-code':
      return (
        await auth.createEnrollmentCode(
          command.args.storeId,
          60,
          new Date(),
          command.args.terminalId,
        )
      ).code;
    case 'terminals':
      return (await auth.listTerminals(command.args.storeId)).map((terminal) => terminal.id);
    case 'revoke-terminal':
      await auth.revokeTerminal(command.args.terminalId);
      return null;
    case 'documents':
      return collection(command.args.collection);
  }
}

const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  let command: ServerCommand & { id: number };
  try {
    command = JSON.parse(line) as ServerCommand & { id: number };
  } catch {
    return;
  }
  run(command).then(
    (value) =>
      process.stdout.write(`@@answer ${JSON.stringify({ id: command.id, ok: true, value })}\n`),
    (error: unknown) =>
      process.stdout.write(
        `@@answer ${JSON.stringify({ id: command.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) })}\n`,
      ),
  );
});

async function shutdown(): Promise<void> {
  await server.close();
  await db.close();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
// The test runner's end of stdin closing means the test is over.
input.once('close', () => void shutdown());

process.stdout.write(`@@ready ${JSON.stringify({ url: server.url })}\n`);
