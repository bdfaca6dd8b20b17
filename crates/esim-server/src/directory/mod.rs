//! The directory under `/v1.0`: device groups (with members) and devices. Users are never
//! targets. Retire and wipe mark a device so its next check-in removes its profiles.

use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::Json;
use esim_odata::Param;
use esim_wire::{Collection, Device, DeviceCreate, Group, GroupCreate, GroupPatch, MemberRef};
use serde_json::Value;

use crate::assignments::{refresh, Scope};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, GraphJson};
use crate::messages::{Kind, Message};
use crate::paging::Paging;
use crate::pools::validate;
use crate::{audit, util, AppState};

type GroupRow = (String, String, Option<String>, String);
type DeviceRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    i64,
    String,
    Option<String>,
);

/// A group's devices (`$1`: the group).
const MEMBERS_FROM: &str =
    "FROM dir_devices JOIN dir_members m ON m.device_id = dir_devices.id WHERE m.group_id = $1";

const DEVICE_COLUMNS: &str =
    "id, display_name, user_name, operating_system, esim_capable, retired, created_at, last_sync_at";

fn group(r: GroupRow) -> Group {
    Group::new(r.0, r.1, r.2, r.3)
}

fn device(r: DeviceRow) -> Device {
    Device {
        id: r.0,
        display_name: r.1,
        user_name: r.2,
        operating_system: r.3,
        is_esim_capable: r.4 != 0,
        is_retired: r.5 != 0,
        created_date_time: r.6,
        last_sync_date_time: r.7,
    }
}

fn optional_name(field: &str, v: &Option<String>) -> ApiResult<Option<String>> {
    v.as_deref().map(|v| validate::name(field, v)).transpose()
}

/// `GET /v1.0/groups`: with `$filter`, `$orderby`, `$select`, `$count`
/// ([`crate::odata::GROUPS`]).
pub async fn list_groups(
    State(s): State<AppState>,
    paging: Paging,
) -> ApiResult<Json<Collection<Value>>> {
    let rows = paging
        .fetch::<GroupRow>(
            &s.db,
            "id, display_name, description, created_at",
            "FROM dir_groups WHERE 1 = 1",
            Vec::new(),
            "id",
        )
        .await?;
    Ok(Json(paging.collection(rows.map(group), |g| &g.id)))
}

/// `GET /v1.0/groups/$count`: the groups `$filter` selects, as text.
pub async fn count_groups(
    State(s): State<AppState>,
    paging: Paging,
) -> ApiResult<axum::response::Response> {
    paging
        .count_answer(&s.db, "FROM dir_groups WHERE 1 = 1", Vec::new())
        .await
}

/// `GET /v1.0/devices/$count`.
pub async fn count_devices(
    State(s): State<AppState>,
    paging: Paging,
) -> ApiResult<axum::response::Response> {
    paging
        .count_answer(&s.db, "FROM dir_devices WHERE 1 = 1", Vec::new())
        .await
}

/// `GET /v1.0/groups/{groupId}/members/$count`.
pub async fn count_members(
    State(s): State<AppState>,
    paging: Paging,
    Path(id): Path<String>,
) -> ApiResult<axum::response::Response> {
    find_group(&s, &id).await?;
    paging
        .count_answer(&s.db, MEMBERS_FROM, vec![Param::Text(id)])
        .await
}

/// `POST /v1.0/groups`.
pub async fn create_group(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    GraphJson(body): GraphJson<GroupCreate>,
) -> ApiResult<(StatusCode, Json<Group>)> {
    let name = validate::name("displayName", &body.display_name)?;
    let description = optional_name("description", &body.description)?;
    let g = Group::new(util::new_id(), name, description, util::now());
    let mut tx = s.db.pool.begin().await?;
    sqlx::query("INSERT INTO dir_groups (id, display_name, description, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&g.id)
        .bind(&g.display_name)
        .bind(&g.description)
        .bind(&g.created_date_time)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &who,
        "group.create",
        "group",
        &g.id,
        Some(g.display_name.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(g)))
}

