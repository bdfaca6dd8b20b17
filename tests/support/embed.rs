//! Harness for the embedding tests: the release build and the example host page
//! (`examples/embed-host/`) on different origins, as a portal would embed the validator.
//!
//! * the console: a copy of `dist/` plus an `embed.json` that allows the host's origin,
//!   behind a proxy that adds `Access-Control-Allow-Origin` (portals import the module);
//! * the allowed host: the example host page on another port (another origin);
//! * another host: the same page on a third port, an origin `embed.json` does not list.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use fantoccini::Locator;
use serde_json::{json, Value};

use super::{selector, Page, POLL, WAIT};
use esim_test_support::static_server::StaticServer;

/// The three origins of the embedding tests.
#[derive(Debug)]
pub struct Origins {
    /// The console's base URL, ending in `/`.
    pub console: String,
    /// The example host page on the origin `embed.json` allows.
    pub allowed_host: String,
    /// The example host page on an origin `embed.json` does not list.
    pub other_host: String,
}

/// Which host page a test opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    Allowed,
    Other,
}

/// The `data-testid` values of the example host page.
pub mod host {
    pub const FRAME: &str = "host-frame";
    pub const STATUS: &str = "host-status";
    pub const THEME: &str = "host-theme";
    pub const FILE: &str = "host-file";
    pub const VERDICT: &str = "host-verdict";
    pub const CODES: &str = "host-codes";
    pub const COUNTS: &str = "host-counts";
    pub const API_FILE: &str = "api-file";
    pub const API_VERDICT: &str = "api-verdict";
    pub const API_CODES: &str = "api-codes";
}

/// Runs one browser test with the example host page open (the validator framed in it).
pub async fn run_host<F, Fut>(which: Host, test: F)
where
    F: FnOnce(Page) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let origins = origins();
    let host = match which {
        Host::Allowed => &origins.allowed_host,
        Host::Other => &origins.other_host,
    };
    let url = format!("{host}index.html?console={}", origins.console);
    super::run_at(url, host::FRAME, test).await;
}

/// The servers, started once per test binary.
pub fn origins() -> &'static Origins {
    static ORIGINS: OnceLock<Origins> = OnceLock::new();
    ORIGINS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dist = root.join("dist");
        assert!(
            dist.join("index.html").is_file(),
            "{} has no index.html: run `trunk build --release` first \
             (`cargo xtask test` does); these tests check the release build",
            dist.display()
        );
        let examples = root.join("examples/embed-host");
        let localhost = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        let start = |dir: &Path| {
            let server = StaticServer::start(dir, localhost).expect("start a static server");
            let url = server.url();
            // The servers live as long as the test binary.
            std::mem::forget(server);
            url
        };
        let allowed_host = start(&examples);
        let other_host = start(&examples);

        let console_dir =
            std::env::temp_dir().join(format!("esim-console-embed-dist-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&console_dir);
        copy_dir(&dist, &console_dir).expect("copy dist/");
        let allowed = allowed_host.trim_end_matches('/');
        std::fs::write(
            console_dir.join("embed.json"),
            json!({ "allowedOrigins": [allowed] }).to_string(),
        )
        .expect("write embed.json");
        let console = StaticServer::start(&console_dir, localhost).expect("start the console");
        let proxy = start_cors_proxy(console.addr()).expect("start the CORS proxy");
        std::mem::forget(console);
        Origins {
            console: format!("http://{proxy}/"),
            allowed_host,
            other_host,
        }
    })
}

impl Page {
    /// Switches into the validator's iframe and waits for the app to mount there.
    pub async fn enter_validator(&self) {
        let frame = self.element(host::FRAME).await;
        frame.enter_frame().await.expect("enter the iframe");
        self.element(esim_console::dom::testid::FILE).await;
    }

    /// Back to the host page.
    pub async fn leave_validator(&self) {
        self.client
            .enter_parent_frame()
            .await
            .expect("leave the iframe");
    }

    /// Chooses a file in the real `<input type=file>` with this `data-testid`.
    pub async fn upload_to(&self, id: &str, name: &str, contents: &[u8]) {
        std::fs::create_dir_all(&self.files).expect("create the upload directory");
        let path: PathBuf = self.files.join(name);
        std::fs::write(&path, contents).expect("write the upload");
        let input = self.element(id).await;
        input
            .send_keys(path.to_str().expect("a UTF-8 temp path"))
            .await
            .expect("choose the file");
    }

    /// Runs a script in the current frame and returns its result.
    pub async fn script(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|error| panic!("script failed: {error}\n{script}"))
    }

    /// Waits (at most [`WAIT`]) until a script in the current frame returns `true`; `what`
    /// names what it waits for in the failure.
    pub async fn wait_until_script(&self, script: &str, what: &str) {
        let deadline = Instant::now() + WAIT;
        while self.script(script, vec![]).await != json!(true) {
            assert!(Instant::now() < deadline, "never saw {what}");
            tokio::time::sleep(POLL).await;
        }
    }

    /// The computed value of a custom property on `:root` in the current frame.
    pub async fn root_property(&self, name: &str) -> String {
        let value = self
            .script(
                "return getComputedStyle(document.documentElement)\
                 .getPropertyValue(arguments[0]).trim();",
                vec![json!(name)],
            )
            .await;
        value.as_str().unwrap_or_default().to_owned()
    }

    /// Waits until a custom property on `:root` in the current frame is `expected`.
    pub async fn wait_for_root_property(&self, name: &str, expected: &str) {
        let deadline = Instant::now() + WAIT;
        let mut seen = String::new();
        while Instant::now() < deadline {
            seen = self.root_property(name).await;
            if seen == expected {
                return;
            }
            tokio::time::sleep(POLL).await;
        }
        panic!("{name} never became {expected:?}; last seen {seen:?}");
    }

    /// Every message event the host page received, before its origin check.
    pub async fn host_received(&self) -> Vec<Value> {
        let value = self
            .script("return window.esimHost.received;", vec![])
            .await;
        value.as_array().cloned().unwrap_or_default()
    }

    /// True when an element with this `data-testid` exists in the current frame now.
    pub async fn has_element(&self, id: &str) -> bool {
        self.client.find(Locator::Css(&selector(id))).await.is_ok()
    }
}

/// Copies a directory tree.
fn copy_dir(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// Forwards each request to `upstream` (the static server, which closes every connection)
/// and adds `Access-Control-Allow-Origin: *` to the answer, as a deployment that lets
/// portals import the module would (esim-server `--cors-origin`).
fn start_cors_proxy(upstream: SocketAddr) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    let addr = listener.local_addr()?;
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let _ = proxy(stream, upstream);
            });
        }
    });
    Ok(addr)
}

fn proxy(client: TcpStream, upstream: SocketAddr) -> io::Result<()> {
    // GET and HEAD only: the request is its head.
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        head.extend_from_slice(line.as_bytes());
        if line == "\r\n" || line == "\n" {
            break;
        }
    }
    let mut server = TcpStream::connect(upstream)?;
    server.write_all(&head)?;
    let mut response = Vec::new();
    server.read_to_end(&mut response)?;
    let status_end = response
        .windows(2)
        .position(|pair| pair == b"\r\n")
        .map_or(response.len(), |at| at + 2);
    let mut client = client;
    client.write_all(&response[..status_end])?;
    client.write_all(b"Access-Control-Allow-Origin: *\r\n")?;
    client.write_all(&response[status_end..])?;
    client.flush()
}
