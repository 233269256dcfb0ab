//! exp and ln in the classic fdlibm style (argument reduction by ln 2 and a
//! minimax polynomial), written from the published algorithm so every build
//! of the core rounds identically. Accuracy: < 1 ulp over the tested range.

// The constants are fdlibm's, digit for digit (INV_LN2 is log2(e) as fdlibm
// spells it); x − x is the intended NaN/Inf detector.
#![allow(clippy::excessive_precision, clippy::approx_constant, clippy::eq_op)]

pub(crate) const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-01;
pub(crate) const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
pub(crate) const INV_LN2: f64 = 1.442_695_040_888_963_387_00e+00;

// Remez polynomial for (r·(e^r+1)/(e^r−1)) on [−ln2/2, ln2/2].
pub(crate) const P1: f64 = 1.666_666_666_666_660_190_37e-01;
pub(crate) const P2: f64 = -2.777_777_777_701_559_338_42e-03;
pub(crate) const P3: f64 = 6.613_756_321_437_934_361_17e-05;
pub(crate) const P4: f64 = -1.653_390_220_546_525_153_90e-06;
pub(crate) const P5: f64 = 4.138_136_797_057_238_460_39e-08;

/// 2^k·y for integer k in [−1100, 1100], exact unless the result is subnormal.
#[inline(always)]
fn scale_by_pow2(mut y: f64, mut k: i32) -> f64 {
    if k > 1023 {
        y *= f64::from_bits(0x7fe0_0000_0000_0000); // 2^1023
        k -= 1023;
        if k > 1023 {
            k = 1023;
        }
    } else if k < -1022 {
        y *= f64::from_bits(0x0360_0000_0000_0000); // 2^-969 = 2^-1022 · 2^53
        k += 969;
        if k < -1022 {
            k = -1022;
        }
    }
    y * f64::from_bits(((0x3ff + k) as u64) << 52)
}

/// e^x.
#[inline]
pub fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x > 709.782_712_893_383_973_096 {
        return f64::INFINITY;
    }
    if x < -745.133_219_101_941_108_42 {
        return 0.0;
    }
    let ax = x.abs();
    let (hi, lo, k) = if ax > 0.5 * core::f64::consts::LN_2 {
        let k = (INV_LN2 * x + 0.5f64.copysign(x)) as i32; // round to nearest
        let kf = k as f64;
        (x - kf * LN2_HI, kf * LN2_LO, k)
    } else if ax > f64::from_bits(0x3e30_0000_0000_0000) {
        // |x| > 2^-28
        (x, 0.0, 0)
    } else {
        return 1.0 + x;
    };
    let r = hi - lo;
    let rr = r * r;
    let c = r - rr * (P1 + rr * (P2 + rr * (P3 + rr * (P4 + rr * P5))));
    let y = 1.0 + (r * c / (2.0 - c) - lo + hi);
    if k == 0 {
        y
    } else {
        scale_by_pow2(y, k)
    }
}

// Remez coefficients for log(1+f) = f − f²/2 + s·(f²/2 + R(s²)), s = f/(2+f).
pub(crate) const LG1: f64 = 6.666_666_666_666_735_130e-01;
pub(crate) const LG2: f64 = 3.999_999_999_940_941_908e-01;
pub(crate) const LG3: f64 = 2.857_142_874_366_239_149e-01;
pub(crate) const LG4: f64 = 2.222_219_843_214_978_396e-01;
pub(crate) const LG5: f64 = 1.818_357_216_161_805_012e-01;
pub(crate) const LG6: f64 = 1.531_383_769_920_937_332e-01;
pub(crate) const LG7: f64 = 1.479_819_860_511_658_591e-01;

/// Natural logarithm.
#[inline]
pub fn ln(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    if x == f64::INFINITY {
        return x;
    }
    let mut k: i32 = 0;
    let mut bits = x.to_bits();
    if bits < 0x0010_0000_0000_0000 {
        // subnormal: scale into the normal range
        bits = (x * f64::from_bits(0x4350_0000_0000_0000)).to_bits(); // ×2^54
        k -= 54;
    }
    ln_core(bits, k)
}

/// ln x for positive *normal* x, without branches so loops over it
/// vectorize. Bit-identical to [`ln`] on that domain (same reduction and
/// polynomial); callers guarantee the domain (e.g. uniforms in (2⁻⁵⁴, 1)).
#[inline(always)]
pub fn ln_normal(x: f64) -> f64 {
    ln_core(x.to_bits(), 0)
}

