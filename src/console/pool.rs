//! A pool's page: the overview chart, the device table and the assignments.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use esim_wire::{
    AssignRequest, AssignmentRead, AssignmentSet, Device, DeviceState, Group, Pool, StateLabel,
    StateSummary,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::chart::{state_from_key, state_key, state_text, StateChart};
use super::devices::{self, Column, Query, Row};
use super::labels::Label as L;
use super::route::{PoolTab, Route};
use super::state::{num, read, use_console, when};
use super::widgets::{DetailsDialog, ErrorView, Reading};
use crate::api::{http, ApiError, Backend, Client, Resource};
use crate::browser;
use crate::dom::testid;
use crate::i18n::fill;

/// How often the overview re-reads the pool while it is open.
const REFRESH: Duration = Duration::from_secs(3);
/// How often the overview counts device states itself (against Graph, which sends no
/// summary): it reads every page.
const COUNT_EVERY_MS: f64 = 30_000.0;

thread_local! {
    /// The device table's first page, asked for before the page was drawn ([`read_early`]).
    static EARLY: std::cell::RefCell<Option<http::Sent>> = const { std::cell::RefCell::new(None) };
}

/// The first page of a pool's device states as the device table asks for it (`query`: its
/// filter and sort, which this server applies itself; Graph documents no query options on
/// them, so there the browser does it all).
fn first_page(client: &Client, id: &str, query: &Query) -> String {
    let options = if client.backend() == Backend::Server {
        devices::server_options(query)
    } else {
        String::new()
    };
    client.first_page_url_with(&Resource::DeviceStates(id), &options)
}

/// Asks for the first page of the pool's device states at once, as the page starts (the
/// route is known before anything is drawn): the request goes out while the app sets up
/// and draws the page, and the device table takes its answer up (console start-up, issue 11).
pub fn read_early(client: &Client, id: &str) {
    let sent = http::Sent::get(client, first_page(client, id, &Query::default()));
    EARLY.with(|early| *early.borrow_mut() = sent);
}

/// The early read of `first` ([`read_early`]), if there is one with `client`'s token.
fn take_early(client: &Client, first: &str) -> Option<http::Sent> {
    EARLY
        .with(|early| early.borrow_mut().take())
        .filter(|sent| sent.is(client, first))
}

/// Cleared when the view goes away, so its background loops stop.
fn alive_flag() -> Arc<AtomicBool> {
    let alive = Arc::new(AtomicBool::new(true));
    let flag = alive.clone();
    on_cleanup(move || flag.store(false, Ordering::Relaxed));
    alive
}

fn summarise(states: &[DeviceState]) -> StateSummary {
    let mut summary = StateSummary::default();
    for state in states {
        summary.add(state.state.label(), 1);
    }
    summary
}

/// The pool as last read (`None` before the first answer): what the chart and the device
/// table's refresh follow.
type Read = Signal<Option<Result<Pool, ApiError>>>;

