//! Property tests of the validator, the fixer and the splitter.
//!
//! Generated files come in three kinds: valid files (SM-DP+ host and distinct valid code
//! lines), "messy but plausible" files made from a valid file by mutations that `fix` is
//! meant to undo, and arbitrary bytes (random, or built from the format's tokens). Case
//! counts are kept moderate so the whole file runs in a few seconds in debug.

use std::collections::HashSet;

use esim_csv::{
    apply_fixes, check, fix, parse, split, Batch, Code, Fix, Lang, Options, Report, Severity,
    MAX_CODES,
};
use proptest::prelude::*;
use proptest::test_runner::Config;

// ---------------------------------------------------------------------------------------
// Valid files

/// The Luhn check digit for `body` (double every second digit from the right one).
fn luhn_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let v = u32::from(d - b'0');
            if i % 2 == 0 {
                let v = v * 2;
                if v > 9 {
                    v - 9
                } else {
                    v
                }
            } else {
                v
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// A 19- or 20-digit ICCID starting with 89 and ending in its Luhn digit.
fn iccid() -> impl Strategy<Value = String> {
    (any::<bool>(), prop::collection::vec(0u8..10, 17)).prop_map(|(long, digits)| {
        let mut body = b"89".to_vec();
        let n = if long { 17 } else { 16 };
        body.extend(digits[..n].iter().map(|d| b'0' + d));
        let check = luhn_digit(&body);
        body.push(b'0' + check);
        String::from_utf8(body).expect("digits")
    })
}

fn matching_id() -> impl Strategy<Value = String> {
    "[A-Z0-9][A-Z0-9-]{0,24}"
}

fn host() -> impl Strategy<Value = String> {
    (
        prop::collection::vec("[a-z0-9]{1,8}(-[a-z0-9]{1,4})?", 1..=3),
        "[a-z]{2,5}",
    )
        .prop_map(|(labels, tld)| format!("{}.{tld}", labels.join(".")))
}

/// Distinct codes: the first of each ICCID and of each Matching ID is kept.
fn codes(range: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = Vec<(String, String)>> {
    let min = *range.start();
    prop::collection::vec((iccid(), matching_id()), range).prop_map(move |all| {
        let mut iccids = HashSet::new();
        let mut mids = HashSet::new();
        let mut out: Vec<(String, String)> = all
            .into_iter()
            .filter(|(i, m)| iccids.insert(i.clone()) & mids.insert(m.clone()))
            .collect();
        // Collisions are rare; top up deterministically so the count stays in range.
        let mut k = 0u64;
        while out.len() < min {
            let mut body = format!("8999{k:014}").into_bytes();
            let check = luhn_digit(&body);
            body.push(b'0' + check);
            let i = String::from_utf8(body).expect("digits");
            let m = format!("TOPUP-{k}");
            if !iccids.contains(&i) && !mids.contains(&m) {
                iccids.insert(i.clone());
                mids.insert(m.clone());
                out.push((i, m));
            }
            k += 1;
        }
        out
    })
}

#[derive(Debug, Clone)]
struct ValidFile {
    host: String,
    codes: Vec<(String, String)>,
    crlf: bool,
    final_newline: bool,
}

impl ValidFile {
    fn eol(&self) -> &'static str {
        if self.crlf {
            "\r\n"
        } else {
            "\n"
        }
    }

    fn render(&self) -> Vec<u8> {
        let mut lines = vec![self.host.clone()];
        lines.extend(self.codes.iter().map(|(i, m)| format!("{i},{m}")));
        let mut out = lines.join(self.eol());
        if self.final_newline {
            out.push_str(self.eol());
        }
        out.into_bytes()
    }
}

fn valid_file(n: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = ValidFile> {
    (host(), codes(n), any::<bool>(), any::<bool>()).prop_map(
        |(host, codes, crlf, final_newline)| ValidFile {
            host,
            codes,
            crlf,
            final_newline,
        },
    )
}

// ---------------------------------------------------------------------------------------
// Messy files: a valid file with mutations that `fix` undoes

/// White space that `fix` trims (no tab: on the SM-DP+ line a tab separates values).
const PADS: &[&str] = &[
    " ", "  ", "\u{A0}", "\u{200B}", "\u{3000}", "\u{FEFF}", " \u{A0}",
];

#[derive(Debug, Clone)]
struct Cell {
    left: &'static str,
    right: &'static str,
    quoted: bool,
    inner_left: &'static str,
    inner_right: &'static str,
}

impl Cell {
    fn render(&self, value: &str) -> String {
        if self.quoted {
            format!(
                "{}\"{}{value}{}\"{}",
                self.left, self.inner_left, self.inner_right, self.right
            )
        } else {
            format!(
                "{}{}{value}{}{}",
                self.left, self.inner_left, self.inner_right, self.right
            )
        }
    }
}

fn pad() -> impl Strategy<Value = &'static str> {
    prop_oneof![4 => Just(""), 1 => prop::sample::select(PADS)]
}

fn cell() -> impl Strategy<Value = Cell> {
    (pad(), pad(), prop::bool::weighted(0.2), pad(), pad()).prop_map(
        |(left, right, quoted, inner_left, inner_right)| Cell {
            left,
            right,
            quoted,
            inner_left,
            inner_right,
        },
    )
}

#[derive(Debug, Clone)]
struct CodeLine {
    iccid: Cell,
    mid: Cell,
    /// `,`, `;` or tab.
    delimiter: char,
    /// Trailing separators (of the line's delimiter or commas), possibly padded.
    trailing: &'static str,
}

impl CodeLine {
    fn render(&self, iccid: &str, mid: &str) -> String {
        let mut iccid_cell = self.iccid.clone();
        let mut mid_cell = self.mid.clone();
        if self.delimiter == '\t' {
            // Tab padding next to a tab delimiter would be a value of its own; keep it to
            // the other kinds of white space.
            for c in [&mut iccid_cell, &mut mid_cell] {
                for p in [
                    &mut c.left,
                    &mut c.right,
                    &mut c.inner_left,
                    &mut c.inner_right,
                ] {
                    if p.contains('\t') {
                        *p = " ";
                    }
                }
            }
        }
        let trailing = match self.delimiter {
            ',' => self.trailing.to_owned(),
            d => self.trailing.replace(',', &d.to_string()),
        };
        format!(
            "{}{}{}{}",
            iccid_cell.render(iccid),
            self.delimiter,
            mid_cell.render(mid),
            trailing
        )
    }
}

fn code_line() -> impl Strategy<Value = CodeLine> {
    (
        cell(),
        cell(),
        prop_oneof![6 => Just(','), 1 => Just(';'), 1 => Just('\t')],
        prop_oneof![6 => Just(""), 1 => prop::sample::select(&[",", ",,", ", ", ",\u{A0},", ",,,"][..])],
    )
        .prop_map(|(iccid, mid, delimiter, trailing)| CodeLine {
            iccid,
            mid,
            delimiter,
            trailing,
        })
}

#[derive(Debug, Clone)]
struct SmdpDecor {
    cell: Cell,
    scheme: &'static str,
    port: &'static str,
    path: &'static str,
    trailing: &'static str,
}

fn smdp_decor() -> impl Strategy<Value = SmdpDecor> {
    (
        cell(),
        prop_oneof![3 => Just(""), 1 => prop::sample::select(&["https://", "HTTPS://", "http://"][..])],
        prop_oneof![3 => Just(""), 1 => prop::sample::select(&[":443", ":8443"][..])],
        prop_oneof![3 => Just(""), 1 => prop::sample::select(&["/", "/gsma/rsp2/es9plus", "/?x=1", "#top"][..])],
        prop_oneof![4 => Just(""), 1 => prop::sample::select(&[",", ",,", ";", ", ;", ",\u{A0}"][..])],
    )
        .prop_map(|(cell, scheme, port, path, trailing)| SmdpDecor {
            cell,
            scheme,
            port,
            path,
            trailing,
        })
}

const HEADERS: &[&str] = &[
    "ICCID,MatchingID",
    "ICCID;Matching ID",
    "iccid\tmatching_id",
    "\"ICCID\",\"Matching ID\"",
    "ICCID,MatchingID,",
    "SMDP",
    "SM-DP+ Address",
    " Iccid , Matching-ID ",
];

const BLANKS: &[&str] = &["", " ", "\u{A0}", "\t \t", "\u{200B}"];

/// A line inserted before the line at this index of the valid file (0 = before the host).
#[derive(Debug, Clone)]
enum Extra {
    Header(usize, &'static str),
    Blank(usize, &'static str),
    /// A second copy of code `.0`, inserted before line `.1` (at least one line after it).
    Duplicate(usize, usize, CodeLine),
}

#[derive(Debug, Clone)]
struct Messy {
    file: ValidFile,
    bom: bool,
    smdp: SmdpDecor,
    lines: Vec<CodeLine>,
    extras: Vec<Extra>,
    /// Per physical line: 0 = the file's line break, 1 = LF, 2 = CRLF, 3 = CR.
    endings: Option<Vec<u8>>,
    /// Appended after the last line.
    trailing_blank: &'static str,
}

impl Messy {
    fn render(&self) -> Vec<u8> {
        let f = &self.file;
        let mut lines: Vec<(usize, String)> = Vec::new(); // (position, text)
        let mut smdp = format!(
            "{}{}{}{}",
            self.smdp.scheme, f.host, self.smdp.port, self.smdp.path
        );
        smdp = self.smdp.cell.render(&smdp) + self.smdp.trailing;
        lines.push((0, smdp));
        for (k, (i, m)) in f.codes.iter().enumerate() {
            lines.push((k + 1, self.lines[k].render(i, m)));
        }
        let n = lines.len();
        for extra in &self.extras {
            match extra {
                Extra::Header(at, text) | Extra::Blank(at, text) => {
                    lines.push((at % (n + 1), (*text).to_owned()));
                }
                Extra::Duplicate(code, at, decor) => {
                    let code = code % f.codes.len();
                    // Before a line after the original one (which is at position code + 1),
                    // or at the end (position n).
                    let after = code + 2 + at % (n - code - 1);
                    let (i, m) = &f.codes[code];
                    lines.push((after, decor.render(i, m)));
                }
            }
        }
        // Stable: inserted lines go before the original line at the same position, in
        // the order they were generated.
        let mut order: Vec<usize> = (0..lines.len()).collect();
        order.sort_by_key(|&k| {
            let (pos, _) = lines[k];
            (pos, if k < n { 1 } else { 0 }, k)
        });
        let mut out = Vec::new();
        if self.bom {
            out.extend_from_slice(b"\xEF\xBB\xBF");
        }
        let total = order.len();
        for (j, &k) in order.iter().enumerate() {
            out.extend_from_slice(lines[k].1.as_bytes());
            let last = j + 1 == total;
            if last && !f.final_newline && self.trailing_blank.is_empty() {
                break;
            }
            let kind = self.endings.as_ref().map_or(0, |e| e[j % e.len()]);
            out.extend_from_slice(match kind {
                1 => b"\n".as_slice(),
                2 => b"\r\n",
                3 => b"\r",
                _ => f.eol().as_bytes(),
            });
        }
        out.extend_from_slice(self.trailing_blank.as_bytes());
        out
    }
}

fn messy(n: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = Messy> {
    valid_file(n).prop_flat_map(|file| {
        let count = file.codes.len();
        let extra = prop_oneof![
            (any::<usize>(), prop::sample::select(HEADERS)).prop_map(|(a, t)| Extra::Header(a, t)),
            (any::<usize>(), prop::sample::select(BLANKS)).prop_map(|(a, t)| Extra::Blank(a, t)),
            (any::<usize>(), any::<usize>(), code_line())
                .prop_map(|(c, a, d)| Extra::Duplicate(c, a, d)),
        ];
        (
            Just(file),
            prop::bool::weighted(0.3),
            smdp_decor(),
            prop::collection::vec(code_line(), count),
            prop::collection::vec(extra, 0..6),
            prop::option::weighted(0.3, prop::collection::vec(0u8..4, 1..8)),
            prop_oneof![4 => Just(""), 1 => prop::sample::select(&["\n", "\r\n\r\n", " ", "\n \u{A0}\n", "\r"][..])],
        )
            .prop_map(
                |(file, bom, smdp, lines, extras, endings, trailing_blank)| Messy {
                    file,
                    bom,
                    smdp,
                    lines,
                    extras,
                    endings,
                    trailing_blank,
                },
            )
    })
}

// ---------------------------------------------------------------------------------------
// Arbitrary bytes

/// Pieces of the format and of its usual damage.
const TOKENS: &[&[u8]] = &[
    b"8946000000000000014",
    b"89460000000000000140",
    b"8.946E+18",
    b"ABCD-1234-XYZ",
    b"abcd",
    b"smdp.example.com",
    b"https://smdp.example.com:443/x",
    b"ICCID",
    b"MatchingID",
    b"SM-DP+",
    b",",
    b",",
    b";",
    b"\t",
    b"\"",
    b"\"\"",
    b" ",
    b"\n",
    b"\r\n",
    b"\r",
    b"\xC2\xA0",
    b"\xE2\x80\x8B",
    b"\xEF\xBB\xBF",
    b"\xFF",
    b"\xC3",
    b"\xFF\xFE",
    b"\0",
    b"\xC3\xA5",
    b"1",
    b"89",
    b"-",
    b".",
    b":",
    b"/",
    b"a",
    b"E",
];

fn token_soup() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..80).prop_map(|t| t.concat())
}

fn huge_line() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(TOKENS),
        2000usize..12000,
        prop::sample::select(TOKENS),
    )
        .prop_map(|(t, n, tail)| {
            let mut out = b"smdp.example.com\n8946000000000000014,".to_vec();
            out.extend(t.iter().cycle().take(n));
            out.extend_from_slice(tail);
            out
        })
}

