//! Times the diffopt-core sort kernels compiled natively, so `bench/sort.mjs`
//! can print wasm/native ratios from one run.
//!
//! Usage:
//!   diffopt-native-bench [options] [CASE ...]
//!   (no CASE arguments: one case per line on stdin; blank lines and `#` ignored)
//!   diffopt-native-bench [options] --serve
//!   (batch server for interleaved timing, one request per stdin line, one
//!   reply line each: `case CASE` → `{"checksum":…,"per_call_ns":…}` after
//!   warm-up and calibration (also `digest`); `run K` → the mean ns per call of K calls)
//!
//! A case is `op reg mode rows n` (spaces, commas or colons between fields):
//!   op   = rank | sort       reg = l2 | kl       mode = fwd | fwdbwd
//!   e.g. `rank l2 fwdbwd 128 1000` or `rank:l2:fwdbwd:128:1000`.
//!
//! Options (the JS side uses the same timing scheme and inputs):
//!   --target-ms T   time per case after warm-up (default 200)
//!   --warmup-ms T   warm-up per case (default 30)
//!   --batches B     batches; the median per-call time is reported (default 7)
//!   --max-iters N   cap on calls per case, all batches together (default 1e6)
//!   --inputs K      distinct inputs cycled through (default 8)
//!   --seed S        PRNG seed (default 1)
//!   --strength E    ε (default 1)
//!
//! Output (stdout): one JSON object with `cases`, each with `median_ns` per
//! call (one call = one whole batch of `rows` rows), `iters`, `batches`,
//! `per_batch_ns`, `checksum` (a sum of outputs) and `digest` (a hash of
//! their bits, to check that wasm computes bit-identical results).
//!
//! Inputs: SplitMix64 → 53-bit uniforms u ∈ [0, 1); x = (u₁+u₂+u₃+u₄ − 2)·n/2
//! (std ≈ 0.29·n: mean gap ≈ 1 = ε, so PAV sees a mix of singleton and pooled
//! blocks); cotangents g = 2u − 1. Input k of a case uses seed
//! `seed + 1000·k` for x and `seed + 1000·k + 500` for g. bench/sort.mjs
//! implements exactly this and checks the checksums agree.

use std::hint::black_box;
use std::io::Read;
use std::time::Instant;

use diffopt_core::sort::ops::{BatchState, BatchStateRef};
use diffopt_core::sort::{backward_batch, forward_batch, Direction, Mode, Op, Params, Regularization, Scratch};

struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// The benchmark input x (len rows·n) for input index k.
fn gen_x(seed: u64, k: usize, len: usize, n: usize) -> Vec<f64> {
    let mut r = SplitMix64(seed.wrapping_add(1000 * k as u64));
    let scale = n as f64 / 2.0;
    (0..len)
        .map(|_| {
            let s = r.uniform() + r.uniform() + r.uniform() + r.uniform();
            (s - 2.0) * scale
        })
        .collect()
}

/// The cotangent g (len rows·n) for input index k.
fn gen_g(seed: u64, k: usize, len: usize) -> Vec<f64> {
    let mut r = SplitMix64(seed.wrapping_add(1000 * k as u64 + 500));
    (0..len).map(|_| 2.0 * r.uniform() - 1.0).collect()
}

#[derive(Clone, Copy)]
struct Opts {
    target_ms: f64,
    warmup_ms: f64,
    batches: usize,
    max_iters: usize,
    inputs: usize,
    seed: u64,
    strength: f64,
}

struct Case {
    op: &'static str,
    reg: &'static str,
    mode: &'static str,
    rows: usize,
    n: usize,
}

fn parse_case(s: &str) -> Result<Case, String> {
    let f: Vec<&str> = s.split(|c: char| c.is_whitespace() || c == ',' || c == ':').filter(|t| !t.is_empty()).collect();
    if f.len() != 5 {
        return Err(format!("case `{s}`: expected `op reg mode rows n`"));
    }
    let op = match f[0] {
        "rank" => "rank",
        "sort" => "sort",
        o => return Err(format!("case `{s}`: unknown op `{o}` (rank|sort)")),
    };
    let reg = match f[1] {
        "l2" => "l2",
        "kl" => "kl",
        o => return Err(format!("case `{s}`: unknown regularization `{o}` (l2|kl)")),
    };
    let mode = match f[2] {
        "fwd" => "fwd",
        "fwdbwd" => "fwdbwd",
        o => return Err(format!("case `{s}`: unknown mode `{o}` (fwd|fwdbwd)")),
    };
    let rows = f[3].parse().map_err(|_| format!("case `{s}`: bad rows"))?;
    let n = f[4].parse().map_err(|_| format!("case `{s}`: bad n"))?;
    Ok(Case { op, reg, mode, rows, n })
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let m = s.len() / 2;
    if s.len() % 2 == 1 {
        s[m]
    } else {
        0.5 * (s[m - 1] + s[m])
    }
}

