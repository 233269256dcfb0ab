// The sorting and ranking family through the public API: reference vectors,
// finite differences, dot-product tests, invariants, batches and bad input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import golden from './fixtures/softsort.json' with { type: 'json' };
import {
  init, initSync, softRank, softSort, isotonic, projectPermutahedron, spearman, softLeastTrimmedSquares, DiffoptError,
} from '../dist/index.js';
import { rng, dot, close, directional, throwsCode } from './helpers/numeric.mjs';

await init();

const optionsOf = (c) => ({
  regularization: c.regularization,
  strength: c.regularization_strength,
  direction: c.direction.toLowerCase(),
});
const opOf = (c) => (c.op === 'soft_rank' ? softRank : softSort);

test('init is idempotent and initSync after init is a no-op', async () => {
  await init();
  await Promise.all([init(), init()]);
  initSync();
  assert.ok(softRank([2, 1]) instanceof Float64Array);
});

test('golden: 192 soft sort/rank cases (values 1e-9, vjp/jvp 1e-8)', () => {
  assert.is(golden.cases.length, 192);
  for (const c of golden.cases) {
    const op = opOf(c);
    const opts = optionsOf(c);
    close(op(c.input, opts), c.out, 1e-9, 1e-12, `${c.id} out`);
    if (!c.differentiable_here) continue;
    const [value, pullback] = op.vjp(c.input, opts);
    close(value, c.out, 1e-9, 1e-12, `${c.id} vjp value`);
    close(pullback(c.g), c.vjp_correct, 1e-8, 1e-11, `${c.id} vjp`);
    if (!c.reference_vjp_is_buggy) {
      close(op.jvp(c.input, c.g, opts)[1], c.jvp_reference, 1e-8, 1e-11, `${c.id} jvp`);
    }
  }
});

test('golden: KL soft sort vjp is the corrected one, not the reference bug', () => {
  const buggy = golden.cases.filter((c) => c.reference_vjp_is_buggy && c.differentiable_here);
  assert.ok(buggy.length > 0);
  for (const c of buggy) {
    const g = softSort.vjp(c.input, optionsOf(c))[1](c.g);
    close(g, c.vjp_correct, 1e-8, 1e-11, c.id);
    close(g, c.vjp_fd, 1e-4, 1e-5, `${c.id} vs finite differences`);
  }
});

test('golden: isotonic regression and permutahedron projection', () => {
  for (const c of golden.isotonic) {
    for (const regularization of ['l2', 'kl']) {
      const e = c[regularization];
      const opts = { regularization, w: c.w };
      close(isotonic(c.s, opts), e.solution, 1e-9, 1e-12, `isotonic ${regularization}`);
      close(isotonic.jvp(c.s, c.g, opts)[1], e.jvp_wrt_s, 1e-8, 1e-12, 'isotonic jvp');
      close(isotonic.vjp(c.s, opts)[1](c.g), e.vjp_wrt_s, 1e-8, 1e-12, 'isotonic vjp');
    }
    close(isotonic(c.raw_pav_decreasing_l2.y), c.raw_pav_decreasing_l2.solution, 1e-12, 1e-12, 'raw PAV');
  }
  for (const c of golden.projection) {
    for (const regularization of ['l2', 'kl']) {
      const e = c[regularization];
      const opts = { regularization, w: e.w_passed };
      close(projectPermutahedron(c.z, opts), e.out, 1e-9, 1e-12, `projection ${regularization}`);
      close(projectPermutahedron.jvp(c.z, c.g, opts)[1], e.jvp, 1e-8, 1e-12, 'projection jvp');
      close(projectPermutahedron.vjp(c.z, opts)[1](c.g), e.vjp, 1e-8, 1e-12, 'projection vjp');
    }
  }
});

const ALL_OPTIONS = [];
for (const regularization of ['l2', 'kl']) {
  for (const direction of ['ascending', 'descending']) {
    for (const strength of [0.3, 1, 5]) ALL_OPTIONS.push({ regularization, direction, strength });
  }
}

