// The demos' seeded random numbers (mulberry32 uniforms, Box–Muller normals),
// so every run prints the same. One copy for every demo and example.

/** A seeded generator: `uniform()` in [0, 1), `normal()` standard normal. */
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
