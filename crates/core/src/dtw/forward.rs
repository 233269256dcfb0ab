//! Forward sweeps over anti-diagonals, in units where γ = 1 (the field is
//! c = C/γ): V[0,0] = 0, V = +∞ on the rest of the border and outside the
//! band, V[i,j] = c_ij + softmin(V[i,j−1], V[i−1,j−1], V[i−1,j]).
//!
//! * [`value`]: V[m,n] with three rolling diagonals (O(m) memory; callers
//!   put the shorter series on the rows).
//! * [`value_jvp`]: also the directional derivative V̇ along a tangent
//!   field z (V̇[i,j] = z_ij + Σ_k p_k V̇[pred_k], V̇[m,n] = ⟨E, z⟩), or the
//!   entropy of the Gibbs distribution over alignments when z is the local
//!   entropy; still O(m).
//! * [`tape`]: stores the transition probabilities of every cell (three
//!   flat arrays, 24 bytes per cell) for the backward sweeps.
//! * [`store_values`]: stores V of every cell (8 bytes per cell).
//! * [`hard`]: the min-plus DP (plain DTW).

use super::field::Field;
use super::geometry::{grow_fill, reset_outside, Diag, Walker};
use crate::math::softmin::{softmin3, softmin3_value};
use crate::Status;

const INF: f64 = f64::INFINITY;

/// Three rolling diagonals (slot k mod 3) with their live row ranges, plus
/// a per-diagonal field buffer.
#[derive(Default)]
pub struct Rolling {
    pub v: [Vec<f64>; 3],
    pub range: [(usize, usize); 3],
    pub dv: [Vec<f64>; 3],
    pub c: Vec<f64>,
    pub z: Vec<f64>,
}

impl Rolling {
    /// Ready for a table with `m` rows: V = +∞ except V[0,0] = 0, V̇ = 0.
    pub fn reset(&mut self, m: usize, with_tangent: bool) -> Result<(), Status> {
        for b in &mut self.v {
            grow_fill(b, m + 2, INF)?;
        }
        self.v[0][0] = 0.0;
        self.range = [(0, 0), (1, 0), (1, 0)];
        grow_fill(&mut self.c, m + 2, 0.0)?;
        if with_tangent {
            for b in &mut self.dv {
                grow_fill(b, m + 2, 0.0)?;
            }
            grow_fill(&mut self.z, m + 2, 0.0)?;
        }
        Ok(())
    }
}

/// The part of diagonal k that is computed: all of it, or for a symmetric
/// table (X against itself) the cells with i ≤ j only; the others are
/// mirrored, V[i, j] = V[j, i] (the DP of a symmetric cost is exactly
/// symmetric, bit for bit, so this changes no result and halves the work).
#[inline]
fn half(d: Diag, k: usize, sym: bool) -> Diag {
    if sym {
        Diag { hi: d.hi.min(k / 2), ..d }
    } else {
        d
    }
}

/// Copies row k − i to row i for the mirrored half of diagonal k.
#[inline]
fn mirror(buf: &mut [f64], d: Diag, k: usize) {
    for i in (k / 2 + 1).max(d.lo)..=d.hi {
        buf[i] = buf[k - i];
    }
}

/// (current, previous, before previous) slots for diagonal k.
#[inline]
pub(crate) fn slots<T>(b: &mut [T; 3], k: usize) -> (&mut T, &mut T, &mut T) {
    let [a, bb, c] = b;
    match k % 3 {
        0 => (a, c, bb),
        1 => (bb, a, c),
        _ => (c, bb, a),
    }
}

/// Marks slot k mod 3 as holding diagonal `d`, resetting rows it held
/// before and does not hold now to `neutral`.
#[inline]
fn claim(bufs: &mut [Vec<f64>; 3], ranges: &mut [(usize, usize); 3], k: usize, d: Diag, neutral: f64) {
    let s = k % 3;
    reset_outside(&mut bufs[s], ranges[s], d.range(), neutral);
    ranges[s] = d.range();
}

