//! Shared machinery of the native benchmarks, one binary per family in
//! src/bin (`native-bench-sort`, `native-bench-fy`, `native-bench-perturb`,
//! `native-bench-lasso`), driven by bench/*.mjs through bench/lib/native.mjs
//! so that wasm and native numbers come from one run:
//!
//! * [`Timing`]: warm up, then `batches` batches sized to `target_ms` in all;
//!   the median per-call time is reported (the JavaScript side, in
//!   bench/lib/timing.mjs, times the same way). [`mean_until`] is the simpler
//!   "loop until T ms" scheme of whole-task benchmarks (Lasso).
//! * [`SplitMix64`], [`gen_x`], [`gen_g`]: the inputs, bit-identical to
//!   bench/lib/inputs.mjs.
//! * [`Digest`]: Σ of outputs and an FNV-1a hash of their bits, which the
//!   JavaScript side computes over the wasm outputs: equal digests mean
//!   bit-identical results.
//! * [`Kernel`] + [`main`]: a family implements one case (`call_on` input k,
//!   reading and writing an [`Io`]) and a case parser; [`main`] provides the
//!   command line, the batch mode and the `--serve` protocol:
//!
//! ```text
//! TOOL [options] [CASE ...]   one JSON object with a result per case (no CASE:
//!                             one case per stdin line; blank lines and `#` ignored)
//! TOOL [options] --serve      batch server for interleaved timing, one request
//!                             per stdin line, one reply line each:
//!   case CASE  → {"checksum":…,"digest":…,"per_call_ns":…} after warm-up and calibration
//!   run K      → `WALL CPU`: the mean wall and thread-CPU ns per call of K calls
//! options: --target-ms T (200) --warmup-ms T (30) --batches B (7) --max-iters N (1e6)
//!          --inputs K (8) --seed S (1), and the family's own (e.g. --strength E);
//!          --calls N runs exactly N calls per case and prints nothing (for profilers)
//! ```
//!
//! A case's fields are separated by spaces, commas or colons.

use std::hint::black_box;
use std::io::{BufRead, Read, Write};
use std::time::Instant;

// ------------------------------------------------------------------ timing

/// Timing options, parsed from `--target-ms`, `--warmup-ms`, `--batches`,
/// `--max-iters`.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    pub target_ms: f64,
    pub warmup_ms: f64,
    pub batches: usize,
    pub max_iters: usize,
}

impl Default for Timing {
    fn default() -> Self {
        Timing { target_ms: 200.0, warmup_ms: 30.0, batches: 7, max_iters: 1_000_000 }
    }
}

impl Timing {
    /// Reads the timing flags from `args`, leaving the others.
    pub fn from_args(args: &mut Vec<String>) -> Result<Timing, String> {
        let mut t = Timing::default();
        let mut rest = Vec::new();
        let mut it = args.drain(..);
        while let Some(a) = it.next() {
            let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
            match a.as_str() {
                "--target-ms" => t.target_ms = value(&a)?.parse().map_err(|_| "bad --target-ms")?,
                "--warmup-ms" => t.warmup_ms = value(&a)?.parse().map_err(|_| "bad --warmup-ms")?,
                "--batches" => t.batches = value(&a)?.parse().map_err(|_| "bad --batches")?,
                "--max-iters" => t.max_iters = value(&a)?.parse().map_err(|_| "bad --max-iters")?,
                _ => rest.push(a),
            }
        }
        drop(it);
        *args = rest;
        if t.batches == 0 {
            return Err("--batches must be ≥ 1".into());
        }
        Ok(t)
    }

    /// Calls per batch for a call of `per_call_ns`.
    pub fn per_batch(&self, per_call_ns: f64) -> usize {
        let per_call_ms = (per_call_ns / 1e6).max(1e-9);
        ((self.target_ms / self.batches as f64 / per_call_ms).ceil() as usize).clamp(1, (self.max_iters / self.batches).max(1))
    }
}

