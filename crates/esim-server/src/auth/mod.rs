//! Access (api.md section 4): bearer tokens with a role, stored as SHA-256 hashes, and
//! people's access tokens from an OpenID Connect provider ([`oidc`]).

pub mod oidc;

pub mod limit;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use esim_wire::TokenInfo;
use serde::Serialize;

use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::messages::Message;
use crate::util;
use crate::AppState;

/// A token's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything.
    Admin,
    /// Reads only.
    Reader,
    /// The device routes of one device.
    Device,
}

impl Role {
    /// `admin`, `reader` or `device`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Reader => "reader",
            Role::Device => "device",
        }
    }

    /// The role named `s`.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "reader" => Some(Role::Reader),
            "device" => Some(Role::Device),
            _ => None,
        }
    }
}

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No token (static files, health, the OpenAPI document).
    Public,
    /// `reader` or `admin`.
    Read,
    /// `admin`.
    Admin,
    /// `device` (its own device only, checked by the handler) or `admin`.
    Device,
}

impl Access {
    /// The roles allowed.
    pub fn allows(self, role: Role) -> bool {
        match self {
            Access::Public => true,
            Access::Read => matches!(role, Role::Admin | Role::Reader),
            Access::Admin => role == Role::Admin,
            Access::Device => matches!(role, Role::Admin | Role::Device),
        }
    }

    /// For the OpenAPI document.
    pub fn describe(self) -> &'static str {
        match self {
            Access::Public => "public",
            Access::Read => "reader or admin",
            Access::Admin => "admin",
            Access::Device => "device (own device) or admin",
        }
    }

    /// As a 403's message names it.
    fn message(self) -> crate::messages::Access {
        use crate::messages::Access as M;
        match self {
            Access::Public => M::Public,
            Access::Read => M::Read,
            Access::Admin => M::Admin,
            Access::Device => M::Device,
        }
    }
}

/// Who is calling: the token's id, role and device, or the person signed in.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The static token's id (not the token); the person's `sub` for a provider's token.
    pub token_id: String,
    /// The role.
    pub role: Role,
    /// The device a `device` token was issued to.
    pub device_id: Option<String>,
    /// The person, when the token came from the OpenID Connect provider.
    pub person: Option<oidc::Person>,
}

impl Principal {
    /// As the audit log names the actor: `role:token-id` for a static token,
    /// `role:user:sub` for a person.
    pub fn actor(&self) -> String {
        match &self.person {
            Some(p) => format!("{}:user:{}", self.role.as_str(), p.subject),
            None => format!("{}:{}", self.role.as_str(), self.token_id),
        }
    }

    /// The person's user name (`preferred_username` or `upn`), for the audit log.
    pub fn actor_name(&self) -> Option<&str> {
        self.person.as_ref().and_then(|p| p.username.as_deref())
    }

    /// Fails unless the caller may act for `device_id` (admin, or that device's token).
    pub fn require_device(&self, device_id: &str) -> ApiResult<()> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Device if self.device_id.as_deref() == Some(device_id) => Ok(()),
            _ => Err(ApiError::Forbidden(Message::DeviceTokenOtherDevice)),
        }
    }
}

/// The middleware of every non-public route: finds the token, checks the role and puts
/// the [`Principal`] into the request.
pub async fn authorize(
    State(state): State<AppState>,
    access: Access,
    mut req: Request,
    next: Next,
) -> Response {
    if access == Access::Public {
        return next.run(req).await;
    }
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_owned());
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let addr = state.config.trusted_proxies.client(peer, req.headers());
    if let Some(seconds) = state.auth_failures.limited(addr) {
        return axum::response::IntoResponse::into_response(ApiError::TooManyRequests(seconds));
    }
    let given = token.is_some();
    let found = match (&state.config.oidc, token) {
        // A JWT (three dot-separated parts; static tokens have no dot) from the provider.
        (Some(oidc), Some(t)) if t.split('.').count() == 3 => person(oidc, &t).await,
        (_, token) => principal(&state.db, token).await,
    };
    let principal = match found {
        Ok(p) => p,
        Err(e) => {
            if given && matches!(e, ApiError::Unauthorized | ApiError::InvalidToken(_)) {
                state.auth_failures.record(addr);
            }
            return axum::response::IntoResponse::into_response(e);
        }
    };
    if !access.allows(principal.role) {
        let e = ApiError::Forbidden(Message::RoleCannot {
            role: principal.role.as_str().to_owned(),
            access: access.message(),
        });
        return axum::response::IntoResponse::into_response(e);
    }
    req.extensions_mut().insert(principal);
    next.run(req).await
}

