//! Which cells of the m×n table a DP visits, and in which order.
//!
//! Cells are 1-based (i, j), i ∈ 1..=m (rows, the first series), j ∈ 1..=n.
//! Row i allows columns `lo[i]..=hi[i]`. Without a band that is 1..=n; with a
//! Sakoe-Chiba radius r it is the set of columns within r of the straight
//! line from (1, 1) to (m, n), measured along the longer series' axis:
//!
//! ```text
//!   |(j−1)(m−1) − (i−1)(n−1)| ≤ r · min(m−1, n−1)
//! ```
//!
//! (for m = n this is the classic |i − j| ≤ r). The condition is exact
//! integer arithmetic and symmetric under transposition (i, m) ↔ (j, n) and
//! under the half-turn (i, j) ↔ (m+1−i, n+1−j), which the kernels rely on.
//! A band is *feasible* when some alignment path stays inside it; for
//! m ≠ n that needs roughly r ≥ ((n−1)/(m−1) − 1)/2 (longer over shorter).
//!
//! Sweeps go by anti-diagonals k = i + j ∈ 2..=m+n: cells on one diagonal
//! are independent, so each diagonal is a vectorizable loop over i. The
//! cells of diagonal k form one contiguous range of i ([`Walker`]); gradient
//! paths store per-cell values diagonal after diagonal ("flat" layout) at
//! `off + (i − lo)`.

use crate::Status;

/// Allowed columns per row (index 0 unused). Fails with `Domain` when the
/// band leaves no path from (1, 1) to (m, n). Returns the number of cells.
pub fn band_rows(m: usize, n: usize, band: Option<usize>, lo: &mut Vec<u32>, hi: &mut Vec<u32>) -> Result<usize, Status> {
    if m == 0 || n == 0 || m >= u32::MAX as usize / 2 || n >= u32::MAX as usize / 2 {
        return Err(Status::Shape);
    }
    grow(lo, m + 1)?;
    grow(hi, m + 1)?;
    let mut cells = 0usize;
    let (mi, ni) = ((m - 1) as i128, (n - 1) as i128);
    for i in 1..=m {
        let (l, h) = match band {
            Some(r) if m > 1 && n > 1 => {
                let r = r.min(m.max(n)) as i128;
                let rr = r * mi.min(ni);
                let center = (i as i128 - 1) * ni;
                let l0 = -((rr - center).div_euclid(mi)); // ceil((center − rr)/mi)
                let h0 = (center + rr).div_euclid(mi);
                (l0.max(0) + 1, h0.min(ni) + 1)
            }
            _ => (1, n as i128),
        };
        if l > h || (i > 1 && l > hi[i - 1] as i128 + 1) {
            return Err(Status::Domain);
        }
        lo[i] = l as u32;
        hi[i] = h as u32;
        cells += (h - l + 1) as usize;
    }
    Ok(cells)
}

pub(crate) fn grow<T: Default + Clone>(v: &mut Vec<T>, len: usize) -> Result<(), Status> {
    if v.len() < len {
        v.try_reserve(len - v.len()).map_err(|_| Status::OutOfMemory)?;
        v.resize(len, T::default());
    }
    Ok(())
}

/// Like [`grow`], then fills the first `len` entries with `value`.
pub(crate) fn grow_fill(v: &mut Vec<f64>, len: usize, value: f64) -> Result<(), Status> {
    grow(v, len)?;
    v[..len].fill(value);
    Ok(())
}

/// The cells of one anti-diagonal: rows `lo..=hi` (empty when lo > hi),
/// stored from `off` in the flat layout.
#[derive(Clone, Copy, Debug, Default)]
pub struct Diag {
    pub lo: usize,
    pub hi: usize,
    pub off: usize,
}

impl Diag {
    #[inline]
    pub fn len(&self) -> usize {
        if self.hi >= self.lo {
            self.hi + 1 - self.lo
        } else {
            0
        }
    }
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.hi < self.lo
    }
    /// The row range as a pair (for neutral-value bookkeeping).
    #[inline]
    pub fn range(&self) -> (usize, usize) {
        (self.lo, self.hi)
    }
}

/// Walks the anti-diagonals k = 2, 3, … in increasing order, in O(1)
/// memory beyond the row bounds (the value-only paths use it).
pub struct Walker {
    ilo: usize,
    ihi: usize,
    off: usize,
}

impl Default for Walker {
    fn default() -> Self {
        Self::new()
    }
}

impl Walker {
    pub fn new() -> Self {
        Walker { ilo: 1, ihi: 0, off: 0 }
    }
    /// The cells of diagonal k (call with k = 2, 3, …, m+n in order).
    #[inline]
    pub fn next(&mut self, k: usize, lo: &[u32], hi: &[u32], m: usize) -> Diag {
        while self.ihi < m && self.ihi + 1 + lo[self.ihi + 1] as usize <= k {
            self.ihi += 1;
        }
        while self.ilo <= m && self.ilo + (hi[self.ilo] as usize) < k {
            self.ilo += 1;
        }
        let d = Diag { lo: self.ilo, hi: self.ihi, off: self.off };
        self.off += d.len();
        d
    }
}

/// Every diagonal of the table (index k; entries 0 and 1 are empty; entry
/// m+n+1 holds the total cell count in `off`).
pub fn diagonals(m: usize, lo: &[u32], hi: &[u32], n: usize, out: &mut Vec<Diag>) -> Result<usize, Status> {
    out.clear();
    out.try_reserve(m + n + 2).map_err(|_| Status::OutOfMemory)?;
    out.push(Diag { lo: 1, hi: 0, off: 0 });
    out.push(Diag { lo: 1, hi: 0, off: 0 });
    let mut w = Walker::new();
    for k in 2..=m + n {
        out.push(w.next(k, lo, hi, m));
    }
    out.push(Diag { lo: 1, hi: 0, off: w.off });
    Ok(w.off)
}

/// Sets `buf` to `neutral` on the rows of `old` that are not in `new`, so
/// a rolling buffer reads `neutral` everywhere outside its live diagonal.
#[inline]
pub fn reset_outside(buf: &mut [f64], old: (usize, usize), new: (usize, usize), neutral: f64) {
    let (ol, oh) = old;
    let (nl, nh) = new;
    if ol > oh {
        return;
    }
    if nl > nh || nh < ol || nl > oh {
        buf[ol..=oh].fill(neutral);
        return;
    }
    if ol < nl {
        buf[ol..nl].fill(neutral);
    }
    if oh > nh {
        buf[nh + 1..=oh].fill(neutral);
    }
}
