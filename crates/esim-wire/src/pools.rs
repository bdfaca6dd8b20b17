//! Pools, activation codes, assignments and device states (Graph beta shapes).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::odata::{ActivationCodeType, DeviceStateType, PoolType};

/// `embeddedSIMActivationCodePool` as returned: never with its codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pool {
    /// `#microsoft.graph.embeddedSIMActivationCodePool`.
    #[serde(rename = "@odata.type", default)]
    pub odata_type: PoolType,
    /// The pool's id.
    pub id: String,
    /// The name shown (the file name by default).
    pub display_name: String,
    /// RFC 3339.
    pub created_date_time: String,
    /// RFC 3339.
    pub modified_date_time: String,
    /// How many codes the pool holds (Int32 in Graph).
    pub activation_code_count: i32,
    /// What this server adds to a pool it returns (Graph clients ignore it; Graph sends
    /// none of it, so a console reading Graph shows these as unknown).
    #[serde(flatten, default)]
    pub extras: PoolExtras,
}

/// This server's extra properties on a pool: what the console's pools list shows beside
/// Graph's fields. Every one is optional on the wire.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolExtras {
    /// The SM-DP+ address of the pool's codes (the file's first line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smdp_plus_server_address: Option<String>,
    /// How many of the codes were delivered to a device (codes are single-use).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_activation_code_count: Option<i32>,
    /// How many groups the pool is assigned to (include).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub included_group_count: Option<i32>,
    /// How many groups are excluded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded_group_count: Option<i32>,
    /// The pool's device states counted by the console's labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_state_summary: Option<StateSummary>,
}

/// Device states counted by [`StateLabel`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateSummary {
    /// `notEvaluated`.
    #[serde(default)]
    pub not_synced: u32,
    /// `installing`.
    #[serde(default)]
    pub pending: u32,
    /// `installed`.
    #[serde(default)]
    pub active: u32,
    /// `failed`, `error`.
    #[serde(default)]
    pub failed: u32,
    /// `deleting`, `deleted`, `removedByUser`.
    #[serde(default)]
    pub removed: u32,
    /// States this code does not know (only counted from Graph's device states).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unknown: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl StateSummary {
    /// The count for one label.
    pub fn get(&self, label: StateLabel) -> u32 {
        match label {
            StateLabel::NotSynced => self.not_synced,
            StateLabel::Pending => self.pending,
            StateLabel::Active => self.active,
            StateLabel::Failed => self.failed,
            StateLabel::Removed => self.removed,
            StateLabel::Unknown => self.unknown,
        }
    }

    /// Counts one more device with this label.
    pub fn add(&mut self, label: StateLabel, n: u32) {
        let slot = match label {
            StateLabel::NotSynced => &mut self.not_synced,
            StateLabel::Pending => &mut self.pending,
            StateLabel::Active => &mut self.active,
            StateLabel::Failed => &mut self.failed,
            StateLabel::Removed => &mut self.removed,
            StateLabel::Unknown => &mut self.unknown,
        };
        *slot += n;
    }

    /// Every device counted.
    pub fn total(&self) -> u32 {
        self.not_synced + self.pending + self.active + self.failed + self.removed + self.unknown
    }

    /// The labels to show: the brief's, and "Unknown" when such states were counted.
    pub fn labels(&self) -> &'static [StateLabel] {
        if self.unknown > 0 {
            StateLabel::WITH_UNKNOWN
        } else {
            StateLabel::ALL
        }
    }
}

/// One activation code as sent (`embeddedSIMActivationCode`).
///
/// The values are plain strings on the wire so that a bad value reaches the server's
/// validator and comes back as a finding, not as a parse error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivationCode {
    /// `microsoft.graph.embeddedSIMActivationCode`; Graph SDKs leave it out.
    #[serde(
        rename = "@odata.type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub odata_type: Option<ActivationCodeType>,
    /// The ICCID (19 or 20 digits).
    pub integrated_circuit_card_identifier: String,
    /// The Matching ID.
    pub matching_identifier: String,
    /// The SM-DP+ address (the same on every code of a pool).
    pub smdp_plus_server_address: String,
}

