//! Findings, fixes and the report (the contract's section 7).

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use crate::code::{Code, Severity};
use crate::values::SmdpAddress;

/// The language of messages. Codes are language-neutral; messages come in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Lang {
    /// English, the language of record.
    #[default]
    En,
    /// Swedish, the language of the brief.
    Sv,
}

impl Lang {
    /// Every language, for tests and language pickers.
    pub const ALL: &'static [Lang] = &[Lang::En, Lang::Sv];

    /// The language for a tag such as `sv`, `sv-SE` or `en-GB` (English when unknown).
    pub fn from_tag(tag: &str) -> Lang {
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("sv") {
            Lang::Sv
        } else {
            Lang::En
        }
    }

    /// The BCP 47 tag (`en` or `sv`).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Sv => "sv",
        }
    }
}

/// A line break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LineEnding {
    /// `\r\n`
    Crlf,
    /// `\n`
    Lf,
    /// A lone `\r`.
    Cr,
}

impl LineEnding {
    /// The bytes of this line break.
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            LineEnding::Crlf => b"\r\n",
            LineEnding::Lf => b"\n",
            LineEnding::Cr => b"\r",
        }
    }
}

/// One replacement inside a line. Columns count Unicode scalar values, 1-based, as
/// [positions](crate#positions) do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    /// First column replaced.
    pub column: u32,
    /// Number of characters replaced (0 inserts).
    pub length: u32,
    /// The replacement text.
    pub text: String,
}

/// A mechanical fix that is safe to apply: it never changes an ICCID's digits or a
/// Matching ID's characters and never chooses between conflicting lines.
///
/// In JSON, `{"action": "edit", "line": 3, "edits": [{"column": 20, "length": 1,
/// "text": ","}]}`; the other actions carry the fields shown on each variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Fix {
    /// Remove the byte-order mark at the start of the file.
    RemoveBom,
    /// Rewrite every line break as `to`.
    NormalizeLineEndings {
        /// The line break kept.
        to: LineEnding,
    },
    /// Remove the whole line (with its line break).
    RemoveLine {
        /// The line removed.
        line: u32,
    },
    /// Remove everything after the line break of the last non-blank line.
    RemoveTrailingBlankLines {
        /// The first line removed.
        from_line: u32,
    },
    /// Replace parts of one line.
    Edit {
        /// The line edited.
        line: u32,
        /// Non-overlapping edits, left to right.
        edits: Vec<Edit>,
    },
    /// Convert the whole file to UTF-8 from this encoding (`utf-16le`, `utf-16be`,
    /// `windows-1252`): every character maps.
    ConvertEncoding {
        /// The encoding the file is in.
        from: String,
    },
    /// Convert a carrier export into a pool file ([`convert`](crate::convert())).
    Convert,
    /// Not an edit: the file must be split (`esim-csv split`), one operator and at most
    /// 1,000 codes per file.
    Split,
}

impl Fix {
    /// True for fixes `esim-csv fix` applies (all but [`Fix::Split`]).
    pub fn is_edit(&self) -> bool {
        !matches!(self, Fix::Split)
    }
}

/// Where a finding is: in a file (a line, and the column of the value), or in a request
/// body that lists activation codes (Graph's `activationCodes`: the list, or one field of
/// its n-th code).
///
/// In a file, `line` is the 1-based physical line and `column` the 1-based character
/// column of the offending value ([positions](crate#positions)); line-level findings have
/// no column, file-level ones no line. In a body, [`Position::target`] names the place as
/// Graph's error details do, `activationCodes[17].integratedCircuitCardIdentifier`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Position {
    /// The whole file (`file-empty`, `no-codes`, ...).
    #[default]
    File,
    /// A line of a file, and the column of the value when the finding is about one.
    Line {
        /// 1-based physical line.
        line: u32,
        /// 1-based column of the first character of the value.
        column: Option<u32>,
    },
    /// The list of codes of a request body as a whole (`activationCodes`).
    Codes,
    /// One field of one code of a request body.
    Code {
        /// 0-based index in `activationCodes`.
        index: u32,
        /// The field.
        field: CodeField,
    },
}

