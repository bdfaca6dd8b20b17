//! `esim-bench server`: the figures of issue 4's "Measured" section, written to a
//! Markdown file.
//!
//! * **Import**: server time per request to import a 1,000-code pool, as a raw CSV file
//!   and as Graph's JSON create, through the whole router in process (no socket: the
//!   time is the server's), p50/p95/p99 over `--imports` requests, on SQLite and
//!   PostgreSQL. Baseline: `esim_csv::parse` of the same files alone.
//! * **Check-ins**: devices checking in over real HTTP on loopback against `serve`
//!   processes of this same binary, from a load generator in this process (hyper HTTP/1
//!   connections with keep-alive, one task per connection), on SQLite, PostgreSQL, and two
//!   processes on one PostgreSQL database. Baseline: `GET /healthz` on the same servers
//!   with the same connections (the HTTP ceiling of the setup).
//! * **Tokens**: an API read (`GET` the pools, `$top=1`) with a person's verified JWT
//!   against the same read with a static token, on one `serve` process started with
//!   `--oidc-issuer` pointing at a small issuer this bench serves itself (discovery and a
//!   JWKS on a loopback port, an ES256 key made for the run), in the same run.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context};
use axum::body::{Body, Bytes};
use axum::http::{header, Method, Request, StatusCode};
use http_body_util::{BodyExt, Empty};
use sqlx::Connection;
use tower::ServiceExt;

use esim_server::auth::{create_token, Role};
use esim_server::db::Db;
use esim_server::{app, util, AppState, Config};
use esim_test_support::iccid;

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// The results file (Markdown).
    pub out: PathBuf,
    /// PostgreSQL's maintenance URL; the bench creates and drops its own databases.
    pub postgres: Option<String>,
    /// Measured imports per kind and database (after a few warm-up imports).
    pub imports: usize,
    /// Devices of the check-in runs.
    pub devices: usize,
    /// Seconds of each timed check-in and baseline phase.
    pub seconds: f64,
    /// Concurrent HTTP connections of the load generator.
    pub connections: usize,
    /// The esim-server binary, started as `serve` for the check-in runs.
    pub exe: PathBuf,
    /// Another build, whose check-in runs follow each of [`BenchOptions::exe`]'s in the
    /// same run (an A/B comparison on the same machine state).
    pub compare_exe: Option<PathBuf>,
    /// Run one part only (`--only imports`, `checkins` or `tokens`), for profiling one side.
    pub only: Option<String>,
}

const CODES_PER_IMPORT: u64 = 1000;
const WARMUP_IMPORTS: usize = 5;
const SMDP: &str = "smdp.bench.example.com";

/// Percentiles of a sample.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stats {
    /// Median.
    pub p50: Duration,
    /// 95th percentile.
    pub p95: Duration,
    /// 99th percentile.
    pub p99: Duration,
}

