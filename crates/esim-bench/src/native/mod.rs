//! The native benchmark and the driver of the browser benchmarks.

mod browser;
mod console_pool;
mod report;
mod sizes;
#[path = "../../../../tests/support/static_server.rs"]
mod static_server;

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};

/// Codes in the big file: 1,000,000 valid codes, about 45 MB.
pub const BIG_CODES: usize = 1_000_000;
/// Codes in the console's big file: about 50 MB of real code lines.
pub const CONSOLE_BIG_CODES: usize = 1_111_111;

const USAGE: &str = "\
usage:
  esim-bench native [--codes N] [--reps R] [--small-samples S]
  esim-bench run --web DIR --dist DIR --out FILE [--codes N] [--reps R] [--runs K]
                 [--callgrind-codes N (0: no callgrind)]
                 [--server-md FILE] [--server-status TEXT] [--note TEXT]...
                 [--server-exe PATH (the console on a 10,000-device pool, issue 5)]
  esim-bench console-pool --dist DIR --server-exe PATH [--devices N] [--baseline N]
                 [--runs K] [--out FILE (its section replaced)]
";

pub fn main(args: Vec<String>) -> Result<()> {
    let (command, flags) = args.split_first().context(USAGE)?;
    let flags = Flags::parse(flags)?;
    let codes = flags.num("codes", BIG_CODES)?;
    let reps = flags.num("reps", 5)?;
    match command.as_str() {
        "native" => {
            // --small-samples 0 leaves the 1,000-code file out (e.g. under callgrind).
            let native = native(codes, reps, flags.num("small-samples", 15)?);
            println!("{}", serde_json::to_string_pretty(&native.to_json())?);
            Ok(())
        }
        "run" => run(&flags, codes, reps),
        "console-pool" => console_pool_alone(&flags),
        _ => bail!("unknown command {command:?}\n{USAGE}"),
    }
}

fn run(flags: &Flags, codes: usize, reps: usize) -> Result<()> {
    let web = PathBuf::from(flags.get("web").context("--web DIR")?);
    let dist = PathBuf::from(flags.get("dist").context("--dist DIR")?);
    let out = PathBuf::from(flags.get("out").context("--out FILE")?);
    let runs = flags.num("runs", 3)?.max(1);
    let mut results = report::Results::new(codes, reps);
    results.notes = flags.all("note");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // Each run: a fresh browser on the bench page; its rounds alternate with native rounds,
    // so that load from other jobs on the machine falls on both alike. Every round gives its
    // own ratios; the report takes their median.
    let mut natives = Vec::new();
    let mut pages = Vec::new();
    for run in 1..=runs {
        println!("==> run {run}/{runs}: {codes} codes, {reps} rounds, page and native in turn");
        let mut native = NativeBench::new(codes);
        let outcome = runtime.block_on(browser::bench_page(&web, codes, reps, &mut native));
        natives.push(native.finish(15));
        match outcome {
            Ok((page, rounds)) => {
                results
                    .ratios
                    .extend(rounds.iter().map(report::RunRatios::of));
                pages.push(page);
            }
            Err(error) => {
                println!("  the bench page failed: {error:#}");
                results.page = Some(Err(format!("{error:#}")));
                break;
            }
        }
    }
    results.native = Native::merge(&natives);
    if !pages.is_empty() {
        results.page = Some(Ok(merge_pages(&pages)));
    }

    println!("==> shipped size of the console ({})", dist.display());
    results.sizes = sizes::measure(&dist);
    println!("==> the console: a chosen file to the painted verdict");
    results.console = Some(
        runtime
            .block_on(browser::console(&dist))
            .map_err(|e| format!("{e:#}")),
    );
    if flags.get("server-exe").is_some() {
        results.console_pool = Some(console_pool(flags, &runtime)?);
    }
    let callgrind_codes = flags.num("callgrind-codes", 100_000)?;
    if callgrind_codes > 0 {
        println!("==> instruction counts: native, {callgrind_codes} codes, under callgrind");
        results.callgrind = Some(callgrind(callgrind_codes).map_err(|e| format!("{e:#}")));
    }
    results.server_status = flags.get("server-status").map(str::to_owned);
    results.server_md = flags.get("server-md").map(PathBuf::from);
    results.chromium = browser::chromium_version();

    let text = results.markdown();
    std::fs::write(&out, text).with_context(|| format!("cannot write {}", out.display()))?;
    println!("==> wrote {}", out.display());
    Ok(())
}

