//! The pools' SQL. An import is one transaction: the pool and all its codes, or nothing.

use std::time::Duration;

use esim_csv::{ActivationCode, SmdpAddress};
use esim_wire::Pool;
use sqlx::{Any, Transaction};

use crate::audit::Note;
use crate::db::Db;
use crate::util;

/// Rows per multi-row `INSERT` (6 values each, well under both databases' limits).
const CHUNK: usize = 500;

type PoolRow = (String, String, String, String, i64);

/// The columns of a pool, in [`PoolRow`] order.
pub const POOL_COLUMNS: &str = "id, display_name, created_at, modified_at, code_count";

/// A row as the wire's pool.
pub fn pool(r: PoolRow) -> Pool {
    Pool {
        odata_type: Default::default(),
        id: r.0,
        display_name: r.1,
        created_date_time: r.2,
        modified_date_time: r.3,
        activation_code_count: i32::try_from(r.4).unwrap_or(i32::MAX),
        extras: Default::default(),
    }
}

/// One page of pools in id (creation) order.
pub async fn list(db: &Db, after: &str, limit: i64) -> Result<Vec<Pool>, sqlx::Error> {
    let rows: Vec<PoolRow> = sqlx::query_as(&format!(
        "SELECT {POOL_COLUMNS} FROM pools WHERE id > $1 ORDER BY id LIMIT $2"
    ))
    .bind(after)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(pool).collect())
}

/// A pool and its SM-DP+ address.
pub async fn get(db: &Db, id: &str) -> Result<Option<(Pool, String)>, sqlx::Error> {
    let row: Option<(String, String, String, String, i64, String)> = sqlx::query_as(&format!(
        "SELECT {POOL_COLUMNS}, smdp_address FROM pools WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| (pool((r.0, r.1, r.2, r.3, r.4)), r.5)))
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
    let row: Option<PoolRow> = sqlx::query_as(&format!(
        "SELECT {POOL_COLUMNS} FROM pools WHERE smdp_address = $1 ORDER BY id LIMIT 1"
    ))
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
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO pools (id, display_name, smdp_address, code_count, created_at, modified_at) VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(&id)
    .bind(name)
    .bind(smdp.as_str().to_ascii_lowercase())
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
        extras: Default::default(),
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
    let row: Option<PoolRow> = sqlx::query_as(&format!(
        "UPDATE pools SET code_count = code_count + $1, modified_at = $2 WHERE id = $3 RETURNING {POOL_COLUMNS}"
    ))
    .bind(codes.len() as i64)
    .bind(util::now())
    .bind(pool_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    insert_codes(db, &mut tx, pool_id, codes).await?;
    audit.write(&mut tx, pool_id).await?;
    tx.commit().await?;
    Ok(Some(pool(row)))
}

/// Renames a pool.
pub async fn rename(
    db: &Db,
    id: &str,
    name: &str,
    audit: &Note<'_>,
) -> Result<Option<Pool>, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    let row: Option<PoolRow> = sqlx::query_as(&format!(
        "UPDATE pools SET display_name = $1, modified_at = $2 WHERE id = $3 RETURNING {POOL_COLUMNS}"
    ))
    .bind(name)
    .bind(util::now())
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    if row.is_some() {
        audit.write(&mut tx, id).await?;
    }
    tx.commit().await?;
    Ok(row.map(pool))
}

/// Deletes a pool: its unused codes are freed, used codes are kept (without a pool), its
/// assignments go; device states stay so the next check-in removes the profiles.
pub async fn delete(db: &Db, id: &str, audit: &Note<'_>) -> Result<bool, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
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
