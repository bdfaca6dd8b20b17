//! The device side (check-in, outcome, cellular status) and the audit log.

use serde::{Deserialize, Serialize};

/// `esim_wire::state_details`: the `stateDetails` sentences this project's server and
/// simulator write. The console shows these in the page's language (its labels match them,
/// a test checks every one); any other detail - an operator's, a device's, Graph's - is
/// shown as sent.
pub mod details {
    /// An installing or installed device left the pool's groups.
    pub const UNTARGETED: &str =
        "The device is no longer targeted by the pool; the profile is being removed.";
    /// The pool had no unused code for a targeted device.
    pub const EXHAUSTED: &str =
        "The pool has no unused activation code left; add codes to the pool, then retry.";
    /// A device reported `failed` without a detail of its own.
    pub const INSTALL_FAILED: &str = "The device reported that the install failed.";
    /// A device reported `removedByUser` without a detail of its own.
    pub const USER_REMOVED: &str = "The user removed the profile.";
    /// `esim-server simulate --failure-rate`'s refusal.
    pub const SIMULATED_REFUSAL: &str = "Simulated: the SM-DP+ server refused the download.";
    /// Every one of them.
    pub const ALL: &[&str] = &[
        UNTARGETED,
        EXHAUSTED,
        INSTALL_FAILED,
        USER_REMOVED,
        SIMULATED_REFUSAL,
    ];
}

/// The answer to a check-in: what the device must install or remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckInResponse {
    /// The device's id.
    pub device_id: String,
    /// The actions, at most one per pool.
    pub actions: Vec<Action>,
}

/// Install or remove one profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    /// What to do.
    pub action: ActionKind,
    /// The pool the code comes from.
    pub pool_id: String,
    /// The ICCID of the profile.
    pub iccid: String,
    /// Install only: the SM-DP+ address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smdp_plus_server_address: Option<String>,
    /// Install only: the Matching ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matching_identifier: Option<String>,
    /// Install only: the LPA string `LPA:1$<SM-DP+>$<Matching ID>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activation_code: Option<String>,
}

/// Install or remove.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ActionKind {
    /// Download and install the profile.
    Install,
    /// Remove the profile.
    Remove,
}

/// What the device reports after an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutcomeReport {
    /// The pool of the action.
    pub pool_id: String,
    /// The ICCID of the action.
    pub iccid: String,
    /// What happened.
    pub outcome: Outcome,
    /// A detail (the failure's reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// An action's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// The profile is installed.
    Installed,
    /// The install failed.
    Failed,
    /// The profile was removed as asked.
    Removed,
    /// The user removed the profile.
    RemovedByUser,
}

/// The operator's cellular status of a profile (free text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CellularStatusReport {
    /// The ICCID.
    pub iccid: String,
    /// The operator's words, such as `active` or `suspended`.
    pub status: String,
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// The entry's id (time-ordered).
    pub id: String,
    /// RFC 3339.
    pub date_time: String,
    /// Who: the role and the token's id, such as `admin:5f1c...`, or the role and the
    /// person's `sub` from the identity provider, such as `admin:user:00u1...`.
    pub actor: String,
    /// The person's user name (`preferred_username` or `upn`), when a person acted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_name: Option<String>,
    /// What, such as `pool.create`.
    pub action: String,
    /// The kind of thing acted on, such as `pool`.
    pub target_type: String,
    /// Its id.
    pub target_id: String,
    /// More, such as the name or the number of codes.
    #[serde(default)]
    pub detail: Option<String>,
    /// The request id.
    pub request_id: String,
}

/// A bearer token as listed (`GET /api/tokens`, `esim-server token list`): never the token
/// itself, which is shown once at creation and stored only as its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenInfo {
    /// Its id (time-ordered).
    pub id: String,
    /// `admin`, `reader` or `device`.
    pub role: String,
    /// The device of a device token.
    #[serde(default)]
    pub device_id: Option<String>,
    /// A label given at creation.
    #[serde(default)]
    pub label: Option<String>,
    /// RFC 3339.
    pub created_date_time: String,
    /// RFC 3339, when revoked; a revoked token is refused from the next request on.
    #[serde(default)]
    pub revoked_date_time: Option<String>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{ErrorBody, MemberRef};

    #[test]
    fn device_bodies_round_trip() {
        let r = json!({"deviceId": "d", "actions": [{"action": "install", "poolId": "p",
            "iccid": "8946000000000000014", "smdpPlusServerAddress": "smdp.example.com",
            "matchingIdentifier": "A-1", "activationCode": "LPA:1$smdp.example.com$A-1"}]});
        let v: CheckInResponse = serde_json::from_value(r.clone()).unwrap();
        assert_eq!(serde_json::to_value(&v).unwrap(), r);
        let o: OutcomeReport = serde_json::from_value(
            json!({"poolId": "p", "iccid": "1", "outcome": "removedByUser"}),
        )
        .unwrap();
        assert_eq!(o.outcome, Outcome::RemovedByUser);
    }

    #[test]
    fn member_ref_names_the_last_segment() {
        let r: MemberRef = serde_json::from_value(
            json!({"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/abc"}),
        )
        .unwrap();
        assert_eq!(r.id(), "abc");
    }

    // Graph's documented error shape.
    #[test]
    fn error_body_round_trips() {
        let e = json!({"error": {"code": "invalidActivationCodes", "message": "m",
            "details": [{"code": "iccid-length", "message": "x",
                "target": "activationCodes[17].integratedCircuitCardIdentifier",
                "severity": "error", "line": 19, "column": 1}],
            "innerError": {"date": "2024-01-01T00:00:00Z", "request-id": "r"}}});
        let v: ErrorBody = serde_json::from_value(e.clone()).unwrap();
        assert_eq!(serde_json::to_value(&v).unwrap(), e);
    }
}
