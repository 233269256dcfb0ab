/**
 * Soft-DTW and its relatives on pairs of series and on cost matrices, with
 * their gradients. Kernels: crates/core/src/dtw (ops.rs).
 * @module
 */
import { place, slotBytes } from '../runtime/call.js';
import { DiffoptError, statusError } from '../runtime/errors.js';
import { guarded, kernels } from '../runtime/instance.js';
import { knownOptions, positive } from '../runtime/input.js';
import { f64At, scratch } from '../runtime/memory.js';
import { HINTS, options, parseBand, parseCommon, type DtwKernels, type SoftDtwOptions } from './common.js';
import { matrix, series, type Frames, type Series } from './series.js';

const PAIR_ARGS = ['X', 'Y', 'gamma', 'band', 'out'];
const COST_ARGS = ['C', 'Z', 'gamma', 'band', 'out'];

/** Operator codes of `dtw_pair` (crates/core/src/dtw/ops.rs `PairOp`). */
export const PAIR_OPS = {
  softDtw: 0,
  divergence: 1,
  sharp: 2,
  sharpDivergence: 3,
  meanCost: 4,
  meanCostDivergence: 5,
  entropy: 6,
  dtw: 7,
} as const;

const GAMMA_FREE = new Set<number>([PAIR_OPS.meanCost, PAIR_OPS.meanCostDivergence, PAIR_OPS.dtw]);

const EMPTY = new Float64Array(0);

interface PairResult {
  value: number;
  gx: Float64Array;
  gy: Float64Array;
  align: Float64Array | null;
  x: Frames;
  y: Frames;
}

function pairCall(fn: string, op: number, X: unknown, Y: unknown, opts: unknown, grads: boolean, align: boolean): PairResult {
  const o = options(fn, opts);
  const p = parseCommon(fn, o, !GAMMA_FREE.has(op));
  const x = series(fn, 'X', X, o.shape);
  const y = series(fn, 'Y', Y, o.shapeY, x.dims);
  const { length: m, dims: d } = x;
  const n = y.length;
  return guarded(fn, (ex) => {
    const [sx, sy, sv, sgx, sgy, sal] = scratch(ex).frame(fn, [
      slotBytes(x.data), slotBytes(y.data), 8, grads ? m * d * 8 : 0, grads ? n * d * 8 : 0, align ? m * n * 8 : 0,
    ]);
    const px = place(ex, fn, sx, x.data);
    const py = place(ex, fn, sy, y.data);
    const status = kernels<DtwKernels>(ex).dtw_pair(op, p.cost, p.gamma, p.band, px, m, py, n, d, sv, sgx, sgy, sal);
    if (status !== 0) throw statusError(fn, status, PAIR_ARGS, HINTS);
    return {
      value: new Float64Array(ex.memory.buffer, sv, 1)[0],
      gx: grads ? f64At(ex, sgx, m * d).slice() : EMPTY,
      gy: grads ? f64At(ex, sgy, n * d).slice() : EMPTY,
      align: align ? f64At(ex, sal, m * n).slice() : null,
      x,
      y,
    };
  });
}

function scaled(a: Float64Array, g: number): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = g * a[i];
  return out;
}

function cotangent(fn: string, g: unknown): number {
  const v = g === undefined ? 1 : g;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new DiffoptError(typeof v === 'number' ? 'nonfinite' : 'type', `${fn}: the cotangent must be a finite number, got ${String(v)}`, 'cotangent');
  }
  return v;
}

/** Gradients of a two-series value: row-major, same shapes as X and Y. */
export interface SeriesGrad {
  value: number;
  /** ∂value/∂X, row-major length × dims. */
  gradX: Float64Array;
  /** ∂value/∂Y, row-major length × dims. */
  gradY: Float64Array;
}

/**
 * A scalar function of two series, with its vector-Jacobian product
 * (`pullback(g) → [g·∂/∂X, g·∂/∂Y]`, row-major Float64Arrays) and
 * `valueAndGrad`.
 */
export interface SeriesFunction {
  (X: Series, Y: Series, options?: SoftDtwOptions): number;
  vjp(X: Series, Y: Series, options?: SoftDtwOptions): [number, (cotangent?: number) => [Float64Array, Float64Array]];
  valueAndGrad(X: Series, Y: Series, options?: SoftDtwOptions): SeriesGrad;
}

