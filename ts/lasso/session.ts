/**
 * Problems living in wasm memory: a session (model, criterion, data and all
 * warm starts; crates/core/src/lasso/session.rs) and a gradient-search state
 * machine. Both are opaque handles freed explicitly (callers use
 * try/finally), checked against the instance generation so a handle from an
 * instance replaced after a trap is refused instead of dereferenced.
 * @module
 */
import { DiffoptError } from '../runtime/errors.js';
import { guarded, kernels, type Exports } from '../runtime/instance.js';
import { choice, positive } from '../runtime/input.js';
import { f64At, scratch, u32At } from '../runtime/memory.js';
import {
  ALGORITHMS, MODELS, flag, integer, lassoError, nonNegative,
  type Criterion, type Dense, type HypergradAlgorithm, type LassoKernels, type LassoModel,
} from './common.js';

/** Options shared by every function that solves for hyperparameters. */
export interface ProblemOptions {
  /** `'lasso'` (default), `'elastic-net'`, `'weighted-lasso'` or `'sparse-logreg'`. */
  model?: LassoModel;
  /**
   * `'held-out-mse'` (default for regression), `'held-out-logistic'` (default
   * for `'sparse-logreg'`), `'sure'` (needs `sigma`), or `{ cv: K, of }` for
   * K-fold cross-validation on the training data.
   */
  criterion?: Criterion;
  /** Hypergradient algorithm (default `'implicit-forward'`). */
  algorithm?: HypergradAlgorithm;
  /** SURE: the noise standard deviation σ (required for `'sure'`). */
  sigma?: number;
  /** SURE: finite-difference step ε (default 2σ/n^0.3). */
  epsilon?: number;
  /** SURE: seed of the Monte Carlo direction δ (default 0). */
  seed?: number;
  /** Inner duality-gap tolerance relative to P(0) (default 1e-8). */
  tol?: number;
  /** Maximum coordinate-descent epochs per inner solve (default 10000). */
  maxIter?: number;
  /** Polish inner solutions on their support (default true). */
  polish?: boolean;
  /** Jacobian / adjoint tolerance (default 1e-10). */
  tolJac?: number;
  /** Maximum Jacobian sweeps / CG iterations (default 10000). */
  maxIterJac?: number;
}

export const PROBLEM_KEYS = [
  'model', 'criterion', 'algorithm', 'sigma', 'epsilon', 'seed', 'tol', 'maxIter', 'polish', 'tolJac', 'maxIterJac',
] as const;

/** A checked session description. */
export interface SessionSpec {
  model: number;
  modelName: LassoModel;
  criterion: number;
  folds: number;
  algorithm: number;
  x: Dense;
  y: Float64Array;
  xv: Dense | null;
  yv: Float64Array | null;
  sigma: number;
  epsilon: number;
  seed: number;
  tol: number;
  maxIter: number;
  polish: boolean;
  tolJac: number;
  maxIterJac: number;
}

/**
 * Which part of a K-fold problem a session holds (crates/core/src/lasso/session.rs
 * `Part`): the whole problem, or a worker pool's piece: folds `from … to − 1`,
 * with the all-rows refit when `refit`.
 */
export type SessionPart = 'all' | { from: number; to: number; refit: boolean };

/** Reads the criterion option: (code, folds, needs validation data). */
export function parseCriterion(fn: string, value: unknown, model: LassoModel): { code: number; folds: number } {
  const fallback = model === 'sparse-logreg' ? 'held-out-logistic' : 'held-out-mse';
  const c = value === undefined ? fallback : value;
  if (c && typeof c === 'object' && !Array.isArray(c)) {
    const o = c as { cv?: unknown; of?: unknown };
    const folds = integer(fn, 'criterion.cv', o.cv, 5, 2);
    const code = choice(fn, 'criterion.of', o.of, ['held-out-mse', 'held-out-logistic'], fallback);
    return { code, folds };
  }
  const code = choice(fn, 'criterion', c, ['held-out-mse', 'held-out-logistic', 'sure'], fallback);
  return { code, folds: 0 };
}

