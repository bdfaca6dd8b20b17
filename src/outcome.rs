//! What the page shows after a check, built from `esim_csv` reports: the checked files,
//! their findings page by page, the repair and its downloads. Plain types with native
//! tests; the components in [`crate::validator`] only render them.

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use esim_csv::{Batch, Change, Code, Fix, Lang, Options, Part, Report, Severity, Validator};

use crate::i18n::{counted, number, t, tf, Label};
use crate::source::LineIndex;

/// The most findings a report keeps (all are counted). High enough for a broken 50 MB
/// file to list most of them, bounded so memory stays bounded.
pub const MAX_FINDINGS: usize = 200_000;
/// Findings per page of the list.
pub const PAGE_SIZE: usize = 100;
/// Lines the validator reads between checks of the clock.
pub const LINES_PER_FEED: usize = 4_000;
/// Changed lines the fix preview lists (the rest are counted).
pub const MAX_CHANGES_SHOWN: usize = 200;

/// Where the checked bytes came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Text pasted into the text area (no file name, so no file-name checks).
    Pasted,
    /// A file the user chose or dropped, with its name.
    File(String),
}

impl Source {
    /// The name in reports and messages to the embedding page (`-` for pasted text, as the
    /// command line names standard input).
    pub fn file_name(&self) -> &str {
        match self {
            Source::Pasted => "-",
            Source::File(name) => name,
        }
    }

    /// Names what was checked, e.g. `File “pool.csv”` or `Pasted text`.
    pub fn label(&self, lang: Lang) -> String {
        match self {
            Source::Pasted => t(lang, Label::PastedText).to_owned(),
            Source::File(name) => tf(lang, Label::FileNamed, &[("name", name)]),
        }
    }

    /// The validator's options for this source. A workbook (`.xlsx`) is checked as the
    /// text its reader made of a sheet (`crate::workbook`), so its name is not a pool
    /// file's: the `.csv` extension is not asked of it (as on the command line), it is a
    /// carrier export even when no header names its columns (the column picker shows), and
    /// findings name the sheet's columns.
    pub fn options(&self) -> Options {
        let workbook =
            matches!(self, Source::File(name) if crate::workbook::is_workbook(name, &[]));
        Options {
            file_name: match self {
                Source::Pasted => None,
                Source::File(name) => Some(name.clone()),
            },
            check_extension: !workbook,
            max_findings: MAX_FINDINGS,
            sheet_text: workbook,
            ..Options::default()
        }
    }
}

/// One checked file: its bytes (for the source view and the fix) and its report.
#[derive(Debug)]
pub struct Checked {
    pub source: Source,
    pub bytes: Arc<Vec<u8>>,
    pub report: Report,
    /// The columns of a carrier export the user chose (empty: as its header says).
    pub columns: esim_csv::Columns,
    /// For a repaired file: the repair that made it (what changed, the downloads).
    pub repair: Option<Arc<Repair>>,
    lines: OnceLock<LineIndex>,
}

impl Checked {
    pub fn new(source: Source, bytes: Arc<Vec<u8>>, report: Report) -> Self {
        Self {
            source,
            bytes,
            report,
            columns: esim_csv::Columns::default(),
            repair: None,
            lines: OnceLock::new(),
        }
    }

    /// The repaired file of `repair`, in the place of the file it repaired.
    pub fn repaired(repair: Arc<Repair>) -> Self {
        let mut checked = Self::new(
            Source::File(repair.file_name.clone()),
            repair.bytes.clone(),
            repair.report.clone(),
        );
        checked.repair = Some(repair);
        checked
    }

    /// The validator's options for this file: its source's, and the columns chosen.
    pub fn options(&self) -> Options {
        Options {
            columns: self.columns.clone(),
            ..self.source.options()
        }
    }

    /// The same file checked again with these columns of a carrier export.
    pub fn with_columns(&self, columns: esim_csv::Columns) -> Self {
        let mut checked = Self::new(self.source.clone(), self.bytes.clone(), Report::default());
        checked.columns = columns;
        checked.report = esim_csv::check(&checked.bytes, &checked.options());
        checked
    }

