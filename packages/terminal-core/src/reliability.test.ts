/**
 * DESIGN.md's reliability bar over random schedules. Three tills, each in its own worker thread,
 * sell (with coupons and redemptions), redeem a reward in short stock, enroll (the same phones,
 * so duplicates are enrolled offline and merged; some invited by a member, some with their
 * birthday today), edit profiles, adjust points, refund, resolve reviews and edit a coupon. Now
 * and then the operator erases a member (a privacy request) on the server. All the while their
 * networks are cut and restored, the server's answers to their pushes are lost, the tills
 * restart, their clocks drift, and the server stops and starts again (one of two server
 * processes on the same database: the third till talks to the other). Once everything heals:
 *
 * - every transaction a till made is on the server exactly once, and nothing else is;
 * - an erased member stays erased;
 * - every member's account is the fold of its ledger (and its merged duplicates') under the
 *   program, every coupon's usage is the count of its accepted uses, and every reward's the
 *   count of its redemptions;
 * - every till stores what the server stores and shows the server's balances.
 *
 * Each schedule (what happens, in which order) comes from a seed, and a failure names it; the
 * timing within a round is the machine's. More schedules:
 * `RELIABILITY_SEEDS=1,2,3,4 RELIABILITY_ROUNDS=60 npx vitest run src/reliability.test.ts`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PROGRAM, foldAccount, refreshAccount } from '@tillpoint/loyalty';
import type { Account, Result, SequencedTransaction } from '@tillpoint/loyalty';
import type {
  AccountDoc,
  CouponDoc,
  MemberDoc,
  ProgramDoc,
  RewardDoc,
  TransactionDoc,
} from '@tillpoint/protocol';
import type { CheckoutPlan } from './checkout.js';
import type { MemberCard, Receipt, TerminalStatus } from './terminal.js';
import { SyncServer, couponDoc, rewardDoc } from './test-support/sync-server.js';
import { waitFor } from './test-support/terminal-fixture.js';
import { WorkerTerminal } from './test-support/worker-terminal.js';
import { testTargets } from '../../../server/src/test-support/test-database.js';
import { eraseMember } from '../../../server/src/members/privacy.js';
import { seededRandom } from '../../../server/src/demo/demo-data.js';

const SEEDS = (process.env['RELIABILITY_SEEDS'] ?? '1,2')
  .split(',')
  .map((seed) => Number(seed.trim()));
const ROUNDS = Number(process.env['RELIABILITY_ROUNDS'] ?? 40);
const TILLS = 3;
const PHONES = Array.from({ length: 10 }, (_, index) => `+1212555${String(1000 + index)}`);
const MANAGER = { id: 'manager-rel', pin: '7373' };
/** A till's clock stays within this of the real time. */
const MAX_SKEW_MS = 20 * 60_000;

const ACTIONS = [
  ['checkout', 34],
  ['enroll', 12],
  ['edit', 8],
  ['adjust', 5],
  ['refund', 5],
  ['reward', 4],
  ['resolve-review', 3],
  ['edit-coupon', 3],
  ['network', 10],
  ['lose-answers', 5],
  ['restart', 4],
  ['skew', 3],
  ['idle', 14],
] as const;
type ActionKind = (typeof ACTIONS)[number][0];
const ACTION_WEIGHT = ACTIONS.reduce((sum, [, weight]) => sum + weight, 0);

interface Plan {
  readonly kind: ActionKind;
  /** Random numbers drawn before the round runs, so that the schedule depends on the seed only. */
  readonly r: readonly number[];
}

function planStep(random: () => number): Plan {
  let pick = random() * ACTION_WEIGHT;
  let kind: ActionKind = 'idle';
  for (const [candidate, weight] of ACTIONS) {
    if (pick < weight) {
      kind = candidate;
      break;
    }
    pick -= weight;
  }
  return { kind, r: Array.from({ length: 6 }, () => random()) };
}

function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`${result.refusal.code}: ${result.refusal.message}`);
  return result.value;
}

function pickFrom<T>(items: readonly T[], r: number): T | undefined {
  return items.length === 0 ? undefined : items[Math.floor(r * items.length)];
}

/** What the test saw each till do: the transactions the server must hold, and nothing else. */
class Made {
  readonly checkouts = new Set<string>();
  readonly adjustments = new Set<string>();
  readonly refunds = new Set<string>();
  readonly rewards = new Set<string>();
  readonly erased = new Set<string>();
  readonly refunded = new Set<string>();
  readonly counts = new Map<string, number>();

