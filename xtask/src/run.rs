//! `cargo xtask run`: the whole console in one process - the release app served by
//! `esim-server` on the embedded database in `data/`, with a fresh admin token in the link.

use std::net::SocketAddr;
use std::process::Command;

use anyhow::{bail, Context, Result};
use esim_test_support::server::create_token;

use crate::setup::{self, Toolchain};
use crate::steps::run_cmd;

/// The database `run` uses, relative to the project root (where the server runs).
const DATABASE: &str = "sqlite://data/esim.db";

pub fn run_console(listen: SocketAddr, oidc: &[String]) -> Result<()> {
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
    println!(
        "\nThe console, on the database {DATABASE}:\n\n    http://{listen}/#token={token}\n\n\
         The link signs you in as an admin (the token then stays in this browser tab's \
         session storage, not in the address). Ctrl-C stops the server.\n"
    );
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
        // `--oidc-issuer ...`: people sign in through that provider too (docs/identity.md).
        .args(oidc)
        .status()
        .context("cannot start esim-server")?;
    if !status.success() {
        bail!("esim-server stopped: {status}");
    }
    Ok(())
}
