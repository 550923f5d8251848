/**
 * A real sync server (PGlite by default, every protocol collection with the ledger) for the
 * terminal's tests, which can be stopped and started again on the same port and database.
 */
import { createTestDatabase } from '../../../../server/src/test-support/test-database.js';
import type {
  TestDatabase,
  TestTarget,
} from '../../../../server/src/test-support/test-database.js';
import {
  TestClient,
  enrollTestTerminal,
  startTestServer,
} from '../../../../server/src/test-support/test-server.js';
import { createSyncCollections } from '../../../../server/src/sync/sync-collections.js';
import type { RunningServer } from '../../../../server/src/server.js';
import { newCouponDoc, newRewardDoc } from '@tillpoint/protocol';
import type { CouponDoc, RewardDoc, StaffDoc, StaffRole } from '@tillpoint/protocol';
import { hashPin } from '../pin.js';
import { cryptoRandom } from '../ids.js';

export { TestClient };

/** Fast PIN hashes for tests; the format and the verification are the production ones. */
const TEST_SCRYPT = { N: 1024, r: 8, p: 1, keyLength: 32 } as const;

export class SyncServer {
  #server: RunningServer | undefined;
  #port = 0;
  #admin: TestClient | undefined;
  readonly storeId = 'store-1';

  #env: Readonly<Record<string, string>>;

  private constructor(
    readonly database: TestDatabase,
    env: Readonly<Record<string, string>> = {},
  ) {
    this.#env = env;
  }

  /**
   * `env`: more server settings (e.g. a smaller MAX_BODY_BYTES). `target`: the embedded
   * database, or a fresh database on the PostgreSQL of TEST_DATABASE_URL.
   */
  static async start(
    env: Readonly<Record<string, string>> = {},
    target: TestTarget = 'pglite',
  ): Promise<SyncServer> {
    const database = await createTestDatabase(target);
    const server = new SyncServer(database, env);
    await server.startAgain();
    const { token } = await enrollTestTerminal(server.running, server.storeId);
    server.#admin = new TestClient(server.url, token);
    return server;
  }

  get running(): RunningServer {
    if (!this.#server) throw new Error('the sync server is stopped');
    return this.#server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** A client of a terminal enrolled for seeding (staff, coupons, rewards). */
  get admin(): TestClient {
    if (!this.#admin) throw new Error('not started');
    return this.#admin;
  }

  /** Starts the stopped server on its port and database; `env` changes settings from now on. */
  async startAgain(env: Readonly<Record<string, string>> = {}): Promise<void> {
    this.#env = { ...this.#env, ...env };
    this.#server = await startTestServer(this.database.db, {
      registry: createSyncCollections(),
      env: {
        PORT: String(this.#port),
        RATE_LIMIT_PER_SECOND: '100000',
        RATE_LIMIT_BURST: '100000',
        ...this.#env,
      },
    });
    this.#port = Number(new URL(this.#server.url).port);
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    // A stopped server drops every connection. server.close() alone waits for keep-alive
    // sockets, on which a terminal may open a new event stream while the server drains.
    const closing = server.close();
    server.http.closeAllConnections();
    await closing;
  }

  #second: { server: RunningServer; close: () => Promise<void> } | undefined;

  /**
   * A second server process on the same database, as the chain runs several: its own pool,
   * listener and caches on PostgreSQL (on PGlite, one process, it shares the connection). It
   * stays up when the first one stops. Returns its URL.
   */
  async startSecond(): Promise<string> {
    if (this.#second) return this.#second.server.url;
    const db =
      this.database.target === 'postgres' ? await this.database.openAnother() : this.database.db;
    const server = await startTestServer(db, {
      registry: createSyncCollections(),
      env: { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000', ...this.#env },
    });
    this.#second = {
      server,
      close: async () => {
        const closing = server.close();
        server.http.closeAllConnections();
        await closing;
        if (db !== this.database.db) await db.close();
      },
    };
    return server.url;
  }

  async dispose(): Promise<void> {
    await this.#second?.close();
    this.#second = undefined;
    await this.stop();
    await this.database.dispose();
  }

  async enrollmentCode(storeId = this.storeId): Promise<string> {
    return (await this.running.auth.createEnrollmentCode(storeId, 60)).code;
  }

  async seed(collection: 'staff' | 'coupons' | 'rewards', docs: readonly object[]): Promise<void> {
    const response = await this.admin.push(
      collection,
      docs.map((doc) => ({ newDocumentState: doc })),
    );
    if (response.status !== 200 || response.body.conflicts.length > 0) {
      throw new Error(
        `seeding ${collection} failed: ${response.status} ${JSON.stringify(response.body)}`,
      );
    }
  }

  async addStaff(input: {
    id: string;
    role: StaffRole;
    pin: string;
    name?: string;
    active?: boolean;
    storeIds?: string[];
  }): Promise<StaffDoc> {
    const doc: StaffDoc = {
      id: input.id,
      name: input.name ?? input.id,
      role: input.role,
      pinHash: await hashPin(input.pin, cryptoRandom, TEST_SCRYPT),
      storeIds: input.storeIds ?? [this.storeId],
      active: input.active ?? true,
      rev: 0,
      updatedAt: new Date().toISOString(),
    };
    await this.seed('staff', [doc]);
    return doc;
  }

  async pull<T = Record<string, unknown>>(collection: string): Promise<T[]> {
    const documents: T[] = [];
    let checkpoint: unknown = null;
    for (;;) {
      const response = await this.admin.pull(collection, checkpoint, 1000);
      if (response.status !== 200) throw new Error(`pull ${collection}: ${response.status}`);
      documents.push(...(response.body.documents as T[]));
      checkpoint = response.body.checkpoint;
      if (response.body.documents.length < 1000) return documents;
    }
  }
}

export function couponDoc(fields: Partial<CouponDoc> & { id: string; code: string }): CouponDoc {
  return newCouponDoc({ updatedAt: new Date().toISOString(), ...fields });
}

export function rewardDoc(
  fields: Partial<RewardDoc> & { id: string; pointsCost: number },
): RewardDoc {
  return newRewardDoc({ name: fields.id, updatedAt: new Date().toISOString(), ...fields });
}
