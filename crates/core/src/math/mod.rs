//! Shared numerics. The core carries its own `exp`/`ln` so that native and
//! wasm builds compute bit-identical results (the platform libm natively and
//! the bundled libm in wasm may differ in the last ulp).

mod elementary;
pub mod lbfgs;
pub mod softmin;
pub mod lanes;
mod trig;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd;

pub use elementary::{exp, ln, ln_1p, ln_normal, log_add_exp};
pub use trig::sincos_turns;

/// Order-preserving map from f64 to u64: `a < b` ⇔ `key(a) < key(b)` for
/// non-NaN values, with −0.0 and +0.0 mapped to the same key (they compare
/// equal as floats, so they must tie here too).
#[inline(always)]
pub fn order_key(x: f64) -> u64 {
    let bits = (x + 0.0).to_bits(); // x + 0.0 turns −0.0 into +0.0
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1u64 << 63)
    }
}

/// True when every entry is finite.
#[allow(clippy::eq_op)] // x − x is the NaN/Inf detector
pub fn all_finite(xs: &[f64]) -> bool {
    // Summing x − x is NaN exactly when some x is NaN or ±Inf; this loop
    // vectorizes, unlike an early-exit search.
    let mut acc = 0.0f64;
    for &x in xs {
        acc += x - x;
    }
    acc == 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_key_is_monotone() {
        let xs = [f64::NEG_INFINITY, -1e300, -1.0, -1e-310, -0.0, 0.0, 1e-310, 1.0, 1e300, f64::INFINITY];
        for w in xs.windows(2) {
            assert!(order_key(w[0]) <= order_key(w[1]), "{} {}", w[0], w[1]);
        }
        assert_eq!(order_key(-0.0), order_key(0.0));
    }

    #[test]
    fn all_finite_detects_nan_and_inf() {
        assert!(all_finite(&[1.0, -2.0, 1e308]));
        assert!(all_finite(&[]));
        assert!(!all_finite(&[1.0, f64::NAN]));
        assert!(!all_finite(&[f64::INFINITY, 1.0]));
        assert!(!all_finite(&[f64::NEG_INFINITY]));
    }
}
