/**
 * Stores, enrollment codes, terminals and their device tokens. Secrets (codes, tokens) leave
 * this module exactly once, in the return value that creates them; the database holds only
 * their keyed hashes.
 */
import type { Database, Queryable } from '../db/database.js';
import { isUniqueViolation } from '../db/database.js';
import { ServiceError } from '../errors.js';
import { uuidv7 } from '../ids.js';
import {
  generateDeviceToken,
  generateEnrollmentCode,
  hashSecret,
  normalizeEnrollmentCode,
} from './secrets.js';
import type { TerminalContext } from './terminal-context.js';

export interface Store {
  readonly id: string;
  readonly name: string;
}

export interface EnrollmentResult {
  readonly terminalId: string;
  readonly storeId: string;
  readonly token: string;
}

export interface TerminalSummary {
  readonly id: string;
  readonly storeId: string;
  readonly name: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

const STORE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

export interface AuthServiceOptions {
  /**
   * How long (ms) a successful token lookup is reused by this process without asking the
   * database; 0 (the default) looks every request up. A terminal revoked through this
   * AuthService is refused at once; revoked by another process (the CLI, another server), its
   * token is refused at most this long after the revocation committed.
   */
  readonly tokenCacheMs?: number;
  /** Most tokens kept (the oldest lookup is dropped first). Default 10,000. */
  readonly tokenCacheSize?: number;
  /** Monotonic clock in ms (tests). */
  readonly clock?: () => number;
}

interface CachedTerminal {
  readonly context: TerminalContext;
  /** The lookup's start plus the cache time: a revocation committed after the start is seen. */
  readonly expiresAt: number;
}

export class AuthService {
  readonly #tokenCacheMs: number;
  readonly #tokenCacheSize: number;
  readonly #clock: () => number;
  /** Keyed by token hash (the raw token is not kept), in lookup order. */
  readonly #tokens = new Map<string, CachedTerminal>();
  /** Bumped by every revocation here: a lookup that overlapped one is not cached. */
  #revocations = 0;

  constructor(
    private readonly db: Database,
    private readonly pepper: string,
    options: AuthServiceOptions = {},
  ) {
    this.#tokenCacheMs = options.tokenCacheMs ?? 0;
    this.#tokenCacheSize = options.tokenCacheSize ?? 10_000;
    this.#clock = options.clock ?? (() => performance.now());
  }

  /** How long a revocation made elsewhere may take to reach this process (ms). */
  get tokenCacheMs(): number {
    return this.#tokenCacheMs;
  }

  async createStore(input: { id?: string; name: string }): Promise<Store> {
    const id = input.id ?? uuidv7();
    const name = input.name.trim();
    if (!STORE_ID_PATTERN.test(id)) {
      throw new ServiceError('invalid-body', 'store id must be 1 to 64 letters, digits, _ . : -');
    }
    if (name.length === 0 || name.length > 120) {
      throw new ServiceError('invalid-body', 'store name must be 1 to 120 characters');
    }
    try {
      await this.db.query('INSERT INTO stores (id, name) VALUES ($1, $2)', [id, name]);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ServiceError('invalid-body', `store ${id} already exists`, { storeId: id });
      }
      throw error;
    }
    return { id, name };
  }

  async listStores(): Promise<Store[]> {
    const { rows } = await this.db.query<{ id: string; name: string }>(
      'SELECT id, name FROM stores ORDER BY created_at, id',
    );
    return rows;
  }

