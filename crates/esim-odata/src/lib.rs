//! OData query options of the eSIM API's collections, as Microsoft Graph supports them for
//! its Intune eSIM resources: `$filter`, `$orderby`, `$select`, `$top`, `$skip`, `$count` and the
//! opaque `$skiptoken`.
//!
//! Each collection describes its properties in a [`Schema`] (the OData name, the SQL
//! column, the type, and whether it can be filtered and sorted on). [`QueryOptions::parse`]
//! reads a request's query string against it, and [`Filter::to_sql`] / [`order_sql`] give
//! SQL whose values are all bound parameters, for SQLite and PostgreSQL alike. Anything
//! not understood is an [`Error`] whose message names the part (for Graph's
//! `400 BadRequest`), never a silently unfiltered answer.
//!
//! The `$filter` grammar is the part of OData 4.01's that Graph documents for these
//! resources: `eq`, `ne`, `gt`, `ge`, `lt`, `le`, `and`, `or`, `not`, `startswith(property,
//! 'text')`, parentheses; string (`'it''s'`), whole-number, `true`/`false`, `null` and
//! UTC date-time (`2026-01-31T12:00:00Z`) literals. No maintained Rust crate covers this
//! with messages naming the part not understood (see `docs/API-DESIGN.md`), so it is a
//! small hand-written recursive-descent parser, fuzzed in `cargo test` (`tests/fuzz.rs`).

mod filter;
mod sql;

use std::fmt;

pub use filter::{parse_filter, Filter, Op, Value};
pub use sql::{order_sql, seek_sql, Dialect, Param, Sql};

/// The type of a property, which decides the literals it is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `Edm.String`: compared with `'text'`; `startswith` applies.
    Text,
    /// `Edm.Int32`/`Int64`: compared with whole numbers.
    Int,
    /// `Edm.Boolean`, stored as 0/1.
    Bool,
    /// `Edm.DateTimeOffset`, stored as RFC 3339 UTC text with milliseconds
    /// (`2026-01-31T12:00:00.000Z`), so that text order is time order.
    Time,
    /// An enumeration, stored as its member's name; compared with `'member'`.
    Enum(&'static [&'static str]),
}

/// One property of a collection's items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Property {
    /// The OData name (`deviceName`).
    pub name: &'static str,
    /// The SQL expression of its value (`d.display_name`); never built from user input.
    pub column: &'static str,
    /// Its type.
    pub kind: Kind,
    /// Usable in `$filter`.
    pub filter: bool,
    /// Usable in `$orderby`.
    pub order: bool,
}

/// The properties of one collection.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// The entity's name, for messages (`embeddedSIMDeviceState`).
    pub entity: &'static str,
    /// Every property a client may `$select`.
    pub properties: &'static [Property],
}

