/**
 * The terminal's RxDB database: the protocol's eight collections (open-source RxDB allows 13
 * open collections per JavaScript realm, so one terminal per realm) and its own settings as
 * local documents. The storage is injected: Dexie in the renderer, memory in Node.
 */
import { addRxPlugin, createRxDatabase } from 'rxdb';
import type { RxCollection, RxConflictHandler, RxDatabase, RxStorage, WithDeleted } from 'rxdb';
import { RxDBLocalDocumentsPlugin } from 'rxdb/plugins/local-documents';
import { RxDBMigrationSchemaPlugin } from 'rxdb/plugins/migration-schema';
import {
  COLLECTIONS,
  COLLECTION_MIGRATIONS,
  COLLECTION_NAMES,
  canonicalJson,
  mergeMemberVersions,
} from '@tillpoint/protocol';
import type { CollectionDocuments, CollectionName, MemberDoc } from '@tillpoint/protocol';

addRxPlugin(RxDBLocalDocumentsPlugin);
// A store written by an older schema version is migrated when it opens (COLLECTION_MIGRATIONS).
addRxPlugin(RxDBMigrationSchemaPlugin);

export type TerminalCollections = {
  [C in CollectionName]: RxCollection<CollectionDocuments[C]>;
};

export type TerminalDatabase = RxDatabase<TerminalCollections>;

/** Fields of a document that are the storage's own, not the document's. */
function replicatedFields(doc: object): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (key === '_meta' || key === '_rev' || key === '_attachments') continue;
    if (value !== undefined) fields[key] = value;
  }
  if (fields['_deleted'] === undefined) fields['_deleted'] = false;
  return fields;
}

export function sameReplicatedState(a: object, b: object): boolean {
  return canonicalJson(replicatedFields(a)) === canonicalJson(replicatedFields(b));
}

/**
 * Collections the server decides (the ledger, derived accounts and usage, reviews, and the
 * manager-edited catalog whose revision the server keeps): on a conflict the server's state is
 * taken as it is. The terminal's losing write was already refused by the server.
 */
function serverWins<T>(): RxConflictHandler<T> {
  return {
    isEqual: (a, b) => sameReplicatedState(a as object, b as object),
    resolve: (input) => Promise.resolve(input.realMasterState),
  };
}

/** The fields of a member that carry no clock: the server's copy is authoritative for them. */
const MEMBER_UNCLOCKED = ['id', 'createdAt', 'createdBy', 'rev', 'updatedAt', '_deleted'] as const;

/**
 * Members merge field by field: each field keeps the edit with the later hybrid logical clock,
 * so two terminals editing different fields both survive, and the server's erasure or merge of
 * the member stays (`mergeMemberVersions`, the server's rule: anything else is a document it
 * refuses). The result carries the server's revision, so pushing it again is not a conflict.
 */
export function mergeMember(
  local: WithDeleted<MemberDoc>,
  master: WithDeleted<MemberDoc>,
): WithDeleted<MemberDoc> {
  const merged = mergeMemberVersions(master, local) as unknown as Record<string, unknown>;
  for (const field of MEMBER_UNCLOCKED) {
    const value = (master as unknown as Record<string, unknown>)[field];
    if (value === undefined) delete merged[field];
    else merged[field] = value;
  }
  return merged as unknown as WithDeleted<MemberDoc>;
}

const memberConflictHandler: RxConflictHandler<MemberDoc> = {
  isEqual: (a, b) => sameReplicatedState(a, b),
  resolve: (input) => Promise.resolve(mergeMember(input.newDocumentState, input.realMasterState)),
};

export async function openTerminalDatabase(
  storage: RxStorage<unknown, unknown>,
  name: string,
): Promise<TerminalDatabase> {
  const db = await createRxDatabase<TerminalCollections>({
    name,
    storage,
    localDocuments: true,
    multiInstance: false,
    eventReduce: true,
    closeDuplicates: false,
  });
  try {
    const definitions = Object.fromEntries(
      COLLECTION_NAMES.map((collection) => [
        collection,
        {
          schema: COLLECTIONS[collection],
          migrationStrategies: COLLECTION_MIGRATIONS[collection],
          conflictHandler: collection === 'members' ? memberConflictHandler : serverWins(),
        },
      ]),
    );
    await db.addCollections(definitions as never);
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Local documents: settings that stay on this terminal and never replicate.

export interface ConnectionSettings {
  readonly serverUrl: string;
  readonly token: string;
  readonly terminalId: string;
  readonly storeId: string;
  readonly terminalName: string;
}

export interface SyncMarks {
  /** Last answer from the server (any request). */
  readonly lastContactAt?: number;
  /** Last successful pull or push. */
  readonly lastSyncAt?: number;
}

export interface LockoutState {
  readonly failures: number;
  readonly lockedUntil?: number;
}

export interface LocalSettings {
  connection: ConnectionSettings;
  'sync-marks': SyncMarks;
  lockouts: Record<string, LockoutState>;
  /** Seq and effects of own transactions the server applied, before the applied copy is stored. */
  acks: Record<string, { seq: number; balanceDelta: number }>;
  hlc: { ms: number; counter: number };
  /** Own transactions the server refused for reasons of its own, kept aside (terminal.ts). */
  held: Record<string, HeldTransaction>;
}

/** Why a transaction is held on this till, and since when (epoch ms). */
export interface HeldTransaction {
  readonly code: string;
  readonly message: string;
  readonly since: number;
}

export async function readLocal<K extends keyof LocalSettings>(
  db: TerminalDatabase,
  key: K,
): Promise<LocalSettings[K] | undefined> {
  const doc = await db.getLocal<{ value: LocalSettings[K] }>(key);
  return doc ? (doc.toJSON().data.value as LocalSettings[K]) : undefined;
}

export async function writeLocal<K extends keyof LocalSettings>(
  db: TerminalDatabase,
  key: K,
  value: LocalSettings[K],
): Promise<void> {
  await db.upsertLocal(key, { value });
}
