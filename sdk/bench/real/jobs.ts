/**
 * bench:real's replays run in parallel: each fresh-Router run and each dial sweep is independent of the others, so a
 * pool of worker threads (`--workers`, default the machine's available parallelism) replays them at once. A worker
 * loads the questions itself and replays the order its job names; results come back as plain data.
 */
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { loadQuestions, type Question, shuffled } from './data.js';
import { type DialSweep, dialSweep } from './dial-sweep.js';
import { continueReplay, type ReplaySettings, routerFor } from './replay.js';

/** Which questions a job replays: the data set shuffled by each of `orders` in turn, its first `limit` questions. */
export interface Stream {
  readonly orders: readonly number[];
  readonly limit: number;
}

export type Job =
  | { readonly kind: 'online'; readonly stream: Stream; readonly settings: ReplaySettings; readonly lambda: number }
  | {
      readonly kind: 'dial';
      readonly stream: Stream;
      readonly settings: ReplaySettings;
      readonly trainLambda: number;
      readonly lambdas: readonly number[];
      readonly from: number;
    };

export interface OnlineRun {
  readonly strong: boolean[];
  readonly correct: boolean[];
  /** Decisions that explored (Thompson draws and information probes), and of which probes. */
  readonly explored: number;
  readonly probed: number;
}

type Result<J extends Job> = J extends { kind: 'online' } ? OnlineRun : DialSweep;

/** Runs one job (in whichever thread holds the questions). */
function runJob(all: readonly Question[], job: Job): OnlineRun | DialSweep {
  const qs = job.stream.orders
    .reduce<readonly Question[]>((q, order) => shuffled(q, order), all)
    .slice(0, job.stream.limit);
  if (job.kind === 'dial') return dialSweep(qs, job.settings, job.trainLambda, job.lambdas, job.from);
  const r = continueReplay(routerFor(job.settings, job.lambda), qs, true);
  return { strong: r.strong, correct: r.correct, explored: r.explored, probed: r.probed };
}

/**
 * A worker thread does not inherit tsx's loader (bench scripts run as TypeScript under tsx): it registers it, then
 * loads this module.
 */
const BOOT = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => {
  register();
  return import(${JSON.stringify(import.meta.url)});
});`;

/** A pool of `size` worker threads over the data in `dataDir`; `close()` when done. */
export class ReplayPool {
  readonly #workers: Worker[] = [];
  readonly #idle: Worker[] = [];
  readonly #queue: Array<{ job: Job; resolve: (r: unknown) => void; reject: (e: unknown) => void }> = [];

  constructor(dataDir: string, size = availableParallelism()) {
    for (let i = 0; i < Math.max(1, size); i++) {
      const worker = new Worker(BOOT, { eval: true, workerData: { dataDir } });
      this.#workers.push(worker);
      this.#idle.push(worker);
    }
  }

  run<J extends Job>(job: J): Promise<Result<J>> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ job, resolve: resolve as (r: unknown) => void, reject });
      this.#next();
    });
  }

  #next(): void {
    const worker = this.#idle.pop();
    const task = worker && this.#queue.shift();
    if (!worker || !task) {
      if (worker) this.#idle.push(worker);
      return;
    }
    const done = (settle: () => void) => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      this.#idle.push(worker);
      settle();
      this.#next();
    };
    const onMessage = (message: { result?: unknown; error?: string }) =>
      done(() => (message.error === undefined ? task.resolve(message.result) : task.reject(new Error(message.error))));
    const onError = (error: unknown) => done(() => task.reject(error));
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.postMessage(task.job);
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const all = await loadQuestions((workerData as { dataDir: string }).dataDir);
  port.on('message', (job: Job) => {
    try {
      port.postMessage({ result: runJob(all, job) });
    } catch (error) {
      port.postMessage({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  });
}
