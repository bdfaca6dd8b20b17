//! Carrier exports as they arrive: a header row naming many columns (ICCID, EID, IMSI, ...,
//! the activation code as a Matching ID or an LPA string), `,`, `;` or tab separated, in
//! UTF-8, UTF-16 or Windows-1252 - converted into a pool file. Every decision is in the
//! [`Mapping`]; every problem is a finding at the export's line and column.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::code::Code;
use crate::decode::{self, Encoding};
use crate::report::{report, Finding, Fix, Report, Shape};
use crate::rules;
use crate::scan::{self, column, is_empty_row, split, Lines, Seps};
pub(crate) use crate::table::{Cell, Row};
use crate::{Options, SmdpAddress, MAX_CODES};

/// A column of an export as the user names it: by its header or by its 1-based number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnRef {
    /// The header cell's text (compared ignoring case, spaces, `_`, `-` and `+`).
    Name(String),
    /// The column's number, counting from 1.
    Number(usize),
}

impl FromStr for ColumnRef {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err("a column name or number is needed".into());
        }
        if s.bytes().all(|b| b.is_ascii_digit()) {
            match s.parse::<usize>() {
                Ok(0) | Err(_) => Err("columns are numbered from 1".into()),
                Ok(n) => Ok(ColumnRef::Number(n)),
            }
        } else {
            Ok(ColumnRef::Name(s.to_owned()))
        }
    }
}

impl fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnRef::Name(n) => write!(f, "\"{n}\""),
            ColumnRef::Number(n) => write!(f, "{n}"),
        }
    }
}

/// The columns to convert from, when the header does not name them (or names them
/// ambiguously). Any column given makes the file a carrier export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Columns {
    /// The ICCIDs.
    pub iccid: Option<ColumnRef>,
    /// The Matching IDs (when there is no LPA column).
    pub matching_id: Option<ColumnRef>,
    /// The LPA activation codes (`LPA:1$<SM-DP+>$<Matching ID>`).
    pub lpa: Option<ColumnRef>,
    /// The SM-DP+ addresses (when there is no LPA column).
    pub smdp_address: Option<ColumnRef>,
}

impl Columns {
    /// True when no column is chosen.
    pub fn is_empty(&self) -> bool {
        self.iccid.is_none()
            && self.matching_id.is_none()
            && self.lpa.is_none()
            && self.smdp_address.is_none()
    }

    fn get(&self, role: ColumnUse) -> Option<&ColumnRef> {
        match role {
            ColumnUse::Iccid => self.iccid.as_ref(),
            ColumnUse::MatchingId => self.matching_id.as_ref(),
            ColumnUse::Lpa => self.lpa.as_ref(),
            ColumnUse::SmdpAddress => self.smdp_address.as_ref(),
        }
    }
}

/// What a column of an export is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ColumnUse {
    /// ICCIDs.
    Iccid,
    /// Matching IDs.
    MatchingId,
    /// LPA activation codes (the SM-DP+ address and the Matching ID).
    Lpa,
    /// SM-DP+ addresses.
    SmdpAddress,
}

impl ColumnUse {
    const ALL: [ColumnUse; 4] = [
        ColumnUse::Iccid,
        ColumnUse::MatchingId,
        ColumnUse::Lpa,
        ColumnUse::SmdpAddress,
    ];

    /// The name in reports, such as `ICCID`.
    pub fn label(self) -> &'static str {
        match self {
            ColumnUse::Iccid => "ICCID",
            ColumnUse::MatchingId => "Matching ID",
            ColumnUse::Lpa => "LPA activation code",
            ColumnUse::SmdpAddress => "SM-DP+ address",
        }
    }

    /// The command-line option that chooses this column.
    pub fn option(self) -> &'static str {
        match self {
            ColumnUse::Iccid => "--iccid-column",
            ColumnUse::MatchingId => "--matching-id-column",
            ColumnUse::Lpa => "--lpa-column",
            ColumnUse::SmdpAddress => "--smdp-column",
        }
    }
}