/// A messy file with random tokens spliced in at random places.
fn damaged() -> impl Strategy<Value = Vec<u8>> {
    (
        messy(1..=20),
        prop::collection::vec((any::<usize>(), prop::sample::select(TOKENS)), 1..6),
    )
        .prop_map(|(m, splices)| {
            let mut bytes = m.render();
            for (at, t) in splices {
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, t.iter().copied());
            }
            bytes
        })
}

fn arbitrary_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => prop::collection::vec(any::<u8>(), 0..300),
        4 => token_soup(),
        3 => damaged(),
        1 => huge_line(),
    ]
}

// ---------------------------------------------------------------------------------------
// Helpers

fn all_findings() -> Options {
    Options {
        max_findings: usize::MAX,
        ..Options::default()
    }
}

/// The physical lines (CRLF, LF and lone CR end a line; a final break starts none).
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

/// The characters of a line as positions count them (BOM of line 1 not counted), or its
/// byte length when it is not UTF-8.
fn line_width(lines: &[&[u8]], line: u32) -> usize {
    let mut bytes = lines[line as usize - 1];
    if line == 1 {
        bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.chars().count(),
        Err(_) => bytes.len(),
    }
}

/// Positions in range, counts consistent with findings, truncation right; messages render.
fn assert_report_sane(input: &[u8], report: &Report, max_findings: usize) {
    let lines = physical_lines(input);
    let n = lines.len();
    for f in &report.findings {
        if let Some(line) = f.line() {
            assert!(line >= 1 && line as usize <= n, "{f:?} beyond {n} lines");
            if let Some(col) = f.column() {
                let width = line_width(&lines, line);
                assert!(
                    col >= 1 && col as usize <= width + 1,
                    "{f:?}: width {width}"
                );
            }
        } else {
            assert!(f.column().is_none(), "{f:?}: a column without a line");
        }
        match &f.fix {
            Some(Fix::RemoveLine { line }) => assert!(*line >= 1 && *line as usize <= n),
            Some(Fix::RemoveTrailingBlankLines { from_line }) => {
                assert!(*from_line >= 1 && *from_line as usize <= n)
            }
            Some(Fix::Edit { line, edits }) => {
                assert!(*line >= 1 && *line as usize <= n);
                let width = line_width(&lines, *line);
                for e in edits {
                    assert!(e.column >= 1, "{f:?}");
                    assert!(
                        (e.column - 1) as usize + e.length as usize <= width,
                        "{f:?}: edit beyond width {width}"
                    );
                }
            }
            _ => {}
        }
        for lang in Lang::ALL {
            assert!(!f.message(*lang).is_empty());
        }
    }
    let total: usize = report.counts.values().sum();
    assert!(total >= report.findings.len());
    assert_eq!(report.findings.len(), total.min(max_findings));
    assert_eq!(report.truncated, total > max_findings, "counts {total}");
    for f in &report.findings {
        assert!(report.count(f.code) > 0);
    }
    // Ordered by position, file-level ones first.
    let keys: Vec<(u32, u32)> = report
        .findings
        .iter()
        .map(|f| (f.line().unwrap_or(0), f.column().unwrap_or(0)))
        .collect();
    assert!(
        keys.windows(2).all(|w| w[0] <= w[1]),
        "not ordered: {keys:?}"
    );
    if report.deny_warnings {
        assert_eq!(report.is_valid(), total == 0);
    } else {
        assert_eq!(report.is_valid(), report.errors() == 0);
    }
    serde_json::to_string(&report.to_json(Lang::En)).expect("serializes");
}

