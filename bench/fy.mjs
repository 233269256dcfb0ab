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
// Same inputs everywhere (SplitMix64; see native-bench-fy.rs), 8 fresh
// inputs cycled per case; wasm and native outputs must agree bit for bit
// (an FNV-1a digest of the output bits).
//
// Flags: --quick (short smoke run; writes bench/results/latest-fy-quick.json)
//        --filter STR (cases whose label contains STR, e.g. "entmax15 fwdbwd")
//        --out FILE (default bench/results/fy.json)
//        --no-native, --no-ts
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
};
const QUICK = flag('--quick');
const FILTER = option('--filter', '');
const OUT = option('--out', join(root, 'bench', 'results', QUICK ? 'latest-fy-quick.json' : 'fy.json'));
const BASELINE = join(root, 'bench', 'results', 'fy.json');

const CFG = QUICK
  ? { targetMs: 30, warmupMs: 10, batches: 3, maxIters: 2000, inputs: 4, seed: 1 }
  : { targetMs: 400, warmupMs: 60, batches: 7, maxIters: 1_000_000, inputs: 8, seed: 1 };
const SIZES = [[1, 1000], [128, 1000], [1024, 1000]];
const MAPS = ['softmax', 'sparsemax', 'entmax15'];
const MODES = ['fwd', 'fwdbwd'];
const API = { softmax: ['softmax', undefined], sparsemax: ['sparsemax', undefined], entmax15: ['entmax', { alpha: 1.5 }] };
const MAP_CODE = { softmax: 0, sparsemax: 1, entmax15: 2 };

const log = (...a) => console.error(...a);
const label = (c) => `${c.map} ${c.mode} ${c.rows}x${c.n}`;

// ---------------------------------------------------------------- inputs
// SplitMix64 with BigInt (input generation is outside the timed region).
const M64 = (1n << 64n) - 1n;
class SplitMix64 {
  constructor(seed) {
    this.s = BigInt.asUintN(64, BigInt(seed));
  }
  uniform() {
    this.s = (this.s + 0x9e3779b97f4a7c15n) & M64;
    let z = this.s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
    z ^= z >> 31n;
    return Number(z >> 11n) * 2 ** -53;
  }
}

/** Logits x = (u₁+u₂+u₃+u₄ − 2)·√3 (mean 0, variance 1), as native-bench-fy. */
function genX(seed, k, len) {
  const r = new SplitMix64(seed + 1000 * k);
  const out = new Float64Array(len);
  const scale = Math.sqrt(3);
  for (let i = 0; i < len; i++) out[i] = (r.uniform() + r.uniform() + r.uniform() + r.uniform() - 2) * scale;
  return out;
}

function genG(seed, k, len) {
  const r = new SplitMix64(seed + 1000 * k + 500);
  const out = new Float64Array(len);
  for (let i = 0; i < len; i++) out[i] = 2 * r.uniform() - 1;
  return out;
}

// ---------------------------------------------------------------- timing
let sink = 0;

/** A synchronous implementation under test: `call(k)` runs it on input k. */
function jsTimer(call) {
  let i = 0;
  return {
    async calibrate() {
      let t0 = performance.now();
      do call(i++ % CFG.inputs);
      while (i < 2 || performance.now() - t0 < CFG.warmupMs);
      let j = 0;
      t0 = performance.now();
      do {
        call(i++ % CFG.inputs);
        j++;
      } while (performance.now() - t0 < Math.min(10, CFG.targetMs / CFG.batches));
      return ((performance.now() - t0) * 1e6) / j;
    },
    async run(k) {
      const t = performance.now();
      for (let q = 0; q < k; q++) call(i++ % CFG.inputs);
      return ((performance.now() - t) * 1e6) / k;
    },
  };
}

/**
 * Times several implementations of one case: calibrate each, then `batches`
 * rounds in which every implementation runs one batch (order rotated), so
 * load changes on the machine hit every column alike.
 */
