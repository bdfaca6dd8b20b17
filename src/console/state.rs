//! The console's shared state (language, route, connection) and how views read from the
//! server; plain helpers for numbers and times.

use std::sync::atomic::{AtomicU32, Ordering};

use esim_wire::AuthConfig;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::connection;
use super::labels::Label as L;
use super::route::Route;
use super::signin::{self, flow, Access, Callback, Pending, Session, SignInError};
use crate::api::{http, ApiError, Client, Resource};
use crate::browser;
use crate::i18n::{t, Lang};

/// A connection to another origin than the page's, waiting for the person's confirmation
/// (a `#token=...&api=...` link, or the settings): nothing is sent there before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Foreign {
    /// The API's base URL.
    pub base: String,
    /// The token to send there.
    pub token: String,
    /// The origin of `base`, named in the question.
    pub origin: String,
    /// Test the connection once accepted (Settings' "Save and test").
    pub test: bool,
}

/// What the last connection test (Settings' "Save and test") found. Kept in the console's
/// state, not the page's: accepting another origin signs in, which draws the page again,
/// and the test it asked for must still run and show.
#[derive(Debug, Clone, Default)]
pub enum ConnectionTest {
    /// None since Settings was opened.
    #[default]
    Idle,
    Testing,
    Ok,
    Failed(ApiError),
}

/// The console's shared state, by context: the language, the current view and the
/// connection.
#[derive(Debug, Clone, Copy)]
pub struct Console {
    /// The page's language.
    pub lang: RwSignal<Lang>,
    /// The view shown.
    pub route: RwSignal<Route>,
    /// The server and token, when signed in.
    pub client: RwSignal<Option<Client>>,
    /// The person signed in through the identity provider (none with a static token).
    pub session: RwSignal<Option<Session>>,
    /// The server's sign-in settings (`/auth.json`), once read.
    pub auth: RwSignal<Option<AuthConfig>>,
    /// A sign-in (or renewal) under way.
    pub signing_in: RwSignal<bool>,
    /// Why the last sign-in or renewal failed.
    pub sign_in_error: RwSignal<Option<SignInError>>,
    /// A connection to another origin, until confirmed or refused.
    pub foreign: RwSignal<Option<Foreign>>,
    /// Settings' connection test (forgotten when another view is shown).
    pub connection_test: RwSignal<ConnectionTest>,
}

/// Bumped on every sign-in and sign-out: a renewal timer of an older generation does
/// nothing when it fires.
static RENEWAL: AtomicU32 = AtomicU32::new(0);

impl Console {
    fn new(lang: RwSignal<Lang>, client: Option<Client>, session: Option<Session>) -> Console {
        Console {
            lang,
            route: RwSignal::new(Route::Check),
            client: RwSignal::new(client),
            session: RwSignal::new(session),
            auth: RwSignal::new(None),
            signing_in: RwSignal::new(false),
            sign_in_error: RwSignal::new(None),
            foreign: RwSignal::new(None),
            connection_test: RwSignal::new(ConnectionTest::Idle),
        }
    }

    /// Reads the sign-in link, the provider's answer or the stored connection and follows
    /// the URL's fragment.
    pub fn start(lang: RwSignal<Lang>) -> Console {
        let client = browser::session_stored(connection::STORAGE_KEY)
            .as_deref()
            .and_then(connection::from_storage);
        let session = client.as_ref().and(
            browser::session_stored(signin::SESSION_KEY)
                .and_then(|json| serde_json::from_str::<Session>(&json).ok()),
        );
        let console = Console::new(lang, client, session);
        match signin::callback(&browser::location_search()) {
            Some(answer) => console.finish_sign_in(answer),
            None => console.follow(&browser::location_hash()),
        }
        browser::on_hash_change(move |hash| console.follow(&hash));
        // A connection test's answer belongs to the visit to Settings that asked for it.
        Effect::new(move |_| {
            if console.route.get() != Route::Settings
                && !matches!(
                    console.connection_test.get_untracked(),
                    ConnectionTest::Idle
                )
            {
                console.connection_test.set(ConnectionTest::Idle);
            }
        });
        if let Some(origin) = connection::default_base(&browser::location_origin()) {
            let url = signin::auth_json_url(&origin, &browser::location_pathname());
            spawn_local(async move {
                console.auth.set(flow::auth_config(&url).await);
            });
        }
        console.schedule_renewal();
        console
    }

