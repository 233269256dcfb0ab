// The soft-DTW family through the public API: reference vectors (both cost
// conventions), brute force over all alignments, finite differences and
// dot-product tests on every vjp/jvp, exact invariants, input forms and bad
// input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import golden from './fixtures/sdtw.json' with { type: 'json' };
import {
  init, softDtw, softDtwDivergence, sharpSoftDtw, sharpSoftDtwDivergence, meanCostDtw, meanCostDtwDivergence,
  softDtwEntropy, softDtwAlignment, softDtwFromCost, softDtwPairwise, softDtwBarycenter, NearestCentroid, DiffoptError,
} from '../dist/index.js';
import { rng, dot, close, throwsCode } from './helpers/numeric.mjs';

await init();

const flat = (rows) => Float64Array.from(rows.flat());
const maxAbs = (a) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const gatol = (a) => 1e-11 * (1 + maxAbs(a));
const scalar = (a, b, rtol, atol, what) => {
  if (!(Math.abs(a - b) <= rtol * Math.abs(b) + atol)) assert.unreachable(`${what}: ${a} vs ${b}`);
};

const PAIRS = [
  ['sdtw', softDtw],
  ['sdtw_div', softDtwDivergence],
  ['sharp_sdtw', sharpSoftDtw],
  ['sharp_sdtw_div', sharpSoftDtwDivergence],
];
const CONVENTIONS = [['half', 'half-sqeuclidean'], ['full', 'sqeuclidean']];

test('golden: 41 cases × 4 γ × {sdtw, divergence, sharp, sharp divergence} × {½‖·‖², ‖·‖²}: values 1e-9, grad_X 1e-8', () => {
  assert.is(golden.cases.length, 41);
  let checked = 0;
  for (const c of golden.cases) {
    for (const g of c.by_gamma) {
      for (const [conv, cost] of CONVENTIONS) {
        const opts = { gamma: g.gamma, cost };
        for (const [key, f] of PAIRS) {
          const e = g[`${key}_${conv}`];
          const what = `${c.name} γ=${g.gamma} ${key}_${conv}`;
          scalar(f(c.X, c.Y, opts), e.value, 1e-9, 1e-12, `${what} value`);
          const [v, pullback] = f.vjp(c.X, c.Y, opts);
          scalar(v, e.value, 1e-9, 1e-12, `${what} vjp value`);
          const want = flat(e.grad_X);
          close(pullback(1)[0], want, 1e-8, gatol(want), `${what} grad_X`);
          checked++;
        }
      }
    }
  }
  assert.is(checked, 41 * 4 * 8);
});

test('golden: alignment E, entropy, cost-matrix value/vjp and Hessian-vector product (½‖·‖²)', () => {
  for (const c of golden.cases) {
    const C = c.C_half;
    for (const g of c.by_gamma) {
      const what = `${c.name} γ=${g.gamma}`;
      const opts = { gamma: g.gamma, cost: 'half-sqeuclidean' };
      const s = g.sdtw_half;
      const E = flat(s.grad_C);
      close(softDtwAlignment(c.X, c.Y, opts), E, 1e-8, gatol(E), `${what} E`);
      // The reference computes (⟨E,C⟩ − sdtw)/γ, which cancels: allow its rounding.
      scalar(softDtwEntropy(c.X, c.Y, opts), s.entropy, 1e-9, 1e-13 * (1 + Math.abs(s.value) / g.gamma), `${what} entropy`);
      scalar(softDtwFromCost(C, { gamma: g.gamma }), s.value, 1e-9, 1e-12, `${what} from cost`);
      const [v, pullback] = softDtwFromCost.vjp(C, { gamma: g.gamma });
      scalar(v, s.value, 1e-9, 1e-12, `${what} from cost vjp value`);
      close(pullback(), E, 1e-8, gatol(E), `${what} from cost E`);
      const H = flat(g.sdtw_half_hvp_C_dir_C);
      close(softDtwFromCost.hvp(C, C, { gamma: g.gamma }), H, 1e-8, gatol(H), `${what} hvp`);
    }
  }
});