#[component]
pub fn PoolPage(id: String, tab: PoolTab) -> impl IntoView {
    let console = use_console();
    // The pool is read again every few seconds while its page is open.
    let version = RwSignal::new(0u32);
    let read_id = id.clone();
    let resource = read(version, move |client| {
        let id = read_id.clone();
        async move { http::get::<Pool>(&client, &Resource::Pool(&id)).await }
    });
    if let Ok(handle) = set_interval_with_handle(move || version.update(|v| *v += 1), REFRESH) {
        on_cleanup(move || handle.clear());
    }
    let pool: Read = Signal::derive(move || resource.get());
    let tabs = PoolTab::ALL
        .into_iter()
        .map(|t| {
            let href = Route::Pool { id: id.clone(), tab: t }.href();
            let label = match t {
                PoolTab::Overview => L::TabOverview,
                PoolTab::Devices => L::TabDevices,
                PoolTab::Assignments => L::TabAssignments,
            };
            view! {
                <li>
                    <a href=href data-testid=testid::POOL_TAB aria-current=(t == tab).then_some("page")>
                        {move || console.tr(label)}
                    </a>
                </li>
            }
        })
        .collect_view();
    let body = {
        let id = id.clone();
        match tab {
            PoolTab::Overview => view! { <Overview id resource pool /> }.into_any(),
            PoolTab::Devices => view! { <DeviceTable id pool /> }.into_any(),
            PoolTab::Assignments => view! { <Assignments id /> }.into_any(),
        }
    };
    view! {
        <section class="pool" aria-labelledby="pool-heading">
            <p class="crumbs"><a href=Route::Pools.href()>{move || console.tr(L::NavPools)}</a></p>
            <h1 id="pool-heading" data-testid=testid::POOL_TITLE>
                {move || match pool.get() {
                    Some(Ok(p)) => p.display_name,
                    _ => console.tr(L::PoolTitle).to_owned(),
                }}
            </h1>
            // The overview shows a failed read where its facts go; the other tabs here.
            {(tab != PoolTab::Overview).then_some(move || match pool.get() {
                Some(Err(error)) => Some(view! { <ErrorView error /> }),
                _ => None,
            })}
            <nav class="tabs" aria-label=move || console.tr(L::PoolSections)>
                <ul>{tabs}</ul>
            </nav>
            {body}
        </section>
    }
}

