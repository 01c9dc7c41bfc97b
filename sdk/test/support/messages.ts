/** Small helpers shared by the wire tests. */
import type { Message } from '../../src/a2a/model/index.js';

/** A user message with a fresh id. */
export const msg = (text: string, extra: Partial<Message> = {}): Message => ({
  messageId: crypto.randomUUID(),
  role: 'ROLE_USER',
  parts: [{ text }],
  ...extra,
});

/** Every item of an async iterable. */
export async function collect<T>(events: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const e of events) out.push(e);
  return out;
}
