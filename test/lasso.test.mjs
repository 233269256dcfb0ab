// The Lasso family through the public API: golden solutions and
// hypergradients (independent NumPy reference cross-checked with sparse-ho),
// the four algorithms against each other and against finite differences,
// searches, the estimator and bad input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import golden from './fixtures/lasso.json' with { type: 'json' };
import {
  init, fitLasso, fitElasticNet, fitWeightedLasso, fitSparseLogReg, lambdaMax, hypergradient,
  gradSearch, gridSearch, randomSearch, trainTestSplit, LassoHypergrad, standardize, loadDiabetes, wasmMemoryBytes,
} from '../dist/index.js';
import { rng, close, throwsCode, bitsDigest } from './helpers/numeric.mjs';

await init();

const ALGORITHMS = ['implicit-forward', 'forward', 'backward', 'implicit'];
const D = golden.data;
const TIGHT = { tol: 1e-15, maxIter: 100000, tolJac: 1e-13 };
const rel = (a, b) => Math.abs(a - b) / Math.abs(b);
const heldOut = (extra) => ({ XTrain: D.X_train, yTrain: D.y_train, XVal: D.X_val, yVal: D.y_val, ...TIGHT, ...extra });
const heldOutCls = (extra) => ({
  model: 'sparse-logreg', XTrain: D.X_train, yTrain: D.y_cls_train, XVal: D.X_val, yVal: D.y_cls_val, ...TIGHT, ...extra,
});

test('golden: λ_max of the Lasso and of sparse logistic regression', () => {
  assert.ok(rel(lambdaMax(D.X_train, D.y_train), golden.lasso.lambda_max) < 1e-14);
  assert.ok(rel(lambdaMax(D.X_train, D.y_cls_train, { model: 'sparse-logreg' }), golden.sparse_logreg.lambda_max) < 1e-14);
  // a flat row-major Float64Array with its shape gives the same
  const flat = Float64Array.from(D.X_train.flat());
  assert.is(lambdaMax(flat, D.y_train), lambdaMax(D.X_train, D.y_train));
  assert.is(lambdaMax({ data: flat, shape: [30, 10] }, D.y_train), lambdaMax(D.X_train, D.y_train));
});

test('golden: solutions and supports of the four models', () => {
  const opts = { tol: 1e-15, maxIter: 100000 };
  const support = (b) => Array.from(b.keys()).filter((j) => b[j] !== 0);
  for (const c of golden.lasso.cases) {
    const r = fitLasso(D.X_train, D.y_train, { lambda: c.lam, ...opts });
    assert.ok(r.converged && r.dualityGap <= 1e-15 * 10);
    close(r.beta, c.beta, 0, 1e-10, `lasso ${c.ratio}`);
    assert.equal(support(r.beta), c.support);
  }
  for (const c of golden.weighted_lasso.cases) {
    const r = fitWeightedLasso(D.X_train, D.y_train, { lambdas: c.lams, ...opts });
    close(r.beta, c.beta, 0, 1e-10, `weighted ${c.ratio}`);
    assert.equal(support(r.beta), c.support);
  }
  for (const c of golden.elastic_net.cases) {
    const r = fitElasticNet(D.X_train, D.y_train, { lambda1: c.lam1, lambda2: c.lam2, ...opts });
    close(r.beta, c.beta, 0, 1e-10, `enet ${c.ratio_l1} ${c.ratio_l2}`);
    assert.equal(support(r.beta), c.support);
  }
  for (const c of golden.sparse_logreg.cases) {
    const r = fitSparseLogReg(D.X_train, D.y_cls_train, { lambda: c.lam, ...opts });
    assert.ok(r.converged);
    close(r.beta, c.beta, 0, 1e-9, `logreg ${c.ratio}`);
    assert.equal(support(r.beta), c.support);
  }
});

test('default tolerance: the duality gap meets tol·P(0), and warm starts help', () => {
  const lam = 0.05 * golden.lasso.lambda_max;
  const cold = fitLasso(D.X_train, D.y_train, { lambda: lam, polish: false });
  const p0 = D.y_train.reduce((s, v) => s + v * v, 0) / (2 * D.y_train.length);
  assert.ok(cold.converged && cold.dualityGap <= 1e-8 * p0);
  const warm = fitLasso(D.X_train, D.y_train, { lambda: lam * 1.01, beta0: cold.beta, polish: false });
  assert.ok(warm.iterations < cold.iterations, `${warm.iterations} vs ${cold.iterations}`);
});

