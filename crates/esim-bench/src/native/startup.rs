//! `esim-bench startup`: the console's full page load of a pool's device table, and where
//! its time goes - measured in pairs against another build of the console (`--against-dist`,
//! e.g. an earlier commit's), alternating which one loads first, in one browser.
//!
//! Setup as the console pool bench ([`super::console_pool`]): a release `esim-server serve`
//! on a fresh SQLite database serving `--dist`, a second one on the same database serving
//! `--against-dist`, a pool of `--devices` codes (10,000 by default) and one of 100, each
//! with one device state per device (`esim-server simulate`). Each console is signed in
//! once (its first visit: a service worker, if the build has one, installs then).
//!
//! Then `--pairs` rounds: each pool loaded in full (from `about:blank`) by both consoles,
//! back to back. Each load gives the time from the navigation's start to the first device
//! row painted and to the whole pool counted, and the load's waterfall from the browser's
//! resource timing: when the app's wasm had arrived, when the first request to the API
//! (the pool's device states) started and was answered, and whether a service worker
//! controlled the page. The gaps between them say whether a slower load is the download,
//! the work before the first request (compiling and starting the wasm, the app's set-up),
//! the request itself, or the rendering after it.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use esim_test_support::scratch::{release_build, ScratchDir};
use esim_test_support::served::wait_for_copies;
use esim_test_support::server::{create_token, Server};
use fantoccini::Client;
use serde_json::{json, Value};

use super::console_pool::{import_pool, sign_in, simulate, start_browser};
use super::measure::{group, median};

/// What `esim-bench startup` was asked for.
pub struct Options<'a> {
    pub dist: &'a Path,
    pub against_dist: &'a Path,
    pub server_exe: &'a Path,
    pub devices: usize,
    pub pairs: usize,
    /// What `--against-dist` is (e.g. "01ee453"), for the report.
    pub against_name: String,
    /// Where to save a CPU profile of one more load of each pool by each console, after
    /// the pairs (`--profile DIR`; [`super::profile`]).
    pub profile: Option<&'a Path>,
}

/// The small pool, loaded in each round beside the big one.
const SMALL: usize = 100;

/// Runs at the start of every document (CDP `Page.addScriptToEvaluateOnNewDocument`, beside
/// the console pool bench's observer): notes when the page asks for its wasm to be compiled
/// (`WebAssembly.instantiateStreaming` and kin) and when that is done, and when each
/// `fetch` is called (`window.__startup`). With them the wasm's end to the first API request
/// splits into compiling and instantiating the wasm, the app's set-up until it asks for the
/// device states (its `main`: Leptos mounting the page), and the browser's dispatch.
const STARTUP_EARLY: &str = r#"
window.__startup = { fetches: [] };
(() => {
  const s = window.__startup;
  for (const name of ["instantiateStreaming", "instantiate", "compileStreaming", "compile"]) {
    const original = WebAssembly[name];
    if (typeof original !== "function") continue;
    WebAssembly[name] = function (...args) {
      if (s.compileCalled === undefined) s.compileCalled = performance.now();
      return original.apply(this, args).then((result) => {
        if (s.compiled === undefined) s.compiled = performance.now();
        return result;
      });
    };
  }
  const fetch = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === "string" ? input : (input && input.url) || String(input);
    s.fetches.push({ url, at: performance.now() });
    return fetch.apply(this, arguments);
  };
})();
"#;

