/**
 * The benchmark's data set, shared by the runner (which seeds the server) and the page (which
 * fills the raw IndexedDB baseline and picks phones and members): member `i` and its account
 * are pure functions of `i`, so both sides agree without sending 100,000 documents around.
 * Plain TypeScript, no Node or DOM APIs.
 */
import type { AccountDoc, MemberDoc, StaffDoc, Writer } from '@tillpoint/protocol';
import { MEMBER_SCALAR_FIELDS, newMemberDoc, randomMemberProfile } from '@tillpoint/protocol';

export const BENCH_STORE_ID = 'bench-store';
export const BENCH_STAFF_ID = 'bench-cashier';
export const BENCH_STAFF_PIN = '2468';
const LOADER: Writer = {
  terminalId: 'bench-loader',
  storeId: BENCH_STORE_ID,
  staffId: BENCH_STAFF_ID,
};
const SEED = 20_260_101;
const DAY = 86_400_000;
/** History of the data set ends here (fixed, so every run has the same documents). */
const ANCHOR_MS = Date.UTC(2026, 0, 1);

/** mulberry32: small, fast, seedable. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function hex(value: number, digits: number): string {
  return value.toString(16).padStart(digits, '0');
}

/** A UUIDv7 for `ms` whose random bits come from `random`. */
function seededUuidV7(ms: number, random: () => number): string {
  const byte = () => Math.floor(random() * 256);
  const time = hex(ms, 12);
  const randA = hex(0x7000 | ((byte() & 0x0f) << 8) | byte(), 4);
  const randB = hex(0x8000 | ((byte() & 0x3f) << 8) | byte(), 4);
  let tail = '';
  for (let i = 0; i < 6; i++) tail += hex(byte(), 2);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-${randA}-${randB}-${tail}`;
}

/** Valid North American numbers (+1 415 2xx xxxx), distinct for every i < 1,000,000. */
export function phoneOf(i: number): string {
  return `+1415${2_000_000 + i}`;
}

/** The number as a cashier types it at a US till: national digits with spaces. */
export function typedPhoneOf(i: number): string {
  const national = phoneOf(i).slice(2);
  return `${national.slice(0, 3)} ${national.slice(3, 6)} ${national.slice(6)}`;
}

const FIRST = ['Ada', 'Grace', 'Alan', 'Zoë', 'Mei', 'Ravi', 'Amara', 'Jonas', 'Lucía', 'Omar'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Okafor', 'Ångström', 'Chen', 'Patel', 'García'];

const TIERS = [
  { id: 'bronze', from: 0 },
  { id: 'silver', from: 1_000 },
  { id: 'gold', from: 2_500 },
  { id: 'platinum', from: 5_000 },
  { id: 'vip', from: 10_000 },
] as const;

export interface BenchMember {
  readonly member: MemberDoc;
  readonly account: AccountDoc;
}

/** Member `i` with its account (as the server would have derived it for its history). */
export function benchMember(i: number): BenchMember {
  const random = seededRandom(SEED ^ Math.imul(i + 1, 0x9e3779b1));
  const createdMs = ANCHOR_MS - Math.floor((30 + random() * 700) * DAY);
  const createdAt = new Date(createdMs).toISOString();
  const id = seededUuidV7(createdMs, random);
  const name = `${FIRST[Math.floor(random() * FIRST.length)]} ${LAST[Math.floor(random() * LAST.length)]}`;
  const member = newMemberDoc({
    id,
    phone: phoneOf(i),
    name,
    ...randomMemberProfile(random),
    referralCode: `B${String(i).padStart(7, '0')}`,
    createdAt,
    by: LOADER,
    clocked: MEMBER_SCALAR_FIELDS,
  });
  const visits = Math.floor(random() * 30);
  const spend = visits * (1_500 + Math.floor(random() * 3_000));
  const lifetime = 100 + Math.floor(spend / 100);
  const redeemed = random() < 0.2 ? Math.min(lifetime, 500) : 0;
  const tierIndex = TIERS.findLastIndex((tier) => lifetime >= tier.from);
  const tier = TIERS[tierIndex] ?? TIERS[0];
  const next = TIERS[tierIndex + 1];
  const lastVisit = new Date(createdMs + Math.floor(random() * 25 * DAY)).toISOString();
  const account: AccountDoc = {
    id,
    memberId: id,
    balance: lifetime - redeemed,
    lifetime,
    redeemed,
    expired: 0,
    tierId: tier.id,
    tierProgress: next ? { nextTierId: next.id, pointsNeeded: next.from - lifetime } : {},
    visits,
    spend,
    averageOrder: visits > 0 ? Math.round(spend / visits) : 0,
    ...(visits > 0 ? { firstVisit: createdAt, lastVisit, firstPurchaseAt: createdAt } : {}),
    autoTags: [],
    segments: [],
    appliedSeq: 0,
    lots: [{ earnedAt: createdAt, remaining: lifetime - redeemed }],
    couponUses: {},
    birthdayBonusYears: [],
    enrollmentBonusAt: createdAt,
    clock: lastVisit,
    rev: 0,
    updatedAt: lastVisit,
  };
  return { member, account };
}

export function benchStaff(pinHash: string): StaffDoc {
  return {
    id: BENCH_STAFF_ID,
    name: 'Bench Cashier',
    role: 'cashier',
    pinHash,
    storeIds: [BENCH_STORE_ID],
    active: true,
    rev: 0,
    updatedAt: new Date(ANCHOR_MS).toISOString(),
  };
}

/** `count` indices in [0, size), drawn with a seeded PRNG (repeats allowed, like a real till). */
export function sampleIndices(count: number, size: number, seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => Math.floor(random() * size));
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}