    /// Checks one input to completion.
    pub fn check(source: Source, bytes: Arc<Vec<u8>>) -> Self {
        let report = esim_csv::check(&bytes, &source.options());
        Self::new(source, bytes, report)
    }

    /// Where each line starts, built the first time the source view needs it.
    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.bytes))
    }

    pub fn verdict(&self, lang: Lang) -> &'static str {
        t(
            lang,
            if self.report.is_valid() {
                Label::Valid
            } else {
                Label::Invalid
            },
        )
    }

    /// `valid` or `invalid`, for CSS classes and `data-` attributes.
    pub fn verdict_key(&self) -> &'static str {
        if self.report.is_valid() {
            "valid"
        } else {
            "invalid"
        }
    }

    /// One sentence for the live region.
    pub fn summary(&self, lang: Lang) -> String {
        tf(
            lang,
            Label::Summary,
            &[
                ("name", &self.source.label(lang)),
                ("verdict", self.verdict(lang)),
                (
                    "codes",
                    &counted(lang, self.report.codes, Label::CodesOne, Label::CodesOther),
                ),
                (
                    "errors",
                    &counted(
                        lang,
                        self.report.errors(),
                        Label::ErrorsOne,
                        Label::ErrorsOther,
                    ),
                ),
                (
                    "warnings",
                    &counted(
                        lang,
                        self.report.warnings(),
                        Label::WarningsOne,
                        Label::WarningsOther,
                    ),
                ),
            ],
        )
    }

    /// The pool name to start with: the one given before a repair, else the file name
    /// without `.csv` (and without the `-fixed` of a repaired file).
    pub fn default_pool_name(&self) -> String {
        if let Some(repair) = self.repair.as_ref().filter(|r| !r.pool_name.is_empty()) {
            return repair.pool_name.clone();
        }
        match &self.source {
            Source::Pasted => String::new(),
            Source::File(name) => {
                let stem = stem(name);
                stem.strip_suffix("-fixed").unwrap_or(stem).to_owned()
            }
        }
    }

    /// The operator's name in the SM-DP+ address, the other name a pool could get
    /// (`carrier-a` for `smdp.carrier-a.example`).
    pub fn smdp_label(&self) -> Option<String> {
        self.report
            .smdp_address
            .as_ref()
            .and_then(|address| operator_name(address.as_str()))
    }

    /// True when "fix every safe problem" has something to do: the file is invalid, or a
    /// finding carries a safe fix.
    pub fn fixable(&self) -> bool {
        !self.report.is_valid() || self.report.findings.iter().any(|f| f.fix.is_some())
    }

    /// Each code found, with its severity and how often (all findings are counted, also
    /// those past [`MAX_FINDINGS`]).
    pub fn counts(&self) -> Vec<(Code, Severity, usize)> {
        self.report
            .counts
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(code, n)| (*code, code.severity(), *n))
            .collect()
    }

    /// The lines of the listed findings with this code, as ranges (see [`line_ranges`]).
    pub fn line_ranges(&self, code: Code) -> Vec<(u32, u32)> {
        line_ranges(&self.report, code)
    }

    /// The codes of the listed findings, for the filter.
    pub fn listed_codes(&self) -> Vec<Code> {
        let codes: BTreeSet<&'static str> = self
            .report
            .findings
            .iter()
            .map(|f| f.code.as_str())
            .collect();
        codes.into_iter().filter_map(Code::from_name).collect()
    }

    /// The indices of the findings with this code (every finding for `None`).
    pub fn filtered(&self, code: Option<Code>) -> Vec<u32> {
        self.report
            .findings
            .iter()
            .enumerate()
            .filter(|(_, f)| code.is_none_or(|c| f.code == c))
            .map(|(i, _)| i as u32)
            .collect()
    }

    /// The finding rows of one page of `indices`, messages in `lang`.
    pub fn rows(&self, indices: &[u32], page: usize, lang: Lang) -> Vec<FindingRow> {
        let range = page_range(indices.len(), page);
        indices[range]
            .iter()
            .map(|&i| {
                let finding = &self.report.findings[i as usize];
                FindingRow {
                    index: i,
                    code: finding.code,
                    line: finding.line(),
                    column: finding.column(),
                    message: finding.message(lang),
                    value: finding.detail.value.clone(),
                }
            })
            .collect()
    }
}

