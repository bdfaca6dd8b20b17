//! Uploading a valid file as a pool: the pre-upload check first (ICCIDs already on the
//! server, a pool for the same SM-DP+ address), then the upload; the server's findings, if
//! it rejects the file, are listed like the local ones.

use std::collections::HashMap;
use std::sync::Arc;

use esim_csv::{Finding, Fix, Lang, Options, Position};
use esim_wire::{
    ActivationCode, ErrorDetail, ImportedPool, Pool, PoolCreate, PreUploadCheck,
    PreUploadCheckResult,
};
use leptos::prelude::*;

use super::labels::Label as L;
use super::route::{PoolTab, Route};
use super::state::{num, use_console};
use super::widgets::ErrorView;
use crate::api::{http, ApiError, Backend, Client, Resource};
use crate::dom::testid;
use crate::i18n::{counted, fill};
use crate::outcome::ServerFindings;

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
    esim_csv::sort_findings(&mut findings);
    if let Some(pool) = &result.smdp_pool {
        findings.insert(0, Finding::smdp_pool_exists(1, smdp, &pool.display_name));
    }
    findings
}

/// A finding the server sent (its `details`), or one about the server's data, as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    /// The finding code.
    pub code: String,
    /// Line, when the server knows it.
    pub line: Option<u32>,
    /// Column.
    pub column: Option<u32>,
    /// The finding, when esim-csv can write its message: then it is written in the page's
    /// language, also after a switch ([`ServerFindings`]).
    pub finding: Option<Finding>,
    /// The server's message (in the language it was asked in), for a finding esim-csv
    /// cannot rebuild.
    pub message: String,
    /// `error` or `warning`.
    pub severity: String,
}

impl Shown {
    fn local(f: &Finding) -> Shown {
        Shown {
            code: f.code.as_str().to_owned(),
            line: f.line(),
            column: f.column(),
            finding: Some(f.clone()),
            message: f.message(Lang::En),
            severity: f.severity().as_str().to_owned(),
        }
    }

    /// `d`, rebuilt as esim-csv's finding when it can be.
    fn server(d: &ErrorDetail, rebuilt: &ServerFindings) -> Shown {
        Shown {
            code: d.code.clone(),
            line: d.line,
            column: d.column,
            finding: rebuilt.rebuild(&d.code, d.line, d.column, &d.message),
            message: d.message.clone(),
            severity: d.severity.clone().unwrap_or_else(|| "error".into()),
        }
    }

    /// The message in `lang` (the server's words when esim-csv cannot write it).
    pub fn message(&self, lang: Lang) -> String {
        self.finding
            .as_ref()
            .map_or_else(|| self.message.clone(), |f| f.message(lang))
    }
}

/// What the server's pre-upload check said about the file: the codes it has already (their
/// lines), and the pool with this SM-DP+ address.
#[derive(Debug, Clone)]
struct Precheck {
    findings: Vec<Shown>,
    /// The lines of the codes the server has already.
    imported_lines: Vec<u32>,
    pool: Option<Pool>,
}

impl Precheck {
    fn blocking(&self) -> bool {
        !self.imported_lines.is_empty()
    }
}

/// The pre-upload check's answer.
#[derive(Debug, Clone)]
enum Verdict {
    /// Signed out, or a file that does not parse (the panel shows for valid files): no
    /// upload.
    Nothing,
    /// Nothing on the server stands in the way (or the server cannot say: Graph).
    Clear,
    /// The pre-check found something: codes already imported, or a pool for this operator.
    Found(Box<Precheck>),
}

/// The file without the lines of these codes: the fix "remove the codes the server has
/// already" (esim-csv's line removal, so line breaks and the rest stay as they were).
pub fn without_lines(bytes: &[u8], lines: &[u32]) -> Vec<u8> {
    let fixes: Vec<Fix> = lines.iter().map(|&line| Fix::RemoveLine { line }).collect();
    esim_csv::apply_fixes(bytes, &fixes)
}

