//! Inner solvers with duality-gap stopping.
//!
//! * Quadratic models (Lasso, elastic net, weighted Lasso): cyclic coordinate
//!   descent on the residual r = y − Xβ, β_j ← ST(L_jβ_j + X_jᵀr/n, λ_j)/(L_j + λ₂)
//!   with L_j = ‖X_j‖²/n. The same loop optionally carries the Jacobian
//!   dβ/dh (forward mode) or records β after each epoch (backward mode).
//! * Sparse logistic regression: proximal coordinate descent with the fixed
//!   steps 1/L_j, L_j = ‖X_j‖²/(4n) (the iteration forward/backward modes
//!   differentiate, as sparse-ho), and a proximal Newton solver (coordinate
//!   descent on the local quadratic model + backtracking) for plain fits.
//!
//! Stopping: duality gap ≤ tol·P(0). Gaps are evaluated from a freshly
//! recomputed residual in a cancellation-free form (a sum of per-coordinate
//! complementarity terms), so they can be driven down to ~1e-16·P(0).
//!
//! Polishing: once the support S and signs s are identified, the exact
//! solution on S solves a small linear system (quadratic models) or a few
//! Newton steps (logistic). It is kept only if it keeps the signs and does
//! not increase the duality gap, so it can never make a fit worse; it is
//! skipped when the |S|×|S| system would cost more than a few epochs.

use super::data::{axpy, dot, dot3, Design};
use super::linalg::{cholesky, cholesky_solve};
use super::{zeroed, KernelError, Penalty};
use crate::math::{exp, ln, ln_1p};

/// Options of an inner solve.
#[derive(Clone, Copy, Debug)]
pub struct SolveOptions {
    /// Relative duality-gap tolerance: stop when gap ≤ tol·P(0).
    pub tol: f64,
    /// Maximum number of coordinate-descent epochs.
    pub max_iter: usize,
    /// Polish the solution on its support (see the module docs).
    pub polish: bool,
}

impl Default for SolveOptions {
    fn default() -> Self {
        Self { tol: 1e-8, max_iter: 10_000, polish: true }
    }
}

/// What a solve reports.
#[derive(Clone, Copy, Debug, Default)]
pub struct FitInfo {
    /// Duality gap at the returned β (absolute, in objective units).
    pub gap: f64,
    /// Primal objective at the returned β.
    pub objective: f64,
    /// Coordinate-descent epochs run.
    pub iterations: usize,
    /// gap ≤ tol·P(0) was reached (false: max_iter was hit).
    pub converged: bool,
    /// The returned β is the polished one.
    pub polished: bool,
}

/// Reusable scratch of the solvers (sized for one design).
#[derive(Default)]
pub struct Work {
    /// Residual y − Xβ (quadratic) or margin z = Xβ (logistic), length n.
    pub r: Vec<f64>,
    /// Xᵀr (quadratic, minus nλ₂β) or the loss gradient (logistic), length p.
    pub xtr: Vec<f64>,
    /// y_i·σ(−y_i z_i) (logistic), length n.
    pub yp: Vec<f64>,
    /// σ(−y_i z_i) (logistic), length n.
    pub pr: Vec<f64>,
    /// Curvature σ(z)σ(−z) of the logistic loss (1 for quadratic), length n.
    pub w: Vec<f64>,
    pub q: Vec<f64>,
    pub hd: Vec<f64>,
    pub b: Vec<f64>,
    pub cand: Vec<f64>,
    pub gram: Vec<f64>,
    pub rhs: Vec<f64>,
    pub support: Vec<usize>,
}

impl Work {
    pub fn ensure(&mut self, n: usize, p: usize) -> Result<(), KernelError> {
        for v in [&mut self.r, &mut self.yp, &mut self.pr, &mut self.w, &mut self.q] {
            if v.len() != n {
                zeroed(v, n)?;
            }
        }
        for v in [&mut self.xtr, &mut self.hd, &mut self.b, &mut self.cand] {
            if v.len() != p {
                zeroed(v, p)?;
            }
        }
        Ok(())
    }
}

