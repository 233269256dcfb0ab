/**
 * Differentiable perturbed optimizers (Berthet, Blondel, Teboul, Cuturi,
 * Vert & Bach, NeurIPS 2020): y_ε(θ) = E[y*(θ + εZ)] for a discrete solver
 * y*, its Jacobian by the score-function identity (no solver derivative),
 * and the perturbed Fenchel-Young loss. Kernels: crates/core/src/perturb.
 *
 * Noise comes from a counter-based generator (Philox4x32-10) keyed by
 * `seed`, so the same seed gives bitwise-identical samples and outputs in
 * every runtime and natively, and the pullback replays exactly the forward
 * pass's samples.
 * @module
 */
import { DiffoptError, statusError } from './runtime/errors.js';
import { guarded, kernels } from './runtime/instance.js';
import { batchShape, choice, knownOptions, positive, sameLength, vector, type Coerced, type Vector } from './runtime/input.js';
import { f64At, scratch } from './runtime/memory.js';
import { place, slotBytes } from './runtime/call.js';

/** Signatures of the perturb kernels (crates/wasm/src/perturb.rs). */
interface PerturbKernels {
  perturb_forward(cfg: number, theta: number, rows: number, n: number, rowOffset: number, ys: number, ysLen: number,
    y: number, yStderr: number, gradF: number, f: number, fStderr: number, tapeZ: number, tapeY: number, tapeLen: number): number;
  perturb_backward(cfg: number, vjp: number, theta: number, yMean: number, input: number, rows: number, n: number,
    rowOffset: number, ys: number, ysLen: number, tapeZ: number, tapeY: number, tapeLen: number, out: number): number;
  perturb_loss(cfg: number, theta: number, target: number, rows: number, n: number, rowOffset: number, ys: number,
    ysLen: number, values: number, grad: number): number;
  perturb_points(cfg: number, theta: number, n: number, row: number, out: number, outLen: number): number;
}

/**
 * A linear maximization oracle y*(θ) = argmax_{y ∈ C} ⟨y, θ⟩:
 * `'argmax'` (one-hot), `'ranking'` (ascending ranks: the largest θ gets n),
 * `{ kind: 'top-k', k }` (indicator of the k largest),
 * `{ kind: 'shortest-path', rows, cols }` (cells of the cheapest 8-connected
 * path from the top-left to the bottom-right cell of a grid of vertex costs;
 * a minimization), or your own function θ ↦ y (same length, finite).
 */
export type OracleSpec =
  | 'argmax'
  | 'ranking'
  | { kind: 'top-k'; k: number }
  | { kind: 'shortest-path'; rows: number; cols: number }
  | ((theta: Float64Array) => ArrayLike<number>);

/** Options of {@link perturbed} and {@link perturbedFyLoss}. */
export interface PerturbedOptions {
  /** Noise scale ε > 0 (default 1). */
  epsilon?: number;
  /** Monte-Carlo samples N ≥ 1 (default 1000). */
  samples?: number;
  /** `'gaussian'` (default) or `'gumbel'`. */
  noise?: 'gaussian' | 'gumbel';
  /** Integer seed in [0, 2⁵³) (default 0): same seed, same bits everywhere. */
  seed?: number;
  /**
   * Perturb as θ ⊙ exp(εZ − ε²/2) instead of θ + εZ: keeps positive costs
   * positive (Gaussian noise only; θ must be > 0). Default false.
   */
  multiplicative?: boolean;
  /** Subtract the sample mean in the Jacobian estimator (default true). */
  controlVariate?: boolean;
  /** Maximize (default) or minimize ⟨y, θ⟩; the shortest path minimizes. */
  maximize?: boolean;
  /** `[rows, n]` to perturb a row-major batch of θ rows in one call. */
  shape?: readonly [number, number];
}

/** Per-call options: the batch shape. */
export interface CallOptions {
  shape?: readonly [number, number];
}

/** Estimates with their Monte-Carlo standard errors. */
export interface PerturbedEstimate {
  /** y_ε(θ), rows·n. */
  output: Float64Array;
  /** Standard error of each entry of `output`. */
  outputStderr: Float64Array;
  /** F_ε(θ) = E[max ⟨y, θ + εZ⟩] (E[min …] when minimizing), one per row. */
  value: Float64Array;
  /** Standard error of `value`. */
  valueStderr: Float64Array;
  /** ∇F_ε(θ) (= output for additive noise), rows·n. */
  valueGrad: Float64Array;
}

