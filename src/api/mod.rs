//! The one place that knows the backend's URLs and turns its answers into typed results.
//!
//! The console talks to the project's own server by default and to Microsoft Graph with a
//! Graph base URL and token; both speak Graph beta's eSIM shape (`esim-wire`). Everything
//! here but [`http`] is plain Rust, tested natively against recorded responses
//! (`tests/graph_client.rs`); [`http`] sends the requests with the browser's `fetch`.

pub mod http;

use std::fmt;

use esim_wire::{ErrorBody, GraphError};
use serde::de::DeserializeOwned;

/// What the console is connected to. Some features exist only on the project's server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The project's `esim-server`.
    Server,
    /// Microsoft Graph (`https://graph.microsoft.com`).
    Graph,
}

impl Backend {
    /// Graph when the base URL is Graph's, the project's server otherwise.
    pub fn of(base: &str) -> Backend {
        let host = base
            .split("://")
            .nth(1)
            .unwrap_or(base)
            .split(['/', ':'])
            .next()
            .unwrap_or("");
        if host.eq_ignore_ascii_case("graph.microsoft.com")
            || host.to_ascii_lowercase().ends_with(".graph.microsoft.com")
        {
            Backend::Graph
        } else {
            Backend::Server
        }
    }

    /// True when the backend has the project's own routes: raw-file import, the pre-upload
    /// check, adding codes to a pool, the audit log (Graph has none of them).
    pub fn has_project_routes(self) -> bool {
        self == Backend::Server
    }
}

