import { z } from 'zod';
import type { RxJsonSchema } from 'rxdb';
import { REVIEW_KINDS } from './transactions.js';
import { json, zod } from './common.js';

/**
 * What the server flagged for a manager. The server writes everything; a manager on a
 * terminal may only change `status` and `resolution`.
 */

export const REVIEW_STATUSES = ['open', 'resolved'] as const;

export const ReviewDocObject = z.strictObject({
  id: zod.recordId(),
  kind: z.enum(REVIEW_KINDS),
  memberId: zod.uuidV7().optional(),
  transactionId: zod.uuidV7().optional(),
  couponId: zod.recordId().optional(),
  storeId: zod.recordId().optional(),
  summary: zod.text(1, 500),
  /** Free-form facts for the manager (amounts, ids); shape depends on `kind`. */
  details: z.record(z.string(), z.unknown()),
  createdAt: zod.instant(),
  status: z.enum(REVIEW_STATUSES),
  resolution: z
    .strictObject({ note: zod.text(1, 1000), staffId: zod.recordId(), at: zod.instant() })
    .optional(),
  ...zod.revision(),
});

export function checkReviewRules(
  review: z.output<typeof ReviewDocObject>,
  ctx: z.RefinementCtx,
): void {
  if (review.status === 'resolved' && review.resolution === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['resolution'],
      message: 'a resolved review needs a resolution note',
    });
  }
}

export const ReviewDocSchema = ReviewDocObject.superRefine(checkReviewRules);
export type ReviewDoc = z.output<typeof ReviewDocSchema>;

export const reviewsRxSchema: RxJsonSchema<ReviewDoc> = {
  title: 'reviews',
  description: 'Conflicts the server flagged for a manager',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  additionalProperties: false,
  properties: {
    id: json.recordId(),
    kind: json.enumOf(REVIEW_KINDS),
    memberId: json.uuidV7(),
    transactionId: json.uuidV7(),
    couponId: json.recordId(),
    storeId: json.recordId(),
    summary: json.text(1, 500),
    details: { type: 'object' },
    createdAt: json.instant(),
    status: json.enumOf(REVIEW_STATUSES),
    resolution: json.object(
      { note: json.text(1, 1000), staffId: json.recordId(), at: json.instant() },
      ['note', 'staffId', 'at'],
    ),
    ...json.revision(),
  },
  required: ['id', 'kind', 'summary', 'details', 'createdAt', 'status', 'rev', 'updatedAt'],
  indexes: [['status', 'createdAt']],
};
