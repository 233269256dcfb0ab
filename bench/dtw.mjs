// Benchmark of the soft-DTW family (npm run bench:dtw).
//
// In one process run it times, for each case, four implementations of the
// same work:
//   wasm    diffopt's public API (dist/index.js): softDtw / softDtwDivergence
//           (value) or their .vjp + pullback (value + ∂/∂X and ∂/∂Y), and
//           softDtwPairwise
//   kernel  the wasm export called directly on inputs already in wasm memory
//           (no JS copies): the compiled code alone
//   native  the same core kernels compiled natively (crates/native-bench,
//           bin native-bench-dtw, spawned here in --serve mode, built first
//           with rustup's cargo if needed)
//   ts      bench/plain-dtw.ts, a straightforward TypeScript port of the
//           reference algorithm (compiled here with esbuild)
// and prints cells per second (m·n per pair per second) and ratios
// (wasm/native, ts/wasm), against the targets of the issue: wasm within 1.3×
// of native, ≥ 5× plain TypeScript, and ≥ 2× the cells/s of the fastest
// reference measured on this kind of machine (1024×1024, d = 1: numba 47 ms
// value, 76 ms value+grad; divergence 154 ms / 209 ms).
//
// Cases: soft-DTW value and value+grad for (m, n) ∈ {64², 256², 1024²},
// d ∈ {1, 8}, γ = 1; the divergence at 256² and 1024², d = 1; pairwise soft-DTW of
// 8 × 8 = 64 pairs of 128×128, d ∈ {1, 8}. Same inputs on every side
// (SplitMix64, see bench/lib/inputs.mjs and native-bench-dtw.rs), cycled
// through fresh inputs; per case: calibrate each implementation, then
// `batches` interleaved batches (rotating order), median per-call CPU time
// (robust to other jobs on a shared machine; wall-clock medians are kept in
// the JSON too).
// wasm and native outputs are compared bit for bit (FNV-1a digest).
//
// Flags: --quick (smoke run, writes bench/results/latest-dtw-quick.json)
//        --filter RE (only cases whose label matches the regular expression, e.g. "1024")
//        --out FILE (default bench/results/dtw.json)
//        --no-native, --no-ts (skip those columns)
import { checkPrng, Digest, genX } from './lib/inputs.mjs';
import { digestMismatch, nativeBinary, NativeServer } from './lib/native.mjs';
import { checkTarget, fmtRatio, fmtTime, machine, printTable, printTargets, readJson, writeJson } from './lib/report.mjs';
import { benchArgs, importTypeScript, loadDist, root, selectCases, WasmKernel } from './lib/setup.mjs';
import { jsTimer, log, sink, timeInterleaved } from './lib/timing.mjs';

const ARGS = benchArgs('dtw');
const { quick: QUICK, filter: FILTER, out: OUT } = ARGS;

// clock: 'cpu': CPU time per call is far steadier than wall time on a
// machine shared with other jobs (wall-clock medians are kept in the JSON).
const CFG = QUICK
  ? { targetMs: 40, warmupMs: 5, batches: 3, maxIters: 2000, inputs: 2, seed: 1, gamma: 1, clock: 'cpu' }
  : { targetMs: 700, warmupMs: 40, batches: 7, maxIters: 100_000, inputs: 4, seed: 1, gamma: 1, clock: 'cpu' };

const CASES = [];
for (const [m, n] of [[64, 64], [256, 256], [1024, 1024]]) {
  for (const d of [1, 8]) for (const mode of ['val', 'grad']) CASES.push({ op: 'sdtw', mode, m, n, d });
}
for (const [m, n] of [[256, 256], [1024, 1024]]) for (const mode of ['val', 'grad']) CASES.push({ op: 'div', mode, m, n, d: 1 });
for (const d of [1, 8]) CASES.push({ op: 'pairwise', mode: 'val', m: 8, n: 128, d });

/** Reference timings (ms, single thread, 1024×1024, d = 1) from the issue. */
const REFERENCE = {
  'sdtw val': { name: 'numba reference', ms: 47 },
  'sdtw grad': { name: 'numba reference', ms: 76 },
  'div val': { name: 'reference divergence', ms: 154 },
  'div grad': { name: 'reference divergence', ms: 209 },
};

