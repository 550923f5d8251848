/**
 * Reviews the server opens for a manager. Ids are derived from what they are about (the
 * transaction, the merged member), so replaying the cause never opens a second review.
 */
import type { ReviewDoc } from '@tillpoint/protocol';
import type { DbTransaction } from '../db/database.js';
import type { CollectionRegistry } from '../sync/collection-handlers.js';
import { writeDocumentIfRev } from '../sync/document-store.js';

export type ReviewKind = ReviewDoc['kind'];

export interface ReviewInput {
  readonly id: string;
  readonly kind: ReviewKind;
  readonly summary: string;
  readonly memberId?: string;
  readonly transactionId?: string;
  readonly couponId?: string;
  readonly storeId?: string;
  readonly details: Record<string, unknown>;
}

/** Opens the review unless one with the same id exists; true when it was opened now. */
export async function openReview(
  tx: DbTransaction,
  registry: CollectionRegistry,
  input: ReviewInput,
  now: Date,
): Promise<boolean> {
  const review: Omit<ReviewDoc, 'rev' | 'updatedAt'> = {
    id: input.id,
    kind: input.kind,
    summary: input.summary.slice(0, 500),
    details: input.details,
    createdAt: now.toISOString(),
    status: 'open',
    ...(input.memberId !== undefined ? { memberId: input.memberId } : {}),
    ...(input.transactionId !== undefined ? { transactionId: input.transactionId } : {}),
    ...(input.couponId !== undefined ? { couponId: input.couponId } : {}),
    ...(input.storeId !== undefined ? { storeId: input.storeId } : {}),
  };
  const result = await writeDocumentIfRev(tx, registry.require('reviews'), review, null);
  return result.ok;
}