test('golden: mean cost and its divergence (γ-free)', () => {
  for (const c of golden.cases) {
    const opts = { cost: 'half-sqeuclidean' };
    const mc = c.mean_cost_half;
    scalar(meanCostDtw(c.X, c.Y, opts), mc.value, 1e-9, 1e-12, `${c.name} mean cost`);
    let want = flat(mc.grad_X);
    close(meanCostDtw.vjp(c.X, c.Y, opts)[1]()[0], want, 1e-8, gatol(want), `${c.name} mean cost grad`);
    const md = c.mean_cost_div_half;
    scalar(meanCostDtwDivergence(c.X, c.Y, opts), md.value, 1e-9, 1e-12, `${c.name} mean cost div`);
    want = flat(md.grad_X);
    close(meanCostDtwDivergence.valueAndGrad(c.X, c.Y, opts).gradX, want, 1e-8, gatol(want), `${c.name} mean cost div grad`);
  }
});

test('golden: tslearn documentation examples', () => {
  assert.ok(golden.tslearn_doc_examples.length >= 8);
  for (const ex of golden.tslearn_doc_examples) {
    const f = ex.description.includes('normalized') ? softDtwDivergence : softDtw;
    const opts = { gamma: ex.gamma };
    scalar(f(ex.X, ex.Y, opts), ex.value, 1e-9, 1e-12, ex.description);
    if (ex.grad_X) close(f.vjp(ex.X, ex.Y, opts)[1]()[0], flat(ex.grad_X), 1e-8, 1e-12, ex.description);
    if (ex.grad_C) close(softDtwAlignment(ex.X, ex.Y, opts), flat(ex.grad_C), 1e-8, 1e-15, ex.description);
  }
});

// ------------------------------------------------------------ brute force

function inBand(i, j, m, n, band) {
  if (band === undefined || m === 1 || n === 1) return true;
  return Math.abs(j * (m - 1) - i * (n - 1)) <= band * (Math.min(m, n) - 1);
}

function allPaths(m, n, band) {
  const out = [];
  const cur = [];
  const go = (i, j) => {
    if (!inBand(i, j, m, n, band)) return;
    cur.push([i, j]);
    if (i === m - 1 && j === n - 1) out.push(cur.slice());
    else {
      if (j + 1 < n) go(i, j + 1);
      if (i + 1 < m) go(i + 1, j);
      if (i + 1 < m && j + 1 < n) go(i + 1, j + 1);
    }
    cur.pop();
  };
  go(0, 0);
  return out;
}

function brute(C, m, n, gamma, band) {
  const paths = allPaths(m, n, band);
  const costs = paths.map((p) => p.reduce((s, [i, j]) => s + C[i * n + j], 0));
  const min = Math.min(...costs);
  const w = costs.map((s) => Math.exp(-(s - min) / gamma));
  const z = w.reduce((a, b) => a + b, 0);
  const E = new Float64Array(m * n);
  let sharp = 0, entropy = 0, mean = 0;
  paths.forEach((p, k) => {
    const pr = w[k] / z;
    for (const [i, j] of p) E[i * n + j] += pr;
    sharp += pr * costs[k];
    if (pr > 0) entropy -= pr * Math.log(pr);
    mean += costs[k] / paths.length;
  });
  return { sdtw: min - gamma * Math.log(z), E, sharp, entropy, mean, count: paths.length };
}

function sqCost(X, Y, m, n, d) {
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let l = 0; l < d; l++) s += (X[i * d + l] - Y[j * d + l]) ** 2;
    C[i * n + j] = s;
  }
  return C;
}

