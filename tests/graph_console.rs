//! The console against Microsoft Graph (issue 13), end to end in headless Chromium: the
//! release build signed in to `http://graph.microsoft.com`, which Chromium resolves to the
//! Graph double of `esim-test-support` (`--host-resolver-rules`), so the console runs its
//! real Graph mode - chosen by the host name, as against Graph - and every request it
//! sends is recorded.
//!
//! `test = false` in Cargo.toml, like e2e: it needs the release build (`dist/`);
//! `cargo xtask test` builds it and runs this suite.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use esim_console::dom::testid as ids;
use esim_test_support::graph_double::{GraphDouble, Recorded, POOLS};
use serde_json::{json, Value};
use support::{run_with, Page};

const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJub25jZSI6ImdyYXBoLWRvdWJsZSJ9.graph.double";
/// The host the console is told is Graph's.
const GRAPH: &str = "graph.microsoft.com";
/// Another host, on the same double: a next link there must never be followed.
const ELSEWHERE: &str = "elsewhere.example";

const POOL: &str = "ec308741-8741-ec30-4187-30ec418730ec";
const LINKED_AWAY: &str = "ec308741-8741-ec30-4187-30ec418730ed";
const SALES: &str = "b2a1c3d4-0000-4000-8000-000000000002";
const CONTRACTORS: &str = "b2a1c3d4-0000-4000-8000-000000000001";
const HR: &str = "02bd9fd6-8f93-4758-87c3-1fb73740a315";
const USER_RULE: &str = "02bd9fd6-8f93-4758-87c3-1fb73740a316";

fn pool(id: &str, name: &str) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.embeddedSIMActivationCodePool",
        "id": id,
        "displayName": name,
        "createdDateTime": "2026-11-20T08:00:00Z",
        "modifiedDateTime": "2026-11-20T08:00:00Z",
        "activationCodeCount": 5,
        "roleScopeTagIds": ["0"]
    })
}

/// Graph's assignments as recorded in `tests/data/graph/assignments-with-filters.json`:
/// group targets with assignment filters and an all-devices target with a filter and a
/// property this project does not know.
fn assignments() -> Vec<Value> {
    let path = format!(
        "{}/tests/data/graph/assignments-with-filters.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let page: Value = serde_json::from_str(&text).expect("recorded JSON");
    page["value"].as_array().expect("a collection").clone()
}

/// Device states in the pool.
const DEVICES: usize = 30;

fn device_state(n: usize, state: &str) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.embeddedSIMDeviceState",
        "id": format!("908884a3-84a3-9088-a384-{n:012}"),
        "createdDateTime": "2026-11-20T08:02:43Z",
        "modifiedDateTime": "2026-11-20T08:02:43Z",
        "lastSyncDateTime": format!("2026-11-20T09:{n:02}:00Z"),
        "universalIntegratedCircuitCardIdentifier": format!("890490320000010000000123456{n:05}"),
        "deviceName": format!("Surface LTE {n}"),
        "userName": format!("user{:02}@contoso.example", DEVICES + 1 - n),
        "state": state,
        "stateDetails": null
    })
}

/// Device `n`'s state: 20 installed, 5 failed, 4 installing, and the last in a state Graph
/// added after this console (with a property the console does not know).
fn state_of(n: usize) -> &'static str {
    match n {
        DEVICES => "suspendedByOperator",
        n if n % 5 == 0 => "failed",
        n if n % 7 == 0 => "installing",
        _ => "installed",
    }
}

fn group(id: &str, name: &str, extra: Value) -> Value {
    let mut group = json!({
        "id": id,
        "displayName": name,
        "description": null,
        "createdDateTime": "2026-10-01T10:00:00Z",
        "groupTypes": [],
        "securityEnabled": true,
        "mailEnabled": false,
        "membershipRule": null,
        "visibility": null
    });
    group
        .as_object_mut()
        .expect("an object")
        .extend(extra.as_object().expect("an object").clone());
    group
}

/// The pool's device states as Graph sends them.
fn device_states() -> Vec<Value> {
    (1..=DEVICES)
        .map(|n| {
            let mut state = device_state(n, state_of(n));
            if n == DEVICES {
                state["eid"] = json!("89049032000001000000012345600030");
            }
            state
        })
        .collect()
}

