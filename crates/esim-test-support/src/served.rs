//! What the browser downloads, as `esim-server serve --static-dir dist` sends it to a
//! browser that accepts brotli: each page of [`PAGES`] (the console at `/`, the
//! validator-only build at `/validator/`) and every file it names (its JS module, wasm and
//! CSS), fetched through the real server with `Accept-Encoding: br`; the bytes counted are
//! the response bodies as sent (the server's precompressed copies, brotli 11). These are
//! the budgets of issue 11: `cargo xtask bench` reports them (`bench/RESULTS.md`) and
//! `tests/console.rs` fails when a page is over its budget (sizing each file as the
//! server's copy, [`brotli_size`], rather than waiting for the copies: test servers on one
//! `dist/` come and go while one of them writes them).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::http;
use crate::server::Server;

/// The pages measured as served, with their budgets (brotli, bytes; KB = 1,024 bytes).
pub const PAGES: [(&str, &str, usize); 2] = [
    (
        "the validator page (carriers, embedding portals)",
        "/validator/",
        250 * 1024,
    ),
    ("the whole console", "/", 450 * 1024),
];

/// One page as served.
#[derive(Debug, Clone)]
pub struct Served {
    /// What the page is ([`PAGES`]).
    pub what: &'static str,
    /// Its path on the server.
    pub path: &'static str,
    /// Its budget in bytes sent.
    pub budget: usize,
    /// The page and each file it loads, in the order named.
    pub files: Vec<ServedFile>,
}

impl Served {
    /// Bytes sent for the page and its files.
    pub fn sent(&self) -> usize {
        self.files.iter().map(|f| f.sent).sum()
    }

    /// The bytes before encoding.
    pub fn raw(&self) -> usize {
        self.files.iter().map(|f| f.raw).sum()
    }
}

/// One response.
#[derive(Debug, Clone)]
pub struct ServedFile {
    /// The path requested.
    pub path: String,
    /// The body without encoding.
    pub raw: usize,
    /// The body as sent for `Accept-Encoding: br`.
    pub sent: usize,
    /// Its `Content-Encoding` (`identity` when none).
    pub encoding: String,
}

/// Starts `exe serve --static-dir dist` on a scratch database, waits until it has written
/// its precompressed copies, and fetches each of [`PAGES`] and its files.
pub fn served(dist: &Path, exe: &Path) -> Result<Vec<Served>> {
    served_pages(dist, exe, &PAGES)
}

/// [`served`] for some of [`PAGES`] (an earlier commit's build has only the console).
pub fn served_pages(
    dist: &Path,
    exe: &Path,
    pages: &[(&'static str, &'static str, usize)],
) -> Result<Vec<Served>> {
    crate::scratch::release_build(dist)?;
    let dir = crate::scratch::ScratchDir::new("esim-served-sizes")?;
    let database = format!("sqlite://{}", dir.join("sizes.db").display());
    let server = Server::serve(exe, &database, |command| {
        command.arg("--static-dir").arg(dist);
    })?;
    wait_for_copies(dist, Duration::from_secs(300))?;
    pages
        .iter()
        .map(|&(what, path, budget)| {
            Ok(Served {
                what,
                path,
                budget,
                files: page_files(server.url(), path)?,
            })
        })
        .collect()
}

/// The page at `path` and every file it names, each fetched with and without
/// `Accept-Encoding: br`.
fn page_files(base: &str, path: &str) -> Result<Vec<ServedFile>> {
    let files = page_bodies(base, path)?;
    if !files.iter().any(|(f, _)| f.path.ends_with(".wasm")) {
        bail!("{path} names no wasm module");
    }
    Ok(files.into_iter().map(|(file, _)| file).collect())
}

/// The page at `path` on the server at `base` and every file it names (in the order
/// named): each as sent to a browser that accepts brotli ([`ServedFile`]), and its body
/// without encoding.
pub fn page_bodies(base: &str, path: &str) -> Result<Vec<(ServedFile, Vec<u8>)>> {
    let (page, html) = fetch(base, path)?;
    let text = std::str::from_utf8(&html).with_context(|| format!("{path} is not UTF-8"))?;
    let assets = assets(text);
    let mut files = vec![(page, html)];
    for asset in assets {
        files.push(fetch(base, &asset)?);
    }
    Ok(files)
}

/// The size of `bytes` as esim-server's precompressed copy (brotli quality 11, window 22,
/// as `esim_server::layers::precompress` writes it): what a browser that accepts brotli is
/// sent.
pub fn brotli_size(bytes: &[u8]) -> usize {
    use std::io::Write;
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
        writer.write_all(bytes).expect("brotli into memory");
    }
    out.len()
}

