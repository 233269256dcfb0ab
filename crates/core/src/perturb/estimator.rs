//! Monte-Carlo estimators of the perturbed maximizer, its Jacobian and the
//! perturbed Fenchel-Young loss (Berthet et al., NeurIPS 2020).
//!
//! For one row θ ∈ Rⁿ and samples Zₛ (s < N) regenerated on demand from the
//! counter-based generator, with ηₛ the perturbed point and yₛ = y*(ηₛ):
//!
//! * y_ε(θ) ≈ (1/N) Σ yₛ, with per-coordinate standard errors;
//! * F_ε(θ) ≈ (1/N) Σ ⟨yₛ, ηₛ⟩ and ∇F_ε ≈ (1/N) Σ yₛ (additive) or
//!   (1/N) Σ wₛ ⊙ yₛ with wₛ = e^{εZₛ − ε²/2} (multiplicative);
//! * J·u ≈ (1/N) Σ (yₛ − b) ⟨scoreₛ, u⟩ and Jᵀg ≈ (1/N) Σ scoreₛ ⟨yₛ − b, g⟩,
//!   score = ∇ν(Z)/ε (additive) or Z/(εθ) (multiplicative), b = 0 or, with the
//!   control variate, the sample mean ȳ (then 1/(N−1): the unbiased
//!   covariance). E[score] = 0, so any constant b keeps the estimate unbiased
//!   while ȳ removes most of its variance;
//! * loss: (1/N) Σ σ⟨yₛ − y, ηₛ⟩ (σ = +1 maximize, −1 minimize), a
//!   non-negative sample average whose expectation is F_ε(θ) − ⟨θ, y⟩ + Ω(y)
//!   for every target y that is a vertex of the oracle's polytope (a label,
//!   a path, a permutation); gradient σ(∇F_ε − y).
//!
//! Minimization (`maximize = false`) perturbs the same way and uses
//! argmin; F is then concave and the signs above flip.

use super::oracles::{Oracle, OracleScratch};
use super::rng::{fill_noise, Noise};
use crate::math::{all_finite, exp};
use crate::{KernelError, Status};

/// Everything that defines the perturbed operator.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    pub noise: Noise,
    pub epsilon: f64,
    pub samples: usize,
    pub seed: u64,
    pub multiplicative: bool,
    pub control_variate: bool,
    pub maximize: bool,
}

/// Where the samples yₛ come from: a built-in oracle run in the core, or
/// precomputed rows (N×n, row-major) from a user oracle in JavaScript.
#[derive(Clone, Copy)]
pub enum Source<'a> {
    Builtin(Oracle),
    External(&'a [f64]),
}

// Argument indices for errors: theta, target/cotangent, samples (external),
// epsilon, samples count.
pub const ARG_THETA: u8 = 0;
pub const ARG_INPUT: u8 = 1;
pub const ARG_YS: u8 = 2;
pub const ARG_EPSILON: u8 = 3;
pub const ARG_SAMPLES: u8 = 4;
pub const ARG_ORACLE: u8 = 5;

/// Scratch for one batch.
#[derive(Default)]
pub struct Work {
    z: Vec<f64>,
    eta: Vec<f64>,
    y: Vec<f64>,
    acc: Vec<f64>,
    acc2: Vec<f64>,
    oracle: OracleScratch,
}

impl Work {
    pub fn new() -> Self {
        Self::default()
    }
    fn reserve(&mut self, n: usize) -> Result<(), KernelError> {
        let oom = |_| KernelError::new(Status::OutOfMemory, ARG_THETA);
        for v in [&mut self.z, &mut self.eta, &mut self.y, &mut self.acc, &mut self.acc2] {
            if v.len() < n {
                v.try_reserve(n - v.len()).map_err(oom)?;
                v.resize(n, 0.0);
            }
        }
        self.oracle.reserve(n).map_err(|s| KernelError::new(s, ARG_THETA))
    }
}

/// The samples of a forward pass kept for the backward pass: noise Zₛ and
/// oracle outputs yₛ, each rows·N·n (row-major by row, then sample). With a
/// tape the backward pass neither regenerates noise nor calls the oracle;
/// without one (when memory is tight) it regenerates both from the seed,
/// which gives the same bits.
pub struct Tape<'a> {
    pub z: &'a mut [f64],
    pub y: &'a mut [f64],
}

/// Read-only [`Tape`].
#[derive(Clone, Copy)]
pub struct TapeRef<'a> {
    pub z: &'a [f64],
    pub y: &'a [f64],
}

fn tape_len(cfg: &Config, rows: usize, n: usize) -> Option<usize> {
    rows.checked_mul(cfg.samples)?.checked_mul(n)
}

