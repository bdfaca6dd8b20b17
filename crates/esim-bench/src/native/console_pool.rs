//! Issue 5, "Measured": the console on a pool of 10,000 devices - time to first paint and to
//! interactive, and whether the device table scrolls and filters without dropped frames
//! (it renders only the visible rows).
//!
//! Setup: a real `esim-server serve` (release build) on a fresh SQLite database in a
//! temporary directory, serving the release build of the console; an admin token from
//! `esim-server token create`; a pool of 10,000 codes imported as ten 1,000-code files and a
//! baseline pool of 100 codes; `esim-server simulate` assigns a fleet to each pool and checks
//! it in once (5 % failures), so every pool has one device state per device.
//!
//! Then, in each run (a fresh headless Chromium through ChromeDriver), for the baseline pool
//! and the big pool in turn: a full page load of the device table, an in-app navigation to
//! it (`location.hash`) once the page has settled after its load, 120 idle frames, a scroll
//! from top to bottom in 120 frames, and the state filter and the search box - all timed in
//! the page with `performance.now()`, a MutationObserver and `requestAnimationFrame`. The
//! report takes medians over the runs.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use esim_test_support::browser::{Browser, Options};
use esim_test_support::http;
use esim_test_support::scratch::{release_build, ScratchDir};
use esim_test_support::server::{create_token, Server};
use fantoccini::Client;
use serde_json::{json, Value};

use super::measure::{group, median};

/// Devices of the big pool (issue 5).
pub const DEVICES: usize = 10_000;
/// Devices of the baseline pool, measured in the same run.
pub const BASELINE_DEVICES: usize = 100;
/// The import limit: codes per file.
const FILE_CODES: usize = 1_000;
/// Frames of a scroll (and of the idle baseline).
const FRAMES: usize = 120;
/// A fast scroll: px a frame (10 rows).
const FLING_PX: usize = 360;
/// A frame interval above this missed its 16.7 ms vsync ("late").
const LATE_MS: f64 = 20.0;
/// A frame interval above this lost at least one whole frame ("dropped").
pub(super) const DROPPED_MS: f64 = 34.0;
/// The sort heading clicked to prove the table interactive.
const SORT_COLUMN: &str = "State";
/// The state chosen in the state filter.
const FILTER_STATE: &str = "failed";
const POLL: Duration = Duration::from_millis(100);

/// The section's heading in `bench/RESULTS.md`.
pub const HEADING: &str = "## Console on a 10,000-device pool (issue 5)";

/// What a run of this part measured.
#[derive(Debug, Clone)]
pub struct PoolBench {
    pub runs: usize,
    /// The setup: (what, seconds).
    pub setup: Vec<(String, f64)>,
    pub baseline: Figures,
    pub big: Figures,
    /// The earlier commit's console (`--against-dist`) on the same pools, in the same
    /// browsers right after this one's: (baseline pool, big pool), or why not.
    pub against: Option<Result<(Figures, Figures), String>>,
}

/// One pool's figures, one entry per run.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub devices: usize,
    /// The state counts the simulator left (from the API), e.g. "installed 9,512".
    pub states: String,
    pub load: Vec<Value>,
    pub nav: Vec<Value>,
    pub idle: Vec<Value>,
    pub sweep: Vec<Value>,
    /// `FLING_PX` a frame.
    pub fling: Vec<Value>,
    pub filter: Vec<Value>,
}

impl Figures {
    fn new(devices: usize) -> Self {
        Figures {
            devices,
            ..Figures::default()
        }
    }

    /// The median over the runs of a figure (`part` is one of the lists, `key` a field).
    fn med(&self, part: &[Value], key: &str) -> Option<f64> {
        let values: Vec<f64> = part.iter().filter_map(|v| v[key].as_f64()).collect();
        (!values.is_empty()).then(|| median(&values))
    }

    /// One figure of each run (`None` where a run lacks it).
    pub fn per_run(&self, pick: &dyn Fn(&Figures, usize) -> Option<f64>) -> Vec<Option<f64>> {
        (0..self.load.len()).map(|i| pick(self, i)).collect()
    }

    fn load(&self, key: &str) -> Option<f64> {
        self.med(&self.load, key)
    }

    fn nav(&self, key: &str) -> Option<f64> {
        self.med(&self.nav, key)
    }

    fn filter(&self, key: &str) -> Option<f64> {
        self.med(&self.filter, key)
    }

    fn frames(part: &[Value], stat: impl Fn(&[f64]) -> f64) -> Option<f64> {
        Self::frames_of(part, "intervals", stat)
    }

    fn frames_of(part: &[Value], key: &str, stat: impl Fn(&[f64]) -> f64) -> Option<f64> {
        let per_run: Vec<f64> = part
            .iter()
            .map(|v| stat(&series(v, key)))
            .filter(|x| x.is_finite())
            .collect();
        (!per_run.is_empty()).then(|| median(&per_run))
    }
}