/// A resource of the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource<'a> {
    /// The pools collection.
    Pools,
    /// One pool.
    Pool(&'a str),
    /// A pool's `assign` action.
    Assign(&'a str),
    /// A pool's assignments.
    Assignments(&'a str),
    /// A pool's device states.
    DeviceStates(&'a str),
    /// A failed device state's retry (project route).
    Retry(&'a str, &'a str),
    /// Import a file as a new pool (project route).
    Import {
        /// The file's name (the pool's name unless `display_name` is given).
        file_name: &'a str,
        /// The pool's name.
        display_name: Option<&'a str>,
    },
    /// Import a file into an existing pool (project route).
    ImportInto {
        /// The pool.
        pool: &'a str,
        /// The file's name.
        file_name: &'a str,
    },
    /// The pre-upload check (project route).
    PreUploadCheck,
    /// The device groups.
    Groups,
    /// One group.
    Group(&'a str),
    /// A group's members.
    Members(&'a str),
    /// Add a member (`$ref`).
    MemberRefs(&'a str),
    /// Remove a member.
    MemberRef(&'a str, &'a str),
    /// The devices.
    Devices,
    /// One device.
    Device(&'a str),
}

/// Where requests go and with which token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    base: String,
    token: String,
    backend: Backend,
}

impl Client {
    /// A client for the API at `base` (such as `http://127.0.0.1:8080` or
    /// `https://graph.microsoft.com`), sending `token` as a bearer token.
    pub fn new(base: &str, token: &str) -> Client {
        let base = base.trim().trim_end_matches('/').to_owned();
        Client {
            backend: Backend::of(&base),
            base,
            token: token.trim().to_owned(),
        }
    }

    /// The backend the base URL names.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The bearer token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The base URL, without a trailing `/`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The URL of a resource.
    pub fn url(&self, resource: &Resource<'_>) -> String {
        const POOLS: &str = "/beta/deviceManagement/embeddedSIMActivationCodePools";
        let e = encode;
        let path = match resource {
            Resource::Pools => POOLS.to_owned(),
            Resource::Pool(id) => format!("{POOLS}/{}", e(id)),
            Resource::Assign(id) => format!("{POOLS}/{}/assign", e(id)),
            Resource::Assignments(id) => format!("{POOLS}/{}/assignments", e(id)),
            Resource::DeviceStates(id) => format!("{POOLS}/{}/deviceStates", e(id)),
            Resource::Retry(pool, state) => {
                format!("{POOLS}/{}/deviceStates/{}/retry", e(pool), e(state))
            }
            Resource::Import {
                file_name,
                display_name,
            } => match display_name {
                Some(name) => format!(
                    "/api/pools/import?fileName={}&displayName={}",
                    e(file_name),
                    e(name)
                ),
                None => format!("/api/pools/import?fileName={}", e(file_name)),
            },
            Resource::ImportInto { pool, file_name } => {
                format!("/api/pools/{}/import?fileName={}", e(pool), e(file_name))
            }
            Resource::PreUploadCheck => "/api/pools/check".to_owned(),
            Resource::Groups => "/v1.0/groups".to_owned(),
            Resource::Group(id) => format!("/v1.0/groups/{}", e(id)),
            Resource::Members(id) => format!("/v1.0/groups/{}/members", e(id)),
            Resource::MemberRefs(id) => format!("/v1.0/groups/{}/members/$ref", e(id)),
            Resource::MemberRef(group, device) => {
                format!("/v1.0/groups/{}/members/{}/$ref", e(group), e(device))
            }
            Resource::Devices => "/v1.0/devices".to_owned(),
            Resource::Device(id) => format!("/v1.0/devices/{}", e(id)),
        };
        format!("{}{path}", self.base)
    }
}

/// The largest page this project's server gives (`$top`, capped at its `--max-page`,
/// 1,000 by default).
pub const SERVER_PAGE: u32 = 1000;

impl Client {
    /// The URL of a collection's first page, asking this project's server for its largest
    /// pages (a 10,000-device pool in 10 requests, not 100). Graph gets no `$top`: it
    /// chooses its own page size and links to the next page.
    pub fn first_page_url(&self, resource: &Resource<'_>) -> String {
        let url = self.url(resource);
        match self.backend {
            Backend::Server => format!("{url}?$top={SERVER_PAGE}"),
            Backend::Graph => url,
        }
    }
}

/// Percent-encodes a path segment or query value (ids come from the server, names from
/// users; neither may break the URL).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Why a request did not give what was asked for, in words the console can show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The server could not be reached (network, CORS, DNS, server down).
    Unreachable(String),
    /// 401: no token, a wrong token or a revoked one.
    Unauthorized,
    /// 403: the token's role may not do this.
    Forbidden(String),
    /// 404.
    NotFound(String),
    /// A 4xx with Graph's error body; `invalidActivationCodes` carries the findings.
    Rejected(GraphError),
    /// A 5xx; the request id lets an admin find the log line.
    Server {
        /// The status code.
        status: u16,
        /// The error, when the body had Graph's shape.
        error: Option<GraphError>,
    },
    /// An answer that is not the API's: wrong content type, a body of another shape (a
    /// proxy's login page, another service at that URL).
    Unexpected {
        /// The status code.
        status: u16,
        /// What was wrong.
        detail: String,
    },
}

impl ApiError {
    /// The request id of the answer, when the server gave one.
    pub fn request_id(&self) -> Option<&str> {
        let error = match self {
            ApiError::Rejected(e) => Some(e),
            ApiError::Server { error, .. } => error.as_ref(),
            _ => None,
        };
        error
            .and_then(|e| e.inner_error.as_ref())
            .map(|i| i.request_id.as_str())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Unreachable(detail) => write!(f, "the server cannot be reached: {detail}"),
            ApiError::Unauthorized => f.write_str("the token was not accepted"),
            ApiError::Forbidden(m) => write!(f, "not allowed: {m}"),
            ApiError::NotFound(m) => write!(f, "not found: {m}"),
            ApiError::Rejected(e) => write!(f, "{} ({})", e.message, e.code),
            ApiError::Server { status, .. } => write!(f, "the server failed ({status})"),
            ApiError::Unexpected { status, detail } => {
                write!(f, "unexpected answer ({status}): {detail}")
            }
        }
    }
}

impl std::error::Error for ApiError {}

/// Turns an answer into the expected value or a typed error. `content_type` is the
/// `Content-Type` header; an empty `body` decodes as `()`-like JSON `null`.
pub fn decode<T: DeserializeOwned>(
    status: u16,
    content_type: Option<&str>,
    body: &str,
) -> Result<T, ApiError> {
    let json = content_type.is_some_and(|t| {
        let t = t.to_ascii_lowercase();
        t.starts_with("application/json") || t.contains("+json")
    });
    if (200..300).contains(&status) {
        let body = if status == 204 || body.trim().is_empty() {
            "null"
        } else if json {
            body
        } else {
            return Err(ApiError::Unexpected {
                status,
                detail: format!(
                    "expected JSON, got {}",
                    content_type.unwrap_or("no content type")
                ),
            });
        };
        return serde_json::from_str(body).map_err(|e| ApiError::Unexpected {
            status,
            detail: format!("the body is not what the API returns: {e}"),
        });
    }
    let error = json
        .then(|| serde_json::from_str::<ErrorBody>(body).ok())
        .flatten()
        .map(|b| b.error);
    let message = || {
        error
            .as_ref()
            .map(|e| e.message.clone())
            .unwrap_or_default()
    };
    match (status, error.clone()) {
        (401, _) => Err(ApiError::Unauthorized),
        (403, _) => Err(ApiError::Forbidden(message())),
        (404, _) => Err(ApiError::NotFound(message())),
        (400..=499, Some(e)) => Err(ApiError::Rejected(e)),
        (500..=599, error) => Err(ApiError::Server { status, error }),
        _ => Err(ApiError::Unexpected {
            status,
            detail: "an error without Graph's error body".to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_is_recognised_by_its_host() {
        assert_eq!(Backend::of("https://graph.microsoft.com"), Backend::Graph);
        assert_eq!(Backend::of("https://GRAPH.microsoft.com/"), Backend::Graph);
        assert_eq!(
            Backend::of("https://dod-graph.microsoft.us"),
            Backend::Server
        );
        assert_eq!(Backend::of("http://127.0.0.1:8080"), Backend::Server);
        assert_eq!(
            Backend::of("https://graph.microsoft.com.evil.example"),
            Backend::Server
        );
    }

    #[test]
    fn urls_are_built_under_the_base_and_encoded() {
        let c = Client::new("http://127.0.0.1:8080/", " t ");
        assert_eq!(c.token(), "t");
        assert_eq!(
            c.url(&Resource::DeviceStates("a/b")),
            "http://127.0.0.1:8080/beta/deviceManagement/embeddedSIMActivationCodePools/a%2Fb/deviceStates"
        );
        assert_eq!(
            c.url(&Resource::Import {
                file_name: "Unlimited Data&Co.csv",
                display_name: None,
            }),
            "http://127.0.0.1:8080/api/pools/import?fileName=Unlimited%20Data%26Co.csv"
        );
        assert_eq!(
            c.url(&Resource::Import {
                file_name: "a.csv",
                display_name: Some("Sales & more"),
            }),
            "http://127.0.0.1:8080/api/pools/import?fileName=a.csv&displayName=Sales%20%26%20more"
        );
        assert_eq!(
            c.url(&Resource::ImportInto {
                pool: "p1",
                file_name: "b.csv"
            }),
            "http://127.0.0.1:8080/api/pools/p1/import?fileName=b.csv"
        );
        assert_eq!(
            c.url(&Resource::MemberRef("g", "d")),
            "http://127.0.0.1:8080/v1.0/groups/g/members/d/$ref"
        );
    }

    #[test]
    fn first_pages_are_large_on_the_server_and_graphs_own_on_graph() {
        let server = Client::new("http://h", "t");
        assert_eq!(
            server.first_page_url(&Resource::DeviceStates("p")),
            "http://h/beta/deviceManagement/embeddedSIMActivationCodePools/p/deviceStates?$top=1000"
        );
        let graph = Client::new("https://graph.microsoft.com", "t");
        assert!(!graph
            .first_page_url(&Resource::DeviceStates("p"))
            .contains('?'));
    }

    #[test]
    fn errors_are_typed() {
        let body = r#"{"error":{"code":"forbidden","message":"readers cannot write","innerError":{"date":"2026-01-01T00:00:00Z","request-id":"r1"}}}"#;
        let json = Some("application/json; charset=utf-8");
        assert_eq!(
            decode::<serde_json::Value>(401, json, body),
            Err(ApiError::Unauthorized)
        );
        assert_eq!(
            decode::<serde_json::Value>(403, json, body),
            Err(ApiError::Forbidden("readers cannot write".into()))
        );
        let rejected = decode::<serde_json::Value>(400, json, body).unwrap_err();
        assert_eq!(rejected.request_id(), Some("r1"));
        assert!(matches!(
            decode::<serde_json::Value>(502, Some("text/html"), "<html>bad gateway</html>"),
            Err(ApiError::Server {
                status: 502,
                error: None
            })
        ));
        assert!(matches!(
            decode::<serde_json::Value>(200, Some("text/html"), "<html>login</html>"),
            Err(ApiError::Unexpected { status: 200, .. })
        ));
        assert!(matches!(
            decode::<esim_wire::Pool>(200, json, r#"{"hello":"world"}"#),
            Err(ApiError::Unexpected { status: 200, .. })
        ));
        assert_eq!(decode::<()>(204, None, ""), Ok(()));
    }
}
