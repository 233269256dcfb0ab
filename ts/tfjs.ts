/**
 * diffopt/tfjs — TensorFlow.js adapter. Every differentiable operator and
 * loss of diffopt, wrapped with `tf.customGrad` so gradients flow through
 * tfjs models: the forward pass runs diffopt's kernel on the tensor's data,
 * and the backward pass calls the same kernel's pullback (vjp), so
 * `tf.grad` through an adapted op equals the library's own vjp.
 *
 * The adapter never imports tfjs: pass your tf namespace
 * (`@tensorflow/tfjs`, `@tensorflow/tfjs-node`, or `@tensorflow/tfjs-core`
 * with a backend — the latter registers no gradients of its own ops until
 * `@tensorflow/tfjs-core/dist/register_all_gradients` is imported) to
 * {@link createTfOps}. It imports diffopt by its package name, so it shares
 * the instance (and the `init()`) of whichever diffopt entry your runtime
 * resolves.
 *
 * **Precision.** tfjs tensors are float32 by default. diffopt reads the
 * tensor's values, computes in float64 and rounds values and gradients to
 * float32 on the way back (a relative error of about 6e-8 per entry, on top of
 * the float32 rounding already in the inputs). Hard decisions made on
 * float32 inputs (ties of soft sort/rank, the support of sparsemax) are the
 * ones of the rounded values.
 *
 * **Cost.** Each call reads the input with `dataSync()` (a synchronous
 * download on GPU backends) and uploads the result: the kernels run on the
 * CPU in wasm, whatever the tfjs backend.
 * @module
 */
import {
  DiffoptError,
  softRank,
  softSort,
  isotonic,
  projectPermutahedron,
  spearman,
  softLeastTrimmedSquares,
  softmax,
  sparsemax,
  entmax,
  sigmoid,
  sparseSigmoid,
  projectSimplex,
  projectL1Ball,
  projectBox,
  projectSparseSimplex,
  fyLoss,
  multilabelLoss,
  softDtw,
  softDtwDivergence,
  sharpSoftDtw,
  sharpSoftDtwDivergence,
  meanCostDtw,
  meanCostDtwDivergence,
  softDtwEntropy,
  perturbed,
  perturbedFyLoss,
  type SoftSortOptions,
  type IsotonicOptions,
  type ProjectionOptions,
  type SpearmanOptions,
  type TrimmedSquaresOptions,
  type BatchOptions,
  type EntmaxOptions,
  type SimplexOptions,
  type L1BallOptions,
  type BoxOptions,
  type SparseSimplexOptions,
  type FyLossOptions,
  type MultilabelOptions,
  type SoftDtwOptions,
  type OracleSpec,
  type PerturbedOptions,
  type SeriesFunction,
} from './api.js';

// ------------------------------------------------------------------ types

/**
 * The part of a tfjs `Tensor` the adapter uses. Real tfjs tensors satisfy
 * it; the adapter's functions return the tensor type of the namespace you
 * pass.
 */
export interface TfTensor {
  readonly shape: number[];
  readonly dtype: string;
  readonly size: number;
  readonly rank: number;
  dataSync(): ArrayLike<number>;
}

/** The part of the tf namespace the adapter uses (`customGrad` and `tensor`). */
export interface TfNamespace<T extends TfTensor = TfTensor> {
  // Typed loosely on purpose: tfjs's own signatures are generic over its
  // Tensor classes, and a structural type this narrow keeps every tfjs
  // flavour (and version 3 or 4) assignable.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  customGrad(f: (...args: any[]) => { value: T; gradFunc: (dy: T, saved: T[]) => T | T[] }): (...args: T[]) => T;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  tensor(values: Float32Array, shape?: number[], dtype?: any): T;
}

/** Options of a wrapped vector operator: the operator's own, without `shape`/`out` (taken from the tensor). */
export type TensorOptions<O> = Omit<O, 'shape' | 'out'>;

/** A wrapped vector operator: a tensor of rank ≥ 1 in, a tensor of the same shape out (each row along the last axis). */
export type TfOp<T extends TfTensor, O> = (x: T, options?: TensorOptions<O>) => T;

/**
 * A wrapped loss: predictions of rank ≥ 1 (rows along the last axis) and a
 * target; a scalar tensor out, the mean over rows.
 */
