// The Fenchel-Young family through the public API: reference vectors,
// finite differences, dot-product tests, loss invariants, batches,
// zero-copy outputs, generalized FY losses (built-in and callback energies)
// and bad input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import golden from './fixtures/fy_perturb.json' with { type: 'json' };
import {
  init, WasmArray, softmax, sparsemax, entmax, sigmoid, sparseSigmoid, projectSimplex, projectL1Ball, projectBox,
  projectSparseSimplex, fyLoss, multilabelLoss, generalizedFyLoss,
} from '../dist/index.js';
import { rng, dot, close, directional, throwsCode } from './helpers/numeric.mjs';

await init();

const GOLD = 1e-10;
const abs = (a, b, tol, what) => close(a, b, 0, tol, what);

test('golden: softmax, sparsemax, entmax 1.5 / 1.25, their jvp/vjp and dp/dα (13 cases, 1e-10)', () => {
  const cases = Object.entries(golden.operators);
  assert.is(cases.length, 13);
  for (const [name, c] of cases) {
    abs(softmax(c.z), c.softmax, GOLD, `${name} softmax`);
    const sp = sparsemax(c.z);
    abs(sp, c.sparsemax, GOLD, `${name} sparsemax`);
    assert.is(sp.filter((p) => p > 0).length, c.sparsemax_support_size, `${name} support`);
    abs(entmax(c.z), c.entmax15, GOLD, `${name} entmax15`);
    abs(entmax(c.z, { alpha: 1.25 }), c['entmax_alpha1.25'], GOLD, `${name} entmax1.25`);
    for (const [op, opts, key] of [
      [softmax, undefined, 'softmax_jvp'],
      [sparsemax, undefined, 'sparsemax_jvp'],
      [entmax, { alpha: 1.5 }, 'entmax15_jvp'],
      [entmax, { alpha: 1.25 }, 'entmax1.25_jvp'],
    ]) {
      abs(op.jvp(c.z, c.v, opts)[1], c[key], GOLD, `${name} ${key}`);
      abs(op.vjp(c.z, opts)[1](c.v), c[key], GOLD, `${name} ${key} (vjp: symmetric Jacobian)`);
    }
    if (c['entmax1.25_dp_dalpha']) abs(entmax.dAlpha(c.z, { alpha: 1.25 }), c['entmax1.25_dp_dalpha'], 1e-9, `${name} dp/dα`);
  }
});

test('golden: FY losses (logistic, sparsemax, entmax 1.5 / 1.25), labels and proportions (15 cases)', () => {
  const cases = Object.entries(golden.losses);
  assert.is(cases.length, 15);
  const maps = [['logistic', { map: 'softmax' }], ['sparsemax', { map: 'sparsemax' }], ['entmax15', { map: 'entmax' }], ['entmax1.25', { map: 'entmax', alpha: 1.25 }]];
  let checked = 0;
  for (const [name, c] of cases) {
    const label = name.includes('|label=') ? Number(name.split('|label=')[1]) : null;
    for (const [key, opts] of maps) {
      const e = c[key];
      const targets = label === null ? [c.y] : [c.y, label, [label], Int32Array.of(label)];
      for (const target of targets) {
        const r = fyLoss.valueAndGrad(c.z, target, opts);
        const what = `${name} ${key} target=${JSON.stringify(target)}`;
        assert.ok(Math.abs(r.value - e.loss) <= GOLD * (1 + Math.abs(e.loss)), `${what}: ${r.value} vs ${e.loss}`);
        assert.is(fyLoss(c.z, target, opts), r.value, `${what}: value alone`);
        abs(r.grad, e.grad, GOLD, `${what} grad`);
        abs(r.prediction, e.prediction, GOLD, `${what} prediction`);
        checked++;
      }
    }
  }
  assert.ok(checked > 150);
});

test('golden: binary / multilabel losses and the sparse sigmoid', () => {
  const b = golden.binary_multilabel;
  for (const [key, label] of [['label=0', 0], ['label=1', 1]]) {
    const c = b[key];
    const n = c.logits.length;
    const y = new Float64Array(n).fill(label);
    for (const [map, lk, gk] of [
      ['sparseSigmoid', 'binary_sparsemax_loss(sparse_plus(+-logit))', 'grad_wrt_logit(sparse_sigmoid(logit)-label)'],
      ['sigmoid', 'binary_logistic_loss(softplus(+-logit))', 'grad_logistic(sigmoid(logit)-label)'],
    ]) {
      // One row per logit: the per-row values are the per-logit losses; the
      // batch gradient is the per-logit gradient divided by the rows.
      const r = multilabelLoss.valueAndGrad(c.logits, y, { map, shape: [n, 1] });
      close(r.values, c[lk], 1e-12, GOLD, `${key} ${lk}`);
      abs(r.grad.map((g) => g * n), c[gk], GOLD, `${key} ${gk}`);
      // One row of n labels: the value is the sum.
      const total = c[lk].reduce((a, v) => a + v, 0);
      assert.ok(Math.abs(multilabelLoss(c.logits, y, { map }) - total) < 1e-10 * (1 + total));
    }
  }
  abs(sparseSigmoid(b['label=0'].logits), b.sparse_sigmoid, GOLD, 'sparse sigmoid');
});

