//! Fenchel-Young losses (Blondel, Martins & Niculae, JMLR 2020) and
//! generalized Fenchel-Young losses (Blondel, Llinares-López, Dadashi,
//! Hussenot & Geist, NeurIPS 2022).
//!
//! A regularizer Ω defines the prediction map ŷ_Ω(θ) = argmax_{p ∈ dom Ω}
//! ⟨θ, p⟩ − Ω(p) and the loss L_Ω(θ; y) = Ω*(θ) + Ω(y) − ⟨θ, y⟩ ≥ 0 with
//! gradient ŷ_Ω(θ) − y. Every Jacobian of the maps here is symmetric and a
//! function of the output p alone, so the backward pass needs only p.
//!
//! Modules: [`simplex`] (thresholds of the simplex projection and of entmax,
//! sort-free except on the few candidates that can be in the support),
//! [`maps`] (softmax, sparsemax, entmax, sigmoid, sparse sigmoid with their
//! Jacobian products and ∂p/∂α), [`projections`] (simplex, ℓ1 ball, box,
//! k-sparse simplex), [`losses`] (multiclass and multilabel FY losses),
//! [`generalized`] (energies Φ(θ, μ) in place of ⟨θ, μ⟩ and their inner
//! maximization).

pub mod generalized;
pub mod losses;
pub mod maps;
pub mod projections;
pub mod simplex;

pub use crate::KernelError;
use crate::Status;

/// Reusable scratch memory: one buffer of candidate values (the entries that
/// can be in a sparse support) and one of (value key, index) pairs.
#[derive(Default)]
pub struct Scratch {
    pub(crate) vals: Vec<f64>,
    pub(crate) keyed: Vec<(u64, u32)>,
    pub(crate) row: Vec<f64>,
    pub(crate) row2: Vec<f64>,
}

impl Scratch {
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes room for rows of length `n` without aborting on allocation failure.
    pub fn reserve(&mut self, n: usize) -> Result<(), Status> {
        fn grow<T>(v: &mut Vec<T>, n: usize) -> Result<(), Status> {
            if v.capacity() < n {
                v.try_reserve(n - v.len()).map_err(|_| Status::OutOfMemory)?;
            }
            Ok(())
        }
        grow(&mut self.vals, n + 1)?; // +1: see simplex::filter_above
        grow(&mut self.keyed, n)?;
        if self.row.len() < n {
            grow(&mut self.row, n)?;
            self.row.resize(n, 0.0);
        }
        if self.row2.len() < n {
            grow(&mut self.row2, n)?;
            self.row2.resize(n, 0.0);
        }
        Ok(())
    }
}

/// rows·n, or a Shape error blaming argument `arg` on overflow.
pub(crate) fn total(rows: usize, n: usize, arg: u8) -> Result<usize, KernelError> {
    rows.checked_mul(n).ok_or(KernelError::new(Status::Shape, arg))
}

pub(crate) fn check_len(len: usize, want: usize, arg: u8) -> Result<(), KernelError> {
    if len == want {
        Ok(())
    } else {
        Err(KernelError::new(Status::Shape, arg))
    }
}

#[cfg(test)]
mod tests;
