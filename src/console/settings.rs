//! Settings: which server the console talks to and with which token.

use leptos::prelude::*;

use super::connection::{self, backend_label};
use super::labels::Label as L;
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
        </section>
    }
}
