// `npm pack` content check, run by scripts/test-all.mjs (section `pack`):
// reads `npm pack --dry-run --json` (what `npm publish` would upload) and
// checks that
//   - every target of package.json's "exports" map (and "main", "types") is in the tarball,
//   - every JavaScript entry has a "types" condition whose .d.ts is in the tarball,
//     and the .d.ts files it reaches through relative imports are too,
//   - the relative imports of the shipped .js files (including the
//     `new URL('./diffopt.wasm', import.meta.url)` / `import ... from './diffopt.wasm'`
//     references) resolve inside the tarball; dist/diffopt.wasm is there,
//   - no test, bench, Rust crate, TypeScript source, example or script file ships,
// and then installs the real tarball (`npm pack` + tar into a scratch
// project's node_modules, no registry) to check that a consumer can use it:
// `import 'diffopt'` and `'diffopt/slim'` run in Node, `diffopt/diffopt.wasm`
// and `diffopt/package.json` resolve, and tsc type-checks a consumer file
// against the shipped declarations (moduleResolution nodenext and bundler).
// The tarball size is printed.
//
// Exported: checkPack() -> { results: [{ name, ok, detail }], notes: [string] }.
// Also runnable alone: node scripts/check-pack.mjs
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Paths that must never be published: sources, tests, benches, tooling. */
const FORBIDDEN = [/^test\//, /^bench\//, /^crates\//, /^src\//, /^ts\//, /^examples\//, /^scripts\//, /^target\//, /^docs\//, /^node_modules\//, /\.test\.m?js$/, /\.tgz$/, /^Cargo\./];

/** Every string leaf of an exports value, with the condition path that leads to it. */
function targets(value, path = []) {
  if (typeof value === 'string') return [{ conditions: path, target: value }];
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => targets(v, [...path, k]));
  return [];
}

const norm = (p) => posix.normalize(p.replace(/^\.\//, ''));

/** Relative specifiers of a module's static imports / exports / import() / new URL(). */
function relativeSpecifiers(source) {
  const out = new Set();
  const res = [
    /\b(?:import|export)\s[^'"]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]/g,
    /\bimport\s*['"](\.{1,2}\/[^'"]+)['"]/g,
    /\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g,
    /\bnew URL\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g,
  ];
  for (const re of res) for (const m of source.matchAll(re)) out.add(m[1]);
  return [...out];
}

export function checkPack() {
  const results = [];
  const notes = [];
  const check = (name, fn) => {
    try {
      const detail = fn();
      results.push({ name, ok: true, detail: detail || '' });
    } catch (e) {
      results.push({ name, ok: false, detail: String((e && e.message) || e) });
    }
  };
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: '1', npm_config_loglevel: 'error' },
  });
  let info;
  try {
    info = JSON.parse(r.stdout)[0];
  } catch {
    results.push({ name: 'npm pack --dry-run --json', ok: false, detail: `exit ${r.status}: ${r.stderr || r.stdout}` });
    return { results, notes };
  }
  const files = new Set(info.files.map((f) => f.path));
  const has = (p) => files.has(norm(p));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  notes.push(
    `npm pack: ${info.filename}, ${info.files.length} files, ${(info.size / 1024).toFixed(1)} KiB packed, ` +
      `${(info.unpackedSize / 1024).toFixed(1)} KiB unpacked`,
  );

  check('npm pack --dry-run --json succeeds', () => {
    if (r.status !== 0) throw new Error(r.stderr);
  });
  check('package.json "main" and "types" are in the tarball', () => {
    for (const f of [pkg.main, pkg.types]) if (!f || !has(f)) throw new Error(`${f} missing`);
  });
  check('dist/diffopt.wasm is in the tarball', () => {
    if (!has('dist/diffopt.wasm')) throw new Error('missing');
    const size = info.files.find((f) => f.path === 'dist/diffopt.wasm').size;
    return `${(size / 1024).toFixed(1)} KiB`;
  });

  for (const [entry, value] of Object.entries(pkg.exports)) {
    for (const { conditions, target } of targets(value)) {
      check(`exports["${entry}"]${conditions.map((c) => `.${c}`).join('')} -> ${target} is in the tarball`, () => {
        if (!has(target)) throw new Error(`${target} is not packed`);
      });
    }
    const leaves = targets(value);
    if (!leaves.some((l) => /\.m?js$/.test(l.target))) continue; // the .wasm and package.json entries
    check(`exports["${entry}"] has types, and the .d.ts files they import are packed`, () => {
      const types = leaves.filter((l) => l.conditions.includes('types')).map((l) => l.target);
      if (!types.length) throw new Error('no "types" condition');
      // Follow the relative imports of the declaration files: a .d.ts that
      // re-exports from ./types/... is useless if that folder is not packed.
      const seen = new Set();
      const queue = types.map(norm);
      while (queue.length) {
        const f = queue.pop();
        if (seen.has(f)) continue;
        seen.add(f);
        if (!files.has(f)) throw new Error(`${f} is not packed`);
        for (const spec of relativeSpecifiers(readFileSync(join(ROOT, f), 'utf8'))) {
          const base = posix.join(posix.dirname(f), spec);
          const dts = base.replace(/\.m?js$/, '.d.ts');
          const candidates = [dts, base.endsWith('.d.ts') ? base : `${base}.d.ts`, `${base}/index.d.ts`];
          const hit = candidates.find((c) => files.has(c));
          if (!hit) throw new Error(`${f} imports '${spec}', which is not packed`);
          queue.push(hit);
        }
      }
      return `${seen.size} declaration files`;
    });
  }

  check('relative imports of the packed .js files resolve inside the tarball', () => {
    let n = 0;
    for (const f of files) {
      if (!/\.m?js$/.test(f)) continue;
      for (const spec of relativeSpecifiers(readFileSync(join(ROOT, f), 'utf8'))) {
        const target = posix.join(posix.dirname(f), spec);
        if (!files.has(target)) throw new Error(`${f} refers to '${spec}', which is not packed`);
        n++;
      }
    }
    return `${n} references`;
  });
  check('no test, bench, crate, source, example or script file is packed', () => {
    const bad = [...files].filter((f) => FORBIDDEN.some((re) => re.test(f)));
    if (bad.length) throw new Error(`packed: ${bad.join(', ')}`);
  });
  consumerChecks(check);
  return { results, notes };
}

