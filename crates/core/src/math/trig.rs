//! cos(2πu) and sin(2πu) for u in [0, 1), for the Box–Muller transform.
//!
//! The argument is a multiple of a full turn, so the reduction is exact:
//! u·8 splits into an octant k and a fraction f, and the angle left is
//! (π/4)·f ∈ [0, π/4], where short Taylor series converge to < 1 ulp. Only
//! + and × are used, so every build rounds identically.

const FRAC_PI_4: f64 = core::f64::consts::FRAC_PI_4;

/// sin and cos of x ∈ [0, π/4] by Taylor series (x^19/19! < 1e-19 there).
#[inline(always)]
fn sincos_octant(x: f64) -> (f64, f64) {
    let x2 = x * x;
    // Horner form of Σ (−1)^k x^{2k+1}/(2k+1)! and Σ (−1)^k x^{2k}/(2k)!
    let s = x * (1.0
        + x2 * (-1.0 / 6.0
            + x2 * (1.0 / 120.0
                + x2 * (-1.0 / 5040.0
                    + x2 * (1.0 / 362_880.0
                        + x2 * (-1.0 / 39_916_800.0
                            + x2 * (1.0 / 6_227_020_800.0 + x2 * (-1.0 / 1_307_674_368_000.0 + x2 * (1.0 / 355_687_428_096_000.0)))))))));
    let c = 1.0
        + x2 * (-0.5
            + x2 * (1.0 / 24.0
                + x2 * (-1.0 / 720.0
                    + x2 * (1.0 / 40_320.0
                        + x2 * (-1.0 / 3_628_800.0
                            + x2 * (1.0 / 479_001_600.0 + x2 * (-1.0 / 87_178_291_200.0 + x2 * (1.0 / 20_922_789_888_000.0))))))));
    (s, c)
}

/// (sin 2πu, cos 2πu) for u ∈ [0, 1), without branches (selects only), so
/// loops over it vectorize.
#[inline(always)]
pub fn sincos_turns(u: f64) -> (f64, f64) {
    let v = u * 8.0; // exact: a power-of-two scaling
    let k = v as u32 & 7; // octant 0..7
    let f = v - (v as u32) as f64; // exact
    // In odd octants measure the angle from the next multiple of π/4 so the
    // series argument stays in [0, π/4].
    let odd = k & 1 == 1;
    let (s, c) = sincos_octant(FRAC_PI_4 * if odd { 1.0 - f } else { f });
    // Octants 1, 2, 5, 6 swap sine and cosine; the sign of sine flips in the
    // lower half (k ≥ 4) and the sign of cosine in octants 2..5.
    let swap = (k + 1) & 2 != 0;
    let (s, c) = if swap { (c, s) } else { (s, c) };
    let s = if k >= 4 { -s } else { s };
    let c = if (k.wrapping_sub(2)) < 4 { -c } else { c };
    (s, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_std_trig() {
        let mut worst = 0.0f64;
        for i in 0..200_000u32 {
            let u = (i as f64 + 0.37) / 200_000.0;
            let (s, c) = sincos_turns(u);
            // Reference: std sin/cos at a = fl(2πu), corrected to first order
            // for the rounding of a itself (2π = TAU + TAU_LO).
            let a = core::f64::consts::TAU * u;
            let da = core::f64::consts::TAU.mul_add(u, -a) + 2.449_293_598_294_706_4e-16 * u;
            let (rs, rc) = (a.sin() + da * a.cos(), a.cos() - da * a.sin());
            worst = worst.max((s - rs).abs()).max((c - rc).abs());
        }
        assert!(worst < 4e-16, "worst {worst}");
        assert_eq!(sincos_turns(0.0), (0.0, 1.0));
        let (s, c) = sincos_turns(0.25);
        assert!((s - 1.0).abs() < 1e-16 && c.abs() < 1e-16);
    }
}
