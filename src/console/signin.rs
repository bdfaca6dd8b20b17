//! Signing people in through the organisation's OpenID Connect provider: Authorization Code
//! with PKCE (S256), as a public client (no secret in the browser), `state` and `nonce`
//! checked on return, the tokens kept in memory and in the tab's session storage (never in
//! the URL, never in local storage), renewed with the refresh token before they expire, and
//! a sign-out that ends the provider's session (`end_session_endpoint`) where it has one.
//!
//! The plain steps (the authorization URL, the answer on return, the ID token's checks,
//! the provider's errors told plainly, when to renew, the origin check of a link) are here
//! and tested natively; [`flow`] sends the requests with the browser's `fetch` and makes
//! the random values and the challenge with `crypto.getRandomValues` / `crypto.subtle`.
//! docs/identity.md describes the flow and the provider set-up.

use base64::Engine;
use serde::{Deserialize, Serialize};

use super::labels::Label as L;
use crate::i18n::{fill, Lang, Text};

/// The session-storage key of a sign-in under way (state, nonce, code verifier).
pub const PENDING_KEY: &str = "esim-console.signin";

/// The session-storage key of a signed-in person's [`Session`] (beside the connection).
pub const SESSION_KEY: &str = "esim-console.session";

/// The session-storage key of what was typed in the view on screen when the browser left
/// for the provider ([`flow::keep_draft`]), put back on return ([`flow::restore_draft`]).
pub const DRAFT_KEY: &str = "esim-console.draft";

/// Clock skew allowed on the ID token's `iat` and `exp`.
pub const SKEW_SECONDS: f64 = 300.0;

/// Microsoft Graph's base URL: the API a sign-in with Graph scopes is for.
pub const GRAPH_BASE: &str = "https://graph.microsoft.com";

/// The local-storage key of the Entra ID tenant and client id typed in Settings (not
/// secrets: they are in every sign-in URL).
pub const ENTRA_KEY: &str = "esim-console.entra";

/// The least delegated Graph permissions of a reader's views (docs/identity.md).
pub const GRAPH_READ: &[&str] = &[
    "DeviceManagementConfiguration.Read.All",
    "GroupMember.Read.All",
    "Device.Read.All",
];

/// The least delegated Graph permissions of an admin's views (docs/identity.md).
pub const GRAPH_WRITE: &[&str] = &[
    "DeviceManagementConfiguration.ReadWrite.All",
    "Group.ReadWrite.All",
    "GroupMember.ReadWrite.All",
    "Device.ReadWrite.All",
];

/// Where and how to sign in: the provider, the console's client id there, the scopes, the
/// role names of the `roles` claim (empty: the API decides alone), and the API the token is
/// for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub issuer: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub admin_role: String,
    pub reader_role: String,
    pub base: String,
}

/// The sign-in `/auth.json` describes (the serving `esim-server`'s, or a static one beside
/// the console's `index.html`): its API is Graph when it asks for Graph scopes, else the
/// page's own server (`page_base`).
pub fn target_of(auth: &esim_wire::AuthConfig, page_base: &str) -> Option<Target> {
    let graph = auth
        .scopes
        .iter()
        .any(|s| s.starts_with(&format!("{GRAPH_BASE}/")));
    Some(Target {
        issuer: auth.issuer.clone()?,
        client_id: auth.client_id.clone()?,
        scopes: auth.scopes.clone(),
        admin_role: auth.admin_role.clone().unwrap_or_default(),
        reader_role: auth.reader_role.clone().unwrap_or_default(),
        base: if graph { GRAPH_BASE } else { page_base }.to_owned(),
    })
}

/// Where the sign-in settings are read: `auth.json` beside the page (`/auth.json` of the
/// serving `esim-server`, or a static file deployed beside `index.html`).
pub fn auth_json_url(origin: &str, pathname: &str) -> String {
    let dir = pathname.rfind('/').map_or("/", |at| &pathname[..=at]);
    let dir = if dir.starts_with('/') { dir } else { "/" };
    format!("{origin}{dir}auth.json")
}

