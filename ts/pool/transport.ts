/**
 * Starting a worker on dist/pool-worker.js, whatever the host: a module
 * `Worker` where the global exists (browsers, Deno, Bun), else Node's
 * `worker_threads`. Feature detection only: Deno defines `process`, so "is
 * this Node?" checks misfire (DESIGN.md §6).
 * @module
 */
import { DiffoptError } from '../runtime/errors.js';

/** The little the pool needs of a worker. */
export interface Port {
  post(message: unknown, transfer?: ArrayBuffer[]): void;
  onMessage(listener: (message: unknown) => void): void;
  /** The worker died (script failed to load, uncaught error, exit). */
  onFailure(listener: (reason: string) => void): void;
  /** Keep the host alive while work is pending (Node/Bun); no-op elsewhere. */
  ref(): void;
  unref(): void;
  terminate(): void;
}

interface WebWorker {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: string, listener: (event: Event & { data?: unknown; message?: string }) => void): void;
  terminate(): void;
  ref?(): void;
  unref?(): void;
}

interface NodeWorker {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  on(type: 'message', listener: (message: unknown) => void): void;
  on(type: 'error', listener: (err: Error) => void): void;
  on(type: 'exit', listener: (code: number) => void): void;
  terminate(): Promise<number>;
  ref(): void;
  unref(): void;
}

type WorkerCtor<W> = new (url: URL, options?: { type?: 'module'; name?: string }) => W;

/** The worker script, next to the bundle that imports this module. */
export function workerUrl(): URL {
  return new URL('./pool-worker.js', import.meta.url);
}

function webPort(W: WorkerCtor<WebWorker>, url: URL): Port {
  const w = new W(url, { type: 'module', name: 'diffopt-pool' });
  return {
    post: (m, t) => w.postMessage(m, t ?? []),
    onMessage: (l) => w.addEventListener('message', (e) => l(e.data)),
    onFailure: (l) => {
      w.addEventListener('error', (e) => {
        e.preventDefault?.();
        l(e.message || 'the worker script failed');
      });
      w.addEventListener('messageerror', () => l('a message could not be deserialized'));
    },
    ref: () => w.ref?.(),
    unref: () => w.unref?.(),
    terminate: () => w.terminate(),
  };
}

function nodePort(W: WorkerCtor<NodeWorker>, url: URL): Port {
  const w = new W(url);
  let terminated = false;
  return {
    post: (m, t) => w.postMessage(m, t ?? []),
    onMessage: (l) => w.on('message', l),
    onFailure: (l) => {
      w.on('error', (err) => l(err.message));
      w.on('exit', (code) => {
        if (!terminated) l(`the worker exited with code ${code}`);
      });
    },
    ref: () => w.ref(),
    unref: () => w.unref(),
    terminate: () => {
      terminated = true;
      void w.terminate();
    },
  };
}

/** Starts one worker, or throws a `load` error if the host has no workers. */
export async function startWorker(fn: string, url: URL): Promise<Port> {
  const W = (globalThis as { Worker?: WorkerCtor<WebWorker> }).Worker;
  if (typeof W === 'function') return webPort(W, url);
  let threads: { Worker?: WorkerCtor<NodeWorker> } | null = null;
  try {
    // A variable specifier, so bundlers for browsers leave it alone.
    const spec = 'node:worker_threads';
    threads = (await import(/* @vite-ignore */ spec)) as { Worker?: WorkerCtor<NodeWorker> };
  } catch {
    threads = null;
  }
  if (threads && typeof threads.Worker === 'function') return nodePort(threads.Worker, url);
  throw new DiffoptError('load', `${fn}: this runtime has neither a Worker global nor node:worker_threads; use the single-threaded functions`);
}
