//! The shell: the page header (brand, navigation, language switch) and the view for the
//! route - the validator ([`crate::validator`]) or a console view ([`crate::console`]).

use leptos::prelude::*;

use crate::browser;
use crate::console::route::Route;
use crate::console::shell::{Nav, RouteView};
use crate::console::state::Console;
use crate::dom::testid;
use crate::embed::Embed;
use crate::i18n::{self, t, Label};
use crate::validator::page::CheckPage;
use crate::validator::session::{Session, UiLang};

/// The whole page: input on top, the results of the last check below.
#[component]
pub fn App() -> impl IntoView {
    let lang = RwSignal::new(i18n::initial(
        browser::stored(i18n::STORAGE_KEY).as_deref(),
        browser::browser_language().as_deref(),
    ));
    provide_context(UiLang(lang));
    let embed = use_context::<Embed>();
    let chrome = !embed.as_ref().is_some_and(Embed::chrome_hidden);
    let session = Session::new(lang, embed);
    Effect::new(move |_| {
        let lang = lang.get();
        browser::set_document_lang(lang.tag());
        crate::api::http::set_language(lang);
        if let Some(embed) = session.embed() {
            embed.set_lang(lang);
        }
    });
    let switch_language = move |_| {
        let next = i18n::other(lang.get_untracked());
        browser::store(i18n::STORAGE_KEY, next.tag());
        lang.set(next);
    };
    let tr = move |label| t(lang.get(), label);
    let console = Console::start(lang);
    provide_context(console);
    // A route change moves the focus to the new page's heading (not on the first page).
    Effect::new(move |previous: Option<()>| {
        console.route.track();
        if previous.is_some() && chrome {
            browser::focus_main_heading();
        }
    });

    let header = chrome.then(|| {
        view! {
            <a
                class="skip-link"
                href="#main-content"
                data-testid=testid::SKIP_LINK
                on:click=move |ev| {
                    // The fragment is the router's: focus the content without following it.
                    ev.prevent_default();
                    browser::focus_by_id("main-content");
                }
            >
                {move || tr(Label::SkipToContent)}
            </a>
            <header class="page-header">
                <p class="brand">{move || tr(Label::Brand)}</p>
                <Nav />
                <button
                    type="button"
                    class="secondary lang-switch"
                    data-testid=testid::LANG_SWITCH
                    lang=move || i18n::other(lang.get()).tag()
                    title=move || tr(Label::SwitchLanguageHint)
                    on:click=switch_language
                >
                    {move || tr(Label::SwitchLanguage)}
                </button>
            </header>
        }
    });
    // The embedded validator is only the validator, whatever the fragment says.
    let route = move || {
        if chrome {
            console.route.get()
        } else {
            Route::Check
        }
    };
    view! {
        <div class="page" class:embedded=!chrome>
            {header}
            <main id="main-content" tabindex="-1">
                {move || match route() {
                    Route::Check => view! { <CheckPage session chrome /> }.into_any(),
                    _ => view! { <RouteView /> }.into_any(),
                }}
            </main>
        </div>
    }
}
