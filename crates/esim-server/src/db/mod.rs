//! The database: SQLite (embedded, the default) or PostgreSQL, through one set of SQL.
//!
//! Queries are plain `sqlx::query` with runtime binding through the Any driver, so one
//! statement text serves both databases (`$1` placeholders work on both). The compile-time
//! macros check against one database only; instead, the HTTP test suite runs every route,
//! so every statement, against both (see `docs/API-DESIGN.md`, "Queries").

use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Connection, Executor};

use crate::error::{ApiError, ApiResult};

/// Which database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One file, one writer: the pool has one connection, so transactions are serial.
    Sqlite,
    /// Several processes; rows are claimed with `FOR UPDATE SKIP LOCKED`.
    Postgres,
}

/// A connection pool and its kind.
#[derive(Debug, Clone)]
pub struct Db {
    /// The pool: every write, and every read that must see its own request's writes.
    pub pool: AnyPool,
    /// Reads that may run beside the writes: on SQLite a pool of read-only connections
    /// ([`SQLITE_READERS`]; WAL readers never wait for the writer, and each statement
    /// sees every transaction committed before it started, by this process or another);
    /// on PostgreSQL the same pool as [`Db::pool`]. The device check-in reads its token
    /// and its states here, so the single SQLite writer connection only writes.
    pub read: AnyPool,
    /// Which database.
    pub backend: Backend,
}

/// Read-only SQLite connections beside the writer (each has its own sqlx worker thread).
pub const SQLITE_READERS: u32 = 4;

/// The migrations, in order. Each runs once, in a transaction, recorded in
/// `esim_migrations`.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("schema_v1.sql")),
    (2, include_str!("schema_v2.sql")),
    (3, include_str!("schema_v3.sql")),
    (4, include_str!("schema_v4.sql")),
];

/// An advisory-lock key so that two processes starting at once migrate one after the other.
const MIGRATION_LOCK: i64 = 0x0065_7369_6d6d_6967;

/// The advisory-lock key held, for the rest of its transaction, by every change of
/// targeting (assignments, memberships, retirement, group, device and pool deletion): see
/// [`Db::begin_targeting`].
const TARGETING_LOCK: i64 = 0x0065_7369_6d74_6774;

/// How often a transaction aborted by the database for a deadlock or a serialization
/// failure is run again before the request gets a 503 ([`retry`]).
const TRANSIENT_TRIES: u32 = 6;

/// A pool of `connections` SQLite connections kept for the process's life, each set up
/// by `pragmas` in order.
fn sqlite_pool(connections: u32, pragmas: &'static [&'static str]) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(connections)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(move |conn, _| {
            Box::pin(async move {
                for pragma in pragmas {
                    conn.execute(*pragma).await?;
                }
                Ok(())
            })
        })
}

