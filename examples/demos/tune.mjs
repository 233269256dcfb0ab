// `tune`: selects the regularization of a Lasso (or elastic net) by
// gradient-based hyperparameter search with hypergradients (Bertrand et al.,
// ICML 2020) on a CSV file, or on the built-in diabetes data, and compares
// it with a 100-point grid search on the same split.
//
//   node examples/cli.mjs tune                         built-in diabetes data
//   node examples/cli.mjs tune data.csv                last column = target
//   node examples/cli.mjs tune data.csv --target price --model elastic-net
//   node examples/cli.mjs tune --folds 5 --threads 2   5-fold CV, folds on 2 workers
import { readFileSync } from 'node:fs';
import { createPool, gradSearch, gridSearch, loadDiabetes, standardize, trainTestSplit } from '../../dist/index.js';

const HELP = `usage: node examples/cli.mjs tune [file.csv] [options]

Tunes λ of a Lasso (or elastic net) by gradient descent on the held-out error
(or the K-fold CV error with --folds), with hypergradients by implicit
differentiation, then compares with a grid search.
Without a file it runs on the built-in diabetes data (442 patients, 10 features).

options:
  --target NAME|INDEX   target column (default: the last one; INDEX is 0-based)
  --model M             lasso (default) or elastic-net
  --test-fraction F     rows held out for validation (default 0.25)
  --seed S              seed of the train/validation shuffle (default 0)
  --optimizer O         line-search (default), gd or adam
  --algorithm A         implicit-forward (default), forward, backward or implicit
  --max-iter N          maximum hypergradient evaluations (default 30)
  --grid N              points of the comparison grid (default 100)
  --folds K             criterion: K-fold cross-validation on the training rows
                        (the validation rows then only score the selected model)
  --threads T           solve the folds on T worker threads (1–256, default 1; needs --folds
                        to gain anything; same results bit for bit)
  --help                this text

The CSV needs a header row and numeric cells; the features are standardized with
training statistics and the target centered, so the model has an intercept.`;

function parseArgs(args) {
  const o = { file: null, target: null, model: 'lasso', testFraction: 0.25, seed: 0, optimizer: 'line-search', algorithm: 'implicit-forward', maxIter: 30, grid: 100, folds: 0, threads: 1 };
  const take = (i, name) => {
    if (i + 1 >= args.length) throw new Error(`${name} needs a value`);
    return args[i + 1];
  };
  const num = (v, name, ok) => {
    const x = Number(v);
    if (!ok(x)) throw new Error(`${name}: bad value '${v}'`);
    return x;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    switch (a) {
      case '--help': case '-h': o.help = true; break;
      case '--target': o.target = take(i++, a); break;
      case '--model': o.model = take(i++, a); break;
      case '--test-fraction': o.testFraction = num(take(i++, a), a, (x) => x > 0 && x < 1); break;
      case '--seed': o.seed = num(take(i++, a), a, (x) => Number.isInteger(x) && x >= 0); break;
      case '--optimizer': o.optimizer = take(i++, a); break;
      case '--algorithm': o.algorithm = take(i++, a); break;
      case '--max-iter': o.maxIter = num(take(i++, a), a, (x) => Number.isInteger(x) && x >= 1); break;
      case '--grid': o.grid = num(take(i++, a), a, (x) => Number.isInteger(x) && x >= 2); break;
      case '--folds': o.folds = num(take(i++, a), a, (x) => Number.isInteger(x) && x >= 2); break;
      case '--threads': o.threads = num(take(i++, a), a, (x) => Number.isInteger(x) && x >= 1 && x <= 256); break;
      default:
        if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
        if (o.file) throw new Error(`one CSV file only (got '${o.file}' and '${a}')`);
        o.file = a;
    }
  }
  if (!['lasso', 'elastic-net'].includes(o.model)) throw new Error(`--model must be lasso or elastic-net, got '${o.model}'`);
  return o;
}

/** A small CSV reader: header row, comma (or semicolon) separated numbers. */
function readCsv(path, target) {
  const text = readFileSync(path, 'utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 3) throw new Error(`${path}: needs a header and at least two rows`);
  const sep = lines[0].includes(',') ? ',' : lines[0].includes(';') ? ';' : /\s+/;
  const header = lines[0].split(sep).map((h) => h.trim().replace(/^"|"$/g, ''));
  let t = header.length - 1;
  if (target !== null) {
    t = /^\d+$/.test(target) ? Number(target) : header.indexOf(target);
    if (t < 0 || t >= header.length) throw new Error(`${path}: no column '${target}' (columns: ${header.join(', ')})`);
  }
  const p = header.length - 1;
  const n = lines.length - 1;
  const X = new Float64Array(n * p);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const cells = lines[i + 1].split(sep);
    if (cells.length !== header.length) throw new Error(`${path}:${i + 2}: ${cells.length} cells, the header has ${header.length}`);
    let q = 0;
    for (let j = 0; j < cells.length; j++) {
      const v = Number(cells[j].trim());
      if (cells[j].trim() === '' || !Number.isFinite(v)) {
        throw new Error(`${path}:${i + 2}: column '${header[j]}' is not a number: '${cells[j]}'`);
      }
      if (j === t) y[i] = v;
      else X[i * p + q++] = v;
    }
  }
  return { X, y, shape: [n, p], featureNames: header.filter((_, j) => j !== t), targetName: header[t], source: path };
}

