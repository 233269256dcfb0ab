/**
 * The baseline for bench/sort.mjs: soft rank and soft sort (L2 and KL) with
 * their vjp, written the way a competent JavaScript developer would from
 * /work/shared/MATH.md §1 — argsort with Array.prototype.sort and a
 * comparator, PAV with a stack of block objects, a block-wise backward pass.
 * No wasm, no tricks; rows of a batch are processed one at a time.
 *
 * Conventions match diffopt: ascending rank 1 = smallest; ties in the
 * descending argsort are ordered by decreasing original index.
 */

export type Regularization = 'l2' | 'kl';
export type Direction = 'ascending' | 'descending';

export interface Options {
  regularization?: Regularization;
  strength?: number;
  direction?: Direction;
  shape?: readonly [number, number];
}

interface Block {
  start: number;
  end: number; // exclusive
  a: number; // L2: sum of y; KL: LSE of the first vector
  b: number; // KL: LSE of the second vector
  value: number;
}

/** What one row's backward pass needs. */
interface RowTape {
  perm: number[];
  blocks: Block[];
  weights: Float64Array; // per sorted position, Σ over a block = 1
}

function logAddExp(a: number, b: number): number {
  const hi = Math.max(a, b);
  const lo = Math.min(a, b);
  return hi + Math.log1p(Math.exp(lo - hi));
}

function logSumExp(x: Float64Array, start: number, end: number): number {
  let m = -Infinity;
  for (let i = start; i < end; i++) m = Math.max(m, x[i]);
  let s = 0;
  for (let i = start; i < end; i++) s += Math.exp(x[i] - m);
  return m + Math.log(s);
}

/** Indices sorting z in decreasing order, ties by decreasing index. */
function argsortDescending(z: Float64Array): number[] {
  const idx = Array.from({ length: z.length }, (_, i) => i);
  idx.sort((i, j) => z[j] - z[i] || j - i);
  return idx;
}

/** L2 PAV for a decreasing fit of y: block value = mean of y. */
function pavL2(y: Float64Array): Block[] {
  const stack: Block[] = [];
  for (let i = 0; i < y.length; i++) {
    let cur: Block = { start: i, end: i + 1, a: y[i], b: 0, value: y[i] };
    while (stack.length > 0 && stack[stack.length - 1].value <= cur.value) {
      const prev = stack.pop()!;
      const sum = prev.a + cur.a;
      cur = { start: prev.start, end: cur.end, a: sum, b: 0, value: sum / (cur.end - prev.start) };
    }
    stack.push(cur);
  }
  return stack;
}

/** KL PAV of (s, w): block value = LSE(s_B) − LSE(w_B). */
function pavKl(s: Float64Array, w: Float64Array): Block[] {
  const stack: Block[] = [];
  for (let i = 0; i < s.length; i++) {
    let cur: Block = { start: i, end: i + 1, a: s[i], b: w[i], value: s[i] - w[i] };
    while (stack.length > 0 && stack[stack.length - 1].value <= cur.value) {
      const prev = stack.pop()!;
      const a = logAddExp(prev.a, cur.a);
      const b = logAddExp(prev.b, cur.b);
      cur = { start: prev.start, end: cur.end, a, b, value: a - b };
    }
    stack.push(cur);
  }
  return stack;
}

/** Block weights: 1/|B| (L2) or softmax of the sorted inputs over B (KL). */
function blockWeights(reg: Regularization, s: Float64Array, blocks: Block[]): Float64Array {
  const weights = new Float64Array(s.length);
  for (const blk of blocks) {
    if (reg === 'l2') {
      weights.fill(1 / (blk.end - blk.start), blk.start, blk.end);
    } else {
      const lse = logSumExp(s, blk.start, blk.end);
      for (let i = blk.start; i < blk.end; i++) weights[i] = Math.exp(s[i] - lse);
    }
  }
  return weights;
}

function settings(opts: Options, length: number) {
  const reg = opts.regularization ?? 'l2';
  const strength = opts.strength ?? 1;
  const direction = opts.direction ?? 'ascending';
  const [rows, n] = opts.shape ?? [1, length];
  if (rows * n !== length) throw new Error(`shape [${rows}, ${n}] does not match length ${length}`);
  return { reg, strength, direction, rows, n };
}