/// The double with a tenant: two pools, filtered assignments, 30 device states (one in a
/// state Graph added later), two device groups, a Microsoft 365 group and a dynamic group
/// of users; pages of 10 (device states in three pages, linked by skiptokens).
fn tenant() -> GraphDouble {
    let double = GraphDouble::start(TOKEN).expect("start the Graph double");
    double.set_page_size(10);
    double.add_pool(pool(POOL, "Contoso phones"));
    double.add_pool(pool(LINKED_AWAY, "Linked away"));
    double.set_assignments(POOL, assignments());
    let states = device_states();
    double.set_device_states(POOL, states.clone());
    double.set_device_states(LINKED_AWAY, states);
    double.link_elsewhere(LINKED_AWAY, ELSEWHERE);
    double.add_group(group(SALES, "Sales phones", json!({})));
    double.add_group(group(CONTRACTORS, "Contractors", json!({})));
    double.add_group(group(
        HR,
        "HR Taskforce",
        json!({"groupTypes": ["Unified"], "mailEnabled": true, "securityEnabled": false, "mail": "HRTaskforce@contoso.com"}),
    ));
    double.add_group(group(
        USER_RULE,
        "Sales people",
        json!({"groupTypes": ["DynamicMembership"], "membershipRule": "(user.department -eq \"Sales\")"}),
    ));
    double
}

/// Runs `test` in a browser signed in to "Graph" (the double), on the pools list.
async fn run_on_graph<F, Fut>(double: &GraphDouble, test: F)
where
    F: FnOnce(Page) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let rules = format!(
        "--host-resolver-rules=MAP {GRAPH} 127.0.0.1:{port}, MAP {ELSEWHERE} 127.0.0.1:{port}",
        port = double.port()
    );
    let link = format!(
        "{}#token={TOKEN}&api=http%3A%2F%2F{GRAPH}",
        support::dist_url()
    );
    run_with(link, ids::NAV, &[&rules], |page: Page| async move {
        // A link to another origin than the page's may ask first (the sign-in's origin
        // confirmation): accept it, as the admin who opened the link would.
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while !page.exists(ids::POOL_ROW).await {
            if page.exists("origin-accept").await {
                page.click("origin-accept").await;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the pools list never showed"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        test(page).await;
    })
    .await;
}

fn tid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

/// The JSON objects that follow `"target":` in compact JSON, as written.
fn targets(json: &str) -> Vec<String> {
    json.match_indices("\"target\":{")
        .map(|(at, key)| {
            let start = at + key.len() - 1;
            let mut depth = 0;
            let end = json[start..]
                .char_indices()
                .find_map(|(i, c)| {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    (depth == 0).then_some(start + i + 1)
                })
                .expect("balanced");
            json[start..end].to_owned()
        })
        .collect()
}

fn device_state_reads(double: &GraphDouble, pool: &str) -> Vec<Recorded> {
    let path = format!("{POOLS}/{pool}/deviceStates");
    double
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path() == path)
        .collect()
}

impl Page {
    /// The rendered device rows as (data-device-id, data-state), in the table's order.
    async fn device_rows(&self) -> Vec<(String, String)> {
        let mut rows = Vec::new();
        for row in self.css_all(&tid(ids::DEVICE_ROW)).await {
            let id = row.attr("data-device-id").await.ok().flatten();
            let state = row.attr("data-state").await.ok().flatten();
            rows.push((id.unwrap_or_default(), state.unwrap_or_default()));
        }
        rows
    }

    /// The device table's scroll position.
    async fn table_scroll(&self) -> f64 {
        self.client
            .execute(
                "return document.querySelector('.table-scroll').scrollTop;",
                vec![],
            )
            .await
            .expect("read the scroll position")
            .as_f64()
            .unwrap_or(-1.0)
    }

