/**
 * The differentiable operators of the Fenchel-Young family: prediction maps
 * (softmax, sparsemax, entmax, sigmoid, sparse sigmoid) and projections
 * (simplex, ℓ1 ball, box, k-sparse simplex). Kernels:
 * crates/core/src/fy/{maps,projections}.rs.
 *
 * Every Jacobian here is symmetric, so `vjp` and `jvp` run the same kernel,
 * which needs only the forward output (and, for projections, the input):
 * the tape is those vectors, O(n) per row.
 * @module
 */
import { checkOut, collect, outBytes, outPointer, place, slotBytes, type Out } from '../runtime/call.js';
import { DiffoptError, statusError } from '../runtime/errors.js';
import { guarded, kernels, type Exports } from '../runtime/instance.js';
import { batchShape, knownOptions, positive, sameLength, vector, type Coerced, type Vector } from '../runtime/input.js';
import { scratch, WasmArray } from '../runtime/memory.js';
import { ALPHA_HINT, alphaOption, cloneF64, copyF64, type FyKernels } from './kernels.js';

/** Where a result may be written: a Float64Array or a {@link WasmArray}. */
export type OutArray = Float64Array | WasmArray;

/** Options of the pullback and of the jvp's tangent output. */
export interface PullbackOptions {
  /** Where to write the input cotangent (same length as the input). */
  out?: OutArray;
}

/** The pullback of a vjp: maps an output cotangent g to gᵀJ. */
export type Pullback = (cotangent: Vector, options?: PullbackOptions) => Float64Array;

/**
 * A differentiable operator x ↦ y with its vjp and jvp. With `out` a
 * {@link WasmArray}, nothing is copied: the value is written there and the
 * pullback reads it back from there (keep it unchanged until the last
 * pullback call); with Float64Array inputs the tape is a private copy.
 */
export interface FyOp<O> {
  (x: Vector, options?: O): Float64Array;
  /** The value and its pullback g ↦ gᵀJ (O(n) per row, callable many times). */
  vjp(x: Vector, options?: O): [Float64Array, Pullback];
  /**
   * The value and J·tangent. `options.tangentOut` receives J·tangent (the
   * value goes to `options.out`).
   */
  jvp(x: Vector, tangent: Vector, options?: O & { tangentOut?: OutArray }): [Float64Array, Float64Array];
}

/** Options shared by every operator. */
export interface BatchOptions {
  /** `[rows, n]` to treat the input as a row-major batch (one wasm call). */
  shape?: readonly [number, number];
  /** Where to write the result (same length as the input). */
  out?: OutArray;
}

/** Options of {@link entmax}. */
export interface EntmaxOptions extends BatchOptions {
  /**
   * α ≥ 1 (default 1.5): 1 is softmax, 2 sparsemax; 1.5 uses the exact
   * sort-based threshold, other values a bisection to machine precision.
   */
  alpha?: number;
}

/** Options of {@link projectSimplex}. */
export interface SimplexOptions extends BatchOptions {
  /** The simplex {p ≥ 0, Σp = scale}; scale > 0, default 1. */
  scale?: number;
}

/** Options of {@link projectL1Ball}. */
export interface L1BallOptions extends BatchOptions {
  /** The ball {‖p‖₁ ≤ radius}; radius > 0, default 1. */
  radius?: number;
}

/** Options of {@link projectBox}. */
export interface BoxOptions extends BatchOptions {
  /** Lower bound: a number (default 0), one row of n, or one per element; −Infinity allowed. */
  lower?: number | Vector;
  /** Upper bound: a number (default 1), one row of n, or one per element; Infinity allowed. */
  upper?: number | Vector;
}

/** Options of {@link projectSparseSimplex}. */
export interface SparseSimplexOptions extends BatchOptions {
  /** At most k non-zeros per row (integer ≥ 1; required). */
  k?: number;
  /** The simplex {p ≥ 0, Σp = scale}; scale > 0, default 1. */
  scale?: number;
}

/** A kernel call: what the forward pass needs, and what the tape keeps. */
interface Call {
  fn: string;
  rows: number;
  n: number;
  x: Coerced;
  out: Out;
  /** Extra arrays placed in the frame (the box bounds). */
  extra: Coerced[];
  forward(k: FyKernels, px: number, extra: number[], po: number): number;
  backward(k: FyKernels, px: number, pp: number, pv: number, po: number): number;
  /** Argument names of the forward / backward kernels, for errors. */
  fwdNames: readonly string[];
  bwdNames(name: string): readonly string[];
  hints: Readonly<Record<string, string>>;
  /** Whether the backward kernel reads the input x. */
  needsX: boolean;
}

