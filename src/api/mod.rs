//! The one place that knows the backend's URLs and turns its answers into typed results.
//!
//! The console talks to the project's own server by default and to Microsoft Graph with a
//! Graph base URL and token; both speak Graph beta's eSIM shape (`esim-wire`). Everything
//! here but [`http`] is plain Rust, tested natively against recorded responses
//! (`tests/graph_client.rs`); [`http`] sends the requests with the browser's `fetch`.

pub mod http;
pub mod throttle;

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
    /// The audit log (project route, admins only).
    AuditEntries,
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
            Resource::AuditEntries => "/api/auditEntries".to_owned(),
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
        self.first_page_url_with(resource, "")
    }

    /// [`Client::first_page_url`] with more query options (`$filter=...&$orderby=...`,
    /// already encoded).
    pub fn first_page_url_with(&self, resource: &Resource<'_>, options: &str) -> String {
        let url = self.url(resource);
        let top = match self.backend {
            Backend::Server => format!("$top={SERVER_PAGE}"),
            Backend::Graph => String::new(),
        };
        let query: Vec<&str> = [top.as_str(), options]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect();
        if query.is_empty() {
            url
        } else {
            format!("{url}?{}", query.join("&"))
        }
    }
}

impl Client {
    /// The URL a collection's `@odata.nextLink` leads to, if the console may follow it: a
    /// link on the API's own origin (or a path on it). A link elsewhere is refused - the
    /// request would carry the token to another server.
    pub fn next_url(&self, link: &str) -> Result<String, ApiError> {
        let own = origin(&self.base);
        if link.starts_with('/') && !link.starts_with("//") && !link.starts_with("/\\") {
            if let Some(own) = own {
                return Ok(format!("{own}{link}"));
            }
        }
        match (origin(link), own) {
            (Some(theirs), Some(own)) if theirs == own => Ok(link.to_owned()),
            (theirs, own) => Err(ApiError::Unexpected {
                status: 200,
                detail: format!(
                    "a next-page link to {} was not followed: the token goes only to {}",
                    theirs
                        .as_deref()
                        .unwrap_or("an address that is not a web origin"),
                    own.as_deref().unwrap_or("the API"),
                ),
            }),
        }
    }
}

/// The origin of an absolute `http(s)` URL: `scheme://host[:port]`, lower-cased, without
/// the scheme's default port. `None` for anything else, and for URLs a browser could read
/// differently from this function (white space, control characters, `%` in the host), so
/// comparing origins errs on the side of refusing.
pub fn origin(url: &str) -> Option<String> {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => "80",
        "https" => "443",
        _ => return None,
    };
    // Browsers read `\` as `/` in http(s) URLs; user info ends at the last `@`.
    let authority = rest.split(['/', '\\', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        (format!("[{host}]"), after.strip_prefix(':'))
    } else {
        match host_port.split_once(':') {
            Some((host, port)) => (host.to_owned(), Some(port)),
            None => (host_port.to_owned(), None),
        }
    };
    if host.is_empty() || host.contains('%') {
        return None;
    }
    let host = host.to_ascii_lowercase();
    match port {
        None | Some("") => Some(format!("{scheme}://{host}")),
        Some(port) if port == default_port => Some(format!("{scheme}://{host}")),
        Some(port) if port.bytes().all(|b| b.is_ascii_digit()) => {
            Some(format!("{scheme}://{host}:{port}"))
        }
        Some(_) => None,
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
        assert_eq!(
            server.first_page_url_with(&Resource::DeviceStates("p"), "$orderby=deviceName%20asc"),
            "http://h/beta/deviceManagement/embeddedSIMActivationCodePools/p/deviceStates?$top=1000&$orderby=deviceName%20asc"
        );
    }

    #[test]
    fn origins_are_compared_as_a_browser_reads_them() {
        assert_eq!(
            origin("https://Graph.Microsoft.com:443/beta/x?$skiptoken=a"),
            Some("https://graph.microsoft.com".into())
        );
        assert_eq!(
            origin("http://127.0.0.1:8080/x"),
            Some("http://127.0.0.1:8080".into())
        );
        assert_eq!(origin("http://[::1]:80/"), Some("http://[::1]".into()));
        // User info and a backslash do not hide the real host.
        assert_eq!(
            origin("https://graph.microsoft.com@evil.example/beta"),
            Some("https://evil.example".into())
        );
        assert_eq!(
            origin("https://evil.example\\@graph.microsoft.com/"),
            Some("https://evil.example".into())
        );
        for odd in [
            "ftp://graph.microsoft.com/",
            "//graph.microsoft.com/x",
            "https://gra\nph.microsoft.com/",
            "https://graph%2emicrosoft.com/",
            "https://graph.microsoft.com:44x/",
            "https:///x",
        ] {
            assert_eq!(origin(odd), None, "{odd}");
        }
    }

    #[test]
    fn next_links_are_followed_only_on_the_apis_origin() {
        let graph = Client::new("https://graph.microsoft.com", "t");
        let own = "https://graph.microsoft.com/beta/deviceManagement/embeddedSIMActivationCodePools?$skiptoken=X2lk";
        assert_eq!(graph.next_url(own).as_deref(), Ok(own));
        assert_eq!(
            graph
                .next_url("https://GRAPH.microsoft.com:443/beta/x")
                .as_deref(),
            Ok("https://GRAPH.microsoft.com:443/beta/x")
        );
        assert_eq!(
            graph.next_url("/beta/x?$skiptoken=2").as_deref(),
            Ok("https://graph.microsoft.com/beta/x?$skiptoken=2")
        );
        for elsewhere in [
            "https://evil.example/beta/x",
            "http://graph.microsoft.com/beta/x",
            "https://graph.microsoft.com.evil.example/beta/x",
            "https://graph.microsoft.com@evil.example/beta/x",
            "//evil.example/beta/x",
            "javascript:alert(1)",
        ] {
            let refused = graph.next_url(elsewhere).unwrap_err();
            assert!(
                matches!(&refused, ApiError::Unexpected { detail, .. } if detail.contains("https://graph.microsoft.com")),
                "{elsewhere}: {refused:?}"
            );
        }
        let server = Client::new("http://127.0.0.1:8080", "t");
        assert!(server.next_url("http://127.0.0.1:8080/beta/x").is_ok());
        assert!(server.next_url("http://127.0.0.1:8081/beta/x").is_err());
        assert!(server.next_url("http://localhost:8080/beta/x").is_err());
    }

    #[test]
    fn the_audit_log_is_a_project_route() {
        let c = Client::new("http://127.0.0.1:8080/", "t");
        assert_eq!(
            c.url(&Resource::AuditEntries),
            "http://127.0.0.1:8080/api/auditEntries"
        );
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
