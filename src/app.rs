//! The components: thin views over [`crate::outcome`], [`crate::source`] and
//! [`crate::i18n`].

use std::sync::Arc;

use esim_csv::{Batch, Code, Lang, Severity};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

use crate::browser;
use crate::console::route::Route;
use crate::console::upload::UploadPanel;
use crate::console::{Console, Nav, RouteView};
use crate::embed::Embed;
use crate::file::{read_bytes, ReadError};
use crate::i18n::{self, number, t, tf, Label};
use crate::outcome::{
    page_range, pool_file_stem, position_label, report_json, Checked, FindingRow, Repair, Source,
    Step, Stepper, LINES_PER_FEED, MAX_CHANGES_SHOWN,
};
use crate::source::{self, Geometry, LINE_HEIGHT};

/// The `data-testid` values that browser tests rely on. Keep them stable.
pub mod testid {
    pub const PRIVACY: &str = "privacy";
    pub const LANG_SWITCH: &str = "lang-switch";
    pub const DROP: &str = "drop-zone";
    pub const TEXT: &str = "csv-text";
    pub const FILE: &str = "csv-file";
    pub const CHECK: &str = "check";
    pub const ANNOUNCE: &str = "announce";
    pub const PROGRESS: &str = "progress";
    pub const PROGRESS_BAR: &str = "progress-bar";
    pub const CANCEL: &str = "cancel";
    pub const CANCELLED: &str = "cancelled";
    pub const READ_ERROR: &str = "read-error";
    pub const RESULT: &str = "result";
    pub const SOURCE: &str = "source";
    pub const VERDICT: &str = "verdict";
    pub const CODE_COUNT: &str = "code-count";
    pub const SMDP: &str = "smdp-address";
    pub const ERROR_COUNT: &str = "error-count";
    pub const WARNING_COUNT: &str = "warning-count";
    pub const COUNT_ROW: &str = "count-row";
    pub const POOL_NAME: &str = "pool-name";
    pub const USE_SMDP_NAME: &str = "use-smdp-name";
    pub const NO_FINDINGS: &str = "no-findings";
    pub const FINDINGS: &str = "findings";
    pub const FILTER: &str = "finding-filter";
    pub const PAGE_INFO: &str = "page-info";
    pub const PREV_PAGE: &str = "prev-page";
    pub const NEXT_PAGE: &str = "next-page";
    pub const TRUNCATED: &str = "truncated";
    pub const FINDING: &str = "finding";
    pub const FINDING_CODE: &str = "finding-code";
    pub const FINDING_LINE: &str = "finding-line";
    pub const FINDING_COLUMN: &str = "finding-column";
    pub const FINDING_MESSAGE: &str = "finding-message";
    pub const SHOW_LINE: &str = "show-line";
    pub const SOURCE_VIEW: &str = "source-view";
    pub const SOURCE_HEADING: &str = "source-heading";
    pub const SOURCE_LINE: &str = "source-line";
    pub const SOURCE_MARK: &str = "source-mark";
    pub const FIX: &str = "fix";
    pub const FIXING: &str = "fixing";
    pub const FIX_PREVIEW: &str = "fix-preview";
    pub const FIX_FILE_WIDE: &str = "fix-file-wide";
    pub const FIX_CHANGE: &str = "fix-change";
    pub const FIXED_VERDICT: &str = "fixed-verdict";
    pub const CANNOT_SPLIT: &str = "cannot-split";
    pub const DOWNLOAD_FIXED: &str = "download-fixed";
    pub const DOWNLOAD_PARTS: &str = "download-parts";
    pub const DOWNLOAD_JSON: &str = "download-json";
    pub const DOWNLOAD_CSV: &str = "download-csv";
}