impl Db {
    /// Connects to `sqlite://PATH` (created when missing) or `postgres://...`, and runs the
    /// migrations.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if let Some(rest) = url.strip_prefix("sqlite://") {
            let sep = if rest.contains('?') { '&' } else { '?' };
            let url = if rest.contains("mode=") {
                url.to_owned()
            } else {
                format!("{url}{sep}mode=rwc")
            };
            (Backend::Sqlite, url)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_owned())
        } else {
            return Err(sqlx::Error::Configuration(
                format!("unsupported database URL '{url}': use sqlite://PATH or postgres://...")
                    .into(),
            ));
        };
        let options: AnyConnectOptions = url.parse()?;
        let pool = match backend {
            // One connection: SQLite has one writer, and a single connection keeps every
            // transaction serial (no SQLITE_BUSY, no upgrade deadlocks).
            Backend::Sqlite => {
                sqlite_pool(
                    1,
                    // First: another process may hold the file (its migration).
                    &[
                        "PRAGMA busy_timeout = 5000",
                        "PRAGMA journal_mode = WAL",
                        "PRAGMA synchronous = NORMAL",
                    ],
                )
                .connect_with(options.clone())
                .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(options.clone())
                    .await?
            }
        };
        let mut db = Db {
            read: pool.clone(),
            pool,
            backend,
        };
        db.migrate().await?;
        if backend == Backend::Sqlite {
            // After the migrations: the file exists and is in WAL mode.
            db.read = sqlite_pool(
                SQLITE_READERS,
                &["PRAGMA busy_timeout = 5000", "PRAGMA query_only = 1"],
            )
            .connect_with(options)
            .await?;
        }
        Ok(db)
    }

    /// Closes the pools.
    pub async fn close(&self) {
        self.read.close().await;
        self.pool.close().await;
    }

    /// Runs the migrations not yet applied. Two processes starting at once on a new
    /// database migrate one after the other: on PostgreSQL under an advisory lock; on
    /// SQLite each migration's transaction is `BEGIN IMMEDIATE` (it takes the write lock
    /// before it reads, waiting up to the busy timeout for the other process) and checks
    /// inside it whether the migration is recorded already.
    pub async fn migrate(&self) -> Result<(), sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(MIGRATION_LOCK)
                .execute(&mut *conn)
                .await?;
        }
        let begin = match self.backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        let result = async {
            conn.execute(
                "CREATE TABLE IF NOT EXISTS esim_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)",
            )
            .await?;
            for (version, sql) in MIGRATIONS {
                let mut tx = conn.begin_with(begin).await?;
                let done: Option<(i64,)> =
                    sqlx::query_as("SELECT version FROM esim_migrations WHERE version = $1")
                        .bind(*version)
                        .fetch_optional(&mut *tx)
                        .await?;
                if done.is_some() {
                    continue;
                }
                for statement in statements(sql, self.backend) {
                    tx.execute(statement.as_str()).await?;
                }
                sqlx::query("INSERT INTO esim_migrations (version, applied_at) VALUES ($1, $2)")
                    .bind(*version)
                    .bind(crate::util::now())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                tracing::info!(version, "migration applied");
            }
            Ok::<(), sqlx::Error>(())
        }
        .await;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(MIGRATION_LOCK)
                .execute(&mut *conn)
                .await?;
        }
        result
    }

    /// Begins a transaction that changes what targets what. On PostgreSQL it first takes a
    /// transaction-scoped advisory lock ([`TARGETING_LOCK`]), so such changes run one after
    /// the other across every process: at read committed each statement of the second sees
    /// the first's committed rows, so the `INSERT ... SELECT` of
    /// [`crate::assignments::refresh`] sees both the assignment of one and the membership of
    /// the other. Without it, "assign" and "add member" at the same moment each missed the
    /// other's row and the device was left without a state (docs/API-DESIGN.md,
    /// "Targeting"). On SQLite the one writer connection already makes them serial.
    pub async fn begin_targeting(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(TARGETING_LOCK)
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }
}

/// Why [`backup`] wrote no copy. Its messages are the command line's: `esim-server backup`
/// prints them as they are.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// A PostgreSQL URL: `pg_dump` is the tool there.
    #[error(
        "backup copies SQLite databases only; for PostgreSQL use its own tool, for example: \
         pg_dump --format=custom --file=esim.dump '{0}' (restore with pg_restore; see docs/server.md, \"Backup\")"
    )]
    Postgres(String),
    /// Neither `sqlite://` nor PostgreSQL.
    #[error("unsupported database URL '{0}': use sqlite://PATH")]
    UnsupportedUrl(String),
    /// The URL names no file.
    #[error("no SQLite database at '{0}'")]
    NoDatabase(String),
    /// The output file exists (a backup never overwrites).
    #[error("'{0}' exists already; give a new file")]
    OutputExists(String),
    /// SQLite takes the output path as text.
    #[error("the output path '{0}' is not UTF-8")]
    OutputNotUtf8(String),
    /// The database could not be opened.
    #[error("opening '{file}': {source}")]
    Open {
        file: String,
        #[source]
        source: sqlx::Error,
    },
    /// `VACUUM INTO` (or the connection around it) failed.
    #[error("writing the copy to '{output}': {source}")]
    Write {
        output: String,
        #[source]
        source: sqlx::Error,
    },
}