/// The in-page side, run once the page is up (after a full load): waits for the first row
/// (seen from the document's start by the console pool bench's early observer) and the
/// whole pool counted, then reads the load's waterfall from the resource timing.
const LOAD: &str = r#"
const [n, done] = [arguments[0], arguments[arguments.length - 1]];
const started = performance.now();
const tick = () => {
  const e = window.__poolEarly || {};
  if (e.firstRow !== undefined && e.loaded !== undefined) {
    const entries = performance.getEntriesByType("resource");
    const first = (test) => entries.filter((r) => test(r.name)).sort((a, b) => a.startTime - b.startTime)[0];
    const pick = (r) => r ? { start: r.startTime, worker: r.workerStart, responseStart: r.responseStart, end: r.responseEnd } : null;
    const nav = performance.getEntriesByType("navigation")[0] || {};
    const nums = (e.loadedText.replace(/(\d)[,.\u00a0\u202f ](?=\d{3}(\D|$))/g, "$1").match(/\d+/g) || []).map(Number);
    done({
      firstRow: e.firstRow, loaded: e.loaded, total: nums[1],
      controlled: !!(navigator.serviceWorker && navigator.serviceWorker.controller),
      document: { worker: nav.workerStart, responseStart: nav.responseStart, end: nav.responseEnd, domContentLoaded: nav.domContentLoadedEventEnd },
      js: pick(first((u) => /\/esim-console\.js$/.test(u))),
      wasm: pick(first((u) => /\/esim-console_bg\.wasm$/.test(u))),
      api: pick(first((u) => u.includes("/deviceStates"))),
      requests: entries.length,
      order: entries.slice().sort((a, b) => a.startTime - b.startTime).map((r) => `${r.startTime.toFixed(0)}-${r.responseEnd.toFixed(0)} ${new URL(r.name).pathname.split("/").pop()}${r.workerStart ? " (worker)" : ""}`),
      app: (() => {
        const s = window.__startup || { fetches: [] };
        const states = s.fetches.find((f) => f.url.includes("/deviceStates"));
        return { compileCalled: s.compileCalled, compiled: s.compiled, statesFetch: states && states.at };
      })(),
    });
  } else if (performance.now() - started > 600000) {
    done({ error: "the device table never showed the whole pool" });
  } else {
    requestAnimationFrame(tick);
  }
};
tick();
"#;

/// One console's loads of one pool.
#[derive(Default)]
struct Loads(Vec<Value>);

impl Loads {
    fn series(&self, pick: &dyn Fn(&Value) -> Option<f64>) -> Vec<f64> {
        self.0.iter().filter_map(pick).collect()
    }
}

/// The figures of a load, each a time from the navigation's start (ms).
const FIGURES: [(&str, &str); 6] = [
    ("wasm arrived (response end)", "wasm.end"),
    ("first API request sent", "api.start"),
    ("first API request answered", "api.end"),
    ("**first device row painted**", "firstRow"),
    ("whole pool counted", "loaded"),
    ("document answered", "document.end"),
];

fn field(v: &Value, path: &str) -> Option<f64> {
    path.split('.').try_fold(v, |v, key| v.get(key))?.as_f64()
}

/// Full page loads in pairs; the report (markdown).
pub async fn run(options: &Options<'_>) -> Result<String> {
    for dist in [options.dist, options.against_dist] {
        release_build(dist)?;
    }
    let dir = ScratchDir::new("esim-bench-startup")?;
    measure(options, &dir).await
}

