//! The HTTP client against the static server: both real, on a free port.

use std::net::{Ipv4Addr, SocketAddr};

use esim_test_support::http;
use esim_test_support::static_server::StaticServer;

fn serve(files: &[(&str, &str)]) -> (StaticServer, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "esim-test-support-http-{}-{}",
        std::process::id(),
        files.len()
    ));
    std::fs::create_dir_all(&dir).expect("create the directory");
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write a file");
    }
    let server = StaticServer::start(&dir, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .expect("start the static server");
    (server, dir)
}

#[test]
fn gets_a_file_with_its_type_and_a_missing_one_as_404() {
    let (server, dir) = serve(&[("index.html", "<p>app</p>"), ("data.json", "{\"n\": 1}")]);
    let base = server.url();

    let json = http::get(&format!("{base}data.json"))
        .send()
        .expect("GET data.json");
    assert_eq!(json.status, 200);
    assert_eq!(json.header("Content-Type"), Some("application/json"));
    assert_eq!(json.json()["n"], 1);

    // An extension-less path is a client-side route: the app.
    let route = http::get(&format!("{base}pools"))
        .send()
        .expect("GET /pools");
    assert_eq!((route.status, route.text().as_str()), (200, "<p>app</p>"));

    let missing = http::get(&format!("{base}missing.js")).send().expect("GET");
    assert_eq!(missing.status, 404);
    assert!(missing.success().is_err(), "a 404 is no success");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn blocking_calls_work_inside_an_async_test() {
    let (server, dir) = serve(&[("index.html", "<p>app</p>")]);
    let answer = http::get(&server.url())
        .send()
        .expect("GET / from async code");
    assert_eq!(answer.status, 200);
    let awaited = http::get(&server.url())
        .send_async()
        .await
        .expect("GET / awaited");
    assert_eq!(awaited.text(), "<p>app</p>");
    let _ = std::fs::remove_dir_all(dir);
}
