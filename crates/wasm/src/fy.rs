//! ABI of the Fenchel-Young family (crates/core/src/fy): prediction maps,
//! projections, FY and multilabel losses, generalized FY losses.
//!
//! Status codes carry the index of the offending argument in the order the
//! core documents for each kernel (arrays first, then scalars); ts/fy.ts
//! keeps the matching name lists.

use std::cell::RefCell;

use diffopt_core::fy::generalized::{gfy_batch, Domain, GfyScratch, Outputs, Reg, Solver};
use diffopt_core::fy::losses::{fy_loss_batch, multilabel_batch, BinaryMap, LossMap, Target};
use diffopt_core::fy::maps::{self, Map};
use diffopt_core::fy::projections::{self, Set};
use diffopt_core::fy::Scratch;
use diffopt_core::Status;

use crate::{slice, slice_mut, status, total, BAD_OPTION};

thread_local! {
    static FY_SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::new());
    static GFY_SCRATCH: RefCell<GfyScratch> = RefCell::new(GfyScratch::new());
}

const SHAPE: i32 = Status::Shape as i32;

/// Prediction map over a row-major batch. `map`: 0 softmax, 1 sparsemax,
/// 2 entmax (`alpha`), 3 sigmoid, 4 sparse sigmoid.
///
/// # Safety
/// `x` and `out` address rows·n f64.
#[no_mangle]
pub unsafe extern "C" fn fy_map_forward(map: i32, alpha: f64, x: *const f64, rows: usize, n: usize, out: *mut f64) -> i32 {
    let Some(map) = Map::from_code(map, alpha) else { return BAD_OPTION };
    let Some(t) = total(rows, n) else { return SHAPE };
    FY_SCRATCH.with(|sc| status(maps::forward_batch(map, slice(x, t), rows, n, slice_mut(out, t), &mut sc.borrow_mut())))
}

/// J·v of a map from its forward output `p` (symmetric Jacobians: also the
/// vjp).
///
/// # Safety
/// Every pointer addresses rows·n f64.
#[no_mangle]
pub unsafe extern "C" fn fy_map_backward(map: i32, alpha: f64, p: *const f64, v: *const f64, rows: usize, n: usize, out: *mut f64) -> i32 {
    let Some(map) = Map::from_code(map, alpha) else { return BAD_OPTION };
    let Some(t) = total(rows, n) else { return SHAPE };
    status(maps::backward_batch(map, slice(p, t), slice(v, t), rows, n, slice_mut(out, t)))
}

/// ∂p/∂α of α-entmax from its forward output `p`.
///
/// # Safety
/// `p` and `out` address rows·n f64.
#[no_mangle]
pub unsafe extern "C" fn fy_entmax_dalpha(alpha: f64, p: *const f64, rows: usize, n: usize, out: *mut f64) -> i32 {
    let Some(t) = total(rows, n) else { return SHAPE };
    status(maps::dalpha_batch(alpha, slice(p, t), rows, n, slice_mut(out, t)))
}

fn set_of(set: i32, param: f64, k: usize) -> Option<Set> {
    match set {
        0 => Some(Set::Simplex { scale: param }),
        1 => Some(Set::L1Ball { radius: param }),
        2 => Some(Set::Box),
        3 => Some(Set::SparseSimplex { k, scale: param }),
        _ => None,
    }
}

/// Projection of each row. `set`: 0 simplex (scale = `param`), 1 ℓ1 ball
/// (radius = `param`), 2 box (`lower`/`upper`, each of length 1, n or
/// rows·n), 3 k-sparse simplex (`k`, scale = `param`).
///
/// # Safety
/// `x`, `out` address rows·n f64; `lower`/`upper` their lengths.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn fy_project(
    set: i32,
    param: f64,
    k: usize,
    x: *const f64,
    lower: *const f64,
    lower_len: usize,
    upper: *const f64,
    upper_len: usize,
    rows: usize,
    n: usize,
    out: *mut f64,
) -> i32 {
    let Some(set) = set_of(set, param, k) else { return BAD_OPTION };
    let Some(t) = total(rows, n) else { return SHAPE };
    let (lo, hi) = (slice(lower, lower_len), slice(upper, upper_len));
    FY_SCRATCH.with(|sc| status(projections::forward_batch(set, slice(x, t), lo, hi, rows, n, slice_mut(out, t), &mut sc.borrow_mut())))
}

/// J·v of a projection from its input `x` and output `p`.
///
/// # Safety
/// Every pointer addresses rows·n f64.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn fy_project_backward(
    set: i32,
    param: f64,
    k: usize,
    x: *const f64,
    p: *const f64,
    v: *const f64,
    rows: usize,
    n: usize,
    out: *mut f64,
) -> i32 {
    let Some(set) = set_of(set, param, k) else { return BAD_OPTION };
    let Some(t) = total(rows, n) else { return SHAPE };
    status(projections::backward_batch(set, slice(x, t), slice(p, t), slice(v, t), rows, n, slice_mut(out, t)))
}

