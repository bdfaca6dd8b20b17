//! The console's navigation and the view for each route.

use leptos::prelude::*;

use super::labels::Label as L;
use super::route::{PoolTab, Route, Section};
use super::signin::Access;
use super::state::use_console;
use super::widgets::SignInNeeded;
use super::{audit, busy, connection, groups, pool, pools, settings};
use crate::dom::testid;

/// The navigation between the console's sections.
#[component]
pub fn Nav() -> impl IntoView {
    let console = use_console();
    let link = move |section: Section, route: Route, label: L| {
        let href = route.href();
        let id = match section {
            Section::Check => testid::NAV_CHECK,
            Section::Pools => testid::NAV_POOLS,
            Section::Groups => testid::NAV_GROUPS,
            Section::Settings => testid::NAV_SETTINGS,
            Section::Audit => testid::NAV_AUDIT,
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
                <audit::NavItem />
                {link(Section::Settings, Route::Settings, L::NavSettings)}
            </ul>
            <span class="signed-in" data-testid=testid::SIGNED_IN>
                {move || match (console.client.get(), console.session.get()) {
                    (Some(client), Some(session)) => {
                        let title = crate::i18n::fill(
                            console.tr(L::SignedInAsTitle),
                            &[("name", &session.person.name), ("base", client.base())],
                        );
                        let read_only = (session.access == Access::Read)
                            .then(|| view! { " " <span class="tag" data-testid=testid::READ_ONLY>{console.tr(L::ReadOnly)}</span> });
                        view! {
                            <span title=title>
                                <span data-testid=testid::PERSON>{session.person.name.clone()}</span>
                                {read_only}
                            </span>
                        }
                        .into_any()
                    }
                    (Some(client), None) => {
                        crate::i18n::fill(
                            console.tr(L::SignedInTo),
                            &[("base", client.base()), ("backend", console.tr(connection::backend_label(client.backend())))],
                        )
                        .into_any()
                    }
                    (None, _) => console.tr(L::SignedOut).into_any(),
                }}
            </span>
        </nav>
    }
}

/// Sends the first read of the view for the current route at once, before the page is
/// drawn, where a view has one worth starting early: a pool's device table (its first
/// page of device states, [`pool::read_early`]). Called as the app starts.
pub fn read_early(console: super::state::Console) {
    let Some(client) = console.client.get_untracked() else {
        return;
    };
    // A person without a role sees no pool (`route_view`).
    let no_role = console
        .session
        .with_untracked(|s| s.as_ref().is_some_and(|s| s.access == Access::None));
    if no_role {
        return;
    }
    if let Route::Pool {
        id,
        tab: PoolTab::Devices,
    } = console.route.get_untracked()
    {
        pool::read_early(&client, &id);
    }
}

/// The view for the current route (all but the validator, which the app draws itself),
/// under the sign-in's notices, and the question before connecting to another origin.
#[component]
pub fn RouteView() -> impl IntoView {
    let console = use_console();
    // Drawn again only when the route, signed in or out, or the person's access changes:
    // a new token (a renewal, Settings' "Save and test") keeps the view and what it holds.
    let gate = Memo::new(move |_| Gate {
        signed_out: console.client.with(Option::is_none),
        access: console.access(),
        person: console
            .session
            .with(|s| s.as_ref().map(|s| s.person.name.clone())),
    });
    // Above every view: a request waiting out a throttled answer says so.
    view! {
        <busy::BusyNotice />
        <SignInNotices />
        <OriginDialog />
        {move || route_view(console, gate.get())}
    }
}

/// What decides how a route's view is drawn: signed in or not, and as whom.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Gate {
    signed_out: bool,
    access: Access,
    /// The person signed in through the provider.
    person: Option<String>,
}

