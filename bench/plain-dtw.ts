// A straightforward TypeScript soft-DTW: the baseline of bench/dtw.mjs.
//
// Written the way one would port the reference code (mblondel/soft-dtw,
// tslearn) to TypeScript: a full cost matrix, an (m+2)×(n+2) table of R
// with ±∞ borders, a row-by-row forward recursion with the max trick and
// Math.exp / Math.log, and the classic backward recursion for E recomputing
// the transition weights from R. Float64Arrays, no allocation in the inner
// loops, no SIMD. Same conventions as diffopt: C = ‖x − y‖², series
// row-major (length × dims).

export interface Pair {
  x: Float64Array;
  m: number;
  y: Float64Array;
  n: number;
  d: number;
}

function costMatrix(p: Pair, gamma: number): Float64Array {
  const { x, y, m, n, d } = p;
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < d; l++) {
        const t = x[i * d + l] - y[j * d + l];
        s += t * t;
      }
      c[i * n + j] = s / gamma;
    }
  }
  return c;
}

/** R in γ = 1 units: (m+2)×(n+2), R[0][0] = 0, +∞ borders. */
function forward(c: Float64Array, m: number, n: number): Float64Array {
  const w = n + 2;
  const r = new Float64Array((m + 2) * w).fill(Infinity);
  r[0] = 0;
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const a = r[i * w + j - 1];
      const b = r[(i - 1) * w + j - 1];
      const u = r[(i - 1) * w + j];
      const mu = Math.min(a, b, u);
      const s = Math.exp(mu - a) + Math.exp(mu - b) + Math.exp(mu - u);
      r[i * w + j] = c[(i - 1) * n + j - 1] + mu - Math.log(s);
    }
  }
  return r;
}

/** Soft-DTW value. */
export function softDtw(p: Pair, gamma: number): number {
  const r = forward(costMatrix(p, gamma), p.m, p.n);
  return gamma * r[p.m * (p.n + 2) + p.n];
}

/** Value and gradients w.r.t. X and Y. */
export function softDtwGrad(p: Pair, gamma: number): { value: number; gx: Float64Array; gy: Float64Array } {
  const { m, n, d, x, y } = p;
  const c = costMatrix(p, gamma);
  const r = forward(c, m, n);
  const w = n + 2;
  const value = gamma * r[m * w + n];
  // Backward: E[i][j] = Σ over successors of E_s · exp(R[i,j] + c_s − R_s)... written
  // with the successor's softmin: p = exp(R_s − c_s − R[i,j]) inverted sign (γ = 1 units).
  const e = new Float64Array((m + 2) * w);
  e[(m + 1) * w + n + 1] = 1;
  // Border conventions of mblondel's code: R[m+1][n+1] = R[m][n], −∞ elsewhere on the far border.
  for (let i = 1; i <= m + 1; i++) r[i * w + n + 1] = -Infinity;
  for (let j = 1; j <= n + 1; j++) r[(m + 1) * w + j] = -Infinity;
  r[(m + 1) * w + n + 1] = r[m * w + n];
  const cc = (i: number, j: number) => (i <= m && j <= n ? c[(i - 1) * n + j - 1] : 0);
  for (let j = n; j >= 1; j--) {
    for (let i = m; i >= 1; i--) {
      const rij = r[i * w + j];
      const a = Math.exp(r[(i + 1) * w + j] - rij - cc(i + 1, j));
      const b = Math.exp(r[i * w + j + 1] - rij - cc(i, j + 1));
      const g = Math.exp(r[(i + 1) * w + j + 1] - rij - cc(i + 1, j + 1));
      e[i * w + j] = e[(i + 1) * w + j] * a + e[i * w + j + 1] * b + e[(i + 1) * w + j + 1] * g;
    }
  }
  const gx = new Float64Array(m * d);
  const gy = new Float64Array(n * d);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const eij = e[(i + 1) * w + j + 1];
      for (let l = 0; l < d; l++) {
        const t = 2 * eij * (x[i * d + l] - y[j * d + l]);
        gx[i * d + l] += t;
        gy[j * d + l] -= t;
      }
    }
  }
  return { value, gx, gy };
}

/** Soft-DTW divergence value. */
export function divergence(p: Pair, gamma: number): number {
  const xx = { x: p.x, m: p.m, y: p.x, n: p.m, d: p.d };
  const yy = { x: p.y, m: p.n, y: p.y, n: p.n, d: p.d };
  return softDtw(p, gamma) - 0.5 * (softDtw(xx, gamma) + softDtw(yy, gamma));
}

/** Divergence value and gradients. */
export function divergenceGrad(p: Pair, gamma: number): { value: number; gx: Float64Array; gy: Float64Array } {
  const xy = softDtwGrad(p, gamma);
  const xx = softDtwGrad({ x: p.x, m: p.m, y: p.x, n: p.m, d: p.d }, gamma);
  const yy = softDtwGrad({ x: p.y, m: p.n, y: p.y, n: p.n, d: p.d }, gamma);
  const gx = xy.gx.map((v, i) => v - xx.gx[i]);
  const gy = xy.gy.map((v, i) => v - yy.gy[i]);
  return { value: xy.value - 0.5 * (xx.value + yy.value), gx, gy };
}

/** Soft-DTW between every series of xs and every series of ys (count × count). */
export function pairwise(xs: Float64Array, ys: Float64Array, count: number, len: number, d: number, gamma: number): Float64Array {
  const out = new Float64Array(count * count);
  const size = len * d;
  for (let a = 0; a < count; a++) {
    for (let b = 0; b < count; b++) {
      out[a * count + b] = softDtw({ x: xs.subarray(a * size, (a + 1) * size), m: len, y: ys.subarray(b * size, (b + 1) * size), n: len, d }, gamma);
    }
  }
  return out;
}
