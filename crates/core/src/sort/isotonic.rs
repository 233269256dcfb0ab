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

use crate::math::{exp, lanes, ln, log_add_exp};

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

impl Block {
    /// First position of the block.
    #[inline]
    pub fn start(&self) -> usize {
        self.start as usize
    }
    /// One past the last position of the block.
    #[inline]
    pub fn end(&self) -> usize {
        (self.start + self.len) as usize
    }
}

/// L2 PAV of y. Writes the solution and, for each position, the start of its
/// block. `blocks` is scratch (cleared here).
pub fn pav_l2(y: &[f64], sol: &mut [f64], block_start: &mut [u32], blocks: &mut Vec<Block>) {
    pav_l2_blocks(y, blocks);
    write_blocks(blocks, sol, block_start);
}

/// The PAV blocks of [`pav_l2`] only, left on the stack `blocks` in order.
pub fn pav_l2_blocks(y: &[f64], blocks: &mut Vec<Block>) {
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
}

/// KL PAV of (s, w): block value LSE(s_B) − LSE(w_B).
pub fn pav_kl(s: &[f64], w: &[f64], sol: &mut [f64], block_start: &mut [u32], blocks: &mut Vec<Block>) {
    pav_kl_blocks(s, w, blocks);
    write_blocks(blocks, sol, block_start);
}

/// The PAV blocks of [`pav_kl`] only, left on the stack `blocks` in order.
pub fn pav_kl_blocks(s: &[f64], w: &[f64], blocks: &mut Vec<Block>) {
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
}

fn write_blocks(blocks: &[Block], sol: &mut [f64], block_start: &mut [u32]) {
    for blk in blocks {
        let (lo, hi) = (blk.start(), blk.end());
        sol[lo..hi].fill(blk.value);
        block_start[lo..hi].fill(blk.start);
    }
}

/// Writes, for each position, the start of its block.
pub fn fill_block_start(blocks: &[Block], block_start: &mut [u32]) {
    for blk in blocks {
        block_start[blk.start()..blk.end()].fill(blk.start);
    }
}

/// [`uniform_weights`] from the block list.
pub fn uniform_weights_of(blocks: &[Block], weights: &mut [f64]) {
    for blk in blocks {
        let (lo, hi) = (blk.start(), blk.end());
        weights[lo..hi].fill(1.0 / (hi - lo) as f64);
    }
}

/// [`block_combine`] for L2 (block means) from the block list.
pub fn combine_l2_of(blocks: &[Block], base: &[f64], other: &[f64], out: &mut [f64]) {
    for blk in blocks {
        let (lo, hi) = (blk.start(), blk.end());
        if hi - lo == 1 {
            out[lo] = base[lo];
            continue;
        }
        let len = (hi - lo) as f64;
        let sb = base[lo..hi].iter().sum::<f64>() / len;
        let so = other[lo..hi].iter().sum::<f64>() / len;
        for i in lo..hi {
            out[i] = sb + (other[i] - so);
        }
    }
}

/// The KL readout and block weights, block by block: weights = softmax of
/// `s` over the block, and out_i = LSE(base_B) + (other_i − LSE(other_B))
/// where `s` is the base (`s_is_base`) or the other vector and `t` the
/// remaining one. LSE(s_B) comes from the softmax's own exponentials (each
/// element is exponentiated once), and the exponentials and their sums use
/// [`crate::math::lanes`] (branch-free exp, fixed 4-lane sums), which
/// vectorizes to f64x2 natively and in wasm with identical results.
pub fn softmax_combine_of(blocks: &[Block], s: &[f64], t: &[f64], s_is_base: bool, weights: &mut [f64], out: &mut [f64]) {
    for blk in blocks {
        let (lo, hi) = (blk.start(), blk.end());
        if hi - lo == 1 {
            weights[lo] = 1.0;
            out[lo] = if s_is_base { s[lo] } else { t[lo] };
            continue;
        }
        let (sb, tb) = (&s[lo..hi], &t[lo..hi]);
        let ms = lanes::max(sb);
        let total_s = lanes::exp_shifted(sb, ms, &mut weights[lo..hi]);
        let inv = 1.0 / total_s;
        for wi in &mut weights[lo..hi] {
            *wi *= inv;
        }
        let lse_s = ms + ln(total_s);
        // out_B is scratch for t's exponentials until the readout.
        let mt = lanes::max(tb);
        let lse_t = mt + ln(lanes::exp_shifted(tb, mt, &mut out[lo..hi]));
        let (stat_base, stat_other, other) = if s_is_base { (lse_s, lse_t, t) } else { (lse_t, lse_s, s) };
        for i in lo..hi {
            out[i] = stat_base + (other[i] - stat_other);
        }
    }
}

/// out_i = e^{x_i} (x_i ≤ 709) in a loop that vectorizes (f64x2 natively
/// and in wasm, identical results): [`lanes::exp_clamped`], within 1 ulp of
/// [`crate::math::exp`]; values below e^−708 flush to 0.
pub fn exp_bounded(x: &[f64], out: &mut [f64]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = lanes::exp_clamped(v);
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
    m + ln(total)
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

/// [`block_jvp`] with the uniform L2 weights a_j = 1/|B| implied (the same
/// rounding as with the weights recorded by [`uniform_weights`]).
pub fn block_jvp_uniform(block_start: &[u32], u: &[f64], out: &mut [f64]) {
    for_each_block(block_start, |lo, hi| {
        let a = 1.0 / (hi - lo) as f64;
        let mut acc = 0.0;
        for &uj in &u[lo..hi] {
            acc += a * uj;
        }
        out[lo..hi].fill(acc);
    });
}

/// [`block_vjp`] with the uniform L2 weights a_j = 1/|B| implied.
pub fn block_vjp_uniform(block_start: &[u32], g: &[f64], out: &mut [f64]) {
    for_each_block(block_start, |lo, hi| {
        let total: f64 = g[lo..hi].iter().sum();
        out[lo..hi].fill((1.0 / (hi - lo) as f64) * total);
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
    fn exp_bounded_matches_exp() {
        let mut st = 11u64;
        let x: Vec<f64> = (0..100_000)
            .map(|_| {
                st = st.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (st >> 11) as f64 / (1u64 << 53) as f64 * 1417.0 - 708.0
            })
            .chain([0.0, -0.0, 1e-300, -1e-20, 0.5, 709.0, -708.0, 1.0, 22.0])
            .collect();
        let mut out = vec![0.0; x.len()];
        exp_bounded(&x, &mut out);
        for (&v, &e) in x.iter().zip(&out) {
            let want = exp(v);
            let ulps = (e.to_bits() as i64 - want.to_bits() as i64).unsigned_abs();
            assert!(ulps <= 1, "exp_bounded({v}) = {e} vs {want}");
        }
        exp_bounded(&[-709.0, -1e300], &mut out[..2]);
        assert_eq!(&out[..2], &[0.0, 0.0]);
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
