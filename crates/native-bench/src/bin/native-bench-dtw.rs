//! Times the diffopt-core soft-DTW kernels compiled natively, so
//! `bench/dtw.mjs` can print wasm/native ratios from one run. Same CLI,
//! timing scheme and JSON shape as the other native benchmarks.
//!
//! Usage:
//!   native-bench-dtw [options] [CASE ...]
//!   (no CASE arguments: one case per line on stdin; blank lines and `#` ignored)
//!   native-bench-dtw [options] --serve
//!   (batch server for interleaved timing, one request per stdin line, one
//!   reply line each: `case CASE` → `{"checksum":…,"digest":…,"per_call_ns":…}`
//!   after warm-up and calibration; `run K` → the mean wall and thread-CPU
//!   ns per call of K calls, `WALL CPU`)
//!
//! A case is `op mode m n d` (spaces, commas or colons between fields):
//!   op   = sdtw | div | pairwise       mode = val | grad
//!   sdtw/div: one pair X (m×d), Y (n×d); `grad` = value + ∂/∂X and ∂/∂Y
//!   (what `softDtw.vjp` computes). pairwise: m series against m series,
//!   all of length n (m² pairs), soft-DTW values, e.g. `pairwise val 8 128 1`.
//!
//! Options: --target-ms T (default 200), --warmup-ms T (30), --batches B (7),
//! --max-iters N (1e6), --inputs K (8), --seed S (1), --gamma G (1);
//! --calls N runs exactly N calls per case and prints nothing (for profilers).
//!
//! Output (stdout): one JSON object with `cases`, each with `median_ns` per
//! call, `iters`, `batches`, `per_batch_ns`, `checksum` (Σ values and
//! gradients over the inputs) and `digest` (FNV-1a of their bits: wasm must
//! compute bit-identical results).
//!
//! Inputs: SplitMix64 → 53-bit uniforms u ∈ [0, 1); frames
//! x = (u₁+u₂+u₃+u₄ − 2)·√3 (mean 0, variance 1 per coordinate). Input k
//! uses seed `seed + 1000·k` for X and `seed + 1000·k + 500` for Y.
//! bench/dtw.mjs generates exactly the same.

use std::hint::black_box;
use std::io::Read;
use std::time::Instant;

use diffopt_core::dtw::pairwise::{pairwise, Metric};
use diffopt_core::dtw::{pair, CostKind, Options, PairOp, Scratch};
use diffopt_native_bench::{median, SplitMix64};

/// CPU time of this thread (ns), Linux; wall time elsewhere.
#[cfg(target_os = "linux")]
fn thread_cpu_ns() -> f64 {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = Timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes one Timespec; the clock id is valid on Linux.
    if unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0 {
        ts.tv_sec as f64 * 1e9 + ts.tv_nsec as f64
    } else {
        f64::NAN
    }
}

#[cfg(not(target_os = "linux"))]
fn thread_cpu_ns() -> f64 {
    f64::NAN
}

fn gen(seed: u64, len: usize) -> Vec<f64> {
    let mut r = SplitMix64(seed);
    let scale = 3f64.sqrt();
    (0..len)
        .map(|_| {
            let s = r.uniform() + r.uniform() + r.uniform() + r.uniform();
            (s - 2.0) * scale
        })
        .collect()
}

struct Opts {
    target_ms: f64,
    warmup_ms: f64,
    batches: usize,
    max_iters: usize,
    inputs: usize,
    seed: u64,
    gamma: f64,
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Sdtw,
    Div,
    Pairwise,
}

struct Case {
    op: Op,
    name: &'static str,
    grad: bool,
    m: usize,
    n: usize,
    d: usize,
}

fn parse_case(s: &str) -> Result<Case, String> {
    let f: Vec<&str> = s.split(|c: char| c.is_whitespace() || c == ',' || c == ':').filter(|t| !t.is_empty()).collect();
    if f.len() != 5 {
        return Err(format!("case `{s}`: expected `op mode m n d`"));
    }
    let (op, name) = match f[0] {
        "sdtw" => (Op::Sdtw, "sdtw"),
        "div" => (Op::Div, "div"),
        "pairwise" => (Op::Pairwise, "pairwise"),
        o => return Err(format!("case `{s}`: unknown op `{o}` (sdtw|div|pairwise)")),
    };
    let grad = match f[1] {
        "val" => false,
        "grad" => true,
        o => return Err(format!("case `{s}`: unknown mode `{o}` (val|grad)")),
    };
    let num = |t: &str, what: &str| t.parse::<usize>().ok().filter(|&v| v > 0).ok_or(format!("case `{s}`: bad {what}"));
    let (m, n, d) = (num(f[2], "m")?, num(f[3], "n")?, num(f[4], "d")?);
    if op == Op::Pairwise && grad {
        return Err(format!("case `{s}`: pairwise has no grad mode"));
    }
    Ok(Case { op, name, grad, m, n, d })
}

/// One case with its inputs and buffers.
struct Bench {
    op: Op,
    grad: bool,
    m: usize,
    n: usize,
    d: usize,
    o: Options,
    xs: Vec<Vec<f64>>,
    ys: Vec<Vec<f64>>,
    lens: Vec<u32>,
    value: f64,
    gx: Vec<f64>,
    gy: Vec<f64>,
    out: Vec<f64>,
    sc: Scratch,
    next: usize,
}

