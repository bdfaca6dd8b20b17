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

/// The rows of a text table in UTF-8 (without a byte-order mark) and its separator.
pub(crate) fn text_rows(text: &str) -> (Vec<Row>, u8) {
    let first = Lines::new(text.as_bytes())
        .map(|l| std::str::from_utf8(l.bytes).unwrap_or(""))
        .find(|t| !is_empty_row(t))
        .unwrap_or("");
    let sep = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|s| (first.bytes().filter(|b| b == s).count(), *s == b','))
        .unwrap_or(b',');
    let mut rows = Vec::new();
    let mut fields = Vec::new();
    for (i, raw) in Lines::new(text.as_bytes()).enumerate() {
        let line = std::str::from_utf8(raw.bytes).unwrap_or("");
        if line
            .trim_matches(|c| scan::is_ws(c) || c == sep as char)
            .is_empty()
        {
            continue;
        }
        split(line, Seps::One(sep), &mut fields);
        let cells = fields
            .iter()
            .map(|f| Cell {
                text: f.value.to_string(),
                column: column(line, f.value_start),
                inner: matches!(f.value, std::borrow::Cow::Borrowed(_)),
            })
            .collect();
        rows.push(Row {
            line: u32::try_from(i + 1).unwrap_or(u32::MAX),
            cells,
        });
    }
    (rows, sep)
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
    Some(text_rows(&text).0)
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
    let mut mapping = Mapping::default();
    #[cfg(feature = "xlsx")]
    if is_workbook(input) {
        return match crate::xlsx::rows(input, options.sheet.as_deref()) {
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
        };
    }
    let decoded;
    let text = match std::str::from_utf8(input) {
        Ok(t) => t.strip_prefix('\u{FEFF}').unwrap_or(t),
        Err(_) => match decode::to_utf8(input) {
            Some((encoding, text)) => {
                mapping.encoding = Some(encoding.name());
                decoded = text;
                decoded.strip_prefix('\u{FEFF}').unwrap_or(&decoded)
            }
            None => {
                // Not text in any encoding that converts safely.
                let f = not_text(input);
                let report = report(vec![f], 0, None, options, SHAPE);
                return Conversion {
                    mapping,
                    report,
                    bytes: input.to_vec(),
                    origin: Vec::new(),
                };
            }
        },
    };
    let (rows, sep) = text_rows(text);
    mapping.delimiter = (sep as char).to_string();
    convert_rows(&rows, mapping, options)
}

/// Converts the rows of a table (a text file's or a workbook's).
pub(crate) fn convert_rows(rows: &[Row], mut mapping: Mapping, options: &Options) -> Conversion {
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

    // The rows.
    let mut lines: Vec<(String, u32)> = Vec::with_capacity(data.len() + 1);
    let mut first: Option<SmdpAddress> = None;
    let mut section: Option<(SmdpAddress, u32)> = None;
    let empty = Cell {
        text: String::new(),
        column: 1,
        inner: false,
    };
    if let Some(iccid_col) = iccid_col {
        for row in data {
            let ln = row.line;
            let cell = |n: Option<usize>| {
                n.and_then(|n| row.cells.get(n))
                    .unwrap_or(&Cell {
                        column: u32::try_from(n.unwrap_or(0) + 1).unwrap_or(1),
                        ..empty.clone()
                    })
                    .clone()
            };
            let ic = cell(Some(iccid_col));
            let at = |c: &Cell, v: &str| {
                let col = c.column;
                let v = v.to_owned();
                move |code| Finding::new(code).at(ln, col).value(&v)
            };
            rules::iccid(&ic.text, at(&ic, &ic.text), &mut findings);
            let (address, mid, smdp_cell, smdp_at) = if lpa_col.is_some() {
                let lc = cell(lpa_col);
                if lc.text.is_empty() {
                    findings.push(Finding::new(Code::MatchingIdEmpty).at(ln, lc.column));
                    (None, String::new(), lc, 0)
                } else {
                    let found = rules::lpa(
                        &lc.text,
                        |code, offset| Finding::new(code).at(ln, lc.column_at(offset)),
                        &mut findings,
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
                rules::matching_id(&mc.text, host, at(&mc, &mc.text), &mut findings);
                (address, mc.text.clone(), sc, 0)
            };
            if let Some(address) = address {
                match &section {
                    None => {
                        first = Some(address.clone());
                        section = Some((address, ln));
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
                        lines.push((address.as_str().to_owned(), 0));
                        section = Some((address, ln));
                    }
                    Some(_) => {}
                }
            }
            lines.push((format!("{},{}", ic.text, mid), ln));
        }
    }

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
        data.len()
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
