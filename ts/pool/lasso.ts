/**
 * A Lasso-type criterion evaluated by the pool's workers. A K-fold criterion
 * is cut into runs of folds, one run per worker, each a session (crates/core
 * `Part::Folds`) that keeps its folds' warm starts on its worker across the
 * evaluations of a search and reports every fold on its own; the main
 * thread sums the folds' values, hypergradients and β in fold order and
 * divides by K — the operations `Session::evaluate` performs over its folds
 * in one call, in the same order, so the result is the single call's, bit
 * for bit (crates/core/src/lasso/tests.rs checks the same identity
 * natively). The last piece (the lightest when K does not divide evenly)
 * also keeps the all-rows data for the final refit. Other criteria (one
 * split, SURE) are one piece on one worker. Which worker runs which piece
 * does not change any bit, so each problem starts on the next worker in
 * turn: concurrent searches spread over the pool.
 * @module
 */
import { DiffoptError } from '../runtime/errors.js';
import type { AsyncEvaluator, Evaluation, Refit } from '../lasso/drive.js';
import { evalInfo, fitNumbers, type EvalInfo, type SessionPart, type SessionSpec } from '../lasso/session.js';
import { gather, splitRows, type Task } from './protocol.js';

/** What the criterion needs of a worker. */
export interface TaskRunner {
  run<T>(task: Task, transfer: ArrayBuffer[]): Promise<T>;
}

/** f64::max: a NaN operand is ignored (Math.max would propagate it). */
function fmax(a: number, b: number): number {
  if (Number.isNaN(a)) return b;
  if (Number.isNaN(b)) return a;
  return b > a ? b : a;
}

let nextKey = 1;

/** The array alone: posting a view would clone the whole buffer behind it. */
function own(a: Float64Array): Float64Array {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice();
}

function compact(spec: SessionSpec): SessionSpec {
  return {
    ...spec,
    x: { ...spec.x, data: own(spec.x.data) },
    y: own(spec.y),
    xv: spec.xv && { ...spec.xv, data: own(spec.xv.data) },
    yv: spec.yv && own(spec.yv),
  };
}

interface Holder {
  runner: TaskRunner;
  key: number;
}

export class PoolCriterion implements AsyncEvaluator {
  /** λ_max of the training data (all rows for K-fold). */
  readonly lambdaMax: number;
  /** Number of hyperparameters. */
  readonly m: number;
  private readonly p: number;
  /** Total splits (K for K-fold, else 1): the divisor of the mean. */
  private readonly count: number;
  private closed = false;

  private constructor(private readonly fn: string, private readonly holders: Holder[], facts: Float64Array[]) {
    // Only the refitting (last) piece builds the all-rows data behind λ_max.
    this.lambdaMax = facts[facts.length - 1][0];
    this.m = facts[0][1];
    this.p = facts[0][2];
    this.count = facts.reduce((a, f) => a + f[3], 0);
  }

  /**
   * Opens the pieces of `spec` on the runners (one run of folds each, in
   * fold order), the first on `runners[start % runners.length]`.
   */
  static async open(fn: string, all: TaskRunner[], spec: SessionSpec, names: string[], start: number): Promise<PoolCriterion> {
    const runners = all.map((_, i) => all[(start + i) % all.length]);
    const k = spec.folds;
    const parts: SessionPart[] = [];
    if (k === 0) {
      parts.push('all');
    } else {
      // A fold costs about its training rows: n minus its own share.
      const n = spec.x.rows;
      const bounds = splitRows(k, runners.length, (f) => n - (Math.floor(n / k) + (f < n % k ? 1 : 0)));
      const last = bounds.length - 2;
      for (let i = 0; i <= last; i++) parts.push({ from: bounds[i], to: bounds[i + 1], refit: i === last });
    }
    const holders = parts.map((_, i) => ({ runner: runners[i], key: nextKey++ }));
    const sent = compact(spec);
    const opened = holders.map((h, i) => h.runner.run<Float64Array>({ op: 'lasso-open', key: h.key, fn, spec: sent, names, part: parts[i] }, []));
    try {
      return new PoolCriterion(fn, holders, await gather(opened));
    } catch (err) {
      // Pieces that did open are freed; the first failure in fold order wins.
      await Promise.allSettled(holders.map((h) => h.runner.run({ op: 'lasso-close', key: h.key }, [])));
      throw err;
    }
  }

  private live(): void {
    if (this.closed) throw new DiffoptError('freed', `${this.fn}: this problem was closed`);
  }

  async evaluate(h: Float64Array, grad: boolean, beta: boolean): Promise<Evaluation> {
    this.live();
    const { m, p } = this;
    // (a grid's point is a view into all the points)
    const point = own(h);
    const replies = await gather(this.holders.map((x) => x.runner.run<Float64Array>({ op: 'lasso-eval', key: x.key, fn: this.fn, h: point, grad }, [])));
    const size = 7 + (grad ? m : 0) + p;
    // Session::evaluate: value, gradient and β accumulate fold after fold from
    // zero, then the value and gradient are divided by K (β by K per term).
    const k = this.count;
    const info: EvalInfo = { value: 0, iterations: 0, converged: true, gap: 0, jacIterations: 0, jacConverged: true, solves: 0 };
    const g = grad ? new Float64Array(m) : null;
    const b = beta ? new Float64Array(p) : null;
    for (const reply of replies) {
      for (let at = 0; at < reply.length; at += size) {
        const f = evalInfo(reply.subarray(at, at + 7));
        info.value += f.value;
        info.iterations += f.iterations;
        info.converged &&= f.converged;
        info.gap = fmax(info.gap, f.gap);
        info.jacIterations += f.jacIterations;
        info.jacConverged &&= f.jacConverged;
        info.solves += f.solves;
        if (g) for (let i = 0; i < m; i++) g[i] += reply[at + 7 + i];
        if (b) {
          const o = at + 7 + (grad ? m : 0);
          for (let j = 0; j < p; j++) b[j] += reply[o + j] / k;
        }
      }
    }
    info.value /= k;
    if (g) for (let i = 0; i < m; i++) g[i] /= k;
    return { info, grad: g, beta: b };
  }

  /** Refits on the last piece (the training data, or all rows for K-fold). */
  async refit(h: Float64Array): Promise<Refit> {
    this.live();
    const owner = this.holders[this.holders.length - 1];
    const r = await owner.runner.run<Float64Array>({ op: 'lasso-refit', key: owner.key, fn: this.fn, h: own(h) }, []);
    return { fit: fitNumbers(r.subarray(0, 5)), beta: r.slice(5) };
  }

  /** Frees every piece on its worker (idempotent; a closed pool has nothing to free). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(this.holders.map((h) => h.runner.run({ op: 'lasso-close', key: h.key }, [])));
  }
}