test('golden: Lasso hypergradients, four algorithms (1e-7 relative)', () => {
  for (const c of golden.lasso.cases) {
    for (const algorithm of ALGORITHMS) {
      const r = hypergradient(heldOut({ logLambda: Math.log(c.lam), algorithm }));
      assert.ok(rel(r.grad, c.hypergrad_closed_form) < 1e-7, `${c.ratio} ${algorithm}: ${r.grad} vs ${c.hypergrad_closed_form}`);
      assert.ok(rel(r.grad, c.hypergrad_central_fd) < 1e-7, 'vs the reference finite differences');
      assert.ok(rel(r.value, c.val_mse) < 1e-10);
      assert.equal(r.support, c.support);
      assert.ok(r.converged && r.jacobianConverged);
    }
  }
});

test('golden: elastic net (2 hyperparameters) and weighted Lasso (p), four algorithms', () => {
  for (const c of golden.elastic_net.cases) {
    for (const algorithm of ALGORITHMS) {
      const r = hypergradient(heldOut({ model: 'elastic-net', logLambda: [Math.log(c.lam1), Math.log(c.lam2)], algorithm }));
      assert.instance(r.grad, Float64Array);
      close(r.grad, c.hypergrad_closed_form, 1e-7, 1e-12, `enet ${c.ratio_l1}/${c.ratio_l2} ${algorithm}`);
    }
  }
  for (const c of golden.weighted_lasso.cases) {
    for (const algorithm of ALGORITHMS) {
      const r = hypergradient(heldOut({ model: 'weighted-lasso', logLambda: c.lams.map(Math.log), algorithm }));
      close(r.grad, c.hypergrad_closed_form, 1e-7, 1e-10, `weighted ${c.ratio} ${algorithm}`);
    }
  }
});

test('golden: sparse logistic regression hypergradients; a solver at maxIter says so', () => {
  for (const c of golden.sparse_logreg.cases) {
    for (const algorithm of ALGORITHMS) {
      const slowIteration = algorithm === 'forward' || algorithm === 'backward';
      if (slowIteration && c.ratio < 0.05) {
        // plain proximal CD (what forward/backward differentiate) crawls here
        const r = hypergradient(heldOutCls({ logLambda: Math.log(c.lam), algorithm, maxIter: 200 }));
        assert.is(r.converged, false, 'maxIter reached is reported');
        assert.is(r.innerIterations, 200);
        continue;
      }
      const r = hypergradient(heldOutCls({ logLambda: Math.log(c.lam), algorithm }));
      assert.ok(rel(r.grad, c.hypergrad_closed_form) < 1e-7, `${c.ratio} ${algorithm}: ${r.grad} vs ${c.hypergrad_closed_form}`);
      assert.ok(rel(r.value, c.val_logloss) < 1e-10);
    }
  }
});

test('golden: forward-mode iterates from zero (maxIter epochs, partial answer flagged)', () => {
  const c = golden.lasso.cases[0];
  const fw = c.forward_iterdiff;
  fw.epochs.forEach((epochs, e) => {
    const r = hypergradient(heldOut({ logLambda: Math.log(c.lam), algorithm: 'forward', tol: 0, maxIter: epochs, polish: false }));
    assert.is(r.converged, false);
    assert.is(r.innerIterations, epochs);
    close(r.beta, fw.beta[e], 1e-11, 1e-12, `beta after ${epochs} epochs`);
    // the hypergradient of the k-th iterate: ∇C(β_k)ᵀ J_k
    const res = D.X_val.map((row, i) => D.y_val[i] - row.reduce((s, x, j) => s + x * fw.beta[e][j], 0));
    const gradC = fw.beta[e].map((_, j) => (-2 * D.X_val.reduce((s, row, i) => s + row[j] * res[i], 0)) / D.y_val.length);
    const want = gradC.reduce((s, g, j) => s + g * fw.jac[e][j], 0);
    assert.ok(Math.abs(r.grad - want) <= 1e-9 * Math.abs(want), `${epochs}: ${r.grad} vs ${want}`);
  });
});

