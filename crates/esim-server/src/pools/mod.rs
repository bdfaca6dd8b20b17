//! Pools: list, create (JSON), raw-file import, get, rename, delete, add codes, and the
//! pre-upload check.

pub mod store;
pub mod validate;

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::Json;
use esim_csv::{ActivationCode, CodeField, Finding, Lang, Options, Position, SmdpAddress};
use esim_wire::{
    AddActivationCodes, AlreadyImported, Collection, ErrorDetail, ImportedPool, Pool, PoolCreate,
    PoolPatch, PreUploadCheck, PreUploadCheckResult,
};

use crate::audit::Note;
use crate::auth::Principal;
use crate::error::{body_rejection, ApiError, ApiResult, GraphJson};
use crate::messages::{Kind, Message};
use crate::paging::Paging;
use crate::AppState;

/// `GET .../embeddedSIMActivationCodePools/$count`: the pools `$filter` selects, as text.
pub async fn count(
    State(s): State<AppState>,
    paging: Paging,
) -> ApiResult<axum::response::Response> {
    paging
        .count_answer(&s.db, store::FROM_POOLS, Vec::new())
        .await
}

/// `GET /beta/deviceManagement/embeddedSIMActivationCodePools`.
pub async fn list(
    State(s): State<AppState>,
    paging: Paging,
) -> ApiResult<Json<Collection<serde_json::Value>>> {
    let pools = store::list(&s.db, &paging).await?;
    Ok(Json(paging.collection(pools, |p| &p.id)))
}

/// `GET .../{poolId}`.
pub async fn get(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Pool>> {
    let (pool, _) = store::get(&s.db, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(Kind::Pool, &id))?;
    Ok(Json(pool))
}

/// `POST .../embeddedSIMActivationCodePools`: a pool with its codes, as Graph takes it.
pub async fn create(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    headers: HeaderMap,
    GraphJson(body): GraphJson<PoolCreate>,
) -> ApiResult<(StatusCode, Json<Pool>)> {
    let lang = validate::lang(&headers);
    let name = validate::name("displayName", &body.display_name)?;
    let (smdp, codes) = validate::json_codes(&body.activation_codes, None, lang)
        .map_err(ApiError::InvalidActivationCodes)?;
    check_unknown(&s, &codes, None, lang).await?;
    let note = Note::new(
        &who,
        "pool.create",
        "pool",
        Some(detail(&name, codes.len())),
    );
    let pool = store::create(&s.db, &name, &smdp, &codes, s.config.import_pause, &note).await?;
    Ok((StatusCode::CREATED, Json(pool)))
}

fn detail(name: &str, codes: usize) -> String {
    format!("{name} ({codes} codes)")
}

/// Refuses codes the server has stored already (in a pool, or delivered).
async fn check_unknown(
    s: &AppState,
    codes: &[ActivationCode],
    file: Option<&str>,
    lang: Lang,
) -> ApiResult<()> {
    let iccids: Vec<&str> = codes
        .iter()
        .map(|c| c.integrated_circuit_card_identifier.as_str())
        .collect();
    let known = store::known_iccids(&s.db, &iccids).await?;
    if known.is_empty() {
        return Ok(());
    }
    let index: HashMap<&str, usize> = iccids.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let mut details: Vec<(usize, ErrorDetail)> = known
        .iter()
        .map(|(iccid, _, pool_name, _)| {
            let i = index.get(iccid.as_str()).copied().unwrap_or(0);
            let at = match file {
                // In a valid file, code i is on line i + 2 (line 1 is the SM-DP+ address).
                Some(_) => Position::at(i as u32 + 2, 1),
                None => Position::Code {
                    index: i as u32,
                    field: CodeField::Iccid,
                },
            };
            let f = Finding::iccid_already_imported(at, iccid, pool_name.as_deref());
            (i, validate::detail(&f, file, lang))
        })
        .collect();
    details.sort_by_key(|(i, _)| *i);
    Err(ApiError::InvalidActivationCodes(
        details.into_iter().map(|(_, d)| d).collect(),
    ))
}

/// The query of the raw-file routes.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileQuery {
    /// The file's name (checked for `.csv`; the pool's default name).
    pub file_name: Option<String>,
    /// The pool's name, when not the file name.
    pub display_name: Option<String>,
}

