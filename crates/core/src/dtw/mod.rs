//! Soft-DTW and its relatives (Cuturi & Blondel, ICML 2017; Blondel, Mensch
//! & Vert, AISTATS 2021).
//!
//! For a cost matrix C (m×n) and γ > 0, with the alignments A (monotone
//! 0/1 paths from (1,1) to (m,n) with steps →, ↓, ↘):
//!
//! * soft-DTW      sdtw_γ(C) = −γ log Σ_A exp(−⟨A, C⟩/γ)
//! * alignment     E = ∇_C sdtw = E_p[A] under the Gibbs distribution p
//! * sharp         ⟨E, C⟩, gradient E + ∇²sdtw·C
//! * entropy       H(p) = (⟨E, C⟩ − sdtw)/γ
//! * mean cost     ⟨Ē, C⟩ with Ē the average of all alignments
//! * divergences   D(X, Y) = f(X, Y) − ½f(X, X) − ½f(Y, Y)
//!
//! with C_ij = ‖x_i − y_j‖² ([`CostKind::SqEuclidean`]) or half of it.
//!
//! Numerics: the DP runs in units c = C/γ with true +∞ borders (never a
//! finite sentinel), so values match brute force at any scale; the
//! soft-minimum is the branch-free kernel of [`crate::math::softmin`], and
//! sweeps go by anti-diagonals so the hot loops vectorize ([`geometry`]).
//! Value-only paths keep three diagonals of the shorter side (O(min(m, n))
//! memory); gradient paths store 24 bytes per cell (sharp/entropy: 40,
//! mean cost: 8).
//!
//! Modules: [`geometry`] (band, diagonals), [`field`] (costs and gradient
//! sinks), [`forward`] and [`backward`] (the sweeps), [`ops`] (the
//! operators on series and on cost matrices), [`pairwise`] and
//! [`barycenter`].

// Sweeps index several per-diagonal arrays by the same row/diagonal index,
// and kernels take the geometry, the field and the tapes explicitly.
#![allow(clippy::needless_range_loop, clippy::too_many_arguments)]

pub mod backward;
pub mod barycenter;
pub mod field;
pub mod forward;
pub mod geometry;
pub mod ops;
pub mod pairwise;

pub use crate::KernelError;
pub use ops::{from_cost, pair, CostOp, PairOp};

/// How the cost between two frames is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CostKind {
    /// ‖x − y‖² (tslearn, the original soft-DTW code).
    SqEuclidean,
    /// ½‖x − y‖² (the divergence paper's reference code).
    HalfSqEuclidean,
}

impl CostKind {
    pub fn from_code(code: i32) -> Option<Self> {
        match code {
            0 => Some(Self::SqEuclidean),
            1 => Some(Self::HalfSqEuclidean),
            _ => None,
        }
    }
    /// h in C = h‖x − y‖².
    pub fn weight(self) -> f64 {
        match self {
            Self::SqEuclidean => 1.0,
            Self::HalfSqEuclidean => 0.5,
        }
    }
}

/// Options shared by the operators.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// γ > 0 (ignored by the γ-free mean cost and DTW).
    pub gamma: f64,
    pub cost: CostKind,
    /// Sakoe-Chiba radius (see [`geometry`]); None = no band.
    pub band: Option<usize>,
}

/// Reusable memory of the soft-DTW kernels. Grows on demand (with
/// `try_reserve`: exhaustion is reported, never an abort) and is kept
/// between calls.
#[derive(Default)]
pub struct Scratch {
    pub(crate) lay: Layout,
    pub(crate) work: Work,
    pub(crate) pw: pairwise::PairwiseScratch,
    pub(crate) lbfgs: crate::math::lbfgs::LbfgsWork,
}

impl Scratch {
    pub fn new() -> Self {
        Self::default()
    }
}

/// Series copies in the diagonal-friendly layout and their gradients.
#[derive(Default)]
pub(crate) struct Layout {
    pub xt: Vec<f64>,
    pub yr: Vec<f64>,
    pub gxt: Vec<f64>,
    pub gyr: Vec<f64>,
}

/// Geometry, rolling buffers and tapes.
#[derive(Default)]
pub(crate) struct Work {
    pub lo: Vec<u32>,
    pub hi: Vec<u32>,
    pub diags: Vec<geometry::Diag>,
    pub roll: forward::Rolling,
    pub rev: backward::Reverse,
    pub pl: Vec<f64>,
    pub pd: Vec<f64>,
    pub pu: Vec<f64>,
    pub e: Vec<f64>,
    pub inner: Vec<f64>,
    pub vals: Vec<f64>,
}

#[cfg(test)]
mod tests;
