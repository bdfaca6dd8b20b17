//! `esim-bench xlsx`: Excel workbooks in the browser (issue 15, "Measured"), written to
//! `bench/xlsx.md`.
//!
//! * A carrier export of N rows (ICCID, EID, IMSI, MSISDN and the LPA activation code;
//!   100,000 by default) written as a real `.xlsx` (shared strings, deflated, as Excel
//!   writes them) and chosen in the file input of the release build's validator page
//!   (`dist/validator/`, served by the tests' static server) in a fresh headless Chromium:
//!   the time from the choice to the painted verdict (the worker reads the workbook, the
//!   page checks its text), the longest gap between the page's animation frames meanwhile
//!   (the page must not freeze), the time "Fix every safe problem" takes to convert it,
//!   and the renderer's peak resident memory (the worker runs in the renderer's process).
//!   The same export as a text file beside it, for the reader's share.
//! * Natively: LPA parsing (`LpaCode::parse`) and the reader (`esim_csv::sheet_text`).
//! * The shipped sizes (brotli 11) of the validator page with and without the reader's
//!   module (`dist/esim-workbook*`), and of the console.

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use esim_test_support::browser::Browser;
use esim_test_support::export::{row, text_export, workbook};
use esim_test_support::scratch::ScratchDir;
use esim_test_support::static_server::StaticServer;
use fantoccini::Locator;
use serde_json::Value;

use super::browser::{chromium_version, renderer_memory, start_browser};
use super::measure::median;

/// What `esim-bench xlsx` is told.
#[derive(Debug)]
pub struct XlsxOptions {
    pub dist: PathBuf,
    pub out: PathBuf,
    pub rows: usize,
    pub runs: usize,
}

/// One choice of a file in the validator page.
#[derive(Debug, Clone)]
struct Run {
    painted_ms: f64,
    longest_frame_gap_ms: f64,
    verdict: String,
    fix_ms: Option<f64>,
    /// The longest gap between animation frames during the fix.
    fix_gap_ms: Option<f64>,
    renderer_peak_kib: Option<u64>,
    reader_loaded: bool,
}

/// Times the page from the file input's change event (a capturing listener, before the
/// app's) to the first animation frame after a verdict is in the DOM, and records the
/// longest gap between animation frames from the choice on (a frozen page paints none).
const OBSERVE: &str = r#"
window.__x = { start: null, painted: null, verdict: null, gap: 0, last: null };
document.addEventListener("change", (event) => {
  if (event.target && event.target.type === "file" && window.__x.start === null) {
    window.__x.start = performance.now();
    window.__x.last = window.__x.start;
    const frame = (now) => {
      const x = window.__x;
      x.gap = Math.max(x.gap, now - x.last);
      x.last = now;
      if (x.painted === null) requestAnimationFrame(frame);
    };
    window.__x.frame = frame;
    requestAnimationFrame(frame);
  }
}, true);
new MutationObserver(() => {
  const x = window.__x;
  if (x.start === null || x.verdict !== null) return;
  const v = document.querySelector('[data-testid="verdict"]');
  if (v && v.textContent.trim() !== "") {
    x.verdict = v.textContent.trim();
    requestAnimationFrame(() => { x.painted = performance.now(); });
  }
}).observe(document.body, { childList: true, subtree: true, characterData: true });
"#;

