//! The audit log: who created, changed, assigned or deleted what, and when.

use axum::extract::{Extension, State};
use axum::Json;
use esim_wire::{AuditEntry, Collection};

use crate::auth::Principal;
use crate::error::{request_id, ApiResult};
use crate::paging::Paging;
use crate::{util, AppState};
use sqlx::AnyConnection;

/// What the audit log says of one action; written by [`Note::write`] inside the action's
/// own transaction, so an action is never without its entry, nor an entry without its
/// action.
#[derive(Debug, Clone)]
pub struct Note<'a> {
    /// Who.
    pub who: &'a Principal,
    /// Such as `pool.create`.
    pub action: &'static str,
    /// Such as `pool`.
    pub target_type: &'static str,
    /// Free text.
    pub detail: Option<String>,
}

impl<'a> Note<'a> {
    /// A note of `action` on a `target_type`.
    pub fn new(
        who: &'a Principal,
        action: &'static str,
        target_type: &'static str,
        detail: Option<String>,
    ) -> Self {
        Note {
            who,
            action,
            target_type,
            detail,
        }
    }

    /// Writes the entry for `target_id` on this connection (the action's transaction).
    pub async fn write(
        &self,
        conn: &mut AnyConnection,
        target_id: &str,
    ) -> Result<(), sqlx::Error> {
        record(
            conn,
            self.who,
            self.action,
            self.target_type,
            target_id,
            self.detail.clone(),
        )
        .await
    }
}

/// Records one action on `conn`: call it inside the action's transaction, before the
/// commit, so that both or neither are stored.
pub async fn record(
    conn: &mut AnyConnection,
    who: &Principal,
    action: &str,
    target_type: &str,
    target_id: &str,
    detail: Option<String>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
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
    .execute(conn)
    .await?;
    Ok(())
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
    paging: Paging,
    Extension(_who): Extension<Principal>,
) -> ApiResult<Json<Collection<AuditEntry>>> {
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
    Ok(Json(paging.page(items, |e| &e.id)))
}
