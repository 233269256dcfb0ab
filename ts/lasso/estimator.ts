/**
 * A scikit-learn-like estimator over gradient search (the most requested
 * feature of sparse-ho, #32), standardization, and the built-in diabetes data.
 * @module
 */
import { DiffoptError } from '../runtime/errors.js';
import { choice, knownOptions, vector, type Vector } from '../runtime/input.js';
import { MODELS, asF64, flag, integer, matrix, sameRows, type Criterion, type HypergradAlgorithm, type LassoModel, type Matrix, type Optimizer } from './common.js';
import { DIABETES_COLUMNS, DIABETES_VALUES } from './diabetes-data.js';
import { gradSearch, type GradSearchOptions, type SearchResult } from './search.js';
import type { Pool } from '../pool/pool.js';

/** Options of {@link standardize}. */
export interface StandardizeOptions {
  /** `[n, p]` for a flat row-major X. */
  shape?: readonly [number, number];
  /** Subtract column means (default true). */
  center?: boolean;
  /** Divide by column standard deviations (default true). */
  scale?: boolean;
  /**
   * Columns with zero variance: `'zero'` (default) maps them to all-zero
   * columns, whose coefficient every solver keeps at 0 (with `center:
   * false` they are left unchanged); `'error'` throws a `domain` error
   * naming X.
   */
  constantColumns?: 'zero' | 'error';
}

/** What {@link standardize} returns. */
export interface Standardized {
  /** The transformed matrix, row-major. */
  X: Float64Array;
  shape: [number, number];
  /** Column means (0 when not centering). */
  mean: Float64Array;
  /** Column scales (1 when not scaling, and for constant columns). */
  scale: Float64Array;
  /** Indices of constant columns. */
  constant: number[];
}

/**
 * Centers and scales the columns of X (population standard deviation).
 *
 * @example
 * ```ts
 * import { standardize } from 'diffopt';
 * const { X, mean, scale } = standardize([[1, 10], [3, 10], [5, 10]]);
 * // X = [-1.2247, 0, 0, 0, 1.2247, 0]: column 1 is constant, hence zero
 * ```
 */
export function standardize(X: Matrix, options?: StandardizeOptions): Standardized {
  const fn = 'standardize';
  const o = knownOptions(fn, options, ['shape', 'center', 'scale', 'constantColumns']);
  const x = matrix(fn, 'X', X, undefined, o.shape);
  const center = flag(fn, 'center', o.center, true);
  const doScale = flag(fn, 'scale', o.scale, true);
  const policy = choice(fn, 'constantColumns', o.constantColumns, ['zero', 'error'], 'zero');
  const { rows: n, cols: p } = x;
  const mean = new Float64Array(p);
  const scale = new Float64Array(p).fill(1);
  const constant: number[] = [];
  const out = Float64Array.from(x.data);
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x.data[i * p + j];
    const mu = s / n;
    let v = 0;
    let nonFinite = false;
    for (let i = 0; i < n; i++) {
      const d = x.data[i * p + j] - mu;
      v += d * d;
      if (!Number.isFinite(d)) nonFinite = true;
    }
    if (nonFinite) throw new DiffoptError('nonfinite', `${fn}: X column ${j} contains NaN or Infinity`, 'X');
    const sd = Math.sqrt(v / n);
    const isConstant = !(sd > 1e-12 * Math.max(1, Math.abs(mu)));
    if (isConstant) {
      if (policy === 1) throw new DiffoptError('domain', `${fn}: column ${j} of X is constant`, 'X');
      constant.push(j);
    }
    if (center) mean[j] = mu;
    if (doScale && !isConstant) scale[j] = sd;
    for (let i = 0; i < n; i++) {
      out[i * p + j] = isConstant && center ? 0 : (x.data[i * p + j] - mean[j]) / scale[j];
    }
  }
  return { X: out, shape: [n, p], mean, scale, constant };
}

/**
 * The diabetes data (Efron et al., 2004; scikit-learn's `load_diabetes`,
 * unscaled): 442 patients, 10 features (age, sex, bmi, bp, s1–s6), target =
 * disease progression after one year. Built in: no file or network access.
 *
 * @example
 * ```ts
 * import { loadDiabetes } from 'diffopt';
 * const { X, y, shape, featureNames } = loadDiabetes();
 * shape;            // [442, 10]
 * featureNames[2];  // 'bmi'
 * ```
 */
export function loadDiabetes(): { X: Float64Array; y: Float64Array; shape: [number, number]; featureNames: string[] } {
  const c = DIABETES_COLUMNS.length;
  const n = DIABETES_VALUES.length / c;
  const p = c - 1;
  const X = new Float64Array(n * p);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) X[i * p + j] = DIABETES_VALUES[i * c + j];
    y[i] = DIABETES_VALUES[i * c + p];
  }
  return { X, y, shape: [n, p], featureNames: DIABETES_COLUMNS.slice(0, p) };
}

