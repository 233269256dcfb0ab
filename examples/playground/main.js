// The playground's page logic: each panel reads its inputs, calls diffopt,
// draws, and writes its key numbers both as rounded text and, at full
// precision, as JSON in `data-values` / `data-value` (read by the browser
// test in scripts/test-all.mjs, which recomputes them in Node).
import {
  init, softRank, softSort, softDtw, softDtwAlignment, softmax, sparsemax, entmax, perturbed,
  gridSearch, gradSearch, loadDiabetes, standardize,
} from 'diffopt';
import { COLORS, el, frame, lineChart, barChart, heatMap } from './plot.js';

const $ = (id) => document.getElementById(id);
const fmt = (v, d = 4) => (Number.isFinite(v) ? v.toFixed(d) : String(v));
/** Full-precision values for tests, rounded text for people. */
function show(id, values, d = 4) {
  const node = $(id);
  node.dataset.values = JSON.stringify(Array.from(values));
  node.textContent = Array.from(values, (v) => fmt(v, d)).join('  ');
}
function showOne(id, value, d = 4) {
  $(id).dataset.value = JSON.stringify(value);
  $(id).textContent = fmt(value, d);
}
/** Parses "1, 2 3" into numbers; throws a message naming the field. */
function numbers(id, min = 1) {
  const parts = $(id).value.split(/[\s,;]+/).filter(Boolean);
  const xs = parts.map(Number);
  const bad = parts.findIndex((p, i) => !Number.isFinite(xs[i]));
  if (bad >= 0) throw new Error(`${id}: '${parts[bad]}' is not a number`);
  if (xs.length < min) throw new Error(`${id}: needs at least ${min} numbers`);
  return xs;
}
const logRange = (lo, hi, count) => Array.from({ length: count }, (_, i) => lo + ((hi - lo) * i) / (count - 1));

/**
 * Wires a panel: `update` runs on load and on every input event of its
 * controls; an error (bad input, a DiffoptError) is shown instead of
 * throwing, and the panel keeps its last good drawing.
 */
function panel(name, ids, update) {
  const run = () => {
    try {
      update();
      $(`${name}-error`).textContent = '';
    } catch (e) {
      $(`${name}-error`).textContent = String(e && e.message ? e.message : e);
    }
    document.body.dataset[`${name}Updates`] = String(+(document.body.dataset[`${name}Updates`] ?? 0) + 1);
  };
  for (const id of ids) $(id).addEventListener('input', run);
  run();
}

// (1) Soft sort / soft rank against the strength ε.
function rankPanel() {
  panel('rank', ['rank-input', 'rank-strength', 'rank-reg'], () => {
    const theta = numbers('rank-input', 2);
    const regularization = $('rank-reg').value;
    const logEps = +$('rank-strength').value;
    const strength = 10 ** logEps;
    showOne('rank-eps', strength);
    show('rank-out', softRank(theta, { strength, regularization }));
    show('sort-out', softSort(theta, { strength, regularization }));
    // The curves: one soft rank / soft sort per strength over the slider's range.
    const xs = logRange(+$('rank-strength').min, +$('rank-strength').max, 120);
    const ranks = theta.map(() => []);
    const sorts = theta.map(() => []);
    for (const lx of xs) {
      const r = softRank(theta, { strength: 10 ** lx, regularization });
      const s = softSort(theta, { strength: 10 ** lx, regularization });
      r.forEach((v, i) => ranks[i].push(v));
      s.forEach((v, i) => sorts[i].push(v));
    }
    lineChart($('rank-plot'), { xs, lines: ranks, marker: logEps, title: 'soft rank of each θᵢ', xlabel: 'log₁₀ ε' });
    lineChart($('sort-plot'), { xs, lines: sorts, marker: logEps, title: 'soft sorted values', xlabel: 'log₁₀ ε', colors: ['#475569'] });
  });
}