test('golden: 400-point grid and the held-out optimum (λ*/λ_max within 1e-4)', () => {
  const g = golden.lasso.grid_400_geomspace_lmax_to_lmax_1e_3;
  const opts = { X: D.X_train, y: D.y_train, XVal: D.X_val, yVal: D.y_val, innerTol: 1e-14 };
  const grid = gridSearch({ ...opts, lambdas: g.lambdas });
  close(grid.path.map((s) => s.value), g.val_mse, 1e-9, 1e-12, 'grid values');
  assert.ok(rel(grid.best.value, g.val_mse[g.argmin_index]) < 1e-12);
  const opt = golden.lasso.heldout_optimum;
  const res = gradSearch({ ...opts, tol: 1e-7 });
  assert.ok(rel(res.best.lambda / golden.lasso.lambda_max, opt.ratio_to_lambda_max) < 1e-4, `${res.best.lambda / golden.lasso.lambda_max}`);
  assert.ok(Math.abs(res.best.value - opt.val_mse) < 1e-8, `${res.best.value} vs ${opt.val_mse}`);
  assert.equal(res.best.support, opt.support);
  assert.ok(res.evaluations <= 15, `${res.evaluations} evaluations`);
  assert.ok(res.evaluations * 5 <= grid.evaluations / 5, 'far fewer solves than the 400-point grid');
});

/** Central difference of the criterion in log λ along coordinate k. */
function fdCriterion(opts, h, k, step = 1e-5) {
  const at = (d) => {
    const hh = Array.isArray(h) ? h.slice() : h + d;
    if (Array.isArray(h)) hh[k] += d;
    return hypergradient({ ...opts, logLambda: hh }).value;
  };
  return (at(step) - at(-step)) / (2 * step);
}

test('finite differences of every criterion in log λ, all four algorithms', () => {
  const lmax = golden.lasso.lambda_max;
  const cases = [
    { name: 'lasso held-out', opts: heldOut({}), h: Math.log(0.2 * lmax) },
    { name: 'lasso SURE', opts: { XTrain: D.X_train, yTrain: D.y_train, criterion: 'sure', sigma: 1, seed: 3, ...TIGHT }, h: Math.log(0.1 * lmax) },
    { name: 'lasso 5-fold', opts: { XTrain: D.X_train, yTrain: D.y_train, criterion: { cv: 5 }, ...TIGHT }, h: Math.log(0.05 * lmax) },
    { name: 'enet SURE', opts: { model: 'elastic-net', XTrain: D.X_train, yTrain: D.y_train, criterion: 'sure', sigma: 1, ...TIGHT }, h: [Math.log(0.1 * lmax), Math.log(0.5)] },
    { name: 'enet 3-fold', opts: { model: 'elastic-net', XTrain: D.X_train, yTrain: D.y_train, criterion: { cv: 3 }, ...TIGHT }, h: [Math.log(0.1 * lmax), Math.log(0.2)] },
    { name: 'weighted held-out', opts: heldOut({ model: 'weighted-lasso' }), h: golden.weighted_lasso.cases[1].lams.map(Math.log) },
    { name: 'logreg held-out', opts: heldOutCls({}), h: Math.log(0.3 * golden.sparse_logreg.lambda_max) },
    { name: 'logreg 3-fold', opts: heldOutCls({ criterion: { cv: 3, of: 'held-out-logistic' } }), h: Math.log(0.3 * golden.sparse_logreg.lambda_max) },
  ];
  for (const c of cases) {
    const grads = ALGORITHMS.map((algorithm) => hypergradient({ ...c.opts, algorithm, logLambda: c.h }).grad);
    const dims = Array.isArray(c.h) ? c.h.length : 1;
    for (let k = 0; k < dims; k++) {
      const fd = fdCriterion(c.opts, c.h, k);
      const at = (g) => (typeof g === 'number' ? g : g[k]);
      for (let a = 0; a < 4; a++) {
        assert.ok(Math.abs(at(grads[a]) - fd) <= 1e-5 * Math.abs(fd) + 1e-7, `${c.name} ${ALGORITHMS[a]} [${k}]: ${at(grads[a])} vs fd ${fd}`);
        assert.ok(Math.abs(at(grads[a]) - at(grads[0])) <= 1e-8 * Math.abs(at(grads[0])) + 1e-11, `${c.name}: ${ALGORITHMS[a]} vs implicit-forward`);
      }
    }
  }
});

