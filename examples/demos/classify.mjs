// Time-series classification by nearest centroid (Cuturi & Blondel 2017;
// Blondel, Mensch & Vert 2021): one barycenter per class, each test series
// takes the class of the nearest centroid. Compares five metrics: Euclidean
// (frame-wise mean centroids), DTW (to soft-DTW barycenters), soft-DTW, the
// soft-DTW divergence and the sharp divergence (their own barycenters).
//
//   node examples/cli.mjs classify                      built-in Cylinder-Bell-Funnel data (seeded)
//   node examples/cli.mjs classify TRAIN.tsv TEST.tsv   UCR-format files (label, then the values)
//
// Options: --gamma G (default 1), --band R (Sakoe-Chiba radius), --max-iter K
// (L-BFGS iterations per barycenter, default 30), --metrics a,b,... and, for the
// built-in data, --train N / --test N (series per class, default 10 / 100),
// --length L (default 128), --seed S (default 1).
import { readFileSync } from 'node:fs';
import { NearestCentroid, DiffoptError } from '../../dist/index.js';

const METRICS = [
  { metric: 'euclidean', label: 'Euclidean', note: 'frame-wise mean' },
  { metric: 'dtw', label: 'DTW', note: 'soft-DTW barycenters' },
  { metric: 'soft-dtw', label: 'soft-DTW', note: '' },
  { metric: 'divergence', label: 'soft-DTW divergence', note: '' },
  { metric: 'sharp-divergence', label: 'sharp divergence', note: '' },
];

/** Seeded uniform/normal generator (mulberry32), so every run prints the same. */
export function generator(seed) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(Math.max(uniform(), 1e-300))) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

/**
 * Cylinder-Bell-Funnel (Saito, 1994), as in the UCR archive: on [a, b] with
 * a ~ U[L/8, L/4] and b − a ~ U[L/4, 3L/4], a plateau (cylinder), a ramp up
 * (bell) or a ramp down (funnel) of height 6 + η, plus N(0, 1) noise.
 */
export function cylinderBellFunnel(perClass, length, rng) {
  const series = [];
  const labels = [];
  for (const label of ['cylinder', 'bell', 'funnel']) {
    for (let k = 0; k < perClass; k++) {
      const a = Math.floor(length / 8 + rng.uniform() * (length / 8));
      const b = Math.min(length - 1, a + Math.floor(length / 4 + rng.uniform() * (length / 2)));
      const height = 6 + rng.normal();
      const s = new Float64Array(length);
      for (let t = 0; t < length; t++) {
        let shape = 0;
        if (t >= a && t <= b) shape = label === 'cylinder' ? 1 : label === 'bell' ? (t - a) / (b - a) : (b - t) / (b - a);
        s[t] = height * shape + rng.normal();
      }
      series.push(s);
      labels.push(label);
    }
  }
  return { series, labels };
}

/** UCR format: one series per line, the label first, values separated by tabs, commas or spaces. */
export function readUcr(path) {
  const text = readFileSync(path, 'utf8');
  const series = [];
  const labels = [];
  text.split(/\r?\n/).forEach((line, no) => {
    const fields = line.trim().split(/[\t, ]+/).filter((f) => f.length);
    if (!fields.length) return;
    const values = fields.slice(1).map(Number);
    // Variable-length UCR sets pad with NaN: drop the padding.
    while (values.length && Number.isNaN(values[values.length - 1])) values.pop();
    if (!values.length || values.some((v) => !Number.isFinite(v))) {
      throw new Error(`${path}:${no + 1}: expected a label followed by numbers`);
    }
    series.push(Float64Array.from(values));
    labels.push(fields[0]);
  });
  if (!series.length) throw new Error(`${path}: no series`);
  return { series, labels };
}

function parseArgs(args) {
  const opts = { gamma: 1, band: undefined, maxIter: 30, train: 10, test: 100, length: 128, seed: 1, metrics: null, files: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const num = () => {
      const v = Number(args[++i]);
      if (!Number.isFinite(v)) throw new Error(`${a} needs a number`);
      return v;
    };
    if (a === '--gamma') opts.gamma = num();
    else if (a === '--band') opts.band = num();
    else if (a === '--max-iter') opts.maxIter = num();
    else if (a === '--train') opts.train = num();
    else if (a === '--test') opts.test = num();
    else if (a === '--length') opts.length = num();
    else if (a === '--seed') opts.seed = num();
    else if (a === '--metrics') opts.metrics = String(args[++i] ?? '').split(',');
    else if (a === '-h' || a === '--help') opts.help = true;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else opts.files.push(a);
  }
  if (opts.files.length !== 0 && opts.files.length !== 2) throw new Error('give both TRAIN and TEST files, or none');
  return opts;
}

