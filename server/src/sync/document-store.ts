/**
 * The only way documents are written: every write bumps the server-owned `rev`, stamps
 * `updatedAt`, moves the document to the end of the change order — (id of the writing
 * transaction, sequence) — and has the collection announced once the transaction commits
 * (`notifyAfterCommit`, a NOTIFY sent after commit: db/commit-notifier.ts). Pulls
 * (`pullChanges`) serve changes strictly below the transaction horizon, see
 * docs/decisions/0003-pull-checkpoints.md.
 */
import type { DbTransaction, Queryable } from '../db/database.js';
import { ServiceError } from '../errors.js';
import type { CollectionDefinition } from './collection-definition.js';
import type { DocumentState, PullCheckpoint, SyncDocument } from './sync-types.js';

/** The NOTIFY channel; payload `"<collection> <xid8>"`. */
export const CHANGES_CHANNEL = 'tillpoint_changes';

/** Keys never stored in a body: server bookkeeping (own columns) and RxDB-internal fields. */
const NON_BODY_KEYS = new Set(['rev', 'updatedAt', '_deleted', '_meta', '_rev', '_attachments']);

interface DocumentRow extends Record<string, unknown> {
  id: string;
  rev: number;
  deleted: boolean;
  body: Record<string, unknown>;
  updated_at: Date;
}

interface ChangeRow extends DocumentRow {
  xid: string;
  seq: number;
}

const DOCUMENT_COLUMNS = 'id, rev, deleted, body, updated_at';

export function primaryKeyOf(collection: CollectionDefinition, state: DocumentState): string {
  const id = state[collection.primaryKey];
  if (typeof id !== 'string' || id.length === 0) {
    throw new ServiceError(
      'invalid-document',
      `${collection.name}: "${collection.primaryKey}" must be a non-empty string`,
      { collection: collection.name },
    );
  }
  return id;
}

function toDocument(row: DocumentRow): SyncDocument {
  return {
    ...row.body,
    rev: row.rev,
    updatedAt: row.updated_at.toISOString(),
    _deleted: row.deleted,
  };
}

function splitState(state: DocumentState): { body: string; deleted: boolean } {
  const deleted = state['_deleted'] === true;
  // Documents the server built itself carry no bookkeeping keys: serialize them as they are
  // (JSON.stringify drops undefined values, as the copy below does), without a copy.
  let bookkeeping = false;
  for (const key of NON_BODY_KEYS) {
    if (key in state) {
      bookkeeping = true;
      break;
    }
  }
  if (!bookkeeping) return { body: JSON.stringify(state), deleted };
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(state)) {
    if (!NON_BODY_KEYS.has(key) && value !== undefined) body[key] = value;
  }
  return { body: JSON.stringify(body), deleted };
}

