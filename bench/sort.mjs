// Benchmark of the sorting/ranking family (npm run bench).
//
// In one process run, for soft rank and soft sort × L2/KL × forward and
// forward+backward (value + vjp pullback of a cotangent) × several batch
// shapes, it times five implementations of the same work:
//   wasm    diffopt's public API (dist/index.js) on the whole batch (`shape`)
//   kernel  the wasm exports called directly on data already in wasm memory
//           (no JS-side checks or copies): wasm/kernel is the API's cost
//   native  the same core kernels compiled natively (crates/native-bench,
//           native-bench-sort as a child process in --serve mode, built
//           first with rustup's cargo)
//   ts      bench/plain-sort.ts, a straightforward TypeScript implementation
//           (compiled here with esbuild), row by row
//   tsort   V8's Float64Array.prototype.sort of the same rows (copy + sort)
// and prints ratios (wasm/native, ts/wasm, wasm/tsort) and wasm throughput.
//
// Inputs are the same on every side (SplitMix64, see bench/lib/inputs.mjs
// and crates/native-bench/src/bin/native-bench-sort.rs), 8 fresh inputs
// cycled per case; the native digest of the output bits must equal the wasm one. Timing, per case:
// each implementation warms up and is calibrated, then the implementations
// take turns batch by batch (rotating order), each batch ≈ targetMs/batches;
// reported: the median per-call time over the batches, and ratios as the
// median over rounds of the per-round ratio. Interleaving keeps the ratios
// meaningful on a shared, noisy machine: a slow phase hits every column
// alike.
//
// Flags: --quick (smoke run: short timings, writes bench/results/latest-sort-quick.json)
//        --filter RE (only cases whose label matches the regular expression, e.g.
//          "rank kl", "128x1000", "x100$")
//        --out FILE (where to write the JSON; default bench/results/sort.json)
//        --no-native, --no-ts (skip those columns)
//        --compare DIR (also time the public API of another build, DIR/index.js,
//          interleaved: the "vs base" column is then wasm ÷ that build, paired)
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { checkPrng, Digest, genG, genX, mismatch } from './lib/inputs.mjs';
import { digestMismatch, nativeBinary, NativeServer } from './lib/native.mjs';
import { checkTarget, fmtRatio, fmtTime, machine, printTable, printTargets, readJson, writeJson } from './lib/report.mjs';
import { benchArgs, importTypeScript, loadDist, root, selectCases, WasmKernel } from './lib/setup.mjs';
import { jsTimer, log, median, pairedRatio, sink, timeInterleaved } from './lib/timing.mjs';

const ARGS = benchArgs('sort');
const { quick: QUICK, filter: FILTER, out: OUT } = ARGS;
const COMPARE = ARGS.option('--compare', null);

// targetMs: timed work per implementation and case, split into `batches`.
const CFG = QUICK
  ? { targetMs: 15, warmupMs: 5, batches: 3, maxIters: 2000, inputs: 8, seed: 1, strength: 1 }
  : { targetMs: 200, warmupMs: 30, batches: 20, maxIters: 1_000_000, inputs: 8, seed: 1, strength: 1 };
const SIZES = [[1, 100], [1, 1000], [1, 10000], [128, 100], [128, 1000]];
const OPS = ['rank', 'sort'];
const REGS = ['l2', 'kl'];
const MODES = ['fwd', 'fwdbwd'];

const label = (c) => `${c.op} ${c.reg} ${c.mode} ${c.rows}x${c.n}`;
// x = (u1+u2+u3+u4-2)·n/2: mean gap ≈ 1 = ε, so PAV pools some blocks.
const inputX = (seed, k, len, n) => genX(seed, k, len, n / 2);