function makeSeriesFunction(name: string, op: number): SeriesFunction {
  const f = (X: Series, Y: Series, opts?: SoftDtwOptions) => pairCall(name, op, X, Y, opts, false, false).value;
  const vjp = (X: Series, Y: Series, opts?: SoftDtwOptions): [number, (g?: number) => [Float64Array, Float64Array]] => {
    const r = pairCall(`${name}.vjp`, op, X, Y, opts, true, false);
    return [r.value, (g?: number) => {
      const s = cotangent(`${name}.vjp pullback`, g);
      return [scaled(r.gx, s), scaled(r.gy, s)];
    }];
  };
  const valueAndGrad = (X: Series, Y: Series, opts?: SoftDtwOptions): SeriesGrad => {
    const r = pairCall(`${name}.valueAndGrad`, op, X, Y, opts, true, false);
    return { value: r.value, gradX: r.gx, gradY: r.gy };
  };
  Object.defineProperty(f, 'name', { value: name });
  return Object.assign(f, { vjp, valueAndGrad });
}

/**
 * Soft-DTW (Cuturi & Blondel, 2017): −γ log Σ_A exp(−⟨A, C⟩/γ) over all
 * monotone alignments A of X (m frames) and Y (n frames), with
 * C_ij = ‖x_i − y_j‖² (or ½ of it). A smooth lower bound of DTW that tends
 * to it as γ → 0. O(mn) time; O(min(m, n)) memory for the value, O(mn)
 * (24 bytes per cell) with the gradient. Exact at any scale (true +∞
 * borders); γ from 1e-4 to 1e4 gives finite values and gradients.
 *
 * @example
 * ```ts
 * import { init, softDtw } from 'diffopt';
 * await init();
 * softDtw([1, 2, 2, 3], [1, 2, 3, 4], { gamma: 1 });      // -0.8954 (tslearn's example)
 * softDtw([[1, 1], [2, 2]], [[1, 1], [3, 3]]);            // 2-D frames
 * const [v, pullback] = softDtw.vjp([1, 2, 3], [3, 4, -3]);
 * const [dX, dY] = pullback();                            // dX ≈ [-4.0001, -2.2852, 10.1643]
 * ```
 */
export const softDtw: SeriesFunction = makeSeriesFunction('softDtw', PAIR_OPS.softDtw);

/**
 * Soft-DTW divergence (Blondel, Mensch & Vert, 2021):
 * D(X, Y) = sdtw(X, Y) − ½sdtw(X, X) − ½sdtw(Y, Y). Non-negative (for the
 * squared Euclidean cost), zero exactly when X = Y, with zero gradient
 * there. tslearn calls it the normalized soft-DTW.
 *
 * @example
 * ```ts
 * import { init, softDtwDivergence } from 'diffopt';
 * await init();
 * softDtwDivergence([1, 2, 2, 3], [1, 2, 3, 4]);   // 1.3094
 * softDtwDivergence([1, 2, 3], [1, 2, 3]);         // 0 exactly
 * const { gradX } = softDtwDivergence.valueAndGrad([1, 2, 3], [3, 4, -3]);
 * ```
 */
export const softDtwDivergence: SeriesFunction = makeSeriesFunction('softDtwDivergence', PAIR_OPS.divergence);

/**
 * Sharp soft-DTW ⟨E, C⟩: the cost of the expected alignment E, without
 * the entropic term (closer to DTW than soft-DTW for the same γ). Its
 * gradient runs the second-order pass through the DP (four sweeps; 40
 * bytes per cell).
 *
 * @example
 * ```ts
 * import { init, sharpSoftDtw } from 'diffopt';
 * await init();
 * sharpSoftDtw([1, 2, 3], [1, 2, 2, 3], { gamma: 0.1 });
 * const [v, pullback] = sharpSoftDtw.vjp([1, 2, 3], [3, 4, -3]);
 * ```
 */
export const sharpSoftDtw: SeriesFunction = makeSeriesFunction('sharpSoftDtw', PAIR_OPS.sharp);

/**
 * Sharp soft-DTW divergence: sharp(X, Y) − ½sharp(X, X) − ½sharp(Y, Y);
 * zero with zero gradient at X = Y.
 *
 * @example
 * ```ts
 * import { init, sharpSoftDtwDivergence } from 'diffopt';
 * await init();
 * sharpSoftDtwDivergence([0, 1, 0], [0, 0, 1, 0], { gamma: 0.5 });
 * ```
 */
export const sharpSoftDtwDivergence: SeriesFunction = makeSeriesFunction('sharpSoftDtwDivergence', PAIR_OPS.sharpDivergence);

