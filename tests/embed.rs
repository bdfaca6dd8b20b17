//! End-to-end tests of the embedding (docs/embedding.md) on the release build: the example
//! host page (`examples/embed-host/`) frames the validator from another origin, themes it,
//! receives its verdicts by `postMessage`, and calls the JavaScript entry point.
//!
//! `test = false` in Cargo.toml, like e2e: `cargo xtask test` builds `dist/` and then runs
//! `cargo test --test embed`.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use esim_console::dom::testid;
use serde_json::json;
use support::embed::{host, origins, run_host, Host};

const VALID: &str = "smdp.example.com\n\
                     8946000000000000014,ABCD-1234-XYZ\n\
                     8946000000000000022,ABCD-1235-XYZ\n";

const SHORT_ICCID: &str = "smdp.example.com\n\
                           8946000000000000014,ABCD-1234-XYZ\n\
                           894600000000014,ABCD-1235-XYZ\n";

/// How long to give a message that must not arrive. Messages between frames of one
/// browser arrive within milliseconds; the positive tests poll the same paths.
const SILENCE: Duration = Duration::from_millis(1500);

/// The default accent of `style/theme.css` (light scheme; headless Chromium is light).
const DEFAULT_ACCENT: &str = "#0b57d0";

#[tokio::test]
async fn the_allowed_host_receives_the_verdict_of_a_file_chosen_in_the_frame() {
    run_host(Host::Allowed, |page| async move {
        // The validator says ready on its own and answers the host's hello.
        page.wait_for_text(host::STATUS, "ready").await;

        page.enter_validator().await;
        page.upload("UnlimitedDataSkynet.csv", VALID.as_bytes())
            .await;
        page.wait_for_text(testid::VERDICT, "Valid").await;
        page.upload("short.csv", SHORT_ICCID.as_bytes()).await;
        page.wait_for_text(testid::VERDICT, "Invalid").await;
        page.leave_validator().await;

        page.wait_for_text(host::FILE, "short.csv").await;
        assert_eq!(page.text(host::VERDICT).await, "invalid");
        assert_eq!(page.text(host::CODES).await, "2");
        assert_eq!(page.text(host::COUNTS).await, "iccid-length: 1");

        // Both verdicts, in order, with the command line's JSON report.
        let verdicts = page
            .script("return window.esimHost.verdicts;", vec![])
            .await;
        let verdicts = verdicts.as_array().expect("an array");
        assert_eq!(verdicts.len(), 2, "{verdicts:?}");
        assert_eq!(verdicts[0]["type"], "esim-csv:report");
        assert_eq!(verdicts[0]["version"], 1);
        assert_eq!(verdicts[0]["file"], "UnlimitedDataSkynet.csv");
        assert_eq!(verdicts[0]["report"]["valid"], true);
        assert_eq!(verdicts[0]["report"]["smdpAddress"], "smdp.example.com");
        let finding = &verdicts[1]["report"]["findings"][0];
        assert_eq!(
            (&finding["code"], &finding["line"], &finding["column"]),
            (&json!("iccid-length"), &json!(3), &json!(1))
        );

        // Every message came from the console's origin.
        let console = origins().console.trim_end_matches('/').to_owned();
        for message in page.host_received().await {
            assert_eq!(message["origin"], json!(console), "{message}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_host_of_another_origin_receives_nothing() {
    run_host(Host::Other, |page| async move {
        page.enter_validator().await;
        page.upload("pool.csv", VALID.as_bytes()).await;
        page.wait_for_text(testid::VERDICT, "Valid").await;
        page.leave_validator().await;

        tokio::time::sleep(SILENCE).await;
        // Neither the ready message, nor the answer to hello, nor the verdict.
        assert_eq!(page.host_received().await, Vec::<serde_json::Value>::new());
        assert_eq!(page.text(host::STATUS).await, "waiting for the validator");
        assert_eq!(page.text(host::VERDICT).await, "");
    })
    .await;
}

#[tokio::test]
async fn a_theme_from_the_allowed_host_sets_safe_custom_properties() {
    run_host(Host::Allowed, |page| async move {
        page.wait_for_text(host::STATUS, "ready").await;
        page.enter_validator().await;
        assert_eq!(page.root_property("--esim-accent").await, DEFAULT_ACCENT);
        let background = page.root_property("--esim-bg").await;
        page.leave_validator().await;

        page.click(host::THEME).await;
        page.enter_validator().await;
        page.wait_for_root_property("--esim-accent", "#6b21a8")
            .await;
        assert_eq!(page.root_property("--esim-radius").await, "12px");
        page.leave_validator().await;

        // An unsafe value and a property outside --esim-* are dropped; the message after
        // them (same source, so delivered in order) shows they were processed.
        page.script(
            "const frame = document.querySelector('[data-testid=host-frame]');\
             const origin = new URL(frame.src).origin;\
             frame.contentWindow.postMessage({type: 'esim-csv:theme', vars: {\
               '--esim-bg': 'url(https://evil.example/pixel)',\
               'color': 'red'}}, origin);\
             frame.contentWindow.postMessage({type: 'esim-csv:theme', vars: {\
               '--esim-accent': '#123456'}}, origin);",
            vec![],
        )
        .await;
        page.enter_validator().await;
        page.wait_for_root_property("--esim-accent", "#123456")
            .await;
        assert_eq!(page.root_property("--esim-bg").await, background);
        let inline = page
            .script(
                "return document.documentElement.style.getPropertyValue('color');",
                vec![],
            )
            .await;
        assert_eq!(inline, json!(""));
    })
    .await;
}

#[tokio::test]
async fn a_theme_from_another_origin_is_ignored() {
    run_host(Host::Other, |page| async move {
        page.enter_validator().await;
        page.leave_validator().await;
        page.click(host::THEME).await;
        tokio::time::sleep(SILENCE).await;
        page.enter_validator().await;
        assert_eq!(page.root_property("--esim-accent").await, DEFAULT_ACCENT);
        assert_eq!(page.root_property("--esim-radius").await, "4px");
    })
    .await;
}

#[tokio::test]
async fn the_javascript_entry_point_returns_the_report() {
    run_host(Host::Allowed, |page| async move {
        page.upload_to(host::API_FILE, "short.csv", SHORT_ICCID.as_bytes())
            .await;
        page.wait_for_text(host::API_VERDICT, "invalid").await;
        assert_eq!(page.text(host::API_CODES).await, "2");
        let report = page
            .script("return window.esimHost.apiReport;", vec![])
            .await;
        assert_eq!(report["version"], 1);
        assert_eq!(report["file"], "short.csv");
        assert_eq!(report["valid"], false);
        assert_eq!(report["codes"], 2);
        assert_eq!(report["counts"], json!({"iccid-length": 1}));
        assert_eq!(report["findings"][0]["line"], 3);

        // The same module: validate without a name, in Swedish, and fix.
        let results = page
            .script(
                "const api = window.esimHost.api;\
                 const bytes = new TextEncoder().encode(arguments[0]);\
                 const fixed = api.fix(bytes, 'bom.csv');\
                 return {\
                   pasted: api.validate(bytes),\
                   swedish: api.validate(new TextEncoder().encode(arguments[1]), 'x.csv', 'sv'),\
                   fixed: {changed: fixed.changed, report: fixed.report,\
                           bom: fixed.bytes[0] === 0xEF},\
                 };",
                vec![
                    json!(format!("\u{feff}{}", VALID.replace('\n', "\r\n"))),
                    json!(SHORT_ICCID),
                ],
            )
            .await;
        assert_eq!(results["pasted"]["file"], json!(null));
        assert_eq!(results["pasted"]["counts"], json!({"file-bom": 1}));
        let message = results["swedish"]["findings"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(message.contains("894600000000014"), "{message}");
        assert_ne!(message, report["findings"][0]["message"], "not English");
        assert_eq!(results["fixed"]["changed"], true);
        assert_eq!(results["fixed"]["bom"], false);
        assert_eq!(results["fixed"]["report"]["valid"], true);

        // Importing the module mounted nothing on the host page.
        assert!(!page.has_element(testid::TEXT).await);
        assert!(!page.has_element(testid::FILE).await);
    })
    .await;
}

#[tokio::test]
async fn the_javascript_entry_point_refuses_bytes_over_the_cap_before_copying_them() {
    run_host(Host::Allowed, |page| async move {
        page.upload_to(host::API_FILE, "pool.csv", VALID.as_bytes())
            .await;
        page.wait_for_text(host::API_VERDICT, "valid").await;

        // 300 MB (zeros) in the host's memory; the wasm's memory must not grow by it.
        let result = page
            .script(
                "const api = window.esimHost.api;\
                 const memory = () => window.esimHost.wasm.memory.buffer.byteLength;\
                 const before = memory();\
                 const big = new Uint8Array(300 * 1024 * 1024);\
                 const attempt = (f) => { try { f(); return null; } catch (e) { return String(e.message); } };\
                 return {\
                   named: attempt(() => api.validate(big, 'big.csv', 'sv')),\
                   unnamed: attempt(() => api.validate(big)),\
                   buffer: attempt(() => api.fix(big.buffer, undefined, 'en')),\
                   grew: memory() - before,\
                 };",
                vec![],
            )
            .await;
        assert_eq!(
            result["named"],
            json!("big.csv är 300 MB; filer över 256 MB läses inte.")
        );
        assert_eq!(
            result["unnamed"],
            json!("The input is 300 MB; inputs over 256 MB are not checked.")
        );
        assert_eq!(result["buffer"], result["unnamed"]);
        let grew = result["grew"].as_f64().expect("a number");
        assert!(
            grew < 16.0 * 1024.0 * 1024.0,
            "the wasm's memory grew by {grew} bytes: the refused bytes were copied"
        );

        // The module is alive: a normal file, passed as an ArrayBuffer too, is checked.
        let report = page
            .script(
                "const bytes = new TextEncoder().encode(arguments[0]);\
                 return window.esimHost.api.validate(bytes.buffer, 'pool.csv');",
                vec![json!(VALID)],
            )
            .await;
        assert_eq!(report["valid"], true, "{report}");
        assert_eq!(report["codes"], 2);
    })
    .await;
}
