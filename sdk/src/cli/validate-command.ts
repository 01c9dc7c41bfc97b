/** `rightsize validate`: check a JSON document (file, URL or stdin) against the A2A v1.0 schemas. */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { A2A_OBJECTS, type A2AObjectName } from '../a2a/catalog.js';
import { fetchText } from '../net/fetch-text.js';
import { validateDocument } from '../validate/detect.js';
import { formatIssues } from '../validate/issues.js';
import { DEFAULT_LIMITS } from '../validate/limits.js';
import { createA2AValidator, parseJson } from '../validate/validator.js';
import { type CommandIO, UsageError } from './io.js';

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
  --timeout <ms>        time limit for fetching a URL (default 10000)
  --allow-private       allow URLs on loopback or private networks
  --list-kinds          print the object kinds and exit
  -h, --help            show this help

Exit status: 0 valid, 1 invalid, 2 usage or I/O error.`;

const positiveInt = (raw: string | undefined, name: string, fallback: number): number => {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${name} must be a positive integer, got "${raw}"`);
  return n;
};

async function readSource(
  source: string,
  io: CommandIO,
  opts: { timeoutMs: number; maxBytes: number; allowPrivate: boolean },
) {
  if (source === '-') return io.readStdin(opts.maxBytes + 1);
  if (/^https?:\/\//i.test(source)) {
    const fetched = await fetchText(source, {
      timeoutMs: opts.timeoutMs,
      maxBytes: opts.maxBytes,
      allowPrivateNetworks: opts.allowPrivate,
      signal: io.signal,
    });
    return fetched.text;
  }
  return readFile(source);
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
    io.out(JSON.stringify({ ok: report.ok, kind: report.kind ?? null, source, issues: report.issues }));
  } else if (report.ok) {
    io.out(`${source}: valid ${report.kind}`);
  } else {
    io.err(
      `${source}: invalid${report.kind ? ` ${report.kind}` : ''} (${report.issues.length} problem${report.issues.length === 1 ? '' : 's'})`,
    );
    io.err(formatIssues(report.issues));
  }
  return report.ok ? 0 : 1;
}
