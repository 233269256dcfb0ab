/**
 * Hypergradients of a criterion w.r.t. log λ (crates/core/src/lasso/hypergrad).
 * @module
 */
import { DiffoptError } from '../runtime/errors.js';
import { knownOptions, vector, type Vector } from '../runtime/input.js';
import { argNames, asF64, matrix, sameRows, supportOf, type Matrix } from './common.js';
import { evaluate, runOnSession, type Loop } from './drive.js';
import { PROBLEM_KEYS, parseProblem, type ProblemOptions, type SessionSpec } from './session.js';

/** Options of {@link hypergradient}. */
export interface HypergradientOptions extends ProblemOptions {
  /** Training design (n rows). For `{ cv: K }` the folds are cut from it. */
  XTrain: Matrix;
  /** Training targets (labels ±1 for `'sparse-logreg'`). */
  yTrain: Vector;
  /** Validation design (held-out criteria). */
  XVal?: Matrix;
  /** Validation targets. */
  yVal?: Vector;
  /**
   * h = log λ: a number (Lasso, sparse logistic regression; broadcast to
   * every feature for the weighted Lasso), [log λ₁, log λ₂] (elastic net),
   * or p numbers (weighted Lasso).
   */
  logLambda: number | readonly number[] | Float64Array;
}

/** What {@link hypergradient} returns. */
export interface HypergradientResult {
  /** The criterion at β̂(λ). */
  value: number;
  /**
   * ∂criterion/∂log λ: a number for `'lasso'` and `'sparse-logreg'`, a
   * Float64Array for `'elastic-net'` (2) and `'weighted-lasso'` (p).
   */
  grad: number | Float64Array;
  /** β̂(λ) on the training data (the mean of the fold fits for `{ cv: K }`). */
  beta: Float64Array;
  /** Indices of the non-zero coefficients of `beta`. */
  support: number[];
  /** Coordinate-descent epochs of the inner solve(s). */
  innerIterations: number;
  /** Every inner solve reached its duality-gap tolerance (false: maxIter hit). */
  converged: boolean;
  /** Largest duality gap of the inner solves. */
  dualityGap: number;
  /** Jacobian sweeps (implicit forward) or CG iterations (implicit). */
  jacobianIterations: number;
  /** The Jacobian / adjoint iterations met `tolJac`. */
  jacobianConverged: boolean;
  /** Inner problems solved (2 for SURE, K for K-fold). */
  innerSolves: number;
}

/** log λ as a vector of the model's hyperparameters. */
export function hyperVector(fn: string, name: string, v: unknown, model: string, p: number): Float64Array {
  const m = model === 'elastic-net' ? 2 : model === 'weighted-lasso' ? p : 1;
  if (typeof v === 'number') {
    if (model === 'elastic-net') {
      throw new DiffoptError('shape', `${fn}: ${name} for the elastic net is [log λ₁, log λ₂]`, name);
    }
    return new Float64Array(m).fill(v);
  }
  if (v === undefined) throw new DiffoptError('type', `${fn}: ${name} is required`, name);
  const h = asF64(vector(fn, name, v));
  if (h.length !== m) {
    throw new DiffoptError('shape', `${fn}: ${name} has ${h.length} entries, expected ${m} for '${model}'`, name);
  }
  return h;
}

/**
 * The hypergradient of an outer criterion C(β̂(λ)) w.r.t. log λ, where β̂(λ)
 * solves the Lasso-type problem on the training data (Bertrand et al.,
 * ICML 2020). `algorithm`: `'implicit-forward'` (default: solve, then the
 * Jacobian recursion on the support), `'forward'`, `'backward'` or
 * `'implicit'` (conjugate gradient); all four agree to the solver tolerance.
 * Conventions as sparse-ho: held-out MSE is ‖y_v − X_vβ‖²/n_v (no ½).
 *
 * @example
 * ```ts
 * import { init, hypergradient, lambdaMax } from 'diffopt';
 * await init();
 * const XTrain = [[1, 0.2], [0.3, 1], [-1, 0.5], [0.8, -0.6], [0.1, 0.9]];
 * const yTrain = [1.1, 0.4, -0.9, 1.0, 0.2];
 * const XVal = [[0.5, 0.5], [-0.7, 0.1]], yVal = [0.6, -0.6];
 * const logLambda = Math.log(0.1 * lambdaMax(XTrain, yTrain));
 * const { value, grad, beta } = hypergradient({ XTrain, yTrain, XVal, yVal, logLambda });
 * // grad > 0 here: a smaller λ lowers the held-out error
 * ```
 */
export function hypergradient(options: HypergradientOptions): HypergradientResult {
  const plan = planHypergradient('hypergradient', options);
  return runOnSession(plan.fn, plan.spec, plan.names, (facts) => hypergradientLoop(plan, facts.m));
}

/** The checked options of {@link hypergradient}. */
export interface HypergradientPlan {
  fn: string;
  spec: SessionSpec;
  names: string[];
  h: Float64Array;
}

/** Checks every option of {@link hypergradient} (`fn` names the caller in errors). */
export function planHypergradient(fn: string, options: HypergradientOptions): HypergradientPlan {
  const o = knownOptions(fn, options, ['XTrain', 'yTrain', 'XVal', 'yVal', 'logLambda', ...PROBLEM_KEYS]);
  const names = argNames({ X: 'XTrain', y: 'yTrain', lambda: 'logLambda', folds: 'criterion' });
  if (o.yTrain === undefined) throw new DiffoptError('type', `${fn}: yTrain is required`, 'yTrain');
  const y = asF64(vector(fn, 'yTrain', o.yTrain));
  const x = matrix(fn, 'XTrain', o.XTrain, y.length);
  sameRows(fn, 'yTrain', y, 'XTrain', x.rows);
  let xv = null;
  let yv = null;
  if (o.XVal !== undefined || o.yVal !== undefined) {
    if (o.yVal === undefined) throw new DiffoptError('type', `${fn}: yVal is required with XVal`, 'yVal');
    yv = asF64(vector(fn, 'yVal', o.yVal));
    xv = matrix(fn, 'XVal', o.XVal, yv.length);
    sameRows(fn, 'yVal', yv, 'XVal', xv.rows);
    if (xv.cols !== x.cols) {
      throw new DiffoptError('shape', `${fn}: XVal has ${xv.cols} columns but XTrain has ${x.cols}`, 'XVal');
    }
  }
  const spec = parseProblem(fn, o, x, y, xv, yv);
  const h = hyperVector(fn, 'logLambda', o.logLambda, spec.modelName, x.cols);
  return { fn, spec, names, h };
}

/** One evaluation with its hypergradient and β. */
export function* hypergradientLoop(plan: HypergradientPlan, m: number): Loop<HypergradientResult> {
  const r = yield* evaluate(plan.h, true, true);
  const beta = r.beta as Float64Array;
  const g = r.grad as Float64Array;
  return {
    value: r.info.value,
    grad: m === 1 && plan.spec.modelName !== 'weighted-lasso' ? g[0] : g,
    beta,
    support: supportOf(beta),
    innerIterations: r.info.iterations,
    converged: r.info.converged,
    dualityGap: r.info.gap,
    jacobianIterations: r.info.jacIterations,
    jacobianConverged: r.info.jacConverged,
    innerSolves: r.info.solves,
  };
}