/// A field of an activation code in a request body, in Graph's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CodeField {
    /// `integratedCircuitCardIdentifier`
    Iccid,
    /// `matchingIdentifier`
    MatchingId,
    /// `smdpPlusServerAddress`
    SmdpAddress,
}

impl CodeField {
    /// Graph's property name, such as `integratedCircuitCardIdentifier`.
    pub fn name(self) -> &'static str {
        match self {
            CodeField::Iccid => "integratedCircuitCardIdentifier",
            CodeField::MatchingId => "matchingIdentifier",
            CodeField::SmdpAddress => "smdpPlusServerAddress",
        }
    }
}

impl Position {
    /// At this line and column of a file.
    pub fn at(line: u32, column: u32) -> Position {
        Position::Line {
            line,
            column: Some(column),
        }
    }

    /// The line, for a finding in a file that has one.
    pub fn line(self) -> Option<u32> {
        match self {
            Position::Line { line, .. } => Some(line),
            _ => None,
        }
    }

    /// The column, for a finding about a value of a file's line.
    pub fn column(self) -> Option<u32> {
        match self {
            Position::Line { column, .. } => column,
            _ => None,
        }
    }

    /// True for a position in a request body (not a file).
    pub fn in_body(self) -> bool {
        matches!(self, Position::Codes | Position::Code { .. })
    }

    /// For a finding in a request body, the place as Graph's error details name it:
    /// `activationCodes` or `activationCodes[17].matchingIdentifier`. `None` in a file.
    pub fn target(self) -> Option<String> {
        match self {
            Position::Codes => Some("activationCodes".to_owned()),
            Position::Code { index, field } => {
                Some(format!("activationCodes[{index}].{}", field.name()))
            }
            Position::File | Position::Line { .. } => None,
        }
    }

    /// The order of findings: the whole file or body first, then by line and column (or
    /// by code and field).
    pub(crate) fn sort_key(self) -> (u32, u32) {
        match self {
            Position::File | Position::Codes => (0, 0),
            Position::Line { line, column } => (line, column.unwrap_or(0)),
            Position::Code { index, field } => (index.saturating_add(1), field as u32 + 1),
        }
    }
}

/// What a message says about the offending value; filled by the validator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Detail {
    /// The offending value, shortened for display.
    pub value: Option<String>,
    /// A number the message names (a count, a length).
    pub number: Option<u64>,
    /// The earlier line the message refers to.
    pub other_line: Option<u32>,
    /// The earlier code of a request body the message refers to (its 0-based index).
    pub other_code: Option<u32>,
    /// The other file the message refers to.
    pub other_file: Option<String>,
    /// Another text the message names (a host, a character, a pool name).
    pub extra: Option<String>,
}

/// One problem in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What is wrong.
    pub code: Code,
    /// Where: a line and column of a file, or a field of a code of a request body.
    pub position: Position,
    /// The safe fix, when there is one.
    pub fix: Option<Fix>,
    /// What the message names.
    pub detail: Detail,
}

impl Finding {
    /// A finding with no position, fix or detail.
    pub fn new(code: Code) -> Self {
        Finding {
            code,
            position: Position::File,
            fix: None,
            detail: Detail::default(),
        }
    }

    /// At this line.
    pub fn at_line(mut self, line: u32) -> Self {
        self.position = Position::Line { line, column: None };
        self
    }

    /// At this line and column.
    pub fn at(mut self, line: u32, column: u32) -> Self {
        self.position = Position::at(line, column);
        self
    }

    /// At this position.
    pub fn placed(mut self, position: Position) -> Self {
        self.position = position;
        self
    }

    /// At this field of the code of this (0-based) index of a request body.
    pub fn in_code(self, index: u32, field: CodeField) -> Self {
        self.placed(Position::Code { index, field })
    }

