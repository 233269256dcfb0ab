// Benchmark inputs and output checks, bit-identical to the native side
// (crates/native-bench/src/lib.rs: SplitMix64, gen_x, gen_g, Digest).

// SplitMix64 on two uint32 halves (fast enough for millions of inputs;
// checkPrng compares it with a BigInt version).
const C_INC = [0x9e3779b9, 0x7f4a7c15];
const C_M1 = [0xbf58476d, 0x1ce4e5b9];
const C_M2 = [0x94d049bb, 0x133111eb];

function mulhi32(a, b) {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) >>> 0;
}

export class SplitMix64 {
  /** @param {number | bigint} seed */
  constructor(seed) {
    const s = BigInt.asUintN(64, BigInt(seed));
    this.hi = Number(s >> 32n);
    this.lo = Number(s & 0xffffffffn);
    this.zh = 0;
    this.zl = 0;
  }
  // z = (zh, zl) * (mh, ml) mod 2^64
  mul(mh, ml) {
    const { zh, zl } = this;
    const lo = Math.imul(zl, ml) >>> 0;
    const hi = (mulhi32(zl, ml) + Math.imul(zl, mh) + Math.imul(zh, ml)) >>> 0;
    this.zh = hi;
    this.zl = lo;
  }
  // z ^= z >> k, 0 < k < 32
  xorshr(k) {
    const { zh, zl } = this;
    this.zl = (zl ^ ((zl >>> k) | (zh << (32 - k)))) >>> 0;
    this.zh = (zh ^ (zh >>> k)) >>> 0;
  }
  /** Advances and leaves the output in (zh, zl). */
  step() {
    const lo = this.lo + C_INC[1];
    this.lo = lo >>> 0;
    this.hi = (this.hi + C_INC[0] + (lo > 0xffffffff ? 1 : 0)) >>> 0;
    this.zh = this.hi;
    this.zl = this.lo;
    this.xorshr(30);
    this.mul(C_M1[0], C_M1[1]);
    this.xorshr(27);
    this.mul(C_M2[0], C_M2[1]);
    this.xorshr(31);
  }
  next64() {
    this.step();
    return (BigInt(this.zh) << 32n) | BigInt(this.zl);
  }
  /** A uniform in [0, 1) with 53 random bits: (z >> 11) · 2^-53. */
  uniform() {
    this.step();
    return (this.zh * 2097152 + (this.zl >>> 11)) * 2 ** -53;
  }
}

/** Throws unless SplitMix64 matches a straightforward BigInt version. */
export function checkPrng() {
  const M = (1n << 64n) - 1n;
  let state = 12345678901234567n;
  const r = new SplitMix64(state);
  for (let i = 0; i < 2000; i++) {
    state = (state + 0x9e3779b97f4a7c15n) & M;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
    z = z ^ (z >> 31n);
    if (r.next64() !== z) throw new Error(`PRNG self-check failed at step ${i}`);
  }
}

/** n uniforms from SplitMix64(seed). */
export function uniforms(seed, n) {
  const r = new SplitMix64(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = r.uniform();
  return out;
}

/** Input k of a case: `len` values (u₁+u₂+u₃+u₄ − 2)·scale from SplitMix64(seed + 1000k). */
export function genX(seed, k, len, scale) {
  const r = new SplitMix64(BigInt(seed) + 1000n * BigInt(k));
  const x = new Float64Array(len);
  for (let i = 0; i < len; i++) {
    const s = r.uniform() + r.uniform() + r.uniform() + r.uniform();
    x[i] = (s - 2) * scale;
  }
  return x;
}

/** Cotangent k of a case: `len` values 2u − 1 from SplitMix64(seed + 1000k + 500). */
export function genG(seed, k, len) {
  const r = new SplitMix64(BigInt(seed) + 1000n * BigInt(k) + 500n);
  const g = new Float64Array(len);
  for (let i = 0; i < len; i++) g[i] = 2 * r.uniform() - 1;
  return g;
}

/** mulberry32 uniforms and Box-Muller normals (the Lasso benchmark's generated data). */
export function mulberry32(seed) {
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
 * Σ of outputs and a digest of their bits (FNV-1a, 32-bit, over the low then
 * high word of each f64), as `Digest` in crates/native-bench computes them:
 * equal hashes mean bit-identical outputs.
 */
export class Digest {
  checksum = 0;
  hash = 0x811c9dc5;
  eat(a) {
    const words = new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
    let h = this.hash;
    for (let i = 0; i < a.length; i++) {
      this.checksum += a[i];
      h = Math.imul(h ^ words[2 * i], 0x01000193) >>> 0;
      h = Math.imul(h ^ words[2 * i + 1], 0x01000193) >>> 0;
    }
    this.hash = h;
    return this;
  }
}

/** null if a ≈ b elementwise (relative tolerance), else where they differ. */
export function mismatch(a, b, tol = 1e-9) {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])))) return `[${i}] ${a[i]} vs ${b[i]}`;
  }
  return null;
}