/// Header names, without case, spaces, `_`, `-`, `+` and `.`.
fn role_of(name: &str) -> Option<ColumnUse> {
    let n = normalise(name);
    Some(match n.as_str() {
        "iccid"
        | "iccids"
        | "iccidnumber"
        | "iccidnr"
        | "integratedcircuitcardidentifier"
        | "simserial"
        | "simserialnumber"
        | "simserialno" => ColumnUse::Iccid,
        "matchingid"
        | "matchingids"
        | "matchingidentifier"
        | "matchid"
        | "actoken"
        | "activationcodetoken" => ColumnUse::MatchingId,
        "activationcode" | "activationcodes" | "lpa" | "lpastring" | "lpacode"
        | "lpaactivationcode" | "qr" | "qrcode" | "qrcodecontent" | "qrcontent"
        | "aktiveringskod" => ColumnUse::Lpa,
        "smdp"
        | "smdpaddress"
        | "smdpplus"
        | "smdpplusaddress"
        | "smdpserver"
        | "smdpserveraddress"
        | "smdpplusserveraddress"
        | "smdpadress"
        | "smdpplusadress"
        | "smdpserveradress" => ColumnUse::SmdpAddress,
        _ => return None,
    })
}

fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '+' | '.') && !scan::is_ws(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// One column of an export and what the conversion does with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MappedColumn {
    /// The column's number, from 1.
    pub number: usize,
    /// Its header cell, when the export has a header row.
    pub name: Option<String>,
    /// What it is used for; `None`: left out of the pool file.
    #[serde(rename = "use")]
    pub used_as: Option<ColumnUse>,
    /// Why: `header` (a known name), `option` (chosen by the user) or `content` (a column
    /// named "activation code" that holds no LPA strings, read as Matching IDs).
    pub by: Option<&'static str>,
}

/// How an export was read: every decision the conversion took.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mapping {
    /// The encoding the text was converted from (`utf-16le`, `utf-16be`,
    /// `windows-1252`); `None` for UTF-8.
    pub encoding: Option<&'static str>,
    /// The sheet read, for an Excel workbook.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// The header row's line, or `None` when the export has none.
    pub header_line: Option<u32>,
    /// The separator of the values (`,`, `;` or a tab; empty for a workbook).
    pub delimiter: String,
    /// Every column, used or left out.
    pub columns: Vec<MappedColumn>,
    /// The data rows read (each becomes a code line).
    pub rows: usize,
}

impl Mapping {
    /// The columns left out of the pool file.
    pub fn left_out(&self) -> impl Iterator<Item = &MappedColumn> {
        self.columns.iter().filter(|c| c.used_as.is_none())
    }
}

/// The outcome of [`convert`].
#[derive(Debug, Clone)]
pub struct Conversion {
    /// How the export was read.
    pub mapping: Mapping,
    /// Findings at the export's lines and columns: the mapping, the LPA strings and the
    /// values (duplicates are found in the pool file).
    pub report: Report,
    /// The pool file: the SM-DP+ line, then one `ICCID,MatchingID` line per row (CRLF);
    /// where the operator changes, another SM-DP+ line (`esim-csv split` separates them).
    pub bytes: Vec<u8>,
    /// For each line of `bytes`, the export's line it came from (0 for an SM-DP+ line).
    pub origin: Vec<u32>,
}

/// The rows of a text table in UTF-8 (without a byte-order mark) and its separator. With
/// `cells` (the text of a workbook's sheet, [`crate::sheet_text`]) a cell's column is its
/// place in the row (the sheet's column), else the character where its value starts.
pub(crate) fn text_rows(text: &str, cells: bool) -> (Vec<Row>, u8) {
    let sep = separator(text.as_bytes());
    let mut fields = Vec::new();
    let rows = Lines::new(text.as_bytes())
        .enumerate()
        .filter_map(|(i, raw)| {
            let line = std::str::from_utf8(raw.bytes).unwrap_or("");
            text_row(line, i, sep, cells, &mut fields)
        })
        .collect();
    (rows, sep)
}

