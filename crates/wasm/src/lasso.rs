//! ABI of the Lasso family (crates/core/src/lasso).
//!
//! One-shot kernels (`lasso_lambda_max`, `lasso_fit`, `lasso_random_points`)
//! take plain arrays. Hyperparameter work goes through two opaque handles
//! owned by the caller (ts/lasso/session.ts frees them in `finally`):
//! a *session* (model, criterion, data copied into column-major designs, and
//! every warm start) and a *search* (the gradient-search state machine).
//! The host asks the search for its proposal (`lasso_search_proposal`),
//! evaluates it (on a session here, or fold sessions on other threads in a
//! worker pool) and tells the search the result (`lasso_search_tell`), so it
//! times each step and reports progress (the wasm module has no imports,
//! hence no clock), while the optimizer itself is the core's, identical to
//! the native build the benchmark compares against.
//!
//! Info arrays (f64): an evaluation writes
//! [value, epochs, converged, gap, jacobian iterations, jacobian converged, inner solves].

use diffopt_core::lasso::hypergrad::JacOptions;
use diffopt_core::lasso::search::{random_points, GradSearch, Optimizer, SearchOptions};
use diffopt_core::lasso::session::{Criterion, EvalInfo, Part, Session, Spec};
use diffopt_core::lasso::solvers::{fit, FitInfo, SolveOptions, Work};
use diffopt_core::lasso::{data, criteria::HeldOut, Algorithm, KernelError, Model, Penalty};
use diffopt_core::lasso::{ARG_BETA0, ARG_H0, ARG_X, ARG_Y};
use diffopt_core::Status;

use crate::{slice, slice_mut, status, total, BAD_OPTION};

/// Length of the info array of an evaluation.
pub const EVAL_INFO: usize = 7;
/// Length of the info array of a fit: [gap, objective, epochs, converged, polished].
pub const FIT_INFO: usize = 5;

fn eval_info(info: &EvalInfo, out: &mut [f64]) {
    out[0] = info.value;
    out[1] = info.iterations as f64;
    out[2] = f64::from(u8::from(info.converged));
    out[3] = info.gap;
    out[4] = info.jac_iterations as f64;
    out[5] = f64::from(u8::from(info.jac_converged));
    out[6] = info.solves as f64;
}

fn fit_info(info: &FitInfo, out: &mut [f64]) {
    out[0] = info.gap;
    out[1] = info.objective;
    out[2] = info.iterations as f64;
    out[3] = f64::from(u8::from(info.converged));
    out[4] = f64::from(u8::from(info.polished));
}

fn shape_err(arg: u8) -> i32 {
    KernelError::new(Status::Shape, arg).code()
}

/// λ_max of (X, y) for `model` (0 Lasso, 1 elastic net, 2 weighted Lasso,
/// 3 sparse logistic regression) into `out[0]`.
///
/// # Safety
/// `x` addresses n·p elements, `y` n, `out` 1.
#[no_mangle]
pub unsafe extern "C" fn lasso_lambda_max(model: i32, x: *const f64, y: *const f64, n: usize, p: usize, out: *mut f64) -> i32 {
    let Some(model) = Model::from_code(model) else { return BAD_OPTION };
    let Some(t) = total(n, p) else { return shape_err(ARG_X) };
    let (x, y) = (slice(x, t), slice(y, n));
    let r = (|| {
        data::check_xy(x, y, n, p, ARG_X, ARG_Y)?;
        if model.is_logistic() {
            data::check_labels(y, ARG_Y)?;
        }
        let d = data::Design::from_rows(x, n, p)?;
        *out = data::lambda_max(model, &d, y);
        Ok(())
    })();
    status(r)
}

