//! Statistical and exact tests of the perturbed estimators.

use super::estimator::{backward, forward, fy_loss, Config, ForwardOut, Source, Work};
use super::{Noise, Oracle};
use crate::testutil::{dot, fixture, Rng};

fn cfg(noise: Noise, epsilon: f64, samples: usize, seed: u64) -> Config {
    Config { noise, epsilon, samples, seed, multiplicative: false, control_variate: true, maximize: true }
}

struct Est {
    y: Vec<f64>,
    se: Vec<f64>,
    grad_f: Vec<f64>,
    f: f64,
    f_se: f64,
}

fn est(c: &Config, o: Oracle, theta: &[f64]) -> Est {
    let n = theta.len();
    let (mut y, mut se, mut gf, mut f, mut fse) = (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0], vec![0.0]);
    let out = ForwardOut { y: &mut y, y_stderr: &mut se, grad_f: &mut gf, f: &mut f, f_stderr: &mut fse };
    forward(c, Source::Builtin(o), theta, 1, n, 0, out, None, &mut Work::new()).unwrap();
    Est { y, se, grad_f: gf, f: f[0], f_se: fse[0] }
}

fn vjp(c: &Config, o: Oracle, theta: &[f64], ym: &[f64], g: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; theta.len()];
    backward(c, Source::Builtin(o), true, theta, ym, g, 1, theta.len(), 0, None, &mut out, &mut Work::new()).unwrap();
    out
}

fn jvp(c: &Config, o: Oracle, theta: &[f64], ym: &[f64], u: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; theta.len()];
    backward(c, Source::Builtin(o), false, theta, ym, u, 1, theta.len(), 0, None, &mut out, &mut Work::new()).unwrap();
    out
}

/// The golden closed forms: y_ε and F_ε within 4 standard errors at 10^5
/// samples; Jacobian columns within 4 standard errors estimated from 10
/// independent seeds.
#[test]
fn golden_perturbed_argmax() {
    let data = fixture("fy_perturb.json");
    let sections = data.get("perturbed_argmax");
    for (key, noise) in [("gaussian_n2_closed_form", Noise::Gaussian), ("gaussian_n3_quadrature", Noise::Gaussian), ("gumbel_closed_form", Noise::Gumbel)] {
        for case in sections.get(key).arr() {
            let theta = case.get("theta").vec();
            let eps = case.get("eps").num();
            let n = theta.len();
            let c = cfg(noise, eps, 100_000, 7);
            let e = est(&c, Oracle::Argmax, &theta);
            let want = case.get("y_eps").vec();
            for i in 0..n {
                // 4 standard errors, from the sample or (for p ≈ 0 where no
                // sample hits) from the binomial variance of the true p.
                let tol = 4.0 * e.se[i].max((want[i] * (1.0 - want[i]) / 1e5).sqrt()) + 1e-12;
                assert!((e.y[i] - want[i]).abs() <= tol, "{key} y[{i}] {} vs {} (se {})", e.y[i], want[i], e.se[i]);
            }
            let f = case.get("F_eps").num();
            assert!((e.f - f).abs() <= 4.0 * e.f_se + 1e-12, "{key} F {} vs {f} (se {})", e.f, e.f_se);
            // Jacobian: 10 seeds × 10^4 samples, one cotangent per basis vector.
            let jac = case.get("jacobian").arr();
            for col in 0..n {
                let g: Vec<f64> = (0..n).map(|i| if i == col { 1.0 } else { 0.0 }).collect();
                let runs: Vec<Vec<f64>> = (0..10)
                    .map(|seed| {
                        let c = cfg(noise, eps, 10_000, 100 + seed);
                        let e = est(&c, Oracle::Argmax, &theta);
                        vjp(&c, Oracle::Argmax, &theta, &e.y, &g)
                    })
                    .collect();
                for i in 0..n {
                    let vals: Vec<f64> = runs.iter().map(|r| r[i]).collect();
                    let mean = vals.iter().sum::<f64>() / 10.0;
                    let sd = (vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 9.0).sqrt();
                    let want = jac[col].vec()[i]; // J symmetric here; row `col` = gᵀJ
                    // Rare coordinates (p ≈ 1e-7) may see no hit in 10^5
                    // samples: floor the error by that event's scale √(p/N)/ε.
                    let p = case.get("y_eps").vec()[i].max(case.get("y_eps").vec()[col]);
                    let floor = 4.0 * (p / 1e5).sqrt() / eps;
                    assert!((mean - want).abs() <= (4.0 * sd / 10f64.sqrt()).max(floor) + 1e-12, "{key} J[{col}][{i}] {mean} vs {want} (sd {sd})");
                }
            }
        }
    }
}

