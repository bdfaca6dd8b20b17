//! The console's small shared views: errors, loading, the sign-in notice, labelled fields.

use leptos::prelude::*;

use super::labels::Label as L;
use super::route::Route;
use super::state::use_console;
use crate::api::ApiError;
use crate::dom::testid;

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

/// Where a view shows what it read ([`super::state::read`]; the children await it in a
/// `Suspend`): "Loading …" until the first answer, the previous answer while a new one is
/// read (a `Transition`), and the failure's [`ErrorView`] instead of the answer (an
/// `ErrorBoundary`: a child that answers `Err(ApiError)` throws it there).
#[component]
pub fn Reading(children: ChildrenFn) -> impl IntoView {
    view! {
        <Transition fallback=|| view! { <Loading /> }>
            <ErrorBoundary fallback=|errors| view! { <Failures errors /> }>
                {children()}
            </ErrorBoundary>
        </Transition>
    }
}

/// The fallback of [`Reading`]'s error boundary: each failed read as an [`ErrorView`].
#[component]
fn Failures(errors: ArcRwSignal<Errors>) -> impl IntoView {
    move || {
        errors
            .get()
            .into_iter()
            .map(|(_, error)| {
                let error = error
                    .downcast_ref::<ApiError>()
                    .cloned()
                    .unwrap_or_else(|| ApiError::Unexpected {
                        status: 0,
                        detail: error.to_string(),
                    });
                view! { <ErrorView error /> }
            })
            .collect_view()
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
            <SignInButton />
            <p>{move || console.tr(L::SignInNeeded)}</p>
            <p>
                <a href=Route::Settings.href()>{move || console.tr(L::OpenSettings)}</a>
            </p>
        </div>
    }
}

/// "Sign in with your organisation", when the server names an identity provider
/// (`/auth.json`): the browser goes there and comes back to this view.
#[component]
pub fn SignInButton() -> impl IntoView {
    let console = use_console();
    move || {
        console.offers_sign_in().then(|| {
            view! {
                <p class="row">
                    <button
                        type="button"
                        data-testid=testid::SIGN_IN_OIDC
                        disabled=move || console.signing_in.get()
                        on:click=move |_| console.begin_sign_in()
                    >
                        {move || console.tr(L::SignInWithProvider)}
                    </button>
                    <span class="hint">{move || console.tr(L::SignInIntro)}</span>
                </p>
            }
        })
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