/** The perturbed operator θ ↦ y_ε(θ) with its estimators. */
export interface PerturbedFn {
  (theta: Vector, options?: CallOptions): Float64Array;
  /** y_ε(θ) and a pullback g ↦ Jᵀg estimated on the same samples. */
  vjp(theta: Vector, options?: CallOptions): [Float64Array, (cotangent: Vector) => Float64Array];
  /** y_ε(θ) and J·tangent on the same samples. */
  jvp(theta: Vector, tangent: Vector, options?: CallOptions): [Float64Array, Float64Array];
  /** Outputs, F_ε and standard errors. */
  estimate(theta: Vector, options?: CallOptions): PerturbedEstimate;
}

/** The perturbed Fenchel-Young loss of θ against a target y. */
export interface PerturbedLoss {
  (theta: Vector, target: Vector, options?: CallOptions): { value: number; values: Float64Array; grad: Float64Array };
}

const OPTION_KEYS = ['epsilon', 'samples', 'noise', 'seed', 'multiplicative', 'controlVariate', 'maximize', 'shape'];
const NOISES = ['gaussian', 'gumbel'] as const;
const ARG_NAMES = (input: string) => ['theta', input, 'oracle', 'epsilon', 'samples', 'oracle'];
const HINTS = {
  epsilon: 'it must be a finite number > 0',
  samples: 'it must be an integer >= 1',
  theta: 'the multiplicative perturbation needs theta > 0 and Gaussian noise',
  oracle: 'a user oracle must return finite values; built-in oracles must fit theta (k <= n, rows*cols = n)',
};

interface Resolved {
  name: string;
  cfg: Float64Array;
  user: ((theta: Float64Array) => ArrayLike<number>) | null;
  samples: number;
  shape: unknown;
}

function flag(fn: string, name: string, v: unknown, fallback: boolean): number {
  if (v === undefined) return fallback ? 1 : 0;
  if (typeof v !== 'boolean') throw new DiffoptError('type', `${fn}: ${name} must be a boolean`, name);
  return v ? 1 : 0;
}

function wholeNumber(fn: string, name: string, v: unknown, fallback: number, min: number, max: number): number {
  const x = v === undefined ? fallback : v;
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) {
    throw new DiffoptError('domain', `${fn}: ${name} must be an integer in [${min}, ${max}], got ${String(x)}`, name);
  }
  return x;
}

function resolve(fn: string, oracle: OracleSpec, options: unknown): Resolved {
  const o = knownOptions(fn, options, OPTION_KEYS);
  let kind: number;
  let a = 0;
  let b = 0;
  let user: Resolved['user'] = null;
  let naturalMax = true;
  if (typeof oracle === 'function') {
    kind = 4;
    user = oracle;
  } else if (oracle === 'argmax') {
    kind = 0;
  } else if (oracle === 'ranking') {
    kind = 2;
  } else if (oracle && typeof oracle === 'object' && oracle.kind === 'top-k') {
    kind = 1;
    a = wholeNumber(fn, 'k', oracle.k, 1, 0, 2 ** 31);
  } else if (oracle && typeof oracle === 'object' && oracle.kind === 'shortest-path') {
    kind = 3;
    a = wholeNumber(fn, 'rows', oracle.rows, 1, 1, 2 ** 15);
    b = wholeNumber(fn, 'cols', oracle.cols, 1, 1, 2 ** 15);
    naturalMax = false;
  } else {
    throw new DiffoptError('option', `${fn}: oracle must be 'argmax', 'ranking', { kind: 'top-k', k }, { kind: 'shortest-path', rows, cols } or a function`, 'oracle');
  }
  const maximize = flag(fn, 'maximize', o.maximize, naturalMax);
  if (kind === 3 && maximize) {
    throw new DiffoptError('option', `${fn}: the shortest-path oracle minimizes; maximize must be false`, 'maximize');
  }
  const seed = wholeNumber(fn, 'seed', o.seed, 0, 0, Number.MAX_SAFE_INTEGER);
  const samples = wholeNumber(fn, 'samples', o.samples, 1000, 1, 2 ** 31);
  const cfg = Float64Array.from([
    choice(fn, 'noise', o.noise, NOISES, 'gaussian'),
    positive(fn, 'epsilon', o.epsilon, 1),
    samples,
    seed % 2 ** 32,
    Math.floor(seed / 2 ** 32),
    flag(fn, 'multiplicative', o.multiplicative, false),
    flag(fn, 'controlVariate', o.controlVariate, true),
    maximize,
    kind,
    a,
    b,
  ]);
  if (cfg[5] && cfg[0] !== 0) {
    throw new DiffoptError('option', `${fn}: the multiplicative perturbation is defined for Gaussian noise only`, 'noise');
  }
  return { name: fn, cfg, user, samples, shape: o.shape };
}

