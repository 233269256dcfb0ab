//! Fenchel-Young losses L_Ω(θ; y) = Ω*(θ) + Ω(y) − ⟨θ, y⟩ ≥ 0 with
//! gradient ŷ_Ω(θ) − y, batched over rows.
//!
//! Multiclass (target: a class index per row, or proportions summing to 1),
//! with m = max θ and θ' = θ − m (the shift cancels since Σŷ = Σy = 1, and
//! keeps logits of magnitude 1e300 finite):
//! * logistic (softmax): ln Σ e^{θ'} − ⟨θ', y⟩ + Σ y ln y
//! * sparsemax: ⟨θ', ŷ − y⟩ − ½‖ŷ‖² + ½‖y‖²
//! * α-entmax: ⟨θ', ŷ − y⟩ + (Σy^α − Σŷ^α)/(α(α − 1))
//! * perceptron (Ω = 0): max θ − ⟨θ, y⟩, ŷ = one-hot argmax (lowest index
//!   on ties): a subgradient.
//!
//! Multilabel / one-vs-all (target y ∈ [0, 1] per entry, value summed over
//! the row), written as convex combinations so no large terms cancel:
//! * logistic: (1 − y)·softplus(θ) + y·softplus(−θ) + y ln y + (1−y) ln(1−y)
//! * sparse (binary sparsemax): (1 − y)·sparse_plus(θ) + y·sparse_plus(−θ) + y² − y
//!   with sparse_plus(t) = 0 (t ≤ −1), (t + 1)²/4 (|t| < 1), t (t ≥ 1).
//!
//! The true loss is ≥ 0; values are clamped at 0 against rounding.

use super::maps::{alpha_ok, forward_row, sigmoid, sparse_sigmoid, Map};
use super::{check_len, total, KernelError, Scratch};
use crate::math::lanes::all_finite;
use crate::math::{exp, ln, ln_1p};
use crate::Status;

/// How far Σy may stray from 1 before proportions are refused.
pub const PROPORTION_TOL: f64 = 1e-9;

/// The regularizer of a multiclass FY loss.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LossMap {
    Logistic,
    Sparsemax,
    Entmax(f64),
    Perceptron,
}

impl LossMap {
    /// ABI codes: 0 logistic (softmax), 1 sparsemax, 2 entmax (α), 3 perceptron.
    pub fn from_code(code: i32, alpha: f64) -> Option<Self> {
        match code {
            0 => Some(Self::Logistic),
            1 => Some(Self::Sparsemax),
            2 => Some(Self::Entmax(alpha)),
            3 => Some(Self::Perceptron),
            _ => None,
        }
    }
    fn canonical(self) -> Self {
        match self {
            Self::Entmax(a) if a == 1.0 => Self::Logistic,
            Self::Entmax(a) if a == 2.0 => Self::Sparsemax,
            m => m,
        }
    }
}