test('golden: simplex and ℓ1-ball projections', () => {
  for (const c of golden.projections.simplex) abs(projectSimplex(c.x, { scale: c.scale }), c.p, GOLD, `simplex ${c.x}`);
  for (const c of golden.projections.l1_ball) abs(projectL1Ball(c.x, { radius: c.radius }), c.p, GOLD, `l1 ${c.x}`);
});

/** Normal logits whose gaps all exceed 1e-3 (no point near a kink). */
function logits(r, n, scale = 1) {
  for (;;) {
    const x = r.normals(n, scale);
    const s = [...x].sort((a, b) => a - b);
    if (s.every((v, i) => i === 0 || v - s[i - 1] > 1e-3)) return x;
  }
}

/** The pattern of active constraints (zero / untouched entries) of y = f(x). */
const pattern = (x, y) => Array.from(y, (v, i) => `${v !== 0}${v === x[i]}`).join();

const OPS = [
  ['softmax', softmax, undefined],
  ['sparsemax', sparsemax, undefined],
  ['entmax 1.5', entmax, undefined],
  ['entmax 1.25', entmax, { alpha: 1.25 }],
  ['entmax 3', entmax, { alpha: 3 }],
  ['entmax 1.0001', entmax, { alpha: 1.0001 }],
  ['sigmoid', sigmoid, undefined],
  ['sparseSigmoid', sparseSigmoid, undefined],
  ['projectSimplex', projectSimplex, { scale: 2.5 }],
  ['projectL1Ball (outside)', projectL1Ball, { radius: 0.7 }],
  ['projectL1Ball (inside)', projectL1Ball, { radius: 100 }],
  ['projectBox', projectBox, { lower: -0.4, upper: 0.6 }],
  ['projectSparseSimplex', projectSparseSimplex, { k: 2 }],
];

test('every vjp/jvp: central finite differences and the dot-product test', () => {
  const r = rng(2024);
  const h = 1e-6;
  const counts = {};
  for (let trial = 0; trial < 30; trial++) {
    const n = 1 + (trial % 9);
    const x = logits(r, n);
    for (const [name, op, opts] of OPS) {
      const u = r.normals(n);
      const g = r.normals(n);
      // Skip points where the active set changes within ±h along u.
      const y0 = op(x, opts);
      const yp = op(x.map((v, i) => v + h * u[i]), opts);
      const ym = op(x.map((v, i) => v - h * u[i]), opts);
      // (patterns compare each output with its own input)
      const xp = x.map((v, i) => v + h * u[i]);
      const xm = x.map((v, i) => v - h * u[i]);
      if (pattern(x, y0) !== pattern(xp, yp) || pattern(x, y0) !== pattern(xm, ym)) continue;
      if (name === 'sparseSigmoid' && x.some((v) => Math.abs(Math.abs(v) - 1) < 1e-3)) continue;
      const [value, jvp] = op.jvp(x, u, opts);
      abs(value, y0, 0, `${name} jvp value`);
      const [value2, pullback] = op.vjp(x, opts);
      abs(value2, y0, 0, `${name} vjp value`);
      const vjp = pullback(g);
      const lhs = dot(g, jvp);
      assert.ok(Math.abs(lhs - dot(vjp, u)) <= 1e-12 * (1 + Math.abs(lhs)), `${name} dot-product test`);
      abs(jvp, directional((z) => op(z, opts), x, u, h), 1e-7, `${name} n=${n} finite differences`);
      counts[name] = (counts[name] ?? 0) + 1;
    }
  }
  for (const [name] of OPS) assert.ok((counts[name] ?? 0) >= 10, `${name}: only ${counts[name] ?? 0} FD checks ran`);
});

