//! Tests with real `esim-server serve` processes: two servers on one PostgreSQL database
//! under hundreds of concurrent check-ins, a SIGKILL in the middle of an import, SIGTERM
//! draining, and a start before PostgreSQL accepts connections.

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use esim_sim::Api;
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
        Server::start_with(db_url, &[], env)
    }

    /// [`Server::start`] with more `serve` options.
    fn start_with(db_url: &str, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--database", db_url])
            .args(args)
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

impl Server {
    /// Every stderr line with `needle` until `quiet` passes without a line.
    fn log_lines(&self, needle: &str, quiet: Duration) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok(l) = self.stderr.recv_timeout(quiet) {
            if l.contains(needle) {
                out.push(l);
            }
        }
        out
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An admin token from `esim-server token create` on this database.
fn admin_token(db_url: &str) -> String {
    esim_test_support::server::create_token(Path::new(BIN), db_url, "admin", "test", None)
        .expect("token create")
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
    let pool = create(&api_a, POOLS, json!({"displayName": "Small", "activationCodes": support::codes("smdp.example.com", 0, CODES)})).await;
    let g = create(&api_b, "/v1.0/groups", json!({"displayName": "Many"})).await;
    let mut devices = Vec::new();
    for i in 0..DEVICES {
        let api = if i % 2 == 0 { &api_a } else { &api_b };
        let id = create(
            api,
            "/v1.0/devices",
            json!({"displayName": format!("d{i}")}),
        )
        .await;
        add_member(api, &g, &id).await;
        devices.push(id);
    }
    assign(&api_a, &pool, &g).await;
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
    let out = create(&api, "/v1.0/groups", json!({"displayName": "Out"})).await;
    for (d, _) in &after[..2] {
        add_member(&api, &out, d).await;
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
    // A member removed from the group (as the console's "Remove from group" does) is no
    // longer listed by --group; with --pool it still checks in, as a real device would,
    // so its profile is removed and its state reaches deleted ("Removed").
    let gone = &after[2].0;
    let (st, e) = api
        .call(
            "DELETE",
            &format!("/v1.0/groups/{group}/members/{gone}/$ref"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(st, 204, "{e}");
    let args = ["--group", &group, "--pool", &pool, "--rounds", "1"];
    let text = simulate(&server, &token, &args);
    assert!(
        text.contains(&format!("group {group} has 4 devices")),
        "{text}"
    );
    assert!(
        text.contains(&format!("pool {pool} has 5 devices with a state")),
        "{text}"
    );
    assert!(
        text.contains("round 1/1: check-ins 5, installed 0, failed 0, removed 1, errors 0"),
        "{text}"
    );
    let last = states().await;
    assert!(
        last.iter().any(|(d, s)| d == gone && s == "deleted"),
        "{last:?}"
    );
    assert_eq!(last.iter().filter(|(_, s)| s == "installed").count(), 2);
    // --group refuses what would create devices.
    let out = Command::new(BIN)
        .args(["simulate", "--url", &server.url, "--token", &token])
        .args(["--group", &group, "--devices", "3"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("takes no --devices"));
}

/// The id of a created resource, after checking the status.
async fn create(api: &Api, path: &str, body: serde_json::Value) -> String {
    let (st, v) = api.call("POST", path, Some(body)).await.unwrap();
    assert_eq!(st, 201, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

/// Adds a device to a group (asserts 204).
async fn add_member(api: &Api, group: &str, device: &str) {
    let path = format!("/v1.0/groups/{group}/members/$ref");
    let (st, e) = api
        .call("POST", &path, Some(json!({"@odata.id": device})))
        .await
        .unwrap();
    assert_eq!(st, 204, "{e}");
}

/// Assigns the pool to the group (asserts 200).
async fn assign(api: &Api, pool: &str, group: &str) {
    let path = format!("{POOLS}/{pool}/assign");
    let (st, e) = api
        .call("POST", &path, Some(assign_body(group)))
        .await
        .unwrap();
    assert_eq!(st, 200, "{e}");
}

fn assign_body(group: &str) -> serde_json::Value {
    json!({"assignments": [{"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": group}}]})
}

/// The pool's device states as (device id, state).
async fn states(api: &Api, pool: &str) -> Vec<(String, String)> {
    let (st, s) = api
        .call("GET", &format!("{POOLS}/{pool}/deviceStates"), None)
        .await
        .unwrap();
    assert_eq!(st, 200, "{s}");
    let mut out: Vec<(String, String)> = s["value"]
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
    out.sort();
    out
}

/// Issue 10, item 1: "assign a pool to a group" on one process and "add the device to the
/// group" on another, fired at the same moment, 50 times on one PostgreSQL database: the
/// device always gets its `notEvaluated` state, and its check-in installs a code.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn assign_and_add_member_at_once_leave_no_targeted_device_without_a_state() {
    const ROUNDS: u64 = 50;
    let db = TestDb::new(Backend::Postgres).await;
    let token = admin_token(&db.url);
    let (a, b) = (Server::start(&db.url, &[]), Server::start(&db.url, &[]));
    let (api_a, api_b) = (Api::new(&a.url, &token), Api::new(&b.url, &token));
    let mut missed = Vec::new();
    for round in 0..ROUNDS {
        let smdp = format!("smdp{round}.example.com");
        let pool = create(&api_a, POOLS, json!({"displayName": format!("Race {round}"), "activationCodes": support::codes(&smdp, round * 10, 2)})).await;
        let group = create(
            &api_b,
            "/v1.0/groups",
            json!({"displayName": format!("G{round}")}),
        )
        .await;
        let device = create(
            &api_a,
            "/v1.0/devices",
            json!({"displayName": format!("D{round}")}),
        )
        .await;
        let assign_path = format!("{POOLS}/{pool}/assign");
        let member_path = format!("/v1.0/groups/{group}/members/$ref");
        let (assigned, added) = tokio::join!(
            api_a.call("POST", &assign_path, Some(assign_body(&group))),
            api_b.call("POST", &member_path, Some(json!({"@odata.id": device}))),
        );
        let (assigned, added) = (assigned.unwrap(), added.unwrap());
        assert_eq!(assigned.0, 200, "{}", assigned.1);
        assert_eq!(added.0, 204, "{}", added.1);
        let has_state =
            states(&api_b, &pool).await == vec![(device.clone(), "notEvaluated".into())];
        let (st, r) = api_b
            .call("POST", &format!("/api/mdm/devices/{device}/checkIn"), None)
            .await
            .unwrap();
        assert_eq!(st, 200, "{r}");
        let installs = r["actions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["action"] == "install" && a["poolId"] == pool.as_str())
            .count();
        if !has_state || installs != 1 {
            missed.push((round, has_state, installs));
        }
    }
    assert!(
        missed.is_empty(),
        "{} of {ROUNDS} rounds left the device without a state or a code (round, had a state, installs): {missed:?}",
        missed.len()
    );
}

/// Issue 10, item 2: a code locked by a claim is not a used code. Each round, device X
/// checks in twice at once (one on each process: one claim wins, the other rolls back and
/// gives its code back) while device Y checks in; with one code, exactly one of them
/// installs it and the other is `failed` (exhausted); with two codes both install. Before
/// the fix a locked code counted as used: X's second check-in marked X `failed` while the
/// first held the code, which then rolled back, and Y was `failed` beside an unused code.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rolled_back_claim_never_fails_a_device() {
    const ROUNDS: u64 = 50;
    let db = TestDb::new(Backend::Postgres).await;
    let token = admin_token(&db.url);
    let (a, b) = (Server::start(&db.url, &[]), Server::start(&db.url, &[]));
    let (api_a, api_b) = (Api::new(&a.url, &token), Api::new(&b.url, &token));
    let mut wrong = Vec::new();
    for round in 0..ROUNDS {
        let codes = 1 + round % 2;
        let smdp = format!("smdp{round}.example.com");
        let pool = create(&api_a, POOLS, json!({"displayName": format!("Claim {round}"), "activationCodes": support::codes(&smdp, round * 10, codes)})).await;
        let group = create(
            &api_b,
            "/v1.0/groups",
            json!({"displayName": format!("G{round}")}),
        )
        .await;
        let mut devices = Vec::new();
        for name in ["X", "Y"] {
            let d = create(
                &api_a,
                "/v1.0/devices",
                json!({"displayName": format!("{name}{round}")}),
            )
            .await;
            add_member(&api_a, &group, &d).await;
            devices.push(d);
        }
        assign(&api_b, &pool, &group).await;
        let check_in = |api: &Api, d: &str| {
            let (api, path) = (api.clone(), format!("/api/mdm/devices/{d}/checkIn"));
            async move { api.call("POST", &path, None).await.unwrap() }
        };
        let (x1, x2, y) = tokio::join!(
            check_in(&api_a, &devices[0]),
            check_in(&api_b, &devices[0]),
            check_in(&api_a, &devices[1]),
        );
        // (device, ICCID): X's second check-in may come after the first's commit and
        // repeat its pending install.
        let mut given = Vec::new();
        for ((st, r), d) in [x1, x2, y].into_iter().zip([0, 0, 1]) {
            assert_eq!(st, 200, "{r}");
            for a in r["actions"].as_array().unwrap() {
                assert_eq!(a["action"], "install", "{r}");
                given.push((a["iccid"].as_str().unwrap().to_owned(), d));
            }
        }
        given.sort();
        given.dedup();
        let n = given.len();
        given.dedup_by(|x, y| x.0 == y.0);
        assert_eq!(given.len(), n, "a code was delivered to two devices");
        let st = states(&api_b, &pool).await;
        let installing = st.iter().filter(|(_, s)| s == "installing").count();
        let failed = st.iter().filter(|(_, s)| s == "failed").count();
        if installing != codes as usize || failed != 2 - codes as usize || n != codes as usize {
            wrong.push((round, codes, st));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {ROUNDS} rounds failed a device beside a code that was only locked (round, codes, states): {wrong:?}",
        wrong.len()
    );
}

/// Issue 10, item 5: two processes started at the same moment on a new SQLite file both
/// serve, and the migration is applied once (the other process finds it recorded).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_starting_on_a_new_sqlite_file_migrate_once() {
    for _ in 0..5 {
        let db = TestDb::new(Backend::Sqlite).await;
        let starts: Vec<_> = (0..2)
            .map(|_| {
                let url = db.url.clone();
                std::thread::spawn(move || Server::start(&url, &[]))
            })
            .collect();
        let servers: Vec<Server> = starts
            .into_iter()
            .map(|t| t.join().expect("both processes serve"))
            .collect();
        // Each migration is applied by exactly one of the two processes.
        let mut applied: Vec<String> = servers
            .iter()
            .flat_map(|s| s.log_lines("migration applied", Duration::from_secs(1)))
            .map(|l| {
                l.split_whitespace()
                    .find(|w| w.contains("version="))
                    .unwrap_or_else(|| panic!("{l}"))
                    .to_owned()
            })
            .collect();
        applied.sort();
        let n = applied.len();
        applied.dedup();
        assert_eq!(applied.len(), n, "a migration applied twice: {applied:?}");
        assert_eq!(
            count(&db.url, "SELECT COUNT(*) FROM esim_migrations").await,
            n as i64,
            "{applied:?}"
        );
    }
}

/// `esim-server backup --database URL --output FILE`; its standard error when it fails.
fn backup(db_url: &str, output: &std::path::Path) -> Result<(), String> {
    let out = Command::new(BIN)
        .args(["backup", "--database", db_url, "--output"])
        .arg(output)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.success() {
        assert!(stderr.contains("backup written"), "{stderr}");
        Ok(())
    } else {
        Err(stderr)
    }
}

/// What a backup must hold: every pool, code and device state, as rows in a fixed order.
async fn content(db_url: &str) -> Vec<String> {
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(db_url)
        .await
        .unwrap();
    let mut rows = Vec::new();
    for sql in [
        "SELECT 'pool', id, display_name, CAST(code_count AS TEXT) FROM pools ORDER BY id",
        "SELECT 'code', iccid, COALESCE(pool_id, '-'), CAST(used AS TEXT) FROM codes ORDER BY iccid",
        "SELECT 'delivery', iccid, device_id, pool_id FROM deliveries ORDER BY iccid",
        "SELECT 'state', pool_id || ' ' || device_id, state, COALESCE(iccid, '-') || ' ' || COALESCE(last_sync_at, '-') FROM device_states ORDER BY pool_id, device_id",
    ] {
        let r: Vec<(String, String, String, String)> =
            sqlx::query_as(sql).fetch_all(&mut conn).await.unwrap();
        rows.extend(r.into_iter().map(|(a, b, c, d)| format!("{a} {b} {c} {d}")));
    }
    rows
}

/// Issue 10, item 6: `esim-server backup` (`VACUUM INTO`) of a live SQLite database taken while 100
/// devices check in over and over is a consistent database that a server serves (every
/// delivered code used and held by its device's state), and one taken when the load has
/// stopped, with the server still running, holds exactly the live pools, codes and states.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn backup_of_a_live_sqlite_database_restores() {
    const DEVICES: usize = 100;
    let db = TestDb::new(Backend::Sqlite).await;
    let token = admin_token(&db.url);
    let server = Server::start(&db.url, &[]);
    let api = Api::new(&server.url, &token);
    let pool = create(&api, POOLS, json!({"displayName": "Backed up", "activationCodes": support::codes("smdp.example.com", 0, 80)})).await;
    let out = simulate(
        &server,
        &token,
        &["--devices", &DEVICES.to_string(), "--rounds", "0"],
    );
    let group = out
        .lines()
        .find_map(|l| l.strip_prefix("group ")?.split(' ').next())
        .unwrap_or_else(|| panic!("{out}"))
        .to_owned();
    assign(&api, &pool, &group).await;
    let devices: Vec<String> = states(&api, &pool)
        .await
        .into_iter()
        .map(|(d, _)| d)
        .collect();
    assert_eq!(devices.len(), DEVICES);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load: Vec<_> = devices
        .iter()
        .map(|d| {
            let (api, stop) = (api.clone(), stop.clone());
            let path = format!("/api/mdm/devices/{d}/checkIn");
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let (st, r) = api.call("POST", &path, None).await.unwrap();
                    assert_eq!(st, 200, "{r}");
                    n += 1;
                }
                n
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let dir = std::env::temp_dir().join(format!(
        "esim-backup-{}",
        esim_server::util::hex(&esim_server::util::random::<6>())
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let during = dir.join("during.db");
    backup(&db.url, &during).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut check_ins = 0;
    for t in load {
        check_ins += t.await.unwrap();
    }
    assert!(check_ins > DEVICES, "the load ran: {check_ins} check-ins");
    // The copy under load: consistent, and served.
    let during_url = format!("sqlite://{}", during.display());
    let copy = content(&during_url).await;
    let used: Vec<&String> = copy
        .iter()
        .filter(|r| r.starts_with("code ") && r.ends_with(" 1"))
        .collect();
    let delivered = copy.iter().filter(|r| r.starts_with("delivery ")).count();
    let holding = copy
        .iter()
        .filter(|r| r.starts_with("state ") && r.contains(" installing "))
        .count();
    assert_eq!(used.len(), delivered, "every used code delivered");
    assert_eq!(
        holding, delivered,
        "every delivered code held by its device's state"
    );
    assert_eq!(
        copy.iter().filter(|r| r.starts_with("state ")).count(),
        DEVICES
    );
    {
        let restored = Server::start(&during_url, &[]);
        let (st, list) = Api::new(&restored.url, &token)
            .call("GET", POOLS, None)
            .await
            .unwrap();
        assert_eq!(st, 200, "{list}");
        assert_eq!(list["value"][0]["id"], pool.as_str());
    }
    // The copy after the load, the server still running: exactly the live database.
    let after = dir.join("after.db");
    backup(&db.url, &after).unwrap();
    let live = content(&db.url).await;
    assert_eq!(
        content(&format!("sqlite://{}", after.display())).await,
        live
    );
    assert!(live
        .iter()
        .any(|r| r.starts_with("state ") && r.contains(" installing ")));
    // Refused: an existing output, and PostgreSQL.
    let again = backup(&db.url, &after).unwrap_err();
    assert!(again.contains("exists already"), "{again}");
    let pg = backup("postgres://localhost/esim", &dir.join("pg.db")).unwrap_err();
    assert!(pg.contains("pg_dump"), "{pg}");
    std::fs::remove_dir_all(dir).unwrap();
}

impl Server {
    /// Sends SIGTERM (as systemd and container runtimes do).
    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-s", "TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -s TERM failed");
    }

    /// Waits up to `timeout` for the process to exit; its exit code, or None if it runs on.
    fn wait_exit(&mut self, timeout: Duration) -> Option<Option<i32>> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status.code());
            }
            if std::time::Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

/// An import held open (the test pause) when SIGTERM arrives: the server stops taking
/// connections, the import completes (201, the whole pool stored), and the process exits 0
/// well within its drain limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_the_requests_in_flight() {
    let db = TestDb::new(Backend::Sqlite).await;
    let token = admin_token(&db.url);
    let mut server = Server::start_with(
        &db.url,
        &["--drain-timeout", "20"],
        &[("ESIM_TEST_PAUSE_IMPORT_MS", "5000")],
    );
    let pending = {
        let (url, token) = (server.url.clone(), token.clone());
        tokio::spawn(
            async move { reqwest_like(&url, &token, csv("smdp.example.com", 0, 100)).await },
        )
    };
    assert!(
        server.wait_for_log(
            "test pause inside the import transaction",
            Duration::from_secs(20)
        ),
        "the import reached its pause point"
    );
    let signalled = std::time::Instant::now();
    server.terminate();
    assert!(
        server.wait_for_log("draining", Duration::from_secs(5)),
        "the server logs that it drains"
    );
    // No new connections once draining (the listener closes just after the log line),
    // while the import is still in flight.
    let url = server.url.clone();
    let refused = tokio::task::spawn_blocking(move || {
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while std::time::Instant::now() < deadline {
            if std::net::TcpStream::connect(url.trim_start_matches("http://")).is_err() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    })
    .await
    .unwrap();
    assert!(refused, "the listener is closed while draining");
    assert!(!pending.is_finished(), "the import was still in flight");
    let status = pending.await.unwrap().expect("the import answers");
    assert_eq!(status, 201, "the import in flight completes");
    let code = server.wait_exit(Duration::from_secs(15));
    assert_eq!(code, Some(Some(0)), "exit status 0 after the drain");
    assert!(
        signalled.elapsed() < Duration::from_secs(15),
        "{:?}",
        signalled.elapsed()
    );
    assert_eq!(count(&db.url, "SELECT COUNT(*) FROM codes").await, 100);
}

/// A second SIGTERM, or the drain limit, ends the process at once (exit status 1); the
/// import held open is cut and rolls back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sigterm_or_the_drain_limit_ends_the_drain() {
    let db = TestDb::new(Backend::Sqlite).await;
    let token = admin_token(&db.url);
    for second_signal in [true, false] {
        let limit = if second_signal { "60" } else { "1" };
        let mut server = Server::start_with(
            &db.url,
            &["--drain-timeout", limit],
            &[("ESIM_TEST_PAUSE_IMPORT_MS", "60000")],
        );
        let pending = {
            let (url, token) = (server.url.clone(), token.clone());
            tokio::spawn(async move {
                reqwest_like(&url, &token, csv("smdp.example.com", 0, 100)).await
            })
        };
        assert!(server.wait_for_log(
            "test pause inside the import transaction",
            Duration::from_secs(20)
        ));
        let signalled = std::time::Instant::now();
        server.terminate();
        assert!(server.wait_for_log("draining", Duration::from_secs(5)));
        if second_signal {
            server.terminate();
        }
        let code = server.wait_exit(Duration::from_secs(10));
        assert_eq!(
            code,
            Some(Some(1)),
            "second signal {second_signal}: stopped at once with status 1"
        );
        let needle = if second_signal {
            "second signal"
        } else {
            "drain limit reached"
        };
        assert!(
            server.wait_for_log(needle, Duration::from_secs(5)),
            "{needle}"
        );
        if !second_signal {
            assert!(signalled.elapsed() >= Duration::from_millis(900));
        }
        let outcome = pending.await.unwrap();
        assert!(
            outcome.is_err() || outcome.as_ref().is_ok_and(|s| *s != 201),
            "the import was cut"
        );
    }
    assert_eq!(count(&db.url, "SELECT COUNT(*) FROM codes").await, 0);
}

/// `serve` started before PostgreSQL accepts connections: it logs that it waits, retries
/// with backoff, and serves once the database answers. The database is reached through a
/// TCP proxy that the test starts listening only after two seconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_waits_for_postgres_to_accept_connections() {
    let db = TestDb::new(Backend::Postgres).await;
    let token = admin_token(&db.url);
    // A free port, released: nothing listens there until the proxy starts.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // postgres://user@HOST:PORT/name -> the same through the proxy's port.
    let (scheme_user, rest) = db.url.split_once('@').unwrap();
    let (target, name) = rest.split_once('/').unwrap();
    let target = target.to_owned();
    let proxied = format!("{scheme_user}@127.0.0.1:{port}/{name}");
    let proxy = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind the proxy port");
        loop {
            let (mut inbound, _) = listener.accept().await.unwrap();
            let target = target.clone();
            tokio::spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    let started = std::time::Instant::now();
    let server = tokio::task::spawn_blocking(move || Server::start(&proxied, &[]))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "it served before the database was reachable"
    );
    assert!(
        server.wait_for_log(
            "the database does not accept connections yet; waiting",
            Duration::from_secs(5)
        ),
        "it logs the wait"
    );
    assert!(server.wait_for_log("the database accepts connections", Duration::from_secs(5)));
    let api = Api::new(&server.url, &token);
    let (st, ready) = api.call("GET", "/readyz", None).await.unwrap();
    assert_eq!(st, 200, "{ready}");
    let (st, _) = api.call("GET", POOLS, None).await.unwrap();
    assert_eq!(st, 200);
    drop(server);
    proxy.abort();
}