/** Reads the options every problem shares (data is checked by the caller). */
export function parseProblem(
  fn: string,
  o: Record<string, unknown>,
  x: Dense,
  y: Float64Array,
  xv: Dense | null,
  yv: Float64Array | null,
  folds?: number,
): SessionSpec {
  const model = choice(fn, 'model', o.model, MODELS, 'lasso');
  const modelName = MODELS[model];
  const crit = parseCriterion(fn, o.criterion, modelName);
  const nfolds = folds ?? crit.folds;
  const sure = crit.code === 2;
  if (sure && modelName === 'sparse-logreg') {
    throw new DiffoptError('option', `${fn}: criterion 'sure' needs a quadratic model, not 'sparse-logreg'`, 'criterion');
  }
  if (sure && o.sigma === undefined) {
    throw new DiffoptError('domain', `${fn}: criterion 'sure' needs the noise level sigma`, 'sigma');
  }
  if (!sure && nfolds === 0 && (xv === null || yv === null)) {
    throw new DiffoptError('shape', `${fn}: a held-out criterion needs validation data (XVal and yVal), or use { cv: K }`, 'XVal');
  }
  return {
    model,
    modelName,
    criterion: crit.code,
    folds: sure ? 0 : nfolds,
    algorithm: choice(fn, 'algorithm', o.algorithm, ALGORITHMS, 'implicit-forward'),
    x,
    y,
    xv: sure || nfolds > 0 ? null : xv,
    yv: sure || nfolds > 0 ? null : yv,
    sigma: sure ? positive(fn, 'sigma', o.sigma, 1) : 0,
    epsilon: o.epsilon === undefined ? 0 : positive(fn, 'epsilon', o.epsilon, 1),
    seed: integer(fn, 'seed', o.seed, 0, 0),
    tol: nonNegative(fn, 'tol', o.tol, 1e-8),
    maxIter: integer(fn, 'maxIter', o.maxIter, 10_000, 1),
    polish: flag(fn, 'polish', o.polish, true),
    tolJac: nonNegative(fn, 'tolJac', o.tolJac, 1e-10),
    maxIterJac: integer(fn, 'maxIterJac', o.maxIterJac, 10_000, 1),
  };
}

/** The numbers of one evaluation. */
export interface EvalInfo {
  value: number;
  iterations: number;
  converged: boolean;
  gap: number;
  jacIterations: number;
  jacConverged: boolean;
  solves: number;
}

/** The numbers of an evaluation in the ABI's order (crates/wasm/src/lasso.rs EVAL_INFO). */
export function evalInfoArray(i: EvalInfo): Float64Array {
  return Float64Array.of(i.value, i.iterations, i.converged ? 1 : 0, i.gap, i.jacIterations, i.jacConverged ? 1 : 0, i.solves);
}

export function evalInfo(v: Float64Array): EvalInfo {
  return {
    value: v[0],
    iterations: v[1],
    converged: v[2] === 1,
    gap: v[3],
    jacIterations: v[4],
    jacConverged: v[5] === 1,
    solves: v[6],
  };
}

/** A fit's numbers: [gap, objective, epochs, converged, polished]. */
export interface FitNumbers {
  gap: number;
  objective: number;
  iterations: number;
  converged: boolean;
  polished: boolean;
}

/** A fit's numbers in the ABI's order (crates/wasm/src/lasso.rs FIT_INFO). */
export function fitNumbersArray(f: FitNumbers): Float64Array {
  return Float64Array.of(f.gap, f.objective, f.iterations, f.converged ? 1 : 0, f.polished ? 1 : 0);
}

export function fitNumbers(v: Float64Array): FitNumbers {
  return { gap: v[0], objective: v[1], iterations: v[2], converged: v[3] === 1, polished: v[4] === 1 };
}

const k = (ex: Exports) => kernels<LassoKernels>(ex);

/**
 * An object the Rust side owns in wasm memory, behind an opaque handle tied
 * to the instance generation that made it: after a trap the instance is
 * replaced, and a stale handle is refused (`freed`) instead of dereferenced.
 */
abstract class Owned {
  private handle = 0;
  private generation = -1;

  constructor(private readonly what: string, private readonly release: (ex: Exports, handle: number) => void) {}

  protected adopt(handle: number, generation: number): void {
    this.handle = handle;
    this.generation = generation;
  }

  /** The live handle, or a `freed` error. */
  use(fn: string, gen: number): number {
    if (this.handle === 0 || gen !== this.generation) {
      throw new DiffoptError('freed', `${fn}: this ${this.what} was released (or its instance was reset after a trap)`);
    }
    return this.handle;
  }

