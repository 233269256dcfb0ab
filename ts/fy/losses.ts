/**
 * Fenchel-Young losses (Blondel, Martins & Niculae, JMLR 2020): the true
 * loss L_Ω(θ; y) = Ω*(θ) + Ω(y) − ⟨θ, y⟩ ≥ 0, zero iff ŷ_Ω(θ) = y, with
 * gradient ŷ_Ω(θ) − y. Kernels: crates/core/src/fy/losses.rs.
 * @module
 */
import { place, slotBytes } from '../runtime/call.js';
import { DiffoptError, statusError } from '../runtime/errors.js';
import { guarded, kernels } from '../runtime/instance.js';
import { batchShape, choice, knownOptions, sameLength, vector, type Coerced, type Vector } from '../runtime/input.js';
import { scratch } from '../runtime/memory.js';
import { ALPHA_HINT, alphaOption, copyF64, type FyKernels } from './kernels.js';

/** The regularizer of a multiclass FY loss, named by its prediction map. */
export type FyMap = 'softmax' | 'sparsemax' | 'entmax' | 'perceptron';
const FY_MAPS: readonly FyMap[] = ['softmax', 'sparsemax', 'entmax', 'perceptron'];

/** Options of {@link fyLoss}. */
export interface FyLossOptions {
  /**
   * `'softmax'` (logistic loss, default), `'sparsemax'`, `'entmax'`
   * (Tsallis α) or `'perceptron'` (Ω = 0: max θ − ⟨θ, y⟩, subgradient).
   */
  map?: FyMap;
  /** α ≥ 1 of `'entmax'` (default 1.5). */
  alpha?: number;
  /** `[rows, n]`: one loss per row; `value` is their mean. */
  shape?: readonly [number, number];
}

/** A loss value with its gradient and the prediction ŷ. */
export interface FyValueAndGrad {
  /** The value (the mean over rows for a batch). */
  value: number;
  /** One value per row. */
  values: Float64Array;
  /** ∂value/∂θ, same layout as θ (ŷ − y, divided by rows for a batch). */
  grad: Float64Array;
  /** ŷ_Ω(θ), same layout as θ. */
  prediction: Float64Array;
}

/** A loss of (θ, target) with `valueAndGrad`. */
export interface FyLossFn<T, O> {
  (theta: Vector, target: T, options?: O): number;
  valueAndGrad(theta: Vector, target: T, options?: O): FyValueAndGrad;
}

/**
 * A multiclass target: a class index (one row), or per row either a class
 * index (a vector of `rows` labels, or any Int32Array/Uint32Array/…) or
 * proportions (a vector of rows·n entries ≥ 0, each row summing to 1
 * within 1e−9). A vector of rows·n entries is read as proportions.
 */
export type Target = number | Vector | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

const TARGET_HINTS = {
  target: 'labels must be integers in [0, n); proportions must be ≥ 0 and each row must sum to 1 within 1e-9',
  alpha: ALPHA_HINT,
};

/** The target as (values, kind): kind 0 = labels, 1 = proportions. */
function readTarget(fn: string, target: unknown, rows: number, n: number): [Coerced, number] {
  if (typeof target === 'number') {
    if (rows !== 1) {
      throw new DiffoptError('shape', `${fn}: a single class index needs one row, got ${rows}; pass one label per row`, 'target');
    }
    return [Float64Array.of(target), 0];
  }
  const intArray = target instanceof Int32Array || target instanceof Uint32Array || target instanceof Int16Array
    || target instanceof Uint16Array || target instanceof Int8Array || target instanceof Uint8Array;
  const t = vector(fn, 'target', target);
  // With one class, a label can only be 0 and a proportion only 1: the
  // values tell which was meant.
  const allZero = n === 1 && (t instanceof Float64Array ? t : t.view).every((v) => v === 0);
  if (!intArray && t.length === rows * n && !allZero) return [t, 1];
  if (t.length === rows) return [t, 0];
  throw new DiffoptError(
    'shape',
    `${fn}: target has ${t.length} entries, expected ${rows} class indices or ${rows * n} proportions`,
    'target',
  );
}

