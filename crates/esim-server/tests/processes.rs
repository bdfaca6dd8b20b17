//! Tests with real `esim-server serve` processes: two servers on one PostgreSQL database
//! under hundreds of concurrent check-ins, and a SIGKILL in the middle of an import.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use esim_server::sim::Api;
use serde_json::json;
use support::{csv, Backend, TestDb, POOLS};

const BIN: &str = env!("CARGO_BIN_EXE_esim-server");

/// A server process, killed when dropped.
struct Server {
    child: Child,
    url: String,
    stderr: mpsc::Receiver<String>,
}

impl Server {
    fn start(db_url: &str, env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--database", db_url])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start esim-server");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the address");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_owned();
        let (tx, rx) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for l in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(l);
            }
        });
        Server {
            child,
            url,
            stderr: rx,
        }
    }

    /// Waits for a log line containing `needle`.
    fn wait_for_log(&self, needle: &str, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match self.stderr.recv_timeout(left) {
                Ok(l) if l.contains(needle) => return true,
                Ok(_) => {}
                Err(_) => return false,
            }
        }
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn admin_token(db_url: &str) -> String {
    let out = Command::new(BIN)
        .args([
            "token",
            "create",
            "--role",
            "admin",
            "--label",
            "test",
            "--database",
            db_url,
        ])
        .output()
        .expect("token create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

async fn count(db_url: &str, sql: &str) -> i64 {
    let db = esim_server::db::Db::connect(db_url).await.unwrap();
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&db.pool).await.unwrap();
    db.pool.close().await;
    n
}

/// Two processes, one PostgreSQL database, 300 devices checking in at once for a pool of
/// 50 codes: 50 installs with 50 different codes, 250 `failed` with the exhaustion detail,
/// no error, no deadlock.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_never_deliver_a_code_twice() {
    const DEVICES: usize = 300;
    const CODES: u64 = 50;
    let db = TestDb::new(Backend::Postgres).await;
    let token = admin_token(&db.url);
    let a = Server::start(&db.url, &[]);
    let b = Server::start(&db.url, &[]);
    let (api_a, api_b) = (Api::new(&a.url, &token), Api::new(&b.url, &token));
    let (st, pool) = api_a
        .call("POST", POOLS, Some(json!({"displayName": "Small", "activationCodes": support::codes("smdp.example.com", 0, CODES)})))
        .await
        .unwrap();
    assert_eq!(st, 201, "{pool}");
    let pool = pool["id"].as_str().unwrap().to_owned();
    let (_, g) = api_b
        .call("POST", "/v1.0/groups", Some(json!({"displayName": "Many"})))
        .await
        .unwrap();
    let g = g["id"].as_str().unwrap().to_owned();
    let mut devices = Vec::new();
    for i in 0..DEVICES {
        let api = if i % 2 == 0 { &api_a } else { &api_b };
        let (st, d) = api
            .call(
                "POST",
                "/v1.0/devices",
                Some(json!({"displayName": format!("d{i}")})),
            )
            .await
            .unwrap();
        assert_eq!(st, 201);
        let id = d["id"].as_str().unwrap().to_owned();
        let (st, _) = api
            .call(
                "POST",
                &format!("/v1.0/groups/{g}/members/$ref"),
                Some(json!({"@odata.id": id})),
            )
            .await
            .unwrap();
        assert_eq!(st, 204);
        devices.push(id);
    }
    let (st, _) = api_a
        .call("POST", &format!("{POOLS}/{pool}/assign"), Some(json!({"assignments": [{"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": g}}]})))
        .await
        .unwrap();
    assert_eq!(st, 200);
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for (i, d) in devices.iter().enumerate() {
        let api = if i % 2 == 0 {
            api_a.clone()
        } else {
            api_b.clone()
        };
        let path = format!("/api/mdm/devices/{d}/checkIn");
        tasks.push(tokio::spawn(
            async move { api.call("POST", &path, None).await },
        ));
    }
    let mut iccids = Vec::new();
    for t in tasks {
        let (st, r) = tokio::time::timeout(Duration::from_secs(60), t)
            .await
            .expect("no deadlock: every check-in answers")
            .unwrap()
            .unwrap();
        assert_eq!(st, 200, "{r}");
        for a in r["actions"].as_array().unwrap() {
            assert_eq!(a["action"], "install");
            iccids.push(a["iccid"].as_str().unwrap().to_owned());
        }
    }
    let elapsed = started.elapsed();
    let n = iccids.len();
    iccids.sort();
    iccids.dedup();
    assert_eq!(iccids.len(), n, "a code was delivered twice");
    assert_eq!(n, CODES as usize, "every code delivered once");
    assert_eq!(
        count(&db.url, "SELECT COUNT(*) FROM deliveries").await,
        CODES as i64
    );
    assert_eq!(
        count(&db.url, "SELECT COUNT(*) FROM codes WHERE used = 0").await,
        0
    );
    let failed = count(
        &db.url,
        &format!(
            "SELECT COUNT(*) FROM device_states WHERE state = 'failed' AND state_details = '{}'",
            esim_server::mdm::EXHAUSTED
        ),
    )
    .await;
    assert_eq!(failed, (DEVICES as u64 - CODES) as i64);
    eprintln!("{DEVICES} concurrent check-ins on two processes in {elapsed:?}");
}

