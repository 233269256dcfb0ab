// A small tfjs model (dense 30 → 32 → 20) trained with the soft-DTW
// divergence loss of diffopt/tfjs (Blondel, Mensch & Vert, AISTATS 2021):
// from the last 30 samples of a noisy periodic signal (random frequency,
// phase and shape), forecast the next 20. The divergence compares the
// forecast and the truth up to small shifts in time, and is 0 exactly when
// they are equal. Prints the mean test divergence and MSE per epoch.
//
//   node examples/tfjs-dtw.mjs        (about 5 s)
import * as tf from '@tensorflow/tfjs';
import { init, softDtwDivergence } from 'diffopt';
import { createTfOps } from 'diffopt/tfjs';

tf.env().set('IS_TEST', true); // no "install tfjs-node" banner
await tf.setBackend('cpu');
await init();
const ops = createTfOps(tf);

let seed = 2021;
const uniform = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
const PAST = 30;
const FUTURE = 20;
const GAMMA = 0.1;
function makeSeries(count) {
  const x = new Float32Array(count * PAST);
  const y = new Float32Array(count * FUTURE);
  for (let i = 0; i < count; i++) {
    const freq = 0.15 + 0.25 * uniform();
    const phase = 2 * Math.PI * uniform();
    const sharp = uniform(); // mixes a sine and a square-ish wave
    for (let t = 0; t < PAST + FUTURE; t++) {
      const s = Math.sin(freq * t + phase);
      const v = (1 - sharp) * s + sharp * Math.tanh(4 * s) + 0.05 * normal();
      if (t < PAST) x[i * PAST + t] = v;
      else y[i * FUTURE + t - PAST] = v;
    }
  }
  return { x: tf.tensor2d(x, [count, PAST]), y: tf.tensor3d(y, [count, FUTURE, 1]), count };
}
const train = makeSeries(400);
const test = makeSeries(100);

const model = tf.sequential({
  layers: [
    tf.layers.dense({ units: 32, activation: 'tanh', inputShape: [PAST], kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
    tf.layers.dense({ units: FUTURE, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
  ],
});
// [batch, FUTURE] forecasts as [batch, FUTURE, 1] series: one divergence per pair.
const forecast = (x) => tf.reshape(model.apply(x), [x.shape[0], FUTURE, 1]);

function evaluate() {
  const pred = tf.tidy(() => forecast(test.x));
  const p = Float64Array.from(pred.dataSync());
  const y = Float64Array.from(test.y.dataSync());
  let div = 0;
  let mse = 0;
  for (let i = 0; i < test.count; i++) {
    const a = p.subarray(i * FUTURE, (i + 1) * FUTURE);
    const b = y.subarray(i * FUTURE, (i + 1) * FUTURE);
    div += softDtwDivergence(a, b, { gamma: GAMMA });
    for (let t = 0; t < FUTURE; t++) mse += (a[t] - b[t]) ** 2;
  }
  pred.dispose();
  return { div: div / test.count, mse: mse / (test.count * FUTURE) };
}

const optimizer = tf.train.adam(0.01);
const BATCH = 40;
const before = evaluate();
console.log(`epoch  0  test divergence ${before.div.toFixed(4)}  test MSE ${before.mse.toFixed(4)}`);
let after = before;
const t0 = Date.now();
for (let epoch = 1; epoch <= 20; epoch++) {
  let total = 0;
  for (let i = 0; i < train.count; i += BATCH) {
    const x = tf.slice(train.x, [i, 0], [BATCH, PAST]);
    const y = tf.slice(train.y, [i, 0, 0], [BATCH, FUTURE, 1]);
    const loss = optimizer.minimize(() => tf.mean(ops.softDtwDivergence(forecast(x), y, { gamma: GAMMA })), true);
    total += loss.dataSync()[0];
    tf.dispose([x, y, loss]);
  }
  after = evaluate();
  if (epoch % 2 === 0 || epoch === 1) {
    console.log(`epoch ${String(epoch).padStart(2)}  train loss ${(total / (train.count / BATCH)).toFixed(4)}  test divergence ${after.div.toFixed(4)}  test MSE ${after.mse.toFixed(4)}`);
  }
}
console.log(`test divergence ${before.div.toFixed(4)} -> ${after.div.toFixed(4)}, MSE ${before.mse.toFixed(4)} -> ${after.mse.toFixed(4)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
if (!(after.div < 0.5 * before.div)) {
  console.error('the test divergence did not improve');
  process.exitCode = 1;
}
