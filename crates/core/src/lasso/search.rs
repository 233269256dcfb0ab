//! Hyperparameter search over h = log λ on a [`Session`].
//!
//! [`GradSearch`] is a state machine that performs exactly one evaluation
//! (one hypergradient) per [`GradSearch::step`], so a host can time each
//! step, report progress or stop early; the whole loop stays the same code
//! natively and in wasm. Every iterate is projected on the box
//! [lo, hi] = [log λ_max − 12, log λ_max] by default, so no step size makes
//! the search diverge (the failure of plain gradient descent in sparse-ho
//! #122): at worst it bounces inside the box, and the best point is kept.
//!
//! Stopping: the next move is ≤ tol in log λ, or the best value improved by
//! less than [`STALL_TOL`] (relative) over the last [`STALL_WINDOW`]
//! evaluations, or `max_evals` evaluations.
//!
//! Optimizers:
//! * `LineSearch` (default): projected gradient with Barzilai–Borwein step
//!   sizes (the secant method in one dimension) and an Armijo test; a
//!   rejected trial shrinks the step by interpolation (secant on the
//!   directional derivative when it changed sign, else a quadratic fit).
//! * `Gd`: projected gradient descent with a constant step (default 1/|g₀|∞,
//!   i.e. a first move of 1 in log λ).
//! * `Adam`: Adam (β₁ = 0.9, β₂ = 0.999) with projection, step 0.2 by default.
//!
//! [`grid`] evaluates criterion values along a list of points (warm-started
//! in the given order); [`random_points`] draws log-uniform points in the box.

use super::criteria::Normal;
use super::session::{EvalInfo, Session};
use super::{KernelError, ARG_H0, ARG_LAMBDA, ARG_MAX_ITER, ARG_STEP, ARG_TOL};
use crate::Status;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Optimizer {
    LineSearch,
    Gd,
    Adam,
}

