//! Per-cell inputs of the sweeps ("fields": the scaled cost c = C/γ, a
//! tangent Z, zero) read one anti-diagonal at a time, and the matching
//! gradient sinks (how a per-cell cotangent G flows back to the series).
//!
//! Features are laid out for contiguous diagonal access: the DP's row
//! series X dimension-major (`xt[l·(m+1) + i]`), the column series Y
//! dimension-major and reversed (`yr[l·(n+1) + t]`, t = n+1−j), so along
//! diagonal k the pair (x_i, y_{k−i}) is (xt[i], yr[i + n+1−k]) for every i.

use super::geometry::Diag;

/// Something with a value at every cell, filled one diagonal at a time.
pub trait Field {
    /// `out[i]` = value at (i, k−i) for i in `d.lo..=d.hi`.
    fn fill(&self, k: usize, d: Diag, out: &mut [f64]);
}

/// c_ij = scale · Σ_l (x_i[l] − y_j[l])².
pub struct Features<'a> {
    pub xt: &'a [f64],
    pub yr: &'a [f64],
    pub m: usize,
    pub n: usize,
    pub dims: usize,
    pub scale: f64,
}

impl Features<'_> {
    #[inline]
    fn spans(&self, k: usize, d: Diag, l: usize) -> (usize, usize) {
        let t0 = d.lo + self.n + 1 - k;
        (l * (self.m + 1) + d.lo, l * (self.n + 1) + t0)
    }

    /// Adds G_ij·(x_i − y_j) to gx (same layout as xt) and subtracts it from
    /// gy (same layout as yr), for the cells of diagonal k.
    #[inline]
    pub fn accumulate(&self, k: usize, d: Diag, g: &[f64], gx: &mut [f64], gy: &mut [f64]) {
        let len = d.len();
        if len == 0 {
            return;
        }
        let g = &g[d.lo..d.lo + len];
        for l in 0..self.dims {
            let (sx, sy) = self.spans(k, d, l);
            let x = &self.xt[sx..sx + len];
            let y = &self.yr[sy..sy + len];
            let ax = &mut gx[sx..sx + len];
            let ay = &mut gy[sy..sy + len];
            for ((((ax, ay), &x), &y), &g) in ax.iter_mut().zip(ay.iter_mut()).zip(x).zip(y).zip(g) {
                let p = g * (x - y);
                *ax += p;
                *ay -= p;
            }
        }
    }
}

impl Field for Features<'_> {
    #[inline]
    fn fill(&self, k: usize, d: Diag, out: &mut [f64]) {
        let len = d.len();
        if len == 0 {
            return;
        }
        let out = &mut out[d.lo..d.lo + len];
        let s = self.scale;
        let last = self.dims - 1;
        for l in 0..self.dims {
            let (sx, sy) = self.spans(k, d, l);
            let x = &self.xt[sx..sx + len];
            let y = &self.yr[sy..sy + len];
            // Σ_l (x − y)² in order, then × scale (fused into the last pass).
            match (l == 0, l == last) {
                (true, true) => {
                    for ((o, &x), &y) in out.iter_mut().zip(x).zip(y) {
                        let t = x - y;
                        *o = (t * t) * s;
                    }
                }
                (true, false) => {
                    for ((o, &x), &y) in out.iter_mut().zip(x).zip(y) {
                        let t = x - y;
                        *o = t * t;
                    }
                }
                (false, false) => {
                    for ((o, &x), &y) in out.iter_mut().zip(x).zip(y) {
                        let t = x - y;
                        *o += t * t;
                    }
                }
                (false, true) => {
                    for ((o, &x), &y) in out.iter_mut().zip(x).zip(y) {
                        let t = x - y;
                        *o = (*o + t * t) * s;
                    }
                }
            }
        }
    }
}

/// c_ij = scale · M[(i−1)·row_stride + (j−1)·col_stride] for a matrix M
/// (row-major, possibly read transposed).
pub struct Matrix<'a> {
    pub data: &'a [f64],
    pub row_stride: usize,
    pub col_stride: usize,
    pub scale: f64,
}

impl Matrix<'_> {
    #[inline]
    pub fn index(&self, i: usize, j: usize) -> usize {
        (i - 1) * self.row_stride + (j - 1) * self.col_stride
    }
}

impl Field for Matrix<'_> {
    #[inline]
    fn fill(&self, k: usize, d: Diag, out: &mut [f64]) {
        for i in d.lo..=d.hi {
            out[i] = self.scale * self.data[self.index(i, k - i)];
        }
    }
}

/// 0 everywhere (the mean-cost DP counts paths on a zero cost).
pub struct Zero;

impl Field for Zero {
    #[inline]
    fn fill(&self, _k: usize, d: Diag, out: &mut [f64]) {
        if !d.is_empty() {
            out[d.lo..=d.hi].fill(0.0);
        }
    }
}

/// Builds the transposed (dimension-major) and reversed copies used by
/// [`Features`]: `xt` from the DP's rows series (len·dims, row-major), `yr`
/// from its columns series.
pub fn layout_rows(x: &[f64], len: usize, dims: usize, xt: &mut [f64]) {
    let s = len + 1;
    for i in 0..len {
        for l in 0..dims {
            xt[l * s + i + 1] = x[i * dims + l];
        }
    }
}

pub fn layout_cols_reversed(y: &[f64], len: usize, dims: usize, yr: &mut [f64]) {
    let s = len + 1;
    for j in 0..len {
        for l in 0..dims {
            yr[l * s + (len - j)] = y[j * dims + l];
        }
    }
}

/// Reads a gradient in the xt layout back into row-major, times `factor`,
/// added to `out` with `sign`.
pub fn unlayout_rows(gt: &[f64], len: usize, dims: usize, factor: f64, out: &mut [f64]) {
    let s = len + 1;
    for i in 0..len {
        for l in 0..dims {
            out[i * dims + l] += factor * gt[l * s + i + 1];
        }
    }
}

/// Reads a gradient in the yr layout back into row-major, times `factor`,
/// added to `out`.
pub fn unlayout_cols_reversed(gr: &[f64], len: usize, dims: usize, factor: f64, out: &mut [f64]) {
    let s = len + 1;
    for j in 0..len {
        for l in 0..dims {
            out[j * dims + l] += factor * gr[l * s + (len - j)];
        }
    }
}
