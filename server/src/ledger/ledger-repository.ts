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
import { readDocuments } from '../sync/document-store.js';
import type { SyncDocument } from '../sync/sync-types.js';

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

/**
 * Parsed program settings of the last program document seen, keyed by its change position
 * (`rev:change_xid:change_seq`): pushes skip transferring and re-validating the settings while
 * the document is unchanged. The key changes with every write of the document (rev and the
 * writing transaction), and xids are unique per cluster, so a stale entry is never used; on a
 * fresh database (tests) the key differs as well. One entry: there is one program.
 */
let programCache: { key: string; settings: ProgramSettings } | undefined;

function programKeySql(alias: string): string {
  return `${alias}.rev::text || ':' || ${alias}.change_xid::text || ':' || ${alias}.change_seq::text`;
}

interface ProgramRow extends Record<string, unknown> {
  key: string;
  deleted: boolean;
  /** Null when the key equals the cached one. */
  settings: unknown;
}

function programFromRow(row: ProgramRow | undefined): ProgramSettings {
  if (!row || row.deleted) return DEFAULT_PROGRAM;
  if (programCache && row.settings === null && programCache.key === row.key) {
    return programCache.settings;
  }
  const parsed = parseProgramSettings(row.settings);
  if (parsed.ok) {
    programCache = { key: row.key, settings: parsed.value };
    return parsed.value;
  }
  // Stored settings were validated when pushed; this only happens after a rules change.
  logger.error('stored program settings are invalid; using the defaults', {
    issues: parsed.refusal.details.issues,
  });
  return DEFAULT_PROGRAM;
}

/** The program settings transactions are decided with: document 'default', or the defaults. */
export async function currentProgram(
  tx: Queryable,
  _registry?: CollectionRegistry,
): Promise<ProgramSettings> {
  const { rows } = await tx.query<ProgramRow>(
    `SELECT ${programKeySql('p')} AS key, p.deleted,
            CASE WHEN ${programKeySql('p')} = $2 THEN NULL ELSE p.body -> 'settings' END AS settings
       FROM sync_documents p WHERE p.collection = 'program' AND p.id = $1`,
    [DEFAULT_PROGRAM_ID, programCache?.key ?? ''],
  );
  return programFromRow(rows[0]);
}

/** What a member's merge state says about where its transactions count. */
export interface MemberLink {
  readonly status: string | undefined;
  readonly mergedInto: string | undefined;
}

/** Everything a push of transactions reads once the ledger locks are held, in one statement. */
export interface LedgerSnapshot {
  /** The members named (and those they were merged into, through chains), by id. */
  readonly members: Map<string, MemberLink>;
  /** Where each named member's transactions count (see `resolveSurvivors`). */
  readonly survivors: Map<string, string>;
  /** Transactions already recorded among the pushed ids. */
  readonly stored: Map<string, SyncDocument>;
  /** Accounts of the named members, their chains and survivors. */
  readonly accounts: Map<string, SyncDocument>;
  readonly program: ProgramSettings;
  /** `ledger_seq` numbers, ascending, one per pushed id not recorded yet. */
  readonly seqs: number[];
}

interface SnapshotRow extends Record<string, unknown> {
  kind: 'member' | 'transaction' | 'account' | 'program' | 'seq';
  id: string | null;
  rev: number | null;
  deleted: boolean | null;
  body: Record<string, unknown> | null;
  updated_at: Date | null;
  status: string | null;
  merged_into: string | null;
  seq: number | null;
}

/**
 * One round trip for the ledger's reads: the merge chains of `memberIds` (recursive), the
 * recorded transactions among `transactionIds` (distinct), the accounts of every member met,
 * the program (its settings only when they changed since the cached copy), and one `ledger_seq`
 * number per transaction id not recorded. Take it only while holding the member locks: the
 * sequence numbers are valid for application only if every survivor was locked before.
 *
 * Each lookup by id is a LATERAL subquery with OFFSET 0, so it stays a primary-key lookup per id
 * in every plan. On PostgreSQL the statement is prepared per connection and reused with a
 * generic plan: one made while the table was small (a new database, until autovacuum first
 * analyzed it) joined the ids to every account of the chain through a hash, on every push, for
 * as long as the plan lived. (PGlite plans each statement with its parameters.)
 */