test('projectBox with per-element bounds, infinite bounds and its Jacobian', () => {
  const x = [-1, 0.2, 0.5, 3, -7];
  const lower = [-0.5, 0, 0.5, -Infinity, -Infinity];
  const upper = [0.5, 0.1, 1, 2, Infinity];
  abs(projectBox(x, { lower, upper }), [-0.5, 0.1, 0.5, 2, -7], 0, 'clip');
  // Derivative 1 on the closed box (x = lower counts as inside), 0 where clipped.
  abs(projectBox.jvp(x, [1, 1, 1, 1, 1], { lower, upper })[1], [0, 0, 1, 0, 1], 0, 'jacobian');
  // Bounds per row of a batch.
  abs(projectBox([1, 1, 1, 1], { lower: [0, 0, 2, 2], upper: [0.5, 0.5, 3, 3], shape: [2, 2] }), [0.5, 0.5, 2, 2], 0, 'per row');
  throwsCode(() => projectBox(x, { lower: 1, upper: 0 }), 'domain', 'lower');
  throwsCode(() => projectBox(x, { lower: [0, 1] }), 'shape', 'lower');
  throwsCode(() => projectBox(x, { upper: NaN }), 'nonfinite', 'upper');
});

test('projectSparseSimplex: at most k non-zeros, and no k-subset is closer', () => {
  const r = rng(99);
  for (let trial = 0; trial < 40; trial++) {
    const n = 2 + (trial % 5);
    const k = 1 + (trial % n);
    const x = r.normals(n);
    const p = projectSparseSimplex(x, { k });
    assert.ok(p.filter((v) => v > 0).length <= k);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-14);
    const d2 = (q) => q.reduce((a, v, i) => a + (v - x[i]) ** 2, 0);
    for (let mask = 0; mask < 1 << n; mask++) {
      const idx = [...Array(n).keys()].filter((i) => (mask >> i) & 1);
      if (idx.length !== k) continue;
      const sub = projectSimplex(idx.map((i) => x[i]));
      const q = new Float64Array(n);
      idx.forEach((i, j) => { q[i] = sub[j]; });
      assert.ok(d2(p) <= d2(q) + 1e-12, `k=${k}: a closer subset exists`);
    }
  }
});

test('entmax.dAlpha matches finite differences in α (and the α → 1 limit)', () => {
  const r = rng(8);
  let checked = 0;
  for (let trial = 0; trial < 20; trial++) {
    const x = logits(r, 2 + (trial % 6), 1.5);
    for (const alpha of [1.1, 1.25, 1.5, 2, 2.7]) {
      const h = 1e-5;
      const [pp, pm, p0] = [entmax(x, { alpha: alpha + h }), entmax(x, { alpha: alpha - h }), entmax(x, { alpha })];
      if (pattern(x, p0) !== pattern(x, pp) || pattern(x, p0) !== pattern(x, pm)) continue;
      abs(entmax.dAlpha(x, { alpha }), pp.map((v, i) => (v - pm[i]) / (2 * h)), 2e-7, `α=${alpha}`);
      checked++;
    }
    const h = 1e-6;
    const one = softmax(x);
    abs(entmax.dAlpha(x, { alpha: 1 }), entmax(x, { alpha: 1 + h }).map((v, i) => (v - one[i]) / h), 1e-4, 'α = 1');
    const d = entmax.dAlpha(x, { alpha: 1.3 });
    assert.ok(Math.abs(d.reduce((a, b) => a + b, 0)) < 1e-12, 'Σ ∂p/∂α = 0');
  }
  assert.ok(checked > 60);
});

test('batches: one call per batch equals row by row; out and zero-copy WasmArray outputs', () => {
  const r = rng(3);
  const [rows, n] = [5, 7];
  const x = r.normals(rows * n, 2);
  const g = r.normals(rows * n);
  for (const [name, op, opts] of OPS) {
    const shape = [rows, n];
    const batch = op(x, { ...opts, shape });
    const pull = op.vjp(x, { ...opts, shape })[1](g);
    for (let i = 0; i < rows; i++) {
      const row = x.subarray(i * n, (i + 1) * n);
      abs(batch.subarray(i * n, (i + 1) * n), op(row, opts), 1e-15, `${name} row ${i}`);
      abs(pull.subarray(i * n, (i + 1) * n), op.vjp(row, opts)[1](g.subarray(i * n, (i + 1) * n)), 1e-15, `${name} vjp row ${i}`);
    }
    // A caller-owned Float64Array out.
    const out = new Float64Array(rows * n);
    assert.is(op(x, { ...opts, shape, out }), out);
    abs(out, batch, 0, `${name} out`);
    // Zero-copy: input, value, cotangent and gradient all in wasm memory.
    const wx = WasmArray.from(x);
    const wv = WasmArray.zeros(rows * n);
    const wg = WasmArray.from(g);
    const wgrad = WasmArray.zeros(rows * n);
    const [value, pullback] = op.vjp(wx, { ...opts, shape, out: wv });
    abs(value, batch, 0, `${name} zero-copy value`);
    pullback(wg, { out: wgrad });
    abs(wgrad.view, pull, 0, `${name} zero-copy pullback`);
    const tOut = WasmArray.zeros(rows * n);
    op.jvp(wx, wg, { ...opts, shape, tangentOut: tOut });
    abs(tOut.view, op.jvp(x, g, { ...opts, shape })[1], 0, `${name} jvp tangentOut`);
    // The pullback reads the value from `out`: writing the gradient there is refused.
    throwsCode(() => pullback(wg, { out: wv }), 'option', 'out', `${name} aliasing`);
    for (const w of [wx, wv, wg, wgrad, tOut]) w.free();
  }
});

