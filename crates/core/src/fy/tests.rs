//! Tests of the FY family: golden vectors, central finite differences, the
//! dot-product test, loss invariants, bad input, and the generalized losses
//! against the classic ones.

use super::generalized::{gfy_batch, Domain, GfyScratch, Outputs, Reg, Solver};
use super::losses::{fy_loss_batch, multilabel_batch, BinaryMap, LossMap, Target};
use super::maps::{backward_batch, dalpha_batch, forward_batch, Map};
use super::projections::{self, Set};
use super::Scratch;
use crate::testutil::{assert_close, dot, fixture, Rng};
use crate::{KernelError, Status};

const GOLD: f64 = 1e-10;

fn fwd(map: Map, x: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; x.len()];
    forward_batch(map, x, 1, x.len(), &mut out, &mut Scratch::new()).unwrap();
    out
}

fn jvp(map: Map, x: &[f64], v: &[f64]) -> Vec<f64> {
    let p = fwd(map, x);
    let mut out = vec![0.0; x.len()];
    backward_batch(map, &p, v, 1, x.len(), &mut out).unwrap();
    out
}

fn dalpha(alpha: f64, x: &[f64]) -> Vec<f64> {
    let p = fwd(Map::Entmax(alpha), x);
    let mut out = vec![0.0; x.len()];
    dalpha_batch(alpha, &p, 1, x.len(), &mut out).unwrap();
    out
}

/// Central finite difference of f along v.
fn fd(f: &dyn Fn(&[f64]) -> Vec<f64>, x: &[f64], v: &[f64], h: f64) -> Vec<f64> {
    let xp: Vec<f64> = x.iter().zip(v).map(|(a, b)| a + h * b).collect();
    let xm: Vec<f64> = x.iter().zip(v).map(|(a, b)| a - h * b).collect();
    f(&xp).iter().zip(f(&xm)).map(|(a, b)| (a - b) / (2.0 * h)).collect()
}

fn abs_close(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_close(a, b, 0.0, tol, what);
}

#[test]
fn golden_operators() {
    let data = fixture("fy_perturb.json");
    let ops = data.get("operators");
    let crate::testutil::Json::Obj(cases) = ops else { panic!() };
    assert_eq!(cases.len(), 13);
    for (name, c) in cases {
        let z = c.get("z").vec();
        let v = c.get("v").vec();
        abs_close(&fwd(Map::Softmax, &z), &c.get("softmax").vec(), GOLD, &format!("{name} softmax"));
        let sp = fwd(Map::Sparsemax, &z);
        abs_close(&sp, &c.get("sparsemax").vec(), GOLD, &format!("{name} sparsemax"));
        let support = sp.iter().filter(|&&p| p > 0.0).count();
        assert_eq!(support as f64, c.get("sparsemax_support_size").num(), "{name} support");
        let (m, tau) = super::simplex::simplex_threshold(&z, 1.0, &mut Vec::new());
        assert!((m + tau - c.get("sparsemax_tau").num()).abs() < GOLD, "{name} tau");
        abs_close(&fwd(Map::Entmax(1.5), &z), &c.get("entmax15").vec(), GOLD, &format!("{name} entmax15"));
        abs_close(&fwd(Map::Entmax(1.25), &z), &c.get("entmax_alpha1.25").vec(), GOLD, &format!("{name} entmax1.25"));
        abs_close(&jvp(Map::Softmax, &z, &v), &c.get("softmax_jvp").vec(), GOLD, &format!("{name} softmax jvp"));
        abs_close(&jvp(Map::Sparsemax, &z, &v), &c.get("sparsemax_jvp").vec(), GOLD, &format!("{name} sparsemax jvp"));
        abs_close(&jvp(Map::Entmax(1.5), &z, &v), &c.get("entmax15_jvp").vec(), GOLD, &format!("{name} entmax15 jvp"));
        abs_close(&jvp(Map::Entmax(1.25), &z, &v), &c.get("entmax1.25_jvp").vec(), GOLD, &format!("{name} entmax1.25 jvp"));
        if let crate::testutil::Json::Obj(m) = c {
            if let Some(d) = m.get("entmax1.25_dp_dalpha") {
                abs_close(&dalpha(1.25, &z), &d.vec(), 1e-9, &format!("{name} dp/dalpha"));
            }
        }
    }
}

fn loss_of(map: LossMap, theta: &[f64], target: Target) -> (f64, Vec<f64>, Vec<f64>) {
    let n = theta.len();
    let mut values = [0.0];
    let (mut g, mut p) = (vec![0.0; n], vec![0.0; n]);
    fy_loss_batch(map, theta, target, 1, n, &mut values, Some(&mut g), Some(&mut p), &mut Scratch::new()).unwrap();
    (values[0], g, p)
}