/// The Jacobian carried by forward mode: `jac` is p×m (column k at k·p),
/// `dz` = X·jac is n×m (column k at k·n).
pub struct JacCd<'a> {
    pub jac: &'a mut [f64],
    pub dz: &'a mut [f64],
    pub m: usize,
}

#[inline(always)]
pub fn soft_threshold(u: f64, t: f64) -> f64 {
    if u > t {
        u - t
    } else if u < -t {
        u + t
    } else {
        0.0
    }
}

#[inline(always)]
fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// log(1 + e^{−t}) without overflow.
#[inline]
pub fn softplus_neg(t: f64) -> f64 {
    if t >= 0.0 {
        ln_1p(exp(-t))
    } else {
        -t + ln_1p(exp(t))
    }
}

/// (σ(−t), σ(t)) computed from one exponential.
#[inline]
pub fn sigmoid_pair(t: f64) -> (f64, f64) {
    if t >= 0.0 {
        let e = exp(-t);
        let d = 1.0 + e;
        (e / d, 1.0 / d)
    } else {
        let e = exp(t);
        let d = 1.0 + e;
        (1.0 / d, e / d)
    }
}

/// Binary entropy −s ln s − (1−s) ln(1−s), s ∈ [0, 1].
#[inline]
fn entropy(s: f64) -> f64 {
    let a = if s > 0.0 { -s * ln(s) } else { 0.0 };
    let b = if s < 1.0 { -(1.0 - s) * ln_1p(-s) } else { 0.0 };
    a + b
}

/// P(0), the scale of the stopping rule.
pub fn objective_at_zero(logistic: bool, y: &[f64]) -> f64 {
    if logistic {
        core::f64::consts::LN_2
    } else {
        dot(y, y) / (2.0 * y.len() as f64)
    }
}

/// Duality gap and primal objective of a quadratic model at β, recomputing
/// r = y − Xβ into `ws.r` and XᵀR − nλ₂β into `ws.xtr`.
///
/// With α_j = nλ_j, XtA = XᵀR − nλ₂β and the dual point c·R,
/// c = min(1, min_j α_j/|XtA_j|), the (unnormalized) gap of the problem
/// ½‖R‖² + Σα_j|β_j| + nλ₂/2‖β‖² is ½(1 − c)²(‖R‖² + nλ₂‖β‖²) + Σ_j (α_j|β_j| − cβ_j XtA_j).
pub fn quad_gap(d: &Design, y: &[f64], pen: &Penalty, beta: &[f64], ws: &mut Work) -> (f64, f64) {
    quad_gap_on(d, y, pen, beta, None, ws)
}

/// [`quad_gap`] of the problem restricted to the columns `cols` (which must
/// hold the support of β): the gap of the working-set subproblem.
pub fn quad_gap_on(d: &Design, y: &[f64], pen: &Penalty, beta: &[f64], cols: Option<&[usize]>, ws: &mut Work) -> (f64, f64) {
    let nf = d.n as f64;
    ws.r.copy_from_slice(y);
    for (j, &b) in beta.iter().enumerate() {
        if b != 0.0 {
            axpy(-b, d.col(j), &mut ws.r);
        }
    }
    let rr = dot(&ws.r, &ws.r);
    let mut dual_norm = 0.0f64;
    let mut bb = 0.0;
    let mut l1 = 0.0;
    let all: &mut dyn Iterator<Item = usize> = match cols {
        None => &mut (0..d.p),
        Some(c) => &mut c.iter().copied(),
    };
    for j in all {
        let xta = dot(d.col(j), &ws.r) - nf * pen.l2 * beta[j];
        ws.xtr[j] = xta;
        dual_norm = dual_norm.max(xta.abs() / (nf * pen.l1[j]));
    }
    for j in 0..d.p {
        if beta[j] != 0.0 {
            bb += beta[j] * beta[j];
            l1 += pen.l1[j] * beta[j].abs();
        }
    }
    let c = if dual_norm > 1.0 { 1.0 / dual_norm } else { 1.0 };
    let mut gap = 0.5 * (1.0 - c) * (1.0 - c) * (rr + nf * pen.l2 * bb);
    for j in 0..d.p {
        if beta[j] != 0.0 {
            gap += nf * pen.l1[j] * beta[j].abs() - c * beta[j] * ws.xtr[j];
        }
    }
    let primal = rr / (2.0 * nf) + l1 + 0.5 * pen.l2 * bb;
    ((gap / nf).max(0.0), primal)
}

