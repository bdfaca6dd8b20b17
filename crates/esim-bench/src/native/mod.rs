//! The native benchmark and the driver of the browser benchmarks.

mod against;
mod browser;
mod console_pool;
mod measure;
mod profile;
mod report;
mod server;
mod sizes;
mod startup;
mod xlsx;

use std::path::PathBuf;

use anyhow::{bail, Context, Result};

use measure::{callgrind, median, native, Native, NativeBench, BIG_CODES};

const USAGE: &str = "\
usage:
  esim-bench native [--codes N] [--reps R] [--small-samples S]
  esim-bench run --web DIR --dist DIR --out FILE [--codes N] [--reps R] [--runs K]
                 [--callgrind-codes N (0: no callgrind)]
                 [--server-md FILE] [--server-status TEXT] [--note TEXT]...
                 [--server-exe PATH (the pages as served; and the console on a
                  10,000-device pool, issue 5, unless --console-pool no)]
                 [--against-rev REV --against-web DIR (under --web: the earlier
                  commit's module) [--against-dist DIR (its console)]]
  esim-bench sizes --dist DIR --server-exe PATH
  esim-bench console-pool --dist DIR --server-exe PATH [--devices N] [--baseline N]
                 [--runs K] [--out FILE (its section replaced)]
  esim-bench startup --dist DIR --against-dist DIR --server-exe PATH [--against-name NAME]
                 [--devices N] [--pairs P] [--out FILE (written whole)]
                 [--profile DIR (then a CPU profile of one more load of each)]
  esim-bench xlsx [--dist dist] [--out bench/xlsx.md] [--rows 100000] [--runs 3]
  esim-bench server [--out bench/server.md] [--postgres URL | none] [--imports 200]
                 [--devices 5000] [--seconds 5] [--connections 64] [--only imports|checkins|tokens]
                 [--server-exe PATH (default: esim-server beside this binary)]
                 [--compare-exe PATH]
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
        "sizes" => sizes_alone(&flags),
        "startup" => startup_alone(&flags),
        "server" => server_bench(&flags),
        "xlsx" => xlsx::run(&xlsx::XlsxOptions {
            dist: PathBuf::from(flags.get("dist").unwrap_or("dist")),
            out: PathBuf::from(flags.get("out").unwrap_or("bench/xlsx.md")),
            rows: flags.num("rows", 100_000)?,
            runs: flags.num("runs", 3)?,
        }),
        _ => bail!("unknown command {command:?}\n{USAGE}"),
    }
}

/// `esim-bench server`: the server's figures (`bench/server.md`), see `docs/server.md`.
fn server_bench(flags: &Flags) -> Result<()> {
    let postgres = flags
        .get("postgres")
        .unwrap_or("postgres://postgres@127.0.0.1:5432/postgres");
    let only = flags.get("only").map(str::to_owned);
    if let Some(o) = &only {
        if !matches!(o.as_str(), "imports" | "checkins" | "tokens") {
            bail!("--only takes imports, checkins or tokens, not {o:?}\n{USAGE}");
        }
    }
    let exe = match flags.get("server-exe") {
        Some(p) => PathBuf::from(p),
        None => {
            let me = std::env::current_exe().context("finding this binary")?;
            me.with_file_name(format!("esim-server{}", std::env::consts::EXE_SUFFIX))
        }
    };
    if !exe.is_file() {
        bail!(
            "{} does not exist: build it (cargo build --release -p esim-server) or pass --server-exe",
            exe.display()
        );
    }
    let seconds: f64 = match flags.get("seconds") {
        None => 5.0,
        Some(v) => v
            .parse()
            .with_context(|| format!("--seconds wants a number, got {v:?}"))?,
    };
    let options = server::BenchOptions {
        out: PathBuf::from(flags.get("out").unwrap_or("bench/server.md")),
        postgres: (postgres != "none").then(|| postgres.to_owned()),
        imports: flags.num("imports", 200)?,
        devices: flags.num("devices", 5000)?,
        seconds,
        connections: flags.num("connections", 64)?,
        exe,
        compare_exe: flags.get("compare-exe").map(PathBuf::from),
        only,
    };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(server::run(options))
}

