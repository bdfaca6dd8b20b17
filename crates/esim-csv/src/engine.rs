//! The validator: one pass over the lines, every finding, no early exit.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;
use std::sync::Arc;

use crate::code::Code;
use crate::decode;
use crate::dups::{self, CodeRec, Dups};
use crate::report::{Edit, Finding, Fix, LineEnding, Report};
use crate::rules;
use crate::scan::{self, column, is_empty_row, is_ws, split, Field, Seps};
use crate::values::{host_span, is_fqdn, is_scientific, SmdpAddress};
use crate::{ActivationCode, Iccid, MatchingId, Options, Pool, MAX_CODES};

/// ICCIDs seen in earlier files of one check: key -> (file, line).
pub(crate) type Seen = HashMap<u128, (Arc<str>, u32), BuildHasherDefault<FxHasher>>;

/// The words of a column-name line, lower case, without ` `, `_`, `-` and `+`.
const HEADER_WORDS: &[&str] = &[
    "iccid",
    "iccids",
    "iccidnumber",
    "integratedcircuitcardidentifier",
    "matchingid",
    "matchingids",
    "matchingidentifier",
    "matchid",
    "smdp",
    "smdpaddress",
    "smdpplus",
    "smdpplusaddress",
    "smdpserver",
    "smdpserveraddress",
    "smdpplusserveraddress",
    "activationcode",
    "activationcodes",
    "eid",
    // Swedish exports.
    "smdpadress",
    "smdpplusadress",
    "smdpserveradress",
    "aktiveringskod",
    "aktiveringskoder",
];

/// A small, fast hasher for integer and short string keys (the Fx hash of rustc). The
/// keys come from the file being checked, so no attacker gains from collisions beyond
/// slowing their own check.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        for b in chunks.remainder() {
            self.add(u64::from(*b));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_u128(&mut self, i: u128) {
        self.add(i as u64);
        self.add((i >> 64) as u64);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

#[derive(Debug)]
struct SmdpLine {
    /// The SM-DP+ line of the section the reader is in, and its host.
    section: (u32, String),
    /// The host as written, scheme and path removed; empty when none could be read.
    host: String,
    address: Option<SmdpAddress>,
    flagged: bool,
}

enum Structural {
    None,
    Delimiter,
    TrailingComma,
    FieldCount,
}

/// Where a value is in the input: byte offset and length. Values that are not a slice of
/// the input (quoted with `""` inside), or lie beyond 4 GiB, get [`NO_SPAN`], which equals
/// nothing. Small entries keep the duplicate sets of a million codes in cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: u32,
    len: u32,
}

const NO_SPAN: Span = Span {
    start: u32::MAX,
    len: 0,
};

impl Span {
    fn bytes(self, input: &[u8]) -> Option<&[u8]> {
        (self != NO_SPAN).then(|| &input[self.start as usize..(self.start + self.len) as usize])
    }
}

/// A validation in progress. [`check`](crate::check) runs one to the end; the browser feeds
/// a big file a few thousand lines at a time, yielding between calls, so the page never
/// freezes and can show progress and cancel.
///
/// ```
/// use esim_csv::{Options, Validator};
///
/// let file = b"smdp.example.com\n8946000000000000014,ABC\n";
/// let mut v = Validator::new(Options::file("pool.csv"));
/// while !v.feed(file, 1) {
///     println!("{} of {} bytes", v.bytes_read(), file.len());
/// }
/// assert!(v.finish(file).is_valid());
/// ```
#[derive(Debug)]
pub struct Validator {
    options: Options,
    earlier: Option<Arc<Seen>>,
    findings: Vec<Finding>,
    file_level: Vec<Finding>,
    counts: BTreeMap<Code, usize>,
    truncated: bool,
    smdp: Option<SmdpLine>,
    smdp_missing_at: Option<u32>,
    codes: usize,
    /// The code lines with a well-formed ICCID, in file order: duplicates are found when
    /// the whole file is read (see [`dups`]).
    dups: Dups,
    /// See [`Validator::plain_mid_max`].
    plain_mid_max: usize,
    collected: Option<Vec<(Iccid, MatchingId)>>,
    // Reading position.
    started: bool,
    done: bool,
    stopped: bool,
    pos: usize,
    line_index: usize,
    bom: bool,
    endings: [usize; 3],
    blanks: Vec<u32>,
    nonblank: bool,
    /// Whether the file converts from Windows-1252, once a line is not UTF-8.
    windows_1252: Option<bool>,
    /// A carrier export being converted (in steps, [`crate::convert::Converter`]).
    converting: Option<Box<crate::convert::Converter>>,
    /// The conversion of a carrier export, once complete: its report is the file's.
    converted: Option<crate::Conversion>,
}

/// A carrier export's pool file, and for each of its lines the export's line it came from
/// (0 for an SM-DP+ line).
pub(crate) type PoolFile = (Vec<u8>, Vec<u32>);

/// What one run gives: the report, the codes when asked for, and the ICCIDs seen.
pub(crate) struct Outcome {
    pub report: Report,
    pub pool: Option<Pool>,
    pub iccids: Vec<(u128, u32)>,
}

impl Validator {
    /// A validation of one file with these options.
    pub fn new(options: Options) -> Self {
        Validator::with(options, None, false)
    }

    pub(crate) fn with(options: Options, earlier: Option<Arc<Seen>>, collect: bool) -> Self {
        Validator {
            options,
            earlier,
            findings: Vec::new(),
            file_level: Vec::new(),
            counts: BTreeMap::new(),
            truncated: false,
            smdp: None,
            smdp_missing_at: None,
            codes: 0,
            dups: Dups::default(),
            plain_mid_max: 0,
            collected: collect.then(Vec::new),
            started: false,
            done: false,
            stopped: false,
            pos: 0,
            line_index: 0,
            bom: false,
            endings: [0; 3],
            blanks: Vec::new(),
            nonblank: false,
            windows_1252: None,
            converting: None,
            converted: None,
        }
    }