impl Schema {
    /// The property named `name` (OData names are case-sensitive, Graph's are not: any
    /// case is accepted).
    pub fn find(&self, name: &str) -> Option<&'static Property> {
        self.properties
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    fn names(&self, which: impl Fn(&Property) -> bool) -> String {
        self.properties
            .iter()
            .filter(|p| which(p))
            .map(|p| p.name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A query option this API does not understand; the message names the part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// One key of `$orderby`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    /// The property.
    pub property: &'static Property,
    /// `desc`.
    pub descending: bool,
}

/// The query options of one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryOptions {
    /// `$filter`.
    pub filter: Option<Filter>,
    /// `$orderby` (empty: the collection's own order).
    pub order: Vec<Order>,
    /// `$select` (`None`: every property).
    pub select: Option<Vec<&'static Property>>,
    /// `$count=true`.
    pub count: bool,
    /// `$top`, as sent (the caller caps it).
    pub top: Option<i64>,
    /// `$skip`: the items to pass over before the first page.
    pub skip: Option<i64>,
    /// `$skiptoken`, as sent (opaque: only the server that made it reads it).
    pub skiptoken: Option<String>,
}

/// The longest `$filter`, `$orderby` or `$select` accepted (Graph's URLs are limited too).
pub const MAX_OPTION_LEN: usize = 2048;

/// The most `$orderby` keys.
pub const MAX_ORDER_KEYS: usize = 3;

impl QueryOptions {
    /// Reads the query string's pairs (already percent-decoded). Parameters that do not
    /// start with `$` are left to the caller; a system query option this API does not
    /// support, or one given twice, is an error.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
        schema: &Schema,
    ) -> Result<QueryOptions, Error> {
        let mut q = QueryOptions::default();
        let mut seen: Vec<String> = Vec::new();
        for (key, value) in pairs {
            if !key.starts_with('$') {
                continue;
            }
            let lower = key.to_ascii_lowercase();
            if seen.contains(&lower) {
                return Err(Error(format!(
                    "The query option '{key}' is given more than once."
                )));
            }
            seen.push(lower.clone());
            if value.len() > MAX_OPTION_LEN
                && matches!(lower.as_str(), "$filter" | "$orderby" | "$select")
            {
                return Err(Error(format!(
                    "The query option '{key}' is longer than {MAX_OPTION_LEN} characters."
                )));
            }
            match lower.as_str() {
                "$filter" => q.filter = Some(parse_filter(value, schema)?),
                "$orderby" => q.order = parse_orderby(value, schema)?,
                "$select" => q.select = Some(parse_select(value, schema)?),
                "$count" => {
                    q.count = match value {
                        "true" => true,
                        "false" => false,
                        _ => {
                            return Err(Error(format!(
                                "$count must be true or false; got '{value}'."
                            )))
                        }
                    }
                }
                "$top" => {
                    q.top = Some(value.parse::<i64>().ok().filter(|n| *n >= 1).ok_or_else(
                        || Error(format!("$top must be a whole number above 0; got '{value}'.")),
                    )?)
                }
                "$skip" => {
                    q.skip = Some(value.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(
                        || Error(format!("$skip must be a whole number, 0 or more; got '{value}'.")),
                    )?)
                }
                "$skiptoken" => q.skiptoken = Some(value.to_owned()),
                _ => {
                    return Err(Error(format!(
                        "The query option '{key}' is not supported on {} collections; supported: $filter, $select, $orderby, $top, $skip, $count, $skiptoken.",
                        schema.entity
                    )))
                }
            }
        }
        Ok(q)
    }
}

/// Reads `$orderby`: `property [asc|desc]`, comma-separated.
pub fn parse_orderby(input: &str, schema: &Schema) -> Result<Vec<Order>, Error> {
    let mut out: Vec<Order> = Vec::new();
    for part in input.split(',') {
        let words: Vec<&str> = part.split_whitespace().collect();
        let (name, descending) = match words.as_slice() {
            [name] => (*name, false),
            [name, "asc"] => (*name, false),
            [name, "desc"] => (*name, true),
            _ => {
                return Err(Error(format!(
                    "The $orderby part '{}' is not understood; write a property, optionally followed by asc or desc.",
                    part.trim()
                )))
            }
        };
        let property = match schema.find(name) {
            Some(p) if p.order => p,
            Some(_) | None => {
                return Err(Error(format!(
                    "'{name}' in $orderby is not a property of {} that can be sorted on; use one of: {}.",
                    schema.entity,
                    schema.names(|p| p.order)
                )))
            }
        };
        if out.iter().any(|o| o.property.name == property.name) {
            return Err(Error(format!(
                "'{name}' appears more than once in $orderby."
            )));
        }
        out.push(Order {
            property,
            descending,
        });
    }
    if out.len() > MAX_ORDER_KEYS {
        return Err(Error(format!(
            "$orderby takes at most {MAX_ORDER_KEYS} properties."
        )));
    }
    Ok(out)
}