test('every vjp/jvp: finite differences and the dot-product test', () => {
  const r = rng(42);
  for (const op of [softRank, softSort]) {
    for (const opts of ALL_OPTIONS) {
      for (const n of [1, 2, 6, 15]) {
        const x = r.normals(n);
        const u = r.normals(n);
        const g = r.normals(n);
        const [, jvp] = op.jvp(x, u, opts);
        const vjp = op.vjp(x, opts)[1](g);
        const lhs = dot(g, jvp);
        const rhs = dot(vjp, u);
        assert.ok(Math.abs(lhs - rhs) <= 1e-12 * (1 + Math.abs(lhs)), `${op.name} ${JSON.stringify(opts)} dot test`);
        close(jvp, directional((y) => op(y, opts), x, u), 1e-5, 1e-6, `${op.name} ${JSON.stringify(opts)} n=${n} fd`);
      }
    }
  }
  for (const op of [isotonic, projectPermutahedron]) {
    for (const regularization of ['l2', 'kl']) {
      const n = 9;
      const w = Float64Array.from({ length: n }, (_, i) => (n - i) * 0.7);
      const opts = { regularization, w };
      const x = r.normals(n);
      const u = r.normals(n);
      const g = r.normals(n);
      const jvp = op.jvp(x, u, opts)[1];
      assert.ok(Math.abs(dot(g, jvp) - dot(op.vjp(x, opts)[1](g), u)) < 1e-12);
      close(jvp, directional((y) => op(y, opts), x, u), 1e-5, 1e-6, `${op.name} ${regularization} fd`);
    }
  }
});

test('a pullback can be called many times and does not depend on later calls', () => {
  const [, pullback] = softRank.vjp([0.3, 0.2, 2]);
  const first = pullback([1, 0, 0]);
  softRank.vjp([5, 4, 3, 2, 1]); // reuses the scratch arena
  close(pullback([1, 0, 0]), first, 0, 0, 'replay');
  close(first, [0.5, -0.5, 0], 1e-15, 1e-15, 'value');
});

test('invariants: sums, hard limits, mean limit', () => {
  const r = rng(7);
  const n = 40;
  const x = r.normals(n, 3);
  const sum = x.reduce((a, b) => a + b, 0);
  for (const direction of ['ascending', 'descending']) {
    const sign = direction === 'ascending' ? -1 : 1;
    const sumExp = x.reduce((a, b) => a + Math.exp(sign * b), 0);
    for (const strength of [0.01, 1, 100]) {
      const l2 = softSort(x, { direction, strength });
      assert.ok(Math.abs(l2.reduce((a, b) => a + b, 0) - sum) < 1e-9, 'L2 sort keeps the sum');
      const kl = softSort(x, { direction, strength, regularization: 'kl' });
      const se = kl.reduce((a, b) => a + Math.exp(sign * b), 0);
      assert.ok(Math.abs(se - sumExp) < 1e-9 * sumExp, 'KL sort keeps the exp-sum');
      for (const regularization of ['l2', 'kl']) {
        const ranks = softRank(x, { direction, strength, regularization });
        assert.ok(Math.abs(ranks.reduce((a, b) => a + b, 0) - (n * (n + 1)) / 2) < 1e-8, 'ranks sum');
      }
    }
  }
  assert.equal(Array.from(softRank([3, -1, 10, 0.5], { strength: 0.1 })), [3, 1, 4, 2]);
  assert.equal(Array.from(softRank([3, -1, 10, 0.5], { strength: 0.1, direction: 'descending' })), [2, 4, 1, 3]);
  close(softSort([3, -1, 10, 0.5], { strength: 0.01 }), [-1, 0.5, 3, 10], 1e-12, 1e-12, 'hard sort');
  close(softSort([3, -1, 10, 0.5], { strength: 1e6 }), [3.125, 3.125, 3.125, 3.125], 0, 1e-5, 'mean');
});

