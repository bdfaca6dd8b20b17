//! `esim-server` as an operator runs it: a `serve` process on a free port (its log kept,
//! and printed when a test fails), and admin or reader tokens from `token create`.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::http;

/// A running `esim-server serve`, killed on drop (the tail of its log printed when the
/// thread is panicking, i.e. a test failed).
#[derive(Debug)]
pub struct Server {
    child: Option<Child>,
    url: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `exe serve --listen 127.0.0.1:0 --database DATABASE`, with `RUST_LOG=warn`
    /// unless `configure` (which may add arguments and environment) says otherwise;
    /// returns once `/healthz` answers 200.
    pub fn serve(
        exe: &Path,
        database: &str,
        configure: impl FnOnce(&mut Command),
    ) -> Result<Server> {
        let mut command = Command::new(exe);
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--database", database])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        configure(&mut command);
        let mut child = command
            .spawn()
            .with_context(|| format!("cannot start {}", exe.display()))?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().context("piped stderr")?;
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap_or_else(|e| e.into_inner()).push(line);
            }
        });
        // `serve` prints `listening on http://ADDR` once it has bound the port.
        let mut stdout = BufReader::new(child.stdout.take().context("piped stdout")?);
        let mut line = String::new();
        let _ = stdout.read_line(&mut line);
        let mut server = Server {
            child: Some(child),
            url: String::new(),
            log,
        };
        let Some(url) = line.trim().strip_prefix("listening on ") else {
            // Give the log thread a moment to collect why.
            std::thread::sleep(Duration::from_millis(200));
            server.stop();
            bail!(
                "esim-server serve did not start (first line {line:?}); its log:\n{}",
                server.log()
            );
        };
        server.url = url.trim_end_matches('/').to_owned();
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut rest = Vec::new();
            let _ = stdout.read_to_end(&mut rest);
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let health = http::get(&format!("{}/healthz", server.url))
                .timeout(Duration::from_secs(5))
                .send();
            match health {
                Ok(response) if response.status == 200 => return Ok(server),
                _ if Instant::now() > deadline => {
                    server.stop();
                    bail!(
                        "esim-server at {} never answered /healthz; its log:\n{}",
                        server.url,
                        server.log()
                    );
                }
                _ => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Kills the process (the port then refuses connections).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Everything the server logged so far.
    pub fn log(&self) -> String {
        self.log
            .lock()
            .map(|lines| lines.join("\n"))
            .unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            let log = self.log();
            let lines: Vec<&str> = log.lines().collect();
            let tail = &lines[lines.len().saturating_sub(60)..];
            eprintln!(
                "--- the last {} lines of esim-server's log ({}) ---\n{}",
                tail.len(),
                self.url,
                tail.join("\n")
            );
        }
    }
}

/// A new token of `role` (`admin`, `reader`) on `database`, from `exe token create`
/// (run in `dir` when given: a relative SQLite path is relative to it).
pub fn create_token(
    exe: &Path,
    database: &str,
    role: &str,
    label: &str,
    dir: Option<&Path>,
) -> Result<String> {
    let mut command = Command::new(exe);
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let output = command
        .args(["token", "create", "--role", role, "--label", label])
        .args(["--database", database])
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {} token create", exe.display()))?;
    if !output.status.success() {
        bail!(
            "esim-server token create failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // The token alone on standard output; its id and role go to standard error.
    let token = String::from_utf8(output.stdout).context("a UTF-8 token")?;
    let token = token.trim().to_owned();
    if token.is_empty() || token.contains(char::is_whitespace) {
        bail!("unexpected output of esim-server token create: {token:?}");
    }
    Ok(token)
}
