//! Tests of the sort family against the reference vectors, finite
//! differences, the dot-product test and the paper's invariants.

use super::losses::{hard_ranks, lts_batch, spearman_batch, LossScratch};
use super::ops::{backward_batch, forward_batch, record, Mode, Op, Params};
use crate::testutil::{assert_close, dot, fixture, Json, Rng};
use super::{Direction, Regularization, Scratch};
use crate::Status;

fn params(op: Op, reg: Regularization, dir: Direction, strength: f64) -> Params {
    Params { op, reg, dir, strength }
}

fn forward(p: Params, x: &[f64], w: Option<&[f64]>) -> Vec<f64> {
    let mut out = vec![0.0; x.len()];
    forward_batch(p, x, w, 1, x.len(), &mut out, None, &mut Scratch::new()).unwrap();
    out
}

fn back(p: Params, mode: Mode, x: &[f64], w: Option<&[f64]>, v: &[f64]) -> Vec<f64> {
    let mut sc = Scratch::new();
    let rec = record(p, x, w, 1, x.len(), &mut sc).unwrap();
    let mut out = vec![0.0; x.len()];
    backward_batch(p, mode, rec.state(), &rec.value, v, 1, x.len(), &mut out, &mut sc).unwrap();
    out
}

fn case_params(c: &Json) -> Params {
    let op = if c.get("op").str() == "soft_rank" { Op::SoftRank } else { Op::SoftSort };
    let reg = if c.get("regularization").str() == "kl" { Regularization::Kl } else { Regularization::L2 };
    let dir = if c.get("direction").str() == "ASCENDING" { Direction::Ascending } else { Direction::Descending };
    params(op, reg, dir, c.get("regularization_strength").num())
}

#[test]
fn golden_soft_sort_and_rank() {
    let data = fixture("softsort.json");
    let cases = data.get("cases").arr();
    assert_eq!(cases.len(), 192);
    for c in cases {
        let id = c.get("id").str();
        let p = case_params(c);
        let x = c.get("input").vec();
        let out = forward(p, &x, None);
        assert_close(&out, &c.get("out").vec(), 1e-9, 1e-12, &format!("{id} out"));
        if c.get("differentiable_here").bool() {
            let g = c.get("g").vec();
            let vjp = back(p, Mode::Vjp, &x, None, &g);
            assert_close(&vjp, &c.get("vjp_correct").vec(), 1e-8, 1e-11, &format!("{id} vjp"));
            if !c.get("reference_vjp_is_buggy").bool() {
                let jvp = back(p, Mode::Jvp, &x, None, &g);
                assert_close(&jvp, &c.get("jvp_reference").vec(), 1e-8, 1e-11, &format!("{id} jvp"));
            }
        }
    }
}

#[test]
fn golden_isotonic_and_projection() {
    let data = fixture("softsort.json");
    for c in data.get("isotonic").arr() {
        let (s, w, g) = (c.get("s").vec(), c.get("w").vec(), c.get("g").vec());
        for (key, reg) in [("l2", Regularization::L2), ("kl", Regularization::Kl)] {
            let p = params(Op::Isotonic, reg, Direction::Ascending, 1.0);
            let e = c.get(key);
            assert_close(&forward(p, &s, Some(&w)), &e.get("solution").vec(), 1e-9, 1e-12, "isotonic");
            assert_close(&back(p, Mode::Jvp, &s, Some(&w), &g), &e.get("jvp_wrt_s").vec(), 1e-8, 1e-12, "iso jvp");
            assert_close(&back(p, Mode::Vjp, &s, Some(&w), &g), &e.get("vjp_wrt_s").vec(), 1e-8, 1e-12, "iso vjp");
        }
        let raw = c.get("raw_pav_decreasing_l2");
        let p = params(Op::Isotonic, Regularization::L2, Direction::Ascending, 1.0);
        assert_close(&forward(p, &raw.get("y").vec(), None), &raw.get("solution").vec(), 1e-12, 1e-12, "raw pav");
    }
    for c in data.get("projection").arr() {
        let (z, g) = (c.get("z").vec(), c.get("g").vec());
        for (key, reg) in [("l2", Regularization::L2), ("kl", Regularization::Kl)] {
            let e = c.get(key);
            let w = e.get("w_passed").vec();
            let p = params(Op::Projection, reg, Direction::Ascending, 1.0);
            assert_close(&forward(p, &z, Some(&w)), &e.get("out").vec(), 1e-9, 1e-12, "projection");
            assert_close(&back(p, Mode::Jvp, &z, Some(&w), &g), &e.get("jvp").vec(), 1e-8, 1e-12, "proj jvp");
            assert_close(&back(p, Mode::Vjp, &z, Some(&w), &g), &e.get("vjp").vec(), 1e-8, 1e-12, "proj vjp");
        }
    }
}