test('a pullback replays its own forward pass, however the caller edits arrays', () => {
  const x = Float64Array.of(0.5, 1.2, -0.3);
  const [p, pullback] = entmax.vjp(x);
  const first = pullback([1, 0, 0]);
  p.fill(7); // editing the returned value must not change the tape
  x.fill(0); // nor editing the input
  entmax.vjp([5, 4, 3, 2, 1]); // nor later calls reusing the scratch arena
  abs(pullback([1, 0, 0]), first, 0, 'replay');
  const [, pb] = projectL1Ball.vjp(Float64Array.of(0.5, -1.2, 0.3));
  const once = pb([1, 2, 3]);
  projectL1Ball([9, 9, 9]);
  abs(pb([1, 2, 3]), once, 0, 'projection replay');
});

const PMAP = { softmax: [softmax, undefined], sparsemax: [sparsemax, undefined], entmax: [entmax, { alpha: 1.5 }] };

test('FY losses: gradient = finite differences, loss ≥ 0 and = 0 at y = ŷ, batch mean', () => {
  const r = rng(77);
  for (let trial = 0; trial < 20; trial++) {
    const n = 2 + (trial % 6);
    const x = logits(r, n, 1.3);
    const label = trial % n;
    const y = Float64Array.from({ length: n }, () => r.uniform());
    const s = y.reduce((a, b) => a + b, 0);
    y.forEach((v, i) => { y[i] = v / s; });
    for (const opts of [{ map: 'softmax' }, { map: 'sparsemax' }, { map: 'entmax' }, { map: 'entmax', alpha: 1.25 }, { map: 'entmax', alpha: 2.6 }]) {
      for (const target of [label, y]) {
        const { value, grad, prediction } = fyLoss.valueAndGrad(x, target, opts);
        assert.ok(value >= 0, 'loss ≥ 0');
        const u = r.normals(n);
        const fd = directional((z) => fyLoss(z, target, opts), x, u);
        assert.ok(Math.abs(fd - dot(grad, u)) < 1e-7, `${JSON.stringify(opts)} gradient: ${fd} vs ${dot(grad, u)}`);
        // Zero at the prediction (a proportion target).
        const z = fyLoss.valueAndGrad(x, prediction, opts);
        assert.ok(Math.abs(z.value) < 1e-12, `${JSON.stringify(opts)}: L(θ; ŷ) = ${z.value}`);
        assert.ok(z.grad.every((v) => Math.abs(v) < 1e-15));
      }
    }
    const [op] = PMAP.sparsemax;
    abs(fyLoss.valueAndGrad(x, label, { map: 'sparsemax' }).prediction, op(x), 0, 'prediction = sparsemax');
    // Perceptron: max θ − θ_k, subgradient e_argmax − e_k.
    const m = Math.max(...x);
    const per = fyLoss.valueAndGrad(x, label, { map: 'perceptron' });
    assert.ok(Math.abs(per.value - (m - x[label])) < 1e-15);
    assert.is(per.prediction[x.indexOf(m)], 1);
    const u = r.normals(n);
    const fdp = directional((z) => fyLoss(z, label, { map: 'perceptron' }), x, u);
    assert.ok(Math.abs(fdp - dot(per.grad, u)) < 1e-7, 'perceptron subgradient = finite differences away from ties');
  }
  // A batch: the mean over rows and the gradient of the mean.
  const [rows, n] = [4, 5];
  const X = r.normals(rows * n);
  const labels = [0, 4, 2, 2];
  for (const map of ['softmax', 'sparsemax', 'entmax', 'perceptron']) {
    const b = fyLoss.valueAndGrad(X, labels, { map, shape: [rows, n] });
    for (let i = 0; i < rows; i++) {
      const one = fyLoss.valueAndGrad(X.subarray(i * n, (i + 1) * n), labels[i], { map });
      assert.ok(Math.abs(b.values[i] - one.value) < 1e-15);
      abs(b.grad.subarray(i * n, (i + 1) * n), one.grad.map((v) => v / rows), 1e-16, `${map} batch grad`);
    }
    assert.ok(Math.abs(b.value - b.values.reduce((a, v) => a + v, 0) / rows) < 1e-15);
  }
  // A batch of proportions: rows·n entries.
  const P = softmax(r.normals(rows * n), { shape: [rows, n] });
  assert.ok(fyLoss(X, P, { shape: [rows, n] }) > 0);
});