fn pairs(pool: &esim_csv::Pool) -> Vec<(String, String)> {
    pool.codes
        .iter()
        .map(|c| {
            (
                c.integrated_circuit_card_identifier.as_str().to_owned(),
                c.matching_identifier.as_str().to_owned(),
            )
        })
        .collect()
}

fn errors(report: &Report) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|f| f.severity() == Severity::Error)
        .map(|f| {
            format!(
                "{}@{:?}:{:?} {}",
                f.code.as_str(),
                f.line(),
                f.column(),
                f.message(Lang::En)
            )
        })
        .collect()
}

fn show(bytes: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(bytes))
}

// ---------------------------------------------------------------------------------------
// Properties

/// The case count, or `PROPTEST_CASES` when set (for a longer run).
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(Config { cases: cases(48), failure_persistence: None, ..Config::default() })]

    #[test]
    fn valid_files_have_no_findings(file in valid_file(1..=1000)) {
        let bytes = file.render();
        let report = check(&bytes, &Options::file("pool.csv"));
        prop_assert!(report.findings.is_empty(), "{:?}", report.findings);
        prop_assert!(report.counts.is_empty());
        prop_assert!(report.is_valid());
        prop_assert_eq!(report.codes, file.codes.len());
        prop_assert_eq!(report.smdp_address.as_ref().map(|a| a.as_str()), Some(file.host.as_str()));
        let (report, pool) = parse(&bytes, &Options::file("pool.csv"));
        prop_assert!(report.findings.is_empty());
        let pool = pool.expect("a valid file has a pool");
        prop_assert_eq!(pool.smdp_address.as_str(), file.host.as_str());
        prop_assert_eq!(pairs(&pool), file.codes.clone());
        // Nothing to fix: fix leaves the bytes alone.
        let fixed = fix(&bytes, &Options::default());
        prop_assert!(!fixed.changed());
        prop_assert_eq!(fixed.bytes, bytes);
    }

    #[test]
    fn messy_files_become_valid_and_keep_their_codes(m in messy(1..=60)) {
        let bytes = m.render();
        let fixed = fix(&bytes, &all_findings());
        prop_assert!(
            errors(&fixed.report).is_empty(),
            "input {}\nfixed {}\nerrors {:?}", show(&bytes), show(&fixed.bytes), errors(&fixed.report)
        );
        prop_assert!(
            fixed.report.findings.is_empty(),
            "input {}\nfixed {}\nfindings {:?}", show(&bytes), show(&fixed.bytes), fixed.report.findings
        );
        let (_, pool) = parse(&fixed.bytes, &Options::default());
        let pool = pool.expect("a valid file has a pool");
        prop_assert_eq!(pool.smdp_address.as_str(), m.file.host.as_str());
        prop_assert_eq!(pairs(&pool), m.file.codes.clone(), "input {}", show(&bytes));
    }

    #[test]
    fn fixing_is_idempotent_on_messy_files(m in messy(1..=40)) {
        let bytes = m.render();
        let once = fix(&bytes, &all_findings());
        let twice = fix(&once.bytes, &all_findings());
        prop_assert_eq!(&twice.bytes, &once.bytes, "input {}", show(&bytes));
        prop_assert!(!twice.changed());
        prop_assert!(!once.report.has_edit_fixes(), "{:?}", once.report.findings);
    }

    #[test]
    fn fixing_is_idempotent_on_arbitrary_bytes(bytes in arbitrary_bytes()) {
        let once = fix(&bytes, &all_findings());
        prop_assert!(
            !once.report.has_edit_fixes(),
            "input {}\nfixed {}\nleft {:?}", show(&bytes), show(&once.bytes), once.report.findings
        );
        let twice = fix(&once.bytes, &all_findings());
        prop_assert_eq!(&twice.bytes, &once.bytes, "input {}", show(&bytes));
    }

    /// Fixes never choose between two lines with one ICCID and different Matching IDs,
    /// and never touch the digits or characters of any code.
    #[test]
    fn fixes_keep_conflicting_lines(m in messy(2..=30), picks in prop::collection::vec(any::<usize>(), 1..4)) {
        let mut bytes = m.render();
        let eol = m.file.eol().as_bytes();
        if !bytes.ends_with(b"\n") && !bytes.ends_with(b"\r") {
            bytes.extend_from_slice(eol);
        }
        let mut conflicts = Vec::new();
        for (n, p) in picks.iter().enumerate() {
            let (iccid, _) = &m.file.codes[p % m.file.codes.len()];
            let mid = format!("CONFLICT-{n}");
            bytes.extend_from_slice(format!("{iccid},{mid}").as_bytes());
            bytes.extend_from_slice(eol);
            conflicts.push((iccid.clone(), mid));
        }
        let fixed = fix(&bytes, &all_findings());
        prop_assert_eq!(fixed.report.count(Code::IccidDuplicate), conflicts.len(), "input {}", show(&bytes));
        let text = String::from_utf8(fixed.bytes.clone()).expect("UTF-8");
        for (iccid, mid) in m.file.codes.iter().chain(&conflicts) {
            prop_assert!(text.contains(&format!("{iccid},{mid}")), "{iccid},{mid} lost: {}", show(&fixed.bytes));
        }
        // Every pair the fixed file holds is one of the original or conflicting pairs.
        let known: HashSet<(String, String)> = m.file.codes.iter().chain(&conflicts).cloned().collect();
        for line in text.lines().skip(1) {
            let (i, mid) = line.split_once(',').expect("a code line");
            prop_assert!(known.contains(&(i.to_owned(), mid.to_owned())), "new pair {line:?}");
        }
    }

    #[test]
    fn nothing_panics_and_reports_are_sane(
        bytes in arbitrary_bytes(),
        max_findings in prop_oneof![Just(0usize), 1usize..5, Just(10_000)],
        deny_warnings in any::<bool>(),
        name in prop::option::of(prop::sample::select(&["pool.csv", "POOL.CSV", "pool.txt", "-", "dir/x.Csv"][..])),
    ) {
        let options = Options {
            file_name: name.map(str::to_owned),
            check_extension: true,
            max_findings,
            deny_warnings,
            ..Options::default()
        };
        let report = check(&bytes, &options);
        assert_report_sane(&bytes, &report, max_findings);
        let full = check(&bytes, &all_findings());
        assert_report_sane(&bytes, &full, usize::MAX);

        let (parsed, pool) = parse(&bytes, &options);
        prop_assert_eq!(&parsed, &report);
        if let Some(pool) = &pool {
            prop_assert_eq!(parsed.errors(), 0);
            prop_assert!(pool.codes.len() <= parsed.codes);
        }

        // A batch of one is a check; a file checked twice in a batch repeats its ICCIDs.
        let mut batch = Batch::new();
        prop_assert_eq!(&batch.check(&bytes, &options), &report);
        let again = batch.check(&bytes, &all_findings());
        assert_report_sane(&bytes, &again, usize::MAX);
        prop_assert!(again.count(Code::IccidDuplicate) >= full.count(Code::IccidDuplicate));

        // Applying any prefix of the fixes does not panic.
        let fixes: Vec<&Fix> = full.findings.iter().filter_map(|f| f.fix.as_ref()).collect();
        for k in [0, 1, fixes.len() / 2, fixes.len()] {
            let _ = apply_fixes(&bytes, fixes.iter().take(k).copied());
        }

        let fixed = fix(&bytes, &options);
        assert_report_sane(&fixed.bytes, &fixed.report, max_findings);

        if let Ok(parts) = split(&bytes, &options, 1000) {
            let after = check(&fix(&bytes, &options).bytes, &all_findings());
            let mut total = 0;
            for part in &parts {
                let r = check(&part.bytes, &Options::default());
                prop_assert!(r.is_valid(), "part {} of {}: {:?}", show(&part.bytes), show(&bytes), r.findings);
                prop_assert!(part.codes <= MAX_CODES);
                prop_assert_eq!(part.codes, r.codes);
                total += part.codes;
            }
            prop_assert_eq!(total, after.codes);
        }
    }
}