#[test]
fn golden_losses() {
    let data = fixture("fy_perturb.json");
    let crate::testutil::Json::Obj(cases) = data.get("losses") else { panic!() };
    assert_eq!(cases.len(), 15);
    for (name, c) in cases {
        let z = c.get("z").vec();
        let y = c.get("y").vec();
        let label = name.split("|label=").nth(1).map(|l| l.parse::<f64>().unwrap());
        for (key, map) in [
            ("logistic", LossMap::Logistic),
            ("sparsemax", LossMap::Sparsemax),
            ("entmax15", LossMap::Entmax(1.5)),
            ("entmax1.25", LossMap::Entmax(1.25)),
        ] {
            let e = c.get(key);
            let mut targets = vec![Target::Proportions(&y)];
            let lab;
            if let Some(l) = label {
                lab = [l];
                targets.push(Target::Labels(&lab));
            }
            for tg in targets {
                let (v, g, p) = loss_of(map, &z, tg);
                let what = format!("{name} {key} {tg:?}");
                assert!((v - e.get("loss").num()).abs() < GOLD * (1.0 + v.abs()), "{what}: {v} vs {}", e.get("loss").num());
                abs_close(&g, &e.get("grad").vec(), GOLD, &what);
                abs_close(&p, &e.get("prediction").vec(), GOLD, &what);
            }
        }
    }
}

#[test]
fn golden_binary_multilabel() {
    let data = fixture("fy_perturb.json");
    let b = data.get("binary_multilabel");
    for (key, label) in [("label=0", 0.0), ("label=1", 1.0)] {
        let c = b.get(key);
        let x = c.get("logits").vec();
        let n = x.len();
        let y = vec![label; n];
        for (map, lk, gk) in [
            (BinaryMap::Sparse, "binary_sparsemax_loss(sparse_plus(+-logit))", "grad_wrt_logit(sparse_sigmoid(logit)-label)"),
            (BinaryMap::Logistic, "binary_logistic_loss(softplus(+-logit))", "grad_logistic(sigmoid(logit)-label)"),
        ] {
            // One row per logit gives per-entry losses.
            let mut values = vec![0.0; n];
            let mut g = vec![0.0; n];
            multilabel_batch(map, &x, &y, n, 1, &mut values, Some(&mut g)).unwrap();
            assert_close(&values, &c.get(lk).vec(), 1e-12, GOLD, lk);
            abs_close(&g, &c.get(gk).vec(), GOLD, gk);
        }
    }
    let x = b.get("label=0").get("logits").vec();
    abs_close(&fwd(Map::SparseSigmoid, &x), &b.get("sparse_sigmoid").vec(), GOLD, "sparse sigmoid");
}

fn project(set: Set, x: &[f64], lower: &[f64], upper: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; x.len()];
    projections::forward_batch(set, x, lower, upper, 1, x.len(), &mut out, &mut Scratch::new()).unwrap();
    out
}

fn project_jvp(set: Set, x: &[f64], lower: &[f64], upper: &[f64], v: &[f64]) -> Vec<f64> {
    let p = project(set, x, lower, upper);
    let mut out = vec![0.0; x.len()];
    projections::backward_batch(set, x, &p, v, 1, x.len(), &mut out).unwrap();
    out
}

#[test]
fn golden_projections() {
    let data = fixture("fy_perturb.json");
    let pr = data.get("projections");
    for c in pr.get("simplex").arr() {
        let x = c.get("x").vec();
        let scale = c.get("scale").num();
        abs_close(&project(Set::Simplex { scale }, &x, &[], &[]), &c.get("p").vec(), GOLD, "simplex");
        let (m, tau) = super::simplex::simplex_threshold(&x, scale, &mut Vec::new());
        assert!((m + tau - c.get("tau").num()).abs() < GOLD, "simplex tau");
    }
    for c in pr.get("l1_ball").arr() {
        let x = c.get("x").vec();
        let radius = c.get("radius").num();
        abs_close(&project(Set::L1Ball { radius }, &x, &[], &[]), &c.get("p").vec(), GOLD, "l1 ball");
    }
}

/// Random logits with distinct, well-separated values (no point on a
/// support boundary, where the maps are not differentiable).
fn logits(rng: &mut Rng, n: usize, scale: f64) -> Vec<f64> {
    loop {
        let x: Vec<f64> = (0..n).map(|_| scale * rng.normal()).collect();
        let mut s = x.clone();
        s.sort_by(|a, b| a.partial_cmp(b).unwrap());
        if s.windows(2).all(|w| w[1] - w[0] > 1e-3) {
            return x;
        }
    }
}

fn far_from_kinks(map: Map, x: &[f64]) -> bool {
    // Finite differences need the support to stay put within ±h.
    let h = 1e-4;
    let p = fwd(map, x);
    x.iter().enumerate().all(|(i, _)| {
        let mut xp = x.to_vec();
        xp[i] += h;
        let mut xm = x.to_vec();
        xm[i] -= h;
        let (a, b) = (fwd(map, &xp), fwd(map, &xm));
        p.iter().zip(a.iter().zip(&b)).all(|(&q, (&u, &w))| (q > 0.0) == (u > 0.0) && (q > 0.0) == (w > 0.0))
    })
}