impl Stats {
    /// The percentiles of `v` (nearest rank).
    pub fn of(mut v: Vec<Duration>) -> Stats {
        v.sort_unstable();
        let at = |q: f64| {
            if v.is_empty() {
                Duration::ZERO
            } else {
                let i = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
                v[i]
            }
        };
        Stats {
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
        }
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

fn csv_file(from: u64, n: u64) -> String {
    let mut s = format!("{SMDP}\n");
    for i in from..from + n {
        let _ = writeln!(s, "{},MATCH-{i:08}", iccid(i));
    }
    s
}

fn json_pool(name: &str, from: u64, n: u64) -> Vec<u8> {
    let codes: Vec<serde_json::Value> = (from..from + n)
        .map(|i| {
            serde_json::json!({
                "integratedCircuitCardIdentifier": iccid(i),
                "matchingIdentifier": format!("MATCH-{i:08}"),
                "smdpPlusServerAddress": SMDP,
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({"displayName": name, "activationCodes": codes}))
        .unwrap_or_default()
}

/// A database that exists for one run: a SQLite file or a PostgreSQL database, removed
/// when dropped.
struct BenchDb {
    url: String,
    name: String,
    file: Option<PathBuf>,
    admin: Option<String>,
}

impl BenchDb {
    async fn new(postgres: Option<&str>) -> anyhow::Result<BenchDb> {
        let name = format!("esim_bench_{}", util::hex(&util::random::<6>()));
        match postgres {
            None => {
                let file = std::env::temp_dir().join(format!("{name}.db"));
                Ok(BenchDb {
                    url: format!("sqlite://{}", file.display()),
                    name,
                    file: Some(file),
                    admin: None,
                })
            }
            Some(admin) => {
                sqlx::any::install_default_drivers();
                let mut conn = sqlx::AnyConnection::connect(admin)
                    .await
                    .with_context(|| format!("connecting to PostgreSQL at {admin}"))?;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await?;
                let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin);
                Ok(BenchDb {
                    url: format!("{base}/{name}"),
                    name,
                    file: None,
                    admin: Some(admin.to_owned()),
                })
            }
        }
    }

    async fn drop_now(self) {
        if let Some(file) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
        if let Some(admin) = &self.admin {
            if let Ok(mut conn) = sqlx::AnyConnection::connect(admin).await {
                let _ = sqlx::query(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
                .execute(&mut conn)
                .await;
            }
        }
    }
}

/// The import figures of one database.
#[derive(Debug, Clone, Copy, Default)]
struct ImportFigures {
    raw: Stats,
    json: Stats,
    parse: Stats,
}

async fn send(app: &axum::Router, req: Request<Body>) -> anyhow::Result<(StatusCode, Bytes)> {
    let res = app.clone().oneshot(req).await?;
    let status = res.status();
    let body = res.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

async fn import_bench(postgres: Option<&str>, o: &BenchOptions) -> anyhow::Result<ImportFigures> {
    let bdb = BenchDb::new(postgres).await?;
    let result = async {
        let db = Db::connect(&bdb.url).await?;
        let (_, admin) = create_token(&db, Role::Admin, None, Some("bench")).await?;
        let app = app(AppState::new(db.clone(), Config::default()));
        let bearer = format!("Bearer {admin}");
        let mut next = 1_000_000u64;
        let mut raw = Vec::new();
        let mut parse = Vec::new();
        for i in 0..WARMUP_IMPORTS + o.imports {
            let file = csv_file(next, CODES_PER_IMPORT);
            next += CODES_PER_IMPORT;
            let started = Instant::now();
            let (report, pool) =
                esim_csv::parse(file.as_bytes(), &esim_csv::Options::file("bench.csv"));
            let parsed = started.elapsed();
            ensure!(
                report.is_valid() && pool.is_some(),
                "the bench file is not valid"
            );
            let req = Request::post(format!("/api/pools/import?fileName=bench-{i}.csv"))
                .header(header::AUTHORIZATION, &bearer)
                .header(header::CONTENT_TYPE, "text/csv")
                .body(Body::from(file))?;
            let started = Instant::now();
            let (status, body) = send(&app, req).await?;
            let took = started.elapsed();
            ensure!(
                status == StatusCode::CREATED,
                "raw import: {status} {}",
                String::from_utf8_lossy(&body)
            );
            if i >= WARMUP_IMPORTS {
                raw.push(took);
                parse.push(parsed);
            }
        }
        let mut json = Vec::new();
        for i in 0..WARMUP_IMPORTS + o.imports {
            let body = json_pool(&format!("Bench pool {i}"), next, CODES_PER_IMPORT);
            next += CODES_PER_IMPORT;
            let req = Request::post(esim_server::routes::POOLS)
                .header(header::AUTHORIZATION, &bearer)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))?;
            let started = Instant::now();
            let (status, body) = send(&app, req).await?;
            let took = started.elapsed();
            ensure!(
                status == StatusCode::CREATED,
                "JSON create: {status} {}",
                String::from_utf8_lossy(&body)
            );
            if i >= WARMUP_IMPORTS {
                json.push(took);
            }
        }
        db.close().await;
        Ok(ImportFigures {
            raw: Stats::of(raw),
            json: Stats::of(json),
            parse: Stats::of(parse),
        })
    }
    .await;
    bdb.drop_now().await;
    result
}

/// A `serve` process of this binary, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(exe: &PathBuf, db_url: &str, log: &PathBuf) -> anyhow::Result<Server> {
        Server::start_with(exe, db_url, log, &[])
    }

    /// [`Server::start`] with more `serve` arguments.
    fn start_with(
        exe: &PathBuf,
        db_url: &str,
        log: &PathBuf,
        args: &[&str],
    ) -> anyhow::Result<Server> {
        let log_file = std::fs::File::create(log)?;
        let mut child = Command::new(exe)
            .args(["serve", "--listen", "127.0.0.1:0", "--database", db_url])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .with_context(|| format!("starting {}", exe.display()))?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().context("stdout")?).read_line(&mut line)?;
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .with_context(|| format!("unexpected first line of the server: {line:?}"))?
            .parse()?;
        Ok(Server { child, addr })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Creates `n` devices in one group assigned to a pool of `n` codes, each device with its
/// own device token; returns `(device id, token)`s.
async fn fleet(db: &Db, n: usize) -> anyhow::Result<Vec<(String, String)>> {
    let now = util::now();
    let group = util::new_id();
    let pool = util::new_id();
    let mut devices = Vec::with_capacity(n);
    for _ in 0..n {
        devices.push((util::new_id(), util::new_token()));
    }
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO dir_groups (id, display_name, created_at) VALUES ($1, 'Bench fleet', $2)",
    )
    .bind(&group)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO pools (id, display_name, smdp_address, code_count, created_at, modified_at) VALUES ($1, 'Bench pool', $2, $3, $4, $4)")
        .bind(&pool)
        .bind(SMDP)
        .bind(n as i64)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO assignments (id, pool_id, group_id, is_exclusion) VALUES ($1, $2, $3, 0)",
    )
    .bind(util::new_id())
    .bind(&pool)
    .bind(&group)
    .execute(&mut *tx)
    .await?;
    for (c, chunk) in devices.chunks(200).enumerate() {
        let sql = format!(
            "INSERT INTO dir_devices (id, display_name, created_at, operating_system, esim_capable, retired) VALUES {}",
            db.bulk_rows(chunk.len(), 3, ", 'iOS', 1, 0")
        );
        let mut q = sqlx::query(&sql);
        for (i, (id, _)) in chunk.iter().enumerate() {
            q = q
                .bind(id)
                .bind(format!("bench-{:05}", c * 200 + i))
                .bind(&now);
        }
        q.execute(&mut *tx).await?;
        let sql = format!(
            "INSERT INTO dir_members (group_id, device_id) VALUES {}",
            db.bulk_rows(chunk.len(), 2, "")
        );
        let mut q = sqlx::query(&sql);
        for (id, _) in chunk {
            q = q.bind(&group).bind(id);
        }
        q.execute(&mut *tx).await?;
        let sql = format!(
            "INSERT INTO tokens (id, hash, device_id, created_at, role) VALUES {}",
            db.bulk_rows(chunk.len(), 4, ", 'device'")
        );
        let mut q = sqlx::query(&sql);
        for (id, token) in chunk {
            q = q
                .bind(util::new_id())
                .bind(util::token_hash(token))
                .bind(id)
                .bind(&now);
        }
        q.execute(&mut *tx).await?;
    }
    let mut k = 5_000_000_000u64;
    for _ in 0..n.div_ceil(200) {
        let sql = format!(
            "INSERT INTO codes (iccid, pool_id, matching_id, smdp_address, sort_key, used) VALUES {}",
            db.bulk_rows(200, 5, ", 0")
        );
        let mut q = sqlx::query(&sql);
        for _ in 0..200 {
            q = q
                .bind(iccid(k))
                .bind(&pool)
                .bind(format!("MATCH-{k:010}"))
                .bind(SMDP)
                .bind(util::random_i64());
            k += 1;
        }
        q.execute(&mut *tx).await?;
    }
    esim_server::assignments::refresh(&mut tx, esim_server::assignments::Scope::All).await?;
    tx.commit().await?;
    Ok(devices)
}

/// What the load generator sends.
#[derive(Debug, Clone)]
enum Plan {
    /// `GET /healthz` until the time is up.
    Healthz,
    /// Each device checks in once (its first check-in claims a code).
    EachOnce,
    /// Random devices check in until the time is up.
    Random,
    /// `GET path` with this bearer token until the time is up.
    Read {
        /// The path and query.
        path: String,
        /// The whole `Authorization` value.
        authorization: String,
    },
}

/// One timed phase.
#[derive(Debug, Clone, Copy, Default)]
struct Run {
    rate: f64,
    latency: Stats,
    errors: usize,
}

impl Run {
    fn cell(&self) -> String {
        format!("{:.0}", self.rate)
    }
}

async fn load(
    targets: &[SocketAddr],
    devices: Arc<Vec<(String, String)>>,
    plan: Plan,
    o: &BenchOptions,
) -> anyhow::Result<Run> {
    let duration = Duration::from_secs_f64(o.seconds);
    let next = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for c in 0..o.connections {
        let addr = targets[c % targets.len()];
        let (devices, next, errors, plan) =
            (devices.clone(), next.clone(), errors.clone(), plan.clone());
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            let (mut sender, conn) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
            tokio::spawn(conn);
            let mut seed = (c as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let mut times = Vec::with_capacity(4096);
            loop {
                let req = match &plan {
                    Plan::Healthz => {
                        if Instant::now() >= deadline {
                            break;
                        }
                        Request::get("/healthz")
                            .header(header::HOST, "127.0.0.1")
                            .body(Empty::<Bytes>::new())?
                    }
                    Plan::Read {
                        path,
                        authorization,
                    } => {
                        if Instant::now() >= deadline {
                            break;
                        }
                        Request::get(path.as_str())
                            .header(header::HOST, "127.0.0.1")
                            .header(header::AUTHORIZATION, authorization.as_str())
                            .body(Empty::<Bytes>::new())?
                    }
                    Plan::EachOnce | Plan::Random => {
                        let i = if matches!(plan, Plan::EachOnce) {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            if i >= devices.len() {
                                break;
                            }
                            i
                        } else {
                            if Instant::now() >= deadline {
                                break;
                            }
                            seed ^= seed << 13;
                            seed ^= seed >> 7;
                            seed ^= seed << 17;
                            (seed % devices.len() as u64) as usize
                        };
                        let (id, token) = &devices[i];
                        Request::builder()
                            .method(Method::POST)
                            .uri(format!("/api/mdm/devices/{id}/checkIn"))
                            .header(header::HOST, "127.0.0.1")
                            .header(header::AUTHORIZATION, format!("Bearer {token}"))
                            .body(Empty::<Bytes>::new())?
                    }
                };
                sender.ready().await?;
                let t = Instant::now();
                let res = sender.send_request(req).await?;
                let ok = res.status() == StatusCode::OK;
                let _ = res.into_body().collect().await?;
                times.push(t.elapsed());
                if !ok {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok::<_, anyhow::Error>(times)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    let elapsed = started.elapsed();
    Ok(Run {
        rate: all.len() as f64 / elapsed.as_secs_f64(),
        latency: Stats::of(all),
        errors: errors.load(Ordering::Relaxed),
    })
}

/// The audience of the bench's people's tokens.
const AUDIENCE: &str = "api://esim-bench";

/// An OpenID Connect issuer for the token bench, served from this process on a loopback
/// port: its discovery document and a JWKS with one P-256 key made for the run. The
/// server under test fetches both over HTTP, as it would from Entra ID.
struct Issuer {
    url: String,
    kid: String,
    key: jsonwebtoken::EncodingKey,
}

impl Issuer {
    async fn start() -> anyhow::Result<Issuer> {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
        use base64::Engine;
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        use p256::pkcs8::EncodePrivateKey;

        let secret = p256::SecretKey::from_slice(&util::random::<32>())
            .map_err(|e| anyhow::anyhow!("a P-256 key: {e}"))?;
        let kid = util::hex(&util::random::<6>());
        let point = secret.public_key().to_encoded_point(false);
        let (x, y) = (
            point.x().context("the key's x")?,
            point.y().context("the key's y")?,
        );
        let jwks = serde_json::json!({"keys": [{
            "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid,
            "x": B64.encode(x), "y": B64.encode(y),
        }]});
        let der = secret
            .to_pkcs8_der()
            .map_err(|e| anyhow::anyhow!("the key as PKCS#8: {e}"))?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/bench/v2.0", listener.local_addr()?);
        let discovery = serde_json::json!({
            "issuer": url,
            "jwks_uri": format!("{url}/keys"),
            "authorization_endpoint": format!("{url}/authorize"),
            "token_endpoint": format!("{url}/token"),
        });
        let app = axum::Router::new()
            .route(
                "/bench/v2.0/.well-known/openid-configuration",
                axum::routing::get(move || async move { axum::Json(discovery) }),
            )
            .route(
                "/bench/v2.0/keys",
                axum::routing::get(move || async move { axum::Json(jwks) }),
            );
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Issuer {
            url,
            kid,
            key: jsonwebtoken::EncodingKey::from_ec_der(der.as_bytes()),
        })
    }

    /// An admin's access token, valid for an hour, shaped like Entra ID's.
    fn admin_token(&self) -> anyhow::Result<String> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = serde_json::json!({
            "iss": self.url, "aud": AUDIENCE, "sub": "bench-admin", "iat": now,
            "nbf": now - 5, "exp": now + 3600, "roles": ["Esim.Admin"],
            "scp": "Esim.Access", "preferred_username": "bench@example.test",
        });
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(&header, &claims, &self.key)?)
    }
}

/// The token figures: the same read with either token, on the same server.
#[derive(Debug, Clone, Copy, Default)]
struct TokenFigures {
    healthz: Run,
    static_token: Run,
    jwt: Run,
}

async fn token_bench(exe: &PathBuf, o: &BenchOptions) -> anyhow::Result<TokenFigures> {
    let bdb = BenchDb::new(None).await?;
    let result = async {
        let issuer = Issuer::start().await?;
        let db = Db::connect(&bdb.url).await?;
        let (_, admin) = create_token(&db, Role::Admin, None, Some("bench")).await?;
        db.close().await;
        let log = std::env::temp_dir().join(format!("{}-tokens.log", bdb.name));
        let server = Server::start_with(
            exe,
            &bdb.url,
            &log,
            &["--oidc-issuer", &issuer.url, "--oidc-audience", AUDIENCE],
        )?;
        let targets = [server.addr];
        let none = Arc::new(Vec::new());
        let path = format!("{}?$top=1", esim_server::routes::POOLS);
        let read = |token: &str| Plan::Read {
            path: path.clone(),
            authorization: format!("Bearer {token}"),
        };
        let (static_plan, jwt_plan) = (read(&admin), read(&issuer.admin_token()?));
        // Warm up: the connections, the statement cache, and the JWKS (fetched through
        // discovery on the first person's token, then cached).
        let warm = BenchOptions {
            seconds: 0.5,
            ..o.clone()
        };
        load(&targets, none.clone(), static_plan.clone(), &warm).await?;
        let check = load(&targets, none.clone(), jwt_plan.clone(), &warm).await?;
        ensure!(
            check.errors == 0,
            "the server refused the bench's JWT ({} errors); see {}",
            check.errors,
            log.display()
        );
        let healthz = load(&targets, none.clone(), Plan::Healthz, o).await?;
        let static_token = load(&targets, none.clone(), static_plan, o).await?;
        let jwt = load(&targets, none.clone(), jwt_plan, o).await?;
        drop(server);
        Ok(TokenFigures {
            healthz,
            static_token,
            jwt,
        })
    }
    .await;
    bdb.drop_now().await;
    result
}

/// The check-in figures of one setup.
#[derive(Debug, Clone, Copy, Default)]
struct CheckInFigures {
    healthz: Run,
    first: Run,
    steady: Run,
}

async fn check_in_bench(
    postgres: Option<&str>,
    processes: usize,
    exe: &PathBuf,
    o: &BenchOptions,
) -> anyhow::Result<CheckInFigures> {
    let bdb = BenchDb::new(postgres).await?;
    let result = async {
        let db = Db::connect(&bdb.url).await?;
        let devices = Arc::new(fleet(&db, o.devices).await?);
        db.close().await;
        let mut servers = Vec::new();
        for p in 0..processes {
            let log = std::env::temp_dir().join(format!("{}-{p}.log", bdb.name));
            servers.push(Server::start(exe, &bdb.url, &log)?);
        }
        let targets: Vec<SocketAddr> = servers.iter().map(|s| s.addr).collect();
        // Warm up the connections and the servers' statement caches.
        let warm = BenchOptions {
            seconds: 0.5,
            ..o.clone()
        };
        load(&targets, devices.clone(), Plan::Healthz, &warm).await?;
        let healthz = load(&targets, devices.clone(), Plan::Healthz, o).await?;
        let first = load(&targets, devices.clone(), Plan::EachOnce, o).await?;
        // The devices report their installs (as the simulator would): the steady state
        // of a fleet is installed devices checking in with nothing to do.
        let db = Db::connect(&bdb.url).await?;
        sqlx::query("UPDATE device_states SET state = 'installed' WHERE state = 'installing'")
            .execute(&db.pool)
            .await?;
        db.close().await;
        load(&targets, devices.clone(), Plan::Random, &warm).await?;
        let steady = load(&targets, devices.clone(), Plan::Random, o).await?;
        drop(servers);
        Ok(CheckInFigures {
            healthz,
            first,
            steady,
        })
    }
    .await;
    bdb.drop_now().await;
    result
}

fn command_line(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".into())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Runs every measurement and writes the results file.
pub async fn run(o: BenchOptions) -> anyhow::Result<()> {
    if o.imports == 0 || o.devices == 0 || o.connections == 0 {
        bail!("--imports, --devices and --connections must be at least 1");
    }
    let load_before = load_average();
    let pg = o.postgres.as_deref();
    let only = o.only.as_deref();
    if !matches!(only, None | Some("imports" | "checkins" | "tokens")) {
        bail!("--only takes imports, checkins or tokens");
    }
    let part = |name: &str| only.is_none_or(|o| o == name);
    let mut imports = Vec::new();
    if part("imports") {
        eprintln!("bench: imports on SQLite");
        imports.push(("SQLite", import_bench(None, &o).await?));
        if let Some(url) = pg {
            eprintln!("bench: imports on PostgreSQL");
            imports.push(("PostgreSQL", import_bench(Some(url), &o).await?));
        }
    }
    let mut checkins = Vec::new();
    if part("checkins") {
        let mut setups = vec![("SQLite, 1 process", None, 1)];
        if let Some(url) = pg {
            setups.push(("PostgreSQL, 1 process", Some(url), 1));
            setups.push(("PostgreSQL, 2 processes", Some(url), 2));
        }
        // With --compare-exe each setup runs with this build, then at once with the other.
        let mut builds = vec![(String::new(), o.exe.clone())];
        if let Some(other) = &o.compare_exe {
            // The file names only: the report is committed, paths are the machine's.
            let name = |p: &PathBuf| {
                p.file_name().map_or_else(
                    || p.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                )
            };
            builds[0].0 = format!(" [{}]", name(&o.exe));
            builds.push((format!(" [{}]", name(other)), other.clone()));
        }
        for (name, postgres, processes) in setups {
            for (build, exe) in &builds {
                eprintln!("bench: check-ins, {name}{build}");
                checkins.push((
                    format!("{name}{build}"),
                    check_in_bench(postgres, processes, exe, &o).await?,
                ));
            }
        }
    }

    let tokens = if part("tokens") {
        eprintln!("bench: verified JWTs and static tokens, SQLite, 1 process");
        Some(token_bench(&o.exe, &o).await?)
    } else {
        None
    };

    let mut md = String::new();
    let _ = writeln!(md, "# Server benchmark\n");
    let _ = writeln!(
        md,
        "Written by `esim-bench server` (`crates/esim-bench/src/native/server.rs`); do not edit by hand.\n"
    );
    let _ = writeln!(md, "* Date: {}", util::now());
    let _ = writeln!(
        md,
        "* Machine: {} cores ({}), {}; commit {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        cpu_model(),
        command_line("rustc", &["-V"]),
        command_line("git", &["rev-parse", "--short", "HEAD"]),
    );
    let _ = writeln!(
        md,
        "* Settings: {} imports of {CODES_PER_IMPORT} codes per kind and database (after {WARMUP_IMPORTS} warm-up), {} devices, {} s per timed phase, {} connections",
        o.imports, o.devices, o.seconds, o.connections
    );
    let _ = writeln!(
        md,
        "* Load average (1 min) at the start: {load_before}, at the end: {}. The machine is shared: other jobs may run at the same time, so compare ratios more than absolute figures.\n",
        load_average()
    );

    if !imports.is_empty() {
        let _ = writeln!(
            md,
            "## Import of a 1,000-code pool (server time per request)\n"
        );
        let _ = writeln!(
            md,
            "| database | request | p50 ms | p95 ms | p99 ms | p50 / parse p50 |"
        );
        let _ = writeln!(md, "|---|---|---:|---:|---:|---:|");
        for (name, f) in &imports {
            for (kind, s) in [("raw CSV file", f.raw), ("JSON create", f.json)] {
                let _ = writeln!(
                    md,
                    "| {name} | {kind} | {} | {} | {} | {:.1}x |",
                    ms(s.p50),
                    ms(s.p95),
                    ms(s.p99),
                    s.p50.as_secs_f64() / f.parse.p50.as_secs_f64().max(1e-9)
                );
            }
            let _ = writeln!(
                md,
                "| {name} | baseline: `esim_csv::parse` of the file alone | {} | {} | {} | 1.0x |",
                ms(f.parse.p50),
                ms(f.parse.p95),
                ms(f.parse.p99)
            );
        }
        if let Some((_, f)) = imports.first() {
            let _ = writeln!(
                md,
                "\nGoal: p50 under 20 ms on SQLite ({}: raw {} ms, JSON {} ms).\n",
                if f.raw.p50 < Duration::from_millis(20) && f.json.p50 < Duration::from_millis(20) {
                    "met"
                } else {
                    "MISSED"
                },
                ms(f.raw.p50),
                ms(f.json.p50)
            );
        }
    }

    if !checkins.is_empty() {
        let _ = writeln!(md, "## Device check-ins per second (HTTP on loopback)\n");
        let _ = writeln!(
            md,
            "| setup | phase | requests/s | ratio to /healthz | p50 ms | p99 ms | non-200 |"
        );
        let _ = writeln!(md, "|---|---|---:|---:|---:|---:|---:|");
        for (name, f) in &checkins {
            for (phase, r) in [
                ("baseline: `GET /healthz`", f.healthz),
                ("first check-in (claims a code)", f.first),
                ("check-in, installed device", f.steady),
            ] {
                let _ = writeln!(
                    md,
                    "| {name} | {phase} | {} | {:.2} | {} | {} | {} |",
                    r.cell(),
                    r.rate / f.healthz.rate.max(1e-9),
                    ms(r.latency.p50),
                    ms(r.latency.p99),
                    r.errors
                );
            }
        }
        if let Some((_, f)) = checkins.first() {
            let _ = writeln!(
            md,
            "\nGoal: at least 5,000 check-ins/s on SQLite ({}: {:.0}/s for installed devices, {:.0}/s for first check-ins).\n",
            if f.steady.rate >= 5000.0 { "met" } else { "MISSED" },
            f.steady.rate,
            f.first.rate
        );
        }
    }
    if let Some(t) = &tokens {
        let _ = writeln!(
            md,
            "## People's tokens (verified JWTs) and static tokens, requests per second\n"
        );
        let _ = writeln!(
            md,
            "| request (SQLite, 1 process) | requests/s | ratio to static token | p50 ms | p99 ms | non-200 |"
        );
        let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|");
        for (what, r) in [
            ("baseline: `GET /healthz` (no token)", t.healthz),
            ("`GET` the pools (`$top=1`), static token", t.static_token),
            ("the same, a person's JWT (ES256, verified)", t.jwt),
        ] {
            let _ = writeln!(
                md,
                "| {what} | {} | {:.2} | {} | {} | {} |",
                r.cell(),
                r.rate / t.static_token.rate.max(1e-9),
                ms(r.latency.p50),
                ms(r.latency.p99),
                r.errors
            );
        }
        let _ = writeln!(md);
    }
    let _ = writeln!(md, "## How it was measured\n");
    let _ = writeln!(md, "* Imports: `POST /api/pools/import?fileName=...` (the raw CSV file) and `POST /beta/deviceManagement/embeddedSIMActivationCodePools` (JSON) with an admin token, each a new pool of 1,000 new codes, sent through the whole router in process (`tower::ServiceExt::oneshot`, no socket), timed from the request to the last byte of the response: that is server time (authentication, validation, the known-ICCID check, the insert transaction, the audit entry). The baseline is `esim_csv::parse` of the same file alone (the validator's share). The database grows by every import, as it would.");
    let _ = writeln!(md, "* Check-ins: `esim-server serve` processes of the `--server-exe` binary (release build, logging at its default level to a file), on a fresh database holding {} devices in one group assigned to a pool of {} codes, each device with its own `device` token. The load generator runs in the bench process: {} HTTP/1.1 keep-alive connections (hyper), one task per connection, each sending its next request when the last response is read, spread evenly over the server processes. Phases: `GET /healthz` for {} s (the ceiling of HTTP, the runtime and this client on this machine); every device's first check-in once (claims a code: one transaction); then the devices are marked installed (as after their outcome reports) and random devices check in for {} s (the steady state of a fleet). The ratio column is each phase's rate over the `/healthz` rate of the same servers.", o.devices, o.devices, o.connections, o.seconds, o.seconds);
    let _ = writeln!(md, "* Tokens: one `esim-server serve` process on a fresh SQLite database, started with `--oidc-issuer` naming an issuer the bench serves itself on a loopback port (its discovery document and a JWKS with one P-256 key made for the run; the server fetches them over HTTP on the first person's token, then keeps them cached, as with Entra ID) and `--oidc-audience {AUDIENCE}`. Both phases send `GET {}?$top=1` (an admin's read of an empty pools list) for {} s over the same {} connections: once with a static admin token (`esim-server token create`: a SHA-256 and a database lookup), once with an admin's ES256 JWT shaped like Entra ID's (`iss`, `aud`, `exp`, `nbf`, `sub`, `roles`; signature, claims and role checked on every request). The ratio column is each rate over the static token's.", esim_server::routes::POOLS, o.seconds, o.connections);
    let _ = writeln!(md, "* Client and servers share the machine's cores, as they would on one host; latencies include the client's queueing.");
    let _ = writeln!(md, "* Command: `cargo build --release -p esim-server && cargo run --release -p esim-bench -- server --out bench/server.md` (PostgreSQL at `--postgres postgres://postgres@127.0.0.1:5432/postgres`, the default).");

    if let Some(dir) = o.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&o.out, &md).with_context(|| format!("writing {}", o.out.display()))?;
    print!("{md}");
    Ok(())
}
