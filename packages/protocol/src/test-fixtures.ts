import { DEFAULT_PROGRAM } from '@tillpoint/loyalty';
import { ERASED_MEMBER_FIELDS } from './new-documents.js';
import type { CollectionDocuments, CollectionName } from './schemas/index.js';

/**
 * Valid documents of every collection, for tests. Not exported from the package index; copy
 * what you need.
 */

export const MEMBER_ID = '0190a6f2-7c3e-7a10-8b2c-1d2e3f405162';
export const OTHER_MEMBER_ID = '0190a6f2-7c3e-7a10-9b2c-1d2e3f405163';
export const TX_ID = '0190a6f3-0000-7000-a000-000000000001';
export const CHECKOUT_ID = '0190a6f3-0000-7000-a000-000000000000';
const AT = '2025-03-14T15:09:26.535Z';
const CLOCK = '001741964966535-00000-terminal-1';

export const sampleDocuments: { readonly [C in CollectionName]: CollectionDocuments[C] } = {
  program: {
    id: 'default',
    version: 1,
    settings: DEFAULT_PROGRAM,
    updatedBy: 'staff-manager',
    rev: 0,
    updatedAt: AT,
  },
  members: {
    id: MEMBER_ID,
    phone: '+12125550123',
    phoneSuffix: '0123',
    name: 'Zoë Ångström',
    searchName: 'zoe angstrom',
    email: 'zoe@example.com',
    birthday: '--05-15',
    anniversary: '2015-06-20',
    occasions: [{ id: 'occ-1', name: 'Graduation', date: '2020-06-01', recurring: false }],
    preferences: {
      dietary: ['vegetarian'],
      allergies: ['peanuts'],
      spiceLevel: 'medium',
      seating: 'outdoor',
      favoriteItems: [{ name: 'Paneer tikka', count: 3 }],
    },
    consents: {
      email: true,
      sms: false,
      push: false,
      specialOffers: true,
      birthdayOffers: true,
      anniversaryOffers: false,
    },
    tags: ['regular'],
    status: 'active',
    referralCode: 'ZOE8X9Y2',
    referredBy: OTHER_MEMBER_ID,
    notes: [{ id: 'note-1', text: 'Prefers the window table', staffId: 'staff-1', at: AT }],
    homeStoreId: 'store-1',
    createdAt: AT,
    createdBy: { terminalId: 'terminal-1', staffId: 'staff-1' },
    fieldClocks: { name: CLOCK, phone: CLOCK, phoneSuffix: CLOCK, searchName: CLOCK },
    rev: 0,
    updatedAt: AT,
  },
  accounts: {
    id: MEMBER_ID,
    memberId: MEMBER_ID,
    balance: -150,
    lifetime: 1200,
    redeemed: 1350,
    expired: 0,
    tierId: 'silver',
    tierProgress: { nextTierId: 'gold', pointsNeeded: 1300 },
    visits: 7,
    spend: 45_99,
    averageOrder: 6_57,
    firstVisit: AT,
    lastVisit: AT,
    autoTags: ['new-customer'],
    segments: [],
    appliedSeq: 42,
    lots: [{ earnedAt: AT, remaining: 100 }],
    couponUses: { 'coupon-1': 1 },
    birthdayBonusYears: [2024],
    firstPurchaseAt: AT,
    rev: 3,
    updatedAt: AT,
  },
  transactions: {
    id: TX_ID,
    kind: 'checkout',
    memberId: MEMBER_ID,
    storeId: 'store-1',
    terminalId: 'terminal-1',
    staffId: 'staff-1',
    programVersion: 1,
    occurredAt: AT,
    offline: true,
    orderTotal: 45_99,
    lines: [
      { sku: 'TIKKA', name: 'Paneer tikka', category: 'mains', quantity: 2, amount: 30_00 },
      { quantity: 0.5, amount: 15_99 },
    ],
    couponId: 'coupon-1',
    couponCode: 'SUMMER10',
    couponDiscount: 4_59,
    pointsDiscount: 0,
    amountPaid: 41_40,
    pointsEarned: 41,
    pointsRedeemed: 0,
    bonuses: [{ kind: 'first-purchase', points: 200 }],
    rev: 0,
    updatedAt: AT,
  },
  coupons: {
    id: 'coupon-1',
    code: 'SUMMER10',
    name: 'Summer 10%',
    kind: 'percent',
    value: 10,
    maxDiscount: 20_00,
    minimumOrder: 10_00,
    startsAt: '2025-06-01T00:00:00.000Z',
    expiresAt: '2025-09-01T00:00:00.000Z',
    weekdays: [1, 2, 3],
    hours: { from: '11:00', to: '15:00' },
    usageLimit: 100,
    perMemberLimit: 1,
    eligibility: {
      tiers: ['silver', 'gold'],
      segments: [],
      newMembersOnly: false,
      stores: ['store-1'],
      regions: [],
    },
    active: true,
    stackable: false,
    usage: { used: 0 },
    rev: 0,
    updatedAt: AT,
  },
  rewards: {
    id: 'reward-1',
    name: 'Free dessert',
    description: 'Any dessert from the menu',
    kind: 'product',
    pointsCost: 500,
    value: 6_00,
    stock: null,
    tierExclusive: [],
    validFrom: '2025-01-01T00:00:00.000Z',
    active: true,
    usage: { redeemed: 0 },
    rev: 0,
    updatedAt: AT,
  },
  staff: {
    id: 'staff-1',
    name: 'Sam Cashier',
    role: 'cashier',
    pinHash: 'scrypt$16384$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNo',
    storeIds: ['store-1'],
    active: true,
    rev: 0,
    updatedAt: AT,
  },
  reviews: {
    id: 'review-1',
    kind: 'overdraft',
    memberId: MEMBER_ID,
    transactionId: TX_ID,
    storeId: 'store-1',
    summary: 'Balance went to -150 after two offline redemptions',
    details: { balance: -150, transactions: [TX_ID] },
    createdAt: AT,
    status: 'open',
    rev: 1,
    updatedAt: AT,
  },
};

