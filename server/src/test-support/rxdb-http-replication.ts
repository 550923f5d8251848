/**
 * Replicates a real RxDB collection with this server over HTTP — what terminal-core does — for
 * tests: pull by checkpoint, push of rows, SSE `changes`/`resync` mapped to RxDB's 'RESYNC'.
 *
 * Every pulled document carries the server's bookkeeping `rev` and `updatedAt`, and a push is
 * checked against `assumedMasterState.rev` (docs/sync-protocol.md). Terminal schemas declare
 * both fields. A schema that does not (RxDB's own test schema `human`, whose validated storage
 * refuses unknown fields) is replicated through a `RevisionBook`: pulled documents are stored
 * without the bookkeeping, and each pushed row gets back the `rev` of the master state it
 * assumes — exactly what a terminal storing `rev` sends.
 */
import { Subject } from 'rxjs';
import type { RxCollection, RxReplicationPullStreamItem, WithDeleted } from 'rxdb';
import { replicateRxCollection } from 'rxdb/plugins/replication';
import type { RxReplicationState } from 'rxdb/plugins/replication';
import { connectSse } from './sse-client.js';
import { TestClient } from './test-server.js';

export interface HttpReplicationOptions {
  readonly url: string;
  readonly token: string;
  /** The server collection (defaults to the RxDB collection's name). */
  readonly serverCollection?: string;
  readonly live: boolean;
  readonly batchSize?: number;
}

type WireDocument = Record<string, unknown>;

/** The server's bookkeeping: never part of a document's content. */
const BOOKKEEPING = ['rev', 'updatedAt'] as const;

const IGNORED_IN_CONTENT = new Set([...BOOKKEEPING, '_deleted', '_meta', '_rev', '_attachments']);

/** Keys sorted at every level, bookkeeping and RxDB-internal fields left out. */
function contentKey(doc: WireDocument): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (!IGNORED_IN_CONTENT.has(key)) fields[key] = value;
  }
  return JSON.stringify(canonical({ ...fields, _deleted: doc['_deleted'] === true }));
}

/**
 * The server `rev` of every master state a client has seen, by document id and content, for a
 * schema without a `rev` field. States are learnt from pulls and conflicts (the server's own
 * answer), and from accepted pushes: the server stores a new document with rev 1 and bumps
 * `rev` on every write (docs/sync-protocol.md), so an accepted row is `assumed rev + 1`. (A
 * retried push the server acknowledges without writing leaves a wrong guess behind; the next
 * push of that document then gets a conflict carrying the real `rev`, and RxDB resolves it.)
 */
export class RevisionBook {
  readonly #revs = new Map<string, Map<string, number>>();

  constructor(readonly primaryKey: string) {}

  /** Records a server state and returns it without the bookkeeping. */
  learn(doc: WireDocument): WireDocument {
    const rev = doc['rev'];
    if (typeof rev === 'number') this.#remember(doc, rev);
    const stripped = { ...doc };
    for (const field of BOOKKEEPING) delete stripped[field];
    return stripped;
  }

  /**
   * The row as the server expects it: both states carry the `rev` of the assumed master (0 for
   * a new document). `acceptedRev` is the `rev` the server stores if it accepts the row.
   */
  toWire(row: { assumedMasterState?: WireDocument | null; newDocumentState: WireDocument }): {
    row: { assumedMasterState: WireDocument | null; newDocumentState: WireDocument };
    acceptedRev: number | undefined;
  } {
    const assumed = row.assumedMasterState ?? null;
    if (assumed === null) {
      return {
        row: { assumedMasterState: null, newDocumentState: { ...row.newDocumentState, rev: 0 } },
        acceptedRev: 1,
      };
    }
    const rev = this.#revs.get(this.#id(assumed))?.get(contentKey(assumed));
    if (rev === undefined) {
      // Not a state this client has seen: sent without `rev`, the server answers with its
      // master state as a conflict (or accepts without writing when it holds this very state,
      // whose rev stays unknown) — it never overwrites a master on a guess.
      return {
        row: { assumedMasterState: assumed, newDocumentState: row.newDocumentState },
        acceptedRev: undefined,
      };
    }
    return {
      row: {
        assumedMasterState: { ...assumed, rev },
        newDocumentState: { ...row.newDocumentState, rev },
      },
      acceptedRev: rev + 1,
    };
  }

  /** An accepted push row: the server now holds `state` with `rev` (when known). */
  accepted(state: WireDocument, rev: number | undefined): void {
    if (rev !== undefined) this.#remember(state, rev);
  }