function shapeOf(fn: string, r: Resolved, call: unknown, length: number): [number, number] {
  const c = knownOptions(fn, call, ['shape']);
  return batchShape(fn, c.shape ?? r.shape, length, 'theta');
}

/**
 * Runs a user oracle on every perturbed point of one row: one wasm call for
 * the points, N oracle calls in JavaScript, returns the N×n samples.
 */
function userSamples(fn: string, r: Resolved, theta: Float64Array, row: number): Float64Array {
  const n = theta.length;
  const points = guarded(fn, (ex) => {
    const [sc, st, so] = scratch(ex).frame(fn, [88, n * 8, r.samples * n * 8]);
    f64At(ex, sc, 11).set(r.cfg);
    if (n) f64At(ex, st, n).set(theta);
    const status = kernels<PerturbKernels>(ex).perturb_points(sc, st, n, row, so, r.samples * n);
    if (status !== 0) throw statusError(fn, status, ARG_NAMES('theta'), HINTS);
    return f64At(ex, so, r.samples * n).slice();
  });
  const ys = new Float64Array(r.samples * n);
  for (let s = 0; s < r.samples; s++) {
    const y = r.user!(points.subarray(s * n, (s + 1) * n));
    if (!y || typeof y.length !== 'number' || y.length !== n) {
      throw new DiffoptError('shape', `${fn}: the oracle returned ${y && typeof y.length === 'number' ? y.length : typeof y} values for a θ of length ${n}`, 'oracle');
    }
    ys.set(y, s * n);
  }
  return ys;
}

/** The batches of one call: all rows at once (built-in) or row by row (user). */
function eachBatch<T>(r: Resolved, theta: Float64Array, rows: number, n: number,
  body: (rowOffset: number, count: number, ys: Float64Array | null) => T): T[] {
  if (!r.user) return [body(0, rows, null)];
  const out: T[] = [];
  for (let row = 0; row < rows; row++) {
    out.push(body(row, 1, userSamples(r.name, r, theta.subarray(row * n, (row + 1) * n), row)));
  }
  return out;
}

function toJs(fn: string, x: Coerced): Float64Array {
  // User oracles need θ in JS memory; built-in ones could read a WasmArray
  // in place, but one copy per call keeps a single code path.
  return x instanceof Float64Array ? x : x.toFloat64Array();
}

/**
 * Largest sample tape (noise and oracle outputs, 16 bytes per sample and
 * coordinate) kept for a pullback. Replaying a tape is several times cheaper
 * than regenerating the noise and calling the oracle again; beyond the budget
 * the pullback regenerates them from the seed (same bits, O(n) memory).
 */
const TAPE_BUDGET_BYTES = 64 * 2 ** 20;

interface Tape {
  r: Resolved;
  theta: Float64Array;
  rows: number;
  n: number;
  est: PerturbedEstimate;
  ys: (Float64Array | null)[];
  /** Forward samples (built-in oracles within the budget), rows·N·n each. */
  samples: { z: Float64Array; y: Float64Array } | null;
}

/** A zeroed estimate for `rows` rows of length n. */
export function emptyEstimate(rows: number, n: number): PerturbedEstimate {
  return {
    output: new Float64Array(rows * n),
    outputStderr: new Float64Array(rows * n),
    value: new Float64Array(rows),
    valueStderr: new Float64Array(rows),
    valueGrad: new Float64Array(rows * n),
  };
}

