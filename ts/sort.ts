/**
 * Fast differentiable sorting and ranking (Blondel, Teboul, Berthet &
 * Djolonga, ICML 2020): soft sort and soft rank as projections onto the
 * permutahedron, the isotonic regression (PAV) behind them, and losses built
 * on them. Kernels: crates/core/src/sort. O(n log n) forward, O(n) vjp/jvp.
 * @module
 */
import { collect, checkOut, outBytes, outPointer, place, slotBytes, type Out } from './runtime/call.js';
import { DiffoptError, statusError } from './runtime/errors.js';
import { guarded, kernels, type Exports } from './runtime/instance.js';
import { batchShape, choice, knownOptions, positive, sameLength, vector, type Coerced, type Vector } from './runtime/input.js';
import { f64At, scratch, WasmArray } from './runtime/memory.js';

/** Regularization of the projection: quadratic (`'l2'`) or entropic (`'kl'`). */
export type Regularization = 'l2' | 'kl';
/** Order of the soft sort / meaning of rank 1. */
export type Direction = 'ascending' | 'descending';

const REGULARIZATIONS: readonly Regularization[] = ['l2', 'kl'];
const DIRECTIONS: readonly Direction[] = ['ascending', 'descending'];

/** Options shared by the soft sort and soft rank. */
export interface SoftSortOptions {
  /** `'l2'` (default) or `'kl'`. */
  regularization?: Regularization;
  /** ε > 0 (default 1): 0⁺ gives the hard sort/rank, ∞ the mean. */
  strength?: number;
  /** `'ascending'` (default) or `'descending'`. */
  direction?: Direction;
  /** `[rows, n]` to treat the input as a row-major batch (one wasm call). */
  shape?: readonly [number, number];
  /** Where to write the result (same length as the input). */
  out?: Float64Array | import('./runtime/memory.js').WasmArray;
}

/** Options of {@link isotonic}. */
export interface IsotonicOptions {
  /** `'l2'` (default) or `'kl'`. */
  regularization?: Regularization;
  /** The vector w of the paper (one row of length n, or one per row); default 0. */
  w?: Vector;
  /** `[rows, n]` for a batch. */
  shape?: readonly [number, number];
  /** Where to write the result. */
  out?: Float64Array | import('./runtime/memory.js').WasmArray;
}

/** Options of {@link projectPermutahedron}. */
export interface ProjectionOptions {
  /** `'l2'` (default) or `'kl'`. */
  regularization?: Regularization;
  /**
   * The permutahedron's generator, sorted in decreasing order: P(w) is the
   * convex hull of all permutations of w (L2). For `'kl'`, w is in log
   * space, as in the paper. Default ρ = (n, n−1, …, 1) (L2) / log ρ (KL).
   */
  w?: Vector;
  /** `[rows, n]` for a batch. */
  shape?: readonly [number, number];
  /** Where to write the result. */
  out?: Float64Array | import('./runtime/memory.js').WasmArray;
}

/** A function θ ↦ y with its vector-Jacobian and Jacobian-vector products. */
export interface DifferentiableOp<O> {
  (x: Vector, options?: O): Float64Array;
  /**
   * The value and its pullback: `pullback(g)` returns gᵀ J (O(n), reusing
   * the forward pass; callable many times).
   */
  vjp(x: Vector, options?: O): [Float64Array, (cotangent: Vector) => Float64Array];
  /** The value and J·tangent, O(n) after the forward pass. */
  jvp(x: Vector, tangent: Vector, options?: O): [Float64Array, Float64Array];
}

/** Signatures of the sort kernels (crates/wasm/src/sort.rs). */
interface SortKernels {
  sort_forward(
    op: number, reg: number, dir: number, strength: number,
    x: number, w: number, wLen: number, rows: number, n: number,
    out: number, perm: number, blockStart: number, weights: number,
  ): number;
  sort_backward(
    op: number, reg: number, dir: number, strength: number, mode: number,
    perm: number, blockStart: number, weights: number, value: number, input: number,
    rows: number, n: number, out: number,
  ): number;
  sort_spearman(pred: number, target: number, rows: number, n: number, reg: number, strength: number, values: number, grad: number): number;
  sort_lts(pred: number, target: number, rows: number, n: number, k: number, reg: number, strength: number, values: number, grad: number): number;
}

const OP_CODES = { isotonic: 0, projection: 1, rank: 2, sort: 3 } as const;
type OpKind = keyof typeof OP_CODES;