/// One finding as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingRow {
    /// Its index in the report.
    pub index: u32,
    pub code: Code,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
    /// The offending value (shortened when long), to mark in the source view.
    pub value: Option<String>,
}

/// The number of pages for `total` findings (at least one).
pub fn page_count(total: usize) -> usize {
    total.div_ceil(PAGE_SIZE).max(1)
}

/// The findings on page `page` (0-based), clamped to the last page.
pub fn page_range(total: usize, page: usize) -> std::ops::Range<usize> {
    let page = page.min(page_count(total) - 1);
    let start = page * PAGE_SIZE;
    start..(start + PAGE_SIZE).min(total)
}

/// Checks several inputs together, so an ICCID repeated in a later file is found.
pub fn check_together(inputs: Vec<(Source, Arc<Vec<u8>>)>) -> Vec<Checked> {
    let mut batch = Batch::new();
    inputs
        .into_iter()
        .map(|(source, bytes)| {
            let report = batch.check(&bytes, &source.options());
            Checked::new(source, bytes, report)
        })
        .collect()
}

/// A validation run in steps, so the page can paint and answer between them.
#[derive(Debug)]
pub struct Stepper {
    source: Source,
    bytes: Arc<Vec<u8>>,
    validator: Option<Validator>,
}

/// What one step gave.
#[derive(Debug)]
pub enum Step {
    /// Bytes read so far.
    Reading(usize),
    Done(Box<Checked>),
}

impl Stepper {
    pub fn new(source: Source, bytes: Arc<Vec<u8>>) -> Self {
        let validator = Validator::new(source.options());
        Self::with(source, bytes, validator)
    }

    /// A stepper for the next file of `batch` (finish it with [`Stepper::step_in`]).
    pub fn in_batch(batch: &Batch, source: Source, bytes: Arc<Vec<u8>>) -> Self {
        let validator = batch.validator(source.options());
        Self::with(source, bytes, validator)
    }

    fn with(source: Source, bytes: Arc<Vec<u8>>, validator: Validator) -> Self {
        Self {
            source,
            bytes,
            validator: Some(validator),
        }
    }

    pub fn total(&self) -> usize {
        self.bytes.len()
    }

    /// Reads up to `lines` more lines; the last step returns the checked file.
    pub fn step(&mut self, lines: usize) -> Step {
        self.step_in(lines, None)
    }

    /// [`Stepper::step`] for a file of `batch`: the last step records the file's ICCIDs in
    /// it, so later files find them repeated.
    pub fn step_in(&mut self, lines: usize, batch: Option<&mut Batch>) -> Step {
        let validator = self.validator.as_mut().expect("stepped after the end");
        if validator.feed(&self.bytes, lines) {
            let validator = self.validator.take().expect("present");
            let report = match batch {
                Some(batch) => batch.finish(validator, &self.bytes),
                None => validator.finish(&self.bytes),
            };
            Step::Done(Box::new(Checked::new(
                self.source.clone(),
                self.bytes.clone(),
                report,
            )))
        } else {
            Step::Reading(validator.bytes_read())
        }
    }
}

/// The outcome of "fix every safe problem".
#[derive(Debug)]
pub struct Repair {
    /// The repaired file.
    pub bytes: Arc<Vec<u8>>,
    /// The report on the repaired file.
    pub report: Report,
    /// Lines removed or edited.
    pub changes: Vec<Change>,
    /// File-wide fixes applied (byte-order mark, line breaks, a conversion to UTF-8 or of a
    /// carrier export), without repeats.
    pub file_wide: Vec<Fix>,
    /// The name of the repaired file: the file's stem and `-fixed.csv`.
    pub file_name: String,
    /// The pool name given when the fix ran (the repaired file keeps it).
    pub pool_name: String,
    /// When the repaired file must be split: the parts, or the report on what blocks it.
    pub split: Option<Result<Vec<Part>, Box<Report>>>,
}

