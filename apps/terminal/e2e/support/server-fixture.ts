/**
 * The test side of server-process.ts: starts the real server in a child process on the test's
 * own data directory, stops it (the server going down mid-shift) and starts it again on the same
 * port and data, and sends it seeding and inspection commands.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ServerCommand, SetupArgs } from './server-protocol.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../../..');
const tsxCli = createRequire(path.join(repoRoot, 'package.json')).resolve('tsx/cli');
const script = path.join(here, 'server-process.ts');

type Answer = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

export class TestServer {
  #child: ChildProcessWithoutNullStreams | undefined;
  #port = 0;
  #nextId = 1;
  readonly #waiting = new Map<number, (answer: Answer) => void>();
  #log: string[] = [];

  constructor(readonly dataDir: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /**
   * Starts the server (again: same data directory, same port); `settings` are server settings
   * for this run only (e.g. `MAX_BODY_BYTES`).
   */
  async start(settings: Readonly<Record<string, string>> = {}): Promise<void> {
    if (this.#child) return;
    const child = spawn(process.execPath, [tsxCli, '--conditions=@tillpoint/source', script], {
      cwd: repoRoot,
      env: {
        ...process.env,
        ...settings,
        DATA_DIR: this.dataDir,
        PORT: String(this.#port),
        NODE_OPTIONS: '',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#child = child;
    child.stderr.on('data', (chunk: Buffer) => this.#remember(chunk.toString()));
    const ready = new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        if (line.startsWith('@@ready ')) {
          resolve((JSON.parse(line.slice(8)) as { url: string }).url);
        } else if (line.startsWith('@@answer ')) {
          const answer = JSON.parse(line.slice(9)) as Answer;
          this.#waiting.get(answer.id)?.(answer);
          this.#waiting.delete(answer.id);
        } else {
          this.#remember(line);
        }
      });
      child.once('exit', (code, signal) => {
        this.#child = undefined;
        for (const resolveAnswer of this.#waiting.values()) {
          resolveAnswer({ id: 0, ok: false, error: `the server exited (${signal ?? code})` });
        }
        this.#waiting.clear();
        reject(
          new Error(
            `the server exited while starting (${signal ?? code}):\n${this.#log.join('\n')}`,
          ),
        );
      });
    });
    const url = await ready;
    this.#port = Number(new URL(url).port);
  }

  /** Stops the server: `kill` is a crash (SIGKILL), otherwise a clean shutdown. */
  async stop(how: 'clean' | 'kill' = 'clean'): Promise<void> {
    const child = this.#child;
    if (!child) return;
    const exited = once(child, 'exit');
    child.kill(how === 'kill' ? 'SIGKILL' : 'SIGTERM');
    await exited;
  }

  #remember(text: string): void {
    this.#log.push(text.trimEnd());
    if (this.#log.length > 200) this.#log = this.#log.slice(-100);
  }

  async #ask<T>(command: ServerCommand): Promise<T> {
    const child = this.#child;
    if (!child) throw new Error('the test server is stopped');
    const id = this.#nextId++;
    const answer = new Promise<Answer>((resolve) => this.#waiting.set(id, resolve));
    child.stdin.write(`${JSON.stringify({ ...command, id })}\n`);
    const result = await answer;
    if (!result.ok) throw new Error(`server command ${command.command} failed: ${result.error}`);
    return result.value as T;
  }

  /** Store, staff, program, coupons and members; returns member ids by phone. */
  setup(args: SetupArgs): Promise<{ members: Record<string, string> }> {
    return this.#ask({ command: 'setup', args });
  }

  /** A store's code for a new terminal, or with `terminalId` one that enrolls it again. */
  enrollmentCode(storeId: string, terminalId?: string): Promise<string> {
    return this.#ask({
      command: 'enrollment-code',
      args: { storeId, ...(terminalId !== undefined ? { terminalId } : {}) },
    });
  }

  terminals(storeId: string): Promise<string[]> {
    return this.#ask({ command: 'terminals', args: { storeId } });
  }

  revokeTerminal(terminalId: string): Promise<null> {
    return this.#ask({ command: 'revoke-terminal', args: { terminalId } });
  }

  documents<T = Record<string, unknown>>(collection: string): Promise<T[]> {
    return this.#ask({ command: 'documents', args: { collection } });
  }

  async account(memberId: string): Promise<{ balance: number } | undefined> {
    const accounts = await this.documents<{ id: string; balance: number }>('accounts');
    return accounts.find((account) => account.id === memberId);
  }

  logs(): string {
    return this.#log.join('\n');
  }
}