/** The plain TS implementation must agree with diffopt before it is timed. */
function checkPlain(lib, plain) {
  const ties = Float64Array.from([1, 3, 1, -2, 3, 0, -0, 2, 2, 0.5]);
  const inputs = [
    [ties, [1, ties.length], 0.5],
    [ties, [1, ties.length], 3],
    [inputX(7, 0, 150, 50), [3, 50], 1],
    [inputX(7, 1, 1000, 1000), [1, 1000], 1],
    [inputX(7, 2, 1000, 1000), [1, 1000], 0.01],
  ];
  let checked = 0;
  for (const [x, shape, strength] of inputs) {
    const g = genG(7, 3, x.length);
    for (const op of OPS) {
      for (const regularization of REGS) {
        for (const direction of ['ascending', 'descending']) {
          const opts = { regularization, strength, direction, shape };
          const name = op === 'rank' ? 'softRank' : 'softSort';
          const [v1, pb1] = lib[name].vjp(x, opts);
          const [v2, pb2] = plain[name].vjp(x, opts);
          const bad = mismatch(v2, v1) ?? mismatch(pb2(g), pb1(g)) ?? mismatch(plain[name](x, opts), lib[name](x, opts));
          if (bad) {
            throw new Error(`plain-sort.ts disagrees with diffopt: ${name} ${JSON.stringify({ ...opts })} n=${x.length}: ${bad}`);
          }
          checked++;
        }
      }
    }
  }
  return checked;
}

/**
 * The wasm sort kernels called directly on inputs already in wasm memory:
 * separates the JS API's cost from the compiled code's. fwdbwd records the
 * same compact state as the API (no L2 weights, value only for the KL rank).
 */
function prepareKernel(kernel, c, xs, gs) {
  const { rows, n } = c;
  const t = rows * n;
  const op = c.op === 'rank' ? 2 : 3;
  const reg = c.reg === 'l2' ? 0 : 1;
  const px = kernel.load(xs);
  const pg = kernel.load(gs);
  const out = kernel.alloc(t * 8), grad = kernel.alloc(t * 8);
  const perm = kernel.alloc(t * 4), bs = kernel.alloc(t * 4), w = kernel.alloc(t * 8);
  const ex = kernel.ex;
  // The full state (older builds need it; the kernel ignores what it does not use).
  const value = out;
  const weights = w;
  if (c.mode === 'fwd') {
    return (k) => {
      if (ex.sort_forward(op, reg, 0, CFG.strength, px[k], 0, 0, rows, n, out, 0, 0, 0) !== 0) throw new Error('kernel failed');
    };
  }
  return (k) => {
    if (ex.sort_forward(op, reg, 0, CFG.strength, px[k], 0, 0, rows, n, out, perm, bs, w) !== 0) throw new Error('kernel failed');
    if (ex.sort_backward(op, reg, 0, CFG.strength, 1, perm, bs, weights, value, pg[k], rows, n, grad) !== 0) throw new Error('kernel failed');
  };
}

