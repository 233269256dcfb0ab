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
// (SplitMix64, see crates/native-bench/src/bin/native-bench-dtw.rs), cycled
// through fresh inputs; per case: calibrate each implementation, then
// `batches` interleaved batches (rotating order), median per-call CPU time
// (robust to other jobs on a shared machine; wall-clock medians are kept in
// the JSON too).
// wasm and native outputs are compared bit for bit (FNV-1a digest).
//
// Flags: --quick (smoke run, writes bench/results/latest-dtw-quick.json)
//        --filter STR (only cases whose label contains STR, e.g. "1024")
//        --out FILE (default bench/results/dtw.json)
//        --no-native, --no-ts (skip those columns)
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fmtRatio, fmtTime, importTypeScript, log, machine, median, nativeBinary, sink } from './lib/timing.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
};
const QUICK = flag('--quick');
const FILTER = option('--filter', '');
const OUT = option('--out', join(root, 'bench', 'results', QUICK ? 'latest-dtw-quick.json' : 'dtw.json'));
const BASELINE = join(root, 'bench', 'results', 'dtw.json');

const CFG = QUICK
  ? { targetMs: 40, warmupMs: 5, batches: 3, maxIters: 2000, inputs: 2, seed: 1, gamma: 1 }
  : { targetMs: 700, warmupMs: 40, batches: 7, maxIters: 100_000, inputs: 4, seed: 1, gamma: 1 };

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

// ---------------------------------------------------------------- inputs
// SplitMix64 on two uint32 halves (bit-identical to the Rust u64 version;
// checked against a BigInt version below).
const C_INC = [0x9e3779b9, 0x7f4a7c15];
const C_M1 = [0xbf58476d, 0x1ce4e5b9];
const C_M2 = [0x94d049bb, 0x133111eb];

function mulhi32(a, b) {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) >>> 0;
}

class SplitMix64 {
  constructor(seed) {
    const s = BigInt.asUintN(64, BigInt(seed));
    this.hi = Number(s >> 32n);
    this.lo = Number(s & 0xffffffffn);
    this.zh = 0;
    this.zl = 0;
  }
  // z = (zh, zl) * (mh, ml) mod 2^64
  mul(mh, ml) {
    const { zh, zl } = this;
    const lo = Math.imul(zl, ml) >>> 0;
    const hi = (mulhi32(zl, ml) + Math.imul(zl, mh) + Math.imul(zh, ml)) >>> 0;
    this.zh = hi;
    this.zl = lo;
  }
  // z ^= z >> k, 0 < k < 32
  xorshr(k) {
    const { zh, zl } = this;
    this.zl = (zl ^ ((zl >>> k) | (zh << (32 - k)))) >>> 0;
    this.zh = (zh ^ (zh >>> k)) >>> 0;
  }
  /** Advances and leaves the output in (zh, zl). */
  step() {
    const lo = this.lo + C_INC[1];
    this.lo = lo >>> 0;
    this.hi = (this.hi + C_INC[0] + (lo > 0xffffffff ? 1 : 0)) >>> 0;
    this.zh = this.hi;
    this.zl = this.lo;
    this.xorshr(30);
    this.mul(C_M1[0], C_M1[1]);
    this.xorshr(27);
    this.mul(C_M2[0], C_M2[1]);
    this.xorshr(31);
  }
  next64() {
    this.step();
    return (BigInt(this.zh) << 32n) | BigInt(this.zl);
  }
  uniform() {
    this.step();
    return (this.zh * 2097152 + (this.zl >>> 11)) * 2 ** -53; // (z >> 11) · 2^-53
  }
}

function checkPrng() {
  const M = (1n << 64n) - 1n;
  let state = 12345678901234567n;
  const r = new SplitMix64(state);
  for (let i = 0; i < 2000; i++) {
    state = (state + 0x9e3779b97f4a7c15n) & M;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
    z = z ^ (z >> 31n);
    if (r.next64() !== z) throw new Error(`PRNG self-check failed at step ${i}`);
  }
}


/** Frames x = (u1+u2+u3+u4 − 2)·√3, as native-bench-dtw generates them. */
function gen(seed, len) {
  const r = new SplitMix64(BigInt(seed));
  const scale = Math.sqrt(3);
  const x = new Float64Array(len);
  for (let i = 0; i < len; i++) {
    const s = r.uniform() + r.uniform() + r.uniform() + r.uniform();
    x[i] = (s - 2) * scale;
  }
  return x;
}

