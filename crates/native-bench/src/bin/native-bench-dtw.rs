//! Times the diffopt-core soft-DTW kernels compiled natively, so
//! `bench/dtw.mjs` can print wasm/native ratios from one run. Command line,
//! batch mode and `--serve` protocol (whose `run K` reply carries thread CPU
//! time, which bench/dtw.mjs reports): see the crate docs (src/lib.rs); own
//! option `--gamma G` (default 1).
//!
//! A case is `op mode m n d`:
//!   op   = sdtw | div | pairwise       mode = val | grad
//!   sdtw/div: one pair X (m×d), Y (n×d); `grad` = value + ∂/∂X and ∂/∂Y
//!   (what `softDtw.vjp` computes). pairwise: m series against m series,
//!   all of length n (m² pairs), soft-DTW values, e.g. `pairwise val 8 128 1`.
//!
//! Inputs: frames x = (u₁+u₂+u₃+u₄ − 2)·√3 (mean 0, variance 1 per
//! coordinate); input k uses seed `seed + 1000·k` for X and
//! `seed + 1000·k + 500` for Y. bench/dtw.mjs generates exactly the same.
//! Digested: the value (or the m² pairwise values), then ∂/∂X and ∂/∂Y.

use std::hint::black_box;

use diffopt_core::dtw::pairwise::{pairwise, Metric};
use diffopt_core::dtw::{pair, CostKind, Options, PairOp, Scratch};
use diffopt_native_bench::{gen_x, pick, Cli, Family, Io, Kernel};

/// One case. In its `Io`, `xs`/`gs` are the X/Y inputs, `out` the value (or
/// the pairwise matrix) and `grad` ∂/∂X followed by ∂/∂Y.
struct Dtw {
    op: Option<PairOp>, // None: pairwise
    m: usize,
    n: usize,
    d: usize,
    o: Options,
    io: Io,
    lens: Vec<u32>,
    sc: Scratch,
}

fn build(f: &[&str], cli: &Cli) -> Result<Dtw, String> {
    let op = match pick(f[0], &["sdtw", "div", "pairwise"], "op")? {
        "sdtw" => Some(PairOp::SoftDtw),
        "div" => Some(PairOp::Divergence),
        _ => None,
    };
    let grad = pick(f[1], &["val", "grad"], "mode")? == "grad";
    let size = |t: &str, what: &str| t.parse::<usize>().ok().filter(|&v| v > 0).ok_or(format!("bad {what} `{t}`"));
    let (m, n, d) = (size(f[2], "m")?, size(f[3], "n")?, size(f[4], "d")?);
    if op.is_none() && grad {
        return Err("pairwise has no grad mode".into());
    }
    let (lx, ly) = if op.is_none() { (m * n * d, m * n * d) } else { (m * d, n * d) };
    let scale = 3f64.sqrt();
    let io = Io {
        xs: (0..cli.inputs).map(|k| gen_x(cli.seed, k, lx, scale)).collect(),
        gs: (0..cli.inputs).map(|k| gen_x(cli.seed.wrapping_add(500), k, ly, scale)).collect(),
        out: vec![0.0; if op.is_none() { m * m } else { 1 }],
        grad: vec![0.0; if grad { lx + ly } else { 0 }],
        bwd: grad,
    };
    let o = Options { gamma: cli.value("--gamma"), cost: CostKind::SqEuclidean, band: None };
    Ok(Dtw { op, m, n, d, o, io, lens: vec![n as u32; m], sc: Scratch::new() })
}

impl Kernel for Dtw {
    fn io(&self) -> &Io {
        &self.io
    }

    fn call_on(&mut self, k: usize) {
        let Dtw { op, m, n, d, o, io, lens, sc } = self;
        let Io { xs, gs, out, grad, bwd } = io;
        let (x, y) = (black_box(&xs[k][..]), black_box(&gs[k][..]));
        match op {
            None => pairwise(Metric::Op(PairOp::SoftDtw), x, lens, Some((y, lens)), *d, o, out, sc).unwrap(),
            Some(p) => {
                let (gx, gy) = grad.split_at_mut(if *bwd { x.len() } else { 0 });
                let (g1, g2) = if *bwd { (Some(gx), Some(gy)) } else { (None, None) };
                out[0] = pair(*p, x, *m, y, *n, *d, o, g1, g2, None, sc).unwrap();
            }
        }
        io.keep();
    }
}

fn main() {
    diffopt_native_bench::main(Family {
        tool: "native-bench-dtw",
        syntax: "op mode m n d",
        example: "sdtw grad 1024 1024 1",
        options: &[("--gamma", 1.0)],
        build,
    });
}