function meanAndScale(values: Float64Array, grad: Float64Array | null): number {
  const rows = values.length;
  let value = 0;
  for (const v of values) value += v;
  if (rows > 1 && grad) for (let i = 0; i < grad.length; i++) grad[i] /= rows;
  return rows ? value / rows : 0;
}

function fyCall(fn: string, theta: Vector, target: Target, options: unknown, withGrad: boolean): FyValueAndGrad {
  const o = knownOptions(fn, options, ['map', 'alpha', 'shape']);
  const map = choice(fn, 'map', o.map, FY_MAPS, 'softmax');
  const alpha = FY_MAPS[map] === 'entmax' ? alphaOption(fn, o.alpha, 1.5) : 1;
  if (o.alpha !== undefined && FY_MAPS[map] !== 'entmax') {
    throw new DiffoptError('option', `${fn}: alpha applies to map 'entmax' only`, 'alpha');
  }
  const th = vector(fn, 'theta', theta);
  const [rows, n] = batchShape(fn, o.shape, th.length, 'theta');
  if (n === 0 && rows > 0) throw new DiffoptError('shape', `${fn}: needs at least 1 class per row`, 'theta');
  const [tg, kind] = readTarget(fn, target, rows, n);
  const total = rows * n;
  return guarded(fn, (ex) => {
    const [st, sy, sv, sg, sp] = scratch(ex).frame(fn, [slotBytes(th), slotBytes(tg), rows * 8, withGrad ? total * 8 : 0, withGrad ? total * 8 : 0]);
    const pt = place(ex, fn, st, th);
    const py = place(ex, fn, sy, tg);
    const status = kernels<FyKernels>(ex).fy_loss(map, alpha, pt, py, kind, rows, n, sv, sg, sp);
    if (status !== 0) throw statusError(fn, status, ['theta', 'target', 'values', 'grad', 'prediction', 'alpha'], TARGET_HINTS);
    const values = copyF64(ex, sv, rows);
    const grad = withGrad ? copyF64(ex, sg, total) : new Float64Array(0);
    const prediction = withGrad ? copyF64(ex, sp, total) : new Float64Array(0);
    return { value: meanAndScale(values, withGrad ? grad : null), values, grad, prediction };
  });
}

/**
 * The Fenchel-Young loss of a multiclass prediction map:
 * L(θ; y) = Ω*(θ) + Ω(y) − ⟨θ, y⟩ ≥ 0 (the true value, zero iff the
 * prediction equals y), gradient ŷ(θ) − y. `'softmax'` is the logistic
 * (cross-entropy) loss, `'sparsemax'` the sparsemax loss, `'entmax'` the
 * Tsallis-α loss, `'perceptron'` max θ − ⟨θ, y⟩. `target` is a class index
 * or proportions; for a batch, the value is the mean over rows.
 *
 * @example
 * ```ts
 * import { init, fyLoss } from 'diffopt';
 * await init();
 * fyLoss([-2.5, 1.2, 0.5], 0);                        // 4.1196 (= cross-entropy)
 * fyLoss([-2.5, 1.2, 0.5], 0, { map: 'sparsemax' });  // 3.7225
 * const { value, grad } = fyLoss.valueAndGrad([-2.5, 1.2, 0.5, 2.2, 0.8, -1.5], [0, 2],
 *   { map: 'entmax', alpha: 1.5, shape: [2, 3] });   // mean over 2 rows
 * fyLoss([2.2, 0.8, -1.5], [0.1, 0.2, 0.7]);          // label proportions
 * ```
 */
