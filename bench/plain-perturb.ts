// A straightforward TypeScript implementation of the perturbed argmax /
// top-k / shortest path estimators: what a competent developer would write
// without diffopt. It is the baseline of bench/perturb.mjs (timing only; its
// random numbers come from its own generator, so results agree with diffopt
// statistically, not bit for bit).

/** xorshift128+ → uniforms in (0, 1), Box–Muller normals. */
export class Rng {
  private s0: number;
  private s1: number;
  private spare: number | null = null;
  constructor(seed: number) {
    this.s0 = (seed ^ 0x9e3779b9) >>> 0 || 1;
    this.s1 = (seed * 0x85ebca6b) >>> 0 || 2;
  }
  uniform(): number {
    let x = this.s0;
    const y = this.s1;
    this.s0 = y;
    x ^= x << 23;
    x ^= x >>> 17;
    x ^= y ^ (y >>> 26);
    this.s1 = x >>> 0;
    return ((this.s0 + this.s1) >>> 0) / 4294967296 + 1 / 8589934592;
  }
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const a = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(a);
    return r * Math.cos(a);
  }
}

export type Oracle = (theta: Float64Array, out: Float64Array) => void;

export const argmax: Oracle = (t, out) => {
  let best = 0;
  for (let i = 1; i < t.length; i++) if (t[i] > t[best]) best = i;
  out.fill(0);
  out[best] = 1;
};

export function topK(k: number): Oracle {
  return (t, out) => {
    const idx = Array.from(t, (_, i) => i).sort((a, b) => t[b] - t[a] || a - b);
    out.fill(0);
    for (let i = 0; i < k; i++) out[idx[i]] = 1;
  };
}

/** Dijkstra with a binary heap on a rows×cols grid of vertex costs, 8 neighbours. */
export function shortestPath(rows: number, cols: number): Oracle {
  return (cost, out) => {
    const n = rows * cols;
    const dist = new Float64Array(n).fill(Infinity);
    const prev = new Int32Array(n);
    const done = new Uint8Array(n);
    const heap: [number, number][] = [];
    const push = (d: number, v: number) => {
      heap.push([d, v]);
      let i = heap.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (heap[p][0] <= heap[i][0]) break;
        [heap[p], heap[i]] = [heap[i], heap[p]];
        i = p;
      }
    };
    const pop = () => {
      const top = heap[0];
      const last = heap.pop()!;
      if (heap.length) {
        heap[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < heap.length && heap[l][0] < heap[m][0]) m = l;
          if (r < heap.length && heap[r][0] < heap[m][0]) m = r;
          if (m === i) break;
          [heap[m], heap[i]] = [heap[i], heap[m]];
          i = m;
        }
      }
      return top;
    };
    const c = (i: number) => Math.max(cost[i], 0);
    dist[0] = c(0);
    push(dist[0], 0);
    while (heap.length) {
      const [, u] = pop();
      if (done[u]) continue;
      done[u] = 1;
      if (u === n - 1) break;
      const r0 = Math.floor(u / cols);
      const c0 = u % cols;
      for (let dr = -1; dr <= 1; dr++) {
        for (let dc = -1; dc <= 1; dc++) {
          if (!dr && !dc) continue;
          const r = r0 + dr;
          const cc = c0 + dc;
          if (r < 0 || cc < 0 || r >= rows || cc >= cols) continue;
          const v = r * cols + cc;
          const alt = dist[u] + c(v);
          if (!done[v] && alt < dist[v]) {
            dist[v] = alt;
            prev[v] = u;
            push(alt, v);
          }
        }
      }
    }
    out.fill(0);
    for (let v = n - 1; ; v = prev[v]) {
      out[v] = 1;
      if (v === 0) break;
    }
  };
}

/** y_ε(θ) and a pullback with the sample-mean control variate (Gaussian noise). */
export function perturbedVjp(oracle: Oracle, theta: Float64Array, epsilon: number, samples: number, seed: number) {
  const n = theta.length;
  const rng = new Rng(seed);
  const zs = new Float64Array(samples * n);
  const ys = new Float64Array(samples * n);
  const eta = new Float64Array(n);
  const mean = new Float64Array(n);
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      zs[s * n + i] = z;
      eta[i] = theta[i] + epsilon * z;
    }
    const y = ys.subarray(s * n, (s + 1) * n);
    oracle(eta, y);
    for (let i = 0; i < n; i++) mean[i] += y[i] / samples;
  }
  const pullback = (g: Float64Array) => {
    const out = new Float64Array(n);
    for (let s = 0; s < samples; s++) {
      let c = 0;
      for (let i = 0; i < n; i++) c += (ys[s * n + i] - mean[i]) * g[i];
      for (let i = 0; i < n; i++) out[i] += (c * zs[s * n + i]) / epsilon;
    }
    for (let i = 0; i < n; i++) out[i] /= samples - 1;
    return out;
  };
  return { value: mean, pullback };
}
