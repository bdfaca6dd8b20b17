//! The server against the real OpenID provider of the tests (`tests/oidc/provider.mjs`,
//! the npm package `oidc-provider`): each user signs in through its login form over HTTP
//! (Authorization Code with PKCE, as the console does), and the access token it returns is
//! used on the API: the admin writes, the reader reads only, the user without a role gets
//! 403; after a key rotation at the provider the new tokens are accepted without a restart;
//! a refresh token gives a new access token that works, also one issued before the rotation.
//!
//! Needs `node` and oidc-provider (`cargo xtask setup` installs it; `OIDC_PROVIDER` names
//! its directory, else the per-user tool cache at the version of `xtask/src/versions.rs`).

mod support;

use std::sync::Arc;

use esim_server::auth::oidc::{Oidc, OidcConfig};
use esim_server::{util, Config};
use esim_test_support::oidc::Provider;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use support::{codes, Backend, TestApp, POOLS};

const AUDIENCE: &str = "api://esim-console-test";
const CLIENT: &str = "esim-console";
const REDIRECT: &str = "http://127.0.0.1:9/callback";

/// The provider, with the redirect URI of these tests.
fn start_provider() -> Provider {
    Provider::start(&[
        "--audience",
        AUDIENCE,
        "--client-id",
        CLIENT,
        "--redirect-uri",
        REDIRECT,
    ])
    .unwrap_or_else(|e| panic!("{e:#}"))
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Signs `user` in through the login form; returns the token response.
async fn sign_in(p: &Provider, user: &str) -> Value {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let discovery: Value = http
        .get(format!("{}/.well-known/openid-configuration", p.issuer))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let verifier = b64(&util::random::<32>());
    let challenge = b64(&Sha256::digest(verifier.as_bytes()));
    let state = b64(&util::random::<16>());
    let auth = reqwest::Url::parse_with_params(
        discovery["authorization_endpoint"].as_str().unwrap(),
        [
            ("client_id", CLIENT),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            (
                "scope",
                &format!("openid profile offline_access {AUDIENCE}/Esim.Access"),
            ),
            ("state", &state),
            ("nonce", "n-0S6_WzA2Mj"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .unwrap();
    let mut res = http.get(auth.clone()).send().await.unwrap();
    let mut url = auth;
    let mut logged_in = false;
    loop {
        if res.status().is_redirection() {
            let location = res.headers()["location"].to_str().unwrap().to_owned();
            url = url.join(&location).unwrap();
            if url.as_str().starts_with(REDIRECT) {
                break;
            }
            res = http.get(url.clone()).send().await.unwrap();
        } else {
            assert!(res.status().is_success(), "{url}: {}", res.status());
            assert!(
                !logged_in,
                "the login page came back: {}",
                res.text().await.unwrap()
            );
            let page = res.text().await.unwrap();
            assert!(page.contains("id=\"username\""), "{page}");
            logged_in = true;
            res = http
                .post(url.join(&format!("{}/login", url.path())).unwrap())
                .form(&[("username", user), ("password", "secret")])
                .send()
                .await
                .unwrap();
        }
    }
    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(q["state"], state);
    let tokens: Value = http
        .post(discovery["token_endpoint"].as_str().unwrap())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &q["code"]),
            ("redirect_uri", REDIRECT),
            ("client_id", CLIENT),
            ("code_verifier", &verifier),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(tokens["access_token"].is_string(), "{tokens}");
    tokens
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_in_people_use_the_api() {
    let p = start_provider();
    let mut c = OidcConfig::new(&p.issuer, AUDIENCE);
    c.min_refresh = std::time::Duration::from_millis(100);
    let t = TestApp::with_config(
        Backend::Sqlite,
        Config {
            oidc: Some(Arc::new(Oidc::new(c).unwrap())),
            ..Config::default()
        },
    )
    .await;
    let body =
        json!({"displayName": "Signed in", "activationCodes": codes("smdp.example.com", 1, 2)});

    let admin = sign_in(&p, "admin").await;
    let admin_token = admin["access_token"].as_str().unwrap();
    t.call("POST", POOLS, Some(admin_token), Some(body.clone()))
        .await
        .ok(201);
    let audit = t
        .call("GET", "/api/auditEntries", Some(admin_token), None)
        .await
        .ok(200)
        .clone();
    assert_eq!(audit["value"][0]["actor"], "admin:user:admin");
    assert_eq!(audit["value"][0]["actorName"], "admin@example.test");

    let reader = sign_in(&p, "reader").await;
    let reader_token = reader["access_token"].as_str().unwrap();
    t.call("GET", POOLS, Some(reader_token), None).await.ok(200);
    t.call("POST", POOLS, Some(reader_token), Some(body.clone()))
        .await
        .graph_error(403, "Forbidden");

    let norole = sign_in(&p, "norole").await;
    t.call("GET", POOLS, norole["access_token"].as_str(), None)
        .await
        .graph_error(403, "Forbidden");

    // A refresh token gives a new access token that works.
    let refreshed = refresh(&p, &admin).await;
    let fresh = refreshed["access_token"].as_str().unwrap();
    assert_ne!(fresh, admin_token);
    t.call("GET", POOLS, Some(fresh), None).await.ok(200);
    // The provider rotates its signing key: new tokens are accepted without a restart.
    reqwest::Client::new()
        .post(format!("{}/rotate", p.admin))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let rotated = sign_in(&p, "admin").await;
    t.call("GET", POOLS, rotated["access_token"].as_str(), None)
        .await
        .ok(200);
    // A refresh token issued before the rotation still renews (the session is not lost
    // with the provider's keys), and its new access token, signed by the new key, works.
    let renewed = refresh(&p, &refreshed).await;
    t.call("GET", POOLS, renewed["access_token"].as_str(), None)
        .await
        .ok(200);
}

/// The token response to the refresh token of an earlier one (which must have worked).
async fn refresh(p: &Provider, tokens: &Value) -> Value {
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/token", p.issuer))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ("client_id", CLIENT),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(answer["access_token"].is_string(), "refresh: {answer}");
    answer
}