async fn measure(options: &Options<'_>, dir: &Path) -> Result<String> {
    let database = format!("sqlite://{}", dir.join("bench.db").display());
    let serve = |dist: &Path| {
        Server::serve(options.server_exe, &database, |command| {
            command.arg("--static-dir").arg(dist);
        })
    };
    let ours = serve(options.dist)?;
    let token = create_token(options.server_exe, &database, "admin", "esim-bench", None)?;
    let codes = esim_bench::generate(options.devices + SMALL);
    let text = String::from_utf8(codes).context("generated codes are ASCII")?;
    let mut lines = text.lines();
    let smdp = lines.next().context("the SM-DP+ line")?.to_owned();
    let lines: Vec<&str> = lines.collect();
    let start = Instant::now();
    let mut pools = Vec::new();
    for (name, range) in [
        ("pool-small", options.devices..options.devices + SMALL),
        ("pool-big", 0..options.devices),
    ] {
        let id = import_pool(&ours, &token, &smdp, &lines[range.clone()], name)?;
        simulate(options.server_exe, ours.url(), &token, &id, range.len())?;
        pools.push((range.len(), id));
    }
    println!(
        "  pools imported and checked in: {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let theirs = serve(options.against_dist)?;
    // Until the server has written its copies it compresses on the fly, which the loads
    // would time (a debug build of the server takes a while).
    for dist in [options.dist, options.against_dist] {
        wait_for_copies(dist, Duration::from_secs(900))?;
    }

    // [pool][console]: console 0 is this tree's.
    let mut loads: Vec<[Loads; 2]> = pools.iter().map(|_| Default::default()).collect();
    let session = start_browser().await?;
    if let Err(error) = session
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": STARTUP_EARLY }),
        )
        .await
    {
        println!("  no wasm and fetch timings ({error:#})");
    }
    let outcome = async {
        sign_in(&session.client, ours.url(), &token).await?;
        sign_in(&session.client, theirs.url(), &token).await?;
        // The first visit installs a service worker (if any) and fills its cache: wait for
        // it, then warm both up once, unmeasured.
        tokio::time::sleep(Duration::from_secs(3)).await;
        for (n, id) in &pools {
            for base in [ours.url(), theirs.url()] {
                load(&session.client, base, id, *n).await?;
            }
        }
        for pair in 0..options.pairs {
            for (p, (n, id)) in pools.iter().enumerate() {
                // Alternate which console loads first.
                let order = if pair % 2 == 0 { [0, 1] } else { [1, 0] };
                for which in order {
                    let base = [ours.url(), theirs.url()][which];
                    let value = load(&session.client, base, id, *n).await?;
                    loads[p][which].0.push(value);
                }
                let (a, b) = (&loads[p][0].0[pair], &loads[p][1].0[pair]);
                if pair == 0 {
                    for (name, v) in [("this tree", a), (options.against_name.as_str(), b)] {
                        println!("    requests of a load ({name}, {} devices):", group(*n));
                        for line in v["order"].as_array().into_iter().flatten() {
                            println!("      {}", line.as_str().unwrap_or_default());
                        }
                    }
                }
                println!(
                    "    pair {}/{} {} devices: first row {:.0} vs {:.0} ms, whole pool {:.0} vs {:.0} ms \
                     (first API request at {:.0} vs {:.0} ms)",
                    pair + 1,
                    options.pairs,
                    group(*n),
                    field(a, "firstRow").unwrap_or(f64::NAN),
                    field(b, "firstRow").unwrap_or(f64::NAN),
                    field(a, "loaded").unwrap_or(f64::NAN),
                    field(b, "loaded").unwrap_or(f64::NAN),
                    field(a, "api.start").unwrap_or(f64::NAN),
                    field(b, "api.start").unwrap_or(f64::NAN),
                );
            }
        }
        if let Some(dir) = options.profile {
            std::fs::create_dir_all(dir)?;
            let endpoint = session.cdp_endpoint().await?;
            for (n, id) in &pools {
                for (which, name) in [(0, "this-tree"), (1, options.against_name.as_str())] {
                    let base = [ours.url(), theirs.url()][which];
                    super::profile::start(&endpoint).await?;
                    let value = load(&session.client, base, id, *n).await?;
                    let path = dir.join(format!("{name}-{n}.cpuprofile"));
                    let summary = super::profile::stop(&endpoint, &path, 40).await?;
                    println!(
                        "    profile of {name}, {} devices (first row {:.0} ms): {}\n{summary}",
                        group(*n),
                        field(&value, "firstRow").unwrap_or(f64::NAN),
                        path.display()
                    );
                }
            }
        }
        anyhow::Ok(())
    }
    .await;
    session.close().await;
    outcome?;
    Ok(report(options, &pools, &loads))
}

/// One full page load of a pool's device table (from `about:blank`).
async fn load(client: &Client, base: &str, id: &str, n: usize) -> Result<Value> {
    client.goto("about:blank").await?;
    let url = format!("{base}/#/pools/{id}/devices");
    client.goto(&url).await?;
    let value = client
        .execute_async(LOAD, vec![json!(n)])
        .await
        .context("the load's figures")?;
    if let Some(error) = value["error"].as_str() {
        bail!("{url}: {error}");
    }
    if value["total"].as_u64() != Some(n as u64) {
        bail!("{url}: counted {} devices, not {n}", value["total"]);
    }
    Ok(value)
}

fn quartiles(values: &[f64]) -> (f64, f64) {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    if sorted.is_empty() {
        (f64::NAN, f64::NAN)
    } else {
        (at(0.25), at(0.75))
    }
}

