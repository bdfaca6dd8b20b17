//! The HTTP suite, in process (`oneshot`, no socket), on SQLite and on PostgreSQL: every
//! route, the error statuses and Graph's error body, paging, roles, hostile input.

mod support;

use esim_server::auth::{create_token, revoke_token, Role};
use esim_server::Config;
use serde_json::{json, Value};
use support::{codes, csv, exclude, iccid, include, Backend, TestApp, POOLS};

on_both!(
    pools_lifecycle,
    raw_import_and_findings,
    import_returns_warnings,
    json_create_rules,
    distribution,
    scoped_targeting,
    roles,
    hostile_input,
    directory_and_audit,
    audit_in_the_same_transaction,
    openapi_matches_router,
    pool_extras,
    token_routes,
    retargeted_while_removing,
);

async fn pools_lifecycle(b: Backend) {
    let t = TestApp::new(b).await;
    assert_eq!(
        t.admin("GET", POOLS, None).await.ok(200),
        &json!({"value": []})
    );
    let p = t
        .create_pool("First pool.csv", "smdp.example.com", 0, 3)
        .await;
    assert_eq!(
        p["@odata.type"],
        "#microsoft.graph.embeddedSIMActivationCodePool"
    );
    assert_eq!(p["activationCodeCount"], 3);
    assert!(p.get("activationCodes").is_none(), "codes are write-only");
    let id = p["id"].as_str().unwrap().to_owned();
    for i in 1..5 {
        t.create_pool(
            &format!("Pool {i}"),
            &format!("smdp{i}.example.com"),
            i * 100,
            1,
        )
        .await;
    }
    // Paging: 5 pools, 2 per page, the next link followed unchanged.
    let mut seen = Vec::new();
    let mut url = format!("{POOLS}?$top=2");
    loop {
        let page = t.get(&url).await;
        for v in page["value"].as_array().unwrap() {
            seen.push(v["id"].as_str().unwrap().to_owned());
        }
        match page["@odata.nextLink"].as_str() {
            Some(next) => url = next.trim_start_matches("http://localhost").to_owned(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    assert_eq!(seen[0], id);
    t.admin("GET", &format!("{POOLS}?$top=0"), None)
        .await
        .graph_error(400, "BadRequest");
    t.admin("GET", &format!("{POOLS}?$top=x"), None)
        .await
        .graph_error(400, "BadRequest");

    let got = t.get(&format!("{POOLS}/{id}")).await;
    assert_eq!(got, p);
    let renamed = t
        .patch(&format!("{POOLS}/{id}"), json!({"displayName": "Renamed"}))
        .await;
    assert_eq!(renamed["displayName"], "Renamed");
    let added = t
        .admin(
            "POST",
            &format!("{POOLS}/{id}/addActivationCodes"),
            Some(json!({"activationCodes": codes("SMDP.example.com", 10, 2)})),
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(added["activationCodeCount"], 5);
    // Another operator's codes cannot join the pool.
    let e = t
        .admin(
            "POST",
            &format!("{POOLS}/{id}/addActivationCodes"),
            Some(json!({"activationCodes": codes("other.example.com", 20, 1)})),
        )
        .await;
    assert_eq!(
        e.graph_error(422, "invalidActivationCodes")["details"][0]["code"],
        "second-smdp"
    );
    t.delete(&format!("{POOLS}/{id}")).await;
    t.admin("GET", &format!("{POOLS}/{id}"), None)
        .await
        .graph_error(404, "ResourceNotFound");
    t.admin("DELETE", &format!("{POOLS}/{id}"), None)
        .await
        .graph_error(404, "ResourceNotFound");
    t.admin(
        "PATCH",
        &format!("{POOLS}/{id}"),
        Some(json!({"displayName": "x"})),
    )
    .await
    .graph_error(404, "ResourceNotFound");
    t.admin(
        "POST",
        &format!("{POOLS}/{id}/addActivationCodes"),
        Some(json!({"activationCodes": codes("smdp.example.com", 30, 1)})),
    )
    .await
    .graph_error(404, "ResourceNotFound");
    // Unused codes of a deleted pool are free again.
    t.create_pool("Again", "smdp.example.com", 0, 3).await;
}

/// A raw import that succeeds returns the file's warnings beside the pool, with
/// `smdp-pool-exists` first when another pool has the address.
async fn import_returns_warnings(b: Backend) {
    let t = TestApp::new(b).await;
    let admin = t.admin.clone();
    let codes_of = |v: &serde_json::Value| -> Vec<String> {
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["code"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = t
        .raw(
            "/api/pools/import?fileName=a.csv",
            &admin,
            "text/csv",
            csv("smdp.example.com", 0, 2),
        )
        .await
        .ok(201)
        .clone();
    assert_eq!(first["warnings"], json!([]));
    assert_eq!(first["activationCodeCount"], 2);
    let id = first["id"].as_str().unwrap().to_owned();
    let second = t
        .raw(
            "/api/pools/import?fileName=b.csv",
            &admin,
            "text/csv",
            format!("{}\n\n", csv("SMDP.example.com", 10, 2)),
        )
        .await
        .ok(201)
        .clone();
    assert_eq!(
        codes_of(&second),
        ["smdp-pool-exists", "trailing-blank-lines"]
    );
    let w = &second["warnings"][0];
    assert_eq!(
        (
            w["severity"].clone(),
            w["target"].clone(),
            w["line"].clone()
        ),
        (json!("warning"), json!("b.csv"), json!(1))
    );
    assert!(w["message"].as_str().unwrap().contains("a.csv"), "{w}");
    let added = t
        .raw(
            &format!("/api/pools/{id}/import?fileName=c.csv"),
            &admin,
            "text/csv",
            format!("{}\n\n", csv("smdp.example.com", 20, 2)),
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(added["activationCodeCount"], 4);
    assert_eq!(codes_of(&added), ["trailing-blank-lines"]);
}

async fn raw_import_and_findings(b: Backend) {
    let t = TestApp::new(b).await;
    let admin = t.admin.clone();
    let file = csv("smdp.example.com", 0, 4);
    let p = t
        .raw(
            "/api/pools/import?fileName=UnlimitedDataSkynet.csv",
            &admin,
            "text/csv",
            file.clone(),
        )
        .await
        .ok(201)
        .clone();
    assert_eq!(p["displayName"], "UnlimitedDataSkynet.csv");
    assert_eq!(p["activationCodeCount"], 4);
    let id = p["id"].as_str().unwrap().to_owned();
    // The same file again: every ICCID is known, on its line, naming the pool.
    let again = t
        .raw(
            "/api/pools/import?fileName=b.csv&displayName=Other",
            &admin,
            "text/csv",
            file,
        )
        .await;
    let e = again.graph_error(422, "invalidActivationCodes");
    let d = e["details"].as_array().unwrap();
    assert_eq!(d.len(), 4);
    assert_eq!(d[0]["code"], "iccid-already-imported");
    assert_eq!(
        (d[0]["line"].clone(), d[0]["column"].clone()),
        (json!(2), json!(1))
    );
    assert!(d[0]["message"]
        .as_str()
        .unwrap()
        .contains("UnlimitedDataSkynet.csv"));
    // A bad file: every finding with severity, line and column; nothing stored.
    let bad = format!(
        "smdp.example.com\n{},ABC\n894600000000014,ABCD\n{},abc-1\n",
        iccid(50),
        iccid(51)
    );
    let r = t
        .raw(
            "/api/pools/import?fileName=bad.csv",
            &admin,
            "text/csv",
            bad,
        )
        .await;
    let e = r.graph_error(422, "invalidActivationCodes");
    let d = e["details"].as_array().unwrap();
    let codes: Vec<&str> = d.iter().map(|x| x["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["iccid-length", "matching-id-lowercase"], "{d:?}");
    assert_eq!(d[0]["severity"], "error");
    assert_eq!(d[0]["line"], 3);
    assert_eq!(d[0]["column"], 1);
    assert_eq!(d[1]["severity"], "warning");
    assert_eq!(t.count("SELECT COUNT(*) FROM pools").await, 1);
    assert_eq!(t.count("SELECT COUNT(*) FROM codes").await, 4);
    // Swedish on request.
    let sv = t
        .send(
            axum::http::Request::post("/api/pools/import?fileName=x.txt")
                .header("authorization", format!("Bearer {admin}"))
                .header("accept-language", "sv-SE,en;q=0.5")
                .body(axum::body::Body::from(csv("smdp.example.com", 60, 1)))
                .unwrap(),
        )
        .await;
    let e = sv.graph_error(422, "invalidActivationCodes");
    assert_eq!(e["details"][0]["code"], "file-extension");
    assert!(e["details"][0]["message"]
        .as_str()
        .unwrap()
        .contains("Filnamnet"));
    // A file name is required.
    t.raw("/api/pools/import", &admin, "text/csv", "x")
        .await
        .graph_error(400, "BadRequest");
    // Adding a file's codes to the pool; another operator's file is refused.
    let more = t
        .raw(
            &format!("/api/pools/{id}/import?fileName=more.csv"),
            &admin,
            "text/csv",
            csv("smdp.example.com", 70, 2),
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(more["activationCodeCount"], 6);
    let other = t
        .raw(
            &format!("/api/pools/{id}/import?fileName=o.csv"),
            &admin,
            "text/csv",
            csv("other.example.com", 80, 2),
        )
        .await;
    assert_eq!(
        other.graph_error(422, "invalidActivationCodes")["details"][0]["code"],
        "second-smdp"
    );
    t.raw(
        "/api/pools/nope/import?fileName=o.csv",
        &admin,
        "text/csv",
        csv("smdp.example.com", 90, 1),
    )
    .await
    .graph_error(404, "ResourceNotFound");
    // The pre-upload check.
    let check = t
        .admin("POST", "/api/pools/check", Some(json!({"iccids": [iccid(0), iccid(999)], "smdpPlusServerAddress": "SMDP.example.com"})))
        .await
        .ok(200)
        .clone();
    assert_eq!(check["alreadyImported"].as_array().unwrap().len(), 1);
    assert_eq!(check["alreadyImported"][0]["poolId"], id.as_str());
    assert_eq!(check["alreadyImported"][0]["delivered"], false);
    assert_eq!(check["smdpPool"]["id"], id.as_str());
    let too_many: Vec<String> = (0..1001).map(iccid).collect();
    t.admin(
        "POST",
        "/api/pools/check",
        Some(json!({"iccids": too_many})),
    )
    .await
    .graph_error(400, "BadRequest");
}

async fn json_create_rules(b: Backend) {
    let t = TestApp::new(b).await;
    let mut list = codes("smdp.example.com", 0, 20);
    list[17]["integratedCircuitCardIdentifier"] = json!("894600000000014");
    list[3]["matchingIdentifier"] = json!("BAD_ID");
    list[5]["integratedCircuitCardIdentifier"] = list[4]["integratedCircuitCardIdentifier"].clone();
    list[6]["smdpPlusServerAddress"] = json!("https://smdp.example.com/x");
    let r = t
        .admin(
            "POST",
            POOLS,
            Some(json!({"displayName": "x", "activationCodes": list})),
        )
        .await;
    let e = r.graph_error(422, "invalidActivationCodes");
    let targets: Vec<(String, String)> = e["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().into(),
                d["target"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want = [
        (
            "matching-id-format",
            "activationCodes[3].matchingIdentifier",
        ),
        (
            "iccid-duplicate",
            "activationCodes[5].integratedCircuitCardIdentifier",
        ),
        ("smdp-scheme", "activationCodes[6].smdpPlusServerAddress"),
        (
            "iccid-length",
            "activationCodes[17].integratedCircuitCardIdentifier",
        ),
    ];
    for (code, target) in want {
        assert!(
            targets.contains(&(code.into(), target.into())),
            "{code} {target} in {targets:?}"
        );
    }
    assert!(e["details"][0].get("line").is_none(), "no line for JSON");
    let over = codes("smdp.example.com", 0, 1001);
    let r = t
        .admin(
            "POST",
            POOLS,
            Some(json!({"displayName": "x", "activationCodes": over})),
        )
        .await;
    assert_eq!(
        r.graph_error(422, "invalidActivationCodes")["details"][0]["code"],
        "too-many-codes"
    );
    let r = t
        .admin(
            "POST",
            POOLS,
            Some(json!({"displayName": "x", "activationCodes": []})),
        )
        .await;
    assert_eq!(
        r.graph_error(422, "invalidActivationCodes")["details"][0]["code"],
        "no-codes"
    );
    let mut two = codes("smdp.example.com", 0, 2);
    two[1]["smdpPlusServerAddress"] = json!("other.example.com");
    let r = t
        .admin(
            "POST",
            POOLS,
            Some(json!({"displayName": "x", "activationCodes": two})),
        )
        .await;
    assert_eq!(
        r.graph_error(422, "invalidActivationCodes")["details"][0]["code"],
        "second-smdp"
    );
    // The validator's messages, in the request's language: a repeated ICCID and another
    // operator name the earlier code.
    let mut mixed = codes("smdp.example.com", 0, 3);
    mixed[1]["integratedCircuitCardIdentifier"] =
        mixed[0]["integratedCircuitCardIdentifier"].clone();
    mixed[2]["smdpPlusServerAddress"] = json!("other.example.com");
    for (lang, duplicate, second) in [
        (
            "en-GB",
            "is also activationCodes[0]; each code may be used once.",
            "differs from \"smdp.example.com\" of activationCodes[0]; one pool holds the codes of one operator.",
        ),
        (
            "sv-SE,en;q=0.5",
            "finns också i activationCodes[0]; varje kod får användas en gång.",
            "skiljer sig från \"smdp.example.com\" i activationCodes[0]; en pool innehåller en operatörs koder.",
        ),
    ] {
        let body = json!({"displayName": "x", "activationCodes": mixed});
        let r = t
            .send(
                axum::http::Request::post(POOLS)
                    .header("authorization", format!("Bearer {}", t.admin))
                    .header("content-type", "application/json")
                    .header("accept-language", lang)
                    .body(axum::body::Body::from(body.to_string()))
                    .unwrap(),
            )
            .await;
        let e = r.graph_error(422, "invalidActivationCodes");
        let d = e["details"].as_array().unwrap();
        let found: Vec<(&str, &str)> = d
            .iter()
            .map(|x| (x["code"].as_str().unwrap(), x["target"].as_str().unwrap()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "iccid-duplicate",
                    "activationCodes[1].integratedCircuitCardIdentifier"
                ),
                ("second-smdp", "activationCodes[2].smdpPlusServerAddress"),
            ],
            "{lang}"
        );
        assert!(d[0]["message"].as_str().unwrap().ends_with(duplicate), "{lang}: {d:?}");
        assert!(d[1]["message"].as_str().unwrap().ends_with(second), "{lang}: {d:?}");
        assert!(d[0].get("line").is_none());
    }
    // Exactly 1,000 is fine; @odata.type without '#' or absent is fine.
    let ok = t
        .admin("POST", POOLS, Some(json!({"@odata.type": "microsoft.graph.embeddedSIMActivationCodePool", "displayName": "Big", "activationCodes": codes("smdp.example.com", 0, 1000)})))
        .await;
    assert_eq!(ok.ok(201)["activationCodeCount"], 1000);
    assert_eq!(t.count("SELECT COUNT(*) FROM pools").await, 1);
}

/// This server's extras on every pool it returns: the SM-DP+ address, the used codes, the
/// included and excluded groups, and the device states counted by the console's labels.
async fn pool_extras(b: Backend) {
    let t = TestApp::new(b).await;
    let p = t.create_pool("Extras", "SMDP.Example.com", 0, 6).await;
    let pool = p["id"].as_str().unwrap().to_owned();
    let zero = json!({"notSynced": 0, "pending": 0, "active": 0, "failed": 0, "removed": 0});
    assert_eq!(p["smdpPlusServerAddress"], "smdp.example.com");
    assert_eq!(p["usedActivationCodeCount"], 0);
    assert_eq!(p["includedGroupCount"], 0);
    assert_eq!(p["excludedGroupCount"], 0);
    assert_eq!(p["deviceStateSummary"], zero);
    let other = t.create_pool("Other", "other.example.com", 100, 2).await;
    let (g, dev) = setup_fleet(&t, 6).await;
    let group = |name: &str| {
        let t = &t;
        let name = name.to_owned();
        async move { t.group(&name).await }
    };
    let (empty, ex) = (group("Empty").await, group("Excluded").await);
    t.add_member(&ex, &dev[3]).await;
    t.assign(&pool, json!([include(&g), include(&empty), exclude(&ex)]))
        .await;
    // dev0 installs, dev1 fails, dev2 stays pending, dev3 is excluded, dev4 never checks
    // in, dev5 installs and then leaves the group (removed).
    let mut iccid = Vec::new();
    for (i, d) in dev.iter().enumerate() {
        if i == 4 {
            iccid.push(None);
            continue;
        }
        let r = t.admin_check_in(d).await.ok(200).clone();
        iccid.push(r["actions"][0]["iccid"].as_str().map(str::to_owned));
    }
    let report = |i: usize, outcome: &str| {
        let (t, d, pool) = (&t, dev[i].clone(), pool.clone());
        let body = json!({"poolId": pool, "iccid": iccid[i].clone().unwrap(), "outcome": outcome});
        async move {
            t.admin("POST", &format!("/api/mdm/devices/{d}/outcome"), Some(body))
                .await
                .ok(204);
        }
    };
    // A check-in records its time on the device and on its states.
    for (i, synced) in [(0, true), (4, false)] {
        let d = t.get(&format!("/v1.0/devices/{}", dev[i])).await;
        assert_eq!(d["lastSyncDateTime"].is_string(), synced, "{d}");
        let s = t
            .get(&format!("{POOLS}/{pool}/deviceStates/{}", dev[i]))
            .await;
        assert_eq!(s["lastSyncDateTime"], d["lastSyncDateTime"], "{s}");
    }
    report(0, "installed").await;
    report(1, "failed").await;
    report(5, "installed").await;
    t.delete(&format!("/v1.0/groups/{g}/members/{}/$ref", dev[5]))
        .await;
    let removal = t.admin_check_in(&dev[5]).await.ok(200).clone();
    assert_eq!(removal["actions"][0]["action"], "remove");
    report(5, "removed").await;
    let want = json!({"notSynced": 1, "pending": 1, "active": 1, "failed": 1, "removed": 1});
    let check = |p: &Value, codes: i64| {
        assert_eq!(p["id"], pool.as_str(), "{p}");
        assert_eq!(p["activationCodeCount"], codes, "{p}");
        assert_eq!(p["smdpPlusServerAddress"], "smdp.example.com", "{p}");
        assert_eq!(p["usedActivationCodeCount"], 4, "{p}");
        assert_eq!(p["includedGroupCount"], 2, "{p}");
        assert_eq!(p["excludedGroupCount"], 1, "{p}");
        assert_eq!(p["deviceStateSummary"], want, "{p}");
    };
    // Get, list (both pools on one page, and one pool a page), rename, add codes, and the
    // pre-upload check's pool.
    check(
        t.admin("GET", &format!("{POOLS}/{pool}"), None)
            .await
            .ok(200),
        6,
    );
    let list = t.get(POOLS).await;
    check(&list["value"][0], 6);
    let o = &list["value"][1];
    assert_eq!(o["id"], other["id"]);
    assert_eq!(o["smdpPlusServerAddress"], "other.example.com");
    assert_eq!(o["usedActivationCodeCount"], 0);
    assert_eq!(o["includedGroupCount"], 0);
    assert_eq!(o["excludedGroupCount"], 0);
    assert_eq!(o["deviceStateSummary"], zero);
    check(
        &t.admin("GET", &format!("{POOLS}?$top=1"), None)
            .await
            .ok(200)["value"][0],
        6,
    );
    check(
        t.admin(
            "PATCH",
            &format!("{POOLS}/{pool}"),
            Some(json!({"displayName": "Renamed"})),
        )
        .await
        .ok(200),
        6,
    );
    check(
        t.admin(
            "POST",
            &format!("{POOLS}/{pool}/addActivationCodes"),
            Some(json!({"activationCodes": codes("smdp.example.com", 50, 1)})),
        )
        .await
        .ok(200),
        7,
    );
    check(
        &t.admin(
            "POST",
            "/api/pools/check",
            Some(json!({"iccids": [], "smdpPlusServerAddress": "smdp.example.com"})),
        )
        .await
        .ok(200)["smdpPool"],
        7,
    );
    let imported = t
        .raw(
            &format!("/api/pools/{pool}/import?fileName=more.csv"),
            &t.admin.clone(),
            "text/csv",
            csv("smdp.example.com", 60, 1),
        )
        .await;
    check(imported.ok(200), 8);
}

async fn setup_fleet(t: &TestApp, devices: usize) -> (String, Vec<String>) {
    let g = t.group("Fleet").await;
    let mut ids = Vec::new();
    for i in 0..devices {
        let d = t.create("/v1.0/devices", json!({"displayName": format!("Phone {i}"), "userName": "Anna", "operatingSystem": "iOS"})).await;
        t.add_member(
            &g,
            &format!("https://graph.microsoft.com/v1.0/directoryObjects/{d}"),
        )
        .await;
        ids.push(d);
    }
    (g, ids)
}

/// The targeting refresh after a change looks at one pool (assignments) or one device
/// (membership, retirement); the states of the others stay as they were, and the changed
/// ones follow the rule, exclusions included.
async fn scoped_targeting(b: Backend) {
    let t = TestApp::new(b).await;
    let (g, dev) = setup_fleet(&t, 2).await;
    let h = t.group("Excluded").await;
    let a = t.pool("A", "a.example.com", 0, 2).await;
    let p = t.pool("B", "b.example.com", 10, 2).await;
    t.assign(&a, json!([include(&g), exclude(&h)])).await;
    t.assign(&p, json!([include(&g)])).await;
    // The audit log says what was assigned in words (never "1 assignment(s)").
    let audit = t.get("/api/auditEntries?$top=1000").await;
    let mut details: Vec<&str> = audit["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "pool.assign")
        .map(|e| e["detail"].as_str().unwrap_or_default())
        .collect();
    details.sort_unstable();
    assert_eq!(details, ["1 assignment", "2 assignments"], "{audit}");
    let states = |t: &TestApp| {
        let pool = t.db.pool.clone();
        async move {
            let mut rows: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT pool_id, device_id, state FROM device_states ORDER BY pool_id, device_id",
            )
            .fetch_all(&pool)
            .await
            .unwrap();
            rows.sort();
            rows
        }
    };
    let mut want = vec![
        (a.clone(), dev[0].clone(), "notEvaluated".to_owned()),
        (a.clone(), dev[1].clone(), "notEvaluated".to_owned()),
        (p.clone(), dev[0].clone(), "notEvaluated".to_owned()),
        (p.clone(), dev[1].clone(), "notEvaluated".to_owned()),
    ];
    want.sort();
    assert_eq!(states(&t).await, want);
    // dev[1] joins the group excluded from A: it loses A only.
    t.add_member(&h, &dev[1]).await;
    want.retain(|(pool, d, _)| !(pool == &a && d == &dev[1]));
    assert_eq!(states(&t).await, want);
    // B's assignments go: B's states go, A's stay.
    t.assign(&p, json!([])).await;
    want.retain(|(pool, _, _)| pool != &p);
    assert_eq!(states(&t).await, want);
    // dev[1] leaves the excluded group: A targets it again.
    t.delete(&format!("/v1.0/groups/{h}/members/{}/$ref", dev[1]))
        .await;
    want.push((a.clone(), dev[1].clone(), "notEvaluated".to_owned()));
    want.sort();
    assert_eq!(states(&t).await, want);
    // dev[0] retired: its A state goes, dev[1]'s stays.
    t.admin("POST", &format!("/v1.0/devices/{}/retire", dev[0]), None)
        .await
        .ok(200);
    want.retain(|(_, d, _)| d != &dev[0]);
    assert_eq!(states(&t).await, want);
}

async fn distribution(b: Backend) {
    let t = TestApp::new(b).await;
    let pool = t.pool("P", "smdp.example.com", 0, 2).await;
    let (g, dev) = setup_fleet(&t, 4).await;
    let ex = t.group("Excluded").await;
    t.add_member(&ex, &dev[3]).await;
    let assigned = t.assign(&pool, json!([include(&g), exclude(&ex)])).await;
    assert_eq!(assigned["value"].as_array().unwrap().len(), 2);
    let a_id = assigned["value"][1]["id"].as_str().unwrap().to_owned();
    let listed = t.get(&format!("{POOLS}/{pool}/assignments")).await;
    assert_eq!(listed["value"].as_array().unwrap().len(), 2);
    t.admin("GET", &format!("{POOLS}/{pool}/assignments/{a_id}"), None)
        .await
        .ok(200);
    t.admin("GET", &format!("{POOLS}/{pool}/assignments/nope"), None)
        .await
        .graph_error(404, "ResourceNotFound");
    // Targeted devices are notEvaluated before they check in; the excluded one has no state.
    let states = t.get(&format!("{POOLS}/{pool}/deviceStates?$top=2")).await;
    assert_eq!(states["value"].as_array().unwrap().len(), 2);
    assert!(states["@odata.nextLink"].as_str().is_some());
    assert_eq!(states["value"][0]["state"], "notEvaluated");
    assert_eq!(states["value"][0]["deviceName"], "Phone 0");
    t.admin(
        "GET",
        &format!("{POOLS}/{pool}/deviceStates/{}", dev[3]),
        None,
    )
    .await
    .graph_error(404, "ResourceNotFound");
    // Check-ins: two codes for three targeted devices.
    let mut installs = Vec::new();
    for d in &dev[..3] {
        let r = t.admin_check_in(d).await.ok(200).clone();
        installs.push(r["actions"].clone());
    }
    assert_eq!(installs[0][0]["action"], "install");
    assert!(installs[0][0]["activationCode"]
        .as_str()
        .unwrap()
        .starts_with("LPA:1$smdp.example.com$MATCH-"));
    assert_ne!(installs[0][0]["iccid"], installs[1][0]["iccid"]);
    assert_eq!(installs[2], json!([]));
    let s2 = t
        .get(&format!("{POOLS}/{pool}/deviceStates/{}", dev[2]))
        .await;
    assert_eq!(s2["state"], "failed");
    assert_eq!(s2["stateDetails"], esim_server::mdm::EXHAUSTED);
    // The excluded device gets nothing.
    assert_eq!(
        t.admin_check_in(&dev[3]).await.ok(200)["actions"],
        json!([])
    );
    // A pending install is sent again until its outcome arrives.
    let again = t.admin_check_in(&dev[0]).await.ok(200).clone();
    assert_eq!(again["actions"], installs[0]);
    let iccid0 = installs[0][0]["iccid"].as_str().unwrap().to_owned();
    let iccid1 = installs[1][0]["iccid"].as_str().unwrap().to_owned();
    t.outcome(
        &dev[0],
        json!({"poolId": pool, "iccid": iccid0, "outcome": "installed"}),
    )
    .await
    .ok(204);
    t.outcome(
        &dev[0],
        json!({"poolId": pool, "iccid": iccid0, "outcome": "installed"}),
    )
    .await
    .graph_error(409, "Conflict");
    t.outcome(
        &dev[1],
        json!({"poolId": pool, "iccid": iccid1, "outcome": "failed", "detail": "SM-DP+ refused"}),
    )
    .await
    .ok(204);
    t.admin(
        "POST",
        &format!("/api/mdm/devices/{}/cellularStatus", dev[0]),
        Some(json!({"iccid": iccid0, "status": "active"})),
    )
    .await
    .ok(204);
    t.admin(
        "POST",
        &format!("/api/mdm/devices/{}/cellularStatus", dev[1]),
        Some(json!({"iccid": iccid0, "status": "x"})),
    )
    .await
    .graph_error(404, "ResourceNotFound");
    let s0 = t
        .get(&format!("{POOLS}/{pool}/deviceStates/{}", dev[0]))
        .await;
    assert_eq!(
        (
            s0["state"].clone(),
            s0["cellularStatus"].clone(),
            s0["iccid"].clone()
        ),
        (json!("installed"), json!("active"), json!(iccid0))
    );
    assert!(s0["lastSyncDateTime"].as_str().is_some());
    // Retry of a failed install: a new code (add one first), the old one stays used.
    t.admin(
        "POST",
        &format!("{POOLS}/{pool}/deviceStates/{}/retry", dev[0]),
        None,
    )
    .await
    .graph_error(409, "Conflict");
    t.admin(
        "POST",
        &format!("{POOLS}/{pool}/addActivationCodes"),
        Some(json!({"activationCodes": codes("smdp.example.com", 10, 1)})),
    )
    .await
    .ok(200);
    let retried = t
        .admin(
            "POST",
            &format!("{POOLS}/{pool}/deviceStates/{}/retry", dev[1]),
            None,
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(retried["state"], "notEvaluated");
    let r = t.admin_check_in(&dev[1]).await.ok(200).clone();
    assert_eq!(r["actions"][0]["iccid"], iccid(10));
    // Leaving the group removes the profile at the next check-in: deleting, then deleted.
    t.delete(&format!("/v1.0/groups/{g}/members/{}/$ref", dev[0]))
        .await;
    t.admin(
        "DELETE",
        &format!("/v1.0/groups/{g}/members/{}/$ref", dev[0]),
        None,
    )
    .await
    .graph_error(404, "ResourceNotFound");
    let r = t.admin_check_in(&dev[0]).await.ok(200).clone();
    assert_eq!(
        r["actions"],
        json!([{"action": "remove", "poolId": pool, "iccid": iccid0}])
    );
    let s = t
        .get(&format!("{POOLS}/{pool}/deviceStates/{}", dev[0]))
        .await;
    assert_eq!(s["state"], "deleting");
    t.outcome(
        &dev[0],
        json!({"poolId": pool, "iccid": iccid0, "outcome": "removed"}),
    )
    .await
    .ok(204);
    let s = t
        .get(&format!("{POOLS}/{pool}/deviceStates/{}", dev[0]))
        .await;
    assert_eq!(s["state"], "deleted");
    // Back in the group: a new code at the next check-in (the old one is used for ever).
    t.add_member(&g, &dev[0]).await;
    t.admin(
        "POST",
        &format!("{POOLS}/{pool}/addActivationCodes"),
        Some(json!({"activationCodes": codes("smdp.example.com", 11, 1)})),
    )
    .await
    .ok(200);
    let r = t.admin_check_in(&dev[0]).await.ok(200).clone();
    assert_eq!(r["actions"][0]["iccid"], iccid(11));
    // A used code cannot be imported again, even after its pool is deleted.
    t.admin("POST", &format!("/v1.0/devices/{}/retire", dev[1]), None)
        .await
        .ok(200);
    let r = t.admin_check_in(&dev[1]).await.ok(200).clone();
    assert_eq!(r["actions"][0]["action"], "remove");
    t.delete(&format!("{POOLS}/{pool}/assignments/{a_id}"))
        .await;
    t.admin(
        "DELETE",
        &format!("{POOLS}/{pool}/assignments/{a_id}"),
        None,
    )
    .await
    .graph_error(404, "ResourceNotFound");
    t.delete(&format!("{POOLS}/{pool}")).await;
    let r = t
        .admin(
            "POST",
            POOLS,
            Some(
                json!({"displayName": "Again", "activationCodes": codes("smdp.example.com", 0, 2)}),
            ),
        )
        .await;
    let e = r.graph_error(422, "invalidActivationCodes");
    assert!(
        e["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("delivered to a device"),
        "{e}"
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM deliveries").await,
        t.count("SELECT COUNT(DISTINCT iccid) FROM deliveries")
            .await
    );
    // Unknown devices and pools.
    t.admin("POST", "/api/mdm/devices/nope/checkIn", None)
        .await
        .graph_error(404, "ResourceNotFound");
    t.admin("GET", &format!("{POOLS}/nope/deviceStates"), None)
        .await
        .graph_error(404, "ResourceNotFound");
    t.admin(
        "POST",
        &format!("{POOLS}/nope/assign"),
        Some(json!({"assignments": []})),
    )
    .await
    .graph_error(404, "ResourceNotFound");
}

async fn roles(b: Backend) {
    let t = TestApp::new(b).await;
    let reader = t.reader.clone();
    let pool = t.pool("P", "smdp.example.com", 0, 1).await;
    let (_, dev) = setup_fleet(&t, 2).await;
    // Reader: reads yes, writes no.
    t.call("GET", POOLS, Some(&reader), None).await.ok(200);
    t.call("GET", &format!("{POOLS}/{pool}"), Some(&reader), None)
        .await
        .ok(200);
    t.call("GET", "/v1.0/devices", Some(&reader), None)
        .await
        .ok(200);
    t.call(
        "POST",
        "/api/pools/check",
        Some(&reader),
        Some(json!({"iccids": []})),
    )
    .await
    .ok(200);
    t.call(
        "POST",
        POOLS,
        Some(&reader),
        Some(json!({"displayName": "x", "activationCodes": codes("smdp.example.com", 5, 1)})),
    )
    .await
    .graph_error(403, "Forbidden");
    t.call("DELETE", &format!("{POOLS}/{pool}"), Some(&reader), None)
        .await
        .graph_error(403, "Forbidden");
    t.call("GET", "/api/auditEntries", Some(&reader), None)
        .await
        .graph_error(403, "Forbidden");
    t.check_in(&dev[0], Some(&reader))
        .await
        .graph_error(403, "Forbidden");
    // Device token: only its own device's routes.
    let (_, device) = create_token(&t.db, Role::Device, Some(&dev[0]), None)
        .await
        .unwrap();
    t.check_in(&dev[0], Some(&device)).await.ok(200);
    t.check_in(&dev[1], Some(&device))
        .await
        .graph_error(403, "Forbidden");
    t.call(
        "POST",
        &format!("/api/mdm/devices/{}/outcome", dev[1]),
        Some(&device),
        Some(json!({"poolId": pool, "iccid": "1", "outcome": "installed"})),
    )
    .await
    .graph_error(403, "Forbidden");
    t.call("GET", POOLS, Some(&device), None)
        .await
        .graph_error(403, "Forbidden");
    t.call("GET", "/v1.0/devices", Some(&device), None)
        .await
        .graph_error(403, "Forbidden");
    // No token, a wrong token, a revoked token: 401, except the public routes.
    let r = t.call("GET", POOLS, None, None).await;
    r.graph_error(401, "InvalidAuthenticationToken");
    assert_eq!(r.headers["www-authenticate"], "Bearer");
    t.call("GET", POOLS, Some("esim_wrong"), None)
        .await
        .graph_error(401, "InvalidAuthenticationToken");
    let (rid, revoked) = create_token(&t.db, Role::Admin, None, None).await.unwrap();
    t.call("GET", POOLS, Some(&revoked), None).await.ok(200);
    assert!(revoke_token(&t.db, &rid).await.unwrap());
    t.call("GET", POOLS, Some(&revoked), None)
        .await
        .graph_error(401, "InvalidAuthenticationToken");
    t.check_in(&dev[0], None)
        .await
        .graph_error(401, "InvalidAuthenticationToken");
    assert_eq!(
        t.call("GET", "/healthz", None, None).await.ok(200)["status"],
        "live"
    );
    assert_eq!(
        t.call("GET", "/readyz", None, None).await.ok(200)["status"],
        "ready"
    );
    assert_eq!(
        t.call("GET", "/openapi.json", None, None).await.ok(200)["openapi"],
        "3.1.0"
    );
    // Tokens are stored hashed.
    let stored = t
        .count(&format!(
            "SELECT COUNT(*) FROM tokens WHERE hash = '{}'",
            esim_server::util::token_hash(&t.admin)
        ))
        .await;
    assert_eq!(stored, 1);
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM tokens WHERE hash = '{}'",
            t.admin
        ))
        .await,
        0
    );
}

async fn hostile_input(b: Backend) {
    let t = TestApp::new(b).await;
    let admin = t.admin.clone();
    let bad_json = t
        .raw(POOLS, &admin, "application/json", "{\"displayName\": ")
        .await;
    assert!(bad_json.graph_error(400, "BadRequest")["message"]
        .as_str()
        .unwrap()
        .contains("not valid JSON"));
    let wrong = t
        .raw(
            POOLS,
            &admin,
            "application/json",
            r#"{"displayName": 5, "activationCodes": []}"#,
        )
        .await;
    assert!(wrong.graph_error(400, "BadRequest")["message"]
        .as_str()
        .unwrap()
        .contains("displayName"));
    let wrong = t.raw(POOLS, &admin, "application/json", r#"{"displayName": "x", "activationCodes": [{"integratedCircuitCardIdentifier": 8946000000000000014, "matchingIdentifier": "A", "smdpPlusServerAddress": "smdp.example.com"}]}"#).await;
    wrong.graph_error(400, "BadRequest");
    t.raw(POOLS, &admin, "text/plain", "{}")
        .await
        .graph_error(415, "UnsupportedMediaType");
    let huge = format!(
        "{{\"displayName\": \"{}\", \"activationCodes\": []}}",
        "a".repeat(2 * 1024 * 1024)
    );
    t.raw(POOLS, &admin, "application/json", huge)
        .await
        .graph_error(413, "RequestEntityTooLarge");
    let huge_csv = "x".repeat(2 * 1024 * 1024);
    t.raw(
        "/api/pools/import?fileName=a.csv",
        &admin,
        "text/csv",
        huge_csv,
    )
    .await
    .graph_error(413, "RequestEntityTooLarge");
    let r = t
        .admin("POST", POOLS, Some(json!({"@odata.type": "#microsoft.graph.user", "displayName": "x", "activationCodes": codes("smdp.example.com", 0, 1)})))
        .await;
    assert!(r.graph_error(400, "BadRequest")["message"]
        .as_str()
        .unwrap()
        .contains("#microsoft.graph.user"));
    for name in [
        "<script>alert(1)</script>",
        "x'; DROP TABLE pools; --",
        "a\u{0}b",
        "",
        "   ",
        &"n".repeat(129),
    ] {
        t.admin(
            "POST",
            POOLS,
            Some(json!({"displayName": name, "activationCodes": codes("smdp.example.com", 0, 1)})),
        )
        .await
        .graph_error(400, "BadRequest");
        t.admin("POST", "/v1.0/groups", Some(json!({"displayName": name})))
            .await
            .graph_error(400, "BadRequest");
        t.admin("POST", "/v1.0/devices", Some(json!({"displayName": name})))
            .await
            .graph_error(400, "BadRequest");
    }
    let r = t
        .raw(
            "/api/pools/import?fileName=%3Cscript%3E.csv",
            &admin,
            "text/csv",
            csv("smdp.example.com", 0, 1),
        )
        .await;
    r.graph_error(400, "BadRequest");
    let pool = t.pool("P", "smdp.example.com", 0, 1).await;
    let g = t.group("G").await;
    for target in [
        json!({"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}),
        json!({"@odata.type": "#microsoft.graph.allLicensedUsersAssignmentTarget"}),
        json!({"groupId": g}),
        json!({"@odata.type": "#microsoft.graph.groupAssignmentTarget"}),
    ] {
        let r = t
            .admin(
                "POST",
                &format!("{POOLS}/{pool}/assign"),
                Some(json!({"assignments": [{"target": target}]})),
            )
            .await;
        r.graph_error(400, "BadRequest");
    }
    t.admin(
        "POST",
        &format!("{POOLS}/{pool}/assign"),
        Some(json!({"assignments": [include("nope")]})),
    )
    .await
    .graph_error(400, "BadRequest");
    t.admin(
        "POST",
        &format!("{POOLS}/{pool}/assign"),
        Some(json!({"assignments": [
        include(&g),
        exclude(&g)]})),
    )
    .await
    .graph_error(400, "BadRequest");
    t.admin(
        "PATCH",
        &format!("{POOLS}/{pool}"),
        Some(json!({"displayName": "x", "colour": 9})),
    )
    .await
    .graph_error(400, "BadRequest");
    // Nothing stored by any of it.
    assert_eq!(t.count("SELECT COUNT(*) FROM pools").await, 1);
    assert_eq!(t.count("SELECT COUNT(*) FROM dir_groups").await, 1);
    assert_eq!(t.count("SELECT COUNT(*) FROM dir_devices").await, 0);
    assert_eq!(t.count("SELECT COUNT(*) FROM assignments").await, 0);
    // Unknown paths and methods get the same error shape.
    t.admin("GET", "/beta/nothing", None)
        .await
        .graph_error(404, "ResourceNotFound");
    t.admin("PUT", POOLS, None)
        .await
        .graph_error(405, "MethodNotAllowed");
}

async fn directory_and_audit(b: Backend) {
    let t = TestApp::new(b).await;
    let (g, dev) = setup_fleet(&t, 3).await;
    let groups = t.get("/v1.0/groups").await;
    assert_eq!(groups["value"][0]["displayName"], "Fleet");
    t.admin("GET", &format!("/v1.0/groups/{g}"), None)
        .await
        .ok(200);
    t.admin("GET", "/v1.0/groups/nope", None)
        .await
        .graph_error(404, "ResourceNotFound");
    let members = t.get(&format!("/v1.0/groups/{g}/members?$top=2")).await;
    assert_eq!(members["value"].as_array().unwrap().len(), 2);
    assert!(members["@odata.nextLink"]
        .as_str()
        .unwrap()
        .contains("$skiptoken="));
    t.admin(
        "POST",
        &format!("/v1.0/groups/{g}/members/$ref"),
        Some(json!({"@odata.id": "nope"})),
    )
    .await
    .graph_error(400, "BadRequest");
    let devices = t.get("/v1.0/devices").await;
    assert_eq!(devices["value"].as_array().unwrap().len(), 3);
    let d = t.get(&format!("/v1.0/devices/{}", dev[0])).await;
    assert_eq!(
        (d["isEsimCapable"].clone(), d["isRetired"].clone()),
        (json!(true), json!(false))
    );
    assert_eq!(
        t.admin("POST", &format!("/v1.0/devices/{}/wipe", dev[1]), None)
            .await
            .ok(200)["isRetired"],
        true
    );
    t.admin("POST", "/v1.0/devices/nope/retire", None)
        .await
        .graph_error(404, "ResourceNotFound");
    t.admin("GET", "/v1.0/devices/nope", None)
        .await
        .graph_error(404, "ResourceNotFound");
    // Editing a group.
    let edited = t
        .patch(
            &format!("/v1.0/groups/{g}"),
            json!({"description": "Field phones"}),
        )
        .await;
    assert_eq!(
        (edited["displayName"].clone(), edited["description"].clone()),
        (json!("Fleet"), json!("Field phones"))
    );
    let edited = t
        .patch(
            &format!("/v1.0/groups/{g}"),
            json!({"displayName": "Fleet 2"}),
        )
        .await;
    assert_eq!(
        (edited["displayName"].clone(), edited["description"].clone()),
        (json!("Fleet 2"), json!("Field phones"))
    );
    for body in [
        json!({}),
        json!({"displayName": "<b>x</b>"}),
        json!({"id": "x"}),
    ] {
        t.admin("PATCH", &format!("/v1.0/groups/{g}"), Some(body))
            .await
            .graph_error(400, "BadRequest");
    }
    t.admin(
        "PATCH",
        "/v1.0/groups/nope",
        Some(json!({"displayName": "x"})),
    )
    .await
    .graph_error(404, "ResourceNotFound");
    let reader = t.reader.clone();
    t.call(
        "PATCH",
        &format!("/v1.0/groups/{g}"),
        Some(&reader),
        Some(json!({"displayName": "x"})),
    )
    .await
    .graph_error(403, "Forbidden");
    // Deleting a device: its memberships go and its device token stops working.
    let (_, dev_token) = create_token(&t.db, Role::Device, Some(&dev[2]), None)
        .await
        .unwrap();
    t.check_in(&dev[2], Some(&dev_token)).await.ok(200);
    t.delete(&format!("/v1.0/devices/{}", dev[2])).await;
    t.admin("DELETE", &format!("/v1.0/devices/{}", dev[2]), None)
        .await
        .graph_error(404, "ResourceNotFound");
    t.admin("GET", &format!("/v1.0/devices/{}", dev[2]), None)
        .await
        .graph_error(404, "ResourceNotFound");
    t.check_in(&dev[2], Some(&dev_token))
        .await
        .graph_error(401, "InvalidAuthenticationToken");
    assert_eq!(
        t.count("SELECT COUNT(*) FROM dir_members").await,
        2,
        "the deleted device left its group"
    );
    t.delete(&format!("/v1.0/groups/{g}")).await;
    t.admin("DELETE", &format!("/v1.0/groups/{g}"), None)
        .await
        .graph_error(404, "ResourceNotFound");
    assert_eq!(t.count("SELECT COUNT(*) FROM dir_members").await, 0);
    let audit = t.get("/api/auditEntries?$top=1000").await;
    let actions: Vec<&str> = audit["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.first(), Some(&"group.create"));
    assert!(
        actions.contains(&"device.wipe")
            && actions.contains(&"device.delete")
            && actions.contains(&"group.update")
            && actions.contains(&"group.delete")
            && actions.contains(&"group.addMember")
    );
    assert!(audit["value"][0]["actor"]
        .as_str()
        .unwrap()
        .starts_with("admin:"));
    let page = t.get("/api/auditEntries?$top=2").await;
    assert!(page["@odata.nextLink"].as_str().is_some());
}

async fn audit_counts(t: &TestApp) -> (i64, i64, i64, i64) {
    (
        t.count("SELECT COUNT(*) FROM pools").await,
        t.count("SELECT COUNT(*) FROM codes").await,
        t.count("SELECT COUNT(*) FROM dir_groups").await,
        t.count("SELECT COUNT(*) FROM dir_devices").await,
    )
}

/// An action and its audit entry are stored together or not at all: with the audit table
/// unwritable, every audited action fails with a 500 and changes nothing.
async fn audit_in_the_same_transaction(b: Backend) {
    let t = TestApp::new(b).await;
    // Nothing has been audited yet, so no connection holds a prepared audit insert.
    sqlx::query("ALTER TABLE audit RENAME TO audit_gone")
        .execute(&t.db.pool)
        .await
        .unwrap();
    t.admin(
        "POST",
        POOLS,
        Some(json!({"displayName": "P", "activationCodes": codes("smdp.example.com", 0, 3)})),
    )
    .await
    .graph_error(500, "InternalServerError");
    t.raw(
        "/api/pools/import?fileName=a.csv",
        &t.admin,
        "text/csv",
        csv("smdp.example.com", 10, 3),
    )
    .await
    .graph_error(500, "InternalServerError");
    t.admin("POST", "/v1.0/groups", Some(json!({"displayName": "G"})))
        .await
        .graph_error(500, "InternalServerError");
    t.admin("POST", "/v1.0/devices", Some(json!({"displayName": "D"})))
        .await
        .graph_error(500, "InternalServerError");
    assert_eq!(audit_counts(&t).await, (0, 0, 0, 0));

    sqlx::query("ALTER TABLE audit_gone RENAME TO audit")
        .execute(&t.db.pool)
        .await
        .unwrap();
    let p = t.create_pool("P", "smdp.example.com", 0, 3).await;
    let id = p["id"].as_str().unwrap();
    t.admin(
        "PATCH",
        &format!("{POOLS}/{id}"),
        Some(json!({"displayName": "Q"})),
    )
    .await
    .ok(200);
    let audit = t.get("/api/auditEntries").await;
    let mut actions: Vec<&str> = audit["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    // Ids order by millisecond only: two entries of one millisecond come in any order.
    actions.sort_unstable();
    assert_eq!(actions, ["pool.create", "pool.rename"]);
    assert_eq!(audit_counts(&t).await, (1, 3, 0, 0));
}

/// Every route of the table is in the OpenAPI document and reaches a handler (not the
/// 404 fallback, not 405).
async fn openapi_matches_router(b: Backend) {
    let t = TestApp::new(b).await;
    let doc = t
        .call("GET", "/openapi.json", None, None)
        .await
        .ok(200)
        .clone();
    let routes = esim_server::routes::all();
    let mut documented = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        documented += ops.as_object().unwrap().len();
        for method in ops.as_object().unwrap().keys() {
            let uri = path.replace('{', "x").replace('}', "");
            let r = t
                .call(&method.to_uppercase(), &uri, Some(&t.admin.clone()), None)
                .await;
            let routed = !(r.status == 405
                || (r.status == 404 && r.json["error"]["message"] == "No resource at this path."));
            assert!(
                routed,
                "{method} {path} is documented but not routed: {}",
                r.text
            );
        }
    }
    assert_eq!(documented, routes.len());
    for r in &routes {
        assert!(
            doc["paths"][&r.path][r.method.as_str().to_ascii_lowercase()].is_object(),
            "{} {} missing",
            r.method,
            r.path
        );
    }
}

/// Routes are added only through the table (so the document cannot miss one).
#[test]
fn no_route_outside_the_table() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![src];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().unwrap() != "routes.rs"
                && p.extension().is_some_and(|x| x == "rs")
            {
                let text = std::fs::read_to_string(&p).unwrap();
                for needle in [".route(", ".nest(", ".merge(", ".route_service("] {
                    assert!(
                        !text.contains(needle),
                        "{} adds routes outside routes.rs ({needle})",
                        p.display()
                    );
                }
            }
        }
    }
}

/// CORS and frame-ancestors: none by default, the configured origins otherwise; the
/// static app is served at `/` without a token.
#[tokio::test]
async fn cors_frames_and_static_files() {
    let t = TestApp::new(Backend::Sqlite).await;
    let r = t.call("GET", "/healthz", None, None).await;
    let csp = r.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.ends_with("; frame-ancestors 'none'"), "{csp}");
    let embed = t.call("GET", "/embed.json", None, None).await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&embed.text).unwrap(),
        serde_json::json!({"allowedOrigins": []})
    );
    let pre = axum::http::Request::builder()
        .method("OPTIONS")
        .uri(POOLS)
        .header("origin", "https://console.example.com")
        .header("access-control-request-method", "GET")
        .body(axum::body::Body::empty())
        .unwrap();
    assert!(!t
        .send(pre)
        .await
        .headers
        .contains_key("access-control-allow-origin"));
    let dir = std::env::temp_dir().join(format!(
        "esim-dist-{}",
        esim_server::util::hex(&esim_server::util::random::<6>())
    ));
    std::fs::create_dir_all(&dir).unwrap();
    // As Trunk writes it: the module loader inline, the module itself a file.
    let loader = "import init from '/esim-console.js'; init('/esim-console_bg.wasm');";
    std::fs::write(
        dir.join("index.html"),
        format!("<html><script type=\"module\">{loader}</script><script src=\"/x.js\"></script>console</html>"),
    )
    .unwrap();
    let config = Config {
        cors_origins: vec!["https://console.example.com".into()],
        frame_ancestors: vec!["https://portal.example.com".into()],
        connect_origins: vec!["https://login.example.com".into()],
        static_dir: Some(dir.clone()),
        ..Config::default()
    };
    let t = TestApp::with_config(Backend::Sqlite, config).await;
    let embed = t.call("GET", "/embed.json", None, None).await;
    assert_eq!(embed.status, 200);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&embed.text).unwrap(),
        serde_json::json!({"allowedOrigins": ["https://portal.example.com"]})
    );
    let r = t.call("GET", "/", None, None).await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("console"));
    // Issue 10, item 4: the page policy, on the app and on the API alike.
    use sha2::Digest;
    let hash = base64::engine::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        sha2::Sha256::digest(loader.as_bytes()),
    );
    let expected = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'sha256-{hash}'; \
         style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; \
         connect-src 'self' https://login.example.com; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors https://portal.example.com"
    );
    let api = t.call("GET", POOLS, None, None).await;
    for (what, r) in [("/", &r), ("the API", &api)] {
        assert_eq!(
            r.headers["content-security-policy"],
            expected.as_str(),
            "{what}"
        );
        assert_eq!(r.headers["x-content-type-options"], "nosniff", "{what}");
        assert_eq!(r.headers["referrer-policy"], "no-referrer", "{what}");
    }
    let deep = t.call("GET", "/pools/123", None, None).await;
    assert!(
        deep.text.contains("console"),
        "the app's own routes get index.html"
    );
    let pre = axum::http::Request::builder()
        .method("OPTIONS")
        .uri(POOLS)
        .header("origin", "https://console.example.com")
        .header("access-control-request-method", "GET")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(
        t.send(pre).await.headers["access-control-allow-origin"],
        "https://console.example.com"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// Issue 10, item 5: `/readyz` reads on the read pool, so it answers while SQLite's one
/// writer connection is held by a long write transaction (an import, a group delete).
#[tokio::test]
async fn readyz_does_not_wait_for_the_writer() {
    let t = TestApp::new(Backend::Sqlite).await;
    let mut writer = t.db.pool.begin().await.unwrap();
    sqlx::query("UPDATE tokens SET label = label")
        .execute(&mut *writer)
        .await
        .unwrap();
    let r = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        t.call("GET", "/readyz", None, None),
    )
    .await
    .expect("/readyz answers while the writer is busy");
    assert_eq!(r.ok(200)["status"], "ready");
    writer.rollback().await.unwrap();
}

/// A request from this client address (what `into_make_service_with_connect_info` gives
/// the router in `serve`).
fn from_addr(ip: [u8; 4], token: &str) -> axum::http::Request<axum::body::Body> {
    let mut req = axum::http::Request::get(POOLS)
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            ip, 40000,
        ))));
    req
}

