//! The results file (`bench/RESULTS.md`).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use super::browser::{Console, Round};
use super::console_pool::{self, PoolBench};
use super::measure::{group, median, Callgrind, Native};
use super::sizes::{Served, Size};

/// The page's contenders, in the order the tables list them.
const PAGE: [(&str, &str); 4] = [
    ("wasm_validate", "wasm: `esim_csv::check`"),
    ("wasm_csv_parse_only", "wasm: `csv` crate, parse only"),
    ("js_papa_checks", "JS: Papa Parse + the checks"),
    ("js_fast_loop", "JS: hand-written byte loop"),
];

/// Everything one run measured; a part that could not be measured holds why.
#[derive(Debug)]
pub struct Results {
    pub codes: usize,
    pub reps: usize,
    pub native: Option<Native>,
    pub ratios: Vec<RunRatios>,
    pub callgrind: Option<Result<Callgrind, String>>,
    pub sizes: Result<Vec<Size>, String>,
    /// The pages as esim-server serves them (`None`: not run, no `--server-exe`).
    pub served: Option<Result<Vec<Served>, String>>,
    pub page: Option<Result<Value, String>>,
    pub console: Option<Result<Console, String>>,
    /// Issue 5: the console on a 10,000-device pool (`None`: not run).
    pub console_pool: Option<Result<PoolBench, String>>,
    pub server_md: Option<PathBuf>,
    pub server_status: Option<String>,
    pub chromium: Option<String>,
    pub notes: Vec<String>,
    /// Every round's page times (`bench/web/bench.js`'s `round()`), in order.
    pub rounds: Vec<Value>,
    /// The earlier commit measured in the same run (`--against-rev`), abbreviated.
    pub against_rev: Option<String>,
    /// Its console, measured in the same sessions as [`Results::console`].
    pub against_console: Option<Result<Console, String>>,
    /// Its console as esim-server serves it.
    pub against_served: Option<Result<Vec<Served>, String>>,
}

/// One round's ratios: the page's contenders and the native validator, run back to back.
#[derive(Debug, Clone, Copy)]
pub struct RunRatios {
    /// Papa Parse + checks time / wasm validator time.
    pub papa: Option<f64>,
    /// JS loop time / wasm validator time.
    pub fast: Option<f64>,
    /// wasm validator time / wasm parse-only time.
    pub parse: Option<f64>,
    /// wasm validator time / native validator time.
    pub native: Option<f64>,
}

impl RunRatios {
    pub fn of(round: &Round) -> Self {
        let ms = |id: &str| round.page[id].as_f64();
        let over = |a: Option<f64>, b: Option<f64>| Some(a? / b?);
        let wasm = ms("wasm_validate");
        RunRatios {
            papa: over(ms("js_papa_checks"), wasm),
            fast: over(ms("js_fast_loop"), wasm),
            parse: over(wasm, ms("wasm_csv_parse_only")),
            native: over(wasm, Some(round.native_validate_ms)),
        }
    }
}

struct Goal {
    what: &'static str,
    figure: String,
    target: &'static str,
    pass: Option<bool>,
}

impl Results {
    pub fn new(codes: usize, reps: usize) -> Self {
        Results {
            codes,
            reps,
            native: None,
            ratios: Vec::new(),
            callgrind: None,
            sizes: Err("not measured".into()),
            served: None,
            page: None,
            console: None,
            console_pool: None,
            server_md: None,
            server_status: None,
            chromium: None,
            notes: Vec::new(),
            rounds: Vec::new(),
            against_rev: None,
            against_console: None,
            against_served: None,
        }
    }