/** A fully checked call. */
interface Call {
  fn: string;
  op: number;
  reg: number;
  dir: number;
  strength: number;
  rows: number;
  n: number;
  x: Coerced;
  w: Coerced | null;
  out: Out;
}

/** What the kernels' domain errors mean, per argument. */
const HINTS = {
  w: 'it must be sorted in decreasing order',
  strength: 'it must be a finite number > 0',
  k: 'it must be an integer in [1, n]',
};

/** What the backward pass needs of a call (not its arrays: a tape keeps no user data alive). */
interface TapeCall {
  fn: string;
  op: number;
  reg: number;
  dir: number;
  strength: number;
  rows: number;
  n: number;
}

/**
 * What the backward pass replays: the recorded state, copied out of wasm in
 * one block laid out as in {@link tapeLayout} (nothing to free).
 */
interface Tape {
  call: TapeCall;
  bytes: Uint8Array;
}

/**
 * Byte offsets of the recorded state of `total` elements in wasm:
 * [value f64 (KL rank only)] [weights f64] [perm u32] [blockStart u32].
 * Only the part from `kept` on is copied out: the KL soft rank needs its
 * value r in the backward pass, L2 weights are the implied 1/|B| (the kernel
 * accepts them absent), so an L2 tape is 8 bytes per element.
 */
function tapeLayout(op: number, reg: number, total: number) {
  const keepValue = op === OP_CODES.rank && reg === 1;
  const keepWeights = reg === 1;
  const weights = keepValue ? total * 8 : 0;
  const perm = weights + total * 8;
  const blockStart = perm + total * 4;
  const end = blockStart + total * 4;
  const kept = keepValue ? 0 : keepWeights ? weights : perm;
  return { keepValue, keepWeights, weights, perm, blockStart, end, kept };
}

/**
 * Views over all of wasm memory, kept between calls (creating a view costs
 * about as much as copying a few hundred bytes): re-derived by {@link heap}
 * when memory grew (the old buffer is then detached: length 0) or the
 * instance changed. Call `heap(ex)` after anything that may allocate in wasm
 * (a frame, a kernel) and before using them.
 */
let heapOwner: Exports | null = null;
let heapF64 = new Float64Array(0);
let heapU8 = new Uint8Array(0);

function heap(ex: Exports): void {
  if (heapOwner !== ex || heapU8.byteLength === 0) {
    const buf = ex.memory.buffer;
    heapOwner = ex;
    heapF64 = new Float64Array(buf);
    heapU8 = new Uint8Array(buf);
  }
}

/** Copies a coerced vector into its (16-byte aligned) frame slot; the address to pass. */
function placeVector(ex: Exports, fn: string, slot: number, v: Coerced | null): number {
  if (v instanceof Float64Array) {
    heapF64.set(v, slot / 8);
    return slot;
  }
  return place(ex, fn, slot, v);
}

/** A fresh copy of `len` f64 at `ptr` in wasm memory (after `heap`). */
function copyF64(ptr: number, len: number): Float64Array {
  return heapF64.slice(ptr / 8, ptr / 8 + len);
}

const KEYS: Record<OpKind, readonly string[]> = {
  rank: ['regularization', 'strength', 'direction', 'shape', 'out'],
  sort: ['regularization', 'strength', 'direction', 'shape', 'out'],
  isotonic: ['regularization', 'w', 'shape', 'out'],
  projection: ['regularization', 'w', 'shape', 'out'],
};

function defaultW(reg: number, n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = reg === 0 ? n - i : Math.log(n - i);
  return w;
}

function prepare(fn: string, kind: OpKind, x: Vector, options: unknown): Call {
  const o = knownOptions(fn, options, KEYS[kind]);
  const xs = vector(fn, 'x', x);
  const [rows, n] = batchShape(fn, o.shape, xs.length);
  const reg = choice(fn, 'regularization', o.regularization, REGULARIZATIONS, 'l2');
  const ranked = kind === 'rank' || kind === 'sort';
  const dir = ranked ? choice(fn, 'direction', o.direction, DIRECTIONS, 'ascending') : 0;
  const strength = ranked ? positive(fn, 'strength', o.strength, 1) : 1;
  let w: Coerced | null = null;
  if (o.w !== undefined) {
    w = vector(fn, 'w', o.w);
    if (w.length !== n && w.length !== rows * n) {
      throw new DiffoptError('shape', `${fn}: w has ${w.length} elements, expected ${n} (shared) or ${rows * n} (one per row)`, 'w');
    }
  } else if (kind === 'projection') {
    w = defaultW(reg, n);
  }
  const out = checkOut(fn, o.out, xs.length, [xs, w]);
  return { fn, op: OP_CODES[kind], reg, dir, strength, rows, n, x: xs, w, out };
}

