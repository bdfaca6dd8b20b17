//! Assignments of a pool to device groups, and the targeting rule of api.md section 3:
//! a device is targeted while it is in an included group and in no excluded group (and
//! not retired).

use std::collections::HashSet;

use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::Json;
use esim_odata::Param;
use esim_wire::{AssignRequest, Assignment, AssignmentTarget, Collection};
use sqlx::AnyConnection;

use crate::auth::Principal;
use crate::db::placeholders;
use crate::error::{ApiError, ApiResult, GraphJson};
use crate::messages::{Kind, Message};
use crate::paging::Paging;
use crate::{audit, pools, util, AppState};

/// True (as SQL) when device `dev` is targeted by pool `pool` (column expressions).
pub fn targeted_sql(pool: &str, dev: &str) -> String {
    format!(
        "(EXISTS (SELECT 1 FROM assignments a JOIN dir_members m ON m.group_id = a.group_id WHERE a.pool_id = {pool} AND m.device_id = {dev} AND a.is_exclusion = 0) \
         AND NOT EXISTS (SELECT 1 FROM assignments x JOIN dir_members xm ON xm.group_id = x.group_id WHERE x.pool_id = {pool} AND xm.device_id = {dev} AND x.is_exclusion = 1))"
    )
}

/// True (as SQL) when device `dev` should hold a state of pool `pool` now: targeted, not
/// retired, and the pool exists.
pub fn targeted_now_sql(pool: &str, dev: &str) -> String {
    format!(
        "({} AND EXISTS (SELECT 1 FROM dir_devices d WHERE d.id = {dev} AND d.retired = 0) \
         AND EXISTS (SELECT 1 FROM pools p WHERE p.id = {pool}))",
        targeted_sql(pool, dev)
    )
}

/// Which device states a [`refresh`] reconsiders: those that a change can have moved.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Every pool and device (a group deleted: its members are gone by then).
    All,
    /// One pool's states (its assignments changed).
    Pool(&'a str),
    /// One device's states (its memberships or its retirement changed).
    Device(&'a str),
}

impl Scope<'_> {
    /// The SQL condition on these pool and device column expressions, with its parameter
    /// as `$n`; `TRUE` for [`Scope::All`].
    fn condition(&self, pool: &str, device: &str, n: usize) -> String {
        match self {
            Scope::All => "1 = 1".into(),
            Scope::Pool(_) => format!("{pool} = ${n}"),
            Scope::Device(_) => format!("{device} = ${n}"),
        }
    }

    fn value(&self) -> Option<&str> {
        match *self {
            Scope::All => None,
            Scope::Pool(v) | Scope::Device(v) => Some(v),
        }
    }

    /// Runs `sql` with `now` (when given) as `$1`, then the scope's value, if any.
    async fn execute(
        &self,
        conn: &mut AnyConnection,
        sql: &str,
        now: Option<&str>,
    ) -> Result<(), sqlx::Error> {
        let mut q = sqlx::query(sql);
        if let Some(now) = now {
            q = q.bind(now);
        }
        if let Some(v) = self.value() {
            q = q.bind(v);
        }
        q.execute(conn).await.map(drop)
    }
}

/// Brings device states in line with the assignments and groups: a newly targeted device
/// gets `notEvaluated` (also after a removal: it will get a new code), and a
/// `notEvaluated` device that is no longer targeted loses its state. Devices holding a code
/// keep their state until their next check-in removes the profile. Only the states of
/// `scope` are reconsidered, so a change to one pool or one device costs the size of that
/// pool or device, not of every assignment.
pub async fn refresh(conn: &mut AnyConnection, scope: Scope<'_>) -> Result<(), sqlx::Error> {
    let now = util::now();
    let insert_sql = format!(
        "INSERT INTO device_states (pool_id, device_id, device_name, state, created_at, modified_at) \
         SELECT DISTINCT a.pool_id, m.device_id, d.display_name, 'notEvaluated', $1, $1 FROM assignments a \
         JOIN dir_members m ON m.group_id = a.group_id JOIN dir_devices d ON d.id = m.device_id \
         WHERE a.is_exclusion = 0 AND d.retired = 0 AND {} AND {} \
         ON CONFLICT (pool_id, device_id) DO NOTHING",
        scope.condition("a.pool_id", "m.device_id", 2),
        targeted_sql("a.pool_id", "m.device_id")
    );
    scope.execute(&mut *conn, &insert_sql, Some(&now)).await?;
    let revive_sql = format!(
        "UPDATE device_states SET state = 'notEvaluated', state_details = NULL, iccid = NULL, cellular_status = NULL, modified_at = $1 \
         WHERE state = 'deleted' AND {} AND {}",
        scope.condition("device_states.pool_id", "device_states.device_id", 2),
        targeted_now_sql("device_states.pool_id", "device_states.device_id")
    );
    scope.execute(&mut *conn, &revive_sql, Some(&now)).await?;
    let drop_sql = format!(
        "DELETE FROM device_states WHERE state = 'notEvaluated' AND {} AND NOT {}",
        scope.condition("device_states.pool_id", "device_states.device_id", 1),
        targeted_now_sql("device_states.pool_id", "device_states.device_id")
    );
    scope.execute(&mut *conn, &drop_sql, None).await?;
    Ok(())
}

