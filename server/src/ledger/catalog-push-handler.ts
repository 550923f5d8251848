/**
 * Push handler of `coupons` and `rewards`: the manager edits the definition, the server derives
 * `usage`. A manager's edit based on a copy that is behind only in server-owned fields (the
 * server counted uses meanwhile) is not a conflict: the editable fields are applied onto the
 * current document and the server's usage is kept.
 */
import type { PushHandler } from '../sync/collection-handlers.js';
import {
  assertServerOwnedFieldsUnchanged,
  assertTerminalMayWrite,
  assumedRevOf,
  isMasterCopy,
  jsonEqual,
  sameDocument,
} from '../sync/collection-handlers.js';
import {
  primaryKeyOf,
  readDocuments,
  writeDocument,
  writeDocumentIfRev,
} from '../sync/document-store.js';
import type { SyncDocument } from '../sync/sync-types.js';

const BOOKKEEPING = ['rev', 'updatedAt'];

function editableFields(doc: Readonly<Record<string, unknown>>, serverOwned: readonly string[]) {
  return Object.fromEntries(
    Object.entries(doc).filter(([key]) => !serverOwned.includes(key) && !BOOKKEEPING.includes(key)),
  );
}

export const catalogPushHandler: PushHandler = async (ctx, rows) => {
  const { tx, collection } = ctx;
  const serverOwned = collection.serverOwnedFields;
  const ids = rows.map((row) => primaryKeyOf(collection, row.newDocumentState));
  const current = await readDocuments(tx, collection, ids, { forUpdate: true });
  const conflicts: SyncDocument[] = [];
  for (const [index, row] of rows.entries()) {
    const id = ids[index] as string;
    const master = current.get(id);
    const state = row.newDocumentState;
    assertTerminalMayWrite(collection, master);
    if (master === undefined) {
      assertServerOwnedFieldsUnchanged(collection, undefined, state);
      const result = await writeDocumentIfRev(tx, collection, state, null);
      if (result.ok) current.set(id, result.document);
      else conflicts.push(result.current);
      continue;
    }
    const assumed = row.assumedMasterState;
    if (assumedRevOf(row) === master.rev) {
      assertServerOwnedFieldsUnchanged(collection, master, state);
      // Nothing changes (the master pushed back after a conflict): nothing is written.
      if (sameDocument(master, state)) continue;
      current.set(id, await writeDocument(tx, collection, state));
      continue;
    }
    // Behind only in server-owned fields: the edit applies to the current document. The pushed
    // server-owned values must be an echo of what the terminal last saw.
    const onlyServerMoved =
      assumed !== null &&
      jsonEqual(editableFields(assumed, serverOwned), editableFields(master, serverOwned));
    if (!onlyServerMoved) {
      // The master goes back unless the till holds it already, revision included (a push
      // retried after its answer was lost).
      if (!isMasterCopy(master, state)) conflicts.push(master);
      continue;
    }
    assertServerOwnedFieldsUnchanged(collection, assumed as SyncDocument, state);
    const merged = { ...editableFields(state, serverOwned), ...pick(master, serverOwned) };
    current.set(id, await writeDocument(tx, collection, merged));
  }
  return conflicts;
};

function pick(doc: SyncDocument, fields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(
    fields.filter((field) => field in doc).map((field) => [field, doc[field]]),
  );
}
