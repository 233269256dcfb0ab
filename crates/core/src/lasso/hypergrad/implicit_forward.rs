//! Implicit forward (the paper's Algorithm 2): once β̂ is known, fix its
//! support S and signs s and iterate the forward Jacobian recursion on S
//! only. On S the recursion is Gauss–Seidel on
//! (X_SᵀWX_S/n + λ₂I) J_S = −(s ⊙ ∂λ/∂h + β_S ∂λ₂/∂h),
//! W = I (quadratic) or D = σ(z)σ(−z) (logistic): no matrix is formed or
//! inverted, each sweep costs 2·n·|S| per column, and J is warm-started from
//! the previous outer iteration.

use super::{sized, support_of, JacOptions};
use crate::lasso::data::{axpy, dot, dot3, Design};
use crate::lasso::solvers::{logistic_state, Work};
use crate::lasso::{KernelError, Model, Penalty};

/// Iterates J_S to convergence; returns (sweeps, converged).
pub fn jacobian(
    d: &Design,
    y: &[f64],
    pen: &Penalty,
    beta: &[f64],
    jac: &mut Vec<f64>,
    dz: &mut Vec<f64>,
    jopts: &JacOptions,
    ws: &mut Work,
) -> Result<(usize, bool), KernelError> {
    let (n, p, m) = (d.n, d.p, pen.m());
    let nf = n as f64;
    sized(jac, p * m)?;
    sized(dz, n * m)?;
    let mut support = std::mem::take(&mut ws.support);
    support_of(beta, &mut support);
    let logistic = pen.model.is_logistic();
    if logistic {
        d.matvec(beta, &mut ws.r);
        logistic_state(y, ws);
    }
    // Off the support J = 0; for the weighted Lasso only the columns of
    // hyperparameters in S can be non-zero.
    let weighted = pen.model == Model::WeightedLasso;
    for k in 0..m {
        let active_col = !weighted || beta[k] != 0.0;
        for j in 0..p {
            if !active_col || beta[j] == 0.0 {
                jac[k * p + j] = 0.0;
            }
        }
    }
    for &j in &support {
        let xj = d.col(j);
        ws.hd[j] = if logistic { dot3(xj, &ws.w, xj) / nf } else { d.sq_norms[j] / nf } + pen.l2;
    }
    let cols: Vec<usize> = if weighted { support.clone() } else { (0..m).collect() };
    for &k in &cols {
        let dzk = &mut dz[k * n..(k + 1) * n];
        dzk.fill(0.0);
        for &j in &support {
            axpy(jac[k * p + j], d.col(j), dzk);
        }
    }
    let mut result = (0, true);
    if !support.is_empty() {
        result = (jopts.max_iter, false);
        for sweep in 1..=jopts.max_iter {
            let mut maxd = 0.0f64;
            let mut maxj = 0.0f64;
            for &j in &support {
                let xj = d.col(j);
                let s = if beta[j] > 0.0 { 1.0 } else { -1.0 };
                let h = ws.hd[j];
                for &k in &cols {
                    let dzk = &mut dz[k * n..(k + 1) * n];
                    let old = jac[k * p + j];
                    let xd = if logistic { dot3(xj, &ws.w, dzk) } else { dot(xj, dzk) } / nf;
                    let g = xd + pen.l2 * old + s * pen.dl1(j, k) + beta[j] * pen.dl2(k);
                    let new = old - g / h;
                    if new != old {
                        axpy(new - old, xj, dzk);
                        jac[k * p + j] = new;
                    }
                    maxd = maxd.max((new - old).abs());
                    maxj = maxj.max(new.abs());
                }
            }
            if maxd <= jopts.tol * maxj {
                result = (sweep, true);
                break;
            }
        }
    }
    ws.support = support;
    Ok(result)
}
