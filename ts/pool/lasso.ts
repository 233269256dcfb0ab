/**
 * A Lasso-type criterion evaluated by the pool's workers. A K-fold criterion
 * is cut into its folds, contiguous runs of folds per worker, each fold a
 * session of its own that keeps its warm starts on its worker across the
 * evaluations of a search; the main thread sums the folds' values,
 * hypergradients and β in fold order and divides by K — the operations
 * `Session::evaluate` performs over its folds in one call, in the same order,
 * so the result is the single call's, bit for bit (crates/core/src/lasso
 * tests.rs checks the same identity natively). Other criteria (one split,
 * SURE) are one piece on one worker. The final refit on all rows is a third
 * kind of piece, opened on the first worker when the search asks for it.
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

export class PoolCriterion implements AsyncEvaluator {
  /** λ_max of the training data (all rows for K-fold). */
  readonly lambdaMax: number;
  /** Number of hyperparameters. */
  readonly m: number;
  private readonly p: number;
  /** The workers holding pieces, with their parts in fold order. */
  private readonly holders: { runner: TaskRunner; parts: SessionPart[] }[];
  private readonly count: number;
  private refitKey = 0;
  private closed = false;

  private constructor(
    private readonly key: number,
    private readonly fn: string,
    private readonly spec: SessionSpec,
    private readonly names: string[],
    holders: { runner: TaskRunner; parts: SessionPart[] }[],
    facts: Float64Array,
  ) {
    this.holders = holders;
    this.count = holders.reduce((a, h) => a + h.parts.length, 0);
    this.lambdaMax = facts[0];
    this.m = facts[1];
    this.p = facts[2];
  }

  /** Opens the pieces of `spec` on `runners` (at most one run of folds each). */
  static async open(fn: string, runners: TaskRunner[], spec: SessionSpec, names: string[]): Promise<PoolCriterion> {
    const k = spec.folds;
    let holders: { runner: TaskRunner; parts: SessionPart[] }[];
    if (k === 0) {
      holders = [{ runner: runners[0], parts: ['all'] }];
    } else {
      // A fold costs about its training rows: n minus its own share.
      const n = spec.x.rows;
      const bounds = splitRows(k, runners.length, (f) => n - (Math.floor(n / k) + (f < n % k ? 1 : 0)));
      holders = [];
      for (let i = 0; i + 1 < bounds.length; i++) {
        const parts: number[] = [];
        for (let f = bounds[i]; f < bounds[i + 1]; f++) parts.push(f);
        holders.push({ runner: runners[i], parts });
      }
    }
    const key = nextKey++;
    const opened = holders.map((h) => h.runner.run<Float64Array>({ op: 'lasso-open', key, fn, spec, names, parts: h.parts }, []));
    let facts: Float64Array[];
    try {
      facts = await gather(opened);
    } catch (err) {
      // Pieces that did open are freed; the first failure in fold order wins.
      await Promise.allSettled(holders.map((h) => h.runner.run({ op: 'lasso-close', key }, [])));
      throw err;
    }
    return new PoolCriterion(key, fn, spec, names, holders, facts[0]);
  }

  private live(): void {
    if (this.closed) throw new DiffoptError('freed', `${this.fn}: this problem was closed`);
  }

  async evaluate(h: Float64Array, grad: boolean, beta: boolean): Promise<Evaluation> {
    this.live();
    const { m, p } = this;
    const replies = await gather(this.holders.map((x) => x.runner.run<Float64Array>({ op: 'lasso-eval', key: this.key, fn: this.fn, h, grad, beta }, [])));
    const size = 7 + (grad ? m : 0) + (beta ? p : 0);
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

  async refit(h: Float64Array): Promise<Refit> {
    this.live();
    let key = this.key;
    const first = this.holders[0].runner;
    if (this.spec.folds > 0) {
      if (this.refitKey === 0) {
        const rk = nextKey++;
        await first.run({ op: 'lasso-open', key: rk, fn: this.fn, spec: this.spec, names: this.names, parts: ['full'] }, []);
        this.refitKey = rk;
      }
      key = this.refitKey;
    }
    const r = await first.run<Float64Array>({ op: 'lasso-refit', key, fn: this.fn, h }, []);
    return { fit: fitNumbers(r.subarray(0, 5)), beta: r.slice(5) };
  }

  /** Frees every piece on its worker (idempotent; a closed pool has nothing to free). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const jobs = this.holders.map((h) => h.runner.run({ op: 'lasso-close', key: this.key }, []));
    if (this.refitKey !== 0) jobs.push(this.holders[0].runner.run({ op: 'lasso-close', key: this.refitKey }, []));
    await Promise.allSettled(jobs);
  }
}
