//! The console's sign-in end to end (issue 12): the release build served by a real
//! `esim-server serve --oidc-issuer ... --oidc-audience ... --oidc-client-id ...`, the real
//! OpenID provider of the tests (`tests/oidc/provider.mjs`, npm `oidc-provider`) with its
//! own login page, and headless Chromium: sign in, upload a pool, see your name, sign out
//! (the provider's session ends); a reader sees no write controls and the server refuses
//! their writes; a person without a role is told so; a token that expires is renewed
//! without losing the page (short token lifetime, a key rotation in between); a link that
//! names another origin as the API is refused until confirmed, nothing sent before; the
//! provider's errors told plainly (a sign-in cancelled at the provider, the browser's clock
//! off, a session ended at the provider), and signing in again after that keeps what was
//! typed.
//!
//! `test = false` like `console`: `cargo xtask test` builds the release build and
//! `esim-server`, then runs it on SQLite and on PostgreSQL (`ESIM_TEST_POSTGRES`).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use esim_console::dom::testid as ids;
use esim_test_support::oidc::Provider;
use serde_json::{json, Value};
use support::server::{http, valid_csv, EsimServer, TestDatabase, POOLS};
use support::{run_at, Page};

const AUDIENCE: &str = "api://esim-console-test";
const CLIENT: &str = "esim-console";
const SMDP: &str = "smdp.example.com";

/// The provider, a server that trusts it (its page is the redirect URI), and an admin's
/// static token. Dropped in field order: the server stops before its database goes.
struct Setup {
    server: EsimServer,
    provider: Provider,
    token: String,
    _db: TestDatabase,
}

impl Setup {
    /// `ttl`: the access tokens' lifetime in seconds.
    fn start(ttl: u32) -> Setup {
        let ttl = ttl.to_string();
        let provider = Provider::start(&[
            "--audience",
            AUDIENCE,
            "--client-id",
            CLIENT,
            "--access-token-ttl",
            &ttl,
        ])
        .unwrap_or_else(|e| panic!("{e:#}"));
        let db = TestDatabase::new();
        let token = EsimServer::token(&db, "admin");
        let server = EsimServer::start_with(
            &db,
            &[
                "--oidc-issuer",
                &provider.issuer,
                "--oidc-audience",
                AUDIENCE,
                "--oidc-client-id",
                CLIENT,
            ],
        );
        // The console's address is its redirect URI (and where sign-out comes back to).
        let page = format!("{}/", server.url());
        let answer = http(
            &provider.admin,
            "POST",
            "/client",
            None,
            Some(&json!({"redirect_uris": [page], "post_logout_redirect_uris": [page]})),
        )
        .expect("configure the provider's client");
        assert_eq!(answer.status, 200, "{}", answer.text());
        Setup {
            server,
            provider,
            token,
            _db: db,
        }
    }
}

fn tid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

impl Page {
    /// Clicks "Sign in with your organisation" and signs `user` in on the provider's own
    /// login page; returns once the browser is back at the console (its address).
    async fn sign_in_as(&self, user: &str, console: &str) {
        self.click(ids::SIGN_IN_OIDC).await;
        self.css("#username").await;
        assert!(
            !self.url().await.starts_with(console),
            "the login page is the provider's"
        );
        self.sign_in_as_on_form(user).await;
    }

    /// Fills the provider's login form for `user` and sends it.
    async fn sign_in_as_on_form(&self, user: &str) {
        let username = self.css("#username").await;
        username.send_keys(user).await.expect("type the user");
        self.css("#password")
            .await
            .send_keys("secret")
            .await
            .expect("type the password");
        self.css("#sign-in").await.click().await.expect("sign in");
    }

    /// The console's token in the tab's session storage (what it sends to the server).
    async fn stored_token(&self) -> String {
        let stored = self
            .client
            .execute(
                "return sessionStorage.getItem('esim-console.connection') || '';",
                vec![],
            )
            .await
            .expect("read session storage");
        let stored: Value =
            serde_json::from_str(stored.as_str().unwrap_or_default()).unwrap_or(Value::Null);
        stored["token"].as_str().unwrap_or_default().to_owned()
    }