/// The slices diagonal k's recursion reads and writes, for the cells `d` of
/// the rolling buffers: (out, left, up, diag), i.e. the cells themselves and
/// their predecessors V[i, j−1], V[i−1, j] and V[i−1, j−1], index t ↔ row
/// d.lo + t.
#[inline(always)]
fn stencil(bufs: &mut [Vec<f64>; 3], k: usize, d: Diag) -> (&mut [f64], &[f64], &[f64], &[f64]) {
    let (cur, p1, p2) = slots(bufs, k);
    let len = d.len();
    let (a, b) = (d.lo, d.lo - 1);
    (&mut cur[a..a + len], &p1[a..a + len], &p1[b..b + len], &p2[b..b + len])
}

/// V[m,n] (γ = 1 units) of the table with rows `lo`/`hi` (see
/// [`super::geometry::band_rows`]).
/// `sym`: the table is symmetric (a series against itself; see [`half`]).
pub fn value<C: Field>(m: usize, n: usize, lo: &[u32], hi: &[u32], cost: &C, sym: bool, r: &mut Rolling) -> Result<f64, Status> {
    r.reset(m, false)?;
    let mut w = Walker::new();
    for k in 2..=m + n {
        let full = w.next(k, lo, hi, m);
        claim(&mut r.v, &mut r.range, k, full, INF);
        let d = half(full, k, sym);
        if d.is_empty() {
            continue;
        }
        cost.fill(k, d, &mut r.c);
        let (out, left, up, diag) = stencil(&mut r.v, k, d);
        let (len, a) = (d.len(), d.lo);
        let c = &r.c[a..a + len];
        for t in 0..len {
            out[t] = c[t] + softmin3_value(left[t], diag[t], up[t]);
        }
        if sym {
            mirror(&mut r.v[k % 3], full, k);
        }
    }
    Ok(r.v[(m + n) % 3][m])
}

/// What the tangent of [`value_jvp`] is.
pub enum Tangent<'a, Z: Field> {
    /// A field z: V̇[m,n] = ⟨E, z⟩.
    Field(&'a Z),
    /// The local entropy of each cell's transition: V̇[m,n] is the entropy
    /// of the distribution over alignments.
    Entropy,
}

/// (V[m,n], V̇[m,n]) with rolling diagonals.
pub fn value_jvp<C: Field, Z: Field>(
    m: usize,
    n: usize,
    lo: &[u32],
    hi: &[u32],
    cost: &C,
    tangent: Tangent<'_, Z>,
    sym: bool,
    r: &mut Rolling,
) -> Result<(f64, f64), Status> {
    r.reset(m, true)?;
    let mut dv_range = r.range;
    let mut w = Walker::new();
    for k in 2..=m + n {
        let full = w.next(k, lo, hi, m);
        claim(&mut r.v, &mut r.range, k, full, INF);
        claim(&mut r.dv, &mut dv_range, k, full, 0.0);
        let d = half(full, k, sym);
        if d.is_empty() {
            continue;
        }
        cost.fill(k, d, &mut r.c);
        let entropy = match &tangent {
            Tangent::Field(z) => {
                z.fill(k, d, &mut r.z);
                false
            }
            Tangent::Entropy => true,
        };
        let (out, left, up, diag) = stencil(&mut r.v, k, d);
        let (dout, dleft, dup, ddiag) = stencil(&mut r.dv, k, d);
        let (len, a) = (d.len(), d.lo);
        let c = &r.c[a..a + len];
        let z = &r.z[a..a + len];
        for t in 0..len {
            let sm = softmin3(left[t], diag[t], up[t]);
            out[t] = c[t] + sm.value;
            let inner = (sm.left * dleft[t] + sm.up * dup[t]) + sm.diag * ddiag[t];
            dout[t] = if entropy { sm.entropy } else { z[t] } + inner;
        }
        if sym {
            mirror(&mut r.v[k % 3], full, k);
            mirror(&mut r.dv[k % 3], full, k);
        }
    }
    let s = (m + n) % 3;
    Ok((r.v[s][m], r.dv[s][m]))
}

