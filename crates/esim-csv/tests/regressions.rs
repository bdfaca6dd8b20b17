//! Inputs found by the property tests, the fuzzer (`fuzz/README.md`) and by probing the
//! contract's edges, kept as plain tests with the input as a byte literal.

use esim_csv::{check, fix, parse, split, Code, Options};

fn all() -> Options {
    Options {
        max_findings: usize::MAX,
        ..Options::default()
    }
}

fn codes(report: &esim_csv::Report) -> Vec<&'static str> {
    report.findings.iter().map(|f| f.code.as_str()).collect()
}

// --- Column-name lines and host names -------------------------------------------------

/// `smdp.plus` (`.plus` is a real top-level domain) is a valid SM-DP+ address, but the
/// column-name check drops `.` before comparing with its word list, so the host reads as
/// the word `smdpplus`. The contract (section 4.2) allows letters, spaces, `_` and `-` in
/// column names, not dots.
#[test]
fn a_host_that_spells_a_column_name_is_the_smdp_line() {
    let input = b"smdp.plus\n8946000000000000014,ABCD-1234-XYZ\n";
    let report = check(input, &all());
    assert!(report.findings.is_empty(), "{:?}", codes(&report));
    assert_eq!(
        report
            .smdp_address
            .map(|a| a.as_str().to_owned())
            .as_deref(),
        Some("smdp.plus")
    );
    // Worse: the fix removes the SM-DP+ line, and the file loses its operator.
    let fixed = fix(input, &all());
    assert_eq!(fixed.bytes, input.to_vec());
}

/// The same as a second operator: `fix` removes the "column-name line" and the second
/// operator's codes silently join the first operator; the result is a valid file.
#[test]
fn fix_does_not_move_codes_to_another_operator() {
    let input = b"smdp.example.com\n\
                  8946000000000000014,ABCD-1234-XYZ\n\
                  matching.id\n\
                  8946000000000000022,ABCD-1235-XYZ\n";
    let report = check(input, &all());
    assert_eq!(report.count(Code::SecondSmdp), 1, "{:?}", codes(&report));
    assert_eq!(report.count(Code::ColumnHeaderRow), 0);
    let fixed = fix(input, &all());
    assert!(
        !fixed.report.is_valid(),
        "{}",
        String::from_utf8_lossy(&fixed.bytes)
    );
    let parts = split(input, &Options::file("pool.csv"), 1000).expect("splits");
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[1].smdp_address.as_str(), "matching.id");
}

/// Column names with dots are not column names either (`activation.codes`: `.codes` is a
/// top-level domain); plain words still are.
#[test]
fn column_names_have_no_dots() {
    let report = check(
        b"activation.codes\n8946000000000000014,ABCD-1234-XYZ\n",
        &all(),
    );
    assert_eq!(
        report.count(Code::ColumnHeaderRow),
        0,
        "{:?}",
        codes(&report)
    );
    let report = check(
        b"ICCID,Matching ID\nsmdp.example.com\n8946000000000000014,A\n",
        &all(),
    );
    assert_eq!(codes(&report), ["column-header-row"]);
}

// --- The findings limit ---------------------------------------------------------------

/// With `max_findings` 1 the report keeps the white space on the Matching ID (column 17)
/// and leaves out the ICCID error at column 1: within a line, findings are cut in the
/// order they were found, before they are sorted. The contract (section 7) keeps "the
/// first ones up to a limit"; the CLI shows `2:17` first with `--max-findings 1`.
#[test]
fn a_truncated_report_keeps_the_first_findings() {
    let input = b"smdp.example.com\n894600000000001, ABC\n";
    let full = check(input, &all());
    assert_eq!(codes(&full), ["iccid-length", "whitespace"]);
    let one = check(
        input,
        &Options {
            max_findings: 1,
            ..Options::default()
        },
    );
    assert!(one.truncated);
    assert_eq!(one.findings, full.findings[..1]);
}

// --- Second SM-DP+ lines --------------------------------------------------------------

