//! The console's shared state (language, route, connection) and how views read from the
//! server; plain helpers for numbers and times.

use leptos::prelude::*;

use super::connection;
use super::labels::Label as L;
use super::route::Route;
use crate::api::{ApiError, Client};
use crate::browser;
use crate::i18n::{t, Lang};

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
}

impl Console {
    /// Reads the sign-in link or the stored connection and follows the URL's fragment.
    pub fn start(lang: RwSignal<Lang>) -> Console {
        let console = Console {
            lang,
            route: RwSignal::new(Route::Check),
            client: RwSignal::new(
                browser::session_stored(connection::STORAGE_KEY)
                    .as_deref()
                    .and_then(connection::from_storage),
            ),
        };
        console.follow(&browser::location_hash());
        browser::on_hash_change(move |hash| console.follow(&hash));
        console
    }

    /// Shows the view a fragment names, or signs in with a `#token=` link (at start, or
    /// opened in a tab that already runs the console): the token goes to session storage
    /// and leaves the address bar and the history at once.
    fn follow(self, hash: &str) {
        let Some(sign_in) = connection::sign_in_from_fragment(hash) else {
            self.route.set(Route::parse(hash));
            return;
        };
        let base = sign_in
            .api
            .and_then(|api| connection::parse_base(&api).ok())
            .or_else(|| connection::default_base(&browser::location_origin()))
            .unwrap_or_default();
        self.sign_in(Client::new(&base, &sign_in.token));
        browser::replace_location_hash(&Route::Pools.href());
        self.route.set(Route::Pools);
    }

    /// Goes to a view (a history entry, so Back works).
    pub fn go(self, route: Route) {
        browser::set_location_hash(&route.href());
        self.route.set(route);
    }

    /// Keeps a connection for this tab.
    pub fn sign_in(self, client: Client) {
        browser::session_store(
            connection::STORAGE_KEY,
            Some(&connection::to_storage(&client)),
        );
        self.client.set(Some(client));
    }

    /// Forgets the token.
    pub fn sign_out(self) {
        browser::session_store(connection::STORAGE_KEY, None);
        self.client.set(None);
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

/// What a view has read: nothing yet, or the answer.
pub type Loaded<T> = RwSignal<Option<Result<T, ApiError>>>;

/// Reads with `read` now and again whenever `version` or the connection changes; the
/// answer lands in the returned signal (the previous one stays shown until it does). The
/// views not yet moved to [`read`] use it.
pub fn load<T, Fut>(version: RwSignal<u32>, read: impl Fn(Client) -> Fut + 'static) -> Loaded<T>
where
    T: Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<T, ApiError>> + 'static,
{
    let console = use_console();
    let out: Loaded<T> = RwSignal::new(None);
    let alive = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let flag = alive.clone();
    on_cleanup(move || flag.store(false, std::sync::atomic::Ordering::Relaxed));
    let read = std::rc::Rc::new(read);
    Effect::new(move |_| {
        version.track();
        let Some(client) = console.client.get() else {
            out.set(Some(Err(ApiError::Unauthorized)));
            return;
        };
        let alive = alive.clone();
        let read = read.clone();
        leptos::task::spawn_local(async move {
            let answer = read(client).await;
            if alive.load(std::sync::atomic::Ordering::Relaxed) {
                out.set(Some(answer));
            }
        });
    });
    out
}

/// The console's state (a default, signed-out console outside the app, as in tests).
pub fn use_console() -> Console {
    use_context::<Console>().unwrap_or_else(|| Console {
        lang: RwSignal::new(Lang::En),
        route: RwSignal::new(Route::Check),
        client: RwSignal::new(None),
    })
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
