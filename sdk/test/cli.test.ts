import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandIO } from '../src/cli/io.js';
import { run } from '../src/cli/run.js';

function captureIO(stdin = ''): CommandIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    readStdin: async () => Buffer.from(stdin),
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
    if (req.url === '/card') {
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
    expect(await run(['validate', `${base}/card`], refused)).toBe(2);
    expect(refused.stderr.join('\n')).toMatch(/refusing to connect to 127\.0\.0\.1/);
    const allowed = captureIO();
    expect(await run(['validate', `${base}/card`, '--allow-private'], allowed)).toBe(0);
    const big = captureIO();
    expect(await run(['validate', `${base}/big`, '--allow-private', '--max-bytes', '100'], big)).toBe(2);
    expect(big.stderr.join('\n')).toMatch(/limit of 100 bytes|limit is 100/);
    const missing = captureIO();
    expect(await run(['validate', `${base}/nope`, '--allow-private'], missing)).toBe(2);
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
    expect(await run(['validate', join(dir, 'missing.json')], missingFile)).toBe(2);
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
    const bin = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
    const file = join(dir, 'card2.json');
    await writeFile(file, JSON.stringify(validCard));
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'validate', file, '--json']);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, kind: 'AgentCard' });
  });
});
