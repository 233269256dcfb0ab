//! Sweeps over a recorded tape (transition probabilities per cell, flat
//! layout):
//!
//! * [`alignment`] (reverse): the expected alignment E = ∂V[m,n]/∂c,
//!   E[m,n] = 1, E[i,j] = Σ over the successors s of (i,j) of p_s·E_s.
//! * [`jvp`] (forward): V̇ along a field z, V̇[i,j] = z_ij + Σ_k p_k V̇[pred_k];
//!   V̇[m,n] = ⟨E, z⟩. Records `inner` = V̇ − z per cell for [`hvp`].
//! * [`hvp`] (reverse): Ė = (∂E/∂c)[z], the Hessian of V[m,n] applied to z:
//!   with W_s = Ė_s + E_s·inner_s, Ė[i,j] = Σ_s p_s W_s − V̇[i,j]·E[i,j]
//!   (Ė[m,n] = 0).
//!
//! Reverse sweeps *push*: each cell of diagonal k sends p·(its value) to its
//! three predecessors through rolling buffers TL/TU (read by diagonal k−1)
//! and TB (read by k−2), so every read is inside one contiguous diagonal.
//! Sums are ordered (left + up) + diag, so transposed inputs give exactly
//! transposed results.

use super::field::Field;
use super::geometry::{grow_fill, reset_outside, Diag};
use crate::Status;

/// Rolling buffers of the reverse sweeps.
#[derive(Default)]
pub struct Reverse {
    tl: Vec<f64>,
    tu: Vec<f64>,
    tb: [Vec<f64>; 2],
    t_range: (usize, usize),
    tb_range: [(usize, usize); 2],
    /// E of the current diagonal, indexed by row.
    pub e: Vec<f64>,
    /// Ė of the current diagonal, indexed by row.
    pub ed: Vec<f64>,
    /// z of the current diagonal.
    pub z: Vec<f64>,
    /// Scratch for the caller's sink.
    pub g: Vec<f64>,
}

impl Reverse {
    pub fn reset(&mut self, m: usize) -> Result<(), Status> {
        let [tb0, tb1] = &mut self.tb;
        for b in [&mut self.tl, &mut self.tu, tb0, tb1, &mut self.e, &mut self.ed, &mut self.z, &mut self.g] {
            grow_fill(b, m + 2, 0.0)?;
        }
        self.t_range = (1, 0);
        self.tb_range = [(1, 0), (1, 0)];
        Ok(())
    }

    /// Writes the pushes of diagonal k (values `w` by row) into TL/TU/TB.
    #[inline]
    fn push(&mut self, k: usize, d: Diag, w_src: PushSource, pl: &[f64], pd: &[f64], pu: &[f64]) {
        reset_outside(&mut self.tl, self.t_range, d.range(), 0.0);
        reset_outside(&mut self.tu, self.t_range, d.range(), 0.0);
        self.t_range = d.range();
        let s = k % 2;
        reset_outside(&mut self.tb[s], self.tb_range[s], d.range(), 0.0);
        self.tb_range[s] = d.range();
        let len = d.len();
        if len == 0 {
            return;
        }
        let a = d.lo;
        let span = d.off..d.off + len;
        let (ql, qd, qu) = (&pl[span.clone()], &pd[span.clone()], &pu[span]);
        let (tl, tu, tb) = (&mut self.tl[a..a + len], &mut self.tu[a..a + len], &mut self.tb[s][a..a + len]);
        match w_src {
            PushSource::E => {
                let e = &self.e[a..a + len];
                for t in 0..len {
                    tl[t] = e[t] * ql[t];
                    tu[t] = e[t] * qu[t];
                    tb[t] = e[t] * qd[t];
                }
            }
            PushSource::Hvp(inner) => {
                let (e, ed) = (&self.e[a..a + len], &self.ed[a..a + len]);
                let inner = &inner[d.off..d.off + len];
                for t in 0..len {
                    let w = ed[t] + e[t] * inner[t];
                    tl[t] = w * ql[t];
                    tu[t] = w * qu[t];
                    tb[t] = w * qd[t];
                }
            }
        }
    }

    /// Σ of the pushes arriving at the cells of diagonal k, into `out`.
    #[inline]
    fn gather(&self, k: usize, d: Diag, out: &mut [f64]) {
        let len = d.len();
        let a = d.lo;
        let tb = &self.tb[k % 2]; // holds diagonal k+2
        let (tl, tu, tb) = (&self.tl[a..a + len], &self.tu[a + 1..a + 1 + len], &tb[a + 1..a + 1 + len]);
        for (t, o) in out[a..a + len].iter_mut().enumerate() {
            *o = (tl[t] + tu[t]) + tb[t];
        }
    }
}

