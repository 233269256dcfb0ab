// Perturbed optimizers through the public API: closed forms within 4
// standard errors, 1/√N scaling, the control variate, exact dot-product
// tests, bit-exact reproducibility, user oracles and bad input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import golden from './fixtures/fy_perturb.json' with { type: 'json' };
import { init, perturbed, perturbedFyLoss } from '../dist/index.js';
import { rng, dot, throwsCode } from './helpers/numeric.mjs';

await init();

const bits = (x) => {
  const a = new Float64Array([x]);
  return '0x' + new BigUint64Array(a.buffer)[0].toString(16).padStart(16, '0');
};

test('golden closed forms: y_ε and F_ε within 4 standard errors at 10^5 samples', () => {
  const sections = golden.perturbed_argmax;
  for (const [key, noise] of [['gaussian_n2_closed_form', 'gaussian'], ['gaussian_n3_quadrature', 'gaussian'], ['gumbel_closed_form', 'gumbel']]) {
    for (const c of sections[key]) {
      const f = perturbed('argmax', { noise, epsilon: c.eps, samples: 100_000, seed: 3 });
      const e = f.estimate(c.theta);
      c.y_eps.forEach((want, i) => {
        const se = Math.max(e.outputStderr[i], Math.sqrt((want * (1 - want)) / 1e5));
        assert.ok(Math.abs(e.output[i] - want) <= 4 * se + 1e-12, `${key} y[${i}] ${e.output[i]} vs ${want}`);
      });
      assert.ok(Math.abs(e.value[0] - c.F_eps) <= 4 * e.valueStderr[0] + 1e-12, `${key} F ${e.value[0]} vs ${c.F_eps}`);
    }
  }
});

test('golden Gumbel Jacobian (diag p − ppᵀ)/ε through the vjp, 4 standard errors over 10 seeds', () => {
  for (const c of golden.perturbed_argmax.gumbel_closed_form) {
    const n = c.theta.length;
    for (let col = 0; col < n; col++) {
      const g = Array.from({ length: n }, (_, i) => (i === col ? 1 : 0));
      const runs = Array.from({ length: 10 }, (_, s) =>
        perturbed('argmax', { noise: 'gumbel', epsilon: c.eps, samples: 10_000, seed: 100 + s }).vjp(c.theta)[1](g));
      for (let i = 0; i < n; i++) {
        const vals = runs.map((r) => r[i]);
        const mean = vals.reduce((a, b) => a + b, 0) / 10;
        const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / 9);
        const p = Math.max(c.y_eps[i], c.y_eps[col]);
        const tol = Math.max((4 * sd) / Math.sqrt(10), (4 * Math.sqrt(p / 1e5)) / c.eps);
        assert.ok(Math.abs(mean - c.jacobian[col][i]) <= tol + 1e-12, `J[${col}][${i}] ${mean} vs ${c.jacobian[col][i]}`);
      }
    }
  }
});

test('the standard error shrinks as 1/√samples', () => {
  const theta = [0.5, 1.2, -0.3];
  const small = perturbed('argmax', { samples: 1_000, seed: 1 }).estimate(theta);
  const large = perturbed('argmax', { samples: 100_000, seed: 1 }).estimate(theta);
  for (let i = 0; i < 3; i++) {
    const ratio = small.outputStderr[i] / large.outputStderr[i];
    assert.ok(Math.abs(ratio - 10) < 1.5, `ratio ${ratio}`);
  }
});

test('the control variate lowers the variance of the vjp on the same seeds', () => {
  const theta = [0.5, 1.2, -0.3, 0];
  const g = [2, 1.5, 1, 2.5];
  const spread = (controlVariate) => {
    const runs = Array.from({ length: 30 }, (_, seed) =>
      perturbed('argmax', { samples: 200, seed, controlVariate }).vjp(theta)[1](g));
    let total = 0;
    for (let i = 0; i < 4; i++) {
      const m = runs.reduce((a, r) => a + r[i], 0) / 30;
      total += runs.reduce((a, r) => a + (r[i] - m) ** 2, 0) / 29;
    }
    return total;
  };
  assert.ok(spread(true) < 0.5 * spread(false));
});

