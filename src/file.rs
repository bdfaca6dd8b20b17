//! Reading a file the user chose or dropped, entirely inside the browser.

use esim_csv::Lang;
use wasm_bindgen_futures::JsFuture;

use crate::i18n::{tf, Label};

/// Files larger than this are refused before they are read. A pool file holds at most
/// 1,000 codes (about 40 KB), but operators check whole exports before splitting them; a
/// 50 MB export (over a million codes) must load. The validator keeps the file and an
/// index of its lines in memory, so the cap keeps the tab well inside wasm32's 4 GB.
pub const MAX_FILE_BYTES: f64 = 256.0 * 1024.0 * 1024.0;

/// The most one check reads in all: the files of one choice or drop together, pasted text,
/// one call of the JavaScript entry points. Every file checked stays in memory (its source
/// view), so a drop of many files under [`MAX_FILE_BYTES`] each would otherwise grow the
/// wasm until the browser aborts the tab (wasm has no way to recover from running out of
/// memory). The same as the per-file cap: what one file may hold, one check may hold.
pub const MAX_CHECK_BYTES: f64 = MAX_FILE_BYTES;

/// Pasted text longer than this (in UTF-16 code units, the text area's `textLength`) is
/// refused before it is copied into the wasm: at most 3 UTF-8 bytes each, so what passes
/// stays under [`MAX_CHECK_BYTES`] (a round number, so the message states it exactly).
pub const MAX_TEXT_CHARS: u32 = 80_000_000;

/// Why a chosen file (or pasted text, or bytes given to the JavaScript entry points) could
/// not be read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReadError {
    /// One file over [`MAX_FILE_BYTES`].
    TooLarge {
        name: String,
        bytes: u64,
    },
    /// Several files over [`MAX_CHECK_BYTES`] together: none of them is read.
    TooMuch {
        files: usize,
        bytes: u64,
    },
    /// Pasted text over [`MAX_TEXT_CHARS`].
    TextTooLong {
        chars: u64,
    },
    /// Bytes without a file name (the JavaScript entry points) over [`MAX_CHECK_BYTES`].
    InputTooLarge {
        bytes: u64,
    },
    Browser {
        name: String,
        detail: String,
    },
    /// A workbook over [`crate::workbook::MAX_WORKBOOK_BYTES`].
    WorkbookTooLarge {
        name: String,
        bytes: u64,
    },
    /// A workbook the reader could not read (not a workbook, no such sheet, the reader
    /// failed or could not be loaded).
    Workbook {
        name: String,
        detail: String,
    },
}

impl ReadError {
    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        // Whole megabytes, rounded up (integer formatting keeps float code out of the wasm).
        let mb =
            |bytes: f64| crate::i18n::number(lang, (bytes / (1024.0 * 1024.0)).ceil() as usize);
        match self {
            Self::TooLarge { name, bytes } => tf(
                lang,
                Label::TooLarge,
                &[
                    ("name", name),
                    ("size", &mb(*bytes as f64)),
                    ("max", &mb(MAX_FILE_BYTES)),
                ],
            ),
            Self::TooMuch { files, bytes } => tf(
                lang,
                Label::TooMuch,
                &[
                    ("files", &crate::i18n::number(lang, *files)),
                    ("size", &mb(*bytes as f64)),
                    ("max", &mb(MAX_CHECK_BYTES)),
                ],
            ),
            Self::TextTooLong { chars } => {
                // Whole millions, rounded up.
                let millions = |n: u64| crate::i18n::number(lang, n.div_ceil(1_000_000) as usize);
                tf(
                    lang,
                    Label::TextTooLong,
                    &[
                        ("count", &millions(*chars)),
                        ("max", &millions(u64::from(MAX_TEXT_CHARS))),
                    ],
                )
            }
            Self::InputTooLarge { bytes } => tf(
                lang,
                Label::InputTooLarge,
                &[("size", &mb(*bytes as f64)), ("max", &mb(MAX_CHECK_BYTES))],
            ),
            Self::Browser { name, detail } => tf(
                lang,
                Label::BrowserError,
                &[("name", name), ("detail", detail)],
            ),
            Self::WorkbookTooLarge { name, bytes } => tf(
                lang,
                Label::WorkbookTooLarge,
                &[
                    ("name", name),
                    ("size", &mb(*bytes as f64)),
                    ("max", &mb(crate::workbook::MAX_WORKBOOK_BYTES)),
                ],
            ),
            Self::Workbook { name, detail } => tf(
                lang,
                Label::WorkbookUnreadable,
                &[("name", name), ("detail", detail)],
            ),
        }
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for ReadError {}

/// Refuses a file over [`MAX_FILE_BYTES`] before reading it.
pub fn check_size(name: &str, size: f64) -> Result<(), ReadError> {
    if size > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge {
            name: name.to_owned(),
            bytes: size as u64,
        });
    }
    Ok(())
}

/// Refuses a choice or drop of several files over [`MAX_CHECK_BYTES`] together, before any
/// of them is read (a single file gets [`check_size`]'s message, which names it).
pub fn check_total(sizes: &[f64]) -> Result<(), ReadError> {
    let total: f64 = sizes.iter().sum();
    if sizes.len() > 1 && total > MAX_CHECK_BYTES {
        return Err(ReadError::TooMuch {
            files: sizes.len(),
            bytes: total as u64,
        });
    }
    Ok(())
}

