// Benchmark of the perturbed optimizers (node bench/perturb.mjs [--quick]).
//
// In one process run, for perturbed argmax and top-k (k = n/10) with 1000
// samples at n = 100 and 1000, and the 12×12 shortest path with 100 samples
// (multiplicative noise), forward and forward+backward (value + vjp pullback),
// interleaved batch by batch:
//   wasm    diffopt's public API (dist/index.js)
//   native  the same core kernels compiled natively (crates/native-bench,
//           native-bench-perturb in --serve mode, driven from here)
//   ts      bench/plain-perturb.ts, a straightforward TypeScript implementation
// and prints wasm/native, ts/wasm (medians of per-round ratios) and wasm
// throughput (noise values per second). Inputs θ_i = 1 + u_i, cotangents
// 2u − 1 (SplitMix64 seeds 1 and 2), ε = 0.5, Gaussian noise, seed 7, as in
// crates/native-bench/src/bin/native-bench-perturb.rs; wasm and native
// outputs must agree bit for bit (FNV-1a digests).
//
// Flags: --quick (short smoke run; writes bench/results/latest-perturb-quick.json)
//        --filter RE (cases whose label matches, e.g. "topk fwdbwd")
//        --out FILE (default bench/results/perturb.json)   --no-native, --no-ts
import { Digest, uniforms } from './lib/inputs.mjs';
import { digestMismatch, nativeBinary, NativeServer } from './lib/native.mjs';
import { checkTarget, fmtRatio, fmtTime, machine, printTable, printTargets, writeJson } from './lib/report.mjs';
import { benchArgs, importTypeScript, loadDist, root, selectCases } from './lib/setup.mjs';
import { jsTimer, log, pairedRatio, sink, timeInterleaved } from './lib/timing.mjs';

const ARGS = benchArgs('perturb');
const CFG = ARGS.quick
  ? { targetMs: 20, warmupMs: 5, batches: 3, maxIters: 200, inputs: 1 }
  : { targetMs: 300, warmupMs: 50, batches: 5, maxIters: 100_000, inputs: 1 };
const EPS = 0.5;
const SEED = 7;

const CASES = [];
for (const oracle of ['argmax', 'topk']) {
  for (const n of [100, 1000]) for (const mode of ['fwd', 'fwdbwd']) CASES.push({ oracle, mode, n, samples: 1000 });
}
for (const mode of ['fwd', 'fwdbwd']) CASES.push({ oracle: 'path', mode, n: 144, samples: 100 });
const label = (c) => `${c.oracle} ${c.mode} ${c.n} ${c.samples}`;

async function main() {
  const { lib } = await loadDist();
  const plain = ARGS.ts ? await importTypeScript('bench/plain-perturb.ts') : null;
  const selected = selectCases(CASES, label, ARGS.filter);
  const bin = ARGS.native ? nativeBinary(root, 'native-bench-perturb') : null;
  const native = bin ? new NativeServer(bin, CFG) : null;
  const results = [];
  const issues = [];
  for (const c of selected) {
    const theta = uniforms(1, c.n).map((u) => 1 + u);
    const g = uniforms(2, c.n).map((u) => 2 * u - 1);
    const side = Math.round(Math.sqrt(c.n));
    const spec = c.oracle === 'argmax' ? 'argmax'
      : c.oracle === 'topk' ? { kind: 'top-k', k: Math.max(1, c.n / 10) }
        : { kind: 'shortest-path', rows: side, cols: side };
    const f = lib.perturbed(spec, { epsilon: EPS, samples: c.samples, seed: SEED, multiplicative: c.oracle === 'path' });
    const bwd = c.mode === 'fwdbwd';
    const wasm = bwd
      ? () => { const [y, pb] = f.vjp(theta); sink.value += y[0] + pb(g)[0]; }
      : () => { sink.value += f(theta)[0]; };
    const check = new Digest();
    if (bwd) {
      const [y, pb] = f.vjp(theta);
      check.eat(y).eat(pb(g));
    } else {
      check.eat(f(theta));
    }
    const timers = { wasm: jsTimer(CFG, wasm) };
    if (native) timers.native = native.timer(label(c));
    if (plain) {
      const plainOracle = c.oracle === 'argmax' ? plain.argmax : c.oracle === 'topk' ? plain.topK(Math.max(1, c.n / 10)) : plain.shortestPath(side, side);
      // The plain version always keeps its samples (that is how one writes it),
      // so its forward pass costs what its forward+backward needs.
      timers.ts = jsTimer(CFG, bwd
        ? () => { const r = plain.perturbedVjp(plainOracle, theta, EPS, c.samples, SEED); sink.value += r.value[0] + r.pullback(g)[0]; }
        : () => { sink.value += plain.perturbedVjp(plainOracle, theta, EPS, c.samples, SEED).value[0]; });
    }
    const t = await timeInterleaved(CFG, timers);
    const issue = digestMismatch(label(c), check, timers.native);
    if (issue) issues.push(issue);
    const r = {
      ...c,
      wasm_ns: t.wasm.median_ns,
      native_ns: t.native?.median_ns ?? null,
      ts_ns: t.ts?.median_ns ?? null,
      wasm_over_native: pairedRatio(t.wasm, t.native),
      ts_over_wasm: pairedRatio(t.ts, t.wasm),
      wasm_mvalues_per_s: ((c.samples * c.n) / t.wasm.median_ns) * 1e3,
      checksum: check.checksum,
      digest: check.hash,
    };
    results.push(r);
    log(`[bench] ${label(c).padEnd(22)} wasm ${fmtTime(r.wasm_ns)}  native ${fmtTime(r.native_ns)}  ts ${fmtTime(r.ts_ns)}`);
  }
  native?.close();

  console.log('\nperturbed optimizers — time per call (ratios: medians of per-round ratios)');
  printTable(
    ['case', 'wasm', 'native', 'ts', 'wasm/nat', 'ts/wasm', 'M noise/s'],
    results.map((r) => [label(r), fmtTime(r.wasm_ns), fmtTime(r.native_ns), fmtTime(r.ts_ns), fmtRatio(r.wasm_over_native), fmtRatio(r.ts_over_wasm), r.wasm_mvalues_per_s.toFixed(1)]),
    { groups: results.map((r) => r.oracle) },
  );
  const targets = [
    checkTarget({ target: 'wasm within 1.3x of native (every case)', limit: 1.3, rows: results, key: 'wasm_over_native', label }),
    checkTarget({ target: '>= 5x faster than the plain TypeScript implementation (every case)', limit: 5, atLeast: true, rows: results, key: 'ts_over_wasm', label }),
  ].filter(Boolean);
  printTargets(targets);
  if (issues.length) log(`\n[bench] WARNING: wasm and native outputs differ:\n  ${issues.join('\n  ')}`);
  else if (native) log('\n[bench] wasm and native outputs are bit-identical on every case (FNV-1a digests agree)');
  if (sink.value === 42.4242) log('');

  writeJson(ARGS.out, {
    benchmark: 'perturb',
    date: new Date().toISOString(),
    quick: ARGS.quick,
    filter: ARGS.filter || null,
    machine: machine(),
    config: { ...CFG, epsilon: EPS, seed: SEED },
    targets,
    cases: results,
    digest_mismatches: issues,
  }, 2);
}

main().catch((err) => {
  console.error(err?.stack ?? err);
  process.exit(1);
});