#[test]
fn maps_match_finite_differences_and_dot_product() {
    let mut rng = Rng::new(11);
    let maps = [
        Map::Softmax,
        Map::Sparsemax,
        Map::Entmax(1.5),
        Map::Entmax(1.25),
        Map::Entmax(3.0),
        Map::Entmax(1.0001),
        Map::Sigmoid,
        Map::SparseSigmoid,
    ];
    let mut checked = 0;
    for trial in 0..40 {
        let n = 1 + trial % 9;
        let x = logits(&mut rng, n, 1.0);
        for &map in &maps {
            if !far_from_kinks(map, &x) || (map == Map::SparseSigmoid && x.iter().any(|v| (v.abs() - 1.0).abs() < 1e-3)) {
                continue;
            }
            let v = rng.normals(n);
            let u = rng.normals(n);
            let j = jvp(map, &x, &v);
            let f = fd(&|z| fwd(map, z), &x, &v, 1e-5);
            abs_close(&j, &f, 1e-7, &format!("{map:?} jvp vs FD at {x:?}"));
            // vjp is the same kernel (symmetric Jacobians); check the identity.
            let ju = jvp(map, &x, &u);
            assert!((dot(&u, &j) - dot(&ju, &v)).abs() < 1e-12 * (1.0 + dot(&u, &j).abs()), "{map:?} dot product");
            checked += 1;
        }
    }
    assert!(checked > 200, "only {checked} FD checks ran");
}

#[test]
fn dalpha_matches_finite_differences() {
    let mut rng = Rng::new(5);
    for trial in 0..30 {
        let n = 2 + trial % 6;
        let x = logits(&mut rng, n, 1.5);
        for alpha in [1.1, 1.25, 1.5, 1.8, 2.0, 2.7] {
            let h = 1e-5;
            let f = |a: f64| fwd(Map::Entmax(a), &x);
            // Skip points where the support changes within ±h.
            let (pp, pm, p0) = (f(alpha + h), f(alpha - h), f(alpha));
            if p0.iter().zip(pp.iter().zip(&pm)).any(|(&q, (&a, &b))| (q > 0.0) != (a > 0.0) || (q > 0.0) != (b > 0.0)) {
                continue;
            }
            let fdv: Vec<f64> = pp.iter().zip(&pm).map(|(a, b)| (a - b) / (2.0 * h)).collect();
            abs_close(&dalpha(alpha, &x), &fdv, 2e-7, &format!("dp/dalpha alpha={alpha} x={x:?}"));
        }
        // α → 1: the limit formula against a one-sided difference.
        let h = 1e-6;
        let a: Vec<f64> = fwd(Map::Entmax(1.0 + h), &x).iter().zip(fwd(Map::Softmax, &x)).map(|(a, b)| (a - b) / h).collect();
        abs_close(&dalpha(1.0, &x), &a, 1e-4, "dp/dalpha at 1");
    }
}

#[test]
fn entmax_bisection_agrees_with_exact_cases() {
    let mut rng = Rng::new(3);
    for trial in 0..30 {
        let n = 1 + trial % 12;
        let x = logits(&mut rng, n, 2.0);
        let mut out = vec![0.0; n];
        super::simplex::entmax_bisect(&x, 1.5, &mut out, &mut Vec::new());
        abs_close(&out, &fwd(Map::Entmax(1.5), &x), 1e-13, "bisect 1.5");
        super::simplex::entmax_bisect(&x, 2.0, &mut out, &mut Vec::new());
        abs_close(&out, &fwd(Map::Sparsemax, &x), 1e-13, "bisect 2");
        super::simplex::entmax_bisect(&x, 1.0 + 1e-9, &mut out, &mut Vec::new());
        abs_close(&out, &fwd(Map::Softmax, &x), 1e-7, "bisect 1+");
        super::simplex::entmax_bisect(&x, 1.0 + 1e-14, &mut out, &mut Vec::new());
        abs_close(&out, &fwd(Map::Softmax, &x), 1e-7, "bisect 1+1e-14");
    }
}

#[test]
fn prefix_search_agrees_with_sorting() {
    use super::simplex::{longest_prefix_budget, Stats};
    let mut rng = Rng::new(17);
    for trial in 0..300 {
        let n = 1 + trial % 40;
        // Many ties: values on a coarse grid.
        let vals: Vec<f64> = (0..n).map(|_| -((rng.uniform() * 6.0).floor()) / 5.0).collect();
        let scale = 0.2 + rng.uniform() * 2.0;
        let ok = |st: Stats, y: f64| scale + st.k * y > st.s1;
        let mut sorted = vals.clone();
        sorted.sort_by(|a, b| b.partial_cmp(a).unwrap());
        let mut want = Stats::default();
        for &y in &sorted {
            let mut next = want;
            next.k += 1.0;
            next.s1 += y;
            next.s2 += y * y;
            if !ok(next, y) {
                break;
            }
            want = next;
        }
        for budget in [usize::MAX / 2, 0, n / 2] {
            let mut v = vals.clone();
            let got = longest_prefix_budget(&mut v, ok, budget);
            assert_eq!(got.k, want.k, "budget {budget} vals {vals:?}");
            assert!((got.s1 - want.s1).abs() < 1e-12 && (got.s2 - want.s2).abs() < 1e-12);
        }
    }
}