/// `target_kind`: 0 = one class index per row (f64), 1 = rows·n proportions.
unsafe fn target_of<'a>(kind: i32, ptr: *const f64, rows: usize, t: usize) -> Option<Target<'a>> {
    match kind {
        0 => Some(Target::Labels(slice(ptr, rows))),
        1 => Some(Target::Proportions(slice(ptr, t))),
        _ => None,
    }
}

/// Multiclass FY loss per row into `values`; `grad` (ŷ − y) and `pred` (ŷ)
/// may be null. `map`: 0 logistic, 1 sparsemax, 2 entmax (`alpha`),
/// 3 perceptron.
///
/// # Safety
/// `theta`, `grad`, `pred` address rows·n f64, `values` rows, `target` rows
/// (labels) or rows·n (proportions).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn fy_loss(
    map: i32,
    alpha: f64,
    theta: *const f64,
    target: *const f64,
    target_kind: i32,
    rows: usize,
    n: usize,
    values: *mut f64,
    grad: *mut f64,
    pred: *mut f64,
) -> i32 {
    let Some(map) = LossMap::from_code(map, alpha) else { return BAD_OPTION };
    let Some(t) = total(rows, n) else { return SHAPE };
    let Some(target) = target_of(target_kind, target, rows, t) else { return BAD_OPTION };
    let grad = if grad.is_null() { None } else { Some(slice_mut(grad, t)) };
    let pred = if pred.is_null() { None } else { Some(slice_mut(pred, t)) };
    FY_SCRATCH.with(|sc| {
        status(fy_loss_batch(map, slice(theta, t), target, rows, n, slice_mut(values, rows), grad, pred, &mut sc.borrow_mut()))
    })
}

/// Multilabel (one-vs-all) loss per row (summed over its n entries);
/// `grad` may be null. `map`: 0 logistic, 1 sparse (binary sparsemax).
///
/// # Safety
/// `theta`, `target`, `grad` address rows·n f64, `values` rows.
#[no_mangle]
pub unsafe extern "C" fn fy_multilabel(map: i32, theta: *const f64, target: *const f64, rows: usize, n: usize, values: *mut f64, grad: *mut f64) -> i32 {
    let Some(map) = BinaryMap::from_code(map) else { return BAD_OPTION };
    let Some(t) = total(rows, n) else { return SHAPE };
    let grad = if grad.is_null() { None } else { Some(slice_mut(grad, t)) };
    status(multilabel_batch(map, slice(theta, t), slice(target, t), rows, n, slice_mut(values, rows), grad))
}

/// Generalized FY loss with the quadratic energy ⟨θ_u, μ⟩ + ½⟨μ, Aμ⟩
/// (`pairwise` null: bilinear). `domain`: 0 simplex, 1 cube; `reg`:
/// 0 squared norm, 1 entropy; `target_kind`: −1 none (prediction only),
/// 0 labels, 1 proportions. `grad_u`/`grad_p` may be null; `grad_p` has
/// `pairwise_len` elements. `stats` gets (iterations, residual) per row.
///
/// # Safety
/// `theta`, `pred`, `grad_u` address rows·n f64; `values` rows; `stats`
/// 2·rows; `pairwise`/`grad_p` pairwise_len; `target` as in [`fy_loss`].
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn fy_gfy(
    domain: i32,
    reg: i32,
    tol: f64,
    max_iter: usize,
    theta: *const f64,
    pairwise: *const f64,
    pairwise_len: usize,
    target: *const f64,
    target_kind: i32,
    rows: usize,
    n: usize,
    values: *mut f64,
    pred: *mut f64,
    grad_u: *mut f64,
    grad_p: *mut f64,
    stats: *mut f64,
) -> i32 {
    let (Some(domain), Some(reg)) = (Domain::from_code(domain), Reg::from_code(reg)) else { return BAD_OPTION };
    let Some(t) = total(rows, n) else { return SHAPE };
    let Some(rows2) = rows.checked_mul(2) else { return SHAPE };
    let target = if target_kind == -1 {
        None
    } else {
        match target_of(target_kind, target, rows, t) {
            Some(tg) => Some(tg),
            None => return BAD_OPTION,
        }
    };
    let pairwise = if pairwise.is_null() { None } else { Some(slice(pairwise, pairwise_len)) };
    let o = Outputs {
        values: slice_mut(values, if target.is_some() { rows } else { 0 }),
        pred: slice_mut(pred, t),
        grad_unary: if grad_u.is_null() { None } else { Some(slice_mut(grad_u, t)) },
        grad_pairwise: if grad_p.is_null() { None } else { Some(slice_mut(grad_p, pairwise_len)) },
        stats: slice_mut(stats, rows2),
    };
    let solver = Solver { domain, reg, tol, max_iter };
    GFY_SCRATCH.with(|sc| status(gfy_batch(solver, slice(theta, t), pairwise, target, rows, n, o, &mut sc.borrow_mut())))
}