/// The v2.0 authority (issuer) of a Microsoft Entra ID tenant typed in Settings: a
/// directory (tenant) id or a domain gives `https://login.microsoftonline.com/<tenant>/v2.0`;
/// a full `https://` authority URL (another cloud, a test provider on a loopback address
/// over `http://`) is taken as it is. `common`, `organizations` and `consumers` are
/// refused: their discovery names a templated issuer no ID token matches.
pub fn entra_authority(tenant: &str) -> Option<String> {
    let tenant = tenant.trim().trim_end_matches('/');
    if tenant.starts_with("https://") {
        return origin(tenant).map(|_| tenant.to_owned());
    }
    if tenant.starts_with("http://") {
        let host = origin(tenant)?;
        let host = host.trim_start_matches("http://");
        let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
        return matches!(host, "127.0.0.1" | "localhost" | "[::1]").then(|| tenant.to_owned());
    }
    let plain = !tenant.is_empty()
        && tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    let shared =
        ["common", "organizations", "consumers"].contains(&tenant.to_ascii_lowercase().as_str());
    (plain && !shared).then(|| format!("https://login.microsoftonline.com/{tenant}/v2.0"))
}

/// The scopes of a sign-in for Graph: OpenID Connect's, a refresh token, and Graph's least
/// delegated permissions for a reader's or an admin's views.
pub fn graph_scopes(read_only: bool) -> Vec<String> {
    let permissions = if read_only { GRAPH_READ } else { GRAPH_WRITE };
    ["openid", "profile", "offline_access"]
        .iter()
        .map(|s| (*s).to_owned())
        .chain(permissions.iter().map(|p| format!("{GRAPH_BASE}/{p}")))
        .collect()
}

/// What the provider publishes at `{issuer}/.well-known/openid-configuration` (the parts
/// the console uses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
}

/// A sign-in under way: kept in session storage while the browser is at the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub discovery: Discovery,
    /// The API's base URL to sign in to.
    pub base: String,
    /// The view to come back to (`#/pools/...`): the page state kept across the sign-in.
    pub route: String,
    /// The role names of the server's `/auth.json`.
    pub admin_role: String,
    pub reader_role: String,
}

/// The provider's answer in the redirect URI's query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    /// `?code=...&state=...`
    Code { code: String, state: String },
    /// `?error=...&error_description=...&state=...`
    Error {
        error: String,
        description: Option<String>,
        state: Option<String>,
    },
}

/// The provider's answer in a page's query string (`location.search`), if it is one.
pub fn callback(search: &str) -> Option<Callback> {
    let mut code = None;
    let mut state = None;
    let mut error = None;
    let mut description = None;
    for (name, value) in super::route::pairs(search) {
        match name {
            "code" => code = Some(value),
            "state" => state = Some(value),
            "error" => error = Some(value),
            "error_description" => description = Some(value),
            _ => {}
        }
    }
    match (error, code, state) {
        (Some(error), _, state) => Some(Callback::Error {
            error,
            description,
            state,
        }),
        (None, Some(code), Some(state)) => Some(Callback::Code { code, state }),
        _ => None,
    }
}

/// `application/x-www-form-urlencoded` (and query) encoding of one value.
pub fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A form body (or query) of these pairs.
pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The URL the browser goes to for the sign-in.
pub fn authorize_url(pending: &Pending, scopes: &[String], challenge: &str) -> String {
    let scope = if scopes.is_empty() {
        "openid profile offline_access".to_owned()
    } else {
        scopes.join(" ")
    };
    let endpoint = &pending.discovery.authorization_endpoint;
    let join = if endpoint.contains('?') { '&' } else { '?' };
    let query = form(&[
        ("client_id", &pending.client_id),
        ("response_type", "code"),
        ("redirect_uri", &pending.redirect_uri),
        ("scope", &scope),
        ("state", &pending.state),
        ("nonce", &pending.nonce),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ]);
    format!("{endpoint}{join}{query}")
}

/// The URL that ends the provider's session and comes back to `redirect_uri`.
pub fn end_session_url(
    endpoint: &str,
    client_id: &str,
    id_token: Option<&str>,
    redirect_uri: &str,
) -> String {
    let join = if endpoint.contains('?') { '&' } else { '?' };
    let mut pairs = vec![
        ("client_id", client_id),
        ("post_logout_redirect_uri", redirect_uri),
    ];
    if let Some(hint) = id_token {
        pairs.push(("id_token_hint", hint));
    }
    format!("{endpoint}{join}{}", form(&pairs))
}

