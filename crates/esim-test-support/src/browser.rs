//! Headless Chromium through ChromeDriver: ChromeDriver on a free port, Chromium with the
//! flags this kind of machine needs (no sandbox, no GPU, no background traffic), a private
//! profile and download directory, removed on [`Browser::close`].
//!
//! `CHROMEDRIVER` and `CHROME_BIN` name the programs when they are not on `PATH`
//! (`cargo xtask setup` installs both).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use fantoccini::wd::TimeoutConfiguration;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

use crate::http;

const POLL: Duration = Duration::from_millis(50);

/// How to start a browser.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Chromium arguments beside the usual ones (e.g. `--force-dark-mode`,
    /// `--window-size=1280,900`).
    pub args: Vec<String>,
    /// The script and page-load timeouts, for long-running page scripts (WebDriver's
    /// defaults when `None`).
    pub timeouts: Option<(Duration, Duration)>,
    /// The session directory's name starts with this (default `esim-browser`).
    pub name: Option<String>,
}

impl Options {
    /// The usual browser with these extra Chromium arguments.
    pub fn with_args(args: &[&str]) -> Options {
        Options {
            args: args.iter().map(|arg| (*arg).to_owned()).collect(),
            ..Options::default()
        }
    }
}

/// One ChromeDriver and one Chromium with a private profile. [`Browser::close`] quits
/// both and removes the directory; a browser dropped without it still kills ChromeDriver.
#[derive(Debug)]
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    driver: Driver,
    dir: PathBuf,
    port: u16,
}

impl Browser {
    /// Starts ChromeDriver and a new session, retrying until ChromeDriver listens.
    pub async fn start(options: &Options) -> Result<Browser> {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "{}-{}-{}",
            options.name.as_deref().unwrap_or("esim-browser"),
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(dir.join("downloads"))
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let port = crate::free_port()?;
        let program = std::env::var_os("CHROMEDRIVER").unwrap_or_else(|| "chromedriver".into());
        let driver = Command::new(&program)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(Driver)
            .with_context(|| {
                format!(
                    "cannot start {program:?}: set CHROMEDRIVER or put chromedriver on PATH \
                     (`cargo xtask setup` installs it)"
                )
            })?;

        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            // Unrounded performance.memory figures (the bench reads them).
            "--enable-precise-memory-info".into(),
            format!("--user-data-dir={}", dir.join("profile").display()),
        ];
        args.extend(options.args.iter().cloned());
        let mut chrome = json!({ "args": args });
        // Downloads go to the session's directory without asking, several in a row too.
        chrome["prefs"] = json!({
            "download.default_directory": dir.join("downloads").display().to_string(),
            "download.prompt_for_download": false,
            "download.directory_upgrade": true,
            "profile.default_content_setting_values.automatic_downloads": 1,
            "safebrowsing.enabled": false,
        });
        if let Some(binary) = std::env::var_os("CHROME_BIN") {
            chrome["binary"] = json!(binary.to_string_lossy());
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), chrome);

        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            let attempt = ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await;
            match attempt {
                Ok(client) => break client,
                Err(error) if Instant::now() > deadline => {
                    let _ = std::fs::remove_dir_all(&dir);
                    bail!("no WebDriver session from chromedriver at {url}: {error}")
                }
                Err(_) => tokio::time::sleep(POLL).await,
            }
        };
        if let Some((script, page_load)) = options.timeouts {
            client
                .update_timeouts(TimeoutConfiguration::new(
                    Some(script),
                    Some(page_load),
                    Some(Duration::ZERO),
                ))
                .await
                .context("set the WebDriver timeouts")?;
        }
        Ok(Browser {
            client,
            driver,
            dir,
            port,
        })
    }

    /// The session's directory (removed on close): a place for files a test writes.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Chromium's profile directory.
    pub fn profile(&self) -> PathBuf {
        self.dir.join("profile")
    }

    /// Where Chromium saves downloads.
    pub fn downloads(&self) -> PathBuf {
        self.dir.join("downloads")
    }

    /// Runs a Chrome DevTools Protocol command through ChromeDriver's endpoint.
    pub async fn cdp(&self, command: &str, params: Value) -> Result<Value> {
        cdp(&self.cdp_endpoint().await?, command, params).await
    }

    /// ChromeDriver's endpoint for Chrome DevTools Protocol commands of this session (for
    /// [`cdp`] from where the `Browser` is not at hand).
    pub async fn cdp_endpoint(&self) -> Result<String> {
        let id = self
            .client
            .session_id()
            .await?
            .context("a WebDriver session id")?;
        Ok(format!(
            "http://127.0.0.1:{}/session/{id}/goog/cdp/execute",
            self.port
        ))
    }

    /// Quits Chromium and ChromeDriver and removes the session's directory.
    pub async fn close(self) {
        let _ = self.client.close().await;
        drop(self.driver);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs a Chrome DevTools Protocol command through a session's endpoint
/// ([`Browser::cdp_endpoint`]) and returns the command's result (ChromeDriver answers
/// `{"value": result}`).
pub async fn cdp(endpoint: &str, command: &str, params: Value) -> Result<Value> {
    let body = json!({ "cmd": command, "params": params });
    let response = http::post(endpoint)
        .json(&body)
        .send_async()
        .await?
        .success()?;
    let mut answer = response.json();
    Ok(answer["value"].take())
}

/// Kills ChromeDriver when dropped, also when a test panics.
#[derive(Debug)]
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `chromium --version` (`CHROME_BIN`, else `chromium`), if it runs.
pub fn chromium_version() -> Option<String> {
    let program = std::env::var_os("CHROME_BIN").unwrap_or_else(|| "chromium".into());
    let out = Command::new(program).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    Some(text.lines().next()?.trim().to_owned())
}
