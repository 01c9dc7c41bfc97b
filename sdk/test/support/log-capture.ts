/** A log destination for tests that read what a server (an agent, the broker) logged. */
import { Writable } from 'node:stream';

/** A Writable (a pino logger's `stream`) that keeps every chunk written to it; `text()` is the log so far. */
export function captureLog(): { stream: Writable; text: () => string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => lines.join('') };
}
