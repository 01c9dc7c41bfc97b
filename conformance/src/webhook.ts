/**
 * The push-notification receiver the suite starts on loopback (A2A §4.3.3): it records every POST (headers and
 * JSON body, at most 1 MiB each, at most 1 000 of them) and answers 200, so checks can wait for deliveries.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly text: string;
}

const MAX_BODY = 1024 * 1024;
const MAX_DELIVERIES = 1000;

export class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  readonly #waiters = new Set<() => void>();
  readonly #server: Server;
  #base = '';

  private constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.byteLength;
        if (size <= MAX_BODY) chunks.push(chunk);
      });
      req.on('end', () => {
        if (size > MAX_BODY) {
          res.writeHead(413).end();
          return;
        }
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
        if (this.deliveries.length < MAX_DELIVERIES)
          this.deliveries.push({ path: req.url ?? '/', headers, body, text });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        for (const wake of this.#waiters) wake();
      });
    });
  }

  static async start(host: string): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    receiver.#server.listen(0, host);
    await once(receiver.#server, 'listening');
    const { port } = receiver.#server.address() as AddressInfo;
    receiver.#base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return receiver;
  }

  /** A URL on this receiver; deliveries to it carry `path`. */
  url(path: string): string {
    return `${this.#base}${path}`;
  }

  /** Deliveries to `path` so far. */
  to(path: string): Delivery[] {
    return this.deliveries.filter((d) => d.path === path);
  }

  /** Wait until `done(deliveries to path)` holds or `ms` pass; resolves with the deliveries either way. */
  async waitFor(path: string, done: (deliveries: Delivery[]) => boolean, ms: number): Promise<Delivery[]> {
    const deadline = Date.now() + ms;
    while (!done(this.to(path)) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, deadline - Date.now());
        function finish() {
          clearTimeout(timer);
          resolve();
        }
        this.#waiters.add(finish);
      });
      this.#waiters.clear();
    }
    return this.to(path);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    this.#server.close();
    for (const wake of this.#waiters) wake();
  }
}