pub(super) fn intervals(run: &Value) -> Vec<f64> {
    series(run, "intervals")
}

fn series(run: &Value, key: &str) -> Vec<f64> {
    run[key]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}

pub(super) fn p95(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n => sorted[((n as f64 * 0.95).ceil() as usize).clamp(1, n) - 1],
    }
}

fn max(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::NAN, f64::max)
}

pub(super) fn over(limit: f64) -> impl Fn(&[f64]) -> f64 {
    move |values| values.iter().filter(|&&x| x > limit).count() as f64
}

/// Sets up the server and the pools, then measures `runs` times in fresh browsers.
pub async fn measure(
    dist: &Path,
    server_exe: &Path,
    devices: usize,
    baseline_devices: usize,
    runs: usize,
    against_dist: Option<&Path>,
) -> Result<PoolBench> {
    release_build(dist)?;
    if !server_exe.is_file() {
        bail!(
            "{} does not exist (cargo build --release -p esim-server)",
            server_exe.display()
        );
    }
    let dir = ScratchDir::new("esim-bench-pool")?;
    async {
        let mut setup = Vec::new();
        let timed = |setup: &mut Vec<(String, f64)>, what: String, start: Instant| {
            let s = start.elapsed().as_secs_f64();
            println!("  {what}: {s:.1} s");
            setup.push((what, s));
        };
        let database = format!("sqlite://{}", dir.join("bench.db").display());
        let start = Instant::now();
        let server = Server::serve(server_exe, &database, |command| {
            command.arg("--static-dir").arg(dist);
        })?;
        let token = create_token(server_exe, &database, "admin", "esim-bench", None)?;
        timed(&mut setup, "server started, admin token".into(), start);

        // Codes 0..devices for the big pool, the next ones for the baseline: all distinct.
        let codes = esim_bench::generate(devices + baseline_devices);
        let text = String::from_utf8(codes).context("generated codes are ASCII")?;
        let mut lines = text.lines();
        let smdp = lines.next().context("the SM-DP+ line")?.to_owned();
        let lines: Vec<&str> = lines.collect();

        let start = Instant::now();
        let big_id = import_pool(&server, &token, &smdp, &lines[..devices], "pool-10000")?;
        timed(
            &mut setup,
            format!(
                "{} codes imported ({} files)",
                group(devices),
                devices.div_ceil(FILE_CODES)
            ),
            start,
        );
        let base_id = import_pool(&server, &token, &smdp, &lines[devices..], "pool-baseline")?;

        let start = Instant::now();
        simulate(server_exe, server.url(), &token, &big_id, devices)?;
        timed(
            &mut setup,
            format!("`esim-server simulate --devices {devices} --rounds 1 --failure-rate 0.05`"),
            start,
        );
        simulate(server_exe, server.url(), &token, &base_id, baseline_devices)?;

        let mut big = Figures::new(devices);
        let mut baseline = Figures::new(baseline_devices);
        big.states = state_counts(&server, &token, &big_id)?;
        baseline.states = state_counts(&server, &token, &base_id)?;
        println!("  states: {} | baseline: {}", big.states, baseline.states);

        // The earlier commit's console: a second server process on the same database,
        // serving that build (its page policy hashes that build's loader).
        let mut against = against_dist.map(|dist| {
            Server::serve(server_exe, &database, |command| {
                command.arg("--static-dir").arg(dist);
            })
            .map(|server| {
                (
                    server,
                    Figures::new(baseline_devices),
                    Figures::new(devices),
                )
            })
            .map_err(|e| format!("{e:#}"))
        });
        if let Some(Ok((_, b, s))) = &mut against {
            b.states = baseline.states.clone();
            s.states = big.states.clone();
        }

        for run in 1..=runs {
            println!("  run {run}/{runs}: a fresh browser");
            let session = start_browser().await?;
            let outcome = async {
                sign_in(&session.client, server.url(), &token).await?;
                if let Some(Ok((other, _, _))) = &against {
                    sign_in(&session.client, other.url(), &token).await?;
                }
                // As `esim-bench startup` does: the first visit installs a service worker
                // (if the build has one) and fills its cache, and a fresh browser's first
                // loads are slower whichever console they are of (about 50 ms on a
                // 100-device table); wait for the one, and load each console's tables once,
                // unmeasured, for the other.
                tokio::time::sleep(Duration::from_secs(3)).await;
                let mut bases = vec![server.url()];
                if let Some(Ok((other, _, _))) = &against {
                    bases.push(other.url());
                }
                for base in bases {
                    for (id, n) in [(&base_id, baseline_devices), (&big_id, devices)] {
                        warm_load(&session.client, base, id, n).await?;
                    }
                }
                for (k, (id, figures)) in [(&base_id, &mut baseline), (&big_id, &mut big)]
                    .into_iter()
                    .enumerate()
                {
                    // The earlier commit's console on the same pool, right after this one's
                    // in odd runs and right before it in even ones: a fixed order would give
                    // one of them the fresher browser every time.
                    let theirs_first = run % 2 == 0;
                    if !theirs_first {
                        measure_pool(&session.client, server.url(), id, figures).await?;
                    }
                    let mut failed = None;
                    if let Some(Ok((other, b, s))) = &mut against {
                        let theirs = if k == 0 { b } else { s };
                        println!("    the earlier commit's console:");
                        if let Err(error) =
                            measure_pool(&session.client, other.url(), id, theirs).await
                        {
                            println!("    the earlier commit's console failed: {error:#}");
                            failed = Some(format!("{error:#}"));
                        }
                    }
                    if let Some(error) = failed {
                        against = Some(Err(error));
                    }
                    if theirs_first {
                        measure_pool(&session.client, server.url(), id, figures).await?;
                    }
                }
                anyhow::Ok(())
            }
            .await;
            session.close().await;
            outcome?;
        }
        anyhow::Ok(PoolBench {
            runs,
            setup,
            baseline,
            big,
            against: against.map(|a| a.map(|(_, b, s)| (b, s))),
        })
    }
    .await
}

