//! Implicit differentiation with an adjoint: on the support S of β̂,
//! (X_SᵀWX_S/n + λ₂I) u = −∇_S C is solved by conjugate gradient (matrix
//! free, 2·n·|S| per iteration, warm-started from the previous u), then
//! ∂C/∂h_k = Σ_{j∈S} u_j (s_j ∂λ_j/∂h_k + β_j ∂λ₂/∂h_k).

use super::{support_of, JacOptions};
use crate::lasso::data::{axpy, dot, Design};
use crate::lasso::solvers::{logistic_state, Work};
use crate::lasso::{alloc, KernelError, Penalty};

/// Solves for the adjoint and writes the m hypergradients; returns (CG
/// iterations, converged).
pub fn adjoint(
    d: &Design,
    y: &[f64],
    pen: &Penalty,
    beta: &[f64],
    adj: &mut [f64],
    a: &[f64],
    out: &mut [f64],
    jopts: &JacOptions,
    ws: &mut Work,
) -> Result<(usize, bool), KernelError> {
    let n = d.n;
    let nf = n as f64;
    out.fill(0.0);
    let mut support = std::mem::take(&mut ws.support);
    support_of(beta, &mut support);
    let s = support.len();
    for (j, u) in adj.iter_mut().enumerate() {
        if beta[j] == 0.0 {
            *u = 0.0;
        }
    }
    if s == 0 {
        ws.support = support;
        return Ok((0, true));
    }
    let logistic = pen.model.is_logistic();
    if logistic {
        d.matvec(beta, &mut ws.r);
        logistic_state(y, ws);
    }
    let mut x: Vec<f64> = alloc(s)?;
    let mut res: Vec<f64> = alloc(s)?;
    let mut dir: Vec<f64> = alloc(s)?;
    let mut ad: Vec<f64> = alloc(s)?;
    let mut tmp: Vec<f64> = alloc(n)?;
    // A v = X_Sᵀ W X_S v / n + λ₂ v
    let apply = |v: &[f64], out: &mut [f64], tmp: &mut [f64], w: &[f64]| {
        tmp.fill(0.0);
        for (i, &j) in support.iter().enumerate() {
            if v[i] != 0.0 {
                axpy(v[i], d.col(j), tmp);
            }
        }
        if logistic {
            for (t, &wi) in tmp.iter_mut().zip(w) {
                *t *= wi;
            }
        }
        for (i, &j) in support.iter().enumerate() {
            out[i] = dot(d.col(j), tmp) / nf + pen.l2 * v[i];
        }
    };
    let mut bnorm = 0.0;
    for (i, &j) in support.iter().enumerate() {
        x[i] = adj[j];
        bnorm += a[j] * a[j];
    }
    let bnorm = bnorm.sqrt();
    apply(&x, &mut ad, &mut tmp, &ws.w);
    let mut rr = 0.0;
    for (i, &j) in support.iter().enumerate() {
        res[i] = -a[j] - ad[i];
        dir[i] = res[i];
        rr += res[i] * res[i];
    }
    let goal = jopts.tol * bnorm;
    let mut iters = 0;
    let mut ok = rr.sqrt() <= goal;
    while !ok && iters < jopts.max_iter {
        apply(&dir, &mut ad, &mut tmp, &ws.w);
        let dad = dot(&dir, &ad);
        if !(dad > 0.0) {
            break;
        }
        let alpha = rr / dad;
        let mut rr_new = 0.0;
        for i in 0..s {
            x[i] += alpha * dir[i];
            res[i] -= alpha * ad[i];
            rr_new += res[i] * res[i];
        }
        iters += 1;
        if rr_new.sqrt() <= goal {
            ok = true;
            break;
        }
        let beta_cg = rr_new / rr;
        rr = rr_new;
        for i in 0..s {
            dir[i] = res[i] + beta_cg * dir[i];
        }
    }
    for (i, &j) in support.iter().enumerate() {
        adj[j] = x[i];
        let sg = if beta[j] > 0.0 { 1.0 } else { -1.0 };
        for (k, o) in out.iter_mut().enumerate() {
            *o += x[i] * (sg * pen.dl1(j, k) + beta[j] * pen.dl2(k));
        }
    }
    ws.support = support;
    Ok((iters, ok))
}
