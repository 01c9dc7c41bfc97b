/**
 * The CLI and the suite's behaviour on bad targets: help and usage errors, levels against the wrong kind of target, the reports
 * (text, JUnit, JSON), exit statuses, and servers that are down, answer garbage or never answer.
 */
import { once } from 'node:events';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_CHECKS, checksOf, runSuite } from '@rightsize/conformance';
import { tckScenarioOf } from '@rightsize/sdk/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAgent, startRightsizeAgent } from '../ci/agents.js';
import { main } from '../src/cli.js';

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const stop = (server: Server) => {
  server.closeAllConnections();
  server.close();
};

let agent: RunningAgent;
beforeAll(async () => {
  agent = await startRightsizeAgent();
});
afterAll(async () => agent.close());

describe('check catalogue', () => {
  it('ids are unique and name the level, the section and the keyword', () => {
    const ids = ALL_CHECKS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of ALL_CHECKS) expect(c.id).toBe(`${c.level}:${c.section}:${c.requirement}:${c.id.split(':')[3]}`);
    expect(checksOf('core').length).toBeGreaterThan(60);
  });

  it('the test-mode executor picks the longest matching TCK prefix', () => {
    expect(tckScenarioOf('tck-artifact-file-url-1a2b')).toBe('tck-artifact-file-url');
    expect(tckScenarioOf('tck-artifact-file-1a2b')).toBe('tck-artifact-file');
    expect(tckScenarioOf('tck-stream-artifact-chunked-x')).toBe('tck-stream-artifact-chunked');
    expect(tckScenarioOf('tck-complete-task-x')).toBe('tck-complete-task');
    expect(tckScenarioOf('hello')).toBeUndefined();
  });
});

describe('rightsize-conformance CLI', () => {
  it('--help prints the usage and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Usage: rightsize-conformance --url/);
    expect(r.out).toMatch(/--transport/);
  });

  it('usage errors exit 2 with the reason', async () => {
    expect((await cli([])).code).toBe(2);
    const bad = await cli(['--url', agent.baseUrl, '--level', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--level must be one of/);
    expect((await cli(['--url', agent.baseUrl, '--transport', 'grpc'])).err).toMatch(/jsonrpc or rest/);
    expect((await cli(['--url', agent.baseUrl, '--timeout', 'soon'])).err).toMatch(/--timeout/);
    expect((await cli(['--url', agent.baseUrl, '--calibration-seed', '-1'])).err).toMatch(/--calibration-seed/);
    expect((await cli(['--url', agent.baseUrl, '--bogus'])).code).toBe(2);
  });

  it('the broker level fails an agent that is not a broker', async () => {
    const r = await cli(['--url', agent.baseUrl, '--level', 'broker', '--quiet', '--only', 'broker:7.1']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/does not declare the Rightsize extension/);
  });

  it('the calibration level fails an agent without the Rightsize extension', async () => {
    const r = await cli(['--url', agent.baseUrl, '--level', 'calibration', '--quiet']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/does not declare the Rightsize extension/);
  });

  it('--list prints every check of the level', async () => {
    const r = await cli(['--list']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toHaveLength(checksOf('core').length);
  });

  it('runs selected checks with progress, writes JUnit and JSON, ends with the counts line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'conformance-'));
    const junit = join(dir, 'r.xml');
    const json = join(dir, 'r.json');
    const r = await cli([
      '--url',
      agent.baseUrl,
      '--only',
      'core:8.2,core:4.4.1',
      '--only',
      'core:8.6.1',
      '--junit',
      junit,
      '--json',
      json,
    ]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/\[1\/5\] PASS {2}core:8\.2:MUST:card-at-well-known-path/);
    const lines = r.out.trim().split('\n');
    expect(lines.at(-1)).toBe('5 passed, 0 failed, 0 skipped'); // the SDK server now sends Last-Modified (MAY)
    expect(r.out).toMatch(/Optional \(MAY\): 1 passed, 0 failed/);
    const xml = await readFile(junit, 'utf8');
    expect(xml).toMatch(/<testsuites name="rightsize-conformance core" tests="5" failures="0"/);
    expect(xml).toMatch(/<testcase name="core:8\.6\.1:MAY:card-last-modified"[^>]*\/>/);
    const report = JSON.parse(await readFile(json, 'utf8'));
    expect(report.summary).toMatchObject({ passed: 5, failed: 0, mandatoryFailed: 0 });
  });

  it('exits 1 when a mandatory check fails, 0 when it is listed as an expected failure', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'conformance-'));
    const only = ['--only', 'core:3.1.6:MUST:subscribe-interrupted-task'];
    const strict = await cli(['--url', agent.baseUrl, ...only, '--quiet', '--timeout', '3000']);
    if (strict.out.endsWith('1 passed, 0 failed, 0 skipped')) return; // the server was fixed (A2A §3.1.6)
    expect(strict.code).toBe(1);
    expect(strict.out).toMatch(/problem: {2}the subscription/);
    expect(strict.out).toMatch(/requires: SubscribeToTask works for any task that is not terminal/);
    expect(strict.out).toMatch(/sent: {5}POST http/);
    const file = join(dir, 'xfail.json');
    await writeFile(file, JSON.stringify({ 'core:3.1.6:MUST:subscribe-interrupted-task': 'server hardening pending' }));
    const lenient = await cli([
      '--url',
      agent.baseUrl,
      ...only,
      '--quiet',
      '--timeout',
      '3000',
      '--expected-failures',
      file,
    ]);
    expect(lenient.code).toBe(0);
    expect(lenient.out.trim().split('\n').at(-1)).toBe('0 passed, 1 failed (1 expected), 0 skipped');
  });
});