export type TfLoss<T extends TfTensor, Target, O> = (pred: T, target: Target, options?: TensorOptions<O>) => T;

/**
 * A wrapped two-series function. X is [length] (univariate), [length, dims],
 * or a batch [batch, length, dims] paired row by row with Y (same batch and
 * dims, any length); the value is a scalar tensor, or a [batch] tensor for
 * batches.
 */
export type TfSeriesFn<T extends TfTensor> = (X: T, Y: T, options?: Omit<SoftDtwOptions, 'shape' | 'shapeY'>) => T;

/** A numeric target given as a tensor, a number array or a typed array. */
export type TfTarget<T extends TfTensor> = T | number | readonly number[] | ArrayLike<number>;

/** The wrapped operators returned by {@link createTfOps}. */
export interface TfOps<T extends TfTensor> {
  softRank: TfOp<T, SoftSortOptions>;
  softSort: TfOp<T, SoftSortOptions>;
  isotonic: TfOp<T, IsotonicOptions>;
  projectPermutahedron: TfOp<T, ProjectionOptions>;
  softmax: TfOp<T, BatchOptions>;
  sparsemax: TfOp<T, BatchOptions>;
  entmax: TfOp<T, EntmaxOptions>;
  sigmoid: TfOp<T, BatchOptions>;
  sparseSigmoid: TfOp<T, BatchOptions>;
  projectSimplex: TfOp<T, SimplexOptions>;
  projectL1Ball: TfOp<T, L1BallOptions>;
  projectBox: TfOp<T, BoxOptions>;
  projectSparseSimplex: TfOp<T, SparseSimplexOptions>;
  /** 1 − Spearman's ρ is the usual loss; this returns ρ itself (mean over rows), as `spearman` does. */
  spearman: TfLoss<T, TfTarget<T>, SpearmanOptions>;
  softLeastTrimmedSquares: TfLoss<T, TfTarget<T>, TrimmedSquaresOptions>;
  fyLoss: TfLoss<T, TfTarget<T>, FyLossOptions>;
  multilabelLoss: TfLoss<T, TfTarget<T>, MultilabelOptions>;
  softDtw: TfSeriesFn<T>;
  softDtwDivergence: TfSeriesFn<T>;
  sharpSoftDtw: TfSeriesFn<T>;
  sharpSoftDtwDivergence: TfSeriesFn<T>;
  meanCostDtw: TfSeriesFn<T>;
  meanCostDtwDivergence: TfSeriesFn<T>;
  softDtwEntropy: TfSeriesFn<T>;
  /** `perturbed(oracle, options)` as a tensor operator θ ↦ y_ε(θ) (rows along the last axis). */
  perturbed(oracle: OracleSpec, options?: Omit<PerturbedOptions, 'shape'>): (theta: T) => T;
  /** `perturbedFyLoss(oracle, options)` as a loss (θ, y) ↦ scalar tensor (mean over rows). */
  perturbedFyLoss(oracle: OracleSpec, options?: Omit<PerturbedOptions, 'shape'>): (theta: T, target: TfTarget<T>) => T;
}

// ------------------------------------------------------------------ helpers

const isTensor = (x: unknown): x is TfTensor =>
  typeof x === 'object' && x !== null && typeof (x as TfTensor).dataSync === 'function' && Array.isArray((x as TfTensor).shape);

function tensorArg(fn: string, name: string, x: unknown, minRank = 1, maxRank = Infinity): TfTensor {
  if (!isTensor(x)) throw new DiffoptError('type', `${fn}: ${name} must be a tf.Tensor`, name);
  if (x.rank < minRank || x.rank > maxRank) {
    const want = maxRank === Infinity ? `rank >= ${minRank}` : minRank === maxRank ? `rank ${minRank}` : `rank ${minRank} to ${maxRank}`;
    throw new DiffoptError('shape', `${fn}: ${name} must have ${want}, got shape [${x.shape.join(', ')}]`, name);
  }
  if (x.dtype === 'string' || x.dtype === 'complex64') {
    throw new DiffoptError('type', `${fn}: ${name} has dtype ${x.dtype}, expected a real numeric tensor`, name);
  }
  return x;
}

/** The tensor's values in float64 (float32 values are exact in float64). */
const f64 = (x: TfTensor): Float64Array => Float64Array.from(x.dataSync());

