#!/usr/bin/env node
// diffopt's cross-runtime test harness (`npm test`). Runs, one after the other:
//
//   cargo     native `cargo test --workspace --no-fail-fast` with rustup's cargo
//   node      each test/*.test.mjs in its own `node` process
//   deno      each test/*.test.mjs: deno run --no-prompt --no-lock --node-modules-dir=manual
//               --allow-env=<kleur's colour variables> --allow-read=<repo> FILE
//   bun       each test/*.test.mjs: bun --no-env-file --no-install run FILE
//   chromium  all test/*.test.mjs in one headless Chromium page (playwright-core,
//               /usr/bin/chromium), served from 127.0.0.1 with an import map for
//               uvu's bare imports; UVU_DEFER + uvu's exec(), like `uvu`'s CLI
//   workerd   test/edge/worker.mjs bundled by esbuild with the workerd condition and
//               run by miniflare (wasm as CompiledWasm); requests on 127.0.0.1
//   tfjs      test/tfjs/*.test.mjs (the TensorFlow.js adapter) in node, deno and bun
//               as above, and in headless Chromium as one esbuild bundle per file
//               (tfjs's npm build is CommonJS / extensionless ESM, which a page
//               cannot import unbundled)
//   deno-url  test/url/deno-url.mjs: deno imports http://127.0.0.1:PORT/dist/index.js
//               with --allow-import=127.0.0.1:PORT and no other permission
//   edge      examples/edge/worker.mjs (nearest-centroid soft-DTW classifier) in
//               workerd via miniflare: labels vs NearestCentroid in Node, 400s for
//               bad requests, p50/p99 latency over 1000 requests (scripts/check-edge.mjs)
//   pack      `npm pack --dry-run --json`: exports targets, types, the .wasm, no
//               test/bench/source files; package size printed (scripts/check-pack.mjs)
//   doc-examples  every ```ts/```js example of the TSDoc comments and README.md run
//               against dist/ with its value comments checked; every exported function
//               has an @example; TypeDoc builds without warnings (scripts/doc-examples.mjs)
//   playground  builds examples/playground (its rollup config), serves it on
//               127.0.0.1, drives every slider/input in headless Chromium and
//               compares the numbers shown with diffopt run here in Node;
//               screenshot in test-results/playground.png
//
// uvu files are counted from uvu's own summary (Total / Passed / Skipped); a
// file that crashes, hangs or prints no summary counts as one failure, and so
// does a runtime that crashes or runs no test. Each runtime prints
// `NAME: N passed, M failed`; the last line is `N passed, M failed` summed over
// all of them, and the exit code is 1 on any failure.
//
// Usage: node scripts/test-all.mjs [--only node,deno,...] [--skip chromium,...] [--verbose]
// Expects a built dist/ (`npm run build`); builds it first only if dist/index.js is missing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RUNTIMES = ['cargo', 'node', 'deno', 'bun', 'chromium', 'workerd', 'deno-url', 'tfjs', 'playground', 'edge', 'pack', 'doc-examples'];
const MIN = 60_000;
const TIMEOUT = {
  build: 30 * MIN,
  cargo: 30 * MIN,
  // one uvu file in node / deno / bun (DIFFOPT_TEST_FILE_TIMEOUT=seconds overrides)
  file: Number(process.env.DIFFOPT_TEST_FILE_TIMEOUT || 300) * 1000,
  version: 30_000,
  browserLaunch: 90_000,
  browserRun: 10 * MIN,
  workerd: 3 * MIN,
  denoUrl: 3 * MIN,
  edge: 10 * MIN,
  typedoc: 5 * MIN,
  playground: 5 * MIN,
};
// Deno: the only environment variables uvu (through kleur) reads.
const DENO_ENV_VARS = ['FORCE_COLOR', 'NODE_DISABLE_COLORS', 'NO_COLOR', 'TERM'];
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const WORKERD_COMPAT_DATE = '2025-09-01';
const RTOL = 1e-9;
const ATOL = 1e-12;

// ---------------------------------------------------------------- arguments

function parseArgs(argv) {
  const opts = { only: null, skip: new Set(), verbose: false };
  const list = (v, flag) => {
    if (!v) fail(`${flag} needs a comma-separated list of: ${RUNTIMES.join(', ')}`);
    const names = v.split(',').map((s) => s.trim()).filter(Boolean);
    for (const n of names) if (!RUNTIMES.includes(n)) fail(`unknown runtime '${n}' (known: ${RUNTIMES.join(', ')})`);
    return names;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only') opts.only = new Set(list(argv[++i], a));
    else if (a.startsWith('--only=')) opts.only = new Set(list(a.slice(7), '--only'));
    else if (a === '--skip') for (const n of list(argv[++i], a)) opts.skip.add(n);
    else if (a.startsWith('--skip=')) for (const n of list(a.slice(7), '--skip')) opts.skip.add(n);
    else if (a === '--verbose' || a === '-v') opts.verbose = true;
    else if (a === '--help' || a === '-h') {
      console.log(`usage: node scripts/test-all.mjs [--only ${RUNTIMES.join(',')}] [--skip ...] [--verbose]`);
      process.exit(0);
    } else fail(`unknown argument '${a}'`);
  }
  return opts;
}

function fail(msg) {
  console.error(`test-all: ${msg}`);
  process.exit(2);
}

// ---------------------------------------------------------------- processes

const BASE_ENV = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', NODE_DISABLE_COLORS: '1' };
const live = new Set(); // process-group ids of running children
const MAX_CAPTURE = 8 * 1024 * 1024;

function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
}

/** Runs a command in its own process group; resolves with its combined output. */
function run(cmd, args, { cwd = ROOT, env = {}, timeoutMs, input = null, inherit = false } = {}) {
  return new Promise((done) => {
    let out = '';
    let finished = false;
    let timedOut = false;
    const child = spawn(cmd, args, {
      cwd,
      env: { ...BASE_ENV, ...env },
      stdio: [input == null ? 'ignore' : 'pipe', inherit ? 'inherit' : 'pipe', inherit ? 'inherit' : 'pipe'],
      detached: true,
    });
    const finish = (res) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (child.pid) live.delete(child.pid);
      done({ out, timedOut, ...res });
    };
    if (child.pid) live.add(child.pid);
    const timer = setTimeout(() => {
      timedOut = true;
      out += `\n[test-all] timed out after ${Math.round(timeoutMs / 1000)} s: killed\n`;
      if (child.pid) killGroup(child.pid);
    }, timeoutMs);
    const collect = (d) => {
      if (out.length < MAX_CAPTURE) out += d;
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('error', (e) => finish({ code: null, signal: null, error: e, out: out + `\n[test-all] ${e.message}\n` }));
    child.on('close', (code, signal) => finish({ code, signal }));
    if (input != null) {
      child.stdin.on('error', () => {});
      child.stdin.end(input);
    }
  });
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    for (const pid of live) killGroup(pid);
    console.error(`\ntest-all: ${sig}, stopped`);
    process.exit(130);
  });
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${Math.round(ms / 1000)} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------- output

