/**
 * Hyperparameter search: gradient-based (the optimizer of
 * crates/core/src/lasso/search.rs, stepped from here one hypergradient at a
 * time so each step is timed and reported) and the grid / random baselines
 * on the same criterion and the same warm-started session.
 * @module
 */
import { DiffoptError } from '../runtime/errors.js';
import { choice, knownOptions, vector, type Vector } from '../runtime/input.js';
import {
  OPTIMIZERS, argNames, asF64, integer, matrix, nonNegative, now, sameRows, supportOf,
  type Dense, type Matrix, type Optimizer,
} from './common.js';
import { evaluate, refit, runOnSession, type Loop, type ProblemFacts } from './drive.js';
import { hyperVector } from './hypergradient.js';
import { PROBLEM_KEYS, SearchHandle, parseProblem, randomPoints, type ProblemOptions, type SessionSpec } from './session.js';

/** Where the criterion's data comes from. */
export interface SearchData extends Omit<ProblemOptions, 'tol' | 'maxIter'> {
  /** The design (n rows). */
  X: Matrix;
  /** The targets (labels ±1 for `'sparse-logreg'`). */
  y: Vector;
  /** An explicit validation set (then X, y are the training set). */
  XVal?: Matrix;
  yVal?: Vector;
  /**
   * Without XVal and folds: the fraction of rows held out for validation
   * (default 0.25), chosen by a seeded shuffle (`splitSeed`).
   */
  split?: number;
  /** Seed of the shuffle behind `split` (default 0). */
  splitSeed?: number;
  /** K-fold cross-validation on (X, y); same as `criterion: { cv: K }`. */
  folds?: number;
  /** Inner duality-gap tolerance (default 1e-8). */
  innerTol?: number;
  /** Inner maximum epochs (default 10000). */
  innerMaxIter?: number;
}

/** One evaluation of a search. */
export interface SearchStep {
  /** The evaluated log λ (a number for `'lasso'` / `'sparse-logreg'`). */
  logLambda: number | Float64Array;
  /** e^logLambda. */
  lambda: number | Float64Array;
  /** The criterion there. */
  value: number;
  /** Its hypergradient (null for grid and random search). */
  grad: number | Float64Array | null;
  /** Milliseconds since the search started, when this evaluation finished. */
  time: number;
  /** Line search: whether the point became the iterate (always true otherwise). */
  accepted: boolean;
  /** Inner problems solved so far (cumulative). */
  innerSolves: number;
  /** Every inner solve of this evaluation converged. */
  converged: boolean;
}

/** The selected hyperparameters and the model refit there. */
export interface SearchBest {
  logLambda: number | Float64Array;
  lambda: number | Float64Array;
  value: number;
  /** Coefficients at the best λ (training data; all rows for K-fold). */
  beta: Float64Array;
  support: number[];
}

/** What every search returns. */
export interface SearchResult {
  path: SearchStep[];
  best: SearchBest;
  /** Criterion evaluations. */
  evaluations: number;
  /** Inner problems solved (evaluations × folds, ×2 for SURE, + the refit). */
  innerSolves: number;
  /** Total milliseconds. */
  time: number;
  /** λ_max of the training data. */
  lambdaMax: number;
  /** Why the search stopped. */
  stopped: 'converged' | 'max-iter' | 'callback' | 'done';
}

const DATA_KEYS = ['X', 'y', 'XVal', 'yVal', 'split', 'splitSeed', 'folds', 'innerTol', 'innerMaxIter', ...PROBLEM_KEYS.filter((k) => k !== 'tol' && k !== 'maxIter')];

/** mulberry32: the seeded shuffle of `split` (deterministic everywhere). */
function permutation(n: number, seed: number): Uint32Array {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx;
}

function rowsOf(x: Dense, idx: Uint32Array | number[]): Dense {
  const data = new Float64Array(idx.length * x.cols);
  for (let i = 0; i < idx.length; i++) data.set(x.data.subarray(idx[i] * x.cols, (idx[i] + 1) * x.cols), i * x.cols);
  return { data, rows: idx.length, cols: x.cols };
}