/// Fits `model` at λ (`lam`: 1 value, or p for the weighted Lasso; `lam2`
/// for the elastic net) from the warm start in `beta` (p, overwritten).
/// `info` receives [`FIT_INFO`] numbers.
///
/// # Safety
/// `x` n·p, `y` n, `lam` lam_len, `beta` p and `info` 5 elements.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn lasso_fit(
    model: i32,
    x: *const f64,
    y: *const f64,
    n: usize,
    p: usize,
    lam: *const f64,
    lam_len: usize,
    lam2: f64,
    tol: f64,
    max_iter: usize,
    polish: i32,
    beta: *mut f64,
    info: *mut f64,
) -> i32 {
    let Some(model) = Model::from_code(model) else { return BAD_OPTION };
    let Some(t) = total(n, p) else { return shape_err(ARG_X) };
    let (x, y, lam) = (slice(x, t), slice(y, n), slice(lam, lam_len));
    let r = (|| {
        data::check_xy(x, y, n, p, ARG_X, ARG_Y)?;
        if model.is_logistic() {
            data::check_labels(y, ARG_Y)?;
        }
        let pen = Penalty::from_lambdas(model, lam, lam2, p)?;
        let beta = slice_mut(beta, p);
        if !diffopt_core::math::all_finite(beta) {
            return Err(KernelError::new(Status::NonFinite, ARG_BETA0));
        }
        let d = data::Design::from_rows(x, n, p)?;
        let opts = SolveOptions { tol, max_iter, polish: polish != 0 };
        let fi = fit(&d, y, &pen, beta, &opts, &mut Work::default())?;
        fit_info(&fi, slice_mut(info, FIT_INFO));
        Ok(())
    })();
    status(r)
}

/// Creates a session; its handle goes to `*handle` (0 on failure).
/// `criterion`: 0 held-out MSE, 1 held-out logistic, 2 SURE; `folds` 0 for a
/// single split, K ≥ 2 for K-fold on (x, y); `algorithm`: 0 implicit
/// forward, 1 forward, 2 backward, 3 implicit. `xv`/`yv` are ignored unless
/// `folds` = 0 and the criterion is held-out. `part_from` < 0: the whole
/// problem; else (K-fold only, a worker pool's piece) folds
/// `part_from..part_to`, keeping the all-rows data for the refit when
/// `part_refit` ≠ 0 (see [`Part`]).
///
/// # Safety
/// `x` n·p, `y` n, `xv` nv·p, `yv` nv elements; `handle` one u32/usize.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn lasso_session_new(
    model: i32,
    criterion: i32,
    folds: usize,
    part_from: i32,
    part_to: usize,
    part_refit: i32,
    algorithm: i32,
    x: *const f64,
    y: *const f64,
    n: usize,
    p: usize,
    xv: *const f64,
    yv: *const f64,
    nv: usize,
    sigma: f64,
    epsilon: f64,
    seed: f64,
    tol: f64,
    max_iter: usize,
    polish: i32,
    tol_jac: f64,
    max_iter_jac: usize,
    handle: *mut usize,
) -> i32 {
    *handle = 0;
    let Some(model) = Model::from_code(model) else { return BAD_OPTION };
    let Some(algorithm) = Algorithm::from_code(algorithm) else { return BAD_OPTION };
    let part = match usize::try_from(part_from) {
        Ok(from) => Part::Folds { from, to: part_to, refit: part_refit != 0 },
        Err(_) => Part::All,
    };
    let criterion = match criterion {
        0 => Criterion::HeldOut(HeldOut::Mse),
        1 => Criterion::HeldOut(HeldOut::Logistic),
        2 => Criterion::Sure,
        _ => return BAD_OPTION,
    };
    let Some(t) = total(n, p) else { return shape_err(ARG_X) };
    let Some(tv) = total(nv, p) else { return shape_err(diffopt_core::lasso::ARG_XVAL) };
    let spec = Spec {
        model,
        criterion,
        folds,
        part,
        algorithm,
        x: slice(x, t),
        y: slice(y, n),
        n,
        p,
        xv: slice(xv, tv),
        yv: slice(yv, nv),
        nv,
        sigma,
        epsilon,
        seed: if seed.is_finite() && seed >= 0.0 { seed as u64 } else { 0 },
        opts: SolveOptions { tol, max_iter, polish: polish != 0 },
        jopts: JacOptions { tol: tol_jac, max_iter: max_iter_jac },
    };
    match Session::new(&spec) {
        Ok(s) => {
            *handle = Box::into_raw(Box::new(s)) as usize;
            0
        }
        Err(e) => e.code(),
    }
}

unsafe fn session<'a>(h: usize) -> Option<&'a mut Session> {
    (h as *mut Session).as_mut()
}