function inputsOf(c) {
  const [lx, ly] = c.op === 'pairwise' ? [c.m * c.n * c.d, c.m * c.n * c.d] : [c.m * c.d, c.n * c.d];
  return Array.from({ length: CFG.inputs }, (_, k) => ({
    x: gen(CFG.seed + 1000 * k, lx),
    y: gen(CFG.seed + 1000 * k + 500, ly),
  }));
}

// ---------------------------------------------------------------- timing
// CPU-time variants of bench/lib/timing.mjs's jsTimer / timeInterleaved: on a
// machine shared with other jobs, CPU time per call is far steadier than wall
// time (both are recorded).

/**
 * A synchronous implementation under test: `call(k)` runs once on input k.
 * `calibrate` warms it up and returns an estimate of one call (ns);
 * `run(k)` times k calls and returns the mean ns per call.
 */
function jsTimer(call) {
  let i = 0;
  return {
    async calibrate() {
      let t0 = performance.now();
      do call(i++ % CFG.inputs);
      while (i < 2 || performance.now() - t0 < CFG.warmupMs);
      // Estimate on warmed-up code (the warm-up includes JIT compilation).
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
      const c = process.cpuUsage();
      for (let q = 0; q < k; q++) call(i++ % CFG.inputs);
      const wall = ((performance.now() - t) * 1e6) / k;
      const u = process.cpuUsage(c);
      return { wall, cpu: ((u.user + u.system) * 1e3) / k };
    },
  };
}

/**
 * Times several implementations of one case: calibrate each, then `batches`
 * rounds in which every implementation runs one batch (order rotated each
 * round). Returns, per name, { median_ns, iters, per_batch_ns }.
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
  // CPU time per call is the primary measure (robust to other jobs sharing
  // the machine); wall time is kept alongside.
  const round = (t) => Math.round(t * 10) / 10;
  return Object.fromEntries(names.map((n) => [n, {
    median_ns: median(times[n].map((t) => t.cpu)),
    median_wall_ns: median(times[n].map((t) => t.wall)),
    iters: k[n] * CFG.batches,
    per_batch_ns: times[n].map((t) => round(t.cpu)),
    per_batch_wall_ns: times[n].map((t) => round(t.wall)),
  }]));
}


/**
 * Σ of outputs and a digest of their bits (FNV-1a, 32-bit, over the low then
 * high word of each f64), as crates/native-bench computes them.
 */
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

/** The native benchmark in --serve mode: one request line, one reply line. */
class NativeServer {
  constructor(bin) {
    const args = ['--serve', '--warmup-ms', String(CFG.warmupMs), '--inputs', String(CFG.inputs), '--seed', String(CFG.seed), '--gamma', String(CFG.gamma)];
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
      async calibrate() {
        const r = JSON.parse(await self.request(`case ${c.op} ${c.mode} ${c.m} ${c.n} ${c.d}`));
        if (r.error) throw new Error(`native benchmark: ${r.error}`);
        this.checksum = r.checksum;
        this.digest = r.digest;
        return r.per_call_ns;
      },
      async run(k) {
        const [wall, cpu] = (await self.request(`run ${k}`)).split(/\s+/).map(Number);
        return { wall, cpu: Number.isFinite(cpu) ? cpu : wall };
      },
    };
  }
  close() {
    this.child.stdin.end();
  }
}

