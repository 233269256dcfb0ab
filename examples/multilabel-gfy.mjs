#!/usr/bin/env node
// Multilabel classification with a pairwise energy, trained on the
// generalized Fenchel-Young loss (Blondel et al., NeurIPS 2022), against
// independent logistic losses on the same linear features.
//
//   node examples/multilabel-gfy.mjs            (after `npm run build`)
//   node examples/multilabel-gfy.mjs --seed 7 --epochs 400
//
// Data (generated): x ∈ R¹² standard normal. Five "base" labels are noisy
// half-spaces, y_l = [w_l·x + b_l + 0.3ε > 0]; three more are logic over
// them: y₅ = y₀ AND y₁, y₆ = y₂ OR y₃, y₇ = y₁ AND NOT y₄. A linear model
// scores each label on its own and cannot draw an AND of two half-spaces;
// the energy
//     Φ(θ, μ) = ⟨Ux + c, μ⟩ + ½⟨μ, Aμ⟩,  μ ∈ [0, 1]⁸, Ω = binary entropy,
// makes the prediction ŷ = σ(Ux + c + sym(A)ŷ) a fixed point in which labels
// vote for each other through the learned couplings A.
//
// Both models: the same parameters U (8×12), c (8), full-batch gradient
// descent, one wasm call per epoch for the whole training set. The
// logistic baseline is the same loss with A = 0 (the bilinear energy).
// ŷ is unique when sym(A) ≺ 4I (the binary entropy is 4-strongly convex),
// so after each step A is rescaled to keep max_i Σ_j |sym(A)_ij| ≤ 3.5
// (a Gershgorin bound) and its diagonal at 0.
import { init, generalizedFyLoss, multilabelLoss } from '../dist/index.js';
import { generator } from './demos/random.mjs';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SEED = arg('--seed', 1);
const EPOCHS = arg('--epochs', 300);
const D = 12;
const L = 8;
const N_TRAIN = 1000;
const N_TEST = 1000;
const LR = 1.0;
const COUPLING_BOUND = 3.5;

// ---------------------------------------------------------------- data
const { uniform, normal } = generator(SEED);

const W = Array.from({ length: 5 }, () => Array.from({ length: D }, normal));
const B = Array.from({ length: 5 }, () => 0.5 * normal());

function dataset(count) {
  const X = new Float64Array(count * D);
  const Y = new Float64Array(count * L);
  for (let s = 0; s < count; s++) {
    const x = X.subarray(s * D, (s + 1) * D);
    for (let j = 0; j < D; j++) x[j] = normal();
    const y = Y.subarray(s * L, (s + 1) * L);
    for (let l = 0; l < 5; l++) {
      let z = B[l] + 0.3 * Math.sqrt(D) * normal();
      for (let j = 0; j < D; j++) z += W[l][j] * x[j];
      y[l] = z > 0 ? 1 : 0;
    }
    y[5] = y[0] && y[1] ? 1 : 0;
    y[6] = y[2] || y[3] ? 1 : 0;
    y[7] = y[1] && !y[4] ? 1 : 0;
  }
  return { X, Y, count };
}

const train = dataset(N_TRAIN);
const test = dataset(N_TEST);

// ---------------------------------------------------------------- model
/** Unary potentials θ = XUᵀ + c for every sample (row-major count × L). */
function unary(model, data) {
  const T = new Float64Array(data.count * L);
  for (let s = 0; s < data.count; s++) {
    for (let l = 0; l < L; l++) {
      let v = model.c[l];
      for (let j = 0; j < D; j++) v += model.U[l * D + j] * data.X[s * D + j];
      T[s * L + l] = v;
    }
  }
  return T;
}

/** Gradient step on U and c from ∂loss/∂θ (already divided by the rows). */
function stepUnary(model, data, G) {
  for (let l = 0; l < L; l++) {
    let gc = 0;
    for (let s = 0; s < data.count; s++) gc += G[s * L + l];
    model.c[l] -= LR * gc;
    for (let j = 0; j < D; j++) {
      let g = 0;
      for (let s = 0; s < data.count; s++) g += G[s * L + l] * data.X[s * D + j];
      model.U[l * D + j] -= LR * g;
    }
  }
}