/// The upload of one valid file (the original, or the repaired one). Signed in to this
/// project's server, the pre-upload check runs as soon as the panel shows, so the verdict
/// is the one the upload will meet; `refused` is set when the server would refuse the file,
/// and `on_trimmed` gets the file without the codes the server has already.
#[component]
pub fn UploadPanel(
    bytes: Arc<Vec<u8>>,
    file_name: String,
    options: Options,
    /// The codes in the file (from the check already made).
    codes: usize,
    pool_name: RwSignal<String>,
    /// Set while the server would refuse the file (codes it has already).
    #[prop(optional_no_strip)]
    refused: Option<RwSignal<bool>>,
    /// Takes the file without the codes the server has already (offered when given).
    #[prop(optional_no_strip)]
    on_trimmed: Option<Callback<Vec<u8>>>,
) -> impl IntoView {
    let console = use_console();
    let lang = console.lang;
    let file_name = Arc::new(file_name);
    // The typed codes: parsed once, for the pre-check and for Graph's JSON body.
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
    let set_refused = move |value: bool| {
        if let Some(refused) = refused {
            refused.set(value);
        }
    };

    // What the server found in a rejected upload.
    let rejected = StoredValue::new(Vec::<Shown>::new());
    // The upload is an action: `bytes` as a new pool, or into the pool `into` (this server
    // only); a pool made goes to its page.
    let upload = Action::new_local({
        let parsed = parsed.clone();
        let file_name = file_name.clone();
        move |(client, bytes, into, name): &(Client, Arc<Vec<u8>>, Option<String>, String)| {
            let (client, bytes, into, name) =
                (client.clone(), bytes.clone(), into.clone(), name.clone());
            let parsed = parsed.clone();
            let file_name = file_name.clone();
            async move {
                let result = match (&into, client.backend()) {
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
                    (None, Backend::Graph) => match parsed() {
                        Some(pool) => {
                            let body = graph_body(&pool, name);
                            http::send_json(&client, "POST", &Resource::Pools, &body).await
                        }
                        None => Err(ApiError::Unexpected {
                            status: 0,
                            detail: "the file could not be read as a pool".into(),
                        }),
                    },
                };
                match &result {
                    Ok(pool) => console.go(Route::Pool {
                        id: pool.id.clone(),
                        tab: PoolTab::Overview,
                    }),
                    // The server's findings, rebuilt from the file sent where esim-csv can
                    // (then they follow the page's language).
                    Err(ApiError::Rejected(error)) => {
                        let rebuilt = ServerFindings::new(&bytes, &file_name);
                        rejected.set_value(
                            error
                                .details
                                .iter()
                                .map(|d| Shown::server(d, &rebuilt))
                                .collect(),
                        );
                    }
                    Err(_) => {}
                }
                result
            }
        }
    });
    let send = move |bytes: Arc<Vec<u8>>, into: Option<String>| {
        if let Some(client) = console.client.get_untracked() {
            let name = pool_name.get_untracked().trim().to_owned();
            upload.dispatch((client, bytes, into, name));
        }
    };

    // The pre-upload check, a resource: read as soon as the panel shows and again after
    // a sign-in.
    let server_checks = move || {
        console
            .client
            .with(|c| c.as_ref().is_some_and(|c| c.backend().has_project_routes()))
    };
    let precheck = LocalResource::new({
        let bytes = bytes.clone();
        move || {
            let client = console.client.get();
            let server = client
                .as_ref()
                .is_some_and(|c| c.backend().has_project_routes());
            let pool = server.then(&parsed).flatten();
            let bytes = bytes.clone();
            async move {
                let verdict = match (client, pool) {
                    (None, _) => Ok(Verdict::Nothing),
                    // Graph cannot say which codes it has (it never returns them).
                    (Some(_), _) if !server => Ok(Verdict::Clear),
                    (Some(client), Some(pool)) => check(&client, &pool, &bytes).await,
                    (Some(_), None) => Ok(Verdict::Nothing),
                };
                // A new verdict replaces what an earlier upload said.
                upload.value().set(None);
                set_refused(matches!(&verdict, Ok(Verdict::Found(p)) if p.blocking()));
                verdict
            }
        }
    });

    let graph_note = move || {
        console
            .client
            .get()
            .is_some_and(|c| !c.backend().has_project_routes())
            .then(|| view! { <p class="hint">{console.tr(L::GraphNoPrecheck)}</p> })
    };

    let upload_button = {
        let bytes = bytes.clone();
        move || {
            let bytes = bytes.clone();
            view! {
                <button
                    type="button"
                    data-testid=testid::UPLOAD
                    on:click=move |_| send(bytes.clone(), None)
                >
                    {move || counted(lang.get(), codes, L::UploadAsPoolOne, L::UploadAsPool)}
                </button>
            }
        }
    };
    let checked = {
        let upload_button = upload_button.clone();
        move || {
            let upload_button = upload_button.clone();
            let bytes = bytes.clone();
            Suspend::new(async move {
                match precheck.await {
                    Ok(Verdict::Nothing) => ().into_any(),
                    Ok(Verdict::Clear) => upload_button().into_any(),
                    Ok(Verdict::Found(precheck)) => view! {
                        <PrecheckView precheck=*precheck bytes codes send on_trimmed />
                    }
                    .into_any(),
                    // The upload checks again; a failed pre-check does not stop it.
                    Err(error) => view! { <ErrorView error /> {upload_button()} }.into_any(),
                }
            })
        }
    };
    let checking = move || {
        view! { <p class="notice"><span class="spinner" aria-hidden="true"></span>{console.tr(L::Prechecking)}</p> }
    };

    view! {
        <div class="upload">
            {move || console.client.with(Option::is_none).then(|| view! {
                <p class="hint" data-testid=testid::UPLOAD_SIGN_IN>
                    {console.tr(L::UploadNeedsSignIn)} " "
                    <a href=Route::Settings.href()>{console.tr(L::OpenSettings)}</a>
                </p>
            })}
            {graph_note}
            <div data-testid=testid::UPLOAD_STATUS role="status">
                {move || {
                    // Signed out, nothing; a reader sees no upload (the server refuses their
                    // writes anyway).
                    if console.client.with(Option::is_none) || !console.can_write() {
                        return ().into_any();
                    }
                    if upload.pending().get() {
                        return view! { <p class="notice"><span class="spinner" aria-hidden="true"></span>{counted(lang.get(), codes, L::UploadingOne, L::Uploading)}</p> }.into_any();
                    }
                    match upload.value().get() {
                        Some(Err(ApiError::Rejected(error))) if !error.details.is_empty() => view! {
                            <div class="api-error" role="alert">
                                <p>{fill(console.tr(L::ServerRejected), &[("detail", &error.message)])}</p>
                            </div>
                            <FindingsTable findings=rejected.get_value() testid=testid::SERVER_FINDING />
                        }
                        .into_any(),
                        Some(Err(error)) => view! { <ErrorView error /> {upload_button()} }.into_any(),
                        // Graph: nothing to check first.
                        _ if !server_checks() => upload_button().into_any(),
                        _ => {
                            let checked = checked.clone();
                            view! { <Suspense fallback=checking>{checked}</Suspense> }.into_any()
                        }
                    }
                }}
            </div>
        </div>
    }
}

