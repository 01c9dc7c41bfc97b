import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, open, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommandIO, EXIT } from '../src/cli/io.js';
import { run } from '../src/cli/run.js';

function captureIO(stdin: string | AsyncIterable<Uint8Array> = ''): CommandIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    stdin: typeof stdin === 'string' ? Readable.from([Buffer.from(stdin)]) : stdin,
  };
}

const validCard = {
  name: 'CLI test agent',
  description: 'Checks the validate command',
  supportedInterfaces: [{ url: 'https://agent.example.com/a2a', protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
  version: '1.0.0',
  capabilities: {},
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
  skills: [{ id: 's', name: 'S', description: 'd', tags: ['t'] }],
};

let dir: string;
let server: Server;
let base: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rightsize-cli-'));
  server = createServer((req, res) => {
    if (req.url === '/never') return; // never answers
    if (req.url?.startsWith('/card')) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(validCard));
    } else if (req.url === '/big') {
      res.end('x'.repeat(10_000));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('rightsize validate', () => {
  it('accepts a valid file and names the detected kind', async () => {
    const file = join(dir, 'card.json');
    await writeFile(file, JSON.stringify(validCard));
    const io = captureIO();
    expect(await run(['validate', file], io)).toBe(0);
    expect(io.stdout.join('\n')).toContain('valid AgentCard');
  });

  it('prints each problem with its JSON pointer, and JSON with --json', async () => {
    const bad = JSON.stringify({ ...validCard, skills: [], version: 3 });
    const io = captureIO(bad);
    expect(await run(['validate', '-'], io)).toBe(1);
    expect(io.stderr.join('\n')).toContain('/skills: must not be empty');
    expect(io.stderr.join('\n')).toContain('/version: must be a string');
    const json = captureIO(bad);
    expect(await run(['validate', '-', '--json'], json)).toBe(1);
    const report = JSON.parse(json.stdout[0] as string);
    expect(report).toMatchObject({ ok: false, kind: 'AgentCard', source: '-' });
    expect(report.issues).toContainEqual({ path: '/skills', keyword: 'minItems', message: 'must not be empty' });
  });

  it('honours --kind and --strict', async () => {
    const message = JSON.stringify({ messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'hi' }], extra: 1 });
    expect(await run(['validate', '-', '--kind', 'Message'], captureIO(message))).toBe(0);
    const strict = captureIO(message);
    expect(await run(['validate', '-', '--kind', 'Message', '--strict'], strict)).toBe(1);
    expect(strict.stderr.join('\n')).toContain('/extra: is not a known field');
    expect(await run(['validate', '-', '--kind', 'Task'], captureIO(message))).toBe(1);
  });

  it('fetches a URL only when private networks are allowed, within size limits', async () => {
    const refused = captureIO();
    expect(await run(['validate', `${base}/card`], refused)).toBe(EXIT.refused);
    expect(refused.stderr.join('\n')).toMatch(/refusing to connect to 127\.0\.0\.1/);
    const allowed = captureIO();
    expect(await run(['validate', `${base}/card`, '--allow-private'], allowed)).toBe(0);
    const big = captureIO();
    expect(await run(['validate', `${base}/big`, '--allow-private', '--max-bytes', '100'], big)).toBe(EXIT.tooLarge);
    expect(big.stderr.join('\n')).toMatch(/limit of 100 bytes|limit is 100/);
    const missing = captureIO();
    expect(await run(['validate', `${base}/nope`, '--allow-private'], missing)).toBe(EXIT.unreadable);
    expect(missing.stderr.join('\n')).toContain('HTTP 404');
  });

  it('reports usage errors with exit status 2 and help', async () => {
    const io = captureIO();
    expect(await run(['validate'], io)).toBe(2);
    expect(io.stderr.join('\n')).toContain('Usage: rightsize validate');
    expect(await run(['validate', 'x', '--kind', 'Nope'], captureIO())).toBe(2);
    expect(await run(['validate', 'x', '--max-depth', '-1'], captureIO())).toBe(2);
    expect(await run(['frobnicate'], captureIO())).toBe(2);
    const missingFile = captureIO();
    expect(await run(['validate', join(dir, 'missing.json')], missingFile)).toBe(EXIT.unreadable);
    expect(missingFile.stderr.join('\n')).toContain('ENOENT');
    const help = captureIO();
    expect(await run(['validate', '--help'], help)).toBe(0);
    expect(help.stdout.join('\n')).toContain('--strict');
  });

  it('demo: routes tasks across a simulated fleet over loopback and reports every decision', async () => {
    const io = captureIO();
    expect(await run(['demo', '--tasks', '6', '--seed', '3', '--json'], io)).toBe(0);
    const report = JSON.parse(io.stdout.at(-1) as string) as {
      simulated: boolean;
      tasks: number;
      solved: number;
      decisions: Array<{ chosen: string | null }>;
    };
    expect(report).toMatchObject({ simulated: true, tasks: 6 });
    expect(report.decisions).toHaveLength(6);
    expect(report.decisions.some((d) => d.chosen !== null)).toBe(true);
    expect(report.solved).toBeGreaterThan(0);
    expect(await run(['demo', '--tasks', 'x'], captureIO())).toBe(2);
  });

  it('runs as a real process from the built bin', async () => {
    const bin = join(import.meta.dirname, '..', 'bin', 'rightsize.js');
    const file = join(dir, 'card2.json');
    await writeFile(file, JSON.stringify(validCard));
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'validate', file, '--json']);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, kind: 'AgentCard' });
  });
});