async function timeInterleaved(timers) {
  const names = Object.keys(timers);
  const k = {};
  for (const name of names) {
    const est = await timers[name].calibrate();
    k[name] = Math.min(Math.max(1, Math.ceil((CFG.targetMs * 1e6) / CFG.batches / est)), Math.max(1, Math.floor(CFG.maxIters / CFG.batches)));
  }
  const times = Object.fromEntries(names.map((n) => [n, []]));
  for (let b = 0; b < CFG.batches; b++) {
    for (let q = 0; q < names.length; q++) {
      const name = names[(b + q) % names.length];
      times[name].push(await timers[name].run(k[name]));
    }
  }
  return Object.fromEntries(names.map((n) => [n, {
    median_ns: median(times[n]),
    iters: k[n] * CFG.batches,
    per_batch_ns: times[n].map((t) => Math.round(t * 10) / 10),
  }]));
}

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

/** Σ of outputs and the FNV-1a digest of their bits, as native-bench-fy. */
class Check {
  checksum = 0;
  digest = 0x811c9dc5;
  eat(a) {
    const words = new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
    let h = this.digest;
    for (let i = 0; i < a.length; i++) {
      this.checksum += a[i];
      h = Math.imul(h ^ words[2 * i], 0x01000193) >>> 0;
      h = Math.imul(h ^ words[2 * i + 1], 0x01000193) >>> 0;
    }
    this.digest = h;
  }
}

// ---------------------------------------------------------------- setup
function newestMtime(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

function findCargo() {
  // rustup's cargo: the Debian /usr/bin/cargo is the wasm toolchain.
  const cands = [process.env.CARGO, join(os.homedir(), '.cargo', 'bin', 'cargo')];
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    if (d && d !== '/usr/bin' && d !== '/bin') cands.push(join(d, 'cargo'));
  }
  return cands.find((c) => c && existsSync(c)) ?? null;
}

function nativeBinary() {
  const bin = join(root, 'target', 'release', process.platform === 'win32' ? 'native-bench-fy.exe' : 'native-bench-fy');
  const cargo = findCargo();
  if (cargo) {
    log(`[bench] building crates/native-bench bin native-bench-fy (${cargo} build --release)`);
    const r = spawnSync(cargo, ['build', '--release', '-p', 'diffopt-native-bench', '--bin', 'native-bench-fy'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) log('[bench] warning: building the native benchmark failed');
  } else {
    log('[bench] warning: no rustup cargo found; using an existing native binary if any');
  }
  return existsSync(bin) ? bin : null;
}

/** native-bench-fy --serve: one request line, one reply line. */
class NativeServer {
  constructor(bin) {
    const args = ['--serve', '--warmup-ms', String(CFG.warmupMs), '--inputs', String(CFG.inputs), '--seed', String(CFG.seed)];
    this.child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    this.buffer = '';
    this.waiting = [];
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk) => {
      this.buffer += chunk;
      let i;
      while ((i = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 1);
        this.waiting.shift()?.resolve(line);
      }
    });
    this.child.on('exit', (code) => {
      for (const w of this.waiting.splice(0)) w.reject(new Error(`native benchmark exited (${code})`));
    });
  }
  request(line) {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(`${line}\n`);
    });
  }
  timer(c) {
    const self = this;
    return {
      checksum: null,
      digest: null,
      async calibrate() {
        const r = JSON.parse(await self.request(`case ${c.map} ${c.mode} ${c.rows} ${c.n}`));
        if (r.error) throw new Error(`native benchmark: ${r.error}`);
        this.checksum = r.checksum;
        this.digest = r.digest;
        return r.per_call_ns;
      },
      async run(k) {
        return Number(await self.request(`run ${k}`));
      },
    };
  }
  close() {
    this.child.stdin.end();
  }
}

async function compilePlain() {
  const esbuild = await import('esbuild');
  const dir = mkdtempSync(join(os.tmpdir(), 'diffopt-bench-'));
  const outfile = join(dir, 'plain-fy.mjs');
  await esbuild.build({
    entryPoints: [join(root, 'bench', 'plain-fy.ts')],
    outfile, format: 'esm', platform: 'node', target: 'node18', bundle: false, logLevel: 'warning',
  });
  const mod = await import(pathToFileURL(outfile).href);
  rmSync(dir, { recursive: true, force: true });
  return mod;
}

