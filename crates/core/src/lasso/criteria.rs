//! Outer criteria C(β) and their gradients w.r.t. β.
//!
//! * Held-out MSE: ‖y_v − X_vβ‖²/n_v (no ½, as sparse-ho's HeldOutMSE).
//! * Held-out logistic loss: 1/n_v Σ log(1 + exp(−y_v,i x_v,iᵀβ)).
//! * SURE by finite-difference Monte Carlo (Deledalle et al. 2014, as
//!   sparse-ho's FiniteDiffMonteCarloSure): with δ ~ N(0, I_n) and
//!   ε = 2σ/n^0.3 by default, β₁ = β̂(y), β₂ = β̂(y + εδ),
//!   SURE = ‖y − Xβ₁‖² − nσ² + 2σ²/ε · δᵀX(β₂ − β₁) (a sum, not a mean, as
//!   in sparse-ho). Its hypergradient needs both inner problems.
//! * K-fold cross-validation of a held-out criterion: contiguous folds
//!   (scikit-learn's KFold without shuffling: the first n mod K folds get one
//!   extra row); the value and gradient are means over folds.

use super::data::{dot, Design};
use super::solvers::{sigmoid_pair, softplus_neg};
use crate::math::ln;

/// Held-out criteria.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeldOut {
    Mse,
    Logistic,
}

/// Value of a held-out criterion at β, and its gradient into `grad` (length
/// p) when given. `tmp` has n_v entries.
pub fn held_out(kind: HeldOut, dv: &Design, yv: &[f64], beta: &[f64], grad: Option<&mut [f64]>, tmp: &mut [f64]) -> f64 {
    let nv = dv.n as f64;
    dv.matvec(beta, tmp);
    let value;
    match kind {
        HeldOut::Mse => {
            let mut s = 0.0;
            for (t, &yi) in tmp.iter_mut().zip(yv) {
                *t = yi - *t;
                s += *t * *t;
            }
            value = s / nv;
            // ∇C = −2 X_vᵀ(y_v − X_vβ)/n_v
            if let Some(g) = grad {
                for (j, gj) in g.iter_mut().enumerate() {
                    *gj = -2.0 * dot(dv.col(j), tmp) / nv;
                }
            }
        }
        HeldOut::Logistic => {
            let mut s = 0.0;
            for (t, &yi) in tmp.iter_mut().zip(yv) {
                let m = yi * *t;
                s += softplus_neg(m);
                *t = yi * sigmoid_pair(m).0;
            }
            value = s / nv;
            // ∇C = −X_vᵀ(y_v ⊙ σ(−y_v X_vβ))/n_v
            if let Some(g) = grad {
                for (j, gj) in g.iter_mut().enumerate() {
                    *gj = -dot(dv.col(j), tmp) / nv;
                }
            }
        }
    }
    value
}

/// SURE value at (β₁, β₂) and its gradients w.r.t. both (each length p).
/// `tmp` has n entries.
#[allow(clippy::too_many_arguments)]
pub fn sure(
    d: &Design,
    y: &[f64],
    delta: &[f64],
    sigma: f64,
    eps: f64,
    beta1: &[f64],
    beta2: &[f64],
    grads: Option<(&mut [f64], &mut [f64])>,
    tmp: &mut [f64],
) -> f64 {
    let n = d.n as f64;
    // dof = δᵀX(β₂ − β₁)/ε
    let mut dof = 0.0;
    for j in 0..d.p {
        let db = beta2[j] - beta1[j];
        if db != 0.0 {
            dof += db * dot(d.col(j), delta);
        }
    }
    dof /= eps;
    d.matvec(beta1, tmp);
    let mut rss = 0.0;
    for (t, &yi) in tmp.iter_mut().zip(y) {
        *t = yi - *t;
        rss += *t * *t;
    }
    let c = 2.0 * sigma * sigma / eps;
    if let Some((g1, g2)) = grads {
        for j in 0..d.p {
            let xd = dot(d.col(j), delta);
            g1[j] = -2.0 * dot(d.col(j), tmp) - c * xd;
            g2[j] = c * xd;
        }
    }
    rss - n * sigma * sigma + 2.0 * sigma * sigma * dof
}

/// Default finite-difference step of SURE: 2σ/n^0.3.
pub fn sure_default_epsilon(sigma: f64, n: usize) -> f64 {
    2.0 * sigma / crate::math::exp(0.3 * ln(n as f64))
}

/// Row ranges of K contiguous folds over n rows (scikit-learn's KFold).
pub fn fold_bounds(n: usize, k: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(k);
    let (base, extra) = (n / k, n % k);
    let mut start = 0;
    for f in 0..k {
        let len = base + usize::from(f < extra);
        out.push((start, start + len));
        start += len;
    }
    out
}

/// Seeded N(0, 1) draws (SplitMix64 + Marsaglia's polar method, using the
/// core's own `ln` so native and wasm draw the same numbers).
pub struct Normal {
    state: u64,
    spare: Option<f64>,
}

impl Normal {
    pub fn new(seed: u64) -> Self {
        Self { state: seed, spare: None }
    }
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn sample(&mut self) -> f64 {
        if let Some(s) = self.spare.take() {
            return s;
        }
        loop {
            let u = 2.0 * self.uniform() - 1.0;
            let v = 2.0 * self.uniform() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                let f = (-2.0 * ln(s) / s).sqrt();
                self.spare = Some(v * f);
                return u * f;
            }
        }
    }
}
