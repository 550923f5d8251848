import { jsonEqual } from '@tillpoint/loyalty';
import { COLLECTIONS } from './schemas/index.js';
import type { CollectionDocuments, CollectionName } from './schemas/index.js';

/**
 * Who may write what. The server refuses a push that writes a collection a terminal may not
 * write ('forbidden-collection') or changes a server-owned field ('server-owned-field');
 * terminal code reads the same map so it never tries.
 */

/**
 * - 'none': terminals only read it.
 * - 'insert-only': terminals insert documents and never change them.
 * - 'update-only': terminals change existing documents (their terminal-writable fields) only.
 * - 'insert-update': terminals insert and change documents.
 */
export type TerminalWriteAccess = 'none' | 'insert-only' | 'update-only' | 'insert-update';

export interface CollectionOwnership<C extends CollectionName> {
  readonly terminalWrites: TerminalWriteAccess;
  /** Top-level fields only the server sets; a terminal sends them back unchanged. */
  readonly serverOwnedFields: readonly (keyof CollectionDocuments[C] & string)[];
}

function fieldsOf<C extends CollectionName>(collection: C) {
  return Object.keys(COLLECTIONS[collection].properties) as (keyof CollectionDocuments[C] &
    string)[];
}

export const COLLECTION_OWNERSHIP: { readonly [C in CollectionName]: CollectionOwnership<C> } = {
  program: { terminalWrites: 'insert-update', serverOwnedFields: ['rev'] },
  members: { terminalWrites: 'insert-update', serverOwnedFields: ['rev'] },
  accounts: { terminalWrites: 'none', serverOwnedFields: fieldsOf('accounts') },
  transactions: {
    terminalWrites: 'insert-only',
    serverOwnedFields: ['rev', 'seq', 'receivedAt', 'outcome', 'effects'],
  },
  coupons: { terminalWrites: 'insert-update', serverOwnedFields: ['rev', 'usage'] },
  rewards: { terminalWrites: 'insert-update', serverOwnedFields: ['rev', 'usage'] },
  staff: { terminalWrites: 'insert-update', serverOwnedFields: ['rev'] },
  reviews: {
    terminalWrites: 'update-only',
    serverOwnedFields: fieldsOf('reviews').filter(
      (field) => field !== 'status' && field !== 'resolution',
    ),
  },
};

/** Collections a terminal may not write at all. */
export const SERVER_ONLY_COLLECTIONS: readonly CollectionName[] = (
  Object.keys(COLLECTION_OWNERSHIP) as CollectionName[]
).filter((name) => COLLECTION_OWNERSHIP[name].terminalWrites === 'none');

/**
 * The values server-owned fields have on a document a terminal has just created: revision 0,
 * usage counters at zero, and nothing the server adds when it applies a transaction.
 */
export const INITIAL_SERVER_OWNED_VALUES: {
  readonly [C in CollectionName]?: Readonly<Partial<CollectionDocuments[C]>>;
} = {
  program: { rev: 0 },
  members: { rev: 0 },
  transactions: { rev: 0 },
  coupons: { rev: 0, usage: { used: 0 } },
  rewards: { rev: 0, usage: { redeemed: 0 } },
  staff: { rev: 0 },
};

/**
 * The server-owned fields `next` sets differently from `current` (the server's copy), or,
 * for a new document (`current` null), differently from their initial values. Empty when the
 * write touches only fields a terminal may write. Access to the collection itself is checked
 * with `COLLECTION_OWNERSHIP[collection].terminalWrites`.
 */
export function serverOwnedFieldChanges<C extends CollectionName>(
  collection: C,
  current: CollectionDocuments[C] | null,
  next: CollectionDocuments[C],
): string[] {
  const base: Readonly<Record<string, unknown>> =
    current ?? INITIAL_SERVER_OWNED_VALUES[collection] ?? {};
  const nextFields = next as Readonly<Record<string, unknown>>;
  return COLLECTION_OWNERSHIP[collection].serverOwnedFields.filter(
    (field) => !jsonEqual(base[field], nextFields[field]),
  );
}

/** Deep equality of JSON values (from the rules package, re-exported for the sync layer). */
export { jsonEqual };
