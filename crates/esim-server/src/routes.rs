//! The one table of routes: the router and the OpenAPI document are both built from it,
//! so a route cannot be served without being documented (a test also checks that no
//! module adds routes around this table).

use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::http::{Method, StatusCode};
use axum::middleware;
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::routing::{self, MethodFilter, MethodRouter};
use axum::{Json, Router};
use esim_wire::AuthConfig;

use crate::auth::{authorize, Access};
use crate::{assignments, audit, devices, directory, mdm, openapi, pools, tokens, AppState};

pub use crate::util::POOLS;

/// One route.
#[derive(Debug)]
pub struct Route {
    /// Its method.
    pub method: Method,
    /// Its path, with `{param}`s.
    pub path: String,
    /// Who may call it.
    pub access: Access,
    /// One line for the OpenAPI document.
    pub summary: &'static str,
    /// The OpenAPI tag.
    pub tag: &'static str,
    /// Success status.
    pub status: u16,
    handler: MethodRouter<AppState>,
}

/// A row of the table: `handler` answers `method` at `path` (the method is written once,
/// here; the router is built from it).
fn r<H, T>(
    method: Method,
    path: impl Into<String>,
    access: Access,
    tag: &'static str,
    status: u16,
    summary: &'static str,
    handler: H,
) -> Route
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let filter = MethodFilter::try_from(method.clone())
        .unwrap_or_else(|e| panic!("{method} cannot be routed: {e}"));
    let handler = routing::on(filter, handler);
    Route {
        method,
        path: path.into(),
        access,
        summary,
        tag,
        status,
        handler,
    }
}