/// One path: its sizes, and its body without encoding.
fn fetch(base: &str, path: &str) -> Result<(ServedFile, Vec<u8>)> {
    let url = format!("{base}{path}");
    let plain = http::get(&url)
        .header("accept-encoding", "identity")
        .timeout(Duration::from_secs(30))
        .send()?
        .success()?;
    let br = http::get(&url)
        .header("accept-encoding", "br")
        .timeout(Duration::from_secs(30))
        .send()?
        .success()?;
    let encoding = br
        .header("content-encoding")
        .unwrap_or("identity")
        .to_owned();
    Ok((
        ServedFile {
            path: path.to_owned(),
            raw: plain.body.len(),
            sent: br.body.len(),
            encoding,
        },
        plain.body,
    ))
}

/// The same-origin files a page loads: every absolute path ending in `.js`, `.mjs`, `.wasm`
/// or `.css` that is an `href`/`src` attribute (quoted or not: Trunk minifies the page) or
/// a quoted string (its loader script), each once, in order of appearance.
pub fn assets(html: &str) -> Vec<String> {
    let wanted = |value: &str| {
        value.starts_with('/')
            && !value.starts_with("//")
            && [".js", ".mjs", ".wasm", ".css"]
                .iter()
                .any(|ext| value.ends_with(ext))
    };
    let mut found: Vec<(usize, String)> = Vec::new();
    for (at, _) in html.match_indices(['"', '\'', '=']) {
        let rest = &html[at + 1..];
        let value = match html.as_bytes()[at] {
            b'=' => {
                let name_start = html[..at]
                    .rfind(|c: char| !c.is_ascii_alphanumeric() && c != '-')
                    .map_or(0, |i| i + 1);
                if !matches!(&html[name_start..at], "href" | "src") || rest.starts_with(['"', '\''])
                {
                    continue;
                }
                rest.split(|c: char| c.is_whitespace() || c == '>').next()
            }
            quote => rest.split(char::from(quote)).next(),
        };
        if let Some(value) = value.filter(|v| wanted(v)) {
            if !found.iter().any(|(_, f)| f == value) {
                found.push((at, value.to_owned()));
            }
        }
    }
    found.sort_by_key(|(at, _)| *at);
    found.into_iter().map(|(_, f)| f).collect()
}

/// Waits until every file of `dist` that the server compresses has a brotli copy at least
/// as new as itself and no copy is being written (`.tmp`), as `esim-server` writes them at
/// start-up.
pub fn wait_for_copies(dist: &Path, limit: Duration) -> Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        let missing: Vec<PathBuf> = files(dist)
            .into_iter()
            .filter(|f| {
                f.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| ["wasm", "js", "css", "html"].contains(&e))
            })
            .filter(|f| !fresh_copy(f))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("no brotli copies after {limit:?}: {missing:?}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn fresh_copy(file: &Path) -> bool {
    let copy = PathBuf::from(format!("{}.br", file.display()));
    let tmp = PathBuf::from(format!("{}.br.tmp", file.display()));
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(file), modified(&copy)) {
        (Some(source), Some(copied)) => copied >= source && !tmp.exists(),
        _ => false,
    }
}

/// The files of `dir` and its subfolders.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_files_of_a_minified_trunk_page() {
        let html = "<link href=/validator/theme.css integrity=sha384-a rel=stylesheet><script type=module>import init from '/validator/esim-validator.js';\nawait init({ module_or_path: '/validator/esim-validator_bg.wasm' });</script><link crossorigin href=/validator/esim-validator.js rel=modulepreload><a href=/validator/>x</a>";
        assert_eq!(
            assets(html),
            [
                "/validator/theme.css",
                "/validator/esim-validator.js",
                "/validator/esim-validator_bg.wasm"
            ]
        );
    }

    #[test]
    fn finds_the_files_a_trunk_page_loads() {
        let html = r#"<link rel="stylesheet" href="/theme.css" integrity="sha384-x"><link rel="modulepreload" href="/validator/esim-validator.js"><link rel="preload" href="/validator/esim-validator_bg.wasm" as="fetch" type="application/wasm"><script type="module">import init from '/validator/esim-validator.js';await init({module_or_path:'/validator/esim-validator_bg.wasm'});</script><a href="//cdn.example/x.js">"#;
        assert_eq!(
            assets(html),
            [
                "/theme.css",
                "/validator/esim-validator.js",
                "/validator/esim-validator_bg.wasm"
            ]
        );
    }
}
