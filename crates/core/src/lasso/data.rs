//! Dense designs: callers pass X row-major (n rows of p features); the
//! solvers work column by column, so each design is copied once into
//! column-major order with its squared column norms.
//!
//! Reductions use four independent accumulators in a fixed pattern: fast
//! (they vectorize into f64x2 pairs natively and with wasm SIMD128) and
//! deterministic (the same order on every platform, no fast-math).

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

/// Σ aᵢbᵢ with four accumulators (fixed order on every platform).
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut s = [0.0f64; 4];
    let chunks = n / 4;
    for c in 0..chunks {
        let i = 4 * c;
        s[0] += a[i] * b[i];
        s[1] += a[i + 1] * b[i + 1];
        s[2] += a[i + 2] * b[i + 2];
        s[3] += a[i + 3] * b[i + 3];
    }
    let mut tail = 0.0;
    for i in 4 * chunks..n {
        tail += a[i] * b[i];
    }
    ((s[0] + s[1]) + (s[2] + s[3])) + tail
}

/// Σ aᵢwᵢbᵢ with four accumulators.
#[inline]
pub fn dot3(a: &[f64], w: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len()).min(w.len());
    let (a, w, b) = (&a[..n], &w[..n], &b[..n]);
    let mut s = [0.0f64; 4];
    let chunks = n / 4;
    for c in 0..chunks {
        let i = 4 * c;
        s[0] += a[i] * w[i] * b[i];
        s[1] += a[i + 1] * w[i + 1] * b[i + 1];
        s[2] += a[i + 2] * w[i + 2] * b[i + 2];
        s[3] += a[i + 3] * w[i + 3] * b[i + 3];
    }
    let mut tail = 0.0;
    for i in 4 * chunks..n {
        tail += a[i] * w[i] * b[i];
    }
    ((s[0] + s[1]) + (s[2] + s[3])) + tail
}

/// y += a·x.
#[inline]
pub fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    for (yi, &xi) in y.iter_mut().zip(x) {
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
