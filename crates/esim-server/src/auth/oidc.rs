//! People signed in through an OpenID Connect provider (Microsoft Entra ID, Keycloak, Dex,
//! ...): their access tokens are JWTs, verified here against the issuer's published keys.
//!
//! The keys (JWKS) are found through discovery (`{issuer}/.well-known/openid-configuration`)
//! and cached. A token signed by a key not in the cache makes one refresh (at most one per
//! [`OidcConfig::min_refresh`], shared by concurrent requests), so a key rotated at the
//! provider is accepted without a restart; the cache is also refreshed when older than
//! [`OidcConfig::max_age`], keeping the old keys if the provider does not answer. Only
//! asymmetric algorithms are accepted (`none` and HMAC never: an HMAC "signed" with the
//! public key is the classic forgery), and `iss`, `aud`, `exp` and `nbf` are checked with
//! [`OidcConfig::leeway`] of clock skew.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::messages::Message;

/// How the server trusts an OpenID Connect provider.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// The issuer, exactly as in its tokens' `iss` (for Entra ID
    /// `https://login.microsoftonline.com/{tenant}/v2.0`).
    pub issuer: String,
    /// The audience the access tokens must name in `aud` (the API's application ID URI or
    /// client id).
    pub audience: String,
    /// The console's (public) client id, published in `/auth.json`; without it the console
    /// does not offer the sign-in (the server still verifies tokens).
    pub client_id: Option<String>,
    /// The scopes the console asks for, published in `/auth.json`.
    pub scopes: Vec<String>,
    /// The `roles` value that makes an admin.
    pub admin_role: String,
    /// The `roles` value that makes a reader.
    pub reader_role: String,
    /// Clock skew allowed on `exp` and `nbf`.
    pub leeway: Duration,
    /// The least time between two fetches of the keys.
    pub min_refresh: Duration,
    /// Keys older than this are fetched again before use (the old ones serve while the
    /// provider does not answer).
    pub max_age: Duration,
}

impl OidcConfig {
    /// The defaults for this issuer and audience: roles `Esim.Admin` and `Esim.Reader`,
    /// scopes `openid profile offline_access {audience}/Esim.Access`, 60 s of leeway, keys
    /// fetched at most every 10 s and at least every hour.
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> OidcConfig {
        let issuer = issuer.into();
        let audience = audience.into();
        let scopes = ["openid", "profile", "offline_access"]
            .into_iter()
            .map(str::to_owned)
            .chain([format!("{}/Esim.Access", audience.trim_end_matches('/'))])
            .collect();
        OidcConfig {
            issuer,
            audience,
            client_id: None,
            scopes,
            admin_role: "Esim.Admin".into(),
            reader_role: "Esim.Reader".into(),
            leeway: Duration::from_secs(60),
            min_refresh: Duration::from_secs(10),
            max_age: Duration::from_secs(3600),
        }
    }

    /// Fails unless the issuer is an `https://` URL, or `http://` on a loopback address
    /// (tests and local providers).
    pub fn check(&self) -> Result<(), String> {
        let url = reqwest::Url::parse(&self.issuer)
            .map_err(|e| format!("the issuer '{}' is not a URL: {e}", self.issuer))?;
        let loopback = match url.host() {
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            None => false,
        };
        match url.scheme() {
            "https" => Ok(()),
            "http" if loopback => Ok(()),
            _ => Err(format!(
                "the issuer '{}' must be an https:// URL (http:// only on a loopback address)",
                self.issuer
            )),
        }
    }
}

/// The person a verified token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// `sub`: the provider's stable id of the person.
    pub subject: String,
    /// `preferred_username`, else `upn`, else `email`.
    pub username: Option<String>,
    /// `name`.
    pub name: Option<String>,
}

/// Why a token was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// The token is not valid (401 `invalid_token`): the message says why.
    Invalid(Message),
    /// Valid, but its `roles` name neither role (403).
    NoRole,
    /// The provider's keys cannot be fetched and none in the cache signed it (503).
    Unavailable(Message),
}

/// What a person's `roles` claim allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// `--oidc-admin-role`.
    Admin,
    /// `--oidc-reader-role`.
    Reader,
}