function toolVersion(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
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

/** The wasm exports called directly (own instance; inputs already in wasm memory). */
class Kernel {
  constructor(file) {
    this.ex = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), {}).exports;
    this.held = [];
  }
  alloc(bytes) {
    const p = this.ex.diffopt_alloc(Math.max(bytes, 8));
    if (!p) throw new Error('kernel bench: wasm alloc failed');
    this.held.push([p, Math.max(bytes, 8)]);
    return p;
  }
  release() {
    for (const [p, b] of this.held) this.ex.diffopt_free(p, b);
    this.held = [];
  }
  prepare(c, inputs) {
    const ex = this.ex;
    const px = inputs.map((i) => this.alloc(i.x.length * 8));
    const py = inputs.map((i) => this.alloc(i.y.length * 8));
    const lx = inputs[0].x.length, ly = inputs[0].y.length;
    const value = this.alloc(8), gx = this.alloc(lx * 8), gy = this.alloc(ly * 8);
    const lens = this.alloc(c.m * 4), out = this.alloc(c.m * c.m * 8);
    const mem = ex.memory.buffer;
    inputs.forEach((inp, k) => {
      new Float64Array(mem, px[k], lx).set(inp.x);
      new Float64Array(mem, py[k], ly).set(inp.y);
    });
    new Uint32Array(mem, lens, c.m).fill(c.n);
    const fail = () => { throw new Error('kernel failed'); };
    if (c.op === 'pairwise') {
      return (k) => { if (ex.dtw_pairwise(0, 0, CFG.gamma, -1, px[k], lens, c.m, py[k], lens, c.m, c.d, out) !== 0) fail(); };
    }
    const op = c.op === 'sdtw' ? 0 : 1;
    const [g1, g2] = c.mode === 'grad' ? [gx, gy] : [0, 0];
    return (k) => { if (ex.dtw_pair(op, 0, CFG.gamma, -1, px[k], c.m, py[k], c.n, c.d, value, g1, g2, 0) !== 0) fail(); };
  }
}

// ---------------------------------------------------------------- main
async function main() {
  checkPrng();
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
  const plain = flag('--no-ts') ? null : await importTypeScript(root, 'bench/plain-dtw.ts');
  if (plain) log(`[bench] plain-dtw.ts agrees with diffopt to 1e-9 on ${checkPlain(lib, plain)} cases`);

  const selected = CASES.filter((c) => label(c).includes(FILTER));
  if (!selected.length) {
    log(`[bench] no case matches --filter ${JSON.stringify(FILTER)}`);
    process.exit(1);
  }
  let native = null;
  if (!flag('--no-native')) {
    const bin = nativeBinary(root, 'native-bench-dtw');
    if (bin) native = new NativeServer(bin);
    else log('[bench] warning: no native benchmark binary; the native column stays empty');
  }
  const kernel = new Kernel(wasmFile);

  const t0 = performance.now();
  const results = [];
  const checksumIssues = [];
  for (const c of selected) {
    const inputs = inputsOf(c);
    const api = inputs.map((inp) => apiCall(lib, c, inp));
    // Checksum and digest as the native side computes them, over the inputs in order.
    const check = new Check();
    for (const f of api) for (const a of f()) check.eat(a);
    const { checksum, digest } = check;
    const timers = {};
    if (native) timers.native = native.timer(c);
    timers.kernel = jsTimer(kernel.prepare(c, inputs));
    timers.wasm = jsTimer((k) => { sink.value += api[k]()[0][0]; });
    if (plain) {
      const ts = inputs.map((inp) => plainCall(plain, c, inp));
      timers.ts = jsTimer((k) => { sink.value += ts[k]()[0][0]; });
    }
    const t = await timeInterleaved(timers);
    kernel.release();
    if (native && timers.native.digest !== digest) {
      checksumIssues.push(`${label(c)}: wasm Σ ${checksum} digest ${digest} vs native Σ ${timers.native.checksum} digest ${timers.native.digest}`);
    }
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
      checksum,
      digest,
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

  let baseline = null;
  try {
    if (existsSync(BASELINE)) baseline = JSON.parse(readFileSync(BASELINE, 'utf8'));
  } catch {
    baseline = null;
  }
  const baseOf = (c) => baseline?.cases?.find((b) => b.label === label(c)) ?? null;

  printTable(results, baseOf);
  const targets = evaluateTargets(results);
  printTargets(targets);
  if (checksumIssues.length) {
    log(`\n[bench] WARNING: wasm and native outputs are not bit-identical:\n  ${checksumIssues.join('\n  ')}`);
  } else if (native) {
    log('\n[bench] wasm and native outputs are bit-identical on every case (FNV-1a digests agree)');
  }
  if (sink.value === 42.4242) log('');

  const report = {
    benchmark: 'dtw',
    date: new Date().toISOString(),
    quick: QUICK,
    filter: FILTER || null,
    machine: {
      ...machine(),
      memory_gb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      v8: process.versions.v8,
      rustc_native: toolVersion(join(os.homedir(), '.cargo', 'bin', 'rustc'), ['--version']) ?? toolVersion('rustc', ['--version']),
      loadavg_at_end: os.loadavg().map((l) => Math.round(l * 100) / 100),
    },
    config: { ...CFG, cost: 'sqeuclidean', timing: 'per case: calibrate each implementation, then `batches` interleaved batches (rotating order); median CPU ns per call (thread CPU time natively, process.cpuUsage in JS); wall-clock medians in *_wall_ns', input: 'x = (u1+u2+u3+u4-2)*sqrt(3), X from SplitMix64(seed + 1000k), Y from seed + 1000k + 500' },
    wasm_bytes: statSync(wasmFile).size,
    stale_build: stale,
    js_seconds: Math.round(jsSeconds * 10) / 10,
    targets,
    cases: results,
    checksum_mismatches: checksumIssues,
  };
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, JSON.stringify(report, null, 1) + '\n');
  log(`[bench] wrote ${relative(process.cwd(), OUT) || OUT}`);
}