/** More valid documents: the variants a collection allows beyond the main sample. */
export const moreValidDocuments: {
  readonly [C in CollectionName]?: readonly CollectionDocuments[C][];
} = {
  members: [
    {
      ...sampleDocuments.members,
      ...ERASED_MEMBER_FIELDS,
    },
    { ...sampleDocuments.members, status: 'merged' as const, mergedInto: OTHER_MEMBER_ID },
  ].map(withoutUndefined),
  transactions: [
    {
      ...sampleDocuments.transactions,
      seq: 7,
      receivedAt: AT,
      outcome: {
        status: 'accepted-with-review',
        reason: 'overdraft',
        review: 'overdraft',
        flags: [{ reason: 'overdraft', message: 'Balance below zero', review: 'overdraft' }],
      },
      effects: {
        balanceDelta: 41,
        earned: 41,
        redeemed: 0,
        reversed: 0,
        spend: 41_40,
        visits: 1,
        couponUse: { couponId: 'coupon-1' },
      },
      rev: 1,
    },
    {
      id: CHECKOUT_ID,
      kind: 'adjustment',
      memberId: MEMBER_ID,
      storeId: 'store-1',
      terminalId: 'terminal-1',
      staffId: 'staff-manager',
      programVersion: 1,
      occurredAt: AT,
      offline: false,
      pointsEarned: 0,
      pointsRedeemed: 0,
      adjustmentPoints: -50,
      reason: 'Goodwill correction',
      rev: 0,
      updatedAt: AT,
    },
    {
      // A refund, applied: it gives back the points its checkout redeemed (redeemed < 0).
      id: '01890a5d-ac96-774b-bcce-b302099a8059',
      kind: 'refund',
      memberId: MEMBER_ID,
      storeId: 'store-1',
      terminalId: 'terminal-1',
      staffId: 'staff-manager',
      programVersion: 1,
      occurredAt: AT,
      offline: false,
      refundOf: CHECKOUT_ID,
      pointsEarned: 0,
      pointsRedeemed: 0,
      seq: 9,
      receivedAt: AT,
      outcome: { status: 'accepted' },
      effects: {
        balanceDelta: 339,
        earned: 0,
        redeemed: -501,
        reversed: 162,
        spend: -162_83,
        visits: -1,
      },
      rev: 1,
      updatedAt: AT,
    },
  ],
  coupons: [
    {
      ...sampleDocuments.coupons,
      id: 'coupon-2',
      code: 'FREECHAI',
      kind: 'free-item' as const,
      value: 0,
      maxDiscount: undefined,
      freeItem: { sku: 'CHAI', name: 'Masala chai', value: 3_50 },
      usage: { used: 12 },
    },
  ].map(withoutUndefined),
  rewards: [{ ...sampleDocuments.rewards, stock: 0, tierExclusive: ['gold'] }],
  reviews: [
    {
      ...sampleDocuments.reviews,
      status: 'resolved',
      resolution: { note: 'Spoke to customer', staffId: 'staff-manager', at: AT },
    },
  ],
};

export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}

/** A deep copy that tests may change. */
export function copyOf<T>(value: T): T {
  return structuredClone(value);
}
