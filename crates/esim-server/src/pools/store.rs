//! The pools' SQL. An import is one transaction: the pool and all its codes, or nothing.

use std::sync::OnceLock;
use std::time::Duration;

use esim_csv::{ActivationCode, SmdpAddress};
use esim_wire::{DeviceStateKind, Pool, PoolExtras, StateLabel, StateSummary};
use sqlx::{Any, Executor, Transaction};

use crate::audit::Note;
use crate::db::Db;
use crate::error::ApiError;
use crate::paging::{Paging, Rows};
use crate::{odata, util};

/// Rows per multi-row `INSERT` (6 values each, well under both databases' limits).
const CHUNK: usize = 500;

/// A pool with its extras: `id, display_name, created_at, modified_at, code_count,
/// smdp_address`, then the used codes, the included and excluded groups, and the device
/// states per [`StateLabel::ALL`] (in that order).
type PoolRow = (
    String,
    String,
    String,
    String,
    i64,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
);

fn count(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A row as the wire's pool, with this server's extras.
fn pool(r: PoolRow) -> Pool {
    let mut summary = StateSummary::default();
    for (label, n) in StateLabel::ALL.iter().zip([r.9, r.10, r.11, r.12, r.13]) {
        summary.add(*label, u32::try_from(n).unwrap_or(u32::MAX));
    }
    Pool {
        odata_type: Default::default(),
        id: r.0,
        display_name: r.1,
        created_date_time: r.2,
        modified_date_time: r.3,
        activation_code_count: count(r.4),
        extras: PoolExtras {
            smdp_plus_server_address: Some(r.5),
            used_activation_code_count: Some(count(r.6)),
            included_group_count: Some(count(r.7)),
            excluded_group_count: Some(count(r.8)),
            device_state_summary: Some(summary),
        },
    }
}

/// The extras of a pool that has just been created: nothing used, assigned or targeted.
fn new_extras(smdp: &str) -> PoolExtras {
    PoolExtras {
        smdp_plus_server_address: Some(smdp.to_owned()),
        used_activation_code_count: Some(0),
        included_group_count: Some(0),
        excluded_group_count: Some(0),
        device_state_summary: Some(StateSummary::default()),
    }
}

/// The states of one label, as an SQL list of literals (`'deleting', 'deleted', ...`),
/// from [`DeviceStateKind::label`], so the database counts exactly what the console shows.
fn states_of(label: StateLabel) -> String {
    DeviceStateKind::ALL
        .iter()
        .filter(|k| k.label() == label)
        .map(|k| format!("'{}'", k.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The query of pools with their extras, for the pools that `page` selects (its `WHERE`,
/// `ORDER BY` and `LIMIT` over `pools`), in the `order` of the page's columns, each row
/// ending in `extra_columns` ([`Paging::seek_columns`], also of the page's columns): one
/// statement per page, whatever its size. The pools of the
/// page are chosen first (`page`); the used codes, assignments and device states are
/// counted only for them, each table grouped once by pool over its `pool_id` index, and
/// joined back. No query per pool.
fn select_sql(page: &str, extra_columns: &str, order: &str) -> String {
    static LABELS: OnceLock<String> = OnceLock::new();
    let labels = LABELS.get_or_init(|| {
        StateLabel::ALL
            .iter()
            .enumerate()
            .map(|(i, l)| {
                format!(
                    "SUM(CASE WHEN state IN ({}) THEN 1 ELSE 0 END) AS s{i}",
                    states_of(*l)
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    });
    let label_columns: String = (0..StateLabel::ALL.len())
        .map(|i| format!(", CAST(COALESCE(s.s{i}, 0) AS BIGINT)"))
        .collect();
    format!(
        "WITH page AS (SELECT id, display_name, created_at, modified_at, code_count, smdp_address \
           FROM pools {page}) \
         SELECT page.id, page.display_name, page.created_at, page.modified_at, page.code_count, page.smdp_address, \
           CAST(COALESCE(u.n, 0) AS BIGINT), CAST(COALESCE(a.inc, 0) AS BIGINT), CAST(COALESCE(a.exc, 0) AS BIGINT){label_columns}{extra_columns} \
         FROM page \
         LEFT JOIN (SELECT pool_id, COUNT(*) AS n FROM codes \
           WHERE used = 1 AND pool_id IN (SELECT id FROM page) GROUP BY pool_id) u ON u.pool_id = page.id \
         LEFT JOIN (SELECT pool_id, SUM(CASE WHEN is_exclusion = 0 THEN 1 ELSE 0 END) AS inc, \
           SUM(CASE WHEN is_exclusion = 0 THEN 0 ELSE 1 END) AS exc FROM assignments \
           WHERE pool_id IN (SELECT id FROM page) GROUP BY pool_id) a ON a.pool_id = page.id \
         LEFT JOIN (SELECT pool_id, {labels} FROM device_states \
           WHERE pool_id IN (SELECT id FROM page) GROUP BY pool_id) s ON s.pool_id = page.id \
         ORDER BY {order}"
    )
}

/// One pool by id, with its extras, through any executor (the pool or a transaction).
async fn select_one<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
) -> Result<Option<Pool>, sqlx::Error> {
    static SQL: OnceLock<String> = OnceLock::new();
    let sql = SQL.get_or_init(|| select_sql("WHERE id = $1", "", "page.id"));
    let row: Option<PoolRow> = sqlx::query_as(sql).bind(id).fetch_optional(ex).await?;
    Ok(row.map(pool))
}

/// The pools a collection query counts (`$count`).
pub const FROM_POOLS: &str = "FROM pools WHERE 1 = 1";

/// One page of pools in id (creation) order, or `$orderby`'s, narrowed by `$filter`, with
/// their extras (one statement; [`crate::odata::POOLS_SCHEMA`]'s columns are the page's),
/// and with `$count=true` the count of every page.
pub async fn list(db: &Db, paging: &Paging) -> Result<Rows<Pool>, ApiError> {
    let count = paging.count_if_asked(db, FROM_POOLS, Vec::new()).await?;
    let mut params = Vec::new();
    let filter = paging.filter_sql(db, &mut params);
    let tail = paging.page_sql("id", &mut params);
    let sql = select_sql(
        &format!("WHERE 1 = 1{filter}{tail}"),
        &paging.seek_columns(),
        &paging.order_sql("page.id"),
    );
    let rows = sqlx::query_with(&sql, odata::arguments(&params)?)
        .fetch_all(&db.pool)
        .await?;
    Ok(paging.rows::<PoolRow>(rows, count)?.map(pool))
}

/// A pool and its SM-DP+ address.
pub async fn get(db: &Db, id: &str) -> Result<Option<(Pool, String)>, sqlx::Error> {
    let pool = select_one(&db.pool, id).await?;
    Ok(pool.map(|p| {
        let smdp = p
            .extras
            .smdp_plus_server_address
            .clone()
            .unwrap_or_default();
        (p, smdp)
    }))
}

/// An ICCID the server knows: `(iccid, pool id, pool name, used)`.
pub type Known = (String, Option<String>, Option<String>, bool);

/// Which of these ICCIDs are stored (in a pool, or used after their pool was deleted).
pub async fn known_iccids(db: &Db, iccids: &[&str]) -> Result<Vec<Known>, sqlx::Error> {
    let mut out = Vec::new();
    for chunk in iccids.chunks(CHUNK) {
        let sql = format!(
            "SELECT c.iccid, c.pool_id, p.display_name, c.used FROM codes c LEFT JOIN pools p ON p.id = c.pool_id WHERE c.iccid IN ({})",
            db.bulk_params(1, chunk.len())
        );
        let mut q = sqlx::query_as::<_, (String, Option<String>, Option<String>, i64)>(&sql);
        for i in chunk {
            q = q.bind(*i);
        }
        for (iccid, pool_id, name, used) in q.fetch_all(&db.pool).await? {
            out.push((iccid, pool_id, name, used != 0));
        }
    }
    Ok(out)
}

/// The pool that uses this SM-DP+ address, if any.
pub async fn by_smdp(db: &Db, smdp: &str) -> Result<Option<Pool>, sqlx::Error> {
    static SQL: OnceLock<String> = OnceLock::new();
    let sql = SQL
        .get_or_init(|| select_sql("WHERE smdp_address = $1 ORDER BY id LIMIT 1", "", "page.id"));
    let row: Option<PoolRow> = sqlx::query_as(sql)
        .bind(smdp.to_ascii_lowercase())
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(pool))
}

async fn insert_codes(
    db: &Db,
    tx: &mut Transaction<'_, Any>,
    pool_id: &str,
    codes: &[ActivationCode],
) -> Result<(), sqlx::Error> {
    for chunk in codes.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO codes (iccid, pool_id, matching_id, smdp_address, sort_key, used) VALUES {}",
            db.bulk_rows(chunk.len(), 5, ", 0")
        );
        let mut q = sqlx::query(&sql);
        for c in chunk {
            q = q
                .bind(c.integrated_circuit_card_identifier.as_str())
                .bind(pool_id)
                .bind(c.matching_identifier.as_str())
                .bind(c.smdp_plus_server_address.as_str())
                .bind(util::random_i64());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Creates a pool with its codes in one transaction. `pause` (tests only) holds the
/// transaction open between the pool row and the codes.
pub async fn create(
    db: &Db,
    name: &str,
    smdp: &SmdpAddress,
    codes: &[ActivationCode],
    pause: Option<Duration>,
    audit: &Note<'_>,
) -> Result<Pool, sqlx::Error> {
    let id = util::new_id();
    let now = util::now();
    let smdp = smdp.as_str().to_ascii_lowercase();
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO pools (id, display_name, smdp_address, code_count, created_at, modified_at) VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(&id)
    .bind(name)
    .bind(&smdp)
    .bind(codes.len() as i64)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    if let Some(pause) = pause {
        tracing::warn!(
            ms = pause.as_millis() as u64,
            "test pause inside the import transaction"
        );
        tokio::time::sleep(pause).await;
    }
    insert_codes(db, &mut tx, &id, codes).await?;
    audit.write(&mut tx, &id).await?;
    tx.commit().await?;
    Ok(Pool {
        odata_type: Default::default(),
        id,
        display_name: name.to_owned(),
        created_date_time: now.clone(),
        modified_date_time: now,
        activation_code_count: codes.len() as i32,
        extras: new_extras(&smdp),
    })
}

/// Adds codes to a pool in one transaction; `None` when the pool is gone.
pub async fn add(
    db: &Db,
    pool_id: &str,
    codes: &[ActivationCode],
    audit: &Note<'_>,
) -> Result<Option<Pool>, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    let done = sqlx::query(
        "UPDATE pools SET code_count = code_count + $1, modified_at = $2 WHERE id = $3",
    )
    .bind(codes.len() as i64)
    .bind(util::now())
    .bind(pool_id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    insert_codes(db, &mut tx, pool_id, codes).await?;
    audit.write(&mut tx, pool_id).await?;
    let pool = select_one(&mut *tx, pool_id).await?;
    tx.commit().await?;
    Ok(pool)
}

/// Renames a pool.
pub async fn rename(
    db: &Db,
    id: &str,
    name: &str,
    audit: &Note<'_>,
) -> Result<Option<Pool>, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    let done = sqlx::query("UPDATE pools SET display_name = $1, modified_at = $2 WHERE id = $3")
        .bind(name)
        .bind(util::now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    audit.write(&mut tx, id).await?;
    let pool = select_one(&mut *tx, id).await?;
    tx.commit().await?;
    Ok(pool)
}

/// Deletes a pool: its unused codes are freed, used codes are kept (without a pool), its
/// assignments go; device states stay so the next check-in removes the profiles.
pub async fn delete(db: &Db, id: &str, audit: &Note<'_>) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_targeting().await?;
    let done = sqlx::query("DELETE FROM pools WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM codes WHERE pool_id = $1 AND used = 0")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE codes SET pool_id = NULL WHERE pool_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM assignments WHERE pool_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM device_states WHERE pool_id = $1 AND state = 'notEvaluated'")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit.write(&mut tx, id).await?;
    tx.commit().await?;
    Ok(true)
}
