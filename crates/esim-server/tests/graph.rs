//! Graph's documented requests and behaviours run against this server, on SQLite and on
//! PostgreSQL (the examples of `microsoft-graph-docs-contrib`,
//! `api-reference/beta/api/intune-esim-*.md`, named at each test).

mod support;

use serde_json::{json, Value};
use support::{codes, exclude, include, Backend, TestApp, POOLS};

on_both!(
    assignment_filters_are_kept,
    patch_with_graphs_body,
    one_assignment_created_and_updated,
    device_states_query_options,
    every_collection_query_options,
    skiptokens_are_opaque,
    ordered_pages_start_after_the_last_item,
    device_state_writes,
);

/// Targets as Graph returns them (`groupAssignmentTarget`, `intune-shared-
/// groupassignmenttarget.md`): `@odata.type`, the filter's id and type, `groupId`. A filter
/// sent with `assign` is stored and returned unchanged; a target without one reads as
/// Graph's `null` / `none`.
async fn assignment_filters_are_kept(b: Backend) {
    let t = TestApp::new(b).await;
    let p = t.pool("P", "smdp.example.com", 0, 2).await;
    let (g, h) = (t.group("G").await, t.group("H").await);
    let sent = json!({"assignments": [
        {"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget",
            "deviceAndAppManagementAssignmentFilterId": "0f6a1a9e-1d5b-4a64-9c5e-4b7a2f0c1e11",
            "deviceAndAppManagementAssignmentFilterType": "include", "groupId": g}},
        exclude(&h)
    ]});
    let answer = t
        .admin("POST", &format!("{POOLS}/{p}/assign"), Some(sent))
        .await
        .ok(200)
        .clone();
    let listed = t.get(&format!("{POOLS}/{p}/assignments")).await;
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
    let p = t.pool("Before", "smdp.example.com", 0, 2).await;
    let url = format!("{POOLS}/{p}");
    let mut new_codes = codes("smdp.example.com", 10, 1);
    new_codes[0]["@odata.type"] = json!("microsoft.graph.embeddedSIMActivationCode");
    let body = json!({
        "displayName": "Display Name value",
        "activationCodes": new_codes,
        "activationCodeCount": 3
    });
    let r = t.patch(&url, body).await;
    assert_eq!(r["displayName"], "Display Name value");
    assert_eq!(r["activationCodeCount"], 3);
    assert!(r.get("activationCodes").is_none());
    // Read-only properties as a client read them: ignored.
    let mut echoed = r.clone();
    echoed["displayName"] = json!("Renamed");
    echoed["activationCodeCount"] = json!(99);
    let r = t.patch(&url, echoed).await;
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
    let now = t.get(&url).await;
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
    let p = t.pool("P", "smdp.example.com", 0, 2).await;
    let (g, h) = (t.group("G").await, t.group("H").await);
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
        .patch(
            &format!("{url}/{id}"),
            json!({
                "@odata.type": "#microsoft.graph.embeddedSIMActivationCodePoolAssignment",
                "target": {"@odata.type": "#microsoft.graph.exclusionGroupAssignmentTarget",
                    "deviceAndAppManagementAssignmentFilterId": "f1",
                    "deviceAndAppManagementAssignmentFilterType": "exclude", "groupId": g}
            }),
        )
        .await;
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
    let p = t.pool("P", "smdp.example.com", 0, 5).await;
    let g = t.group("G").await;
    for (i, name) in ["Cedar", "alder", "Birch", "Aspen", "Surface LTE"]
        .iter()
        .enumerate()
    {
        let d = t
            .create(
                "/v1.0/devices",
                json!({"displayName": name, "userName": format!("u{i}")}),
            )
            .await;
        t.add_member(&g, &d).await;
    }
    t.assign(&p, json!([include(&g)])).await;
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
        page = t.get(path).await;
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
        r.graph_error(400, "BadRequest");
        assert!(r.text.contains(part), "{q}: {}", r.text);
    }
    // A collection without query options (this server's token list) refuses them instead
    // of ignoring them.
    let r = t
        .admin("GET", "/api/tokens?$filter=role%20eq%20%27admin%27", None)
        .await;
    r.graph_error(400, "BadRequest");
    assert!(r.text.contains("$filter"), "{}", r.text);
}

