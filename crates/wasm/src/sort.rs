//! ABI of the sorting and ranking family (crates/core/src/sort).

use std::cell::RefCell;

use diffopt_core::sort::losses::{lts_batch, spearman_batch, LossScratch};
use diffopt_core::sort::ops::{BatchState, BatchStateRef};
use diffopt_core::sort::{self, Direction, Mode, Op, Params, Regularization, Scratch};
use diffopt_core::Status;

use crate::{slice, slice_mut, status, total, BAD_OPTION};

/// Index of `strength` in the losses' argument list (pred, target, k, strength).
const ARG_STRENGTH: i32 = 3;

thread_local! {
    static SORT_SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::new());
    static LOSS_SCRATCH: RefCell<LossScratch> = RefCell::new(LossScratch::new());
}

fn params(op: i32, reg: i32, dir: i32, strength: f64) -> Option<Params> {
    Some(Params {
        op: Op::from_code(op)?,
        reg: Regularization::from_code(reg)?,
        dir: Direction::from_code(dir)?,
        strength,
    })
}

/// Forward pass of a sort-family op over a row-major batch.
/// `op`: 0 isotonic, 1 projection, 2 soft rank, 3 soft sort; `reg`: 0 L2,
/// 1 KL; `dir`: 0 ascending, 1 descending. `w` (len `w_len`, 0 = absent) is
/// for isotonic/projection. State pointers may all be null (no gradient).
///
/// # Safety
/// Every non-null pointer must address `rows·n` elements (`w_len` for `w`).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn sort_forward(
    op: i32,
    reg: i32,
    dir: i32,
    strength: f64,
    x: *const f64,
    w: *const f64,
    w_len: usize,
    rows: usize,
    n: usize,
    out: *mut f64,
    perm: *mut u32,
    block_start: *mut u32,
    weights: *mut f64,
) -> i32 {
    let Some(p) = params(op, reg, dir, strength) else { return BAD_OPTION };
    let Some(t) = total(rows, n) else { return Status::Shape as i32 };
    let state = if perm.is_null() || block_start.is_null() || weights.is_null() {
        None
    } else {
        Some(BatchState { perm: slice_mut(perm, t), block_start: slice_mut(block_start, t), weights: slice_mut(weights, t) })
    };
    let w = if w.is_null() { None } else { Some(slice(w, w_len)) };
    SORT_SCRATCH.with(|sc| {
        status(sort::forward_batch(p, slice(x, t), w, rows, n, slice_mut(out, t), state, &mut sc.borrow_mut()))
    })
}

/// Backward pass: `mode` 0 = jvp (tangent in), 1 = vjp (cotangent in),
/// replaying the state recorded by [`sort_forward`].
///
/// `weights` may be null for L2 (the weights are then 1/|B|, recomputed from
/// the blocks) and `value` may be null except for the KL soft rank, whose
/// Jacobian is scaled by the ranks: ts/sort.ts keeps only what is needed.
///
/// # Safety
/// Every non-null pointer must address `rows·n` elements.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn sort_backward(
    op: i32,
    reg: i32,
    dir: i32,
    strength: f64,
    mode: i32,
    perm: *const u32,
    block_start: *const u32,
    weights: *const f64,
    value: *const f64,
    input: *const f64,
    rows: usize,
    n: usize,
    out: *mut f64,
) -> i32 {
    let Some(p) = params(op, reg, dir, strength) else { return BAD_OPTION };
    let mode = match mode {
        0 => Mode::Jvp,
        1 => Mode::Vjp,
        _ => return BAD_OPTION,
    };
    let Some(t) = total(rows, n) else { return Status::Shape as i32 };
    let state = BatchStateRef { perm: slice(perm, t), block_start: slice(block_start, t), weights: slice(weights, t) };
    SORT_SCRATCH.with(|sc| {
        status(sort::backward_batch(p, mode, state, slice(value, t), slice(input, t), rows, n, slice_mut(out, t), &mut sc.borrow_mut()))
    })
}

/// The checks both losses share: the regularization code, rows·n, the
/// strength, and the optional gradient buffer (null = value only).
///
/// # Safety
/// A non-null `grad` addresses rows·n elements.
unsafe fn loss_args<'a>(reg: i32, rows: usize, n: usize, strength: f64, grad: *mut f64) -> Result<(Regularization, usize, Option<&'a mut [f64]>), i32> {
    let reg = Regularization::from_code(reg).ok_or(BAD_OPTION)?;
    let t = total(rows, n).ok_or(Status::Shape as i32)?;
    if !(strength.is_finite() && strength > 0.0) {
        return Err(Status::Domain as i32 | (ARG_STRENGTH << 8));
    }
    Ok((reg, t, if grad.is_null() { None } else { Some(slice_mut(grad, t)) }))
}

/// Spearman correlation per row into `values` (len rows) and, when `grad` is
/// not null, its gradient w.r.t. `pred`.
///
/// # Safety
/// `pred`, `target`, `grad` address rows·n elements, `values` rows.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn sort_spearman(
    pred: *const f64,
    target: *const f64,
    rows: usize,
    n: usize,
    reg: i32,
    strength: f64,
    values: *mut f64,
    grad: *mut f64,
) -> i32 {
    let (reg, t, grad) = match loss_args(reg, rows, n, strength, grad) {
        Ok(a) => a,
        Err(code) => return code,
    };
    LOSS_SCRATCH.with(|ls| {
        status(spearman_batch(slice(pred, t), slice(target, t), rows, n, reg, strength, slice_mut(values, rows), grad, &mut ls.borrow_mut()))
    })
}

/// Soft least trimmed squares per row (keeping the `k` smallest squared
/// residuals) into `values` and, when `grad` is not null, its gradient.
///
/// # Safety
/// As [`sort_spearman`].
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn sort_lts(
    pred: *const f64,
    target: *const f64,
    rows: usize,
    n: usize,
    k: usize,
    reg: i32,
    strength: f64,
    values: *mut f64,
    grad: *mut f64,
) -> i32 {
    let (reg, t, grad) = match loss_args(reg, rows, n, strength, grad) {
        Ok(a) => a,
        Err(code) => return code,
    };
    LOSS_SCRATCH.with(|ls| {
        status(lts_batch(slice(pred, t), slice(target, t), rows, n, k, reg, strength, slice_mut(values, rows), grad, &mut ls.borrow_mut()))
    })
}
