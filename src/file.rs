//! Reading a file the user chose or dropped, entirely inside the browser.

use esim_csv::Lang;
use wasm_bindgen_futures::JsFuture;

use crate::i18n::{tf, Label};

/// Files larger than this are refused before they are read. A pool file holds at most
/// 1,000 codes (about 40 KB), but operators check whole exports before splitting them; a
/// 50 MB export (over a million codes) must load. The validator keeps the file and an
/// index of its lines in memory, so the cap keeps the tab well inside wasm32's 4 GB.
pub const MAX_FILE_BYTES: f64 = 256.0 * 1024.0 * 1024.0;

/// Why a chosen file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReadError {
    TooLarge { name: String, bytes: u64 },
    Browser { name: String, detail: String },
}

impl ReadError {
    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        // Whole megabytes, rounded up (integer formatting keeps float code out of the wasm).
        let mb = |bytes: f64| ((bytes / (1024.0 * 1024.0)).ceil() as u64).to_string();
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
            Self::Browser { name, detail } => tf(
                lang,
                Label::BrowserError,
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
}