function forward(c: Call): Float64Array {
  const total = c.rows * c.n;
  return guarded(c.fn, (ex) => {
    const [sx, sw, so] = scratch(ex).frame(c.fn, [slotBytes(c.x), slotBytes(c.w), outBytes(c.out, total)]);
    heap(ex);
    const px = placeVector(ex, c.fn, sx, c.x);
    const pw = placeVector(ex, c.fn, sw, c.w);
    const po = outPointer(c.fn, c.out, so);
    const status = kernels<SortKernels>(ex).sort_forward(
      c.op, c.reg, c.dir, c.strength, px, pw, c.w ? c.w.length : 0, c.rows, c.n, po, 0, 0, 0,
    );
    if (status !== 0) throw statusError(c.fn, status, ['x', 'w', 'state', 'strength'], HINTS);
    heap(ex);
    return c.out === undefined ? copyF64(po, total) : collect(ex, c.out, po, total);
  });
}

/** The forward pass that also records the {@link Tape} for the backward pass. */
function record(c: Call): [Float64Array, Tape] {
  const total = c.rows * c.n;
  return guarded(c.fn, (ex) => {
    const t = tapeLayout(c.op, c.reg, total);
    // The KL rank's value is part of the tape: write it there directly.
    const valueInTape = t.keepValue && !(c.out instanceof WasmArray);
    const [sx, sw, so, st] = scratch(ex).frame(c.fn, [
      slotBytes(c.x), slotBytes(c.w), valueInTape ? 0 : outBytes(c.out, total), t.end,
    ]);
    heap(ex);
    const px = placeVector(ex, c.fn, sx, c.x);
    const pw = placeVector(ex, c.fn, sw, c.w);
    const po = valueInTape ? st : outPointer(c.fn, c.out, so);
    const status = kernels<SortKernels>(ex).sort_forward(
      c.op, c.reg, c.dir, c.strength, px, pw, c.w ? c.w.length : 0, c.rows, c.n, po,
      st + t.perm, st + t.blockStart, st + t.weights,
    );
    if (status !== 0) throw statusError(c.fn, status, ['x', 'w', 'state', 'strength'], HINTS);
    heap(ex);
    if (t.keepValue && !valueInTape) heapF64.copyWithin(st / 8, po / 8, po / 8 + total);
    const value = c.out === undefined ? copyF64(po, total) : collect(ex, c.out, po, total);
    const bytes = heapU8.slice(st + t.kept, st + t.end);
    const { fn, op, reg, dir, strength, rows, n } = c;
    return [value, { call: { fn, op, reg, dir, strength, rows, n }, bytes }];
  });
}

function backward(tape: Tape, mode: 0 | 1, input: Vector, name: string): Float64Array {
  const c = tape.call;
  const fn = `${c.fn}.${mode === 0 ? 'jvp' : 'vjp'}`;
  const v = vector(fn, name, input);
  const total = c.rows * c.n;
  sameLength(fn, name, v.length, total);
  return guarded(fn, (ex) => {
    const t = tapeLayout(c.op, c.reg, total);
    const [st, si, so] = scratch(ex).frame(fn, [tape.bytes.length, slotBytes(v), total * 8]);
    heap(ex);
    heapU8.set(tape.bytes, st);
    const base = st - t.kept; // the layout's offset 0
    const pi = placeVector(ex, fn, si, v);
    const status = kernels<SortKernels>(ex).sort_backward(
      c.op, c.reg, c.dir, c.strength, mode, base + t.perm, base + t.blockStart,
      t.keepWeights ? base + t.weights : 0, t.keepValue ? base : 0, pi, c.rows, c.n, so,
    );
    if (status !== 0) throw statusError(fn, status, [name, 'value', 'state', 'strength'], HINTS);
    heap(ex);
    return copyF64(so, total);
  });
}

function makeOp<O>(name: string, kind: OpKind): DifferentiableOp<O> {
  const op = (x: Vector, options?: O) => forward(prepare(name, kind, x, options));
  const vjp = (x: Vector, options?: O): [Float64Array, (g: Vector) => Float64Array] => {
    const [value, tape] = record(prepare(`${name}.vjp`, kind, x, options));
    return [value, (g: Vector) => backward(tape, 1, g, 'cotangent')];
  };
  const jvp = (x: Vector, tangent: Vector, options?: O): [Float64Array, Float64Array] => {
    const [value, tape] = record(prepare(`${name}.jvp`, kind, x, options));
    return [value, backward(tape, 0, tangent, 'tangent')];
  };
  Object.defineProperty(op, 'name', { value: name });
  return Object.assign(op, { vjp, jvp });
}

