//! The console's views and their URLs: `#/pools/{id}/devices` and so on.
//!
//! Routes live in the URL's fragment, so the built `dist/` works from any static host (no
//! server rewrite rules), a portal can link to any view, and the back button works. The
//! fragment `#token=...` is not a route: it signs in (see [`super::connection`]) and is
//! replaced at once.

use crate::api::encode;

/// A view of the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `#/`: check files (the validator; needs no server).
    Check,
    /// `#/pools`.
    Pools,
    /// `#/pools/{id}`, `#/pools/{id}/devices`, `#/pools/{id}/assignments`.
    Pool { id: String, tab: PoolTab },
    /// `#/groups`.
    Groups,
    /// `#/groups/{id}`.
    Group { id: String },
    /// `#/settings`: the server and the token.
    Settings,
    /// `#/audit`: the audit log (admins).
    Audit,
    /// Anything else (shown as "no such page", with a way back).
    NotFound(String),
}

/// The parts of a pool's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolTab {
    /// The chart of device states and the codes left.
    Overview,
    /// The per-device table.
    Devices,
    /// Include and exclude groups.
    Assignments,
}

impl PoolTab {
    /// Every tab, in the order shown.
    pub const ALL: [PoolTab; 3] = [PoolTab::Overview, PoolTab::Devices, PoolTab::Assignments];

    fn segment(self) -> &'static str {
        match self {
            PoolTab::Overview => "",
            PoolTab::Devices => "/devices",
            PoolTab::Assignments => "/assignments",
        }
    }
}

impl Route {
    /// The route a fragment (`location.hash`, with or without the `#`) names.
    pub fn parse(hash: &str) -> Route {
        let path = hash.strip_prefix('#').unwrap_or(hash);
        // A query after the path (`#/pools?x=1`) is not part of the route.
        let path = path.split('?').next().unwrap_or("");
        // A fragment that is not a path (`#results`, an anchor a host page put there) is
        // not a route: the start page.
        if !path.starts_with('/') {
            return Route::Check;
        }
        let parts: Vec<String> = path
            .split('/')
            .filter(|part| !part.is_empty())
            .map(decode)
            .collect();
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        match parts.as_slice() {
            [] => Route::Check,
            ["check"] => Route::Check,
            ["pools"] => Route::Pools,
            ["pools", id] => Route::Pool {
                id: (*id).to_owned(),
                tab: PoolTab::Overview,
            },
            ["pools", id, "devices"] => Route::Pool {
                id: (*id).to_owned(),
                tab: PoolTab::Devices,
            },
            ["pools", id, "assignments"] => Route::Pool {
                id: (*id).to_owned(),
                tab: PoolTab::Assignments,
            },
            ["groups"] => Route::Groups,
            ["groups", id] => Route::Group {
                id: (*id).to_owned(),
            },
            ["settings"] => Route::Settings,
            ["audit"] => Route::Audit,
            _ => Route::NotFound(path.to_owned()),
        }
    }

    /// The fragment of this route, with its `#`.
    pub fn href(&self) -> String {
        match self {
            Route::Check => "#/".to_owned(),
            Route::Pools => "#/pools".to_owned(),
            Route::Pool { id, tab } => format!("#/pools/{}{}", encode(id), tab.segment()),
            Route::Groups => "#/groups".to_owned(),
            Route::Group { id } => format!("#/groups/{}", encode(id)),
            Route::Settings => "#/settings".to_owned(),
            Route::Audit => "#/audit".to_owned(),
            Route::NotFound(path) => format!("#{path}"),
        }
    }

    /// The top-level section the navigation marks as current.
    pub fn section(&self) -> Section {
        match self {
            Route::Check | Route::NotFound(_) => Section::Check,
            Route::Pools | Route::Pool { .. } => Section::Pools,
            Route::Groups | Route::Group { .. } => Section::Groups,
            Route::Settings => Section::Settings,
            Route::Audit => Section::Audit,
        }
    }

    /// True for the views that read the API (the others work without a server).
    pub fn needs_server(&self) -> bool {
        !matches!(self, Route::Check | Route::Settings | Route::NotFound(_))
    }
}

/// The navigation's sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Check files.
    Check,
    /// Pools.
    Pools,
    /// Device groups and devices.
    Groups,
    /// Server and token.
    Settings,
    /// The audit log.
    Audit,
}

/// The `name=value` pairs of a query or a fragment (`?a=1&b=2`, `#token=...`), each value
/// decoded (`+` is a space).
pub fn pairs(text: &str) -> impl Iterator<Item = (&str, String)> {
    let rest = text.strip_prefix(['?', '#']).unwrap_or(text);
    rest.split('&').map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        (name, decode(&value.replace('+', " ")))
    })
}

/// Percent-decoding of one path segment (invalid escapes are kept as they are).
pub fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_round_trips_through_its_url() {
        let routes = [
            Route::Check,
            Route::Pools,
            Route::Pool {
                id: "p 1/é".into(),
                tab: PoolTab::Overview,
            },
            Route::Pool {
                id: "p1".into(),
                tab: PoolTab::Devices,
            },
            Route::Pool {
                id: "p1".into(),
                tab: PoolTab::Assignments,
            },
            Route::Groups,
            Route::Group { id: "g-1".into() },
            Route::Settings,
            Route::Audit,
        ];
        for route in routes {
            assert_eq!(Route::parse(&route.href()), route, "{}", route.href());
        }
    }

    #[test]
    fn fragments_parse_leniently() {
        assert_eq!(Route::parse(""), Route::Check);
        assert_eq!(Route::parse("#"), Route::Check);
        assert_eq!(Route::parse("#results"), Route::Check);
        assert_eq!(Route::parse("#/pools/"), Route::Pools);
        assert_eq!(Route::parse("#/pools?x=1"), Route::Pools);
        assert_eq!(
            Route::parse("#/pools/a%2Fb/devices"),
            Route::Pool {
                id: "a/b".into(),
                tab: PoolTab::Devices
            }
        );
        assert_eq!(Route::parse("#/nope/1"), Route::NotFound("/nope/1".into()));
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz"), "%zz");
        assert_eq!(decode("%41%42"), "AB");
    }

    #[test]
    fn sections_and_server_needs() {
        assert_eq!(Route::Group { id: "g".into() }.section(), Section::Groups);
        assert!(Route::Pools.needs_server());
        assert!(Route::Audit.needs_server());
        assert_eq!(Route::Audit.section(), Section::Audit);
        assert!(!Route::Check.needs_server());
        assert!(!Route::Settings.needs_server());
    }
}