const label = (c) => (c.op === 'pairwise' ? `pairwise ${c.m}x${c.m} of ${c.n}x${c.n} d${c.d}` : `${c.op} ${c.mode} ${c.m}x${c.n} d${c.d}`);
/** Cells (m·n per pair) of one call. */
const cells = (c) => (c.op === 'pairwise' ? c.m * c.m * c.n * c.n : c.m * c.n);

/** Input k: X from SplitMix64(seed + 1000k), Y from seed + 1000k + 500; frames (u1+u2+u3+u4 − 2)·√3. */
function inputsOf(c) {
  const [lx, ly] = c.op === 'pairwise' ? [c.m * c.n * c.d, c.m * c.n * c.d] : [c.m * c.d, c.n * c.d];
  return Array.from({ length: CFG.inputs }, (_, k) => ({
    x: genX(CFG.seed, k, lx, Math.sqrt(3)),
    y: genX(CFG.seed + 500, k, ly, Math.sqrt(3)),
  }));
}

// ---------------------------------------------------------------- implementations
const seriesOf = (data, len, d) => ({ data, shape: [len, d] });

/** The public API on input k. Returns the values it computed (for checks). */
function apiCall(lib, c, inp) {
  const { x, y } = inp;
  if (c.op === 'pairwise') {
    const size = c.n * c.d;
    const xs = Array.from({ length: c.m }, (_, a) => seriesOf(x.subarray(a * size, (a + 1) * size), c.n, c.d));
    const ys = Array.from({ length: c.m }, (_, b) => seriesOf(y.subarray(b * size, (b + 1) * size), c.n, c.d));
    return () => [lib.softDtwPairwise(xs, ys, { gamma: CFG.gamma })];
  }
  const f = c.op === 'sdtw' ? lib.softDtw : lib.softDtwDivergence;
  const opts = { gamma: CFG.gamma, shape: [c.m, c.d], shapeY: [c.n, c.d] };
  if (c.mode === 'val') return () => [new Float64Array([f(x, y, opts)])];
  return () => {
    const [v, pullback] = f.vjp(x, y, opts);
    const [gx, gy] = pullback(1);
    return [new Float64Array([v]), gx, gy];
  };
}

function plainCall(plain, c, inp) {
  const { x, y } = inp;
  if (c.op === 'pairwise') return () => [plain.pairwise(x, y, c.m, c.n, c.d, CFG.gamma)];
  const p = { x, m: c.m, y, n: c.n, d: c.d };
  if (c.mode === 'val') {
    const f = c.op === 'sdtw' ? plain.softDtw : plain.divergence;
    return () => [new Float64Array([f(p, CFG.gamma)])];
  }
  const f = c.op === 'sdtw' ? plain.softDtwGrad : plain.divergenceGrad;
  return () => {
    const r = f(p, CFG.gamma);
    return [new Float64Array([r.value]), r.gx, r.gy];
  };
}

/** The plain TS implementation must agree with diffopt before it is timed. */
function checkPlain(lib, plain) {
  let checked = 0;
  for (const c of [
    { op: 'sdtw', mode: 'grad', m: 7, n: 9, d: 3 },
    { op: 'sdtw', mode: 'grad', m: 60, n: 45, d: 1 },
    { op: 'div', mode: 'grad', m: 20, n: 30, d: 2 },
    { op: 'pairwise', mode: 'val', m: 3, n: 16, d: 2 },
  ]) {
    const inp = inputsOf(c)[0];
    const a = apiCall(lib, c, inp)();
    const b = plainCall(plain, c, inp)();
    for (let q = 0; q < a.length; q++) {
      for (let i = 0; i < a[q].length; i++) {
        if (!(Math.abs(a[q][i] - b[q][i]) <= 1e-9 * Math.max(1, Math.abs(a[q][i])))) {
          throw new Error(`plain-dtw.ts disagrees with diffopt on ${label(c)} output ${q}[${i}]: ${b[q][i]} vs ${a[q][i]}`);
        }
      }
    }
    checked++;
  }
  return checked;
}