interface Tape {
  call: Call;
  /** The forward value (a private copy, or the caller's WasmArray `out`). */
  p: Coerced;
  /** The input (projections only). */
  x: Coerced | null;
}

function forward(c: Call, record: boolean): [Float64Array, Tape | null] {
  const total = c.rows * c.n;
  return guarded(c.fn, (ex) => {
    const sizes = [slotBytes(c.x), outBytes(c.out, total), ...c.extra.map(slotBytes)];
    const [sx, so, ...se] = scratch(ex).frame(c.fn, sizes);
    const px = place(ex, c.fn, sx, c.x);
    const pe = c.extra.map((a, i) => place(ex, c.fn, se[i], a));
    const po = outPointer(c.fn, c.out, so);
    const status = c.forward(kernels<FyKernels>(ex), px, pe, po);
    if (status !== 0) throw statusError(c.fn, status, c.fwdNames, c.hints);
    const value = c.out === undefined ? copyF64(ex, po, total) : collect(ex, c.out, po, total);
    if (!record) return [value, null];
    // The tape must not change if the caller later edits the returned value
    // or the input: keep private copies, except for WasmArrays (zero-copy).
    const p = c.out instanceof WasmArray ? c.out : c.out === undefined ? cloneF64(value) : copyF64(ex, po, total);
    const x = !c.needsX ? null : c.x instanceof WasmArray ? c.x : cloneF64(c.x);
    return [value, { call: c, p, x }];
  });
}

function backward(t: Tape, mode: 'jvp' | 'vjp', input: Vector, name: string, options: unknown): Float64Array {
  const c = t.call;
  const fn = `${c.fn}.${mode}`;
  const o = knownOptions(fn, options, ['out']);
  const v = vector(fn, name, input);
  const total = c.rows * c.n;
  sameLength(fn, name, v.length, total);
  // The kernel reads p (and x) while writing: none may alias the output.
  const out = checkOut(fn, o.out, total, [v, t.p, t.x]);
  return guarded(fn, (ex) => {
    const [sp, sx, sv, so] = scratch(ex).frame(fn, [slotBytes(t.p), slotBytes(t.x), slotBytes(v), outBytes(out, total)]);
    const pp = place(ex, fn, sp, t.p);
    const px = place(ex, fn, sx, t.x);
    const pv = place(ex, fn, sv, v);
    const po = outPointer(fn, out, so);
    const status = c.backward(kernels<FyKernels>(ex), px, pp, pv, po);
    if (status !== 0) throw statusError(fn, status, c.bwdNames(name), c.hints);
    return out === undefined ? copyF64(ex, po, total) : collect(ex, out, po, total);
  });
}

type Prepare<O> = (fn: string, x: Vector, options: O | undefined) => Call;

function makeOp<O>(name: string, prepare: Prepare<O>): FyOp<O> {
  const op = (x: Vector, options?: O) => forward(prepare(name, x, options), false)[0];
  const vjp = (x: Vector, options?: O): [Float64Array, Pullback] => {
    const [value, tape] = forward(prepare(`${name}.vjp`, x, options), true);
    return [value, (g: Vector, po?: PullbackOptions) => backward(tape as Tape, 'vjp', g, 'cotangent', po)];
  };
  const jvp = (x: Vector, tangent: Vector, options?: O & { tangentOut?: OutArray }): [Float64Array, Float64Array] => {
    const { tangentOut, ...rest } = (options ?? {}) as O & { tangentOut?: OutArray };
    const [value, tape] = forward(prepare(`${name}.jvp`, x, rest as O), true);
    return [value, backward(tape as Tape, 'jvp', tangent, 'tangent', tangentOut === undefined ? undefined : { out: tangentOut })];
  };
  Object.defineProperty(op, 'name', { value: name });
  return Object.assign(op, { vjp, jvp });
}

/** Parses x, shape and out. */
function base(fn: string, x: Vector, o: Record<string, unknown>): { xs: Coerced; rows: number; n: number; out: Out } {
  const xs = vector(fn, 'x', x);
  const [rows, n] = batchShape(fn, o.shape, xs.length);
  const out = checkOut(fn, o.out, xs.length, [xs]);
  return { xs, rows, n, out };
}

const MAP_KEYS = ['shape', 'out'] as const;
const MAP_CODES = { softmax: 0, sparsemax: 1, entmax: 2, sigmoid: 3, sparseSigmoid: 4 } as const;