/**
 * Splits rows into a training and a validation part by a seeded shuffle.
 *
 * @example
 * ```ts
 * import { trainTestSplit, loadDiabetes } from 'diffopt';
 * const { X, y } = loadDiabetes();
 * const { XTrain, yTrain, XVal, yVal } = trainTestSplit(X, y, { testFraction: 0.25, seed: 1 });
 * XTrain.shape; // [331, 10]
 * ```
 */
export function trainTestSplit(
  X: Matrix,
  y: Vector,
  options?: { testFraction?: number; seed?: number; shuffle?: boolean },
): {
  XTrain: { data: Float64Array; shape: [number, number] };
  yTrain: Float64Array;
  XVal: { data: Float64Array; shape: [number, number] };
  yVal: Float64Array;
} {
  const fn = 'trainTestSplit';
  const o = knownOptions(fn, options, ['testFraction', 'seed', 'shuffle']);
  const ys = asF64(vector(fn, 'y', y));
  const x = matrix(fn, 'X', X, ys.length);
  sameRows(fn, 'y', ys, 'X', x.rows);
  const frac = o.testFraction === undefined ? 0.25 : (o.testFraction as number);
  const nv = Math.round(frac * x.rows);
  if (typeof frac !== 'number' || !(frac > 0 && frac < 1) || nv < 1 || nv >= x.rows) {
    throw new DiffoptError('domain', `${fn}: testFraction must leave at least one row on each side, got ${String(o.testFraction)} of ${x.rows} rows`, 'testFraction');
  }
  const perm = o.shuffle === false ? Uint32Array.from({ length: x.rows }, (_, i) => i) : permutation(x.rows, integer(fn, 'seed', o.seed, 0, 0));
  const tr = perm.subarray(0, x.rows - nv);
  const va = perm.subarray(x.rows - nv);
  const a = rowsOf(x, tr);
  const b = rowsOf(x, va);
  return {
    XTrain: { data: a.data, shape: [a.rows, a.cols] },
    yTrain: Float64Array.from(tr, (i) => ys[i]),
    XVal: { data: b.data, shape: [b.rows, b.cols] },
    yVal: Float64Array.from(va, (i) => ys[i]),
  };
}

/** A search's checked data and problem. */
export interface Prepared {
  spec: SessionSpec;
  names: string[];
  p: number;
  scalar: boolean;
}

function prepare(fn: string, o: Record<string, unknown>): Prepared {
  let names = argNames({ lambda: 'logLambda' });
  if (o.y === undefined) throw new DiffoptError('type', `${fn}: y is required`, 'y');
  const y = asF64(vector(fn, 'y', o.y));
  let x = matrix(fn, 'X', o.X, y.length);
  sameRows(fn, 'y', y, 'X', x.rows);
  let yt = y;
  let xv: Dense | null = null;
  let yv: Float64Array | null = null;
  const folds = o.folds === undefined ? undefined : integer(fn, 'folds', o.folds, 5, 2);
  const crit = o.criterion;
  const cv = folds !== undefined || (crit !== null && typeof crit === 'object');
  if (o.XVal !== undefined || o.yVal !== undefined) {
    if (o.yVal === undefined) throw new DiffoptError('type', `${fn}: yVal is required with XVal`, 'yVal');
    yv = asF64(vector(fn, 'yVal', o.yVal));
    xv = matrix(fn, 'XVal', o.XVal, yv.length);
    sameRows(fn, 'yVal', yv, 'XVal', xv.rows);
    if (xv.cols !== x.cols) throw new DiffoptError('shape', `${fn}: XVal has ${xv.cols} columns but X has ${x.cols}`, 'XVal');
  } else if (!cv && crit !== 'sure') {
    if (o.split !== undefined && (typeof o.split !== 'number' || !(o.split > 0 && o.split < 1))) {
      throw new DiffoptError('domain', `${fn}: split must be a fraction in (0, 1), got ${String(o.split)}`, 'split');
    }
    const s = trainTestSplit({ data: x.data, shape: [x.rows, x.cols] }, y, { testFraction: (o.split as number | undefined) ?? 0.25, seed: integer(fn, 'splitSeed', o.splitSeed, 0, 0) });
    x = { data: s.XTrain.data, rows: s.XTrain.shape[0], cols: x.cols };
    yt = s.yTrain;
    xv = { data: s.XVal.data, rows: s.XVal.shape[0], cols: x.cols };
    yv = s.yVal;
    // both halves come from the caller's X and y
    names = argNames({ lambda: 'logLambda', XVal: 'X', yVal: 'y' });
  }
  const spec = parseProblem(fn, { ...o, tol: o.innerTol, maxIter: o.innerMaxIter }, x, yt, xv, yv, folds);
  const model = spec.modelName;
  return { spec, names, p: x.cols, scalar: model === 'lasso' || model === 'sparse-logreg' };
}

