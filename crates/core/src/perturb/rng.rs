//! Counter-based random numbers: Philox4x32-10 (Salmon et al., SC 2011).
//!
//! A counter-based generator maps (key, counter) to random bits with no
//! state, so any sample can be regenerated on demand — the backward pass
//! replays exactly the forward pass's noise — and the output is the same
//! bits in every runtime and natively.
//!
//! Stream layout (documented, stable): key = (seed mod 2³², seed ≫ 32);
//! counter = (b, sample, row, 0) for coordinate block b. One Philox output
//! (x₀, x₁, x₂, x₃) gives two uniforms u_a from (x₀, x₁) and u_b from
//! (x₂, x₃), each with 53 random bits, in the open interval (0, 1):
//! u = (⌊x_hi·2²¹⌋ + ⌊x_lo/2¹¹⌋ + ½)/2⁵³. Block b covers coordinates 2b and
//! 2b + 1: Gaussian noise is the Box–Muller pair (√(−2 ln u_a)·cos 2πu_b,
//! √(−2 ln u_a)·sin 2πu_b); Gumbel noise is (−ln(−ln u_a), −ln(−ln u_b)).

use crate::math::{ln_normal, sincos_turns};

const M0: u32 = 0xD251_1F53;
const M1: u32 = 0xCD9E_8D57;
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;

#[inline(always)]
fn mulhilo(a: u32, b: u32) -> (u32, u32) {
    let p = a as u64 * b as u64;
    ((p >> 32) as u32, p as u32)
}

/// Philox4x32 with 10 rounds.
#[inline]
pub fn philox(mut ctr: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let (mut k0, mut k1) = (key[0], key[1]);
    for _ in 0..10 {
        let (hi0, lo0) = mulhilo(M0, ctr[0]);
        let (hi1, lo1) = mulhilo(M1, ctr[2]);
        ctr = [hi1 ^ ctr[1] ^ k0, lo1, hi0 ^ ctr[3] ^ k1, lo0];
        k0 = k0.wrapping_add(W0);
        k1 = k1.wrapping_add(W1);
    }
    ctr
}

#[inline(always)]
fn open_uniform(hi: u32, lo: u32) -> f64 {
    let bits = ((hi as u64) << 21) | ((lo as u64) >> 11);
    (bits as f64 + 0.5) * (1.0 / 9_007_199_254_740_992.0) // 2^-53
}

/// Which noise distribution perturbs θ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Noise {
    /// Standard normal: ν(z) = z²/2, ∇ν(z) = z.
    Gaussian,
    /// Standard Gumbel: ν(z) = z + e^{−z}, ∇ν(z) = 1 − e^{−z}; E[Z] = γ (Euler).
    Gumbel,
}

impl Noise {
    pub fn from_code(code: i32) -> Option<Self> {
        match code {
            0 => Some(Self::Gaussian),
            1 => Some(Self::Gumbel),
            _ => None,
        }
    }
    /// E[Z].
    pub fn mean(self) -> f64 {
        match self {
            Self::Gaussian => 0.0,
            Self::Gumbel => 0.577_215_664_901_532_9,
        }
    }
}

/// Fills `out` (one sample's noise over n coordinates) for (seed, row, sample).
///
/// In wasm with simd128 the blocks are generated four at a time by explicit
/// SIMD code ([`simd`]), bit-identical to the scalar code, which handles the
/// remaining tail there and everything elsewhere.
pub fn fill_noise(noise: Noise, seed: u64, row: u32, sample: u32, out: &mut [f64]) {
    let key = [seed as u32, (seed >> 32) as u32];
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let first = simd::fill_noise_x4(noise, key, row, sample, out);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    let first = 0;
    fill_noise_scalar(noise, key, row, sample, first, out);
}

/// The blocks from `first` on (coordinates 2·first..) of [`fill_noise`].
///
/// Written in stages over chunks of blocks (Philox for the chunk, then the
/// transform) with branch-free math, so each stage vectorizes.
fn fill_noise_scalar(noise: Noise, key: [u32; 2], row: u32, sample: u32, first: usize, out: &mut [f64]) {
    const CHUNK: usize = 64;
    let blocks = out.len().div_ceil(2);
    let (mut ua, mut ub) = ([0.0f64; CHUNK], [0.0f64; CHUNK]);
    let (mut za, mut zb) = ([0.0f64; CHUNK], [0.0f64; CHUNK]);
    let mut b0 = first;
    while b0 < blocks {
        let m = CHUNK.min(blocks - b0);
        for j in 0..m {
            let x = philox([(b0 + j) as u32, sample, row, 0], key);
            ua[j] = open_uniform(x[0], x[1]);
            ub[j] = open_uniform(x[2], x[3]);
        }
        match noise {
            Noise::Gaussian => {
                for j in 0..m {
                    let r = (-2.0 * ln_normal(ua[j])).sqrt();
                    let (s, c) = sincos_turns(ub[j]);
                    za[j] = r * c;
                    zb[j] = r * s;
                }
            }
            Noise::Gumbel => {
                for j in 0..m {
                    za[j] = -ln_normal(-ln_normal(ua[j]));
                    zb[j] = -ln_normal(-ln_normal(ub[j]));
                }
            }
        }
        let end = (2 * (b0 + m)).min(out.len());
        let dst = &mut out[2 * b0..end];
        for (j, pair) in dst.chunks_mut(2).enumerate() {
            pair[0] = za[j];
            if pair.len() > 1 {
                pair[1] = zb[j];
            }
        }
        b0 += m;
    }
}