#[derive(Clone, Copy)]
enum PushSource<'a> {
    E,
    Hvp(&'a [f64]),
}

/// Reverse sweep for E. `sink(k, d, e)` sees E of each diagonal (indexed by
/// row, valid on `d.lo..=d.hi`), from k = m+n down to 2.
pub fn alignment(
    m: usize,
    n: usize,
    diags: &[Diag],
    pl: &[f64],
    pd: &[f64],
    pu: &[f64],
    rv: &mut Reverse,
    mut sink: impl FnMut(usize, Diag, &[f64]),
) -> Result<(), Status> {
    rv.reset(m)?;
    for k in (2..=m + n).rev() {
        let d = diags[k];
        if !d.is_empty() {
            if k == m + n {
                rv.e[m] = 1.0;
            } else {
                let mut e = std::mem::take(&mut rv.e);
                rv.gather(k, d, &mut e);
                rv.e = e;
            }
            sink(k, d, &rv.e);
        }
        rv.push(k, d, PushSource::E, pl, pd, pu);
    }
    Ok(())
}

/// Forward sweep of V̇ along `z` over the tape; stores V̇ − z per cell in
/// `inner` (flat layout) and returns V̇[m,n]. `dv` are three rolling buffers.
#[allow(clippy::too_many_arguments)]
pub fn jvp<Z: Field>(
    m: usize,
    n: usize,
    diags: &[Diag],
    pl: &[f64],
    pd: &[f64],
    pu: &[f64],
    z: &Z,
    dv: &mut [Vec<f64>; 3],
    zbuf: &mut Vec<f64>,
    inner: &mut [f64],
) -> Result<f64, Status> {
    for b in dv.iter_mut() {
        grow_fill(b, m + 2, 0.0)?;
    }
    grow_fill(zbuf, m + 2, 0.0)?;
    let mut ranges = [(0usize, 0usize), (1, 0), (1, 0)];
    for k in 2..=m + n {
        let d = diags[k];
        let s = k % 3;
        reset_outside(&mut dv[s], ranges[s], d.range(), 0.0);
        ranges[s] = d.range();
        if d.is_empty() {
            continue;
        }
        z.fill(k, d, zbuf);
        let (cur, p1, p2) = super::forward::slots(dv, k);
        let len = d.len();
        let (a, b) = (d.lo, d.lo - 1);
        let out = &mut cur[a..a + len];
        let (left, up, diag) = (&p1[a..a + len], &p1[b..b + len], &p2[b..b + len]);
        let span = d.off..d.off + len;
        let (ql, qd, qu) = (&pl[span.clone()], &pd[span.clone()], &pu[span.clone()]);
        let st = &mut inner[span];
        let zz = &zbuf[a..a + len];
        for t in 0..len {
            let i = (ql[t] * left[t] + qu[t] * up[t]) + qd[t] * diag[t];
            st[t] = i;
            out[t] = zz[t] + i;
        }
    }
    Ok(dv[(m + n) % 3][m])
}

/// Reverse sweep for Ė = Hessian·z, given E (flat), `inner` from [`jvp`]
/// along the same z. `sink(k, d, e, ed, scratch)` sees E and Ė of each
/// diagonal (by row), with a row-indexed scratch buffer.
#[allow(clippy::too_many_arguments)]
pub fn hvp<Z: Field>(
    m: usize,
    n: usize,
    diags: &[Diag],
    pl: &[f64],
    pd: &[f64],
    pu: &[f64],
    e_flat: &[f64],
    inner: &[f64],
    z: &Z,
    rv: &mut Reverse,
    mut sink: impl FnMut(usize, Diag, &[f64], &[f64], &mut [f64]),
) -> Result<(), Status> {
    rv.reset(m)?;
    for k in (2..=m + n).rev() {
        let d = diags[k];
        if !d.is_empty() {
            let len = d.len();
            let a = d.lo;
            rv.e[a..a + len].copy_from_slice(&e_flat[d.off..d.off + len]);
            if k == m + n {
                rv.ed[m] = 0.0;
            } else {
                let mut zb = std::mem::take(&mut rv.z);
                z.fill(k, d, &mut zb);
                let mut ed = std::mem::take(&mut rv.ed);
                rv.gather(k, d, &mut ed);
                let (o, e, zz, inn) = (&mut ed[a..a + len], &rv.e[a..a + len], &zb[a..a + len], &inner[d.off..d.off + len]);
                for t in 0..len {
                    o[t] -= (zz[t] + inn[t]) * e[t];
                }
                rv.ed = ed;
                rv.z = zb;
            }
            let mut g = std::mem::take(&mut rv.g);
            sink(k, d, &rv.e, &rv.ed, &mut g);
            rv.g = g;
        }
        rv.push(k, d, PushSource::Hvp(inner), pl, pd, pu);
    }
    Ok(())
}
