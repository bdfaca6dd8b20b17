//! The validator page: files or text in, the results of the last check below.

use leptos::html;
use leptos::prelude::*;
use web_sys::HtmlInputElement;

use super::result::FileResult;
use super::session::{OpenWorkbook, Session};
use crate::browser;
use crate::dom::testid;
use crate::i18n::{self, t, tf, Label};

/// The validator: files in, verdicts out (needs no server).
#[component]
pub fn CheckPage(session: Session, chrome: bool) -> impl IntoView {
    let lang = session.lang;
    let tr = move |label| t(lang.get(), label);
    // The text area is read only when Check is pressed (its length first): mirroring it
    // into a signal on every input would copy pasted text of any size into the wasm.
    let text_area = NodeRef::<html::Textarea>::new();
    let file_input = NodeRef::<html::Input>::new();
    let dragging = RwSignal::new(false);

    let choose = move |ev: leptos::ev::Event| {
        let input = event_target::<HtmlInputElement>(&ev);
        let files = input.files().map(browser::file_list).unwrap_or_default();
        // Cleared so that choosing the same file again (after editing it) checks it again.
        input.set_value("");
        session.open_files(files);
    };
    let open_picker = move || {
        if let Some(input) = file_input.get_untracked() {
            input.click();
        }
    };

    view! {
        {chrome.then(|| view! { <h1>{move || tr(Label::Title)}</h1> })}
            <p class="privacy" data-testid=testid::PRIVACY>{move || tr(Label::Privacy)}</p>
            <section class="input" aria-labelledby="input-heading">
                <h2 id="input-heading">{move || tr(Label::InputHeading)}</h2>
                <div
                    class="dropzone"
                    class:dragging=move || dragging.get()
                    role="button"
                    tabindex="0"
                    aria-describedby="choose-hint"
                    data-testid=testid::DROP
                    on:click=move |_| open_picker()
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        if ev.key() == "Enter" || ev.key() == " " {
                            ev.prevent_default();
                            open_picker();
                        }
                    }
                    on:dragover=move |ev: leptos::ev::DragEvent| {
                        ev.prevent_default();
                        dragging.set(true);
                    }
                    on:dragleave=move |_| dragging.set(false)
                    on:drop=move |ev: leptos::ev::DragEvent| {
                        ev.prevent_default();
                        dragging.set(false);
                        let files = ev
                            .data_transfer()
                            .and_then(|transfer| transfer.files())
                            .map(browser::file_list)
                            .unwrap_or_default();
                        session.open_files(files);
                    }
                >
                    {move || tr(Label::DropZone)}
                </div>
                <div class="field">
                    <label for="csv-file">{move || tr(Label::ChooseFiles)}</label>
                    <input
                        id="csv-file"
                        type="file"
                        multiple
                        accept=".csv,text/csv,.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                        aria-describedby="choose-hint"
                        data-testid=testid::FILE
                        node_ref=file_input
                        on:change=choose
                    />
                    <p class="hint" id="choose-hint">{move || tr(Label::ChooseHint)}</p>
                </div>
                <div class="field">
                    <label for="csv-text">{move || tr(Label::PasteLabel)}</label>
                    <textarea
                        id="csv-text"
                        rows="8"
                        spellcheck="false"
                        autocomplete="off"
                        placeholder="smdp.example.com\n8946000000000000014,ABCD-1234-XYZ"
                        data-testid=testid::TEXT
                        node_ref=text_area
                    ></textarea>
                    <button
                        type="button"
                        data-testid=testid::CHECK
                        on:click=move |_| {
                            if let Some(area) = text_area.get_untracked() {
                                session.check_text_area(&area);
                            }
                        }
                    >
                        {move || tr(Label::Check)}
                    </button>
                </div>
            </section>
            <p class="visually-hidden" role="status" data-testid=testid::ANNOUNCE>
                {move || announcement(session)}
            </p>
            <ProgressView session />
            {move || {
                session
                    .cancelled
                    .get()
                    .then(|| {
                        view! {
                            <p class="notice" data-testid=testid::CANCELLED>
                                {tr(Label::Cancelled)}
                            </p>
                        }
                    })
            }}
            <For
                each=move || session.read_errors.get()
                key=|error| error.clone()
                children=move |error| {
                    view! {
                        <p class="read-error" role="alert" data-testid=testid::READ_ERROR>
                            {move || error.message(lang.get())}
                        </p>
                    }
                }
            />
            <For
                each=move || session.workbooks.get().into_iter().enumerate()
                // Not the sheet: choosing one keeps its picker (and the focus); a workbook
                // opened again is new bytes, so a new picker.
                key=|(n, book)| (*n, book.name.clone(), std::sync::Arc::as_ptr(&book.bytes) as usize)
                children=move |(n, book)| view! { <SheetPicker n book session /> }
            />
            <Show when=move || !session.results.with(Vec::is_empty)>
                <section class="results" aria-labelledby="results-heading">
                    <h2 id="results-heading">{move || tr(Label::Results)}</h2>
                    <For
                        each=move || session.results.get()
                        key=|(id, _)| *id
                        children=move |(id, checked)| view! { <FileResult id checked session /> }
                    />
                </section>
            </Show>
    }
}

