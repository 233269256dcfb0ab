/**
 * Batches of series: pairwise matrices ({@link softDtwPairwise}) and
 * barycenters ({@link softDtwBarycenter}), one wasm crossing per call.
 * Kernels: crates/core/src/dtw/pairwise.rs, barycenter.rs, and the shared
 * L-BFGS in crates/core/src/math/lbfgs.rs.
 * @module
 */
import { DiffoptError, statusError } from '../runtime/errors.js';
import { guarded, kernels } from '../runtime/instance.js';
import { choice, knownOptions, positive, vector } from '../runtime/input.js';
import { f64At, scratch, u32At } from '../runtime/memory.js';
import { COSTS, HINTS, parseBand, type DtwCost, type DtwKernels } from './common.js';
import { PAIR_OPS } from './ops.js';
import { series, type Frames, type Series } from './series.js';

/** What a pairwise entry measures. */
export type DtwMetric =
  | 'soft-dtw'
  | 'divergence'
  | 'sharp'
  | 'sharp-divergence'
  | 'mean-cost'
  | 'mean-cost-divergence'
  | 'entropy'
  | 'dtw'
  | 'euclidean';

const METRICS: readonly DtwMetric[] = [
  'soft-dtw', 'divergence', 'sharp', 'sharp-divergence', 'mean-cost', 'mean-cost-divergence', 'entropy', 'dtw', 'euclidean',
];
// Codes: PAIR_OPS for the first eight, 8 for Euclidean.
const METRIC_CODES: Record<DtwMetric, number> = {
  'soft-dtw': PAIR_OPS.softDtw,
  divergence: PAIR_OPS.divergence,
  sharp: PAIR_OPS.sharp,
  'sharp-divergence': PAIR_OPS.sharpDivergence,
  'mean-cost': PAIR_OPS.meanCost,
  'mean-cost-divergence': PAIR_OPS.meanCostDivergence,
  entropy: PAIR_OPS.entropy,
  dtw: PAIR_OPS.dtw,
  euclidean: 8,
};
const GAMMA_FREE: readonly DtwMetric[] = ['mean-cost', 'mean-cost-divergence', 'dtw', 'euclidean'];

/** Options of {@link softDtwPairwise}. */
export interface PairwiseOptions {
  /** Default `'soft-dtw'`. `'dtw'` is plain DTW (Σ cost along the best path); `'euclidean'` needs equal lengths. */
  metric?: DtwMetric;
  /** γ > 0 (default 1). */
  gamma?: number;
  /** `'sqeuclidean'` (default) or `'half-sqeuclidean'`. */
  cost?: DtwCost;
  /** Sakoe-Chiba radius (default none). */
  band?: number;
  /** Values per frame for flat (Float64Array / number[]) series (default: from the first series, else 1). */
  dims?: number;
}

/** A set of series packed for the kernels. */
export interface Packed {
  data: Float64Array;
  lens: Uint32Array;
  dims: number;
  count: number;
}

/** Coerces and concatenates a set of series (all with the same dims). */
export function pack(fn: string, name: string, set: unknown, dims?: number): Packed {
  if (!Array.isArray(set)) throw new DiffoptError('type', `${fn}: ${name} must be an array of series`, name);
  if (set.length === 0) throw new DiffoptError('shape', `${fn}: ${name} is empty (at least one series is needed)`, name);
  const frames: Frames[] = [];
  let d = dims;
  for (let k = 0; k < set.length; k++) {
    const f = series(fn, `${name}[${k}]`, set[k], undefined, d);
    d = f.dims;
    frames.push(f);
  }
  let total = 0;
  for (const f of frames) total += f.length * f.dims;
  const data = new Float64Array(total);
  const lens = new Uint32Array(frames.length);
  let at = 0;
  frames.forEach((f, k) => {
    const v = f.data instanceof Float64Array ? f.data : f.data.view;
    data.set(v, at);
    at += v.length;
    lens[k] = f.length;
  });
  return { data, lens, dims: d!, count: frames.length };
}

