//! "Fix every safe problem": the repair in steps, the preview of what changed, the
//! downloads and the upload of the repaired file.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::handoff::{self, ValidFile};
use super::session::{use_lang, STEP_MS};
use crate::browser;
use crate::dom::{testid, unique_id};
use crate::i18n::{number, t, tf, Label};
use crate::outcome::{Repair, LINES_PER_FEED, MAX_CHANGES_SHOWN};

/// "Fix every safe problem": the preview of what changed and the downloads.
#[component]
pub fn FixPanel(
    checked: Arc<crate::outcome::Checked>,
    pool_name: RwSignal<String>,
) -> impl IntoView {
    let lang = use_lang();
    let tr = move |label| t(lang.get(), label);
    let repair = RwSignal::new(None::<Arc<Repair>>);
    let fixing = RwSignal::new(false);
    let options = checked.options();
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
                                    browser::save(&part.file_name, &part.bytes, "text/csv");
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
    let upload = (valid && repair.split.is_none())
        .then(|| {
            handoff::view_for(ValidFile {
                bytes: repair.bytes.clone(),
                file_name: repair.file_name.clone(),
                options: options.clone(),
                codes: repair.report.codes,
                pool_name,
            })
        })
        .flatten();
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
                    on:click=move |_| browser::save(&fixed.file_name, &fixed.bytes, "text/csv")
                >
                    {move || tr(Label::DownloadFixed)}
                </button>
                {split}
            </div>
            {upload}
        </section>
    }
}
