//! The console's small shared views: errors, loading, the sign-in notice, labelled fields,
//! the confirmation of a destructive action.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::labels::Label as L;
use super::route::Route;
use super::state::use_console;
use crate::api::ApiError;
use crate::dom::testid;
use crate::i18n::{fill, Lang, Text};

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

/// What a confirmation asks: the question, its consequence, and the action's name, as
/// labels (drawn in the page's language, so an open dialog follows a language switch);
/// `names` fill the question's holes (`{name}`, `{group}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub question: L,
    pub names: Vec<(&'static str, String)>,
    pub consequence: L,
    pub action: L,
}

impl Confirm {
    /// The question with its holes filled, in `lang`.
    pub fn question_text(&self, lang: Lang) -> String {
        let names: Vec<(&str, &str)> = self.names.iter().map(|(k, v)| (*k, v.as_str())).collect();
        fill(self.question.text(lang), &names)
    }
}

/// A modal `<dialog>` shown at once: the focus starts on `first` and stays in the dialog
/// (modal), Escape closes it, and closing returns the focus to the element that opened it
/// (or, when that element is gone, to what `refocus` finds). Returns the dialog's node and
/// the function that closes it.
fn modal(
    first: NodeRef<html::Button>,
    on_close: impl Fn() + Copy + 'static,
    refocus: Option<Callback<(), Option<web_sys::HtmlElement>>>,
) -> (NodeRef<html::Dialog>, impl Fn() + Copy + 'static) {
    let dialog = NodeRef::<html::Dialog>::new();
    let opener = StoredValue::new_local(
        web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.active_element()),
    );
    Effect::new(move |_| {
        if let (Some(dialog), Some(first)) = (dialog.get(), first.get()) {
            if !dialog.open() {
                let _ = dialog.show_modal();
            }
            let _ = first.focus();
        }
    });
    let close = move || {
        if let Some(dialog) = dialog.get_untracked() {
            dialog.close();
        }
        let back = opener
            .get_value()
            .filter(|e| e.is_connected())
            .map(|e| e.unchecked_into::<web_sys::HtmlElement>())
            .or_else(|| refocus.and_then(|find| find.run(())));
        on_close();
        if let Some(back) = back {
            let _ = back.focus();
        }
    };
    (dialog, close)
}

/// A modal dialog that asks to confirm a destructive action while `ask` holds one: the focus
/// starts on Cancel and stays in the dialog (modal), Escape cancels, and closing returns the
/// focus to the element that opened it. `on_confirm` runs when the action is confirmed. Its
/// texts follow the page's language while it is open.
#[component]
pub fn ConfirmDialog(
    ask: RwSignal<Option<Confirm>>,
    on_confirm: Callback<()>,
    #[prop(default = testid::CONFIRM)] confirm_testid: &'static str,
    #[prop(default = testid::CANCEL_CONFIRM)] cancel_testid: &'static str,
) -> impl IntoView {
    let console = use_console();
    let lang = console.lang;
    move || {
        ask.get().map(|confirm| {
            let cancel = NodeRef::<html::Button>::new();
            let (dialog, close) = modal(cancel, move || ask.set(None), None);
            let title = crate::dom::unique_id("confirm-title");
            let text = crate::dom::unique_id("confirm-text");
            let (labelled_by, described_by) = (title.clone(), text.clone());
            let Confirm {
                consequence,
                action,
                ..
            } = confirm;
            view! {
                <dialog
                    class="confirm-dialog"
                    node_ref=dialog
                    aria-labelledby=labelled_by
                    aria-describedby=described_by
                    data-testid=testid::CONFIRM_DIALOG
                    on:cancel=move |ev: leptos::ev::Event| {
                        ev.prevent_default();
                        close();
                    }
                >
                    <h2 id=title>{move || confirm.question_text(lang.get())}</h2>
                    <p id=text>{move || console.tr(consequence)}</p>
                    <div class="row">
                        <button
                            type="button"
                            class="danger"
                            data-testid=confirm_testid
                            on:click=move |_| {
                                close();
                                on_confirm.run(());
                            }
                        >
                            {move || console.tr(action)}
                        </button>
                        <button
                            type="button"
                            class="secondary"
                            node_ref=cancel
                            data-testid=cancel_testid
                            on:click=move |_| close()
                        >
                            {move || console.tr(L::CancelAction)}
                        </button>
                    </div>
                </dialog>
            }
        })
    }
}

/// A modal dialog of details while `open` holds something (the key of what is shown):
/// `heading`, the `children` (drawn from the key, in the page's language) and Close. The focus
/// starts on Close, stays in the dialog and returns to the opener when it closes
/// (Escape or Close); when the opener is gone (a re-drawn table row), to what `refocus`
/// finds.
#[component]
pub fn DetailsDialog(
    open: RwSignal<Option<String>>,
    #[prop(into)] heading: Signal<String>,
    refocus: Callback<(), Option<web_sys::HtmlElement>>,
    children: ChildrenFn,
) -> impl IntoView {
    let console = use_console();
    let children = StoredValue::new(children);
    let shown = Memo::new(move |_| open.with(Option::is_some));
    move || {
        shown.get().then(|| {
            let first = NodeRef::<html::Button>::new();
            let (dialog, close) = modal(first, move || open.set(None), Some(refocus));
            let title = crate::dom::unique_id("details-title");
            let labelled_by = title.clone();
            view! {
                <dialog
                    class="details-dialog"
                    node_ref=dialog
                    aria-labelledby=labelled_by
                    data-testid=testid::DETAILS_DIALOG
                    on:cancel=move |ev: leptos::ev::Event| {
                        ev.prevent_default();
                        close();
                    }
                >
                    <h2 id=title>{move || heading.get()}</h2>
                    {children.with_value(|children| children())}
                    <div class="row">
                        <button
                            type="button"
                            class="secondary"
                            node_ref=first
                            data-testid=testid::CLOSE_DETAILS
                            on:click=move |_| close()
                        >
                            {move || console.tr(L::CloseAction)}
                        </button>
                    </div>
                </dialog>
            }
        })
    }
}

/// The line that says a destructive action is done (a live region that can take the
/// focus when the element that started the action is gone).
#[component]
pub fn DoneStatus(id: &'static str, done: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <p id=id class="done" role="status" tabindex="-1" data-testid=testid::DONE>
            {move || done.get().unwrap_or_default()}
        </p>
    }
}