    fn page_ms(&self, id: &str, file: &str) -> Option<f64> {
        let page = self.page.as_ref()?.as_ref().ok()?;
        page[file][id]["median_ms"].as_f64()
    }

    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let w = &mut md;
        let _ = writeln!(w, "# Benchmark results\n");
        let _ = writeln!(
            w,
            "Written by `cargo xtask bench` on {} - a real run on the machine below; rerun the \
             command to refresh it, do not edit by hand. Medians; every contender ran on the \
             same bytes in the same run, round robin. The machine is shared (2 cores, other \
             builds running): compare the ratios, which come from one run, more than the \
             absolute figures.\n",
            command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default()
        );
        self.machine(w);
        self.goals(w);
        self.throughput(w);
        self.small(w);
        self.instructions(w);
        self.console_section(w);
        console_pool::markdown(w, self.console_pool.as_ref());
        self.sizes_section(w);
        self.sanity(w);
        self.server(w);
        method(w, self.codes, self.reps);
        md
    }

    fn machine(&self, w: &mut String) {
        let _ = writeln!(w, "## Machine\n\n| | |\n|---|---|");
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|text| {
                let line = text.lines().find(|l| l.starts_with("model name"))?;
                Some(line.split_once(':')?.1.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown".into());
        let _ = writeln!(w, "| cores | {cores} ({cpu}) |");
        let mem = std::fs::read_to_string("/proc/meminfo").ok().and_then(|t| {
            let kb: u64 = t.lines().next()?.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.1} GiB", kb as f64 / 1024.0 / 1024.0))
        });
        let _ = writeln!(w, "| memory | {} |", mem.unwrap_or_default());
        let _ = writeln!(
            w,
            "| rustc | {} |",
            command_line("rustc", &["-V"]).unwrap_or_default()
        );
        let _ = writeln!(
            w,
            "| Chromium | {} |",
            self.chromium.clone().unwrap_or_default()
        );
        if let Some(Ok(page)) = &self.page {
            let _ = writeln!(
                w,
                "| user agent | {} |",
                page["user_agent"].as_str().unwrap_or_default()
            );
        }
        let commit = command_line("git", &["rev-parse", "--short", "HEAD"]).unwrap_or_default();
        let _ = writeln!(
            w,
            "| commit | {commit} (working tree as built, see notes) |"
        );
        for note in &self.notes {
            let _ = writeln!(w, "| note | {note} |");
        }
        w.push('\n');
    }

    fn goals(&self, w: &mut String) {
        let mut goals = Vec::new();
        for (what, target, pick, pass) in [
            (
                "wasm validator vs Papa Parse + the checks in JS (speed-up)",
                ">= 10x",
                (|r: &RunRatios| r.papa) as fn(&RunRatios) -> Option<f64>,
                (|r: f64| r >= 10.0) as fn(f64) -> bool,
            ),
            (
                "wasm validator vs the best plain-JS loop (speed-up)",
                ">= 5x",
                |r| r.fast,
                |r| r >= 5.0,
            ),
            (
                "wasm validator time / `csv` crate parse-only time, both wasm",
                "<= 2x",
                |r| r.parse,
                |r| r <= 2.0,
            ),
            (
                "wasm validator time / native validator time",
                "<= 1.5x",
                |r| r.native,
                |r| r <= 1.5,
            ),
        ] {
            let per_run: Vec<f64> = self.ratios.iter().filter_map(pick).collect();
            let figure = if per_run.is_empty() {
                "not measured".to_owned()
            } else {
                let min = per_run.iter().copied().fold(f64::INFINITY, f64::min);
                let max = per_run.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                format!(
                    "**{:.2}x** (median of {} rounds; {min:.2}-{max:.2})",
                    median(&per_run),
                    per_run.len()
                )
            };
            goals.push(Goal {
                what,
                figure,
                target,
                pass: (!per_run.is_empty()).then(|| pass(median(&per_run))),
            });
        }
        let small = self.page_ms("wasm_validate", "small");
        goals.push(Goal {
            what: "1,000-code file validated in wasm",
            figure: small.map_or("not measured".into(), |ms| format!("{ms:.3} ms")),
            target: "< 1 ms",
            pass: small.map(|ms| ms < 1.0),
        });
        let console = self.console.as_ref().and_then(|c| c.as_ref().ok());
        let drop = console.map(Console::small_median_ms);
        goals.push(Goal {
            what: "console: 1,000-code file chosen to verdict painted",
            figure: drop.map_or("not measured".into(), |ms| format!("{ms:.1} ms")),
            target: "< 50 ms",
            pass: drop.map(|ms| ms < 50.0),
        });
        for (i, (what, target)) in [
            (
                "validator page as served by esim-server (HTML + JS + wasm + CSS), brotli",
                "< 250 KB",
            ),
            (
                "whole console as served by esim-server (HTML + JS + wasm + CSS), brotli",
                "< 450 KB",
            ),
        ]
        .into_iter()
        .enumerate()
        {
            let page = match &self.served {
                Some(Ok(pages)) => pages.get(i),
                _ => None,
            };
            goals.push(Goal {
                what,
                figure: page.map_or("not measured".into(), |p| kb(p.sent())),
                target,
                pass: page.map(|p| p.sent() < p.budget),
            });
        }
        let big = console.map(|c| &c.big);
        goals.push(Goal {
            what: "console: the 50 MB file (time to verdict painted, renderer peak memory)",
            figure: match (big, console) {
                (Some(Ok(_)), Some(c)) => {
                    let peaks: Vec<f64> = c
                        .big_runs
                        .iter()
                        .filter_map(|r| r.renderer_peak_kib)
                        .map(|k| k as f64)
                        .collect();
                    format!(
                        "{:.1} s, peak {} (medians of {} runs)",
                        median(&c.big_runs.iter().map(|r| r.painted_ms).collect::<Vec<_>>())
                            / 1000.0,
                        if peaks.is_empty() {
                            "not measured".into()
                        } else {
                            format!("{:.0} MiB", median(&peaks) / 1024.0)
                        },
                        c.big_runs.len()
                    )
                }
                (Some(Err(error)), _) => format!("failed: {}", one_line(error)),
                _ => "not measured".into(),
            },
            target: "reported",
            pass: big.map(|b| b.is_ok()),
        });
        let _ = writeln!(
            w,
            "## Goals (issue 3, \"Measured, not timed in tests\")\n\n\
             | goal | figure | target | result |\n|---|---|---|---|"
        );
        for goal in goals {
            let result = match goal.pass {
                Some(true) => "pass",
                Some(false) => "**miss**",
                None => "not measured",
            };
            let _ = writeln!(
                w,
                "| {} | {} | {} | {result} |",
                goal.what, goal.figure, goal.target
            );
        }
        w.push('\n');
    }

    fn throughput(&self, w: &mut String) {
        let _ = writeln!(w, "## Throughput: {} valid codes\n", group(self.codes));
        let page = match &self.page {
            Some(Ok(page)) => page,
            Some(Err(error)) => {
                let _ = writeln!(w, "The bench page failed: `{}`\n", one_line(error));
                return;
            }
            None => {
                let _ = writeln!(w, "The bench page did not run.\n");
                return;
            }
        };
        let bytes = page["files"]["big"]["bytes"].as_u64().unwrap_or(0);
        let same = self.native.as_ref().is_some_and(|n| {
            n.validate.bytes as u64 == bytes
                && page["files"]["big"]["fnv1a"].as_u64()
                    == Some(u64::from(esim_bench::fnv1a(&esim_bench::generate(
                        self.codes,
                    ))))
        });
        let _ = writeln!(
            w,
            "{} bytes ({:.1} MB), generated in the page (`bench/web/gen.js`) and natively \
             (`esim_bench::generate`); same bytes on both sides (length and FNV-1a): {}. \
             {} runs, each in a fresh browser with a warm-up call per contender, then {} \
             rounds; a round runs every page contender once and then the native ones, so \
             that the machine's load falls on all alike. Medians of all {} timings per \
             contender; the goals table takes the median of the rounds' own ratios.\n",
            group(bytes as usize),
            bytes as f64 / 1e6,
            if same { "yes" } else { "**NO**" },
            page["runs"],
            self.reps,
            self.ratios.len()
        );
        let wasm = page["big"]["wasm_validate"]["median_ms"].as_f64();
        let _ = writeln!(
            w,
            "| contender | median ms | MB/s | vs wasm validator | findings | all timings (ms) |\n\
             |---|---:|---:|---:|---:|---|"
        );
        for (id, name) in PAGE {
            let c = &page["big"][id];
            let runs: Vec<String> = c["times_ms"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|t| format!("{:.0}", t.as_f64().unwrap_or(0.0)))
                        .collect()
                })
                .unwrap_or_default();
            let ms = c["median_ms"].as_f64().unwrap_or(f64::NAN);
            let findings = if id == "wasm_csv_parse_only" {
                format!("({} records)", c["findings"])
            } else {
                c["findings"].to_string()
            };
            let _ = writeln!(
                w,
                "| {name} | {ms:.1} | {:.1} | {} | {findings} | {} |",
                c["mb_per_s"].as_f64().unwrap_or(f64::NAN),
                fmt_ratio(wasm.map(|base| ms / base)),
                runs.join(", ")
            );
        }
        if let Some(native) = &self.native {
            for (name, t, is_parse) in [
                ("native: `esim_csv::check`", &native.validate, false),
                ("native: `csv` crate, parse only", &native.parse_only, true),
            ] {
                let runs: Vec<String> = t.times_ms.iter().map(|t| format!("{t:.0}")).collect();
                let answer = if is_parse {
                    format!("({} records)", t.answer)
                } else {
                    t.answer.to_string()
                };
                let _ = writeln!(
                    w,
                    "| {name} | {:.1} | {:.1} | {} | {answer} | {} |",
                    t.median_ms,
                    t.mb_per_s(),
                    fmt_ratio(wasm.map(|base| t.median_ms / base)),
                    runs.join(", ")
                );
            }
        }
        let _ = writeln!(
            w,
            "\n\"vs wasm validator\" is the contender's time over the wasm validator's time \
             (above 1: slower than wasm). The expected answer is 1 finding \
             (`too-many-codes`); the parse-only rows count records (codes + the SM-DP+ line).\n"
        );
    }

    fn small(&self, w: &mut String) {
        let _ = writeln!(w, "## The 1,000-code file\n");
        let Some(Ok(page)) = &self.page else {
            let _ = writeln!(w, "Not measured (the bench page failed).\n");
            return;
        };
        let _ = writeln!(
            w,
            "{} bytes. Each sample times {} calls in a row (the page's timer is coarse); \
             median per call of {} samples per run.\n\n| contender | ms per call | MB/s | findings |\n\
             |---|---:|---:|---:|",
            group(page["files"]["small"]["bytes"].as_u64().unwrap_or(0) as usize),
            page["small_inner"],
            page["small_samples"]
        );
        for (id, name) in PAGE {
            let c = &page["small"][id];
            let _ = writeln!(
                w,
                "| {name} | {:.3} | {:.1} | {} |",
                c["median_ms"].as_f64().unwrap_or(f64::NAN),
                c["mb_per_s"].as_f64().unwrap_or(f64::NAN),
                c["findings"]
            );
        }
        if let Some(native) = &self.native {
            for (name, t) in [
                ("native: `esim_csv::check`", &native.small_validate),
                ("native: `csv` crate, parse only", &native.small_parse_only),
            ] {
                let _ = writeln!(
                    w,
                    "| {name} | {:.3} | {:.1} | {} |",
                    t.median_ms,
                    t.mb_per_s(),
                    t.answer
                );
            }
        }
        w.push('\n');
    }

    fn instructions(&self, w: &mut String) {
        let _ = writeln!(
            w,
            "## Where the validator's time goes (native, callgrind)\n"
        );
        let cg = match &self.callgrind {
            Some(Ok(cg)) => cg,
            Some(Err(error)) => {
                let _ = writeln!(w, "Not measured: `{}`\n", one_line(error));
                return;
            }
            None => {
                let _ = writeln!(w, "Not measured.\n");
                return;
            }
        };
        let lines = (cg.calls * (cg.codes + 1)) as f64;
        let _ = writeln!(
            w,
            "Instructions counted by `valgrind --tool=callgrind` on `esim-bench native --codes \
             {} --reps 1` (each function called {} times): a figure the machine's load does \
             not move. Instructions are not time: the validator also runs at a lower rate \
             per cycle (branches, hash-table cache misses), so its time ratio to parse-only \
             is larger than its instruction ratio.\n\n\
             | | instructions per line | vs parse only |\n|---|---:|---:|\n\
             | `esim_csv::check` | {:.0} | {:.2}x |\n\
             | `csv` crate, parse only | {:.0} | 1.00x |\n\n\
             The functions with the most instructions of their own (the whole program: the \
             `csv` and `csv_core` rows are the parse-only contender, `generate` makes the \
             file):\n\n| function | instructions | per line |\n|---|---:|---:|",
            group(cg.codes),
            cg.calls,
            cg.validate as f64 / lines,
            cg.validate as f64 / cg.parse_only as f64,
            cg.parse_only as f64 / lines,
        );
        for (count, function) in &cg.top {
            let _ = writeln!(
                w,
                "| `{function}` | {} | {:.0} |",
                group(*count as usize),
                *count as f64 / lines
            );
        }
        w.push('\n');
    }

    fn console_section(&self, w: &mut String) {
        let _ = writeln!(w, "## The console (`dist/`, the release build)\n");
        let console = match &self.console {
            Some(Ok(console)) => console,
            Some(Err(error)) => {
                let _ = writeln!(w, "Not measured: `{}`\n", one_line(error));
                return;
            }
            None => {
                let _ = writeln!(w, "Not measured.\n");
                return;
            }
        };
        let painted = &console.small_painted_ms;
        let min = painted.iter().copied().fold(f64::INFINITY, f64::min);
        let max = painted.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let _ = writeln!(
            w,
            "* 1,000-code file chosen in the real file input (WebDriver), measured in the page \
             from the input's `change` event to the first animation frame after the verdict \
             is in the DOM: **{:.1} ms** median of {} fresh page loads, each chosen once the \
             page had settled (min {min:.1}, max {max:.1}); to the verdict in the DOM: {:.1} ms. Verdict shown: {:?}.",
            median(painted),
            painted.len(),
            median(&console.small_seen_ms),
            console.small_verdict
        );
        match &console.big {
            Ok(run) => {
                let mib = |k: Option<u64>| {
                    k.map_or("not measured".into(), |k| {
                        format!("{:.0} MiB", k as f64 / 1024.0)
                    })
                };
                let heap = |b: Option<u64>| {
                    b.map_or("not measured".into(), |b| {
                        format!("{:.0} MiB", b as f64 / 1024.0 / 1024.0)
                    })
                };
                let _ = writeln!(
                    w,
                    "* {}-code file ({:.1} MB of real code lines), its first run in a fresh browser: \
                     **{:.1} s** from `change` to the painted verdict ({:?}; code count shown: \
                     {:?}; progress bar seen: {}). Renderer process resident memory: {} before \
                     choosing the file, **peak {}** (VmHWM). `performance.memory` after: JS \
                     heap used {}, total {} (wasm memory is not part of the JS heap).",
                    group(run.codes),
                    run.bytes as f64 / 1e6,
                    run.painted_ms / 1000.0,
                    run.verdict,
                    run.code_count,
                    if run.progress_seen { "yes" } else { "no" },
                    mib(run.renderer_rss_before_kib),
                    mib(run.renderer_peak_kib),
                    heap(run.js_heap_used),
                    heap(run.js_heap_total),
                );
                let _ = writeln!(
                    w,
                    "* The same file in each of {} fresh browsers: {} ms to the painted verdict.",
                    console.big_runs.len(),
                    console
                        .big_runs
                        .iter()
                        .map(|r| format!("{:.0}", r.painted_ms))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            Err(error) => {
                let _ = writeln!(w, "* the 50 MB file: not measured: `{}`", one_line(error));
            }
        }
        w.push('\n');
    }

    fn sizes_section(&self, w: &mut String) {
        let _ = writeln!(w, "## What the browser downloads\n");
        match &self.served {
            None => {
                let _ = writeln!(w, "As served: not measured (no `--server-exe`).\n");
            }
            Some(Err(error)) => {
                let _ = writeln!(w, "As served: not measured: {}\n", one_line(error));
            }
            Some(Ok(pages)) => {
                let _ = writeln!(
                    w,
                    "Each page as a release `esim-server serve --static-dir dist` sends it to a \
                     browser that accepts brotli: the page and every file it names (JS module, \
                     wasm, CSS), fetched through the server with `Accept-Encoding: br`; \
                     \"sent\" is the response body (the server's precompressed copies, brotli \
                     11). Budgets of issue 11 (KB = 1,024 bytes). The console at `/` is one \
                     build with the validator in it; `/validator/` is the validator-only \
                     build (docs/ARCHITECTURE.md, \"Two builds\").\n"
                );
                for page in pages {
                    let _ = writeln!(
                        w,
                        "**{}** (`{}`): **{}** sent, budget {} ({:.0}% of it); {} before \
                         encoding.\n\n| file | encoding | raw | sent |\n|---|---|---:|---:|",
                        page.what,
                        page.path,
                        kb(page.sent()),
                        kb(page.budget),
                        page.sent() as f64 * 100.0 / page.budget as f64,
                        group(page.raw()),
                    );
                    for f in &page.files {
                        let _ = writeln!(
                            w,
                            "| `{}` | {} | {} | {} |",
                            f.path,
                            f.encoding,
                            group(f.raw),
                            group(f.sent)
                        );
                    }
                    w.push('\n');
                }
            }
        }
        let sizes = match &self.sizes {
            Ok(sizes) => sizes,
            Err(error) => {
                let _ = writeln!(w, "Files of `dist/`: not measured: {error}\n");
                return;
            }
        };
        let _ = writeln!(
            w,
            "The files of `trunk build --release` in `dist/` and `dist/validator/` (wasm-opt \
             -Oz), compressed here: gzip level 9, brotli quality 11.\n\n\
             | file | raw | gzip | brotli |\n|---|---:|---:|---:|"
        );
        for s in sizes {
            let _ = writeln!(
                w,
                "| `{}` | {} | {} | {} |",
                s.name,
                group(s.raw),
                group(s.gzip),
                group(s.brotli)
            );
        }
        w.push('\n');
    }

    fn sanity(&self, w: &mut String) {
        let Some(Ok(page)) = &self.page else {
            return;
        };
        let _ = writeln!(
            w,
            "## Do the contenders count alike?\n\n\
             Findings per contender on small files in the page (the parse-only column counts \
             records). The JS validators do the core checks only, the wasm validator all of \
             them, so it may find more on messy files.\n\n\
             | file | wasm validator | wasm parse only | Papa + checks | JS loop |\n\
             |---|---:|---:|---:|---:|"
        );
        if let Some(files) = page["sanity"].as_object() {
            for (name, counts) in files {
                let _ = writeln!(
                    w,
                    "| `{name}` | {} | {} | {} | {} |",
                    counts["wasm_validate"],
                    counts["wasm_csv_parse_only"],
                    counts["js_papa_checks"],
                    counts["js_fast_loop"]
                );
            }
        }
        w.push('\n');
    }

    fn server(&self, w: &mut String) {
        let _ = writeln!(w, "## Server\n");
        let _ = writeln!(
            w,
            "Also in their own files: [`bench/server.md`](server.md) (the server bench below, \
             with people's verified JWTs against static tokens) and \
             [`bench/signin.md`](signin.md) (the console's sign-in: its shipped size, and the \
             time from the provider's redirect to the pools list).\n"
        );
        let status = self.server_status.as_deref().unwrap_or("not run");
        let text = self
            .server_md
            .as_ref()
            .and_then(|md| std::fs::read_to_string(md).ok());
        match text {
            Some(text) => {
                let _ = writeln!(
                    w,
                    "`esim-bench server` ({status}); its report, headings moved down two \
                     levels:\n"
                );
                for line in text.lines() {
                    if line.starts_with('#') {
                        let _ = writeln!(w, "##{line}");
                    } else {
                        let _ = writeln!(w, "{line}");
                    }
                }
                w.push('\n');
            }
            None => {
                let _ = writeln!(w, "`esim-bench server`: {status}.\n");
            }
        }
    }
}

fn method(w: &mut String, codes: usize, reps: usize) {
    let _ = writeln!(
        w,
        "## How this was measured\n\n\
         * `cargo xtask bench` builds `crates/esim-bench` for `wasm32-unknown-unknown` \
           (`--release`: opt-level 3, the workspace's release profile), runs `wasm-bindgen \
           --target web` and `wasm-opt -O3`, stages `bench/web/` with the module and Papa \
           Parse, and serves it on a local port.\n\
         * The bench page (headless Chromium through ChromeDriver) generates a file of {} \
           valid codes and one of 1,000, then times the wasm validator (`esim_csv::check`, \
           default options, findings counted), the `csv` crate's `ByteRecord` reader in the \
           same wasm (`has_headers(false)`, `flexible(true)`: the parse-only limit), Papa \
           Parse + the core checks in JS (`bench/web/papa-checks.js`, text decoded first) \
           and a hand-written byte loop (`bench/web/fast-loop.js`). Each call is timed from \
           bytes in JS to the answer in JS, so the wasm figures include copying the bytes \
           into wasm memory. {} rounds after a warm-up, round robin; medians.\n\
         * The core checks: the SM-DP+ line, two values per line, ICCID digits, 19-20 \
           digits, `89` prefix and Luhn, Matching ID characters, lower case and length, \
           ICCID and Matching ID duplicates, the 1,000-code limit.\n\
         * Native: `esim-bench native` runs the same two functions on the same bytes \
           (`cargo run --release -p esim-bench -- native`).\n\
         * The console: `trunk build --release`, served from `dist/`, a real file chosen \
           in its file input through WebDriver once the page has settled (a second after \
           the input appears, then the browser's next idle moment: the console's start-up \
           work is the full page load's figure); timing in the page with `performance.now()` \
           (a capturing `change` listener and a MutationObserver, then \
           `requestAnimationFrame`). Peak memory: VmHWM of the renderer process of a fresh \
           browser (Linux `/proc`).\n",
        group(codes),
        reps
    );
}

fn fmt_ratio(ratio: Option<f64>) -> String {
    ratio.map_or("not measured".into(), |r| format!("{r:.2}x"))
}

pub(super) fn kb(bytes: usize) -> String {
    format!("{:.1} KB ({} bytes)", bytes as f64 / 1024.0, group(bytes))
}

pub(super) fn one_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect()
}

fn command_line(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}