/// An element id no other element on the page has (several files show the same views).
pub fn unique_id(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("{prefix}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Files over this size show the progress bar from the start (while they are read).
const PROGRESS_FROM_BYTES: usize = 1024 * 1024;
/// How long the validator works before the page gets a turn.
const STEP_MS: f64 = 12.0;

/// The page's language, shared by context.
#[derive(Debug, Clone, Copy)]
pub struct UiLang(pub RwSignal<Lang>);

fn use_lang() -> RwSignal<Lang> {
    use_context::<UiLang>().map_or_else(|| RwSignal::new(Lang::En), |ui| ui.0)
}

/// A validation in progress.
#[derive(Debug, Clone, PartialEq)]
struct Running {
    name: String,
    read: usize,
    total: usize,
}

/// The state of the page and what starts and stops checks.
#[derive(Debug, Clone, Copy)]
struct Session {
    lang: RwSignal<Lang>,
    results: RwSignal<Vec<(u64, Arc<Checked>)>>,
    running: RwSignal<Option<Running>>,
    cancelled: RwSignal<bool>,
    read_errors: RwSignal<Vec<ReadError>>,
    /// Bumped by every new check and by cancel; a run that sees another value stops.
    generation: StoredValue<u64>,
    next_id: StoredValue<u64>,
    embed: StoredValue<Option<Embed>>,
}

impl Session {
    fn begin(self) -> u64 {
        self.generation.update_value(|g| *g += 1);
        self.cancelled.set(false);
        self.generation.get_value()
    }

    fn current(self, generation: u64) -> bool {
        self.generation.get_value() == generation
    }

    fn cancel(self) {
        self.generation.update_value(|g| *g += 1);
        self.running.set(None);
        self.cancelled.set(true);
    }

    fn open_files(self, files: Vec<web_sys::File>) {
        if files.is_empty() {
            return;
        }
        let generation = self.begin();
        spawn_local(async move {
            let total: f64 = files.iter().map(|file| file.size()).sum();
            if total as usize > PROGRESS_FROM_BYTES {
                self.running.set(Some(Running {
                    name: files[0].name(),
                    read: 0,
                    total: total as usize,
                }));
            }
            let mut inputs = Vec::new();
            let mut errors = Vec::new();
            for file in &files {
                match read_bytes(file).await {
                    Ok(bytes) => inputs.push((Source::File(file.name()), Arc::new(bytes))),
                    Err(error) => errors.push(error),
                }
                if !self.current(generation) {
                    return;
                }
            }
            self.read_errors.set(errors);
            self.check(generation, inputs).await;
        });
    }

    fn check_text(self, text: String) {
        let generation = self.begin();
        self.read_errors.set(Vec::new());
        spawn_local(async move {
            self.check(
                generation,
                vec![(Source::Pasted, Arc::new(text.into_bytes()))],
            )
            .await;
        });
    }

    /// Checks one input in steps (with progress), or several together (cross-file
    /// duplicates), yielding to the page between steps.
    async fn check(self, generation: u64, inputs: Vec<(Source, Arc<Vec<u8>>)>) {
        let mut checked = Vec::new();
        // One file is checked alone; several as one batch, so an ICCID repeated in a later
        // file is found. Either way in steps, with a turn for the page between them.
        let mut batch = (inputs.len() > 1).then(Batch::new);
        let total: usize = inputs.iter().map(|(_, bytes)| bytes.len()).sum();
        let mut done_bytes = 0;
        for (source, bytes) in inputs {
            let name = source.file_name().to_owned();
            let size = bytes.len();
            let mut stepper = match &batch {
                Some(batch) => Stepper::in_batch(batch, source, bytes),
                None => Stepper::new(source, bytes),
            };
            loop {
                let start = browser::now_ms();
                let done = loop {
                    match stepper.step_in(LINES_PER_FEED, batch.as_mut()) {
                        Step::Done(done) => break Some(done),
                        Step::Reading(read) if browser::now_ms() - start > STEP_MS => {
                            self.running.set(Some(Running {
                                name: name.clone(),
                                read: done_bytes + read,
                                total,
                            }));
                            break None;
                        }
                        Step::Reading(_) => {}
                    }
                };
                if let Some(done) = done {
                    checked.push(done);
                    break;
                }
                browser::yield_now().await;
                if !self.current(generation) {
                    return;
                }
            }
            done_bytes += size;
        }
        if let Some(embed) = self.embed.get_value() {
            for file in &checked {
                embed.publish(file.source.file_name(), &file.report);
            }
        }
        let mut results = Vec::new();
        for file in checked {
            self.next_id.update_value(|id| *id += 1);
            results.push((self.next_id.get_value(), Arc::new(file)));
        }
        self.running.set(None);
        self.results.set(results);
    }
}

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
    let session = Session {
        lang,
        results: RwSignal::new(Vec::new()),
        running: RwSignal::new(None),
        cancelled: RwSignal::new(false),
        read_errors: RwSignal::new(Vec::new()),
        generation: StoredValue::new(0),
        next_id: StoredValue::new(0),
        embed: StoredValue::new(embed),
    };
    Effect::new(move |_| {
        let lang = lang.get();
        browser::set_document_lang(lang.tag());
        crate::api::http::set_language(lang);
        if let Some(embed) = session.embed.get_value() {
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

    let header = chrome.then(|| {
        view! {
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
            <main>
                {move || match route() {
                    Route::Check => view! { <CheckPage session chrome /> }.into_any(),
                    _ => view! { <RouteView /> }.into_any(),
                }}
            </main>
        </div>
    }
}

/// The validator: files in, verdicts out (needs no server).
#[component]
fn CheckPage(session: Session, chrome: bool) -> impl IntoView {
    let lang = session.lang;
    let tr = move |label| t(lang.get(), label);
    let text = RwSignal::new(String::new());
    let file_input = NodeRef::<html::Input>::new();
    let dragging = RwSignal::new(false);

    let choose = move |ev: leptos::ev::Event| {
        let input = event_target::<HtmlInputElement>(&ev);
        let files = input.files().map(file_list).unwrap_or_default();
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
                            .map(file_list)
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
                        accept=".csv,text/csv"
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
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))
                    ></textarea>
                    <button
                        type="button"
                        data-testid=testid::CHECK
                        on:click=move |_| session.check_text(text.get_untracked())
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
            <Show when=move || !session.results.with(Vec::is_empty)>
                <section class="results" aria-labelledby="results-heading">
                    <h2 id="results-heading">{move || tr(Label::Results)}</h2>
                    <For
                        each=move || session.results.get()
                        key=|(id, _)| *id
                        children=move |(id, checked)| view! { <FileResult id checked /> }
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

fn file_list(files: web_sys::FileList) -> Vec<web_sys::File> {
    (0..files.length()).filter_map(|i| files.get(i)).collect()
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
                        {tf(lang.get(), Label::Checking, &[("name", &running.name)])}
                    </label>
                    <progress
                        id="progress-bar"
                        data-testid=testid::PROGRESS_BAR
                        max=running.total.max(1)
                        value=running.read
                        aria-valuetext=progress_text.clone()
                    ></progress>
                    <span class="hint">{progress_text}</span>
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

/// The verdict, counts, downloads, fix, findings and source view of one checked file.
#[component]
fn FileResult(id: u64, checked: Arc<Checked>) -> impl IntoView {
    let lang = use_lang();
    let tr = move |label| t(lang.get(), label);
    let pool_name = RwSignal::new(checked.default_pool_name());
    let selected = RwSignal::new(None::<(u32, Option<u32>)>);
    let heading = format!("file-{id}-heading");
    let labelled_by = heading.clone();
    let pool_id = format!("file-{id}-pool");
    let report = &checked.report;
    let (codes, errors, warnings) = (report.codes, report.errors(), report.warnings());
    let smdp = report
        .smdp_address
        .as_ref()
        .map(|address| address.as_str().to_owned());

    let use_smdp = checked.smdp_label().map(|label| {
        let shown = label.clone();
        view! {
            <button
                type="button"
                class="secondary"
                data-testid=testid::USE_SMDP_NAME
                on:click=move |_| pool_name.set(label.clone())
            >
                {move || tf(lang.get(), Label::UseSmdpName, &[("label", &shown)])}
            </button>
        }
    });

    let counts = checked.counts();
    let counts_view = (!counts.is_empty()).then(|| {
        let rows = counts
            .into_iter()
            .map(|(code, severity, n)| {
                view! {
                    <tr data-testid=testid::COUNT_ROW>
                        <td><code>{code.as_str()}</code></td>
                        <td class=severity_class(severity)>
                            {move || severity_label(lang.get(), severity)}
                        </td>
                        <td class="number">{move || number(lang.get(), n)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="counts">
                <caption>{move || tr(Label::CountsCaption)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{move || tr(Label::Code)}</th>
                        <th scope="col">{move || tr(Label::Severity)}</th>
                        <th scope="col">{move || tr(Label::Count)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
    });

    let for_json = checked.clone();
    let for_csv = checked.clone();
    let report_stem = pool_file_stem("", &checked.source);
    let json_name = format!("{report_stem}-report.json");
    let csv_name = format!("{report_stem}-report.csv");
    let findings = if checked.report.findings.is_empty() {
        view! {
            <p class="no-findings" data-testid=testid::NO_FINDINGS>
                {move || tr(Label::NoFindings)}
            </p>
        }
        .into_any()
    } else {
        view! { <FindingsList id checked=checked.clone() selected /> }.into_any()
    };
    let source_checked = checked.clone();
    let source_view = move || {
        selected.get().map(
            |(line, column)| view! { <SourceView checked=source_checked.clone() line column /> },
        )
    };

    view! {
        <article class="result" aria-labelledby=labelled_by data-testid=testid::RESULT>
            <h3 id=heading data-testid=testid::SOURCE>
                {
                    let checked = checked.clone();
                    move || checked.source.label(lang.get())
                }
            </h3>
            <p
                class=format!("verdict verdict-{}", checked.verdict_key())
                data-testid=testid::VERDICT
                data-verdict=checked.verdict_key()
            >
                {
                    let checked = checked.clone();
                    move || checked.verdict(lang.get())
                }
            </p>
            <dl class="facts">
                <div>
                    <dt>{move || tr(Label::Codes)}</dt>
                    <dd data-testid=testid::CODE_COUNT>{move || number(lang.get(), codes)}</dd>
                </div>
                <div>
                    <dt>{move || tr(Label::SmdpAddress)}</dt>
                    <dd data-testid=testid::SMDP>
                        {
                            let smdp = smdp.clone();
                            move || smdp.clone().unwrap_or_else(|| tr(Label::NoSmdpAddress).to_owned())
                        }
                    </dd>
                </div>
                <div>
                    <dt>{move || tr(Label::Errors)}</dt>
                    <dd data-testid=testid::ERROR_COUNT>{move || number(lang.get(), errors)}</dd>
                </div>
                <div>
                    <dt>{move || tr(Label::Warnings)}</dt>
                    <dd data-testid=testid::WARNING_COUNT>
                        {move || number(lang.get(), warnings)}
                    </dd>
                </div>
            </dl>
            <div class="field pool">
                <label for=pool_id.clone()>{move || tr(Label::PoolName)}</label>
                <div class="row">
                    <input
                        id=pool_id
                        type="text"
                        data-testid=testid::POOL_NAME
                        prop:value=move || pool_name.get()
                        on:input=move |ev| pool_name.set(event_target_value(&ev))
                    />
                    {use_smdp}
                </div>
            </div>
            {counts_view}
            <div class="row downloads">
                <button
                    type="button"
                    class="secondary"
                    data-testid=testid::DOWNLOAD_JSON
                    on:click=move |_| {
                        save(&json_name, &report_json(&for_json.report, lang.get_untracked()), "application/json");
                    }
                >
                    {move || tr(Label::DownloadJson)}
                </button>
                <button
                    type="button"
                    class="secondary"
                    data-testid=testid::DOWNLOAD_CSV
                    on:click=move |_| {
                        save(&csv_name, &for_csv.report.to_csv(lang.get_untracked()), "text/csv");
                    }
                >
                    {move || tr(Label::DownloadCsv)}
                </button>
            </div>
            {checked.report.is_valid().then(|| view! {
                <UploadPanel
                    bytes=checked.bytes.clone()
                    file_name=checked.source.file_name().to_owned()
                    options=checked.source.options()
                    codes=checked.report.codes
                    pool_name
                />
            })}
            <FixPanel checked=checked.clone() pool_name />
            {findings}
            {source_view}
        </article>
    }
}

fn severity_label(lang: Lang, severity: Severity) -> &'static str {
    match severity {
        Severity::Error => t(lang, Label::SeverityError),
        _ => t(lang, Label::SeverityWarning),
    }
}

fn severity_class(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "severity-error",
        _ => "severity-warning",
    }
}

fn save(name: &str, bytes: &[u8], mime: &str) {
    if let Err(error) = browser::download(name, bytes, mime) {
        web_sys::console::error_2(&"download failed".into(), &error);
    }
}

/// The findings of one file, a page at a time, filterable by code.
#[component]
fn FindingsList(
    id: u64,
    checked: Arc<Checked>,
    selected: RwSignal<Option<(u32, Option<u32>)>>,
) -> impl IntoView {
    let lang = use_lang();
    let tr = move |label| t(lang.get(), label);
    let filter = RwSignal::new(None::<Code>);
    let page = RwSignal::new(0usize);
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
        .map(|code| view! { <option value=code.as_str()>{code.as_str()}</option> })
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
                    on:change=move |ev| {
                        filter.set(Code::from_name(&event_target_value(&ev)));
                        page.set(0);
                    }
                >
                    <option value="">{move || tr(Label::AllCodes)}</option>
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
                    disabled=move || { page.get() + 1 >= crate::outcome::page_count(total()) }
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
fn FindingRowView(
    row: FindingRow,
    selected: RwSignal<Option<(u32, Option<u32>)>>,
) -> impl IntoView {
    let lang = use_lang();
    let FindingRow {
        code,
        line,
        column,
        message,
        ..
    } = row;
    let select = move || {
        if let Some(line) = line {
            selected.set(Some((line, column)));
        }
    };
    let line_cell = match line {
        Some(n) => view! {
            <button
                type="button"
                class="link"
                data-testid=testid::SHOW_LINE
                aria-label=move || tf(lang.get(), Label::ShowLine, &[("line", &n.to_string())])
                on:click=move |ev| {
                    ev.stop_propagation();
                    select();
                }
            >
                {n.to_string()}
            </button>
        }
        .into_any(),
        None => position_label(None).into_any(),
    };
    view! {
        <tr
            data-testid=testid::FINDING
            class=severity_class(code.severity())
            class:selected=move || selected.get().is_some_and(|(l, c)| Some(l) == line && c == column)
            on:click=move |_| select()
        >
            <td><code data-testid=testid::FINDING_CODE>{code.as_str()}</code></td>
            <td data-testid=testid::FINDING_LINE>{line_cell}</td>
            <td data-testid=testid::FINDING_COLUMN>{position_label(column)}</td>
            <td data-testid=testid::FINDING_MESSAGE>{message}</td>
        </tr>
    }
}

/// The file around one line, the offending value marked; only the visible lines exist in
/// the DOM.
#[component]
fn SourceView(checked: Arc<Checked>, line: u32, column: Option<u32>) -> impl IntoView {
    let lang = use_lang();
    let geometry = Geometry {
        total: checked.lines().len(),
    };
    let start = geometry.scroll_to(line as usize);
    let scroll = RwSignal::new(start);
    let node = NodeRef::<html::Div>::new();
    // Runs once the view is in the document: scroll to the line.
    Effect::new(move |_| {
        if let Some(element) = node.get() {
            element.set_scroll_top(start as i32);
        }
    });
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
            let marked = source::mark(&text, column);
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
        <section class="source" aria-labelledby=labelled_by>
            <h4 id=heading data-testid=testid::SOURCE_HEADING>
                {move || tf(lang.get(), Label::SourceHeading, &[("line", &line.to_string())])}
            </h4>
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

/// "Fix every safe problem": the preview of what changed and the downloads.
#[component]
fn FixPanel(checked: Arc<Checked>, pool_name: RwSignal<String>) -> impl IntoView {
    let lang = use_lang();
    let tr = move |label| t(lang.get(), label);
    let repair = RwSignal::new(None::<Arc<Repair>>);
    let fixing = RwSignal::new(false);
    let options = checked.source.options();
    let start = move |_| {
        let checked = checked.clone();
        fixing.set(true);
        spawn_local(async move {
            // Lets "Fixing …" paint before the work starts; then the repair runs in steps
            // (seconds on a big file), giving the page a turn between them.
            browser::yield_now().await;
            browser::sleep_ms(16).await;
            let mut fixer = esim_csv::Fixer::new(&checked.bytes, &checked.source.options());
            loop {
                let start = browser::now_ms();
                let mut done = false;
                while !done && browser::now_ms() - start < STEP_MS {
                    done = fixer.step(LINES_PER_FEED);
                }
                if done {
                    break;
                }
                browser::yield_now().await;
            }
            let done = Repair::from_fixed(&checked, &pool_name.get_untracked(), fixer.finish());
            repair.set(Some(Arc::new(done)));
            fixing.set(false);
        });
    };
    view! {
        <div class="fix">
            <button
                type="button"
                data-testid=testid::FIX
                disabled=move || fixing.get()
                on:click=start
            >
                {move || tr(Label::FixAll)}
            </button>
            {move || {
                fixing
                    .get()
                    .then(|| {
                        view! {
                            <p class="notice" role="status" data-testid=testid::FIXING>
                                <span class="spinner" aria-hidden="true"></span>
                                {tr(Label::Fixing)}
                            </p>
                        }
                    })
            }}
            {move || repair.get().map(|repair| view! { <RepairView repair options=options.clone() pool_name /> })}
        </div>
    }
}

#[component]
fn RepairView(
    repair: Arc<Repair>,
    options: esim_csv::Options,
    pool_name: RwSignal<String>,
) -> impl IntoView {
    let lang = use_lang();
    let tr = move |label| t(lang.get(), label);
    let nothing = repair.changes.is_empty() && repair.file_wide.is_empty();
    let file_wide = repair
        .file_wide
        .iter()
        .cloned()
        .map(|fix| {
            view! {
                <li data-testid=testid::FIX_FILE_WIDE>
                    {move || format!("{}: {}", tr(Label::FileWide), fix.label(lang.get()))}
                </li>
            }
        })
        .collect_view();
    let shown = repair
        .changes
        .iter()
        .take(MAX_CHANGES_SHOWN)
        .cloned()
        .map(|change| {
            let after = match change.after {
                Some(after) => view! { <code>{after}</code> }.into_any(),
                None => view! { <em>{move || tr(Label::Removed)}</em> }.into_any(),
            };
            view! {
                <tr data-testid=testid::FIX_CHANGE>
                    <td>{change.line}</td>
                    <td><code>{change.before}</code></td>
                    <td>{after}</td>
                </tr>
            }
        })
        .collect_view();
    let changed = repair.changes.len();
    let more = changed.saturating_sub(MAX_CHANGES_SHOWN);
    let valid = repair.report.is_valid();
    let errors = repair.report.errors();
    let fixed = repair.clone();
    let split = match &repair.split {
        None => None,
        Some(Ok(parts)) => {
            let parts = Arc::new(parts.clone());
            let count = parts.len();
            Some(
                view! {
                    <button
                        type="button"
                        data-testid=testid::DOWNLOAD_PARTS
                        on:click=move |_| {
                            let parts = parts.clone();
                            spawn_local(async move {
                                for part in parts.iter() {
                                    save(&part.file_name, &part.bytes, "text/csv");
                                    // Browsers drop downloads started in the same instant.
                                    browser::sleep_ms(150).await;
                                }
                            });
                        }
                    >
                        {move || tf(lang.get(), Label::DownloadParts, &[("n", &count.to_string())])}
                    </button>
                }
                .into_any(),
            )
        }
        Some(Err(report)) => {
            let errors = report.errors();
            Some(
                view! {
                    <p class="notice" data-testid=testid::CANNOT_SPLIT>
                        {move || {
                            tf(lang.get(), Label::CannotSplit, &[("errors", &number(lang.get(), errors))])
                        }}
                    </p>
                }
                .into_any(),
            )
        }
    };
    // A repaired file that is valid and needs no split can go to the server as it is.
    let upload = (valid && repair.split.is_none()).then(|| {
        view! {
            <UploadPanel
                bytes=repair.bytes.clone()
                file_name=repair.file_name.clone()
                options=options.clone()
                codes=repair.report.codes
                pool_name
            />
        }
    });
    let heading = unique_id("repair-heading");
    let labelled_by = heading.clone();
    view! {
        <section class="repair" aria-labelledby=labelled_by data-testid=testid::FIX_PREVIEW>
            <h4 id=heading>{move || tr(Label::FixHeading)}</h4>
            {nothing.then(|| view! { <p>{move || tr(Label::NothingToFix)}</p> })}
            <ul>{file_wide}</ul>
            {(changed > 0)
                .then(|| {
                    view! {
                        <p>
                            {move || tf(lang.get(), Label::ChangedLines, &[("n", &number(lang.get(), changed))])}
                        </p>
                        <table class="changes">
                            <thead>
                                <tr>
                                    <th scope="col">{move || tr(Label::Line)}</th>
                                    <th scope="col">{move || tr(Label::Before)}</th>
                                    <th scope="col">{move || tr(Label::After)}</th>
                                </tr>
                            </thead>
                            <tbody>{shown}</tbody>
                        </table>
                    }
                })}
            {(more > 0)
                .then(|| {
                    view! { <p>{move || tf(lang.get(), Label::MoreChanges, &[("n", &number(lang.get(), more))])}</p> }
                })}
            <p
                class=if valid { "verdict verdict-valid" } else { "verdict verdict-invalid" }
                data-testid=testid::FIXED_VERDICT
                data-verdict=if valid { "valid" } else { "invalid" }
            >
                {move || {
                    let verdict = tr(if valid { Label::Valid } else { Label::Invalid });
                    tf(lang.get(), Label::FixedVerdict, &[("verdict", verdict)])
                }}
            </p>
            {(errors > 0)
                .then(|| {
                    view! { <p>{move || tf(lang.get(), Label::LeftAfterFix, &[("errors", &number(lang.get(), errors))])}</p> }
                })}
            <div class="row downloads">
                <button
                    type="button"
                    data-testid=testid::DOWNLOAD_FIXED
                    on:click=move |_| save(&fixed.file_name, &fixed.bytes, "text/csv")
                >
                    {move || tr(Label::DownloadFixed)}
                </button>
                {split}
            </div>
            {upload}
        </section>
    }
}
