/**
 * The worker script of {@link createPool} (dist/pool-worker.js): receives the
 * compiled `WebAssembly.Module` once, instantiates its own instance with
 * `initSync`, then runs row slices through the same public functions as the
 * single-threaded API, so each slice is computed by the same kernel code on
 * the same bits. Runs as a Node `worker_threads` worker or a module `Worker`
 * (Deno, Bun, browsers): which one is detected from the globals, not the
 * runtime's name.
 * @module
 */
import { DiffoptError } from './runtime/errors.js';
import { initSync } from './runtime/instance.js';
import { softRank, softSort } from './sort.js';
import { softDtwPairwise } from './dtw/batch.js';
import { perturbedRows, type PerturbedEstimate } from './perturb.js';
import { runLassoTask } from './pool/lasso-parts.js';
import type { ErrorData, PairwiseTask, Reply, Task, TaskMessage, InitMessage } from './pool/protocol.js';

/**
 * Rows per kernel call of a symmetric slice: each call computes a block of
 * Xs[s…s+B) against Xs[s…], so B²/2 entries below the diagonal are wasted per
 * block while divergences recompute the self terms of the columns once per
 * block; 8 keeps both small.
 */
const SYMMETRIC_BLOCK = 8;

function seriesOf(data: Float64Array, lens: Uint32Array, dims: number): Float64Array[] {
  const out: Float64Array[] = [];
  let at = 0;
  for (const len of lens) {
    out.push(data.subarray(at, at + len * dims));
    at += len * dims;
  }
  return out;
}

function pairwise(t: PairwiseTask): Float64Array {
  const xs = seriesOf(t.xData, t.xLens, t.dims);
  const ys = seriesOf(t.yData, t.yLens, t.dims);
  const options = { ...t.options, dims: t.dims };
  if (!t.symmetric) return softDtwPairwise(xs, ys, options);
  const ny = ys.length;
  const out = new Float64Array(xs.length * ny);
  for (let s = 0; s < xs.length; s += SYMMETRIC_BLOCK) {
    const e = Math.min(xs.length, s + SYMMETRIC_BLOCK);
    // Entry (a, b) of a symmetric call is f(x_a, x_b) for b ≥ a, computed by
    // the same code path as this cross call (the kernel's symmetric mode
    // only skips b < a and mirrors).
    let block: Float64Array;
    try {
      block = softDtwPairwise(xs.slice(s, e), ys.slice(s), options);
    } catch (err) {
      // The single call has no Ys: blame Xs as it would.
      if (err instanceof DiffoptError && err.argument === 'Ys') {
        throw new DiffoptError(err.code, err.message.replace(/\bYs\b/g, 'Xs'), 'Xs');
      }
      throw err;
    }
    const w = ny - s;
    for (let a = s; a < e; a++) {
      out.set(block.subarray((a - s) * w + (a - s), (a - s + 1) * w), a * ny + a);
    }
  }
  return out;
}

function run(task: Task): Float64Array | PerturbedEstimate {
  switch (task.op) {
    case 'softRank':
      return softRank(task.x, { ...task.options, shape: [task.rows, task.n] });
    case 'softSort':
      return softSort(task.x, { ...task.options, shape: [task.rows, task.n] });
    case 'softDtwPairwise':
      return pairwise(task);
    case 'perturbed':
      return perturbedRows(task.oracle, task.options, task.theta, [task.rows, task.n], task.rowOffset);
    default:
      return runLassoTask(task);
  }
}

function errorData(err: unknown): ErrorData {
  if (err instanceof DiffoptError) return { name: err.name, message: err.message, code: err.code, argument: err.argument };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

function transferables(result: Float64Array | PerturbedEstimate): ArrayBuffer[] {
  const arrays = result instanceof Float64Array ? [result] : Object.values(result) as Float64Array[];
  return arrays.map((a) => a.buffer as ArrayBuffer);
}

function handle(msg: InitMessage | TaskMessage, post: (reply: Reply, transfer?: ArrayBuffer[]) => void): void {
  if (msg.type === 'init') {
    try {
      initSync(msg.module);
      post({ type: 'ready' });
    } catch (err) {
      post({ type: 'init-error', error: errorData(err) });
    }
    return;
  }
  let result: Float64Array | PerturbedEstimate;
  try {
    result = run(msg.task);
  } catch (err) {
    post({ type: 'error', id: msg.id, error: errorData(err) });
    return;
  }
  post({ type: 'result', id: msg.id, result }, transferables(result));
}

interface WebScope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

interface NodePort {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  on(type: 'message', listener: (message: unknown) => void): void;
}

// A module Worker's global scope has postMessage; a Node worker thread has
// none and talks through worker_threads.parentPort instead.
const scope = globalThis as unknown as Partial<WebScope>;
if (typeof scope.postMessage === 'function' && typeof scope.addEventListener === 'function') {
  const web = scope as WebScope;
  web.addEventListener('message', (event) => handle(event.data, (reply, transfer) => web.postMessage(reply, transfer ?? [])));
} else {
  const spec = 'node:worker_threads';
  const { parentPort } = (await import(/* @vite-ignore */ spec)) as { parentPort: NodePort | null };
  if (!parentPort) throw new Error('diffopt pool-worker.js must be started as a worker');
  parentPort.on('message', (msg) => handle(msg as InitMessage | TaskMessage, (reply, transfer) => parentPort.postMessage(reply, transfer ?? [])));
}
