// The worker pool through the public API: for every op, threads = 1, 2 and 3
// (uneven row splits) give bit for bit the single-threaded call's results;
// errors raised inside a worker come back as DiffoptError with the same code
// and argument; close() is idempotent and a closed pool refuses work.
// Runs unchanged in Node (worker_threads), Deno, Bun and Chromium (module
// Workers on dist/pool-worker.js).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  init, createPool, softRank, softSort, softDtwPairwise, perturbed, DiffoptError,
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