/// The body of a create: a pool with its codes (`activationCodes` is write-only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolCreate {
    /// `#microsoft.graph.embeddedSIMActivationCodePool`, optional on read.
    #[serde(rename = "@odata.type", default)]
    pub odata_type: PoolType,
    /// The pool's name.
    pub display_name: String,
    /// At most 1,000 codes, one SM-DP+ address.
    pub activation_codes: Vec<ActivationCode>,
}

/// The body of a `PATCH`, as Graph documents it ("Update embeddedSIMActivationCodePool"):
/// a new name, and `activationCodes`, which this server adds to the pool (the same rules as
/// a create, and the pool's SM-DP+ address: see `docs/API-DESIGN.md`). The read-only
/// properties (`id`, the dates, `activationCodeCount`, this server's extras) are accepted
/// and ignored, as Graph ignores them, so a client can send back a pool it read; any other
/// property is refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PoolPatch {
    /// `#microsoft.graph.embeddedSIMActivationCodePool`, optional on read.
    #[serde(rename = "@odata.type", default, skip_serializing)]
    pub odata_type: PoolType,
    /// The new name, when it changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Codes to add, when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activation_codes: Option<Vec<ActivationCode>>,
    #[serde(rename = "id", default, skip_serializing)]
    ignored_id: Option<serde_json::Value>,
    #[serde(rename = "createdDateTime", default, skip_serializing)]
    ignored_created: Option<serde_json::Value>,
    #[serde(rename = "modifiedDateTime", default, skip_serializing)]
    ignored_modified: Option<serde_json::Value>,
    #[serde(rename = "activationCodeCount", default, skip_serializing)]
    ignored_count: Option<serde_json::Value>,
    #[serde(rename = "smdpPlusServerAddress", default, skip_serializing)]
    ignored_smdp: Option<serde_json::Value>,
    #[serde(rename = "usedActivationCodeCount", default, skip_serializing)]
    ignored_used: Option<serde_json::Value>,
    #[serde(rename = "includedGroupCount", default, skip_serializing)]
    ignored_included: Option<serde_json::Value>,
    #[serde(rename = "excludedGroupCount", default, skip_serializing)]
    ignored_excluded: Option<serde_json::Value>,
    #[serde(rename = "deviceStateSummary", default, skip_serializing)]
    ignored_summary: Option<serde_json::Value>,
}

impl PoolPatch {
    /// A rename.
    pub fn rename(display_name: impl Into<String>) -> Self {
        PoolPatch {
            display_name: Some(display_name.into()),
            ..PoolPatch::default()
        }
    }
}

/// The body of the project's "add codes to a pool" route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddActivationCodes {
    /// The new codes; the same rules as a create, and the pool's SM-DP+ address.
    pub activation_codes: Vec<ActivationCode>,
}

/// What a raw-file import returns on success: the pool (its properties at the top level,
/// as a Graph client reads a pool) and the file's warnings, which did not block the
/// import: the validator's warnings of the file, and `smdp-pool-exists` when another pool
/// already has the file's SM-DP+ address. Each warning has the shape of an error detail
/// (`code`, `message`, `target` = the file name, `severity`, `line`, `column`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportedPool {
    /// The pool.
    #[serde(flatten)]
    pub pool: Pool,
    /// The warnings, in file order (empty when there are none).
    #[serde(default)]
    pub warnings: Vec<crate::ErrorDetail>,
}

/// The pre-upload check: which ICCIDs are on the server already, and which pool has this
/// SM-DP+ address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreUploadCheck {
    /// ICCIDs to look up (at most 1,000).
    pub iccids: Vec<String>,
    /// The file's SM-DP+ address, when it has a valid one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smdp_plus_server_address: Option<String>,
}

/// The answer to a [`PreUploadCheck`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreUploadCheckResult {
    /// The ICCIDs the server knows, in request order.
    pub already_imported: Vec<AlreadyImported>,
    /// A pool that uses the same SM-DP+ address (Intune would refuse a second one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smdp_pool: Option<Pool>,
}

