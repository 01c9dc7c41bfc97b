/** A mistake in the command line: the command prints it with its help and exits with status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** What a CLI command may touch: output streams, standard input and a cancellation signal (injected for tests). */
export interface CommandIO {
  out(line: string): void;
  err(line: string): void;
  /** Read standard input, stopping after `limit` bytes. */
  readStdin(limit: number): Promise<Buffer>;
  readonly signal?: AbortSignal;
}

export function processIO(signal?: AbortSignal): CommandIO {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    async readStdin(limit) {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of process.stdin) {
        const buffer = chunk as Buffer;
        chunks.push(buffer);
        size += buffer.byteLength;
        if (size >= limit) break;
      }
      return Buffer.concat(chunks);
    },
    ...(signal ? { signal } : {}),
  };
}
