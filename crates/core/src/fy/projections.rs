//! Euclidean projections onto simple sets, batched over rows, each with its
//! (symmetric) Jacobian computed from the input x and the output p:
//!
//! | set | projection | J·v |
//! |---|---|---|
//! | simplex {p ≥ 0, Σp = scale} | [x − τ]₊ | s ⊙ (v − mean_S v), S = {p > 0} |
//! | ℓ1 ball {‖p‖₁ ≤ r} | x inside, else sign(x) ⊙ [\|x\| − τ]₊ (Σ = r) | v inside, else s ⊙ (v − σ⟨σ, v⟩/\|S\|), σ = sign(x) ⊙ s |
//! | box [lower, upper] | clip(x, lower, upper) | v where lower ≤ x ≤ upper, else 0 |
//! | k-sparse simplex {p ≥ 0, Σp = scale, ‖p‖₀ ≤ k} | the simplex projection of the k largest entries (Kyrillidis et al. 2013) | as the simplex, on S = {p > 0} |
//!
//! Ties among the k largest entries are broken by the lower index.

use super::maps::support_centered;
use super::simplex::{simplex_threshold, threshold_sorted};
use super::{check_len, total, KernelError, Scratch};
use crate::math::lanes::{all_finite, relu};
use crate::math::order_key;
use crate::Status;

/// Which set a batch call projects onto, with its scalar parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Set {
    Simplex { scale: f64 },
    L1Ball { radius: f64 },
    /// Bounds come as arrays (see [`forward_batch`]).
    Box,
    SparseSimplex { k: usize, scale: f64 },
}

// Argument indices: x, lower, upper (box), then the scalar parameter.
const ARG_X: u8 = 0;
const ARG_LOWER: u8 = 1;
const ARG_UPPER: u8 = 2;
const ARG_PARAM: u8 = 3;