const fmt = (v, d = 4) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(d - 1) : v.toFixed(d));
const ms = (t) => (t < 10 ? `${t.toFixed(2)} ms` : t < 1000 ? `${t.toFixed(1)} ms` : `${(t / 1000).toFixed(2)} s`);

function progress(tty, step, i, maxIter, what) {
  const lam = typeof step.lambda === 'number' ? fmt(step.lambda) : Array.from(step.lambda, (v) => fmt(v, 3)).join(', ');
  const text = `λ = ${lam}  ${what} = ${fmt(step.value, 6)}${step.accepted ? '' : '  (step rejected)'}`;
  if (tty) {
    const width = 24;
    const filled = Math.round((width * (i + 1)) / maxIter);
    process.stdout.write(`\r  [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${String(i + 1).padStart(3)}/${maxIter}  ${text}\x1b[K`);
  } else {
    console.log(`  step ${String(i + 1).padStart(3)}/${maxIter}  ${text}`);
  }
}

export async function tuneDemo(args) {
  let o;
  try {
    o = parseArgs(args);
  } catch (err) {
    console.error(`tune: ${err.message}\n\n${HELP}`);
    process.exitCode = 2;
    return;
  }
  if (o.help) {
    console.log(HELP);
    return;
  }
  let data;
  try {
    data = o.file ? readCsv(o.file, o.target) : { ...loadDiabetes(), targetName: 'disease progression', source: 'diabetes (built-in)' };
  } catch (err) {
    console.error(`tune: ${err.message}`);
    process.exitCode = 1;
    return;
  }
  const [n, p] = data.shape;
  const modelName = o.model === 'lasso' ? 'Lasso' : 'elastic net';
  console.log(`diffopt tune — ${modelName} on ${data.source}: ${n} rows, ${p} features, target '${data.targetName}'`);

  // Split, then standardize with the training statistics; center the target.
  const split = trainTestSplit({ data: data.X, shape: data.shape }, data.y, { testFraction: o.testFraction, seed: o.seed });
  const std = standardize(split.XTrain);
  if (std.constant.length) {
    console.log(`  note: constant column(s) ${std.constant.map((j) => `'${data.featureNames[j]}'`).join(', ')} carry no information; their coefficient is 0`);
  }
  const XVal = new Float64Array(split.XVal.data.length);
  for (let i = 0; i < split.XVal.shape[0]; i++) {
    for (let j = 0; j < p; j++) XVal[i * p + j] = std.constant.includes(j) ? 0 : (split.XVal.data[i * p + j] - std.mean[j]) / std.scale[j];
  }
  const yMean = split.yTrain.reduce((a, b) => a + b, 0) / split.yTrain.length;
  const validation = { XVal: { data: XVal, shape: split.XVal.shape }, yVal: split.yVal.map((v) => v - yMean) };
  const problem = {
    model: o.model,
    X: { data: std.X, shape: std.shape },
    y: split.yTrain.map((v) => v - yMean),
    // K-fold CV on the training rows, or the validation rows as the criterion
    ...(o.folds ? { folds: o.folds } : validation),
  };
  const nTrain = split.XTrain.shape[0];
  if (o.folds > nTrain) {
    console.error(`tune: --folds ${o.folds} is more than the ${nTrain} training rows`);
    process.exitCode = 2;
    return;
  }
  const what = o.folds ? `${o.folds}-fold CV MSE` : 'held-out MSE';
  console.log(`  split: ${split.XTrain.shape[0]} train / ${split.XVal.shape[0]} validation rows (seed ${o.seed}); features standardized with training statistics`);
  console.log(`  criterion: ${what}${o.folds ? ' on the training rows' : ''}; gradient search: ${o.optimizer}, ${o.algorithm} hypergradients, log λ kept in [log λmax − 12, log λmax]`);

  // With --threads the searches run on a worker pool (same results, bit for
  // bit); otherwise on this thread.
  const pool = o.threads > 1 ? await createPool({ threads: o.threads }) : null;
  if (pool) console.log(`  ${o.threads} worker threads${o.folds ? ', the folds split across them' : ' (one split: it runs on one of them)'}`);
  try {
    await compare(o, data, std, problem, validation, what, pool);
  } catch (err) {
    console.error(`tune: ${err.message}`);
    process.exitCode = 1;
  } finally {
    await pool?.close();
  }
}