/// Refreshes the logistic quantities at z (in `ws.r`): σ(−y z), y·σ(−y z),
/// the curvature, and returns the mean loss.
pub fn logistic_state(y: &[f64], ws: &mut Work) -> f64 {
    let mut loss = 0.0;
    for i in 0..y.len() {
        let t = y[i] * ws.r[i];
        let (pm, pp) = sigmoid_pair(t);
        ws.pr[i] = pm;
        ws.yp[i] = y[i] * pm;
        ws.w[i] = pm * pp;
        loss += softplus_neg(t);
    }
    loss / y.len() as f64
}

/// Duality gap and primal objective of the sparse logistic regression at β,
/// recomputing z = Xβ (`ws.r`), the probabilities and the gradient (`ws.xtr`).
///
/// With p_i = σ(−y_i z_i), g = −Xᵀ(y ⊙ p)/n and c = min(1, min_j λ_j/|g_j|),
/// the dual point gives D(c) = 1/n Σ H(c p_i) (H the binary entropy) and the
/// gap is Σ_j (λ_j|β_j| + β_j g_j) + 1/n Σ (H(p_i) − H(c p_i)).
pub fn log_gap(d: &Design, y: &[f64], pen: &Penalty, beta: &[f64], ws: &mut Work) -> (f64, f64) {
    let nf = d.n as f64;
    d.matvec(beta, &mut ws.r);
    let loss = logistic_state(y, ws);
    let mut dual_norm = 0.0f64;
    let mut l1 = 0.0;
    let mut gap = 0.0;
    for j in 0..d.p {
        let g = -dot(d.col(j), &ws.yp) / nf;
        ws.xtr[j] = g;
        dual_norm = dual_norm.max(g.abs() / pen.l1[j]);
        l1 += pen.l1[j] * beta[j].abs();
        if beta[j] != 0.0 {
            gap += pen.l1[j] * beta[j].abs() + beta[j] * g;
        }
    }
    if dual_norm > 1.0 {
        let c = 1.0 / dual_norm;
        let mut h = 0.0;
        for &pm in &ws.pr {
            h += entropy(pm) - entropy(c * pm);
        }
        gap += h / nf;
    }
    (gap.max(0.0), loss + l1)
}

/// What distinguishes the two differentiated coordinate descents; the epoch
/// loop ([`cd_epochs`]) is shared. All methods are `#[inline(always)]`, so
/// each instantiation compiles to the loop written out by hand.
trait Coordinate {
    /// The logistic loss (for P(0), the scale of the stopping tolerance).
    const LOGISTIC: bool;
    /// Duality gap and primal objective at β (refreshing `ws`).
    fn gap(d: &Design, y: &[f64], pen: &Penalty, beta: &[f64], ws: &mut Work) -> (f64, f64);
    /// L_j from ‖X_j‖² and n.
    fn lipschitz(sq: f64, nf: f64) -> f64;
    /// The new β_j from the old one.
    fn update(xj: &[f64], old: f64, lj: f64, j: usize, pen: &Penalty, nf: f64, ws: &Work) -> f64;
    /// The new Jacobian entry ∂β_j/∂h_k (β_j = `new` ≠ 0, sign s) from the
    /// old one, `dzk` = X·∂β/∂h_k.
    #[allow(clippy::too_many_arguments)]
    fn jacobian(xj: &[f64], jold: f64, dzk: &[f64], lj: f64, new: f64, s: f64, j: usize, k: usize, pen: &Penalty, nf: f64, ws: &Work) -> f64;
    /// Bookkeeping after β_j moved from `old` to `new`.
    fn moved(xj: &[f64], y: &[f64], old: f64, new: f64, ws: &mut Work);
}

/// Cyclic coordinate descent on the residual (quadratic models).
struct Quadratic;

