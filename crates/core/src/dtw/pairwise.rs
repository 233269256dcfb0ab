//! Matrices of an operator over two sets of series (or one set against
//! itself), in one call: `out[a·ny + b] = f(X_a, Y_b)`.
//!
//! Series of one set may have different lengths (all share `dims`); they
//! are concatenated row-major with their lengths in `lens`. Divergences
//! compute each self-term f(S, S) once per series. Without `ys` the matrix
//! is symmetric and only its upper triangle is computed (f(X, Y) = f(Y, X)
//! bit for bit).

use super::ops::{check_gamma, series_value, Base, PairOp, Series, ARG_X, ARG_Y};
use super::{Options, Scratch};
use crate::math::all_finite;
use crate::{KernelError, Status};

/// What a pairwise entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// One of the pair operators (codes 0–7 as [`PairOp`]).
    Op(PairOp),
    /// Σ_t cost(x_t, y_t) for equal lengths (code 8).
    Euclidean,
}

impl Metric {
    pub fn from_code(code: i32) -> Option<Self> {
        if code == 8 {
            Some(Metric::Euclidean)
        } else {
            PairOp::from_code(code).map(Metric::Op)
        }
    }
}

// ARG_GAMMA = 2 and ARG_BAND = 3 as for pairs; output is 4.
const ARG_OUT: u8 = 4;

#[derive(Default)]
pub struct PairwiseScratch {
    offs_x: Vec<usize>,
    offs_y: Vec<usize>,
    self_x: Vec<f64>,
    self_y: Vec<f64>,
}

fn offsets(data: &[f64], lens: &[u32], dims: usize, arg: u8, offs: &mut Vec<usize>) -> Result<(), KernelError> {
    offs.clear();
    offs.try_reserve(lens.len() + 1).map_err(|_| KernelError::new(Status::OutOfMemory, arg))?;
    let mut at = 0usize;
    for &l in lens {
        offs.push(at);
        let l = l as usize;
        if l == 0 {
            return Err(KernelError::new(Status::Shape, arg));
        }
        at = l.checked_mul(dims).and_then(|v| v.checked_add(at)).ok_or(KernelError::new(Status::Shape, arg))?;
    }
    offs.push(at);
    if at != data.len() || dims == 0 {
        return Err(KernelError::new(Status::Shape, arg));
    }
    if !all_finite(data) {
        return Err(KernelError::new(Status::NonFinite, arg));
    }
    Ok(())
}

fn nth<'a>(data: &'a [f64], offs: &[usize], k: usize, dims: usize) -> Series<'a> {
    let (a, b) = (offs[k], offs[k + 1]);
    Series { data: &data[a..b], len: (b - a) / dims }
}

/// Fills `out` (nx × ny, or nx × nx without `ys`).
#[allow(clippy::too_many_arguments)]
pub fn pairwise(
    metric: Metric,
    xs: &[f64],
    xlens: &[u32],
    ys: Option<(&[f64], &[u32])>,
    dims: usize,
    o: &Options,
    out: &mut [f64],
    sc: &mut Scratch,
) -> Result<(), KernelError> {
    let mut pw = std::mem::take(&mut sc.pw);
    let r = run(metric, xs, xlens, ys, dims, o, out, sc, &mut pw);
    sc.pw = pw;
    r
}

#[allow(clippy::too_many_arguments)]
fn run(
    metric: Metric,
    xs: &[f64],
    xlens: &[u32],
    ys: Option<(&[f64], &[u32])>,
    dims: usize,
    o: &Options,
    out: &mut [f64],
    sc: &mut Scratch,
    pw: &mut PairwiseScratch,
) -> Result<(), KernelError> {
    let nx = xlens.len();
    offsets(xs, xlens, dims, ARG_X, &mut pw.offs_x)?;
    let (ydata, ny) = match ys {
        Some((yd, yl)) => {
            offsets(yd, yl, dims, ARG_Y, &mut pw.offs_y)?;
            (yd, yl.len())
        }
        None => (xs, nx),
    };
    let offs_y: &[usize] = if ys.is_some() { &pw.offs_y } else { &pw.offs_x };
    if nx.checked_mul(ny) != Some(out.len()) {
        return Err(KernelError::new(Status::Shape, ARG_OUT));
    }
    let op = match metric {
        Metric::Euclidean => None,
        Metric::Op(op) => Some(op),
    };
    if let Some(op) = op {
        check_gamma(op.base(), o.gamma)?;
    }
    let x = |k: usize| nth(xs, &pw.offs_x, k, dims);
    let y = |k: usize| nth(ydata, offs_y, k, dims);
    let symmetric = ys.is_none();
    // Self terms of the divergences.
    let base = op.map(|p| p.base()).unwrap_or(Base::SoftDtw);
    let div = op.is_some_and(|p| p.is_divergence());
    let mut self_x = std::mem::take(&mut pw.self_x);
    let mut self_y = std::mem::take(&mut pw.self_y);
    let result = (|| {
        if div {
            self_x.clear();
            self_x.try_reserve(nx).map_err(|_| KernelError::new(Status::OutOfMemory, ARG_X))?;
            for a in 0..nx {
                self_x.push(series_value(base, x(a), x(a), dims, o, sc)?);
            }
            if !symmetric {
                self_y.clear();
                self_y.try_reserve(ny).map_err(|_| KernelError::new(Status::OutOfMemory, ARG_Y))?;
                for b in 0..ny {
                    self_y.push(series_value(base, y(b), y(b), dims, o, sc)?);
                }
            }
        }
        let sy: &[f64] = if symmetric { &self_x } else { &self_y };
        for a in 0..nx {
            let b0 = if symmetric { a } else { 0 };
            for b in b0..ny {
                let (sa, sb) = (x(a), y(b));
                let v = match op {
                    None => euclidean(sa, sb, dims, o, if symmetric { ARG_X } else { ARG_Y })?,
                    Some(_) => {
                        let v = series_value(base, sa, sb, dims, o, sc)?;
                        if div {
                            v - 0.5 * (self_x[a] + sy[b])
                        } else {
                            v
                        }
                    }
                };
                if !v.is_finite() {
                    return Err(KernelError::new(Status::Domain, super::ops::ARG_GAMMA));
                }
                out[a * ny + b] = v;
                if symmetric {
                    out[b * ny + a] = v;
                }
            }
        }
        Ok(())
    })();
    pw.self_x = self_x;
    pw.self_y = self_y;
    result
}

fn euclidean(a: Series, b: Series, dims: usize, o: &Options, arg: u8) -> Result<f64, KernelError> {
    if a.len != b.len {
        return Err(KernelError::new(Status::Shape, arg));
    }
    let mut s = 0.0;
    for t in 0..a.len * dims {
        let d = a.data[t] - b.data[t];
        s += d * d;
    }
    Ok(o.cost.weight() * s)
}