test('multilabel losses: gradient = finite differences, soft labels, zero with margin', () => {
  const r = rng(5);
  const n = 8;
  const x = r.normals(n, 2);
  const y = Float64Array.from({ length: n }, (_, i) => [0, 1, 0.3][i % 3]);
  for (const map of ['sigmoid', 'sparseSigmoid']) {
    const { value, grad, prediction } = multilabelLoss.valueAndGrad(x, y, { map });
    assert.ok(value >= 0);
    const op = map === 'sigmoid' ? sigmoid : sparseSigmoid;
    abs(prediction, op(x), 1e-15, `${map} prediction`);
    const u = r.normals(n);
    const fd = directional((z) => multilabelLoss(z, y, { map }), x, u);
    assert.ok(Math.abs(fd - dot(grad, u)) < 1e-7, `${map} gradient`);
    assert.ok(Math.abs(multilabelLoss(x, prediction, { map })) < 1e-12, `${map}: zero at y = ŷ`);
  }
  assert.is(multilabelLoss([3, -2, 1.5], [1, 0, 1], { map: 'sparseSigmoid' }), 0);
});

test('logits of magnitude 1e300 give finite outputs, gradients and losses', () => {
  const x = [1e300, -1e300, 5e299, 0, -3];
  for (const [name, op, opts] of OPS) {
    const y = op(x, opts);
    assert.ok(y.every(Number.isFinite), `${name}: ${y}`);
    assert.ok(op.vjp(x, opts)[1]([1, 2, 3, 4, 5]).every(Number.isFinite), `${name} vjp`);
  }
  abs(softmax(x), [1, 0, 0, 0, 0], 0, 'softmax 1e300');
  for (const map of ['softmax', 'sparsemax', 'entmax', 'perceptron']) {
    for (const label of [0, 1, 3]) {
      const r = fyLoss.valueAndGrad(x, label, { map });
      assert.ok(Number.isFinite(r.value) && r.value >= 0 && r.grad.every(Number.isFinite), `${map} label ${label}: ${r.value}`);
    }
  }
  for (const map of ['sigmoid', 'sparseSigmoid']) {
    const r = multilabelLoss.valueAndGrad(x, [0, 1, 0.5, 1, 0], { map });
    assert.ok(Number.isFinite(r.value) && r.grad.every(Number.isFinite));
  }
  const g = generalizedFyLoss.valueAndGrad(x, 1, { pairwise: new Float64Array(25).fill(-0.1) });
  assert.ok(Number.isFinite(g.value) && g.grad.every(Number.isFinite));
});