impl Coordinate for Quadratic {
    const LOGISTIC: bool = false;
    #[inline(always)]
    fn gap(d: &Design, y: &[f64], pen: &Penalty, beta: &[f64], ws: &mut Work) -> (f64, f64) {
        quad_gap(d, y, pen, beta, ws)
    }
    #[inline(always)]
    fn lipschitz(sq: f64, nf: f64) -> f64 {
        sq / nf
    }
    #[inline(always)]
    fn update(xj: &[f64], old: f64, lj: f64, j: usize, pen: &Penalty, nf: f64, ws: &Work) -> f64 {
        soft_threshold(lj * old + dot(xj, &ws.r) / nf, pen.l1[j]) / (lj + pen.l2)
    }
    #[inline(always)]
    fn jacobian(xj: &[f64], jold: f64, dzk: &[f64], lj: f64, new: f64, s: f64, j: usize, k: usize, pen: &Penalty, nf: f64, _: &Work) -> f64 {
        let du = lj * jold - dot(xj, dzk) / nf;
        (du - s * pen.dl1(j, k) - new * pen.dl2(k)) / (lj + pen.l2)
    }
    #[inline(always)]
    fn moved(xj: &[f64], _: &[f64], old: f64, new: f64, ws: &mut Work) {
        axpy(old - new, xj, &mut ws.r);
    }
}

/// Proximal coordinate descent with steps 1/L_j (sparse logistic regression).
struct Logistic;

impl Coordinate for Logistic {
    const LOGISTIC: bool = true;
    #[inline(always)]
    fn gap(d: &Design, y: &[f64], pen: &Penalty, beta: &[f64], ws: &mut Work) -> (f64, f64) {
        log_gap(d, y, pen, beta, ws)
    }
    #[inline(always)]
    fn lipschitz(sq: f64, nf: f64) -> f64 {
        sq / (4.0 * nf)
    }
    #[inline(always)]
    fn update(xj: &[f64], old: f64, lj: f64, j: usize, pen: &Penalty, nf: f64, ws: &Work) -> f64 {
        let g = -dot(xj, &ws.yp) / nf;
        soft_threshold(old - g / lj, pen.l1[j] / lj)
    }
    #[inline(always)]
    fn jacobian(xj: &[f64], jold: f64, dzk: &[f64], lj: f64, _: f64, s: f64, j: usize, k: usize, pen: &Penalty, nf: f64, ws: &Work) -> f64 {
        jold - dot3(xj, &ws.w, dzk) / (nf * lj) - s * pen.dl1(j, k) / lj
    }
    #[inline(always)]
    fn moved(xj: &[f64], y: &[f64], old: f64, new: f64, ws: &mut Work) {
        // z = Xβ moves along X_j; the probabilities follow.
        let delta = new - old;
        for i in 0..xj.len() {
            ws.r[i] += delta * xj[i];
            let (pm, pp) = sigmoid_pair(y[i] * ws.r[i]);
            ws.pr[i] = pm;
            ws.yp[i] = y[i] * pm;
            ws.w[i] = pm * pp;
        }
    }
}

/// The epoch loop of both: test the gap, sweep the coordinates (carrying
/// the Jacobian with `jac`), record β after every epoch with `record`.
#[allow(clippy::too_many_arguments)]
fn cd_epochs<C: Coordinate>(
    d: &Design,
    y: &[f64],
    pen: &Penalty,
    beta: &mut [f64],
    opts: &SolveOptions,
    ws: &mut Work,
    mut jac: Option<JacCd>,
    mut record: Option<&mut Vec<f64>>,
) -> Result<FitInfo, KernelError> {
    let (n, p) = (d.n, d.p);
    let nf = n as f64;
    ws.ensure(n, p)?;
    let target = opts.tol * objective_at_zero(C::LOGISTIC, y);
    if let Some(rec) = record.as_deref_mut() {
        push(rec, beta)?;
    }
    let mut epochs = 0;
    loop {
        let (gap, obj) = C::gap(d, y, pen, beta, ws);
        if gap <= target || epochs >= opts.max_iter {
            return Ok(FitInfo { gap, objective: obj, iterations: epochs, converged: gap <= target, polished: false });
        }
        for j in 0..p {
            let sq = d.sq_norms[j];
            if sq == 0.0 {
                beta[j] = 0.0;
                continue;
            }
            let lj = C::lipschitz(sq, nf);
            let xj = d.col(j);
            let old = beta[j];
            let new = C::update(xj, old, lj, j, pen, nf, ws);
            if let Some(jc) = jac.as_mut() {
                let s = sign(new);
                for k in 0..jc.m {
                    let jold = jc.jac[k * p + j];
                    let dzk = &mut jc.dz[k * n..(k + 1) * n];
                    let jnew = if new != 0.0 { C::jacobian(xj, jold, dzk, lj, new, s, j, k, pen, nf, ws) } else { 0.0 };
                    if jnew != jold {
                        axpy(jnew - jold, xj, dzk);
                        jc.jac[k * p + j] = jnew;
                    }
                }
            }
            if new != old {
                C::moved(xj, y, old, new, ws);
                beta[j] = new;
            }
        }
        epochs += 1;
        if let Some(rec) = record.as_deref_mut() {
            push(rec, beta)?;
        }
    }
}

