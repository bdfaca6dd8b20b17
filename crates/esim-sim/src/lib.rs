//! The fleet simulator: creates a group and N devices, assigns the group to a pool, and
//! makes the devices check in over HTTP like real devices - installing, failing at a
//! rate, leaving the group - so the status views have moving data and load can be made.
//! With `group`, it checks in the members of an existing group instead (made in the
//! console, say), creating and assigning nothing; with `group` and `pool`, also every
//! device holding a state in that pool (one removed from the group in the console still
//! checks in, so its state reaches `deleted`, "Removed").
//!
//! Every device acts on what its check-in answers, like a real one: an `install` is
//! reported `installed` (then a cellular status) or `failed`, a `remove` (a device no
//! longer targeted) is reported `removed`, which moves its state from `deleting` to
//! `deleted`.
//!
//! A tool, not part of the server: `esim-server simulate` runs it, and the server's
//! process tests use its [`Api`] client.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};

/// What to simulate.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// The server's base URL, such as `http://127.0.0.1:8080`.
    pub url: String,
    /// An admin token.
    pub token: String,
    /// How many devices to create (not with `group`).
    pub devices: usize,
    /// An existing group whose members check in (nothing is created or assigned).
    pub group: Option<String>,
    /// The share of installs that fail (0-1).
    pub failure_rate: f64,
    /// The share of devices that leave the group after the first round (0-1).
    pub leave_rate: f64,
    /// Check-in rounds.
    pub rounds: usize,
    /// The pool to assign the new group to (none: the group is only created); with
    /// `group`, the pool whose devices with a state check in too.
    pub pool: Option<String>,
    /// Check-ins in flight at once.
    pub concurrency: usize,
}

/// What happened, counted.
#[derive(Debug, Default, Clone)]
pub struct SimCounts {
    /// Check-ins made.
    pub check_ins: usize,
    /// Installs reported as done.
    pub installed: usize,
    /// Installs reported as failed.
    pub failed: usize,
    /// Removals done.
    pub removed: usize,
    /// Requests that did not succeed.
    pub errors: usize,
}

/// What happened, counted while it happens.
#[derive(Debug, Default)]
pub struct SimReport {
    /// Check-ins made.
    pub check_ins: AtomicUsize,
    /// Installs reported as done.
    pub installed: AtomicUsize,
    /// Installs reported as failed.
    pub failed: AtomicUsize,
    /// Removals done.
    pub removed: AtomicUsize,
    /// Requests that did not succeed.
    pub errors: AtomicUsize,
}

/// A small JSON-over-HTTP client.
#[derive(Debug, Clone)]
pub struct Api {
    client: Client<HttpConnector, Full<Bytes>>,
    base: String,
    token: String,
}

impl Api {
    /// A client for `base` with this bearer token.
    pub fn new(base: &str, token: &str) -> Api {
        Api {
            client: Client::builder(TokioExecutor::new()).build_http(),
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        }
    }

    /// Sends one request; returns the status and the JSON body (null when empty).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<(u16, Value)> {
        let mut req = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {}", self.token));
        let bytes = match body {
            Some(b) => {
                req = req.header("content-type", "application/json");
                Bytes::from(serde_json::to_vec(&b)?)
            }
            None => Bytes::new(),
        };
        let res = self.client.request(req.body(Full::new(bytes))?).await?;
        let status = res.status().as_u16();
        let body = res.into_body().collect().await?.to_bytes();
        let value = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&body).unwrap_or(Value::Null)
        };
        Ok((status, value))
    }
}

impl SimReport {
    /// The counts so far.
    pub fn counts(&self) -> SimCounts {
        SimCounts {
            check_ins: self.check_ins.load(Ordering::Relaxed),
            installed: self.installed.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            removed: self.removed.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
        }
    }
}

/// The base of the pool routes (Graph beta's).
pub const POOLS: &str = "/beta/deviceManagement/embeddedSIMActivationCodePools";

/// The time of day (UTC) as `HH.MM.SS`, to tell simulated fleets apart.
fn time_of_day() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
        % 86_400;
    format!("{:02}.{:02}.{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

fn chance(rate: f64) -> bool {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).expect("the system's random source");
    let r = (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64;
    r < rate
}

/// Runs the simulation and prints a summary line per round.
pub async fn run(o: SimOptions) -> anyhow::Result<Arc<SimReport>> {
    let api = Api::new(&o.url, &o.token);
    let (group_id, devices) = match &o.group {
        Some(group) => {
            let mut devices = ids(&api, &format!("/v1.0/groups/{group}/members?$top=1000"))
                .await
                .map_err(|e| e.context("listing the group's members failed"))?;
            println!("group {group} has {} devices", devices.len());
            if let Some(pool) = &o.pool {
                let path = format!("{POOLS}/{pool}/deviceStates");
                let held = ids(&api, &path)
                    .await
                    .map_err(|e| e.context("listing the pool's device states failed"))?;
                println!("pool {pool} has {} devices with a state", held.len());
                for d in held {
                    if !devices.contains(&d) {
                        devices.push(d);
                    }
                }
            }
            (group.clone(), devices)
        }
        None => create_fleet(&api, &o).await?,
    };
    let report = Arc::new(SimReport::default());
    let devices = Arc::new(devices);
    for round in 0..o.rounds {
        if round == 1 && o.leave_rate > 0.0 {
            for d in devices.iter().filter(|_| chance(o.leave_rate)) {
                let _ = api
                    .call(
                        "DELETE",
                        &format!("/v1.0/groups/{group_id}/members/{d}/$ref"),
                        None,
                    )
                    .await?;
            }
        }
        let before = report.counts();
        let next = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..o.concurrency.max(1) {
            let (api, devices, next, report) =
                (api.clone(), devices.clone(), next.clone(), report.clone());
            let rate = o.failure_rate;
            tasks.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(d) = devices.get(i) else { break };
                    if let Err(e) = check_in(&api, d, rate, &report).await {
                        report.errors.fetch_add(1, Ordering::Relaxed);
                        eprintln!("device {d}: {e:#}");
                    }
                }
            }));
        }
        for t in tasks {
            t.await?;
        }
        let now = report.counts();
        println!(
            "round {}/{}: check-ins {}, installed {}, failed {}, removed {}, errors {}",
            round + 1,
            o.rounds,
            now.check_ins - before.check_ins,
            now.installed - before.installed,
            now.failed - before.failed,
            now.removed - before.removed,
            now.errors - before.errors
        );
    }
    Ok(report)
}