const stripAnsi = (s) => s.replace(/\x1b\[[0-9;?]*[ -\/]*[@-~]/g, '').replace(/\x1b\][^\x07]*\x07/g, '');
const indent = (s, pad = '    ') => stripAnsi(s).replace(/\s+$/, '').split('\n').map((l) => pad + l).join('\n');
const rel = (p) => relative(ROOT, p).split(sep).join('/');

function tail(text, lines = 300) {
  const all = stripAnsi(text).replace(/\s+$/, '').split('\n');
  if (all.length <= lines) return all.join('\n');
  return `[... ${all.length - lines} earlier lines cut ...]\n` + all.slice(-lines).join('\n');
}

function heading(name) {
  console.log(`\n=== ${name} ${'='.repeat(Math.max(3, 66 - name.length))}`);
}

/** The result of one runtime. */
class Tally {
  constructor(name) {
    this.name = name;
    this.passed = 0;
    this.failed = 0;
    this.skipped = 0;
    this.problems = []; // crashes, timeouts, missing summaries
  }
  problem(msg) {
    this.problems.push(msg);
    this.failed += 1;
  }
  line() {
    const skipped = this.skipped ? `, ${this.skipped} skipped` : '';
    return `${this.name}: ${this.passed} passed, ${this.failed} failed${skipped}`;
  }
}

// ---------------------------------------------------------------- helpers

function which(name) {
  for (const dir of (process.env.PATH || '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      if (statSync(p).isFile()) return p;
    } catch {}
  }
  return null;
}

/** First candidate binary that answers `--version`. */
function findBinary(label, candidates) {
  const tried = [];
  for (const c of candidates) {
    if (!c || tried.includes(c)) continue;
    tried.push(c);
    if (c.includes(sep) && !existsSync(c)) continue;
    const r = spawnSync(c, ['--version'], { encoding: 'utf8', timeout: TIMEOUT.version, env: BASE_ENV });
    if (r.status === 0) return { path: c, version: (r.stdout || '').trim().split('\n')[0] };
  }
  throw new Error(`no working ${label} binary (tried: ${tried.join(', ') || 'nothing'}); run \`bash scripts/setup.sh\``);
}

function testFiles() {
  const dir = join(ROOT, 'test');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.test.mjs'))
    .sort()
    .map((f) => join(dir, f));
}

/** Reads uvu's closing summary from a run's output (the last one if several). */
function parseUvu(text) {
  const t = stripAnsi(text);
  const last = (re) => {
    const all = [...t.matchAll(re)];
    return all.length ? Number(all[all.length - 1][1]) : null;
  };
  const total = last(/^\s*Total:\s+(\d+)\s*$/gm);
  const passed = last(/^\s*Passed:\s+(\d+)\s*$/gm);
  const skipped = last(/^\s*Skipped:\s+(\d+)\s*$/gm);
  if (total == null || passed == null) return null;
  return { total, passed, skipped: skipped ?? 0 };
}

/** Runs every uvu file in its own process and adds up the summaries. */
async function runUvuFiles(tally, files, command, opts) {
  if (!files.length) {
    tally.problem('no test/*.test.mjs files');
    return;
  }
  for (const file of files) {
    const started = Date.now();
    const r = await run(command.cmd, [...command.args, file], { timeoutMs: TIMEOUT.file, env: command.env });
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    const s = parseUvu(r.out);
    let bad = null;
    if (r.timedOut) bad = 'timed out';
    else if (r.error) bad = `could not start: ${r.error.message}`;
    else if (!s) bad = `exited with ${r.signal || `code ${r.code}`} without uvu's summary (crash, import error, or no test.run()?)`;
    if (s) {
      tally.passed += s.passed;
      tally.skipped += s.skipped;
      tally.failed += s.total - s.passed;
      if (!bad && s.total === s.passed && r.code !== 0 && r.code != null) bad = `all tests passed but the process exited with code ${r.code}`;
      if (!bad && r.signal) bad = `killed by ${r.signal}`;
      if (!bad && s.total === 0) bad = 'ran no test (test.run() missing?)';
    }
    if (bad) tally.problem(`${rel(file)}: ${bad}`);
    const failedHere = s ? s.total - s.passed : 0;
    const status = bad || failedHere ? 'FAIL' : 'ok  ';
    const counts = s ? `${s.passed}/${s.total} passed${s.skipped ? `, ${s.skipped} skipped` : ''}` : 'no summary';
    console.log(`  ${status} ${rel(file)}  ${counts}  (${secs} s)${bad ? `  -- ${bad}` : ''}`);
    if (bad || failedHere || opts.verbose) console.log(indent(tail(r.out)));
  }
}

// ---------------------------------------------------------------- golden cases

const OP_NAMES = { soft_rank: 'softRank', soft_sort: 'softSort' };

/** Cases for the workerd and deno-url checks: hand-computed ones + golden fixtures. */
function checkCases() {
  const list = [
    { name: 'softRank([3, 1, 2], { strength: 0.1 }) = [3, 1, 2]', op: 'softRank', x: [3, 1, 2], options: { strength: 0.1 }, expected: [3, 1, 2] },
    { name: 'softRank([3, 1, 2], { strength: 2 }) = [2.5, 1.5, 2]', op: 'softRank', x: [3, 1, 2], options: { strength: 2 }, expected: [2.5, 1.5, 2] },
    { name: 'softSort([3, 1, 2], { strength: 0.1 }) = [1, 2, 3]', op: 'softSort', x: [3, 1, 2], options: { strength: 0.1 }, expected: [1, 2, 3] },
    { name: "softSort([3, 1, 2], { strength: 2, direction: 'descending' }) = [2.5, 2, 1.5]", op: 'softSort', x: [3, 1, 2], options: { strength: 2, direction: 'descending' }, expected: [2.5, 2, 1.5] },
  ];
  const fixture = join(ROOT, 'test', 'fixtures', 'softsort.json');
  if (existsSync(fixture)) {
    const data = JSON.parse(readFileSync(fixture, 'utf8'));
    // One golden case per (op, regularization, strength, direction): the irregular n = 8 input.
    for (const c of data.cases || []) {
      if (!OP_NAMES[c.op] || !/\/n8_irregular$/.test(c.id)) continue;
      list.push({
        name: `golden ${c.id}`,
        op: OP_NAMES[c.op],
        x: c.input,
        options: { strength: c.regularization_strength, regularization: c.regularization, direction: c.direction.toLowerCase() },
        expected: c.out,
      });
    }
  }
  return list;
}

/** Adds a list of { name, ok, detail } to a tally, printing the failures. */
function countResults(tally, results, opts) {
  for (const r of results) {
    if (r.ok) tally.passed += 1;
    else tally.failed += 1;
    if (!r.ok || opts.verbose) {
      console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.detail && r.ok ? `  (${r.detail})` : ''}`);
      if (!r.ok && r.detail) console.log(indent(r.detail, '        '));
    }
  }
  if (!opts.verbose) console.log(`  ${results.filter((r) => r.ok).length}/${results.length} checks passed`);
}

// ---------------------------------------------------------------- static server

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * Serves files under `root` (only URL paths accepted by `allow`) plus virtual
 * files, on 127.0.0.1 and a free port. Resolves with { url, port, log, close }.
 */
function serve(root, { allow = () => true, virtual = {} } = {}) {
  const log = [];
  const server = createServer((req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const send = (status, type, body) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed');
    if (Object.hasOwn(virtual, path)) {
      const v = virtual[path];
      return send(200, v.type, v.body);
    }
    const file = resolve(root, '.' + path);
    if ((file !== root && !file.startsWith(root + sep)) || !allow(path)) {
      log.push(`403 ${path}`);
      return send(403, 'text/plain', 'forbidden');
    }
    let body;
    try {
      body = readFileSync(file);
    } catch {
      log.push(`404 ${path}`);
      return send(404, 'text/plain', 'not found');
    }
    send(200, MIME[extname(file)] || 'application/octet-stream', body);
  });
  return new Promise((ok, bad) => {
    server.once('error', bad);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      ok({
        port,
        url: `http://127.0.0.1:${port}`,
        log,
        close: () =>
          new Promise((c) => {
            server.closeAllConnections?.();
            server.close(() => c());
          }),
      });
    });
  });
}

