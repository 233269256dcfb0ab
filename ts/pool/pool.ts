/**
 * A pool of workers for batch operations. The wasm module is compiled once
 * (the main thread's, from `init`) and sent to every worker, which
 * instantiates its own copy; a batch is split into contiguous row ranges,
 * one per worker, and reassembled; a K-fold Lasso criterion is split into
 * its folds (./lasso.ts). Every row of these operations is
 * computed independently of the others by the same kernel code, so results
 * are bit for bit those of the single-threaded call (perturbed noise streams
 * are keyed by the global row index, which each slice is given).
 * @module
 */
import { DiffoptError, type ErrorCode } from '../runtime/errors.js';
import { current, init } from '../runtime/instance.js';
import { batchShape, knownOptions, positive, vector, type Vector } from '../runtime/input.js';
import { pack, type PairwiseOptions, type Packed } from '../dtw/batch.js';
import type { Series } from '../dtw/series.js';
import { emptyEstimate, perturbed, type OracleSpec, type PerturbedEstimate, type PerturbedOptions } from '../perturb.js';
import { softRank, softSort, type SoftSortOptions } from '../sort.js';
import { runAsync, type Loop, type ProblemFacts } from '../lasso/drive.js';
import { hypergradientLoop, planHypergradient, type HypergradientOptions, type HypergradientResult } from '../lasso/hypergradient.js';
import {
  gradSearchLoop, planGradSearch, planGridSearch, planRandomSearch, pointsLoop,
  type GradSearchOptions, type GridSearchOptions, type Prepared, type RandomSearchOptions, type SearchResult,
} from '../lasso/search.js';
import type { SessionSpec } from '../lasso/session.js';
import { PoolCriterion } from './lasso.js';
import { gather, splitRows, type ErrorData, type Reply, type Task } from './protocol.js';
import { startWorker, workerUrl, type Port } from './transport.js';

/** Options of {@link createPool}. */
export interface PoolOptions {
  /** Number of workers, an integer in [1, 256] (default 1). */
  threads?: number;
}

/** Built-in oracles (a pool cannot send a function to its workers). */
export type PoolOracle = Exclude<OracleSpec, (theta: Float64Array) => ArrayLike<number>>;

/** A started pool; see {@link createPool}. */
export interface Pool {
  /** Number of workers. */
  readonly threads: number;
  /** {@link softRank} of a `[rows, n]` batch (`options.shape`), rows split across workers. */
  softRank(x: Vector, options?: Omit<SoftSortOptions, 'out'>): Promise<Float64Array>;
  /** {@link softSort} of a `[rows, n]` batch, rows split across workers. */
  softSort(x: Vector, options?: Omit<SoftSortOptions, 'out'>): Promise<Float64Array>;
  /** {@link softDtwPairwise}, rows of the matrix split across workers. */
  softDtwPairwise(Xs: readonly Series[], Ys?: readonly Series[] | null, options?: PairwiseOptions): Promise<Float64Array>;
  /** `perturbed(oracle, options)(theta, { shape })`, rows split across workers. */
  perturbed(oracle: PoolOracle, theta: Vector, options?: PerturbedOptions): Promise<Float64Array>;
  /** `perturbed(oracle, options).estimate(theta, { shape })`, rows split across workers. */
  perturbedEstimate(oracle: PoolOracle, theta: Vector, options?: PerturbedOptions): Promise<PerturbedEstimate>;
  /**
   * {@link hypergradient}; a K-fold criterion (`criterion: { cv: K }`) has its
   * folds solved across workers, other criteria run on one worker.
   */
  hypergradient(options: HypergradientOptions): Promise<HypergradientResult>;
  /**
   * {@link gradSearch} with the folds of a K-fold criterion (`folds` or
   * `criterion: { cv: K }`) solved across workers, each fold warm-started
   * from its previous evaluation on its worker; the optimizer runs on this
   * thread. Other criteria run on one worker.
   */
  gradSearch(options: GradSearchOptions): Promise<SearchResult>;
  /** {@link gridSearch} with the folds of a K-fold criterion across workers. */
  gridSearch(options: GridSearchOptions): Promise<SearchResult>;
  /** {@link randomSearch} with the folds of a K-fold criterion across workers. */
  randomSearch(options: RandomSearchOptions): Promise<SearchResult>;
  /** Terminates the workers; pending calls reject. Idempotent. */
  close(): Promise<void>;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

function rebuild(e: ErrorData): Error {
  if (e.code) return new DiffoptError(e.code as ErrorCode, e.message, e.argument);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

/** One worker and its in-flight tasks (answered in order, one at a time). */
class Slot {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failed: DiffoptError | null = null;

  constructor(private readonly port: Port, private readonly fn: string, ready: Pending) {
    port.onMessage((m) => {
      const reply = m as Reply;
      if (reply.type === 'ready') {
        // Idle workers must not keep Node alive; run() refs while a task is pending.
        port.unref();
        return ready.resolve(undefined);
      }
      if (reply.type === 'init-error') return ready.reject(rebuild(reply.error));
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) port.unref();
      if (reply.type === 'result') p.resolve(reply.result);
      else p.reject(rebuild(reply.error));
    });
    port.onFailure((reason) => {
      this.fail(new DiffoptError('load', `${fn}: a pool worker failed: ${reason}`));
      ready.reject(this.failed);
    });
  }

  /** Rejects everything pending and every later call with `err`. */
  fail(err: DiffoptError): void {
    if (!this.failed) this.failed = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.port.unref();
  }

  run<T>(task: Task, transfer: ArrayBuffer[]): Promise<T> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.port.ref();
      this.port.post({ type: 'task', id, task }, transfer);
    });
  }

  terminate(): void {
    this.fail(new DiffoptError('not-initialized', `${this.fn}: the pool was closed`));
    this.port.terminate();
  }
}

