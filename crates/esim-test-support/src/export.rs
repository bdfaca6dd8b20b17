//! Generated carrier exports (issue 15), the one generator of the tests and the bench: the
//! rows of an operator's export (ICCID, EID, IMSI, MSISDN, the LPA activation code), as
//! tab-separated text ([`text_export`]) or as an `.xlsx` workbook ([`workbook`], natively:
//! a sheet of text and number cells through [`sheet`]). Pure code: this module also builds
//! for the wasm tests (`tests/web.rs`), where the rest of the crate does not.

/// The SM-DP+ address of the generated export's LPA strings.
pub const SMDP: &str = "smdp.example.com";

/// The columns of the generated export.
pub const HEADER: [&str; 5] = ["ICCID", "EID", "IMSI", "MSISDN", "Activation code"];

/// The Luhn check digit of these ASCII digits (an ICCID's last digit).
pub fn luhn(digits: &str) -> char {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(n, b)| {
            let d = u32::from(b - b'0');
            if n % 2 == 0 {
                let d = d * 2;
                if d > 9 {
                    d - 9
                } else {
                    d
                }
            } else {
                d
            }
        })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

/// A valid ICCID (Luhn) from a number: `8946` + 14 digits + check digit.
pub fn iccid(n: u64) -> String {
    let mut body = format!("8946{n:014}");
    body.push(luhn(&body));
    body
}

/// Row `i` of the generated export: ICCID, EID, IMSI, MSISDN and the LPA string, each
/// different for each `i`.
pub fn row(i: usize) -> [String; 5] {
    let i = i as u64;
    let mut iccid = format!("894601{i:012}");
    iccid.push(luhn(&iccid));
    let matching_id = format!(
        "{:05X}-{:05X}-{:05X}-{:05X}",
        (i * 2_654_435_761) % 0xFFFFF,
        (i * 1_103_515_245 + 12_345) % 0xFFFFF,
        (i * 69_069 + 1) % 0xFFFFF,
        i % 0xFFFFF
    );
    [
        iccid,
        format!("89049032{i:024}"),
        format!("24001{i:010}"),
        format!("4670{i:08}"),
        format!("LPA:1${SMDP}${matching_id}"),
    ]
}

/// Is the column a number cell in the workbook (IMSI, MSISDN, as exports often have them)?
pub fn numeric(column: usize) -> bool {
    matches!(column, 2 | 3)
}

/// The export of `rows` rows (with its header) as a text file, tab separated: the text
/// the workbook reader makes of [`workbook`]'s sheet.
pub fn text_export(rows: usize) -> Vec<u8> {
    let mut out = HEADER.join("\t");
    out.push('\n');
    for i in 0..rows {
        out.push_str(&row(i).join("\t"));
        out.push('\n');
    }
    out.into_bytes()
}

/// A cell of a generated sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// A text cell (shared string).
    Text(String),
    /// A number cell, its value as written (digits).
    Number(String),
}

/// The export of `rows` rows as an `.xlsx` workbook: one sheet "Profiles", the header,
/// then [`row`]s with IMSI and MSISDN as number cells.
#[cfg(not(target_arch = "wasm32"))]
pub fn workbook(rows: usize) -> anyhow::Result<Vec<u8>> {
    let header = HEADER.iter().map(|h| Cell::Text((*h).to_owned())).collect();
    let body = (0..rows).map(|i| {
        row(i)
            .into_iter()
            .enumerate()
            .map(|(c, value)| {
                if numeric(c) {
                    Cell::Number(value)
                } else {
                    Cell::Text(value)
                }
            })
            .collect::<Vec<_>>()
    });
    sheet(std::iter::once(header).chain(body))
}

/// A workbook of one sheet "Profiles" holding these rows (row 1 first, cells from column
/// A), text in shared strings, the parts deflated, as Excel writes them.
#[cfg(not(target_arch = "wasm32"))]
pub fn sheet(rows: impl IntoIterator<Item = Vec<Cell>>) -> anyhow::Result<Vec<u8>> {
    use std::fmt::Write as _;
    use std::io::Write as _;
    const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    const PKG: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
    const CT: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml";
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut strings = String::new();
    let mut count = 0usize;
    let mut sheet = format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"{MAIN}\"><sheetData>");
    for (r, cells) in rows.into_iter().enumerate() {
        let line = r + 1;
        write!(sheet, "<row r=\"{line}\">")?;
        for (c, cell) in cells.iter().enumerate() {
            let column = char::from(b'A' + u8::try_from(c)?);
            match cell {
                Cell::Number(value) => {
                    write!(sheet, "<c r=\"{column}{line}\"><v>{value}</v></c>")?;
                }
                Cell::Text(value) => {
                    write!(sheet, "<c r=\"{column}{line}\" t=\"s\"><v>{count}</v></c>")?;
                    write!(strings, "<si><t>{}</t></si>", escape(value))?;
                    count += 1;
                }
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let parts = [
        (
            "[Content_Types].xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
                 <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
                 <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
                 <Override PartName=\"/xl/workbook.xml\" ContentType=\"{CT}.sheet.main+xml\"/>\
                 <Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"{CT}.worksheet+xml\"/>\
                 <Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"{CT}.sharedStrings+xml\"/></Types>"
            ),
        ),
        (
            "_rels/.rels",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"{PKG}\">\
                 <Relationship Id=\"rId1\" Type=\"{REL}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
            ),
        ),
        (
            "xl/workbook.xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<workbook xmlns=\"{MAIN}\" xmlns:r=\"{REL}\">\
                 <sheets><sheet name=\"Profiles\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"{PKG}\">\
                 <Relationship Id=\"rId1\" Type=\"{REL}/worksheet\" Target=\"worksheets/sheet1.xml\"/>\
                 <Relationship Id=\"rId2\" Type=\"{REL}/sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>"
            ),
        ),
        ("xl/worksheets/sheet1.xml", sheet),
        (
            "xl/sharedStrings.xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<sst xmlns=\"{MAIN}\" count=\"{count}\" uniqueCount=\"{count}\">{strings}</sst>"
            ),
        ),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(6));
    for (name, text) in parts {
        zip.start_file(name, options)?;
        zip.write_all(text.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iccids_carry_their_luhn_digit() {
        assert_eq!(iccid(1), "8946000000000000014");
        assert_eq!(row(0)[0].len(), 19);
        assert_eq!(luhn("894600000000000001"), '4');
    }
}
