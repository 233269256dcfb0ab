//! Times the diffopt-core sort kernels compiled natively, so `bench/sort.mjs`
//! can print wasm/native ratios from one run. Command line, batch mode and
//! `--serve` protocol: see the crate docs (src/lib.rs); own option
//! `--strength E` (ε, default 1).
//!
//! A case is `op reg mode rows n`:
//!   op   = rank | sort       reg = l2 | kl       mode = fwd | fwdbwd
//!   e.g. `rank l2 fwdbwd 128 1000` or `rank:l2:fwdbwd:128:1000`. One call
//!   is one whole batch of `rows` rows; fwdbwd = forward with state, then
//!   the vjp of a cotangent.
//!
//! Inputs: x = (u₁+u₂+u₃+u₄ − 2)·n/2 (std ≈ 0.29·n: mean gap ≈ 1 = ε, so
//! PAV sees a mix of singleton and pooled blocks), cotangents g = 2u − 1
//! (`Io::generated`); bench/sort.mjs generates exactly the same and
//! checks the digests agree.

use std::hint::black_box;

use diffopt_core::sort::ops::{BatchState, BatchStateRef};
use diffopt_core::sort::{backward_batch, forward_batch, Direction, Mode, Op, Params, Regularization, Scratch};
use diffopt_native_bench::{num, pick, Cli, Family, Io, Kernel};

/// One case ready to run: inputs, outputs and state buffers, scratch.
struct Sort {
    p: Params,
    rows: usize,
    n: usize,
    io: Io,
    perm: Vec<u32>,
    block_start: Vec<u32>,
    weights: Vec<f64>,
    sc: Scratch,
}

fn build(f: &[&str], cli: &Cli) -> Result<Sort, String> {
    let op = pick(f[0], &["rank", "sort"], "op")?;
    let reg = pick(f[1], &["l2", "kl"], "regularization")?;
    let mode = pick(f[2], &["fwd", "fwdbwd"], "mode")?;
    let (rows, n): (usize, usize) = (num(f[3], "rows")?, num(f[4], "n")?);
    let total = rows * n;
    let p = Params {
        op: if op == "rank" { Op::SoftRank } else { Op::SoftSort },
        reg: if reg == "l2" { Regularization::L2 } else { Regularization::Kl },
        dir: Direction::Ascending,
        strength: cli.value("--strength"),
    };
    Ok(Sort {
        p,
        rows,
        n,
        io: Io::generated(cli, total, n as f64 / 2.0, mode == "fwdbwd"),
        perm: vec![0; total],
        block_start: vec![0; total],
        weights: vec![0.0; total],
        sc: Scratch::new(),
    })
}

impl Kernel for Sort {
    fn io(&self) -> &Io {
        &self.io
    }

    /// One call on input k: forward, or forward with state + vjp.
    fn call_on(&mut self, k: usize) {
        let Sort { p, rows, n, io, perm, block_start, weights, sc } = self;
        let Io { xs, gs, out, grad, bwd } = io;
        if *bwd {
            let st = BatchState { perm, block_start, weights };
            forward_batch(*p, black_box(&xs[k]), None, *rows, *n, out, Some(st), sc).unwrap();
            let st = BatchStateRef { perm, block_start, weights };
            backward_batch(*p, Mode::Vjp, st, out, black_box(&gs[k]), *rows, *n, grad, sc).unwrap();
        } else {
            forward_batch(*p, black_box(&xs[k]), None, *rows, *n, out, None, sc).unwrap();
        }
        io.keep();
    }
}

fn main() {
    diffopt_native_bench::main(Family {
        tool: "native-bench-sort",
        syntax: "op reg mode rows n",
        example: "rank l2 fwdbwd 128 1000",
        options: &[("--strength", 1.0)],
        build,
    });
}