/// The separator of a text table: of `,`, `;` and tab, the one its first line with a
/// value has most of (`,` on a tie).
fn separator(text: &[u8]) -> u8 {
    let first = Lines::new(text)
        .map(|l| std::str::from_utf8(l.bytes).unwrap_or(""))
        .find(|t| !is_empty_row(t))
        .unwrap_or("");
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|s| (first.bytes().filter(|b| b == s).count(), *s == b','))
        .unwrap_or(b',')
}

/// The row of line `index` (0-based) of a text table; `None` when it holds no value.
fn text_row<'a>(
    line: &'a str,
    index: usize,
    sep: u8,
    cells: bool,
    fields: &mut Vec<scan::Field<'a>>,
) -> Option<Row> {
    if line
        .trim_matches(|c| scan::is_ws(c) || c == sep as char)
        .is_empty()
    {
        return None;
    }
    split(line, Seps::One(sep), fields);
    let cells = fields
        .iter()
        .enumerate()
        .map(|(n, f)| Cell {
            text: f.value.to_string(),
            column: if cells {
                u32::try_from(n + 1).unwrap_or(u32::MAX)
            } else {
                column(line, f.value_start)
            },
            inner: !cells && matches!(f.value, std::borrow::Cow::Borrowed(_)),
        })
        .collect();
    Some(Row {
        line: u32::try_from(index + 1).unwrap_or(u32::MAX),
        cells,
    })
}

/// True when the first row names its columns and reads as a carrier export, not a pool
/// file: it names the ICCIDs and the Matching IDs or LPA strings, and more (an LPA or
/// SM-DP+ column, or other columns), and the next row is not an SM-DP+ address.
pub(crate) fn looks_like_export(rows: &[Row]) -> bool {
    let Some(header) = rows.first() else {
        return false;
    };
    let roles: Vec<Option<ColumnUse>> = header.cells.iter().map(|c| role_of(&c.text)).collect();
    let has = |r: ColumnUse| roles.contains(&Some(r));
    let named = header.cells.iter().filter(|c| !c.text.is_empty()).count();
    let codes = has(ColumnUse::MatchingId) || has(ColumnUse::Lpa);
    let more = has(ColumnUse::Lpa) || has(ColumnUse::SmdpAddress) || named > 2;
    let next_is_host = rows.get(1).is_some_and(|r| {
        let values: Vec<&Cell> = r.cells.iter().filter(|c| !c.text.is_empty()).collect();
        values.len() == 1 && values[0].text.contains('.') && !values[0].text.contains('$')
    });
    has(ColumnUse::Iccid) && codes && more && !next_is_host
}

/// True when the file is a carrier export ([`looks_like_export`] on its first rows, in
/// UTF-8, UTF-16 with a byte-order mark or Windows-1252). Cheap for a pool file: its first
/// line names no column.
pub(crate) fn is_export(input: &[u8]) -> bool {
    if is_workbook(input) {
        // Read as an export when this build reads workbooks (`xlsx`); else `file-encoding`.
        return cfg!(feature = "xlsx");
    }
    if input.starts_with(b"\xFF\xFE") || input.starts_with(b"\xFE\xFF") {
        return decode::to_utf8(input)
            .and_then(|(_, text)| head_rows(text.as_bytes()))
            .is_some_and(|rows| looks_like_export(&rows));
    }
    head_rows(input).is_some_and(|rows| looks_like_export(&rows))
}

/// An Excel workbook (`.xlsx`, a zip archive).
pub(crate) fn is_workbook(input: &[u8]) -> bool {
    input.starts_with(b"PK\x03\x04")
}

/// The first rows of a file, enough to tell an export ([`looks_like_export`]); `None` when
/// they are not text.
pub(crate) fn head_rows(input: &[u8]) -> Option<Vec<Row>> {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let mut end = 0;
    let mut lines = 0;
    for raw in Lines::new(input) {
        end += raw.len();
        if !is_empty_row(std::str::from_utf8(raw.bytes).unwrap_or("x")) {
            lines += 1;
        }
        if lines == 2 || end > 64 * 1024 {
            break;
        }
    }
    let head = &input[..end];
    let text = match std::str::from_utf8(head) {
        Ok(t) => t.to_owned(),
        Err(_) => Encoding::Windows1252.decode(head)?,
    };
    Some(text_rows(&text, false).0)
}