  /** Releases the wasm memory (idempotent). */
  free(): void {
    if (this.handle === 0) return;
    const h = this.handle;
    this.handle = 0;
    try {
      guarded('free', (ex, gen) => {
        if (gen === this.generation) this.release(ex, h);
      });
    } catch {
      // not initialized any more: nothing to release
    }
  }
}

/** A session handle in wasm memory. */
export class LassoSession extends Owned {
  readonly lambdaMax: number;
  readonly p: number;
  readonly m: number;
  /** Splits (folds held for K-fold, else 1). */
  readonly splits: number;
  private readonly names: readonly string[];

  constructor(fn: string, s: SessionSpec, names: readonly string[], part: SessionPart = 'all') {
    super('problem', (ex, h) => k(ex).lasso_session_free(h));
    this.names = names;
    const xv = s.xv?.data ?? new Float64Array(0);
    const yv = s.yv ?? new Float64Array(0);
    const nv = s.xv ? s.xv.rows : 0;
    const r = guarded(fn, (ex, gen) => {
      const [sx, sy, sxv, syv, sh, si] = scratch(ex).frame(fn, [s.x.data.length * 8, s.y.length * 8, xv.length * 8, yv.length * 8, 8, 40]);
      f64At(ex, sx, s.x.data.length).set(s.x.data);
      f64At(ex, sy, s.y.length).set(s.y);
      f64At(ex, sxv, xv.length).set(xv);
      f64At(ex, syv, yv.length).set(yv);
      const status = k(ex).lasso_session_new(
        s.model, s.criterion, s.folds,
        part === 'all' ? -1 : part.from, part === 'all' ? 0 : part.to, part !== 'all' && part.refit ? 1 : 0,
        s.algorithm, sx, sy, s.x.rows, s.x.cols, sxv, syv, nv,
        s.sigma, s.epsilon, s.seed, s.tol, s.maxIter, s.polish ? 1 : 0, s.tolJac, s.maxIterJac, sh,
      );
      if (status !== 0) throw lassoError(fn, status, names);
      const handle = u32At(ex, sh, 1)[0];
      k(ex).lasso_session_info(handle, si);
      const info = f64At(ex, si, 5);
      return { handle, gen, lambdaMax: info[0], p: info[1], m: info[2], splits: info[4] };
    });
    this.adopt(r.handle, r.gen);
    this.lambdaMax = r.lambdaMax;
    this.p = r.p;
    this.m = r.m;
    this.splits = r.splits;
  }

  /** Inner problems solved so far. */
  innerSolves(fn: string): number {
    return guarded(fn, (ex, gen) => {
      const h = this.use(fn, gen);
      const [si] = scratch(ex).frame(fn, [40]);
      k(ex).lasso_session_info(h, si);
      return f64At(ex, si, 5)[3];
    });
  }

  /** The criterion (and hypergradient / β when asked) at h. */
  evaluate(fn: string, h: Float64Array, grad: boolean, beta: boolean): { info: EvalInfo; grad: Float64Array | null; beta: Float64Array | null } {
    return guarded(fn, (ex, gen) => {
      const handle = this.use(fn, gen);
      const [sh, sg, sb, si] = scratch(ex).frame(fn, [this.m * 8, grad ? this.m * 8 : 0, beta ? this.p * 8 : 0, 64]);
      f64At(ex, sh, this.m).set(h);
      const status = k(ex).lasso_session_eval(handle, sh, this.m, sg, sb, si);
      if (status !== 0) throw lassoError(fn, status, this.names);
      return {
        info: evalInfo(f64At(ex, si, 7)),
        grad: grad ? f64At(ex, sg, this.m).slice() : null,
        beta: beta ? f64At(ex, sb, this.p).slice() : null,
      };
    });
  }

  /**
   * Every split on its own at h, packed split after split: the 7 evaluation
   * numbers, the undivided hypergradient (m) when `grad`, then β (p).
   */
  evaluateSplits(fn: string, h: Float64Array, grad: boolean): Float64Array {
    return guarded(fn, (ex, gen) => {
      const handle = this.use(fn, gen);
      const size = this.splits * (7 + (grad ? this.m : 0) + this.p);
      const [sh, so] = scratch(ex).frame(fn, [this.m * 8, size * 8]);
      f64At(ex, sh, this.m).set(h);
      const status = k(ex).lasso_session_eval_splits(handle, sh, this.m, grad ? 1 : 0, so);
      if (status !== 0) throw lassoError(fn, status, this.names);
      return f64At(ex, so, size).slice();
    });
  }

