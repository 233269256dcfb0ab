//! ABI of the perturbed-optimizers family (crates/core/src/perturb).
//!
//! The configuration travels as one f64[11] array (`cfg`), decoded by
//! [`decode`]: [noise, epsilon, samples, seed_lo, seed_hi, multiplicative,
//! control_variate, maximize, oracle, oracle_a, oracle_b] with oracle 0 argmax,
//! 1 top-k (a = k), 2 ranking, 3 shortest path (a = rows, b = cols), 4 external
//! (samples computed by a user oracle and passed in `ys`).

use std::cell::RefCell;

use diffopt_core::perturb::{self, Config, ForwardOut, Noise, Oracle, Source, Tape, TapeRef, Work};
use diffopt_core::Status;

use crate::{slice, slice_mut, status, total, BAD_OPTION};

thread_local! {
    static WORK: RefCell<Work> = RefCell::new(Work::new());
}

const CFG_LEN: usize = 11;
const EXTERNAL: i32 = 4;

fn flag(x: f64) -> Option<bool> {
    match x {
        0.0 => Some(false),
        1.0 => Some(true),
        _ => None,
    }
}

fn whole(x: f64) -> Option<usize> {
    (x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x <= u32::MAX as f64).then_some(x as usize)
}

/// Decodes the configuration; None for values no caller should send.
fn decode(cfg: &[f64]) -> Option<(Config, i32, usize, usize)> {
    if cfg.len() != CFG_LEN {
        return None;
    }
    let noise = Noise::from_code(whole(cfg[0])? as i32)?;
    let seed = (whole(cfg[4])? as u64) << 32 | whole(cfg[3])? as u64;
    let config = Config {
        noise,
        epsilon: cfg[1],
        samples: whole(cfg[2])?,
        seed,
        multiplicative: flag(cfg[5])?,
        control_variate: flag(cfg[6])?,
        maximize: flag(cfg[7])?,
    };
    Some((config, whole(cfg[8])? as i32, whole(cfg[9])?, whole(cfg[10])?))
}

fn source<'a>(kind: i32, a: usize, b: usize, ys: &'a [f64]) -> Option<Source<'a>> {
    Some(match kind {
        0 => Source::Builtin(Oracle::Argmax),
        1 => Source::Builtin(Oracle::TopK(a)),
        2 => Source::Builtin(Oracle::Ranking),
        3 => Source::Builtin(Oracle::ShortestPath { rows: a, cols: b }),
        EXTERNAL => Source::External(ys),
        _ => return None,
    })
}

/// y_ε, its standard errors, ∇F_ε (rows·n each) and F_ε with its standard
/// error (rows each). `ys` (len `ys_len`) holds the samples of an external
/// oracle for one row (`rows` = 1, numbered `row_offset` for the noise).
/// When `tape_z`/`tape_y` are not null (rows·samples·n each) the samples are
/// recorded there for [`perturb_backward`].
///
/// # Safety
/// Pointers address the lengths above.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn perturb_forward(
    cfg: *const f64,
    theta: *const f64,
    rows: usize,
    n: usize,
    row_offset: usize,
    ys: *const f64,
    ys_len: usize,
    y: *mut f64,
    y_stderr: *mut f64,
    grad_f: *mut f64,
    f: *mut f64,
    f_stderr: *mut f64,
    tape_z: *mut f64,
    tape_y: *mut f64,
    tape_len: usize,
) -> i32 {
    let Some((c, kind, a, b)) = decode(slice(cfg, CFG_LEN)) else { return BAD_OPTION };
    let Some(src) = source(kind, a, b, slice(ys, ys_len)) else { return BAD_OPTION };
    let Some(t) = total(rows, n) else { return Status::Shape as i32 };
    let tape = (!tape_z.is_null() && !tape_y.is_null()).then(|| Tape { z: slice_mut(tape_z, tape_len), y: slice_mut(tape_y, tape_len) });
    let out = ForwardOut {
        y: slice_mut(y, t),
        y_stderr: slice_mut(y_stderr, t),
        grad_f: slice_mut(grad_f, t),
        f: slice_mut(f, rows),
        f_stderr: slice_mut(f_stderr, rows),
    };
    WORK.with(|w| status(perturb::forward(&c, src, slice(theta, t), rows, n, row_offset, out, tape, &mut w.borrow_mut())))
}

/// Jacobian products of y_ε: `vjp` = 1 (cotangent in) or 0 (tangent in),
/// replaying the forward samples from `tape_z`/`tape_y` when not null, else
/// regenerating them from the seed.
///
/// # Safety
/// Pointers address rows·n elements (`ys_len` for `ys`).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn perturb_backward(
    cfg: *const f64,
    vjp: i32,
    theta: *const f64,
    y_mean: *const f64,
    input: *const f64,
    rows: usize,
    n: usize,
    row_offset: usize,
    ys: *const f64,
    ys_len: usize,
    tape_z: *const f64,
    tape_y: *const f64,
    tape_len: usize,
    out: *mut f64,
) -> i32 {
    let Some((c, kind, a, b)) = decode(slice(cfg, CFG_LEN)) else { return BAD_OPTION };
    let Some(src) = source(kind, a, b, slice(ys, ys_len)) else { return BAD_OPTION };
    let Some(t) = total(rows, n) else { return Status::Shape as i32 };
    let tape = (!tape_z.is_null() && !tape_y.is_null()).then(|| TapeRef { z: slice(tape_z, tape_len), y: slice(tape_y, tape_len) });
    WORK.with(|w| {
        status(perturb::backward(&c, src, vjp != 0, slice(theta, t), slice(y_mean, t), slice(input, t), rows, n, row_offset, tape, slice_mut(out, t), &mut w.borrow_mut()))
    })
}

/// Perturbed Fenchel-Young loss per row and its gradient.
///
/// # Safety
/// `theta`, `target`, `grad` address rows·n elements, `values` rows.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn perturb_loss(
    cfg: *const f64,
    theta: *const f64,
    target: *const f64,
    rows: usize,
    n: usize,
    row_offset: usize,
    ys: *const f64,
    ys_len: usize,
    values: *mut f64,
    grad: *mut f64,
) -> i32 {
    let Some((c, kind, a, b)) = decode(slice(cfg, CFG_LEN)) else { return BAD_OPTION };
    let Some(src) = source(kind, a, b, slice(ys, ys_len)) else { return BAD_OPTION };
    let Some(t) = total(rows, n) else { return Status::Shape as i32 };
    WORK.with(|w| {
        status(perturb::fy_loss(&c, src, slice(theta, t), slice(target, t), rows, n, row_offset, slice_mut(values, rows), slice_mut(grad, t), &mut w.borrow_mut()))
    })
}

/// The perturbed points of all samples of one row (samples·n), for a user
/// oracle evaluated in JavaScript.
///
/// # Safety
/// `theta` addresses n elements, `out` samples·n.
#[no_mangle]
pub unsafe extern "C" fn perturb_points(cfg: *const f64, theta: *const f64, n: usize, row: usize, out: *mut f64, out_len: usize) -> i32 {
    let Some((c, ..)) = decode(slice(cfg, CFG_LEN)) else { return BAD_OPTION };
    WORK.with(|w| status(perturb::points(&c, slice(theta, n), row, slice_mut(out, out_len), &mut w.borrow_mut())))
}
