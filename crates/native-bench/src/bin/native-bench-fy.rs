//! Times the diffopt-core Fenchel-Young maps compiled natively, so
//! `bench/fy.mjs` can print wasm/native ratios from one run. Same CLI,
//! timing scheme and JSON shape as the sort benchmark (src/main.rs).
//!
//! Usage:
//!   native-bench-fy [options] [CASE ...]
//!   (no CASE arguments: one case per line on stdin; blank lines and `#` ignored)
//!   native-bench-fy [options] --serve
//!   (batch server for interleaved timing, one request per stdin line, one
//!   reply line each: `case CASE` → `{"checksum":…,"digest":…,"per_call_ns":…}`
//!   after warm-up and calibration; `run K` → the mean ns per call of K calls)
//!
//! A case is `map mode rows n` (spaces, commas or colons between fields):
//!   map = softmax | sparsemax | entmax15     mode = fwd | fwdbwd
//!   e.g. `entmax15 fwdbwd 1024 1000`. fwdbwd = forward, then the vjp of a
//!   cotangent (the Jacobians are symmetric: one backward kernel).
//!
//! Options: --target-ms T (default 200), --warmup-ms T (30), --batches B (7),
//! --max-iters N (1e6), --inputs K (8), --seed S (1).
//!
//! Output (stdout): one JSON object with `cases`, each with `median_ns` per
//! call (one call = one whole batch), `iters`, `batches`, `per_batch_ns` and
//! `checksum` (Σ outputs and gradients over the inputs) and `digest` (FNV-1a
//! of their bits: wasm must compute bit-identical results).
//!
//! Inputs: SplitMix64 → 53-bit uniforms u ∈ [0, 1); logits
//! x = (u₁+u₂+u₃+u₄ − 2)·√3 (mean 0, variance 1: softmax is spread out,
//! sparsemax keeps a handful of entries per row, entmax-1.5 a few dozen);
//! cotangents g = 2u − 1. Input k uses seed `seed + 1000·k` for x and
//! `seed + 1000·k + 500` for g. bench/fy.mjs generates exactly the same.

use std::hint::black_box;
use std::io::Read;
use std::time::Instant;

use diffopt_core::fy::maps::{backward_batch, forward_batch, Map};
use diffopt_core::fy::Scratch;

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

fn gen_x(seed: u64, k: usize, len: usize) -> Vec<f64> {
    let mut r = SplitMix64(seed.wrapping_add(1000 * k as u64));
    let scale = 3f64.sqrt();
    (0..len)
        .map(|_| {
            let s = r.uniform() + r.uniform() + r.uniform() + r.uniform();
            (s - 2.0) * scale
        })
        .collect()
}

fn gen_g(seed: u64, k: usize, len: usize) -> Vec<f64> {
    let mut r = SplitMix64(seed.wrapping_add(1000 * k as u64 + 500));
    (0..len).map(|_| 2.0 * r.uniform() - 1.0).collect()
}

struct Opts {
    target_ms: f64,
    warmup_ms: f64,
    batches: usize,
    max_iters: usize,
    inputs: usize,
    seed: u64,
}

struct Case {
    map: &'static str,
    mode: &'static str,
    rows: usize,
    n: usize,
}

fn parse_case(s: &str) -> Result<Case, String> {
    let f: Vec<&str> = s.split(|c: char| c.is_whitespace() || c == ',' || c == ':').filter(|t| !t.is_empty()).collect();
    if f.len() != 4 {
        return Err(format!("case `{s}`: expected `map mode rows n`"));
    }
    let map = match f[0] {
        "softmax" => "softmax",
        "sparsemax" => "sparsemax",
        "entmax15" => "entmax15",
        o => return Err(format!("case `{s}`: unknown map `{o}` (softmax|sparsemax|entmax15)")),
    };
    let mode = match f[1] {
        "fwd" => "fwd",
        "fwdbwd" => "fwdbwd",
        o => return Err(format!("case `{s}`: unknown mode `{o}` (fwd|fwdbwd)")),
    };
    let rows = f[2].parse().map_err(|_| format!("case `{s}`: bad rows"))?;
    let n = f[3].parse().map_err(|_| format!("case `{s}`: bad n"))?;
    Ok(Case { map, mode, rows, n })
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

/// One case with its inputs and buffers.
struct Bench {
    map: Map,
    bwd: bool,
    rows: usize,
    n: usize,
    xs: Vec<Vec<f64>>,
    gs: Vec<Vec<f64>>,
    out: Vec<f64>,
    grad: Vec<f64>,
    sc: Scratch,
    next: usize,
}

impl Bench {
    fn new(c: &Case, o: &Opts) -> Self {
        let total = c.rows * c.n;
        let map = match c.map {
            "softmax" => Map::Softmax,
            "sparsemax" => Map::Sparsemax,
            _ => Map::Entmax(1.5),
        };
        Bench {
            map,
            bwd: c.mode == "fwdbwd",
            rows: c.rows,
            n: c.n,
            xs: (0..o.inputs).map(|k| gen_x(o.seed, k, total)).collect(),
            gs: (0..o.inputs).map(|k| gen_g(o.seed, k, total)).collect(),
            out: vec![0.0; total],
            grad: vec![0.0; total],
            sc: Scratch::new(),
            next: 0,
        }
    }

    fn call_on(&mut self, k: usize) {
        let Bench { map, bwd, rows, n, xs, gs, out, grad, sc, .. } = self;
        forward_batch(*map, black_box(&xs[k]), *rows, *n, out, sc).unwrap();
        if *bwd {
            backward_batch(*map, out, black_box(&gs[k]), *rows, *n, grad).unwrap();
        }
        black_box(&self.out);
        black_box(&self.grad);
    }

    fn call(&mut self) {
        let k = self.next;
        self.next = (k + 1) % self.xs.len();
        self.call_on(k);
    }

    /// Σ outputs (and gradients) over one pass of every input, in order, and
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
        "{{\"map\":\"{}\",\"mode\":\"{}\",\"rows\":{},\"n\":{},\"median_ns\":{:.1},\"iters\":{},\"batches\":{},\"per_batch_ns\":[{}],\"checksum\":{:e},\"digest\":{}}}",
        c.map,
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
    let mut o = Opts { target_ms: 200.0, warmup_ms: 30.0, batches: 7, max_iters: 1_000_000, inputs: 8, seed: 1 };
    let mut case_args = Vec::new();
    let mut serving = false;
    let mut args = std::env::args().skip(1);
    let fail = |msg: String| -> ! {
        eprintln!("native-bench-fy: {msg}");
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
            "--serve" => serving = true,
            "-h" | "--help" => {
                println!("usage: native-bench-fy [--target-ms T] [--warmup-ms T] [--batches B] [--max-iters N] [--inputs K] [--seed S] (--serve | [CASE ...])\nCASE: `map mode rows n`, e.g. `entmax15 fwdbwd 1024 1000`; none given: read cases from stdin");
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
        "{{\"tool\":\"native-bench-fy\",\"arch\":\"{}\",\"os\":\"{}\",\"target_ms\":{},\"batches\":{},\"inputs\":{},\"seed\":{},\"cases\":[\n{}\n]}}",
        std::env::consts::ARCH,
        std::env::consts::OS,
        o.target_ms,
        o.batches,
        o.inputs,
        o.seed,
        results.join(",\n")
    );
}
