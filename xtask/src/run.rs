//! `cargo xtask run`: the whole console in one process - the release app served by
//! `esim-server` on the embedded database in `data/`, with a fresh admin token in the link;
//! with `--frame-ancestor` origins allowed to frame it, and with `--example-host` the
//! example portal (`examples/embed-host`) served beside it for a first try of embedding.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::Command;

use anyhow::{bail, Context, Result};
use esim_test_support::server::create_token;
use esim_test_support::static_server::StaticServer;

use crate::setup::{self, Toolchain};
use crate::steps::run_cmd;

/// The database `run` uses, relative to the project root (where the server runs).
const DATABASE: &str = "sqlite://data/esim.db";

/// Who may frame the console.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Embedding {
    /// `--frame-ancestor` origins (also allowed to receive the embedded validator's
    /// verdicts: the server's `embed.json` lists them).
    pub frame_ancestors: Vec<String>,
    /// `--example-host`: serve `examples/embed-host` on the next port and allow it.
    pub example_host: bool,
}

pub fn run_console(listen: SocketAddr, embedding: &Embedding, oidc: &[String]) -> Result<()> {
    let root = crate::project_root();
    let tools: Toolchain = setup::setup(&root)?;
    run_cmd(&mut tools.trunk_build(&root))?;
    run_cmd(
        tools
            .cargo(&root)
            .args(["build", "--release", "--package", "esim-server"]),
    )?;
    // Where cargo put it: `CARGO_TARGET_DIR` (relative to the root) or `target/`.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), |dir| root.join(dir));
    let server = target.join("release/esim-server");
    let data = root.join("data");
    std::fs::create_dir_all(&data).with_context(|| format!("cannot create {}", data.display()))?;
    // A new admin token each run: only its hash is stored, so an old one cannot be shown
    // again (`esim-server token list` and `token revoke` manage them).
    let token = create_token(&server, DATABASE, "admin", "cargo xtask run", Some(&root))?;
    let mut frame_ancestors = embedding.frame_ancestors.clone();
    let mut cors_origins = Vec::new();
    // The example portal, on the next port of the same host: it frames the validator and
    // imports the console's module (so it is a CORS origin too).
    let host_page = if embedding.example_host {
        let ip = match listen.ip() {
            ip if ip.is_unspecified() => Ipv4Addr::LOCALHOST.into(),
            ip => ip,
        };
        let addr = SocketAddr::new(ip, listen.port().wrapping_add(1));
        let page = StaticServer::start(&root.join("examples/embed-host"), addr)
            .with_context(|| format!("cannot serve the example portal on {addr}"))?;
        let origin = format!("http://{}", page.addr());
        frame_ancestors.push(origin.clone());
        cors_origins.push(origin);
        Some(page)
    } else {
        None
    };
    println!(
        "\nThe console, on the database {DATABASE}:\n\n    http://{listen}/#token={token}\n\n\
         The link signs you in as an admin (the token then stays in this browser tab's \
         session storage, not in the address). Ctrl-C stops the server.\n"
    );
    if !frame_ancestors.is_empty() {
        println!(
            "Allowed to frame the console and to receive the embedded validator's verdicts: {}\n",
            frame_ancestors.join(" ")
        );
    }
    if let Some(page) = &host_page {
        println!(
            "The example portal, framing the validator (docs/embedding.md):\n\n    \
             {}index.html?console=http://{listen}/\n",
            page.url()
        );
    }
    let status = Command::new(&server)
        .current_dir(&root)
        .args([
            "serve",
            "--listen",
            &listen.to_string(),
            "--database",
            DATABASE,
        ])
        .args(["--static-dir", "dist"])
        .args(
            frame_ancestors
                .iter()
                .flat_map(|o| ["--frame-ancestor", o.as_str()]),
        )
        .args(
            cors_origins
                .iter()
                .flat_map(|o| ["--cors-origin", o.as_str()]),
        )
        // `--oidc-issuer ...`: people sign in through that provider too (docs/identity.md).
        .args(oidc)
        .status()
        .context("cannot start esim-server")?;
    if !status.success() {
        bail!("esim-server stopped: {status}");
    }
    Ok(())
}
