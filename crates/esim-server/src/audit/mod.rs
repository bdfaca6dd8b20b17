//! The audit log: who created, changed, assigned or deleted what, and when.

use std::collections::HashMap;

use axum::extract::{Extension, Query, State};
use axum::Json;
use esim_odata::{Param, QueryOptions};
use esim_wire::{AuditEntry, Collection};

use crate::auth::Principal;
use crate::error::{request_id, ApiError, ApiResult};
use crate::messages::Message;
use crate::paging::Paging;
use crate::{odata, util, AppState};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

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
        "INSERT INTO audit (id, happened_at, actor, actor_name, action, target_type, target_id, detail, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(util::new_id())
    .bind(util::now())
    .bind(who.actor())
    .bind(who.actor_name())
    .bind(action)
    .bind(target_type)
    .bind(target_id)
    .bind(detail)
    .bind(request_id())
    .execute(conn)
    .await?;
    Ok(())
}

/// An audit row, read by column name into the wire type.
struct Row(AuditEntry);

impl<'r> sqlx::FromRow<'r, AnyRow> for Row {
    fn from_row(row: &'r AnyRow) -> Result<Row, sqlx::Error> {
        Ok(Row(AuditEntry {
            id: row.try_get("id")?,
            date_time: row.try_get("happened_at")?,
            actor: row.try_get("actor")?,
            actor_name: row.try_get("actor_name")?,
            action: row.try_get("action")?,
            target_type: row.try_get("target_type")?,
            target_id: row.try_get("target_id")?,
            detail: row.try_get("detail")?,
            request_id: row.try_get("request_id")?,
        }))
    }
}

/// `GET /api/auditEntries`: paged, oldest first, or newest first with
/// `$orderby=dateTime desc` (the console's audit view); `$filter` on any property
/// ([`crate::odata::AUDIT_ENTRIES`]: `actor eq 'admin:user:<sub>' or actorName eq 'ada'`,
/// `startswith(action,'pool.')`), every value a bound parameter. The older `actor=` (an
/// actor id or a person's user name) and `action=` parameters still filter. The next link
/// keeps the order and the filters.
pub async fn list(
    State(s): State<AppState>,
    paging: Paging,
    Query(q): Query<HashMap<String, String>>,
    Extension(_who): Extension<Principal>,
) -> ApiResult<Json<Collection<AuditEntry>>> {
    let newest_first = match q.get("$orderby").map(|o| o.trim()) {
        None | Some("dateTime") | Some("dateTime asc") => false,
        Some("dateTime desc") => true,
        Some(other) => {
            return Err(ApiError::BadRequest(Message::AuditOrderBy {
                got: other.to_owned(),
            }))
        }
    };
    let filter = QueryOptions::parse(
        q.iter()
            .filter(|(k, _)| k.as_str() == "$filter")
            .map(|(k, v)| (k.as_str(), v.as_str())),
        &odata::AUDIT_ENTRIES,
    )
    .map_err(|e| ApiError::BadRequest(Message::Query { detail: e.0 }))?
    .filter;
    let actor = q.get("actor").filter(|a| !a.is_empty());
    let action = q.get("action").filter(|a| !a.is_empty());
    let (cmp, order) = if newest_first {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    let mut sql = "SELECT id, happened_at, actor, actor_name, action, target_type, target_id, detail, request_id FROM audit WHERE 1 = 1".to_owned();
    let mut binds: Vec<Param> = Vec::new();
    // An empty $skiptoken means from the start.
    if !paging.after.is_empty() {
        binds.push(Param::Text(paging.after.clone()));
        sql.push_str(&format!(" AND id {cmp} ${}", binds.len()));
    }
    if let Some(a) = actor {
        binds.push(Param::Text(a.clone()));
        let n = binds.len();
        sql.push_str(&format!(" AND (actor = ${n} OR actor_name = ${n})"));
    }
    if let Some(a) = action {
        binds.push(Param::Text(a.clone()));
        sql.push_str(&format!(" AND action = ${}", binds.len()));
    }
    if let Some(f) = &filter {
        let f = f.to_sql(odata::dialect(s.db.backend), binds.len() + 1);
        sql.push_str(&format!(" AND {}", f.text));
        binds.extend(f.params);
    }
    binds.push(Param::Int(paging.limit()));
    sql.push_str(&format!(" ORDER BY id {order} LIMIT ${}", binds.len()));
    let query = sqlx::query_as_with::<_, Row, _>(&sql, odata::arguments(&binds)?);
    let rows = query.fetch_all(&s.db.pool).await?;
    let items = rows.into_iter().map(|Row(e)| e).collect();
    let mut page = paging.page(items, |e| &e.id);
    // The paging helper links `$top` and `$skiptoken` and carries `$orderby` and `$filter`;
    // the project's own filters go along too.
    if let Some(link) = &mut page.next_link {
        for (name, value) in [
            ("actor", actor.map(String::as_str)),
            ("action", action.map(String::as_str)),
        ] {
            if let Some(v) = value {
                link.push_str(&format!("&{name}={}", util::percent_encode(v)));
            }
        }
    }
    Ok(Json(page))
}
