//! The four operators of the family, batched over rows of equal length:
//!
//! | op | forward (per row) | Jacobian |
//! |---|---|---|
//! | `Isotonic` | v(s, w): PAV of s − w (L2) or of (s, w) (KL) | A, the block-averaging operator |
//! | `Projection` | P(z, w) = z − v(z_σ, w) mapped back through σ⁻¹ | I − A in sorted coordinates |
//! | `SoftRank` | L2: P(±z/ε, ρ); KL: exp P_KL(±z/ε, log ρ) | ±1/ε (I − A), × r for KL |
//! | `SoftSort` | sign·(w − v(w, s)), s = sorted sign·θ, w = ρ/ε | A (output stays sorted) |
//!
//! with ρ = (n, n−1, …, 1) and A = 1·aᵀ per block (a from [`RowState::weights`]).
//! Forward passes may record a [`RowState`] per row; backward passes replay it
//! in O(n) per row.

use super::isotonic::{
    block_jvp, block_jvp_uniform, block_vjp, block_vjp_uniform, combine_l2_of, exp_bounded, fill_block_start, pav_kl, pav_kl_blocks, pav_l2,
    pav_l2_blocks, softmax_combine_of, softmax_weights, uniform_weights, uniform_weights_of, Block,
};
use super::order::argsort_descending;
use super::{Direction, KernelError, Regularization, RowState, RowStateRef, Scratch};
use crate::math::lanes::all_finite;
use crate::math::ln;
use crate::Status;

/// Which operator a batch call computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Isotonic,
    Projection,
    SoftRank,
    SoftSort,
}

impl Op {
    pub fn from_code(code: i32) -> Option<Self> {
        match code {
            0 => Some(Self::Isotonic),
            1 => Some(Self::Projection),
            2 => Some(Self::SoftRank),
            3 => Some(Self::SoftSort),
            _ => None,
        }
    }
    /// Isotonic and Projection take the second vector w.
    pub fn takes_w(self) -> bool {
        matches!(self, Self::Isotonic | Self::Projection)
    }
}

/// Jacobian-vector product (tangent in, tangent out) or vector-Jacobian
/// product (cotangent in, cotangent out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Jvp,
    Vjp,
}

/// Operator and options of a batch call. `dir` and `strength` are used by
/// the soft sort and soft rank only.
#[derive(Clone, Copy, Debug)]
pub struct Params {
    pub op: Op,
    pub reg: Regularization,
    pub dir: Direction,
    pub strength: f64,
}

/// Per-batch state buffers, each of length rows·n.
pub struct BatchState<'a> {
    pub perm: &'a mut [u32],
    pub block_start: &'a mut [u32],
    pub weights: &'a mut [f64],
}

/// Read-only per-batch state, each of length rows·n. With L2 regularization
/// `weights` may be empty: the block weights are then the uniform 1/|B|
/// (exactly what the forward pass records), so callers need not keep them.
#[derive(Clone, Copy)]
pub struct BatchStateRef<'a> {
    pub perm: &'a [u32],
    pub block_start: &'a [u32],
    pub weights: &'a [f64],
}

// Argument indices reported in KernelError: the arrays in the order of the
// ABI signature, then the scalar strength (ts/sort.ts names them).
const ARG_X: u8 = 0;
const ARG_W: u8 = 1;
const ARG_STATE: u8 = 2;
const ARG_STRENGTH: u8 = 3;

fn check_len(len: usize, want: usize, arg: u8) -> Result<(), KernelError> {
    if len == want {
        Ok(())
    } else {
        Err(KernelError::new(Status::Shape, arg))
    }
}

