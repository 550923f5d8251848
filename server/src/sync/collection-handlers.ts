/**
 * The per-collection push handler registry — the seam between the sync layer and the ledger.
 *
 * A push is validated at the edge (body shape, batch size, collection exists and is writable by
 * terminals, every `newDocumentState` valid for the collection), then the collection's handler
 * runs inside ONE database transaction together with every other row of the batch:
 *
 *   handler(ctx, rows) → conflicts
 *
 * - `ctx.tx` is the open transaction: everything the handler writes commits or rolls back with
 *   the push, and the push is acknowledged only after commit. Throwing a `ServiceError` (e.g.
 *   'server-owned-field') rolls the whole batch back and answers with that error.
 * - `ctx.terminal` is the authenticated caller, taken from the token (never from the body).
 * - return the CURRENT master state of every row that conflicts (RxDB's contract); an empty
 *   array when everything was written.
 * - write documents — of this or any other collection — only through `writeDocument` /
 *   `writeDocumentIfRev` (document-store.ts): they bump `rev`, stamp `updatedAt`, record the
 *   change for pulls and queue the change notification that PostgreSQL delivers on commit.
 *
 * The default handler (`genericPushHandler`) is the plain rev-checked document store; the
 * ledger registers its own handlers for `transactions` and `members` in `sync-collections.ts`.
 */
import type { TerminalContext } from '../auth/terminal-context.js';
import type { DbTransaction, TransactionOptions } from '../db/database.js';
import { ServiceError } from '../errors.js';
import type { ServerMetrics } from '../metrics/metrics.js';
import type { CollectionDefinition } from './collection-definition.js';
import {
  primaryKeyOf,
  readDocuments,
  writeDocument,
  writeDocumentIfRev,
} from './document-store.js';
import type { PushRow, SyncDocument } from './sync-types.js';

export interface PushContext {
  readonly tx: DbTransaction;
  readonly terminal: TerminalContext;
  /** The collection being pushed to. */
  readonly collection: CollectionDefinition;
  /** Every collection, to write documents of other collections (`registry.require('accounts')`). */
  readonly registry: CollectionRegistry;
  /** The server time of this push (one value for the whole batch). */
  readonly now: Date;
  /** The app's metrics (ledger outcomes); absent when a handler runs outside the HTTP app. */
  readonly metrics?: ServerMetrics;
}

/**
 * What a push answers: the conflicting rows' masters, or (transactions) more documents than the
 * conflicts, with how many of them are conflicts (the rest are what the push just recorded).
 */
export type PushAnswer =
  SyncDocument[] | { readonly documents: SyncDocument[]; readonly conflicts: number };

export type PushHandler = (ctx: PushContext, rows: readonly PushRow[]) => Promise<PushAnswer>;

export class CollectionRegistry {
  readonly #definitions = new Map<string, CollectionDefinition>();
  readonly #handlers = new Map<string, PushHandler>();
  readonly #transactionOptions = new Map<string, TransactionOptions>();

  constructor(definitions: Iterable<CollectionDefinition> = []) {
    for (const definition of definitions) this.define(definition);
  }

  /** Adds a collection served with the generic handler unless `handler` is given. */
  define(definition: CollectionDefinition, handler?: PushHandler): this {
    if (this.#definitions.has(definition.name)) {
      throw new Error(`collection ${definition.name} is already defined`);
    }
    this.#definitions.set(definition.name, definition);
    if (handler) this.#handlers.set(definition.name, handler);
    return this;
  }

  /**
   * Replaces the push handler of an existing collection. `options` set the isolation level of
   * the push transaction (default read committed) and its retries on serialization failures.
   */
  setPushHandler(name: string, handler: PushHandler, options: TransactionOptions = {}): this {
    this.require(name);
    this.#handlers.set(name, handler);
    this.#transactionOptions.set(name, options);
    return this;
  }

  get(name: string): CollectionDefinition | undefined {
    return this.#definitions.get(name);
  }

  /** The definition, or a ServiceError 'unknown-collection' (404). */
  require(name: string): CollectionDefinition {
    const definition = this.#definitions.get(name);
    if (!definition) {
      throw new ServiceError('unknown-collection', `unknown collection "${name}"`, {
        collection: name,
      });
    }
    return definition;
  }