/// Validates the configuration, θ and the source for rows×n.
pub fn check(cfg: &Config, source: Source, theta: &[f64], rows: usize, n: usize) -> Result<(), KernelError> {
    let total = rows.checked_mul(n).ok_or(KernelError::new(Status::Shape, ARG_THETA))?;
    if theta.len() != total {
        return Err(KernelError::new(Status::Shape, ARG_THETA));
    }
    if !(cfg.epsilon.is_finite() && cfg.epsilon > 0.0) {
        return Err(KernelError::new(Status::Domain, ARG_EPSILON));
    }
    if cfg.samples == 0 || cfg.samples > u32::MAX as usize {
        return Err(KernelError::new(Status::Domain, ARG_SAMPLES));
    }
    if !all_finite(theta) {
        return Err(KernelError::new(Status::NonFinite, ARG_THETA));
    }
    if cfg.multiplicative {
        // θ ⊙ e^{εZ − ε²/2} is a log-normal perturbation of positive costs;
        // the score Z/(εθ) needs θ > 0.
        if cfg.noise != Noise::Gaussian {
            return Err(KernelError::new(Status::BadOption, ARG_THETA));
        }
        if theta.iter().any(|&t| t <= 0.0) {
            return Err(KernelError::new(Status::Domain, ARG_THETA));
        }
    }
    match source {
        Source::Builtin(o) => {
            o.check(n).map_err(|s| KernelError::new(s, ARG_ORACLE))?;
            if matches!(o, Oracle::ShortestPath { .. }) && cfg.maximize {
                return Err(KernelError::new(Status::BadOption, ARG_ORACLE));
            }
        }
        Source::External(ys) => {
            if rows != 1 || ys.len() != cfg.samples.checked_mul(n).unwrap_or(usize::MAX) {
                return Err(KernelError::new(Status::Shape, ARG_YS));
            }
            if !all_finite(ys) {
                return Err(KernelError::new(Status::NonFinite, ARG_YS));
            }
        }
    }
    Ok(())
}

/// ηₛ from θ and Zₛ.
#[inline]
fn perturb(cfg: &Config, theta: &[f64], z: &[f64], eta: &mut [f64]) {
    let e = cfg.epsilon;
    if cfg.multiplicative {
        let half = 0.5 * e * e;
        for i in 0..theta.len() {
            eta[i] = theta[i] * exp(e * z[i] - half);
        }
    } else {
        for i in 0..theta.len() {
            eta[i] = theta[i] + e * z[i];
        }
    }
}

/// Overwrites z by the score ∇_θ log p(ηₛ | θ).
#[inline]
fn score_in_place(cfg: &Config, theta: &[f64], z: &mut [f64]) {
    let inv = 1.0 / cfg.epsilon;
    if cfg.multiplicative {
        for i in 0..z.len() {
            z[i] *= inv / theta[i];
        }
    } else {
        match cfg.noise {
            Noise::Gaussian => z.iter_mut().for_each(|v| *v *= inv),
            Noise::Gumbel => z.iter_mut().for_each(|v| *v = (1.0 - exp(-*v)) * inv),
        }
    }
}

/// Regenerates sample s of `row`: z, η and y.
#[allow(clippy::too_many_arguments)]
#[inline]
fn sample(cfg: &Config, source: Source, theta: &[f64], row: usize, s: usize, z: &mut [f64], eta: &mut [f64], y: &mut [f64], osc: &mut OracleScratch) {
    fill_noise(cfg.noise, cfg.seed, row as u32, s as u32, z);
    perturb(cfg, theta, z, eta);
    match source {
        Source::Builtin(o) => o.solve(eta, cfg.maximize, y, osc),
        Source::External(ys) => {
            let n = theta.len();
            y.copy_from_slice(&ys[s * n..(s + 1) * n]);
        }
    }
}

/// Per-row outputs of [`forward`]; each slice has rows·n (or rows) entries.
pub struct ForwardOut<'a> {
    pub y: &'a mut [f64],
    pub y_stderr: &'a mut [f64],
    pub grad_f: &'a mut [f64],
    pub f: &'a mut [f64],
    pub f_stderr: &'a mut [f64],
}