impl Bench {
    fn new(c: &Case, o: &Opts) -> Self {
        let (lx, ly) = match c.op {
            Op::Pairwise => (c.m * c.n * c.d, c.m * c.n * c.d),
            _ => (c.m * c.d, c.n * c.d),
        };
        Bench {
            op: c.op,
            grad: c.grad,
            m: c.m,
            n: c.n,
            d: c.d,
            o: Options { gamma: o.gamma, cost: CostKind::SqEuclidean, band: None },
            xs: (0..o.inputs).map(|k| gen(o.seed.wrapping_add(1000 * k as u64), lx)).collect(),
            ys: (0..o.inputs).map(|k| gen(o.seed.wrapping_add(1000 * k as u64 + 500), ly)).collect(),
            lens: vec![c.n as u32; c.m],
            value: 0.0,
            gx: vec![0.0; if c.grad { lx } else { 0 }],
            gy: vec![0.0; if c.grad { ly } else { 0 }],
            out: vec![0.0; if c.op == Op::Pairwise { c.m * c.m } else { 0 }],
            sc: Scratch::new(),
            next: 0,
        }
    }

    fn call_on(&mut self, k: usize) {
        let Bench { op, grad, m, n, d, o, xs, ys, lens, value, gx, gy, out, sc, .. } = self;
        let (x, y) = (black_box(&xs[k][..]), black_box(&ys[k][..]));
        match op {
            Op::Pairwise => pairwise(Metric::Op(PairOp::SoftDtw), x, lens, Some((y, lens)), *d, o, out, sc).unwrap(),
            _ => {
                let p = if *op == Op::Sdtw { PairOp::SoftDtw } else { PairOp::Divergence };
                let (g1, g2) = if *grad { (Some(&mut gx[..]), Some(&mut gy[..])) } else { (None, None) };
                *value = pair(p, x, *m, y, *n, *d, o, g1, g2, None, sc).unwrap();
            }
        }
        black_box(&self.value);
        black_box(&self.gx);
        black_box(&self.out);
    }

    fn call(&mut self) {
        let k = self.next;
        self.next = (k + 1) % self.xs.len();
        self.call_on(k);
    }

    /// Σ values (and gradients) over one pass of every input, in order, and
    /// the FNV-1a digest of their bits (low then high word of each f64).
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
            match self.op {
                Op::Pairwise => eat(&self.out, &mut sum),
                _ => {
                    eat(&[self.value], &mut sum);
                    if self.grad {
                        eat(&self.gx, &mut sum);
                        eat(&self.gy, &mut sum);
                    }
                }
            }
        }
        (sum, h)
    }

    /// Mean ns per call of k calls: (wall, thread CPU).
    fn run(&mut self, k: usize) -> (f64, f64) {
        let t = Instant::now();
        let c = thread_cpu_ns();
        for _ in 0..k {
            self.call();
        }
        let cpu = (thread_cpu_ns() - c) / k.max(1) as f64;
        (t.elapsed().as_nanos() as f64 / k.max(1) as f64, cpu)
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
    let times: Vec<f64> = (0..o.batches).map(|_| b.run(k).0).collect();
    let per_batch: Vec<String> = times.iter().map(|t| format!("{t:.1}")).collect();
    format!(
        "{{\"op\":\"{}\",\"mode\":\"{}\",\"m\":{},\"n\":{},\"d\":{},\"median_ns\":{:.1},\"iters\":{},\"batches\":{},\"per_batch_ns\":[{}],\"checksum\":{:e},\"digest\":{}}}",
        c.name,
        if c.grad { "grad" } else { "val" },
        c.m,
        c.n,
        c.d,
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
                    drop(bench.take()); // free the previous case's inputs first
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
                (Some(b), Ok(k)) => {
                    let (wall, cpu) = b.run(k);
                    format!("{wall:.1} {cpu:.1}")
                }
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
    let mut o = Opts { target_ms: 200.0, warmup_ms: 30.0, batches: 7, max_iters: 1_000_000, inputs: 8, seed: 1, gamma: 1.0 };
    let mut case_args = Vec::new();
    let mut serving = false;
    let mut profile: Option<usize> = None;
    let mut args = std::env::args().skip(1);
    let fail = |msg: String| -> ! {
        eprintln!("native-bench-dtw: {msg}");
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
            "--gamma" => o.gamma = val(&a).parse().unwrap_or_else(|_| fail("bad --gamma".into())),
            "--serve" => serving = true,
            "--calls" => profile = Some(val(&a).parse().unwrap_or_else(|_| fail("bad --calls".into()))),
            "-h" | "--help" => {
                println!("usage: native-bench-dtw [--target-ms T] [--warmup-ms T] [--batches B] [--max-iters N] [--inputs K] [--seed S] [--gamma G] (--serve | [CASE ...])\nCASE: `op mode m n d`, e.g. `sdtw grad 1024 1024 1` or `pairwise val 8 128 1`; none given: read cases from stdin");
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
    if let Some(calls) = profile {
        // Exactly `calls` calls per case, nothing else (for profilers).
        for c in &cases {
            let mut b = Bench::new(c, &o);
            for _ in 0..calls {
                b.call();
            }
        }
        return;
    }
    let results: Vec<String> = cases.iter().map(|c| run_case(c, &o)).collect();
    println!(
        "{{\"tool\":\"native-bench-dtw\",\"arch\":\"{}\",\"os\":\"{}\",\"target_ms\":{},\"batches\":{},\"inputs\":{},\"seed\":{},\"gamma\":{},\"cases\":[\n{}\n]}}",
        std::env::consts::ARCH,
        std::env::consts::OS,
        o.target_ms,
        o.batches,
        o.inputs,
        o.seed,
        o.gamma,
        results.join(",\n")
    );
}
