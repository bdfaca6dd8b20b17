//! What the tests, the bench and xtask share to drive the project from outside, as a user
//! or an operator would: never a dependency of a product crate (the app's, the bench's and
//! xtask's tests and tools only).
//!
//! * [`browser`]: a headless Chromium with a private profile through ChromeDriver.
//! * [`http`]: an HTTP client (hyper-util's), callable from plain and from async code.
//! * [`static_server`]: a small static file server (the release build, a portal's page).
//! * [`server`]: an `esim-server serve` process, and admin tokens from `token create`.
//! * [`oidc`]: the real OpenID Connect provider of the tests (`tests/oidc/provider.mjs`).
//! * [`graph_double`]: a stand-in for Microsoft Graph's eSIM and directory resources.

pub mod browser;
pub mod graph_double;
pub mod http;
pub mod oidc;
pub mod server;
pub mod static_server;

use std::net::{Ipv4Addr, TcpListener};

/// A port free on 127.0.0.1 right now.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// A valid ICCID (Luhn) from a number: `8946` + 14 digits + check digit (the codes the
/// server's tests and the bench import).
pub fn iccid(n: u64) -> String {
    let body = format!("8946{n:014}");
    let mut sum = 0;
    for (i, c) in body.bytes().rev().enumerate() {
        let mut v = u32::from(c - b'0');
        if i % 2 == 0 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    format!("{body}{}", (10 - sum % 10) % 10)
}
