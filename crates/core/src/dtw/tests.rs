//! Tests of the soft-DTW family: reference vectors (both cost conventions),
//! brute force over all alignments, finite differences, dot-product tests,
//! exact invariants, extreme scales and bad input.

use super::ops::{from_cost, pair, CostOp, CostOutputs, PairOp};
use super::{CostKind, Options, Scratch};
use crate::testutil::{assert_close, dot, fixture, Json, Rng};
use crate::Status;

fn flat(j: &Json) -> Vec<f64> {
    j.arr().iter().flat_map(|r| r.vec()).collect()
}

fn opts(gamma: f64, cost: CostKind) -> Options {
    Options { gamma, cost, band: None }
}

struct Out {
    value: f64,
    gx: Vec<f64>,
    gy: Vec<f64>,
}

fn run(op: PairOp, x: &[f64], m: usize, y: &[f64], n: usize, d: usize, o: &Options) -> Out {
    let mut sc = Scratch::new();
    let (mut gx, mut gy) = (vec![0.0; m * d], vec![0.0; n * d]);
    let value = pair(op, x, m, y, n, d, o, Some(&mut gx), Some(&mut gy), None, &mut sc).unwrap();
    let v2 = pair(op, x, m, y, n, d, o, None, None, None, &mut sc).unwrap();
    assert_eq!(value.to_bits(), v2.to_bits(), "{op:?}: value-only and gradient paths differ: {value} vs {v2}");
    Out { value, gx, gy }
}

fn value(op: PairOp, x: &[f64], m: usize, y: &[f64], n: usize, d: usize, o: &Options) -> f64 {
    pair(op, x, m, y, n, d, o, None, None, None, &mut Scratch::new()).unwrap()
}

fn alignment(op: PairOp, x: &[f64], m: usize, y: &[f64], n: usize, d: usize, o: &Options) -> Vec<f64> {
    let mut e = vec![0.0; m * n];
    let mut gx = vec![0.0; m * d];
    pair(op, x, m, y, n, d, o, Some(&mut gx), None, Some(&mut e), &mut Scratch::new()).unwrap();
    e
}

fn close_scalar(a: f64, b: f64, rtol: f64, atol: f64, what: &str) {
    assert!((a - b).abs() <= rtol * b.abs() + atol, "{what}: {a} vs {b} (diff {:e})", (a - b).abs());
}

/// atol for a gradient array: tiny relative to its scale.
fn gatol(b: &[f64]) -> f64 {
    1e-11 * (1.0 + b.iter().fold(0.0f64, |m, v| m.max(v.abs())))
}