// ---------------------------------------------------------------- report
const fmtRate = (r) => (r == null ? '—' : r.toFixed(1));

function printTable(results, baseOf) {
  const head = ['case', 'wasm', 'native', 'ts', 'wasm Mc/s', 'native Mc/s', 'ts Mc/s', 'wasm/nat', 'kern/nat', 'ts/wasm', 'vs ref', 'vs base'];
  const rows = results.map((r) => {
    const b = baseOf(r);
    return [
      r.label, fmtTime(r.wasm_ns), fmtTime(r.native_ns), fmtTime(r.ts_ns), fmtRate(r.wasm_mcells_per_s), fmtRate(r.native_mcells_per_s),
      fmtRate(r.ts_mcells_per_s), fmtRatio(r.wasm_over_native), fmtRatio(r.kernel_over_native), fmtRatio(r.ts_over_wasm),
      r.wasm_over_reference ? `${fmtRatio(r.wasm_over_reference)}x` : '—', b ? fmtRatio(r.wasm_ns / b.wasm_ns) : '—',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log('');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  console.log('\nTimes are median CPU time per call. Mc/s: million cells (m·n per pair) per CPU second. wasm/nat: public API ÷ the same kernels native (1 = parity);');
  console.log('kern/nat: the wasm export called directly ÷ native; ts/wasm: speedup over plain TypeScript; vs ref: cells/s ÷ the');
  console.log("fastest reference's on this kind of machine (issue: numba 47/76 ms, divergence 154/209 ms at 1024², d = 1); vs base:");
  console.log('wasm ÷ the committed bench/results/dtw.json.');
}

function evaluateTargets(results) {
  const out = [];
  const pick = (rs, key, worstIsMax) => rs.reduce((a, b) => ((worstIsMax ? b[key] > a[key] : b[key] < a[key]) ? b : a));
  const nat = results.filter((r) => r.wasm_over_native != null);
  if (nat.length) {
    const worst = pick(nat, 'wasm_over_native', true);
    out.push({
      target: 'wasm within 1.3x of native (every case)', limit: 1.3,
      pass: nat.every((r) => r.wasm_over_native <= 1.3),
      worst: { case: worst.label, value: worst.wasm_over_native },
      failing: nat.filter((r) => r.wasm_over_native > 1.3).map((r) => `${r.label}: ${r.wasm_over_native.toFixed(2)}`),
    });
  }
  const ts = results.filter((r) => r.ts_over_wasm != null);
  if (ts.length) {
    const worst = pick(ts, 'ts_over_wasm', false);
    out.push({
      target: '>= 5x faster than plain TypeScript (every case)', limit: 5,
      pass: ts.every((r) => r.ts_over_wasm >= 5),
      worst: { case: worst.label, value: worst.ts_over_wasm },
      failing: ts.filter((r) => r.ts_over_wasm < 5).map((r) => `${r.label}: ${r.ts_over_wasm.toFixed(2)}`),
    });
  }
  const ref = results.filter((r) => r.wasm_over_reference != null);
  if (ref.length) {
    const worst = pick(ref, 'wasm_over_reference', false);
    out.push({
      target: '>= 2x the cells/s of the fastest reference at 1024x1024, d = 1', limit: 2,
      pass: ref.every((r) => r.wasm_over_reference >= 2),
      worst: { case: worst.label, value: worst.wasm_over_reference },
      failing: ref.filter((r) => r.wasm_over_reference < 2).map((r) => `${r.label}: ${r.wasm_over_reference.toFixed(2)}`),
    });
  }
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
