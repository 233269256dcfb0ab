//! Implicit differentiation of Lasso-type models for hyperparameter
//! optimization (Bertrand, Klopfenstein, Blondel, Vaiter, Gramfort & Salmon,
//! ICML 2020; reference implementation: sparse-ho).
//!
//! Models (n = number of *training* rows, X dense):
//!
//! | model | objective |
//! |---|---|
//! | Lasso | 1/(2n)‖y − Xβ‖² + λ‖β‖₁ |
//! | Elastic net | 1/(2n)‖y − Xβ‖² + λ₁‖β‖₁ + λ₂/2‖β‖² |
//! | Weighted Lasso | 1/(2n)‖y − Xβ‖² + Σ_j λ_j|β_j| |
//! | Sparse logistic regression | 1/n Σ log(1 + exp(−y_i x_iᵀβ)) + λ‖β‖₁, y ∈ {−1, +1} |
//!
//! Hyperparameters are handled in log space, h = log λ (one for Lasso and
//! sparse logistic regression, two for the elastic net, p for the weighted
//! Lasso). A hypergradient is ∇C(β̂)ᵀ dβ̂/dh for an outer criterion C.
//!
//! Modules: [`data`] (column-major design, validation, λ_max), [`solvers`]
//! (coordinate descent with duality-gap stopping and support polishing),
//! [`hypergrad`] (forward, implicit forward, backward, implicit), [`criteria`]
//! (held-out MSE / logistic, SURE, K-fold), [`session`] (a problem with its
//! warm starts), [`search`] (gradient, grid and random search).
//!
//! Conventions (shared with sparse-ho and the golden file): held-out MSE is
//! ‖y_v − X_vβ‖²/n_v without a ½; the inner solver stops when the duality gap
//! is ≤ tol·P(0) (P(0) = ‖y‖²/(2n) for the quadratic models, log 2 for the
//! logistic one).
//!
//! Columns of X that are identically zero (e.g. constant columns after
//! centering) are allowed: their coefficient is 0 and never moves.

pub mod criteria;
pub mod data;
pub mod hypergrad;
mod linalg;
pub mod search;
pub mod session;
pub mod solvers;

pub use crate::KernelError;
use crate::math::exp;
use crate::Status;

// Argument indices reported in KernelError, shared by every lasso kernel so
// that ts/lasso names them with one table.
pub const ARG_X: u8 = 0;
pub const ARG_Y: u8 = 1;
pub const ARG_XVAL: u8 = 2;
pub const ARG_YVAL: u8 = 3;
pub const ARG_LAMBDA: u8 = 4;
pub const ARG_LAMBDA2: u8 = 5;
pub const ARG_FOLDS: u8 = 6;
pub const ARG_SIGMA: u8 = 7;
pub const ARG_TOL: u8 = 8;
pub const ARG_MAX_ITER: u8 = 9;
pub const ARG_BETA0: u8 = 10;
pub const ARG_CRITERION: u8 = 11;
pub const ARG_EPSILON: u8 = 12;
pub const ARG_H0: u8 = 13;
pub const ARG_STEP: u8 = 14;
pub const ARG_GRID: u8 = 15;
pub const ARG_MODEL: u8 = 16;

/// Which Lasso-type model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    Lasso,
    ElasticNet,
    WeightedLasso,
    SparseLogReg,
}

impl Model {
    pub fn from_code(code: i32) -> Option<Self> {
        match code {
            0 => Some(Self::Lasso),
            1 => Some(Self::ElasticNet),
            2 => Some(Self::WeightedLasso),
            3 => Some(Self::SparseLogReg),
            _ => None,
        }
    }
    /// Number of hyperparameters for p features.
    pub fn n_hyper(self, p: usize) -> usize {
        match self {
            Self::Lasso | Self::SparseLogReg => 1,
            Self::ElasticNet => 2,
            Self::WeightedLasso => p,
        }
    }
    pub fn is_logistic(self) -> bool {
        self == Self::SparseLogReg
    }
}

/// The regularization of one inner problem: λ_j per feature (ℓ1) and λ₂.
#[derive(Clone, Debug)]
pub struct Penalty {
    pub model: Model,
    pub l1: Vec<f64>,
    pub l2: f64,
}

