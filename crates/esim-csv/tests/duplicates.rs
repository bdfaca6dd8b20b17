//! Duplicate ICCIDs and Matching IDs against a line-by-line model (two hash maps, as the
//! contract reads), on files that mix the validator's one-pass path for clean lines with
//! its general path (warnings, extra values, other line breaks), in files big enough for
//! the radix sort of the duplicate search and in ascending ICCID order.

use std::collections::HashMap;

use esim_csv::{check, Batch, Code, Fix, Options, Validator};
use proptest::prelude::*;
use proptest::test_runner::Config;

fn all() -> Options {
    Options {
        max_findings: usize::MAX,
        ..Options::default()
    }
}

fn luhn_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let v = u32::from(d - b'0');
            if i % 2 == 0 {
                (2 * v) / 10 + (2 * v) % 10
            } else {
                v
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// ICCID number `n`: 19 or 20 digits, with or without `89` and a right check digit.
fn iccid(n: u64, long: bool, prefix: bool, luhn: bool) -> String {
    let mut body = format!("{}{:016}", if prefix { "89" } else { "12" }, n).into_bytes();
    if long {
        body.push(b'0' + (n % 10) as u8);
    }
    let check = luhn_digit(&body);
    body.push(b'0' + if luhn { check } else { (check + 1) % 10 });
    String::from_utf8(body).expect("digits")
}

#[derive(Debug, Clone)]
struct Line {
    iccid: String,
    mid: String,
    /// 0: `I,M`; 1: `I,M,` (trailing comma, still a pair); 2: `I,M,x` (not a pair).
    shape: u8,
    crlf: bool,
}

impl Line {
    fn pair(&self) -> bool {
        self.shape != 2
    }
}

fn line(iccids: u64, mids: usize, ascending: bool) -> impl Strategy<Value = Line> {
    (
        0..iccids,
        any::<[bool; 3]>(),
        0..mids,
        prop::bool::weighted(0.1),
        prop_oneof![8 => Just(0u8), 1 => Just(1), 1 => Just(2)],
        prop::bool::weighted(0.1),
    )
        .prop_map(move |(n, [long, prefix, luhn], m, lower, shape, crlf)| {
            let mid = format!("{}{m:06}-X", if lower { "ab" } else { "AB" });
            let n = if ascending { 0 } else { n };
            Line {
                iccid: iccid(n, long, prefix || ascending, luhn || ascending),
                mid,
                shape,
                crlf,
            }
        })
}

fn file(lines: &[Line]) -> Vec<u8> {
    let mut out = b"smdp.example.com\n".to_vec();
    for l in lines {
        out.extend_from_slice(l.iccid.as_bytes());
        out.push(b',');
        out.extend_from_slice(l.mid.as_bytes());
        out.extend_from_slice([&b""[..], b",", b",x"][usize::from(l.shape)]);
        out.extend_from_slice(if l.crlf { b"\r\n" } else { b"\n" });
    }
    out
}

/// `(code, line, column, other line, removable)` of every duplicate, line by line.
type Dup = (Code, u32, u32, u32, bool);

fn model(lines: &[Line]) -> Vec<Dup> {
    let mut iccids: HashMap<&str, (u32, &str, bool)> = HashMap::new();
    let mut mids: HashMap<&str, u32> = HashMap::new();
    let mut out = Vec::new();
    for (k, l) in lines.iter().enumerate() {
        let ln = k as u32 + 2;
        if let Some(&(first, mid, pair)) = iccids.get(l.iccid.as_str()) {
            let removable = pair && l.pair() && mid == l.mid;
            out.push((Code::IccidDuplicate, ln, 1, first, removable));
            continue;
        }
        iccids.insert(&l.iccid, (ln, &l.mid, l.pair()));
        let col = l.iccid.len() as u32 + 2;
        match mids.get(l.mid.as_str()) {
            Some(&first) => out.push((Code::MatchingIdDuplicate, ln, col, first, false)),
            None => {
                mids.insert(&l.mid, ln);
            }
        }
    }
    out
}

fn found(report: &esim_csv::Report) -> Vec<Dup> {
    report
        .findings
        .iter()
        .filter(|f| matches!(f.code, Code::IccidDuplicate | Code::MatchingIdDuplicate))
        .map(|f| {
            (
                f.code,
                f.line().unwrap_or(0),
                f.column().unwrap_or(0),
                f.detail.other_line.unwrap_or(0),
                matches!(f.fix, Some(Fix::RemoveLine { .. })),
            )
        })
        .collect()
}

fn check_file(lines: &[Line]) -> Result<(), TestCaseError> {
    let bytes = file(lines);
    let report = check(&bytes, &all());
    prop_assert_eq!(found(&report), model(lines));
    let positions: Vec<_> = report
        .findings
        .iter()
        .map(|f| (f.line(), f.column()))
        .collect();
    let mut sorted = positions.clone();
    sorted.sort();
    prop_assert_eq!(positions, sorted);
    // In steps, the same report.
    let mut v = Validator::new(all());
    while !v.feed(&bytes, 97) {}
    prop_assert_eq!(v.finish(&bytes), report.clone());
    // A short report keeps the first findings of the whole one.
    let short = check(
        &bytes,
        &Options {
            max_findings: 3,
            ..all()
        },
    );
    prop_assert_eq!(
        &short.findings[..],
        &report.findings[..report.findings.len().min(3)]
    );
    prop_assert_eq!(short.truncated, report.findings.len() > 3);
    prop_assert_eq!(short.counts, report.counts);
    Ok(())
}

proptest! {
    #![proptest_config(Config { cases: 48, ..Config::default() })]

    #[test]
    fn small_files_find_what_the_model_finds(lines in prop::collection::vec(line(40, 40, false), 1..200)) {
        check_file(&lines)?;
    }
}

// Files of over 4,096 codes, so few cases (a few seconds in debug).
proptest! {
    #![proptest_config(Config { cases: 6, ..Config::default() })]

    #[test]
    fn big_files_find_what_the_model_finds(lines in prop::collection::vec(line(6000, 6000, false), 4500..6000)) {
        check_file(&lines)?;
    }

    #[test]
    fn ascending_files_find_what_the_model_finds(
        mut lines in prop::collection::vec(line(1, 9000, true), 4500..6000),
        repeat in any::<prop::sample::Index>(),
    ) {
        for (n, l) in lines.iter_mut().enumerate() {
            l.iccid = iccid(n as u64, false, true, true);
        }
        // One ICCID again, somewhere later.
        let at = repeat.index(lines.len() - 1) + 1;
        lines[at].iccid = lines[at - 1].iccid.clone();
        check_file(&lines)?;
    }
}

#[test]
fn nineteen_and_twenty_digits_are_different_iccids() {
    let a = iccid(7, false, true, true);
    let mut b = a.clone();
    b.push('0');
    let mut c = a.clone();
    c.push('1');
    let input = format!("smdp.example.com\n{a},A\n{b},B\n{c},C\n{b},D\n");
    let report = check(input.as_bytes(), &all());
    let dups: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.code == Code::IccidDuplicate)
        .map(|f| (f.line(), f.detail.other_line, f.detail.value.clone()))
        .collect();
    assert_eq!(dups, vec![(Some(5), Some(3), Some(b.clone()))]);
}