#[test]
fn golden_reference_vectors() {
    let data = fixture("sdtw.json");
    let cases = data.get("cases").arr();
    assert_eq!(cases.len(), 41);
    let mut checked = 0;
    for c in cases {
        let name = c.get("name").str();
        let (m, n, d) = (c.get("m").num() as usize, c.get("n").num() as usize, c.get("d").num() as usize);
        let (x, y) = (flat(c.get("X")), flat(c.get("Y")));
        let c_half = flat(c.get("C_half"));
        for g in c.get("by_gamma").arr() {
            let gamma = g.get("gamma").num();
            let what = |k: &str| format!("{name} γ={gamma} {k}");
            for (conv, cost) in [("half", CostKind::HalfSqEuclidean), ("full", CostKind::SqEuclidean)] {
                let o = opts(gamma, cost);
                for (key, op) in [
                    ("sdtw", PairOp::SoftDtw),
                    ("sdtw_div", PairOp::Divergence),
                    ("sharp_sdtw", PairOp::Sharp),
                    ("sharp_sdtw_div", PairOp::SharpDivergence),
                ] {
                    let e = g.get(&format!("{key}_{conv}"));
                    let r = run(op, &x, m, &y, n, d, &o);
                    close_scalar(r.value, e.get("value").num(), 1e-9, 1e-12, &what(&format!("{key}_{conv} value")));
                    let want = flat(e.get("grad_X"));
                    assert_close(&r.gx, &want, 1e-8, gatol(&want), &what(&format!("{key}_{conv} grad_X")));
                    checked += 1;
                }
            }
            // Half-cost extras: alignment, sharp grad_C, entropy, Hessian-vector product.
            let o = opts(gamma, CostKind::HalfSqEuclidean);
            let s = g.get("sdtw_half");
            let want = flat(s.get("grad_C"));
            assert_close(&alignment(PairOp::SoftDtw, &x, m, &y, n, d, &o), &want, 1e-8, gatol(&want), &what("E"));
            let ent = value(PairOp::Entropy, &x, m, &y, n, d, &o);
            // The reference computes (⟨E,C⟩ − sdtw)/γ, which cancels: allow its rounding.
            let ent_atol = 1e-13 * (1.0 + s.get("value").num().abs() / gamma);
            close_scalar(ent, s.get("entropy").num(), 1e-9, ent_atol, &what("entropy"));
            let mut sc = Scratch::new();
            let mut grad = vec![0.0; m * n];
            let v = from_cost(CostOp::SoftDtw, &c_half, m, n, gamma, None, None, CostOutputs { grad: Some(&mut grad), ..Default::default() }, &mut sc).unwrap();
            close_scalar(v, s.get("value").num(), 1e-9, 1e-12, &what("from cost value"));
            assert_close(&grad, &want, 1e-8, gatol(&want), &what("from cost E"));
            let sh = g.get("sharp_sdtw_half");
            let want = flat(sh.get("grad_C"));
            let v = from_cost(CostOp::Sharp, &c_half, m, n, gamma, None, None, CostOutputs { grad: Some(&mut grad), ..Default::default() }, &mut sc).unwrap();
            close_scalar(v, sh.get("value").num(), 1e-9, 1e-12, &what("from cost sharp"));
            assert_close(&grad, &want, 1e-8, gatol(&want), &what("sharp grad_C"));
            let want = flat(g.get("sdtw_half_hvp_C_dir_C"));
            let mut hv = vec![0.0; m * n];
            from_cost(CostOp::SoftDtw, &c_half, m, n, gamma, None, Some(&c_half), CostOutputs { hvp: Some(&mut hv), ..Default::default() }, &mut sc).unwrap();
            assert_close(&hv, &want, 1e-8, gatol(&want), &what("hvp"));
        }
        // γ-free mean cost.
        let o = opts(1.0, CostKind::HalfSqEuclidean);
        let mc = c.get("mean_cost_half");
        let r = run(PairOp::MeanCost, &x, m, &y, n, d, &o);
        close_scalar(r.value, mc.get("value").num(), 1e-9, 1e-12, &format!("{name} mean cost"));
        let want = flat(mc.get("grad_X"));
        assert_close(&r.gx, &want, 1e-8, gatol(&want), &format!("{name} mean cost grad"));
        let want = flat(mc.get("mean_alignment"));
        assert_close(&alignment(PairOp::MeanCost, &x, m, &y, n, d, &o), &want, 1e-9, 1e-15, &format!("{name} mean alignment"));
        let mcd = c.get("mean_cost_div_half");
        let r = run(PairOp::MeanCostDivergence, &x, m, &y, n, d, &o);
        close_scalar(r.value, mcd.get("value").num(), 1e-9, 1e-12, &format!("{name} mean cost div"));
        let want = flat(mcd.get("grad_X"));
        assert_close(&r.gx, &want, 1e-8, gatol(&want), &format!("{name} mean cost div grad"));
    }
    assert_eq!(checked, 41 * 4 * 8);
}

#[test]
fn golden_tslearn_examples() {
    let data = fixture("sdtw.json");
    for ex in data.get("tslearn_doc_examples").arr() {
        let desc = ex.get("description").str();
        let (xr, yr) = (ex.get("X").arr(), ex.get("Y").arr());
        let d = xr[0].arr().len();
        let (x, y) = (flat(ex.get("X")), flat(ex.get("Y")));
        let o = opts(ex.get("gamma").num(), CostKind::SqEuclidean);
        let op = if desc.contains("normalized") { PairOp::Divergence } else { PairOp::SoftDtw };
        let r = run(op, &x, xr.len(), &y, yr.len(), d, &o);
        close_scalar(r.value, ex.get("value").num(), 1e-9, 1e-12, desc);
        if let Json::Obj(map) = ex {
            if let Some(g) = map.get("grad_X") {
                assert_close(&r.gx, &flat(g), 1e-8, 1e-12, desc);
            }
            if let Some(g) = map.get("grad_C") {
                assert_close(&alignment(op, &x, xr.len(), &y, yr.len(), d, &o), &flat(g), 1e-8, 1e-15, desc);
            }
        }
    }
}

// ------------------------------------------------------------ brute force

fn in_band(i: usize, j: usize, m: usize, n: usize, band: Option<usize>) -> bool {
    match band {
        None => true,
        Some(_) if m == 1 || n == 1 => true,
        Some(r) => {
            let lhs = (j as i64 * (m as i64 - 1) - i as i64 * (n as i64 - 1)).abs();
            lhs <= r as i64 * (m.min(n) as i64 - 1)
        }
    }
}

/// Every alignment path (0-based cells) inside the band.
fn paths(m: usize, n: usize, band: Option<usize>) -> Vec<Vec<(usize, usize)>> {
    fn go(i: usize, j: usize, m: usize, n: usize, band: Option<usize>, cur: &mut Vec<(usize, usize)>, out: &mut Vec<Vec<(usize, usize)>>) {
        if !in_band(i, j, m, n, band) {
            return;
        }
        cur.push((i, j));
        if i == m - 1 && j == n - 1 {
            out.push(cur.clone());
        } else {
            if j + 1 < n {
                go(i, j + 1, m, n, band, cur, out);
            }
            if i + 1 < m {
                go(i + 1, j, m, n, band, cur, out);
            }
            if i + 1 < m && j + 1 < n {
                go(i + 1, j + 1, m, n, band, cur, out);
            }
        }
        cur.pop();
    }
    let mut out = Vec::new();
    go(0, 0, m, n, band, &mut Vec::new(), &mut out);
    out
}

