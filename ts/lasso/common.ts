/**
 * Shared plumbing of the Lasso family: option names and codes, matrix
 * coercion, kernel signatures (crates/wasm/src/lasso.rs) and error mapping.
 * @module
 */
import { DiffoptError, statusError } from '../runtime/errors.js';
import type { Vector } from '../runtime/input.js';

/** Which Lasso-type model. */
export type LassoModel = 'lasso' | 'elastic-net' | 'weighted-lasso' | 'sparse-logreg';
/** Hypergradient algorithm (Bertrand et al. 2020, §3). */
export type HypergradAlgorithm = 'implicit-forward' | 'forward' | 'backward' | 'implicit';
/** A held-out criterion. */
export type HeldOutCriterion = 'held-out-mse' | 'held-out-logistic';
/**
 * Outer criterion: held-out MSE ‖y_v − X_vβ‖²/n_v, held-out logistic loss,
 * SURE (finite-difference Monte Carlo; needs `sigma`), or K-fold
 * cross-validation of a held-out criterion on the training data.
 */
export type Criterion = HeldOutCriterion | 'sure' | { cv: number; of?: HeldOutCriterion };
/** Outer optimizer of {@link gradSearch}. */
export type Optimizer = 'line-search' | 'gd' | 'adam';

export const MODELS: readonly LassoModel[] = ['lasso', 'elastic-net', 'weighted-lasso', 'sparse-logreg'];
export const ALGORITHMS: readonly HypergradAlgorithm[] = ['implicit-forward', 'forward', 'backward', 'implicit'];
export const OPTIMIZERS: readonly Optimizer[] = ['line-search', 'gd', 'adam'];

/**
 * A dense matrix: rows as arrays (`number[][]` or `Float64Array[]`), a
 * row-major `Float64Array`/`number[]` (its row count is taken from the
 * matching target vector, or from `shape`), or `{ data, shape: [rows, cols] }`.
 */
export type Matrix =
  | readonly (readonly number[] | Float64Array)[]
  | Float64Array
  | readonly number[]
  | { readonly data: Float64Array | readonly number[]; readonly shape: readonly [number, number] };

/** A coerced matrix: row-major data. */
export interface Dense {
  data: Float64Array;
  rows: number;
  cols: number;
}

function isRowArray(x: unknown): boolean {
  return Array.isArray(x) && x.length > 0 && (Array.isArray(x[0]) || x[0] instanceof Float64Array);
}

/**
 * Coerces a matrix argument. `rows` (from the target's length) sizes a flat
 * array when no shape is given.
 */
export function matrix(fn: string, name: string, x: unknown, rows?: number, shape?: unknown): Dense {
  let data: Float64Array;
  let r: number;
  let c: number;
  if (isRowArray(x)) {
    const a = x as readonly (readonly number[] | Float64Array)[];
    r = a.length;
    c = a[0].length;
    data = new Float64Array(r * c);
    for (let i = 0; i < r; i++) {
      const row = a[i];
      if (!(Array.isArray(row) || row instanceof Float64Array)) {
        throw new DiffoptError('type', `${fn}: ${name}[${i}] must be an array of numbers`, name);
      }
      if (row.length !== c) {
        throw new DiffoptError('shape', `${fn}: ${name}[${i}] has ${row.length} entries but ${name}[0] has ${c} (rows must have equal length)`, name);
      }
      for (let j = 0; j < c; j++) {
        const v = row[j];
        if (typeof v !== 'number') {
          throw new DiffoptError('type', `${fn}: ${name}[${i}][${j}] is ${typeof v}, expected a number`, name);
        }
        data[i * c + j] = v;
      }
    }
  } else if (x && typeof x === 'object' && !Array.isArray(x) && !ArrayBuffer.isView(x) && 'data' in x && 'shape' in x) {
    const m = x as { data: unknown; shape: unknown };
    return matrix(fn, name, m.data, undefined, m.shape);
  } else if (x instanceof Float64Array || Array.isArray(x)) {
    const flat = x as Float64Array | readonly unknown[];
    if (Array.isArray(flat)) {
      data = new Float64Array(flat.length);
      for (let i = 0; i < flat.length; i++) {
        if (typeof flat[i] !== 'number') {
          throw new DiffoptError('type', `${fn}: ${name}[${i}] is ${typeof flat[i]}, expected a number`, name);
        }
        data[i] = flat[i] as number;
      }
    } else {
      data = flat as Float64Array;
    }
    if (shape !== undefined) {
      if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
        throw new DiffoptError('shape', `${fn}: the shape of ${name} must be [rows, cols] with non-negative integers`, name);
      }
      [r, c] = shape as [number, number];
      if (r * c !== data.length) {
        throw new DiffoptError('shape', `${fn}: shape [${r}, ${c}] needs ${r * c} elements but ${name} has ${data.length}`, name);
      }
    } else if (rows !== undefined && rows > 0 && data.length % rows === 0) {
      r = rows;
      c = data.length / rows;
    } else if (data.length === 0) {
      r = 0;
      c = 0;
    } else {
      throw new DiffoptError('shape', `${fn}: ${name} is a flat array of ${data.length} numbers; give rows as arrays, { data, shape }, or a target whose length divides it`, name);
    }
  } else {
    throw new DiffoptError('type', `${fn}: ${name} must be number[][], a row-major Float64Array, or { data, shape }`, name);
  }
  if (r === 0 || c === 0) {
    throw new DiffoptError('shape', `${fn}: ${name} is empty (${r} rows, ${c} columns)`, name);
  }
  return { data, rows: r, cols: c };
}

