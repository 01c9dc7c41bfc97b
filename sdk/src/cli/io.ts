/** What CLI commands share: their I/O, the exit statuses, the failures that carry one, and bounded input reading. */

/** One exit status per kind of outcome; `rightsize --help` and the README list them. */
export const EXIT = {
  /** The command succeeded (for validate: the document is valid). */
  ok: 0,
  /** The document was read and is not valid (schema problems, not JSON, nested too deep). */
  invalid: 1,
  /** A mistake in the command line. */
  usage: 2,
  /** The input could not be read: no such file, permission denied, network failure, an HTTP error status. */
  unreadable: 3,
  /** The input path is not a regular file (a FIFO, a device such as /dev/zero, a directory, a socket). */
  notRegularFile: 4,
  /** The input is larger than --max-bytes (checked while reading: nothing past the limit is read). */
  tooLarge: 5,
  /** Reading the input took longer than --timeout. */
  timeout: 6,
  /** The URL's address is loopback, private or special-purpose and --allow-private was not given. */
  refused: 7,
  /** An unexpected internal error (a bug: please report it). */
  internal: 70,
  /** Interrupted (SIGINT). */
  interrupted: 130,
} as const;

export type ExitStatus = (typeof EXIT)[keyof typeof EXIT];

/** The exit statuses as help text. */
export const EXIT_HELP = `Exit status:
  0 valid / success           1 invalid document            2 usage error
  3 input not readable        4 not a regular file          5 input larger than --max-bytes
  6 timed out                 7 address refused (private)   70 internal error      130 interrupted`;

/** A mistake in the command line: the command prints it with its help and exits with status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure with its own exit status (see EXIT). */
export class CommandFailure extends Error {
  override readonly name = 'CommandFailure';
  constructor(
    message: string,
    readonly exitStatus: ExitStatus,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What a CLI command may touch: output streams, standard input and a cancellation signal (injected for tests). */
export interface CommandIO {
  out(line: string): void;
  err(line: string): void;
  /** Standard input as a byte stream (read lazily, only by commands that need it). */
  readonly stdin: AsyncIterable<Uint8Array | string>;
  readonly signal?: AbortSignal;
}

export function processIO(signal?: AbortSignal): CommandIO {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    get stdin() {
      return process.stdin;
    },
    ...(signal ? { signal } : {}),
  };
}

/**
 * Read `source` into memory, at most `maxBytes` (CommandFailure tooLarge as soon as one more byte arrives), giving up
 * when `signal` fires (the caller maps the reason). A stream is destroyed when reading stops, so an endless or
 * stalled input (a pipe that never closes) holds neither memory nor the process.
 */
export async function readLimited(
  source: AsyncIterable<Uint8Array | string>,
  maxBytes: number,
  signal: AbortSignal,
  what: string,
): Promise<Buffer> {
  const iterator = source[Symbol.asyncIterator]();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {});
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done) break;
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
      size += chunk.byteLength;
      if (size > maxBytes) throw new CommandFailure(`${what} is larger than ${maxBytes} bytes`, EXIT.tooLarge);
      chunks.push(chunk);
    }
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
    const destroy = (source as { destroy?: () => void }).destroy;
    if (typeof destroy === 'function') destroy.call(source);
    else void iterator.return?.().catch(() => {});
  }
  return Buffer.concat(chunks);
}