function correlated(seed, n, p, k, noise = 0.5) {
  const r = rng(seed);
  const X = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    let prev = r.normal();
    for (let j = 0; j < p; j++) {
      prev = 0.6 * prev + 0.8 * r.normal();
      X[i * p + j] = prev;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) y[i] += X[i * p + t * Math.floor(p / k)] * (t % 2 ? -1.5 : 1);
    y[i] += noise * r.normal();
  }
  return { X, y };
}

test('the four algorithms agree on a correlated p > n problem', () => {
  const n = 40;
  const nv = 30;
  const p = 120;
  const { X, y } = correlated(5, n + nv, p, 6);
  const opts = {
    XTrain: { data: X.subarray(0, n * p), shape: [n, p] }, yTrain: y.subarray(0, n),
    XVal: { data: X.subarray(n * p), shape: [nv, p] }, yVal: y.subarray(n), tol: 1e-14,
  };
  const lmax = lambdaMax(opts.XTrain, opts.yTrain);
  for (const ratio of [0.5, 0.1, 0.03]) {
    const grads = ALGORITHMS.map((algorithm) => hypergradient({ ...opts, algorithm, logLambda: Math.log(ratio * lmax) }));
    for (const g of grads) assert.ok(rel(g.grad, grads[0].grad) < 1e-6, `${ratio}: ${grads.map((r) => r.grad)}`);
    assert.ok(grads[0].support.length > 0 && grads[0].support.length < p);
  }
});

test('gradSearch reaches the grid optimum with ≥ 5× fewer inner solves (golden data and diabetes)', () => {
  const { X, y, shape } = loadDiabetes();
  const s = standardize(X, { shape });
  const yc = y.map((v) => v - y.reduce((a, b) => a + b, 0) / y.length);
  const problems = [
    { name: 'golden', X: D.X_train, y: D.y_train, XVal: D.X_val, yVal: D.y_val },
    { name: 'diabetes split', X: { data: s.X, shape }, y: yc, split: 0.3, splitSeed: 2 },
    { name: 'diabetes 5-fold', X: { data: s.X, shape }, y: yc, folds: 5 },
  ];
  for (const { name, ...prob } of problems) {
    const grid = gridSearch({ ...prob, count: 100 });
    const res = gradSearch({ ...prob, maxIter: 20 });
    const reached = res.path.findIndex((st) => st.value <= grid.best.value * 1.01);
    assert.ok(reached >= 0, `${name}: best ${res.best.value} vs grid ${grid.best.value}`);
    const solves = res.path[reached].innerSolves;
    assert.ok(solves * 5 <= grid.innerSolves - 1, `${name}: ${solves} vs ${grid.innerSolves} inner solves`);
    // the criterion is not convex: gradSearch may settle in a local minimum, within 1% here
    assert.ok(res.best.value <= grid.best.value * 1.01, `${name}: ${res.best.value} vs grid ${grid.best.value}`);
    assert.ok(res.evaluations < 20, `${name}: stopped by tol or stall after ${res.evaluations}`);
  }
});

test('gd and adam never leave the box, even with absurd steps (sparse-ho #122)', () => {
  const base = { X: D.X_train, y: D.y_train, XVal: D.X_val, yVal: D.y_val, maxIter: 25 };
  const lmax = golden.lasso.lambda_max;
  const [lo, hi] = [Math.log(lmax) - 12, Math.log(lmax)];
  for (const o of [{ optimizer: 'gd', stepSize: 1e6 }, { optimizer: 'gd' }, { optimizer: 'adam', stepSize: 5 }, { optimizer: 'line-search', stepSize: 1e9 }]) {
    const res = gradSearch({ ...base, ...o });
    for (const st of res.path) {
      assert.ok(st.logLambda >= lo - 1e-12 && st.logLambda <= hi + 1e-12, `${JSON.stringify(o)}: ${st.logLambda}`);
      assert.ok(Number.isFinite(st.value) && Number.isFinite(st.grad));
    }
    assert.ok(res.best.value <= res.path[0].value, JSON.stringify(o));
  }
  // custom bounds and a start outside them: projected
  const res = gradSearch({ ...base, bounds: [Math.log(lmax) - 3, Math.log(lmax) - 2], logLambda0: 5 });
  assert.ok(res.path.every((st) => st.logLambda <= Math.log(lmax) - 2 + 1e-12));
});

