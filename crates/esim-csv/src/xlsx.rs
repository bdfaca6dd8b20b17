//! Excel workbooks (`.xlsx`, feature `xlsx`, read with calamine): the first sheet, or a
//! chosen one, as rows of text cells for the conversion of a carrier export - or, for the
//! browser's workbook reader (`crates/esim-workbook`, a module loaded only when a workbook
//! is opened), as the text of a carrier export ([`sheet_text`]) that the browser build,
//! which has no workbook reader, converts like a CSV export.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::table::{Cell, Row};

/// A sheet of a workbook as the text of a carrier export ([`sheet_text`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetText {
    /// Every sheet of the workbook, in order.
    pub sheets: Vec<String>,
    /// The sheet read.
    pub sheet: String,
    /// Its rows as tab-separated lines: line n is the sheet's row n (rows without a value
    /// are empty lines), each cell as [`rows`] reads it (numbers as a spreadsheet shows
    /// them, so an ICCID stored as a number is `8.946E+18`: `iccid-scientific`). A cell
    /// holding a tab or a quote is quoted; a line break in a cell is a space ([`rows`]).
    pub text: String,
}

/// The first sheet of a workbook, or the one named `sheet` (any case), as the text of a
/// carrier export: what the browser converts when a workbook is opened there.
///
/// ```
/// let book = std::fs::read("tests/data/carrier-workbook.xlsx").unwrap();
/// let read = esim_csv::sheet_text(&book, None).unwrap();
/// assert_eq!(read.sheets, ["Profiles", "Notes"]);
/// assert!(read.text.starts_with("ICCID\tEID\t"));
/// let pool = esim_csv::convert(read.text.as_bytes(), &esim_csv::Options::file("book.xlsx"));
/// assert!(pool.bytes.starts_with(b"smdp.example.com\r\n8946000000000000014,"));
/// ```
pub fn sheet_text(input: &[u8], sheet: Option<&str>) -> Result<SheetText, String> {
    let (sheets, sheet, rows) = read(input, sheet)?;
    let mut text = String::new();
    let mut line = 1;
    for row in rows {
        while line < row.line {
            text.push('\n');
            line += 1;
        }
        for (n, cell) in row.cells.iter().enumerate() {
            if n > 0 {
                text.push('\t');
            }
            let value = &cell.text;
            if value.contains(['\t', '"']) {
                text.push('"');
                text.push_str(&value.replace('"', "\"\""));
                text.push('"');
            } else {
                text.push_str(value);
            }
        }
        text.push('\n');
        line += 1;
    }
    Ok(SheetText {
        sheets,
        sheet,
        text,
    })
}

/// The sheet read and its non-empty rows (at their row numbers; cells at their column).
pub(crate) fn rows(input: &[u8], sheet: Option<&str>) -> Result<(String, Vec<Row>), String> {
    read(input, sheet).map(|(_, name, rows)| (name, rows))
}

/// Every sheet's name, the sheet read and its non-empty rows.
type Read = (Vec<String>, String, Vec<Row>);

fn read(input: &[u8], sheet: Option<&str>) -> Result<Read, String> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(input)).map_err(|e| e.to_string())?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(want) => names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(want))
            .cloned()
            .ok_or_else(|| format!("no sheet named {want} ({})", names.join(", ")))?,
        None => names.first().cloned().ok_or("no sheet")?,
    };
    let range = book.worksheet_range(&name).map_err(|e| e.to_string())?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let mut rows = Vec::new();
    for (i, cells) in range.rows().enumerate() {
        if cells.iter().all(|d| text(d).trim().is_empty()) {
            continue;
        }
        // Columns before the range's first are empty: cell n is column n + 1.
        let cells = (0..col0 as usize)
            .map(|_| String::new())
            .chain(cells.iter().map(text))
            .enumerate()
            .map(|(n, text)| Cell {
                text: one_line(&text),
                column: u32::try_from(n + 1).unwrap_or(u32::MAX),
                inner: false,
            })
            .collect();
        rows.push(Row {
            line: row0.saturating_add(u32::try_from(i + 1).unwrap_or(u32::MAX)),
            cells,
        });
    }
    Ok((names, name, rows))
}