test('batches: one call with shape equals row by row, for every op', () => {
  const r = rng(3);
  const rows = 5;
  const n = 11;
  const x = r.normals(rows * n);
  for (const op of [softRank, softSort]) {
    for (const opts of ALL_OPTIONS) {
      const batch = op(x, { ...opts, shape: [rows, n] });
      const g = r.normals(rows * n);
      const vjpBatch = op.vjp(x, { ...opts, shape: [rows, n] })[1](g);
      for (let i = 0; i < rows; i++) {
        const row = x.subarray(i * n, (i + 1) * n);
        assert.equal(Array.from(batch.subarray(i * n, (i + 1) * n)), Array.from(op(row, opts)));
        const gRow = g.subarray(i * n, (i + 1) * n);
        assert.equal(Array.from(vjpBatch.subarray(i * n, (i + 1) * n)), Array.from(op.vjp(row, opts)[1](gRow)));
      }
    }
  }
  // a shared w row for a batch of projections
  const w = [3, 2, 1];
  const z = [0.1, 2, -1, 5, 5, 0];
  const both = projectPermutahedron(z, { w, shape: [2, 3] });
  close(both.subarray(0, 3), projectPermutahedron(z.slice(0, 3), { w }), 0, 0, 'row 0');
  close(both.subarray(3), projectPermutahedron(z.slice(3), { w }), 0, 0, 'row 1');
});

test('out option writes in place and returns it', () => {
  const out = new Float64Array(3);
  const res = softRank([0.3, -1, 2], { strength: 0.1, out });
  assert.is(res, out);
  assert.equal(Array.from(out), [2, 1, 3]);
  throwsCode(() => softRank([1, 2], { out: new Float64Array(3) }), 'shape', 'out');
});

test('edge sizes: empty, n = 1, ties, huge magnitudes', () => {
  assert.is(softRank([]).length, 0);
  assert.is(softSort(new Float64Array(0)).length, 0);
  assert.is(softSort.vjp([])[1]([]).length, 0);
  assert.equal(Array.from(softRank([5])), [1]);
  assert.equal(Array.from(softSort([5])), [5]);
  assert.equal(Array.from(softRank([2, 2], { strength: 0.1 })), [1.5, 1.5]);
  for (const opts of ALL_OPTIONS) {
    for (const op of [softRank, softSort]) {
      const [v, pullback] = op.vjp([1e300, -1e300, 5e299, 0, -7e299], opts);
      assert.ok(v.every(Number.isFinite), `${op.name} ${JSON.stringify(opts)} value`);
      assert.ok(pullback([1, 2, 3, 4, 5]).every(Number.isFinite), `${op.name} gradient`);
    }
  }
  // no cancellation: singleton blocks give exact ranks at any scale
  assert.equal(Array.from(softRank([1e300, -1e300, 5])), [3, 1, 2]);
});

test('bad input: typed errors naming the argument', () => {
  throwsCode(() => softRank([1, NaN, 2]), 'nonfinite', 'x', 'NaN');
  throwsCode(() => softSort([1, Infinity]), 'nonfinite', 'x', 'Inf');
  throwsCode(() => softRank.vjp([1, 2])[1]([1, NaN]), 'nonfinite', 'cotangent', 'NaN cotangent');
  throwsCode(() => softRank.jvp([1, 2], [1, -Infinity]), 'nonfinite', 'tangent', 'Inf tangent');
  for (const strength of [0, -1, NaN, Infinity, '1']) {
    throwsCode(() => softRank([1, 2], { strength }), 'domain', 'strength', `strength ${strength}`);
  }
  throwsCode(() => softRank([1, 2, 3], { shape: [2, 2] }), 'shape', 'x', 'shape mismatch');
  throwsCode(() => softRank([1, 2, 3], { shape: [3] }), 'shape', 'shape', 'bad shape');
  throwsCode(() => softRank.vjp([1, 2, 3])[1]([1, 2]), 'shape', 'cotangent', 'cotangent length');
  const e = throwsCode(() => softRank([1, 2], { regularization: 'l1' }), 'option', 'regularization');
  assert.match(e.message, "'l2', 'kl'");
  throwsCode(() => softRank([1, 2], { direction: 'up' }), 'option', 'direction');
  throwsCode(() => softRank([1, 2], { strenght: 1 }), 'option', 'strenght', 'typo in an option name');
  throwsCode(() => softRank('abc'), 'type', 'x');
  throwsCode(() => softRank([1, 'a']), 'type', 'x');
  throwsCode(() => projectPermutahedron([1, 2, 3], { w: [1, 2, 3] }), 'domain', 'w', 'unsorted w');
  throwsCode(() => projectPermutahedron([1, 2, 3], { w: [3, 2] }), 'shape', 'w');
  throwsCode(() => softRank(new Float64Array(1), { shape: [2 ** 20, 2 ** 12] }), 'shape', 'x');
  assert.ok(new DiffoptError('shape', 'm') instanceof Error);
});

