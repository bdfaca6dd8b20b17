//! Device states of a pool (Graph's `embeddedSIMDeviceState`), and the retry of a failed
//! install.

use axum::extract::{Extension, Path, State};
use axum::Json;
use esim_odata::{order_sql, Param};
use esim_wire::{Collection, DeviceState, DeviceStateKind};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::odata;
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
    let opts = &paging.options;
    let mut params = vec![Param::Text(pool_id.clone())];
    let mut filter = String::new();
    if let Some(f) = &opts.filter {
        let sql = f.to_sql(odata::dialect(s.db.backend), params.len() + 1);
        filter = format!(" AND {}", sql.text);
        params.extend(sql.params);
    }
    let count = if opts.count {
        let sql = format!("SELECT COUNT(*) {FROM} WHERE ds.pool_id = $1{filter}");
        let (n,): (i64,) = odata::bind_all(sqlx::query_as(&sql), &params)
            .fetch_one(&s.db.pool)
            .await?;
        Some(n)
    } else {
        None
    };
    let n = params.len();
    let sql = if opts.order.is_empty() {
        params.push(Param::Text(paging.after.clone()));
        params.push(Param::Int(paging.limit()));
        format!(
            "SELECT {COLUMNS} {FROM} WHERE ds.pool_id = $1{filter} AND ds.device_id > ${} ORDER BY ds.device_id LIMIT ${}",
            n + 1,
            n + 2
        )
    } else {
        params.push(Param::Int(paging.limit()));
        params.push(Param::Int(paging.offset));
        format!(
            "SELECT {COLUMNS} {FROM} WHERE ds.pool_id = $1{filter} ORDER BY {} LIMIT ${} OFFSET ${}",
            order_sql(&opts.order, "ds.device_id"),
            n + 1,
            n + 2
        )
    };
    let rows: Vec<Row> = odata::bind_all(sqlx::query_as(&sql), &params)
        .fetch_all(&s.db.pool)
        .await?;
    let items: Vec<DeviceState> = rows.into_iter().map(state).collect();
    let page = paging.page(items, |d| &d.id);
    Ok(Json(Collection {
        value: odata::project(page.value, opts.select.as_deref()),
        next_link: page.next_link,
        count,
    }))
}

/// `GET .../{poolId}/deviceStates/{deviceStateId}` (the id is the device's id).
pub async fn get(
    State(s): State<AppState>,
    Path((pool_id, id)): Path<(String, String)>,
) -> ApiResult<Json<DeviceState>> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} {FROM} WHERE ds.pool_id = $1 AND ds.device_id = $2"
    ))
    .bind(&pool_id)
    .bind(&id)
    .fetch_optional(&s.db.pool)
    .await?;
    Ok(Json(state(row.ok_or_else(|| {
        ApiError::not_found("device state", &id)
    })?)))
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
        return Err(ApiError::Conflict(format!(
            "Only a failed or user-removed install can be retried; this device state is '{}'.",
            current.state
        )));
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