function threadCount(value: unknown): number {
  const t = value === undefined ? 1 : value;
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > 256) {
    throw new DiffoptError('domain', `createPool: threads must be an integer in [1, 256], got ${String(t)}`, 'threads');
  }
  return t;
}

function f64(x: Vector, fn: string, name: string): Float64Array {
  const v = vector(fn, name, x);
  return v instanceof Float64Array ? v : v.toFloat64Array();
}

/** Packed series `from … to − 1` of a set. */
function slicePacked(p: Packed, starts: number[], from: number, to: number): { data: Float64Array; lens: Uint32Array } {
  return { data: p.data.slice(starts[from] * p.dims, starts[to] * p.dims), lens: p.lens.slice(from, to) };
}

/**
 * Starts a pool of `threads` workers (default 1) for batch operations
 * (rows of sort/rank and perturbed batches, rows of pairwise soft-DTW
 * matrices, folds of K-fold Lasso criteria in hypergradients and searches),
 * with the same results as the single-threaded calls, bit for bit. Each
 * worker instantiates the module the main thread compiled (initializing
 * diffopt first if needed), so `diffopt/slim` needs `init(source)` before.
 * Workers are Node `worker_threads` or module `Worker`s (Deno, Bun,
 * browsers) running `pool-worker.js`, shipped next to the entry point.
 * Close the pool when done: idle workers do not keep Node alive, but they
 * hold memory.
 *
 * @example
 * ```ts
 * import { createPool, softRank } from 'diffopt';
 * const pool = await createPool({ threads: 2 });
 * const x = new Float64Array(1024 * 1000).map(Math.random);
 * const ranks = await pool.softRank(x, { shape: [1024, 1000], strength: 0.1 });
 * // same bits as softRank(x, { shape: [1024, 1000], strength: 0.1 })
 * const D = await pool.softDtwPairwise([[0, 1, 2], [2, 1, 0], [1, 1]], null, { gamma: 0.1 });
 * const X = [[1, 0.2], [0.3, 1], [-1, 0.5], [0.8, -0.6], [0.1, 0.9], [0.4, 0.4], [-0.2, -1], [1.2, 0.3]];
 * const y = [1.1, 0.4, -0.9, 1.0, 0.2, 0.5, -0.1, 1.3];
 * const cv = await pool.gridSearch({ X, y, folds: 4, count: 20 }); // folds split across the workers
 * await pool.close();
 * ```
 */
