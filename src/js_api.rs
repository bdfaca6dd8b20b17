//! The JavaScript entry points for portals that want the verdict without our UI, exported
//! from the same wasm module as the console (no second copy of the validator):
//!
//! ```js
//! import init, { validate, fix } from "https://console.example/esim-console.js";
//! await init();
//! const report = validate(new Uint8Array(await file.arrayBuffer()), file.name, "sv");
//! ```
//!
//! `docs/embedding.md` documents the shapes. The work is done by plain functions
//! ([`validate_json`], [`fix_parts`]) with native unit tests; the exported functions only
//! convert to JavaScript values.
//!
//! The bytes stay a JavaScript value until their length has been checked against
//! [`MAX_CHECK_BYTES`](crate::file::MAX_CHECK_BYTES): a `&[u8]` parameter would be copied
//! into the wasm's memory before any Rust runs, and running out of it aborts the module.

use esim_csv::{Lang, Options};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::file::check_input;

/// Checks a file and returns the report object, the same JSON as `esim-csv check --format
/// json` prints for it. `file_name` turns on the file-name checks (`.csv`); `lang` is a tag
/// such as `sv` or `en-GB` (English when absent or unknown). Pass the bytes as a
/// `Uint8Array` or an `ArrayBuffer`; more than 256 MB throws, with the message in `lang`,
/// before anything is copied.
#[wasm_bindgen]
pub fn validate(
    bytes: JsValue,
    file_name: Option<String>,
    lang: Option<String>,
) -> Result<JsValue, JsError> {
    let bytes = read(&bytes, file_name.as_deref(), lang.as_deref())?;
    parse(&validate_json(&bytes, file_name, lang.as_deref()))
}

/// Applies every safe fix and returns `{ bytes: Uint8Array, changed: boolean, applied:
/// number, report }`: the repaired file, whether it differs, how many fixes were applied,
/// and the report on the repaired file (what is left needs a person, or a split).
#[wasm_bindgen]
pub fn fix(
    bytes: JsValue,
    file_name: Option<String>,
    lang: Option<String>,
) -> Result<JsValue, JsError> {
    let bytes = read(&bytes, file_name.as_deref(), lang.as_deref())?;
    let parts = fix_parts(&bytes, file_name, lang.as_deref());
    let result = js_sys::Object::new();
    let set = |key: &str, value: &JsValue| {
        js_sys::Reflect::set(&result, &JsValue::from_str(key), value)
            .map(drop)
            .map_err(|_| JsError::new("cannot build the result object"))
    };
    set(
        "bytes",
        &js_sys::Uint8Array::from(parts.bytes.as_slice()).into(),
    )?;
    set("changed", &JsValue::from_bool(parts.changed))?;
    set("applied", &JsValue::from_f64(parts.applied as f64))?;
    set("report", &parse(&parts.report_json)?)?;
    Ok(result.into())
}

/// The report of [`validate`] as JSON text.
pub fn validate_json(bytes: &[u8], file_name: Option<String>, lang: Option<&str>) -> String {
    let report = esim_csv::check(bytes, &options(file_name));
    to_json(&report, lang_of(lang))
}

/// What [`fix`] returns, before conversion to JavaScript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixParts {
    pub bytes: Vec<u8>,
    pub changed: bool,
    pub applied: usize,
    /// The report on the repaired file, as JSON text.
    pub report_json: String,
}

/// The result of [`fix`] as plain Rust values.
pub fn fix_parts(bytes: &[u8], file_name: Option<String>, lang: Option<&str>) -> FixParts {
    let fixed = esim_csv::fix(bytes, &options(file_name));
    FixParts {
        changed: fixed.bytes != bytes,
        applied: fixed.applied.len(),
        report_json: to_json(&fixed.report, lang_of(lang)),
        bytes: fixed.bytes,
    }
}

/// The bytes of a `Uint8Array` or an `ArrayBuffer`, copied into the wasm only when they
/// are within the cap.
fn read(value: &JsValue, file_name: Option<&str>, lang: Option<&str>) -> Result<Vec<u8>, JsError> {
    let array = if let Some(array) = value.dyn_ref::<js_sys::Uint8Array>() {
        array.clone()
    } else if let Some(buffer) = value.dyn_ref::<js_sys::ArrayBuffer>() {
        js_sys::Uint8Array::new(buffer)
    } else {
        return Err(JsError::new(
            "pass the file's bytes as a Uint8Array or an ArrayBuffer",
        ));
    };
    check_input(file_name, f64::from(array.length()))
        .map_err(|error| JsError::new(&error.message(lang_of(lang))))?;
    Ok(array.to_vec())
}

fn options(file_name: Option<String>) -> Options {
    Options {
        file_name,
        ..Options::default()
    }
}

fn lang_of(tag: Option<&str>) -> Lang {
    tag.map_or(Lang::En, Lang::from_tag)
}

fn to_json(report: &esim_csv::Report, lang: Lang) -> String {
    // The report holds only strings, numbers and booleans: serialising cannot fail.
    serde_json::to_string(&report.to_json(lang)).expect("a report serialises")
}

fn parse(json: &str) -> Result<JsValue, JsError> {
    js_sys::JSON::parse(json).map_err(|_| JsError::new("cannot parse the report JSON"))
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    const VALID: &[u8] = b"smdp.example.com\n8946000000000000014,ABCD-1234-XYZ\n";

    #[test]
    fn validate_returns_the_command_line_report() {
        let report: Value =
            serde_json::from_str(&validate_json(VALID, Some("pool.csv".into()), None)).unwrap();
        assert_eq!(report["version"], 1);
        assert_eq!(report["file"], "pool.csv");
        assert_eq!(report["valid"], true);
        assert_eq!(report["codes"], 1);
        assert_eq!(report["smdpAddress"], "smdp.example.com");
        assert_eq!(report["findings"], Value::Array(vec![]));

        let report: Value =
            serde_json::from_str(&validate_json(VALID, Some("pool.txt".into()), Some("sv")))
                .unwrap();
        assert_eq!(report["valid"], false);
        assert_eq!(report["findings"][0]["code"], "file-extension");
        let swedish = report["findings"][0]["message"].as_str().unwrap();
        let english: Value =
            serde_json::from_str(&validate_json(VALID, Some("pool.txt".into()), Some("en")))
                .unwrap();
        assert_ne!(swedish, english["findings"][0]["message"]);

        // Without a name (pasted text) there is no file-name check.
        let report: Value = serde_json::from_str(&validate_json(VALID, None, None)).unwrap();
        assert_eq!(
            (&report["file"], &report["valid"]),
            (&Value::Null, &Value::Bool(true))
        );
    }

    #[test]
    fn fix_repairs_what_is_safe() {
        let messy = b"\xEF\xBB\xBFsmdp.example.com\r\n 8946000000000000014 ,ABCD-1234-XYZ\r\n\r\n";
        let parts = fix_parts(messy, Some("pool.csv".into()), None);
        assert!(parts.changed);
        assert!(parts.applied > 0);
        let report: Value = serde_json::from_str(&parts.report_json).unwrap();
        assert_eq!(report["valid"], true, "{report}");
        assert_eq!(
            validate_json(&parts.bytes, Some("pool.csv".into()), None),
            parts.report_json
        );

        let clean = fix_parts(VALID, Some("pool.csv".into()), None);
        assert_eq!((clean.changed, clean.applied), (false, 0));
        assert_eq!(clean.bytes, VALID);
    }
}
