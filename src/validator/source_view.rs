//! The source view: the file around one line, the offending value marked.

use std::sync::Arc;

use esim_csv::Lang;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::session::use_lang;
use crate::dom::{testid, unique_id};
use crate::i18n::{number, t, tf, Label};
use crate::outcome::Checked;
use crate::source::{self, Geometry, LINE_HEIGHT};

/// The finding whose line the source view shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected {
    pub line: u32,
    pub column: Option<u32>,
    /// The offending value, marked whole.
    pub value: Option<String>,
}

/// The file around one line, the offending value marked; only the visible lines exist in
/// the DOM. It opens in view with the focus, and closes (Escape, or its button) back to
/// the finding.
#[component]
pub fn SourceView(
    checked: Arc<Checked>,
    at: Selected,
    selected: RwSignal<Option<Selected>>,
) -> impl IntoView {
    let lang = use_lang();
    let Selected {
        line,
        column,
        value,
    } = at;
    let geometry = Geometry {
        total: checked.lines().len(),
    };
    let start = geometry.scroll_to(line as usize);
    let scroll = RwSignal::new(start);
    let node = NodeRef::<html::Div>::new();
    // Runs once the view is in the document: scroll to the line, bring the view into the
    // window and give it the focus, so the answer is where the user looks.
    Effect::new(move |_| {
        if let Some(element) = node.get() {
            element.set_scroll_top(start as i32);
            element.scroll_into_view_with_bool(false);
            let _ = element.focus();
        }
    });
    // Closing returns the focus to the finding's line button.
    let close = move || {
        let button = node.get_untracked().and_then(|element| {
            element
                .closest("article")
                .ok()
                .flatten()
                .and_then(|article| article.query_selector("tr.selected button").ok().flatten())
        });
        selected.set(None);
        if let Some(button) = button {
            let _ = button.unchecked_into::<web_sys::HtmlElement>().focus();
        }
    };
    let name = checked.source.label(Lang::En);
    let lines = move || {
        let scroll_top = scroll.get();
        geometry
            .window(scroll_top)
            .map(|index| (index, geometry.top(index, scroll_top) as i64))
            .collect::<Vec<_>>()
    };
    let render = move |(index, top): (usize, i64)| {
        let n = index + 1;
        let text = source::display(checked.lines().line(&checked.bytes, n), n == 1);
        let current = n == line as usize;
        let body = if current {
            let marked = source::mark(&text, column, value.as_deref());
            view! {
                <span class="text">
                    {marked.before}
                    <mark data-testid=testid::SOURCE_MARK>{marked.mark}</mark>
                    {marked.after}
                </span>
            }
            .into_any()
        } else {
            view! { <span class="text">{text}</span> }.into_any()
        };
        view! {
            <div
                class="source-line"
                class:current=current
                style="position: absolute; left: 0; right: 0; height: 20px"
                style:top=format!("{top}px")
                data-testid=testid::SOURCE_LINE
                data-line=n
            >
                <span class="ln" aria-hidden="true">{n}</span>
                {body}
            </div>
        }
    };
    let heading = unique_id("source-heading");
    let labelled_by = heading.clone();
    view! {
        <section
            class="source"
            aria-labelledby=labelled_by
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Escape" {
                    ev.prevent_default();
                    close();
                }
            }
        >
            <div class="row source-head">
                <h4 id=heading data-testid=testid::SOURCE_HEADING>
                    {move || tf(lang.get(), Label::SourceHeading, &[("line", &number(lang.get(), line as usize))])}
                </h4>
                <button
                    type="button"
                    class="secondary"
                    data-testid=testid::CLOSE_SOURCE
                    on:click=move |_| close()
                >
                    {move || t(lang.get(), Label::CloseSource)}
                </button>
            </div>
            <div
                class="source-view"
                tabindex="0"
                role="region"
                aria-label=move || tf(lang.get(), Label::SourceRegion, &[("name", &name)])
                data-testid=testid::SOURCE_VIEW
                node_ref=node
                // Layout the virtual scrolling depends on, inline so it never waits for CSS.
                style="overflow: auto; position: relative"
                style:height=source::px(source::VIEW_LINES as f64 * LINE_HEIGHT)
                on:scroll=move |_| {
                    if let Some(element) = node.get_untracked() {
                        scroll.set(f64::from(element.scroll_top()));
                    }
                }
            >
                <div
                    class="source-spacer"
                    style="position: relative"
                    style:height=source::px(geometry.height())
                >
                    <For each=lines key=|entry| *entry children=render />
                </div>
            </div>
        </section>
    }
}