fn run(flags: &Flags, codes: usize, reps: usize) -> Result<()> {
    let web = PathBuf::from(flags.get("web").context("--web DIR")?);
    let dist = PathBuf::from(flags.get("dist").context("--dist DIR")?);
    let out = PathBuf::from(flags.get("out").context("--out FILE")?);
    let runs = flags.num("runs", 3)?.max(1);
    let mut results = report::Results::new(codes, reps);
    results.notes = flags.all("note");
    // An earlier commit measured in the same sessions (`cargo xtask bench --baseline REV`).
    let against_web = flags.get("against-web");
    let against_dist = flags.get("against-dist").map(PathBuf::from);
    results.against_rev = flags.get("against-rev").map(str::to_owned);

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
        let outcome = runtime.block_on(browser::bench_page(
            &web,
            codes,
            reps,
            &mut native,
            against_web,
        ));
        natives.push(native.finish(15));
        match outcome {
            Ok((page, rounds)) => {
                results
                    .ratios
                    .extend(rounds.iter().map(report::RunRatios::of));
                results
                    .rounds
                    .extend(rounds.iter().map(|round| round.page.clone()));
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
    if let Some(exe) = flags.get("server-exe") {
        println!("==> the pages as esim-server serves them (Accept-Encoding: br)");
        let served = sizes::served(&dist, std::path::Path::new(exe));
        if let Err(error) = &served {
            println!("  the pages as served: {error:#}");
        }
        results.served = Some(served.map_err(|e| format!("{e:#}")));
        if let Some(theirs) = &against_dist {
            println!("==> the earlier commit's console as esim-server serves it");
            let served = sizes::served_pages(theirs, std::path::Path::new(exe), &sizes::PAGES[1..]);
            results.against_served = Some(served.map_err(|e| format!("{e:#}")));
        }
    }
    println!("==> the console: a chosen file to the painted verdict");
    match runtime.block_on(browser::console(&dist, against_dist.as_deref())) {
        Ok((ours, theirs)) => {
            results.console = Some(Ok(ours));
            results.against_console = theirs;
        }
        Err(error) => results.console = Some(Err(format!("{error:#}"))),
    }
    if flags.get("server-exe").is_some() && flags.get("console-pool") != Some("no") {
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

    // "Against REV" goes after the goals.
    let text = against::after_goals(&results.markdown(), &against::markdown(&results));
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
    let against = flags.get("against-dist").map(PathBuf::from);
    let outcome = runtime.block_on(console_pool::measure(
        &dist,
        &exe,
        devices,
        baseline,
        runs,
        against.as_deref(),
    ));
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

/// `esim-bench startup`: the console's full page loads against another build, in pairs
/// ([`startup`]); prints the report, or writes it to `--out`.
fn startup_alone(flags: &Flags) -> Result<()> {
    let dist = PathBuf::from(flags.get("dist").context("--dist DIR")?);
    let against = PathBuf::from(flags.get("against-dist").context("--against-dist DIR")?);
    let exe = PathBuf::from(flags.get("server-exe").context("--server-exe PATH")?);
    let profile = flags.get("profile").map(PathBuf::from);
    let options = startup::Options {
        profile: profile.as_deref(),
        dist: &dist,
        against_dist: &against,
        server_exe: &exe,
        devices: flags.num("devices", console_pool::DEVICES)?,
        pairs: flags.num("pairs", 15)?.max(1),
        against_name: flags
            .get("against-name")
            .map_or_else(|| against.display().to_string(), str::to_owned),
    };
    println!(
        "==> the console's start-up: {} pairs of full page loads against {}",
        options.pairs, options.against_name
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(startup::run(&options))?;
    match flags.get("out") {
        Some(out) => {
            std::fs::write(out, &report).with_context(|| format!("cannot write {out}"))?;
            println!("==> wrote {out}");
        }
        None => println!("{report}"),
    }
    Ok(())
}

/// `esim-bench sizes`: the pages as esim-server serves them, printed.
fn sizes_alone(flags: &Flags) -> Result<()> {
    let dist = PathBuf::from(flags.get("dist").context("--dist DIR")?);
    let exe = PathBuf::from(flags.get("server-exe").context("--server-exe PATH")?);
    for page in sizes::served(&dist, &exe)? {
        println!(
            "{} ({}): {} bytes sent (budget {}), {} raw",
            page.what,
            page.path,
            page.sent(),
            page.budget,
            page.raw()
        );
        for f in &page.files {
            println!("  {} {} {} -> {}", f.path, f.encoding, f.raw, f.sent);
        }
    }
    Ok(())
}

/// The page's contenders (ids in `bench/web/bench.js`); the last two only with an
/// earlier commit's module.
pub const PAGE_IDS: [&str; 6] = [
    "wasm_validate",
    "wasm_csv_parse_only",
    "js_papa_checks",
    "js_fast_loop",
    "against_wasm_validate",
    "against_wasm_csv_parse_only",
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
            if times.is_empty() {
                continue;
            }
            let ms = median(&times);
            merged[file][id][key] = serde_json::json!(times);
            merged[file][id]["median_ms"] = serde_json::json!(ms);
            merged[file][id]["mb_per_s"] = serde_json::json!(bytes / 1e6 / (ms / 1000.0));
        }
    }
    merged["runs"] = serde_json::json!(pages.len());
    merged
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
