// Bundles the tsc output (build/ts) into three self-contained ESM entries:
//   dist/index.js  wasm inlined as base64 (Node, Bun, Deno by URL, browsers)
//   dist/edge.js   imports ./diffopt.wasm as a precompiled module (workerd, edge-light)
//   dist/slim.js   no wasm: the caller passes module/bytes/URL to init()
//   dist/tfjs.js   the TensorFlow.js adapter: imports 'diffopt' (external), so
//                  it shares the instance of whichever entry the runtime resolves
//   dist/pool-worker.js  the worker script of createPool (no wasm: it gets the module)
// Each entry is one file with no shared chunks, so importing it by URL is a
// single request. The wasm plugin is ours (a few lines) rather than
// @rollup/plugin-wasm, whose 'auto' mode emits require("fs") that breaks
// Node ESM and Deno (DESIGN.md §6).
import { readFileSync } from 'node:fs';

const WASM = 'dist/diffopt.wasm';

function diffoptWasm() {
  return {
    name: 'diffopt-wasm',
    resolveId(id) {
      if (id === 'diffopt:wasm-base64') return '\0diffopt-wasm-base64';
      if (id === 'diffopt:wasm-module') return { id: './diffopt.wasm', external: true };
      return null;
    },
    load(id) {
      if (id !== '\0diffopt-wasm-base64') return null;
      this.addWatchFile(WASM);
      return `export default ${JSON.stringify(readFileSync(WASM).toString('base64'))};`;
    },
  };
}

const entry = (name) => ({
  input: `build/ts/${name}.js`,
  output: { file: `dist/${name}.js`, format: 'es', sourcemap: false },
  plugins: [diffoptWasm()],
  treeshake: { moduleSideEffects: (id) => id.endsWith('/index.js') || id.endsWith('/edge.js') },
});

// The adapter's `./api.js` becomes the package's own name: bundling api.js
// into dist/tfjs.js would give it a second wasm instance that the user's
// `init()` never initializes.
function apiAsPackage() {
  return {
    name: 'diffopt-api-as-package',
    resolveId(id, importer) {
      if (id === './api.js' && importer && importer.replace(/\\/g, '/').endsWith('build/ts/tfjs.js')) return { id: 'diffopt', external: true };
      return null;
    },
  };
}

const tfjs = {
  input: 'build/ts/tfjs.js',
  output: { file: 'dist/tfjs.js', format: 'es', sourcemap: false },
  plugins: [apiAsPackage()],
  external: ['diffopt'],
};

// dist/pool-worker.js: the script createPool's workers run (found next to
// the entry with new URL('./pool-worker.js', import.meta.url)).
export default [entry('index'), entry('edge'), entry('slim'), tfjs, entry('pool-worker')];
