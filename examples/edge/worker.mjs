// Edge inference: a Workers-style fetch handler (Cloudflare Workers / workerd,
// or any runtime with `export default { fetch }`) that classifies a posted
// time series with a nearest-centroid soft-DTW model. The model is plain JSON
// (centroids.json, fitted offline by make-centroids.mjs), so nothing is trained
// at the edge: a request costs one soft-DTW distance per class.
//
//   POST /classify   body: {"series": [x0, x1, ...]}            (one value per time step)
//                      or {"series": [[x0, y0], [x1, y1], ...]}   (several values per step)
//                    200 {"label": "bell", "distances": {"cylinder": ..., "bell": ..., "funnel": ...}}
//                    400 {"error": "..."} for a body that is not such a series
//   GET  /model      the classes, metric, γ and centroid lengths
//
// `import ... from 'diffopt'`: bundlers that apply the `workerd` export
// condition (wrangler, esbuild --conditions=workerd) resolve it to
// dist/edge.js, which imports diffopt.wasm as a precompiled
// WebAssembly.Module — workerd refuses to compile wasm from bytes at runtime.
import { DiffoptError, initSync, NearestCentroid } from 'diffopt';
import model from './centroids.json';

/** Largest accepted body: a series of a few thousand values, with room to spare. */
const MAX_BODY_BYTES = 256 * 1024;
/** Longest accepted series: keeps the O(length × centroid length) cost of a request bounded. */
const MAX_LENGTH = 4096;

/** DiffoptError codes that blame the input rather than the server. */
const INPUT_ERRORS = new Set(['shape', 'domain', 'nonfinite', 'option', 'type', 'size']);

let classifier = null;

/**
 * The classifier, built on first use: `initSync()` with no argument
 * instantiates the module that came with the bundle; the centroids are loaded
 * as they were fitted (no refit), so labels match `NearestCentroid` in Node.
 */
function getClassifier() {
  if (classifier) return classifier;
  initSync();
  const clf = new NearestCentroid({ metric: model.metric, gamma: model.gamma });
  clf.classes = model.classes.slice();
  clf.centroids = model.centroids.map((c) => ({ shape: [c.shape[0], c.shape[1]], barycenter: Float64Array.from(c.barycenter) }));
  classifier = clf;
  return clf;
}

const json = (status, body) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });

class BadRequest extends Error {}

/** Validates the `series` field: a non-empty array of finite numbers, or of equal-length rows of them. */
function parseSeries(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || !('series' in body)) {
    throw new BadRequest('body must be a JSON object with a "series" field');
  }
  const s = body.series;
  if (!Array.isArray(s) || s.length === 0) throw new BadRequest('"series" must be a non-empty array');
  if (s.length > MAX_LENGTH) throw new BadRequest(`"series" is too long: ${s.length} steps (at most ${MAX_LENGTH})`);
  const dims = model.centroids[0].shape[1];
  if (Array.isArray(s[0])) {
    s.forEach((row, t) => {
      if (!Array.isArray(row) || row.length !== dims) throw new BadRequest(`"series"[${t}] must be an array of ${dims} numbers`);
      row.forEach((v, d) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new BadRequest(`"series"[${t}][${d}] must be a finite number`);
      });
    });
    return s;
  }
  if (dims !== 1) throw new BadRequest(`"series" must have ${dims} values per step`);
  s.forEach((v, t) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new BadRequest(`"series"[${t}] must be a finite number`);
  });
  return Float64Array.from(s);
}

async function classify(request) {
  const type = request.headers.get('content-type') || '';
  if (!/^application\/json\b/i.test(type)) throw new BadRequest('content-type must be application/json');
  // Refuse an announced oversized body before reading it; check again after
  // (the header may be absent, e.g. with chunked transfer encoding).
  if (Number(request.headers.get('content-length') || 0) > MAX_BODY_BYTES) {
    throw new BadRequest(`body is too large (at most ${MAX_BODY_BYTES} bytes)`);
  }
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) throw new BadRequest(`body is too large (at most ${MAX_BODY_BYTES} bytes)`);
  let body;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new BadRequest(`body is not valid JSON: ${e.message}`);
  }
  const series = parseSeries(body);
  const clf = getClassifier();
  // One row of distances; the label is its first smallest entry, the rule of
  // NearestCentroid.predict (which would compute the distances a second time).
  const d = clf.distances([series]);
  let best = 0;
  for (let k = 1; k < d.length; k++) if (d[k] < d[best]) best = k;
  const distances = {};
  clf.classes.forEach((c, k) => (distances[c] = d[k]));
  return json(200, { label: clf.classes[best], distances });
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    try {
      if (pathname === '/classify') {
        if (request.method !== 'POST') return json(405, { error: 'use POST /classify with a JSON body' });
        return await classify(request);
      }
      if (pathname === '/model' && request.method === 'GET') {
        return json(200, {
          metric: model.metric,
          gamma: model.gamma,
          classes: model.classes,
          lengths: model.centroids.map((c) => c.shape[0]),
        });
      }
      return json(404, { error: `no route for ${request.method} ${pathname}` });
    } catch (e) {
      // Bad input, ours or the library's (a DiffoptError about an argument): 400.
      // Other DiffoptErrors (memory, trap, load) are the server's fault: 500.
      if (e instanceof BadRequest || (e instanceof DiffoptError && INPUT_ERRORS.has(e.code))) {
        return json(400, { error: e.message });
      }
      return json(500, { error: String((e && e.message) || e) });
    }
  },
};