#[test]
fn a_batch_finds_iccids_of_earlier_files() {
    let a = iccid(1, false, true, true);
    let b = iccid(2, true, true, true);
    let first = format!("smdp.example.com\n{a},A\n{b},B\n");
    let second = format!("smdp.example.com\n {b} ,C\n{a},A\n{a},A\n");
    let mut batch = Batch::new();
    batch.check(first.as_bytes(), &Options::file("one.csv"));
    let mut v = batch.validator(Options::file("two.csv"));
    v.feed(second.as_bytes(), 1);
    let report = batch.finish(v, second.as_bytes());
    let dups: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.code == Code::IccidDuplicate)
        .map(|f| {
            (
                f.line(),
                f.column(),
                f.detail.other_line,
                f.detail.other_file.clone(),
                f.fix.clone(),
            )
        })
        .collect();
    assert_eq!(
        dups,
        vec![
            (Some(2), Some(2), Some(3), Some("one.csv".into()), None),
            (Some(3), Some(1), Some(2), Some("one.csv".into()), None),
            (
                Some(4),
                Some(1),
                Some(3),
                None,
                Some(Fix::RemoveLine { line: 4 })
            ),
        ]
    );
}

/// Clean lines of every Matching ID length up to 40 and every line break, at the end of a
/// file and before another line: the one-pass reader reads a word at a time, so these are
/// its edges.
#[test]
fn clean_lines_at_the_edges_of_a_file() {
    let a = iccid(1, false, true, true);
    let b = iccid(2, true, true, true);
    for len in 1..=40 {
        let mid: String = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-XYZ"[..len].to_owned();
        for eol in ["\n", "\r\n", "\r", ""] {
            let head = if eol.is_empty() { "\n" } else { eol };
            let input = format!("smdp.example.com{head}{a},{mid}{head}{b},{mid}X{eol}");
            let report = check(input.as_bytes(), &all());
            let codes: Vec<_> = report.findings.iter().map(|f| f.code).collect();
            let expected = if eol == "\r" {
                vec![Code::LineEndingsMixed]
            } else {
                vec![]
            };
            assert_eq!(codes, expected, "{input:?}");
            assert_eq!(report.codes, 2);
            let again = format!("{input}{a},{mid}{head}");
            let report = check(again.as_bytes(), &all());
            let dups: Vec<_> = report
                .findings
                .iter()
                .filter(|f| f.code == Code::IccidDuplicate)
                .map(|f| (f.line(), f.fix.clone()))
                .collect();
            let expect_line = if eol.is_empty() { None } else { Some(4) };
            if let Some(line) = expect_line {
                assert_eq!(
                    dups,
                    vec![(Some(line), Some(Fix::RemoveLine { line }))],
                    "{again:?}"
                );
            }
        }
    }
}
