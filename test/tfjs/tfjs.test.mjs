// The TensorFlow.js adapter (diffopt/tfjs): tf.grad through every wrapped op
// equals the library's own vjp on the same (float32-rounded) input, values
// match, batches map to 2-D tensors, and bad input raises DiffoptErrors.
// Run by scripts/test-all.mjs, section 'tfjs': as is in Node, Deno and Bun,
// and bundled by esbuild for Chromium (tfjs's npm build is CommonJS, which a
// page cannot import unbundled), hence not a test/*.test.mjs file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import * as d from 'diffopt';
import { createTfOps } from 'diffopt/tfjs';
import { rng, throwsCode } from '../helpers/numeric.mjs';

tf.env().set('IS_TEST', true); // silences tfjs's "install tfjs-node" banner
await tf.setBackend('cpu');
await d.init();
const ops = createTfOps(tf);
const R = rng(7);
// tfjs takes Float32Array, not Float64Array.
const N = (n) => Float32Array.from(R.normals(n));

const f64 = (t) => Float64Array.from(t.dataSync());
/** float32 agreement: |a − b| ≤ 2e-6·max|b| + 1e-6·|b| + atol. */
function close32(a, b, what, atol = 1e-7) {
  assert.is(a.length, b.length, `${what}: length`);
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i] - b[i]) <= 2e-6 * scale + 1e-6 * Math.abs(b[i]) + atol)) assert.unreachable(`${what}[${i}]: ${a[i]} vs ${b[i]}`);
  }
}

/** tf.grad of ⟨g, op(x)⟩ against op.vjp(x)(g), and the values. */
function checkOp(name, tfOp, libVjp, shape, opts = {}, make = N) {
  const size = shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(make(size), shape);
  const g = tf.tensor(N(size), shape);
  const xs = f64(x);
  const [value, pullback] = libVjp(xs, shape);
  close32(f64(tfOp(x, opts)), value, `${name} value`);
  const grad = tf.grad((t) => tf.sum(tf.mul(tfOp(t, opts), g)))(x);
  assert.equal(grad.shape, shape, `${name} grad shape`);
  close32(f64(grad), pullback(f64(g)), `${name} grad`);
}

const rowsOf = (shape) => [shape.length === 1 ? 1 : shape.slice(0, -1).reduce((a, b) => a * b, 1), shape[shape.length - 1]];

for (const [name, o] of [
  ['softRank', { strength: 0.5 }],
  ['softRank', { regularization: 'kl', direction: 'descending' }],
  ['softSort', { strength: 0.3 }],
  ['softSort', { regularization: 'kl' }],
  ['isotonic', {}],
  ['projectPermutahedron', {}],
  ['softmax', {}],
  ['sparsemax', {}],
  ['entmax', { alpha: 1.5 }],
  ['entmax', { alpha: 1.3 }],
  ['sigmoid', {}],
  ['sparseSigmoid', {}],
  ['projectSimplex', {}],
  ['projectL1Ball', { radius: 1 }],
  ['projectBox', { lower: -0.5, upper: 0.5 }],
  ['projectSparseSimplex', { k: 2 }],
]) {
  test(`${name} ${JSON.stringify(o)}: tf.grad = vjp for [7], [4, 6] and [2, 3, 5]`, () => {
    for (const shape of [[7], [4, 6], [2, 3, 5]]) {
      checkOp(name, ops[name], (xs) => d[name].vjp(xs, { ...o, shape: rowsOf(shape) }), shape, o);
    }
  });
}

test('perturbed argmax and top-k: tf.grad = vjp (same seed, same samples)', () => {
  for (const [oracle, o] of [['argmax', { epsilon: 0.5, samples: 200, seed: 3 }], [{ kind: 'top-k', k: 2 }, { samples: 100, noise: 'gumbel' }]]) {
    const lib = d.perturbed(oracle, o);
    const op = ops.perturbed(oracle, o);
    for (const shape of [[5], [3, 5]]) checkOp(`perturbed ${JSON.stringify(oracle)}`, (t) => op(t), (xs) => lib.vjp(xs, { shape: rowsOf(shape) }), shape);
  }
});

/** A loss: value and tf.grad (scaled by a cotangent) against valueAndGrad. */
function checkLoss(name, tfLoss, libVag, pred, target, opts) {
  const r = libVag(f64(pred));
  close32([tfLoss(pred, target, opts).dataSync()[0]], [r.value], `${name} value`, 1e-6);
  const grad = tf.grad((p) => tf.mul(tfLoss(p, target, opts), 3))(pred);
  assert.equal(grad.shape, pred.shape);
  close32(f64(grad), r.grad.map((v) => 3 * v), `${name} grad`);
}