  names(): string[] {
    return [...this.#definitions.keys()];
  }

  pushHandler(name: string): PushHandler {
    return this.#handlers.get(name) ?? genericPushHandler;
  }

  pushTransactionOptions(name: string): TransactionOptions {
    return this.#transactionOptions.get(name) ?? {};
  }
}

/**
 * Refuses a write that changes a field only the server may write. `current` is the master state
 * (undefined for a new document, compared with the collection's initial values): a terminal may
 * echo the server's values back (it pushes whole documents) but not change or invent them.
 */
export function assertServerOwnedFieldsUnchanged(
  collection: CollectionDefinition,
  current: SyncDocument | undefined,
  next: Readonly<Record<string, unknown>>,
  /** The push row, named in the refusal so the till can tell which row it was. */
  row?: number,
): void {
  const base: Readonly<Record<string, unknown>> =
    current ?? collection.serverOwnedInitialValues ?? {};
  const changed = collection.serverOwnedFields.filter(
    (field) => !jsonEqual(base[field], next[field]),
  );
  if (changed.length > 0) {
    throw new ServiceError(
      'server-owned-field',
      `${collection.name}: terminals may not write ${changed.join(', ')}`,
      { collection: collection.name, fields: changed, ...(row === undefined ? {} : { row }) },
    );
  }
}

/** Refuses what the collection's access forbids: writing at all, creating, or changing. */
export function assertTerminalMayWrite(
  collection: CollectionDefinition,
  current: SyncDocument | undefined,
): void {
  const access = collection.terminalWrites;
  if (access === 'none' || (access === 'update-only' && current === undefined)) {
    throw new ServiceError(
      'forbidden-collection',
      access === 'none'
        ? `terminals may not write ${collection.name}`
        : `${collection.name}: terminals may not create documents`,
      { collection: collection.name },
    );
  }
}

/**
 * Refuses a terminal deleting (or restoring) a document of a collection it may only update:
 * a review is the server's record of a conflict, and its id is fixed by its cause, so a
 * deleted one would never be opened again.
 */
export function assertNotDeletedByTerminal(
  collection: CollectionDefinition,
  master: SyncDocument,
  next: Readonly<Record<string, unknown>>,
): void {
  if (collection.terminalWrites !== 'update-only') return;
  if ((next['_deleted'] === true) === (master['_deleted'] === true)) return;
  throw new ServiceError(
    'server-owned-field',
    `${collection.name}: terminals may not delete or restore documents`,
    { collection: collection.name, fields: ['_deleted'] },
  );
}

/**
 * The default: a document store with optimistic concurrency on the server-owned `rev`. A row
 * conflicts when the document exists and the terminal's assumed master `rev` is not the current
 * one (unless it already equals the master, e.g. a retried push whose answer was lost); a new
 * document conflicts only when another push created it first.
 */
export const genericPushHandler: PushHandler = async (ctx, rows) => {
  const { tx, collection } = ctx;
  const ids = rows.map((row) => primaryKeyOf(collection, row.newDocumentState));
  const current = await readDocuments(tx, collection, ids, { forUpdate: true });
  const conflicts: SyncDocument[] = [];
  for (const [index, row] of rows.entries()) {
    const id = ids[index] as string;
    const master = current.get(id);
    assertTerminalMayWrite(collection, master);
    if (master === undefined) {
      assertServerOwnedFieldsUnchanged(collection, undefined, row.newDocumentState);
      const result = await writeDocumentIfRev(tx, collection, row.newDocumentState, null);
      if (result.ok) current.set(id, result.document);
      else conflicts.push(result.current);
      continue;
    }
    if (assumedRevOf(row) !== master.rev || collection.terminalWrites === 'insert-only') {
      // Insert-only documents never change: a retried identical insert is a no-op. The till
      // gets the master back unless its copy is the master already, same revision included: a
      // push retried after its answer was lost would otherwise leave the till with its own
      // copy, at an older revision, taken for the master's.
      if (!isMasterCopy(master, row.newDocumentState)) conflicts.push(master);
      continue;
    }
    assertServerOwnedFieldsUnchanged(collection, master, row.newDocumentState);
    assertNotDeletedByTerminal(collection, master, row.newDocumentState);
    // Nothing changes (a till pushing back the master it adopted after a conflict): nothing
    // is written, so the revision does not move and no till has to pull it again.
    if (sameDocument(master, row.newDocumentState)) continue;
    // The row is locked FOR UPDATE and its rev checked, so an unconditional write is safe.
    current.set(id, await writeDocument(tx, collection, row.newDocumentState));
  }
  return conflicts;
};

export function assumedRevOf(row: PushRow): number | undefined {
  const rev = row.assumedMasterState?.['rev'];
  return typeof rev === 'number' ? rev : undefined;
}

/** Whether a pushed state equals the master, ignoring the bookkeeping the server rewrites. */
export function sameDocument(
  master: SyncDocument,
  state: Readonly<Record<string, unknown>>,
): boolean {
  const { rev: _rev, updatedAt: _updatedAt, ...masterFields } = master;
  const { rev: _r, updatedAt: _u, ...stateFields } = state;
  return jsonEqual({ _deleted: false, ...stateFields }, masterFields);
}

/** Whether a pushed state is the master as the till last received it (same revision too). */
export function isMasterCopy(
  master: SyncDocument,
  state: Readonly<Record<string, unknown>>,
): boolean {
  return state['rev'] === master.rev && sameDocument(master, state);
}

/** Structural equality of JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => jsonEqual(ra[k], rb[k]));
}
