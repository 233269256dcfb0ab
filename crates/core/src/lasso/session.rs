//! A hyperparameter-selection problem: model, criterion, data split(s) and
//! everything warm-started between evaluations (β, Jacobians, adjoints).
//! Searches evaluate a session at many h = log λ; one-off hypergradients
//! build a session and evaluate it once.
//!
//! A K-fold session can also be built for one [`Part`] of the problem (a
//! run of folds, with or without the all-rows refit), so that a worker pool
//! spreads the folds over threads. [`Session::evaluate_splits`] reports each
//! fold on its own; summing the folds' values and gradients in fold order
//! and dividing by K repeats, operation for operation, what
//! [`Session::evaluate`] does over all folds, so the pool's result is
//! bit-identical to the single call (tested in tests.rs).

use super::criteria::{fold_bounds, held_out, sure, sure_default_epsilon, HeldOut, Normal};
use super::data::{check_labels, check_xy, lambda_max, Design};
use super::hypergrad::{Inner, JacOptions};
use super::solvers::{FitInfo, SolveOptions, Work};
use super::{alloc, Algorithm, KernelError, Model, Penalty};
use super::{ARG_CRITERION, ARG_EPSILON, ARG_FOLDS, ARG_MAX_ITER, ARG_SIGMA, ARG_TOL, ARG_X, ARG_XVAL, ARG_Y, ARG_YVAL};
use crate::Status;

/// The outer criterion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Criterion {
    HeldOut(HeldOut),
    /// SURE by finite-difference Monte Carlo (quadratic models only).
    Sure,
}

/// Which part of a K-fold problem a session holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The whole problem (every criterion).
    All,
    /// Folds `from..to` of K only, and the all-rows data for
    /// [`Session::refit`] when `refit` (one piece of a pool keeps it).
    Folds { from: usize, to: usize, refit: bool },
}

impl Part {
    fn holds(self, fold: usize) -> bool {
        match self {
            Self::All => true,
            Self::Folds { from, to, .. } => from <= fold && fold < to,
        }
    }
    fn refits(self) -> bool {
        match self {
            Self::All => true,
            Self::Folds { refit, .. } => refit,
        }
    }
}

/// Everything needed to build a [`Session`]. Matrices are row-major.
#[derive(Clone, Copy, Debug)]
pub struct Spec<'a> {
    pub model: Model,
    pub criterion: Criterion,
    /// 0: one split (X, y) / (X_val, y_val) (or SURE on (X, y)); K ≥ 2:
    /// K-fold cross-validation of the held-out criterion on (X, y).
    pub folds: usize,
    /// [`Part::All`] except for a pool's K-fold pieces (needs `folds` ≥ 2).
    pub part: Part,
    pub algorithm: Algorithm,
    pub x: &'a [f64],
    pub y: &'a [f64],
    pub n: usize,
    pub p: usize,
    pub xv: &'a [f64],
    pub yv: &'a [f64],
    pub nv: usize,
    /// SURE: the noise level σ, the finite-difference step ε (0 = 2σ/n^0.3)
    /// and the seed of δ.
    pub sigma: f64,
    pub epsilon: f64,
    pub seed: u64,
    pub opts: SolveOptions,
    pub jopts: JacOptions,
}

struct Split {
    train: Design,
    y: Vec<f64>,
    val: Design,
    yv: Vec<f64>,
    inner: Inner,
    /// SURE: y + εδ, δ and the second inner problem.
    y2: Vec<f64>,
    delta: Vec<f64>,
    inner2: Option<Inner>,
}

/// What one evaluation reports (summed / combined over inner problems).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct EvalInfo {
    pub value: f64,
    /// Coordinate-descent epochs over all inner solves of this evaluation.
    pub iterations: usize,
    /// Every inner solve reached its duality-gap tolerance.
    pub converged: bool,
    /// Largest duality gap among the inner solves.
    pub gap: f64,
    /// Jacobian sweeps / CG iterations.
    pub jac_iterations: usize,
    pub jac_converged: bool,
    /// Inner problems solved.
    pub solves: usize,
}