/// One case ready to run: inputs, outputs and state buffers, scratch.
struct Bench {
    p: Params,
    rows: usize,
    n: usize,
    bwd: bool,
    xs: Vec<Vec<f64>>,
    gs: Vec<Vec<f64>>,
    out: Vec<f64>,
    grad: Vec<f64>,
    perm: Vec<u32>,
    block_start: Vec<u32>,
    weights: Vec<f64>,
    sc: Scratch,
    next: usize,
}

impl Bench {
    fn new(c: &Case, o: &Opts) -> Self {
        let (rows, n) = (c.rows, c.n);
        let total = rows * n;
        let p = Params {
            op: if c.op == "rank" { Op::SoftRank } else { Op::SoftSort },
            reg: if c.reg == "l2" { Regularization::L2 } else { Regularization::Kl },
            dir: Direction::Ascending,
            strength: o.strength,
        };
        Bench {
            p,
            rows,
            n,
            bwd: c.mode == "fwdbwd",
            xs: (0..o.inputs).map(|k| gen_x(o.seed, k, total, n)).collect(),
            gs: (0..o.inputs).map(|k| gen_g(o.seed, k, total)).collect(),
            out: vec![0.0; total],
            grad: vec![0.0; total],
            perm: vec![0; total],
            block_start: vec![0; total],
            weights: vec![0.0; total],
            sc: Scratch::new(),
            next: 0,
        }
    }

    /// One call on input k: forward, or forward with state + vjp.
    fn call_on(&mut self, k: usize) {
        let Bench { p, rows, n, xs, gs, out, grad, perm, block_start, weights, sc, .. } = self;
        if self.bwd {
            let st = BatchState { perm, block_start, weights };
            forward_batch(*p, black_box(&xs[k]), None, *rows, *n, out, Some(st), sc).unwrap();
            let st = BatchStateRef { perm, block_start, weights };
            backward_batch(*p, Mode::Vjp, st, out, black_box(&gs[k]), *rows, *n, grad, sc).unwrap();
        } else {
            forward_batch(*p, black_box(&xs[k]), None, *rows, *n, out, None, sc).unwrap();
        }
        black_box(&self.out);
        black_box(&self.grad);
    }

    /// The next call, cycling through the inputs.
    fn call(&mut self) {
        let k = self.next;
        self.next = (k + 1) % self.xs.len();
        self.call_on(k);
    }

    /// Over one pass of every input, in input order: Σ outputs (and
    /// gradients), and a digest of their bits (FNV-1a, 32-bit, over the low
    /// then high word of each f64) that must match the wasm one exactly.
    fn checksum(&mut self) -> (f64, u32) {
        let mut sum = 0.0;
        let mut h = 0x811c_9dc5u32;
        let mut eat = |v: &[f64], sum: &mut f64| {
            for &x in v {
                *sum += x;
                let b = x.to_bits();
                for w in [b as u32, (b >> 32) as u32] {
                    h = (h ^ w).wrapping_mul(0x0100_0193);
                }
            }
        };
        for k in 0..self.xs.len() {
            self.call_on(k);
            eat(&self.out, &mut sum);
            if self.bwd {
                eat(&self.grad, &mut sum);
            }
        }
        (sum, h)
    }

    /// Mean ns per call of k calls.
    fn run(&mut self, k: usize) -> f64 {
        let t = Instant::now();
        for _ in 0..k {
            self.call();
        }
        t.elapsed().as_nanos() as f64 / k.max(1) as f64
    }

    /// Warm-up, then an estimate of one call's ns.
    fn calibrate(&mut self, warmup_ms: f64) -> f64 {
        let t0 = Instant::now();
        let mut i = 0;
        while i < 2 || t0.elapsed().as_secs_f64() * 1e3 < warmup_ms {
            self.call();
            i += 1;
        }
        let t = Instant::now();
        let mut j = 0usize;
        while j < 1 || t.elapsed().as_secs_f64() * 1e3 < 10.0 {
            self.call();
            j += 1;
        }
        t.elapsed().as_nanos() as f64 / j as f64
    }
}

fn run_case(c: &Case, o: &Opts) -> String {
    let mut b = Bench::new(c, o);
    let (checksum, digest) = b.checksum();
    let per_call_ms = b.calibrate(o.warmup_ms) / 1e6;
    let per_batch = (o.target_ms / o.batches as f64 / per_call_ms).ceil() as usize;
    let k = per_batch.clamp(1, (o.max_iters / o.batches).max(1));
    let times: Vec<f64> = (0..o.batches).map(|_| b.run(k)).collect();
    let per_batch: Vec<String> = times.iter().map(|t| format!("{t:.1}")).collect();
    format!(
        "{{\"op\":\"{}\",\"reg\":\"{}\",\"mode\":\"{}\",\"rows\":{},\"n\":{},\"median_ns\":{:.1},\"iters\":{},\"batches\":{},\"per_batch_ns\":[{}],\"checksum\":{:e},\"digest\":{}}}",
        c.op,
        c.reg,
        c.mode,
        c.rows,
        c.n,
        median(&times),
        k * o.batches,
        o.batches,
        per_batch.join(","),
        checksum,
        digest
    )
}