function shape(v: Float64Array, scalar: boolean): number | Float64Array {
  return scalar ? v[0] : v;
}

function expOf(v: Float64Array, scalar: boolean): number | Float64Array {
  return scalar ? Math.exp(v[0]) : v.map(Math.exp);
}

function checkLambdaMax(fn: string, lmax: number): void {
  if (!(lmax > 0)) {
    throw new DiffoptError('domain', `${fn}: λ_max is 0 (y is orthogonal to every column of X): every λ gives β = 0`, 'y');
  }
}

/** Options of {@link gradSearch}. */
export interface GradSearchOptions extends SearchData {
  /** Start (default log λ_max − log 10 on every coordinate). */
  logLambda0?: number | readonly number[] | Float64Array;
  /** `'line-search'` (default), `'gd'` or `'adam'`. */
  optimizer?: Optimizer;
  /** Maximum number of hypergradient evaluations (default 30). */
  maxIter?: number;
  /** Stop when the next move in log λ is ≤ tol (default 1e-5). */
  tol?: number;
  /** Step size: initial (line search) or constant (gd, default 1/|g₀|∞; adam, default 0.2). */
  stepSize?: number;
  /** Box on log λ (default [log λ_max − 12, log λ_max]). */
  bounds?: readonly [number, number];
  /** Called after each evaluation; return false to stop. */
  onStep?: (step: SearchStep, index: number) => boolean | void;
}

/**
 * Gradient-based hyperparameter search on log λ with hypergradients
 * (Bertrand et al., ICML 2020). Iterates stay in `bounds` (by default
 * [log λ_max − 12, log λ_max]) whatever the step size, so plain gradient
 * descent cannot diverge (sparse-ho #122); the best point is refit.
 *
 * @example
 * ```ts
 * import { init, gradSearch, loadDiabetes, standardize } from 'diffopt';
 * await init();
 * const { X, y, shape } = loadDiabetes();
 * const Xs = standardize(X, { shape }).X;
 * const res = gradSearch({ X: { data: Xs, shape }, y, folds: 5 });
 * res.best.lambda;   // the selected λ
 * res.evaluations;   // ~10 hypergradients
 * ```
 */
export function gradSearch(options: GradSearchOptions): SearchResult {
  const plan = planGradSearch('gradSearch', options);
  return runOnSession(plan.fn, plan.prep.spec, plan.prep.names, (facts) => gradSearchLoop(plan, facts));
}

/** The checked options of a gradient search. */
export interface GradSearchPlan {
  fn: string;
  prep: Prepared;
  optimizer: number;
  maxEvals: number;
  tol: number;
  step: number;
  onStep: GradSearchOptions['onStep'];
  /** The caller's bounds (checked, copied), or null for the default box. */
  bounds: [number, number] | null;
  /** The caller's start (checked, copied), or null for the default. */
  h0: Float64Array | null;
  t0: number;
}

/** Checks every option of {@link gradSearch} (`fn` names the caller in errors). */
export function planGradSearch(fn: string, options: GradSearchOptions): GradSearchPlan {
  const o = knownOptions(fn, options, [...DATA_KEYS, 'logLambda0', 'optimizer', 'maxIter', 'tol', 'stepSize', 'bounds', 'onStep']);
  const prep = prepare(fn, o);
  const optimizer = choice(fn, 'optimizer', o.optimizer, OPTIMIZERS, 'line-search');
  const maxEvals = integer(fn, 'maxIter', o.maxIter, 30, 1);
  const tol = nonNegative(fn, 'tol', o.tol, 1e-5);
  const step = nonNegative(fn, 'stepSize', o.stepSize, 0);
  if (o.onStep !== undefined && typeof o.onStep !== 'function') throw new DiffoptError('type', `${fn}: onStep must be a function`, 'onStep');
  // Checked and copied now: a pool runs the loop after awaiting its workers,
  // and must neither send work for bad options nor see later edits.
  const box = o.bounds === undefined ? null : bounds(fn, o.bounds);
  const h0 = o.logLambda0 === undefined ? null : hyperVector(fn, 'logLambda0', o.logLambda0, prep.spec.modelName, prep.p).slice();
  return { fn, prep, optimizer, maxEvals, tol, step, onStep: o.onStep as GradSearchOptions['onStep'], bounds: box, h0, t0: now() };
}