    /// Shows the view a fragment names, or signs in with a `#token=` link (at start, or
    /// opened in a tab that already runs the console): the token goes to session storage
    /// and leaves the address bar and the history at once. A link that names an API on
    /// another origin than the page's waits for the person's confirmation ([`Foreign`]).
    fn follow(self, hash: &str) {
        let Some(sign_in) = connection::sign_in_from_fragment(hash) else {
            self.route.set(Route::parse(hash));
            return;
        };
        let page = browser::location_origin();
        let base = sign_in
            .api
            .and_then(|api| connection::parse_base(&api).ok())
            .or_else(|| connection::default_base(&page))
            .unwrap_or_default();
        browser::replace_location_hash(&Route::Pools.href());
        self.route.set(Route::Pools);
        self.connect(base, sign_in.token, false);
    }

    /// Signs in with a static token at `base`, or asks first when `base` is on another
    /// origin than the page and the current connection; `test`: then test the connection
    /// ([`Console::test_connection`]), at once or once the person has accepted.
    pub fn connect(self, base: String, token: String, test: bool) {
        let page = browser::location_origin();
        let current = self
            .client
            .get_untracked()
            .and_then(|c| signin::origin(c.base()));
        match signin::foreign_origin(&base, &page) {
            Some(origin) if current.as_deref() != Some(origin.as_str()) => {
                self.foreign.set(Some(Foreign {
                    base,
                    token,
                    origin,
                    test,
                }));
            }
            _ => {
                self.sign_in(Client::new(&base, &token));
                if test {
                    self.test_connection();
                }
            }
        }
    }

    /// Reads the first page of pools with the current connection; the answer lands in
    /// [`Console::connection_test`].
    pub fn test_connection(self) {
        let Some(client) = self.client.get_untracked() else {
            return;
        };
        self.connection_test.set(ConnectionTest::Testing);
        spawn_local(async move {
            let result: Result<esim_wire::Collection<esim_wire::Pool>, _> =
                http::page(&client, &Resource::Pools, None).await;
            self.connection_test.set(match result {
                Ok(_) => ConnectionTest::Ok,
                Err(error) => ConnectionTest::Failed(error),
            });
        });
    }

    /// The person confirmed (`true`) or refused the connection to another origin.
    pub fn confirm_foreign(self, accept: bool) {
        if let Some(foreign) = self.foreign.get_untracked() {
            self.foreign.set(None);
            if accept {
                self.sign_in(Client::new(&foreign.base, &foreign.token));
                if foreign.test {
                    self.test_connection();
                }
            }
        }
    }

    /// What the signed-in person may do (everything with a static token: the server
    /// decides).
    pub fn access(self) -> Access {
        self.session
            .with(|s| s.as_ref().map_or(Access::Write, |s| s.access))
    }

    /// Whether the write controls show (tracked).
    pub fn can_write(self) -> bool {
        self.access() == Access::Write
    }

    /// [`Console::can_write`] untracked, for a view drawn once (the route's view is drawn
    /// again when the person changes).
    pub fn can_write_now(self) -> bool {
        self.session
            .with_untracked(|s| s.as_ref().is_none_or(|s| s.access == Access::Write))
    }

    /// Starts the sign-in at the provider `/auth.json` names: discovery, then the browser
    /// goes to its authorization endpoint with a PKCE challenge, `state` and `nonce` (kept
    /// in session storage with the view to come back to).
    pub fn begin_sign_in(self) {
        let Some(auth) = self.auth.get_untracked() else {
            return;
        };
        let Some(base) = connection::default_base(&browser::location_origin()) else {
            return;
        };
        if let Some(target) = signin::target_of(&auth, &base) {
            self.begin_sign_in_at(target);
        }
    }

    /// Starts a sign-in at `target`'s provider (the serving server's, a static
    /// `auth.json`'s, or the Entra ID tenant typed in Settings for Graph).
    pub fn begin_sign_in_at(self, target: signin::Target) {
        let Some(page) = connection::default_base(&browser::location_origin()) else {
            return;
        };
        let redirect_uri = format!("{page}{}", browser::location_pathname());
        let route = match self.route.get_untracked() {
            Route::Check => Route::Pools,
            route => route,
        };
        let signin::Target {
            issuer,
            client_id,
            scopes,
            admin_role,
            reader_role,
            base,
        } = target;
        self.signing_in.set(true);
        self.sign_in_error.set(None);
        spawn_local(async move {
            let discovery = match flow::discover(&issuer).await {
                Ok(discovery) => discovery,
                Err(error) => return self.fail(error),
            };
            let (Some(state), Some(nonce), Some(verifier)) =
                (flow::random(16), flow::random(16), flow::random(32))
            else {
                return self.fail(SignInError::Provider("crypto".into(), String::new()));
            };
            let Some(challenge) = flow::challenge(&verifier).await else {
                return self.fail(SignInError::Provider("crypto.subtle".into(), String::new()));
            };
            let pending = Pending {
                state,
                nonce,
                verifier,
                client_id,
                redirect_uri,
                discovery,
                base,
                route: route.href(),
                admin_role,
                reader_role,
            };
            let url = signin::authorize_url(&pending, &scopes, &challenge);
            if let Ok(json) = serde_json::to_string(&pending) {
                browser::session_store(signin::PENDING_KEY, Some(&json));
            }
            flow::keep_draft();
            browser::assign(&url);
        });
    }