/// Follows `@odata.nextLink` from `first` (a path and query) to the end; every item's
/// `field`.
async fn all_pages(t: &TestApp, first: &str, field: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut url = first.to_owned();
    loop {
        let page = t.get(&url).await;
        out.extend(
            page["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v[field].as_str().unwrap_or("").to_owned()),
        );
        match page["@odata.nextLink"].as_str() {
            Some(next) => {
                let path = next.split_once("://").unwrap().1;
                url = path[path.find('/').unwrap()..].to_owned();
            }
            None => return out,
        }
    }
}

fn q(s: &str) -> String {
    s.replace(' ', "%20").replace('\'', "%27")
}

async fn device(t: &TestApp, name: &str, user: &str) -> String {
    t.create(
        "/v1.0/devices",
        json!({"displayName": name, "userName": user}),
    )
    .await
}

/// `$filter`, `$orderby`, `$select`, `$count` and `$top` paging on every Graph-shaped
/// collection: pools, assignments, groups, devices, a group's members (device states:
/// [`device_states_query_options`]); refused parts named on each.
async fn every_collection_query_options(b: Backend) {
    let t = TestApp::new(b).await;
    let mut pools = Vec::new();
    for (i, (name, n)) in [("Telia B", 3), ("Tele2 A", 1), ("Telia A", 2), ("Three", 4)]
        .iter()
        .enumerate()
    {
        pools.push(
            t.pool(name, &format!("smdp{i}.example.com"), i as u64 * 10, *n)
                .await,
        );
    }
    // Pools: startswith, an Int comparison, $orderby over pages, $count, $select.
    let names = all_pages(
        &t,
        &format!(
            "{POOLS}?{}",
            q("$filter=startswith(displayName,'tel') and activationCodeCount ge 2&$orderby=displayName desc&$top=1&$count=true")
        ),
        "displayName",
    )
    .await;
    assert_eq!(names, ["Telia B", "Telia A"]);
    // A whole-number order over pages (the pools' statement reads its seek columns too).
    assert_eq!(
        all_pages(
            &t,
            &format!("{POOLS}?{}", q("$orderby=activationCodeCount desc&$top=1")),
            "displayName"
        )
        .await,
        ["Three", "Telia B", "Telia A", "Tele2 A"]
    );
    let v = t.get(&format!("{POOLS}?{}", q("$filter=smdpPlusServerAddress eq 'smdp3.example.com' or displayName eq 'Tele2 A'&$count=true&$select=displayName,activationCodeCount"))).await;
    assert_eq!(v["@odata.count"], 2, "{v}");
    let mut keys: Vec<&str> = v["value"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(keys, ["activationCodeCount", "displayName", "id"], "{v}");
    // Without $orderby: creation order, keyset pages.
    assert_eq!(all_pages(&t, &format!("{POOLS}?$top=3"), "id").await, pools);
    // $skip passes over items, in the collection's order or $orderby's; the next pages
    // continue after them.
    assert_eq!(
        all_pages(&t, &format!("{POOLS}?$skip=1&$top=2"), "id").await,
        pools[1..]
    );
    assert_eq!(
        all_pages(
            &t,
            &format!("{POOLS}?{}", q("$orderby=displayName&$skip=2&$top=1")),
            "displayName"
        )
        .await,
        ["Telia B", "Three"]
    );
    assert_eq!(
        all_pages(&t, &format!("{POOLS}?$skip=9"), "id").await,
        Vec::<String>::new()
    );

    // Groups and devices.
    let mut groups = Vec::new();
    for name in ["Sales", "Field", "Support", "Finance"] {
        groups.push(t.group(name).await);
    }
    let got = all_pages(&t, &format!("/v1.0/groups?{}", q("$filter=startswith(displayName,'s') or displayName eq 'Finance'&$orderby=displayName&$top=2")), "displayName").await;
    assert_eq!(got, ["Finance", "Sales", "Support"]);
    let mut devices = Vec::new();
    for (name, user) in [("Cedar", "c@x"), ("Alder", "a@x"), ("Birch", "b@x")] {
        devices.push(device(&t, name, user).await);
    }
    t.admin(
        "POST",
        &format!("/v1.0/devices/{}/retire", devices[2]),
        None,
    )
    .await
    .ok(200);
    let got = all_pages(
        &t,
        &format!(
            "/v1.0/devices?{}",
            q("$filter=isRetired eq false&$orderby=displayName desc&$top=1")
        ),
        "displayName",
    )
    .await;
    assert_eq!(got, ["Cedar", "Alder"]);
    let v = t
        .get(&format!(
            "/v1.0/devices?{}",
            q("$filter=userName eq 'b@x'&$select=userName&$count=true")
        ))
        .await;
    assert_eq!(v["@odata.count"], 1);
    assert_eq!(v["value"][0], json!({"id": devices[2], "userName": "b@x"}));
    for d in &devices {
        t.add_member(&groups[0], d).await;
    }
    let got = all_pages(
        &t,
        &format!(
            "/v1.0/groups/{}/members?{}",
            groups[0],
            q("$filter=displayName ne 'Alder'&$orderby=displayName&$top=1")
        ),
        "displayName",
    )
    .await;
    assert_eq!(got, ["Birch", "Cedar"]);

    // Assignments: by the target's group.
    let p = &pools[0];
    t.assign(
        p,
        json!([
            include(&groups[0]),
            exclude(&groups[1]),
            include(&groups[2])
        ]),
    )
    .await;
    let url = format!("{POOLS}/{p}/assignments");
    let v = t
        .admin(
            "GET",
            &format!(
                "{url}?{}",
                q(&format!(
                    "$filter=target/groupId eq '{}'&$count=true",
                    groups[1]
                ))
            ),
            None,
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(v["@odata.count"], 1, "{v}");
    assert_eq!(v["value"][0]["target"]["groupId"], groups[1].as_str());
    assert_eq!(
        v["value"][0]["target"]["@odata.type"],
        "#microsoft.graph.exclusionGroupAssignmentTarget"
    );
    assert_eq!(all_pages(&t, &format!("{url}?$top=2"), "id").await.len(), 3);

    // GET .../$count: what $filter selects, as plain text.
    let count = |path: String| {
        let t = &t;
        async move {
            let r = t.admin("GET", &path, None).await;
            r.ok(200);
            assert_eq!(r.headers["content-type"], "text/plain", "{path}");
            r.text
        }
    };
    assert_eq!(count(format!("{POOLS}/$count")).await, "4");
    assert_eq!(
        count(format!(
            "{POOLS}/$count?{}",
            q("$filter=startswith(displayName,'Tel')")
        ))
        .await,
        "3"
    );
    assert_eq!(count(format!("{url}/$count")).await, "3");
    assert_eq!(
        count(format!(
            "{url}/$count?{}",
            q(&format!("$filter=target/groupId eq '{}'", groups[2]))
        ))
        .await,
        "1"
    );
    assert_eq!(
        count(format!(
            "{POOLS}/{p}/deviceStates/$count?{}",
            q("$filter=state eq 'notEvaluated'")
        ))
        .await,
        "2"
    );
    assert_eq!(count("/v1.0/groups/$count".to_owned()).await, "4");
    assert_eq!(
        count(format!(
            "/v1.0/devices/$count?{}",
            q("$filter=isRetired eq true")
        ))
        .await,
        "1"
    );
    assert_eq!(
        count(format!("/v1.0/groups/{}/members/$count", groups[1])).await,
        "0"
    );
    let r = t
        .admin(
            "GET",
            &format!("/v1.0/devices/$count?{}", q("$filter=colour eq 'red'")),
            None,
        )
        .await;
    r.graph_error(400, "BadRequest");
    assert!(r.text.contains("colour"), "{}", r.text);
    t.admin("GET", &format!("{POOLS}/nope/deviceStates/$count"), None)
        .await
        .graph_error(404, "ResourceNotFound");

    // The OpenAPI document names each collection's query options and properties.
    let doc = t
        .call("GET", "/openapi.json", None, None)
        .await
        .ok(200)
        .clone();
    for (path, property) in [
        (POOLS.to_owned(), "activationCodeCount"),
        (format!("{POOLS}/{{poolId}}/assignments"), "target/groupId"),
        (format!("{POOLS}/{{poolId}}/deviceStates"), "state"),
        ("/v1.0/groups".to_owned(), "description"),
        ("/v1.0/devices".to_owned(), "isRetired"),
        ("/v1.0/groups/{groupId}/members".to_owned(), "isRetired"),
    ] {
        let params = doc["paths"][&path]["get"]["parameters"].as_array().unwrap();
        let filter = params
            .iter()
            .find(|p| p["name"] == "$filter")
            .unwrap_or_else(|| panic!("{path}: no $filter in {params:?}"));
        assert!(
            filter["description"].as_str().unwrap().contains(property),
            "{path}: {filter}"
        );
        for name in [
            "$orderby",
            "$select",
            "$count",
            "$top",
            "$skip",
            "$skiptoken",
        ] {
            assert!(params.iter().any(|p| p["name"] == name), "{path}: {name}");
        }
    }
    assert!(!doc["paths"][POOLS]["post"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["in"] == "query"));

    // Refused, each naming the part, on every collection.
    for (path, query, part) in [
        (
            POOLS.to_owned(),
            "$filter=contains(displayName,'a')",
            "contains",
        ),
        (
            POOLS.to_owned(),
            "$orderby=usedActivationCodeCount",
            "usedActivationCodeCount",
        ),
        (
            POOLS.to_owned(),
            "$filter=activationCodeCount eq 'x'",
            "whole number",
        ),
        (url.clone(), "$filter=target/colour eq 'x'", "target/colour"),
        (url.clone(), "$select=target/groupId", "target/groupId"),
        ("/v1.0/groups".to_owned(), "$search=x", "$search"),
        (
            "/v1.0/devices".to_owned(),
            "$filter=isRetired eq 1",
            "true or false",
        ),
        (
            format!("/v1.0/groups/{}/members", groups[0]),
            "$orderby=colour",
            "colour",
        ),
    ] {
        let r = t.admin("GET", &format!("{path}?{}", q(query)), None).await;
        r.graph_error(400, "BadRequest");
        assert!(r.text.contains(part), "{path}?{query}: {}", r.text);
    }
}

/// `$skiptoken` is opaque (no id or offset to read or edit) and bound to its collection and
/// query: an edited token, one of another collection and one carried to another `$filter`
/// or `$orderby` are a 400, never a page from somewhere else.
async fn skiptokens_are_opaque(b: Backend) {
    let t = TestApp::new(b).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(t.group(&format!("G{i}")).await);
    }
    let next = |v: &Value| -> String {
        let link = v["@odata.nextLink"].as_str().unwrap();
        link.rsplit_once("$skiptoken=").unwrap().1.to_owned()
    };
    let keyset = t.get("/v1.0/groups?$top=1").await;
    let token = next(&keyset);
    assert!(
        !token.contains(&ids[0]) && !ids[0].contains(&token),
        "{token}"
    );
    let ordered = t
        .get(&format!(
            "/v1.0/groups?{}",
            q("$orderby=displayName desc&$top=1")
        ))
        .await;
    let offset = next(&ordered);
    assert_ne!(offset, "o1");
    // Followed unchanged: the pages.
    let second = t
        .get(&format!("/v1.0/groups?$top=1&$skiptoken={token}"))
        .await;
    assert_eq!(second["value"][0]["id"], ids[1].as_str());
    let mut edited = token.clone().into_bytes();
    let last = edited.len() - 1;
    edited[last] = if edited[last] == b'A' { b'B' } else { b'A' };
    let edited = String::from_utf8(edited).unwrap();
    for (url, why) in [
        (format!("/v1.0/groups?$top=1&$skiptoken={edited}"), "edited"),
        (
            format!("/v1.0/groups?$top=1&$skiptoken={}", ids[0]),
            "an id",
        ),
        ("/v1.0/groups?$top=1&$skiptoken=o1".to_owned(), "an offset"),
        (
            format!("/v1.0/devices?$top=1&$skiptoken={token}"),
            "another collection",
        ),
        (
            format!(
                "/v1.0/groups?$top=1&{}&$skiptoken={token}",
                q("$filter=displayName ne 'x'")
            ),
            "another filter",
        ),
        (
            format!(
                "/v1.0/groups?$top=1&{}&$skiptoken={offset}",
                q("$orderby=displayName")
            ),
            "another order",
        ),
        (
            format!("/v1.0/groups?$top=1&$skiptoken={offset}"),
            "an offset without its order",
        ),
    ] {
        let r = t.admin("GET", &url, None).await;
        r.graph_error(400, "BadRequest");
        assert!(r.text.contains("$skiptoken"), "{why}: {}", r.text);
    }
}

/// The path and query of an `@odata.nextLink`.
fn path_of(link: &str) -> String {
    let rest = link.split_once("://").unwrap().1;
    rest[rest.find('/').unwrap()..].to_owned()
}

/// `$orderby` pages start after the last item of the page before (its sorted values and
/// id), in each key's direction and null order (OData: null first ascending, last
/// descending): read two at a time, collections with ties and missing values come in the
/// same order as in one page; and an item added before the page boundary while the pages
/// are read neither repeats an item nor pushes one out, as counting the items before each
/// page (`OFFSET`) would.
async fn ordered_pages_start_after_the_last_item(b: Backend) {
    let t = TestApp::new(b).await;
    let p = t.pool("P", "smdp.example.com", 0, 12).await;
    let g = t.group("G").await;
    let devices = [
        ("Cedar", Some("u2")),
        ("alder", None),
        ("Cedar", None),
        ("Birch", Some("u1")),
        ("Aspen", Some("u2")),
        ("Birch", None),
        ("Cedar", Some("u1")),
        ("Aspen", None),
    ];
    for (name, user) in devices {
        let mut body = json!({"displayName": name});
        if let Some(user) = user {
            body["userName"] = json!(user);
        }
        let d = t.create("/v1.0/devices", body).await;
        t.add_member(&g, &d).await;
    }
    // One more device gets a code and leaves the directory: its state stays, naming no
    // device (null sorts first ascending, last descending).
    let gone = t
        .create("/v1.0/devices", json!({"displayName": "Gone"}))
        .await;
    t.add_member(&g, &gone).await;
    t.assign(&p, json!([include(&g)])).await;
    t.admin_check_in(&gone).await.ok(200);
    t.delete(&format!("/v1.0/devices/{gone}")).await;
    let states = format!("{POOLS}/{p}/deviceStates");
    // The state's name is the device's: sorted by it, the states come in the directory's
    // order of their devices (by name, then id, as the states' tie is the device id), the
    // state of the device that left first ascending and last descending (schema_v4.sql).
    for (order, gone_first) in [("deviceName", true), ("deviceName desc", false)] {
        let on_devices = order.replace("deviceName", "displayName");
        let mut expected = all_pages(
            &t,
            &format!("/v1.0/devices?{}", q(&format!("$orderby={on_devices}"))),
            "id",
        )
        .await;
        if gone_first {
            expected.insert(0, gone.clone());
        } else {
            expected.push(gone.clone());
        }
        let read = all_pages(
            &t,
            &format!("{states}?{}", q(&format!("$orderby={order}"))),
            "id",
        )
        .await;
        assert_eq!(read, expected, "$orderby={order}");
        let page = t.get(&format!("{states}/{gone}")).await;
        assert!(page["deviceName"].is_null(), "{page}");
    }
    for order in [
        "deviceName",
        "deviceName desc",
        "userName",
        "userName desc",
        "userName desc,deviceName",
        "deviceName,userName desc",
        "lastSyncDateTime desc,userName,deviceName desc",
    ] {
        let on_devices = order.replace("deviceName", "displayName");
        let mut collections = vec![
            (states.clone(), order.to_owned()),
            ("/v1.0/devices".to_owned(), on_devices.clone()),
        ];
        // A whole-number key too ($orderby takes at most three).
        if order.matches(',').count() < 2 {
            collections.push((
                "/v1.0/devices".to_owned(),
                format!("isEsimCapable desc,{on_devices}"),
            ));
        }
        for (collection, order) in collections {
            let one = all_pages(
                &t,
                &format!("{collection}?{}", q(&format!("$orderby={order}"))),
                "id",
            )
            .await;
            let states_too = usize::from(collection == states);
            assert_eq!(
                one.len(),
                devices.len() + states_too,
                "{collection} {order}"
            );
            let paged = all_pages(
                &t,
                &format!("{collection}?{}", q(&format!("$orderby={order}&$top=2"))),
                "id",
            )
            .await;
            assert_eq!(paged, one, "{collection} $orderby={order}");
        }
    }
    // An item sorted before the boundary arrives between two pages.
    let first = t
        .get(&format!(
            "/v1.0/devices?{}",
            q("$orderby=displayName,userName desc&$top=3")
        ))
        .await;
    let mut seen: Vec<String> = first["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    let next = path_of(first["@odata.nextLink"].as_str().unwrap());
    let before = t
        .create("/v1.0/devices", json!({"displayName": "Aaron"}))
        .await;
    seen.extend(all_pages(&t, &next, "id").await);
    let mut all = all_pages(&t, "/v1.0/devices", "id").await;
    all.retain(|id| *id != before);
    let (mut a, mut b) = (seen.clone(), all);
    a.sort();
    b.sort();
    assert_eq!(
        a, b,
        "each device once, but for the one added before the boundary: {seen:?}"
    );
}

/// Graph's create, update and delete of a device state (`intune-esim-embeddedsimdevicestate-
/// create.md`, `-update.md`, `-delete.md`), under api.md section 3: a state exists while
/// the pool targets the device and moves by the device's reports.
async fn device_state_writes(b: Backend) {
    let t = TestApp::new(b).await;
    let p = t.pool("P", "smdp.example.com", 0, 3).await;
    let g = t.group("G").await;
    let (d, e) = (
        device(&t, "Desk-1", "joe@x").await,
        device(&t, "Desk-2", "ann@x").await,
    );
    t.add_member(&g, &d).await;
    t.assign(&p, json!([include(&g)])).await;
    let url = format!("{POOLS}/{p}/deviceStates");
    // Graph's create body: its state is the device's to report.
    let graph_body = json!({
        "@odata.type": "#microsoft.graph.embeddedSIMDeviceState",
        "lastSyncDateTime": "2017-01-01T00:02:49.3205976-08:00",
        "universalIntegratedCircuitCardIdentifier": "Universal Integrated Circuit Card Identifier value",
        "deviceName": "Desk-1",
        "userName": "joe@x",
        "state": "failed",
        "stateDetails": "State Details value"
    });
    let r = t.admin("POST", &url, Some(graph_body.clone())).await;
    r.graph_error(400, "BadRequest");
    assert!(r.text.contains("'failed'"), "{}", r.text);
    // The targeted device has its state already; the other is not targeted.
    let mut body = graph_body.clone();
    body["state"] = json!("notEvaluated");
    let r = t.admin("POST", &url, Some(body.clone())).await;
    r.graph_error(409, "Conflict");
    assert!(
        r.text.contains("notEvaluated") && r.text.contains(&d),
        "{}",
        r.text
    );
    let r = t
        .admin("POST", &url, Some(json!({"deviceName": "Desk-2"})))
        .await;
    r.graph_error(409, "Conflict");
    assert!(r.text.contains("does not target"), "{}", r.text);
    for (body, part) in [
        (json!({"deviceName": "Nope"}), "Nope"),
        (
            json!({"deviceName": "Desk-1", "userName": "ann@x"}),
            "ann@x",
        ),
        (json!({"deviceName": "Desk-1", "colour": "red"}), "colour"),
        (json!({}), "deviceName"),
    ] {
        let r = t.admin("POST", &url, Some(body)).await;
        r.graph_error(400, "BadRequest");
        assert!(r.text.contains(part), "{}", r.text);
    }
    // A targeted device whose state was lost (a database restored in part) gets it back.
    sqlx::query("DELETE FROM device_states WHERE device_id = $1")
        .bind(&d)
        .execute(&t.db.pool)
        .await
        .unwrap();
    let made = t
        .admin("POST", &url, Some(json!({"id": d})))
        .await
        .ok(201)
        .clone();
    assert_eq!(made["id"], d.as_str());
    assert_eq!(made["state"], "notEvaluated");
    assert_eq!(made["deviceName"], "Desk-1");
    // Its name filters and sorts as the device's (schema_v4.sql).
    let named = t
        .get(&format!(
            "{url}?{}",
            q("$filter=deviceName eq 'Desk-1'&$orderby=deviceName")
        ))
        .await;
    assert_eq!(named["value"][0]["id"], d.as_str(), "{named}");

    // Update: a read state sent back changes nothing; a state the device reports is 409.
    let read = t.get(&format!("{url}/{d}")).await;
    let same = t.patch(&format!("{url}/{d}"), read.clone()).await;
    assert_eq!(same, read);
    let r = t
        .admin(
            "PATCH",
            &format!("{url}/{d}"),
            Some(json!({"state": "installed"})),
        )
        .await;
    r.graph_error(409, "Conflict");
    let r = t
        .admin(
            "PATCH",
            &format!("{url}/{d}"),
            Some(json!({"stateDetails": "made up"})),
        )
        .await;
    r.graph_error(400, "BadRequest");
    // The device installs and fails; state notEvaluated is the retry.
    check_in_and_report(&t, &d, "failed").await;
    let failed = t.get(&format!("{url}/{d}")).await;
    assert_eq!(failed["state"], "failed", "{failed}");
    let retried = t.patch(&format!("{url}/{d}"), json!({"@odata.type": "#microsoft.graph.embeddedSIMDeviceState", "state": "notEvaluated"})).await;
    assert_eq!(retried["state"], "notEvaluated");
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit WHERE action = 'deviceState.retry'")
            .await,
        1
    );
    t.admin("PATCH", &format!("{url}/nope"), Some(json!({})))
        .await
        .graph_error(404, "ResourceNotFound");

    // Delete: refused while targeted and while the profile is on the device.
    let r = t.admin("DELETE", &format!("{url}/{d}"), None).await;
    r.graph_error(409, "Conflict");
    assert!(r.text.contains("targets"), "{}", r.text);
    check_in_and_report(&t, &d, "installed").await;
    t.delete(&format!("/v1.0/groups/{g}/members/{d}/$ref"))
        .await;
    let r = t.admin("DELETE", &format!("{url}/{d}"), None).await;
    r.graph_error(409, "Conflict");
    assert!(r.text.contains("'installed'"), "{}", r.text);
    // Removed at the next check-in: then the record can go; its code stays used.
    check_in_and_report(&t, &d, "removed").await;
    let used = t.count("SELECT COUNT(*) FROM codes WHERE used = 1").await;
    t.delete(&format!("{url}/{d}")).await;
    t.admin("GET", &format!("{url}/{d}"), None)
        .await
        .graph_error(404, "ResourceNotFound");
    t.admin("DELETE", &format!("{url}/{d}"), None)
        .await
        .graph_error(404, "ResourceNotFound");
    assert_eq!(
        t.count("SELECT COUNT(*) FROM codes WHERE used = 1").await,
        used
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit WHERE action = 'deviceState.delete'")
            .await,
        1
    );
    // Readers may not write.
    let r = t
        .call(
            "DELETE",
            &format!("{url}/{e}"),
            Some(&t.reader.clone()),
            None,
        )
        .await;
    r.graph_error(403, "Forbidden");
}

/// The device checks in and reports its one action's outcome.
async fn check_in_and_report(t: &TestApp, d: &str, outcome: &str) {
    let r = t.admin_check_in(d).await.ok(200).clone();
    let action = &r["actions"][0];
    let mut body =
        json!({"poolId": action["poolId"], "iccid": action["iccid"], "outcome": outcome});
    if outcome == "failed" {
        body["detail"] = json!("no signal");
    }
    t.admin("POST", &format!("/api/mdm/devices/{d}/outcome"), Some(body))
        .await
        .ok(204);
}

/// `@odata.nextLink` behind a reverse proxy: built from `Forwarded` (RFC 7239), else
/// `X-Forwarded-Proto`/`-Host`, else `Host`; `--public-url` wins over all of them, and
/// `--ignore-forwarded-headers` turns them off. They shape the link only: a request with
/// them and no token is still a 401.
#[tokio::test]
async fn next_link_behind_a_proxy() {
    use axum::body::Body;
    use axum::http::Request;
    async fn link(t: &TestApp, headers: &[(&str, &str)]) -> String {
        let mut b = Request::builder()
            .uri("/v1.0/groups?$top=1")
            .header("authorization", format!("Bearer {}", t.admin));
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let r = t.send(b.body(Body::empty()).unwrap()).await;
        r.ok(200)["@odata.nextLink"]
            .as_str()
            .unwrap()
            .split('?')
            .next()
            .unwrap()
            .to_owned()
    }
    let t = TestApp::new(Backend::Sqlite).await;
    t.group("A").await;
    t.group("B").await;
    let host = ("host", "10.1.2.3:8080");
    assert_eq!(link(&t, &[host]).await, "http://10.1.2.3:8080/v1.0/groups");
    assert_eq!(
        link(
            &t,
            &[
                host,
                (
                    "forwarded",
                    "for=198.51.100.7;proto=https;host=esim.example.com"
                ),
                ("x-forwarded-host", "other.example.com"),
            ]
        )
        .await,
        "https://esim.example.com/v1.0/groups"
    );
    assert_eq!(
        link(
            &t,
            &[
                host,
                ("x-forwarded-proto", "https"),
                ("x-forwarded-host", "console.example.org:8443")
            ]
        )
        .await,
        "https://console.example.org:8443/v1.0/groups"
    );
    // Not a plain host: ignored.
    assert_eq!(
        link(&t, &[host, ("x-forwarded-host", "evil.example/x?y=")]).await,
        "http://10.1.2.3:8080/v1.0/groups"
    );
    // Links only, never access.
    let r = t
        .send(
            Request::builder()
                .uri("/v1.0/groups")
                .header("forwarded", "for=127.0.0.1;proto=https;host=localhost")
                .header("x-forwarded-for", "127.0.0.1")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    r.graph_error(401, "InvalidAuthenticationToken");

    let fixed = TestApp::with_config(
        Backend::Sqlite,
        esim_server::Config {
            public_url: Some("https://esim.example.net/".into()),
            ..Default::default()
        },
    )
    .await;
    fixed.group("A").await;
    fixed.group("B").await;
    assert_eq!(
        link(&fixed, &[host, ("x-forwarded-host", "other.example.com")]).await,
        "https://esim.example.net/v1.0/groups"
    );
    let ignoring = TestApp::with_config(
        Backend::Sqlite,
        esim_server::Config {
            forwarded_headers: false,
            ..Default::default()
        },
    )
    .await;
    ignoring.group("A").await;
    ignoring.group("B").await;
    assert_eq!(
        link(
            &ignoring,
            &[
                host,
                ("x-forwarded-proto", "https"),
                ("x-forwarded-host", "other.example.com")
            ]
        )
        .await,
        "http://10.1.2.3:8080/v1.0/groups"
    );
}
