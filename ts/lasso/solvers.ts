/**
 * Lasso-type solvers: coordinate descent with duality-gap stopping,
 * warm starts and support polishing (crates/core/src/lasso/solvers.rs).
 * @module
 */
import { DiffoptError } from '../runtime/errors.js';
import { guarded, kernels } from '../runtime/instance.js';
import { choice, knownOptions, positive, vector, type Vector } from '../runtime/input.js';
import { f64At, scratch } from '../runtime/memory.js';
import {
  MODELS, argNames, asF64, flag, integer, lassoError, matrix, nonNegative, sameRows,
  type LassoKernels, type LassoModel, type Matrix,
} from './common.js';
import { fitNumbers } from './session.js';

/** Options of every fit. */
export interface FitOptions {
  /** Stop when the duality gap is ≤ tol·P(0) (P(0) = ‖y‖²/(2n), or log 2 for logistic). Default 1e-8. */
  tol?: number;
  /** Maximum coordinate-descent epochs (default 10000). */
  maxIter?: number;
  /** Polish the solution on its support when that is cheap (default true). */
  polish?: boolean;
  /** Warm start (length p; default zeros). */
  beta0?: Vector;
  /** `[n, p]` when X is a flat row-major array and y does not say n. */
  shape?: readonly [number, number];
}

/** What a fit returns. */
export interface FitResult {
  /** Coefficients (length p). */
  beta: Float64Array;
  /** Duality gap at `beta` (absolute, objective units). */
  dualityGap: number;
  /** Primal objective at `beta`. */
  objective: number;
  /** Coordinate-descent epochs. */
  iterations: number;
  /** False when `maxIter` stopped the solver before the gap reached `tol`: `beta` is then a partial answer. */
  converged: boolean;
  /** The solution was polished on its support. */
  polished: boolean;
}

const FIT_KEYS = ['tol', 'maxIter', 'polish', 'beta0', 'shape'];
const NAMES = argNames({});

function fitCall(fn: string, model: LassoModel, X: Matrix, y: Vector, lam: Float64Array, lam2: number, o: Record<string, unknown>, names = NAMES): FitResult {
  const ys = asF64(vector(fn, 'y', y));
  const x = matrix(fn, 'X', X, ys.length, o.shape);
  sameRows(fn, 'y', ys, 'X', x.rows);
  const p = x.cols;
  const tol = nonNegative(fn, 'tol', o.tol, 1e-8);
  const maxIter = integer(fn, 'maxIter', o.maxIter, 10_000, 1);
  const polish = flag(fn, 'polish', o.polish, true);
  let beta0: Float64Array | null = null;
  if (o.beta0 !== undefined) {
    beta0 = asF64(vector(fn, 'beta0', o.beta0));
    if (beta0.length !== p) throw new DiffoptError('shape', `${fn}: beta0 has ${beta0.length} entries, expected ${p}`, 'beta0');
  }
  const code = MODELS.indexOf(model);
  return guarded(fn, (ex) => {
    const [sx, sy, sl, sb, si] = scratch(ex).frame(fn, [x.data.length * 8, ys.length * 8, lam.length * 8, p * 8, 40]);
    f64At(ex, sx, x.data.length).set(x.data);
    f64At(ex, sy, ys.length).set(ys);
    f64At(ex, sl, lam.length).set(lam);
    const b = f64At(ex, sb, p);
    if (beta0) b.set(beta0);
    else b.fill(0);
    const status = kernels<LassoKernels>(ex).lasso_fit(code, sx, sy, x.rows, p, sl, lam.length, lam2, tol, maxIter, polish ? 1 : 0, sb, si);
    if (status !== 0) throw lassoError(fn, status, names);
    const info = fitNumbers(f64At(ex, si, 5));
    return {
      beta: f64At(ex, sb, p).slice(),
      dualityGap: info.gap,
      objective: info.objective,
      iterations: info.iterations,
      converged: info.converged,
      polished: info.polished,
    };
  });
}

/**
 * The Lasso: argmin_β 1/(2n)‖y − Xβ‖² + λ‖β‖₁ by cyclic coordinate descent
 * (n = rows of X, no intercept: center y and X first if you need one).
 * Columns of X that are all zero get coefficient 0; a constant non-zero
 * column acts as a (penalized) intercept.
 *
 * @example
 * ```ts
 * import { init, fitLasso, lambdaMax } from 'diffopt';
 * await init();
 * const X = [[1, 0.5], [0, 1], [2, -1], [1, 1]];
 * const y = [1.5, 0.8, 0.9, 2.1];
 * const { beta, converged } = fitLasso(X, y, { lambda: 0.1 * lambdaMax(X, y) });
 * ```
 */
export function fitLasso(X: Matrix, y: Vector, options: FitOptions & { lambda: number }): FitResult {
  const fn = 'fitLasso';
  const o = knownOptions(fn, options, ['lambda', ...FIT_KEYS]);
  const lam = positive(fn, 'lambda', o.lambda, NaN);
  return fitCall(fn, 'lasso', X, y, Float64Array.of(lam), 0, o);
}

