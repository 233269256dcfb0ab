//! Regularized prediction maps, batched over rows of equal length.
//!
//! | map | Ω | p | J·v (= Jᵀv: symmetric) |
//! |---|---|---|---|
//! | softmax | Σ p log p on the simplex | e^{x−m}/Σ | p ⊙ (v − ⟨p, v⟩) |
//! | sparsemax | ½‖p‖² on the simplex | [x − τ]₊ | s ⊙ (v − mean_S v) |
//! | α-entmax | (Σp^α − 1)/(α(α−1)) | [(α−1)x − τ]₊^{1/(α−1)} | g ⊙ v − (⟨g, v⟩/Σg) g, g = p^{2−α} on S |
//! | sigmoid | binary entropy on [0, 1] | 1/(1 + e^{−x}) | p(1 − p) v |
//! | sparse sigmoid | p² − p on [0, 1] | clip((x + 1)/2, 0, 1) | ½ v on 0 < p < 1 |
//!
//! S = {p > 0} (the convention of the golden vectors at boundary points).
//! The backward pass needs only p. ∂p/∂α (entmax) is
//! (p − ĝ)/(α−1)² − (p log p − ĝ H)/(α−1) with ĝ = g/Σg, H = Σ p log p.

use super::simplex::{entmax15_threshold, entmax_bisect, simplex_threshold};
use super::{check_len, total, KernelError, Scratch};
use crate::math::lanes::{dot, exp_nonpos, exp_shifted, relu, sum};
use crate::math::lanes::all_finite;
use crate::math::{exp, ln};
use crate::Status;

/// Which map a batch call computes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Map {
    Softmax,
    Sparsemax,
    /// α-entmax, α ≥ 1 (1: softmax, 2: sparsemax, 1.5: exact sort-based).
    Entmax(f64),
    /// Elementwise logistic sigmoid (the multilabel logistic prediction).
    Sigmoid,
    /// Elementwise sparse sigmoid clip((x + 1)/2, 0, 1).
    SparseSigmoid,
}

impl Map {
    /// ABI codes: 0 softmax, 1 sparsemax, 2 entmax (with `alpha`), 3 sigmoid,
    /// 4 sparse sigmoid.
    pub fn from_code(code: i32, alpha: f64) -> Option<Self> {
        match code {
            0 => Some(Self::Softmax),
            1 => Some(Self::Sparsemax),
            2 => Some(Self::Entmax(alpha)),
            3 => Some(Self::Sigmoid),
            4 => Some(Self::SparseSigmoid),
            _ => None,
        }
    }

    /// Entmax at α = 1 and α = 2 is softmax and sparsemax exactly.
    pub(crate) fn canonical(self) -> Self {
        match self {
            Self::Entmax(a) if a == 1.0 => Self::Softmax,
            Self::Entmax(a) if a == 2.0 => Self::Sparsemax,
            m => m,
        }
    }
}

/// α is valid when finite and ≥ 1.
pub fn alpha_ok(alpha: f64) -> bool {
    alpha.is_finite() && alpha >= 1.0
}

// Argument indices (ABI order: arrays, then scalars).
const ARG_X: u8 = 0;
const ARG_ALPHA: u8 = 1;

/// Forward pass over `rows` rows of length `n` (row-major).
pub fn forward_batch(map: Map, x: &[f64], rows: usize, n: usize, out: &mut [f64], sc: &mut Scratch) -> Result<(), KernelError> {
    let t = total(rows, n, ARG_X)?;
    check_len(x.len(), t, ARG_X)?;
    check_len(out.len(), t, ARG_X)?;
    if let Map::Entmax(a) = map {
        if !alpha_ok(a) {
            return Err(KernelError::new(Status::Domain, ARG_ALPHA));
        }
    }
    if t == 0 {
        return Ok(());
    }
    sc.reserve(n).map_err(|s| KernelError::new(s, ARG_X))?;
    let map = map.canonical();
    // Rows are checked just before use, while they sit in cache: a separate
    // pass over a large batch would stream it from memory twice. On error,
    // earlier rows of `out` have been written.
    for (xr, outr) in x.chunks_exact(n).zip(out.chunks_exact_mut(n)) {
        if !all_finite(xr) {
            return Err(KernelError::new(Status::NonFinite, ARG_X));
        }
        forward_row(map, xr, outr, sc);
    }
    Ok(())
}