/** Options of {@link LassoHypergrad}. */
export interface LassoHypergradOptions {
  /** Model (default `'lasso'`). */
  model?: LassoModel;
  /** Criterion (default K-fold cross-validation of the held-out error with `folds`). */
  criterion?: Criterion;
  /** Folds of the default criterion (default 5). */
  folds?: number;
  /** Hold out this fraction instead of cross-validating. */
  validationFraction?: number;
  /** SURE's noise level (with `criterion: 'sure'`). */
  sigma?: number;
  algorithm?: HypergradAlgorithm;
  optimizer?: Optimizer;
  /** Maximum hypergradient evaluations (default 30). */
  maxIter?: number;
  /** Search tolerance in log λ (default 1e-5). */
  tol?: number;
  logLambda0?: number | readonly number[];
  /** Standardize the columns of X before fitting (default true); coefficients are reported on the original scale. */
  standardize?: boolean;
  /** Fit an intercept by centering (default true; not for `'sparse-logreg'`, which has none). */
  fitIntercept?: boolean;
  /** See {@link StandardizeOptions.constantColumns} (default `'zero'`: their coefficient is 0). */
  constantColumns?: 'zero' | 'error';
  /** Inner duality-gap tolerance (default 1e-8). */
  innerTol?: number;
}

/** A fit's search options and how to map its result back. */
interface FitJob {
  search: GradSearchOptions;
  p: number;
  mean: Float64Array;
  scale: Float64Array;
  ymean: number;
  intercept: boolean;
}

/**
 * A Lasso-type estimator whose regularization is selected by gradient-based
 * hyperparameter search (implicit differentiation), in the style of
 * scikit-learn's `LassoCV`: `fit`, `predict`, `coef`.
 *
 * @example
 * ```ts
 * import { init, LassoHypergrad, loadDiabetes } from 'diffopt';
 * await init();
 * const { X, y, shape } = loadDiabetes();
 * const est = new LassoHypergrad({ folds: 5 }).fit({ data: X, shape }, y);
 * est.lambda;              // selected λ (on standardized features)
 * est.coef();              // Float64Array(10), original units
 * est.predict({ data: X.subarray(0, 10), shape: [1, 10] });
 * ```
 */
export class LassoHypergrad {
  readonly options: LassoHypergradOptions;
  /** The search behind the last `fit` / `fitAsync` to finish. */
  result: SearchResult | null = null;
  /** Intercept (original units). */
  intercept = 0;
  /** Selected λ (a number, or λ₁, λ₂ / per-feature λ). */
  lambda: number | Float64Array = NaN;
  private beta: Float64Array | null = null;
  private p = 0;

  constructor(options: LassoHypergradOptions = {}) {
    const fn = 'LassoHypergrad';
    knownOptions(fn, options, [
      'model', 'criterion', 'folds', 'validationFraction', 'sigma', 'algorithm', 'optimizer', 'maxIter', 'tol',
      'logLambda0', 'standardize', 'fitIntercept', 'constantColumns', 'innerTol',
    ]);
    choice(fn, 'model', options.model, MODELS, 'lasso');
    this.options = { ...options };
  }

  /** Selects λ on (X, y) and fits the model there. Returns `this`. */
  fit(X: Matrix, y: Vector, options?: { shape?: readonly [number, number]; onStep?: GradSearchOptions['onStep'] }): this {
    const job = this.prepareFit('LassoHypergrad.fit', X, y, options, ['shape', 'onStep']);
    return this.adopt(job, gradSearch(job.search));
  }

  /**
   * {@link LassoHypergrad.fit} with the search on a worker pool: the folds of
   * the cross-validation are solved across its workers; the model is the
   * same, bit for bit. Resolves to `this`.
   *
   * @example
   * ```ts
   * import { createPool, LassoHypergrad, loadDiabetes } from 'diffopt';
   * const pool = await createPool({ threads: 2 });
   * const { X, y, shape } = loadDiabetes();
   * const est = await new LassoHypergrad({ folds: 5 }).fitAsync({ data: X, shape }, y, { pool });
   * est.coef(); // the same bits as new LassoHypergrad({ folds: 5 }).fit(…).coef()
   * await pool.close();
   * ```
   */
  async fitAsync(X: Matrix, y: Vector, options: { pool: Pool; shape?: readonly [number, number]; onStep?: GradSearchOptions['onStep'] }): Promise<this> {
    const fn = 'LassoHypergrad.fitAsync';
    knownOptions(fn, options, ['pool', 'shape', 'onStep']);
    const pool = options?.pool;
    if (!pool || typeof pool.gradSearch !== 'function') {
      throw new DiffoptError('type', `${fn}: options.pool must be a pool from createPool()`, 'pool');
    }
    // (errors of the search itself name pool.gradSearch, as fit's name gradSearch)
    const job = this.prepareFit(fn, X, y, options, ['pool', 'shape', 'onStep']);
    return this.adopt(job, await pool.gradSearch(job.search));
  }