impl EvalInfo {
    /// Adds one inner solve's numbers.
    fn note(&mut self, fi: &FitInfo, inner: &Inner) {
        self.iterations += fi.iterations;
        self.converged &= fi.converged;
        self.gap = self.gap.max(fi.gap);
        self.solves += 1;
        self.jac_iterations += inner.jac_iterations;
        self.jac_converged &= inner.jac_converged;
    }
    /// Adds a split's numbers (its value summed, to be divided by K).
    pub fn add(&mut self, o: &EvalInfo) {
        self.value += o.value;
        self.iterations += o.iterations;
        self.converged &= o.converged;
        self.gap = self.gap.max(o.gap);
        self.solves += o.solves;
        self.jac_iterations += o.jac_iterations;
        self.jac_converged &= o.jac_converged;
    }
}

pub struct Session {
    pub model: Model,
    pub criterion: Criterion,
    pub algorithm: Algorithm,
    pub p: usize,
    /// Number of hyperparameters.
    pub m: usize,
    /// λ_max of the training data (the full data for K-fold); NaN for a
    /// [`Part::Folds`] piece without the refit (it never builds the
    /// all-rows design).
    pub lambda_max: f64,
    pub part: Part,
    pub opts: SolveOptions,
    pub jopts: JacOptions,
    splits: Vec<Split>,
    full: Option<(Design, Vec<f64>, Inner)>,
    sigma: f64,
    eps: f64,
    ws: Work,
    ga: Vec<f64>,
    ga2: Vec<f64>,
    gk: Vec<f64>,
    gk2: Vec<f64>,
    tmp: Vec<f64>,
    /// Inner problems solved since creation.
    pub inner_solves: u64,
}

fn copy(v: &[f64]) -> Result<Vec<f64>, KernelError> {
    let mut out = alloc(v.len())?;
    out.copy_from_slice(v);
    Ok(out)
}

fn empty() -> Design {
    Design::default()
}

impl Session {
    pub fn new(s: &Spec) -> Result<Self, KernelError> {
        let (n, p) = (s.n, s.p);
        check_xy(s.x, s.y, n, p, ARG_X, ARG_Y)?;
        if s.model.is_logistic() {
            check_labels(s.y, ARG_Y)?;
        }
        if !(s.opts.tol.is_finite() && s.opts.tol >= 0.0) || !(s.jopts.tol.is_finite() && s.jopts.tol >= 0.0) {
            return Err(KernelError::new(Status::Domain, ARG_TOL));
        }
        if s.opts.max_iter == 0 || s.jopts.max_iter == 0 {
            return Err(KernelError::new(Status::Domain, ARG_MAX_ITER));
        }
        let m = s.model.n_hyper(p);
        if let Part::Folds { from, to, .. } = s.part {
            if s.folds == 0 || matches!(s.criterion, Criterion::Sure) {
                return Err(KernelError::new(Status::BadOption, ARG_FOLDS));
            }
            if from >= to || to > s.folds {
                return Err(KernelError::new(Status::Domain, ARG_FOLDS));
            }
        }
        let mut splits = Vec::new();
        let mut full = None;
        let mut sigma = 0.0;
        let mut eps = 0.0;
        let lmax;
        match s.criterion {
            Criterion::Sure => {
                if s.model.is_logistic() || s.folds != 0 {
                    return Err(KernelError::new(Status::BadOption, ARG_CRITERION));
                }
                if !(s.sigma.is_finite() && s.sigma > 0.0) {
                    return Err(KernelError::new(Status::Domain, ARG_SIGMA));
                }
                sigma = s.sigma;
                eps = if s.epsilon == 0.0 { sure_default_epsilon(sigma, n) } else { s.epsilon };
                if !(eps.is_finite() && eps > 0.0) {
                    return Err(KernelError::new(Status::Domain, ARG_EPSILON));
                }
                let train = Design::from_rows(s.x, n, p)?;
                lmax = lambda_max(s.model, &train, s.y);
                let mut rng = Normal::new(s.seed);
                let mut delta = alloc(n)?;
                let mut y2 = alloc(n)?;
                for i in 0..n {
                    delta[i] = rng.sample();
                    y2[i] = s.y[i] + eps * delta[i];
                }
                splits.push(Split {
                    train,
                    y: copy(s.y)?,
                    val: empty(),
                    yv: Vec::new(),
                    inner: Inner::new(n, p, m)?,
                    y2,
                    delta,
                    inner2: Some(Inner::new(n, p, m)?),
                });
            }
            Criterion::HeldOut(kind) => {
                if s.folds == 0 {
                    check_xy(s.xv, s.yv, s.nv, p, ARG_XVAL, ARG_YVAL)?;
                    if kind == HeldOut::Logistic {
                        check_labels(s.yv, ARG_YVAL)?;
                    }
                    let train = Design::from_rows(s.x, n, p)?;
                    lmax = lambda_max(s.model, &train, s.y);
                    splits.push(Split {
                        train,
                        y: copy(s.y)?,
                        val: Design::from_rows(s.xv, s.nv, p)?,
                        yv: copy(s.yv)?,
                        inner: Inner::new(n, p, m)?,
                        y2: Vec::new(),
                        delta: Vec::new(),
                        inner2: None,
                    });
                } else {
                    if s.folds < 2 || s.folds > n {
                        return Err(KernelError::new(Status::Domain, ARG_FOLDS));
                    }
                    if kind == HeldOut::Logistic {
                        check_labels(s.y, ARG_Y)?;
                    }
                    for (f, (a, b)) in fold_bounds(n, s.folds).into_iter().enumerate() {
                        if !s.part.holds(f) {
                            continue;
                        }
                        let train_rows: Vec<u32> = (0..n as u32).filter(|&i| (i as usize) < a || (i as usize) >= b).collect();
                        let val_rows: Vec<u32> = (a as u32..b as u32).collect();
                        let y: Vec<f64> = train_rows.iter().map(|&i| s.y[i as usize]).collect();
                        let yv: Vec<f64> = val_rows.iter().map(|&i| s.y[i as usize]).collect();
                        splits.push(Split {
                            train: Design::from_row_subset(s.x, p, &train_rows)?,
                            y,
                            val: Design::from_row_subset(s.x, p, &val_rows)?,
                            yv,
                            inner: Inner::new(train_rows.len(), p, m)?,
                            y2: Vec::new(),
                            delta: Vec::new(),
                            inner2: None,
                        });
                    }
                    // The all-rows copy (for λ_max and the refit) only where
                    // the refit is: other pieces of a pool skip building it.
                    if s.part.refits() {
                        let d = Design::from_rows(s.x, n, p)?;
                        lmax = lambda_max(s.model, &d, s.y);
                        full = Some((d, copy(s.y)?, Inner::new(n, p, m)?));
                    } else {
                        lmax = f64::NAN;
                    }
                }
            }
        }
        let nmax = splits.iter().map(|s| s.train.n.max(s.val.n)).max().unwrap_or(0);
        let mut ws = Work::default();
        ws.ensure(nmax, p)?;
        Ok(Self {
            model: s.model,
            criterion: s.criterion,
            algorithm: s.algorithm,
            p,
            m,
            lambda_max: lmax,
            part: s.part,
            opts: s.opts,
            jopts: s.jopts,
            splits,
            full,
            sigma,
            eps,
            ws,
            ga: alloc(p)?,
            ga2: alloc(p)?,
            gk: alloc(m)?,
            gk2: alloc(m)?,
            tmp: alloc(nmax)?,
            inner_solves: 0,
        })
    }