fn all_params() -> Vec<Params> {
    let mut v = Vec::new();
    for op in [Op::SoftRank, Op::SoftSort] {
        for reg in [Regularization::L2, Regularization::Kl] {
            for dir in [Direction::Ascending, Direction::Descending] {
                for strength in [0.3, 1.0, 5.0] {
                    v.push(params(op, reg, dir, strength));
                }
            }
        }
    }
    v
}

#[test]
fn finite_differences_and_dot_product() {
    let mut rng = Rng::new(7);
    for p in all_params() {
        for n in [1usize, 2, 5, 17] {
            let x = rng.normals(n);
            let (u, g) = (rng.normals(n), rng.normals(n));
            let jvp = back(p, Mode::Jvp, &x, None, &u);
            let vjp = back(p, Mode::Vjp, &x, None, &g);
            // dot-product test: ⟨g, J u⟩ = ⟨Jᵀ g, u⟩
            let (lhs, rhs) = (dot(&g, &jvp), dot(&vjp, &u));
            assert!((lhs - rhs).abs() <= 1e-12 * (1.0 + lhs.abs()), "{p:?} n={n}: {lhs} vs {rhs}");
            // central differences of the forward along u
            let h = 1e-6;
            let xp: Vec<f64> = x.iter().zip(&u).map(|(a, b)| a + h * b).collect();
            let xm: Vec<f64> = x.iter().zip(&u).map(|(a, b)| a - h * b).collect();
            let (fp, fm) = (forward(p, &xp, None), forward(p, &xm, None));
            let fd: Vec<f64> = fp.iter().zip(&fm).map(|(a, b)| (a - b) / (2.0 * h)).collect();
            assert_close(&jvp, &fd, 1e-5, 1e-6, &format!("{p:?} n={n} fd"));
        }
    }
}

#[test]
fn isotonic_and_projection_gradients() {
    let mut rng = Rng::new(11);
    for reg in [Regularization::L2, Regularization::Kl] {
        for op in [Op::Isotonic, Op::Projection] {
            let p = params(op, reg, Direction::Ascending, 1.0);
            let n = 9;
            let x = rng.normals(n);
            let w: Vec<f64> = (0..n).map(|i| (n - i) as f64 * 0.7).collect();
            let (u, g) = (rng.normals(n), rng.normals(n));
            let jvp = back(p, Mode::Jvp, &x, Some(&w), &u);
            let vjp = back(p, Mode::Vjp, &x, Some(&w), &g);
            assert!((dot(&g, &jvp) - dot(&vjp, &u)).abs() < 1e-12);
            let h = 1e-6;
            let xp: Vec<f64> = x.iter().zip(&u).map(|(a, b)| a + h * b).collect();
            let xm: Vec<f64> = x.iter().zip(&u).map(|(a, b)| a - h * b).collect();
            let (fp, fm) = (forward(p, &xp, Some(&w)), forward(p, &xm, Some(&w)));
            let fd: Vec<f64> = fp.iter().zip(&fm).map(|(a, b)| (a - b) / (2.0 * h)).collect();
            assert_close(&jvp, &fd, 1e-5, 1e-6, &format!("{op:?} {reg:?}"));
        }
    }
}