/// A verified person and what their `roles` claim allows.
#[derive(Debug, Clone)]
pub struct Verified {
    /// Who.
    pub person: Person,
    /// Admin or reader.
    pub grant: Grant,
}

/// The asymmetric algorithms accepted (never `none` or HMAC).
const ALGORITHMS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

struct Key {
    decoding: DecodingKey,
    /// The key's own `alg`, when the JWKS names one: the token's must be the same.
    alg: Option<Algorithm>,
}

#[derive(Default)]
struct Cache {
    keys: HashMap<String, Arc<Key>>,
    fetched: Option<Instant>,
}

#[derive(Default)]
struct Refresh {
    last_attempt: Option<Instant>,
    jwks_uri: Option<String>,
}

/// The verifier: configuration, HTTP client and the key cache.
pub struct Oidc {
    config: OidcConfig,
    http: reqwest::Client,
    cache: RwLock<Cache>,
    refresh: tokio::sync::Mutex<Refresh>,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oidc")
            .field("issuer", &self.config.issuer)
            .field("audience", &self.config.audience)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    roles: Vec<String>,
    preferred_username: Option<String>,
    upn: Option<String>,
    email: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

impl Oidc {
    /// A verifier for this configuration (checked with [`OidcConfig::check`]); fetches
    /// nothing until the first token.
    pub fn new(config: OidcConfig) -> Result<Oidc, String> {
        config.check()?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Oidc {
            config,
            http,
            cache: RwLock::default(),
            refresh: tokio::sync::Mutex::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &OidcConfig {
        &self.config
    }

    /// Verifies a JWT access token and maps its `roles` to a role.
    pub async fn verify(&self, token: &str) -> Result<Verified, Rejection> {
        let invalid = Rejection::Invalid;
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| invalid(Message::TokenNotAsymmetric))?;
        if !ALGORITHMS.contains(&header.alg) {
            return Err(invalid(Message::TokenAlgorithmRefused));
        }
        let kid = header.kid.ok_or_else(|| invalid(Message::TokenNoKeyId))?;
        let key = self.key(&kid).await?;
        if key.alg.is_some_and(|a| a != header.alg) {
            return Err(invalid(Message::TokenAlgorithmNotTheKeys));
        }
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = self.config.leeway.as_secs();
        let data = jsonwebtoken::decode::<Claims>(token, &key.decoding, &validation)
            .map_err(|e| Rejection::Invalid(explain(e.kind())))?;
        let c = data.claims;
        let grant = if c.roles.iter().any(|r| r == &self.config.admin_role) {
            Grant::Admin
        } else if c.roles.iter().any(|r| r == &self.config.reader_role) {
            Grant::Reader
        } else {
            return Err(Rejection::NoRole);
        };
        Ok(Verified {
            person: Person {
                subject: c.sub,
                username: c.preferred_username.or(c.upn).or(c.email),
                name: c.name,
            },
            grant,
        })
    }

    fn cached(&self, kid: &str) -> (Option<Arc<Key>>, bool) {
        let cache = self.cache.read().unwrap_or_else(|e| e.into_inner());
        let fresh = cache
            .fetched
            .is_some_and(|t| t.elapsed() < self.config.max_age);
        (cache.keys.get(kid).cloned(), fresh)
    }

    /// The key `kid`, from the cache or after one refresh.
    async fn key(&self, kid: &str) -> Result<Arc<Key>, Rejection> {
        if let (Some(key), true) = self.cached(kid) {
            return Ok(key);
        }
        let mut refresh = self.refresh.lock().await;
        // Another request may have refreshed while this one waited.
        let (cached, fresh) = self.cached(kid);
        if let (Some(key), true) = (&cached, fresh) {
            return Ok(key.clone());
        }
        let unknown = || Rejection::Invalid(Message::TokenUnknownKey);
        let recent = refresh
            .last_attempt
            .is_some_and(|t| t.elapsed() < self.config.min_refresh);
        if recent {
            return match cached {
                Some(key) => Ok(key),
                None if self.has_keys() => Err(unknown()),
                None => Err(Rejection::Unavailable(Message::KeysUnavailable)),
            };
        }
        refresh.last_attempt = Some(Instant::now());
        match self.fetch(&mut refresh).await {
            Ok(keys) => {
                tracing::info!(issuer = %self.config.issuer, keys = keys.len(), "fetched the identity provider's signing keys");
                let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
                cache.keys = keys;
                cache.fetched = Some(Instant::now());
                cache.keys.get(kid).cloned().ok_or_else(unknown)
            }
            Err(e) => {
                tracing::warn!(issuer = %self.config.issuer, error = %e, "cannot fetch the identity provider's signing keys");
                refresh.jwks_uri = None;
                // The keys held stay trusted while the provider does not answer.
                cached.ok_or(Rejection::Unavailable(Message::KeysUnavailable))
            }
        }
    }

    fn has_keys(&self) -> bool {
        !self
            .cache
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .keys
            .is_empty()
    }

    /// Discovery (once, or again after a failure), then the JWKS.
    async fn fetch(&self, refresh: &mut Refresh) -> Result<HashMap<String, Arc<Key>>, String> {
        let jwks_uri = match &refresh.jwks_uri {
            Some(uri) => uri.clone(),
            None => {
                let url = format!(
                    "{}/.well-known/openid-configuration",
                    self.config.issuer.trim_end_matches('/')
                );
                let d: Discovery = self.get_json(&url).await?;
                if d.issuer != self.config.issuer {
                    return Err(format!(
                        "the discovery document names the issuer '{}', not '{}'",
                        d.issuer, self.config.issuer
                    ));
                }
                refresh.jwks_uri = Some(d.jwks_uri.clone());
                d.jwks_uri
            }
        };
        let set: JwkSet = self.get_json(&jwks_uri).await?;
        let mut keys = HashMap::new();
        for jwk in set.keys {
            let Some(kid) = jwk.common.key_id.clone() else {
                continue;
            };
            if matches!(
                jwk.common.public_key_use,
                Some(ref u) if *u != PublicKeyUse::Signature
            ) || matches!(jwk.algorithm, AlgorithmParameters::OctetKey(_))
            {
                continue;
            }
            // A key published for another algorithm (encryption, HMAC) is not ours to use.
            let alg = match jwk.common.key_algorithm {
                None => None,
                Some(a) => match a.to_string().parse::<Algorithm>() {
                    Ok(a) if ALGORITHMS.contains(&a) => Some(a),
                    _ => continue,
                },
            };
            if let Ok(decoding) = DecodingKey::from_jwk(&jwk) {
                keys.insert(kid, Arc::new(Key { decoding, alg }));
            }
        }
        Ok(keys)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, String> {
        let res = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        if !res.status().is_success() {
            return Err(format!("{url}: HTTP {}", res.status()));
        }
        res.json().await.map_err(|e| format!("{url}: {e}"))
    }
}

/// A plain reason for a token that failed validation.
fn explain(kind: &jsonwebtoken::errors::ErrorKind) -> Message {
    use jsonwebtoken::errors::ErrorKind as K;
    match kind {
        K::ExpiredSignature => Message::TokenExpired,
        K::ImmatureSignature => Message::TokenNotYetValid,
        K::InvalidIssuer => Message::TokenIssuer,
        K::InvalidAudience => Message::TokenAudience,
        K::InvalidSignature => Message::TokenSignature,
        K::MissingRequiredClaim(_) => Message::TokenClaim,
        K::InvalidAlgorithm => Message::TokenAlgorithm,
        _ => Message::TokenInvalid,
    }
}

#[cfg(test)]
mod tests {
    use super::OidcConfig;

    #[test]
    fn issuer_must_be_https_except_loopback() {
        for ok in [
            "https://login.microsoftonline.com/t/v2.0",
            "http://127.0.0.1:8080/t/v2.0",
            "http://[::1]:9000",
            "http://localhost:5556/dex",
        ] {
            assert!(OidcConfig::new(ok, "aud").check().is_ok(), "{ok}");
        }
        for bad in [
            "http://idp.example.com",
            "http://10.0.0.1/realms/x",
            "ftp://127.0.0.1",
            "not a url",
        ] {
            assert!(OidcConfig::new(bad, "aud").check().is_err(), "{bad}");
        }
    }

    #[test]
    fn default_scopes_name_the_api() {
        let c = OidcConfig::new("https://i", "api://esim/");
        assert_eq!(
            c.scopes,
            [
                "openid",
                "profile",
                "offline_access",
                "api://esim/Esim.Access"
            ]
        );
    }
}
