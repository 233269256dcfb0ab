//! The soft-minimum of three values, branch-free, for dynamic programs that
//! sweep anti-diagonals (soft-DTW): every function here is `#[inline(always)]`
//! straight-line code (comparisons become selects), so a loop over a
//! diagonal compiles to f64x2 SIMD both natively (SSE2) and in wasm
//! (simd128). Vectorizing does not change a single rounding (no
//! reassociation, no FMA contraction), so native and wasm results stay
//! bit-identical, and identical to the scalar code.
//!
//! [`exp_nonpos`] (from [`super::lanes`]) and [`ln_1_3`] use the same
//! reduction and polynomials as
//! [`crate::math::exp`] / [`crate::math::ln`] (fdlibm), restricted to the
//! ranges the soft-minimum needs.

#![allow(clippy::excessive_precision)] // fdlibm's constants, digit for digit

use super::elementary::{LG1, LG2, LG3, LG4, LG5, LG6, LG7, LN2_HI, LN2_LO};



pub use super::lanes::{exp_nonpos, EXP_MIN};

/// √2 as fdlibm's `ln` splits it (high word 0x3ff6a09e): reduced arguments
/// lie in [T/2, T).
#[cfg(test)]
const SPLIT1: f64 = f64::from_bits(0x3ff6_a09e_0000_0000);
#[cfg(test)]
const SPLIT2: f64 = f64::from_bits(0x4006_a09e_0000_0000);

/// ln s for s ∈ [1, 3], branch-free; bit-identical to [`crate::math::ln`]
/// on that range. The reduction s = 2^k·m, m ∈ [√2/2, √2), is fdlibm's,
/// done with 64-bit integer lane operations (no compares or selects) and k
/// converted exactly through the 2^52 magic number.
#[inline(always)]
pub fn ln_1_3(s: f64) -> f64 {
    const TWO52: f64 = 4_503_599_627_370_496.0;
    let b = s.to_bits().wrapping_add(0x0009_5f62_0000_0000); // hx += 0x3ff00000 − 0x3fe6a09e
    let k = (b >> 52).wrapping_sub(0x3ff); // 0, 1 or 2
    let dk = f64::from_bits(TWO52.to_bits() | k) - TWO52;
    let f = f64::from_bits((b & 0x000f_ffff_ffff_ffff).wrapping_add(0x3fe6_a09e_0000_0000)) - 1.0;
    let hfsq = 0.5 * f * f;
    let q = f / (2.0 + f);
    let z = q * q;
    let w = z * z;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = t2 + t1;
    q * (hfsq + r) + dk * LN2_LO - hfsq + f + dk * LN2_HI
}

/// The soft-minimum of the three predecessors of a DP cell, in units where
/// γ = 1: `left` = V[i, j−1], `diag` = V[i−1, j−1], `up` = V[i−1, j]:
/// `value` = −ln(e^−left + e^−diag + e^−up), and the probabilities of
/// coming from each (they sum to 1).
///
/// Exactly symmetric in `left` ↔ `up` (bit for bit), so the DP of a
/// transposed cost matrix is the transpose of the DP. +∞ predecessors get
/// probability 0; when all three are +∞ the value is +∞ and every
/// probability is 0 (never NaN). Two exponentials and one
/// logarithm per cell.
#[derive(Clone, Copy, Debug)]
pub struct SoftMin {
    pub value: f64,
    pub left: f64,
    pub diag: f64,
    pub up: f64,
    /// Local entropy −Σ_k p_k ln p_k of the three probabilities.
    pub entropy: f64,
}

#[inline(always)]
fn minmax(a: f64, b: f64) -> (f64, f64, bool) {
    let lt = a < b;
    (if lt { a } else { b }, if lt { b } else { a }, lt)
}

/// The soft-minimum value only: [`softmin3`]`.value` (the compiler drops
/// the unused probabilities), so both paths agree bit for bit.
#[inline(always)]
pub fn softmin3_value(left: f64, diag: f64, up: f64) -> f64 {
    softmin3(left, diag, up).value
}

