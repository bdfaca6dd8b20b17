//! The native measurements: the validator against the other contenders, medians, and
//! callgrind's instruction counts. A leaf: the driver (`mod.rs`), the browser runs and the
//! report all use it.

use std::hint::black_box;
use std::time::Instant;

use anyhow::{bail, Context, Result};

/// Codes in the big file: 1,000,000 valid codes, about 45 MB.
pub const BIG_CODES: usize = 1_000_000;
/// Codes in the console's big file: about 50 MB of real code lines.
pub const CONSOLE_BIG_CODES: usize = 1_111_111;

/// One contender's timings.
#[derive(Debug, Clone)]
pub struct Timing {
    pub median_ms: f64,
    pub times_ms: Vec<f64>,
    pub answer: u32,
    pub bytes: usize,
}

impl Timing {
    pub fn mb_per_s(&self) -> f64 {
        self.bytes as f64 / 1e6 / (self.median_ms / 1000.0)
    }
}

/// The native figures.
#[derive(Debug, Clone)]
pub struct Native {
    pub validate: Timing,
    pub parse_only: Timing,
    pub small_validate: Timing,
    pub small_parse_only: Timing,
}

impl Timing {
    fn merge(all: &[&Timing]) -> Timing {
        let times: Vec<f64> = all
            .iter()
            .flat_map(|t| t.times_ms.iter().copied())
            .collect();
        Timing {
            median_ms: median(&times),
            times_ms: times,
            answer: all[0].answer,
            bytes: all[0].bytes,
        }
    }
}

impl Native {
    /// Every run's timings pooled.
    pub fn merge(runs: &[Native]) -> Option<Native> {
        let pick =
            |f: fn(&Native) -> &Timing| Timing::merge(&runs.iter().map(f).collect::<Vec<_>>());
        (!runs.is_empty()).then(|| Native {
            validate: pick(|n| &n.validate),
            parse_only: pick(|n| &n.parse_only),
            small_validate: pick(|n| &n.small_validate),
            small_parse_only: pick(|n| &n.small_parse_only),
        })
    }

    pub fn to_json(&self) -> serde_json::Value {
        let t = |t: &Timing| {
            serde_json::json!({
                "median_ms": t.median_ms, "mb_per_s": t.mb_per_s(), "answer": t.answer,
                "times_ms": t.times_ms,
            })
        };
        serde_json::json!({
            "validate": t(&self.validate), "csv_parse_only": t(&self.parse_only),
            "small_validate": t(&self.small_validate),
            "small_csv_parse_only": t(&self.small_parse_only),
        })
    }
}

/// The native side of a run: the same two functions on the same bytes, one round at a time
/// (so that the driver can alternate them with the page's rounds).
pub struct NativeBench {
    big: Vec<u8>,
    small: Vec<u8>,
    times: [Vec<f64>; 2],
    answers: [u32; 2],
}

const NATIVE: [fn(&[u8]) -> u32; 2] = [esim_bench::validate, esim_bench::csv_parse_only];

impl NativeBench {
    /// Generates the files and calls each function once (warm-up, not timed).
    pub fn new(codes: usize) -> Self {
        let big = esim_bench::generate(codes);
        let small = esim_bench::generate(1000);
        let answers = NATIVE.map(|f| f(black_box(&big)));
        NativeBench {
            big,
            small,
            times: [Vec::new(), Vec::new()],
            answers,
        }
    }

    /// One round on the big file: (validate ms, parse-only ms).
    pub fn round(&mut self) -> (f64, f64) {
        for (k, f) in NATIVE.iter().enumerate() {
            let start = Instant::now();
            black_box(f(black_box(&self.big)));
            self.times[k].push(start.elapsed().as_secs_f64() * 1000.0);
        }
        let last = |k: usize| self.times[k].last().copied().unwrap_or(f64::NAN);
        (last(0), last(1))
    }