export async function createPool(options?: PoolOptions): Promise<Pool> {
  const fn = 'createPool';
  const o = knownOptions(fn, options, ['threads']);
  const threads = threadCount(o.threads);
  await init();
  const { module } = current(fn);
  const url = workerUrl();
  const slots: Slot[] = [];
  const ready: Promise<unknown>[] = [];
  try {
    for (let i = 0; i < threads; i++) {
      const port = await startWorker(fn, url);
      ready.push(new Promise((resolve, reject) => slots.push(new Slot(port, 'pool', { resolve, reject }))));
      port.post({ type: 'init', module });
    }
    await Promise.all(ready);
  } catch (err) {
    for (const s of slots) s.terminate();
    throw err;
  }
  let closed: Promise<void> | null = null;

  const check = (name: string) => {
    if (closed) throw new DiffoptError('not-initialized', `pool.${name}: the pool was closed`);
  };

  const sortOp = async (name: 'softRank' | 'softSort', x: Vector, options?: Omit<SoftSortOptions, 'out'>) => {
    const fname = `pool.${name}`;
    check(name);
    const opts = knownOptions(fname, options, ['regularization', 'strength', 'direction', 'shape']);
    const xs = f64(x, fname, 'x');
    const [rows, n] = batchShape(fname, opts.shape, xs.length);
    const { shape: _shape, ...rest } = opts;
    // No rows: nothing to split, but the options still get checked.
    if (rows === 0) return (name === 'softRank' ? softRank : softSort)(xs, { ...rest, shape: [rows, n] });
    const bounds = splitRows(rows, threads);
    const jobs: Promise<Float64Array>[] = [];
    for (let i = 0; i + 1 < bounds.length; i++) {
      const part = xs.slice(bounds[i] * n, bounds[i + 1] * n);
      jobs.push(slots[i].run({ op: name, x: part, rows: bounds[i + 1] - bounds[i], n, options: rest }, [part.buffer]));
    }
    const parts = await gather(jobs);
    const out = new Float64Array(rows * n);
    parts.forEach((p, i) => out.set(p, bounds[i] * n));
    return out;
  };

  const pairwise = async (Xs: readonly Series[], Ys?: readonly Series[] | null, options?: PairwiseOptions) => {
    const fname = 'pool.softDtwPairwise';
    check('softDtwPairwise');
    const opts = knownOptions(fname, options, ['metric', 'gamma', 'cost', 'band', 'dims']);
    // Packing here checks every series with its global index in messages.
    const dims = opts.dims === undefined ? undefined : (positive(fname, 'dims', opts.dims, 1) | 0);
    const xs = pack(fname, 'Xs', Xs, dims);
    const symmetric = Ys === undefined || Ys === null;
    const ys = symmetric ? xs : pack(fname, 'Ys', Ys, xs.dims);
    const { dims: _dims, ...rest } = opts;
    const starts = (p: Packed) => {
      const s = new Array<number>(p.count + 1).fill(0);
      for (let k = 0; k < p.count; k++) s[k + 1] = s[k] + p.lens[k];
      return s;
    };
    const sx = starts(xs);
    const sy = symmetric ? sx : starts(ys);
    const nx = xs.count;
    const ny = ys.count;
    // Cost of row a: Σ_b len(x_a)·len(y_b) over the columns it computes.
    const totalY = sy[ny];
    const tailY = (a: number) => totalY - sy[a];
    const bounds = splitRows(nx, threads, (a) => xs.lens[a] * (symmetric ? tailY(a) : totalY) + 1);
    const jobs: Promise<Float64Array>[] = [];
    for (let i = 0; i + 1 < bounds.length; i++) {
      const [a0, a1] = [bounds[i], bounds[i + 1]];
      const x = slicePacked(xs, sx, a0, a1);
      const y = symmetric ? slicePacked(xs, sx, a0, nx) : { data: ys.data, lens: ys.lens };
      jobs.push(slots[i].run({
        op: 'softDtwPairwise', xData: x.data, xLens: x.lens, yData: y.data, yLens: y.lens, dims: xs.dims, symmetric, options: rest,
      }, [x.data.buffer as ArrayBuffer, x.lens.buffer as ArrayBuffer]));
    }
    const parts = await gather(jobs);
    const out = new Float64Array(nx * ny);
    parts.forEach((p, i) => {
      const a0 = bounds[i];
      if (!symmetric) {
        out.set(p, a0 * ny);
        return;
      }
      const w = ny - a0;
      for (let a = a0; a < bounds[i + 1]; a++) {
        const r = a - a0;
        for (let b = a; b < ny; b++) {
          const v = p[r * w + (b - a0)];
          out[a * ny + b] = v;
          out[b * ny + a] = v;
        }
      }
    });
    return out;
  };

  const perturbOp = async (oracle: PoolOracle, theta: Vector, options?: PerturbedOptions): Promise<PerturbedEstimate> => {
    const fname = 'pool.perturbed';
    check('perturbed');
    if (typeof oracle === 'function') {
      throw new DiffoptError('type', `${fname}: a pool cannot run a user oracle (functions cannot be sent to workers); use perturbed() on this thread`, 'oracle');
    }
    // Checks the oracle and every option here, with the single call's messages.
    perturbed(oracle, options);
    const th = f64(theta, fname, 'theta');
    const [rows, n] = batchShape(fname, options?.shape, th.length, 'theta');
    const { shape: _shape, ...rest } = options ?? {};
    if (rows === 0) return perturbed(oracle, options).estimate(th, { shape: [rows, n] });
    const bounds = splitRows(rows, threads);
    const jobs: Promise<PerturbedEstimate>[] = [];
    for (let i = 0; i + 1 < bounds.length; i++) {
      const part = th.slice(bounds[i] * n, bounds[i + 1] * n);
      jobs.push(slots[i].run({
        op: 'perturbed', oracle, options: rest, theta: part, rows: bounds[i + 1] - bounds[i], n, rowOffset: bounds[i],
      }, [part.buffer]));
    }
    const parts = await gather(jobs);
    const est = emptyEstimate(rows, n);
    parts.forEach((p, i) => {
      const r0 = bounds[i];
      est.output.set(p.output, r0 * n);
      est.outputStderr.set(p.outputStderr, r0 * n);
      est.valueGrad.set(p.valueGrad, r0 * n);
      est.value.set(p.value, r0);
      est.valueStderr.set(p.valueStderr, r0);
    });
    return est;
  };

  /** Runs a Lasso loop (the single call's code) against fold sessions on the workers. */
  let lassoCalls = 0;
  const lassoOp = async <R>(name: string, spec: SessionSpec, names: string[], loop: (facts: ProblemFacts) => Loop<R>): Promise<R> => {
    const criterion = await PoolCriterion.open(`pool.${name}`, slots, spec, names, lassoCalls++);
    try {
      return await runAsync(loop(criterion), criterion);
    } finally {
      await criterion.close();
    }
  };
  const searchOp = <P extends { fn: string; prep: Prepared }>(name: string, plan: P, loop: (plan: P, facts: ProblemFacts) => Loop<SearchResult>) =>
    lassoOp(name, plan.prep.spec, plan.prep.names, (facts) => loop(plan, facts));

  return {
    threads,
    hypergradient: async (options) => {
      check('hypergradient');
      const plan = planHypergradient('pool.hypergradient', options);
      return lassoOp('hypergradient', plan.spec, plan.names, (facts) => hypergradientLoop(plan, facts.m));
    },
    gradSearch: async (options) => {
      check('gradSearch');
      return searchOp('gradSearch', planGradSearch('pool.gradSearch', options), gradSearchLoop);
    },
    gridSearch: async (options) => {
      check('gridSearch');
      return searchOp('gridSearch', planGridSearch('pool.gridSearch', options), pointsLoop);
    },
    randomSearch: async (options) => {
      check('randomSearch');
      return searchOp('randomSearch', planRandomSearch('pool.randomSearch', options), pointsLoop);
    },
    softRank: (x, options) => sortOp('softRank', x, options),
    softSort: (x, options) => sortOp('softSort', x, options),
    softDtwPairwise: pairwise,
    perturbed: async (oracle, theta, options) => (await perturbOp(oracle, theta, options)).output,
    perturbedEstimate: perturbOp,
    close: () => {
      if (!closed) {
        for (const s of slots) s.terminate();
        closed = Promise.resolve();
      }
      return closed;
    },
  };
}