/** [rows, n] of a tensor whose rows lie along the last axis. */
function rowsOf(x: TfTensor): [number, number] {
  const n = x.shape[x.rank - 1];
  return [n === 0 ? 0 : x.size / n, n];
}

function rejectShape(fn: string, options: unknown, keys: readonly string[]): void {
  if (options && typeof options === 'object') {
    for (const key of keys) {
      if (key in options) {
        throw new DiffoptError('option', `${fn}: '${key}' is taken from the tensor's shape; do not pass it`, key);
      }
    }
  }
}

/** A target read into JS: tensors by value (int dtypes stay integer labels), arrays as given. */
function targetArg(fn: string, target: unknown): number | Float64Array | Int32Array | readonly number[] | ArrayLike<number> {
  if (isTensor(target)) {
    const data = target.dataSync();
    return target.dtype === 'int32' || target.dtype === 'bool' ? Int32Array.from(data) : Float64Array.from(data);
  }
  if (typeof target === 'number' || Array.isArray(target) || ArrayBuffer.isView(target)) {
    return target as number | readonly number[] | ArrayLike<number>;
  }
  throw new DiffoptError('type', `${fn}: target must be a tf.Tensor, a number or an array of numbers`, 'target');
}

/**
 * Float32 proportions rarely sum to 1 within the 1e-9 the float64 API asks
 * for; rows of a float target whose sum is within 1e-5 of 1 are rescaled in
 * float64 so that the rounding is not mistaken for a bad target.
 */
function renormalizeRows(t: Float64Array, n: number): Float64Array {
  if (n === 0 || t.length % n !== 0) return t;
  for (let r = 0; r < t.length; r += n) {
    let s = 0;
    for (let j = 0; j < n; j++) s += t[r + j];
    if (s !== 1 && Math.abs(s - 1) <= 1e-5) for (let j = 0; j < n; j++) t[r + j] /= s;
  }
  return t;
}

const scalarOf = (dy: TfTensor): number => dy.dataSync()[0];

// ------------------------------------------------------------------ factory

/**
 * Wraps diffopt's differentiable operators and losses as tfjs operations
 * with custom gradients (`tf.customGrad`), for the tf namespace you pass.
 * Call diffopt's `init()` (or `initSync()`) first, as for any operator.
 *
 * Shapes: vector operators and losses treat the last axis as one row and
 * every leading axis as a batch (`[rows, n]` is diffopt's `shape` option).
 * Losses return a scalar tensor, the mean over rows (as diffopt's `value`).
 * Series functions take `[length]`, `[length, dims]` or a batch
 * `[batch, length, dims]` (one value per pair). Targets are constants: no
 * gradient flows into them, except for `softLeastTrimmedSquares`, whose
 * target gets −∂/∂pred. Every output is float32 (see the module notes).
 *
 * Errors are diffopt's `DiffoptError`s (naming the argument), thrown from
 * the forward pass; a tensor of the wrong rank or a `shape` option (taken
 * from the tensor) is a `shape` / `option` error.
 *
 * @param tf The tfjs namespace, e.g. `import * as tf from '@tensorflow/tfjs'`.
 * @returns The wrapped operators ({@link TfOps}).
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { init } from 'diffopt';
 * import { createTfOps } from 'diffopt/tfjs';
 * await init();
 * const ops = createTfOps(tf);
 * const x = tf.tensor2d([[0.3, 0.2, 2], [1, 3, 2]]);
 * ops.softRank(x, { strength: 0.1 });                    // [[2, 1, 3], [1, 3, 2]]
 * const target = tf.tensor2d([[1, 2, 3], [3, 2, 1]]);
 * const loss = (p: tf.Tensor) => tf.sub(1, ops.spearman(p, target));   // ε = 1: smooth
 * tf.grad(loss)(x);    // ∂(1 − ρ)/∂x, float32: [[0.1375, -0.1375, 0], [-0.5, 0.25, 0.25]]
 * ```
 */