export const fyLoss: FyLossFn<Target, FyLossOptions> = Object.assign(
  (theta: Vector, target: Target, options?: FyLossOptions) => fyCall('fyLoss', theta, target, options, false).value,
  { valueAndGrad: (theta: Vector, target: Target, options?: FyLossOptions) => fyCall('fyLoss.valueAndGrad', theta, target, options, true) },
);

/** The binary losses applied to each label of a multilabel target. */
export type MultilabelMap = 'sigmoid' | 'sparseSigmoid';
const ML_MAPS: readonly MultilabelMap[] = ['sigmoid', 'sparseSigmoid'];

/** Options of {@link multilabelLoss}. */
export interface MultilabelOptions {
  /**
   * `'sigmoid'` (one-vs-all logistic, default) or `'sparseSigmoid'`
   * (binary sparsemax: sparse_plus loss, sparse sigmoid prediction).
   */
  map?: MultilabelMap;
  /** `[rows, n]`: one loss per row (summed over its n labels); `value` is their mean. */
  shape?: readonly [number, number];
}

function mlCall(fn: string, theta: Vector, target: Vector, options: unknown, withGrad: boolean): FyValueAndGrad {
  const o = knownOptions(fn, options, ['map', 'shape']);
  const map = choice(fn, 'map', o.map, ML_MAPS, 'sigmoid');
  const th = vector(fn, 'theta', theta);
  const tg = vector(fn, 'target', target);
  const [rows, n] = batchShape(fn, o.shape, th.length, 'theta');
  sameLength(fn, 'target', tg.length, th.length);
  const total = rows * n;
  return guarded(fn, (ex) => {
    const [st, sy, sv, sg] = scratch(ex).frame(fn, [slotBytes(th), slotBytes(tg), rows * 8, withGrad ? total * 8 : 0]);
    const pt = place(ex, fn, st, th);
    const py = place(ex, fn, sy, tg);
    const status = kernels<FyKernels>(ex).fy_multilabel(map, pt, py, rows, n, sv, sg);
    if (status !== 0) throw statusError(fn, status, ['theta', 'target', 'values', 'grad'], { target: 'entries must lie in [0, 1]' });
    const values = copyF64(ex, sv, rows);
    const grad = withGrad ? copyF64(ex, sg, total) : new Float64Array(0);
    const prediction = new Float64Array(grad.length);
    if (withGrad) {
      // ŷ = grad + y (before the batch scaling).
      const y = tg instanceof Float64Array ? tg : tg.view;
      for (let i = 0; i < total; i++) prediction[i] = grad[i] + y[i];
    }
    return { value: meanAndScale(values, withGrad ? grad : null), values, grad, prediction };
  });
}

/**
 * Multilabel (one-vs-all) Fenchel-Young losses: each of the n labels of a
 * row is a binary problem with target y ∈ [0, 1] (soft labels allowed), and
 * the row's loss is the sum. `'sigmoid'`: softplus(θ) − θy + y ln y +
 * (1−y) ln(1−y) (binary cross-entropy), prediction σ(θ). `'sparseSigmoid'`:
 * sparse_plus(θ) − θy + y² − y, prediction clip((θ + 1)/2, 0, 1), exactly
 * zero loss once a label is predicted with margin.
 *
 * @example
 * ```ts
 * import { init, multilabelLoss } from 'diffopt';
 * await init();
 * multilabelLoss([2, -1, 0.3], [1, 0, 1]);                           // Σ binary cross-entropies
 * multilabelLoss([2, -1, 0.3], [1, 0, 1], { map: 'sparseSigmoid' }); // 0.1225: only label 2 is unsure
 * ```
 */
export const multilabelLoss: FyLossFn<Vector, MultilabelOptions> = Object.assign(
  (theta: Vector, target: Vector, options?: MultilabelOptions) => mlCall('multilabelLoss', theta, target, options, false).value,
  { valueAndGrad: (theta: Vector, target: Vector, options?: MultilabelOptions) => mlCall('multilabelLoss.valueAndGrad', theta, target, options, true) },
);
