// Node-side check of examples/edge/worker.mjs, run by scripts/test-all.mjs
// (section `edge`): bundles the worker with esbuild and the `workerd`
// condition, runs it in workerd through miniflare on 127.0.0.1, posts series
// and compares the labels and distances with NearestCentroid in Node (same
// centroids), checks that bad requests get a 400 with a message, and times
// 1000 sequential requests (p50 / p99 printed).
//
// Exported: checkEdge() -> { results: [{ name, ok, detail }], notes: [string] }.
// Also runnable alone: node scripts/check-edge.mjs
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIR = join(ROOT, 'examples', 'edge');
const COMPAT_DATE = '2025-09-01';
const RTOL = 1e-9;
const LATENCY_REQUESTS = 1000;

function close(a, b) {
  return Math.abs(a - b) <= 1e-12 + RTOL * Math.abs(b);
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * Bundles a Workers module as workerd sees it: the `workerd` export
 * condition (so `diffopt` resolves to dist/edge.js) and `.wasm` files copied
 * beside the bundle, to be loaded as precompiled modules. Same as
 * `esbuild ENTRY --bundle --format=esm --conditions=workerd,worker,browser
 * --loader:.wasm=copy --outdir=OUT`. Also used by test-all's workerd section.
 */
export async function bundleForWorkerd(entry, outdir) {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    conditions: ['workerd', 'worker', 'browser'],
    loader: { '.wasm': 'copy' },
    outdir,
    absWorkingDir: ROOT,
    logLevel: 'silent',
  });
}