  count(what: string): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + 1);
  }

  /** A till's answer: the transaction it made goes `into` the set, a refusal is counted. */
  record(
    what: string,
    result: Result<{ transactionId: string }>,
    into: Set<string>,
  ): result is { ok: true; value: { transactionId: string } } {
    if (!result.ok) {
      this.count(`${what} refused (${result.refusal.code})`);
      return false;
    }
    into.add(result.value.transactionId);
    this.count(what);
    return true;
  }

  summary(): string {
    return [...this.counts]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([what, n]) => `${what} ${n}`)
      .join(', ');
  }
}

class Till {
  online = true;
  losingAnswers = false;
  skewMs = 0;
  readonly receipts: string[] = [];

  constructor(
    readonly index: number,
    readonly worker: WorkerTerminal,
  ) {}

  call<T = unknown>(method: string, ...args: unknown[]): Promise<T> {
    return this.worker.call<T>(method, ...args);
  }
}

type Snapshot = Record<
  'members' | 'accounts' | 'transactions' | 'coupons' | 'rewards' | 'reviews',
  Doc[]
>;
type Doc = Record<string, unknown>;

async function runStep(till: Till, plan: Plan, made: Made): Promise<void> {
  const [r0 = 0, r1 = 0, r2 = 0, r3 = 0, r4 = 0] = plan.r;
  const members = async () =>
    (await till.call<{ id: string; status: string; referralCode: string }[]>('members')).filter(
      (member) => member.status !== 'erased',
    );
  switch (plan.kind) {
    case 'checkout': {
      const member = pickFrom(await members(), r0);
      if (!member) return;
      const input: Record<string, unknown> = {
        memberId: member.id,
        orderTotal: 5_00 + Math.floor(r1 * 200_00),
      };
      if (r3 < 0.2) input['couponCodes'] = ['TENOFF'];
      if (r2 < 0.3) {
        const preview = await till.call<Result<CheckoutPlan>>('previewCheckout', input);
        if (preview.ok && preview.value.maxRedeemable.points > 0) {
          input['redeemPoints'] = preview.value.maxRedeemable.points;
        }
      }
      const receipt = await till.call<Result<Receipt>>('checkout', input);
      if (receipt.ok) {
        made.checkouts.add(receipt.value.transactionId);
        till.receipts.push(receipt.value.transactionId);
        made.count(input['redeemPoints'] ? 'checkout with points' : 'checkout');
      } else {
        made.count(`checkout refused (${receipt.refusal.code})`);
      }
      return;
    }
    case 'enroll': {
      const phone = pickFrom(PHONES, r0) as string;
      const input: Record<string, unknown> = { phone, name: `Guest ${Math.floor(r1 * 1000)}` };
      // Invited by a member this till knows; born on this day (bonus at the first checkout).
      const inviter = r2 < 0.4 ? pickFrom(await members(), r3) : undefined;
      if (inviter) input['referralCode'] = inviter.referralCode;
      if (r4 < 0.3) input['birthday'] = `1990-${new Date().toISOString().slice(5, 10)}`;
      const enrolled = await till.call<Result<{ card: MemberCard; created: boolean }>>(
        'enrollMember',
        input,
      );
      made.count(
        enrolled.ok ? (enrolled.value.created ? 'enroll' : 'enroll, found') : 'enroll refused',
      );
      return;
    }
    case 'edit': {
      const member = pickFrom(await members(), r0);
      if (!member) return;
      const patch =
        r1 < 0.5
          ? { name: `Name ${Math.floor(r2 * 1000)}` }
          : { email: `m${Math.floor(r2 * 1000)}@example.com` };
      const edited = await till.call<Result<MemberCard>>('editProfile', member.id, patch);
      made.count(edited.ok ? 'edit' : `edit refused (${edited.refusal.code})`);
      return;
    }
    case 'adjust': {
      const member = pickFrom(await members(), r0);
      if (!member) return;
      const points = (r1 < 0.3 ? -1 : 1) * (1 + Math.floor(r2 * 800));
      const adjusted = await till.call<Result<{ transactionId: string }>>(
        'adjustPoints',
        member.id,
        points,
        'reliability schedule',
      );
      made.record('adjust', adjusted, made.adjustments);
      return;
    }
    case 'refund': {
      const checkoutId = pickFrom(
        till.receipts.filter((id) => !made.refunded.has(id)),
        r0,
      );
      if (!checkoutId) return;
      const refunded = await till.call<Result<{ transactionId: string }>>('refund', checkoutId);
      if (made.record('refund', refunded, made.refunds)) made.refunded.add(checkoutId);
      return;
    }
    case 'reward': {
      const member = pickFrom(await members(), r0);
      if (!member) return;
      const redeemed = await till.call<Result<{ transactionId: string }>>(
        'redeemReward',
        member.id,
        'r-mug',
      );
      made.record('reward', redeemed, made.rewards);
      return;
    }
    case 'resolve-review': {
      const resolved = await till.call<Result<unknown>>('resolveOpenReview', r0);
      made.count(resolved.ok ? 'review resolved' : `review refused (${resolved.refusal.code})`);
      return;
    }
    case 'edit-coupon': {
      const saved = await till.call<Result<unknown>>(
        'renameCoupon',
        'TENOFF',
        `Ten off ${Math.floor(r0 * 1000)}`,
      );
      made.count(saved.ok ? 'coupon edited' : `coupon edit refused (${saved.refusal.code})`);
      return;
    }
    case 'network':
      if (till.online) await till.call('cut');
      else await till.call('restore');
      till.online = !till.online;
      made.count(till.online ? 'network restored' : 'network cut');
      return;
    case 'lose-answers':
      await till.call(till.losingAnswers ? 'keepAnswers' : 'loseAnswers');
      till.losingAnswers = !till.losingAnswers;
      made.count(till.losingAnswers ? 'answers lost' : 'answers kept');
      return;
    case 'restart':
      await till.call('restart');
      made.count('till restarted');
      return;
    case 'skew': {
      const target = Math.round((r0 - 0.5) * 2 * MAX_SKEW_MS);
      await till.call('skewClock', target - till.skewMs);
      till.skewMs = target;
      made.count('clock moved');
      return;
    }
    case 'idle':
      await new Promise((resolve) => setTimeout(resolve, Math.floor(r4 * 250)));
      return;
  }
}