fn file_query(uri: &Uri) -> ApiResult<(String, Option<String>)> {
    let Query(q) = Query::<FileQuery>::try_from_uri(uri).map_err(|e| {
        ApiError::BadRequest(Message::QueryMalformed {
            detail: e.to_string(),
        })
    })?;
    let file = q
        .file_name
        .ok_or(ApiError::BadRequest(Message::FileNameMissing))?;
    Ok((file, q.display_name))
}

/// Runs the validator on the bytes; 422 with every finding unless the file is valid, else
/// the codes and the findings that did not block (warnings).
fn parse_file(
    body: Result<Bytes, BytesRejection>,
    file: &str,
    lang: Lang,
) -> ApiResult<(SmdpAddress, Vec<ActivationCode>, Vec<ErrorDetail>)> {
    let bytes = body.map_err(|e| body_rejection(e.status(), e.body_text()))?;
    let (report, pool) = esim_csv::parse(&bytes, &Options::file(file));
    match pool {
        Some(pool) if report.is_valid() => Ok((
            pool.smdp_address,
            pool.codes,
            validate::file_details(&report, file, lang),
        )),
        _ => Err(ApiError::InvalidActivationCodes(validate::file_details(
            &report, file, lang,
        ))),
    }
}

/// `POST /api/pools/import?fileName=...`: the CSV file as it is.
pub async fn import(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatusCode, Json<ImportedPool>)> {
    let lang = validate::lang(&headers);
    let (file, display_name) = file_query(&uri)?;
    let name = validate::name("displayName", display_name.as_deref().unwrap_or(&file))?;
    let (smdp, codes, mut warnings) = parse_file(body, &file, lang)?;
    check_unknown(&s, &codes, Some(&file), lang).await?;
    if let Some(other) = store::by_smdp(&s.db, smdp.as_str()).await? {
        let f = Finding::smdp_pool_exists(1, smdp.as_str(), &other.display_name);
        warnings.insert(0, validate::file_detail(&f, &file, lang));
    }
    let note = Note::new(
        &who,
        "pool.import",
        "pool",
        Some(format!("{} from {file}", detail(&name, codes.len()))),
    );
    let pool = store::create(&s.db, &name, &smdp, &codes, s.config.import_pause, &note).await?;
    Ok((StatusCode::CREATED, Json(ImportedPool { pool, warnings })))
}

