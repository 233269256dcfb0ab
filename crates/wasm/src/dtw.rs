//! ABI of the soft-DTW family (crates/core/src/dtw).
//!
//! Series are row-major (frames × dims). `band` < 0 means no band. Error
//! argument indices: `dtw_pair` (X, Y, gamma, band, out), `dtw_cost`
//! (C, Z, gamma, band, out), `dtw_pairwise` (Xs, Ys, gamma, band, out),
//! `dtw_barycenter` (Ys, weights, gamma, band, init).

use std::cell::RefCell;

use diffopt_core::dtw::ops::CostOutputs;
use diffopt_core::dtw::{self, CostKind, CostOp, Options, PairOp, Scratch};
use diffopt_core::Status;

use crate::{slice, slice_mut, status, BAD_OPTION};

thread_local! {
    static DTW_SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::new());
}

pub(crate) fn band(b: i32) -> Option<usize> {
    if b < 0 {
        None
    } else {
        Some(b as usize)
    }
}

pub(crate) fn options(cost: i32, gamma: f64, b: i32) -> Option<Options> {
    Some(Options { gamma, cost: CostKind::from_code(cost)?, band: band(b) })
}

fn opt_mut<'a>(p: *mut f64, len: usize) -> Option<&'a mut [f64]> {
    if p.is_null() {
        None
    } else {
        // SAFETY: the caller passes `len` elements at non-null `p`.
        Some(unsafe { slice_mut(p, len) })
    }
}

/// An operator on the series X (m×d) and Y (n×d). `op`: 0 soft-DTW,
/// 1 divergence, 2 sharp, 3 sharp divergence, 4 mean cost, 5 mean-cost
/// divergence, 6 entropy, 7 DTW; `cost`: 0 ‖x−y‖², 1 ½‖x−y‖². Writes the
/// value to `value`; `gx` (m·d), `gy` (n·d), `align` (m·n) may be null.
///
/// # Safety
/// Non-null pointers address the stated number of elements.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn dtw_pair(
    op: i32,
    cost: i32,
    gamma: f64,
    band: i32,
    x: *const f64,
    m: usize,
    y: *const f64,
    n: usize,
    d: usize,
    value: *mut f64,
    gx: *mut f64,
    gy: *mut f64,
    align: *mut f64,
) -> i32 {
    let (Some(op), Some(o)) = (PairOp::from_code(op), options(cost, gamma, band)) else { return BAD_OPTION };
    let (Some(lx), Some(ly), Some(lc)) = (m.checked_mul(d), n.checked_mul(d), m.checked_mul(n)) else {
        return Status::Shape as i32;
    };
    DTW_SCRATCH.with(|sc| {
        let r = dtw::pair(op, slice(x, lx), m, slice(y, ly), n, d, &o, opt_mut(gx, lx), opt_mut(gy, ly), opt_mut(align, lc), &mut sc.borrow_mut());
        match r {
            Ok(v) => {
                *value = v;
                0
            }
            Err(e) => status(Err(e)),
        }
    })
}

/// An operator on the cost matrix C (m×n, row-major). `op`: 0 soft-DTW,
/// 1 sharp, 2 entropy, 3 mean cost. `z` (m·n, may be null) is the tangent
/// for `jvp` (one f64) and `hvp` (m·n, soft-DTW only); `grad` (m·n) the
/// gradient w.r.t. C. Null outputs are skipped.
///
/// # Safety
/// Non-null pointers address the stated number of elements.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn dtw_cost(
    op: i32,
    gamma: f64,
    band_radius: i32,
    c: *const f64,
    m: usize,
    n: usize,
    z: *const f64,
    value: *mut f64,
    grad: *mut f64,
    jvp: *mut f64,
    hvp: *mut f64,
) -> i32 {
    let Some(op) = CostOp::from_code(op) else { return BAD_OPTION };
    let Some(t) = m.checked_mul(n) else { return Status::Shape as i32 };
    let z = if z.is_null() { None } else { Some(slice(z, t)) };
    let out = CostOutputs { grad: opt_mut(grad, t), jvp: if jvp.is_null() { None } else { Some(&mut *jvp) }, hvp: opt_mut(hvp, t) };
    DTW_SCRATCH.with(|sc| match dtw::from_cost(op, slice(c, t), m, n, gamma, band(band_radius), z, out, &mut sc.borrow_mut()) {
        Ok(v) => {
            *value = v;
            0
        }
        Err(e) => status(Err(e)),
    })
}