impl Repair {
    /// Applies every safe fix; splits when the result has more than 1,000 codes or more
    /// than one SM-DP+ address.
    pub fn new(checked: &Checked, pool_name: &str) -> Self {
        let fixed = esim_csv::fix(&checked.bytes, &checked.options());
        Self::from_fixed(checked, pool_name, fixed)
    }

    /// The repair of `checked`, from a fix already made (in steps, with an
    /// [`esim_csv::Fixer`] started with `checked.options()`).
    pub fn from_fixed(checked: &Checked, pool_name: &str, fixed: esim_csv::Fixed) -> Self {
        let options = checked.options();
        let changes = fixed.changes(&checked.bytes);
        let mut file_wide = Vec::new();
        for finding in &fixed.applied {
            if let Some(
                fix @ (Fix::RemoveBom
                | Fix::NormalizeLineEndings { .. }
                | Fix::ConvertEncoding { .. }
                | Fix::Convert),
            ) = &finding.fix
            {
                if !file_wide.contains(fix) {
                    file_wide.push(fix.clone());
                }
            }
        }
        let file_name = fixed_file_name(&checked.source);
        let needs_split =
            fixed.report.codes > esim_csv::MAX_CODES || fixed.report.count(Code::SecondSmdp) > 0;
        let split = needs_split.then(|| {
            // The parts are named after the pool: `NAME-01.csv` ...
            let options = Options {
                file_name: Some(format!(
                    "{}.csv",
                    pool_file_stem(pool_name, &checked.source)
                )),
                sheet_text: false,
                ..options.clone()
            };
            esim_csv::split_fixed(&fixed, &options, esim_csv::MAX_CODES)
                .map_err(|error| error.report)
        });
        Self {
            bytes: Arc::new(fixed.bytes),
            report: fixed.report,
            changes,
            file_wide,
            file_name,
            pool_name: pool_name.trim().to_owned(),
            split,
        }
    }

    /// True when the fix changed the file.
    pub fn changed(&self) -> bool {
        !self.changes.is_empty() || !self.file_wide.is_empty()
    }
}

/// The stem for downloaded files: the pool name when there is one (characters that file
/// systems refuse replaced), else the file's own stem, else `codes`.
pub fn pool_file_stem(pool_name: &str, source: &Source) -> String {
    let cleaned: String = pool_name
        .trim()
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    if !cleaned.is_empty() {
        return stem(&cleaned).to_owned();
    }
    match source {
        Source::File(name) if !stem(name).is_empty() => stem(name).to_owned(),
        _ => "codes".to_owned(),
    }
}

/// The name of a repaired file: the file's stem and `-fixed.csv` (`codes-fixed.csv` for
/// pasted text), never `-fixed-fixed`.
pub fn fixed_file_name(source: &Source) -> String {
    let stem = match source {
        Source::File(name) if !stem(name).is_empty() => stem(name),
        _ => "codes",
    };
    let stem = stem.strip_suffix("-fixed").unwrap_or(stem);
    format!("{stem}-fixed.csv")
}

/// The report as the command line's JSON (`esim-csv check --format json`, one line).
pub fn report_json(report: &Report, lang: Lang) -> Vec<u8> {
    let mut json = serde_json::to_vec(&report.to_json(lang)).expect("a report serialises");
    json.push(b'\n');
    json
}

/// A file name without a final `.csv` or, for a workbook, `.xlsx` (any case).
fn stem(name: &str) -> &str {
    for ext in [".csv", ".xlsx"] {
        let cut = name.len().saturating_sub(ext.len());
        if name
            .get(cut..)
            .is_some_and(|end| end.eq_ignore_ascii_case(ext))
        {
            return &name[..cut];
        }
    }
    name
}

/// Host labels that name the service, not the operator (`smdp.`, `rsp.`, `prod.` ...).
const SERVICE_LABELS: &[&str] = &[
    "smdp",
    "smdpplus",
    "smdp-plus",
    "sm-dp",
    "sm-dp-plus",
    "dp",
    "rsp",
    "esim",
    "lpa",
    "es2",
    "es9",
    "prod",
    "production",
    "www",
    "api",
    "consumer",
    "m2m",
];