/// base64url without padding (PKCE's challenge, the random values).
pub fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The token endpoint's answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub expires_in: Option<u64>,
    #[serde(default)]
    pub id_token: Option<String>,
}

/// The token endpoint's (or the authorization endpoint's) error body.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ErrorResponse {
    pub error: String,
    #[serde(default)]
    pub error_description: Option<String>,
}

/// The payload of a JWT (not verified: the ID token comes straight from the token
/// endpoint over TLS, OpenID Connect Core 3.1.3.7; the server verifies access tokens).
pub fn jwt_payload(token: &str) -> Option<serde_json::Value> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The `roles` claim of an access token, when it is a JWT that has one (Entra ID, the
/// test provider); `None` for an opaque token (then the console does not know the role).
pub fn roles(access_token: &str) -> Option<Vec<String>> {
    let payload = jwt_payload(access_token)?;
    let roles = payload.get("roles")?.as_array()?;
    Some(
        roles
            .iter()
            .filter_map(|r| r.as_str().map(str::to_owned))
            .collect(),
    )
}

/// What the console may do, from the roles of the person's token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Access {
    /// Everything (an admin, or a token whose role the console cannot read).
    Write,
    /// Read only: the write controls are hidden (the server refuses writes anyway).
    Read,
    /// Neither role: nothing (the server answers 403).
    None,
}

/// The access of a token with these roles (`None`: not known, so all controls show and the
/// server decides).
pub fn access(roles: Option<&[String]>, admin_role: &str, reader_role: &str) -> Access {
    match roles {
        // No role names (a sign-in for Graph): the API decides.
        _ if admin_role.is_empty() && reader_role.is_empty() => Access::Write,
        None => Access::Write,
        Some(roles) if roles.iter().any(|r| r == admin_role) => Access::Write,
        Some(roles) if roles.iter().any(|r| r == reader_role) => Access::Read,
        Some(_) => Access::None,
    }
}

/// A sign-in that failed, told plainly with what to do ([`SignInError::text`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignInError {
    /// `access_denied`: cancelled at the provider, or the person may not use the console.
    Denied(String),
    /// The provider does not know the console's address as a redirect URI.
    RedirectUri(String),
    /// The browser's clock and the provider's differ too much.
    ClockSkew,
    /// The provider's session or the refresh token has expired (`login_required`,
    /// `interaction_required`, `invalid_grant`).
    Expired,
    /// The answer does not belong to a sign-in started in this tab (wrong or no `state`,
    /// wrong `nonce`, an ID token for another issuer or client).
    Mismatch,
    /// The provider could not be reached.
    Unreachable(String),
    /// Any other error of the provider: its code and description.
    Provider(String, String),
}

impl SignInError {
    /// The error a provider's `error` and `error_description` name.
    pub fn from_provider(error: &str, description: Option<&str>) -> SignInError {
        let description = description.unwrap_or("").to_owned();
        let lower = description.to_ascii_lowercase();
        if lower.contains("redirect_uri") || lower.contains("redirect uri") {
            return SignInError::RedirectUri(description);
        }
        match error {
            "access_denied" => SignInError::Denied(description),
            "login_required" | "interaction_required" | "invalid_grant" | "consent_required" => {
                SignInError::Expired
            }
            _ => SignInError::Provider(error.to_owned(), description),
        }
    }

    /// The message in `lang`, naming the console's address where that helps.
    pub fn text(&self, lang: Lang, redirect_uri: &str) -> String {
        let t = |label: L| label.text(lang);
        match self {
            SignInError::Denied(detail) => fill(t(L::SignInDenied), &[("detail", detail)]),
            SignInError::RedirectUri(detail) => fill(
                t(L::SignInRedirectUri),
                &[("uri", redirect_uri), ("detail", detail)],
            ),
            SignInError::ClockSkew => t(L::SignInClockSkew).to_owned(),
            SignInError::Expired => t(L::SignInExpired).to_owned(),
            SignInError::Mismatch => t(L::SignInMismatch).to_owned(),
            SignInError::Unreachable(issuer) => {
                fill(t(L::SignInUnreachable), &[("issuer", issuer)])
            }
            SignInError::Provider(error, detail) => {
                fill(t(L::SignInFailed), &[("error", error), ("detail", detail)])
            }
        }
    }
}

