//! The reference table in `docs/findings.md` lists every code the crate can report.

use esim_csv::Code;

#[test]
fn docs_list_every_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/findings.md");
    let doc = std::fs::read_to_string(path).expect("docs/findings.md");
    let missing: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|name| !doc.contains(&format!("| `{name}` | ")))
        .collect();
    assert!(missing.is_empty(), "docs/findings.md lacks {missing:?}");
    for code in Code::ALL {
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` | ", code.as_str())))
            .unwrap();
        let severity = row.split('|').nth(2).unwrap().trim();
        assert_eq!(severity, code.severity().as_str(), "{code}");
    }
}
