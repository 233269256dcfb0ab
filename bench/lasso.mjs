// Benchmark of the Lasso family (node bench/lasso.mjs).
//
// Two problems: a generated one (200 train / 100 validation rows, p = 1000
// features with AR(1) correlation 0.6, 10 non-zeros) and the diabetes data
// (standardized with training statistics, 75/25 split, target centered).
// For each, in one process run, wasm (diffopt's public API, dist/index.js)
// and native (the same core compiled natively: crates/native-bench,
// bin native-bench-lasso, a child process) time:
//   * one hypergradient of the held-out MSE at λ = λ_max/2 with each of the
//     four algorithms (from a fresh problem: data copy included);
//   * the 100-point grid (λ_max → λ_max/1000, warm-started path);
//   * gradient search (line search, implicit forward) from λ_max/2, and the
//     time and inner solves it needs to come within 1% of the grid's best.
// Both sides get bit-identical inputs (JS writes them to a file the native
// binary reads) and must produce bit-identical values; the ratios printed
// are wasm/native (target ≤ 1.3) and grid/gradSearch inner solves (≥ 5).
// Every measurement runs back to back until TARGET ms have passed (at least
// once) and reports the mean per run, on both sides alike; repeats alternate
// between the two sides (a native process, then the wasm loops) and the
// medians over repeats are printed, so a noisy phase of a shared machine
// hits both columns.
//
// Flags: --quick (2 repeats of 30 ms; writes bench/results/latest-lasso-quick.json)
//        --repeats R (default 5)   --target-ms T (default 150)
//        --out FILE (default bench/results/lasso.json)   --no-native
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from './lib/inputs.mjs';
import { nativeBinary, runNativeJson } from './lib/native.mjs';
import { fmtMs, writeJson } from './lib/report.mjs';
import { benchArgs, loadDist, root } from './lib/setup.mjs';
import { log, meanUntil, median } from './lib/timing.mjs';

const ARGS = benchArgs('lasso');
const QUICK = ARGS.quick;
const REPEATS = Number(ARGS.option('--repeats', QUICK ? 2 : 5));
const TARGET = Number(ARGS.option('--target-ms', QUICK ? 30 : 150));
const OUT = ARGS.out;
const ALGORITHMS = ['implicit-forward', 'forward', 'backward', 'implicit'];
const GRID = 100;
const MAX_EVALS = 30;

const { lib } = await loadDist();
const { hypergradient, gradSearch, gridSearch, lambdaMax, loadDiabetes, standardize, trainTestSplit } = lib;

// ------------------------------------------------------------------ data
function synthetic() {
  const { normal } = mulberry32(2020);
  const n = 200;
  const nv = 100;
  const p = 1000;
  const rho = 0.6;
  const rows = n + nv;
  const X = new Float64Array(rows * p);
  for (let i = 0; i < rows; i++) {
    let prev = normal();
    X[i * p] = prev;
    for (let j = 1; j < p; j++) {
      prev = rho * prev + Math.sqrt(1 - rho * rho) * normal();
      X[i * p + j] = prev;
    }
  }
  const beta = new Float64Array(p);
  for (let k = 0; k < 10; k++) beta[k * 100 + 7] = (k % 2 ? -1 : 1) * (1 + k / 10);
  const signal = new Float64Array(rows);
  for (let i = 0; i < rows; i++) for (let j = 0; j < p; j++) signal[i] += X[i * p + j] * beta[j];
  const sd = Math.sqrt(signal.reduce((s, v) => s + v * v, 0) / rows) / 3; // SNR 3
  const y = signal.map((v) => v + sd * normal());
  return {
    name: `generated: ${n} train / ${nv} validation rows, p = ${p} (AR(1) ρ = ${rho}), 10 non-zeros, SNR 3`,
    key: 'generated',
    n, nv, p,
    X: X.subarray(0, n * p), y: y.subarray(0, n), XVal: X.subarray(n * p), yVal: y.subarray(n),
  };
}

function diabetes() {
  const d = loadDiabetes();
  const split = trainTestSplit({ data: d.X, shape: d.shape }, d.y, { testFraction: 0.25, seed: 0 });
  const std = standardize(split.XTrain);
  const p = d.shape[1];
  const nv = split.XVal.shape[0];
  const XVal = new Float64Array(nv * p);
  for (let i = 0; i < nv; i++) for (let j = 0; j < p; j++) XVal[i * p + j] = (split.XVal.data[i * p + j] - std.mean[j]) / std.scale[j];
  const ym = split.yTrain.reduce((a, b) => a + b, 0) / split.yTrain.length;
  return {
    name: `diabetes: ${split.XTrain.shape[0]} train / ${nv} validation rows, p = ${p}, standardized`,
    key: 'diabetes',
    n: split.XTrain.shape[0], nv, p,
    X: std.X, y: split.yTrain.map((v) => v - ym), XVal, yVal: split.yVal.map((v) => v - ym),
  };
}

