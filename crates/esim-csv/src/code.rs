//! The finding codes: a stable, documented vocabulary (see `docs/findings.md`).

use std::fmt;

use serde::{Serialize, Serializer};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Shown; does not block an upload (unless `--deny-warnings`).
    Warning,
    /// Blocks the upload and makes `check` exit 1.
    Error,
}

impl Severity {
    /// `"error"` or `"warning"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $severity:ident; )*) => {
        /// A finding code. The kebab-case names ([`Code::as_str`]) are part of the public
        /// interface: they never change meaning; new codes are added instead.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in the order of the contract's tables.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable kebab-case name, such as `iccid-length`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// The severity the contract gives this code.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// The code with this name, if any.
            pub fn from_name(name: &str) -> Option<Code> {
                match name { $($name => Some(Code::$variant),)* _ => None }
            }
        }
    };
}

codes! {
    /// The file name does not end in `.csv` (any case). Not checked for pasted text.
    FileExtension = "file-extension", Error;
    /// No bytes, or only white space and line breaks.
    FileEmpty = "file-empty", Error;
    /// Not valid UTF-8 (or UTF-16).
    FileEncoding = "file-encoding", Error;
    /// A UTF-8 byte-order mark at the start.
    FileBom = "file-bom", Warning;
    /// More than one kind of line break, or lone CRs.
    LineEndingsMixed = "line-endings-mixed", Warning;
    /// An empty or white-space-only line before the last non-blank line.
    BlankLine = "blank-line", Error;
    /// More than one line break, or any white space, after the last non-blank line.
    TrailingBlankLines = "trailing-blank-lines", Warning;
    /// No code lines.
    NoCodes = "no-codes", Error;
    /// More than 1,000 code lines.
    TooManyCodes = "too-many-codes", Error;
    /// No SM-DP+ line, or the first line looks like a code line.
    SmdpMissing = "smdp-missing", Error;
    /// The SM-DP+ line has more than one value.
    SmdpExtraFields = "smdp-extra-fields", Error;
    /// A scheme, port, path or query around the SM-DP+ host.
    SmdpScheme = "smdp-scheme", Error;
    /// The SM-DP+ address is not a fully qualified domain name.
    SmdpInvalid = "smdp-invalid", Error;
    /// A line of column names.
    ColumnHeaderRow = "column-header-row", Error;
    /// A second SM-DP+ line (two files joined, or a second operator).
    SecondSmdp = "second-smdp", Error;
    /// `;` or tab instead of commas.
    Delimiter = "delimiter", Error;
    /// Empty values after the Matching ID.
    TrailingComma = "trailing-comma", Error;
    /// A code line without exactly two values.
    FieldCount = "field-count", Error;
    /// White space around a value.
    Whitespace = "whitespace", Error;
    /// A value wrapped in double quotes.
    QuotedField = "quoted-field", Error;
    /// An ICCID in scientific notation (`8.946E+18`).
    IccidScientific = "iccid-scientific", Error;
    /// An ICCID with something other than ASCII digits.
    IccidFormat = "iccid-format", Error;
    /// An ICCID that is not 19 or 20 digits long.
    IccidLength = "iccid-length", Error;
    /// An ICCID that does not start with `89`.
    IccidPrefix = "iccid-prefix", Warning;
    /// An ICCID whose last digit is not its Luhn check digit.
    IccidChecksum = "iccid-checksum", Warning;
    /// An ICCID seen on an earlier line (or in an earlier file of the same check).
    IccidDuplicate = "iccid-duplicate", Error;
    /// Two values and the second is empty.
    MatchingIdEmpty = "matching-id-empty", Error;
    /// A character outside `A-Z a-z 0-9 -` in the Matching ID.
    MatchingIdFormat = "matching-id-format", Error;
    /// Lower-case letters in the Matching ID.
    MatchingIdLowercase = "matching-id-lowercase", Warning;
    /// A Matching ID longer than 255 characters.
    MatchingIdLength = "matching-id-length", Error;
    /// `1$<SM-DP+>$<Matching ID>` longer than 255 characters.
    ActivationCodeLength = "activation-code-length", Warning;
    /// The same Matching ID as an earlier line with another ICCID.
    MatchingIdDuplicate = "matching-id-duplicate", Error;
    /// A carrier export (a header row naming its columns), not a pool file: convert it.
    CarrierExport = "carrier-export", Error;
    /// A column the conversion needs cannot be found, or a column option names none.
    ColumnMapping = "column-mapping", Error;
    /// Not an LPA activation code `LPA:1$<SM-DP+>$<Matching ID>[$<OID>[$1]]`.
    LpaFormat = "lpa-format", Error;
    /// The SM-DP+ OID of an LPA activation code is not dotted decimal.
    LpaOid = "lpa-oid", Error;
    /// The activation code needs a confirmation code, which a pool cannot give.
    LpaConfirmationCode = "lpa-confirmation-code", Warning;
    /// The ICCID is in a pool on the server, or was delivered to a device (server check).
    IccidAlreadyImported = "iccid-already-imported", Error;
    /// A pool for the same SM-DP+ address exists on the server (server check).
    SmdpPoolExists = "smdp-pool-exists", Warning;
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        for code in Code::ALL {
            assert_eq!(Code::from_name(code.as_str()), Some(*code));
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len());
    }
}
