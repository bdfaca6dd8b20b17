//! The console's API client against recorded Microsoft Graph responses
//! (`tests/data/graph/`): what the console shows when its base URL is Graph's.

#![cfg(not(target_arch = "wasm32"))]

use esim_console::api::{decode, ApiError, Backend, Client, Resource};
use esim_wire::{Collection, DeviceState, DeviceStateKind, Pool, StateLabel};

fn recorded(name: &str) -> String {
    let path = format!("{}/tests/data/graph/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const JSON: Option<&str> = Some("application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8");

#[test]
fn a_graph_base_url_is_graph_and_lacks_the_project_routes() {
    let c = Client::new("https://graph.microsoft.com", "token");
    assert_eq!(c.backend(), Backend::Graph);
    assert!(!c.backend().has_project_routes());
    assert_eq!(
        c.url(&Resource::Pools),
        "https://graph.microsoft.com/beta/deviceManagement/embeddedSIMActivationCodePools"
    );
}

#[test]
fn pools_list_decodes_and_keeps_the_next_link_unchanged() {
    let page: Collection<Pool> = decode(200, JSON, &recorded("pools-list.json")).unwrap();
    assert_eq!(page.value.len(), 1);
    let pool = &page.value[0];
    assert_eq!(pool.id, "ec308741-8741-ec30-4187-30ec418730ec");
    assert_eq!(pool.display_name, "Display Name value");
    assert_eq!(pool.activation_code_count, 3);
    assert_eq!(
        page.next_link.as_deref(),
        Some("https://graph.microsoft.com/beta/deviceManagement/embeddedSIMActivationCodePools?$skiptoken=X2lkPTE")
    );
}

#[test]
fn device_states_decode_with_the_brief_labels() {
    let page: Collection<DeviceState> =
        decode(200, JSON, &recorded("device-states-list.json")).unwrap();
    let states: Vec<(DeviceStateKind, StateLabel)> = page
        .value
        .iter()
        .map(|s| (s.state, s.state.label()))
        .collect();
    assert_eq!(
        states,
        [
            (DeviceStateKind::Failed, StateLabel::Failed),
            (DeviceStateKind::RemovedByUser, StateLabel::Removed),
        ]
    );
    // Graph has no ICCID or cellular status on a device state.
    assert!(page
        .value
        .iter()
        .all(|s| s.iccid.is_none() && s.cellular_status.is_none()));
    assert_eq!(page.value[1].last_sync_date_time, None);
}

#[test]
fn graph_errors_become_typed_errors_with_the_request_id() {
    let body = recorded("error-forbidden.json");
    assert_eq!(
        decode::<Pool>(403, JSON, &body),
        Err(ApiError::Forbidden(
            "Application is not authorized to perform this operation.".into()
        ))
    );
    let e = decode::<Pool>(400, JSON, &body).unwrap_err();
    assert_eq!(e.request_id(), Some("c2a0b1f2-3d4e-4f50-8a9b-0c1d2e3f4a5b"));
    assert_eq!(
        decode::<Pool>(401, JSON, &body),
        Err(ApiError::Unauthorized)
    );
}

/// Graph's documented `assign` response targets `deviceAndAppManagementAssignmentTarget`,
/// a type this project never writes: reading it must not fail.
#[test]
fn assignments_with_targets_we_never_write_are_read() {
    use esim_wire::{AssignmentRead, TargetKind};
    let page: Collection<AssignmentRead> =
        decode(200, JSON, &recorded("assign-response.json")).unwrap();
    let kinds: Vec<(TargetKind, Option<&str>)> = page
        .value
        .iter()
        .map(|a| (a.target.kind(), a.target.group_id()))
        .collect();
    assert_eq!(
        kinds,
        [
            (TargetKind::Other, None),
            (
                TargetKind::ExclusionGroup,
                Some("b2a1c3d4-0000-4000-8000-000000000001")
            ),
        ]
    );
    // What this server accepts stays strict.
    assert!(decode::<Collection<esim_wire::Assignment>>(
        200,
        JSON,
        &recorded("assign-response.json")
    )
    .is_err());
}

/// The JSON objects that follow `"target":` in compact JSON, as written.
fn targets(json: &str) -> Vec<&str> {
    json.match_indices("\"target\":{")
        .map(|(at, key)| {
            let start = at + key.len() - 1;
            let mut depth = 0;
            let end = json[start..]
                .char_indices()
                .find_map(|(i, c)| {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    (depth == 0).then_some(start + i + 1)
                })
                .expect("balanced");
            &json[start..end]
        })
        .collect()
}

/// Graph's `assign` replaces the whole set: reading the assignments and saving them
/// unchanged sends every target back byte for byte (filters, a target type the console does
/// not edit, a property it does not know), and moving a group to the other side keeps its
/// filter.
#[test]
fn saving_graph_assignments_unchanged_sends_the_same_targets_back() {
    use esim_wire::{AssignmentRead, AssignmentSet};
    let recorded = recorded("assignments-with-filters.json");
    let page: Collection<AssignmentRead> = decode(200, JSON, &recorded).unwrap();
    let set = AssignmentSet::from_read(page.value);
    assert_eq!(set.others(), 1);
    let sent = serde_json::to_string(&set.request()).unwrap();
    let read = targets(&recorded);
    assert_eq!(read.len(), 3);
    assert_eq!(targets(&sent), read);
    // The ids go back too.
    assert!(sent.contains("\"id\":\"e7304dcc-4dcc-e730-cc4d-30e7cc4d30e9\""));

    let mut moved = set.clone();
    moved.set("b2a1c3d4-0000-4000-8000-000000000002", true);
    let sent = serde_json::to_string(&moved.request()).unwrap();
    let after = targets(&sent);
    assert_eq!(
        after[0],
        read[0].replace("groupAssignmentTarget", "exclusionGroupAssignmentTarget")
    );
    assert_eq!(after[1..], read[1..]);
}

/// A state Graph adds later is shown as "Unknown" (both languages), an extra property is
/// ignored, and the page still decodes; Graph's UICC id is headed as such.
#[test]
fn a_new_state_value_reads_as_unknown() {
    use esim_console::console::devices::{Column, Row};
    use esim_console::i18n::{Lang, Text};
    let page: Collection<DeviceState> =
        decode(200, JSON, &recorded("device-states-future.json")).unwrap();
    let state = &page.value[0];
    assert_eq!(state.state, DeviceStateKind::UnknownFutureValue);
    assert_eq!(state.state.label(), StateLabel::Unknown);
    let row = Row::from_state(state);
    assert_eq!(row.iccid, "89049032000001000000012345678901");
    let label = esim_console::console::chart::state_label(row.state);
    assert_eq!(
        (label.text(Lang::En), label.text(Lang::Sv)),
        ("Unknown", "Okänd")
    );
    let heading = Column::Iccid.label_on(true);
    assert_eq!(
        (heading.text(Lang::En), heading.text(Lang::Sv)),
        ("UICC ID", "UICC-id")
    );
}

#[test]
fn graph_directory_groups_devices_and_members_decode() {
    use esim_wire::{Device, Group};
    let groups: Collection<Group> = decode(200, JSON, &recorded("groups-list.json")).unwrap();
    let names: Vec<&str> = groups
        .value
        .iter()
        .map(|g| g.display_name.as_str())
        .collect();
    assert_eq!(names, ["HR Taskforce", "Sales phones"]);
    assert_eq!(groups.value[1].created_date_time, "");

    let devices: Collection<Device> = decode(200, JSON, &recorded("devices-list.json")).unwrap();
    let device = &devices.value[0];
    assert_eq!(device.display_name, "contoso_Android");
    assert_eq!(device.operating_system.as_deref(), Some("Android"));
    // Graph's directory has no eSIM flag and no user on a device.
    assert!(device.is_esim_capable);
    assert_eq!(device.user_name, None);
    assert_eq!(
        device.last_sync_date_time.as_deref(),
        Some("2026-11-20T08:15:00Z")
    );

    // A group's members are directory objects: devices and users alike are read.
    let members: Collection<Device> = decode(200, JSON, &recorded("group-members.json")).unwrap();
    assert_eq!(members.value.len(), 2);
}
