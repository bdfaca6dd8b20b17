//! The console beside the validator: sign-in, pools, a pool's device states and
//! assignments, device groups - against the project's server or Microsoft Graph.
//!
//! Plain logic ([`route`], [`connection`], [`devices`], [`chart`]) is tested natively; the
//! views are thin. Every view has a stable URL ([`route::Route`]).

pub mod chart;
pub mod connection;
pub mod devices;
pub mod groups;
pub mod labels;
pub mod pool;
pub mod pools;
pub mod route;
pub mod settings;
pub mod upload;

use leptos::prelude::*;

use crate::api::{ApiError, Client};
use crate::browser;
use crate::i18n::{t, Lang};

use labels::Label as L;
use route::Route;

/// The `data-testid` values of the console's views (browser tests rely on them).
pub mod testid {
    pub const NAV: &str = "nav";
    pub const NAV_CHECK: &str = "nav-check";
    pub const NAV_POOLS: &str = "nav-pools";
    pub const NAV_GROUPS: &str = "nav-groups";
    pub const NAV_SETTINGS: &str = "nav-settings";
    pub const SIGNED_IN: &str = "signed-in";
    pub const SIGN_IN_NEEDED: &str = "sign-in-needed";
    pub const API_ERROR: &str = "api-error";
    pub const LOADING: &str = "loading";
    pub const NOT_FOUND: &str = "not-found";
    // Settings.
    pub const BASE_URL: &str = "base-url";
    pub const TOKEN: &str = "token";
    pub const SAVE_CONNECTION: &str = "save-connection";
    pub const SIGN_OUT: &str = "sign-out";
    pub const CONNECTION_STATUS: &str = "connection-status";
    // Pools.
    pub const POOL_ROW: &str = "pool-row";
    pub const POOL_LINK: &str = "pool-link";
    pub const POOL_SMDP: &str = "pool-smdp";
    pub const POOL_USED: &str = "pool-used";
    pub const POOL_GROUPS: &str = "pool-groups";
    pub const POOL_STATUS: &str = "pool-status";
    pub const RENAME: &str = "rename";
    pub const RENAME_INPUT: &str = "rename-input";
    pub const RENAME_SAVE: &str = "rename-save";
    pub const DELETE: &str = "delete";
    pub const CONFIRM_DELETE: &str = "confirm-delete";
    pub const CANCEL_DELETE: &str = "cancel-delete";
    pub const NO_POOLS: &str = "no-pools";
    // A pool.
    pub const POOL_TITLE: &str = "pool-title";
    pub const POOL_TAB: &str = "pool-tab";
    pub const CODES_LEFT: &str = "codes-left";
    pub const CHART: &str = "state-chart";
    pub const CHART_BAR: &str = "chart-bar";
    pub const DEVICE_TABLE: &str = "device-table";
    pub const DEVICE_ROW: &str = "device-row";
    pub const DEVICE_COUNT: &str = "device-count";
    pub const STATE_FILTER: &str = "state-filter";
    pub const DEVICE_SEARCH: &str = "device-search";
    pub const EXPORT_CSV: &str = "export-devices";
    pub const SORT: &str = "sort";
    pub const RETRY: &str = "retry";
    pub const REFRESH: &str = "refresh";
    pub const INCLUDED: &str = "included-groups";
    pub const EXCLUDED: &str = "excluded-groups";
    pub const ASSIGN_GROUP: &str = "assign-group";
    pub const ASSIGN_MODE: &str = "assign-mode";
    pub const ADD_ASSIGNMENT: &str = "add-assignment";
    pub const REMOVE_ASSIGNMENT: &str = "remove-assignment";
    pub const SAVE_ASSIGNMENTS: &str = "save-assignments";
    pub const SAVED: &str = "saved";
    pub const NO_USERS: &str = "no-users";
    // Groups.
    pub const GROUP_ROW: &str = "group-row";
    pub const GROUP_LINK: &str = "group-link";
    pub const NEW_GROUP_NAME: &str = "new-group-name";
    pub const CREATE_GROUP: &str = "create-group";
    pub const MEMBER_ROW: &str = "member-row";
    pub const REMOVE_MEMBER: &str = "remove-member";
    pub const DEVICE_PICK: &str = "device-pick";
    pub const ADD_MEMBER: &str = "add-member";
    pub const NEW_DEVICE_NAME: &str = "new-device-name";
    pub const NEW_DEVICE_USER: &str = "new-device-user";
    pub const CREATE_DEVICE: &str = "create-device";
    // Upload.
    pub const UPLOAD: &str = "upload";
    pub const UPLOAD_STATUS: &str = "upload-status";
    pub const PRECHECK_FINDING: &str = "precheck-finding";
    pub const ADD_TO_POOL: &str = "add-to-pool";
    pub const SERVER_FINDING: &str = "server-finding";
    pub const UPLOAD_SIGN_IN: &str = "upload-sign-in";
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

/// What a view has read: nothing yet, or the answer.
pub type Loaded<T> = RwSignal<Option<Result<T, ApiError>>>;

/// Reads with `read` now and again whenever `version` or the connection changes; the
/// answer lands in the returned signal (the previous one stays shown until it does). A
/// plain effect and task, not Leptos' resources: a smaller wasm.
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

/// A failed request, as an alert with what to do.
#[component]
pub fn ErrorView(error: ApiError) -> impl IntoView {
    let console = use_console();
    let unauthorized = matches!(error, ApiError::Unauthorized | ApiError::Unreachable(_));
    view! {
        <div class="api-error" role="alert" data-testid=testid::API_ERROR>
            <p>{move || console.error_text(&error)}</p>
            {unauthorized
                .then(|| {
                    view! {
                        <p>
                            <a href=Route::Settings.href()>{move || console.tr(L::OpenSettings)}</a>
                        </p>
                    }
                })}
        </div>
    }
}

/// "Loading …", announced.
#[component]
pub fn Loading() -> impl IntoView {
    let console = use_console();
    view! {
        <p class="notice" role="status" data-testid=testid::LOADING>
            <span class="spinner" aria-hidden="true"></span>
            {move || console.tr(L::Loading)}
        </p>
    }
}

/// Shown on a view that needs the server while signed out.
#[component]
pub fn SignInNeeded() -> impl IntoView {
    let console = use_console();
    view! {
        <div class="notice" data-testid=testid::SIGN_IN_NEEDED>
            <p>{move || console.tr(L::SignInNeeded)}</p>
            <p>
                <a href=Route::Settings.href()>{move || console.tr(L::OpenSettings)}</a>
            </p>
        </div>
    }
}

/// A labelled text input bound to a signal, with an optional hint under it.
#[component]
pub fn TextField(
    /// The input's id (the label points at it; the hint's id is `{id}-hint`).
    id: &'static str,
    label: L,
    testid: &'static str,
    value: RwSignal<String>,
    /// `text`, `url`, `password` ...
    #[prop(default = "text")]
    kind: &'static str,
    #[prop(optional)] required: bool,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<L>,
) -> impl IntoView {
    let console = use_console();
    let hint_id = hint.map(|_| format!("{id}-hint"));
    view! {
        <div class="field">
            <label for=id>{move || console.tr(label)}</label>
            <input
                id=id
                type=kind
                required=required
                autocomplete=autocomplete
                aria-describedby=hint_id.clone()
                data-testid=testid
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            {hint.map(|hint| view! { <p class="hint" id=hint_id>{move || console.tr(hint)}</p> })}
        </div>
    }
}

/// The navigation between the console's sections.
#[component]
pub fn Nav() -> impl IntoView {
    use route::Section;
    let console = use_console();
    let link = move |section: Section, route: Route, label: L| {
        let href = route.href();
        let id = match section {
            Section::Check => testid::NAV_CHECK,
            Section::Pools => testid::NAV_POOLS,
            Section::Groups => testid::NAV_GROUPS,
            Section::Settings => testid::NAV_SETTINGS,
        };
        view! {
            <li>
                <a
                    href=href
                    data-testid=id
                    aria-current=move || (console.route.get().section() == section).then_some("page")
                >
                    {move || console.tr(label)}
                </a>
            </li>
        }
    };
    view! {
        <nav class="console-nav" aria-label=move || console.tr(L::NavLabel) data-testid=testid::NAV>
            <ul>
                {link(Section::Check, Route::Check, L::NavCheck)}
                {link(Section::Pools, Route::Pools, L::NavPools)}
                {link(Section::Groups, Route::Groups, L::NavGroups)}
                {link(Section::Settings, Route::Settings, L::NavSettings)}
            </ul>
            <span class="signed-in" data-testid=testid::SIGNED_IN>
                {move || match console.client.get() {
                    Some(client) => {
                        crate::i18n::fill(
                            console.tr(L::SignedInTo),
                            &[("base", client.base()), ("backend", console.tr(connection::backend_label(client.backend())))],
                        )
                    }
                    None => console.tr(L::SignedOut).to_owned(),
                }}
            </span>
        </nav>
    }
}

/// The view for the current route (all but the validator, which the app draws itself).
#[component]
pub fn RouteView() -> impl IntoView {
    let console = use_console();
    move || {
        let route = console.route.get();
        if route.needs_server() && console.client.with(Option::is_none) {
            return view! { <SignInNeeded /> }.into_any();
        }
        match route {
            Route::Pools => view! { <pools::PoolsPage /> }.into_any(),
            Route::Pool { id, tab } => view! { <pool::PoolPage id tab /> }.into_any(),
            Route::Groups => view! { <groups::GroupsPage /> }.into_any(),
            Route::Group { id } => view! { <groups::GroupPage id /> }.into_any(),
            Route::Settings => view! { <settings::SettingsPage /> }.into_any(),
            Route::NotFound(_) | Route::Check => view! {
                <section class="not-found" data-testid=testid::NOT_FOUND>
                    <h1>{move || console.tr(L::NotFound)}</h1>
                    <p><a href=Route::Check.href()>{move || console.tr(L::NavCheck)}</a></p>
                </section>
            }
            .into_any(),
        }
    }
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
