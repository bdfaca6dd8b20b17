//! "Graph is busy, retrying in N s": shown while a request waits after a throttled answer
//! (429 or 503 with `Retry-After`, [`crate::api::throttle`]); the view below keeps what it
//! showed, so a throttled refresh never blanks it.

use leptos::prelude::*;

use super::labels::Label as L;
use super::state::use_console;
use crate::api::http::{self, Wait};
use crate::api::Backend;
use crate::dom::testid;
use crate::i18n::fill;

/// The busy notice: a live region, always there, with text while a request waits.
#[component]
pub fn BusyNotice() -> impl IntoView {
    let console = use_console();
    let wait = RwSignal::new(None::<Wait>);
    http::watch_waits(move |w| {
        // The notice lives as long as the console; after that nobody is told.
        let _ = wait.try_set(w);
    });
    view! {
        <div class="busy" role="status" data-testid=testid::BUSY>
            {move || {
                wait.get().map(|w| {
                    let label = match w.backend {
                        Backend::Graph => L::BusyGraph,
                        Backend::Server => L::BusyServer,
                    };
                    view! { <p class="notice">{fill(console.tr(label), &[("n", &super::state::num(console.lang.get(), w.seconds))])}</p> }
                })
            }}
        </div>
    }
}
