//! Thresholds of the sparse maps, found without sorting the whole row.
//!
//! Sparsemax, the simplex projection and entmax all have the form
//! p_i = f(x_i − τ) with f zero below 0, and a bound on how far below the
//! maximum m a support entry can sit (p_max ≤ scale, resp. ≤ 1). Only the
//! entries above that bound ("candidates") are sorted: O(n) to filter plus
//! O(k log k) for k candidates, so never O(n²) and O(n log n) at worst
//! (every entry a candidate). Working with x − m also keeps logits of
//! magnitude 1e300 finite.

use crate::math::{exp, ln, ln_1p, order_key};

/// Sorts candidate values in decreasing order (deterministic for equal
/// values: they are indistinguishable). Comparing the order-preserving u64
/// keys is cheaper than comparing floats with `total_cmp`.
fn sort_desc(v: &mut [f64]) {
    v.sort_unstable_by_key(|&x| !order_key(x));
}

/// Keeps the values f(x_i) with f(x_i) > bound (in order). Candidates are
/// rare (a few % of a row), so blocks of 8 are first tested branch-free and
/// skipped when empty; inside a non-empty block every value is written and
/// the length only advances for kept ones (no data-dependent branch).
/// Leaves them in `vals[..k]` and returns k.
#[inline]
fn filter_above(x: &[f64], bound: f64, f: impl Fn(f64) -> f64, vals: &mut Vec<f64>) -> usize {
    const B: usize = 8;
    // Grow only: zeroing the buffer for every row would be one more pass
    // (and wasm's memset is not free).
    if vals.len() < x.len() + 1 {
        vals.resize(x.len() + 1, 0.0);
    }
    let buf = &mut vals[..];
    let mut k = 0;
    let chunks = x.chunks_exact(B);
    let rest = chunks.remainder();
    for c in chunks {
        let mut ys = [0.0; B];
        let mut any = false;
        for l in 0..B {
            ys[l] = f(c[l]);
            any |= ys[l] > bound;
        }
        if any {
            for &y in &ys {
                buf[k] = y;
                k += (y > bound) as usize;
            }
        }
    }
    for &v in rest {
        let y = f(v);
        buf[k] = y;
        k += (y > bound) as usize;
    }
    k
}

/// Count, Σy and Σy² of a set of values.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    pub k: f64,
    pub s1: f64,
    pub s2: f64,
}

impl Stats {
    fn add(self, o: Stats) -> Stats {
        Stats { k: self.k + o.k, s1: self.s1 + o.s1, s2: self.s2 + o.s2 }
    }
    fn push(&mut self, y: f64) {
        self.k += 1.0;
        self.s1 += y;
        self.s2 += y * y;
    }
}

/// The statistics of the longest prefix, in decreasing order, of `vals` on
/// which `ok(stats of the prefix, its last value)` holds, for conditions
/// that hold on a prefix and fail after it (the support tests of sparsemax
/// and entmax). Quickselect-style: partition around a pivot, keep the upper
/// part if the condition holds at the pivot, else descend into it —
/// expected O(k) instead of a sort's O(k log k). Past a work budget of a
/// few passes (adversarial pivots) the remaining segment is sorted, so the
/// worst case stays O(k log k). Values equal to the pivot move together:
/// both conditions give tied values the same verdict.
pub fn longest_prefix(vals: &mut [f64], ok: impl Fn(Stats, f64) -> bool) -> Stats {
    let budget = 4 * vals.len() + 64;
    longest_prefix_budget(vals, ok, budget)
}

/// [`longest_prefix`] with an explicit work budget (tests force the sort).
pub(crate) fn longest_prefix_budget(vals: &mut [f64], ok: impl Fn(Stats, f64) -> bool, mut budget: usize) -> Stats {
    let mut above = Stats::default();
    let (mut lo, mut hi) = (0, vals.len());
    while lo < hi {
        let seg = &mut vals[lo..hi];
        if seg.len() > budget {
            sort_desc(seg);
            for &y in seg.iter() {
                let mut next = above;
                next.push(y);
                if !ok(next, y) {
                    break;
                }
                above = next;
            }
            return above;
        }
        budget -= seg.len();
        let p = median3(seg[0], seg[seg.len() / 2], seg[seg.len() - 1]);
        // Three-way partition: [> p | == p | < p], with the stats of ≥ p.
        let (mut gt, mut i, mut lt) = (0, 0, seg.len());
        let mut upper = Stats::default();
        while i < lt {
            let y = seg[i];
            if y > p {
                upper.push(y);
                seg.swap(gt, i);
                gt += 1;
                i += 1;
            } else if y < p {
                lt -= 1;
                seg.swap(i, lt);
            } else {
                upper.push(y);
                i += 1;
            }
        }
        let with = above.add(upper);
        if ok(with, p) {
            above = with;
            lo += lt;
        } else {
            hi = lo + gt;
        }
    }
    above
}