/**
 * Mean-cost DTW: the average of ⟨A, C⟩ over all alignments (γ-free). Path
 * counts are kept in log space, so long series (length 5000 and more) do
 * not overflow. Its gradient comes from the mean alignment matrix.
 *
 * @example
 * ```ts
 * import { init, meanCostDtw } from 'diffopt';
 * await init();
 * meanCostDtw([0, 1], [0, 2]);   // 8/3: the three alignments cost 5, 2 and 1
 * ```
 */
export const meanCostDtw: SeriesFunction = makeSeriesFunction('meanCostDtw', PAIR_OPS.meanCost);

/**
 * Mean-cost divergence: mc(X, Y) − ½mc(X, X) − ½mc(Y, Y); zero at X = Y.
 *
 * @example
 * ```ts
 * import { init, meanCostDtwDivergence } from 'diffopt';
 * await init();
 * meanCostDtwDivergence([0, 1, 2], [0, 2]);
 * ```
 */
export const meanCostDtwDivergence: SeriesFunction = makeSeriesFunction('meanCostDtwDivergence', PAIR_OPS.meanCostDivergence);

/**
 * Entropy of the Gibbs distribution over alignments,
 * H = (⟨E, C⟩ − sdtw)/γ, computed without that cancellation (as the
 * expected local entropy of the DP's transitions): 0 when one alignment
 * dominates, log(#alignments) as γ → ∞.
 *
 * @example
 * ```ts
 * import { init, softDtwEntropy } from 'diffopt';
 * await init();
 * softDtwEntropy([0, 0], [0, 0], { gamma: 1e4 });   // ≈ log 3: all 3 alignments equally likely
 * ```
 */
export const softDtwEntropy: SeriesFunction = makeSeriesFunction('softDtwEntropy', PAIR_OPS.entropy);

/**
 * The expected alignment E = ∂sdtw/∂C (m × n, row-major): the probability
 * that frame i of X is matched with frame j of Y under the Gibbs
 * distribution over alignments. Rows and columns sum to ≥ 1; E[0,0] =
 * E[m−1,n−1] = 1.
 *
 * @example
 * ```ts
 * import { init, softDtwAlignment } from 'diffopt';
 * await init();
 * const E = softDtwAlignment([1, 2, 2, 3], [1, 2, 3, 4]);   // Float64Array(16), E[0] = 1
 * ```
 */
export function softDtwAlignment(X: Series, Y: Series, options?: SoftDtwOptions): Float64Array {
  return pairCall('softDtwAlignment', PAIR_OPS.softDtw, X, Y, options, true, true).align!;
}

// ------------------------------------------------------------ cost matrices

/** Options of {@link softDtwFromCost}. */
export interface FromCostOptions {
  /** γ > 0 (default 1). */
  gamma?: number;
  /** `[m, n]` when C is a flat row-major array. */
  shape?: readonly [number, number];
  /** Sakoe-Chiba radius (see {@link SoftDtwOptions.band}). */
  band?: number;
}

const COST_OPS = { softDtw: 0, sharp: 1, entropy: 2, meanCost: 3 } as const;

interface CostCall {
  value: number;
  grad: Float64Array | null;
  jvp: number;
  hvp: Float64Array | null;
}

function costCall(fn: string, op: number, C: unknown, Z: unknown, opts: unknown, want: { grad?: boolean; jvp?: boolean; hvp?: boolean }): CostCall {
  const o = knownOptions(fn, opts, ['gamma', 'shape', 'band']);
  const gamma = op === COST_OPS.meanCost ? 1 : positive(fn, 'gamma', o.gamma, 1);
  const band = parseBand(fn, o.band);
  const c = matrix(fn, 'C', C, o.shape);
  const { length: m, dims: n } = c;
  let z: Frames | null = null;
  if (Z !== undefined) {
    z = matrix(fn, 'Z', Z, Array.isArray(Z) && Array.isArray(Z[0]) ? undefined : [m, n]);
    if (z.length !== m || z.dims !== n) {
      throw new DiffoptError('shape', `${fn}: Z is ${z.length}×${z.dims}, C is ${m}×${n}`, 'Z');
    }
  }
  const cells = m * n;
  return guarded(fn, (ex) => {
    const [sc, sz, sv, sg, sj, sh] = scratch(ex).frame(fn, [
      slotBytes(c.data), z ? slotBytes(z.data) : 0, 8, want.grad ? cells * 8 : 0, want.jvp ? 8 : 0, want.hvp ? cells * 8 : 0,
    ]);
    const pc = place(ex, fn, sc, c.data);
    const pz = z ? place(ex, fn, sz, z.data) : 0;
    const status = kernels<DtwKernels>(ex).dtw_cost(op, gamma, band, pc, m, n, pz, sv, sg, sj, sh);
    if (status !== 0) throw statusError(fn, status, COST_ARGS, HINTS);
    return {
      value: f64At(ex, sv, 1)[0],
      grad: want.grad ? f64At(ex, sg, cells).slice() : null,
      jvp: want.jvp ? f64At(ex, sj, 1)[0] : 0,
      hvp: want.hvp ? f64At(ex, sh, cells).slice() : null,
    };
  });
}