    pub(crate) fn run(input: &[u8], options: &Options, collect: bool) -> Outcome {
        Validator::with(options.clone(), None, collect).finish_outcome(input)
    }

    /// How many bytes of the input have been read.
    pub fn bytes_read(&self) -> usize {
        match &self.converting {
            Some(converter) => converter.bytes_read(),
            None => self.pos,
        }
    }

    /// How many code lines have been read so far.
    pub fn codes_read(&self) -> usize {
        self.codes
    }

    /// Reads up to `max_lines` more lines of `input`, which must be the same bytes on every
    /// call. Returns true when the whole input has been read.
    pub fn feed(&mut self, input: &[u8], max_lines: usize) -> bool {
        if !self.started {
            self.started = true;
            self.start(input);
        }
        if let Some(converter) = &mut self.converting {
            if converter.step(input, max_lines) {
                let converter = self.converting.take().expect("converting");
                self.converted = Some(converter.finish());
                self.done = true;
                self.pos = input.len();
            }
            return self.done;
        }
        if self.done {
            return true;
        }
        let mut fields = Vec::new();
        let mut left = max_lines;
        while left > 0 && self.pos < input.len() {
            left -= 1;
            if !self.plain_code_line(input) {
                self.any_line(input, &mut fields);
                self.plain_mid_max = self.plain_mid_max();
            }
        }
        if self.pos >= input.len() {
            self.done = true;
        }
        self.done
    }