  /** Refit at h (training data, or all rows for K-fold). */
  refit(fn: string, h: Float64Array): { beta: Float64Array; fit: FitNumbers } {
    return guarded(fn, (ex, gen) => {
      const handle = this.use(fn, gen);
      const [sh, sb, si] = scratch(ex).frame(fn, [this.m * 8, this.p * 8, 40]);
      f64At(ex, sh, this.m).set(h);
      const status = k(ex).lasso_session_refit(handle, sh, this.m, sb, si);
      if (status !== 0) throw lassoError(fn, status, this.names);
      return { beta: f64At(ex, sb, this.p).slice(), fit: fitNumbers(f64At(ex, si, 5)) };
    });
  }
}

/** What the search did with an evaluation. */
export interface TellNumbers {
  accepted: boolean;
  done: boolean;
  best: number;
}

/**
 * A gradient-search state machine in wasm memory: it proposes a point, the
 * caller evaluates it (a session on this thread, or fold sessions in a
 * worker pool) and tells it the value and hypergradient.
 */
export class SearchHandle extends Owned {
  readonly m: number;

  constructor(fn: string, optimizer: number, h0: Float64Array, maxEvals: number, tol: number, step: number, lo: number, hi: number, names: readonly string[]) {
    super('search', (ex, h) => k(ex).lasso_search_free(h));
    this.m = h0.length;
    const r = guarded(fn, (ex, gen) => {
      const [s0, sh] = scratch(ex).frame(fn, [h0.length * 8, 8]);
      f64At(ex, s0, h0.length).set(h0);
      const status = k(ex).lasso_search_new(optimizer, s0, h0.length, maxEvals, tol, step, lo, hi, sh);
      if (status !== 0) throw lassoError(fn, status, names);
      return { handle: u32At(ex, sh, 1)[0], gen };
    });
    this.adopt(r.handle, r.gen);
  }

  /** The point to evaluate next. */
  proposal(fn: string): Float64Array {
    return guarded(fn, (ex, gen) => {
      const h = this.use(fn, gen);
      const [sp] = scratch(ex).frame(fn, [this.m * 8]);
      k(ex).lasso_search_proposal(h, sp);
      return f64At(ex, sp, this.m).slice();
    });
  }

  /** The evaluation of the proposal: its numbers and hypergradient. */
  tell(fn: string, info: EvalInfo, grad: Float64Array, names: readonly string[]): TellNumbers {
    return guarded(fn, (ex, gen) => {
      const h = this.use(fn, gen);
      const [sg, si, so] = scratch(ex).frame(fn, [this.m * 8, 56, 24]);
      f64At(ex, sg, this.m).set(grad);
      f64At(ex, si, 7).set(evalInfoArray(info));
      const status = k(ex).lasso_search_tell(h, sg, si, so);
      if (status !== 0) throw lassoError(fn, status, names);
      const out = f64At(ex, so, 3);
      return { accepted: out[0] === 1, done: out[1] === 1, best: out[2] };
    });
  }

  best(fn: string): { h: Float64Array; value: number } {
    return guarded(fn, (ex, gen) => {
      const handle = this.use(fn, gen);
      const [sh] = scratch(ex).frame(fn, [this.m * 8]);
      const value = k(ex).lasso_search_best(handle, sh);
      return { h: f64At(ex, sh, this.m).slice(), value };
    });
  }
}

/** Draws `count` points uniform in [lo, hi]^m, sorted by decreasing first coordinate. */
export function randomPoints(fn: string, seed: number, count: number, m: number, lo: number, hi: number): Float64Array {
  return guarded(fn, (ex) => {
    const [so] = scratch(ex).frame(fn, [count * m * 8]);
    const status = k(ex).lasso_random_points(seed, count, m, lo, hi, so);
    if (status !== 0) throw lassoError(fn, status, []);
    return f64At(ex, so, count * m).slice();
  });
}
