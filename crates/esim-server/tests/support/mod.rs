//! Test support: a fresh database per test (SQLite file or PostgreSQL database, dropped
//! afterwards, also when the test fails), and an in-process client (`oneshot`, no socket).

#![allow(dead_code)]

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use esim_server::auth::{create_token, Role};
use esim_server::db::Db;
use esim_server::{app, util, AppState, Config};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use sqlx::Connection;
use tower::ServiceExt;

pub use esim_test_support::iccid;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server's maintenance URL (trust auth on 127.0.0.1).
pub fn pg_admin_url() -> String {
    std::env::var("ESIM_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database that exists for one test.
#[derive(Debug)]
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    name: String,
    file: Option<PathBuf>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        let name = format!("esim_test_{}", util::hex(&util::random::<8>()));
        match backend {
            Backend::Sqlite => {
                let file = std::env::temp_dir().join(format!("{name}.db"));
                TestDb {
                    url: format!("sqlite://{}", file.display()),
                    backend,
                    name,
                    file: Some(file),
                }
            }
            Backend::Postgres => {
                sqlx::any::install_default_drivers();
                let admin = pg_admin_url();
                let mut conn = sqlx::AnyConnection::connect(&admin).await.unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL is required for these tests and is not reachable at {admin} ({e}); \
                         start it (trust auth on 127.0.0.1:5432) or set ESIM_TEST_POSTGRES"
                    )
                });
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .expect("CREATE DATABASE");
                let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
                TestDb {
                    url: format!("{base}/{name}"),
                    backend,
                    name,
                    file: None,
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
            return;
        }
        let name = self.name.clone();
        // Drop runs outside any runtime we may block: use a thread with its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                if let Ok(mut conn) = sqlx::AnyConnection::connect(&pg_admin_url()).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await;
                }
            })
        })
        .join();
    }
}

/// A response, its JSON body parsed (null when empty or not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
    pub text: String,
}

impl Resp {
    /// Asserts the status and the Graph error shape with this code; returns the error.
    #[track_caller]
    pub fn graph_error(&self, status: u16, code: &str) -> &Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        let e = &self.json["error"];
        assert_eq!(e["code"], code, "{}", self.text);
        assert!(
            e["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{}",
            self.text
        );
        let rid = self.headers.get("request-id").expect("request-id header");
        assert_eq!(e["innerError"]["request-id"], rid.to_str().unwrap());
        assert!(e["innerError"]["date"].as_str().is_some());
        e
    }

    #[track_caller]
    pub fn ok(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        assert!(self.headers.contains_key("request-id"));
        &self.json
    }
}

/// The app on a fresh database, with an admin and a reader token.
pub struct TestApp {
    pub db: Db,
    pub app: Router,
    pub admin: String,
    pub reader: String,
    pub test_db: TestDb,
}

impl TestApp {
    pub async fn new(backend: Backend) -> TestApp {
        Self::with_config(backend, Config::default()).await
    }

