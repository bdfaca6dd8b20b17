//! The page around the validator: its language, the header (brand, the navigation the
//! console's shell puts in, the language switch), and [`ValidatorApp`], the whole page of
//! the validator-only build (`esim-validator`: no console, so a smaller download for
//! carriers and embedding portals; docs/ARCHITECTURE.md, "Two builds").

use leptos::prelude::*;

use super::page::CheckPage;
use super::session::{Session, UiLang};
use crate::browser;
use crate::dom::testid;
use crate::embed::Embed;
use crate::i18n::{self, t, Label, Lang};

/// The page's language (stored choice, else the browser's), shared by context; keeps the
/// document's `lang` and the embedding's messages in step with it.
pub fn page_lang(embed: Option<Embed>) -> RwSignal<Lang> {
    let lang = RwSignal::new(i18n::initial(
        browser::stored(i18n::STORAGE_KEY).as_deref(),
        browser::browser_language().as_deref(),
    ));
    provide_context(UiLang(lang));
    Effect::new(move |_| {
        let lang = lang.get();
        browser::set_document_lang(lang.tag());
        if let Some(embed) = &embed {
            embed.set_lang(lang);
        }
    });
    lang
}

/// The page header: the brand, `children` (the console's navigation; none in the
/// validator-only build) and the language switch.
#[component]
pub fn Header(lang: RwSignal<Lang>, #[prop(optional)] children: Option<Children>) -> impl IntoView {
    let tr = move |label| t(lang.get(), label);
    let switch_language = move |_| {
        let next = i18n::other(lang.get_untracked());
        browser::store(i18n::STORAGE_KEY, next.tag());
        lang.set(next);
    };
    view! {
        <header class="page-header">
            <p class="brand">{move || tr(Label::Brand)}</p>
            {children.map(|children| children())}
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
}

/// The validator-only build's page: the header without navigation and the validator
/// (only the validator when embedded, [`Embed::chrome_hidden`]). A valid file gets no
/// upload panel: no shell hands it on ([`super::handoff`]).
#[component]
pub fn ValidatorApp() -> impl IntoView {
    let embed = use_context::<Embed>();
    let chrome = !embed.as_ref().is_some_and(Embed::chrome_hidden);
    let lang = page_lang(embed.clone());
    let session = Session::new(lang, embed);
    view! {
        <div class="page" class:embedded=!chrome>
            {chrome.then(|| view! { <Header lang /> })}
            <main>
                <CheckPage session chrome />
            </main>
        </div>
    }
}