test('spearman and softLeastTrimmedSquares: values and gradients, targets as tensors or arrays', () => {
  const pred = tf.tensor2d(N(12), [3, 4]);
  const targetArr = Array.from(R.normals(12));
  const target = tf.tensor2d(targetArr, [3, 4]);
  const t64 = f64(target);
  for (const o of [{ strength: 0.5 }, { regularization: 'kl' }]) {
    checkLoss('spearman', ops.spearman, (p) => d.spearman.valueAndGrad(p, t64, { ...o, shape: [3, 4] }), pred, target, o);
    checkLoss('spearman', ops.spearman, (p) => d.spearman.valueAndGrad(p, t64, { ...o, shape: [3, 4] }), pred, t64, o);
  }
  const o = { k: 3, strength: 0.1 };
  checkLoss('lts', ops.softLeastTrimmedSquares, (p) => d.softLeastTrimmedSquares.valueAndGrad(p, t64, { ...o, shape: [3, 4] }), pred, target, o);
  // Gradients w.r.t. the target: zero (hard ranks) for Spearman, −∂/∂pred for LTS.
  const [, gs] = tf.grads((p, t) => ops.spearman(p, t))([pred, target]);
  assert.equal(Array.from(gs.dataSync()), new Array(12).fill(0));
  const [gp, gt] = tf.grads((p, t) => ops.softLeastTrimmedSquares(p, t, o))([pred, target]);
  close32(f64(gt), f64(gp).map((v) => -v), 'lts target grad');
});

test('fyLoss (labels, int32 tensor labels, float32 proportions), multilabelLoss, perturbedFyLoss', () => {
  const theta = tf.tensor2d(N(8), [2, 4]);
  for (const o of [{}, { map: 'sparsemax' }, { map: 'entmax', alpha: 1.5 }]) {
    checkLoss('fyLoss', ops.fyLoss, (p) => d.fyLoss.valueAndGrad(p, [1, 3], { ...o, shape: [2, 4] }), theta, [1, 3], o);
    checkLoss('fyLoss', ops.fyLoss, (p) => d.fyLoss.valueAndGrad(p, [1, 3], { ...o, shape: [2, 4] }), theta, tf.tensor1d([1, 3], 'int32'), o);
  }
  // float32 proportions do not sum to 1 within 1e-9; the adapter renormalizes in float64.
  const props = tf.tensor2d([0.1, 0.2, 0.3, 0.4, 0.7, 0.1, 0.1, 0.1], [2, 4]);
  const p64 = f64(props);
  for (const r of [0, 4]) {
    const s = p64[r] + p64[r + 1] + p64[r + 2] + p64[r + 3];
    for (let j = 0; j < 4; j++) p64[r + j] /= s;
  }
  checkLoss('fyLoss proportions', ops.fyLoss, (p) => d.fyLoss.valueAndGrad(p, p64, { shape: [2, 4] }), theta, props, {});
  const y = tf.tensor2d([1, 0, 1, 0, 0, 0, 1, 1], [2, 4]);
  checkLoss('multilabelLoss', ops.multilabelLoss, (p) => d.multilabelLoss.valueAndGrad(p, f64(y), { shape: [2, 4] }), theta, y, {});
  const po = { epsilon: 1, samples: 300, seed: 5 };
  const lib = d.perturbedFyLoss('argmax', po);
  const onehot = tf.tensor2d([0, 1, 0, 0, 0, 0, 0, 1], [2, 4]);
  checkLoss('perturbedFyLoss', ops.perturbedFyLoss('argmax', po), (p) => lib(p, f64(onehot), { shape: [2, 4] }), theta, onehot);
});

const SERIES = ['softDtw', 'softDtwDivergence', 'sharpSoftDtw', 'sharpSoftDtwDivergence', 'meanCostDtw', 'meanCostDtwDivergence', 'softDtwEntropy'];
for (const name of SERIES) {
  test(`${name}: tf.grads = vjp for [m], [m, d] and a [batch, m, d] batch`, () => {
    const o = { gamma: 0.7 };
    for (const [xs, ys] of [[[6], [4]], [[5, 2], [7, 2]], [[3, 5, 2], [3, 4, 2]]]) {
      const X = tf.tensor(N(xs.reduce((a, b) => a * b)), xs);
      const Y = tf.tensor(N(ys.reduce((a, b) => a * b)), ys);
      const batch = xs.length === 3 ? xs[0] : 1;
      const [m, dx] = xs.length === 1 ? [xs[0], 1] : xs.slice(-2);
      const [n] = xs.length === 1 ? [ys[0]] : ys.slice(-2);
      const cot = Float64Array.from(N(batch));
      const gx = new Float64Array(batch * m * dx);
      const gy = new Float64Array(batch * n * dx);
      const vals = [];
      const X64 = f64(X);
      const Y64 = f64(Y);
      for (let b = 0; b < batch; b++) {
        const [v, pb] = d[name].vjp(X64.subarray(b * m * dx, (b + 1) * m * dx), Y64.subarray(b * n * dx, (b + 1) * n * dx), { ...o, shape: [m, dx], shapeY: [n, dx] });
        vals.push(v);
        const [a, c] = pb(cot[b]);
        gx.set(a, b * m * dx);
        gy.set(c, b * n * dx);
      }
      const out = ops[name](X, Y, o);
      assert.equal(out.shape, batch > 1 || xs.length === 3 ? [batch] : []);
      close32(f64(out), vals, `${name} value`, 1e-6);
      const cotT = tf.tensor(xs.length < 3 ? cot[0] : Float32Array.from(cot), xs.length === 3 ? [batch] : []);
      const [dX, dY] = tf.grads((a, c) => tf.sum(tf.mul(ops[name](a, c, o), cotT)))([X, Y]);
      close32(f64(dX), gx, `${name} dX`, 1e-6);
      close32(f64(dY), gy, `${name} dY`, 1e-6);
    }
  });
}