test('brute force over all alignments: values, E, sharp, entropy, mean cost, with bands, at scales 1 and 1e4', () => {
  const r = rng(3);
  let count = 0;
  for (const [m, n] of [[1, 1], [1, 4], [3, 1], [2, 2], [3, 3], [4, 6], [6, 4], [5, 5], [3, 7]]) {
    for (const band of [undefined, 0, 1, 2]) {
      if (allPaths(m, n, band).length === 0) {
        throwsCode(() => softDtw(new Float64Array(m), new Float64Array(n), { band }), 'domain', 'band', `${m}x${n} band ${band}`);
        continue;
      }
      for (const scale of [1, 1e4]) {
        for (const gamma of [0.01, 1, 30]) {
          const d = 2;
          const X = r.normals(m * d, scale), Y = r.normals(n * d, scale);
          const opts = { gamma, band, shape: [m, d], shapeY: [n, d] };
          const b = brute(sqCost(X, Y, m, n, d), m, n, gamma, band);
          const what = `${m}x${n} band ${band} scale ${scale} γ ${gamma}`;
          const tol = (v) => 1e-12 * (Math.abs(v) + scale * scale);
          scalar(softDtw(X, Y, opts), b.sdtw, 1e-12, tol(b.sdtw), `${what} sdtw`);
          scalar(sharpSoftDtw(X, Y, opts), b.sharp, 1e-10, tol(b.sharp), `${what} sharp`);
          scalar(softDtwEntropy(X, Y, opts), b.entropy, 1e-9, 1e-10, `${what} entropy`);
          scalar(meanCostDtw(X, Y, opts), b.mean, 1e-12, tol(b.mean), `${what} mean cost`);
          close(softDtwAlignment(X, Y, opts), b.E, 1e-9, 1e-12, `${what} E`);
          count++;
        }
      }
    }
  }
  assert.ok(count > 100, String(count));
});

test('inputs ×1e4 at γ = 0.01: exact (a finite 1e10 border would give a wrong value)', () => {
  const r = rng(9);
  const X = r.normals(6, 1e4), Y = r.normals(5, 1e4);
  for (const gamma of [1e-4, 0.01, 1]) {
    const b = brute(sqCost(X, Y, 6, 5, 1), 6, 5, gamma);
    scalar(softDtw(X, Y, { gamma }), b.sdtw, 1e-13, 0, `γ ${gamma}`);
  }
});

// ------------------------------------------------------------ derivatives

const SERIES_FUNCTIONS = [
  ['softDtw', softDtw],
  ['softDtwDivergence', softDtwDivergence],
  ['sharpSoftDtw', sharpSoftDtw],
  ['sharpSoftDtwDivergence', sharpSoftDtwDivergence],
  ['meanCostDtw', meanCostDtw],
  ['meanCostDtwDivergence', meanCostDtwDivergence],
  ['softDtwEntropy', softDtwEntropy],
];

test('every vjp against central finite differences (along random directions in X and Y)', () => {
  const r = rng(17);
  for (const [name, f] of SERIES_FUNCTIONS) {
    for (const cost of ['sqeuclidean', 'half-sqeuclidean']) {
      for (const gamma of [0.1, 1, 10]) {
        for (const band of [undefined, 2]) {
          for (const [m, n, d] of [[1, 3, 1], [4, 4, 2], [5, 8, 3], [9, 6, 1]]) {
            const opts = { gamma, cost, band, shape: [m, d], shapeY: [n, d] };
            const X = r.normals(m * d), Y = r.normals(n * d);
            const U = r.normals(m * d), V = r.normals(n * d);
            const [v, pullback] = f.vjp(X, Y, opts);
            scalar(v, f(X, Y, opts), 0, 0, `${name} value`);
            const g = 0.7;
            const [dX, dY] = pullback(g);
            const h = 1e-5;
            const at = (t) => f(X.map((x, i) => x + t * U[i]), Y.map((y, j) => y + t * V[j]), opts);
            const fd = g * (at(h) - at(-h)) / (2 * h);
            const an = dot(dX, U) + dot(dY, V);
            scalar(an, fd, 1e-6, 1e-6, `${name} ${cost} γ ${gamma} band ${band} ${m}x${n}x${d}`);
          }
        }
      }
    }
  }
});