#[derive(Debug, Clone)]
struct Sectioned {
    /// (host as written, codes) per section, in file order.
    sections: Vec<(String, Vec<(String, String)>)>,
    crlf: bool,
    /// Picks a decoration for each later SM-DP+ line.
    decor: Vec<usize>,
}

/// How a later SM-DP+ line may be written: bare, as a URL, padded.
const SECOND_OK: &[(&str, &str)] = &[("", ""), ("", ""), ("https://", ":443/"), ("  ", "\u{A0}")];

/// Decorations the fixer removes elsewhere but `split` does not read yet (see
/// `regressions.rs`, `split_reads_the_host_of_a_decorated_second_smdp_line`).
const SECOND_MESSY: &[(&str, &str)] = &[("\"", "\""), ("", ","), ("", ";;"), ("\u{200B}", "")];

impl Sectioned {
    fn render(&self, decorations: &[(&str, &str)]) -> Vec<u8> {
        let eol = if self.crlf { "\r\n" } else { "\n" };
        let mut text = String::new();
        for (n, (host, codes)) in self.sections.iter().enumerate() {
            let (before, after) = if n == 0 {
                ("", "")
            } else {
                decorations[self.decor[n] % decorations.len()]
            };
            text.push_str(&format!("{before}{host}{after}{eol}"));
            for (i, m) in codes {
                text.push_str(&format!("{i},{m}{eol}"));
            }
        }
        text.into_bytes()
    }