/// Converts a carrier export (a text file in UTF-8, UTF-16 with a byte-order mark or
/// Windows-1252, or with the feature `xlsx` an Excel workbook: its first sheet or
/// `options.sheet`) into a pool file; `options.columns` chooses columns the header does
/// not name.
///
/// ```
/// use esim_csv::{convert, check, Options};
///
/// let export = "ICCID;EID;Activation code\n\
///               8946000000000000014;89049032000001000000000000000001;LPA:1$smdp.example.com$AB-1\n";
/// let c = convert(export.as_bytes(), &Options::file("export.csv"));
/// assert_eq!(c.bytes, b"smdp.example.com\r\n8946000000000000014,AB-1\r\n");
/// assert_eq!(c.mapping.left_out().next().unwrap().name.as_deref(), Some("EID"));
/// assert!(check(&c.bytes, &Options::file("pool.csv")).is_valid());
/// ```
pub fn convert(input: &[u8], options: &Options) -> Conversion {
    let mut converter = Converter::new(input, options);
    while !converter.step(input, usize::MAX) {}
    converter.finish()
}

/// A conversion in steps ([`convert`] a few thousand lines at a time), so that the browser
/// can give the page a turn between them: a 100,000-row export takes a good part of a
/// second (bench/xlsx.md), and the page must not freeze meanwhile. A text export's lines
/// are read into rows, then its columns chosen, then its rows converted, each in steps; a
/// workbook (read at once by calamine, on the command line) or a file that is not text is
/// converted when the converter is made.
#[derive(Debug)]
pub(crate) struct Converter {
    options: Options,
    mapping: Mapping,
    /// The text when it is not the input's own UTF-8 (decoded from UTF-16 or
    /// Windows-1252); else the input from `skip` (past a byte-order mark).
    decoded: Option<Vec<u8>>,
    skip: usize,
    /// The text's length and the input's (bytes).
    len: usize,
    input_len: usize,
    sep: u8,
    /// How far the text is read into `rows`: bytes and lines.
    pos: usize,
    line: usize,
    rows: Vec<Row>,
    /// Once every line is read: the conversion of the rows, and the next row to convert.
    converting: Option<(Rows, usize)>,
    done: Option<Conversion>,
}

impl Converter {
    /// A conversion of `input`, which [`Converter::step`] must be given every time.
    pub(crate) fn new(input: &[u8], options: &Options) -> Converter {
        let mut mapping = Mapping::default();
        let mut converter = Converter {
            options: options.clone(),
            mapping: Mapping::default(),
            decoded: None,
            skip: 0,
            len: 0,
            input_len: input.len(),
            sep: b',',
            pos: 0,
            line: 0,
            rows: Vec::new(),
            converting: None,
            done: None,
        };
        #[cfg(feature = "xlsx")]
        if is_workbook(input) {
            converter.done = Some(match crate::xlsx::rows(input, options.sheet.as_deref()) {
                Ok((sheet, rows)) => {
                    mapping.sheet = Some(sheet);
                    convert_rows(&rows, mapping, options)
                }
                Err(e) => {
                    let f = Finding::new(Code::FileEncoding).extra(&format!("xlsx: {e}"));
                    Conversion {
                        mapping,
                        report: report(vec![f], 0, None, options, SHAPE),
                        bytes: Vec::new(),
                        origin: Vec::new(),
                    }
                }
            });
            return converter;
        }
        match std::str::from_utf8(input) {
            Ok(t) => converter.skip = input.len() - t.strip_prefix('\u{FEFF}').unwrap_or(t).len(),
            Err(_) => match decode::to_utf8(input) {
                Some((encoding, text)) => {
                    mapping.encoding = Some(encoding.name());
                    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
                    converter.decoded = Some(text.as_bytes().to_vec());
                }
                None => {
                    // Not text in any encoding that converts safely.
                    let f = not_text(input);
                    let report = report(vec![f], 0, None, options, SHAPE);
                    converter.done = Some(Conversion {
                        mapping,
                        report,
                        bytes: input.to_vec(),
                        origin: Vec::new(),
                    });
                    return converter;
                }
            },
        }
        converter.len = converter.text(input).len();
        converter.sep = separator(converter.text(input));
        if !options.sheet_text {
            // A workbook's cells have no separator (its text's tabs are the reader's).
            mapping.delimiter = (converter.sep as char).to_string();
        }
        converter.mapping = mapping;
        converter
    }