/** An input that never ends (like /dev/zero), counting what it served. */
function endless(): AsyncIterable<Uint8Array> & { served: number } {
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  const source = {
    served: 0,
    async *[Symbol.asyncIterator]() {
      for (;;) {
        source.served += chunk.byteLength;
        yield chunk;
      }
    },
  };
  return source;
}

/** An input that stays open and sends nothing (a pipe whose writer never writes). */
const stalled: AsyncIterable<Uint8Array> = {
  [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<Uint8Array>>(() => {}) }),
};

describe('rightsize validate: bounded input (issue 9)', () => {
  it('refuses what is not a regular file before reading it: /dev/zero, a FIFO, a directory', async () => {
    const fifo = join(dir, 'fifo');
    await promisify(execFile)('mkfifo', [fifo]);
    const sub = join(dir, 'sub');
    await mkdir(sub);
    for (const [path, kind] of [
      ['/dev/zero', 'a character device'],
      [fifo, 'a FIFO'],
      [sub, 'a directory'],
    ] as const) {
      const io = captureIO();
      expect(await run(['validate', path], io)).toBe(EXIT.notRegularFile);
      expect(io.stderr.join('\n')).toContain(`is ${kind}; only regular files are read`);
    }
  });

  it('refuses a file over --max-bytes from its size, and an endless stdin after the limit', async () => {
    const file = join(dir, 'large.json');
    await writeFile(file, JSON.stringify({ ...validCard, description: 'x'.repeat(5000) }));
    const io = captureIO();
    expect(await run(['validate', file, '--max-bytes', '1000'], io)).toBe(EXIT.tooLarge);
    expect(io.stderr.join('\n')).toMatch(/larger than 1000/);
    const input = endless();
    const stdin = captureIO(input);
    expect(await run(['validate', '-', '--max-bytes', '1000000'], stdin)).toBe(EXIT.tooLarge);
    expect(stdin.stderr.join('\n')).toContain('standard input is larger than 1000000 bytes');
    expect(input.served).toBeLessThanOrEqual(1_000_000 + 64 * 1024);
  });

  it('times out a stdin that never ends and a URL that never answers', async () => {
    const io = captureIO(stalled);
    expect(await run(['validate', '-', '--timeout', '200'], io)).toBe(EXIT.timeout);
    expect(io.stderr.join('\n')).toContain('reading standard input took longer than 200 ms');
    const url = captureIO();
    expect(await run(['validate', `${base}/never`, '--allow-private', '--timeout', '200'], url)).toBe(EXIT.timeout);
  });

  it('never prints URL credentials or query strings', async () => {
    const secretUrl = base.replace('http://', 'http://ops:hunter2@');
    for (const [url, status] of [
      [`${secretUrl}/card?token=s3cr3t`, EXIT.ok],
      [`${secretUrl}/nope?token=s3cr3t`, EXIT.unreadable],
      [`${secretUrl}/card?token=s3cr3t`, EXIT.refused],
    ] as const) {
      const io = captureIO();
      const args = ['validate', url, '--json', ...(status === EXIT.refused ? [] : ['--allow-private'])];
      expect(await run(args, io)).toBe(status);
      const printed = [...io.stdout, ...io.stderr].join('\n');
      expect(printed).not.toMatch(/hunter2|s3cr3t|ops:/);
      if (status === EXIT.ok) expect(JSON.parse(io.stdout[0] as string).source).toMatch(/REDACTED@.*\?REDACTED$/);
    }
  });

  it('lists every exit status in --help', async () => {
    const io = captureIO();
    expect(await run(['validate', '--help'], io)).toBe(0);
    const help = io.stdout.join('\n');
    for (const status of Object.values(EXIT)) expect(help).toMatch(new RegExp(`\\b${status} [a-z]`));
  });
});

describe('rightsize validate as a process (issue 9)', () => {
  const bin = join(import.meta.dirname, '..', 'bin', 'rightsize.js');

  /** Runs the CLI with `stdin` as its standard input; resolves with the exit status and stderr. */
  function runProcess(args: string[], stdin: 'pipe' | number): Promise<{ status: number | null; stderr: string }> {
    const child = spawn(process.execPath, [bin, ...args], { stdio: [stdin, 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (c) => (stderr += c));
    return new Promise((resolve) => child.on('close', (status) => resolve({ status, stderr })));
  }

  it('stops reading /dev/zero on stdin at the limit', async () => {
    const zero = await open('/dev/zero', 'r');
    try {
      const { status, stderr } = await runProcess(['validate', '-', '--max-bytes', '1000000'], zero.fd);
      expect(stderr).toContain('larger than 1000000 bytes');
      expect(status).toBe(EXIT.tooLarge);
    } finally {
      await zero.close();
    }
  });

  it('exits on a FIFO path at once and on a silent stdin pipe after --timeout', async () => {
    const fifo = join(dir, 'fifo2');
    await promisify(execFile)('mkfifo', [fifo]);
    expect((await runProcess(['validate', fifo], 'pipe')).status).toBe(EXIT.notRegularFile);
    const { status, stderr } = await runProcess(['validate', '-', '--timeout', '300'], 'pipe');
    expect(stderr).toContain('took longer than 300 ms');
    expect(status).toBe(EXIT.timeout);
  });
});