/**
 * The matrix of a metric between two sets of series (possibly of different
 * lengths), or of one set against itself (`Ys` omitted: symmetric, only
 * one triangle computed). Returns a row-major Float64Array of
 * `Xs.length × Ys.length`. One wasm call for the whole batch; divergences
 * compute each self-term once per series.
 *
 * @example
 * ```ts
 * import { init, softDtwPairwise } from 'diffopt';
 * await init();
 * const Xs = [[0, 1, 2], [2, 1, 0, 0]], Ys = [[0, 1, 2, 2], [1, 1]];
 * softDtwPairwise(Xs, Ys, { metric: 'divergence', gamma: 0.1 });   // Float64Array(4)
 * softDtwPairwise(Xs);                                              // 2×2, symmetric
 * ```
 */
export function softDtwPairwise(Xs: readonly Series[], Ys?: readonly Series[] | null, options?: PairwiseOptions): Float64Array {
  const fn = 'softDtwPairwise';
  const o = knownOptions(fn, options, ['metric', 'gamma', 'cost', 'band', 'dims']);
  const metric = METRICS[choice(fn, 'metric', o.metric, METRICS, 'soft-dtw')];
  const gamma = GAMMA_FREE.includes(metric) ? 1 : positive(fn, 'gamma', o.gamma, 1);
  const cost = choice(fn, 'cost', o.cost, COSTS, 'sqeuclidean');
  const band = parseBand(fn, o.band);
  const dims = o.dims === undefined ? undefined : (positive(fn, 'dims', o.dims, 1) | 0);
  const xs = pack(fn, 'Xs', Xs, dims);
  const ys = Ys === undefined || Ys === null ? null : pack(fn, 'Ys', Ys, xs.dims);
  const ny = ys ? ys.count : xs.count;
  return guarded(fn, (ex) => {
    const [pxs, pxl, pys, pyl, po] = scratch(ex).frame(fn, [
      xs.data.length * 8, xs.count * 4, ys ? ys.data.length * 8 : 0, ys ? ys.count * 4 : 0, xs.count * ny * 8,
    ]);
    f64At(ex, pxs, xs.data.length).set(xs.data);
    u32At(ex, pxl, xs.count).set(xs.lens);
    if (ys) {
      f64At(ex, pys, ys.data.length).set(ys.data);
      u32At(ex, pyl, ys.count).set(ys.lens);
    }
    const status = kernels<DtwKernels>(ex).dtw_pairwise(
      METRIC_CODES[metric], cost, gamma, band, pxs, pxl, xs.count, ys ? pys : 0, ys ? pyl : 0, ny, xs.dims, po,
    );
    if (status !== 0) {
      const equal = metric === 'euclidean' ? 'the Euclidean metric needs series of equal lengths' : '';
      throw statusError(fn, status, ['Xs', ys ? 'Ys' : 'Xs', 'gamma', 'band', 'out'], { ...HINTS, Xs: equal, Ys: equal });
    }
    return f64At(ex, po, xs.count * ny).slice();
  });
}

/** Objectives a barycenter can minimize. */
export type BarycenterMetric = 'soft-dtw' | 'divergence' | 'sharp' | 'sharp-divergence' | 'mean-cost' | 'mean-cost-divergence';
const BARY_METRICS: readonly BarycenterMetric[] = ['soft-dtw', 'divergence', 'sharp', 'sharp-divergence', 'mean-cost', 'mean-cost-divergence'];

