/**
 * Argument checking shared by every operator: array coercion, batch shapes,
 * option objects and scalar domains. Checks that need a pass over the data
 * (NaN/Inf) run inside the kernels, which report the offending argument.
 * @module
 */
import { DiffoptError } from './errors.js';
import { WasmArray } from './memory.js';

/** A vector argument: a Float64Array, a plain number array, or a WasmArray. */
export type Vector = Float64Array | readonly number[] | WasmArray;

/** A vector after coercion: data in JS memory, or already in wasm memory. */
export type Coerced = Float64Array | WasmArray;

/** Coerces a vector argument, or throws a `type` error naming it. */
export function vector(fn: string, name: string, x: unknown): Coerced {
  if (x instanceof Float64Array || x instanceof WasmArray) return x;
  if (Array.isArray(x)) {
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (typeof v !== 'number') {
        throw new DiffoptError('type', `${fn}: ${name}[${i}] is ${typeof v}, expected a number`, name);
      }
      out[i] = v;
    }
    return out;
  }
  if (ArrayBuffer.isView(x) && !(x instanceof DataView) && typeof (x as unknown as ArrayLike<number>).length === 'number' && !(x instanceof BigInt64Array) && !(x instanceof BigUint64Array)) {
    return Float64Array.from(x as unknown as ArrayLike<number>);
  }
  throw new DiffoptError('type', `${fn}: ${name} must be a Float64Array, a number[] or a WasmArray`, name);
}

/**
 * The [rows, n] batch shape of a vector of `length` elements: `shape` when
 * given (it must match), else one row.
 */
export function batchShape(fn: string, shape: unknown, length: number, name = 'x'): [number, number] {
  if (shape === undefined) return [length === 0 ? 1 : 1, length];
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new DiffoptError('shape', `${fn}: shape must be [rows, n] with non-negative integers`, 'shape');
  }
  const [rows, n] = shape as [number, number];
  if (rows * n !== length) {
    throw new DiffoptError('shape', `${fn}: shape [${rows}, ${n}] needs ${rows * n} elements but ${name} has ${length}`, name);
  }
  return [rows, n];
}

/** Throws an `option` error for keys not in `allowed` (catches typos). */
export function knownOptions(fn: string, opts: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (opts === undefined || opts === null) return {};
  if (typeof opts !== 'object') {
    throw new DiffoptError('type', `${fn}: options must be an object`, 'options');
  }
  for (const key of Object.keys(opts)) {
    if (!allowed.includes(key)) {
      throw new DiffoptError('option', `${fn}: unknown option '${key}'; allowed: ${allowed.join(', ')}`, key);
    }
  }
  return opts as Record<string, unknown>;
}

/** An enum-like option: its index among `allowed`, or an error listing them. */
export function choice<T extends string>(fn: string, name: string, value: unknown, allowed: readonly T[], fallback: T): number {
  const v = value === undefined ? fallback : value;
  const i = allowed.indexOf(v as T);
  if (i < 0) {
    throw new DiffoptError('option', `${fn}: ${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(v)}`, name);
  }
  return i;
}

/** A strictly positive finite number (default `fallback`). */
export function positive(fn: string, name: string, value: unknown, fallback: number): number {
  const v = value === undefined ? fallback : value;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new DiffoptError('domain', `${fn}: ${name} must be a finite number > 0, got ${String(v)}`, name);
  }
  return v;
}

/** A length check between two arguments. */
export function sameLength(fn: string, name: string, got: number, want: number): void {
  if (got !== want) {
    throw new DiffoptError('shape', `${fn}: ${name} has ${got} elements, expected ${want}`, name);
  }
}
