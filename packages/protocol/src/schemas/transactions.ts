import { z } from 'zod';
import type { RxJsonSchema } from 'rxdb';
import { TRANSACTION_KINDS } from '@tillpoint/loyalty';
import type {
  AppliedFields,
  BonusKind,
  LedgerTransaction,
  ReviewKind,
  TransactionEffects,
  TransactionOutcome,
} from '@tillpoint/loyalty';
import { MAX_SAFE, json, zod } from './common.js';

/**
 * The ledger: one immutable record per event, written by terminals (insert-only). The server
 * adds `seq`, `receivedAt`, `outcome` and `effects` when it applies one; a terminal never
 * writes those.
 */

export const BONUS_KINDS = [
  'enrollment',
  'first-purchase',
  'birthday',
  'referral-invitee',
  'referral-inviter',
] as const;
export const OUTCOME_STATUSES = ['accepted', 'accepted-with-review', 'refused'] as const;
export const REVIEW_KINDS = [
  'overdraft',
  'coupon-over-limit',
  'coupon-over-member-limit',
  'merged-duplicate',
  'rejected-transaction',
  'duplicate-bonus',
] as const;

/** Order lines per transaction; a till receipt is far shorter. */
export const MAX_ORDER_LINES = 500;
export const MAX_LINE_QUANTITY = 1_000_000;

const points = () => zod.int(0);
const minor = () => zod.int(0);
const signed = () => zod.int(-MAX_SAFE);
const label = () => zod.text(1, 64);

/**
 * A bonus on a transaction: its kind and points, and for a birthday bonus the year of the
 * birthday it celebrates (near New Year not the year of the purchase; the server gives one per
 * year). `year` came in version 1 of the schema.
 */
const BonusEntrySchema = z.strictObject({
  kind: z.enum(BONUS_KINDS),
  points: points(),
  year: zod.int(1900, 9999).optional(),
});

export const TransactionDocObject = z.strictObject({
  id: zod.uuidV7(),
  kind: z.enum(TRANSACTION_KINDS),
  memberId: zod.uuidV7(),
  storeId: zod.recordId(),
  terminalId: zod.recordId(),
  staffId: zod.recordId(),
  programVersion: zod.int(1),
  occurredAt: zod.instant(),
  offline: z.boolean(),
  orderTotal: minor().optional(),
  lines: z
    .array(
      z.strictObject({
        sku: label().optional(),
        name: zod.text(1, 120).optional(),
        category: label().optional(),
        quantity: z.number().positive().max(MAX_LINE_QUANTITY),
        amount: minor(),
      }),
    )
    .max(MAX_ORDER_LINES)
    .optional(),
  couponId: zod.recordId().optional(),
  couponCode: label().optional(),
  couponDiscount: minor().optional(),
  pointsDiscount: minor().optional(),
  amountPaid: minor().optional(),
  pointsEarned: points(),
  pointsRedeemed: points(),
  bonuses: z.array(BonusEntrySchema).max(10).optional(),
  adjustmentPoints: signed().optional(),
  reason: zod.text(1, 500).optional(),
  rewardId: zod.recordId().optional(),
  refundOf: zod.uuidV7().optional(),
  inviteeMemberId: zod.uuidV7().optional(),
  referralCode: label().optional(),
  // Server-owned.
  seq: zod.int(1).optional(),
  receivedAt: zod.instant().optional(),
  outcome: z
    .strictObject({
      status: z.enum(OUTCOME_STATUSES),
      reason: label().optional(),
      message: zod.text(0, 2000).optional(),
      review: z.enum(REVIEW_KINDS).optional(),
      flags: z
        .array(
          z.strictObject({
            reason: label(),
            message: zod.text(0, 2000),
            review: z.enum(REVIEW_KINDS),
          }),
        )
        .max(20)
        .optional(),
    })
    .optional(),
  effects: z
    .strictObject({
      balanceDelta: signed(),
      earned: points(),
      // Negative for a refund, which gives the redeemed points back.
      redeemed: signed(),
      reversed: points(),
      spend: signed(),
      visits: signed(),
      couponUse: z.strictObject({ couponId: zod.recordId() }).optional(),
      bonuses: z.array(BonusEntrySchema).max(10).optional(),
    })
    .optional(),
  ...zod.revision(),
});

type TransactionFields = z.output<typeof TransactionDocObject>;

/** What each kind needs to be applied at all; amounts and limits are the ledger's business. */
const REQUIRED_BY_KIND: Readonly<
  Record<(typeof TRANSACTION_KINDS)[number], readonly (keyof TransactionFields)[]>
> = {
  checkout: ['orderTotal'],
  refund: ['refundOf'],
  adjustment: ['adjustmentPoints', 'reason'],
  'reward-redemption': ['rewardId'],
  'referral-claim': ['inviteeMemberId'],
  'enrollment-bonus': [],
};

export const APPLIED_FIELDS = ['seq', 'receivedAt', 'outcome', 'effects'] as const;