/// A sign-in under way or failed (with what to do), a reader's note, or why a person
/// without a role sees nothing.
#[component]
fn SignInNotices() -> impl IntoView {
    let console = use_console();
    move || {
        if console.signing_in.get() {
            return Some(
                view! {
                    <p class="notice" role="status" data-testid=testid::SIGNING_IN>
                        <span class="spinner" aria-hidden="true"></span>
                        {move || console.tr(L::SigningIn)}
                    </p>
                }
                .into_any(),
            );
        }
        if let Some(error) = console.sign_in_error.get() {
            let uri = format!(
                "{}{}",
                crate::browser::location_origin(),
                crate::browser::location_pathname()
            );
            let again = console.offers_sign_in().then(|| {
                view! {
                    <p>
                        <button type="button" data-testid=testid::SIGN_IN_OIDC on:click=move |_| console.begin_sign_in()>
                            {move || console.tr(L::SignInAgain)}
                        </button>
                    </p>
                }
            });
            return Some(
                view! {
                    <div class="api-error" role="alert" data-testid=testid::SIGN_IN_ERROR>
                        <p>{move || error.text(console.lang.get(), &uri)}</p>
                        {again}
                    </div>
                }
                .into_any(),
            );
        }
        match console.session.get() {
            Some(session) if session.access == Access::Read => Some(
                view! {
                    <p class="notice" data-testid=testid::READ_ONLY>{move || console.tr(L::ReadOnlyNote)}</p>
                }
                .into_any(),
            ),
            _ => None,
        }
    }
}

/// The question before the console talks to another origin than the page's: a modal
/// dialog naming it; nothing is sent there unless the person accepts.
#[component]
fn OriginDialog() -> impl IntoView {
    let console = use_console();
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    Effect::new(move |_| {
        let open = console.foreign.with(Option::is_some);
        if let Some(dialog) = dialog.get() {
            if open && !dialog.open() {
                let _ = dialog.show_modal();
            } else if !open && dialog.open() {
                dialog.close();
            }
        }
    });
    let page = crate::browser::location_origin();
    let answer = move |accept: bool| console.confirm_foreign(accept);
    view! {
        <dialog
            node_ref=dialog
            class="origin-dialog"
            aria-labelledby="origin-title"
            aria-describedby="origin-text"
            data-testid=testid::ORIGIN_DIALOG
            on:cancel=move |ev: leptos::ev::Event| {
                ev.prevent_default();
                answer(false);
            }
        >
            {move || {
                console.foreign.get().map(|foreign| {
                    let values = [("origin", foreign.origin.as_str()), ("page", page.as_str())];
                    let text = |label: L| crate::i18n::fill(console.tr(label), &values);
                    view! {
                        <h2 id="origin-title">{text(L::OriginTitle)}</h2>
                        <p id="origin-text">{text(L::OriginText)}</p>
                        <div class="row">
                            <button type="button" class="secondary" autofocus data-testid=testid::ORIGIN_REFUSE on:click=move |_| answer(false)>
                                {text(L::OriginRefuse)}
                            </button>
                            <button type="button" data-testid=testid::ORIGIN_ACCEPT on:click=move |_| answer(true)>
                                {text(L::OriginAccept)}
                            </button>
                        </div>
                    }
                })
            }}
        </dialog>
    }
}

fn route_view(console: super::state::Console, gate: Gate) -> AnyView {
    let route = console.route.get();
    if route.needs_server() && gate.signed_out {
        return view! { <SignInNeeded /> }.into_any();
    }
    if let (Access::None, Some(name)) = (gate.access, gate.person) {
        // Settings stays open: it signs out.
        if route != Route::Settings {
            let auth = console.auth.get_untracked().unwrap_or_default();
            return view! {
                <div class="api-error" role="alert" data-testid=testid::NO_ROLE>
                    <p>
                        {move || crate::i18n::fill(
                            console.tr(L::NoRole),
                            &[
                                ("name", &name),
                                ("admin", auth.admin_role.as_deref().unwrap_or("Esim.Admin")),
                                ("reader", auth.reader_role.as_deref().unwrap_or("Esim.Reader")),
                            ],
                        )}
                    </p>
                </div>
            }
            .into_any();
        }
    }
    match route {
        Route::Pools => view! { <pools::PoolsPage /> }.into_any(),
        Route::Pool { id, tab } => view! { <pool::PoolPage id tab /> }.into_any(),
        Route::Groups => view! { <groups::GroupsPage /> }.into_any(),
        Route::Group { id } => view! { <groups::GroupPage id /> }.into_any(),
        Route::Settings => view! { <settings::SettingsPage /> }.into_any(),
        Route::Audit => view! { <audit::AuditPage /> }.into_any(),
        Route::NotFound(_) | Route::Check => view! {
            <section class="not-found" data-testid=testid::NOT_FOUND>
                <h1>{move || console.tr(L::NotFound)}</h1>
                <p><a href=Route::Check.href()>{move || console.tr(L::NavCheck)}</a></p>
            </section>
        }
        .into_any(),
    }
}
