//! Uploading a valid file as a pool: the pre-upload check first (ICCIDs already on the
//! server, a pool for the same SM-DP+ address), then the upload; the server's findings, if
//! it rejects the file, are listed like the local ones.

use std::collections::HashMap;
use std::sync::Arc;

use esim_csv::{Finding, Lang, Options, Position};
use esim_wire::{
    ActivationCode, ErrorDetail, ImportedPool, Pool, PoolCreate, PreUploadCheck,
    PreUploadCheckResult,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::labels::Label as L;
use super::route::{PoolTab, Route};
use super::state::{num, use_console};
use super::widgets::ErrorView;
use crate::api::{http, ApiError, Backend, Resource};
use crate::dom::testid;
use crate::i18n::fill;

/// The line each ICCID is on (first field of each line, unquoted and trimmed).
pub fn iccid_lines(bytes: &[u8]) -> HashMap<String, u32> {
    let mut lines = HashMap::new();
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate().skip(1) {
        let text = String::from_utf8_lossy(line);
        let first = text.split([',', ';', '\t']).next().unwrap_or("");
        let value = first.trim().trim_matches('"').trim();
        if !value.is_empty() {
            lines.entry(value.to_owned()).or_insert(i as u32 + 1);
        }
    }
    lines
}

/// The pre-upload check's answer as the validator's findings, in line order.
pub fn precheck_findings(
    result: &PreUploadCheckResult,
    lines: &HashMap<String, u32>,
    smdp: &str,
) -> Vec<Finding> {
    let mut findings: Vec<Finding> = result
        .already_imported
        .iter()
        .map(|a| {
            let line = lines.get(&a.iccid).copied().unwrap_or(0);
            Finding::iccid_already_imported(Position::at(line, 1), &a.iccid, a.pool_name.as_deref())
        })
        .collect();
    findings.sort_by_key(Finding::line);
    if let Some(pool) = &result.smdp_pool {
        findings.insert(0, Finding::smdp_pool_exists(1, smdp, &pool.display_name));
    }
    findings
}

/// A finding the server sent (its `details`), as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    /// The finding code.
    pub code: String,
    /// Line, when the server knows it.
    pub line: Option<u32>,
    /// Column.
    pub column: Option<u32>,
    /// The message (the server's language).
    pub message: String,
    /// `error` or `warning`.
    pub severity: String,
}

impl Shown {
    fn local(f: &Finding, lang: Lang) -> Shown {
        Shown {
            code: f.code.as_str().to_owned(),
            line: f.line(),
            column: f.column(),
            message: f.message(lang),
            severity: if f.code.severity() == esim_csv::Severity::Error {
                "error".into()
            } else {
                "warning".into()
            },
        }
    }

    fn server(d: &ErrorDetail) -> Shown {
        Shown {
            code: d.code.clone(),
            line: d.line,
            column: d.column,
            message: d.message.clone(),
            severity: d.severity.clone().unwrap_or_else(|| "error".into()),
        }
    }
}

/// Where the upload is.
#[derive(Debug, Clone)]
enum Stage {
    Idle,
    Checking,
    /// The pre-check found something: what, and the pool with this SM-DP+ address.
    Checked {
        findings: Vec<Shown>,
        blocking: bool,
        pool: Option<Pool>,
    },
    Uploading,
    Rejected(Vec<Shown>, String),
    Failed(ApiError),
}

