//! Graph's documented requests and behaviours run against this server, on SQLite and on
//! PostgreSQL (the examples of `microsoft-graph-docs-contrib`,
//! `api-reference/beta/api/intune-esim-*.md`, named at each test).

mod support;

use serde_json::{json, Value};
use support::{codes, Backend, TestApp, POOLS};

on_both!(assignment_filters_are_kept,);

async fn pool(t: &TestApp, name: &str, smdp: &str, from: u64, n: u64) -> String {
    t.admin(
        "POST",
        POOLS,
        Some(json!({"displayName": name, "activationCodes": codes(smdp, from, n)})),
    )
    .await
    .ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn group(t: &TestApp, name: &str) -> String {
    t.admin("POST", "/v1.0/groups", Some(json!({"displayName": name})))
        .await
        .ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Targets as Graph returns them (`groupAssignmentTarget`, `intune-shared-
/// groupassignmenttarget.md`): `@odata.type`, the filter's id and type, `groupId`. A filter
/// sent with `assign` is stored and returned unchanged; a target without one reads as
/// Graph's `null` / `none`.
async fn assignment_filters_are_kept(b: Backend) {
    let t = TestApp::new(b).await;
    let p = pool(&t, "P", "smdp.example.com", 0, 2).await;
    let (g, h) = (group(&t, "G").await, group(&t, "H").await);
    let sent = json!({"assignments": [
        {"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget",
            "deviceAndAppManagementAssignmentFilterId": "0f6a1a9e-1d5b-4a64-9c5e-4b7a2f0c1e11",
            "deviceAndAppManagementAssignmentFilterType": "include", "groupId": g}},
        {"target": {"@odata.type": "#microsoft.graph.exclusionGroupAssignmentTarget", "groupId": h}}
    ]});
    let answer = t
        .admin("POST", &format!("{POOLS}/{p}/assign"), Some(sent))
        .await
        .ok(200)
        .clone();
    let listed = t
        .admin("GET", &format!("{POOLS}/{p}/assignments"), None)
        .await
        .ok(200)
        .clone();
    let targets = |v: &Value| -> Vec<String> {
        let mut t: Vec<String> = v["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| serde_json::to_string(&a["target"]).unwrap())
            .collect();
        t.sort();
        t
    };
    assert_eq!(targets(&answer), targets(&listed));
    let mut want = [
        json!({"@odata.type": "#microsoft.graph.groupAssignmentTarget",
            "deviceAndAppManagementAssignmentFilterId": "0f6a1a9e-1d5b-4a64-9c5e-4b7a2f0c1e11",
            "deviceAndAppManagementAssignmentFilterType": "include", "groupId": g}),
        json!({"@odata.type": "#microsoft.graph.exclusionGroupAssignmentTarget",
            "deviceAndAppManagementAssignmentFilterId": null,
            "deviceAndAppManagementAssignmentFilterType": "none", "groupId": h}),
    ]
    .iter()
    .map(|v| serde_json::to_string(v).unwrap())
    .collect::<Vec<_>>();
    want.sort();
    assert_eq!(targets(&listed), want);
    // One by id too.
    let one = &listed["value"][0];
    let id = one["id"].as_str().unwrap();
    assert_eq!(
        t.admin("GET", &format!("{POOLS}/{p}/assignments/{id}"), None)
            .await
            .ok(200),
        one
    );
    // A filter type Graph does not document is refused, naming it.
    let e = t
        .admin(
            "POST",
            &format!("{POOLS}/{p}/assign"),
            Some(json!({"assignments": [{"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget",
                "deviceAndAppManagementAssignmentFilterType": "sometimes", "groupId": g}}]})),
        )
        .await;
    assert_eq!(e.status.as_u16(), 400, "{}", e.text);
    assert!(e.text.contains("sometimes"), "{}", e.text);
}
