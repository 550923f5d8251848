/** Valid ledger documents for tests and the benchmark: members, checkouts, coupons. */
import type { CouponDoc, MemberDoc, TransactionDoc } from '@tillpoint/protocol';
import { formatHlc, toPhoneSuffix, toSearchName } from '@tillpoint/protocol';
import { uuidv7 } from '../ids.js';

export interface TerminalIdentity {
  readonly terminalId: string;
  readonly storeId: string;
}

/** A new member as a terminal enrolls it (rev 0, every field stamped with the terminal's clock). */
export function newMember(
  terminal: TerminalIdentity,
  input: { phone: string; name: string; createdAt?: string; id?: string; email?: string },
): MemberDoc {
  const createdAt = input.createdAt ?? new Date().toISOString();
  const clock = formatHlc({ ms: Date.parse(createdAt), counter: 0, node: terminal.terminalId });
  const clocked = [
    'phone',
    'phoneSuffix',
    'name',
    'searchName',
    'status',
    'referralCode',
    'homeStoreId',
  ];
  return {
    id: input.id ?? uuidv7(Date.parse(createdAt)),
    phone: input.phone,
    phoneSuffix: toPhoneSuffix(input.phone),
    name: input.name,
    searchName: toSearchName(input.name),
    ...(input.email ? { email: input.email } : {}),
    occasions: [],
    preferences: { dietary: [], allergies: [], favoriteItems: [] },
    consents: {
      email: false,
      sms: false,
      push: false,
      specialOffers: false,
      birthdayOffers: false,
      anniversaryOffers: false,
    },
    tags: [],
    status: 'active',
    referralCode: `R${input.phone.replace(/\D/g, '').slice(-10)}`,
    notes: [],
    homeStoreId: terminal.storeId,
    createdAt,
    createdBy: { terminalId: terminal.terminalId, staffId: 'staff-cashier' },
    fieldClocks: Object.fromEntries(clocked.map((field) => [field, clock])),
    rev: 0,
    updatedAt: createdAt,
  };
}

/** A checkout written at the till: `paid` minor units earn one point per unit of currency. */
export function checkout(
  terminal: TerminalIdentity,
  memberId: string,
  input: {
    paid?: number;
    pointsRedeemed?: number;
    pointsEarned?: number;
    couponId?: string;
    occurredAt?: string;
    id?: string;
  } = {},
): TransactionDoc {
  const occurredAt = input.occurredAt ?? new Date().toISOString();
  const paid = input.paid ?? 25_00;
  const pointsDiscount = Math.floor((input.pointsRedeemed ?? 0) / 100) * 100;
  const orderTotal = paid + pointsDiscount;
  return {
    id: input.id ?? uuidv7(Date.parse(occurredAt)),
    kind: 'checkout',
    memberId,
    storeId: terminal.storeId,
    terminalId: terminal.terminalId,
    staffId: 'staff-cashier',
    programVersion: 1,
    occurredAt,
    offline: false,
    orderTotal,
    lines: [{ name: 'Meal', quantity: 1, amount: orderTotal }],
    ...(input.couponId ? { couponId: input.couponId, couponDiscount: 0 } : {}),
    pointsDiscount: pointsDiscount,
    amountPaid: paid,
    pointsEarned: input.pointsEarned ?? Math.floor(paid / 100),
    pointsRedeemed: input.pointsRedeemed ?? 0,
    rev: 0,
    updatedAt: occurredAt,
  };
}

/** A fixed-amount coupon usable by anyone, anywhere, any time. */
export function coupon(id: string, input: Partial<CouponDoc> = {}): CouponDoc {
  return {
    id,
    code: id
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, '')
      .padEnd(3, 'X'),
    name: `Coupon ${id}`,
    kind: 'fixed',
    value: 5_00,
    minimumOrder: 0,
    weekdays: [],
    eligibility: { tiers: [], segments: [], newMembersOnly: false, stores: [], regions: [] },
    active: true,
    stackable: false,
    usage: { used: 0 },
    rev: 0,
    updatedAt: new Date().toISOString(),
    ...input,
  };
}