/**
 * The elastic net: argmin_β 1/(2n)‖y − Xβ‖² + λ₁‖β‖₁ + λ₂/2‖β‖²
 * (scikit-learn's alpha = λ₁ + λ₂, l1_ratio = λ₁/(λ₁ + λ₂)).
 *
 * @example
 * ```ts
 * import { init, fitElasticNet } from 'diffopt';
 * await init();
 * const { beta } = fitElasticNet([[1, 0.5], [0, 1], [2, -1]], [1, 0.5, 1], { lambda1: 0.05, lambda2: 0.1 });
 * ```
 */
export function fitElasticNet(X: Matrix, y: Vector, options: FitOptions & { lambda1: number; lambda2: number }): FitResult {
  const fn = 'fitElasticNet';
  const o = knownOptions(fn, options, ['lambda1', 'lambda2', ...FIT_KEYS]);
  const l1 = positive(fn, 'lambda1', o.lambda1, NaN);
  const l2 = positive(fn, 'lambda2', o.lambda2, NaN);
  return fitCall(fn, 'elastic-net', X, y, Float64Array.of(l1), l2, o, argNames({ lambda: 'lambda1' }));
}

/**
 * The weighted Lasso: argmin_β 1/(2n)‖y − Xβ‖² + Σ_j λ_j|β_j|, one λ per feature.
 *
 * @example
 * ```ts
 * import { init, fitWeightedLasso } from 'diffopt';
 * await init();
 * const { beta } = fitWeightedLasso([[1, 0.5], [0, 1], [2, -1]], [1, 0.5, 1], { lambdas: [0.01, 0.3] });
 * ```
 */
export function fitWeightedLasso(X: Matrix, y: Vector, options: FitOptions & { lambdas: Vector }): FitResult {
  const fn = 'fitWeightedLasso';
  const o = knownOptions(fn, options, ['lambdas', ...FIT_KEYS]);
  if (o.lambdas === undefined) throw new DiffoptError('domain', `${fn}: lambdas is required (one λ > 0 per feature)`, 'lambdas');
  const lam = Float64Array.from(asF64(vector(fn, 'lambdas', o.lambdas)));
  return fitCall(fn, 'weighted-lasso', X, y, lam, 0, o, argNames({ lambda: 'lambdas' }));
}

/**
 * Sparse logistic regression: argmin_β 1/n Σ log(1 + exp(−y_i x_iᵀβ)) + λ‖β‖₁
 * with labels y_i ∈ {−1, +1} (proximal Newton with coordinate descent).
 *
 * @example
 * ```ts
 * import { init, fitSparseLogReg } from 'diffopt';
 * await init();
 * const { beta } = fitSparseLogReg([[1, 0.5], [0, 1], [2, -1], [-1, 0]], [1, -1, 1, -1], { lambda: 0.05 });
 * ```
 */
export function fitSparseLogReg(X: Matrix, y: Vector, options: FitOptions & { lambda: number }): FitResult {
  const fn = 'fitSparseLogReg';
  const o = knownOptions(fn, options, ['lambda', ...FIT_KEYS]);
  const lam = positive(fn, 'lambda', o.lambda, NaN);
  return fitCall(fn, 'sparse-logreg', X, y, Float64Array.of(lam), 0, o);
}

/**
 * The smallest λ for which the solution is β = 0: ‖Xᵀy‖∞/n for the
 * quadratic models (the common λ for the weighted Lasso, λ₁ for the elastic
 * net) and ‖Xᵀy‖∞/(2n) for sparse logistic regression.
 *
 * @example
 * ```ts
 * import { init, lambdaMax } from 'diffopt';
 * await init();
 * lambdaMax([[1, 0], [0, 1]], [2, -4]); // 2
 * lambdaMax([[1, 0], [0, 1]], [1, -1], { model: 'sparse-logreg' }); // 0.25
 * ```
 */
export function lambdaMax(X: Matrix, y: Vector, options?: { model?: LassoModel; shape?: readonly [number, number] }): number {
  const fn = 'lambdaMax';
  const o = knownOptions(fn, options, ['model', 'shape']);
  const model = choice(fn, 'model', o.model, MODELS, 'lasso');
  const ys = asF64(vector(fn, 'y', y));
  const x = matrix(fn, 'X', X, ys.length, o.shape);
  sameRows(fn, 'y', ys, 'X', x.rows);
  return guarded(fn, (ex) => {
    const [sx, sy, so] = scratch(ex).frame(fn, [x.data.length * 8, ys.length * 8, 8]);
    f64At(ex, sx, x.data.length).set(x.data);
    f64At(ex, sy, ys.length).set(ys);
    const status = kernels<LassoKernels>(ex).lasso_lambda_max(model, sx, sy, x.rows, x.cols, so);
    if (status !== 0) throw lassoError(fn, status, NAMES);
    return f64At(ex, so, 1)[0];
  });
}
