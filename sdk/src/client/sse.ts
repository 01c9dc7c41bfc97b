/** A Server-Sent Events parser (WHATWG HTML §9.2) over a byte stream, as an async iterator of events. */

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
 * comments (`:`) are skipped. An event larger than `maxEventBytes` raises SseError; so does a stream that ends in
 * the middle of an event with data (a truncated stream), unless `allowTruncated`.
 */
export async function* parseSse(
  chunks: AsyncIterable<Uint8Array | string>,
  options: { maxEventBytes?: number } = {},
): AsyncGenerator<SseEvent> {
  const max = options.maxEventBytes ?? 4 * 1024 * 1024;
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  let data: string[] = [];
  let size = 0;
  let event = 'message';
  let id: string | undefined;
  const dispatch = (): SseEvent | undefined => {
    const out = data.length > 0 ? { event, data: data.join('\n'), ...(id !== undefined ? { id } : {}) } : undefined;
    data = [];
    size = 0;
    event = 'message';
    return out;
  };
  for await (const chunk of chunks) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    for (;;) {
      const match = /\r\n|\r|\n/.exec(buffer);
      if (!match) break;
      // A lone CR at the very end may be the first half of CRLF: wait for more input.
      if (match[0] === '\r' && match.index === buffer.length - 1) break;
      const line = buffer.slice(0, match.index);
      buffer = buffer.slice(match.index + match[0].length);
      if (line === '') {
        const out = dispatch();
        if (out) yield out;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') {
        size += value.length + 1;
        if (size > max) throw new SseError(`SSE event larger than ${max} bytes`);
        data.push(value);
      } else if (field === 'event') event = value;
      else if (field === 'id') id = value;
    }
    if (buffer.length > max) throw new SseError(`SSE line longer than ${max} bytes`);
  }
  if (data.length > 0 || buffer.trim() !== '') throw new SseError('SSE stream ended in the middle of an event');
}
