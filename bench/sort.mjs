// Benchmark of the sorting/ranking family (npm run bench).
//
// In one process run, for soft rank and soft sort × L2/KL × forward and
// forward+backward (value + vjp pullback of a cotangent) × several batch
// shapes, it times five implementations of the same work:
//   wasm    diffopt's public API (dist/index.js) on the whole batch (`shape`)
//   kernel  the wasm exports called directly on data already in wasm memory
//           (no JS-side checks or copies): wasm/kernel is the API's cost
//   native  the same core kernels compiled natively (crates/native-bench, a
//           child process in --serve mode, built first with rustup's cargo)
//   ts      bench/plain-sort.ts, a straightforward TypeScript implementation
//           (compiled here with esbuild), row by row
//   tsort   V8's Float64Array.prototype.sort of the same rows (copy + sort)
// and prints ratios (wasm/native, ts/wasm, wasm/tsort) and wasm throughput.
//
// Inputs are the same on every side (SplitMix64, see
// crates/native-bench/src/main.rs), 8 fresh inputs cycled per case; the
// native checksum of the outputs must equal the wasm one. Timing, per case:
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
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
const OUT = option('--out', join(root, 'bench', 'results', QUICK ? 'latest-sort-quick.json' : 'sort.json'));
const BASELINE = join(root, 'bench', 'results', 'sort.json');
const COMPARE = option('--compare', null);

// targetMs: timed work per implementation and case, split into `batches`.
const CFG = QUICK
  ? { targetMs: 15, warmupMs: 5, batches: 3, maxIters: 2000, inputs: 8, seed: 1, strength: 1 }
  : { targetMs: 200, warmupMs: 30, batches: 20, maxIters: 1_000_000, inputs: 8, seed: 1, strength: 1 };
const SIZES = [[1, 100], [1, 1000], [1, 10000], [128, 100], [128, 1000]];
const OPS = ['rank', 'sort'];
const REGS = ['l2', 'kl'];
const MODES = ['fwd', 'fwdbwd'];

const log = (...a) => console.error(...a);
const label = (c) => `${c.op} ${c.reg} ${c.mode} ${c.rows}x${c.n}`;

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

function genX(seed, k, len, n) {
  const r = new SplitMix64(BigInt(seed) + 1000n * BigInt(k));
  const scale = n / 2;
  const x = new Float64Array(len);
  for (let i = 0; i < len; i++) {
    const s = r.uniform() + r.uniform() + r.uniform() + r.uniform();
    x[i] = (s - 2) * scale;
  }
  return x;
}

function genG(seed, k, len) {
  const r = new SplitMix64(BigInt(seed) + 1000n * BigInt(k) + 500n);
  const g = new Float64Array(len);
  for (let i = 0; i < len; i++) g[i] = 2 * r.uniform() - 1;
  return g;
}

// ---------------------------------------------------------------- timing
let sink = 0;

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
      for (let q = 0; q < k; q++) call(i++ % CFG.inputs);
      return ((performance.now() - t) * 1e6) / k;
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
  return Object.fromEntries(names.map((n) => [n, {
    median_ns: median(times[n]),
    iters: k[n] * CFG.batches,
    per_batch_ns: times[n].map((t) => Math.round(t * 10) / 10), // in round order
  }]));
}

/**
 * a/b from batches of the same rounds: the median of the per-round ratios
 * (the two batches of a round ran back to back, so a slow phase of the
 * machine mostly cancels out).
 */
function pairedRatio(a, b) {
  if (!a || !b) return null;
  return median(a.per_batch_ns.map((t, i) => t / b.per_batch_ns[i]));
}

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
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

function findCargo() {
  // rustup's cargo: the Debian /usr/bin/cargo is the wasm toolchain.
  const cands = [process.env.CARGO, join(os.homedir(), '.cargo', 'bin', 'cargo')];
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    if (d && d !== '/usr/bin' && d !== '/bin') cands.push(join(d, 'cargo'));
  }
  return cands.find((c) => c && existsSync(c)) ?? null;
}