    /// The codes grouped by host (case-insensitive), in order of first appearance.
    fn groups(&self) -> Vec<(String, Vec<(String, String)>)> {
        let mut groups: Vec<(String, Vec<(String, String)>)> = Vec::new();
        for (host, codes) in &self.sections {
            match groups
                .iter_mut()
                .find(|(h, _)| h.eq_ignore_ascii_case(host))
            {
                Some((_, g)) => g.extend(codes.iter().cloned()),
                None => groups.push((host.clone(), codes.clone())),
            }
        }
        groups
    }
}

/// Splits and checks that every part is valid, at most `max` codes, and that the parts
/// hold the codes of each operator in order.
fn check_split(s: &Sectioned, bytes: &[u8], max: usize) -> Result<(), TestCaseError> {
    let groups = s.groups();
    let parts = split(bytes, &Options::file("multi.csv"), max).map_err(|e| {
        TestCaseError::fail(format!("{e}: {:?} in {}", e.report.findings, show(bytes)))
    })?;
    let expected_parts: usize = groups.iter().map(|(_, g)| g.len().div_ceil(max)).sum();
    prop_assert_eq!(parts.len(), expected_parts);
    let mut got: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for part in &parts {
        prop_assert!(part.codes <= max && part.codes > 0);
        let (r, pool) = parse(&part.bytes, &Options::file(&part.file_name));
        prop_assert!(
            r.is_valid() && r.findings.is_empty(),
            "{}: {:?}",
            part.file_name,
            r.findings
        );
        let pool = pool.expect("a valid part has a pool");
        prop_assert_eq!(&pool.smdp_address, &part.smdp_address);
        match got.last_mut() {
            Some((h, g)) if h == part.smdp_address.as_str() => g.extend(pairs(&pool)),
            _ => got.push((part.smdp_address.as_str().to_owned(), pairs(&pool))),
        }
    }
    prop_assert_eq!(got, groups);
    Ok(())
}

