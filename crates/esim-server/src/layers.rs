//! The HTTP layers around every route (`tower-http` and `tower`): request ids, the
//! request timeout, compression, and the built app's static files (precompressed).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use axum::error_handling::HandleErrorLayer;
use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{BoxError, Router};
use tower::{Layer, ServiceBuilder};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};
use tracing::Instrument;

use crate::error::{ApiError, REQUEST_ID};
use crate::messages::{self, LANG};

/// The response header (and the adopted request header) of a request's id.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("request-id");
/// Another client's name for it, honoured on requests.
const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The level of on-the-fly compression (brotli and gzip): API JSON, and static files
/// without a precompressed copy. The static files' own copies are brotli 11 and gzip 9.
const ON_THE_FLY: CompressionLevel = CompressionLevel::Precise(5);

/// Stops a request that takes longer than `request_timeout` (a Graph 503, [`timed_out`]).
/// The innermost of these layers: the CORS and security headers and [`around`]'s layers
/// wrap it, so a timed-out answer carries them like any other.
pub fn timeout(router: Router, request_timeout: Duration) -> Router {
    router.layer(
        ServiceBuilder::new()
            .layer(HandleErrorLayer::new(move |error: BoxError| async move {
                timed_out(error, request_timeout)
            }))
            .timeout(request_timeout),
    )
}

/// Wraps `router` in the request-id and compression layers (outermost first: the id is
/// set, then the span and log line, then compression), so every answer - a timed-out one
/// too - carries the id and is compressed like any response.
pub fn around(router: Router) -> Router {
    router
        .layer(CompressionLayer::new().quality(ON_THE_FLY))
        .layer(middleware::from_fn(in_request_span))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID_HEADER))
        .layer(SetRequestIdLayer::new(REQUEST_ID_HEADER, NewId))
        .layer(middleware::map_request(adopt_incoming_id))
}

/// The answer of a request that took longer than the limit: 503 `ServiceUnavailable`
/// with `Retry-After`, in Graph's error shape (the handler was stopped, so its
/// transaction rolled back).
fn timed_out(error: BoxError, limit: Duration) -> Response {
    if error.is::<tower::timeout::error::Elapsed>() {
        ApiError::TimedOut(limit).into_response()
    } else {
        ApiError::Internal(error.to_string()).into_response()
    }
}

/// An incoming id is kept when it is 1 to 128 characters of letters, digits and `-_.:`
/// (so it cannot forge log lines or carry markup).
fn acceptable(v: &HeaderValue) -> bool {
    let b = v.as_bytes();
    (1..=128).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b':'))
}

/// Keeps the client's `request-id`, else its `x-request-id`, when acceptable; removes an
/// unacceptable one, so that [`NewId`] makes a new id.
async fn adopt_incoming_id(mut req: Request) -> Request {
    let incoming = [&REQUEST_ID_HEADER, &X_REQUEST_ID]
        .into_iter()
        .filter_map(|name| req.headers().get(name))
        .find(|v| acceptable(v))
        .cloned();
    match incoming {
        Some(id) => req.headers_mut().insert(REQUEST_ID_HEADER, id),
        None => req.headers_mut().remove(REQUEST_ID_HEADER),
    };
    req
}

/// A new id ([`crate::util::new_id`]) for a request that came without one.
#[derive(Debug, Clone, Copy)]
struct NewId;

impl MakeRequestId for NewId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&crate::util::new_id())
            .ok()
            .map(RequestId::new)
    }
}

/// Runs the request in a tracing span with its id (every log line of the request carries
/// it), makes the id the task's [`REQUEST_ID`] (error bodies carry it) and the language of
/// its `Accept-Language` the task's [`LANG`] (error messages are written in it), and logs
/// one line when the response is ready.
async fn in_request_span(req: Request, next: Next) -> Response {
    let id = req
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path());
    let started = Instant::now();
    let lang = messages::lang(req.headers());
    let res = REQUEST_ID
        .scope(id, LANG.scope(lang, next.run(req)))
        .instrument(span.clone())
        .await;
    span.in_scope(|| {
        tracing::info!(
            status = res.status().as_u16(),
            micros = started.elapsed().as_micros() as u64,
            "served"
        )
    });
    res
}

/// The built app in `dir`: its files, `index.html` for unknown paths, and each file's
/// `.br` or `.gz` copy when the browser accepts that encoding ([`precompress`] makes them);
/// `Vary: accept-encoding` on each, so that caches keep the encodings apart. A file
/// replaced while the server runs (an upgrade in place) is never answered with its old
/// copy ([`fresh_copies`]).
pub fn static_files(dir: &Path) -> Router {
    Router::new()
        .fallback_service(served_dir(dir))
        .layer(middleware::from_fn_with_state(
            std::sync::Arc::new(dir.to_path_buf()),
            fresh_copies,
        ))
}

/// Before a file of `dir` is served: removes its `.br` and `.gz` copies when they are older
/// than the file, so that the file is sent compressed on the fly meanwhile, and makes them
/// again in the background. Costs a few `stat` calls per request for the app's files.
async fn fresh_copies(
    axum::extract::State(dir): axum::extract::State<std::sync::Arc<PathBuf>>,
    req: Request,
    next: Next,
) -> Response {
    refresh_stale_copies(&served_file(&dir, req.uri().path()));
    next.run(req).await
}

/// The file of `dir` that answers `path`: the file itself, a folder's `index.html`, or the
/// app's `index.html` for any other path (as [`served_dir`] answers).
fn served_file(dir: &Path, path: &str) -> PathBuf {
    let mut file = dir.to_path_buf();
    for part in path.split('/').filter(|part| !part.is_empty()) {
        if matches!(part, "." | "..") || part.contains('\\') {
            return dir.join("index.html");
        }
        file.push(part);
    }
    if file.is_dir() {
        file.push("index.html");
    }
    if file.is_file() {
        file
    } else {
        dir.join("index.html")
    }
}

