/**
 * The terminal's HTTP client for the sync server: protocol header and device token on every
 * request, server errors turned into plain words, contact tracking for the status, and one
 * shared back-off that every replication loop and the event stream wait on.
 */
import { ErrorBodySchema, PROTOCOL_HEADER, PROTOCOL_VERSION } from '@tillpoint/protocol';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export type SyncErrorKind =
  /** The server could not be reached or did not answer: retry. */
  | 'network'
  /** The server answered with a temporary failure (5xx, 429): retry. */
  | 'server'
  /** The terminal's token is not (or no longer) accepted: enroll again. */
  | 'auth'
  /** The server speaks another protocol version: update the terminal. */
  | 'version'
  /** The server refused the request itself (4xx): retrying the same request will not help. */
  | 'refused';

export class SyncError extends Error {
  override readonly name = 'SyncError';
  constructor(
    readonly kind: SyncErrorKind,
    /** The server's error code when it sent one. */
    readonly code: string,
    /** What to show a cashier or manager, in plain words. */
    readonly plain: string,
    readonly status?: number,
    /** How long the server asked the till to wait before trying again (a rate limit). */
    readonly retryAfterMs?: number,
    /** The row of a push the server refused, when it named one (`details.row`). */
    readonly row?: number,
    /** The server's own message, when it sent one. */
    readonly serverMessage?: string,
  ) {
    super(`${code}: ${plain}`);
  }
}

export interface ContactListener {
  onContact(): void;
  onFailure(error: SyncError): void;
}

const PLAIN_BY_KIND: Readonly<Record<SyncErrorKind, string>> = {
  network:
    'The server cannot be reached. The till keeps working offline and syncs when the connection is back.',
  server: 'The server is having trouble right now. The till keeps working and retries.',
  auth: 'This terminal is no longer accepted by the server. A manager must enroll it again.',
  version: 'This terminal needs an update before it can sync with the server.',
  refused: 'The server refused some changes from this terminal.',
};

function classify(
  status: number,
  code: string | undefined,
  message: string | undefined,
  retryAfterSeconds?: number,
  row?: number,
): SyncError {
  if (status === 429 || code === 'rate-limited') {
    const seconds =
      retryAfterSeconds !== undefined && retryAfterSeconds > 0 && retryAfterSeconds <= 3_600
        ? Math.ceil(retryAfterSeconds)
        : undefined;
    return new SyncError(
      'server',
      code ?? 'rate-limited',
      `The server asked the till to slow down${seconds ? `; it tries again in ${seconds} s` : ''}. The till keeps working.`,
      status,
      seconds === undefined ? undefined : seconds * 1_000,
    );
  }
  if (status === 401 || code === 'unauthorized' || code === 'token-revoked') {
    return new SyncError('auth', code ?? 'unauthorized', PLAIN_BY_KIND.auth, status);
  }
  if (status === 426 || code === 'protocol-version-unsupported') {
    return new SyncError(
      'version',
      code ?? 'protocol-version-unsupported',
      PLAIN_BY_KIND.version,
      status,
    );
  }
  if (status >= 500 || status === 429) {
    return new SyncError('server', code ?? `http-${status}`, PLAIN_BY_KIND.server, status);
  }
  const detail = message ? ` (${message})` : '';
  return new SyncError(
    'refused',
    code ?? `http-${status}`,
    `${PLAIN_BY_KIND.refused}${detail}`,
    status,
    undefined,
    row,
    message,
  );
}

export interface BackoffOptions {
  /** First wait after a failure (ms). */
  readonly baseMs: number;
  /** Longest wait (ms). */
  readonly maxMs: number;
}

/**
 * Exponential back-off shared by every loop that talks to the server. A failure in a round
 * doubles the wait once, however many loops saw it; `wake()` (the event stream reconnected, or
 * someone asked to sync now) ends every wait at once.
 */
export class Backoff {
  #failures = 0;
  #retryAt = 0;
  /** Since the last success, the server answered a request with a failure (not the network). */
  #answeredWithFailure = false;
  #waiters = new Set<() => void>();
  #timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly options: BackoffOptions) {}

  get failures(): number {
    return this.#failures;
  }