/**
 * The gradient search: the core's optimizer (a state machine in wasm)
 * proposes h, the criterion is evaluated wherever the driver runs it, the
 * optimizer is told the result; at the end the best point is refit.
 */
export function* gradSearchLoop(plan: GradSearchPlan, facts: ProblemFacts): Loop<SearchResult> {
  const { fn, prep, t0 } = plan;
  const { names, scalar } = prep;
  const lmax = facts.lambdaMax;
  checkLambdaMax(fn, lmax);
  const [lo, hi] = plan.bounds ?? [Math.log(lmax) - 12, Math.log(lmax)];
  const h0 = plan.h0 ?? new Float64Array(facts.m).fill(Math.min(hi, Math.max(lo, Math.log(lmax) - Math.LN10)));
  const search = new SearchHandle(fn, plan.optimizer, h0, plan.maxEvals, plan.tol, plan.step, lo, hi, argNames({ lambda: 'bounds', maxIter: 'maxIter', tol: 'tol' }));
  try {
    const path: SearchStep[] = [];
    let solves = 0;
    let stopped: SearchResult['stopped'] = 'converged';
    for (;;) {
      const point = search.proposal(fn);
      const r = yield* evaluate(point, true, false);
      const grad = r.grad as Float64Array;
      const s = search.tell(fn, r.info, grad, names);
      solves += r.info.solves;
      const entry: SearchStep = {
        logLambda: shape(point, scalar),
        lambda: expOf(point, scalar),
        value: r.info.value,
        grad: shape(grad, scalar),
        time: now() - t0,
        accepted: s.accepted,
        innerSolves: solves,
        converged: r.info.converged,
      };
      path.push(entry);
      if (plan.onStep && plan.onStep(entry, path.length - 1) === false) {
        stopped = 'callback';
        break;
      }
      if (s.done) {
        stopped = path.length >= plan.maxEvals ? 'max-iter' : 'converged';
        break;
      }
    }
    const b = search.best(fn);
    const fit = yield* refit(b.h);
    return {
      path,
      best: { logLambda: shape(b.h, scalar), lambda: expOf(b.h, scalar), value: b.value, beta: fit.beta, support: supportOf(fit.beta) },
      evaluations: path.length,
      innerSolves: solves + 1,
      time: now() - t0,
      lambdaMax: lmax,
      stopped,
    };
  } finally {
    search.free();
  }
}

function bounds(fn: string, b: unknown): [number, number] {
  if (!Array.isArray(b) || b.length !== 2 || !b.every((v) => typeof v === 'number' && Number.isFinite(v)) || !(b[0] < b[1])) {
    throw new DiffoptError('domain', `${fn}: bounds must be [lo, hi] with finite lo < hi (in log λ)`, 'bounds');
  }
  return [b[0], b[1]];
}

/** Options of {@link gridSearch}. */
export interface GridSearchOptions extends SearchData {
  /** λ values to try (λ₁ for the elastic net); default `count` points geometrically from λ_max down to λ_max·minRatio. */
  lambdas?: readonly number[] | Float64Array;
  /** The same as `lambdas`, given as log λ (taken as is, so no exp/log rounding). */
  logLambdas?: readonly number[] | Float64Array;
  /** Elastic net: λ₂ values (default as λ₁, √count of each). */
  lambda2s?: readonly number[] | Float64Array;
  /** Number of grid points (default 100). */
  count?: number;
  /** Smallest λ/λ_max of the default grid (default 1e-3). */
  minRatio?: number;
  /** Called after each evaluation; return false to stop. */
  onStep?: (step: SearchStep, index: number) => boolean | void;
}

/** Options of {@link randomSearch}. */
export interface RandomSearchOptions extends SearchData {
  /** Number of random points (default 30). */
  count?: number;
  /** Smallest λ/λ_max of the sampling range (default 1e-3); log λ is uniform. */
  minRatio?: number;
  /** Seed of the draws (default 0). */
  randomSeed?: number;
  onStep?: (step: SearchStep, index: number) => boolean | void;
}

