// Learning to predict shortest paths with the perturbed Fenchel-Young loss
// (Berthet et al., NeurIPS 2020, after their Warcraft experiment), on small
// generated grid maps: a linear model maps per-cell features to costs, the
// Dijkstra oracle is made differentiable by perturbation, and the path-cost
// regret on held-out maps falls over the epochs.
import { perturbed, perturbedFyLoss } from '../../dist/index.js';
import { generator } from './random.mjs';

const SIZE = 8; // 8×8 maps
const CELLS = SIZE * SIZE;
const TERRAIN_COST = [1, 2, 6, 12]; // plains, forest, hills, water
const FEATURES = TERRAIN_COST.length + 2; // one-hot terrain, a noisy copy of the cost, a bias


/** A map: terrain blobs grown from random seeds; features and true costs per cell. */
function makeMap(rand) {
  const terrain = new Int32Array(CELLS);
  for (let blob = 0; blob < 7; blob++) {
    const type = 1 + Math.floor(rand() * 3);
    const cr = rand() * SIZE, cc = rand() * SIZE, radius = 1 + rand() * 2.2;
    for (let r = 0; r < SIZE; r++) {
      for (let c = 0; c < SIZE; c++) {
        if (Math.hypot(r - cr, c - cc) < radius) terrain[r * SIZE + c] = type;
      }
    }
  }
  const features = new Float64Array(CELLS * FEATURES);
  const cost = new Float64Array(CELLS);
  for (let i = 0; i < CELLS; i++) {
    features[i * FEATURES + terrain[i]] = 1;
    features[i * FEATURES + TERRAIN_COST.length] = TERRAIN_COST[terrain[i]] / 12 + 0.3 * (rand() - 0.5);
    features[i * FEATURES + TERRAIN_COST.length + 1] = 1;
    cost[i] = TERRAIN_COST[terrain[i]];
  }
  return { features, cost };
}

const oracle = { kind: 'shortest-path', rows: SIZE, cols: SIZE };
// The exact solver: one sample at a vanishing noise scale is y*(θ) itself
// (true costs are integers, so a 1e-9 perturbation never changes the path).
const exact = perturbed(oracle, { epsilon: 1e-9, samples: 1 });

const pathCost = (path, cost) => path.reduce((s, v, i) => s + v * cost[i], 0);

function predictCosts(w, maps) {
  const theta = new Float64Array(maps.length * CELLS);
  maps.forEach((m, k) => {
    for (let i = 0; i < CELLS; i++) {
      let s = 0;
      for (let f = 0; f < FEATURES; f++) s += m.features[i * FEATURES + f] * w[f];
      theta[k * CELLS + i] = s;
    }
  });
  return theta;
}

/** Mean normalized regret: (true cost of the predicted path − optimum)/optimum. */
function regret(w, maps) {
  const theta = predictCosts(w, maps);
  let total = 0;
  maps.forEach((m, k) => {
    const predicted = exact(theta.subarray(k * CELLS, (k + 1) * CELLS));
    const best = exact(m.cost);
    total += (pathCost(predicted, m.cost) - pathCost(best, m.cost)) / pathCost(best, m.cost);
  });
  return total / maps.length;
}

export async function pathsDemo() {
  const rand = generator(2020).uniform;
  const train = Array.from({ length: 60 }, () => makeMap(rand));
  const test = Array.from({ length: 30 }, () => makeMap(rand));
  const targets = new Float64Array(train.length * CELLS);
  train.forEach((m, k) => targets.set(exact(m.cost), k * CELLS));

  const loss = perturbedFyLoss(oracle, { epsilon: 1, samples: 50, seed: 7 });
  const w = Float64Array.from({ length: FEATURES }, (_, f) => (f === FEATURES - 1 ? 3 : 0)); // flat costs
  const lr = 0.05;
  console.log(`Learning shortest paths on ${SIZE}×${SIZE} maps: a linear model from ${FEATURES} cell features to costs,`);
  console.log(`trained with the perturbed Fenchel-Young loss (Dijkstra oracle, ε = 1, 50 samples, ${train.length} maps per call).`);
  console.log('  epoch   FY loss (train)   regret (test)');
  for (let epoch = 0; epoch <= 40; epoch++) {
    const theta = predictCosts(w, train);
    // One wasm call for all training maps: rows = maps.
    const { value, grad } = loss(theta, targets, { shape: [train.length, CELLS] });
    if (epoch % 5 === 0) {
      console.log(`  ${String(epoch).padStart(5)}   ${value.toFixed(4).padStart(15)}   ${(100 * regret(w, test)).toFixed(2).padStart(12)}%`);
    }
    // ∂L/∂w = Σ_cells ∂L/∂θ_cell · features_cell (grad is of the mean over maps)
    const gw = new Float64Array(FEATURES);
    train.forEach((m, k) => {
      for (let i = 0; i < CELLS; i++) {
        const gi = grad[k * CELLS + i];
        for (let f = 0; f < FEATURES; f++) gw[f] += gi * m.features[i * FEATURES + f];
      }
    });
    for (let f = 0; f < FEATURES; f++) w[f] -= lr * gw[f];
  }
  console.log(`  learned weights: ${Array.from(w, (v) => v.toFixed(2)).join(' ')}`);
  console.log(`  (true terrain costs ${TERRAIN_COST.join(', ')}: only their ratios matter for the path)`);
}
