//! Excel workbooks (`.xlsx`, feature `xlsx`, read with calamine): the first sheet, or a
//! chosen one, as rows of text cells for the conversion of a carrier export.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::table::{Cell, Row};

/// The sheet read and its non-empty rows (at their row numbers; cells at their column).
pub(crate) fn rows(input: &[u8], sheet: Option<&str>) -> Result<(String, Vec<Row>), String> {
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
                text: text.trim().to_owned(),
                column: u32::try_from(n + 1).unwrap_or(u32::MAX),
                inner: false,
            })
            .collect();
        rows.push(Row {
            line: row0.saturating_add(u32::try_from(i + 1).unwrap_or(u32::MAX)),
            cells,
        });
    }
    Ok((name, rows))
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
}
