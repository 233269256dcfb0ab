/**
 * Signatures of the Fenchel-Young kernels (crates/wasm/src/fy.rs) and the
 * helpers every fy module shares.
 * @module
 */
import { DiffoptError } from '../runtime/errors.js';
import type { Exports } from '../runtime/instance.js';
import { f64At } from '../runtime/memory.js';

/** Signatures of the fy kernels. Pointers are byte offsets; 0 = absent. */
export interface FyKernels {
  fy_map_forward(map: number, alpha: number, x: number, rows: number, n: number, out: number): number;
  fy_map_backward(map: number, alpha: number, p: number, v: number, rows: number, n: number, out: number): number;
  fy_entmax_dalpha(alpha: number, p: number, rows: number, n: number, out: number): number;
  fy_project(
    set: number, param: number, k: number, x: number, lower: number, lowerLen: number,
    upper: number, upperLen: number, rows: number, n: number, out: number,
  ): number;
  fy_project_backward(set: number, param: number, k: number, x: number, p: number, v: number, rows: number, n: number, out: number): number;
  fy_loss(
    map: number, alpha: number, theta: number, target: number, targetKind: number,
    rows: number, n: number, values: number, grad: number, pred: number,
  ): number;
  fy_multilabel(map: number, theta: number, target: number, rows: number, n: number, values: number, grad: number): number;
  fy_gfy(
    domain: number, reg: number, tol: number, maxIter: number, theta: number, pairwise: number, pairwiseLen: number,
    target: number, targetKind: number, rows: number, n: number, values: number, pred: number,
    gradU: number, gradP: number, stats: number,
  ): number;
}

/** A fresh copy of `len` f64 at `ptr` in wasm memory. */
export function copyF64(ex: Exports, ptr: number, len: number): Float64Array {
  const out = new Float64Array(len);
  if (len) out.set(f64At(ex, ptr, len));
  return out;
}

/**
 * A copy of a Float64Array. `new` + `set` is a memcpy; V8's
 * TypedArray.prototype.slice is several times slower on large arrays.
 */
export function cloneF64(a: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  out.set(a);
  return out;
}

/** What the kernels require of the entmax α (kernel status hints). */
export const ALPHA_HINT = 'it must be a finite number ≥ 1';

/** α of entmax: a finite number ≥ 1, else a `domain` error naming `alpha`. */
export function alphaOption(fn: string, value: unknown, fallback: number): number {
  const a = value === undefined ? fallback : value;
  if (typeof a !== 'number' || !Number.isFinite(a) || a < 1) {
    throw new DiffoptError('domain', `${fn}: alpha must be a finite number ≥ 1, got ${String(a)}`, 'alpha');
  }
  return a;
}