/// One pool in a signed-in browser: a full load, an in-app navigation, idle frames, a
/// scroll, the filters.
async fn measure_pool(client: &Client, base: &str, id: &str, figures: &mut Figures) -> Result<()> {
    let n = figures.devices;
    let hash = format!("#/pools/{id}/devices");

    // A full page load: from another document, so that the whole app starts; `EARLY` watches
    // it from the document's start (`performance.now()` counts from the navigation's start).
    client.goto("about:blank").await?;
    let url = format!("{base}/{hash}");
    client.goto(&url).await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while client.execute("return location.href;", vec![]).await? != json!(url) {
        if Instant::now() > deadline {
            bail!("the browser never reached {url}");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let load = call(client, "load", json!([n, SORT_COLUMN])).await?;

    // An in-app navigation: from the pools list (the device table torn down), once the
    // page has settled after its load.
    super::browser::settle(client).await?;
    leave(client).await?;
    let nav = call(client, "navigate", json!([hash, n, SORT_COLUMN])).await?;
    let idle = call(client, "scroll", json!([FRAMES, 0])).await?;
    let sweep = call(client, "scroll", json!([FRAMES, "sweep"])).await?;
    let fling = call(client, "scroll", json!([FRAMES, FLING_PX])).await?;
    let filter = call(client, "filters", json!([FILTER_STATE])).await?;
    println!(
        "    {} devices: load first row {:.0} ms, interactive {:.0} ms | nav first row {:.0} \
         ms, interactive {:.0} ms | scroll p95 {:.1} ms, {} over {DROPPED_MS} ms, <tr> max {} \
         | state filter {:.0} ms, search {:.0} ms",
        group(n),
        load["firstRow"].as_f64().unwrap_or(f64::NAN),
        load["interactive"].as_f64().unwrap_or(f64::NAN),
        nav["firstRow"].as_f64().unwrap_or(f64::NAN),
        nav["interactive"].as_f64().unwrap_or(f64::NAN),
        p95(&intervals(&sweep)),
        over(DROPPED_MS)(&intervals(&sweep)),
        sweep["rowsMax"],
        filter["state"].as_f64().unwrap_or(f64::NAN),
        filter["search"].as_f64().unwrap_or(f64::NAN),
    );
    for (what, v) in [("load", &load), ("navigation", &nav), ("sweep", &sweep)] {
        if let Some(problem) = v["problem"].as_str() {
            println!("    {what}: {problem}");
        }
    }
    figures.load.push(load);
    figures.nav.push(nav);
    figures.idle.push(idle);
    figures.sweep.push(sweep);
    figures.fling.push(fling);
    figures.filter.push(filter);
    Ok(())
}

/// Runs at the start of every document (CDP `Page.addScriptToEvaluateOnNewDocument`): on a
/// full page load, the first device row and the first complete count are seen from the very
/// start (`window.__poolEarly`: `performance.now()` when seen and at the next frame).
const EARLY: &str = r#"
window.__poolEarly = {};
(() => {
  const e = window.__poolEarly;
  const observer = new MutationObserver(() => {
    if (e.firstRowSeen === undefined && document.querySelector('[data-testid="device-row"]')) {
      e.firstRowSeen = performance.now();
      requestAnimationFrame(() => { e.firstRow = performance.now(); });
    }
    const c = document.querySelector('[data-testid="device-count"]');
    if (e.loadedSeen === undefined && e.firstRowSeen !== undefined && c && !/still loading|läser fortfarande/.test(c.textContent)) {
      e.loadedSeen = performance.now();
      e.loadedText = c.textContent.trim();
      requestAnimationFrame(() => { e.loaded = performance.now(); });
      observer.disconnect();
    }
  });
  observer.observe(document, { childList: true, subtree: true, characterData: true });
})();
"#;

/// The in-page side: `window.__poolBench`, installed after each full page load. Every
/// figure is `performance.now()` at the first animation frame after the DOM showed it
/// (checked on every DOM mutation and every frame).
const PAGE: &str = r#"
if (!window.__poolBench) window.__poolBench = (() => {
  const sel = (css) => document.querySelector(css);
  const raf = () => new Promise((resolve) => requestAnimationFrame(resolve));
  const count = () => {
    const c = sel('[data-testid="device-count"]');
    if (!c) return null;
    const text = c.textContent.trim();
    const nums = (text.replace(/(\d)[,.\u00a0\u202f ](?=\d{3}(\D|$))/g, "$1").match(/\d+/g) || []).map(Number);
    return { text, loading: /still loading|läser fortfarande/.test(text), shown: nums[0], total: nums[1] };
  };
  const until = (test, timeoutMs) => new Promise((resolve, reject) => {
    const start = performance.now();
    let seen = null, done = false;
    const finish = () => {
      requestAnimationFrame(() => { done = true; observer.disconnect(); resolve({ seen, painted: performance.now() }); });
    };
    const check = () => {
      if (done || seen !== null) return;
      if (test()) { seen = performance.now(); finish(); }
    };
    const observer = new MutationObserver(check);
    observer.observe(document, { childList: true, subtree: true, characterData: true, attributes: true });
    const frame = () => {
      if (done || seen !== null) return;
      check();
      if (seen === null && performance.now() - start > timeoutMs) {
        done = true; observer.disconnect(); reject(new Error("timed out after " + timeoutMs + " ms"));
        return;
      }
      requestAnimationFrame(frame);
    };
    check();
    requestAnimationFrame(frame);
  });
  const rows = () => document.querySelectorAll('.table-scroll tbody tr').length;
  const loaded = (n) => () => { const c = count(); return c && !c.loading && c.total === n && c.shown === n; };
  const sortClick = async (column) => {
    const button = sel(`[data-testid="sort"][data-column="${column}"]`);
    const th = button.closest("th");
    const t = performance.now();
    button.click();
    const r = await until(() => th.getAttribute("aria-sort") === "ascending", 60000);
    return { start: t, painted: r.painted };
  };
  const pages = () => performance.getEntriesByType("resource").filter((e) => e.name.includes("/deviceStates")).length;
  return {
    // After a full page load (times from the navigation's start).
    async load(n, column) {
      const e = window.__poolEarly;
      const early = !e && !!sel('[data-testid="device-row"]');
      const installed = performance.now();
      let first = await until(() => sel('[data-testid="device-row"]'), 120000);
      let all = await until(loaded(n), 600000);
      if (e) {
        // Seen from the document's start: these are exact; the count must be the whole pool.
        await until(() => e.firstRow !== undefined && e.loaded !== undefined, 10000);
        first = { seen: e.firstRowSeen, painted: e.firstRow };
        if (loaded(n)() && e.loadedText === count().text) all = { seen: e.loadedSeen, painted: e.loaded };
      }
      const click = await sortClick(column);
      const paint = {};
      for (const e of performance.getEntriesByType("paint")) paint[e.name] = e.startTime;
      const nav = performance.getEntriesByType("navigation")[0] || {};
      return {
        firstPaint: paint["first-paint"], firstContentfulPaint: paint["first-contentful-paint"],
        domContentLoaded: nav.domContentLoadedEventEnd, loadEvent: nav.loadEventEnd,
        installed, fromStart: !!e, firstRow: first.painted, loaded: all.painted, sortClick: click.painted - click.start,
        // The click comes after WebDriver's round trips: its own time is added to "loaded".
        interactive: all.painted + (click.painted - click.start), pages: pages(), rows: rows(), count: count().text,
        problem: early ? "a device row was in the DOM before the observer (first row is an upper bound)" : null,
      };
    },
    // An in-app navigation from another route.
    async navigate(hash, n, column) {
      performance.clearResourceTimings();
      const t0 = performance.now();
      location.hash = hash;
      const first = await until(() => sel('[data-testid="device-row"]'), 120000);
      const all = await until(loaded(n), 600000);
      const click = await sortClick(column);
      return {
        firstRow: first.painted - t0, loaded: all.painted - t0, sortClick: click.painted - click.start,
        interactive: click.painted - t0, pages: pages(), rows: rows(), count: count().text,
      };
    },
    // `frames` frames: idle (step 0), a scroll from top to bottom in equal steps ("sweep"),
    // or `step` px a frame. `work`: per frame, the main thread's time from the frame's start
    // to its animation frame callbacks (the scroll event and the re-render run in it).
    async scroll(frames, step) {
      const box = sel(".table-scroll");
      box.scrollTop = 0;
      await raf(); await raf(); await raf();
      const max = box.scrollHeight - box.clientHeight;
      const move = step !== 0;
      const intervals = [], work = [];
      let last = await raf(), rowsMax = rows();
      for (let i = 1; i <= frames + 2; i++) {
        if (move && i <= frames) box.scrollTop = step === "sweep" ? Math.round((max * i) / frames) : step * i;
        const t = await raf();
        work.push(performance.now() - t);
        intervals.push(t - last);
        last = t;
        rowsMax = Math.max(rowsMax, rows());
      }
      const shown = [...box.querySelectorAll('tbody tr[data-testid="device-row"]')];
      const index = (tr) => (tr ? Number(tr.getAttribute("aria-rowindex")) : null);
      return {
        intervals, work, rowsMax, rowsEnd: rows(), scrollTop: box.scrollTop, scrollMax: max,
        firstIndex: index(shown[0]), lastIndex: index(shown[shown.length - 1]),
        rowCount: Number(sel('[data-testid="device-table"]').getAttribute("aria-rowcount")),
        problem: step === "sweep" && box.scrollTop < max - 1 ? "did not reach the bottom" : null,
      };
    },
    // The state filter and the search box, each set and cleared; ms to the painted count.
    async filters(state) {
      const box = sel(".table-scroll");
      box.scrollTop = 0;
      await raf(); await raf();
      const timed = async (element, value, event) => {
        const before = count().text;
        const t = performance.now();
        element.value = value;
        element.dispatchEvent(new Event(event, { bubbles: true }));
        try {
          const r = await until(() => count().text !== before, 30000);
          return { ms: r.painted - t, count: count().text, rows: rows() };
        } catch (e) {
          return { ms: null, count: count().text, rows: rows(), problem: String(e) };
        }
      };
      const select = sel('[data-testid="state-filter"]');
      const search = sel('[data-testid="device-search"]');
      const stateOn = await timed(select, state, "change");
      const stateOff = await timed(select, "", "change");
      // One device's name, from the middle of the visible rows: one match.
      const rowsNow = document.querySelectorAll('[data-testid="device-row"] th');
      const name = rowsNow[Math.floor(rowsNow.length / 2)].textContent.trim();
      const searchOn = await timed(search, name, "input");
      const searchOff = await timed(search, "", "input");
      return {
        state: stateOn.ms, stateClear: stateOff.ms, search: searchOn.ms, searchClear: searchOff.ms,
        stateCount: stateOn.count, searchCount: searchOn.count, searched: name,
        parts: [stateOn, stateOff, searchOn, searchOff],
      };
    },
  };
})();
"#;

async fn install(client: &Client) -> Result<()> {
    client
        .execute(PAGE, vec![])
        .await
        .context("install the page's timing")?;
    Ok(())
}

/// Calls `window.__poolBench[name](...args)` and waits for its promise.
async fn call(client: &Client, name: &str, args: Value) -> Result<Value> {
    install(client).await?;
    let script = format!(
        "const done = arguments[arguments.length - 1]; \
         window.__poolBench.{name}(...arguments[0]).then(done, (e) => done({{ error: String(e) }}));"
    );
    let value = client
        .execute_async(&script, vec![args])
        .await
        .with_context(|| format!("{name} in the page"))?;
    if let Some(error) = value["error"].as_str() {
        bail!("{name} in the page: {error}");
    }
    Ok(value)
}

/// Opens the sign-in link and waits for the console to take the token.
pub(super) async fn sign_in(client: &Client, base: &str, token: &str) -> Result<()> {
    client.goto(&format!("{base}/#token={token}")).await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let url = client.current_url().await?.to_string();
        let stored = client
            .execute(
                "return sessionStorage.getItem('esim-console.connection') !== null;",
                vec![],
            )
            .await?;
        if !url.contains("token=") && stored == json!(true) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the console did not sign in (URL {url})");
        }
        tokio::time::sleep(POLL).await;
    }
}