function forward(fn: string, r: Resolved, thetaIn: Vector, call: unknown, record: boolean, rowBase = 0): Tape {
  const theta = toJs(fn, vector(fn, 'theta', thetaIn));
  const [rows, n] = shapeOf(fn, r, call, theta.length);
  const tapeLen = rows * r.samples * n;
  const keep = record && !r.user && tapeLen * 16 <= TAPE_BUDGET_BYTES;
  const samples = keep ? { z: new Float64Array(tapeLen), y: new Float64Array(tapeLen) } : null;
  const est = emptyEstimate(rows, n);
  const ys = eachBatch(r, theta, rows, n, (row0, count, ysRow) => {
    const t = count * n;
    guarded(fn, (ex) => {
      const tl = samples ? tapeLen : 0;
      const [sc, st, sy, sy1, sy2, sy3, sf, sf2, sz, syy] = scratch(ex).frame(fn, [
        88, t * 8, ysRow ? ysRow.length * 8 : 0, t * 8, t * 8, t * 8, count * 8, count * 8, tl * 8, tl * 8,
      ]);
      f64At(ex, sc, 11).set(r.cfg);
      place(ex, fn, st, theta.subarray(row0 * n, row0 * n + t));
      const py = ysRow ? place(ex, fn, sy, ysRow) : 0;
      const status = kernels<PerturbKernels>(ex).perturb_forward(
        sc, st, count, n, rowBase + row0, py, ysRow ? ysRow.length : 0, sy1, sy2, sy3, sf, sf2, sz, syy, tl);
      if (status !== 0) throw statusError(fn, status, ARG_NAMES('theta'), HINTS);
      if (samples && tl) {
        samples.z.set(f64At(ex, sz, tl));
        samples.y.set(f64At(ex, syy, tl));
      }
      est.output.set(f64At(ex, sy1, t), row0 * n);
      est.outputStderr.set(f64At(ex, sy2, t), row0 * n);
      est.valueGrad.set(f64At(ex, sy3, t), row0 * n);
      est.value.set(f64At(ex, sf, count), row0);
      est.valueStderr.set(f64At(ex, sf2, count), row0);
    });
    return ysRow;
  });
  return { r, theta, rows, n, est, ys, samples };
}

function backward(fn: string, tape: Tape, vjp: boolean, input: Vector, name: string): Float64Array {
  const v = vector(fn, name, input);
  const { r, theta, rows, n } = tape;
  sameLength(fn, name, v.length, rows * n);
  const inp = toJs(fn, v);
  const out = new Float64Array(rows * n);
  const batches = r.user ? tape.ys.map((ys, row) => ({ row0: row, count: 1, ys })) : [{ row0: 0, count: rows, ys: null }];
  for (const { row0, count, ys } of batches) {
    const t = count * n;
    guarded(fn, (ex) => {
      const tl = tape.samples ? tape.samples.z.length : 0;
      const [sc, st, sm, si, sy, so, sz, syy] = scratch(ex).frame(fn, [
        88, t * 8, t * 8, t * 8, ys ? ys.length * 8 : 0, t * 8, tl * 8, tl * 8,
      ]);
      if (tape.samples && tl) {
        f64At(ex, sz, tl).set(tape.samples.z);
        f64At(ex, syy, tl).set(tape.samples.y);
      }
      f64At(ex, sc, 11).set(r.cfg);
      const span = (a: Float64Array) => a.subarray(row0 * n, row0 * n + t);
      place(ex, fn, st, span(theta));
      place(ex, fn, sm, span(tape.est.output));
      place(ex, fn, si, span(inp));
      const py = ys ? place(ex, fn, sy, ys) : 0;
      const status = kernels<PerturbKernels>(ex).perturb_backward(
        sc, vjp ? 1 : 0, st, sm, si, count, n, row0, py, ys ? ys.length : 0, sz, syy, tl, so);
      if (status !== 0) throw statusError(fn, status, ARG_NAMES(name), HINTS);
      out.set(f64At(ex, so, t), row0 * n);
    });
  }
  return out;
}

/**
 * Internal (the worker pool, ts/pool): the estimates of a built-in oracle on
 * rows `rowOffset … rowOffset + rows − 1` of a larger batch. Noise streams
 * are keyed by the global row index, so a batch split into slices at their
 * offsets gives bit for bit the single call's results. Not exported by the
 * public API.
 */
export function perturbedRows(oracle: OracleSpec, options: PerturbedOptions | undefined, theta: Float64Array,
  shape: readonly [number, number], rowOffset: number): PerturbedEstimate {
  const fn = 'perturbed';
  const r = resolve(fn, oracle, options);
  if (r.user) throw new DiffoptError('type', `${fn}: a pool cannot run a user oracle (functions cannot be sent to workers)`, 'oracle');
  return forward(fn, r, theta, { shape }, false, rowOffset).est;
}

