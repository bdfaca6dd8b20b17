//! The example request and response of every `intune-esim-*` API page of Graph's beta
//! reference, kept as test data with their source named (`tests/data/graph-examples.json`),
//! run against this server in the pages' order on SQLite and PostgreSQL. Where this server
//! answers as Graph documents, the answer has every property of the documented response,
//! each with the same JSON type (the values are the docs' placeholders); where it answers
//! otherwise, the data says what it answers and why, and the test holds it to that.

mod support;

use serde_json::{json, Value};
use support::{codes, Backend, TestApp, POOLS};

on_both!(documented_examples);

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every property of `documented` is in `ours` with the same JSON type (objects compared
/// the same way), except the `absent` ones, which must indeed be absent.
fn same_shape(page: &str, at: &str, documented: &Value, ours: &Value, absent: &Value) {
    let (Some(doc), Some(got)) = (documented.as_object(), ours.as_object()) else {
        panic!("{page}: {at} is not an object in both: {documented} / {ours}");
    };
    for (key, value) in doc {
        if absent.get(key).is_some() {
            assert!(
                got.get(key).is_none(),
                "{page}: {at}{key} is listed as absent but was sent: {ours}"
            );
            continue;
        }
        let Some(mine) = got.get(key) else {
            panic!("{page}: {at}{key} is missing from {ours}");
        };
        assert_eq!(
            kind(mine),
            kind(value),
            "{page}: {at}{key} is {mine}, documented as {value}"
        );
        if value.is_object() {
            same_shape(page, &format!("{at}{key}/"), value, mine, &json!({}));
        }
    }
}

async fn documented_examples(b: Backend) {
    let t = TestApp::new(b).await;
    // What the placeholders name: a pool, its assignment of a group, a device of the group
    // whose install failed (so its state has every documented property but the UICC id).
    let pool = t.create(POOLS, json!({"displayName": "Examples", "activationCodes": codes("smdp.example.com", 700, 2)})).await;
    let group = t.group("Examples").await;
    let device = t
        .create(
            "/v1.0/devices",
            json!({"displayName": "DESKTOP-JOE", "userName": "joe@contoso.com"}),
        )
        .await;
    t.add_member(&group, &device).await;
    let assignment = t.create(&format!("{POOLS}/{pool}/assignments"), json!({"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": group}})).await;
    let action = t.admin_check_in(&device).await.ok(200)["actions"][0].clone();
    t.admin(
        "POST",
        &format!("/api/mdm/devices/{device}/outcome"),
        Some(json!({"poolId": pool, "iccid": action["iccid"], "outcome": "failed", "detail": "No network"})),
    )
    .await
    .ok(204);

    let file =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/graph-examples.json");
    let data: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let examples = data["examples"].as_array().unwrap();
    assert_eq!(examples.len(), 16, "every intune-esim-* API page");
    for ex in examples {
        let page = ex["page"].as_str().unwrap();
        let path = ex["request"]["path"]
            .as_str()
            .unwrap()
            .replace("{embeddedSIMActivationCodePoolId}", &pool)
            .replace("{embeddedSIMActivationCodePoolAssignmentId}", &assignment)
            .replace("{embeddedSIMDeviceStateId}", &device);
        let method = ex["request"]["method"].as_str().unwrap();
        let r = t
            .admin(
                method,
                &format!("/beta{path}"),
                ex["request"].get("body").cloned(),
            )
            .await;
        let ours = &ex["ours"];
        let status = ours["status"].as_u64().unwrap() as u16;
        if let Some(code) = ours["code"].as_str() {
            let error = r.graph_error(status, code);
            if let Some(part) = ours["names"].as_str() {
                let message = error["message"].as_str().unwrap();
                assert!(message.contains(part), "{page}: {message}");
            }
            assert!(ours["why"].is_string(), "{page}: a deviation says why");
            continue;
        }
        assert_eq!(
            status,
            ex["response"]["status"].as_u64().unwrap() as u16,
            "{page}: the data says it answers as documented"
        );
        r.ok(status);
        let Some(documented) = ex["response"].get("body") else {
            assert!(r.text.is_empty(), "{page}: {}", r.text);
            continue;
        };
        let documented = if ours["unwrap"].is_string() {
            &documented["value"]
        } else {
            documented
        };
        let absent = ours.get("absent").cloned().unwrap_or(json!({}));
        match documented["value"].as_array() {
            Some(items) => {
                let got = r.json["value"].as_array().unwrap();
                assert!(!got.is_empty(), "{page}: an empty collection: {}", r.text);
                for item in got {
                    same_shape(page, "value/", &items[0], item, &absent);
                }
            }
            None => same_shape(page, "", documented, &r.json, &absent),
        }
        // The entity's own type is Graph's (always written with '#').
        if let Some(t) = documented["@odata.type"].as_str() {
            assert_eq!(r.json["@odata.type"], t, "{page}");
        }
    }
    // The deletes at the end did what they say.
    t.admin("GET", &format!("{POOLS}/{pool}"), None)
        .await
        .graph_error(404, "ResourceNotFound");
}