/// fdlibm's reduction to 1+f ∈ [√2/2, √2) and polynomial, for the bits of a
/// positive normal number times 2^k0 (k0 ≠ 0 after scaling a subnormal).
#[inline(always)]
fn ln_core(bits: u64, k0: i32) -> f64 {
    let mut hx = (bits >> 32) as u32;
    hx = hx.wrapping_add(0x3ff0_0000 - 0x3fe6_a09e);
    let k = k0 + (hx >> 20) as i32 - 0x3ff;
    hx = (hx & 0x000f_ffff) + 0x3fe6_a09e;
    let m = f64::from_bits(((hx as u64) << 32) | (bits & 0xffff_ffff));
    let f = m - 1.0;
    let hfsq = 0.5 * f * f;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = t2 + t1;
    let dk = k as f64;
    s * (hfsq + r) + dk * LN2_LO - hfsq + f + dk * LN2_HI
}

/// ln(1 + x) for x ≥ −1, accurate for tiny x (Goldberg's correction: the
/// rounding error of 1 + x is divided out).
#[inline]
pub fn ln_1p(x: f64) -> f64 {
    let u = 1.0 + x;
    if u == 1.0 {
        x
    } else if u == f64::INFINITY {
        ln(x)
    } else {
        ln(u) * (x / (u - 1.0))
    }
}

/// ln(e^a + e^b) without overflow; −∞ arguments are the identity.
#[inline]
pub fn log_add_exp(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
    if lo == f64::NEG_INFINITY {
        return hi;
    }
    hi + ln_1p(exp(lo - hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f64, b: f64) -> u64 {
        if a == b {
            return 0;
        }
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    /// A small deterministic generator for test inputs (SplitMix64).
    fn uniforms(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
                let mut z = s;
                z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                z ^= z >> 31;
                (z >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect()
    }

    #[test]
    fn exp_matches_std_within_one_ulp() {
        for u in uniforms(200_000, 1) {
            let x = -745.0 + u * (709.7 + 745.0);
            let (a, b) = (exp(x), x.exp());
            if b > 1e-300 {
                assert!(ulps(a, b) <= 1, "exp({x}) = {a} vs {b}");
            } else {
                assert!((a - b).abs() <= 1e-300 * 1e-15 + b * 1e-15, "exp({x}) = {a} vs {b}");
            }
        }
        for u in uniforms(100_000, 2) {
            let x = (u - 0.5) * 4.0;
            assert!(ulps(exp(x), x.exp()) <= 1, "exp({x})");
        }
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(710.0), f64::INFINITY);
        assert_eq!(exp(-746.0), 0.0);
        assert!(exp(f64::NAN).is_nan());
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
    }

    #[test]
    fn ln_matches_std_within_one_ulp() {
        for u in uniforms(200_000, 3) {
            let x = (u * 1400.0 - 700.0).exp();
            assert!(ulps(ln(x), x.ln()) <= 1, "ln({x}) = {} vs {}", ln(x), x.ln());
        }
        for u in uniforms(100_000, 4) {
            let x = 0.5 + u;
            assert!(ulps(ln(x), x.ln()) <= 1, "ln({x})");
        }
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(ln(0.0), f64::NEG_INFINITY);
        assert!(ln(-1.0).is_nan());
        assert!((ln(5e-324) - (5e-324f64).ln()).abs() < 1e-12);
    }

    #[test]
    fn ln_normal_equals_ln() {
        for u in uniforms(100_000, 6) {
            let x = (u * 1400.0 - 700.0).exp();
            assert_eq!(ln_normal(x).to_bits(), ln(x).to_bits(), "{x}");
        }
    }

    #[test]
    fn ln_1p_is_accurate_for_tiny_arguments() {
        for u in uniforms(100_000, 5) {
            let x = (u * 80.0 - 70.0).exp(); // 1e-30 .. 1e4
            let rel = ((ln_1p(x) - x.ln_1p()) / x.ln_1p()).abs();
            assert!(rel < 4e-16, "ln_1p({x}) rel {rel}");
        }
        assert_eq!(ln_1p(0.0), 0.0);
    }

    #[test]
    fn log_add_exp_handles_extremes() {
        assert_eq!(log_add_exp(f64::NEG_INFINITY, 3.0), 3.0);
        assert_eq!(log_add_exp(1e300, 1e300), 1e300 + core::f64::consts::LN_2);
        assert!((log_add_exp(0.0, 0.0) - core::f64::consts::LN_2).abs() < 1e-16);
        assert!((log_add_exp(-1000.0, -1000.0) - (-1000.0 + core::f64::consts::LN_2)).abs() < 1e-12);
    }
}