#[test]
fn huge_logits_stay_finite() {
    let x = [1e300, -1e300, 5e299, 1e300 - 1e285, 0.0];
    for map in [Map::Softmax, Map::Sparsemax, Map::Entmax(1.5), Map::Entmax(1.25), Map::Sigmoid, Map::SparseSigmoid] {
        let p = fwd(map, &x);
        assert!(p.iter().all(|v| v.is_finite()), "{map:?} {p:?}");
        let j = jvp(map, &x, &[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert!(j.iter().all(|v| v.is_finite()), "{map:?} jvp");
    }
    for map in [LossMap::Logistic, LossMap::Sparsemax, LossMap::Entmax(1.5), LossMap::Entmax(1.7), LossMap::Perceptron] {
        for label in [0.0, 1.0, 4.0] {
            let (v, g, _) = loss_of(map, &x, Target::Labels(&[label]));
            assert!(v.is_finite() && v >= 0.0 && g.iter().all(|q| q.is_finite()), "{map:?} {v}");
        }
    }
    let mut values = [0.0; 1];
    let mut g = [0.0; 5];
    for map in [BinaryMap::Logistic, BinaryMap::Sparse] {
        multilabel_batch(map, &x, &[0.0, 1.0, 0.5, 1.0, 0.0], 1, 5, &mut values, Some(&mut g)).unwrap();
        assert!(values[0].is_finite() && g.iter().all(|q| q.is_finite()));
    }
}

#[test]
fn losses_gradients_and_invariants() {
    let mut rng = Rng::new(21);
    for trial in 0..25 {
        let n = 2 + trial % 7;
        let x = logits(&mut rng, n, 1.2);
        let label = [(trial % n) as f64];
        let mut y: Vec<f64> = (0..n).map(|_| rng.uniform()).collect();
        let s: f64 = y.iter().sum();
        y.iter_mut().for_each(|v| *v /= s);
        for map in [LossMap::Logistic, LossMap::Sparsemax, LossMap::Entmax(1.5), LossMap::Entmax(1.25), LossMap::Entmax(2.5)] {
            let pmap = match map {
                LossMap::Logistic => Map::Softmax,
                LossMap::Sparsemax => Map::Sparsemax,
                LossMap::Entmax(a) => Map::Entmax(a),
                LossMap::Perceptron => unreachable!(),
            };
            for tg in [Target::Labels(&label), Target::Proportions(&y)] {
                let (v, g, p) = loss_of(map, &x, tg);
                assert!(v >= 0.0);
                abs_close(&p, &fwd(pmap, &x), 1e-14, "prediction");
                let dir = rng.normals(n);
                let f = |z: &[f64]| vec![loss_of(map, z, tg).0];
                let fdv = fd(&f, &x, &dir, 1e-6)[0];
                assert!((fdv - dot(&g, &dir)).abs() < 1e-7, "{map:?} grad: {fdv} vs {}", dot(&g, &dir));
            }
            // Zero at y = ŷ.
            let p = fwd(pmap, &x);
            let (v, g, _) = loss_of(map, &x, Target::Proportions(&p));
            assert!(v.abs() < 1e-12, "{map:?} loss at y = yhat: {v}");
            assert!(g.iter().all(|q| q.abs() < 1e-15));
        }
        // Perceptron: max θ − θ_k, subgradient e_argmax − e_k.
        let (v, g, _) = loss_of(LossMap::Perceptron, &x, Target::Labels(&label));
        let m = x.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        assert!((v - (m - x[label[0] as usize])).abs() < 1e-15);
        assert!((g.iter().sum::<f64>()).abs() < 1e-15);
        // Multilabel: gradient vs FD.
        let yb: Vec<f64> = (0..n).map(|i| [0.0, 1.0, 0.3][i % 3]).collect();
        for map in [BinaryMap::Logistic, BinaryMap::Sparse] {
            let mut values = [0.0];
            let mut g = vec![0.0; n];
            multilabel_batch(map, &x, &yb, 1, n, &mut values, Some(&mut g)).unwrap();
            let dir = rng.normals(n);
            let f = |z: &[f64]| {
                let mut v = [0.0];
                multilabel_batch(map, z, &yb, 1, n, &mut v, None).unwrap();
                vec![v[0]]
            };
            let fdv = fd(&f, &x, &dir, 1e-6)[0];
            assert!((fdv - dot(&g, &dir)).abs() < 1e-7, "{map:?} multilabel grad");
        }
    }
}

#[test]
fn projections_match_finite_differences() {
    let mut rng = Rng::new(8);
    let mut sc = Scratch::new();
    for trial in 0..40 {
        let n = 1 + trial % 8;
        let x = logits(&mut rng, n, 1.0);
        let lower: Vec<f64> = (0..n).map(|_| -0.5 + 0.1 * rng.normal()).collect();
        let upper: Vec<f64> = lower.iter().map(|l| l + 1.0).collect();
        let sets = [
            (Set::Simplex { scale: 1.0 }, vec![], vec![]),
            (Set::Simplex { scale: 2.5 }, vec![], vec![]),
            (Set::L1Ball { radius: 0.7 }, vec![], vec![]),
            (Set::L1Ball { radius: 50.0 }, vec![], vec![]),
            (Set::Box, lower.clone(), upper.clone()),
            (Set::Box, vec![-0.3], vec![0.4]),
            (Set::SparseSimplex { k: 2, scale: 1.0 }, vec![], vec![]),
            (Set::SparseSimplex { k: 1, scale: 3.0 }, vec![], vec![]),
        ];
        for (set, lo, hi) in &sets {
            let v = rng.normals(n);
            let f = |z: &[f64]| project(*set, z, lo, hi);
            let h = 1e-6;
            // Skip points where the active set changes within ±h.
            let p = f(&x);
            let (a, b) = (f(&x.iter().zip(&v).map(|(q, w)| q + h * w).collect::<Vec<_>>()), f(&x.iter().zip(&v).map(|(q, w)| q - h * w).collect::<Vec<_>>()));
            let pattern = |q: &[f64]| q.iter().zip(&x).map(|(pi, xi)| (*pi != 0.0, pi == xi)).collect::<Vec<_>>();
            if pattern(&p) != pattern(&a) || pattern(&p) != pattern(&b) {
                continue;
            }
            let j = project_jvp(*set, &x, lo, hi, &v);
            abs_close(&j, &fd(&f, &x, &v, h), 1e-7, &format!("{set:?} jvp x={x:?}"));
            let u = rng.normals(n);
            let ju = project_jvp(*set, &x, lo, hi, &u);
            assert!((dot(&u, &j) - dot(&ju, &v)).abs() < 1e-12, "{set:?} symmetric");
        }
        // Feasibility.
        let p = project(Set::SparseSimplex { k: 2, scale: 1.0 }, &x, &[], &[]);
        assert!(p.iter().filter(|&&q| q > 0.0).count() <= 2 && (p.iter().sum::<f64>() - 1.0).abs() < 1e-14);
        let p = project(Set::L1Ball { radius: 0.7 }, &x, &[], &[]);
        assert!(p.iter().map(|q| q.abs()).sum::<f64>() <= 0.7 + 1e-14);
        let _ = &mut sc;
    }
}

#[test]
fn sparse_simplex_is_the_best_k_subset() {
    let mut rng = Rng::new(4);
    for trial in 0..60 {
        let n = 2 + trial % 6;
        let k = 1 + trial % n;
        let x: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let p = project(Set::SparseSimplex { k, scale: 1.0 }, &x, &[], &[]);
        let dist = |q: &[f64]| q.iter().zip(&x).map(|(a, b)| (a - b) * (a - b)).sum::<f64>();
        // Brute force: project every k-subset onto the simplex.
        let mut best = f64::INFINITY;
        for mask in 0u32..(1 << n) {
            if mask.count_ones() as usize != k {
                continue;
            }
            let idx: Vec<usize> = (0..n).filter(|i| mask >> i & 1 == 1).collect();
            let sub: Vec<f64> = idx.iter().map(|&i| x[i]).collect();
            let ps = project(Set::Simplex { scale: 1.0 }, &sub, &[], &[]);
            let mut q = vec![0.0; n];
            for (j, &i) in idx.iter().enumerate() {
                q[i] = ps[j];
            }
            best = best.min(dist(&q));
        }
        assert!(dist(&p) <= best + 1e-12, "k={k} x={x:?}: {} vs {best}", dist(&p));
    }
}

#[test]
fn bad_input_names_the_argument() {
    let mut sc = Scratch::new();
    let mut out = [0.0; 3];
    let e = |s, a| Err(KernelError::new(s, a));
    assert_eq!(forward_batch(Map::Softmax, &[1.0, f64::NAN, 0.0], 1, 3, &mut out, &mut sc), e(Status::NonFinite, 0));
    assert_eq!(forward_batch(Map::Sparsemax, &[1.0, f64::INFINITY, 0.0], 1, 3, &mut out, &mut sc), e(Status::NonFinite, 0));
    assert_eq!(forward_batch(Map::Entmax(0.9), &[1.0, 2.0, 0.0], 1, 3, &mut out, &mut sc), e(Status::Domain, 1));
    assert_eq!(forward_batch(Map::Entmax(f64::NAN), &[1.0, 2.0, 0.0], 1, 3, &mut out, &mut sc), e(Status::Domain, 1));
    assert_eq!(forward_batch(Map::Softmax, &[1.0, 2.0], 1, 3, &mut out, &mut sc), e(Status::Shape, 0));
    let mut values = [0.0];
    let th = [1.0, 2.0, 0.0];
    let lf = |map, tg: Target, values: &mut [f64]| fy_loss_batch(map, &th, tg, 1, 3, values, None, None, &mut Scratch::new());
    assert_eq!(lf(LossMap::Logistic, Target::Labels(&[3.0]), &mut values), e(Status::Domain, 1));
    assert_eq!(lf(LossMap::Logistic, Target::Labels(&[-1.0]), &mut values), e(Status::Domain, 1));
    assert_eq!(lf(LossMap::Logistic, Target::Labels(&[0.5]), &mut values), e(Status::Domain, 1));
    assert_eq!(lf(LossMap::Logistic, Target::Proportions(&[0.5, 0.5, 1e-8]), &mut values), e(Status::Domain, 1));
    assert_eq!(lf(LossMap::Logistic, Target::Proportions(&[0.5, 0.5, 1e-10]), &mut values), Ok(()));
    assert_eq!(lf(LossMap::Logistic, Target::Proportions(&[1.5, -0.5, 0.0]), &mut values), e(Status::Domain, 1));
    assert_eq!(lf(LossMap::Entmax(0.5), Target::Labels(&[0.0]), &mut values), e(Status::Domain, 5));
    let nan = [1.0, f64::NAN, 0.0];
    assert_eq!(
        fy_loss_batch(LossMap::Sparsemax, &nan, Target::Labels(&[0.0]), 1, 3, &mut values, None, None, &mut sc),
        e(Status::NonFinite, 0)
    );
    assert_eq!(multilabel_batch(BinaryMap::Logistic, &th, &[0.0, 1.2, 0.0], 1, 3, &mut values, None), e(Status::Domain, 1));
    assert_eq!(
        projections::forward_batch(Set::Simplex { scale: 0.0 }, &th, &[], &[], 1, 3, &mut out, &mut sc),
        e(Status::Domain, 3)
    );
    assert_eq!(projections::forward_batch(Set::Box, &th, &[1.0], &[0.0], 1, 3, &mut out, &mut sc), e(Status::Domain, 1));
    assert_eq!(projections::forward_batch(Set::Box, &th, &[0.0, 1.0], &[2.0], 1, 3, &mut out, &mut sc), e(Status::Shape, 1));
    assert_eq!(
        projections::forward_batch(Set::Box, &th, &[f64::NEG_INFINITY], &[f64::INFINITY], 1, 3, &mut out, &mut sc),
        Ok(())
    );
    assert_eq!(out, th);
}

// ---------------------------------------------------------------- generalized

struct Gfy {
    values: Vec<f64>,
    pred: Vec<f64>,
    gu: Vec<f64>,
    gp: Vec<f64>,
    stats: Vec<f64>,
}

fn gfy(solver: Solver, theta: &[f64], a: Option<&[f64]>, target: Option<Target>, rows: usize, n: usize) -> Result<Gfy, KernelError> {
    let mut r = Gfy {
        values: vec![0.0; rows],
        pred: vec![0.0; rows * n],
        gu: vec![0.0; rows * n],
        gp: vec![0.0; a.map_or(0, |a| a.len())],
        stats: vec![0.0; 2 * rows],
    };
    let o = Outputs {
        values: &mut r.values,
        pred: &mut r.pred,
        grad_unary: Some(&mut r.gu),
        grad_pairwise: a.map(|_| &mut r.gp[..]),
        stats: &mut r.stats,
    };
    gfy_batch(solver, theta, a, target, rows, n, o, &mut GfyScratch::new())?;
    Ok(r)
}

fn solver(domain: Domain, reg: Reg) -> Solver {
    Solver { domain, reg, tol: 1e-12, max_iter: 10_000 }
}

#[test]
fn bilinear_energy_reproduces_the_classic_losses() {
    let mut rng = Rng::new(31);
    for trial in 0..20 {
        let n = 2 + trial % 6;
        let x = logits(&mut rng, n, 1.5);
        let label = [(trial % n) as f64];
        for (reg, map) in [(Reg::Entropy, LossMap::Logistic), (Reg::Squared, LossMap::Sparsemax)] {
            let g = gfy(solver(Domain::Simplex, reg), &x, None, Some(Target::Labels(&label)), 1, n).unwrap();
            let (v, grad, p) = loss_of(map, &x, Target::Labels(&label));
            assert!((g.values[0] - v).abs() < 1e-12 * (1.0 + v), "{reg:?}: {} vs {v}", g.values[0]);
            abs_close(&g.gu, &grad, 1e-15, "grad");
            abs_close(&g.pred, &p, 1e-15, "pred");
            assert_eq!(g.stats[0], 0.0, "one step");
        }
        // Cube + binary entropy = one-vs-all logistic.
        let yb: Vec<f64> = (0..n).map(|i| [0.0, 1.0, 0.25][i % 3]).collect();
        let g = gfy(solver(Domain::Cube, Reg::Entropy), &x, None, Some(Target::Proportions(&yb)), 1, n).unwrap();
        let mut values = [0.0];
        let mut grad = vec![0.0; n];
        multilabel_batch(BinaryMap::Logistic, &x, &yb, 1, n, &mut values, Some(&mut grad)).unwrap();
        assert!((g.values[0] - values[0]).abs() < 1e-12 * (1.0 + values[0]));
        abs_close(&g.gu, &grad, 1e-15, "cube entropy grad");
        // Cube + ½‖·‖² at θ' = (θ + 1)/2, times 2, = the binary sparsemax loss.
        let xs: Vec<f64> = x.iter().map(|v| 0.5 * (v + 1.0)).collect();
        let g = gfy(solver(Domain::Cube, Reg::Squared), &xs, None, Some(Target::Proportions(&yb)), 1, n).unwrap();
        multilabel_batch(BinaryMap::Sparse, &x, &yb, 1, n, &mut values, Some(&mut grad)).unwrap();
        assert!((2.0 * g.values[0] - values[0]).abs() < 1e-12 * (1.0 + values[0]));
        abs_close(&g.gu, &grad, 1e-15, "cube squared grad");
    }
}

/// A random pairwise matrix whose symmetric part is ≼ (1 − margin)·σ·I:
/// −BBᵀ plus a small antisymmetric part plus `lift`·I.
fn concave_pairwise(rng: &mut Rng, n: usize, lift: f64) -> Vec<f64> {
    let b: Vec<f64> = (0..n * n).map(|_| rng.normal() / (n as f64).sqrt()).collect();
    let mut a = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            let mut s = 0.0;
            for k in 0..n {
                s += b[i * n + k] * b[j * n + k];
            }
            a[i * n + j] = -s + 0.3 * rng.normal() * if i < j { 1.0 } else { -1.0 };
        }
        a[i * n + i] = -a[i * n + i].abs() + lift;
    }
    // Make the antisymmetric part exactly antisymmetric.
    for i in 0..n {
        for j in 0..i {
            let anti = 0.5 * (a[i * n + j] - a[j * n + i]);
            let sym = 0.5 * (a[i * n + j] + a[j * n + i]);
            a[i * n + j] = sym + anti;
            a[j * n + i] = sym - anti;
        }
    }
    a
}