/// The ids in a collection, every page: a group's members, or a pool's device states
/// (a state's id is its device's id).
async fn ids(api: &Api, first: &str) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    let mut path = first.to_owned();
    loop {
        let (st, page) = api.call("GET", &path, None).await?;
        anyhow::ensure!(st == 200, "{st} {page}");
        for d in page["value"].as_array().into_iter().flatten() {
            if let Some(id) = d["id"].as_str() {
                ids.push(id.to_owned());
            }
        }
        match page["@odata.nextLink"].as_str() {
            Some(next) => {
                let uri: hyper::Uri = next.parse()?;
                path = uri
                    .path_and_query()
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_default();
            }
            None => return Ok(ids),
        }
    }
}

/// Creates a group of `o.devices` devices and assigns it to `o.pool` (when given, beside
/// the pool's other assignments); the group's id and the devices.
async fn create_fleet(api: &Api, o: &SimOptions) -> anyhow::Result<(String, Vec<String>)> {
    let (st, group) = api
        .call(
            "POST",
            "/v1.0/groups",
            Some(json!({"displayName": format!("Simulated fleet {}", time_of_day())})),
        )
        .await?;
    anyhow::ensure!(st == 201, "creating the group failed: {st} {group}");
    let group_id = group["id"].as_str().unwrap_or_default().to_owned();
    let mut devices = Vec::with_capacity(o.devices);
    for i in 0..o.devices {
        let (st, d) = api
            .call("POST", "/v1.0/devices", Some(json!({"displayName": format!("sim-{i:05}"), "userName": format!("user{i}"), "operatingSystem": "iOS"})))
            .await?;
        anyhow::ensure!(st == 201, "creating a device failed: {st} {d}");
        let id = d["id"].as_str().unwrap_or_default().to_owned();
        let (st, e) = api
            .call(
                "POST",
                &format!("/v1.0/groups/{group_id}/members/$ref"),
                Some(json!({"@odata.id": format!("{}/v1.0/devices/{id}", o.url)})),
            )
            .await?;
        anyhow::ensure!(st == 204, "adding a member failed: {st} {e}");
        devices.push(id);
    }
    if let Some(pool) = &o.pool {
        let path = format!("{POOLS}/{pool}");
        let (st, current) = api
            .call("GET", &format!("{path}/assignments"), None)
            .await?;
        anyhow::ensure!(st == 200, "reading assignments failed: {st} {current}");
        let mut list: Vec<Value> = current["value"].as_array().cloned().unwrap_or_default();
        list.push(json!({"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": group_id}}));
        let (st, e) = api
            .call(
                "POST",
                &format!("{path}/assign"),
                Some(json!({"assignments": list})),
            )
            .await?;
        anyhow::ensure!(st == 200, "assigning failed: {st} {e}");
    }
    println!("group {group_id} with {} devices", devices.len());
    Ok((group_id, devices))
}

async fn check_in(
    api: &Api,
    device: &str,
    failure_rate: f64,
    report: &SimReport,
) -> anyhow::Result<()> {
    let (st, r) = api
        .call("POST", &format!("/api/mdm/devices/{device}/checkIn"), None)
        .await?;
    anyhow::ensure!(st == 200, "check-in: {st} {r}");
    report.check_ins.fetch_add(1, Ordering::Relaxed);
    for a in r["actions"].as_array().cloned().unwrap_or_default() {
        let (pool, iccid) = (a["poolId"].clone(), a["iccid"].clone());
        let (outcome, detail) = match a["action"].as_str() {
            Some("install") if chance(failure_rate) => {
                ("failed", Some(esim_wire::state_details::SIMULATED_REFUSAL))
            }
            Some("install") => ("installed", None),
            _ => ("removed", None),
        };
        let (st, e) = api
            .call(
                "POST",
                &format!("/api/mdm/devices/{device}/outcome"),
                Some(json!({"poolId": pool, "iccid": iccid, "outcome": outcome, "detail": detail})),
            )
            .await?;
        anyhow::ensure!(st == 204, "outcome: {st} {e}");
        let counter = match outcome {
            "installed" => &report.installed,
            "failed" => &report.failed,
            _ => &report.removed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        if outcome == "installed" {
            let _ = api
                .call(
                    "POST",
                    &format!("/api/mdm/devices/{device}/cellularStatus"),
                    Some(json!({"iccid": iccid, "status": "active"})),
                )
                .await?;
        }
    }
    Ok(())
}