/// The upload of one valid file (the original, or the repaired one).
#[component]
pub fn UploadPanel(
    bytes: Arc<Vec<u8>>,
    file_name: String,
    options: Options,
    /// The codes in the file (from the check already made).
    codes: usize,
    pool_name: RwSignal<String>,
) -> impl IntoView {
    let console = use_console();
    let lang = console.lang;
    let stage = RwSignal::new(Stage::Idle);
    let file_name = Arc::new(file_name);
    // The typed codes are needed only once the user uploads: parsed then, once.
    let pool_cache = StoredValue::new(None::<Arc<esim_csv::Pool>>);
    let parsed = {
        let bytes = bytes.clone();
        move || {
            if pool_cache.with_value(Option::is_none) {
                let pool = esim_csv::parse(&bytes, &options).1.map(Arc::new);
                pool_cache.set_value(pool);
            }
            pool_cache.get_value()
        }
    };

    // Sends the file: as a new pool, or into `into` (this server only).
    let send = {
        let bytes = bytes.clone();
        let parsed = parsed.clone();
        let file_name = file_name.clone();
        move |into: Option<String>| {
            let Some(client) = console.client.get_untracked() else {
                return;
            };
            let bytes = bytes.clone();
            let parsed = parsed.clone();
            let file_name = file_name.clone();
            let name = pool_name.get_untracked().trim().to_owned();
            stage.set(Stage::Uploading);
            spawn_local(async move {
                let result: Result<Pool, ApiError> = match (&into, client.backend()) {
                    (Some(id), _) => http::send_file::<ImportedPool>(
                        &client,
                        &Resource::ImportInto {
                            pool: id,
                            file_name: &file_name,
                        },
                        &bytes,
                    )
                    .await
                    .map(|i| i.pool),
                    (None, Backend::Server) => {
                        let display_name = (!name.is_empty()).then_some(name.as_str());
                        http::send_file::<ImportedPool>(
                            &client,
                            &Resource::Import {
                                file_name: &file_name,
                                display_name,
                            },
                            &bytes,
                        )
                        .await
                        .map(|i| i.pool)
                    }
                    (None, Backend::Graph) => {
                        let Some(pool) = parsed() else { return };
                        let body = PoolCreate {
                            odata_type: Default::default(),
                            display_name: name.clone(),
                            activation_codes: pool
                                .codes
                                .iter()
                                .map(|c| ActivationCode {
                                    odata_type: None,
                                    integrated_circuit_card_identifier: c
                                        .integrated_circuit_card_identifier
                                        .as_str()
                                        .to_owned(),
                                    matching_identifier: c.matching_identifier.as_str().to_owned(),
                                    smdp_plus_server_address: c
                                        .smdp_plus_server_address
                                        .as_str()
                                        .to_owned(),
                                })
                                .collect(),
                        };
                        http::send_json(&client, "POST", &Resource::Pools, &body).await
                    }
                };
                match result {
                    Ok(pool) => {
                        stage.set(Stage::Idle);
                        console.go(Route::Pool {
                            id: pool.id,
                            tab: PoolTab::Overview,
                        });
                    }
                    Err(ApiError::Rejected(error)) if !error.details.is_empty() => {
                        stage.set(Stage::Rejected(
                            error.details.iter().map(Shown::server).collect(),
                            error.message.clone(),
                        ))
                    }
                    Err(error) => stage.set(Stage::Failed(error)),
                }
            });
        }
    };

    let start = {
        let bytes = bytes.clone();
        let parsed = parsed.clone();
        let send = send.clone();
        move |_| {
            let Some(client) = console.client.get_untracked() else {
                return;
            };
            let Some(pool) = parsed() else {
                return;
            };
            if !client.backend().has_project_routes() {
                // Graph cannot say which codes it has (it never returns them).
                send(None);
                return;
            }
            let bytes = bytes.clone();
            let send = send.clone();
            stage.set(Stage::Checking);
            spawn_local(async move {
                let smdp = pool.smdp_address.as_str().to_owned();
                let request = PreUploadCheck {
                    iccids: pool
                        .codes
                        .iter()
                        .map(|c| c.integrated_circuit_card_identifier.as_str().to_owned())
                        .collect(),
                    smdp_plus_server_address: Some(smdp.clone()),
                };
                let result: Result<PreUploadCheckResult, _> =
                    http::send_json(&client, "POST", &Resource::PreUploadCheck, &request).await;
                match result {
                    Ok(result)
                        if result.already_imported.is_empty() && result.smdp_pool.is_none() =>
                    {
                        send(None)
                    }
                    Ok(result) => {
                        let lines = iccid_lines(&bytes);
                        let findings = precheck_findings(&result, &lines, &smdp);
                        let lang = lang.get_untracked();
                        stage.set(Stage::Checked {
                            findings: findings.iter().map(|f| Shown::local(f, lang)).collect(),
                            blocking: !result.already_imported.is_empty(),
                            pool: result.smdp_pool,
                        });
                    }
                    Err(error) => stage.set(Stage::Failed(error)),
                }
            });
        }
    };

    let graph_note = move || {
        console
            .client
            .get()
            .is_some_and(|c| !c.backend().has_project_routes())
            .then(|| view! { <p class="hint">{console.tr(L::GraphNoPrecheck)}</p> })
    };

    view! {
        <div class="upload">
            {move || match console.client.get() {
                None => view! {
                    <p class="hint" data-testid=testid::UPLOAD_SIGN_IN>
                        {console.tr(L::UploadNeedsSignIn)} " "
                        <a href=Route::Settings.href()>{console.tr(L::OpenSettings)}</a>
                    </p>
                }
                .into_any(),
                // A reader sees no upload (the server refuses their writes anyway).
                Some(_) if !console.can_write() => ().into_any(),
                Some(_) => {
                    let start = start.clone();
                    view! {
                        <button
                            type="button"
                            data-testid=testid::UPLOAD
                            disabled=move || matches!(stage.get(), Stage::Checking | Stage::Uploading)
                            on:click=start
                        >
                            {move || fill(console.tr(L::UploadAsPool), &[("n", &num(lang.get(), codes))])}
                        </button>
                    }
                    .into_any()
                }
            }}
            {graph_note}
            <div data-testid=testid::UPLOAD_STATUS role="status">
                {move || match stage.get() {
                    Stage::Idle => ().into_any(),
                    Stage::Checking => view! { <p class="notice"><span class="spinner" aria-hidden="true"></span>{console.tr(L::Prechecking)}</p> }.into_any(),
                    Stage::Uploading => view! { <p class="notice"><span class="spinner" aria-hidden="true"></span>{fill(console.tr(L::Uploading), &[("n", &num(lang.get(), codes))])}</p> }.into_any(),
                    Stage::Failed(error) => view! { <ErrorView error /> }.into_any(),
                    Stage::Rejected(findings, message) => view! {
                        <div class="api-error" role="alert">
                            <p>{fill(console.tr(L::ServerRejected), &[("detail", &message)])}</p>
                        </div>
                        <FindingsTable findings testid=testid::SERVER_FINDING />
                    }
                    .into_any(),
                    Stage::Checked { findings, blocking, pool } => {
                        let send = send.clone();
                        let add = pool.clone().map(|pool| {
                            let send = send.clone();
                            let id = pool.id.clone();
                            let name = pool.display_name.clone();
                            view! {
                                <button type="button" data-testid=testid::ADD_TO_POOL disabled=blocking on:click=move |_| send(Some(id.clone()))>
                                    {fill(console.tr(L::AddToPool), &[("name", &name)])}
                                </button>
                            }
                        });
                        view! {
                            <p class=if blocking { "api-error" } else { "notice" }>
                                {console.tr(if blocking { L::PrecheckBlocked } else { L::PrecheckWarn })}
                            </p>
                            <FindingsTable findings testid=testid::PRECHECK_FINDING />
                            <div class="row">
                                {add}
                                {(!blocking).then(|| {
                                    let send = send.clone();
                                    view! {
                                        <button type="button" class="secondary" on:click=move |_| send(None)>
                                            {console.tr(L::UploadAnyway)}
                                        </button>
                                    }
                                })}
                            </div>
                        }
                        .into_any()
                    }
                }}
            </div>
        </div>
    }
}

