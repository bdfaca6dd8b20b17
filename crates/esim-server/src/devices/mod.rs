//! Device states of a pool (Graph's `embeddedSIMDeviceState`): list and get, Graph's
//! create, update and delete under the distribution rules (api.md section 3), and the
//! retry of a failed install.
//!
//! A state exists from the moment its device is targeted and moves by the device's reports,
//! so a client cannot make one or set one: `POST` names the device's existing state or
//! that it is not targeted (409), `PATCH` grants only a retry (`state: notEvaluated` on a
//! failed, error or user-removed install) and what it already is, and `DELETE` removes only
//! the history of a device no longer targeted whose profile is gone (no profile left
//! behind, no state missing for a targeted device).

use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::Json;
use esim_odata::Param;
use esim_wire::{Collection, DeviceState, DeviceStateKind, DeviceStateWrite};

use crate::assignments::targeted_now_sql;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, GraphJson};
use crate::messages::{Kind, Message};
use crate::paging::Paging;
use crate::{audit, util, AppState};

type Row = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

const COLUMNS: &str = "ds.device_id, ds.pool_id, ds.state, ds.state_details, ds.iccid, ds.cellular_status, ds.created_at, ds.modified_at, ds.last_sync_at, d.display_name, d.user_name";
const FROM: &str = "FROM device_states ds LEFT JOIN dir_devices d ON d.id = ds.device_id";

fn state(r: Row) -> DeviceState {
    DeviceState {
        odata_type: Default::default(),
        id: r.0,
        state: DeviceStateKind::from_name(&r.2).unwrap_or(DeviceStateKind::Error),
        state_details: r.3,
        universal_integrated_circuit_card_identifier: None,
        iccid: r.4,
        cellular_status: r.5,
        created_date_time: r.6,
        modified_date_time: r.7,
        last_sync_date_time: r.8,
        device_name: r.9,
        user_name: r.10,
    }
}

/// `GET .../{poolId}/deviceStates`: paged by device id, or with `$orderby` in that order
/// (then by device id); `$filter`, `$select` and `$count` as [`crate::odata::DEVICE_STATES`]
/// allows, every value a bound parameter.
pub async fn list(
    State(s): State<AppState>,
    paging: Paging,
    Path(pool_id): Path<String>,
) -> ApiResult<Json<Collection<serde_json::Value>>> {
    crate::pools::ensure_exists(&s.db.pool, &pool_id).await?;
    let rows = paging
        .fetch::<Row>(
            &s.db,
            COLUMNS,
            &format!("{FROM} WHERE ds.pool_id = $1"),
            vec![Param::Text(pool_id)],
            "ds.device_id",
        )
        .await?;
    Ok(Json(paging.collection(rows.map(state), |d| &d.id)))
}

/// `GET .../{poolId}/deviceStates/$count`: the pool's device states `$filter` selects, as
/// text.
pub async fn count(
    State(s): State<AppState>,
    paging: Paging,
    Path(pool_id): Path<String>,
) -> ApiResult<axum::response::Response> {
    crate::pools::ensure_exists(&s.db.pool, &pool_id).await?;
    paging
        .count_answer(
            &s.db,
            &format!("{FROM} WHERE ds.pool_id = $1"),
            vec![Param::Text(pool_id)],
        )
        .await
}

/// `GET .../{poolId}/deviceStates/{deviceStateId}` (the id is the device's id).
pub async fn get(
    State(s): State<AppState>,
    Path((pool_id, id)): Path<(String, String)>,
) -> ApiResult<Json<DeviceState>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE ds.pool_id = $1 AND ds.device_id = $2");
    let row = crate::pools::find_in(&s, &sql, &pool_id, &id, Kind::DeviceState).await?;
    Ok(Json(state(row)))
}