/// Forward pass over `rows` rows of length `n` of `x` (row-major). `w` is
/// required by Isotonic (optional there: None means zeros) and Projection,
/// either one shared row of length n or rows·n. When `state` is given, each
/// row's [`RowState`] is recorded for [`backward_batch`].
pub fn forward_batch(
    p: Params,
    x: &[f64],
    w: Option<&[f64]>,
    rows: usize,
    n: usize,
    out: &mut [f64],
    mut state: Option<BatchState>,
    sc: &mut Scratch,
) -> Result<(), KernelError> {
    let total = rows.checked_mul(n).ok_or(KernelError::new(Status::Shape, ARG_X))?;
    check_len(x.len(), total, ARG_X)?;
    check_len(out.len(), total, ARG_X)?;
    if matches!(p.op, Op::SoftRank | Op::SoftSort) && !(p.strength.is_finite() && p.strength > 0.0) {
        return Err(KernelError::new(Status::Domain, ARG_STRENGTH));
    }
    if !all_finite(x) {
        return Err(KernelError::new(Status::NonFinite, ARG_X));
    }
    let w_rows = match (p.op, w) {
        (Op::Projection, None) => return Err(KernelError::new(Status::Shape, ARG_W)),
        (_, None) => 0,
        (_, Some(w)) => {
            if !p.op.takes_w() {
                return Err(KernelError::new(Status::Shape, ARG_W));
            }
            if !all_finite(w) {
                return Err(KernelError::new(Status::NonFinite, ARG_W));
            }
            if w.len() == n {
                1
            } else if w.len() == total {
                rows
            } else {
                return Err(KernelError::new(Status::Shape, ARG_W));
            }
        }
    };
    if p.op == Op::Projection {
        // P(w) is defined for w sorted in decreasing order (paper §3).
        let w = w.unwrap_or(&[]);
        for r in 0..w_rows {
            if w[r * n..(r + 1) * n].windows(2).any(|q| q[0] < q[1]) {
                return Err(KernelError::new(Status::Domain, ARG_W));
            }
        }
    }
    if let Some(st) = &state {
        if st.perm.len() != total || st.block_start.len() != total || st.weights.len() != total {
            return Err(KernelError::new(Status::Shape, ARG_STATE));
        }
    }
    if n == 0 || rows == 0 {
        return Ok(());
    }
    sc.reserve(n).map_err(|s| KernelError::new(s, ARG_X))?;
    if p.op == Op::SoftRank && p.reg == Regularization::Kl && sc.ln_int.len() < n {
        let have = sc.ln_int.len();
        sc.ln_int.try_reserve(n - have).map_err(|_| KernelError::new(Status::OutOfMemory, ARG_X))?;
        sc.ln_int.extend((have + 1..=n).map(|k| ln(k as f64)));
    }
    let Scratch { keys, a, b, c, blocks, perm, block_start, weights, ln_int } = sc;
    let (a, b, c) = (&mut a[..n], &mut b[..n], &mut c[..n]);

    // Row-independent vectors, computed once per batch.
    match (p.op, p.reg) {
        (Op::SoftRank, Regularization::L2) => {
            for (i, bi) in b.iter_mut().enumerate() {
                *bi = (n - i) as f64;
            }
        }
        (Op::SoftRank, Regularization::Kl) => {
            for (bi, &l) in b.iter_mut().zip(ln_int[..n].iter().rev()) {
                *bi = l; // ln(n − i)
            }
        }
        (Op::SoftSort, _) => {
            for (i, bi) in b.iter_mut().enumerate() {
                *bi = (n - i) as f64 / p.strength;
            }
        }
        _ => {}
    }

    for r in 0..rows {
        let span = r * n..(r + 1) * n;
        let xr = &x[span.clone()];
        let wr = w.map(|w| if w_rows == 1 { w } else { &w[span.clone()] });
        let outr = &mut out[span.clone()];
        let st = match &mut state {
            Some(s) => RowState {
                perm: &mut s.perm[span.clone()],
                block_start: &mut s.block_start[span.clone()],
                weights: &mut s.weights[span.clone()],
            },
            None => RowState { perm: &mut perm[..n], block_start: &mut block_start[..n], weights: &mut weights[..n] },
        };
        match p.op {
            Op::Isotonic => {
                // s is the input itself; no permutation.
                for (i, pi) in st.perm.iter_mut().enumerate() {
                    *pi = i as u32;
                }
                match p.reg {
                    Regularization::L2 => {
                        for i in 0..n {
                            c[i] = xr[i] - wr.map_or(0.0, |w| w[i]);
                        }
                        pav_l2(c, outr, st.block_start, blocks);
                        uniform_weights(st.block_start, st.weights);
                    }
                    Regularization::Kl => {
                        match wr {
                            Some(w) => pav_kl(xr, w, outr, st.block_start, blocks),
                            None => {
                                c.fill(0.0);
                                pav_kl(xr, c, outr, st.block_start, blocks)
                            }
                        }
                        softmax_weights(xr, st.block_start, st.weights);
                    }
                }
            }
            Op::Projection => {
                let wr = wr.unwrap_or(&[]);
                argsort_descending(xr, keys, st.perm, a);
                // primal = s − v, read off the blocks without cancellation.
                pav_readout(p.reg, a, wr, true, c, blocks, st.block_start, st.weights);
                for i in 0..n {
                    outr[st.perm[i] as usize] = c[i];
                }
            }
            Op::SoftRank => {
                let scale = rank_scale(p);
                for i in 0..n {
                    c[i] = scale * xr[i];
                }
                argsort_descending(c, keys, st.perm, a);
                // a = s (sorted z), b = ρ (L2) or log ρ (KL).
                pav_readout(p.reg, a, b, true, c, blocks, st.block_start, st.weights);
                match p.reg {
                    Regularization::L2 => {
                        for i in 0..n {
                            outr[st.perm[i] as usize] = c[i];
                        }
                    }
                    Regularization::Kl => {
                        // r = e^{log r}, log r ≤ ln Σρ: vectorized exp.
                        exp_bounded(c, a);
                        for i in 0..n {
                            outr[st.perm[i] as usize] = a[i];
                        }
                    }
                }
            }
            Op::SoftSort => {
                let sign = sort_sign(p);
                for i in 0..n {
                    c[i] = sign * xr[i];
                }
                argsort_descending(c, keys, st.perm, a);
                // a = s (sorted), b = w = ρ/ε; the output stays in sorted
                // order. PAV of w − s (L2) or of (w, s) (KL); ∂v_B/∂s =
                // −softmax(s_B): the KL weights come from the sorted inputs
                // (the reference wrongly uses w here). out = w − v =
                // stat(s_B) + (w − stat(w_B)), exact for singletons.
                pav_readout(p.reg, b, a, false, c, blocks, st.block_start, st.weights);
                for i in 0..n {
                    outr[i] = sign * c[i];
                }
            }
        }
    }
    Ok(())
}