function withoutDeleted(docs: Doc[]): Doc[] {
  return docs
    .filter((doc) => doc['_deleted'] !== true)
    .map(({ _deleted: _, ...doc }) => doc)
    .sort((a, b) => String(a['id']).localeCompare(String(b['id'])));
}

async function serverSnapshot(server: SyncServer): Promise<Snapshot> {
  return {
    members: withoutDeleted(await server.pull('members')),
    accounts: withoutDeleted(await server.pull('accounts')),
    transactions: withoutDeleted(await server.pull('transactions')),
    coupons: withoutDeleted(await server.pull('coupons')),
    rewards: withoutDeleted(await server.pull('rewards')),
    reviews: withoutDeleted(await server.pull('reviews')),
  };
}

/** JSON with every object's keys sorted: equal documents give equal text. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(
          Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : item,
  );
}

/** Differences between a till's documents and the server's, in words (empty: the same). */
function differences(till: number, local: Snapshot, central: Snapshot): string[] {
  const found: string[] = [];
  for (const collection of Object.keys(central) as (keyof Snapshot)[]) {
    const theirs = new Map(central[collection].map((doc) => [doc['id'] as string, doc]));
    const ours = new Map(local[collection].map((doc) => [doc['id'] as string, doc]));
    for (const [id, doc] of theirs) {
      const mine = ours.get(id);
      if (!mine) found.push(`till ${till} lacks ${collection}/${id}`);
      else if (canonical(mine) !== canonical(doc)) {
        const keys = [...new Set([...Object.keys(mine), ...Object.keys(doc)])].filter(
          (key) => canonical(mine[key]) !== canonical(doc[key]),
        );
        const fields = keys.map(
          (key) => `${key}: ${canonical(mine[key])} (server: ${canonical(doc[key])})`,
        );
        found.push(`till ${till} ${collection}/${id} differs in ${fields.join('; ')}`);
      }
    }
    for (const id of ours.keys()) {
      if (!theirs.has(id)) found.push(`till ${till} has ${collection}/${id}, the server has not`);
    }
  }
  return found;
}

/** Each member and the member its transactions count for (itself unless merged). */
function survivorsOf(members: readonly MemberDoc[]): Map<string, string> {
  const byId = new Map(members.map((member) => [member.id, member]));
  const survivors = new Map<string, string>();
  for (const member of members) {
    let current = member;
    for (let hop = 0; hop < 16 && current.status === 'merged' && current.mergedInto; hop++) {
      const next = byId.get(current.mergedInto);
      if (!next) break;
      current = next;
    }
    survivors.set(member.id, current.id);
  }
  return survivors;
}

let server: SyncServer | undefined;
let tills: Till[] = [];