/// y_ε, its standard errors, ∇F_ε, F_ε and its standard error, per row.
/// `row_offset` numbers the rows for the noise streams (external sources
/// are processed one row per call).
#[allow(clippy::too_many_arguments)]
pub fn forward(cfg: &Config, source: Source, theta: &[f64], rows: usize, n: usize, row_offset: usize, out: ForwardOut, mut tape: Option<Tape>, w: &mut Work) -> Result<(), KernelError> {
    check(cfg, source, theta, rows, n)?;
    if let Some(t) = &tape {
        let len = tape_len(cfg, rows, n);
        if len != Some(t.z.len()) || len != Some(t.y.len()) {
            return Err(KernelError::new(Status::Shape, ARG_YS));
        }
    }
    let total = rows * n;
    if out.y.len() != total || out.y_stderr.len() != total || out.grad_f.len() != total || out.f.len() != rows || out.f_stderr.len() != rows {
        return Err(KernelError::new(Status::Shape, ARG_INPUT));
    }
    if n == 0 {
        out.f.fill(0.0);
        out.f_stderr.fill(0.0);
        return Ok(());
    }
    w.reserve(n)?;
    let Work { z, eta, y, acc, acc2, oracle } = w;
    let (z, eta, y, acc, acc2) = (&mut z[..n], &mut eta[..n], &mut y[..n], &mut acc[..n], &mut acc2[..n]);
    let nf = cfg.samples as f64;
    for r in 0..rows {
        let span = r * n..(r + 1) * n;
        let th = &theta[span.clone()];
        acc.fill(0.0);
        acc2.fill(0.0);
        let gf = &mut out.grad_f[span.clone()];
        gf.fill(0.0);
        let (mut fs, mut fs2) = (0.0, 0.0);
        for s in 0..cfg.samples {
            sample(cfg, source, th, r + row_offset, s, z, eta, y, oracle);
            if let Some(t) = &mut tape {
                let at = (r * cfg.samples + s) * n;
                t.z[at..at + n].copy_from_slice(z);
                t.y[at..at + n].copy_from_slice(y);
            }
            let mut f = 0.0;
            for i in 0..n {
                f += y[i] * eta[i];
                acc[i] += y[i];
                acc2[i] += y[i] * y[i];
            }
            fs += f;
            fs2 += f * f;
            if cfg.multiplicative {
                // ∇F = E[w ⊙ y*] with w = η/θ = e^{εZ − ε²/2}.
                for i in 0..n {
                    gf[i] += y[i] * (eta[i] / th[i]);
                }
            }
        }
        let ym = &mut out.y[span.clone()];
        let se = &mut out.y_stderr[span.clone()];
        for i in 0..n {
            ym[i] = acc[i] / nf;
            se[i] = stderr(acc[i], acc2[i], cfg.samples);
        }
        if cfg.multiplicative {
            gf.iter_mut().for_each(|v| *v /= nf);
        } else {
            gf.copy_from_slice(ym);
        }
        out.f[r] = fs / nf;
        out.f_stderr[r] = stderr(fs, fs2, cfg.samples);
    }
    Ok(())
}

/// Standard error of a sample mean from Σx and Σx² (0 for one sample).
fn stderr(sum: f64, sum2: f64, n: usize) -> f64 {
    if n < 2 {
        return 0.0;
    }
    let nf = n as f64;
    let mean = sum / nf;
    let var = ((sum2 - nf * mean * mean) / (nf - 1.0)).max(0.0);
    (var / nf).sqrt()
}

/// Jacobian products of y_ε: `vjp` (cotangent in) or jvp (tangent in), per
/// row, with `y_mean` the forward output (the control variate's baseline).
#[allow(clippy::too_many_arguments)]
pub fn backward(cfg: &Config, source: Source, vjp: bool, theta: &[f64], y_mean: &[f64], input: &[f64], rows: usize, n: usize, row_offset: usize, tape: Option<TapeRef>, out: &mut [f64], w: &mut Work) -> Result<(), KernelError> {
    check(cfg, source, theta, rows, n)?;
    if let Some(t) = &tape {
        let len = tape_len(cfg, rows, n);
        if len != Some(t.z.len()) || len != Some(t.y.len()) {
            return Err(KernelError::new(Status::Shape, ARG_YS));
        }
        if !all_finite(t.z) || !all_finite(t.y) {
            return Err(KernelError::new(Status::NonFinite, ARG_YS));
        }
    }
    let total = rows * n;
    if input.len() != total || y_mean.len() != total || out.len() != total {
        return Err(KernelError::new(Status::Shape, ARG_INPUT));
    }
    if !all_finite(input) {
        return Err(KernelError::new(Status::NonFinite, ARG_INPUT));
    }
    if n == 0 {
        return Ok(());
    }
    w.reserve(n)?;
    let Work { z, eta, y, oracle, .. } = w;
    let (z, eta, y) = (&mut z[..n], &mut eta[..n], &mut y[..n]);
    let cv = cfg.control_variate && cfg.samples > 1;
    let denom = if cv { cfg.samples as f64 - 1.0 } else { cfg.samples as f64 };
    for r in 0..rows {
        let span = r * n..(r + 1) * n;
        let (th, ym, inp) = (&theta[span.clone()], &y_mean[span.clone()], &input[span.clone()]);
        let o = &mut out[span];
        o.fill(0.0);
        for s in 0..cfg.samples {
            match &tape {
                Some(t) => {
                    let at = (r * cfg.samples + s) * n;
                    z.copy_from_slice(&t.z[at..at + n]);
                    y.copy_from_slice(&t.y[at..at + n]);
                }
                None => sample(cfg, source, th, r + row_offset, s, z, eta, y, oracle),
            }
            if cv {
                for i in 0..n {
                    y[i] -= ym[i];
                }
            }
            score_in_place(cfg, th, z);
            if vjp {
                let c: f64 = (0..n).map(|i| y[i] * inp[i]).sum();
                for i in 0..n {
                    o[i] += c * z[i];
                }
            } else {
                let c: f64 = (0..n).map(|i| z[i] * inp[i]).sum();
                for i in 0..n {
                    o[i] += c * y[i];
                }
            }
        }
        o.iter_mut().for_each(|v| *v /= denom);
    }
    Ok(())
}