    /// The text converted (valid UTF-8, checked when the converter was made).
    fn text<'a>(&'a self, input: &'a [u8]) -> &'a [u8] {
        self.decoded.as_deref().unwrap_or(&input[self.skip..])
    }

    /// How many bytes of the input are read: the progress of the conversion's first part,
    /// the reading of its lines (a decoded text's progress in the input's bytes).
    pub(crate) fn bytes_read(&self) -> usize {
        match (&self.done, &self.converting) {
            (None, None) if self.len > 0 => {
                let read = self.pos as u128 * self.input_len as u128 / self.len as u128;
                usize::try_from(read).unwrap_or(self.input_len)
            }
            _ => self.input_len,
        }
    }

    /// Reads or converts up to `max_lines` more lines. Returns true when the conversion is
    /// complete ([`Converter::finish`]).
    pub(crate) fn step(&mut self, input: &[u8], max_lines: usize) -> bool {
        if self.done.is_some() {
            return true;
        }
        if let Some((rows, next)) = &mut self.converting {
            let end = next.saturating_add(max_lines).min(self.rows.len());
            for row in &self.rows[*next..end] {
                rows.row(row);
            }
            *next = end;
            if end == self.rows.len() {
                let (rows, _) = self.converting.take().expect("converting");
                self.done = Some(rows.finish(&self.options));
                self.rows = Vec::new();
                return true;
            }
            return false;
        }
        let (sep, cells) = (self.sep, self.options.sheet_text);
        let text = self.decoded.as_deref().unwrap_or(&input[self.skip..]);
        let mut fields = Vec::new();
        let mut read = 0;
        for raw in Lines::new(&text[self.pos..]).take(max_lines) {
            read += raw.len();
            let line = std::str::from_utf8(raw.bytes).unwrap_or("");
            self.rows
                .extend(text_row(line, self.line, sep, cells, &mut fields));
            self.line += 1;
        }
        self.pos += read;
        if self.pos >= text.len() {
            let rows = plan(&self.rows, std::mem::take(&mut self.mapping), &self.options);
            let first = rows.first_data;
            self.converting = Some((rows, first));
        }
        false
    }

    /// The conversion, once [`Converter::step`] has returned true.
    pub(crate) fn finish(self) -> Conversion {
        self.done
            .expect("Converter::finish after step has returned true")
    }
}

/// Converts the rows of a table at once (a workbook's; a text's in steps, [`Converter`]).
#[cfg(feature = "xlsx")]
pub(crate) fn convert_rows(rows: &[Row], mapping: Mapping, options: &Options) -> Conversion {
    let mut converting = plan(rows, mapping, options);
    for row in &rows[converting.first_data..] {
        converting.row(row);
    }
    converting.finish(options)
}

/// The conversion of a table's rows once its columns are chosen ([`plan`]): row by row
/// ([`Rows::row`]), then [`Rows::finish`].
#[derive(Debug)]
pub(crate) struct Rows {
    mapping: Mapping,
    findings: Vec<Finding>,
    /// The columns used (none for the ICCIDs when the mapping is incomplete: no row is
    /// converted).
    iccid_col: Option<usize>,
    mid_col: Option<usize>,
    lpa_col: Option<usize>,
    smdp_col: Option<usize>,
    blocked: bool,
    /// How many rows are data (not the header), and where they start.
    data: usize,
    first_data: usize,
    /// The pool file's lines so far, each with the export's line it came from.
    lines: Vec<(String, u32)>,
    first: Option<SmdpAddress>,
    section: Option<(SmdpAddress, u32)>,
}