#[test]
fn invariants() {
    let mut rng = Rng::new(3);
    let n = 50;
    let x: Vec<f64> = rng.normals(n).iter().map(|v| v * 3.0).collect();
    let sum_x: f64 = x.iter().sum();
    for dir in [Direction::Ascending, Direction::Descending] {
        // The KL sort keeps Σ exp(sign·out) = Σ exp(sign·θ), sign = −1 ascending.
        let sign = if dir == Direction::Ascending { -1.0 } else { 1.0 };
        let sum_exp_x: f64 = x.iter().map(|v| (sign * v).exp()).sum();
        for strength in [0.01, 1.0, 100.0] {
            let l2 = forward(params(Op::SoftSort, Regularization::L2, dir, strength), &x, None);
            assert!((l2.iter().sum::<f64>() - sum_x).abs() < 1e-9);
            let kl = forward(params(Op::SoftSort, Regularization::Kl, dir, strength), &x, None);
            let se: f64 = kl.iter().map(|v| (sign * v).exp()).sum();
            assert!((se - sum_exp_x).abs() < 1e-9 * sum_exp_x);
            for reg in [Regularization::L2, Regularization::Kl] {
                let r = forward(params(Op::SoftRank, reg, dir, strength), &x, None);
                let total: f64 = r.iter().sum();
                assert!((total - (n * (n + 1) / 2) as f64).abs() < 1e-8, "{reg:?} {total}");
            }
        }
    }
    // With gaps > ε the L2 rank is exactly the hard rank.
    let x = [3.0, -1.0, 10.0, 0.5];
    let r = forward(params(Op::SoftRank, Regularization::L2, Direction::Ascending, 0.1), &x, None);
    assert_eq!(r, vec![3.0, 1.0, 4.0, 2.0]);
    let r = forward(params(Op::SoftRank, Regularization::L2, Direction::Descending, 0.1), &x, None);
    assert_eq!(r, vec![2.0, 4.0, 1.0, 3.0]);
    let s = forward(params(Op::SoftSort, Regularization::L2, Direction::Ascending, 0.01), &x, None);
    assert_close(&s, &[-1.0, 0.5, 3.0, 10.0], 1e-12, 1e-12, "hard sort");
    // Large ε: everything tends to the mean.
    let s = forward(params(Op::SoftSort, Regularization::L2, Direction::Ascending, 1e6), &x, None);
    assert_close(&s, &[3.125; 4], 0.0, 1e-5, "mean"); // offsets are ρ/ε ~ 1e-6
}

