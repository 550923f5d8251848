/** Valid ledger documents for tests and the benchmark: members, checkouts, coupons. */
import type { CouponDoc, MemberDoc, TransactionDoc, Writer } from '@tillpoint/protocol';
import {
  MEMBER_SCALAR_FIELDS,
  newCouponDoc,
  newMemberDoc,
  newTransactionDoc,
} from '@tillpoint/protocol';
import { uuidv7 } from '../ids.js';

export interface TerminalIdentity {
  readonly terminalId: string;
  readonly storeId: string;
}

function cashierAt(terminal: TerminalIdentity): Writer {
  return { terminalId: terminal.terminalId, storeId: terminal.storeId, staffId: 'staff-cashier' };
}

/** A new member as a terminal enrolls it (rev 0, scalar fields stamped with the terminal's clock). */
export function newMember(
  terminal: TerminalIdentity,
  input: { phone: string; name: string; createdAt?: string; id?: string; email?: string },
): MemberDoc {
  const createdAt = input.createdAt ?? new Date().toISOString();
  return newMemberDoc({
    id: input.id ?? uuidv7(Date.parse(createdAt)),
    phone: input.phone,
    name: input.name,
    email: input.email,
    referralCode: `R${input.phone.replace(/\D/g, '').slice(-10)}`,
    createdAt,
    by: cashierAt(terminal),
    clocked: MEMBER_SCALAR_FIELDS,
  });
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
  return newTransactionDoc({
    id: input.id ?? uuidv7(Date.parse(occurredAt)),
    kind: 'checkout',
    memberId,
    by: cashierAt(terminal),
    occurredAt,
    orderTotal,
    lines: [{ name: 'Meal', quantity: 1, amount: orderTotal }],
    ...(input.couponId ? { couponId: input.couponId, couponDiscount: 0 } : {}),
    pointsDiscount: pointsDiscount,
    amountPaid: paid,
    pointsEarned: input.pointsEarned ?? Math.floor(paid / 100),
    pointsRedeemed: input.pointsRedeemed ?? 0,
  });
}

/** A fixed-amount coupon usable by anyone, anywhere, any time. */
export function coupon(id: string, input: Partial<CouponDoc> = {}): CouponDoc {
  return newCouponDoc({
    id,
    code: id
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, '')
      .padEnd(3, 'X'),
    name: `Coupon ${id}`,
    updatedAt: new Date().toISOString(),
    ...input,
  });
}