    /// Everything the page keeps in local storage (tokens never go there).
    async fn local_storage(&self) -> String {
        self.client
            .execute(
                "return JSON.stringify(Object.assign({}, localStorage));",
                vec![],
            )
            .await
            .expect("read local storage")
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Signs out from Settings and confirms at the provider's end-session page; returns
    /// once the console shows itself signed out.
    async fn sign_out_everywhere(&self) {
        self.nav_to("#/settings").await;
        self.click(ids::SIGN_OUT).await;
        // oidc-provider asks before it ends its session.
        self.css("button[name=logout][value=yes]")
            .await
            .click()
            .await
            .expect("confirm the sign-out at the provider");
        self.wait_for_text(ids::SIGNED_IN, "Not signed in").await;
    }
}

/// (1) An admin signs in through the provider's login page, sees their name, uploads a
/// pool (the audit log names them), and signs out, which ends the provider's session.
#[tokio::test]
async fn an_admin_signs_in_uploads_a_pool_and_signs_out() {
    let setup = Setup::start(600);
    let url = format!("{}/#/pools", setup.server.url());
    run_at(url, ids::NAV, |page| async move {
        let base = setup.server.url().to_owned();
        page.element(ids::SIGN_IN_NEEDED).await;
        page.element(ids::SIGN_IN_OIDC).await;
        page.assert_accessible("signed out, sign-in offered").await;

        page.sign_in_as("admin", &base).await;
        // Back at the console: the time from the provider's redirect to the pools list
        // painted (the page's own clock starts with the navigation back).
        let deadline = Instant::now() + Duration::from_secs(20);
        let painted_ms = loop {
            let probe = page
                .client
                .execute(
                    "return document.querySelector('[data-testid=\"no-pools\"]') \
                     ? performance.now() : null;",
                    vec![],
                )
                .await
                .expect("probe the pools list");
            if let Some(ms) = probe.as_f64() {
                break ms;
            }
            assert!(Instant::now() < deadline, "the pools list never showed");
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        println!("signin: redirect back to the pools list painted in {painted_ms:.0} ms");
        page.wait_for_text(ids::PERSON, "Ada Admin").await;
        let address = page.url().await;
        assert!(
            address.ends_with("/#/pools")
                && !address.contains("code=")
                && !address.contains("state="),
            "the provider's answer left the address bar: {address}"
        );
        let token = page.stored_token().await;
        assert_eq!(token.split('.').count(), 3, "a JWT access token: {token}");
        assert!(!page.local_storage().await.contains(&token));
        page.assert_accessible("signed in (pools)").await;

        // Upload a pool as this person.
        page.nav_to("#/").await;
        page.upload("Signed.csv", valid_csv(SMDP, 0, 3).as_bytes())
            .await;
        page.wait_for_text(ids::VERDICT, "Valid").await;
        let upload = format!("{} {}", tid(ids::RESULT), tid(ids::UPLOAD));
        page.css(&upload).await.click().await.expect("click upload");
        page.wait_for_fragment_prefix("#/pools/").await;
        let pools = setup.server.pools(&setup.token);
        assert_eq!(pools.len(), 1, "{pools:?}");
        let (status, audit) = setup.server.get(&setup.token, "/api/auditEntries");
        assert_eq!(status, 200, "{audit}");
        assert_eq!(audit["value"][0]["actor"], "admin:user:admin", "{audit}");
        assert_eq!(audit["value"][0]["actorName"], "admin@example.test");

        // Sign out: the console forgets the token, the provider ends its session (the next
        // sign-in asks for the password again).
        page.sign_out_everywhere().await;
        assert_eq!(page.stored_token().await, "");
        page.nav_to("#/pools").await;
        page.click(ids::SIGN_IN_OIDC).await;
        page.css("#username").await;
    })
    .await;
}

/// (2) A reader sees no write controls and the server refuses their writes; a person with
/// no role is told so plainly.
#[tokio::test]
async fn a_reader_only_reads_and_a_person_without_a_role_is_told() {
    let setup = Setup::start(600);
    let pool = setup
        .server
        .create_pool(&setup.token, "Existing", SMDP, 0, 2);
    let url = format!("{}/#/pools", setup.server.url());
    run_at(url, ids::NAV, |page| async move {
        let base = setup.server.url().to_owned();
        page.sign_in_as("reader", &base).await;
        page.wait_for_text(ids::PERSON, "Rita Reader").await;
        page.element(ids::READ_ONLY).await;
        page.element(ids::POOL_ROW).await;
        page.assert_accessible("a reader's pools").await;
        assert!(!page.exists(ids::RENAME).await && !page.exists(ids::DELETE).await);
        page.nav_to("#/groups").await;
        page.element(ids::READ_ONLY).await;
        assert!(!page.exists(ids::CREATE_GROUP).await);
        page.go(&format!("#/pools/{pool}/assignments")).await;
        page.element(ids::NO_USERS).await;
        assert!(!page.exists(ids::SAVE_ASSIGNMENTS).await);
        page.nav_to("#/").await;
        page.upload("Reader.csv", valid_csv(SMDP, 10, 2).as_bytes())
            .await;
        page.wait_for_text(ids::VERDICT, "Valid").await;
        assert!(
            !page.exists(ids::UPLOAD).await,
            "a reader is offered the upload"
        );
        // The server refuses the reader's token for a write.
        let token = page.stored_token().await;
        let body = json!({"displayName": "Nope", "activationCodes": []});
        let (status, answer) = setup.server.post(&token, POOLS, &body);
        assert_eq!(status, 403, "{answer}");
        let (status, _) = setup.server.get(&token, POOLS);
        assert_eq!(status, 200);

        page.sign_out_everywhere().await;
        page.nav_to("#/pools").await;
        page.sign_in_as("norole", &base).await;
        page.wait_for_text(ids::PERSON, "Nils Norole").await;
        let told = page.text(ids::NO_ROLE).await;
        for part in ["Nils Norole", "Esim.Admin", "Esim.Reader"] {
            assert!(told.contains(part), "{told}");
        }
        assert!(!page.exists(ids::POOL_ROW).await);
        page.assert_accessible("no role").await;
        let token = page.stored_token().await;
        let (status, _) = setup.server.get(&token, POOLS);
        assert_eq!(status, 403);
    })
    .await;
}

/// (3) A token that expires during the session is renewed with the refresh token (also
/// across a key rotation at the provider) without losing the page: what is typed stays.
#[tokio::test]
async fn an_expiring_token_is_renewed_without_losing_the_page() {
    // Renewed at three quarters of 20 s.
    let setup = Setup::start(20);
    let url = format!("{}/#/groups", setup.server.url());
    run_at(url, ids::NAV, |page| async move {
        let base = setup.server.url().to_owned();
        page.sign_in_as("admin", &base).await;
        page.wait_for_text(ids::PERSON, "Ada Admin").await;
        page.wait_for_fragment("#/groups").await;
        let first = page.stored_token().await;
        page.type_into(ids::NEW_GROUP_NAME, "Typed before renewal")
            .await;
        // The provider rotates its signing key: the refresh token issued before still
        // renews, and the new token (new key) is accepted by the server.
        let rotated = http(&setup.provider.admin, "POST", "/rotate", None, None)
            .expect("rotate the provider's key");
        assert_eq!(rotated.status, 200);
        let deadline = Instant::now() + Duration::from_secs(40);
        let renewed = loop {
            let now = page.stored_token().await;
            if !now.is_empty() && now != first {
                break now;
            }
            assert!(Instant::now() < deadline, "the token was never renewed");
            tokio::time::sleep(Duration::from_millis(250)).await;
        };
        let (status, _) = setup.server.get(&renewed, POOLS);
        assert_eq!(status, 200, "the renewed token works");
        // The page is as it was: the same view, the typed text, the person.
        assert!(page.url().await.ends_with("#/groups"));
        let typed = page
            .element(ids::NEW_GROUP_NAME)
            .await
            .prop("value")
            .await
            .expect("the input's value");
        assert_eq!(typed.as_deref(), Some("Typed before renewal"));
        assert!(!page.exists(ids::SIGN_IN_ERROR).await);
        page.click(ids::CREATE_GROUP).await;
        page.wait_for_count(ids::GROUP_ROW, 1).await;
        page.wait_for_text(ids::PERSON, "Ada Admin").await;
    })
    .await;
}

/// A port that counts the connections made to it (answering none).
fn counting_listener() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let origin = format!("http://{}", listener.local_addr().expect("addr"));
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (origin, count)
}

/// (4) A link (or Settings) that points the API at another origin asks first, naming it;
/// nothing is sent there before the person accepts.
#[tokio::test]
async fn a_link_to_another_origin_waits_for_confirmation() {
    let (elsewhere, connections) = counting_listener();
    let db = TestDatabase::new();
    let token = EsimServer::token(&db, "admin");
    // The page may call that origin (CSP connect-src), so only the console's question
    // stands between the link and the request.
    let server = EsimServer::start_with(&db, &["--connect-origin", &elsewhere]);
    let link = format!("{}/#token={token}&api={elsewhere}", server.url());
    run_at(link.clone(), ids::NAV, move |page| async move {
        let dialog = page.element(ids::ORIGIN_DIALOG).await;
        page.wait_for_text_containing(ids::ORIGIN_DIALOG, &elsewhere, Duration::from_secs(10))
            .await;
        assert_eq!(
            dialog.attr("open").await.expect("open").as_deref(),
            Some("true")
        );
        assert!(
            !page.url().await.contains(&token),
            "the token left the address bar"
        );
        page.assert_accessible("the other-origin question").await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(
            connections.load(Ordering::SeqCst),
            0,
            "sent before confirmed"
        );
        page.wait_for_text(ids::SIGNED_IN, "Not signed in").await;

        // Refused: still nothing sent, not signed in.
        page.click(ids::ORIGIN_REFUSE).await;
        page.element(ids::SIGN_IN_NEEDED).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(connections.load(Ordering::SeqCst), 0);
        assert_eq!(dialog.attr("open").await.expect("open"), None);

        // The same link again, accepted: the console talks to that origin.
        page.go(&format!("#token={token}&api={elsewhere}")).await;
        page.wait_for_text_containing(ids::ORIGIN_DIALOG, &elsewhere, Duration::from_secs(10))
            .await;
        page.click(ids::ORIGIN_ACCEPT).await;
        page.wait_for_text_containing(ids::SIGNED_IN, &elsewhere, Duration::from_secs(10))
            .await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while connections.load(Ordering::SeqCst) == 0 {
            assert!(
                Instant::now() < deadline,
                "nothing reached {elsewhere} after accepting"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        // Settings: the page's own server needs no question; another origin does.
        page.nav_to("#/settings").await;
        page.type_into(ids::BASE_URL, server_url_of(&link)).await;
        page.type_into(ids::TOKEN, &token).await;
        page.click(ids::SAVE_CONNECTION).await;
        page.wait_for_text_containing(ids::CONNECTION_STATUS, "Connected", Duration::from_secs(10))
            .await;
        let before = connections.load(Ordering::SeqCst);
        page.type_into(ids::BASE_URL, &elsewhere).await;
        page.click(ids::SAVE_CONNECTION).await;
        page.wait_for_text_containing(ids::ORIGIN_DIALOG, &elsewhere, Duration::from_secs(10))
            .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(connections.load(Ordering::SeqCst), before);
        page.click(ids::ORIGIN_REFUSE).await;
        let signed_in = page.text(ids::SIGNED_IN).await;
        assert!(!signed_in.contains(elsewhere.as_str()), "{signed_in}");
    })
    .await;
    drop(server);
}

/// The server's address in a sign-in link.
fn server_url_of(link: &str) -> &str {
    link.split("/#").next().unwrap_or(link)
}

/// (5) The person cancels at the provider's login page: the provider answers
/// `access_denied` and the console says so plainly, with what to do.
#[tokio::test]
async fn a_sign_in_cancelled_at_the_provider_is_told_plainly() {
    let setup = Setup::start(600);
    let url = format!("{}/#/pools", setup.server.url());
    run_at(url, ids::NAV, |page| async move {
        let base = setup.server.url().to_owned();
        page.click(ids::SIGN_IN_OIDC).await;
        page.css("#username").await;
        assert!(!page.url().await.starts_with(&base));
        page.css("#cancel").await.click().await.expect("cancel");
        page.wait_for_text_containing(
            ids::SIGN_IN_ERROR,
            "The sign-in was cancelled or refused",
            Duration::from_secs(20),
        )
        .await;
        let told = page.text(ids::SIGN_IN_ERROR).await;
        assert!(
            told.contains("The user cancelled the sign-in.") && told.contains("Sign in again"),
            "{told}"
        );
        let address = page.url().await;
        assert!(!address.contains("error="), "{address}");
        assert_eq!(page.stored_token().await, "");
        page.assert_accessible("sign-in cancelled (access_denied)")
            .await;
    })
    .await;
}

/// (6) The browser's clock two hours ahead of the provider's (Date shifted in every page
/// before it loads): the ID token looks expired, and the console says to set the clock.
#[tokio::test]
async fn a_wrong_clock_is_told_plainly() {
    let setup = Setup::start(600);
    let url = format!("{}/#/pools", setup.server.url());
    run_at(url, ids::NAV, move |page| async move {
        let base = setup.server.url().to_owned();
        let shift = "(() => { const RealDate = Date; const shift = 2 * 3600 * 1000; \
            class Shifted extends RealDate { \
              constructor(...a) { if (a.length === 0) super(RealDate.now() + shift); else super(...a); } \
              static now() { return RealDate.now() + shift; } } \
            globalThis.Date = Shifted; })();";
        page.cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": shift }),
        )
        .await;
        page.client.refresh().await.expect("reload");
        page.element(ids::SIGN_IN_OIDC).await;
        let ahead = page
            .client
            .execute("return Date.now() - performance.timeOrigin;", vec![])
            .await
            .expect("read the clock")
            .as_f64()
            .unwrap_or_default();
        assert!(ahead > 3600.0 * 1000.0, "the clock was not shifted: {ahead}");
        page.sign_in_as("admin", &base).await;
        page.wait_for_text_containing(
            ids::SIGN_IN_ERROR,
            "clock differs from the identity provider's",
            Duration::from_secs(20),
        )
        .await;
        assert!(page.text(ids::SIGN_IN_ERROR).await.contains("automatic time"));
        assert_eq!(page.stored_token().await, "");
        assert!(!page.exists(ids::PERSON).await);
        page.assert_accessible("sign-in refused: clock skew").await;
    })
    .await;
}

/// (7) The session ends at the provider (the refresh token revoked there): the renewal
/// gets `invalid_grant`, the console says the sign-in has expired, and signing in again
/// brings back what was typed on the page.
#[tokio::test]
async fn an_expired_session_is_told_and_signing_in_again_keeps_what_was_typed() {
    // Renewed at three quarters of 20 s.
    let setup = Setup::start(20);
    let url = format!("{}/#/groups", setup.server.url());
    run_at(url, ids::NAV, |page| async move {
        let base = setup.server.url().to_owned();
        page.sign_in_as("admin", &base).await;
        page.wait_for_text(ids::PERSON, "Ada Admin").await;
        page.wait_for_fragment("#/groups").await;
        page.type_into(ids::NEW_GROUP_NAME, "Typed before the session ended")
            .await;
        let session = page
            .client
            .execute(
                "return sessionStorage.getItem('esim-console.session') || '{}';",
                vec![],
            )
            .await
            .expect("read the session");
        let session: Value =
            serde_json::from_str(session.as_str().unwrap_or("{}")).expect("session JSON");
        let refresh = session["refresh_token"].as_str().expect("a refresh token");
        let revoked = http(
            &setup.provider.admin,
            "POST",
            "/revoke",
            None,
            Some(&json!({ "refresh_token": refresh })),
        )
        .expect("revoke at the provider");
        assert_eq!(revoked.status, 200);
        assert!(revoked.text().contains("true"), "{}", revoked.text());

        page.wait_for_text_containing(
            ids::SIGN_IN_ERROR,
            "Your sign-in has expired",
            Duration::from_secs(40),
        )
        .await;
        page.assert_accessible("sign-in expired").await;
        // Sign in again (the provider's own session may still let the person through
        // without the form).
        // A mark on this document: gone once the browser has been to the provider and back.
        page.client
            .execute("window.beforeSignIn = true;", vec![])
            .await
            .expect("mark the page");
        page.click(ids::SIGN_IN_OIDC).await;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let at = page.url().await;
            let reloaded = page
                .client
                .execute("return window.beforeSignIn === undefined;", vec![])
                .await
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            if reloaded
                && at.starts_with(&base)
                && at.ends_with("#/groups")
                && page.exists(ids::PERSON).await
            {
                break;
            }
            if page
                .client
                .find(fantoccini::Locator::Css("#username"))
                .await
                .is_ok()
            {
                page.sign_in_as_on_form("admin").await;
            }
            assert!(Instant::now() < deadline, "never back at the console: {at}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let typed = page
                .element(ids::NEW_GROUP_NAME)
                .await
                .prop("value")
                .await
                .expect("the input's value");
            if typed.as_deref() == Some("Typed before the session ended") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "what was typed is lost: {typed:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(!page.exists(ids::SIGN_IN_ERROR).await);
        // And the view has it too: the group is created with that name.
        page.click(ids::CREATE_GROUP).await;
        page.wait_for_count(ids::GROUP_ROW, 1).await;
        let (status, groups) = setup.server.get(&setup.token, "/v1.0/groups");
        assert_eq!(status, 200, "{groups}");
        assert_eq!(
            groups["value"][0]["displayName"], "Typed before the session ended",
            "{groups}"
        );
    })
    .await;
}
