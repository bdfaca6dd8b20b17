//! Harness for the console tests: a real `esim-server serve` process serving the release
//! build and the API on its own database, its tokens, the fleet simulator, and requests
//! to check what the server holds (the process, token and HTTP helpers of
//! `esim-test-support`).
//!
//! * The database is SQLite in a temporary directory, or, when `ESIM_TEST_POSTGRES` is set
//!   (`postgres://user@host:port`, optionally with the maintenance database as its path),
//!   a fresh PostgreSQL database created for the test and dropped after it (trust auth).
//! * The binary is `ESIM_SERVER_EXE`, else `esim-server` next to this test binary
//!   (`target/debug/`; `cargo build -p esim-server` puts it there, `cargo xtask test`
//!   builds it before these tests).
//! * The app is `ESIM_DIST`, else `dist/` at the repository root (`trunk build --release`).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub use esim_test_support::http::Response;
/// A valid ICCID (Luhn) from a number, as every suite makes them.
pub use esim_test_support::iccid;
use esim_test_support::{http as client, server};

use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::Locator;
use serde_json::{json, Value};

use super::{selector, Page, POLL, WAIT};

/// The pools collection of the API.
pub const POOLS: &str = "/beta/deviceManagement/embeddedSIMActivationCodePools";

/// The `esim-server` binary.
pub fn exe() -> PathBuf {
    let exe = match std::env::var_os("ESIM_SERVER_EXE") {
        Some(path) => PathBuf::from(path),
        None => {
            // This test binary is target/<profile>/deps/console-<hash>.
            let me = std::env::current_exe().expect("the test binary's path");
            let profile_dir = me
                .parent()
                .and_then(Path::parent)
                .expect("the test binary lives in target/<profile>/deps");
            profile_dir.join(format!("esim-server{}", std::env::consts::EXE_SUFFIX))
        }
    };
    assert!(
        exe.is_file(),
        "{} does not exist: run `cargo build -p esim-server` first (`cargo xtask test` \
         does) or set ESIM_SERVER_EXE",
        exe.display()
    );
    exe
}

/// The built app the server serves: `ESIM_DIST`, else `<repo>/dist`.
pub fn dist() -> PathBuf {
    let dist = std::env::var_os("ESIM_DIST").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("dist"),
        PathBuf::from,
    );
    assert!(
        dist.join("index.html").is_file(),
        "{} has no index.html: run `trunk build --release` first (`cargo xtask test` does), \
         or set ESIM_DIST to a build; these tests check the release build",
        dist.display()
    );
    dist
}

/// A name no other test (or run) uses.
fn unique(prefix: &str) -> String {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Which database the tests run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// PostgreSQL when `ESIM_TEST_POSTGRES` is set (and not empty), else SQLite.
    pub fn from_env() -> Self {
        match std::env::var("ESIM_TEST_POSTGRES") {
            Ok(url) if !url.trim().is_empty() => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }
}

/// One test's database: created on [`TestDatabase::new`], removed on drop.
#[derive(Debug)]
pub struct TestDatabase {
    /// The `--database` URL.
    pub url: String,
    pub backend: Backend,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Sqlite(PathBuf),
    Postgres { admin: PgAddr, name: String },
}

impl TestDatabase {
    /// A new empty database on the backend [`Backend::from_env`] chooses.
    pub fn new() -> Self {
        match Backend::from_env() {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(unique("esim-console-db"));
                std::fs::create_dir_all(&dir).expect("create the database directory");
                TestDatabase {
                    url: format!("sqlite://{}", dir.join("console.db").display()),
                    backend: Backend::Sqlite,
                    cleanup: Cleanup::Sqlite(dir),
                }
            }
            Backend::Postgres => {
                let setting = std::env::var("ESIM_TEST_POSTGRES").unwrap_or_default();
                let admin = PgAddr::parse(&setting);
                let name = unique("esim_console");
                admin
                    .execute(&format!("CREATE DATABASE {name}"))
                    .unwrap_or_else(|error| {
                        panic!(
                            "cannot create a PostgreSQL database through {setting} \
                             (ESIM_TEST_POSTGRES; trust auth expected): {error}"
                        )
                    });
                TestDatabase {
                    url: admin.url_of(&name),
                    backend: Backend::Postgres,
                    cleanup: Cleanup::Postgres { admin, name },
                }
            }
        }
    }
}