/// Perturbed Fenchel-Young loss per row (`values`, len rows) and its
/// gradient w.r.t. θ (`grad`, rows·n).
#[allow(clippy::too_many_arguments)]
pub fn fy_loss(cfg: &Config, source: Source, theta: &[f64], target: &[f64], rows: usize, n: usize, row_offset: usize, values: &mut [f64], grad: &mut [f64], w: &mut Work) -> Result<(), KernelError> {
    check(cfg, source, theta, rows, n)?;
    let total = rows * n;
    if target.len() != total {
        return Err(KernelError::new(Status::Shape, ARG_INPUT));
    }
    if values.len() != rows || grad.len() != total {
        return Err(KernelError::new(Status::Shape, ARG_THETA));
    }
    if !all_finite(target) {
        return Err(KernelError::new(Status::NonFinite, ARG_INPUT));
    }
    if n == 0 {
        values.fill(0.0);
        return Ok(());
    }
    w.reserve(n)?;
    let Work { z, eta, y, acc, oracle, .. } = w;
    let (z, eta, y, acc) = (&mut z[..n], &mut eta[..n], &mut y[..n], &mut acc[..n]);
    let sign = if cfg.maximize { 1.0 } else { -1.0 };
    let nf = cfg.samples as f64;
    for r in 0..rows {
        let span = r * n..(r + 1) * n;
        let (th, tg) = (&theta[span.clone()], &target[span.clone()]);
        acc.fill(0.0);
        let mut total_gap = 0.0;
        for s in 0..cfg.samples {
            sample(cfg, source, th, r + row_offset, s, z, eta, y, oracle);
            let mut gap = 0.0;
            for i in 0..n {
                gap += (y[i] - tg[i]) * eta[i];
            }
            total_gap += gap;
            if cfg.multiplicative {
                for i in 0..n {
                    acc[i] += y[i] * (eta[i] / th[i]);
                }
            } else {
                for i in 0..n {
                    acc[i] += y[i];
                }
            }
        }
        values[r] = sign * total_gap / nf;
        let g = &mut grad[span];
        for i in 0..n {
            g[i] = sign * (acc[i] / nf - tg[i]);
        }
    }
    Ok(())
}

/// The perturbed points η of samples `0..N` of one row (N×n), for user
/// oracles evaluated outside the core.
pub fn points(cfg: &Config, theta: &[f64], row: usize, out: &mut [f64], w: &mut Work) -> Result<(), KernelError> {
    let n = theta.len();
    // Validate as a one-row external source without samples yet.
    if !(cfg.epsilon.is_finite() && cfg.epsilon > 0.0) {
        return Err(KernelError::new(Status::Domain, ARG_EPSILON));
    }
    if cfg.samples == 0 || cfg.samples > u32::MAX as usize {
        return Err(KernelError::new(Status::Domain, ARG_SAMPLES));
    }
    if out.len() != cfg.samples.checked_mul(n).unwrap_or(usize::MAX) {
        return Err(KernelError::new(Status::Shape, ARG_YS));
    }
    if !all_finite(theta) {
        return Err(KernelError::new(Status::NonFinite, ARG_THETA));
    }
    if cfg.multiplicative && (cfg.noise != Noise::Gaussian || theta.iter().any(|&t| t <= 0.0)) {
        let st = if cfg.noise != Noise::Gaussian { Status::BadOption } else { Status::Domain };
        return Err(KernelError::new(st, ARG_THETA));
    }
    if n == 0 {
        return Ok(());
    }
    w.reserve(n)?;
    let z = &mut w.z[..n];
    for s in 0..cfg.samples {
        fill_noise(cfg.noise, cfg.seed, row as u32, s as u32, z);
        perturb(cfg, theta, z, &mut out[s * n..(s + 1) * n]);
    }
    Ok(())
}
