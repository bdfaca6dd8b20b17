//! Start-up and shutdown of `serve`: waiting for a database that does not accept
//! connections yet, and draining on SIGTERM or Ctrl-C within a time limit.

use std::future::Future;
use std::time::{Duration, Instant};

use sqlx::Connection;

use crate::db::Db;

/// The first wait between two attempts to reach the database; it doubles up to
/// [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// [`Db::connect`] once the database accepts connections: a PostgreSQL server that is
/// not up yet (refused or reset connections, "the database system is starting up") is
/// tried again with a doubling backoff for up to `wait`, one warning per attempt. Other
/// errors (a bad URL, a refused password, an unknown database) end at once. SQLite files
/// are opened at once.
pub async fn connect_waiting(url: &str, wait: Duration) -> Result<Db, sqlx::Error> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        sqlx::any::install_default_drivers();
        let started = Instant::now();
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 1u32;
        loop {
            // One plain connection: the pool would retry a refused connection silently
            // for its whole acquire timeout.
            match sqlx::AnyConnection::connect(url).await {
                Ok(conn) => {
                    let _ = conn.close().await;
                    if attempt > 1 {
                        tracing::info!(attempt, "the database accepts connections");
                    }
                    break;
                }
                Err(e) if not_up_yet(&e) && started.elapsed() + backoff <= wait => {
                    tracing::warn!(
                        attempt,
                        error = %e,
                        retry_in_ms = backoff.as_millis() as u64,
                        waited_s = started.elapsed().as_secs(),
                        "the database does not accept connections yet; waiting"
                    );
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
    Db::connect(url).await
}

/// True for the errors of a database server that is starting (or not started).
fn not_up_yet(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut => true,
        // 57P03 cannot_connect_now: "the database system is starting up".
        sqlx::Error::Database(d) => d.code().as_deref() == Some("57P03"),
        _ => false,
    }
}

/// The next SIGTERM or Ctrl-C (SIGINT), by name.
async fn signal(#[cfg(unix)] term: &mut tokio::signal::unix::Signal) -> &'static str {
    #[cfg(unix)]
    {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => "SIGINT",
            _ = term.recv() => "SIGTERM",
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

/// The graceful-shutdown future of `serve`: resolves on the first SIGTERM or Ctrl-C, so
/// the server stops accepting connections and lets the requests in flight finish. From
/// then on, a second signal or `limit` ends the process at once with exit status 1 (the
/// requests still running are cut; their transactions roll back).
///
/// Call it before binding, so that a signal during start-up is already handled.
pub fn shutdown_signal(limit: Duration) -> std::io::Result<impl Future<Output = ()> + Send> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    Ok(async move {
        #[cfg(unix)]
        let first = signal(&mut term).await;
        #[cfg(not(unix))]
        let first = signal().await;
        tracing::info!(
            signal = first,
            limit_s = limit.as_secs_f64(),
            "draining: no new connections; the requests in flight finish (a second signal or the limit stops at once)"
        );
        tokio::spawn(async move {
            #[cfg(unix)]
            let second = signal(&mut term);
            #[cfg(not(unix))]
            let second = signal();
            tokio::select! {
                s = second => tracing::warn!(signal = s, "second signal: stopping without waiting for the requests in flight"),
                _ = tokio::time::sleep(limit) => tracing::warn!(limit_s = limit.as_secs_f64(), "drain limit reached: stopping with requests in flight"),
            }
            std::process::exit(1);
        });
    })
}
