//! Issue 10, item 8: the browser and the command line give the same JSON report for every
//! file of the validator's corpus (`crates/esim-csv/tests/data`), in English and in
//! Swedish (Excel workbooks excepted: only the command line reads them, see [`WORKBOOK`]): the browser side is the JavaScript entry point `validate` of the release build
//! (as a portal imports it, `docs/embedding.md`), the command line is `esim-csv check
//! --format json`.
//!
//! `test = false` in Cargo.toml, like the other browser suites: `trunk build --release`
//! and `cargo build -p esim-csv` first (`cargo xtask test` does both).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};
use support::embed::{host, run_host, Host};

/// The `esim-csv` binary: `ESIM_CSV_EXE`, else next to this test binary's directory
/// (`target/<profile>/esim-csv`, built by `cargo build -p esim-csv`).
fn esim_csv() -> PathBuf {
    let exe = std::env::var_os("ESIM_CSV_EXE").map_or_else(
        || {
            let me = std::env::current_exe().expect("the test binary's path");
            me.parent()
                .and_then(Path::parent)
                .expect("the test binary lives in target/<profile>/deps")
                .join(format!("esim-csv{}", std::env::consts::EXE_SUFFIX))
        },
        PathBuf::from,
    );
    assert!(
        exe.is_file(),
        "{} does not exist: run `cargo build -p esim-csv` first (`cargo xtask test` does) \
         or set ESIM_CSV_EXE",
        exe.display()
    );
    exe
}

/// Corpus files the browser reads differently by design: Excel workbooks, which only the
/// command line converts (the browser build leaves calamine out and answers
/// `file-encoding`, asking for CSV; `docs/findings.md`). This also guards the browser build's
/// features: Trunk builds with every workspace member selected, so a member depending on
/// `esim-csv` with its default features put calamine (and clap) into the wasm - the
/// browser then read workbooks and the validator page was 100 KB larger.
const WORKBOOK: &str = ".xlsx";

/// The corpus: every input file (not the `.expect` files), sorted.
fn corpus() -> (PathBuf, Vec<String>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/esim-csv/tests/data");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("read the corpus")
        .map(|e| e.expect("a corpus entry"))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().into_string().unwrap())
        .filter(|n| !n.ends_with(".expect"))
        .collect();
    names.sort();
    (dir, names)
}

/// `esim-csv check --format json --lang LANG NAME`, run in the corpus directory so the
/// report's file name is the bare name (as the browser gets it).
fn cli_report(dir: &Path, name: &str, lang: &str) -> Value {
    let out = Command::new(esim_csv())
        .current_dir(dir)
        .args(["check", "--format", "json", "--lang", lang, name])
        .output()
        .expect("run esim-csv");
    let text = String::from_utf8(out.stdout).expect("UTF-8 JSON");
    serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("esim-csv printed no JSON report for {name} ({e}): {text}"))
}

#[tokio::test]
async fn browser_and_command_line_reports_are_identical_for_the_whole_corpus() {
    let (dir, names) = corpus();
    assert!(names.len() >= 40, "the corpus is there: {names:?}");
    run_host(Host::Allowed, move |page| async move {
        // The host page loads the module (and its wasm) on its first file.
        page.upload_to(host::API_FILE, "first.csv", b"smdp.example.com\n")
            .await;
        page.wait_for_text(host::API_VERDICT, "invalid").await;
        let mut differences = Vec::new();
        for name in &names {
            let bytes = std::fs::read(dir.join(name)).expect("read a corpus file");
            for lang in ["en", "sv"] {
                let browser = page
                    .script(
                        "return window.esimHost.api.validate(new Uint8Array(arguments[0]), arguments[1], arguments[2]);",
                        vec![json!(bytes), json!(name), json!(lang)],
                    )
                    .await;
                if name.ends_with(WORKBOOK) {
                    assert!(
                        browser["counts"]["file-encoding"].as_u64().is_some(),
                        "{name}: the browser asks for CSV: {browser}"
                    );
                    continue;
                }
                let cli = cli_report(&dir, name, lang);
                if browser != cli {
                    differences.push(format!("{name} ({lang}):\n  browser {browser}\n  cli     {cli}"));
                }
            }
        }
        assert!(
            differences.is_empty(),
            "{} of {} reports differ:\n{}",
            differences.len(),
            names.len() * 2,
            differences.join("\n")
        );
    })
    .await;
}