export async function readDocument(
  tx: Queryable,
  collection: CollectionDefinition,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<SyncDocument | undefined> {
  return (await readDocuments(tx, collection, [id], options)).get(id);
}

/**
 * Current master states by id (missing ids are absent). With `forUpdate` the rows are locked in
 * id order, so concurrent batches over overlapping ids cannot deadlock.
 */
export async function readDocuments(
  tx: Queryable,
  collection: CollectionDefinition,
  ids: readonly string[],
  options: { forUpdate?: boolean } = {},
): Promise<Map<string, SyncDocument>> {
  const result = new Map<string, SyncDocument>();
  if (ids.length === 0) return result;
  const { rows } = await tx.query<DocumentRow>(
    `SELECT ${DOCUMENT_COLUMNS} FROM sync_documents
      WHERE collection = $1 AND id = ANY($2::text[])
      ORDER BY id${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [collection.name, [...new Set(ids)]],
  );
  for (const row of rows) result.set(row.id, toDocument(row));
  return result;
}

/**
 * Writes `state` unconditionally (insert, or update bumping `rev`). Use it for server-owned
 * documents, or after locking the row (`readDocuments(..., { forUpdate: true })`) and checking
 * its `rev` yourself. Returns the stored master state.
 */
export async function writeDocument(
  tx: DbTransaction,
  collection: CollectionDefinition,
  state: DocumentState,
): Promise<SyncDocument> {
  const id = primaryKeyOf(collection, state);
  const { body, deleted } = splitState(state);
  const { rows } = await tx.query<DocumentRow>(
    `INSERT INTO sync_documents AS d
       (collection, id, rev, deleted, body, updated_at, change_xid, change_seq)
     VALUES ($1, $2, 1, $3, $4::jsonb, now(), pg_current_xact_id(), nextval('sync_change_seq'))
     ON CONFLICT (collection, id) DO UPDATE SET
       rev = d.rev + 1, deleted = EXCLUDED.deleted, body = EXCLUDED.body,
       updated_at = EXCLUDED.updated_at, change_xid = EXCLUDED.change_xid,
       change_seq = EXCLUDED.change_seq
     RETURNING ${DOCUMENT_COLUMNS}`,
    [collection.name, id, deleted, body],
  );
  queueChangeNotification(tx, collection.name);
  return toDocument(rows[0] as DocumentRow);
}

export type ConditionalWriteResult =
  | { readonly ok: true; readonly document: SyncDocument }
  | { readonly ok: false; readonly current: SyncDocument };

/**
 * Compare-and-set on `rev`: writes only when the document is absent (`expectedRev` null, or a
 * number for a document the server never had) or its current `rev` equals `expectedRev`.
 * Otherwise nothing is written and the current master state is returned.
 */
export async function writeDocumentIfRev(
  tx: DbTransaction,
  collection: CollectionDefinition,
  state: DocumentState,
  expectedRev: number | null,
): Promise<ConditionalWriteResult> {
  const id = primaryKeyOf(collection, state);
  const { body, deleted } = splitState(state);
  const params = [collection.name, id, deleted, body];
  if (expectedRev !== null) {
    const updated = await tx.query<DocumentRow>(
      `UPDATE sync_documents SET
         rev = rev + 1, deleted = $3, body = $4::jsonb, updated_at = now(),
         change_xid = pg_current_xact_id(), change_seq = nextval('sync_change_seq')
       WHERE collection = $1 AND id = $2 AND rev = $5
       RETURNING ${DOCUMENT_COLUMNS}`,
      [...params, expectedRev],
    );
    if (updated.rows[0]) {
      queueChangeNotification(tx, collection.name);
      return { ok: true, document: toDocument(updated.rows[0]) };
    }
  }
  const inserted = await tx.query<DocumentRow>(
    `INSERT INTO sync_documents (collection, id, rev, deleted, body, updated_at, change_xid, change_seq)
     VALUES ($1, $2, 1, $3, $4::jsonb, now(), pg_current_xact_id(), nextval('sync_change_seq'))
     ON CONFLICT (collection, id) DO NOTHING
     RETURNING ${DOCUMENT_COLUMNS}`,
    params,
  );
  if (inserted.rows[0]) {
    queueChangeNotification(tx, collection.name);
    return { ok: true, document: toDocument(inserted.rows[0]) };
  }
  const current = await readDocument(tx, collection, id, { forUpdate: true });
  if (!current) throw new Error(`${collection.name}/${id} vanished during a write`);
  return { ok: false, current };
}

/**
 * Writes many documents in one statement, in the given order (their change order), with the
 * semantics of `writeDocument` (upsert) or, with `onlyIfAbsent`, of `writeDocumentIfRev(..., null)`
 * (insert; documents that already exist are left alone and missing from the result). Returns the
 * written master states by id. Ids must be distinct.
 */
export async function writeDocuments(
  tx: DbTransaction,
  collection: CollectionDefinition,
  states: readonly DocumentState[],
  options: { onlyIfAbsent?: boolean } = {},
): Promise<Map<string, SyncDocument>> {
  const written = new Map<string, SyncDocument>();
  if (states.length === 0) return written;
  const prepared = states.map((state) => ({
    id: primaryKeyOf(collection, state),
    ...splitState(state),
  }));
  const bookkeeping = await writeDocumentSets(tx, [
    { collection, states, onlyIfAbsent: options.onlyIfAbsent ?? false, prepared },
  ]);
  const byId = bookkeeping.get(collection.name);
  for (const item of prepared) {
    const row = byId?.get(item.id);
    if (!row) continue;
    written.set(item.id, {
      ...(JSON.parse(item.body) as Record<string, unknown>),
      rev: row.rev,
      updatedAt: row.updatedAt,
      _deleted: row.deleted,
    });
  }
  return written;
}

/** What the server stamped on a written document. */
export interface WrittenBookkeeping {
  readonly rev: number;
  readonly updatedAt: string;
  readonly deleted: boolean;
}

export interface DocumentSet {
  readonly collection: CollectionDefinition;
  readonly states: readonly DocumentState[];
  /** Insert only: documents that already exist are left alone (and missing from the result). */
  readonly onlyIfAbsent?: boolean;
  /** @internal already split states (same order as `states`). */
  readonly prepared?: readonly { id: string; body: string; deleted: boolean }[];
}

/**
 * `writeDocuments` for several collections in ONE statement (one round trip), including the
 * change notifications of the collections written. Sets are written in the given order, each
 * in its order. Ids must be distinct within a collection. Returns, per collection name, the
 * bookkeeping of each document written (bodies are the ones passed: no JSON round trip).
 */
export async function writeDocumentSets(
  tx: DbTransaction,
  sets: readonly DocumentSet[],
): Promise<Map<string, Map<string, WrittenBookkeeping>>> {
  const result = new Map<string, Map<string, WrittenBookkeeping>>();
  const items: string[] = [];
  const insertOnly = new Set<string>();
  const upsert = new Set<string>();
  for (const set of sets) {
    if (set.states.length === 0) continue;
    const name = set.collection.name;
    (set.onlyIfAbsent ? insertOnly : upsert).add(name);
    result.set(name, new Map());
    const prepared =
      set.prepared ??
      set.states.map((state) => ({
        id: primaryKeyOf(set.collection, state),
        ...splitState(state),
      }));
    const collectionJson = JSON.stringify(name);
    for (const { id, body, deleted } of prepared) {
      items.push(
        `{"c":${collectionJson},"id":${JSON.stringify(id)},"deleted":${deleted},"body":${body}}`,
      );
    }
  }
  if (items.length === 0) return result;
  for (const name of insertOnly) {
    if (upsert.has(name)) throw new Error(`${name}: written both as insert-only and as upsert`);
  }
  // One INSERT for every set: conflicts update the row unless its collection is insert-only.
  const { rows } = await tx.query<{
    collection: string;
    id: string;
    rev: number;
    deleted: boolean;
    updated_at: Date;
  }>(
    `WITH w AS (
       INSERT INTO sync_documents AS d
         (collection, id, rev, deleted, body, updated_at, change_xid, change_seq)
       SELECT e.doc ->> 'c', e.doc ->> 'id', 1, (e.doc ->> 'deleted')::boolean, e.doc -> 'body',
              now(), pg_current_xact_id(), nextval('sync_change_seq')
         FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(doc, ord)
        ORDER BY e.ord
       ON CONFLICT (collection, id) DO UPDATE SET
         rev = d.rev + 1, deleted = EXCLUDED.deleted, body = EXCLUDED.body,
         updated_at = EXCLUDED.updated_at, change_xid = EXCLUDED.change_xid,
         change_seq = EXCLUDED.change_seq
       WHERE d.collection <> ALL($2::text[])
       RETURNING d.collection, d.id, d.rev, d.deleted, d.updated_at
     )
     SELECT w.collection, w.id, w.rev, w.deleted, w.updated_at FROM w`,
    [`[${items.join(',')}]`, [...insertOnly]],
  );
  // The collections actually written are announced after commit.
  for (const row of rows) {
    queueChangeNotification(tx, row.collection);
    result.get(row.collection)?.set(row.id, {
      rev: row.rev,
      updatedAt: row.updated_at.toISOString(),
      deleted: row.deleted,
    });
  }
  return result;
}

/**
 * Announces `collection` once the transaction commits: listening processes (change-feed.ts) get
 * `"<collection> <xid>"` with an xid above the writer's, and tell their clients once the
 * transaction horizon has passed it. Coalesced: one notification per collection and moment.
 */
export function queueChangeNotification(tx: DbTransaction, collection: string): void {
  tx.notifyAfterCommit(CHANGES_CHANNEL, collection);
}

export interface PullResult {
  readonly documents: SyncDocument[];
  readonly checkpoint: PullCheckpoint | null;
}

/**
 * The next page of changes after `checkpoint`: at most `limit` documents in (xid, seq) order,
 * only from transactions below the horizon `pg_snapshot_xmin(pg_current_snapshot())`, i.e. older
 * than every transaction still in progress. One statement, so the rows and the horizon come from
 * the same snapshot. A page shorter than `limit` means nothing more is ready.
 */
export async function pullChanges(
  db: Queryable,
  collection: CollectionDefinition,
  checkpoint: PullCheckpoint | null,
  limit: number,
): Promise<PullResult> {
  const { rows } = await db.query<ChangeRow>(
    `SELECT ${DOCUMENT_COLUMNS}, change_xid::text AS xid, change_seq AS seq
       FROM sync_documents
      WHERE collection = $1
        AND change_xid < pg_snapshot_xmin(pg_current_snapshot())
        AND (change_xid, change_seq) > ($2::xid8, $3::bigint)
      ORDER BY change_xid, change_seq
      LIMIT $4`,
    [collection.name, checkpoint?.xid ?? '0', checkpoint?.seq ?? 0, limit],
  );
  const last = rows.at(-1);
  return {
    documents: rows.map(toDocument),
    checkpoint: last ? { xid: last.xid, seq: last.seq } : checkpoint,
  };
}
