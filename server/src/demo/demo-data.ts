/**
 * The demo data set: a store, an enrollment code (printed once), a cashier and a manager with
 * printed PINs, the program, coupons, rewards and 1,000 members with history. Members and
 * their ledgers are generated deterministically from a seeded PRNG and the anchor day; the
 * transactions go through the ledger service (`ingestTransactions`), so every account is the
 * real fold of its ledger. Loading twice changes nothing: the second run reports the store
 * exists and stops.
 */
import { randomInt } from 'node:crypto';
import { DEFAULT_PROGRAM } from '@tillpoint/loyalty';
import {
  newCouponDoc,
  newMemberDoc,
  newRewardDoc,
  newTransactionDoc,
  randomMemberProfile,
} from '@tillpoint/protocol';
import type {
  CouponDoc,
  MemberDoc,
  NewCoupon,
  NewReward,
  NewTransaction,
  RewardDoc,
  TransactionDoc,
  Writer,
} from '@tillpoint/protocol';
import type { AuthService } from '../auth/auth-service.js';
import { createStaff } from '../auth/staff-service.js';
import type { Database } from '../db/database.js';
import { ingestTransactions } from '../ledger/ledger-service.js';
import type { CollectionRegistry } from '../sync/collection-handlers.js';
import { readDocument, writeDocuments } from '../sync/document-store.js';

export const DEMO_STORE_ID = 'demo-store';
/** Writes the members and their histories, as the demo cashier at the demo store's till. */
const LOADER: Writer = {
  terminalId: 'demo-loader',
  storeId: DEMO_STORE_ID,
  staffId: 'demo-cashier',
};
const DAY = 86_400_000;

/** mulberry32: a small, fast, seedable PRNG (deterministic demo data). */
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

/** A UUIDv7 for `ms` whose random bits come from `random` (same seed → same ids). */
export function seededUuidV7(ms: number, random: () => number): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(ms, 0, 6);
  for (let i = 6; i < 16; i++) bytes[i] = Math.floor(random() * 256);
  bytes[6] = 0x70 | ((bytes[6] as number) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const FIRST_NAMES = [
  'Ada',
  'Grace',
  'Alan',
  'Linus',
  'Zoë',
  'Mei',
  'Ravi',
  'Amara',
  'Jonas',
  'Lucía',
  'Omar',
  'Hana',
  'Ivan',
  'Sofia',
  'Kofi',
  'Noor',
];
const LAST_NAMES = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Okafor',
  'Ångström',
  'Chen',
  'Patel',
  'Nakamura',
  'García',
  'Haddad',
  'Kowalski',
  'Berg',
  'Silva',
  'Mensah',
];
const MENU = [
  { name: 'Paneer tikka', category: 'mains', amount: 14_50 },
  { name: 'Dal makhani', category: 'mains', amount: 12_00 },
  { name: 'Garlic naan', category: 'sides', amount: 3_50 },
  { name: 'Mango lassi', category: 'drinks', amount: 4_50 },
  { name: 'Masala chai', category: 'drinks', amount: 3_00 },
  { name: 'Gulab jamun', category: 'desserts', amount: 5_50 },
];

export interface DemoOptions {
  readonly seed?: number;
  readonly members?: number;
  /** The day history ends (UTC); default today. History covers the 540 days before it. */
  readonly anchor?: Date;
  readonly now?: Date;
}

export interface DemoResult {
  readonly loaded: boolean;
  readonly members: number;
  readonly transactions: number;
}