test('gradSearch: elastic net and weighted Lasso move every hyperparameter; callbacks and timing', () => {
  const base = { X: D.X_train, y: D.y_train, XVal: D.X_val, yVal: D.y_val, maxIter: 15 };
  const enet = gradSearch({ ...base, model: 'elastic-net' });
  assert.is(enet.best.logLambda.length, 2);
  assert.ok(enet.best.value < enet.path[0].value);
  const w = gradSearch({ ...base, model: 'weighted-lasso', maxIter: 10 });
  assert.is(w.best.lambda.length, 10);
  assert.ok(w.best.value < w.path[0].value);
  let calls = 0;
  const stopped = gradSearch({ ...base, onStep: (st, i) => { calls++; assert.is(i, calls - 1); return i < 2; } });
  assert.is(stopped.stopped, 'callback');
  assert.is(stopped.evaluations, 3);
  for (let i = 1; i < stopped.path.length; i++) assert.ok(stopped.path[i].time >= stopped.path[i - 1].time);
});

test('randomSearch: log-uniform draws, warm-started from large λ, seeded', () => {
  const base = { X: D.X_train, y: D.y_train, XVal: D.X_val, yVal: D.y_val, count: 12, randomSeed: 4 };
  const a = randomSearch(base);
  const b = randomSearch(base);
  assert.equal(a.path.map((s) => s.value), b.path.map((s) => s.value));
  const lmax = golden.lasso.lambda_max;
  for (let i = 0; i < a.path.length; i++) {
    assert.ok(a.path[i].lambda <= lmax && a.path[i].lambda >= lmax * 1e-3);
    if (i) assert.ok(a.path[i].lambda <= a.path[i - 1].lambda);
  }
  assert.ok(randomSearch({ ...base, model: 'elastic-net' }).best.lambda.length === 2);
});

test('LassoHypergrad: fit / predict / coef on diabetes, like LassoCV', () => {
  const { X, y, shape, featureNames } = loadDiabetes();
  assert.equal(shape, [442, 10]);
  assert.is(featureNames[2], 'bmi');
  assert.equal(Array.from(X.subarray(0, 4)), [59, 2, 32.1, 101]);
  assert.is(y[0], 151);
  const est = new LassoHypergrad({ folds: 5 }).fit({ data: X, shape }, y);
  const coef = est.coef();
  assert.is(coef.length, 10);
  assert.ok(coef[2] > 0 && coef[8] > 0, 'bmi and s5 raise progression');
  const pred = est.predict({ data: X, shape });
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  let ssr = 0;
  let sst = 0;
  for (let i = 0; i < y.length; i++) {
    ssr += (y[i] - pred[i]) ** 2;
    sst += (y[i] - mean) ** 2;
  }
  assert.ok(1 - ssr / sst > 0.45, `R² ${1 - ssr / sst}`);
  assert.ok(est.result.evaluations <= 30 && est.lambda > 0);
  // a held-out variant and the logistic model
  const held = new LassoHypergrad({ validationFraction: 0.25 }).fit({ data: X, shape }, y);
  assert.ok(held.coef().some((v) => v === 0) || held.lambda > 0);
  const labels = y.map((v) => (v > mean ? 1 : -1));
  const clf = new LassoHypergrad({ model: 'sparse-logreg', folds: 3 }).fit({ data: X, shape }, labels);
  const acc = clf.predict({ data: X, shape }).reduce((s, v, i) => s + (v === labels[i] ? 1 : 0), 0) / labels.length;
  assert.ok(acc > 0.7, `accuracy ${acc}`);
});

test('constant columns: documented behaviour (coefficient 0, or an error on request)', () => {
  const X = D.X_train.map((row) => [...row, 7]);
  const XVal = D.X_val.map((row) => [...row, 7]);
  const s = standardize(X);
  assert.equal(s.constant, [10]);
  assert.ok(s.X.filter((_, i) => i % 11 === 10).every((v) => v === 0));
  const est = new LassoHypergrad({ validationFraction: 0.3 }).fit(X, D.y_train);
  assert.is(est.coef()[10], 0);
  throwsCode(() => standardize(X, { constantColumns: 'error' }), 'domain', 'X');
  throwsCode(() => new LassoHypergrad({ constantColumns: 'error' }).fit(X, D.y_train), 'domain', 'X');
  // raw solvers: an all-zero column keeps β_j = 0 for every algorithm
  const Z = D.X_train.map((row) => [...row, 0]);
  const ZV = XVal.map((row) => [...row.slice(0, 10), 0]);
  for (const algorithm of ALGORITHMS) {
    const r = hypergradient({ XTrain: Z, yTrain: D.y_train, XVal: ZV, yVal: D.y_val, logLambda: -2, algorithm });
    assert.is(r.beta[10], 0);
    assert.ok(Number.isFinite(r.grad));
  }
});

