/**
 * Generalized Fenchel-Young losses (Blondel, Llinares-López, Dadashi,
 * Hussenot & Geist, "Learning Energy Networks with Generalized
 * Fenchel-Young Losses", NeurIPS 2022): an energy Φ(θ, μ) in place of
 * ⟨θ, μ⟩,
 *
 *   Ω^Φ(θ) = max_{μ ∈ dom Ω} Φ(θ, μ) − Ω(μ),   ŷ(θ) = the maximizer,
 *   L(θ; y) = Ω^Φ(θ) + Ω(y) − Φ(θ, y) ≥ 0,
 *   ∇_θ L = ∇_θΦ(θ, ŷ) − ∇_θΦ(θ, y)   (Danskin: no argmax differentiation).
 *
 * Built in (Rust, crates/core/src/fy/generalized.rs): the quadratic energy
 * ⟨θ, μ⟩ + ½⟨μ, Aμ⟩ over the simplex or the unit cube with Ω the squared
 * norm or the entropy; without A it is the bilinear energy and gives back
 * the classic FY losses. Any other energy: `generalizedFyLoss.custom`
 * with Φ and its gradients as callbacks, solved here in TypeScript.
 * @module
 */
import { place, slotBytes } from '../runtime/call.js';
import { DiffoptError, statusError } from '../runtime/errors.js';
import { guarded, kernels } from '../runtime/instance.js';
import { batchShape, choice, knownOptions, positive, vector, type Coerced, type Vector } from '../runtime/input.js';
import { f64At, scratch } from '../runtime/memory.js';
import { copyF64, type FyKernels } from './kernels.js';
import type { FyValueAndGrad, Target } from './losses.js';
import { projectBox, sigmoid, softmax, sparsemax } from './ops.js';

/** The feasible set of μ: the probability simplex or the unit cube [0, 1]ⁿ. */
export type GfyDomain = 'simplex' | 'cube';
/**
 * Ω: `'squared'` = ½‖μ‖²; `'entropy'` = Σ μ ln μ on the simplex,
 * Σ μ ln μ + (1 − μ) ln(1 − μ) on the cube.
 */
export type GfyRegularizer = 'squared' | 'entropy';

const DOMAINS: readonly GfyDomain[] = ['simplex', 'cube'];
const REGULARIZERS: readonly GfyRegularizer[] = ['squared', 'entropy'];

/** Default tolerance on the fixed-point residual ‖μ − ŷ_Ω(∇_μΦ(θ, μ))‖_∞. */
export const GFY_TOL = 1e-10;
/** Default iteration cap of the inner solver. */
export const GFY_MAX_ITER = 1000;

/** Options of {@link generalizedFyLoss} (built-in quadratic energy). */
export interface GeneralizedFyOptions {
  /** `'simplex'` (default; multiclass) or `'cube'` (multilabel). */
  domain?: GfyDomain;
  /** `'entropy'` (default) or `'squared'`. */
  regularizer?: GfyRegularizer;
  /**
   * The pairwise matrix A of Φ(θ, μ) = ⟨θ, μ⟩ + ½⟨μ, Aμ⟩, row-major n×n
   * (shared by every row) or rows·n·n (one per row). Omitted: the bilinear
   * energy. ŷ is unique (and the loss a true generalized FY loss) when
   * (A + Aᵀ)/2 ≺ σI, σ = 1 (σ = 4 for the entropy on the cube), e.g. A
   * negative semidefinite.
   */
  pairwise?: Vector;
  /** `[rows, n]` for a batch of θ rows; `value` is the mean over rows. */
  shape?: readonly [number, number];
  /** Tolerance on the fixed-point residual (default 1e−10). */
  tol?: number;
  /** Iteration cap of the inner solver (default 1000); reaching it is a `convergence` error. */
  maxIter?: number;
}