/// Chooses the columns of a table (its header, the user's choice, the content): the
/// mapping and its findings, and the conversion of its rows to run.
fn plan(rows: &[Row], mut mapping: Mapping, options: &Options) -> Rows {
    let mut findings: Vec<Finding> = Vec::new();
    let columns = &options.columns;
    let width = rows.iter().map(|r| r.cells.len()).max().unwrap_or(0);

    // The header: the first row, when it names a column the conversion knows (or a column
    // chosen by name).
    let by_name = ColumnUse::ALL
        .iter()
        .any(|r| matches!(columns.get(*r), Some(ColumnRef::Name(_))));
    let header = rows
        .first()
        .filter(|r| by_name || r.cells.iter().any(|c| role_of(&c.text).is_some()));
    mapping.header_line = header.map(|r| r.line);
    let data = &rows[usize::from(header.is_some())..];
    let name_of = |n: usize| header.and_then(|h| h.cells.get(n)).map(|c| c.text.clone());
    mapping.columns = (0..width)
        .map(|n| MappedColumn {
            number: n + 1,
            name: name_of(n),
            used_as: None,
            by: None,
        })
        .collect();

    // Each role's column: the user's choice, else the one header cell that names it.
    let mut chosen: [Option<usize>; 4] = [None; 4];
    for (k, role) in ColumnUse::ALL.into_iter().enumerate() {
        let mapping_error = |kind: u64, extra: &str| {
            Finding::new(Code::ColumnMapping)
                .value(role.label())
                .number(kind)
                .extra(extra)
        };
        match columns.get(role) {
            Some(ColumnRef::Number(n)) if *n <= width.max(1) => chosen[k] = Some(n - 1),
            Some(ColumnRef::Number(n)) => {
                findings.push(mapping_error(4, &format!("{n}")));
            }
            Some(ColumnRef::Name(name)) => {
                let want = normalise(name);
                match header.and_then(|h| h.cells.iter().position(|c| normalise(&c.text) == want)) {
                    Some(n) => chosen[k] = Some(n),
                    None => findings.push(mapping_error(3, name)),
                }
            }
            None => {
                let named: Vec<usize> = header
                    .map(|h| {
                        h.cells
                            .iter()
                            .enumerate()
                            .filter(|(_, c)| role_of(&c.text) == Some(role))
                            .map(|(n, _)| n)
                            .collect()
                    })
                    .unwrap_or_default();
                match named.as_slice() {
                    [] => {}
                    [one] => chosen[k] = Some(*one),
                    many => {
                        let list: Vec<String> = many
                            .iter()
                            .map(|n| format!("{} \"{}\"", n + 1, name_of(*n).unwrap_or_default()))
                            .collect();
                        let line = header.map_or(1, |h| h.line);
                        findings.push(mapping_error(2, &list.join(", ")).at_line(line));
                    }
                }
            }
        }
    }
    let [mut iccid_col, mut mid_col, mut lpa_col, mut smdp_col] = chosen;
    let from_option = |role: ColumnUse| columns.get(role).is_some();
    // A column named "activation code" holding no LPA string holds Matching IDs.
    let mut by_content = false;
    if let (Some(l), None, false) = (lpa_col, mid_col, from_option(ColumnUse::Lpa)) {
        let any_lpa = data
            .iter()
            .filter_map(|r| r.cells.get(l))
            .any(|c| c.text.contains('$'));
        if !any_lpa {
            mid_col = Some(l);
            lpa_col = None;
            by_content = true;
        }
    }
    // An LPA string carries the Matching ID and the SM-DP+ address: other columns for them
    // are left out.
    if lpa_col.is_some() {
        if !from_option(ColumnUse::MatchingId) {
            mid_col = None;
        }
        if !from_option(ColumnUse::SmdpAddress) {
            smdp_col = None;
        }
    }
    let missing = |label: &str, option: &str| {
        Finding::new(Code::ColumnMapping)
            .value(label)
            .number(1)
            .extra(option)
    };
    if iccid_col.is_none()
        && !findings
            .iter()
            .any(|f| f.detail.value.as_deref() == Some("ICCID"))
    {
        findings.push(missing("ICCID", "--iccid-column"));
    }
    if lpa_col.is_none() && mid_col.is_none() {
        findings.push(missing(
            "Matching ID / LPA activation code",
            "--lpa-column, --matching-id-column",
        ));
    }
    if lpa_col.is_none() && mid_col.is_some() && smdp_col.is_none() {
        findings.push(missing("SM-DP+ address", "--smdp-column"));
    }
    for (col, role) in [
        (iccid_col, ColumnUse::Iccid),
        (mid_col, ColumnUse::MatchingId),
        (lpa_col, ColumnUse::Lpa),
        (smdp_col, ColumnUse::SmdpAddress),
    ] {
        if let Some(c) = col.and_then(|n| mapping.columns.get_mut(n)) {
            c.used_as = Some(role);
            c.by = Some(if from_option(role) {
                "option"
            } else if by_content && role == ColumnUse::MatchingId {
                "content"
            } else {
                "header"
            });
        }
    }
    mapping.rows = data.len();
    let blocked =
        iccid_col.is_none() || (lpa_col.is_none() && (mid_col.is_none() || smdp_col.is_none()));
    if blocked {
        iccid_col = None;
    }
    Rows {
        mapping,
        findings,
        iccid_col,
        mid_col,
        lpa_col,
        smdp_col,
        blocked,
        data: data.len(),
        first_data: usize::from(header.is_some()),
        lines: Vec::with_capacity(data.len() + 1),
        first: None,
        section: None,
    }
}