/// What the live region says: every verdict, or that the check was cancelled.
fn announcement(session: Session) -> String {
    let lang = session.lang.get();
    if session.cancelled.get() {
        return t(lang, Label::Cancelled).to_owned();
    }
    session
        .results
        .get()
        .iter()
        .map(|(_, checked)| checked.summary(lang))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The sheet picker of a workbook with several sheets: another sheet is read and checked
/// in place of the last check.
#[component]
fn SheetPicker(n: usize, book: OpenWorkbook, session: Session) -> impl IntoView {
    let lang = session.lang;
    let id = format!("sheet-{n}");
    let hint = format!("sheet-{n}-hint");
    let name = book.name.clone();
    let options = book
        .sheets
        .iter()
        .map(|sheet| {
            let selected = *sheet == book.sheet;
            view! { <option value=sheet.clone() selected=selected>{sheet.clone()}</option> }
        })
        .collect_view();
    view! {
        <div class="field sheet-picker">
            <label for=id.clone()>{move || tf(lang.get(), Label::SheetOf, &[("name", &name)])}</label>
            <select
                id=id
                aria-describedby=hint.clone()
                data-testid=testid::SHEET_PICK
                on:change=move |ev| session.open_sheet(book.clone(), event_target_value(&ev))
            >
                {options}
            </select>
            <p class="hint" id=hint>{move || t(lang.get(), Label::SheetHint)}</p>
        </div>
    }
}

/// The progress bar and the cancel button of a long check.
#[component]
fn ProgressView(session: Session) -> impl IntoView {
    let lang = session.lang;
    move || {
        session.running.get().map(|running| {
            let mb = |bytes: usize| i18n::tenths(lang.get(), bytes * 10 / 1_048_576);
            let progress_text = tf(
                lang.get(),
                Label::Progress,
                &[("read", &mb(running.read)), ("total", &mb(running.total))],
            );
            view! {
                <div class="progress" data-testid=testid::PROGRESS>
                    <label for="progress-bar">
                        {tf(
                            lang.get(),
                            if running.workbook { Label::ReadingWorkbook } else { Label::Checking },
                            &[("name", &running.name)],
                        )}
                    </label>
                    // A workbook's reader tells no progress: the bar moves without a value.
                    <progress
                        id="progress-bar"
                        data-testid=testid::PROGRESS_BAR
                        max=running.total.max(1)
                        value=(!running.workbook).then_some(running.read)
                        aria-valuetext=(!running.workbook).then(|| progress_text.clone())
                    ></progress>
                    {(!running.workbook).then(|| view! { <span class="hint">{progress_text}</span> })}
                    <button
                        type="button"
                        class="secondary"
                        data-testid=testid::CANCEL
                        on:click=move |_| session.cancel()
                    >
                        {t(lang.get(), Label::Cancel)}
                    </button>
                </div>
            }
        })
    }
}
