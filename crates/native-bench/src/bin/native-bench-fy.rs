//! Times the diffopt-core Fenchel-Young maps compiled natively, so
//! `bench/fy.mjs` can print wasm/native ratios from one run. Command line,
//! batch mode and `--serve` protocol: see the crate docs (src/lib.rs).
//!
//! A case is `map mode rows n`:
//!   map = softmax | sparsemax | entmax15     mode = fwd | fwdbwd
//!   e.g. `entmax15 fwdbwd 1024 1000`. One call is one whole batch;
//!   fwdbwd = forward, then the vjp of a cotangent (the Jacobians are
//!   symmetric: one backward kernel).
//!
//! Inputs: logits x = (u₁+u₂+u₃+u₄ − 2)·√3 (mean 0, variance 1: softmax is
//! spread out, sparsemax keeps a handful of entries per row, entmax-1.5 a
//! few dozen), cotangents g = 2u − 1 (`Io::generated`); bench/fy.mjs
//! generates exactly the same and checks the digests agree.

use std::hint::black_box;

use diffopt_core::fy::maps::{backward_batch, forward_batch, Map};
use diffopt_core::fy::Scratch;
use diffopt_native_bench::{num, pick, Cli, Family, Io, Kernel};

/// One case with its inputs and buffers.
struct Fy {
    map: Map,
    rows: usize,
    n: usize,
    io: Io,
    sc: Scratch,
}

fn build(f: &[&str], cli: &Cli) -> Result<Fy, String> {
    let map = match pick(f[0], &["softmax", "sparsemax", "entmax15"], "map")? {
        "softmax" => Map::Softmax,
        "sparsemax" => Map::Sparsemax,
        _ => Map::Entmax(1.5),
    };
    let mode = pick(f[1], &["fwd", "fwdbwd"], "mode")?;
    let (rows, n): (usize, usize) = (num(f[2], "rows")?, num(f[3], "n")?);
    let total = rows * n;
    Ok(Fy {
        map,
        rows,
        n,
        io: Io::generated(cli, total, 3f64.sqrt(), mode == "fwdbwd"),
        sc: Scratch::new(),
    })
}

impl Kernel for Fy {
    fn io(&self) -> &Io {
        &self.io
    }

    fn call_on(&mut self, k: usize) {
        let Fy { map, rows, n, io, sc } = self;
        let Io { xs, gs, out, grad, bwd } = io;
        forward_batch(*map, black_box(&xs[k]), *rows, *n, out, sc).unwrap();
        if *bwd {
            backward_batch(*map, out, black_box(&gs[k]), *rows, *n, grad).unwrap();
        }
        io.keep();
    }
}

fn main() {
    diffopt_native_bench::main(Family {
        tool: "native-bench-fy",
        syntax: "map mode rows n",
        example: "entmax15 fwdbwd 1024 1000",
        options: &[],
        build,
    });
}
