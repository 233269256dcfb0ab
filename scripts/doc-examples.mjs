// Runs the examples of the documentation, so they cannot rot: every ```ts /
// ```js block of a TSDoc comment in ts/**/*.ts (the `@example` of each public
// function, which TypeDoc puts in docs/api/) and of README.md becomes a module
// and runs in its own Node process. `from 'diffopt'` / `'diffopt/slim'` /
// `'diffopt/tfjs'` are mapped to the built dist/index.js / slim.js / tfjs.js
// (run the build first);
// TypeScript is stripped by esbuild (types only, nothing else changes).
//
// An example that cannot run here (it needs a browser, a network, a file of
// the reader's) is marked in its fence: ```ts skip: REASON — it is listed as
// skipped with the reason. An example passes when its process exits with 0
// within the time limit; a thrown error (a call that no longer exists, a
// wrong option, a DiffoptError) fails it.
//
//   node scripts/doc-examples.mjs [--verbose] [--list] [FILTER]
// Exported for scripts/test-all.mjs (section `doc-examples`):
//   collectExamples() -> [{ id, file, line, symbol, lang, code, skip }]
//   runExamples(examples, { concurrency }) -> [{ name, ok, skipped, detail }]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TIMEOUT_MS = Number(process.env.DIFFOPT_DOC_EXAMPLE_TIMEOUT || 120) * 1000;
const LANGS = new Set(['ts', 'js', 'typescript', 'javascript', 'mjs']);
/** Specifiers of the package, mapped to the built files. */
const SPECIFIERS = {
  diffopt: join(ROOT, 'dist', 'index.js'),
  'diffopt/slim': join(ROOT, 'dist', 'slim.js'),
  'diffopt/tfjs': join(ROOT, 'dist', 'tfjs.js'),
};

const rel = (p) => relative(ROOT, p).split(sep).join('/');

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/**
 * Fenced code blocks of a markdown text given as lines: [{ lang, info, code, line }]
 * (line: 0-based index of the opening fence in `lines`).
 */
function fences(lines) {
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, pad, fence, lang, info] = open;
    const body = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      if (lines[j].trimStart().startsWith(fence) && lines[j].trim() === fence[0].repeat(lines[j].trim().length)) break;
      body.push(lines[j].startsWith(pad) ? lines[j].slice(pad.length) : lines[j].trimStart());
    }
    blocks.push({ lang: lang.toLowerCase(), info: info.trim(), code: body.join('\n') + '\n', line: i });
    i = j;
  }
  return blocks;
}

/** The reason after `skip:` in a fence's info string, or null. */
const skipReason = (info) => {
  const m = /(?:^|\s)skip:\s*(.+)$/.exec(info);
  return m ? m[1].trim() : null;
};

