//! Graph's documented requests and behaviours run against this server, on SQLite and on
//! PostgreSQL (the examples of `microsoft-graph-docs-contrib`,
//! `api-reference/beta/api/intune-esim-*.md`, named at each test).

mod support;

use serde_json::{json, Value};
use support::{codes, Backend, TestApp, POOLS};

on_both!(
    assignment_filters_are_kept,
    patch_with_graphs_body,
    one_assignment_created_and_updated,
    device_states_query_options,
);

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

/// "Update embeddedSIMActivationCodePool" (intune-esim-embeddedsimactivationcodepool-update.md):
/// its documented body (`displayName`, `activationCodes`, the read-only
/// `activationCodeCount`) with real values. The codes are added under the create's rules;
/// a refused code changes nothing, the name included; read-only properties are ignored.
async fn patch_with_graphs_body(b: Backend) {
    let t = TestApp::new(b).await;
    let p = pool(&t, "Before", "smdp.example.com", 0, 2).await;
    let url = format!("{POOLS}/{p}");
    let mut new_codes = codes("smdp.example.com", 10, 1);
    new_codes[0]["@odata.type"] = json!("microsoft.graph.embeddedSIMActivationCode");
    let body = json!({
        "displayName": "Display Name value",
        "activationCodes": new_codes,
        "activationCodeCount": 3
    });
    let r = t.admin("PATCH", &url, Some(body)).await.ok(200).clone();
    assert_eq!(r["displayName"], "Display Name value");
    assert_eq!(r["activationCodeCount"], 3);
    assert!(r.get("activationCodes").is_none());
    // Read-only properties as a client read them: ignored.
    let mut echoed = r.clone();
    echoed["displayName"] = json!("Renamed");
    echoed["activationCodeCount"] = json!(99);
    let r = t.admin("PATCH", &url, Some(echoed)).await.ok(200).clone();
    assert_eq!(
        (r["displayName"].as_str(), r["activationCodeCount"].as_i64()),
        (Some("Renamed"), Some(3))
    );
    // A code already in the pool, and one of another SM-DP+ address: refused, nothing changes.
    for bad in [
        codes("smdp.example.com", 10, 1),
        codes("other.example.com", 20, 1),
    ] {
        let e = t
            .admin(
                "PATCH",
                &url,
                Some(json!({"displayName": "Never", "activationCodes": bad})),
            )
            .await;
        // 422 with the findings, as a create (docs/API-DESIGN.md, "Errors").
        assert_eq!(e.status.as_u16(), 422, "{}", e.text);
        assert!(
            !e.json["error"]["details"].as_array().unwrap().is_empty(),
            "{}",
            e.text
        );
    }
    let now = t.admin("GET", &url, None).await.ok(200).clone();
    assert_eq!(
        (
            now["displayName"].as_str(),
            now["activationCodeCount"].as_i64()
        ),
        (Some("Renamed"), Some(3))
    );
    // A property Graph does not have is refused, naming it.
    let e = t.admin("PATCH", &url, Some(json!({"colour": "red"}))).await;
    assert_eq!(e.status.as_u16(), 400, "{}", e.text);
    assert!(e.text.contains("colour"), "{}", e.text);
    // An empty body changes nothing.
    assert_eq!(
        t.admin("PATCH", &url, Some(json!({}))).await.ok(200)["displayName"],
        "Renamed"
    );
}

/// "Create embeddedSIMActivationCodePoolAssignment" and "Update ..."
/// (intune-esim-embeddedsimactivationcodepoolassignment-create.md, -update.md): `POST
/// .../assignments` answers 201 with the assignment; `PATCH` changes its target. Graph's
/// own example targets the abstract `deviceAndAppManagementAssignmentTarget`, which this
/// server refuses (device groups only), naming the type.
async fn one_assignment_created_and_updated(b: Backend) {
    let t = TestApp::new(b).await;
    let p = pool(&t, "P", "smdp.example.com", 0, 2).await;
    let (g, h) = (group(&t, "G").await, group(&t, "H").await);
    let url = format!("{POOLS}/{p}/assignments");
    let documented = json!({
        "@odata.type": "#microsoft.graph.embeddedSIMActivationCodePoolAssignment",
        "target": {"@odata.type": "microsoft.graph.deviceAndAppManagementAssignmentTarget"}
    });
    let e = t.admin("POST", &url, Some(documented)).await;
    assert_eq!(e.status.as_u16(), 400, "{}", e.text);
    assert!(
        e.text.contains("deviceAndAppManagementAssignmentTarget"),
        "{}",
        e.text
    );
    let created = t
        .admin(
            "POST",
            &url,
            Some(json!({
                "@odata.type": "#microsoft.graph.embeddedSIMActivationCodePoolAssignment",
                "target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": g}
            })),
        )
        .await
        .ok(201)
        .clone();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["target"]["groupId"], g.as_str());
    assert_eq!(
        created["target"]["deviceAndAppManagementAssignmentFilterType"],
        "none"
    );
    // The same group again is refused; another group is added beside it.
    let again = t
        .admin("POST", &url, Some(json!({"target": {"@odata.type": "#microsoft.graph.exclusionGroupAssignmentTarget", "groupId": g}})))
        .await;
    assert_eq!(again.status.as_u16(), 400, "{}", again.text);
    assert!(again.text.contains(&id), "{}", again.text);
    t.admin("POST", &url, Some(json!({"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": h}})))
        .await
        .ok(201);
    assert_eq!(
        t.admin("GET", &url, None).await.ok(200)["value"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // PATCH: the first becomes an exclusion with a filter.
    let updated = t
        .admin(
            "PATCH",
            &format!("{url}/{id}"),
            Some(json!({
                "@odata.type": "#microsoft.graph.embeddedSIMActivationCodePoolAssignment",
                "target": {"@odata.type": "#microsoft.graph.exclusionGroupAssignmentTarget",
                    "deviceAndAppManagementAssignmentFilterId": "f1",
                    "deviceAndAppManagementAssignmentFilterType": "exclude", "groupId": g}
            })),
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(updated["id"], id.as_str());
    assert_eq!(
        t.admin("GET", &format!("{url}/{id}"), None).await.ok(200),
        &updated
    );
    assert_eq!(
        updated["target"]["@odata.type"],
        "#microsoft.graph.exclusionGroupAssignmentTarget"
    );
    assert_eq!(
        updated["target"]["deviceAndAppManagementAssignmentFilterId"],
        "f1"
    );
    // Moving it onto the other assignment's group is refused; an unknown id is a 404.
    let clash = t
        .admin("PATCH", &format!("{url}/{id}"), Some(json!({"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": h}})))
        .await;
    assert_eq!(clash.status.as_u16(), 400, "{}", clash.text);
    let missing = t
        .admin("PATCH", &format!("{url}/nope"), Some(json!({"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": g}})))
        .await;
    assert_eq!(missing.status.as_u16(), 404, "{}", missing.text);
}

