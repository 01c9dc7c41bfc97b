/** A raw SSE reader over undici, to see the `id:` of each event (the per-task sequence number) and to drop a stream. */
import { request } from 'undici';

export interface RawSseEvent {
  readonly id: number | undefined;
  readonly data: Record<string, unknown>;
}

export interface RawSseStream {
  readonly status: number;
  next(): Promise<RawSseEvent | undefined>;
  /** Drop the connection (as a client whose network failed). */
  drop(): void;
}

export async function openSse(
  url: string,
  options: { method?: 'GET' | 'POST'; body?: unknown; headers?: Record<string, string> } = {},
): Promise<RawSseStream> {
  const controller = new AbortController();
  const response = await request(url, {
    method: options.method ?? 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      'a2a-version': '1.0',
      ...options.headers,
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    signal: controller.signal,
  });
  response.body.setEncoding('utf8');
  const iterator = response.body[Symbol.asyncIterator]();
  let buffer = '';
  return {
    status: response.statusCode,
    async next() {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let id: number | undefined;
          const data: string[] = [];
          for (const line of frame.split('\n')) {
            if (line.startsWith('id:')) id = Number(line.slice(3).trim());
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
          }
          if (data.length === 0) continue;
          return { id, data: JSON.parse(data.join('\n')) };
        }
        const chunk = await iterator.next();
        if (chunk.done) return undefined;
        buffer += chunk.value as string;
      }
    },
    drop() {
      controller.abort();
      response.body.on('error', () => undefined);
      response.body.destroy();
    },
  };
}