/// Graph's body for a new pool of these codes.
fn graph_body(pool: &esim_csv::Pool, display_name: String) -> PoolCreate {
    PoolCreate {
        odata_type: Default::default(),
        display_name,
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
                smdp_plus_server_address: c.smdp_plus_server_address.as_str().to_owned(),
            })
            .collect(),
    }
}

/// Asks this server which of the file's codes it has, and which pool has its SM-DP+
/// address.
async fn check(client: &Client, pool: &esim_csv::Pool, bytes: &[u8]) -> Result<Verdict, ApiError> {
    let smdp = pool.smdp_address.as_str().to_owned();
    let request = PreUploadCheck {
        iccids: pool
            .codes
            .iter()
            .map(|c| c.integrated_circuit_card_identifier.as_str().to_owned())
            .collect(),
        smdp_plus_server_address: Some(smdp.clone()),
    };
    let result: PreUploadCheckResult =
        http::send_json(client, "POST", &Resource::PreUploadCheck, &request).await?;
    if result.already_imported.is_empty() && result.smdp_pool.is_none() {
        return Ok(Verdict::Clear);
    }
    let lines = iccid_lines(bytes);
    let findings = precheck_findings(&result, &lines, &smdp);
    let mut imported_lines: Vec<u32> = result
        .already_imported
        .iter()
        .filter_map(|a| lines.get(&a.iccid).copied())
        .collect();
    imported_lines.sort_unstable();
    imported_lines.dedup();
    Ok(Verdict::Found(Box::new(Precheck {
        findings: findings.iter().map(Shown::local).collect(),
        imported_lines,
        pool: result.smdp_pool,
    })))
}