/// Removes `file`'s copies that are older than it and writes them again in the background
/// ([`compress`]; another process at it is left to it).
fn refresh_stale_copies(file: &Path) {
    let Some(source) = modified(file) else {
        return;
    };
    let mut stale = Vec::new();
    for ext in ["br", "gz"] {
        let copy = with_suffix(file, ext);
        if modified(&copy).is_some_and(|copied| copied < source) {
            match std::fs::remove_file(&copy) {
                Ok(()) => stale.push((copy, ext)),
                // Another request removed it first, and makes it again.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    tracing::warn!(file = %copy.display(), error = %e, "cannot remove a stale precompressed file; it could be served")
                }
            }
        }
    }
    if stale.is_empty() {
        return;
    }
    tracing::info!(file = %file.display(), "a static file changed: its precompressed copies are made again");
    let file = file.to_path_buf();
    std::thread::spawn(move || {
        for (copy, ext) in stale {
            if let Err(e) = compress(&file, &copy, ext) {
                tracing::warn!(file = %file.display(), error = %e, "cannot write a precompressed copy; the file is compressed on the fly");
            }
        }
    });
}

fn served_dir(dir: &Path) -> SetResponseHeader<ServeDir<ServeFile>, HeaderValue> {
    let files = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(true)
        .fallback(
            ServeFile::new(dir.join("index.html"))
                .precompressed_br()
                .precompressed_gzip(),
        );
    SetResponseHeaderLayer::if_not_present(
        header::VARY,
        HeaderValue::from_static("accept-encoding"),
    )
    .layer(files)
}

/// The extensions of the files worth compressing.
const COMPRESSIBLE: &[&str] = &["wasm", "js", "mjs", "css", "html", "svg", "json", "txt"];

/// Makes `FILE.br` (brotli 11) and `FILE.gz` (gzip 9) beside each compressible file of
/// `dir` (and its subfolders) that has none or an older one. Stale copies are removed
/// first, at once, so that they are never served; the new ones are written in the
/// background (each to `FILE.br.tmp`, then renamed; several processes starting on one
/// directory make each copy once). A read-only directory only logs a warning: the files
/// are then compressed on the fly at a lower level.
///
/// Returns the background thread, if there is work (tests wait for it).
pub fn precompress(dir: &Path) -> Option<std::thread::JoinHandle<()>> {
    let mut todo = Vec::new();
    for file in files(dir) {
        let compressible = file
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| COMPRESSIBLE.contains(&e));
        if !compressible {
            continue;
        }
        let modified = modified(&file);
        for ext in ["br", "gz"] {
            let copy = with_suffix(&file, ext);
            let fresh = match (modified, copy.exists().then(|| self::modified(&copy))) {
                (Some(source), Some(Some(copied))) => copied >= source,
                _ => false,
            };
            if !fresh {
                if copy.exists() {
                    if let Err(e) = std::fs::remove_file(&copy) {
                        tracing::warn!(file = %copy.display(), error = %e, "cannot remove a stale precompressed file; it could be served");
                    }
                }
                todo.push((file.clone(), copy, ext));
            }
        }
    }
    if todo.is_empty() {
        return None;
    }
    Some(std::thread::spawn(move || {
        let started = Instant::now();
        let n = todo.len();
        for (file, copy, ext) in todo {
            if let Err(e) = compress(&file, &copy, ext) {
                tracing::warn!(file = %file.display(), error = %e, "cannot write a precompressed copy; the file is compressed on the fly");
                return;
            }
        }
        tracing::info!(
            files = n,
            millis = started.elapsed().as_millis() as u64,
            "static files precompressed"
        );
    }))
}

/// How long another process's unfinished copy (`FILE.br.tmp`) is taken as work in
/// progress; an older one was left by a process that died, and is made again.
const TMP_STALE: Duration = Duration::from_secs(120);

/// Writes `copy` from `file` through `copy.tmp`, which is also the lock between processes
/// starting on one directory: a fresh one means another process is at it (skipped).
fn compress(file: &Path, copy: &Path, ext: &str) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = with_suffix(copy, "tmp");
    if let Some(at) = modified(&tmp) {
        if at.elapsed().unwrap_or_default() < TMP_STALE {
            return Ok(());
        }
        let _ = std::fs::remove_file(&tmp);
    }
    let out = match std::fs::File::options()
        .write(true)
        .create_new(true)
        .open(&tmp)
    {
        Ok(f) => std::io::BufWriter::new(f),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
        Err(e) => return Err(e),
    };
    let result = std::fs::read(file).and_then(|bytes| {
        if ext == "br" {
            let mut w = brotli::CompressorWriter::new(out, 64 * 1024, 11, 22);
            // into_inner ends the brotli stream.
            w.write_all(&bytes).and_then(|_| w.into_inner().flush())
        } else {
            let mut w = flate2::write::GzEncoder::new(out, flate2::Compression::best());
            w.write_all(&bytes).and_then(|_| w.finish()?.flush())
        }
    });
    match result.and_then(|_| std::fs::rename(&tmp, copy)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn with_suffix(file: &Path, ext: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".");
    name.push(ext);
    PathBuf::from(name)
}

fn modified(file: &Path) -> Option<SystemTime> {
    std::fs::metadata(file).and_then(|m| m.modified()).ok()
}

/// Every file under `dir`.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => dirs.push(path),
                Ok(t) if t.is_file() => out.push(path),
                _ => {}
            }
        }
    }
    out
}
