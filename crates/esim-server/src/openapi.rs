//! The OpenAPI 3.1 document, generated from the one table of routes ([`crate::routes::all`]
//! gives each row's [`Operation`]; this module does not know the table, so it stays a leaf).

use axum::http::Method;
use esim_odata::Schema;
use serde_json::{json, Map, Value};

use crate::auth::Access;

/// What the document says of one route.
#[derive(Debug, Clone, Copy)]
pub struct Operation<'a> {
    /// Its method.
    pub method: &'a Method,
    /// Its path, with `{param}`s.
    pub path: &'a str,
    /// Who may call it.
    pub access: Access,
    /// One line.
    pub summary: &'a str,
    /// The tag.
    pub tag: &'a str,
    /// Success status.
    pub status: u16,
    /// The OData query options of a collection's `GET` (its properties), if it takes them.
    pub query: Option<&'static Schema>,
}

/// The query parameters of a collection with OData query options: what each takes is
/// named from its schema (`docs/API-DESIGN.md`, "OData query options").
fn query_parameters(schema: &Schema) -> Vec<Value> {
    let names = |which: fn(&esim_odata::Property) -> bool| {
        schema
            .properties
            .iter()
            .filter(|p| which(p))
            .map(|p| p.name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let q = |name: &str, kind: &str, description: String| json!({"name": name, "in": "query", "required": false, "schema": {"type": kind}, "description": description});
    vec![
        q(
            "$filter",
            "string",
            format!(
            "eq, ne, gt, ge, lt, le, and, or, not, startswith(property,'text'), parentheses; on {}",
            names(|p| p.filter)
        ),
        ),
        q(
            "$orderby",
            "string",
            format!(
                "Up to three of {}, each optionally followed by asc or desc",
                names(|p| p.order)
            ),
        ),
        q(
            "$select",
            "string",
            format!("Comma-separated: {}", names(|_| true)),
        ),
        q(
            "$count",
            "boolean",
            "true: @odata.count, the items of every page".into(),
        ),
        q(
            "$top",
            "integer",
            "Items per page (default 100, at most the server's --max-page)".into(),
        ),
        q(
            "$skip",
            "integer",
            "Items passed over before the first page".into(),
        ),
        q(
            "$skiptoken",
            "string",
            "Opaque: copy it from @odata.nextLink, never make one".into(),
        ),
    ]
}

/// The document: every operation, with its parameters, access and statuses.
pub fn document<'a>(operations: impl IntoIterator<Item = Operation<'a>>) -> Value {
    let mut paths = Map::new();
    for r in operations {
        let mut params: Vec<Value> = r
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        params.extend(r.query.map(query_parameters).unwrap_or_default());
        let mut responses = Map::new();
        responses.insert(r.status.to_string(), json!({"description": "Success"}));
        let mut errors = vec!["400", "404"];
        if r.access != Access::Public {
            errors.extend(["401", "403"]);
        }
        for e in errors {
            responses.insert(e.into(), json!({"$ref": "#/components/responses/Error"}));
        }
        let mut op = json!({
            "summary": r.summary,
            "tags": [r.tag],
            "operationId": format!("{} {}", r.method, r.path),
            "parameters": params,
            "responses": responses,
            "x-access": r.access.describe(),
        });
        if r.access == Access::Public {
            op["security"] = json!([]);
        }
        paths
            .entry(r.path.to_owned())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("an object")
            .insert(r.method.as_str().to_ascii_lowercase(), op);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "eSIM activation-code pools",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Graph beta's Intune eSIM resources plus the project's own routes; see docs/API-DESIGN.md."
        },
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {
                "description": "Graph's error body",
                "content": {"application/json": {"schema": {"type": "object", "required": ["error"],
                    "properties": {"error": {"type": "object", "required": ["code", "message"],
                        "properties": {
                            "code": {"type": "string"}, "message": {"type": "string"},
                            "details": {"type": "array", "items": {"type": "object"}},
                            "innerError": {"type": "object"}}}}}}}
            }}
        }
    })
}