/// One row of the forward pass (input already checked finite).
pub fn forward_row(map: Map, x: &[f64], out: &mut [f64], sc: &mut Scratch) {
    match map {
        Map::Softmax => softmax_row(x, out),
        Map::Sparsemax => {
            let (m, tau) = simplex_threshold(x, 1.0, &mut sc.vals);
            for (o, &v) in out.iter_mut().zip(x) {
                *o = relu((v - m) - tau);
            }
        }
        Map::Entmax(a) if a == 1.5 => {
            let (m, tau) = entmax15_threshold(x, &mut sc.vals);
            for (o, &v) in out.iter_mut().zip(x) {
                let d = relu(0.5 * (v - m) - tau);
                *o = d * d;
            }
        }
        Map::Entmax(a) if a == 1.0 => softmax_row(x, out),
        Map::Entmax(a) if a == 2.0 => forward_row(Map::Sparsemax, x, out, sc),
        Map::Entmax(a) => entmax_bisect(x, a, out, &mut sc.vals),
        Map::Sigmoid => {
            for (o, &v) in out.iter_mut().zip(x) {
                *o = sigmoid(v);
            }
        }
        Map::SparseSigmoid => {
            for (o, &v) in out.iter_mut().zip(x) {
                *o = sparse_sigmoid(v);
            }
        }
    }
}

/// softmax with the max trick; Σ in a fixed lane order. Scaling by 1/Σ
/// (≤ 1 ulp more error than dividing) keeps divisions out of the loop.
pub fn softmax_row(x: &[f64], out: &mut [f64]) {
    let m = crate::math::lanes::max(x);
    let inv = 1.0 / exp_shifted(x, m, out);
    for o in out.iter_mut() {
        *o *= inv;
    }
}

/// 1/(1 + e^{−x}) without overflow, branch-free.
#[inline(always)]
pub fn sigmoid(x: f64) -> f64 {
    let e = exp_nonpos(-x.abs());
    let d = 1.0 + e;
    if x >= 0.0 {
        1.0 / d
    } else {
        e / d
    }
}

/// clip((x + 1)/2, 0, 1), the derivative of sparse_plus (selects, not
/// `clamp`, for the reason given at [`relu`]).
#[inline(always)]
pub fn sparse_sigmoid(x: f64) -> f64 {
    let y = relu(0.5 * x + 0.5);
    if y < 1.0 {
        y
    } else {
        1.0
    }
}

// Backward argument indices: the forward value p, then the (co)tangent.
const ARG_P: u8 = 0;
const ARG_V: u8 = 1;
const ARG_ALPHA_B: u8 = 2;

/// J·v for every row (the Jacobians are symmetric: this is also vᵀJ),
/// computed from the forward output `p` alone.
pub fn backward_batch(map: Map, p: &[f64], v: &[f64], rows: usize, n: usize, out: &mut [f64]) -> Result<(), KernelError> {
    let t = total(rows, n, ARG_P)?;
    check_len(p.len(), t, ARG_P)?;
    check_len(v.len(), t, ARG_V)?;
    check_len(out.len(), t, ARG_V)?;
    if let Map::Entmax(a) = map {
        if !alpha_ok(a) {
            return Err(KernelError::new(Status::Domain, ARG_ALPHA_B));
        }
    }
    if t == 0 {
        return Ok(());
    }
    let map = map.canonical();
    // Checked row by row, in cache (see forward_batch).
    for ((pr, vr), or) in p.chunks_exact(n).zip(v.chunks_exact(n)).zip(out.chunks_exact_mut(n)) {
        if !all_finite(pr) {
            return Err(KernelError::new(Status::NonFinite, ARG_P));
        }
        if !all_finite(vr) {
            return Err(KernelError::new(Status::NonFinite, ARG_V));
        }
        backward_row(map, pr, vr, or);
    }
    Ok(())
}

/// J·v of one row from p.
pub fn backward_row(map: Map, p: &[f64], v: &[f64], out: &mut [f64]) {
    match map {
        Map::Softmax => {
            let c = dot(p, v);
            for ((o, &pi), &vi) in out.iter_mut().zip(p).zip(v) {
                *o = pi * (vi - c);
            }
        }
        Map::Sparsemax => support_centered(p, v, out),
        Map::Entmax(a) if a == 1.5 => {
            // g = √p; out = g ⊙ v − (⟨g, v⟩/Σg) g, with g written to out first.
            for (o, &pi) in out.iter_mut().zip(p) {
                *o = pi.sqrt();
            }
            weighted_centered(v, out);
        }
        Map::Entmax(a) => {
            let e = 2.0 - a;
            for (o, &pi) in out.iter_mut().zip(p) {
                *o = if pi > 0.0 { exp(e * ln(pi)) } else { 0.0 };
            }
            weighted_centered(v, out);
        }
        Map::Sigmoid => {
            for ((o, &pi), &vi) in out.iter_mut().zip(p).zip(v) {
                *o = pi * (1.0 - pi) * vi;
            }
        }
        Map::SparseSigmoid => {
            for ((o, &pi), &vi) in out.iter_mut().zip(p).zip(v) {
                *o = if pi > 0.0 && pi < 1.0 { 0.5 * vi } else { 0.0 };
            }
        }
    }
}

