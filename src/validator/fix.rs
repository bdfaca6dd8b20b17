//! "Fix every safe problem": the repair in steps; the repaired file then takes the
//! original's place (checked again: its verdict and findings replace the old ones), with
//! the preview of what changed, what is left, and the downloads.

use std::sync::Arc;

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::findings::severity_class;
use super::session::{use_lang, STEP_MS};
use crate::browser;
use crate::dom::{testid, unique_id};
use crate::i18n::{counted, number, t, tf, Label};
use crate::outcome::{
    line_ranges, ranges_label, Checked, Repair, LINES_PER_FEED, MAX_CHANGES_SHOWN,
};

/// "Fix every safe problem", or, on a repaired file, what the fix did.
#[component]
pub fn FixPanel(
    checked: Arc<Checked>,
    pool_name: RwSignal<String>,
    /// Takes the repair of a file the fix changed (the result shows the repaired file).
    on_repaired: Callback<Arc<Repair>>,
) -> impl IntoView {
    let lang = use_lang();
    let tr = move |label| t(lang.get(), label);
    if let Some(repair) = checked.repair.clone() {
        return view! { <div class="fix"><RepairView repair /></div> }.into_any();
    }
    // A fix that changed nothing is told here; the file stays as it is.
    let unchanged = RwSignal::new(None::<Arc<Repair>>);
    let fixing = RwSignal::new(false);
    let start = move |_| {
        let checked = checked.clone();
        fixing.set(true);
        spawn_local(async move {
            // Lets "Fixing …" paint before the work starts; then the repair runs in steps
            // (seconds on a big file), giving the page a turn between them.
            browser::yield_now().await;
            browser::sleep_ms(16).await;
            let mut fixer = esim_csv::Fixer::new(&checked.bytes, &checked.options());
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
            let done = Arc::new(Repair::from_fixed(
                &checked,
                &pool_name.get_untracked(),
                fixer.finish(),
            ));
            fixing.set(false);
            if done.changed() {
                on_repaired.run(done);
            } else {
                unchanged.set(Some(done));
            }
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
            {move || unchanged.get().map(|repair| view! { <RepairView repair /> })}
        </div>
    }
    .into_any()
}

#[component]
fn RepairView(repair: Arc<Repair>) -> impl IntoView {
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
                    <td>{move || number(lang.get(), change.line as usize)}</td>
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
                                    browser::save(&part.file_name, &part.bytes, "text/csv");
                                    // Browsers drop downloads started in the same instant.
                                    browser::sleep_ms(150).await;
                                }
                            });
                        }
                    >
                        {move || tf(lang.get(), Label::DownloadParts, &[("n", &number(lang.get(), count))])}
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
                            let errors = counted(lang.get(), errors, Label::ErrorsOne, Label::ErrorsOther);
                            tf(lang.get(), Label::CannotSplit, &[("errors", &errors)])
                        }}
                    </p>
                }
                .into_any(),
            )
        }
    };
    // What is left for a person: each code with its count and lines.
    let left = repair
        .report
        .counts
        .iter()
        .filter(|(code, n)| **n > 0 && code.severity() == esim_csv::Severity::Error)
        .map(|(code, n)| {
            let (code, n) = (*code, *n);
            let ranges = line_ranges(&repair.report, code);
            view! {
                <li data-testid=testid::FIX_LEFT data-code=code.as_str()>
                    <code class=format!("finding-code {}", severity_class(code.severity()))>{code.as_str()}</code>
                    {move || {
                        let lines = ranges_label(lang.get(), &ranges);
                        let count = number(lang.get(), n);
                        if lines.is_empty() { format!(" ({count})") } else { format!(" ({count}): {lines}") }
                    }}
                </li>
            }
        })
        .collect_view();
    // The preview opens where the user looks, with the focus.
    let heading_ref = NodeRef::<html::H4>::new();
    Effect::new(move |_| {
        if let Some(heading) = heading_ref.get() {
            heading.scroll_into_view_with_bool(true);
            let _ = heading.focus();
        }
    });
    let heading = unique_id("repair-heading");
    let labelled_by = heading.clone();
    view! {
        <section class="repair" aria-labelledby=labelled_by data-testid=testid::FIX_PREVIEW>
            <h4 id=heading tabindex="-1" node_ref=heading_ref>{move || tr(Label::FixHeading)}</h4>
            {nothing.then(|| view! { <p>{move || tr(Label::NothingToFix)}</p> })}
            <ul>{file_wide}</ul>
            {(changed > 0)
                .then(|| {
                    view! {
                        <p>
                            {move || counted(lang.get(), changed, Label::ChangedLinesOne, Label::ChangedLines)}
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
                    view! {
                        <p>{move || counted(lang.get(), errors, Label::LeftAfterFixOne, Label::LeftAfterFix)}</p>
                        <ul class="left">{left}</ul>
                    }
                })}
            <div class="row downloads">
                <button
                    type="button"
                    data-testid=testid::DOWNLOAD_FIXED
                    on:click=move |_| browser::save(&fixed.file_name, &fixed.bytes, "text/csv")
                >
                    {move || tr(Label::DownloadFixed)}
                </button>
                {split}
            </div>
        </section>
    }
}