export function checkTransactionRules(tx: TransactionFields, ctx: z.RefinementCtx): void {
  for (const field of REQUIRED_BY_KIND[tx.kind]) {
    if (tx[field] === undefined) {
      ctx.addIssue({ code: 'custom', path: [field], message: `a ${tx.kind} needs ${field}` });
    }
  }
  const applied = APPLIED_FIELDS.filter((field) => tx[field] !== undefined);
  if (applied.length !== 0 && applied.length !== APPLIED_FIELDS.length) {
    ctx.addIssue({
      code: 'custom',
      path: [APPLIED_FIELDS.find((field) => tx[field] === undefined) ?? 'seq'],
      message: 'seq, receivedAt, outcome and effects are set together when the server applies it',
    });
  }
}

export const TransactionDocSchema = TransactionDocObject.superRefine(checkTransactionRules);
export type TransactionDoc = z.output<typeof TransactionDocSchema>;

// A transaction document is a `LedgerTransaction` with the server's applied fields optional,
// and has every field the rules package declares (these fail to compile when the two drift).
true satisfies TransactionDoc extends LedgerTransaction & Partial<AppliedFields> ? true : false;
true satisfies [
  Exclude<keyof LedgerTransaction | keyof AppliedFields, keyof TransactionDoc>,
] extends [never]
  ? true
  : false;
true satisfies [
  Exclude<keyof TransactionOutcome, keyof NonNullable<TransactionDoc['outcome']>>,
] extends [never]
  ? true
  : false;
true satisfies [
  Exclude<keyof TransactionEffects, keyof NonNullable<TransactionDoc['effects']>>,
] extends [never]
  ? true
  : false;
true satisfies [ReviewKind] extends [(typeof REVIEW_KINDS)[number]] ? true : false;
true satisfies [BonusKind] extends [(typeof BONUS_KINDS)[number]] ? true : false;

const jPoints = () => json.int(0);
const jMinor = () => json.int(0);
const jSigned = () => json.int(-MAX_SAFE);
const jBonusEntry = () =>
  json.object({ kind: json.enumOf(BONUS_KINDS), points: jPoints(), year: json.int(1900, 9999) }, [
    'kind',
    'points',
  ]);
const jLabel = () => json.text(1, 64);

export const transactionsRxSchema: RxJsonSchema<TransactionDoc> = {
  title: 'transactions',
  description: 'The insert-only ledger',
  // 1: a birthday bonus may carry its year. 2: `effects.redeemed` may be negative (a refund
  // gives the redeemed points back). The documents are unchanged (COLLECTION_MIGRATIONS).
  version: 2,
  primaryKey: 'id',
  type: 'object',
  additionalProperties: false,
  properties: {
    id: json.uuidV7(),
    kind: json.enumOf(TRANSACTION_KINDS),
    memberId: json.uuidV7(),
    storeId: json.recordId(),
    terminalId: json.recordId(),
    staffId: json.recordId(),
    programVersion: json.int(1),
    occurredAt: json.instant(),
    offline: json.boolean(),
    orderTotal: jMinor(),
    lines: json.array(
      json.object(
        {
          sku: jLabel(),
          name: json.text(1, 120),
          category: jLabel(),
          quantity: { type: 'number', exclusiveMinimum: 0, maximum: MAX_LINE_QUANTITY },
          amount: jMinor(),
        },
        ['quantity', 'amount'],
      ),
      MAX_ORDER_LINES,
    ),
    couponId: json.recordId(),
    couponCode: jLabel(),
    couponDiscount: jMinor(),
    pointsDiscount: jMinor(),
    amountPaid: jMinor(),
    pointsEarned: jPoints(),
    pointsRedeemed: jPoints(),
    bonuses: json.array(jBonusEntry(), 10),
    adjustmentPoints: jSigned(),
    reason: json.text(1, 500),
    rewardId: json.recordId(),
    refundOf: json.uuidV7(),
    inviteeMemberId: json.uuidV7(),
    referralCode: jLabel(),
    seq: json.int(1),
    receivedAt: json.instant(),
    outcome: json.object(
      {
        status: json.enumOf(OUTCOME_STATUSES),
        reason: jLabel(),
        message: json.text(0, 2000),
        review: json.enumOf(REVIEW_KINDS),
        flags: json.array(
          json.object(
            { reason: jLabel(), message: json.text(0, 2000), review: json.enumOf(REVIEW_KINDS) },
            ['reason', 'message', 'review'],
          ),
          20,
        ),
      },
      ['status'],
    ),
    effects: json.object(
      {
        balanceDelta: jSigned(),
        earned: jPoints(),
        redeemed: jSigned(),
        reversed: jPoints(),
        spend: jSigned(),
        visits: jSigned(),
        couponUse: json.object({ couponId: json.recordId() }, ['couponId']),
        bonuses: json.array(jBonusEntry(), 10),
      },
      ['balanceDelta', 'earned', 'redeemed', 'reversed', 'spend', 'visits'],
    ),
    ...json.revision(),
  },
  required: [
    'id',
    'kind',
    'memberId',
    'storeId',
    'terminalId',
    'staffId',
    'programVersion',
    'occurredAt',
    'offline',
    'pointsEarned',
    'pointsRedeemed',
    'rev',
    'updatedAt',
  ],
  indexes: ['memberId', ['memberId', 'occurredAt']],
};