    /// The 1-based line, for a finding in a file that has one.
    pub fn line(&self) -> Option<u32> {
        self.position.line()
    }

    /// The 1-based column, for a finding about a value of a file's line.
    pub fn column(&self) -> Option<u32> {
        self.position.column()
    }

    /// With this fix.
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    /// Naming this value.
    pub fn value(mut self, value: &str) -> Self {
        self.detail.value = Some(shorten(value));
        self
    }

    /// Naming this number.
    pub fn number(mut self, n: u64) -> Self {
        self.detail.number = Some(n);
        self
    }

    /// Naming this earlier line.
    pub fn other_line(mut self, line: u32) -> Self {
        self.detail.other_line = Some(line);
        self
    }

    /// Naming this earlier code of a request body (0-based index).
    pub fn other_code(mut self, index: u32) -> Self {
        self.detail.other_code = Some(index);
        self
    }

    /// Naming this other file.
    pub fn other_file(mut self, file: &str) -> Self {
        self.detail.other_file = Some(file.to_owned());
        self
    }

    /// Naming this extra text.
    pub fn extra(mut self, extra: &str) -> Self {
        self.detail.extra = Some(shorten(extra));
        self
    }

    /// The severity of the code.
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    /// `iccid-already-imported`, as the server check reports it. `pool` is the pool's name,
    /// or `None` when the code was delivered to a device and its pool is gone.
    pub fn iccid_already_imported(at: Position, iccid: &str, pool: Option<&str>) -> Self {
        let f = Finding::new(Code::IccidAlreadyImported)
            .placed(at)
            .value(iccid);
        match pool {
            Some(pool) => f.extra(pool),
            None => f,
        }
    }

    /// `second-smdp`, as the server reports codes for a pool of another SM-DP+ address:
    /// `address` (at `at`) is not the pool's `pool_address`.
    pub fn not_the_pools_smdp(at: Position, address: &str, pool_address: &str) -> Self {
        Finding::new(Code::SecondSmdp)
            .placed(at)
            .value(address)
            .extra(pool_address)
    }

    /// `smdp-pool-exists`, as the server check reports it (on the SM-DP+ line).
    pub fn smdp_pool_exists(line: u32, address: &str, pool: &str) -> Self {
        Finding::new(Code::SmdpPoolExists)
            .at_line(line)
            .value(address)
            .extra(pool)
    }
}

/// The verdict on one file: every finding (up to a limit) and the counts of all.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// The file name as given; `None` for pasted text.
    pub file: Option<String>,
    /// The SM-DP+ address, when the SM-DP+ line holds a valid one and no `smdp-*` finding.
    pub smdp_address: Option<SmdpAddress>,
    /// The number of code lines, valid or not, exact duplicates included.
    pub codes: usize,
    /// How many findings of each code, all of them (also those left out of `findings`).
    pub counts: BTreeMap<Code, usize>,
    /// The findings, ordered by position, file-level ones first, at most `max_findings`.
    pub findings: Vec<Finding>,
    /// True when some findings were left out of `findings`.
    pub truncated: bool,
    /// True when warnings make the file invalid too (`--deny-warnings`).
    pub deny_warnings: bool,
    /// The line break used most (CRLF on a tie, LF for a file of one line).
    pub line_ending: Option<LineEnding>,
    /// For a carrier export, how it is read (every column and what it gives).
    pub conversion: Option<Box<crate::Mapping>>,
}

impl Report {
    /// True when no finding is an error (with `deny_warnings`: no finding at all).
    pub fn is_valid(&self) -> bool {
        if self.deny_warnings {
            self.counts.values().all(|n| *n == 0)
        } else {
            self.errors() == 0
        }
    }

    /// The number of errors, including those left out of `findings`.
    pub fn errors(&self) -> usize {
        self.count_of(Severity::Error)
    }