function prepare(prob) {
  const XTrain = { data: prob.X, shape: [prob.n, prob.p] };
  const XVal = { data: prob.XVal, shape: [prob.nv, prob.p] };
  const lmax = lambdaMax(XTrain, prob.y);
  const h0 = Math.log(lmax) - Math.LN2; // start at λ_max/2, well away from the optimum
  const hi = Math.log(lmax);
  const lo = Math.log(lmax * 1e-3);
  const points = Float64Array.from({ length: GRID }, (_, i) => hi + ((lo - hi) * i) / (GRID - 1));
  return { ...prob, XTrain, XValM: XVal, lmax, h: h0, h0, points };
}

function writeData(prob, dir) {
  const parts = [
    [prob.n, prob.nv, prob.p], prob.X, prob.y, prob.XVal, prob.yVal,
    [prob.h, prob.h0, MAX_EVALS, prob.points.length], prob.points,
  ];
  const total = parts.reduce((s, a) => s + a.length, 0);
  const buf = new Float64Array(total);
  let at = 0;
  for (const a of parts) {
    buf.set(a, at);
    at += a.length;
  }
  const file = join(dir, `${prob.key}.f64`);
  writeFileSync(file, new Uint8Array(buf.buffer));
  return file;
}

/** native-bench-lasso on a data file: the same loops natively, as JSON. */
const runNative = (bin, file) => runNativeJson(bin, [file, '--target-ms', String(TARGET)]);

// ------------------------------------------------------------------ wasm
const calibrated = (work) => meanUntil(TARGET, work);

function runWasm(prob) {
  const base = { XTrain: prob.XTrain, yTrain: prob.y, XVal: prob.XValM, yVal: prob.yVal };
  const hyper = {};
  for (const algorithm of ALGORITHMS) {
    let r;
    const ms = calibrated(() => {
      r = hypergradient({ ...base, logLambda: prob.h, algorithm });
    });
    hyper[algorithm] = { ms, value: r.value, grad: r.grad, support: r.support.length, iterations: r.innerIterations };
  }
  const data = { X: prob.XTrain, y: prob.y, XVal: prob.XValM, yVal: prob.yVal };
  let grid;
  const gridMs = calibrated(() => {
    grid = gridSearch({ ...data, logLambdas: prob.points });
  });
  let search;
  const sums = [];
  let runs = 0;
  calibrated(() => {
    search = gradSearch({ ...data, logLambda0: prob.h0, maxIter: MAX_EVALS });
    search.path.forEach((st, k) => {
      sums[k] = (sums[k] ?? 0) + st.time;
    });
    runs++;
  });
  search.path.forEach((st, k) => {
    st.time = sums[k] / runs;
  });
  return { hyper, grid: { ms: gridMs, values: grid.path.map((s) => s.value), best: grid.best }, search };
}