    /// Reads the next line, whatever it holds.
    fn any_line<'a>(&mut self, input: &'a [u8], fields: &mut Vec<Field<'a>>) {
        let raw = scan::line_at(&input[self.pos..]);
        let start = self.pos;
        self.pos += raw.len();
        let i = self.line_index;
        self.line_index += 1;
        let ln = u32::try_from(i + 1).unwrap_or(u32::MAX);
        match raw.ending {
            Some(LineEnding::Crlf) => self.endings[0] += 1,
            Some(LineEnding::Lf) => self.endings[1] += 1,
            Some(LineEnding::Cr) => self.endings[2] += 1,
            None => {}
        }
        let skip = if i == 0 && self.bom { 3 } else { 0 };
        let bytes = &input[start + skip..start + raw.bytes.len()];
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(err) => {
                self.nonblank = true;
                let from = self.findings.len();
                self.flush_blanks();
                let at = err.valid_up_to();
                // Windows-1252 converts when every byte of the file maps (asked once).
                let fix = self
                    .windows_1252
                    .get_or_insert_with(|| {
                        decode::Encoding::Windows1252.decode(input).is_some()
                            && std::str::from_utf8(input).is_err()
                    })
                    .then(|| Fix::ConvertEncoding {
                        from: decode::Encoding::Windows1252.name().to_owned(),
                    });
                let mut f = Finding::new(Code::FileEncoding)
                    .at(ln, u32::try_from(at + 1).unwrap_or(u32::MAX))
                    .extra(&format!("{:02X}", bytes[at]));
                if let Some(fix) = fix {
                    f = f.with_fix(fix);
                }
                self.emit(f);
                if self.smdp.is_none() && self.smdp_missing_at.is_none() {
                    self.smdp = Some(SmdpLine {
                        section: (ln, String::new()),
                        host: String::new(),
                        address: None,
                        flagged: true,
                    });
                } else {
                    self.codes += 1;
                }
                self.settle(from);
                return;
            }
        };
        if is_empty_row(text) {
            self.blanks.push(ln);
            return;
        }
        self.nonblank = true;
        let from = self.findings.len();
        self.flush_blanks();
        self.line(input, text, ln, fields);
        self.settle(from);
    }

    /// The longest Matching ID [`plain_code_line`](Self::plain_code_line) may read: 0 before
    /// the SM-DP+ line is known; else 255, or less when a longer one would make the
    /// activation code too long.
    fn plain_mid_max(&self) -> usize {
        match &self.smdp {
            _ if !self.blanks.is_empty() => 0,
            Some(smdp) if !smdp.host.is_empty() => {
                (crate::values::MAX_MATCHING_ID_LEN - 3).saturating_sub(smdp.host.len())
            }
            Some(_) => crate::values::MAX_MATCHING_ID_LEN,
            None if self.smdp_missing_at.is_some() => crate::values::MAX_MATCHING_ID_LEN,
            None => 0,
        }
    }

    /// Reads the next line when it is the common case, a clean code line: an ICCID of 19
    /// or 20 digits starting with `89` and ending in its Luhn digit, a comma, and a
    /// Matching ID of `A-Z 0-9 -` short enough, up to the line break. One pass over its
    /// bytes; such a line has no finding but duplicates (found at the end), which is what
    /// the general path finds on it. Returns false, having read nothing, for any other line.
    #[inline]
    fn plain_code_line(&mut self, input: &[u8]) -> bool {
        let max_mid = self.plain_mid_max;
        let start = self.pos;
        let b = &input[start..];
        // Twenty-four bytes: the ICCID, the comma, a few bytes of the Matching ID (a
        // shorter line, the last of a file at most, takes the general path).
        let Some(head) = b.get(..24) else {
            return false;
        };
        let head: &[u8; 24] = head.try_into().expect("24 bytes");
        if head[..2] != *b"89" {
            return false;
        }
        let Some((key, luhn19, luhn20)) = scan::digits19(head) else {
            return false;
        };
        let (tag, luhn, comma) = match head[19] {
            b',' => (0, luhn19, 19),
            c @ b'0'..=b'9' if head[20] == b',' => (c - b'0' + 1, luhn20 + u32::from(c - b'0'), 20),
            _ => return false,
        };
        if luhn % 10 != 0 {
            return false;
        }
        // The Matching ID, eight bytes at a time, and its fingerprint on the way.
        let mid_start = comma + 1;
        let mut end = mid_start;
        let mut h = 0;
        loop {
            if end + 8 > b.len() || end - mid_start > max_mid {
                return false;
            }
            let w = scan::word(b, end);
            let other = scan::not_mid_bytes(w);
            if other == 0 {
                h = dups::fold(h, w);
                end += 8;
                continue;
            }
            let n = (other.trailing_zeros() / 8) as usize;
            if n > 0 {
                h = dups::fold(h, w & ((1u64 << (8 * n)) - 1));
            }
            end += n;
            break;
        }
        let mid_len = end - mid_start;
        if mid_len == 0 || mid_len > max_mid {
            return false;
        }
        // The line break (the loop above read the byte at `end`): its index in
        // `self.endings` and the line's length with it.
        let (ending, len) = match (b[end], b.get(end + 1)) {
            (b'\n', _) => (1, end + 1),
            (b'\r', Some(b'\n')) => (0, end + 2),
            (b'\r', _) => (2, end + 1),
            _ => return false,
        };
        // The Matching ID's span must fit 32 bits, as on the general path.
        let Ok(mid_at) = u32::try_from(start + mid_start) else {
            return false;
        };
        if u32::try_from(start + end).is_err() {
            return false;
        }
        let mid = &b[mid_start..end];
        let fp = dups::finish(h, mid_len);
        debug_assert_eq!(fp, dups::fingerprint(mid));
        if let Some(codes) = &mut self.collected {
            let text = |v| std::str::from_utf8(v).unwrap_or_default();
            if let (Ok(i), Ok(m)) = (
                Iccid::parse(text(&b[..comma])),
                MatchingId::parse(text(mid)),
            ) {
                codes.push((i, m));
            }
        }
        let ln = u32::try_from(self.line_index + 1).unwrap_or(u32::MAX);
        self.line_index += 1;
        self.pos += len;
        self.endings[ending] += 1;
        self.codes += 1;
        let rec = CodeRec {
            key,
            start,
            line: ln,
            mid: mid_at,
            tag,
            mid_len: mid_len as u8,
        };
        self.dups.push(rec, fp);
        true
    }

    /// Reads what is left and returns the report.
    pub fn finish(self, input: &[u8]) -> Report {
        self.finish_outcome(input).report
    }

    /// Reads what is left and returns the report and, for a carrier export, its
    /// conversion: the pool file and, for each of its lines, the export's line it came from.
    pub(crate) fn finish_converted(mut self, input: &[u8]) -> (Report, Option<PoolFile>) {
        while !self.feed(input, usize::MAX) {}
        match self.converted.take() {
            Some(c) => (c.report, Some((c.bytes, c.origin))),
            None => (self.finish(input), None),
        }
    }

    /// The checks on the whole file that come before its lines.
    fn start(&mut self, input: &[u8]) {
        // A carrier export (or columns chosen) is converted as a whole; its report is the
        // conversion's.
        if self.options.sheet_text
            || !self.options.columns.is_empty()
            || crate::convert::is_export(input)
        {
            // In steps ([`Validator::feed`]): a big export must not hold the page.
            self.converting = Some(Box::new(crate::convert::Converter::new(
                input,
                &self.options,
            )));
            self.stopped = true;
            return;
        }
        if crate::convert::is_workbook(input) {
            // A workbook in a build that does not read them (the browser's).
            self.emit(Finding::new(Code::FileEncoding).extra("xlsx"));
            self.done = true;
            self.stopped = true;
            self.pos = input.len();
            return;
        }
        if let Some(name) = self.options.file_name.as_deref() {
            if self.options.check_extension && !has_csv_extension(name) {
                self.emit_file(Finding::new(Code::FileExtension).value(name));
            }
        }
        if looks_like_utf16(input) {
            let mut f = Finding::new(Code::FileEncoding).at(1, 1).extra("UTF-16");
            if let Some((encoding, _)) = decode::to_utf8(input) {
                f = f.with_fix(Fix::ConvertEncoding {
                    from: encoding.name().to_owned(),
                });
            }
            self.emit(f);
            self.done = true;
            self.stopped = true;
            self.pos = input.len();
            return;
        }
        self.bom = input.starts_with(b"\xEF\xBB\xBF");
        if self.bom {
            self.emit(
                Finding::new(Code::FileBom)
                    .at_line(1)
                    .with_fix(Fix::RemoveBom),
            );
        }
        // Code lines are about 40 bytes; sizing the list up front avoids copying it.
        self.dups.reserve((input.len() / 40).min(1 << 20));
    }

    fn emit(&mut self, f: Finding) {
        *self.counts.entry(f.code).or_default() += 1;
        if !self.truncated {
            self.findings.push(f);
        }
    }

    /// [`emit`](Self::emit), building the finding only when the report keeps it.
    fn emit_with(&mut self, code: Code, f: impl FnOnce() -> Finding) {
        *self.counts.entry(code).or_default() += 1;
        if !self.truncated {
            let f = f();
            debug_assert_eq!(f.code, code);
            self.findings.push(f);
        }
    }

    /// Orders the findings added since `from` (one line's, and the blank lines before it)
    /// by position and applies the limit, so a truncated report keeps the first findings.
    fn settle(&mut self, from: usize) {
        if from < self.findings.len() {
            crate::report::sort_findings(&mut self.findings[from..]);
        }
        if self.findings.len() > self.options.max_findings {
            self.findings.truncate(self.options.max_findings);
            self.truncated = true;
        }
    }

    fn emit_file(&mut self, f: Finding) {
        *self.counts.entry(f.code).or_default() += 1;
        self.file_level.push(f);
    }

    /// The findings on the whole file that come after its lines; the line break to use.
    fn end(&mut self) -> Option<LineEnding> {
        if !self.nonblank && !self.stopped {
            // Only white space and line breaks: `file-empty` and nothing else.
            self.findings.clear();
            self.file_level.clear();
            self.counts.clear();
            self.truncated = false;
            self.emit_file(Finding::new(Code::FileEmpty));
            return None;
        }
        if let Some(&first) = self.blanks.first() {
            let from = self.findings.len();
            self.emit(
                Finding::new(Code::TrailingBlankLines)
                    .at_line(first)
                    .number(self.blanks.len() as u64)
                    .with_fix(Fix::RemoveTrailingBlankLines { from_line: first }),
            );
            self.settle(from);
        }
        let [crlf, lf, cr] = self.endings;
        let kinds = self.endings.iter().filter(|n| **n > 0).count();
        let to = if lf > crlf {
            LineEnding::Lf
        } else {
            LineEnding::Crlf
        };
        if kinds > 1 || cr > 0 {
            let mut parts = Vec::new();
            for (n, name) in [(crlf, "CRLF"), (lf, "LF"), (cr, "CR")] {
                if n > 0 {
                    parts.push(format!("{n} {name}"));
                }
            }
            self.emit_file(
                Finding::new(Code::LineEndingsMixed)
                    .extra(&parts.join(", "))
                    .with_fix(Fix::NormalizeLineEndings { to }),
            );
        }
        (kinds > 0).then_some(to)
    }

    fn flush_blanks(&mut self) {
        for ln in std::mem::take(&mut self.blanks) {
            self.emit(
                Finding::new(Code::BlankLine)
                    .at_line(ln)
                    .with_fix(Fix::RemoveLine { line: ln }),
            );
        }
    }

    fn line<'a>(&mut self, input: &'a [u8], text: &'a str, ln: u32, fields: &mut Vec<Field<'a>>) {
        if is_header(text, fields) {
            self.emit(
                Finding::new(Code::ColumnHeaderRow)
                    .at_line(ln)
                    .value(text.trim_matches(is_ws))
                    .with_fix(Fix::RemoveLine { line: ln }),
            );
            return;
        }
        if self.smdp.is_none() && self.smdp_missing_at.is_none() {
            if let Some(first) = looks_like_code(text, fields) {
                self.emit(Finding::new(Code::SmdpMissing).at_line(ln).value(&first));
                self.smdp_missing_at = Some(ln);
                self.code_line(input, text, ln, fields);
            } else {
                self.smdp_line(text, ln, fields);
            }
            return;
        }
        if let Some((value, host, col)) = second_smdp(text, fields) {
            let f = Finding::new(Code::SecondSmdp).at(ln, col).value(&value);
            // A repeat of the host of the section it is in is removable; a repeat of an
            // earlier host after another one (A, B, A) is not: removing it would move the
            // codes below it to B.
            let f = match &mut self.smdp {
                Some(first) if first.section.1.eq_ignore_ascii_case(&host) => f
                    .other_line(first.section.0)
                    .with_fix(Fix::RemoveLine { line: ln }),
                Some(first) => {
                    let f = f
                        .other_line(first.section.0)
                        .extra(&first.section.1)
                        .with_fix(Fix::Split);
                    first.section = (ln, host);
                    f
                }
                None => f
                    .other_line(self.smdp_missing_at.unwrap_or(1))
                    .extra("-")
                    .with_fix(Fix::Split),
            };
            self.emit(f);
            // Trailing white space is outside the value read; it is padding when no
            // separator follows the value.
            let trimmed = text.trim_end_matches(is_ws).len();
            let extra = (fields[0].raw.end == trimmed && trimmed < text.len())
                .then_some(trimmed..text.len());
            self.padding_and_quotes(text, ln, &fields[0], extra);
            return;
        }
        self.code_line(input, text, ln, fields);
    }

    fn smdp_line<'a>(&mut self, text: &'a str, ln: u32, fields: &mut Vec<Field<'a>>) {
        let core = text.trim_end_matches(is_ws);
        split(core, value_seps(text), fields);
        let first = &fields[0];
        let value: &str = &first.value;
        let (hs, he) = host_span(value);
        let mut smdp = SmdpLine {
            section: (ln, value[hs..he].to_owned()),
            host: value[hs..he].to_owned(),
            address: None,
            flagged: true,
        };
        let col = column(text, first.value_start);
        if fields.len() > 1 {
            let removable = fields[1..].iter().all(|f| f.value.is_empty() && !f.quoted);
            let mut f = Finding::new(Code::SmdpExtraFields)
                .at(ln, col)
                .value(value)
                .number(fields.len() as u64);
            if removable {
                f = f.with_fix(edit(text, ln, [(first.raw.end..text.len(), "")]));
            }
            self.emit(f);
        } else {
            match rules::smdp_address(value, |code| Finding::new(code).at(ln, col).value(value)) {
                Ok(address) => {
                    smdp.address = Some(address);
                    smdp.flagged = false;
                }
                Err(f) => {
                    let mut f = *f;
                    if f.code == Code::SmdpScheme
                        && !smdp.host.is_empty()
                        && matches!(first.value, Cow::Borrowed(_))
                    {
                        let span = first.value_start..first.value_start + value.len();
                        f = f.with_fix(edit(text, ln, [(span, smdp.host.as_str())]));
                    }
                    self.emit(f);
                }
            }
        }
        let trailing_ws = fields.len() == 1 && core.len() < text.len();
        self.padding_and_quotes(
            text,
            ln,
            first,
            trailing_ws.then_some(core.len()..text.len()),
        );
        self.smdp = Some(smdp);
    }

    fn padding_and_quotes(
        &mut self,
        text: &str,
        ln: u32,
        f: &Field<'_>,
        extra_ws: Option<Range<usize>>,
    ) {
        if !f.padded && !f.quoted && extra_ws.is_none() {
            return;
        }
        let col = column(text, f.raw.start);
        let end = extra_ws.as_ref().map_or(f.raw.end, |r| r.end);
        if f.padded || extra_ws.is_some() {
            // Show the value with its white space, without the quotes around it.
            let shown: String = if f.quoted {
                let (open, close) = quote_positions(text, f);
                [
                    &text[f.raw.start..open],
                    &text[open + 1..close],
                    &text[close + 1..end],
                ]
                .concat()
            } else {
                text[f.raw.start..end].to_owned()
            };
            let mut spans = padding_spans(text, f);
            spans.extend(extra_ws);
            let spans = spans.into_iter().map(|r| (r, ""));
            self.emit(
                Finding::new(Code::Whitespace)
                    .at(ln, col)
                    .value(&shown)
                    .with_fix(edit(text, ln, spans)),
            );
        }
        if f.quoted {
            let mut finding = Finding::new(Code::QuotedField).at(ln, col).value(&f.value);
            // Unquoting a value that holds a separator or a quote would change the line's
            // values, which is not a mechanical fix.
            if !f.value.contains([',', ';', '\t', '"']) {
                let spans = quote_spans(text, f).into_iter().map(|r| (r, ""));
                finding = finding.with_fix(edit(text, ln, spans));
            }
            self.emit(finding);
        }
    }

    fn code_line<'a>(
        &mut self,
        input: &'a [u8],
        text: &'a str,
        ln: u32,
        fields: &mut Vec<Field<'a>>,
    ) {
        self.codes += 1;
        let (sep, delimiter_fixable) = code_fields(text, fields);

        let structural = if sep != b',' {
            let seps = fields[..fields.len() - 1]
                .iter()
                .map(|f| (f.raw.end..f.raw.end + 1, ","));
            let mut finding = Finding::new(Code::Delimiter)
                .at_line(ln)
                .extra(if sep == b';' { ";" } else { "\t" });
            if delimiter_fixable {
                finding = finding.with_fix(edit(text, ln, seps));
            }
            self.emit(finding);
            Structural::Delimiter
        } else if fields.len() > 2 && fields[2..].iter().all(|f| f.value.is_empty()) {
            self.emit(
                Finding::new(Code::TrailingComma)
                    .at_line(ln)
                    .number(fields.len() as u64 - 2)
                    .with_fix(edit(text, ln, [(fields[1].raw.end..text.len(), "")])),
            );
            Structural::TrailingComma
        } else if fields.len() != 2 {
            self.emit(
                Finding::new(Code::FieldCount)
                    .at_line(ln)
                    .number(fields.len() as u64),
            );
            Structural::FieldCount
        } else {
            Structural::None
        };

        for f in fields.iter().take(2) {
            self.padding_and_quotes(text, ln, f, None);
        }
        let iccid = self.iccid(text, ln, &fields[0]);
        let mid = match fields.get(1) {
            Some(f) => self.matching_id(text, ln, f, &structural),
            None => false,
        };
        let Some((key, tag)) = iccid else {
            return;
        };
        let mut rec = CodeRec {
            key,
            tag,
            start: text_offset(input, text),
            line: ln,
            mid: 0,
            mid_len: 0,
        };
        let mut fp = 0;
        if mid {
            let value = fields[1].value.as_bytes();
            let span = span_of(input, &fields[1].value);
            // A well-formed Matching ID has at most 255 bytes.
            if let (true, Ok(len)) = (span != NO_SPAN, u8::try_from(value.len())) {
                rec.mid = span.start;
                rec.mid_len = len;
                fp = dups::fingerprint(value);
            }
            if matches!(structural, Structural::None) {
                if let Some(codes) = &mut self.collected {
                    if let (Ok(i), Ok(m)) = (
                        Iccid::parse(&fields[0].value),
                        MatchingId::parse(&fields[1].value),
                    ) {
                        codes.push((i, m));
                    }
                }
            }
        }
        self.dups.push(rec, fp);
    }

    /// The ICCID checks ([`rules::iccid`]); returns the key of a well-formed ICCID.
    fn iccid(&mut self, text: &str, ln: u32, f: &Field<'_>) -> Option<(u64, u8)> {
        let v: &str = &f.value;
        // The column is counted only for a finding (it scans the line).
        let at = |code| {
            Finding::new(code)
                .at(ln, column(text, f.value_start))
                .value(v)
        };
        rules::iccid(v, at, self)
    }

    /// The Matching ID checks ([`rules::matching_id`]); returns true for a well-formed
    /// Matching ID.
    fn matching_id(&mut self, text: &str, ln: u32, f: &Field<'_>, structural: &Structural) -> bool {
        let v: &str = &f.value;
        if v.is_empty() && matches!(structural, Structural::FieldCount) {
            return false;
        }
        let at = |code| {
            let f = Finding::new(code).at(ln, column(text, f.value_start));
            if code == Code::MatchingIdEmpty {
                f
            } else {
                f.value(v)
            }
        };
        // The host is lent to the rule while the validator takes its findings.
        let smdp = self.smdp.take();
        let host = smdp.as_ref().map(|s| s.host.as_str());
        let ok = rules::matching_id(v, host, at, self);
        self.smdp = smdp;
        ok
    }

    /// The duplicate findings, found once every line is read: counted, and the first ones
    /// (as many as a report keeps) returned in order. Also the file's ICCIDs with their
    /// first line, when a batch asks for them.
    fn duplicates(&mut self, input: &[u8]) -> (Vec<Finding>, Vec<(u128, u32)>) {
        let mut codes = std::mem::take(&mut self.dups);
        let iccid_dups = codes.iccid_repeats();
        let mut repeated = Vec::new();
        if !iccid_dups.is_empty() {
            repeated.resize(codes.records.len(), false);
            for &(later, _) in &iccid_dups {
                repeated[later] = true;
            }
        }
        let is_new = |i: usize| !repeated.get(i).copied().unwrap_or(false);
        let mid_dups = codes.mid_repeats(input, iccid_dups.is_empty(), is_new);
        let recs = codes.records;

        // In the order a line-by-line check finds them: by line, the ICCID first.
        let mut late: Vec<(usize, Late)> = iccid_dups
            .iter()
            .map(|&(later, first)| (later, Late::Iccid(first)))
            .collect();
        if let Some(seen) = self.earlier.as_ref().filter(|seen| !seen.is_empty()) {
            for (i, r) in recs.iter().enumerate() {
                if is_new(i) {
                    if let Some((file, first)) = seen.get(&r.wide_key()) {
                        late.push((i, Late::Earlier(file.clone(), *first)));
                    }
                }
            }
        }
        late.extend(
            mid_dups
                .iter()
                .map(|&(later, first)| (later, Late::Mid(first))),
        );
        late.sort_by_key(|(i, kind)| (*i, matches!(kind, Late::Mid(_))));

        let keep = self.options.max_findings;
        // Those beyond the limit are counted and not kept, as in a report.
        self.truncated |= late.len() > keep;
        let mut found = Vec::with_capacity(late.len().min(keep));
        let mut fields = Vec::new();
        for (n, (i, kind)) in late.into_iter().enumerate() {
            let code = match kind {
                Late::Mid(_) => Code::MatchingIdDuplicate,
                _ => Code::IccidDuplicate,
            };
            *self.counts.entry(code).or_default() += 1;
            if n < keep {
                found.push(late_finding(input, &recs, i, kind, &mut fields));
            }
        }
        let iccids = if self.earlier.is_some() {
            recs.iter()
                .enumerate()
                .filter(|(i, _)| is_new(*i))
                .map(|(_, r)| (r.wide_key(), r.line))
                .collect()
        } else {
            Vec::new()
        };
        (found, iccids)
    }

    pub(crate) fn finish_outcome(mut self, input: &[u8]) -> Outcome {
        while !self.feed(input, usize::MAX) {}
        if let Some(conversion) = self.converted.take() {
            return Outcome {
                report: conversion.report,
                pool: None,
                iccids: Vec::new(),
            };
        }
        let line_ending = self.end();
        let (late, iccids) = self.duplicates(input);
        let empty = self.counts.contains_key(&Code::FileEmpty)
            || self.counts.contains_key(&Code::FileEncoding) && self.smdp.is_none();
        if !empty {
            if self.smdp.is_none() && self.smdp_missing_at.is_none() {
                self.emit_file(Finding::new(Code::SmdpMissing));
            }
            if self.codes == 0 {
                self.emit_file(Finding::new(Code::NoCodes));
            } else if self.codes > MAX_CODES {
                self.emit_file(
                    Finding::new(Code::TooManyCodes)
                        .number(self.codes as u64)
                        .with_fix(Fix::Split),
                );
            }
        }
        let mut findings = std::mem::take(&mut self.file_level);
        crate::report::sort_findings(&mut self.findings);
        findings.extend(merge(std::mem::take(&mut self.findings), late));
        let mut truncated = self.truncated;
        if findings.len() > self.options.max_findings {
            findings.truncate(self.options.max_findings);
            truncated = true;
        }
        let smdp_address = self
            .smdp
            .as_ref()
            .filter(|s| !s.flagged)
            .and_then(|s| s.address.clone());
        let report = Report {
            file: self.options.file_name.take(),
            smdp_address,
            codes: self.codes,
            counts: self.counts,
            findings,
            truncated,
            deny_warnings: self.options.deny_warnings,
            line_ending,
            conversion: None,
        };
        let pool = match (self.collected, &report.smdp_address) {
            (Some(codes), Some(address)) if report.errors() == 0 => Some(Pool {
                smdp_address: address.clone(),
                codes: codes
                    .into_iter()
                    .map(|(i, m)| ActivationCode {
                        integrated_circuit_card_identifier: i,
                        matching_identifier: m,
                        smdp_plus_server_address: address.clone(),
                    })
                    .collect(),
            }),
            _ => None,
        };
        Outcome {
            report,
            pool,
            iccids,
        }
    }
}