#[test]
fn quadratic_energy_gradients_and_invariants() {
    let mut rng = Rng::new(41);
    let cases = [(Domain::Simplex, Reg::Squared), (Domain::Simplex, Reg::Entropy), (Domain::Cube, Reg::Squared), (Domain::Cube, Reg::Entropy)];
    for trial in 0..12 {
        let n = 2 + trial % 5;
        let x = logits(&mut rng, n, 1.0);
        let a = concave_pairwise(&mut rng, n, 0.3);
        for (domain, reg) in cases {
            let s = solver(domain, reg);
            let y: Vec<f64> = match domain {
                Domain::Simplex => {
                    let mut y: Vec<f64> = (0..n).map(|_| rng.uniform()).collect();
                    let t: f64 = y.iter().sum();
                    y.iter_mut().for_each(|v| *v /= t);
                    y
                }
                Domain::Cube => (0..n).map(|i| [0.0, 1.0, 0.6][i % 3]).collect(),
            };
            let g = gfy(s, &x, Some(&a), Some(Target::Proportions(&y)), 1, n).unwrap();
            assert!(g.values[0] >= 0.0);
            // Zero at y = ŷ.
            let z = gfy(s, &x, Some(&a), Some(Target::Proportions(&g.pred)), 1, n).unwrap();
            assert!(z.values[0].abs() < 1e-10, "{domain:?} {reg:?} L(ŷ) = {}", z.values[0]);
            // Danskin gradients vs central differences, in θ_u and in A.
            let value = |x: &[f64], a: &[f64]| gfy(s, x, Some(a), Some(Target::Proportions(&y)), 1, n).unwrap().values[0];
            let h = 1e-6;
            let dir = rng.normals(n);
            let xp: Vec<f64> = x.iter().zip(&dir).map(|(p, d)| p + h * d).collect();
            let xm: Vec<f64> = x.iter().zip(&dir).map(|(p, d)| p - h * d).collect();
            let fdu = (value(&xp, &a) - value(&xm, &a)) / (2.0 * h);
            assert!((fdu - dot(&g.gu, &dir)).abs() < 2e-6, "{domain:?} {reg:?} unary: {fdu} vs {}", dot(&g.gu, &dir));
            let da = rng.normals(n * n);
            let ap: Vec<f64> = a.iter().zip(&da).map(|(p, d)| p + h * d).collect();
            let am: Vec<f64> = a.iter().zip(&da).map(|(p, d)| p - h * d).collect();
            let fdp = (value(&x, &ap) - value(&x, &am)) / (2.0 * h);
            assert!((fdp - dot(&g.gp, &da)).abs() < 2e-6, "{domain:?} {reg:?} pairwise: {fdp} vs {}", dot(&g.gp, &da));
            // ŷ is a fixed point of μ ↦ ŷ_Ω(θ_u + Sμ).
            assert!(g.stats[1] <= 1e-12);
        }
    }
}