  /**
   * A request failed (`error`, when known, says how): the wait doubles once per round, and a
   * rate limit's own wait is kept at least.
   */
  fail(error?: unknown): void {
    const now = Date.now();
    if (now >= this.#retryAt) {
      this.#failures += 1;
      const delay = Math.min(this.options.maxMs, this.options.baseMs * 2 ** (this.#failures - 1));
      // ±20% jitter so many terminals do not come back in lockstep.
      this.#retryAt = now + delay * (0.8 + Math.random() * 0.4);
    }
    if (error instanceof SyncError) {
      if (error.kind !== 'network') this.#answeredWithFailure = true;
      if (error.retryAfterMs !== undefined) {
        this.#retryAt = Math.max(this.#retryAt, now + error.retryAfterMs);
      }
    }
  }

  succeed(): void {
    this.#failures = 0;
    this.#retryAt = 0;
    this.#answeredWithFailure = false;
  }

  /**
   * The server can be reached again (the event stream connected): ends the waits that were
   * waiting only for the network. Not a wait after the server itself answered with a failure
   * or a rate limit: a stream that comes and goes must not undo that back-off.
   */
  reachable(): void {
    if (!this.#answeredWithFailure) this.wake();
  }

  wake(): void {
    this.#retryAt = 0;
    for (const resolve of this.#waiters) resolve();
    this.#waiters.clear();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Resolves when the next attempt may be made. */
  ready(): Promise<void> {
    const wait = this.#retryAt - Date.now();
    if (wait <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.#waiters.delete(resolve);
        resolve();
      }, wait);
      this.#timers.add(timer);
      this.#waiters.add(resolve);
    });
  }

  dispose(): void {
    this.wake();
  }
}

export interface TransportOptions {
  readonly fetch: FetchLike;
  readonly serverUrl: string;
  readonly token?: string;
  readonly listener?: ContactListener;
}

function errorFromBody(status: number, text: string): SyncError {
  let code: string | undefined;
  let message: string | undefined;
  let retryAfterSeconds: number | undefined;
  let row: number | undefined;
  try {
    const parsed = ErrorBodySchema.safeParse(JSON.parse(text));
    if (parsed.success) {
      code = parsed.data.error.code;
      message = parsed.data.error.message;
      const wait = parsed.data.error.details?.['retryAfterSeconds'];
      if (typeof wait === 'number' && Number.isFinite(wait)) retryAfterSeconds = wait;
      const named = parsed.data.error.details?.['row'];
      if (typeof named === 'number' && Number.isSafeInteger(named) && named >= 0) row = named;
    }
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  return classify(status, code, message, retryAfterSeconds, row);
}

export class Transport {
  constructor(private readonly options: TransportOptions) {}

  get serverUrl(): string {
    return this.options.serverUrl;
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
      ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
      ...extra,
    };
  }

  /** A JSON request; the parsed body of a 2xx answer, or a SyncError. */
  async postJson(path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const response = await this.send(path, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify(body),
      signal,
    });
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw this.#network(error);
    }
    if (!response.ok) {
      const failure = errorFromBody(response.status, text);
      this.options.listener?.onFailure(failure);
      throw failure;
    }
    this.options.listener?.onContact();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      const failure = new SyncError(
        'server',
        'malformed-response',
        PLAIN_BY_KIND.server,
        response.status,
      );
      this.options.listener?.onFailure(failure);
      throw failure;
    }
  }

  /** The raw response of a request (for the event stream); network failures become SyncErrors. */
  async send(path: string, init: RequestInit): Promise<Response> {
    try {
      return await this.options.fetch(`${this.options.serverUrl}${path}`, init);
    } catch (error) {
      throw this.#network(error);
    }
  }

  failed(response: Response, text: string): SyncError {
    const failure = errorFromBody(response.status, text);
    this.options.listener?.onFailure(failure);
    return failure;
  }

  #network(error: unknown): SyncError {
    const failure = new SyncError('network', 'network', PLAIN_BY_KIND.network, undefined);
    failure.cause = error;
    this.options.listener?.onFailure(failure);
    return failure;
  }
}

/** Plain words for any error a sync loop met. */
export function plainError(error: unknown): { code: string; message: string } {
  if (error instanceof SyncError) return { code: error.code, message: error.plain };
  return {
    code: 'internal',
    message: 'Something went wrong while syncing. The till keeps working and retries.',
  };
}