/// The person an ID token names, after its checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// `name`, else `preferred_username`, else `sub`.
    pub name: String,
}

/// Checks an ID token's claims against the sign-in it answers: `iss`, `aud` (the client
/// id), `nonce`, and `exp`/`iat` against the browser's clock (`now` in seconds) with
/// [`SKEW_SECONDS`] of skew. Returns the person it names.
pub fn check_id_token(
    id_token: &str,
    issuer: &str,
    client_id: &str,
    nonce: &str,
    now: f64,
) -> Result<Person, SignInError> {
    let claims = jwt_payload(id_token).ok_or(SignInError::Mismatch)?;
    let text = |name: &str| claims.get(name).and_then(|v| v.as_str());
    if text("iss") != Some(issuer) || text("nonce") != Some(nonce) {
        return Err(SignInError::Mismatch);
    }
    let audience = match claims.get("aud") {
        Some(serde_json::Value::String(aud)) => aud == client_id,
        Some(serde_json::Value::Array(auds)) => auds.iter().any(|a| a == client_id),
        _ => false,
    };
    if !audience {
        return Err(SignInError::Mismatch);
    }
    let number = |name: &str| claims.get(name).and_then(serde_json::Value::as_f64);
    let exp = number("exp").ok_or(SignInError::Mismatch)?;
    if exp + SKEW_SECONDS < now || number("iat").is_some_and(|iat| iat - SKEW_SECONDS > now) {
        return Err(SignInError::ClockSkew);
    }
    let name = text("name")
        .or_else(|| text("preferred_username"))
        .or_else(|| text("sub"))
        .unwrap_or_default()
        .to_owned();
    Ok(Person { name })
}

/// A signed-in person's session: what renewal and sign-out need, kept beside the token in
/// session storage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub person: Person,
    pub client_id: String,
    pub redirect_uri: String,
    pub token_endpoint: String,
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
    #[serde(default)]
    pub id_token: Option<String>,
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// When the access token expires (milliseconds since the epoch), when known.
    #[serde(default)]
    pub expires_at_ms: Option<u64>,
    pub access: Access,
}

/// How long to wait before renewing a token that lives `lifetime` seconds: a minute before
/// it expires, or at three quarters of a short lifetime.
pub fn renew_after_ms(lifetime: u64) -> u64 {
    let lifetime = lifetime as f64;
    ((lifetime - 60.0).max(lifetime * 0.75) * 1000.0) as u64
}

/// The origin (`scheme://host[:port]`) of an `http(s)` URL, lower-cased.
pub fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?.to_ascii_lowercase();
    let host = host.rsplit('@').next()?;
    let host = match (scheme.as_str(), host.rsplit_once(':')) {
        ("http", Some((h, "80"))) | ("https", Some((h, "443"))) => h,
        _ => host,
    };
    (!host.is_empty()).then(|| format!("{scheme}://{host}"))
}