  /**
   * A single-use code that enrolls one terminal into `storeId` until `expiresAt`. With
   * `terminalId`, the code enrolls that existing terminal again (a new token, its revocation
   * lifted): a till keeps its identity and the sales it has not sent yet.
   */
  async createEnrollmentCode(
    storeId: string,
    ttlMinutes: number,
    now = new Date(),
    terminalId?: string,
  ): Promise<{ code: string; storeId: string; expiresAt: string; terminalId?: string }> {
    const store = await this.db.query('SELECT 1 FROM stores WHERE id = $1', [storeId]);
    if (store.rowCount === 0) {
      throw new ServiceError('not-found', `no store ${storeId}`, { storeId });
    }
    if (terminalId !== undefined) {
      const terminalStore = await this.storeOfTerminal(terminalId);
      if (terminalStore !== storeId) {
        throw new ServiceError(
          'invalid-body',
          `terminal ${terminalId} is in store ${terminalStore}`,
          {
            terminalId,
          },
        );
      }
    }
    const code = generateEnrollmentCode();
    const expiresAt = new Date(now.getTime() + ttlMinutes * 60_000);
    await this.db.query(
      'INSERT INTO enrollment_codes (code_hash, store_id, created_at, expires_at, terminal_id) VALUES ($1, $2, $3, $4, $5)',
      [this.#codeHash(code), storeId, now, expiresAt, terminalId ?? null],
    );
    return {
      code,
      storeId,
      expiresAt: expiresAt.toISOString(),
      ...(terminalId !== undefined ? { terminalId } : {}),
    };
  }

  /** The store a terminal belongs to (for codes made by terminal id). */
  async storeOfTerminal(terminalId: string): Promise<string> {
    const { rows } = await this.db.query<{ store_id: string }>(
      'SELECT store_id FROM terminals WHERE id = $1',
      [terminalId],
    );
    const found = rows[0];
    if (!found) throw new ServiceError('not-found', `no terminal ${terminalId}`, { terminalId });
    return found.store_id;
  }

  /**
   * Consumes the code and registers the terminal, in one transaction: of two terminals racing
   * with one code exactly one gets a token (the row lock makes the second see it used).
   */
  async enroll(
    input: { enrollmentCode: string; terminalName: string; terminalId?: string | undefined },
    now = new Date(),
  ): Promise<EnrollmentResult> {
    const codeHash = this.#codeHash(input.enrollmentCode);
    const token = generateDeviceToken();
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{
        store_id: string;
        expires_at: Date;
        used_at: Date | null;
        terminal_id: string | null;
      }>(
        'SELECT store_id, expires_at, used_at, terminal_id FROM enrollment_codes WHERE code_hash = $1 FOR UPDATE',
        [codeHash],
      );
      const code = rows[0];
      if (!code) {
        throw new ServiceError('enrollment-code-invalid', 'there is no such enrollment code');
      }
      if (code.used_at !== null) {
        throw new ServiceError('enrollment-code-used', 'this enrollment code was already used');
      }
      if (code.expires_at.getTime() <= now.getTime()) {
        throw new ServiceError('enrollment-code-expired', 'this enrollment code has expired');
      }
      // A code for a new terminal enrolls a new one; a code made for a terminal enrolls that one
      // again, and only when that terminal presents it. Otherwise the code stays unused.
      if ((code.terminal_id ?? undefined) !== input.terminalId) {
        throw new ServiceError(
          'enrollment-code-invalid',
          code.terminal_id === null
            ? 'this code enrolls a new terminal; to enroll this one again, use a code made for it (create-enrollment-code --terminal)'
            : 'this code was made to enroll another terminal again',
        );
      }
      const terminalId = code.terminal_id ?? uuidv7(now.getTime());
      await tx.query(
        'UPDATE enrollment_codes SET used_at = $2, used_by_terminal_id = $3 WHERE code_hash = $1',
        [codeHash, now, terminalId],
      );
      if (code.terminal_id !== null) {
        // The same terminal again: a new token, the old one refused from now on.
        await tx.query(
          'UPDATE terminals SET token_hash = $2, name = $3, revoked_at = NULL WHERE id = $1',
          [terminalId, hashSecret(token, this.pepper), input.terminalName],
        );
        tx.afterCommit(() => this.#forgetTerminal(terminalId));
        this.#forgetTerminal(terminalId);
      } else {
        await tx.query(
          'INSERT INTO terminals (id, store_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)',
          [terminalId, code.store_id, input.terminalName, hashSecret(token, this.pepper), now],
        );
      }
      return { terminalId, storeId: code.store_id, token };
    });
  }

