//! Hypergradients of a criterion C(β̂(h)) w.r.t. h = log λ, four ways (paper
//! §3; MATH.md §4):
//!
//! | algorithm | inner solve | Jacobian / adjoint |
//! |---|---|---|
//! | implicit forward ([`implicit_forward`]) | solve (+ polish) | Gauss–Seidel for J_S on the support, signs fixed, warm-started |
//! | forward ([`forward`]) | CD carrying J jointly | — |
//! | backward ([`backward`]) | CD recording β per epoch | reverse sweep with the adjoint ∇C |
//! | implicit ([`implicit`]) | solve (+ polish) | conjugate gradient on (X_SᵀWX_S/n + λ₂I)u = −∇_S C |
//!
//! with W = I (quadratic models) or D = σ(z)σ(−z) (logistic). Every
//! algorithm splits into `solve` (depends on h only) and `vjp` (given the
//! outer gradient a = ∇C(β̂), returns aᵀ dβ̂/dh), so criteria that combine
//! several inner problems (SURE, K-fold) reuse one code path.

pub mod backward;
pub mod forward;
pub mod implicit;
pub mod implicit_forward;

use super::data::Design;
use super::solvers::{fit, FitInfo, SolveOptions, Work};
use super::{alloc, zeroed, Algorithm, KernelError, Penalty};

/// Stopping rule of the Jacobian / adjoint iterations.
#[derive(Clone, Copy, Debug)]
pub struct JacOptions {
    /// Implicit forward: stop when max|ΔJ| ≤ tol·max|J|; implicit: CG
    /// residual ≤ tol·‖∇_S C‖.
    pub tol: f64,
    pub max_iter: usize,
}

impl Default for JacOptions {
    fn default() -> Self {
        Self { tol: 1e-10, max_iter: 10_000 }
    }
}

/// One inner problem (a design and a target) with everything warm-started
/// across outer iterations: β, the Jacobian (forward, implicit forward) and
/// the adjoint (implicit).
#[derive(Default)]
pub struct Inner {
    pub beta: Vec<f64>,
    /// dβ/dh, p×m (column k at k·p).
    pub jac: Vec<f64>,
    /// X·jac, n×m.
    pub dz: Vec<f64>,
    /// Adjoint u of the implicit method (p, zero off the support).
    pub adj: Vec<f64>,
    /// β before the first and after each epoch (backward), (K+1)×p.
    pub record: Vec<f64>,
    pub fit: FitInfo,
    pub jac_iterations: usize,
    pub jac_converged: bool,
}

impl Inner {
    pub fn new(n: usize, p: usize, m: usize) -> Result<Self, KernelError> {
        let jm = p.checked_mul(m).ok_or(KernelError::new(crate::Status::OutOfMemory, 0))?;
        let dm = n.checked_mul(m).ok_or(KernelError::new(crate::Status::OutOfMemory, 0))?;
        Ok(Self {
            beta: alloc(p)?,
            jac: alloc(jm)?,
            dz: alloc(dm)?,
            adj: alloc(p)?,
            record: Vec::new(),
            fit: FitInfo::default(),
            jac_iterations: 0,
            jac_converged: true,
        })
    }

    /// Solves at `pen` from the warm start. `algo` None: a plain fit (for
    /// criterion values only); otherwise what that algorithm needs before
    /// [`Inner::vjp`].
    pub fn solve(
        &mut self,
        d: &Design,
        y: &[f64],
        pen: &Penalty,
        algo: Option<Algorithm>,
        opts: &SolveOptions,
        jopts: &JacOptions,
        ws: &mut Work,
    ) -> Result<FitInfo, KernelError> {
        ws.ensure(d.n, d.p)?;
        self.jac_iterations = 0;
        self.jac_converged = true;
        let info = match algo {
            None | Some(Algorithm::Implicit) => fit(d, y, pen, &mut self.beta, opts, ws)?,
            Some(Algorithm::ImplicitForward) => {
                let info = fit(d, y, pen, &mut self.beta, opts, ws)?;
                let (it, ok) = implicit_forward::jacobian(d, y, pen, &self.beta, &mut self.jac, &mut self.dz, jopts, ws)?;
                self.jac_iterations = it;
                self.jac_converged = ok;
                info
            }
            Some(Algorithm::Forward) => forward::solve(d, y, pen, &mut self.beta, &mut self.jac, &mut self.dz, opts, ws)?,
            Some(Algorithm::Backward) => {
                self.record.clear();
                backward::solve(d, y, pen, &mut self.beta, &mut self.record, opts, ws)?
            }
        };
        self.fit = info;
        Ok(info)
    }

    /// aᵀ dβ̂/dh for the outer gradient `a` (length p) into `out` (length m),
    /// after [`Inner::solve`] with the same algorithm.
    pub fn vjp(
        &mut self,
        d: &Design,
        y: &[f64],
        pen: &Penalty,
        algo: Algorithm,
        a: &[f64],
        out: &mut [f64],
        jopts: &JacOptions,
        ws: &mut Work,
    ) -> Result<(), KernelError> {
        match algo {
            Algorithm::Forward | Algorithm::ImplicitForward => {
                let p = d.p;
                for (k, o) in out.iter_mut().enumerate() {
                    *o = super::data::dot(a, &self.jac[k * p..(k + 1) * p]);
                }
            }
            Algorithm::Backward => backward::sweep(d, y, pen, &self.record, a, out, ws)?,
            Algorithm::Implicit => {
                let (it, ok) = implicit::adjoint(d, y, pen, &self.beta, &mut self.adj, a, out, jopts, ws)?;
                self.jac_iterations += it;
                self.jac_converged &= ok;
            }
        }
        Ok(())
    }
}

/// Indices of the non-zero coefficients.
pub(crate) fn support_of(beta: &[f64], out: &mut Vec<usize>) {
    out.clear();
    out.extend(beta.iter().enumerate().filter(|(_, &b)| b != 0.0).map(|(j, _)| j));
}

/// Makes sure `v` has `len` entries (zeros when resized).
pub(crate) fn sized(v: &mut Vec<f64>, len: usize) -> Result<(), KernelError> {
    if v.len() != len {
        zeroed(v, len)?;
    }
    Ok(())
}