/// The origin of `base` when it is not the page's own: the one a link or the settings would
/// move the console to, which needs the person's confirmation first.
pub fn foreign_origin(base: &str, page_origin: &str) -> Option<String> {
    let target = origin(base)?;
    (origin(page_origin).as_deref() != Some(target.as_str())).then_some(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: serde_json::Value) -> String {
        format!(
            "{}.{}.sig",
            b64url(br#"{"alg":"RS256"}"#),
            b64url(claims.to_string().as_bytes())
        )
    }

    fn pending() -> Pending {
        Pending {
            state: "st".into(),
            nonce: "no".into(),
            verifier: "ve".into(),
            client_id: "esim console".into(),
            redirect_uri: "http://127.0.0.1:8080/".into(),
            discovery: Discovery {
                issuer: "https://idp/t/v2.0".into(),
                authorization_endpoint: "https://idp/t/oauth2/v2.0/authorize".into(),
                token_endpoint: "https://idp/t/oauth2/v2.0/token".into(),
                end_session_endpoint: None,
            },
            base: "http://127.0.0.1:8080".into(),
            route: "#/pools".into(),
            admin_role: "Esim.Admin".into(),
            reader_role: "Esim.Reader".into(),
        }
    }

    #[test]
    fn the_authorization_url_asks_for_a_code_with_pkce_state_and_nonce() {
        let url = authorize_url(&pending(), &["openid".into(), "api://x/A".into()], "ch");
        assert_eq!(
            url,
            "https://idp/t/oauth2/v2.0/authorize?client_id=esim%20console&response_type=code\
             &redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2F&scope=openid%20api%3A%2F%2Fx%2FA\
             &state=st&nonce=no&code_challenge=ch&code_challenge_method=S256"
        );
        let mut p = pending();
        p.discovery.authorization_endpoint = "https://idp/a?p=1".into();
        assert!(authorize_url(&p, &[], "c").starts_with("https://idp/a?p=1&client_id="));
    }

    #[test]
    fn the_answer_on_return_is_read_from_the_query() {
        assert_eq!(
            callback("?code=a%2Bb&state=s1&iss=x"),
            Some(Callback::Code {
                code: "a+b".into(),
                state: "s1".into()
            })
        );
        assert_eq!(
            callback("?error=access_denied&error_description=The+user+cancelled&state=s"),
            Some(Callback::Error {
                error: "access_denied".into(),
                description: Some("The user cancelled".into()),
                state: Some("s".into())
            })
        );
        assert_eq!(callback(""), None);
        assert_eq!(callback("?code=a"), None);
    }

    #[test]
    fn an_id_token_is_checked_against_the_sign_in() {
        let claims = |nonce: &str, aud: serde_json::Value, iat: f64, exp: f64| {
            jwt(serde_json::json!({
                "iss": "https://idp/t/v2.0", "aud": aud, "nonce": nonce, "iat": iat,
                "exp": exp, "sub": "s1", "name": "Ada Admin", "preferred_username": "ada@x"
            }))
        };
        let now = 1_000_000.0;
        let ok = claims("no", "esim console".into(), now, now + 3600.0);
        assert_eq!(
            check_id_token(&ok, "https://idp/t/v2.0", "esim console", "no", now),
            Ok(Person {
                name: "Ada Admin".into()
            })
        );
        let check =
            |token: &str| check_id_token(token, "https://idp/t/v2.0", "esim console", "no", now);
        assert_eq!(check(&ok.replace('.', "!")), Err(SignInError::Mismatch));
        assert_eq!(
            check(&claims("other", "esim console".into(), now, now + 60.0)),
            Err(SignInError::Mismatch)
        );
        assert_eq!(
            check(&claims(
                "no",
                serde_json::json!(["a", "esim console"]),
                now,
                now + 60.0
            )),
            Ok(Person {
                name: "Ada Admin".into()
            })
        );
        assert_eq!(
            check(&claims("no", "another client".into(), now, now + 60.0)),
            Err(SignInError::Mismatch)
        );
        // The browser's clock an hour behind or ahead of the provider's.
        assert_eq!(
            check(&claims(
                "no",
                "esim console".into(),
                now + 3600.0,
                now + 7200.0
            )),
            Err(SignInError::ClockSkew)
        );
        assert_eq!(
            check(&claims(
                "no",
                "esim console".into(),
                now - 7200.0,
                now - 3600.0
            )),
            Err(SignInError::ClockSkew)
        );
        // Within the skew.
        assert!(check(&claims(
            "no",
            "esim console".into(),
            now + 200.0,
            now + 60.0
        ))
        .is_ok());
    }

    #[test]
    fn roles_decide_what_the_console_offers() {
        let token = jwt(serde_json::json!({"roles": ["Esim.Reader"]}));
        let r = roles(&token);
        assert_eq!(r.as_deref(), Some(&["Esim.Reader".to_owned()][..]));
        assert_eq!(
            access(r.as_deref(), "Esim.Admin", "Esim.Reader"),
            Access::Read
        );
        assert_eq!(
            access(
                Some(&["Esim.Admin".to_owned()][..]),
                "Esim.Admin",
                "Esim.Reader"
            ),
            Access::Write
        );
        assert_eq!(
            access(Some(&[][..]), "Esim.Admin", "Esim.Reader"),
            Access::None
        );
        // Role names unknown (a sign-in for Graph): Graph decides.
        assert_eq!(access(r.as_deref(), "", ""), Access::Write);
        // An opaque token (a static one, Graph's): the server decides.
        assert_eq!(roles("esim_abc"), None);
        assert_eq!(access(None, "Esim.Admin", "Esim.Reader"), Access::Write);
    }

    #[test]
    fn provider_errors_are_told_plainly_in_both_languages() {
        let errors = [
            SignInError::from_provider("access_denied", Some("The user cancelled the sign-in.")),
            SignInError::from_provider(
                "invalid_request",
                Some("redirect_uri did not match any of the client's registered redirect_uris"),
            ),
            SignInError::ClockSkew,
            SignInError::from_provider("login_required", None),
            SignInError::Mismatch,
            SignInError::Unreachable("https://idp".into()),
            SignInError::from_provider("server_error", Some("boom")),
        ];
        assert!(matches!(errors[0], SignInError::Denied(_)));
        assert!(matches!(errors[1], SignInError::RedirectUri(_)));
        assert_eq!(errors[3], SignInError::Expired);
        for error in &errors {
            let en = error.text(Lang::En, "http://h/");
            let sv = error.text(Lang::Sv, "http://h/");
            assert!(!en.contains('{') && !sv.contains('{'), "{en} / {sv}");
            assert_ne!(en, sv);
        }
        assert!(errors[0]
            .text(Lang::En, "")
            .contains("The user cancelled the sign-in."));
        assert!(errors[1].text(Lang::En, "http://h/").contains("http://h/"));
        assert!(errors[6].text(Lang::Sv, "").contains("server_error: boom"));
    }

    #[test]
    fn tokens_are_renewed_before_they_expire() {
        assert_eq!(renew_after_ms(3600), 3_540_000);
        assert_eq!(renew_after_ms(20), 15_000);
        assert_eq!(renew_after_ms(0), 0);
    }

    #[test]
    fn only_another_origin_needs_confirming() {
        let page = "http://127.0.0.1:8080";
        assert_eq!(foreign_origin("http://127.0.0.1:8080/api", page), None);
        assert_eq!(foreign_origin("HTTP://127.0.0.1:8080", page), None);
        assert_eq!(
            foreign_origin("http://127.0.0.1:9000", page),
            Some("http://127.0.0.1:9000".into())
        );
        assert_eq!(
            foreign_origin("https://graph.microsoft.com/", page),
            Some("https://graph.microsoft.com".into())
        );
        assert_eq!(
            foreign_origin("https://user@evil.example:443/x", page),
            Some("https://evil.example".into())
        );
        assert_eq!(origin("https://a.example:443"), origin("https://a.example"));
        assert_eq!(origin("ftp://a"), None);
    }

    #[test]
    fn auth_json_is_read_beside_the_page() {
        assert_eq!(auth_json_url("http://h:1", "/"), "http://h:1/auth.json");
        assert_eq!(auth_json_url("http://h:1", ""), "http://h:1/auth.json");
        assert_eq!(
            auth_json_url("https://h", "/console/index.html"),
            "https://h/console/auth.json"
        );
    }

    #[test]
    fn an_entra_tenant_gives_its_v2_authority() {
        let entra = |t: &str| entra_authority(t);
        assert_eq!(
            entra(" contoso.onmicrosoft.com "),
            Some("https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0".into())
        );
        assert_eq!(
            entra("9188040d-6c67-4c5b-b112-36a304b66dad"),
            Some(
                "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"
                    .into()
            )
        );
        assert_eq!(
            entra("https://login.microsoftonline.us/t/v2.0/"),
            Some("https://login.microsoftonline.us/t/v2.0".into())
        );
        assert_eq!(
            entra("http://127.0.0.1:4000/t/v2.0"),
            Some("http://127.0.0.1:4000/t/v2.0".into())
        );
        assert_eq!(entra("http://idp.example/t/v2.0"), None);
        assert_eq!(entra("common"), None);
        assert_eq!(entra("Organizations"), None);
        assert_eq!(entra(""), None);
        assert_eq!(entra("a tenant/x"), None);
    }

    #[test]
    fn graph_sign_ins_ask_for_the_least_permissions() {
        let read = graph_scopes(true);
        assert_eq!(&read[..3], ["openid", "profile", "offline_access"]);
        assert!(read.contains(
            &"https://graph.microsoft.com/DeviceManagementConfiguration.Read.All".into()
        ));
        assert!(!read.iter().any(|s| s.contains("ReadWrite")));
        let write = graph_scopes(false);
        assert!(write.contains(&"https://graph.microsoft.com/GroupMember.ReadWrite.All".into()));
        assert_eq!(write.len(), 3 + GRAPH_WRITE.len());
    }

    #[test]
    fn an_auth_json_with_graph_scopes_signs_in_to_graph() {
        let mut auth = esim_wire::AuthConfig {
            issuer: Some("https://login.microsoftonline.com/t/v2.0".into()),
            client_id: Some("c".into()),
            scopes: graph_scopes(true),
            admin_role: None,
            reader_role: None,
        };
        let target = target_of(&auth, "https://console.example").expect("a target");
        assert_eq!(target.base, GRAPH_BASE);
        assert_eq!(target.admin_role, "");
        auth.scopes = vec!["openid".into(), "api://esim/Esim.Access".into()];
        assert_eq!(
            target_of(&auth, "https://console.example").map(|t| t.base),
            Some("https://console.example".into())
        );
        auth.client_id = None;
        assert_eq!(target_of(&auth, "https://console.example"), None);
    }

    #[test]
    fn the_sign_out_url_names_the_way_back() {
        assert_eq!(
            end_session_url("https://idp/logout", "c", Some("t.t.t"), "http://h/"),
            "https://idp/logout?client_id=c&post_logout_redirect_uri=http%3A%2F%2Fh%2F&id_token_hint=t.t.t"
        );
    }
}

/// The browser half: random values, the PKCE challenge, and the provider's endpoints.
pub mod flow {
    use gloo_net::http::Request;
    use wasm_bindgen_futures::JsFuture;

    use super::*;

    /// `n` random bytes from `crypto.getRandomValues`, base64url.
    pub fn random(n: usize) -> Option<String> {
        let crypto = web_sys::window()?.crypto().ok()?;
        let mut bytes = vec![0u8; n];
        crypto.get_random_values_with_u8_array(&mut bytes).ok()?;
        Some(b64url(&bytes))
    }

    /// PKCE's S256 challenge of `verifier` with `crypto.subtle`.
    pub async fn challenge(verifier: &str) -> Option<String> {
        let subtle = web_sys::window()?.crypto().ok()?.subtle();
        let data = js_sys::Uint8Array::from(verifier.as_bytes());
        let promise = subtle
            .digest_with_str_and_buffer_source("SHA-256", &data)
            .ok()?;
        let digest = JsFuture::from(promise).await.ok()?;
        let digest = js_sys::Uint8Array::new(&digest);
        Some(b64url(&digest.to_vec()))
    }

    /// The provider's discovery document.
    pub async fn discover(issuer: &str) -> Result<Discovery, SignInError> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let unreachable = |_| SignInError::Unreachable(issuer.to_owned());
        let response = Request::get(&url).send().await.map_err(unreachable)?;
        if !response.ok() {
            return Err(SignInError::Unreachable(issuer.to_owned()));
        }
        response.json().await.map_err(unreachable)
    }

    /// POSTs a form to the token endpoint.
    pub async fn token(endpoint: &str, body: String) -> Result<TokenResponse, SignInError> {
        let unreachable = |_| SignInError::Unreachable(super::origin(endpoint).unwrap_or_default());
        let response = Request::post(endpoint)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .body(body)
            .map_err(unreachable)?
            .send()
            .await
            .map_err(unreachable)?;
        let text = response.text().await.map_err(unreachable)?;
        if response.ok() {
            serde_json::from_str(&text)
                .map_err(|e| SignInError::Provider("invalid_response".into(), e.to_string()))
        } else {
            Err(match serde_json::from_str::<ErrorResponse>(&text) {
                Ok(e) => SignInError::from_provider(&e.error, e.error_description.as_deref()),
                Err(_) => SignInError::Provider(response.status().to_string(), text),
            })
        }
    }

    /// Exchanges the code of a sign-in.
    pub async fn exchange(pending: &Pending, code: &str) -> Result<TokenResponse, SignInError> {
        let body = form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &pending.redirect_uri),
            ("client_id", &pending.client_id),
            ("code_verifier", &pending.verifier),
        ]);
        token(&pending.discovery.token_endpoint, body).await
    }

    /// A new access token for a refresh token.
    pub async fn refresh(session: &Session) -> Result<TokenResponse, SignInError> {
        let refresh = session
            .refresh_token
            .as_deref()
            .ok_or(SignInError::Expired)?;
        let body = form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", &session.client_id),
        ]);
        token(&session.token_endpoint, body).await
    }

    /// Keeps what is typed in the view on screen (inputs, text areas and selects with an
    /// `id` inside `main`; never a password field, which holds a token) in session storage
    /// before the browser leaves for the provider: signing in again after a failed
    /// renewal loses nothing.
    pub fn keep_draft() {
        use wasm_bindgen::JsCast;
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let Ok(fields) =
            document.query_selector_all("main input[id], main textarea[id], main select[id]")
        else {
            return;
        };
        let mut draft = serde_json::Map::new();
        for i in 0..fields.length() {
            let Some(node) = fields.item(i) else {
                continue;
            };
            if let Some(input) = node.dyn_ref::<web_sys::HtmlInputElement>() {
                match input.type_().as_str() {
                    "password" | "file" | "hidden" | "submit" | "button" | "reset" => {}
                    "checkbox" | "radio" if input.checked() => {
                        draft.insert(input.id(), serde_json::Value::Bool(true));
                    }
                    "checkbox" | "radio" => {}
                    _ if !input.value().is_empty() => {
                        draft.insert(input.id(), input.value().into());
                    }
                    _ => {}
                }
            } else if let Some(text) = node.dyn_ref::<web_sys::HtmlTextAreaElement>() {
                if !text.value().is_empty() {
                    draft.insert(text.id(), text.value().into());
                }
            } else if let Some(select) = node.dyn_ref::<web_sys::HtmlSelectElement>() {
                if !select.value().is_empty() {
                    draft.insert(select.id(), select.value().into());
                }
            }
        }
        let json = (!draft.is_empty()).then(|| serde_json::Value::Object(draft).to_string());
        crate::browser::session_store(DRAFT_KEY, json.as_deref());
    }

    /// Puts back what [`keep_draft`] kept, field by field as the view draws them (for up to
    /// 20 s: the view draws after the code exchange and its first read), each with the
    /// `input` and `change` events a person's typing sends, so the view's state has it too.
    pub async fn restore_draft() {
        let Some(json) = crate::browser::session_stored(DRAFT_KEY) else {
            return;
        };
        crate::browser::session_store(DRAFT_KEY, None);
        let Ok(serde_json::Value::Object(mut left)) = serde_json::from_str(&json) else {
            return;
        };
        for _ in 0..200 {
            left.retain(|id, value| !restore_field(id, value));
            if left.is_empty() {
                return;
            }
            crate::browser::sleep_ms(100).await;
        }
    }

    /// Sets one field back; false while the view has not drawn it.
    fn restore_field(id: &str, value: &serde_json::Value) -> bool {
        use wasm_bindgen::JsCast;
        let Some(element) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
        else {
            return false;
        };
        match value {
            serde_json::Value::Bool(checked) => {
                match element.dyn_ref::<web_sys::HtmlInputElement>() {
                    Some(input) => input.set_checked(*checked),
                    None => return true,
                }
            }
            serde_json::Value::String(text) => {
                if let Some(input) = element.dyn_ref::<web_sys::HtmlInputElement>() {
                    input.set_value(text);
                } else if let Some(area) = element.dyn_ref::<web_sys::HtmlTextAreaElement>() {
                    area.set_value(text);
                } else if let Some(select) = element.dyn_ref::<web_sys::HtmlSelectElement>() {
                    select.set_value(text);
                } else {
                    return true;
                }
            }
            _ => return true,
        }
        for name in ["input", "change"] {
            let init = web_sys::EventInit::new();
            init.set_bubbles(true);
            if let Ok(event) = web_sys::Event::new_with_event_init_dict(name, &init) {
                let _ = element.dispatch_event(&event);
            }
        }
        true
    }

    /// The sign-in settings at `url` ([`super::auth_json_url`]).
    pub async fn auth_config(url: &str) -> Option<esim_wire::AuthConfig> {
        let response = Request::get(url).send().await.ok()?;
        if !response.ok() {
            return None;
        }
        response.json().await.ok()
    }
}