test('absurd sizes are refused before touching wasm memory', () => {
  // 2^28 doubles need 2 GiB for the input alone, beyond the per-call limit.
  let big;
  try {
    big = new Float64Array(2 ** 28);
  } catch {
    return; // the host cannot even allocate it: nothing to test here
  }
  throwsCode(() => softRank(big), 'size');
});

test('Spearman correlation: values, perfect and reversed order, gradient', () => {
  const r = rng(11);
  assert.ok(Math.abs(spearman([0.1, 0.4, 0.3], [1, 3, 2], { strength: 0.01 }) - 1) < 1e-12);
  assert.ok(Math.abs(spearman([3, 2, 1], [1, 2, 3], { strength: 0.01 }) + 1) < 1e-12);
  const rows = 3;
  const n = 7;
  const pred = r.normals(rows * n);
  const target = r.normals(rows * n);
  for (const regularization of ['l2', 'kl']) {
    const opts = { regularization, strength: 0.5, shape: [rows, n] };
    const { value, values, grad } = spearman.valueAndGrad(pred, target, opts);
    assert.is(values.length, rows);
    assert.ok(Math.abs(value - values.reduce((a, b) => a + b, 0) / rows) < 1e-15);
    assert.is(value, spearman(pred, target, opts));
    const u = r.normals(rows * n);
    const fd = directional((p) => spearman(p, target, opts), pred, u);
    assert.ok(Math.abs(fd - dot(grad, u)) < 1e-6 * (1 + Math.abs(fd)), `spearman ${regularization} fd`);
  }
  throwsCode(() => spearman([1], [1]), 'shape', 'pred', 'n = 1');
  throwsCode(() => spearman([1, 2], [1]), 'shape', 'target');
  throwsCode(() => spearman([1, 2], [1, NaN]), 'nonfinite', 'target');
});

test('soft least trimmed squares: trims outliers, gradient matches differences', () => {
  assert.ok(Math.abs(softLeastTrimmedSquares([1, 2, 3, 4], [1, 2, 3, 40], { k: 3, strength: 1e-4 })) < 1e-12);
  const r = rng(5);
  const pred = r.normals(12);
  const target = r.normals(12);
  for (const regularization of ['l2', 'kl']) {
    const opts = { regularization, strength: 0.5, k: 4, shape: [2, 6] };
    const { grad } = softLeastTrimmedSquares.valueAndGrad(pred, target, opts);
    const u = r.normals(12);
    const fd = directional((p) => softLeastTrimmedSquares(p, target, opts), pred, u);
    assert.ok(Math.abs(fd - dot(grad, u)) < 1e-6 * (1 + Math.abs(fd)), `lts ${regularization} fd`);
  }
  throwsCode(() => softLeastTrimmedSquares([1, 2], [1, 2], { k: 3 }), 'domain', 'k');
  throwsCode(() => softLeastTrimmedSquares([1, 2], [1, 2], { k: 1.5 }), 'domain', 'k');
});

test.run();
