//! The console's navigation and the view for each route.

use leptos::prelude::*;

use super::labels::Label as L;
use super::route::{Route, Section};
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
    let current = move || {
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
            Route::Audit => view! { <audit::AuditPage /> }.into_any(),
            Route::NotFound(_) | Route::Check => view! {
                <section class="not-found" data-testid=testid::NOT_FOUND>
                    <h1>{move || console.tr(L::NotFound)}</h1>
                    <p><a href=Route::Check.href()>{move || console.tr(L::NavCheck)}</a></p>
                </section>
            }
            .into_any(),
        }
    };
    // Above every view: a request waiting out a throttled answer says so.
    view! { <busy::BusyNotice /> {current} }
}
