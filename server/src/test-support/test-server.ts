/** Real servers on port 0 over a test database, and a small HTTP client speaking the protocol. */
import { loadConfig } from '../config.js';
import type { ServerConfig } from '../config.js';
import { PROTOCOL_HEADER, PROTOCOL_VERSION } from '@tillpoint/protocol';
import { startServer } from '../server.js';
import type { RunningServer } from '../server.js';
import { CollectionRegistry } from '../sync/collection-handlers.js';
import type { CollectionDefinition } from '../sync/collection-definition.js';
import type { Database } from '../db/database.js';
import type { TestDatabase } from './test-database.js';
import { protocolCollectionDefinitions } from '../sync/sync-collections.js';

export function testConfig(env: Record<string, string> = {}): ServerConfig {
  return loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env });
}

/** A test-only collection: free-form documents keyed by `id`, with one server-owned field. */
export const itemsCollection: CollectionDefinition = {
  name: 'items',
  primaryKey: 'id',
  terminalWrites: 'insert-update',
  serverOwnedFields: ['rev', 'audit'],
  serverOwnedInitialValues: { rev: 0 },
  validate: (document) => {
    const doc = document as Record<string, unknown>;
    const problems: string[] = [];
    if (typeof doc['id'] !== 'string' || doc['id'].length === 0)
      problems.push('id: must be a string');
    if (doc['value'] !== undefined && typeof doc['value'] !== 'number') {
      problems.push('value: must be a number');
    }
    return problems;
  },
};

/** RxDB's test-suite schema (`human`: passportId, firstName, lastName, age). */
export const humansCollection: CollectionDefinition = {
  name: 'human',
  primaryKey: 'passportId',
  terminalWrites: 'insert-update',
  serverOwnedFields: [],
  validate: (document) => {
    const doc = document as Record<string, unknown>;
    return typeof doc['passportId'] === 'string' && typeof doc['firstName'] === 'string'
      ? []
      : ['passportId, firstName: required strings'];
  },
};

/** Every protocol collection (generic handlers) plus the test-only ones. */
export function testRegistry(): CollectionRegistry {
  return new CollectionRegistry([
    ...protocolCollectionDefinitions(),
    itemsCollection,
    humansCollection,
  ]);
}

export async function startTestServer(
  db: Database,
  options: { registry?: CollectionRegistry; env?: Record<string, string> } = {},
): Promise<RunningServer> {
  return startServer(testConfig(options.env), { db, registry: options.registry ?? testRegistry() });
}

/**
 * Two server processes' worth of servers on one test database: separate pools, listeners and
 * caches on PostgreSQL; on PGlite (one process) both share its one connection.
 */
export async function startServerPair(
  testDb: TestDatabase,
  options: { env?: Record<string, string> } = {},
): Promise<[RunningServer, RunningServer]> {
  const second = testDb.target === 'postgres' ? await testDb.openAnother() : testDb.db;
  return [await startTestServer(testDb.db, options), await startTestServer(second, options)];
}

/** Creates a store and a terminal in it through the public enrollment endpoint. */
export async function enrollTestTerminal(
  server: RunningServer,
  storeId = `store-${Math.random().toString(36).slice(2, 10)}`,
): Promise<{ token: string; terminalId: string; storeId: string }> {
  const stores = await server.auth.listStores();
  if (!stores.some((store) => store.id === storeId)) {
    await server.auth.createStore({ id: storeId, name: `Store ${storeId}` });
  }
  const { code } = await server.auth.createEnrollmentCode(storeId, 60);
  const response = await fetch(`${server.url}/api/v1/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) },
    body: JSON.stringify({ enrollmentCode: code, terminalName: 'test till' }),
  });
  if (response.status !== 201)
    throw new Error(`enroll failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as { token: string; terminalId: string; storeId: string };
}

export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
}

/** A protocol client for one terminal. */
export class TestClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string | undefined,
  ) {}

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body:
        body === undefined
          ? undefined
          : typeof body === 'string' || body instanceof Uint8Array
            ? body
            : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  pull(collection: string, checkpoint: unknown, limit: number) {
    return this.request<PullResponse>('POST', `/sync/v1/${collection}/pull`, { checkpoint, limit });
  }

  push(collection: string, rows: unknown[]) {
    return this.request<{ conflicts: Record<string, unknown>[] }>(
      'POST',
      `/sync/v1/${collection}/push`,
      { rows },
    );
  }
}

export interface PullResponse {
  readonly documents: (Record<string, unknown> & { rev: number; _deleted: boolean })[];
  readonly checkpoint: { xid: string; seq: number } | null;
}

/**
 * Everything a request could change, as one comparable value: every document with its rev and
 * change position, every terminal, every enrollment code's use.
 */
export async function databaseFingerprint(db: Database): Promise<string> {
  const { rows } = await db.query<{ fingerprint: string | null }>(
    `SELECT concat_ws('|',
       (SELECT string_agg(collection || '/' || id || '@' || rev || ':' || change_seq || ':' || body::text, ',' ORDER BY collection, id) FROM sync_documents),
       (SELECT string_agg(id || ':' || coalesce(revoked_at::text, '-'), ',' ORDER BY id) FROM terminals),
       (SELECT string_agg(code_hash || ':' || coalesce(used_at::text, '-'), ',' ORDER BY code_hash) FROM enrollment_codes)
     ) AS fingerprint`,
  );
  return rows[0]?.fingerprint ?? '';
}