    /// The criterion at h = log λ and, when `grad` (length m) is given, its
    /// hypergradient with the session's algorithm: the mean over the splits
    /// (K-fold; the folds this session holds for a [`Part::Folds`]).
    pub fn evaluate(&mut self, h: &[f64], mut grad: Option<&mut [f64]>) -> Result<EvalInfo, KernelError> {
        let pen = self.penalty(h, grad.as_deref().map(<[f64]>::len))?;
        let mut info = EvalInfo { converged: true, jac_converged: true, ..Default::default() };
        if let Some(g) = grad.as_deref_mut() {
            g.fill(0.0);
        }
        for i in 0..self.splits.len() {
            let si = self.evaluate_split(i, &pen, grad.is_some())?;
            info.add(&si);
            if let Some(g) = grad.as_deref_mut() {
                for (gi, &v) in g.iter_mut().zip(self.gk.iter()) {
                    *gi += v;
                }
            }
        }
        let k = self.splits.len() as f64;
        info.value /= k;
        if let Some(g) = grad {
            for gi in g.iter_mut() {
                *gi /= k;
            }
        }
        self.inner_solves += info.solves as u64;
        Ok(info)
    }

    /// Number of splits (folds for K-fold, else 1).
    pub fn splits(&self) -> usize {
        self.splits.len()
    }

