//! DOM-level tests of the components in a real browser (wasm-bindgen-test).
//!
//! Run by `cargo xtask test` as
//! `cargo test --target wasm32-unknown-unknown` with `wasm-bindgen-test-runner` as the
//! runner. These are debug builds (no wasm-opt); `tests/e2e.rs` covers the release build.
#![cfg(target_arch = "wasm32")]

use esim_console::app::{testid, App};
use leptos::mount::mount_to;
use leptos::task::tick;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{
    DataTransfer, Element, Event, EventInit, File, HtmlElement, HtmlInputElement,
    HtmlTextAreaElement,
};

wasm_bindgen_test_configure!(run_in_browser);

const VALID: &str = "smdp.example.com\n\
                     8946000000000000014,ABCD-1234-XYZ\n\
                     8946000000000000022,ABCD-1235-XYZ\n";

#[wasm_bindgen_test]
async fn the_page_says_files_stay_in_the_browser() {
    let page = Page::mount();
    assert!(page.text(testid::PRIVACY).contains("never leave"));
    assert!(
        page.find(testid::RESULT).is_none(),
        "no result before a check"
    );
    let file = page.get(testid::FILE);
    assert_eq!(file.get_attribute("type").as_deref(), Some("file"));
    assert_eq!(
        file.get_attribute("accept").as_deref(),
        Some(".csv,text/csv")
    );
}

#[wasm_bindgen_test]
async fn pasted_valid_text_is_valid() {
    let page = Page::mount();
    page.paste(VALID);
    page.click(testid::CHECK);
    tick().await;

    assert_eq!(page.text(testid::VERDICT), "Valid");
    assert_eq!(page.text(testid::CODE_COUNT), "2");
    assert_eq!(page.text(testid::SOURCE), "Pasted text");
    assert!(page.find(testid::NO_FINDINGS).is_some());
    assert!(page.find(testid::FINDINGS).is_none());
}

#[wasm_bindgen_test]
async fn pasted_bad_iccid_shows_a_finding_with_its_position() {
    let page = Page::mount();
    page.paste("smdp.example.com\n894600000000014,ABCD-1234-XYZ\n");
    page.click(testid::CHECK);
    tick().await;

    assert_eq!(page.text(testid::VERDICT), "Invalid");
    assert_eq!(page.text(testid::CODE_COUNT), "1");
    let rows = page.findings();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let [code, line, column, message] = &rows[0];
    assert_eq!(
        (code.as_str(), line.as_str(), column.as_str()),
        ("iccid-length", "2", "1")
    );
    assert!(message.contains("894600000000014"), "{message}");
}

#[wasm_bindgen_test]
async fn a_chosen_file_is_read_as_bytes_and_checked() {
    let page = Page::mount();
    // Invalid UTF-8 on line 2: only the raw bytes can show it.
    page.choose_file("pool.csv", b"smdp.example.com\n8946\xFF000000000000014,A\n")
        .await;
    page.wait_for(testid::RESULT).await;

    assert_eq!(page.text(testid::SOURCE), "File \u{201c}pool.csv\u{201d}");
    assert_eq!(page.text(testid::VERDICT), "Invalid");
    let rows = page.findings();
    assert_eq!(rows[0][0], "file-encoding", "{rows:?}");
    assert_eq!(rows[0][1], "2", "{rows:?}");
}

#[wasm_bindgen_test]
async fn checking_again_replaces_the_result() {
    let page = Page::mount();
    page.click(testid::CHECK);
    tick().await;
    assert_eq!(page.text(testid::VERDICT), "Invalid");
    assert_eq!(page.findings()[0][0], "file-empty");

    page.paste(VALID);
    page.click(testid::CHECK);
    tick().await;
    assert_eq!(page.text(testid::VERDICT), "Valid");
    assert!(page.findings().is_empty());
}

/// The app mounted into its own element, so tests do not see each other's DOM.
struct Page {
    root: Element,
}

impl Page {
    fn mount() -> Self {
        let document = leptos::prelude::document();
        let root = document.create_element("div").unwrap();
        document.body().unwrap().append_child(&root).unwrap();
        // Leaked on purpose: the page lives until the test run ends.
        mount_to(root.clone().unchecked_into(), App).forget();
        Self { root }
    }

    fn find(&self, id: &str) -> Option<Element> {
        self.root
            .query_selector(&format!("[data-testid=\"{id}\"]"))
            .unwrap()
    }

    fn get(&self, id: &str) -> Element {
        self.find(id)
            .unwrap_or_else(|| panic!("no element with data-testid={id}"))
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

    /// Sets the text area's value and fires `input`, as typing or pasting does.
    fn paste(&self, text: &str) {
        let area: HtmlTextAreaElement = self.get(testid::TEXT).unchecked_into();
        area.set_value(text);
        let init = EventInit::new();
        init.set_bubbles(true);
        let event = Event::new_with_event_init_dict("input", &init).unwrap();
        area.dispatch_event(&event).unwrap();
    }

    /// Chooses a file in the file input, as the browser does after the file picker closes.
    async fn choose_file(&self, name: &str, bytes: &[u8]) {
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
        let file = File::new_with_u8_array_sequence(&parts, name).unwrap();
        let transfer = DataTransfer::new().unwrap();
        transfer.items().add_with_file(&file).unwrap();
        let input: HtmlInputElement = self.get(testid::FILE).unchecked_into();
        input.set_files(transfer.files().as_ref());
        let init = EventInit::new();
        init.set_bubbles(true);
        let event = Event::new_with_event_init_dict("change", &init).unwrap();
        input.dispatch_event(&event).unwrap();
    }

    /// Waits for an element that appears after asynchronous work (reading a file takes a
    /// few turns of the event loop, not just one `tick`).
    async fn wait_for(&self, id: &str) {
        for _ in 0..200 {
            if self.find(id).is_some() {
                return;
            }
            sleep_ms(10).await;
        }
        panic!("[data-testid={id}] did not appear within 2 s");
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

async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}
