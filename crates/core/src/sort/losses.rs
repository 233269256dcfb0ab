//! Losses built on soft ranks and soft sorts, batched over rows, each giving
//! its value per row and (optionally) the gradient w.r.t. the predictions.
//!
//! * Spearman: ρ = 1 − 6 Σ (r − t)² / (n(n² − 1)) with r the soft ascending
//!   rank of the predictions and t the hard ranks of the targets (ties get
//!   their average rank, as in the usual Spearman coefficient).
//! * Soft least trimmed squares: (1/k) Σ_{i<k} softsort_asc((pred − target)²)_i,
//!   the mean of the k smallest squared residuals with the soft sort in place
//!   of the sort.

use super::ops::{backward_batch, forward_batch, BatchState, BatchStateRef, Mode, Op, Params};
use super::order::argsort_descending;
use super::{Direction, KernelError, Regularization, Scratch};
use crate::math::all_finite;
use crate::Status;

/// Scratch for the losses: the operator scratch plus one row of state.
#[derive(Default)]
pub struct LossScratch {
    sort: Scratch,
    value: Vec<f64>,
    other: Vec<f64>,
    cot: Vec<f64>,
    grad_row: Vec<f64>,
    perm: Vec<u32>,
    block_start: Vec<u32>,
    weights: Vec<f64>,
    keys: Vec<u64>,
}

impl LossScratch {
    pub fn new() -> Self {
        Self::default()
    }
    fn reserve(&mut self, n: usize) -> Result<(), Status> {
        self.sort.reserve(n)?;
        for v in [&mut self.value, &mut self.other, &mut self.cot, &mut self.grad_row, &mut self.weights] {
            if v.len() < n {
                v.try_reserve(n - v.len()).map_err(|_| Status::OutOfMemory)?;
                v.resize(n, 0.0);
            }
        }
        for v in [&mut self.perm, &mut self.block_start] {
            if v.len() < n {
                v.try_reserve(n - v.len()).map_err(|_| Status::OutOfMemory)?;
                v.resize(n, 0);
            }
        }
        if self.keys.len() < n {
            self.keys.try_reserve(n - self.keys.len()).map_err(|_| Status::OutOfMemory)?;
            self.keys.resize(n, 0);
        }
        Ok(())
    }
}

/// Hard ascending ranks 1..n of `x`, ties sharing their average rank.
pub fn hard_ranks(x: &[f64], keys: &mut [u64], perm: &mut [u32], sorted: &mut [f64], ranks: &mut [f64]) {
    let n = x.len();
    argsort_descending(x, keys, perm, sorted);
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && sorted[j] == sorted[i] {
            j += 1;
        }
        // Descending positions i..j hold ascending ranks n−j+1 ..= n−i.
        let avg = (2 * n - i - j + 1) as f64 / 2.0;
        for q in i..j {
            ranks[perm[q] as usize] = avg;
        }
        i = j;
    }
}

fn check_common(pred: &[f64], target: &[f64], rows: usize, n: usize, values: &[f64], grad: &Option<&mut [f64]>) -> Result<(), KernelError> {
    let total = rows.checked_mul(n).ok_or(KernelError::new(Status::Shape, 0))?;
    if pred.len() != total {
        return Err(KernelError::new(Status::Shape, 0));
    }
    if target.len() != total {
        return Err(KernelError::new(Status::Shape, 1));
    }
    if values.len() != rows || grad.as_ref().is_some_and(|g| g.len() != total) {
        return Err(KernelError::new(Status::Shape, 0));
    }
    if !all_finite(pred) {
        return Err(KernelError::new(Status::NonFinite, 0));
    }
    if !all_finite(target) {
        return Err(KernelError::new(Status::NonFinite, 1));
    }
    Ok(())
}