impl rules::Sink for Validator {
    #[inline]
    fn emit(&mut self, f: Finding) {
        Validator::emit(self, f);
    }
    #[inline]
    fn emit_with(&mut self, code: Code, f: impl FnOnce() -> Finding) {
        Validator::emit_with(self, code, f);
    }
}

/// A duplicate found at the end, of the record it is attached to.
enum Late {
    /// The ICCID of this record's first line.
    Iccid(usize),
    /// An ICCID of an earlier file: its name and line.
    Earlier(Arc<str>, u32),
    /// The Matching ID of this record's first line.
    Mid(usize),
}

/// The finding of a duplicate, its line read again for positions and values.
fn late_finding<'a>(
    input: &'a [u8],
    recs: &[CodeRec],
    i: usize,
    kind: Late,
    fields: &mut Vec<Field<'a>>,
) -> Finding {
    let rec = &recs[i];
    let ln = rec.line;
    match kind {
        Late::Mid(first) => {
            let text = line_text(input, rec);
            let value = std::str::from_utf8(rec.mid_bytes(input)).unwrap_or_default();
            Finding::new(Code::MatchingIdDuplicate)
                .at(ln, column(text, rec.mid as usize - rec.start))
                .value(value)
                .other_line(recs[first].line)
        }
        Late::Earlier(file, first) => {
            let text = line_text(input, rec);
            code_fields(text, fields);
            let f0 = &fields[0];
            Finding::new(Code::IccidDuplicate)
                .at(ln, column(text, f0.value_start))
                .value(&f0.value)
                .other_line(first)
                .other_file(&file)
        }
        Late::Iccid(first) => {
            // An exact duplicate (both lines plain pairs, the same Matching ID) is removable.
            code_fields(line_text(input, &recs[first]), fields);
            let (first_pair, first_mid) = pair_and_mid(input, fields);
            let text = line_text(input, rec);
            code_fields(text, fields);
            let (pair, mid) = pair_and_mid(input, fields);
            let same_mid = mid.bytes(input).is_some() && mid.bytes(input) == first_mid.bytes(input);
            let f0 = &fields[0];
            let f = Finding::new(Code::IccidDuplicate)
                .at(ln, column(text, f0.value_start))
                .value(&f0.value)
                .other_line(recs[first].line);
            if pair && first_pair && same_mid {
                f.with_fix(Fix::RemoveLine { line: ln })
            } else {
                f
            }
        }
    }
}

