//! The directory (Graph-like, under `/v1.0`): device groups and devices.

use serde::{Deserialize, Serialize};

/// A device group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// The group's id.
    pub id: String,
    /// Its name.
    pub display_name: String,
    /// A description.
    #[serde(default)]
    pub description: Option<String>,
    /// RFC 3339 (empty when the directory does not say, as Graph may not).
    #[serde(default)]
    pub created_date_time: String,
}

/// The body of `PATCH /v1.0/groups/{id}`: a new name, a new description, or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GroupPatch {
    /// The new name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The new description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The body that creates a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupCreate {
    /// Its name.
    pub display_name: String,
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A managed device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    /// The device's id.
    pub id: String,
    /// Its name.
    pub display_name: String,
    /// Its user's name.
    #[serde(default)]
    pub user_name: Option<String>,
    /// Such as `iOS`, `Windows`.
    #[serde(default)]
    pub operating_system: Option<String>,
    /// True when it can hold an eSIM (Graph's directory does not say: assumed).
    #[serde(default = "yes")]
    pub is_esim_capable: bool,
    /// Retired or wiped: its profiles are removed at its next check-in.
    #[serde(default)]
    pub is_retired: bool,
    /// RFC 3339 (Graph's devices have `registrationDateTime` instead: empty then).
    #[serde(default)]
    pub created_date_time: String,
    /// Its last check-in, RFC 3339 (Graph: `approximateLastSignInDateTime`).
    #[serde(default, alias = "approximateLastSignInDateTime")]
    pub last_sync_date_time: Option<String>,
}

/// The body that creates a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceCreate {
    /// Its name.
    pub display_name: String,
    /// Its user's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// Such as `iOS`, `Windows`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operating_system: Option<String>,
    /// True when it can hold an eSIM (default true).
    #[serde(default = "yes")]
    pub is_esim_capable: bool,
}

fn yes() -> bool {
    true
}

/// `POST /groups/{id}/members/$ref`: `{"@odata.id": ".../devices/{deviceId}"}`; the last
/// path segment is the device id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRef {
    /// A URL ending in the device id (or the bare id).
    #[serde(rename = "@odata.id")]
    pub odata_id: String,
}

impl MemberRef {
    /// The id the reference names.
    pub fn id(&self) -> &str {
        self.odata_id
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("")
    }
}
