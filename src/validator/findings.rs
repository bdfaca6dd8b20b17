//! The findings of one file: a page at a time, filterable by code, with keyboard moves
//! between the rows.

use std::sync::Arc;

use esim_csv::{Code, Lang, Severity};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::session::use_lang;
use super::source_view::Selected;
use crate::dom::testid;
use crate::i18n::{number, t, tf, Label};
use crate::outcome::{page_count, page_range, position_label, Checked, FindingRow};

pub fn severity_label(lang: Lang, severity: Severity) -> &'static str {
    match severity {
        Severity::Error => t(lang, Label::SeverityError),
        _ => t(lang, Label::SeverityWarning),
    }
}

pub fn severity_class(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "severity-error",
        _ => "severity-warning",
    }
}

/// The findings of one file, a page at a time, filterable by code.
#[component]
pub fn FindingsList(
    id: u64,
    checked: Arc<Checked>,
    selected: RwSignal<Option<Selected>>,
    /// The code shown (every code for `None`); a group's "Show each" sets it too.
    filter: RwSignal<Option<Code>>,
) -> impl IntoView {
    let lang = use_lang();
    let tr = move |label| t(lang.get(), label);
    let page = RwSignal::new(0usize);
    // A new filter starts at its first page.
    Effect::new(move |_| {
        filter.track();
        page.set(0);
    });
    let indices = Memo::new({
        let checked = checked.clone();
        move |_| Arc::new(checked.filtered(filter.get()))
    });
    let total = move || indices.with(|indices| indices.len());
    let filter_id = format!("file-{id}-filter");
    let caption_id = format!("file-{id}-findings");
    let labelled_by = caption_id.clone();
    let options = checked
        .listed_codes()
        .into_iter()
        .map(|code| {
            view! {
                <option value=code.as_str() selected=move || filter.get() == Some(code)>
                    {code.as_str()}
                </option>
            }
        })
        .collect_view();
    let truncated = checked.report.truncated.then(|| {
        let n = checked.report.findings.len();
        view! {
            <p class="notice" data-testid=testid::TRUNCATED>
                {move || tf(lang.get(), Label::Truncated, &[("n", &number(lang.get(), n))])}
            </p>
        }
    });
    let rows_checked = checked.clone();
    let rows = move || {
        let indices = indices.get();
        rows_checked.rows(&indices, page.get(), lang.get())
    };
    let page_info = move || {
        let lang = lang.get();
        let total = total();
        let range = page_range(total, page.get());
        tf(
            lang,
            Label::PageInfo,
            &[
                ("from", &number(lang, (range.start + 1).min(total))),
                ("to", &number(lang, range.end)),
                ("total", &number(lang, total)),
            ],
        )
    };

    view! {
        <section class="findings-list" aria-labelledby=labelled_by>
            {truncated}
            <div class="row">
                <label for=filter_id.clone()>{move || tr(Label::FilterLabel)}</label>
                <select
                    id=filter_id
                    data-testid=testid::FILTER
                    prop:value=move || filter.get().map_or("", |code| code.as_str())
                    on:change=move |ev| filter.set(Code::from_name(&event_target_value(&ev)))
                >
                    <option value="" selected=move || filter.get().is_none()>
                        {move || tr(Label::AllCodes)}
                    </option>
                    {options}
                </select>
            </div>
            <table class="findings" data-testid=testid::FINDINGS>
                <caption id=caption_id>{move || tr(Label::FindingsCaption)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{move || tr(Label::Code)}</th>
                        <th scope="col">{move || tr(Label::Line)}</th>
                        <th scope="col">{move || tr(Label::Column)}</th>
                        <th scope="col">{move || tr(Label::Message)}</th>
                    </tr>
                </thead>
                <tbody on:keydown=move_between_rows>
                    <For
                        each=rows
                        key=|row| (row.index, row.message.clone())
                        children=move |row| view! { <FindingRowView row selected /> }
                    />
                </tbody>
            </table>
            <nav class="row pager" aria-label=move || tr(Label::FindingsCaption)>
                <button
                    type="button"
                    class="secondary"
                    data-testid=testid::PREV_PAGE
                    disabled=move || page.get() == 0
                    on:click=move |_| page.update(|p| *p = p.saturating_sub(1))
                >
                    {move || tr(Label::Previous)}
                </button>
                <span data-testid=testid::PAGE_INFO aria-live="polite">{page_info}</span>
                <button
                    type="button"
                    class="secondary"
                    data-testid=testid::NEXT_PAGE
                    disabled=move || { page.get() + 1 >= page_count(total()) }
                    on:click=move |_| page.update(|p| *p += 1)
                >
                    {move || tr(Label::Next)}
                </button>
            </nav>
        </section>
    }
}

/// Up and down arrows move between the findings' line buttons.
fn move_between_rows(ev: leptos::ev::KeyboardEvent) {
    let forward = match ev.key().as_str() {
        "ArrowDown" => true,
        "ArrowUp" => false,
        _ => return,
    };
    let Some(row) = ev
        .target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        .and_then(|element| element.closest("tr").ok().flatten())
    else {
        return;
    };
    let mut next = if forward {
        row.next_element_sibling()
    } else {
        row.previous_element_sibling()
    };
    while let Some(candidate) = next {
        if let Ok(Some(button)) = candidate.query_selector("button") {
            ev.prevent_default();
            let _ = button.unchecked_into::<web_sys::HtmlElement>().focus();
            return;
        }
        next = if forward {
            candidate.next_element_sibling()
        } else {
            candidate.previous_element_sibling()
        };
    }
}

#[component]
fn FindingRowView(row: FindingRow, selected: RwSignal<Option<Selected>>) -> impl IntoView {
    let lang = use_lang();
    let FindingRow {
        code,
        line,
        column,
        message,
        value,
        ..
    } = row;
    let select = move || {
        if let Some(line) = line {
            selected.set(Some(Selected {
                line,
                column,
                value: value.clone(),
            }));
        }
    };
    let line_cell = match line {
        Some(n) => view! {
            <button
                type="button"
                class="link"
                data-testid=testid::SHOW_LINE
                aria-label=move || tf(lang.get(), Label::ShowLine, &[("line", &number(lang.get(), n as usize))])
                on:click={
                    let select = select.clone();
                    move |ev| {
                        ev.stop_propagation();
                        select();
                    }
                }
            >
                {move || number(lang.get(), n as usize)}
            </button>
        }
        .into_any(),
        None => position_label(lang.get_untracked(), None).into_any(),
    };
    view! {
        <tr
            data-testid=testid::FINDING
            class=severity_class(code.severity())
            class:selected=move || selected.with(|s| s.as_ref().is_some_and(|s| Some(s.line) == line && s.column == column))
            on:click=move |_| select()
        >
            <td><code class="finding-code" data-testid=testid::FINDING_CODE>{code.as_str()}</code></td>
            <td data-testid=testid::FINDING_LINE data-label=move || t(lang.get(), Label::Line)>{line_cell}</td>
            <td data-testid=testid::FINDING_COLUMN data-label=move || t(lang.get(), Label::Column)>
                {move || position_label(lang.get(), column)}
            </td>
            <td data-testid=testid::FINDING_MESSAGE>{message}</td>
        </tr>
    }
}
