import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getAjv } from 'rxdb/plugins/validate-ajv';
import { formatHlc } from './hlc.js';
import {
  MEMBER_SCALAR_FIELDS,
  NO_CONSENTS,
  newCouponDoc,
  newMemberDoc,
  newRewardDoc,
  newTransactionDoc,
  randomMemberProfile,
} from './new-documents.js';
import type { NewMember, Writer } from './new-documents.js';
import { COLLECTIONS, DOCUMENT_SCHEMAS, E164_PATTERN } from './schemas/index.js';
import type { CollectionName } from './schemas/index.js';
import {
  CHECKOUT_ID,
  MEMBER_ID,
  OTHER_MEMBER_ID,
  TX_ID,
  moreValidDocuments,
} from './test-fixtures.js';

const AT = '2025-03-14T15:09:26.535Z';
const TILL: Writer = { terminalId: 'terminal-1', storeId: 'store-1', staffId: 'staff-1' };

const validators = new Map<CollectionName, (doc: unknown) => boolean>();

/** The issues of `doc` by the zod schema and by the RxDB JSON Schema (as ajv checks it). */
function problemsOf(name: CollectionName, doc: unknown): string[] {
  let byJsonSchema = validators.get(name);
  if (!byJsonSchema) {
    const validate = getAjv().compile(COLLECTIONS[name]);
    byJsonSchema = (value: unknown) => validate(value);
    validators.set(name, byJsonSchema);
  }
  const zodIssues = DOCUMENT_SCHEMAS[name].safeParse(doc).error?.issues ?? [];
  return [
    ...zodIssues.map((issue) => `zod: ${issue.path.join('.')} ${issue.message}`),
    ...(byJsonSchema(doc) ? [] : ['refused by the RxDB JSON Schema']),
  ];
}

const member = (fields: Partial<NewMember> = {}) =>
  newMemberDoc({
    id: MEMBER_ID,
    phone: '+12125550123',
    name: 'Zoë  Ångström',
    referralCode: 'ZOE8X9Y2',
    createdAt: AT,
    by: TILL,
    ...fields,
  });

describe('new documents', () => {
  const cases: readonly (readonly [label: string, CollectionName, unknown])[] = [
    ['a member with only what is required', 'members', member()],
    [
      'a member with every option',
      'members',
      member({
        email: 'zoe@example.com',
        birthday: '--05-15',
        preferences: {
          dietary: ['vegetarian'],
          allergies: ['peanuts'],
          spiceLevel: 'hot',
          favoriteItems: [{ name: 'Paneer tikka', count: 2 }],
        },
        consents: { email: true, birthdayOffers: true },
        referredBy: OTHER_MEMBER_ID,
        notes: [{ id: 'note-1', text: 'Window table', staffId: 'staff-1', at: AT }],
        clock: '001741964966535-00007-terminal-1',
        clocked: ['phone', 'phoneSuffix', 'name', 'searchName', 'notes'],
      }),
    ],
    ['a seeded member', 'members', member(randomMemberProfile(() => 0.01))],
    [
      'a checkout',
      'transactions',
      newTransactionDoc({
        id: TX_ID,
        kind: 'checkout',
        memberId: MEMBER_ID,
        by: TILL,
        occurredAt: AT,
        orderTotal: 25_00,
        lines: [{ name: 'Meal', quantity: 1, amount: 25_00 }],
        couponId: 'coupon-1',
        couponDiscount: 0,
        pointsDiscount: 0,
        amountPaid: 25_00,
        pointsEarned: 25,
        pointsRedeemed: 0,
      }),
    ],
    [
      'an enrollment bonus written offline',
      'transactions',
      newTransactionDoc({
        id: TX_ID,
        kind: 'enrollment-bonus',
        memberId: MEMBER_ID,
        by: TILL,
        programVersion: 3,
        occurredAt: AT,
        offline: true,
        pointsEarned: 100,
        pointsRedeemed: 0,
        bonuses: [{ kind: 'enrollment', points: 100 }],
      }),
    ],
    [
      'a coupon with the defaults',
      'coupons',
      newCouponDoc({ id: 'c-1', code: 'FIVE', updatedAt: AT }),
    ],
    [
      'a percent coupon',
      'coupons',
      newCouponDoc({
        id: 'c-2',
        code: 'TEN',
        updatedAt: AT,
        kind: 'percent',
        value: 10,
        maxDiscount: 20_00,
      }),
    ],
    [
      'a reward with the defaults',
      'rewards',
      newRewardDoc({ id: 'r-1', name: 'Dessert', pointsCost: 500, updatedAt: AT }),
    ],
  ];

  for (const [label, name, doc] of cases) {
    it(`${label} is valid by the zod schema and the RxDB JSON Schema`, () => {
      expect(problemsOf(name, doc)).toEqual([]);
    });
  }

  it('is valid for any phone number and name', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(E164_PATTERN),
        fc
          .string({ unit: 'grapheme', minLength: 1, maxLength: 30 })
          .filter((name) => name.trim() !== ''),
        (phone, name) => {
          expect(problemsOf('members', member({ phone, name }))).toEqual([]);
        },
      ),
    );
  });
});

