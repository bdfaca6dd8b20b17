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
    use esim_wire::{AssignmentRead, AssignmentTarget, ReadTarget};
    let page: Collection<AssignmentRead> =
        decode(200, JSON, &recorded("assign-response.json")).unwrap();
    let targets: Vec<&ReadTarget> = page.value.iter().map(|a| &a.target).collect();
    assert_eq!(
        targets,
        [
            &ReadTarget::Other {
                odata_type: "microsoft.graph.deviceAndAppManagementAssignmentTarget".into()
            },
            &ReadTarget::Group(AssignmentTarget::ExclusionGroup {
                group_id: "b2a1c3d4-0000-4000-8000-000000000001".into()
            }),
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