/// The soft-minimum with its probabilities and local entropy. `value` is
/// bit-identical to [`softmin3_value`].
#[inline(always)]
pub fn softmin3(left: f64, diag: f64, up: f64) -> SoftMin {
    let (p, q, left_is_p) = minmax(left, up);
    let (mu, nu, diag_is_min) = minmax(diag, p);
    // No separate guard for μ = +∞ (a cell no path reaches): then ν − μ and
    // q − μ are ∞ − ∞ = NaN, which `exp_nonpos` maps to 0 (NaN fails its
    // range test), so s = 1, ln s = 0 and the value is μ = +∞; never a
    // finite sentinel, never NaN.
    let d1 = nu - mu;
    let d2 = q - mu;
    let e1 = exp_nonpos(-d1);
    let e2 = exp_nonpos(-d2);
    let s = (1.0 + e1) + e2;
    let ls = ln_1_3(s);
    // No finite predecessor: all probabilities 0 (symmetric, never NaN).
    let inv = if mu < f64::INFINITY { 1.0 / s } else { 0.0 };
    // Weights before normalization: the minimum has weight 1.
    let w_p = if diag_is_min { e1 } else { 1.0 };
    let w_diag = if diag_is_min { 1.0 } else { e1 };
    let w_left = if left_is_p { w_p } else { e2 };
    let w_up = if left_is_p { e2 } else { w_p };
    // Entropy: ln s + Σ p_k (x_k − μ); terms whose weight flushed to 0
    // (x_k − μ > 708, +∞ or NaN) contribute 0.
    let t1 = if d1 < -EXP_MIN { e1 * d1 } else { 0.0 };
    let t2 = if d2 < -EXP_MIN { e2 * d2 } else { 0.0 };
    SoftMin {
        value: mu - ls,
        left: w_left * inv,
        diag: w_diag * inv,
        up: w_up * inv,
        entropy: ls + (t1 + t2) * inv,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::{exp, ln};

    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    #[test]
    fn exp_nonpos_matches_exp() {
        let mut x = 0.0f64;
        while x > -708.0 {
            assert!(ulps(exp_nonpos(x), exp(x)) <= 1, "{x}: {} vs {}", exp_nonpos(x), exp(x));
            assert!(ulps(exp_nonpos(x), x.exp()) <= 1, "{x}");
            x -= 0.001_234_567;
        }
        assert_eq!(exp_nonpos(0.0), 1.0);
        assert_eq!(exp_nonpos(-0.0), 1.0);
        assert_eq!(exp_nonpos(-709.0), 0.0);
        assert_eq!(exp_nonpos(f64::NEG_INFINITY), 0.0);
        assert!(ulps(exp_nonpos(1e-14), 1e-14f64.exp()) <= 1);
    }

    #[test]
    fn ln_1_3_is_ln() {
        let mut s = 1.0f64;
        while s <= 3.0 {
            assert_eq!(ln_1_3(s).to_bits(), ln(s).to_bits(), "{s}");
            s += 0.000_123_7;
        }
        for s in [1.0, SPLIT1, SPLIT1 - 1e-16, SPLIT2, SPLIT2 * (1.0 - 1e-16), 2.0, 3.0] {
            assert_eq!(ln_1_3(s).to_bits(), ln(s).to_bits(), "{s}");
        }
    }

    #[test]
    fn softmin_is_symmetric_and_normalized() {
        let vals = [0.0, 1.0, 1.5, 2.0, -3.0, 700.0, 1e6, f64::INFINITY];
        for &a in &vals {
            for &b in &vals {
                for &d in &vals {
                    let s = softmin3(a, b, d);
                    let t = softmin3(d, b, a);
                    assert_eq!(s.value.to_bits(), t.value.to_bits());
                    assert_eq!(s.left.to_bits(), t.up.to_bits(), "{a} {b} {d}: {s:?} {t:?}");
                    assert_eq!(s.diag.to_bits(), t.diag.to_bits());
                    assert_eq!(s.entropy.to_bits(), t.entropy.to_bits());
                    assert_eq!(s.value.to_bits(), softmin3_value(a, b, d).to_bits());
                    assert!(!s.left.is_nan() && !s.diag.is_nan() && !s.up.is_nan() && !s.entropy.is_nan());
                    if a.min(b).min(d) < f64::INFINITY {
                        let direct = {
                            let m = a.min(b).min(d);
                            m - ((m - a).exp() + (m - b).exp() + (m - d).exp()).ln()
                        };
                        assert!((s.value - direct).abs() <= 1e-15 * (1.0 + direct.abs()), "{a} {b} {d}");
                        assert!((s.left + s.diag + s.up - 1.0).abs() < 1e-15);
                        let h: f64 = [s.left, s.diag, s.up].iter().map(|&p| if p > 0.0 { -p * p.ln() } else { 0.0 }).sum();
                        assert!((s.entropy - h).abs() < 1e-14, "{a} {b} {d}: {} vs {h}", s.entropy);
                    } else {
                        assert_eq!(s.value, f64::INFINITY);
                    }
                }
            }
        }
    }
}
