//! Headless Chromium through ChromeDriver: the bench page, and the real console in `dist/`.
//!
//! The browser and the static server are the end-to-end tests' (`esim-test-support`);
//! every wait polls instead of sleeping.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
pub use esim_test_support::browser::chromium_version;
use esim_test_support::browser::{Browser, Options};
use esim_test_support::scratch::release_build;
use esim_test_support::static_server::StaticServer;
use fantoccini::Locator;
use serde_json::{json, Value};

use super::measure::{median, NativeBench, CONSOLE_BIG_CODES};

const POLL: Duration = Duration::from_millis(100);

/// One round: the page's times of each contender, and the native validator's right after.
#[derive(Debug, Clone)]
pub struct Round {
    pub page: Value,
    pub native_validate_ms: f64,
}

/// Opens the bench page in a fresh browser, alternates its rounds with native ones, and
/// returns what the page reports (`window.__benchFinish()`) and every round's times.
pub async fn bench_page(
    web: &Path,
    codes: usize,
    reps: usize,
    native: &mut NativeBench,
    against: Option<&str>,
) -> Result<(Value, Vec<Round>)> {
    let mut needed = vec![
        "index.html".to_owned(),
        "papaparse.min.js".into(),
        "pkg/esim_bench.js".into(),
    ];
    needed.extend(against.map(|dir| format!("{dir}/pkg/esim_bench.js")));
    for needed in needed {
        if !web.join(&needed).is_file() {
            bail!(
                "{} is missing (cargo xtask bench stages it)",
                web.join(needed).display()
            );
        }
    }
    let server = StaticServer::start(web, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
    let session = start_browser().await?;
    let outcome = async {
        let mut url = format!("{}index.html?driven&codes={codes}", server.url());
        if let Some(dir) = against {
            url.push_str(&format!("&against={dir}"));
        }
        session.client.goto(&url).await?;
        let mut printed = 0;
        let deadline = Instant::now() + Duration::from_secs(10 * 60);
        loop {
            let state = page_state(&session, &mut printed).await?;
            if let Some(error) = state["error"].as_str() {
                bail!("the bench page failed: {error}");
            }
            if state["ready"] == json!(true) {
                break;
            }
            if Instant::now() > deadline {
                bail!("the bench page was not ready in 10 minutes");
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let mut rounds = Vec::new();
        for _ in 0..reps.max(1) {
            let page = session
                .client
                .execute("return window.__benchRound();", vec![])
                .await
                .context("a round in the page")?;
            let (native_validate_ms, _) = native.round();
            page_state(&session, &mut printed).await?;
            println!("  native: validate {native_validate_ms:.0} ms");
            rounds.push(Round {
                page,
                native_validate_ms,
            });
        }
        let results = session
            .client
            .execute("return window.__benchFinish();", vec![])
            .await
            .context("the page's 1,000-code file and medians")?;
        page_state(&session, &mut printed).await?;
        Ok((results, rounds))
    }
    .await;
    session.close().await;
    outcome
}

/// The page's state; prints its log lines not printed yet.
async fn page_state(session: &Browser, printed: &mut usize) -> Result<Value> {
    let state = session
        .client
        .execute(
            "const b = window.__bench; \
             return b ? { ready: b.ready, done: b.done, error: b.error, log: b.log } : {};",
            vec![],
        )
        .await?;
    if let Some(log) = state["log"].as_array() {
        for line in &log[(*printed).min(log.len())..] {
            println!("  page: {}", line.as_str().unwrap_or_default());
        }
        *printed = log.len();
    }
    Ok(state)
}

/// The console's figures.
#[derive(Debug, Clone)]
pub struct Console {
    /// 1,000 codes: change event to the frame after the verdict appeared, per page load.
    pub small_painted_ms: Vec<f64>,
    /// 1,000 codes: change event to the verdict in the DOM.
    pub small_seen_ms: Vec<f64>,
    pub small_verdict: String,
    /// The 50 MB file's first run (the report's details).
    pub big: Result<BigRun, String>,
    /// Every run of the 50 MB file that reached its verdict, in order.
    pub big_runs: Vec<BigRun>,
}

impl Console {
    pub fn small_median_ms(&self) -> f64 {
        median(&self.small_painted_ms)
    }
}

/// The console on the 50 MB file.
#[derive(Debug, Clone)]
pub struct BigRun {
    pub bytes: usize,
    pub codes: usize,
    pub painted_ms: f64,
    pub verdict: String,
    pub code_count: String,
    /// `performance.memory` after the verdict (needs `--enable-precise-memory-info`).
    pub js_heap_used: Option<u64>,
    pub js_heap_total: Option<u64>,
    /// The renderer process's resident memory before the file and its peak (VmHWM), KiB.
    pub renderer_rss_before_kib: Option<u64>,
    pub renderer_peak_kib: Option<u64>,
    /// A progress bar seen while it ran (`<progress>` or `[role=progressbar]`).
    pub progress_seen: bool,
}

/// The runs of the 50 MB file, each console in a fresh browser per run.
const BIG_RUNS: usize = 3;

/// Loads the console several times, chooses the 1,000-code file in its file input each time
/// and measures in the page; then the 50 MB file, [`BIG_RUNS`] times, each in a fresh
/// browser. With `against` (an earlier commit's build), that console too: each of its loads
/// beside this one's in the same browser, each of its 50 MB runs beside this one's, which
/// of the two goes first alternating.
pub async fn console(
    dist: &Path,
    against: Option<&Path>,
) -> Result<(Console, Option<Result<Console, String>>)> {
    let mut servers = Vec::new();
    for dist in std::iter::once(dist).chain(against) {
        release_build(dist)?;
        servers.push(StaticServer::start(
            dist,
            SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        )?);
    }
    let urls: Vec<String> = servers.iter().map(StaticServer::url).collect();
    // Why the earlier commit's console could not be measured (ours goes on without it).
    let mut theirs_failed = None::<String>;

    let session = start_browser().await?;
    let small = async {
        let path = session.dir().join("codes-1000.csv");
        std::fs::write(&path, esim_bench::generate(1000))?;
        let mut each = vec![(Vec::new(), Vec::new(), String::new()); urls.len()];
        for round in 0..9 {
            // This console first in even rounds, the earlier commit's in odd ones.
            let mut pairs: Vec<_> = urls.iter().zip(&mut each).enumerate().collect();
            if round % 2 == 1 {
                pairs.reverse();
            }
            for (k, (url, (painted, seen, verdict))) in pairs {
                if k > 0 && theirs_failed.is_some() {
                    continue;
                }
                let drop = match choose_file(&session, url, &path, Duration::from_secs(30)).await {
                    Ok(drop) => drop,
                    Err(error) if k > 0 => {
                        println!("  the earlier commit's console: {error:#}");
                        theirs_failed = Some(format!("{error:#}"));
                        continue;
                    }
                    Err(error) => return Err(error),
                };
                painted.push(drop.painted_ms);
                seen.push(drop.seen_ms);
                *verdict = drop.verdict;
            }
        }
        for (k, (painted, _, verdict)) in each.iter().enumerate() {
            println!(
                "  1,000 codes{}: change to painted verdict {:.1} ms (median of {}; {verdict:?})",
                if k == 0 { "" } else { ", the earlier commit" },
                median(painted),
                painted.len()
            );
        }
        anyhow::Ok(each)
    }
    .await;
    session.close().await;
    let small = small?;
    let consoles = if theirs_failed.is_some() {
        1
    } else {
        urls.len()
    };
    let mut bigs: Vec<Vec<Result<BigRun, String>>> = vec![Vec::new(); consoles];
    for round in 0..BIG_RUNS {
        let mut pairs: Vec<_> = urls.iter().zip(&mut bigs).collect();
        if round % 2 == 1 {
            pairs.reverse();
        }
        for (url, runs) in pairs {
            let big = big_file(url).await.map_err(|e| format!("{e:#}"));
            match &big {
                Ok(run) => println!(
                    "  {} bytes: {:.0} ms to the painted verdict, renderer peak {:?} KiB",
                    run.bytes, run.painted_ms, run.renderer_peak_kib
                ),
                Err(error) => println!("  the 50 MB file: {error}"),
            }
            runs.push(big);
        }
    }
    let mut figures = Vec::new();
    for ((small_painted_ms, small_seen_ms, small_verdict), runs) in small.into_iter().zip(bigs) {
        let big_runs = runs.iter().flatten().cloned().collect();
        let big = runs
            .into_iter()
            .next()
            .unwrap_or_else(|| Err("not run".to_owned()));
        figures.push(Console {
            small_painted_ms,
            small_seen_ms,
            small_verdict,
            big,
            big_runs,
        });
    }
    let mut figures = figures.into_iter();
    let ours = figures.next().context("the console's figures")?;
    let theirs = match (figures.next(), theirs_failed) {
        (_, Some(error)) => Some(Err(error)),
        (theirs, None) => theirs.map(Ok),
    };
    Ok((ours, theirs))
}

async fn big_file(url: &str) -> Result<BigRun> {
    let session = start_browser().await?;
    let outcome = async {
        let path = session.dir().join("codes-50mb.csv");
        let bytes = esim_bench::generate(CONSOLE_BIG_CODES);
        std::fs::write(&path, &bytes)?;
        let drop = choose_file(&session, url, &path, Duration::from_secs(600)).await?;
        let memory = session
            .client
            .execute(
                "const m = performance.memory; \
                 return m ? [m.usedJSHeapSize, m.totalJSHeapSize] : null;",
                vec![],
            )
            .await?;
        let code_count = session
            .client
            .execute(
                "const e = document.querySelector('[data-testid=\"code-count\"]'); \
                 return e ? e.textContent.trim() : '';",
                vec![],
            )
            .await?;
        let peak = renderer_memory(&session.profile());
        anyhow::Ok(BigRun {
            bytes: bytes.len(),
            codes: CONSOLE_BIG_CODES,
            painted_ms: drop.painted_ms,
            verdict: drop.verdict,
            code_count: code_count.as_str().unwrap_or_default().to_owned(),
            js_heap_used: memory[0].as_u64(),
            js_heap_total: memory[1].as_u64(),
            renderer_rss_before_kib: drop.rss_before_kib,
            renderer_peak_kib: peak.map(|(hwm, _)| hwm),
            progress_seen: drop.progress_seen,
        })
    }
    .await;
    session.close().await;
    outcome
}

struct Dropped {
    painted_ms: f64,
    seen_ms: f64,
    verdict: String,
    rss_before_kib: Option<u64>,
    progress_seen: bool,
}

/// Measures in the page, from the file input's change event (a capturing listener, so it
/// runs before the app's) to the first animation frame after a non-empty verdict is in the
/// DOM (a MutationObserver). The page is loaded fresh each time.
const OBSERVE: &str = r#"
window.__drop = { start: null, seen: null, painted: null, verdict: null, progress: false };
document.addEventListener("change", (event) => {
  if (event.target && event.target.type === "file" && window.__drop.start === null) {
    window.__drop.start = performance.now();
  }
}, true);
new MutationObserver(() => {
  const d = window.__drop;
  if (d.start === null || d.seen !== null) return;
  if (document.querySelector('progress, [role="progressbar"]')) d.progress = true;
  const v = document.querySelector('[data-testid="verdict"]');
  if (v && v.textContent.trim() !== "") {
    d.seen = performance.now();
    d.verdict = v.textContent.trim();
    requestAnimationFrame(() => { d.painted = performance.now(); });
  }
}).observe(document.body, { childList: true, subtree: true, characterData: true });
"#;

async fn choose_file(session: &Browser, url: &str, path: &Path, wait: Duration) -> Result<Dropped> {
    session.client.goto(url).await?;
    let input = session
        .client
        .wait()
        .at_most(Duration::from_secs(30))
        .every(POLL)
        .for_element(Locator::Css("[data-testid=\"csv-file\"]"))
        .await
        .context("the console's file input never appeared")?;
    settle(&session.client).await?;
    session.client.execute(OBSERVE, vec![]).await?;
    let rss_before_kib = renderer_memory(&session.profile()).map(|(_, rss)| rss);
    input
        .send_keys(path.to_str().context("a UTF-8 path")?)
        .await
        .context("choose the file")?;
    let deadline = Instant::now() + wait;
    loop {
        let d = session
            .client
            .execute(
                "const d = window.__drop; return d && d.painted !== null ? d : null;",
                vec![],
            )
            .await?;
        if !d.is_null() {
            let at = |key: &str| d[key].as_f64().unwrap_or(f64::NAN);
            return Ok(Dropped {
                painted_ms: at("painted") - at("start"),
                seen_ms: at("seen") - at("start"),
                verdict: d["verdict"].as_str().unwrap_or_default().to_owned(),
                rss_before_kib,
                progress_seen: d["progress"] == json!(true),
            });
        }
        if Instant::now() > deadline {
            bail!("no verdict within {} s", wait.as_secs());
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The largest renderer of this profile's browser: (peak resident KiB, resident KiB now).
pub(super) fn renderer_memory(profile: &Path) -> Option<(u64, u64)> {
    let marker = format!("--user-data-dir={}", profile.display());
    let mut procs = Vec::new(); // (pid, ppid, cmdline)
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
            .unwrap_or(0);
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        procs.push((
            pid,
            ppid,
            String::from_utf8_lossy(&cmdline).replace('\0', " "),
        ));
    }
    let browser = procs
        .iter()
        .find(|(_, _, cmd)| cmd.contains(&marker) && !cmd.contains("--type="))?
        .0;
    let descends = |mut pid: u32| {
        for _ in 0..16 {
            if pid == browser {
                return true;
            }
            match procs.iter().find(|(p, _, _)| *p == pid) {
                Some((_, parent, _)) => pid = *parent,
                None => return false,
            }
        }
        false
    };
    procs
        .iter()
        .filter(|(pid, _, cmd)| cmd.contains("--type=renderer") && descends(*pid))
        .filter_map(|(pid, _, _)| {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
            let field = |name: &str| {
                status
                    .lines()
                    .find(|l| l.starts_with(name))?
                    .split_whitespace()
                    .nth(1)?
                    .parse::<u64>()
                    .ok()
            };
            Some((field("VmHWM:")?, field("VmRSS:")?))
        })
        .max()
}

/// Waits until a loaded page has settled: a second, then the browser's next idle moment
/// (at most 2 s more). What the console does after its load (registering its service
/// worker, which fetches the built files again; the first `Intl` object, made when the
/// browser is idle) belongs to the full page load's figures, not to those of what the
/// page is used for next - otherwise a figure such as the 1,000-code verdict would time
/// whichever start-up work is still running when the file is chosen.
pub(super) async fn settle(client: &fantoccini::Client) -> Result<()> {
    client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             setTimeout(() => requestIdleCallback(() => done(null), { timeout: 2000 }), 1000);",
            vec![],
        )
        .await
        .context("waiting for the page to settle")?;
    Ok(())
}

/// A browser whose long-running page scripts do not time out the polling calls.
pub(super) async fn start_browser() -> Result<Browser> {
    Browser::start(&Options {
        timeouts: Some((Duration::from_secs(600), Duration::from_secs(120))),
        name: Some("esim-bench".into()),
        ..Options::default()
    })
    .await
}