    /// The provider's answer: the query leaves the address bar at once; a code is
    /// exchanged (after `state` and then the ID token's `nonce` are checked) and the person
    /// lands on the view they left.
    fn finish_sign_in(self, answer: Callback) {
        let pending: Option<Pending> = browser::session_stored(signin::PENDING_KEY)
            .and_then(|json| serde_json::from_str(&json).ok());
        browser::session_store(signin::PENDING_KEY, None);
        let route = pending
            .as_ref()
            .map_or_else(|| Route::Pools.href(), |p| p.route.clone());
        browser::replace_query_and_hash(&route);
        self.route.set(Route::parse(&route));
        let (code, pending) = match (answer, pending) {
            (Callback::Code { code, state }, Some(pending)) if state == pending.state => {
                (code, pending)
            }
            (
                Callback::Error {
                    error,
                    description,
                    state,
                },
                Some(pending),
            ) if state.as_deref() == Some(pending.state.as_str()) => {
                return self.fail(SignInError::from_provider(&error, description.as_deref()));
            }
            _ => return self.fail(SignInError::Mismatch),
        };
        self.signing_in.set(true);
        spawn_local(async move {
            let tokens = match flow::exchange(&pending, &code).await {
                Ok(tokens) => tokens,
                Err(error) => return self.fail(error),
            };
            let now = browser::epoch_ms();
            let person = match tokens.id_token.as_deref().map(|id| {
                signin::check_id_token(
                    id,
                    &pending.discovery.issuer,
                    &pending.client_id,
                    &pending.nonce,
                    now / 1000.0,
                )
            }) {
                Some(Ok(person)) => person,
                Some(Err(error)) => return self.fail(error),
                None => return self.fail(SignInError::Mismatch),
            };
            let roles = signin::roles(&tokens.access_token);
            let session = Session {
                person,
                client_id: pending.client_id.clone(),
                redirect_uri: pending.redirect_uri.clone(),
                token_endpoint: pending.discovery.token_endpoint.clone(),
                end_session_endpoint: pending.discovery.end_session_endpoint.clone(),
                id_token: tokens.id_token.clone(),
                refresh_token: tokens.refresh_token.clone(),
                expires_at_ms: tokens.expires_in.map(|s| now as u64 + s * 1000),
                access: signin::access(roles.as_deref(), &pending.admin_role, &pending.reader_role),
            };
            self.establish(
                Client::new(&pending.base, &tokens.access_token),
                Some(session),
            );
            self.signing_in.set(false);
            self.schedule_renewal();
            spawn_local(flow::restore_draft());
        });
    }

    /// A sign-in failed: said plainly, and what was typed before it is put back.
    fn fail(self, error: SignInError) {
        self.signing_in.set(false);
        self.sign_in_error.set(Some(error));
        spawn_local(flow::restore_draft());
    }

    fn keep_session(self, session: Option<Session>) {
        let json = session.as_ref().and_then(|s| serde_json::to_string(s).ok());
        browser::session_store(signin::SESSION_KEY, json.as_deref());
        self.session.set(session);
    }

    /// Renews the person's access token with the refresh token before it expires: the
    /// new token replaces the old one without a signal (the views keep what they show and
    /// send the new token from their next request on).
    fn schedule_renewal(self) {
        let generation = RENEWAL.fetch_add(1, Ordering::Relaxed) + 1;
        let Some(expires_at) = self.session.get_untracked().and_then(|s| s.expires_at_ms) else {
            return;
        };
        let left = (expires_at as f64 - browser::epoch_ms()).max(0.0) / 1000.0;
        let wait = signin::renew_after_ms(left as u64);
        spawn_local(async move {
            browser::sleep_ms(i32::try_from(wait).unwrap_or(i32::MAX)).await;
            if RENEWAL.load(Ordering::Relaxed) == generation {
                self.renew(generation).await;
            }
        });
    }

