import { z } from 'zod';
import type { RxJsonSchema } from 'rxdb';
import { COUPON_CODE_PATTERN, COUPON_KINDS, CouponDefinitionSchema } from '@tillpoint/loyalty';
import type { CouponDefinition } from '@tillpoint/loyalty';
import { forwardIssues, json, zod } from './common.js';

/**
 * Coupons a manager defines: `CouponDefinitionSchema` of @tillpoint/loyalty in stored form
 * (code normalized, every default filled in, instants in UTC) plus `usage`, which the server
 * derives and keeps apart from the fields a manager edits, so the two never conflict.
 */

const label = () => zod.text(1, 64);

export const CouponDocObject = z.strictObject({
  id: zod.recordId(),
  code: z.string().regex(COUPON_CODE_PATTERN, 'must be 3 to 32 upper-case letters and digits'),
  name: zod.text(1, 120),
  kind: z.enum(COUPON_KINDS),
  value: zod.int(0),
  maxDiscount: zod.int(1).optional(),
  freeItem: z.strictObject({ sku: label(), name: zod.text(1, 120), value: zod.int(1) }).optional(),
  minimumOrder: zod.int(0),
  startsAt: zod.instant().optional(),
  expiresAt: zod.instant().optional(),
  weekdays: z.array(zod.int(0, 6)).max(7),
  hours: zod.hours().optional(),
  usageLimit: zod.int(1).optional(),
  perMemberLimit: zod.int(1).optional(),
  eligibility: z.strictObject({
    tiers: z.array(zod.tierId()).max(12),
    segments: z.array(label()).max(50),
    newMembersOnly: z.boolean(),
    stores: z.array(label()).max(500),
    regions: z.array(label()).max(100),
  }),
  active: z.boolean(),
  stackable: z.boolean(),
  usage: z.strictObject({ used: zod.int(0) }),
  ...zod.revision(),
});

type CouponFields = z.output<typeof CouponDocObject>;

/**
 * The coupon rules of @tillpoint/loyalty (kind and value, free item, dates, limits), applied to
 * the definition part of the document; their issues are reported as the document's.
 */
export function checkCouponRules(coupon: CouponFields, ctx: z.RefinementCtx): void {
  forwardIssues(CouponDefinitionSchema.safeParse(coupon), ctx);
}

export const CouponDocSchema = CouponDocObject.superRefine(checkCouponRules);
export type CouponDoc = z.output<typeof CouponDocSchema>;

// A coupon document is a `CouponDefinition` with every field of it (fails to compile on drift).
true satisfies CouponDoc extends CouponDefinition ? true : false;
true satisfies [Exclude<keyof CouponDefinition, keyof CouponDoc>] extends [never] ? true : false;

const jLabel = () => json.text(1, 64);

export const couponsRxSchema: RxJsonSchema<CouponDoc> = {
  title: 'coupons',
  description: 'Coupon definitions; usage is server-derived',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  additionalProperties: false,
  properties: {
    id: json.recordId(),
    code: json.text(3, 32, COUPON_CODE_PATTERN),
    name: json.text(1, 120),
    kind: json.enumOf(COUPON_KINDS),
    value: json.int(0),
    maxDiscount: json.int(1),
    freeItem: json.object({ sku: jLabel(), name: json.text(1, 120), value: json.int(1) }, [
      'sku',
      'name',
      'value',
    ]),
    minimumOrder: json.int(0),
    startsAt: json.instant(),
    expiresAt: json.instant(),
    weekdays: json.array(json.int(0, 6), 7),
    hours: json.hours(),
    usageLimit: json.int(1),
    perMemberLimit: json.int(1),
    eligibility: json.object(
      {
        tiers: json.array(json.tierId(), 12),
        segments: json.array(jLabel(), 50),
        newMembersOnly: json.boolean(),
        stores: json.array(jLabel(), 500),
        regions: json.array(jLabel(), 100),
      },
      ['tiers', 'segments', 'newMembersOnly', 'stores', 'regions'],
    ),
    active: json.boolean(),
    stackable: json.boolean(),
    usage: json.object({ used: json.int(0) }, ['used']),
    ...json.revision(),
  },
  required: [
    'id',
    'code',
    'name',
    'kind',
    'value',
    'minimumOrder',
    'weekdays',
    'eligibility',
    'active',
    'stackable',
    'usage',
    'rev',
    'updatedAt',
  ],
  indexes: ['code'],
};