function toolVersion(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function close(a, b, tol = 1e-9) {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])))) return `[${i}] ${a[i]} vs ${b[i]}`;
  }
  return null;
}

/** The plain TS implementation must agree with diffopt before it is timed. */
function checkPlain(lib, plain) {
  const inputs = [
    [Float64Array.from([1, 3, 1, -2, 3, 0, -0, 2, 2, 0.5]), [1, 10]],
    [genX(7, 0, 150), [3, 50]],
    [genX(7, 1, 1000), [1, 1000]],
    [genX(7, 2, 4000).map((v) => v * 30), [4, 1000]],
  ];
  let checked = 0;
  for (const [x, shape] of inputs) {
    const g = genG(7, 3, x.length);
    for (const map of MAPS) {
      const [name, opts] = API[map];
      const o = { ...opts, shape };
      const [v1, pb1] = lib[name].vjp(x, o);
      const [v2, pb2] = plain[name].vjp(x, { shape });
      const bad = close(v2, v1) ?? close(pb2(g), pb1(g));
      if (bad) throw new Error(`plain-fy.ts disagrees with diffopt: ${map} n=${x.length}: ${bad}`);
      checked++;
    }
  }
  return checked;
}

// ---------------------------------------------------------------- raw kernel
/** The wasm kernels called directly: own instance, inputs already in wasm memory. */
class Kernel {
  constructor(file) {
    this.ex = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), {}).exports;
    this.held = [];
  }
  alloc(bytes) {
    const p = this.ex.diffopt_alloc(bytes);
    if (!p) throw new Error('kernel bench: wasm alloc failed');
    this.held.push([p, bytes]);
    return p;
  }
  release() {
    for (const [p, b] of this.held) this.ex.diffopt_free(p, b);
    this.held = [];
  }
  prepare(c, xs, gs) {
    const { rows, n } = c;
    const t = rows * n;
    const code = MAP_CODE[c.map];
    const px = xs.map(() => this.alloc(t * 8));
    const pg = gs.map(() => this.alloc(t * 8));
    const out = this.alloc(t * 8);
    const grad = this.alloc(t * 8);
    const mem = this.ex.memory.buffer;
    xs.forEach((x, k) => new Float64Array(mem, px[k], t).set(x));
    gs.forEach((g, k) => new Float64Array(mem, pg[k], t).set(g));
    const ex = this.ex;
    const bwd = c.mode === 'fwdbwd';
    return (k) => {
      if (ex.fy_map_forward(code, 1.5, px[k], rows, n, out) !== 0) throw new Error('kernel failed');
      if (bwd && ex.fy_map_backward(code, 1.5, out, pg[k], rows, n, grad) !== 0) throw new Error('kernel failed');
    };
  }
}

