//! The audit log: who created, changed, assigned or deleted what, and when.

use axum::extract::{Extension, State};
use axum::http::{HeaderMap, Uri};
use axum::Json;
use esim_wire::{AuditEntry, Collection};

use crate::auth::Principal;
use crate::db::Db;
use crate::error::{request_id, ApiResult};
use crate::paging::Paging;
use crate::{util, AppState};

/// Records one action. Failures are logged, not returned: the action itself succeeded.
pub async fn record(
    db: &Db,
    who: &Principal,
    action: &str,
    target_type: &str,
    target_id: &str,
    detail: Option<String>,
) {
    let done = sqlx::query(
        "INSERT INTO audit (id, happened_at, actor, action, target_type, target_id, detail, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(util::new_id())
    .bind(util::now())
    .bind(who.actor())
    .bind(action)
    .bind(target_type)
    .bind(target_id)
    .bind(detail)
    .bind(request_id())
    .execute(&db.pool)
    .await;
    if let Err(e) = done {
        tracing::error!(error = %e, action, "audit entry not written");
    }
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
);

/// `GET /api/auditEntries`: newest last, paged.
pub async fn list(
    State(s): State<AppState>,
    Extension(_who): Extension<Principal>,
    uri: Uri,
    headers: HeaderMap,
) -> ApiResult<Json<Collection<AuditEntry>>> {
    let paging = Paging::from_uri(&uri, &s.config)?;
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, happened_at, actor, action, target_type, target_id, detail, request_id FROM audit WHERE id > $1 ORDER BY id LIMIT $2",
    )
    .bind(&paging.after)
    .bind(paging.limit())
    .fetch_all(&s.db.pool)
    .await?;
    let items = rows
        .into_iter()
        .map(
            |(id, date_time, actor, action, target_type, target_id, detail, request_id)| {
                AuditEntry {
                    id,
                    date_time,
                    actor,
                    action,
                    target_type,
                    target_id,
                    detail,
                    request_id,
                }
            },
        )
        .collect();
    Ok(Json(paging.page(
        items,
        |e| &e.id,
        &uri,
        &headers,
        &s.config,
    )))
}