/// Whether a code line is a plain pair (no extra values), and where its second value is.
fn pair_and_mid(input: &[u8], fields: &[Field<'_>]) -> (bool, Span) {
    let pair = fields.len() >= 2 && fields[2..].iter().all(|f| f.value.is_empty());
    let mid = fields.get(1).map_or(NO_SPAN, |f| span_of(input, &f.value));
    (pair, mid)
}

/// The text of a recorded code line (valid UTF-8 when it was read).
fn line_text<'a>(input: &'a [u8], rec: &CodeRec) -> &'a str {
    let rest = &input[rec.start..];
    let end = memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
    std::str::from_utf8(&rest[..end]).unwrap_or_default()
}

/// The byte offset of `text`, a slice of `input`, in it.
fn text_offset(input: &[u8], text: &str) -> usize {
    (text.as_ptr() as usize).wrapping_sub(input.as_ptr() as usize)
}

/// `a` and `b`, both in order of position, merged; at equal positions `a` first (the
/// duplicate findings in `b` come last of their line's checks).
fn merge(a: Vec<Finding>, b: Vec<Finding>) -> Vec<Finding> {
    if b.is_empty() {
        return a;
    }
    let key = crate::report::sort_key;
    let mut out = Vec::with_capacity(a.len() + b.len());
    let mut b = b.into_iter().peekable();
    for f in a {
        while let Some(x) = b.next_if(|x| key(x) < key(&f)) {
            out.push(x);
        }
        out.push(f);
    }
    out.extend(b);
    out
}