#[test]
fn standard_error_shrinks_like_one_over_sqrt_samples() {
    let theta = [0.5, 1.2, -0.3];
    let small = est(&cfg(Noise::Gaussian, 1.0, 1_000, 1), Oracle::Argmax, &theta);
    let large = est(&cfg(Noise::Gaussian, 1.0, 100_000, 1), Oracle::Argmax, &theta);
    for i in 0..3 {
        let ratio = small.se[i] / large.se[i];
        assert!((ratio - 10.0).abs() < 1.5, "ratio {ratio}");
    }
    let ratio = small.f_se / large.f_se;
    assert!((ratio - 10.0).abs() < 1.5, "F ratio {ratio}");
}

#[test]
fn control_variate_lowers_the_variance_of_the_vjp() {
    let theta = [0.5, 1.2, -0.3, 0.0];
    // A cotangent with a large common component: ⟨yₛ, g⟩ then has a large
    // mean that the baseline ȳ removes (for the argmax Σy = 1 always).
    let g = [2.0, 1.5, 1.0, 2.5];
    let spread = |control_variate: bool| {
        let runs: Vec<Vec<f64>> = (0..30)
            .map(|seed| {
                let c = Config { control_variate, ..cfg(Noise::Gaussian, 1.0, 200, seed) };
                let e = est(&c, Oracle::Argmax, &theta);
                vjp(&c, Oracle::Argmax, &theta, &e.y, &g)
            })
            .collect();
        (0..4)
            .map(|i| {
                let m = runs.iter().map(|r| r[i]).sum::<f64>() / 30.0;
                runs.iter().map(|r| (r[i] - m).powi(2)).sum::<f64>() / 29.0
            })
            .sum::<f64>()
    };
    let (with, without) = (spread(true), spread(false));
    assert!(with < 0.5 * without, "variance with CV {with}, without {without}");
}

#[test]
fn dot_product_test_is_exact_for_shared_samples() {
    let mut rng = Rng::new(3);
    for (o, n) in [(Oracle::Argmax, 6), (Oracle::TopK(2), 6), (Oracle::Ranking, 5), (Oracle::ShortestPath { rows: 3, cols: 3 }, 9)] {
        for multiplicative in [false, true] {
            let theta: Vec<f64> = (0..n).map(|_| 1.0 + rng.uniform()).collect();
            let maximize = !matches!(o, Oracle::ShortestPath { .. });
            let c = Config { multiplicative, maximize, ..cfg(Noise::Gaussian, 0.7, 300, 11) };
            let e = est(&c, o, &theta);
            let (u, g) = (rng.normals(n), rng.normals(n));
            let (jv, vj) = (jvp(&c, o, &theta, &e.y, &u), vjp(&c, o, &theta, &e.y, &g));
            let (a, b) = (dot(&g, &jv), dot(&vj, &u));
            assert!((a - b).abs() < 1e-10 * (1.0 + a.abs()), "{o:?} {a} vs {b}");
        }
    }
}

#[test]
fn gradient_of_f_matches_differences_with_common_random_numbers() {
    // F̂(θ) = (1/N) Σ max⟨y, ηₛ(θ)⟩ is piecewise linear in θ: its derivative
    // along u (same samples) is ⟨∇F̂, u⟩ exactly away from kinks.
    let mut rng = Rng::new(5);
    for multiplicative in [false, true] {
        let theta: Vec<f64> = (0..5).map(|_| 1.0 + rng.uniform()).collect();
        let c = Config { multiplicative, ..cfg(Noise::Gaussian, 0.5, 2_000, 9) };
        let e = est(&c, Oracle::TopK(2), &theta);
        let u = rng.normals(5);
        let h = 1e-7;
        let tp: Vec<f64> = theta.iter().zip(&u).map(|(t, v)| t + h * v).collect();
        let tm: Vec<f64> = theta.iter().zip(&u).map(|(t, v)| t - h * v).collect();
        let fd = (est(&c, Oracle::TopK(2), &tp).f - est(&c, Oracle::TopK(2), &tm).f) / (2.0 * h);
        let an = dot(&e.grad_f, &u);
        assert!((fd - an).abs() < 1e-6 * (1.0 + an.abs()), "mult={multiplicative}: {fd} vs {an}");
    }
}