impl Rows {
    /// Converts one data row.
    fn row(&mut self, row: &Row) {
        let Some(iccid_col) = self.iccid_col else {
            return;
        };
        let (mid_col, lpa_col, smdp_col) = (self.mid_col, self.lpa_col, self.smdp_col);
        let findings = &mut self.findings;
        let ln = row.line;
        let cell = |n: Option<usize>| {
            n.and_then(|n| row.cells.get(n)).cloned().unwrap_or(Cell {
                text: String::new(),
                column: u32::try_from(n.unwrap_or(0) + 1).unwrap_or(1),
                inner: false,
            })
        };
        let ic = cell(Some(iccid_col));
        let at = |c: &Cell, v: &str| {
            let col = c.column;
            let v = v.to_owned();
            move |code| Finding::new(code).at(ln, col).value(&v)
        };
        rules::iccid(&ic.text, at(&ic, &ic.text), findings);
        let (address, mid, smdp_cell, smdp_at) = if lpa_col.is_some() {
            let lc = cell(lpa_col);
            if lc.text.is_empty() {
                findings.push(Finding::new(Code::MatchingIdEmpty).at(ln, lc.column));
                (None, String::new(), lc, 0)
            } else {
                let found = rules::lpa(
                    &lc.text,
                    |code, offset| Finding::new(code).at(ln, lc.column_at(offset)),
                    findings,
                );
                let smdp_at = crate::values::lpa_parts(&lc.text).map_or(0, |p| p.smdp.1);
                // A code with an error keeps its whole text: nothing is guessed.
                let mid = found
                    .as_ref()
                    .map_or(lc.text.clone(), |(_, m)| (*m).to_owned());
                (found.map(|(a, _)| a), mid, lc, smdp_at)
            }
        } else {
            let mc = cell(mid_col);
            let sc = cell(smdp_col);
            let address = match rules::smdp_address(&sc.text, at(&sc, &sc.text)) {
                Ok(a) => Some(a),
                Err(f) => {
                    findings.push(*f);
                    None
                }
            };
            let host = address.as_ref().map(SmdpAddress::as_str);
            rules::matching_id(&mc.text, host, at(&mc, &mc.text), findings);
            (address, mc.text.clone(), sc, 0)
        };
        if let Some(address) = address {
            match &self.section {
                None => {
                    self.first = Some(address.clone());
                    self.section = Some((address, ln));
                }
                Some((current, since)) if !current.same_host(address.as_str()) => {
                    findings.push(
                        Finding::new(Code::SecondSmdp)
                            .at(ln, smdp_cell.column_at(smdp_at))
                            .value(address.as_str())
                            .other_line(*since)
                            .extra(current.as_str())
                            .with_fix(Fix::Split),
                    );
                    self.lines.push((address.as_str().to_owned(), 0));
                    self.section = Some((address, ln));
                }
                Some(_) => {}
            }
        }
        self.lines.push((format!("{},{}", ic.text, mid), ln));
    }

