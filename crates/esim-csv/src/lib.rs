//! Strict validation, repair and splitting of eSIM activation-code CSV files.
//!
//! Mobile operators deliver activation codes as a CSV file: line 1 is the operator's SM-DP+
//! address, every later line is `ICCID,MatchingID`. This crate gives one verdict on such a
//! file wherever it runs - in the browser (WebAssembly), on the server and on the command
//! line - so it does no I/O: it takes bytes and returns a [`Report`].
//!
//! * [`check`] returns every finding of the contract (`docs/findings.md`): a stable
//!   [`Code`], its [`Severity`], the line and column, a message in English or Swedish that
//!   names the value, and the [`Fix`] where one is safe. Validation never stops at the first
//!   problem.
//! * [`parse`] also returns the [`Pool`] - typed [`ActivationCode`]s in Graph's shape - when
//!   the file has no errors. Values come out as [`Iccid`], [`MatchingId`] and
//!   [`SmdpAddress`], which cannot hold a bad value.
//! * [`fix()`] applies every safe fix until nothing changes and validates the result again.
//! * [`split()`] turns a file of more than 1,000 codes, or of several operators, into valid
//!   files.
//! * [`Batch`] checks several files together, so an ICCID repeated across files is found.
//! * [`convert`] turns a carrier export (a header row naming many columns, the activation
//!   code as a Matching ID or an SGP.22 LPA string [`LpaCode`], in UTF-8, UTF-16 or
//!   Windows-1252) into a pool file; [`check`] reports such a file as `carrier-export`
//!   with its findings, and [`fix()`] converts it.
//! * [`check_codes`] checks codes sent as a request body (Graph's `activationCodes`) by
//!   the same rules, each finding placed at the n-th code's field.
//!
//! # Positions
//!
//! A finding's [`Position`] is a line and column of a file, or a field of the n-th code of
//! a request body. In a file, `line` is the 1-based physical line; a line ends at CRLF, LF or a lone CR. `column` is
//! the 1-based position of the first character of the offending value, counted in Unicode
//! scalar values of the decoded line, a byte-order mark not counted; for invalid UTF-8 it
//! is the byte column of the first bad byte. Line-level findings have a line and no column;
//! file-level findings have neither.
//!
//! # Example
//!
//! ```
//! use esim_csv::{check, Code, Lang, Options};
//!
//! let file = b"smdp.example.com\n8946000000000000014,ABCD-1234-XYZ\n894600000000014,ABCD-1235\n";
//! let report = check(file, &Options::file("pool.csv"));
//! assert!(!report.is_valid());
//! let finding = &report.findings[0];
//! assert_eq!(finding.code, Code::IccidLength);
//! assert_eq!((finding.line(), finding.column()), (Some(3), Some(1)));
//! assert_eq!(
//!     finding.message(Lang::En),
//!     "ICCID 894600000000014 has 15 digits; an ICCID has 19 or 20."
//! );
//! ```

mod code;
mod codes;
mod convert;
mod decode;
mod dups;
mod engine;
mod fix;
mod messages;
mod report;
mod rules;
mod scan;
mod split;
mod table;
mod values;
#[cfg(feature = "xlsx")]
mod xlsx;

use std::sync::Arc;

pub use code::{Code, Severity};
pub use codes::{check_codes, CodeInput};
pub use convert::{convert, ColumnRef, ColumnUse, Columns, Conversion, MappedColumn, Mapping};
pub use engine::Validator;
pub use fix::{apply_fixes, fix, Change, Fixed, Fixer};
pub use messages::number;
pub use report::{
    neutralise, sort_findings, CodeField, Detail, Edit, Finding, Fix, JsonFinding, JsonReport,
    Lang, LineEnding, Position, Report,
};
pub use split::{split, split_fixed, Part, SplitError};
pub use values::{
    ActivationCode, Iccid, IccidError, LpaCode, LpaError, LpaFormat, MatchingId, MatchingIdError,
    SmdpAddress, SmdpError, MAX_MATCHING_ID_LEN,
};
#[cfg(feature = "xlsx")]
pub use xlsx::{sheet_text, SheetText};

