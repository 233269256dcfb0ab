//! The operators: on pairs of series ([`pair`]) and on cost matrices
//! ([`from_cost`]), value-only or with gradients, built from the sweeps.
//!
//! Units: the DP runs on c = C/γ. With E = ∂sdtw/∂C and Ė(z) the Hessian of
//! V(c) = sdtw/γ applied to z (see [`super::backward`]):
//!
//! | op | value | ∂/∂C |
//! |---|---|---|
//! | soft-DTW | γ·V[m,n] | E |
//! | sharp | ⟨E, C⟩ = γ·V̇(z = c) | E + Ė(c) |
//! | entropy | V̇(z = local entropy) | Ė(c)/γ |
//! | mean cost | V̇(z = C) on the zero-cost DP | Ē (path counts) |
//!
//! and ∂/∂x_i = 2h Σ_j G_ij (x_i − y_j) for C = h‖x − y‖².

use super::backward::{alignment, hvp, jvp};
use super::field::{layout_cols_reversed, layout_rows, unlayout_cols_reversed, unlayout_rows, Features, Field, Matrix, Zero};
use super::forward::{self, Tangent};
use super::geometry::{band_rows, diagonals, grow, grow_fill, Diag};
use super::{Layout, Options, Scratch, Work};
use crate::math::all_finite;
use crate::math::softmin::exp_nonpos;
use crate::{KernelError, Status};

// Argument indices reported in KernelError (ts/dtw names them).
pub const ARG_X: u8 = 0;
pub const ARG_Y: u8 = 1;
pub const ARG_GAMMA: u8 = 2;
pub const ARG_BAND: u8 = 3;
pub const ARG_OUT: u8 = 4;

/// The per-pair quantity a DP computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base {
    SoftDtw,
    Sharp,
    Entropy,
    MeanCost,
    /// Plain DTW (min over alignments of ⟨A, C⟩); value only.
    Dtw,
}

impl Base {
    pub fn uses_gamma(self) -> bool {
        !matches!(self, Base::MeanCost | Base::Dtw)
    }
}

/// Operators on a pair of series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PairOp {
    SoftDtw,
    Divergence,
    Sharp,
    SharpDivergence,
    MeanCost,
    MeanCostDivergence,
    Entropy,
    Dtw,
}

impl PairOp {
    pub fn from_code(code: i32) -> Option<Self> {
        Some(match code {
            0 => Self::SoftDtw,
            1 => Self::Divergence,
            2 => Self::Sharp,
            3 => Self::SharpDivergence,
            4 => Self::MeanCost,
            5 => Self::MeanCostDivergence,
            6 => Self::Entropy,
            7 => Self::Dtw,
            _ => return None,
        })
    }
    pub fn base(self) -> Base {
        match self {
            Self::SoftDtw | Self::Divergence => Base::SoftDtw,
            Self::Sharp | Self::SharpDivergence => Base::Sharp,
            Self::MeanCost | Self::MeanCostDivergence => Base::MeanCost,
            Self::Entropy => Base::Entropy,
            Self::Dtw => Base::Dtw,
        }
    }
    pub fn is_divergence(self) -> bool {
        matches!(self, Self::Divergence | Self::SharpDivergence | Self::MeanCostDivergence)
    }
}

/// Operators on a cost matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CostOp {
    SoftDtw,
    Sharp,
    Entropy,
    MeanCost,
}

impl CostOp {
    pub fn from_code(code: i32) -> Option<Self> {
        Some(match code {
            0 => Self::SoftDtw,
            1 => Self::Sharp,
            2 => Self::Entropy,
            3 => Self::MeanCost,
            _ => return None,
        })
    }
    fn base(self) -> Base {
        match self {
            Self::SoftDtw => Base::SoftDtw,
            Self::Sharp => Base::Sharp,
            Self::Entropy => Base::Entropy,
            Self::MeanCost => Base::MeanCost,
        }
    }
}

fn err(status: Status, arg: u8) -> KernelError {
    KernelError::new(status, arg)
}