async function main() {
  checkPrng();
  const { lib, wasmFile, wasmBytes, stale } = await loadDist();
  const plain = ARGS.ts ? await importTypeScript('bench/plain-sort.ts') : null;
  let base = null;
  if (COMPARE) {
    base = await import(pathToFileURL(join(COMPARE, 'index.js')).href);
    await base.init();
    log(`[bench] comparing with ${COMPARE}`);
  }
  if (plain) log(`[bench] plain-sort.ts agrees with diffopt to 1e-9 on ${checkPlain(lib, plain)} op/input combinations`);

  const cases = [];
  for (const [rows, n] of SIZES) {
    for (const op of OPS) for (const reg of REGS) for (const mode of MODES) cases.push({ op, reg, mode, rows, n });
  }
  const selected = selectCases(cases, label, FILTER);
  const sizes = SIZES.filter(([rows, n]) => selected.some((c) => c.rows === rows && c.n === n));

  const bin = ARGS.native ? nativeBinary(root, 'native-bench-sort') : null;
  const native = bin ? new NativeServer(bin, CFG, ['--strength', String(CFG.strength)]) : null;
  const kernel = new WasmKernel(wasmFile);

  const t0 = performance.now();
  const results = [];
  const sorts = [];
  const checksumIssues = [];
  for (const [rows, n] of sizes) {
    const len = rows * n;
    const xs = Array.from({ length: CFG.inputs }, (_, k) => inputX(CFG.seed, k, len, n));
    const gs = Array.from({ length: CFG.inputs }, (_, k) => genG(CFG.seed, k, len));
    const sortRows = (k) => {
      const x = xs[k];
      for (let r = 0; r < rows; r++) {
        const row = x.slice(r * n, (r + 1) * n);
        row.sort();
        sink.value += row[0];
      }
    };

    for (const c of selected.filter((q) => q.rows === rows && q.n === n)) {
      const opts = { regularization: c.reg, strength: CFG.strength, direction: 'ascending', shape: [rows, n] };
      const name = c.op === 'rank' ? 'softRank' : 'softSort';
      const make = (impl) => c.mode === 'fwd'
        ? (k) => { sink.value += impl[name](xs[k], opts)[0]; }
        : (k) => {
          const [v, pullback] = impl[name].vjp(xs[k], opts);
          sink.value += v[0] + pullback(gs[k])[0];
        };
      // Same checksum and digest as the native side, over the inputs in order.
      const check = new Digest();
      for (let k = 0; k < CFG.inputs; k++) {
        if (c.mode === 'fwd') {
          check.eat(lib[name](xs[k], opts));
        } else {
          const [v, pullback] = lib[name].vjp(xs[k], opts);
          check.eat(v).eat(pullback(gs[k]));
        }
      }
      const timers = {};
      if (native) timers.native = native.timer(`${c.op} ${c.reg} ${c.mode} ${c.rows} ${c.n}`);
      timers.kernel = jsTimer(CFG, prepareKernel(kernel, c, xs, gs));
      timers.wasm = jsTimer(CFG, make(lib));
      if (plain) timers.ts = jsTimer(CFG, make(plain));
      if (base) timers.base = jsTimer(CFG, make(base));
      timers.tsort = jsTimer(CFG, sortRows);
      const t = await timeInterleaved(CFG, timers);
      kernel.release();
      const issue = digestMismatch(label(c), check, timers.native);
      if (issue) checksumIssues.push(issue);
      const [wasm, ker, nat, ts, tsort] = [t.wasm, t.kernel, t.native ?? null, t.ts ?? null, t.tsort];
      const r = {
        ...c,
        wasm_ns: wasm.median_ns,
        wasm_kernel_ns: ker.median_ns,
        native_ns: nat?.median_ns ?? null,
        ts_ns: ts?.median_ns ?? null,
        typed_sort_ns: tsort.median_ns,
        // Ratios: medians of per-round ratios (see pairedRatio).
        wasm_over_native: pairedRatio(wasm, nat),
        kernel_over_native: pairedRatio(ker, nat),
        wasm_over_kernel: pairedRatio(wasm, ker),
        ts_over_wasm: pairedRatio(ts, wasm),
        wasm_over_typed_sort: pairedRatio(wasm, tsort),
        ...(t.base ? { compare_ns: t.base.median_ns, wasm_over_compare: pairedRatio(wasm, t.base) } : {}),
        wasm_melem_per_s: (len / wasm.median_ns) * 1e3,
        iters: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.iters])),
        per_batch_ns: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.per_batch_ns])),
        checksum: check.checksum,
        digest: check.hash,
      };
      results.push(r);
      log(`[bench] ${label(c).padEnd(24)} wasm ${fmtTime(r.wasm_ns)}  kernel ${fmtTime(r.wasm_kernel_ns)}  native ${fmtTime(r.native_ns)}  ts ${fmtTime(r.ts_ns)}  sort ${fmtTime(r.typed_sort_ns)}`);
    }
    const group = results.filter((q) => q.rows === rows && q.n === n);
    sorts.push({ rows, n, median_ns: median(group.map((q) => q.typed_sort_ns)) });
  }
  native?.close();
  const jsSeconds = (performance.now() - t0) / 1e3;

  // The committed baseline (read before this run overwrites it).
  const baseline = readJson(ARGS.baseline);
  const baseOf = (c) => baseline?.cases?.find((b) => b.op === c.op && b.reg === c.reg && b.mode === c.mode && b.rows === c.rows && b.n === c.n) ?? null;

  printTable(
    ['case', 'wasm', 'native', 'wasm/nat', 'kern/nat', 'ts', 'ts/wasm', 'f64 sort', 'wasm/sort', 'Melem/s', 'vs base'],
    results.map((r) => {
      const b = baseOf(r);
      return [
        label(r), fmtTime(r.wasm_ns), fmtTime(r.native_ns), fmtRatio(r.wasm_over_native), fmtRatio(r.kernel_over_native), fmtTime(r.ts_ns),
        fmtRatio(r.ts_over_wasm), fmtTime(r.typed_sort_ns), fmtRatio(r.wasm_over_typed_sort), r.wasm_melem_per_s.toFixed(1),
        r.wasm_over_compare != null ? fmtRatio(r.wasm_over_compare) : b ? fmtRatio(r.wasm_ns / b.wasm_ns) : '—',
      ];
    }),
    {
      groups: results.map((r) => `${r.rows}x${r.n}`),
      notes: [
        'wasm/nat: wasm through the public API ÷ the same kernels native (1 = parity); kern/nat: the wasm export called',
        'directly (no JS copies) ÷ native; ts/wasm: speedup over plain TypeScript; wasm/sort: ÷ Float64Array.prototype.sort',
        '(copy + sort) of the same rows; Melem/s: wasm elements per second; vs base: wasm ÷ the committed bench/results/sort.json\n(or, with --compare DIR, ÷ that build timed in the same rounds).',
      ],
    },
  );
  const targets = [
    checkTarget({ target: 'wasm within 1.3x of native (every case)', limit: 1.3, rows: results, key: 'wasm_over_native', label }),
    checkTarget({
      target: '>= 5x faster than plain TS at 128x1000 forward+backward', limit: 5, atLeast: true, key: 'ts_over_wasm', label,
      rows: results.filter((r) => r.rows === 128 && r.n === 1000 && r.mode === 'fwdbwd'),
    }),
    checkTarget({
      target: 'soft rank forward+vjp within 1.5x of Float64Array sort of the same rows', limit: 1.5, key: 'wasm_over_typed_sort', label,
      rows: results.filter((r) => r.op === 'rank' && r.mode === 'fwdbwd'),
    }),
  ].filter(Boolean);
  printTargets(targets);
  if (checksumIssues.length) {
    log(`\n[bench] WARNING: wasm and native outputs are not bit-identical:\n  ${checksumIssues.join('\n  ')}`);
  } else if (native) {
    log('\n[bench] wasm and native outputs are bit-identical on every case (FNV-1a digests agree)');
  }
  if (sink.value === 42.4242) log(''); // keep results alive

  writeJson(OUT, {
    benchmark: 'sort',
    date: new Date().toISOString(),
    quick: QUICK,
    filter: FILTER || null,
    compare: COMPARE,
    machine: machine(),
    config: { ...CFG, sizes: SIZES, direction: 'ascending', timing: 'per case: calibrate each implementation, then `batches` interleaved rounds, one batch per implementation each (rotating order); times: median ns per call; ratios: median of per-round ratios', input: 'x = (u1+u2+u3+u4-2)*n/2, g = 2u-1, u from SplitMix64(seed + 1000k [+500])' },
    wasm_bytes: wasmBytes,
    stale_build: stale,
    js_seconds: Math.round(jsSeconds * 10) / 10,
    targets,
    typed_sort: sorts, // per size: median over its cases of the interleaved typed-array sort time
    cases: results,
    checksum_mismatches: checksumIssues,
  });
}

main().catch((err) => {
  console.error(err?.stack ?? err);
  process.exit(1);
});
