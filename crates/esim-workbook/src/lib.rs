//! The browser's Excel workbook reader: a dedicated Web Worker around
//! [`esim_csv::sheet_text`] (calamine, esim-csv's `xlsx` feature), built by Trunk into
//! `dist/esim-workbook*` (`index.html`, `data-type="worker"`) and started by the page
//! (`src/workbook.rs`) only when a workbook is opened, so the pages' own wasm stays
//! without it (docs/ARCHITECTURE.md, "Two builds").
//!
//! The protocol: once started, the worker posts `"ready"`; the page then posts
//! `{bytes: Uint8Array, sheet: string | null}` and gets back
//! `{sheets: string[], sheet: string, text: string}` - the sheet as the text of a carrier
//! export, which the page converts like a CSV export - or `{error: string}` when the bytes
//! are not a workbook or have no such sheet. Reading runs off the page's thread, so a large
//! workbook never freezes the page.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Reads one sheet (the first when `sheet` is `None`) into the answer object.
pub fn answer(bytes: &[u8], sheet: Option<&str>) -> JsValue {
    let object = Object::new();
    let set = |key: &str, value: &JsValue| {
        let _ = Reflect::set(&object, &JsValue::from_str(key), value);
    };
    match esim_csv::sheet_text(bytes, sheet) {
        Ok(read) => {
            let sheets: Array = read.sheets.iter().map(|s| JsValue::from_str(s)).collect();
            set("sheets", &sheets);
            set("sheet", &JsValue::from_str(&read.sheet));
            set("text", &JsValue::from_str(&read.text));
        }
        Err(error) => set("error", &JsValue::from_str(&error)),
    }
    object.into()
}

/// Runs when the worker's module is initialised: answers each job message, then says it
/// is ready (a message posted before the handler is set would be lost).
#[wasm_bindgen(start)]
pub fn start() {
    let Ok(scope) = js_sys::global().dyn_into::<web_sys::DedicatedWorkerGlobalScope>() else {
        return;
    };
    let reply = scope.clone();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let data = event.data();
            let field = |key: &str| Reflect::get(&data, &JsValue::from_str(key)).ok();
            let bytes = field("bytes")
                .filter(|b| b.is_instance_of::<Uint8Array>())
                .map(|b| Uint8Array::new(&b).to_vec())
                .unwrap_or_default();
            let sheet = field("sheet").and_then(|s| s.as_string());
            let _ = reply.post_message(&answer(&bytes, sheet.as_deref()));
        });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let _ = scope.post_message(&JsValue::from_str("ready"));
}
