//! The page policy: the security headers of every response (`docs/server.md`, "Page
//! policy"). The console holds an admin token, so its page may run only its own code.
//!
//! * `Content-Security-Policy`: `default-src 'self'`; `script-src 'self'
//!   'wasm-unsafe-eval'` (the module compiles its WebAssembly) plus the SHA-256 of each
//!   inline script of the served pages, `index.html` and `validator/index.html` (Trunk's
//!   loaders, which import the module and start it), read when the server starts; `style-src 'self'` with
//!   `style-src-attr 'unsafe-inline'` (Leptos writes `style` attributes, such as the
//!   positions of the source view's virtual list; `<style>` elements stay refused);
//!   `img-src 'self' data:`; `connect-src 'self'` plus [`Config::connect_origins`] (the
//!   identity provider's origin, when the console signs in there); `object-src 'none'`;
//!   `base-uri 'self'`; `form-action 'self'`; `frame-ancestors` from
//!   [`Config::frame_ancestors`] (`'none'` by default).
//! * `X-Content-Type-Options: nosniff`.
//! * `Referrer-Policy: no-referrer`: the console never needs to tell another site where a
//!   request came from, and its URLs can name pools and devices.

use std::path::Path;

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::Config;

/// The `Content-Security-Policy` for this configuration (and its served `index.html`).
pub fn content_security_policy(config: &Config) -> String {
    let mut script = vec!["'self'".to_owned(), "'wasm-unsafe-eval'".to_owned()];
    if let Some(dir) = &config.static_dir {
        let mut hashes: Vec<String> = PAGES
            .iter()
            .flat_map(|page| inline_script_hashes(&dir.join(page)))
            .collect();
        hashes.sort();
        hashes.dedup();
        script.extend(hashes.into_iter().map(|h| format!("'sha256-{h}'")));
    }
    let mut connect = vec!["'self'".to_owned()];
    connect.extend(config.connect_origins.iter().cloned());
    let ancestors = if config.frame_ancestors.is_empty() {
        "'none'".to_owned()
    } else {
        config.frame_ancestors.join(" ")
    };
    format!(
        "default-src 'self'; script-src {}; style-src 'self'; style-src-attr 'unsafe-inline'; \
         img-src 'self' data:; connect-src {}; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors {ancestors}",
        script.join(" "),
        connect.join(" ")
    )
}

/// The pages of the built app, relative to its folder: the console and the validator-only
/// build (docs/ARCHITECTURE.md, "Two builds").
pub const PAGES: [&str; 2] = ["index.html", "validator/index.html"];

/// `Referrer-Policy`.
pub const REFERRER_POLICY: &str = "no-referrer";

/// The base64 SHA-256 of every inline `<script>` (one without `src`) of the page: what a
/// `'sha256-...'` source must match. An unreadable page has none.
fn inline_script_hashes(index: &Path) -> Vec<String> {
    let Ok(html) = std::fs::read_to_string(index) else {
        return Vec::new();
    };
    let mut hashes = Vec::new();
    let mut rest = html.as_str();
    while let Some(start) = rest.find("<script") {
        rest = &rest[start..];
        let Some(open_end) = rest.find('>') else {
            break;
        };
        let open = &rest[..open_end];
        let body = &rest[open_end + 1..];
        let Some(close) = body.find("</script>") else {
            break;
        };
        if !open.contains(" src=") && !open.contains(" src =") {
            let digest = Sha256::digest(&body.as_bytes()[..close]);
            hashes.push(base64::engine::general_purpose::STANDARD.encode(digest));
        }
        rest = &body[close..];
    }
    hashes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_inline_scripts_only() {
        let dir = std::env::temp_dir().join(format!(
            "esim-policy-{}",
            crate::util::hex(&crate::util::random::<6>())
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("index.html"),
            "<html><script type=\"module\">init('/a.js');</script><script src=\"/b.js\"></script></html>",
        )
        .unwrap();
        let hashes = inline_script_hashes(&dir.join("index.html"));
        let expected =
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"init('/a.js');"));
        assert_eq!(hashes, vec![expected.clone()]);

        // The validator-only page's loader is allowed too (and only inline scripts).
        std::fs::create_dir_all(dir.join("validator")).unwrap();
        std::fs::write(
            dir.join("validator/index.html"),
            "<html><script type=\"module\">init('/validator/c.js');</script></html>",
        )
        .unwrap();
        let config = Config {
            static_dir: Some(dir.clone()),
            ..Config::default()
        };
        let csp = content_security_policy(&config);
        let validator = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(b"init('/validator/c.js');"));
        assert!(csp.contains(&format!("'sha256-{expected}'")), "{csp}");
        assert!(csp.contains(&format!("'sha256-{validator}'")), "{csp}");
        assert_eq!(csp.matches("'sha256-").count(), 2, "{csp}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
