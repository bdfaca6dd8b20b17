//! Assignments of a pool (`embeddedSIMActivationCodePoolAssignment`) and their targets
//! (`deviceAndAppManagementAssignmentTarget` and its derived types).
//!
//! Graph's `assign` action replaces the whole set, so a client that reads the set, changes
//! one group and saves it must send every other target back exactly as it read it:
//! assignment filters (`deviceAndAppManagementAssignmentFilterId`/`Type`), target types this
//! project never writes (all devices, all licensed users) and properties added to Graph after
//! this code was written. [`AssignmentTarget`] therefore keeps every property it read, in
//! the order read, and writes them back unchanged; [`AssignmentSet`] is the editing model the
//! console uses on top of it.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::odata::{bare, AssignmentType, ODataTypeError};

/// `embeddedSIMActivationCodePoolAssignment` as this server accepts and returns it: the
/// target is a device group, included or excluded, optionally with an assignment filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// `#microsoft.graph.embeddedSIMActivationCodePoolAssignment`, optional on read.
    #[serde(rename = "@odata.type", default)]
    pub odata_type: AssignmentType,
    /// The assignment's id (empty or absent in a request; not written when empty).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// The group it targets (checked by [`AssignmentTarget::check_group`] when read).
    #[serde(deserialize_with = "group_target")]
    pub target: AssignmentTarget,
}

fn group_target<'de, D: Deserializer<'de>>(d: D) -> Result<AssignmentTarget, D::Error> {
    let target = AssignmentTarget::deserialize(d)?;
    target.check_group().map_err(de::Error::custom)?;
    Ok(target)
}

/// The body of `assign`: the new set of assignments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignRequest {
    /// Replaces every assignment of the pool.
    pub assignments: Vec<Assignment>,
}

/// An assignment as a client reads it from any Graph-shaped API: any target is read (Graph
/// pools may target all devices, or carry properties this project does not know), and kept
/// whole so that saving sends it back unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AssignmentRead {
    /// The assignment's id.
    #[serde(default)]
    pub id: String,
    /// What it targets, every property kept.
    pub target: AssignmentTarget,
}

/// What a target is, from its `@odata.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// `#microsoft.graph.groupAssignmentTarget`: the group's devices are targeted.
    Group,
    /// `#microsoft.graph.exclusionGroupAssignmentTarget`: the group's devices are not.
    ExclusionGroup,
    /// Anything else (all devices, all licensed users, a type added later): read and sent
    /// back unchanged, never edited here.
    Other,
}

/// A `deviceAndAppManagementAssignmentTarget` (or a derived type): every property as read,
/// in the order read, each value's JSON text kept as it was, written back the same way.
#[derive(Debug, Clone)]
pub struct AssignmentTarget {
    props: Vec<Prop>,
}

/// One property: its name, its JSON text as read, and that text parsed.
#[derive(Debug, Clone)]
struct Prop {
    name: String,
    raw: Box<RawValue>,
    value: Value,
}

impl Prop {
    fn new(name: &str, value: Value) -> Prop {
        Prop {
            name: name.to_owned(),
            raw: RawValue::from_string(value.to_string()).expect("a Value is JSON"),
            value,
        }
    }
}

impl PartialEq for AssignmentTarget {
    fn eq(&self, other: &Self) -> bool {
        self.props.len() == other.props.len()
            && self
                .props
                .iter()
                .zip(&other.props)
                .all(|(a, b)| a.name == b.name && a.raw.get() == b.raw.get())
    }
}

impl Eq for AssignmentTarget {}

/// The values Graph documents for `deviceAndAppManagementAssignmentFilterType`.
pub const FILTER_TYPES: &[&str] = &["none", "include", "exclude"];

impl AssignmentTarget {
    /// `#microsoft.graph.groupAssignmentTarget`.
    pub const GROUP: &'static str = "#microsoft.graph.groupAssignmentTarget";
    /// `#microsoft.graph.exclusionGroupAssignmentTarget`.
    pub const EXCLUSION_GROUP: &'static str = "#microsoft.graph.exclusionGroupAssignmentTarget";
    /// `deviceAndAppManagementAssignmentFilterId`.
    pub const FILTER_ID: &'static str = "deviceAndAppManagementAssignmentFilterId";
    /// `deviceAndAppManagementAssignmentFilterType`.
    pub const FILTER_TYPE: &'static str = "deviceAndAppManagementAssignmentFilterType";

