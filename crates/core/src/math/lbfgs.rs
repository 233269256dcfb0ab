//! L-BFGS (Nocedal & Wright, Numerical Optimization, Alg. 7.4/7.5) with a
//! strong-Wolfe line search (Alg. 3.5/3.6, cubic interpolation), for any
//! smooth objective given as a closure `f(x, grad) -> value`.
//!
//! Written once for every family (soft-DTW barycenters, Lasso-type outer
//! problems): the objective owns its scratch and may fail with its own
//! error type; memory here is reserved with `try_reserve` up front.
//!
//! Stopping (SciPy's L-BFGS-B convention for `tol`): ‖∇f‖∞ ≤ `gtol`, or a
//! relative decrease (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ `ftol`,
//! or `max_iter` iterations / `max_evals` evaluations.

// `!(a < b)` is deliberate where NaN must take the fallback branch.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use crate::Status;

/// Settings of [`minimize`].
#[derive(Clone, Copy, Debug)]
pub struct LbfgsOptions {
    /// Number of (s, y) pairs kept (default 10).
    pub history: usize,
    /// Iterations (line searches) at most.
    pub max_iter: usize,
    /// Objective evaluations at most (line searches included).
    pub max_evals: usize,
    /// Stop when ‖∇f‖∞ ≤ gtol.
    pub gtol: f64,
    /// Stop when the relative decrease of one iteration is ≤ ftol.
    pub ftol: f64,
}

impl Default for LbfgsOptions {
    fn default() -> Self {
        LbfgsOptions { history: 10, max_iter: 100, max_evals: 1000, gtol: 1e-5, ftol: 1e-9 }
    }
}

/// Why [`minimize`] stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// ‖∇f‖∞ ≤ gtol.
    Gradient,
    /// Relative decrease ≤ ftol.
    Decrease,
    /// `max_iter` reached.
    Iterations,
    /// `max_evals` reached.
    Evaluations,
    /// The line search found no acceptable step (at a numerical minimum,
    /// or the objective is not smooth there).
    LineSearch,
}

/// Outcome of [`minimize`]; `x` holds the best point found.
#[derive(Clone, Copy, Debug)]
pub struct LbfgsReport {
    pub value: f64,
    pub iterations: usize,
    pub evaluations: usize,
    pub stop: Stop,
}

impl LbfgsReport {
    /// True for the two convergence tests (gradient, decrease).
    pub fn converged(&self) -> bool {
        matches!(self.stop, Stop::Gradient | Stop::Decrease)
    }
}

/// Failure of [`minimize`]: the objective's own error, or no memory.
#[derive(Debug)]
pub enum LbfgsError<E> {
    Objective(E),
    OutOfMemory,
}

/// Reusable memory of [`minimize`].
#[derive(Default)]
pub struct LbfgsWork {
    s: Vec<f64>,
    y: Vec<f64>,
    rho: Vec<f64>,
    alpha: Vec<f64>,
    g: Vec<f64>,
    d: Vec<f64>,
    xn: Vec<f64>,
    gn: Vec<f64>,
}

fn grow(v: &mut Vec<f64>, len: usize) -> Result<(), Status> {
    if v.len() < len {
        v.try_reserve(len - v.len()).map_err(|_| Status::OutOfMemory)?;
        v.resize(len, 0.0);
    }
    Ok(())
}

impl LbfgsWork {
    pub fn new() -> Self {
        Self::default()
    }
    fn reserve(&mut self, n: usize, h: usize) -> Result<(), Status> {
        let nh = n.checked_mul(h).ok_or(Status::OutOfMemory)?;
        grow(&mut self.s, nh)?;
        grow(&mut self.y, nh)?;
        grow(&mut self.rho, h)?;
        grow(&mut self.alpha, h)?;
        for v in [&mut self.g, &mut self.d, &mut self.xn, &mut self.gn] {
            grow(v, n)?;
        }
        Ok(())
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |s, (x, y)| s + x * y)
}

fn norm_inf(a: &[f64]) -> f64 {
    a.iter().fold(0.0f64, |m, v| m.max(v.abs()))
}

