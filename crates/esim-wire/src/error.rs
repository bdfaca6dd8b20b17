//! Graph's error body: one shape for every error, validation included.

use serde::{Deserialize, Serialize};

/// `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: GraphError,
}

/// The error object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphError {
    /// A stable code such as `invalidActivationCodes`, `notFound`, `forbidden`.
    pub code: String,
    /// A sentence for people.
    pub message: String,
    /// The individual problems (validation findings, one per finding).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<ErrorDetail>,
    /// When and for which request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inner_error: Option<InnerError>,
}

/// One entry of `details`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail {
    /// The finding code (such as `iccid-length`) or another stable code.
    pub code: String,
    /// A sentence naming the value and saying how to fix it.
    pub message: String,
    /// What it is about, such as `activationCodes[17].integratedCircuitCardIdentifier`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// `error` or `warning` (findings only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// 1-based line of the file (uploads of a file only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column of the file (uploads of a file only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

/// `innerError`: the date and the request id, which matches the `request-id` header and
/// the server's log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InnerError {
    /// RFC 3339.
    pub date: String,
    /// The request id.
    #[serde(rename = "request-id")]
    pub request_id: String,
}
