/**
 * A switchable network for one terminal: a fetch that works, is cut (every request fails and
 * open streams are dropped, as with a pulled cable), or loses the answers of chosen requests
 * after the server has handled them.
 */
import type { FetchLike } from '../transport.js';

export class Network {
  #cut = false;
  #open = new Set<AbortController>();
  #dropAnswers: ((url: string) => boolean) | undefined;
  readonly lostAnswers: string[] = [];

  readonly fetch: FetchLike = async (input, init) => {
    if (this.#cut) throw new TypeError('fetch failed: network is down');
    const controller = new AbortController();
    const outer = init?.signal;
    if (outer?.aborted) controller.abort();
    outer?.addEventListener('abort', () => controller.abort(), { once: true });
    this.#open.add(controller);
    try {
      const response = await fetch(input, { ...init, signal: controller.signal });
      if (this.#dropAnswers?.(input)) {
        // The server has done the work; the terminal never hears about it.
        await response.arrayBuffer().catch(() => undefined);
        this.lostAnswers.push(input);
        throw new TypeError('fetch failed: connection reset');
      }
      if (this.#cut) throw new TypeError('fetch failed: network is down');
      return response;
    } finally {
      // Streams stay registered until the cut so they can be dropped.
      if (!(init?.headers && JSON.stringify(init.headers).includes('text/event-stream'))) {
        this.#open.delete(controller);
      }
    }
  };

  get isCut(): boolean {
    return this.#cut;
  }

  cut(): void {
    this.#cut = true;
    for (const controller of this.#open) controller.abort();
    this.#open.clear();
  }

  restore(): void {
    this.#cut = false;
  }

  /** Lose the answer of every request whose URL `matches` until `stopDropping()`. */
  dropAnswers(matches: (url: string) => boolean): void {
    this.#dropAnswers = matches;
  }

  stopDropping(): void {
    this.#dropAnswers = undefined;
  }
}