    /// A new target including (or, with `exclusion`, excluding) a group, without a filter.
    pub fn group(group_id: impl Into<String>, exclusion: bool) -> Self {
        let ty = if exclusion {
            Self::EXCLUSION_GROUP
        } else {
            Self::GROUP
        };
        AssignmentTarget {
            props: vec![
                Prop::new("@odata.type", Value::from(ty)),
                Prop::new("groupId", Value::from(group_id.into())),
            ],
        }
    }

    /// A group target as Graph returns it: `@odata.type`, the filter's id and type (`null`
    /// and `none` without a filter), then `groupId` (Graph's documented order).
    pub fn group_with_filter(
        group_id: impl Into<String>,
        exclusion: bool,
        filter_id: Option<String>,
        filter_type: Option<String>,
    ) -> Self {
        let mut t = Self::group(group_id, exclusion);
        let group = t.props.pop().expect("groupId");
        t.props
            .push(Prop::new(Self::FILTER_ID, Value::from(filter_id)));
        t.props.push(Prop::new(
            Self::FILTER_TYPE,
            Value::from(filter_type.unwrap_or_else(|| "none".into())),
        ));
        t.props.push(group);
        t
    }

    /// The property `name`, as read.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.props.iter().find(|p| p.name == name).map(|p| &p.value)
    }

    fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }

    /// The `@odata.type` as read (with or without `#`).
    pub fn odata_type(&self) -> Option<&str> {
        self.get_str("@odata.type")
    }

    /// What it targets.
    pub fn kind(&self) -> TargetKind {
        match self.odata_type().map(bare) {
            Some(t) if t == bare(Self::GROUP) => TargetKind::Group,
            Some(t) if t == bare(Self::EXCLUSION_GROUP) => TargetKind::ExclusionGroup,
            _ => TargetKind::Other,
        }
    }

    /// The group id, when it is a group target.
    pub fn group_id(&self) -> Option<&str> {
        match self.kind() {
            TargetKind::Other => None,
            _ => self.get_str("groupId"),
        }
    }

    /// True for an exclusion.
    pub fn is_exclusion(&self) -> bool {
        self.kind() == TargetKind::ExclusionGroup
    }

    /// The assignment filter's id, when there is one.
    pub fn filter_id(&self) -> Option<&str> {
        self.get_str(Self::FILTER_ID)
    }

    /// The assignment filter's type (`none`, `include`, `exclude`), when sent.
    pub fn filter_type(&self) -> Option<&str> {
        self.get_str(Self::FILTER_TYPE)
    }

    /// Makes a group target an inclusion or an exclusion of the same group, keeping every
    /// other property (the filter too) where it was.
    pub fn set_exclusion(&mut self, exclusion: bool) {
        let ty = Value::from(if exclusion {
            Self::EXCLUSION_GROUP
        } else {
            Self::GROUP
        });
        let ty = Prop::new("@odata.type", ty);
        match self.props.iter_mut().find(|p| p.name == "@odata.type") {
            Some(p) => *p = ty,
            None => self.props.insert(0, ty),
        }
    }

    /// Checks what this server accepts: a device group (included or excluded) with a
    /// `groupId`, and a filter, if any, of a documented type. The error is a sentence for
    /// the client.
    pub fn check_group(&self) -> Result<(), String> {
        let Some(found) = self.odata_type() else {
            return Err(format!(
                "an assignment target needs its @odata.type ({} or {})",
                Self::GROUP,
                Self::EXCLUSION_GROUP
            ));
        };
        if self.kind() == TargetKind::Other {
            return Err(format!(
                "{}: pools target device groups only",
                ODataTypeError {
                    found: found.to_owned(),
                    expected: &[Self::GROUP, Self::EXCLUSION_GROUP],
                }
            ));
        }
        match self.get("groupId") {
            None => return Err("missing field `groupId`".into()),
            Some(Value::String(_)) => {}
            Some(_) => return Err("groupId must be a string".into()),
        }
        match self.get(Self::FILTER_ID) {
            None | Some(Value::Null | Value::String(_)) => {}
            Some(_) => return Err(format!("{} must be a string or null", Self::FILTER_ID)),
        }
        match self.get(Self::FILTER_TYPE) {
            None | Some(Value::Null) => {}
            Some(Value::String(t)) if FILTER_TYPES.contains(&t.as_str()) => {}
            Some(other) => {
                return Err(format!(
                    "{} is {other}; expected one of {}",
                    Self::FILTER_TYPE,
                    FILTER_TYPES.join(", ")
                ))
            }
        }
        Ok(())
    }
}