/** Options of {@link softDtwBarycenter}. */
export interface BarycenterOptions {
  /** The objective Σ_k w_k f(Z, Y_k) (default `'soft-dtw'`). */
  metric?: BarycenterMetric;
  /** γ > 0 (default 1). */
  gamma?: number;
  /** `'sqeuclidean'` (default) or `'half-sqeuclidean'`. */
  cost?: DtwCost;
  /** Sakoe-Chiba radius (default none). */
  band?: number;
  /** w_k ≥ 0, one per series (default 1/N each). */
  weights?: Float64Array | readonly number[];
  /**
   * Starting point: `'euclidean-mean'` (default: the weighted frame-wise
   * mean, each series linearly resampled to `length` first) or a series;
   * the barycenter has its length.
   */
  init?: 'euclidean-mean' | Series;
  /** Length of the `'euclidean-mean'` start (default: the mean length, rounded). */
  length?: number;
  /** L-BFGS iterations at most (default 50). */
  maxIter?: number;
  /** Stop when ‖∇‖∞ or the relative decrease per iteration falls to `tol` (default 1e-3). */
  tol?: number;
  /** Values per frame for flat series (default: from the first series, else 1). */
  dims?: number;
}

/** Result of {@link softDtwBarycenter}. */
export interface BarycenterResult {
  /** The barycenter, row-major `shape[0] × shape[1]`. */
  barycenter: Float64Array;
  shape: [number, number];
  /** Σ_k w_k f(Z, Y_k) at the barycenter. */
  value: number;
  iterations: number;
  evaluations: number;
  /** True when a tolerance was met (not the iteration cap). */
  converged: boolean;
}

/** Linear resampling of a series (len × dims) to `length` frames. */
export function resample(data: Float64Array, len: number, dims: number, length: number): Float64Array {
  const out = new Float64Array(length * dims);
  for (let t = 0; t < length; t++) {
    const pos = length === 1 ? 0 : (t * (len - 1)) / (length - 1);
    const i = Math.min(Math.floor(pos), len - 1);
    const frac = pos - i;
    const j = Math.min(i + 1, len - 1);
    for (let l = 0; l < dims; l++) out[t * dims + l] = (1 - frac) * data[i * dims + l] + frac * data[j * dims + l];
  }
  return out;
}

/** Weighted frame-wise mean of packed series, each resampled to `length`. */
export function euclideanMean(p: Packed, weights: Float64Array | null, length: number): Float64Array {
  const out = new Float64Array(length * p.dims);
  let at = 0;
  let wsum = 0;
  for (let k = 0; k < p.count; k++) {
    const len = p.lens[k];
    const s = p.data.subarray(at, at + len * p.dims);
    at += len * p.dims;
    const w = weights ? weights[k] : 1;
    if (w === 0) continue;
    const r = len === length ? s : resample(s, len, p.dims, length);
    for (let i = 0; i < out.length; i++) out[i] += w * r[i];
    wsum += w;
  }
  for (let i = 0; i < out.length; i++) out[i] /= wsum;
  return out;
}

/**
 * The barycenter of a set of series (possibly of different lengths) under
 * soft-DTW or one of its divergences: argmin_Z Σ_k w_k f(Z, Y_k), by
 * L-BFGS in the Rust core (one wasm call). Cuturi & Blondel's soft-DTW
 * barycenters; the divergences (Blondel et al.) avoid soft-DTW's shrinkage
 * towards a flat average at large γ.
 *
 * @example
 * ```ts
 * import { init, softDtwBarycenter } from 'diffopt';
 * await init();
 * const Ys = [[0, 0, 1, 2, 1, 0], [0, 1, 2, 1, 0, 0], [0, 0, 0, 1, 2, 1]];
 * const { barycenter, value, converged } = softDtwBarycenter(Ys, { gamma: 0.1, metric: 'divergence' });
 * ```
 */