// ---------------------------------------------------------------- main
async function main() {
  const distIndex = join(root, 'dist', 'index.js');
  const wasmFile = join(root, 'dist', 'diffopt.wasm');
  if (!existsSync(distIndex) || !existsSync(wasmFile)) {
    log('[bench] dist/index.js missing: run `npm run build` first');
    process.exit(1);
  }
  const stale = [];
  if (statSync(wasmFile).mtimeMs < Math.max(newestMtime(join(root, 'crates', 'core', 'src')), newestMtime(join(root, 'crates', 'wasm', 'src')))) {
    stale.push('dist/diffopt.wasm is older than crates/{core,wasm}/src');
  }
  if (statSync(distIndex).mtimeMs < Math.max(newestMtime(join(root, 'ts')), statSync(wasmFile).mtimeMs)) {
    stale.push('dist/index.js is older than ts/ or dist/diffopt.wasm');
  }
  for (const s of stale) log(`[bench] WARNING: ${s}; rebuild with \`npm run build\` or the numbers are not of this tree`);

  const lib = await import(pathToFileURL(distIndex).href);
  await lib.init();
  const plain = flag('--no-ts') ? null : await compilePlain();
  if (plain) log(`[bench] plain-fy.ts agrees with diffopt to 1e-9 on ${checkPlain(lib, plain)} map/input combinations`);

  const cases = [];
  for (const [rows, n] of SIZES) for (const map of MAPS) for (const mode of MODES) cases.push({ map, mode, rows, n });
  const selected = cases.filter((c) => label(c).includes(FILTER));
  if (!selected.length) {
    log(`[bench] no case matches --filter ${JSON.stringify(FILTER)}`);
    process.exit(1);
  }
  let native = null;
  if (!flag('--no-native')) {
    const bin = nativeBinary();
    if (bin) native = new NativeServer(bin);
    else log('[bench] warning: no native benchmark binary; the native column stays empty');
  }
  const kernel = new Kernel(wasmFile);

  const t0 = performance.now();
  const results = [];
  const issues = [];
  for (const [rows, n] of SIZES) {
    const here = selected.filter((c) => c.rows === rows && c.n === n);
    if (!here.length) continue;
    const len = rows * n;
    const xs = Array.from({ length: CFG.inputs }, (_, k) => genX(CFG.seed, k, len));
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
          sink += v[0] + pullback(gs[k])[0];
        }
        : (k) => { sink += impl[name](xs[k], opts)[0]; });
      const zcopy = bwd
        ? (k) => {
          const [, pullback] = lib[name].vjp(wxs[k], zopts);
          pullback(wgs[k], { out: wgrad });
        }
        : (k) => { lib[name](wxs[k], zopts); };
      // Same digest as the native side, over the API's outputs.
      const check = new Check();
      for (let k = 0; k < CFG.inputs; k++) {
        if (bwd) {
          const [v, pullback] = lib[name].vjp(xs[k], opts);
          check.eat(v);
          check.eat(pullback(gs[k]));
        } else {
          check.eat(lib[name](xs[k], opts));
        }
      }
      const timers = { api: jsTimer(api(lib)), zcopy: jsTimer(zcopy), kernel: jsTimer(kernel.prepare(c, xs, gs)) };
      const nat = native ? native.timer(c) : null;
      if (nat) timers.native = nat;
      if (plain) timers.ts = jsTimer(api(plain));
      const t = await timeInterleaved(timers);
      kernel.release();
      if (nat && (nat.digest !== check.digest)) {
        issues.push(`${label(c)}: wasm digest ${check.digest} (Σ ${check.checksum}) vs native ${nat.digest} (Σ ${nat.checksum})`);
      }
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
        digest: check.digest,
      };
      results.push(r);
      log(`[bench] ${label(c).padEnd(26)} api ${fmtTime(r.api_ns)}  zero-copy ${fmtTime(r.zcopy_ns)}  kernel ${fmtTime(r.kernel_ns)}  native ${fmtTime(r.native_ns)}  ts ${fmtTime(r.ts_ns)}`);
    }
    for (const w of [...wxs, ...wgs, wv, wgrad]) w.free();
  }
  native?.close();
  const jsSeconds = (performance.now() - t0) / 1e3;

  let baseline = null;
  try {
    if (existsSync(BASELINE)) baseline = JSON.parse(readFileSync(BASELINE, 'utf8'));
  } catch {
    baseline = null;
  }
  const baseOf = (c) => baseline?.cases?.find((b) => b.map === c.map && b.mode === c.mode && b.rows === c.rows && b.n === c.n) ?? null;
  printTable(results, baseOf);
  const targets = evaluateTargets(results);
  printTargets(targets);
  if (issues.length) log(`\n[bench] WARNING: wasm and native outputs differ:\n  ${issues.join('\n  ')}`);
  else if (native) log('\n[bench] wasm and native outputs are bit-identical on every case (FNV-1a digests agree)');
  if (sink === 42.4242) log('');

  const cpus = os.cpus();
  const report = {
    benchmark: 'fy',
    date: new Date().toISOString(),
    quick: QUICK,
    filter: FILTER || null,
    machine: {
      cpu: cpus[0]?.model ?? null,
      cores: cpus.length,
      memory_gb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      node: process.versions.node,
      v8: process.versions.v8,
      rustc_native: toolVersion(join(os.homedir(), '.cargo', 'bin', 'rustc'), ['--version']) ?? toolVersion('rustc', ['--version']),
      loadavg_at_end: os.loadavg().map((l) => Math.round(l * 100) / 100),
    },
    config: { ...CFG, sizes: SIZES, input: 'x = (u1+u2+u3+u4-2)*sqrt(3), g = 2u-1, u from SplitMix64(seed + 1000k [+500])' },
    wasm_bytes: statSync(wasmFile).size,
    stale_build: stale,
    js_seconds: Math.round(jsSeconds * 10) / 10,
    targets,
    cases: results,
    digest_mismatches: issues,
  };
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, JSON.stringify(report, null, 1) + '\n');
  log(`\n[bench] wrote ${relative(process.cwd(), OUT) || OUT}`);
}