    /// `aria-sort` of a column's heading.
    async fn sorted(&self, column: &str) -> String {
        self.css(&format!("{}[data-column=\"{column}\"]", tid(ids::SORT)))
            .await;
        self.client
            .execute(
                "return document.querySelector(arguments[0]).closest('th').getAttribute('aria-sort');",
                vec![json!(format!("{}[data-column=\"{column}\"]", tid(ids::SORT)))],
            )
            .await
            .expect("read aria-sort")
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Clicks the first element matching `css`.
    async fn click_css(&self, css: &str) {
        self.css(css).await.click().await.expect("click");
    }

    /// The `value` of the select (or input) with this `data-testid`.
    async fn select_value(&self, id: &str) -> String {
        self.element(id)
            .await
            .prop("value")
            .await
            .ok()
            .flatten()
            .unwrap_or_default()
    }
}

#[tokio::test]
async fn the_console_reads_and_writes_graph_without_losing_anything() {
    let double = tenant();
    let d = double.clone();
    run_on_graph(&double, move |page| async move {
        let double = d;
        // Pools, from Graph's shape (no summary, no SM-DP+ address).
        page.wait_for_count(ids::POOL_ROW, 2).await;
        assert_eq!(page.texts(ids::POOL_SMDP).await, ["unknown", "unknown"]);
        page.wait_for_text_containing(ids::SIGNED_IN, "Microsoft Graph", Duration::from_secs(5))
            .await;
        page.assert_accessible("pools (Graph)").await;

        // Assignments: the filtered groups on their sides, the all-devices target kept.
        page.go(&format!("#/pools/{POOL}/assignments")).await;
        page.css(&format!(
            "{} li[data-group-id=\"{SALES}\"]",
            tid(ids::INCLUDED)
        ))
        .await;
        page.css(&format!(
            "{} li[data-group-id=\"{CONTRACTORS}\"]",
            tid(ids::EXCLUDED)
        ))
        .await;
        // The picker offers device groups only: not the Microsoft 365 group nor the
        // dynamic group of users.
        let offered: Vec<String> = {
            let mut values = Vec::new();
            for option in page
                .css_all(&format!("{} option", tid(ids::ASSIGN_GROUP)))
                .await
            {
                values.push(
                    option
                        .attr("value")
                        .await
                        .ok()
                        .flatten()
                        .unwrap_or_default(),
                );
            }
            values
        };
        assert_eq!(offered, ["", SALES, CONTRACTORS], "the group picker");
        page.assert_accessible("assignments (Graph)").await;
        page.click(ids::SAVE_ASSIGNMENTS).await;
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while !page.exists(ids::SAVED).await {
            if page.exists(ids::API_ERROR).await {
                let shown = page.texts(ids::API_ERROR).await;
                let sent: Vec<(String, String, u16, String)> = double
                    .requests()
                    .into_iter()
                    .filter(|r| r.method != "GET")
                    .map(|r| (r.method, r.target, r.status, r.body))
                    .collect();
                panic!("saving failed: {shown:?}; requests other than GET: {sent:?}");
            }
            assert!(std::time::Instant::now() < deadline, "never saved");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let sent = double.assign_bodies(POOL);
        assert_eq!(sent.len(), 1, "one assign request");
        // What the double sent (its serialiser, the same Values).
        let read = serde_json::to_string(&json!({"value": assignments()})).expect("JSON");
        assert_eq!(targets(&read).len(), 3);
        assert_eq!(
            targets(&sent[0]),
            targets(&read),
            "saving unchanged sends every target back byte for byte"
        );

        // Devices: every page, the unknown state shown as "Unknown", Graph's UICC id.
        page.go(&format!("#/pools/{POOL}/devices")).await;
        page.wait_for_text(ids::DEVICE_COUNT, "30 of 30 devices")
            .await;
        let reads = device_state_reads(&double, POOL);
        assert_eq!(reads.len(), 3, "three pages of ten: {reads:?}");
        // No query option went to Graph (the double refuses them), no retry button.
        assert!(reads
            .iter()
            .all(|r| r.status == 200 && !r.target.contains("$filter")));
        assert!(!page.exists(ids::RETRY).await);
        page.choose(ids::STATE_FILTER, "unknown").await;
        page.wait_for_text(ids::DEVICE_COUNT, "1 of 30 devices")
            .await;
        let unknown = page
            .css(&format!(
                "{}[data-state=\"unknown\"] td.state",
                tid(ids::DEVICE_ROW)
            ))
            .await;
        assert_eq!(unknown.text().await.expect("text").trim(), "Unknown");
        let heading = page
            .css(&format!("{}[data-column=\"Iccid\"]", tid(ids::SORT)))
            .await;
        assert!(heading.text().await.expect("text").contains("UICC ID"));
        page.assert_accessible("devices (Graph)").await;

        // The admin filters, sorts and scrolls; then a refresh is throttled.
        page.choose(ids::STATE_FILTER, "active").await;
        page.wait_for_text(ids::DEVICE_COUNT, "20 of 30 devices")
            .await;
        page.click_css(&format!("{}[data-column=\"User\"]", tid(ids::SORT)))
            .await;
        assert_eq!(page.sorted("User").await, "ascending");
        page.client
            .execute(
                "const t = document.querySelector('.table-scroll'); t.scrollTop = 200; \
                 t.dispatchEvent(new Event('scroll'));",
                vec![],
            )
            .await
            .expect("scroll the table");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let scrolled = page.table_scroll().await;
        assert!(scrolled >= 199.0, "the table scrolled: {scrolled}");
        let before = page.device_rows().await;

        // The rows stay, the busy notice counts down, then the refresh goes through - after
        // the Retry-After Graph asked for - keeping the filter, the sort and the scroll.
        double.throttle(
            &format!("{POOL}/deviceStates"),
            &[(429, Some(3)), (503, Some(1))],
        );
        page.click(ids::REFRESH).await;
        page.wait_for_text_containing(
            ids::BUSY,
            "Microsoft Graph is busy: retrying in",
            Duration::from_secs(10),
        )
        .await;
        assert_eq!(
            page.device_rows().await,
            before,
            "the table stays while waiting"
        );
        page.assert_accessible("devices (Graph busy)").await;
        // The reads from the first throttled one on (an automatic refresh may come too).
        let after_throttle = || {
            let reads = device_state_reads(&double, POOL);
            let first = reads.iter().position(|r| r.status == 429);
            first.map(|at| reads[at..].to_vec()).unwrap_or_default()
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let reads = after_throttle();
            if reads.len() >= 5 && page.text(ids::BUSY).await.is_empty() {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "never recovered: {reads:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let reads = after_throttle();
        let statuses: Vec<u16> = reads[..5].iter().map(|r| r.status).collect();
        assert_eq!(statuses, [429, 503, 200, 200, 200]);
        let waited = reads[1].at - reads[0].at;
        assert!(
            waited >= Duration::from_secs(3),
            "Retry-After 3 honoured: {waited:?}"
        );
        let waited = reads[2].at - reads[1].at;
        assert!(
            waited >= Duration::from_secs(1),
            "Retry-After 1 honoured: {waited:?}"
        );
        // The refresh has landed (no "still loading") and nothing moved.
        page.wait_for_text(ids::DEVICE_COUNT, "20 of 30 devices")
            .await;
        assert_eq!(page.select_value(ids::STATE_FILTER).await, "active");
        assert_eq!(page.sorted("User").await, "ascending");
        assert_eq!(page.table_scroll().await, scrolled, "the scroll position");
        assert_eq!(page.device_rows().await, before);
        assert!(!page.exists(ids::API_ERROR).await);

        // Graph changes under the open table: the automatic refresh (with the chart, at most
        // every 30 s on Graph) shows it, keeping the filter, the sort and the scroll.
        let mut changed = device_states();
        changed[0]["state"] = json!("failed");
        double.set_device_states(POOL, changed);
        page.wait_for_text_containing(
            ids::DEVICE_COUNT,
            "19 of 30 devices",
            Duration::from_secs(45),
        )
        .await;
        // The automatic read began 30 s or more after the refresh before it began.
        let automatic = device_state_reads(&double, POOL)
            .into_iter()
            .find(|r| r.at > reads[4].at)
            .expect("an automatic read");
        let after = automatic.at - reads[0].at;
        assert!(
            after >= Duration::from_secs(30),
            "Graph's device states are read at most every 30 s: {after:?}"
        );
        assert_eq!(page.select_value(ids::STATE_FILTER).await, "active");
        assert_eq!(page.sorted("User").await, "ascending");
        assert_eq!(page.table_scroll().await, scrolled, "the scroll position");
        assert!(!page.exists(ids::API_ERROR).await);

        // A next link to another host is not followed: the token stays with Graph.
        page.go(&format!("#/pools/{LINKED_AWAY}/devices")).await;
        page.wait_for_text_containing(ids::API_ERROR, ELSEWHERE, Duration::from_secs(20))
            .await;
        assert!(
            double
                .requests()
                .iter()
                .all(|r| !r.host.starts_with(ELSEWHERE)),
            "a request went to {ELSEWHERE}"
        );
        assert!(
            double.requests().iter().all(|r| r.host.starts_with(GRAPH)
                && r.authorization.as_deref() == Some(&format!("Bearer {TOKEN}"))
                || r.method == "OPTIONS"),
            "every request went to Graph with the token"
        );
    })
    .await;
}

#[tokio::test]
async fn groups_on_graph_are_security_groups_and_devices_come_from_enrollment() {
    let double = tenant();
    let d = double.clone();
    run_on_graph(&double, move |page| async move {
        let double = d;
        page.nav_to("#/groups").await;
        page.wait_for_count(ids::GROUP_ROW, 2).await;
        page.wait_for_text_containing(ids::OTHER_GROUPS, "2 groups", Duration::from_secs(5))
            .await;
        page.assert_accessible("device groups (Graph)").await;

        page.type_into(ids::NEW_GROUP_NAME, "Säljare Göteborg (iPad)")
            .await;
        page.click(ids::CREATE_GROUP).await;
        page.wait_for_count(ids::GROUP_ROW, 3).await;
        let created = double
            .groups()
            .into_iter()
            .find(|g| g["displayName"] == "Säljare Göteborg (iPad)")
            .expect("the group was created on Graph");
        assert_eq!(created["mailEnabled"], false);
        assert_eq!(created["securityEnabled"], true);
        assert_eq!(created["mailNickname"], "Saljare-Goteborg-iPad");

        // A group's page: members can be added, devices are not created here.
        page.go(&format!("#/groups/{SALES}")).await;
        page.element(ids::NO_DEVICE_CREATE).await;
        assert!(
            !page.exists(ids::CREATE_DEVICE).await,
            "no device create against Graph"
        );
        assert!(!page.exists(ids::NEW_DEVICE_NAME).await);
        page.assert_accessible("device group (Graph)").await;
        assert!(
            !double
                .requests()
                .iter()
                .any(|r| r.method == "POST" && r.path() == "/v1.0/devices"),
            "no device create was sent"
        );
    })
    .await;
}

/// Graph's resource, as the test provider's audience: it issues Graph tokens like Entra ID.
const GRAPH_RESOURCE: &str = "https://graph.microsoft.com";
const ENTRA_CLIENT: &str = "esim-console-graph";

/// The console on a static host (no `esim-server`, no `/auth.json`) signs in for Graph with
/// "Microsoft Entra ID" from Settings: the test provider configured like Entra's v2.0
/// endpoint (issuer `.../<tenant>/v2.0`, `scp`) stands for the tenant (the tenant field
/// takes its full authority URL), its own login page signs the admin in, and the console
/// calls the Graph double with the provider's access token, which carries the reader's
/// least Graph permissions asked for: the pools list paints.
#[tokio::test]
async fn an_admin_signs_in_to_graph_with_entra_id_from_settings() {
    let scopes: Vec<String> = [
        "DeviceManagementConfiguration.Read.All",
        "GroupMember.Read.All",
        "Device.Read.All",
        "DeviceManagementConfiguration.ReadWrite.All",
        "Group.ReadWrite.All",
        "GroupMember.ReadWrite.All",
        "Device.ReadWrite.All",
    ]
    .iter()
    .map(|p| format!("{GRAPH_RESOURCE}/{p}"))
    .collect();
    let mut args = vec!["--audience", GRAPH_RESOURCE, "--client-id", ENTRA_CLIENT];
    for scope in &scopes {
        args.extend(["--scope", scope.as_str()]);
    }
    let provider =
        esim_test_support::oidc::Provider::start(&args).unwrap_or_else(|e| panic!("{e:#}"));
    let page_url = support::dist_url();
    let answer = support::server::http(
        &provider.admin,
        "POST",
        "/client",
        None,
        Some(&json!({"redirect_uris": [page_url], "post_logout_redirect_uris": [page_url]})),
    )
    .expect("configure the provider's client");
    assert_eq!(answer.status, 200, "{}", answer.text());
    // The double takes the start token (never sent here) or the provider's Graph tokens.
    let double = GraphDouble::start("not-this-one").expect("start the Graph double");
    double.accept_issuer(&provider.issuer);
    double.add_pool(pool(POOL, "Contoso phones"));
    let rules = format!(
        "--host-resolver-rules=MAP {GRAPH} 127.0.0.1:{port}",
        port = double.port()
    );
    let issuer = provider.issuer.clone();
    let console = page_url.clone();
    let d = double.clone();
    run_with(
        format!("{page_url}#/settings"),
        ids::ENTRA_TENANT,
        &[&rules],
        move |page: Page| async move {
            let double = d;
            // No /auth.json on a static host: only the Entra form offers a sign-in.
            assert!(!page.exists(ids::SIGN_IN_OIDC).await);
            page.assert_accessible("Settings: sign in to Graph with Entra ID")
                .await;
            page.type_into(ids::BASE_URL, &format!("http://{GRAPH}"))
                .await;
            // Empty fields are refused plainly.
            page.click(ids::ENTRA_SIGN_IN).await;
            page.css(".field-error").await;
            page.type_into(ids::ENTRA_TENANT, &issuer).await;
            page.type_into(ids::ENTRA_CLIENT_ID, ENTRA_CLIENT).await;
            page.click(ids::ENTRA_SIGN_IN).await;
            // The provider's own login page.
            let username = page.css("#username").await;
            let at = page.url().await;
            assert!(
                !at.starts_with(&console),
                "the login page is the provider's: {at}"
            );
            username.send_keys("admin").await.expect("type the user");
            page.css("#password")
                .await
                .send_keys("secret")
                .await
                .expect("type the password");
            page.css("#sign-in").await.click().await.expect("sign in");
            page.wait_for_text(ids::PERSON, "Ada Admin").await;
            page.nav_to("#/pools").await;
            page.wait_for_count(ids::POOL_ROW, 1).await;
            page.wait_for_text_containing(ids::SIGNED_IN, "Ada Admin", Duration::from_secs(5))
                .await;
            page.assert_accessible("pools (Graph, signed in with Entra ID)")
                .await;

            // What reached "Graph": the provider's access token, with Graph's audience and
            // the permissions the console asked for (an admin's).
            let reads: Vec<Recorded> = double
                .requests()
                .into_iter()
                .filter(|r| r.path() == POOLS && r.status == 200)
                .collect();
            assert!(!reads.is_empty(), "the pools were never read");
            let token = reads[0]
                .authorization
                .as_deref()
                .and_then(|a| a.strip_prefix("Bearer "))
                .expect("a bearer token")
                .to_owned();
            let claims = jwt_claims(&token);
            assert_eq!(claims["iss"], issuer.as_str(), "{claims}");
            assert_eq!(claims["aud"], GRAPH_RESOURCE, "{claims}");
            let scp = claims["scp"].as_str().unwrap_or_default();
            for permission in [
                "DeviceManagementConfiguration.ReadWrite.All",
                "Group.ReadWrite.All",
                "GroupMember.ReadWrite.All",
                "Device.ReadWrite.All",
            ] {
                assert!(scp.split(' ').any(|s| s == permission), "{scp}");
            }
            assert!(
                !scp.split(' ').any(|s| s.ends_with(".Read.All")),
                "an admin's sign-in asks for the write permissions only: {scp}"
            );
            assert!(
                reads.iter().all(|r| r.host.starts_with(GRAPH)),
                "only Graph's host is called"
            );
        },
    )
    .await;
    drop(provider);
}

/// The claims of a JWT (not verified: the double and the server check tokens elsewhere).
fn jwt_claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    let mut bits = 0u32;
    let mut held = 0;
    let mut bytes = Vec::new();
    for c in payload.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => continue,
        };
        bits = (bits << 6) | u32::from(v);
        held += 6;
        if held >= 8 {
            held -= 8;
            bytes.push((bits >> held) as u8);
            bits &= (1 << held) - 1;
        }
    }
    serde_json::from_slice(&bytes).expect("JSON claims")
}
