// Runs every benchmark in sequence (npm run bench): each bench/*.mjs other
// than this file, in name order, as its own `node` process (one family at a
// time: they would disturb each other's timings). Arguments are passed on to
// each (e.g. `npm run bench -- --quick`); a flag one benchmark does not know
// is ignored by it.
//
// Own flags: --only a,b   run only these families (file names without .mjs)
//            --skip a,b   leave these out
// A new benchmark needs no change here: add bench/NAME.mjs (built on
// bench/lib/) and an `npm run bench:NAME` script.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const self = basename(fileURLToPath(import.meta.url));

const argv = process.argv.slice(2);
const own = {};
const pass = [];
for (let i = 0; i < argv.length; i++) {
  if ((argv[i] === '--only' || argv[i] === '--skip') && i + 1 < argv.length) own[argv[i].slice(2)] = argv[++i].split(',');
  else pass.push(argv[i]);
}

const all = readdirSync(here).filter((f) => f.endsWith('.mjs') && f !== self).sort().map((f) => f.slice(0, -4));
const names = all.filter((n) => (!own.only || own.only.includes(n)) && !own.skip?.includes(n));
for (const n of [...(own.only ?? []), ...(own.skip ?? [])]) {
  if (!all.includes(n)) console.error(`[bench] warning: no benchmark bench/${n}.mjs (have: ${all.join(', ')})`);
}

const summary = [];
for (const name of names) {
  console.log(`\n=== bench/${name}.mjs ${pass.join(' ')}`.trimEnd());
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(here, `${name}.mjs`), ...pass], { stdio: 'inherit' });
  const seconds = (performance.now() - t0) / 1e3;
  summary.push({ name, ok: r.status === 0, status: r.status ?? r.signal, seconds });
}

console.log('\n=== summary');
for (const s of summary) console.log(`${s.ok ? 'ok  ' : 'FAIL'}  ${s.name.padEnd(10)} ${s.seconds.toFixed(0).padStart(5)} s${s.ok ? '' : `  (exit ${s.status})`}`);
if (summary.some((s) => !s.ok)) process.exitCode = 1;
