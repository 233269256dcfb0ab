// Shared benchmark machinery for bench/*.mjs: JavaScript timers, interleaved
// timing of several implementations, the native benchmark binaries, and the
// TypeScript baselines compiled with esbuild.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const log = (...a) => console.error(...a);

/** Keeps results alive so the JIT cannot drop the work. */
export const sink = { value: 0 };

export function median(v) {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

/**
 * A synchronous implementation under test: `call(k)` runs once on input k
 * (k cycles through `cfg.inputs` fresh inputs so branch predictors cannot
 * learn one). `calibrate` warms up and estimates one call (ns); `run(k)` times
 * k calls and returns the mean ns per call.
 */
export function jsTimer(cfg, call) {
  let i = 0;
  return {
    async calibrate() {
      let t0 = performance.now();
      do call(i++ % cfg.inputs);
      while (i < 2 || performance.now() - t0 < cfg.warmupMs);
      let j = 0;
      t0 = performance.now();
      do {
        call(i++ % cfg.inputs);
        j++;
      } while (performance.now() - t0 < Math.min(10, cfg.targetMs / cfg.batches));
      return ((performance.now() - t0) * 1e6) / j;
    },
    async run(k) {
      const t = performance.now();
      for (let q = 0; q < k; q++) call(i++ % cfg.inputs);
      return ((performance.now() - t) * 1e6) / k;
    },
  };
}

/**
 * Times several implementations of one case: calibrate each, then
 * `cfg.batches` rounds in which every implementation runs one batch (order
 * rotated each round), so machine noise hits all of them alike. Returns, per
 * name, { median_ns, iters, per_batch_ns }.
 */
export async function timeInterleaved(cfg, timers) {
  const names = Object.keys(timers);
  const k = {};
  for (const name of names) {
    const est = await timers[name].calibrate();
    k[name] = Math.min(Math.max(1, Math.ceil((cfg.targetMs * 1e6) / cfg.batches / est)), Math.max(1, Math.floor(cfg.maxIters / cfg.batches)));
  }
  const times = Object.fromEntries(names.map((n) => [n, []]));
  for (let b = 0; b < cfg.batches; b++) {
    for (let q = 0; q < names.length; q++) {
      const name = names[(b + q) % names.length];
      times[name].push(await timers[name].run(k[name]));
    }
  }
  return Object.fromEntries(names.map((n) => [n, {
    median_ns: median(times[n]),
    iters: k[n] * cfg.batches,
    per_batch_ns: times[n].map((t) => Math.round(t * 10) / 10),
  }]));
}

/** rustup's cargo (the Debian /usr/bin/cargo is the wasm toolchain), or null. */
export function findCargo() {
  const cands = [process.env.CARGO, join(os.homedir(), '.cargo', 'bin', 'cargo')];
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    if (d && d !== '/usr/bin' && d !== '/bin') cands.push(join(d, 'cargo'));
  }
  return cands.find((c) => c && existsSync(c)) ?? null;
}

/** Builds crates/native-bench (release) and returns the path of binary `name`, or null. */
export function nativeBinary(root, name) {
  const bin = join(root, 'target', 'release', process.platform === 'win32' ? `${name}.exe` : name);
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

/** Compiles a TypeScript baseline with esbuild and imports it. */
export async function importTypeScript(root, file) {
  const dir = mkdtempSync(join(os.tmpdir(), 'diffopt-bench-'));
  const out = join(dir, 'plain.mjs');
  try {
    const esbuild = await import('esbuild');
    await esbuild.build({ entryPoints: [join(root, file)], outfile: out, bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', logLevel: 'error' });
    return await import(pathToFileURL(out).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Human-readable time. */
export function fmtTime(ns) {
  if (ns == null) return '—';
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${ns.toFixed(0)} ns`;
}

export const fmtRatio = (r) => (r == null ? '—' : r >= 100 ? r.toFixed(0) : r.toFixed(2));

/** Machine facts stored beside the results. */
export function machine() {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, node: process.version, platform: `${process.platform}-${process.arch}`, date: new Date().toISOString() };
}