/**
 * Soft rank r_ε(θ): the projection of θ/ε (or −θ/ε for descending) onto the
 * permutahedron of ρ = (n, …, 1), Euclidean (`'l2'`) or KL. Rank 1 is the
 * smallest entry for `'ascending'`. Ranks sum to n(n+1)/2; with `'l2'` they
 * equal the hard ranks once all gaps exceed ε.
 *
 * @example
 * ```ts
 * import { init, softRank } from 'diffopt';
 * await init();
 * softRank([0.3, -1, 2], { strength: 0.1 });      // Float64Array [2, 1, 3]
 * softRank([0.3, 0.2, 2], { strength: 1 });       // [1.55, 1.45, 3]: close values share rank mass
 * const [r, pullback] = softRank.vjp([0.3, 0.2, 2]);
 * pullback([1, 0, 0]);                            // ∂r₀/∂θ = [0.5, -0.5, 0]
 * ```
 */
export const softRank: DifferentiableOp<SoftSortOptions> = makeOp('softRank', 'rank');

/**
 * Soft sort s_ε(θ): the sorted values, smoothed by the projection of ρ/ε onto
 * the permutahedron of θ. The output is in sorted order (ascending by
 * default). `'l2'` keeps Σθ; `'kl'` keeps Σexp(±θ).
 *
 * @example
 * ```ts
 * import { init, softSort } from 'diffopt';
 * await init();
 * softSort([3, 1, 2], { strength: 0.1 });                      // [1, 2, 3]
 * softSort([3, 1, 2], { strength: 2, direction: 'descending' }); // [2.5, 2, 1.5]
 * const [s, tangentOut] = softSort.jvp([3, 1, 2], [1, 0, 0]);   // moves with θ₀
 * ```
 */
export const softSort: DifferentiableOp<SoftSortOptions> = makeOp('softSort', 'sort');

/**
 * Isotonic regression with a decreasing constraint, by PAV in O(n):
 * `'l2'`: argmin_{v₁≥…≥vₙ} ½‖v − (s − w)‖²; `'kl'`: argmin ⟨e^{s−v}, 1⟩ + ⟨e^w, v⟩.
 * Derivatives are w.r.t. s.
 *
 * @example
 * ```ts
 * import { init, isotonic } from 'diffopt';
 * await init();
 * isotonic([3, 1, 2, -5]); // Float64Array [3, 1.5, 1.5, -5]
 * ```
 */
export const isotonic: DifferentiableOp<IsotonicOptions> = makeOp('isotonic', 'isotonic');

/**
 * Projection of z onto the permutahedron P(w) (Euclidean for `'l2'`, KL in
 * log space for `'kl'`); derivatives w.r.t. z. Soft rank is this map at
 * z = θ/ε with the default w.
 *
 * @example
 * ```ts
 * import { init, projectPermutahedron } from 'diffopt';
 * await init();
 * projectPermutahedron([0.3, 2, -1, 0.5], { w: [4, 3, 2, 1] });
 * // Float64Array [2.3667, 4, 1.0667, 2.5667]
 * ```
 */
export const projectPermutahedron: DifferentiableOp<ProjectionOptions> = makeOp('projectPermutahedron', 'projection');

/** Options of {@link spearman}. */
export interface SpearmanOptions {
  /** `'l2'` (default) or `'kl'` soft ranks. */
  regularization?: Regularization;
  /** ε of the soft rank of the predictions (default 1). */
  strength?: number;
  /** `[rows, n]`: one correlation per row; `value` is their mean. */
  shape?: readonly [number, number];
}

/** Options of {@link softLeastTrimmedSquares}. */
export interface TrimmedSquaresOptions {
  /** `'l2'` (default) or `'kl'` soft sort. */
  regularization?: Regularization;
  /** ε of the soft sort of the squared residuals (default 1). */
  strength?: number;
  /** Number of smallest squared residuals kept, 1 ≤ k ≤ n (default ⌈n/2⌉). */
  k?: number;
  /** `[rows, n]`: one loss per row; `value` is their mean. */
  shape?: readonly [number, number];
}

/** A loss value with its gradient w.r.t. the predictions. */
export interface ValueAndGrad {
  /** The value (the mean over rows for a batch). */
  value: number;
  /** One value per row. */
  values: Float64Array;
  /** ∂value/∂pred, same layout as `pred`. */
  grad: Float64Array;
}