/// Writes a consistent copy of the SQLite database at `url` to `output` with `VACUUM INTO`,
/// while servers keep using it (a WAL database cannot simply be copied: recent commits
/// may be only in the `-wal` file). The copy is one read transaction: every commit before
/// it, none after. `output` must not exist. A PostgreSQL URL is refused: `pg_dump` is the
/// tool there (`docs/server.md`, "Backup").
pub async fn backup(url: &str, output: &std::path::Path) -> Result<(), BackupError> {
    let Some(path) = url.strip_prefix("sqlite://") else {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Err(BackupError::Postgres(url.to_owned()));
        }
        return Err(BackupError::UnsupportedUrl(url.to_owned()));
    };
    let file = path.split('?').next().unwrap_or(path);
    if !std::path::Path::new(file).is_file() {
        return Err(BackupError::NoDatabase(file.to_owned()));
    }
    if output.exists() {
        return Err(BackupError::OutputExists(output.display().to_string()));
    }
    let out = output
        .to_str()
        .ok_or_else(|| BackupError::OutputNotUtf8(output.display().to_string()))?;
    let write = |source| BackupError::Write {
        output: out.to_owned(),
        source,
    };
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&format!("sqlite://{file}?mode=ro"))
        .await
        .map_err(|source| BackupError::Open {
            file: file.to_owned(),
            source,
        })?;
    conn.execute("PRAGMA busy_timeout = 5000")
        .await
        .map_err(write)?;
    sqlx::query("VACUUM INTO $1")
        .bind(out)
        .execute(&mut conn)
        .await
        .map_err(write)?;
    conn.close().await.map_err(write)?;
    Ok(())
}

/// Runs `attempt` (a whole transaction) again when the database aborted it for a deadlock or
/// a serialization failure ([`ApiError::Transient`]), up to [`TRANSIENT_TRIES`] times with a
/// short random pause that grows; then the request gets a 503 with `Retry-After`.
pub async fn retry<T, F, Fut>(mut attempt: F) -> ApiResult<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ApiResult<T>>,
{
    let mut tries = 0;
    loop {
        match attempt().await {
            Err(ApiError::Transient(e)) if tries < TRANSIENT_TRIES => {
                tries += 1;
                tracing::debug!(error = %e, tries, "transaction aborted by the database; running it again");
                let [r] = crate::util::random::<1>();
                let ms = 1 + u64::from(r) % (4u64 << tries);
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            other => return other,
        }
    }
}

/// The statements of a migration for `backend`: comment lines dropped, then split at `;`.
/// A line `--@sqlite ...` or `--@postgres ...` is that database's alone (the rest of the
/// line, a statement the other does not take, such as an index's null order).
fn statements(sql: &str, backend: Backend) -> Vec<String> {
    let own = match backend {
        Backend::Sqlite => "--@sqlite ",
        Backend::Postgres => "--@postgres ",
    };
    let code: Vec<&str> = sql
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            match l.strip_prefix(own) {
                Some(statement) => Some(statement),
                None => (!l.starts_with("--")).then_some(l),
            }
        })
        .collect();
    code.join("\n")
        .split(';')
        .map(str::to_owned)
        .filter(|s| !s.trim().is_empty())
        .collect()
}

/// `$from, $from+1, ...` placeholders for an `IN (...)` list of `n` values.
pub fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Db {
    /// Placeholders for a statement with many values (bulk inserts, long `IN` lists): the
    /// numbered `$from, $from+1, ...` on PostgreSQL, the anonymous `?` on SQLite, where they
    /// are bound in order. The statement must use these placeholders only.
    ///
    /// Why: sqlx maps each numbered SQLite parameter to its value through
    /// `sqlite3_bind_parameter_name`, which scans the statement's parameter list, so a
    /// statement with n numbered parameters costs n^2: two thirds of a 1,000-code import's
    /// server time went there (`bench/server.md`). Anonymous parameters skip the lookup.
    pub fn bulk_params(&self, from: usize, n: usize) -> String {
        match self.backend {
            Backend::Postgres => placeholders(from, n),
            Backend::Sqlite => vec!["?"; n].join(", "),
        }
    }

    /// `(p, p, ..., p{tail})` rows of `width` placeholders each, numbered from 1 (see
    /// [`Db::bulk_params`]); `tail` is appended inside each row, such as `, 0`.
    pub fn bulk_rows(&self, rows: usize, width: usize, tail: &str) -> String {
        (0..rows)
            .map(|r| format!("({}{tail})", self.bulk_params(r * width + 1, width)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_migration_line_can_be_one_databases_alone() {
        let sql = "-- a comment;\nCREATE TABLE t (a TEXT);\n--@sqlite CREATE INDEX i ON t (a);\n\
                   --@postgres CREATE INDEX i ON t (a NULLS FIRST);\n  UPDATE t SET a = 'x';\n";
        assert_eq!(
            statements(sql, Backend::Sqlite),
            [
                "CREATE TABLE t (a TEXT)",
                "\nCREATE INDEX i ON t (a)",
                "\nUPDATE t SET a = 'x'"
            ]
        );
        assert_eq!(
            statements(sql, Backend::Postgres)[1],
            "\nCREATE INDEX i ON t (a NULLS FIRST)"
        );
    }
}