test('dot-product test: ⟨g, J u⟩ = ⟨Jᵀ g, u⟩ on shared samples, every oracle and mode', () => {
  const r = rng(9);
  const cases = [
    ['argmax', 6, {}],
    [{ kind: 'top-k', k: 2 }, 6, { noise: 'gumbel' }],
    ['ranking', 5, { multiplicative: true }],
    [{ kind: 'shortest-path', rows: 3, cols: 3 }, 9, { multiplicative: true }],
    [{ kind: 'shortest-path', rows: 3, cols: 3 }, 9, {}],
    [(t) => t.map((v) => (v > 1.5 ? 1 : 0)), 4, { samples: 50 }],
  ];
  for (const [oracle, n, opts] of cases) {
    const f = perturbed(oracle, { epsilon: 0.7, samples: 300, seed: 5, ...opts });
    const theta = Array.from({ length: n }, () => 1 + r.uniform());
    const u = r.normals(n);
    const g = r.normals(n);
    const jv = f.jvp(theta, u)[1];
    const vj = f.vjp(theta)[1](g);
    const a = dot(g, jv);
    const b = dot(vj, u);
    assert.ok(Math.abs(a - b) < 1e-10 * (1 + Math.abs(a)), `${JSON.stringify(oracle)}: ${a} vs ${b}`);
  }
});

test('bit-exact: the same seed gives the same bits as the native build', () => {
  // The constants are asserted by the Rust test perturb::tests::bitwise_reference_values.
  const theta = [0.3, 1.2, -0.3, 0.05, 0.9];
  assert.is(bits(perturbed('argmax', { epsilon: 0.5, samples: 1000, seed: 42 }).estimate(theta).value[0]), '0x3ff648da29105610');
  assert.is(bits(perturbed({ kind: 'top-k', k: 2 }, { noise: 'gumbel', epsilon: 0.5, samples: 1000, seed: 42 }).estimate(theta).value[0]), '0x40073fdd531ecaed');
  assert.is(bits(perturbed('ranking', { multiplicative: true, epsilon: 0.5, samples: 1000, seed: 42 }).estimate([0.3, 1.2, 0.7, 0.05, 0.9]).value[0]), '0x40299e6772efd589');
  // a different seed gives different samples
  assert.is.not(perturbed('argmax', { seed: 43 })(theta).join(), perturbed('argmax', { seed: 42 })(theta).join());
});

test('bit-exact noise: every perturbed point hashes as in the native build (n = 37: SIMD blocks and scalar tail)', () => {
  // The hashes are asserted by the Rust test perturb::tests::bitwise_reference_points_hash.
  const theta = Array.from({ length: 37 }, (_, i) => i / 8);
  const M = (1n << 64n) - 1n;
  for (const [noise, want] of [['gaussian', 0x0b33a9b12e3a503dn], ['gumbel', 0x2003b8fe65804b2bn]]) {
    let h = 0xcbf29ce484222325n;
    const hashing = (t) => {
      for (const v of new BigUint64Array(Float64Array.from(t).buffer)) h = ((h ^ v) * 0x100000001b3n) & M;
      return new Float64Array(t.length);
    };
    perturbed(hashing, { noise, epsilon: 0.5, samples: 50, seed: 42 })(theta);
    assert.is('0x' + h.toString(16), '0x' + want.toString(16), noise);
  }
});

test('a user oracle in JavaScript gives exactly the built-in result', () => {
  const argmax = (t) => {
    let best = 0;
    for (let i = 1; i < t.length; i++) if (t[i] > t[best]) best = i;
    return Float64Array.from(t, (_, i) => (i === best ? 1 : 0));
  };
  const theta = [0.3, 1.2, -0.3, 0.05];
  const opts = { epsilon: 0.5, samples: 500, seed: 8 };
  const builtin = perturbed('argmax', opts).vjp(theta);
  const user = perturbed(argmax, opts).vjp(theta);
  assert.equal(Array.from(user[0]), Array.from(builtin[0]));
  const g = [1, -2, 0.5, 3];
  assert.equal(Array.from(user[1](g)), Array.from(builtin[1](g)));
  const l1 = perturbedFyLoss('argmax', opts)(theta, [0, 0, 1, 0]);
  const l2 = perturbedFyLoss(argmax, opts)(theta, [0, 0, 1, 0]);
  assert.is(l1.value, l2.value);
});

