// Benchmark of the perturbed optimizers (node bench/perturb.mjs [--quick]).
//
// In one process run, for perturbed argmax and top-k (k = n/10) with 1000
// samples at n = 100 and 1000, and the 12×12 shortest path with 100 samples
// (multiplicative noise), forward and forward+backward (value + vjp pullback):
//   wasm    diffopt's public API (dist/index.js)
//   native  the same core kernels compiled natively (crates/native-bench, bin `perturb`)
//   ts      bench/plain-perturb.ts, a straightforward TypeScript implementation
// and prints wasm/native, ts/wasm and wasm throughput (noise values per second).
// Inputs θ_i = 1 + u_i, cotangents 2u − 1 (SplitMix64 seeds 1 and 2), ε = 0.5,
// Gaussian noise, seed 7, as in crates/native-bench/src/bin/perturb.rs.
// JSON: bench/results/perturb.json (--quick: latest-perturb-quick.json).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fmtRatio, fmtTime, importTypeScript, jsTimer, log, machine, nativeBinary, sink, timeInterleaved } from './lib/timing.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const QUICK = process.argv.includes('--quick');
const CFG = QUICK
  ? { targetMs: 20, warmupMs: 5, batches: 3, maxIters: 200, inputs: 1 }
  : { targetMs: 300, warmupMs: 50, batches: 5, maxIters: 100_000, inputs: 1 };
const OUT = join(root, 'bench', 'results', QUICK ? 'latest-perturb-quick.json' : 'perturb.json');
const EPS = 0.5;
const SEED = 7;

const CASES = [];
for (const oracle of ['argmax', 'topk']) {
  for (const n of [100, 1000]) for (const mode of ['fwd', 'fwdbwd']) CASES.push({ oracle, mode, n, samples: 1000 });
}
for (const mode of ['fwd', 'fwdbwd']) CASES.push({ oracle: 'path', mode, n: 144, samples: 100 });
const label = (c) => `${c.oracle} ${c.mode} ${c.n} ${c.samples}`;

/** SplitMix64 uniforms, as SplitMix64 in crates/native-bench/src/lib.rs. */
function uniforms(seed, n) {
  let s = BigInt(seed);
  const out = new Float64Array(n);
  const M = (1n << 64n) - 1n;
  for (let i = 0; i < n; i++) {
    s = (s + 0x9e3779b97f4a7c15n) & M;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
    z ^= z >> 31n;
    out[i] = Number(z >> 11n) / 2 ** 53;
  }
  return out;
}

function runNative(bin) {
  const timing = ['--target-ms', String(CFG.targetMs), '--warmup-ms', String(CFG.warmupMs), '--batches', String(CFG.batches)];
  const r = spawnSync(bin, [...timing, ...CASES.map(label)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`native perturb benchmark failed: ${r.stderr}`);
  return new Map(r.stdout.trim().split('\n').map((l) => JSON.parse(l)).map((j) => [j.case, j]));
}

async function main() {
  const lib = await import(pathToFileURL(join(root, 'dist', 'index.js')).href);
  await lib.init();
  const plain = await importTypeScript(root, 'bench/plain-perturb.ts');
  const bin = nativeBinary(root, 'perturb');
  const native = bin ? runNative(bin) : new Map();
  const results = [];
  for (const c of CASES) {
    const theta = uniforms(1, c.n).map((u) => 1 + u);
    const g = uniforms(2, c.n).map((u) => 2 * u - 1);
    const side = Math.round(Math.sqrt(c.n));
    const spec = c.oracle === 'argmax' ? 'argmax'
      : c.oracle === 'topk' ? { kind: 'top-k', k: Math.max(1, c.n / 10) }
        : { kind: 'shortest-path', rows: side, cols: side };
    const f = lib.perturbed(spec, { epsilon: EPS, samples: c.samples, seed: SEED, multiplicative: c.oracle === 'path' });
    const plainOracle = c.oracle === 'argmax' ? plain.argmax : c.oracle === 'topk' ? plain.topK(Math.max(1, c.n / 10)) : plain.shortestPath(side, side);
    const wasm = c.mode === 'fwd'
      ? () => { sink.value += f(theta)[0]; }
      : () => { const [y, pb] = f.vjp(theta); sink.value += y[0] + pb(g)[0]; };
    // The plain version always keeps its samples (that is how one writes it),
    // so its forward pass costs what its forward+backward needs.
    const ts = c.mode === 'fwd'
      ? () => { sink.value += plain.perturbedVjp(plainOracle, theta, EPS, c.samples, SEED).value[0]; }
      : () => { const r = plain.perturbedVjp(plainOracle, theta, EPS, c.samples, SEED); sink.value += r.value[0] + r.pullback(g)[0]; };
    const t = await timeInterleaved(CFG, { wasm: jsTimer(CFG, wasm), ts: jsTimer(CFG, ts) });
    const nat = native.get(label(c));
    const values = c.samples * c.n;
    const r = {
      ...c,
      wasm_ns: t.wasm.median_ns,
      native_ns: nat?.median_ns ?? null,
      ts_ns: t.ts.median_ns,
      wasm_over_native: nat ? t.wasm.median_ns / nat.median_ns : null,
      ts_over_wasm: t.ts.median_ns / t.wasm.median_ns,
      wasm_mvalues_per_s: (values / t.wasm.median_ns) * 1e3,
    };
    results.push(r);
    log(`[bench] ${label(c).padEnd(22)} wasm ${fmtTime(r.wasm_ns)}  native ${fmtTime(r.native_ns)}  ts ${fmtTime(r.ts_ns)}`);
  }
  console.log('\nperturbed optimizers — time per call (ratios from this run)');
  console.log(`${'case'.padEnd(24)}${'wasm'.padStart(11)}${'native'.padStart(11)}${'ts'.padStart(11)}${'wasm/nat'.padStart(10)}${'ts/wasm'.padStart(9)}${'M noise/s'.padStart(11)}`);
  for (const r of results) {
    console.log(`${label(r).padEnd(24)}${fmtTime(r.wasm_ns).padStart(11)}${fmtTime(r.native_ns).padStart(11)}${fmtTime(r.ts_ns).padStart(11)}${fmtRatio(r.wasm_over_native).padStart(10)}${fmtRatio(r.ts_over_wasm).padStart(9)}${r.wasm_mvalues_per_s.toFixed(1).padStart(11)}`);
  }
  const worstNative = Math.max(...results.map((r) => r.wasm_over_native ?? 0));
  const worstTs = Math.min(...results.map((r) => r.ts_over_wasm));
  console.log(`\ntargets: wasm within 1.3× of native (worst ${fmtRatio(worstNative)}×), ≥ 5× the TypeScript implementation (worst ${fmtRatio(worstTs)}×)`);
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, JSON.stringify({ machine: machine(), config: { ...CFG, epsilon: EPS, seed: SEED }, cases: results }, null, 2));
  log(`[bench] wrote ${OUT}`);
}

await main();