/// An unmeasured full page load of a pool's device table, until its first row and its
/// complete count are painted.
async fn warm_load(client: &Client, base: &str, id: &str, n: usize) -> Result<()> {
    client.goto("about:blank").await?;
    client.goto(&format!("{base}/#/pools/{id}/devices")).await?;
    call(client, "load", json!([n, SORT_COLUMN])).await?;
    Ok(())
}

/// Goes to the pools list and waits until the device table is gone and the page is calm.
async fn leave(client: &Client) -> Result<()> {
    client.execute("location.hash = '#/pools';", vec![]).await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let gone = client
            .execute(
                "return !document.querySelector('[data-testid=\"device-row\"]');",
                vec![],
            )
            .await?;
        if gone == json!(true) {
            break;
        }
        if Instant::now() > deadline {
            bail!("the device table stayed after leaving it");
        }
        tokio::time::sleep(POLL).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    Ok(())
}

/// Imports the code lines as a new pool, 1,000 codes a file; returns the pool's id.
pub(super) fn import_pool(
    server: &Server,
    token: &str,
    smdp: &str,
    lines: &[&str],
    name: &str,
) -> Result<String> {
    let mut id: Option<String> = None;
    for (k, chunk) in lines.chunks(FILE_CODES).enumerate() {
        let mut file = format!("{smdp}\n");
        for line in chunk {
            file.push_str(line);
            file.push('\n');
        }
        let path = match &id {
            None => format!("/api/pools/import?fileName={name}-{k}.csv"),
            Some(id) => format!("/api/pools/{id}/import?fileName={name}-{k}.csv"),
        };
        let response = http::post(&format!("{}{path}", server.url()))
            .bearer(token)
            .body("text/csv", file)
            .send()
            .and_then(http::Response::success)
            .with_context(|| format!("POST {path}"))?;
        if id.is_none() {
            let pool = response.json();
            id = Some(
                pool["id"]
                    .as_str()
                    .context("the imported pool's id")?
                    .to_owned(),
            );
        }
    }
    id.context("no codes to import")
}

