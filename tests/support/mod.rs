//! Harness for the end-to-end tests: the release build in `dist/`, served by a small static
//! server, driven in headless Chromium through ChromeDriver (WebDriver).
//!
//! A test is `support::run(|page| async move { ... }).await`: it gets a fresh browser with
//! its own profile, the app loaded and mounted, and helpers that poll (never sleep) for what
//! the user would see. The browser and the driver are closed whatever the test does.
// Each test binary that includes this module uses a different subset of the helpers.
#![allow(dead_code)]

pub mod embed;
pub mod static_server;

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use esim_console::app::testid;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use self::static_server::StaticServer;

/// How long to wait for something the user should see.
const WAIT: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(50);

/// Runs one browser test against the release build.
///
/// A panic inside `test` fails the test after the browser is closed.
pub async fn run<F, Fut>(test: F)
where
    F: FnOnce(Page) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let url = server().url();
    let session = Session::start().await;
    let page = Page {
        client: session.client.clone(),
        files: session.dir.join("files"),
    };
    let outcome = tokio::spawn(async move {
        page.client.goto(&url).await.expect("open the app");
        // The text area appears once the wasm module has loaded and the app has mounted;
        // a broken release build (e.g. a bad wasm-opt) leaves the page blank.
        page.element(testid::TEXT).await;
        test(page).await;
    })
    .await;
    session.close().await;
    if let Err(error) = outcome {
        match error.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(error) => panic!("test task failed: {error}"),
        }
    }
}

/// The app as one test's browser shows it.
#[derive(Debug, Clone)]
pub struct Page {
    pub client: Client,
    /// Where [`Page::upload`] writes the files it chooses.
    files: PathBuf,
}

impl Page {
    /// Waits for the element with this `data-testid`.
    pub async fn element(&self, id: &str) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .every(POLL)
            .for_element(Locator::Css(&selector(id)))
            .await
            .unwrap_or_else(|error| panic!("no element [data-testid={id}]: {error}"))
    }

    /// The visible text of the element with this `data-testid`, once it exists.
    pub async fn text(&self, id: &str) -> String {
        let element = self.element(id).await;
        element.text().await.expect("read text").trim().to_owned()
    }

    /// Waits until the element with this `data-testid` shows exactly `expected`.
    pub async fn wait_for_text(&self, id: &str, expected: &str) {
        let deadline = Instant::now() + WAIT;
        let mut seen = None;
        while Instant::now() < deadline {
            if let Ok(element) = self.client.find(Locator::Css(&selector(id))).await {
                // The element may be replaced between find and read; poll again then.
                if let Ok(text) = element.text().await {
                    if text.trim() == expected {
                        return;
                    }
                    seen = Some(text);
                }
            }
            tokio::time::sleep(POLL).await;
        }
        panic!("[data-testid={id}] never showed {expected:?}; last seen {seen:?}");
    }

    /// Chooses a file in the real `<input type=file>`, as a user would: the file is written
    /// to disk under `name` and its path typed into the input.
    pub async fn upload(&self, name: &str, contents: &[u8]) {
        std::fs::create_dir_all(&self.files).expect("create the upload directory");
        let path = self.files.join(name);
        std::fs::write(&path, contents).expect("write the upload");
        let input = self.element(testid::FILE).await;
        input
            .send_keys(path.to_str().expect("a UTF-8 temp path"))
            .await
            .expect("choose the file");
    }

    /// Types text into the text area (line breaks included).
    pub async fn paste(&self, text: &str) {
        let area = self.element(testid::TEXT).await;
        area.clear().await.expect("clear the text area");
        area.send_keys(text).await.expect("type into the text area");
    }

    pub async fn click(&self, id: &str) {
        self.element(id).await.click().await.expect("click");
    }

    /// Every finding row as `[code, line, column, message]`.
    pub async fn findings(&self) -> Vec<[String; 4]> {
        let rows = self
            .client
            .find_all(Locator::Css(&selector(testid::FINDING)))
            .await
            .expect("find finding rows");
        let mut findings = Vec::new();
        for row in rows {
            let mut cells = Vec::new();
            for id in [
                testid::FINDING_CODE,
                testid::FINDING_LINE,
                testid::FINDING_COLUMN,
                testid::FINDING_MESSAGE,
            ] {
                let cell = row.find(Locator::Css(&selector(id))).await.expect("cell");
                cells.push(cell.text().await.expect("cell text").trim().to_owned());
            }
            findings.push(cells.try_into().expect("four cells"));
        }
        findings
    }

    /// The finding codes, in the order shown.
    pub async fn finding_codes(&self) -> Vec<String> {
        let findings = self.findings().await;
        findings.into_iter().map(|[code, ..]| code).collect()
    }
}

fn selector(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

/// The release build, served once per test binary.
fn server() -> &'static StaticServer {
    static SERVER: OnceLock<StaticServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("dist");
        assert!(
            dist.join("index.html").is_file(),
            "{} has no index.html: run `trunk build --release` first \
             (`cargo xtask test` does); these tests check the release build",
            dist.display()
        );
        StaticServer::start(&dist, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .expect("start the static server")
    })
}

/// One ChromeDriver and one Chromium with a private profile.
struct Session {
    client: Client,
    driver: Driver,
    dir: PathBuf,
}

impl Session {
    async fn start() -> Self {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "esim-console-e2e-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("create the session directory");

        let port = free_port();
        let program = std::env::var_os("CHROMEDRIVER").unwrap_or_else(|| "chromedriver".into());
        let driver = Command::new(&program)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(Driver)
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start {program:?} ({error}): set CHROMEDRIVER or put chromedriver \
                     on PATH (`cargo xtask setup` installs it)"
                )
            });

        let mut chrome = json!({
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                format!("--user-data-dir={}", dir.join("profile").display()),
            ]
        });
        if let Some(binary) = std::env::var_os("CHROME_BIN") {
            chrome["binary"] = json!(binary.to_string_lossy());
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), chrome);

        // ChromeDriver takes a moment to listen: retry the new session until it answers.
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + WAIT;
        let client = loop {
            let attempt = ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await;
            match attempt {
                Ok(client) => break client,
                Err(error) if Instant::now() > deadline => {
                    panic!("no WebDriver session from chromedriver at {url}: {error}")
                }
                Err(_) => tokio::time::sleep(POLL).await,
            }
        };
        Self {
            client,
            driver,
            dir,
        }
    }

    async fn close(self) {
        // Quits Chromium; the driver is killed when `self.driver` drops.
        let _ = self.client.close().await;
        drop(self.driver);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Kills ChromeDriver when dropped, also when a test panics.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("find a free port")
        .port()
}