#[component]
fn Overview(
    id: String,
    resource: LocalResource<Result<Pool, ApiError>>,
    pool: Read,
) -> impl IntoView {
    let console = use_console();
    let lang = console.lang;
    // Graph sends no summary: count the device states instead. That reads every page, so
    // it is not redone on every 3-second refresh: at most every 30 s (`count` is bumped
    // when a count is due; 0 reads nothing).
    let count = RwSignal::new(0u32);
    let counted = read(count, move |client| {
        let id = id.clone();
        let due = count.get_untracked() > 0;
        async move {
            if !due {
                return Ok(None);
            }
            let states =
                http::all_pages::<DeviceState>(&client, &Resource::DeviceStates(&id)).await?;
            Ok::<_, ApiError>(Some(summarise(&states)))
        }
    });
    let last_count = StoredValue::new(None::<f64>);
    let needs_counting =
        move || pool.with(|p| matches!(p, Some(Ok(p)) if p.extras.device_state_summary.is_none()));
    Effect::new(move |_| {
        let now = browser::now_ms();
        let due = last_count
            .get_value()
            .is_none_or(|started| now - started >= COUNT_EVERY_MS);
        let needs = needs_counting();
        if due && needs {
            last_count.set_value(Some(now));
            count.update(|c| *c += 1);
        }
    });
    let summary = Signal::derive(move || {
        pool.with(|p| match p {
            Some(Ok(p)) => p.extras.device_state_summary,
            _ => None,
        })
        // A failed count leaves the chart as it was.
        .or_else(|| counted.get().and_then(Result::ok).flatten())
        .unwrap_or_default()
    });
    view! {
        <div class="overview">
            <Reading>
                {move || Suspend::new(async move { resource.await.map(|p| view! { <Facts p /> }) })}
            </Reading>
            <h2>{move || console.tr(L::ChartTitle)}</h2>
            <StateChart summary />
            <table class="data chart-table">
                <caption>{move || console.tr(L::ChartTableCaption)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{move || console.tr(L::ColState)}</th>
                        <th scope="col">{move || console.tr(L::Devices)}</th>
                    </tr>
                </thead>
                <tbody>
                    {move || summary.with(StateSummary::labels)
                        .iter()
                        .map(|label| {
                            let label = *label;
                            view! {
                                <tr>
                                    <th scope="row">{move || state_text(lang.get(), label)}</th>
                                    <td class="number">{move || num(lang.get(), summary.get().get(label))}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            <p class="hint">{move || console.tr(L::RefreshNote)}</p>
        </div>
    }
}

/// The pool's facts: codes left, the SM-DP+ address, when it was created.
#[component]
fn Facts(p: Pool) -> impl IntoView {
    let console = use_console();
    let lang = console.lang;
    let total = p.activation_code_count;
    let left = p.extras.used_activation_code_count.map(|used| total - used);
    let smdp = p.extras.smdp_plus_server_address.clone();
    view! {
        <dl class="facts">
            <div>
                <dt>{move || console.tr(L::CodesLeft)}</dt>
                <dd data-testid=testid::CODES_LEFT>
                    {move || match left {
                        Some(left) => fill(console.tr(L::LeftOfTotal), &[("left", &num(lang.get(), left)), ("total", &num(lang.get(), total))]),
                        None => fill(console.tr(L::TotalOnly), &[("total", &num(lang.get(), total))]),
                    }}
                </dd>
            </div>
            {smdp.map(|smdp| view! {
                <div>
                    <dt>{move || crate::i18n::t(lang.get(), crate::i18n::Label::SmdpAddress)}</dt>
                    <dd>{smdp}</dd>
                </div>
            })}
            <div>
                <dt>{move || console.tr(L::Created)}</dt>
                <dd>{when(&p.created_date_time)}</dd>
            </div>
        </dl>
    }
}

#[component]
fn DeviceTable(id: String, pool: Read) -> impl IntoView {
    let console = use_console();
    let lang = console.lang;
    let rows = RwSignal::new(Arc::new(Vec::<Row>::new()));
    let loading = RwSignal::new(true);
    let error = RwSignal::new(None::<ApiError>);
    let query = RwSignal::new(Query::default());
    let scroll_top = RwSignal::new(0.0f64);
    let alive = alive_flag();
    // This server filters and sorts device states itself ($filter, $orderby); Graph
    // documents no query options on them, so there the browser does it all.
    let server_side = console
        .client
        .get_untracked()
        .is_some_and(|c| c.backend() == Backend::Server);
    // Only the latest read may land (a filter change while a refresh runs).
    let generation = Arc::new(AtomicU64::new(0));
    // When the last read started and the pool's summary then (what the chart showed).
    let read_at = StoredValue::new(f64::NEG_INFINITY);
    let read_summary = StoredValue::new(None::<Option<StateSummary>>);
    // The status filter of the read whose rows the table holds, once every page of it is
    // in (`None` while a read replaces them or after one failed): rows read with no filter
    // hold every state, so a filter chosen then is answered in the browser at once.
    let rows_read_with = StoredValue::new(None::<Option<StateLabel>>);
    let pool_summary = move || {
        pool.with_untracked(|p| match p {
            Some(Ok(p)) => Some(p.extras.device_state_summary),
            _ => None,
        })
    };
    // `in_place`: a refresh - the rows shown stay until every page is read, then are
    // swapped at once, so the scroll position, the sort and the filter stay as they are.
    // Otherwise the first page replaces what is shown and later pages are appended.
    let reload = {
        let id = id.clone();
        move |in_place: bool| {
            let Some(client) = console.client.get_untracked() else {
                return;
            };
            let this = generation.fetch_add(1, Ordering::Relaxed) + 1;
            let alive = alive.clone();
            let generation = generation.clone();
            let current =
                move || alive.load(Ordering::Relaxed) && generation.load(Ordering::Relaxed) == this;
            let first = query.with_untracked(|query| first_page(&client, &id, query));
            let filter = query.with_untracked(|query| query.state);
            if !in_place {
                rows_read_with.set_value(None);
            }
            // The first read may have gone out as the page started.
            let early = (this == 1).then(|| take_early(&client, &first)).flatten();
            read_at.set_value(browser::now_ms());
            read_summary.set_value(pool_summary());
            loading.set(true);
            spawn_local(async move {
                let mut fresh = Vec::new();
                let progress = |page: &[DeviceState], first: bool| {
                    if !current() {
                        return false;
                    }
                    let new = page.iter().map(Row::from_state);
                    if in_place {
                        fresh.extend(new);
                    } else if first {
                        rows.set(Arc::new(new.collect()));
                    } else {
                        rows.update(|rows| Arc::make_mut(rows).extend(new));
                    }
                    true
                };
                let result = match early {
                    Some(sent) => http::all_pages_from_sent(&client, sent, progress).await,
                    None => http::all_pages_from(&client, first, progress).await,
                };
                if !current() {
                    return;
                }
                loading.set(false);
                match result {
                    Ok(states) => {
                        error.set(None);
                        rows_read_with.set_value(Some(filter));
                        if in_place || states.is_empty() {
                            devices::dedupe(&mut fresh);
                            rows.set(Arc::new(fresh));
                        } else {
                            rows.update(|rows| devices::dedupe(Arc::make_mut(rows)));
                        }
                    }
                    // What was shown stays, with the error above it.
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    reload(false);
    // Refreshes with the chart: on this server when the pool's summary (re-read every few
    // seconds) changes; on Graph, which sends no summary, at most every 30 seconds (every
    // page is read again: Graph's limits).
    {
        let reload = reload.clone();
        Effect::new(move |_| {
            pool.track();
            let Some(summary) = pool_summary() else {
                return;
            };
            // The pool was not read yet when the table's read began: the first summary to
            // arrive is the one of that read (a change after it is then seen as one).
            if read_summary.get_value().is_none() {
                read_summary.set_value(Some(summary));
            }
            if loading.get_untracked() {
                return;
            }
            let due = match summary {
                Some(_) => read_summary.get_value() != Some(summary),
                None => browser::now_ms() - read_at.get_value() >= COUNT_EVERY_MS,
            };
            if due {
                reload(true);
            }
        });
    }
    let shown = Memo::new(move |_| {
        let rows = rows.get();
        query.with(|q| devices::select(&rows, q))
    });
    // Retry is this server's action (Graph has none): a failed install gets a new code at
    // the device's next check-in.
    let can_retry = console
        .client
        .get_untracked()
        .is_some_and(|c| c.backend().has_project_routes());
    // A reader gets no retry button (the server refuses their writes anyway).
    let writable = console.can_write_now();
    let retry = Action::new_local({
        let id = id.clone();
        let reload = reload.clone();
        move |(client, state_id): &(Client, String)| {
            let (client, state_id, id) = (client.clone(), state_id.clone(), id.clone());
            let reload = reload.clone();
            async move {
                let result: Result<serde_json::Value, _> = http::send_json(
                    &client,
                    "POST",
                    &Resource::Retry(&id, &state_id),
                    &serde_json::json!({}),
                )
                .await;
                match result {
                    Ok(_) => reload(true),
                    Err(e) => error.set(Some(e)),
                }
            }
        }
    });
    let reload_filtered = reload.clone();
    let export = move |_| {
        let bytes = rows.with_untracked(|rows| {
            shown.with_untracked(|shown| {
                devices::to_csv(rows, shown, lang.get_untracked(), !can_retry)
            })
        });
        if let Err(e) = browser::download("device-status.csv", &bytes, "text/csv") {
            web_sys::console::error_2(&"download failed".into(), &e);
        }
    };
    let sort_by = move |column: Column| {
        query.update(|q| {
            if q.sort == column {
                q.descending = !q.descending;
            } else {
                q.sort = column;
                q.descending = false;
            }
        });
    };
    let headings = Column::ALL
        .into_iter()
        .map(|column| {
            let sorted = move || query.with(|q| q.sort == column);
            view! {
                <th
                    scope="col"
                    aria-sort=move || {
                        query.with(|q| match (q.sort == column, q.descending) {
                            (false, _) => "none",
                            (true, false) => "ascending",
                            (true, true) => "descending",
                        })
                    }
                >
                    <button type="button" class="sort" data-testid=testid::SORT data-column=format!("{column:?}") on:click=move |_| sort_by(column)>
                        {move || console.tr(column.label_on(!can_retry))}
                        <span aria-hidden="true">
                            {move || if !sorted() { "" } else if query.with(|q| q.descending) { " ▼" } else { " ▲" }}
                        </span>
                    </button>
                </th>
            }
        })
        .collect_view();
    // Every field of one device, at every width (a phone's table hides three columns): the
    // row's id while its dialog is open; the dialog follows the row as the table refreshes.
    let details = RwSignal::new(None::<String>);
    let details_row = Memo::new(move |_| {
        details.with(|id| {
            let id = id.as_deref()?;
            rows.with(|rows| rows.iter().find(|row| row.id == id).cloned())
        })
    });
    let details_heading = Signal::derive(move || {
        details_row.with(|row| {
            row.as_ref()
                .map(|row| row.device.clone())
                .unwrap_or_default()
        })
    });
    // The row's button when the row was drawn again while the dialog was open; the table
    // when the row is scrolled out of view.
    let details_opener = Callback::new(move |()| {
        let document = web_sys::window()?.document()?;
        let id = details.get_untracked()?;
        let button = format!(
            "[data-testid=\"{}\"][data-device-id=\"{id}\"] [data-testid=\"{}\"]",
            testid::DEVICE_ROW,
            testid::DEVICE_DETAILS
        );
        let found = document
            .query_selector(&button)
            .ok()
            .flatten()
            .or_else(|| {
                document
                    .query_selector(".devices .table-scroll")
                    .ok()
                    .flatten()
            })?;
        wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(found).ok()
    });
    let details_body = move || {
        details_row.get().map(|row| {
            let lang = lang.get();
            let field = |label: L, key: &'static str, value: String| {
                let value = if value.is_empty() { "—".to_owned() } else { value };
                view! {
                    <div data-field=key>
                        <dt>{console.tr(label)}</dt>
                        <dd>{value}</dd>
                    </div>
                }
            };
            view! {
                <dl class="details" data-testid=testid::DEVICE_DETAILS_LIST>
                    {field(L::ColDevice, "device", row.device.clone())}
                    {field(L::ColUser, "user", row.user.clone())}
                    {field(Column::Iccid.label_on(!can_retry), "iccid", row.iccid.clone())}
                    {field(L::ColState, "state", state_text(lang, row.state).to_owned())}
                    {field(L::ColDetails, "detail", super::labels::detail_text(lang, &row.details))}
                    {field(L::ColCellular, "cellular", super::labels::cellular_text(lang, row.state, &row.cellular))}
                    {field(L::ColLastSync, "lastSync", when(&row.last_sync))}
                </dl>
            }
        })
    };
    let body = move || {
        let rows = rows.get();
        let shown = shown.get();
        let range = devices::window(shown.len(), scroll_top.get());
        let above = range.start as f64 * devices::ROW_HEIGHT;
        let below = (shown.len() - range.end) as f64 * devices::ROW_HEIGHT;
        let lang = lang.get();
        let visible = shown[range.clone()]
            .iter()
            .enumerate()
            .map(|(offset, &i)| {
                let row = &rows[i];
                let state = row.state;
                let detail = (!row.details.is_empty()).then(|| view! { <span class="detail">{super::labels::detail_text(lang, &row.details)}</span> });
                let retry = (row.retryable && can_retry && writable).then(|| {
                    let state_id = row.id.clone();
                    let name = row.device.clone();
                    view! {
                        <button
                            type="button"
                            class="secondary small"
                            data-testid=testid::RETRY
                            aria-label=fill(console.tr(L::RetryNamed), &[("name", &name)])
                            disabled=move || retry.pending().get()
                            on:click=move |_| {
                                if let Some(client) = console.client.get_untracked() {
                                    retry.dispatch((client, state_id.clone()));
                                }
                            }
                        >
                            {console.tr(L::Retry)}
                        </button>
                    }
                });
                view! {
                    <tr
                        data-testid=testid::DEVICE_ROW
                        data-device-id=row.id.clone()
                        data-state=state_key(state)
                        aria-rowindex=(range.start + offset + 2).to_string()
                    >
                        <th scope="row">
                            <button
                                type="button"
                                class="link device-name"
                                aria-haspopup="dialog"
                                data-testid=testid::DEVICE_DETAILS
                                aria-label=fill(console.tr(L::DeviceDetailsOf), &[("name", &row.device)])
                                on:click={
                                    let id = row.id.clone();
                                    move |_| details.set(Some(id.clone()))
                                }
                            >
                                {row.device.clone()}
                            </button>
                        </th>
                        <td>{row.user.clone()}</td>
                        <td><code>{row.iccid.clone()}</code></td>
                        <td class=format!("state state-{}", state_key(state))>{state_text(lang, state)} {retry} {detail}</td>
                        <td>{super::labels::cellular_text(lang, state, &row.cellular)}</td>
                        <td>{when(&row.last_sync)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <tr class="spacer" aria-hidden="true" style:height=crate::source::px(above)></tr>
            {visible}
            <tr class="spacer" aria-hidden="true" style:height=crate::source::px(below)></tr>
        }
    };
    let options = StateLabel::WITH_UNKNOWN
        .iter()
        .map(|label| {
            let label = *label;
            view! { <option value=state_key(label)>{move || state_text(lang.get(), label)}</option> }
        })
        .collect_view();
    view! {
        <div class="devices">
            <div class="row toolbar">
                <div class="field">
                    <label for="state-filter">{move || console.tr(L::FilterByState)}</label>
                    <select
                        id="state-filter"
                        data-testid=testid::STATE_FILTER
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            query.update(|q| q.state = state_from_key(&value));
                            // The server filters: read the devices in this state - unless
                            // every device of the pool is in already (read with no filter,
                            // no read under way), when the browser answers at once and the
                            // next refresh reads only those devices.
                            let every_state = rows_read_with.get_value() == Some(None)
                                && !loading.get_untracked();
                            if server_side && !every_state {
                                reload_filtered(false);
                            }
                        }
                    >
                        <option value="">{move || console.tr(L::AllStates)}</option>
                        {options}
                    </select>
                </div>
                <div class="field">
                    <label for="device-search">{move || console.tr(L::Search)}</label>
                    <input
                        id="device-search"
                        type="search"
                        data-testid=testid::DEVICE_SEARCH
                        on:input=move |ev| {
                            let value = event_target_value(&ev);
                            query.update(|q| q.search = value);
                        }
                    />
                </div>
                <button type="button" class="secondary" data-testid=testid::EXPORT_CSV on:click=export>
                    {move || console.tr(L::ExportCsv)}
                </button>
                <button type="button" class="secondary" data-testid=testid::REFRESH on:click=move |_| reload(true)>
                    {move || console.tr(L::Refresh)}
                </button>
            </div>
            <p role="status" data-testid=testid::DEVICE_COUNT>
                {move || {
                    let n = shown.with(Vec::len);
                    // With the server filtering, the rows read are only the matching
                    // ones: the pool's summary counts them all.
                    let filtered_by_server = server_side && query.with(|q| q.state.is_some());
                    let summary_total = pool.with(|p| match p {
                        Some(Ok(p)) => p.extras.device_state_summary.map(|s| {
                            StateLabel::WITH_UNKNOWN.iter().map(|l| s.get(*l) as usize).sum::<usize>()
                        }),
                        _ => None,
                    });
                    let total = match summary_total {
                        Some(total) if filtered_by_server => total,
                        _ => rows.with(|r| r.len()),
                    };
                    let count = if crate::i18n::is_one(lang.get(), total) { L::DeviceCountOne } else { L::DeviceCount };
                    let mut text = fill(console.tr(count), &[("n", &num(lang.get(), n)), ("total", &num(lang.get(), total))]);
                    if loading.get() {
                        text.push(' ');
                        text.push_str(console.tr(L::StillLoading));
                    }
                    text
                }}
            </p>
            {move || error.get().map(|error| view! { <ErrorView error /> })}
            <div
                class="table-scroll"
                tabindex="0"
                role="region"
                aria-label=move || console.tr(L::TabDevices)
                style:max-height=crate::source::px(devices::VIEW_HEIGHT)
                on:scroll=move |ev| {
                    let target = event_target::<web_sys::Element>(&ev);
                    scroll_top.set(f64::from(target.scroll_top()));
                }
            >
                <table class="data devices-table" data-testid=testid::DEVICE_TABLE aria-rowcount=move || (shown.with(Vec::len) + 1).to_string()>
                    <thead>
                        <tr aria-rowindex="1">{headings}</tr>
                    </thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
            <DetailsDialog open=details heading=details_heading refocus=details_opener>
                {details_body}
            </DetailsDialog>
        </div>
    }
}

#[component]
fn Assignments(id: String) -> impl IntoView {
    let console = use_console();
    // The targets and the groups that can hold devices (esim-wire's
    // `Group::can_hold_devices`), read once; the editor starts from them.
    let targets = read(RwSignal::new(0u32), {
        let id = id.clone();
        move |client| {
            let id = id.clone();
            async move {
                let list =
                    http::all_pages::<AssignmentRead>(&client, &Resource::Assignments(&id)).await?;
                let groups = http::all_pages::<Group>(&client, &Resource::Groups).await?;
                let groups = groups.into_iter().filter(Group::can_hold_devices).collect();
                Ok::<_, ApiError>((AssignmentSet::from_read(list), groups))
            }
        }
    });
    view! {
        <div class="assignments">
            <p class="notice" data-testid=testid::NO_USERS>{move || console.tr(L::NoUsers)}</p>
            <Reading>
                {
                    let id = id.clone();
                    move || {
                        let id = id.clone();
                        Suspend::new(async move {
                            targets.await.map(|(set, groups)| view! { <AssignmentEditor id set groups /> })
                        })
                    }
                }
            </Reading>
        </div>
    }
}

/// The included and excluded groups, edited here and saved at once.
#[component]
fn AssignmentEditor(id: String, set: AssignmentSet, groups: Vec<Group>) -> impl IntoView {
    let console = use_console();
    // The set as read: saving sends back every target not edited exactly as read (Graph's
    // assignment filters and target types this console does not edit included).
    let targets = RwSignal::new(set);
    let groups = StoredValue::new(groups);
    let pick = RwSignal::new(String::new());
    let exclude = RwSignal::new(false);
    // How many devices each targeted group has (each group read once, as Intune shows): a
    // resource over the targeted groups that reads only the ones not counted yet.
    let known = StoredValue::new(std::collections::HashMap::<String, usize>::new());
    let member_counts = LocalResource::new(move || {
        let ids: Vec<String> = targets.with(|ts| ts.groups().map(|(g, _)| g.to_owned()).collect());
        let client = console.client.get();
        async move {
            if let Some(client) = client {
                for group_id in ids {
                    if known.with_value(|k| k.contains_key(&group_id)) {
                        continue;
                    }
                    if let Ok(members) =
                        http::all_pages::<Device>(&client, &Resource::Members(&group_id)).await
                    {
                        known.update_value(|k| {
                            k.insert(group_id, members.len());
                        });
                    }
                }
            }
            known.get_value()
        }
    });
    let name_of = move |group_id: &str| {
        groups.with_value(|gs| {
            gs.iter()
                .find(|g| g.id == group_id)
                .map_or_else(|| group_id.to_owned(), |g| g.display_name.clone())
        })
    };
    // Saving is an action; its answer shows until the set is edited again.
    let save = Action::new_local(move |(client, request): &(Client, AssignRequest)| {
        let (client, request, id) = (client.clone(), request.clone(), id.clone());
        async move {
            http::send_json::<_, serde_json::Value>(
                &client,
                "POST",
                &Resource::Assign(&id),
                &request,
            )
            .await
            .map(|_| ())
        }
    });
    let saved = save.value();
    let add = move |_| {
        let group_id = pick.get_untracked();
        if group_id.is_empty() {
            return;
        }
        let exclude = exclude.get_untracked();
        targets.update(|ts| ts.set(&group_id, exclude));
        pick.set(String::new());
        saved.set(None);
    };
    let send = move |_| {
        let Some(client) = console.client.get_untracked() else {
            return;
        };
        save.dispatch((client, targets.with_untracked(AssignmentSet::request)));
    };
    let list = move |exclude: bool| {
        let testid = if exclude {
            testid::EXCLUDED
        } else {
            testid::INCLUDED
        };
        view! {
            <ul class="targets" data-testid=testid>
                {move || {
                    let shown: Vec<String> = targets.with(|ts| {
                        ts.groups()
                            .filter(|(_, x)| *x == exclude)
                            .map(|(g, _)| g.to_owned())
                            .collect()
                    });
                    shown
                        .into_iter()
                        .map(|group_id| {
                            let name = name_of(&group_id);
                            let shown = name.clone();
                            let item = group_id.clone();
                            let counted = group_id.clone();
                            let members = move || {
                                member_counts
                                    .get()
                                    .and_then(|counts| counts.get(&counted).copied())
                                    .map(|n| {
                                        let lang = console.lang.get();
                                        let label = if crate::i18n::is_one(lang, n) { L::MemberCountOne } else { L::MemberCount };
                                        fill(console.tr(label), &[("n", &num(lang, n))])
                                    })
                            };
                            view! {
                                <li data-group-id=item>
                                    <span>{shown}</span>
                                    " "
                                    <span class="hint" data-testid=testid::MEMBER_COUNT>{members}</span>
                                    <button
                                        type="button"
                                        class="secondary"
                                        data-testid=testid::REMOVE_ASSIGNMENT
                                        aria-label=move || fill(console.tr(L::RemoveNamed), &[("name", &name)])
                                        on:click=move |_| {
                                            targets.update(|ts| ts.remove(&group_id));
                                            saved.set(None);
                                        }
                                    >
                                        {move || console.tr(L::Remove)}
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
        }
    };
    view! {
        {move || {
            let n = targets.with(AssignmentSet::others);
            (n > 0).then(|| view! { <p class="notice">{crate::i18n::counted(console.lang.get(), n, L::OtherTargetsOne, L::OtherTargets)}</p> })
        }}
        <div class="columns">
            <section aria-labelledby="included-heading">
                <h2 id="included-heading">{move || console.tr(L::Included)}</h2>
                {list(false)}
            </section>
            <section aria-labelledby="excluded-heading">
                <h2 id="excluded-heading">{move || console.tr(L::Excluded)}</h2>
                {list(true)}
            </section>
        </div>
        {console.can_write_now().then(|| view! {
        <div class="row toolbar">
            <div class="field">
                <label for="assign-group">{move || console.tr(L::GroupToAdd)}</label>
                <select
                    id="assign-group"
                    data-testid=testid::ASSIGN_GROUP
                    prop:value=move || pick.get()
                    on:change=move |ev| pick.set(event_target_value(&ev))
                >
                    <option value="">{move || console.tr(L::ChooseGroup)}</option>
                    {groups
                        .get_value()
                        .into_iter()
                        .map(|g| view! { <option value=g.id.clone()>{g.display_name.clone()}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="assign-mode">{move || console.tr(L::AssignMode)}</label>
                <select
                    id="assign-mode"
                    data-testid=testid::ASSIGN_MODE
                    on:change=move |ev| exclude.set(event_target_value(&ev) == "exclude")
                >
                    <option value="include">{move || console.tr(L::Include)}</option>
                    <option value="exclude">{move || console.tr(L::Exclude)}</option>
                </select>
            </div>
            <button type="button" class="secondary" data-testid=testid::ADD_ASSIGNMENT on:click=add>
                {move || console.tr(L::Add)}
            </button>
        </div>
        <p class="hint">
            <a href=Route::Groups.href()>{move || console.tr(L::ManageGroups)}</a>
        </p>
        <button type="button" data-testid=testid::SAVE_ASSIGNMENTS disabled=move || save.pending().get() on:click=send>
            {move || console.tr(L::SaveAssignments)}
        </button>
        })}
        {move || match saved.get() {
            Some(Ok(())) => Some(view! { <p class="ok" role="status" data-testid=testid::SAVED>{console.tr(L::Saved)}</p> }.into_any()),
            Some(Err(error)) => Some(view! { <ErrorView error /> }.into_any()),
            None => None,
        }}
    }
}
