//! Runs the reader on arbitrary bytes: check, parse, fix, split and a batch, asserting the
//! invariants that are cheap enough for fuzzing.

#![no_main]

use esim_csv::{check, fix, parse, split, Batch, Fix, Options};
use libfuzzer_sys::fuzz_target;

/// The physical lines: CRLF, LF and a lone CR end a line; a final break starts none.
fn physical_lines(b: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i..].iter().position(|c| *c == b'\n' || *c == b'\r') {
            None => {
                out.push(&b[i..]);
                break;
            }
            Some(p) => {
                out.push(&b[i..i + p]);
                let crlf = b[i + p] == b'\r' && b.get(i + p + 1) == Some(&b'\n');
                i += p + if crlf { 2 } else { 1 };
            }
        }
    }
    out
}

fn assert_positions(input: &[u8], report: &esim_csv::Report, max_findings: usize) {
    let lines = physical_lines(input);
    let n = lines.len();
    let width = |line: u32| {
        let mut bytes = lines[line as usize - 1];
        if line == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        std::str::from_utf8(bytes).map_or(bytes.len(), |s| s.chars().count())
    };
    for f in &report.findings {
        if let Some(line) = f.line {
            assert!(line >= 1 && line as usize <= n, "{f:?} beyond {n} lines");
            if let Some(col) = f.column {
                assert!(col >= 1 && col as usize <= width(line) + 1, "{f:?}");
            }
        } else {
            assert!(f.column.is_none(), "{f:?}");
        }
        match &f.fix {
            Some(Fix::RemoveLine { line }) => assert!(*line >= 1 && *line as usize <= n),
            Some(Fix::RemoveTrailingBlankLines { from_line }) => {
                assert!(*from_line >= 1 && *from_line as usize <= n)
            }
            Some(Fix::Edit { line, edits }) => {
                assert!(*line >= 1 && *line as usize <= n);
                let w = width(*line);
                for e in edits {
                    assert!(e.column >= 1 && (e.column - 1) as usize + e.length as usize <= w);
                }
            }
            _ => {}
        }
    }
    let total: usize = report.counts.values().sum();
    assert_eq!(report.findings.len(), total.min(max_findings));
    assert_eq!(report.truncated, total > max_findings);
}

fuzz_target!(|data: &[u8]| {
    let all = Options {
        max_findings: usize::MAX,
        ..Options::default()
    };
    let report = check(data, &all);
    assert_positions(data, &report, usize::MAX);

    let small = Options {
        max_findings: 2,
        ..Options::file("fuzz.csv")
    };
    let limited = check(data, &small);
    assert_positions(data, &limited, 2);

    let (parsed, pool) = parse(data, &all);
    assert_eq!(parsed, report);
    if let Some(pool) = pool {
        assert_eq!(report.errors(), 0);
        assert!(pool.codes.len() <= report.codes);
    }

    let mut batch = Batch::new();
    assert_eq!(batch.check(data, &all), report);
    let _ = batch.check(data, &all);

    // Fixing: nothing fixable is left, and fixing again changes nothing.
    let once = fix(data, &all);
    assert!(
        !once.report.has_edit_fixes(),
        "fixable findings left: {:?}",
        once.report.findings
    );
    assert_positions(&once.bytes, &once.report, usize::MAX);
    let twice = fix(&once.bytes, &all);
    assert_eq!(twice.bytes, once.bytes, "fix is not idempotent");

    // Splitting: every part is a valid file of at most `max` codes; no code is lost.
    if let Ok(parts) = split(data, &all, 7) {
        let mut total = 0;
        for part in &parts {
            assert!(part.codes <= 7);
            let r = check(&part.bytes, &all);
            assert!(
                r.is_valid(),
                "invalid part {:?}: {:?}",
                part.file_name,
                r.findings
            );
            assert_eq!(r.codes, part.codes);
            total += part.codes;
        }
        assert_eq!(total, once.report.codes);
    }
});