/** A progress bar on stderr (redrawn in place on a terminal, milestones otherwise). */
function progressBar(total) {
  const tty = Boolean(process.stderr.isTTY);
  let done = 0;
  let lastPct = -1;
  const width = 30;
  return {
    step(text) {
      done++;
      const frac = done / total;
      const filled = Math.round(frac * width);
      const line = `fitting centroids [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(frac * 100)).padStart(3)}%  ${text}`;
      if (tty) process.stderr.write(`\r${line.padEnd(100)}`);
      else if (Math.floor(frac * 4) !== lastPct || done === total) {
        lastPct = Math.floor(frac * 4);
        process.stderr.write(`${line}\n`);
      }
    },
    end() {
      if (tty) process.stderr.write(`\r${' '.repeat(100)}\r`);
    },
  };
}

const fmt = (s) => s.toFixed(2).padStart(7);
const pct = (a) => `${(100 * a).toFixed(1)}%`.padStart(9);

export async function classifyDemo(args) {
  let opts;
  try {
    opts = parseArgs(args);
  } catch (e) {
    console.error(`classify: ${e.message}`);
    process.exit(2);
  }
  if (opts.help) {
    console.log('usage: node examples/cli.mjs classify [TRAIN.tsv TEST.tsv] [--gamma G] [--band R] [--max-iter K]\n' +
      '       [--metrics euclidean,dtw,soft-dtw,divergence,sharp-divergence] [--train N] [--test N] [--length L] [--seed S]');
    return;
  }
  let train, test, title;
  if (opts.files.length) {
    try {
      train = readUcr(opts.files[0]);
      test = readUcr(opts.files[1]);
    } catch (e) {
      console.error(`classify: ${e.message}`);
      process.exit(2);
    }
    title = `${opts.files[0]} / ${opts.files[1]}`;
  } else {
    const rng = generator(opts.seed);
    train = cylinderBellFunnel(opts.train, opts.length, rng);
    test = cylinderBellFunnel(opts.test, opts.length, rng);
    title = `Cylinder-Bell-Funnel (generated, seed ${opts.seed})`;
  }
  const lengths = [...train.series, ...test.series].map((s) => s.length);
  const minLen = Math.min(...lengths), maxLen = Math.max(...lengths);
  const classes = [...new Set(train.labels)];
  console.log(`${title}: ${train.series.length} train / ${test.series.length} test series, ` +
    `length ${minLen === maxLen ? minLen : `${minLen}–${maxLen}`}, ${classes.length} classes`);
  console.log(`γ = ${opts.gamma}${opts.band === undefined ? '' : `, band = ${opts.band}`}, ${opts.maxIter} L-BFGS iterations per barycenter\n`);

  let metrics = METRICS;
  if (opts.metrics) {
    metrics = METRICS.filter((m) => opts.metrics.includes(m.metric));
    if (!metrics.length) {
      console.error(`classify: --metrics must name some of ${METRICS.map((m) => m.metric).join(', ')}`);
      process.exit(2);
    }
  }
  if (minLen !== maxLen && metrics.some((m) => m.metric === 'euclidean')) {
    console.log('(series of different lengths: the Euclidean metric is skipped)\n');
    metrics = metrics.filter((m) => m.metric !== 'euclidean');
  }
  const bar = progressBar(metrics.length * classes.length);
  const rows = [];
  for (const m of metrics) {
    const clf = new NearestCentroid({
      metric: m.metric, gamma: opts.gamma, band: opts.band, maxIter: opts.maxIter,
      onProgress: (done, total, label) => bar.step(`${m.label}: class ${String(label)} (${done}/${total})`),
    });
    try {
      let t = performance.now();
      clf.fit(train.series, train.labels);
      const fit = (performance.now() - t) / 1e3;
      t = performance.now();
      const trainAcc = clf.score(train.series, train.labels);
      const testAcc = clf.score(test.series, test.labels);
      const predict = (performance.now() - t) / 1e3;
      rows.push({ ...m, trainAcc, testAcc, fit, predict });
    } catch (e) {
      bar.end();
      if (e instanceof DiffoptError) {
        console.error(`classify: ${m.label}: ${e.message}`);
        process.exit(1);
      }
      throw e;
    }
  }
  bar.end();
  const w = Math.max(...rows.map((r) => r.label.length), 6);
  console.log(`${'metric'.padEnd(w)}  train acc   test acc  fit (s)  predict (s)  centroids`);
  console.log(`${'-'.repeat(w)}  ---------  ---------  -------  -----------  ---------`);
  for (const r of rows) {
    console.log(`${r.label.padEnd(w)}  ${pct(r.trainAcc)}  ${pct(r.testAcc)}  ${fmt(r.fit)}      ${fmt(r.predict)}  ${r.note || 'own barycenters'}`);
  }
  const best = rows.reduce((a, b) => (b.testAcc > a.testAcc ? b : a));
  console.log(`\nbest test accuracy: ${best.label} (${(100 * best.testAcc).toFixed(1)}%).`);
}
