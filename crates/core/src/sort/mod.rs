//! Fast differentiable sorting and ranking (Blondel, Teboul, Berthet &
//! Djolonga, ICML 2020).
//!
//! Soft sort and soft rank are projections onto the permutahedron, which
//! reduce to an isotonic regression solved by pool-adjacent-violators (PAV)
//! after one sort: O(n log n) forward. PAV's blocks define the Jacobian
//! exactly — inside a block every output moves with a weighted average of the
//! block's inputs (uniform weights for L2, a softmax for KL), across blocks
//! nothing moves — so jvp and vjp are O(n) from the forward pass's
//! [`RowState`], never re-derived by a tolerance.
//!
//! Modules: [`order`] (the descending argsort and its tie-break), [`isotonic`]
//! (PAV, L2 and KL), [`ops`] (isotonic, projection, soft rank, soft sort with
//! their jvp/vjp, batched), [`losses`] (Spearman correlation, soft least
//! trimmed squares).

pub mod isotonic;
pub mod losses;
pub mod ops;
pub mod order;

pub use crate::KernelError;
pub use ops::{backward_batch, forward_batch, Mode, Op, Params};

/// Which regularization defines the projection (paper §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Regularization {
    /// Quadratic regularization: Euclidean projection, uniform block averages.
    L2,
    /// Entropic regularization: KL projection, softmax block weights.
    Kl,
}

impl Regularization {
    pub fn from_code(code: i32) -> Option<Self> {
        match code {
            0 => Some(Self::L2),
            1 => Some(Self::Kl),
            _ => None,
        }
    }
}

/// Sort/rank direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Ascending,
    Descending,
}

impl Direction {
    pub fn from_code(code: i32) -> Option<Self> {
        match code {
            0 => Some(Self::Ascending),
            1 => Some(Self::Descending),
            _ => None,
        }
    }
}

/// What the forward pass leaves for the O(n) backward pass, per row of
/// length n. Coordinates are *sorted* positions i = 0..n.
pub struct RowState<'a> {
    /// `perm[i]` is the original index of the i-th largest input (σ).
    pub perm: &'a mut [u32],
    /// `block_start[i]` is the first sorted position of the PAV block holding i.
    pub block_start: &'a mut [u32],
    /// Within-block weights a_i (Σ over a block = 1): 1/|B| for L2, softmax of
    /// the block's sorted inputs for KL. The block Jacobian is 1·aᵀ.
    pub weights: &'a mut [f64],
}

/// Read-only view of a [`RowState`].
#[derive(Clone, Copy)]
pub struct RowStateRef<'a> {
    pub perm: &'a [u32],
    pub block_start: &'a [u32],
    pub weights: &'a [f64],
}

/// Reusable scratch memory for the sort kernels. Reserve once for the largest
/// row length; rows of a batch then run without allocating.
#[derive(Default)]
pub struct Scratch {
    pub(crate) keys: Vec<u64>,
    pub(crate) a: Vec<f64>,
    pub(crate) b: Vec<f64>,
    pub(crate) c: Vec<f64>,
    pub(crate) blocks: Vec<isotonic::Block>,
    pub(crate) perm: Vec<u32>,
    pub(crate) block_start: Vec<u32>,
    pub(crate) weights: Vec<f64>,
    /// ln k at index k − 1, extended on demand: log ρ for the KL soft rank
    /// without n logarithms per call.
    pub(crate) ln_int: Vec<f64>,
}

impl Scratch {
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes room for rows of length `n` without aborting on allocation failure.
    pub fn reserve(&mut self, n: usize) -> Result<(), crate::Status> {
        fn grow<T: Default + Clone>(v: &mut Vec<T>, n: usize) -> Result<(), crate::Status> {
            if v.len() < n {
                v.try_reserve(n - v.len()).map_err(|_| crate::Status::OutOfMemory)?;
                v.resize(n, T::default());
            }
            Ok(())
        }
        grow(&mut self.keys, n)?;
        grow(&mut self.a, n)?;
        grow(&mut self.b, n)?;
        grow(&mut self.c, n)?;
        grow(&mut self.perm, n)?;
        grow(&mut self.block_start, n)?;
        grow(&mut self.weights, n)?;
        if self.blocks.capacity() < n {
            self.blocks.try_reserve(n).map_err(|_| crate::Status::OutOfMemory)?;
        }
        Ok(())
    }
}


#[cfg(test)]
mod tests;