#[test]
fn quadratic_energy_batches_shared_and_per_row_matrices() {
    let mut rng = Rng::new(42);
    let (rows, n) = (3, 4);
    let x: Vec<f64> = rng.normals(rows * n);
    let a1 = concave_pairwise(&mut rng, n, 0.2);
    let a_rows: Vec<f64> = (0..rows).flat_map(|_| concave_pairwise(&mut rng, n, 0.1)).collect();
    let labels = [0.0, 3.0, 1.0];
    let s = solver(Domain::Simplex, Reg::Entropy);
    let shared = gfy(s, &x, Some(&a1), Some(Target::Labels(&labels)), rows, n).unwrap();
    let per_row = gfy(s, &x, Some(&a_rows), Some(Target::Labels(&labels)), rows, n).unwrap();
    let mut gp_sum = vec![0.0; n * n];
    for r in 0..rows {
        let one = gfy(s, &x[r * n..(r + 1) * n], Some(&a1), Some(Target::Labels(&labels[r..r + 1])), 1, n).unwrap();
        assert!((one.values[0] - shared.values[r]).abs() < 1e-15);
        for (q, v) in gp_sum.iter_mut().zip(&one.gp) {
            *q += v;
        }
        let own = &a_rows[r * n * n..(r + 1) * n * n];
        let one = gfy(s, &x[r * n..(r + 1) * n], Some(own), Some(Target::Labels(&labels[r..r + 1])), 1, n).unwrap();
        assert!((one.values[0] - per_row.values[r]).abs() < 1e-15);
        abs_close(&per_row.gp[r * n * n..(r + 1) * n * n], &one.gp, 1e-15, "per-row pairwise grad");
    }
    abs_close(&shared.gp, &gp_sum, 1e-14, "shared pairwise grad is the sum over rows");
}

