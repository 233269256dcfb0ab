//! Generalized Fenchel-Young losses (Blondel, Llinares-López, Dadashi,
//! Hussenot & Geist, NeurIPS 2022) for the quadratic energy
//!
//!   Φ(θ, μ) = ⟨θ_u, μ⟩ + ½⟨μ, A μ⟩,   θ = (θ_u, A),
//!
//! (A = 0: the bilinear energy, which gives back the classic FY losses),
//! over the simplex or the unit cube, with Ω the squared norm ½‖μ‖² or the
//! entropy (Shannon on the simplex, binary on the cube):
//!
//!   Ω^Φ(θ) = max_{μ ∈ dom Ω} Φ(θ, μ) − Ω(μ),  ŷ = the maximizer,
//!   L(θ; y) = Ω^Φ(θ) + Ω(y) − Φ(θ, y) = F(ŷ) − F(y) ≥ 0,  F = Φ(θ, ·) − Ω,
//!   ∇_θ L = ∇_θΦ(θ, ŷ) − ∇_θΦ(θ, y):  ∂/∂θ_u = ŷ − y,  ∂/∂A = ½(ŷŷᵀ − yyᵀ)
//!
//! by Danskin's theorem: no differentiation through the solver.
//!
//! Inner solver: Bregman proximal gradient with Ω itself as the mirror map.
//! With S = (A + Aᵀ)/2, ∇_μΦ = θ_u + Sμ and ŷ_Ω = ∇Ω* (softmax, sparsemax,
//! sigmoid or clip to [0, 1]), each step is
//!
//!   z⁺ = (θ_u + Sμ + c·∇Ω(μ)) / (1 + c),   μ⁺ = ŷ_Ω(z⁺),
//!
//! the exact maximizer of the linearized Φ minus Ω minus c·D_Ω(·, μ). It
//! increases F monotonically when c·∇²Ω + S ⪰ 0; since ∇²Ω ⪰ σI (σ = 1, or 4
//! for the binary entropy), c_max = max(0, max_i Σ_{j≠i}|S_ij| − S_ii)/σ
//! (Gershgorin) always suffices, and a smaller c checked along the step
//! itself usually does (see `solve_row`). For A = 0, c = 0 and one step
//! gives the classic map exactly. The solver stops when the fixed-point residual
//! ‖μ − ŷ_Ω(θ_u + Sμ)‖_∞ ≤ tol (zero exactly at a stationary point) and
//! reports [`Status::NotConverged`] after `max_iter` steps otherwise.
//!
//! Uniqueness of ŷ (and so the gradient) needs F strictly concave: S ≺ σI,
//! e.g. A negative semidefinite, or small. Otherwise the stationary point
//! found may be a local maximum; when the target then scores higher than
//! it (which would make the loss negative) the kernel reports
//! NotConverged blaming the target instead of returning a wrong value.

use super::losses::{check_target, dense_target, Target};
use super::maps::{sigmoid, softmax_row};
use super::simplex::simplex_threshold;
use super::{check_len, total, KernelError};
use crate::math::lanes::{all_finite, relu};
use crate::math::ln;
use crate::Status;

/// The feasible set of μ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    Simplex,
    Cube,
}

/// The regularizer Ω.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reg {
    /// ½‖μ‖².
    Squared,
    /// Σ μ ln μ (simplex) or Σ μ ln μ + (1 − μ) ln(1 − μ) (cube).
    Entropy,
}

impl Domain {
    /// ABI codes: 0 simplex, 1 cube.
    pub fn from_code(c: i32) -> Option<Self> {
        match c {
            0 => Some(Self::Simplex),
            1 => Some(Self::Cube),
            _ => None,
        }
    }
}

impl Reg {
    /// ABI codes: 0 squared norm, 1 entropy.
    pub fn from_code(c: i32) -> Option<Self> {
        match c {
            0 => Some(Self::Squared),
            1 => Some(Self::Entropy),
            _ => None,
        }
    }
}