test('softDtwFromCost: vjp·Z = jvp(Z) (dot-product test), jvp = finite differences, Hessian symmetric and = FD of E', () => {
  const r = rng(23);
  for (const [m, n] of [[1, 1], [3, 5], [6, 4], [7, 7]]) {
    for (const gamma of [0.1, 1, 5]) {
      for (const band of [undefined, 2]) {
        if (band !== undefined && allPaths(m, n, band).length === 0) continue;
        const opts = { gamma, band, shape: [m, n] };
        const C = r.normals(m * n).map((v) => Math.abs(v) * 2);
        const Z = r.normals(m * n), U = r.normals(m * n);
        const [v, pullback] = softDtwFromCost.vjp(C, opts);
        const E = pullback();
        const [v2, dv] = softDtwFromCost.jvp(C, Z, opts);
        scalar(v2, v, 0, 0, 'jvp value');
        scalar(dot(E, Z), dv, 1e-10, 1e-12, `dot-product ${m}x${n} γ ${gamma}`);
        const h = 1e-6;
        const fd = (softDtwFromCost(C.map((c, i) => c + h * Z[i]), opts) - softDtwFromCost(C.map((c, i) => c - h * Z[i]), opts)) / (2 * h);
        scalar(dv, fd, 1e-6, 1e-8, `jvp fd ${m}x${n} γ ${gamma}`);
        const HZ = softDtwFromCost.hvp(C, Z, opts), HU = softDtwFromCost.hvp(C, U, opts);
        scalar(dot(U, HZ), dot(HU, Z), 1e-10, 1e-12, 'Hessian symmetry');
        const Ep = softDtwFromCost.vjp(C.map((c, i) => c + h * Z[i]), opts)[1]();
        const Em = softDtwFromCost.vjp(C.map((c, i) => c - h * Z[i]), opts)[1]();
        close(HZ, Ep.map((e, i) => (e - Em[i]) / (2 * h)), 1e-5, 1e-7, `hvp fd ${m}x${n} γ ${gamma}`);
      }
    }
  }
});

test('vjp pullbacks are linear in the cotangent and reusable', () => {
  const [v, pullback] = softDtw.vjp([1, 2, 3], [3, 4, -3]);
  const [a] = pullback(1);
  const [b] = pullback(-2);
  close(b, a.map((x) => -2 * x), 0, 0, 'linear');
  close(pullback()[0], a, 0, 0, 'default cotangent 1');
  assert.ok(Number.isFinite(v));
});

// ------------------------------------------------------------ invariants

test('divergences of a series with itself are exactly 0 with exactly zero gradient', () => {
  const r = rng(31);
  for (const [m, d] of [[1, 1], [5, 2], [17, 3]]) {
    const X = r.normals(m * d);
    for (const f of [softDtwDivergence, sharpSoftDtwDivergence, meanCostDtwDivergence]) {
      for (const gamma of [1e-4, 0.1, 1, 1e4]) {
        for (const band of [undefined, 0, 3]) {
          const opts = { gamma, band, shape: [m, d], shapeY: [m, d] };
          assert.is(f(X, X, opts), 0);
          const { value, gradX, gradY } = f.valueAndGrad(X, X.slice(), opts);
          assert.is(value, 0);
          assert.ok(gradX.every((g) => g === 0) && gradY.every((g) => g === 0), `${f.name} γ ${gamma}`);
        }
      }
    }
  }
});