/**
 * The perturbed optimizer y_ε(θ) = E[y*(θ + εZ)] of a discrete solver,
 * differentiable in θ. `vjp` uses the estimator E[y*(θ+εZ)∇ν(Z)ᵀ]/ε on the
 * forward pass's samples (regenerated from the seed), with the sample-mean
 * control variate by default; `estimate` also returns
 * F_ε(θ) = E[max ⟨y, θ + εZ⟩] and standard errors.
 *
 * @example
 * ```ts
 * import { init, perturbed } from 'diffopt';
 * await init();
 * const softArgmax = perturbed('argmax', { epsilon: 0.5, samples: 10000, seed: 1 });
 * softArgmax([0.3, 1.2, -0.3]);            // ≈ [0.13, 0.86, 0.01]
 * const [y, pullback] = softArgmax.vjp([0.3, 1.2, -0.3]);
 * pullback([1, 0, 0]);                     // ≈ first row of the Jacobian
 * const top2 = perturbed({ kind: 'top-k', k: 2 }, { noise: 'gumbel' });
 * const mine = perturbed((t) => t.map((v) => (v > 0 ? 1 : 0)));  // a user oracle
 * ```
 */
export function perturbed(oracle: OracleSpec, options?: PerturbedOptions): PerturbedFn {
  const r = resolve('perturbed', oracle, options);
  const op = (theta: Vector, call?: CallOptions) => forward('perturbed', r, theta, call, false).est.output;
  const vjp = (theta: Vector, call?: CallOptions): [Float64Array, (g: Vector) => Float64Array] => {
    const tape = forward('perturbed.vjp', r, theta, call, true);
    return [tape.est.output, (g: Vector) => backward('perturbed.vjp', tape, true, g, 'cotangent')];
  };
  const jvp = (theta: Vector, tangent: Vector, call?: CallOptions): [Float64Array, Float64Array] => {
    const tape = forward('perturbed.jvp', r, theta, call, true);
    return [tape.est.output, backward('perturbed.jvp', tape, false, tangent, 'tangent')];
  };
  const estimate = (theta: Vector, call?: CallOptions) => forward('perturbed.estimate', r, theta, call, false).est;
  return Object.assign(op, { vjp, jvp, estimate });
}

/**
 * The perturbed Fenchel-Young loss L(θ; y) = F_ε(θ) − ⟨θ, y⟩ + Ω(y),
 * Ω = F_ε*, and its gradient y_ε(θ) − y (signs flip when minimizing).
 * The value is the sample average of ⟨y*(ηₛ) − y, ηₛ⟩ ≥ 0, unbiased for
 * targets that are vertices of the oracle's polytope (a label, a path, a
 * permutation) and an upper bound tight at vertices otherwise — the true
 * loss, not the ‖y_ε − y‖² shortcut. Batches give the mean over rows in
 * `value`, per-row `values`, and the gradient of the mean.
 *
 * @example
 * ```ts
 * import { init, perturbedFyLoss } from 'diffopt';
 * await init();
 * const loss = perturbedFyLoss('argmax', { epsilon: 1, samples: 1000 });
 * const { value, grad } = loss([1, 0], [0, 1]); // value ≈ 1.2, grad ≈ [0.76, -0.76]
 * ```
 */
export function perturbedFyLoss(oracle: OracleSpec, options?: PerturbedOptions): PerturbedLoss {
  const fn = 'perturbedFyLoss';
  const r = resolve(fn, oracle, options);
  return (thetaIn: Vector, targetIn: Vector, call?: CallOptions) => {
    const theta = toJs(fn, vector(fn, 'theta', thetaIn));
    const target = toJs(fn, vector(fn, 'target', targetIn));
    sameLength(fn, 'target', target.length, theta.length);
    const [rows, n] = shapeOf(fn, r, call, theta.length);
    const values = new Float64Array(rows);
    const grad = new Float64Array(rows * n);
    eachBatch(r, theta, rows, n, (row0, count, ys) => {
      const t = count * n;
      guarded(fn, (ex) => {
        const [sc, st, stg, sy, sv, sg] = scratch(ex).frame(fn, [88, t * 8, t * 8, ys ? ys.length * 8 : 0, count * 8, t * 8]);
        f64At(ex, sc, 11).set(r.cfg);
        place(ex, fn, st, theta.subarray(row0 * n, row0 * n + t));
        place(ex, fn, stg, target.subarray(row0 * n, row0 * n + t));
        const py = ys ? place(ex, fn, sy, ys) : 0;
        const status = kernels<PerturbKernels>(ex).perturb_loss(sc, st, stg, count, n, row0, py, ys ? ys.length : 0, sv, sg);
        if (status !== 0) throw statusError(fn, status, ARG_NAMES('target'), HINTS);
        values.set(f64At(ex, sv, count), row0);
        grad.set(f64At(ex, sg, t), row0 * n);
      });
    });
    let value = 0;
    for (const v of values) value += v;
    value /= rows;
    if (rows > 1) for (let i = 0; i < grad.length; i++) grad[i] /= rows;
    return { value, values, grad };
  };
}
