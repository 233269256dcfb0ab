// The worker pool through the public API: for every op, threads = 1, 2 and 3
// (uneven row splits) give bit for bit the single-threaded call's results;
// errors raised inside a worker come back as DiffoptError with the same code
// and argument; close() is idempotent and a closed pool refuses work.
// K-fold Lasso criteria are split by fold: hypergradients and whole searches
// (gradient, grid, random) match the single call bit for bit, every model.
// Runs unchanged in Node (worker_threads), Deno, Bun and Chromium (module
// Workers on dist/pool-worker.js).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  init, createPool, softRank, softSort, softDtwPairwise, perturbed, DiffoptError,
  hypergradient, gradSearch, gridSearch, randomSearch, loadDiabetes, standardize, lambdaMax, LassoHypergrad,
} from '../dist/index.js';
import { rng } from './helpers/numeric.mjs';

await init();

const hasWorkers = typeof globalThis.Worker === 'function' || await import('node:worker_threads').then(() => true, () => false);
if (!hasWorkers) {
  // Not silent: this host cannot start workers, so createPool must say so.
  console.log('pool.test.mjs: SKIPPED — this runtime has neither Worker nor node:worker_threads');
}

const THREADS = [1, 2, 3];

/** Same bits (NaN payloads and -0 included). */
function sameBits(got, want, what) {
  assert.ok(got instanceof Float64Array, `${what}: not a Float64Array`);
  assert.is(got.length, want.length, `${what}: length`);
  const a = new BigUint64Array(got.buffer, got.byteOffset, got.length);
  const b = new BigUint64Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) assert.unreachable(`${what}: entry ${i} differs: ${got[i]} vs ${want[i]}`);
  }
}

async function rejectsCode(promise, code, argument, what) {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof DiffoptError, `${what}: ${err}`);
    assert.is(err.code, code, `${what}: ${err.message}`);
    if (argument !== undefined) assert.is(err.argument, argument, `${what}: ${err.message}`);
    return err;
  }
  assert.unreachable(`${what}: expected a '${code}' rejection`);
}

function singleError(f) {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error('expected the single-threaded call to throw');
}

const pools = {};
async function pool(threads) {
  pools[threads] ??= await createPool({ threads });
  return pools[threads];
}