export function createTfOps<T extends TfTensor>(tf: TfNamespace<T>): TfOps<T> {
  if (!tf || typeof tf.customGrad !== 'function' || typeof tf.tensor !== 'function') {
    throw new DiffoptError('type', 'createTfOps: tf must be the tfjs namespace (with customGrad and tensor)', 'tf');
  }
  const out = (values: ArrayLike<number>, shape: number[]): T => tf.tensor(Float32Array.from(values), shape, 'float32');
  const scalar = (v: number): T => tf.tensor(Float32Array.of(v), [], 'float32');

  /** A vector operator with `.vjp(x, options) → [value, pullback]`. */
  type VjpOp = { vjp(x: Float64Array, options?: object): [Float64Array, (g: Float64Array) => Float64Array] };

  function op<O>(name: string, f: VjpOp): TfOp<T, O> {
    const wrapped = (x: T, options?: TensorOptions<O>): T => {
      tensorArg(name, 'x', x);
      rejectShape(name, options, ['shape', 'out']);
      const shape = x.shape.slice();
      const [rows, n] = rowsOf(x);
      const g = tf.customGrad((input: T) => {
        const [value, pullback] = f.vjp(f64(input), { ...(options as object), shape: [rows, n] });
        return {
          value: out(value, shape),
          gradFunc: (dy: T) => out(pullback(f64(dy)), shape),
        };
      });
      return g(x);
    };
    Object.defineProperty(wrapped, 'name', { value: name });
    return wrapped;
  }

  /** A loss: `(pred, target, options) → { value, grad }` with grad ∂value/∂pred. */
  type ValueGrad = (pred: Float64Array, target: never, options: object) => { value: number; grad: Float64Array };

  function loss<O>(name: string, valueAndGrad: ValueGrad, targetGrad: 'zero' | 'negative' | 'none', proportions = false): TfLoss<T, TfTarget<T>, O> {
    const wrapped = (pred: T, target: TfTarget<T>, options?: TensorOptions<O>): T => {
      tensorArg(name, 'pred', pred);
      rejectShape(name, options, ['shape']);
      const [rows, n] = rowsOf(pred);
      let t = targetArg(name, target);
      if (proportions && t instanceof Float64Array && t.length === pred.size) t = renormalizeRows(t, n);
      const predShape = pred.shape.slice();
      const compute = (p: T) => vag(f64(p), t as never, { ...(options as object), shape: [rows, n] });
      const vag = valueAndGrad;
      // Targets that are tensors join the tape when they have a gradient
      // (or a zero one, so that tf.grad w.r.t. them is defined).
      if (isTensor(target) && targetGrad !== 'none') {
        const targetShape = target.shape.slice();
        const g = tf.customGrad((p: T, _t: T) => {
          const r = compute(p);
          return {
            value: scalar(r.value),
            gradFunc: (dy: T) => {
              const s = scalarOf(dy);
              const gp = r.grad.map((v) => v * s);
              const gt = targetGrad === 'negative' ? gp.map((v) => -v) : new Float64Array(target.size);
              return [out(gp, predShape), out(gt, targetShape)];
            },
          };
        });
        return g(pred, target as T);
      }
      const g = tf.customGrad((p: T) => {
        const r = compute(p);
        return {
          value: scalar(r.value),
          gradFunc: (dy: T) => {
            const s = scalarOf(dy);
            return out(r.grad.map((v) => v * s), predShape);
          },
        };
      });
      return g(pred);
    };
    Object.defineProperty(wrapped, 'name', { value: name });
    return wrapped;
  }

  function series(name: string, f: SeriesFunction): TfSeriesFn<T> {
    const wrapped = (X: T, Y: T, options?: Omit<SoftDtwOptions, 'shape' | 'shapeY'>): T => {
      tensorArg(name, 'X', X, 1, 3);
      tensorArg(name, 'Y', Y, 1, 3);
      rejectShape(name, options, ['shape', 'shapeY']);
      if (X.rank !== Y.rank) {
        throw new DiffoptError('shape', `${name}: X and Y must have the same rank, got [${X.shape.join(', ')}] and [${Y.shape.join(', ')}]`, 'Y');
      }
      const batched = X.rank === 3;
      if (batched && X.shape[0] !== Y.shape[0]) {
        throw new DiffoptError('shape', `${name}: X and Y must have the same batch size, got ${X.shape[0]} and ${Y.shape[0]}`, 'Y');
      }
      // [length] is univariate; [length, dims] frames; [batch, length, dims] pairs.
      const frames = (s: number[]): [number, number] => (s.length === 1 ? [s[0], 1] : [s[s.length - 2], s[s.length - 1]]);
      const [m, dx] = frames(X.shape);
      const [n, dy] = frames(Y.shape);
      const batch = batched ? X.shape[0] : 1;
      const xShape = X.shape.slice();
      const yShape = Y.shape.slice();
      const g = tf.customGrad((xt: T, yt: T) => {
        const xs = f64(xt);
        const ys = f64(yt);
        const values = new Float64Array(batch);
        const pullbacks: ((g?: number) => [Float64Array, Float64Array])[] = [];
        for (let b = 0; b < batch; b++) {
          const [v, pb] = f.vjp(xs.subarray(b * m * dx, (b + 1) * m * dx), ys.subarray(b * n * dy, (b + 1) * n * dy), {
            ...options,
            shape: [m, dx],
            shapeY: [n, dy],
          });
          values[b] = v;
          pullbacks.push(pb);
        }
        return {
          value: batched ? out(values, [batch]) : scalar(values[0]),
          gradFunc: (cot: T) => {
            const c = cot.dataSync();
            const gx = new Float64Array(xs.length);
            const gy = new Float64Array(ys.length);
            for (let b = 0; b < batch; b++) {
              const [px, py] = pullbacks[b](c[b]);
              gx.set(px, b * m * dx);
              gy.set(py, b * n * dy);
            }
            return [out(gx, xShape), out(gy, yShape)];
          },
        };
      });
      return g(X, Y);
    };
    Object.defineProperty(wrapped, 'name', { value: name });
    return wrapped;
  }

  const ops: TfOps<T> = {
    softRank: op('softRank', softRank),
    softSort: op('softSort', softSort),
    isotonic: op('isotonic', isotonic),
    projectPermutahedron: op('projectPermutahedron', projectPermutahedron),
    softmax: op('softmax', softmax),
    sparsemax: op('sparsemax', sparsemax),
    entmax: op('entmax', entmax),
    sigmoid: op('sigmoid', sigmoid),
    sparseSigmoid: op('sparseSigmoid', sparseSigmoid),
    projectSimplex: op('projectSimplex', projectSimplex),
    projectL1Ball: op('projectL1Ball', projectL1Ball),
    projectBox: op('projectBox', projectBox),
    projectSparseSimplex: op('projectSparseSimplex', projectSparseSimplex),
    // Spearman's target enters through its hard ranks: piecewise constant, so its gradient is 0.
    spearman: loss('spearman', spearman.valueAndGrad as ValueGrad, 'zero'),
    // LTS depends on pred − target only.
    softLeastTrimmedSquares: loss('softLeastTrimmedSquares', softLeastTrimmedSquares.valueAndGrad as ValueGrad, 'negative'),
    fyLoss: loss('fyLoss', fyLoss.valueAndGrad as ValueGrad, 'none', true),
    multilabelLoss: loss('multilabelLoss', multilabelLoss.valueAndGrad as ValueGrad, 'none'),
    softDtw: series('softDtw', softDtw),
    softDtwDivergence: series('softDtwDivergence', softDtwDivergence),
    sharpSoftDtw: series('sharpSoftDtw', sharpSoftDtw),
    sharpSoftDtwDivergence: series('sharpSoftDtwDivergence', sharpSoftDtwDivergence),
    meanCostDtw: series('meanCostDtw', meanCostDtw),
    meanCostDtwDivergence: series('meanCostDtwDivergence', meanCostDtwDivergence),
    softDtwEntropy: series('softDtwEntropy', softDtwEntropy),
    perturbed(oracle, options) {
      rejectShape('perturbed', options, ['shape']);
      const p = perturbed(oracle, options);
      // op() passes { shape } as the per-call option, which is all a PerturbedFn accepts.
      return op<object>('perturbed', { vjp: (x, o) => p.vjp(x, o as { shape: [number, number] }) });
    },
    perturbedFyLoss(oracle, options) {
      rejectShape('perturbedFyLoss', options, ['shape']);
      const l = perturbedFyLoss(oracle, options);
      const f = loss<object>('perturbedFyLoss', ((p: Float64Array, t: Float64Array, o: { shape: [number, number] }) => l(p, t, o)) as unknown as ValueGrad, 'none');
      return (theta, target) => f(theta, target);
    },
  };
  return ops;
}