#[test]
fn huge_magnitudes_stay_finite() {
    let x = [1e300, -1e300, 5e299, 0.0, -7e299];
    for p in all_params() {
        let out = forward(p, &x, None);
        assert!(out.iter().all(|v| v.is_finite()), "{p:?}: {out:?}");
        let vjp = back(p, Mode::Vjp, &x, None, &[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert!(vjp.iter().all(|v| v.is_finite()), "{p:?}: {vjp:?}");
    }
}

#[test]
fn no_cancellation_between_scales() {
    // Singleton blocks return ρ (rank) or θ (sort) exactly, whatever the scale.
    let x = [1e300, -1e300, 5.0];
    for reg in [Regularization::L2, Regularization::Kl] {
        let r = forward(params(Op::SoftRank, reg, Direction::Ascending, 1.0), &x, None);
        assert_close(&r, &[3.0, 1.0, 2.0], 1e-15, 0.0, &format!("{reg:?} rank"));
    }
    let tiny = [3e-10, 1e-10, 2e-10];
    let s = forward(params(Op::SoftSort, Regularization::L2, Direction::Ascending, 1e-12), &tiny, None);
    assert_eq!(s, vec![1e-10, 2e-10, 3e-10]);
}

#[test]
fn batches_equal_rows() {
    let mut rng = Rng::new(5);
    let (rows, n) = (4, 13);
    let x = rng.normals(rows * n);
    for p in all_params() {
        let mut out = vec![0.0; rows * n];
        forward_batch(p, &x, None, rows, n, &mut out, None, &mut Scratch::new()).unwrap();
        for r in 0..rows {
            assert_eq!(&out[r * n..(r + 1) * n], &forward(p, &x[r * n..(r + 1) * n], None)[..]);
        }
    }
}

#[test]
fn bad_input_is_reported() {
    let p = params(Op::SoftRank, Regularization::L2, Direction::Ascending, 1.0);
    let mut sc = Scratch::new();
    let mut out = vec![0.0; 3];
    let e = forward_batch(p, &[1.0, f64::NAN, 2.0], None, 1, 3, &mut out, None, &mut sc).unwrap_err();
    assert_eq!(e.status, Status::NonFinite);
    let e = forward_batch(Params { strength: 0.0, ..p }, &[1.0, 2.0, 3.0], None, 1, 3, &mut out, None, &mut sc).unwrap_err();
    assert_eq!(e.status, Status::Domain);
    let e = forward_batch(Params { strength: f64::NAN, ..p }, &[1.0, 2.0, 3.0], None, 1, 3, &mut out, None, &mut sc).unwrap_err();
    assert_eq!(e.status, Status::Domain);
    let e = forward_batch(p, &[1.0, 2.0], None, 1, 3, &mut out, None, &mut sc).unwrap_err();
    assert_eq!(e.status, Status::Shape);
    // An unsorted w for the projection is a domain error on argument 1.
    let pp = params(Op::Projection, Regularization::L2, Direction::Ascending, 1.0);
    let e = forward_batch(pp, &[1.0, 2.0, 3.0], Some(&[1.0, 2.0, 3.0]), 1, 3, &mut out, None, &mut sc).unwrap_err();
    assert_eq!((e.status, e.arg), (Status::Domain, 1));
    // Empty input is fine.
    forward_batch(p, &[], None, 1, 0, &mut [], None, &mut sc).unwrap();
    forward_batch(p, &[], None, 0, 5, &mut [], None, &mut sc).unwrap();
    // Tampered state is refused, not a panic.
    let rec = record(p, &[3.0, 1.0, 2.0], None, 1, 3, &mut sc).unwrap();
    let bad_perm = vec![0u32, 7, 1];
    let st = super::ops::BatchStateRef { perm: &bad_perm, block_start: &rec.block_start, weights: &rec.weights };
    let e = backward_batch(p, Mode::Vjp, st, &rec.value, &[1.0; 3], 1, 3, &mut out, &mut sc).unwrap_err();
    assert_eq!(e.status, Status::Shape);
}

#[test]
fn hard_ranks_average_ties() {
    let x = [2.0, 1.0, 2.0, 5.0];
    let n = 4;
    let mut ranks = vec![0.0; n];
    hard_ranks(&x, &mut vec![0u64; n], &mut vec![0; n], &mut vec![0.0; n], &mut ranks);
    assert_eq!(ranks, vec![2.5, 1.0, 2.5, 4.0]);
}

#[test]
fn spearman_and_lts_values_and_gradients() {
    let mut rng = Rng::new(9);
    let (rows, n) = (3, 8);
    let pred = rng.normals(rows * n);
    let target = rng.normals(rows * n);
    let mut ls = LossScratch::new();
    // (kind, regularization): 0 = Spearman, 1 = soft LTS with k = 5.
    let eval = |kind: u8, reg, x: &[f64], v: &mut [f64], g: Option<&mut [f64]>, ls: &mut LossScratch| match kind {
        0 => spearman_batch(x, &target, rows, n, reg, 0.5, v, g, ls).unwrap(),
        _ => lts_batch(x, &target, rows, n, 5, reg, 0.5, v, g, ls).unwrap(),
    };
    let losses = [(0u8, Regularization::L2), (0, Regularization::Kl), (1, Regularization::L2), (1, Regularization::Kl)];
    for &(kind, reg) in &losses {
        let f = |x: &[f64], v: &mut [f64], g: Option<&mut [f64]>, ls: &mut LossScratch| eval(kind, reg, x, v, g, ls);
        let mut v = vec![0.0; rows];
        let mut g = vec![0.0; rows * n];
        f(&pred, &mut v, Some(&mut g), &mut ls);
        let dir = rng.normals(rows * n);
        let h = 1e-6;
        let xp: Vec<f64> = pred.iter().zip(&dir).map(|(a, b)| a + h * b).collect();
        let xm: Vec<f64> = pred.iter().zip(&dir).map(|(a, b)| a - h * b).collect();
        let (mut vp, mut vm) = (vec![0.0; rows], vec![0.0; rows]);
        f(&xp, &mut vp, None, &mut ls);
        f(&xm, &mut vm, None, &mut ls);
        let fd: f64 = vp.iter().zip(&vm).map(|(a, b)| (a - b) / (2.0 * h)).sum();
        let an = dot(&g, &dir);
        assert!((fd - an).abs() < 1e-6 * (1.0 + an.abs()), "{fd} vs {an}");
    }
    // Perfect agreement gives ρ = 1 with hard-rank-like soft ranks.
    let x: Vec<f64> = (0..n).map(|i| i as f64 * 10.0).collect();
    let mut v = vec![0.0];
    spearman_batch(&x, &x, 1, n, Regularization::L2, 0.1, &mut v, None, &mut ls).unwrap();
    assert!((v[0] - 1.0).abs() < 1e-12);
    let rev: Vec<f64> = x.iter().rev().cloned().collect();
    spearman_batch(&x, &rev, 1, n, Regularization::L2, 0.1, &mut v, None, &mut ls).unwrap();
    assert!((v[0] + 1.0).abs() < 1e-12);
}