export function collectExamples() {
  const examples = [];
  for (const file of walk(join(ROOT, 'ts'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
      const startLine = text.slice(0, m.index).split('\n').length; // 1-based line of `/**`
      const lines = m[1].split('\n').map((l) => l.replace(/^\s*\* ?/, ''));
      // The documented symbol: the first declaration after the comment.
      const after = text.slice(m.index + m[0].length, m.index + m[0].length + 400);
      const decl = /^\s*(?:export\s+)?(?:declare\s+)?(?:default\s+)?(?:async\s+)?(?:abstract\s+)?(?:const|let|function\*?|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/.exec(after)
        || /^\s*(?:readonly\s+|static\s+|get\s+|set\s+|async\s+)*([A-Za-z_$][\w$]*)\s*[(<:=?,]/.exec(after);
      const symbol = decl ? decl[1] : '(module)';
      for (const b of fences(lines)) {
        if (!LANGS.has(b.lang)) continue;
        const line = startLine + b.line;
        examples.push({ id: `${rel(file)}:${line}`, file: rel(file), line, symbol, lang: b.lang, code: b.code, skip: skipReason(b.info) });
      }
    }
  }
  const readme = join(ROOT, 'README.md');
  const lines = readFileSync(readme, 'utf8').split('\n');
  for (const b of fences(lines)) {
    if (!LANGS.has(b.lang)) continue;
    // The README section the block is in.
    let heading = '';
    for (let k = b.line; k >= 0; k--) {
      const h = /^#{1,6}\s+(.*)$/.exec(lines[k]);
      if (h) {
        heading = h[1].trim();
        break;
      }
    }
    examples.push({ id: `README.md:${b.line + 1}`, file: 'README.md', line: b.line + 1, symbol: heading ? `§ ${heading}` : '(top)', lang: b.lang, code: b.code, skip: skipReason(b.info) });
  }
  return examples;
}

// A statement line whose comment is only a number or a list of numbers
// (optionally `Float64Array [...]`, optionally followed by `: explanation`),
// e.g. `isotonic([3, 1, 2, -5]); // Float64Array [3, 1.5, 1.5, -5]`, is a
// claim about the value: it is checked, to the precision the comment prints.
// So are 'strings', lists of them and true / false (exactly).
const NUM = String.raw`-?\d+(?:\.\d+)?(?:e[-+]?\d+)?`;
const STR = String.raw`'[^'\\]*'`;
const LITERAL = String.raw`\[\s*${NUM}(?:\s*,\s*${NUM})*\s*\]|${NUM}|${STR}|\[\s*${STR}(?:\s*,\s*${STR})*\s*\]|true|false`;
const CLAIM = new RegExp(String.raw`^(?!\s|const\b|let\b|var\b|import\b|export\b|await\b|return\b)(.+?);\s*//\s*(?:Float64Array\s*)?(${LITERAL})(?:\s*$|\s*[:(—-])`);

/** Rewrites value claims into checks; returns the new code and how many. */
function instrument(code) {
  let claims = 0;
  const lines = code.split('\n').map((line) => {
    const m = CLAIM.exec(line);
    if (!m) return line;
    claims++;
    const log = /^console\.log\((.*)\)$/.exec(m[1].trim()); // `console.log(x); // [..]` claims x
    const expr = log ? log[1] : m[1];
    const check = `__claim(${JSON.stringify(m[2])}, (${expr}), ${JSON.stringify(expr.trim())})`;
    return log ? `console.log(${check});` : `${check};`;
  });
  return { code: lines.join('\n'), claims };
}

/** Checks `actual` against the numbers printed in a comment, to their printed precision. */
const CLAIM_CHECKER = `
function __claim(text, actual, expr) {
  if (/^(true|false)$|'/.test(text.trim())) {
    // Strings and booleans: exact. Single-quoted in the docs, JSON here.
    const want = JSON.parse(text.replace(/'/g, '"'));
    if (JSON.stringify(Array.isArray(want) ? Array.from(actual ?? []) : actual) !== JSON.stringify(want)) {
      throw new Error(\`doc example claims \${expr} is \${text}, but it is \${JSON.stringify(actual)}\`);
    }
    return actual;
  }
  const nums = text.replace(/[\\[\\]]/g, '').split(',').map((t) => t.trim());
  const got = typeof actual === 'number' ? [actual] : actual && typeof actual.length === 'number' && typeof actual !== 'string' ? Array.from(actual) : null;
  const bad = (why) => { throw new Error(\`doc example claims \${expr} is \${text}, but \${why}\`); };
  if (!got || !got.every((v) => typeof v === 'number')) bad(\`it is \${String(actual)}\`);
  if ((text.trim().startsWith('[')) !== (typeof actual !== 'number')) bad(\`it is \${typeof actual === 'number' ? 'a number' : 'a list'}: \${got.join(', ')}\`);
  if (got.length !== nums.length) bad(\`it has \${got.length} entries: \${got.join(', ')}\`);
  nums.forEach((t, i) => {
    const decimals = (/\\.(\\d+)/.exec(t.split(/e/i)[0]) || ['', ''])[1].length;
    const e = Number(t);
    // Half a unit of the last printed digit (plus a hair for binary rounding).
    const tol = 0.5 * 10 ** -decimals * (/e/i.test(t) ? 10 ** Number(t.split(/e/i)[1]) : 1) * 1.001 + 1e-12;
    if (!(Math.abs(got[i] - e) <= tol)) bad(\`entry \${i} is \${got[i]}: \${got.join(', ')}\`);
  });
  return actual;
}
`;

/** The example as a runnable ES module (package specifiers -> dist files, types stripped). */
export async function toModule(example) {
  const esbuild = await import('esbuild');
  const { code: claimed, claims } = instrument(example.code);
  example.claims = claims;
  const mapped = (claims ? claimed + CLAIM_CHECKER : claimed).replace(/(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(diffopt(?:\/slim|\/tfjs)?)\2/g, (all, pre, q, spec) =>
    `${pre}${q}${pathToFileURL(SPECIFIERS[spec]).href}${q}`);
  const { code } = await esbuild.transform(mapped, {
    loader: example.lang.startsWith('t') ? 'ts' : 'js',
    format: 'esm',
    target: 'es2022',
    sourcefile: example.id,
  });
  return `// ${example.id} (${example.symbol})\n${code}`;
}

function runNode(file) {
  return new Promise((done) => {
    let out = '';
    const child = spawn(process.execPath, [file], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    const timer = setTimeout(() => {
      out += `\n[doc-examples] timed out after ${TIMEOUT_MS / 1000} s: killed\n`;
      child.kill('SIGKILL');
    }, TIMEOUT_MS);
    const collect = (d) => {
      if (out.length < 1e6) out += d;
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (e) => {
      clearTimeout(timer);
      done({ code: null, out: out + e.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, out });
    });
  });
}

export async function runExamples(examples, { concurrency = 2 } = {}) {
  for (const f of Object.values(SPECIFIERS)) {
    try {
      statSync(f);
    } catch {
      return [{ name: 'doc examples', ok: false, detail: `${rel(f)} is missing: run node scripts/build.mjs` }];
    }
  }
  // Inside the repository (build/ is ignored by git), so that other bare
  // imports of an example (e.g. '@tensorflow/tfjs') resolve from its node_modules.
  mkdirSync(join(ROOT, 'build'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'build', 'doc-examples-'));
  const results = new Array(examples.length);
  let next = 0;
  const worker = async () => {
    while (next < examples.length) {
      const k = next++;
      const ex = examples[k];
      const name = `${ex.id} ${ex.symbol}`;
      if (ex.skip) {
        results[k] = { name, ok: true, skipped: true, detail: ex.skip };
        continue;
      }
      let source;
      try {
        source = await toModule(ex);
      } catch (e) {
        results[k] = { name, ok: false, detail: `does not parse: ${e.message}` };
        continue;
      }
      const file = join(dir, `${String(k).padStart(3, '0')}.mjs`);
      writeFileSync(file, source);
      const t = performance.now();
      const r = await runNode(file);
      const ms = performance.now() - t;
      const ok = r.code === 0;
      results[k] = ok
        ? { name, ok, detail: `${(ms / 1000).toFixed(1)} s, ${ex.claims} value claim${ex.claims === 1 ? '' : 's'} checked` }
        : { name, ok, detail: `exited with ${r.signal || `code ${r.code}`}\n${r.out.trim()}\n--- the module run:\n${source}` };
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/**
 * Checks of the checker, so a green run means something: a wrong numeric
 * claim, a claim beyond the printed precision and a wrong string claim must
 * fail; a right claim must pass.
 */
export async function selfTest() {
  const mk = (code) => ({ id: 'self-test', symbol: '', lang: 'ts', skip: null,
    code: `import { init, softSort } from 'diffopt';\nawait init();\n${code}\n` });
  const cases = [
    ['a right claim passes', 'softSort([3, 1, 2], { strength: 0.1 }); // [1, 2, 3]', true],
    ['a wrong claim fails', 'softSort([3, 1, 2], { strength: 0.1 }); // [1, 2, 4]', false],
    ['a claim off in its last printed digit fails', '1.23456; // 1.2345', false],
    ['a wrong string claim fails', "'a'.repeat(2); // 'ab'", false],
    ['a throwing example fails', "softSort([3, 1, 2], { strength: -1 });", false],
  ];
  const runs = await runExamples(cases.map(([, code]) => mk(code)), { concurrency: 2 });
  return cases.map(([what, , pass], k) => ({
    name: `doc-examples checker: ${what}`,
    ok: runs[k].ok === pass,
    detail: runs[k].ok === pass ? '' : `expected ${pass ? 'a pass' : 'a failure'}, got: ${runs[k].detail}`,
  }));
}

/**
 * Every exported function and class of the package has a TSDoc @example
 * (the TypeDoc page shows it; this script runs it). Constants are exempt.
 */
export async function coverage(examples) {
  const lib = await import(pathToFileURL(SPECIFIERS.diffopt).href);
  const documented = new Set(examples.filter((e) => e.file !== 'README.md').map((e) => e.symbol));
  return Object.keys(lib)
    .filter((k) => typeof lib[k] === 'function')
    .sort()
    .map((k) => ({
      name: `${k} has a TSDoc @example`,
      ok: documented.has(k),
      detail: documented.has(k) ? '' : `add an @example to the TSDoc comment of ${k}`,
    }));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const verbose = args.includes('--verbose') || args.includes('-v');
  const filter = args.find((a) => !a.startsWith('-'));
  let examples = collectExamples();
  if (filter) examples = examples.filter((e) => e.id.includes(filter) || e.symbol.includes(filter));
  if (args.includes('--list')) {
    for (const e of examples) console.log(`${e.id}  ${e.symbol}${e.skip ? `  (skip: ${e.skip})` : ''}`);
    process.exit(0);
  }
  const results = await runExamples(examples);
  for (const r of results) {
    if (!r.ok || verbose || r.skipped) console.log(`${r.skipped ? 'skip' : r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.detail ? `  ${r.ok ? `(${r.detail})` : '\n' + r.detail}` : ''}`);
  }
  const failed = results.filter((r) => !r.ok).length;
  const skipped = results.filter((r) => r.skipped).length;
  const claims = examples.reduce((n, e) => n + (e.claims || 0), 0);
  console.log(`${results.length - failed - skipped} passed, ${failed} failed, ${skipped} skipped (${claims} value claims checked)`);
  process.exitCode = failed ? 1 : 0;
}