impl Serialize for AssignmentTarget {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.props.len()))?;
        for p in &self.props {
            m.serialize_entry(&p.name, &p.raw)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for AssignmentTarget {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AssignmentTarget;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an assignment target (a JSON object)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut props: Vec<Prop> = Vec::new();
                while let Some((name, raw)) = map.next_entry::<String, Box<RawValue>>()? {
                    if props.iter().any(|p| p.name == name) {
                        return Err(de::Error::custom(format_args!(
                            "duplicate property `{name}`"
                        )));
                    }
                    let value = serde_json::from_str(raw.get()).map_err(de::Error::custom)?;
                    props.push(Prop { name, raw, value });
                }
                Ok(AssignmentTarget { props })
            }
        }
        d.deserialize_map(V)
    }
}

/// The assignments of a pool as the console edits them: read from the API, groups
/// included, excluded or removed, written back as an [`AssignRequest`]. Every target not
/// touched is sent back exactly as read (id, filter, unknown properties, target types this
/// project does not edit).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssignmentSet {
    items: Vec<(String, AssignmentTarget)>,
}

impl AssignmentSet {
    /// The set as read.
    pub fn from_read(read: Vec<AssignmentRead>) -> Self {
        AssignmentSet {
            items: read.into_iter().map(|a| (a.id, a.target)).collect(),
        }
    }

    /// The group targets: `(group id, excluded)`, in order.
    pub fn groups(&self) -> impl Iterator<Item = (&str, bool)> {
        self.items
            .iter()
            .filter_map(|(_, t)| t.group_id().map(|g| (g, t.is_exclusion())))
    }

    /// The targets this console does not edit (all devices, all users, unknown types),
    /// which are kept.
    pub fn others(&self) -> usize {
        self.items
            .iter()
            .filter(|(_, t)| t.group_id().is_none())
            .count()
    }

    /// Includes (or excludes) a group: a group already in the set keeps its place and its
    /// other properties (its filter) and only changes side.
    pub fn set(&mut self, group_id: &str, exclusion: bool) {
        match self
            .items
            .iter_mut()
            .find(|(_, t)| t.group_id() == Some(group_id))
        {
            Some((_, t)) => {
                if t.is_exclusion() != exclusion {
                    t.set_exclusion(exclusion);
                }
            }
            None => self
                .items
                .push((String::new(), AssignmentTarget::group(group_id, exclusion))),
        }
    }

    /// Removes a group.
    pub fn remove(&mut self, group_id: &str) {
        self.items.retain(|(_, t)| t.group_id() != Some(group_id));
    }