/// Median of a non-empty slice.
pub fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    if s.len() % 2 == 1 {
        s[m]
    } else {
        0.5 * (s[m - 1] + s[m])
    }
}

/// CPU time of this thread (ns) on Linux; NaN elsewhere. On a machine
/// shared with other jobs it is steadier than wall time (bench/dtw.mjs
/// reports it).
#[cfg(target_os = "linux")]
pub fn thread_cpu_ns() -> f64 {
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

/// CPU time of this thread (ns) on Linux; NaN elsewhere.
#[cfg(not(target_os = "linux"))]
pub fn thread_cpu_ns() -> f64 {
    f64::NAN
}

/// Runs `work` until `target_ms` have passed (at least once); mean ns per run.
pub fn mean_until(target_ms: f64, mut work: impl FnMut()) -> f64 {
    let t = Instant::now();
    let mut runs = 0u32;
    loop {
        work();
        runs += 1;
        let el = t.elapsed().as_nanos() as f64;
        if el >= target_ms * 1e6 {
            return el / runs as f64;
        }
    }
}

// ------------------------------------------------------------------ inputs

/// SplitMix64, bit-identical to the JavaScript twin in bench/lib/inputs.mjs.
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A uniform in [0, 1) with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// `len` values (u₁+u₂+u₃+u₄ − 2)·scale from SplitMix64(seed + 1000·k): input k
/// of a case (mean 0, standard deviation scale/√3).
pub fn gen_x(seed: u64, k: usize, len: usize, scale: f64) -> Vec<f64> {
    let mut r = SplitMix64(seed.wrapping_add(1000 * k as u64));
    (0..len)
        .map(|_| {
            let s = r.uniform() + r.uniform() + r.uniform() + r.uniform();
            (s - 2.0) * scale
        })
        .collect()
}

/// `len` cotangents 2u − 1 from SplitMix64(seed + 1000·k + 500).
pub fn gen_g(seed: u64, k: usize, len: usize) -> Vec<f64> {
    let mut r = SplitMix64(seed.wrapping_add(1000 * k as u64 + 500));
    (0..len).map(|_| 2.0 * r.uniform() - 1.0).collect()
}

// ------------------------------------------------------------------ digest

/// Σ of outputs and an FNV-1a (32-bit) digest of their bits, over the low
/// then high word of each f64, as `Digest` in bench/lib/inputs.mjs.
#[derive(Clone, Copy, Debug)]
pub struct Digest {
    pub checksum: f64,
    pub hash: u32,
}

impl Default for Digest {
    fn default() -> Self {
        Digest { checksum: 0.0, hash: 0x811c_9dc5 }
    }
}

impl Digest {
    pub fn eat(&mut self, v: &[f64]) {
        for &x in v {
            self.checksum += x;
            let b = x.to_bits();
            for w in [b as u32, (b >> 32) as u32] {
                self.hash = (self.hash ^ w).wrapping_mul(0x0100_0193);
            }
        }
    }
}

// ------------------------------------------------------------------ cases

/// The inputs, cotangents and outputs of a case: `call_on(k)` reads `xs[k]`
/// (and `gs[k]`) and writes `out` (and `grad` for the backward pass).
pub struct Io {
    pub xs: Vec<Vec<f64>>,
    /// Cotangents (or a second input, e.g. soft-DTW's Y).
    pub gs: Vec<Vec<f64>>,
    pub out: Vec<f64>,
    pub grad: Vec<f64>,
    /// Forward + backward (vjp of the cotangent), or forward only.
    pub bwd: bool,
}

impl Io {
    /// `cli.inputs` generated inputs ([`gen_x`] with `scale`) and
    /// cotangents ([`gen_g`]) of `len` values, outputs of `len`.
    pub fn generated(cli: &Cli, len: usize, scale: f64, bwd: bool) -> Io {
        Io {
            xs: (0..cli.inputs).map(|k| gen_x(cli.seed, k, len, scale)).collect(),
            gs: (0..cli.inputs).map(|k| gen_g(cli.seed, k, len)).collect(),
            out: vec![0.0; len],
            grad: vec![0.0; len],
            bwd,
        }
    }

    /// One given input and cotangent.
    pub fn single(x: Vec<f64>, g: Vec<f64>, bwd: bool) -> Io {
        let len = x.len();
        Io { xs: vec![x], gs: vec![g], out: vec![0.0; len], grad: vec![0.0; len], bwd }
    }

    /// Keeps the outputs alive for the optimizer.
    pub fn keep(&self) {
        black_box(&self.out);
        black_box(&self.grad);
    }
}

/// One benchmark case ready to run: the family-specific part.
pub trait Kernel {
    fn io(&self) -> &Io;
    /// One call on input k, writing `io().out` (and `io().grad`).
    fn call_on(&mut self, k: usize);
    /// How many distinct inputs the case cycles through.
    fn inputs(&self) -> usize {
        self.io().xs.len()
    }
    /// Feeds the outputs of the last call to `d`, in the order the
    /// JavaScript side digests the wasm outputs (value, then gradient).
    fn digest(&self, d: &mut Digest) {
        let io = self.io();
        d.eat(&io.out);
        if io.bwd {
            d.eat(&io.grad);
        }
    }
}

/// A case with its input cursor.
pub struct Runner<K> {
    pub kernel: K,
    next: usize,
}

impl<K: Kernel> Runner<K> {
    pub fn new(kernel: K) -> Self {
        Runner { kernel, next: 0 }
    }

    /// The next call, cycling through the inputs.
    pub fn call(&mut self) {
        let k = self.next;
        self.next = (k + 1) % self.kernel.inputs().max(1);
        self.kernel.call_on(k);
    }

    /// One pass over every input, in input order, digesting each output.
    pub fn digest(&mut self) -> Digest {
        let mut d = Digest::default();
        for k in 0..self.kernel.inputs() {
            self.kernel.call_on(k);
            self.kernel.digest(&mut d);
        }
        d
    }

    /// Mean ns per call of k calls: wall time and thread CPU time.
    pub fn run(&mut self, k: usize) -> (f64, f64) {
        let t = Instant::now();
        let c = thread_cpu_ns();
        for _ in 0..k {
            self.call();
        }
        let cpu = (thread_cpu_ns() - c) / k.max(1) as f64;
        (t.elapsed().as_nanos() as f64 / k.max(1) as f64, cpu)
    }

    /// Warm-up, then an estimate of one call's ns.
    pub fn calibrate(&mut self, warmup_ms: f64) -> f64 {
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

    /// Calibrates, then times `timing.batches` batches: the per-batch mean
    /// wall ns per call, and the calls per batch.
    pub fn measure(&mut self, timing: &Timing) -> (Vec<f64>, usize) {
        let k = timing.per_batch(self.calibrate(timing.warmup_ms));
        ((0..timing.batches).map(|_| self.run(k).0).collect(), k)
    }
}

/// The parsed command line of a family binary.
#[derive(Clone, Debug)]
pub struct Cli {
    pub timing: Timing,
    /// Distinct inputs per case (`--inputs`).
    pub inputs: usize,
    /// Base seed of the inputs (`--seed`).
    pub seed: u64,
    /// The family's own numeric options, as declared in [`Family::options`].
    pub values: Vec<(&'static str, f64)>,
    pub serve: bool,
    /// `--calls N`: run exactly N calls per case, print nothing (for profilers).
    pub calls: Option<usize>,
    pub cases: Vec<String>,
}

impl Cli {
    /// The value of family option `name` (e.g. `"--strength"`).
    pub fn value(&self, name: &str) -> f64 {
        self.values.iter().find(|(n, _)| *n == name).map(|&(_, v)| v).unwrap_or_else(|| panic!("undeclared option {name}"))
    }

    /// Parses `args` (without the program name).
    pub fn parse(mut args: Vec<String>, options: &[(&'static str, f64)]) -> Result<Cli, String> {
        let timing = Timing::from_args(&mut args)?;
        let mut cli = Cli { timing, inputs: 8, seed: 1, values: options.to_vec(), serve: false, calls: None, cases: Vec::new() };
        let mut it = args.into_iter();
        while let Some(a) = it.next() {
            let mut value = || it.next().ok_or(format!("{a} needs a value"));
            match a.as_str() {
                "--inputs" => cli.inputs = value()?.parse().map_err(|_| "bad --inputs")?,
                "--seed" => cli.seed = value()?.parse().map_err(|_| "bad --seed")?,
                "--serve" => cli.serve = true,
                "--calls" => cli.calls = Some(value()?.parse().map_err(|_| "bad --calls")?),
                s if s.starts_with("--") => match cli.values.iter().position(|(n, _)| *n == s) {
                    Some(i) => cli.values[i].1 = value()?.parse().map_err(|_| format!("bad {a}"))?,
                    None => return Err(format!("unknown option {s}")),
                },
                _ => cli.cases.push(a),
            }
        }
        if cli.inputs == 0 {
            return Err("--inputs must be ≥ 1".into());
        }
        Ok(cli)
    }
}

/// A family binary: its name, its case syntax and how to build a case.
pub struct Family<K> {
    /// The binary's name, for messages.
    pub tool: &'static str,
    /// The fields of a case, e.g. `"op reg mode rows n"`.
    pub syntax: &'static str,
    /// An example case, for `--help`.
    pub example: &'static str,
    /// The family's own numeric options and their defaults, e.g. `("--strength", 1.0)`.
    pub options: &'static [(&'static str, f64)],
    /// Builds a case from its fields (as many as `syntax` has).
    pub build: fn(&[&str], &Cli) -> Result<K, String>,
}

/// Checks `field` is one of `choices` and returns it as a `&'static str`.
pub fn pick(field: &str, choices: &[&'static str], what: &str) -> Result<&'static str, String> {
    choices.iter().copied().find(|c| *c == field).ok_or_else(|| format!("unknown {what} `{field}` ({})", choices.join("|")))
}

/// Parses a number field.
pub fn num<T: std::str::FromStr>(field: &str, what: &str) -> Result<T, String> {
    field.parse().map_err(|_| format!("bad {what} `{field}`"))
}

impl<K: Kernel> Family<K> {
    /// Parses a case (fields separated by spaces, commas or colons) and builds it.
    pub fn case(&self, s: &str, cli: &Cli) -> Result<K, String> {
        let f: Vec<&str> = s.split(|c: char| c.is_whitespace() || c == ',' || c == ':').filter(|t| !t.is_empty()).collect();
        if f.len() != self.syntax.split(' ').count() {
            return Err(format!("case `{s}`: expected `{}`", self.syntax));
        }
        (self.build)(&f, cli).map_err(|e| format!("case `{s}`: {e}"))
    }

    /// Times one case in batch mode: a JSON object.
    fn run_case(&self, s: &str, cli: &Cli) -> Result<String, String> {
        let mut r = Runner::new(self.case(s, cli)?);
        let d = r.digest();
        let (times, k) = r.measure(&cli.timing);
        let per_batch: Vec<String> = times.iter().map(|t| format!("{t:.1}")).collect();
        Ok(format!(
            "{{\"case\":{s:?},\"median_ns\":{:.1},\"iters\":{},\"batches\":{},\"per_batch_ns\":[{}],\"checksum\":{:e},\"digest\":{}}}",
            median(&times),
            k * times.len(),
            times.len(),
            per_batch.join(","),
            d.checksum,
            d.hash
        ))
    }

    /// The `--serve` loop (see the crate docs).
    fn serve(&self, cli: &Cli) {
        let stdin = std::io::stdin();
        let mut stdout = std::io::stdout();
        let mut runner: Option<Runner<K>> = None;
        for line in stdin.lock().lines() {
            let line = line.unwrap_or_default();
            let line = line.trim();
            let reply = if let Some(rest) = line.strip_prefix("case ") {
                drop(runner.take()); // free the previous case's inputs first
                match self.case(rest, cli) {
                    Ok(k) => {
                        let mut r = Runner::new(k);
                        let d = r.digest();
                        let est = r.calibrate(cli.timing.warmup_ms);
                        runner = Some(r);
                        format!("{{\"checksum\":{:e},\"digest\":{},\"per_call_ns\":{est:.1}}}", d.checksum, d.hash)
                    }
                    Err(e) => format!("{{\"error\":{e:?}}}"),
                }
            } else if let Some(k) = line.strip_prefix("run ") {
                match (&mut runner, k.trim().parse::<usize>()) {
                    (Some(r), Ok(k)) => {
                        let (wall, cpu) = r.run(k);
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
}

/// The `main` of a family binary: parses the command line, then serves or
/// times the cases given (or read from stdin) and prints one JSON object.
pub fn main<K: Kernel>(family: Family<K>) {
    let fail = |msg: String| -> ! {
        eprintln!("{}: {msg}", family.tool);
        std::process::exit(2);
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        let own: String = family.options.iter().map(|(n, v)| format!(" [{n} {v}]")).collect();
        println!(
            "usage: {} [--target-ms T] [--warmup-ms T] [--batches B] [--max-iters N] [--inputs K] [--seed S]{own} (--serve | [--calls N] [CASE ...])\nCASE: `{}`, e.g. `{}`; none given: read cases from stdin, one per line",
            family.tool, family.syntax, family.example
        );
        return;
    }
    let mut cli = Cli::parse(args, family.options).unwrap_or_else(|e| fail(e));
    if cli.serve {
        family.serve(&cli);
        return;
    }
    if cli.cases.is_empty() {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).unwrap_or_else(|e| fail(format!("reading stdin: {e}")));
        cli.cases = s.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(String::from).collect();
    }
    if let Some(calls) = cli.calls {
        for c in &cli.cases {
            let mut r = Runner::new(family.case(c, &cli).unwrap_or_else(|e| fail(e)));
            for _ in 0..calls {
                r.call();
            }
        }
        return;
    }
    let results: Vec<String> = cli.cases.iter().map(|c| family.run_case(c, &cli).unwrap_or_else(|e| fail(e))).collect();
    let own: String = cli.values.iter().map(|(n, v)| format!(",\"{}\":{v}", n.trim_start_matches("--").replace('-', "_"))).collect();
    println!(
        "{{\"tool\":\"{}\",\"arch\":\"{}\",\"os\":\"{}\",\"target_ms\":{},\"batches\":{},\"inputs\":{},\"seed\":{}{own},\"cases\":[\n{}\n]}}",
        family.tool,
        std::env::consts::ARCH,
        std::env::consts::OS,
        cli.timing.target_ms,
        cli.timing.batches,
        cli.inputs,
        cli.seed,
        results.join(",\n")
    );
}

/// A finite f64 with 17 significant digits (round-trips exactly), or `null`.
pub fn json_f64(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.17e}")
    } else {
        "null".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_reference_values() {
        // SplitMix64(0): the reference sequence of the generator's author.
        let mut r = SplitMix64(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn digest_hashes_low_then_high_word() {
        let mut d = Digest::default();
        d.eat(&[1.0]);
        let mut h = 0x811c_9dc5u32;
        for w in [0u32, 0x3ff0_0000] {
            h = (h ^ w).wrapping_mul(0x0100_0193);
        }
        assert_eq!((d.checksum, d.hash), (1.0, h));
    }

    #[test]
    fn cli_reads_shared_and_family_options() {
        let args = ["--serve", "--strength", "0.5", "--inputs", "3", "--batches", "4", "a b"].map(String::from).to_vec();
        let cli = Cli::parse(args, &[("--strength", 1.0)]).unwrap();
        assert!(cli.serve);
        assert_eq!((cli.inputs, cli.timing.batches, cli.value("--strength")), (3, 4, 0.5));
        assert_eq!(cli.cases, ["a b"]);
        assert!(Cli::parse(vec!["--nope".into()], &[]).is_err());
    }
}
