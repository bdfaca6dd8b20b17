//! What the tests, the bench and xtask share to drive the project from outside, as a user
//! or an operator would: never a dependency of a product crate (the app's, the bench's and
//! xtask's tests and tools only).
//!
//! * [`browser`]: a headless Chromium with a private profile through ChromeDriver.
//! * [`http`]: an HTTP client (hyper-util's), callable from plain and from async code.
//! * [`static_server`]: a small static file server (the release build, a portal's page).
//! * [`server`]: an `esim-server serve` process, and admin tokens from `token create`.
//! * [`oidc`]: the real OpenID Connect provider of the tests (`tests/oidc/provider.mjs`).
//! * [`scratch`]: a temporary folder removed when dropped, and the check that a release
//!   build is there.
//! * [`served`]: what the browser downloads of each page as `esim-server` serves it, and
//!   the pages' size budgets.
//! * [`graph_double`]: a stand-in for Microsoft Graph's eSIM and directory resources.
//! * [`export`]: generated carrier exports, as text and as `.xlsx` workbooks (also for
//!   the wasm tests: the only module built there).

#[cfg(not(target_arch = "wasm32"))]
pub mod browser;
pub mod export;
#[cfg(not(target_arch = "wasm32"))]
pub mod graph_double;
#[cfg(not(target_arch = "wasm32"))]
pub mod http;
#[cfg(not(target_arch = "wasm32"))]
pub mod oidc;
#[cfg(not(target_arch = "wasm32"))]
pub mod scratch;
#[cfg(not(target_arch = "wasm32"))]
pub mod served;
#[cfg(not(target_arch = "wasm32"))]
pub mod server;
#[cfg(not(target_arch = "wasm32"))]
pub mod static_server;

/// A valid ICCID (Luhn) from a number: `8946` + 14 digits + check digit (the codes the
/// server's tests and the bench import).
pub use export::iccid;

/// A port free on 127.0.0.1 right now.
#[cfg(not(target_arch = "wasm32"))]
pub fn free_port() -> std::io::Result<u16> {
    use std::net::{Ipv4Addr, TcpListener};
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}
