/**
 * A member's privacy requests, for operators (`export-member` and `erase-member` in the CLI).
 *
 * - Export: everything the chain holds about the member, as JSON: the profile, the account,
 *   the ledger, the reviews about them, and the duplicates merged into them.
 * - Erasure: the person is removed and the ledger kept. The member document keeps its id (so
 *   transactions, the account and referrals still add up) and loses everything that describes
 *   the person: phone, name, email, birthday, anniversary, occasions, preferences (allergies and
 *   diet included), consents, tags and notes (the `erased` rules of the members schema). Each
 *   field is stamped with a server clock later than any on the document, and the members push
 *   handler keeps an erased member as it is, so no till's older or offline edit brings a field
 *   back. Tills receive the erased document like any change and stop finding the member.
 */
import { ERASED_MEMBER_FIELDS, MemberDocSchema, stampFields } from '@tillpoint/protocol';
import type { MemberDoc } from '@tillpoint/protocol';
import type { Database, Queryable } from '../db/database.js';
import { ServiceError } from '../errors.js';
import { ledgerOf, lockMembers } from '../ledger/ledger-repository.js';
import type { CollectionRegistry } from '../sync/collection-handlers.js';
import { readDocument, readDocuments, writeDocument } from '../sync/document-store.js';
import type { SyncDocument } from '../sync/sync-types.js';
import { serverClock } from './members-service.js';

/** How an operator names a member: the id, or the phone number in E.164 (+14155550101). */
export interface MemberReference {
  readonly id?: string | undefined;
  readonly phone?: string | undefined;
}

const E164 = /^\+[1-9]\d{6,14}$/;

/** The member an operator means; a live member is preferred when a phone was reused. */
export async function findMember(
  db: Queryable,
  registry: CollectionRegistry,
  reference: MemberReference,
): Promise<SyncDocument> {
  if ((reference.id === undefined) === (reference.phone === undefined)) {
    throw new ServiceError('invalid-body', 'name the member by --member <id> or by --phone');
  }
  if (reference.id !== undefined) {
    const found = await readDocument(db, registry.require('members'), reference.id);
    if (!found) throw new ServiceError('not-found', `no member ${reference.id}`);
    return found;
  }
  const phone = reference.phone as string;
  if (!E164.test(phone)) {
    throw new ServiceError(
      'invalid-body',
      `${phone} is not a phone number in international form, like +14155550101`,
    );
  }
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM sync_documents
      WHERE collection = 'members' AND NOT deleted AND body ->> 'phone' = $1
      ORDER BY (body ->> 'status') IN ('merged', 'erased'), id
      LIMIT 1`,
    [phone],
  );
  const id = rows[0]?.id;
  const found =
    id === undefined ? undefined : await readDocument(db, registry.require('members'), id);
  if (!found) throw new ServiceError('not-found', `no member with the phone ${phone}`);
  return found;
}

export interface MemberExport {
  readonly exportedAt: string;
  readonly member: SyncDocument;
  readonly account: SyncDocument | null;
  readonly transactions: readonly unknown[];
  readonly reviews: readonly SyncDocument[];
  /** Duplicates merged into this member (their transactions are in `transactions` too). */
  readonly mergedDuplicates: readonly SyncDocument[];
}

export async function exportMember(
  db: Queryable,
  registry: CollectionRegistry,
  memberId: string,
  now = new Date(),
): Promise<MemberExport> {
  const member = await readDocument(db, registry.require('members'), memberId);
  if (!member) throw new ServiceError('not-found', `no member ${memberId}`);
  const merged = await db.query<{ id: string }>(
    `SELECT id FROM sync_documents
      WHERE collection = 'members' AND body ->> 'mergedInto' = $1 ORDER BY id`,
    [memberId],
  );
  const mergedIds = merged.rows.map((row) => row.id);
  const duplicates = await readDocuments(db, registry.require('members'), mergedIds);
  const account = await readDocument(db, registry.require('accounts'), memberId);
  const transactions = await ledgerOf(db, [memberId, ...mergedIds]);
  const reviews = await db.query<{ id: string }>(
    `SELECT id FROM sync_documents
      WHERE collection = 'reviews' AND body ->> 'memberId' = ANY($1::text[]) ORDER BY id`,
    [[memberId, ...mergedIds]],
  );
  const reviewDocs = await readDocuments(
    db,
    registry.require('reviews'),
    reviews.rows.map((row) => row.id),
  );
  return {
    exportedAt: now.toISOString(),
    member,
    account: account ?? null,
    transactions,
    reviews: [...reviewDocs.values()],
    mergedDuplicates: mergedIds.flatMap((id) => duplicates.get(id) ?? []),
  };
}

/** The erased fields, and a merged member's survivor link, which an erased one has no more. */
const ERASED: Partial<Omit<MemberDoc, 'fieldClocks'>> = {
  ...ERASED_MEMBER_FIELDS,
  mergedInto: undefined,
};

/** Erases the member (see the header); `erasedNow` is false when it already was. */
export async function eraseMember(
  db: Database,
  registry: CollectionRegistry,
  memberId: string,
  now = new Date(),
): Promise<{ readonly member: SyncDocument; readonly erasedNow: boolean }> {
  const members = registry.require('members');
  return db.transaction(async (tx) => {
    await lockMembers(tx, [memberId]);
    const master = await readDocument(tx, members, memberId, { forUpdate: true });
    if (!master) throw new ServiceError('not-found', `no member ${memberId}`);
    if (master['status'] === 'erased') return { member: master, erasedNow: false };
    const { rev: _rev, updatedAt: _updatedAt, _deleted: _gone, ...fields } = master;
    const doc = fields as unknown as MemberDoc;
    const erased = stampFields(doc, ERASED, serverClock(doc, now));
    const checked = MemberDocSchema.safeParse({ ...erased, rev: 0, updatedAt: now.toISOString() });
    if (!checked.success) {
      throw new Error(`erasing ${memberId} made an invalid member: ${checked.error.message}`);
    }
    return { member: await writeDocument(tx, members, erased), erasedNow: true };
  });
}