impl Default for TestDatabase {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin, name } => {
                // FORCE: a server a failed test left connected does not keep it.
                if let Err(error) =
                    admin.execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                {
                    eprintln!("warning: cannot drop the test database {name}: {error}");
                }
            }
        }
    }
}

/// Where PostgreSQL listens, and as whom to connect (trust auth: no password exchange).
#[derive(Debug, Clone)]
struct PgAddr {
    user: String,
    host: String,
    port: u16,
    /// The maintenance database to connect to for CREATE/DROP DATABASE.
    database: String,
}

impl PgAddr {
    /// `postgres://user[:password]@host[:port][/database][?options]`.
    fn parse(url: &str) -> Self {
        let rest = url
            .trim()
            .strip_prefix("postgres://")
            .or_else(|| url.trim().strip_prefix("postgresql://"))
            .unwrap_or_else(|| panic!("ESIM_TEST_POSTGRES={url:?} is not a postgres:// URL"));
        let rest = rest.split('?').next().unwrap_or_default();
        let (authority, database) = rest.split_once('/').unwrap_or((rest, ""));
        let (userinfo, hostport) = authority
            .rsplit_once('@')
            .unwrap_or(("postgres", authority));
        let user = userinfo.split(':').next().unwrap_or("postgres");
        let (host, port) = match hostport.rsplit_once(':') {
            Some((host, port)) => (
                host,
                port.parse()
                    .unwrap_or_else(|_| panic!("bad port in ESIM_TEST_POSTGRES={url:?}")),
            ),
            None => (hostport, 5432),
        };
        PgAddr {
            user: if user.is_empty() { "postgres" } else { user }.to_owned(),
            host: if host.is_empty() { "127.0.0.1" } else { host }.to_owned(),
            port,
            database: if database.is_empty() {
                "postgres"
            } else {
                database
            }
            .to_owned(),
        }
    }

    /// The URL of another database on this server.
    fn url_of(&self, database: &str) -> String {
        format!(
            "postgres://{}@{}:{}/{database}",
            self.user, self.host, self.port
        )
    }

    /// Runs one statement over PostgreSQL's wire protocol (version 3, simple query).
    fn execute(&self, sql: &str) -> Result<(), String> {
        let mut stream = TcpStream::connect((self.host.as_str(), self.port))
            .map_err(|e| format!("connect to {}:{}: {e}", self.host, self.port))?;
        let timeout = Some(Duration::from_secs(60));
        stream
            .set_read_timeout(timeout)
            .map_err(|e| e.to_string())?;
        stream
            .set_write_timeout(timeout)
            .map_err(|e| e.to_string())?;

        let mut startup = 196_608u32.to_be_bytes().to_vec(); // protocol 3.0
        for (key, value) in [("user", &self.user), ("database", &self.database)] {
            startup.extend_from_slice(key.as_bytes());
            startup.push(0);
            startup.extend_from_slice(value.as_bytes());
            startup.push(0);
        }
        startup.push(0);
        let mut message = ((startup.len() + 4) as u32).to_be_bytes().to_vec();
        message.extend_from_slice(&startup);
        stream.write_all(&message).map_err(|e| e.to_string())?;
        pg_until_ready(&mut stream)?;

        let mut query = vec![b'Q'];
        query.extend_from_slice(&((sql.len() + 5) as u32).to_be_bytes());
        query.extend_from_slice(sql.as_bytes());
        query.push(0);
        stream.write_all(&query).map_err(|e| e.to_string())?;
        let outcome = pg_until_ready(&mut stream);
        let _ = stream.write_all(&[b'X', 0, 0, 0, 4]);
        outcome
    }
}