/** A consumer module: runs both entries, resolves the other exports. */
const CONSUMER_JS = `
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as full from 'diffopt';
import * as slim from 'diffopt/slim';
await full.init();
const r = full.softRank([3, 1, 2], { strength: 0.1 });
if (Array.from(r).join() !== '3,1,2') throw new Error('softRank from diffopt gave ' + Array.from(r));
const wasm = import.meta.resolve('diffopt/diffopt.wasm');
await slim.init(readFileSync(fileURLToPath(wasm)));
const s = slim.softSort([3, 1, 2], { strength: 0.1 });
if (Array.from(s).join() !== '1,2,3') throw new Error('softSort from diffopt/slim gave ' + Array.from(s));
const pkg = createRequire(import.meta.url)('diffopt/package.json');
console.log('OK ' + pkg.name + '@' + pkg.version);
`;

/** A consumer TypeScript file: uses types of both entries (and must reject a wrong call). */
const CONSUMER_TS = `
import { init, softRank, NearestCentroid, DiffoptError, type SoftSortOptions, type Series } from 'diffopt';
import { init as initSlim, softSort } from 'diffopt/slim';
const options: SoftSortOptions = { strength: 0.1, direction: 'descending' };
const series: Series = [0, 1, 2];
export async function main(bytes: Uint8Array): Promise<number> {
  await init();
  await initSlim(bytes);
  const r: Float64Array = softRank([3, 1, 2], options);
  const s: Float64Array = softSort([3, 1, 2]);
  const clf = new NearestCentroid<string>({ metric: 'soft-dtw' }).fit([series, series], ['a', 'b']);
  const label: string = clf.predict([series])[0];
  const e: DiffoptError | null = null;
  return r[0] + s[0] + label.length + (e ? 1 : 0);
}
`;

/** Packs the real tarball, unpacks it as node_modules/diffopt of a scratch project, uses it. */
function consumerChecks(check) {
  const work = mkdtempSync(join(tmpdir(), 'diffopt-pack-'));
  try {
    const packed = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work], {
      cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, npm_config_loglevel: 'error' },
    });
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
    const project = join(work, 'consumer');
    const pkgDir = join(project, 'node_modules', 'diffopt');
    mkdirSync(pkgDir, { recursive: true });
    let unpacked = false;
    check('npm pack writes a tarball that unpacks as node_modules/diffopt', () => {
      if (packed.status !== 0 || !tgz) throw new Error(packed.stderr || 'no .tgz written');
      const t = spawnSync('tar', ['-xzf', join(work, tgz), '-C', pkgDir, '--strip-components=1'], { encoding: 'utf8' });
      if (t.status !== 0) throw new Error(t.stderr);
      unpacked = true;
    });
    if (!unpacked) return;
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    writeFileSync(join(project, 'consumer.mjs'), CONSUMER_JS);
    check("a consumer project runs `import 'diffopt'` and `'diffopt/slim'` from the tarball (Node)", () => {
      const r = spawnSync(process.execPath, ['consumer.mjs'], { cwd: project, encoding: 'utf8', timeout: 60_000 });
      if (r.status !== 0 || !/^OK diffopt@/m.test(r.stdout)) throw new Error(`exit ${r.status}\n${r.stdout}${r.stderr}`);
      return r.stdout.trim();
    });
    // The consumer has no @types/node: the declarations must stand alone.
    writeFileSync(join(project, 'consumer.ts'), CONSUMER_TS);
    writeFileSync(join(project, 'wrong.ts'), `import { softRank } from 'diffopt';\nsoftRank([1, 2], { strenght: 1 });\n`);
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    for (const [module, resolution] of [['nodenext', 'nodenext'], ['esnext', 'bundler']]) {
      const config = (file) => {
        const name = `tsconfig.${resolution}.${file}.json`;
        writeFileSync(join(project, name), JSON.stringify({
          compilerOptions: {
            noEmit: true, strict: true, skipLibCheck: false, target: 'es2022', lib: ['es2022', 'dom'],
            module, moduleResolution: resolution, types: [],
          },
          files: [file],
        }));
        return ['-p', name];
      };
      check(`tsc (moduleResolution ${resolution}) type-checks a consumer against the packed .d.ts files`, () => {
        const r = spawnSync(process.execPath, [tsc, ...config('consumer.ts')], { cwd: project, encoding: 'utf8', timeout: 120_000 });
        if (r.status !== 0) throw new Error(r.stdout + r.stderr);
      });
      check(`tsc (moduleResolution ${resolution}) rejects a misspelt option through the packed types`, () => {
        const r = spawnSync(process.execPath, [tsc, ...config('wrong.ts')], { cwd: project, encoding: 'utf8', timeout: 120_000 });
        if (r.status === 0 || !/strenght/.test(r.stdout)) throw new Error(`expected an error about 'strenght', got exit ${r.status}: ${r.stdout}`);
      });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { results, notes } = checkPack();
  for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.detail ? `  (${r.detail})` : ''}`);
  for (const n of notes) console.log(n);
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}