fn positive(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

/// Bounds of the box: one value, one row of n, or rows·n values.
fn bound_rows(b: &[f64], n: usize, t: usize, arg: u8) -> Result<(), KernelError> {
    if b.len() == 1 || b.len() == n || b.len() == t {
        Ok(())
    } else {
        Err(KernelError::new(Status::Shape, arg))
    }
}

#[inline]
fn bound_at(b: &[f64], r: usize, i: usize, n: usize) -> f64 {
    match b.len() {
        1 => b[0],
        l if l == n => b[i],
        _ => b[r * n + i],
    }
}

/// Forward pass. `lower`/`upper` are used by the box only (each of length
/// 1, n or rows·n; ±∞ allowed, NaN not; lower ≤ upper).
#[allow(clippy::too_many_arguments)]
pub fn forward_batch(
    set: Set,
    x: &[f64],
    lower: &[f64],
    upper: &[f64],
    rows: usize,
    n: usize,
    out: &mut [f64],
    sc: &mut Scratch,
) -> Result<(), KernelError> {
    let t = total(rows, n, ARG_X)?;
    check_len(x.len(), t, ARG_X)?;
    check_len(out.len(), t, ARG_X)?;
    match set {
        Set::Simplex { scale } if !positive(scale) => return Err(KernelError::new(Status::Domain, ARG_PARAM)),
        Set::L1Ball { radius } if !positive(radius) => return Err(KernelError::new(Status::Domain, ARG_PARAM)),
        Set::SparseSimplex { k, scale } if k == 0 || !positive(scale) => {
            return Err(KernelError::new(Status::Domain, ARG_PARAM))
        }
        _ => {}
    }
    if !all_finite(x) {
        return Err(KernelError::new(Status::NonFinite, ARG_X));
    }
    if set == Set::Box {
        bound_rows(lower, n, t, ARG_LOWER)?;
        bound_rows(upper, n, t, ARG_UPPER)?;
        if lower.iter().any(|v| v.is_nan()) {
            return Err(KernelError::new(Status::NonFinite, ARG_LOWER));
        }
        if upper.iter().any(|v| v.is_nan()) {
            return Err(KernelError::new(Status::NonFinite, ARG_UPPER));
        }
    }
    if t == 0 {
        return Ok(());
    }
    sc.reserve(n).map_err(|s| KernelError::new(s, ARG_X))?;
    if set == Set::Box {
        // Checked before writing anything, so a refused call leaves `out` alone.
        for r in 0..rows {
            for i in 0..n {
                if bound_at(lower, r, i, n) > bound_at(upper, r, i, n) {
                    return Err(KernelError::new(Status::Domain, ARG_LOWER));
                }
            }
        }
    }
    for (r, (xr, or)) in x.chunks_exact(n).zip(out.chunks_exact_mut(n)).enumerate() {
        match set {
            Set::Simplex { scale } => project_simplex(xr, scale, or, sc),
            Set::L1Ball { radius } => project_l1(xr, radius, or, sc),
            Set::Box => {
                for (i, (o, &v)) in or.iter_mut().zip(xr).enumerate() {
                    let (lo, hi) = (bound_at(lower, r, i, n), bound_at(upper, r, i, n));
                    *o = if v < lo { lo } else if v > hi { hi } else { v };
                }
            }
            Set::SparseSimplex { k, scale } => project_sparse_simplex(xr, k, scale, or, sc),
        }
    }
    Ok(())
}

/// Projection of one row onto {p ≥ 0, Σp = scale}.
pub fn project_simplex(x: &[f64], scale: f64, out: &mut [f64], sc: &mut Scratch) {
    let (m, tau) = simplex_threshold(x, scale, &mut sc.vals);
    for (o, &v) in out.iter_mut().zip(x) {
        *o = relu((v - m) - tau);
    }
}

/// Projection of one row onto the ℓ1 ball of the given radius.
pub fn project_l1(x: &[f64], radius: f64, out: &mut [f64], sc: &mut Scratch) {
    let l1: f64 = x.iter().map(|v| v.abs()).sum();
    if l1 <= radius {
        out.copy_from_slice(x);
        return;
    }
    // Outside: project |x| onto the simplex of the radius, restore signs.
    for (o, &v) in out.iter_mut().zip(x) {
        *o = v.abs();
    }
    let (m, tau) = simplex_threshold(out, radius, &mut sc.vals);
    for (o, &v) in out.iter_mut().zip(x) {
        let a = relu((*o - m) - tau);
        *o = if v < 0.0 { -a } else { a };
    }
}

/// Projection of one row onto the k-sparse simplex.
pub fn project_sparse_simplex(x: &[f64], k: usize, scale: f64, out: &mut [f64], sc: &mut Scratch) {
    let n = x.len();
    let m = crate::math::lanes::max(x);
    // Entries with x − m ≤ −scale are 0 in the plain projection; if at most
    // k others remain, the plain projection is already k-sparse (optimal).
    let keyed = &mut sc.keyed;
    keyed.clear();
    for (i, &v) in x.iter().enumerate() {
        if v - m > -scale {
            // Decreasing value, then increasing index: !key sorts descending.
            keyed.push((!order_key(v), i as u32));
        }
    }
    if keyed.len() <= k {
        project_simplex(x, scale, out, sc);
        return;
    }
    keyed.select_nth_unstable(k - 1);
    keyed.truncate(k);
    keyed.sort_unstable();
    let vals = &mut sc.vals;
    vals.clear();
    vals.extend(keyed.iter().map(|&(_, i)| x[i as usize] - m));
    let tau = threshold_sorted(vals, scale);
    out[..n].fill(0.0);
    for &(_, i) in keyed.iter() {
        out[i as usize] = relu((x[i as usize] - m) - tau);
    }
}

// Backward argument indices: x, p, the (co)tangent.
const ARG_BX: u8 = 0;
const ARG_BP: u8 = 1;
const ARG_BV: u8 = 2;

/// J·v (= vᵀJ, symmetric) for every row, from the input x and output p.
pub fn backward_batch(set: Set, x: &[f64], p: &[f64], v: &[f64], rows: usize, n: usize, out: &mut [f64]) -> Result<(), KernelError> {
    let t = total(rows, n, ARG_BX)?;
    check_len(x.len(), t, ARG_BX)?;
    check_len(p.len(), t, ARG_BP)?;
    check_len(v.len(), t, ARG_BV)?;
    check_len(out.len(), t, ARG_BV)?;
    if let Set::L1Ball { radius } = set {
        if !positive(radius) {
            return Err(KernelError::new(Status::Domain, 3));
        }
    }
    if !all_finite(x) {
        return Err(KernelError::new(Status::NonFinite, ARG_BX));
    }
    if !all_finite(p) {
        return Err(KernelError::new(Status::NonFinite, ARG_BP));
    }
    if !all_finite(v) {
        return Err(KernelError::new(Status::NonFinite, ARG_BV));
    }
    if t == 0 {
        return Ok(());
    }
    let rows_iter = x.chunks_exact(n).zip(p.chunks_exact(n)).zip(v.chunks_exact(n)).zip(out.chunks_exact_mut(n));
    for (((xr, pr), vr), or) in rows_iter {
        match set {
            Set::Simplex { .. } | Set::SparseSimplex { .. } => support_centered(pr, vr, or),
            Set::Box => {
                // p = x exactly when x is inside the closed box.
                for (((o, &xi), &pi), &vi) in or.iter_mut().zip(xr).zip(pr).zip(vr) {
                    *o = if pi == xi { vi } else { 0.0 };
                }
            }
            Set::L1Ball { radius } => {
                let l1: f64 = xr.iter().map(|v| v.abs()).sum();
                if l1 <= radius {
                    or.copy_from_slice(vr);
                    continue;
                }
                let (mut sv, mut k) = (0.0, 0.0);
                for (&pi, &vi) in pr.iter().zip(vr) {
                    if pi != 0.0 {
                        sv += pi.signum() * vi;
                        k += 1.0;
                    }
                }
                let c = if k > 0.0 { sv / k } else { 0.0 };
                for ((o, &pi), &vi) in or.iter_mut().zip(pr).zip(vr) {
                    *o = if pi != 0.0 { vi - pi.signum() * c } else { 0.0 };
                }
            }
        }
    }
    Ok(())
}