/// Reads `$select`: property names, comma-separated.
pub fn parse_select(input: &str, schema: &Schema) -> Result<Vec<&'static Property>, Error> {
    let mut out: Vec<&'static Property> = Vec::new();
    for name in input.split(',').map(str::trim) {
        if let Some((whole, _)) = name.split_once('/') {
            return Err(Error(format!(
                "'{name}' in $select names a part of a property; select the whole property ('{whole}')."
            )));
        }
        let Some(property) = schema.find(name) else {
            return Err(Error(format!(
                "'{name}' in $select is not a property of {}; use: {}.",
                schema.entity,
                schema.names(|_| true)
            )));
        };
        if !out.iter().any(|p| p.name == property.name) {
            out.push(property);
        }
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub const STATES: &[&str] = &["notEvaluated", "installed", "removedByUser"];

    pub const SCHEMA: Schema = Schema {
        entity: "embeddedSIMDeviceState",
        properties: &[
            Property {
                name: "id",
                column: "ds.device_id",
                kind: Kind::Text,
                filter: true,
                order: true,
            },
            Property {
                name: "deviceName",
                column: "d.display_name",
                kind: Kind::Text,
                filter: true,
                order: true,
            },
            Property {
                name: "state",
                column: "ds.state",
                kind: Kind::Enum(STATES),
                filter: true,
                order: true,
            },
            Property {
                name: "lastSyncDateTime",
                column: "ds.last_sync_at",
                kind: Kind::Time,
                filter: true,
                order: true,
            },
            Property {
                name: "activationCodeCount",
                column: "p.code_count",
                kind: Kind::Int,
                filter: true,
                order: false,
            },
            Property {
                name: "retired",
                column: "d.retired",
                kind: Kind::Bool,
                filter: true,
                order: false,
            },
            Property {
                name: "stateDetails",
                column: "ds.state_details",
                kind: Kind::Text,
                filter: false,
                order: false,
            },
        ],
    };

    fn parse(pairs: &[(&str, &str)]) -> Result<QueryOptions, Error> {
        QueryOptions::parse(pairs.iter().copied(), &SCHEMA)
    }

    #[test]
    fn every_option_is_read() {
        let q = parse(&[
            ("$filter", "state eq 'installed'"),
            ("$orderby", "deviceName desc, id"),
            ("$select", "id,deviceName,id"),
            ("$count", "true"),
            ("$top", "5"),
            ("$skip", "7"),
            ("$skiptoken", "abc"),
            ("api-version", "x"),
        ])
        .unwrap();
        assert!(q.filter.is_some());
        let order: Vec<(&str, bool)> = q
            .order
            .iter()
            .map(|o| (o.property.name, o.descending))
            .collect();
        assert_eq!(order, [("deviceName", true), ("id", false)]);
        let select: Vec<&str> = q.select.unwrap().iter().map(|p| p.name).collect();
        assert_eq!(select, ["id", "deviceName"]);
        assert!(q.count);
        assert_eq!(q.top, Some(5));
        assert_eq!(q.skip, Some(7));
        assert_eq!(q.skiptoken.as_deref(), Some("abc"));
        assert_eq!(parse(&[]).unwrap(), QueryOptions::default());
    }

    #[test]
    fn refused_options_name_the_part() {
        let err = |pairs: &[(&str, &str)]| parse(pairs).unwrap_err().0;
        assert!(err(&[("$expand", "x")]).contains("'$expand' is not supported"));
        assert!(err(&[("$top", "1"), ("$TOP", "2")]).contains("more than once"));
        assert!(err(&[("$count", "yes")]).contains("'yes'"));
        assert!(err(&[("$top", "0")]).contains("'0'"));
        assert!(err(&[("$skip", "-1")]).contains("'-1'"));
        assert!(err(&[("$orderby", "nope")]).contains("'nope' in $orderby"));
        assert!(err(&[("$orderby", "stateDetails")]).contains("can be sorted on"));
        assert!(err(&[("$orderby", "id sideways")]).contains("'id sideways'"));
        assert!(err(&[("$orderby", "id,id")]).contains("more than once"));
        assert!(err(&[("$orderby", "id,deviceName,state,lastSyncDateTime")]).contains("at most"));
        assert!(err(&[("$select", "id,colour")]).contains("'colour' in $select"));
        let long = "a".repeat(MAX_OPTION_LEN + 1);
        assert!(err(&[("$filter", &long)]).contains("longer than"));
    }
}