function catalog(now: Date): { coupons: CouponDoc[]; rewards: RewardDoc[] } {
  const at = now.toISOString();
  const coupon = (fields: Omit<NewCoupon, 'updatedAt'>) =>
    newCouponDoc({ ...fields, updatedAt: at });
  const coupons: CouponDoc[] = [
    coupon({
      id: 'demo-welcome10',
      code: 'WELCOME10',
      name: '10% off your order',
      kind: 'percent',
      value: 10,
      maxDiscount: 20_00,
      minimumOrder: 15_00,
    }),
    coupon({
      id: 'demo-fiveoff',
      code: 'FIVEOFF',
      name: '5.00 off orders over 30.00',
      kind: 'fixed',
      value: 5_00,
      minimumOrder: 30_00,
      perMemberLimit: 3,
    }),
    coupon({
      id: 'demo-freechai',
      code: 'FREECHAI',
      name: 'A free masala chai',
      kind: 'free-item',
      value: 0,
      freeItem: { sku: 'chai', name: 'Masala chai', value: 3_00 },
    }),
    coupon({
      id: 'demo-onetime',
      code: 'GRANDOPENING',
      name: 'Grand opening: 15.00 off, once',
      kind: 'fixed',
      value: 15_00,
      usageLimit: 1,
    }),
    coupon({
      id: 'demo-spring',
      code: 'SPRING20',
      name: 'Spring 20% (expired)',
      kind: 'percent',
      value: 20,
      startsAt: new Date(now.getTime() - 400 * DAY).toISOString(),
      expiresAt: new Date(now.getTime() - 300 * DAY).toISOString(),
    }),
  ];
  const reward = (fields: Omit<NewReward, 'updatedAt'>) =>
    newRewardDoc({ ...fields, updatedAt: at });
  const rewards: RewardDoc[] = [
    reward({
      id: 'demo-dessert',
      name: 'Free dessert',
      description: 'Any dessert from the menu',
      kind: 'product',
      pointsCost: 500,
      value: 5_50,
      stock: null,
    }),
    reward({
      id: 'demo-tasting',
      name: "Chef's tasting menu",
      description: 'For two, on a weekday evening',
      kind: 'experience',
      pointsCost: 5_000,
      stock: 20,
      tierExclusive: ['gold', 'platinum', 'vip'],
    }),
    reward({
      id: 'demo-ten-off',
      name: '10.00 off',
      description: 'Off your next order',
      kind: 'discount',
      pointsCost: 1_000,
      value: 10_00,
      stock: null,
    }),
  ];
  return { coupons, rewards };
}

/**
 * Loads the demo data unless the demo store exists. `print` receives the enrollment code and
 * the PINs, once; they are not stored in clear anywhere.
 */