/// A multiclass target: one class index per row (as f64, must be an
/// integer in [0, n)), or rows·n proportions (≥ 0, each row summing to 1).
#[derive(Clone, Copy, Debug)]
pub enum Target<'a> {
    Labels(&'a [f64]),
    Proportions(&'a [f64]),
}

// Argument indices (ABI order): theta, target, values, grad, prediction; alpha.
const ARG_THETA: u8 = 0;
const ARG_TARGET: u8 = 1;
const ARG_VALUES: u8 = 2;
const ARG_ALPHA: u8 = 5;

/// Checks a multiclass target for `rows` rows of length n.
pub fn check_target(target: Target, rows: usize, n: usize, arg: u8) -> Result<(), KernelError> {
    match target {
        Target::Labels(l) => {
            check_len(l.len(), rows, arg)?;
            if !all_finite(l) {
                return Err(KernelError::new(Status::NonFinite, arg));
            }
            if l.iter().any(|&k| k < 0.0 || k >= n as f64 || k.fract() != 0.0) {
                return Err(KernelError::new(Status::Domain, arg));
            }
        }
        Target::Proportions(y) => {
            check_len(y.len(), total(rows, n, arg)?, arg)?;
            if !all_finite(y) {
                return Err(KernelError::new(Status::NonFinite, arg));
            }
            if n > 0 {
                for yr in y.chunks_exact(n) {
                    let s: f64 = yr.iter().sum();
                    if yr.iter().any(|&v| v < 0.0) || (s - 1.0).abs() > PROPORTION_TOL {
                        return Err(KernelError::new(Status::Domain, arg));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Row r of the target as a dense vector written to `y`.
pub fn dense_target(target: Target, r: usize, n: usize, y: &mut [f64]) {
    match target {
        Target::Labels(l) => {
            y.fill(0.0);
            y[l[r] as usize] = 1.0;
        }
        Target::Proportions(p) => y.copy_from_slice(&p[r * n..(r + 1) * n]),
    }
}

/// Multiclass FY loss per row into `values` (len rows); optionally the
/// gradient ŷ − y and the prediction ŷ (each rows·n).
#[allow(clippy::too_many_arguments)]
pub fn fy_loss_batch(
    map: LossMap,
    theta: &[f64],
    target: Target,
    rows: usize,
    n: usize,
    values: &mut [f64],
    mut grad: Option<&mut [f64]>,
    mut pred: Option<&mut [f64]>,
    sc: &mut Scratch,
) -> Result<(), KernelError> {
    let t = total(rows, n, ARG_THETA)?;
    check_len(theta.len(), t, ARG_THETA)?;
    check_len(values.len(), rows, ARG_VALUES)?;
    if grad.as_ref().is_some_and(|g| g.len() != t) {
        return Err(KernelError::new(Status::Shape, 3));
    }
    if pred.as_ref().is_some_and(|g| g.len() != t) {
        return Err(KernelError::new(Status::Shape, 4));
    }
    if let LossMap::Entmax(a) = map {
        if !alpha_ok(a) {
            return Err(KernelError::new(Status::Domain, ARG_ALPHA));
        }
    }
    if rows > 0 && n == 0 {
        return Err(KernelError::new(Status::Shape, ARG_THETA));
    }
    if !all_finite(theta) {
        return Err(KernelError::new(Status::NonFinite, ARG_THETA));
    }
    check_target(target, rows, n, ARG_TARGET)?;
    if t == 0 {
        return Ok(());
    }
    sc.reserve(n).map_err(|s| KernelError::new(s, ARG_THETA))?;
    let map = map.canonical();
    for r in 0..rows {
        let th = &theta[r * n..(r + 1) * n];
        let mut row = std::mem::take(&mut sc.row);
        let mut yrow = std::mem::take(&mut sc.row2);
        let (p, y) = (&mut row[..n], &mut yrow[..n]);
        dense_target(target, r, n, y);
        let m = crate::math::lanes::max(th);
        let value = match map {
            LossMap::Logistic => {
                let z = crate::math::lanes::exp_shifted(th, m, p);
                for pi in p.iter_mut() {
                    *pi /= z;
                }
                ln(z) + shifted_cross(th, m, y) + neg_entropy(y)
            }
            LossMap::Sparsemax => {
                forward_row(Map::Sparsemax, th, p, sc);
                let sq = |v: &[f64]| v.iter().map(|a| a * a).sum::<f64>();
                -shifted_cross(th, m, p) + shifted_cross(th, m, y) - 0.5 * sq(p) + 0.5 * sq(y)
            }
            LossMap::Entmax(a) => {
                forward_row(Map::Entmax(a), th, p, sc);
                let tsallis = |v: &[f64]| v.iter().map(|&q| pow_alpha(q, a)).sum::<f64>();
                -shifted_cross(th, m, p) + shifted_cross(th, m, y) + (tsallis(y) - tsallis(p)) / (a * (a - 1.0))
            }
            LossMap::Perceptron => {
                p.fill(0.0);
                let k = th.iter().position(|&v| v == m).unwrap_or(0);
                p[k] = 1.0;
                shifted_cross(th, m, y)
            }
        };
        values[r] = value.max(0.0);
        let span = r * n..(r + 1) * n;
        if let Some(g) = grad.as_deref_mut() {
            for ((gi, &pi), &yi) in g[span.clone()].iter_mut().zip(p.iter()).zip(y.iter()) {
                *gi = pi - yi;
            }
        }
        if let Some(pr) = pred.as_deref_mut() {
            pr[span].copy_from_slice(p);
        }
        sc.row = row;
        sc.row2 = yrow;
    }
    Ok(())
}

/// Σ y_i (m − θ_i), skipping y_i = 0 (so 0·∞ never arises). Each term is ≥ 0.
fn shifted_cross(theta: &[f64], m: f64, y: &[f64]) -> f64 {
    let mut s = 0.0;
    for (&t, &yi) in theta.iter().zip(y) {
        if yi != 0.0 {
            s += yi * (m - t);
        }
    }
    s
}

/// Σ y ln y (0 ln 0 = 0).
fn neg_entropy(y: &[f64]) -> f64 {
    y.iter().map(|&v| xlogx(v)).sum()
}

#[inline]
fn xlogx(v: f64) -> f64 {
    if v > 0.0 {
        v * ln(v)
    } else {
        0.0
    }
}

/// q^α for q ≥ 0 (exact forms for the common α).
#[inline]
fn pow_alpha(q: f64, a: f64) -> f64 {
    if q <= 0.0 {
        0.0
    } else if a == 1.5 {
        q * q.sqrt()
    } else {
        exp(a * ln(q))
    }
}

/// The multilabel (one-vs-all) losses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryMap {
    /// Sigmoid prediction, binary-entropy Ω (one-vs-all logistic).
    Logistic,
    /// Sparse sigmoid prediction, Ω(p) = p² − p (binary sparsemax).
    Sparse,
}

impl BinaryMap {
    /// ABI codes: 0 logistic, 1 sparse.
    pub fn from_code(code: i32) -> Option<Self> {
        match code {
            0 => Some(Self::Logistic),
            1 => Some(Self::Sparse),
            _ => None,
        }
    }
}

/// softplus(t) = ln(1 + e^t) without overflow.
#[inline]
pub fn softplus(t: f64) -> f64 {
    t.max(0.0) + ln_1p(crate::math::lanes::exp_nonpos(-t.abs()))
}

/// sparse_plus(t): 0 for t ≤ −1, (t + 1)²/4 for |t| < 1, t for t ≥ 1.
#[inline]
pub fn sparse_plus(t: f64) -> f64 {
    if t <= -1.0 {
        0.0
    } else if t >= 1.0 {
        t
    } else {
        0.25 * (t + 1.0) * (t + 1.0)
    }
}

/// Multilabel loss per row (sum over the row's n entries) into `values`,
/// optionally the gradient p − y (rows·n). Targets must lie in [0, 1].
#[allow(clippy::too_many_arguments)]
pub fn multilabel_batch(
    map: BinaryMap,
    theta: &[f64],
    target: &[f64],
    rows: usize,
    n: usize,
    values: &mut [f64],
    mut grad: Option<&mut [f64]>,
) -> Result<(), KernelError> {
    let t = total(rows, n, ARG_THETA)?;
    check_len(theta.len(), t, ARG_THETA)?;
    check_len(target.len(), t, ARG_TARGET)?;
    check_len(values.len(), rows, ARG_VALUES)?;
    if grad.as_ref().is_some_and(|g| g.len() != t) {
        return Err(KernelError::new(Status::Shape, 3));
    }
    if !all_finite(theta) {
        return Err(KernelError::new(Status::NonFinite, ARG_THETA));
    }
    if !all_finite(target) {
        return Err(KernelError::new(Status::NonFinite, ARG_TARGET));
    }
    if target.iter().any(|&y| !(0.0..=1.0).contains(&y)) {
        return Err(KernelError::new(Status::Domain, ARG_TARGET));
    }
    for r in 0..rows {
        let mut v = 0.0;
        for i in r * n..(r + 1) * n {
            let (x, y) = (theta[i], target[i]);
            let (loss, p) = match map {
                BinaryMap::Logistic => {
                    let mut l = 0.0;
                    if y != 1.0 {
                        l += (1.0 - y) * softplus(x);
                    }
                    if y != 0.0 {
                        l += y * softplus(-x);
                    }
                    (l + xlogx(y) + xlogx(1.0 - y), sigmoid(x))
                }
                BinaryMap::Sparse => {
                    let mut l = 0.0;
                    if y != 1.0 {
                        l += (1.0 - y) * sparse_plus(x);
                    }
                    if y != 0.0 {
                        l += y * sparse_plus(-x);
                    }
                    (l + y * y - y, sparse_sigmoid(x))
                }
            };
            v += loss.max(0.0);
            if let Some(g) = grad.as_deref_mut() {
                g[i] = p - y;
            }
        }
        values[r] = v;
    }
    Ok(())
}