/// Issue 10, item 5: after 20 refused tokens within a minute, an address gets 429 with
/// `Retry-After` and Graph's error body for every request that needs a token, a valid one
/// included; another address is not affected, nor are public routes.
#[tokio::test]
async fn failed_authentication_is_rate_limited_per_address() {
    let t = TestApp::new(Backend::Sqlite).await;
    let (guesser, other) = ([192, 0, 2, 7], [192, 0, 2, 8]);
    for _ in 0..esim_server::auth::limit::MAX_FAILURES {
        t.send(from_addr(guesser, "esim_wrong"))
            .await
            .graph_error(401, "InvalidAuthenticationToken");
    }
    for token in ["esim_wrong", t.admin.as_str()] {
        let r = t.send(from_addr(guesser, token)).await;
        r.graph_error(429, "TooManyRequests");
        let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
    }
    t.send(from_addr(other, &t.admin)).await.ok(200);
    t.send(from_addr(other, "esim_wrong"))
        .await
        .graph_error(401, "InvalidAuthenticationToken");
    assert_eq!(
        t.call("GET", "/healthz", None, None).await.ok(200)["status"],
        "live"
    );
}

/// Behind a reverse proxy every client has the proxy's address: with `--trusted-proxy`
/// the limit counts the forwarded client instead, so one client's wrong guesses do not
/// lock out the others (a device with a valid token behind the same proxy); without it, a
/// forwarded header is the client's own word and changes nothing.
#[tokio::test]
async fn behind_a_trusted_proxy_the_limit_counts_the_forwarded_client() {
    let proxy = [10, 0, 0, 2];
    let behind = |client: &str, token: &str| {
        let mut req = from_addr(proxy, token);
        req.headers_mut()
            .insert("x-forwarded-for", client.parse().unwrap());
        req
    };
    let config = Config {
        trusted_proxies: esim_server::auth::limit::TrustedProxies::new(vec![
            esim_server::auth::limit::TrustedProxies::parse("10.0.0.0/8").unwrap(),
        ]),
        ..Config::default()
    };
    let t = TestApp::with_config(Backend::Sqlite, config).await;
    for _ in 0..esim_server::auth::limit::MAX_FAILURES {
        t.send(behind("203.0.113.9", "esim_wrong"))
            .await
            .graph_error(401, "InvalidAuthenticationToken");
    }
    t.send(behind("203.0.113.9", &t.admin))
        .await
        .graph_error(429, "TooManyRequests");
    t.send(behind("198.51.100.4", &t.admin)).await.ok(200);

    // The same requests to a server that trusts no proxy: they all come from the proxy.
    let t = TestApp::new(Backend::Sqlite).await;
    for _ in 0..esim_server::auth::limit::MAX_FAILURES {
        t.send(behind("203.0.113.9", "esim_wrong"))
            .await
            .graph_error(401, "InvalidAuthenticationToken");
    }
    t.send(behind("198.51.100.4", &t.admin))
        .await
        .graph_error(429, "TooManyRequests");
}