/// Issue 5: the console on a 10,000-device pool (`--server-exe`, `--dist`, `--runs`).
fn console_pool(
    flags: &Flags,
    runtime: &tokio::runtime::Runtime,
) -> Result<std::result::Result<console_pool::PoolBench, String>> {
    let dist = PathBuf::from(flags.get("dist").context("--dist DIR")?);
    let exe = PathBuf::from(flags.get("server-exe").context("--server-exe PATH")?);
    let devices = flags.num("devices", console_pool::DEVICES)?;
    let baseline = flags.num("baseline", console_pool::BASELINE_DEVICES)?;
    let runs = flags.num("runs", 3)?.max(1);
    println!("==> the console on a {devices}-device pool (issue 5), baseline {baseline}");
    let outcome = runtime.block_on(console_pool::measure(&dist, &exe, devices, baseline, runs));
    if let Err(error) = &outcome {
        println!("  the console on a big pool: {error:#}");
    }
    Ok(outcome.map_err(|e| format!("{e:#}")))
}

/// `esim-bench console-pool`: that part alone; prints its section, or writes it into
/// `--out` in place of the one there.
fn console_pool_alone(flags: &Flags) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let outcome = console_pool(flags, &runtime)?;
    let mut section = String::new();
    console_pool::markdown(&mut section, Some(&outcome));
    match flags.get("out") {
        Some(out) => {
            let old = std::fs::read_to_string(out).unwrap_or_default();
            std::fs::write(out, console_pool::splice(&old, &section))
                .with_context(|| format!("cannot write {out}"))?;
            println!("==> wrote its section into {out}");
        }
        None => println!("{section}"),
    }
    outcome.map(|_| ()).map_err(anyhow::Error::msg)
}

/// The page's contenders (ids in `bench/web/bench.js`).
pub const PAGE_IDS: [&str; 4] = [
    "wasm_validate",
    "wasm_csv_parse_only",
    "js_papa_checks",
    "js_fast_loop",
];

/// One page result with every run's timings pooled (medians over all of them).
fn merge_pages(pages: &[serde_json::Value]) -> serde_json::Value {
    let mut merged = pages[0].clone();
    for (file, key) in [("big", "times_ms"), ("small", "per_call_ms")] {
        let bytes = merged["files"][file]["bytes"].as_f64().unwrap_or(0.0);
        for id in PAGE_IDS {
            let times: Vec<f64> = pages
                .iter()
                .filter_map(|page| page[file][id][key].as_array())
                .flatten()
                .filter_map(serde_json::Value::as_f64)
                .collect();
            let ms = median(&times);
            merged[file][id][key] = serde_json::json!(times);
            merged[file][id]["median_ms"] = serde_json::json!(ms);
            merged[file][id]["mb_per_s"] = serde_json::json!(bytes / 1e6 / (ms / 1000.0));
        }
    }
    merged["runs"] = serde_json::json!(pages.len());
    merged
}

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
    fn merge(runs: &[Native]) -> Option<Native> {
        let pick =
            |f: fn(&Native) -> &Timing| Timing::merge(&runs.iter().map(f).collect::<Vec<_>>());
        (!runs.is_empty()).then(|| Native {
            validate: pick(|n| &n.validate),
            parse_only: pick(|n| &n.parse_only),
            small_validate: pick(|n| &n.small_validate),
            small_parse_only: pick(|n| &n.small_parse_only),
        })
    }

    fn to_json(&self) -> serde_json::Value {
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

/// `--name value` flags (repeatable).
struct Flags(Vec<(String, String)>);

impl Flags {
    fn parse(args: &[String]) -> Result<Self> {
        let mut flags = Vec::new();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let Some(name) = arg.strip_prefix("--") else {
                bail!("unexpected argument {arg:?}\n{USAGE}");
            };
            let value = it
                .next()
                .with_context(|| format!("--{name} needs a value"))?;
            flags.push((name.to_owned(), value.clone()));
        }
        Ok(Flags(flags))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn num(&self, name: &str, default: usize) -> Result<usize> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v
                .replace('_', "")
                .parse()
                .with_context(|| format!("--{name} wants a number, got {v:?}")),
        }
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