/// 2-3 sections; a later section may repeat an earlier host (in another case).
fn sectioned() -> impl Strategy<Value = Sectioned> {
    (
        prop::collection::vec(host(), 3),
        prop::collection::vec((0usize..3, any::<bool>()), 2..=3),
        codes(6..=1200),
        any::<bool>(),
        prop::collection::vec(any::<usize>(), 3),
    )
        .prop_map(|(hosts, picks, all, crlf, decor)| {
            let k = picks.len();
            let mut sections = Vec::new();
            let mut rest = &all[..];
            for (n, (h, upper)) in picks.into_iter().enumerate() {
                let take = if n + 1 == k {
                    rest.len()
                } else {
                    (rest.len() / (k - n)).max(1)
                };
                let (mine, tail) = rest.split_at(take.min(rest.len() - (k - n - 1)));
                rest = tail;
                let host = if upper {
                    hosts[h].to_uppercase()
                } else {
                    hosts[h].clone()
                };
                sections.push((host, mine.to_vec()));
            }
            Sectioned {
                sections,
                crlf,
                decor,
            }
        })
}

proptest! {
    #![proptest_config(Config { cases: cases(12), failure_persistence: None, ..Config::default() })]

    #[test]
    fn split_of_a_large_file_gives_valid_parts(file in valid_file(1001..=3000), max in prop_oneof![Just(1000usize), 100usize..=1000]) {
        let bytes = file.render();
        let report = check(&bytes, &Options::file("pool.csv"));
        prop_assert_eq!(report.count(Code::TooManyCodes), 1);
        let parts = split(&bytes, &Options::file("pool.csv"), max).expect("splits");
        prop_assert_eq!(parts.len(), file.codes.len().div_ceil(max));
        let mut all = Vec::new();
        for part in &parts {
            prop_assert!(part.codes <= max);
            let (r, pool) = parse(&part.bytes, &Options::file(&part.file_name));
            prop_assert!(r.is_valid() && r.findings.is_empty(), "{}: {:?}", part.file_name, r.findings);
            let pool = pool.expect("a valid part has a pool");
            prop_assert_eq!(pool.smdp_address.as_str(), file.host.as_str());
            prop_assert_eq!(pool.codes.len(), part.codes);
            all.extend(pairs(&pool));
        }
        prop_assert_eq!(all, file.codes.clone());
    }

    #[test]
    fn split_by_operator_gives_valid_parts(s in sectioned(), max in prop_oneof![Just(1000usize), 50usize..=1000]) {
        check_split(&s, &s.render(SECOND_OK), max)?;
    }

    #[test]
    fn split_by_operator_reads_decorated_smdp_lines(s in sectioned(), max in prop_oneof![Just(1000usize), 50usize..=1000]) {
        check_split(&s, &s.render(SECOND_MESSY), max)?;
    }

    /// The contract keeps "the first ones up to a limit" (section 7).
    #[test]
    fn a_truncated_report_keeps_the_first_findings(bytes in arbitrary_bytes(), max in 0usize..6) {
        let full = check(&bytes, &all_findings());
        let cut = check(&bytes, &Options { max_findings: max, ..Options::default() });
        let k = max.min(full.findings.len());
        prop_assert_eq!(&cut.findings[..], &full.findings[..k], "input {}", show(&bytes));
    }
}