    async fn renew(self, generation: u32) {
        let Some(session) = self.session.get_untracked() else {
            return;
        };
        let answer = flow::refresh(&session).await;
        // A sign-in (the provider's answer on return) or a sign-out meanwhile wins: a
        // stored session's renewal at start must not undo or fault it.
        if RENEWAL.load(Ordering::Relaxed) != generation {
            return;
        }
        match answer {
            Ok(tokens) => {
                let now = browser::epoch_ms();
                let mut session = session;
                if let Some(refresh) = tokens.refresh_token {
                    session.refresh_token = Some(refresh);
                }
                if let Some(id_token) = tokens.id_token {
                    session.id_token = Some(id_token);
                }
                session.expires_at_ms = tokens.expires_in.map(|s| now as u64 + s * 1000);
                let Some(client) = self.client.get_untracked() else {
                    return;
                };
                let client = Client::new(client.base(), &tokens.access_token);
                browser::session_store(
                    connection::STORAGE_KEY,
                    Some(&connection::to_storage(&client)),
                );
                self.client.update_untracked(|c| *c = Some(client));
                // The person and their access are the same: untracked too.
                if let Ok(json) = serde_json::to_string(&session) {
                    browser::session_store(signin::SESSION_KEY, Some(&json));
                }
                self.session.update_untracked(|s| *s = Some(session));
                self.schedule_renewal();
            }
            Err(error) => self.sign_in_error.set(Some(error)),
        }
    }

    /// Goes to a view (a history entry, so Back works).
    pub fn go(self, route: Route) {
        browser::set_location_hash(&route.href());
        self.route.set(route);
    }

    /// Keeps a connection for this tab (a static token: any person's session ends).
    pub fn sign_in(self, client: Client) {
        self.establish(client, None);
    }

    fn establish(self, client: Client, session: Option<Session>) {
        RENEWAL.fetch_add(1, Ordering::Relaxed);
        browser::session_store(
            connection::STORAGE_KEY,
            Some(&connection::to_storage(&client)),
        );
        self.keep_session(session);
        self.sign_in_error.set(None);
        self.client.set(Some(client));
    }

    /// Forgets the token; a person signed in through the provider is signed out there too
    /// (its `end_session_endpoint`, coming back to the console).
    pub fn sign_out(self) {
        RENEWAL.fetch_add(1, Ordering::Relaxed);
        let session = self.session.get_untracked();
        browser::session_store(connection::STORAGE_KEY, None);
        self.keep_session(None);
        self.sign_in_error.set(None);
        self.connection_test.set(ConnectionTest::Idle);
        self.client.set(None);
        if let Some(session) = session {
            if let Some(endpoint) = &session.end_session_endpoint {
                browser::assign(&signin::end_session_url(
                    endpoint,
                    &session.client_id,
                    session.id_token.as_deref(),
                    &session.redirect_uri,
                ));
            }
        }
    }

    /// Whether the server offers the sign-in through an identity provider (tracked).
    pub fn offers_sign_in(self) -> bool {
        self.auth.with(|auth| {
            auth.as_ref()
                .is_some_and(|a| a.issuer.is_some() && a.client_id.is_some())
        })
    }

    /// The text of a console label in the page's language (tracked).
    pub fn tr(self, label: L) -> &'static str {
        t(self.lang.get(), label)
    }

    /// A failed request told plainly (tracked).
    pub fn error_text(self, error: &ApiError) -> String {
        let base = self
            .client
            .get_untracked()
            .map(|c| c.base().to_owned())
            .unwrap_or_default();
        connection::error_text(self.lang.get(), error, &base)
    }
}

/// What a view reads from the server: a Leptos local resource, read again whenever
/// `version` or the connection changes (signed out, it answers `Unauthorized` without a
/// request). A view awaits it in a `Suspend` inside [`super::widgets::Reading`], which
/// shows "Loading …" until the first answer, keeps the previous answer while a new one is
/// read, and shows a failure instead of the answer.
pub fn read<T, Fut>(
    version: RwSignal<u32>,
    read: impl Fn(Client) -> Fut + 'static,
) -> LocalResource<Result<T, ApiError>>
where
    T: 'static,
    Fut: std::future::Future<Output = Result<T, ApiError>> + 'static,
{
    let console = use_console();
    LocalResource::new(move || {
        version.track();
        let answer = console.client.get().map(&read);
        async move {
            match answer {
                Some(answer) => answer.await,
                None => Err(ApiError::Unauthorized),
            }
        }
    })
}

/// The console's state (a default, signed-out console outside the app, as in tests).
pub fn use_console() -> Console {
    use_context::<Console>().unwrap_or_else(|| Console::new(RwSignal::new(Lang::En), None, None))
}

/// A number in the page's language.
pub fn num(lang: Lang, n: impl TryInto<usize>) -> String {
    crate::i18n::number(lang, n.try_into().unwrap_or(0))
}

/// A timestamp shown as `2026-11-26 09:41` (UTC, as the API gives it).
pub fn when(rfc3339: &str) -> String {
    let s = rfc3339.replace('T', " ");
    s.get(..16).map_or(s.clone(), str::to_owned)
}