/// One ICCID the server knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlreadyImported {
    /// The ICCID.
    pub iccid: String,
    /// The pool that holds it, when it still exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_id: Option<String>,
    /// That pool's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_name: Option<String>,
    /// True when it was delivered to a device (used: never importable again).
    pub delivered: bool,
}

/// `embeddedSIMDeviceState`, with this server's `iccid` and `cellularStatus` extras (Graph
/// clients ignore them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceState {
    /// `#microsoft.graph.embeddedSIMDeviceState`.
    #[serde(rename = "@odata.type", default)]
    pub odata_type: DeviceStateType,
    /// The id (on this server: the device's id).
    pub id: String,
    /// RFC 3339.
    pub created_date_time: String,
    /// RFC 3339.
    pub modified_date_time: String,
    /// The device's last check-in, RFC 3339.
    #[serde(default)]
    pub last_sync_date_time: Option<String>,
    /// The UICC id: Graph's identifier of the device's eUICC hardware the profile goes to
    /// (not the profile's ICCID, which Graph does not return). This server does not know
    /// it and leaves it out; the ICCID delivered is in [`DeviceState::iccid`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub universal_integrated_circuit_card_identifier: Option<String>,
    /// The device's name.
    #[serde(default)]
    pub device_name: Option<String>,
    /// The device's user.
    #[serde(default)]
    pub user_name: Option<String>,
    /// The state.
    pub state: DeviceStateKind,
    /// Why (a failure's detail, a removal's reason).
    #[serde(default)]
    pub state_details: Option<String>,
    /// The ICCID of the code delivered (this server only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iccid: Option<String>,
    /// The operator's cellular status, free text (this server only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cellular_status: Option<String>,
}

/// The body of Graph's "Create embeddedSIMDeviceState" and "Update embeddedSIMDeviceState"
/// (`POST .../deviceStates`, `PATCH .../deviceStates/{id}`). The device is named by `id`
/// (on this server a state's id is its device's id) or else by `deviceName`; `state` and
/// `stateDetails` are what a client asks for, which this server grants only as its
/// distribution rules allow (`docs/API-DESIGN.md`). The properties the service sets
/// (the dates, the UICC id, this server's `iccid` and `cellularStatus`) are accepted and
/// ignored, so a client may send back a state it read; any other property is refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeviceStateWrite {
    /// `#microsoft.graph.embeddedSIMDeviceState`, optional.
    #[serde(rename = "@odata.type", default, skip_serializing)]
    pub odata_type: DeviceStateType,
    /// The device's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The device's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_name: Option<String>,
    /// The device's user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// The state asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<DeviceStateKind>,
    /// The detail asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_details: Option<String>,
    #[serde(rename = "createdDateTime", default, skip_serializing)]
    ignored_created: Option<serde_json::Value>,
    #[serde(rename = "modifiedDateTime", default, skip_serializing)]
    ignored_modified: Option<serde_json::Value>,
    #[serde(rename = "lastSyncDateTime", default, skip_serializing)]
    ignored_sync: Option<serde_json::Value>,
    #[serde(
        rename = "universalIntegratedCircuitCardIdentifier",
        default,
        skip_serializing
    )]
    ignored_uicc: Option<serde_json::Value>,
    #[serde(rename = "iccid", default, skip_serializing)]
    ignored_iccid: Option<serde_json::Value>,
    #[serde(rename = "cellularStatus", default, skip_serializing)]
    ignored_cellular: Option<serde_json::Value>,
}

/// Graph's `embeddedSIMDeviceStateValue`.
///
/// A value Graph adds later reads as [`DeviceStateKind::UnknownFutureValue`] (OData's
/// name for it) instead of failing the whole page; the console shows it as "Unknown".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DeviceStateKind {
    /// Targeted, not checked in since.
    NotEvaluated,
    /// The install failed.
    Failed,
    /// A code was delivered; the install is pending.
    Installing,
    /// The profile is installed.
    Installed,
    /// The profile is being removed.
    Deleting,
    /// An error.
    Error,
    /// The profile was removed.
    Deleted,
    /// The user removed the profile.
    RemovedByUser,
    /// A value this code does not know (read only; never stored by this server).
    #[serde(other)]
    UnknownFutureValue,
}