function mapPrepare(code: number, withAlpha: boolean): Prepare<EntmaxOptions> {
  return (fn, x, options) => {
    const o = knownOptions(fn, options, withAlpha ? [...MAP_KEYS, 'alpha'] : MAP_KEYS);
    const alpha = withAlpha ? alphaOption(fn, o.alpha, 1.5) : 1;
    const { xs, rows, n, out } = base(fn, x, o);
    return {
      fn, rows, n, x: xs, out, extra: [],
      forward: (k, px, _e, po) => k.fy_map_forward(code, alpha, px, rows, n, po),
      backward: (k, _px, pp, pv, po) => k.fy_map_backward(code, alpha, pp, pv, rows, n, po),
      fwdNames: ['x', 'alpha'],
      bwdNames: (name) => ['value', name, 'alpha'],
      hints: { alpha: ALPHA_HINT },
      needsX: false,
    };
  };
}

/**
 * softmax(θ)_i = e^{θ_i}/Σ_j e^{θ_j} per row (max-shifted: logits up to
 * ±1e300 give finite output): the prediction of the logistic FY loss
 * (Shannon entropy Ω). Jacobian diag(p) − ppᵀ.
 *
 * @example
 * ```ts
 * import { init, softmax } from 'diffopt';
 * await init();
 * softmax([0.5, 1.2, -0.3]);               // [0.2888, 0.5815, 0.1297]
 * const [p, pullback] = softmax.vjp([0.5, 1.2, -0.3]);
 * pullback([1, 0, 0]);                     // ∂p₀/∂θ = p₀(e₀ − p)
 * softmax([1, 2, 3, 4], { shape: [2, 2] }); // two rows, one wasm call
 * ```
 */
export const softmax: FyOp<BatchOptions> = makeOp('softmax', mapPrepare(MAP_CODES.softmax, false));

/**
 * sparsemax(θ) = the Euclidean projection of θ onto the simplex
 * (Martins & Astudillo 2016): [θ − τ]₊ with Σ = 1, sparse. Found in
 * expected O(n) (only entries within 1 of the max are examined; never
 * O(n²)). Jacobian on the support S = {p > 0}: diag(s) − ssᵀ/|S|.
 *
 * @example
 * ```ts
 * import { init, sparsemax } from 'diffopt';
 * await init();
 * sparsemax([0.5, 1.2, -0.3]);                       // [0.15, 0.85, 0]
 * const [, tangentOut] = sparsemax.jvp([0.5, 1.2, -0.3], [1, 0, 0]); // [0.5, -0.5, 0]
 * ```
 */
export const sparsemax: FyOp<BatchOptions> = makeOp('sparsemax', mapPrepare(MAP_CODES.sparsemax, false));

/** {@link entmax} with its derivative w.r.t. α. */
export interface EntmaxOp extends FyOp<EntmaxOptions> {
  /**
   * ∂p/∂α per row (same layout as θ), so that d p = J dθ + dAlpha·dα:
   * (p − ĝ)/(α−1)² − (p log p − ĝ Σ p log p)/(α−1), ĝ = p^{2−α}/Σp^{2−α}
   * on the support. For α − 1 < 5e−6 the α → 1 limit p ⊙ (Σp(log p)² −
   * (log p)²)/2 is used (error ≈ α − 1 there).
   */
  dAlpha(theta: Vector, options?: EntmaxOptions): Float64Array;
}

function entmaxDAlpha(theta: Vector, options?: EntmaxOptions): Float64Array {
  const fn = 'entmax.dAlpha';
  const o = knownOptions(fn, options, [...MAP_KEYS, 'alpha']);
  const alpha = alphaOption(fn, o.alpha, 1.5);
  const { xs, rows, n, out } = base(fn, theta, o);
  const total = rows * n;
  return guarded(fn, (ex: Exports) => {
    const [sx, sp, so] = scratch(ex).frame(fn, [slotBytes(xs), total * 8, outBytes(out, total)]);
    const px = place(ex, fn, sx, xs);
    const k = kernels<FyKernels>(ex);
    let status = k.fy_map_forward(MAP_CODES.entmax, alpha, px, rows, n, sp);
    if (status !== 0) throw statusError(fn, status, ['theta', 'alpha'], { alpha: ALPHA_HINT });
    const po = outPointer(fn, out, so);
    status = k.fy_entmax_dalpha(alpha, sp, rows, n, po);
    if (status !== 0) throw statusError(fn, status, ['theta', 'alpha'], { alpha: ALPHA_HINT });
    return out === undefined ? copyF64(ex, po, total) : collect(ex, out, po, total);
  });
}