  #id(doc: WireDocument): string {
    return String(doc[this.primaryKey]);
  }

  #remember(doc: WireDocument, rev: number): void {
    const id = this.#id(doc);
    let byContent = this.#revs.get(id);
    if (!byContent) this.#revs.set(id, (byContent = new Map()));
    const key = contentKey(doc);
    // The same content may come back later with a higher rev (A → B → A): keep the newest.
    byContent.set(key, Math.max(rev, byContent.get(key) ?? 0));
  }
}

/** One book per local collection and server collection: it outlives replication states. */
const books = new WeakMap<RxCollection, Map<string, RevisionBook>>();

function revisionBookFor(collection: RxCollection, serverCollection: string): RevisionBook {
  let byServerCollection = books.get(collection);
  if (!byServerCollection) books.set(collection, (byServerCollection = new Map()));
  let book = byServerCollection.get(serverCollection);
  if (!book) {
    book = new RevisionBook(collection.schema.primaryPath);
    byServerCollection.set(serverCollection, book);
  }
  return book;
}

export function replicateOverHttp<T>(
  collection: RxCollection<T>,
  options: HttpReplicationOptions,
): RxReplicationState<T, unknown> {
  const client = new TestClient(options.url, options.token);
  const name = options.serverCollection ?? collection.name;
  const properties = collection.schema.jsonSchema.properties as Record<string, unknown>;
  const book = BOOKKEEPING.every((field) => field in properties)
    ? undefined
    : revisionBookFor(collection as RxCollection, name);
  const stream$ = new Subject<RxReplicationPullStreamItem<T, unknown>>();
  const state = replicateRxCollection<T, unknown>({
    collection,
    replicationIdentifier: `tillpoint-${options.url}-${name}`,
    live: options.live,
    retryTime: 100,
    pull: {
      batchSize: options.batchSize ?? 10,
      async handler(checkpoint, batchSize) {
        const response = await client.pull(name, checkpoint ?? null, batchSize);
        if (response.status !== 200)
          throw new Error(`pull ${response.status}: ${JSON.stringify(response.body)}`);
        const documents = book
          ? response.body.documents.map((doc) => book.learn(doc))
          : response.body.documents;
        return {
          documents: documents as unknown as WithDeleted<T>[],
          checkpoint: response.body.checkpoint,
        };
      },
      stream$: stream$.asObservable(),
    },
    push: {
      batchSize: options.batchSize ?? 10,
      async handler(rows) {
        const wire = book
          ? rows.map((row) => book.toWire(row as unknown as Parameters<RevisionBook['toWire']>[0]))
          : undefined;
        const response = await client.push(
          name,
          wire ? wire.map((each) => each.row) : (rows as unknown[]),
        );
        if (response.status !== 200)
          throw new Error(`push ${response.status}: ${JSON.stringify(response.body)}`);
        const conflicts = response.body.conflicts;
        if (!book || !wire) return conflicts as unknown as WithDeleted<T>[];
        const conflicting = new Set(conflicts.map((doc) => String(doc[book.primaryKey])));
        for (const { row, acceptedRev } of wire) {
          const id = String(row.newDocumentState[book.primaryKey]);
          if (!conflicting.has(id)) book.accepted(row.newDocumentState, acceptedRev);
        }
        return conflicts.map((doc) => book.learn(doc)) as unknown as WithDeleted<T>[];
      },
    },
  });
  if (options.live) {
    void connectSse(`${options.url}/sync/v1/stream`, options.token, (event) => {
      if (event.event === 'resync') stream$.next('RESYNC');
      else if (
        event.event === 'changes' &&
        (event.data as { collection?: string }).collection === name
      ) {
        stream$.next('RESYNC');
      }
    }).then((connection) => {
      const subscription = state.canceled$.subscribe((canceled) => {
        if (canceled) connection.close();
      });
      collection.onClose.push(() => {
        subscription.unsubscribe();
        connection.close();
      });
    });
  }
  return state;
}

/** One push-and-pull cycle, then stop (the base suite's `syncOnce`). */
export async function syncOnce<T>(
  collection: RxCollection<T>,
  options: Omit<HttpReplicationOptions, 'live'>,
) {
  const state = replicateOverHttp(collection, { ...options, live: false });
  const errors: unknown[] = [];
  const subscription = state.error$.subscribe((error) => errors.push(error));
  await state.awaitInitialReplication();
  subscription.unsubscribe();
  await state.cancel();
  if (errors.length > 0) throw errors[0];
}