const C1: f64 = 1e-4;
const C2: f64 = 0.9;
const MAX_LINE: usize = 30;

/// Minimizes `f` from `x` (overwritten with the best point). `f(x, g)`
/// returns f(x) and writes ∇f(x) into `g`; it may return an error, which
/// aborts the run (x then holds the last accepted point).
pub fn minimize<E>(
    x: &mut [f64],
    opts: &LbfgsOptions,
    work: &mut LbfgsWork,
    mut f: impl FnMut(&[f64], &mut [f64]) -> Result<f64, E>,
) -> Result<LbfgsReport, LbfgsError<E>> {
    let n = x.len();
    let hist = opts.history.max(1);
    work.reserve(n, hist).map_err(|_| LbfgsError::OutOfMemory)?;
    let LbfgsWork { s, y, rho, alpha, g, d, xn, gn } = work;
    let (g, d, xn, gn) = (&mut g[..n], &mut d[..n], &mut xn[..n], &mut gn[..n]);
    let mut evals = 1usize;
    let mut fx = f(x, g).map_err(LbfgsError::Objective)?;
    let report = |value, iterations, evaluations, stop| Ok(LbfgsReport { value, iterations, evaluations, stop });
    if !fx.is_finite() || norm_inf(g) <= opts.gtol {
        return report(fx, 0, evals, if fx.is_finite() { Stop::Gradient } else { Stop::LineSearch });
    }
    let (mut count, mut head) = (0usize, 0usize); // stored pairs, next slot
    for (di, gi) in d.iter_mut().zip(g.iter()) {
        *di = -gi;
    }
    let mut first = true;
    for iter in 0..opts.max_iter {
        let mut dg = dot(g, d);
        if !(dg < 0.0) {
            // Not a descent direction (bad curvature pairs): restart.
            count = 0;
            for (di, gi) in d.iter_mut().zip(g.iter()) {
                *di = -gi;
            }
            dg = dot(g, d);
            first = true;
        }
        let step0 = if first { (1.0 / dot(d, d).sqrt()).min(1.0) } else { 1.0 };
        let budget = opts.max_evals.saturating_sub(evals);
        let ls = line_search(x, fx, g, d, dg, step0, budget, xn, gn, &mut f).map_err(LbfgsError::Objective)?;
        evals += ls.evals;
        let Some(fnew) = ls.value else {
            if count > 0 {
                // Retry once along −g with a fresh history.
                count = 0;
                for (di, gi) in d.iter_mut().zip(g.iter()) {
                    *di = -gi;
                }
                first = true;
                continue;
            }
            return report(fx, iter, evals, if budget <= ls.evals { Stop::Evaluations } else { Stop::LineSearch });
        };
        // New pair (s, y) = (x⁺ − x, g⁺ − g).
        let (sk, yk) = (&mut s[head * n..(head + 1) * n], &mut y[head * n..(head + 1) * n]);
        for i in 0..n {
            sk[i] = xn[i] - x[i];
            yk[i] = gn[i] - g[i];
        }
        let sy = dot(sk, yk);
        let yy = dot(yk, yk);
        let keep = sy > 1e-12 * yy && yy > 0.0;
        if keep {
            rho[head] = 1.0 / sy;
            head = (head + 1) % hist;
            count = (count + 1).min(hist);
        }
        x.copy_from_slice(xn);
        g.copy_from_slice(gn);
        let decrease = fx - fnew;
        let fprev = fx;
        fx = fnew;
        first = false;
        if norm_inf(g) <= opts.gtol {
            return report(fx, iter + 1, evals, Stop::Gradient);
        }
        if decrease <= opts.ftol * fprev.abs().max(fx.abs()).max(1.0) {
            return report(fx, iter + 1, evals, Stop::Decrease);
        }
        if evals >= opts.max_evals {
            return report(fx, iter + 1, evals, Stop::Evaluations);
        }
        // Two-loop recursion: d = −H·g.
        for (di, gi) in d.iter_mut().zip(g.iter()) {
            *di = -gi;
        }
        let newest = (head + hist - 1) % hist;
        for t in 0..count {
            let k = (newest + hist - t) % hist;
            let a = rho[k] * dot(&s[k * n..(k + 1) * n], d);
            alpha[k] = a;
            for (di, yi) in d.iter_mut().zip(&y[k * n..(k + 1) * n]) {
                *di -= a * yi;
            }
        }
        if count > 0 {
            let yk = &y[newest * n..(newest + 1) * n];
            let gamma = 1.0 / (rho[newest] * dot(yk, yk));
            for di in d.iter_mut() {
                *di *= gamma;
            }
        }
        for t in (0..count).rev() {
            let k = (newest + hist - t) % hist;
            let b = rho[k] * dot(&y[k * n..(k + 1) * n], d);
            let a = alpha[k];
            for (di, si) in d.iter_mut().zip(&s[k * n..(k + 1) * n]) {
                *di += (a - b) * si;
            }
        }
    }
    report(fx, opts.max_iter, evals, Stop::Iterations)
}

