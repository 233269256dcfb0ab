//! Dense designs: callers pass X row-major (n rows of p features); the
//! solvers work column by column, so each design is copied once into
//! column-major order with its squared column norms.
//!
//! Reductions use four lane accumulators in a fixed pattern
//! (crate::math::lanes): fast (they vectorize into f64x2 natively and with
//! wasm SIMD128) and deterministic (the same order on every platform).

use super::{alloc, KernelError, Model};
use crate::math::all_finite;
use crate::Status;

/// Column-major copy of an n×p matrix, with ‖X_j‖².
#[derive(Clone, Debug, Default)]
pub struct Design {
    pub n: usize,
    pub p: usize,
    pub cols: Vec<f64>,
    pub sq_norms: Vec<f64>,
}

impl Design {
    /// From a row-major n×p matrix.
    pub fn from_rows(x: &[f64], n: usize, p: usize) -> Result<Self, KernelError> {
        let rows: Vec<u32> = (0..n as u32).collect();
        Self::from_row_subset(x, p, &rows)
    }

    /// From the rows `rows` of a row-major matrix with p columns.
    pub fn from_row_subset(x: &[f64], p: usize, rows: &[u32]) -> Result<Self, KernelError> {
        let n = rows.len();
        let total = n.checked_mul(p).ok_or(KernelError::new(Status::Shape, super::ARG_X))?;
        let mut cols = alloc(total)?;
        for (i, &r) in rows.iter().enumerate() {
            let row = &x[r as usize * p..(r as usize + 1) * p];
            for (j, &v) in row.iter().enumerate() {
                cols[j * n + i] = v;
            }
        }
        let mut sq_norms = alloc(p)?;
        for j in 0..p {
            let c = &cols[j * n..(j + 1) * n];
            sq_norms[j] = dot(c, c);
        }
        Ok(Self { n, p, cols, sq_norms })
    }

    #[inline(always)]
    pub fn col(&self, j: usize) -> &[f64] {
        &self.cols[j * self.n..(j + 1) * self.n]
    }

    /// out = Xβ, skipping zero coefficients.
    pub fn matvec(&self, beta: &[f64], out: &mut [f64]) {
        out.fill(0.0);
        for (j, &b) in beta.iter().enumerate() {
            if b != 0.0 {
                axpy(b, self.col(j), out);
            }
        }
    }

    /// out_j = X_jᵀv.
    pub fn tmatvec(&self, v: &[f64], out: &mut [f64]) {
        for (j, o) in out.iter_mut().enumerate() {
            *o = dot(self.col(j), v);
        }
    }
}

/// Σ aᵢbᵢ in a fixed lane order (crate::math::lanes::dot).
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    crate::math::lanes::dot(a, b)
}

/// Σ aᵢwᵢbᵢ with four lane accumulators in a fixed order.
#[inline]
pub fn dot3(a: &[f64], w: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len()).min(w.len());
    let (a, w, b) = (&a[..n], &w[..n], &b[..n]);
    let mut acc = [0.0f64; 4];
    let (ca, cw, cb) = (a.chunks_exact(4), w.chunks_exact(4), b.chunks_exact(4));
    let (ra, rw, rb) = (ca.remainder(), cw.remainder(), cb.remainder());
    for ((x, v), y) in ca.zip(cw).zip(cb) {
        for l in 0..4 {
            acc[l] += x[l] * v[l] * y[l];
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for ((x, v), y) in ra.iter().zip(rw).zip(rb) {
        s += x * v * y;
    }
    s
}

/// y += a·x.
#[inline]
pub fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &mut y[..n]);
    let mut cy = y.chunks_exact_mut(4);
    let cx = x.chunks_exact(4);
    let rx = cx.remainder();
    for (yc, xc) in (&mut cy).zip(cx) {
        for l in 0..4 {
            yc[l] += a * xc[l];
        }
    }
    for (yi, &xi) in cy.into_remainder().iter_mut().zip(rx) {
        *yi += a * xi;
    }
}

/// Checks a row-major X (n×p) and y (n): shapes, non-empty, finite.
pub fn check_xy(x: &[f64], y: &[f64], n: usize, p: usize, ax: u8, ay: u8) -> Result<(), KernelError> {
    if n == 0 || p == 0 {
        return Err(KernelError::new(Status::Shape, ax));
    }
    let total = n.checked_mul(p).ok_or(KernelError::new(Status::Shape, ax))?;
    if x.len() != total {
        return Err(KernelError::new(Status::Shape, ax));
    }
    if y.len() != n {
        return Err(KernelError::new(Status::Shape, ay));
    }
    if !all_finite(x) {
        return Err(KernelError::new(Status::NonFinite, ax));
    }
    if !all_finite(y) {
        return Err(KernelError::new(Status::NonFinite, ay));
    }
    Ok(())
}

/// Labels of a logistic model must be exactly −1 or +1.
pub fn check_labels(y: &[f64], ay: u8) -> Result<(), KernelError> {
    if y.iter().all(|&v| v == 1.0 || v == -1.0) {
        Ok(())
    } else {
        Err(KernelError::new(Status::Domain, ay))
    }
}

/// The smallest λ with β̂ = 0: ‖Xᵀy‖∞/n (quadratic models; for the weighted
/// Lasso this is the common λ of uniform weights) or ‖Xᵀy‖∞/(2n) (logistic
/// with ±1 labels).
pub fn lambda_max(model: Model, d: &Design, y: &[f64]) -> f64 {
    let mut m = 0.0f64;
    for j in 0..d.p {
        m = m.max(dot(d.col(j), y).abs());
    }
    let n = d.n as f64;
    if model.is_logistic() {
        m / (2.0 * n)
    } else {
        m / n
    }
}
