//! Loops written so the compiler turns them into f64x2 SIMD on both targets
//! (SSE2 natively, simd128 in wasm) while the result stays bit-identical
//! between them: reductions use a fixed set of four lane accumulators
//! combined in a fixed order (no data-dependent or compiler-chosen order),
//! and [`exp_nonpos`] is branch-free.

// The constants are fdlibm's, digit for digit (as in `elementary`); x − x
// is the intended NaN/Inf detector.
#![allow(clippy::excessive_precision, clippy::approx_constant, clippy::eq_op)]

use super::elementary::{INV_LN2, LN2_HI, LN2_LO, P1, P2, P3, P4, P5};

/// 1.5·2^52: adding it rounds to an integer held in the low mantissa bits.
const SHIFT: f64 = 6_755_399_441_055_744.0;
/// Below this e^x is subnormal; [`exp_nonpos`] returns 0 there.
pub const EXP_MIN: f64 = -708.0;

/// Upper clamp of [`exp_clamped`]: e^709 is finite.
const EXP_MAX: f64 = 709.0;

/// e^x for x ≤ 0 (NaN-free input), branch-free so loops over it vectorize.
/// Same reduction and polynomial as [`crate::math::exp`], so results agree
/// with it except that values below e^−708 ≈ 3.3e−308 flush to 0:
/// an absolute error under 3.4e−308, harmless for probabilities.
#[inline(always)]
pub fn exp_nonpos(x: f64) -> f64 {
    exp_core(if x < EXP_MIN { EXP_MIN } else { x }, x)
}

/// e^x for x ≤ 709 (larger x give e^709), branch-free, within 1 ulp of
/// [`crate::math::exp`]; values below e^−708 flush to 0.
#[inline(always)]
pub fn exp_clamped(x: f64) -> f64 {
    let xc = if x < EXP_MIN {
        EXP_MIN
    } else if x > EXP_MAX {
        EXP_MAX
    } else {
        x
    };
    exp_core(xc, x)
}

/// The shared body: e^xc for xc ∈ [−708, 709], zeroed where x < −708.
#[inline(always)]
fn exp_core(xc: f64, x: f64) -> f64 {
    let t = xc * INV_LN2 + SHIFT;
    let kf = t - SHIFT; // round(x / ln 2)
    let hi = xc - kf * LN2_HI;
    let lo = kf * LN2_LO;
    let r = hi - lo;
    let rr = r * r;
    let c = r - rr * (P1 + rr * (P2 + rr * (P3 + rr * (P4 + rr * P5))));
    let y = 1.0 + (r * c / (2.0 - c) - lo + hi);
    // k ∈ [−1022, 1023]: 2^k is a normal number built from its exponent bits.
    let k = (t.to_bits() as i64).wrapping_sub(SHIFT.to_bits() as i64);
    let scale = f64::from_bits(((k + 1023) as u64) << 52);
    // Zero below EXP_MIN by masking bits rather than by a select, which the
    // compiler would turn into a branch around the polynomial.
    let keep = ((x >= EXP_MIN) as u64).wrapping_neg();
    f64::from_bits((y * scale).to_bits() & keep)
}

/// max(x, 0) as a compare-and-select: `f64::max` must return the non-NaN
/// operand, which costs extra instructions around wasm's `f64x2.max`
/// (NaN-propagating); inputs here are NaN-free, so the select is exact.
#[inline(always)]
pub fn relu(x: f64) -> f64 {
    if x > 0.0 {
        x
    } else {
        0.0
    }
}

/// Σ x in a fixed lane order.
#[inline]
pub fn sum(x: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let chunks = x.chunks_exact(4);
    let rest = chunks.remainder();
    for c in chunks {
        for l in 0..4 {
            acc[l] += c[l];
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for &v in rest {
        s += v;
    }
    s
}

/// ⟨a, b⟩ in a fixed lane order (lengths must agree).
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; 4];
    let ca = a.chunks_exact(4);
    let cb = b.chunks_exact(4);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            acc[l] += x[l] * y[l];
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// True when every entry is finite. x − x is 0 for finite x and NaN
/// otherwise; four accumulators let the loop vectorize (one accumulator is a
/// serial dependency chain, since FP addition may not be reordered).
#[inline]
pub fn all_finite(x: &[f64]) -> bool {
    let mut acc = [0.0f64; 4];
    let chunks = x.chunks_exact(4);
    let rest = chunks.remainder();
    for c in chunks {
        for l in 0..4 {
            acc[l] += c[l] - c[l];
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for &v in rest {
        s += v - v;
    }
    s == 0.0
}

/// max x (−∞ for an empty slice; inputs must be NaN-free).
#[inline]
pub fn max(x: &[f64]) -> f64 {
    let mut acc = [f64::NEG_INFINITY; 4];
    let chunks = x.chunks_exact(4);
    let rest = chunks.remainder();
    for c in chunks {
        for l in 0..4 {
            acc[l] = if c[l] > acc[l] { c[l] } else { acc[l] };
        }
    }
    let mut m = acc[0].max(acc[1]).max(acc[2].max(acc[3]));
    for &v in rest {
        m = if v > m { v } else { m };
    }
    m
}

/// out_i = e^{x_i − shift} for x_i ≤ shift; returns Σ out in a fixed order.
/// Two passes (a map, then a sum): a map loop vectorizes where a fused
/// map-and-reduce does not.
#[inline]
pub fn exp_shifted(x: &[f64], shift: f64, out: &mut [f64]) -> f64 {
    let n = x.len().min(out.len());
    let (x, out) = (&x[..n], &mut out[..n]);
    for (o, &v) in out.iter_mut().zip(x) {
        *o = exp_nonpos(v - shift);
    }
    sum(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_nonpos_matches_exp() {
        let mut s = 7u64;
        for _ in 0..200_000 {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let u = (s >> 11) as f64 / (1u64 << 53) as f64;
            let x = -u * 720.0;
            let (a, b) = (exp_nonpos(x), crate::math::exp(x));
            if x >= EXP_MIN {
                let ulps = (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs();
                assert!(ulps <= 1, "exp_nonpos({x}) = {a} vs {b}");
            } else {
                assert_eq!(a, 0.0);
                assert!(b < 3.4e-308);
            }
        }
        assert_eq!(exp_nonpos(0.0), 1.0);
        assert_eq!(exp_nonpos(-0.0), 1.0);
        assert_eq!(exp_nonpos(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp_nonpos(-1e300), 0.0);
    }

    #[test]
    fn reductions() {
        let x: Vec<f64> = (0..11).map(|i| (i as f64 * 0.7).sin()).collect();
        let s: f64 = x.iter().sum();
        assert!((sum(&x) - s).abs() < 1e-14);
        assert!((dot(&x, &x) - x.iter().map(|v| v * v).sum::<f64>()).abs() < 1e-14);
        assert_eq!(max(&x), x.iter().cloned().fold(f64::NEG_INFINITY, f64::max));
        assert_eq!(max(&[]), f64::NEG_INFINITY);
        assert!(all_finite(&x) && all_finite(&[]));
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            for i in 0..11 {
                let mut y = x.clone();
                y[i] = bad;
                assert!(!all_finite(&y));
            }
        }
        let mut out = vec![0.0; 11];
        let z = exp_shifted(&x, 1.0, &mut out);
        assert!((z - out.iter().sum::<f64>()).abs() < 1e-14);
    }
}