// ---------------------------------------------------------------- report
function fmtTime(ns) {
  if (ns == null) return '—';
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(ns < 1e4 ? 2 : 1)} µs`;
  return `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)} ms`;
}
const fmtRatio = (r) => (r == null ? '—' : r >= 100 ? r.toFixed(0) : r.toFixed(2));

function printTable(results, baseOf) {
  const head = ['case', 'api', 'zero-copy', 'kernel', 'native', 'zc/nat', 'api/nat', 'ts', 'ts/api', 'Melem/s zc', 'vs base'];
  const rows = results.map((r) => {
    const b = baseOf(r);
    return [
      label(r), fmtTime(r.api_ns), fmtTime(r.zcopy_ns), fmtTime(r.kernel_ns), fmtTime(r.native_ns),
      fmtRatio(r.zcopy_over_native), fmtRatio(r.api_over_native), fmtTime(r.ts_ns), fmtRatio(r.ts_over_api),
      r.melem_per_s.zcopy.toFixed(1), b ? fmtRatio(r.zcopy_ns / b.zcopy_ns) : '—',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log('');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  let prev = null;
  for (let i = 0; i < rows.length; i++) {
    const size = `${results[i].rows}x${results[i].n}`;
    if (prev !== null && size !== prev) console.log('');
    prev = size;
    console.log(line(rows[i]));
  }
  console.log('\napi: public API with Float64Array in/out (copies in and out of wasm); zero-copy: the same API on WasmArrays;');
  console.log('kernel: the wasm kernels called directly; zc/nat, api/nat: ÷ native; ts/api: plain TypeScript ÷ api;');
  console.log('Melem/s zc: elements per second through the zero-copy API; vs base: zero-copy ÷ the baseline JSON.');
}

function evaluateTargets(results) {
  const out = [];
  const main = results.filter((r) => r.rows === 1024 && r.n === 1000 && r.mode === 'fwdbwd');
  const add = (target, limit, rows, key, cmp) => {
    const rs = rows.filter((r) => r[key] != null);
    if (!rs.length) return;
    const worst = rs.reduce((a, b) => (cmp(b[key], a[key]) ? a : b));
    out.push({
      target, limit,
      pass: rs.every((r) => cmp(r[key], limit)),
      worst: { case: label(worst), value: worst[key] },
      failing: rs.filter((r) => !cmp(r[key], limit)).map((r) => `${label(r)}: ${r[key].toFixed(2)}`),
    });
  };
  const le = (a, b) => a <= b;
  const ge = (a, b) => a >= b;
  add('zero-copy wasm within 1.3x of native at 1024x1000 forward+vjp', 1.3, main, 'zcopy_over_native', le);
  add('>= 3x faster than plain TS at 1024x1000 forward+vjp (Float64Array API, copies included)', 3, main, 'ts_over_api', ge);
  add('(info) zero-copy wasm within 1.3x of native, every case', 1.3, results, 'zcopy_over_native', le);
  add('(info) Float64Array API within 1.3x of native, every case', 1.3, results, 'api_over_native', le);
  return out;
}

function printTargets(targets) {
  console.log('');
  for (const t of targets) {
    console.log(`${t.pass ? 'PASS' : 'MISS'}  ${t.target}  (worst: ${t.worst.case} = ${t.worst.value.toFixed(2)})`);
    for (const f of t.failing) console.log(`        ${f}`);
  }
}

main().catch((err) => {
  console.error(err?.stack ?? err);
  process.exit(1);
});