/// The `--serve` loop: see the module docs.
fn serve(o: &Opts) {
    use std::io::{BufRead, Write};
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout();
    let mut bench: Option<Bench> = None;
    for line in stdin.lock().lines() {
        let line = line.unwrap_or_default();
        let line = line.trim();
        let reply = if let Some(rest) = line.strip_prefix("case ") {
            match parse_case(rest) {
                Ok(c) => {
                    let mut b = Bench::new(&c, o);
                    let (checksum, digest) = b.checksum();
                    let est = b.calibrate(o.warmup_ms);
                    bench = Some(b);
                    format!("{{\"checksum\":{checksum:e},\"digest\":{digest},\"per_call_ns\":{est:.1}}}")
                }
                Err(e) => format!("{{\"error\":{e:?}}}"),
            }
        } else if let Some(k) = line.strip_prefix("run ") {
            match (&mut bench, k.trim().parse::<usize>()) {
                (Some(b), Ok(k)) => format!("{:.1}", b.run(k)),
                _ => "{\"error\":\"run needs a case and a count\"}".to_string(),
            }
        } else if line.is_empty() {
            continue;
        } else {
            format!("{{\"error\":{:?}}}", format!("unknown request {line}"))
        };
        if writeln!(stdout, "{reply}").and_then(|_| stdout.flush()).is_err() {
            return;
        }
    }
}

fn main() {
    let mut o = Opts { target_ms: 200.0, warmup_ms: 30.0, batches: 7, max_iters: 1_000_000, inputs: 8, seed: 1, strength: 1.0 };
    let mut case_args = Vec::new();
    let mut serving = false;
    let mut args = std::env::args().skip(1);
    let fail = |msg: String| -> ! {
        eprintln!("diffopt-native-bench: {msg}");
        std::process::exit(2);
    };
    while let Some(a) = args.next() {
        let mut val = |name: &str| args.next().unwrap_or_else(|| fail(format!("{name} needs a value")));
        match a.as_str() {
            "--target-ms" => o.target_ms = val(&a).parse().unwrap_or_else(|_| fail("bad --target-ms".into())),
            "--warmup-ms" => o.warmup_ms = val(&a).parse().unwrap_or_else(|_| fail("bad --warmup-ms".into())),
            "--batches" => o.batches = val(&a).parse().unwrap_or_else(|_| fail("bad --batches".into())),
            "--max-iters" => o.max_iters = val(&a).parse().unwrap_or_else(|_| fail("bad --max-iters".into())),
            "--inputs" => o.inputs = val(&a).parse().unwrap_or_else(|_| fail("bad --inputs".into())),
            "--seed" => o.seed = val(&a).parse().unwrap_or_else(|_| fail("bad --seed".into())),
            "--strength" => o.strength = val(&a).parse().unwrap_or_else(|_| fail("bad --strength".into())),
            "--serve" => serving = true,
            "-h" | "--help" => {
                println!("usage: diffopt-native-bench [--target-ms T] [--warmup-ms T] [--batches B] [--max-iters N] [--inputs K] [--seed S] [--strength E] (--serve | [CASE ...])\nCASE: `op reg mode rows n`, e.g. `rank l2 fwdbwd 128 1000`; none given: read cases from stdin, one per line");
                return;
            }
            s if s.starts_with("--") => fail(format!("unknown option {s}")),
            _ => case_args.push(a),
        }
    }
    if o.batches == 0 || o.inputs == 0 {
        fail("--batches and --inputs must be ≥ 1".into());
    }
    if serving {
        serve(&o);
        return;
    }
    if case_args.is_empty() {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).unwrap_or_else(|e| fail(format!("reading stdin: {e}")));
        case_args = s.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(String::from).collect();
    }
    let cases: Vec<Case> = case_args.iter().map(|s| parse_case(s).unwrap_or_else(|e| fail(e))).collect();
    let results: Vec<String> = cases.iter().map(|c| run_case(c, &o)).collect();
    println!(
        "{{\"tool\":\"diffopt-native-bench\",\"arch\":\"{}\",\"os\":\"{}\",\"target_ms\":{},\"batches\":{},\"inputs\":{},\"seed\":{},\"strength\":{},\"cases\":[\n{}\n]}}",
        std::env::consts::ARCH,
        std::env::consts::OS,
        o.target_ms,
        o.batches,
        o.inputs,
        o.seed,
        o.strength,
        results.join(",\n")
    );
}
