//! Signing in: which server the console talks to and with which token.
//!
//! The run command prints a link `http://host/#token=...`; the page reads the fragment
//! (which browsers never send to a server), keeps the token in the tab's session storage,
//! and replaces the fragment at once, so the token is not in the address bar, the history or
//! a bookmark after sign-in. `#token=...&api=https://graph.microsoft.com` also sets the API's
//! base URL (default: the server that served the page).

use crate::api::{ApiError, Backend, Client};
use crate::i18n::{fill, Lang, Text};

use super::labels::Label as L;

/// The session-storage key of the connection (JSON: `{"base": ..., "token": ...}`).
pub const STORAGE_KEY: &str = "esim-console.connection";

/// What a sign-in link carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    /// The bearer token.
    pub token: String,
    /// The API's base URL, when the link names one.
    pub api: Option<String>,
}

/// The sign-in a fragment carries (`#token=...[&api=...]`), if it is one.
pub fn sign_in_from_fragment(hash: &str) -> Option<SignIn> {
    let mut token = None;
    let mut api = None;
    for (name, value) in super::route::pairs(hash) {
        match name {
            "token" if !value.trim().is_empty() => token = Some(value.trim().to_owned()),
            "api" if !value.trim().is_empty() => api = Some(value.trim().to_owned()),
            _ => {}
        }
    }
    token.map(|token| SignIn { token, api })
}

/// The API's default base URL: the origin that served the page, unless the page was opened
/// from a file (no server to talk to).
pub fn default_base(origin: &str) -> Option<String> {
    (origin.starts_with("http://") || origin.starts_with("https://"))
        .then(|| origin.trim_end_matches('/').to_owned())
}

/// A base URL typed in the settings, checked: `http(s)://host[:port][/path]`.
pub fn parse_base(text: &str) -> Result<String, L> {
    let text = text.trim().trim_end_matches('/');
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .ok_or(L::BaseNotHttp)?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() || host.contains(char::is_whitespace) || rest.contains(['?', '#']) {
        return Err(L::BaseNotHttp);
    }
    Ok(text.to_owned())
}

/// The stored form of a connection.
pub fn to_storage(client: &Client) -> String {
    serde_json::json!({"base": client.base(), "token": client.token()}).to_string()
}

/// A connection read back from storage.
pub fn from_storage(json: &str) -> Option<Client> {
    let value: serde_json::Value = serde_json::from_str(json).ok()?;
    let base = value.get("base")?.as_str()?;
    let token = value.get("token")?.as_str()?;
    (!token.is_empty()).then(|| Client::new(base, token))
}

/// What the user is told about a failed request, in plain words, with what to do.
pub fn error_text(lang: Lang, error: &ApiError, base: &str) -> String {
    let request = error
        .request_id()
        .map(|id| fill(L::RequestId.text(lang), &[("id", id)]))
        .unwrap_or_default();
    let text = match error {
        ApiError::Unreachable(_) => fill(L::ErrUnreachable.text(lang), &[("base", base)]),
        ApiError::Unauthorized => L::ErrUnauthorized.text(lang).to_owned(),
        ApiError::Forbidden(detail) => fill(L::ErrForbidden.text(lang), &[("detail", detail)]),
        ApiError::NotFound(_) => L::ErrNotFound.text(lang).to_owned(),
        ApiError::Rejected(e) => fill(L::ErrRejected.text(lang), &[("detail", &e.message)]),
        ApiError::Server { status, .. } => {
            fill(L::ErrServer.text(lang), &[("status", &status.to_string())])
        }
        ApiError::Unexpected { status, detail } => fill(
            L::ErrUnexpected.text(lang),
            &[("status", &status.to_string()), ("detail", detail)],
        ),
    };
    if request.is_empty() {
        text
    } else {
        format!("{text} {request}")
    }
}

/// What the settings page says about the backend.
pub fn backend_label(backend: Backend) -> L {
    match backend {
        Backend::Server => L::BackendServer,
        Backend::Graph => L::BackendGraph,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sign_in_link_carries_a_token_and_maybe_an_api() {
        assert_eq!(
            sign_in_from_fragment("#token=esim_abc"),
            Some(SignIn {
                token: "esim_abc".into(),
                api: None
            })
        );
        assert_eq!(
            sign_in_from_fragment("#token=t%2B1&api=https%3A%2F%2Fgraph.microsoft.com"),
            Some(SignIn {
                token: "t+1".into(),
                api: Some("https://graph.microsoft.com".into())
            })
        );
        assert_eq!(sign_in_from_fragment("#/pools"), None);
        assert_eq!(sign_in_from_fragment("#token="), None);
    }

    #[test]
    fn the_default_server_is_the_page_origin() {
        assert_eq!(
            default_base("http://127.0.0.1:8080"),
            Some("http://127.0.0.1:8080".into())
        );
        assert_eq!(default_base("null"), None);
        assert_eq!(default_base("file://"), None);
    }

    #[test]
    fn typed_base_urls_are_checked() {
        assert_eq!(
            parse_base(" https://graph.microsoft.com/ "),
            Ok("https://graph.microsoft.com".into())
        );
        assert_eq!(parse_base("ftp://x"), Err(L::BaseNotHttp));
        assert_eq!(parse_base("http://"), Err(L::BaseNotHttp));
        assert_eq!(parse_base("localhost:8080"), Err(L::BaseNotHttp));
    }

    #[test]
    fn storage_round_trips_and_rejects_junk() {
        let client = Client::new("http://h:1", "tok");
        assert_eq!(from_storage(&to_storage(&client)), Some(client));
        assert_eq!(from_storage("{}"), None);
        assert_eq!(from_storage("not json"), None);
        assert_eq!(from_storage(r#"{"base":"http://h","token":""}"#), None);
    }

    #[test]
    fn every_error_is_told_plainly_in_both_languages() {
        let errors = [
            ApiError::Unreachable("x".into()),
            ApiError::Unauthorized,
            ApiError::Forbidden("readers cannot write".into()),
            ApiError::NotFound("gone".into()),
            ApiError::Server {
                status: 500,
                error: None,
            },
            ApiError::Unexpected {
                status: 200,
                detail: "expected JSON, got text/html".into(),
            },
        ];
        for error in &errors {
            let en = error_text(Lang::En, error, "http://h");
            let sv = error_text(Lang::Sv, error, "http://h");
            assert!(!en.contains('{') && !sv.contains('{'), "{en} / {sv}");
            assert_ne!(en, sv);
        }
        assert!(error_text(Lang::En, &errors[0], "http://h").contains("http://h"));
        assert!(error_text(Lang::En, &errors[2], "h").contains("readers cannot write"));
    }
}
