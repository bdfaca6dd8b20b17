//! Excel workbooks (`.xlsx`) in the browser: the page's own wasm has no workbook reader
//! (calamine would make it much larger); a workbook is read by a Web Worker module of its
//! own, `esim-workbook_loader.js` (`crates/esim-workbook`, built by Trunk from
//! index.html), which the page starts only when a workbook is opened and ends when it has
//! answered. The worker turns the sheet into the text of a carrier export
//! (`esim_csv::sheet_text`), which the page then checks and converts exactly like a CSV
//! export. Reading happens off the page's thread, so even a large workbook does not freeze
//! the page. The worker is driven through `Reflect`, which keeps the worker bindings out of
//! web-sys's feature list.

use std::cell::RefCell;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Workbooks larger than this are not read in the browser: calamine holds the unpacked
/// sheet in the worker's memory (a 100,000-row export is a few MB; see bench/xlsx.md).
pub const MAX_WORKBOOK_BYTES: f64 = 64.0 * 1024.0 * 1024.0;

/// The worker's script (Trunk's loader shim, which starts `esim-workbook.js` and
/// `esim-workbook_bg.wasm`), relative to the console's folder.
pub const READER: &str = "esim-workbook_loader.js";

thread_local! {
    /// Where the console's folder is, relative to the page: `""` for the console, `"../"`
    /// for the validator-only page in `validator/` ([`set_root`]).
    static ROOT: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Tells where the console's folder (and so the reader) is, relative to the page.
pub fn set_root(root: &str) {
    ROOT.with(|r| *r.borrow_mut() = root.to_owned());
}

/// The worker script's URL, relative to the page.
pub fn reader_url() -> String {
    ROOT.with(|r| format!("{}{READER}", r.borrow()))
}

/// True for a file to read as a workbook: its name ends in `.xlsx`, or its bytes start as
/// a zip archive does (an `.xlsx` renamed).
pub fn is_workbook(name: &str, head: &[u8]) -> bool {
    let name = name.to_ascii_lowercase();
    name.ends_with(".xlsx") || name.ends_with(".xlsm") || head.starts_with(b"PK\x03\x04")
}

/// A sheet read from a workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// Every sheet of the workbook, in order.
    pub sheets: Vec<String>,
    /// The sheet read.
    pub sheet: String,
    /// The sheet as the text of a carrier export (tab separated; line n is row n).
    pub text: String,
}

/// Reads `sheet` (the first when `None`) of the workbook `bytes` in a worker started for
/// it. `Err` holds why the workbook could not be read (not a workbook, no such sheet, the
/// worker could not be loaded or failed, e.g. out of memory).
pub async fn read(bytes: &[u8], sheet: Option<&str>) -> Result<Sheet, String> {
    let worker = start_worker()?;
    let result = ask(&worker, bytes, sheet).await;
    call(&worker, "terminate", &[]);
    let answer = result?;
    let field = |key: &str| Reflect::get(&answer, &JsValue::from_str(key)).ok();
    if let Some(error) = field("error").and_then(|e| e.as_string()) {
        return Err(error);
    }
    let sheets = field("sheets")
        .filter(|s| s.is_instance_of::<Array>())
        .map(|s| {
            Array::from(&s)
                .iter()
                .filter_map(|n| n.as_string())
                .collect()
        })
        .unwrap_or_default();
    match (
        field("sheet").and_then(|s| s.as_string()),
        field("text").and_then(|t| t.as_string()),
    ) {
        (Some(sheet), Some(text)) => Ok(Sheet {
            sheets,
            sheet,
            text,
        }),
        _ => Err("the workbook reader gave no sheet".to_owned()),
    }
}

/// `new Worker(READER, {type: "module"})`.
fn start_worker() -> Result<JsValue, String> {
    let global = js_sys::global();
    let constructor = Reflect::get(&global, &"Worker".into())
        .ok()
        .and_then(|c| c.dyn_into::<Function>().ok())
        .ok_or("this browser has no Web Workers")?;
    let options = Object::new();
    let _ = Reflect::set(&options, &"type".into(), &"module".into());
    let args = Array::of2(&JsValue::from_str(&reader_url()), &options);
    Reflect::construct(&constructor, &args).map_err(describe)
}

/// Waits for the worker's `"ready"`, sends the job, and waits for the answer (or for an
/// error: the script did not load, or the reader failed).
async fn ask(worker: &JsValue, bytes: &[u8], sheet: Option<&str>) -> Result<JsValue, String> {
    let mut settle = None;
    let promise = Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
    let (resolve, reject) = settle.expect("the promise runs its executor at once");

    let job = Object::new();
    let copy = Uint8Array::from(bytes);
    let _ = Reflect::set(&job, &"bytes".into(), &copy);
    let _ = Reflect::set(
        &job,
        &"sheet".into(),
        &sheet.map_or(JsValue::NULL, JsValue::from_str),
    );
    let sender = worker.clone();
    let on_message = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        let data = Reflect::get(&event, &"data".into()).unwrap_or(JsValue::UNDEFINED);
        if data.as_string().as_deref() == Some("ready") {
            // The copy's buffer moves to the worker instead of being copied again.
            call(&sender, "postMessage", &[&job, &Array::of1(&copy.buffer())]);
        } else {
            let _ = resolve.call1(&JsValue::NULL, &data);
        }
    });
    let on_error = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        // Handled here: not an uncaught error of the page.
        call(&event, "preventDefault", &[]);
        let message = Reflect::get(&event, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "the workbook reader could not be loaded".to_owned());
        let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&message));
    });
    let _ = Reflect::set(worker, &"onmessage".into(), on_message.as_ref());
    let _ = Reflect::set(worker, &"onerror".into(), on_error.as_ref());
    let _ = Reflect::set(worker, &"onmessageerror".into(), on_error.as_ref());
    let answer = JsFuture::from(promise).await.map_err(describe);
    for key in ["onmessage", "onerror", "onmessageerror"] {
        let _ = Reflect::set(worker, &key.into(), &JsValue::NULL);
    }
    drop((on_message, on_error));
    answer
}

/// Calls `target[name](...args)`, ignoring what it returns.
fn call(target: &JsValue, name: &str, args: &[&JsValue]) {
    if let Some(f) = Reflect::get(target, &name.into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
    {
        let args: Array = args.iter().copied().collect();
        let _ = f.apply(target, &args);
    }
}

/// A JavaScript error (or any value) as text.
fn describe(value: JsValue) -> String {
    value
        .as_string()
        .or_else(|| {
            Reflect::get(&value, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
        })
        .unwrap_or_else(|| format!("{value:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workbooks_are_told_by_name_or_by_their_first_bytes() {
        assert!(is_workbook("Export.XLSX", b""));
        assert!(is_workbook("export.bin", b"PK\x03\x04rest"));
        assert!(!is_workbook("export.csv", b"ICCID,EID\n"));
    }

    #[test]
    fn the_reader_is_found_from_either_page() {
        assert_eq!(reader_url(), "esim-workbook_loader.js");
        set_root("../");
        assert_eq!(reader_url(), "../esim-workbook_loader.js");
        set_root("");
    }
}