export function softDtwBarycenter(Ys: readonly Series[], options?: BarycenterOptions): BarycenterResult {
  const fn = 'softDtwBarycenter';
  const o = knownOptions(fn, options, ['metric', 'gamma', 'cost', 'band', 'weights', 'init', 'length', 'maxIter', 'tol', 'dims']);
  const metric = choice(fn, 'metric', o.metric, BARY_METRICS, 'soft-dtw');
  const metricName = BARY_METRICS[metric];
  const gamma = metricName.startsWith('mean-cost') ? 1 : positive(fn, 'gamma', o.gamma, 1);
  const cost = choice(fn, 'cost', o.cost, COSTS, 'sqeuclidean');
  const band = parseBand(fn, o.band);
  const dims = o.dims === undefined ? undefined : (positive(fn, 'dims', o.dims, 1) | 0);
  const ys = pack(fn, 'Ys', Ys, dims);
  let weights: Float64Array | null = null;
  if (o.weights !== undefined) {
    weights = Float64Array.from(vector(fn, 'weights', o.weights) as Float64Array);
    if (weights.length !== ys.count) {
      throw new DiffoptError('shape', `${fn}: weights has ${weights.length} entries for ${ys.count} series`, 'weights');
    }
  }
  const maxIter = o.maxIter === undefined ? 50 : o.maxIter;
  if (typeof maxIter !== 'number' || !Number.isInteger(maxIter) || maxIter < 0 || maxIter > 1e6) {
    throw new DiffoptError('domain', `${fn}: maxIter must be an integer in [0, 1e6], got ${String(o.maxIter)}`, 'maxIter');
  }
  const tol = o.tol === undefined ? 1e-3 : o.tol;
  if (typeof tol !== 'number' || !(tol >= 0) || !Number.isFinite(tol)) {
    throw new DiffoptError('domain', `${fn}: tol must be a finite number ≥ 0, got ${String(o.tol)}`, 'tol');
  }
  let z: Float64Array;
  let mz: number;
  if (o.init === undefined || o.init === 'euclidean-mean') {
    let length = o.length;
    if (length === undefined) {
      let s = 0;
      for (const l of ys.lens) s += l;
      length = Math.max(1, Math.round(s / ys.count));
    }
    if (typeof length !== 'number' || !Number.isInteger(length) || length < 1) {
      throw new DiffoptError('domain', `${fn}: length must be a positive integer, got ${String(o.length)}`, 'length');
    }
    mz = length;
    z = euclideanMean(ys, weights && weights.every((w) => w >= 0) && weights.some((w) => w > 0) ? weights : null, mz);
  } else {
    if (typeof o.init === 'string') {
      throw new DiffoptError('option', `${fn}: init must be 'euclidean-mean' or a series, got '${o.init}'`, 'init');
    }
    const f = series(fn, 'init', o.init, undefined, ys.dims);
    z = Float64Array.from(f.data instanceof Float64Array ? f.data : f.data.view);
    mz = f.length;
  }
  return guarded(fn, (ex) => {
    const [pys, pyl, pw, pz, pi] = scratch(ex).frame(fn, [ys.data.length * 8, ys.count * 4, weights ? ys.count * 8 : 0, z.length * 8, 32]);
    f64At(ex, pys, ys.data.length).set(ys.data);
    u32At(ex, pyl, ys.count).set(ys.lens);
    if (weights) f64At(ex, pw, ys.count).set(weights);
    f64At(ex, pz, z.length).set(z);
    const status = kernels<DtwKernels>(ex).dtw_barycenter(
      metric, cost, gamma, band, pys, pyl, ys.count, ys.dims, weights ? pw : 0, pz, mz, maxIter, tol, pi,
    );
    if (status !== 0) {
      throw statusError(fn, status, ['Ys', 'weights', 'gamma', 'band', 'init'], {
        ...HINTS,
        weights: 'weights must be ≥ 0, finite, and not all 0',
      });
    }
    const info = f64At(ex, pi, 4);
    return {
      barycenter: f64At(ex, pz, z.length).slice(),
      shape: [mz, ys.dims] as [number, number],
      value: info[0],
      iterations: info[1],
      evaluations: info[2],
      converged: info[3] === 1,
    };
  });
}