test('bad input: typed errors naming the argument', () => {
  throwsCode(() => softmax([1, NaN, 2]), 'nonfinite', 'x');
  throwsCode(() => sparsemax([1, Infinity, 2]), 'nonfinite', 'x');
  throwsCode(() => entmax([1, 2], { alpha: 0.99 }), 'domain', 'alpha');
  throwsCode(() => entmax([1, 2], { alpha: NaN }), 'domain', 'alpha');
  throwsCode(() => entmax.dAlpha([1, 2], { alpha: 0.5 }), 'domain', 'alpha');
  throwsCode(() => softmax([1, 2, 3], { shape: [2, 2] }), 'shape', 'x');
  throwsCode(() => softmax([1, 2], { alpha: 1.5 }), 'option', 'alpha');
  throwsCode(() => softmax.vjp([1, 2])[1]([1, NaN]), 'nonfinite', 'cotangent');
  throwsCode(() => softmax.vjp([1, 2])[1]([1]), 'shape', 'cotangent');
  throwsCode(() => projectSimplex([1, 2], { scale: 0 }), 'domain', 'scale');
  throwsCode(() => projectL1Ball([1, 2], { radius: -1 }), 'domain', 'radius');
  throwsCode(() => projectSparseSimplex([1, 2]), 'domain', 'k');
  throwsCode(() => projectSparseSimplex([1, 2], { k: 1.5 }), 'domain', 'k');
  throwsCode(() => fyLoss([1, NaN, 2], 0), 'nonfinite', 'theta');
  throwsCode(() => fyLoss([1, 2, 3], 3), 'domain', 'target');
  throwsCode(() => fyLoss([1, 2, 3], -1), 'domain', 'target');
  throwsCode(() => fyLoss([1, 2, 3], 0.5), 'domain', 'target');
  throwsCode(() => fyLoss([1, 2, 3, 4], [0, 2], { shape: [2, 2] }), 'domain', 'target');
  throwsCode(() => fyLoss([1, 2, 3], [0.5, 0.5, 2e-9]), 'domain', 'target');
  assert.ok(fyLoss([1, 2, 3], [0.5, 0.5, 5e-10]) > 0, 'within 1e-9 of 1 is accepted');
  throwsCode(() => fyLoss([1, 2, 3], [1.5, -0.5, 0]), 'domain', 'target');
  throwsCode(() => fyLoss([1, 2, 3], [NaN, 1, 0]), 'nonfinite', 'target');
  throwsCode(() => fyLoss([1, 2, 3], [1, 0]), 'shape', 'target');
  throwsCode(() => fyLoss([1, 2, 3], 0, { map: 'entmax', alpha: 0.5 }), 'domain', 'alpha');
  throwsCode(() => fyLoss([1, 2, 3], 0, { map: 'softmax', alpha: 1.5 }), 'option', 'alpha');
  throwsCode(() => fyLoss([1, 2, 3], 0, { map: 'hardmax' }), 'option', 'map');
  throwsCode(() => fyLoss([1, 2, 3], 0, { shap: [1, 3] }), 'option', 'shap');
  throwsCode(() => multilabelLoss([1, 2], [0, 1.5]), 'domain', 'target');
  throwsCode(() => multilabelLoss([1, 2], [0]), 'shape', 'target');
  throwsCode(() => generalizedFyLoss([1, 2, 3], 0, { pairwise: [1, 2, 3, 4] }), 'shape', 'pairwise');
  throwsCode(() => generalizedFyLoss([1, 2, 3], 0, { pairwise: [1, 2, 3, 4, 5, 6, 7, 8, NaN] }), 'nonfinite', 'pairwise');
  throwsCode(() => generalizedFyLoss([1, 2, 3], 3), 'domain', 'target');
  throwsCode(() => generalizedFyLoss([1, 2, 3], [0.5, 0.6, 0]), 'domain', 'target');
  throwsCode(() => generalizedFyLoss([1, 2, 3], [0, 1, 2], { domain: 'cube' }), 'domain', 'target');
  throwsCode(() => generalizedFyLoss([1, 2, 3], 1, { domain: 'cube' }), 'shape', 'target');
  throwsCode(() => generalizedFyLoss([1, 2, 3], 1, { tol: 0 }), 'domain', 'tol');
  throwsCode(() => generalizedFyLoss([1, 2, 3], 1, { maxIter: 0 }), 'domain', 'maxIter');
  throwsCode(() => generalizedFyLoss([1, 2, 3], 1, { regularizer: 'l1' }), 'option', 'regularizer');
});

// ---------------------------------------------------------------- generalized

test('generalized FY: the bilinear energy reproduces the classic losses', () => {
  const r = rng(31);
  for (let trial = 0; trial < 15; trial++) {
    const n = 2 + (trial % 6);
    const x = logits(r, n, 1.5);
    const label = trial % n;
    const y = softmax(r.normals(n));
    for (const [regularizer, map] of [['entropy', 'softmax'], ['squared', 'sparsemax']]) {
      for (const target of [label, y]) {
        const g = generalizedFyLoss.valueAndGrad(x, target, { regularizer });
        const c = fyLoss.valueAndGrad(x, target, { map });
        assert.ok(Math.abs(g.value - c.value) <= 1e-12 * (1 + c.value), `${regularizer}: ${g.value} vs ${c.value}`);
        abs(g.grad, c.grad, 1e-15, `${regularizer} grad`);
        abs(g.prediction, c.prediction, 1e-15, `${regularizer} prediction`);
        assert.is(g.iterations[0], 0, 'no iteration needed');
        assert.is(g.gradPairwise, null);
      }
    }
    const yb = Float64Array.from({ length: n }, (_, i) => [0, 1, 0.25][i % 3]);
    const g = generalizedFyLoss.valueAndGrad(x, yb, { domain: 'cube', regularizer: 'entropy' });
    const c = multilabelLoss.valueAndGrad(x, yb, { map: 'sigmoid' });
    assert.ok(Math.abs(g.value - c.value) <= 1e-12 * (1 + c.value));
    abs(g.grad, c.grad, 1e-15, 'cube entropy grad');
    // Binary sparsemax = 2 × the cube/squared loss at (θ + 1)/2.
    const gs = generalizedFyLoss(x.map((v) => 0.5 * (v + 1)), yb, { domain: 'cube', regularizer: 'squared' });
    const cs = multilabelLoss(x, yb, { map: 'sparseSigmoid' });
    assert.ok(Math.abs(2 * gs - cs) <= 1e-12 * (1 + cs));
  }
});

/** A pairwise matrix with (A + Aᵀ)/2 ≼ lift·I: −BBᵀ, a skew part, a lifted diagonal. */
function concavePairwise(r, n, lift) {
  const B = r.normals(n * n, 1 / Math.sqrt(n));
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += B[i * n + k] * B[j * n + k];
      A[i * n + j] = -s;
    }
  }
  for (let i = 0; i < n; i++) {
    A[i * n + i] += lift;
    for (let j = 0; j < i; j++) {
      const skew = 0.3 * r.normal();
      A[i * n + j] += skew;
      A[j * n + i] -= skew;
    }
  }
  return A;
}