/// Issue 10, item 6: admins list tokens (never the token itself) and revoke them through
/// the API; a revocation is audited and refuses the token from the next request on.
async fn token_routes(b: Backend) {
    let t = TestApp::new(b).await;
    let (_, ids) = setup_fleet(&t, 1).await;
    let (dev_id, dev_token) = create_token(&t.db, Role::Device, Some(&ids[0]), Some("phone"))
        .await
        .unwrap();
    t.check_in(&ids[0], Some(&dev_token)).await.ok(200);
    t.call("GET", "/api/tokens", Some(&t.reader.clone()), None)
        .await
        .graph_error(403, "Forbidden");
    let uri = format!("/api/tokens/{dev_id}/revoke");
    t.call("POST", &uri, Some(&t.reader.clone()), None)
        .await
        .graph_error(403, "Forbidden");
    let list = t.admin("GET", "/api/tokens", None).await;
    let value = list.ok(200)["value"].as_array().unwrap().clone();
    assert_eq!(value.len(), 3, "{}", list.text);
    for secret in [&t.admin, &t.reader, &dev_token] {
        assert!(!list.text.contains(secret.as_str()), "a token was listed");
        assert!(!list.text.contains(&esim_server::util::token_hash(secret)));
    }
    let dev = value.iter().find(|v| v["id"] == dev_id.as_str()).unwrap();
    assert_eq!(dev["role"], "device");
    assert_eq!(dev["deviceId"], ids[0].as_str());
    assert_eq!(dev["label"], "phone");
    assert!(dev["createdDateTime"].as_str().is_some());
    assert_eq!(dev["revokedDateTime"], Value::Null);
    let page = t.admin("GET", "/api/tokens?$top=2", None).await;
    assert_eq!(page.ok(200)["value"].as_array().unwrap().len(), 2);
    assert!(page.json["@odata.nextLink"].as_str().is_some());
    let revoked = t.admin("POST", &uri, None).await;
    assert_eq!(revoked.ok(200)["id"], dev_id.as_str());
    assert!(revoked.json["revokedDateTime"].as_str().is_some());
    t.check_in(&ids[0], Some(&dev_token))
        .await
        .graph_error(401, "InvalidAuthenticationToken");
    t.admin("POST", &uri, None)
        .await
        .graph_error(409, "Conflict");
    t.admin("POST", "/api/tokens/nothing/revoke", None)
        .await
        .graph_error(404, "ResourceNotFound");
    let audit = t.admin("GET", "/api/auditEntries?$top=1000", None).await;
    let entries = audit.ok(200)["value"].as_array().unwrap();
    let entry = entries
        .iter()
        .find(|e| e["action"] == "token.revoke")
        .expect("the revocation is audited");
    assert_eq!(entry["targetId"], dev_id.as_str());
    assert_eq!(entry["detail"], "device (phone)");
    assert_eq!(
        entries
            .iter()
            .filter(|e| e["action"] == "token.revoke")
            .count(),
        1,
        "refused revocations are not audited"
    );
}

