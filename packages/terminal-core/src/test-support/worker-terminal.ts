/** Drives a terminal running in a worker thread (see terminal-worker.ts). */
import { Worker } from 'node:worker_threads';

export class WorkerTerminal {
  #next = 0;
  #pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();

  private constructor(private readonly worker: Worker) {
    worker.on(
      'message',
      (message: { id: number; ok: boolean; value?: unknown; error?: string }) => {
        const call = this.#pending.get(message.id);
        if (!call) return;
        this.#pending.delete(message.id);
        if (message.ok) call.resolve(message.value);
        else call.reject(new Error(message.error));
      },
    );
    worker.on('error', (error) => {
      for (const call of this.#pending.values()) call.reject(error);
      this.#pending.clear();
    });
  }

  static start(): WorkerTerminal {
    // tsx's loader runs the TypeScript sources in the worker; the condition resolves workspace
    // packages to their sources, as in the tests.
    const entry = new URL('./terminal-worker.ts', import.meta.url).href;
    const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); }).catch((error) => { console.error(error); process.exit(1); });`;
    const worker = new Worker(bootstrap, {
      eval: true,
      execArgv: ['--conditions=@tillpoint/source'],
    });
    return new WorkerTerminal(worker);
  }

  call<T = unknown>(method: string, ...args: unknown[]): Promise<T> {
    const id = ++this.#next;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ id, method, args });
    });
  }

  async stop(): Promise<void> {
    await Promise.race([
      this.call('close').catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, 5_000)),
    ]);
    await this.worker.terminate();
  }
}
