//! Harness for the end-to-end tests: the release build in `dist/`, served by a small static
//! server, driven in headless Chromium through ChromeDriver (WebDriver); the browser, the
//! server and the HTTP client come from `esim-test-support`.
//!
//! A test is `support::run(|page| async move { ... }).await`: it gets a fresh browser with
//! its own profile, the app loaded and mounted, and helpers that poll (never sleep) for what
//! the user would see. The browser and the driver are closed whatever the test does.
// Each test binary that includes this module uses a different subset of the helpers.
#![allow(dead_code)]

pub mod embed;
pub mod server;

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use esim_console::dom::testid;
use esim_test_support::browser::{Browser, Options};
use esim_test_support::static_server::StaticServer;
use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use serde_json::json;

/// WebDriver's key codes.
pub const TAB: &str = "\u{e004}";
pub const ENTER: &str = "\u{e007}";
pub const ARROW_DOWN: &str = "\u{e015}";

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
    // The text area appears once the wasm module has loaded and the app has mounted; a
    // broken release build (e.g. a bad wasm-opt) leaves the page blank.
    run_at(server().url(), testid::TEXT, test).await;
}

/// Opens `url` in a fresh headless Chromium, waits for the element `ready`, and runs `test`.
/// A panic inside `test` fails the test after the browser is closed.
pub async fn run_at<F, Fut>(url: String, ready: &'static str, test: F)
where
    F: FnOnce(Page) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    run_with(url, ready, &[], test).await;
}

/// Runs one browser test against the release build in a browser that prefers the dark
/// colour scheme (`prefers-color-scheme: dark`), as a user with a dark system theme.
pub async fn run_dark<F, Fut>(test: F)
where
    F: FnOnce(Page) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    run_with(server().url(), testid::TEXT, &["--force-dark-mode"], test).await;
}

