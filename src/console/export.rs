//! The console's CSV exports (the device table, the audit log): one writer, so every
//! export is the same kind of file - CRLF line ends as spreadsheets expect, and every cell a
//! spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) neutralised with a
//! leading `'` by [`esim_csv::neutralise`], the validator's own rule.

/// A CSV file of `headings` and `rows`, every cell neutralised.
pub fn csv_file<'a, R>(headings: &[&str], rows: impl IntoIterator<Item = R>) -> Vec<u8>
where
    R: IntoIterator<Item = &'a str>,
{
    // The writer the validator's CSV report uses.
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    w.write_record(
        headings
            .iter()
            .map(|h| esim_csv::neutralise(h).into_owned()),
    )
    .expect("in memory");
    for row in rows {
        w.write_record(
            row.into_iter()
                .map(|cell| esim_csv::neutralise(cell).into_owned()),
        )
        .expect("in memory");
    }
    w.into_inner().expect("in memory")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_lines_end_in_crlf() {
        let rows = [
            ["=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)"],
            ["\tx", "\ry", "plain", "a,\"b\""],
        ];
        let out = String::from_utf8(csv_file(&["a", "b", "c", "d"], rows)).unwrap();
        assert_eq!(
            out,
            "a,b,c,d\r\n'=cmd|' /C calc'!A0,'+1,'-2,'@SUM(A1)\r\n'\tx,\"'\ry\",plain,\"a,\"\"b\"\"\"\r\n"
        );
    }
}
