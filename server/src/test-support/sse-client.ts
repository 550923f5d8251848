/** A minimal server-sent-events reader over fetch (Node 20 has no EventSource). */
import { PROTOCOL_HEADER, PROTOCOL_VERSION } from '@tillpoint/protocol';

export interface SseEvent {
  readonly event: string;
  readonly data: unknown;
}

export interface SseConnection {
  readonly status: number;
  close(): void;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
}

export async function connectSse(
  url: string,
  token: string | undefined,
  onEvent: (event: SseEvent) => void,
): Promise<SseConnection> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: {
      accept: 'text/event-stream',
      [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    signal: controller.signal,
  });
  const ended = (async () => {
    if (!response.ok || !response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let boundary: number;
        while ((boundary = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) onEvent({ event, data: JSON.parse(data.join('\n')) });
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    }
  })();
  return { status: response.status, close: () => controller.abort(), ended };
}
