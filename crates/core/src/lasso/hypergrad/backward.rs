//! Backward mode (reverse-mode iterative differentiation): coordinate
//! descent records β after every epoch; the adjoint a = ∇C(β_K) then runs
//! through the epochs and coordinates in reverse. One sweep gives all m
//! hypergradients (cheap for the weighted Lasso), at the price of storing
//! (K+1)·p numbers. The warm start β₀ is a constant.
//!
//! Quadratic step j: u = L_jβ_j + X_jᵀr/n, β_j' = ST(u, λ_j)/(L_j + λ₂),
//! r' = r − X_j(β_j' − β_j). With adjoints (a_j, ā_r) after the step and
//! t = a_j − X_jᵀā_r, ū = t·|sign β_j'|/(L_j + λ₂):
//! a_j ← ū L_j + X_jᵀā_r, ā_r ← ā_r + ū X_j/n, ∂/∂h_k += −t(s ∂λ_j/∂h_k + β_j' ∂λ₂/∂h_k)/(L_j + λ₂).
//!
//! Logistic step j (z = Xβ, steps 1/L_j): u = β_j − X_jᵀℓ'(z)/(nL_j),
//! β_j' = ST(u, λ_j/L_j), z' = z + X_j(β_j' − β_j); with t = a_j + X_jᵀā_z,
//! ū = t·|sign β_j'|: a_j ← ū − X_jᵀā_z, ā_z ← ā_z − ū X_j ⊙ D(z)/(nL_j),
//! ∂/∂h_k += −t s ∂λ_j/∂h_k / L_j, where z before the step is rebuilt from
//! the recorded epochs.

use crate::lasso::data::{axpy, dot, Design};
use crate::lasso::solvers::{cd_quadratic, prox_cd_logistic, sigmoid_pair, FitInfo, SolveOptions, Work};
use crate::lasso::{KernelError, Penalty};

/// Coordinate descent from the warm start, recording the iterates.
pub fn solve(
    d: &Design,
    y: &[f64],
    pen: &Penalty,
    beta: &mut [f64],
    record: &mut Vec<f64>,
    opts: &SolveOptions,
    ws: &mut Work,
) -> Result<FitInfo, KernelError> {
    if pen.model.is_logistic() {
        prox_cd_logistic(d, y, pen, beta, opts, ws, None, Some(record))
    } else {
        cd_quadratic(d, y, pen, beta, opts, ws, None, Some(record))
    }
}

/// The reverse sweep: out = aᵀ dβ_K/dh.
pub fn sweep(d: &Design, y: &[f64], pen: &Penalty, record: &[f64], a: &[f64], out: &mut [f64], ws: &mut Work) -> Result<(), KernelError> {
    let (n, p) = (d.n, d.p);
    let nf = n as f64;
    let m = out.len();
    out.fill(0.0);
    ws.ensure(n, p)?;
    let epochs = (record.len() / p).saturating_sub(1);
    let adj = &mut ws.b;
    adj.copy_from_slice(a);
    let ar = &mut ws.q;
    ar.fill(0.0);
    let logistic = pen.model.is_logistic();
    if logistic {
        d.matvec(&record[epochs * p..(epochs + 1) * p], &mut ws.r);
    }
    for e in (1..=epochs).rev() {
        let post = &record[e * p..(e + 1) * p];
        let pre = &record[(e - 1) * p..e * p];
        for j in (0..p).rev() {
            let sq = d.sq_norms[j];
            if sq == 0.0 {
                adj[j] = 0.0;
                continue;
            }
            let xj = d.col(j);
            let bj = post[j];
            let s = if bj > 0.0 { 1.0 } else { -1.0 };
            if logistic {
                let lj = sq / (4.0 * nf);
                let delta = bj - pre[j];
                if delta != 0.0 {
                    axpy(-delta, xj, &mut ws.r);
                }
                let xa = dot(xj, ar);
                let t = adj[j] + xa;
                if bj != 0.0 {
                    for (k, o) in out.iter_mut().enumerate().take(m) {
                        *o -= t * s * pen.dl1(j, k) / lj;
                    }
                    adj[j] = t - xa;
                    let c = t / (nf * lj);
                    for i in 0..n {
                        let (pm, pp) = sigmoid_pair(y[i] * ws.r[i]);
                        ar[i] -= c * xj[i] * pm * pp;
                    }
                } else {
                    adj[j] = -xa;
                }
            } else {
                let lj = sq / nf;
                let denom = lj + pen.l2;
                let xa = dot(xj, ar);
                let t = adj[j] - xa;
                if bj != 0.0 {
                    let u = t / denom;
                    for (k, o) in out.iter_mut().enumerate().take(m) {
                        *o -= t * (s * pen.dl1(j, k) + bj * pen.dl2(k)) / denom;
                    }
                    adj[j] = u * lj + xa;
                    axpy(u / nf, xj, ar);
                } else {
                    adj[j] = xa;
                }
            }
        }
    }
    Ok(())
}
