// Worker pool benchmark (npm run bench:pool, or node bench/pool.mjs
// [--quick] [--threads 2] [--filter RE] [--out FILE]); results JSON in
// bench/results/pool.json (latest-pool-quick.json with --quick).
//
// Wall-clock time of a large batch through createPool({ threads }) against
// the single-threaded call on this thread, and against a 1-worker pool
// (which adds only the copies and messages): softRank 1024×1000,
// softDtwPairwise of 128 series of length 128 (symmetric and 128×128
// cross), perturbed argmax 256×100 at 1000 samples, and K-fold Lasso
// cross-validation (folds split across workers): a 12-point grid with 4
// folds on a generated 300×1000 problem (long solves) and a gradient search
// with 5 folds on 2000×400 (short, memory-bound solves). Prints the median
// of several runs and the ratio single / pool (> 1: the pool is faster).
// Results are checked bit for bit against the single call.
// On a shared machine the ratio depends on what else runs: look at the
// idle-core count printed first (os.loadavg).
import os from 'node:os';
import { init, createPool, softRank, softDtwPairwise, perturbed, gradSearch, gridSearch } from '../dist/index.js';
import { SplitMix64 } from './lib/inputs.mjs';
import { machine, writeJson } from './lib/report.mjs';
import { benchArgs, selectCases } from './lib/setup.mjs';
import { median } from './lib/timing.mjs';

const args = benchArgs('pool');
const THREADS = Number(args.option('--threads', '2'));
const REPS = args.quick ? 3 : 7;

await init();

// Fresh inputs per repetition, uniform in [-1, 1).
const rand = new SplitMix64(12345n);
const u = () => rand.uniform();
const vec = (n) => {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = u() * 2 - 1;
  return v;
};
const same = (a, b) => {
  const x = new BigUint64Array(a.buffer, a.byteOffset, a.length);
  const y = new BigUint64Array(b.buffer, b.byteOffset, b.length);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
};

// A sparse regression problem: 20 of p features matter, noise uniform in [-1, 1).
const regression = (n, p) => {
  const X = vec(n * p);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 20; j++) y[i] += (j % 2 ? -1 : 1) * X[i * p + j * Math.floor(p / 20)];
    y[i] += u() * 2 - 1;
  }
  return { X: { data: X, shape: [n, p] }, y };
};
// A search result as comparable bits: every evaluated point, value and
// gradient, then the refit β.
const searchBits = (r) => Float64Array.from([
  ...r.path.flatMap((st) => [st.logLambda, st.value, st.grad ?? 0].map(Number)),
  ...r.best.beta,
]);

const series = (count, len) => Array.from({ length: count }, () => vec(len));
const cases = [
  {
    label: 'softRank 1024×1000 (ε = 0.1)',
    input: () => vec(1024 * 1000),
    single: (x) => softRank(x, { shape: [1024, 1000], strength: 0.1 }),
    pool: (p, x) => p.softRank(x, { shape: [1024, 1000], strength: 0.1 }),
  },
  {
    label: 'softDtwPairwise 128 series ×128, symmetric',
    heavy: true,
    input: () => series(128, 128),
    single: (X) => softDtwPairwise(X, null, { gamma: 0.1 }),
    pool: (p, X) => p.softDtwPairwise(X, null, { gamma: 0.1 }),
  },
  {
    label: 'softDtwPairwise 128×128 series ×128, cross',
    heavy: true,
    input: () => [series(128, 128), series(128, 128)],
    single: ([X, Y]) => softDtwPairwise(X, Y, { gamma: 0.1 }),
    pool: (p, [X, Y]) => p.softDtwPairwise(X, Y, { gamma: 0.1 }),
  },
  {
    label: 'perturbed argmax 256×100, 1000 samples',
    input: () => vec(256 * 100),
    single: (t) => perturbed('argmax', { shape: [256, 100], samples: 1000 })(t),
    pool: (p, t) => p.perturbed('argmax', t, { shape: [256, 100], samples: 1000 }),
  },
  {
    label: 'gridSearch 4-fold CV (12 λ), 300×1000 Lasso',
    heavy: true,
    warm: 1,
    input: () => regression(300, 1000),
    single: (d) => searchBits(gridSearch({ ...d, folds: 4, count: 12 })),
    pool: async (p, d) => searchBits(await p.gridSearch({ ...d, folds: 4, count: 12 })),
  },
  {
    label: 'gradSearch 5-fold CV, 2000×400 Lasso',
    warm: 1,
    input: () => regression(2000, 400),
    single: (d) => searchBits(gradSearch({ ...d, folds: 5, maxIter: 12 })),
    pool: async (p, d) => searchBits(await p.gradSearch({ ...d, folds: 5, maxIter: 12 })),
  },
  {
    label: 'softRank 64×100 (small batch)',
    input: () => vec(64 * 100),
    single: (x) => softRank(x, { shape: [64, 100] }),
    pool: (p, x) => p.softRank(x, { shape: [64, 100] }),
  },
];

const selected = selectCases(cases, (c) => c.label, args.filter);
const ms = (t) => `${t.toFixed(t < 10 ? 2 : 1)} ms`;
console.log(`node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`threads = ${THREADS}, median of ${REPS} runs (3 for pairwise), wall clock\n`);
const one = await createPool({ threads: 1 });
const many = await createPool({ threads: THREADS });
const rows = [];
for (const c of selected) {
  const t = { single: [], one: [], many: [] };
  let ok = true;
  // Pairwise runs take seconds: fewer repetitions, no warm-up needed.
  const reps = c.heavy ? Math.min(REPS, 3) : REPS;
  // Workers warm up (wasm tier-up) on their first calls of a kernel.
  const warm = c.warm ?? (c.heavy ? 0 : 1);
  for (let r = 0; r < reps + warm; r++) {
    const input = c.input();
    let t0 = performance.now();
    const want = c.single(input);
    const dSingle = performance.now() - t0;
    t0 = performance.now();
    const g1 = await c.pool(one, input);
    const dOne = performance.now() - t0;
    t0 = performance.now();
    const gN = await c.pool(many, input);
    const dMany = performance.now() - t0;
    ok &&= same(g1, want) && same(gN, want);
    if (r < warm) continue; // warm-up
    t.single.push(dSingle);
    t.one.push(dOne);
    t.many.push(dMany);
  }
  const [a, b, d] = [median(t.single), median(t.one), median(t.many)];
  rows.push({ label: c.label, single: a, one: b, many: d, ok });
  console.log(`${c.label.padEnd(46)} single ${ms(a).padStart(10)}  pool(1) ${ms(b).padStart(10)}  pool(${THREADS}) ${ms(d).padStart(10)}  ` +
    `ratio single/pool(${THREADS}) ${(a / d).toFixed(2)}×  pool(1)/pool(${THREADS}) ${(b / d).toFixed(2)}×  ${ok ? 'bit-identical' : 'MISMATCH'}`);
}
await one.close();
await many.close();
writeJson(args.out, {
  benchmark: 'pool',
  date: new Date().toISOString(),
  quick: args.quick,
  threads: THREADS,
  machine: machine(),
  timing: `per case: median of ${REPS} (3 for the heavy cases) wall-clock runs of the direct call, a 1-worker pool and a ${THREADS}-worker pool, interleaved`,
  cases: rows.map((r) => ({ ...r, ratio_single_over_pool: r.single / r.many, ratio_pool1_over_pool: r.one / r.many })),
});
if (rows.some((r) => !r.ok)) {
  console.error('pool results differ from the single-threaded call');
  process.exit(1);
}