/** Keeps ŷ unique: zero diagonal, Gershgorin row sums of sym(A) ≤ the bound. */
function constrainCouplings(A) {
  for (let i = 0; i < L; i++) A[i * L + i] = 0;
  let worst = 0;
  for (let i = 0; i < L; i++) {
    let row = 0;
    for (let j = 0; j < L; j++) row += Math.abs(0.5 * (A[i * L + j] + A[j * L + i]));
    worst = Math.max(worst, row);
  }
  if (worst > COUPLING_BOUND) for (let k = 0; k < A.length; k++) A[k] *= COUPLING_BOUND / worst;
}

const OPTS = { domain: 'cube', regularizer: 'entropy' };

function trainModel(pairwise) {
  const model = { U: new Float64Array(L * D), c: new Float64Array(L), A: pairwise ? new Float64Array(L * L) : null };
  const shape = [train.count, L];
  let last = 0;
  for (let epoch = 0; epoch <= EPOCHS; epoch++) {
    const theta = unary(model, train);
    const r = pairwise
      ? generalizedFyLoss.valueAndGrad(theta, train.Y, { ...OPTS, pairwise: model.A, shape })
      : multilabelLoss.valueAndGrad(theta, train.Y, { map: 'sigmoid', shape });
    if (epoch % 100 === 0) {
      const iters = pairwise ? `, inner iterations ≤ ${Math.max(...r.iterations)}` : '';
      console.log(`  epoch ${String(epoch).padStart(4)}  train loss ${r.value.toFixed(4)}${iters}`);
    }
    last = r.value;
    if (epoch === EPOCHS) break;
    stepUnary(model, train, r.grad);
    if (pairwise) {
      for (let k = 0; k < model.A.length; k++) model.A[k] -= LR * r.gradPairwise[k];
      constrainCouplings(model.A);
    }
  }
  return { model, loss: last };
}

function predict(model, data) {
  const theta = unary(model, data);
  const shape = [data.count, L];
  if (model.A) return generalizedFyLoss.predict(theta, { ...OPTS, pairwise: model.A, shape }).prediction;
  return theta.map((t) => 1 / (1 + Math.exp(-t)));
}

/** Micro-F1 over all labels, and F1 per label, thresholding ŷ at ½. */
function f1(pred, data) {
  let tp = 0, fp = 0, fn = 0;
  const per = [];
  for (let l = 0; l < L; l++) {
    let a = 0, b = 0, c = 0;
    for (let s = 0; s < data.count; s++) {
      const p = pred[s * L + l] >= 0.5;
      const y = data.Y[s * L + l] === 1;
      if (p && y) a++;
      else if (p) b++;
      else if (y) c++;
    }
    per.push((2 * a) / Math.max(1, 2 * a + b + c));
    tp += a;
    fp += b;
    fn += c;
  }
  return { micro: (2 * tp) / (2 * tp + fp + fn), per };
}

// ---------------------------------------------------------------- run
await init();
console.log(`multilabel data: ${N_TRAIN} train / ${N_TEST} test samples, ${D} features, ${L} labels (5 noisy half-spaces + AND, OR, AND-NOT)`);
console.log('\nindependent logistic losses (one-vs-all):');
const indep = trainModel(false);
console.log('\ngeneralized FY loss, pairwise energy on the unit cube (binary entropy):');
const gfy = trainModel(true);

const a = f1(predict(indep.model, test), test);
const b = f1(predict(gfy.model, test), test);
const names = ['y0', 'y1', 'y2', 'y3', 'y4', 'y0∧y1', 'y2∨y3', 'y1∧¬y4'];
console.log('\ntest F1 per label       ' + names.map((n) => n.padStart(7)).join(''));
console.log('  independent logistic  ' + a.per.map((v) => v.toFixed(3).padStart(7)).join(''));
console.log('  generalized FY        ' + b.per.map((v) => v.toFixed(3).padStart(7)).join(''));
console.log(`\ntest micro-F1: independent logistic ${a.micro.toFixed(4)}   generalized FY (pairwise) ${b.micro.toFixed(4)}`);
const strongest = [];
for (let i = 0; i < L; i++) {
  for (let j = i + 1; j < L; j++) strongest.push([0.5 * (gfy.model.A[i * L + j] + gfy.model.A[j * L + i]), names[i], names[j]]);
}
strongest.sort((p, q) => Math.abs(q[0]) - Math.abs(p[0]));
console.log('strongest learned couplings: ' + strongest.slice(0, 4).map(([v, p, q]) => `${p}–${q} ${v >= 0 ? '+' : ''}${v.toFixed(2)}`).join(', '));
