//! Times the Lasso family compiled natively, so `bench/lasso.mjs` can print
//! wasm/native ratios from one run. The problems are whole hyperparameter
//! tasks rather than batched kernels, so this is its own binary (the sort
//! and FY benchmarks time kernels on batches).
//!
//! Usage: native-bench-lasso DATAFILE [--target-ms T]
//!
//! DATAFILE (written by bench/lasso.mjs, little-endian f64 throughout):
//!   n, nv, p, X (n·p row-major), y (n), X_val (nv·p), y_val (nv),
//!   h (log λ of the single hypergradients), h0 (start of the search),
//!   max_evals, count, points (count log λ values of the grid).
//! JavaScript chooses every number, so both sides run bit-identical inputs.
//!
//! Times, each run back to back until T milliseconds (default 200) have
//! passed (at least once), reporting the mean per run (`mean_until` of the
//! crate):
//!   * one hypergradient at h per algorithm, from a fresh session (data copy
//!     included, as the wasm API does);
//!   * the grid: criterion values at `points` in order, warm-started;
//!   * gradient search (line search, implicit forward) from h0, recording
//!     per-step elapsed time (mean over runs), value and inner solves.
//! bench/lasso.mjs runs the same loops on the wasm side.
//! Output (stdout): one JSON object; values are printed with 17 significant
//! digits so the JS side can check they equal the wasm ones bit for bit.

use std::time::Instant;

use diffopt_core::lasso::criteria::HeldOut;
use diffopt_core::lasso::hypergrad::JacOptions;
use diffopt_core::lasso::search::{GradSearch, Optimizer, SearchOptions};
use diffopt_core::lasso::session::{Criterion, Part, Session, Spec};
use diffopt_core::lasso::solvers::SolveOptions;
use diffopt_core::lasso::{Algorithm, Model};
use diffopt_native_bench::{json_f64, mean_until, Timing};

struct Data {
    n: usize,
    nv: usize,
    p: usize,
    x: Vec<f64>,
    y: Vec<f64>,
    xv: Vec<f64>,
    yv: Vec<f64>,
    h: f64,
    h0: f64,
    max_evals: usize,
    points: Vec<f64>,
}

fn read(path: &str) -> Data {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let vals: Vec<f64> = bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect();
    let mut at = 0;
    let mut take = |k: usize| {
        let s = vals[at..at + k].to_vec();
        at += k;
        s
    };
    let head = take(3);
    let (n, nv, p) = (head[0] as usize, head[1] as usize, head[2] as usize);
    let x = take(n * p);
    let y = take(n);
    let xv = take(nv * p);
    let yv = take(nv);
    let h = take(1)[0];
    let h0 = take(1)[0];
    let max_evals = take(1)[0] as usize;
    let count = take(1)[0] as usize;
    let points = take(count);
    Data { n, nv, p, x, y, xv, yv, h, h0, max_evals, points }
}

fn spec(d: &Data, algorithm: Algorithm) -> Spec<'_> {
    Spec {
        model: Model::Lasso,
        criterion: Criterion::HeldOut(HeldOut::Mse),
        folds: 0,
        part: Part::All,
        algorithm,
        x: &d.x,
        y: &d.y,
        n: d.n,
        p: d.p,
        xv: &d.xv,
        yv: &d.yv,
        nv: d.nv,
        sigma: 0.0,
        epsilon: 0.0,
        seed: 0,
        // the defaults of the TypeScript API
        opts: SolveOptions { tol: 1e-8, max_iter: 10_000, polish: true },
        jopts: JacOptions { tol: 1e-10, max_iter: 10_000 },
    }
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let timing = Timing::from_args(&mut args).unwrap_or_else(|e| {
        eprintln!("native-bench-lasso: {e}");
        std::process::exit(2)
    });
    let [path] = &args[..] else {
        eprintln!("usage: native-bench-lasso DATAFILE [--target-ms T]");
        std::process::exit(2)
    };
    let target = timing.target_ms;
    let d = read(path);
    let algos = [
        ("implicit-forward", Algorithm::ImplicitForward),
        ("forward", Algorithm::Forward),
        ("backward", Algorithm::Backward),
        ("implicit", Algorithm::Implicit),
    ];
    let mut out = String::from("{\"hypergradient\":{");
    for (i, (name, algo)) in algos.iter().enumerate() {
        let (mut value, mut grad) = (0.0, [0.0]);
        let ns = mean_until(target, || {
            let mut s = Session::new(&spec(&d, *algo)).unwrap();
            value = s.evaluate(&[d.h], Some(&mut grad)).unwrap().value;
        });
        if i > 0 {
            out.push(',');
        }
        out += &format!("\"{name}\":{{\"median_ns\":{ns},\"value\":{},\"grad\":{}}}", json_f64(value), json_f64(grad[0]));
    }
    out.push_str("},");

    // Grid
    let mut values = vec![0.0; d.points.len()];
    let ns = mean_until(target, || {
        let mut s = Session::new(&spec(&d, Algorithm::ImplicitForward)).unwrap();
        for (i, &h) in d.points.iter().enumerate() {
            values[i] = s.evaluate(&[h], None).unwrap().value;
        }
    });
    let vals: Vec<String> = values.iter().map(|&v| json_f64(v)).collect();
    out += &format!("\"grid\":{{\"median_ns\":{ns},\"values\":[{}]}},", vals.join(","));

    // Gradient search: per-step elapsed times, summed over runs.
    let mut sums: Vec<f64> = Vec::new();
    let mut path: Vec<(f64, usize)> = Vec::new();
    let mut runs = 0u32;
    mean_until(target, || {
        let t = Instant::now();
        let mut s = Session::new(&spec(&d, Algorithm::ImplicitForward)).unwrap();
        let lmax = s.lambda_max.ln();
        let opts = SearchOptions { optimizer: Optimizer::LineSearch, max_evals: d.max_evals, tol: 1e-5, step: 0.0, lo: lmax - 12.0, hi: lmax };
        let mut gs = GradSearch::new(&[d.h0], opts).unwrap();
        let (mut pt, mut g) = ([0.0], [0.0]);
        let mut solves = 0;
        path.clear();
        let mut k = 0;
        while !gs.done {
            let st = gs.step(&mut s, &mut pt, &mut g).unwrap();
            solves += st.info.solves;
            let el = t.elapsed().as_nanos() as f64;
            if sums.len() <= k {
                sums.push(0.0);
            }
            sums[k] += el;
            k += 1;
            path.push((st.info.value, solves));
        }
        runs += 1;
    });
    let items: Vec<String> = path
        .iter()
        .enumerate()
        .map(|(k, &(v, solves))| format!("{{\"time_ns\":{},\"value\":{},\"solves\":{solves}}}", sums[k] / runs as f64, json_f64(v)))
        .collect();
    out += &format!("\"search\":[{}]}}", items.join(","));
    println!("{out}");
}
