//! The one sort behind every operator: a descending argsort with a fixed
//! tie-break, so results are identical in every runtime.
//!
//! Tie-break: equal values are ordered by *decreasing* original index in the
//! descending order. This is what the reference implementation does
//! (`np.argsort(v)[::-1]` with numpy's stable sort), so the Jacobian chosen at
//! a tie matches it too. −0.0 and +0.0 tie.

use crate::math::order_key;

/// Writes σ with x[σ_0] ≥ x[σ_1] ≥ … into `perm` and the sorted values into
/// `sorted`. `keys` is scratch of length ≥ n. x must not contain NaN.
pub fn argsort_descending(x: &[f64], keys: &mut [(u64, u32)], perm: &mut [u32], sorted: &mut [f64]) {
    let n = x.len();
    let keys = &mut keys[..n];
    for (i, (k, &v)) in keys.iter_mut().zip(x).enumerate() {
        *k = (order_key(v), i as u32);
    }
    // Ascending by (value, index) is a total order, so an unstable sort is
    // deterministic; reading it backwards gives descending values with ties
    // by decreasing index.
    keys.sort_unstable();
    for (i, &(_, idx)) in keys.iter().rev().enumerate() {
        perm[i] = idx;
        sorted[i] = x[idx as usize];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_descending_with_ties_by_decreasing_index() {
        let x = [1.0, 3.0, 1.0, -2.0, 3.0, 0.0, -0.0];
        let mut keys = vec![(0, 0); 7];
        let mut perm = vec![0; 7];
        let mut sorted = vec![0.0; 7];
        argsort_descending(&x, &mut keys, &mut perm, &mut sorted);
        assert_eq!(perm, vec![4, 1, 2, 0, 6, 5, 3]);
        assert_eq!(sorted, vec![3.0, 3.0, 1.0, 1.0, -0.0, 0.0, -2.0]);
    }
}