struct Brute {
    sdtw: f64,
    e: Vec<f64>,
    sharp: f64,
    entropy: f64,
    mean: f64,
    mean_e: Vec<f64>,
    hard: f64,
}

fn brute(c: &[f64], m: usize, n: usize, gamma: f64, band: Option<usize>) -> Brute {
    let ps = paths(m, n, band);
    assert!(!ps.is_empty());
    let costs: Vec<f64> = ps.iter().map(|p| p.iter().map(|&(i, j)| c[i * n + j]).sum()).collect();
    let min = costs.iter().cloned().fold(f64::INFINITY, f64::min);
    let w: Vec<f64> = costs.iter().map(|s| (-(s - min) / gamma).exp()).collect();
    let z: f64 = w.iter().sum();
    let mut e = vec![0.0; m * n];
    let mut mean_e = vec![0.0; m * n];
    let (mut sharp, mut entropy, mut mean) = (0.0, 0.0, 0.0);
    for (k, p) in ps.iter().enumerate() {
        let pr = w[k] / z;
        for &(i, j) in p {
            e[i * n + j] += pr;
            mean_e[i * n + j] += 1.0 / ps.len() as f64;
        }
        sharp += pr * costs[k];
        if pr > 0.0 {
            entropy -= pr * pr.ln();
        }
        mean += costs[k] / ps.len() as f64;
    }
    Brute { sdtw: min - gamma * z.ln(), e, sharp, entropy, mean, mean_e, hard: min }
}

fn sq_cost(x: &[f64], m: usize, y: &[f64], n: usize, d: usize, h: f64) -> Vec<f64> {
    let mut c = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            let s: f64 = (0..d).map(|l| (x[i * d + l] - y[j * d + l]).powi(2)).sum();
            c[i * n + j] = h * s;
        }
    }
    c
}

#[test]
fn brute_force_all_ops_with_and_without_band() {
    let mut rng = Rng::new(5);
    let mut count = 0;
    for (m, n) in [(1, 1), (1, 4), (3, 1), (2, 2), (3, 3), (4, 6), (6, 4), (5, 5), (3, 7), (6, 6)] {
        for band in [None, Some(0), Some(1), Some(2), Some(3)] {
            if super::geometry::band_rows(m, n, band, &mut Vec::new(), &mut Vec::new()).is_err() {
                assert!(paths(m, n, band).is_empty(), "{m}x{n} {band:?}: infeasible but has paths");
                continue;
            }
            for scale in [1.0, 1e4] {
                for gamma in [0.01, 1.0, 30.0] {
                    let d = 2;
                    let x: Vec<f64> = rng.normals(m * d).iter().map(|v| v * scale).collect();
                    let y: Vec<f64> = rng.normals(n * d).iter().map(|v| v * scale).collect();
                    let c = sq_cost(&x, m, &y, n, d, 1.0);
                    let b = brute(&c, m, n, gamma, band);
                    let o = Options { gamma, cost: CostKind::SqEuclidean, band };
                    let what = format!("{m}x{n} band {band:?} scale {scale} γ {gamma}");
                    let tol = |v: f64| 1e-12 * (v.abs() + scale * scale);
                    close_scalar(value(PairOp::SoftDtw, &x, m, &y, n, d, &o), b.sdtw, 1e-12, tol(b.sdtw), &format!("{what} sdtw"));
                    close_scalar(value(PairOp::Sharp, &x, m, &y, n, d, &o), b.sharp, 1e-10, tol(b.sharp), &format!("{what} sharp"));
                    close_scalar(value(PairOp::Entropy, &x, m, &y, n, d, &o), b.entropy, 1e-9, 1e-10, &format!("{what} entropy"));
                    close_scalar(value(PairOp::MeanCost, &x, m, &y, n, d, &o), b.mean, 1e-12, tol(b.mean), &format!("{what} mean"));
                    close_scalar(value(PairOp::Dtw, &x, m, &y, n, d, &o), b.hard, 1e-14, 0.0, &format!("{what} dtw"));
                    assert_close(&alignment(PairOp::SoftDtw, &x, m, &y, n, d, &o), &b.e, 1e-9, 1e-12, &format!("{what} E"));
                    assert_close(&alignment(PairOp::MeanCost, &x, m, &y, n, d, &o), &b.mean_e, 1e-12, 1e-15, &format!("{what} Ē"));
                    // From the cost matrix too.
                    let mut sc = Scratch::new();
                    let v = from_cost(CostOp::SoftDtw, &c, m, n, gamma, band, None, CostOutputs::default(), &mut sc).unwrap();
                    close_scalar(v, b.sdtw, 1e-12, tol(b.sdtw), &format!("{what} from cost"));
                    count += 1;
                }
            }
        }
    }
    assert!(count > 150, "{count}");
}

