/** What terminals may do with a collection (as `TerminalWriteAccess` of @tillpoint/protocol). */
export type TerminalWrites = 'none' | 'insert-only' | 'update-only' | 'insert-update';

/** What the sync layer needs to know about one replicated collection. */
export interface CollectionDefinition {
  readonly name: string;
  /** The primary key field of the documents (RxDB `primaryKey`). */
  readonly primaryKey: string;
  /**
   * 'none': pushes get 403 'forbidden-collection' (accounts). 'insert-only': an existing document
   * is never changed by a push. 'update-only': terminals may not create documents (reviews).
   */
  readonly terminalWrites: TerminalWrites;
  /**
   * Top-level fields only the server sets. A push may echo the server's value (terminals push
   * whole documents) but never change it: 403 'server-owned-field'.
   */
  readonly serverOwnedFields: readonly string[];
  /** Their values on a document a terminal has just created (`rev: 0`, `usage: { used: 0 }`). */
  readonly serverOwnedInitialValues?: Readonly<Record<string, unknown>>;
  /**
   * Validates one pushed document state against the collection schema; returns the problems
   * (empty when valid). `_deleted` is the wire's tombstone flag, present on every state.
   */
  readonly validate: (document: unknown) => readonly string[];
}
