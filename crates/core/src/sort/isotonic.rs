//! Isotonic regression with a *decreasing* constraint v₀ ≥ v₁ ≥ … ≥ v_{n−1},
//! by pool-adjacent-violators in one left-to-right pass with a stack of blocks.
//!
//! * L2:  v = argmin ½‖v − y‖²; a block's value is the mean of y over it.
//! * KL:  v = argmin ⟨e^{s−v}, 1⟩ + ⟨e^{w}, v⟩; a block's value is
//!   LSE(s_B) − LSE(w_B), pooled with running log-sum-exps.
//!
//! Adjacent blocks are pooled while the earlier value is ≤ the later one (as
//! the reference does), so the final blocks are the maximal runs on which the
//! solution is constant and block values strictly decrease.

use crate::math::{exp, log_add_exp};

/// One PAV block on the stack: positions `start..` up to the next block.
/// `a`/`b` are the pooled statistics (L2: sum of y and 0; KL: LSE(s), LSE(w)),
/// `len` the size and `value` the block's solution value.
#[derive(Clone, Copy, Default, Debug)]
pub struct Block {
    start: u32,
    len: u32,
    a: f64,
    b: f64,
    value: f64,
}

/// L2 PAV of y. Writes the solution and, for each position, the start of its
/// block. `blocks` is scratch (cleared here).
pub fn pav_l2(y: &[f64], sol: &mut [f64], block_start: &mut [u32], blocks: &mut Vec<Block>) {
    blocks.clear();
    for (i, &yi) in y.iter().enumerate() {
        let mut cur = Block { start: i as u32, len: 1, a: yi, b: 0.0, value: yi };
        while let Some(prev) = blocks.last() {
            if prev.value > cur.value {
                break;
            }
            let len = prev.len + cur.len;
            let sum = prev.a + cur.a;
            cur = Block { start: prev.start, len, a: sum, b: 0.0, value: sum / len as f64 };
            blocks.pop();
        }
        blocks.push(cur);
    }
    write_blocks(blocks, sol, block_start);
}

/// KL PAV of (s, w): block value LSE(s_B) − LSE(w_B).
pub fn pav_kl(s: &[f64], w: &[f64], sol: &mut [f64], block_start: &mut [u32], blocks: &mut Vec<Block>) {
    blocks.clear();
    for (i, (&si, &wi)) in s.iter().zip(w).enumerate() {
        let mut cur = Block { start: i as u32, len: 1, a: si, b: wi, value: si - wi };
        while let Some(prev) = blocks.last() {
            if prev.value > cur.value {
                break;
            }
            let lse_s = log_add_exp(prev.a, cur.a);
            let lse_w = log_add_exp(prev.b, cur.b);
            cur = Block { start: prev.start, len: prev.len + cur.len, a: lse_s, b: lse_w, value: lse_s - lse_w };
            blocks.pop();
        }
        blocks.push(cur);
    }
    write_blocks(blocks, sol, block_start);
}

fn write_blocks(blocks: &[Block], sol: &mut [f64], block_start: &mut [u32]) {
    for blk in blocks {
        let (lo, hi) = (blk.start as usize, (blk.start + blk.len) as usize);
        sol[lo..hi].fill(blk.value);
        block_start[lo..hi].fill(blk.start);
    }
}

/// Calls `f(lo, hi)` for every block `lo..hi` of a block-start array.
#[inline]
pub fn for_each_block(block_start: &[u32], mut f: impl FnMut(usize, usize)) {
    let n = block_start.len();
    let mut lo = 0;
    while lo < n {
        let mut hi = lo + 1;
        while hi < n && block_start[hi] as usize == lo {
            hi += 1;
        }
        f(lo, hi);
        lo = hi;
    }
}

/// out_i = stat(base_B) + (other_i − stat(other_B)) per block, where stat is
/// the mean (L2) or log-sum-exp (KL). This is how the projection, soft rank
/// and soft sort read their output off the PAV blocks: written this way a
/// singleton block returns base_i exactly, with no cancellation between
/// large and small terms (e.g. θ = 1e300 next to ρ = 3, or ε = 1e-6).
pub fn block_combine(kl: bool, base: &[f64], other: &[f64], block_start: &[u32], out: &mut [f64]) {
    for_each_block(block_start, |lo, hi| {
        if hi - lo == 1 {
            out[lo] = base[lo];
            return;
        }
        let (sb, so) = if kl {
            (lse(&base[lo..hi]), lse(&other[lo..hi]))
        } else {
            let len = (hi - lo) as f64;
            (base[lo..hi].iter().sum::<f64>() / len, other[lo..hi].iter().sum::<f64>() / len)
        };
        for i in lo..hi {
            out[i] = sb + (other[i] - so);
        }
    });
}