/// The value of `base` for the table whose rows/bounds are in `w.lo/hi`.
/// `cost` is c = C/γ, `raw` is C.
/// `sym`: the table is symmetric (a series against itself).
#[allow(clippy::too_many_arguments)]
pub(crate) fn value_base<F: Field, R: Field>(base: Base, m: usize, n: usize, gamma: f64, cost: &F, raw: &R, sym: bool, w: &mut Work) -> Result<f64, Status> {
    let Work { lo, hi, roll, .. } = w;
    Ok(match base {
        Base::SoftDtw => gamma * forward::value(m, n, lo, hi, cost, sym, roll)?,
        Base::Sharp => gamma * forward::value_jvp(m, n, lo, hi, cost, Tangent::Field(cost), sym, roll)?.1,
        Base::Entropy => forward::value_jvp(m, n, lo, hi, cost, Tangent::<F>::Entropy, sym, roll)?.1,
        Base::MeanCost => forward::value_jvp(m, n, lo, hi, &Zero, Tangent::Field(raw), sym, roll)?.1,
        Base::Dtw => forward::hard(m, n, lo, hi, raw, roll)?,
    })
}

/// The value of `base` and its gradient w.r.t. C, handed to `sink(k, d, g)`
/// one diagonal at a time (g indexed by row). Bounds in `w.lo/hi`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn grad_base<F: Field, R: Field>(
    base: Base,
    m: usize,
    n: usize,
    gamma: f64,
    cost: &F,
    raw: &R,
    sym: bool,
    w: &mut Work,
    mut sink: impl FnMut(usize, Diag, &[f64]),
) -> Result<f64, Status> {
    let cells = diagonals(m, &w.lo, &w.hi, n, &mut w.diags)?;
    match base {
        Base::SoftDtw => {
            tape(m, n, cells, cost, sym, w).map(|v| gamma * v).and_then(|v| {
                alignment(m, n, &w.diags, &w.pl, &w.pd, &w.pu, &mut w.rev, |k, d, e| sink(k, d, e))?;
                Ok(v)
            })
        }
        Base::Sharp | Base::Entropy => {
            let value = if base == Base::Entropy { Some(value_base(base, m, n, gamma, cost, raw, sym, w)?) } else { None };
            tape(m, n, cells, cost, sym, w)?;
            grow(&mut w.e, cells)?;
            grow(&mut w.inner, cells)?;
            let e_flat = &mut w.e;
            alignment(m, n, &w.diags, &w.pl, &w.pd, &w.pu, &mut w.rev, |_, d, e| {
                e_flat[d.off..d.off + d.len()].copy_from_slice(&e[d.lo..d.lo + d.len()]);
            })?;
            let vd = jvp(m, n, &w.diags, &w.pl, &w.pd, &w.pu, cost, &mut w.roll.dv, &mut w.roll.z, &mut w.inner)?;
            let sharp = base == Base::Sharp;
            let inv_gamma = 1.0 / gamma;
            hvp(m, n, &w.diags, &w.pl, &w.pd, &w.pu, &w.e, &w.inner, cost, &mut w.rev, |k, d, e, ed, g| {
                for i in d.lo..=d.hi {
                    g[i] = if sharp { e[i] + ed[i] } else { ed[i] * inv_gamma };
                }
                sink(k, d, g);
            })?;
            Ok(value.unwrap_or(gamma * vd))
        }
        Base::MeanCost => {
            let value = value_base(base, m, n, gamma, cost, raw, sym, w)?;
            grow(&mut w.vals, cells)?;
            let vend = forward::store_values(m, n, &w.diags, &Zero, &mut w.roll, &mut w.vals)?;
            let g = &mut w.rev.g;
            grow_fill(g, m + 2, 0.0)?;
            for k in 2..=m + n {
                let d = w.diags[k];
                let dr = w.diags[m + n + 2 - k];
                for i in d.lo..=d.hi {
                    let ir = m + 1 - i;
                    let a = w.vals[d.off + i - d.lo];
                    let b = w.vals[dr.off + ir - dr.lo];
                    g[i] = exp_nonpos(vend - a - b);
                }
                if !d.is_empty() {
                    sink(k, d, g);
                }
            }
            Ok(value)
        }
        Base::Dtw => Err(Status::BadOption),
    }
}

