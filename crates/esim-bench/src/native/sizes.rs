//! What the browser downloads.
//!
//! * [`served`]: each page as `esim-server` sends it, against the budgets of issue 11
//!   (`esim_test_support::served`, which `tests/console.rs` checks too).
//! * [`measure`]: each wasm, JS and CSS file of `dist/` (and `dist/validator/`), raw, gzip
//!   (level 9) and brotli (quality 11, window 22), as a static host would serve them
//!   precompressed.

use std::io::Write;
use std::path::Path;

pub use esim_test_support::served::{served, served_pages, Served, PAGES};

/// One shipped file.
#[derive(Debug, Clone)]
pub struct Size {
    pub name: String,
    pub raw: usize,
    pub gzip: usize,
    pub brotli: usize,
}

/// The sizes of the wasm, JS and CSS files in `dist` and `dist/validator`, or why there are
/// none.
pub fn measure(dist: &Path) -> Result<Vec<Size>, String> {
    let mut sizes = Vec::new();
    for (dir, prefix) in [
        (dist.to_path_buf(), ""),
        (dist.join("validator"), "validator/"),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default();
            if !matches!(ext, "wasm" | "js" | "css") {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            sizes.push(Size {
                name: format!("{prefix}{}", entry.file_name().to_string_lossy()),
                raw: bytes.len(),
                gzip: gzip(&bytes),
                brotli: esim_test_support::served::brotli_size(&bytes),
            });
        }
    }
    if sizes.is_empty() {
        return Err(format!("no wasm, JS or CSS files in {}", dist.display()));
    }
    sizes.sort_by_key(|s| std::cmp::Reverse(s.raw));
    Ok(sizes)
}

fn gzip(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("gzip into memory");
    encoder.finish().expect("gzip into memory").len()
}