test('bad input: typed errors naming the argument', () => {
  const X = D.X_train;
  const y = D.y_train;
  // shapes
  throwsCode(() => fitLasso(X, y.slice(1), { lambda: 1 }), 'shape', 'y', 'y too short');
  throwsCode(() => fitLasso([[1, 2], [3]], [1, 2], { lambda: 1 }), 'shape', 'X', 'ragged rows');
  throwsCode(() => hypergradient(heldOut({ XVal: D.X_val.map((r) => r.slice(1)), logLambda: 0 })), 'shape', 'XVal', 'columns');
  throwsCode(() => hypergradient(heldOut({ yVal: D.y_val.slice(2), logLambda: 0 })), 'shape', 'yVal');
  throwsCode(() => hypergradient(heldOut({ model: 'elastic-net', logLambda: 0 })), 'shape', 'logLambda');
  throwsCode(() => hypergradient(heldOut({ model: 'weighted-lasso', logLambda: [1, 2] })), 'shape', 'logLambda');
  throwsCode(() => lambdaMax(new Float64Array(7), [1, 2]), 'shape', 'X', 'flat X not divisible');
  // empty splits
  throwsCode(() => hypergradient(heldOut({ XVal: [], yVal: [], logLambda: 0 })), 'shape', 'XVal');
  throwsCode(() => fitLasso([], [], { lambda: 1 }), 'shape', 'X');
  throwsCode(() => gradSearch({ X, y, split: 0.999 }), 'domain', 'testFraction');
  throwsCode(() => gradSearch({ X, y, split: 1.5 }), 'domain', 'split');
  throwsCode(() => hypergradient({ XTrain: X, yTrain: y, logLambda: 0 }), 'shape', 'XVal', 'held-out without validation data');
  // NaN / Inf
  const Xnan = X.map((r, i) => (i === 3 ? [r[0], NaN, ...r.slice(2)] : r));
  throwsCode(() => fitLasso(Xnan, y, { lambda: 1 }), 'nonfinite', 'X');
  throwsCode(() => hypergradient(heldOut({ XTrain: Xnan, logLambda: 0 })), 'nonfinite', 'XTrain');
  throwsCode(() => hypergradient(heldOut({ yVal: D.y_val.map((v, i) => (i ? v : Infinity)), logLambda: 0 })), 'nonfinite', 'yVal');
  throwsCode(() => fitLasso(X, y.map((v, i) => (i === 5 ? -Infinity : v)), { lambda: 1 }), 'nonfinite', 'y');
  throwsCode(() => gradSearch({ X: Xnan, y }), 'nonfinite', 'X');
  throwsCode(() => hypergradient(heldOut({ logLambda: NaN })), 'nonfinite', 'logLambda');
  // λ ≤ 0
  for (const lambda of [0, -1, NaN, Infinity]) throwsCode(() => fitLasso(X, y, { lambda }), 'domain', 'lambda', `lambda ${lambda}`);
  throwsCode(() => fitElasticNet(X, y, { lambda1: 1, lambda2: 0 }), 'domain', 'lambda2');
  throwsCode(() => fitWeightedLasso(X, y, { lambdas: [1, 1, 1, 1, 0, 1, 1, 1, 1, 1] }), 'domain', 'lambdas');
  throwsCode(() => fitWeightedLasso(X, y, { lambdas: [1, 1] }), 'shape', 'lambdas');
  throwsCode(() => gridSearch({ X, y, lambdas: [0.1, -0.1] }), 'domain', 'lambdas');
  // logistic labels
  throwsCode(() => fitSparseLogReg(X, D.y_cls_train.map((v) => (v > 0 ? 1 : 0)), { lambda: 0.1 }), 'domain', 'y');
  throwsCode(() => hypergradient(heldOutCls({ yTrain: y, logLambda: -2 })), 'domain', 'yTrain');
  throwsCode(() => hypergradient(heldOut({ criterion: 'held-out-logistic', logLambda: -2 })), 'domain', 'yVal');
  // folds > n, folds < 2
  throwsCode(() => hypergradient({ XTrain: X, yTrain: y, criterion: { cv: 31 }, logLambda: 0 }), 'domain', 'criterion');
  throwsCode(() => hypergradient({ XTrain: X, yTrain: y, criterion: { cv: 1 }, logLambda: 0 }), 'domain', 'criterion.cv');
  throwsCode(() => gradSearch({ X, y, folds: 31 }), 'domain', 'folds');
  // SURE
  throwsCode(() => hypergradient({ XTrain: X, yTrain: y, criterion: 'sure', logLambda: 0 }), 'domain', 'sigma');
  throwsCode(() => hypergradient({ XTrain: X, yTrain: y, criterion: 'sure', sigma: -1, logLambda: 0 }), 'domain', 'sigma');
  throwsCode(() => hypergradient(heldOutCls({ criterion: 'sure', sigma: 1, logLambda: 0 })), 'option', 'criterion');
  // options
  throwsCode(() => hypergradient(heldOut({ logLambda: 0, algorithm: 'reverse' })), 'option', 'algorithm');
  throwsCode(() => hypergradient(heldOut({ logLambda: 0, model: 'ridge' })), 'option', 'model');
  throwsCode(() => gradSearch({ X, y, optimizer: 'sgd' }), 'option', 'optimizer');
  throwsCode(() => fitLasso(X, y, { lambda: 1, lamda: 2 }), 'option', 'lamda');
  throwsCode(() => fitLasso(X, y, { lambda: 1, maxIter: 0 }), 'domain', 'maxIter');
  throwsCode(() => gradSearch({ X, y, bounds: [1, 0] }), 'domain', 'bounds');
  throwsCode(() => fitLasso('X', y, { lambda: 1 }), 'type', 'X');
  throwsCode(() => new LassoHypergrad().coef(), 'not-initialized');
  // λ_max = 0: nothing to search
  throwsCode(() => gradSearch({ X: [[1, 0], [0, 0], [-1, 0]], y: [1, 5, 1], XVal: [[1, 1]], yVal: [1] }), 'domain', 'y');
});