/// Refuses pasted text of more than [`MAX_TEXT_CHARS`] UTF-16 code units.
pub fn check_text_length(chars: u32) -> Result<(), ReadError> {
    if chars > MAX_TEXT_CHARS {
        return Err(ReadError::TextTooLong {
            chars: u64::from(chars),
        });
    }
    Ok(())
}

/// Refuses bytes given to the JavaScript entry points over [`MAX_CHECK_BYTES`]: `name`
/// when the caller gave a file name.
pub fn check_input(name: Option<&str>, bytes: f64) -> Result<(), ReadError> {
    match name {
        Some(name) => check_size(name, bytes),
        None if bytes > MAX_CHECK_BYTES => Err(ReadError::InputTooLarge {
            bytes: bytes as u64,
        }),
        None => Ok(()),
    }
}

/// Refuses a workbook over [`crate::workbook::MAX_WORKBOOK_BYTES`] before it is read.
pub fn check_workbook_size(name: &str, size: f64) -> Result<(), ReadError> {
    if size > crate::workbook::MAX_WORKBOOK_BYTES {
        return Err(ReadError::WorkbookTooLarge {
            name: name.to_owned(),
            bytes: size as u64,
        });
    }
    Ok(())
}

/// Reads the whole file as bytes, without decoding it, so the validator sees exactly what
/// is on disk (a BOM, invalid UTF-8, CR line endings).
pub async fn read_bytes(file: &web_sys::File) -> Result<Vec<u8>, ReadError> {
    let name = file.name();
    check_size(&name, file.size())?;
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|error| ReadError::Browser {
            name,
            detail: format!("{error:?}"),
        })?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_50_mb_file_is_read_and_a_huge_one_refused() {
        assert!(check_size("big.csv", 50.0 * 1024.0 * 1024.0).is_ok());
        let error = check_size("huge.csv", 300.0 * 1024.0 * 1024.0).unwrap_err();
        assert_eq!(
            error.message(Lang::En),
            "huge.csv is 300 MB; files over 256 MB are not read."
        );
        assert_eq!(
            error.message(Lang::Sv),
            "huge.csv är 300 MB; filer över 256 MB läses inte."
        );
    }

    #[test]
    fn a_workbook_too_large_or_unreadable_says_why() {
        let mb = 1024.0 * 1024.0;
        assert!(check_workbook_size("export.xlsx", 64.0 * mb).is_ok());
        let error = check_workbook_size("export.xlsx", 80.0 * mb).unwrap_err();
        assert_eq!(
            error.message(Lang::En),
            "export.xlsx is a workbook of 80 MB; workbooks over 64 MB are not read in the browser. Save its sheet as CSV UTF-8 and choose that, or convert it with the command line (esim-csv fix)."
        );
        assert!(error.message(Lang::Sv).contains("64 MB"));
        let error = ReadError::Workbook {
            name: "export.xlsx".into(),
            detail: "no sheet named Prices".into(),
        };
        assert_eq!(
            error.message(Lang::En),
            "export.xlsx could not be read as an Excel workbook: no sheet named Prices"
        );
    }

    #[test]
    fn many_files_over_the_total_are_refused_together() {
        let mb = 1024.0 * 1024.0;
        assert!(check_total(&[100.0 * mb, 100.0 * mb, 56.0 * mb]).is_ok());
        // A single file is check_size's to refuse, by name.
        assert!(check_total(&[300.0 * mb]).is_ok());
        let error = check_total(&[100.0 * mb, 100.0 * mb, 100.0 * mb]).unwrap_err();
        assert_eq!(
            error.message(Lang::En),
            "These 3 files are 300 MB together; one check reads at most 256 MB. Choose fewer files at a time."
        );
        assert_eq!(
            error.message(Lang::Sv),
            "De här 3 filerna är 300 MB tillsammans; en kontroll läser högst 256 MB. Välj färre filer åt gången."
        );
    }

    #[test]
    fn long_pasted_text_and_large_inputs_are_refused() {
        assert!(check_text_length(MAX_TEXT_CHARS).is_ok());
        assert!(f64::from(MAX_TEXT_CHARS) * 3.0 <= MAX_CHECK_BYTES);
        let error = check_text_length(100_000_000).unwrap_err();
        assert_eq!(
            error.message(Lang::En),
            "The pasted text has 100 million characters; text over 80 million characters is not checked here. Save it as a file and choose that."
        );
        assert_eq!(
            error.message(Lang::Sv),
            "Den inklistrade texten har 100 miljoner tecken; text över 80 miljoner tecken kontrolleras inte här. Spara den som en fil och välj den."
        );

        let mb = 1024.0 * 1024.0;
        assert!(check_input(None, 256.0 * mb).is_ok());
        assert_eq!(
            check_input(None, 300.0 * mb).unwrap_err().message(Lang::En),
            "The input is 300 MB; inputs over 256 MB are not checked."
        );
        assert_eq!(
            check_input(Some("big.csv"), 300.0 * mb)
                .unwrap_err()
                .message(Lang::Sv),
            "big.csv är 300 MB; filer över 256 MB läses inte."
        );
    }
}
