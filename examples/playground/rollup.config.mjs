// Bundles the playground: main.js (+ plot.js + diffopt from the repository's
// dist/index.js, wasm inlined) into examples/playground/dist/playground.js,
// and copies index.html next to it, so dist/ is a complete static site.
// Run `npm run build` first (it makes dist/index.js), then `npm run playground`.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const library = join(here, '..', '..', 'dist', 'index.js');

/** Resolves the bare `diffopt` import to the built library and emits index.html. */
function playground() {
  return {
    name: 'diffopt-playground',
    resolveId(id) {
      if (id !== 'diffopt') return null;
      if (!existsSync(library)) this.error(`${library} is missing: run \`npm run build\` first`);
      return library;
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'index.html', source: readFileSync(join(here, 'index.html'), 'utf8') });
    },
  };
}

export default {
  input: join(here, 'main.js'),
  output: { file: join(here, 'dist', 'playground.js'), format: 'es', sourcemap: false },
  plugins: [playground()],
};