/// A device targeted again while its old profile is being removed (`deleting`) gets a new
/// code: its removal report moves it to `notEvaluated`, not to `deleted` (which no
/// targeting change would revive), and its next check-in installs another code.
async fn retargeted_while_removing(b: Backend) {
    let t = TestApp::new(b).await;
    let pool = t.create_pool("Again", "smdp.example.com", 0, 3).await;
    let pool = pool["id"].as_str().unwrap().to_owned();
    let (fleet, dev) = setup_fleet(&t, 1).await;
    let out = t.group("Out").await;
    t.add_member(&out, &dev[0]).await;
    let include = json!({"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": fleet}});
    let exclude = json!({"target": {"@odata.type": "#microsoft.graph.exclusionGroupAssignmentTarget", "groupId": out}});
    let assign = |list: Vec<Value>| {
        let uri = format!("{POOLS}/{pool}/assign");
        let t = &t;
        async move {
            t.admin("POST", &uri, Some(json!({"assignments": list})))
                .await
                .ok(200)
                .clone()
        }
    };
    assign(vec![include.clone()]).await;
    let r = t.admin_check_in(&dev[0]).await;
    let first = r.ok(200)["actions"][0]["iccid"]
        .as_str()
        .unwrap()
        .to_owned();
    let outcome = |iccid: &str, outcome: &str| {
        let body = json!({"poolId": pool, "iccid": iccid, "outcome": outcome});
        let uri = format!("/api/mdm/devices/{}/outcome", dev[0]);
        let t = &t;
        async move { t.admin("POST", &uri, Some(body)).await.ok(204).clone() }
    };
    outcome(&first, "installed").await;
    assign(vec![include.clone(), exclude]).await;
    let r = t.admin_check_in(&dev[0]).await;
    assert_eq!(r.ok(200)["actions"][0]["action"], "remove", "{}", r.text);
    // Included again before the device reports the removal.
    assign(vec![include]).await;
    outcome(&first, "removed").await;
    let state = t
        .admin(
            "GET",
            &format!("{POOLS}/{pool}/deviceStates/{}", dev[0]),
            None,
        )
        .await;
    assert_eq!(state.ok(200)["state"], "notEvaluated", "{}", state.text);
    let r = t.admin_check_in(&dev[0]).await;
    let action = &r.ok(200)["actions"][0];
    assert_eq!(action["action"], "install", "{}", r.text);
    assert_ne!(
        action["iccid"],
        first.as_str(),
        "a new code; the old one stays used"
    );
}