/// Forward pass recording the transition probabilities of every cell in
/// the flat layout of `diags` (see [`super::geometry::diagonals`]).
/// Returns V[m,n].
#[allow(clippy::too_many_arguments)]
pub fn tape<C: Field>(
    m: usize,
    n: usize,
    diags: &[Diag],
    cost: &C,
    sym: bool,
    r: &mut Rolling,
    pl: &mut [f64],
    pd: &mut [f64],
    pu: &mut [f64],
) -> Result<f64, Status> {
    r.reset(m, false)?;
    for k in 2..=m + n {
        let full = diags[k];
        claim(&mut r.v, &mut r.range, k, full, INF);
        let d = half(full, k, sym);
        if d.is_empty() {
            continue;
        }
        cost.fill(k, d, &mut r.c);
        let (out, left, up, diag) = stencil(&mut r.v, k, d);
        let (len, a) = (d.len(), d.lo);
        let c = &r.c[a..a + len];
        let span = d.off..d.off + len;
        let (ql, qd, qu) = (&mut pl[span.clone()], &mut pd[span.clone()], &mut pu[span]);
        for t in 0..len {
            let sm = softmin3(left[t], diag[t], up[t]);
            out[t] = c[t] + sm.value;
            ql[t] = sm.left;
            qd[t] = sm.diag;
            qu[t] = sm.up;
        }
        if sym {
            // Transposition swaps "from the left" and "from above".
            mirror(&mut r.v[k % 3], full, k);
            for i in (k / 2 + 1).max(full.lo)..=full.hi {
                let (a, b) = (full.off + i - full.lo, full.off + (k - i) - full.lo);
                pl[a] = pu[b];
                pu[a] = pl[b];
                pd[a] = pd[b];
            }
        }
    }
    Ok(r.v[(m + n) % 3][m])
}

/// Forward pass storing V of every cell in the flat layout. Returns V[m,n].
pub fn store_values<C: Field>(m: usize, n: usize, diags: &[Diag], cost: &C, r: &mut Rolling, vals: &mut [f64]) -> Result<f64, Status> {
    r.reset(m, false)?;
    for k in 2..=m + n {
        let d = diags[k];
        claim(&mut r.v, &mut r.range, k, d, INF);
        if d.is_empty() {
            continue;
        }
        cost.fill(k, d, &mut r.c);
        let (out, left, up, diag) = stencil(&mut r.v, k, d);
        let (len, a) = (d.len(), d.lo);
        let c = &r.c[a..a + len];
        let st = &mut vals[d.off..d.off + len];
        for t in 0..len {
            let v = c[t] + softmin3_value(left[t], diag[t], up[t]);
            out[t] = v;
            st[t] = v;
        }
    }
    Ok(r.v[(m + n) % 3][m])
}

/// The DTW (min-plus) value min over alignments of Σ c.
pub fn hard<C: Field>(m: usize, n: usize, lo: &[u32], hi: &[u32], cost: &C, r: &mut Rolling) -> Result<f64, Status> {
    r.reset(m, false)?;
    let mut w = Walker::new();
    for k in 2..=m + n {
        let d = w.next(k, lo, hi, m);
        claim(&mut r.v, &mut r.range, k, d, INF);
        if d.is_empty() {
            continue;
        }
        cost.fill(k, d, &mut r.c);
        let (out, left, up, diag) = stencil(&mut r.v, k, d);
        let (len, a) = (d.len(), d.lo);
        let c = &r.c[a..a + len];
        for t in 0..len {
            let p = if left[t] < up[t] { left[t] } else { up[t] };
            let q = if diag[t] < p { diag[t] } else { p };
            out[t] = c[t] + q;
        }
    }
    Ok(r.v[(m + n) % 3][m])
}