/** The wasm soft-DTW exports called directly on inputs already in wasm memory. */
function prepareKernel(kernel, c, inputs) {
  const ex = kernel.ex;
  const px = kernel.load(inputs.map((i) => i.x));
  const py = kernel.load(inputs.map((i) => i.y));
  const lx = inputs[0].x.length, ly = inputs[0].y.length;
  const value = kernel.alloc(8), gx = kernel.alloc(lx * 8), gy = kernel.alloc(ly * 8);
  const lens = kernel.alloc(c.m * 4), out = kernel.alloc(c.m * c.m * 8);
  new Uint32Array(ex.memory.buffer, lens, c.m).fill(c.n);
  const fail = () => { throw new Error('kernel failed'); };
  if (c.op === 'pairwise') {
    return (k) => { if (ex.dtw_pairwise(0, 0, CFG.gamma, -1, px[k], lens, c.m, py[k], lens, c.m, c.d, out) !== 0) fail(); };
  }
  const op = c.op === 'sdtw' ? 0 : 1;
  const [g1, g2] = c.mode === 'grad' ? [gx, gy] : [0, 0];
  return (k) => { if (ex.dtw_pair(op, 0, CFG.gamma, -1, px[k], c.m, py[k], c.n, c.d, value, g1, g2, 0) !== 0) fail(); };
}