    /// The number of warnings, including those left out of `findings`.
    pub fn warnings(&self) -> usize {
        self.count_of(Severity::Warning)
    }

    fn count_of(&self, severity: Severity) -> usize {
        self.counts
            .iter()
            .filter(|(code, _)| code.severity() == severity)
            .map(|(_, n)| n)
            .sum()
    }

    /// The number of findings of `code`.
    pub fn count(&self, code: Code) -> usize {
        self.counts.get(&code).copied().unwrap_or(0)
    }

    /// True when some finding carries a fix that `fix` would apply.
    pub fn has_edit_fixes(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.fix.as_ref().is_some_and(Fix::is_edit))
    }

    /// Adds a finding found outside the validator (the server checks), keeping counts,
    /// order and the limit.
    pub fn push(&mut self, finding: Finding, max_findings: usize) {
        *self.counts.entry(finding.code).or_default() += 1;
        if self.findings.len() < max_findings {
            let key = sort_key(&finding);
            let at = self.findings.partition_point(|f| sort_key(f) <= key);
            self.findings.insert(at, finding);
        } else {
            self.truncated = true;
        }
    }

    /// The report in the contract's JSON shape (section 7), messages in `lang`.
    pub fn to_json(&self, lang: Lang) -> JsonReport<'_> {
        JsonReport {
            version: 1,
            file: self.file.as_deref(),
            valid: self.is_valid(),
            smdp_address: self.smdp_address.as_ref().map(SmdpAddress::as_str),
            codes: self.codes,
            counts: self.counts.iter().map(|(c, n)| (c.as_str(), *n)).collect(),
            findings: self
                .findings
                .iter()
                .map(|f| JsonFinding {
                    code: f.code,
                    severity: f.severity(),
                    line: f.line(),
                    column: f.column(),
                    target: f.position.target(),
                    message: f.message(lang),
                    fix: f.fix.as_ref(),
                })
                .collect(),
            truncated: self.truncated,
            conversion: self.conversion.as_deref(),
        }
    }
}

impl Report {
    /// The findings as a CSV file for spreadsheets: `file,line,column,severity,code,message`.
    ///
    /// Cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`,
    /// tab or CR) are prefixed with `'`, so a value from a hostile file is shown, not run.
    pub fn to_csv(&self, lang: Lang) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        let file = neutralise(self.file.as_deref().unwrap_or(""));
        let header = ["file", "line", "column", "severity", "code", "message"];
        // Writing to a Vec cannot fail.
        w.write_record(header).expect("in memory");
        for f in &self.findings {
            let line = f.line().map(|l| l.to_string()).unwrap_or_default();
            let column = f.column().map(|c| c.to_string()).unwrap_or_default();
            let message = f.message(lang);
            let message = neutralise(&message);
            w.write_record([
                file.as_ref(),
                &line,
                &column,
                f.severity().as_str(),
                f.code.as_str(),
                &message,
            ])
            .expect("in memory");
        }
        w.into_inner().expect("in memory")
    }
}

/// Prefixes a cell that a spreadsheet would evaluate as a formula with `'`.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

pub(crate) fn sort_key(f: &Finding) -> (u32, u32) {
    f.position.sort_key()
}

/// Orders findings by position, keeping the order of those at the same one: a file's
/// (the whole file's first) by line and column, a request body's by code and field. The
/// one sort of findings, so that it is compiled once (each sort is a few KB of wasm).
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by_key(sort_key);
}

/// What differs between the report of a code list ([`crate::check_codes`]) and that of a
/// carrier export ([`crate::convert`]); the rest of [`report`] is the same for both.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    /// Order the findings by position before the limit (a code list keeps the order the
    /// rules found them in: per code, in input order).
    pub sort: bool,
    /// A finding of any of these codes withholds the SM-DP+ address.
    pub smdp_hidden_by: &'static [Code],
    /// The line ending the report names.
    pub line_ending: Option<LineEnding>,
}