/// `POST /api/pools/{poolId}/import?fileName=...`: adds a file's codes to a pool of the
/// same SM-DP+ address.
pub async fn import_into(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<ImportedPool>> {
    let lang = validate::lang(&headers);
    let (file, _) = file_query(&uri)?;
    let (_, pool_smdp) = store::get(&s.db, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(Kind::Pool, &id))?;
    let (smdp, codes, warnings) = parse_file(body, &file, lang)?;
    if !smdp.same_host(&pool_smdp) {
        let f = Finding::not_the_pools_smdp(Position::at(1, 1), smdp.as_str(), &pool_smdp);
        return Err(ApiError::InvalidActivationCodes(vec![
            validate::file_detail(&f, &file, lang),
        ]));
    }
    check_unknown(&s, &codes, Some(&file), lang).await?;
    let note = Note::new(
        &who,
        "pool.addCodes",
        "pool",
        Some(format!("{} codes from {file}", codes.len())),
    );
    let pool = store::add(&s.db, &id, &codes, &note)
        .await?
        .ok_or_else(|| ApiError::not_found(Kind::Pool, &id))?;
    Ok(Json(ImportedPool { pool, warnings }))
}

/// `POST .../{poolId}/addActivationCodes`: adds codes (JSON) under the same rules.
pub async fn add_codes(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    headers: HeaderMap,
    GraphJson(body): GraphJson<AddActivationCodes>,
) -> ApiResult<Json<Pool>> {
    Ok(Json(
        add(&s, &who, &id, &body.activation_codes, &headers).await?,
    ))
}

/// Adds JSON codes to pool `id` (`addActivationCodes` and a `PATCH` with
/// `activationCodes`): the create's rules, the pool's SM-DP+ address, nothing stored yet.
async fn add(
    s: &AppState,
    who: &Principal,
    id: &str,
    activation_codes: &[esim_wire::ActivationCode],
    headers: &HeaderMap,
) -> ApiResult<Pool> {
    let lang = validate::lang(headers);
    let (_, pool_smdp) = store::get(&s.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found(Kind::Pool, id))?;
    let (_, codes) = validate::json_codes(activation_codes, Some(&pool_smdp), lang)
        .map_err(ApiError::InvalidActivationCodes)?;
    check_unknown(s, &codes, None, lang).await?;
    let note = Note::new(
        who,
        "pool.addCodes",
        "pool",
        Some(format!("{} codes", codes.len())),
    );
    store::add(&s.db, id, &codes, &note)
        .await?
        .ok_or_else(|| ApiError::not_found(Kind::Pool, id))
}

/// `PATCH .../{poolId}` with Graph's documented body: `displayName` renames,
/// `activationCodes` are added to the pool under every rule of a create and of
/// `addActivationCodes` (the same validation path; the pool's SM-DP+ address), read-only
/// properties are ignored. The codes are checked and added first, so a refused code
/// changes nothing, the name included. A body with neither returns the pool unchanged.
pub async fn patch(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    headers: HeaderMap,
    GraphJson(body): GraphJson<PoolPatch>,
) -> ApiResult<Json<Pool>> {
    let name = match &body.display_name {
        Some(n) => Some(validate::name("displayName", n)?),
        None => None,
    };
    let (mut pool, _) = store::get(&s.db, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(Kind::Pool, &id))?;
    if let Some(codes) = body.activation_codes.as_deref().filter(|c| !c.is_empty()) {
        pool = add(&s, &who, &id, codes, &headers).await?;
    }
    if let Some(name) = name {
        let note = Note::new(&who, "pool.rename", "pool", Some(name.clone()));
        pool = store::rename(&s.db, &id, &name, &note)
            .await?
            .ok_or_else(|| ApiError::not_found(Kind::Pool, &id))?;
    }
    Ok(Json(pool))
}

/// `DELETE .../{poolId}`.
pub async fn delete(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    if !store::delete(&s.db, &id, &Note::new(&who, "pool.delete", "pool", None)).await? {
        return Err(ApiError::not_found(Kind::Pool, &id));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/pools/check`: which ICCIDs are stored, which pool has this SM-DP+ address.
pub async fn check(
    State(s): State<AppState>,
    GraphJson(body): GraphJson<PreUploadCheck>,
) -> ApiResult<Json<PreUploadCheckResult>> {
    if body.iccids.len() > esim_csv::MAX_CODES {
        return Err(ApiError::BadRequest(Message::TooManyIccids {
            max: esim_csv::MAX_CODES,
            got: body.iccids.len(),
        }));
    }
    let iccids: Vec<&str> = body.iccids.iter().map(String::as_str).collect();
    let known = store::known_iccids(&s.db, &iccids).await?;
    let by: HashMap<&str, &store::Known> = known.iter().map(|k| (k.0.as_str(), k)).collect();
    let already_imported = iccids
        .iter()
        .filter_map(|i| by.get(i))
        .map(|(iccid, pool_id, pool_name, used)| AlreadyImported {
            iccid: iccid.clone(),
            pool_id: pool_id.clone(),
            pool_name: pool_name.clone(),
            delivered: *used,
        })
        .collect();
    let smdp_pool = match &body.smdp_plus_server_address {
        Some(a) => store::by_smdp(&s.db, a).await?,
        None => None,
    };
    Ok(Json(PreUploadCheckResult {
        already_imported,
        smdp_pool,
    }))
}

/// 404 unless the pool exists (for the routes under a pool: assignments, device states),
/// read on `db`: the pool, or a transaction that must see the pool it changes.
pub(crate) async fn ensure_exists<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    id: &str,
) -> ApiResult<()> {
    let found: Option<(String,)> = sqlx::query_as("SELECT id FROM pools WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await?;
    found
        .map(|_| ())
        .ok_or_else(|| ApiError::not_found(Kind::Pool, id))
}

/// The one row `sql` selects under a pool (`$1` the pool's id, `$2` the item's id), or a
/// 404 naming the item as a `kind` (for `GET .../{poolId}/assignments/{id}` and
/// `.../deviceStates/{id}`).
pub(crate) async fn find_in<R>(
    s: &AppState,
    sql: &str,
    pool_id: &str,
    id: &str,
    kind: Kind,
) -> ApiResult<R>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let row: Option<R> = sqlx::query_as(sql)
        .bind(pool_id)
        .bind(id)
        .fetch_optional(&s.db.pool)
        .await?;
    row.ok_or_else(|| ApiError::not_found(kind, id))
}