export async function loadDemo(
  db: Database,
  registry: CollectionRegistry,
  auth: AuthService,
  print: (line: string) => void,
  options: DemoOptions = {},
): Promise<DemoResult> {
  const stores = await auth.listStores();
  if (stores.some((store) => store.id === DEMO_STORE_ID)) {
    print(`the demo data is already loaded (store ${DEMO_STORE_ID} exists); nothing changed`);
    return { loaded: false, members: 0, transactions: 0 };
  }
  const now = options.now ?? new Date();
  const random = seededRandom(options.seed ?? 20_240_601);
  const memberCount = options.members ?? 1_000;
  const anchor = Date.UTC(
    (options.anchor ?? now).getUTCFullYear(),
    (options.anchor ?? now).getUTCMonth(),
    (options.anchor ?? now).getUTCDate(),
  );

  await auth.createStore({ id: DEMO_STORE_ID, name: 'Tillpoint Demo Bistro' });
  const cashierPin = String(randomInt(0, 10_000)).padStart(4, '0');
  const managerPin = String(randomInt(0, 1_000_000)).padStart(6, '0');
  await createStaff(db, registry, {
    id: 'demo-cashier',
    name: 'Casey Cashier',
    role: 'cashier',
    pin: cashierPin,
    storeIds: [DEMO_STORE_ID],
  });
  await createStaff(db, registry, {
    id: 'demo-manager',
    name: 'Morgan Manager',
    role: 'manager',
    pin: managerPin,
    storeIds: [DEMO_STORE_ID],
  });

  const { coupons, rewards } = catalog(now);
  const members: MemberDoc[] = [];
  const transactions: TransactionDoc[] = [];
  for (let i = 0; i < memberCount; i++) {
    const createdMs = anchor - Math.floor((30 + random() * 510) * DAY) + Math.floor(random() * DAY);
    const createdAt = new Date(createdMs).toISOString();
    const name = `${FIRST_NAMES[Math.floor(random() * FIRST_NAMES.length)]} ${LAST_NAMES[Math.floor(random() * LAST_NAMES.length)]}`;
    const month = 1 + Math.floor(random() * 12);
    const day = 1 + Math.floor(random() * 28);
    const member = newMemberDoc({
      id: seededUuidV7(createdMs, random),
      phone: `+1415555${String(i).padStart(4, '0')}`,
      name,
      birthday: `--${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
      ...randomMemberProfile(random),
      referralCode: `DEMO${String(i).padStart(4, '0')}`,
      createdAt,
      by: LOADER,
      clocked: ['phone', 'phoneSuffix', 'name', 'searchName', 'birthday', 'status'],
    });
    members.push(member);
    const tx = (
      ms: number,
      fields: Omit<NewTransaction, 'id' | 'memberId' | 'by' | 'occurredAt'>,
    ): TransactionDoc =>
      newTransactionDoc({
        id: seededUuidV7(ms, random),
        memberId: member.id,
        by: LOADER,
        occurredAt: new Date(ms).toISOString(),
        ...fields,
      });
    transactions.push(
      tx(createdMs + 1_000, {
        kind: 'enrollment-bonus',
        pointsEarned: 100,
        pointsRedeemed: 0,
        bonuses: [{ kind: 'enrollment', points: 100 }],
      }),
    );
    let balance = 100;
    let visitMs = createdMs;
    const visits = Math.floor(random() * 12);
    for (let v = 0; v < visits; v++) {
      visitMs += Math.floor((2 + random() * 40) * DAY);
      if (visitMs >= anchor) break;
      const lines = Array.from({ length: 1 + Math.floor(random() * 4) }, () => {
        const item = MENU[Math.floor(random() * MENU.length)] as (typeof MENU)[number];
        return { name: item.name, category: item.category, quantity: 1, amount: item.amount };
      });
      const orderTotal = lines.reduce((sum, line) => sum + line.amount, 0);
      const redeem = balance >= 500 && random() < 0.25 ? 500 : 0;
      const pointsDiscount = (redeem / 100) * 100;
      const useCoupon = redeem === 0 && orderTotal >= 30_00 && random() < 0.15;
      const couponDiscount = useCoupon ? 5_00 : 0;
      const paid = orderTotal - pointsDiscount - couponDiscount;
      const firstPurchase = v === 0;
      const earned = Math.floor(paid / 100) + (firstPurchase ? 200 : 0);
      transactions.push(
        tx(visitMs, {
          kind: 'checkout',
          orderTotal,
          lines,
          ...(useCoupon ? { couponId: 'demo-fiveoff', couponCode: 'FIVEOFF', couponDiscount } : {}),
          pointsDiscount,
          amountPaid: paid,
          pointsEarned: earned,
          pointsRedeemed: redeem,
          ...(firstPurchase ? { bonuses: [{ kind: 'first-purchase' as const, points: 200 }] } : {}),
        }),
      );
      balance += earned - redeem;
    }
  }
  // Server order follows the order things happened at the tills.
  transactions.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.id.localeCompare(b.id));

  await db.transaction(async (tx) => {
    await writeDocuments(tx, registry.require('program'), [
      {
        id: 'default',
        version: 1,
        settings: DEFAULT_PROGRAM,
        updatedBy: 'demo-manager',
        rev: 0,
        updatedAt: now.toISOString(),
      },
    ]);
    await writeDocuments(tx, registry.require('coupons'), coupons);
    await writeDocuments(tx, registry.require('rewards'), rewards);
    await writeDocuments(tx, registry.require('members'), members);
  });
  for (let start = 0; start < transactions.length; start += 500) {
    const batch = transactions.slice(start, start + 500);
    await db.transaction((tx) => ingestTransactions({ tx, registry, now }, batch), {
      maxAttempts: 8,
    });
  }

  const { code, expiresAt } = await auth.createEnrollmentCode(DEMO_STORE_ID, 24 * 60);
  const program = await readDocument(db, registry.require('program'), 'default');
  print(
    `demo store ${DEMO_STORE_ID} loaded: ${members.length} members, ${transactions.length} transactions, program v${String(program?.['version'])}`,
  );
  print(`enrollment code (single use, expires ${expiresAt}): ${code}`);
  print(`cashier Casey Cashier (demo-cashier) PIN: ${cashierPin}`);
  print(`manager Morgan Manager (demo-manager) PIN: ${managerPin}`);
  print('the code and the PINs are shown only now; the server keeps only their hashes');
  return { loaded: true, members: members.length, transactions: transactions.length };
}
