//! The device side: check-in (what to install or remove), the outcome report, and the
//! operator's cellular status. This is what moves device states.
//!
//! Distribution (api.md section 3): a code is claimed in one transaction that marks it
//! used only if it is still unused (`used = 0` in the `UPDATE`), records the delivery under
//! the ICCID's primary key, and moves the device state only from the state it was read in.
//! On PostgreSQL the candidate row is taken `FOR UPDATE SKIP LOCKED`, so concurrent
//! check-ins in several processes claim different codes without waiting on each other; only
//! when every unused code is locked does a claim wait for them (a locked code is not a used
//! one: its claim may roll back). A deadlock or serialization failure runs the claim again
//! ([`crate::db::retry`]). On SQLite the single connection makes every transaction serial.

use std::sync::OnceLock;

use tokio::sync::{mpsc, oneshot};

use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::Json;
use esim_wire::{
    Action, ActionKind, CellularStatusReport, CheckInResponse, Outcome, OutcomeReport,
};

use crate::assignments::{targeted_now_sql, targeted_sql};
use crate::auth::Principal;
use crate::db::{Backend, Db};
use crate::error::{ApiError, ApiResult, GraphJson};
use crate::messages::{Kind, Message};
use crate::{util, AppState};

/// The detail of a `failed` state when the pool has no unused code left.
pub use esim_wire::state_details::EXHAUSTED;

type StateRow = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
);

/// `POST /api/mdm/devices/{deviceId}/checkIn`.
pub async fn check_in(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(device_id): Path<String>,
) -> ApiResult<Json<CheckInResponse>> {
    who.require_device(&device_id)?;
    let actions = run_check_in(&s.db, &s.touches, &device_id).await?;
    Ok(Json(CheckInResponse { device_id, actions }))
}

/// The check-in's one read: the device (no row: no such device) and every pool that
/// concerns it, with whether it is targeted now.
fn states_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        format!(
            "SELECT ds.pool_id, ds.state, ds.iccid, c.matching_id, c.smdp_address, \
             CAST(CASE WHEN d.retired = 0 AND p.id IS NOT NULL AND {} THEN 1 ELSE 0 END AS BIGINT) \
             FROM dir_devices d LEFT JOIN device_states ds ON ds.device_id = d.id \
             AND ds.state IN ('notEvaluated', 'installing', 'installed', 'deleting') \
             LEFT JOIN pools p ON p.id = ds.pool_id LEFT JOIN codes c ON c.iccid = ds.iccid \
             WHERE d.id = $1",
            targeted_sql("ds.pool_id", "ds.device_id")
        )
    })
}

/// Deletes a `notEvaluated` state that is not targeted (any more).
fn untargeted_delete_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        format!(
            "DELETE FROM device_states WHERE pool_id = $1 AND device_id = $2 AND state = 'notEvaluated' \
             AND NOT {}",
            targeted_now_sql("$1", "$2")
        )
    })
}

/// A check-in time to record: the device, and who waits for the commit.
pub type Touch = (String, oneshot::Sender<Result<(), String>>);

/// Where check-ins send their device's id to have the time recorded.
pub type TouchSender = mpsc::UnboundedSender<Touch>;

/// The most devices of one batch of check-in times.
const TOUCH_BATCH: usize = 500;

/// Starts the task that records check-in times (group commit): it takes every check-in
/// waiting, writes their time on the devices and their states in one transaction on the
/// writer connection, and then answers each of them, so a check-in still answers only
/// after its time is committed, but a thousand check-ins cost a few writer round trips
/// instead of a thousand. [`crate::AppState::new`] starts it; the task ends when the last
/// sender (the last `AppState` clone) is dropped.
pub fn touch_writer(db: Db) -> TouchSender {
    let (tx, mut rx) = mpsc::unbounded_channel::<Touch>();
    tokio::spawn(async move {
        let mut batch: Vec<Touch> = Vec::new();
        while let Some(first) = rx.recv().await {
            batch.push(first);
            while batch.len() < TOUCH_BATCH {
                match rx.try_recv() {
                    Ok(t) => batch.push(t),
                    Err(_) => break,
                }
            }
            let result = touch_many(&db, &batch).await.map_err(|e| e.to_string());
            for (_, done) in batch.drain(..) {
                let _ = done.send(result.clone());
            }
        }
    });
    tx
}