impl Penalty {
    /// From log-hyperparameters h (length `model.n_hyper(p)`).
    pub fn from_log(model: Model, h: &[f64], p: usize) -> Result<Self, KernelError> {
        if h.len() != model.n_hyper(p) {
            return Err(KernelError::new(Status::Shape, ARG_LAMBDA));
        }
        if !crate::math::all_finite(h) {
            return Err(KernelError::new(Status::NonFinite, ARG_LAMBDA));
        }
        let mut l1 = alloc(p)?;
        let mut l2 = 0.0;
        match model {
            Model::Lasso | Model::SparseLogReg => l1.fill(exp(h[0])),
            Model::ElasticNet => {
                l1.fill(exp(h[0]));
                l2 = exp(h[1]);
            }
            Model::WeightedLasso => {
                for (l, &v) in l1.iter_mut().zip(h) {
                    *l = exp(v);
                }
            }
        }
        if l1.iter().any(|&v| v <= 0.0 || !v.is_finite()) || !l2.is_finite() {
            // e^h under/overflowed: λ would be 0 or ∞.
            return Err(KernelError::new(Status::Domain, ARG_LAMBDA));
        }
        Ok(Self { model, l1, l2 })
    }

    /// From λ values: one (Lasso, logistic), λ₁ and λ₂ (elastic net) or p
    /// (weighted Lasso). Every λ must be finite and > 0.
    pub fn from_lambdas(model: Model, lam: &[f64], lam2: f64, p: usize) -> Result<Self, KernelError> {
        let want = if model == Model::WeightedLasso { p } else { 1 };
        if lam.len() != want {
            return Err(KernelError::new(Status::Shape, ARG_LAMBDA));
        }
        if !crate::math::all_finite(lam) {
            return Err(KernelError::new(Status::NonFinite, ARG_LAMBDA));
        }
        if lam.iter().any(|&v| v <= 0.0) {
            return Err(KernelError::new(Status::Domain, ARG_LAMBDA));
        }
        let mut l1 = alloc(p)?;
        let mut l2 = 0.0;
        if model == Model::WeightedLasso {
            l1.copy_from_slice(lam);
        } else {
            l1.fill(lam[0]);
        }
        if model == Model::ElasticNet {
            if !lam2.is_finite() {
                return Err(KernelError::new(Status::NonFinite, ARG_LAMBDA2));
            }
            if lam2 <= 0.0 {
                return Err(KernelError::new(Status::Domain, ARG_LAMBDA2));
            }
            l2 = lam2;
        }
        Ok(Self { model, l1, l2 })
    }

    /// Number of hyperparameters.
    pub fn m(&self) -> usize {
        self.model.n_hyper(self.l1.len())
    }

    /// ∂λ_j/∂h_k.
    #[inline(always)]
    pub fn dl1(&self, j: usize, k: usize) -> f64 {
        match self.model {
            Model::Lasso | Model::SparseLogReg => self.l1[j],
            Model::ElasticNet => {
                if k == 0 {
                    self.l1[j]
                } else {
                    0.0
                }
            }
            Model::WeightedLasso => {
                if j == k {
                    self.l1[j]
                } else {
                    0.0
                }
            }
        }
    }

    /// ∂λ₂/∂h_k.
    #[inline(always)]
    pub fn dl2(&self, k: usize) -> f64 {
        if self.model == Model::ElasticNet && k == 1 {
            self.l2
        } else {
            0.0
        }
    }
}

/// The four hypergradient algorithms of the paper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// Solve, then iterate the Jacobian recursion on the support (the paper's).
    ImplicitForward,
    /// Jacobian carried along coordinate descent.
    Forward,
    /// Reverse sweep over the stored coordinate-descent iterates.
    Backward,
    /// Conjugate gradient on the restricted adjoint system.
    Implicit,
}

impl Algorithm {
    pub fn from_code(code: i32) -> Option<Self> {
        match code {
            0 => Some(Self::ImplicitForward),
            1 => Some(Self::Forward),
            2 => Some(Self::Backward),
            3 => Some(Self::Implicit),
            _ => None,
        }
    }
}

/// A zero-filled vector reserved with `try_reserve` (allocation failure is a
/// status, not an abort).
pub(crate) fn alloc<T: Clone + Default>(len: usize) -> Result<Vec<T>, KernelError> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| KernelError::new(Status::OutOfMemory, 0))?;
    v.resize(len, T::default());
    Ok(v)
}

/// Resizes `v` to `len` zeros without aborting on allocation failure.
pub(crate) fn zeroed(v: &mut Vec<f64>, len: usize) -> Result<(), KernelError> {
    v.clear();
    if v.capacity() < len {
        v.try_reserve_exact(len).map_err(|_| KernelError::new(Status::OutOfMemory, 0))?;
    }
    v.resize(len, 0.0);
    Ok(())
}

#[cfg(test)]
mod tests;