/** What {@link generalizedFyLoss} returns with gradients. */
export interface GeneralizedValueAndGrad extends FyValueAndGrad {
  /** ∂value/∂A, same layout as `pairwise` (null without it). */
  gradPairwise: Float64Array | null;
  /** Inner-solver iterations per row. */
  iterations: Float64Array;
  /** Final fixed-point residual per row (≤ tol). */
  residuals: Float64Array;
}

/** A prediction ŷ(θ) with the solver's statistics. */
export interface GeneralizedPrediction {
  /** ŷ(θ), same layout as θ. */
  prediction: Float64Array;
  iterations: Float64Array;
  residuals: Float64Array;
}

interface GfyCall {
  fn: string;
  domain: number;
  reg: number;
  tol: number;
  maxIter: number;
  theta: Coerced;
  pairwise: Coerced | null;
  rows: number;
  n: number;
}

const GFY_KEYS = ['domain', 'regularizer', 'pairwise', 'shape', 'tol', 'maxIter'];

function iterOption(fn: string, v: unknown): number {
  const m = v === undefined ? GFY_MAX_ITER : v;
  if (typeof m !== 'number' || !Number.isInteger(m) || m < 1 || m > 2 ** 31) {
    throw new DiffoptError('domain', `${fn}: maxIter must be an integer in [1, 2^31], got ${String(m)}`, 'maxIter');
  }
  return m;
}

function prepare(fn: string, theta: Vector, options: unknown): GfyCall {
  const o = knownOptions(fn, options, GFY_KEYS);
  const domain = choice(fn, 'domain', o.domain, DOMAINS, 'simplex');
  const reg = choice(fn, 'regularizer', o.regularizer, REGULARIZERS, 'entropy');
  const tol = positive(fn, 'tol', o.tol, GFY_TOL);
  const maxIter = iterOption(fn, o.maxIter);
  const th = vector(fn, 'theta', theta);
  const [rows, n] = batchShape(fn, o.shape, th.length, 'theta');
  if (n === 0 && rows > 0) throw new DiffoptError('shape', `${fn}: needs at least 1 entry per row`, 'theta');
  let pairwise: Coerced | null = null;
  if (o.pairwise !== undefined) {
    pairwise = vector(fn, 'pairwise', o.pairwise);
    if (pairwise.length !== n * n && pairwise.length !== rows * n * n) {
      throw new DiffoptError(
        'shape',
        `${fn}: pairwise has ${pairwise.length} entries, expected ${n}×${n} = ${n * n} (shared) or ${rows}×${n}×${n} = ${rows * n * n} (one per row)`,
        'pairwise',
      );
    }
  }
  return { fn, domain, reg, tol, maxIter, theta: th, pairwise, rows, n };
}

function readTarget(c: GfyCall, target: unknown): [Coerced, number] {
  const { fn, rows, n } = c;
  if (DOMAINS[c.domain] === 'cube') {
    if (typeof target === 'number') {
      throw new DiffoptError('shape', `${fn}: on the cube the target has one entry in [0, 1] per label, not a class index`, 'target');
    }
    const t = vector(fn, 'target', target);
    if (t.length !== rows * n) {
      throw new DiffoptError('shape', `${fn}: on the cube the target has one entry in [0, 1] per label: expected ${rows * n}, got ${t.length}`, 'target');
    }
    return [t, 1];
  }
  if (typeof target === 'number') {
    if (rows !== 1) throw new DiffoptError('shape', `${fn}: a single class index needs one row, got ${rows}`, 'target');
    return [Float64Array.of(target), 0];
  }
  const isInt = ArrayBuffer.isView(target) && !(target instanceof Float64Array) && !(target instanceof Float32Array);
  const t = vector(fn, 'target', target);
  // With one class, a label can only be 0 and a proportion only 1.
  const allZero = n === 1 && (t instanceof Float64Array ? t : t.view).every((v) => v === 0);
  if (!isInt && t.length === rows * n && !allZero) return [t, 1];
  if (t.length === rows) return [t, 0];
  throw new DiffoptError('shape', `${fn}: target has ${t.length} entries, expected ${rows} class indices or ${rows * n} proportions`, 'target');
}