/// The values of a code line: at commas, unless it is `;`- or tab-separated (then that
/// separator, and whether replacing it with commas is a safe fix).
fn code_fields<'a>(text: &'a str, fields: &mut Vec<Field<'a>>) -> (u8, bool) {
    let mut sep = b',';
    // Replacing the separators with commas is a safe fix unless the line has commas of
    // its own (a decimal comma of a European spreadsheet: `8,946E+18;ABC`).
    let mut delimiter_fixable = true;
    if !scan::plain_pair(text, fields) {
        let core = text.trim_end_matches(|c| matches!(c, ',' | ';' | '\t') || is_ws(c));
        let comma = scan::has_sep(core, b',');
        if !comma || decimal_commas_only(core) {
            if scan::has_sep(core, b';') {
                sep = b';';
            } else if scan::has_sep(core, b'\t') {
                sep = b'\t';
            }
        }
        delimiter_fixable = !core.contains(',');
        split(text, Seps::One(sep), fields);
    }
    (sep, delimiter_fixable)
}

/// Where a value is in the input, when it is a slice of it (an unescaped quoted value is
/// a new string, outside the input).
fn span_of(input: &[u8], value: &str) -> Span {
    let start = (value.as_ptr() as usize).wrapping_sub(input.as_ptr() as usize);
    if start <= input.len() && input.len() - start >= value.len() {
        match (u32::try_from(start), u32::try_from(start + value.len())) {
            (Ok(start), Ok(_)) => Span {
                start,
                len: value.len() as u32,
            },
            _ => NO_SPAN,
        }
    } else {
        NO_SPAN
    }
}

