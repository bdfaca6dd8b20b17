//! The reports for carriers' pipelines: SARIF 2.1.0 (code-scanning tools show the findings
//! on the file's lines) and JUnit XML (one test case per file).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use esim_csv::{Code, Lang, Report};
use serde_json::{json, Value};

/// One SARIF log with one run: a result per finding, a rule per code that occurs.
pub fn sarif(reports: &[(String, Result<Report, String>)], lang: Lang) -> Value {
    let mut rules: BTreeMap<Code, Value> = BTreeMap::new();
    let mut results = Vec::new();
    for (path, report) in reports {
        let Ok(report) = report else { continue };
        let uri = if path == "-" {
            "stdin".to_owned()
        } else {
            path.replace('\\', "/")
        };
        for f in &report.findings {
            let level = f.severity().as_str();
            rules.entry(f.code).or_insert_with(|| {
                json!({
                    "id": f.code.as_str(),
                    "shortDescription": {"text": f.code.as_str()},
                    "help": {"text": "Every finding code is described in docs/findings.md of esim-csv."},
                    "defaultConfiguration": {"level": level},
                })
            });
            let mut location = json!({"physicalLocation": {"artifactLocation": {"uri": uri}}});
            if let Some(line) = f.line() {
                let mut region = json!({"startLine": line});
                if let Some(column) = f.column() {
                    region["startColumn"] = json!(column);
                }
                location["physicalLocation"]["region"] = region;
            }
            results.push(json!({
                "ruleId": f.code.as_str(),
                "level": level,
                "message": {"text": f.message(lang)},
                "locations": [location],
            }));
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "esim-csv",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules.into_values().collect::<Vec<_>>(),
            }},
            "results": results,
        }],
    })
}

/// A JUnit XML document: one test case per file, failed when the file is invalid (its
/// findings in the failure's text), an error when it cannot be read.
pub fn junit(reports: &[(String, Result<Report, String>)], lang: Lang) -> String {
    let failures = reports
        .iter()
        .filter(|(_, r)| r.as_ref().is_ok_and(|r| !r.is_valid()))
        .count();
    let errors = reports.iter().filter(|(_, r)| r.is_err()).count();
    let n = reports.len();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"esim-csv\" tests=\"{n}\" failures=\"{failures}\" errors=\"{errors}\">"
    );
    let _ = writeln!(
        x,
        "  <testsuite name=\"esim-csv check\" tests=\"{n}\" failures=\"{failures}\" errors=\"{errors}\">"
    );
    for (path, report) in reports {
        let name = escape(path);
        match report {
            Err(msg) => {
                let _ = writeln!(
                    x,
                    "    <testcase classname=\"esim-csv\" name=\"{name}\"><error message=\"{}\"/></testcase>",
                    escape(msg)
                );
            }
            Ok(r) if r.is_valid() => {
                let _ = writeln!(x, "    <testcase classname=\"esim-csv\" name=\"{name}\"/>");
            }
            Ok(r) => {
                let summary = format!(
                    "{} {}, {} {}",
                    r.errors(),
                    if r.errors() == 1 { "error" } else { "errors" },
                    r.warnings(),
                    if r.warnings() == 1 {
                        "warning"
                    } else {
                        "warnings"
                    }
                );
                let mut text = String::new();
                for f in &r.findings {
                    let pos = match (f.line(), f.column()) {
                        (Some(l), Some(c)) => format!("{path}:{l}:{c}"),
                        (Some(l), None) => format!("{path}:{l}"),
                        _ => path.clone(),
                    };
                    let _ = writeln!(
                        text,
                        "{pos}: {}[{}]: {}",
                        f.severity().as_str(),
                        f.code,
                        f.message(lang)
                    );
                }
                let _ = writeln!(
                    x,
                    "    <testcase classname=\"esim-csv\" name=\"{name}\"><failure message=\"{}\" type=\"invalid\">{}</failure></testcase>",
                    escape(&summary),
                    escape(&text)
                );
            }
        }
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

/// Text as XML character data or an attribute value; characters XML 1.0 forbids are
/// dropped.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {}
            c => out.push(c),
        }
    }
    out
}