const HINTS = {
  target: 'on the simplex, labels must be integers in [0, n) and proportions ≥ 0 summing to 1 within 1e-9 per row; on the cube, entries in [0, 1]',
  tol: 'it must be a finite number > 0',
  maxIter: 'it must be ≥ 1',
};

function run(c: GfyCall, target: Target | null, withGrad: boolean): GeneralizedValueAndGrad {
  const fn = c.fn;
  const [tg, kind] = target === null ? [null, -1] : readTarget(c, target);
  const { rows, n } = c;
  const total = rows * n;
  const pl = c.pairwise ? c.pairwise.length : 0;
  return guarded(fn, (ex) => {
    const [st, sa, sy, sv, sp, sgu, sgp, ss] = scratch(ex).frame(fn, [
      slotBytes(c.theta), slotBytes(c.pairwise), slotBytes(tg), rows * 8, total * 8,
      withGrad ? total * 8 : 0, withGrad ? pl * 8 : 0, rows * 16,
    ]);
    const pt = place(ex, fn, st, c.theta);
    const pa = place(ex, fn, sa, c.pairwise);
    const py = place(ex, fn, sy, tg);
    if (rows) f64At(ex, ss, 2 * rows).fill(-1); // marks rows the solver never reached
    const status = kernels<FyKernels>(ex).fy_gfy(
      c.domain, c.reg, c.tol, c.maxIter, pt, pa, pl, py, kind, rows, n, sv, sp, sgu, withGrad && pl ? sgp : 0, ss,
    );
    const stats = copyF64(ex, ss, 2 * rows);
    if (status !== 0) throw gfyError(c, status, stats);
    const iterations = new Float64Array(rows);
    const residuals = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      iterations[r] = stats[2 * r];
      residuals[r] = stats[2 * r + 1];
    }
    const prediction = copyF64(ex, sp, total);
    const values = kind === -1 ? new Float64Array(0) : copyF64(ex, sv, rows);
    const grad = withGrad ? copyF64(ex, sgu, total) : new Float64Array(0);
    const gradPairwise = withGrad && pl ? copyF64(ex, sgp, pl) : null;
    let value = 0;
    for (const v of values) value += v;
    if (rows > 1) {
      value /= rows;
      for (let i = 0; i < grad.length; i++) grad[i] /= rows;
      if (gradPairwise) for (let i = 0; i < gradPairwise.length; i++) gradPairwise[i] /= rows;
    }
    return { value, values, grad, prediction, gradPairwise, iterations, residuals };
  });
}

/** The DiffoptError of a failed fy_gfy call, with the solver's statistics. */
function gfyError(c: GfyCall, status: number, stats: Float64Array): DiffoptError {
  if ((status & 0xff) !== 6) {
    return statusError(c.fn, status, ['theta', 'pairwise', 'target', 'values', 'prediction', 'grad', 'gradPairwise', 'stats', 'tol', 'maxIter'], HINTS);
  }
  let row = 0;
  while (row + 1 < c.rows && stats[2 * (row + 1)] >= 0) row++;
  const where = c.rows > 1 ? ` (row ${row})` : '';
  if (((status >> 8) & 0xff) === 2) {
    return new DiffoptError(
      'convergence',
      `${c.fn}: the target scores higher than the inner maximizer found${where}: the energy is not concave enough in μ `
        + 'for a unique maximizer (need sym(pairwise) ≺ σI), so the loss would be negative',
      'pairwise',
    );
  }
  return new DiffoptError(
    'convergence',
    `${c.fn}: the inner maximization did not converge${where}: fixed-point residual ${stats[2 * row + 1].toExponential(2)} `
      + `> tol ${c.tol} after ${c.maxIter} iterations; raise maxIter or tol, or use a more concave energy`,
    'maxIter',
  );
}