/// Reads messages until ReadyForQuery; the first error (or a password request) is returned.
fn pg_until_ready(stream: &mut TcpStream) -> Result<(), String> {
    let mut error: Option<String> = None;
    loop {
        let mut head = [0u8; 5];
        let mut body = Vec::new();
        let read = stream.read_exact(&mut head).and_then(|()| {
            let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
            body = vec![0u8; len.saturating_sub(4)];
            stream.read_exact(&mut body)
        });
        if let Err(e) = read {
            // An error during startup ends the connection without ReadyForQuery.
            return Err(error.unwrap_or_else(|| format!("reading from PostgreSQL: {e}")));
        }
        match head[0] {
            b'R' => {
                let code = body
                    .get(..4)
                    .map_or(u32::MAX, |c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]));
                if code != 0 {
                    return Err(format!(
                        "the server asks for authentication (method {code}); these tests \
                         expect trust auth"
                    ));
                }
            }
            b'E' => {
                // Fields: a type byte and a NUL-terminated string each; M is the message.
                let text: Vec<String> = body
                    .split(|b| *b == 0)
                    .filter(|f| matches!(f.first(), Some(b'M' | b'C')))
                    .map(|f| String::from_utf8_lossy(&f[1..]).into_owned())
                    .collect();
                error.get_or_insert(text.join(" "));
            }
            b'Z' => break,
            _ => {}
        }
    }
    match error {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// A running `esim-server serve`, killed on drop (its log printed when a test failed).
#[derive(Debug)]
pub struct EsimServer {
    process: server::Server,
}

impl EsimServer {
    /// Starts `serve` on a free port of 127.0.0.1, serving [`dist`] and the API on `db`,
    /// allowing `frame_ancestors` to frame it; returns once `/healthz` answers 200.
    pub fn start(db: &TestDatabase, frame_ancestors: &[&str]) -> Self {
        let args: Vec<&str> = frame_ancestors
            .iter()
            .flat_map(|origin| ["--frame-ancestor", *origin])
            .collect();
        Self::start_with(db, &args)
    }

    /// [`EsimServer::start`] with more `serve` arguments (`--oidc-issuer ...`,
    /// `--connect-origin ...`).
    pub fn start_with(db: &TestDatabase, args: &[&str]) -> Self {
        let dist = dist();
        let process = server::Server::serve(&exe(), &db.url, |command| {
            command.arg("--static-dir").arg(&dist).args(args);
            command
                .env("RUST_LOG", "info,sqlx=warn")
                .env_remove("ESIM_TEST_PAUSE_IMPORT_MS");
        })
        .unwrap_or_else(|error| panic!("{error:#}"));
        EsimServer { process }
    }

    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> &str {
        self.process.url()
    }

    /// The origin (same as [`EsimServer::url`]).
    pub fn origin(&self) -> String {
        self.url().to_owned()
    }

    /// Kills the process (the port then refuses connections).
    pub fn stop(&mut self) {
        self.process.stop();
    }

    /// Everything the server logged so far.
    pub fn log(&self) -> String {
        self.process.log()
    }

    /// A new token of this role (`admin`, `reader`) from `esim-server token create`.
    pub fn token(db: &TestDatabase, role: &str) -> String {
        server::create_token(&exe(), &db.url, role, "console e2e", None)
            .unwrap_or_else(|error| panic!("{error:#}"))
    }

    /// Runs the fleet simulator on the members of `group` for `rounds` rounds, no
    /// failures; returns its standard output.
    pub async fn simulate(&self, token: &str, group: &str, rounds: u32) -> String {
        self.simulate_with(token, group, rounds, 0.0).await
    }

    /// [`Self::simulate`] with a share of installs that fail (0 to 1).
    pub async fn simulate_with(
        &self,
        token: &str,
        group: &str,
        rounds: u32,
        failure_rate: f64,
    ) -> String {
        // Unknown flags are not rejected by the simulator: without `--group` it would
        // simulate a fleet of its own and the test would wait for states that never come.
        let help = Command::new(exe())
            .arg("--help")
            .output()
            .expect("run esim-server --help");
        assert!(
            String::from_utf8_lossy(&help.stdout).contains("--group"),
            "`esim-server simulate` has no --group option (checking in the members of an \
             existing group); {} is too old or the option is missing",
            exe().display()
        );
        let mut command = Command::new(exe());
        command
            .args(["simulate", "--url", self.url(), "--token", token])
            .args(["--group", group, "--rounds", &rounds.to_string()])
            .args(["--failure-rate", &failure_rate.to_string()])
            .args(["--concurrency", "4"])
            .stdin(Stdio::null());
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .expect("the simulator task")
            .expect("run esim-server simulate");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "esim-server simulate --group {group} --rounds {rounds} failed ({}):\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    }

    /// `GET path` with this bearer token; the status and the JSON body (null if none).
    pub fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let response = http(self.url(), "GET", path, Some(token), None)
            .unwrap_or_else(|error| panic!("GET {path}: {error}"));
        (response.status, response.json())
    }

    /// `POST path` with a JSON body and this bearer token.
    pub fn post(&self, token: &str, path: &str, body: &Value) -> (u16, Value) {
        let response = http(self.url(), "POST", path, Some(token), Some(body))
            .unwrap_or_else(|error| panic!("POST {path}: {error}"));
        (response.status, response.json())
    }

    /// Every pool on the server (`value` of the pools list).
    pub fn pools(&self, token: &str) -> Vec<Value> {
        let (status, body) = self.get(token, POOLS);
        assert_eq!(status, 200, "GET pools: {body}");
        body["value"].as_array().cloned().unwrap_or_default()
    }

    /// Creates a pool through the API; returns its id.
    pub fn create_pool(&self, token: &str, name: &str, smdp: &str, from: u64, n: u64) -> String {
        let codes: Vec<Value> = (from..from + n)
            .map(|i| {
                json!({
                    "integratedCircuitCardIdentifier": iccid(i),
                    "matchingIdentifier": matching_id(i),
                    "smdpPlusServerAddress": smdp,
                })
            })
            .collect();
        let (status, pool) = self.post(
            token,
            POOLS,
            &json!({ "displayName": name, "activationCodes": codes }),
        );
        assert_eq!(status, 201, "create pool: {pool}");
        pool["id"].as_str().expect("a pool id").to_owned()
    }

    /// A new group targeted by `pool` with one new device in it: (group id, device id).
    pub fn targeted_device(
        &self,
        token: &str,
        pool: &str,
        group_name: &str,
        device: (&str, &str),
    ) -> (String, String) {
        let id = |(status, body): (u16, Value)| {
            assert_eq!(status, 201, "{body}");
            body["id"].as_str().unwrap().to_owned()
        };
        let group = id(self.post(token, "/v1.0/groups", &json!({"displayName": group_name})));
        let (name, user) = device;
        let device = id(self.post(
            token,
            "/v1.0/devices",
            &json!({"displayName": name, "userName": user}),
        ));
        self.add_member(token, &group, &device);
        self.target_group(token, pool, &group);
        (group, device)
    }

    /// Adds a device to a group (asserts success).
    pub fn add_member(&self, token: &str, group: &str, device: &str) {
        let reference = json!({"@odata.id": format!("{}/v1.0/devices/{device}", self.url())});
        let (status, body) = self.post(
            token,
            &format!("/v1.0/groups/{group}/members/$ref"),
            &reference,
        );
        assert!(status < 300, "{status} {body}");
    }

    /// Assigns a pool to one group, the pool's only assignment (asserts success).
    pub fn target_group(&self, token: &str, pool: &str, group: &str) {
        let assign = json!({"assignments": [{"target": {
            "@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": group}}]});
        let (status, body) = self.post(
            token,
            &format!("/beta/deviceManagement/embeddedSIMActivationCodePools/{pool}/assign"),
            &assign,
        );
        assert_eq!(status, 200, "{body}");
    }
}

/// The Matching ID that goes with [`iccid`]`(n)`.
pub fn matching_id(n: u64) -> String {
    format!("MATCH-{n:06}")
}

/// A valid CSV file of `n` codes starting at `from`.
pub fn valid_csv(smdp: &str, from: u64, n: u64) -> String {
    let mut csv = format!("{smdp}\n");
    for i in from..from + n {
        csv.push_str(&format!("{},{}\n", iccid(i), matching_id(i)));
    }
    csv
}

/// One request to the server at `base`: `path`, a bearer token, a JSON body.
pub fn http(
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> anyhow::Result<Response> {
    let mut request = client::Request::new(method, &format!("{base}{path}"))
        .bearer_opt(token)
        .timeout(Duration::from_secs(30));
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send()
}

/// Console helpers on the browser page: every wait polls until [`WAIT`].
impl Page {
    /// The page's current URL.
    pub async fn url(&self) -> String {
        self.client
            .current_url()
            .await
            .expect("the current URL")
            .to_string()
    }

    /// Waits until the URL's fragment is `fragment` (e.g. `#/pools`).
    pub async fn wait_for_fragment(&self, fragment: &str) {
        let deadline = Instant::now() + WAIT;
        let mut seen = String::new();
        while Instant::now() < deadline {
            seen = self.url().await;
            let hash = seen.find('#').map_or("", |at| &seen[at..]);
            if hash == fragment {
                return;
            }
            tokio::time::sleep(POLL).await;
        }
        panic!("the URL never reached {fragment:?}; it is {seen:?}");
    }

    /// Waits until the URL's fragment starts with `prefix`; returns the fragment.
    pub async fn wait_for_fragment_prefix(&self, prefix: &str) -> String {
        let deadline = Instant::now() + WAIT;
        let mut seen = String::new();
        while Instant::now() < deadline {
            seen = self.url().await;
            if let Some(at) = seen.find('#') {
                if seen[at..].starts_with(prefix) {
                    return seen[at..].to_owned();
                }
            }
            tokio::time::sleep(POLL).await;
        }
        panic!("the URL never reached {prefix:?}...; it is {seen:?}");
    }

    /// Follows an in-app link the way the address bar would: sets `location.hash`.
    pub async fn go(&self, fragment: &str) {
        self.client
            .execute(
                "window.location.hash = arguments[0];",
                vec![json!(fragment)],
            )
            .await
            .expect("set location.hash");
    }

    /// Clicks the link in the `nav` whose `href` ends with `fragment`, as a user would.
    pub async fn nav_to(&self, fragment: &str) {
        let css = format!("{} a[href$=\"{fragment}\"]", selector("nav"));
        let link = self
            .client
            .wait()
            .at_most(WAIT)
            .every(POLL)
            .for_element(Locator::Css(&css))
            .await
            .unwrap_or_else(|error| panic!("no nav link to {fragment}: {error}"));
        link.click().await.expect("click the nav link");
        self.wait_for_fragment(fragment).await;
    }

    /// Waits for the first element matching a CSS selector.
    pub async fn css(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .every(POLL)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("no element {css}: {error}"))
    }

    /// Every element matching a CSS selector now.
    pub async fn css_all(&self, css: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .expect("find elements")
    }

    /// Waits until exactly `n` elements have this `data-testid`.
    pub async fn wait_for_count(&self, id: &str, n: usize) {
        let css = selector(id);
        let deadline = Instant::now() + WAIT;
        let mut seen = 0;
        while Instant::now() < deadline {
            seen = self.css_all(&css).await.len();
            if seen == n {
                return;
            }
            tokio::time::sleep(POLL).await;
        }
        panic!("expected {n} [data-testid={id}], saw {seen}");
    }

    /// Waits until the first element matching `css` has `attribute` = `value`.
    pub async fn wait_for_attr(&self, css: &str, attribute: &str, value: &str) {
        let deadline = Instant::now() + WAIT;
        let mut seen = None;
        while Instant::now() < deadline {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                if let Ok(current) = element.attr(attribute).await {
                    if current.as_deref() == Some(value) {
                        return;
                    }
                    seen = current;
                }
            }
            tokio::time::sleep(POLL).await;
        }
        panic!("{css} never had {attribute}={value:?}; last seen {seen:?}");
    }

    /// The value of `attribute` on the element with this `data-testid`.
    pub async fn attr(&self, id: &str, attribute: &str) -> Option<String> {
        self.element(id)
            .await
            .attr(attribute)
            .await
            .expect("read an attribute")
    }

    /// Replaces the text of the input with this `data-testid`, as a user types.
    /// Select-all and Backspace first, so an `input` event fires even for "".
    pub async fn type_into(&self, id: &str, text: &str) {
        let input = self.element(id).await;
        input.click().await.expect("focus the input");
        let select_all = Key::Control + "a";
        input.send_keys(&select_all).await.expect("select all");
        input
            .send_keys(&char::from(Key::Backspace).to_string())
            .await
            .expect("delete the text");
        if !text.is_empty() {
            input.send_keys(text).await.expect("type into the input");
        }
    }

    /// Chooses the option of this `value` in the select with this `data-testid`, once
    /// that option exists.
    pub async fn choose(&self, id: &str, value: &str) {
        let option = format!("{} option[value=\"{value}\"]", selector(id));
        self.css(&option).await;
        self.element(id)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|error| panic!("choose {value:?} in [data-testid={id}]: {error}"));
    }

    /// The visible text of every element matching `css`.
    pub async fn css_texts(&self, css: &str) -> Vec<String> {
        let mut texts = Vec::new();
        for element in self.css_all(css).await {
            texts.push(element.text().await.unwrap_or_default().trim().to_owned());
        }
        texts
    }

    /// Waits for a file with this extension in the download directory; its name and bytes.
    pub async fn download_any(&self, extension: &str) -> (String, Vec<u8>) {
        let downloads = self.downloads();
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            let name = std::fs::read_dir(&downloads).ok().and_then(|entries| {
                entries
                    .flatten()
                    .map(|entry| entry.file_name().to_string_lossy().into_owned())
                    .find(|name| name.ends_with(&format!(".{extension}")))
            });
            if let Some(name) = name {
                // Chromium creates the file empty and fills it through `.crdownload`:
                // `download` waits until it is complete.
                let bytes = self.download(&name).await;
                return (name, bytes);
            }
            tokio::time::sleep(POLL).await;
        }
        panic!("no .{extension} file was downloaded");
    }
}