/// PAV of (first, second) — L2 on first − second, KL on (first, second) —
/// recording block starts and weights (uniform for L2, for KL the softmax
/// of the sorted input: `first` when `softmax_of_first`, else `second`),
/// then the cancellation-free readout out_i = stat(second_B) + (first_i −
/// stat(first_B)) into `buf` (stat: mean or LSE). `buf` also serves as
/// scratch for first − second.
#[allow(clippy::too_many_arguments)]
fn pav_readout(
    reg: Regularization,
    first: &[f64],
    second: &[f64],
    softmax_of_first: bool,
    buf: &mut [f64],
    blocks: &mut Vec<Block>,
    block_start: &mut [u32],
    weights: &mut [f64],
) {
    match reg {
        Regularization::L2 => {
            for i in 0..first.len() {
                buf[i] = first[i] - second[i];
            }
            pav_l2_blocks(buf, blocks);
            uniform_weights_of(blocks, weights);
            combine_l2_of(blocks, second, first, buf);
        }
        Regularization::Kl => {
            pav_kl_blocks(first, second, blocks);
            if softmax_of_first {
                softmax_combine_of(blocks, first, second, false, weights, buf);
            } else {
                softmax_combine_of(blocks, second, first, true, weights, buf);
            }
        }
    }
    fill_block_start(blocks, block_start);
}

/// ±1/ε: soft ranks are the projection of θ·(±1/ε), + for ascending.
fn rank_scale(p: Params) -> f64 {
    match p.dir {
        Direction::Ascending => 1.0 / p.strength,
        Direction::Descending => -1.0 / p.strength,
    }
}

/// Soft sort sorts sign·θ in decreasing order: +1 descending, −1 ascending.
fn sort_sign(p: Params) -> f64 {
    match p.dir {
        Direction::Ascending => -1.0,
        Direction::Descending => 1.0,
    }
}

/// Checks that a recorded state can be replayed without out-of-bounds access.
fn check_state(st: RowStateRef, n: usize) -> bool {
    st.perm.iter().all(|&q| (q as usize) < n)
        && st.block_start.iter().enumerate().all(|(i, &b)| (b as usize) <= i && st.block_start[b as usize] == b)
}