/** The generalized FY loss with `valueAndGrad`, `predict` and `custom`. */
export interface GeneralizedFyLoss {
  (theta: Vector, target: Target, options?: GeneralizedFyOptions): number;
  valueAndGrad(theta: Vector, target: Target, options?: GeneralizedFyOptions): GeneralizedValueAndGrad;
  /** ŷ(θ) = argmax_μ Φ(θ, μ) − Ω(μ) per row (the regularized prediction). */
  predict(theta: Vector, options?: GeneralizedFyOptions): GeneralizedPrediction;
  /** A generalized FY loss for your own energy, given as callbacks. */
  custom(energy: Energy, options: CustomEnergyOptions): CustomGfyLoss;
}

// ---------------------------------------------------------------- custom energies

/**
 * An energy Φ(θ, μ) given by callbacks. θ is any parameter vector of
 * yours; μ has `size` entries. Φ should be concave in μ (or at least
 * Φ − Ω strictly concave) for a unique ŷ; the solver only needs these
 * three functions.
 */
export interface Energy {
  /** Φ(θ, μ). */
  value(theta: Float64Array, mu: Float64Array): number;
  /** ∇_μ Φ(θ, μ) (`size` entries). */
  gradMu(theta: Float64Array, mu: Float64Array): ArrayLike<number>;
  /** ∇_θ Φ(θ, μ) (as many entries as θ). */
  gradTheta(theta: Float64Array, mu: Float64Array): ArrayLike<number>;
}

/** Options of `generalizedFyLoss.custom`. */
export interface CustomEnergyOptions {
  /** Number of entries of μ (and of a proportions/cube target). */
  size: number;
  domain?: GfyDomain;
  regularizer?: GfyRegularizer;
  /** Tolerance on the fixed-point residual (default 1e−10). */
  tol?: number;
  /** Iteration cap (default 1000); reaching it is a `convergence` error. */
  maxIter?: number;
}

/** Loss value, Danskin gradient and solver statistics of one example. */
export interface CustomValueAndGrad {
  value: number;
  /** ∇_θΦ(θ, ŷ) − ∇_θΦ(θ, y). */
  grad: Float64Array;
  prediction: Float64Array;
  iterations: number;
  residual: number;
}

/** A generalized FY loss of one example under a user energy. */
export interface CustomGfyLoss {
  (theta: Vector, target: number | Vector): number;
  valueAndGrad(theta: Vector, target: number | Vector): CustomValueAndGrad;
  predict(theta: Vector): { prediction: Float64Array; iterations: number; residual: number };
}

interface Reg {
  cube: boolean;
  squared: boolean;
}

/** ŷ_Ω(z) = ∇Ω*(z), through the library's own maps. */
function omegaMap(r: Reg, z: Float64Array): Float64Array {
  if (r.cube) return r.squared ? projectBox(z, { lower: 0, upper: 1 }) : sigmoid(z);
  return r.squared ? sparsemax(z) : softmax(z);
}

function xlogx(v: number): number {
  return v > 0 ? v * Math.log(v) : 0;
}

function omegaValue(r: Reg, mu: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < mu.length; i++) {
    const v = mu[i];
    s += r.squared ? 0.5 * v * v : xlogx(v) + (r.cube ? xlogx(1 - v) : 0);
  }
  return s;
}

function finiteVector(fn: string, what: string, v: ArrayLike<number>, len: number): Float64Array {
  if (!v || v.length !== len) {
    throw new DiffoptError('shape', `${fn}: ${what} returned ${v ? v.length : String(v)} entries, expected ${len}`, 'energy');
  }
  const out = Float64Array.from(v);
  for (let i = 0; i < len; i++) {
    if (!Number.isFinite(out[i])) throw new DiffoptError('nonfinite', `${fn}: ${what} returned a non-finite entry at ${i}`, 'energy');
  }
  return out;
}

function finiteNumber(fn: string, what: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new DiffoptError('nonfinite', `${fn}: ${what} returned ${String(v)}`, 'energy');
  }
  return v;
}

