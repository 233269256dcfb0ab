//! Times the perturbed-optimizer kernels natively for bench/perturb.mjs.
//! Command line, batch mode and `--serve` protocol: see the crate docs
//! (src/lib.rs).
//!
//! A case is `oracle mode n samples`: oracle argmax | topk | path, mode
//! fwd | fwdbwd; for `path`, n = rows·cols of a square grid.
//!
//! Inputs (one per case; `--inputs` and `--seed` do not apply): θ_i = 1 + u_i
//! (u from SplitMix64 seeded 1), cotangent g_i = 2u − 1 (seed 2); noise:
//! Gaussian, ε = 0.5, seed 7 (top-k: k = n/10); the path case uses the
//! multiplicative perturbation, as for costs.

use std::hint::black_box;

use diffopt_core::perturb::{backward, forward, Config, ForwardOut, Noise, Oracle, Source, Tape, TapeRef, Work};
use diffopt_native_bench::{num, pick, Cli, Family, Io, Kernel, SplitMix64};

struct Perturb {
    cfg: Config,
    oracle: Oracle,
    n: usize,
    /// θ as the one input, the value as `out`.
    io: Io,
    se: Vec<f64>,
    gf: Vec<f64>,
    fv: Vec<f64>,
    fse: Vec<f64>,
    /// The backward pass replays the forward samples from a tape, as the
    /// TypeScript API does when the tape fits its memory budget.
    tz: Vec<f64>,
    ty: Vec<f64>,
    w: Work,
}

fn build(f: &[&str], _cli: &Cli) -> Result<Perturb, String> {
    let oracle = pick(f[0], &["argmax", "topk", "path"], "oracle")?;
    let bwd = pick(f[1], &["fwd", "fwdbwd"], "mode")? == "fwdbwd";
    let (n, samples): (usize, usize) = (num(f[2], "n")?, num(f[3], "samples")?);
    let (oracle, multiplicative, maximize) = match oracle {
        "argmax" => (Oracle::Argmax, false, true),
        "topk" => (Oracle::TopK((n / 10).max(1)), false, true),
        _ => {
            let side = (n as f64).sqrt() as usize;
            (Oracle::ShortestPath { rows: side, cols: side }, true, false)
        }
    };
    let mut r = SplitMix64(1);
    let theta: Vec<f64> = (0..n).map(|_| 1.0 + r.uniform()).collect();
    let mut r = SplitMix64(2);
    let g = (0..n).map(|_| 2.0 * r.uniform() - 1.0).collect();
    let tape = if bwd { samples * n } else { 0 };
    Ok(Perturb {
        cfg: Config { noise: Noise::Gaussian, epsilon: 0.5, samples, seed: 7, multiplicative, control_variate: true, maximize },
        oracle,
        n,
        io: Io::single(theta, g, bwd),
        se: vec![0.0; n],
        gf: vec![0.0; n],
        fv: vec![0.0],
        fse: vec![0.0],
        tz: vec![0.0; tape],
        ty: vec![0.0; tape],
        w: Work::new(),
    })
}

impl Kernel for Perturb {
    fn io(&self) -> &Io {
        &self.io
    }

    fn call_on(&mut self, _k: usize) {
        let Perturb { cfg, oracle, n, io, se, gf, fv, fse, tz, ty, w } = self;
        let Io { xs, gs, out: y, grad, bwd } = io;
        let (theta, g) = (&xs[0], &gs[0]);
        let src = Source::Builtin(*oracle);
        let out = ForwardOut { y, y_stderr: se, grad_f: gf, f: fv, f_stderr: fse };
        let tape = bwd.then(|| Tape { z: tz, y: ty });
        forward(cfg, src, black_box(theta), 1, *n, 0, out, tape, w).unwrap();
        if *bwd {
            let tape = Some(TapeRef { z: tz, y: ty });
            backward(cfg, src, true, theta, y, black_box(g), 1, *n, 0, tape, grad, w).unwrap();
        }
        io.keep();
    }
}

fn main() {
    diffopt_native_bench::main(Family {
        tool: "native-bench-perturb",
        syntax: "oracle mode n samples",
        example: "topk fwdbwd 1000 1000",
        options: &[],
        build,
    });
}
