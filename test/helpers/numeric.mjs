// Shared test helpers: a seeded generator, closeness checks, finite
// differences and the dot-product test. Plain ESM with no runtime-specific
// imports, so the same tests run in Node, Deno, Bun and browsers.
import * as assert from 'uvu/assert';

/** mulberry32: a small seeded uniform generator (deterministic everywhere). */
export function rng(seed) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => {
    const u = Math.max(uniform(), 1e-300);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
  const normals = (n, scale = 1) => Float64Array.from({ length: n }, () => normal() * scale);
  return { uniform, normal, normals };
}

export function dot(a, b) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** |a − b| ≤ rtol·|b| + atol elementwise, with a readable message. */
export function close(a, b, rtol, atol, what) {
  assert.is(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) {
    const ok = Math.abs(a[i] - b[i]) <= rtol * Math.abs(b[i]) + atol;
    if (!ok) assert.unreachable(`${what}[${i}]: ${a[i]} vs ${b[i]}`);
  }
}

/** Central difference of a vector function f along direction u at x. */
export function directional(f, x, u, h = 1e-6) {
  const xp = x.map((v, i) => v + h * u[i]);
  const xm = x.map((v, i) => v - h * u[i]);
  const fp = f(xp);
  const fm = f(xm);
  if (typeof fp === 'number') return (fp - fm) / (2 * h);
  return fp.map((v, i) => (v - fm[i]) / (2 * h));
}

/** Expects fn to throw a DiffoptError with this code (and argument). */
export function throwsCode(fn, code, argument, what = '') {
  try {
    fn();
  } catch (err) {
    assert.is(err.name, 'DiffoptError', `${what}: ${err}`);
    assert.is(err.code, code, `${what}: ${err.message}`);
    if (argument !== undefined) assert.is(err.argument, argument, `${what}: ${err.message}`);
    return err;
  }
  assert.unreachable(`${what}: expected a '${code}' error`);
}

/**
 * FNV-1a (64-bit) over the IEEE bits of numbers and Float64Arrays, as 16 hex
 * digits: pins a computation bit for bit (the same digest in every runtime).
 */
export function bitsDigest(...parts) {
  const view = new DataView(new ArrayBuffer(8));
  let h = 0xcbf29ce484222325n;
  const mix = (v) => {
    view.setFloat64(0, v, true); // little-endian on every host
    for (let i = 0; i < 8; i++) h = ((h ^ BigInt(view.getUint8(i))) * 0x100000001b3n) & 0xffffffffffffffffn;
  };
  for (const p of parts) {
    if (typeof p === 'number') mix(p);
    else for (const v of p) mix(v);
  }
  return h.toString(16).padStart(16, '0');
}
