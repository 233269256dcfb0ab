// Fits the nearest-centroid soft-DTW model that examples/edge/worker.mjs
// serves, and writes it to examples/edge/centroids.json (committed, so the
// worker ships its model as plain JSON and never trains at the edge).
//
//   node examples/edge/make-centroids.mjs [--check]
//
// Training data: the built-in Cylinder-Bell-Funnel generator of the classify
// demo (examples/demos/classify.mjs), seeded, so the file is reproducible.
// `--check` refits and exits 1 if the committed file differs from the fit
// (beyond 1e-9 relative, to tolerate last-bit changes of the kernels).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { init, NearestCentroid } from '../../dist/index.js';
import { cylinderBellFunnel, generator } from '../demos/classify.mjs';

export { generator };

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, 'centroids.json');

/** The model's settings: shared by this script, the worker and the test. */
export const MODEL = { metric: 'soft-dtw', gamma: 1, maxIter: 30, length: 128, perClass: 10, seed: 7 };

/** The training set and a held-out test set (same generator, continued). */
export function dataset(testPerClass = 20) {
  const rng = generator(MODEL.seed);
  const train = cylinderBellFunnel(MODEL.perClass, MODEL.length, rng);
  const test = cylinderBellFunnel(testPerClass, MODEL.length, rng);
  return { train, test };
}

/** Fits the model; returns the JSON document the worker loads. */
export function fitModel() {
  const { train } = dataset();
  const clf = new NearestCentroid({ metric: MODEL.metric, gamma: MODEL.gamma, maxIter: MODEL.maxIter });
  clf.fit(train.series, train.labels);
  return {
    description: 'Nearest-centroid soft-DTW model for Cylinder-Bell-Funnel series (examples/edge/make-centroids.mjs)',
    metric: clf.metric,
    gamma: clf.gamma,
    classes: clf.classes,
    centroids: clf.centroids.map((c) => ({ shape: c.shape, barycenter: Array.from(c.barycenter) })),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await init();
  const model = fitModel();
  if (process.argv.includes('--check')) {
    const saved = JSON.parse(readFileSync(OUT, 'utf8'));
    const same =
      JSON.stringify(saved.classes) === JSON.stringify(model.classes) &&
      saved.metric === model.metric && saved.gamma === model.gamma &&
      saved.centroids.every((c, k) =>
        c.barycenter.length === model.centroids[k].barycenter.length &&
        c.barycenter.every((v, i) => Math.abs(v - model.centroids[k].barycenter[i]) <= 1e-9 * (1 + Math.abs(v))));
    console.log(same ? `${OUT}: up to date` : `${OUT}: differs from a fresh fit (run without --check)`);
    process.exit(same ? 0 : 1);
  }
  writeFileSync(OUT, JSON.stringify(model) + '\n');
  console.log(`wrote ${OUT}: ${model.classes.length} classes, centroids of length ${model.centroids[0].shape[0]}`);
}