/// Coordinate descent for the quadratic models, from the warm start `beta`.
/// With `jac`, carries dβ/dh along (forward mode, MATH.md §4); with
/// `record`, appends β before the first and after every epoch (backward mode).
#[allow(clippy::too_many_arguments)]
pub fn cd_quadratic(
    d: &Design,
    y: &[f64],
    pen: &Penalty,
    beta: &mut [f64],
    opts: &SolveOptions,
    ws: &mut Work,
    jac: Option<JacCd>,
    record: Option<&mut Vec<f64>>,
) -> Result<FitInfo, KernelError> {
    cd_epochs::<Quadratic>(d, y, pen, beta, opts, ws, jac, record)
}

fn push(rec: &mut Vec<f64>, beta: &[f64]) -> Result<(), KernelError> {
    rec.try_reserve(beta.len()).map_err(|_| KernelError::new(crate::Status::OutOfMemory, 0))?;
    rec.extend_from_slice(beta);
    Ok(())
}

/// Proximal coordinate descent with steps 1/L_j, L_j = ‖X_j‖²/(4n), for the
/// sparse logistic regression (the iteration differentiated by forward and
/// backward modes). `jac`/`record` as in [`cd_quadratic`].
#[allow(clippy::too_many_arguments)]
pub fn prox_cd_logistic(
    d: &Design,
    y: &[f64],
    pen: &Penalty,
    beta: &mut [f64],
    opts: &SolveOptions,
    ws: &mut Work,
    jac: Option<JacCd>,
    record: Option<&mut Vec<f64>>,
) -> Result<FitInfo, KernelError> {
    cd_epochs::<Logistic>(d, y, pen, beta, opts, ws, jac, record)
}

