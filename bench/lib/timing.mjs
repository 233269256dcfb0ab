// Timing of JavaScript implementations for bench/*.mjs: timers, interleaved
// rounds with paired ratios, and the plain "loop until T ms" scheme. The
// native side (crates/native-bench/src/lib.rs) times the same way.

export const log = (...a) => console.error(...a);

/** Keeps results alive so the JIT cannot drop the work: `sink.value += …`. */
export const sink = { value: 0 };

export function median(v) {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

/**
 * A synchronous implementation under test: `call(k)` runs once on input k
 * (k cycles through `cfg.inputs` fresh inputs so branch predictors cannot
 * learn one). `calibrate` warms up (JIT included) and estimates one call
 * (ns); `run(k)` times k calls and returns the mean ns per call, wall and
 * CPU (process.cpuUsage) time: { wall, cpu }.
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
      const c = process.cpuUsage();
      for (let q = 0; q < k; q++) call(i++ % cfg.inputs);
      const wall = ((performance.now() - t) * 1e6) / k;
      const u = process.cpuUsage(c);
      return { wall, cpu: ((u.user + u.system) * 1e3) / k };
    },
  };
}

const round1 = (t) => Math.round(t * 10) / 10;

/**
 * Times several implementations of one case: calibrate each, then
 * `cfg.batches` rounds in which every implementation runs one batch of
 * ≈ targetMs/batches (order rotated each round), so machine noise hits all
 * of them alike. A timer is anything with async `calibrate()` → ns per call
 * and `run(k)` → mean ns per call of k calls, { wall, cpu } (jsTimer,
 * NativeServer#timer). Returns, per name, { median_ns, iters, per_batch_ns }
 * (per_batch_ns in round order, for pairedRatio). The clock is wall time, or
 * CPU time with `cfg.clock === 'cpu'` (steadier on a machine shared with
 * other jobs; the wall-clock median_wall_ns and per_batch_wall_ns are then
 * kept too).
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
  const cpu = cfg.clock === 'cpu';
  const primary = (t) => (cpu && Number.isFinite(t.cpu) ? t.cpu : t.wall);
  return Object.fromEntries(names.map((n) => [n, {
    median_ns: median(times[n].map(primary)),
    ...(cpu ? { median_wall_ns: median(times[n].map((t) => t.wall)) } : {}),
    iters: k[n] * cfg.batches,
    per_batch_ns: times[n].map((t) => round1(primary(t))),
    ...(cpu ? { per_batch_wall_ns: times[n].map((t) => round1(t.wall)) } : {}),
  }]));
}

/**
 * a/b from two results of the same timeInterleaved call: the median of the
 * per-round ratios (the two batches of a round ran back to back, so a slow
 * phase of the machine mostly cancels out). null if either is missing.
 */
export function pairedRatio(a, b) {
  if (!a || !b) return null;
  return median(a.per_batch_ns.map((t, i) => t / b.per_batch_ns[i]));
}

/** Runs `work` until `targetMs` have passed (at least once); mean ms per run. */
export function meanUntil(targetMs, work) {
  const t = performance.now();
  let runs = 0;
  for (;;) {
    work();
    runs++;
    const el = performance.now() - t;
    if (el >= targetMs) return el / runs;
  }
}