/// The operator's part of an SM-DP+ host name: the label before the public suffix (the
/// top-level domain, and a short second level such as `co.uk`) that does not just name the
/// service; `None` when every label does.
pub fn operator_name(host: &str) -> Option<String> {
    let labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
    let mut end = labels.len();
    if end > 1 {
        end -= 1;
        if end > 1
            && labels[end - 1].len() <= 3
            && matches!(
                labels[end - 1],
                "co" | "com" | "net" | "org" | "ac" | "gov" | "ne" | "or"
            )
        {
            end -= 1;
        }
    }
    labels[..end]
        .iter()
        .rev()
        .find(|label| !SERVICE_LABELS.contains(&label.to_ascii_lowercase().as_str()))
        .map(|label| (*label).to_owned())
}

/// The lines of the listed findings of `report` with this code, as ranges of consecutive
/// lines (`(2, 1005)`), in order; findings without a line are left out.
pub fn line_ranges(report: &Report, code: Code) -> Vec<(u32, u32)> {
    let lines: BTreeSet<u32> = report
        .findings
        .iter()
        .filter(|f| f.code == code)
        .filter_map(esim_csv::Finding::line)
        .collect();
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    for line in lines {
        match ranges.last_mut() {
            Some((_, end)) if *end + 1 == line => *end = line,
            _ => ranges.push((line, line)),
        }
    }
    ranges
}

/// The most line ranges a group of findings names (the rest are "…").
pub const MAX_RANGES_SHOWN: usize = 4;

/// Line ranges as a person reads them: `lines 2–1005, 1010` (`line 7` for one line), the
/// numbers in the language's way; empty when there are none.
pub fn ranges_label(lang: Lang, ranges: &[(u32, u32)]) -> String {
    if ranges.is_empty() {
        return String::new();
    }
    let n = |line: u32| number(lang, line as usize);
    let mut parts: Vec<String> = ranges
        .iter()
        .take(MAX_RANGES_SHOWN)
        .map(|&(from, to)| {
            if from == to {
                n(from)
            } else {
                format!("{}\u{2013}{}", n(from), n(to))
            }
        })
        .collect();
    if ranges.len() > MAX_RANGES_SHOWN {
        parts.push("\u{2026}".to_owned());
    }
    let single = ranges.len() == 1 && ranges[0].0 == ranges[0].1;
    let label = if single {
        Label::OnLine
    } else {
        Label::OnLines
    };
    tf(lang, label, &[("lines", &parts.join(", "))])
}

/// Rebuilds the findings a server sent about an uploaded file (code, line, column and a
/// message in the language it was asked in) as esim-csv's, so their messages can be written
/// in whichever language the page switches to.
///
/// The server checks an upload with the same esim-csv, so a finding of the same code at the
/// same place in a check of the same bytes is the server's. `iccid-already-imported` is about
/// the server's data, not the file: it is rebuilt from the ICCID on its line and the pool its
/// message names (the only quoted text of that message, in both languages; pool names
/// cannot hold quotes). Anything else stays in the server's words.
#[derive(Debug)]
pub struct ServerFindings<'a> {
    bytes: &'a [u8],
    file_name: &'a str,
    report: OnceLock<Report>,
}

impl<'a> ServerFindings<'a> {
    /// For the findings about `bytes`, uploaded as `file_name`.
    pub fn new(bytes: &'a [u8], file_name: &'a str) -> Self {
        Self {
            bytes,
            file_name,
            report: OnceLock::new(),
        }
    }

    /// The finding the server described, when esim-csv can rebuild it.
    pub fn rebuild(
        &self,
        code: &str,
        line: Option<u32>,
        column: Option<u32>,
        message: &str,
    ) -> Option<esim_csv::Finding> {
        let code = Code::from_name(code)?;
        if code == Code::IccidAlreadyImported {
            let line = line?;
            let iccid = first_field(self.bytes, line)?;
            let at = esim_csv::Position::at(line, column.unwrap_or(1));
            return Some(esim_csv::Finding::iccid_already_imported(
                at,
                &iccid,
                quoted(message),
            ));
        }
        let report = self
            .report
            .get_or_init(|| esim_csv::check(self.bytes, &Options::file(self.file_name)));
        report
            .findings
            .iter()
            .find(|f| f.code == code && f.line() == line && f.column() == column)
            .cloned()
    }
}