/**
 * The same Bregman proximal gradient as the Rust solver, with the step
 * constant c found by backtracking (the energy's curvature is unknown):
 * z⁺ = (∇_μΦ(μ) + c∇Ω(μ))/(1 + c), μ⁺ = ŷ_Ω(z⁺), accepted when
 * ⟨∇_μΦ(μ⁺) − ∇_μΦ(μ), d⟩ + c⟨∇Ω(μ⁺) − ∇Ω(μ), d⟩ ≥ 0 (d = μ⁺ − μ): c
 * covers the concavity of Φ along the step, measured by Ω — exactly the
 * ascent condition for quadratic energies. Gradient differences (not
 * function values, which cannot resolve O(‖d‖²) changes near the
 * solution) keep the test meaningful down to tiny steps. Stops at
 * ‖μ − ŷ_Ω(∇_μΦ(μ))‖_∞ ≤ tol.
 */
function customSolve(fn: string, e: Energy, r: Reg, theta: Float64Array, n: number, tol: number, maxIter: number) {
  const gradMu = (mu: Float64Array) => finiteVector(fn, 'energy.gradMu', e.gradMu(theta, mu), n);
  // Start one step from the centre of the domain.
  let z = gradMu(new Float64Array(n).fill(r.cube ? 0.5 : 1 / n));
  let mu = omegaMap(r, z);
  let g = gradMu(mu);
  let c = 0;
  let residual = Infinity;
  for (let it = 0; it < maxIter; it++) {
    const t = omegaMap(r, g);
    residual = 0;
    for (let i = 0; i < n; i++) residual = Math.max(residual, Math.abs(mu[i] - t[i]));
    if (residual <= tol) return { mu, iterations: it, residual };
    c /= 2; // let the step grow back when the curvature allows
    for (let tries = 0; ; tries++) {
      let zc: Float64Array;
      let mc: Float64Array;
      if (c === 0) {
        zc = g;
        mc = t;
      } else {
        zc = new Float64Array(n);
        for (let i = 0; i < n; i++) zc[i] = (g[i] + c * (r.squared ? mu[i] : z[i])) / (1 + c);
        mc = omegaMap(r, zc);
      }
      const gn = gradMu(mc);
      // ∇Ω(μ) is μ (squared norm) or the dual point z (entropies: ln μ + 1 =
      // z + const on the simplex, logit μ = z on the cube).
      let curv = 0;
      let breg = 0;
      for (let i = 0; i < n; i++) {
        const d = mc[i] - mu[i];
        curv += (gn[i] - g[i]) * d;
        breg += (r.squared ? d : zc[i] - z[i]) * d;
      }
      if (curv + c * breg >= 0 || tries >= 60) {
        mu = mc;
        z = zc;
        g = gn;
        break;
      }
      c = c === 0 ? 1e-3 : 2 * c;
    }
  }
  throw new DiffoptError(
    'convergence',
    `${fn}: the inner maximization did not converge: fixed-point residual ${residual.toExponential(2)} > tol ${tol} after ${maxIter} iterations`,
    'maxIter',
  );
}