/// Forward pass with the probabilities recorded in `w.pl/pd/pu`.
fn tape<F: Field>(m: usize, n: usize, cells: usize, cost: &F, sym: bool, w: &mut Work) -> Result<f64, Status> {
    grow(&mut w.pl, cells)?;
    grow(&mut w.pd, cells)?;
    grow(&mut w.pu, cells)?;
    forward::tape(m, n, &w.diags, cost, sym, &mut w.roll, &mut w.pl, &mut w.pd, &mut w.pu)
}

/// A series: `len` frames of `dims` values, row-major.
#[derive(Clone, Copy)]
pub struct Series<'a> {
    pub data: &'a [f64],
    pub len: usize,
}

fn layout(lay: &mut Layout, rows: Series, cols: Series, dims: usize, grads: bool) -> Result<(), Status> {
    grow(&mut lay.xt, dims * (rows.len + 1))?;
    grow(&mut lay.yr, dims * (cols.len + 1))?;
    layout_rows(rows.data, rows.len, dims, &mut lay.xt);
    layout_cols_reversed(cols.data, cols.len, dims, &mut lay.yr);
    if grads {
        grow_fill(&mut lay.gxt, dims * (rows.len + 1), 0.0)?;
        grow_fill(&mut lay.gyr, dims * (cols.len + 1), 0.0)?;
    }
    Ok(())
}

/// The same series on both sides (its table is symmetric).
fn same(a: Series, b: Series) -> bool {
    a.len == b.len && std::ptr::eq(a.data.as_ptr(), b.data.as_ptr()) && a.data.len() == b.data.len()
}

fn band_err(s: Status) -> KernelError {
    match s {
        Status::Domain => err(Status::Domain, ARG_BAND),
        s => err(s, ARG_X),
    }
}

/// Value of `base` for (a, b), with the shorter series on the rows
/// (O(min) memory; transposition changes no bit of the result).
pub(crate) fn series_value(base: Base, a: Series, b: Series, dims: usize, o: &Options, sc: &mut Scratch) -> Result<f64, KernelError> {
    let (r, c) = if a.len <= b.len { (a, b) } else { (b, a) };
    layout(&mut sc.lay, r, c, dims, false).map_err(|s| err(s, ARG_X))?;
    band_rows(r.len, c.len, o.band, &mut sc.work.lo, &mut sc.work.hi).map_err(band_err)?;
    let h = o.cost.weight();
    let cost = Features { xt: &sc.lay.xt, yr: &sc.lay.yr, m: r.len, n: c.len, dims, scale: h / o.gamma };
    let raw = Features { scale: h, ..cost };
    value_base(base, r.len, c.len, o.gamma, &cost, &raw, same(a, b), &mut sc.work).map_err(|s| err(s, ARG_X))
}

/// Value of `base` for (a, b) and gradients: `ga = (out, sign)` receives
/// sign·∂/∂a added (row-major), `gb` likewise for b, `align` the gradient
/// w.r.t. C (a.len × b.len, overwritten).
#[allow(clippy::too_many_arguments)]
pub(crate) fn series_grad(
    base: Base,
    a: Series,
    b: Series,
    dims: usize,
    o: &Options,
    sc: &mut Scratch,
    ga: Option<(&mut [f64], f64)>,
    gb: Option<(&mut [f64], f64)>,
    mut align: Option<&mut [f64]>,
) -> Result<f64, KernelError> {
    let (m, n) = (a.len, b.len);
    layout(&mut sc.lay, a, b, dims, true).map_err(|s| err(s, ARG_X))?;
    band_rows(m, n, o.band, &mut sc.work.lo, &mut sc.work.hi).map_err(band_err)?;
    let h = o.cost.weight();
    let Layout { xt, yr, gxt, gyr } = &mut sc.lay;
    let cost = Features { xt, yr, m, n, dims, scale: h / o.gamma };
    let raw = Features { scale: h, ..cost };
    if let Some(al) = align.as_deref_mut() {
        al.fill(0.0);
    }
    let value = grad_base(base, m, n, o.gamma, &cost, &raw, same(a, b), &mut sc.work, |k, d, g| {
        cost.accumulate(k, d, g, gxt, gyr);
        if let Some(al) = align.as_deref_mut() {
            for i in d.lo..=d.hi {
                al[(i - 1) * n + (k - i - 1)] = g[i];
            }
        }
    })
    .map_err(|s| err(s, ARG_X))?;
    let factor = 2.0 * h;
    if let Some((out, sign)) = ga {
        unlayout_rows(gxt, m, dims, sign * factor, out);
    }
    if let Some((out, sign)) = gb {
        unlayout_cols_reversed(gyr, n, dims, sign * factor, out);
    }
    Ok(value)
}