// ---------------------------------------------------------------- import map

/** Module specifiers of a JS source (static, re-export, side-effect and literal dynamic imports). */
function specifiers(src) {
  const out = new Set();
  for (const re of [
    /\bfrom\s*(['"])([^'"\n]+)\1/g,
    /\bimport\s*(['"])([^'"\n]+)\1/g,
    /\bimport\s*\(\s*(['"])([^'"\n]+)\1\s*[,)]/g,
  ]) {
    for (const m of src.matchAll(re)) out.add(m[2]);
  }
  return out;
}

const ROOT_PACKAGE_NAME = (() => {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).name;
  } catch {
    return null;
  }
})();
const BROWSER_CONDITIONS = ['browser', 'import', 'module', 'default'];

function resolveExportTarget(target, sub) {
  if (typeof target === 'string') return sub == null ? target : target.replace(/\*/g, sub);
  if (Array.isArray(target)) {
    for (const t of target) {
      const r = resolveExportTarget(t, sub);
      if (r) return r;
    }
    return null;
  }
  if (target && typeof target === 'object') {
    for (const [k, v] of Object.entries(target)) {
      if (BROWSER_CONDITIONS.includes(k)) {
        const r = resolveExportTarget(v, sub);
        if (r) return r;
      }
    }
  }
  return null;
}

/** Resolves a bare specifier like node's ESM resolver would with browser/import conditions. */
function resolveBare(spec, fromFile) {
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  const subpath = '.' + spec.slice(name.length);
  let dir = dirname(fromFile);
  for (;;) {
    // A package may import itself by name (self-reference through "exports").
    const own = name === ROOT_PACKAGE_NAME && dir === ROOT;
    const pkgDir = own ? ROOT : join(dir, 'node_modules', name);
    const pkgFile = join(pkgDir, 'package.json');
    if (existsSync(pkgFile)) {
      const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
      let target = null;
      if (pkg.exports != null) {
        let exp = pkg.exports;
        if (typeof exp === 'string' || Array.isArray(exp) || !Object.keys(exp).some((k) => k.startsWith('.'))) exp = { '.': exp };
        if (Object.hasOwn(exp, subpath)) target = resolveExportTarget(exp[subpath], null);
        else {
          for (const [k, v] of Object.entries(exp)) {
            const star = k.indexOf('*');
            if (star >= 0 && subpath.startsWith(k.slice(0, star)) && subpath.endsWith(k.slice(star + 1))) {
              target = resolveExportTarget(v, subpath.slice(star, subpath.length - (k.length - star - 1)));
              if (target) break;
            } else if (k.endsWith('/') && subpath.startsWith(k)) {
              const t = resolveExportTarget(v, null);
              if (t) {
                target = t + subpath.slice(k.length);
                break;
              }
            }
          }
        }
      } else if (subpath === '.') {
        target = pkg.module || (typeof pkg.browser === 'string' && pkg.browser) || pkg.main || 'index.js';
      } else {
        target = subpath;
      }
      if (!target) return null;
      const base = resolve(pkgDir, target);
      for (const f of [base, base + '.mjs', base + '.js', join(base, 'index.mjs'), join(base, 'index.js')]) {
        try {
          if (statSync(f).isFile()) return f;
        } catch {}
      }
      return null;
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** An import map for every bare specifier reachable from `entries` (served from ROOT). */
function buildImportMap(entries) {
  const imports = {};
  const unresolved = new Set();
  const seen = new Set();
  const queue = [...entries];
  while (queue.length) {
    const file = queue.pop();
    if (seen.has(file) || !/\.[cm]?js$/.test(file)) continue;
    seen.add(file);
    let src;
    try {
      src = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const spec of specifiers(src)) {
      if (spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('/')) {
        const target = spec.startsWith('/') ? join(ROOT, spec) : resolve(dirname(file), spec);
        if (target.startsWith(ROOT + sep)) queue.push(target);
        continue;
      }
      if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(spec) || Object.hasOwn(imports, spec)) continue;
      const target = resolveBare(spec, file);
      if (!target || !target.startsWith(ROOT + sep)) {
        unresolved.add(spec);
        continue;
      }
      imports[spec] = '/' + rel(target);
      queue.push(target);
    }
  }
  return { imports, unresolved: [...unresolved] };
}

// ---------------------------------------------------------------- runtimes

async function runCargo(tally, opts) {
  if (!existsSync(join(ROOT, 'Cargo.toml'))) return tally.problem('no Cargo.toml');
  // rustup's cargo: the Debian one (/usr/bin/cargo) is for the wasm build only.
  const cargoHome = process.env.CARGO_HOME || join(homedir(), '.cargo');
  const candidates = [join(cargoHome, 'bin', 'cargo'), which('cargo')].filter((c) => c && existsSync(c));
  const cargo = candidates[0];
  if (!cargo) return tally.problem('no cargo found (install rustup stable)');
  if (cargo === '/usr/bin/cargo') console.log("  note: rustup's cargo not found, using /usr/bin/cargo");
  console.log(`  ${cargo} test --workspace --no-fail-fast`);
  const r = await run(cargo, ['test', '--workspace', '--no-fail-fast'], { timeoutMs: TIMEOUT.cargo });
  let results = 0;
  let failedHere = 0;
  for (const m of stripAnsi(r.out).matchAll(/^test result: (\w+)\. (\d+) passed; (\d+) failed; (\d+) ignored/gm)) {
    results += 1;
    tally.passed += Number(m[2]);
    tally.failed += Number(m[3]);
    tally.skipped += Number(m[4]);
    failedHere += Number(m[3]);
  }
  if (r.timedOut) tally.problem('cargo test timed out');
  else if (r.error) tally.problem(`cargo could not start: ${r.error.message}`);
  else if (!results) tally.problem(`cargo test exited with ${r.signal || `code ${r.code}`} and no 'test result' line (build error?)`);
  else if (r.code !== 0 && !failedHere) tally.problem(`cargo test exited with code ${r.code} (a test binary or doc-test build failed?)`);
  console.log(`  ${results} test binaries`);
  if (r.code !== 0 || failedHere || opts.verbose) console.log(indent(tail(r.out, 400)));
}

async function runNode(tally, opts) {
  console.log(`  ${process.execPath} FILE  (node ${process.version})`);
  await runUvuFiles(tally, testFiles(), { cmd: process.execPath, args: [] }, opts);
}

function denoBinary() {
  const plat = `${process.platform}-${process.arch === 'arm64' ? 'arm64' : 'x64'}`;
  const nm = join(ROOT, 'node_modules');
  return findBinary('deno', [
    process.env.DENO_BIN,
    join(nm, 'deno', 'deno'),
    join(nm, '@deno', `${plat}-glibc`, 'deno'),
    join(nm, '@deno', plat, 'deno'),
    join(nm, '.bin', 'deno'),
    which('deno'),
  ]);
}

function bunBinary() {
  const arch = process.arch === 'arm64' ? 'aarch64' : 'x64';
  const nm = join(ROOT, 'node_modules');
  return findBinary('bun', [
    process.env.BUN_BIN,
    join(nm, 'bun', 'bin', 'bun.exe'),
    join(nm, '@oven', `bun-${process.platform}-${arch}`, 'bin', 'bun'),
    join(nm, '@oven', `bun-${process.platform}-${arch}-baseline`, 'bin', 'bun'),
    join(nm, '.bin', 'bun'),
    which('bun'),
  ]);
}

async function runDeno(tally, opts) {
  const deno = denoBinary();
  const args = [
    'run',
    '--no-prompt',
    '--no-lock',
    '--node-modules-dir=manual',
    `--allow-env=${DENO_ENV_VARS.join(',')}`,
    `--allow-read=${ROOT}`,
  ];
  console.log(`  ${rel(deno.path)} ${args.join(' ')} FILE  (${deno.version})`);
  await runUvuFiles(tally, testFiles(), { cmd: deno.path, args, env: { DENO_NO_UPDATE_CHECK: '1' } }, opts);
}

async function runBun(tally, opts) {
  const bun = bunBinary();
  const args = ['--no-env-file', '--no-install', 'run'];
  console.log(`  ${rel(bun.path)} ${args.join(' ')} FILE  (bun ${bun.version})`);
  await runUvuFiles(tally, testFiles(), { cmd: bun.path, args, env: { BUN_DISABLE_TELEMETRY: '1', DO_NOT_TRACK: '1' } }, opts);
}

async function runChromium(tally, opts) {
  const files = testFiles();
  if (!files.length) return tally.problem('no test/*.test.mjs files');
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(executablePath)) return tally.problem(`${executablePath} not found (apt-get install -y chromium)`);
  const { chromium } = await import('playwright-core');
  const { imports, unresolved } = buildImportMap(files);
  if (unresolved.length && opts.verbose) console.log(`  unresolved bare imports (ignored): ${unresolved.join(', ')}`);
  const urls = files.map((f) => '/' + rel(f));
  const runner = `
const h = (globalThis.__harness = { done: false, log: '', importErrors: [], fatal: null });
for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
  const original = console[level].bind(console);
  console[level] = (...args) => {
    h.log += args.map((a) => (typeof a === 'string' ? a : (a && a.stack) || String(a))).join(' ');
    original(...args);
  };
}
try {
  globalThis.UVU_DEFER = 1;
  const uvu = await import('uvu');
  const files = ${JSON.stringify(urls)};
  for (let i = 0; i < files.length; i++) {
    globalThis.UVU_INDEX = i;
    globalThis.UVU_QUEUE.push([files[i]]);
    try {
      await import(files[i]);
    } catch (e) {
      h.importErrors.push({ file: files[i], error: String((e && e.stack) || e) });
    }
  }
  await uvu.exec();
} catch (e) {
  h.fatal = String((e && e.stack) || e);
} finally {
  h.done = true;
}
`;
  const page = `<!doctype html>
<html><head><meta charset="utf-8"><title>diffopt tests</title>
<script type="importmap">${JSON.stringify({ imports }, null, 1)}</script>
<script type="module" src="/__harness__/run.mjs"></script>
</head><body></body></html>
`;
  const server = await serve(ROOT, {
    virtual: {
      '/__harness__/index.html': { type: MIME['.html'], body: page },
      '/__harness__/run.mjs': { type: MIME['.mjs'], body: runner },
    },
  });
  const profile = mkdtempSync(join(tmpdir(), 'diffopt-chromium-'));
  let context = null;
  const pageErrors = [];
  const badResponses = [];
  try {
    console.log(`  ${executablePath} ${CHROMIUM_ARGS.join(' ')}  (page ${server.url}/__harness__/index.html, ${files.length} files)`);
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: TIMEOUT.browserLaunch,
    });
    console.log(`  chromium ${context.browser()?.version() ?? ''}`.trimEnd());
    const p = context.pages()[0] || (await context.newPage());
    p.on('pageerror', (e) => pageErrors.push(String(e.stack || e)));
    p.on('response', (res) => {
      if (res.status() >= 400) badResponses.push(`${res.status()} ${res.url()}`);
    });
    p.on('requestfailed', (req) => badResponses.push(`failed ${req.url()} (${req.failure()?.errorText})`));
    await p.goto(`${server.url}/__harness__/index.html`, { timeout: TIMEOUT.browserLaunch });
    try {
      await p.waitForFunction(() => globalThis.__harness && globalThis.__harness.done, null, {
        timeout: TIMEOUT.browserRun,
        polling: 200,
      });
    } catch (e) {
      // Show what the page printed before it hung or crashed.
      const log = await withTimeout(p.evaluate(() => globalThis.__harness?.log ?? ''), 10_000, 'reading the log').catch(() => '');
      if (log) console.log(indent(tail(log)));
      for (const err of pageErrors) console.log(indent(`page error: ${err}`));
      throw e;
    }
    await p.waitForTimeout(250); // let late errors (timers left by tests) surface
    const h = await p.evaluate(() => globalThis.__harness);
    const s = parseUvu(h.log);
    if (s) {
      tally.passed += s.passed;
      tally.skipped += s.skipped;
      tally.failed += s.total - s.passed;
    } else tally.problem("no uvu summary in the page's console");
    for (const e of h.importErrors) tally.problem(`import of ${e.file} failed: ${e.error}`);
    if (h.fatal) tally.problem(`harness page: ${h.fatal}`);
    for (const e of pageErrors) tally.problem(`page error: ${e}`);
    const failedHere = s ? s.total - s.passed : 0;
    console.log(`  ${s ? `${s.passed}/${s.total} passed${s.skipped ? `, ${s.skipped} skipped` : ''}` : 'no summary'}`);
    if (failedHere || tally.problems.length || opts.verbose) {
      console.log(indent(tail(h.log)));
      if (badResponses.length) console.log(indent('HTTP errors:\n' + badResponses.join('\n')));
      for (const p of tally.problems) console.log(indent(p));
    }
  } finally {
    await context?.close().catch(() => {});
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

async function runWorkerd(tally, opts) {
  const entry = join(ROOT, 'test', 'edge', 'worker.mjs');
  for (const f of [entry, join(ROOT, 'dist', 'edge.js')]) {
    if (!existsSync(f)) return tally.problem(`${rel(f)} is missing`);
  }
  const { bundleForWorkerd } = await import('./check-edge.mjs');
  const { Miniflare } = await import('miniflare');
  const out = mkdtempSync(join(tmpdir(), 'diffopt-workerd-'));
  let mf = null;
  try {
    await bundleForWorkerd(entry, out);
    const outFiles = readdirSync(out).sort();
    if (!outFiles.some((f) => f.endsWith('.wasm'))) {
      tally.problem('the worker bundle has no .wasm file: dist/edge.js did not import diffopt.wasm');
    }
    // The modules are listed rather than found by miniflare's import scanner,
    // which rejects any dynamic import() with a non-literal specifier (the
    // runtime has one for file: URLs, never taken in workerd). Every .wasm is
    // a CompiledWasm module, i.e. the rule { type: 'CompiledWasm', include: ['**/*.wasm'] }.
    const modules = [
      { type: 'ESModule', path: join(out, 'worker.js') },
      ...outFiles.filter((f) => f.endsWith('.js') && f !== 'worker.js').map((f) => ({ type: 'ESModule', path: join(out, f) })),
      ...outFiles.filter((f) => f.endsWith('.wasm')).map((f) => ({ type: 'CompiledWasm', path: join(out, f) })),
    ];
    mf = new Miniflare({
      modules,
      modulesRoot: out,
      compatibilityDate: WORKERD_COMPAT_DATE,
      host: '127.0.0.1',
      port: 0,
    });
    const base = await withTimeout(mf.ready, TIMEOUT.workerd, 'miniflare start');
    console.log(`  esbuild --conditions=workerd,worker,browser --loader:.wasm=copy -> miniflare/workerd on ${base.origin} (compatibility date ${WORKERD_COMPAT_DATE})`);
    const ask = async (path, init) => {
      const res = await withTimeout(fetch(new URL(path, base), init), TIMEOUT.workerd, `request ${path}`);
      const body = await res.text();
      if (!res.ok) throw new Error(`${path}: HTTP ${res.status}: ${body}`);
      return JSON.parse(body);
    };
    countResults(tally, await ask('/builtin'), opts);
    const cases = checkCases();
    countResults(tally, await ask('/cases', { method: 'POST', body: JSON.stringify(cases), headers: { 'content-type': 'application/json' } }), opts);
  } catch (e) {
    tally.problem(`workerd: ${(e && e.stack) || e}`);
    console.log(indent(String((e && e.stack) || e)));
  } finally {
    if (mf) await withTimeout(mf.dispose(), 30_000, 'miniflare dispose').catch(() => {});
    rmSync(out, { recursive: true, force: true });
  }
}

async function runDenoUrl(tally, opts) {
  const script = join(ROOT, 'test', 'url', 'deno-url.mjs');
  for (const f of [script, join(ROOT, 'dist', 'index.js')]) {
    if (!existsSync(f)) return tally.problem(`${rel(f)} is missing`);
  }
  const deno = denoBinary();
  // Only dist/ is served; deno runs from an empty directory (no package.json,
  // no node_modules) with an empty cache, so the import really is by URL.
  const server = await serve(ROOT, { allow: (p) => p.startsWith('/dist/') });
  const work = mkdtempSync(join(tmpdir(), 'diffopt-deno-url-'));
  try {
    const copy = join(work, 'deno-url.mjs');
    writeFileSync(copy, readFileSync(script));
    const host = `127.0.0.1:${server.port}`;
    const args = ['run', '--no-config', '--no-lock', '--no-prompt', `--allow-import=${host}`, copy, String(server.port)];
    console.log(`  ${rel(deno.path)} ${args.join(' ').replace(copy, 'test/url/deno-url.mjs')}  (DENO_DIR empty)`);
    const r = await run(deno.path, args, {
      cwd: work,
      timeoutMs: TIMEOUT.denoUrl,
      input: JSON.stringify(checkCases()),
      env: { DENO_DIR: join(work, 'deno-dir'), DENO_NO_UPDATE_CHECK: '1' },
    });
    const results = [];
    for (const m of stripAnsi(r.out).matchAll(/^RESULT (.*)$/gm)) results.push(JSON.parse(m[1]));
    countResults(tally, results, opts);
    const done = /^DONE$/m.test(stripAnsi(r.out));
    if (!done || r.code !== 0) {
      tally.problem(`deno exited with ${r.signal || `code ${r.code}`}${done ? '' : ' before DONE'}${r.timedOut ? ' (timed out)' : ''}`);
    }
    if (!done || r.code !== 0 || results.some((x) => !x.ok) || opts.verbose) {
      console.log(indent(tail(r.out.replace(/^RESULT .*\n/gm, ''))));
      if (server.log.length) console.log(indent('server: ' + server.log.join(', ')));
    }
  } finally {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

async function runEdge(tally, opts) {
  const { checkEdge } = await import('./check-edge.mjs');
  const { results, notes } = await withTimeout(checkEdge(), TIMEOUT.edge, 'the edge example check');
  for (const n of notes) console.log(`  ${n}`);
  countResults(tally, results, opts);
}

async function runPack(tally, opts) {
  const { checkPack } = await import('./check-pack.mjs');
  const { results, notes } = checkPack();
  for (const n of notes) console.log(`  ${n}`);
  countResults(tally, results, opts);
}

async function runDocExamples(tally, opts) {
  const docs = await import('./doc-examples.mjs');
  const examples = docs.collectExamples();
  console.log(`  ${examples.length} examples (${examples.filter((e) => e.file !== 'README.md').length} TSDoc, ` +
    `${examples.filter((e) => e.file === 'README.md').length} README.md), each in its own node process against dist/`);
  const results = await docs.runExamples(examples, { concurrency: 2 });
  for (const r of results.filter((r) => r.skipped)) {
    tally.skipped += 1;
    console.log(`  skip ${r.name}: ${r.detail}`);
  }
  const claims = examples.reduce((n, e) => n + (e.claims || 0), 0);
  console.log(`  ${claims} value comments (// [1, 2, 3], // 0.1225, // 'bump') checked`);
  countResults(tally, results.filter((r) => !r.skipped), opts);
  countResults(tally, await docs.selfTest(), opts);
  countResults(tally, await docs.coverage(examples), opts);
  // The API reference (npm run docs) must build without a warning: a broken
  // {@link}, an exported type that is not exported, a TSDoc syntax error.
  const out = mkdtempSync(join(tmpdir(), 'diffopt-typedoc-'));
  try {
    const bin = join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc');
    const r = await run(process.execPath, [bin, '--out', out, '--logLevel', 'Warn'], { timeoutMs: TIMEOUT.typedoc });
    const text = stripAnsi(r.out).trim();
    const ok = r.code === 0 && !/\[(warning|error)\]/.test(text) && existsSync(join(out, 'index.html'));
    countResults(tally, [{ name: 'TypeDoc (npm run docs) builds the API reference without warnings', ok, detail: ok ? '' : text || `exit ${r.code}` }], opts);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function runTfjs(tally, opts) {
  const dir = join(ROOT, 'test', 'tfjs');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => join(dir, f)) : [];
  if (!files.length) return tally.problem('no test/tfjs/*.test.mjs files');
  const deno = denoBinary();
  const bun = bunBinary();
  const commands = [
    ['node', { cmd: process.execPath, args: [] }],
    ['deno', {
      cmd: deno.path,
      args: ['run', '--no-prompt', '--no-lock', '--node-modules-dir=manual', `--allow-env=${DENO_ENV_VARS.join(',')}`, `--allow-read=${ROOT}`],
      env: { DENO_NO_UPDATE_CHECK: '1' },
    }],
    ['bun', { cmd: bun.path, args: ['--no-env-file', '--no-install', 'run'], env: { BUN_DISABLE_TELEMETRY: '1', DO_NOT_TRACK: '1' } }],
  ];
  for (const [name, command] of commands) {
    const shown = command.cmd.startsWith(ROOT + sep) ? rel(command.cmd) : command.cmd;
    console.log(`  ${name}: ${[shown, ...command.args, 'FILE'].join(' ')}`);
    await runUvuFiles(tally, files, command, opts);
  }
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(executablePath)) return tally.problem(`${executablePath} not found (apt-get install -y chromium)`);
  console.log(`  chromium: esbuild FILE --bundle --platform=browser, one page per file`);
  const esbuild = await import('esbuild');
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'diffopt-tfjs-chromium-'));
  let context = null;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: CHROMIUM_ARGS, timeout: TIMEOUT.browserLaunch });
    for (const file of files) {
      const started = Date.now();
      // uvu runs on its own in a page (no UVU_DEFER) and prints its summary to the console.
      const bundle = await esbuild.build({
        entryPoints: [file],
        bundle: true,
        format: 'esm',
        platform: 'browser',
        write: false,
        absWorkingDir: ROOT,
        logLevel: 'silent',
        define: { 'process.env.NODE_ENV': '"production"' },
      });
      const server = await serve(ROOT, {
        allow: () => false,
        virtual: {
          '/index.html': { type: MIME['.html'], body: '<!doctype html><meta charset="utf-8"><script type="module" src="/test.js"></script>' },
          '/test.js': { type: MIME['.js'], body: bundle.outputFiles[0].contents },
        },
      });
      let log = '';
      const page = await context.newPage();
      const errors = [];
      page.on('console', (m) => (log += m.text() + '\n'));
      page.on('pageerror', (e) => errors.push(String(e.stack || e)));
      let bad = null;
      try {
        await page.goto(`${server.url}/index.html`, { timeout: TIMEOUT.browserLaunch });
        const deadline = Date.now() + TIMEOUT.file;
        while (!/Duration:/.test(stripAnsi(log)) && !errors.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
        await page.waitForTimeout(250);
      } finally {
        await page.close().catch(() => {});
        await server.close();
      }
      const s = parseUvu(log);
      if (s) {
        tally.passed += s.passed;
        tally.skipped += s.skipped;
        tally.failed += s.total - s.passed;
        if (s.total === 0) bad = 'ran no test';
      } else bad = errors.length ? `page error: ${errors[0].split('\n')[0]}` : 'no uvu summary (timed out?)';
      if (!bad && errors.length) bad = `page error: ${errors[0].split('\n')[0]}`;
      if (bad) tally.problem(`chromium ${rel(file)}: ${bad}`);
      const failedHere = s ? s.total - s.passed : 0;
      const counts = s ? `${s.passed}/${s.total} passed` : 'no summary';
      console.log(`  ${bad || failedHere ? 'FAIL' : 'ok  '} ${rel(file)}  ${counts}  (${((Date.now() - started) / 1000).toFixed(1)} s)${bad ? `  -- ${bad}` : ''}`);
      if (bad || failedHere || opts.verbose) console.log(indent(tail(log + errors.join('\n'))));
    }
  } finally {
    await context?.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- playground

/** |a − b| ≤ atol + rtol·|b| elementwise; returns a message or null. */
function closeArrays(what, got, want, rtol = 1e-12, atol = 1e-14) {
  if (!Array.isArray(got)) return `${what}: nothing shown (got ${JSON.stringify(got)})`;
  if (got.length !== want.length) return `${what}: ${got.length} values shown, expected ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i]))) {
      return `${what}[${i}]: shown ${got[i]}, diffopt in Node gives ${want[i]}`;
    }
  }
  return null;
}

/** The rounded text must show the same numbers (to its printed decimals). */
function closeText(what, text, want) {
  const tokens = [...String(text).matchAll(/-?\d+(?:\.(\d+))?/g)];
  if (tokens.length !== want.length) return `${what}: text '${text}' has ${tokens.length} numbers, expected ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const decimals = tokens[i][1]?.length ?? 0;
    if (!(Math.abs(Number(tokens[i][0]) - want[i]) <= 0.5 * 10 ** -decimals * (1 + 1e-9) + 1e-12)) {
      return `${what}: text shows ${tokens[i][0]}, expected ${want[i]}`;
    }
  }
  return null;
}

async function runPlayground(tally, opts) {
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(executablePath)) return tally.problem(`${executablePath} not found (apt-get install -y chromium)`);
  const dir = join(ROOT, 'examples', 'playground');
  // Build exactly as `npm run playground` does, through rollup's API.
  const { rollup } = await import('rollup');
  const config = (await import(pathToFileURL(join(dir, 'rollup.config.mjs')).href)).default;
  const bundle = await rollup({ input: config.input, plugins: config.plugins, onwarn: (w) => console.log(`  rollup: ${w.message}`) });
  await bundle.write(config.output);
  await bundle.close();
  console.log(`  rollup -c ${rel(join(dir, 'rollup.config.mjs'))} -> ${rel(config.output.file)}`);

  // The reference: the same library, in this Node process.
  const lib = await import(pathToFileURL(join(ROOT, 'dist', 'index.js')).href);
  await lib.init();

  const { chromium } = await import('playwright-core');
  const server = await serve(join(dir, 'dist'));
  const profile = mkdtempSync(join(tmpdir(), 'diffopt-playground-'));
  const results = [];
  const pageErrors = [];
  let context = null;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: TIMEOUT.browserLaunch,
      viewport: { width: 1180, height: 900 },
    });
    const p = context.pages()[0] || (await context.newPage());
    p.on('pageerror', (e) => pageErrors.push(String(e.stack || e)));
    console.log(`  chromium ${context.browser()?.version() ?? ''} on ${server.url}/index.html`);
    await p.goto(`${server.url}/index.html`, { timeout: TIMEOUT.browserLaunch });
    await p.waitForFunction(() => document.getElementById('status')?.dataset.state !== 'loading', null, { timeout: TIMEOUT.playground });
    const state = await p.evaluate(() => [document.getElementById('status').dataset.state, document.getElementById('status').textContent]);
    results.push({ name: 'the page loads diffopt', ok: state[0] === 'ready', detail: state[1] });
    if (state[0] !== 'ready') throw new Error(`page status: ${state[1]}`);

    /**
     * Sets a control as a person would: typing into text fields and picking
     * options go through Playwright (native input events); a range input
     * cannot be typed into, so its value is set and an input event fired,
     * as a drag does (one check below also moves a slider with the keyboard).
     * Every panel updates synchronously in its input handler.
     */
    const set = async (id, value) => {
      const kind = await p.evaluate((id) => {
        const node = document.getElementById(id);
        return node.tagName === 'SELECT' ? 'select' : node.type;
      }, id);
      if (kind === 'text') return p.fill(`#${id}`, String(value));
      if (kind === 'select') return p.selectOption(`#${id}`, String(value));
      return p.evaluate(([id, value]) => {
        const node = document.getElementById(id);
        node.value = String(value);
        node.dispatchEvent(new Event('input', { bubbles: true }));
      }, [id, value]);
    };
    /** What an element shows: its text and its full-precision data. */
    const read = (id) =>
      p.evaluate((id) => {
        const node = document.getElementById(id);
        const parse = (s) => (s === undefined ? undefined : JSON.parse(s));
        return { text: node.textContent, values: parse(node.dataset.values), value: parse(node.dataset.value), shape: parse(node.dataset.shape) };
      }, id);
    const error = async (panel) => (await read(`${panel}-error`)).text;
    /** One check: `body` returns a list of problems (null entries are fine). */
    const check = async (name, body) => {
      try {
        const problems = (await body()).filter(Boolean);
        results.push({ name, ok: problems.length === 0, detail: problems.join('\n') });
      } catch (e) {
        results.push({ name, ok: false, detail: String((e && e.stack) || e) });
      }
    };
    const shown = async (id, want, what = id) => {
      const r = await read(id);
      const values = r.values ?? (r.value === undefined ? undefined : [r.value].flat());
      return [closeArrays(what, values, Array.from(want)), closeText(what, r.text, Array.from(want))];
    };

    // (1) soft rank / soft sort
    const rankCases = [
      { theta: '0.9, -0.4, 2.1, 1.7, 0.3', reg: 'l2', slider: -2 },
      { theta: '0.9, -0.4, 2.1, 1.7, 0.3', reg: 'l2', slider: -0.5 },
      { theta: '0.9, -0.4, 2.1, 1.7, 0.3', reg: 'l2', slider: 1.2 },
      { theta: '3, 1, 2, 5, 4, 0.5', reg: 'kl', slider: 0.3 },
    ];
    for (const c of rankCases) {
      await check(`rank: θ=[${c.theta}] ${c.reg} log10 ε=${c.slider}`, async () => {
        await set('rank-input', c.theta);
        await set('rank-reg', c.reg);
        await set('rank-strength', c.slider);
        const theta = c.theta.split(',').map(Number);
        const eps = (await read('rank-eps')).value;
        const opts = { strength: eps, regularization: c.reg };
        return [
          (await error('rank')) || null,
          closeArrays('ε', [eps], [10 ** c.slider]),
          ...(await shown('rank-out', lib.softRank(theta, opts), 'softRank')),
          ...(await shown('sort-out', lib.softSort(theta, opts), 'softSort')),
        ];
      });
    }
    await check('rank: ε = 0.01 shows the hard ranks [3, 1, 5, 4, 2]', async () => {
      await set('rank-input', '0.9, -0.4, 2.1, 1.7, 0.3');
      await set('rank-reg', 'l2');
      await set('rank-strength', -2);
      return [closeArrays('softRank', (await read('rank-out')).values, [3, 1, 5, 4, 2], 1e-12, 1e-12)];
    });

    await check('rank: the slider moves with the keyboard (native input events)', async () => {
      await set('rank-input', '0.9, -0.4, 2.1, 1.7, 0.3');
      await set('rank-reg', 'l2');
      await set('rank-strength', 0);
      await p.focus('#rank-strength');
      await p.keyboard.press('ArrowRight');
      await p.keyboard.press('ArrowRight');
      const slider = Number(await p.inputValue('#rank-strength'));
      const eps = (await read('rank-eps')).value;
      const theta = [0.9, -0.4, 2.1, 1.7, 0.3];
      return [
        Math.abs(slider - 0.02) < 1e-9 ? null : `slider at ${slider} after two steps of 0.01`,
        closeArrays('ε', [eps], [10 ** slider]),
        ...(await shown('rank-out', lib.softRank(theta, { strength: eps }), 'softRank')),
      ];
    });

    // (2) soft-DTW alignment
    const dtwCases = [
      { X: '0, 0.5, 1.5, 2, 1, 0.3, 0', Y: '0, 0.2, 0.4, 1.4, 2.1, 1.8, 0.9, 0.2, 0', slider: -1 },
      { X: '0, 0.5, 1.5, 2, 1, 0.3, 0', Y: '0, 0.2, 0.4, 1.4, 2.1, 1.8, 0.9, 0.2, 0', slider: -3 },
      { X: '1, 2, 2, 3', Y: '1, 2, 3, 4', slider: 0 },
      { X: '1 3 -1 0 2', Y: '0 2 -1', slider: 0.7 },
    ];
    for (const c of dtwCases) {
      await check(`dtw: X=[${c.X}] Y=[${c.Y}] log10 γ=${c.slider}`, async () => {
        await set('dtw-x', c.X);
        await set('dtw-y', c.Y);
        await set('dtw-gamma', c.slider);
        const X = c.X.split(/[\s,]+/).map(Number);
        const Y = c.Y.split(/[\s,]+/).map(Number);
        const gamma = (await read('dtw-gamma-value')).value;
        const E = lib.softDtwAlignment(X, Y, { gamma });
        const align = await read('dtw-align');
        return [
          (await error('dtw')) || null,
          closeArrays('γ', [gamma], [10 ** c.slider]),
          ...(await shown('dtw-value', [lib.softDtw(X, Y, { gamma })], 'softDtw')),
          closeArrays('alignment', align.values, Array.from(E)),
          JSON.stringify(align.shape) === JSON.stringify([X.length, Y.length]) ? null : `alignment shape ${JSON.stringify(align.shape)}`,
          closeArrays('E corners', [align.values[0], align.values[E.length - 1]], [1, 1], 1e-9, 1e-9),
        ];
      });
    }
    await check('dtw: a bad series shows an error, not a crash', async () => {
      await set('dtw-x', '1, two, 3');
      const msg = await error('dtw');
      await set('dtw-x', '0, 0.5, 1.5, 2, 1, 0.3, 0');
      return [/dtw-x: 'two' is not a number/.test(msg) ? null : `error shown: '${msg}'`, (await error('dtw')) || null];
    });

    // (3) softmax / sparsemax / entmax
    const fyCases = [
      { theta: '1.2, 0.9, 0.1, -0.5, 0.6', alpha: 1.5 },
      { theta: '1.2, 0.9, 0.1, -0.5, 0.6', alpha: 1 },
      { theta: '1.2, 0.9, 0.1, -0.5, 0.6', alpha: 2 },
      { theta: '0.5, 1.2, -0.3', alpha: 2.7 },
    ];
    for (const c of fyCases) {
      await check(`fy: logits=[${c.theta}] α=${c.alpha}`, async () => {
        await set('fy-input', c.theta);
        await set('fy-alpha', c.alpha);
        const theta = c.theta.split(',').map(Number);
        const alpha = (await read('fy-alpha-value')).value;
        const out = [
          (await error('fy')) || null,
          closeArrays('α', [alpha], [c.alpha]),
          ...(await shown('fy-softmax', lib.softmax(theta), 'softmax')),
          ...(await shown('fy-sparsemax', lib.sparsemax(theta), 'sparsemax')),
          ...(await shown('fy-entmax', lib.entmax(theta, { alpha }), 'entmax')),
        ];
        // Known limits, independent of the Node call: α = 1 is softmax, α = 2 sparsemax.
        const ent = (await read('fy-entmax')).values;
        if (c.alpha === 1) out.push(closeArrays('entmax α=1 vs softmax', ent, (await read('fy-softmax')).values, 1e-9, 1e-12));
        if (c.alpha === 2) out.push(closeArrays('entmax α=2 vs sparsemax', ent, (await read('fy-sparsemax')).values, 1e-9, 1e-12));
        return out;
      });
    }

    // (4) perturbed argmax (the page uses 2000 samples, seed 0, Gaussian noise)
    const pertCases = [
      { theta: '0.3, 1.2, -0.3, 0.9', slider: -0.3 },
      { theta: '0.3, 1.2, -0.3, 0.9', slider: -2 },
      { theta: '0.3, 1.2, -0.3, 0.9', slider: 0.8 },
      { theta: '2, 0, 1', slider: 0 },
    ];
    for (const c of pertCases) {
      await check(`perturbed: θ=[${c.theta}] log10 ε=${c.slider}`, async () => {
        await set('pert-input', c.theta);
        await set('pert-eps', c.slider);
        const theta = c.theta.split(',').map(Number);
        const epsilon = (await read('pert-eps-value')).value;
        const est = lib.perturbed('argmax', { epsilon, samples: 2000, seed: 0 }).estimate(theta);
        const probs = (await read('pert-probs')).values;
        return [
          (await error('pert')) || null,
          closeArrays('ε', [epsilon], [10 ** c.slider]),
          ...(await shown('pert-probs', est.output, 'probabilities')),
          ...(await shown('pert-stderr', est.outputStderr, 'stderr')),
          Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-9 ? null : `probabilities sum to ${probs.reduce((a, b) => a + b, 0)}`,
        ];
      });
    }

    // (5) Lasso on diabetes: gradSearch steps over the gridSearch curve
    const { X, y, shape } = lib.loadDiabetes();
    const data = { X: { data: lib.standardize(X, { shape }).X, shape }, y, split: 0.25, splitSeed: 0 };
    const grid = lib.gridSearch({ ...data, count: 60 });
    await check('lasso: grid search best (60 points) as in Node', async () => (await shown('lasso-grid-best', [grid.best.logLambda, grid.best.value], 'grid best')));
    const lassoCases = [
      { slider: -2.3, optimizer: 'line-search' },
      { slider: -6, optimizer: 'line-search' },
      { slider: -0.5, optimizer: 'line-search' },
      { slider: -4, optimizer: 'adam' },
    ];
    for (const c of lassoCases) {
      await check(`lasso: start log λ_max ${c.slider}, ${c.optimizer}`, async () => {
        await set('lasso-optimizer', c.optimizer);
        await set('lasso-start', c.slider);
        const logLambda0 = (await read('lasso-start-value')).value;
        const res = lib.gradSearch({ ...data, logLambda0, optimizer: c.optimizer });
        const path = (await read('lasso-path')).values;
        const want = res.path.map((s) => [s.logLambda, s.value, s.accepted]);
        const out = [
          (await error('lasso')) || null,
          closeArrays('start', [logLambda0], [Math.log(grid.lambdaMax) + c.slider]),
          ...(await shown('lasso-grad-best', [res.best.logLambda, res.best.value], 'grad best')),
          closeArrays('path log λ', path.map((s) => s[0]), want.map((s) => s[0])),
          closeArrays('path value', path.map((s) => s[1]), want.map((s) => s[1])),
          JSON.stringify(path.map((s) => s[2])) === JSON.stringify(want.map((s) => s[2])) ? null : 'accepted flags differ',
          (await read('lasso-evals')).value === res.evaluations ? null : 'evaluation count differs',
        ];
        // The point of the panel: a few hypergradient steps land on the grid's optimum.
        if (c.optimizer === 'line-search') {
          out.push(res.best.value <= grid.best.value * (1 + 1e-3) ? null : `gradSearch ${res.best.value} vs grid ${grid.best.value}`);
        }
        return out;
      });
    }

    // Back to the defaults for the screenshot.
    await set('lasso-optimizer', 'line-search');
    await set('lasso-start', -2.3);
    await set('pert-input', '0.3, 1.2, -0.3, 0.9');
    await set('pert-eps', -0.3);
    await set('fy-input', '1.2, 0.9, 0.1, -0.5, 0.6');
    await set('fy-alpha', 1.5);
    await set('rank-strength', -0.3);
    await set('dtw-x', '0, 0.5, 1.5, 2, 1, 0.3, 0');
    await set('dtw-y', '0, 0.2, 0.4, 1.4, 2.1, 1.8, 0.9, 0.2, 0');
    await set('dtw-gamma', -1);
    await p.evaluate(() => document.activeElement?.blur());
    const shot = join(ROOT, 'test-results', 'playground.png');
    await p.screenshot({ path: shot, fullPage: true });
    console.log(`  screenshot: ${rel(shot)}`);
    results.push({ name: 'no uncaught page error', ok: pageErrors.length === 0, detail: pageErrors.join('\n') });
  } finally {
    await context?.close().catch(() => {});
    await server.close();
    rmSync(profile, { recursive: true, force: true });
    countResults(tally, results, opts);
  }
}

const RUNNERS = {
  tfjs: runTfjs,
  cargo: runCargo,
  node: runNode,
  deno: runDeno,
  bun: runBun,
  chromium: runChromium,
  workerd: runWorkerd,
  'deno-url': runDenoUrl,
  edge: runEdge,
  pack: runPack,
  'doc-examples': runDocExamples,
  playground: runPlayground,
};

// ---------------------------------------------------------------- main

async function ensureBuilt(needsDist) {
  if (!needsDist || existsSync(join(ROOT, 'dist', 'index.js'))) return true;
  heading('build (dist/index.js is missing)');
  const r = await run('npm', ['run', 'build'], { timeoutMs: TIMEOUT.build, inherit: true });
  if (r.code === 0 && existsSync(join(ROOT, 'dist', 'index.js'))) return true;
  console.log(`  npm run build failed (${r.timedOut ? 'timed out' : r.signal || `code ${r.code}`})`);
  return false;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const selected = RUNTIMES.filter((n) => (!opts.only || opts.only.has(n)) && !opts.skip.has(n));
  if (!selected.length) fail('no runtime selected');
  const started = Date.now();
  const tallies = [];
  if (!(await ensureBuilt(selected.some((n) => n !== 'cargo')))) {
    const t = new Tally('build');
    t.problem('npm run build failed');
    tallies.push(t);
  } else {
    for (const name of selected) {
      heading(name);
      const tally = new Tally(name);
      const t0 = Date.now();
      try {
        await RUNNERS[name](tally, opts);
      } catch (e) {
        tally.problem(`${name} crashed: ${(e && e.stack) || e}`);
        console.log(indent(String((e && e.stack) || e)));
      }
      if (tally.passed + tally.failed === 0) tally.problem('ran no test');
      for (const p of tally.problems) console.log(`  problem: ${p.split('\n')[0]}`);
      console.log(`${tally.line()}  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      tallies.push(tally);
    }
  }
  const passed = tallies.reduce((s, t) => s + t.passed, 0);
  const failed = tallies.reduce((s, t) => s + t.failed, 0);
  heading(`summary (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  for (const t of tallies) console.log(`  ${t.failed ? 'FAIL' : 'ok  '} ${t.line()}`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(e);
    console.log('0 passed, 1 failed');
    process.exitCode = 1;
  },
);