function custom(energy: Energy, options: CustomEnergyOptions): CustomGfyLoss {
  const fn0 = 'generalizedFyLoss.custom';
  if (!energy || typeof energy.value !== 'function' || typeof energy.gradMu !== 'function' || typeof energy.gradTheta !== 'function') {
    throw new DiffoptError('type', `${fn0}: energy must have value, gradMu and gradTheta functions`, 'energy');
  }
  const o = knownOptions(fn0, options, ['size', 'domain', 'regularizer', 'tol', 'maxIter']);
  const n = o.size;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new DiffoptError('domain', `${fn0}: size must be an integer ≥ 1, got ${String(n)}`, 'size');
  }
  const r: Reg = {
    cube: DOMAINS[choice(fn0, 'domain', o.domain, DOMAINS, 'simplex')] === 'cube',
    squared: REGULARIZERS[choice(fn0, 'regularizer', o.regularizer, REGULARIZERS, 'entropy')] === 'squared',
  };
  const tol = positive(fn0, 'tol', o.tol, GFY_TOL);
  const maxIter = iterOption(fn0, o.maxIter);

  const thetaOf = (fn: string, theta: Vector) => {
    const t = vector(fn, 'theta', theta);
    const th = Float64Array.from(t instanceof Float64Array ? t : t.view);
    for (let i = 0; i < th.length; i++) {
      if (!Number.isFinite(th[i])) throw new DiffoptError('nonfinite', `${fn}: theta contains NaN or Infinity`, 'theta');
    }
    return th;
  };
  const targetOf = (fn: string, target: number | Vector): Float64Array => {
    let y: Float64Array;
    if (typeof target === 'number') {
      if (r.cube) throw new DiffoptError('shape', `${fn}: on the cube the target is a vector of ${n} entries in [0, 1]`, 'target');
      if (!Number.isInteger(target) || target < 0 || target >= n) {
        throw new DiffoptError('domain', `${fn}: the label must be an integer in [0, ${n}), got ${target}`, 'target');
      }
      y = new Float64Array(n);
      y[target] = 1;
      return y;
    }
    const t = vector(fn, 'target', target);
    y = Float64Array.from(t instanceof Float64Array ? t : t.view);
    if (y.length !== n) throw new DiffoptError('shape', `${fn}: target has ${y.length} entries, expected ${n}`, 'target');
    let s = 0;
    for (const v of y) {
      if (!Number.isFinite(v)) throw new DiffoptError('nonfinite', `${fn}: target contains NaN or Infinity`, 'target');
      if (v < 0 || (r.cube && v > 1)) {
        throw new DiffoptError('domain', `${fn}: target entries must be ${r.cube ? 'in [0, 1]' : '≥ 0'}`, 'target');
      }
      s += v;
    }
    if (!r.cube && Math.abs(s - 1) > 1e-9) {
      throw new DiffoptError('domain', `${fn}: proportions must sum to 1 within 1e-9, got ${s}`, 'target');
    }
    return y;
  };
  const valueAndGrad = (theta: Vector, target: number | Vector, withGrad = true): CustomValueAndGrad => {
    const fn = withGrad ? `${fn0}(…).valueAndGrad` : `${fn0}(…)`;
    const th = thetaOf(fn, theta);
    const y = targetOf(fn, target);
    const s = customSolve(fn, energy, r, th, n, tol, maxIter);
    const fHat = finiteNumber(fn, 'energy.value', energy.value(th, s.mu)) - omegaValue(r, s.mu);
    const fY = finiteNumber(fn, 'energy.value', energy.value(th, y)) - omegaValue(r, y);
    const value = fHat - fY;
    if (value < -1e-9 * (1 + Math.abs(fHat) + Math.abs(fY))) {
      throw new DiffoptError(
        'convergence',
        `${fn}: the target scores higher than the inner maximizer found: the energy is not concave enough in μ for a unique maximizer, so the loss would be negative`,
        'energy',
      );
    }
    let grad: Float64Array = new Float64Array(0);
    if (withGrad) {
      grad = finiteVector(fn, 'energy.gradTheta', energy.gradTheta(th, s.mu), th.length);
      const gy = finiteVector(fn, 'energy.gradTheta', energy.gradTheta(th, y), th.length);
      for (let i = 0; i < grad.length; i++) grad[i] -= gy[i];
    }
    return { value: Math.max(0, value), grad, prediction: s.mu, iterations: s.iterations, residual: s.residual };
  };
  const loss = (theta: Vector, target: number | Vector) => valueAndGrad(theta, target, false).value;
  const predict = (theta: Vector) => {
    const fn = `${fn0}(…).predict`;
    const s = customSolve(fn, energy, r, thetaOf(fn, theta), n, tol, maxIter);
    return { prediction: s.mu, iterations: s.iterations, residual: s.residual };
  };
  return Object.assign(loss, { valueAndGrad: (theta: Vector, target: number | Vector) => valueAndGrad(theta, target, true), predict });
}