#[test]
fn quadratic_energy_reports_bad_input_and_non_convergence() {
    let mut rng = Rng::new(43);
    let n = 4;
    let x = rng.normals(n);
    let a = concave_pairwise(&mut rng, n, 0.0);
    let e = |s, arg| Err(KernelError::new(s, arg));
    let s = solver(Domain::Simplex, Reg::Squared);
    let lab = [1.0];
    let err = |r: Result<Gfy, KernelError>| r.map(|_| ());
    assert_eq!(err(gfy(s, &x, Some(&a[..n * n - 1]), Some(Target::Labels(&lab)), 1, n)), e(Status::Shape, 1));
    let mut bad = a.clone();
    bad[3] = f64::NAN;
    assert_eq!(err(gfy(s, &x, Some(&bad), Some(Target::Labels(&lab)), 1, n)), e(Status::NonFinite, 1));
    assert_eq!(err(gfy(s, &x, Some(&a), Some(Target::Labels(&[4.0])), 1, n)), e(Status::Domain, 2));
    assert_eq!(err(gfy(s, &x, Some(&a), Some(Target::Proportions(&[0.5, 0.5, 0.5, 0.0])), 1, n)), e(Status::Domain, 2));
    let cube = solver(Domain::Cube, Reg::Entropy);
    assert_eq!(err(gfy(cube, &x, Some(&a), Some(Target::Proportions(&[0.5, 1.5, 0.5, 0.0])), 1, n)), e(Status::Domain, 2));
    assert_eq!(err(gfy(Solver { tol: 0.0, ..s }, &x, Some(&a), None, 1, n)), e(Status::Domain, 8));
    assert_eq!(err(gfy(Solver { max_iter: 0, ..s }, &x, Some(&a), None, 1, n)), e(Status::Domain, 9));
    // Too few iterations: an error, not a silent answer.
    let strong: Vec<f64> = a.iter().map(|v| 3.0 * v).collect();
    assert_eq!(err(gfy(Solver { max_iter: 2, ..s }, &x, Some(&strong), None, 1, n)), e(Status::NotConverged, 0));
    // A convex energy (S ≻ σI): the stationary point found from θ_u can lose
    // to the target; the kernel refuses instead of returning a negative loss.
    let convex = [5.0, 0.0, 0.0, 5.0];
    let r = gfy(solver(Domain::Cube, Reg::Squared), &[0.1, -0.1], Some(&convex), Some(Target::Proportions(&[1.0, 1.0])), 1, 2);
    assert_eq!(r.map(|_| ()), e(Status::NotConverged, 2));
    // Predict-only needs no target.
    let p = gfy(s, &x, Some(&a), None, 1, n).unwrap();
    assert!((p.pred.iter().sum::<f64>() - 1.0).abs() < 1e-12);
}
