//! Reading a file the user chose, entirely inside the browser.

use wasm_bindgen_futures::JsFuture;

/// Files larger than this are refused before they are read: a pool file holds at most
/// 1,000 codes (about 40 KB), and reading a huge file into WebAssembly memory would stall
/// the tab.
pub const MAX_FILE_BYTES: f64 = 16.0 * 1024.0 * 1024.0;

/// Why a chosen file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    TooLarge { name: String, bytes: u64 },
    Browser { name: String, detail: String },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooLarge { name, bytes } => write!(
                f,
                "{name} is {bytes} bytes; a pool file is at most a few kilobytes, so it was not read."
            ),
            Self::Browser { name, detail } => {
                write!(f, "The browser could not read {name}: {detail}")
            }
        }
    }
}

impl std::error::Error for ReadError {}

/// Reads the whole file as bytes, without decoding it, so the validator sees exactly what
/// is on disk (a BOM, invalid UTF-8, CR line endings).
pub async fn read_bytes(file: &web_sys::File) -> Result<Vec<u8>, ReadError> {
    let name = file.name();
    let size = file.size();
    if size > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge {
            name,
            bytes: size as u64,
        });
    }
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|error| ReadError::Browser {
            name,
            detail: format!("{error:?}"),
        })?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}
