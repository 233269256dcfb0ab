//! Forward mode (iterative differentiation): the Jacobian J = dβ/dh rides
//! along coordinate descent, J_j ← |sign β_j⁺|·(dz_j − ∂λ_j/∂h·sign β_j⁺/L_j)
//! (MATH.md §4), warm-started from the previous outer iteration's J. Cost per
//! epoch: (1 + m)·n·p, so m = p (weighted Lasso) is expensive — prefer the
//! implicit algorithms there.

use super::sized;
use crate::lasso::data::{axpy, Design};
use crate::lasso::solvers::{cd_quadratic, prox_cd_logistic, FitInfo, JacCd, SolveOptions, Work};
use crate::lasso::{KernelError, Penalty};

/// Coordinate descent (proximal CD with steps 1/L_j for the logistic model)
/// with the Jacobian, from the warm starts `beta` and `jac`.
pub fn solve(
    d: &Design,
    y: &[f64],
    pen: &Penalty,
    beta: &mut [f64],
    jac: &mut Vec<f64>,
    dz: &mut Vec<f64>,
    opts: &SolveOptions,
    ws: &mut Work,
) -> Result<FitInfo, KernelError> {
    let (n, p, m) = (d.n, d.p, pen.m());
    sized(jac, p * m)?;
    sized(dz, n * m)?;
    dz.fill(0.0);
    for k in 0..m {
        for j in 0..p {
            let v = jac[k * p + j];
            if v != 0.0 {
                axpy(v, d.col(j), &mut dz[k * n..(k + 1) * n]);
            }
        }
    }
    let jc = Some(JacCd { jac: &mut jac[..], dz: &mut dz[..], m });
    if pen.model.is_logistic() {
        prox_cd_logistic(d, y, pen, beta, opts, ws, jc, None)
    } else {
        cd_quadratic(d, y, pen, beta, opts, ws, jc, None)
    }
}