  /** Checks the data, standardizes it and builds the search's options. */
  private prepareFit(fn: string, X: Matrix, y: Vector, options: object | undefined, keys: string[]): FitJob {
    const fo = knownOptions(fn, options, keys);
    const o = this.options;
    const ys = asF64(vector(fn, 'y', y));
    const x = matrix(fn, 'X', X, ys.length, fo.shape as readonly [number, number] | undefined);
    sameRows(fn, 'y', ys, 'X', x.rows);
    const logistic = o.model === 'sparse-logreg';
    const intercept = !logistic && flag(fn, 'fitIntercept', o.fitIntercept, true);
    const std = flag(fn, 'standardize', o.standardize, true);
    const z = std || intercept
      ? standardize({ data: x.data, shape: [x.rows, x.cols] }, { center: intercept || (std && !logistic), scale: std, constantColumns: o.constantColumns })
      : { X: x.data, mean: new Float64Array(x.cols), scale: new Float64Array(x.cols).fill(1), constant: [] as number[] };
    let ymean = 0;
    let yc = ys;
    if (intercept) {
      for (const v of ys) ymean += v;
      ymean /= ys.length;
      yc = ys.map((v) => v - ymean);
    }
    const criterion = o.criterion;
    const holdOut = o.validationFraction !== undefined;
    const search: GradSearchOptions = {
      model: o.model,
      X: { data: z.X, shape: [x.rows, x.cols] },
      y: yc,
      ...(criterion !== undefined ? { criterion } : {}),
      ...(criterion === undefined && !holdOut ? { folds: integer(fn, 'folds', o.folds, 5, 2) } : {}),
      ...(holdOut ? { split: o.validationFraction } : {}),
      ...(o.sigma !== undefined ? { sigma: o.sigma } : {}),
      ...(o.algorithm !== undefined ? { algorithm: o.algorithm } : {}),
      ...(o.optimizer !== undefined ? { optimizer: o.optimizer } : {}),
      ...(o.maxIter !== undefined ? { maxIter: o.maxIter } : {}),
      ...(o.tol !== undefined ? { tol: o.tol } : {}),
      ...(o.logLambda0 !== undefined ? { logLambda0: o.logLambda0 } : {}),
      ...(o.innerTol !== undefined ? { innerTol: o.innerTol } : {}),
      ...(fo.onStep !== undefined ? { onStep: fo.onStep as never } : {}),
    };
    return { search, p: x.cols, mean: z.mean, scale: z.scale, ymean, intercept };
  }

  /** Takes the search's refit back to the original units. */
  private adopt(job: FitJob, search: SearchResult): this {
    const beta = new Float64Array(job.p);
    let shift = 0;
    for (let j = 0; j < job.p; j++) {
      beta[j] = search.best.beta[j] / job.scale[j];
      shift += job.mean[j] * beta[j];
    }
    this.beta = beta;
    this.p = job.p;
    this.intercept = job.intercept ? job.ymean - shift : 0;
    this.lambda = search.best.lambda;
    this.result = search;
    return this;
  }

  /** Coefficients on the original scale of X (a copy). */
  coef(): Float64Array {
    if (!this.beta) throw new DiffoptError('not-initialized', 'LassoHypergrad.coef: call fit first');
    return this.beta.slice();
  }

  /** Xβ + intercept (regression), or labels ±1 (sparse logistic regression). */
  predict(X: Matrix, options?: { shape?: readonly [number, number] }): Float64Array {
    const f = this.decisionFunction(X, options);
    return this.options.model === 'sparse-logreg' ? f.map((v) => (v >= 0 ? 1 : -1)) : f;
  }

  /** Xβ + intercept. */
  decisionFunction(X: Matrix, options?: { shape?: readonly [number, number] }): Float64Array {
    const fn = 'LassoHypergrad.predict';
    if (!this.beta) throw new DiffoptError('not-initialized', `${fn}: call fit first`);
    const o = knownOptions(fn, options, ['shape']);
    const x = matrix(fn, 'X', X, undefined, o.shape ?? (X instanceof Float64Array ? [X.length / this.p, this.p] : undefined));
    if (x.cols !== this.p) throw new DiffoptError('shape', `${fn}: X has ${x.cols} columns, the model was fit on ${this.p}`, 'X');
    const out = new Float64Array(x.rows);
    for (let i = 0; i < x.rows; i++) {
      let s = this.intercept;
      for (let j = 0; j < this.p; j++) s += x.data[i * this.p + j] * this.beta[j];
      out[i] = s;
    }
    return out;
  }
}
