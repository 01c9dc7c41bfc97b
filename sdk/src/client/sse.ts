/**
 * Server-Sent Events (WHATWG HTML §9.2) over a byte stream, as an async iterator of events. The line parsing is
 * `eventsource-parser`'s, which keeps an unfinished line as a list of fragments and joins them once, when the line
 * ends: the cost is linear in the input however the stream is chunked (a 16 MiB line no longer rescans its buffer on
 * every chunk), and its buffer is bounded by `maxEventBytes`.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseEvent {
  readonly event: string;
  readonly data: string;
  readonly id?: string;
}

/** Raised when an event exceeds the size limit or the stream ends inside an event. */
export class SseError extends Error {
  override readonly name = 'SseError';
}

/**
 * Parses `chunks` into events. Lines end with LF, CR or CRLF; `data:` lines accumulate; a blank line dispatches;
 * comments (`:`) and unknown fields are ignored. An event (or a line) larger than `maxEventBytes` raises SseError,
 * and so does a stream that ends in the middle of an event with data (a truncated stream).
 */
export async function* parseSse(
  chunks: AsyncIterable<Uint8Array | string>,
  options: { maxEventBytes?: number } = {},
): AsyncGenerator<SseEvent> {
  const max = options.maxEventBytes ?? 4 * 1024 * 1024;
  const decoder = new TextDecoder('utf-8');
  const ready: SseEvent[] = [];
  let overflow = false;
  const parser = createParser({
    maxBufferSize: max,
    onEvent: (message: EventSourceMessage) => {
      if (message.data.length > max) overflow = true;
      ready.push({
        event: message.event ?? 'message',
        data: message.data,
        ...(message.id !== undefined ? { id: message.id } : {}),
      });
    },
    onError: (error) => {
      // Unknown fields and bad `retry` values are ignored, as the standard says; only the size limit is fatal.
      if (error.type === 'max-buffer-size-exceeded') overflow = true;
    },
  });
  for await (const chunk of chunks) {
    parser.feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    if (overflow) throw new SseError(`SSE event larger than ${max} bytes`);
    yield* ready.splice(0);
  }
  // End of input: an event still being built (or an unfinished data line) means the stream was cut.
  parser.feed(`${decoder.decode()}\n\n`);
  if (ready.length > 0) throw new SseError('SSE stream ended in the middle of an event');
}