/// Proximal Newton for the sparse logistic regression: at β, coordinate
/// descent on the quadratic model with curvature XᵀDX/n (D = σ(z)σ(−z)),
/// then a backtracking line search on the true objective. Converges
/// quadratically near the solution, where plain proximal CD can crawl.
pub fn prox_newton_logistic(
    d: &Design,
    y: &[f64],
    pen: &Penalty,
    beta: &mut [f64],
    opts: &SolveOptions,
    ws: &mut Work,
) -> Result<FitInfo, KernelError> {
    let (n, p) = (d.n, d.p);
    let nf = n as f64;
    ws.ensure(n, p)?;
    let target = opts.tol * objective_at_zero(true, y);
    let mut epochs = 0;
    loop {
        let (gap, obj) = log_gap(d, y, pen, beta, ws);
        if gap <= target || epochs >= opts.max_iter {
            return Ok(FitInfo { gap, objective: obj, iterations: epochs, converged: gap <= target, polished: false });
        }
        for j in 0..p {
            let sq = d.sq_norms[j];
            ws.hd[j] = if sq == 0.0 { 0.0 } else { dot3(d.col(j), &ws.w, d.col(j)) / nf + 1e-12 * sq / (4.0 * nf) };
        }
        ws.b.copy_from_slice(beta);
        ws.q.fill(0.0);
        let mut first = 0.0f64;
        for inner in 0..50 {
            if epochs >= opts.max_iter {
                break;
            }
            let mut maxd = 0.0f64;
            for j in 0..p {
                if ws.hd[j] == 0.0 {
                    ws.b[j] = 0.0;
                    continue;
                }
                let xj = d.col(j);
                let h = ws.hd[j];
                let g = ws.xtr[j] + dot3(xj, &ws.w, &ws.q) / nf;
                let old = ws.b[j];
                let new = soft_threshold(old - g / h, pen.l1[j] / h);
                if new != old {
                    axpy(new - old, xj, &mut ws.q);
                    ws.b[j] = new;
                    maxd = maxd.max((new - old).abs() * h.sqrt());
                }
            }
            epochs += 1;
            if inner == 0 {
                first = maxd;
            }
            if maxd <= 1e-4 * first {
                break;
            }
        }
        // Sufficient decrease along Δ = b − β (q = XΔ).
        let mut dec = 0.0;
        for j in 0..p {
            dec += ws.xtr[j] * (ws.b[j] - beta[j]) + pen.l1[j] * (ws.b[j].abs() - beta[j].abs());
        }
        if !(dec < 0.0) {
            // The model's minimizer is β itself: nothing left to gain at
            // this precision; report the gap as it is.
            let (gap, obj) = log_gap(d, y, pen, beta, ws);
            return Ok(FitInfo { gap, objective: obj, iterations: epochs, converged: gap <= target, polished: false });
        }
        let mut t = 1.0;
        let mut accepted = false;
        for _ in 0..40 {
            let mut loss = 0.0;
            for i in 0..n {
                loss += softplus_neg(y[i] * (ws.r[i] + t * ws.q[i]));
            }
            let mut l1 = 0.0;
            for j in 0..p {
                l1 += pen.l1[j] * (beta[j] + t * (ws.b[j] - beta[j])).abs();
            }
            if loss / nf + l1 <= obj + 1e-4 * t * dec {
                accepted = true;
                break;
            }
            t *= 0.5;
        }
        if !accepted {
            let (gap, obj) = log_gap(d, y, pen, beta, ws);
            return Ok(FitInfo { gap, objective: obj, iterations: epochs, converged: gap <= target, polished: false });
        }
        for j in 0..p {
            beta[j] += t * (ws.b[j] - beta[j]);
        }
    }
}

/// Coordinate descent on working sets with Anderson acceleration, for plain
/// fits of the quadratic models (forward and backward modes differentiate
/// the plain cyclic iteration of [`cd_quadratic`] instead).
///
/// Outer loop: the full duality gap (one pass over X) decides convergence
/// and ranks features by |X_jᵀr|/(nλ_j); the working set is the support,
/// every KKT violator and the best-ranked others (at least twice the
/// support, at least 10). Inner loop: cyclic epochs over the working set
/// only, extrapolated every [`ANDERSON_K`] epochs by Anderson acceleration
/// (kept only when it lowers the objective), until the subproblem's gap is
/// below 0.3·tol·P(0). An epoch over the working set counts as an iteration.
/// Same fixed point as plain CD, far fewer passes over all p columns when
/// the support is small or the problem ill-conditioned.
pub fn cd_working_set(d: &Design, y: &[f64], pen: &Penalty, beta: &mut [f64], opts: &SolveOptions, ws: &mut Work) -> Result<FitInfo, KernelError> {
    let (n, p) = (d.n, d.p);
    let nf = n as f64;
    ws.ensure(n, p)?;
    let target = opts.tol * objective_at_zero(false, y);
    let mut epochs = 0;
    let mut wset: Vec<usize> = Vec::new();
    let mut ranked: Vec<(f64, usize)> = Vec::new();
    let mut hist: Vec<f64> = Vec::new();
    loop {
        let (gap, obj) = quad_gap(d, y, pen, beta, ws);
        if gap <= target || epochs >= opts.max_iter {
            return Ok(FitInfo { gap, objective: obj, iterations: epochs, converged: gap <= target, polished: false });
        }
        wset.clear();
        ranked.clear();
        for j in 0..p {
            if d.sq_norms[j] == 0.0 {
                beta[j] = 0.0;
            } else if beta[j] != 0.0 {
                wset.push(j);
            } else {
                ranked.push((ws.xtr[j].abs() / (nf * pen.l1[j]), j));
            }
        }
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        let size = (2 * wset.len()).max(10);
        for (k, &(score, j)) in ranked.iter().enumerate() {
            if score >= 1.0 || wset.len() + k < size {
                wset.push(j);
            } else {
                break;
            }
        }
        wset.sort_unstable();
        let w = wset.len();
        hist.clear();
        let mut since_check = 0;
        while epochs < opts.max_iter {
            for &j in &wset {
                let lj = d.sq_norms[j] / nf;
                let xj = d.col(j);
                let old = beta[j];
                let new = soft_threshold(lj * old + dot(xj, &ws.r) / nf, pen.l1[j]) / (lj + pen.l2);
                if new != old {
                    axpy(old - new, xj, &mut ws.r);
                    beta[j] = new;
                }
            }
            epochs += 1;
            since_check += 1;
            hist.try_reserve(w).map_err(|_| KernelError::new(crate::Status::OutOfMemory, 0))?;
            hist.extend(wset.iter().map(|&j| beta[j]));
            if hist.len() == (ANDERSON_K + 1) * w {
                anderson(d, y, pen, beta, &wset, &hist, ws);
                hist.clear();
            }
            if since_check >= ANDERSON_K {
                since_check = 0;
                let (sub, _) = quad_gap_on(d, y, pen, beta, Some(&wset), ws);
                if sub <= 0.3 * target {
                    break;
                }
            }
        }
    }
}

