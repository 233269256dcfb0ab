// Setting up a benchmark run: command-line flags, the built library
// (dist/) with a staleness check, the TypeScript baselines compiled with
// esbuild, and a raw instance of dist/diffopt.wasm for the kernel columns.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { log } from './timing.mjs';

/** The repository root. */
export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The flags every benchmark understands, for family `name` (results go to
 * bench/results/NAME.json, or latest-NAME-quick.json with --quick):
 *   --quick       a short smoke run
 *   --filter RE   only cases whose label matches the regular expression
 *   --out FILE    where to write the JSON
 *   --no-native, --no-ts   skip those columns
 * plus `flag(name)` and `option(name, fallback)` for the family's own.
 */
export function benchArgs(name, argv = process.argv.slice(2)) {
  const flag = (f) => argv.includes(f);
  const option = (f, fallback) => {
    const i = argv.indexOf(f);
    return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
  };
  const quick = flag('--quick');
  return {
    flag,
    option,
    quick,
    filter: option('--filter', ''),
    out: option('--out', join(root, 'bench', 'results', quick ? `latest-${name}-quick.json` : `${name}.json`)),
    baseline: join(root, 'bench', 'results', `${name}.json`),
    native: !flag('--no-native'),
    ts: !flag('--no-ts'),
  };
}

/** The cases whose label matches `filter` (a regular expression); exits if none. */
export function selectCases(cases, label, filter) {
  const re = new RegExp(filter);
  const selected = cases.filter((c) => re.test(label(c)));
  if (!selected.length) {
    log(`[bench] no case matches --filter ${JSON.stringify(filter)}`);
    process.exit(1);
  }
  return selected;
}

function newestMtime(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * Imports and initializes dist/index.js. Exits if it is missing; warns (and
 * lists in `stale`) when dist/ is older than the sources.
 */
export async function loadDist() {
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
  return { lib, wasmFile, wasmBytes: statSync(wasmFile).size, stale };
}

/** Compiles a TypeScript baseline (path relative to the root) with esbuild and imports it. */
export async function importTypeScript(file) {
  const esbuild = await import('esbuild');
  const dir = mkdtempSync(join(os.tmpdir(), 'diffopt-bench-'));
  const outfile = join(dir, 'plain.mjs');
  try {
    await esbuild.build({ entryPoints: [join(root, file)], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node18', logLevel: 'warning' });
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Its own instance of dist/diffopt.wasm, for calling the kernels directly on
 * data already in wasm memory (no JS-side checks or copies): the "kernel"
 * columns. Allocations are held until `release()`.
 */
export class WasmKernel {
  constructor(file) {
    this.ex = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), {}).exports;
    this.held = [];
  }

  alloc(bytes) {
    const size = Math.max(bytes, 8); // never a zero-size allocation
    const p = this.ex.diffopt_alloc(size);
    if (!p) throw new Error('kernel bench: wasm alloc failed');
    this.held.push([p, size]);
    return p;
  }

  /** Copies each Float64Array into a fresh allocation; returns the pointers. */
  load(arrays) {
    const ptrs = arrays.map((a) => this.alloc(a.length * 8));
    const mem = this.ex.memory.buffer; // after every allocation
    arrays.forEach((a, k) => new Float64Array(mem, ptrs[k], a.length).set(a));
    return ptrs;
  }

  release() {
    for (const [p, b] of this.held) this.ex.diffopt_free(p, b);
    this.held = [];
  }
}