fn report(options: &Options<'_>, pools: &[(usize, String)], loads: &[[Loads; 2]]) -> String {
    let mut w = String::new();
    let _ = writeln!(
        w,
        "# The console's start-up: full page loads of a pool's device table\n\n\
         Written by `esim-bench startup` (`cargo xtask bench --startup --baseline REV` builds \
         both consoles and runs it; see docs/ARCHITECTURE.md). This tree's console against \
         {}, each served by its own `esim-server serve` (`--server-exe`) on the same database; {} pairs in one \
         headless Chromium, each pair the two consoles' full loads (from `about:blank`) back \
         to back, alternating which goes first; both signed in and loaded once before. Times \
         from the navigation's start (the browser's resource timing and `performance.now()` \
         at the first animation frame after the DOM showed it); medians, with the quartiles \
         in brackets. A pair's cost is this tree's time over the other's.\n",
        options.against_name, options.pairs
    );
    for (p, (n, _)) in pools.iter().enumerate() {
        let [a, b] = &loads[p];
        let controlled = |l: &Loads| {
            let yes =
                l.0.iter()
                    .filter(|v| v["controlled"] == json!(true))
                    .count();
            format!("{yes} of {}", l.0.len())
        };
        let _ = writeln!(
            w,
            "## {} devices\n\nLoads controlled by a service worker: this tree {}, {} {}.\n\n\
             | from the navigation's start to | this tree | {} | cost per pair (median, quartiles) |\n\
             |---|---:|---:|---|",
            group(*n),
            controlled(a),
            options.against_name,
            controlled(b),
            options.against_name
        );
        let show = |values: &[f64]| {
            if values.is_empty() {
                return "-".to_owned();
            }
            let (lo, hi) = quartiles(values);
            format!("{:.0} ms ({lo:.0}-{hi:.0})", median(values))
        };
        for (what, path) in FIGURES {
            let pick = |v: &Value| field(v, path);
            let (x, y) = (a.series(&pick), b.series(&pick));
            let costs: Vec<f64> =
                a.0.iter()
                    .zip(&b.0)
                    .filter_map(|(p, q)| Some(field(p, path)? / field(q, path)?))
                    .filter(|c| c.is_finite())
                    .collect();
            let cost = if costs.is_empty() {
                "-".to_owned()
            } else {
                let (lo, hi) = quartiles(&costs);
                format!("{:.2} ({lo:.2}-{hi:.2})", median(&costs))
            };
            let _ = writeln!(w, "| {what} | {} | {} | {cost} |", show(&x), show(&y));
        }
        // The gaps: where a load's time goes.
        let gap =
            |l: &Loads, from: &str, to: &str| l.series(&|v| Some(field(v, to)? - field(v, from)?));
        let _ = writeln!(
            w,
            "\nWhere the time goes (medians of each load's own gaps):\n\n\
             | gap | this tree | {} |\n|---|---:|---:|",
            options.against_name
        );
        for (what, from, to) in [
            ("the document, its script and wasm (to the wasm's end)", "", "wasm.end"),
            (
                "compiling and starting the wasm, the app's set-up (wasm's end to the first API request)",
                "wasm.end",
                "api.start",
            ),
            ("- of which: the wasm's end to its compiling and instantiating done", "wasm.end", "app.compiled"),
            ("- of which: the app's set-up (`main`, until it asks for the device states)", "app.compiled", "app.statesFetch"),
            ("- of which: the request's dispatch (the fetch call to the request's start)", "app.statesFetch", "api.start"),
            ("the first API request", "api.start", "api.end"),
            ("rendering the first rows (answer to painted)", "api.end", "firstRow"),
            ("the rest of the pool (first row to all counted)", "firstRow", "loaded"),
        ] {
            let pick = |l: &Loads| {
                if from.is_empty() {
                    l.series(&|v| field(v, to))
                } else {
                    gap(l, from, to)
                }
            };
            let _ = writeln!(w, "| {what} | {} | {} |", show(&pick(a)), show(&pick(b)));
        }
        let _ = writeln!(w);
    }
    w
}