#[test]
fn fy_loss_value_and_gradient() {
    let data = fixture("fy_perturb.json");
    for case in data.get("perturbed_argmax").get("gaussian_n2_closed_form").arr() {
        let theta = case.get("theta").vec();
        let eps = case.get("eps").num();
        let target = case.get("y_true").vec();
        let c = cfg(Noise::Gaussian, eps, 100_000, 21);
        let (mut v, mut g) = (vec![0.0], vec![0.0; 2]);
        fy_loss(&c, Source::Builtin(Oracle::Argmax), &theta, &target, 1, 2, 0, &mut v, &mut g, &mut Work::new()).unwrap();
        let want = case.get("pfy_loss(F_eps - <theta,y_true>)").num();
        let e = est(&c, Oracle::Argmax, &theta);
        assert!((v[0] - want).abs() <= 4.0 * e.f_se + 1e-9, "loss {} vs {want}", v[0]);
        assert!(v[0] >= 0.0);
        let want_g = case.get("pfy_grad(y_eps - y_true)").vec();
        for i in 0..2 {
            assert!((g[i] - want_g[i]).abs() <= 4.0 * e.se[i] + 1e-12);
        }
    }
    // Minimization: the loss is ≥ 0 per sample and its gradient is y − y_ε.
    let theta = [1.0, 2.0, 0.5, 3.0];
    let target = [0.0, 0.0, 1.0, 0.0];
    let c = Config { maximize: false, ..cfg(Noise::Gumbel, 0.3, 5_000, 2) };
    let (mut v, mut g) = (vec![0.0], vec![0.0; 4]);
    fy_loss(&c, Source::Builtin(Oracle::Argmax), &theta, &target, 1, 4, 0, &mut v, &mut g, &mut Work::new()).unwrap();
    let e = est(&c, Oracle::Argmax, &theta);
    assert!(v[0] >= 0.0);
    for i in 0..4 {
        assert!((g[i] - (target[i] - e.y[i])).abs() < 1e-15);
    }
}

#[test]
fn external_samples_equal_builtin_ones() {
    let theta = [0.3, -0.2, 0.8, 0.1];
    let c = cfg(Noise::Gumbel, 0.5, 50, 4);
    let mut etas = vec![0.0; 50 * 4];
    super::estimator::points(&c, &theta, 0, &mut etas, &mut Work::new()).unwrap();
    let mut ys = vec![0.0; 50 * 4];
    let mut osc = super::oracles::OracleScratch::default();
    osc.reserve(4).unwrap();
    for s in 0..50 {
        Oracle::Argmax.solve(&etas[s * 4..(s + 1) * 4], true, &mut ys[s * 4..(s + 1) * 4], &mut osc);
    }
    let b = est(&c, Oracle::Argmax, &theta);
    let (mut y, mut se, mut gf, mut f, mut fse) = (vec![0.0; 4], vec![0.0; 4], vec![0.0; 4], vec![0.0], vec![0.0]);
    let out = ForwardOut { y: &mut y, y_stderr: &mut se, grad_f: &mut gf, f: &mut f, f_stderr: &mut fse };
    forward(&c, Source::External(&ys), &theta, 1, 4, 0, out, None, &mut Work::new()).unwrap();
    assert_eq!(y, b.y);
    assert_eq!(f[0], b.f);
}

#[test]
fn bad_input_is_reported() {
    use crate::Status;
    let c = cfg(Noise::Gaussian, 1.0, 10, 0);
    let mut w = Work::new();
    let run = |c: &Config, o: Oracle, theta: &[f64], w: &mut Work| {
        let n = theta.len();
        let (mut y, mut se, mut gf, mut f, mut fse) = (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0], vec![0.0]);
        let out = ForwardOut { y: &mut y, y_stderr: &mut se, grad_f: &mut gf, f: &mut f, f_stderr: &mut fse };
        forward(c, Source::Builtin(o), theta, 1, n, 0, out, None, w).map(|_| ())
    };
    assert_eq!(run(&Config { epsilon: 0.0, ..c }, Oracle::Argmax, &[1.0], &mut w).unwrap_err().status, Status::Domain);
    assert_eq!(run(&Config { samples: 0, ..c }, Oracle::Argmax, &[1.0], &mut w).unwrap_err().status, Status::Domain);
    assert_eq!(run(&c, Oracle::Argmax, &[1.0, f64::NAN], &mut w).unwrap_err().status, Status::NonFinite);
    assert_eq!(run(&Config { multiplicative: true, ..c }, Oracle::Argmax, &[1.0, -2.0], &mut w).unwrap_err().status, Status::Domain);
    assert_eq!(run(&c, Oracle::TopK(3), &[1.0, 2.0], &mut w).unwrap_err().status, Status::Domain);
    assert_eq!(run(&c, Oracle::ShortestPath { rows: 2, cols: 2 }, &[1.0; 3], &mut w).unwrap_err().status, Status::Shape);
}