async fn touch_many(db: &Db, batch: &[Touch]) -> Result<(), sqlx::Error> {
    let mut tries = 0;
    loop {
        match touch_once(db, batch).await {
            // PostgreSQL, several processes: two batches may lock the same rows in another
            // order; the database then aborts one of them, which is written again.
            Err(sqlx::Error::Database(e))
                if tries < 5 && matches!(e.code().as_deref(), Some("40P01" | "40001")) =>
            {
                tries += 1;
            }
            other => return other,
        }
    }
}

async fn touch_once(db: &Db, batch: &[Touch]) -> Result<(), sqlx::Error> {
    let now = util::now();
    let mut ids: Vec<&str> = batch.iter().map(|(d, _)| d.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let list = db.bulk_params(2, ids.len());
    let first = match db.backend {
        Backend::Sqlite => "?",
        Backend::Postgres => "$1",
    };
    let mut tx = db.pool.begin().await?;
    for table in [
        "dir_devices SET last_sync_at = {first} WHERE id",
        "device_states SET last_sync_at = {first} WHERE device_id",
    ] {
        let sql = format!("UPDATE {} IN ({list})", table.replace("{first}", first));
        let mut q = sqlx::query(&sql).bind(&now);
        for id in &ids {
            q = q.bind(*id);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await
}

/// Records the check-in time on the device and its states through the batch writer
/// ([`touch_writer`]); answers once it is committed.
async fn touch(touches: &TouchSender, device_id: &str) -> ApiResult<()> {
    let (done, wait) = oneshot::channel();
    touches
        .send((device_id.to_owned(), done))
        .map_err(|_| ApiError::Internal("the check-in time writer stopped".into()))?;
    match wait.await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(ApiError::Internal(format!("recording check-in times: {e}"))),
        Err(_) => Err(ApiError::Internal(
            "the check-in time writer stopped".into(),
        )),
    }
}

/// A check-in: one read (on [`Db::read`]: on SQLite it does not wait for the writer), one
/// write of the check-in time, and the writes of what changes: a claim per pool that
/// targets the device without a code yet, a removal per pool that no longer does. A
/// device that is installed and still targeted (the steady state of a fleet) costs the
/// read and the one write.
async fn run_check_in(db: &Db, touches: &TouchSender, device_id: &str) -> ApiResult<Vec<Action>> {
    let now = util::now();
    let rows: Vec<StateRow> = sqlx::query_as(states_sql())
        .bind(device_id)
        .fetch_all(&db.read)
        .await?;
    if rows.is_empty() {
        return Err(ApiError::not_found(Kind::Device, device_id));
    }
    touch(touches, device_id).await?;
    let mut actions = Vec::new();
    for (pool_id, state, iccid, matching_id, smdp, targeted) in rows {
        let (Some(pool_id), Some(state)) = (pool_id, state) else {
            continue;
        };
        let targeted = targeted != 0;
        match (state.as_str(), targeted) {
            ("notEvaluated", true) => {
                if let Some(a) = crate::db::retry(|| claim(db, &pool_id, device_id)).await? {
                    actions.push(a);
                }
            }
            ("installing", true) => {
                if let (Some(iccid), Some(m), Some(smdp)) = (iccid, matching_id, smdp) {
                    actions.push(install(pool_id, iccid, smdp, m));
                }
            }
            ("notEvaluated", false) => {
                // Re-checked in the statement: targeting may have changed since the read.
                sqlx::query(untargeted_delete_sql())
                    .bind(&pool_id)
                    .bind(device_id)
                    .execute(&db.pool)
                    .await?;
            }
            ("installing" | "installed", false) => {
                let done = sqlx::query(
                    "UPDATE device_states SET state = 'deleting', state_details = $1, modified_at = $2 WHERE pool_id = $3 AND device_id = $4 AND state = $5",
                )
                .bind(esim_wire::state_details::UNTARGETED)
                .bind(&now)
                .bind(&pool_id)
                .bind(device_id)
                .bind(&state)
                .execute(&db.pool)
                .await?;
                if let (1, Some(iccid)) = (done.rows_affected(), iccid) {
                    actions.push(remove(pool_id, iccid));
                }
            }
            ("deleting", _) => {
                if let Some(iccid) = iccid {
                    actions.push(remove(pool_id, iccid));
                }
            }
            _ => {}
        }
    }
    Ok(actions)
}

fn install(pool_id: String, iccid: String, smdp: String, matching_id: String) -> Action {
    Action {
        action: ActionKind::Install,
        activation_code: Some(format!("LPA:1${smdp}${matching_id}")),
        pool_id,
        iccid,
        smdp_plus_server_address: Some(smdp),
        matching_identifier: Some(matching_id),
    }
}

fn remove(pool_id: String, iccid: String) -> Action {
    Action {
        action: ActionKind::Remove,
        pool_id,
        iccid,
        smdp_plus_server_address: None,
        matching_identifier: None,
        activation_code: None,
    }
}

/// Claims one unused code of the pool for the device, in one transaction. `None` when the
/// device state moved meanwhile (a concurrent check-in of the same device) or the pool is
/// exhausted (the state is then `failed` with [`EXHAUSTED`]).
async fn claim(db: &Db, pool_id: &str, device_id: &str) -> ApiResult<Option<Action>> {
    let now = util::now();
    let mut tx = db.pool.begin().await?;
    let code: Option<(String, String, String)> = match db.backend {
        // The one writer connection: the code is chosen and marked in one statement.
        Backend::Sqlite => sqlx::query_as(
            "UPDATE codes SET used = 1 WHERE iccid = (SELECT iccid FROM codes WHERE pool_id = $1 AND used = 0 ORDER BY sort_key LIMIT 1) AND used = 0 RETURNING iccid, matching_id, smdp_address",
        )
        .bind(pool_id)
        .fetch_optional(&mut *tx)
        .await?,
        Backend::Postgres => {
            const PICK: &str = "SELECT iccid, matching_id, smdp_address FROM codes WHERE pool_id = $1 AND used = 0 ORDER BY sort_key LIMIT 1 FOR UPDATE";
            let mut code: Option<(String, String, String)> =
                sqlx::query_as(&format!("{PICK} SKIP LOCKED"))
                    .bind(pool_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if code.is_none() {
                // Every unused code is taken or locked by other claims, which may still roll
                // back (a concurrent check-in of their device won): wait for them instead of
                // calling the pool exhausted. A row whose claim committed no longer matches
                // `used = 0` and is passed over; one whose claim rolled back is taken.
                code = sqlx::query_as(PICK)
                    .bind(pool_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            }
            if let Some((iccid, _, _)) = &code {
                let used = sqlx::query("UPDATE codes SET used = 1 WHERE iccid = $1 AND used = 0")
                    .bind(iccid)
                    .execute(&mut *tx)
                    .await?;
                if used.rows_affected() != 1 {
                    return Err(ApiError::Conflict(Message::CodeClaimed));
                }
            }
            code
        }
    };
    let Some((iccid, matching_id, smdp)) = code else {
        sqlx::query(
            "UPDATE device_states SET state = 'failed', state_details = $1, modified_at = $2 WHERE pool_id = $3 AND device_id = $4 AND state = 'notEvaluated'",
        )
        .bind(EXHAUSTED)
        .bind(&now)
        .bind(pool_id)
        .bind(device_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        return Ok(None);
    };
    sqlx::query(
        "INSERT INTO deliveries (iccid, device_id, pool_id, delivered_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&iccid)
    .bind(device_id)
    .bind(pool_id)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    let moved = sqlx::query(
        "UPDATE device_states SET state = 'installing', iccid = $1, state_details = NULL, cellular_status = NULL, modified_at = $2 WHERE pool_id = $3 AND device_id = $4 AND state = 'notEvaluated'",
    )
    .bind(&iccid)
    .bind(&now)
    .bind(pool_id)
    .bind(device_id)
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() != 1 {
        // Another check-in of this device got there first: give the code back.
        tx.rollback().await?;
        return Ok(None);
    }
    tx.commit().await?;
    Ok(Some(install(pool_id.to_owned(), iccid, smdp, matching_id)))
}

/// `POST /api/mdm/devices/{deviceId}/outcome`.
pub async fn outcome(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(device_id): Path<String>,
    GraphJson(body): GraphJson<OutcomeReport>,
) -> ApiResult<StatusCode> {
    who.require_device(&device_id)?;
    let (from, to, default_detail): (&[&str], &str, Option<&str>) = match body.outcome {
        Outcome::Installed => (&["installing"], "installed", None),
        Outcome::Failed => (
            &["installing"],
            "failed",
            Some(esim_wire::state_details::INSTALL_FAILED),
        ),
        Outcome::Removed => (&["deleting"], "deleted", None),
        Outcome::RemovedByUser => (
            &["installing", "installed"],
            "removedByUser",
            Some(esim_wire::state_details::USER_REMOVED),
        ),
    };
    let detail = body
        .detail
        .as_deref()
        .map(|d| d.chars().take(500).collect::<String>())
        .or(default_detail.map(str::to_owned));
    // A removal reported while the device is targeted again (it was re-included while its
    // old profile was being removed) goes to `notEvaluated`, so it gets a new code at its
    // next check-in (api.md section 3), not to `deleted`, which no refresh would revive.
    // Under the targeting lock, so a targeting change cannot slip between the two.
    let set = if body.outcome == Outcome::Removed {
        let now = targeted_now_sql("device_states.pool_id", "device_states.device_id");
        format!(
            "state = CASE WHEN {now} THEN 'notEvaluated' ELSE $1 END, \
             state_details = CASE WHEN {now} THEN NULL ELSE $2 END, \
             iccid = CASE WHEN {now} THEN NULL ELSE iccid END, \
             cellular_status = CASE WHEN {now} THEN NULL ELSE cellular_status END"
        )
    } else {
        "state = $1, state_details = $2".to_owned()
    };
    let sql = format!(
        "UPDATE device_states SET {set}, modified_at = $3 WHERE pool_id = $4 AND device_id = $5 AND iccid = $6 AND state IN ({})",
        crate::db::placeholders(7, from.len())
    );
    let mut tx = if body.outcome == Outcome::Removed {
        s.db.begin_targeting().await?
    } else {
        s.db.pool.begin().await?
    };
    let mut q = sqlx::query(&sql)
        .bind(to)
        .bind(detail)
        .bind(util::now())
        .bind(&body.pool_id)
        .bind(&device_id)
        .bind(&body.iccid);
    for f in from {
        q = q.bind(*f);
    }
    let done = q.execute(&mut *tx).await?;
    tx.commit().await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::Conflict(Message::NothingPending {
            removal: body.outcome == Outcome::Removed,
            iccid: body.iccid.clone(),
            pool: body.pool_id.clone(),
        }));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/mdm/devices/{deviceId}/cellularStatus`: the operator's words, kept as given.
pub async fn cellular_status(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(device_id): Path<String>,
    GraphJson(body): GraphJson<CellularStatusReport>,
) -> ApiResult<StatusCode> {
    who.require_device(&device_id)?;
    let status: String = body
        .status
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let done = sqlx::query(
        "UPDATE device_states SET cellular_status = $1, modified_at = $2 WHERE device_id = $3 AND iccid = $4",
    )
    .bind(status)
    .bind(util::now())
    .bind(&device_id)
    .bind(&body.iccid)
    .execute(&s.db.pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::NotFound(Message::NoProfile {
            device: device_id.to_owned(),
            iccid: body.iccid.clone(),
        }));
    }
    Ok(StatusCode::NO_CONTENT)
}
