//! The wire types of the eSIM API, shared by the server and the browser app.
//!
//! The Graph-shaped resources follow Microsoft Graph beta's Intune eSIM resources
//! (`embeddedSIMActivationCodePool`, its assignments and device states), so the same
//! client code can talk to the project's server or to Graph. The project's own routes
//! (raw-file import, pre-upload check, directory, device side, audit) have their bodies
//! here too. Everything is plain serde: no I/O, and it builds for `wasm32-unknown-unknown`.
//!
//! Conventions (Graph's): camelCase names; a top-level `@odata.type` written as
//! `#microsoft.graph.<type>` and read with or without the `#`, or absent; collections as
//! [`Collection`] with `@odata.nextLink`; errors as [`ErrorBody`]; dates as RFC 3339
//! strings.

mod assignments;
mod auth;
mod directory;
mod error;
mod mdm;
mod odata;
mod pools;

pub use assignments::{
    AssignRequest, Assignment, AssignmentRead, AssignmentSet, AssignmentTarget, TargetKind,
    FILTER_TYPES,
};
pub use auth::AuthConfig;
pub use directory::{Device, DeviceCreate, Group, GroupCreate, GroupPatch, MemberRef};
pub use error::{ErrorBody, ErrorDetail, GraphError, InnerError};
pub use mdm::details as state_details;
pub use mdm::{
    Action, ActionKind, AuditEntry, CellularStatusReport, CheckInResponse, Outcome, OutcomeReport,
    TokenInfo,
};
pub use odata::{Collection, ODataTypeError};
pub use pools::{
    ActivationCode, AddActivationCodes, AlreadyImported, DeviceState, DeviceStateKind,
    DeviceStateWrite, ImportedPool, Pool, PoolCreate, PoolExtras, PoolPatch, PreUploadCheck,
    PreUploadCheckResult, StateLabel, StateSummary,
};

/// The `@odata.type` markers, one per Graph entity this API reads or writes.
pub mod types {
    pub use crate::odata::{ActivationCodeType, AssignmentType, DeviceStateType, PoolType};
}