#[test]
fn large_cost_over_gamma_is_exact() {
    // The reference's finite 1e10 border gives 6.29e8 instead of 8.71e8 for
    // inputs ×1e4 at γ = 0.01; the true value is the brute-force one.
    let mut rng = Rng::new(9);
    let (m, n, d) = (5, 6, 1);
    let x: Vec<f64> = rng.normals(m).iter().map(|v| v * 1e4).collect();
    let y: Vec<f64> = rng.normals(n).iter().map(|v| v * 1e4).collect();
    let c = sq_cost(&x, m, &y, n, d, 1.0);
    for gamma in [1e-4, 0.01, 1.0, 1e4] {
        let b = brute(&c, m, n, gamma, None);
        let o = opts(gamma, CostKind::SqEuclidean);
        let r = run(PairOp::SoftDtw, &x, m, &y, n, d, &o);
        close_scalar(r.value, b.sdtw, 1e-13, 0.0, &format!("γ {gamma}"));
        assert!(r.gx.iter().all(|v| v.is_finite()));
    }
}

// ------------------------------------------------------------ derivatives

fn fd_check(op: PairOp, o: &Options, m: usize, n: usize, d: usize, seed: u64) {
    let mut rng = Rng::new(seed);
    let x = rng.normals(m * d);
    let y = rng.normals(n * d);
    let r = run(op, &x, m, &y, n, d, o);
    let (u, v) = (rng.normals(m * d), rng.normals(n * d));
    let h = 1e-5;
    let at = |t: f64| {
        let xs: Vec<f64> = x.iter().zip(&u).map(|(a, b)| a + t * b).collect();
        let ys: Vec<f64> = y.iter().zip(&v).map(|(a, b)| a + t * b).collect();
        value(op, &xs, m, &ys, n, d, o)
    };
    let fd = (at(h) - at(-h)) / (2.0 * h);
    let an = dot(&r.gx, &u) + dot(&r.gy, &v);
    assert!((fd - an).abs() <= 1e-6 * (1.0 + an.abs()), "{op:?} {o:?} {m}x{n}x{d}: fd {fd} vs {an}");
}

#[test]
fn finite_differences_every_pair_op() {
    let ops = [
        PairOp::SoftDtw,
        PairOp::Divergence,
        PairOp::Sharp,
        PairOp::SharpDivergence,
        PairOp::MeanCost,
        PairOp::MeanCostDivergence,
        PairOp::Entropy,
    ];
    let mut seed = 100;
    for op in ops {
        for cost in [CostKind::SqEuclidean, CostKind::HalfSqEuclidean] {
            for gamma in [0.1, 1.0, 10.0] {
                for band in [None, Some(2)] {
                    for (m, n, d) in [(1, 3, 1), (4, 4, 2), (5, 8, 3), (9, 6, 1)] {
                        let o = Options { gamma, cost, band };
                        seed += 1;
                        fd_check(op, &o, m, n, d, seed);
                    }
                }
            }
        }
    }
}

#[test]
fn cost_matrix_jvp_vjp_hvp() {
    let mut rng = Rng::new(21);
    for (m, n) in [(1, 1), (3, 5), (6, 4), (7, 7)] {
        for gamma in [0.1, 1.0, 5.0] {
            for band in [None, Some(2)] {
                if super::geometry::band_rows(m, n, band, &mut Vec::new(), &mut Vec::new()).is_err() {
                    continue;
                }
                let c: Vec<f64> = rng.normals(m * n).iter().map(|v| v.abs() * 2.0).collect();
                let z = rng.normals(m * n);
                let u = rng.normals(m * n);
                let mut sc = Scratch::new();
                for op in [CostOp::SoftDtw, CostOp::Sharp, CostOp::Entropy, CostOp::MeanCost] {
                    let f = |cc: &[f64], sc: &mut Scratch| from_cost(op, cc, m, n, gamma, band, None, CostOutputs::default(), sc).unwrap();
                    let mut g = vec![0.0; m * n];
                    let mut j = 0.0;
                    from_cost(op, &c, m, n, gamma, band, Some(&z), CostOutputs { grad: Some(&mut g), jvp: Some(&mut j), hvp: None }, &mut sc).unwrap();
                    // jvp = ⟨grad, z⟩ (dot-product test) and = finite differences.
                    assert!((j - dot(&g, &z)).abs() < 1e-10 * (1.0 + j.abs()), "{op:?} jvp {j} vs {}", dot(&g, &z));
                    let h = 1e-6;
                    let cp: Vec<f64> = c.iter().zip(&z).map(|(a, b)| a + h * b).collect();
                    let cm: Vec<f64> = c.iter().zip(&z).map(|(a, b)| a - h * b).collect();
                    let fd = (f(&cp, &mut sc) - f(&cm, &mut sc)) / (2.0 * h);
                    assert!((fd - j).abs() < 1e-6 * (1.0 + j.abs()), "{op:?} {m}x{n} γ {gamma}: fd {fd} vs jvp {j}");
                }
                // Hessian: symmetric (⟨u, Hz⟩ = ⟨Hu, z⟩) and = FD of the gradient.
                let hvp = |dir: &[f64], sc: &mut Scratch| {
                    let mut hv = vec![0.0; m * n];
                    from_cost(CostOp::SoftDtw, &c, m, n, gamma, band, Some(dir), CostOutputs { hvp: Some(&mut hv), ..Default::default() }, sc).unwrap();
                    hv
                };
                let (hz, hu) = (hvp(&z, &mut sc), hvp(&u, &mut sc));
                assert!((dot(&u, &hz) - dot(&hu, &z)).abs() < 1e-10 * (1.0 + dot(&u, &hz).abs()));
                let grad_at = |cc: &[f64], sc: &mut Scratch| {
                    let mut g = vec![0.0; m * n];
                    from_cost(CostOp::SoftDtw, cc, m, n, gamma, band, None, CostOutputs { grad: Some(&mut g), ..Default::default() }, sc).unwrap();
                    g
                };
                let h = 1e-6;
                let cp: Vec<f64> = c.iter().zip(&z).map(|(a, b)| a + h * b).collect();
                let cm: Vec<f64> = c.iter().zip(&z).map(|(a, b)| a - h * b).collect();
                let (gp, gm) = (grad_at(&cp, &mut sc), grad_at(&cm, &mut sc));
                let fd: Vec<f64> = gp.iter().zip(&gm).map(|(a, b)| (a - b) / (2.0 * h)).collect();
                assert_close(&hz, &fd, 1e-5, 1e-7, &format!("hvp {m}x{n} γ {gamma} {band:?}"));
            }
        }
    }
}

