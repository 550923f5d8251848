import { z } from 'zod';
import type { RxJsonSchema } from 'rxdb';
import type { Account, QualificationPeriod, TierProgress } from '@tillpoint/loyalty';
import { MAX_SAFE, json, zod } from './common.js';

/**
 * Derived per member by the server (id = memberId); terminals only read it. Counters are
 * signed: they are the fold of the ledger, and a pulled account must never be refused by a
 * terminal's schema because a refund or an overdraft took one below zero.
 */

const signed = () => zod.int(-MAX_SAFE);
const jsonSigned = () => json.int(-MAX_SAFE);

export const AccountDocObject = z.strictObject({
  id: zod.uuidV7(),
  memberId: zod.uuidV7(),
  balance: signed(),
  lifetime: signed(),
  redeemed: signed(),
  expired: signed(),
  tierId: zod.tierId(),
  tierProgress: z.strictObject({
    nextTierId: zod.tierId().optional(),
    pointsNeeded: zod.int(0).optional(),
    spendNeeded: zod.int(0).optional(),
    ordersNeeded: zod.int(0).optional(),
  }),
  visits: signed(),
  spend: signed(),
  averageOrder: signed(),
  firstVisit: zod.instant().optional(),
  lastVisit: zod.instant().optional(),
  autoTags: z.array(zod.text(1, 60)).max(20),
  segments: z.array(zod.text(1, 64)).max(100),
  appliedSeq: zod.int(0),
  lots: z.array(z.strictObject({ earnedAt: zod.instant(), remaining: signed() })).max(10_000),
  couponUses: z.record(z.string(), zod.int(0)),
  birthdayBonusYears: z.array(zod.int(1900, 9999)).max(200),
  firstPurchaseAt: zod.instant().optional(),
  enrollmentBonusAt: zod.instant().optional(),
  /** The ledger clock: expiry and re-qualification are processed up to this instant. */
  clock: zod.instant().optional(),
  qualification: z
    .strictObject({ start: zod.instant(), lifetime: signed(), spend: signed(), orders: signed() })
    .optional(),
  ...zod.revision(),
});

export function checkAccountRules(
  account: z.output<typeof AccountDocObject>,
  ctx: z.RefinementCtx,
): void {
  if (account.memberId !== account.id) {
    ctx.addIssue({ code: 'custom', path: ['memberId'], message: 'must equal the account id' });
  }
}

export const AccountDocSchema = AccountDocObject.superRefine(checkAccountRules);
export type AccountDoc = z.output<typeof AccountDocSchema>;

// An account document is an `Account` of the rules package plus id and revision, with every
// field the rules package declares (these fail to compile when the two drift).
true satisfies AccountDoc extends Account ? true : false;
true satisfies [Exclude<keyof Account, keyof AccountDoc>] extends [never] ? true : false;
true satisfies [Exclude<keyof TierProgress, keyof AccountDoc['tierProgress']>] extends [never]
  ? true
  : false;
true satisfies [
  Exclude<keyof QualificationPeriod, keyof NonNullable<AccountDoc['qualification']>>,
] extends [never]
  ? true
  : false;

export const accountsRxSchema: RxJsonSchema<AccountDoc> = {
  title: 'accounts',
  description: 'Derived member accounts; written by the server only',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  additionalProperties: false,
  properties: {
    id: json.uuidV7(),
    memberId: json.uuidV7(),
    balance: jsonSigned(),
    lifetime: jsonSigned(),
    redeemed: jsonSigned(),
    expired: jsonSigned(),
    tierId: json.tierId(),
    tierProgress: json.object(
      {
        nextTierId: json.tierId(),
        pointsNeeded: json.int(0),
        spendNeeded: json.int(0),
        ordersNeeded: json.int(0),
      },
      [],
    ),
    visits: jsonSigned(),
    spend: jsonSigned(),
    averageOrder: jsonSigned(),
    firstVisit: json.instant(),
    lastVisit: json.instant(),
    autoTags: json.array(json.text(1, 60), 20),
    segments: json.array(json.text(1, 64), 100),
    appliedSeq: json.int(0),
    lots: json.array(
      json.object({ earnedAt: json.instant(), remaining: jsonSigned() }, ['earnedAt', 'remaining']),
      10_000,
    ),
    couponUses: { type: 'object', additionalProperties: json.int(0) },
    birthdayBonusYears: json.array(json.int(1900, 9999), 200),
    firstPurchaseAt: json.instant(),
    enrollmentBonusAt: json.instant(),
    clock: json.instant(),
    qualification: json.object(
      { start: json.instant(), lifetime: jsonSigned(), spend: jsonSigned(), orders: jsonSigned() },
      ['start', 'lifetime', 'spend', 'orders'],
    ),
    ...json.revision(),
  },
  required: [
    'id',
    'memberId',
    'balance',
    'lifetime',
    'redeemed',
    'expired',
    'tierId',
    'tierProgress',
    'visits',
    'spend',
    'averageOrder',
    'autoTags',
    'segments',
    'appliedSeq',
    'lots',
    'couponUses',
    'birthdayBonusYears',
    'rev',
    'updatedAt',
  ],
};