/// The console's label for a state (the brief's words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StateLabel {
    /// "Device not synced".
    NotSynced,
    /// "Activation pending".
    Pending,
    /// "Active".
    Active,
    /// "Activation failed".
    Failed,
    /// "Removed" (with the detail).
    Removed,
    /// "Unknown": a state Graph added after this code was written (not in [`StateLabel::ALL`],
    /// which are the brief's labels; shown only when such a state is read).
    Unknown,
}

impl StateLabel {
    /// Every label, in the order the console shows them.
    pub const ALL: &'static [StateLabel] = &[
        StateLabel::NotSynced,
        StateLabel::Pending,
        StateLabel::Active,
        StateLabel::Failed,
        StateLabel::Removed,
    ];

    /// [`StateLabel::ALL`] and [`StateLabel::Unknown`].
    pub const WITH_UNKNOWN: &'static [StateLabel] = &[
        StateLabel::NotSynced,
        StateLabel::Pending,
        StateLabel::Active,
        StateLabel::Failed,
        StateLabel::Removed,
        StateLabel::Unknown,
    ];

    /// The English label.
    pub fn text(self) -> &'static str {
        match self {
            StateLabel::NotSynced => "Device not synced",
            StateLabel::Pending => "Activation pending",
            StateLabel::Active => "Active",
            StateLabel::Failed => "Activation failed",
            StateLabel::Removed => "Removed",
            StateLabel::Unknown => "Unknown",
        }
    }
}

impl DeviceStateKind {
    /// Every state Graph documents (not [`DeviceStateKind::UnknownFutureValue`]).
    pub const ALL: &'static [DeviceStateKind] = &[
        DeviceStateKind::NotEvaluated,
        DeviceStateKind::Failed,
        DeviceStateKind::Installing,
        DeviceStateKind::Installed,
        DeviceStateKind::Deleting,
        DeviceStateKind::Error,
        DeviceStateKind::Deleted,
        DeviceStateKind::RemovedByUser,
    ];

    /// The camelCase name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceStateKind::NotEvaluated => "notEvaluated",
            DeviceStateKind::Failed => "failed",
            DeviceStateKind::Installing => "installing",
            DeviceStateKind::Installed => "installed",
            DeviceStateKind::Deleting => "deleting",
            DeviceStateKind::Error => "error",
            DeviceStateKind::Deleted => "deleted",
            DeviceStateKind::RemovedByUser => "removedByUser",
            DeviceStateKind::UnknownFutureValue => "unknownFutureValue",
        }
    }

    /// The state named `name` (camelCase), if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == name)
    }

    /// The console's label.
    pub fn label(self) -> StateLabel {
        match self {
            DeviceStateKind::NotEvaluated => StateLabel::NotSynced,
            DeviceStateKind::Installing => StateLabel::Pending,
            DeviceStateKind::Installed => StateLabel::Active,
            DeviceStateKind::Failed | DeviceStateKind::Error => StateLabel::Failed,
            DeviceStateKind::Deleting
            | DeviceStateKind::Deleted
            | DeviceStateKind::RemovedByUser => StateLabel::Removed,
            DeviceStateKind::UnknownFutureValue => StateLabel::Unknown,
        }
    }
}