/// An assignment row: id, group, exclusion, filter id, filter type.
type Row = (String, String, i64, Option<String>, Option<String>);

/// The columns of a [`Row`].
const COLUMNS: &str = "id, group_id, is_exclusion, filter_id, filter_type";

fn assignment((id, group_id, exclusion, filter_id, filter_type): Row) -> Assignment {
    Assignment {
        odata_type: Default::default(),
        id,
        target: AssignmentTarget::group_with_filter(
            group_id,
            exclusion != 0,
            filter_id,
            filter_type,
        ),
    }
}

/// `POST .../{poolId}/assign`: replaces the set.
pub async fn assign(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(pool_id): Path<String>,
    GraphJson(body): GraphJson<AssignRequest>,
) -> ApiResult<Json<Collection<Assignment>>> {
    pools::ensure_exists(&s.db.pool, &pool_id).await?;
    let mut seen = HashSet::new();
    for a in &body.assignments {
        let group = a.target.group_id().unwrap_or_default();
        if !seen.insert(group) {
            return Err(ApiError::BadRequest(Message::GroupTwice {
                group: group.to_string(),
            }));
        }
    }
    let ids: Vec<&str> = seen.iter().copied().collect();
    ensure_groups(&s, &ids).await?;
    let out = crate::db::retry(|| replace(&s, &who, &pool_id, &body.assignments)).await?;
    Ok(Json(Collection::all(out)))
}

/// A 400 naming the first of `ids` that is not a group.
async fn ensure_groups(s: &AppState, ids: &[&str]) -> ApiResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "SELECT id FROM dir_groups WHERE id IN ({})",
        placeholders(1, ids.len())
    );
    let mut q = sqlx::query_as::<_, (String,)>(&sql);
    for id in ids {
        q = q.bind(*id);
    }
    let found: HashSet<String> = q
        .fetch_all(&s.db.pool)
        .await?
        .into_iter()
        .map(|r| r.0)
        .collect();
    if let Some(missing) = ids.iter().find(|i| !found.contains(**i)) {
        return Err(ApiError::BadRequest(Message::NoGroup {
            id: missing.to_string(),
        }));
    }
    Ok(())
}

/// The row of an assignment with this id and target.
/// A new assignment row: [`write_row`]'s parameters in the order of the columns.
const INSERT: &str = "INSERT INTO assignments (pool_id, id, group_id, is_exclusion, filter_id, filter_type) VALUES ($1, $2, $3, $4, $5, $6)";