async fn choose(session: &Browser, url: &str, path: &Path) -> Result<Run> {
    let client = &session.client;
    client.goto(url).await?;
    let input = client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("[data-testid=\"csv-file\"]"))
        .await
        .context("the page's file input never appeared")?;
    client.execute(OBSERVE, vec![]).await?;
    input
        .send_keys(path.to_str().context("a UTF-8 path")?)
        .await?;
    let deadline = Instant::now() + Duration::from_secs(600);
    let x = loop {
        let x = client
            .execute(
                "const x = window.__x; return x.painted !== null ? x : null;",
                vec![],
            )
            .await?;
        if !x.is_null() {
            break x;
        }
        let error = client
            .execute(
                "const e = document.querySelector('[data-testid=\"read-error\"]'); return e ? e.textContent : null;",
                vec![],
            )
            .await?;
        if let Some(error) = error.as_str() {
            bail!("the page could not read {}: {error}", path.display());
        }
        if Instant::now() > deadline {
            bail!("no verdict for {} in 10 minutes", path.display());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let at = |key: &str| x[key].as_f64().unwrap_or(f64::NAN);
    // "Fix every safe problem": the conversion into pool files.
    // The frames are watched again meanwhile: the longest gap between two is the page's
    // thread held by the conversion.
    let (fix_ms, fix_gap_ms) = match client.find(Locator::Css("[data-testid=\"fix\"]")).await {
        Ok(button) => {
            client
                .execute(
                    "const x = window.__x; x.gap = 0; x.last = performance.now(); x.painted = null;\
                     requestAnimationFrame(x.frame);",
                    vec![],
                )
                .await?;
            let start = Instant::now();
            button.click().await?;
            client
                .wait()
                .at_most(Duration::from_secs(600))
                .for_element(Locator::Css("[data-testid=\"fixed-verdict\"]"))
                .await?;
            let fix_ms = start.elapsed().as_secs_f64() * 1000.0;
            let gap = client
                .execute(
                    "const x = window.__x; x.painted = performance.now(); return x.gap;",
                    vec![],
                )
                .await?;
            (Some(fix_ms), gap.as_f64())
        }
        Err(_) => (None, None),
    };
    let loaded: Value = client
        .execute(
            "return performance.getEntriesByType('resource').some((e) => e.name.includes('/esim-workbook'));",
            vec![],
        )
        .await?;
    Ok(Run {
        painted_ms: at("painted") - at("start"),
        longest_frame_gap_ms: at("gap"),
        verdict: x["verdict"].as_str().unwrap_or_default().to_owned(),
        fix_ms,
        fix_gap_ms,
        renderer_peak_kib: renderer_memory(&session.profile()).map(|(hwm, _)| hwm),
        reader_loaded: loaded == Value::Bool(true),
    })
}

/// Brotli (quality 11, window 22) of the files, in bytes.
fn brotli_of(files: &[PathBuf]) -> Result<usize> {
    let mut total = 0;
    for file in files {
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        let mut out = Vec::new();
        {
            let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
            writer.write_all(&bytes)?;
        }
        total += out.len();
    }
    Ok(total)
}

fn files_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let served = [".html", ".js", ".wasm", ".css"]
            .iter()
            .any(|e| name.ends_with(e));
        if path.is_file() && served && name != "sw.js" {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn kb(bytes: usize) -> String {
    format!("{:.1} KB ({bytes} bytes)", bytes as f64 / 1024.0)
}

/// `esim-bench xlsx`.
pub fn run(o: &XlsxOptions) -> Result<()> {
    let validator_dir = o.dist.join("validator");
    for needed in [
        validator_dir.join("index.html"),
        o.dist.join("esim-workbook_bg.wasm"),
    ] {
        if !needed.is_file() {
            bail!(
                "{} is missing: run `trunk build --release` first",
                needed.display()
            );
        }
    }

    // Sizes.
    let validator = brotli_of(&files_in(&validator_dir)?)?;
    let (reader_files, console_files): (Vec<PathBuf>, Vec<PathBuf>) = files_in(&o.dist)?
        .into_iter()
        .partition(|f| f.to_string_lossy().contains("esim-workbook"));
    let reader = brotli_of(&reader_files)?;
    let console = brotli_of(&console_files)?;

    // Natively.
    println!("writing a workbook of {} rows", o.rows);
    let book = workbook(o.rows)?;
    let text = text_export(o.rows);
    let lpas: Vec<String> = (0..o.rows).map(|i| row(i)[4].clone()).collect();
    let lpa_bytes: usize = lpas.iter().map(String::len).sum();
    let mut lpa_ms = Vec::new();
    let mut read_ms = Vec::new();
    let mut convert_ms = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let ok = lpas
            .iter()
            .filter(|l| esim_csv::LpaCode::parse(l).is_ok())
            .count();
        lpa_ms.push(start.elapsed().as_secs_f64() * 1000.0);
        if ok != o.rows {
            bail!("{} of {} generated LPA strings parse", ok, o.rows);
        }
        let start = Instant::now();
        let sheet = esim_csv::sheet_text(&book, None).map_err(anyhow::Error::msg)?;
        read_ms.push(start.elapsed().as_secs_f64() * 1000.0);
        let start = Instant::now();
        let conversion = esim_csv::convert(sheet.text.as_bytes(), &esim_csv::Options::default());
        convert_ms.push(start.elapsed().as_secs_f64() * 1000.0);
        if conversion.mapping.rows != o.rows {
            bail!("the conversion read {} rows", conversion.mapping.rows);
        }
    }
    let lpa = median(&lpa_ms);
    println!("  LPA parsing: {lpa:.1} ms for {} strings", o.rows);

    // In the browser.
    let scratch = ScratchDir::new("esim-bench-xlsx")?;
    let book_path = scratch.join("carrier-export.xlsx");
    std::fs::write(&book_path, &book)?;
    let text_path = scratch.join("carrier-export.csv");
    std::fs::write(&text_path, &text)?;
    let server = StaticServer::start(&o.dist, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
    let url = format!("{}validator/", server.url());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut book_runs = Vec::new();
    let mut text_runs = Vec::new();
    for n in 0..o.runs.max(1) {
        for (path, runs) in [(&book_path, &mut book_runs), (&text_path, &mut text_runs)] {
            let run: Result<Run> = runtime.block_on(async {
                let session = start_browser().await?;
                let run = choose(&session, &url, path).await;
                session.close().await;
                run
            });
            let run = run?;
            println!(
                "  run {}: {}: {:.0} ms to the verdict ({}), longest frame gap {:.0} ms, fix {:?} ms, peak {:?} KiB",
                n + 1,
                path.display(),
                run.painted_ms,
                run.verdict,
                run.longest_frame_gap_ms,
                run.fix_ms.map(|m| m.round()),
                run.renderer_peak_kib
            );
            runs.push(run);
        }
    }
    let chromium = chromium_version().unwrap_or_default();

    // The file.
    let med =
        |runs: &[Run], f: &dyn Fn(&Run) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
    let all = |runs: &[Run], f: &dyn Fn(&Run) -> f64| {
        runs.iter()
            .map(|r| format!("{:.0}", f(r)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let peak = |runs: &[Run]| {
        runs.iter()
            .filter_map(|r| r.renderer_peak_kib)
            .max()
            .map_or("n/a".to_owned(), |k| format!("{} MiB", k / 1024))
    };
    let mut w = String::new();
    writeln!(w, "# Excel workbooks in the browser\n")?;
    writeln!(
        w,
        "Written by `{}` on the machine of bench/RESULTS.md (2 shared cores, other builds running); \
         rerun it to refresh this file, do not edit it by hand. Chromium: {}. Commit: {}.\n",
        command_line(o),
        if chromium.is_empty() { "unknown" } else { chromium.as_str() },
        git_commit()
    )?;
    writeln!(w, "## Shipped size (brotli 11)\n")?;
    writeln!(w, "| what | brotli |\n|---|---:|")?;
    writeln!(
        w,
        "| validator page (`dist/validator/`: HTML, JS, wasm, CSS) without the reader | {} |",
        kb(validator)
    )?;
    writeln!(
        w,
        "| the workbook reader ({}), loaded only when a workbook is opened | {} |",
        reader_files
            .iter()
            .filter_map(|f| f.file_name()?.to_str().map(|n| format!("`{n}`")))
            .collect::<Vec<_>>()
            .join(", "),
        kb(reader)
    )?;
    writeln!(
        w,
        "| validator page with the reader | {} |",
        kb(validator + reader)
    )?;
    writeln!(
        w,
        "| console (`dist/`: HTML, JS, wasm, CSS), without the reader | {} |\n",
        kb(console)
    )?;
    writeln!(
        w,
        "The budgets (issue 11: validator page < 250 KB, console < 450 KB, brotli as served) hold for the pages as they load: \
         neither loads the reader until a workbook is opened. The service worker fetches it in the background after the \
         first visit, so that a workbook also converts offline.\n"
    )?;
    writeln!(w, "## {} rows in the validator page\n", group(o.rows))?;
    writeln!(
        w,
        "A carrier export of {} rows (ICCID, EID, IMSI and MSISDN as number cells, the LPA activation code), written as \
         `.xlsx` ({}, shared strings, deflated) and, for comparison, as a tab-separated text file ({}). Each run: a fresh \
         headless Chromium, the release build's `dist/validator/` from a static server, the file chosen in the real file \
         input. \"To the verdict\" is from the input's change event to the first frame painted with the verdict (for the \
         workbook: the reader's module fetched and started, the workbook read in its worker, the sheet's text checked); \
         \"longest frame gap\" is the longest time between two animation frames meanwhile (the page's thread busy); \"fix\" \
         is \"Fix every safe problem\" (the conversion into pool files) to its preview, with the longest frame gap \
         meanwhile; peak memory is the largest renderer \
         process's peak resident set (the worker runs in it). Medians of {} runs.\n",
        group(o.rows),
        kb(book.len()),
        kb(text.len()),
        book_runs.len()
    )?;
    writeln!(
        w,
        "| file | to the verdict (ms) | longest frame gap (ms) | fix (ms) | longest frame gap in the fix (ms) | renderer peak | verdict | reader fetched | all runs to the verdict (ms) |\n|---|---:|---:|---:|---:|---:|---|---|---|"
    )?;
    for (label, runs) in [
        ("`.xlsx` workbook", &book_runs),
        ("tab-separated text", &text_runs),
    ] {
        writeln!(
            w,
            "| {label} | {:.0} | {:.0} | {:.0} | {:.0} | {} | {} | {} | {} |",
            med(runs, &|r| r.painted_ms),
            med(runs, &|r| r.longest_frame_gap_ms),
            med(runs, &|r| r.fix_ms.unwrap_or(f64::NAN)),
            med(runs, &|r| r.fix_gap_ms.unwrap_or(f64::NAN)),
            peak(runs),
            runs.first().map(|r| r.verdict.as_str()).unwrap_or_default(),
            if runs.iter().all(|r| r.reader_loaded) {
                "yes"
            } else if runs.iter().any(|r| r.reader_loaded) {
                "some runs"
            } else {
                "no"
            },
            all(runs, &|r| r.painted_ms)
        )?;
    }
    writeln!(
        w,
        "\nThe verdict is \"Invalid\" by design: a carrier export is not a pool file until it is converted (and {} codes \
         need splitting into files of 1,000).\n",
        group(o.rows)
    )?;
    writeln!(
        w,
        "## Natively (the same crates, {})\n",
        if cfg!(debug_assertions) {
            "this binary's debug build, unoptimised: a release build is several times faster"
        } else {
            "release build"
        }
    )?;
    writeln!(w, "| step | median of 5 | throughput |\n|---|---:|---:|")?;
    writeln!(
        w,
        "| `LpaCode::parse` of {} LPA strings | {:.1} ms | {:.2} M strings/s ({:.0} MB/s) |",
        group(o.rows),
        lpa,
        o.rows as f64 / lpa / 1000.0,
        lpa_bytes as f64 / lpa / 1000.0
    )?;
    let read = median(&read_ms);
    writeln!(
        w,
        "| `esim_csv::sheet_text` (calamine) of the workbook | {read:.0} ms | {:.0} rows/s |",
        o.rows as f64 / read * 1000.0
    )?;
    let convert = median(&convert_ms);
    writeln!(
        w,
        "| `esim_csv::convert` of its text (mapping, LPA strings, values) | {convert:.0} ms | {:.0} rows/s |",
        o.rows as f64 / convert * 1000.0
    )?;
    if let Some(parent) = o.out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&o.out, w)?;
    println!("wrote {}", o.out.display());
    Ok(())
}

fn group(n: usize) -> String {
    super::measure::group(n)
}

fn command_line(o: &XlsxOptions) -> String {
    format!(
        "esim-bench xlsx --dist {} --out {} --rows {} --runs {}",
        o.dist.display(),
        o.out.display(),
        o.rows,
        o.runs
    )
}

fn git_commit() -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_workbook_reads_as_the_export_it_was_written_from() {
        let book = workbook(3).unwrap();
        let sheet = esim_csv::sheet_text(&book, None).unwrap();
        assert_eq!(sheet.sheets, ["Profiles"]);
        assert_eq!(sheet.text.as_bytes(), text_export(3));
        let conversion = esim_csv::convert(sheet.text.as_bytes(), &esim_csv::Options::default());
        assert_eq!(conversion.mapping.rows, 3);
        let pool = esim_csv::check(&conversion.bytes, &esim_csv::Options::file("pool.csv"));
        assert!(pool.is_valid(), "{:?}", pool.findings);
    }
}