// ------------------------------------------------------------------ main
const dir = mkdtempSync(join(os.tmpdir(), 'diffopt-lasso-bench-'));
const results = { date: new Date().toISOString(), node: process.version, repeats: REPEATS, targetMs: TARGET, problems: [] };
let allIdentical = true;
try {
  const bin = ARGS.native ? nativeBinary(root, 'native-bench-lasso') : null;
  for (const raw of [synthetic(), diabetes()]) {
    const prob = prepare(raw);
    const file = writeData(prob, dir);
    log(`[bench] ${prob.key}: warm-up`);
    const wasmRuns = [];
    const nativeRuns = [];
    runWasm(prob);
    if (bin) runNative(bin, file);
    for (let r = 0; r < REPEATS; r++) {
      log(`[bench] ${prob.key}: repeat ${r + 1}/${REPEATS}`);
      if (bin) nativeRuns.push(runNative(bin, file));
      wasmRuns.push(runWasm(prob));
    }
    const w0 = wasmRuns[0];
    const gridBest = Math.min(...w0.grid.values);
    const reachIdx = w0.search.path.findIndex((s) => s.value <= gridBest * 1.01);
    const reach = (run) => run.search.path[reachIdx]?.time ?? NaN;
    const out = {
      problem: prob.name,
      lambdaMax: prob.lmax,
      hypergradient: {},
      grid: { points: GRID, innerSolves: GRID, bestValue: gridBest, wasmMs: median(wasmRuns.map((r) => r.grid.ms)) },
      gradSearch: {
        evaluations: w0.search.evaluations,
        bestValue: w0.search.best.value,
        reachEvaluations: reachIdx + 1,
        reachInnerSolves: reachIdx >= 0 ? w0.search.path[reachIdx].innerSolves : NaN,
        wasmReachMs: median(wasmRuns.map(reach)),
        wasmTotalMs: median(wasmRuns.map((r) => r.search.path[r.search.path.length - 1].time)),
      },
    };
    for (const a of ALGORITHMS) {
      out.hypergradient[a] = { wasmMs: median(wasmRuns.map((r) => r.hyper[a].ms)), support: w0.hyper[a].support, innerIterations: w0.hyper[a].iterations, grad: w0.hyper[a].grad };
    }
    if (bin) {
      const n0 = nativeRuns[0];
      const same = (a, b) => a === b || (Number.isNaN(a) && b === null);
      let identical = true;
      for (const a of ALGORITHMS) {
        out.hypergradient[a].nativeMs = median(nativeRuns.map((r) => r.hypergradient[a].median_ns / 1e6));
        identical &&= same(w0.hyper[a].value, n0.hypergradient[a].value) && same(w0.hyper[a].grad, n0.hypergradient[a].grad);
      }
      out.grid.nativeMs = median(nativeRuns.map((r) => r.grid.median_ns / 1e6));
      identical &&= w0.grid.values.every((v, i) => same(v, n0.grid.values[i]));
      identical &&= n0.search.length === w0.search.path.length && w0.search.path.every((s, i) => same(s.value, n0.search[i].value));
      out.gradSearch.nativeReachMs = reachIdx >= 0 ? median(nativeRuns.map((r) => r.search[reachIdx].time_ns / 1e6)) : NaN;
      out.gradSearch.nativeTotalMs = median(nativeRuns.map((r) => r.search[r.search.length - 1].time_ns / 1e6));
      out.bitIdentical = identical;
      allIdentical &&= identical;
    }
    results.problems.push(out);

    // ---- report
    console.log(`\nLasso hyperparameter selection — ${prob.name}`);
    console.log(`  held-out MSE; λ_max = ${prob.lmax.toPrecision(5)}; medians of ${REPEATS} alternating repeats of ≥ ${TARGET} ms loops`);
    console.log(`  one hypergradient at λ_max/2 (support ${w0.hyper['implicit-forward'].support}, ${w0.hyper['implicit-forward'].iterations} CD epochs):`);
    console.log('    algorithm            wasm        native   wasm/native');
    for (const a of ALGORITHMS) {
      const h = out.hypergradient[a];
      const ratio = h.nativeMs ? (h.wasmMs / h.nativeMs).toFixed(2) : '-';
      h.ratio = h.nativeMs ? h.wasmMs / h.nativeMs : null;
      console.log(`    ${a.padEnd(18)} ${fmtMs(h.wasmMs).padStart(9)} ${h.nativeMs ? fmtMs(h.nativeMs).padStart(12) : '-'.padStart(12)} ${ratio.padStart(12)}`);
    }
    const g = out.grid;
    const s = out.gradSearch;
    const row = (name, w, nat) => console.log(`    ${name.padEnd(34)} ${fmtMs(w).padStart(9)} ${nat !== undefined ? fmtMs(nat).padStart(12) : '-'.padStart(12)} ${nat ? (w / nat).toFixed(2).padStart(12) : '-'.padStart(12)}`);
    console.log('    search                                  wasm        native   wasm/native');
    row(`grid, ${GRID} points (${g.innerSolves} inner solves)`, g.wasmMs, g.nativeMs);
    row(`gradSearch to ≤ 1% of grid best (${s.reachInnerSolves} solves)`, s.wasmReachMs, s.nativeReachMs);
    row(`gradSearch, all ${s.evaluations} evaluations`, s.wasmTotalMs, s.nativeTotalMs);
    console.log(`  grid best ${g.bestValue.toPrecision(10)} (λ/λ_max = ${(w0.grid.best.lambda / prob.lmax).toPrecision(4)}), gradSearch best ${s.bestValue.toPrecision(10)} (λ/λ_max = ${(w0.search.best.lambda / prob.lmax).toPrecision(4)})`);
    console.log(`  inner solves grid / gradSearch-to-1%: ${(g.innerSolves / s.reachInnerSolves).toFixed(1)}× (target ≥ 5×); time: ${(g.wasmMs / s.wasmReachMs).toFixed(1)}× (wasm)`);
    if (bin) console.log(`  wasm and native values bit-identical: ${out.bitIdentical ? 'yes' : 'NO'}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
writeJson(OUT, results, 2);
if (!allIdentical) process.exitCode = 1;