/** Soft rank of one row; writes into out, returns the tape. */
function rankRow(x: Float64Array, out: Float64Array, reg: Regularization, strength: number, direction: Direction): RowTape {
  const n = x.length;
  const scale = (direction === 'ascending' ? 1 : -1) / strength;
  const z = x.map((v) => v * scale);
  const perm = argsortDescending(z);
  const s = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s[i] = z[perm[i]];
    w[i] = reg === 'l2' ? n - i : Math.log(n - i);
  }
  let blocks: Block[];
  if (reg === 'l2') {
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) y[i] = s[i] - w[i];
    blocks = pavL2(y);
  } else {
    blocks = pavKl(s, w);
  }
  // r = s − v (L2) or exp(s − v) (KL), mapped back through the permutation.
  for (const blk of blocks) {
    for (let i = blk.start; i < blk.end; i++) {
      const p = s[i] - blk.value;
      out[perm[i]] = reg === 'l2' ? p : Math.exp(p);
    }
  }
  return { perm, blocks, weights: blockWeights(reg, s, blocks) };
}

/** Soft sort of one row; writes into out, returns the tape. */
function sortRow(x: Float64Array, out: Float64Array, reg: Regularization, strength: number, direction: Direction): RowTape {
  const n = x.length;
  const sign = direction === 'ascending' ? -1 : 1;
  const z = x.map((v) => v * sign);
  const perm = argsortDescending(z);
  const s = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s[i] = z[perm[i]];
    w[i] = (n - i) / strength;
  }
  let blocks: Block[];
  if (reg === 'l2') {
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) y[i] = w[i] - s[i];
    blocks = pavL2(y);
  } else {
    blocks = pavKl(w, s);
  }
  for (const blk of blocks) {
    for (let i = blk.start; i < blk.end; i++) out[i] = sign * (w[i] - blk.value);
  }
  return { perm, blocks, weights: blockWeights(reg, s, blocks) };
}

type RowFn = typeof rankRow;

function forwardAll(row: RowFn, x: Float64Array, opts: Options): [Float64Array, RowTape[], ReturnType<typeof settings>] {
  const cfg = settings(opts, x.length);
  const out = new Float64Array(x.length);
  const tapes: RowTape[] = [];
  for (let r = 0; r < cfg.rows; r++) {
    const lo = r * cfg.n;
    const hi = lo + cfg.n;
    tapes.push(row(x.subarray(lo, hi), out.subarray(lo, hi), cfg.reg, cfg.strength, cfg.direction));
  }
  return [out, tapes, cfg];
}

/** Soft rank r_ε(x) (row-wise for `shape: [rows, n]`). */
export function softRank(x: Float64Array, opts: Options = {}): Float64Array {
  return forwardAll(rankRow, x, opts)[0];
}

/** Soft rank and its pullback g ↦ gᵀJ. */
softRank.vjp = (x: Float64Array, opts: Options = {}): [Float64Array, (g: Float64Array) => Float64Array] => {
  const [value, tapes, cfg] = forwardAll(rankRow, x, opts);
  const scale = (cfg.direction === 'ascending' ? 1 : -1) / cfg.strength;
  const pullback = (g: Float64Array): Float64Array => {
    const grad = new Float64Array(g.length);
    for (let r = 0; r < cfg.rows; r++) {
      const off = r * cfg.n;
      const { perm, blocks, weights } = tapes[r];
      // Sorted coordinates: t = scale·(r ⊙ g for KL, g for L2); grad = t − Aᵀt.
      const t = new Float64Array(cfg.n);
      for (let i = 0; i < cfg.n; i++) {
        const q = off + perm[i];
        t[i] = scale * (cfg.reg === 'kl' ? value[q] * g[q] : g[q]);
      }
      for (const blk of blocks) {
        let total = 0;
        for (let i = blk.start; i < blk.end; i++) total += t[i];
        for (let j = blk.start; j < blk.end; j++) grad[off + perm[j]] = t[j] - weights[j] * total;
      }
    }
    return grad;
  };
  return [value, pullback];
};

/** Soft sort s_ε(x) (row-wise for `shape: [rows, n]`), in sorted order. */
export function softSort(x: Float64Array, opts: Options = {}): Float64Array {
  return forwardAll(sortRow, x, opts)[0];
}

/** Soft sort and its pullback g ↦ gᵀJ. */
softSort.vjp = (x: Float64Array, opts: Options = {}): [Float64Array, (g: Float64Array) => Float64Array] => {
  const [value, tapes, cfg] = forwardAll(sortRow, x, opts);
  const pullback = (g: Float64Array): Float64Array => {
    const grad = new Float64Array(g.length);
    for (let r = 0; r < cfg.rows; r++) {
      const off = r * cfg.n;
      const { perm, blocks, weights } = tapes[r];
      // ∂out_i/∂s_j = a_j within a block; the sign of the sort cancels.
      for (const blk of blocks) {
        let total = 0;
        for (let i = blk.start; i < blk.end; i++) total += g[off + i];
        for (let j = blk.start; j < blk.end; j++) grad[off + perm[j]] = weights[j] * total;
      }
    }
    return grad;
  };
  return [value, pullback];
};
