//! Shared timing scheme of the native benchmarks (one binary per family in
//! src/bin and the sort benchmark in main.rs), mirrored by bench/*.mjs so
//! that wasm and native numbers are comparable: warm up, then `batches`
//! batches sized to `target_ms` in all, and report the median per-call time.

use std::time::Instant;

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
        Ok(t)
    }

    /// Median nanoseconds per call of `call`, and the number of calls timed.
    pub fn measure(&self, mut call: impl FnMut()) -> (f64, usize) {
        let start = Instant::now();
        let mut warm = 0usize;
        while (start.elapsed().as_secs_f64() * 1e3) < self.warmup_ms || warm < 2 {
            call();
            warm += 1;
        }
        let per_call_ms = (start.elapsed().as_secs_f64() * 1e3 / warm as f64).max(1e-6);
        let batches = self.batches.max(1);
        let per_batch = ((self.target_ms / batches as f64 / per_call_ms).ceil() as usize)
            .clamp(1, (self.max_iters / batches).max(1));
        let mut times = Vec::with_capacity(batches);
        for _ in 0..batches {
            let t = Instant::now();
            for _ in 0..per_batch {
                call();
            }
            times.push(t.elapsed().as_secs_f64() * 1e9 / per_batch as f64);
        }
        (median(&times), per_batch * batches)
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

/// One JSON result line: `{"case": …, "median_ns": …, "iters": …, "checksum": …}`.
pub fn json_case(case: &str, median_ns: f64, iters: usize, checksum: f64) -> String {
    format!("{{\"case\":{case:?},\"median_ns\":{median_ns},\"iters\":{iters},\"checksum\":{checksum}}}")
}
