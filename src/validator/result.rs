//! One checked file: verdict, counts, downloads, the upload, the fix, the findings and the
//! source view.

use std::sync::Arc;

use leptos::prelude::*;

use super::findings::{severity_class, severity_label, FindingsList};
use super::fix::FixPanel;
use super::handoff::{self, ValidFile};
use super::session::{use_lang, Session};
use super::source_view::{Selected, SourceView};
use crate::browser;
use crate::dom::testid;
use crate::i18n::{number, t, tf, Label};
use crate::outcome::{
    fixed_file_name, pool_file_stem, ranges_label, report_json, Checked, Repair, Source,
};

/// The verdict, counts, downloads, fix, findings and source view of one checked file.
#[component]
pub fn FileResult(id: u64, checked: Arc<Checked>, session: Session) -> impl IntoView {
    let lang = use_lang();
    let tr = move |label| t(lang.get(), label);
    let pool_name = RwSignal::new(checked.default_pool_name());
    // Set while the server would refuse the file (its pre-upload check found codes it has).
    let refused = RwSignal::new(false);
    // The file without the codes the server has: checked again in this result's place.
    let trimmed_name = fixed_file_name(&checked.source);
    let on_trimmed = Callback::new(move |bytes: Vec<u8>| {
        let source = Source::File(trimmed_name.clone());
        session.replace(id, Checked::check(source, Arc::new(bytes)));
    });
    // The repaired file takes this one's place: checked again, its findings replace these.
    let on_repaired = Callback::new(move |repair: Arc<Repair>| {
        session.replace(id, Checked::repaired(repair));
    });
    let selected = RwSignal::new(None::<Selected>);
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

    // The findings list shows one code when a group's "Show each" is pressed.
    let filter = RwSignal::new(None::<esim_csv::Code>);
    let counts = checked.counts();
    let listed = checked.listed_codes();
    let counts_view = (!counts.is_empty()).then(|| {
        let rows = counts
            .into_iter()
            .map(|(code, severity, n)| {
                let ranges = checked.line_ranges(code);
                let show = listed.contains(&code).then(|| {
                    view! {
                        <button
                            type="button"
                            class="link"
                            data-testid=testid::SHOW_EACH
                            aria-label=move || tf(lang.get(), Label::ShowEachNamed, &[("code", code.as_str())])
                            on:click=move |_| filter.set(Some(code))
                        >
                            {move || tr(Label::ShowEach)}
                        </button>
                    }
                });
                view! {
                    <tr data-testid=testid::COUNT_ROW data-code=code.as_str()>
                        <td><code class="finding-code">{code.as_str()}</code></td>
                        <td class=severity_class(severity)>
                            {move || severity_label(lang.get(), severity)}
                        </td>
                        <td class="number">{move || number(lang.get(), n)}</td>
                        <td data-testid=testid::COUNT_LINES>{move || ranges_label(lang.get(), &ranges)}</td>
                        <td>{show}</td>
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
                        <th scope="col">{move || tr(Label::Lines)}</th>
                        <th scope="col">{move || tr(Label::Actions)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
    });

    let mapping_view = checked.report.conversion.clone().map(|mapping| {
        let encoding = mapping.encoding.map(|e| {
            view! {
                <p data-testid=testid::MAPPING_ENCODING>
                    {move || tf(lang.get(), Label::ConvertedFrom, &[("encoding", e)])}
                </p>
            }
        });
        let rows = mapping
            .columns
            .iter()
            .cloned()
            .map(|c| {
                let used = c.used_as.map(|u| match u {
                    esim_csv::ColumnUse::Iccid => Label::UseIccid,
                    esim_csv::ColumnUse::MatchingId => Label::UseMatchingId,
                    esim_csv::ColumnUse::Lpa => Label::UseLpa,
                    _ => Label::UseSmdp,
                });
                let by = match c.by {
                    Some("option") => Label::ByOption,
                    Some("content") => Label::ByContent,
                    _ => Label::ByHeader,
                };
                let gives = move || match used {
                    Some(label) => format!("{} ({})", tr(label), tr(by)),
                    None => tr(Label::LeftOut).to_owned(),
                };
                view! {
                    <tr data-testid=testid::MAPPING_ROW data-use=used.is_some().to_string()>
                        <td class="number">{move || number(lang.get(), c.number)}</td>
                        <td>{c.name.unwrap_or_default()}</td>
                        <td>{gives}</td>
                    </tr>
                }
            })
            .collect_view();
        let picker = column_picker(id, checked.clone(), &mapping, session);
        view! {
            <div data-testid=testid::MAPPING>
                {encoding}
                {picker}
                <table class="counts">
                    <caption>{move || tr(Label::MappingCaption)}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{move || tr(Label::ColumnNumber)}</th>
                            <th scope="col">{move || tr(Label::ColumnName)}</th>
                            <th scope="col">{move || tr(Label::ColumnUse)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
    });

    let for_json = checked.clone();
    let for_csv = checked.clone();
    let report_stem = pool_file_stem("", &checked.source);
    let json_name = format!("{report_stem}-report.json");
    let csv_name = format!("{report_stem}-report.csv");
    let findings = if checked.report.findings.is_empty() {
        view! {
            <Show when=move || !refused.get()>
                <p class="no-findings" data-testid=testid::NO_FINDINGS>
                    {move || tr(Label::NoFindings)}
                </p>
            </Show>
        }
        .into_any()
    } else {
        view! { <FindingsList id checked=checked.clone() selected filter /> }.into_any()
    };
    let source_checked = checked.clone();
    let source_view = move || {
        selected
            .get()
            .map(|at| view! { <SourceView checked=source_checked.clone() at selected /> })
    };

    view! {
        <article class="result" aria-labelledby=labelled_by data-testid=testid::RESULT>
            <h3 id=heading data-testid=testid::SOURCE>
                {
                    let checked = checked.clone();
                    move || checked.source.label(lang.get())
                }
            </h3>
            {
                let key = checked.verdict_key();
                let key = move || if refused.get() { "invalid" } else { key };
                let checked = checked.clone();
                view! {
                    <p
                        class=move || format!("verdict verdict-{}", key())
                        data-testid=testid::VERDICT
                        data-verdict=key
                    >
                        {move || {
                            if refused.get() {
                                tr(Label::RefusedByServer)
                            } else {
                                checked.verdict(lang.get())
                            }
                        }}
                    </p>
                }
            }
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
            {mapping_view}
            {counts_view}
            <div class="row downloads">
                <button
                    type="button"
                    class="secondary"
                    data-testid=testid::DOWNLOAD_JSON
                    on:click=move |_| {
                        browser::save(&json_name, &report_json(&for_json.report, lang.get_untracked()), "application/json");
                    }
                >
                    {move || tr(Label::DownloadJson)}
                </button>
                <button
                    type="button"
                    class="secondary"
                    data-testid=testid::DOWNLOAD_CSV
                    on:click=move |_| {
                        browser::save(&csv_name, &for_csv.report.to_csv(lang.get_untracked()), "text/csv");
                    }
                >
                    {move || tr(Label::DownloadCsv)}
                </button>
            </div>
            {checked.report.is_valid().then(|| handoff::view_for(ValidFile {
                bytes: checked.bytes.clone(),
                file_name: checked.source.file_name().to_owned(),
                options: checked.options(),
                codes: checked.report.codes,
                pool_name,
                refused: Some(refused),
                on_trimmed: Some(on_trimmed),
            }))}
            {(checked.repair.is_some() || checked.fixable()).then(|| view! {
                <FixPanel checked=checked.clone() pool_name on_repaired />
            })}
            {findings}
            {source_view}
        </article>
    }
}

/// The element id of result `id`'s picker for the column role `key`.
fn picker_id(id: u64, key: &str) -> String {
    format!("file-{id}-column-{key}")
}

/// One choice per column role (ICCID, Matching ID, LPA string, SM-DP+ address) among the
/// export's columns, "as the header says" by default; a change checks the file again.
fn column_picker(
    id: u64,
    checked: Arc<Checked>,
    mapping: &esim_csv::Mapping,
    session: Session,
) -> impl IntoView {
    use esim_csv::{ColumnRef, ColumnUse, Columns};
    let lang = use_lang();
    let columns: Vec<(usize, String)> = mapping
        .columns
        .iter()
        .map(|c| {
            let name = c.name.clone().unwrap_or_default();
            (c.number, format!("{} {name}", c.number).trim().to_owned())
        })
        .collect();
    let roles = [
        (ColumnUse::Iccid, Label::PickIccid, "iccid"),
        (ColumnUse::MatchingId, Label::PickMatchingId, "matching-id"),
        (ColumnUse::Lpa, Label::PickLpa, "lpa"),
        (ColumnUse::SmdpAddress, Label::PickSmdp, "smdp-address"),
    ];
    let selects = roles
        .into_iter()
        .map(|(role, label, key)| {
            let current = match role {
                ColumnUse::Iccid => checked.columns.iccid.clone(),
                ColumnUse::MatchingId => checked.columns.matching_id.clone(),
                ColumnUse::Lpa => checked.columns.lpa.clone(),
                _ => checked.columns.smdp_address.clone(),
            };
            let current = match current {
                Some(ColumnRef::Number(n)) => n.to_string(),
                _ => String::new(),
            };
            let select_id = picker_id(id, key);
            let options = columns
                .iter()
                .map(|(n, text)| {
                    let value = n.to_string();
                    let selected = value == current;
                    view! { <option value=value selected=selected>{text.clone()}</option> }
                })
                .collect_view();
            let checked = checked.clone();
            view! {
                <div class="field">
                    <label for=select_id.clone()>{move || t(lang.get(), label)}</label>
                    <select
                        id=select_id
                        data-testid=testid::COLUMN_PICK
                        data-role=key
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            let chosen = value.parse().ok().map(ColumnRef::Number);
                            let mut columns: Columns = checked.columns.clone();
                            match role {
                                ColumnUse::Iccid => columns.iccid = chosen,
                                ColumnUse::MatchingId => columns.matching_id = chosen,
                                ColumnUse::Lpa => columns.lpa = chosen,
                                _ => columns.smdp_address = chosen,
                            }
                            let new_id = session.replace(id, checked.with_columns(columns));
                            // The result is built anew: give the focus back to this picker
                            // in the new view, so arrow keys can go on choosing.
                            leptos::task::spawn_local(async move {
                                crate::browser::yield_now().await;
                                crate::browser::focus_by_id(&picker_id(new_id, key));
                            });
                        }
                    >
                        <option value="" selected=current.is_empty()>
                            {move || t(lang.get(), Label::ColumnAuto)}
                        </option>
                        {options}
                    </select>
                </div>
            }
        })
        .collect_view();
    view! {
        <fieldset class="column-picker">
            <legend>{move || t(lang.get(), Label::ChooseColumns)}</legend>
            {selects}
        </fieldset>
    }
}