/// Every route of the server.
pub fn all() -> Vec<Route> {
    use Access::*;
    const GET: Method = Method::GET;
    const POST: Method = Method::POST;
    const PATCH: Method = Method::PATCH;
    const DELETE: Method = Method::DELETE;
    let p = |s: &str| format!("{POOLS}{s}");
    vec![
        r(
            GET,
            POOLS,
            Read,
            "pools",
            200,
            "List pools (paged)",
            pools::list,
        ),
        r(
            GET,
            p("/$count"),
            Read,
            "pools",
            200,
            "Count the pools ($filter applies; text/plain)",
            pools::count,
        ),
        r(
            POST,
            POOLS,
            Admin,
            "pools",
            201,
            "Create a pool with its activation codes",
            pools::create,
        ),
        r(
            GET,
            p("/{poolId}"),
            Read,
            "pools",
            200,
            "Get a pool",
            pools::get,
        ),
        r(
            PATCH,
            p("/{poolId}"),
            Admin,
            "pools",
            200,
            "Rename a pool and/or add activation codes (Graph's update)",
            pools::patch,
        ),
        r(
            DELETE,
            p("/{poolId}"),
            Admin,
            "pools",
            204,
            "Delete a pool",
            pools::delete,
        ),
        r(
            POST,
            p("/{poolId}/addActivationCodes"),
            Admin,
            "pools",
            200,
            "Add activation codes to a pool",
            pools::add_codes,
        ),
        r(
            POST,
            p("/{poolId}/assign"),
            Admin,
            "assignments",
            200,
            "Replace the pool's assignments",
            assignments::assign,
        ),
        r(
            GET,
            p("/{poolId}/assignments"),
            Read,
            "assignments",
            200,
            "List the pool's assignments",
            assignments::list,
        ),
        r(
            GET,
            p("/{poolId}/assignments/$count"),
            Read,
            "assignments",
            200,
            "Count the pool's assignments ($filter applies; text/plain)",
            assignments::count,
        ),
        r(
            POST,
            p("/{poolId}/assignments"),
            Admin,
            "assignments",
            201,
            "Add one assignment (Graph's create)",
            assignments::create,
        ),
        r(
            PATCH,
            p("/{poolId}/assignments/{assignmentId}"),
            Admin,
            "assignments",
            200,
            "Change an assignment's target",
            assignments::update,
        ),
        r(
            GET,
            p("/{poolId}/assignments/{assignmentId}"),
            Read,
            "assignments",
            200,
            "Get an assignment",
            assignments::get,
        ),
        r(
            DELETE,
            p("/{poolId}/assignments/{assignmentId}"),
            Admin,
            "assignments",
            204,
            "Delete an assignment",
            assignments::delete,
        ),
        r(
            GET,
            p("/{poolId}/deviceStates"),
            Read,
            "deviceStates",
            200,
            "List the pool's device states (paged)",
            devices::list,
        ),
        r(
            GET,
            p("/{poolId}/deviceStates/$count"),
            Read,
            "deviceStates",
            200,
            "Count the pool's device states ($filter applies; text/plain)",
            devices::count,
        ),
        r(
            GET,
            p("/{poolId}/deviceStates/{deviceStateId}"),
            Read,
            "deviceStates",
            200,
            "Get a device state",
            devices::get,
        ),
        r(
            POST,
            p("/{poolId}/deviceStates"),
            Admin,
            "deviceStates",
            201,
            "Graph's create: a state exists while the pool targets the device, so this names it (409) or creates a missing one",
            devices::create,
        ),
        r(
            PATCH,
            p("/{poolId}/deviceStates/{deviceStateId}"),
            Admin,
            "deviceStates",
            200,
            "Graph's update: state notEvaluated retries a failed install; other states move by the device's reports (409)",
            devices::update,
        ),
        r(
            DELETE,
            p("/{poolId}/deviceStates/{deviceStateId}"),
            Admin,
            "deviceStates",
            204,
            "Graph's delete: the record of a device no longer targeted and without the profile",
            devices::delete,
        ),
        r(
            POST,
            p("/{poolId}/deviceStates/{deviceStateId}/retry"),
            Admin,
            "deviceStates",
            200,
            "Retry a failed install with a new code",
            devices::retry,
        ),
        r(
            POST,
            "/api/pools/import",
            Admin,
            "pools",
            201,
            "Import a CSV file as it is (query: fileName, displayName)",
            pools::import,
        ),
        r(
            POST,
            "/api/pools/{poolId}/import",
            Admin,
            "pools",
            200,
            "Add a CSV file's codes to a pool (query: fileName)",
            pools::import_into,
        ),
        r(
            POST,
            "/api/pools/check",
            Read,
            "pools",
            200,
            "Pre-upload check: known ICCIDs and the pool of an SM-DP+ address",
            pools::check,
        ),
        r(
            GET,
            "/v1.0/groups",
            Read,
            "directory",
            200,
            "List device groups (paged)",
            directory::list_groups,
        ),
        r(
            GET,
            "/v1.0/groups/$count",
            Read,
            "directory",
            200,
            "Count the groups ($filter applies; text/plain)",
            directory::count_groups,
        ),
        r(
            POST,
            "/v1.0/groups",
            Admin,
            "directory",
            201,
            "Create a device group",
            directory::create_group,
        ),
        r(
            GET,
            "/v1.0/groups/{groupId}",
            Read,
            "directory",
            200,
            "Get a group",
            directory::get_group,
        ),
        r(
            PATCH,
            "/v1.0/groups/{groupId}",
            Admin,
            "directory",
            200,
            "Rename a group or change its description",
            directory::patch_group,
        ),
        r(
            DELETE,
            "/v1.0/groups/{groupId}",
            Admin,
            "directory",
            204,
            "Delete a group",
            directory::delete_group,
        ),
        r(
            GET,
            "/v1.0/groups/{groupId}/members",
            Read,
            "directory",
            200,
            "List a group's devices (paged)",
            directory::list_members,
        ),
        r(
            GET,
            "/v1.0/groups/{groupId}/members/$count",
            Read,
            "directory",
            200,
            "Count a group's devices ($filter applies; text/plain)",
            directory::count_members,
        ),
        r(
            POST,
            "/v1.0/groups/{groupId}/members/$ref",
            Admin,
            "directory",
            204,
            "Add a device to a group",
            directory::add_member,
        ),
        r(
            DELETE,
            "/v1.0/groups/{groupId}/members/{deviceId}/$ref",
            Admin,
            "directory",
            204,
            "Remove a device from a group",
            directory::remove_member,
        ),
        r(
            GET,
            "/v1.0/devices",
            Read,
            "directory",
            200,
            "List devices (paged)",
            directory::list_devices,
        ),
        r(
            GET,
            "/v1.0/devices/$count",
            Read,
            "directory",
            200,
            "Count the devices ($filter applies; text/plain)",
            directory::count_devices,
        ),
        r(
            POST,
            "/v1.0/devices",
            Admin,
            "directory",
            201,
            "Create a device",
            directory::create_device,
        ),
        r(
            GET,
            "/v1.0/devices/{deviceId}",
            Read,
            "directory",
            200,
            "Get a device",
            directory::get_device,
        ),
        r(
            DELETE,
            "/v1.0/devices/{deviceId}",
            Admin,
            "directory",
            204,
            "Delete a device (memberships, pending states and its tokens go)",
            directory::delete_device,
        ),
        r(
            POST,
            "/v1.0/devices/{deviceId}/retire",
            Admin,
            "directory",
            200,
            "Retire a device (profiles removed at next check-in)",
            directory::retire,
        ),
        r(
            POST,
            "/v1.0/devices/{deviceId}/wipe",
            Admin,
            "directory",
            200,
            "Wipe a device (profiles removed at next check-in)",
            directory::wipe,
        ),
        r(
            POST,
            "/api/mdm/devices/{deviceId}/checkIn",
            Device,
            "device",
            200,
            "Device check-in: what to install or remove",
            mdm::check_in,
        ),
        r(
            POST,
            "/api/mdm/devices/{deviceId}/outcome",
            Device,
            "device",
            204,
            "Device reports an action's outcome",
            mdm::outcome,
        ),
        r(
            POST,
            "/api/mdm/devices/{deviceId}/cellularStatus",
            Device,
            "device",
            204,
            "Operator's cellular status of a profile",
            mdm::cellular_status,
        ),
        r(
            GET,
            "/api/auditEntries",
            Admin,
            "audit",
            200,
            "The audit log (paged)",
            audit::list,
        ),
        r(
            GET,
            "/api/tokens",
            Admin,
            "tokens",
            200,
            "Every bearer token (paged), never the token itself",
            tokens::list,
        ),
        r(
            POST,
            "/api/tokens/{tokenId}/revoke",
            Admin,
            "tokens",
            200,
            "Revoke a token (audited); refused from the next request on",
            tokens::revoke,
        ),
        r(
            GET,
            "/healthz",
            Public,
            "health",
            200,
            "Liveness",
            live,
        ),
        r(
            GET,
            "/readyz",
            Public,
            "health",
            200,
            "Readiness (the database answers)",
            ready,
        ),
        r(
            GET,
            "/embed.json",
            Public,
            "health",
            200,
            "The origins allowed to embed the console (its --frame-ancestor list), read by the app's embedded mode",
            embed_config,
        ),
        r(
            GET,
            "/auth.json",
            Public,
            "health",
            200,
            "How the console signs people in: the OpenID Connect issuer, its client id, scopes and role names (all empty without --oidc-issuer)",
            auth_config,
        ),
        r(
            GET,
            "/openapi.json",
            Public,
            "health",
            200,
            "This API's OpenAPI document",
            openapi_json,
        ),
    ]
}

