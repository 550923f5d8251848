/**
 * Plain SQL the ledger needs beyond the document store: member locks, the ledger sequence,
 * ledger and merge lookups, and the current program. Documents are still read with
 * `readDocuments` and written with `writeDocument*` (document-store.ts).
 */
import { DEFAULT_PROGRAM, parseProgramSettings } from '@tillpoint/loyalty';
import type { ProgramSettings } from '@tillpoint/loyalty';
import { DEFAULT_PROGRAM_ID } from '@tillpoint/protocol';
import type { MemberDoc, TransactionDoc } from '@tillpoint/protocol';
import type { DbTransaction, Queryable } from '../db/database.js';
import { logger } from '../logger.js';
import type { CollectionRegistry } from '../sync/collection-handlers.js';
import { readDocument, readDocuments } from '../sync/document-store.js';

/** Advisory-lock namespaces (first key of `pg_advisory_xact_lock(int, int)`). */
const MEMBER_LOCK_NAMESPACE = 7_262_101;
const PHONE_LOCK_NAMESPACE = 7_262_102;

/**
 * Takes the ledger lock of each member until the end of the transaction: one member's
 * transactions (and merges) apply one at a time. Locks are taken in one fixed order (by key),
 * so two batches over overlapping members cannot deadlock each other. A hash collision only
 * makes two unrelated members wait for each other.
 */
export async function lockMembers(tx: DbTransaction, memberIds: Iterable<string>): Promise<void> {
  await lockKeys(tx, MEMBER_LOCK_NAMESPACE, memberIds);
}

/** Serializes every decision about one phone number (enrollment, duplicate merge). */
export async function lockPhone(tx: DbTransaction, phone: string): Promise<void> {
  await lockKeys(tx, PHONE_LOCK_NAMESPACE, [phone]);
}

async function lockKeys(
  tx: DbTransaction,
  namespace: number,
  values: Iterable<string>,
): Promise<void> {
  const keys = [...new Set(values)];
  if (keys.length === 0) return;
  // The sorted sub-select (kept apart by OFFSET 0) fixes the order the locks are taken in.
  await tx.query(
    `SELECT pg_advisory_xact_lock($1, k)
       FROM (SELECT DISTINCT hashtext(v) AS k FROM unnest($2::text[]) AS v ORDER BY 1 OFFSET 0) AS s`,
    [namespace, keys],
  );
}

/** `count` numbers of the ledger sequence, ascending. Take them only while holding the locks. */
export async function nextLedgerSeqs(tx: Queryable, count: number): Promise<number[]> {
  if (count === 0) return [];
  const { rows } = await tx.query<{ seq: number }>(
    `SELECT nextval('ledger_seq') AS seq FROM generate_series(1, $1::int)`,
    [count],
  );
  return rows.map((row) => Number(row.seq)).sort((a, b) => a - b);
}

/** The program settings transactions are decided with: document 'default', or the defaults. */
export async function currentProgram(
  tx: Queryable,
  registry: CollectionRegistry,
): Promise<ProgramSettings> {
  const doc = await readDocument(tx, registry.require('program'), DEFAULT_PROGRAM_ID);
  if (!doc || doc._deleted) return DEFAULT_PROGRAM;
  const parsed = parseProgramSettings(doc['settings']);
  if (parsed.ok) return parsed.value;
  // Stored settings were validated when pushed; this only happens after a rules change.
  logger.error('stored program settings are invalid; using the defaults', {
    issues: parsed.refusal.details.issues,
  });
  return DEFAULT_PROGRAM;
}

/**
 * Where each member's transactions count: itself, or the member it was merged into (followed
 * through chains of merges). Members the server has not seen yet count for themselves.
 */
export async function resolveSurvivors(
  tx: Queryable,
  registry: CollectionRegistry,
  memberIds: Iterable<string>,
): Promise<{ survivors: Map<string, string>; members: Map<string, MemberDoc> }> {
  const members = new Map<string, MemberDoc>();
  const survivors = new Map<string, string>();
  const collection = registry.require('members');
  let pending = [...new Set(memberIds)];
  for (const id of pending) survivors.set(id, id);
  for (let hop = 0; pending.length > 0 && hop < 16; hop++) {
    const found = await readDocuments(tx, collection, pending);
    const next: string[] = [];
    for (const [id, doc] of found) members.set(id, doc as unknown as MemberDoc);
    for (const [start, current] of survivors) {
      const doc = members.get(current);
      if (doc?.status === 'merged' && doc.mergedInto !== undefined && doc.mergedInto !== current) {
        survivors.set(start, doc.mergedInto);
        if (!members.has(doc.mergedInto)) next.push(doc.mergedInto);
      }
    }
    pending = [...new Set(next)];
  }
  return { survivors, members };
}

/** Every member merged into `survivorId`, directly or through earlier merges. */
export async function mergedMemberIds(tx: Queryable, survivorId: string): Promise<string[]> {
  const result: string[] = [];
  let frontier = [survivorId];
  for (let hop = 0; frontier.length > 0 && hop < 16; hop++) {
    const { rows } = await tx.query<{ id: string }>(
      `SELECT id FROM sync_documents
        WHERE collection = 'members' AND body ? 'mergedInto'
          AND body ->> 'mergedInto' = ANY($1::text[]) AND body ->> 'status' = 'merged'
        ORDER BY id`,
      [frontier],
    );
    frontier = rows.map((row) => row.id).filter((id) => id !== survivorId && !result.includes(id));
    result.push(...frontier);
  }
  return result;
}

/** The recorded transactions of these members, in server order. */
export async function ledgerOf(
  tx: Queryable,
  memberIds: readonly string[],
): Promise<TransactionDoc[]> {
  const { rows } = await tx.query<{ body: TransactionDoc }>(
    `SELECT body FROM sync_documents
      WHERE collection = 'transactions' AND body ->> 'memberId' = ANY($1::text[])
        AND body ? 'seq'
      ORDER BY (body ->> 'seq')::bigint`,
    [memberIds],
  );
  return rows.map((row) => row.body);
}

/** Which of these checkouts already have an accepted refund. */
export async function refundedCheckouts(
  tx: Queryable,
  checkoutIds: readonly string[],
): Promise<Set<string>> {
  if (checkoutIds.length === 0) return new Set();
  const { rows } = await tx.query<{ refund_of: string }>(
    `SELECT DISTINCT body ->> 'refundOf' AS refund_of FROM sync_documents
      WHERE collection = 'transactions' AND body ? 'refundOf'
        AND body ->> 'refundOf' = ANY($1::text[])
        AND body -> 'outcome' ->> 'status' <> 'refused'`,
    [checkoutIds],
  );
  return new Set(rows.map((row) => row.refund_of));
}