impl fmt::Display for DeviceStateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::Collection;

    #[test]
    fn imported_pool_is_a_pool_with_warnings() {
        let v = json!({
            "@odata.type": "#microsoft.graph.embeddedSIMActivationCodePool",
            "id": "p1",
            "displayName": "a.csv",
            "createdDateTime": "2026-11-26T07:02:46.082Z",
            "modifiedDateTime": "2026-11-26T07:02:46.082Z",
            "activationCodeCount": 2,
            "warnings": [{"code": "smdp-pool-exists", "message": "m", "target": "a.csv",
                          "severity": "warning", "line": 1, "column": 1}]
        });
        assert_eq!(round_trip::<ImportedPool>(&v), v);
        // A Graph client reads it as a pool; a bare pool reads as an import without warnings.
        let p: Pool = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(p.activation_code_count, 2);
        let mut bare = v.clone();
        bare.as_object_mut().unwrap().remove("warnings");
        let i: ImportedPool = serde_json::from_value(bare).unwrap();
        assert!(i.warnings.is_empty());
    }

    fn round_trip<T: Serialize + for<'de> Deserialize<'de>>(v: &Value) -> Value {
        let t: T = serde_json::from_value(v.clone()).expect("reads");
        serde_json::to_value(&t).expect("writes")
    }

    // Graph's documented response of "Get embeddedSIMActivationCodePool" (codes left out:
    // this server never returns them).
    #[test]
    fn pool_round_trips_graph_example() {
        let graph = json!({
            "@odata.type": "#microsoft.graph.embeddedSIMActivationCodePool",
            "id": "3a4e5b1f-5b1f-3a4e-1f5b-4e3a1f5b4e3a",
            "displayName": "Display Name value",
            "createdDateTime": "2016-12-31T23:58:46.7156189-08:00",
            "modifiedDateTime": "2017-01-01T00:03:18.5958204-08:00",
            "activationCodeCount": 3
        });
        assert_eq!(round_trip::<Pool>(&graph), graph);
        // Without the `#`, or absent, it reads too and is written with the `#`.
        let mut bare = graph.clone();
        bare["@odata.type"] = json!("microsoft.graph.embeddedSIMActivationCodePool");
        assert_eq!(round_trip::<Pool>(&bare), graph);
        bare.as_object_mut().unwrap().remove("@odata.type");
        assert_eq!(round_trip::<Pool>(&bare), graph);
        let mut wrong = graph.clone();
        wrong["@odata.type"] = json!("#microsoft.graph.user");
        let err = serde_json::from_value::<Pool>(wrong)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unsupported @odata.type '#microsoft.graph.user'"),
            "{err}"
        );
    }

    // Graph's documented request of "Create embeddedSIMActivationCodePool".
    #[test]
    fn create_reads_graph_example() {
        let graph = json!({
            "@odata.type": "#microsoft.graph.embeddedSIMActivationCodePool",
            "displayName": "Display Name value",
            "activationCodes": [{
                "@odata.type": "microsoft.graph.embeddedSIMActivationCode",
                "integratedCircuitCardIdentifier": "Integrated Circuit Card Identifier value",
                "matchingIdentifier": "Matching Identifier value",
                "smdpPlusServerAddress": "Smdp Plus Server Address value"
            }],
            "activationCodeCount": 3
        });
        let create: PoolCreate = serde_json::from_value(graph).unwrap();
        assert_eq!(create.activation_codes.len(), 1);
        assert_eq!(
            create.activation_codes[0].matching_identifier,
            "Matching Identifier value"
        );
        let written = serde_json::to_value(&create).unwrap();
        assert_eq!(
            written["activationCodes"][0]["@odata.type"],
            "#microsoft.graph.embeddedSIMActivationCode"
        );
    }

    // Graph's documented request of "Update embeddedSIMActivationCodePool"
    // (intune-esim-embeddedsimactivationcodepool-update.md).
    #[test]
    fn patch_reads_graph_example() {
        let graph = json!({
            "displayName": "Display Name value",
            "activationCodes": [{
                "@odata.type": "microsoft.graph.embeddedSIMActivationCode",
                "integratedCircuitCardIdentifier": "Integrated Circuit Card Identifier value",
                "matchingIdentifier": "Matching Identifier value",
                "smdpPlusServerAddress": "Smdp Plus Server Address value"
            }],
            "activationCodeCount": 3
        });
        let p: PoolPatch = serde_json::from_value(graph).unwrap();
        assert_eq!(p.display_name.as_deref(), Some("Display Name value"));
        assert_eq!(p.activation_codes.as_ref().map(Vec::len), Some(1));
        // Read-only properties are ignored and never written; others are refused.
        let p: PoolPatch =
            serde_json::from_value(json!({"displayName": "x", "id": "y", "createdDateTime": "z"}))
                .unwrap();
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!({"displayName": "x"})
        );
        let err = serde_json::from_value::<PoolPatch>(json!({"displayName": "x", "colour": 1}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("colour"), "{err}");
    }

    // Graph's documented response of "Get embeddedSIMDeviceState".
    #[test]
    fn device_state_round_trips_graph_example() {
        let graph = json!({
            "@odata.type": "#microsoft.graph.embeddedSIMDeviceState",
            "id": "bd0d6ba7-6ba7-bd0d-a76b-0dbda76b0dbd",
            "createdDateTime": "2017-01-01T00:02:43.5775965-08:00",
            "modifiedDateTime": "2017-01-01T00:00:35.1329464-08:00",
            "lastSyncDateTime": "2017-01-01T00:00:56.8321556-08:00",
            "universalIntegratedCircuitCardIdentifier": "Universal Integrated Circuit Card Identifier value",
            "deviceName": "Device Name value",
            "userName": "User Name value",
            "state": "failed",
            "stateDetails": "State Details value"
        });
        assert_eq!(round_trip::<DeviceState>(&graph), graph);
        let page = json!({"value": [graph], "@odata.nextLink": "https://x/y?$skiptoken=z"});
        assert_eq!(round_trip::<Collection<DeviceState>>(&page), page);
    }

    #[test]
    fn state_names_and_labels() {
        for k in DeviceStateKind::ALL {
            let v = serde_json::to_value(k).unwrap();
            assert_eq!(v, json!(k.as_str()));
            assert_eq!(DeviceStateKind::from_name(k.as_str()), Some(*k));
        }
        use DeviceStateKind as K;
        let labels: Vec<_> = K::ALL.iter().map(|k| k.label().text()).collect();
        assert_eq!(
            labels,
            [
                "Device not synced",
                "Activation failed",
                "Activation pending",
                "Active",
                "Removed",
                "Activation failed",
                "Removed",
                "Removed"
            ]
        );
    }

    // A page from a newer Graph: an extra property on the pool and on a device state, and a
    // state value this code does not know. Nothing fails; the state reads as unknown.
    #[test]
    fn unknown_properties_and_values_are_read() {
        let pool: Pool = serde_json::from_value(json!({
            "@odata.type": "#microsoft.graph.embeddedSIMActivationCodePool",
            "id": "p", "displayName": "n", "createdDateTime": "2026-01-01T00:00:00Z",
            "modifiedDateTime": "2026-01-01T00:00:00Z", "activationCodeCount": 1,
            "newPoolProperty": {"x": 1}
        }))
        .unwrap();
        assert_eq!(pool.activation_code_count, 1);
        let page: Collection<DeviceState> = serde_json::from_value(json!({"value": [{
            "@odata.type": "#microsoft.graph.embeddedSIMDeviceState",
            "id": "d", "createdDateTime": "2026-01-01T00:00:00Z",
            "modifiedDateTime": "2026-01-01T00:00:00Z",
            "state": "suspendedByOperator", "newStateProperty": [1, 2]
        }]}))
        .unwrap();
        let state = page.value[0].state;
        assert_eq!(state, DeviceStateKind::UnknownFutureValue);
        assert_eq!(state.label(), StateLabel::Unknown);
        assert_eq!(state.label().text(), "Unknown");
        let mut summary = StateSummary::default();
        assert_eq!(summary.labels(), StateLabel::ALL);
        summary.add(state.label(), 2);
        assert_eq!((summary.get(StateLabel::Unknown), summary.total()), (2, 2));
        assert_eq!(summary.labels(), StateLabel::WITH_UNKNOWN);
        // This server's summaries never carry it.
        assert_eq!(
            serde_json::to_value(StateSummary::default()).unwrap(),
            json!({"notSynced": 0, "pending": 0, "active": 0, "failed": 0, "removed": 0})
        );
    }
}