/// `POST .../{poolId}/deviceStates/{deviceStateId}/retry`: a failed (or user-removed)
/// install gets a new code at the device's next check-in; the old code stays used.
pub async fn retry(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path((pool_id, id)): Path<(String, String)>,
) -> ApiResult<Json<DeviceState>> {
    let mut tx = s.db.pool.begin().await?;
    let done = sqlx::query(
        "UPDATE device_states SET state = 'notEvaluated', state_details = NULL, iccid = NULL, cellular_status = NULL, modified_at = $1 \
         WHERE pool_id = $2 AND device_id = $3 AND state IN ('failed', 'error', 'removedByUser')",
    )
    .bind(util::now())
    .bind(&pool_id)
    .bind(&id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        drop(tx);
        let Json(current) = get(State(s.clone()), Path((pool_id, id))).await?;
        return Err(ApiError::Conflict(Message::RetryNotAllowed {
            state: current.state.to_string(),
        }));
    }
    audit::record(
        &mut tx,
        &who,
        "deviceState.retry",
        "pool",
        &pool_id,
        Some(id.clone()),
    )
    .await?;
    tx.commit().await?;
    get(State(s), Path((pool_id, id))).await
}

/// The device a create names: by `id`, else by `deviceName` (exactly one device of that
/// name); a `userName` sent must be the device's.
async fn named_device(s: &AppState, body: &DeviceStateWrite) -> ApiResult<String> {
    let rows: Vec<(String, Option<String>)> =
        match (&body.id, &body.device_name) {
            (Some(id), _) => {
                sqlx::query_as("SELECT id, user_name FROM dir_devices WHERE id = $1")
                    .bind(id)
                    .fetch_all(&s.db.pool)
                    .await?
            }
            (None, Some(name)) => sqlx::query_as(
                "SELECT id, user_name FROM dir_devices WHERE display_name = $1 ORDER BY id LIMIT 2",
            )
            .bind(name)
            .fetch_all(&s.db.pool)
            .await?,
            (None, None) => return Err(ApiError::BadRequest(Message::DeviceNameMissing)),
        };
    let shown = body
        .id
        .as_deref()
        .or(body.device_name.as_deref())
        .unwrap_or_default();
    let (id, user) = match rows.as_slice() {
        [] => {
            return Err(ApiError::BadRequest(Message::NoDeviceNamed {
                name: shown.to_owned(),
            }))
        }
        [one] => one.clone(),
        _ => {
            return Err(ApiError::BadRequest(Message::DeviceNameAmbiguous {
                name: shown.to_owned(),
            }))
        }
    };
    if let Some(sent) = &body.user_name {
        if user.as_deref() != Some(sent.as_str()) {
            return Err(ApiError::BadRequest(Message::NotTheUser {
                user: sent.clone(),
                device: shown.to_owned(),
            }));
        }
    }
    Ok(id)
}

/// `POST .../{poolId}/deviceStates` (Graph's "Create embeddedSIMDeviceState"). A device's
/// state exists from the moment the pool targets it (api.md section 3), so the device named
/// has one already (409 naming it), or the pool does not target it (409: a state comes
/// with an assignment of a group it is in). Only a targeted device without a state (none
/// is left so by this server; a database restored in part could be) gets one: 201,
/// `notEvaluated`. A `state` other than `notEvaluated` is a 400: states move by the
/// device's reports.
pub async fn create(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(pool_id): Path<String>,
    GraphJson(body): GraphJson<DeviceStateWrite>,
) -> ApiResult<(StatusCode, Json<DeviceState>)> {
    crate::pools::ensure_exists(&s.db.pool, &pool_id).await?;
    if let Some(state) = body.state.filter(|k| *k != DeviceStateKind::NotEvaluated) {
        return Err(ApiError::BadRequest(Message::StateStartsNotEvaluated {
            state: state.as_str().to_owned(),
        }));
    }
    let device = named_device(&s, &body).await?;
    let mut tx = s.db.begin_targeting().await?;
    let (targeted,): (i64,) = sqlx::query_as(&format!(
        "SELECT CAST(CASE WHEN {} THEN 1 ELSE 0 END AS BIGINT)",
        targeted_now_sql("$1", "$2")
    ))
    .bind(&pool_id)
    .bind(&device)
    .fetch_one(&mut *tx)
    .await?;
    let existing: Option<(String,)> =
        sqlx::query_as("SELECT state FROM device_states WHERE pool_id = $1 AND device_id = $2")
            .bind(&pool_id)
            .bind(&device)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some((state,)) = existing {
        return Err(ApiError::Conflict(Message::StateExists { device, state }));
    }
    if targeted == 0 {
        return Err(ApiError::Conflict(Message::NotTargeted { device }));
    }
    let now = util::now();
    sqlx::query(
        "INSERT INTO device_states (pool_id, device_id, device_name, state, created_at, modified_at) \
         VALUES ($1, $2, (SELECT display_name FROM dir_devices WHERE id = $2), 'notEvaluated', $3, $3)",
    )
    .bind(&pool_id)
    .bind(&device)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &who,
        "deviceState.create",
        "pool",
        &pool_id,
        Some(device.clone()),
    )
    .await?;
    tx.commit().await?;
    let Json(state) = get(State(s), Path((pool_id, device))).await?;
    Ok((StatusCode::CREATED, Json(state)))
}