/// A matrix of `metric` (0–7 as `dtw_pair`'s op, 8 Euclidean) between the
/// series of Xs (`nx` series, lengths `xlens`, concatenated row-major with
/// `d` values per frame) and those of Ys; `ys` null means Ys = Xs (the
/// symmetric case). `out` has nx·ny entries, row-major.
///
/// # Safety
/// `xs`/`ys` address Σlens·d elements, `xlens`/`ylens` nx/ny, `out` nx·ny.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn dtw_pairwise(
    metric: i32,
    cost: i32,
    gamma: f64,
    band: i32,
    xs: *const f64,
    xlens: *const u32,
    nx: usize,
    ys: *const f64,
    ylens: *const u32,
    ny: usize,
    d: usize,
    out: *mut f64,
) -> i32 {
    let (Some(metric), Some(o)) = (dtw::pairwise::Metric::from_code(metric), options(cost, gamma, band)) else { return BAD_OPTION };
    let sum = |lens: &[u32]| lens.iter().try_fold(0usize, |a, &l| a.checked_add(l as usize)).and_then(|t| t.checked_mul(d));
    let xl = slice(xlens, nx);
    let Some(tx) = sum(xl) else { return Status::Shape as i32 };
    let yv = if ys.is_null() {
        None
    } else {
        let yl = slice(ylens, ny);
        let Some(ty) = sum(yl) else { return Status::Shape as i32 | (1 << 8) };
        Some((slice(ys, ty), yl))
    };
    let rows = if yv.is_some() { ny } else { nx };
    let Some(t) = nx.checked_mul(rows) else { return Status::Shape as i32 };
    DTW_SCRATCH.with(|sc| status(dtw::pairwise::pairwise(metric, slice(xs, tx), xl, yv, d, &o, slice_mut(out, t), &mut sc.borrow_mut())))
}

/// Barycenter of the `ny` series of Ys under `op` (0 soft-DTW, 1 divergence,
/// 2 sharp, 3 sharp divergence, 4 mean cost, 5 mean-cost divergence), by
/// L-BFGS from `z` (mz×d, overwritten). `weights` (ny) may be null (1/ny).
/// `info` receives [value, iterations, evaluations, converged (0/1)].
///
/// # Safety
/// `ys` addresses Σylens·d elements, `z` mz·d, `info` 4.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn dtw_barycenter(
    op: i32,
    cost: i32,
    gamma: f64,
    band: i32,
    ys: *const f64,
    ylens: *const u32,
    ny: usize,
    d: usize,
    weights: *const f64,
    z: *mut f64,
    mz: usize,
    max_iter: u32,
    tol: f64,
    info: *mut f64,
) -> i32 {
    let (Some(op), Some(o)) = (PairOp::from_code(op), options(cost, gamma, band)) else { return BAD_OPTION };
    let yl = slice(ylens, ny);
    let Some(ty) = yl.iter().try_fold(0usize, |a, &l| a.checked_add(l as usize)).and_then(|t| t.checked_mul(d)) else {
        return Status::Shape as i32;
    };
    let Some(tz) = mz.checked_mul(d) else { return Status::Shape as i32 | (4 << 8) };
    let w = if weights.is_null() { None } else { Some(slice(weights, ny)) };
    let mut lb = dtw::barycenter::default_options();
    lb.max_iter = max_iter as usize;
    lb.max_evals = (max_iter as usize).saturating_mul(10).max(20);
    if tol.is_finite() && tol >= 0.0 {
        lb.gtol = tol;
        lb.ftol = tol;
    }
    DTW_SCRATCH.with(|sc| {
        match dtw::barycenter::barycenter(op, slice(ys, ty), yl, d, w, &o, slice_mut(z, tz), mz, &lb, &mut sc.borrow_mut()) {
            Ok(r) => {
                let out = slice_mut(info, 4);
                out[0] = r.value;
                out[1] = r.iterations as f64;
                out[2] = r.evaluations as f64;
                out[3] = if r.converged() { 1.0 } else { 0.0 };
                0
            }
            Err(e) => status(Err(e)),
        }
    })
}
