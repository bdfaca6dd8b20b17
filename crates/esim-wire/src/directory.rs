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
    /// Graph's kind of group: `Unified` for a Microsoft 365 group, `DynamicMembership` for
    /// one whose members follow a rule (absent on this server, whose groups are all device
    /// groups).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_types: Option<Vec<String>>,
    /// Graph: a security group (the kind Intune assigns to).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_enabled: Option<bool>,
    /// Graph: a group with a mailbox or a distribution list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_enabled: Option<bool>,
    /// Graph: a dynamic group's rule, such as `(device.deviceOSType -eq "iOS")`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub membership_rule: Option<String>,
}

impl Group {
    /// A group of this server's directory (its groups are all device groups).
    pub fn new(
        id: String,
        display_name: String,
        description: Option<String>,
        created_date_time: String,
    ) -> Group {
        Group {
            id,
            display_name,
            description,
            created_date_time,
            group_types: None,
            security_enabled: None,
            mail_enabled: None,
            membership_rule: None,
        }
    }

    /// Whether the group can hold devices, so an eSIM pool can target it. Entra ID marks no
    /// group as a "device group"; what rules one out: a Microsoft 365 group (`Unified`:
    /// users only), a mail-enabled group (distribution lists and mail-enabled security
    /// groups, which Entra ID does not let devices join), a group that is not a security
    /// group, and a dynamic group whose rule is about users, not `device.` properties. An
    /// assigned security group may hold devices (or users: the console cannot tell without
    /// reading every group's members). A property the directory does not send rules
    /// nothing out (this server's groups).
    pub fn can_hold_devices(&self) -> bool {
        let unified = self
            .group_types
            .iter()
            .flatten()
            .any(|t| t.eq_ignore_ascii_case("Unified"));
        let user_rule = self.membership_rule.as_deref().is_some_and(|rule| {
            !rule.trim().is_empty() && !rule.to_ascii_lowercase().contains("device.")
        });
        !unified
            && self.mail_enabled != Some(true)
            && self.security_enabled != Some(false)
            && !user_rule
    }
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

/// The body that creates a group: what Graph requires of a security group
/// (`mailEnabled: false`, a `mailNickname`, `securityEnabled: true`); this server reads
/// the name and the description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupCreate {
    /// Its name.
    pub display_name: String,
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// No mailbox (Graph requires the property).
    #[serde(default)]
    pub mail_enabled: bool,
    /// The mail alias Graph requires even without a mailbox ([`mail_nickname`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_nickname: Option<String>,
    /// A security group, the kind Intune assigns to (Graph requires the property).
    #[serde(default = "yes")]
    pub security_enabled: bool,
}

impl GroupCreate {
    /// A security group named `display_name`, as Graph requires it (`mailEnabled: false`,
    /// `mailNickname` derived from the name, `securityEnabled: true`).
    pub fn security_group(display_name: &str, description: Option<String>) -> GroupCreate {
        GroupCreate {
            display_name: display_name.to_owned(),
            description,
            mail_enabled: false,
            mail_nickname: Some(mail_nickname(display_name)),
            security_enabled: true,
        }
    }
}

/// The most characters Graph allows in a `mailNickname`.
pub const MAIL_NICKNAME_MAX: usize = 64;

