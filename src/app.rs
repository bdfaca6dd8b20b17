//! The shell: the page header (brand, navigation, language switch) and the view for the
//! route - the validator ([`crate::validator`]) or a console view ([`crate::console`]). It
//! hands a valid file on to the console's upload ([`crate::validator::handoff`]).

use leptos::prelude::*;

use crate::browser;
use crate::console::route::Route;
use crate::console::shell::{Nav, RouteView};
use crate::console::state::Console;
use crate::console::upload::UploadPanel;
use crate::dom::testid;
use crate::embed::Embed;
use crate::i18n::{t, Label};
use crate::validator::handoff::{Handoff, ValidFile};
use crate::validator::page::CheckPage;
use crate::validator::session::Session;
use crate::validator::shell::{page_lang, Header};

/// The whole page: input on top, the results of the last check below.
#[component]
pub fn App() -> impl IntoView {
    let embed = use_context::<Embed>();
    let chrome = !embed.as_ref().is_some_and(Embed::chrome_hidden);
    let lang = page_lang(embed.clone());
    let session = Session::new(lang, embed);
    // Set now, not only by the effect (it first runs after the page is drawn): the early
    // read below already asks in the page's language.
    crate::api::http::set_language(lang.get_untracked());
    Effect::new(move |_| crate::api::http::set_language(lang.get()));
    let console = Console::start(lang);
    provide_context(console);
    if chrome {
        crate::console::shell::read_early(console);
    }
    // A route change moves the focus to the new page's heading (not on the first page).
    Effect::new(move |previous: Option<()>| {
        console.route.track();
        if previous.is_some() && chrome {
            browser::focus_main_heading();
        }
    });
    // The embedded validator is only the validator: no console action for a valid file.
    if chrome {
        Handoff::provide(|file: ValidFile| {
            view! {
                <UploadPanel
                    bytes=file.bytes
                    file_name=file.file_name
                    options=file.options
                    codes=file.codes
                    pool_name=file.pool_name
                    refused=file.refused
                    on_trimmed=file.on_trimmed
                />
            }
            .into_any()
        });
    }

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
                {move || t(lang.get(), Label::SkipToContent)}
            </a>
            <Header lang>
                <Nav />
            </Header>
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