function geomspace(a: number, b: number, count: number): Float64Array {
  const out = new Float64Array(count);
  const la = Math.log(a);
  const lb = Math.log(b);
  for (let i = 0; i < count; i++) out[i] = count === 1 ? la : la + ((lb - la) * i) / (count - 1);
  return out;
}

/** The checked options of a grid or random search. */
export interface PointsPlan {
  fn: string;
  prep: Prepared;
  onStep: GridSearchOptions['onStep'];
  /** The points (row-major, m per point) for λ_max and m. */
  makePoints: (lmax: number, m: number) => Float64Array;
  t0: number;
}

function planPoints(fn: string, o: Record<string, unknown>, prep: Prepared, makePoints: PointsPlan['makePoints']): PointsPlan {
  const onStep = o.onStep as GridSearchOptions['onStep'];
  if (onStep !== undefined && typeof onStep !== 'function') throw new DiffoptError('type', `${fn}: onStep must be a function`, 'onStep');
  return { fn, prep, onStep, makePoints, t0: now() };
}

/** Evaluates the points in order (each solve warm-started), then refits the best. */
export function* pointsLoop(plan: PointsPlan, facts: ProblemFacts): Loop<SearchResult> {
  const { fn, prep: { scalar }, onStep, t0 } = plan;
  const lmax = facts.lambdaMax;
  checkLambdaMax(fn, lmax);
  const m = facts.m;
  const points = plan.makePoints(lmax, m);
  const count = points.length / m;
  const path: SearchStep[] = [];
  let solves = 0;
  let best = -1;
  let stopped: SearchResult['stopped'] = 'done';
  for (let i = 0; i < count; i++) {
    const h = points.subarray(i * m, (i + 1) * m);
    const r = yield* evaluate(h, false, false);
    solves += r.info.solves;
    const entry: SearchStep = {
      logLambda: shape(h.slice(), scalar),
      lambda: expOf(h, scalar),
      value: r.info.value,
      grad: null,
      time: now() - t0,
      accepted: true,
      innerSolves: solves,
      converged: r.info.converged,
    };
    path.push(entry);
    if (best < 0 || entry.value < path[best].value) best = i;
    if (onStep && onStep(entry, i) === false) {
      stopped = 'callback';
      break;
    }
  }
  const hb = points.slice(best * m, (best + 1) * m);
  const fit = yield* refit(hb);
  return {
    path,
    best: { logLambda: shape(hb, scalar), lambda: expOf(hb, scalar), value: path[best].value, beta: fit.beta, support: supportOf(fit.beta) },
    evaluations: path.length,
    innerSolves: solves + 1,
    time: now() - t0,
    lambdaMax: lmax,
    stopped,
  };
}

/**
 * Grid search on the same criterion, warm-starting each solve from the
 * previous one along the path (λ decreasing). The weighted Lasso is searched
 * over a common λ; the elastic net over a λ₁ × λ₂ product grid.
 *
 * @example
 * ```ts
 * import { init, gridSearch } from 'diffopt';
 * await init();
 * const X = [[1, 0.2], [0.3, 1], [-1, 0.5], [0.8, -0.6], [0.1, 0.9], [0.4, 0.4], [-0.2, -1], [1.2, 0.3]];
 * const y = [1.1, 0.4, -0.9, 1.0, 0.2, 0.5, -0.1, 1.3];
 * const res = gridSearch({ X, y, split: 0.25, count: 20 });
 * res.best.lambda;
 * ```
 */
export function gridSearch(options: GridSearchOptions): SearchResult {
  const plan = planGridSearch('gridSearch', options);
  return runOnSession(plan.fn, plan.prep.spec, plan.prep.names, (facts) => pointsLoop(plan, facts));
}