/// A group's `mailNickname` derived from its name: Graph allows at most 64 ASCII
/// characters without `@ ( ) \ [ ] " ; : < > ,` or spaces. Letters with diacritics become
/// their base letter (`Säljare` -> `Saljare`), every other character `-` (runs of them one),
/// no `-` or `.` at either end; a name with nothing left gives `devices`. Security groups
/// need no unique alias, so no suffix is added.
pub fn mail_nickname(display_name: &str) -> String {
    let mut out = String::new();
    for c in display_name.chars() {
        let folded: &str = match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '_' | '.' => {
                out.push(c);
                continue;
            }
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => "a",
            'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' => "A",
            'æ' => "ae",
            'Æ' => "AE",
            'ç' | 'č' => "c",
            'Ç' | 'Č' => "C",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ě' => "e",
            'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ě' => "E",
            'ì' | 'í' | 'î' | 'ï' => "i",
            'Ì' | 'Í' | 'Î' | 'Ï' => "I",
            'ñ' | 'ń' => "n",
            'Ñ' | 'Ń' => "N",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => "o",
            'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "O",
            'ù' | 'ú' | 'û' | 'ü' => "u",
            'Ù' | 'Ú' | 'Û' | 'Ü' => "U",
            'ý' | 'ÿ' => "y",
            'Ý' => "Y",
            'ß' => "ss",
            'š' => "s",
            'Š' => "S",
            'ž' => "z",
            'Ž' => "Z",
            _ => "-",
        };
        if folded == "-" && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push_str(folded);
    }
    let mut nick: String = out
        .trim_matches(['-', '.'])
        .chars()
        .take(MAIL_NICKNAME_MAX)
        .collect();
    // Cutting at 64 may leave a `-` or `.` at the end.
    while nick.ends_with(['-', '.']) {
        nick.pop();
    }
    if nick.is_empty() {
        "devices".to_owned()
    } else {
        nick
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mail_nickname_is_what_graph_accepts() {
        let cases = [
            ("Sales phones", "Sales-phones"),
            ("Säljare Göteborg (iPad)", "Saljare-Goteborg-iPad"),
            ("  R&D: \"field\" <units>, 2026  ", "R-D-field-units-2026"),
            ("a@b[c]d;e\\f", "a-b-c-d-e-f"),
            (".hidden.", "hidden"),
            ("東京", "devices"),
            ("", "devices"),
        ];
        for (name, nick) in cases {
            assert_eq!(mail_nickname(name), nick, "{name:?}");
        }
        let long = mail_nickname(&"ab ".repeat(40));
        assert!(
            long.len() <= MAIL_NICKNAME_MAX && !long.ends_with('-'),
            "{long}"
        );
        for name in ["Ünïcödé group", "x".repeat(200).as_str(), "a - b"] {
            let nick = mail_nickname(name);
            assert!(nick.len() <= MAIL_NICKNAME_MAX);
            assert!(nick.bytes().all(|b| b.is_ascii_graphic()), "{nick}");
            assert!(
                !nick.contains(['@', '(', ')', '\\', '[', ']', '"', ';', ':', '<', '>', ',', ' '])
            );
        }
    }

    #[test]
    fn a_group_create_is_a_security_group_without_mail() {
        let body = GroupCreate::security_group("Sales phones", None);
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({
                "displayName": "Sales phones",
                "mailEnabled": false,
                "mailNickname": "Sales-phones",
                "securityEnabled": true
            })
        );
        // This server's older clients send only the name.
        let read: GroupCreate = serde_json::from_str(r#"{"displayName":"x"}"#).unwrap();
        assert!(read.security_enabled && !read.mail_enabled);
    }

    #[test]
    fn device_groups_are_told_from_the_others() {
        let group = |json: serde_json::Value| -> Group {
            let mut base = serde_json::json!({"id": "g", "displayName": "n"});
            base.as_object_mut()
                .unwrap()
                .extend(json.as_object().unwrap().clone());
            serde_json::from_value(base).unwrap()
        };
        let holds = |json| group(json).can_hold_devices();
        // This server's groups, and Graph's assigned and device-rule security groups.
        assert!(holds(serde_json::json!({})));
        assert!(holds(
            serde_json::json!({"groupTypes": [], "securityEnabled": true, "mailEnabled": false})
        ));
        assert!(holds(serde_json::json!({
            "groupTypes": ["DynamicMembership"], "securityEnabled": true, "mailEnabled": false,
            "membershipRule": "(device.deviceOSType -eq \"iPad\")"
        })));
        // Microsoft 365, mail-enabled, not security, a rule about users.
        assert!(!holds(
            serde_json::json!({"groupTypes": ["Unified"], "securityEnabled": false, "mailEnabled": true})
        ));
        assert!(!holds(
            serde_json::json!({"groupTypes": [], "securityEnabled": true, "mailEnabled": true})
        ));
        assert!(!holds(
            serde_json::json!({"groupTypes": [], "securityEnabled": false, "mailEnabled": false})
        ));
        assert!(!holds(serde_json::json!({
            "groupTypes": ["DynamicMembership"], "securityEnabled": true, "mailEnabled": false,
            "membershipRule": "(user.department -eq \"Sales\")"
        })));
        // What this server sends is unchanged: no Graph properties it does not have.
        let ours = Group::new("g".into(), "n".into(), None, "2026-01-01T00:00:00Z".into());
        assert_eq!(
            serde_json::to_value(&ours).unwrap(),
            serde_json::json!({"id": "g", "displayName": "n", "description": null, "createdDateTime": "2026-01-01T00:00:00Z"})
        );
    }
}
