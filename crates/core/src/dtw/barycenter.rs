//! Barycenters: argmin_Z Σ_k w_k f(Z, Y_k) over series Z of a fixed
//! length, by L-BFGS ([`crate::math::lbfgs`]) from an initial Z (Cuturi &
//! Blondel §4; Blondel et al. §5 for the divergences).
//!
//! For a divergence the Z–Z self-term is shared by all k, so one
//! evaluation runs one gradient DP per Y_k plus one for (Z, Z):
//! Σ_k w_k D(Z, Y_k) = Σ_k w_k f(Z, Y_k) − ½W f(Z, Z) − ½Σ_k w_k f(Y_k, Y_k).

use super::ops::{check_band, check_gamma, series_grad, series_value, PairOp, Series, ARG_X};
use super::{Options, Scratch};
use crate::math::all_finite;
use crate::math::lbfgs::{minimize, LbfgsError, LbfgsOptions, LbfgsReport};
use crate::{KernelError, Status};

// Argument indices: Ys, weights, gamma, band, init.
const ARG_YS: u8 = 0;
const ARG_WEIGHTS: u8 = 1;
const ARG_INIT: u8 = 4;

/// Barycenter of the series `ys` (lengths `ylens`, concatenated row-major)
/// under `op` (soft-DTW, sharp, mean cost or one of their divergences),
/// starting from and written to `z` (mz × dims). `weights` default to
/// 1/N each.
#[allow(clippy::too_many_arguments)]
pub fn barycenter(
    op: PairOp,
    ys: &[f64],
    ylens: &[u32],
    dims: usize,
    weights: Option<&[f64]>,
    o: &Options,
    z: &mut [f64],
    mz: usize,
    lb: &LbfgsOptions,
    sc: &mut Scratch,
) -> Result<LbfgsReport, KernelError> {
    if matches!(op, PairOp::Dtw | PairOp::Entropy) {
        return Err(KernelError::new(Status::BadOption, ARG_YS));
    }
    let ny = ylens.len();
    if ny == 0 || dims == 0 {
        return Err(KernelError::new(Status::Shape, ARG_YS));
    }
    if mz == 0 || mz.checked_mul(dims) != Some(z.len()) {
        return Err(KernelError::new(Status::Shape, ARG_INIT));
    }
    let mut offs = Vec::new();
    offs.try_reserve(ny + 1).map_err(|_| KernelError::new(Status::OutOfMemory, ARG_YS))?;
    let mut at = 0usize;
    for &l in ylens {
        if l == 0 {
            return Err(KernelError::new(Status::Shape, ARG_YS));
        }
        offs.push(at);
        at = (l as usize).checked_mul(dims).and_then(|v| v.checked_add(at)).ok_or(KernelError::new(Status::Shape, ARG_YS))?;
    }
    offs.push(at);
    if at != ys.len() {
        return Err(KernelError::new(Status::Shape, ARG_YS));
    }
    let uniform = 1.0 / ny as f64;
    let w = |k: usize| weights.map_or(uniform, |w| w[k]);
    if let Some(wt) = weights {
        if wt.len() != ny {
            return Err(KernelError::new(Status::Shape, ARG_WEIGHTS));
        }
        if !all_finite(wt) {
            return Err(KernelError::new(Status::NonFinite, ARG_WEIGHTS));
        }
        if wt.iter().any(|&v| v < 0.0) || !wt.iter().any(|&v| v > 0.0) {
            return Err(KernelError::new(Status::Domain, ARG_WEIGHTS));
        }
    }
    let base = op.base();
    check_gamma(base, o.gamma)?;
    if !all_finite(ys) {
        return Err(KernelError::new(Status::NonFinite, ARG_YS));
    }
    if !all_finite(z) {
        return Err(KernelError::new(Status::NonFinite, ARG_INIT));
    }
    let y = |k: usize| Series { data: &ys[offs[k]..offs[k + 1]], len: (offs[k + 1] - offs[k]) / dims };
    for k in 0..ny {
        check_band(mz, y(k).len, o.band, &mut sc.work)?;
    }
    let div = op.is_divergence();
    let total_w: f64 = (0..ny).map(w).sum();
    let mut constant = 0.0;
    if div {
        for k in 0..ny {
            if w(k) != 0.0 {
                constant -= 0.5 * w(k) * series_value(base, y(k), y(k), dims, o, sc)?;
            }
        }
    }
    let mut work = std::mem::take(&mut sc.lbfgs);
    let result = minimize(z, lb, &mut work, |zv: &[f64], g: &mut [f64]| -> Result<f64, KernelError> {
        g.fill(0.0);
        let zs = Series { data: zv, len: mz };
        let mut f = constant;
        for k in 0..ny {
            let wk = w(k);
            if wk != 0.0 {
                f += wk * series_grad(base, zs, y(k), dims, o, sc, Some((&mut *g, wk)), None, None)?;
            }
        }
        if div {
            f -= 0.5 * total_w * series_grad(base, zs, zs, dims, o, sc, Some((&mut *g, -total_w)), None, None)?;
        }
        Ok(f)
    });
    sc.lbfgs = work;
    match result {
        Ok(r) => Ok(r),
        Err(LbfgsError::Objective(e)) => Err(e),
        Err(LbfgsError::OutOfMemory) => Err(KernelError::new(Status::OutOfMemory, ARG_X)),
    }
}

/// Default L-BFGS settings of the barycenter (tslearn's: 50 iterations,
/// tol 1e-3 for both the gradient and the relative decrease).
pub fn default_options() -> LbfgsOptions {
    LbfgsOptions { history: 10, max_iter: 50, max_evals: 500, gtol: 1e-3, ftol: 1e-3 }
}

// Re-exported for callers that build options.
pub use crate::math::lbfgs::Stop;