// ---------------------------------------------------------------- main
async function main() {
  checkPrng();
  const { lib, wasmFile, wasmBytes, stale } = await loadDist();
  const plain = ARGS.ts ? await importTypeScript('bench/plain-dtw.ts') : null;
  if (plain) log(`[bench] plain-dtw.ts agrees with diffopt to 1e-9 on ${checkPlain(lib, plain)} cases`);

  const selected = selectCases(CASES, label, FILTER);
  const bin = ARGS.native ? nativeBinary(root, 'native-bench-dtw') : null;
  const native = bin ? new NativeServer(bin, CFG, ['--gamma', String(CFG.gamma)]) : null;
  const kernel = new WasmKernel(wasmFile);

  const t0 = performance.now();
  const results = [];
  const checksumIssues = [];
  for (const c of selected) {
    const inputs = inputsOf(c);
    const api = inputs.map((inp) => apiCall(lib, c, inp));
    // Checksum and digest as the native side computes them, over the inputs in order.
    const check = new Digest();
    for (const f of api) for (const a of f()) check.eat(a);
    const timers = {};
    if (native) timers.native = native.timer(`${c.op} ${c.mode} ${c.m} ${c.n} ${c.d}`);
    timers.kernel = jsTimer(CFG, prepareKernel(kernel, c, inputs));
    timers.wasm = jsTimer(CFG, (k) => { sink.value += api[k]()[0][0]; });
    if (plain) {
      const ts = inputs.map((inp) => plainCall(plain, c, inp));
      timers.ts = jsTimer(CFG, (k) => { sink.value += ts[k]()[0][0]; });
    }
    const t = await timeInterleaved(CFG, timers);
    kernel.release();
    const issue = digestMismatch(label(c), check, timers.native);
    if (issue) checksumIssues.push(issue);
    const cl = cells(c);
    const [wasm, ker, nat, ts] = [t.wasm, t.kernel, t.native ?? null, t.ts ?? null];
    const r = {
      ...c,
      label: label(c),
      cells: cl,
      clock: 'cpu',
      wasm_ns: wasm.median_ns,
      wasm_wall_ns: wasm.median_wall_ns,
      native_wall_ns: nat?.median_wall_ns ?? null,
      ts_wall_ns: ts?.median_wall_ns ?? null,
      wasm_kernel_ns: ker.median_ns,
      native_ns: nat?.median_ns ?? null,
      ts_ns: ts?.median_ns ?? null,
      wasm_mcells_per_s: (cl / wasm.median_ns) * 1e3,
      native_mcells_per_s: nat ? (cl / nat.median_ns) * 1e3 : null,
      ts_mcells_per_s: ts ? (cl / ts.median_ns) * 1e3 : null,
      wasm_over_native: nat ? wasm.median_ns / nat.median_ns : null,
      kernel_over_native: nat ? ker.median_ns / nat.median_ns : null,
      ts_over_wasm: ts ? ts.median_ns / wasm.median_ns : null,
      iters: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.iters])),
      per_batch_ns: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.per_batch_ns])),
      checksum: check.checksum,
      digest: check.hash,
    };
    const ref = c.m === 1024 && c.n === 1024 && c.d === 1 ? REFERENCE[`${c.op} ${c.mode}`] : null;
    if (ref) {
      r.reference = { ...ref, mcells_per_s: cl / (ref.ms * 1e3) };
      r.wasm_over_reference = r.reference.ms / (wasm.median_ns / 1e6);
    }
    results.push(r);
    log(`[bench] ${label(c).padEnd(30)} wasm ${fmtTime(r.wasm_ns)}  kernel ${fmtTime(r.wasm_kernel_ns)}  native ${fmtTime(r.native_ns)}  ts ${fmtTime(r.ts_ns)}`);
  }
  native?.close();
  const jsSeconds = (performance.now() - t0) / 1e3;

  const baseline = readJson(ARGS.baseline);
  const baseOf = (c) => baseline?.cases?.find((b) => b.label === label(c)) ?? null;
  const fmtRate = (r) => (r == null ? '—' : r.toFixed(1));
  printTable(
    ['case', 'wasm', 'native', 'ts', 'wasm Mc/s', 'native Mc/s', 'ts Mc/s', 'wasm/nat', 'kern/nat', 'ts/wasm', 'vs ref', 'vs base'],
    results.map((r) => {
      const b = baseOf(r);
      return [
        r.label, fmtTime(r.wasm_ns), fmtTime(r.native_ns), fmtTime(r.ts_ns), fmtRate(r.wasm_mcells_per_s), fmtRate(r.native_mcells_per_s),
        fmtRate(r.ts_mcells_per_s), fmtRatio(r.wasm_over_native), fmtRatio(r.kernel_over_native), fmtRatio(r.ts_over_wasm),
        r.wasm_over_reference ? `${fmtRatio(r.wasm_over_reference)}x` : '—', b ? fmtRatio(r.wasm_ns / b.wasm_ns) : '—',
      ];
    }),
    {
      notes: [
        'Times are median CPU time per call. Mc/s: million cells (m·n per pair) per CPU second. wasm/nat: public API ÷ the same kernels native (1 = parity);',
        'kern/nat: the wasm export called directly ÷ native; ts/wasm: speedup over plain TypeScript; vs ref: cells/s ÷ the',
        "fastest reference's on this kind of machine (issue: numba 47/76 ms, divergence 154/209 ms at 1024², d = 1); vs base:",
        'wasm ÷ the committed bench/results/dtw.json.',
      ],
    },
  );
  const targets = [
    checkTarget({ target: 'wasm within 1.3x of native (every case)', limit: 1.3, rows: results, key: 'wasm_over_native', label }),
    checkTarget({ target: '>= 5x faster than plain TypeScript (every case)', limit: 5, atLeast: true, rows: results, key: 'ts_over_wasm', label }),
    checkTarget({ target: '>= 2x the cells/s of the fastest reference at 1024x1024, d = 1', limit: 2, atLeast: true, rows: results, key: 'wasm_over_reference', label }),
  ].filter(Boolean);
  printTargets(targets);
  if (checksumIssues.length) {
    log(`\n[bench] WARNING: wasm and native outputs are not bit-identical:\n  ${checksumIssues.join('\n  ')}`);
  } else if (native) {
    log('\n[bench] wasm and native outputs are bit-identical on every case (FNV-1a digests agree)');
  }
  if (sink.value === 42.4242) log('');

  writeJson(OUT, {
    benchmark: 'dtw',
    date: new Date().toISOString(),
    quick: QUICK,
    filter: FILTER || null,
    machine: machine(),
    config: { ...CFG, cost: 'sqeuclidean', timing: 'per case: calibrate each implementation, then `batches` interleaved batches (rotating order); median CPU ns per call (thread CPU time natively, process.cpuUsage in JS); wall-clock medians in *_wall_ns', input: 'x = (u1+u2+u3+u4-2)*sqrt(3), X from SplitMix64(seed + 1000k), Y from seed + 1000k + 500' },
    wasm_bytes: wasmBytes,
    stale_build: stale,
    js_seconds: Math.round(jsSeconds * 10) / 10,
    targets,
    cases: results,
    checksum_mismatches: checksumIssues,
  });
}

main().catch((err) => {
  console.error(err?.stack ?? err);
  process.exit(1);
});
