// Benchmark of the Fenchel-Young prediction maps (node bench/fy.mjs).
//
// softmax, sparsemax and 1.5-entmax, forward and forward+vjp (value, then
// the pullback of a cotangent), on row-major batches (the issue's case is
// 1024×1000). In one process run, interleaved batch by batch, it times:
//   api      diffopt's public API (dist/index.js) with Float64Array in/out:
//            every call copies the batch into wasm memory and back
//   zcopy    the same API on WasmArray inputs/outputs (`out`, pullback
//            `out`): no copies, the zero-copy route for hot loops
//   kernel   the wasm kernels called directly (own instance, no JS layer)
//   native   the same core kernels compiled natively (crates/native-bench,
//            bin native-bench-fy in --serve mode, driven from here)
//   ts       bench/plain-fy.ts, a straightforward TypeScript implementation
// and prints ratios, throughput (elements/s) and the targets of issue 4:
// wasm within 1.3× of native, ≥ 3× the TypeScript implementation.
// Same inputs everywhere (SplitMix64; see bench/lib/inputs.mjs), 8 fresh
// inputs cycled per case; wasm and native outputs must agree bit for bit
// (an FNV-1a digest of the output bits).
//
// Flags: --quick (short smoke run; writes bench/results/latest-fy-quick.json)
//        --filter RE (cases whose label matches the regular expression, e.g. "entmax15 fwdbwd")
//        --out FILE (default bench/results/fy.json)
//        --no-native, --no-ts
import { Digest, genG, genX, mismatch } from './lib/inputs.mjs';
import { digestMismatch, nativeBinary, NativeServer } from './lib/native.mjs';
import { checkTarget, fmtRatio, fmtTime, machine, printTable, printTargets, readJson, writeJson } from './lib/report.mjs';
import { benchArgs, importTypeScript, loadDist, root, selectCases, WasmKernel } from './lib/setup.mjs';
import { jsTimer, log, sink, timeInterleaved } from './lib/timing.mjs';

const ARGS = benchArgs('fy');
const { quick: QUICK, filter: FILTER, out: OUT } = ARGS;

const CFG = QUICK
  ? { targetMs: 30, warmupMs: 10, batches: 3, maxIters: 2000, inputs: 4, seed: 1 }
  : { targetMs: 400, warmupMs: 60, batches: 7, maxIters: 1_000_000, inputs: 8, seed: 1 };
const SIZES = [[1, 1000], [128, 1000], [1024, 1000]];
const MAPS = ['softmax', 'sparsemax', 'entmax15'];
const MODES = ['fwd', 'fwdbwd'];
const API = { softmax: ['softmax', undefined], sparsemax: ['sparsemax', undefined], entmax15: ['entmax', { alpha: 1.5 }] };
const MAP_CODE = { softmax: 0, sparsemax: 1, entmax15: 2 };

const label = (c) => `${c.map} ${c.mode} ${c.rows}x${c.n}`;
/** Logits x = (u₁+u₂+u₃+u₄ − 2)·√3 (mean 0, variance 1), as native-bench-fy. */
const inputX = (seed, k, len) => genX(seed, k, len, Math.sqrt(3));

/** The plain TS implementation must agree with diffopt before it is timed. */
function checkPlain(lib, plain) {
  const inputs = [
    [Float64Array.from([1, 3, 1, -2, 3, 0, -0, 2, 2, 0.5]), [1, 10]],
    [inputX(7, 0, 150), [3, 50]],
    [inputX(7, 1, 1000), [1, 1000]],
    [inputX(7, 2, 4000).map((v) => v * 30), [4, 1000]],
  ];
  let checked = 0;
  for (const [x, shape] of inputs) {
    const g = genG(7, 3, x.length);
    for (const map of MAPS) {
      const [name, opts] = API[map];
      const o = { ...opts, shape };
      const [v1, pb1] = lib[name].vjp(x, o);
      const [v2, pb2] = plain[name].vjp(x, { shape });
      const bad = mismatch(v2, v1) ?? mismatch(pb2(g), pb1(g));
      if (bad) throw new Error(`plain-fy.ts disagrees with diffopt: ${map} n=${x.length}: ${bad}`);
      checked++;
    }
  }
  return checked;
}