/// Runs `sql` (an INSERT or UPDATE of one assignment) with `$1` the pool's id, `$2` the
/// assignment's id, then its group, exclusion, filter id and filter type; the rows it
/// changed.
async fn write_row(
    conn: &mut AnyConnection,
    sql: &str,
    pool_id: &str,
    row: &Row,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(sql)
        .bind(pool_id)
        .bind(&row.0)
        .bind(&row.1)
        .bind(row.2)
        .bind(&row.3)
        .bind(&row.4)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

fn row_of(id: String, a: &Assignment) -> Row {
    (
        id,
        a.target.group_id().unwrap_or_default().to_owned(),
        i64::from(a.target.is_exclusion()),
        a.target.filter_id().map(str::to_owned),
        a.target.filter_type().map(str::to_owned),
    )
}

/// `POST .../{poolId}/assignments` (Graph's "Create embeddedSIMActivationCodePoolAssignment"):
/// adds one assignment; `201` with it. A group already targeted by the pool is a 400 (a
/// group is either included or excluded; change it with `PATCH`).
pub async fn create(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(pool_id): Path<String>,
    GraphJson(body): GraphJson<Assignment>,
) -> ApiResult<(StatusCode, Json<Assignment>)> {
    pools::ensure_exists(&s.db.pool, &pool_id).await?;
    ensure_groups(&s, &[body.target.group_id().unwrap_or_default()]).await?;
    let out = crate::db::retry(|| write_one(&s, &who, &pool_id, None, &body)).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// `PATCH .../{poolId}/assignments/{assignmentId}` (Graph's "Update
/// embeddedSIMActivationCodePoolAssignment"): replaces its target (group, side, filter).
pub async fn update(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path((pool_id, id)): Path<(String, String)>,
    GraphJson(body): GraphJson<Assignment>,
) -> ApiResult<Json<Assignment>> {
    ensure_groups(&s, &[body.target.group_id().unwrap_or_default()]).await?;
    let out = crate::db::retry(|| write_one(&s, &who, &pool_id, Some(&id), &body)).await?;
    Ok(Json(out))
}

/// The transaction of [`create`] (`id` = `None`) and [`update`]: under the targeting lock,
/// the pool (and the assignment) must exist and no other assignment of the pool may target
/// the group; then the states are refreshed and the change audited.
async fn write_one(
    s: &AppState,
    who: &Principal,
    pool_id: &str,
    id: Option<&str>,
    a: &Assignment,
) -> ApiResult<Assignment> {
    let mut tx = s.db.begin_targeting().await?;
    pools::ensure_exists(&mut *tx, pool_id).await?;
    if let Some(id) = id {
        let found: Option<(String,)> =
            sqlx::query_as("SELECT id FROM assignments WHERE pool_id = $1 AND id = $2")
                .bind(pool_id)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        if found.is_none() {
            return Err(ApiError::not_found(Kind::Assignment, id));
        }
    }
    let row = row_of(id.map_or_else(util::new_id, str::to_owned), a);
    let other: Option<(String,)> = sqlx::query_as(
        "SELECT id FROM assignments WHERE pool_id = $1 AND group_id = $2 AND id <> $3",
    )
    .bind(pool_id)
    .bind(&row.1)
    .bind(&row.0)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((other,)) = other {
        return Err(ApiError::BadRequest(Message::GroupTargeted {
            group: row.1.to_string(),
            assignment: other.to_string(),
        }));
    }
    let sql = if id.is_some() {
        "UPDATE assignments SET group_id = $3, is_exclusion = $4, filter_id = $5, filter_type = $6 WHERE pool_id = $1 AND id = $2"
    } else {
        INSERT
    };
    if write_row(&mut tx, sql, pool_id, &row).await? == 0 {
        return Err(ApiError::not_found(Kind::Assignment, &row.0));
    }
    refresh(&mut tx, Scope::Pool(pool_id)).await?;
    audit::record(
        &mut tx,
        who,
        if id.is_some() {
            "assignment.update"
        } else {
            "assignment.create"
        },
        "pool",
        pool_id,
        Some(row.0.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok(assignment(row))
}

/// The transaction of [`assign`]: under the targeting lock ([`crate::db::Db::begin_targeting`]),
/// the pool must still exist, its assignments are replaced and its states refreshed.
async fn replace(
    s: &AppState,
    who: &Principal,
    pool_id: &str,
    assignments: &[Assignment],
) -> ApiResult<Vec<Assignment>> {
    let mut tx = s.db.begin_targeting().await?;
    pools::ensure_exists(&mut *tx, pool_id).await?;
    sqlx::query("DELETE FROM assignments WHERE pool_id = $1")
        .bind(pool_id)
        .execute(&mut *tx)
        .await?;
    let mut out = Vec::new();
    for a in assignments {
        let row = row_of(util::new_id(), a);
        write_row(&mut tx, INSERT, pool_id, &row).await?;
        out.push(assignment(row));
    }
    refresh(&mut tx, Scope::Pool(pool_id)).await?;
    audit::record(
        &mut tx,
        who,
        "pool.assign",
        "pool",
        pool_id,
        Some(match out.len() {
            1 => "1 assignment".to_owned(),
            n => format!("{n} assignments"),
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

/// `GET .../{poolId}/assignments`: paged, with `$filter` (`target/groupId eq '...'`),
/// `$orderby`, `$select`, `$count` ([`crate::odata::ASSIGNMENTS`]).
pub async fn list(
    State(s): State<AppState>,
    paging: Paging,
    Path(pool_id): Path<String>,
) -> ApiResult<Json<Collection<serde_json::Value>>> {
    pools::ensure_exists(&s.db.pool, &pool_id).await?;
    let rows = paging
        .fetch::<Row>(
            &s.db,
            COLUMNS,
            "FROM assignments WHERE pool_id = $1",
            vec![Param::Text(pool_id)],
            "id",
        )
        .await?;
    Ok(Json(paging.collection(rows.map(assignment), |a| &a.id)))
}

/// `GET .../{poolId}/assignments/$count`: the pool's assignments `$filter` selects, as text.
pub async fn count(
    State(s): State<AppState>,
    paging: Paging,
    Path(pool_id): Path<String>,
) -> ApiResult<axum::response::Response> {
    pools::ensure_exists(&s.db.pool, &pool_id).await?;
    paging
        .count_answer(
            &s.db,
            "FROM assignments WHERE pool_id = $1",
            vec![Param::Text(pool_id)],
        )
        .await
}

/// `GET .../{poolId}/assignments/{assignmentId}`.
pub async fn get(
    State(s): State<AppState>,
    Path((pool_id, id)): Path<(String, String)>,
) -> ApiResult<Json<Assignment>> {
    let sql = format!("SELECT {COLUMNS} FROM assignments WHERE pool_id = $1 AND id = $2");
    let row = pools::find_in(&s, &sql, &pool_id, &id, Kind::Assignment).await?;
    Ok(Json(assignment(row)))
}

/// `DELETE .../{poolId}/assignments/{assignmentId}`.
pub async fn delete(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path((pool_id, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let mut tx = s.db.begin_targeting().await?;
    let done = sqlx::query("DELETE FROM assignments WHERE pool_id = $1 AND id = $2")
        .bind(&pool_id)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::not_found(Kind::Assignment, &id));
    }
    refresh(&mut tx, Scope::Pool(&pool_id)).await?;
    audit::record(
        &mut tx,
        &who,
        "assignment.delete",
        "pool",
        &pool_id,
        Some(id),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