// ------------------------------------------------------------ invariants

#[test]
fn divergence_of_a_series_with_itself_is_exactly_zero() {
    let mut rng = Rng::new(31);
    for (m, d) in [(1, 1), (5, 2), (17, 3)] {
        let x = rng.normals(m * d);
        for op in [PairOp::Divergence, PairOp::SharpDivergence, PairOp::MeanCostDivergence] {
            for gamma in [1e-4, 0.1, 1.0, 1e4] {
                for band in [None, Some(0), Some(3)] {
                    let o = Options { gamma, cost: CostKind::SqEuclidean, band };
                    let r = run(op, &x, m, &x, m, d, &o);
                    assert_eq!(r.value, 0.0, "{op:?} γ {gamma}");
                    assert!(r.gx.iter().all(|&v| v == 0.0), "{op:?} γ {gamma}: {:?}", r.gx);
                    assert!(r.gy.iter().all(|&v| v == 0.0), "{op:?} γ {gamma}: {:?}", r.gy);
                }
            }
        }
    }
}

#[test]
fn symmetric_under_swapping_the_series() {
    let mut rng = Rng::new(41);
    let (m, n, d) = (7, 12, 2);
    let (x, y) = (rng.normals(m * d), rng.normals(n * d));
    for op in [PairOp::SoftDtw, PairOp::Sharp, PairOp::Entropy, PairOp::MeanCost, PairOp::Divergence, PairOp::Dtw] {
        for band in [None, Some(3)] {
            let o = Options { gamma: 0.5, cost: CostKind::SqEuclidean, band };
            assert_eq!(value(op, &x, m, &y, n, d, &o).to_bits(), value(op, &y, n, &x, m, d, &o).to_bits(), "{op:?}");
        }
    }
    let o = opts(0.5, CostKind::SqEuclidean);
    let a = run(PairOp::SoftDtw, &x, m, &y, n, d, &o);
    let b = run(PairOp::SoftDtw, &y, n, &x, m, d, &o);
    assert_close(&a.gx, &b.gy, 1e-13, 1e-15, "gx vs gy");
}

#[test]
fn extreme_gammas_stay_finite() {
    let mut rng = Rng::new(51);
    let (m, n, d) = (20, 15, 2);
    let x: Vec<f64> = rng.normals(m * d).iter().map(|v| v * 10.0).collect();
    let y = rng.normals(n * d);
    for gamma in [1e-4, 1e-2, 1.0, 1e2, 1e4] {
        for op in [PairOp::SoftDtw, PairOp::Divergence, PairOp::Sharp, PairOp::SharpDivergence, PairOp::Entropy] {
            let r = run(op, &x, m, &y, n, d, &opts(gamma, CostKind::SqEuclidean));
            assert!(r.value.is_finite(), "{op:?} γ {gamma}");
            assert!(r.gx.iter().chain(&r.gy).all(|v| v.is_finite()), "{op:?} γ {gamma}");
        }
        // Soft-DTW tends to DTW as γ → 0 (within γ log #paths).
        if gamma <= 1e-2 {
            let o = opts(gamma, CostKind::SqEuclidean);
            let (s, h) = (value(PairOp::SoftDtw, &x, m, &y, n, d, &o), value(PairOp::Dtw, &x, m, &y, n, d, &o));
            assert!(s <= h * (1.0 + 1e-14) && h - s <= gamma * 60.0, "{s} {h}");
        }
    }
}