/// `PATCH .../{poolId}/deviceStates/{deviceStateId}` (Graph's "Update
/// embeddedSIMDeviceState"): `state: notEvaluated` on a failed, error or user-removed
/// install is a retry (a new code at the next check-in, audited as `deviceState.retry`);
/// the state it already has changes nothing; any other state is a 409 (states move by the
/// device's reports). `stateDetails` is the device's: only its current value is accepted.
/// `id`, `deviceName` and `userName` are the device's and are ignored (they cannot move a
/// state to another device), as are the service's properties.
pub async fn update(
    State(s): State<AppState>,
    who: Extension<Principal>,
    Path((pool_id, id)): Path<(String, String)>,
    GraphJson(body): GraphJson<DeviceStateWrite>,
) -> ApiResult<Json<DeviceState>> {
    let Json(current) = get(State(s.clone()), Path((pool_id.clone(), id.clone()))).await?;
    if let Some(d) = &body.state_details {
        if current.state_details.as_deref() != Some(d.as_str()) {
            return Err(ApiError::BadRequest(Message::StateDetailsReadOnly));
        }
    }
    match body.state {
        None => Ok(Json(current)),
        Some(k) if k == current.state => Ok(Json(current)),
        Some(DeviceStateKind::NotEvaluated) => retry(State(s), who, Path((pool_id, id))).await,
        Some(k) => Err(ApiError::Conflict(Message::StateMoveNotAllowed {
            from: current.state.to_string(),
            to: k.as_str().to_owned(),
        })),
    }
}

/// `DELETE .../{poolId}/deviceStates/{deviceStateId}` (Graph's "Delete
/// embeddedSIMDeviceState"): removes the record of a device the pool no longer targets and
/// that holds no profile of it (`deleted`, `failed`, `error`, `removedByUser`), audited as
/// `deviceState.delete`; its code stays used. A targeted device's state (it must have one)
/// and a state whose profile is on the device or being removed (`installing`, `installed`,
/// `deleting`) are a 409. Under the targeting lock, so an assignment made at the same
/// moment sees the state or its absence, never half of it.
pub async fn delete(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path((pool_id, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let mut tx = s.db.begin_targeting().await?;
    let row: Option<(String, i64)> = sqlx::query_as(&format!(
        "SELECT state, CAST(CASE WHEN {} THEN 1 ELSE 0 END AS BIGINT) FROM device_states WHERE pool_id = $1 AND device_id = $2",
        targeted_now_sql("$1", "$2")
    ))
    .bind(&pool_id)
    .bind(&id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((state, targeted)) = row else {
        return Err(ApiError::not_found(Kind::DeviceState, &id));
    };
    if targeted != 0 {
        return Err(ApiError::Conflict(Message::StillTargeted { device: id }));
    }
    if matches!(state.as_str(), "installing" | "installed" | "deleting") {
        return Err(ApiError::Conflict(Message::ProfileHeld {
            device: id,
            state,
        }));
    }
    sqlx::query("DELETE FROM device_states WHERE pool_id = $1 AND device_id = $2")
        .bind(&pool_id)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &who,
        "deviceState.delete",
        "pool",
        &pool_id,
        Some(id),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