/// The most activation codes one file may hold.
pub const MAX_CODES: usize = 1000;

/// The default limit of findings kept in a report (all are counted).
pub const DEFAULT_MAX_FINDINGS: usize = 10_000;

/// How to check a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The file name as given (shown in the report). `None` for pasted text.
    pub file_name: Option<String>,
    /// Check that the name ends in `.csv` (off for standard input).
    pub check_extension: bool,
    /// Keep at most this many findings in [`Report::findings`]; all are counted.
    pub max_findings: usize,
    /// Warnings make the file invalid too.
    pub deny_warnings: bool,
    /// Columns of a carrier export to convert from (by name or number); any makes the file
    /// an export. Empty: a file is an export when its header row says so.
    pub columns: Columns,
    /// The sheet of an Excel workbook to read (by name, any case); `None`: the first.
    pub sheet: Option<String>,
    /// The input is the text [`sheet_text`] made of a workbook's sheet (what the browser
    /// checks of a workbook): a carrier export whatever its header says, as the workbook is
    /// on the command line, and a finding's column is the sheet's column (3 is C, as the
    /// spreadsheet shows it), not a character's position in the text.
    pub sheet_text: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            file_name: None,
            check_extension: true,
            max_findings: DEFAULT_MAX_FINDINGS,
            deny_warnings: false,
            columns: Columns::default(),
            sheet: None,
            sheet_text: false,
        }
    }
}

impl Options {
    /// The options for a file of this name.
    pub fn file(name: &str) -> Self {
        Options {
            file_name: Some(name.to_owned()),
            ..Options::default()
        }
    }
}

/// A valid file's content: the SM-DP+ address and its codes, in Graph's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    /// The file's SM-DP+ address.
    pub smdp_address: SmdpAddress,
    /// The codes in file order, each carrying the SM-DP+ address.
    pub codes: Vec<ActivationCode>,
}

/// Checks one file and returns every finding.
pub fn check(input: &[u8], options: &Options) -> Report {
    engine::Validator::run(input, options, false).report
}

/// Checks one file and, when it has no errors, returns its codes as a [`Pool`].
///
/// Warnings do not withhold the pool (the server reads values, not bytes); the report
/// still lists them.
pub fn parse(input: &[u8], options: &Options) -> (Report, Option<Pool>) {
    let out = engine::Validator::run(input, options, true);
    (out.report, out.pool)
}

/// Checks several files as one delivery: an ICCID repeated in a later file is
/// `iccid-duplicate`, naming the earlier file and line.
#[derive(Debug, Default)]
pub struct Batch {
    seen: Arc<engine::Seen>,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Batch::default()
    }

    /// Checks the next file of the batch.
    pub fn check(&mut self, input: &[u8], options: &Options) -> Report {
        let validator = self.validator(options.clone());
        self.finish(validator, input)
    }

    /// A validator for the next file of the batch, to [`feed`](Validator::feed) in steps;
    /// hand it back to [`Batch::finish`], which records the file's ICCIDs for the files
    /// after it. Validators of one batch are finished one at a time, in order.
    pub fn validator(&self, options: Options) -> Validator {
        // The ICCIDs of a file are handed back only to a validator that knows earlier
        // files (so a lone `check` does not pay for the list).
        Validator::with(options, Some(self.seen.clone()), false)
    }

    /// Reads what is left of `input` (the bytes the validator was fed), returns the report,
    /// and records the file's ICCIDs.
    pub fn finish(&mut self, validator: Validator, input: &[u8]) -> Report {
        let out = validator.finish_outcome(input);
        let name: Arc<str> = Arc::from(out.report.file.as_deref().unwrap_or("-"));
        // The validator is gone, so this is the only reference and nothing is copied.
        let seen = Arc::make_mut(&mut self.seen);
        for (key, line) in out.iccids {
            seen.entry(key).or_insert_with(|| (name.clone(), line));
        }
        out.report
    }
}