export async function readLedgerSnapshot(
  tx: Queryable,
  memberIds: readonly string[],
  transactionIds: readonly string[],
): Promise<LedgerSnapshot> {
  const { rows } = await tx.query<SnapshotRow>(
    `WITH RECURSIVE chain(id, status, merged_into, hop) AS (
       SELECT m.id, m.body ->> 'status', m.body ->> 'mergedInto', 0
         FROM sync_documents m WHERE m.collection = 'members' AND m.id = ANY($1::text[])
       UNION
       SELECT m.id, m.body ->> 'status', m.body ->> 'mergedInto', c.hop + 1
         FROM chain c CROSS JOIN LATERAL (
           SELECT s.id, s.body FROM sync_documents s
            WHERE s.collection = 'members' AND s.id = c.merged_into OFFSET 0
         ) m
        WHERE c.status = 'merged' AND c.merged_into <> c.id AND c.hop < 16
     ),
     stored AS (
       SELECT t.id, t.rev, t.deleted, t.body, t.updated_at FROM sync_documents t
        WHERE t.collection = 'transactions' AND t.id = ANY($2::text[])
     ),
     account_ids AS (
       SELECT unnest($1::text[]) AS id UNION SELECT id FROM chain
       UNION SELECT merged_into FROM chain WHERE merged_into IS NOT NULL
     )
     SELECT DISTINCT ON (id) 'member' AS kind, id, NULL::int AS rev, NULL::boolean AS deleted,
            NULL::jsonb AS body, NULL::timestamptz AS updated_at, status, merged_into,
            NULL::bigint AS seq
       FROM chain
     UNION ALL
     SELECT 'transaction', id, rev, deleted, body, updated_at, NULL, NULL, NULL FROM stored
     UNION ALL
     SELECT 'account', a.id, a.rev, a.deleted, a.body, a.updated_at, NULL, NULL, NULL
       FROM account_ids i CROSS JOIN LATERAL (
         SELECT s.id, s.rev, s.deleted, s.body, s.updated_at FROM sync_documents s
          WHERE s.collection = 'accounts' AND s.id = i.id OFFSET 0
       ) a
     UNION ALL
     SELECT 'program', ${programKeySql('p')}, NULL, p.deleted,
            CASE WHEN ${programKeySql('p')} = $4 THEN NULL ELSE p.body -> 'settings' END,
            NULL, NULL, NULL, NULL
       FROM sync_documents p WHERE p.collection = 'program' AND p.id = $3
     UNION ALL
     SELECT 'seq', NULL, NULL, NULL, NULL, NULL, NULL, NULL, nextval('ledger_seq')
       FROM generate_series(1, cardinality($2::text[]) - (SELECT count(*) FROM stored)::int)`,
    [
      [...new Set(memberIds)],
      [...new Set(transactionIds)],
      DEFAULT_PROGRAM_ID,
      programCache?.key ?? '',
    ],
  );
  const members = new Map<string, MemberLink>();
  const stored = new Map<string, SyncDocument>();
  const accounts = new Map<string, SyncDocument>();
  const seqs: number[] = [];
  let programRow: ProgramRow | undefined;
  for (const row of rows) {
    switch (row.kind) {
      case 'member':
        members.set(row.id as string, {
          status: row.status ?? undefined,
          mergedInto: row.merged_into ?? undefined,
        });
        break;
      case 'transaction':
        stored.set(row.id as string, documentOfRow(row));
        break;
      case 'account':
        accounts.set(row.id as string, documentOfRow(row));
        break;
      case 'program':
        programRow = { key: row.id as string, deleted: row.deleted === true, settings: row.body };
        break;
      case 'seq':
        seqs.push(Number(row.seq));
        break;
    }
  }
  seqs.sort((a, b) => a - b);
  const survivors = new Map<string, string>();
  for (const start of new Set(memberIds)) {
    let current = start;
    for (let hop = 0; hop < 16; hop++) {
      const link = members.get(current);
      if (link?.status !== 'merged' || link.mergedInto === undefined || link.mergedInto === current)
        break;
      current = link.mergedInto;
    }
    survivors.set(start, current);
  }
  return { members, survivors, stored, accounts, program: programFromRow(programRow), seqs };
}

function documentOfRow(row: SnapshotRow): SyncDocument {
  return {
    ...(row.body as Record<string, unknown>),
    rev: row.rev as number,
    updatedAt: (row.updated_at as Date).toISOString(),
    _deleted: row.deleted === true,
  };
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