afterEach(async () => {
  await Promise.all(tills.map((till) => till.worker.stop()));
  tills = [];
  await server?.dispose();
  server = undefined;
});

describe.each(testTargets())('reliability over random schedules, server on %s', (target) => {
  it.each(SEEDS)(
    'seed %i: after partitions, lost answers, restarts, clock drift and a server restart, everything converges',
    async (seed) => {
      const random = seededRandom(seed);
      const made = new Made();
      server = await SyncServer.start({}, target);
      const central = server;
      await central.addStaff({ id: MANAGER.id, role: 'manager', pin: MANAGER.pin });
      await central.seed('rewards', [rewardDoc({ id: 'r-mug', pointsCost: 300, stock: 4 })]);
      await central.seed('coupons', [
        couponDoc({ id: 'c-ten', code: 'TENOFF', value: 10_00, usageLimit: 6, perMemberLimit: 2 }),
      ]);
      const settings = {
        ...DEFAULT_PROGRAM,
        version: 2,
        offline: { ...DEFAULT_PROGRAM.offline, allowLimitedCouponsOffline: true },
      };
      const program: ProgramDoc = {
        id: 'default',
        version: 2,
        settings,
        updatedBy: MANAGER.id,
        rev: 0,
        updatedAt: new Date().toISOString(),
      } as ProgramDoc;
      expect((await central.admin.push('program', [{ newDocumentState: program }])).status).toBe(
        200,
      );

      // The last till talks to a second server process on the same database, which stays up
      // when the first stops.
      const secondUrl = await central.startSecond();
      tills = Array.from({ length: TILLS }, (_, index) => new Till(index, WorkerTerminal.start()));
      await Promise.all(
        tills.map(async (till) => {
          const url = till.index === TILLS - 1 ? secondUrl : central.url;
          await till.call('open', url, await central.enrollmentCode());
          await waitFor(async () => (await till.call<number>('staffCount')) === 1, 'staff');
          await waitFor(
            async () => (await till.call<{ version: number }>('program')).version === 2,
            'program',
          );
          value(await till.call('login', MANAGER.id, MANAGER.pin));
        }),
      );

      let serverUp = true;
      for (let round = 0; round < ROUNDS; round++) {
        const serverEvent = random();
        const [eraseEvent = 1, erasePick = 0] = [random(), random()];
        const plans = tills.map(() => planStep(random));
        if (serverUp && eraseEvent < 0.03) {
          // A privacy erasure by the operator, while tills may be offline and selling to them.
          const candidates = (
            await central.pull<MemberDoc & { _deleted?: boolean }>('members')
          ).filter((member) => member.status === 'active' && !member._deleted);
          const member = pickFrom(candidates, erasePick);
          if (member) {
            await eraseMember(central.database.db, central.running.registry, member.id);
            made.erased.add(member.id);
            made.count('member erased');
          }
        }
        if (serverUp && serverEvent < 0.04) {
          await central.stop();
          serverUp = false;
          made.count('server stopped');
        } else if (!serverUp && serverEvent < 0.35) {
          await central.startAgain();
          serverUp = true;
          made.count('server started');
        }
        await Promise.all(tills.map((till, index) => runStep(till, plans[index] as Plan, made)));
      }

      // Everything heals.
      if (!serverUp) await central.startAgain();
      for (const till of tills) {
        if (till.losingAnswers) await till.call('keepAnswers');
        await till.call('restore');
      }
      const context = `${target}, seed ${seed}, ${ROUNDS} rounds: ${made.summary()}`;
      let statuses: TerminalStatus[];
      const pushed = Date.now() + 60_000;
      for (;;) {
        statuses = await Promise.all(tills.map((till) => till.call<TerminalStatus>('status')));
        if (statuses.every((status) => status.pending === 0 && status.online)) break;
        if (Date.now() > pushed) {
          throw new Error(
            `${context}: the tills did not push everything: ${JSON.stringify(statuses.map(({ online, pending, error, lastSyncAt }) => ({ online, pending, error, lastSyncAt })))}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }

      // Every till stores what the server stores (pulls follow the server's announcements).
      let state: Snapshot | undefined;
      let last: string[];
      const deadline = Date.now() + 60_000;
      for (;;) {
        state = await serverSnapshot(central);
        const snapshots = await Promise.all(tills.map((till) => till.call<Snapshot>('snapshot')));
        last = snapshots.flatMap((snapshot, index) =>
          differences(index, snapshot, state as Snapshot),
        );
        if (last.length === 0 || Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      if (last.length > 0) {
        const statuses = await Promise.all(
          tills.map((till) => till.call<TerminalStatus>('status')),
        );
        last.push(
          ...statuses.map(
            (status, index) =>
              `till ${index}: ${JSON.stringify({ online: status.online, pending: status.pending, error: status.error })}`,
          ),
        );
      }
      expect(last, context).toEqual([]);

      // Every transaction a till made is on the server once, and nothing else is.
      const transactions = state.transactions as unknown as TransactionDoc[];
      const ids = transactions.map((tx) => tx.id);
      expect(new Set(ids).size, context).toBe(ids.length);
      const ofKind = (kind: string) =>
        transactions
          .filter((tx) => tx.kind === kind)
          .map((tx) => tx.id)
          .sort();
      expect(ofKind('checkout'), context).toEqual([...made.checkouts].sort());
      expect(ofKind('adjustment'), context).toEqual([...made.adjustments].sort());
      expect(ofKind('refund'), context).toEqual([...made.refunds].sort());
      expect(ofKind('reward-redemption'), context).toEqual([...made.rewards].sort());
      for (const tx of transactions) {
        expect(typeof tx.seq, `${context}: ${tx.id} has its seq`).toBe('number');
      }

      // Every account is the fold of its ledger; merged duplicates count for their survivor.
      const members = state.members as unknown as MemberDoc[];
      const survivors = survivorsOf(members);
      const accounts = new Map(
        (state.accounts as unknown as AccountDoc[]).map((account) => [account.id, account]),
      );
      const coupons = state.coupons as unknown as CouponDoc[];
      const limits = Object.fromEntries(
        coupons.map((coupon) => [
          coupon.id,
          { usageLimit: coupon.usageLimit ?? null, perMemberLimit: coupon.perMemberLimit ?? null },
        ]),
      );
      const ledger = [...transactions].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
      const now = new Date().toISOString();
      // Erased members stay erased, whatever the tills pushed after.
      expect(
        members
          .filter((member) => member.status === 'erased')
          .map((member) => member.id)
          .sort(),
        context,
      ).toEqual([...made.erased].sort());
      let checked = 0;
      for (const member of members) {
        if (survivors.get(member.id) !== member.id) continue;
        // An erased member's later transactions are refused as of the erasure, which the
        // member document does not date; its account is not checked here.
        if (member.status === 'erased') continue;
        const merged = members
          .filter((other) => other.id !== member.id && survivors.get(other.id) === member.id)
          .map((other) => other.id);
        const { account: folded } = foldAccount(
          member.id,
          ledger as unknown as SequencedTransaction[],
          settings,
          { mergedMemberIds: merged, coupons: limits },
          now,
        );
        const stored = accounts.get(member.id);
        expect(stored, `${context}: account of ${member.id}`).toBeDefined();
        const read = refreshAccount(stored as unknown as Account, settings, now);
        expect(
          { balance: read.balance, lifetime: read.lifetime, visits: read.visits },
          `${context}: account of ${member.id}`,
        ).toEqual({ balance: folded.balance, lifetime: folded.lifetime, visits: folded.visits });
        checked += 1;
      }
      expect(checked).toBeGreaterThan(0);
      for (const coupon of coupons) {
        const uses = transactions.filter((tx) => tx.effects?.couponUse?.couponId === coupon.id);
        expect(coupon.usage.used, `${context}: uses of ${coupon.code}`).toBe(uses.length);
      }

      for (const reward of state.rewards as unknown as RewardDoc[]) {
        const redemptions = transactions.filter(
          (tx) =>
            tx.kind === 'reward-redemption' &&
            tx.rewardId === reward.id &&
            tx.outcome?.status !== 'refused',
        );
        expect(reward.usage.redeemed, `${context}: redemptions of ${reward.id}`).toBe(
          redemptions.length,
        );
      }

      // And every till shows the server's balances.
      for (const till of tills) {
        for (const member of members) {
          const survivor = survivors.get(member.id) as string;
          if (made.erased.has(survivor)) continue;
          const card = value(await till.call<Result<MemberCard>>('memberCard', member.id));
          expect(card.member.id, `${context}: till ${till.index}, card of ${member.id}`).toBe(
            survivor,
          );
          expect(card.balance, `${context}: till ${till.index}, balance of ${survivor}`).toBe(
            accounts.get(survivor)?.balance,
          );
        }
      }
      console.info(
        `reliability ${context}; ${members.length} members, ${transactions.length} transactions`,
      );
    },
    240_000,
  );
});