/// A portal's page on its own origin (a static server on another port) with an iframe
/// (`data-testid="portal-frame"`) whose `src` is set with [`HostPage::frame`].
#[derive(Debug)]
pub struct HostPage {
    /// The page's URL.
    pub url: String,
    /// Its origin, `http://127.0.0.1:PORT`.
    pub origin: String,
    dir: PathBuf,
}

impl HostPage {
    /// Serves the page (until the test binary ends); its frame is empty until [`frame`].
    ///
    /// [`frame`]: HostPage::frame
    pub fn start() -> Self {
        let dir = std::env::temp_dir().join(unique("esim-console-portal"));
        std::fs::create_dir_all(&dir).expect("create the host page directory");
        let server = esim_test_support::static_server::StaticServer::start(
            &dir,
            std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 0)),
        )
        .expect("start the host page's server");
        let origin = format!("http://{}", server.addr());
        std::mem::forget(server);
        let page = HostPage {
            url: format!("{origin}/index.html"),
            origin,
            dir,
        };
        page.frame("about:blank");
        page
    }

    /// Writes the page with its iframe showing `src` (read from disk on each request).
    pub fn frame(&self, src: &str) {
        let html = format!(
            "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
             <title>Portal</title></head>\n<body>\n<main>\n<h1>Portal</h1>\n\
             <iframe data-testid=\"portal-frame\" title=\"eSIM console\" src=\"{src}\" \
             width=\"1000\" height=\"700\"></iframe>\n</main>\n</body>\n</html>\n"
        );
        std::fs::write(self.dir.join("index.html"), html).expect("write the host page");
    }
}