    /// Evaluates every split on its own at h, calling `each(split, info,
    /// gradient, β)` in split order with that split's value and (undivided)
    /// hypergradient (when `grad`) and β. `split` counts the splits this
    /// session holds (0 is fold `from` of a [`Part::Folds`]). The pieces [`Session::evaluate`]
    /// sums, for a host that sums them across sessions itself.
    pub fn evaluate_splits(&mut self, h: &[f64], grad: bool, mut each: impl FnMut(usize, &EvalInfo, Option<&[f64]>, &[f64])) -> Result<(), KernelError> {
        let pen = self.penalty(h, None)?;
        for i in 0..self.splits.len() {
            let si = self.evaluate_split(i, &pen, grad)?;
            self.inner_solves += si.solves as u64;
            each(i, &si, grad.then_some(&self.gk[..]), &self.splits[i].inner.beta);
        }
        Ok(())
    }

    fn penalty(&self, h: &[f64], grad_len: Option<usize>) -> Result<Penalty, KernelError> {
        let pen = Penalty::from_log(self.model, h, self.p)?;
        if grad_len.is_some_and(|len| len != self.m) {
            return Err(KernelError::new(Status::Shape, super::ARG_LAMBDA));
        }
        Ok(pen)
    }

    /// Split `i` at `pen`: its value and numbers, and with `grad` its
    /// hypergradient into `self.gk`.
    fn evaluate_split(&mut self, i: usize, pen: &Penalty, grad: bool) -> Result<EvalInfo, KernelError> {
        let algo = grad.then_some(self.algorithm);
        let Session { splits, ws, ga, ga2, gk, gk2, tmp, opts, jopts, criterion, sigma, eps, .. } = self;
        let sp = &mut splits[i];
        let mut info = EvalInfo { converged: true, jac_converged: true, ..Default::default() };
        // (numbers noted after the vjp: the implicit algorithm's CG runs there)
        let fi = sp.inner.solve(&sp.train, &sp.y, pen, algo, opts, jopts, ws)?;
        info.value = match *criterion {
            Criterion::HeldOut(kind) => {
                let v = held_out(kind, &sp.val, &sp.yv, &sp.inner.beta, algo.map(|_| &mut ga[..]), &mut tmp[..sp.val.n]);
                if let Some(a) = algo {
                    sp.inner.vjp(&sp.train, &sp.y, pen, a, ga, gk, jopts, ws)?;
                }
                info.note(&fi, &sp.inner);
                v
            }
            Criterion::Sure => {
                let inner2 = sp.inner2.as_mut().expect("SURE split has a second problem");
                let fi2 = inner2.solve(&sp.train, &sp.y2, pen, algo, opts, jopts, ws)?;
                let grads = if algo.is_some() { Some((&mut ga[..], &mut ga2[..])) } else { None };
                let v = sure(&sp.train, &sp.y, &sp.delta, *sigma, *eps, &sp.inner.beta, &inner2.beta, grads, &mut tmp[..sp.train.n]);
                if let Some(a) = algo {
                    sp.inner.vjp(&sp.train, &sp.y, pen, a, ga, gk, jopts, ws)?;
                    inner2.vjp(&sp.train, &sp.y2, pen, a, ga2, gk2, jopts, ws)?;
                    for (g1, &g2) in gk.iter_mut().zip(gk2.iter()) {
                        *g1 += g2;
                    }
                }
                info.note(&fi, &sp.inner);
                info.note(&fi2, inner2);
                v
            }
        };
        Ok(info)
    }

    /// Coefficients of the last evaluation: the training fit (held-out,
    /// SURE) or the mean of the fold fits (K-fold; of the folds held, for a
    /// [`Part::Folds`]).
    pub fn beta(&self, out: &mut [f64]) {
        out.fill(0.0);
        let k = self.splits.len() as f64;
        for sp in &self.splits {
            for (o, &b) in out.iter_mut().zip(&sp.inner.beta) {
                *o += b / k;
            }
        }
    }

    /// Refits at h: on the training data (held-out, SURE; warm-started) or
    /// on all rows (K-fold), writing β into `out`.
    pub fn refit(&mut self, h: &[f64], out: &mut [f64]) -> Result<FitInfo, KernelError> {
        if !self.part.refits() {
            return Err(KernelError::new(Status::BadOption, ARG_FOLDS));
        }
        let pen = Penalty::from_log(self.model, h, self.p)?;
        let (d, y, inner) = match self.full.as_mut() {
            Some((d, y, inner)) => (&*d, &y[..], inner),
            None => {
                let sp = &mut self.splits[0];
                (&sp.train, &sp.y[..], &mut sp.inner)
            }
        };
        let fi = inner.solve(d, y, &pen, None, &self.opts, &self.jopts, &mut self.ws)?;
        out.copy_from_slice(&inner.beta);
        self.inner_solves += 1;
        Ok(fi)
    }
}