/// Frees a session (0 is ignored).
///
/// # Safety
/// `h` comes from [`lasso_session_new`] and is freed once.
#[no_mangle]
pub unsafe extern "C" fn lasso_session_free(h: usize) {
    if h != 0 {
        drop(Box::from_raw(h as *mut Session));
    }
}

/// [λ_max, p, m, inner solves so far, splits] into `out`.
///
/// # Safety
/// `h` is a live session, `out` addresses 5 elements.
#[no_mangle]
pub unsafe extern "C" fn lasso_session_info(h: usize, out: *mut f64) -> i32 {
    let Some(s) = session(h) else { return BAD_OPTION };
    let out = slice_mut(out, 5);
    out[0] = s.lambda_max;
    out[1] = s.p as f64;
    out[2] = s.m as f64;
    out[3] = s.inner_solves as f64;
    out[4] = s.splits() as f64;
    0
}

/// Evaluates the criterion at h (m values) and, when `grad` is not null,
/// its hypergradient; β of the evaluation into `beta` when not null.
///
/// # Safety
/// `h` and `grad` address m elements, `beta` p, `info` [`EVAL_INFO`].
#[no_mangle]
pub unsafe extern "C" fn lasso_session_eval(h: usize, point: *const f64, m: usize, grad: *mut f64, beta: *mut f64, info: *mut f64) -> i32 {
    let Some(s) = session(h) else { return BAD_OPTION };
    if m != s.m {
        return shape_err(diffopt_core::lasso::ARG_LAMBDA);
    }
    let g = if grad.is_null() { None } else { Some(slice_mut(grad, m)) };
    match s.evaluate(slice(point, m), g) {
        Ok(ev) => {
            eval_info(&ev, slice_mut(info, EVAL_INFO));
            if !beta.is_null() {
                s.beta(slice_mut(beta, s.p));
            }
            0
        }
        Err(e) => e.code(),
    }
}

/// Evaluates every split (fold) on its own at h (m values): split after
/// split, `out` gets the [`EVAL_INFO`] numbers, then the split's undivided
/// hypergradient (m) when `grad` ≠ 0, then its β (p).
///
/// # Safety
/// `point` m elements, `out` splits·(EVAL_INFO + m·[grad] + p).
#[no_mangle]
pub unsafe extern "C" fn lasso_session_eval_splits(h: usize, point: *const f64, m: usize, grad: i32, out: *mut f64) -> i32 {
    let Some(s) = session(h) else { return BAD_OPTION };
    if m != s.m {
        return shape_err(diffopt_core::lasso::ARG_LAMBDA);
    }
    let size = EVAL_INFO + if grad != 0 { m } else { 0 } + s.p;
    let out = slice_mut(out, s.splits() * size);
    let r = s.evaluate_splits(slice(point, m), grad != 0, |i, info, g, beta| {
        let chunk = &mut out[i * size..(i + 1) * size];
        eval_info(info, &mut chunk[..EVAL_INFO]);
        let rest = &mut chunk[EVAL_INFO..];
        let rest = match g {
            Some(g) => {
                rest[..m].copy_from_slice(g);
                &mut rest[m..]
            }
            None => rest,
        };
        rest.copy_from_slice(beta);
    });
    status(r)
}

/// Refits at h (training data, or all rows for K-fold) into `beta` (p);
/// [`FIT_INFO`] numbers into `info`.
///
/// # Safety
/// `point` m, `beta` p, `info` 5 elements.
#[no_mangle]
pub unsafe extern "C" fn lasso_session_refit(h: usize, point: *const f64, m: usize, beta: *mut f64, info: *mut f64) -> i32 {
    let Some(s) = session(h) else { return BAD_OPTION };
    if m != s.m {
        return shape_err(diffopt_core::lasso::ARG_LAMBDA);
    }
    match s.refit(slice(point, m), slice_mut(beta, s.p)) {
        Ok(fi) => {
            fit_info(&fi, slice_mut(info, FIT_INFO));
            0
        }
        Err(e) => e.code(),
    }
}

