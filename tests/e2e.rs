//! End-to-end tests of what ships: the `trunk build --release` output in `dist/` (after
//! wasm-opt), in headless Chromium, through the real file input.
//!
//! `test = false` in Cargo.toml: plain `cargo test` skips these because they need the
//! release build; `cargo xtask test` builds it and runs `cargo test --test e2e`.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use esim_console::app::testid;
use support::run;

const VALID: &str = "smdp.example.com\n\
                     8946000000000000014,ABCD-1234-XYZ\n\
                     8946000000000000022,ABCD-1235-XYZ\n";

#[tokio::test]
async fn a_chosen_valid_file_is_valid() {
    run(|page| async move {
        page.upload("UnlimitedDataSkynet.csv", VALID.as_bytes())
            .await;
        page.wait_for_text(
            testid::SOURCE,
            "File \u{201c}UnlimitedDataSkynet.csv\u{201d}",
        )
        .await;
        assert_eq!(page.text(testid::VERDICT).await, "Valid");
        assert_eq!(page.text(testid::CODE_COUNT).await, "2");
        assert!(page.findings().await.is_empty());
        assert!(page.text(testid::PRIVACY).await.contains("never leave"));
    })
    .await;
}

#[tokio::test]
async fn a_chosen_file_reaches_the_validator_byte_for_byte() {
    run(|page| async move {
        // A UTF-8 byte-order mark and CRLF line breaks: only raw bytes keep the BOM.
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(VALID.replace('\n', "\r\n").as_bytes());
        page.upload("bom.csv", &bytes).await;
        page.wait_for_text(testid::SOURCE, "File \u{201c}bom.csv\u{201d}")
            .await;
        // A warning shows but does not make the file invalid.
        assert_eq!(page.text(testid::VERDICT).await, "Valid");
        assert_eq!(page.finding_codes().await, ["file-bom"]);
    })
    .await;
}

#[tokio::test]
async fn a_chosen_file_with_another_extension_is_refused() {
    run(|page| async move {
        page.upload("codes.txt", VALID.as_bytes()).await;
        page.wait_for_text(testid::SOURCE, "File \u{201c}codes.txt\u{201d}")
            .await;
        assert_eq!(page.text(testid::VERDICT).await, "Invalid");
        assert_eq!(page.finding_codes().await, ["file-extension"]);
    })
    .await;
}

#[tokio::test]
async fn pasted_text_with_a_short_iccid_shows_where() {
    run(|page| async move {
        page.paste("smdp.example.com\n894600000000014,ABCD-1234-XYZ\n")
            .await;
        page.click(testid::CHECK).await;
        page.wait_for_text(testid::SOURCE, "Pasted text").await;
        assert_eq!(page.text(testid::VERDICT).await, "Invalid");
        assert_eq!(page.text(testid::CODE_COUNT).await, "1");
        let findings = page.findings().await;
        assert_eq!(findings.len(), 1, "{findings:?}");
        let [code, line, column, message] = &findings[0];
        assert_eq!(
            (code.as_str(), line.as_str(), column.as_str()),
            ("iccid-length", "2", "1")
        );
        assert!(message.contains("894600000000014"), "{message}");
    })
    .await;
}
