//! Settings: which server the console talks to and with which token.

use leptos::prelude::*;

use super::connection::{self, backend_label};
use super::labels::Label as L;
use super::signin;
use super::state::{use_console, ConnectionTest as Status};
use super::widgets::{ErrorView, Loading, SignInButton, TextField};
use crate::browser;
use crate::dom::testid;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let console = use_console();
    let current = console.client.get_untracked();
    let base = RwSignal::new(
        current
            .as_ref()
            .map(|c| c.base().to_owned())
            .or_else(|| connection::default_base(&browser::location_origin()))
            .unwrap_or_default(),
    );
    let token = RwSignal::new(String::new());
    let base_error = RwSignal::new(None::<L>);
    // In the console's state: accepting another origin draws this page again.
    let status = console.connection_test;
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let parsed = match connection::parse_base(&base.get_untracked()) {
            Ok(parsed) => parsed,
            Err(label) => {
                base_error.set(Some(label));
                return;
            }
        };
        base_error.set(None);
        let typed = token.get_untracked();
        let token = if typed.trim().is_empty() {
            console
                .client
                .get_untracked()
                .map(|c| c.token().to_owned())
                .unwrap_or_default()
        } else {
            typed
        };
        if token.trim().is_empty() {
            base_error.set(Some(L::TokenNeeded));
            return;
        }
        // Another origin than the page's waits for the person's answer (nothing is sent
        // there before) and is tested once accepted; the same one is tested at once.
        console.connect(parsed, token, true);
    };

    view! {
        <section class="settings" aria-labelledby="settings-heading">
            <h1 id="settings-heading">{move || console.tr(L::SettingsTitle)}</h1>
            <p>{move || console.tr(L::SettingsIntro)}</p>
            {move || console.client.with(Option::is_none).then(|| view! { <SignInButton /> })}
            <form class="stack" on:submit=save>
                <TextField
                    id="base-url"
                    label=L::BaseUrl
                    testid=testid::BASE_URL
                    value=base
                    kind="url"
                    autocomplete="url"
                    hint=L::BaseUrlHint
                />
                <TextField
                    id="token"
                    label=L::Token
                    testid=testid::TOKEN
                    value=token
                    kind="password"
                    autocomplete="off"
                    hint=L::TokenHint
                />
                {move || {
                    base_error
                        .get()
                        .map(|label| view! { <p class="field-error" role="alert">{move || console.tr(label)}</p> })
                }}
                <div class="row">
                    <button type="submit" data-testid=testid::SAVE_CONNECTION>
                        {move || console.tr(L::SaveAndTest)}
                    </button>
                    <button
                        type="button"
                        class="secondary"
                        data-testid=testid::SIGN_OUT
                        disabled=move || console.client.with(Option::is_none)
                        on:click=move |_| console.sign_out()
                    >
                        {move || console.tr(L::SignOut)}
                    </button>
                </div>
            </form>
            <div data-testid=testid::CONNECTION_STATUS>
                {move || match status.get() {
                    Status::Idle => {
                        match console.client.get() {
                            Some(client) => {
                                let text = match console.session.get() {
                                    Some(session) => crate::i18n::fill(
                                        console.tr(L::SignedInAsTitle),
                                        &[("name", &session.person.name), ("base", client.base())],
                                    ),
                                    None => crate::i18n::fill(
                                        console.tr(L::SignedInTo),
                                        &[("base", client.base()), ("backend", console.tr(backend_label(client.backend())))],
                                    ),
                                };
                                view! { <p>{text}</p> }.into_any()
                            }
                            None => view! { <p>{console.tr(L::SignedOut)}</p> }.into_any(),
                        }
                    }
                    Status::Testing => view! { <Loading /> }.into_any(),
                    Status::Ok => view! {
                        <p class="ok" role="status">{console.tr(L::ConnectionWorks)}</p>
                    }
                    .into_any(),
                    Status::Failed(error) => view! { <ErrorView error /> }.into_any(),
                }}
            </div>
            <h2>{move || console.tr(L::GraphHeading)}</h2>
            <p>{move || console.tr(L::GraphNote)}</p>
            <EntraSignIn base />
        </section>
    }
}

/// The tenant and client id last used, from local storage.
fn stored_entra() -> (String, String) {
    let stored = browser::stored(signin::ENTRA_KEY)
        .and_then(|json| serde_json::from_str::<serde_json::Value>(&json).ok())
        .unwrap_or_default();
    let field = |name: &str| stored[name].as_str().unwrap_or_default().to_owned();
    (field("tenant"), field("clientId"))
}

/// Sign-in for Graph with Microsoft Entra ID, for a console no `esim-server` serves: the
/// tenant gives the v2.0 authority, the console's client id its app registration, and the
/// scopes are Graph's least delegated permissions (a reader's or an admin's). The API is
/// the address above when it is Graph's, else `https://graph.microsoft.com`.
#[component]
fn EntraSignIn(base: RwSignal<String>) -> impl IntoView {
    let console = use_console();
    let (tenant_then, client_then) = stored_entra();
    let tenant = RwSignal::new(tenant_then);
    let client_id = RwSignal::new(client_then);
    let read_only = RwSignal::new(false);
    let error = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed_tenant = tenant.get_untracked();
        let typed_client = client_id.get_untracked().trim().to_owned();
        let Some(issuer) =
            signin::entra_authority(&typed_tenant).filter(|_| !typed_client.is_empty())
        else {
            error.set(true);
            return;
        };
        error.set(false);
        let remembered =
            serde_json::json!({"tenant": typed_tenant.trim(), "clientId": typed_client});
        browser::store(signin::ENTRA_KEY, &remembered.to_string());
        let api = connection::parse_base(&base.get_untracked())
            .ok()
            .filter(|b| crate::api::Backend::of(b) == crate::api::Backend::Graph)
            .unwrap_or_else(|| signin::GRAPH_BASE.to_owned());
        console.begin_sign_in_at(signin::Target {
            issuer,
            client_id: typed_client,
            scopes: signin::graph_scopes(read_only.get_untracked()),
            admin_role: String::new(),
            reader_role: String::new(),
            base: api,
        });
    };
    view! {
        <form class="stack" aria-labelledby="entra-heading" on:submit=submit>
            <h3 id="entra-heading">{move || console.tr(L::EntraHeading)}</h3>
            <p>{move || console.tr(L::EntraIntro)}</p>
            <TextField
                id="entra-tenant"
                label=L::EntraTenant
                testid=testid::ENTRA_TENANT
                value=tenant
                autocomplete="off"
                hint=L::EntraTenantHint
            />
            <TextField
                id="entra-client-id"
                label=L::EntraClientId
                testid=testid::ENTRA_CLIENT_ID
                value=client_id
                autocomplete="off"
            />
            <div class="field">
                <label>
                    <input
                        type="checkbox"
                        data-testid=testid::ENTRA_READ_ONLY
                        prop:checked=move || read_only.get()
                        on:change=move |ev| read_only.set(event_target_checked(&ev))
                    />
                    " "
                    {move || console.tr(L::EntraReadOnly)}
                </label>
            </div>
            {move || {
                error
                    .get()
                    .then(|| view! { <p class="field-error" role="alert">{move || console.tr(L::EntraFieldsNeeded)}</p> })
            }}
            <div class="row">
                <button type="submit" data-testid=testid::ENTRA_SIGN_IN disabled=move || console.signing_in.get()>
                    {move || console.tr(L::EntraSignIn)}
                </button>
            </div>
        </form>
    }
}