export async function checkEdge() {
  const results = [];
  const notes = [];
  const check = async (name, fn) => {
    try {
      const detail = await fn();
      results.push({ name, ok: true, detail: detail || '' });
    } catch (e) {
      results.push({ name, ok: false, detail: String((e && e.stack) || e) });
    }
  };
  const lib = await import(pathToFileURL(join(ROOT, 'dist', 'index.js')).href);
  await lib.init();
  const { MODEL, dataset, fitModel } = await import(pathToFileURL(join(DIR, 'make-centroids.mjs')).href);
  const model = JSON.parse(readFileSync(join(DIR, 'centroids.json'), 'utf8'));

  await check('examples/edge/centroids.json is what make-centroids.mjs fits now', () => {
    const fresh = fitModel();
    if (JSON.stringify(fresh.classes) !== JSON.stringify(model.classes)) throw new Error(`classes ${fresh.classes} vs ${model.classes}`);
    fresh.centroids.forEach((c, k) => {
      const saved = model.centroids[k].barycenter;
      const worst = c.barycenter.reduce((m, v, i) => Math.max(m, Math.abs(v - saved[i]) / (1 + Math.abs(v))), 0);
      if (c.barycenter.length !== saved.length || worst > 1e-6) {
        throw new Error(`centroid ${k} differs (relative ${worst}): run node examples/edge/make-centroids.mjs`);
      }
    });
  });

  // The reference: NearestCentroid in Node with the shipped centroids.
  const clf = new lib.NearestCentroid({ metric: model.metric, gamma: model.gamma });
  clf.classes = model.classes.slice();
  clf.centroids = model.centroids.map((c) => ({ shape: c.shape, barycenter: Float64Array.from(c.barycenter) }));
  const { test } = dataset(20);
  const cases = test.series.map((s, i) => ({ name: `CBF test series ${i} (${test.labels[i]})`, series: Array.from(s), truth: test.labels[i] }));
  // Other lengths than the centroids' (soft-DTW aligns them) and the row format.
  const rng = (await import(pathToFileURL(join(DIR, 'make-centroids.mjs')).href)).generator(99);
  const { cylinderBellFunnel } = await import(pathToFileURL(join(ROOT, 'examples', 'demos', 'classify.mjs')).href);
  for (const length of [64, 200]) {
    const extra = cylinderBellFunnel(1, length, rng);
    extra.series.forEach((s, i) => cases.push({ name: `length ${length} ${extra.labels[i]}`, series: Array.from(s), truth: extra.labels[i] }));
  }
  cases.push({ name: 'row format [[x0], [x1], ...]', series: Array.from(test.series[1], (v) => [v]), truth: test.labels[1] });
  const expected = cases.map((c) => ({
    label: clf.predict([c.series])[0],
    distances: clf.distances([c.series]),
  }));
  const accuracy = clf.score(test.series, test.labels);
  await check(`the shipped model classifies held-out CBF series (accuracy ${(100 * accuracy).toFixed(1)}% >= 90%)`, () => {
    if (!(accuracy >= 0.9)) throw new Error(`accuracy ${accuracy}`);
  });

  // For scale: the same classification in-process in Node (no HTTP, no JSON).
  {
    const t = performance.now();
    for (let r = 0; r < 200; r++) clf.distances([cases[r % cases.length].series]);
    notes.push(`in-process in Node, for comparison: ${((performance.now() - t) / 200).toFixed(2)} ms per series (mean of 200)`);
  }

  const { Miniflare } = await import('miniflare');
  const out = mkdtempSync(join(tmpdir(), 'diffopt-edge-example-'));
  let mf = null;
  try {
    await bundleForWorkerd(join(DIR, 'worker.mjs'), out);
    const files = readdirSync(out).sort();
    await check("the bundle took dist/edge.js (the 'workerd' condition): a .wasm file beside worker.js", () => {
      if (!files.some((f) => f.endsWith('.wasm'))) throw new Error(`bundle files: ${files.join(', ')}`);
    });
    mf = new Miniflare({
      modules: [
        { type: 'ESModule', path: join(out, 'worker.js') },
        ...files.filter((f) => f.endsWith('.js') && f !== 'worker.js').map((f) => ({ type: 'ESModule', path: join(out, f) })),
        ...files.filter((f) => f.endsWith('.wasm')).map((f) => ({ type: 'CompiledWasm', path: join(out, f) })),
      ],
      modulesRoot: out,
      compatibilityDate: COMPAT_DATE,
      host: '127.0.0.1',
      port: 0,
    });
    const base = await mf.ready;
    notes.push(`examples/edge/worker.mjs bundled (esbuild --conditions=workerd) -> miniflare/workerd on ${base.origin}`);
    const post = (body, type = 'application/json') =>
      fetch(new URL('/classify', base), { method: 'POST', body, headers: { 'content-type': type } });

    await check('GET /model lists the classes', async () => {
      const res = await fetch(new URL('/model', base));
      const body = await res.json();
      if (res.status !== 200 || JSON.stringify(body.classes) !== JSON.stringify(model.classes)) {
        throw new Error(`HTTP ${res.status} ${JSON.stringify(body)}`);
      }
    });
    let agree = 0;
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i];
      await check(`POST /classify: ${c.name} -> ${expected[i].label} as in Node`, async () => {
        const res = await post(JSON.stringify({ series: c.series }));
        const body = await res.json();
        if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body)}`);
        if (body.label !== expected[i].label) throw new Error(`label ${body.label}, Node says ${expected[i].label}`);
        model.classes.forEach((k, j) => {
          if (!close(body.distances[k], expected[i].distances[j])) {
            throw new Error(`distance to ${k}: ${body.distances[k]} in workerd, ${expected[i].distances[j]} in Node`);
          }
        });
        agree++;
      });
    }

    const bad = [
      ['a body that is not JSON', () => post('{"series": [1, 2,')],
      ['a text/plain body', () => post(JSON.stringify({ series: [1, 2, 3] }), 'text/plain')],
      ['no "series" field', () => post(JSON.stringify({ values: [1, 2, 3] }))],
      ['a JSON array body', () => post(JSON.stringify([1, 2, 3]))],
      ['an empty series', () => post(JSON.stringify({ series: [] }))],
      ['a string in the series', () => post(JSON.stringify({ series: [1, 'two', 3] }))],
      ['null (NaN in JSON) in the series', () => post(JSON.stringify({ series: [1, NaN, 3] }))],
      ['rows of 2 values for a 1-d model', () => post(JSON.stringify({ series: [[1, 2], [3, 4]] }))],
      ['a series longer than the limit', () => post(JSON.stringify({ series: new Array(5000).fill(0) }))],
      ['a body over 256 KiB', () => post(JSON.stringify({ series: [1, 2, 3], pad: 'x'.repeat(300 * 1024) }))],
    ];
    for (const [what, send] of bad) {
      await check(`POST /classify with ${what} -> 400 with a message`, async () => {
        const res = await send();
        const body = await res.json();
        if (res.status !== 400 || typeof body.error !== 'string' || !body.error) {
          throw new Error(`HTTP ${res.status}: ${JSON.stringify(body)}`);
        }
        return body.error;
      });
    }
    await check('GET /classify -> 405', async () => {
      const res = await fetch(new URL('/classify', base));
      await res.text();
      if (res.status !== 405) throw new Error(`HTTP ${res.status}`);
    });

    await check(`${LATENCY_REQUESTS} sequential requests: all answered, labels as in Node`, async () => {
      const bodies = cases.map((c) => JSON.stringify({ series: c.series }));
      const times = [];
      const t0 = performance.now();
      for (let r = 0; r < LATENCY_REQUESTS; r++) {
        const i = r % cases.length;
        const t = performance.now();
        const res = await post(bodies[i]);
        const body = await res.json();
        times.push(performance.now() - t);
        if (res.status !== 200 || body.label !== expected[i].label) {
          throw new Error(`request ${r}: HTTP ${res.status} ${JSON.stringify(body)}`);
        }
      }
      const total = performance.now() - t0;
      times.sort((a, b) => a - b);
      const line =
        `latency over ${LATENCY_REQUESTS} requests (series of 64-200 steps, 3 centroids of ${model.centroids[0].shape[0]}): ` +
        `p50 ${quantile(times, 0.5).toFixed(2)} ms, p99 ${quantile(times, 0.99).toFixed(2)} ms, ` +
        `max ${times[times.length - 1].toFixed(2)} ms, ${(LATENCY_REQUESTS / (total / 1000)).toFixed(0)} req/s`;
      notes.push(line);
      return line;
    });
    notes.push(`${agree}/${cases.length} posted series labelled as NearestCentroid does in Node`);
  } catch (e) {
    results.push({ name: 'edge example in workerd', ok: false, detail: String((e && e.stack) || e) });
  } finally {
    if (mf) await mf.dispose().catch(() => {});
    rmSync(out, { recursive: true, force: true });
  }
  return { results, notes, model: MODEL };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { results, notes } = await checkEdge();
  for (const r of results) if (!r.ok || process.argv.includes('-v')) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.ok ? '' : '\n' + r.detail}`);
  for (const n of notes) console.log(n);
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}