async fn find_group(s: &AppState, id: &str) -> ApiResult<Group> {
    let row: Option<GroupRow> = sqlx::query_as(
        "SELECT id, display_name, description, created_at FROM dir_groups WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&s.db.pool)
    .await?;
    row.map(group)
        .ok_or_else(|| ApiError::not_found(Kind::Group, id))
}

/// `GET /v1.0/groups/{groupId}`.
pub async fn get_group(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Group>> {
    Ok(Json(find_group(&s, &id).await?))
}

/// `PATCH /v1.0/groups/{groupId}`: renames it or changes its description.
pub async fn patch_group(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    GraphJson(body): GraphJson<GroupPatch>,
) -> ApiResult<Json<Group>> {
    if body.display_name.is_none() && body.description.is_none() {
        return Err(ApiError::BadRequest(Message::NameOrDescription));
    }
    let name = optional_name("displayName", &body.display_name)?;
    let description = optional_name("description", &body.description)?;
    let mut tx = s.db.pool.begin().await?;
    let row: Option<GroupRow> = sqlx::query_as(
        "UPDATE dir_groups SET display_name = COALESCE($1, display_name), description = COALESCE($2, description) \
         WHERE id = $3 RETURNING id, display_name, description, created_at",
    )
    .bind(&name)
    .bind(&description)
    .bind(&id)
    .fetch_optional(&mut *tx)
    .await?;
    let g = row
        .map(group)
        .ok_or_else(|| ApiError::not_found(Kind::Group, &id))?;
    audit::record(
        &mut tx,
        &who,
        "group.update",
        "group",
        &id,
        Some(g.display_name.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(g))
}

/// `DELETE /v1.0/groups/{groupId}`: its members and the assignments that target it go.
pub async fn delete_group(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let mut tx = s.db.begin_targeting().await?;
    let done = sqlx::query("DELETE FROM dir_groups WHERE id = $1")
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::not_found(Kind::Group, &id));
    }
    for sql in [
        "DELETE FROM dir_members WHERE group_id = $1",
        "DELETE FROM assignments WHERE group_id = $1",
    ] {
        sqlx::query(sql).bind(&id).execute(&mut *tx).await?;
    }
    refresh(&mut tx, Scope::All).await?;
    audit::record(&mut tx, &who, "group.delete", "group", &id, None).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1.0/groups/{groupId}/members`: the devices of the group, with the query
/// options of `/v1.0/devices`.
pub async fn list_members(
    State(s): State<AppState>,
    paging: Paging,
    Path(id): Path<String>,
) -> ApiResult<Json<Collection<Value>>> {
    find_group(&s, &id).await?;
    let rows = paging
        .fetch::<DeviceRow>(
            &s.db,
            DEVICE_COLUMNS,
            MEMBERS_FROM,
            vec![Param::Text(id)],
            "id",
        )
        .await?;
    Ok(Json(paging.collection(rows.map(device), |d| &d.id)))
}

/// `POST /v1.0/groups/{groupId}/members/$ref`: adds a device.
pub async fn add_member(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    GraphJson(body): GraphJson<MemberRef>,
) -> ApiResult<StatusCode> {
    find_group(&s, &id).await?;
    let device_id = body.id().to_owned();
    find_device(&s, &device_id).await.map_err(|_| {
        ApiError::BadRequest(Message::NotADevice {
            id: device_id.clone(),
        })
    })?;
    let (s, who, id, device_id) = (&s, &who, id.as_str(), device_id.as_str());
    crate::db::retry(|| async move {
        let mut tx = s.db.begin_targeting().await?;
        sqlx::query("INSERT INTO dir_members (group_id, device_id) VALUES ($1, $2) ON CONFLICT (group_id, device_id) DO NOTHING")
            .bind(id)
            .bind(device_id)
            .execute(&mut *tx)
            .await?;
        refresh(&mut tx, Scope::Device(device_id)).await?;
        audit::record(
            &mut tx,
            who,
            "group.addMember",
            "group",
            id,
            Some(device_id.to_owned()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /v1.0/groups/{groupId}/members/{deviceId}/$ref`: removes a device.
pub async fn remove_member(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path((id, device_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let mut tx = s.db.begin_targeting().await?;
    let done = sqlx::query("DELETE FROM dir_members WHERE group_id = $1 AND device_id = $2")
        .bind(&id)
        .bind(&device_id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::NotFound(Message::NotAMember {
            device: device_id.clone(),
            group: id.clone(),
        }));
    }
    refresh(&mut tx, Scope::Device(&device_id)).await?;
    audit::record(
        &mut tx,
        &who,
        "group.removeMember",
        "group",
        &id,
        Some(device_id),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1.0/devices`: with `$filter`, `$orderby`, `$select`, `$count`
/// ([`crate::odata::DEVICES`]).
pub async fn list_devices(
    State(s): State<AppState>,
    paging: Paging,
) -> ApiResult<Json<Collection<Value>>> {
    let rows = paging
        .fetch::<DeviceRow>(
            &s.db,
            DEVICE_COLUMNS,
            "FROM dir_devices WHERE 1 = 1",
            Vec::new(),
            "id",
        )
        .await?;
    Ok(Json(paging.collection(rows.map(device), |d| &d.id)))
}

/// `POST /v1.0/devices`.
pub async fn create_device(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    GraphJson(body): GraphJson<DeviceCreate>,
) -> ApiResult<(StatusCode, Json<Device>)> {
    let d = Device {
        id: util::new_id(),
        display_name: validate::name("displayName", &body.display_name)?,
        user_name: optional_name("userName", &body.user_name)?,
        operating_system: optional_name("operatingSystem", &body.operating_system)?,
        is_esim_capable: body.is_esim_capable,
        is_retired: false,
        created_date_time: util::now(),
        last_sync_date_time: None,
    };
    let mut tx = s.db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO dir_devices (id, display_name, user_name, operating_system, esim_capable, retired, created_at) VALUES ($1, $2, $3, $4, $5, 0, $6)",
    )
    .bind(&d.id)
    .bind(&d.display_name)
    .bind(&d.user_name)
    .bind(&d.operating_system)
    .bind(i64::from(d.is_esim_capable))
    .bind(&d.created_date_time)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &who,
        "device.create",
        "device",
        &d.id,
        Some(d.display_name.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(d)))
}

async fn find_device(s: &AppState, id: &str) -> ApiResult<Device> {
    let row: Option<DeviceRow> = sqlx::query_as(&format!(
        "SELECT {DEVICE_COLUMNS} FROM dir_devices WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&s.db.pool)
    .await?;
    row.map(device)
        .ok_or_else(|| ApiError::not_found(Kind::Device, id))
}

/// `GET /v1.0/devices/{deviceId}`.
pub async fn get_device(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Device>> {
    Ok(Json(find_device(&s, &id).await?))
}

async fn retire_as(
    s: AppState,
    who: Principal,
    id: String,
    action: &'static str,
) -> ApiResult<Json<Device>> {
    let mut tx = s.db.begin_targeting().await?;
    let done = sqlx::query("UPDATE dir_devices SET retired = 1 WHERE id = $1")
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::not_found(Kind::Device, &id));
    }
    refresh(&mut tx, Scope::Device(&id)).await?;
    audit::record(&mut tx, &who, action, "device", &id, None).await?;
    tx.commit().await?;
    Ok(Json(find_device(&s, &id).await?))
}

/// `DELETE /v1.0/devices/{deviceId}`: the device leaves the directory - its memberships,
/// its states without a code, and its device tokens (revoked) go. States of delivered
/// codes stay as history and their codes stay used; the device never checks in again, so
/// retire or wipe it first when its profiles must be removed.
pub async fn delete_device(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let mut tx = s.db.begin_targeting().await?;
    let done = sqlx::query("DELETE FROM dir_devices WHERE id = $1")
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::not_found(Kind::Device, &id));
    }
    for sql in [
        "DELETE FROM dir_members WHERE device_id = $1",
        "DELETE FROM device_states WHERE device_id = $1 AND state = 'notEvaluated'",
        // The states that stay (delivered codes) name no device now, as the join did.
        "UPDATE device_states SET device_name = NULL WHERE device_id = $1",
    ] {
        sqlx::query(sql).bind(&id).execute(&mut *tx).await?;
    }
    sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE device_id = $2 AND revoked_at IS NULL")
        .bind(util::now())
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    audit::record(&mut tx, &who, "device.delete", "device", &id, None).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1.0/devices/{deviceId}/retire`: its profiles go at its next check-in.
pub async fn retire(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<Device>> {
    retire_as(s, who, id, "device.retire").await
}

/// `POST /v1.0/devices/{deviceId}/wipe`: as retire, recorded as a wipe.
pub async fn wipe(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<Device>> {
    retire_as(s, who, id, "device.wipe").await
}