const DOMAIN_REGS = [['simplex', 'squared'], ['simplex', 'entropy'], ['cube', 'squared'], ['cube', 'entropy']];

test('generalized FY, quadratic energy: Danskin gradients = finite differences; L ≥ 0, = 0 at y = ŷ', () => {
  const r = rng(41);
  for (let trial = 0; trial < 8; trial++) {
    const n = 2 + (trial % 5);
    const x = logits(r, n);
    const A = concavePairwise(r, n, 0.3);
    for (const [domain, regularizer] of DOMAIN_REGS) {
      const opts = { domain, regularizer, pairwise: A, tol: 1e-12, maxIter: 10000 };
      const y = domain === 'simplex' ? softmax(r.normals(n)) : Float64Array.from({ length: n }, (_, i) => [0, 1, 0.6][i % 3]);
      const g = generalizedFyLoss.valueAndGrad(x, y, opts);
      assert.ok(g.value >= 0);
      assert.ok(g.residuals[0] <= 1e-12);
      const z = generalizedFyLoss(x, g.prediction, opts);
      assert.ok(Math.abs(z) < 1e-10, `${domain}/${regularizer}: L(θ; ŷ) = ${z}`);
      abs(generalizedFyLoss.predict(x, opts).prediction, g.prediction, 0, 'predict');
      const u = r.normals(n);
      const fdu = directional((t) => generalizedFyLoss(t, y, opts), x, u);
      assert.ok(Math.abs(fdu - dot(g.grad, u)) < 2e-6, `${domain}/${regularizer} ∂θ: ${fdu} vs ${dot(g.grad, u)}`);
      const dA = r.normals(n * n);
      const fdp = directional((a) => generalizedFyLoss(x, y, { ...opts, pairwise: a }), A, dA);
      assert.ok(Math.abs(fdp - dot(g.gradPairwise, dA)) < 2e-6, `${domain}/${regularizer} ∂A: ${fdp} vs ${dot(g.gradPairwise, dA)}`);
    }
  }
});

test('generalized FY: batches with a shared or a per-row pairwise matrix', () => {
  const r = rng(42);
  const [rows, n] = [3, 4];
  const x = r.normals(rows * n);
  const A = concavePairwise(r, n, 0.2);
  const Ar = new Float64Array(rows * n * n);
  for (let i = 0; i < rows; i++) Ar.set(concavePairwise(r, n, 0.1), i * n * n);
  const labels = [0, 3, 1];
  const shared = generalizedFyLoss.valueAndGrad(x, labels, { pairwise: A, shape: [rows, n] });
  const perRow = generalizedFyLoss.valueAndGrad(x, labels, { pairwise: Ar, shape: [rows, n] });
  const sum = new Float64Array(n * n);
  for (let i = 0; i < rows; i++) {
    const xi = x.subarray(i * n, (i + 1) * n);
    const one = generalizedFyLoss.valueAndGrad(xi, labels[i], { pairwise: A });
    assert.ok(Math.abs(one.value - shared.values[i]) < 1e-15);
    one.gradPairwise.forEach((v, j) => { sum[j] += v / rows; });
    const own = generalizedFyLoss.valueAndGrad(xi, labels[i], { pairwise: Ar.subarray(i * n * n, (i + 1) * n * n) });
    abs(perRow.gradPairwise.subarray(i * n * n, (i + 1) * n * n), own.gradPairwise.map((v) => v / rows), 1e-16, 'per-row ∂A');
  }
  abs(shared.gradPairwise, sum, 1e-15, 'shared ∂A = mean over rows');
});

test('generalized FY: non-convergence and non-concavity are errors, not silent answers', () => {
  const r = rng(43);
  const n = 5;
  const x = r.normals(n);
  const A = concavePairwise(r, n, 0).map((v) => 4 * v);
  const err = throwsCode(() => generalizedFyLoss(x, 1, { pairwise: A, maxIter: 2, regularizer: 'squared' }), 'convergence', 'maxIter');
  assert.match(err.message, /residual/);
  const ok = generalizedFyLoss.valueAndGrad(x, 1, { pairwise: A, regularizer: 'squared', maxIter: 100000 });
  assert.ok(ok.iterations[0] > 2);
  // A convex energy: the stationary point reached from θ is beaten by the target.
  throwsCode(() => generalizedFyLoss([0.1, -0.1], [1, 1], { domain: 'cube', regularizer: 'squared', pairwise: [5, 0, 0, 5] }), 'convergence', 'pairwise');
});