/**
 * α-entmax (Peters, Niculae & Martins 2019): the prediction of the Tsallis-α
 * FY loss, p = [(α−1)θ − τ]₊^{1/(α−1)} with Σp = 1. α = 1 is softmax, α = 2
 * sparsemax; in between it is sparse yet smooth. Jacobian
 * diag(g) − ggᵀ/Σg with g = p^{2−α} on the support; `entmax.dAlpha` gives
 * ∂p/∂α (to learn α).
 *
 * @example
 * ```ts
 * import { init, entmax } from 'diffopt';
 * await init();
 * entmax([0.5, 1.2, -0.3]);                  // α = 1.5: [0.2560, 0.7327, 0.0112]
 * entmax([0.5, 1.2, -0.3], { alpha: 1.25 }); // closer to softmax
 * const dp = entmax.dAlpha([0.5, 1.2, -0.3], { alpha: 1.25 }); // ∂p/∂α, sums to 0
 * ```
 */
export const entmax: EntmaxOp = Object.assign(makeOp('entmax', mapPrepare(MAP_CODES.entmax, true)), { dAlpha: entmaxDAlpha });

/**
 * The logistic sigmoid 1/(1 + e^{−x}), elementwise: the prediction of the
 * one-vs-all logistic loss. Jacobian diag(p(1 − p)).
 *
 * @example
 * ```ts
 * import { init, sigmoid } from 'diffopt';
 * await init();
 * sigmoid([0, 2, -1e300]); // [0.5, 0.8808, 0]
 * ```
 */
export const sigmoid: FyOp<BatchOptions> = makeOp('sigmoid', mapPrepare(MAP_CODES.sigmoid, false));

/**
 * The sparse sigmoid clip((x + 1)/2, 0, 1), elementwise: the prediction of
 * the binary sparsemax loss (the derivative of sparse_plus). Jacobian ½
 * where 0 < p < 1, else 0.
 *
 * @example
 * ```ts
 * import { init, sparseSigmoid } from 'diffopt';
 * await init();
 * sparseSigmoid([-2, -0.5, 0.3, 4]); // [0, 0.25, 0.65, 1]
 * ```
 */
export const sparseSigmoid: FyOp<BatchOptions> = makeOp('sparseSigmoid', mapPrepare(MAP_CODES.sparseSigmoid, false));

// ---------------------------------------------------------------- projections

const SET_CODES = { simplex: 0, l1: 1, box: 2, sparse: 3 } as const;

function projCall(
  fn: string, set: number, param: number, k: number, xs: Coerced, rows: number, n: number, out: Out,
  extra: Coerced[], paramName: string, hints: Record<string, string>,
): Call {
  return {
    fn, rows, n, x: xs, out, extra,
    forward: (kr, px, e, po) => {
      const [lo, hi] = extra.length ? [e[0], e[1]] : [0, 0];
      const [ll, hl] = extra.length ? [extra[0].length, extra[1].length] : [0, 0];
      return kr.fy_project(set, param, k, px, lo, ll, hi, hl, rows, n, po);
    },
    backward: (kr, px, pp, pv, po) => kr.fy_project_backward(set, param, k, px, pp, pv, rows, n, po),
    fwdNames: ['x', 'lower', 'upper', paramName],
    bwdNames: (name) => ['x', 'value', name, paramName],
    hints,
    needsX: true,
  };
}

/**
 * Euclidean projection onto the simplex {p ≥ 0, Σp = scale}, per row:
 * [x − τ]₊. Same algorithm and Jacobian as {@link sparsemax} (which is the
 * case scale = 1).
 *
 * @example
 * ```ts
 * import { init, projectSimplex } from 'diffopt';
 * await init();
 * projectSimplex([0.5, 1.2, -0.3], { scale: 2 }); // [0.65, 1.35, 0]
 * ```
 */
export const projectSimplex: FyOp<SimplexOptions> = makeOp('projectSimplex', (fn, x, options) => {
  const o = knownOptions(fn, options, [...MAP_KEYS, 'scale']);
  const scale = positive(fn, 'scale', o.scale, 1);
  const { xs, rows, n, out } = base(fn, x, o);
  return projCall(fn, SET_CODES.simplex, scale, 0, xs, rows, n, out, [], 'scale', {});
});