struct LineResult {
    /// f at the accepted step (x + step·d in `xn`, its gradient in `gn`).
    value: Option<f64>,
    evals: usize,
}

/// A step minimizer of φ(a) = f(x + a·d) in the bracket [lo, hi].
fn interpolate(a0: f64, f0: f64, d0: f64, a1: f64, f1: f64, d1: f64) -> f64 {
    let (lo, hi) = if a0 < a1 { (a0, a1) } else { (a1, a0) };
    let width = hi - lo;
    let mid = 0.5 * (a0 + a1);
    if !(f0.is_finite() && f1.is_finite() && d0.is_finite() && d1.is_finite()) {
        return mid;
    }
    let e = d0 + d1 - 3.0 * (f0 - f1) / (a0 - a1);
    let disc = e * e - d0 * d1;
    if !(disc >= 0.0) {
        return mid;
    }
    let r = (a1 - a0).signum() * disc.sqrt();
    let a = a1 - (a1 - a0) * (d1 + r - e) / (d1 - d0 + 2.0 * r);
    if a.is_finite() && a > lo + 0.1 * width && a < hi - 0.1 * width {
        a
    } else {
        mid
    }
}

#[allow(clippy::too_many_arguments)]
fn line_search<E>(
    x: &[f64],
    f0: f64,
    _g0: &[f64],
    d: &[f64],
    dg0: f64,
    step0: f64,
    budget: usize,
    xn: &mut [f64],
    gn: &mut [f64],
    f: &mut impl FnMut(&[f64], &mut [f64]) -> Result<f64, E>,
) -> Result<LineResult, E> {
    let mut evals = 0usize;
    let mut eval = |a: f64, xn: &mut [f64], gn: &mut [f64], evals: &mut usize| -> Result<(f64, f64), E> {
        for i in 0..x.len() {
            xn[i] = x[i] + a * d[i];
        }
        *evals += 1;
        let v = f(xn, gn)?;
        let v = if v.is_finite() { v } else { f64::INFINITY };
        Ok((v, dot(gn, d)))
    };
    let (mut a_prev, mut f_prev, mut d_prev) = (0.0, f0, dg0);
    let mut a = step0;
    // Bracketing phase.
    let (mut lo, mut hi);
    let mut i = 0;
    loop {
        if evals >= budget || i >= MAX_LINE {
            return Ok(LineResult { value: None, evals });
        }
        let (fa, da) = eval(a, xn, gn, &mut evals)?;
        if fa > f0 + C1 * a * dg0 || (i > 0 && fa >= f_prev) {
            lo = (a_prev, f_prev, d_prev);
            hi = (a, fa, da);
            break;
        }
        if da.abs() <= -C2 * dg0 {
            return Ok(LineResult { value: Some(fa), evals });
        }
        if da >= 0.0 {
            lo = (a, fa, da);
            hi = (a_prev, f_prev, d_prev);
            break;
        }
        a_prev = a;
        f_prev = fa;
        d_prev = da;
        a = (2.0 * a).min(1e20);
        i += 1;
    }
    // Zoom phase: lo satisfies sufficient decrease, the minimizer is between lo and hi.
    for _ in 0..MAX_LINE {
        if evals >= budget {
            break;
        }
        let a = interpolate(lo.0, lo.1, lo.2, hi.0, hi.1, hi.2);
        if (a - lo.0).abs() <= 1e-16 * (1.0 + lo.0.abs()) {
            break;
        }
        let (fa, da) = eval(a, xn, gn, &mut evals)?;
        if fa > f0 + C1 * a * dg0 || fa >= lo.1 {
            hi = (a, fa, da);
        } else {
            if da.abs() <= -C2 * dg0 {
                return Ok(LineResult { value: Some(fa), evals });
            }
            if da * (hi.0 - lo.0) >= 0.0 {
                hi = lo;
            }
            lo = (a, fa, da);
        }
    }
    // Accept the best sufficient-decrease point found, if it moved.
    if lo.0 > 0.0 && lo.1 < f0 {
        let (fa, _) = eval(lo.0, xn, gn, &mut evals)?;
        if fa < f0 {
            return Ok(LineResult { value: Some(fa), evals });
        }
    }
    Ok(LineResult { value: None, evals })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rosenbrock() {
        for n in [2usize, 5, 10] {
            let mut x = vec![-1.2; n];
            let opts = LbfgsOptions { max_iter: 500, gtol: 1e-8, ftol: 0.0, ..Default::default() };
            let r = minimize::<()>(&mut x, &opts, &mut LbfgsWork::new(), |x, g| {
                let mut f = 0.0;
                g.fill(0.0);
                for i in 0..x.len() - 1 {
                    let (a, b) = (1.0 - x[i], x[i + 1] - x[i] * x[i]);
                    f += a * a + 100.0 * b * b;
                    g[i] += -2.0 * a - 400.0 * x[i] * b;
                    g[i + 1] += 200.0 * b;
                }
                Ok(f)
            })
            .unwrap();
            assert!(r.converged(), "{r:?}");
            assert!(x.iter().all(|v| (v - 1.0).abs() < 1e-6), "{x:?} {r:?}");
        }
    }

    #[test]
    fn quadratic_converges_fast_and_errors_propagate() {
        let diag: Vec<f64> = (1..=20).map(|i| i as f64).collect();
        let mut x = vec![1.0; 20];
        let r = minimize::<()>(&mut x, &LbfgsOptions::default(), &mut LbfgsWork::new(), |x, g| {
            let mut f = 0.0;
            for i in 0..x.len() {
                g[i] = diag[i] * (x[i] - 3.0);
                f += 0.5 * diag[i] * (x[i] - 3.0).powi(2);
            }
            Ok(f)
        })
        .unwrap();
        assert!(r.converged() && r.iterations < 40, "{r:?}");
        assert!(x.iter().all(|v| (v - 3.0).abs() < 1e-5));
        let mut calls = 0;
        let e = minimize(&mut x, &LbfgsOptions::default(), &mut LbfgsWork::new(), |_, g| {
            calls += 1;
            g.fill(1.0);
            if calls > 3 {
                Err("boom")
            } else {
                Ok(calls as f64)
            }
        });
        assert!(matches!(e, Err(LbfgsError::Objective("boom"))));
    }

    #[test]
    fn non_finite_trial_points_shrink_the_step() {
        // f = x − ln(x) (minimum at 1) is +∞ for x ≤ 0: the line search backs off.
        let mut x = vec![0.001];
        let r = minimize::<()>(&mut x, &LbfgsOptions { gtol: 1e-10, ..Default::default() }, &mut LbfgsWork::new(), |x, g| {
            if x[0] <= 0.0 {
                g[0] = 0.0;
                return Ok(f64::INFINITY);
            }
            g[0] = 1.0 - 1.0 / x[0];
            Ok(x[0] - x[0].ln())
        })
        .unwrap();
        assert!((x[0] - 1.0).abs() < 1e-6, "{x:?} {r:?}");
    }
}