test('γ from 1e-4 to 1e4: finite values and gradients; soft-DTW → DTW as γ → 0', () => {
  const r = rng(41);
  const X = r.normals(40, 10), Y = r.normals(30);
  for (const gamma of [1e-4, 1e-2, 1, 1e2, 1e4]) {
    for (const [, f] of SERIES_FUNCTIONS) {
      const { value, gradX, gradY } = f.valueAndGrad(X, Y, { gamma, shape: [20, 2] });
      assert.ok(Number.isFinite(value), `${f.name} γ ${gamma}`);
      assert.ok([...gradX, ...gradY].every(Number.isFinite), `${f.name} γ ${gamma}`);
    }
  }
  const lo = softDtw(X, Y, { gamma: 1e-4, shape: [20, 2] });
  const hard = brute(sqCost(X.slice(0, 8), Y.slice(0, 6), 4, 3, 2), 4, 3, 1e-4);
  assert.ok(Number.isFinite(lo));
  scalar(softDtw(X.slice(0, 8), Y.slice(0, 6), { gamma: 1e-4, shape: [4, 2] }), hard.sdtw, 1e-12, 1e-12, 'tiny γ');
});

test('symmetric in (X, Y), also with a band and unequal lengths', () => {
  const r = rng(43);
  const X = r.normals(14), Y = r.normals(24);
  for (const [, f] of SERIES_FUNCTIONS) {
    for (const band of [undefined, 3]) {
      const opts = { gamma: 0.5, band, shape: [7, 2] };
      const rev = { gamma: 0.5, band, shape: [12, 2] };
      assert.is(f(X, Y, opts), f(Y, X, rev), f.name);
    }
  }
});

test('Sakoe-Chiba band for unequal lengths: E vanishes outside it; a huge band is no band', () => {
  const r = rng(47);
  const X = r.normals(10), Y = r.normals(30);
  const E = softDtwAlignment(X, Y, { band: 2 });
  for (let i = 0; i < 10; i++) for (let j = 0; j < 30; j++) {
    if (!inBand(i, j, 10, 30, 2)) assert.is(E[i * 30 + j], 0);
  }
  assert.is(softDtw(X, Y, { band: 1e6 }), softDtw(X, Y));
  throwsCode(() => softDtw(X, Y, { band: 0 }), 'domain', 'band', 'too narrow');
});

test('mean cost at length 5000 does not overflow (the reference overflows near 410)', () => {
  const n = 5000;
  const X = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.01));
  const Y = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 0.011));
  const v = meanCostDtw(X, Y);
  assert.ok(Number.isFinite(v) && v > 0, String(v));
  const [w, pullback] = meanCostDtw.vjp(X.subarray(0, 500), Y.subarray(0, 500));
  assert.ok(Number.isFinite(w) && pullback()[0].every(Number.isFinite));
});

// ------------------------------------------------------------ input forms

test('series forms: number[][], number[], Float64Array + shape, { data, shape }, inferred shapeY', () => {
  const Xr = [[1, 0], [2, 1], [3, 3]];
  const Yr = [[0, 0], [2, 2]];
  const ref = softDtw(Xr, Yr);
  assert.is(softDtw(flat(Xr), flat(Yr), { shape: [3, 2], shapeY: [2, 2] }), ref);
  assert.is(softDtw(flat(Xr), flat(Yr), { shape: [3, 2] }), ref);
  assert.is(softDtw({ data: flat(Xr), shape: [3, 2] }, { data: Yr.flat(), shape: [2, 2] }), ref);
  assert.is(softDtw(Xr, flat(Yr)), ref);
  assert.is(softDtw([1, 2, 3], [[1], [2], [3]]), softDtw(new Float64Array([1, 2, 3]), [1, 2, 3]));
  assert.is(softDtwFromCost([[0, 1], [1, 0]]), softDtwFromCost([0, 1, 1, 0], { shape: [2, 2] }));
  const [, pb] = softDtw.vjp(Xr, Yr);
  const [dX, dY] = pb();
  assert.is(dX.length, 6);
  assert.is(dY.length, 4);
});

// ------------------------------------------------------------ batches