impl Optimizer {
    pub fn from_code(code: i32) -> Option<Self> {
        match code {
            0 => Some(Self::LineSearch),
            1 => Some(Self::Gd),
            2 => Some(Self::Adam),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct SearchOptions {
    pub optimizer: Optimizer,
    /// Maximum number of evaluations (hypergradients).
    pub max_evals: usize,
    /// Stop when the next move in log λ is ≤ tol (max norm).
    pub tol: f64,
    /// Step size (0 = the optimizer's default).
    pub step: f64,
    /// The box on every coordinate of h.
    pub lo: f64,
    pub hi: f64,
}

/// What one step did.
#[derive(Clone, Copy, Debug)]
pub struct StepOut {
    pub info: EvalInfo,
    /// The point became the current iterate (line search may reject it).
    pub accepted: bool,
    /// No further step will be taken.
    pub done: bool,
}

pub struct GradSearch {
    pub opts: SearchOptions,
    pub m: usize,
    prop: Vec<f64>,
    h: Vec<f64>,
    f: f64,
    g: Vec<f64>,
    gx: Vec<f64>,
    have: bool,
    t: f64,
    m1: Vec<f64>,
    m2: Vec<f64>,
    k: i32,
    pub evals: usize,
    pub done: bool,
    pub best_h: Vec<f64>,
    pub best_f: f64,
    /// best_f after each evaluation (for the stall test).
    history: Vec<f64>,
}

/// Stall test: stop when the best value improved by less than this
/// (relative) over the last [`STALL_WINDOW`] evaluations. Hyperparameters
/// sit at kinks of the criterion (support changes) more often than at smooth
/// minima, where pinning the kink down to `tol` would cost ~log₂(1/tol)
/// evaluations for no visible gain.
pub const STALL_TOL: f64 = 1e-5;
pub const STALL_WINDOW: usize = 4;

fn project(v: &mut [f64], lo: f64, hi: f64) {
    for x in v {
        *x = x.clamp(lo, hi);
    }
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0f64, |a, &x| a.max(x.abs()))
}

impl GradSearch {
    pub fn new(h0: &[f64], opts: SearchOptions) -> Result<Self, KernelError> {
        if !crate::math::all_finite(h0) {
            return Err(KernelError::new(Status::NonFinite, ARG_H0));
        }
        if !(opts.lo.is_finite() && opts.hi.is_finite() && opts.lo < opts.hi) {
            return Err(KernelError::new(Status::Domain, ARG_LAMBDA));
        }
        if !(opts.tol.is_finite() && opts.tol >= 0.0) {
            return Err(KernelError::new(Status::Domain, ARG_TOL));
        }
        if !(opts.step.is_finite() && opts.step >= 0.0) {
            return Err(KernelError::new(Status::Domain, ARG_STEP));
        }
        if opts.max_evals == 0 {
            return Err(KernelError::new(Status::Domain, ARG_MAX_ITER));
        }
        let m = h0.len();
        let mut prop = h0.to_vec();
        project(&mut prop, opts.lo, opts.hi);
        Ok(Self {
            opts,
            m,
            h: prop.clone(),
            prop,
            f: f64::INFINITY,
            g: vec![0.0; m],
            gx: vec![0.0; m],
            have: false,
            t: 0.0,
            m1: vec![0.0; m],
            m2: vec![0.0; m],
            k: 0,
            evals: 0,
            done: false,
            best_h: h0.to_vec(),
            best_f: f64::INFINITY,
            history: Vec::new(),
        })
    }

    /// The point the next step evaluates.
    pub fn proposal(&self) -> &[f64] {
        &self.prop
    }

    /// Evaluates the criterion and its hypergradient at the proposal (copied
    /// into `point`, the gradient into `grad`) and moves on.
    pub fn step(&mut self, sess: &mut Session, point: &mut [f64], grad: &mut [f64]) -> Result<StepOut, KernelError> {
        if point.len() != self.m || grad.len() != self.m || sess.m != self.m {
            return Err(KernelError::new(Status::Shape, ARG_H0));
        }
        point.copy_from_slice(&self.prop);
        if self.done {
            grad.fill(0.0);
            return Ok(StepOut { info: EvalInfo { value: self.best_f, ..Default::default() }, accepted: false, done: true });
        }
        let x = self.prop.clone();
        let info = sess.evaluate(&x, Some(grad))?;
        self.tell(info, grad)
    }

    /// Moves on from the evaluation of the proposal done elsewhere: `info`
    /// (its value) and the hypergradient `grad` there. The caller must have
    /// evaluated exactly [`GradSearch::proposal`] (the search cannot check). This is how a worker
    /// pool drives the search with folds evaluated on other threads; [`step`]
    /// is this with the evaluation done on `sess`.
    ///
    /// [`step`]: GradSearch::step
    pub fn tell(&mut self, info: EvalInfo, grad: &[f64]) -> Result<StepOut, KernelError> {
        if grad.len() != self.m {
            return Err(KernelError::new(Status::Shape, ARG_H0));
        }
        if self.done {
            return Ok(StepOut { info: EvalInfo { value: self.best_f, ..Default::default() }, accepted: false, done: true });
        }
        let x = self.prop.clone();
        self.gx.copy_from_slice(grad);
        let fx = info.value;
        self.evals += 1;
        if fx < self.best_f {
            self.best_f = fx;
            self.best_h.copy_from_slice(&x);
        }
        let (lo, hi) = (self.opts.lo, self.opts.hi);
        let mut accepted = true;
        let gnorm = max_abs(&self.gx).max(1e-300);
        match self.opts.optimizer {
            Optimizer::LineSearch => {
                if !self.have {
                    self.t = if self.opts.step > 0.0 { self.opts.step } else { 1.0 / gnorm };
                    self.accept(&x, fx);
                } else {
                    let mut dec = 0.0;
                    let mut dd = 0.0;
                    let mut ss = 0.0;
                    let mut sy = 0.0;
                    for i in 0..self.m {
                        let d = x[i] - self.h[i];
                        dec += self.g[i] * d;
                        dd += self.gx[i] * d;
                        ss += d * d;
                        sy += d * (self.gx[i] - self.g[i]);
                    }
                    if fx.is_finite() && fx <= self.f + 1e-4 * dec {
                        let bb = if sy > 0.0 { ss / sy } else { 4.0 * self.t };
                        self.t = bb.min(1e12);
                        self.accept(&x, fx);
                    } else {
                        accepted = false;
                        let alpha = if dd > 0.0 && dec < 0.0 {
                            dec / (dec - dd)
                        } else {
                            let den = 2.0 * (fx - self.f - dec);
                            if den > 0.0 {
                                -dec / den
                            } else {
                                0.5
                            }
                        };
                        let alpha = if alpha.is_finite() { alpha.clamp(0.1, 0.9) } else { 0.5 };
                        self.t *= alpha;
                    }
                }
                for i in 0..self.m {
                    self.prop[i] = self.h[i] - self.t * self.g[i];
                }
            }
            Optimizer::Gd => {
                if !self.have {
                    self.t = if self.opts.step > 0.0 { self.opts.step } else { 1.0 / gnorm };
                }
                self.accept(&x, fx);
                for i in 0..self.m {
                    self.prop[i] = self.h[i] - self.t * self.g[i];
                }
            }
            Optimizer::Adam => {
                let lr = if self.opts.step > 0.0 { self.opts.step } else { 0.2 };
                self.accept(&x, fx);
                self.k += 1;
                let (b1, b2) = (0.9f64, 0.999f64);
                let c1 = 1.0 - b1.powi(self.k);
                let c2 = 1.0 - b2.powi(self.k);
                for i in 0..self.m {
                    let g = self.g[i];
                    self.m1[i] = b1 * self.m1[i] + (1.0 - b1) * g;
                    self.m2[i] = b2 * self.m2[i] + (1.0 - b2) * g * g;
                    let mh = self.m1[i] / c1;
                    let vh = self.m2[i] / c2;
                    self.prop[i] = self.h[i] - lr * mh / (vh.sqrt() + 1e-8);
                }
            }
        }
        project(&mut self.prop, lo, hi);
        for v in self.prop.iter_mut() {
            if !v.is_finite() {
                *v = hi;
            }
        }
        let mut moved = 0.0f64;
        for i in 0..self.m {
            moved = moved.max((self.prop[i] - self.h[i]).abs());
        }
        self.history.push(self.best_f);
        let k = self.history.len();
        let stalled = k > STALL_WINDOW && self.history[k - 1 - STALL_WINDOW] - self.best_f <= STALL_TOL * self.best_f.abs();
        if moved <= self.opts.tol || self.evals >= self.opts.max_evals || stalled {
            self.done = true;
        }
        Ok(StepOut { info, accepted, done: self.done })
    }

    fn accept(&mut self, x: &[f64], fx: f64) {
        self.h.copy_from_slice(x);
        self.f = fx;
        self.g.copy_from_slice(&self.gx);
        self.have = true;
    }
}

/// Criterion values at `count` points (row-major, m per point), evaluated in
/// order so each solve is warm-started from the previous one.
pub fn grid(sess: &mut Session, points: &[f64], values: &mut [f64]) -> Result<EvalInfo, KernelError> {
    let m = sess.m;
    if m == 0 || points.len() % m != 0 || values.len() != points.len() / m {
        return Err(KernelError::new(Status::Shape, super::ARG_GRID));
    }
    let mut total = EvalInfo { converged: true, jac_converged: true, ..Default::default() };
    for (i, h) in points.chunks_exact(m).enumerate() {
        let info = sess.evaluate(h, None)?;
        values[i] = info.value;
        total.iterations += info.iterations;
        total.converged &= info.converged;
        total.gap = total.gap.max(info.gap);
        total.solves += info.solves;
    }
    Ok(total)
}

/// `count` points uniform in [lo, hi]^m (uniform in log λ), sorted by their
/// first coordinate in decreasing order (a warm-started path from large λ).
pub fn random_points(seed: u64, count: usize, m: usize, lo: f64, hi: f64, out: &mut [f64]) -> Result<(), KernelError> {
    if out.len() != count * m {
        return Err(KernelError::new(Status::Shape, super::ARG_GRID));
    }
    if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
        return Err(KernelError::new(Status::Domain, ARG_LAMBDA));
    }
    let mut rng = Normal::new(seed);
    let mut rows: Vec<Vec<f64>> = (0..count).map(|_| (0..m).map(|_| lo + (hi - lo) * rng.uniform()).collect()).collect();
    rows.sort_by(|a, b| b[0].total_cmp(&a[0]));
    for (i, r) in rows.iter().enumerate() {
        out[i * m..(i + 1) * m].copy_from_slice(r);
    }
    Ok(())
}