if (hasWorkers) {
  const r = rng(7);
  const rows = 7;
  const n = 13;
  const x = r.normals(rows * n);

  test('softRank and softSort: same bits as the single call, threads 1, 2, 3', async () => {
    const cases = [
      { shape: [rows, n] },
      { shape: [rows, n], strength: 0.1, regularization: 'kl', direction: 'descending' },
      { shape: [rows, n], strength: 3 },
    ];
    for (const t of THREADS) {
      const p = await pool(t);
      assert.is(p.threads, t);
      for (const o of cases) {
        sameBits(await p.softRank(x, o), softRank(x, o), `softRank t=${t} ${JSON.stringify(o)}`);
        sameBits(await p.softSort(x, o), softSort(x, o), `softSort t=${t} ${JSON.stringify(o)}`);
      }
      // A plain array, one row (fewer rows than workers), no shape.
      sameBits(await p.softRank(Array.from(x.subarray(0, n))), softRank(Array.from(x.subarray(0, n))), `one row t=${t}`);
      // Zero rows.
      sameBits(await p.softSort(new Float64Array(0), { shape: [0, n] }), softSort(new Float64Array(0), { shape: [0, n] }), `zero rows t=${t}`);
    }
  });

  test('softDtwPairwise: same bits as the single call (symmetric and cross, several metrics), threads 1, 2, 3', async () => {
    const series = (count, dims) => Array.from({ length: count }, (_, k) => {
      const len = 3 + ((k * 5) % 7);
      return dims === 1 ? Array.from(r.normals(len)) : Array.from({ length: len }, () => Array.from(r.normals(dims)));
    });
    const X1 = series(11, 1);
    const Y1 = series(5, 1);
    const X2 = series(9, 2);
    const E = Array.from({ length: 10 }, () => r.normals(6)); // equal lengths for 'euclidean'
    const cases = [
      [X1, null, { gamma: 0.5 }],
      [X1, Y1, { gamma: 0.5 }],
      [X1, null, { metric: 'divergence', gamma: 0.3, band: 3 }],
      [X1, Y1, { metric: 'sharp-divergence', gamma: 1 }],
      [X2, null, { metric: 'mean-cost' }],
      [X2, X2.slice(2, 6), { metric: 'dtw', cost: 'half-sqeuclidean' }],
      [E, null, { metric: 'euclidean' }],
      [X1, null, { metric: 'entropy', gamma: 2 }],
    ];
    for (const t of THREADS) {
      const p = await pool(t);
      for (const [Xs, Ys, o] of cases) {
        const what = `t=${t} ${Ys ? 'cross' : 'symmetric'} ${JSON.stringify(o)}`;
        sameBits(await p.softDtwPairwise(Xs, Ys, o), softDtwPairwise(Xs, Ys, o), what);
      }
    }
  });

  test('perturbed: same bits as the single call (noise keyed by the global row), threads 1, 2, 3', async () => {
    const theta = r.normals(5 * 6);
    const cases = [
      ['argmax', { shape: [5, 6], samples: 200, seed: 3, epsilon: 0.5 }],
      [{ kind: 'top-k', k: 2 }, { shape: [5, 6], samples: 100, seed: 11, noise: 'gumbel' }],
      ['ranking', { shape: [5, 6], samples: 50 }],
      [{ kind: 'shortest-path', rows: 2, cols: 3 }, { shape: [5, 6], samples: 80, seed: 2 ** 40 + 5 }],
    ];
    for (const t of THREADS) {
      const p = await pool(t);
      for (const [oracle, o] of cases) {
        const what = `t=${t} ${JSON.stringify(oracle)}`;
        const th = oracle.kind === 'shortest-path' ? theta.map(Math.abs) : theta;
        const want = perturbed(oracle, o).estimate(th);
        const got = await p.perturbedEstimate(oracle, th, o);
        for (const key of ['output', 'outputStderr', 'value', 'valueStderr', 'valueGrad']) sameBits(got[key], want[key], `${what} ${key}`);
        sameBits(await p.perturbed(oracle, th, o), perturbed(oracle, o)(th), `${what} output`);
      }
    }
  });

  // Lasso problems: diabetes (standardized) and a small random problem with
  // ±1 labels for the logistic model.
  const dia = loadDiabetes();
  const Xd = { data: standardize(dia.X, { shape: dia.shape }).X, shape: dia.shape };
  const yd = dia.y;
  const lr = rng(11);
  const [nl, pl] = [60, 6];
  const Xl = { data: lr.normals(nl * pl), shape: [nl, pl] };
  const yl = Float64Array.from({ length: nl }, (_, i) => (Xl.data[i * pl] - 0.5 * Xl.data[i * pl + 1] + 0.3 * lr.normal() > 0 ? 1 : -1));

  /** Everything of a search result but the timings, bit for bit. */
  function sameSearch(got, want, what) {
    const num = (v) => (typeof v === 'number' ? Float64Array.of(v) : v);
    assert.is(got.evaluations, want.evaluations, `${what}: evaluations`);
    assert.is(got.innerSolves, want.innerSolves, `${what}: innerSolves`);
    assert.is(got.stopped, want.stopped, `${what}: stopped`);
    sameBits(num(got.lambdaMax), num(want.lambdaMax), `${what}: lambdaMax`);
    assert.is(got.path.length, want.path.length, `${what}: path length`);
    got.path.forEach((g, i) => {
      const w = want.path[i];
      sameBits(num(g.logLambda), num(w.logLambda), `${what}: step ${i} logLambda`);
      sameBits(num(g.value), num(w.value), `${what}: step ${i} value`);
      if (w.grad === null) assert.is(g.grad, null);
      else sameBits(num(g.grad), num(w.grad), `${what}: step ${i} grad`);
      assert.equal([g.accepted, g.innerSolves, g.converged], [w.accepted, w.innerSolves, w.converged], `${what}: step ${i}`);
    });
    sameBits(num(got.best.logLambda), num(want.best.logLambda), `${what}: best logLambda`);
    sameBits(num(got.best.value), num(want.best.value), `${what}: best value`);
    sameBits(got.best.beta, want.best.beta, `${what}: best beta`);
  }

  test('K-fold hypergradients: same bits as the single call for every model and algorithm, threads 1, 2, 3', async () => {
    const cases = [
      { model: 'lasso', X: Xd, y: yd, h: Math.log(0.05 * lambdaMax(Xd, yd)) },
      { model: 'elastic-net', X: Xd, y: yd, h: [Math.log(0.05 * lambdaMax(Xd, yd)), Math.log(0.5)] },
      { model: 'weighted-lasso', X: Xd, y: yd, h: Array.from({ length: 10 }, (_, j) => Math.log(0.05 * lambdaMax(Xd, yd)) + 0.1 * (j % 3)) },
      { model: 'sparse-logreg', X: Xl, y: yl, h: Math.log(0.2 * lambdaMax(Xl, yl, { model: 'sparse-logreg' })) },
    ];
    for (const t of THREADS) {
      const p = await pool(t);
      for (const c of cases) {
        for (const algorithm of ['implicit-forward', 'forward', 'backward', 'implicit']) {
          for (const folds of [3, 5]) {
            const o = { XTrain: c.X, yTrain: c.y, model: c.model, algorithm, criterion: { cv: folds }, logLambda: c.h };
            const want = hypergradient(o);
            const got = await p.hypergradient(o);
            const what = `${c.model} ${algorithm} K=${folds} t=${t}`;
            sameBits(Float64Array.of(got.value), Float64Array.of(want.value), `${what} value`);
            sameBits(typeof got.grad === 'number' ? Float64Array.of(got.grad) : got.grad, typeof want.grad === 'number' ? Float64Array.of(want.grad) : want.grad, `${what} grad`);
            sameBits(got.beta, want.beta, `${what} beta`);
            assert.equal(
              [got.innerSolves, got.innerIterations, got.converged, got.dualityGap, got.jacobianIterations, got.jacobianConverged],
              [want.innerSolves, want.innerIterations, want.converged, want.dualityGap, want.jacobianIterations, want.jacobianConverged],
              `${what} counts`,
            );
          }
        }
      }
    }
  });

  test('K-fold searches (gradient, grid, random): same path and best as the single call, threads 1, 2, 3', async () => {
    for (const t of THREADS) {
      const p = await pool(t);
      for (const optimizer of ['line-search', 'gd', 'adam']) {
        const o = { X: Xd, y: yd, folds: 5, optimizer, maxIter: 12 };
        sameSearch(await p.gradSearch(o), gradSearch(o), `gradSearch ${optimizer} t=${t}`);
      }
      const enet = { X: Xd, y: yd, model: 'elastic-net', criterion: { cv: 4 }, maxIter: 8 };
      sameSearch(await p.gradSearch(enet), gradSearch(enet), `gradSearch elastic net t=${t}`);
      const logreg = { X: Xl, y: yl, model: 'sparse-logreg', folds: 3, maxIter: 8, algorithm: 'implicit' };
      sameSearch(await p.gradSearch(logreg), gradSearch(logreg), `gradSearch logreg t=${t}`);
      const grid = { X: Xd, y: yd, folds: 5, count: 25 };
      sameSearch(await p.gridSearch(grid), gridSearch(grid), `gridSearch t=${t}`);
      const rand = { X: Xd, y: yd, criterion: { cv: 3 }, count: 10, randomSeed: 4, model: 'elastic-net' };
      sameSearch(await p.randomSearch(rand), randomSearch(rand), `randomSearch t=${t}`);
      // onStep sees the same steps and can stop the search.
      const seen = [];
      const stopAt = { X: Xd, y: yd, folds: 5, onStep: (s, i) => { seen.push(s.value); return i < 2; } };
      const got = await p.gradSearch(stopAt);
      assert.is(got.stopped, 'callback');
      assert.is(seen.length, 3);
      sameSearch(got, gradSearch({ ...stopAt, onStep: (s, i) => i < 2 }), `onStep t=${t}`);
    }
  });

  test('Lasso criteria without folds (split, SURE) run on one worker with the same bits', async () => {
    const p = await pool(2);
    const split = { X: Xd, y: yd, split: 0.3, splitSeed: 2, maxIter: 10 };
    sameSearch(await p.gradSearch(split), gradSearch(split), 'held-out split');
    const sure = { X: Xd, y: yd, criterion: 'sure', sigma: 50, count: 12 };
    sameSearch(await p.gridSearch(sure), gridSearch(sure), 'SURE grid');
  });

  test('Lasso: fewer folds than workers, validation sets, SURE and weighted Lasso searches give the single call\'s bits', async () => {
    const p = await pool(3);
    const h = Math.log(0.05 * lambdaMax(Xd, yd));
    // K = 2 on 3 workers: one worker gets nothing
    const two = { XTrain: Xd, yTrain: yd, criterion: { cv: 2 }, logLambda: h };
    const w2 = hypergradient(two);
    const g2 = await p.hypergradient(two);
    sameBits(Float64Array.of(g2.value, g2.grad), Float64Array.of(w2.value, w2.grad), 'K=2 on 3 workers');
    const grid2 = { X: Xd, y: yd, folds: 2, count: 8 };
    sameSearch(await p.gridSearch(grid2), gridSearch(grid2), 'grid K=2 on 3 workers');
    // explicit validation set, and SURE, through hypergradient
    const XVal = { data: Xd.data.subarray(0, 100 * 10), shape: [100, 10] };
    const XTrain = { data: Xd.data.subarray(100 * 10), shape: [342, 10] };
    for (const extra of [{ XVal, yVal: yd.subarray(0, 100) }, { criterion: 'sure', sigma: 50, seed: 3 }]) {
      const o = { XTrain, yTrain: yd.subarray(100), model: 'elastic-net', logLambda: [h, -1], ...extra };
      const want = hypergradient(o);
      const got = await p.hypergradient(o);
      sameBits(got.grad, want.grad, `hypergradient ${extra.criterion ?? 'XVal'}`);
      sameBits(got.beta, want.beta, `hypergradient ${extra.criterion ?? 'XVal'} beta`);
    }
    const sure = { X: Xd, y: yd, criterion: 'sure', sigma: 50, maxIter: 8 };
    sameSearch(await p.gradSearch(sure), gradSearch(sure), 'gradSearch SURE');
    const weighted = { X: Xd, y: yd, model: 'weighted-lasso', folds: 3, maxIter: 6 };
    sameSearch(await p.gradSearch(weighted), gradSearch(weighted), 'gradSearch weighted Lasso (m = p)');
  });

  test('Lasso options are checked and copied before any work is sent', async () => {
    const p = await pool(2);
    await rejectsCode(p.gradSearch({ X: Xd, y: yd, folds: 5, bounds: [1, 0] }), 'domain', 'bounds', 'bounds');
    await rejectsCode(p.gradSearch({ X: Xd, y: yd, folds: 5, logLambda0: [1, 2] }), 'shape', 'logLambda0', 'logLambda0');
    // editing the options after the call does not change the search
    const h0 = Float64Array.of(1);
    const o = { X: Xd, y: yd, folds: 5, logLambda0: h0, maxIter: 6, bounds: [-3, 4] };
    const want = gradSearch(o);
    const running = p.gradSearch(o);
    h0[0] = 3;
    o.bounds[0] = 2;
    sameSearch(await running, want, 'options edited after the call');
  });

  test('LassoHypergrad.fitAsync on a pool: the same model as fit, bit for bit', async () => {
    const p = await pool(2);
    for (const options of [{ folds: 5 }, { model: 'elastic-net', folds: 3, maxIter: 8 }, { validationFraction: 0.3 }]) {
      const want = new LassoHypergrad(options).fit({ data: dia.X, shape: dia.shape }, yd);
      const got = await new LassoHypergrad(options).fitAsync({ data: dia.X, shape: dia.shape }, yd, { pool: p });
      const what = JSON.stringify(options);
      sameBits(got.coef(), want.coef(), `${what} coef`);
      sameBits(Float64Array.of(got.intercept), Float64Array.of(want.intercept), `${what} intercept`);
      sameSearch(got.result, want.result, `${what} search`);
    }
    const est = new LassoHypergrad();
    await rejectsCode(est.fitAsync(Xd, yd, {}), 'type', 'pool', 'no pool');
    await rejectsCode(est.fitAsync(Xd, yd, { pool: p, threads: 2 }), 'option', 'threads', 'unknown option');
  });

  test('an onStep callback that throws rejects the pool search with its error; the pool stays usable', async () => {
    const p = await pool(2);
    const boom = new Error('stop here');
    try {
      await p.gradSearch({ X: Xd, y: yd, folds: 5, onStep: (s, i) => { if (i === 1) throw boom; } });
      assert.unreachable('expected the callback error');
    } catch (err) {
      assert.is(err, boom);
    }
    const o = { X: Xd, y: yd, folds: 5, maxIter: 4 };
    sameSearch(await p.gradSearch(o), gradSearch(o), 'after a throwing callback');
  });

  test('closing the pool during a K-fold search rejects it', async () => {
    const p = await createPool({ threads: 2 });
    const running = p.gradSearch({ X: Xd, y: yd, folds: 5, maxIter: 30 });
    await new Promise((resolve) => setTimeout(resolve, 1));
    await p.close();
    await rejectsCode(running, 'not-initialized', undefined, 'search at close');
    await rejectsCode(p.hypergradient({ XTrain: Xd, yTrain: yd, criterion: { cv: 3 }, logLambda: 0 }), 'not-initialized', undefined, 'after close');
  });

  test('two K-fold searches at once on one pool keep their own fold sessions', async () => {
    const p = await pool(2);
    const a = { X: Xd, y: yd, folds: 5, maxIter: 10 };
    const b = { X: Xd, y: yd, folds: 4, model: 'elastic-net', maxIter: 10 };
    const [ga, gb] = await Promise.all([p.gradSearch(a), p.gradSearch(b)]);
    sameSearch(ga, gradSearch(a), 'first');
    sameSearch(gb, gradSearch(b), 'second');
  });

  test('Lasso errors: checked on this thread or in the workers, with the single call\'s code and argument', async () => {
    for (const t of [1, 3]) {
      const p = await pool(t);
      const bad = Xd.data.slice();
      bad[400 * 10 + 3] = NaN; // in the last fold
      const nanX = { X: { data: bad, shape: Xd.shape }, y: yd, folds: 5 };
      const want = singleError(() => gradSearch(nanX));
      const got = await rejectsCode(p.gradSearch(nanX), want.code, want.argument, `NaN X t=${t}`);
      assert.is(got.message, want.message.replace('gradSearch', 'pool.gradSearch'));
      const labels = { X: Xd, y: yd, model: 'sparse-logreg', folds: 3 };
      const wantL = singleError(() => gradSearch(labels));
      await rejectsCode(p.gradSearch(labels), wantL.code, wantL.argument, `labels t=${t}`);
      const many = { XTrain: Xl, yTrain: yl, criterion: { cv: nl + 1 }, logLambda: -2 };
      const wantF = singleError(() => hypergradient(many));
      await rejectsCode(p.hypergradient(many), wantF.code, wantF.argument, `folds > n t=${t}`);
      await rejectsCode(p.gridSearch({ X: Xd, y: yd, folds: 5, minRatio: 2 }), 'domain', 'minRatio', `minRatio t=${t}`);
      await rejectsCode(p.gradSearch({ X: Xd, y: yd, folds: 5, optimizer: 'newton' }), 'option', 'optimizer', `optimizer t=${t}`);
      // the pool still works
      const o = { XTrain: Xd, yTrain: yd, criterion: { cv: 5 }, logLambda: 0 };
      sameBits(Float64Array.of((await p.hypergradient(o)).value), Float64Array.of(hypergradient(o).value), `after errors t=${t}`);
    }
  });

  test('errors raised in a worker come back as DiffoptError with the single call\'s code and argument', async () => {
    for (const t of THREADS) {
      const p = await pool(t);
      // Checked by the kernels inside the workers.
      const bad = x.slice();
      bad[5 * n + 2] = NaN; // in the last worker's rows
      const want = singleError(() => softRank(bad, { shape: [rows, n] }));
      const got = await rejectsCode(p.softRank(bad, { shape: [rows, n] }), want.code, want.argument, `NaN t=${t}`);
      assert.is(got.message, want.message);
      const wantS = singleError(() => softSort(x, { shape: [rows, n], strength: -1 }));
      await rejectsCode(p.softSort(x, { shape: [rows, n], strength: -1 }), wantS.code, wantS.argument, `strength t=${t}`);
      const Xs = [[0, 1, 2], [1, 2], [3, 3, 3, 3]];
      const wantD = singleError(() => softDtwPairwise(Xs, null, { metric: 'euclidean' }));
      await rejectsCode(p.softDtwPairwise(Xs, null, { metric: 'euclidean' }), wantD.code, wantD.argument, `euclidean t=${t}`);
      const wantG = singleError(() => softDtwPairwise(Xs, null, { gamma: 0 }));
      await rejectsCode(p.softDtwPairwise(Xs, null, { gamma: 0 }), wantG.code, wantG.argument, `gamma t=${t}`);
      const wantB = singleError(() => softDtwPairwise(Xs, [[1, NaN]], {}));
      await rejectsCode(p.softDtwPairwise(Xs, [[1, NaN]], {}), wantB.code, wantB.argument, `NaN series t=${t}`);
      // Checked on this thread, before any worker runs.
      await rejectsCode(p.softRank(x, { shape: [rows, n + 1] }), 'shape', 'x', `shape t=${t}`);
      await rejectsCode(p.softRank(x, { out: new Float64Array(x.length) }), 'option', 'out', `out t=${t}`);
      await rejectsCode(p.perturbed((v) => v, [1, 2]), 'type', 'oracle', `user oracle t=${t}`);
      await rejectsCode(p.perturbed('argmax', [1, 2], { epsilon: -1 }), 'domain', 'epsilon', `epsilon t=${t}`);
      // The pool still works after errors.
      sameBits(await p.softRank(x, { shape: [rows, n] }), softRank(x, { shape: [rows, n] }), `after errors t=${t}`);
    }
    await rejectsCode(createPool({ threads: 0 }), 'domain', 'threads', 'threads 0');
    await rejectsCode(createPool({ threads: 1.5 }), 'domain', 'threads', 'threads 1.5');
    await rejectsCode(createPool({ workers: 2 }), 'option', 'workers', 'unknown option');
  });

  test('concurrent calls on one pool each get their own results', async () => {
    const p = await pool(2);
    const xs = [0, 1, 2, 3].map(() => r.normals(4 * 9));
    const got = await Promise.all(xs.map((v, i) => (i % 2 ? p.softSort(v, { shape: [4, 9] }) : p.softRank(v, { shape: [4, 9] }))));
    got.forEach((g, i) => sameBits(g, (i % 2 ? softSort : softRank)(xs[i], { shape: [4, 9] }), `call ${i}`));
  });

  test('close() is idempotent, rejects later calls and pending ones', async () => {
    const p = await createPool({ threads: 2 });
    const pending = p.softRank(r.normals(64 * 500), { shape: [64, 500] });
    const c1 = p.close();
    const c2 = p.close();
    assert.is(c1, c2);
    await c1;
    await rejectsCode(pending, 'not-initialized', undefined, 'pending at close');
    await rejectsCode(p.softRank([1, 2, 3]), 'not-initialized', undefined, 'after close');
    await p.close();
    for (const t of Object.keys(pools)) await pools[t].close();
  });
} else {
  test('createPool says why it cannot run here', async () => {
    await rejectsCode(createPool({ threads: 1 }), 'load');
  });
}

test.run();
