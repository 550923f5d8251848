/**
 * The server's live change stream (`GET /sync/v1/stream`, text/event-stream), read with fetch
 * and a stream reader so the same code runs in Node and in the renderer (EventSource cannot send
 * the Authorization header). Reconnects with the shared back-off until stopped.
 */
import { StreamEventSchema } from '@tillpoint/protocol';
import type { StreamEvent } from '@tillpoint/protocol';
import type { Backoff, Transport } from './transport.js';
import { SyncError } from './transport.js';

export interface EventStreamHandlers {
  onOpen(): void;
  onEvent(event: StreamEvent): void;
  onClose(error: SyncError | undefined): void;
}

/** Splits a text/event-stream into events; feed it chunks, it calls back per complete event. */
export class EventStreamParser {
  #buffer = '';
  #data: string[] = [];

  constructor(private readonly onMessage: (data: string) => void) {}

  push(chunk: string): void {
    this.#buffer += chunk;
    let newline: number;
    while ((newline = this.#buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.#buffer.slice(0, newline);
      const width = this.#buffer.startsWith('\r\n', newline) ? 2 : 1;
      this.#buffer = this.#buffer.slice(newline + width);
      this.#line(line);
    }
  }

  #line(line: string): void {
    if (line === '') {
      if (this.#data.length > 0) this.onMessage(this.#data.join('\n'));
      this.#data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
  }
}

export class EventStream {
  #controller: AbortController | undefined;
  #stopped = false;
  #loop: Promise<void> | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly backoff: Backoff,
    private readonly handlers: EventStreamHandlers,
  ) {}

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Drops the current connection (it reconnects); used when the network is known to be down. */
  reconnect(): void {
    this.#controller?.abort();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#controller?.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      await this.backoff.ready();
      if (this.#stopped) return;
      const error = await this.#connectOnce();
      if (this.#stopped) return;
      this.handlers.onClose(error);
      this.backoff.fail();
    }
  }

  async #connectOnce(): Promise<SyncError | undefined> {
    const controller = new AbortController();
    this.#controller = controller;
    try {
      const response = await this.transport.send('/sync/v1/stream', {
        method: 'GET',
        headers: this.transport.headers({ accept: 'text/event-stream' }),
        signal: controller.signal,
      });
      if (!response.ok || !response.body) {
        const text = await response.text().catch(() => '');
        return this.transport.failed(response, text);
      }
      // The server is back: every loop waiting only for the network may try at once (a loop the
      // server answered with a failure keeps its back-off; the next success resets it).
      this.backoff.reachable();
      this.handlers.onOpen();
      const parser = new EventStreamParser((data) => {
        let json: unknown;
        try {
          json = JSON.parse(data);
        } catch {
          return;
        }
        const event = StreamEventSchema.safeParse(json);
        if (event.success) this.handlers.onEvent(event.data);
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.push(value);
        }
      } finally {
        reader.releaseLock();
      }
      return new SyncError('network', 'stream-ended', 'The connection to the server was closed.');
    } catch (error) {
      if (error instanceof SyncError) return error;
      return new SyncError(
        'network',
        'stream-failed',
        'The connection to the server was lost. The till keeps working offline.',
      );
    } finally {
      if (!controller.signal.aborted) controller.abort();
    }
  }
}
