// The native side of bench/*.mjs: building crates/native-bench with rustup's
// cargo and driving its binaries (native-bench-<family>), either as a
// `--serve` child process timed in the same interleaved rounds as the
// JavaScript implementations, or as a one-shot command printing JSON.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { delimiter, join } from 'node:path';
import { log } from './timing.mjs';

/** rustup's cargo (the Debian /usr/bin/cargo is the wasm toolchain), or null. */
export function findCargo() {
  const cands = [process.env.CARGO, join(process.env.CARGO_HOME || join(os.homedir(), '.cargo'), 'bin', 'cargo')];
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    if (d && d !== '/usr/bin' && d !== '/bin') cands.push(join(d, 'cargo'));
  }
  return cands.find((c) => c && existsSync(c)) ?? null;
}

/**
 * Builds crates/native-bench (release; all binaries, so a run of every
 * benchmark builds once) and returns the path of binary `name`
 * (e.g. 'native-bench-sort'), or null with a warning.
 */
export function nativeBinary(root, name) {
  const bin = join(root, 'target', 'release', process.platform === 'win32' ? `${name}.exe` : name);
  const cargo = findCargo();
  if (cargo) {
    log(`[bench] building crates/native-bench (${cargo} build --release)`);
    const r = spawnSync(cargo, ['build', '--release', '-p', 'diffopt-native-bench'], { cwd: root, stdio: ['ignore', 2, 2] });
    if (r.status !== 0) log('[bench] warning: building the native benchmark failed');
  } else {
    log('[bench] warning: no rustup cargo found; using an existing native binary if any');
  }
  if (!existsSync(bin)) {
    log(`[bench] warning: no native benchmark binary ${name}; the native column stays empty`);
    return null;
  }
  return bin;
}

/** Runs a native binary once and parses the JSON it prints. */
export function runNativeJson(bin, args) {
  return JSON.parse(execFileSync(bin, args, { encoding: 'utf8', maxBuffer: 1 << 26 }));
}

/**
 * A native binary in `--serve` mode: one request line, one reply line (see
 * crates/native-bench/src/lib.rs). `cfg` gives warmupMs, inputs and seed
 * (if any); `extraArgs` are the family's own options (e.g. --strength).
 */
export class NativeServer {
  constructor(bin, cfg, extraArgs = []) {
    const args = ['--serve', '--warmup-ms', String(cfg.warmupMs), '--inputs', String(cfg.inputs)];
    if (cfg.seed != null) args.push('--seed', String(cfg.seed));
    this.child = spawn(bin, [...args, ...extraArgs], { stdio: ['pipe', 'pipe', 'inherit'] });
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

  /**
   * A timer (for timeInterleaved) of case `caseLine`; once calibrated it
   * holds the native `checksum` and `digest` of the outputs.
   */
  timer(caseLine) {
    const self = this;
    return {
      checksum: null,
      digest: null,
      async calibrate() {
        const r = JSON.parse(await self.request(`case ${caseLine}`));
        if (r.error) throw new Error(`native benchmark: ${r.error}`);
        this.checksum = r.checksum;
        this.digest = r.digest;
        return r.per_call_ns;
      },
      async run(k) {
        const [wall, cpu] = (await self.request(`run ${k}`)).split(/\s+/).map(Number);
        return { wall, cpu };
      },
    };
  }

  close() {
    this.child.stdin.end();
  }
}

/** null if a calibrated native timer's digest equals `digest` (a Digest), else a message. */
export function digestMismatch(name, digest, nativeTimer) {
  if (!nativeTimer || nativeTimer.digest === digest.hash) return null;
  return `${name}: wasm Σ ${digest.checksum} digest ${digest.hash} vs native Σ ${nativeTimer.checksum} digest ${nativeTimer.digest}`;
}

/** rustc's version (rustup's first), for the machine facts. */
export function rustcVersion() {
  for (const cmd of [join(process.env.CARGO_HOME || join(os.homedir(), '.cargo'), 'bin', 'rustc'), 'rustc']) {
    try {
      return execFileSync(cmd, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      // next
    }
  }
  return null;
}
