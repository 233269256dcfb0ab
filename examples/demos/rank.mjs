// The sorting & ranking demo: soft ranks of a fixed vector across strengths
// next to its hard ranks, then a linear model trained by gradient ascent on
// the differentiable Spearman correlation, on generated data.
import { softRank, softSort, spearman } from '../../dist/index.js';
import { generator } from './random.mjs';


/** Hard ascending ranks (1-based, ties averaged). */
function hardRanks(x) {
  const idx = Array.from(x, (_, i) => i).sort((i, j) => x[i] - x[j]);
  const r = new Float64Array(x.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && x[idx[j + 1]] === x[idx[i]]) j++;
    for (let k = i; k <= j; k++) r[idx[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

function pearson(a, b) {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

const hardSpearman = (pred, target) => pearson(hardRanks(pred), hardRanks(target));
const fmt = (xs, digits = 2) => Array.from(xs, (v) => v.toFixed(digits).padStart(6)).join(' ');

function showSoftRanks() {
  const x = Float64Array.from([2.9, 0.1, 1.2, 3.1, -0.7, 1.0]);
  console.log('Soft ranks of θ =', `[${Array.from(x).join(', ')}]`, '(ascending, L2)');
  console.log(`  ${'strength'.padEnd(10)} ${'ranks'.padEnd(41)} sorted values`);
  console.log(`  ${'hard'.padEnd(10)} ${fmt(hardRanks(x))}   ${fmt(Float64Array.from(x).sort())}`);
  for (const strength of [0.01, 0.1, 0.5, 1, 2, 10]) {
    const r = softRank(x, { strength });
    const s = softSort(x, { strength });
    console.log(`  ${String(strength).padEnd(10)} ${fmt(r)}   ${fmt(s)}`);
  }
  const kl = softRank(x, { strength: 1, regularization: 'kl' });
  console.log(`  ${'1 (KL)'.padEnd(10)} ${fmt(kl)}`);
  console.log('  Small strengths give the hard ranks; large ones pull every rank to the mean (n+1)/2.\n');
}

function trainSpearman() {
  // Generated data: y is a monotone but non-linear function of a hidden
  // direction, so only the ranking of Xw matters.
  const g = generator(2020);
  const n = 400, p = 8, nTrain = 300;
  const wTrue = Float64Array.from({ length: p }, () => g.normal());
  const X = Float64Array.from({ length: n * p }, () => g.normal());
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let j = 0; j < p; j++) z += X[i * p + j] * wTrue[j];
    y[i] = Math.exp(z / 2) + 0.3 * g.normal();
  }
  const predict = (w, from, to) => {
    const out = new Float64Array(to - from);
    for (let i = from; i < to; i++) {
      let s = 0;
      for (let j = 0; j < p; j++) s += X[i * p + j] * w[j];
      out[i - from] = s;
    }
    return out;
  };
  const w = Float64Array.from({ length: p }, () => 0.1 * g.normal());
  const yTrain = y.subarray(0, nTrain), yTest = y.subarray(nTrain);
  const lr = 0.5, strength = 0.1, batches = 3;
  const rowsPerBatch = nTrain / batches;
  console.log(`Training a linear model (p = ${p}) by gradient ascent on the soft Spearman correlation`);
  console.log(`(${nTrain} train / ${n - nTrain} test rows, strength ${strength}, ${batches} rows of ${rowsPerBatch} per batch call):`);
  console.log('  epoch   soft ρ (train)   hard ρ (test)');
  for (let epoch = 0; epoch <= 30; epoch++) {
    // One wasm call for the whole batch: the train set as [batches, rows] rows.
    const pred = predict(w, 0, nTrain);
    const { value, grad } = spearman.valueAndGrad(pred, yTrain, { strength, shape: [batches, rowsPerBatch] });
    if (epoch % 3 === 0) {
      const rho = hardSpearman(predict(w, nTrain, n), yTest);
      console.log(`  ${String(epoch).padStart(5)}   ${value.toFixed(4).padStart(13)}   ${rho.toFixed(4).padStart(13)}`);
    }
    // ascent step: ∂ρ/∂w = Xᵀ ∂ρ/∂pred; rescale w (the ranking is scale-free
    // but the soft rank is not, so keep ‖w‖ fixed to make the strength meaningful)
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let i = 0; i < nTrain; i++) s += X[i * p + j] * grad[i];
      w[j] += lr * s;
    }
    const norm = Math.hypot(...w);
    for (let j = 0; j < p; j++) w[j] *= 3 / norm;
  }
  const cos = w.reduce((s, v, j) => s + v * wTrue[j], 0) / (Math.hypot(...w) * Math.hypot(...wTrue));
  console.log(`  cosine(w, true direction) = ${cos.toFixed(4)}`);
}

export async function rankDemo() {
  showSoftRanks();
  trainSpearman();
}