pub(super) fn simulate(
    exe: &Path,
    url: &str,
    token: &str,
    pool: &str,
    devices: usize,
) -> Result<()> {
    let output = Command::new(exe)
        .args(["simulate", "--url", url, "--token", token, "--pool", pool])
        .args(["--devices", &devices.to_string(), "--rounds", "1"])
        .args(["--failure-rate", "0.05", "--concurrency", "32"])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .context("run esim-server simulate")?;
    if !output.status.success() {
        bail!(
            "esim-server simulate failed ({}): {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// The device states of a pool by state, read through the API (`$top=1000` pages).
fn state_counts(server: &Server, token: &str, pool: &str) -> Result<String> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut path = format!(
        "/beta/deviceManagement/embeddedSIMActivationCodePools/{pool}/deviceStates?$top=1000"
    );
    for _ in 0..1000 {
        let page = http::get(&format!("{}{path}", server.url()))
            .bearer(token)
            .send()
            .and_then(http::Response::success)
            .with_context(|| format!("GET {path}"))?
            .json();
        for state in page["value"].as_array().into_iter().flatten() {
            let name = state["state"].as_str().unwrap_or("?").to_owned();
            match counts.iter_mut().find(|(n, _)| *n == name) {
                Some((_, c)) => *c += 1,
                None => counts.push((name, 1)),
            }
        }
        match page["@odata.nextLink"].as_str() {
            Some(next) => {
                let at = next.find("/beta/").context("a nextLink on this server")?;
                path = next[at..].to_owned();
            }
            None => break,
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    Ok(counts
        .iter()
        .map(|(n, c)| format!("{n} {}", group(*c)))
        .collect::<Vec<_>>()
        .join(", "))
}

/// A fresh browser (a fixed window, so that the table's layout is the same in every run)
/// with the early observer installed through ChromeDriver's CDP endpoint.
pub(super) async fn start_browser() -> Result<Browser> {
    let browser = Browser::start(&Options {
        args: vec!["--window-size=1280,900".into()],
        timeouts: Some((Duration::from_secs(900), Duration::from_secs(120))),
        name: Some("esim-bench-pool".into()),
    })
    .await?;
    let early = browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": EARLY }),
        )
        .await;
    if let Err(error) = early {
        println!("  no early observer ({error:#}); first rows are upper bounds");
    }
    Ok(browser)
}

/// The section of `bench/RESULTS.md`.
pub fn markdown(w: &mut String, result: Option<&Result<PoolBench, String>>) {
    let _ = writeln!(w, "{HEADING}\n");
    let bench = match result {
        Some(Ok(bench)) => bench,
        Some(Err(error)) => {
            let line = error.lines().next().unwrap_or_default();
            let _ = writeln!(w, "Not measured: `{line}`\n");
            return;
        }
        None => {
            let _ = writeln!(
                w,
                "Not run (`cargo xtask bench --no-console-pool`, or `esim-bench run` without \
                 `--server-exe`).\n"
            );
            return;
        }
    };
    let (b, s) = (&bench.baseline, &bench.big);
    let _ = writeln!(
        w,
        "A real `esim-server serve` (release, SQLite) serving the console's release build; a \
         pool of {} codes ({} files of at most 1,000 codes through the import routes) and a \
         baseline pool of {} codes on the same server; `esim-server simulate --rounds 1 --failure-rate 0.05` \
         gave them {} ({}) and {} ({}) device states. Headless Chromium (ChromeDriver, fresh \
         profile, 1280x900); timed in the page with `performance.now()`, a MutationObserver and \
         the next `requestAnimationFrame` (\"painted\"); the in-app navigation once the page has \
         settled after its full load. Medians of {} runs, each in a fresh browser that first \
         loads every console's tables once, unmeasured, then the baseline pool and the big \
         pool in turn. Setup: {}.\n",
        group(s.devices),
        s.devices.div_ceil(FILE_CODES),
        group(b.devices),
        group(s.devices),
        s.states,
        group(b.devices),
        b.states,
        bench.runs,
        bench
            .setup
            .iter()
            .map(|(what, secs)| format!("{what} {secs:.1} s"))
            .collect::<Vec<_>>()
            .join("; "),
    );
    let ms = |x: Option<f64>| x.map_or("-".to_owned(), |x| format!("{x:.0} ms"));
    let ms1 = |x: Option<f64>| x.map_or("-".to_owned(), |x| format!("{x:.1} ms"));
    let count = |x: Option<f64>| x.map_or("-".to_owned(), |x| format!("{x:.0}"));
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.1}x", a / b),
        _ => "-".to_owned(),
    };
    let _ = writeln!(
        w,
        "| | {} devices (baseline) | **{} devices** | ratio |\n|---|---|---|---|",
        group(b.devices),
        group(s.devices)
    );
    let mut row =
        |what: &str, f: &dyn Fn(&Figures) -> Option<f64>, fmt: &dyn Fn(Option<f64>) -> String| {
            let _ = writeln!(
                w,
                "| {what} | {} | **{}** | {} |",
                fmt(f(b)),
                fmt(f(s)),
                ratio(f(s), f(b))
            );
        };
    row(
        "Full page load: first contentful paint",
        &|f| f.load("firstContentfulPaint"),
        &ms,
    );
    row(
        "Full page load: first device row painted",
        &|f| f.load("firstRow"),
        &ms,
    );
    row(
        "Full page load: every page read (count shows all, not \"still loading\")",
        &|f| f.load("loaded"),
        &ms,
    );
    row(
        "Full page load: **interactive** (every page read, then a sort click answered)",
        &|f| f.load("interactive"),
        &ms,
    );
    row(
        "API pages read (`deviceStates` requests of a full load)",
        &|f| f.load("pages"),
        &count,
    );
    row(
        "In-app navigation (`location.hash`): first device row painted",
        &|f| f.nav("firstRow"),
        &ms,
    );
    row(
        "In-app navigation: every page read",
        &|f| f.nav("loaded"),
        &ms,
    );
    row(
        "In-app navigation: **interactive**",
        &|f| f.nav("interactive"),
        &ms,
    );
    row(
        "Sort click (State heading) on the loaded table to painted",
        &|f| f.nav("sortClick"),
        &ms,
    );
    row(
        "Idle page, 120 frames: median frame interval",
        &|f| Figures::frames(&f.idle, median),
        &ms1,
    );
    row(
        "Idle page: p95 frame interval",
        &|f| Figures::frames(&f.idle, p95),
        &ms1,
    );
    row(
        "Scroll top to bottom in 120 frames: median frame interval",
        &|f| Figures::frames(&f.sweep, median),
        &ms1,
    );
    row(
        "Scroll: p95 frame interval",
        &|f| Figures::frames(&f.sweep, p95),
        &ms1,
    );
    row(
        "Scroll: longest frame interval",
        &|f| Figures::frames(&f.sweep, max),
        &ms1,
    );
    row(
        &format!("Scroll: frames over {LATE_MS:.0} ms (missed a 16.7 ms vsync), of 122"),
        &|f| Figures::frames(&f.sweep, over(LATE_MS)),
        &count,
    );
    row(
        &format!("Scroll: frames over {DROPPED_MS:.0} ms (**dropped**), of 122"),
        &|f| Figures::frames(&f.sweep, over(DROPPED_MS)),
        &count,
    );
    row("Scroll: main-thread work per frame before its animation frame (scroll event, re-render), median", &|f| Figures::frames_of(&f.sweep, "work", median), &ms1);
    row(
        "Scroll: that work, longest",
        &|f| Figures::frames_of(&f.sweep, "work", max),
        &ms1,
    );
    row(
        &format!("Fast scroll, {FLING_PX} px (10 rows) a frame, 120 frames: p95 frame interval"),
        &|f| Figures::frames(&f.fling, p95),
        &ms1,
    );
    row(
        &format!("Fast scroll: frames over {DROPPED_MS:.0} ms (**dropped**), of 122"),
        &|f| Figures::frames(&f.fling, over(DROPPED_MS)),
        &count,
    );
    row(
        &format!("Idle page: frames over {DROPPED_MS:.0} ms"),
        &|f| Figures::frames(&f.idle, over(DROPPED_MS)),
        &count,
    );
    row(
        "`<tr>` in the table body during the scroll, most (2 are spacers)",
        &|f| f.med(&f.sweep, "rowsMax"),
        &count,
    );
    row(
        &format!("State filter (`{FILTER_STATE}`) to the painted count"),
        &|f| f.filter("state"),
        &ms,
    );
    row(
        "State filter back to all states",
        &|f| f.filter("stateClear"),
        &ms,
    );
    row(
        "Search (one device's name, one match) to the painted count",
        &|f| f.filter("search"),
        &ms,
    );
    row("Search cleared", &|f| f.filter("searchClear"), &ms);
    w.push('\n');

    let most_rows = s
        .sweep
        .iter()
        .filter_map(|v| v["rowsMax"].as_u64())
        .max()
        .unwrap_or(0);
    let bottom = s
        .sweep
        .iter()
        .all(|v| v["lastIndex"].as_u64() == Some(s.devices as u64 + 1));
    let dropped: Vec<f64> = s
        .sweep
        .iter()
        .map(|v| over(DROPPED_MS)(&intervals(v)))
        .collect();
    // The baseline's drops in the same runs: what the machine's load alone costs.
    let baseline_dropped = b
        .sweep
        .iter()
        .map(|v| format!("{:.0}", over(DROPPED_MS)(&intervals(v))))
        .collect::<Vec<_>>()
        .join(", ");
    let filtered = s
        .filter
        .iter()
        .filter_map(|v| v["stateCount"].as_str())
        .next()
        .unwrap_or("-");
    let _ = writeln!(
        w,
        "* Only the visible rows render: at most **{most_rows}** `<tr>` of {} devices during \
         the scroll (12 visible, 8 above and below, 2 spacers); the last row \
         (`aria-rowindex` {}) was rendered at the bottom: {}.\n\
         * Dropped frames (over {DROPPED_MS:.0} ms) while scrolling the {} devices, per run: \
         {} (the {}-device baseline in the same runs: {baseline_dropped}); goal \"no dropped \
         frames\": **{}**.\n\
         * After the state filter the count read {filtered:?}. Every figure of a run and \
         pool is the time to the first animation frame after the DOM showed the change.\n",
        group(s.devices),
        s.devices + 1,
        if bottom { "yes" } else { "no" },
        group(s.devices),
        dropped
            .iter()
            .map(|d| format!("{d:.0}"))
            .collect::<Vec<_>>()
            .join(", "),
        group(b.devices),
        if !dropped.is_empty() && dropped.iter().all(|&d| d == 0.0) {
            "met"
        } else {
            "missed"
        },
    );
    for (what, f) in [("baseline", b), ("big pool", s)] {
        for v in f.load.iter().chain(&f.nav).chain(&f.sweep) {
            if let Some(problem) = v["problem"].as_str() {
                let _ = writeln!(w, "* Note ({what}): {problem}.");
            }
        }
    }
}

/// Replaces this section in an existing results file (or adds it before "## How this was
/// measured", or at the end): for a run of this part alone.
pub fn splice(file: &str, section: &str) -> String {
    let section = section.trim_end();
    if let Some(start) = file.find(HEADING) {
        let after = start + HEADING.len();
        let end = file[after..]
            .find("\n## ")
            .map_or(file.len(), |at| after + at + 1);
        return format!("{}{section}\n\n{}", &file[..start], &file[end..]);
    }
    match file.find("## How this was measured") {
        Some(at) => format!("{}{section}\n\n{}", &file[..at], &file[at..]),
        None => format!("{}\n{section}\n", file.trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splices_the_section() {
        let file = "# R\n\n## A\n\nx\n\n## How this was measured\n\ny\n";
        let once = splice(file, &format!("{HEADING}\n\none\n"));
        assert_eq!(
            once,
            format!("# R\n\n## A\n\nx\n\n{HEADING}\n\none\n\n## How this was measured\n\ny\n")
        );
        let twice = splice(&once, &format!("{HEADING}\n\ntwo\n"));
        assert_eq!(twice, once.replace("one", "two"));
    }

    #[test]
    fn frame_statistics() {
        let v = [16.7, 16.6, 16.7, 40.0, 16.7, 25.0];
        assert_eq!(over(DROPPED_MS)(&v), 1.0);
        assert_eq!(over(LATE_MS)(&v), 2.0);
        assert_eq!(p95(&v), 40.0);
        assert_eq!(max(&v), 40.0);
    }
}