// (2) Soft-DTW expected alignment as a heat map, the series on the margins.
function dtwPanel() {
  panel('dtw', ['dtw-x', 'dtw-y', 'dtw-gamma'], () => {
    const X = numbers('dtw-x', 1);
    const Y = numbers('dtw-y', 1);
    if (X.length > 40 || Y.length > 40) throw new Error('dtw: keep the series to 40 frames or fewer for the heat map');
    const gamma = 10 ** +$('dtw-gamma').value;
    showOne('dtw-gamma-value', gamma);
    showOne('dtw-value', softDtw(X, Y, { gamma }));
    const E = softDtwAlignment(X, Y, { gamma });
    show('dtw-align', E);
    $('dtw-align').dataset.shape = JSON.stringify([X.length, Y.length]);
    let mass = 0;
    for (const v of E) mass += v;
    showOne('dtw-mass', mass, 3);

    const svg = $('dtw-plot');
    const { box } = frame(svg, { x: [0, 1], y: [0, 1], title: 'E[i, j]: X down, Y across' });
    svg.querySelectorAll('text:not(.title)').forEach((t) => t.remove());
    const inner = { x0: box.x0 + 26, x1: box.x1, y0: box.y0 + 26, y1: box.y1 };
    heatMap(svg, E, X.length, Y.length, inner);
    // Margins: Y along the top, X down the left, each scaled to its strip.
    const all = [...X, ...Y];
    const lo = Math.min(...all);
    const span = Math.max(...all) - lo || 1;
    const cw = (inner.x1 - inner.x0) / Y.length;
    const ch = (inner.y1 - inner.y0) / X.length;
    const top = Y.map((v, j) => `${j ? 'L' : 'M'}${inner.x0 + (j + 0.5) * cw},${inner.y0 - 4 - ((v - lo) / span) * 20}`).join('');
    const left = X.map((v, i) => `${i ? 'L' : 'M'}${inner.x0 - 4 - ((v - lo) / span) * 20},${inner.y0 + (i + 0.5) * ch}`).join('');
    svg.append(el('path', { d: top, fill: 'none', stroke: COLORS[1], 'stroke-width': 1.6 }));
    svg.append(el('path', { d: left, fill: 'none', stroke: COLORS[0], 'stroke-width': 1.6 }));
  });
}

// (3) softmax vs sparsemax vs α-entmax on the same logits.
function fyPanel() {
  panel('fy', ['fy-input', 'fy-alpha'], () => {
    const theta = numbers('fy-input', 1);
    const alpha = +$('fy-alpha').value;
    showOne('fy-alpha-value', alpha, 2);
    const p = [softmax(theta), sparsemax(theta), entmax(theta, { alpha })];
    show('fy-softmax', p[0]);
    show('fy-sparsemax', p[1]);
    show('fy-entmax', p[2]);
    barChart($('fy-plot'), {
      groups: p, names: ['softmax', 'sparsemax', `entmax α=${alpha}`],
      labels: theta.map((t) => `θ=${t}`), title: 'probabilities per logit',
    });
  });
}

// (4) Perturbed argmax: probabilities against ε, with Monte-Carlo errors.
const PERTURBED = { samples: 2000, seed: 0 };
function perturbedPanel() {
  panel('pert', ['pert-input', 'pert-eps'], () => {
    const theta = numbers('pert-input', 2);
    const logEps = +$('pert-eps').value;
    const epsilon = 10 ** logEps;
    showOne('pert-eps-value', epsilon);
    const est = perturbed('argmax', { ...PERTURBED, epsilon }).estimate(theta);
    show('pert-probs', est.output, 3);
    show('pert-stderr', est.outputStderr, 3);
    const xs = logRange(+$('pert-eps').min, +$('pert-eps').max, 41);
    const lines = theta.map(() => []);
    for (const lx of xs) perturbed('argmax', { ...PERTURBED, epsilon: 10 ** lx })(theta).forEach((v, i) => lines[i].push(v));
    lineChart($('pert-plot'), { xs, lines, marker: logEps, yRange: [0, 1], title: 'P(argmax = i)', xlabel: 'log₁₀ ε' });
    barChart($('pert-bars'), { groups: [est.output], labels: theta.map((_, i) => `i=${i}`), title: `at ε = ${fmt(epsilon, 3)}` });
    // Color the single bar group per index, like the curves.
    $('pert-bars').querySelectorAll('rect[fill]').forEach((r, i) => i > 0 && r.setAttribute('fill', COLORS[(i - 1) % COLORS.length]));
  });
}