/// A second SM-DP+ line that is quoted, carries trailing separators or is padded with a
/// zero-width space is found as `second-smdp` (the only error), but `split` then fails
/// with "1 error(s) that splitting does not remove": it reads the host from the raw line
/// (`text.trim()` and `host_span`), not from the cleaned value. Bare hosts, URLs and
/// space/NBSP padding split fine.
#[test]
fn split_reads_the_host_of_a_decorated_second_smdp_line() {
    for second in [
        &b"\"b.example.com\""[..],
        b"b.example.com,",
        b"b.example.com;;",
        b"\xE2\x80\x8Bb.example.com",
    ] {
        let mut input = b"a.example.com\n8946000000000000014,ABCD-1234-XYZ\n".to_vec();
        input.extend_from_slice(second);
        input.extend_from_slice(b"\n8946000000000000022,ABCD-1235-XYZ\n");
        let report = check(&input, &all());
        assert_eq!(report.count(Code::SecondSmdp), 1, "{second:?}");
        // Besides `second-smdp`, only findings that `fix` removes (quotes, padding).
        assert!(
            report
                .findings
                .iter()
                .all(|f| f.code == Code::SecondSmdp || f.fix.as_ref().is_some_and(|x| x.is_edit())),
            "{second:?}: {:?}",
            codes(&report)
        );
        let parts = split(&input, &Options::file("pool.csv"), 1000)
            .unwrap_or_else(|e| panic!("{second:?}: {e}: {:?}", codes(&e.report)));
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1].smdp_address.as_str(), "b.example.com");
    }
}

/// The contract gives `whitespace` and `quoted-field` "on any line", but a second SM-DP+
/// line gets only `second-smdp`, so `fix` leaves its quotes and padding in place.
#[test]
fn a_second_smdp_line_gets_whitespace_and_quote_findings() {
    let input =
        b"a.example.com\n8946000000000000014,A\n\" b.example.com\"\n8946000000000000022,B\n";
    let report = check(input, &all());
    assert_eq!(
        codes(&report),
        // Ordered by column: the padding and the quote start at 1, the host at 3.
        ["whitespace", "quoted-field", "second-smdp"],
        "{:?}",
        report.findings
    );
}

// --- Kept as passing tests: edges probed while writing the properties -----------------

/// A quoted value that holds a separator is reported but has no fix: unquoting would
/// change the number of values on the line.
#[test]
fn a_quoted_value_with_a_separator_is_not_unquoted() {
    let input = b"smdp.example.com\n\"8946000000000000014,ABC\"\n";
    let report = check(input, &all());
    assert_eq!(
        codes(&report),
        ["field-count", "quoted-field", "iccid-format"]
    );
    assert!(!report.has_edit_fixes());
    assert_eq!(fix(input, &all()).bytes, input.to_vec());
}

/// A line with the same ICCID and Matching ID as a broken earlier line (an extra value) is
/// not removed: the two lines differ, and choosing between them is the admin's job.
#[test]
fn an_exact_duplicate_of_a_broken_line_is_not_removed() {
    let input = b"smdp.example.com\n8946000000000000014,ABC,DEF\n8946000000000000014,ABC\n";
    let report = check(input, &all());
    assert_eq!(codes(&report), ["field-count", "iccid-duplicate"]);
    assert!(!report.has_edit_fixes());
    assert_eq!(fix(input, &all()).bytes, input.to_vec());
}

/// Lone CRs are normalised to LF or CRLF, never to CR, even when CR is the most used.
#[test]
fn lone_crs_normalise_to_lf_or_crlf() {
    let input = b"smdp.example.com\r8946000000000000014,A\r8946000000000000022,B\n";
    let fixed = fix(input, &all());
    assert_eq!(
        fixed.bytes,
        b"smdp.example.com\n8946000000000000014,A\n8946000000000000022,B\n".to_vec()
    );
    let (report, pool) = parse(&fixed.bytes, &all());
    assert!(report.findings.is_empty());
    assert_eq!(pool.expect("pool").codes.len(), 2);
}

/// A tab before or after the SM-DP+ address is white space around it, not a separator.
#[test]
fn tabs_around_the_smdp_address_are_white_space() {
    for line in [
        &b"\tsmdp.example.com"[..],
        b"smdp.example.com\t",
        b" \tsmdp.example.com\t ",
    ] {
        let mut input = line.to_vec();
        input.extend_from_slice(b"\n8946000000000000014,ABCD-1234-XYZ\n");
        let report = check(&input, &all());
        assert_eq!(codes(&report), ["whitespace"], "{line:?}");
        assert_eq!(
            fix(&input, &all()).bytes,
            b"smdp.example.com\n8946000000000000014,ABCD-1234-XYZ\n".to_vec()
        );
    }
    let second = b"a.example.com\n8946000000000000014,A\n\tb.example.com\n8946000000000000022,B\n";
    let report = check(second, &all());
    assert_eq!(codes(&report), ["whitespace", "second-smdp"]);
}