#[test]
fn mean_cost_does_not_overflow_at_length_5000() {
    let n = 5000;
    let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.01).sin()).collect();
    let y: Vec<f64> = (0..n).map(|i| (i as f64 * 0.011).cos()).collect();
    let o = opts(1.0, CostKind::SqEuclidean);
    let v = value(PairOp::MeanCost, &x, n, &y, n, 1, &o);
    assert!(v.is_finite() && v > 0.0, "{v}");
    // The mean alignment of equal lengths is symmetric and its diagonal
    // entries lie on every path's expected diagonal band; Σ Ē = E[path length].
    let m = 600;
    let mut sc = Scratch::new();
    let mut e = vec![0.0; m * m];
    let mut g = vec![0.0; m];
    let v = pair(PairOp::MeanCost, &x[..m], m, &y[..m], m, 1, &o, Some(&mut g), None, Some(&mut e), &mut sc).unwrap();
    assert!(v.is_finite() && g.iter().all(|v| v.is_finite()));
    assert_eq!(e[0], 1.0);
    assert!((e[m * m - 1] - 1.0).abs() < 1e-12);
    assert!(e.iter().all(|v| v.is_finite() && *v >= 0.0 && *v <= 1.0 + 1e-12));
}

#[test]
fn band_for_unequal_lengths() {
    // Radius measured along the longer axis: m = 10, n = 30 needs r ≥ ~1.
    let mut lo = Vec::new();
    let mut hi = Vec::new();
    assert_eq!(super::geometry::band_rows(10, 30, Some(0), &mut lo, &mut hi), Err(Status::Domain));
    assert!(super::geometry::band_rows(10, 30, Some(2), &mut lo, &mut hi).is_ok());
    assert!(super::geometry::band_rows(30, 10, Some(2), &mut lo, &mut hi).is_ok());
    assert_eq!(super::geometry::band_rows(7, 7, Some(0), &mut lo, &mut hi), Ok(7));
    // A huge band is no band.
    let mut rng = Rng::new(61);
    let (x, y) = (rng.normals(10), rng.normals(30));
    let (a, b) = (Options { band: Some(1000), ..opts(1.0, CostKind::SqEuclidean) }, opts(1.0, CostKind::SqEuclidean));
    assert_eq!(value(PairOp::SoftDtw, &x, 10, &y, 30, 1, &a), value(PairOp::SoftDtw, &x, 10, &y, 30, 1, &b));
    // The band is honoured: E vanishes outside it.
    let o = Options { band: Some(2), ..opts(1.0, CostKind::SqEuclidean) };
    let e = alignment(PairOp::SoftDtw, &x, 10, &y, 30, 1, &o);
    for i in 0..10 {
        for j in 0..30 {
            if !in_band(i, j, 10, 30, Some(2)) {
                assert_eq!(e[i * 30 + j], 0.0);
            }
        }
    }
}

#[test]
fn bad_input_names_the_argument() {
    let mut sc = Scratch::new();
    let o = opts(1.0, CostKind::SqEuclidean);
    let x = [1.0, 2.0, 3.0, 4.0];
    let e = |r: Result<f64, crate::KernelError>| r.unwrap_err();
    let p = |op, x: &[f64], m, y: &[f64], n, d, o: &Options, sc: &mut Scratch| pair(op, x, m, y, n, d, o, None, None, None, sc);
    assert_eq!(e(p(PairOp::SoftDtw, &x, 0, &x, 4, 1, &o, &mut sc)).arg, 0);
    assert_eq!(e(p(PairOp::SoftDtw, &x, 4, &[], 0, 1, &o, &mut sc)).arg, 1);
    assert_eq!(e(p(PairOp::SoftDtw, &x, 2, &x[..3], 1, 2, &o, &mut sc)).status, Status::Shape);
    assert_eq!(e(p(PairOp::SoftDtw, &[1.0, f64::NAN], 2, &x, 4, 1, &o, &mut sc)).status, Status::NonFinite);
    let r = e(p(PairOp::SoftDtw, &x, 4, &[1.0, f64::INFINITY], 2, 1, &o, &mut sc));
    assert_eq!((r.status, r.arg), (Status::NonFinite, 1));
    for g in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let r = e(p(PairOp::SoftDtw, &x, 4, &x, 4, 1, &opts(g, CostKind::SqEuclidean), &mut sc));
        assert_eq!((r.status, r.arg), (Status::Domain, 2));
    }
    // γ is not used by the mean cost.
    assert!(p(PairOp::MeanCost, &x, 4, &x, 4, 1, &opts(0.0, CostKind::SqEuclidean), &mut sc).is_ok());
    let y = [0.0; 12];
    let r = e(p(PairOp::SoftDtw, &x, 4, &y, 12, 1, &Options { band: Some(0), ..o }, &mut sc));
    assert_eq!((r.status, r.arg), (Status::Domain, 3));
    let r = from_cost(CostOp::SoftDtw, &[1.0; 6], 2, 4, 1.0, None, None, CostOutputs::default(), &mut sc).unwrap_err();
    assert_eq!((r.status, r.arg), (Status::Shape, 0));
    let r = from_cost(CostOp::SoftDtw, &[1.0; 8], 2, 4, 1.0, None, Some(&[1.0; 7]), CostOutputs::default(), &mut sc).unwrap_err();
    assert_eq!((r.status, r.arg), (Status::Shape, 1));
    let r = from_cost(CostOp::SoftDtw, &[1.0, f64::NAN, 1.0, 1.0], 2, 2, 1.0, None, None, CostOutputs::default(), &mut sc).unwrap_err();
    assert_eq!((r.status, r.arg), (Status::NonFinite, 0));
}

