//! The eSIM pool server: a Graph-shaped API (`docs/API-DESIGN.md`) on SQLite or
//! PostgreSQL, with one-time distribution of activation codes to devices.
//!
//! [`app`] builds the whole router from [`routes::all`], the one table of routes that the
//! OpenAPI document is generated from too.

pub mod assignments;
pub mod audit;
pub mod auth;
pub mod db;
pub mod devices;
pub mod directory;
pub mod error;
pub mod layers;
pub mod lifecycle;
pub mod mdm;
pub mod messages;
pub mod odata;
pub mod openapi;
pub mod paging;
pub mod policy;
pub mod pools;
pub mod routes;
pub mod tokens;
pub mod util;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::db::Db;
use crate::error::ApiError;

/// The log filter of `RUST_LOG`, `tracing-subscriber`'s [`EnvFilter`]: a level (`warn`),
/// targets with levels (`info,sqlx=warn,esim_server::mdm=debug`), span and field filters
/// (`warn,[request{method=POST}]=debug`); `info` when unset or empty.
///
/// [`EnvFilter`]: tracing_subscriber::EnvFilter
pub fn log_filter(
    spec: Option<&str>,
) -> Result<tracing_subscriber::EnvFilter, tracing_subscriber::filter::ParseError> {
    match spec.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(tracing_subscriber::EnvFilter::new("info")),
        Some(s) => tracing_subscriber::EnvFilter::builder().parse(s),
    }
}

/// Logs to standard error, filtered by `RUST_LOG` ([`log_filter`]); a malformed
/// `RUST_LOG` falls back to `info` with a warning.
pub fn init_logging() {
    let spec = std::env::var("RUST_LOG").ok();
    let (filter, error) = match log_filter(spec.as_deref()) {
        Ok(f) => (f, None),
        Err(e) => (tracing_subscriber::EnvFilter::new("info"), Some(e)),
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(filter)
        .init();
    if let Some(e) = error {
        tracing::warn!(rust_log = spec.unwrap_or_default(), error = %e, "RUST_LOG not understood; logging at info");
    }
}

/// How the server runs, beyond its database.
#[derive(Debug, Clone)]
pub struct Config {
    /// Browser origins allowed to call the API (CORS); none by default.
    pub cors_origins: Vec<String>,
    /// Origins allowed to frame the console (`frame-ancestors`); none by default.
    pub frame_ancestors: Vec<String>,
    /// Origins the console's page may call besides its own (`connect-src`, see
    /// [`policy`]), such as the identity provider's; none by default.
    pub connect_origins: Vec<String>,
    /// The built browser app, served at `/`.
    pub static_dir: Option<PathBuf>,
    /// The largest request body, in bytes.
    pub body_limit: usize,
    /// The most items of one page (`$top` is capped to it).
    pub max_page: i64,
    /// The base of `@odata.nextLink` URLs (when not set: the forwarded origin, else
    /// `http://<Host>`; [`paging::origin`]).
    pub public_url: Option<String>,
    /// Build links from a reverse proxy's `Forwarded` / `X-Forwarded-Proto` /
    /// `X-Forwarded-Host` (true unless `--ignore-forwarded-headers`; links only, never
    /// access).
    pub forwarded_headers: bool,
    /// Reverse proxies whose forwarded client address the refused-token limit believes
    /// (`--trusted-proxy`; [`auth::limit::TrustedProxies`]); none by default.
    pub trusted_proxies: auth::limit::TrustedProxies,
    /// The longest a request may take to be answered (`--request-timeout`); then it gets
    /// a 503 ([`error::ApiError::TimedOut`]).
    pub request_timeout: Duration,
    /// Test only: hold each import this long inside its transaction (the crash test).
    pub import_pause: Option<Duration>,
    /// People's access tokens from this OpenID Connect provider are accepted beside the
    /// static tokens (`--oidc-issuer`); `/auth.json` tells the console.
    pub oidc: Option<Arc<auth::oidc::Oidc>>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            cors_origins: Vec::new(),
            frame_ancestors: Vec::new(),
            connect_origins: Vec::new(),
            static_dir: None,
            body_limit: 1024 * 1024,
            max_page: 1000,
            public_url: None,
            forwarded_headers: true,
            trusted_proxies: auth::limit::TrustedProxies::default(),
            request_timeout: Duration::from_secs(30),
            import_pause: None,
            oidc: None,
        }
    }
}