const METRIC_FUNCTIONS = {
  'soft-dtw': softDtw,
  divergence: softDtwDivergence,
  sharp: sharpSoftDtw,
  'sharp-divergence': sharpSoftDtwDivergence,
  'mean-cost': meanCostDtw,
  'mean-cost-divergence': meanCostDtwDivergence,
  entropy: softDtwEntropy,
};

test('softDtwPairwise: every metric equals the single-pair functions bit for bit, rectangular and symmetric', () => {
  const r = rng(61);
  const Xs = [5, 8, 3].map((len) => ({ data: r.normals(len * 2), shape: [len, 2] }));
  const Ys = [4, 6].map((len) => Array.from({ length: len }, () => [r.normal(), r.normal()]));
  for (const [metric, f] of Object.entries(METRIC_FUNCTIONS)) {
    const opts = { gamma: 0.7, band: 3 };
    const M = softDtwPairwise(Xs, Ys, { metric, ...opts });
    assert.is(M.length, 6);
    for (let a = 0; a < 3; a++) for (let b = 0; b < 2; b++) assert.is(M[a * 2 + b], f(Xs[a], Ys[b], opts), `${metric} ${a} ${b}`);
    const S = softDtwPairwise(Xs, undefined, { metric, ...opts });
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) assert.is(S[a * 3 + b], f(Xs[a], Xs[b], opts), `${metric} sym ${a} ${b}`);
      if (metric.endsWith('divergence')) assert.is(S[a * 3 + a], 0);
    }
  }
  const dtw = softDtwPairwise([[0, 1, 2]], [[0, 1, 1, 2]], { metric: 'dtw' });
  assert.is(dtw[0], 0);
  const eu = softDtwPairwise([[0, 1], [1, 1]], [[1, 1]], { metric: 'euclidean' });
  close(eu, [1, 0], 0, 0, 'euclidean');
  throwsCode(() => softDtwPairwise([[0, 1, 2]], [[1, 1]], { metric: 'euclidean' }), 'shape', 'Ys', 'unequal lengths');
  throwsCode(() => softDtwPairwise([[1, 2], [1, 2, 3, 4, 5, 6, 7, 8]], null, { band: 0 }), 'domain', 'band', 'too narrow');
  throwsCode(() => softDtwPairwise([]), 'shape', 'Xs', 'empty set');
  throwsCode(() => softDtwPairwise([[[1, 2]], [[1, 2, 3]]]), 'shape', 'Xs[1]', 'dims differ');
  throwsCode(() => softDtwPairwise([[1, NaN]]), 'nonfinite', 'Xs', 'NaN');
  throwsCode(() => softDtwPairwise([[1]], [[1]], { metric: 'l1' }), 'option', 'metric', 'unknown metric');
});