/** Checks that a target has one entry per row. */
export function sameRows(fn: string, yName: string, y: { length: number }, xName: string, rows: number): void {
  if (y.length !== rows) {
    throw new DiffoptError('shape', `${fn}: ${yName} has ${y.length} entries but ${xName} has ${rows} rows`, yName);
  }
}

/** Argument names by kernel argument index (crates/core/src/lasso/mod.rs ARG_*). */
export const ARG_NAMES = [
  'X', 'y', 'XVal', 'yVal', 'lambda', 'lambda2', 'folds', 'sigma', 'tol', 'maxIter',
  'beta0', 'criterion', 'epsilon', 'logLambda0', 'stepSize', 'grid', 'model',
] as const;

/** ARG_NAMES with some entries renamed for one function. */
export function argNames(rename: Partial<Record<(typeof ARG_NAMES)[number], string>>): string[] {
  return ARG_NAMES.map((n) => rename[n] ?? n);
}

const DOMAIN_HINTS: Record<string, string> = {
  y: 'sparse logistic regression needs labels −1 or +1',
  yTrain: 'sparse logistic regression needs labels −1 or +1',
  yVal: 'the held-out logistic loss needs labels −1 or +1',
  lambda: 'every λ must be a finite number > 0',
  lambda1: 'every λ must be a finite number > 0',
  lambda2: 'λ₂ must be a finite number > 0',
  lambdas: 'every λ must be a finite number > 0',
  logLambda: 'e^logLambda must be a positive finite number',
  folds: 'the number of folds must be an integer in [2, n]',
  criterion: 'the number of folds must be an integer in [2, n]',
  sigma: 'σ must be a finite number > 0',
  epsilon: 'ε must be a finite number > 0',
  tol: 'it must be a finite number ≥ 0',
  maxIter: 'it must be an integer ≥ 1',
};

/** A kernel status as a DiffoptError naming the argument. */
export function lassoError(fn: string, status: number, names: readonly string[]): DiffoptError {
  const domain = (status & 0xff) === 2;
  if ((status & 0xff) === 5 && ((status >> 8) & 0xff) === 11) {
    return new DiffoptError('option', `${fn}: criterion 'sure' needs a quadratic model (not sparse-logreg) and cannot be cross-validated`, 'criterion');
  }
  return statusError(fn, status, names, domain ? DOMAIN_HINTS : {});
}

/** An option that must be an integer ≥ `min`. */
export function integer(fn: string, name: string, value: unknown, fallback: number, min: number): number {
  const v = value === undefined ? fallback : value;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new DiffoptError('domain', `${fn}: ${name} must be an integer ≥ ${min}, got ${String(v)}`, name);
  }
  return v;
}

/** A finite number ≥ 0 (default `fallback`). */
export function nonNegative(fn: string, name: string, value: unknown, fallback: number): number {
  const v = value === undefined ? fallback : value;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new DiffoptError('domain', `${fn}: ${name} must be a finite number ≥ 0, got ${String(v)}`, name);
  }
  return v;
}

/** A boolean option. */
export function flag(fn: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new DiffoptError('type', `${fn}: ${name} must be a boolean`, name);
  return value;
}

/** Signatures of the Lasso kernels (crates/wasm/src/lasso.rs). */
export interface LassoKernels {
  lasso_lambda_max(model: number, x: number, y: number, n: number, p: number, out: number): number;
  lasso_fit(
    model: number, x: number, y: number, n: number, p: number, lam: number, lamLen: number, lam2: number,
    tol: number, maxIter: number, polish: number, beta: number, info: number,
  ): number;
  lasso_session_new(
    model: number, criterion: number, folds: number, partFrom: number, partTo: number, partRefit: number, algorithm: number,
    x: number, y: number, n: number, p: number, xv: number, yv: number, nv: number,
    sigma: number, epsilon: number, seed: number, tol: number, maxIter: number, polish: number,
    tolJac: number, maxIterJac: number, handle: number,
  ): number;
  lasso_session_free(h: number): void;
  lasso_session_info(h: number, out: number): number;
  lasso_session_eval(h: number, point: number, m: number, grad: number, beta: number, info: number): number;
  lasso_session_eval_splits(h: number, point: number, m: number, grad: number, out: number): number;
  lasso_session_refit(h: number, point: number, m: number, beta: number, info: number): number;
  lasso_random_points(seed: number, count: number, m: number, lo: number, hi: number, out: number): number;
  lasso_search_new(
    optimizer: number, h0: number, m: number, maxEvals: number, tol: number, step: number, lo: number, hi: number, handle: number,
  ): number;
  lasso_search_free(h: number): void;
  lasso_search_proposal(search: number, point: number): number;
  lasso_search_tell(search: number, grad: number, info: number, out: number): number;
  lasso_search_best(search: number, h: number): number;
}

/** A y vector as a Float64Array (WasmArray inputs are copied out). */
export function asF64(v: Vector | Float64Array): Float64Array {
  if (v instanceof Float64Array) return v;
  if (Array.isArray(v)) return Float64Array.from(v as number[]);
  return (v as { toFloat64Array(): Float64Array }).toFloat64Array();
}

/** Indices of the non-zero entries. */
export function supportOf(beta: Float64Array): number[] {
  const s: number[] = [];
  for (let j = 0; j < beta.length; j++) if (beta[j] !== 0) s.push(j);
  return s;
}

/** Milliseconds from a monotonic clock where there is one. */
export function now(): number {
  const perf = (globalThis as { performance?: { now(): number } }).performance;
  return perf ? perf.now() : Date.now();
}
