/**
 * Coercion of time-series arguments for the soft-DTW family: `number[][]`
 * (frames × dims), `number[]` (univariate), a row-major `Float64Array`
 * (univariate, or frames × dims with a `shape` option) or `{ data, shape }`.
 * @module
 */
import { DiffoptError } from '../runtime/errors.js';
import { WasmArray } from '../runtime/memory.js';

/**
 * A time series of `length` frames with `dims` values each:
 * - `number[][]` (one array per frame, all of the same length),
 * - `number[]` or `Float64Array` (univariate, one value per frame; when the
 *   other series has `dims` > 1, a flat array is read as frames × dims),
 * - a row-major `Float64Array` / {@link WasmArray} with a `shape: [length, dims]`
 *   option, or `{ data, shape: [length, dims] }`.
 */
export type Series =
  | readonly (readonly number[] | Float64Array)[]
  | readonly number[]
  | Float64Array
  | WasmArray
  | { readonly data: Float64Array | readonly number[] | WasmArray; readonly shape: readonly [number, number] };

/** A series after coercion: row-major data plus its shape. */
export interface Frames {
  data: Float64Array | WasmArray;
  length: number;
  dims: number;
}

const isShape = (s: unknown): s is [number, number] =>
  Array.isArray(s) && s.length === 2 && s.every((v) => Number.isInteger(v) && v >= 0);

function shapeError(fn: string, name: string, message: string): DiffoptError {
  return new DiffoptError('shape', `${fn}: ${name} ${message}`, name);
}

function flatNumbers(fn: string, name: string, x: ArrayLike<unknown>): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (typeof v !== 'number') throw new DiffoptError('type', `${fn}: ${name}[${i}] is ${typeof v}, expected a number`, name);
    out[i] = v;
  }
  return out;
}

function withShape(fn: string, name: string, data: Float64Array | WasmArray, shape: unknown, dimsHint?: number): Frames {
  if (shape !== undefined) {
    if (!isShape(shape)) throw shapeError(fn, name, 'shape must be [length, dims] with non-negative integers');
    const [length, dims] = shape;
    if (length * dims !== data.length) {
      throw shapeError(fn, name, `has ${data.length} values but its shape [${length}, ${dims}] needs ${length * dims}`);
    }
    return { data, length, dims };
  }
  const dims = dimsHint ?? 1;
  if (data.length % dims !== 0) {
    throw shapeError(fn, name, `has ${data.length} values, not a multiple of the ${dims} dimensions of the other series; pass its shape`);
  }
  return { data, length: data.length / dims, dims };
}

/**
 * Coerces a series argument named `name`. `shape` is the caller's shape
 * option for it; `dimsHint` the other series' dims (used to infer the
 * shape of a flat array). Empty series and ragged frames are `shape` errors.
 */
export function series(fn: string, name: string, value: unknown, shape?: unknown, dimsHint?: number): Frames {
  let f: Frames;
  if (value instanceof Float64Array || value instanceof WasmArray) {
    f = withShape(fn, name, value, shape, dimsHint);
  } else if (Array.isArray(value)) {
    if (value.length === 0) throw shapeError(fn, name, 'is empty (a series needs at least one frame)');
    if (typeof value[0] === 'number') {
      f = withShape(fn, name, flatNumbers(fn, name, value), shape, dimsHint);
    } else {
      const rows = value as readonly ArrayLike<unknown>[];
      const first = rows[0];
      if (first === null || typeof first !== 'object' || typeof first.length !== 'number') {
        throw new DiffoptError('type', `${fn}: ${name} must be a number[][], a number[], a Float64Array or { data, shape }`, name);
      }
      const dims = first.length;
      if (dims === 0) throw shapeError(fn, name, 'has frames with no values');
      const data = new Float64Array(rows.length * dims);
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i];
        if (row === null || typeof row !== 'object' || row.length !== dims) {
          throw shapeError(fn, name, `frame ${i} has ${row?.length ?? 'no'} values, frame 0 has ${dims}`);
        }
        for (let l = 0; l < dims; l++) {
          const v = row[l];
          if (typeof v !== 'number') throw new DiffoptError('type', `${fn}: ${name}[${i}][${l}] is ${typeof v}, expected a number`, name);
          data[i * dims + l] = v;
        }
      }
      f = { data, length: rows.length, dims };
      if (shape !== undefined && (!isShape(shape) || shape[0] !== f.length || shape[1] !== dims)) {
        throw shapeError(fn, name, `has ${f.length} frames of ${dims} values, not the shape ${JSON.stringify(shape)} given`);
      }
    }
  } else if (value !== null && typeof value === 'object' && 'data' in value && 'shape' in value) {
    const v = value as { data: unknown; shape: unknown };
    const data = v.data instanceof Float64Array || v.data instanceof WasmArray
      ? v.data
      : Array.isArray(v.data) ? flatNumbers(fn, name, v.data) : null;
    if (!data) throw new DiffoptError('type', `${fn}: ${name}.data must be a Float64Array, a number[] or a WasmArray`, name);
    f = withShape(fn, name, data, v.shape);
  } else if (ArrayBuffer.isView(value) && !(value instanceof DataView) && !(value instanceof BigInt64Array) && !(value instanceof BigUint64Array)) {
    f = withShape(fn, name, Float64Array.from(value as unknown as ArrayLike<number>), shape, dimsHint);
  } else {
    throw new DiffoptError('type', `${fn}: ${name} must be a number[][], a number[], a Float64Array or { data, shape }`, name);
  }
  if (f.length === 0) throw shapeError(fn, name, 'is empty (a series needs at least one frame)');
  if (f.dims === 0) throw shapeError(fn, name, 'has frames with no values');
  if (dimsHint !== undefined && f.dims !== dimsHint) {
    throw shapeError(fn, name, `has ${f.dims} values per frame but the other series has ${dimsHint}`);
  }
  return f;
}

/** A cost matrix argument (`number[][]` rows, or flat with `shape: [m, n]`). */
export function matrix(fn: string, name: string, value: unknown, shape?: unknown): Frames {
  if ((value instanceof Float64Array || value instanceof WasmArray || (Array.isArray(value) && typeof value[0] === 'number')) && shape === undefined) {
    throw shapeError(fn, name, 'is flat: pass shape: [m, n] (or a number[][])');
  }
  try {
    return series(fn, name, value, shape);
  } catch (e) {
    if (e instanceof DiffoptError && e.code === 'shape' && /empty|no values/.test(e.message)) {
      throw shapeError(fn, name, 'is empty (the cost matrix needs at least one row and one column)');
    }
    throw e;
  }
}