async function compare(o, data, std, problem, validation, what, pool) {
  const p = data.shape[1];
  const search = (options) => (pool ? pool.gradSearch(options) : gradSearch(options));
  const grid = (options) => (pool ? pool.gridSearch(options) : gridSearch(options));
  // A tiny run of both searches first (on every worker of a pool: a call
  // without folds starts on the next worker in turn), so neither timing
  // below pays for compiling the JavaScript and tiering up the wasm.
  for (let w = 0; w < (pool ? o.threads : 1); w++) {
    await grid({ ...problem, count: 3 });
    await search({ ...problem, maxIter: 2 });
  }
  const tty = Boolean(process.stdout.isTTY);
  let grad;
  try {
    grad = await search({ ...problem, optimizer: o.optimizer, algorithm: o.algorithm, maxIter: o.maxIter, onStep: (s, i) => progress(tty, s, i, o.maxIter, what) });
  } catch (err) {
    if (tty) process.stdout.write('\n');
    console.error(`tune: ${err.message}`);
    process.exitCode = 1;
    return;
  }
  if (tty) process.stdout.write('\n');
  const lmax = grad.lambdaMax;
  const best = grad.best;
  const lamText = typeof best.lambda === 'number'
    ? `λ = ${fmt(best.lambda)} (λ/λmax = ${fmt(best.lambda / lmax)})`
    : `λ₁ = ${fmt(best.lambda[0])} (λ₁/λmax = ${fmt(best.lambda[0] / lmax)}), λ₂ = ${fmt(best.lambda[1])}`;
  console.log(`\n  selected ${lamText} after ${grad.evaluations} hypergradients (${grad.stopped})`);
  console.log(`  ${what} ${fmt(best.value, 6)} (RMSE ${fmt(Math.sqrt(best.value))} in target units)`);
  if (o.folds) {
    // the refit on all training rows, scored on the rows no fold has seen
    const mse = validationMse(validation, best.beta);
    console.log(`  validation MSE of the refit model ${fmt(mse, 6)} (RMSE ${fmt(Math.sqrt(mse))}; the training mean alone gives ${fmt(Math.sqrt(meanSquare(validation.yVal)))})`);
  } else {
    console.log(`  (the training mean alone gives RMSE ${fmt(Math.sqrt(meanSquare(validation.yVal)))})`);
  }
  const coef = Array.from(best.beta, (b, j) => ({ name: data.featureNames[j], b: b / std.scale[j] })).filter((c) => c.b !== 0);
  coef.sort((a, b) => Math.abs(b.b) - Math.abs(a.b));
  console.log(`  selected features (${coef.length} of ${p}), coefficients in original units:`);
  for (const c of coef) console.log(`    ${c.name.padEnd(Math.max(...coef.map((q) => q.name.length)))}  ${c.b >= 0 ? '+' : '-'}${fmt(Math.abs(c.b))}`);
  const dropped = data.featureNames.filter((_, j) => best.beta[j] === 0);
  if (dropped.length) console.log(`    dropped: ${dropped.join(', ')}`);

  const gridRes = await grid({ ...problem, count: o.grid });
  const reached = grad.path.findIndex((s) => s.value <= gridRes.best.value * 1.01);
  const gl = typeof gridRes.best.lambda === 'number' ? `λ = ${fmt(gridRes.best.lambda)}` : `λ₁ = ${fmt(gridRes.best.lambda[0])}, λ₂ = ${fmt(gridRes.best.lambda[1])}`;
  const gridDesc = o.model === 'lasso' ? `${gridRes.evaluations} λ from λmax to λmax/1000` : `${gridRes.evaluations} (λ₁, λ₂) pairs`;
  console.log(`\n  grid search (${gridDesc}, warm-started): best ${gl}, ${what} ${fmt(gridRes.best.value, 6)}`);
  console.log('\n                      evaluations   inner solves        time   criterion');
  const row = (name, r) => console.log(`    ${name.padEnd(16)} ${String(r.evaluations).padStart(11)} ${String(r.innerSolves).padStart(14)} ${ms(r.time).padStart(11)}   ${fmt(r.best.value, 6)}`);
  row('gradient search', grad);
  row('grid search', gridRes);
  if (reached >= 0) {
    const s = grad.path[reached];
    console.log(`    gradient search was within 1% of the grid's best after ${reached + 1} evaluations (${ms(s.time)}):` +
      ` ${(gridRes.innerSolves / s.innerSolves).toFixed(1)}× fewer inner solves, ${(gridRes.time / s.time).toFixed(1)}× less time`);
  } else {
    console.log(`    gradient search stopped in a local minimum ${(100 * (grad.best.value / gridRes.best.value - 1)).toFixed(2)}% above the grid's best`);
  }
}

function validationMse({ XVal, yVal }, beta) {
  const [n, p] = XVal.shape;
  let s = 0;
  for (let i = 0; i < n; i++) {
    let r = yVal[i];
    for (let j = 0; j < p; j++) r -= XVal.data[i * p + j] * beta[j];
    s += r * r;
  }
  return s / n;
}

function meanSquare(v) {
  let s = 0;
  for (const x of v) s += x * x;
  return s / v.length;
}
