//! End-to-end tests of the console (issue #5): the release build served by a real
//! `esim-server serve` process on its own database, driven in headless Chromium as an
//! admin works - sign in, fix and upload a file, target groups, watch the fleet
//! simulator move the device states, rename and delete pools, and run framed in a portal.
//!
//! `test = false` in Cargo.toml, like e2e: they need the release build (`dist/`, or
//! `ESIM_DIST`) and `esim-server` (`cargo build -p esim-server`, or `ESIM_SERVER_EXE`);
//! `cargo xtask test` builds both and runs them on SQLite, then on PostgreSQL
//! (`ESIM_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432`: every test creates and drops
//! its own database).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use esim_console::dom::testid as check;
use esim_console::dom::testid as ids;
use fantoccini::Locator;
use serde_json::{json, Value};
use support::server::{
    http, iccid, matching_id, valid_csv, Backend, EsimServer, HostPage, TestDatabase, POOLS,
};
use support::{run_at, Page};

/// The SM-DP+ address of the pools the tests upload.
const SMDP: &str = "smdp.example.com";

/// How long the overview may take to show new states (it refreshes every few seconds).
const REFRESH: Duration = Duration::from_secs(30);

/// A server on a fresh database with an admin token. Dropped in field order: the server
/// stops before its database is removed.
struct Setup {
    server: EsimServer,
    token: String,
    _db: TestDatabase,
}

impl Setup {
    fn start(frame_ancestors: &[&str]) -> Setup {
        let db = TestDatabase::new();
        let token = EsimServer::token(&db, "admin");
        let server = EsimServer::start(&db, frame_ancestors);
        Setup {
            server,
            token,
            _db: db,
        }
    }

    /// The sign-in link `cargo xtask run` prints.
    fn sign_in_link(&self) -> String {
        format!("{}/#token={}", self.server.url(), self.token)
    }
}

/// `[data-testid=id]` as CSS.
fn tid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

/// A file with errors `fix` repairs: a byte-order mark, a header row, a quoted value,
/// `;` as the delimiter and white space around a value; five codes (0-4) when fixed.
fn messy_csv() -> String {
    let code = |n| (iccid(n), matching_id(n));
    let lines = [
        format!("\u{feff}{SMDP}"),
        "ICCID,Matching ID".to_owned(),
        format!("\"{}\",{}", code(0).0, code(0).1),
        format!("{};{}", code(1).0, code(1).1),
        format!(" {} ,{}", code(2).0, code(2).1),
        format!("{},{}", code(3).0, code(3).1),
        format!("{},{}", code(4).0, code(4).1),
    ];
    lines.map(|line| line + "\r\n").concat()
}

impl Page {
    /// The value of `attribute` on each element matching `css`, in document order.
    async fn css_attrs(&self, css: &str, attribute: &str) -> Vec<String> {
        let mut values = Vec::new();
        for element in self.css_all(css).await {
            if let Ok(Some(value)) = element.attr(attribute).await {
                values.push(value);
            }
        }
        values
    }

    /// Clicks the element with `data-testid=inner` inside the first element matching `row`.
    async fn click_in(&self, row: &str, inner: &str) {
        let row = self.css(row).await;
        let button = row
            .find(Locator::Css(&tid(inner)))
            .await
            .unwrap_or_else(|error| panic!("no [data-testid={inner}] in {row:?}: {error}"));
        button.click().await.expect("click");
    }