impl Route {
    /// This route as the OpenAPI document describes it.
    pub fn operation(&self) -> openapi::Operation<'_> {
        openapi::Operation {
            method: &self.method,
            path: &self.path,
            access: self.access,
            summary: self.summary,
            tag: self.tag,
            status: self.status,
            query: if self.method == Method::GET && !self.path.ends_with("/$count") {
                crate::odata::schema_for(&self.path)
            } else {
                None
            },
        }
    }
}

/// `GET /openapi.json`: the document of [`all`].
async fn openapi_json() -> Json<serde_json::Value> {
    let routes = all();
    Json(openapi::document(routes.iter().map(Route::operation)))
}

/// The router of [`all`], each route behind the access check of its table row.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for route in all() {
        let access = route.access;
        let handler = route.handler.route_layer(middleware::from_fn_with_state(
            state.clone(),
            move |s: State<AppState>, req: Request, next: Next| authorize(s, access, req, next),
        ));
        router = router.route(&route.path, handler);
    }
    router.with_state(state)
}

/// `{"allowedOrigins": [...]}`: the origins of `--frame-ancestor` (CSP keywords such as
/// `'self'` left out). The embedded app posts its verdicts only to these; serving the list
/// from the server's own configuration keeps the two allow-lists one.
async fn embed_config(State(s): State<AppState>) -> impl IntoResponse {
    let origins: Vec<&str> = s
        .config
        .frame_ancestors
        .iter()
        .map(String::as_str)
        .filter(|o| o.starts_with("https://") || o.starts_with("http://"))
        .collect();
    Json(serde_json::json!({ "allowedOrigins": origins }))
}

/// The console's sign-in settings ([`AuthConfig`]), from `--oidc-issuer`, `--oidc-client-id`
/// and `--oidc-scope`.
async fn auth_config(State(s): State<AppState>) -> impl IntoResponse {
    let config = match &s.config.oidc {
        None => AuthConfig::default(),
        Some(oidc) => {
            let c = oidc.config();
            AuthConfig {
                issuer: Some(c.issuer.clone()),
                client_id: c.client_id.clone(),
                scopes: c.scopes.clone(),
                admin_role: Some(c.admin_role.clone()),
                reader_role: Some(c.reader_role.clone()),
            }
        }
    };
    Json(config)
}

async fn live() -> impl IntoResponse {
    Json(serde_json::json!({"status": "live"}))
}

async fn ready(State(s): State<AppState>) -> impl IntoResponse {
    // The read pool: on SQLite the one writer connection may be busy with a long import.
    match sqlx::query("SELECT 1").execute(&s.db.read).await {
        Ok(_) => (StatusCode::OK, Json(serde_json::json!({"status": "ready"}))).into_response(),
        Err(e) => crate::error::ApiError::Unavailable(e.to_string()).into_response(),
    }
}