test('gradients flow through a tfjs model (dense layer → softRank → spearman)', () => {
  const W = tf.variable(tf.tensor2d(N(6), [3, 2]));
  const x = tf.tensor2d(N(15), [5, 3]);
  const target = tf.tensor2d([1, 2, 3, 4, 5, 5, 4, 3, 2, 1], [2, 5]);
  const f = () => tf.sub(1, ops.spearman(tf.transpose(tf.matMul(x, W)), target, { strength: 0.1 }));
  const { value, grads } = tf.variableGrads(f);
  assert.ok(Number.isFinite(value.dataSync()[0]));
  assert.equal(grads[W.name].shape, [3, 2]);
  // The directional derivative along the gradient matches a finite difference (float32: loose).
  const g = f64(grads[W.name]);
  const h = 1e-2;
  const w0 = f64(W);
  const at = (s) => { W.assign(tf.tensor2d(Float32Array.from(w0, (v, i) => v + s * g[i]), [3, 2])); return f().dataSync()[0]; };
  const fd = (at(h) - at(-h)) / (2 * h);
  const dd = g.reduce((s, v) => s + v * v, 0);
  assert.ok(Math.abs(fd - dd) <= 0.05 * dd + 1e-4, `${fd} vs ${dd}`);
});

test('bad input: DiffoptErrors propagate out of the forward pass and of tf.grad', () => {
  throwsCode(() => createTfOps({}), 'type', 'tf');
  throwsCode(() => ops.softRank([1, 2, 3]), 'type', 'x');
  throwsCode(() => ops.softRank(tf.scalar(1)), 'shape', 'x');
  throwsCode(() => ops.softRank(tf.tensor1d([1, 2]), { strength: -1 }), 'domain', 'strength');
  throwsCode(() => ops.softRank(tf.tensor1d([1, 2]), { shape: [1, 2] }), 'option', 'shape');
  throwsCode(() => ops.softRank(tf.tensor1d([1, NaN])), 'nonfinite');
  throwsCode(() => tf.grad((t) => tf.sum(ops.softSort(t, { regularization: 'x' })))(tf.tensor1d([1, 2])), 'option', 'regularization');
  throwsCode(() => ops.spearman(tf.tensor1d([1, 2, 3]), [1, 2]), 'shape', 'target');
  throwsCode(() => ops.spearman(tf.tensor1d([1, 2, 3]), 'abc'), 'type', 'target');
  throwsCode(() => ops.fyLoss(tf.tensor1d([1, 2, 3]), 5), 'domain', 'target');
  throwsCode(() => ops.entmax(tf.tensor1d([1, 2]), { alpha: 0.5 }), 'domain', 'alpha');
  throwsCode(() => ops.softDtw(tf.tensor2d([[1, 2]]), tf.tensor1d([1, 2])), 'shape', 'Y');
  throwsCode(() => ops.softDtw(tf.tensor3d([[[1]]]), tf.tensor3d([[[1]], [[2]]])), 'shape', 'Y');
  throwsCode(() => ops.softDtw(tf.tensor2d([[1, 2]]), tf.tensor2d([[1, 2, 3]])), 'shape');
  throwsCode(() => ops.softDtw(tf.tensor1d([1]), tf.tensor1d([2]), { gamma: 0 }), 'domain', 'gamma');
  throwsCode(() => ops.perturbed('argmax', { epsilon: -1 })(tf.tensor1d([1, 2])), 'domain', 'epsilon');
  throwsCode(() => ops.perturbed({ kind: 'top-k', k: 5 })(tf.tensor1d([1, 2])), 'domain');
});

test.run();