/// Builds an edit fix from byte spans of `text`.
fn edit<'s>(text: &str, ln: u32, spans: impl IntoIterator<Item = (Range<usize>, &'s str)>) -> Fix {
    let edits: Vec<Edit> = spans
        .into_iter()
        .map(|(r, with)| Edit {
            column: column(text, r.start),
            length: u32::try_from(text[r].chars().count()).unwrap_or(u32::MAX),
            text: with.to_owned(),
        })
        .collect();
    edits_fix(ln, edits)
}

/// The edit fix of line `ln`, its edits in column order. Not generic, unlike [`edit`]: the
/// sort is compiled once, not once per kind of span list (it is a few KB of wasm each).
fn edits_fix(ln: u32, mut edits: Vec<Edit>) -> Fix {
    edits.sort_by_key(|e| e.column);
    Fix::Edit { line: ln, edits }
}

/// The byte offsets of the opening and closing quote of a quoted value.
fn quote_positions(text: &str, f: &Field<'_>) -> (usize, usize) {
    let raw = &text[f.raw.start..f.raw.end];
    let open = f.raw.start + raw.find('"').unwrap_or(0);
    let close = f.raw.start + raw.rfind('"').unwrap_or(0);
    (open, close)
}

/// The byte spans of white space around a value, outside and inside its quotes.
fn padding_spans(text: &str, f: &Field<'_>) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let value_end = f.value_start + raw_len(text, f);
    let spans = if f.quoted {
        let (open, close) = quote_positions(text, f);
        debug_assert_eq!(b[open], b'"');
        vec![
            f.raw.start..open,
            open + 1..f.value_start,
            value_end..close,
            close + 1..f.raw.end,
        ]
    } else {
        vec![f.raw.start..f.value_start, value_end..f.raw.end]
    };
    spans.into_iter().filter(|r| !r.is_empty()).collect()
}