/**
 * Euclidean projection onto the ℓ1 ball {‖p‖₁ ≤ radius}, per row: x itself
 * inside the ball, else sign(x) ⊙ [|x| − τ]₊ (Duchi et al. 2008).
 * Jacobian: identity inside; on the sphere, s ⊙ (v − σ⟨σ, v⟩/|S|) with
 * σ = sign(x) on the support S.
 *
 * @example
 * ```ts
 * import { init, projectL1Ball } from 'diffopt';
 * await init();
 * projectL1Ball([0.5, -1.2, 0.3]);  // [0.15, -0.85, 0]
 * projectL1Ball([0.1, -0.2, 0.3]);  // inside: unchanged
 * ```
 */
export const projectL1Ball: FyOp<L1BallOptions> = makeOp('projectL1Ball', (fn, x, options) => {
  const o = knownOptions(fn, options, [...MAP_KEYS, 'radius']);
  const radius = positive(fn, 'radius', o.radius, 1);
  const { xs, rows, n, out } = base(fn, x, o);
  return projCall(fn, SET_CODES.l1, radius, 0, xs, rows, n, out, [], 'radius', {});
});

function bound(fn: string, name: string, v: unknown, fallback: number): Coerced {
  if (v === undefined) return Float64Array.of(fallback);
  if (typeof v === 'number') {
    if (Number.isNaN(v)) throw new DiffoptError('nonfinite', `${fn}: ${name} is NaN`, name);
    return Float64Array.of(v);
  }
  return vector(fn, name, v);
}

/**
 * Projection onto the box [lower, upper] (elementwise clip), per row.
 * Bounds are numbers, one row of n values, or one value per element
 * (±Infinity allowed, lower ≤ upper). Jacobian: 1 where lower ≤ x ≤ upper
 * (the closed box), 0 where clipped.
 *
 * @example
 * ```ts
 * import { init, projectBox } from 'diffopt';
 * await init();
 * projectBox([-0.5, 0.3, 2]);                                   // [0, 0.3, 1]
 * projectBox([-0.5, 0.3, 2], { lower: -Infinity, upper: 0.5 }); // [-0.5, 0.3, 0.5]
 * ```
 */
export const projectBox: FyOp<BoxOptions> = makeOp('projectBox', (fn, x, options) => {
  const o = knownOptions(fn, options, [...MAP_KEYS, 'lower', 'upper']);
  const lower = bound(fn, 'lower', o.lower, 0);
  const upper = bound(fn, 'upper', o.upper, 1);
  const { xs, rows, n, out } = base(fn, x, o);
  if (out !== undefined && (out === lower || out === upper)) {
    throw new DiffoptError('option', `${fn}: out must not be one of the inputs`, 'out');
  }
  for (const [name, b] of [['lower', lower], ['upper', upper]] as const) {
    if (b.length !== 1 && b.length !== n && b.length !== rows * n) {
      throw new DiffoptError('shape', `${fn}: ${name} has ${b.length} elements, expected 1, ${n} (one row) or ${rows * n}`, name);
    }
  }
  return projCall(fn, SET_CODES.box, 0, 0, xs, rows, n, out, [lower, upper], 'lower', { lower: 'lower must be ≤ upper everywhere' });
});

/**
 * Projection onto the k-sparse simplex {p ≥ 0, Σp = scale, at most k
 * non-zeros}, per row: the simplex projection of the k largest entries
 * (Kyrillidis et al. 2013; ties broken by the lower index), O(n) selection.
 * Jacobian: as {@link projectSimplex} on the support.
 *
 * @example
 * ```ts
 * import { init, projectSparseSimplex } from 'diffopt';
 * await init();
 * projectSparseSimplex([0.9, 1.0, 0.8, -1], { k: 2 }); // [0.45, 0.55, 0, 0]
 * ```
 */
export const projectSparseSimplex: FyOp<SparseSimplexOptions> = makeOp('projectSparseSimplex', (fn, x, options) => {
  const o = knownOptions(fn, options, [...MAP_KEYS, 'k', 'scale']);
  const scale = positive(fn, 'scale', o.scale, 1);
  const k = o.k;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) {
    throw new DiffoptError('domain', `${fn}: k must be an integer ≥ 1, got ${String(k)}`, 'k');
  }
  const { xs, rows, n, out } = base(fn, x, o);
  // k ≥ n is the plain simplex projection; capping keeps k a wasm32 usize.
  return projCall(fn, SET_CODES.sparse, scale, Math.min(k, Math.max(n, 1)), xs, rows, n, out, [], 'scale', {});
});