/// Differentiable Spearman correlation per row (needs n ≥ 2).
#[allow(clippy::too_many_arguments)]
pub fn spearman_batch(
    pred: &[f64],
    target: &[f64],
    rows: usize,
    n: usize,
    reg: Regularization,
    strength: f64,
    values: &mut [f64],
    mut grad: Option<&mut [f64]>,
    ls: &mut LossScratch,
) -> Result<(), KernelError> {
    check_common(pred, target, rows, n, values, &grad)?;
    if rows > 0 && n < 2 {
        return Err(KernelError::new(Status::Shape, 0));
    }
    ls.reserve(n).map_err(|s| KernelError::new(s, 0))?;
    let p = Params { op: Op::SoftRank, reg, dir: Direction::Ascending, strength };
    let nf = n as f64;
    let denom = nf * (nf * nf - 1.0);
    for r in 0..rows {
        let span = r * n..(r + 1) * n;
        let LossScratch { sort, value, other, cot, grad_row, perm, block_start, weights, keys } = ls;
        let (value, other, cot) = (&mut value[..n], &mut other[..n], &mut cot[..n]);
        // other ← hard ranks of the target (grad_row, cot used as scratch).
        hard_ranks(&target[span.clone()], keys, &mut perm[..n], &mut grad_row[..n], other);
        let state = BatchState { perm: &mut perm[..n], block_start: &mut block_start[..n], weights: &mut weights[..n] };
        forward_batch(p, &pred[span.clone()], None, 1, n, value, Some(state), sort)?;
        let mut ss = 0.0;
        for i in 0..n {
            let d = value[i] - other[i];
            ss += d * d;
            cot[i] = -12.0 * d / denom;
        }
        values[r] = 1.0 - 6.0 * ss / denom;
        if let Some(g) = grad.as_deref_mut() {
            let st = BatchStateRef { perm: &perm[..n], block_start: &block_start[..n], weights: &weights[..n] };
            backward_batch(p, Mode::Vjp, st, value, cot, 1, n, &mut g[span], sort)?;
        }
    }
    Ok(())
}

/// Soft least trimmed squares per row, keeping the k smallest residuals.
#[allow(clippy::too_many_arguments)]
pub fn lts_batch(
    pred: &[f64],
    target: &[f64],
    rows: usize,
    n: usize,
    k: usize,
    reg: Regularization,
    strength: f64,
    values: &mut [f64],
    mut grad: Option<&mut [f64]>,
    ls: &mut LossScratch,
) -> Result<(), KernelError> {
    check_common(pred, target, rows, n, values, &grad)?;
    if rows > 0 && (k == 0 || k > n) {
        return Err(KernelError::new(Status::Domain, 2)); // k
    }
    ls.reserve(n).map_err(|s| KernelError::new(s, 0))?;
    let p = Params { op: Op::SoftSort, reg, dir: Direction::Ascending, strength };
    let inv_k = 1.0 / k as f64;
    for r in 0..rows {
        let span = r * n..(r + 1) * n;
        let LossScratch { sort, value, other, cot, grad_row, perm, block_start, weights, .. } = ls;
        let (value, other, cot, grad_row) = (&mut value[..n], &mut other[..n], &mut cot[..n], &mut grad_row[..n]);
        for i in 0..n {
            other[i] = pred[span.start + i] - target[span.start + i]; // residual
            grad_row[i] = other[i] * other[i];
        }
        let state = BatchState { perm: &mut perm[..n], block_start: &mut block_start[..n], weights: &mut weights[..n] };
        forward_batch(p, grad_row, None, 1, n, value, Some(state), sort)?;
        values[r] = value[..k].iter().sum::<f64>() * inv_k;
        if let Some(g) = grad.as_deref_mut() {
            for (i, c) in cot.iter_mut().enumerate() {
                *c = if i < k { inv_k } else { 0.0 };
            }
            let st = BatchStateRef { perm: &perm[..n], block_start: &block_start[..n], weights: &weights[..n] };
            let gr = &mut g[span];
            backward_batch(p, Mode::Vjp, st, value, cot, 1, n, gr, sort)?;
            for i in 0..n {
                gr[i] *= 2.0 * other[i];
            }
        }
    }
    Ok(())
}
