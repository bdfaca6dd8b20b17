//! Device groups and their devices (the directory routes): the brief's step 2, "create a
//! device group", done from the console.

use esim_wire::{Device, DeviceCreate, Group, GroupCreate, MemberRef};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::labels::Label as L;
use super::route::Route;
use super::state::{read, use_console, when};
use super::widgets::{Confirm, ConfirmDialog, DoneStatus, ErrorView, Reading, TextField};
use crate::api::{http, ApiError, Client, Resource};
use crate::dom::testid;
use crate::i18n::{fill, Text};

#[component]
pub fn GroupsPage() -> impl IntoView {
    let console = use_console();
    let version = RwSignal::new(0u32);
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let groups = read(version, |client| async move {
        http::all_pages::<Group>(&client, &Resource::Groups).await
    });
    let add = Action::new_local(move |(client, display_name): &(Client, String)| {
        let client = client.clone();
        // What Graph requires of a security group; this server reads the name.
        let body = GroupCreate::security_group(display_name, None);
        async move {
            let result: Result<Group, _> =
                http::send_json(&client, "POST", &Resource::Groups, &body).await;
            match result {
                Ok(_) => {
                    error.set(None);
                    name.set(String::new());
                    version.update(|v| *v += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let display_name = name.get_untracked().trim().to_owned();
        if let (Some(client), false) = (console.client.get_untracked(), display_name.is_empty()) {
            add.dispatch((client, display_name));
        }
    };
    view! {
        <section class="groups" aria-labelledby="groups-heading">
            <h1 id="groups-heading">{move || console.tr(L::GroupsTitle)}</h1>
            <p>{move || console.tr(L::GroupsIntro)}</p>
            {console.can_write_now().then(|| view! {
                <form class="row toolbar" on:submit=create>
                    <TextField
                        id="new-group-name"
                        label=L::NewGroupName
                        testid=testid::NEW_GROUP_NAME
                        value=name
                        required=true
                    />
                    <button type="submit" data-testid=testid::CREATE_GROUP disabled=move || add.pending().get()>
                        {move || console.tr(L::CreateGroup)}
                    </button>
                </form>
            })}
            {move || error.get().map(|error| view! { <ErrorView error /> })}
            <Reading>
                {move || Suspend::new(async move {
                    groups.await.map(|list| view! { <GroupsTable list /> })
                })}
            </Reading>
        </section>
    }
}

/// The groups that can hold devices (on Graph the tenant's other groups are listed too;
/// how many others there are is said).
#[component]
fn GroupsTable(list: Vec<Group>) -> impl IntoView {
    let console = use_console();
    let (list, others): (Vec<Group>, Vec<Group>) =
        list.into_iter().partition(Group::can_hold_devices);
    let hidden = (!others.is_empty()).then(|| {
        view! {
            <p class="hint" data-testid=testid::OTHER_GROUPS>
                {move || crate::i18n::counted(console.lang.get(), others.len(), L::OtherGroupsHiddenOne, L::OtherGroupsHidden)}
            </p>
        }
    });
    if list.is_empty() {
        return view! { <p class="notice">{move || console.tr(L::NoGroups)}</p> {hidden} }
            .into_any();
    }
    let rows = list
        .into_iter()
        .map(|g| {
            let href = Route::Group { id: g.id.clone() }.href();
            view! {
                <tr data-testid=testid::GROUP_ROW data-group-id=g.id.clone()>
                    <th scope="row"><a href=href data-testid=testid::GROUP_LINK>{g.display_name.clone()}</a></th>
                    <td>{g.description.clone().unwrap_or_default()}</td>
                    <td>{when(&g.created_date_time)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {hidden}
        <table class="data">
            <caption class="visually-hidden">{move || console.tr(L::GroupsTitle)}</caption>
            <thead>
                <tr>
                    <th scope="col">{move || console.tr(L::Name)}</th>
                    <th scope="col">{move || console.tr(L::Description)}</th>
                    <th scope="col">{move || console.tr(L::Created)}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// What the group page has read.
#[derive(Debug, Clone)]
struct Directory {
    group: Group,
    members: Vec<Device>,
    devices: Vec<Device>,
}

#[component]
pub fn GroupPage(id: String) -> impl IntoView {
    let console = use_console();
    let version = RwSignal::new(0u32);
    let error = RwSignal::new(None::<ApiError>);
    let device_name = RwSignal::new(String::new());
    let device_user = RwSignal::new(String::new());
    let pick = RwSignal::new(String::new());
    // Graph's devices come from enrollment: only this server creates them.
    let can_create_devices = console
        .client
        .get_untracked()
        .is_some_and(|c| c.backend().has_project_routes());
    let load_id = id.clone();
    let directory = read(version, move |client| {
        let id = load_id.clone();
        async move {
            let group = http::get::<Group>(&client, &Resource::Group(&id)).await?;
            let members = http::all_pages::<Device>(&client, &Resource::Members(&id)).await?;
            let devices = http::all_pages::<Device>(&client, &Resource::Devices).await?;
            Ok::<_, ApiError>(Directory {
                group,
                members,
                devices,
            })
        }
    });
    // The writes are actions: adding a device (by reference, as Graph does), creating one
    // (then adding it), removing one. While one runs, their buttons are disabled; after
    // one, the page is read again.
    let added = move |result: Result<(), ApiError>| match result {
        Ok(()) => {
            error.set(None);
            pick.set(String::new());
            version.update(|v| *v += 1);
        }
        Err(e) => error.set(Some(e)),
    };
    let add = Action::new_local({
        let id = id.clone();
        move |(client, device): &(Client, String)| {
            let (client, device, id) = (client.clone(), device.clone(), id.clone());
            async move { added(add_member(&client, &id, &device).await) }
        }
    });
    let create = Action::new_local({
        let id = id.clone();
        move |(client, body): &(Client, DeviceCreate)| {
            let (client, body, id) = (client.clone(), body.clone(), id.clone());
            async move {
                let result: Result<Device, _> =
                    http::send_json(&client, "POST", &Resource::Devices, &body).await;
                match result {
                    Ok(device) => {
                        device_name.set(String::new());
                        device_user.set(String::new());
                        added(add_member(&client, &id, &device.id).await);
                    }
                    Err(e) => error.set(Some(e)),
                }
            }
        }
    });
    let done = RwSignal::new(None::<String>);
    let remove = Action::new_local(
        move |(client, group, device, name): &(Client, String, String, String)| {
            let (client, group, device, name) =
                (client.clone(), group.clone(), device.clone(), name.clone());
            async move {
                match http::delete(&client, &Resource::MemberRef(&group, &device)).await {
                    Ok(()) => {
                        let lang = console.lang.get_untracked();
                        done.set(Some(fill(
                            L::RemovedFromGroup.text(lang),
                            &[("name", &name)],
                        )));
                        // The row (and its button) goes: the focus goes to what was done.
                        crate::browser::focus_id_soon("group-done");
                        version.update(|v| *v += 1);
                    }
                    Err(e) => error.set(Some(e)),
                }
            }
        },
    );
    let busy = move || add.pending().get() || create.pending().get() || remove.pending().get();
    let add_picked = move |_| {
        let device = pick.get_untracked();
        if let (Some(client), false) = (console.client.get_untracked(), device.is_empty()) {
            add.dispatch((client, device));
        }
    };
    let create_device = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let display_name = device_name.get_untracked().trim().to_owned();
        let Some(client) = console.client.get_untracked() else {
            return;
        };
        if display_name.is_empty() {
            return;
        }
        let user = device_user.get_untracked().trim().to_owned();
        let body = DeviceCreate {
            display_name,
            user_name: (!user.is_empty()).then_some(user),
            operating_system: None,
            is_esim_capable: true,
        };
        create.dispatch((client, body));
    };
    // Removing a device from the group removes its eSIM profile: asked first, told after.
    let removing = StoredValue::new(None::<(String, String, String)>);
    let ask = RwSignal::new(None::<Confirm>);
    let remove_member = move |group: String, device: String, name: String| {
        let group_name = directory
            .get_untracked()
            .and_then(Result::ok)
            .map(|d| d.group.display_name)
            .unwrap_or_default();
        ask.set(Some(Confirm {
            question: L::ConfirmRemoveMember,
            names: vec![("name", name.clone()), ("group", group_name)],
            consequence: L::RemoveMemberConsequence,
            action: L::RemoveFromGroupAction,
        }));
        removing.set_value(Some((group, device, name)));
    };
    let confirmed = Callback::new(move |()| {
        if let (Some((group, device, name)), Some(client)) =
            (removing.get_value(), console.client.get_untracked())
        {
            remove.dispatch((client, group, device, name));
        }
    });
    view! {
        <section class="group" aria-labelledby="group-heading">
            <p class="crumbs"><a href=Route::Groups.href()>{move || console.tr(L::NavGroups)}</a></p>
            <h1 id="group-heading">
                {move || match directory.get() {
                    Some(Ok(d)) => d.group.display_name,
                    _ => console.tr(L::GroupTitle).to_owned(),
                }}
            </h1>
            <GroupIdField id=id.clone() />
            {move || error.get().map(|error| view! { <ErrorView error /> })}
            <DoneStatus id="group-done" done />
            <ConfirmDialog ask on_confirm=confirmed confirm_testid=testid::CONFIRM_REMOVE />
            <Reading>
                {move || Suspend::new(async move {
                    directory.await.map(|d| view! { <Membership d busy remove_member add_picked pick /> })
                })}
            </Reading>
            {(!can_create_devices).then(|| view! {
                <p class="notice" data-testid=testid::NO_DEVICE_CREATE>{move || console.tr(L::GraphNoDeviceCreate)}</p>
            })}
            {(can_create_devices && console.can_write_now()).then(|| view! {
                <form class="row toolbar" on:submit=create_device>
                    <TextField
                        id="new-device-name"
                        label=L::NewDeviceName
                        testid=testid::NEW_DEVICE_NAME
                        value=device_name
                        required=true
                    />
                    <TextField
                        id="new-device-user"
                        label=L::NewDeviceUser
                        testid=testid::NEW_DEVICE_USER
                        value=device_user
                    />
                    <button type="submit" data-testid=testid::CREATE_DEVICE disabled=busy>
                        {move || console.tr(L::CreateDevice)}
                    </button>
                </form>
            })}
        </section>
    }
}

/// Adds the device to the group by reference, as Graph does.
async fn add_member(client: &Client, group: &str, device: &str) -> Result<(), ApiError> {
    let reference = MemberRef {
        odata_id: format!("{}/v1.0/devices/{device}", client.base()),
    };
    http::send_json::<_, serde_json::Value>(
        client,
        "POST",
        &Resource::MemberRefs(group),
        &reference,
    )
    .await
    .map(|_| ())
}

/// The group's members (each with Remove) and the devices that can be added.
#[component]
fn Membership<B, R, A>(
    d: Directory,
    busy: B,
    remove_member: R,
    add_picked: A,
    pick: RwSignal<String>,
) -> impl IntoView
where
    B: Fn() -> bool + Copy + Send + Sync + 'static,
    R: Fn(String, String, String) + Copy + Send + Sync + 'static,
    A: Fn(leptos::ev::MouseEvent) + Copy + Send + Sync + 'static,
{
    let console = use_console();
    let group_id = d.group.id.clone();
    let candidates: Vec<Device> = d
        .devices
        .iter()
        .filter(|device| !d.members.iter().any(|m| m.id == device.id))
        .cloned()
        .collect();
    let members = d
        .members
        .iter()
        .map(|m| {
            let group = group_id.clone();
            let device = m.id.clone();
            let name = m.display_name.clone();
            view! {
                <tr data-testid=testid::MEMBER_ROW data-device-id=m.id.clone()>
                    <th scope="row">{m.display_name.clone()}</th>
                    <td>{m.user_name.clone().unwrap_or_default()}</td>
                    <td>{m.operating_system.clone().unwrap_or_default()}</td>
                    <td>{m.last_sync_date_time.as_deref().map(when).unwrap_or_default()}</td>
                    <td>
                        <button
                            type="button"
                            class="secondary"
                            data-testid=testid::REMOVE_MEMBER
                            aria-label=fill(console.tr(L::RemoveFromGroup), &[("name", &name)])
                            disabled=busy
                            on:click={
                                let name = name.clone();
                                move |_| remove_member(group.clone(), device.clone(), name.clone())
                            }
                        >
                            {console.tr(L::Remove)}
                        </button>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h2>{console.tr(L::Members)}</h2>
        {if d.members.is_empty() {
            view! { <p class="notice">{console.tr(L::NoMembers)}</p> }.into_any()
        } else {
            view! {
                <table class="data cards">
                    <caption class="visually-hidden">{console.tr(L::Members)}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{console.tr(L::ColDevice)}</th>
                            <th scope="col">{console.tr(L::ColUser)}</th>
                            <th scope="col">{console.tr(L::OperatingSystem)}</th>
                            <th scope="col">{console.tr(L::ColLastSync)}</th>
                            <th scope="col">{console.tr(L::Actions)}</th>
                        </tr>
                    </thead>
                    <tbody>{members}</tbody>
                </table>
            }
            .into_any()
        }}
        <h2>{console.tr(L::AddDevices)}</h2>
        <div class="row toolbar">
            <div class="field">
                <label for="device-pick">{console.tr(L::ExistingDevice)}</label>
                <select
                    id="device-pick"
                    data-testid=testid::DEVICE_PICK
                    prop:value=move || pick.get()
                    on:change=move |ev| pick.set(event_target_value(&ev))
                >
                    <option value="">{console.tr(L::ChooseDevice)}</option>
                    {candidates
                        .into_iter()
                        .map(|device| {
                            let text = match &device.user_name {
                                Some(user) => format!("{} ({user})", device.display_name),
                                None => device.display_name.clone(),
                            };
                            view! { <option value=device.id.clone()>{text}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <button type="button" class="secondary" data-testid=testid::ADD_MEMBER disabled=busy on:click=add_picked>
                {console.tr(L::AddToGroup)}
            </button>
        </div>
    }
}

/// The group's id, to copy (the simulator and Graph's requests name groups by it): a
/// read-only field and a Copy button; where the clipboard is refused, the id is selected
/// for Ctrl+C.
#[component]
fn GroupIdField(id: String) -> impl IntoView {
    let console = use_console();
    let input = NodeRef::<leptos::html::Input>::new();
    let status = RwSignal::new(None::<L>);
    let copy = {
        let id = id.clone();
        move |_| {
            let id = id.clone();
            spawn_local(async move {
                if crate::browser::copy_text(&id).await {
                    status.set(Some(L::Copied));
                } else {
                    if let Some(input) = input.get_untracked() {
                        let _ = input.focus();
                        input.select();
                    }
                    status.set(Some(L::CopyByHand));
                }
            });
        }
    };
    // Focusing the field selects the id, ready for Ctrl+C.
    let select_all = move |ev: leptos::ev::FocusEvent| {
        event_target::<web_sys::HtmlInputElement>(&ev).select();
    };
    view! {
        <div class="field group-id">
            <label for="group-id">{move || console.tr(L::GroupId)}</label>
            <div class="row">
                <input
                    id="group-id"
                    type="text"
                    readonly
                    value=id
                    node_ref=input
                    data-testid=testid::GROUP_ID
                    on:focus=select_all
                />
                <button type="button" class="secondary" data-testid=testid::COPY_GROUP_ID on:click=copy>
                    {move || console.tr(L::CopyGroupId)}
                </button>
                <span role="status" data-testid=testid::COPY_STATUS>
                    {move || status.get().map(|label| console.tr(label))}
                </span>
            </div>
        </div>
    }
}