/** A cost matrix: `number[][]` (m rows of n) or flat row-major with `shape`. */
export type CostMatrix = readonly (readonly number[] | Float64Array)[] | readonly number[] | Float64Array;

/** Soft-DTW of a cost matrix with its derivatives. */
export interface FromCostFunction {
  (C: CostMatrix, options?: FromCostOptions): number;
  /** Value and pullback: `pullback(g)` = g·E, the expected alignment (m×n, row-major). */
  vjp(C: CostMatrix, options?: FromCostOptions): [number, (cotangent?: number) => Float64Array];
  /** Value and the directional derivative ⟨E, Z⟩ along a tangent Z (forward mode, O(min(m, n)) memory). */
  jvp(C: CostMatrix, Z: CostMatrix, options?: FromCostOptions): [number, number];
  /** The Hessian-vector product ∇²sdtw(C)·Z (m×n, row-major), by the second-order DP. */
  hvp(C: CostMatrix, Z: CostMatrix, options?: FromCostOptions): Float64Array;
}

/**
 * Soft-DTW of any cost matrix C (m × n): −γ log Σ_A exp(−⟨A, C⟩/γ). Its
 * gradient is the expected alignment E (`.vjp`); `.jvp` gives ⟨E, Z⟩ and
 * `.hvp` the Hessian-vector product (as used by the sharp variants).
 *
 * @example
 * ```ts
 * import { init, softDtwFromCost } from 'diffopt';
 * await init();
 * const C = [[0, 1, 4], [1, 0, 1]];
 * softDtwFromCost(C, { gamma: 0.1 });
 * softDtwFromCost(new Float64Array([0, 1, 4, 1, 0, 1]), { shape: [2, 3] });   // same
 * const [v, pullback] = softDtwFromCost.vjp(C);
 * const E = pullback();                                   // Float64Array(6), E[0] = 1
 * const [, dv] = softDtwFromCost.jvp(C, [[1, 0, 0], [0, 0, 0]]);   // = E[0] = 1
 * const HZ = softDtwFromCost.hvp(C, C);
 * ```
 */
export const softDtwFromCost: FromCostFunction = Object.assign(
  function softDtwFromCost(C: CostMatrix, options?: FromCostOptions): number {
    return costCall('softDtwFromCost', COST_OPS.softDtw, C, undefined, options, {}).value;
  },
  {
    vjp(C: CostMatrix, options?: FromCostOptions): [number, (g?: number) => Float64Array] {
      const r = costCall('softDtwFromCost.vjp', COST_OPS.softDtw, C, undefined, options, { grad: true });
      return [r.value, (g?: number) => scaled(r.grad!, cotangent('softDtwFromCost.vjp pullback', g))];
    },
    jvp(C: CostMatrix, Z: CostMatrix, options?: FromCostOptions): [number, number] {
      if (Z === undefined) throw new DiffoptError('type', 'softDtwFromCost.jvp: the tangent Z is required', 'Z');
      const r = costCall('softDtwFromCost.jvp', COST_OPS.softDtw, C, Z, options, { jvp: true });
      return [r.value, r.jvp];
    },
    hvp(C: CostMatrix, Z: CostMatrix, options?: FromCostOptions): Float64Array {
      if (Z === undefined) throw new DiffoptError('type', 'softDtwFromCost.hvp: the direction Z is required', 'Z');
      return costCall('softDtwFromCost.hvp', COST_OPS.softDtw, C, Z, options, { hvp: true }).hvp!;
    },
  },
);

/** Internal: the other cost-matrix operators (sharp, entropy, mean cost). */
export function costOperator(fn: string, op: 'sharp' | 'entropy' | 'meanCost', C: CostMatrix, options?: FromCostOptions): { value: number; grad: Float64Array } {
  const r = costCall(fn, COST_OPS[op], C, undefined, options, { grad: true });
  return { value: r.value, grad: r.grad! };
}