pub(crate) fn check_gamma(base: Base, gamma: f64) -> Result<(), KernelError> {
    if base.uses_gamma() && !(gamma.is_finite() && gamma > 0.0) {
        return Err(err(Status::Domain, ARG_GAMMA));
    }
    Ok(())
}

/// Checks a series argument: non-empty, `len·dims` values, all finite.
pub(crate) fn check_series(s: Series, dims: usize, arg: u8) -> Result<(), KernelError> {
    if s.len == 0 || dims == 0 || s.len.checked_mul(dims) != Some(s.data.len()) {
        return Err(err(Status::Shape, arg));
    }
    Ok(())
}

/// Checks that a band leaves a path for an m×n table.
pub(crate) fn check_band(m: usize, n: usize, band: Option<usize>, w: &mut Work) -> Result<(), KernelError> {
    band_rows(m, n, band, &mut w.lo, &mut w.hi).map(|_| ()).map_err(band_err)
}

fn finite_value(v: f64) -> Result<f64, KernelError> {
    if v.is_finite() {
        Ok(v)
    } else {
        // Only reachable when C/γ overflows (finite inputs, huge values).
        Err(err(Status::Domain, ARG_GAMMA))
    }
}

/// An operator on the series X (m×dims) and Y (n×dims), row-major. With
/// `gx`/`gy` the gradients w.r.t. X and Y are written there; `align`
/// (m×n, non-divergence ops only) receives the gradient w.r.t. the cost
/// matrix (the expected alignment E for soft-DTW, Ē for the mean cost).
#[allow(clippy::too_many_arguments)]
pub fn pair(
    op: PairOp,
    x: &[f64],
    m: usize,
    y: &[f64],
    n: usize,
    dims: usize,
    o: &Options,
    mut gx: Option<&mut [f64]>,
    mut gy: Option<&mut [f64]>,
    align: Option<&mut [f64]>,
    sc: &mut Scratch,
) -> Result<f64, KernelError> {
    let (sx, sy) = (Series { data: x, len: m }, Series { data: y, len: n });
    check_series(sx, dims, ARG_X)?;
    check_series(sy, dims, ARG_Y)?;
    if gx.as_ref().is_some_and(|g| g.len() != x.len())
        || gy.as_ref().is_some_and(|g| g.len() != y.len())
        || align.as_ref().is_some_and(|a| Some(a.len()) != m.checked_mul(n))
    {
        return Err(err(Status::Shape, ARG_OUT));
    }
    let base = op.base();
    check_gamma(base, o.gamma)?;
    check_band(m, n, o.band, &mut sc.work)?;
    if !all_finite(x) {
        return Err(err(Status::NonFinite, ARG_X));
    }
    if !all_finite(y) {
        return Err(err(Status::NonFinite, ARG_Y));
    }
    let grads = gx.is_some() || gy.is_some() || align.is_some();
    if grads && (base == Base::Dtw || (op.is_divergence() && align.is_some())) {
        return Err(err(Status::BadOption, ARG_OUT));
    }
    if let Some(g) = gx.as_deref_mut() {
        g.fill(0.0);
    }
    if let Some(g) = gy.as_deref_mut() {
        g.fill(0.0);
    }
    let v = if !op.is_divergence() {
        if grads {
            series_grad(base, sx, sy, dims, o, sc, gx.as_deref_mut().map(|g| (g, 1.0)), gy.as_deref_mut().map(|g| (g, 1.0)), align)?
        } else {
            series_value(base, sx, sy, dims, o, sc)?
        }
    } else if grads {
        let vxy = series_grad(base, sx, sy, dims, o, sc, gx.as_deref_mut().map(|g| (g, 1.0)), gy.as_deref_mut().map(|g| (g, 1.0)), None)?;
        let vxx = match gx.as_deref_mut() {
            Some(g) => series_grad(base, sx, sx, dims, o, sc, Some((g, -1.0)), None, None)?,
            None => series_value(base, sx, sx, dims, o, sc)?,
        };
        let vyy = match gy.as_deref_mut() {
            Some(g) => series_grad(base, sy, sy, dims, o, sc, None, Some((g, -1.0)), None)?,
            None => series_value(base, sy, sy, dims, o, sc)?,
        };
        vxy - 0.5 * (vxx + vyy)
    } else {
        let vxy = series_value(base, sx, sy, dims, o, sc)?;
        let vxx = series_value(base, sx, sx, dims, o, sc)?;
        let vyy = series_value(base, sy, sy, dims, o, sc)?;
        vxy - 0.5 * (vxx + vyy)
    };
    let v = finite_value(v)?;
    if gx.as_ref().is_some_and(|g| !all_finite(g)) || gy.as_ref().is_some_and(|g| !all_finite(g)) {
        return Err(err(Status::Domain, ARG_GAMMA));
    }
    Ok(v)
}