/// What the pre-upload check found, and the ways forward: remove the codes the server has
/// already (a new file), add the new codes to the pool with this SM-DP+ address, or (when
/// nothing is refused) create a second pool; an action that is not possible says why.
#[component]
fn PrecheckView<S>(
    precheck: Precheck,
    bytes: Arc<Vec<u8>>,
    codes: usize,
    send: S,
    on_trimmed: Option<Callback<Vec<u8>>>,
) -> impl IntoView
where
    S: Fn(Arc<Vec<u8>>, Option<String>) + Clone + Send + Sync + 'static,
{
    let console = use_console();
    let lang = console.lang;
    let blocking = precheck.blocking();
    let imported = precheck.imported_lines.len();
    let new_codes = codes.saturating_sub(imported);
    // The file the server will take: without the codes it has already.
    let trimmed = Arc::new(if blocking {
        without_lines(&bytes, &precheck.imported_lines)
    } else {
        bytes.to_vec()
    });
    let reason_id = crate::dom::unique_id("precheck-reason");
    // Why an action is not offered, when one is not.
    let reason = if blocking && new_codes == 0 {
        Some(L::NothingNew)
    } else if blocking && precheck.pool.is_none() {
        Some(L::NoPoolForSmdp)
    } else {
        None
    };
    let remove = (blocking && on_trimmed.is_some()).then(|| {
        let trimmed = trimmed.clone();
        let reason_id = reason_id.clone();
        view! {
            <button
                type="button"
                data-testid=testid::REMOVE_IMPORTED
                disabled=new_codes == 0
                aria-describedby=(new_codes == 0).then_some(reason_id)
                on:click=move |_| {
                    if let Some(on_trimmed) = on_trimmed {
                        on_trimmed.run(trimmed.to_vec());
                    }
                }
            >
                {move || fill(console.tr(L::RemoveImported), &[("n", &num(lang.get(), imported))])}
            </button>
        }
    });
    let add = precheck.pool.clone().map(|pool| {
        let send = send.clone();
        let trimmed = trimmed.clone();
        let id = pool.id.clone();
        let name = pool.display_name.clone();
        let reason_id = reason_id.clone();
        let label = if blocking { L::AddNewToPool } else { L::AddToPool };
        view! {
            <button
                type="button"
                data-testid=testid::ADD_TO_POOL
                disabled=new_codes == 0
                aria-describedby=(new_codes == 0).then_some(reason_id)
                on:click=move |_| send(trimmed.clone(), Some(id.clone()))
            >
                {move || fill(console.tr(label), &[("name", &name), ("n", &num(lang.get(), new_codes))])}
            </button>
        }
    });
    let anyway = (!blocking).then(|| {
        let send = send.clone();
        view! {
            <button type="button" class="secondary" data-testid=testid::UPLOAD_ANYWAY on:click=move |_| send(bytes.clone(), None)>
                {move || console.tr(L::UploadAnyway)}
            </button>
        }
    });
    view! {
        <p class=if blocking { "api-error" } else { "notice" } data-testid=testid::PRECHECK_SUMMARY>
            {move || if blocking {
                fill(console.tr(L::PrecheckBlocked), &[("n", &num(lang.get(), imported)), ("total", &num(lang.get(), codes))])
            } else {
                console.tr(L::PrecheckWarn).to_owned()
            }}
        </p>
        <FindingsTable findings=precheck.findings testid=testid::PRECHECK_FINDING />
        <div class="row">{remove} {add} {anyway}</div>
        {reason.map(|reason| view! {
            <p class="hint" id=reason_id data-testid=testid::PRECHECK_REASON>{move || console.tr(reason)}</p>
        })}
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
            let (line, column, code) = (f.line, f.column, f.code.clone());
            let class = format!("severity-{}", f.severity);
            view! {
                <tr data-testid=testid class=class>
                    <td><code class="finding-code" data-testid=testid::FINDING_CODE>{code}</code></td>
                    <td data-testid=testid::FINDING_LINE>{move || line.map(|l| num(lang.get(), l)).unwrap_or_default()}</td>
                    <td data-testid=testid::FINDING_COLUMN>{move || column.map(|c| num(lang.get(), c)).unwrap_or_default()}</td>
                    <td data-testid=testid::FINDING_MESSAGE>{move || f.message(lang.get())}</td>
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
    fn the_codes_the_server_has_are_removed_from_the_file() {
        let bytes = b"smdp.example.com\r\n8946000000000000014,A\r\n8946000000000000022,B\r\n8946000000000000030,C\r\n";
        let trimmed = without_lines(bytes, &[2, 4]);
        assert_eq!(trimmed, b"smdp.example.com\r\n8946000000000000022,B\r\n");
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