/// The report of `codes` code lines with these findings (counted in full, then cut to
/// `options.max_findings`) and this SM-DP+ address (kept unless `shape` withholds it).
pub(crate) fn report(
    mut findings: Vec<Finding>,
    codes: usize,
    address: Option<SmdpAddress>,
    options: &crate::Options,
    shape: Shape,
) -> Report {
    let mut counts = BTreeMap::new();
    for f in &findings {
        *counts.entry(f.code).or_insert(0) += 1;
    }
    if shape.sort {
        sort_findings(&mut findings);
    }
    let truncated = findings.len() > options.max_findings;
    findings.truncate(options.max_findings);
    let clean = !shape.smdp_hidden_by.iter().any(|c| counts.contains_key(c));
    Report {
        file: options.file_name.clone(),
        smdp_address: address.filter(|_| clean),
        codes,
        counts,
        findings,
        truncated,
        deny_warnings: options.deny_warnings,
        line_ending: shape.line_ending,
        conversion: None,
    }
}

/// The JSON report of one file (`esim-csv check --format json` prints one per line).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonReport<'a> {
    /// Always 1 for this shape.
    pub version: u32,
    /// The file as given; `-` for standard input, null for pasted text.
    pub file: Option<&'a str>,
    /// No errors (with `--deny-warnings`: no findings).
    pub valid: bool,
    /// The SM-DP+ address, or null.
    pub smdp_address: Option<&'a str>,
    /// Code lines.
    pub codes: usize,
    /// Findings per code, all of them.
    #[serde(serialize_with = "ordered_map")]
    pub counts: Vec<(&'static str, usize)>,
    /// The findings, up to the limit.
    pub findings: Vec<JsonFinding<'a>>,
    /// True when `findings` leaves some out.
    pub truncated: bool,
    /// For a carrier export only: how it is read (absent for a pool file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversion: Option<&'a crate::Mapping>,
}

/// One finding in the JSON report.
#[derive(Debug, Serialize)]
pub struct JsonFinding<'a> {
    /// The stable code.
    pub code: Code,
    /// `error` or `warning`.
    pub severity: Severity,
    /// 1-based line or null.
    pub line: Option<u32>,
    /// 1-based column or null.
    pub column: Option<u32>,
    /// For a finding in a request body, the place (`activationCodes[17].matchingIdentifier`);
    /// absent from a file's report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The message.
    pub message: String,
    /// The fix or null.
    pub fix: Option<&'a Fix>,
}

fn ordered_map<S: Serializer>(pairs: &[(&'static str, usize)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(pairs.iter().map(|(k, v)| (*k, *v)))
}

/// The longest value quoted in a message, in characters.
pub(crate) const MAX_SHOWN: usize = 48;

/// Shortens a value for display and makes invisible characters visible.
pub(crate) fn shorten(value: &str) -> String {
    let mut out = String::new();
    for (n, c) in value.chars().enumerate() {
        if n == MAX_SHOWN {
            out.push('…');
            break;
        }
        match c {
            '\t' => out.push_str("\\t"),
            c if c.is_control() || matches!(c, '\u{200B}' | '\u{FEFF}' | '\u{00A0}') => {
                out.push_str(&format!("\\u{{{:X}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{check, Options};

    #[test]
    fn csv_report_neutralises_formulas_and_round_trips() {
        let report = check(
            b"smdp.example.com\n=HYPERLINK(\"http://x\"),ABC\n",
            &Options::file("=evil.txt"),
        );
        let bytes = report.to_csv(Lang::En);
        let mut r = csv::Reader::from_reader(bytes.as_slice());
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), report.findings.len());
        assert_eq!(&rows[0][0], "'=evil.txt");
        assert_eq!(&rows[1][4], "iccid-format");
        assert_eq!(&rows[1][1], "2");
        assert!(rows[1][5].starts_with("The ICCID \"=HYPERLINK"));
        assert_eq!(neutralise("-1"), "'-1");
        assert_eq!(neutralise("ok"), "ok");
    }
}