/// out = s ⊙ (v − mean_S v) with S = {p > 0}: the Jacobian of every
/// Euclidean simplex projection (sparsemax, projectSimplex, k-sparse).
pub fn support_centered(p: &[f64], v: &[f64], out: &mut [f64]) {
    let (sv, k) = support_sum(p, v);
    let mean = if k > 0.0 { sv / k } else { 0.0 };
    for ((o, &pi), &vi) in out.iter_mut().zip(p).zip(v) {
        *o = if pi > 0.0 { vi - mean } else { 0.0 };
    }
}

/// (Σ_{p_i > 0} v_i, |{p_i > 0}|) with selects and four lane accumulators:
/// a branch on p_i > 0 would be if-converted into one serial chain of
/// additions over the whole row; lanes keep it vectorized, in a fixed order.
fn support_sum(p: &[f64], v: &[f64]) -> (f64, f64) {
    let n = p.len().min(v.len());
    let (p, v) = (&p[..n], &v[..n]);
    let (mut acc, mut cnt) = ([0.0f64; 4], [0.0f64; 4]);
    let (cp, cv) = (p.chunks_exact(4), v.chunks_exact(4));
    let (rp, rv) = (cp.remainder(), cv.remainder());
    for (a, b) in cp.zip(cv) {
        for l in 0..4 {
            let on = a[l] > 0.0;
            acc[l] += if on { b[l] } else { 0.0 };
            cnt[l] += if on { 1.0 } else { 0.0 };
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    let mut k = (cnt[0] + cnt[1]) + (cnt[2] + cnt[3]);
    for (&a, &b) in rp.iter().zip(rv) {
        if a > 0.0 {
            s += b;
            k += 1.0;
        }
    }
    (s, k)
}

/// Given g in `out`, replaces it by g ⊙ v − (⟨g, v⟩/Σg)·g.
fn weighted_centered(v: &[f64], out: &mut [f64]) {
    let gs = sum(out);
    let c = if gs > 0.0 { dot(out, v) / gs } else { 0.0 };
    for (o, &vi) in out.iter_mut().zip(v) {
        *o *= vi - c;
    }
}

/// Below this α − 1 the closed form of ∂p/∂α loses more to cancellation
/// (≈ 1e−16/(α−1)²) than its α → 1 limit loses to truncation (≈ α − 1).
const DALPHA_LIMIT: f64 = 5e-6;

/// ∂p/∂α of α-entmax for every row, from the forward output p.
pub fn dalpha_batch(alpha: f64, p: &[f64], rows: usize, n: usize, out: &mut [f64]) -> Result<(), KernelError> {
    let t = total(rows, n, ARG_P)?;
    check_len(p.len(), t, ARG_P)?;
    check_len(out.len(), t, ARG_P)?;
    if !alpha_ok(alpha) {
        return Err(KernelError::new(Status::Domain, 1));
    }
    if !all_finite(p) {
        return Err(KernelError::new(Status::NonFinite, ARG_P));
    }
    if t == 0 {
        return Ok(());
    }
    for (pr, or) in p.chunks_exact(n).zip(out.chunks_exact_mut(n)) {
        dalpha_row(alpha, pr, or);
    }
    Ok(())
}

/// ∂p/∂α of one row. Differentiating the optimality condition
/// p_i^{α−1}/(α−1) = x_i − τ on the support and using Σṗ = 0 gives the
/// closed form; its α → 1 limit is p ⊙ (Q − (log p)²)/2, Q = Σ p (log p)².
pub fn dalpha_row(alpha: f64, p: &[f64], out: &mut [f64]) {
    let a = alpha - 1.0;
    let plogp = |pi: f64| if pi > 0.0 { pi * ln(pi) } else { 0.0 };
    if a < DALPHA_LIMIT {
        let mut q = 0.0;
        for &pi in p {
            if pi > 0.0 {
                let l = ln(pi);
                q += pi * l * l;
            }
        }
        for (o, &pi) in out.iter_mut().zip(p) {
            *o = if pi > 0.0 {
                let l = ln(pi);
                0.5 * pi * (q - l * l)
            } else {
                0.0
            };
        }
        return;
    }
    let e = 2.0 - alpha;
    let mut gs = 0.0;
    let mut h = 0.0;
    for (o, &pi) in out.iter_mut().zip(p) {
        *o = if pi > 0.0 { exp(e * ln(pi)) } else { 0.0 };
        gs += *o;
        h += plogp(pi);
    }
    let (inv_a, inv_a2) = (1.0 / a, 1.0 / (a * a));
    for (o, &pi) in out.iter_mut().zip(p) {
        let gh = *o / gs;
        *o = (pi - gh) * inv_a2 - (plogp(pi) - gh * h) * inv_a;
    }
}