/// Anderson acceleration window (epochs).
pub const ANDERSON_K: usize = 5;

/// Extrapolates β on the working set from its last K+1 epochs; keeps the
/// extrapolation only if it lowers the primal objective. `ws.r` stays the
/// residual of β.
fn anderson(d: &Design, y: &[f64], pen: &Penalty, beta: &mut [f64], wset: &[usize], hist: &[f64], ws: &mut Work) {
    let w = wset.len();
    let k = ANDERSON_K;
    let nf = d.n as f64;
    // M = UᵀU, U_i = x_{i+1} − x_i
    let mut m = [0.0f64; ANDERSON_K * ANDERSON_K];
    for a in 0..k {
        for b in 0..=a {
            let mut s = 0.0;
            for t in 0..w {
                let ua = hist[(a + 1) * w + t] - hist[a * w + t];
                let ub = hist[(b + 1) * w + t] - hist[b * w + t];
                s += ua * ub;
            }
            m[a * k + b] = s;
            m[b * k + a] = s;
        }
    }
    let trace: f64 = (0..k).map(|i| m[i * k + i]).sum();
    if !(trace > 0.0) {
        return;
    }
    for i in 0..k {
        m[i * k + i] += 1e-10 * trace;
    }
    if !cholesky(&mut m, k) {
        return;
    }
    let mut c = [1.0f64; ANDERSON_K];
    cholesky_solve(&m, k, &mut c);
    let sum: f64 = c.iter().sum();
    if !(sum.is_finite() && sum != 0.0) {
        return;
    }
    // candidate on the working set, its residual in ws.q
    let cand = &mut ws.b;
    cand.copy_from_slice(beta);
    for (t, &j) in wset.iter().enumerate() {
        let mut v = 0.0;
        for i in 0..k {
            v += c[i] / sum * hist[(i + 1) * w + t];
        }
        cand[j] = v;
    }
    ws.q.copy_from_slice(y);
    for &j in wset {
        if cand[j] != 0.0 {
            axpy(-cand[j], d.col(j), &mut ws.q);
        }
    }
    let objective = |beta: &[f64], r: &[f64]| {
        let mut pen_v = 0.0;
        for &j in wset {
            pen_v += pen.l1[j] * beta[j].abs() + 0.5 * pen.l2 * beta[j] * beta[j];
        }
        dot(r, r) / (2.0 * nf) + pen_v
    };
    if objective(&ws.b, &ws.q) < objective(beta, &ws.r) {
        for &j in wset {
            beta[j] = ws.b[j];
        }
        std::mem::swap(&mut ws.r, &mut ws.q);
    }
}