/** Checks every option of {@link gridSearch}. */
export function planGridSearch(fn: string, options: GridSearchOptions): PointsPlan {
  const o = knownOptions(fn, options, [...DATA_KEYS, 'lambdas', 'logLambdas', 'lambda2s', 'count', 'minRatio', 'onStep']);
  const prep = prepare(fn, o);
  const count = integer(fn, 'count', o.count, 100, 1);
  const minRatio = o.minRatio === undefined ? 1e-3 : (o.minRatio as number);
  if (typeof minRatio !== 'number' || !(minRatio > 0 && minRatio < 1)) throw new DiffoptError('domain', `${fn}: minRatio must be in (0, 1)`, 'minRatio');
  const logs = (name: string, v: unknown): Float64Array | null => {
    if (v === undefined) return null;
    const a = asF64(vector(fn, name, v));
    if (a.length === 0 || !a.every((l) => Number.isFinite(l) && l > 0)) throw new DiffoptError('domain', `${fn}: ${name} must be non-empty with every λ > 0`, name);
    return a.map(Math.log);
  };
  let l1 = logs('lambdas', o.lambdas);
  if (o.logLambdas !== undefined) {
    if (l1) throw new DiffoptError('option', `${fn}: give lambdas or logLambdas, not both`, 'logLambdas');
    l1 = Float64Array.from(asF64(vector(fn, 'logLambdas', o.logLambdas)));
    if (l1.length === 0 || !l1.every(Number.isFinite)) throw new DiffoptError('domain', `${fn}: logLambdas must be non-empty and finite`, 'logLambdas');
  }
  const l2 = logs('lambda2s', o.lambda2s);
  return planPoints(fn, o, prep, (lmax, m) => {
    const enet = prep.spec.modelName === 'elastic-net';
    const side = enet ? Math.max(1, Math.round(Math.sqrt(count))) : count;
    const a = l1 ?? geomspace(lmax, lmax * minRatio, side);
    if (!enet) {
      const pts = new Float64Array(a.length * m);
      for (let i = 0; i < a.length; i++) pts.fill(a[i], i * m, (i + 1) * m);
      return pts;
    }
    const b = l2 ?? geomspace(lmax, lmax * minRatio, side);
    const pts = new Float64Array(a.length * b.length * 2);
    let q = 0;
    for (let j = 0; j < b.length; j++) {
      for (let i = 0; i < a.length; i++) {
        pts[q++] = a[i];
        pts[q++] = b[j];
      }
    }
    return pts;
  });
}

/**
 * Random search: log λ uniform in [log(λ_max·minRatio), log λ_max] (both
 * coordinates for the elastic net, a common λ for the weighted Lasso),
 * evaluated from large to small λ so solves are warm-started.
 *
 * @example
 * ```ts
 * import { init, randomSearch } from 'diffopt';
 * await init();
 * const X = [[1, 0.2], [0.3, 1], [-1, 0.5], [0.8, -0.6], [0.1, 0.9], [0.4, 0.4], [-0.2, -1], [1.2, 0.3]];
 * const y = [1.1, 0.4, -0.9, 1.0, 0.2, 0.5, -0.1, 1.3];
 * randomSearch({ X, y, count: 15, randomSeed: 3 }).best.value;
 * ```
 */
export function randomSearch(options: RandomSearchOptions): SearchResult {
  const plan = planRandomSearch('randomSearch', options);
  return runOnSession(plan.fn, plan.prep.spec, plan.prep.names, (facts) => pointsLoop(plan, facts));
}

/** Checks every option of {@link randomSearch}. */
export function planRandomSearch(fn: string, options: RandomSearchOptions): PointsPlan {
  const o = knownOptions(fn, options, [...DATA_KEYS, 'count', 'minRatio', 'randomSeed', 'onStep']);
  const prep = prepare(fn, o);
  const count = integer(fn, 'count', o.count, 30, 1);
  const seed = integer(fn, 'randomSeed', o.randomSeed, 0, 0);
  const minRatio = o.minRatio === undefined ? 1e-3 : (o.minRatio as number);
  if (typeof minRatio !== 'number' || !(minRatio > 0 && minRatio < 1)) throw new DiffoptError('domain', `${fn}: minRatio must be in (0, 1)`, 'minRatio');
  return planPoints(fn, o, prep, (lmax, m) => {
    const dims = prep.spec.modelName === 'elastic-net' ? 2 : 1;
    const hi = Math.log(lmax);
    const raw = randomPoints(fn, seed, count, dims, hi + Math.log(minRatio), hi);
    if (dims === m) return raw;
    const pts = new Float64Array(count * m);
    for (let i = 0; i < count; i++) pts.fill(raw[i], i * m, (i + 1) * m);
    return pts;
  });
}