/// The first value on 1-based line `line` of a pool file, unquoted and trimmed.
fn first_field(bytes: &[u8], line: u32) -> Option<String> {
    let text = bytes
        .split(|b| *b == b'\n')
        .nth(line.checked_sub(1)? as usize)?;
    let text = String::from_utf8_lossy(text);
    let value = text
        .split([',', ';', '\t'])
        .next()?
        .trim()
        .trim_matches('"')
        .trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// The text between the first and the last double quote of `message`.
fn quoted(message: &str) -> Option<&str> {
    let (start, end) = (message.find('"')?, message.rfind('"')?);
    (end > start).then(|| &message[start + 1..end])
}

/// Renders an optional 1-based position the language's way; an absent one is shown as a
/// dash.
pub fn position_label(lang: Lang, position: Option<u32>) -> String {
    position.map_or_else(|| "\u{2013}".to_owned(), |n| number(lang, n as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &[u8] = b"smdp.example.com\n8946000000000000014,ABCD-1234-XYZ\n";

    fn file(name: &str, bytes: &[u8]) -> Checked {
        Checked::check(Source::File(name.into()), Arc::new(bytes.to_vec()))
    }

    #[test]
    fn sources_are_named_in_both_languages() {
        assert_eq!(Source::Pasted.label(Lang::En), "Pasted text");
        assert_eq!(Source::Pasted.label(Lang::Sv), "Inklistrad text");
        let pool = Source::File("pool.csv".into());
        assert_eq!(pool.label(Lang::En), "File \u{201c}pool.csv\u{201d}");
        assert_eq!(pool.options().file_name.as_deref(), Some("pool.csv"));
        assert_eq!(Source::Pasted.options().file_name, None);
        assert_eq!(pool.options().max_findings, MAX_FINDINGS);
    }

    #[test]
    fn verdict_and_summary_follow_the_report() {
        let valid = file("pool.csv", VALID);
        assert_eq!(
            (valid.verdict(Lang::En), valid.verdict_key()),
            ("Valid", "valid")
        );
        assert_eq!(
            valid.summary(Lang::En),
            "File \u{201c}pool.csv\u{201d}: Valid, 1 code, 0 errors, 0 warnings."
        );
        let invalid = file("pool.txt", VALID);
        assert_eq!(invalid.verdict(Lang::Sv), "Ogiltig");
        assert_eq!(invalid.verdict_key(), "invalid");
    }

    #[test]
    fn pool_names_come_from_the_file_or_the_smdp_address() {
        let checked = file("UnlimitedDataSkynet.CSV", VALID);
        assert_eq!(checked.default_pool_name(), "UnlimitedDataSkynet");
        assert_eq!(checked.smdp_label().as_deref(), Some("example"));
        assert_eq!(
            operator_name("smdp.carrier-a.example").as_deref(),
            Some("carrier-a")
        );
        assert_eq!(
            operator_name("rsp.operator.co.uk").as_deref(),
            Some("operator")
        );
        assert_eq!(operator_name("consumer.rsp.world"), None);
        assert_eq!(operator_name("smdp.rsp.com"), None);
        assert_eq!(operator_name("localhost").as_deref(), Some("localhost"));
        assert_eq!(pool_file_stem(" a/b.csv ", &checked.source), "a_b");
        assert_eq!(pool_file_stem("", &checked.source), "UnlimitedDataSkynet");
        assert_eq!(pool_file_stem("", &Source::Pasted), "codes");
        // A workbook's pool file is named after the workbook, without `.xlsx`.
        let book = Source::File("Carrier.XLSX".into());
        assert_eq!(pool_file_stem("", &book), "Carrier");
        assert_eq!(fixed_file_name(&book), "Carrier-fixed.csv");
    }

    #[test]
    fn files_checked_together_find_cross_file_duplicates() {
        let checked = check_together(vec![
            (Source::File("a.csv".into()), Arc::new(VALID.to_vec())),
            (Source::File("b.csv".into()), Arc::new(VALID.to_vec())),
        ]);
        assert!(checked[0].report.is_valid());
        assert_eq!(checked[1].report.count(Code::IccidDuplicate), 1);
    }

    #[test]
    fn findings_are_paged_and_filtered() {
        let mut text = String::from("smdp.example.com\n");
        for i in 0..250 {
            text.push_str(&format!("12345{i},ABC\n"));
        }
        text.push_str("8946000000000000014,abc\n");
        let checked = file("many.csv", text.as_bytes());
        let all = checked.filtered(None);
        assert_eq!(all.len(), checked.report.findings.len());
        let lengths = checked.filtered(Some(Code::IccidLength));
        assert_eq!(lengths.len(), 250);
        assert_eq!(page_count(250), 3);
        assert_eq!(page_range(250, 2), 200..250);
        assert_eq!(page_range(250, 9), 200..250, "clamped to the last page");
        assert_eq!(page_range(0, 0), 0..0);
        let rows = checked.rows(&lengths, 1, Lang::Sv);
        assert_eq!(rows.len(), PAGE_SIZE);
        assert_eq!(rows[0].line, Some(102));
        assert_eq!(rows[0].code, Code::IccidLength);
        assert!(rows[0].message.contains("siffror"), "{}", rows[0].message);
        assert!(checked.listed_codes().contains(&Code::MatchingIdLowercase));
        let counts = checked.counts();
        assert!(counts.contains(&(Code::IccidLength, Severity::Error, 250)));
    }

    #[test]
    fn stepping_gives_the_same_report_as_one_check() {
        let mut text = String::from("smdp.example.com\n");
        for i in 0..1_500u64 {
            text.push_str(&format!("{:019},ID{i}\n", 8_946_000_000_000_000_000 + i));
        }
        let bytes = Arc::new(text.into_bytes());
        let source = Source::File("big.csv".into());
        let mut stepper = Stepper::new(source.clone(), bytes.clone());
        let mut steps = 0;
        let checked = loop {
            steps += 1;
            match stepper.step(100) {
                Step::Reading(read) => assert!(read <= stepper.total()),
                Step::Done(checked) => break checked,
            }
        };
        assert!(steps > 10);
        assert_eq!(checked.report, esim_csv::check(&bytes, &source.options()));
        assert_eq!(checked.report.count(Code::TooManyCodes), 1);
    }

    #[test]
    fn the_repair_lists_changes_and_file_wide_fixes() {
        let bytes = b"\xEF\xBB\xBFsmdp.example.com\r\n 8946000000000000014 ,ABC\r\n\r\n";
        let checked = file("pool.csv", bytes);
        let repair = Repair::new(&checked, "Pool");
        assert_eq!(repair.file_name, "pool-fixed.csv");
        assert!(repair.changed());
        let repaired = Checked::repaired(Arc::new(repair));
        assert_eq!(
            repaired.default_pool_name(),
            "Pool",
            "the pool name given stays"
        );
        assert!(!repaired.fixable());
        let repair = repaired.repair.clone().unwrap();
        assert!(repair.report.is_valid(), "{:?}", repair.report.findings);
        assert_eq!(repair.file_wide, [Fix::RemoveBom]);
        assert_eq!(repair.changes[0].line, 2);
        assert_eq!(
            repair.changes[0].after.as_deref(),
            Some("8946000000000000014,ABC")
        );
        assert!(repair.split.is_none());
    }

    #[test]
    fn big_or_mixed_files_are_split() {
        let mut text = String::from("smdp.example.com\n");
        for i in 0..1_500u64 {
            text.push_str(&format!("{:019},ID{i}\n", 8_946_000_000_000_000_000 + i));
        }
        let checked = file("big.csv", text.as_bytes());
        let repair = Repair::new(&checked, "Skynet");
        let parts = repair.split.unwrap().unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].codes + parts[1].codes, 1_500);
        assert!(
            parts[0].file_name.starts_with("Skynet"),
            "{}",
            parts[0].file_name
        );
    }

    #[test]
    fn findings_are_grouped_into_line_ranges() {
        let mut text = String::from("smdp.example.com\n");
        for i in 0..1_004u64 {
            text.push_str(&format!("{:019};ID{i}\n", 8_946_000_000_000_000_000 + i));
        }
        let checked = file("semi.csv", text.as_bytes());
        let ranges = checked.line_ranges(Code::Delimiter);
        assert_eq!(ranges, [(2, 1005)]);
        assert_eq!(ranges_label(Lang::En, &ranges), "lines 2\u{2013}1,005");
        assert_eq!(ranges_label(Lang::Sv, &[(7, 7)]), "rad 7");
        assert_eq!(
            ranges_label(Lang::En, &[(1, 1), (3, 4), (6, 6), (8, 8), (10, 10)]),
            "lines 1, 3\u{2013}4, 6, 8, \u{2026}"
        );
        assert_eq!(ranges_label(Lang::En, &[]), "");
    }

    #[test]
    fn repaired_files_are_named_after_the_file() {
        assert_eq!(
            fixed_file_name(&Source::File("Skynet.csv".into())),
            "Skynet-fixed.csv"
        );
        assert_eq!(
            fixed_file_name(&Source::File("Skynet-fixed.CSV".into())),
            "Skynet-fixed.csv"
        );
        assert_eq!(fixed_file_name(&Source::Pasted), "codes-fixed.csv");
        assert!(
            !file("pool.csv", VALID).fixable(),
            "a valid file offers no fix"
        );
        assert!(file("pool.txt", VALID).fixable());
    }

    #[test]
    fn the_json_report_is_the_command_lines() {
        let checked = file("pool.csv", VALID);
        let json: serde_json::Value =
            serde_json::from_slice(&report_json(&checked.report, Lang::En)).unwrap();
        assert_eq!(json["valid"], true);
        assert_eq!(json["file"], "pool.csv");
        assert_eq!(json["codes"], 1);
    }

    #[test]
    fn server_findings_are_rebuilt_to_be_written_in_either_language() {
        let bytes = b"smdp.example.com\n8946000000000000014,abcd-1\n8946000000000000022,B\n";
        let rebuilt = ServerFindings::new(bytes, "pool.csv");
        // What the server sent in Swedish (the page asked in Swedish).
        let imported = esim_csv::Finding::iccid_already_imported(
            esim_csv::Position::at(3, 1),
            "8946000000000000022",
            Some("Lager Göteborg"),
        );
        let sv = imported.message(Lang::Sv);
        let finding = rebuilt
            .rebuild("iccid-already-imported", Some(3), Some(1), &sv)
            .expect("rebuilt");
        assert_eq!(finding.message(Lang::En), imported.message(Lang::En));
        assert_eq!(finding.message(Lang::Sv), sv);
        // Delivered, in no pool: no quoted pool name.
        let delivered = esim_csv::Finding::iccid_already_imported(
            esim_csv::Position::at(2, 1),
            "8946000000000000014",
            None,
        );
        let finding = rebuilt
            .rebuild(
                "iccid-already-imported",
                Some(2),
                Some(1),
                &delivered.message(Lang::En),
            )
            .expect("rebuilt");
        assert_eq!(finding.message(Lang::Sv), delivered.message(Lang::Sv));
        // A finding of the file itself: the same check of the same bytes has it.
        let lowercase = rebuilt
            .rebuild(
                "matching-id-lowercase",
                Some(2),
                Some(21),
                "whatever the server said",
            )
            .expect("found in the file");
        assert!(lowercase.message(Lang::Sv).contains("gemener"));
        // Not in the file, or a code esim-csv does not know: the server's words stay.
        assert_eq!(
            rebuilt.rebuild("matching-id-lowercase", Some(3), Some(21), ""),
            None
        );
        assert_eq!(rebuilt.rebuild("pool-locked", None, None, "Locked."), None);
    }

    #[test]
    fn absent_positions_show_a_dash() {
        assert_eq!(position_label(Lang::En, Some(7)), "7");
        assert_eq!(position_label(Lang::En, Some(1_234)), "1,234");
        assert_eq!(position_label(Lang::Sv, None), "\u{2013}");
    }
}