#[inline]
fn median3(a: f64, b: f64, c: f64) -> f64 {
    a.max(b).min(a.min(b).max(c))
}

/// Threshold of the Euclidean projection of `v` onto {p ≥ 0, Σp = scale}
/// (scale > 0): returns (m, τ) with p_i = max((v_i − m) − τ, 0), m = max v.
/// `vals` is scratch (capacity > v.len() avoids allocation).
pub fn simplex_threshold(v: &[f64], scale: f64, vals: &mut Vec<f64>) -> (f64, f64) {
    let m = crate::math::lanes::max(v);
    // p_max ≤ scale, so τ ≥ −scale and entries with v_i − m ≤ −scale are 0.
    let k = filter_above(v, -scale, |x| x - m, vals);
    // Support test at the k-th largest y: scale + k·y > Σ_{j≤k} y_j.
    let st = longest_prefix(&mut vals[..k], |st, y| scale + st.k * y > st.s1);
    (m, (st.s1 - scale) / st.k)
}

/// τ for values sorted in decreasing order: the largest k with
/// scale + k·y_k > Σ_{j≤k} y_j defines τ = (Σ_{j≤k} y_j − scale)/k.
pub fn threshold_sorted(sorted: &[f64], scale: f64) -> f64 {
    let (mut cs, mut tau) = (0.0, sorted.first().map_or(-scale, |&y| y - scale));
    for (k, &y) in sorted.iter().enumerate() {
        cs += y;
        let kf = (k + 1) as f64;
        if scale + kf * y > cs {
            tau = (cs - scale) / kf;
        } else {
            break; // the condition holds on a prefix only
        }
    }
    tau
}

/// τ_k of the 1.5-entmax for the k largest values (reference formula):
/// mean − √δ with δ = (1 − k·(mean of squares − mean²))/k clipped at 0.
#[inline]
fn entmax15_tau(st: Stats) -> f64 {
    let mean = st.s1 / st.k;
    let ss = st.k * (st.s2 / st.k - mean * mean);
    let delta = ((1.0 - ss) / st.k).max(0.0);
    mean - delta.sqrt()
}

/// Exact 1.5-entmax threshold (Peters, Niculae & Martins 2019): with
/// X = (x − m)/2, returns (m, τ) such that p_i = max(X_i − τ, 0)². The
/// support is the longest sorted prefix with τ_k ≤ X_(k).
pub fn entmax15_threshold(x: &[f64], vals: &mut Vec<f64>) -> (f64, f64) {
    let m = crate::math::lanes::max(x);
    // p_max = (0 − τ)² ≤ 1 gives τ ≥ −1: entries with X_i ≤ −1 are 0.
    let k = filter_above(x, -1.0, |v| 0.5 * (v - m), vals);
    let st = longest_prefix(&mut vals[..k], |st, y| entmax15_tau(st) <= y);
    (m, entmax15_tau(st))
}

/// α-entmax for any α > 1 by bisection, written in a form that stays
/// accurate as α → 1. With a = α − 1, d_i = m − x_i ≥ 0 and s > 0,
/// p_i ∝ q_i(s) = (1 − d_i/s)_+^{1/a} and Σp = 1 ⇔
/// h(s) = ln Σq(s) + ln(a·s)/a = 0, h increasing. The bracket
/// [K^{−a}/a, 1/a] (p_max between 1/K and 1) shrinks to adjacent floats;
/// the output is q/Σq, so a residual error in s only moves p by O(ε·d).
/// Writes p into `out`.
pub fn entmax_bisect(x: &[f64], alpha: f64, out: &mut [f64], vals: &mut Vec<f64>) {
    let a = alpha - 1.0;
    let inv_a = 1.0 / a;
    let m = crate::math::lanes::max(x);
    let s_hi = inv_a;
    vals.clear();
    for &v in x {
        let d = m - v;
        if d < s_hi {
            vals.push(d);
        }
    }
    let k = vals.len() as f64;
    let sum_q = |s: f64, vals: &[f64]| -> f64 {
        let mut t = 0.0;
        for &d in vals {
            if d < s {
                t += exp(ln_1p(-d / s) * inv_a);
            }
        }
        t
    };
    let (mut lo, mut hi) = (exp(-a * ln(k)) * inv_a, s_hi);
    for _ in 0..2000 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        let h = ln(sum_q(mid, vals)) + ln(a * mid) * inv_a;
        if h < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let s = 0.5 * (lo + hi);
    let mut total = 0.0;
    for (o, &v) in out.iter_mut().zip(x) {
        let d = m - v;
        *o = if d < s { exp(ln_1p(-d / s) * inv_a) } else { 0.0 };
        total += *o;
    }
    for o in out.iter_mut() {
        *o /= total;
    }
}