/// Options of the inner solver.
#[derive(Clone, Copy, Debug)]
pub struct Solver {
    pub domain: Domain,
    pub reg: Reg,
    /// Tolerance on the fixed-point residual ‖μ − ŷ_Ω(∇_μΦ(θ, μ))‖_∞ (> 0).
    pub tol: f64,
    /// Iteration cap (≥ 1).
    pub max_iter: usize,
}

impl Solver {
    /// Strong convexity modulus of Ω on its domain.
    fn sigma(&self) -> f64 {
        match (self.domain, self.reg) {
            (Domain::Cube, Reg::Entropy) => 4.0,
            _ => 1.0,
        }
    }
}

/// Reusable scratch for the solver.
#[derive(Default)]
pub struct GfyScratch {
    s: Vec<f64>,
    mu: Vec<f64>,
    z: Vec<f64>,
    g: Vec<f64>,
    t: Vec<f64>,
    y: Vec<f64>,
    zn: Vec<f64>,
    mn: Vec<f64>,
    vals: Vec<f64>,
}

impl GfyScratch {
    pub fn new() -> Self {
        Self::default()
    }
    fn reserve(&mut self, n: usize, pairwise: bool) -> Result<(), Status> {
        fn grow(v: &mut Vec<f64>, n: usize) -> Result<(), Status> {
            if v.len() < n {
                v.try_reserve(n - v.len()).map_err(|_| Status::OutOfMemory)?;
                v.resize(n, 0.0);
            }
            Ok(())
        }
        for v in [&mut self.mu, &mut self.z, &mut self.g, &mut self.t, &mut self.y, &mut self.zn, &mut self.mn] {
            grow(v, n)?;
        }
        if self.vals.capacity() < n + 1 {
            self.vals.try_reserve(n + 1).map_err(|_| Status::OutOfMemory)?;
        }
        if pairwise {
            grow(&mut self.s, n.checked_mul(n).ok_or(Status::OutOfMemory)?)?;
        }
        Ok(())
    }
}

// Argument indices (ABI order): arrays, then scalars.
pub const ARG_THETA: u8 = 0;
pub const ARG_PAIRWISE: u8 = 1;
pub const ARG_TARGET: u8 = 2;
const ARG_VALUES: u8 = 3;
const ARG_PRED: u8 = 4;
const ARG_GRAD_U: u8 = 5;
const ARG_GRAD_P: u8 = 6;
const ARG_STATS: u8 = 7;
pub const ARG_TOL: u8 = 8;
pub const ARG_MAX_ITER: u8 = 9;

/// Outputs of a batch call. `values` (rows) is written when a target is
/// given; `grad_pairwise` has the layout of the pairwise input (n·n shared:
/// the sum over rows; rows·n·n: one block per row). `stats` (2·rows) gets
/// (iterations, final residual) per row.
pub struct Outputs<'a> {
    pub values: &'a mut [f64],
    pub pred: &'a mut [f64],
    pub grad_unary: Option<&'a mut [f64]>,
    pub grad_pairwise: Option<&'a mut [f64]>,
    pub stats: &'a mut [f64],
}