test('softDtwBarycenter: the divergence barycenter of one series is that series; objectives decrease', () => {
  const r = rng(71);
  const Y = r.normals(24);
  for (const metric of ['divergence', 'sharp-divergence']) {
    const init = Y.map((v) => v + 0.3 * Math.sin(7 * v));
    const res = softDtwBarycenter([{ data: Y, shape: [12, 2] }], { metric, gamma: 0.1, init: { data: init, shape: [12, 2] }, maxIter: 200, tol: 1e-9 });
    assert.ok(res.value < 1e-8, `${metric} ${res.value}`);
    close(res.barycenter, Y, 0, 1e-3, metric);
    assert.equal(res.shape, [12, 2]);
  }
  const Ys = [10, 14, 9, 12].map((len) => Array.from({ length: len }, (_, t) => Math.sin((t * 6) / len)));
  for (const metric of ['soft-dtw', 'divergence', 'sharp', 'sharp-divergence', 'mean-cost-divergence']) {
    const f = METRIC_FUNCTIONS[metric];
    const objective = (Z) => Ys.reduce((s, Yk) => s + f(Z, Yk, { gamma: 1 }) / Ys.length, 0);
    const init = r.normals(11);
    const res = softDtwBarycenter(Ys, { metric, gamma: 1, init });
    const f0 = objective(init), f1 = objective(res.barycenter);
    assert.ok(f1 < f0, `${metric}: ${f1} !< ${f0}`);
    scalar(res.value, f1, 1e-9, 1e-12, `${metric} reported value`);
    assert.ok(res.iterations >= 1 && res.evaluations >= res.iterations);
  }
  // Weights: all mass on one series gives (for the divergence) that series.
  const two = [Ys[0], Ys[1].slice(0, 10)];
  const w = softDtwBarycenter(two, { metric: 'divergence', gamma: 0.1, weights: [1, 0], init: Ys[0].map((v) => v + 0.1), tol: 1e-10, maxIter: 300 });
  close(w.barycenter, Ys[0], 0, 2e-3, 'weights');
  const mean = softDtwBarycenter([[0, 2], [2, 4]], { maxIter: 0 });
  close(mean.barycenter, [1, 3], 0, 0, 'euclidean-mean start');
  throwsCode(() => softDtwBarycenter(Ys, { weights: [1, -1, 0, 0] }), 'domain', 'weights', 'negative weight');
  throwsCode(() => softDtwBarycenter(Ys, { weights: [1, 1] }), 'shape', 'weights', 'weights length');
  throwsCode(() => softDtwBarycenter(Ys, { init: [[1, 2]] }), 'shape', 'init', 'init dims');
  throwsCode(() => softDtwBarycenter(Ys, { maxIter: -1 }), 'domain', 'maxIter', 'maxIter');
  throwsCode(() => softDtwBarycenter(Ys, { metric: 'dtw' }), 'option', 'metric', 'not a barycenter metric');
  throwsCode(() => softDtwBarycenter([[1, 2], [1, 2, 3, 4, 5, 6, 7, 8]], { band: 0, length: 2 }), 'domain', 'band', 'band too narrow');
});

/** Cylinder-Bell-Funnel (Saito 1994), seeded. */
function cbf(r, perClass, length = 64) {
  const series = [], labels = [];
  for (const label of ['cylinder', 'bell', 'funnel']) {
    for (let k = 0; k < perClass; k++) {
      const a = Math.floor(length / 8 + r.uniform() * length / 4);
      const b = Math.min(length - 1, a + Math.floor(length / 4 + r.uniform() * length / 2));
      const eta = r.normal();
      const s = new Float64Array(length);
      for (let t = 0; t < length; t++) {
        const inside = t >= a && t <= b;
        const shape = label === 'cylinder' ? 1 : label === 'bell' ? (t - a) / (b - a) : (b - t) / (b - a);
        s[t] = (6 + eta) * (inside ? shape : 0) + r.normal();
      }
      series.push(s);
      labels.push(label);
    }
  }
  return { series, labels };
}

test('NearestCentroid on Cylinder-Bell-Funnel: every metric fits, predicts and scores; divergence is accurate', () => {
  const r = rng(81);
  const train = cbf(r, 6, 48), testSet = cbf(r, 10, 48);
  const progress = [];
  for (const metric of ['euclidean', 'dtw', 'soft-dtw', 'divergence', 'sharp-divergence']) {
    const clf = new NearestCentroid({ metric, gamma: 1, maxIter: 20, onProgress: (done, total) => progress.push([metric, done, total]) });
    clf.fit(train.series, train.labels);
    assert.equal(clf.classes, ['cylinder', 'bell', 'funnel']);
    assert.is(clf.centroids.length, 3);
    const pred = clf.predict(testSet.series);
    assert.is(pred.length, 30);
    const acc = clf.score(testSet.series, testSet.labels);
    assert.ok(acc >= 0 && acc <= 1);
    if (metric === 'divergence') assert.ok(acc >= 0.8, `divergence accuracy ${acc}`);
    assert.is(clf.distances(testSet.series.slice(0, 2)).length, 6);
  }
  assert.is(progress.length, 15);
  assert.equal(progress[2], ['euclidean', 3, 3]);
  throwsCode(() => new NearestCentroid({ metric: 'cosine' }), 'option', 'metric');
  throwsCode(() => new NearestCentroid().fit([[1, 2]], ['a', 'b']), 'shape', 'labels');
  throwsCode(() => new NearestCentroid().predict([[1]]), 'shape', 'series', 'predict before fit');
  throwsCode(() => new NearestCentroid({ metric: 'euclidean' }).fit([[1, 2], [1, 2, 3]], ['a', 'a']), 'shape', 'series');
});

