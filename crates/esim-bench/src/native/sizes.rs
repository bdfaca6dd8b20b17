//! The shipped size of the console: the wasm, JS and CSS files in `dist/`, raw, gzip
//! (level 9) and brotli (quality 11, window 22), as a static host would serve them
//! precompressed.

use std::io::Write;
use std::path::Path;

/// One shipped file.
#[derive(Debug, Clone)]
pub struct Size {
    pub name: String,
    pub raw: usize,
    pub gzip: usize,
    pub brotli: usize,
}

/// The sizes of the files in `dist`, or why there are none.
pub fn measure(dist: &Path) -> Result<Vec<Size>, String> {
    let entries = std::fs::read_dir(dist).map_err(|e| format!("{}: {e}", dist.display()))?;
    let mut sizes = Vec::new();
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
            name: entry.file_name().to_string_lossy().into_owned(),
            raw: bytes.len(),
            gzip: gzip(&bytes),
            brotli: brotli(&bytes),
        });
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

fn brotli(bytes: &[u8]) -> usize {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        writer.write_all(bytes).expect("brotli into memory");
    }
    out.len()
}
