//! What the page shows after a check, built from an `esim_csv::Report`.

use esim_csv::{Lang, Options, Report};

/// Where the checked bytes came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Text pasted into the text area (no file name, so no file-name checks).
    Pasted,
    /// A file chosen in the file input, with its name.
    File(String),
}

/// One finding as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingRow {
    /// The stable finding code, e.g. `iccid-length`.
    pub code: String,
    /// 1-based physical line, when the finding has one.
    pub line: Option<u32>,
    /// 1-based column, when the finding has one.
    pub column: Option<u32>,
    /// The message in the user's language.
    pub message: String,
}

/// The result of one check, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub source: Source,
    pub valid: bool,
    /// Number of activation-code lines, valid or not.
    pub codes: usize,
    pub findings: Vec<FindingRow>,
}

impl Outcome {
    /// Builds the view of a validator report.
    pub fn from_report(source: Source, report: &Report, lang: Lang) -> Self {
        let findings = report
            .findings
            .iter()
            .map(|finding| FindingRow {
                code: finding.code.as_str().to_owned(),
                line: finding.line,
                column: finding.column,
                message: finding.message(lang),
            })
            .collect();
        Self {
            source,
            valid: report.is_valid(),
            codes: report.codes,
            findings,
        }
    }

    /// The one-word verdict the user reads first.
    pub fn verdict(&self) -> &'static str {
        if self.valid {
            "Valid"
        } else {
            "Invalid"
        }
    }

    /// A machine-friendly form of the verdict, for CSS classes and `data-` attributes.
    pub fn verdict_key(&self) -> &'static str {
        if self.valid {
            "valid"
        } else {
            "invalid"
        }
    }

    /// Names what was checked, e.g. `File "pool.csv"` or `Pasted text`.
    pub fn source_label(&self) -> String {
        match &self.source {
            Source::Pasted => "Pasted text".to_owned(),
            Source::File(name) => format!("File \u{201c}{name}\u{201d}"),
        }
    }
}

/// Checks text pasted into the page. Pasted text has no file name, so the validator skips
/// the file-extension check.
pub fn check_pasted(text: &str) -> Outcome {
    let report = esim_csv::check(text.as_bytes(), &Options::default());
    Outcome::from_report(Source::Pasted, &report, Lang::En)
}

/// Checks the bytes of a chosen file, as read, without decoding them first (the validator
/// reports encoding problems itself).
pub fn check_file(name: &str, bytes: &[u8]) -> Outcome {
    let options = Options {
        file_name: Some(name.to_owned()),
        ..Options::default()
    };
    let report = esim_csv::check(bytes, &options);
    Outcome::from_report(Source::File(name.to_owned()), &report, Lang::En)
}

/// Renders an optional 1-based position; an absent one is shown as a dash.
pub fn position_label(position: Option<u32>) -> String {
    position.map_or_else(|| "\u{2013}".to_owned(), |n| n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_text_is_checked_without_a_file_name() {
        let outcome = check_pasted("smdp.example.com\n8946000000000000014,ABCD-1234-XYZ\n");
        assert_eq!(outcome.source, Source::Pasted);
        assert_eq!(outcome.source_label(), "Pasted text");
    }

    #[test]
    fn file_outcome_names_the_file() {
        let outcome = check_file("pool.csv", b"smdp.example.com\n");
        assert_eq!(outcome.source, Source::File("pool.csv".to_owned()));
        assert_eq!(outcome.source_label(), "File \u{201c}pool.csv\u{201d}");
    }

    #[test]
    fn verdict_follows_validity() {
        let mut outcome = check_pasted("");
        outcome.valid = true;
        assert_eq!(
            (outcome.verdict(), outcome.verdict_key()),
            ("Valid", "valid")
        );
        outcome.valid = false;
        assert_eq!(
            (outcome.verdict(), outcome.verdict_key()),
            ("Invalid", "invalid")
        );
    }

    #[test]
    fn findings_are_copied_from_the_report() {
        let input = b"smdp.example.com\n89460000000000000,ABCD-1234-XYZ\n";
        let report = esim_csv::check(input, &Options::default());
        let outcome = Outcome::from_report(Source::Pasted, &report, Lang::En);
        assert_eq!(outcome.valid, report.is_valid());
        assert_eq!(outcome.codes, report.codes);
        assert_eq!(outcome.findings.len(), report.findings.len());
        for (row, finding) in outcome.findings.iter().zip(&report.findings) {
            assert_eq!(row.code, finding.code.as_str());
            assert_eq!((row.line, row.column), (finding.line, finding.column));
            assert_eq!(row.message, finding.message(Lang::En));
        }
    }

    #[test]
    fn absent_positions_show_a_dash() {
        assert_eq!(position_label(Some(7)), "7");
        assert_eq!(position_label(None), "\u{2013}");
    }
}