// Argument indices of `from_cost`: the matrix C, the tangent Z, γ, band.
pub const ARG_C: u8 = 0;
pub const ARG_Z: u8 = 1;

/// Outputs of [`from_cost`] (each optional).
#[derive(Default)]
pub struct CostOutputs<'a> {
    /// ∂value/∂C (m×n).
    pub grad: Option<&'a mut [f64]>,
    /// ⟨∂value/∂C, Z⟩ (needs `z`).
    pub jvp: Option<&'a mut f64>,
    /// ∇²sdtw·Z (soft-DTW only; needs `z`).
    pub hvp: Option<&'a mut [f64]>,
}

/// An operator on a cost matrix C (m×n, row-major); `z` is the tangent for
/// the jvp and the Hessian-vector product.
#[allow(clippy::too_many_arguments)]
pub fn from_cost(
    op: CostOp,
    c: &[f64],
    m: usize,
    n: usize,
    gamma: f64,
    band: Option<usize>,
    z: Option<&[f64]>,
    out: CostOutputs,
    sc: &mut Scratch,
) -> Result<f64, KernelError> {
    let CostOutputs { grad, jvp: jvp_out, hvp: hvp_out } = out;
    let cells = m.checked_mul(n).ok_or(err(Status::Shape, ARG_C))?;
    if cells == 0 || c.len() != cells {
        return Err(err(Status::Shape, ARG_C));
    }
    if z.is_some_and(|z| z.len() != cells) {
        return Err(err(Status::Shape, ARG_Z));
    }
    if grad.as_ref().is_some_and(|g| g.len() != cells) || hvp_out.as_ref().is_some_and(|g| g.len() != cells) {
        return Err(err(Status::Shape, ARG_OUT));
    }
    if (jvp_out.is_some() || hvp_out.is_some()) && z.is_none() {
        return Err(err(Status::Shape, ARG_Z));
    }
    if hvp_out.is_some() && op != CostOp::SoftDtw {
        return Err(err(Status::BadOption, ARG_OUT));
    }
    let base = op.base();
    check_gamma(base, gamma)?;
    check_band(m, n, band, &mut sc.work)?;
    if !all_finite(c) {
        return Err(err(Status::NonFinite, ARG_C));
    }
    if z.is_some_and(|z| !all_finite(z)) {
        return Err(err(Status::NonFinite, ARG_Z));
    }
    let map = |s: Status| err(s, ARG_C);
    let w = &mut sc.work;
    let inv = 1.0 / gamma;

    // Value (and the forward-mode jvp where it is first order), with the
    // shorter side on the rows: O(min(m, n)) memory.
    let (rows, cols, rs, cs) = if m <= n { (m, n, n, 1) } else { (n, m, 1, n) };
    band_rows(rows, cols, band, &mut w.lo, &mut w.hi).map_err(band_err)?;
    let cost_t = Matrix { data: c, row_stride: rs, col_stride: cs, scale: inv };
    let raw_t = Matrix { scale: 1.0, ..cost_t };
    let value = finite_value(value_base(base, rows, cols, gamma, &cost_t, &raw_t, false, w).map_err(map)?)?;
    let mut jvp_value = None;
    if let (Some(_), Some(z)) = (jvp_out.as_ref(), z) {
        let zf = Matrix { data: z, row_stride: rs, col_stride: cs, scale: 1.0 };
        let Work { lo, hi, roll, .. } = &mut *w;
        jvp_value = match op {
            CostOp::SoftDtw => Some(forward::value_jvp(rows, cols, lo, hi, &cost_t, Tangent::Field(&zf), false, roll).map_err(map)?.1),
            CostOp::MeanCost => Some(forward::value_jvp(rows, cols, lo, hi, &Zero, Tangent::Field(&zf), false, roll).map_err(map)?.1),
            CostOp::Sharp | CostOp::Entropy => None, // ⟨gradient, Z⟩ below
        };
    }

    let cost = Matrix { data: c, row_stride: n, col_stride: 1, scale: inv };
    let raw = Matrix { scale: 1.0, ..cost };
    let need_grad = grad.is_some() || (jvp_out.is_some() && jvp_value.is_none());
    if need_grad {
        let mut own = Vec::new();
        let g: &mut [f64] = match grad {
            Some(g) => g,
            None => {
                own.try_reserve_exact(cells).map_err(|_| err(Status::OutOfMemory, ARG_C))?;
                own.resize(cells, 0.0);
                &mut own
            }
        };
        g.fill(0.0);
        band_rows(m, n, band, &mut w.lo, &mut w.hi).map_err(band_err)?;
        grad_base(base, m, n, gamma, &cost, &raw, false, w, |k, d, gd| {
            for i in d.lo..=d.hi {
                g[(i - 1) * n + (k - i - 1)] = gd[i];
            }
        })
        .map_err(map)?;
        if !all_finite(g) {
            return Err(err(Status::Domain, ARG_GAMMA));
        }
        if let (None, Some(z)) = (jvp_value, z) {
            jvp_value = Some(crate::math::lanes::dot(g, z));
        }
    }
    if let (Some(j), Some(v)) = (jvp_out, jvp_value) {
        *j = v;
    }
    if let (Some(hv), Some(z)) = (hvp_out, z) {
        hv.fill(0.0);
        band_rows(m, n, band, &mut w.lo, &mut w.hi).map_err(band_err)?;
        let cells = diagonals(m, &w.lo, &w.hi, n, &mut w.diags).map_err(map)?;
        tape(m, n, cells, &cost, false, w).map_err(map)?;
        grow(&mut w.e, cells).map_err(map)?;
        grow(&mut w.inner, cells).map_err(map)?;
        let e_flat = &mut w.e;
        alignment(m, n, &w.diags, &w.pl, &w.pd, &w.pu, &mut w.rev, |_, d, e| {
            e_flat[d.off..d.off + d.len()].copy_from_slice(&e[d.lo..d.lo + d.len()]);
        })
        .map_err(map)?;
        // ∇²sdtw·Z = (1/γ)·Ė(Z) = Ė(Z/γ).
        let zf = Matrix { data: z, row_stride: n, col_stride: 1, scale: inv };
        jvp(m, n, &w.diags, &w.pl, &w.pd, &w.pu, &zf, &mut w.roll.dv, &mut w.roll.z, &mut w.inner).map_err(map)?;
        hvp(m, n, &w.diags, &w.pl, &w.pd, &w.pu, &w.e, &w.inner, &zf, &mut w.rev, |k, d, _e, ed, _g| {
            for i in d.lo..=d.hi {
                hv[(i - 1) * n + (k - i - 1)] = ed[i];
            }
        })
        .map_err(map)?;
        if !all_finite(hv) {
            return Err(err(Status::Domain, ARG_GAMMA));
        }
    }
    Ok(value)
}
