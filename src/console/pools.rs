//! The pools list: name, SM-DP+ address, codes used / total, groups, status, created;
//! rename and delete (with confirmation).

use esim_wire::{Pool, PoolPatch, StateLabel, StateSummary};
use leptos::prelude::*;

use super::labels::Label as L;
use super::route::{PoolTab, Route};
use super::state::{num, read, use_console, when};
use super::widgets::{Confirm, ConfirmDialog, DoneStatus, ErrorView, Reading};
use crate::api::{http, ApiError, Client, Resource};
use crate::dom::testid;
use crate::i18n::{fill, Lang, Text};

/// "2 Active, 1 Activation pending" (the labels with a count, in the chart's order).
pub fn summary_text(lang: Lang, summary: &StateSummary) -> String {
    let parts: Vec<String> = StateLabel::WITH_UNKNOWN
        .iter()
        .filter(|label| summary.get(**label) > 0)
        .map(|label| {
            format!(
                "{} {}",
                num(lang, summary.get(*label)),
                super::chart::state_text(lang, *label)
            )
        })
        .collect();
    if parts.is_empty() {
        L::NoDevicesYet.text(lang).to_owned()
    } else {
        parts.join(", ")
    }
}

#[component]
pub fn PoolsPage() -> impl IntoView {
    let console = use_console();
    let version = RwSignal::new(0u32);
    let done = RwSignal::new(None::<String>);
    let pools = read(version, |client| async move {
        http::all_pages::<Pool>(&client, &Resource::Pools).await
    });
    view! {
        <section class="pools" aria-labelledby="pools-heading">
            <div class="page-title">
                <h1 id="pools-heading">{move || console.tr(L::PoolsTitle)}</h1>
                // As in Intune: Import on the list. A file is checked before it is uploaded.
                <a class="button" href=Route::Check.href() data-testid=testid::IMPORT_POOL>
                    {move || console.tr(L::Import)}
                </a>
            </div>
            <p>
                {move || console.tr(L::PoolsIntro)} " "
                <a href=Route::Check.href()>{move || console.tr(L::NavCheck)}</a>
            </p>
            <DoneStatus id="pools-done" done />
            <Reading>
                {move || Suspend::new(async move {
                    pools.await.map(|list| {
                        if list.is_empty() {
                            view! {
                                <p class="notice" data-testid=testid::NO_POOLS>{move || console.tr(L::NoPools)}</p>
                            }
                            .into_any()
                        } else {
                            view! { <PoolsTable list version done /> }.into_any()
                        }
                    })
                })}
            </Reading>
        </section>
    }
}