/// Explicit wasm simd128 generation of four (or eight) blocks at a time: Philox on
/// i32x4 lanes (lane j = block b + j), then the uniforms and transforms on
/// f64x2 (`crate::math::simd`). Each lane performs exactly the scalar
/// operations, so the bits equal the scalar path's.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use super::{Noise, M0, M1, W0, W1};
    use crate::math::simd::{ln_normal, sincos_turns};
    use core::arch::wasm32::*;

    /// [`super::philox`] on 4·H counters, as H independent groups of four
    /// (interleaved round by round for instruction-level parallelism); lane j
    /// of `c[h][i]` is word i of counter 4h + j, `keys[r]` the round-r key
    /// words splatted.
    #[inline(always)]
    fn philox_x4h<const H: usize>(mut c: [[v128; 4]; H], keys: &[[v128; 2]; 10]) -> [[v128; 4]; H] {
        let (m0, m1) = (u32x4_splat(M0), u32x4_splat(M1));
        for k in keys {
            for c in c.iter_mut() {
                // Full 64-bit products M·c of lanes 0, 1 (extmul_low) and 2, 3
                // (extmul_high). Little-endian lanes: i32 lane 2i of a product
                // vector is the low word of product i, lane 2i + 1 its high
                // word, so the odd lanes gather mulhilo's hi, the even its lo.
                let (p0, q0) = (u64x2_extmul_low_u32x4(m0, c[0]), u64x2_extmul_high_u32x4(m0, c[0]));
                let (p1, q1) = (u64x2_extmul_low_u32x4(m1, c[2]), u64x2_extmul_high_u32x4(m1, c[2]));
                let (hi0, lo0) = (i32x4_shuffle::<1, 3, 5, 7>(p0, q0), i32x4_shuffle::<0, 2, 4, 6>(p0, q0));
                let (hi1, lo1) = (i32x4_shuffle::<1, 3, 5, 7>(p1, q1), i32x4_shuffle::<0, 2, 4, 6>(p1, q1));
                *c = [v128_xor(v128_xor(hi1, c[1]), k[0]), lo1, v128_xor(v128_xor(hi0, c[3]), k[1]), lo0];
            }
        }
        c
    }

    /// [`super::open_uniform`] of lanes 0 and 1 of `hi` and `lo11` = lo ≫ 11.
    /// The u32 → f64 conversions are exact, hi·2²¹ is exact and the sum is
    /// an integer below 2⁵³, so `bits` is the scalar `bits as f64`; then the
    /// same + ½ and × 2⁻⁵³.
    #[inline(always)]
    fn uniform2(hi: v128, lo11: v128) -> v128 {
        let h = f64x2_convert_low_u32x4(hi);
        let l = f64x2_convert_low_u32x4(lo11);
        let bits = f64x2_add(f64x2_mul(h, f64x2_splat(2_097_152.0)), l); // 2^21
        f64x2_mul(f64x2_add(bits, f64x2_splat(0.5)), f64x2_splat(1.0 / 9_007_199_254_740_992.0))
    }

    /// Lanes 2, 3 moved to lanes 0, 1.
    #[inline(always)]
    fn upper(v: v128) -> v128 {
        i32x4_shuffle::<2, 3, 2, 3>(v, v)
    }

    /// Fills the first blocks of `out` in whole steps of 4H blocks (all
    /// coordinates of each, so 8H values a step) and returns how many blocks
    /// it filled; the scalar code does the rest.
    pub(super) fn fill_noise_x4(noise: Noise, key: [u32; 2], row: u32, sample: u32, out: &mut [f64]) -> usize {
        match noise {
            // One group of four blocks per step for Gaussian noise, two
            // interleaved for Gumbel: measured fastest in V8 for each (the
            // wider step spills registers around the Box–Muller transform
            // but hides the latency of Gumbel's two dependent logarithms).
            Noise::Gaussian => run::<false, 1>(key, row, sample, out),
            Noise::Gumbel => run::<true, 2>(key, row, sample, out),
        }
    }

    #[inline(always)]
    fn run<const GUMBEL: bool, const H: usize>(key: [u32; 2], row: u32, sample: u32, out: &mut [f64]) -> usize {
        let groups = out.len() / (8 * H);
        let mut keys = [[u32x4_splat(0); 2]; 10];
        let (mut k0, mut k1) = (key[0], key[1]);
        for k in keys.iter_mut() {
            *k = [u32x4_splat(k0), u32x4_splat(k1)];
            k0 = k0.wrapping_add(W0);
            k1 = k1.wrapping_add(W1);
        }
        let (c1, c2, c3) = (u32x4_splat(sample), u32x4_splat(row), u32x4_splat(0));
        // Block counters b..b + 4H − 1 (u32, wrapping like the scalar `as u32`).
        let mut c0 = u32x4(0, 1, 2, 3);
        for g in 0..groups {
            let mut cs = [[c0, c1, c2, c3]; H];
            for (h, c) in cs.iter_mut().enumerate() {
                c[0] = i32x4_add(c0, u32x4_splat(4 * h as u32));
            }
            let xs = philox_x4h(cs, &keys);
            c0 = i32x4_add(c0, u32x4_splat(4 * H as u32));
            for (h, x) in xs.iter().enumerate() {
                let (lo1, lo3) = (u32x4_shr(x[1], 11), u32x4_shr(x[3], 11));
                let ua01 = uniform2(x[0], lo1);
                let ua23 = uniform2(upper(x[0]), upper(lo1));
                let ub01 = uniform2(x[2], lo3);
                let ub23 = uniform2(upper(x[2]), upper(lo3));
                // (za, zb) of blocks (j, j + 1).
                let pair = |ua: v128, ub: v128| -> (v128, v128) {
                    if GUMBEL {
                        // −ln(−ln u), negation being a sign flip in both.
                        let g = |u: v128| f64x2_neg(ln_normal(f64x2_neg(ln_normal(u))));
                        (g(ua), g(ub))
                    } else {
                        // r = √(−2 ln u_a); (r·cos 2πu_b, r·sin 2πu_b).
                        let r = f64x2_sqrt(f64x2_mul(f64x2_splat(-2.0), ln_normal(ua)));
                        let (s, c) = sincos_turns(ub);
                        (f64x2_mul(r, c), f64x2_mul(r, s))
                    }
                };
                let (za01, zb01) = pair(ua01, ub01);
                let (za23, zb23) = pair(ua23, ub23);
                // SAFETY: 8Hg + 8h + 8 ≤ 8H·groups ≤ out.len(); v128 stores
                // need no alignment in wasm.
                unsafe {
                    let p = out.as_mut_ptr().add(8 * H * g + 8 * h) as *mut v128;
                    v128_store(p, i64x2_shuffle::<0, 2>(za01, zb01));
                    v128_store(p.add(1), i64x2_shuffle::<1, 3>(za01, zb01));
                    v128_store(p.add(2), i64x2_shuffle::<0, 2>(za23, zb23));
                    v128_store(p.add(3), i64x2_shuffle::<1, 3>(za23, zb23));
                }
            }
        }
        4 * H * groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn philox_known_answer() {
        // Known-answer vectors of Philox4x32-10 (Random123 kat_vectors).
        assert_eq!(philox([0, 0, 0, 0], [0, 0]), [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]);
        assert_eq!(
            philox([0xffff_ffff; 4], [0xffff_ffff; 2]),
            [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]
        );
        assert_eq!(
            philox([0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344], [0xa409_3822, 0x299f_31d0]),
            [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1]
        );
    }

    #[test]
    fn moments_are_right() {
        let n = 200_000;
        for noise in [Noise::Gaussian, Noise::Gumbel] {
            let mut z = vec![0.0; n];
            fill_noise(noise, 12345, 0, 0, &mut z);
            let mean = z.iter().sum::<f64>() / n as f64;
            let var = z.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
            let want_var = if noise == Noise::Gaussian { 1.0 } else { core::f64::consts::PI.powi(2) / 6.0 };
            assert!((mean - noise.mean()).abs() < 0.01, "{noise:?} mean {mean}");
            assert!((var - want_var).abs() < 0.02, "{noise:?} var {var}");
        }
    }

    #[test]
    fn streams_are_independent_and_reproducible() {
        let mut a = vec![0.0; 7];
        let mut b = vec![0.0; 7];
        fill_noise(Noise::Gaussian, 1, 0, 3, &mut a);
        fill_noise(Noise::Gaussian, 1, 0, 3, &mut b);
        assert_eq!(a, b);
        fill_noise(Noise::Gaussian, 1, 0, 4, &mut b);
        assert_ne!(a, b);
        fill_noise(Noise::Gaussian, 1, 1, 3, &mut b);
        assert_ne!(a, b);
        fill_noise(Noise::Gaussian, 2, 0, 3, &mut b);
        assert_ne!(a, b);
    }
}