/// Bit-exact reference outputs: the same constants are asserted by
/// test/perturb.test.mjs in every JavaScript runtime, so passing both proves
/// native and wasm produce identical bits.
#[test]
fn bitwise_reference_values() {
    let theta = [0.3, 1.2, -0.3, 0.05, 0.9];
    let g = est(&cfg(Noise::Gaussian, 0.5, 1000, 42), Oracle::Argmax, &theta);
    let u = est(&cfg(Noise::Gumbel, 0.5, 1000, 42), Oracle::TopK(2), &theta);
    let m = est(&Config { multiplicative: true, ..cfg(Noise::Gaussian, 0.5, 1000, 42) }, Oracle::Ranking, &[0.3, 1.2, 0.7, 0.05, 0.9]);
    assert_eq!(g.f.to_bits(), REF_GAUSSIAN_ARGMAX_F);
    assert_eq!(u.f.to_bits(), REF_GUMBEL_TOPK_F);
    assert_eq!(m.f.to_bits(), REF_MULT_RANKING_F);
}
/// Every bit of every perturbed point θ + εz for n = 37 (odd, so in wasm's
/// four-blocks-at-a-time SIMD noise path and the scalar tail both run),
/// folded into one FNV-1a-style hash; test/perturb.test.mjs asserts the
/// same hashes in wasm.
#[test]
fn bitwise_reference_points_hash() {
    let theta: Vec<f64> = (0..37).map(|i| i as f64 / 8.0).collect();
    for (noise, want) in [(Noise::Gaussian, REF_POINTS_HASH_GAUSSIAN), (Noise::Gumbel, REF_POINTS_HASH_GUMBEL)] {
        let mut etas = vec![0.0; 50 * 37];
        super::estimator::points(&cfg(noise, 0.5, 50, 42), &theta, 0, &mut etas, &mut Work::new()).unwrap();
        let h = etas.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, v| (h ^ v.to_bits()).wrapping_mul(0x100_0000_01b3));
        assert_eq!(h, want, "{noise:?}: {h:#018x}");
    }
}
const REF_POINTS_HASH_GAUSSIAN: u64 = 0x0b33_a9b1_2e3a_503d;
const REF_POINTS_HASH_GUMBEL: u64 = 0x2003_b8fe_6580_4b2b;
const REF_GAUSSIAN_ARGMAX_F: u64 = 0x3ff6_48da_2910_5610;
const REF_GUMBEL_TOPK_F: u64 = 0x4007_3fdd_531e_caed;
const REF_MULT_RANKING_F: u64 = 0x4029_9e67_72ef_d589;

#[test]
fn a_tape_replays_exactly_what_regeneration_gives() {
    use super::estimator::{Tape, TapeRef};
    let theta = [1.3, 0.2, 0.9, 1.1, 0.4, 0.8];
    let (rows, n) = (2, 3);
    for o in [Oracle::Argmax, Oracle::Ranking] {
        let c = Config { multiplicative: true, ..cfg(Noise::Gaussian, 0.4, 40, 3) };
        let (mut y, mut se, mut gf, mut f, mut fse) = (vec![0.0; 6], vec![0.0; 6], vec![0.0; 6], vec![0.0; 2], vec![0.0; 2]);
        let (mut tz, mut ty) = (vec![0.0; rows * 40 * n], vec![0.0; rows * 40 * n]);
        let mut w = Work::new();
        let out = ForwardOut { y: &mut y, y_stderr: &mut se, grad_f: &mut gf, f: &mut f, f_stderr: &mut fse };
        forward(&c, Source::Builtin(o), &theta, rows, n, 0, out, Some(Tape { z: &mut tz, y: &mut ty }), &mut w).unwrap();
        let g = [0.5, -1.0, 2.0, 1.5, 0.25, -0.75];
        for vjp in [true, false] {
            let (mut a, mut b) = (vec![0.0; 6], vec![0.0; 6]);
            backward(&c, Source::Builtin(o), vjp, &theta, &y, &g, rows, n, 0, None, &mut a, &mut w).unwrap();
            backward(&c, Source::Builtin(o), vjp, &theta, &y, &g, rows, n, 0, Some(TapeRef { z: &tz, y: &ty }), &mut b, &mut w).unwrap();
            assert_eq!(a, b);
        }
    }
}