/// Solves the model at `pen` from the warm start `beta`: coordinate descent
/// (quadratic) or proximal Newton (logistic), then polishing if asked.
pub fn fit(d: &Design, y: &[f64], pen: &Penalty, beta: &mut [f64], opts: &SolveOptions, ws: &mut Work) -> Result<FitInfo, KernelError> {
    ws.ensure(d.n, d.p)?;
    let logistic = pen.model.is_logistic();
    let mut info = if logistic {
        prox_newton_logistic(d, y, pen, beta, opts, ws)?
    } else {
        cd_working_set(d, y, pen, beta, opts, ws)?
    };
    if opts.polish {
        if let Some((gap, obj)) = polish(d, y, pen, beta, info.gap, ws)? {
            info.gap = gap;
            info.objective = obj;
            info.polished = true;
            info.converged = info.converged || gap <= opts.tol * objective_at_zero(logistic, y);
        }
    }
    Ok(info)
}

/// Exact solution on the support of β with its signs fixed; replaces β and
/// returns (gap, objective) when that does not increase the gap.
pub fn polish(d: &Design, y: &[f64], pen: &Penalty, beta: &mut [f64], gap_before: f64, ws: &mut Work) -> Result<Option<(f64, f64)>, KernelError> {
    let (n, p) = (d.n, d.p);
    let nf = n as f64;
    let logistic = pen.model.is_logistic();
    ws.support.clear();
    for (j, &b) in beta.iter().enumerate() {
        if b != 0.0 {
            ws.support.push(j);
        }
    }
    let s = ws.support.len();
    if s == 0 || (s > n && (logistic || pen.l2 == 0.0)) {
        return Ok(None);
    }
    let cost = (n * s * s + s * s * s / 3) as f64 * if logistic { 3.0 } else { 1.0 };
    if cost > ((8 * n * p) as f64).max((1u64 << 22) as f64) {
        return Ok(None);
    }
    zeroed(&mut ws.gram, s * s)?;
    zeroed(&mut ws.rhs, s)?;
    ws.cand.copy_from_slice(beta);
    let support = std::mem::take(&mut ws.support);
    let steps = if logistic { 8 } else { 1 };
    let mut ok = true;
    for _ in 0..steps {
        if logistic {
            d.matvec(&ws.cand, &mut ws.r);
            logistic_state(y, ws);
        }
        for (a, &ja) in support.iter().enumerate() {
            let xa = d.col(ja);
            for (b, &jb) in support.iter().enumerate().take(a + 1) {
                let g = if logistic { dot3(xa, &ws.w, d.col(jb)) } else { dot(xa, d.col(jb)) } / nf;
                ws.gram[a * s + b] = g;
                ws.gram[b * s + a] = g;
            }
            ws.gram[a * s + a] += pen.l2;
            let sg = sign(beta[ja]);
            // Quadratic: the right-hand side of the normal equations.
            // Logistic: minus the gradient of the sign-fixed objective.
            ws.rhs[a] = if logistic {
                dot(xa, &ws.yp) / nf - pen.l1[ja] * sg
            } else {
                dot(xa, y) / nf - pen.l1[ja] * sg
            };
        }
        if !cholesky(&mut ws.gram, s) {
            ok = false;
            break;
        }
        cholesky_solve(&ws.gram, s, &mut ws.rhs);
        let mut step = 0.0f64;
        let mut size = 0.0f64;
        for (a, &j) in support.iter().enumerate() {
            if logistic {
                ws.cand[j] += ws.rhs[a];
                step = step.max(ws.rhs[a].abs());
            } else {
                ws.cand[j] = ws.rhs[a];
            }
            size = size.max(ws.cand[j].abs());
        }
        if support.iter().any(|&j| sign(ws.cand[j]) != sign(beta[j])) {
            ok = false;
            break;
        }
        if logistic && step <= 1e-15 * size {
            break;
        }
    }
    ws.support = support;
    if !ok {
        return Ok(None);
    }
    let cand = std::mem::take(&mut ws.cand);
    let (gap, obj) = if logistic { log_gap(d, y, pen, &cand, ws) } else { quad_gap(d, y, pen, &cand, ws) };
    let better = gap <= gap_before;
    if better {
        beta.copy_from_slice(&cand);
    }
    ws.cand = cand;
    Ok(if better { Some((gap, obj)) } else { None })
}