/// What every handler gets.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// The configuration.
    pub config: Arc<Config>,
    /// Refused tokens per client address ([`auth::limit`]).
    pub auth_failures: Arc<auth::limit::Failures>,
    /// The check-in times' batch writer ([`mdm::touch_writer`]).
    pub touches: mdm::TouchSender,
}

impl AppState {
    /// A state for this database and configuration; starts the check-in time writer (so
    /// it must be called inside a Tokio runtime).
    pub fn new(db: Db, config: Config) -> Self {
        AppState {
            touches: mdm::touch_writer(db.clone()),
            db,
            config: Arc::new(config),
            auth_failures: Arc::default(),
        }
    }
}

/// The whole application: every route of [`routes::all`], the static app, and the layers
/// (request id and logging, compression, CORS and security headers, the request timeout,
/// the body limit).
pub fn app(state: AppState) -> Router {
    let config = state.config.clone();
    let mut router = routes::router(state.clone());
    router = match &config.static_dir {
        Some(dir) => router.fallback_service(layers::static_files(dir)),
        None => router.fallback(not_found),
    };
    router = router
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(config.body_limit));
    // The timeout inside the header layers: a timed-out answer is a browser-readable
    // Graph error with the same CORS and security headers as any other.
    router = layers::timeout(router, config.request_timeout);
    if !config.cors_origins.is_empty() {
        let origins: Vec<HeaderValue> = config
            .cors_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        router = router.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([
                    Method::GET,
                    Method::POST,
                    Method::PATCH,
                    Method::DELETE,
                    Method::OPTIONS,
                ])
                .allow_headers([
                    header::AUTHORIZATION,
                    header::CONTENT_TYPE,
                    header::ACCEPT_LANGUAGE,
                ])
                .expose_headers([HeaderName::from_static("request-id")]),
        );
    }
    let csp = HeaderValue::from_str(&policy::content_security_policy(&config))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"));
    let router = router
        .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            csp,
        ))
        .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static(policy::REFERRER_POLICY),
        ));
    layers::around(router)
}

async fn not_found() -> Response {
    ApiError::NotFound(messages::Message::NoResource).into_response()
}

async fn method_not_allowed() -> Response {
    ApiError::MethodNotAllowed.into_response()
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::log_filter;

    /// What `spec` lets through of a few events, one line each.
    fn logged(spec: Option<&str>) -> String {
        let out = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = out.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || Writer(sink.clone()))
            .with_ansi(false)
            .with_env_filter(log_filter(spec).expect("a valid filter"))
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: "esim_server", "server-info");
            tracing::debug!(target: "esim_server", "server-debug");
            tracing::debug!(target: "esim_server::mdm", "mdm-debug");
            tracing::info!(target: "sqlx::query", "sqlx-info");
            let span = tracing::info_span!("request", method = "POST");
            span.in_scope(|| tracing::debug!(target: "esim_server::pools", "post-debug"));
            let span = tracing::info_span!("request", method = "GET");
            span.in_scope(|| tracing::debug!(target: "esim_server::pools", "get-debug"));
        });
        let text = String::from_utf8(out.lock().unwrap().clone()).unwrap();
        text
    }

    struct Writer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Writer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn events(text: &str) -> Vec<&str> {
        [
            "server-info",
            "server-debug",
            "mdm-debug",
            "sqlx-info",
            "post-debug",
            "get-debug",
        ]
        .into_iter()
        .filter(|e| text.contains(e))
        .collect()
    }

    #[test]
    fn rust_log() {
        assert_eq!(events(&logged(None)), ["server-info", "sqlx-info"]);
        assert_eq!(events(&logged(Some("  "))), ["server-info", "sqlx-info"]);
        assert!(events(&logged(Some("warn"))).is_empty());
        assert_eq!(
            events(&logged(Some("info,sqlx=warn,esim_server::mdm=debug"))),
            ["server-info", "mdm-debug"]
        );
        // Span and field filters (EnvFilter's, not possible before).
        assert_eq!(
            events(&logged(Some("warn,[request{method=POST}]=debug"))),
            ["post-debug"]
        );
        assert!(log_filter(Some("info,=,x=loud")).is_err());
    }
}