// (5) Lasso on diabetes: the grid curve once, gradSearch from the chosen start.
function lassoPanel() {
  const { X, y, shape } = loadDiabetes();
  const data = { X: { data: standardize(X, { shape }).X, shape }, y, split: 0.25, splitSeed: 0 };
  const grid = gridSearch({ ...data, count: 60 });
  show('lasso-grid-best', [grid.best.logLambda, grid.best.value], 3);
  const gx = grid.path.map((s) => s.logLambda).reverse();
  const gy = grid.path.map((s) => s.value).reverse();
  const logMax = Math.log(grid.lambdaMax);
  // A finer grid around the optimum, where the last hypergradient steps land.
  const ZOOM = 0.6;
  const zx = logRange(grid.best.logLambda - ZOOM, grid.best.logLambda + ZOOM, 41);
  const zoomPath = gridSearch({ ...data, logLambdas: [...zx].reverse() }).path;
  const zv = zx.map((x) => zoomPath.find((s) => s.logLambda === x).value);
  panel('lasso', ['lasso-start', 'lasso-optimizer'], () => {
    const logLambda0 = logMax + +$('lasso-start').value;
    showOne('lasso-start-value', logLambda0, 3);
    const res = gradSearch({ ...data, logLambda0, optimizer: $('lasso-optimizer').value });
    show('lasso-grad-best', [res.best.logLambda, res.best.value], 3);
    $('lasso-path').dataset.values = JSON.stringify(res.path.map((s) => [s.logLambda, s.value, s.accepted]));
    $('lasso-evals').textContent = `${res.evaluations} evaluations, stopped: ${res.stopped}, λ = ${fmt(res.best.lambda, 3)}`;
    $('lasso-evals').dataset.value = String(res.evaluations);

    const steps = (svg, sx, sy, numbered) => {
      // Accepted iterates joined in order; rejected trials hollow.
      const accepted = res.path.filter((s) => s.accepted);
      svg.append(el('path', {
        d: accepted.map((s, i) => `${i ? 'L' : 'M'}${sx(s.logLambda)},${sy(s.value)}`).join(''),
        fill: 'none', stroke: COLORS[1], 'stroke-width': 1.2,
      }));
      res.path.forEach((s, i) => {
        svg.append(el('circle', { cx: sx(s.logLambda), cy: sy(s.value), r: 4, fill: s.accepted ? COLORS[1] : '#fff', stroke: COLORS[1] }));
        if (numbered) svg.append(el('text', { x: sx(s.logLambda) + 5, y: sy(s.value) - 5 - (i % 2) * 9, style: 'fill:#b42318' }, String(i)));
      });
    };
    const ys = [...gy, ...res.path.map((s) => s.value)];
    const lo = Math.min(...ys);
    const hi = Math.max(...ys);
    const full = lineChart($('lasso-plot'), {
      xs: gx, lines: [gy], colors: ['#98a2b3'], title: 'validation MSE', xlabel: 'log λ',
      yRange: [lo - (hi - lo) * 0.05, hi + (hi - lo) * 0.08],
    });
    steps($('lasso-plot'), full.sx, full.sy, false);
    // The zoom clips to its box: steps outside it are simply not drawn there.
    const zy = [...zv, ...res.path.filter((s) => Math.abs(s.logLambda - grid.best.logLambda) <= ZOOM).map((s) => s.value)];
    const zlo = Math.min(...zy);
    const zhi = Math.max(...zv);
    const z = lineChart($('lasso-zoom'), {
      xs: zx, lines: [zv], colors: ['#98a2b3'], title: `zoom: log λ within ±${ZOOM} of the grid's best`,
      xlabel: 'log λ', yRange: [zlo - (zhi - zlo) * 0.05, zhi],
    });
    const clip = `lasso-clip`;
    const defs = el('defs');
    const cp = el('clipPath', { id: clip });
    cp.append(el('rect', { x: z.box.x0, y: z.box.y0, width: z.box.x1 - z.box.x0, height: z.box.y1 - z.box.y0 }));
    defs.append(cp);
    const g = el('g', { 'clip-path': `url(#${clip})` });
    $('lasso-zoom').append(defs, g);
    steps(g, z.sx, z.sy, true);
  });
}

async function main() {
  const status = $('status');
  try {
    await init();
    rankPanel();
    dtwPanel();
    fyPanel();
    perturbedPanel();
    lassoPanel();
    status.textContent = '';
    status.dataset.state = 'ready';
  } catch (e) {
    status.textContent = `diffopt failed to load: ${e && e.message ? e.message : e}`;
    status.dataset.state = 'error';
    throw e;
  }
}

main();