/**
 * The generalized Fenchel-Young loss of the quadratic energy
 * Φ(θ, μ) = ⟨θ, μ⟩ + ½⟨μ, Aμ⟩ (A = `options.pairwise`; none: bilinear)
 * over the simplex (targets: class indices or proportions) or the unit cube
 * (multilabel targets in [0, 1]), with Ω the squared norm or the entropy:
 * L(θ; y) = max_μ [Φ(θ, μ) − Ω(μ)] − [Φ(θ, y) − Ω(y)] ≥ 0. Gradients by
 * Danskin's theorem: ∂/∂θ = ŷ − y, ∂/∂A = ½(ŷŷᵀ − yyᵀ). The inner
 * maximization (Bregman proximal gradient, monotone) stops when
 * ‖μ − ŷ_Ω(θ + sym(A)μ)‖_∞ ≤ tol and throws a `convergence` error after
 * `maxIter` iterations instead of returning an unconverged answer. Without
 * A it equals {@link fyLoss} (`'softmax'`/`'sparsemax'` on the simplex) or
 * {@link multilabelLoss} (`'sigmoid'`, entropy on the cube).
 *
 * @example
 * ```ts
 * import { init, generalizedFyLoss } from 'diffopt';
 * await init();
 * // 3 labels, a pairwise matrix coupling labels 0 and 1 (n×n, shared)
 * const A = [-1, 0.5, 0,  0.5, -1, 0,  0, 0, -1];
 * const opts = { domain: 'cube', pairwise: A } as const;
 * const { value, grad, gradPairwise, prediction } =
 *   generalizedFyLoss.valueAndGrad([1.5, -0.2, 0.3], [1, 1, 0], opts);
 * generalizedFyLoss.predict([1.5, -0.2, 0.3], opts).prediction; // ŷ ∈ [0, 1]³
 * ```
 */
export const generalizedFyLoss: GeneralizedFyLoss = Object.assign(
  (theta: Vector, target: Target, options?: GeneralizedFyOptions) =>
    run(prepare('generalizedFyLoss', theta, options), target, false).value,
  {
    valueAndGrad: (theta: Vector, target: Target, options?: GeneralizedFyOptions) =>
      run(prepare('generalizedFyLoss.valueAndGrad', theta, options), target, true),
    predict: (theta: Vector, options?: GeneralizedFyOptions): GeneralizedPrediction => {
      const r = run(prepare('generalizedFyLoss.predict', theta, options), null, false);
      return { prediction: r.prediction, iterations: r.iterations, residuals: r.residuals };
    },
    /**
     * A generalized FY loss for an energy the library does not ship: pass
     * Φ(θ, μ), ∇_μΦ and ∇_θΦ as callbacks. One example per call (θ any
     * vector of yours, μ of `size` entries); the inner solver runs in
     * TypeScript with the library's maps.
     *
     * @example
     * ```ts
     * import { init, generalizedFyLoss } from 'diffopt';
     * await init();
     * // Φ(θ, μ) = ⟨Wx, μ⟩ − ‖μ‖⁴/4 with θ = W (2×3, row-major), x fixed
     * const x = [1, -2, 0.5];
     * const energy = {
     *   value: (W, mu) => { let s = 0, q = 0; for (let i = 0; i < 2; i++) { let w = 0; for (let j = 0; j < 3; j++) w += W[i * 3 + j] * x[j]; s += w * mu[i]; q += mu[i] * mu[i]; } return s - q * q / 4; },
     *   gradMu: (W, mu) => { const q = mu[0] ** 2 + mu[1] ** 2; return [0, 1].map((i) => W[i * 3] * x[0] + W[i * 3 + 1] * x[1] + W[i * 3 + 2] * x[2] - q * mu[i]); },
     *   gradTheta: (W, mu) => Float64Array.from({ length: 6 }, (_, k) => mu[Math.floor(k / 3)] * x[k % 3]),
     * };
     * const loss = generalizedFyLoss.custom(energy, { size: 2, domain: 'simplex' });
     * const { value, grad } = loss.valueAndGrad([0.1, 0.2, 0.3, -0.1, 0, 0.4], 0);
     * ```
     */
    custom,
  },
);
