//! DOM-level tests of the components in a real browser (wasm-bindgen-test).
//!
//! Run by `cargo xtask test` as
//! `cargo test --target wasm32-unknown-unknown` with `wasm-bindgen-test-runner` as the
//! runner. These are debug builds (no wasm-opt); `tests/e2e.rs` covers the release build.
#![cfg(target_arch = "wasm32")]

use esim_console::dom::testid;
use esim_console::App;
use esim_test_support::iccid;
use leptos::mount::mount_to;
use leptos::task::tick;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{
    DataTransfer, DragEvent, DragEventInit, Element, Event, EventInit, File, HtmlElement,
    HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement,
};

wasm_bindgen_test_configure!(run_in_browser);

const VALID: &str = "smdp.example.com\n\
                     8946000000000000014,ABCD-1234-XYZ\n\
                     8946000000000000022,ABCD-1235-XYZ\n";

#[wasm_bindgen_test]
async fn the_page_says_files_stay_in_the_browser() {
    let page = Page::mount().await;
    assert!(page.text(testid::PRIVACY).contains("never leave"));
    assert!(page.text(testid::PRIVACY).contains("offline"));
    assert!(
        page.find(testid::RESULT).is_none(),
        "no result before a check"
    );
    let file = page.get(testid::FILE);
    assert_eq!(file.get_attribute("type").as_deref(), Some("file"));
    assert!(file.has_attribute("multiple"));
    assert_eq!(
        file.get_attribute("accept").as_deref(),
        Some(
            ".csv,text/csv,.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    );
    let drop = page.get(testid::DROP);
    assert_eq!(drop.get_attribute("tabindex").as_deref(), Some("0"));
    assert_eq!(drop.get_attribute("role").as_deref(), Some("button"));
}

#[wasm_bindgen_test]
async fn pasted_valid_text_is_valid() {
    let page = Page::mount().await;
    page.paste(VALID);
    page.click(testid::CHECK);
    page.wait_for(testid::RESULT).await;

    assert_eq!(page.text(testid::VERDICT), "Valid");
    assert_eq!(page.text(testid::CODE_COUNT), "2");
    assert_eq!(page.text(testid::SMDP), "smdp.example.com");
    assert_eq!(page.text(testid::SOURCE), "Pasted text");
    assert!(page.find(testid::NO_FINDINGS).is_some());
    assert!(page.find(testid::FINDINGS).is_none());
    assert!(
        page.text(testid::ANNOUNCE).contains("Valid"),
        "the verdict is announced"
    );
}

#[wasm_bindgen_test]
async fn pasted_bad_iccid_shows_a_finding_with_its_position() {
    let page = Page::mount().await;
    page.paste("smdp.example.com\n894600000000014,ABCD-1234-XYZ\n");
    page.click(testid::CHECK);
    page.wait_for(testid::RESULT).await;

    assert_eq!(page.text(testid::VERDICT), "Invalid");
    assert_eq!(page.text(testid::CODE_COUNT), "1");
    assert_eq!(page.text(testid::ERROR_COUNT), "1");
    let rows = page.findings();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let [code, line, column, message] = &rows[0];
    assert_eq!(
        (code.as_str(), line.as_str(), column.as_str()),
        ("iccid-length", "2", "1")
    );
    assert!(message.contains("894600000000014"), "{message}");
    assert_eq!(page.all(testid::COUNT_ROW).len(), 1);
}

#[wasm_bindgen_test]
async fn a_chosen_file_is_read_as_bytes_and_checked() {
    let page = Page::mount().await;
    // Invalid UTF-8 on line 2: only the raw bytes can show it.
    page.choose_files(&[("pool.csv", b"smdp.example.com\n8946\xFF000000000000014,A\n")])
        .await;
    page.wait_for(testid::RESULT).await;

    assert_eq!(page.text(testid::SOURCE), "File \u{201c}pool.csv\u{201d}");
    assert_eq!(page.text(testid::VERDICT), "Invalid");
    let rows = page.findings();
    assert_eq!(rows[0][0], "file-encoding", "{rows:?}");
    assert_eq!(rows[0][1], "2", "{rows:?}");
}

#[wasm_bindgen_test]
async fn several_chosen_files_are_checked_together() {
    let page = Page::mount().await;
    page.choose_files(&[("a.csv", VALID.as_bytes()), ("b.csv", VALID.as_bytes())])
        .await;
    page.wait_for(testid::RESULT).await;
    let verdicts: Vec<String> = page.texts(testid::VERDICT);
    assert_eq!(verdicts, ["Valid", "Invalid"]);
    assert!(page
        .findings()
        .iter()
        .all(|[code, ..]| code == "iccid-duplicate"));
}

#[wasm_bindgen_test]
async fn dropped_files_are_checked_together() {
    let page = Page::mount().await;
    let transfer = DataTransfer::new().unwrap();
    for (name, bytes) in [("one.csv", VALID), ("two.csv", VALID)] {
        transfer
            .items()
            .add_with_file(&file(name, bytes.as_bytes()))
            .unwrap();
    }
    let init = DragEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_data_transfer(Some(&transfer));
    let event = DragEvent::new_with_event_init_dict("drop", &init).unwrap();
    page.get(testid::DROP).dispatch_event(&event).unwrap();
    page.wait_for(testid::RESULT).await;
    assert_eq!(
        page.texts(testid::SOURCE),
        [
            "File \u{201c}one.csv\u{201d}",
            "File \u{201c}two.csv\u{201d}"
        ]
    );
    assert_eq!(page.finding_codes(), ["iccid-duplicate", "iccid-duplicate"]);
}

#[wasm_bindgen_test]
async fn the_pool_name_defaults_to_the_file_name_or_the_smdp_label() {
    let page = Page::mount().await;
    page.choose_files(&[("UnlimitedDataSkynet.csv", VALID.as_bytes())])
        .await;
    page.wait_for(testid::RESULT).await;
    let name: HtmlInputElement = page.get(testid::POOL_NAME).unchecked_into();
    assert_eq!(name.value(), "UnlimitedDataSkynet");
    assert_eq!(
        page.text(testid::USE_SMDP_NAME),
        "Use \u{201c}example\u{201d}"
    );
    page.click(testid::USE_SMDP_NAME);
    tick().await;
    assert_eq!(name.value(), "example");
}

#[wasm_bindgen_test]
async fn checking_again_replaces_the_result() {
    let page = Page::mount().await;
    page.click(testid::CHECK);
    page.wait_for(testid::RESULT).await;
    assert_eq!(page.text(testid::VERDICT), "Invalid");
    assert_eq!(page.findings()[0][0], "file-empty");

    page.paste(VALID);
    page.click(testid::CHECK);
    page.wait_for_text(testid::VERDICT, "Valid").await;
    assert!(page.findings().is_empty());
}

#[wasm_bindgen_test]
async fn findings_are_paged_and_filtered_by_code() {
    let page = Page::mount().await;
    let mut text = String::from("smdp.example.com\n");
    for i in 0..250 {
        text.push_str(&format!("12345{i},ABC\n"));
    }
    text.push_str("8946000000000000014,abc\n");
    page.paste(&text);
    page.click(testid::CHECK);
    page.wait_for(testid::FINDINGS).await;

    assert_eq!(page.findings().len(), 100);
    assert_eq!(page.text(testid::PAGE_INFO), "Findings 1–100 of 251");
    page.click(testid::NEXT_PAGE);
    page.wait_for_text(testid::PAGE_INFO, "Findings 101–200 of 251")
        .await;
    assert_eq!(page.findings()[0][1], "102");
    page.click(testid::NEXT_PAGE);
    page.wait_for_text(testid::PAGE_INFO, "Findings 201–251 of 251")
        .await;
    assert_eq!(page.findings().len(), 51);

    page.select(testid::FILTER, "matching-id-lowercase");
    page.wait_for_text(testid::PAGE_INFO, "Findings 1–1 of 1")
        .await;
    assert_eq!(page.finding_codes(), ["matching-id-lowercase"]);
    page.select(testid::FILTER, "");
    page.wait_for_text(testid::PAGE_INFO, "Findings 1–100 of 251")
        .await;
}

#[wasm_bindgen_test]
async fn a_clicked_finding_shows_its_line_with_the_value_marked() {
    let page = Page::mount().await;
    // 100,000 lines; the bad one near the end.
    let mut text = String::from("smdp.example.com\n");
    for i in 0..99_998u64 {
        text.push_str(&format!("{},M{i}\n", iccid(i)));
    }
    text.push_str("8946000000000000014,BAD ID\n");
    page.choose_files(&[("big.csv", text.as_bytes())]).await;
    page.wait_for(testid::FINDINGS).await;
    let buttons = page.all(testid::SHOW_LINE);
    let last = buttons.last().unwrap().clone();
    assert_eq!(last.text_content().unwrap(), "100,000");
    assert_eq!(
        last.get_attribute("aria-label").as_deref(),
        Some("Show line 100,000 in the file")
    );
    last.unchecked_into::<HtmlElement>().click();
    page.wait_for(testid::SOURCE_VIEW).await;
    sleep_ms(50).await;

    assert_eq!(
        page.text(testid::SOURCE_HEADING),
        "The file at line 100,000"
    );
    assert_eq!(page.text(testid::SOURCE_MARK), "BAD ID");
    let lines = page.all(testid::SOURCE_LINE);
    assert!(lines.len() < 60, "{} lines rendered", lines.len());
    assert!(lines
        .iter()
        .any(|line| line.get_attribute("data-line").as_deref() == Some("100000")));
    let view = page.get(testid::SOURCE_VIEW);
    assert_eq!(view.get_attribute("tabindex").as_deref(), Some("0"));
    assert!(view.scroll_top() > 0, "scrolled to the line");

    // Scrolling to the top renders the first lines instead.
    view.set_scroll_top(0);
    view.dispatch_event(&Event::new("scroll").unwrap()).unwrap();
    sleep_ms(50).await;
    let first = page.all(testid::SOURCE_LINE)[0]
        .get_attribute("data-line")
        .unwrap();
    assert_eq!(first, "1");
}

#[wasm_bindgen_test]
async fn the_fix_shows_what_changed_and_checks_again() {
    let page = Page::mount().await;
    let bytes =
        b"\xEF\xBB\xBFsmdp.example.com\n 8946000000000000014 ,ABCD\n8946000000000000022;ABCE\n\n\n";
    page.choose_files(&[("messy.csv", bytes)]).await;
    page.wait_for(testid::RESULT).await;
    assert_eq!(page.text(testid::VERDICT), "Invalid");
    page.click(testid::FIX);
    page.wait_for(testid::FIX_PREVIEW).await;

    assert_eq!(
        page.text(testid::FIXED_VERDICT),
        "After the fix the file is: Valid"
    );
    let wide = page.texts(testid::FIX_FILE_WIDE);
    assert_eq!(wide.len(), 1, "{wide:?}");
    assert!(wide[0].starts_with("Whole file:"), "{wide:?}");
    let changes = page.texts(testid::FIX_CHANGE);
    assert!(changes.len() >= 3, "{changes:?}");
    assert!(
        changes[0].contains("8946000000000000014,ABCD"),
        "{changes:?}"
    );
    assert!(changes.iter().any(|c| c.contains("removed")), "{changes:?}");
    assert!(page.find(testid::DOWNLOAD_FIXED).is_some());
    assert!(page.find(testid::DOWNLOAD_PARTS).is_none());
}

#[wasm_bindgen_test]
async fn a_carrier_export_shows_its_columns_and_converts_into_a_pool_file() {
    let page = Page::mount().await;
    // Windows-1252 (a name with å and ö in a column left out), `;`, an LPA column.
    let mut bytes = b"ICCID;Kund;MSISDN;Activation code\r\n".to_vec();
    bytes.extend_from_slice(
        b"8946000000000000014;\xC5sa \xD6berg;46701234567;LPA:1$smdp.example.com$AB-1\r\n",
    );
    bytes.extend_from_slice(
        b"8946000000000000022;Zo\xEB;46701234568;LPA:1$smdp.example.com$AB-2\r\n",
    );
    page.choose_files(&[("export.csv", &bytes)]).await;
    page.wait_for(testid::RESULT).await;
    assert_eq!(page.text(testid::VERDICT), "Invalid");
    assert_eq!(page.finding_codes(), ["carrier-export"]);
    assert_eq!(
        page.text(testid::MAPPING_ENCODING),
        "Converted from windows-1252"
    );
    let rows = page.texts(testid::MAPPING_ROW);
    assert_eq!(
        rows,
        [
            "1ICCIDICCID (by its name)",
            "2Kundleft out of the pool file",
            "3MSISDNleft out of the pool file",
            "4Activation codeLPA activation code (SM-DP+ address and Matching ID) (by its name)",
        ]
    );
    page.click(testid::FIX);
    page.wait_for(testid::FIX_PREVIEW).await;
    assert_eq!(
        page.text(testid::FIXED_VERDICT),
        "After the fix the file is: Valid"
    );
    let wide = page.texts(testid::FIX_FILE_WIDE);
    assert_eq!(wide, ["Whole file: Convert into a pool file"]);
    let changes = page.texts(testid::FIX_CHANGE);
    assert!(changes[0].starts_with("1ICCID;Kund"), "{changes:?}");
    assert!(
        changes[1].ends_with("8946000000000000014,AB-1"),
        "{changes:?}"
    );
    assert!(page.find(testid::DOWNLOAD_FIXED).is_some());
}

/// Starts recording the page's long tasks (over 50 ms of the main thread, as the browser's
/// `longtask` entries tell them) in `window.__longTasks`.
fn record_long_tasks() {
    js_sys::Function::new_no_args(
        "window.__longTasks = [];\
         new PerformanceObserver((list) => {\
           for (const e of list.getEntries()) window.__longTasks.push(e.duration);\
         }).observe({type: 'longtask'});",
    )
    .call0(&wasm_bindgen::JsValue::NULL)
    .unwrap();
}

/// The long tasks recorded since [`record_long_tasks`] (ms), and empties the record.
async fn long_tasks() -> Vec<f64> {
    // The observer is told of a task after it ends: give it a turn.
    sleep_ms(100).await;
    let tasks = js_sys::Function::new_no_args(
        "const t = window.__longTasks; window.__longTasks = []; return t;",
    )
    .call0(&wasm_bindgen::JsValue::NULL)
    .unwrap();
    js_sys::Array::from(&tasks)
        .iter()
        .map(|d| d.as_f64().unwrap())
        .collect()
}

/// The rule "the browser never freezes on a big file" for carrier exports (issue 15): the
/// check and the conversion ("Fix every safe problem") of a 60,000-row export run in
/// steps with a turn for the page between them - no long task of the page's thread takes
/// half the time the check or the fix takes (this is a debug build: the
/// result's first rendering is a long task of its own), where converting the export in
/// one go was one long task of nearly all of it.
#[wasm_bindgen_test]
async fn checking_and_converting_a_big_export_keep_the_page_responsive() {
    use esim_test_support::export::text_export;
    let page = Page::mount().await;
    let export = text_export(60_000);
    // Making the export is a long task of its own: over before the recording starts.
    sleep_ms(100).await;
    record_long_tasks();
    let start = now_ms();
    page.choose_files(&[("export.csv", &export)]).await;
    for _ in 0..6000 {
        if page.find(testid::MAPPING).is_some() {
            break;
        }
        sleep_ms(10).await;
    }
    let took = now_ms() - start;
    assert_eq!(page.finding_codes(), ["too-many-codes", "carrier-export"]);
    let check = long_tasks().await;
    wasm_bindgen_test::console_log!("checking: {took:.0} ms, long tasks {check:?}");
    let longest = check.iter().copied().fold(0.0, f64::max);
    assert!(
        longest < took / 2.0,
        "checking took {took:.0} ms, its longest task {longest:.0} ms: {check:?}"
    );

    let start = now_ms();
    page.click(testid::FIX);
    for _ in 0..6000 {
        if page.find(testid::FIX_PREVIEW).is_some() {
            break;
        }
        sleep_ms(10).await;
    }
    let took = now_ms() - start;
    assert_eq!(
        page.text(testid::FIXED_VERDICT),
        "After the fix the file is: Invalid"
    );
    let fix = long_tasks().await;
    wasm_bindgen_test::console_log!("converting: {took:.0} ms, long tasks {fix:?}");
    let longest = fix.iter().copied().fold(0.0, f64::max);
    assert!(
        longest < took / 2.0,
        "converting took {took:.0} ms, its longest task {longest:.0} ms: {fix:?}"
    );
}

fn now_ms() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

#[wasm_bindgen_test]
async fn an_ambiguous_column_is_chosen_in_the_column_picker() {
    let page = Page::mount().await;
    page.paste(
        "ICCID,ICC-ID,EID,Activation code\n\
         8946000000000000014,8946000000000000022,89049032000001000000000000000001,LPA:1$smdp.example.com$AB-1\n",
    );
    page.click(testid::CHECK);
    page.wait_for(testid::MAPPING).await;
    assert_eq!(page.finding_codes(), ["carrier-export", "column-mapping"]);
    let pick = |role: &str| -> HtmlSelectElement {
        page.root
            .query_selector(&format!(
                "[data-testid=\"{}\"][data-role=\"{role}\"]",
                testid::COLUMN_PICK
            ))
            .unwrap()
            .unwrap()
            .unchecked_into()
    };
    assert_eq!(pick("iccid").value(), "", "as the header says");
    let iccid = pick("iccid");
    iccid.set_value("2");
    let init = EventInit::new();
    init.set_bubbles(true);
    iccid
        .dispatch_event(&Event::new_with_event_init_dict("change", &init).unwrap())
        .unwrap();
    for _ in 0..300 {
        if page.finding_codes() == ["carrier-export"] {
            break;
        }
        sleep_ms(10).await;
    }
    assert_eq!(page.finding_codes(), ["carrier-export"]);
    assert_eq!(pick("iccid").value(), "2");
    let rows = page.texts(testid::MAPPING_ROW);
    assert_eq!(rows[1], "2ICC-IDICCID (as chosen)", "{rows:?}");
    assert_eq!(rows[0], "1ICCIDleft out of the pool file", "{rows:?}");
    page.click(testid::FIX);
    page.wait_for(testid::FIX_PREVIEW).await;
    let changes = page.texts(testid::FIX_CHANGE);
    assert!(
        changes[1].ends_with("8946000000000000022,AB-1"),
        "{changes:?}"
    );
}

#[wasm_bindgen_test]
async fn the_language_switch_translates_labels_and_findings() {
    let page = Page::mount().await;
    page.paste("smdp.example.com\n894600000000014,ABCD-1234-XYZ\n");
    page.click(testid::CHECK);
    page.wait_for(testid::RESULT).await;
    assert_eq!(page.text(testid::LANG_SWITCH), "Svenska");

    page.click(testid::LANG_SWITCH);
    page.wait_for_text(testid::VERDICT, "Ogiltig").await;
    assert_eq!(page.text(testid::LANG_SWITCH), "English");
    assert_eq!(page.text(testid::SOURCE), "Inklistrad text");
    assert!(page.text(testid::PRIVACY).contains("webbläsare"));
    let message = &page.findings()[0][3];
    assert!(message.contains("siffror"), "{message}");
    assert_eq!(
        leptos::prelude::document()
            .document_element()
            .unwrap()
            .get_attribute("lang")
            .as_deref(),
        Some("sv")
    );
    assert_eq!(
        storage().get_item("esim-console.lang").unwrap().as_deref(),
        Some("sv")
    );

    page.click(testid::LANG_SWITCH);
    page.wait_for_text(testid::VERDICT, "Invalid").await;
}

/// A pool file of `codes` valid codes (lines 2 to `codes + 1`) and then line
/// `codes + 2` repeating the line before it: 1 more code line, an `iccid-duplicate` error,
/// and `too-many-codes` when the code lines are over 1,000.
fn repeated_last_line(codes: u64) -> String {
    let mut text = String::from("smdp.example.com\n");
    for n in 0..codes {
        text.push_str(&format!("{},ID-{n}\n", iccid(n)));
    }
    text.push_str(&format!("{},ID-{}\n", iccid(codes - 1), codes - 1));
    text
}

/// Issue 14 item 4: counts take the language's plural form and numbers its digit grouping,
/// in the verdict's sentence, the counts, the groups of findings and the findings' own
/// messages (whose numbers come from esim-csv); switching the language redraws them all.
#[wasm_bindgen_test]
async fn counts_and_numbers_follow_the_language_both_ways() {
    const NBSP: char = '\u{a0}';
    let page = Page::mount().await;
    page.click(testid::LANG_SWITCH);
    page.wait_for_text(testid::LANG_SWITCH, "English").await;

    // One error.
    page.paste("smdp.example.com\n894600000000014,ABCD-1234-XYZ\n");
    page.click(testid::CHECK);
    page.wait_for_text(testid::VERDICT, "Ogiltig").await;
    assert_eq!(page.text(testid::ERROR_COUNT), "1");
    let announced = page.text(testid::ANNOUNCE);
    assert!(
        announced.ends_with("Ogiltig, 1 kod, 1 fel, 0 varningar."),
        "{announced}"
    );
    assert_eq!(page.texts(testid::COUNT_LINES), ["rad 2"]);

    // 1,001 code lines, line 1,002 repeating line 1,001: two errors.
    page.paste(&repeated_last_line(1_000));
    page.click(testid::CHECK);
    page.wait_for_text(testid::CODE_COUNT, &format!("1{NBSP}001"))
        .await;
    assert_eq!(page.text(testid::VERDICT), "Ogiltig");
    assert_eq!(page.text(testid::ERROR_COUNT), "2");
    let announced = page.text(testid::ANNOUNCE);
    assert!(
        announced.ends_with(&format!("Ogiltig, 1{NBSP}001 koder, 2 fel, 0 varningar.")),
        "{announced}"
    );
    let groups: Vec<(String, String)> = page
        .all(testid::COUNT_ROW)
        .iter()
        .map(|row| {
            let lines = row
                .query_selector(&format!("[data-testid=\"{}\"]", testid::COUNT_LINES))
                .unwrap()
                .unwrap()
                .text_content()
                .unwrap_or_default();
            (row.get_attribute("data-code").unwrap_or_default(), lines)
        })
        .collect();
    assert!(
        groups.contains(&("iccid-duplicate".into(), format!("rad 1{NBSP}002"))),
        "{groups:?}"
    );
    let rows = page.findings();
    let duplicate = rows
        .iter()
        .find(|[code, ..]| code == "iccid-duplicate")
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert_eq!(duplicate[1], format!("1{NBSP}002"));
    // The message's line is written as the line beside it is, not "rad 1001".
    assert!(
        duplicate[3].contains(&format!("rad 1{NBSP}001")),
        "{}",
        duplicate[3]
    );
    let too_many = &rows
        .iter()
        .find(|[code, ..]| code == "too-many-codes")
        .unwrap_or_else(|| panic!("{rows:?}"))[3];
    assert!(
        too_many.contains(&format!("1{NBSP}001 aktiveringskoder")),
        "{too_many}"
    );

    // Back to English: the same result, redrawn.
    page.click(testid::LANG_SWITCH);
    page.wait_for_text(testid::VERDICT, "Invalid").await;
    assert_eq!(page.text(testid::CODE_COUNT), "1,001");
    let announced = page.text(testid::ANNOUNCE);
    assert!(
        announced.ends_with("Invalid, 1,001 codes, 2 errors, 0 warnings."),
        "{announced}"
    );
    let rows = page.findings();
    let duplicate = rows
        .iter()
        .find(|[code, ..]| code == "iccid-duplicate")
        .unwrap();
    assert_eq!(duplicate[1], "1,002");
    assert!(duplicate[3].contains("line 1,001"), "{}", duplicate[3]);
    assert!(page
        .texts(testid::COUNT_LINES)
        .contains(&"line 1,002".to_owned()));

    // One error, in English.
    page.paste("smdp.example.com\n894600000000014,ABCD-1234-XYZ\n");
    page.click(testid::CHECK);
    page.wait_for_text(testid::CODE_COUNT, "1").await;
    let announced = page.text(testid::ANNOUNCE);
    assert!(
        announced.ends_with("Invalid, 1 code, 1 error, 0 warnings."),
        "{announced}"
    );
}

/// esim-csv writes the numbers in its messages itself (the command line and the server have
/// no `Intl`); in the browser they must read as the page's own, which come from
/// `Intl.NumberFormat`, and its plural rule must be `Intl.PluralRules`'. The page's own come
/// from the same native rules until the browser was idle once (the first `Intl` object is
/// costly, and drawing the first view does not wait for it): both must read as `Intl` does,
/// and `Intl` must take over.
#[wasm_bindgen_test]
async fn the_validators_numbers_and_plurals_are_the_browsers() {
    use esim_console::i18n::{intl_ready, is_one, number, Lang};
    let check = || {
        for lang in [Lang::En, Lang::Sv] {
            let locales = js_sys::Array::of1(&lang.tag().into());
            let intl = js_sys::Intl::NumberFormat::new(&locales, &js_sys::Object::new()).format();
            let plurals = js_sys::Intl::PluralRules::new(&locales, &js_sys::Object::new());
            for n in [
                0u64,
                1,
                7,
                999,
                1_000,
                1_001,
                12_345,
                999_999,
                1_234_567,
                4_000_000_000,
            ] {
                let browser = intl
                    .call1(&wasm_bindgen::JsValue::NULL, &(n as f64).into())
                    .unwrap()
                    .as_string()
                    .unwrap();
                let ready = intl_ready();
                assert_eq!(esim_csv::number(lang, n), browser, "{lang:?} {n}");
                assert_eq!(
                    number(lang, n as usize),
                    browser,
                    "{lang:?} {n} (Intl: {ready})"
                );
                assert_eq!(
                    is_one(lang, n as usize),
                    n == 1,
                    "{lang:?} {n} (Intl: {ready})"
                );
                assert_eq!(
                    is_one(lang, n as usize),
                    plurals.select(n as f64) == "one",
                    "{lang:?} {n} (Intl: {ready})"
                );
            }
        }
    };
    check();
    let mut waited = 0;
    while !intl_ready() {
        assert!(waited < 5_000, "numbers never came from Intl");
        esim_console::browser::sleep_ms(20).await;
        waited += 20;
    }
    check();
}

#[wasm_bindgen_test]
async fn console_views_have_urls_and_need_a_sign_in() {
    use esim_console::dom::testid as c;
    let session = web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap();
    session.remove_item("esim-console.connection").unwrap();
    let page = Page::mount().await;
    let location = web_sys::window().unwrap().location();

    location.set_hash("#/pools").unwrap();
    page.wait_for(c::SIGN_IN_NEEDED).await;
    let current = page
        .root
        .query_selector("nav a[aria-current=\"page\"]")
        .unwrap()
        .expect("the navigation marks the current section");
    assert_eq!(current.text_content().unwrap(), "Pools");
    assert_eq!(page.text(c::SIGNED_IN), "Not signed in");

    // Settings refuses an address that is not http(s), then says a server that does not
    // answer cannot be reached - and keeps the token for this tab only.
    location.set_hash("#/settings").unwrap();
    page.wait_for(c::BASE_URL).await;
    page.type_into(c::BASE_URL, "ftp://example.com");
    page.type_into(c::TOKEN, "secret-token");
    page.click(c::SAVE_CONNECTION);
    let mut alert = None;
    for _ in 0..500 {
        alert = page.root.query_selector(".field-error").unwrap();
        if alert.is_some() {
            break;
        }
        sleep_ms(10).await;
    }
    let alert = alert.expect("the address is refused");
    assert!(alert.text_content().unwrap().contains("http://"));
    assert!(session
        .get_item("esim-console.connection")
        .unwrap()
        .is_none());

    // Another origin than the page's is named in a dialog and used only once accepted.
    page.type_into(c::BASE_URL, "http://127.0.0.1:9");
    page.click(c::SAVE_CONNECTION);
    page.wait_for(c::ORIGIN_ACCEPT).await;
    assert!(
        page.text(c::ORIGIN_DIALOG).contains("http://127.0.0.1:9"),
        "{}",
        page.text(c::ORIGIN_DIALOG)
    );
    assert!(
        page.find(c::API_ERROR).is_none(),
        "nothing sent before the answer"
    );
    page.click(c::ORIGIN_ACCEPT);
    // Accepted, the console talks to it and tests the connection by itself, as "Save and
    // test" asked (signing in draws the page again: the test is the console's, not the
    // page's), and the answer shows without another click.
    page.wait_for(c::API_ERROR).await;
    assert!(
        page.text(c::API_ERROR).contains("cannot be reached"),
        "{}",
        page.text(c::API_ERROR)
    );
    assert!(page.text(c::SIGNED_IN).contains("http://127.0.0.1:9"));
    // "Save and test" again tests it without asking again.
    page.click(c::SAVE_CONNECTION);
    sleep_ms(50).await;
    assert!(page.find(c::ORIGIN_ACCEPT).is_none(), "asked again");
    page.wait_for(c::API_ERROR).await;
    assert!(
        page.text(c::API_ERROR).contains("cannot be reached"),
        "{}",
        page.text(c::API_ERROR)
    );
    let stored = session
        .get_item("esim-console.connection")
        .unwrap()
        .unwrap();
    assert!(stored.contains("secret-token") && stored.contains("127.0.0.1:9"));
    assert!(!location.href().unwrap().contains("secret-token"));
    assert!(page.text(c::SIGNED_IN).contains("http://127.0.0.1:9"));

    page.click(c::SIGN_OUT);
    assert!(session
        .get_item("esim-console.connection")
        .unwrap()
        .is_none());

    // Back to the validator, as the other tests expect.
    location.set_hash("").unwrap();
    page.wait_for(testid::TEXT).await;
}

/// The app mounted into its own element, so tests do not see each other's DOM.
struct Page {
    root: Element,
}

impl Page {
    /// Mounts the app and waits until it has drawn its first view.
    async fn mount() -> Self {
        // English, whatever an earlier test chose.
        storage().set_item("esim-console.lang", "en").unwrap();
        let document = leptos::prelude::document();
        let root = document.create_element("div").unwrap();
        document.body().unwrap().append_child(&root).unwrap();
        // Leaked on purpose: the page lives until the test run ends.
        mount_to(root.clone().unchecked_into(), App).forget();
        let page = Self { root };
        for _ in 0..500 {
            if page.root.query_selector("main > *").unwrap().is_some() {
                break;
            }
            sleep_ms(5).await;
        }
        page
    }

    fn find(&self, id: &str) -> Option<Element> {
        self.root
            .query_selector(&format!("[data-testid=\"{id}\"]"))
            .unwrap()
    }

    fn get(&self, id: &str) -> Element {
        self.find(id).unwrap_or_else(|| {
            let html = self.root.inner_html();
            panic!(
                "no element with data-testid={id} in {}",
                html.get(html.len().saturating_sub(1500)..).unwrap_or(&html)
            )
        })
    }

    fn text(&self, id: &str) -> String {
        self.get(id)
            .text_content()
            .unwrap_or_default()
            .trim()
            .to_owned()
    }

    fn click(&self, id: &str) {
        self.get(id).unchecked_into::<HtmlElement>().click();
    }

    /// Sets an input's value and fires `input`, as typing does.
    fn type_into(&self, id: &str, text: &str) {
        let input: HtmlInputElement = self.get(id).unchecked_into();
        input.set_value(text);
        let init = EventInit::new();
        init.set_bubbles(true);
        let event = Event::new_with_event_init_dict("input", &init).unwrap();
        input.dispatch_event(&event).unwrap();
    }

    /// Sets the text area's value and fires `input`, as typing or pasting does.
    fn paste(&self, text: &str) {
        let area: HtmlTextAreaElement = self.get(testid::TEXT).unchecked_into();
        area.set_value(text);
        let init = EventInit::new();
        init.set_bubbles(true);
        let event = Event::new_with_event_init_dict("input", &init).unwrap();
        area.dispatch_event(&event).unwrap();
    }

    /// Chooses files in the file input, as the browser does after the file picker closes.
    async fn choose_files(&self, files: &[(&str, &[u8])]) {
        let transfer = DataTransfer::new().unwrap();
        for (name, bytes) in files {
            transfer.items().add_with_file(&file(name, bytes)).unwrap();
        }
        let input: HtmlInputElement = self.get(testid::FILE).unchecked_into();
        input.set_files(transfer.files().as_ref());
        let init = EventInit::new();
        init.set_bubbles(true);
        let event = Event::new_with_event_init_dict("change", &init).unwrap();
        input.dispatch_event(&event).unwrap();
    }

    /// Selects an option and fires `change`.
    fn select(&self, id: &str, value: &str) {
        let select: HtmlSelectElement = self.get(id).unchecked_into();
        select.set_value(value);
        let init = EventInit::new();
        init.set_bubbles(true);
        let event = Event::new_with_event_init_dict("change", &init).unwrap();
        select.dispatch_event(&event).unwrap();
    }

    fn all(&self, id: &str) -> Vec<Element> {
        let nodes = self
            .root
            .query_selector_all(&format!("[data-testid=\"{id}\"]"))
            .unwrap();
        (0..nodes.length())
            .map(|i| nodes.item(i).unwrap().unchecked_into())
            .collect()
    }

    fn texts(&self, id: &str) -> Vec<String> {
        self.all(id)
            .iter()
            .map(|e| e.text_content().unwrap_or_default().trim().to_owned())
            .collect()
    }

    fn finding_codes(&self) -> Vec<String> {
        self.findings().into_iter().map(|[code, ..]| code).collect()
    }

    /// Waits until the element shows exactly `expected`.
    async fn wait_for_text(&self, id: &str, expected: &str) {
        for _ in 0..300 {
            if self.find(id).is_some() && self.text(id) == expected {
                return;
            }
            sleep_ms(10).await;
        }
        panic!(
            "[data-testid={id}] never showed {expected:?}; shows {:?}",
            self.find(id).map(|_| self.text(id))
        );
    }

    /// Waits for an element that appears after asynchronous work (reading a file takes a
    /// few turns of the event loop, not just one `tick`).
    async fn wait_for(&self, id: &str) {
        for _ in 0..500 {
            if self.find(id).is_some() {
                return;
            }
            sleep_ms(10).await;
        }
        panic!("[data-testid={id}] did not appear within 5 s");
    }

    /// Each finding row as `[code, line, column, message]`.
    fn findings(&self) -> Vec<[String; 4]> {
        let rows = self
            .root
            .query_selector_all(&format!("[data-testid=\"{}\"]", testid::FINDING))
            .unwrap();
        (0..rows.length())
            .map(|i| {
                let row: Element = rows.item(i).unwrap().unchecked_into();
                let cell = |id: &str| {
                    row.query_selector(&format!("[data-testid=\"{id}\"]"))
                        .unwrap()
                        .and_then(|cell| cell.text_content())
                        .unwrap_or_default()
                };
                [
                    cell(testid::FINDING_CODE),
                    cell(testid::FINDING_LINE),
                    cell(testid::FINDING_COLUMN),
                    cell(testid::FINDING_MESSAGE),
                ]
            })
            .collect()
    }
}

fn file(name: &str, bytes: &[u8]) -> File {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    File::new_with_u8_array_sequence(&parts, name).unwrap()
}

fn storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}