/** The wasm FY kernels called directly on inputs already in wasm memory. */
function prepareKernel(kernel, c, xs, gs) {
  const { rows, n } = c;
  const t = rows * n;
  const code = MAP_CODE[c.map];
  const px = kernel.load(xs);
  const pg = kernel.load(gs);
  const out = kernel.alloc(t * 8);
  const grad = kernel.alloc(t * 8);
  const ex = kernel.ex;
  const bwd = c.mode === 'fwdbwd';
  return (k) => {
    if (ex.fy_map_forward(code, 1.5, px[k], rows, n, out) !== 0) throw new Error('kernel failed');
    if (bwd && ex.fy_map_backward(code, 1.5, out, pg[k], rows, n, grad) !== 0) throw new Error('kernel failed');
  };
}

async function main() {
  const { lib, wasmFile, wasmBytes, stale } = await loadDist();
  const plain = ARGS.ts ? await importTypeScript('bench/plain-fy.ts') : null;
  if (plain) log(`[bench] plain-fy.ts agrees with diffopt to 1e-9 on ${checkPlain(lib, plain)} map/input combinations`);

  const cases = [];
  for (const [rows, n] of SIZES) for (const map of MAPS) for (const mode of MODES) cases.push({ map, mode, rows, n });
  const selected = selectCases(cases, label, FILTER);
  const bin = ARGS.native ? nativeBinary(root, 'native-bench-fy') : null;
  const native = bin ? new NativeServer(bin, CFG) : null;
  const kernel = new WasmKernel(wasmFile);

  const t0 = performance.now();
  const results = [];
  const issues = [];
  for (const [rows, n] of SIZES) {
    const here = selected.filter((c) => c.rows === rows && c.n === n);
    if (!here.length) continue;
    const len = rows * n;
    const xs = Array.from({ length: CFG.inputs }, (_, k) => inputX(CFG.seed, k, len));
    const gs = Array.from({ length: CFG.inputs }, (_, k) => genG(CFG.seed, k, len));
    const wxs = xs.map((x) => lib.WasmArray.from(x));
    const wgs = gs.map((g) => lib.WasmArray.from(g));
    const wv = lib.WasmArray.zeros(len);
    const wgrad = lib.WasmArray.zeros(len);
    for (const c of here) {
      const [name, base] = API[c.map];
      const opts = { ...base, shape: [rows, n] };
      const zopts = { ...opts, out: wv };
      const bwd = c.mode === 'fwdbwd';
      const api = (impl) => (bwd
        ? (k) => {
          const [v, pullback] = impl[name].vjp(xs[k], opts);
          sink.value += v[0] + pullback(gs[k])[0];
        }
        : (k) => { sink.value += impl[name](xs[k], opts)[0]; });
      const zcopy = bwd
        ? (k) => {
          const [, pullback] = lib[name].vjp(wxs[k], zopts);
          pullback(wgs[k], { out: wgrad });
        }
        : (k) => { lib[name](wxs[k], zopts); };
      // Same digest as the native side, over the API's outputs.
      const check = new Digest();
      for (let k = 0; k < CFG.inputs; k++) {
        if (bwd) {
          const [v, pullback] = lib[name].vjp(xs[k], opts);
          check.eat(v).eat(pullback(gs[k]));
        } else {
          check.eat(lib[name](xs[k], opts));
        }
      }
      const timers = { api: jsTimer(CFG, api(lib)), zcopy: jsTimer(CFG, zcopy), kernel: jsTimer(CFG, prepareKernel(kernel, c, xs, gs)) };
      const nat = native ? native.timer(`${c.map} ${c.mode} ${c.rows} ${c.n}`) : null;
      if (nat) timers.native = nat;
      if (plain) timers.ts = jsTimer(CFG, api(plain));
      const t = await timeInterleaved(CFG, timers);
      kernel.release();
      const issue = digestMismatch(label(c), check, nat);
      if (issue) issues.push(issue);
      const ns = (k) => t[k]?.median_ns ?? null;
      const r = {
        ...c,
        api_ns: ns('api'),
        zcopy_ns: ns('zcopy'),
        kernel_ns: ns('kernel'),
        native_ns: ns('native'),
        ts_ns: ns('ts'),
        zcopy_over_native: nat ? ns('zcopy') / ns('native') : null,
        kernel_over_native: nat ? ns('kernel') / ns('native') : null,
        api_over_native: nat ? ns('api') / ns('native') : null,
        ts_over_api: plain ? ns('ts') / ns('api') : null,
        ts_over_zcopy: plain ? ns('ts') / ns('zcopy') : null,
        melem_per_s: { api: (len / ns('api')) * 1e3, zcopy: (len / ns('zcopy')) * 1e3, native: nat ? (len / ns('native')) * 1e3 : null, ts: plain ? (len / ns('ts')) * 1e3 : null },
        iters: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.iters])),
        per_batch_ns: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.per_batch_ns])),
        checksum: check.checksum,
        digest: check.hash,
      };
      results.push(r);
      log(`[bench] ${label(c).padEnd(26)} api ${fmtTime(r.api_ns)}  zero-copy ${fmtTime(r.zcopy_ns)}  kernel ${fmtTime(r.kernel_ns)}  native ${fmtTime(r.native_ns)}  ts ${fmtTime(r.ts_ns)}`);
    }
    for (const w of [...wxs, ...wgs, wv, wgrad]) w.free();
  }
  native?.close();
  const jsSeconds = (performance.now() - t0) / 1e3;

  const baseline = readJson(ARGS.baseline);
  const baseOf = (c) => baseline?.cases?.find((b) => b.map === c.map && b.mode === c.mode && b.rows === c.rows && b.n === c.n) ?? null;
  printTable(
    ['case', 'api', 'zero-copy', 'kernel', 'native', 'zc/nat', 'api/nat', 'ts', 'ts/api', 'Melem/s zc', 'vs base'],
    results.map((r) => {
      const b = baseOf(r);
      return [
        label(r), fmtTime(r.api_ns), fmtTime(r.zcopy_ns), fmtTime(r.kernel_ns), fmtTime(r.native_ns),
        fmtRatio(r.zcopy_over_native), fmtRatio(r.api_over_native), fmtTime(r.ts_ns), fmtRatio(r.ts_over_api),
        r.melem_per_s.zcopy.toFixed(1), b ? fmtRatio(r.zcopy_ns / b.zcopy_ns) : '—',
      ];
    }),
    {
      groups: results.map((r) => `${r.rows}x${r.n}`),
      notes: [
        'api: public API with Float64Array in/out (copies in and out of wasm); zero-copy: the same API on WasmArrays;',
        'kernel: the wasm kernels called directly; zc/nat, api/nat: ÷ native; ts/api: plain TypeScript ÷ api;',
        'Melem/s zc: elements per second through the zero-copy API; vs base: zero-copy ÷ the baseline JSON.',
      ],
    },
  );
  const main = results.filter((r) => r.rows === 1024 && r.n === 1000 && r.mode === 'fwdbwd');
  const targets = [
    checkTarget({ target: 'zero-copy wasm within 1.3x of native at 1024x1000 forward+vjp', limit: 1.3, rows: main, key: 'zcopy_over_native', label }),
    checkTarget({ target: '>= 3x faster than plain TS at 1024x1000 forward+vjp (Float64Array API, copies included)', limit: 3, atLeast: true, rows: main, key: 'ts_over_api', label }),
    checkTarget({ target: '(info) zero-copy wasm within 1.3x of native, every case', limit: 1.3, rows: results, key: 'zcopy_over_native', label }),
    checkTarget({ target: '(info) Float64Array API within 1.3x of native, every case', limit: 1.3, rows: results, key: 'api_over_native', label }),
  ].filter(Boolean);
  printTargets(targets);
  if (issues.length) log(`\n[bench] WARNING: wasm and native outputs differ:\n  ${issues.join('\n  ')}`);
  else if (native) log('\n[bench] wasm and native outputs are bit-identical on every case (FNV-1a digests agree)');
  if (sink.value === 42.4242) log('');

  writeJson(OUT, {
    benchmark: 'fy',
    date: new Date().toISOString(),
    quick: QUICK,
    filter: FILTER || null,
    machine: machine(),
    config: { ...CFG, sizes: SIZES, input: 'x = (u1+u2+u3+u4-2)*sqrt(3), g = 2u-1, u from SplitMix64(seed + 1000k [+500])' },
    wasm_bytes: wasmBytes,
    stale_build: stale,
    js_seconds: Math.round(jsSeconds * 10) / 10,
    targets,
    cases: results,
    digest_mismatches: issues,
  });
}

main().catch((err) => {
  console.error(err?.stack ?? err);
  process.exit(1);
});
