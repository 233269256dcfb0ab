/**
 * The baseline for bench/fy.mjs: softmax, sparsemax and 1.5-entmax with
 * their vjp, written the way a competent JavaScript developer would from
 * /work/shared/MATH.md §5 — max-shifted softmax with Math.exp, the
 * sort-and-cumsum sparsemax threshold, the sort-based exact 1.5-entmax of
 * Peters et al. (2019). No wasm, no tricks; rows are processed one at a
 * time, into fresh Float64Arrays (like diffopt's API).
 */

export interface Options {
  shape?: readonly [number, number];
}

function shapeOf(x: Float64Array, o?: Options): [number, number] {
  return o?.shape ? [o.shape[0], o.shape[1]] : [1, x.length];
}

function softmaxRow(x: Float64Array, out: Float64Array): void {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > m) m = x[i];
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const e = Math.exp(x[i] - m);
    out[i] = e;
    s += e;
  }
  for (let i = 0; i < x.length; i++) out[i] /= s;
}

/** Sorted copy, decreasing. */
function sortedDesc(x: Float64Array): Float64Array {
  const s = Float64Array.from(x).sort();
  return s.reverse();
}

function sparsemaxRow(x: Float64Array, out: Float64Array): void {
  const s = sortedDesc(x);
  let cs = 0;
  let tau = s[0] - 1;
  for (let k = 0; k < s.length; k++) {
    cs += s[k];
    if (1 + (k + 1) * s[k] > cs) tau = (cs - 1) / (k + 1);
    else break;
  }
  for (let i = 0; i < x.length; i++) out[i] = Math.max(x[i] - tau, 0);
}

function entmax15Row(x: Float64Array, out: Float64Array): void {
  const half = x.map((v) => v / 2);
  const s = sortedDesc(half);
  let cs = 0;
  let cs2 = 0;
  let tauStar = 0;
  for (let k = 0; k < s.length; k++) {
    cs += s[k];
    cs2 += s[k] * s[k];
    const kk = k + 1;
    const mean = cs / kk;
    const ss = kk * (cs2 / kk - mean * mean);
    const delta = Math.max((1 - ss) / kk, 0);
    const tau = mean - Math.sqrt(delta);
    if (tau <= s[k]) tauStar = tau;
    else break;
  }
  for (let i = 0; i < x.length; i++) {
    const d = Math.max(half[i] - tauStar, 0);
    out[i] = d * d;
  }
}

type Row = (x: Float64Array, out: Float64Array) => void;
type Back = (p: Float64Array, g: Float64Array, out: Float64Array) => void;

function softmaxBack(p: Float64Array, g: Float64Array, out: Float64Array): void {
  let d = 0;
  for (let i = 0; i < p.length; i++) d += p[i] * g[i];
  for (let i = 0; i < p.length; i++) out[i] = p[i] * (g[i] - d);
}

function sparsemaxBack(p: Float64Array, g: Float64Array, out: Float64Array): void {
  let s = 0;
  let k = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] > 0) {
      s += g[i];
      k++;
    }
  }
  const mean = k ? s / k : 0;
  for (let i = 0; i < p.length; i++) out[i] = p[i] > 0 ? g[i] - mean : 0;
}

function entmax15Back(p: Float64Array, g: Float64Array, out: Float64Array): void {
  let gs = 0;
  let gv = 0;
  for (let i = 0; i < p.length; i++) {
    const q = Math.sqrt(p[i]);
    gs += q;
    gv += q * g[i];
  }
  const c = gv / gs;
  for (let i = 0; i < p.length; i++) out[i] = Math.sqrt(p[i]) * (g[i] - c);
}

function batched(row: Row) {
  return (x: Float64Array, o?: Options): Float64Array => {
    const [rows, n] = shapeOf(x, o);
    const out = new Float64Array(rows * n);
    for (let r = 0; r < rows; r++) row(x.subarray(r * n, (r + 1) * n), out.subarray(r * n, (r + 1) * n));
    return out;
  };
}

function op(row: Row, back: Back) {
  const f = batched(row);
  const vjp = (x: Float64Array, o?: Options): [Float64Array, (g: Float64Array) => Float64Array] => {
    const [rows, n] = shapeOf(x, o);
    const p = f(x, o);
    return [p, (g: Float64Array) => {
      const out = new Float64Array(rows * n);
      for (let r = 0; r < rows; r++) {
        const s = r * n;
        back(p.subarray(s, s + n), g.subarray(s, s + n), out.subarray(s, s + n));
      }
      return out;
    }];
  };
  return Object.assign(f, { vjp });
}

export const softmax = op(softmaxRow, softmaxBack);
export const sparsemax = op(sparsemaxRow, sparsemaxBack);
export const entmax = op(entmax15Row, entmax15Back);