/// A cell's text without the white space around it, a line break inside it a space (as
/// on one line of a text export): a wrapped header cell (`Matching` and `ID` on two lines)
/// still names its column, and a value with a line break inside is never joined into
/// another value - an ICCID, Matching ID, LPA string or SM-DP+ address holding a space is
/// a finding at its cell (docs/findings.md, "Excel workbooks").
fn one_line(text: &str) -> String {
    text.trim().replace("\r\n", " ").replace(['\r', '\n'], " ")
}

/// A cell as text: strings as they are; a number as a spreadsheet shows it in the General
/// format (an integer below 10^15 in full; otherwise in scientific notation, `8.946E+18`,
/// which is what a long ICCID stored as a number has become: its last digits are lost).
fn text(d: &Data) -> String {
    match d {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number(*f),
        Data::DateTime(t) => number(t.as_f64()),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        Data::Error(e) => e.to_string(),
        Data::Empty => String::new(),
    }
}

fn number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else if f.abs() >= 1e15 {
        let s = format!("{f:E}");
        match s.split_once('E') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}E+{e}"),
            _ => s,
        }
    } else {
        f.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_a_spreadsheet_shows_them() {
        assert_eq!(number(1234.0), "1234");
        assert_eq!(number(46701234567.0), "46701234567");
        assert_eq!(number(8.946e18), "8.946E+18");
        assert_eq!(number(8946000000000000014.0), "8.946E+18");
        assert_eq!(number(1.5), "1.5");
        assert!(crate::values::is_scientific(&number(8.946e18)));
    }

    /// The browser converts a workbook's text: the same pool file and the same findings
    /// (code, line, value) as the command line's conversion of the workbook itself.
    #[test]
    fn a_sheet_as_text_converts_as_the_workbook_does() {
        use crate::{convert, Options};
        for (book, sheet) in [
            (
                &include_bytes!("../tests/data/carrier-workbook.xlsx")[..],
                None,
            ),
            (
                &include_bytes!("../tests/data/carrier-workbook.xlsx")[..],
                Some("notes"),
            ),
            (
                &include_bytes!("../tests/data/carrier-workbook-numbers.xlsx")[..],
                None,
            ),
        ] {
            let options = Options {
                sheet: sheet.map(str::to_owned),
                ..Options::file("book.xlsx")
            };
            let read = sheet_text(book, sheet).unwrap();
            let text_options = Options {
                sheet_text: true,
                ..options.clone()
            };
            let from_text = convert(read.text.as_bytes(), &text_options);
            let from_book = convert(book, &options);
            assert_eq!(from_text.bytes, from_book.bytes, "{sheet:?}");
            let findings = |c: &crate::Conversion| {
                c.report
                    .findings
                    .iter()
                    .map(|f| (f.code, f.line(), f.column(), f.detail.value.clone()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(findings(&from_text), findings(&from_book), "{sheet:?}");
            // Checked (as the browser checks a workbook's text), the same report.
            let checked = crate::check(read.text.as_bytes(), &text_options);
            assert_eq!(checked.findings, from_book.report.findings, "{sheet:?}");
            assert!(checked.conversion.is_some(), "{sheet:?}");
            assert_eq!(Some(read.sheet), from_book.mapping.sheet);
        }
        let read = sheet_text(include_bytes!("../tests/data/carrier-workbook.xlsx"), None).unwrap();
        assert_eq!(read.sheets, ["Profiles", "Notes"]);
        assert!(!read.text.is_empty());
        assert!(sheet_text(b"PK\x03\x04 not a workbook", None).is_err());
        assert!(sheet_text(
            include_bytes!("../tests/data/carrier-workbook.xlsx"),
            Some("Prices")
        )
        .unwrap_err()
        .contains("no sheet named Prices"));
    }

    /// A finding in a workbook's text names the sheet's column (C), not the character where
    /// the cell starts in the tab-separated text.
    #[test]
    fn findings_in_a_sheets_text_name_the_sheets_column() {
        use crate::{check, Options};
        let text = "ICCID\tEID\tActivation code\n\
                    8946000000000000014\t89049032000001000000000000000001\tLPA:2$smdp.example.com$AB-1\n";
        let options = Options {
            sheet_text: true,
            ..Options::file("book.xlsx")
        };
        let report = check(text.as_bytes(), &options);
        let lpa: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.code.as_str().starts_with("lpa"))
            .collect();
        assert!(!lpa.is_empty(), "{:?}", report.findings);
        for f in lpa {
            assert_eq!((f.line(), f.column()), (Some(2), Some(3)), "{f:?}");
        }
        // As a text file, the same cell is found at its character.
        let report = check(text.as_bytes(), &Options::file("export.txt"));
        let f = report
            .findings
            .iter()
            .find(|f| f.code.as_str().starts_with("lpa"))
            .unwrap();
        assert!(f.column() > Some(40), "{f:?}");
    }

    /// A sheet whose first row names no column is still a carrier export (as the workbook
    /// is on the command line): its report has the mapping, for the browser's column picker,
    /// and the columns chosen convert it.
    #[test]
    fn a_sheet_without_a_header_is_an_export_with_columns_to_choose() {
        use crate::{check, ColumnRef, Columns, Options};
        let text = "8946000000000000014\tx\tLPA:1$smdp.example.com$AB-1\n\
                    8946000000000000022\ty\tLPA:1$smdp.example.com$AB-2\n";
        let options = Options {
            sheet_text: true,
            ..Options::file("book.xlsx")
        };
        let report = check(text.as_bytes(), &options);
        let mapping = report
            .conversion
            .as_ref()
            .expect("a mapping to choose from");
        assert_eq!(mapping.columns.len(), 3);
        assert!(report
            .findings
            .iter()
            .any(|f| f.code.as_str() == "column-mapping"));
        // Without the flag, the same text is a pool file gone wrong: no mapping.
        assert!(check(text.as_bytes(), &Options::file("book.xlsx"))
            .conversion
            .is_none());
        let chosen = Options {
            columns: Columns {
                iccid: Some(ColumnRef::Number(1)),
                lpa: Some(ColumnRef::Number(3)),
                ..Columns::default()
            },
            ..options
        };
        let fixed = crate::fix(text.as_bytes(), &chosen);
        assert_eq!(
            fixed.bytes,
            b"smdp.example.com\r\n8946000000000000014,AB-1\r\n8946000000000000022,AB-2\r\n"
        );
    }

    /// A line break inside a cell is a space (one, for CR LF too), around it trimmed: the
    /// ICCID or Matching ID it splits is a finding at its cell, never another value.
    #[test]
    fn a_line_break_in_a_cell_is_a_finding_at_its_cell_not_another_value() {
        use crate::convert::{convert_rows, Mapping};
        use crate::Options;
        assert_eq!(one_line(" Matching\r\nID\n"), "Matching ID");
        assert_eq!(one_line("89460000000\n00000014"), "89460000000 00000014");
        let cell = |text: &str, column| Cell {
            text: one_line(text),
            column,
            inner: false,
        };
        let rows = [
            Row {
                line: 1,
                cells: vec![cell("ICCID", 1), cell("Matching\nID", 2), cell("SM-DP+", 3)],
            },
            Row {
                line: 2,
                cells: vec![
                    cell("89460000000\n00000014", 1),
                    cell("AB-1", 2),
                    cell("smdp.example.com", 3),
                ],
            },
            Row {
                line: 3,
                cells: vec![
                    cell("8946000000000000022", 1),
                    cell("AB\r\n-2", 2),
                    cell("smdp.example.com", 3),
                ],
            },
        ];
        let c = convert_rows(&rows, Mapping::default(), &Options::file("book.xlsx"));
        let found: Vec<_> = c
            .report
            .findings
            .iter()
            .filter(|f| f.line().is_some())
            .map(|f| (f.code.as_str(), f.line(), f.column()))
            .collect();
        assert_eq!(
            found,
            [
                ("iccid-format", Some(2), Some(1)),
                ("matching-id-format", Some(3), Some(2))
            ]
        );
        // Not converted: the values with an error would be lost.
        assert!(c
            .report
            .findings
            .iter()
            .any(|f| f.code.as_str() == "carrier-export" && f.fix.is_none()));
    }
}
