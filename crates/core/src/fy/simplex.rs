//! Thresholds of the sparse maps, found without sorting the whole row.
//!
//! Sparsemax, the simplex projection and entmax all have the form
//! p_i = f(x_i − τ) with f zero below 0, and a bound on how far below the
//! maximum m a support entry can sit (p_max ≤ scale, resp. ≤ 1). Only the
//! entries above that bound ("candidates") are sorted: O(n) to filter plus
//! O(k log k) for k candidates, so never O(n²) and O(n log n) at worst
//! (every entry a candidate). Working with x − m also keeps logits of
//! magnitude 1e300 finite.

use crate::math::{exp, ln, ln_1p};

/// Sorts candidate values in decreasing order (deterministic for equal
/// values: they are indistinguishable).
fn sort_desc(v: &mut [f64]) {
    v.sort_unstable_by(|a, b| b.total_cmp(a));
}

/// Threshold of the Euclidean projection of `v` onto {p ≥ 0, Σp = scale}
/// (scale > 0): returns (m, τ) with p_i = max((v_i − m) − τ, 0), m = max v.
/// `vals` is scratch (capacity ≥ v.len() avoids allocation).
pub fn simplex_threshold(v: &[f64], scale: f64, vals: &mut Vec<f64>) -> (f64, f64) {
    let m = crate::math::lanes::max(v);
    vals.clear();
    // p_max ≤ scale, so τ ≥ −scale and entries with v_i − m ≤ −scale are 0.
    for &x in v {
        let y = x - m;
        if y > -scale {
            vals.push(y);
        }
    }
    sort_desc(vals);
    (m, threshold_sorted(vals, scale))
}

/// τ for values sorted in decreasing order: the largest k with
/// scale + k·y_k > Σ_{j≤k} y_j defines τ = (Σ_{j≤k} y_j − scale)/k.
pub fn threshold_sorted(sorted: &[f64], scale: f64) -> f64 {
    let (mut cs, mut tau) = (0.0, sorted.first().map_or(-scale, |&y| y - scale));
    for (k, &y) in sorted.iter().enumerate() {
        cs += y;
        let kf = (k + 1) as f64;
        if scale + kf * y > cs {
            tau = (cs - scale) / kf;
        } else {
            break; // the condition holds on a prefix only
        }
    }
    tau
}

/// Exact 1.5-entmax threshold (Peters, Niculae & Martins 2019, sort-based):
/// with X = (x − m)/2, returns τ such that p_i = max(X_i − τ, 0)².
pub fn entmax15_threshold(x: &[f64], vals: &mut Vec<f64>) -> (f64, f64) {
    let m = crate::math::lanes::max(x);
    vals.clear();
    // p_max = (0 − τ)² ≤ 1 gives τ ≥ −1: entries with X_i ≤ −1 are 0.
    for &v in x {
        let y = 0.5 * (v - m);
        if y > -1.0 {
            vals.push(y);
        }
    }
    sort_desc(vals);
    let (mut cs, mut cs2) = (0.0, 0.0);
    let mut tau_star = -1.0;
    for (k, &y) in vals.iter().enumerate() {
        cs += y;
        cs2 += y * y;
        let kf = (k + 1) as f64;
        let mean = cs / kf;
        // δ = (1 − k·(mean of squares − mean²))/k, the reference's formula.
        let ss = kf * (cs2 / kf - mean * mean);
        let delta = ((1.0 - ss) / kf).max(0.0);
        let tau = mean - delta.sqrt();
        if tau <= y {
            tau_star = tau;
        } else {
            break; // the support is a prefix of the sorted values
        }
    }
    (m, tau_star)
}

/// α-entmax for any α > 1 by bisection, written in a form that stays
/// accurate as α → 1. With a = α − 1, d_i = m − x_i ≥ 0 and s > 0,
/// p_i ∝ q_i(s) = (1 − d_i/s)_+^{1/a} and Σp = 1 ⇔
/// h(s) = ln Σq(s) + ln(a·s)/a = 0, h increasing. The bracket
/// [K^{−a}/a, 1/a] (p_max between 1/K and 1) shrinks to adjacent floats;
/// the output is q/Σq, so a residual error in s only moves p by O(ε·d).
/// Writes p into `out`.
pub fn entmax_bisect(x: &[f64], alpha: f64, out: &mut [f64], vals: &mut Vec<f64>) {
    let a = alpha - 1.0;
    let inv_a = 1.0 / a;
    let m = crate::math::lanes::max(x);
    let s_hi = inv_a;
    vals.clear();
    for &v in x {
        let d = m - v;
        if d < s_hi {
            vals.push(d);
        }
    }
    let k = vals.len() as f64;
    let sum_q = |s: f64, vals: &[f64]| -> f64 {
        let mut t = 0.0;
        for &d in vals {
            if d < s {
                t += exp(ln_1p(-d / s) * inv_a);
            }
        }
        t
    };
    let (mut lo, mut hi) = (exp(-a * ln(k)) * inv_a, s_hi);
    for _ in 0..2000 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        let h = ln(sum_q(mid, vals)) + ln(a * mid) * inv_a;
        if h < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let s = 0.5 * (lo + hi);
    let mut total = 0.0;
    for (o, &v) in out.iter_mut().zip(x) {
        let d = m - v;
        *o = if d < s { exp(ln_1p(-d / s) * inv_a) } else { 0.0 };
        total += *o;
    }
    for o in out.iter_mut() {
        *o /= total;
    }
}