/// Findings from the server (or about the server's data), laid out like the local ones.
#[component]
fn FindingsTable(findings: Vec<Shown>, testid: &'static str) -> impl IntoView {
    let console = use_console();
    let lang = console.lang;
    let rows = findings
        .into_iter()
        .map(|f| {
            view! {
                <tr data-testid=testid class=format!("severity-{}", f.severity)>
                    <td><code data-testid=testid::FINDING_CODE>{f.code.clone()}</code></td>
                    <td data-testid=testid::FINDING_LINE>{f.line.map(|l| l.to_string()).unwrap_or_default()}</td>
                    <td data-testid=testid::FINDING_COLUMN>{f.column.map(|c| c.to_string()).unwrap_or_default()}</td>
                    <td data-testid=testid::FINDING_MESSAGE>{f.message.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let t = move |label| crate::i18n::t(lang.get(), label);
    view! {
        <table class="findings">
            <thead>
                <tr>
                    <th scope="col">{move || t(crate::i18n::Label::Code)}</th>
                    <th scope="col">{move || t(crate::i18n::Label::Line)}</th>
                    <th scope="col">{move || t(crate::i18n::Label::Column)}</th>
                    <th scope="col">{move || t(crate::i18n::Label::Message)}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use esim_wire::AlreadyImported;

    #[test]
    fn iccids_are_found_on_their_lines() {
        let lines = iccid_lines(
            b"smdp.example.com\r\n8946000000000000014,A\r\n\"8946000000000000022\" ,B\n",
        );
        assert_eq!(lines.get("8946000000000000014"), Some(&2));
        assert_eq!(lines.get("8946000000000000022"), Some(&3));
        assert_eq!(lines.get("smdp.example.com"), None);
    }

    #[test]
    fn the_precheck_becomes_findings_in_line_order() {
        let lines =
            iccid_lines(b"smdp.example.com\n8946000000000000014,A\n8946000000000000022,B\n");
        let result = PreUploadCheckResult {
            already_imported: vec![
                AlreadyImported {
                    iccid: "8946000000000000022".into(),
                    pool_id: Some("p".into()),
                    pool_name: Some("First".into()),
                    delivered: false,
                },
                AlreadyImported {
                    iccid: "8946000000000000014".into(),
                    pool_id: None,
                    pool_name: None,
                    delivered: true,
                },
            ],
            smdp_pool: None,
        };
        let findings = precheck_findings(&result, &lines, "smdp.example.com");
        let got: Vec<(&str, Option<u32>)> = findings
            .iter()
            .map(|f| (f.code.as_str(), f.line()))
            .collect();
        assert_eq!(
            got,
            [
                ("iccid-already-imported", Some(2)),
                ("iccid-already-imported", Some(3))
            ]
        );
        assert!(findings[1].message(Lang::En).contains("First"));
    }
}