/// ln Σ e^{x_i} with the max trick.
fn lse(x: &[f64]) -> f64 {
    let m = x.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    let total: f64 = x.iter().map(|&v| exp(v - m)).sum();
    m + crate::math::ln(total)
}

/// L2 block weights: 1/|B|.
pub fn uniform_weights(block_start: &[u32], weights: &mut [f64]) {
    for_each_block(block_start, |lo, hi| {
        weights[lo..hi].fill(1.0 / (hi - lo) as f64);
    });
}

/// KL block weights: softmax of x over each block (max-shifted, so any
/// finite x is safe).
pub fn softmax_weights(x: &[f64], block_start: &[u32], weights: &mut [f64]) {
    for_each_block(block_start, |lo, hi| {
        if hi - lo == 1 {
            weights[lo] = 1.0;
            return;
        }
        let m = x[lo..hi].iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        let mut total = 0.0;
        for i in lo..hi {
            let e = exp(x[i] - m);
            weights[i] = e;
            total += e;
        }
        let inv = 1.0 / total;
        for wi in &mut weights[lo..hi] {
            *wi *= inv;
        }
    });
}

/// Block Jacobian times a tangent: out_i = Σ_{j ∈ B(i)} a_j u_j.
pub fn block_jvp(block_start: &[u32], weights: &[f64], u: &[f64], out: &mut [f64]) {
    for_each_block(block_start, |lo, hi| {
        let mut acc = 0.0;
        for j in lo..hi {
            acc += weights[j] * u[j];
        }
        out[lo..hi].fill(acc);
    });
}

/// Transposed block Jacobian times a cotangent: out_j = a_j Σ_{i ∈ B(j)} g_i.
pub fn block_vjp(block_start: &[u32], weights: &[f64], g: &[f64], out: &mut [f64]) {
    for_each_block(block_start, |lo, hi| {
        let total: f64 = g[lo..hi].iter().sum();
        for j in lo..hi {
            out[j] = weights[j] * total;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pav_l2_pools_violators() {
        let y = [0.0, -1.0, 1.0];
        let mut sol = [0.0; 3];
        let mut bs = [0u32; 3];
        let mut blocks = Vec::new();
        pav_l2(&y, &mut sol, &mut bs, &mut blocks);
        assert_eq!(sol, [0.0, 0.0, 0.0]);
        assert_eq!(bs, [0, 0, 0]);

        let y = [3.0, 1.0, 2.0, -5.0];
        pav_l2(&y, &mut [0.0; 4], &mut [0; 4], &mut blocks);
        let mut sol = [0.0; 4];
        let mut bs = [0u32; 4];
        pav_l2(&y, &mut sol, &mut bs, &mut blocks);
        assert_eq!(sol, [3.0, 1.5, 1.5, -5.0]);
        assert_eq!(bs, [0, 1, 1, 3]);
    }

    #[test]
    fn pav_l2_solution_is_decreasing_and_optimal() {
        // Optimality (KKT) for the decreasing fit: within each block the
        // residuals sum to zero and every prefix of a block has residual
        // sum ≥ 0 … checked here through the block means directly.
        let y = [1.0, 4.0, 2.0, 2.0, 7.0, -1.0, 0.5, 0.5, -3.0];
        let n = y.len();
        let mut sol = vec![0.0; n];
        let mut bs = vec![0u32; n];
        let mut blocks = Vec::new();
        pav_l2(&y, &mut sol, &mut bs, &mut blocks);
        for w in sol.windows(2) {
            assert!(w[0] >= w[1]);
        }
        for_each_block(&bs, |lo, hi| {
            let mean: f64 = y[lo..hi].iter().sum::<f64>() / (hi - lo) as f64;
            for v in &sol[lo..hi] {
                assert!((v - mean).abs() < 1e-12);
            }
        });
    }

    #[test]
    fn softmax_weights_sum_to_one_per_block() {
        let x = [1000.0, 999.0, -3.0, 2.0, 2.0];
        let bs = [0u32, 0, 2, 3, 3];
        let mut w = [0.0; 5];
        softmax_weights(&x, &bs, &mut w);
        assert!((w[0] + w[1] - 1.0).abs() < 1e-15);
        assert_eq!(w[2], 1.0);
        assert_eq!(w[3], 0.5);
        assert!(w[0] > w[1]);
    }
}