#[component]
fn PoolsTable(
    list: Vec<Pool>,
    version: RwSignal<u32>,
    done: RwSignal<Option<String>>,
) -> impl IntoView {
    let console = use_console();
    let rows = list
        .into_iter()
        .map(|pool| view! { <PoolRow pool version done /> })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="data cards pools-table">
                <caption class="visually-hidden">{move || console.tr(L::PoolsTitle)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{move || console.tr(L::Name)}</th>
                        <th scope="col">{move || crate::i18n::t(console.lang.get(), crate::i18n::Label::SmdpAddress)}</th>
                        <th scope="col">{move || console.tr(L::CodesUsed)}</th>
                        <th scope="col">{move || console.tr(L::Groups)}</th>
                        <th scope="col">{move || console.tr(L::Status)}</th>
                        <th scope="col">{move || console.tr(L::Created)}</th>
                        <th scope="col">{move || console.tr(L::Actions)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn PoolRow(pool: Pool, version: RwSignal<u32>, done: RwSignal<Option<String>>) -> impl IntoView {
    let console = use_console();
    let lang = console.lang;
    let name = RwSignal::new(pool.display_name.clone());
    let editing = RwSignal::new(false);
    let ask = RwSignal::new(None::<Confirm>);
    let error = RwSignal::new(None::<ApiError>);
    let id = pool.id.clone();
    let href = Route::Pool {
        id: id.clone(),
        tab: PoolTab::Overview,
    }
    .href();
    let extras = pool.extras.clone();
    let total = pool.activation_code_count;
    let unknown = move || console.tr(L::Unknown).to_owned();
    let smdp = extras.smdp_plus_server_address.clone();
    let used = extras.used_activation_code_count;
    let groups = match (extras.included_group_count, extras.excluded_group_count) {
        (Some(i), Some(e)) => Some((i, e)),
        _ => None,
    };
    let summary = extras.device_state_summary;
    // Rename and delete are actions: a request each, `pending` while it runs; the list is
    // read again after either.
    let rename = Action::new_local({
        let id = id.clone();
        move |(client, patch): &(Client, PoolPatch)| {
            let (client, patch, id) = (client.clone(), patch.clone(), id.clone());
            async move {
                let result: Result<Pool, _> =
                    http::send_json(&client, "PATCH", &Resource::Pool(&id), &patch).await;
                match result {
                    Ok(_) => {
                        error.set(None);
                        editing.set(false);
                        version.update(|v| *v += 1);
                    }
                    Err(e) => error.set(Some(e)),
                }
            }
        }
    });
    let deleted_name = pool.display_name.clone();
    let remove = Action::new_local({
        let id = id.clone();
        move |client: &Client| {
            let (client, id) = (client.clone(), id.clone());
            let name = deleted_name.clone();
            async move {
                match http::delete(&client, &Resource::Pool(&id)).await {
                    Ok(()) => {
                        let lang = console.lang.get_untracked();
                        done.set(Some(fill(L::PoolDeleted.text(lang), &[("name", &name)])));
                        // The row (and its button) goes: the focus goes to what was done.
                        crate::browser::focus_id_soon("pools-done");
                        version.update(|v| *v += 1);
                    }
                    Err(e) => error.set(Some(e)),
                }
            }
        }
    });
    let busy = move || rename.pending().get() || remove.pending().get();
    let save_name = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(client) = console.client.get_untracked() {
            rename.dispatch((client, PoolPatch::rename(name.get_untracked().trim())));
        }
    };
    let delete = Callback::new(move |()| {
        if let Some(client) = console.client.get_untracked() {
            remove.dispatch(client);
        }
    });
    let asked_name = pool.display_name.clone();
    let ask_delete = move |_| {
        ask.set(Some(Confirm {
            question: L::ConfirmDeletePool,
            names: vec![("name", asked_name.clone())],
            consequence: L::ConfirmDelete,
            action: L::Delete,
        }));
    };
    let input_id = format!("rename-{id}");
    let shown_name = pool.display_name.clone();
    // A reader sees no write controls (the server refuses their writes anyway).
    let writable = console.can_write_now();
    view! {
        <tr data-testid=testid::POOL_ROW data-pool-id=id.clone()>
            <th scope="row">
                {move || {
                    if editing.get() {
                        let input_id = input_id.clone();
                        view! {
                            <form class="row" on:submit=save_name>
                                <label class="visually-hidden" for=input_id.clone()>{console.tr(L::NewName)}</label>
                                <input
                                    id=input_id
                                    type="text"
                                    required
                                    data-testid=testid::RENAME_INPUT
                                    prop:value=move || name.get()
                                    on:input=move |ev| name.set(event_target_value(&ev))
                                />
                                <button type="submit" data-testid=testid::RENAME_SAVE disabled=busy>
                                    {console.tr(L::Save)}
                                </button>
                                <button type="button" class="secondary" on:click=move |_| editing.set(false)>
                                    {console.tr(L::CancelAction)}
                                </button>
                            </form>
                        }
                        .into_any()
                    } else {
                        view! {
                            <a href=href.clone() data-testid=testid::POOL_LINK>{shown_name.clone()}</a>
                        }
                        .into_any()
                    }
                }}
            </th>
            <td data-testid=testid::POOL_SMDP data-label=move || crate::i18n::t(lang.get(), crate::i18n::Label::SmdpAddress)>{smdp.clone().unwrap_or_else(unknown)}</td>
            <td class="number" data-testid=testid::POOL_USED data-label=move || console.tr(L::CodesUsed)>
                {move || match used {
                    Some(used) => format!("{} / {}", num(lang.get(), used), num(lang.get(), total)),
                    None => format!("? / {}", num(lang.get(), total)),
                }}
            </td>
            <td data-testid=testid::POOL_GROUPS data-label=move || console.tr(L::Groups)>
                {move || match groups {
                    Some((i, e)) => fill(console.tr(L::GroupCounts), &[("included", &num(lang.get(), i)), ("excluded", &num(lang.get(), e))]),
                    None => unknown(),
                }}
            </td>
            <td data-testid=testid::POOL_STATUS data-label=move || console.tr(L::Status)>
                {move || summary.map_or_else(unknown, |s| summary_text(lang.get(), &s))}
            </td>
            <td class="date" data-label=move || console.tr(L::Created)>{when(&pool.created_date_time)}</td>
            <td class="actions">
                {writable.then(|| view! {
                    <button
                        type="button"
                        class="secondary"
                        data-testid=testid::RENAME
                        on:click=move |_| editing.set(true)
                    >
                        {move || console.tr(L::Rename)}
                    </button>
                    <button
                        type="button"
                        class="secondary"
                        data-testid=testid::DELETE
                        disabled=busy
                        on:click=ask_delete.clone()
                    >
                        {move || console.tr(L::Delete)}
                    </button>
                })}
                <ConfirmDialog
                    ask
                    on_confirm=delete
                    confirm_testid=testid::CONFIRM_DELETE
                    cancel_testid=testid::CANCEL_DELETE
                />
                {move || error.get().map(|error| view! { <ErrorView error /> })}
            </td>
        </tr>
    }
}
