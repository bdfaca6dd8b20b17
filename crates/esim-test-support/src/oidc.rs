//! The real OpenID Connect provider of the tests: `tests/oidc/provider.mjs` on the npm
//! package `oidc-provider` (installed by `cargo xtask setup`), started on a free loopback
//! port and stopped when dropped.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use anyhow::{bail, Context, Result};
use serde_json::Value;

/// The repository's root (this crate is `crates/esim-test-support`).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// oidc-provider's package directory: `OIDC_PROVIDER`, else the per-user tool cache at
/// the version of `xtask/src/versions.rs` (where `cargo xtask setup` installs it).
pub fn provider_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("OIDC_PROVIDER") {
        return Ok(dir.into());
    }
    let versions = std::fs::read_to_string(root().join("xtask/src/versions.rs"))
        .context("reading xtask/src/versions.rs")?;
    let version = versions
        .lines()
        .find_map(|l| l.strip_prefix("pub const OIDC_PROVIDER: &str = \""))
        .and_then(|v| v.strip_suffix("\";"))
        .context("OIDC_PROVIDER in xtask/src/versions.rs")?;
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .context("neither XDG_CACHE_HOME nor HOME is set")?;
    Ok(cache.join(format!(
        "esim-console/tools/oidc-provider-{version}/node_modules/oidc-provider"
    )))
}

/// The provider process, killed when dropped.
#[derive(Debug)]
pub struct Provider {
    child: Child,
    /// `http://127.0.0.1:PORT/<tenant>/v2.0`.
    pub issuer: String,
    /// The test controls, `http://127.0.0.1:PORT/admin` (rotate, client, ttl, jwks).
    pub admin: String,
}

impl Provider {
    /// Starts `node tests/oidc/provider.mjs ARGS` (see its header for the arguments) and
    /// reads the line that names its issuer.
    pub fn start(args: &[&str]) -> Result<Provider> {
        let dir = provider_dir()?;
        if !dir.join("lib/index.js").is_file() {
            bail!(
                "oidc-provider is not installed at {} (run `cargo xtask setup`)",
                dir.display()
            );
        }
        let mut child = Command::new("node")
            .arg(root().join("tests/oidc/provider.mjs"))
            .args(args)
            .env("OIDC_PROVIDER", &dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting node (installed by cargo xtask setup)")?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().context("piped stdout")?)
            .read_line(&mut line)
            .context("reading the provider's first line")?;
        let info: Value = match serde_json::from_str(&line) {
            Ok(info) => info,
            Err(e) => {
                let _ = child.kill();
                bail!("the provider's first line {line:?}: {e}");
            }
        };
        let text = |key: &str| info[key].as_str().unwrap_or_default().to_owned();
        Ok(Provider {
            issuer: text("issuer"),
            admin: text("admin"),
            child,
        })
    }

    /// The issuer's origin, `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        let rest = self.issuer.trim_start_matches("http://");
        format!("http://{}", rest.split('/').next().unwrap_or_default())
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