    pub async fn with_config(backend: Backend, config: Config) -> TestApp {
        let test_db = TestDb::new(backend).await;
        let db = Db::connect(&test_db.url)
            .await
            .expect("connect and migrate");
        let (_, admin) = create_token(&db, Role::Admin, None, Some("test"))
            .await
            .unwrap();
        let (_, reader) = create_token(&db, Role::Reader, None, None).await.unwrap();
        let app = app(AppState::new(db.clone(), config));
        TestApp {
            db,
            app,
            admin,
            reader,
            test_db,
        }
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        let res = self.app.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            json,
            text,
        }
    }

    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut b = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(uri);
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        let body = match body {
            Some(v) => {
                b = b.header("content-type", "application/json");
                Body::from(serde_json::to_vec(&v).unwrap())
            }
            None => Body::empty(),
        };
        self.send(b.body(body).unwrap()).await
    }

    /// A device's check-in (`POST /api/mdm/devices/{device}/checkIn`) with this token.
    pub async fn check_in(&self, device: &str, token: Option<&str>) -> Resp {
        let uri = format!("/api/mdm/devices/{device}/checkIn");
        self.call("POST", &uri, token, None).await
    }

    /// A device's check-in with the admin token.
    pub async fn admin_check_in(&self, device: &str) -> Resp {
        self.check_in(device, Some(&self.admin.clone())).await
    }

    pub async fn admin(&self, method: &str, uri: &str, body: Option<Value>) -> Resp {
        self.call(method, uri, Some(&self.admin.clone()), body)
            .await
    }

    pub async fn raw(
        &self,
        uri: &str,
        token: &str,
        content_type: &str,
        body: impl Into<Body>,
    ) -> Resp {
        let req = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", content_type)
            .body(body.into())
            .unwrap();
        self.send(req).await
    }

    /// `GET uri` as the admin (asserts 200): the body.
    pub async fn get(&self, uri: &str) -> Value {
        self.admin("GET", uri, None).await.ok(200).clone()
    }

    /// `PATCH uri` with `body` as the admin (asserts 200): the body.
    pub async fn patch(&self, uri: &str, body: Value) -> Value {
        self.admin("PATCH", uri, Some(body)).await.ok(200).clone()
    }

    /// `DELETE uri` as the admin (asserts 204).
    pub async fn delete(&self, uri: &str) {
        self.admin("DELETE", uri, None).await.ok(204);
    }

    /// A device's report (`POST /api/mdm/devices/{device}/outcome`) as the admin.
    pub async fn outcome(&self, device: &str, body: Value) -> Resp {
        let uri = format!("/api/mdm/devices/{device}/outcome");
        self.admin("POST", &uri, Some(body)).await
    }

    /// `POST uri` with `body` as the admin: asserts 201 and returns the new object's id.
    pub async fn create(&self, uri: &str, body: Value) -> String {
        id(self.admin("POST", uri, Some(body)).await.ok(201))
    }

    /// A pool of `n` JSON codes from `from` on `smdp` (asserts 201): its body.
    pub async fn create_pool(&self, name: &str, smdp: &str, from: u64, n: u64) -> Value {
        let body = json!({"displayName": name, "activationCodes": codes(smdp, from, n)});
        self.admin("POST", POOLS, Some(body)).await.ok(201).clone()
    }

    /// [`TestApp::create_pool`]'s id.
    pub async fn pool(&self, name: &str, smdp: &str, from: u64, n: u64) -> String {
        id(&self.create_pool(name, smdp, from, n).await)
    }

    /// A group of this name (asserts 201): its id.
    pub async fn group(&self, name: &str) -> String {
        self.create("/v1.0/groups", json!({"displayName": name}))
            .await
    }

    /// Adds a member to a group (asserts 204); `member` is the `@odata.id` sent: a
    /// device's id or its `directoryObjects` URL.
    pub async fn add_member(&self, group: &str, member: &str) {
        let uri = format!("/v1.0/groups/{group}/members/$ref");
        self.admin("POST", &uri, Some(json!({"@odata.id": member})))
            .await
            .ok(204);
    }

    /// `POST .../{pool}/assign` with these assignments (asserts 200): the answer.
    pub async fn assign(&self, pool: &str, assignments: Value) -> Value {
        let uri = format!("{POOLS}/{pool}/assign");
        self.admin("POST", &uri, Some(json!({"assignments": assignments})))
            .await
            .ok(200)
            .clone()
    }

    /// A count from the database.
    pub async fn count(&self, sql: &str) -> i64 {
        let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&self.db.pool).await.unwrap();
        n
    }
}

/// An object's `id`.
#[track_caller]
pub fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_owned()
}

/// An assignment target: the group included.
pub fn include(group: &str) -> Value {
    json!({"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": group}})
}

/// An assignment target: the group excluded.
pub fn exclude(group: &str) -> Value {
    json!({"target": {"@odata.type": "#microsoft.graph.exclusionGroupAssignmentTarget", "groupId": group}})
}

/// A valid CSV file of `n` codes starting at `from`.
pub fn csv(smdp: &str, from: u64, n: u64) -> String {
    let mut s = format!("{smdp}\n");
    for i in from..from + n {
        s.push_str(&format!("{},MATCH-{i:06}\n", iccid(i)));
    }
    s
}

/// The JSON codes of `n` codes starting at `from`.
pub fn codes(smdp: &str, from: u64, n: u64) -> Value {
    Value::Array(
        (from..from + n)
            .map(|i| {
                json!({
                    "integratedCircuitCardIdentifier": iccid(i),
                    "matchingIdentifier": format!("MATCH-{i:06}"),
                    "smdpPlusServerAddress": smdp,
                })
            })
            .collect(),
    )
}

pub const POOLS: &str = esim_server::routes::POOLS;

/// Runs each listed test body on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(super::support::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name(super::support::Backend::Postgres).await
                }
            }
        )*
    };
}
