//! OData query options on this server's collections: which properties each collection can
//! be filtered, sorted and selected on ([`esim_odata::Schema`]), found by route, and the
//! helpers a list handler uses to run them (bound parameters, `@odata.count`, `$select`).
//!
//! Every Graph-shaped collection (pools, assignments, device states, groups, members,
//! devices) has one. A collection without a schema found by route (this server's audit
//! log, which reads its own `$orderby` and `$filter` with [`AUDIT_ENTRIES`], and tokens)
//! accepts only `$top`, `$skiptoken` and its [`own_options`]; any other system query
//! option on it is a 400 naming it ([`crate::paging::Paging`]), never silently ignored.

use esim_odata::{Dialect, Kind, Param, Property, Schema};
use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyArguments;
use sqlx::Arguments as _;

use crate::db::Backend;
use crate::util::POOLS;

/// `embeddedSIMDeviceStateValue`'s members, as stored.
pub const DEVICE_STATE_VALUES: &[&str] = &[
    "notEvaluated",
    "failed",
    "installing",
    "installed",
    "deleting",
    "error",
    "deleted",
    "removedByUser",
];

const fn prop(
    name: &'static str,
    column: &'static str,
    kind: Kind,
    filter: bool,
    order: bool,
) -> Property {
    Property {
        name,
        column,
        kind,
        filter,
        order,
    }
}

/// `.../{poolId}/deviceStates`: Graph's properties and this server's `iccid` and
/// `cellularStatus` (columns of `devices::FROM`).
pub const DEVICE_STATES: Schema = Schema {
    entity: "embeddedSIMDeviceState",
    properties: &[
        prop("id", "ds.device_id", Kind::Text, true, true),
        prop("createdDateTime", "ds.created_at", Kind::Time, true, true),
        prop("modifiedDateTime", "ds.modified_at", Kind::Time, true, true),
        prop(
            "lastSyncDateTime",
            "ds.last_sync_at",
            Kind::Time,
            true,
            true,
        ),
        // Not known to this server (always absent): selectable only.
        prop(
            "universalIntegratedCircuitCardIdentifier",
            "NULL",
            Kind::Text,
            false,
            false,
        ),
        // The state's copy of the device's name (schema_v4.sql): always the joined
        // `d.display_name`, and indexed with the pool, so sorted pages walk an index.
        prop("deviceName", "ds.device_name", Kind::Text, true, true),
        prop("userName", "d.user_name", Kind::Text, true, true),
        prop(
            "state",
            "ds.state",
            Kind::Enum(DEVICE_STATE_VALUES),
            true,
            true,
        ),
        prop("stateDetails", "ds.state_details", Kind::Text, true, false),
        prop("iccid", "ds.iccid", Kind::Text, true, true),
        prop(
            "cellularStatus",
            "ds.cellular_status",
            Kind::Text,
            true,
            true,
        ),
    ],
};

/// `/api/auditEntries`: `$filter` on every property (the console's audit view filters by
/// actor and action). Not sortable through a schema: the log keeps its own order, oldest
/// or newest first (`$orderby=dateTime desc`), paged by id ([`own_options`]), so a page
/// boundary holds however many entries arrive meanwhile.
pub const AUDIT_ENTRIES: Schema = Schema {
    entity: "auditEntry",
    properties: &[
        prop("id", "id", Kind::Text, true, false),
        prop("dateTime", "happened_at", Kind::Time, true, false),
        prop("actor", "actor", Kind::Text, true, false),
        prop("actorName", "actor_name", Kind::Text, true, false),
        prop("action", "action", Kind::Text, true, false),
        prop("targetType", "target_type", Kind::Text, true, false),
        prop("targetId", "target_id", Kind::Text, true, false),
        prop("detail", "detail", Kind::Text, true, false),
        prop("requestId", "request_id", Kind::Text, true, false),
    ],
};

/// `embeddedSIMActivationCodePools`: Graph's properties (columns of `pools`, written bare so
/// that they also name the page's columns in `pools::store`'s query) and this server's
/// extras; `smdpPlusServerAddress` (stored lowercased) can be filtered and sorted on, the
/// counts are selectable only (they are computed per page).
pub const POOLS_SCHEMA: Schema = Schema {
    entity: "embeddedSIMActivationCodePool",
    properties: &[
        prop("id", "id", Kind::Text, true, true),
        prop("displayName", "display_name", Kind::Text, true, true),
        prop("createdDateTime", "created_at", Kind::Time, true, true),
        prop("modifiedDateTime", "modified_at", Kind::Time, true, true),
        prop("activationCodeCount", "code_count", Kind::Int, true, true),
        // Never returned (Graph does not either): selectable, always absent.
        prop("activationCodes", "NULL", Kind::Text, false, false),
        prop(
            "smdpPlusServerAddress",
            "smdp_address",
            Kind::Text,
            true,
            true,
        ),
        prop("usedActivationCodeCount", "NULL", Kind::Int, false, false),
        prop("includedGroupCount", "NULL", Kind::Int, false, false),
        prop("excludedGroupCount", "NULL", Kind::Int, false, false),
        prop("deviceStateSummary", "NULL", Kind::Text, false, false),
    ],
};