/// Issue 10, item 8: the messages of error bodies follow `Accept-Language` (Swedish for
/// `sv`), for every kind of error; the codes do not change.
#[tokio::test]
async fn error_messages_follow_accept_language() {
    /// A request and the start of its error message in English and in Swedish.
    struct Case<'a> {
        method: &'a str,
        uri: String,
        token: Option<&'a str>,
        body: Option<&'a str>,
        status: u16,
        code: &'a str,
        english: &'a str,
        swedish: &'a str,
    }
    let t = TestApp::new(Backend::Sqlite).await;
    let (admin, reader) = (t.admin.clone(), t.reader.clone());
    let cases = [
        Case {
            method: "GET",
            uri: format!("{POOLS}/nope"),
            token: Some(&admin),
            body: None,
            status: 404,
            code: "ResourceNotFound",
            english: "No pool has the id 'nope'.",
            swedish: "Ingen pool har id:t 'nope'.",
        },
        Case {
            method: "GET",
            uri: "/no/such/path".to_owned(),
            token: Some(&admin),
            body: None,
            status: 404,
            code: "ResourceNotFound",
            english: "No resource at this path.",
            swedish: "Det finns ingen resurs på den här sökvägen.",
        },
        Case {
            method: "GET",
            uri: POOLS.to_owned(),
            token: None,
            body: None,
            status: 401,
            code: "InvalidAuthenticationToken",
            english: "Send a valid token as 'Authorization: Bearer <token>'.",
            swedish: "Skicka en giltig token som 'Authorization: Bearer <token>'.",
        },
        Case {
            method: "POST",
            uri: POOLS.to_owned(),
            token: Some(&reader),
            body: Some("{}"),
            status: 403,
            code: "Forbidden",
            english: "A reader token cannot use this route; it needs admin.",
            swedish: "En reader-token kan inte använda den här vägen; den kräver admin.",
        },
        Case {
            method: "GET",
            uri: format!("{POOLS}?$top=0"),
            token: Some(&admin),
            body: None,
            status: 400,
            code: "BadRequest",
            english: "$top must be a whole number above 0; got '0'.",
            // The OData parser's refusal, quoted in a Swedish sentence.
            swedish: "Frågan kan inte användas (på engelska): $top must be a whole number",
        },
        Case {
            method: "GET",
            uri: "/api/tokens?$top=0".to_owned(),
            token: Some(&admin),
            body: None,
            status: 400,
            code: "BadRequest",
            english: "$top must be a whole number from 1 to",
            swedish: "$top måste vara ett heltal från 1 till",
        },
        Case {
            method: "POST",
            uri: POOLS.to_owned(),
            token: Some(&admin),
            body: Some("{"),
            status: 400,
            code: "BadRequest",
            english: "The body is not valid JSON: ",
            swedish: "Kroppen är inte giltig JSON: ",
        },
        Case {
            method: "POST",
            uri: POOLS.to_owned(),
            token: Some(&admin),
            body: Some(r#"{"displayName": "<b>", "activationCodes": []}"#),
            status: 400,
            code: "BadRequest",
            english: "displayName contains '<'",
            swedish: "displayName innehåller '<'",
        },
    ];
    for case in &cases {
        for (lang, expected) in [
            ("sv-SE,en;q=0.5", case.swedish),
            ("en-GB", case.english),
            ("de", case.english),
        ] {
            let mut b = axum::http::Request::builder()
                .method(case.method)
                .uri(&case.uri)
                .header("accept-language", lang);
            if let Some(token) = case.token {
                b = b.header("authorization", format!("Bearer {token}"));
            }
            if case.body.is_some() {
                b = b.header("content-type", "application/json");
            }
            let body = axum::body::Body::from(case.body.unwrap_or("").to_owned());
            let r = t.send(b.body(body).unwrap()).await;
            let message = r.graph_error(case.status, case.code)["message"]
                .as_str()
                .unwrap()
                .to_owned();
            assert!(
                message.starts_with(expected),
                "{} {} in {lang}: {message:?}, expected {expected:?}",
                case.method,
                case.uri
            );
        }
    }

    // The 422 of a refused file: its summary in Swedish (its findings are esim-csv's).
    let r = t
        .send(
            axum::http::Request::post("/api/pools/import?fileName=x.csv")
                .header("authorization", format!("Bearer {admin}"))
                .header("accept-language", "sv")
                .body(axum::body::Body::from("smdp.example.com\n123,ABC\n"))
                .unwrap(),
        )
        .await;
    let e = r.graph_error(422, "invalidActivationCodes");
    let message = e["message"].as_str().unwrap();
    assert!(
        message.starts_with("Aktiveringskoderna avvisades: "),
        "{message}"
    );
}