#[test]
#[ignore]
fn timing() {
    let mut rng = Rng::new(1);
    for (n, d) in [(1024usize, 1usize), (1024, 8), (256, 1)] {
        let x = rng.normals(n * d);
        let y = rng.normals(n * d);
        let o = opts(1.0, CostKind::SqEuclidean);
        let mut sc = Scratch::new();
        let mut gx = vec![0.0; n * d];
        for (label, grad) in [("value", false), ("value+grad", true)] {
            let reps = if n > 500 { 5 } else { 50 };
            let t = std::time::Instant::now();
            for _ in 0..reps {
                if grad {
                    pair(PairOp::SoftDtw, &x, n, &y, n, d, &o, Some(&mut gx), None, None, &mut sc).unwrap();
                } else {
                    pair(PairOp::SoftDtw, &x, n, &y, n, d, &o, None, None, None, &mut sc).unwrap();
                }
            }
            let dt = t.elapsed().as_secs_f64() / reps as f64;
            println!("n={n} d={d} {label}: {:.2} ms, {:.1} M cells/s", dt * 1e3, (n * n) as f64 / dt / 1e6);
        }
    }
}

// ------------------------------------------------------------ batches

#[test]
fn pairwise_matches_pair_calls() {
    use super::pairwise::{pairwise, Metric};
    let mut rng = Rng::new(71);
    let d = 2;
    let xl = [5u32, 8, 3];
    let yl = [4u32, 6];
    let xs = rng.normals(16 * d);
    let ys = rng.normals(10 * d);
    let series = |data: &[f64], lens: &[u32], k: usize| {
        let a: usize = lens[..k].iter().map(|&l| l as usize).sum();
        data[a * d..(a + lens[k] as usize) * d].to_vec()
    };
    let o = Options { gamma: 0.7, cost: CostKind::SqEuclidean, band: Some(3) };
    let mut sc = Scratch::new();
    for code in 0..8 {
        let metric = Metric::from_code(code).unwrap();
        let Metric::Op(op) = metric else { unreachable!() };
        let mut out = vec![0.0; 6];
        pairwise(metric, &xs, &xl, Some((&ys, &yl)), d, &o, &mut out, &mut sc).unwrap();
        for a in 0..3 {
            for b in 0..2 {
                let (x, y) = (series(&xs, &xl, a), series(&ys, &yl, b));
                let want = value(op, &x, xl[a] as usize, &y, yl[b] as usize, d, &o);
                assert_eq!(out[a * 2 + b].to_bits(), want.to_bits(), "{op:?} {a} {b}");
            }
        }
        let mut sym = vec![0.0; 9];
        pairwise(metric, &xs, &xl, None, d, &o, &mut sym, &mut sc).unwrap();
        for a in 0..3 {
            for b in 0..3 {
                let (x, y) = (series(&xs, &xl, a), series(&xs, &xl, b));
                let want = value(op, &x, xl[a] as usize, &y, xl[b] as usize, d, &o);
                assert_eq!(sym[a * 3 + b].to_bits(), want.to_bits(), "{op:?} sym {a} {b}");
            }
            if op.is_divergence() {
                assert_eq!(sym[a * 3 + a], 0.0);
            }
        }
    }
    // Euclidean needs equal lengths.
    let mut out = vec![0.0; 4];
    let e = pairwise(Metric::Euclidean, &xs[..10 * d], &[5, 5], None, d, &o, &mut out, &mut sc);
    assert!(e.is_ok());
    assert_eq!(out[0], 0.0);
    let e = pairwise(Metric::Euclidean, &xs, &xl, Some((&ys, &yl)), d, &o, &mut vec![0.0; 6], &mut sc).unwrap_err();
    assert_eq!((e.status, e.arg), (Status::Shape, 1));
    let e = pairwise(Metric::Op(PairOp::SoftDtw), &xs, &[5, 8, 2], None, d, &o, &mut vec![0.0; 9], &mut sc).unwrap_err();
    assert_eq!((e.status, e.arg), (Status::Shape, 0));
    let narrow = Options { band: Some(0), ..o };
    let e = pairwise(Metric::Op(PairOp::SoftDtw), &xs, &xl, None, d, &narrow, &mut vec![0.0; 9], &mut sc).unwrap_err();
    assert_eq!((e.status, e.arg), (Status::Domain, 3));
}