/// `count` points uniform in [lo, hi]^m, sorted by decreasing first
/// coordinate, into `out` (count·m).
///
/// # Safety
/// `out` addresses count·m elements.
#[no_mangle]
pub unsafe extern "C" fn lasso_random_points(seed: f64, count: usize, m: usize, lo: f64, hi: f64, out: *mut f64) -> i32 {
    let Some(t) = total(count, m) else { return shape_err(diffopt_core::lasso::ARG_GRID) };
    let seed = if seed.is_finite() && seed >= 0.0 { seed as u64 } else { 0 };
    status(random_points(seed, count, m, lo, hi, slice_mut(out, t)))
}

/// Creates a gradient search starting at h0 (m values) in the box [lo, hi];
/// `optimizer` 0 line search, 1 gradient descent, 2 Adam; `step` 0 = default.
///
/// # Safety
/// `h0` addresses m elements, `handle` one usize.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn lasso_search_new(
    optimizer: i32,
    h0: *const f64,
    m: usize,
    max_evals: usize,
    tol: f64,
    step: f64,
    lo: f64,
    hi: f64,
    handle: *mut usize,
) -> i32 {
    *handle = 0;
    let Some(optimizer) = Optimizer::from_code(optimizer) else { return BAD_OPTION };
    if m == 0 {
        return shape_err(ARG_H0);
    }
    let opts = SearchOptions { optimizer, max_evals, tol, step, lo, hi };
    match GradSearch::new(slice(h0, m), opts) {
        Ok(s) => {
            *handle = Box::into_raw(Box::new(s)) as usize;
            0
        }
        Err(e) => e.code(),
    }
}

/// Frees a search (0 is ignored).
///
/// # Safety
/// `h` comes from [`lasso_search_new`] and is freed once.
#[no_mangle]
pub unsafe extern "C" fn lasso_search_free(h: usize) {
    if h != 0 {
        drop(Box::from_raw(h as *mut GradSearch));
    }
}

/// The point the search evaluates next into `point` (m); returns 1 when the
/// search is done (nothing more to evaluate), else 0.
///
/// # Safety
/// `search` is a live handle, `point` addresses m elements.
#[no_mangle]
pub unsafe extern "C" fn lasso_search_proposal(search: usize, point: *mut f64) -> i32 {
    let Some(gs) = (search as *mut GradSearch).as_mut() else { return BAD_OPTION };
    slice_mut(point, gs.m).copy_from_slice(gs.proposal());
    i32::from(gs.done)
}

/// Tells the search the evaluation of its proposal (the caller must have
/// evaluated exactly the point [`lasso_search_proposal`] gave): `info` the
/// [`EVAL_INFO`] numbers (value first), `grad` the hypergradient (m).
/// `out` gets [accepted, done, best value].
///
/// # Safety
/// `search` is a live handle; `grad` m, `info` [`EVAL_INFO`], `out` 3 elements.
#[no_mangle]
pub unsafe extern "C" fn lasso_search_tell(search: usize, grad: *const f64, info: *const f64, out: *mut f64) -> i32 {
    let Some(gs) = (search as *mut GradSearch).as_mut() else { return BAD_OPTION };
    let m = gs.m;
    let v = slice(info, EVAL_INFO);
    let ev = EvalInfo {
        value: v[0],
        iterations: v[1] as usize,
        converged: v[2] == 1.0,
        gap: v[3],
        jac_iterations: v[4] as usize,
        jac_converged: v[5] == 1.0,
        solves: v[6] as usize,
    };
    match gs.tell(ev, slice(grad, m)) {
        Ok(st) => {
            let out = slice_mut(out, 3);
            out[0] = f64::from(u8::from(st.accepted));
            out[1] = f64::from(u8::from(st.done));
            out[2] = gs.best_f;
            0
        }
        Err(e) => e.code(),
    }
}

/// The best point so far into `h` (m); returns its value (∞ before any step).
///
/// # Safety
/// `search` is a live handle, `h` addresses m elements.
#[no_mangle]
pub unsafe extern "C" fn lasso_search_best(search: usize, h: *mut f64) -> f64 {
    let Some(gs) = (search as *mut GradSearch).as_mut() else { return f64::NAN };
    slice_mut(h, gs.m).copy_from_slice(&gs.best_h);
    gs.best_f
}