/// The byte spans to delete to unquote a value: both quotes and one of each `""`.
fn quote_spans(text: &str, f: &Field<'_>) -> Vec<Range<usize>> {
    let (open, close) = quote_positions(text, f);
    let mut spans = Vec::with_capacity(2);
    spans.push(open..open + 1);
    let inner = &text.as_bytes()[open + 1..close];
    let mut i = 0;
    while i + 1 < inner.len() {
        if inner[i] == b'"' && inner[i + 1] == b'"' {
            spans.push(open + 1 + i..open + 2 + i);
            i += 2;
        } else {
            i += 1;
        }
    }
    spans.push(close..close + 1);
    spans
}

/// The length in bytes of the cleaned value as it stands in the line (escapes included).
fn raw_len(text: &str, f: &Field<'_>) -> usize {
    match &f.value {
        Cow::Borrowed(v) => v.len(),
        Cow::Owned(_) => {
            let (_, close) = quote_positions(text, f);
            text[f.value_start..close].trim_end_matches(is_ws).len()
        }
    }
}

/// True when every comma of the line stands between two digits: decimal commas, as a
/// European spreadsheet writes numbers, not separators.
fn decimal_commas_only(line: &str) -> bool {
    let b = line.as_bytes();
    b.iter().enumerate().all(|(i, &c)| {
        c != b','
            || (i > 0 && b[i - 1].is_ascii_digit() && b.get(i + 1).is_some_and(u8::is_ascii_digit))
    })
}

fn has_csv_extension(name: &str) -> bool {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.len() > 4 && base[base.len() - 4..].eq_ignore_ascii_case(".csv")
}

/// A UTF-16 byte-order mark, or many NUL bytes (UTF-16 without a mark).
fn looks_like_utf16(input: &[u8]) -> bool {
    if input.starts_with(b"\xFF\xFE") || input.starts_with(b"\xFE\xFF") {
        return true;
    }
    let head = &input[..input.len().min(512)];
    head.len() >= 4 && head.iter().filter(|b| **b == 0).count() * 4 >= head.len()
}

fn is_header<'a>(text: &'a str, fields: &mut Vec<Field<'a>>) -> bool {
    // Column names have no digits; code lines always do. This keeps the common case cheap.
    if text.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    split(text, Seps::Any, fields);
    let mut words = 0;
    for f in fields.iter() {
        if f.value.is_empty() {
            continue;
        }
        // Column names are letters, spaces, `_`, `-` (and the `+` of "SM-DP+"); a dot
        // makes a host name (`smdp.plus`), never a column name.
        if f.value.contains('.') {
            return false;
        }
        let norm: String = f
            .value
            .chars()
            .filter(|c| !matches!(c, ' ' | '_' | '-' | '+'))
            .flat_map(char::to_lowercase)
            .collect();
        if !HEADER_WORDS.contains(&norm.as_str()) {
            return false;
        }
        words += 1;
    }
    words > 0
}

/// The first value when the line looks like a code line (digits first).
fn looks_like_code<'a>(text: &'a str, fields: &mut Vec<Field<'a>>) -> Option<String> {
    split(text, Seps::Any, fields);
    let v: &str = &fields[0].value;
    let numeric = !v.is_empty() && (v.bytes().all(|b| b.is_ascii_digit()) || is_scientific(v));
    numeric.then(|| v.to_owned())
}

/// The separators of a line that should hold one value (an SM-DP+ line): any of `,`, `;`
/// and tab between values; but a tab only before or after the value is white space.
fn value_seps(text: &str) -> Seps {
    let inner = text.trim_matches(is_ws);
    if inner.bytes().any(|b| matches!(b, b',' | b';' | b'\t')) {
        Seps::Any
    } else {
        Seps::One(b',')
    }
}

/// The host of a second SM-DP+ line, as `split` groups codes by it.
pub(crate) fn second_smdp_host(text: &str) -> Option<String> {
    second_smdp(text, &mut Vec::new()).map(|(_, host, _)| host)
}

/// A line holding one host name or URL with a host: `(value, host, column)`.
fn second_smdp<'a>(text: &'a str, fields: &mut Vec<Field<'a>>) -> Option<(String, String, u32)> {
    // A host name has a dot; code lines have none.
    if !text.as_bytes().contains(&b'.') {
        return None;
    }
    let core = text.trim_end_matches(|c| matches!(c, ',' | ';' | '\t') || is_ws(c));
    split(core, value_seps(core), fields);
    if fields.len() != 1 {
        return None;
    }
    let v: &str = &fields[0].value;
    let (hs, he) = host_span(v);
    let host = &v[hs..he];
    is_fqdn(host).then(|| {
        (
            v.to_owned(),
            host.to_owned(),
            column(text, fields[0].value_start),
        )
    })
}