// ------------------------------------------------------------ bad input

test('bad input: typed errors naming the argument', () => {
  throwsCode(() => softDtw([[1, 2]], [[1, 2, 3]]), 'shape', 'Y', 'mismatched dims');
  throwsCode(() => softDtw([], [1]), 'shape', 'X', 'empty X');
  throwsCode(() => softDtw([1], new Float64Array(0)), 'shape', 'Y', 'empty Y');
  throwsCode(() => softDtw([[1, 2], [3]], [1]), 'shape', 'X', 'ragged frames');
  throwsCode(() => softDtw([1, NaN], [1]), 'nonfinite', 'X', 'NaN');
  throwsCode(() => softDtw([1], [Infinity]), 'nonfinite', 'Y', 'Inf');
  for (const gamma of [0, -1, NaN, Infinity, '1']) throwsCode(() => softDtw([1], [1], { gamma }), 'domain', 'gamma', `γ ${gamma}`);
  for (const band of [-1, 1.5, NaN, '2']) throwsCode(() => softDtw([1, 2], [1, 2], { band }), 'domain', 'band', `band ${band}`);
  throwsCode(() => softDtw([1, 2], [1, 2, 3, 4, 5, 6, 7, 8], { band: 0 }), 'domain', 'band', 'band too narrow');
  throwsCode(() => softDtwDivergence([1, 2], [1, 2, 3, 4, 5, 6, 7, 8], { band: 1 }), 'domain', 'band', 'band too narrow (divergence)');
  throwsCode(() => softDtw([1], [1], { gama: 1 }), 'option', 'gama', 'typo');
  throwsCode(() => softDtw([1], [1], { cost: 'l1' }), 'option', 'cost', 'unknown cost');
  throwsCode(() => softDtw([1], ['a']), 'type', 'Y', 'non-number');
  throwsCode(() => softDtw(new Float64Array(5), [1], { shape: [2, 2] }), 'shape', 'X', 'shape mismatch');
  throwsCode(() => softDtw(new Float64Array(6), new Float64Array(5), { shape: [3, 2] }), 'shape', 'Y', 'not a multiple of dims');
  throwsCode(() => softDtwFromCost(new Float64Array(6)), 'shape', 'C', 'flat C without shape');
  throwsCode(() => softDtw([[1, 2], [3, 4]], [[1, 2]], { shape: [2, 3] }), 'shape', 'X', 'rows disagree with shape');
  assert.is(softDtw([[1, 2], [3, 4]], [[1, 2]], { shape: [2, 2] }), softDtw([[1, 2], [3, 4]], [[1, 2]]));
  throwsCode(() => softDtwFromCost([[1, NaN]]), 'nonfinite', 'C', 'NaN in C');
  throwsCode(() => softDtwFromCost([[1, 2]], { gamma: 0 }), 'domain', 'gamma', 'γ on C');
  throwsCode(() => softDtwFromCost.jvp([[1, 2]], [[1, 2, 3]]), 'shape', 'Z', 'Z shape');
  throwsCode(() => softDtwFromCost.hvp([[1, 2]], [[1, Infinity]]), 'nonfinite', 'Z', 'Z Inf');
  const [, pullback] = softDtw.vjp([1], [2]);
  throwsCode(() => pullback(NaN), 'nonfinite', 'cotangent', 'cotangent');
  assert.ok(throwsCode(() => softDtw([1], [1], { gamma: -1 }), 'domain') instanceof DiffoptError);
});

test.run();