// ---------------------------------------------------------------------------------------
// Carrier exports

/// A carrier export: a header row in some spelling and column order, extra columns, the
/// codes as LPA strings or as Matching ID and SM-DP+ columns, in some separator and
/// encoding.
#[derive(Debug, Clone)]
struct Export {
    host: String,
    codes: Vec<(String, String)>,
    /// Column names, in the file's order; `iccid`, `code` and `smdp` mark the roles.
    columns: Vec<(String, &'static str)>,
    lpa: bool,
    sep: char,
    /// 0 UTF-8, 1 UTF-8 with BOM, 2 UTF-16LE, 3 UTF-16BE, 4 Windows-1252.
    encoding: u8,
    extra_value: String,
}

impl Export {
    fn render(&self) -> Vec<u8> {
        let mut text = String::new();
        let header: Vec<&str> = self.columns.iter().map(|(n, _)| n.as_str()).collect();
        text.push_str(&header.join(&self.sep.to_string()));
        text.push_str("\r\n");
        for (iccid, mid) in &self.codes {
            let cells: Vec<String> = self
                .columns
                .iter()
                .map(|(_, role)| match *role {
                    "iccid" => iccid.clone(),
                    "code" if self.lpa => format!("LPA:1${}${mid}", self.host),
                    "code" => mid.clone(),
                    "smdp" => self.host.clone(),
                    _ => self.extra_value.clone(),
                })
                .collect();
            text.push_str(&cells.join(&self.sep.to_string()));
            text.push_str("\r\n");
        }
        match self.encoding {
            1 => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
            2 => [0xFF, 0xFE]
                .into_iter()
                .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
                .collect(),
            3 => [0xFE, 0xFF]
                .into_iter()
                .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
                .collect(),
            4 => text
                .chars()
                .map(|c| match c {
                    'Å' => 0xC5,
                    'Ö' => 0xD6,
                    'ë' => 0xEB,
                    'é' => 0xE9,
                    c => c as u8,
                })
                .collect(),
            _ => text.into_bytes(),
        }
    }
}

fn export() -> impl Strategy<Value = Export> {
    let iccid_names = prop::sample::select(vec!["ICCID", "ICC-ID", "iccid", "SIM serial"]);
    let lpa_names = prop::sample::select(vec![
        "Activation code",
        "LPA",
        "QR code content",
        "LPA string",
    ]);
    let mid_names = prop::sample::select(vec!["Matching ID", "MatchingID", "AC token"]);
    let smdp_names = prop::sample::select(vec!["SM-DP+ address", "SMDP", "SM-DP+"]);
    let extras = prop::sample::subsequence(
        vec!["EID", "IMSI", "MSISDN", "PIN1", "PUK1", "Kund", "Plan"],
        0..=4,
    );
    (
        host(),
        codes(1..=40),
        any::<bool>(),
        (iccid_names, lpa_names, mid_names, smdp_names, extras),
        prop::sample::select(vec![',', ';', '\t']),
        0u8..5,
        prop::sample::select(vec!["", "Åsa Öberg", "Zoë", "x 1", "Café"]),
        any::<prop::sample::Index>(),
    )
        .prop_flat_map(
            |(host, codes, lpa, (i, l, m, s, extras), sep, encoding, extra_value, _)| {
                let mut columns: Vec<(String, &'static str)> = vec![(i.to_owned(), "iccid")];
                if lpa {
                    columns.push((l.to_owned(), "code"));
                } else {
                    columns.push((m.to_owned(), "code"));
                    columns.push((s.to_owned(), "smdp"));
                }
                columns.extend(extras.into_iter().map(|e| (e.to_owned(), "extra")));
                Just(columns)
                    .prop_shuffle()
                    .prop_map(move |columns| Export {
                        host: host.clone(),
                        codes: codes.clone(),
                        columns,
                        lpa,
                        sep,
                        encoding,
                        extra_value: extra_value.to_owned(),
                    })
            },
        )
}

proptest! {
    #![proptest_config(Config { cases: cases(64), failure_persistence: None, ..Config::default() })]

    /// A carrier export converts into a valid pool file that holds exactly its (ICCID,
    /// Matching ID) pairs, in order, under its SM-DP+ address; converting again changes
    /// nothing.
    #[test]
    fn a_carrier_export_converts_to_its_codes_and_converting_is_idempotent(e in export()) {
        let bytes = e.render();
        let options = Options::file("export.csv");
        let report = check(&bytes, &options);
        prop_assert!(report.conversion.is_some(), "{:?}", report.findings);
        prop_assert_eq!(report.errors(), 1, "{:?}", report.findings);
        prop_assert_eq!(report.findings[0].code, Code::CarrierExport);
        prop_assert_eq!(report.findings[0].fix.as_ref(), Some(&Fix::Convert));
        let fixed = fix(&bytes, &options);
        prop_assert!(fixed.report.is_valid(), "{:?}\n{}", fixed.report.findings, String::from_utf8_lossy(&fixed.bytes));
        let (_, pool) = parse(&fixed.bytes, &Options::file("pool.csv"));
        let pool = pool.expect("a valid pool file");
        prop_assert_eq!(pool.smdp_address.as_str(), e.host.as_str());
        let pairs: Vec<(String, String)> = pool
            .codes
            .iter()
            .map(|c| (c.integrated_circuit_card_identifier.to_string(), c.matching_identifier.to_string()))
            .collect();
        prop_assert_eq!(&pairs, &e.codes);
        let again = fix(&fixed.bytes, &options);
        prop_assert!(!again.changed(), "{:?}", again.applied);
        prop_assert_eq!(&again.bytes, &fixed.bytes);
        prop_assert_eq!(esim_csv::convert(&bytes, &options).bytes, fixed.bytes);
    }
}