    /// The 1,000-code file (per-call time of batches of 50 calls), then the medians.
    pub fn finish(self, small_samples: usize) -> Native {
        let mut small_times = [Vec::new(), Vec::new()];
        let small_answers = NATIVE.map(|f| f(&self.small));
        for _ in 0..small_samples {
            for (k, f) in NATIVE.iter().enumerate() {
                let start = Instant::now();
                for _ in 0..50 {
                    black_box(f(black_box(&self.small)));
                }
                small_times[k].push(start.elapsed().as_secs_f64() * 1000.0 / 50.0);
            }
        }
        let timing = |times: &[f64], answer, bytes| Timing {
            median_ms: median(times),
            times_ms: times.to_vec(),
            answer,
            bytes,
        };
        let native = Native {
            validate: timing(&self.times[0], self.answers[0], self.big.len()),
            parse_only: timing(&self.times[1], self.answers[1], self.big.len()),
            small_validate: timing(&small_times[0], small_answers[0], self.small.len()),
            small_parse_only: timing(&small_times[1], small_answers[1], self.small.len()),
        };
        println!(
            "  native: validate {:.1} ms ({:.1} MB/s), csv parse only {:.1} ms ({:.1} MB/s); \
             1,000 codes: {:.3} / {:.3} ms",
            native.validate.median_ms,
            native.validate.mb_per_s(),
            native.parse_only.median_ms,
            native.parse_only.mb_per_s(),
            native.small_validate.median_ms,
            native.small_parse_only.median_ms,
        );
        native
    }
}

/// The native figures alone: a warm-up, `reps` rounds, the small file.
pub fn native(codes: usize, reps: usize, small_samples: usize) -> Native {
    let mut bench = NativeBench::new(codes);
    for _ in 0..reps.max(1) {
        bench.round();
    }
    bench.finish(small_samples)
}

pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Instruction counts of the native bench under callgrind: a figure that the machine's load
/// does not move, for following the validator's optimisation.
#[derive(Debug, Clone)]
pub struct Callgrind {
    pub codes: usize,
    /// Calls of each function (a warm-up and one timed round).
    pub calls: usize,
    pub validate: u64,
    pub parse_only: u64,
    /// The functions with the most instructions of their own: (instructions, name).
    pub top: Vec<(u64, String)>,
}

/// Runs `esim-bench native` under `valgrind --tool=callgrind`, if valgrind is there.
pub fn callgrind(codes: usize) -> Result<Callgrind> {
    let exe = std::env::current_exe()?;
    let out = std::env::temp_dir().join(format!("esim-bench-{}.callgrind", std::process::id()));
    let status = std::process::Command::new("valgrind")
        .args(["--tool=callgrind", "--quiet"])
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(&exe)
        .args(["native", "--reps", "1", "--small-samples", "0", "--codes"])
        .arg(codes.to_string())
        .stdout(std::process::Stdio::null())
        .status()
        .context("cannot run valgrind (apt-get install valgrind)")?;
    if !status.success() {
        bail!("valgrind exited with {status}");
    }
    let annotate = |inclusive: bool| -> Result<Vec<(u64, String)>> {
        let output = std::process::Command::new("callgrind_annotate")
            .arg(format!(
                "--inclusive={}",
                if inclusive { "yes" } else { "no" }
            ))
            .arg(&out)
            .output()
            .context("cannot run callgrind_annotate")?;
        Ok(String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(parse_annotate_line)
            .collect())
    };
    let inclusive = annotate(true)?;
    let own = annotate(false)?;
    let _ = std::fs::remove_file(&out);
    let find = |name: &str| {
        inclusive
            .iter()
            .find(|(_, f)| f == name)
            .map(|(n, _)| *n)
            .with_context(|| format!("{name} is not in the callgrind profile"))
    };
    Ok(Callgrind {
        codes,
        calls: 2,
        validate: find("esim_bench::validate")?,
        parse_only: find("esim_bench::csv_parse_only")?,
        top: own.into_iter().take(14).collect(),
    })
}

/// `1,234 (5.6%)  file:function [object]` -> (1234, function).
fn parse_annotate_line(line: &str) -> Option<(u64, String)> {
    let (count, rest) = line.trim_start().split_once(" (")?;
    let count: u64 = count.replace(',', "").parse().ok()?;
    let (_, rest) = rest.split_once(")  ")?;
    let location = rest.split(" [").next()?.trim();
    let (_, function) = location.split_once(':')?;
    (!function.is_empty()).then(|| (count, function.to_owned()))
}

/// `1234567` as `1,234,567`.
pub fn group(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_callgrind_annotate_lines() {
        assert_eq!(
            parse_annotate_line(
                "1,311,456,054 (74.13%)  ???:esim_bench::validate [/x/target/release/esim-bench]"
            ),
            Some((1_311_456_054, "esim_bench::validate".into()))
        );
        assert_eq!(
            parse_annotate_line(
                "  420,587 ( 0.02%)  ./string/memcmp.S:__memcmp_avx2 [/lib/libc.so.6]"
            ),
            Some((420_587, "__memcmp_avx2".into()))
        );
        assert_eq!(parse_annotate_line("Ir"), None);
        assert_eq!(
            parse_annotate_line("1,769,216,452 (100.0%)  PROGRAM TOTALS"),
            None
        );
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
    }
}