test('batched rows equal row-by-row calls (noise streams are per row)', () => {
  const x = [0.3, 1.2, -0.3, 2, 0, 1];
  const f = perturbed('argmax', { samples: 200, seed: 4 });
  const batch = f(x, { shape: [2, 3] });
  // row r of a batch uses stream r: row 0 equals a single-row call
  assert.equal(Array.from(batch.subarray(0, 3)), Array.from(f(x.slice(0, 3))));
  const user = perturbed((t) => {
    let b = 0;
    for (let i = 1; i < t.length; i++) if (t[i] > t[b]) b = i;
    return t.map((_, i) => (i === b ? 1 : 0));
  }, { samples: 200, seed: 4 });
  assert.equal(Array.from(user(x, { shape: [2, 3] })), Array.from(batch));
});

test('perturbed FY loss: true loss value (≥ 0), gradient y_ε − y, minimization', () => {
  for (const c of golden.perturbed_argmax.gaussian_n2_closed_form) {
    const loss = perturbedFyLoss('argmax', { epsilon: c.eps, samples: 100_000, seed: 21 });
    const { value, grad } = loss(c.theta, c.y_true);
    const e = perturbed('argmax', { epsilon: c.eps, samples: 100_000, seed: 21 }).estimate(c.theta);
    assert.ok(value >= 0);
    assert.ok(Math.abs(value - c['pfy_loss(F_eps - <theta,y_true>)']) <= 4 * e.valueStderr[0] + 1e-9);
    assert.ok(Math.abs(grad[0] - c['pfy_grad(y_eps - y_true)'][0]) <= 4 * e.outputStderr[0] + 1e-12);
  }
  const path = [1, 0, 0, 0, 1, 0, 0, 0, 1]; // the diagonal of a 3×3 grid
  const costs = [1, 5, 5, 5, 1, 5, 5, 5, 1];
  const loss = perturbedFyLoss({ kind: 'shortest-path', rows: 3, cols: 3 }, { multiplicative: true, epsilon: 0.3, samples: 500 });
  const { value, grad } = loss(costs, path);
  assert.ok(value >= 0 && value < 0.5, `value ${value}`);
  assert.ok(grad.every(Number.isFinite));
});

test('bad input: typed errors naming the argument', () => {
  throwsCode(() => perturbed('argmax', { epsilon: 0 }), 'domain', 'epsilon');
  throwsCode(() => perturbed('argmax', { epsilon: -1 }), 'domain', 'epsilon');
  throwsCode(() => perturbed('argmax', { samples: 0 }), 'domain', 'samples');
  throwsCode(() => perturbed('argmax', { samples: 2.5 }), 'domain', 'samples');
  throwsCode(() => perturbed('argmax', { noise: 'cauchy' }), 'option', 'noise');
  throwsCode(() => perturbed('argmax', { sample: 10 }), 'option', 'sample');
  throwsCode(() => perturbed('median'), 'option', 'oracle');
  throwsCode(() => perturbed('argmax')([1, NaN]), 'nonfinite', 'theta');
  throwsCode(() => perturbed((t) => [1], { samples: 3 })([1, 2]), 'shape', 'oracle');
  throwsCode(() => perturbed((t) => [NaN, 1], { samples: 3 })([1, 2]), 'nonfinite', 'oracle');
  throwsCode(() => perturbed('argmax', { multiplicative: true })([1, -2]), 'domain', 'theta');
  throwsCode(() => perturbed('argmax', { multiplicative: true, noise: 'gumbel' }), 'option', 'noise');
  throwsCode(() => perturbed({ kind: 'top-k', k: 3 })([1, 2]), 'domain', 'oracle');
  throwsCode(() => perturbed({ kind: 'shortest-path', rows: 2, cols: 2 })([1, 2, 3]), 'shape', 'oracle');
  throwsCode(() => perturbed({ kind: 'shortest-path', rows: 2, cols: 2 }, { maximize: true }), 'option', 'maximize');
  throwsCode(() => perturbed('argmax').vjp([1, 2])[1]([1]), 'shape', 'cotangent');
  throwsCode(() => perturbedFyLoss('argmax')([1, 2], [1]), 'shape', 'target');
  throwsCode(() => perturbed('argmax', { seed: -1 }), 'domain', 'seed');
});

test.run();