  /**
   * The terminal a Bearer token belongs to; 401 'unauthorized' or 'token-revoked' otherwise.
   * Successful lookups are reused for `tokenCacheMs` (see AuthServiceOptions); refusals never
   * are, and lookups through another `db` (a transaction) always read the table.
   */
  /** Whether `token` is a known terminal's in this process's cache (no database lookup). */
  isCached(token: string): boolean {
    if (this.#tokenCacheMs <= 0) return false;
    const cached = this.#tokens.get(hashSecret(token, this.pepper));
    return cached !== undefined && cached.expiresAt > this.#clock();
  }

  async authenticate(token: string, db: Queryable = this.db): Promise<TerminalContext> {
    const tokenHash = hashSecret(token, this.pepper);
    const caching = this.#tokenCacheMs > 0 && db === this.db;
    const started = caching ? this.#clock() : 0;
    const revocations = this.#revocations;
    if (caching) {
      const cached = this.#tokens.get(tokenHash);
      if (cached !== undefined) {
        if (cached.expiresAt > started) return cached.context;
        this.#tokens.delete(tokenHash);
      }
    }
    const { rows } = await db.query<{ id: string; store_id: string; revoked_at: Date | null }>(
      'SELECT id, store_id, revoked_at FROM terminals WHERE token_hash = $1',
      [tokenHash],
    );
    const terminal = rows[0];
    if (!terminal) throw new ServiceError('unauthorized', 'unknown device token');
    if (terminal.revoked_at !== null) {
      throw new ServiceError('token-revoked', 'this terminal has been revoked; enroll it again');
    }
    const context: TerminalContext = { terminalId: terminal.id, storeId: terminal.store_id };
    if (caching && revocations === this.#revocations) {
      this.#tokens.set(tokenHash, { context, expiresAt: started + this.#tokenCacheMs });
      if (this.#tokens.size > this.#tokenCacheSize) {
        const oldest = this.#tokens.keys().next().value;
        if (oldest !== undefined) this.#tokens.delete(oldest);
      }
    }
    return context;
  }

  async listTerminals(storeId?: string): Promise<TerminalSummary[]> {
    const { rows } = await this.db.query<{
      id: string;
      store_id: string;
      name: string;
      created_at: Date;
      revoked_at: Date | null;
    }>(
      `SELECT id, store_id, name, created_at, revoked_at FROM terminals
        WHERE $1::text IS NULL OR store_id = $1 ORDER BY created_at, id`,
      [storeId ?? null],
    );
    return rows.map((row) => ({
      id: row.id,
      storeId: row.store_id,
      name: row.name,
      createdAt: row.created_at.toISOString(),
      revokedAt: row.revoked_at?.toISOString() ?? null,
    }));
  }

  /**
   * Revokes the terminal's token: at once in this process, and in every other server process
   * within its token cache time (they read the table when their cached lookup expires).
   */
  async revokeTerminal(terminalId: string, now = new Date()): Promise<void> {
    this.#forgetTerminal(terminalId);
    const { rowCount } = await this.db.query(
      'UPDATE terminals SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1',
      [terminalId, now],
    );
    // Again after the commit: a lookup that started before it may have cached the terminal.
    this.#forgetTerminal(terminalId);
    if (rowCount === 0)
      throw new ServiceError('not-found', `no terminal ${terminalId}`, { terminalId });
  }

  #forgetTerminal(terminalId: string): void {
    this.#revocations += 1;
    for (const [tokenHash, cached] of this.#tokens) {
      if (cached.context.terminalId === terminalId) this.#tokens.delete(tokenHash);
    }
  }

  #codeHash(code: string): string {
    return hashSecret(normalizeEnrollmentCode(code), this.pepper);
  }
}
