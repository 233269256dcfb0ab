// One build command: wasm (crates/wasm → dist/diffopt.wasm), TypeScript
// (ts/ → build/ts + build/types), rollup bundles (dist/*.js), types
// (dist/*.d.ts) and the API reference (docs/api/, TypeDoc).
// `--skip-wasm` reuses an existing dist/diffopt.wasm; `--no-docs` skips TypeDoc.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

const skipWasm = process.argv.includes('--skip-wasm') && existsSync(join(root, 'dist', 'diffopt.wasm'));
if (!skipWasm) run(process.execPath, [join(root, 'scripts', 'build-wasm.mjs')]);

rmSync(join(root, 'build'), { recursive: true, force: true });
console.log('[build] tsc');
run(bin('tsc'), ['-p', 'tsconfig.json']);
console.log('[build] rollup');
run(bin('rollup'), ['-c', 'rollup.config.mjs', '--silent']);

// Types: the declarations tree plus one stub per entry point.
const types = join(root, 'dist', 'types');
rmSync(types, { recursive: true, force: true });
mkdirSync(types, { recursive: true });
cpSync(join(root, 'build', 'types'), types, { recursive: true });
rmSync(join(types, 'virtual.d.ts'), { force: true });
for (const name of ['index', 'edge', 'slim']) {
  writeFileSync(join(root, 'dist', `${name}.d.ts`), `export * from './types/api.js';\n`);
}
writeFileSync(join(root, 'dist', 'tfjs.d.ts'), `export * from './types/tfjs.js';\n`);
// The API reference (docs/api/) from the TSDoc comments; `--no-docs` skips it.
if (!process.argv.includes('--no-docs')) {
  console.log('[build] typedoc → docs/api/');
  run(bin('typedoc'), ['--logLevel', 'Warn']);
}
console.log(`[build] done: dist/index.js dist/edge.js dist/slim.js dist/tfjs.js dist/pool-worker.js dist/diffopt.wasm dist/*.d.ts${process.argv.includes('--no-docs') ? '' : ' docs/api/'}`);
