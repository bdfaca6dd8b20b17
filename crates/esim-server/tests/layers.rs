//! The layers around every route: request ids (adopted from the client or made),
//! the request timeout (a Graph 503), and compression (API JSON on the fly; the app's
//! files from their precompressed copies).

mod support;

use std::io::Read;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use esim_server::Config;
use support::{csv, Backend, TestApp, POOLS};

fn get(uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut b = Request::get(uri);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn request_ids_are_adopted_or_made() {
    let t = TestApp::new(Backend::Sqlite).await;
    // None sent: one is made, in the header and the error body (graph_error checks both).
    let a = t.send(get(POOLS, &[])).await;
    a.graph_error(401, "InvalidAuthenticationToken");
    let b = t.send(get(POOLS, &[])).await;
    assert_ne!(a.headers["request-id"], b.headers["request-id"]);
    // The client's request-id, or its x-request-id, is kept.
    for header in ["request-id", "x-request-id"] {
        let r = t.send(get(POOLS, &[(header, "client-7f3a.retry:2")])).await;
        r.graph_error(401, "InvalidAuthenticationToken");
        assert_eq!(r.headers["request-id"], "client-7f3a.retry:2", "{header}");
        let ok = t.send(get("/healthz", &[(header, "Trace_0001")])).await;
        assert_eq!(ok.headers["request-id"], "Trace_0001");
    }
    // request-id wins over x-request-id.
    let r = t
        .send(get(
            POOLS,
            &[("request-id", "first"), ("x-request-id", "second")],
        ))
        .await;
    assert_eq!(r.headers["request-id"], "first");
    // An unacceptable id (odd characters, too long) is replaced by a new one; an
    // acceptable x-request-id is then taken instead.
    let long = "a".repeat(129);
    for bad in ["two words", "<script>", long.as_str(), ""] {
        let r = t.send(get(POOLS, &[("request-id", bad)])).await;
        let e = r.graph_error(401, "InvalidAuthenticationToken");
        assert_ne!(r.headers["request-id"], bad);
        assert!(!e["innerError"]["request-id"].as_str().unwrap().is_empty());
    }
    let r = t
        .send(get(
            POOLS,
            &[("request-id", "<bad>"), ("x-request-id", "good-1")],
        ))
        .await;
    assert_eq!(r.headers["request-id"], "good-1");
}

/// A request that takes longer than the limit (an import held by the test pause) gets
/// Graph's 503 with Retry-After and its request id, and nothing of it is stored. From
/// another origin the console is allowed on, the 503 carries the CORS headers too, so the
/// browser lets the console read it (else it sees only a network error, not the retry).
async fn request_timeout(backend: Backend) {
    const CONSOLE: &str = "https://console.example.com";
    let config = Config {
        request_timeout: Duration::from_millis(1500),
        import_pause: Some(Duration::from_secs(20)),
        cors_origins: vec![CONSOLE.into()],
        ..Config::default()
    };
    let t = TestApp::with_config(backend, config).await;
    let started = Instant::now();
    let r = t
        .send(
            Request::post("/api/pools/import?fileName=slow.csv")
                .header("authorization", format!("Bearer {}", t.admin))
                .header("content-type", "text/csv")
                .header("origin", CONSOLE)
                .body(Body::from(csv("smdp.example.com", 0, 50)))
                .unwrap(),
        )
        .await;
    let elapsed = started.elapsed();
    assert_eq!(r.headers["access-control-allow-origin"], CONSOLE);
    assert!(
        r.headers["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .contains("request-id"),
        "{:?}",
        r.headers
    );
    let e = r.graph_error(503, "ServiceUnavailable");
    assert!(e["message"].as_str().unwrap().contains("1.5 s"), "{e}");
    assert_eq!(r.headers["retry-after"], "1");
    // The same security headers as every answer (the timeout sits inside them).
    assert!(
        r.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src"),
        "{:?}",
        r.headers
    );
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    assert!(r.headers.contains_key("referrer-policy"), "{:?}", r.headers);
    assert!(
        elapsed >= Duration::from_millis(1400) && elapsed < Duration::from_secs(10),
        "{elapsed:?}"
    );
    // The import's transaction rolled back (the connection is back in the pool).
    assert_eq!(t.count("SELECT COUNT(*) FROM codes").await, 0);
    assert_eq!(t.count("SELECT COUNT(*) FROM pools").await, 0);
    // Quick requests are untouched.
    let list = t.admin("GET", POOLS, None).await;
    assert_eq!(list.ok(200)["value"], serde_json::json!([]));
}

on_both!(request_timeout);

fn brotli_decode(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .expect("valid brotli");
    out
}

fn gzip_decode(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

/// Sends a GET and returns the response headers and raw body bytes.
async fn fetch(t: &TestApp, uri: &str, accept: Option<&str>) -> (axum::http::HeaderMap, Vec<u8>) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut b = Request::get(uri).header("authorization", format!("Bearer {}", t.admin));
    if let Some(a) = accept {
        b = b.header("accept-encoding", a);
    }
    let res = t
        .app
        .clone()
        .oneshot(b.body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{uri}");
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (headers, bytes)
}

#[tokio::test]
async fn api_json_is_compressed_when_accepted() {
    let t = TestApp::new(Backend::Sqlite).await;
    let (h, plain) = fetch(&t, "/openapi.json", None).await;
    assert!(!h.contains_key("content-encoding"));
    let json: serde_json::Value = serde_json::from_slice(&plain).unwrap();
    assert!(json["paths"].is_object());
    let (h, br) = fetch(&t, "/openapi.json", Some("gzip, deflate, br")).await;
    assert_eq!(h["content-encoding"], "br");
    assert!(h["request-id"].to_str().is_ok_and(|v| !v.is_empty()));
    assert!(
        br.len() * 3 < plain.len(),
        "{} of {}",
        br.len(),
        plain.len()
    );
    assert_eq!(brotli_decode(&br), plain);
    let (h, gz) = fetch(&t, "/openapi.json", Some("gzip")).await;
    assert_eq!(h["content-encoding"], "gzip");
    assert_eq!(gzip_decode(&gz), plain);
    // A paged list too.
    for i in 0..5 {
        let body = serde_json::json!({"displayName": format!("Group {i}")});
        t.admin("POST", "/v1.0/groups", Some(body)).await.ok(201);
    }
    let (h, body) = fetch(&t, "/v1.0/groups", Some("br")).await;
    assert_eq!(h["content-encoding"], "br");
    let list: serde_json::Value = serde_json::from_slice(&brotli_decode(&body)).unwrap();
    assert_eq!(list["value"].as_array().unwrap().len(), 5);
}

/// Text that compresses like code (repeated words with variation).
fn codeish(n: usize, salt: &str) -> Vec<u8> {
    (0..n)
        .map(|i| {
            format!(
                "function f{i}(a, b) {{ return a * {} + b; }} // {salt}\n",
                i % 97
            )
        })
        .collect::<String>()
        .into_bytes()
}

/// A new, empty folder for a build's files (`--static-dir`).
fn scratch_dist() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "esim-dist-{}",
        esim_server::util::hex(&esim_server::util::random::<6>())
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn the_apps_files_are_served_precompressed() {
    let dir = scratch_dist();
    std::fs::create_dir_all(dir.join("snippets")).unwrap();
    let wasm = codeish(800, "wasm");
    let js = codeish(400, "js");
    std::fs::write(dir.join("index.html"), codeish(50, "<html>console")).unwrap();
    std::fs::write(dir.join("app_bg.wasm"), &wasm).unwrap();
    std::fs::write(dir.join("snippets").join("app.js"), &js).unwrap();
    std::fs::write(dir.join("logo.png"), [0x89u8, b'P', b'N', b'G']).unwrap();
    esim_server::layers::precompress(&dir)
        .expect("work to do")
        .join()
        .unwrap();
    for name in ["index.html", "app_bg.wasm", "snippets/app.js"] {
        for ext in ["br", "gz"] {
            assert!(dir.join(format!("{name}.{ext}")).is_file(), "{name}.{ext}");
        }
    }
    assert!(
        !dir.join("logo.png.br").exists(),
        "images are not compressed"
    );
    assert!(
        esim_server::layers::precompress(&dir).is_none(),
        "fresh copies are kept"
    );
    let config = Config {
        static_dir: Some(dir.clone()),
        ..Config::default()
    };
    let t = TestApp::with_config(Backend::Sqlite, config).await;

    let (h, body) = fetch(&t, "/app_bg.wasm", Some("gzip, deflate, br, zstd")).await;
    assert_eq!(h["content-encoding"], "br");
    assert_eq!(h["content-type"], "application/wasm");
    assert!(h["vary"].to_str().unwrap().contains("accept-encoding"));
    // The precompressed copy itself (brotli 11), not an on-the-fly one.
    assert_eq!(body, std::fs::read(dir.join("app_bg.wasm.br")).unwrap());
    assert_eq!(brotli_decode(&body), wasm);
    let (h, body) = fetch(&t, "/snippets/app.js", Some("gzip")).await;
    assert_eq!(h["content-encoding"], "gzip");
    assert_eq!(gzip_decode(&body), js);
    let (h, body) = fetch(&t, "/app_bg.wasm", None).await;
    assert!(!h.contains_key("content-encoding"));
    assert_eq!(body, wasm);
    // The app's own routes get index.html, compressed too.
    let (h, body) = fetch(&t, "/pools/123", Some("br")).await;
    assert_eq!(h["content-encoding"], "br");
    assert!(String::from_utf8(brotli_decode(&body))
        .unwrap()
        .contains("<html>console"));

    // A new build: the stale copies are removed at once and made again.
    std::thread::sleep(Duration::from_millis(20));
    let wasm2 = codeish(600, "wasm, rebuilt");
    std::fs::write(dir.join("app_bg.wasm"), &wasm2).unwrap();
    let old = std::fs::metadata(dir.join("app_bg.wasm.br"))
        .unwrap()
        .modified()
        .unwrap();
    let new = std::fs::metadata(dir.join("app_bg.wasm"))
        .unwrap()
        .modified()
        .unwrap();
    if new > old {
        let worker = esim_server::layers::precompress(&dir).expect("stale copies");
        worker.join().unwrap();
        let (_, body) = fetch(&t, "/app_bg.wasm", Some("br")).await;
        assert_eq!(brotli_decode(&body), wasm2);
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// An upgrade in place: a file of the app replaced while the server runs is never answered
/// from its old precompressed copy (the browser would get the old build's wasm with the new
/// build's JS); it is compressed on the fly until its copies are made again, in the
/// background.
#[tokio::test]
async fn a_file_replaced_while_serving_is_not_answered_from_its_old_copy() {
    let dir = scratch_dist();
    let wasm = codeish(800, "wasm");
    std::fs::write(dir.join("index.html"), codeish(50, "<html>console")).unwrap();
    std::fs::write(dir.join("app_bg.wasm"), &wasm).unwrap();
    esim_server::layers::precompress(&dir)
        .expect("work to do")
        .join()
        .unwrap();
    let config = Config {
        static_dir: Some(dir.clone()),
        ..Config::default()
    };
    let t = TestApp::with_config(Backend::Sqlite, config).await;
    let (_, body) = fetch(&t, "/app_bg.wasm", Some("br")).await;
    assert_eq!(brotli_decode(&body), wasm);

    // The new build's file; the copies were made a minute before it.
    let wasm2 = codeish(700, "wasm, the new build");
    std::fs::write(dir.join("app_bg.wasm"), &wasm2).unwrap();
    let before = std::time::SystemTime::now() - Duration::from_secs(60);
    for ext in ["br", "gz"] {
        std::fs::File::options()
            .write(true)
            .open(dir.join(format!("app_bg.wasm.{ext}")))
            .unwrap()
            .set_modified(before)
            .unwrap();
    }
    let (h, body) = fetch(&t, "/app_bg.wasm", Some("br")).await;
    assert_eq!(h["content-encoding"], "br");
    assert_eq!(brotli_decode(&body), wasm2, "the old build's copy was sent");
    let (h, body) = fetch(&t, "/app_bg.wasm", Some("gzip")).await;
    assert_eq!(h["content-encoding"], "gzip");
    assert_eq!(gzip_decode(&body), wasm2, "the old build's copy was sent");

    // The copies are made again from the new file, and served.
    let fresh = |ext: &str| {
        let copy = dir.join(format!("app_bg.wasm.{ext}"));
        let tmp = dir.join(format!("app_bg.wasm.{ext}.tmp"));
        let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        !tmp.exists() && modified(&copy) >= modified(&dir.join("app_bg.wasm"))
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while !(fresh("br") && fresh("gz")) {
        assert!(Instant::now() < deadline, "no new copies");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, body) = fetch(&t, "/app_bg.wasm", Some("br")).await;
    assert_eq!(body, std::fs::read(dir.join("app_bg.wasm.br")).unwrap());
    assert_eq!(brotli_decode(&body), wasm2);
    std::fs::remove_dir_all(dir).unwrap();
}

/// Without precompressed copies (a read-only build directory), the files are compressed
/// on the fly.
#[tokio::test]
async fn files_without_copies_are_compressed_on_the_fly() {
    let dir = scratch_dist();
    let css = codeish(500, "css");
    std::fs::write(dir.join("index.html"), "<html>console</html>").unwrap();
    std::fs::write(dir.join("style.css"), &css).unwrap();
    let config = Config {
        static_dir: Some(dir.clone()),
        ..Config::default()
    };
    let t = TestApp::with_config(Backend::Sqlite, config).await;
    let (h, body) = fetch(&t, "/style.css", Some("br")).await;
    assert_eq!(h["content-encoding"], "br");
    assert_eq!(brotli_decode(&body), css);
    std::fs::remove_dir_all(dir).unwrap();
}
