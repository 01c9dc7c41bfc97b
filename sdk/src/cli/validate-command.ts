/** `rightsize validate`: check a JSON document (file, URL or stdin) against the A2A v1.0 schemas. */
import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { A2A_OBJECTS, type A2AObjectName } from '../a2a/catalog.js';
import { AddressNotAllowedError } from '../net/address-policy.js';
import { type FetchFailureKind, FetchTextError, fetchText } from '../net/fetch-text.js';
import { redactUrl } from '../net/redact.js';
import { validateDocument } from '../validate/detect.js';
import { formatIssues } from '../validate/issues.js';
import { DEFAULT_LIMITS } from '../validate/limits.js';
import { createA2AValidator, parseJson } from '../validate/validator.js';
import { CommandFailure, type CommandIO, EXIT, EXIT_HELP, readLimited, UsageError } from './io.js';

export const VALIDATE_HELP = `Usage: rightsize validate <file|url|-> [options]

Validates one JSON document against the A2A v1.0 JSON Schemas (schemas/a2a/v1.0) and prints every problem
with its JSON-pointer path. The object kind is detected unless --kind is given.

Arguments:
  <file|url|->          a file path, an http(s) URL, or - for standard input

Options:
  --kind <Name>         validate as this object (e.g. AgentCard, Message, SendMessageRequest); see --list-kinds
  --strict              also reject fields the schema does not define (default: ignore them, A2A §5.7)
  --json                print one JSON object: { ok, kind, source, issues[] }
  --max-bytes <n>       largest input accepted (default ${DEFAULT_LIMITS.maxBytes})
  --max-depth <n>       deepest nesting accepted (default ${DEFAULT_LIMITS.maxDepth})
  --timeout <ms>        time limit for reading the input: file, standard input or URL (default 10000)
  --allow-private       allow URLs on loopback or private networks
  --list-kinds          print the object kinds and exit
  -h, --help            show this help

Inputs are read within --max-bytes and --timeout; a path must be a regular file (a FIFO or a device such as
/dev/zero is refused before any read).

${EXIT_HELP}`;

const positiveInt = (raw: string | undefined, name: string, fallback: number): number => {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${name} must be a positive integer, got "${raw}"`);
  return n;
};

interface ReadOptions {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly allowPrivate: boolean;
}

const isUrl = (source: string) => /^https?:\/\//i.test(source);

/** How `source` is named in messages: URLs without credentials or query strings. */
const displayName = (source: string) => (isUrl(source) ? redactUrl(source) : source);

function fileKind(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

const FETCH_STATUS: Record<FetchFailureKind, (typeof EXIT)[keyof typeof EXIT]> = {
  url: EXIT.usage,
  'too-large': EXIT.tooLarge,
  status: EXIT.unreadable,
  timeout: EXIT.timeout,
  aborted: EXIT.interrupted,
  transport: EXIT.unreadable,
};

async function readUrl(source: string, io: CommandIO, opts: ReadOptions): Promise<string> {
  try {
    const fetched = await fetchText(source, {
      timeoutMs: opts.timeoutMs,
      maxBytes: opts.maxBytes,
      allowPrivateNetworks: opts.allowPrivate,
      ...(io.signal ? { signal: io.signal } : {}),
    });
    return fetched.text;
  } catch (error) {
    if (error instanceof AddressNotAllowedError) {
      throw new CommandFailure(`${error.message} (--allow-private)`, EXIT.refused, { cause: error });
    }
    if (error instanceof FetchTextError) {
      throw new CommandFailure(error.message, FETCH_STATUS[error.kind], { cause: error });
    }
    throw error;
  }
}

/** A file, opened without blocking (a FIFO must not hang the open) and read only when it is a regular file. */
async function readPath(path: string, signal: AbortSignal, maxBytes: number): Promise<Buffer> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw new CommandFailure(`cannot read ${path}: ${(error as Error).message}`, EXIT.unreadable, { cause: error });
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      throw new CommandFailure(`${path} is ${fileKind(stats)}; only regular files are read`, EXIT.notRegularFile);
    }
    if (stats.size > maxBytes) {
      throw new CommandFailure(`${path} is ${stats.size} bytes, larger than ${maxBytes}`, EXIT.tooLarge);
    }
    return await readLimited(handle.createReadStream({ autoClose: false }), maxBytes, signal, path);
  } catch (error) {
    if (error instanceof CommandFailure || signal.aborted) throw error;
    throw new CommandFailure(`cannot read ${path}: ${(error as Error).message}`, EXIT.unreadable, { cause: error });
  } finally {
    await handle.close();
  }
}

/** Reads the input within the size and time limits; every failure is a CommandFailure with its exit status. */
async function readSource(source: string, io: CommandIO, opts: ReadOptions): Promise<Buffer | string> {
  if (isUrl(source)) return readUrl(source, io, opts);
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = io.signal ? AbortSignal.any([timeout, io.signal]) : timeout;
  try {
    return source === '-'
      ? await readLimited(io.stdin, opts.maxBytes, signal, 'standard input')
      : await readPath(source, signal, opts.maxBytes);
  } catch (error) {
    if (error instanceof CommandFailure) throw error;
    if (io.signal?.aborted) throw new CommandFailure('interrupted', EXIT.interrupted, { cause: error });
    if (timeout.aborted) {
      const what = source === '-' ? 'standard input' : source;
      throw new CommandFailure(`reading ${what} took longer than ${opts.timeoutMs} ms`, EXIT.timeout, {
        cause: error,
      });
    }
    throw error;
  }
}

export async function validateCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      kind: { type: 'string' },
      strict: { type: 'boolean' },
      json: { type: 'boolean' },
      'max-bytes': { type: 'string' },
      'max-depth': { type: 'string' },
      timeout: { type: 'string' },
      'allow-private': { type: 'boolean' },
      'list-kinds': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(VALIDATE_HELP);
    return 0;
  }
  if (values['list-kinds']) {
    io.out(Object.keys(A2A_OBJECTS).join('\n'));
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('expected exactly one <file|url|-> argument');
  const source = positionals[0] as string;
  const kind = values.kind;
  if (kind !== undefined && !Object.hasOwn(A2A_OBJECTS, kind)) {
    throw new UsageError(`unknown kind "${kind}"; run with --list-kinds to see them`);
  }
  const limits = {
    maxBytes: positiveInt(values['max-bytes'], '--max-bytes', DEFAULT_LIMITS.maxBytes),
    maxDepth: positiveInt(values['max-depth'], '--max-depth', DEFAULT_LIMITS.maxDepth),
  };
  const timeoutMs = positiveInt(values.timeout, '--timeout', 10_000);
  const name = displayName(source);
  const raw = await readSource(source, io, {
    timeoutMs,
    maxBytes: limits.maxBytes,
    allowPrivate: !!values['allow-private'],
  });
  const parsed = parseJson(raw, limits);
  const report = parsed.ok
    ? validateDocument(createA2AValidator({ strict: !!values.strict, limits }), parsed.value, kind as A2AObjectName)
    : { kind, ok: false, issues: parsed.issues };
  if (values.json) {
    io.out(JSON.stringify({ ok: report.ok, kind: report.kind ?? null, source: name, issues: report.issues }));
  } else if (report.ok) {
    io.out(`${name}: valid ${report.kind}`);
  } else {
    io.err(
      `${name}: invalid${report.kind ? ` ${report.kind}` : ''} (${report.issues.length} problem${report.issues.length === 1 ? '' : 's'})`,
    );
    io.err(formatIssues(report.issues));
  }
  return report.ok ? EXIT.ok : EXIT.invalid;
}
