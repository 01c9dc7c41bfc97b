/**
 * The broker as a real child process (`rightsize-broker serve` through tsx) on a fixed loopback port, so it can be
 * killed with SIGKILL and restarted on the same URL and data directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export interface BrokerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far (for a failure's message). */
  output(): string;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
}

/** Start `rightsize-broker serve` with these flags on `port`; resolves once it prints its URL. */
export async function startBrokerProcess(
  port: number,
  flags: readonly string[],
  timeoutMs = 90_000,
): Promise<BrokerProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'reference-server/src/main.ts',
      'serve',
      '--port',
      String(port),
      '--log-level',
      'warn',
      ...flags,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RIGHTSIZE_PORT: '', DATABASE_URL: '' } },
  );
  let output = '';
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += String(chunk);
      const match = /Rightsize broker at (\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => {
      output += String(c);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`broker exited with ${code} before it was ready:\n${output}`));
    });
  });
  const url = await ready;
  return {
    url,
    child,
    output: () => output,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** One HTTP call to a broker with an API key; the JSON answer parsed. */
export async function call(base: string, method: 'GET' | 'POST', path: string, key: string, body?: unknown) {
  const r = await request(`${base}${path}`, {
    method,
    headers: {
      'a2a-version': '1.0',
      'x-api-key': key,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  });
  const text = await r.body.text();
  // biome-ignore lint/suspicious/noExplicitAny: a test reads whatever JSON the broker answered
  return { status: r.statusCode, json: (text ? JSON.parse(text) : undefined) as any };
}

/** A SendMessage body with a fresh message id. */
export const sendBody = (text: string) => ({
  message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text }] },
});