describe('misbehaving targets give failed checks, never a hang', () => {
  it('a server that is down', async () => {
    const { url, server } = await serve(() => undefined);
    stop(server);
    const report = await runSuite({ url, level: 'core', only: ['core:8.2', 'core:3.1.1'], timeoutMs: 500 });
    expect(report.results.every((r) => r.status === 'failed')).toBe(true);
    expect(report.results[0]?.message).toMatch(/connection failed|ECONNREFUSED/);
    expect(report.summary.mandatoryFailed).toBe(report.results.length);
  });

  it('a server that answers garbage', async () => {
    const { url, server } = await serve((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>'),
    );
    try {
      const report = await runSuite({ url, level: 'core', only: ['core:8.2', 'core:3.1.1'], timeoutMs: 500 });
      expect(report.results.every((r) => r.status === 'failed')).toBe(true);
      expect(report.results[0]?.message).toMatch(/not a JSON object/);
      expect(report.results[0]?.exchange?.received).toMatch(/<html>/);
    } finally {
      stop(server);
    }
  });

  it('a server whose endpoints answer garbage after a valid card', async () => {
    const card = await (await fetch(`${agent.baseUrl}/.well-known/agent-card.json`)).text();
    const { url, server } = await serve((req, res) => {
      if (req.url === '/.well-known/agent-card.json')
        res.writeHead(200, { 'content-type': 'application/json' }).end(card.split(agent.baseUrl).join(url));
      else res.writeHead(200, { 'content-type': 'application/json' }).end('"garbage"');
    });
    try {
      const report = await runSuite({ url, level: 'core', only: ['core:3.1.1', 'core:3.1.3'], timeoutMs: 500 });
      expect(report.results.every((r) => r.status === 'failed')).toBe(true);
      expect(report.results[0]?.message).toMatch(/not a JSON-RPC 2\.0 response/);
    } finally {
      stop(server);
    }
  });

  it('a server that sends headers and then stalls the body (unary and streaming operations)', async () => {
    const card = await (await fetch(`${agent.baseUrl}/.well-known/agent-card.json`)).text();
    const { url, server } = await serve((req, res) => {
      if (req.url === '/.well-known/agent-card.json')
        res.writeHead(200, { 'content-type': 'application/json' }).end(card.split(agent.baseUrl).join(url));
      else res.writeHead(200, { 'content-type': 'application/json' }).write('{"jsonrpc": "2.0", ');
    });
    try {
      const started = Date.now();
      const only = ['core:3.1.3:MUST:get-unknown-task', 'core:3.1.6:MUST:subscribe-unknown-task'];
      const report = await runSuite({ url, level: 'core', only, timeoutMs: 400 });
      expect(report.results.map((r) => r.status)).toEqual(['failed', 'failed']);
      expect(report.results[0]?.message).toMatch(/did not complete within 400 ms or broke/);
      expect(report.results[1]?.exchange?.received).toMatch(/did not complete within 400 ms/);
      expect(Date.now() - started).toBeLessThan(8000);
    } finally {
      stop(server);
    }
  });

  it('a server that never answers', async () => {
    const { url, server } = await serve(() => undefined);
    try {
      const started = Date.now();
      const report = await runSuite({ url, level: 'core', only: ['core:8.2', 'core:3.1.1'], timeoutMs: 300 });
      expect(report.results.every((r) => r.status === 'failed')).toBe(true);
      expect(report.results[0]?.message).toMatch(/did not answer within 300 ms/);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      stop(server);
    }
  });
});