    /// Waits until the bar of `state` in the state chart says `count`.
    async fn wait_for_bar(&self, state: &str, count: u32) {
        let css = format!(
            "{} {}[data-state=\"{state}\"]",
            tid(ids::CHART),
            tid(ids::CHART_BAR)
        );
        let deadline = std::time::Instant::now() + REFRESH;
        let mut seen = None;
        while std::time::Instant::now() < deadline {
            if let Ok(bar) = self.client.find(Locator::Css(&css)).await {
                seen = bar.attr("data-count").await.ok().flatten();
                if seen.as_deref() == Some(count.to_string().as_str()) {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the chart's {state} bar never showed {count}; data-count was {seen:?}");
    }

    /// Waits until `device-count` says `shown` devices: "N devices" (the contract), or
    /// "N of TOTAL devices" (what the console shows, with the unfiltered total).
    async fn wait_for_device_count(&self, shown: usize, total: usize) {
        let forms = [
            format!("{shown} devices"),
            format!("{shown} of {total} devices"),
        ];
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let mut seen = String::new();
        while std::time::Instant::now() < deadline {
            if let Ok(element) = self
                .client
                .find(Locator::Css(&tid(ids::DEVICE_COUNT)))
                .await
            {
                seen = element.text().await.unwrap_or_default().trim().to_owned();
                if forms.contains(&seen) {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("device-count never said {forms:?}; last seen {seen:?}");
    }

    /// The text of the element with this `data-testid` once it shows `expected`, or what it
    /// shows after a few seconds.
    async fn settled_text(&self, id: &str, expected: &str) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        let mut seen = self.text(id).await;
        while seen != expected && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
            seen = self.text(id).await;
        }
        seen
    }

    /// Whether exactly `n` elements have this `data-testid` within a few seconds.
    async fn count_becomes(&self, id: &str, n: usize) -> bool {
        let deadline = std::time::Instant::now() + Duration::from_secs(4);
        while std::time::Instant::now() < deadline {
            if self.css_all(&tid(id)).await.len() == n {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
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

    /// Every bar of the state chart as (data-state, data-count).
    async fn bars(&self) -> Vec<(String, String)> {
        let mut bars = Vec::new();
        for bar in self.css_all(&tid(ids::CHART_BAR)).await {
            let state = bar
                .attr("data-state")
                .await
                .ok()
                .flatten()
                .unwrap_or_default();
            let count = bar
                .attr("data-count")
                .await
                .ok()
                .flatten()
                .unwrap_or_default();
            bars.push((state, count));
        }
        bars
    }

    /// The device rows as (data-device-id, data-state).
    async fn device_rows(&self) -> Vec<(String, String)> {
        let mut rows = Vec::new();
        for row in self.css_all(&tid(ids::DEVICE_ROW)).await {
            let id = row
                .attr("data-device-id")
                .await
                .ok()
                .flatten()
                .unwrap_or_default();
            let state = row
                .attr("data-state")
                .await
                .ok()
                .flatten()
                .unwrap_or_default();
            rows.push((id, state));
        }
        rows.sort();
        rows
    }

    /// Waits until the device rows are exactly `expected` (sorted by id).
    async fn wait_for_device_rows(&self, expected: &[(String, String)]) {
        let mut expected = expected.to_vec();
        expected.sort();
        let deadline = std::time::Instant::now() + REFRESH;
        let mut seen = Vec::new();
        while std::time::Instant::now() < deadline {
            seen = self.device_rows().await;
            if seen == expected {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("device rows never became {expected:?}; last seen {seen:?}");
    }

    /// Creates a group on the groups page and returns its id (from its row).
    async fn create_group(&self, name: &str) -> String {
        self.nav_to("#/groups").await;
        self.type_into(ids::NEW_GROUP_NAME, name).await;
        self.click(ids::CREATE_GROUP).await;
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            for row in self.css_all(&tid(ids::GROUP_ROW)).await {
                let Ok(link) = row.find(Locator::Css(&tid(ids::GROUP_LINK))).await else {
                    continue;
                };
                if link.text().await.unwrap_or_default().trim() == name {
                    if let Ok(Some(id)) = row.attr("data-group-id").await {
                        return id;
                    }
                }
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no group-row for {name:?} after create-group"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Opens a group's page from the groups list.
    async fn open_group(&self, id: &str) {
        self.nav_to("#/groups").await;
        let row = format!("{}[data-group-id=\"{id}\"]", tid(ids::GROUP_ROW));
        let link = self.css(&format!("{row} {}", tid(ids::GROUP_LINK))).await;
        assert_eq!(
            link.attr("href")
                .await
                .expect("href")
                .as_deref()
                .map(fragment),
            Some(format!("#/groups/{id}").as_str()),
            "group-link of {id}"
        );
        link.click().await.expect("open the group");
        self.wait_for_fragment(&format!("#/groups/{id}")).await;
    }

    /// Opens a pool's tab from the pools list: "" (overview), "/devices", "/assignments".
    async fn open_pool(&self, pool: &str, tab: &str) {
        self.nav_to("#/pools").await;
        let row = format!("{}[data-pool-id=\"{pool}\"]", tid(ids::POOL_ROW));
        self.click_in(&row, ids::POOL_LINK).await;
        self.wait_for_fragment(&format!("#/pools/{pool}")).await;
        if !tab.is_empty() {
            let target = format!("#/pools/{pool}{tab}");
            let link = self
                .css(&format!("{}[href$=\"{target}\"]", tid(ids::POOL_TAB)))
                .await;
            link.click().await.expect("click the pool tab");
            self.wait_for_fragment(&target).await;
        }
    }

    /// Creates a device on the open group's page; returns the id of its new member row.
    async fn create_member(&self, name: &str, user: &str) -> String {
        let before = self
            .css_attrs(&tid(ids::MEMBER_ROW), "data-device-id")
            .await;
        self.type_into(ids::NEW_DEVICE_NAME, name).await;
        self.type_into(ids::NEW_DEVICE_USER, user).await;
        self.click(ids::CREATE_DEVICE).await;
        self.wait_for_count(ids::MEMBER_ROW, before.len() + 1).await;
        let after = self
            .css_attrs(&tid(ids::MEMBER_ROW), "data-device-id")
            .await;
        let new: Vec<&String> = after.iter().filter(|id| !before.contains(id)).collect();
        assert_eq!(new.len(), 1, "member rows {before:?} -> {after:?}");
        let row = format!("{}[data-device-id=\"{}\"]", tid(ids::MEMBER_ROW), new[0]);
        let text = self.css(&row).await.text().await.unwrap_or_default();
        assert!(
            text.contains(name),
            "the member row of {name:?} shows {text:?}"
        );
        new[0].clone()
    }
}

/// The fragment of an href (absolute or not).
fn fragment(href: &str) -> &str {
    href.find('#').map_or(href, |at| &href[at..])
}

/// The pool ids on the server.
fn pool_ids(pools: &[Value]) -> Vec<String> {
    pools
        .iter()
        .map(|p| p["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The harness itself, without a browser: the server serves the built app and the API on
/// the test's own database, and the token works.
#[tokio::test]
async fn the_server_serves_the_console_and_the_api_on_its_own_database() {
    let setup = Setup::start(&[]);
    let server = &setup.server;
    let backend = match setup._db.backend {
        Backend::Sqlite => "backend=Sqlite",
        Backend::Postgres => "backend=Postgres",
    };
    assert!(server.log().contains(backend), "{}", server.log());
    let index = http(server.url(), "GET", "/", None, None).expect("GET /");
    assert_eq!(index.status, 200);
    assert!(String::from_utf8_lossy(&index.body).contains("<html"));
    // The page policy (docs/server.md): the built index.html's inline loader is allowed
    // by its hash, nothing else inline.
    let csp = index.header("content-security-policy").unwrap_or_default();
    assert!(
        csp.starts_with("default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'sha256-")
            && csp.contains("object-src 'none'")
            && csp.ends_with("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(index.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(index.header("x-content-type-options"), Some("nosniff"));
    let (status, _) = server.get("not-a-token", POOLS);
    assert_eq!(status, 401);
    assert!(server.pools(&setup.token).is_empty());
    let pool = server.create_pool(&setup.token, "Harness", SMDP, 0, 2);
    assert_eq!(pool_ids(&server.pools(&setup.token)), [pool]);
}

/// Issue 11: the validator-only build at `/validator/` (docs/ARCHITECTURE.md, "Two
/// builds"), as a carrier opens it: served by esim-server under the page policy (its own
/// loader allowed by hash), its module brotli-encoded for a browser that accepts it; the
/// validator without the console - no navigation, and a valid file offers no upload to a
/// pool - accessible in both languages.
#[tokio::test]
async fn the_validator_only_page_checks_files_without_the_console() {
    let setup = Setup::start(&[]);
    let index =
        http(setup.server.url(), "GET", "/validator/", None, None).expect("GET /validator/");
    assert_eq!(index.status, 200);
    let html = String::from_utf8_lossy(&index.body).into_owned();
    assert!(html.contains("/validator/esim-validator.js"), "{html}");
    assert!(!html.contains("esim-console.js"), "{html}");
    let module = esim_test_support::http::get(&format!(
        "{}/validator/esim-validator_bg.wasm",
        setup.server.url()
    ))
    .header("accept-encoding", "br")
    .send()
    .expect("GET the validator's wasm");
    assert_eq!(module.status, 200);
    assert_eq!(module.header("content-encoding"), Some("br"));

    let url = format!("{}/validator/", setup.server.url());
    run_at(url, check::TEXT, |page| async move {
        let _setup = setup;
        page.upload("pool.csv", valid_csv(SMDP, 0, 2).as_bytes())
            .await;
        page.wait_for_text(check::VERDICT, "Valid").await;
        assert_eq!(page.text(check::CODE_COUNT).await, "2");
        assert!(!page.exists(ids::NAV).await, "the console's navigation");
        assert!(!page.exists(ids::UPLOAD).await, "an upload button");
        assert!(
            !page.exists(ids::UPLOAD_SIGN_IN).await,
            "the upload's sign-in hint"
        );
        page.assert_accessible("validator-only page, valid file")
            .await;
        page.click(check::LANG_SWITCH).await;
        page.wait_for_text(check::LANG_SWITCH, "English").await;
        page.wait_for_text(check::VERDICT, "Giltig").await;
        page.assert_accessible("validator-only page, Swedish").await;
    })
    .await;
}

/// Issue 11's size budgets: what a browser that accepts brotli downloads of the validator
/// page (carriers, embedding portals) and of the whole console - the page and every file it
/// names, as esim-server serves them, each sized as the server's brotli copy - stays under
/// 250 KB and 450 KB (`bench/RESULTS.md`, "What the browser downloads", reports the same
/// figures).
#[test]
fn each_page_downloads_within_its_budget() {
    use esim_test_support::served::{brotli_size, page_bodies, PAGES};
    let setup = Setup::start(&[]);
    let base = setup.server.url();
    for (what, path, budget) in PAGES {
        let files = page_bodies(base, path).expect("the page and its files");
        let sizes: Vec<(&str, usize)> = files
            .iter()
            .map(|(file, body)| (file.path.as_str(), brotli_size(body)))
            .collect();
        let sent: usize = sizes.iter().map(|(_, size)| size).sum();
        assert!(
            sent < budget,
            "{what} ({path}): {sent} bytes, over its budget of {budget}: {sizes:?}"
        );
        let wasm = files
            .iter()
            .map(|(file, _)| file)
            .find(|file| file.path.ends_with(".wasm"))
            .expect("the page's wasm module");
        assert_eq!(wasm.encoding, "br", "{}", wasm.path);
    }
}

/// Issue 15: an Excel export opened in the console as esim-server serves it - under its
/// page policy, which must let the page start the workbook reader's worker and compile its
/// wasm (the e2e tests use a plain static server) - is converted and uploaded as a pool;
/// the validator-only page reads it too.
#[tokio::test]
async fn a_workbook_becomes_a_pool_under_the_servers_page_policy() {
    let setup = Setup::start(&[]);
    let link = setup.sign_in_link();
    let workbook = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("crates/esim-csv/tests/data/carrier-workbook.xlsx"),
    )
    .expect("read the corpus workbook");
    let validator = format!("{}/validator/", setup.server.url());
    run_at(link, ids::NAV, |page| async move {
        let Setup { server, token, .. } = &setup;
        page.wait_for_fragment("#/pools").await;
        page.nav_to("#/").await;
        page.upload("carrier-workbook.xlsx", &workbook).await;
        page.element(check::MAPPING).await;
        assert_eq!(
            page.finding_codes().await,
            ["carrier-export", "iccid-checksum"]
        );
        page.assert_accessible("console, a workbook read under the page policy")
            .await;
        page.type_into(check::POOL_NAME, "Workbook phones").await;
        page.click(check::FIX).await;
        page.element(check::FIX_PREVIEW).await;
        page.wait_for_attr(&tid(check::FIXED_VERDICT), "data-verdict", "valid")
            .await;
        let upload = format!("{} {}", tid(check::RESULT), tid(ids::UPLOAD));
        page.css(&upload).await.click().await.expect("click upload");
        page.wait_for_fragment_prefix("#/pools/").await;
        let pools = server.pools(token);
        assert_eq!(pools.len(), 1, "{pools:?}");
        assert_eq!(pools[0]["activationCodeCount"], 3, "{pools:?}");

        page.client
            .goto(&validator)
            .await
            .expect("open /validator/");
        page.element(check::TEXT).await;
        page.upload("carrier-workbook.xlsx", &workbook).await;
        page.element(check::MAPPING).await;
        page.assert_accessible("validator page, a workbook read under the page policy")
            .await;
    })
    .await;
}

/// (a) The admin's whole journey.
#[tokio::test]
async fn an_admin_uploads_a_pool_targets_groups_and_watches_the_fleet() {
    let setup = Setup::start(&[]);
    let link = setup.sign_in_link();
    run_at(link, ids::NAV, |page| async move {
        let Setup { server, token, .. } = &setup;
        let base = server.url().to_owned();
        // Departures from the contract that do not stop the journey, reported at its end.
        let mut mismatches: Vec<String> = Vec::new();

        // 1. Signed in: the token left the address bar, the nav and the base URL show.
        page.wait_for_fragment("#/pools").await;
        let url = page.url().await;
        assert!(!url.contains(token.as_str()), "the token is still in {url}");
        let hrefs = page
            .css_attrs(&format!("{} a", tid(ids::NAV)), "href")
            .await;
        let fragments: Vec<&str> = hrefs.iter().map(|h| fragment(h)).collect();
        for expected in ["#/", "#/pools", "#/groups", "#/settings"] {
            assert!(
                fragments.contains(&expected),
                "nav links {hrefs:?} lack {expected}"
            );
        }
        page.wait_for_text_containing(ids::SIGNED_IN, &base, Duration::from_secs(20))
            .await;
        page.element(ids::NO_POOLS).await;
        page.assert_accessible("pools (empty)").await;

        // 2. A file with errors, fixed, then uploaded from the fix preview.
        page.nav_to("#/").await;
        page.upload("Skynet.csv", messy_csv().as_bytes()).await;
        page.wait_for_text(check::VERDICT, "Invalid").await;
        page.type_into(check::POOL_NAME, "Skynet phones").await;
        page.assert_accessible("check (invalid file)").await;
        page.click(check::FIX).await;
        page.element(check::FIX_PREVIEW).await;
        page.wait_for_attr(&tid(check::FIXED_VERDICT), "data-verdict", "valid")
            .await;
        // The repaired file takes the original's place; its upload is the result's.
        let upload = format!("{} {}", tid(check::RESULT), tid(ids::UPLOAD));
        page.css(&upload).await;
        page.assert_accessible("fix preview with upload").await;
        page.css(&upload).await.click().await.expect("click upload");
        // (Not a wait for the upload's status line: the upload can finish and leave for the
        // pool's page before the next poll, which made this step fail under load.)
        let overview = page.wait_for_fragment_prefix("#/pools/").await;
        let pool = overview.trim_start_matches("#/pools/").to_owned();
        assert!(!pool.is_empty() && !pool.contains('/'), "{overview}");
        // The pool is named as typed (checked at the end, so the journey goes on).
        let title = page.settled_text(ids::POOL_TITLE, "Skynet phones").await;
        if title != "Skynet phones" {
            mismatches.push(format!(
                "pool-title after the upload: expected \"Skynet phones\" (pool-name), \
                 saw {title:?}"
            ));
        }
        page.wait_for_text_containing(ids::CODES_LEFT, "5", Duration::from_secs(20))
            .await;
        assert_eq!(pool_ids(&server.pools(token)), std::slice::from_ref(&pool));
        page.element(ids::CHART).await;
        page.assert_accessible("pool overview (new)").await;

        // 3. Groups: "Sales phones" with three new devices, "Excluded" with one of them.
        let sales = page.create_group("Sales phones").await;
        page.assert_accessible("groups").await;
        page.open_group(&sales).await;
        let first = page.create_member("Phone 1", "anna@example.com").await;
        let second = page.create_member("Phone 2", "bo@example.com").await;
        let third = page.create_member("Phone 3", "cecilia@example.com").await;
        page.assert_accessible("group with members").await;
        let excluded = page.create_group("Excluded").await;
        page.open_group(&excluded).await;
        page.choose(ids::DEVICE_PICK, &third).await;
        page.click(ids::ADD_MEMBER).await;
        page.wait_for_count(ids::MEMBER_ROW, 1).await;
        page.css(&format!(
            "{}[data-device-id=\"{third}\"]",
            tid(ids::MEMBER_ROW)
        ))
        .await;
        // A member is no longer offered.
        let offered = page
            .css_attrs(&format!("{} option", tid(ids::DEVICE_PICK)), "value")
            .await;
        assert!(
            !offered.contains(&third),
            "device-pick still offers {third}: {offered:?}"
        );

        // The fleet the simulator drives: every device, whatever the targeting (a device
        // that leaves Sales phones keeps checking in, and learns its profile must go).
        let fleet = page.create_group("Fleet").await;
        page.open_group(&fleet).await;
        for (n, device) in [&first, &second, &third].into_iter().enumerate() {
            page.choose(ids::DEVICE_PICK, device).await;
            page.click(ids::ADD_MEMBER).await;
            if !page.count_becomes(ids::MEMBER_ROW, n + 1).await {
                let shown = page.select_value(ids::DEVICE_PICK).await;
                mismatches.push(format!(
                    "device-pick + add-member: choosing device {device} (the select already \
                     showed {shown:?} after the previous add) and clicking add-member added \
                     nothing; it worked only after choosing another option first"
                ));
                page.choose(ids::DEVICE_PICK, "").await;
                page.choose(ids::DEVICE_PICK, device).await;
                page.click(ids::ADD_MEMBER).await;
                page.wait_for_count(ids::MEMBER_ROW, n + 1).await;
            }
        }

        // 4. Include Sales phones, exclude Excluded; users cannot be targeted.
        page.open_pool(&pool, "/assignments").await;
        page.element(ids::NO_USERS).await;
        page.choose(ids::ASSIGN_GROUP, &sales).await;
        page.choose(ids::ASSIGN_MODE, "include").await;
        page.click(ids::ADD_ASSIGNMENT).await;
        page.wait_for_text_containing(ids::INCLUDED, "Sales phones", Duration::from_secs(20))
            .await;
        page.choose(ids::ASSIGN_GROUP, &excluded).await;
        page.choose(ids::ASSIGN_MODE, "exclude").await;
        page.click(ids::ADD_ASSIGNMENT).await;
        page.wait_for_text_containing(ids::EXCLUDED, "Excluded", Duration::from_secs(20))
            .await;
        assert_eq!(
            page.css_all(&format!("{} li", tid(ids::INCLUDED)))
                .await
                .len(),
            1
        );
        assert_eq!(
            page.css_all(&format!("{} li", tid(ids::EXCLUDED)))
                .await
                .len(),
            1
        );
        page.assert_accessible("assignments (unsaved)").await;
        page.click(ids::SAVE_ASSIGNMENTS).await;
        page.element(ids::SAVED).await;
        let (status, assignments) = server.get(token, &format!("{POOLS}/{pool}/assignments"));
        assert_eq!(status, 200, "{assignments}");
        let targets: Vec<(String, String)> = assignments["value"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|a| {
                (
                    a["target"]["@odata.type"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    a["target"]["groupId"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                )
            })
            .collect();
        assert_eq!(targets.len(), 2, "{assignments}");
        assert!(
            targets.contains(&(
                "#microsoft.graph.groupAssignmentTarget".into(),
                sales.clone()
            )),
            "{assignments}"
        );
        assert!(
            targets.contains(&(
                "#microsoft.graph.exclusionGroupAssignmentTarget".into(),
                excluded.clone()
            )),
            "{assignments}"
        );
        page.assert_accessible("assignments (saved)").await;

        // 5. The fleet checks in twice: two devices active, the excluded one not targeted.
        server.simulate(token, &fleet, 2).await;
        page.open_pool(&pool, "").await;
        page.wait_for_bar("active", 2).await;
        for state in ["notSynced", "pending", "failed", "removed"] {
            page.wait_for_bar(state, 0).await;
        }
        let states: Vec<String> = page.bars().await.into_iter().map(|(s, _)| s).collect();
        assert_eq!(
            states,
            ["notSynced", "pending", "active", "failed", "removed"]
        );
        page.wait_for_text_containing(ids::CODES_LEFT, "3", Duration::from_secs(20))
            .await;
        page.assert_accessible("pool overview (active devices)")
            .await;

        page.open_pool(&pool, "/devices").await;
        page.element(ids::DEVICE_TABLE).await;
        let active = |id: &String| (id.clone(), "active".to_owned());
        page.wait_for_device_rows(&[active(&first), active(&second)])
            .await;
        page.wait_for_device_count(2, 2).await;
        page.assert_accessible("devices").await;
        // Filter by state and search by name. The table holds every device of the pool
        // (read with no filter): the status filter is answered in the browser, without
        // reading the pool again.
        let reads = "return performance.getEntriesByType('resource')\
                     .filter((e) => e.name.includes('/deviceStates'))\
                     .map((e) => decodeURIComponent(e.name));";
        page.script("performance.clearResourceTimings(); return null;", vec![])
            .await;
        page.choose(ids::STATE_FILTER, "failed").await;
        page.wait_for_count(ids::DEVICE_ROW, 0).await;
        page.choose(ids::STATE_FILTER, "active").await;
        page.wait_for_count(ids::DEVICE_ROW, 2).await;
        assert_eq!(
            page.script(reads, vec![]).await,
            json!([]),
            "a filter read again"
        );
        // A refresh of the filtered table reads only those devices (the server's
        // `$filter`); back to all states then reads the whole pool again.
        page.click(ids::REFRESH).await;
        page.wait_until_script(
            "return performance.getEntriesByType('resource').some((e) => \
             decodeURIComponent(e.name).includes('$filter=state eq '));",
            "the refresh of the filtered table",
        )
        .await;
        page.wait_for_count(ids::DEVICE_ROW, 2).await;
        page.script("performance.clearResourceTimings(); return null;", vec![])
            .await;
        page.choose(ids::STATE_FILTER, "").await;
        page.wait_until_script(
            "return performance.getEntriesByType('resource').some((e) => \
             e.name.includes('/deviceStates') && !decodeURIComponent(e.name).includes('$filter'));",
            "the read of every state",
        )
        .await;
        page.wait_for_device_count(2, 2).await;
        page.type_into(ids::DEVICE_SEARCH, "Phone 2").await;
        page.wait_for_device_rows(&[active(&second)]).await;
        page.type_into(ids::DEVICE_SEARCH, "").await;
        page.wait_for_count(ids::DEVICE_ROW, 2).await;
        page.click(ids::EXPORT_CSV).await;
        let (name, csv) = page.download_any("csv").await;
        let csv = String::from_utf8(csv).expect("a UTF-8 export");
        assert_eq!(
            csv.lines().filter(|l| !l.trim().is_empty()).count(),
            3,
            "{name}:\n{csv}"
        );
        assert!(
            csv.contains("Phone 1") && csv.contains("Phone 2"),
            "{name}:\n{csv}"
        );
        assert!(!csv.contains("Phone 3"), "{name}:\n{csv}");

        // 6. A device leaves Sales phones; after one round its profile is removed.
        page.open_group(&sales).await;
        page.wait_for_count(ids::MEMBER_ROW, 3).await;
        let row = format!("{}[data-device-id=\"{first}\"]", tid(ids::MEMBER_ROW));
        // Removing a device removes its profile: a dialog asks first (cancel keeps it),
        // and says so when it is done.
        page.click_in(&row, ids::REMOVE_MEMBER).await;
        page.element(ids::CONFIRM_DIALOG).await;
        let question = page.text(ids::CONFIRM_DIALOG).await;
        assert!(
            question.contains("Phone 1") && question.contains("eSIM profile"),
            "{question}"
        );
        assert_eq!(
            page.focused().await,
            ids::CANCEL_CONFIRM,
            "the dialog takes the focus"
        );
        page.assert_accessible("remove member confirmation").await;
        page.click(ids::CANCEL_CONFIRM).await;
        assert!(!page.exists(ids::CONFIRM_DIALOG).await);
        assert_eq!(
            page.focused().await,
            ids::REMOVE_MEMBER,
            "the focus is back"
        );
        assert_eq!(page.css_all(&tid(ids::MEMBER_ROW)).await.len(), 3);
        page.click_in(&row, ids::REMOVE_MEMBER).await;
        page.click(ids::CONFIRM_REMOVE).await;
        page.wait_for_count(ids::MEMBER_ROW, 2).await;
        page.wait_for_text_containing(ids::DONE, "Phone 1 was removed", Duration::from_secs(20))
            .await;
        server.simulate(token, &fleet, 1).await;
        page.open_pool(&pool, "/devices").await;
        page.wait_for_device_rows(&[(first.clone(), "removed".into()), active(&second)])
            .await;
        page.open_pool(&pool, "").await;
        page.wait_for_bar("removed", 1).await;
        page.wait_for_bar("active", 1).await;
        page.assert_accessible("pool overview (a device removed)")
            .await;

        // 7. A second file with ICCIDs of the first: flagged as soon as it is checked
        // (the server's pre-upload check), before anything is sent.
        page.nav_to("#/").await;
        page.upload("Skynet-more.csv", valid_csv(SMDP, 3, 4).as_bytes())
            .await;
        page.wait_for_attr(&tid(check::VERDICT), "data-verdict", "invalid")
            .await;
        page.element(ids::PRECHECK_FINDING).await;
        let findings = page.texts(ids::PRECHECK_FINDING).await;
        let flagged = findings
            .iter()
            .filter(|f| f.contains("iccid-already-imported"))
            .count();
        assert_eq!(flagged, 2, "precheck-finding rows: {findings:?}");
        // The pool for the same SM-DP+ address is offered instead.
        page.element(ids::ADD_TO_POOL).await;
        page.assert_accessible("pre-upload findings").await;
        assert_eq!(pool_ids(&server.pools(token)), std::slice::from_ref(&pool));
        assert!(page.url().await.ends_with("#/"), "{}", page.url().await);

        // 8. New codes for the same SM-DP+ address: the pool is offered (a warning, not a
        // block), and "Add these codes to {pool}" adds them to it instead of a second pool.
        page.nav_to("#/").await;
        page.upload("Skynet-new.csv", valid_csv(SMDP, 10, 3).as_bytes())
            .await;
        page.wait_for_text(check::VERDICT, "Valid").await;
        let add = page.element(ids::ADD_TO_POOL).await;
        assert!(
            add.text()
                .await
                .expect("its label")
                .contains("Skynet phones"),
            "the button names the pool"
        );
        add.click().await.expect("click add to pool");
        let count = || {
            server.pools(token)[0]["activationCodeCount"]
                .as_i64()
                .unwrap_or_default()
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while count() != 8 && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(count(), 8, "5 codes and the 3 added");
        assert_eq!(pool_ids(&server.pools(token)), std::slice::from_ref(&pool));

        assert!(
            mismatches.is_empty(),
            "contract mismatches: {mismatches:#?}"
        );
    })
    .await;
}

/// The pool's code count, read through the API, once it is `expected` (or after 20 s).
fn settled_count(server: &EsimServer, token: &str, pool: &str, expected: i64) -> i64 {
    let count = || {
        let (status, body) = server.get(token, &format!("{POOLS}/{pool}"));
        assert_eq!(status, 200, "GET the pool: {body}");
        body["activationCodeCount"].as_i64().unwrap_or_default()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while count() != expected && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    count()
}

/// Issue 14 item 1: a file whose codes overlap a pool is flagged as soon as it is checked,
/// and has a way forward - its new codes added to the pool, or the codes the server has
/// removed (a new file, checked again); what is not possible says why.
#[tokio::test]
async fn an_overlapping_file_has_a_way_into_the_pool() {
    let setup = Setup::start(&[]);
    let pool = setup.server.create_pool(&setup.token, "Skynet", SMDP, 0, 2);
    let link = setup.sign_in_link();
    run_at(link, ids::NAV, |page| async move {
        let Setup { server, token, .. } = &setup;
        page.wait_for_fragment("#/pools").await;

        // Codes 0-4: the server has 0 and 1. The verdict is the upload's, at once.
        page.nav_to("#/").await;
        page.upload("more.csv", valid_csv(SMDP, 0, 5).as_bytes())
            .await;
        page.wait_for_attr(&tid(check::VERDICT), "data-verdict", "invalid")
            .await;
        page.wait_for_count(ids::PRECHECK_FINDING, 3).await;
        let summary = page.text(ids::PRECHECK_SUMMARY).await;
        assert!(summary.contains("2 of its 5"), "{summary}");
        assert!(
            !page.exists(check::NO_FINDINGS).await,
            "no findings beside a refusal"
        );
        assert!(
            !page.exists(ids::UPLOAD).await,
            "an upload the server refuses is not offered"
        );
        let add = page.element(ids::ADD_TO_POOL).await;
        let label = add.text().await.expect("its label");
        assert!(label.contains("(3)") && label.contains("Skynet"), "{label}");
        page.element(ids::REMOVE_IMPORTED).await;
        page.assert_accessible("overlap found before the upload")
            .await;
        add.click().await.expect("click add to pool");
        page.wait_for_fragment(&format!("#/pools/{pool}")).await;
        assert_eq!(
            settled_count(server, token, &pool, 5),
            5,
            "2 codes and the 3 new ones"
        );

        // The same file again: nothing is new, and both actions say why not.
        page.nav_to("#/").await;
        page.upload("more.csv", valid_csv(SMDP, 0, 5).as_bytes())
            .await;
        page.wait_for_attr(&tid(check::VERDICT), "data-verdict", "invalid")
            .await;
        page.element(ids::PRECHECK_REASON).await;
        for id in [ids::ADD_TO_POOL, ids::REMOVE_IMPORTED] {
            assert!(
                page.attr(id, "disabled").await.is_some(),
                "{id} is not disabled"
            );
            let reason = page.attr(id, "aria-describedby").await.unwrap_or_default();
            assert!(!reason.is_empty(), "{id} does not point at its reason");
        }
        page.assert_accessible("nothing new to add").await;

        // Codes 3-6: the server has 3 and 4. Removing them gives a new file, checked
        // again: valid, and the pool with its SM-DP+ address is offered.
        page.upload("third.csv", valid_csv(SMDP, 3, 4).as_bytes())
            .await;
        page.wait_for_text_containing(check::SOURCE, "third.csv", Duration::from_secs(20))
            .await;
        page.wait_for_attr(&tid(check::VERDICT), "data-verdict", "invalid")
            .await;
        page.click(ids::REMOVE_IMPORTED).await;
        page.wait_for_text_containing(check::SOURCE, "third-fixed.csv", Duration::from_secs(20))
            .await;
        page.wait_for_text(check::CODE_COUNT, "2").await;
        page.wait_for_attr(&tid(check::VERDICT), "data-verdict", "valid")
            .await;
        page.element(ids::UPLOAD_ANYWAY).await;
        page.click(ids::ADD_TO_POOL).await;
        page.wait_for_fragment(&format!("#/pools/{pool}")).await;
        assert_eq!(settled_count(server, token, &pool, 7), 7, "and 5 and 6");
        assert_eq!(pool_ids(&server.pools(token)), std::slice::from_ref(&pool));
    })
    .await;
}

impl Page {
    /// Waits until, for each part, some finding message (`FINDING_MESSAGE`) contains it.
    async fn wait_for_messages(&self, parts: &[&str]) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let mut seen = Vec::new();
        while std::time::Instant::now() < deadline {
            seen = self.texts(check::FINDING_MESSAGE).await;
            if parts
                .iter()
                .all(|part| seen.iter().any(|m| m.contains(part)))
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the findings never said {parts:?}; they say {seen:?}");
    }

    /// Waits until the first element matching `css` has text (`textContent`) containing
    /// `part`.
    async fn wait_for_css_text(&self, css: &str, part: &str) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let mut seen = String::new();
        while std::time::Instant::now() < deadline {
            let text = self
                .client
                .execute(
                    "const e = document.querySelector(arguments[0]); return e ? e.textContent : '';",
                    vec![json!(css)],
                )
                .await;
            seen = text
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            if seen.contains(part) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} never said {part:?}; it says {seen:?}");
    }
}

/// Issue 14 item 3: the findings of the server's pre-upload check (codes it has, a pool
/// for the operator) are redrawn in the language the page switches to, both ways, without
/// checking the file again.
#[tokio::test]
async fn the_servers_findings_follow_the_language_switch() {
    let setup = Setup::start(&[]);
    setup.server.create_pool(&setup.token, "Skynet", SMDP, 0, 2);
    let link = setup.sign_in_link();
    run_at(link, ids::NAV, |page| async move {
        let _setup = &setup;
        page.wait_for_fragment("#/pools").await;
        page.nav_to("#/").await;
        page.upload("more.csv", valid_csv(SMDP, 0, 5).as_bytes())
            .await;
        page.wait_for_count(ids::PRECHECK_FINDING, 3).await;
        let english = [
            "The pool \"Skynet\" already uses the SM-DP+ address",
            "is already in the pool \"Skynet\" on the server",
        ];
        page.wait_for_messages(&english).await;

        page.click(check::LANG_SWITCH).await;
        page.wait_for_messages(&[
            "Poolen \"Skynet\" använder redan SM-DP+-adressen",
            "finns redan i poolen \"Skynet\" på servern",
        ])
        .await;
        let messages = page.texts(check::FINDING_MESSAGE).await;
        assert!(
            messages.iter().all(|m| !m.contains("already")),
            "a finding stayed English: {messages:?}"
        );
        page.wait_for_text_containing(ids::PRECHECK_SUMMARY, "2 av dess 5", Duration::from_secs(5))
            .await;
        page.assert_accessible("the server's findings in Swedish")
            .await;

        page.click(check::LANG_SWITCH).await;
        page.wait_for_messages(&english).await;
        let messages = page.texts(check::FINDING_MESSAGE).await;
        assert!(
            messages.iter().all(|m| !m.contains("redan")),
            "a finding stayed Swedish: {messages:?}"
        );
    })
    .await;
}

impl Page {
    /// The tag and text of the element with the keyboard focus, e.g. `H1 Device groups`.
    async fn focus_description(&self) -> String {
        self.client
            .execute(
                "const e = document.activeElement; \
                 return e ? e.tagName + ' ' + (e.id === 'main-content' ? '#main-content' : e.textContent.trim()) : '';",
                vec![],
            )
            .await
            .expect("read the focused element")
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Waits until the focused element is described as `expected`.
    async fn wait_for_focus(&self, expected: &str) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let mut seen = String::new();
        while std::time::Instant::now() < deadline {
            seen = self.focus_description().await;
            if seen == expected {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the focus never reached {expected:?}; it is on {seen:?}");
    }
}

/// Issue 14 item 4: the first Tab reaches a skip link that moves the focus to the content,
/// and every route change moves the focus to the new page's heading.
#[tokio::test]
async fn the_focus_follows_navigation_and_skips_to_the_content() {
    use support::{ENTER, TAB};
    let setup = Setup::start(&[]);
    let link = setup.sign_in_link();
    run_at(link, ids::NAV, |page| async move {
        page.wait_for_fragment("#/pools").await;
        page.element(ids::NO_POOLS).await;
        assert_eq!(
            page.tab_to(ids::SKIP_LINK, 1).await,
            1,
            "the skip link is the first stop"
        );
        page.assert_accessible("skip link focused").await;
        page.keys(ENTER).await;
        page.wait_for_focus("MAIN #main-content").await;
        assert!(
            page.url().await.ends_with("#/pools"),
            "the skip link left the route alone"
        );
        page.keys(TAB).await;
        let inside: serde_json::Value = page
            .client
            .execute("return !!document.activeElement.closest('main');", vec![])
            .await
            .expect("read the focus");
        assert_eq!(inside, json!(true), "the next Tab is in the content");

        page.nav_to("#/groups").await;
        page.wait_for_focus("H1 Device groups").await;
        page.nav_to("#/settings").await;
        page.wait_for_focus("H1 Settings").await;
        page.nav_to("#/").await;
        page.wait_for_focus("H1 Check eSIM activation codes").await;
        page.nav_to("#/pools").await;
        page.wait_for_focus("H1 eSIM cellular pools").await;
        page.assert_accessible("pools, heading focused").await;
        // Back goes to the previous page's heading too.
        page.client.back().await.expect("back");
        page.wait_for_focus("H1 Check eSIM activation codes").await;
    })
    .await;
}

/// Issue 14 item 5: the embedded validator is only the validator - signed in or not, it
/// offers no console action (no upload, no sign-in notice, no navigation).
#[tokio::test]
async fn the_embedded_validator_shows_no_console_actions() {
    let portal = HostPage::start();
    let db = TestDatabase::new();
    let token = EsimServer::token(&db, "admin");
    let server = EsimServer::start(&db, &[&portal.origin]);
    // Signed in through the link, in the frame itself (its storage is the portal's
    // partition, not a console tab's).
    portal.frame(&format!("{}/?embed=validator#token={token}", server.url()));
    let setup = Setup {
        server,
        token,
        _db: db,
    };
    run_at(portal.url.clone(), "portal-frame", |page| async move {
        let _setup = setup;
        let frame = page.element("portal-frame").await;
        frame
            .enter_frame()
            .await
            .expect("enter the validator's frame");
        page.upload("pool.csv", valid_csv(SMDP, 0, 2).as_bytes())
            .await;
        page.wait_for_text(check::VERDICT, "Valid").await;
        // What a signed-in console shows under a valid file, were it there.
        tokio::time::sleep(Duration::from_millis(500)).await;
        for id in [
            ids::UPLOAD,
            ids::UPLOAD_SIGN_IN,
            ids::UPLOAD_STATUS,
            ids::NAV,
        ] {
            assert!(
                !page.exists(id).await,
                "the embedded validator shows [data-testid={id}]"
            );
        }
        page.assert_accessible("embedded validator, signed in")
            .await;
    })
    .await;
}

/// Issue 14 item 6, as in the Intune admin center: Import on the Pools page, a group's id
/// to copy, and the member count of each assigned group.
#[tokio::test]
async fn pools_offer_import_and_groups_show_their_ids_and_sizes() {
    let setup = Setup::start(&[]);
    let pool = setup.server.create_pool(&setup.token, "Skynet", SMDP, 0, 3);
    let link = setup.sign_in_link();
    run_at(link, ids::NAV, |page| async move {
        let _setup = &setup;
        page.wait_for_fragment("#/pools").await;
        page.click(ids::IMPORT_POOL).await;
        page.wait_for_fragment("#/").await;
        page.element(check::FILE).await;

        let group = page.create_group("Sales phones").await;
        page.open_group(&group).await;
        let shown: Value = page
            .client
            .execute(
                "return document.querySelector('[data-testid=\"group-id\"]').value;",
                vec![],
            )
            .await
            .expect("read the group id field");
        assert_eq!(shown, json!(group), "the group's id is shown");
        page.click(ids::COPY_GROUP_ID).await;
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let mut status = String::new();
        while status.is_empty() && std::time::Instant::now() < deadline {
            status = page.text(ids::COPY_STATUS).await;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Copied, or (a browser that refuses the clipboard) selected for Ctrl+C.
        let selected: Value = page
            .client
            .execute(
                "const e = document.activeElement; \
                 return e.getAttribute('data-testid') === 'group-id' \
                   && e.selectionStart === 0 && e.selectionEnd === e.value.length;",
                vec![],
            )
            .await
            .expect("read the selection");
        assert!(
            status == "Copied." || (status.starts_with("Selected") && selected == json!(true)),
            "copy-status {status:?}, selected {selected}"
        );
        page.create_member("Phone 1", "anna@example.com").await;
        page.create_member("Phone 2", "bo@example.com").await;
        page.assert_accessible("group with its id").await;

        page.open_pool(&pool, "/assignments").await;
        page.choose(ids::ASSIGN_GROUP, &group).await;
        page.choose(ids::ASSIGN_MODE, "include").await;
        page.click(ids::ADD_ASSIGNMENT).await;
        page.wait_for_text_containing(ids::MEMBER_COUNT, "(2 devices)", Duration::from_secs(20))
            .await;
        page.assert_accessible("assignments with member counts")
            .await;
    })
    .await;
}

/// (b) A wrong token and a server that went away say so in plain words.
#[tokio::test]
async fn a_wrong_token_and_a_stopped_server_are_explained() {
    let setup = Setup::start(&[]);
    let wrong = format!("{}/#token=not-a-token", setup.server.url());
    run_at(wrong, ids::NAV, |page| async move {
        let mut setup = setup;
        // The wrong token is refused with a message about the token.
        let error = page.element(ids::API_ERROR).await;
        assert_eq!(
            error.attr("role").await.expect("role").as_deref(),
            Some("alert")
        );
        page.wait_for_text_containing(ids::API_ERROR, "token", Duration::from_secs(20))
            .await;
        assert!(!page.url().await.contains("not-a-token"));
        page.assert_accessible("wrong token").await;

        // Signed out: the server views ask to sign in.
        page.client
            .execute("window.sessionStorage.clear();", vec![])
            .await
            .expect("clear sessionStorage");
        page.client
            .goto(&format!("{}/#/pools", setup.server.url()))
            .await
            .expect("open the pools");
        page.client.refresh().await.expect("reload");
        page.element(ids::SIGN_IN_NEEDED).await;
        page.assert_accessible("sign-in needed").await;

        // The right token; then the server stops.
        page.client
            .goto(&setup.sign_in_link())
            .await
            .expect("open the sign-in link");
        page.client.refresh().await.expect("reload");
        page.element(ids::NO_POOLS).await;
        assert!(!page.exists(ids::API_ERROR).await);
        setup.server.stop();
        page.nav_to("#/groups").await;
        let error = page.element(ids::API_ERROR).await;
        assert_eq!(
            error.attr("role").await.expect("role").as_deref(),
            Some("alert")
        );
        let text = page.text(ids::API_ERROR).await;
        assert!(
            text.to_lowercase().contains("reach"),
            "api-error for a stopped server: {text:?}"
        );
        page.assert_accessible("server down").await;
    })
    .await;
}

/// (c) Renaming a pool, and deleting it only after the confirmation.
#[tokio::test]
async fn a_pool_is_renamed_and_deleted_after_confirmation() {
    let setup = Setup::start(&[]);
    let pool = setup
        .server
        .create_pool(&setup.token, "Old name", SMDP, 100, 3);
    let link = setup.sign_in_link();
    run_at(link, ids::NAV, |page| async move {
        let Setup { server, token, .. } = &setup;
        let row = format!("{}[data-pool-id=\"{pool}\"]", tid(ids::POOL_ROW));
        page.css(&row).await;
        page.wait_for_text(ids::POOL_LINK, "Old name").await;
        let href = page.attr(ids::POOL_LINK, "href").await.unwrap_or_default();
        assert_eq!(fragment(&href), format!("#/pools/{pool}"));
        assert_eq!(page.text(ids::POOL_SMDP).await, SMDP);
        let used: String = page.text(ids::POOL_USED).await.split_whitespace().collect();
        assert_eq!(used, "0/3");
        page.element(ids::POOL_GROUPS).await;
        page.element(ids::POOL_STATUS).await;
        page.assert_accessible("pools (one pool)").await;

        page.click_in(&row, ids::RENAME).await;
        page.type_into(ids::RENAME_INPUT, "New name").await;
        page.assert_accessible("rename").await;
        page.click(ids::RENAME_SAVE).await;
        page.wait_for_text(ids::POOL_LINK, "New name").await;
        let pools = server.pools(token);
        assert_eq!(pools.len(), 1);
        assert_eq!(pools[0]["displayName"], "New name");

        // Cancelled: nothing happens, and the focus is back on Delete.
        page.click_in(&row, ids::DELETE).await;
        page.element(ids::CONFIRM_DELETE).await;
        let question = page.text(ids::CONFIRM_DIALOG).await;
        assert!(
            question.contains("New name") && question.contains("next check-in"),
            "the dialog names the pool and the consequence: {question}"
        );
        assert_eq!(
            page.focused().await,
            ids::CANCEL_DELETE,
            "the dialog takes the focus"
        );
        page.assert_accessible("delete confirmation").await;
        // The dialog is modal: Tab stays in it.
        page.keys(support::TAB).await;
        page.keys(support::TAB).await;
        let inside: Value = page
            .client
            .execute("return !!document.activeElement.closest('dialog');", vec![])
            .await
            .expect("read the focus");
        assert_eq!(inside, json!(true), "the focus left the dialog");
        page.click(ids::CANCEL_DELETE).await;
        page.css(&row).await;
        assert!(!page.exists(ids::CONFIRM_DELETE).await);
        assert_eq!(
            page.focused().await,
            ids::DELETE,
            "the focus is back on Delete"
        );
        assert_eq!(server.pools(token).len(), 1);

        // Escape cancels too.
        page.click_in(&row, ids::DELETE).await;
        page.element(ids::CONFIRM_DELETE).await;
        page.keys("\u{e00c}").await;
        assert!(
            !page.exists(ids::CONFIRM_DIALOG).await,
            "Escape closes the dialog"
        );
        assert_eq!(server.pools(token).len(), 1);

        // Confirmed: gone, and said so.
        page.click_in(&row, ids::DELETE).await;
        page.click(ids::CONFIRM_DELETE).await;
        page.element(ids::NO_POOLS).await;
        page.wait_for_text(ids::DONE, "The pool \u{201c}New name\u{201d} was deleted.")
            .await;
        assert!(!page.exists(ids::POOL_ROW).await);
        assert_eq!(server.pools(token).len(), 0);
    })
    .await;
}

/// (d) A portal on another origin frames the console (`--frame-ancestor`).
#[tokio::test]
async fn a_portal_on_another_origin_frames_the_console() {
    // The console allows exactly the portal's origin; the portal frames the console.
    let portal = HostPage::start();
    let db = TestDatabase::new();
    let token = EsimServer::token(&db, "admin");
    let server = EsimServer::start(&db, &[&portal.origin]);
    portal.frame(&format!("{}/#/pools", server.url()));
    let setup = Setup {
        server,
        token,
        _db: db,
    };

    // The console says whom it lets frame it.
    let response = http(setup.server.url(), "GET", "/", None, None).expect("GET /");
    assert_eq!(response.status, 200);
    let csp = response
        .header("content-security-policy")
        .unwrap_or_default();
    assert!(
        csp.starts_with("default-src 'self'; ")
            && csp.ends_with(&format!("; frame-ancestors {}", portal.origin)),
        "{csp}"
    );

    let origin = portal.origin.clone();
    run_at(portal.url.clone(), "portal-frame", |page| async move {
        let _setup = setup;
        let frame = page.element("portal-frame").await;
        frame
            .enter_frame()
            .await
            .expect("enter the console's frame");
        page.element(ids::NAV).await;
        page.element(ids::SIGN_IN_NEEDED).await;
        let top = page.url().await;
        assert!(top.starts_with(&origin), "the top page is {top}");
        let inside = page
            .client
            .execute("return window.location.href;", vec![])
            .await
            .expect("the frame's location");
        let inside = inside.as_str().unwrap_or_default();
        assert!(inside.ends_with("#/pools"), "the frame shows {inside}");
        page.assert_accessible("framed console").await;
    })
    .await;
}

/// Keyboard only, in Swedish: the language switch, the navigation, a form and a link are
/// reached with Tab and used with Enter; a name the server refuses is explained in Swedish
/// (the server's own message); the group and its device are created.
#[tokio::test]
async fn the_console_works_from_the_keyboard_in_swedish() {
    use support::ENTER;
    let setup = Setup::start(&[]);
    let link = setup.sign_in_link();
    run_at(link, ids::NAV, |page| async move {
        page.tab_to(check::LANG_SWITCH, 20).await;
        page.keys(ENTER).await;
        page.wait_for_text(ids::NAV_GROUPS, "Enhetsgrupper").await;
        page.tab_to(ids::NAV_GROUPS, 20).await;
        page.keys(ENTER).await;
        page.element(ids::NEW_GROUP_NAME).await;
        page.tab_to(ids::NEW_GROUP_NAME, 20).await;
        // A name the server refuses: its message comes in the page's language (the console
        // sends Accept-Language: sv).
        page.keys("<1>").await;
        page.keys(ENTER).await;
        page.wait_for_text_containing(
            ids::API_ERROR,
            "displayName innehåller '<'; använd bokstäver",
            Duration::from_secs(20),
        )
        .await;
        page.assert_accessible("server error, Swedish").await;
        page.keys(&"\u{e003}".repeat(3)).await;
        page.keys("Lager").await;
        page.keys(ENTER).await;
        page.wait_for_text(ids::GROUP_LINK, "Lager").await;
        page.tab_to(ids::GROUP_LINK, 20).await;
        page.keys(ENTER).await;
        page.element(ids::NEW_DEVICE_NAME).await;
        page.tab_to(ids::NEW_DEVICE_NAME, 30).await;
        page.keys("Skanner 1").await;
        page.keys(ENTER).await;
        page.element(ids::MEMBER_ROW).await;
        assert!(page.text(ids::MEMBER_ROW).await.contains("Skanner 1"));
        page.assert_accessible("group page, Swedish, after keyboard use")
            .await;
    })
    .await;
}

/// A failed install is retried from the device table: the state goes back to "Device not
/// synced", and the next check-in installs a new code (the failed one stays used).
#[tokio::test]
async fn a_failed_install_is_retried_from_the_device_table() {
    let setup = Setup::start(&[]);
    let (server, token) = (&setup.server, &setup.token);
    let pool = server.create_pool(token, "Retry pool", SMDP, 300, 5);
    let (group, device) =
        server.targeted_device(token, &pool, "Retry", ("Phone R", "rut@example.com"));
    let link = setup.sign_in_link();
    run_at(link, ids::NAV, move |page| async move {
        let (server, token) = (&setup.server, &setup.token);
        server.simulate_with(token, &group, 1, 1.0).await;
        page.go(&format!("#/pools/{pool}/devices")).await;
        let row = format!("{}[data-device-id=\"{device}\"]", tid(ids::DEVICE_ROW));
        page.wait_for_attr(&row, "data-state", "failed").await;
        page.assert_accessible("device table with a failed install")
            .await;
        // The simulator's detail follows the page's language (issue 14 item 4).
        let state = format!("{row} td:nth-of-type(3)");
        page.wait_for_css_text(&state, "Simulated: the SM-DP+ server refused")
            .await;
        page.click(check::LANG_SWITCH).await;
        page.wait_for_css_text(&state, "Simulerat: SM-DP+-servern vägrade nedladdningen.")
            .await;
        page.click(check::LANG_SWITCH).await;
        page.wait_for_css_text(&state, "Simulated: the SM-DP+ server refused")
            .await;
        page.click(ids::RETRY).await;
        page.wait_for_attr(&row, "data-state", "notSynced").await;
        assert!(
            !page.exists(ids::RETRY).await,
            "no retry on a state that is not failed"
        );
        server.simulate(token, &group, 1).await;
        page.click(ids::REFRESH).await;
        page.wait_for_attr(&row, "data-state", "active").await;
        // The operator's "active" is translated with the page (issue 14 item 4).
        let cellular = format!("{row} td:nth-of-type(4)");
        page.wait_for_css_text(&cellular, "Active").await;
        page.click(check::LANG_SWITCH).await;
        page.wait_for_css_text(&cellular, "Aktiv").await;
        page.click(check::LANG_SWITCH).await;
        // Codes are single-use: the failed one stays used, so two of five are gone.
        let pools = server.pools(token);
        assert_eq!(pools[0]["usedActivationCodeCount"], 2, "{pools:?}");
    })
    .await;
}

/// The audit log (issue 12): an admin's actions appear newest first with who did them,
/// filtered by actor and action on the server, older pages on request, exported as CSV
/// with a formula cell neutralised; a reader gets no link and the server's refusal.
#[tokio::test]
async fn the_audit_log_names_who_did_what_and_exports_safely() {
    let setup = Setup::start(&[]);
    let (server, token) = (&setup.server, &setup.token);
    let other = EsimServer::token(&setup._db, "admin");
    let reader = EsimServer::token(&setup._db, "reader");
    // A pool whose name a spreadsheet would run as a formula (pool names may not start
    // with `=`, but may with `@`, `+` or `-`), made by the admin who signs in; a group made
    // by another admin.
    let pool = server.create_pool(token, "@SUM(1+1)", SMDP, 500, 2);
    let (status, body) = server.post(
        &other,
        "/v1.0/groups",
        &json!({"displayName": "By the other admin"}),
    );
    assert_eq!(status, 201, "{body}");
    let actor_of = |action: &str, detail: &str| {
        let (status, log) = server.get(token, "/api/auditEntries?$top=1000");
        assert_eq!(status, 200, "{log}");
        log["value"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == action && e["detail"].as_str().unwrap_or("").contains(detail))
            .and_then(|e| e["actor"].as_str())
            .unwrap_or_else(|| panic!("no {action} of {detail} in {log}"))
            .to_owned()
    };
    let me = actor_of("pool.create", "@SUM(1+1)");
    let them = actor_of("group.create", "By the other admin");
    assert_ne!(me, them);
    let link = setup.sign_in_link();
    run_at(link, ids::NAV, move |page| async move {
        let (server, _db) = (&setup.server, &setup._db);
        // An action in the browser: a group.
        page.create_group("Made in the browser").await;
        page.nav_to("#/audit").await;
        page.wait_for_count(ids::AUDIT_ROW, 3).await;
        let actions = page.css_attrs(&tid(ids::AUDIT_ROW), "data-action").await;
        assert_eq!(
            actions,
            ["group.create", "group.create", "pool.create"],
            "newest first"
        );
        let actors = page.css_attrs(&tid(ids::AUDIT_ROW), "data-actor").await;
        assert_eq!(actors, [me.clone(), them.clone(), me.clone()]);
        let who = page.texts(ids::AUDIT_WHO).await;
        assert_eq!(who, [me.clone(), them.clone(), me.clone()]);
        let rows = page.texts(ids::AUDIT_ROW).await;
        assert!(rows[0].contains("Made in the browser"), "{rows:?}");
        assert!(rows[2].contains(&pool), "{rows:?}");
        page.assert_accessible("audit log").await;

        // Filtered on the server: by actor, by action, by both.
        page.type_into(ids::AUDIT_ACTOR, &them).await;
        page.click(ids::AUDIT_APPLY).await;
        page.wait_for_count(ids::AUDIT_ROW, 1).await;
        assert_eq!(
            page.css_attrs(&tid(ids::AUDIT_ROW), "data-actor").await,
            std::slice::from_ref(&them)
        );
        page.type_into(ids::AUDIT_ACTOR, "").await;
        page.type_into(ids::AUDIT_ACTION, "pool.create").await;
        page.click(ids::AUDIT_APPLY).await;
        // One row before and after: wait for the new one.
        page.wait_for_attr(&tid(ids::AUDIT_ROW), "data-action", "pool.create")
            .await;
        page.wait_for_count(ids::AUDIT_ROW, 1).await;
        assert_eq!(
            page.css_attrs(&tid(ids::AUDIT_ROW), "data-action").await,
            ["pool.create"]
        );
        page.type_into(ids::AUDIT_ACTOR, &them).await;
        page.click(ids::AUDIT_APPLY).await;
        page.element(ids::AUDIT_NONE).await;
        assert!(!page.exists(ids::AUDIT_ROW).await);
        page.assert_accessible("audit log, nothing matches").await;
        page.click(ids::AUDIT_CLEAR).await;
        page.wait_for_count(ids::AUDIT_ROW, 3).await;

        // Older pages: 60 more entries make two pages of 50.
        for n in 0..60 {
            let (status, body) = server.post(
                &other,
                "/v1.0/groups",
                &json!({"displayName": format!("Bulk {n}")}),
            );
            assert_eq!(status, 201, "{body}");
        }
        page.click(ids::AUDIT_CLEAR).await;
        page.wait_for_count(ids::AUDIT_ROW, 50).await;
        page.wait_for_text_containing(ids::AUDIT_COUNT, "older", Duration::from_secs(20))
            .await;
        page.click(ids::AUDIT_MORE).await;
        page.wait_for_count(ids::AUDIT_ROW, 63).await;
        assert!(!page.exists(ids::AUDIT_MORE).await, "no more pages");
        let actions = page.css_attrs(&tid(ids::AUDIT_ROW), "data-action").await;
        assert_eq!(actions.last().map(String::as_str), Some("pool.create"));

        // The export: every entry, every field, the formula neutralised.
        page.click(ids::AUDIT_EXPORT).await;
        let (name, csv) = page.download_any("csv").await;
        let csv = String::from_utf8(csv).expect("a UTF-8 export");
        let lines: Vec<&str> = csv.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(
            lines[0], "When (UTC),Who,Actor id,Action,Target type,Target,Detail,Request id",
            "{name}"
        );
        assert_eq!(lines.len(), 64, "{name}:\n{csv}");
        let pool_line = lines.last().unwrap();
        assert!(
            pool_line.contains(&format!(",{me},pool.create,pool,{pool},")),
            "{pool_line}"
        );
        assert!(pool_line.contains(",'@SUM(1+1) (2 codes),"), "{pool_line}");
        assert!(!csv.contains(",@SUM"), "a live formula:\n{csv}");

        // A reader: no link, and the server's refusal told plainly.
        page.client
            .goto(&format!("{}/#token={reader}", server.url()))
            .await
            .expect("open the reader's sign-in link");
        page.client.refresh().await.expect("reload");
        page.wait_for_fragment("#/pools").await;
        page.element(ids::POOL_ROW).await;
        // The link waits for the server's answer to the token (a few milliseconds here).
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(
            !page.exists(ids::NAV_AUDIT).await,
            "a reader is offered the audit log"
        );
        page.go("#/audit").await;
        let error = page.element(ids::API_ERROR).await;
        assert_eq!(
            error.attr("role").await.expect("role").as_deref(),
            Some("alert")
        );
        // The server's own words: a reader token cannot use this route.
        page.wait_for_text_containing(ids::API_ERROR, "reader", Duration::from_secs(20))
            .await;
        assert!(!page.exists(ids::AUDIT_ROW).await);
        page.assert_accessible("audit log refused to a reader")
            .await;
    })
    .await;
}

/// The device table refreshes with the chart: when the fleet checks in, the rows change
/// without Refresh, and the sort and the scroll position stay (issue 13 item 4).
#[tokio::test]
async fn the_device_table_refreshes_with_the_chart_in_place() {
    let setup = Setup::start(&[]);
    let (server, token) = (&setup.server, &setup.token);
    let pool = server.create_pool(token, "Refresh pool", SMDP, 400, 20);
    let (status, group) = server.post(token, "/v1.0/groups", &json!({"displayName": "Fleet"}));
    assert_eq!(status, 201, "{group}");
    let group = group["id"].as_str().unwrap().to_owned();
    let mut devices = Vec::new();
    for n in 0..16 {
        let (status, device) = server.post(
            token,
            "/v1.0/devices",
            &json!({"displayName": format!("Phone {n:02}")}),
        );
        assert_eq!(status, 201, "{device}");
        let device = device["id"].as_str().unwrap().to_owned();
        server.add_member(token, &group, &device);
        devices.push(device);
    }
    server.target_group(token, &pool, &group);
    let link = setup.sign_in_link();
    run_at(link, ids::NAV, move |page| async move {
        let (server, token) = (&setup.server, &setup.token);
        // Every install fails.
        server.simulate_with(token, &group, 1, 1.0).await;
        page.go(&format!("#/pools/{pool}/devices")).await;
        page.wait_for_device_count(16, 16).await;
        let first = format!(
            "{}[data-device-id=\"{}\"]",
            tid(ids::DEVICE_ROW),
            devices[15]
        );
        page.wait_for_attr(&first, "data-state", "failed").await;
        // Newest name first, scrolled down a little.
        let by_name = format!("{}[data-column=\"Device\"]", tid(ids::SORT));
        page.css(&by_name).await.click().await.expect("sort");
        let heading = format!("th:has({by_name})");
        page.wait_for_attr(&heading, "aria-sort", "descending")
            .await;
        let scroll = |top: Option<u32>| {
            let page = page.clone();
            async move {
                let script = match top {
                    Some(top) => format!(
                        "const t = document.querySelector('.table-scroll'); t.scrollTop = {top}; \
                         t.dispatchEvent(new Event('scroll')); return t.scrollTop;"
                    ),
                    None => "return document.querySelector('.table-scroll').scrollTop;".into(),
                };
                let value = page.client.execute(&script, vec![]).await.expect("scroll");
                value.as_f64().unwrap_or(-1.0)
            }
        };
        let scrolled = scroll(Some(90)).await;
        assert!(scrolled >= 89.0, "the table scrolls: {scrolled}");
        // Every install is retried through the API: the chart's numbers change and the
        // table follows by itself.
        for device in &devices {
            let retry = format!("/beta/deviceManagement/embeddedSIMActivationCodePools/{pool}/deviceStates/{device}/retry");
            let (status, body) = server.post(token, &retry, &json!({}));
            assert!(status < 300, "{status} {body}");
        }
        let last = format!(
            "{}[data-device-id=\"{}\"]",
            tid(ids::DEVICE_ROW),
            devices[14]
        );
        page.wait_for_attr(&last, "data-state", "notSynced").await;
        page.wait_for_attr(&first, "data-state", "notSynced").await;
        page.wait_for_attr(&heading, "aria-sort", "descending")
            .await;
        assert_eq!(scroll(None).await, scrolled, "the scroll position");
        assert_eq!(page.text(ids::DEVICE_COUNT).await, "16 of 16 devices");
    })
    .await;
}

/// A pool with one device in a group it targets, whose install the simulator failed (the
/// state carries the simulator's detail): (setup, pool, group, device).
async fn one_failed_device(pool_name: &str) -> (Setup, String, String, String) {
    let setup = Setup::start(&[]);
    let (server, token) = (&setup.server, &setup.token);
    let pool = server.create_pool(token, pool_name, SMDP, 500, 5);
    let (group, device) = server.targeted_device(
        token,
        &pool,
        "Field",
        (
            "Phone with a long name (Cecilia)",
            "cecilia.holm@example.com",
        ),
    );
    server.simulate_with(token, &group, 1, 1.0).await;
    (setup, pool, group, device)
}

impl Page {
    /// Emulates a window `width` px wide (900 high).
    async fn set_width(&self, width: u32) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
        )
        .await;
        let seen = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 requestAnimationFrame(() => requestAnimationFrame(() => done(innerWidth)));",
                vec![],
            )
            .await
            .expect("wait for the layout");
        assert_eq!(seen, json!(width), "the emulated width did not take");
    }

    /// Whether the first element matching `css` is rendered (has a box).
    async fn rendered(&self, css: &str) -> bool {
        self.client
            .execute(
                "const e = document.querySelector(arguments[0]);
                 return !!e && e.getClientRects().length > 0;",
                vec![json!(css)],
            )
            .await
            .expect("probe the element")
            == json!(true)
    }

    /// The language switch clicked by a script: a modal dialog makes it inert to the
    /// mouse, but the page's language can change under a dialog (another control, a host
    /// page's message).
    async fn switch_language_under_a_dialog(&self) {
        self.client
            .execute(
                "document.querySelector(arguments[0]).click();",
                vec![json!(tid(check::LANG_SWITCH))],
            )
            .await
            .expect("switch the language");
    }
}

/// Issue 14 item 4 ("full details on demand"): on a phone the device table hides the user,
/// the ICCID and the cellular status; the device's name opens a dialog with every field,
/// which takes the focus, follows the table's refresh, passes axe-core and gives the focus
/// back to the name when closed (Escape or Close), even when the row was drawn again.
#[tokio::test]
async fn a_devices_every_field_is_shown_on_demand_on_a_phone() {
    let (setup, pool, group, device) = one_failed_device("Details pool").await;
    let link = setup.sign_in_link();
    run_at(link, ids::NAV, move |page| async move {
        let (server, token) = (&setup.server, &setup.token);
        page.set_width(360).await;
        page.go(&format!("#/pools/{pool}/devices")).await;
        let row = format!("{}[data-device-id=\"{device}\"]", tid(ids::DEVICE_ROW));
        page.wait_for_attr(&row, "data-state", "failed").await;
        let user_cell = format!("{row} td:nth-of-type(1)");
        assert!(
            !page.rendered(&user_cell).await,
            "at 360 px the table hides the user (else this test shows nothing)"
        );
        let iccid: Value = page
            .client
            .execute(
                "return document.querySelector(arguments[0]).textContent;",
                vec![json!(format!("{row} td:nth-of-type(2)"))],
            )
            .await
            .expect("read the ICCID cell");
        let iccid = iccid.as_str().unwrap_or_default().to_owned();
        assert!(!iccid.is_empty(), "the state has an ICCID");

        let details = format!("{row} {}", tid(ids::DEVICE_DETAILS));
        page.css(&details)
            .await
            .click()
            .await
            .expect("open the details");
        page.element(ids::DETAILS_DIALOG).await;
        assert_eq!(
            page.focused().await,
            ids::CLOSE_DETAILS,
            "the dialog takes the focus"
        );
        let field = |key: &str| format!("{} [data-field=\"{key}\"] dd", tid(ids::DETAILS_DIALOG));
        for (key, expected) in [
            ("device", "Phone with a long name (Cecilia)"),
            ("user", "cecilia.holm@example.com"),
            ("iccid", iccid.as_str()),
            ("state", "Activation failed"),
            ("detail", "Simulated: the SM-DP+ server refused"),
            ("cellular", "\u{2014}"),
        ] {
            page.wait_for_css_text(&field(key), expected).await;
            assert!(
                page.rendered(&field(key)).await,
                "{key} is shown in the dialog"
            );
        }
        let heading = page
            .css(&format!("{} h2", tid(ids::DETAILS_DIALOG)))
            .await
            .text()
            .await
            .expect("the heading");
        assert_eq!(heading, "Phone with a long name (Cecilia)");
        page.assert_accessible("device details dialog at 360 px")
            .await;
        // Modal: Tab never reaches the page behind it (the browser's own controls between,
        // as for the confirmations), and comes back to Close.
        for _ in 0..2 {
            page.keys(support::TAB).await;
            let inside: Value = page
                .client
                .execute(
                    "const e = document.activeElement;
                     return !e || e === document.body || !!e.closest('dialog');",
                    vec![],
                )
                .await
                .expect("read the focus");
            assert_eq!(
                inside,
                json!(true),
                "the focus reached the page behind the dialog"
            );
        }
        assert_eq!(
            page.focused().await,
            ids::CLOSE_DETAILS,
            "Tab comes back to Close"
        );

        // The install is retried behind the dialog: the table refreshes with the chart,
        // the dialog follows, and Escape gives the focus to the row drawn again.
        let retry = format!("{POOLS}/{pool}/deviceStates/{device}/retry");
        let (status, body) = server.post(token, &retry, &json!({}));
        assert!(status < 300, "{status} {body}");
        page.wait_for_attr(&row, "data-state", "notSynced").await;
        page.wait_for_css_text(&field("state"), "Device not synced")
            .await;
        page.keys("\u{e00c}").await;
        assert!(
            !page.exists(ids::DETAILS_DIALOG).await,
            "Escape closes the dialog"
        );
        assert_eq!(
            page.focused().await,
            ids::DEVICE_DETAILS,
            "the focus is back on the name"
        );

        // Installed: the operator's cellular status, hidden in the table, is in the dialog.
        server.simulate(token, &group, 1).await;
        page.click(ids::REFRESH).await;
        page.wait_for_attr(&row, "data-state", "active").await;
        page.css(&details)
            .await
            .click()
            .await
            .expect("open the details");
        page.wait_for_css_text(&field("cellular"), "Active").await;
        page.wait_for_css_text(&field("state"), "Active").await;
        page.click(ids::CLOSE_DETAILS).await;
        assert!(
            !page.exists(ids::DETAILS_DIALOG).await,
            "Close closes the dialog"
        );
        assert_eq!(
            page.focused().await,
            ids::DEVICE_DETAILS,
            "the focus is back on the name"
        );
    })
    .await;
}

/// Issue 14 item 4: at 360 px the chart's state names are readable (at least 12 px, their
/// glyph boxes too, not scaled down with the chart), inside the chart and clear of their
/// bars, in English and in Swedish (the longer names).
#[tokio::test]
async fn the_charts_names_are_readable_on_a_phone_in_both_languages() {
    let (setup, pool, _group, device) = one_failed_device("Chart pool").await;
    let link = setup.sign_in_link();
    run_at(link, ids::NAV, move |page| async move {
        let (server, token) = (&setup.server, &setup.token);
        // One device not synced (a retried failure): the longest name has the longest bar.
        let retry = format!("{POOLS}/{pool}/deviceStates/{device}/retry");
        let (status, body) = server.post(token, &retry, &json!({}));
        assert!(status < 300, "{status} {body}");
        page.set_width(360).await;
        page.go(&format!("#/pools/{pool}")).await;
        page.wait_for_bar("notSynced", 1).await;
        let measure = "
            const chart = document.querySelector(arguments[0]).getBoundingClientRect();
            const out = [];
            for (const bar of document.querySelectorAll(arguments[1])) {
              const label = bar.querySelector('.bar-label');
              const fill = bar.querySelector('.bar-fill');
              const r = label.getBoundingClientRect();
              const f = fill.getBoundingClientRect();
              const size = parseFloat(getComputedStyle(label).fontSize);
              const overlaps = f.width > 0 && r.left < f.right && f.left < r.right
                && r.top < f.bottom && f.top < r.bottom;
              out.push({ text: label.textContent, size, height: r.height,
                inside: r.left >= chart.left - 0.5 && r.right <= chart.right + 0.5
                  && r.right <= innerWidth,
                clipped: label.scrollWidth > label.clientWidth, overlaps });
            }
            return out;";
        for (lang, longest) in [
            ("English", "Device not synced"),
            ("Swedish", "Enheten är inte synkroniserad"),
        ] {
            page.wait_for_css_text(
                &format!(
                    "{}[data-state=\"notSynced\"] .bar-label",
                    tid(ids::CHART_BAR)
                ),
                longest,
            )
            .await;
            let labels = page
                .client
                .execute(
                    measure,
                    vec![json!(tid(ids::CHART)), json!(tid(ids::CHART_BAR))],
                )
                .await
                .expect("measure the labels");
            let labels = labels.as_array().cloned().unwrap_or_default();
            assert_eq!(labels.len(), 5, "{lang}: a name per state: {labels:?}");
            for label in &labels {
                let size = label["size"].as_f64().unwrap_or_default();
                let height = label["height"].as_f64().unwrap_or_default();
                assert!(
                    size >= 12.0 && height >= 12.0,
                    "{lang}: a state name smaller than 12 px at 360 px: {label}"
                );
                assert_eq!(
                    label["inside"],
                    json!(true),
                    "{lang}: outside the chart: {label}"
                );
                assert_eq!(label["clipped"], json!(false), "{lang}: clipped: {label}");
                assert_eq!(
                    label["overlaps"],
                    json!(false),
                    "{lang}: over its bar: {label}"
                );
            }
            if lang == "English" {
                page.click(check::LANG_SWITCH).await;
            }
        }
        page.assert_accessible("chart at 360 px, Swedish").await;
    })
    .await;
}

/// Issue 14: an open confirmation follows a language switch (its question, consequence
/// and buttons), like the rest of the page, and still gives the focus back when cancelled.
#[tokio::test]
async fn an_open_confirmation_follows_the_language_switch() {
    let setup = Setup::start(&[]);
    let pool = setup
        .server
        .create_pool(&setup.token, "Lager", SMDP, 600, 2);
    let link = setup.sign_in_link();
    run_at(link, ids::NAV, |page| async move {
        let row = format!("{}[data-pool-id=\"{pool}\"]", tid(ids::POOL_ROW));
        page.css(&row).await;
        page.click_in(&row, ids::DELETE).await;
        page.element(ids::CONFIRM_DELETE).await;
        let dialog = tid(ids::CONFIRM_DIALOG);
        page.wait_for_css_text(&dialog, "Delete the pool \u{201c}Lager\u{201d}?")
            .await;
        page.switch_language_under_a_dialog().await;
        page.wait_for_css_text(
            &format!("{dialog} h2"),
            "Ta bort poolen \u{201d}Lager\u{201d}?",
        )
        .await;
        page.wait_for_css_text(&format!("{dialog} p"), "Enheterna")
            .await;
        page.wait_for_text(ids::CONFIRM_DELETE, "Ta bort").await;
        page.wait_for_text(ids::CANCEL_DELETE, "Avbryt").await;
        let text = page.text(ids::CONFIRM_DIALOG).await;
        assert!(
            !text.contains("Delete") && !text.contains("Cancel"),
            "English left: {text}"
        );
        page.assert_accessible("delete confirmation, Swedish").await;
        page.keys("\u{e00c}").await;
        assert!(
            !page.exists(ids::CONFIRM_DIALOG).await,
            "Escape closes the dialog"
        );
        assert_eq!(
            page.focused().await,
            ids::DELETE,
            "the focus is back on Delete"
        );
    })
    .await;
}

/// Issue 11, the console's start-up: the service worker that keeps the built files for
/// offline use (static/sw.js) answers a full load's own files from its cache, while every
/// request to the API goes to the network without it (Chromium's static routing) - a
/// 10,000-device pool's table reads 100 pages, each of which would otherwise wait for the
/// worker's thread.
#[tokio::test]
async fn the_service_worker_serves_the_app_and_leaves_the_api_alone() {
    let setup = Setup::start(&[]);
    let (server, token) = (&setup.server, &setup.token);
    let pool = server.create_pool(token, "Start-up", SMDP, 0, 2);
    let table = format!("{}/#/pools/{pool}/devices", server.url());
    let link = setup.sign_in_link();
    run_at(link, ids::NAV, move |page| async move {
        let _server = &setup.server;
        // The first visit installs the worker; it takes over this page once active.
        page.controlled_by_the_service_worker().await;
        // A full load of the pool's device table.
        page.full_load(&table).await;
        // The table read the pool's device states (none yet: the pool is new).
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while page
            .script(
                "return performance.getEntriesByType('resource')\
                 .some((e) => e.name.includes('/deviceStates'));",
                vec![],
            )
            .await
            != json!(true)
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the table never read the device states"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let entries = page
            .script(
                "return performance.getEntriesByType('resource').map((e) => \
                 ({ path: new URL(e.name).pathname, controlled: e.workerStart > 0, \
                 routed: e.workerMatchedSourceType || '' }));",
                vec![],
            )
            .await;
        let entries = entries.as_array().expect("resource entries").clone();
        // Each request's way: through the worker's fetch handler, or matched by its static
        // route to the network (`workerMatchedSourceType`, resource timing).
        let ways = |test: &dyn Fn(&str) -> bool| -> Vec<(bool, String)> {
            entries
                .iter()
                .filter(|e| test(e["path"].as_str().unwrap_or_default()))
                .map(|e| {
                    let routed = e["routed"].as_str().unwrap_or_default().to_owned();
                    (e["controlled"] == json!(true), routed)
                })
                .collect()
        };
        let wasm = ways(&|p| p.ends_with("/esim-console_bg.wasm"));
        assert_eq!(
            wasm,
            [(true, String::new())],
            "the app's wasm from the worker: {entries:?}"
        );
        let api =
            ways(&|p| p.starts_with("/beta/") || p.starts_with("/v1.0/") || p.starts_with("/api/"));
        assert!(!api.is_empty(), "the table read the API: {entries:?}");
        assert!(
            api.iter().all(|(_, routed)| routed == "network"),
            "API requests went through the service worker: {entries:?}"
        );
    })
    .await;
}

/// Issue 11, the console's start-up: a full load of a pool's device table asks for the
/// device states before anything else it reads (auth.json, the pool, the audit log's
/// probe) - the request goes out as the app starts, not once the page is drawn - and only
/// once (the table takes up that early answer).
#[tokio::test]
async fn a_full_load_of_the_device_table_asks_for_the_device_states_first() {
    let setup = Setup::start(&[]);
    let (server, token) = (&setup.server, &setup.token);
    let pool = server.create_pool(token, "Early", SMDP, 0, 3);
    let table = format!("{}/#/pools/{pool}/devices", server.url());
    let link = setup.sign_in_link();
    run_at(link, ids::NAV, move |page| async move {
        let _server = &setup.server;
        page.full_load(&table).await;
        page.wait_for_device_count(0, 0).await;
        // What the app itself fetched (not its wasm), in the order the requests started.
        let fetched = page
            .script(
                "return performance.getEntriesByType('resource')\
                 .filter((e) => e.initiatorType === 'fetch' && !e.name.endsWith('.wasm'))\
                 .sort((a, b) => a.startTime - b.startTime)\
                 .map((e) => new URL(e.name).pathname);",
                vec![],
            )
            .await;
        let fetched: Vec<String> = serde_json::from_value(fetched).expect("paths");
        assert!(
            fetched
                .first()
                .is_some_and(|p| p.ends_with("/deviceStates")),
            "the device states first: {fetched:?}"
        );
        let reads = fetched
            .iter()
            .filter(|p| p.ends_with("/deviceStates"))
            .count();
        assert_eq!(reads, 1, "the device states read once: {fetched:?}");
    })
    .await;
}
