//! Times the perturbed-optimizer kernels natively for bench/perturb.mjs.
//!
//! Usage: perturb [timing flags] CASE...   (CASE = `oracle mode n samples`,
//! oracle argmax | topk | path, mode fwd | fwdbwd; for `path`, n = rows·cols
//! of a square grid). Prints one JSON object per line (see the lib).
//!
//! Inputs: θ_i = 1 + u_i (u from SplitMix64 seeded 1), cotangent g_i = 2u − 1
//! (seed 2); noise: Gaussian, ε = 0.5, seed 7 (top-k: k = n/10); the path
//! case uses the multiplicative perturbation, as for costs.

use std::hint::black_box;

use diffopt_core::perturb::{backward, forward, Config, ForwardOut, Noise, Oracle, Source, Tape, TapeRef, Work};
use diffopt_native_bench::{json_case, SplitMix64, Timing};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let timing = Timing::from_args(&mut args).unwrap_or_else(|e| {
        eprintln!("perturb: {e}");
        std::process::exit(2)
    });
    for case in &args {
        let f: Vec<&str> = case.split([' ', ':', ',']).filter(|s| !s.is_empty()).collect();
        if f.len() != 4 {
            eprintln!("perturb: case `{case}` must be `oracle mode n samples`");
            std::process::exit(2);
        }
        let n: usize = f[2].parse().expect("n");
        let samples: usize = f[3].parse().expect("samples");
        let (oracle, multiplicative, maximize) = match f[0] {
            "argmax" => (Oracle::Argmax, false, true),
            "topk" => (Oracle::TopK((n / 10).max(1)), false, true),
            "path" => {
                let side = (n as f64).sqrt() as usize;
                (Oracle::ShortestPath { rows: side, cols: side }, true, false)
            }
            o => panic!("unknown oracle {o}"),
        };
        let bwd = f[1] == "fwdbwd";
        let cfg = Config { noise: Noise::Gaussian, epsilon: 0.5, samples, seed: 7, multiplicative, control_variate: true, maximize };
        let mut r = SplitMix64(1);
        let theta: Vec<f64> = (0..n).map(|_| 1.0 + r.uniform()).collect();
        let mut r = SplitMix64(2);
        let g: Vec<f64> = (0..n).map(|_| 2.0 * r.uniform() - 1.0).collect();
        let (mut y, mut se, mut gf, mut fv, mut fse, mut grad) = (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0], vec![0.0], vec![0.0; n]);
        let mut w = Work::new();
        let src = Source::Builtin(oracle);
        // The backward pass replays the forward samples from a tape, as the
        // TypeScript API does when the tape fits its memory budget.
        let (mut tz, mut ty) = (vec![0.0; if bwd { samples * n } else { 0 }], vec![0.0; if bwd { samples * n } else { 0 }]);
        let mut run = || {
            let out = ForwardOut { y: &mut y, y_stderr: &mut se, grad_f: &mut gf, f: &mut fv, f_stderr: &mut fse };
            let tape = bwd.then(|| Tape { z: &mut tz, y: &mut ty });
            forward(&cfg, src, black_box(&theta), 1, n, 0, out, tape, &mut w).unwrap();
            if bwd {
                let tape = Some(TapeRef { z: &tz, y: &ty });
                backward(&cfg, src, true, &theta, &y, black_box(&g), 1, n, 0, tape, &mut grad, &mut w).unwrap();
            }
        };
        run();
        let (ns, iters) = timing.measure(&mut run);
        let checksum = y.iter().sum::<f64>() + grad.iter().sum::<f64>();
        println!("{}", json_case(case, ns, iters, checksum));
    }
}
