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

/// (sin 2πu, cos 2πu) for u ∈ [0, 1).
#[inline]
pub fn sincos_turns(u: f64) -> (f64, f64) {
    let v = u * 8.0; // exact: a power-of-two scaling
    let k = v as u32; // octant 0..7
    let f = v - k as f64; // exact
    // In odd octants measure the angle from the next multiple of π/4 so the
    // series argument stays in [0, π/4].
    let (s, c) = if k & 1 == 0 { sincos_octant(FRAC_PI_4 * f) } else { sincos_octant(FRAC_PI_4 * (1.0 - f)) };
    match k & 7 {
        0 => (s, c),  // θ = a
        1 => (c, s),  // θ = π/2 − a
        2 => (c, -s), // θ = π/2 + a
        3 => (s, -c), // θ = π − a
        4 => (-s, -c),
        5 => (-c, -s),
        6 => (-c, s),
        _ => (-s, c),
    }
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
            let a = 2.0 * core::f64::consts::PI * u;
            worst = worst.max((s - a.sin()).abs()).max((c - a.cos()).abs());
        }
        assert!(worst < 4e-16, "worst {worst}");
        assert_eq!(sincos_turns(0.0), (0.0, 1.0));
        let (s, c) = sincos_turns(0.25);
        assert!((s - 1.0).abs() < 1e-16 && c.abs() < 1e-16);
    }
}