/// `.../{poolId}/assignments`: `id` and the target's group (`target/groupId`, filterable);
/// `target` selectable.
pub const ASSIGNMENTS: Schema = Schema {
    entity: "embeddedSIMActivationCodePoolAssignment",
    properties: &[
        prop("id", "id", Kind::Text, true, true),
        prop("target", "NULL", Kind::Text, false, false),
        prop("target/groupId", "group_id", Kind::Text, true, true),
        prop(
            "target/deviceAndAppManagementAssignmentFilterId",
            "filter_id",
            Kind::Text,
            true,
            false,
        ),
    ],
};

/// `/v1.0/groups` (columns of `dir_groups`).
pub const GROUPS: Schema = Schema {
    entity: "group",
    properties: &[
        prop("id", "id", Kind::Text, true, true),
        prop("displayName", "display_name", Kind::Text, true, true),
        prop("description", "description", Kind::Text, true, true),
        prop("createdDateTime", "created_at", Kind::Time, true, true),
    ],
};

/// `/v1.0/devices` and a group's `members` (columns of `dir_devices`, bare: the members'
/// join adds no column of the same name).
pub const DEVICES: Schema = Schema {
    entity: "device",
    properties: &[
        prop("id", "id", Kind::Text, true, true),
        prop("displayName", "display_name", Kind::Text, true, true),
        prop("userName", "user_name", Kind::Text, true, true),
        prop(
            "operatingSystem",
            "operating_system",
            Kind::Text,
            true,
            true,
        ),
        prop("isEsimCapable", "esim_capable", Kind::Bool, true, true),
        prop("isRetired", "retired", Kind::Bool, true, true),
        prop("createdDateTime", "created_at", Kind::Time, true, true),
        prop("lastSyncDateTime", "last_sync_at", Kind::Time, true, true),
    ],
};

/// The schema of the collection at this route (axum's matched path), if it takes
/// `$filter`, `$orderby`, `$select` and `$count`: every eSIM and directory collection.
pub fn schema_for(path: &str) -> Option<&'static Schema> {
    // `GET .../$count` counts what the collection's `$filter` selects.
    let path = path.strip_suffix("/$count").unwrap_or(path);
    match path.strip_prefix(POOLS) {
        Some("") => return Some(&POOLS_SCHEMA),
        Some("/{poolId}/assignments") => return Some(&ASSIGNMENTS),
        Some("/{poolId}/deviceStates") => return Some(&DEVICE_STATES),
        Some(_) => return None,
        None => {}
    }
    match path {
        "/v1.0/groups" => Some(&GROUPS),
        "/v1.0/devices" | "/v1.0/groups/{groupId}/members" => Some(&DEVICES),
        _ => None,
    }
}

/// System query options that a collection without a [`Schema`] reads itself, beside `$top`
/// and `$skiptoken`: the audit log's `$orderby=dateTime desc` (its handler checks the value)
/// and `$filter` (on [`AUDIT_ENTRIES`]).
pub fn own_options(path: &str) -> &'static [&'static str] {
    match path {
        "/api/auditEntries" => &["$orderby", "$filter"],
        _ => &[],
    }
}

/// The SQL dialect of a database.
pub fn dialect(backend: Backend) -> Dialect {
    match backend {
        Backend::Sqlite => Dialect::Sqlite,
        Backend::Postgres => Dialect::Postgres,
    }
}

/// `params` as a query's arguments, in order (for `sqlx::query_with` and
/// `sqlx::query_as_with`).
pub fn arguments(params: &[Param]) -> Result<AnyArguments<'_>, sqlx::Error> {
    let mut args = AnyArguments::default();
    for p in params {
        match p {
            Param::Text(s) => args.add(s.as_str()),
            Param::Int(n) => args.add(*n),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(args)
}

/// Items as JSON with only the `$select`ed properties (and `id`, which a client needs to
/// address an item); every property without `$select`.
pub fn project<T: Serialize>(items: Vec<T>, select: Option<&[&'static Property]>) -> Vec<Value> {
    items
        .into_iter()
        .map(|item| {
            let mut v = serde_json::to_value(item).unwrap_or(Value::Null);
            if let (Some(select), Some(map)) = (select, v.as_object_mut()) {
                map.retain(|k, _| k == "id" || select.iter().any(|p| p.name == k));
            }
            v
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use esim_wire::DeviceStateKind;

    #[test]
    fn the_schema_knows_every_state() {
        let names: Vec<&str> = DeviceStateKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names, DEVICE_STATE_VALUES);
        assert!(schema_for(&format!("{POOLS}/{{poolId}}/deviceStates")).is_some());
        assert_eq!(schema_for(POOLS).unwrap().entity, POOLS_SCHEMA.entity);
        assert!(schema_for(&format!("{POOLS}/{{poolId}}")).is_none());
        assert!(schema_for("/api/auditEntries").is_none());
    }
}