/// OData query options on `deviceStates` (Graph's `$filter`, `$orderby`, `$select`,
/// `$count`, `$top` with an opaque `$skiptoken`), and refused expressions: a 400 naming the
/// part, never unfiltered data. Collections without them refuse them too.
async fn device_states_query_options(b: Backend) {
    let t = TestApp::new(b).await;
    let p = pool(&t, "P", "smdp.example.com", 0, 5).await;
    let g = group(&t, "G").await;
    for (i, name) in ["Cedar", "alder", "Birch", "Aspen", "Surface LTE"]
        .iter()
        .enumerate()
    {
        let d = t
            .admin(
                "POST",
                "/v1.0/devices",
                Some(json!({"displayName": name, "userName": format!("u{i}")})),
            )
            .await
            .ok(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        t.admin(
            "POST",
            &format!("/v1.0/groups/{g}/members/$ref"),
            Some(json!({"@odata.id": d})),
        )
        .await
        .ok(204);
    }
    t.admin(
        "POST",
        &format!("{POOLS}/{p}/assign"),
        Some(json!({"assignments": [
        {"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": g}}]})),
    )
    .await
    .ok(200);
    let url = format!("{POOLS}/{p}/deviceStates");
    let get = |q: &str| {
        let u = format!("{url}?{}", q.replace(' ', "%20").replace('\'', "%27"));
        let t = &t;
        async move { t.admin("GET", &u, None).await }
    };
    let names = |v: &Value| -> Vec<String> {
        v["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["deviceName"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    // $filter with startswith (case-insensitive), or, parentheses, and an enum value.
    let r = get("$filter=(startswith(deviceName,'a') or deviceName eq 'Cedar') and state eq 'notEvaluated'&$orderby=deviceName&$count=true").await;
    let v = r.ok(200).clone();
    let mut got = names(&v);
    got.sort_by_key(|n| n.to_lowercase());
    assert_eq!(got, ["alder", "Aspen", "Cedar"], "{v}");
    assert_eq!(v["@odata.count"], 3);
    assert_eq!(
        names(&get("$filter=state eq 'installed'").await.ok(200).clone()),
        Vec::<String>::new()
    );
    assert_eq!(names(&get("$filter=deviceName ne 'Cedar' and not startswith(deviceName,'S')&$orderby=deviceName desc").await.ok(200).clone()).len(), 3);
    // $orderby pages with an opaque skiptoken; the next link keeps the query.
    let first = get("$orderby=userName desc&$top=2&$count=true&$select=deviceName,userName")
        .await
        .ok(200)
        .clone();
    assert_eq!(first["@odata.count"], 5);
    let item = first["value"][0].as_object().unwrap();
    let mut keys: Vec<&str> = item.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["deviceName", "id", "userName"], "{first}");
    let mut users: Vec<String> = Vec::new();
    let mut page = first;
    loop {
        users.extend(
            page["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["userName"].as_str().unwrap().to_owned()),
        );
        let Some(next) = page["@odata.nextLink"].as_str() else {
            break;
        };
        assert!(
            next.contains("%24orderby=userName+desc") || next.contains("$orderby=userName+desc"),
            "{next}"
        );
        let path = next.split_once("://").unwrap().1;
        let path = &path[path.find('/').unwrap()..];
        page = t.admin("GET", path, None).await.ok(200).clone();
    }
    assert_eq!(users, ["u4", "u3", "u2", "u1", "u0"]);
    // Refused: each names what it did not understand.
    for (q, part) in [
        ("$filter=contains(deviceName,'a')", "contains"),
        ("$filter=colour eq 'red'", "colour"),
        ("$filter=state eq 'sideways'", "sideways"),
        ("$filter=deviceName eq 'a' xor id eq 'b'", "xor"),
        ("$orderby=nope", "nope"),
        ("$select=nope", "nope"),
        ("$expand=nope", "$expand"),
        ("$count=maybe", "maybe"),
        ("$orderby=deviceName&$skiptoken=forged", "forged"),
    ] {
        let r = get(q).await;
        r.graph_error(400, "badRequest");
        assert!(r.text.contains(part), "{q}: {}", r.text);
    }
    // A collection without query options refuses them instead of ignoring them.
    let r = t
        .admin(
            "GET",
            &format!("{POOLS}?$filter=displayName%20eq%20%27P%27"),
            None,
        )
        .await;
    r.graph_error(400, "badRequest");
    assert!(r.text.contains("$filter"), "{}", r.text);
}