    /// The body of `assign`.
    pub fn request(&self) -> AssignRequest {
        AssignRequest {
            assignments: self
                .items
                .iter()
                .map(|(id, target)| Assignment {
                    odata_type: AssignmentType,
                    id: id.clone(),
                    target: target.clone(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::Collection;

    #[test]
    fn a_target_is_written_back_as_read() {
        // Graph's JSON representation of groupAssignmentTarget (intune-shared-
        // groupassignmenttarget.md) with values, plus a property Graph may add later.
        let text = r##"{"@odata.type":"#microsoft.graph.groupAssignmentTarget","deviceAndAppManagementAssignmentFilterId":"f-1","deviceAndAppManagementAssignmentFilterType":"include","groupId":"g1","futureProperty":{"b":1,"a":[true,null]}}"##;
        let t: AssignmentTarget = serde_json::from_str(text).unwrap();
        assert_eq!(t.kind(), TargetKind::Group);
        assert_eq!(t.group_id(), Some("g1"));
        assert_eq!(t.filter_id(), Some("f-1"));
        assert_eq!(t.filter_type(), Some("include"));
        assert_eq!(serde_json::to_string(&t).unwrap(), text);
        assert!(t.check_group().is_ok());
    }

    #[test]
    fn a_group_target_changes_side_and_keeps_its_filter() {
        let mut t: AssignmentTarget = serde_json::from_value(json!({
            "@odata.type": "microsoft.graph.groupAssignmentTarget",
            "deviceAndAppManagementAssignmentFilterId": "f",
            "deviceAndAppManagementAssignmentFilterType": "exclude",
            "groupId": "g"
        }))
        .unwrap();
        t.set_exclusion(true);
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r##"{"@odata.type":"#microsoft.graph.exclusionGroupAssignmentTarget","deviceAndAppManagementAssignmentFilterId":"f","deviceAndAppManagementAssignmentFilterType":"exclude","groupId":"g"}"##
        );
    }

    #[test]
    fn what_this_server_accepts() {
        let a = json!({
            "@odata.type": "#microsoft.graph.embeddedSIMActivationCodePoolAssignment",
            "id": "f7a1",
            "target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g1"}
        });
        let read: Assignment = serde_json::from_value(a.clone()).unwrap();
        assert_eq!(serde_json::to_value(&read).unwrap(), a);
        let x: Assignment = serde_json::from_value(json!({"target": {
            "@odata.type": "microsoft.graph.exclusionGroupAssignmentTarget", "groupId": "g2",
            "deviceAndAppManagementAssignmentFilterType": "none"}}))
        .unwrap();
        assert!(x.target.is_exclusion());
        assert_eq!(x.target.group_id(), Some("g2"));
        let refused = |target: Value| {
            serde_json::from_value::<Assignment>(json!({ "target": target }))
                .unwrap_err()
                .to_string()
        };
        // Graph's own create example targets the base type; other targets are refused
        // with a sentence naming the type.
        let err =
            refused(json!({"@odata.type": "microsoft.graph.allLicensedUsersAssignmentTarget"}));
        assert!(err.contains("allLicensedUsersAssignmentTarget"), "{err}");
        assert!(err.contains("device groups only"), "{err}");
        assert!(refused(json!({"groupId": "g"})).contains("needs its @odata.type"));
        assert!(refused(json!({"@odata.type": AssignmentTarget::GROUP})).contains("groupId"));
        assert!(
            refused(json!({"@odata.type": AssignmentTarget::GROUP, "groupId": 1}))
                .contains("must be a string")
        );
        let err = refused(
            json!({"@odata.type": AssignmentTarget::GROUP, "groupId": "g",
            "deviceAndAppManagementAssignmentFilterType": "sometimes"}),
        );
        assert!(err.contains("none, include, exclude"), "{err}");
        assert!(refused(json!("g")).contains("JSON object"));
    }

    #[test]
    fn a_group_target_as_this_server_returns_it() {
        let t = AssignmentTarget::group_with_filter("g", false, None, None);
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r##"{"@odata.type":"#microsoft.graph.groupAssignmentTarget","deviceAndAppManagementAssignmentFilterId":null,"deviceAndAppManagementAssignmentFilterType":"none","groupId":"g"}"##
        );
    }

    #[test]
    fn the_console_edits_groups_and_keeps_the_rest() {
        let page: Collection<AssignmentRead> = serde_json::from_value(json!({"value": [
            {"id": "a1", "target": {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget",
                "deviceAndAppManagementAssignmentFilterId": "f", "deviceAndAppManagementAssignmentFilterType": "include"}},
            {"id": "a2", "target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g1",
                "deviceAndAppManagementAssignmentFilterId": "f2", "deviceAndAppManagementAssignmentFilterType": "exclude"}},
            {"id": "a3", "target": {"@odata.type": "#microsoft.graph.exclusionGroupAssignmentTarget", "groupId": "g2"}}
        ]}))
        .unwrap();
        let mut set = AssignmentSet::from_read(page.value);
        assert_eq!(set.others(), 1);
        assert_eq!(
            set.groups().collect::<Vec<_>>(),
            [("g1", false), ("g2", true)]
        );
        set.set("g1", true);
        set.remove("g2");
        set.set("g3", false);
        let body = serde_json::to_value(set.request()).unwrap();
        assert_eq!(
            body,
            json!({"assignments": [
                {"@odata.type": "#microsoft.graph.embeddedSIMActivationCodePoolAssignment", "id": "a1",
                 "target": {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget",
                    "deviceAndAppManagementAssignmentFilterId": "f", "deviceAndAppManagementAssignmentFilterType": "include"}},
                {"@odata.type": "#microsoft.graph.embeddedSIMActivationCodePoolAssignment", "id": "a2",
                 "target": {"@odata.type": "#microsoft.graph.exclusionGroupAssignmentTarget", "groupId": "g1",
                    "deviceAndAppManagementAssignmentFilterId": "f2", "deviceAndAppManagementAssignmentFilterType": "exclude"}},
                {"@odata.type": "#microsoft.graph.embeddedSIMActivationCodePoolAssignment",
                 "target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g3"}}
            ]})
        );
    }
}
