/**
 * Messages between the pool (main thread) and its workers, and the row
 * splits. Everything here must survive structured cloning: typed arrays,
 * plain objects, strings and the `WebAssembly.Module`.
 * @module
 */
import type { PerturbedEstimate, PerturbedOptions } from '../perturb.js';
import type { PairwiseOptions } from '../dtw/batch.js';
import type { SoftSortOptions } from '../sort.js';
import type { SessionPart, SessionSpec } from '../lasso/session.js';

/** Main → worker, once: the compiled module to instantiate. */
export interface InitMessage {
  type: 'init';
  module: WebAssembly.Module;
}

/** One slice of a batch (`rows` rows of length `n`). */
export interface SortTask {
  op: 'softRank' | 'softSort';
  x: Float64Array;
  rows: number;
  n: number;
  options: Omit<SoftSortOptions, 'shape' | 'out'>;
}

/**
 * A slice of Xs (packed series) against Ys. `symmetric` marks a slice
 * Xs[a0…a1) of a symmetric matrix whose Ys are Xs[a0…]: only entries with
 * column ≥ row (in slice coordinates) are computed, the rest stay 0.
 */
export interface PairwiseTask {
  op: 'softDtwPairwise';
  xData: Float64Array;
  xLens: Uint32Array;
  yData: Float64Array;
  yLens: Uint32Array;
  dims: number;
  symmetric: boolean;
  options: Omit<PairwiseOptions, 'dims'>;
}

/** Rows `rowOffset …` of a perturbed batch (built-in oracles only). */
export interface PerturbTask {
  op: 'perturbed';
  oracle: 'argmax' | 'ranking' | { kind: 'top-k'; k: number } | { kind: 'shortest-path'; rows: number; cols: number };
  options: Omit<PerturbedOptions, 'shape'>;
  theta: Float64Array;
  rows: number;
  n: number;
  rowOffset: number;
}

/**
 * A Lasso-type problem held by a worker between tasks, under `key`: `open`
 * builds its session for `part` (a run of folds of a K-fold criterion, or
 * the whole problem) and answers [λ_max, m, p, splits]; `eval` evaluates
 * every split at h and answers, split after split, the 7 evaluation
 * numbers, the undivided hypergradient (m) when `grad`, then β (p);
 * `refit` answers the 5 fit numbers then β; `close` frees it.
 */
export type LassoTask =
  | { op: 'lasso-open'; key: number; fn: string; spec: SessionSpec; names: string[]; part: SessionPart }
  | { op: 'lasso-eval'; key: number; fn: string; h: Float64Array; grad: boolean }
  | { op: 'lasso-refit'; key: number; fn: string; h: Float64Array }
  | { op: 'lasso-close'; key: number };

export type Task = SortTask | PairwiseTask | PerturbTask | LassoTask;

export interface TaskMessage {
  type: 'task';
  id: number;
  task: Task;
}

/** A DiffoptError (or any error) flattened for cloning. */
export interface ErrorData {
  name: string;
  message: string;
  code?: string;
  argument?: string;
}

export type Reply =
  | { type: 'ready' }
  | { type: 'init-error'; error: ErrorData }
  | { type: 'result'; id: number; result: Float64Array | PerturbedEstimate }
  | { type: 'error'; id: number; error: ErrorData };

/**
 * Splits `rows` into at most `parts` contiguous ranges of nearly equal total
 * `weight` (row r costs weight(r)); empty ranges are dropped. Returns range
 * starts, with `rows` appended.
 */
export function splitRows(rows: number, parts: number, weight: (row: number) => number = () => 1): number[] {
  const k = Math.max(1, Math.min(parts, rows));
  let total = 0;
  for (let r = 0; r < rows; r++) total += weight(r);
  const bounds = [0];
  let acc = 0;
  for (let r = 0; r < rows && bounds.length < k; r++) {
    acc += weight(r);
    // Close a range once it holds its share of the work.
    if (acc >= (total * bounds.length) / k && r + 1 < rows) bounds.push(r + 1);
  }
  bounds.push(rows);
  return bounds.filter((b, i) => i === 0 || b > bounds[i - 1]);
}

/**
 * Awaits every job, then rethrows the error of the first failing job in
 * order (the rows, or folds, a single call would have reached first).
 */
export async function gather<T>(jobs: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(jobs);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}
