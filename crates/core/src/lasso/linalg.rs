//! Small dense symmetric positive definite solves (support polishing).

/// In-place Cholesky factorization A = LLᵀ of an s×s row-major matrix (the
/// lower triangle is overwritten by L). Fails (returns false) when a pivot is
/// not safely positive, i.e. A is singular or too ill-conditioned to trust.
pub fn cholesky(a: &mut [f64], s: usize) -> bool {
    let mut max_diag = 0.0f64;
    for i in 0..s {
        max_diag = max_diag.max(a[i * s + i]);
    }
    if !(max_diag > 0.0) {
        return false;
    }
    let floor = max_diag * 1e-13;
    for j in 0..s {
        let mut d = a[j * s + j];
        for k in 0..j {
            d -= a[j * s + k] * a[j * s + k];
        }
        if !(d > floor) {
            return false;
        }
        let d = d.sqrt();
        a[j * s + j] = d;
        for i in j + 1..s {
            let mut v = a[i * s + j];
            for k in 0..j {
                v -= a[i * s + k] * a[j * s + k];
            }
            a[i * s + j] = v / d;
        }
    }
    true
}

/// Solves LLᵀx = b in place (b becomes x), L from [`cholesky`].
pub fn cholesky_solve(l: &[f64], s: usize, b: &mut [f64]) {
    for i in 0..s {
        let mut v = b[i];
        for k in 0..i {
            v -= l[i * s + k] * b[k];
        }
        b[i] = v / l[i * s + i];
    }
    for i in (0..s).rev() {
        let mut v = b[i];
        for k in i + 1..s {
            v -= l[k * s + i] * b[k];
        }
        b[i] = v / l[i * s + i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_spd_and_refuses_singular() {
        let mut a = vec![4.0, 2.0, 0.6, 2.0, 2.0, 0.5, 0.6, 0.5, 3.0];
        let orig = a.clone();
        assert!(cholesky(&mut a, 3));
        let mut b = vec![1.0, -2.0, 0.5];
        let rhs = b.clone();
        cholesky_solve(&a, 3, &mut b);
        for i in 0..3 {
            let r: f64 = (0..3).map(|k| orig[i * 3 + k] * b[k]).sum();
            assert!((r - rhs[i]).abs() < 1e-14);
        }
        let mut sing = vec![1.0, 1.0, 1.0, 1.0];
        assert!(!cholesky(&mut sing, 2));
    }
}
