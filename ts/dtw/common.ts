/**
 * Shared pieces of the soft-DTW family: kernel signatures
 * (crates/wasm/src/dtw.rs), option parsing and error hints.
 * @module
 */
import { DiffoptError } from '../runtime/errors.js';
import { choice, knownOptions, positive } from '../runtime/input.js';

/** Cost between frames: ‖x−y‖² (`'sqeuclidean'`, default) or ½‖x−y‖². */
export type DtwCost = 'sqeuclidean' | 'half-sqeuclidean';

export const COSTS: readonly DtwCost[] = ['sqeuclidean', 'half-sqeuclidean'];

/** Options of the soft-DTW operators on two series. */
export interface SoftDtwOptions {
  /** Smoothing γ > 0 (default 1). γ → 0 gives DTW. Ignored by the γ-free mean cost. */
  gamma?: number;
  /** `'sqeuclidean'` ‖x−y‖² (default; tslearn's convention) or `'half-sqeuclidean'` ½‖x−y‖². */
  cost?: DtwCost;
  /**
   * Sakoe-Chiba radius: only cells within `band` of the straight line from
   * the first to the last frame pair are used, measured along the longer
   * series (for equal lengths: |i − j| ≤ band). Default: no band.
   */
  band?: number;
  /** `[length, dims]` of X when it is a flat row-major array. */
  shape?: readonly [number, number];
  /** `[length, dims]` of Y when it is a flat row-major array (default: inferred from X's dims). */
  shapeY?: readonly [number, number];
}

/** Signatures of the soft-DTW kernels. */
export interface DtwKernels {
  dtw_pair(
    op: number, cost: number, gamma: number, band: number,
    x: number, m: number, y: number, n: number, d: number,
    value: number, gx: number, gy: number, align: number,
  ): number;
  dtw_cost(
    op: number, gamma: number, band: number, c: number, m: number, n: number,
    z: number, value: number, grad: number, jvp: number, hvp: number,
  ): number;
  dtw_pairwise(
    metric: number, cost: number, gamma: number, band: number,
    xs: number, xlens: number, nx: number, ys: number, ylens: number, ny: number, d: number,
    out: number,
  ): number;
  dtw_barycenter(
    metric: number, cost: number, gamma: number, band: number,
    ys: number, ylens: number, ny: number, d: number, weights: number,
    z: number, mz: number, maxIter: number, tol: number, info: number,
  ): number;
}

/** What the kernels' domain errors mean, per argument. */
export const HINTS: Record<string, string> = {
  gamma: 'it must be a finite number > 0, large enough that cost/γ stays finite',
  band: 'it must be a non-negative integer wide enough that an alignment path exists: ' +
    'about ((longer − 1)/(shorter − 1) − 1)/2 or more',
  out: 'this operator has no gradient',
};

/** Parsed common options. */
export interface Parsed {
  gamma: number;
  cost: number;
  band: number;
}

/** γ, cost and band; `gammaUsed` = false skips the γ check (mean cost). */
export function parseCommon(fn: string, o: Record<string, unknown>, gammaUsed = true): Parsed {
  const gamma = gammaUsed ? positive(fn, 'gamma', o.gamma, 1) : (typeof o.gamma === 'number' ? o.gamma : 1);
  const cost = choice(fn, 'cost', o.cost, COSTS, 'sqeuclidean');
  return { gamma, cost, band: parseBand(fn, o.band) };
}

/** The band as the ABI wants it: −1 for none. */
export function parseBand(fn: string, band: unknown): number {
  if (band === undefined) return -1;
  if (typeof band !== 'number' || !Number.isInteger(band) || band < 0) {
    throw new DiffoptError('domain', `${fn}: band must be a non-negative integer, got ${String(band)}`, 'band');
  }
  return Math.min(band, 0x7fffffff);
}

export const PAIR_KEYS = ['gamma', 'cost', 'band', 'shape', 'shapeY'] as const;

export function options(fn: string, opts: unknown, extra?: readonly string[]): Record<string, unknown> {
  return knownOptions(fn, opts, extra ? [...PAIR_KEYS, ...extra] : PAIR_KEYS);
}