/// Predictions ŷ (and, with a target, the loss and its gradients) for
/// `rows` rows of unary potentials θ_u (rows·n) and an optional pairwise
/// matrix A (n·n shared by every row, or rows·n·n).
#[allow(clippy::too_many_arguments)]
pub fn gfy_batch(
    solver: Solver,
    theta: &[f64],
    pairwise: Option<&[f64]>,
    target: Option<Target>,
    rows: usize,
    n: usize,
    mut o: Outputs,
    sc: &mut GfyScratch,
) -> Result<(), KernelError> {
    let t = total(rows, n, ARG_THETA)?;
    check_len(theta.len(), t, ARG_THETA)?;
    let nn = total(n, n, ARG_PAIRWISE)?;
    let shared = match pairwise {
        None => true,
        Some(a) if a.len() == nn => true,
        Some(a) if Some(a.len()) == rows.checked_mul(nn) && rows > 1 => false,
        Some(_) => return Err(KernelError::new(Status::Shape, ARG_PAIRWISE)),
    };
    check_len(o.pred.len(), t, ARG_PRED)?;
    check_len(o.stats.len(), 2 * rows, ARG_STATS)?;
    if target.is_some() {
        check_len(o.values.len(), rows, ARG_VALUES)?;
    }
    if o.grad_unary.as_ref().is_some_and(|g| g.len() != t) {
        return Err(KernelError::new(Status::Shape, ARG_GRAD_U));
    }
    if let (Some(g), Some(a)) = (o.grad_pairwise.as_ref(), pairwise) {
        check_len(g.len(), a.len(), ARG_GRAD_P)?;
    }
    if !(solver.tol.is_finite() && solver.tol > 0.0) {
        return Err(KernelError::new(Status::Domain, ARG_TOL));
    }
    if solver.max_iter == 0 {
        return Err(KernelError::new(Status::Domain, ARG_MAX_ITER));
    }
    if rows > 0 && n == 0 {
        return Err(KernelError::new(Status::Shape, ARG_THETA));
    }
    if !all_finite(theta) {
        return Err(KernelError::new(Status::NonFinite, ARG_THETA));
    }
    if let Some(a) = pairwise {
        if !all_finite(a) {
            return Err(KernelError::new(Status::NonFinite, ARG_PAIRWISE));
        }
    }
    if let Some(tg) = target {
        match (solver.domain, tg) {
            (Domain::Simplex, _) => check_target(tg, rows, n, ARG_TARGET)?,
            (Domain::Cube, Target::Labels(_)) => return Err(KernelError::new(Status::Shape, ARG_TARGET)),
            (Domain::Cube, Target::Proportions(y)) => {
                check_len(y.len(), t, ARG_TARGET)?;
                if !all_finite(y) {
                    return Err(KernelError::new(Status::NonFinite, ARG_TARGET));
                }
                if y.iter().any(|&v| !(0.0..=1.0).contains(&v)) {
                    return Err(KernelError::new(Status::Domain, ARG_TARGET));
                }
            }
        }
    }
    if t == 0 {
        return Ok(());
    }
    sc.reserve(n, pairwise.is_some()).map_err(|s| KernelError::new(s, ARG_THETA))?;
    if let Some(g) = o.grad_pairwise.as_deref_mut() {
        g.fill(0.0); // accumulated below
    }
    // The symmetrized matrix lives outside `sc` while the rows borrow it.
    let mut s_buf = std::mem::take(&mut sc.s);
    let r = run_rows(solver, theta, pairwise, shared, target, rows, n, &mut o, &mut s_buf, sc);
    sc.s = s_buf;
    r
}