/// SIGKILL while an import holds its transaction open: after a restart the pool is absent
/// (never half there), and the same file imports completely.
async fn killed_mid_import(backend: Backend) {
    let db = TestDb::new(backend).await;
    let token = admin_token(&db.url);
    let file = csv("smdp.example.com", 0, 1000);
    {
        let server = Server::start(&db.url, &[("ESIM_TEST_PAUSE_IMPORT_MS", "30000")]);
        let api = Api::new(&server.url, &token);
        let body = file.clone();
        let url = server.url.clone();
        let token2 = token.clone();
        let pending = tokio::spawn(async move {
            let client = reqwest_like(&url, &token2, body).await;
            drop(api);
            client
        });
        assert!(
            server.wait_for_log(
                "test pause inside the import transaction",
                Duration::from_secs(20)
            ),
            "the import reached its pause point"
        );
        drop(server); // SIGKILL
        let outcome = pending.await.unwrap();
        assert!(
            outcome.is_err() || outcome.as_ref().is_ok_and(|s| *s != 201),
            "the import did not finish"
        );
    }
    let server = Server::start(&db.url, &[]);
    let api = Api::new(&server.url, &token);
    let (st, list) = api.call("GET", POOLS, None).await.unwrap();
    assert_eq!(st, 200);
    assert_eq!(list["value"], json!([]), "no half pool after the kill");
    assert_eq!(count(&db.url, "SELECT COUNT(*) FROM codes").await, 0);
    let status = reqwest_like(&server.url, &token, file).await.unwrap();
    assert_eq!(status, 201);
    assert_eq!(count(&db.url, "SELECT COUNT(*) FROM codes").await, 1000);
}