/// The principal of a provider's access token: verified, with its role from `roles`.
async fn person(oidc: &oidc::Oidc, token: &str) -> ApiResult<Principal> {
    match oidc.verify(token).await {
        Ok(v) => Ok(Principal {
            token_id: v.person.subject.clone(),
            role: match v.grant {
                oidc::Grant::Admin => Role::Admin,
                oidc::Grant::Reader => Role::Reader,
            },
            device_id: None,
            person: Some(v.person),
        }),
        Err(oidc::Rejection::Invalid(why)) => Err(ApiError::InvalidToken(why)),
        Err(oidc::Rejection::NoRole) => Err(ApiError::Forbidden(Message::NoRole {
            admin: oidc.config().admin_role.clone(),
            reader: oidc.config().reader_role.clone(),
        })),
        Err(oidc::Rejection::Unavailable(why)) => Err(ApiError::IdentityUnavailable(why)),
    }
}

/// The token's principal, read on [`Db::read`] at every request (no cache): a revocation
/// committed before the request started, by this process or another (`token revoke`),
/// refuses it.
async fn principal(db: &Db, token: Option<String>) -> ApiResult<Principal> {
    let token = token.ok_or(ApiError::Unauthorized)?;
    let row: Option<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT id, role, device_id FROM tokens WHERE hash = $1 AND revoked_at IS NULL",
    )
    .bind(util::token_hash(&token))
    .fetch_optional(&db.read)
    .await?;
    let (token_id, role, device_id) = row.ok_or(ApiError::Unauthorized)?;
    let role = Role::parse(&role).ok_or(ApiError::Unauthorized)?;
    Ok(Principal {
        token_id,
        role,
        device_id,
        person: None,
    })
}

/// Creates a token and returns `(id, token)`; only its hash is stored.
pub async fn create_token(
    db: &Db,
    role: Role,
    device_id: Option<&str>,
    label: Option<&str>,
) -> Result<(String, String), sqlx::Error> {
    let id = util::new_id();
    let token = util::new_token();
    sqlx::query(
        "INSERT INTO tokens (id, hash, role, device_id, label, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(util::token_hash(&token))
    .bind(role.as_str())
    .bind(device_id)
    .bind(label)
    .bind(util::now())
    .execute(&db.pool)
    .await?;
    Ok((id, token))
}

/// A row of `tokens`, in the order of [`TOKEN_COLUMNS`].
pub(crate) type TokenRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
);

pub(crate) const TOKEN_COLUMNS: &str = "id, role, device_id, label, created_at, revoked_at";

pub(crate) fn token_info(
    (id, role, device_id, label, created_date_time, revoked_date_time): TokenRow,
) -> TokenInfo {
    TokenInfo {
        id,
        role,
        device_id,
        label,
        created_date_time,
        revoked_date_time,
    }
}

/// Every token, oldest first.
pub async fn list_tokens(db: &Db) -> Result<Vec<TokenInfo>, sqlx::Error> {
    let rows: Vec<TokenRow> =
        sqlx::query_as(&format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY id"))
            .fetch_all(&db.pool)
            .await?;
    Ok(rows.into_iter().map(token_info).collect())
}

/// Revokes a token by id; false when there is no such token still valid.
pub async fn revoke_token(db: &Db, id: &str) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(util::now())
            .bind(id)
            .execute(&db.pool)
            .await?;
    Ok(done.rows_affected() == 1)
}