#[allow(clippy::too_many_arguments)]
fn run_rows(
    solver: Solver,
    theta: &[f64],
    pairwise: Option<&[f64]>,
    shared: bool,
    target: Option<Target>,
    rows: usize,
    n: usize,
    o: &mut Outputs,
    s_buf: &mut [f64],
    sc: &mut GfyScratch,
) -> Result<(), KernelError> {
    let nn = n * n;
    let mut c = 0.0;
    for r in 0..rows {
        let th = &theta[r * n..(r + 1) * n];
        let a_row = pairwise.map(|a| if shared { a } else { &a[r * nn..(r + 1) * nn] });
        if let Some(a) = a_row {
            if r == 0 || !shared {
                symmetrize(a, n, &mut s_buf[..nn]);
                c = step_constant(&s_buf[..nn], n, solver.sigma());
            }
        }
        let s_mat = a_row.map(|_| &s_buf[..nn]);
        let (iters, res) = solve_row(solver, th, s_mat, c, n, sc);
        o.stats[2 * r] = iters as f64;
        o.stats[2 * r + 1] = res;
        o.pred[r * n..(r + 1) * n].copy_from_slice(&sc.mu[..n]);
        if res > solver.tol {
            return Err(KernelError::new(Status::NotConverged, ARG_THETA));
        }
        let Some(tg) = target else { continue };
        let y = &mut sc.y[..n];
        dense_target(tg, r, n, y);
        let mu = &sc.mu[..n];
        // Shift θ_u by its max on the simplex (Σμ = Σy = 1: the value is
        // unchanged) so logits of magnitude 1e300 do not cancel.
        let shift = if solver.domain == Domain::Simplex { crate::math::lanes::max(th) } else { 0.0 };
        let mut lin = 0.0;
        for i in 0..n {
            let d = mu[i] - y[i];
            if d != 0.0 {
                lin += (th[i] - shift) * d;
            }
        }
        let quad = match s_mat {
            Some(s) => 0.5 * (quad_form(s, mu, n) - quad_form(s, y, n)),
            None => 0.0,
        };
        let value = lin + quad - omega(solver, mu) + omega(solver, y);
        let scale = 1.0 + lin.abs() + quad.abs();
        if value < -1e-9 * scale {
            return Err(KernelError::new(Status::NotConverged, ARG_TARGET));
        }
        o.values[r] = value.max(0.0);
        if let Some(g) = o.grad_unary.as_deref_mut() {
            for i in 0..n {
                g[r * n + i] = mu[i] - y[i];
            }
        }
        if let Some(g) = o.grad_pairwise.as_deref_mut() {
            let base = if shared { 0 } else { r * nn };
            for i in 0..n {
                for j in 0..n {
                    g[base + i * n + j] += 0.5 * (mu[i] * mu[j] - y[i] * y[j]);
                }
            }
        }
    }
    Ok(())
}

/// S = (A + Aᵀ)/2.
fn symmetrize(a: &[f64], n: usize, s: &mut [f64]) {
    for i in 0..n {
        for j in 0..n {
            s[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]);
        }
    }
}

/// The step constant c = max(0, max_i Σ_{j≠i}|S_ij| − S_ii)/σ, a Gershgorin
/// bound on −λ_min(S)/σ.
fn step_constant(s: &[f64], n: usize, sigma: f64) -> f64 {
    let mut worst = 0.0f64;
    for i in 0..n {
        let row = &s[i * n..(i + 1) * n];
        let off: f64 = row.iter().enumerate().filter(|&(j, _)| j != i).map(|(_, v)| v.abs()).sum();
        worst = worst.max(off - row[i]);
    }
    worst / sigma
}

/// μᵀSμ.
fn quad_form(s: &[f64], mu: &[f64], n: usize) -> f64 {
    let mut q = 0.0;
    for i in 0..n {
        q += mu[i] * crate::math::lanes::dot(&s[i * n..(i + 1) * n], mu);
    }
    q
}

/// Ω(μ) of the solver's regularizer (0 ln 0 = 0).
fn omega(solver: Solver, mu: &[f64]) -> f64 {
    let xlogx = |v: f64| if v > 0.0 { v * ln(v) } else { 0.0 };
    match (solver.domain, solver.reg) {
        (_, Reg::Squared) => 0.5 * mu.iter().map(|v| v * v).sum::<f64>(),
        (Domain::Simplex, Reg::Entropy) => mu.iter().map(|&v| xlogx(v)).sum(),
        (Domain::Cube, Reg::Entropy) => mu.iter().map(|&v| xlogx(v) + xlogx(1.0 - v)).sum(),
    }
}

/// ŷ_Ω(z) = ∇Ω*(z) into `out`.
fn predict(solver: Solver, z: &[f64], out: &mut [f64], vals: &mut Vec<f64>) {
    match (solver.domain, solver.reg) {
        (Domain::Simplex, Reg::Squared) => {
            let (m, tau) = simplex_threshold(z, 1.0, vals);
            for (o, &v) in out.iter_mut().zip(z) {
                *o = relu((v - m) - tau);
            }
        }
        (Domain::Simplex, Reg::Entropy) => softmax_row(z, out),
        (Domain::Cube, Reg::Squared) => {
            for (o, &v) in out.iter_mut().zip(z) {
                *o = v.clamp(0.0, 1.0);
            }
        }
        (Domain::Cube, Reg::Entropy) => {
            for (o, &v) in out.iter_mut().zip(z) {
                *o = sigmoid(v);
            }
        }
    }
}