test('search paths are pinned bit for bit: the same digest in every runtime (and after refactors)', () => {
  // A digest of every evaluated point, value and gradient and of the refit
  // β. A change to the solvers or the optimizer that moves any bit fails
  // here; update the constants only for an intended change.
  const dia = loadDiabetes();
  const X = { data: standardize(dia.X, { shape: dia.shape }).X, shape: dia.shape };
  const digest = (r) => bitsDigest(...r.path.flatMap((s) => [s.logLambda, s.value, s.grad ?? 0]), r.best.beta);
  assert.is(digest(gradSearch({ X, y: dia.y, folds: 5 })), '107416d7c40e890f', 'Lasso, 5-fold line search');
  assert.is(digest(gradSearch({ X, y: dia.y, model: 'elastic-net', split: 0.25, splitSeed: 1, maxIter: 10 })), 'ca135b72c4ce63b8', 'elastic net, held-out split');
  assert.is(digest(gridSearch({ X, y: dia.y, folds: 3, count: 20 })), '796d633c1a354eb0', 'Lasso, 3-fold grid');
});

test('trainTestSplit is a seeded permutation; repeated searches do not leak wasm memory', () => {
  const s = trainTestSplit(D.X_train, D.y_train, { testFraction: 0.2, seed: 9 });
  assert.equal(s.XTrain.shape, [24, 10]);
  assert.equal(s.XVal.shape, [6, 10]);
  const all = [...s.yTrain, ...s.yVal].sort((a, b) => a - b);
  assert.equal(all, [...D.y_train].sort((a, b) => a - b));
  const run = () => gradSearch({ X: D.X_train, y: D.y_train, folds: 3, maxIter: 5 });
  for (let i = 0; i < 3; i++) run();
  const before = wasmMemoryBytes();
  for (let i = 0; i < 20; i++) run();
  assert.is(wasmMemoryBytes(), before);
});

test.run();