    /// The pool file and the report, once every row is converted.
    fn finish(self, options: &Options) -> Conversion {
        let Rows {
            mapping,
            mut findings,
            blocked,
            data,
            lines,
            first,
            ..
        } = self;
        let mut bytes = Vec::new();
        let mut origin = Vec::with_capacity(lines.len() + 1);
        if let Some(first) = &first {
            bytes.extend_from_slice(first.as_str().as_bytes());
            bytes.extend_from_slice(b"\r\n");
            origin.push(0);
        }
        for (line, from) in &lines {
            bytes.extend_from_slice(line.as_bytes());
            bytes.extend_from_slice(b"\r\n");
            origin.push(*from);
        }
        let codes = if blocked {
            data
        } else {
            lines.iter().filter(|(_, o)| *o > 0).count()
        };
        if codes > MAX_CODES {
            findings.push(
                Finding::new(Code::TooManyCodes)
                    .number(codes as u64)
                    .with_fix(Fix::Split),
            );
        }
        // Converted only when nothing but splitting is left to do: a row with an error would
        // otherwise lose it (an SM-DP+ address that is not one, an OID that is dropped).
        let blocking = findings.iter().any(|f| {
            f.severity() == crate::Severity::Error
                && !matches!(f.code, Code::SecondSmdp | Code::TooManyCodes)
        });
        let mut export = Finding::new(Code::CarrierExport).number(mapping.columns.len() as u64);
        if !blocking {
            export = export.with_fix(Fix::Convert);
        }
        findings.push(export);
        let mut report = report(findings, codes, first, options, SHAPE);
        report.conversion = Some(Box::new(mapping.clone()));
        Conversion {
            mapping,
            report,
            bytes,
            origin,
        }
    }
}

/// `file-encoding` for a file that is neither UTF-8 nor converts: at the first bad byte.
fn not_text(input: &[u8]) -> Finding {
    if input.starts_with(b"\xFF\xFE") || input.starts_with(b"\xFE\xFF") {
        return Finding::new(Code::FileEncoding).at(1, 1).extra("UTF-16");
    }
    let bad = std::str::from_utf8(input)
        .err()
        .map_or(0, |e| e.valid_up_to());
    let mut start = 0;
    for (i, raw) in Lines::new(input).enumerate() {
        if bad < start + raw.len() {
            let col = bad.saturating_sub(start);
            return Finding::new(Code::FileEncoding)
                .at(
                    u32::try_from(i + 1).unwrap_or(u32::MAX),
                    u32::try_from(col + 1).unwrap_or(u32::MAX),
                )
                .extra(&format!("{:02X}", input.get(bad).copied().unwrap_or(0)));
        }
        start += raw.len();
    }
    Finding::new(Code::FileEncoding).at(1, 1).extra("00")
}

/// A carrier export's report: findings by position; only a second SM-DP+ address
/// withholds the first (a converted file is written with CRLF).
const SHAPE: Shape = Shape {
    sort: true,
    smdp_hidden_by: &[Code::SecondSmdp],
    line_ending: Some(crate::LineEnding::Crlf),
};