/// g = θ_u + Sμ.
fn energy_grad(th: &[f64], s: Option<&[f64]>, mu: &[f64], g: &mut [f64]) {
    let n = th.len();
    match s {
        None => g.copy_from_slice(th),
        Some(s) => {
            for i in 0..n {
                g[i] = th[i] + crate::math::lanes::dot(&s[i * n..(i + 1) * n], mu);
            }
        }
    }
}

/// Runs the solver on one row; leaves ŷ in `sc.mu`. Returns (iterations,
/// final residual). The step constant adapts: each step first tries half
/// the previous c and doubles it (up to the safe `c_max`) until
/// ⟨g⁺ − g, d⟩ + c⟨∇Ω(μ⁺) − ∇Ω(μ), d⟩ ≥ 0 with d = μ⁺ − μ — for a
/// quadratic energy ⟨g⁺ − g, d⟩ = dᵀSd exactly, so this is the ascent
/// condition along the step itself, usually met by a c far below the
/// Gershgorin bound. g⁺ = θ_u + Sμ⁺ is the next step's gradient, so a
/// step costs one matrix-vector product unless c has to grow.
fn solve_row(solver: Solver, th: &[f64], s: Option<&[f64]>, c_max: f64, n: usize, sc: &mut GfyScratch) -> (usize, f64) {
    let GfyScratch { mu, z, g, t, y: gn, zn, mn, vals, .. } = sc;
    let (mu, z, g, t) = (&mut mu[..n], &mut z[..n], &mut g[..n], &mut t[..n]);
    let (gn, zn, mn) = (&mut gn[..n], &mut zn[..n], &mut mn[..n]);
    z.copy_from_slice(th);
    predict(solver, z, mu, vals);
    energy_grad(th, s, mu, g);
    let mut res = f64::INFINITY;
    let mut c = 0.0f64;
    for it in 0..solver.max_iter {
        predict(solver, g, t, vals);
        res = mu.iter().zip(t.iter()).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        if res <= solver.tol {
            return (it, res);
        }
        if s.is_none() {
            // Bilinear: the fixed point is reached in one step (c = 0).
            mu.copy_from_slice(t);
            z.copy_from_slice(g);
            continue;
        }
        c *= 0.5;
        loop {
            if c == 0.0 {
                mn.copy_from_slice(t);
                zn.copy_from_slice(g);
            } else {
                // ∇Ω(μ): μ for the squared norm; the dual point z for the
                // entropies (ln μ + 1 = z + const on the simplex, logit μ = z
                // on the cube).
                let inv = 1.0 / (1.0 + c);
                for i in 0..n {
                    let prev = if solver.reg == Reg::Squared { mu[i] } else { z[i] };
                    zn[i] = (g[i] + c * prev) * inv;
                }
                predict(solver, zn, mn, vals);
            }
            energy_grad(th, s, mn, gn);
            let (mut curv, mut breg) = (0.0, 0.0);
            for i in 0..n {
                let d = mn[i] - mu[i];
                curv += (gn[i] - g[i]) * d;
                breg += if solver.reg == Reg::Squared { d } else { zn[i] - z[i] } * d;
            }
            if c >= c_max || curv + c * breg >= 0.0 {
                break;
            }
            c = if c == 0.0 { (1e-3 * c_max).max(1e-12) } else { (2.0 * c).min(c_max) };
        }
        mu.copy_from_slice(mn);
        z.copy_from_slice(zn);
        g.copy_from_slice(gn);
    }
    // The residual at the final iterate.
    predict(solver, g, t, vals);
    let last = mu.iter().zip(t.iter()).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    (solver.max_iter, if last.is_nan() { res } else { last })
}
