//! The admin API's token routes: list and revoke (audited). Tokens themselves (create,
//! look up, the CLI's list and revoke) are [`crate::auth`]'s.

use axum::extract::{Extension, Path, State};
use axum::Json;
use esim_wire::{Collection, TokenInfo};

use crate::audit;
use crate::auth::{token_info, Principal, TokenRow, TOKEN_COLUMNS};
use crate::error::{ApiError, ApiResult};
use crate::messages::{Kind, Message};
use crate::paging::Paging;
use crate::util;
use crate::AppState;

/// `GET /api/tokens`: every token (never the token itself), oldest first, paged.
pub async fn list(
    State(s): State<AppState>,
    paging: Paging,
) -> ApiResult<Json<Collection<TokenInfo>>> {
    let rows: Vec<TokenRow> = sqlx::query_as(&format!(
        "SELECT {TOKEN_COLUMNS} FROM tokens WHERE id > $1 ORDER BY id LIMIT $2"
    ))
    .bind(&paging.after)
    .bind(paging.limit())
    .fetch_all(&s.db.pool)
    .await?;
    let items = rows.into_iter().map(token_info).collect();
    Ok(Json(paging.page(items, |t| &t.id)))
}

/// `POST /api/tokens/{tokenId}/revoke`: refused from the next request on, by every
/// process; audited (`token.revoke`) in the same transaction. 404 for no such token, 409
/// for one revoked already.
pub async fn revoke(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<TokenInfo>> {
    let mut tx = s.db.pool.begin().await?;
    let row: Option<TokenRow> = sqlx::query_as(&format!(
        "UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING {TOKEN_COLUMNS}"
    ))
    .bind(util::now())
    .bind(&id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        drop(tx);
        let known: Option<(String,)> = sqlx::query_as("SELECT id FROM tokens WHERE id = $1")
            .bind(&id)
            .fetch_optional(&s.db.pool)
            .await?;
        return Err(match known {
            Some(_) => ApiError::Conflict(Message::TokenRevoked { id: id.clone() }),
            None => ApiError::not_found(Kind::Token, &id),
        });
    };
    let info = token_info(row);
    audit::record(
        &mut tx,
        &who,
        "token.revoke",
        "token",
        &id,
        Some(match &info.label {
            Some(label) => format!("{} ({label})", info.role),
            None => info.role.clone(),
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(info))
}