#[test]
fn barycenters_decrease_the_objective_and_recover_a_single_series() {
    use super::barycenter::{barycenter, default_options};
    let mut rng = Rng::new(81);
    let d = 2;
    let m = 12;
    let y = rng.normals(m * d);
    // The divergence barycenter of one series is the series itself.
    for op in [PairOp::Divergence, PairOp::SharpDivergence] {
        let mut z: Vec<f64> = y.iter().map(|v| v + 0.3 * (v * 7.0).sin()).collect();
        let o = opts(0.1, CostKind::SqEuclidean);
        let lb = crate::math::lbfgs::LbfgsOptions { max_iter: 200, gtol: 1e-9, ftol: 0.0, ..default_options() };
        let r = barycenter(op, &y, &[m as u32], d, None, &o, &mut z, m, &lb, &mut Scratch::new()).unwrap();
        assert!(r.value < 1e-8, "{op:?} {r:?}");
        assert_close(&z, &y, 0.0, 1e-3, &format!("{op:?} barycenter of one series"));
    }
    // Several series of different lengths: the objective decreases and the
    // gradient at the result is small.
    let lens = [10u32, 14, 9, 12];
    let ys: Vec<f64> = lens
        .iter()
        .flat_map(|&l| (0..l as usize * d).map(|t| ((t / d) as f64 * 6.0 / l as f64).sin() + 0.1 * (t % d) as f64).collect::<Vec<_>>())
        .collect();
    for op in [PairOp::SoftDtw, PairOp::Divergence, PairOp::Sharp, PairOp::SharpDivergence, PairOp::MeanCostDivergence] {
        let o = opts(1.0, CostKind::SqEuclidean);
        let mz = 11;
        let mut z = rng.normals(mz * d);
        let objective = |z: &[f64]| -> f64 {
            let mut f = 0.0;
            let mut at = 0;
            for &l in &lens {
                let s = &ys[at..at + l as usize * d];
                f += 0.25 * value(op, z, mz, s, l as usize, d, &o);
                at += l as usize * d;
            }
            f
        };
        let f0 = objective(&z);
        let r = barycenter(op, &ys, &lens, d, None, &o, &mut z, mz, &default_options(), &mut Scratch::new()).unwrap();
        let f1 = objective(&z);
        assert!(f1 < f0, "{op:?}: {f1} !< {f0}");
        assert!((r.value - f1).abs() < 1e-9 * (1.0 + f1.abs()), "{op:?}: report {} vs {f1}", r.value);
    }
    // Bad input.
    let mut z = vec![0.0; 4];
    let e = barycenter(PairOp::SoftDtw, &y, &[m as u32], d, Some(&[0.0]), &opts(1.0, CostKind::SqEuclidean), &mut z, 2, &default_options(), &mut Scratch::new()).unwrap_err();
    assert_eq!((e.status, e.arg), (Status::Domain, 1));
    let e = barycenter(PairOp::SoftDtw, &y, &[m as u32], d, None, &opts(1.0, CostKind::SqEuclidean), &mut z, 3, &default_options(), &mut Scratch::new()).unwrap_err();
    assert_eq!((e.status, e.arg), (Status::Shape, 4));
    let e = barycenter(PairOp::Dtw, &y, &[m as u32], d, None, &opts(1.0, CostKind::SqEuclidean), &mut z, 2, &default_options(), &mut Scratch::new()).unwrap_err();
    assert_eq!(e.status, Status::BadOption);
}

#[test]
fn self_tables_use_the_symmetric_shortcut_bit_exactly() {
    // X against itself (same slice) takes the half-table path; against a
    // copy it takes the full one: every bit must agree.
    let mut rng = Rng::new(91);
    for (m, d) in [(1, 1), (2, 1), (7, 2), (16, 3)] {
        let x = rng.normals(m * d);
        let copy = x.clone();
        for op in [PairOp::SoftDtw, PairOp::Sharp, PairOp::Entropy, PairOp::MeanCost] {
            for band in [None, Some(0), Some(2)] {
                let o = Options { gamma: 0.3, cost: CostKind::SqEuclidean, band };
                let mut sc = Scratch::new();
                let (mut g1, mut g2) = (vec![0.0; m * d], vec![0.0; m * d]);
                let (mut e1, mut e2) = (vec![0.0; m * m], vec![0.0; m * m]);
                let a = pair(op, &x, m, &x, m, d, &o, Some(&mut g1), None, Some(&mut e1), &mut sc).unwrap();
                let b = pair(op, &x, m, &copy, m, d, &o, Some(&mut g2), None, Some(&mut e2), &mut sc).unwrap();
                assert_eq!(a.to_bits(), b.to_bits(), "{op:?} {m} {band:?}");
                assert!(g1.iter().zip(&g2).all(|(p, q)| p.to_bits() == q.to_bits()), "{op:?} {m} {band:?} grads");
                assert!(e1.iter().zip(&e2).all(|(p, q)| p.to_bits() == q.to_bits()), "{op:?} {m} {band:?} E");
                let (va, vb) = (value(op, &x, m, &x, m, d, &o), value(op, &x, m, &copy, m, d, &o));
                assert_eq!(va.to_bits(), vb.to_bits(), "{op:?} {m} {band:?} value");
            }
        }
    }
}