describe('newMemberDoc', () => {
  it('derives the search fields, an active status and the home store from the writer', () => {
    expect(member()).toMatchObject({
      phoneSuffix: '0123',
      searchName: 'zoe angstrom',
      status: 'active',
      homeStoreId: 'store-1',
      createdBy: { terminalId: 'terminal-1', staffId: 'staff-1' },
      consents: NO_CONSENTS,
      rev: 0,
      updatedAt: AT,
    });
  });

  it("stamps every field it holds with the writing terminal's clock at creation by default", () => {
    const clock = formatHlc({ ms: Date.parse(AT), counter: 0, node: 'terminal-1' });
    const doc = member({ email: 'zoe@example.com' });
    const lists = ['occasions', 'preferences', 'consents', 'tags', 'notes'];
    expect(doc.fieldClocks).toEqual(
      Object.fromEntries(
        [...MEMBER_SCALAR_FIELDS, 'email', ...lists].map((field) => [field, clock]),
      ),
    );
  });

  it('stamps only the fields it is told to, with the clock it is given', () => {
    const clock = '001741964966535-00004-terminal-2';
    expect(member({ clock, clocked: MEMBER_SCALAR_FIELDS }).fieldClocks).toEqual(
      Object.fromEntries(MEMBER_SCALAR_FIELDS.map((field) => [field, clock])),
    );
  });

  it('leaves out an empty email, birthday and inviter', () => {
    const doc = member({ email: '', birthday: undefined, referredBy: '' });
    expect(Object.keys(doc)).not.toContain('email');
    expect(Object.keys(doc)).not.toContain('birthday');
    expect(Object.keys(doc)).not.toContain('referredBy');
  });

  it('sets the consents given over none', () => {
    expect(member({ consents: { sms: true } }).consents).toEqual({ ...NO_CONSENTS, sms: true });
  });
});

describe('randomMemberProfile', () => {
  it('gives the same profile for the same draws, and takes five of them', () => {
    const draws = [0.1, 0.05, 0.7, 0.2, 0.9];
    let taken = 0;
    const profile = randomMemberProfile(() => draws[taken++] ?? Number.NaN);
    expect(taken).toBe(5);
    expect(profile).toEqual({
      preferences: { dietary: ['vegetarian'], allergies: ['peanuts'], favoriteItems: [] },
      consents: { ...NO_CONSENTS, sms: true, birthdayOffers: true },
    });
  });
});

describe('newTransactionDoc', () => {
  it('is written by the writer, at program version 1, online, revision 0 by default', () => {
    const adjustment = newTransactionDoc({
      id: CHECKOUT_ID,
      kind: 'adjustment',
      memberId: MEMBER_ID,
      by: { ...TILL, staffId: 'staff-manager' },
      occurredAt: AT,
      pointsEarned: 0,
      pointsRedeemed: 0,
      adjustmentPoints: -50,
      reason: 'Goodwill correction',
    });
    // The hand-written adjustment of the fixtures, which the schema tests accept.
    expect(adjustment).toEqual(moreValidDocuments.transactions?.[1]);
  });

  it('takes the program version and whether the terminal was offline', () => {
    const doc = newTransactionDoc({
      id: TX_ID,
      kind: 'enrollment-bonus',
      memberId: MEMBER_ID,
      by: TILL,
      programVersion: 4,
      occurredAt: AT,
      offline: true,
      pointsEarned: 100,
      pointsRedeemed: 0,
    });
    expect(doc).toMatchObject({ programVersion: 4, offline: true, rev: 0, updatedAt: AT });
  });
});

describe('newCouponDoc and newRewardDoc', () => {
  it('name a coupon by its code and take what is given over the defaults', () => {
    expect(newCouponDoc({ id: 'c-1', code: 'FIVE', updatedAt: AT })).toMatchObject({
      name: 'FIVE',
      kind: 'fixed',
      value: 5_00,
      usage: { used: 0 },
    });
    expect(
      newCouponDoc({ id: 'c-1', code: 'FIVE', updatedAt: AT, name: 'Five off', active: false }),
    ).toMatchObject({ name: 'Five off', active: false });
  });

  it('make a reward an unlimited product for every tier unless told otherwise', () => {
    expect(newRewardDoc({ id: 'r-1', name: 'Dessert', pointsCost: 500, updatedAt: AT })).toEqual({
      id: 'r-1',
      name: 'Dessert',
      description: '',
      kind: 'product',
      pointsCost: 500,
      stock: null,
      tierExclusive: [],
      active: true,
      usage: { redeemed: 0 },
      rev: 0,
      updatedAt: AT,
    });
    expect(
      newRewardDoc({ id: 'r-2', name: 'Tasting', pointsCost: 5_000, updatedAt: AT, stock: 3 }),
    ).toMatchObject({ stock: 3 });
  });
});