/// Backward pass (jvp or vjp) over a batch, replaying the recorded `state`.
/// `value` is the forward output, used only by the KL soft rank (whose
/// Jacobian is scaled by r) and may be empty for every other operator;
/// `input` is the tangent (Jvp) or cotangent (Vjp). `state.weights` may be
/// empty with L2 regularization (see [`BatchStateRef`]).
#[allow(clippy::too_many_arguments)]
pub fn backward_batch(
    p: Params,
    mode: Mode,
    state: BatchStateRef,
    value: &[f64],
    input: &[f64],
    rows: usize,
    n: usize,
    out: &mut [f64],
    sc: &mut Scratch,
) -> Result<(), KernelError> {
    let total = rows.checked_mul(n).ok_or(KernelError::new(Status::Shape, 0))?;
    check_len(input.len(), total, 0)?;
    check_len(out.len(), total, 0)?;
    let kl_rank = p.op == Op::SoftRank && p.reg == Regularization::Kl;
    if kl_rank || !value.is_empty() {
        check_len(value.len(), total, 1)?;
    }
    let implied_weights = p.reg == Regularization::L2 && state.weights.is_empty();
    if state.perm.len() != total || state.block_start.len() != total || (state.weights.len() != total && !implied_weights) {
        return Err(KernelError::new(Status::Shape, ARG_STATE));
    }
    if matches!(p.op, Op::SoftRank | Op::SoftSort) && !(p.strength.is_finite() && p.strength > 0.0) {
        return Err(KernelError::new(Status::Domain, ARG_STRENGTH));
    }
    if !all_finite(input) {
        return Err(KernelError::new(Status::NonFinite, 0));
    }
    if n == 0 || rows == 0 {
        return Ok(());
    }
    sc.reserve(n).map_err(|s| KernelError::new(s, 0))?;
    let (t, u) = (&mut sc.a[..n], &mut sc.b[..n]);
    for r in 0..rows {
        let span = r * n..(r + 1) * n;
        let st = RowStateRef {
            perm: &state.perm[span.clone()],
            block_start: &state.block_start[span.clone()],
            weights: if implied_weights { &[] } else { &state.weights[span.clone()] },
        };
        if !check_state(st, n) {
            return Err(KernelError::new(Status::Shape, ARG_STATE));
        }
        let value_row = if value.is_empty() { value } else { &value[span.clone()] };
        backward_row(p, mode, st, value_row, &input[span.clone()], &mut out[span], t, u);
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn backward_row(
    p: Params,
    mode: Mode,
    st: RowStateRef,
    value: &[f64],
    input: &[f64],
    out: &mut [f64],
    t: &mut [f64],
    u: &mut [f64],
) {
    let n = input.len();
    // Empty weights only with L2 (checked by the caller): uniform 1/|B|.
    let uniform = st.weights.is_empty();
    let apply = |src: &[f64], dst: &mut [f64]| match (mode, uniform) {
        (Mode::Jvp, false) => block_jvp(st.block_start, st.weights, src, dst),
        (Mode::Vjp, false) => block_vjp(st.block_start, st.weights, src, dst),
        (Mode::Jvp, true) => block_jvp_uniform(st.block_start, src, dst),
        (Mode::Vjp, true) => block_vjp_uniform(st.block_start, src, dst),
    };
    match p.op {
        Op::Isotonic => apply(input, out),
        Op::SoftSort => match mode {
            Mode::Jvp => {
                for i in 0..n {
                    t[i] = input[st.perm[i] as usize];
                }
                apply(t, out);
            }
            Mode::Vjp => {
                apply(input, u);
                for i in 0..n {
                    out[st.perm[i] as usize] = u[i];
                }
            }
        },
        Op::Projection | Op::SoftRank => {
            // (I − A) in sorted coordinates, with the rank's chain-rule factors.
            let scale = if p.op == Op::SoftRank { rank_scale(p) } else { 1.0 };
            let kl_rank = p.op == Op::SoftRank && p.reg == Regularization::Kl;
            for i in 0..n {
                let q = st.perm[i] as usize;
                // vjp of r = exp(P(·)) multiplies the cotangent by r first.
                let pre = if kl_rank && mode == Mode::Vjp { value[q] } else { 1.0 };
                t[i] = scale * pre * input[q];
            }
            apply(t, u);
            for i in 0..n {
                let q = st.perm[i] as usize;
                let post = if kl_rank && mode == Mode::Jvp { value[q] } else { 1.0 };
                out[q] = post * (t[i] - u[i]);
            }
        }
    }
}

/// Convenience for single rows and tests: forward with state, owned outputs.
pub struct Recorded {
    pub value: Vec<f64>,
    pub perm: Vec<u32>,
    pub block_start: Vec<u32>,
    pub weights: Vec<f64>,
}

impl Recorded {
    pub fn state(&self) -> BatchStateRef<'_> {
        BatchStateRef { perm: &self.perm, block_start: &self.block_start, weights: &self.weights }
    }
}

/// Runs [`forward_batch`] on one row (or a batch) and keeps everything the
/// backward pass needs.
pub fn record(p: Params, x: &[f64], w: Option<&[f64]>, rows: usize, n: usize, sc: &mut Scratch) -> Result<Recorded, KernelError> {
    let total = x.len();
    let mut rec = Recorded { value: vec![0.0; total], perm: vec![0; total], block_start: vec![0; total], weights: vec![0.0; total] };
    let state = BatchState { perm: &mut rec.perm, block_start: &mut rec.block_start, weights: &mut rec.weights };
    forward_batch(p, x, w, rows, n, &mut rec.value, Some(state), sc)?;
    Ok(rec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(v: &[f64]) -> Vec<u64> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    /// Compact states (no L2 weights, no value unless KL rank) give the
    /// bit-identical backward pass; missing pieces that are needed are errors.
    #[test]
    fn backward_with_implied_weights_and_no_value() {
        let (rows, n) = (3, 17);
        let x: Vec<f64> = (0..rows * n).map(|i| ((i * 37) % 23) as f64 * 0.3 - 2.0 + (i % 3) as f64 * 0.1).collect();
        let g: Vec<f64> = (0..rows * n).map(|i| ((i * 11) % 7) as f64 - 3.0).collect();
        let mut sc = Scratch::new();
        for op in [Op::Isotonic, Op::Projection, Op::SoftRank, Op::SoftSort] {
            for reg in [Regularization::L2, Regularization::Kl] {
                let p = Params { op, reg, dir: Direction::Ascending, strength: 0.7 };
                let w: Vec<f64> = (0..n).map(|i| (n - i) as f64).collect();
                let w = if op.takes_w() { Some(&w[..]) } else { None };
                let rec = record(p, &x, w, rows, n, &mut sc).unwrap();
                for mode in [Mode::Jvp, Mode::Vjp] {
                    let mut full = vec![0.0; rows * n];
                    backward_batch(p, mode, rec.state(), &rec.value, &g, rows, n, &mut full, &mut sc).unwrap();
                    let kl_rank = op == Op::SoftRank && reg == Regularization::Kl;
                    let value: &[f64] = if kl_rank { &rec.value } else { &[] };
                    let weights: &[f64] = if reg == Regularization::L2 { &[] } else { &rec.weights };
                    let st = BatchStateRef { perm: &rec.perm, block_start: &rec.block_start, weights };
                    let mut compact = vec![0.0; rows * n];
                    backward_batch(p, mode, st, value, &g, rows, n, &mut compact, &mut sc).unwrap();
                    assert_eq!(bits(&full), bits(&compact), "{op:?} {reg:?} {mode:?}");
                    if kl_rank {
                        let e = backward_batch(p, mode, rec.state(), &[], &g, rows, n, &mut compact, &mut sc).unwrap_err();
                        assert_eq!(e, KernelError::new(Status::Shape, 1));
                    }
                    if reg == Regularization::Kl {
                        let st = BatchStateRef { perm: &rec.perm, block_start: &rec.block_start, weights: &[] };
                        let e = backward_batch(p, mode, st, &rec.value, &g, rows, n, &mut compact, &mut sc).unwrap_err();
                        assert_eq!(e, KernelError::new(Status::Shape, ARG_STATE));
                    }
                }
            }
        }
    }
}