/** The quadratic energy as callbacks: θ = [θ_u (n), A (n×n)]. */
function quadraticEnergy(n) {
  const split = (t) => [t.subarray(0, n), t.subarray(n)];
  return {
    value(t, mu) {
      const [u, A] = split(t);
      let s = 0;
      for (let i = 0; i < n; i++) {
        s += u[i] * mu[i];
        for (let j = 0; j < n; j++) s += 0.5 * mu[i] * A[i * n + j] * mu[j];
      }
      return s;
    },
    gradMu(t, mu) {
      const [u, A] = split(t);
      return Float64Array.from({ length: n }, (_, i) => {
        let s = u[i];
        for (let j = 0; j < n; j++) s += 0.5 * (A[i * n + j] + A[j * n + i]) * mu[j];
        return s;
      });
    },
    gradTheta(t, mu) {
      const g = new Float64Array(n + n * n);
      g.set(mu);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) g[n + i * n + j] = 0.5 * mu[i] * mu[j];
      return g;
    },
  };
}

test('generalized FY with callback energies: agrees with the built-in energy; gradients = finite differences', () => {
  const r = rng(44);
  for (let trial = 0; trial < 6; trial++) {
    const n = 2 + (trial % 4);
    const x = logits(r, n);
    const A = concavePairwise(r, n, 0.3);
    const theta = new Float64Array(n + n * n);
    theta.set(x);
    theta.set(A, n);
    for (const [domain, regularizer] of DOMAIN_REGS) {
      const y = domain === 'simplex' ? softmax(r.normals(n)) : Float64Array.from({ length: n }, (_, i) => [1, 0, 0.4][i % 3]);
      const builtin = generalizedFyLoss.valueAndGrad(x, y, { domain, regularizer, pairwise: A, tol: 1e-12, maxIter: 10000 });
      const loss = generalizedFyLoss.custom(quadraticEnergy(n), { size: n, domain, regularizer, tol: 1e-12, maxIter: 10000 });
      const c = loss.valueAndGrad(theta, y);
      assert.ok(Math.abs(c.value - builtin.value) < 1e-9, `${domain}/${regularizer}: ${c.value} vs ${builtin.value}`);
      abs(c.prediction, builtin.prediction, 1e-9, 'prediction');
      abs(c.grad.subarray(0, n), builtin.grad, 1e-9, '∂θ_u');
      abs(c.grad.subarray(n), builtin.gradPairwise, 1e-9, '∂A');
      abs(loss.predict(theta).prediction, c.prediction, 0, 'predict');
      const u = r.normals(theta.length);
      const fd = directional((t) => loss(t, y), theta, u);
      assert.ok(Math.abs(fd - dot(c.grad, u)) < 2e-6, `${domain}/${regularizer} custom FD`);
      assert.ok(Math.abs(loss(theta, c.prediction)) < 1e-9, 'zero at ŷ');
    }
    if (n >= 2) {
      const lab = generalizedFyLoss.custom(quadraticEnergy(n), { size: n });
      assert.ok(Math.abs(lab(theta, 1) - generalizedFyLoss(x, 1, { pairwise: A })) < 1e-9, 'class-index target');
    }
  }
});

test('generalized FY with callback energies: bad callbacks and targets are typed errors', () => {
  const e = quadraticEnergy(2);
  const theta = [0.1, 0.2, -1, 0, 0, -1];
  throwsCode(() => generalizedFyLoss.custom({ value: () => 0 }, { size: 2 }), 'type', 'energy');
  throwsCode(() => generalizedFyLoss.custom(e, { size: 0 }), 'domain', 'size');
  throwsCode(() => generalizedFyLoss.custom(e, { size: 2, solver: 'x' }), 'option', 'solver');
  const loss = generalizedFyLoss.custom(e, { size: 2 });
  throwsCode(() => loss(theta, 2), 'domain', 'target');
  throwsCode(() => loss(theta, [0.5, 0.6]), 'domain', 'target');
  throwsCode(() => loss(theta, [1, 0, 0]), 'shape', 'target');
  throwsCode(() => loss([NaN, 0, 0, 0, 0, 0], 0), 'nonfinite', 'theta');
  const short = generalizedFyLoss.custom({ ...e, gradMu: () => [1] }, { size: 2 });
  throwsCode(() => short(theta, 0), 'shape', 'energy');
  const nan = generalizedFyLoss.custom({ ...e, value: () => NaN }, { size: 2 });
  throwsCode(() => nan(theta, 0), 'nonfinite', 'energy');
  const slow = generalizedFyLoss.custom(quadraticEnergy(3), { size: 3, maxIter: 1, regularizer: 'squared' });
  throwsCode(() => slow([1, 0.5, -0.2, -3, 2, 0, 2, -3, 1, 0, 1, -3], 0), 'convergence', 'maxIter');
});

test.run();
