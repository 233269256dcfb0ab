// A small tfjs model (dense 6 → 16 → 1) trained to rank items with the
// soft-rank Spearman loss of diffopt/tfjs (Blondel et al., ICML 2020): each
// "query" has 20 items; the model scores every item, the scores of a query
// are soft-ranked, and the loss is 1 − Spearman's ρ against the true
// relevance. Only the order of the scores matters, so plain regression
// targets are not needed. Prints the test Spearman (hard ranks) per epoch.
//
//   node examples/tfjs-spearman.mjs        (about 5 s)
import * as tf from '@tensorflow/tfjs';
import { init, spearman } from 'diffopt';
import { createTfOps } from 'diffopt/tfjs';

tf.env().set('IS_TEST', true); // no "install tfjs-node" banner
await tf.setBackend('cpu');
await init();
const ops = createTfOps(tf);

// Seeded data: relevance = a nonlinear function of 6 features + noise.
let seed = 12345;
const uniform = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
const DIMS = 6;
const ITEMS = 20;
function makeQueries(count) {
  const x = new Float32Array(count * ITEMS * DIMS);
  const y = new Float32Array(count * ITEMS);
  for (let i = 0; i < count * ITEMS; i++) {
    const f = Array.from({ length: DIMS }, normal);
    f.forEach((v, j) => (x[i * DIMS + j] = v));
    y[i] = 1.5 * f[0] - f[1] + Math.tanh(2 * f[2]) + 0.8 * f[3] * f[4] + 0.2 * normal();
  }
  return { x: tf.tensor2d(x, [count * ITEMS, DIMS]), y: tf.tensor2d(y, [count, ITEMS]), count };
}
const train = makeQueries(200);
const test = makeQueries(100);

const model = tf.sequential({
  layers: [
    tf.layers.dense({ units: 16, activation: 'tanh', inputShape: [DIMS], kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
    tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
  ],
});
const scores = (data) => tf.reshape(model.apply(data.x), [data.count, ITEMS]);

// Evaluation: the real (hard-rank) Spearman correlation, computed by diffopt in float64.
const testSpearman = () =>
  tf.tidy(() => spearman(Float64Array.from(scores(test).dataSync()), Float64Array.from(test.y.dataSync()), { strength: 1e-6, shape: [test.count, ITEMS] }));

const optimizer = tf.train.adam(0.02);
const BATCH = 20;
console.log(`epoch  0  test Spearman ${testSpearman().toFixed(4)}`);
const first = testSpearman();
let last = first;
const t0 = Date.now();
for (let epoch = 1; epoch <= 15; epoch++) {
  let total = 0;
  for (let q = 0; q < train.count; q += BATCH) {
    const x = tf.slice(train.x, [q * ITEMS, 0], [BATCH * ITEMS, DIMS]);
    const y = tf.slice(train.y, [q, 0], [BATCH, ITEMS]);
    const loss = optimizer.minimize(() => tf.sub(1, ops.spearman(tf.reshape(model.apply(x), [BATCH, ITEMS]), y, { strength: 0.1 })), true);
    total += loss.dataSync()[0];
    tf.dispose([x, y, loss]);
  }
  last = testSpearman();
  console.log(`epoch ${String(epoch).padStart(2)}  train loss ${(total / (train.count / BATCH)).toFixed(4)}  test Spearman ${last.toFixed(4)}`);
}
console.log(`test Spearman ${first.toFixed(4)} -> ${last.toFixed(4)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
if (!(last > first + 0.2)) {
  console.error('the test Spearman did not improve');
  process.exitCode = 1;
}