function nativeBinary() {
  const bin = join(root, 'target', 'release', process.platform === 'win32' ? 'diffopt-native-bench.exe' : 'diffopt-native-bench');
  const cargo = findCargo();
  if (cargo) {
    log(`[bench] building crates/native-bench (${cargo} build --release)`);
    const r = spawnSync(cargo, ['build', '--release', '-p', 'diffopt-native-bench'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) log('[bench] warning: building the native benchmark failed');
  } else {
    log('[bench] warning: no rustup cargo found; using an existing native binary if any');
  }
  return existsSync(bin) ? bin : null;
}

/** The native benchmark in --serve mode: one request line, one reply line. */
class NativeServer {
  constructor(bin) {
    const args = ['--serve', '--warmup-ms', String(CFG.warmupMs), '--inputs', String(CFG.inputs), '--seed', String(CFG.seed), '--strength', String(CFG.strength)];
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
  /** A timer for `case`; `checksum` is set once calibrated. */
  timer(c) {
    const self = this;
    return {
      checksum: null,
      async calibrate() {
        const r = JSON.parse(await self.request(`case ${c.op} ${c.reg} ${c.mode} ${c.rows} ${c.n}`));
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
  const outfile = join(dir, 'plain-sort.mjs');
  await esbuild.build({
    entryPoints: [join(root, 'bench', 'plain-sort.ts')],
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

// ---------------------------------------------------------------- checks
function close(a, b, tol = 1e-9) {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])))) return `[${i}] ${a[i]} vs ${b[i]}`;
  }
  return null;
}

/** The plain TS implementation must agree with diffopt before it is timed. */
function checkPlain(lib, plain) {
  const ties = Float64Array.from([1, 3, 1, -2, 3, 0, -0, 2, 2, 0.5]);
  const inputs = [
    [ties, [1, ties.length], 0.5],
    [ties, [1, ties.length], 3],
    [genX(7, 0, 150, 50), [3, 50], 1],
    [genX(7, 1, 1000, 1000), [1, 1000], 1],
    [genX(7, 2, 1000, 1000), [1, 1000], 0.01],
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
          const bad = close(v2, v1) ?? close(pb2(g), pb1(g)) ?? close(plain[name](x, opts), lib[name](x, opts));
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

// ---------------------------------------------------------------- raw kernel
/**
 * The wasm kernels called directly (own instance of dist/diffopt.wasm,
 * inputs already in wasm memory, no copies): separates the JS API's cost
 * from the compiled code's. fwdbwd records the same compact state as the API
 * (no L2 weights, value only for the KL rank).
 */
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
    const op = c.op === 'rank' ? 2 : 3;
    const reg = c.reg === 'l2' ? 0 : 1;
    const px = xs.map(() => this.alloc(t * 8));
    const pg = gs.map(() => this.alloc(t * 8));
    const out = this.alloc(t * 8), grad = this.alloc(t * 8);
    const perm = this.alloc(t * 4), bs = this.alloc(t * 4), w = this.alloc(t * 8);
    const mem = this.ex.memory.buffer; // after every allocation
    xs.forEach((x, k) => new Float64Array(mem, px[k], t).set(x));
    gs.forEach((g, k) => new Float64Array(mem, pg[k], t).set(g));
    const ex = this.ex;
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
  const plain = flag('--no-ts') ? null : await compilePlain();
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
  const selected = cases.filter((c) => new RegExp(FILTER).test(label(c)));
  const sizes = SIZES.filter(([rows, n]) => selected.some((c) => c.rows === rows && c.n === n));
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
  const sorts = [];
  const checksumIssues = [];
  for (const [rows, n] of sizes) {
    const len = rows * n;
    const xs = Array.from({ length: CFG.inputs }, (_, k) => genX(CFG.seed, k, len, n));
    const gs = Array.from({ length: CFG.inputs }, (_, k) => genG(CFG.seed, k, len));
    const sortRows = (k) => {
      const x = xs[k];
      for (let r = 0; r < rows; r++) {
        const row = x.slice(r * n, (r + 1) * n);
        row.sort();
        sink += row[0];
      }
    };

    for (const c of selected.filter((q) => q.rows === rows && q.n === n)) {
      const opts = { regularization: c.reg, strength: CFG.strength, direction: 'ascending', shape: [rows, n] };
      const name = c.op === 'rank' ? 'softRank' : 'softSort';
      const make = (impl) => c.mode === 'fwd'
        ? (k) => { sink += impl[name](xs[k], opts)[0]; }
        : (k) => {
          const [v, pullback] = impl[name].vjp(xs[k], opts);
          sink += v[0] + pullback(gs[k])[0];
        };
      // Same checksum and digest as the native side, over the inputs in order.
      const check = new Check();
      for (let k = 0; k < CFG.inputs; k++) {
        if (c.mode === 'fwd') {
          check.eat(lib[name](xs[k], opts));
        } else {
          const [v, pullback] = lib[name].vjp(xs[k], opts);
          check.eat(v);
          check.eat(pullback(gs[k]));
        }
      }
      const { checksum, digest } = check;
      const timers = {};
      if (native) timers.native = native.timer(c);
      timers.kernel = jsTimer(kernel.prepare(c, xs, gs));
      timers.wasm = jsTimer(make(lib));
      if (plain) timers.ts = jsTimer(make(plain));
      if (base) timers.base = jsTimer(make(base));
      timers.tsort = jsTimer(sortRows);
      const t = await timeInterleaved(timers);
      kernel.release();
      if (native && timers.native.digest !== digest) {
        checksumIssues.push(`${label(c)}: wasm Σ ${checksum} digest ${digest} vs native Σ ${timers.native.checksum} digest ${timers.native.digest}`);
      }
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
        checksum,
        digest,
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
  let baseline = null;
  try {
    if (existsSync(BASELINE)) baseline = JSON.parse(readFileSync(BASELINE, 'utf8'));
  } catch {
    baseline = null;
  }
  const baseOf = (c) => baseline?.cases?.find((b) => b.op === c.op && b.reg === c.reg && b.mode === c.mode && b.rows === c.rows && b.n === c.n) ?? null;

  printTable(results, baseOf);
  const targets = evaluateTargets(results);
  printTargets(targets);
  if (checksumIssues.length) {
    log(`\n[bench] WARNING: wasm and native outputs are not bit-identical:\n  ${checksumIssues.join('\n  ')}`);
  }
  if (sink === 42.4242) log(''); // keep results alive

  const cpus = os.cpus();
  const report = {
    benchmark: 'sort',
    date: new Date().toISOString(),
    quick: QUICK,
    filter: FILTER || null,
    compare: COMPARE,
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
    config: { ...CFG, sizes: SIZES, direction: 'ascending', timing: 'per case: calibrate each implementation, then `batches` interleaved rounds, one batch per implementation each (rotating order); times: median ns per call; ratios: median of per-round ratios', input: 'x = (u1+u2+u3+u4-2)*n/2, g = 2u-1, u from SplitMix64(seed + 1000k [+500])' },
    wasm_bytes: statSync(wasmFile).size,
    stale_build: stale,
    js_seconds: Math.round(jsSeconds * 10) / 10,
    targets,
    typed_sort: sorts, // per size: median over its cases of the interleaved typed-array sort time
    cases: results,
    checksum_mismatches: checksumIssues,
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
  const head = ['case', 'wasm', 'native', 'wasm/nat', 'kern/nat', 'ts', 'ts/wasm', 'f64 sort', 'wasm/sort', 'Melem/s', 'vs base'];
  const rows = results.map((r) => {
    const b = baseOf(r);
    return [
      label(r), fmtTime(r.wasm_ns), fmtTime(r.native_ns), fmtRatio(r.wasm_over_native), fmtRatio(r.kernel_over_native), fmtTime(r.ts_ns),
      fmtRatio(r.ts_over_wasm), fmtTime(r.typed_sort_ns), fmtRatio(r.wasm_over_typed_sort), r.wasm_melem_per_s.toFixed(1),
      r.wasm_over_compare != null ? fmtRatio(r.wasm_over_compare) : b ? fmtRatio(r.wasm_ns / b.wasm_ns) : '—',
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
  console.log('\nwasm/nat: wasm through the public API ÷ the same kernels native (1 = parity); kern/nat: the wasm export called');
  console.log('directly (no JS copies) ÷ native; ts/wasm: speedup over plain TypeScript; wasm/sort: ÷ Float64Array.prototype.sort');
  console.log('(copy + sort) of the same rows; Melem/s: wasm elements per second; vs base: wasm ÷ the committed bench/results/sort.json\n(or, with --compare DIR, ÷ that build timed in the same rounds).');
}

function evaluateTargets(results) {
  const out = [];
  const nat = results.filter((r) => r.wasm_over_native != null);
  if (nat.length) {
    const worst = nat.reduce((a, b) => (b.wasm_over_native > a.wasm_over_native ? b : a));
    out.push({
      target: 'wasm within 1.3x of native (every case)', limit: 1.3,
      pass: nat.every((r) => r.wasm_over_native <= 1.3),
      worst: { case: label(worst), value: worst.wasm_over_native },
      failing: nat.filter((r) => r.wasm_over_native > 1.3).map((r) => `${label(r)}: ${r.wasm_over_native.toFixed(2)}`),
    });
  }
  const ts = results.filter((r) => r.rows === 128 && r.n === 1000 && r.mode === 'fwdbwd' && r.ts_over_wasm != null);
  if (ts.length) {
    const worst = ts.reduce((a, b) => (b.ts_over_wasm < a.ts_over_wasm ? b : a));
    out.push({
      target: '>= 5x faster than plain TS at 128x1000 forward+backward', limit: 5,
      pass: ts.every((r) => r.ts_over_wasm >= 5),
      worst: { case: label(worst), value: worst.ts_over_wasm },
      failing: ts.filter((r) => r.ts_over_wasm < 5).map((r) => `${label(r)}: ${r.ts_over_wasm.toFixed(2)}`),
    });
  }
  const rk = results.filter((r) => r.op === 'rank' && r.mode === 'fwdbwd');
  if (rk.length) {
    const worst = rk.reduce((a, b) => (b.wasm_over_typed_sort > a.wasm_over_typed_sort ? b : a));
    out.push({
      target: 'soft rank forward+vjp within 1.5x of Float64Array sort of the same rows', limit: 1.5,
      pass: rk.every((r) => r.wasm_over_typed_sort <= 1.5),
      worst: { case: label(worst), value: worst.wasm_over_typed_sort },
      failing: rk.filter((r) => r.wasm_over_typed_sort > 1.5).map((r) => `${label(r)}: ${r.wasm_over_typed_sort.toFixed(2)}`),
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