/// Posts a CSV file to the import route; the status, or an error when the connection dies.
async fn reqwest_like(base: &str, token: &str, body: String) -> anyhow::Result<u16> {
    use http_body_util::Full;
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;
    let client: Client<_, Full<axum::body::Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let req = axum::http::Request::post(format!("{base}/api/pools/import?fileName=crash.csv"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "text/csv")
        .body(Full::new(axum::body::Bytes::from(body)))?;
    Ok(client.request(req).await?.status().as_u16())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_import_sqlite() {
    killed_mid_import(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_import_postgres() {
    killed_mid_import(Backend::Postgres).await
}

/// The simulator drives a fleet over HTTP: devices install or fail at the rate given.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulator_moves_device_states() {
    let db = TestDb::new(Backend::Sqlite).await;
    let token = admin_token(&db.url);
    let server = Server::start(&db.url, &[]);
    let api = Api::new(&server.url, &token);
    let (st, pool) = api
        .call("POST", POOLS, Some(json!({"displayName": "Sim", "activationCodes": support::codes("smdp.example.com", 0, 30)})))
        .await
        .unwrap();
    assert_eq!(st, 201);
    let out = Command::new(BIN)
        .args([
            "simulate",
            "--url",
            &server.url,
            "--token",
            &token,
            "--devices",
            "20",
            "--failure-rate",
            "0.25",
            "--rounds",
            "2",
            "--leave-rate",
            "0.2",
        ])
        .args(["--pool", pool["id"].as_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("round 2/2:")
            && !text
                .lines()
                .any(|l| !l.ends_with("errors 0") && l.starts_with("round")),
        "{text}"
    );
    let (_, states) = api
        .call(
            "GET",
            &format!("{POOLS}/{}/deviceStates", pool["id"].as_str().unwrap()),
            None,
        )
        .await
        .unwrap();
    let states = states["value"].as_array().unwrap();
    assert!(!states.is_empty());
    assert!(
        states.iter().all(|s| s["state"] != "notEvaluated"),
        "every device checked in"
    );
    // Every device that left the group had its profile removed (reported: deleted).
    let removed: usize = text
        .lines()
        .filter_map(|l| {
            l.split("removed ")
                .nth(1)?
                .split(',')
                .next()?
                .parse::<usize>()
                .ok()
        })
        .sum();
    let deleted = states.iter().filter(|s| s["state"] == "deleted").count();
    assert_eq!(removed, deleted, "{text}");
    assert!(states.iter().all(|s| s["state"] != "deleting"), "{text}");
}

/// Runs `esim-server simulate` with these arguments; its standard output, after checking
/// that it succeeded.
fn simulate(server: &Server, token: &str, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(["simulate", "--url", &server.url, "--token", token])
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// The end-to-end flow of the console: `simulate --devices N --rounds 0` only creates a
/// group of devices; the pool is assigned (as in the console); `simulate --group` checks
/// the members in, creating and assigning nothing; a device excluded later has its profile
/// removed at its next check-in (`deleting`, reported, `deleted`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulator_checks_in_an_existing_group() {
    let db = TestDb::new(Backend::Sqlite).await;
    let token = admin_token(&db.url);
    let server = Server::start(&db.url, &[]);
    let api = Api::new(&server.url, &token);
    let (st, pool) = api
        .call("POST", POOLS, Some(json!({"displayName": "Sim", "activationCodes": support::codes("smdp.example.com", 0, 10)})))
        .await
        .unwrap();
    assert_eq!(st, 201);
    let pool = pool["id"].as_str().unwrap().to_owned();
    let text = simulate(&server, &token, &["--devices", "5", "--rounds", "0"]);
    let group = text
        .lines()
        .find_map(|l| l.strip_prefix("group ")?.strip_suffix(" with 5 devices"))
        .unwrap_or_else(|| panic!("{text}"))
        .to_owned();
    assert!(!text.contains("round"), "{text}");
    assert_eq!(
        count(&db.url, "SELECT COUNT(*) FROM device_states").await,
        0
    );
    let assign = |groups: Vec<(String, bool)>| {
        let (api, pool) = (api.clone(), pool.clone());
        async move {
            let list: Vec<_> = groups
                .iter()
                .map(|(g, ex)| {
                    let t = if *ex { "exclusionGroupAssignmentTarget" } else { "groupAssignmentTarget" };
                    json!({"target": {"@odata.type": format!("#microsoft.graph.{t}"), "groupId": g}})
                })
                .collect();
            let (st, e) = api
                .call(
                    "POST",
                    &format!("{POOLS}/{pool}/assign"),
                    Some(json!({"assignments": list})),
                )
                .await
                .unwrap();
            assert_eq!(st, 200, "{e}");
        }
    };
    assign(vec![(group.clone(), false)]).await;
    let states = || {
        let (api, pool) = (api.clone(), pool.clone());
        async move {
            let (st, s) = api
                .call("GET", &format!("{POOLS}/{pool}/deviceStates"), None)
                .await
                .unwrap();
            assert_eq!(st, 200);
            let mut states: Vec<(String, String)> = s["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| {
                    (
                        s["id"].as_str().unwrap().to_owned(),
                        s["state"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            states.sort();
            states
        }
    };
    assert!(states().await.iter().all(|(_, s)| s == "notEvaluated"));
    let args = ["--group", &group, "--rounds", "2", "--failure-rate", "0"];
    let text = simulate(&server, &token, &args);
    assert!(
        text.contains(&format!("group {group} has 5 devices")),
        "{text}"
    );
    assert!(
        text.contains("round 1/2: check-ins 5, installed 5, failed 0, removed 0, errors 0"),
        "{text}"
    );
    assert!(
        text.contains("round 2/2: check-ins 5, installed 0, failed 0, removed 0, errors 0"),
        "{text}"
    );
    let after = states().await;
    assert_eq!(after.len(), 5);
    assert!(after.iter().all(|(_, s)| s == "installed"), "{after:?}");
    // Nothing was created or assigned by the simulator in group mode.
    assert_eq!(count(&db.url, "SELECT COUNT(*) FROM dir_groups").await, 1);
    assert_eq!(count(&db.url, "SELECT COUNT(*) FROM dir_devices").await, 5);
    assert_eq!(count(&db.url, "SELECT COUNT(*) FROM assignments").await, 1);
    // Two members are excluded: their next check-in removes the profile.
    let (_, out) = api
        .call("POST", "/v1.0/groups", Some(json!({"displayName": "Out"})))
        .await
        .unwrap();
    let out = out["id"].as_str().unwrap().to_owned();
    for (d, _) in &after[..2] {
        let (st, _) = api
            .call(
                "POST",
                &format!("/v1.0/groups/{out}/members/$ref"),
                Some(json!({"@odata.id": d})),
            )
            .await
            .unwrap();
        assert_eq!(st, 204);
    }
    assign(vec![(group.clone(), false), (out, true)]).await;
    let args = ["--group", &group, "--rounds", "1", "--failure-rate", "0"];
    let text = simulate(&server, &token, &args);
    assert!(
        text.contains("round 1/1: check-ins 5, installed 0, failed 0, removed 2, errors 0"),
        "{text}"
    );
    let last = states().await;
    let deleted: Vec<_> = last.iter().filter(|(_, s)| s == "deleted").collect();
    assert_eq!(deleted.len(), 2, "{last:?}");
    assert!(deleted
        .iter()
        .all(|(d, _)| after[..2].iter().any(|(a, _)| a == d)));
    assert_eq!(last.iter().filter(|(_, s)| s == "installed").count(), 3);
    // --group refuses what would create or assign.
    let out = Command::new(BIN)
        .args(["simulate", "--url", &server.url, "--token", &token])
        .args(["--group", &group, "--pool", &pool])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("takes no --pool"));
}
