//! Microsoft's Graph beta SDK for Python (`msgraph-beta-sdk`, pinned in
//! `xtask/src/versions.rs`, installed by `cargo xtask setup` into a virtual environment in
//! the per-user tool cache) runs the pool workflow against a real `esim-server serve`:
//! create, list with paging, `$filter`, patch, assign with include and exclude, device
//! states with `$filter`, a refused filter and a deleted pool as the SDK's `ODataError`,
//! delete (`tests/sdk/pool_workflow.py`). Only the SDK's authentication (a static bearer
//! token) and base URL are set; everything else is the SDK as a Graph client uses it.
//!
//! `GRAPH_SDK_PYTHON` names the environment's `python` (set by `cargo xtask test`); without
//! it, the cache's environment at the pinned version; without that, the test fails and
//! says to run `cargo xtask setup`.

use std::path::{Path, PathBuf};
use std::process::Command;

use esim_test_support::http;
use esim_test_support::server::{create_token, Server};
use serde_json::{json, Value};

fn sdk_python() -> PathBuf {
    if let Some(p) = std::env::var_os("GRAPH_SDK_PYTHON") {
        return p.into();
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let versions = std::fs::read_to_string(root.join("xtask/src/versions.rs")).unwrap();
    let version = versions
        .lines()
        .find_map(|l| l.strip_prefix("pub const MSGRAPH_BETA_SDK: &str = \""))
        .and_then(|v| v.strip_suffix("\";"))
        .expect("MSGRAPH_BETA_SDK in xtask/src/versions.rs");
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache"));
    cache.join(format!(
        "esim-console/tools/msgraph-beta-sdk-{version}/bin/python"
    ))
}

fn post(server: &Server, token: &str, path: &str, body: Value) -> Value {
    http::post(&format!("{}{path}", server.url()))
        .bearer(token)
        .json(&body)
        .send()
        .unwrap()
        .success()
        .unwrap()
        .json()
}

#[test]
fn the_graph_sdk_runs_the_pool_workflow() {
    let python = sdk_python();
    assert!(
        python.is_file(),
        "msgraph-beta-sdk's Python is not at {} (run `cargo xtask setup`)",
        python.display()
    );
    let exe = Path::new(env!("CARGO_BIN_EXE_esim-server"));
    let file = std::env::temp_dir().join(format!(
        "esim_sdk_{}.db",
        esim_server::util::hex(&esim_server::util::random::<8>())
    ));
    let database = format!("sqlite://{}", file.display());
    let server = Server::serve(exe, &database, |_| {}).unwrap();
    let token = create_token(exe, &database, "admin", "graph-sdk", None).unwrap();

    // The directory (this server's /v1.0; the beta SDK reaches Graph's own directory).
    let group = |name: &str| {
        post(
            &server,
            &token,
            "/v1.0/groups",
            json!({"displayName": name}),
        )["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (included, excluded) = (group("SDK devices"), group("SDK excluded"));
    for (name, groups) in [
        ("Zeta", vec![&included]),
        ("Alpha", vec![&included, &excluded]),
        ("Mike", vec![&included]),
    ] {
        let d = post(
            &server,
            &token,
            "/v1.0/devices",
            json!({"displayName": name}),
        )["id"]
            .as_str()
            .unwrap()
            .to_owned();
        for g in groups {
            let r = http::post(&format!("{}/v1.0/groups/{g}/members/$ref", server.url()))
                .bearer(&token)
                .json(&json!({"@odata.id": d}))
                .send()
                .unwrap();
            assert_eq!(r.status, 204, "{}", r.text());
        }
    }

    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sdk/pool_workflow.py");
    let out = Command::new(&python)
        .arg(&script)
        .args([
            &format!("{}/beta", server.url()),
            &token,
            &included,
            &excluded,
        ])
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("the SDK's python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    assert!(
        out.status.success(),
        "the SDK's workflow failed:\n{stdout}\n{stderr}"
    );
    let steps: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let step = |name: &str| -> &Value {
        steps
            .iter()
            .find(|s| s["step"] == name)
            .unwrap_or_else(|| panic!("no step {name} in\n{stdout}"))
    };
    let created: Vec<&Value> = steps.iter().filter(|s| s["step"] == "create").collect();
    assert_eq!(created.len(), 3, "{stdout}");
    assert_eq!(created[2]["activationCodeCount"], 4);
    assert_eq!(
        step("list")["pages"],
        json!([["SDK pool C", "SDK pool B"], ["SDK pool A"]])
    );
    assert_eq!(step("list")["count"], 3);
    assert_eq!(step("skip")["names"], json!(["SDK pool B", "SDK pool C"]));
    assert_eq!(step("filter")["names"], json!(["SDK pool B", "SDK pool C"]));
    assert_eq!(
        step("patch"),
        &json!({"step": "patch", "displayName": "SDK pool A renamed", "activationCodeCount": 4})
    );
    let mut targets = vec![
        json!(["#microsoft.graph.exclusionGroupAssignmentTarget", excluded]),
        json!(["#microsoft.graph.groupAssignmentTarget", included]),
    ];
    targets.sort_by_key(|t| t.to_string());
    assert_eq!(step("assign")["assigned"], 2);
    assert_eq!(step("assign")["targets"], Value::Array(targets));
    assert_eq!(
        step("deviceStates"),
        &json!({"step": "deviceStates", "count": 2, "devices": ["Mike", "Zeta"], "notEvaluated": true})
    );
    assert_eq!(step("count")["notEvaluated"], 2);
    assert_eq!(step("installed")["devices"], json!([]));
    assert_eq!(step("refused")["status"], 400);
    assert_eq!(step("refused")["code"], "BadRequest");
    assert!(
        step("refused")["message"]
            .as_str()
            .unwrap()
            .contains("contains"),
        "{stdout}"
    );
    assert_eq!(
        step("deleted"),
        &json!({"step": "deleted", "status": 404, "code": "ResourceNotFound"})
    );
    assert_eq!(step("remaining")["ids"], json!([]));
    drop(server);
}
