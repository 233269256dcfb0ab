/**
 * Moving vectors in and out of the per-call scratch frame.
 * @module
 */
import { DiffoptError } from './errors.js';
import type { Exports } from './instance.js';
import type { Coerced } from './input.js';
import { f64At, WasmArray } from './memory.js';

/** Bytes a coerced vector needs in the frame (none if already in wasm). */
export function slotBytes(v: Coerced | null): number {
  return v === null || v instanceof WasmArray ? 0 : v.length * 8;
}

/** Copies `v` into its frame slot, or returns its own address if in wasm. */
export function place(ex: Exports, fn: string, slot: number, v: Coerced | null): number {
  if (v === null) return 0;
  if (v instanceof WasmArray) return v.pointer(fn);
  if (v.length) f64At(ex, slot, v.length).set(v);
  return slot;
}

/** Where results go: the caller's `out`, or a fresh Float64Array. */
export type Out = Float64Array | WasmArray | undefined;

/** Checks a caller-supplied `out` and that it does not alias an input. */
export function checkOut(fn: string, out: unknown, length: number, inputs: readonly (Coerced | null)[]): Out {
  if (out === undefined) return undefined;
  if (!(out instanceof Float64Array || out instanceof WasmArray)) {
    throw new DiffoptError('type', `${fn}: out must be a Float64Array or a WasmArray`, 'out');
  }
  if (out.length !== length) {
    throw new DiffoptError('shape', `${fn}: out has ${out.length} elements, expected ${length}`, 'out');
  }
  if (out instanceof WasmArray && inputs.includes(out)) {
    throw new DiffoptError('option', `${fn}: out must not be one of the inputs`, 'out');
  }
  return out;
}

/** Bytes the result needs in the frame (none when `out` is a WasmArray). */
export function outBytes(out: Out, length: number): number {
  return out instanceof WasmArray ? 0 : length * 8;
}

/** Address to write results to. */
export function outPointer(fn: string, out: Out, slot: number): number {
  return out instanceof WasmArray ? out.pointer(fn) : slot;
}

/** Copies results out of wasm into `out` or a fresh array. */
export function collect(ex: Exports, out: Out, ptr: number, length: number): Float64Array {
  if (out instanceof WasmArray) return out.view;
  const view = f64At(ex, ptr, length);
  if (out) {
    out.set(view);
    return out;
  }
  return view.slice();
}