/** A loss of (pred, target) with `valueAndGrad`. */
export interface Loss<O> {
  (pred: Vector, target: Vector, options?: O): number;
  valueAndGrad(pred: Vector, target: Vector, options?: O): ValueAndGrad;
}

function lossCall(fn: string, kind: 'spearman' | 'lts', pred: Vector, target: Vector, options: unknown, grad: boolean): ValueAndGrad {
  const keys = kind === 'spearman' ? ['regularization', 'strength', 'shape'] : ['regularization', 'strength', 'k', 'shape'];
  const o = knownOptions(fn, options, keys);
  const p = vector(fn, 'pred', pred);
  const t = vector(fn, 'target', target);
  sameLength(fn, 'target', t.length, p.length);
  const [rows, n] = batchShape(fn, o.shape, p.length, 'pred');
  const reg = choice(fn, 'regularization', o.regularization, REGULARIZATIONS, 'l2');
  const strength = positive(fn, 'strength', o.strength, 1);
  if (kind === 'spearman' && n < 2) {
    throw new DiffoptError('shape', `${fn}: needs at least 2 entries per row, got ${n}`, 'pred');
  }
  if (n === 0) {
    throw new DiffoptError('shape', `${fn}: needs at least 1 entry per row`, 'pred');
  }
  const k = o.k === undefined ? Math.ceil(n / 2) : (o.k as number);
  if (kind === 'lts' && (!Number.isInteger(k) || k < 1 || k > n)) {
    throw new DiffoptError('domain', `${fn}: k must be an integer in [1, ${n}], got ${String(o.k)}`, 'k');
  }
  const total = rows * n;
  return guarded(fn, (ex) => {
    const [sp, st, sv, sg] = scratch(ex).frame(fn, [slotBytes(p), slotBytes(t), rows * 8, grad ? total * 8 : 0]);
    const pp = place(ex, fn, sp, p);
    const pt = place(ex, fn, st, t);
    const status = kind === 'spearman'
      ? kernels<SortKernels>(ex).sort_spearman(pp, pt, rows, n, reg, strength, sv, sg)
      : kernels<SortKernels>(ex).sort_lts(pp, pt, rows, n, k, reg, strength, sv, sg);
    if (status !== 0) throw statusError(fn, status, ['pred', 'target', 'k', 'strength'], HINTS);
    const values = f64At(ex, sv, rows).slice();
    let value = 0;
    for (const v of values) value += v;
    value /= rows;
    const g = grad ? f64At(ex, sg, total).slice() : new Float64Array(0);
    if (rows > 1) for (let i = 0; i < g.length; i++) g[i] /= rows;
    return { value, values, grad: g };
  });
}

function makeLoss<O>(name: string, kind: 'spearman' | 'lts'): Loss<O> {
  const loss = (pred: Vector, target: Vector, options?: O) => lossCall(name, kind, pred, target, options, false).value;
  const valueAndGrad = (pred: Vector, target: Vector, options?: O) =>
    lossCall(`${name}.valueAndGrad`, kind, pred, target, options, true);
  Object.defineProperty(loss, 'name', { value: name });
  return Object.assign(loss, { valueAndGrad });
}

/**
 * Differentiable Spearman rank correlation 1 − 6Σ(r − t)²/(n(n²−1)) between
 * predictions and targets, with r the soft (ascending) rank of `pred` and t
 * the hard ranks of `target` (ties averaged). In [−1, 1]; maximize it, or
 * minimize `1 − spearman`.
 *
 * @example
 * ```ts
 * import { init, spearman } from 'diffopt';
 * await init();
 * spearman([0.1, 0.4, 0.3], [1, 3, 2], { strength: 0.01 }); // 1
 * const { value, grad } = spearman.valueAndGrad([0.1, 0.4, 0.3], [1, 2, 3]);
 * ```
 */
export const spearman: Loss<SpearmanOptions> = makeLoss('spearman', 'spearman');

/**
 * Soft least trimmed squares: the mean of the k smallest squared residuals
 * (pred − target)², with the soft sort in place of the sort, so the largest
 * n − k residuals (outliers) are softly ignored.
 *
 * @example
 * ```ts
 * import { init, softLeastTrimmedSquares } from 'diffopt';
 * await init();
 * const pred = [1, 2, 3, 4], target = [1, 2, 3, 40];
 * softLeastTrimmedSquares(pred, target, { k: 3, strength: 1e-4 }); // 0: the outlier is trimmed
 * ```
 */
export const softLeastTrimmedSquares: Loss<TrimmedSquaresOptions> = makeLoss('softLeastTrimmedSquares', 'lts');