/// [`run_at`] with extra Chromium arguments.
pub async fn run_with<F, Fut>(url: String, ready: &'static str, args: &[&str], test: F)
where
    F: FnOnce(Page) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let session = Browser::start(&Options {
        name: Some("esim-console-e2e".into()),
        ..Options::with_args(args)
    })
    .await
    .unwrap_or_else(|error| panic!("{error:#}"));
    let page = Page {
        client: session.client.clone(),
        files: session.dir().join("files"),
        cdp: session.cdp_endpoint().await.expect("the DevTools endpoint"),
    };
    let outcome = tokio::spawn(async move {
        page.client.goto(&url).await.expect("open the page");
        page.element(ready).await;
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
    /// ChromeDriver's DevTools endpoint of the session.
    cdp: String,
}

impl Page {
    /// Runs a Chrome DevTools Protocol command on the page (e.g. network emulation).
    pub async fn cdp(&self, command: &str, params: serde_json::Value) -> serde_json::Value {
        esim_test_support::browser::cdp(&self.cdp, command, params)
            .await
            .unwrap_or_else(|error| panic!("{command}: {error:#}"))
    }

    /// A full load of `url`, from another document: going to a URL that differs from the
    /// page's only in its fragment would not load the page again.
    pub async fn full_load(&self, url: &str) {
        self.client
            .goto("about:blank")
            .await
            .expect("leave the page");
        self.client.goto(url).await.expect("load the page");
    }

    /// Waits until the app's service worker is active and controls this page (the first
    /// visit installs it; it takes the page over once active).
    pub async fn controlled_by_the_service_worker(&self) {
        self.client
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 navigator.serviceWorker.ready.then(() => {\
                   if (navigator.serviceWorker.controller) return done(true);\
                   navigator.serviceWorker.addEventListener('controllerchange', () => done(true));\
                 });",
                vec![],
            )
            .await
            .expect("the service worker controls the page");
    }

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

    /// Chooses several files at once in the `multiple` file input (paths separated by line
    /// breaks, as ChromeDriver expects).
    pub async fn upload_many(&self, files: &[(&str, &[u8])]) {
        std::fs::create_dir_all(&self.files).expect("create the upload directory");
        let mut paths = Vec::new();
        for (name, contents) in files {
            let path = self.files.join(name);
            std::fs::write(&path, contents).expect("write the upload");
            paths.push(path.to_str().expect("a UTF-8 temp path").to_owned());
        }
        let input = self.element(testid::FILE).await;
        input
            .send_keys(&paths.join("\n"))
            .await
            .expect("choose the files");
    }

    /// Chooses a file already on disk (e.g. a big generated one).
    pub async fn upload_path(&self, path: &Path) {
        let input = self.element(testid::FILE).await;
        input
            .send_keys(path.to_str().expect("a UTF-8 temp path"))
            .await
            .expect("choose the file");
    }

    /// Chooses several files already on disk at once (e.g. sparse ones).
    pub async fn upload_paths(&self, paths: &[PathBuf]) {
        let paths: Vec<&str> = paths
            .iter()
            .map(|path| path.to_str().expect("a UTF-8 temp path"))
            .collect();
        let input = self.element(testid::FILE).await;
        input
            .send_keys(&paths.join("\n"))
            .await
            .expect("choose the files");
    }

    /// A directory for files a test generates, removed with the session.
    pub fn scratch(&self) -> PathBuf {
        std::fs::create_dir_all(&self.files).expect("create the upload directory");
        self.files.clone()
    }

    /// True when an element with this `data-testid` exists now (no waiting).
    pub async fn exists(&self, id: &str) -> bool {
        self.client.find(Locator::Css(&selector(id))).await.is_ok()
    }

    /// The visible text of every element with this `data-testid`.
    pub async fn texts(&self, id: &str) -> Vec<String> {
        let mut texts = Vec::new();
        for element in self
            .client
            .find_all(Locator::Css(&selector(id)))
            .await
            .expect("find elements")
        {
            texts.push(element.text().await.unwrap_or_default().trim().to_owned());
        }
        texts
    }

    /// Waits until the element with this `data-testid` shows text containing `part`.
    pub async fn wait_for_text_containing(&self, id: &str, part: &str, wait: Duration) {
        let deadline = Instant::now() + wait;
        let mut seen = None;
        while Instant::now() < deadline {
            if let Ok(element) = self.client.find(Locator::Css(&selector(id))).await {
                if let Ok(text) = element.text().await {
                    if text.contains(part) {
                        return;
                    }
                    seen = Some(text);
                }
            }
            tokio::time::sleep(POLL).await;
        }
        panic!("[data-testid={id}] never showed {part:?}; last seen {seen:?}");
    }

    /// Waits for the element with this `data-testid`, up to `wait`.
    pub async fn element_within(&self, id: &str, wait: Duration) -> Element {
        self.client
            .wait()
            .at_most(wait)
            .every(POLL)
            .for_element(Locator::Css(&selector(id)))
            .await
            .unwrap_or_else(|error| panic!("no element [data-testid={id}]: {error}"))
    }

    /// Chromium's download directory (set through its preferences), next to `files`.
    pub fn downloads(&self) -> PathBuf {
        self.files
            .parent()
            .expect("files lives in the session directory")
            .join("downloads")
    }

    /// Waits until Chromium has finished downloading `name` and returns its bytes.
    pub async fn download(&self, name: &str) -> Vec<u8> {
        let downloads = self.downloads();
        let path = downloads.join(name);
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            let partial = downloads.join(format!("{name}.crdownload"));
            // Chromium may show the final name empty before its `.crdownload` appears;
            // every file these tests download has content.
            if path.is_file() && !partial.exists() {
                if let Ok(bytes) = std::fs::read(&path) {
                    if !bytes.is_empty() {
                        return bytes;
                    }
                }
            }
            tokio::time::sleep(POLL).await;
        }
        let present: Vec<String> = std::fs::read_dir(&downloads)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        panic!("{name} was not downloaded; the download directory holds {present:?}");
    }

    /// Runs axe-core on the page as it is and fails on any serious or critical violation.
    /// `state` names the screen in the failure message.
    pub async fn assert_accessible(&self, state: &str) {
        let violations = self.axe_violations().await;
        assert_eq!(
            violations,
            json!([]),
            "axe-core: serious or critical violations on the {state} screen"
        );
        self.assert_no_csp_reports(state).await;
    }

    /// axe-core's serious and critical violations on the page as it is (an empty array
    /// when none), for a test that collects them instead of failing at the first.
    pub async fn axe_violations(&self) -> serde_json::Value {
        let script = axe_script();
        let loaded = self
            .client
            .execute("return typeof window.axe !== 'undefined';", vec![])
            .await
            .expect("probe axe");
        if loaded != json!(true) {
            // Run as WebDriver's script, not as an inline <script>: esim-server's page
            // policy refuses inline scripts (docs/server.md, "Page policy"). axe.min.js
            // sets window.axe itself.
            self.client
                .execute(&format!("{script}\nreturn typeof window.axe;"), vec![])
                .await
                .expect("inject axe-core");
        }
        self.client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] })
                   .then(r => done(r.violations
                       .filter(v => v.impact === 'serious' || v.impact === 'critical')
                       .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                                    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }))))
                   .catch(e => done([{ id: 'axe-error', help: String(e) }]));",
                vec![],
            )
            .await
            .expect("run axe-core")
    }

    /// Fails when the page's Content-Security-Policy refused anything since it loaded.
    pub async fn assert_no_csp_reports(&self, state: &str) {
        // Nothing the page did was refused by its Content-Security-Policy (esim-server
        // sends one; the static server of the e2e tests none): the browser's reports since
        // the page loaded.
        let refused = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 const seen = [];
                 const o = new ReportingObserver((reports) => {
                   for (const r of reports) seen.push(r.body.effectiveDirective + ' ' + r.body.blockedURL);
                 }, { types: ['csp-violation'], buffered: true });
                 o.observe();
                 setTimeout(() => { o.takeRecords(); o.disconnect(); done(seen); }, 50);",
                vec![],
            )
            .await
            .expect("read the CSP reports");
        assert_eq!(
            refused,
            json!([]),
            "the page policy refused something on the {state} screen"
        );
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

    /// The `data-testid` of the element that has the keyboard focus (empty when none).
    pub async fn focused(&self) -> String {
        self.client
            .execute(
                "const e = document.activeElement; \
                 return (e && e.getAttribute('data-testid')) || '';",
                vec![],
            )
            .await
            .expect("read the focused element")
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Presses keys, as a keyboard does: they go to whatever has the focus.
    pub async fn keys(&self, keys: &str) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let mut actions = KeyActions::new("keyboard".to_owned());
        for value in keys.chars() {
            actions = actions
                .then(KeyAction::Down { value })
                .then(KeyAction::Up { value });
        }
        self.client
            .perform_actions(actions)
            .await
            .expect("press keys");
    }

    /// Presses Tab until the element `id` has the focus (at most `limit` times) and returns
    /// how many presses it took; fails when it is never reached.
    pub async fn tab_to(&self, id: &str, limit: usize) -> usize {
        for presses in 0..=limit {
            if self.focused().await == id {
                return presses;
            }
            self.keys(TAB).await;
        }
        panic!("[data-testid={id}] never got the focus in {limit} presses of Tab");
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

/// axe-core's `axe.min.js`: `AXE_CORE_JS` (set by `cargo xtask test`), read once.
fn axe_script() -> &'static str {
    static SCRIPT: OnceLock<String> = OnceLock::new();
    SCRIPT.get_or_init(|| {
        let path = std::env::var_os("AXE_CORE_JS").expect(
            "AXE_CORE_JS is not set: run `cargo xtask setup` (it installs axe-core from npm) \
             and set AXE_CORE_JS to its axe.min.js, or run `cargo xtask test`",
        );
        std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", Path::new(&path).display()))
    })
}

fn selector(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

/// The URL of the release build's page (served once per test binary).
pub fn dist_url() -> String {
    server().url()
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
