/**
 * The shapes the sync layer stores and serves. Every document carries the server-owned
 * bookkeeping `rev` (bumped by the server on every write, the only thing conflict detection
 * compares), `updatedAt` (the server's time of the last write) and `_deleted` (tombstone).
 */

/** A document as stored and pulled: its fields plus the server-owned bookkeeping. */
export interface SyncDocument {
  readonly [field: string]: unknown;
  readonly rev: number;
  readonly updatedAt: string;
  readonly _deleted: boolean;
}

/** A document state as written: any `rev`/`updatedAt` in it are ignored (the server sets them). */
export type DocumentState = Readonly<Record<string, unknown>>;

/** One row of a push, after the request body was validated. */
export interface PushRow {
  /** What the terminal believes the server has; absent/null for a document it created. */
  readonly assumedMasterState: DocumentState | null;
  /** The document state the terminal wants to write (validated against the collection schema). */
  readonly newDocumentState: DocumentState;
}

/**
 * Pull position. Changes are ordered by (transaction id, sequence) and only served below the
 * transaction horizon — see docs/decisions/0003-pull-checkpoints.md. Clients treat it as opaque.
 */
export interface PullCheckpoint {
  /** xid8 of the writing transaction, as a decimal string (64-bit). */
  readonly xid: string;
  /** Change sequence number within the order. */
  readonly seq: number;
}
