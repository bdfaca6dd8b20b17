//! Every screen of the console and the validator-only page, photographed at 360, 1280 and
//! 1920 px wide in the light and the dark colour scheme (issue 14, "Screenshots"): the
//! release build served by a real `esim-server serve` on SQLite, a realistic fleet made
//! through the API (two pools, groups with members and assignments, devices checked in
//! through the MDM check-in API in every state, the audit entries that makes), and for each
//! screen, width and scheme:
//!
//! * a PNG of the whole page in `target/screenshots/<screen>-<width>-<scheme>.png` (the
//!   artefacts to look at; CI keeps the target directory);
//! * no horizontal overflow: `scrollWidth <= clientWidth` for the page, every table and the
//!   box around it (a failure names the screen, width, scheme, element and both widths);
//! * axe-core clean (serious and critical violations).
//!
//! The densest screens (pools, a pool's overview, devices and a device's details, a group,
//! the settings, a file's findings) are photographed in Swedish as well, at 360 and
//! 1280 px in the light scheme (`<screen>-sv-<width>-light.png`): its longer words are
//! where overflow hides.
//!
//! Every variant is photographed before the test fails, and the failure lists them all.
//! The scheme is emulated with the Chrome DevTools Protocol's `Emulation.setEmulatedMedia`
//! (checked through `matchMedia`), the width with `Emulation.setDeviceMetricsOverride`.
//!
//! `test = false` in Cargo.toml like the other browser suites: it needs the release build
//! (`dist/`, `trunk build --release`) and `cargo build -p esim-server`; `cargo xtask test`
//! runs it after the console suites.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::path::PathBuf;

use esim_console::dom::testid as ids;
use serde_json::{json, Value};
use support::server::{http, iccid, matching_id, EsimServer, TestDatabase, POOLS};
use support::{run_at, Page};

/// The widths every screen is photographed at: a small phone, a laptop, a desktop.
const WIDTHS: [u32; 3] = [360, 1280, 1920];
/// The window's height (the PNG holds the whole page, however long).
const HEIGHT: u32 = 900;
/// The colour schemes.
const SCHEMES: [&str; 2] = ["light", "dark"];
/// The widths the densest screens are photographed at in Swedish too (its longer words are
/// where overflow hides): a small phone and a laptop.
const SWEDISH_WIDTHS: [u32; 2] = [360, 1280];

const SMDP_A: &str = "smdp.carrier-a.example";
const SMDP_B: &str = "smdp.carrier-b.example";

/// `[data-testid=id]` as CSS.
fn tid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

/// `target/screenshots` (the target directory of this test binary, so `CARGO_TARGET_DIR`
/// is followed), emptied of an earlier run's pictures.
fn screenshot_dir() -> PathBuf {
    let me = std::env::current_exe().expect("the test binary's path");
    // target/<profile>/deps/screens-<hash>
    let target = me
        .ancestors()
        .nth(3)
        .expect("the test binary lives in target/<profile>/deps")
        .to_path_buf();
    let dir = target.join("screenshots");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create target/screenshots");
    dir
}

/// A file with findings of several kinds, one of them many times over (grouped by code
/// with a line range in the upload panel).
fn bad_file() -> String {
    let mut text = format!("{SMDP_A}\n");
    for n in 200..212 {
        text.push_str(&format!("{};{}\n", iccid(n), matching_id(n)));
    }
    text.push_str("\"8,946E+18\",ABCD-0001-XYZ\n");
    text.push_str(&format!(" {} ,{}\n", iccid(220), matching_id(220)));
    text.push_str(&format!("{},{}\n", iccid(221), matching_id(221)));
    text.push_str(&format!("{},{}\n", iccid(221), matching_id(222)));
    text.push_str("894600000000000002,ABCD-1235-XYZ\n");
    text
}

/// The test's fleet, made through the API.
struct Fleet {
    server: EsimServer,
    token: String,
    pool: String,
    group: String,
    _db: TestDatabase,
}

impl Fleet {
    fn post(&self, path: &str, body: &Value) -> Value {
        let (status, answer) = self.server.post(&self.token, path, body);
        assert!(status < 300, "POST {path}: {status} {answer}");
        answer
    }

    fn device(&self, name: &str, user: &str, group: &str) -> String {
        let device = self.post(
            "/v1.0/devices",
            &json!({"displayName": name, "userName": user, "operatingSystem": "iOS"}),
        );
        let id = device["id"].as_str().expect("a device id").to_owned();
        let reference = json!({"@odata.id": format!("{}/v1.0/devices/{id}", self.server.url())});
        self.post(&format!("/v1.0/groups/{group}/members/$ref"), &reference);
        id
    }

    /// One check-in of `device`; each action answered with `outcome` (none: left
    /// pending); an installed profile's cellular status reported active.
    fn check_in(&self, device: &str, outcome: Option<&str>) {
        let answer = self.post(&format!("/api/mdm/devices/{device}/checkIn"), &json!({}));
        let Some(outcome) = outcome else { return };
        for action in answer["actions"].as_array().cloned().unwrap_or_default() {
            let failed = outcome == "failed";
            let done = if action["action"] == "install" {
                outcome
            } else {
                "removed"
            };
            let detail = failed.then_some("The SM-DP+ server refused the download (8.1.1).");
            let (status, body) = self.server.post(
                &self.token,
                &format!("/api/mdm/devices/{device}/outcome"),
                &json!({"poolId": action["poolId"], "iccid": action["iccid"],
                        "outcome": done, "detail": detail}),
            );
            assert_eq!(status, 204, "outcome of {device}: {body}");
            if done == "installed" {
                self.post(
                    &format!("/api/mdm/devices/{device}/cellularStatus"),
                    &json!({"iccid": action["iccid"], "status": "active"}),
                );
            }
        }
    }

    /// Two pools; "Sales phones" (seven devices) included in the first, "Contractors"
    /// excluded from it and included in the second; devices in every state of the chart.
    fn start() -> Fleet {
        let db = TestDatabase::new();
        let token = EsimServer::token(&db, "admin");
        let server = EsimServer::start(&db, &[]);
        let pool = server.create_pool(&token, "Sales phones Q4", SMDP_A, 0, 24);
        let field = server.create_pool(
            &token,
            "Field scanners (Carrier B, Nordics)",
            SMDP_B,
            100,
            8,
        );
        let mut fleet = Fleet {
            server,
            token,
            pool,
            group: String::new(),
            _db: db,
        };
        let sales = fleet.post("/v1.0/groups", &json!({"displayName": "Sales phones"}));
        let sales = sales["id"].as_str().expect("a group id").to_owned();
        let contractors = fleet.post("/v1.0/groups", &json!({"displayName": "Contractors"}));
        let contractors = contractors["id"].as_str().expect("a group id").to_owned();
        let people = [
            ("Phone 01 (Anna)", "anna.lindqvist@example.com"),
            ("Phone 02 (Bo)", "bo.nyberg@example.com"),
            ("Phone 03 (Cecilia)", "cecilia.holm@example.com"),
            ("Phone 04 (David)", "david.ek@example.com"),
            ("Phone 05 (Eva)", "eva.sandberg@example.com"),
            ("Phone 06 (Fredrik)", "fredrik.wallin@example.com"),
            ("Phone 07 (Greta)", "greta.fors@example.com"),
        ];
        let phones: Vec<String> = people
            .iter()
            .map(|(name, user)| fleet.device(name, user, &sales))
            .collect();
        let tablet = fleet.device("Contractor tablet", "extern@partner.example", &contractors);
        let include = |group: &str| json!({"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": group}});
        let exclude = |group: &str| json!({"target": {"@odata.type": "#microsoft.graph.exclusionGroupAssignmentTarget", "groupId": group}});
        fleet.post(
            &format!("{POOLS}/{}/assign", fleet.pool),
            &json!({"assignments": [include(&sales), exclude(&contractors)]}),
        );
        fleet.post(
            &format!("{POOLS}/{field}/assign"),
            &json!({"assignments": [include(&contractors)]}),
        );
        // Active, active, active, failed, pending (no answer yet), removed (left the group
        // after its install), not synced (a failed install retried).
        for phone in &phones[..3] {
            fleet.check_in(phone, Some("installed"));
        }
        fleet.check_in(&phones[3], Some("failed"));
        fleet.check_in(&phones[4], None);
        fleet.check_in(&phones[5], Some("installed"));
        let left = http(
            fleet.server.url(),
            "DELETE",
            &format!("/v1.0/groups/{sales}/members/{}/$ref", phones[5]),
            Some(&fleet.token),
            None,
        )
        .expect("remove a member");
        assert!(left.status < 300, "remove a member: {}", left.status);
        fleet.check_in(&phones[5], Some("removed"));
        fleet.check_in(&phones[6], Some("failed"));
        fleet.post(
            &format!("{POOLS}/{}/deviceStates/{}/retry", fleet.pool, phones[6]),
            &json!({}),
        );
        fleet.check_in(&tablet, Some("installed"));
        fleet.group = sales;
        fleet
    }
}

/// What was found wrong, over every screen, width and scheme.
struct Shots {
    page: Page,
    dir: PathBuf,
    failures: Vec<String>,
    taken: usize,
}

impl Shots {
    /// Photographs the page as it is now at every width and scheme, and checks each.
    async fn take(&mut self, screen: &str) {
        for scheme in SCHEMES {
            for width in WIDTHS {
                self.variant(screen, width, scheme).await;
            }
        }
        // The next screen starts at the laptop's width, in the light scheme.
        self.emulate(1280, "light").await;
    }

    /// The page as it is now in Swedish (`<screen>-sv-<width>-light.png`) at
    /// [`SWEDISH_WIDTHS`], checked like every variant; then English again. The light scheme
    /// only: the scheme changes colours, not the words' widths, and keeps the suite short.
    async fn take_swedish(&mut self, screen: &str) {
        self.switch_language("sv", "English").await;
        for width in SWEDISH_WIDTHS {
            self.variant(&format!("{screen}-sv"), width, "light").await;
        }
        self.emulate(1280, "light").await;
        self.switch_language("en", "Svenska").await;
    }

    /// Clicks the language switch and waits until the page is in `tag` (the switch then
    /// offers `offer`) and what follows the language was drawn again.
    async fn switch_language(&self, tag: &str, offer: &str) {
        // Clicked by a script: an open dialog makes the header inert to the mouse.
        self.page
            .client
            .execute(
                "document.querySelector(arguments[0]).click();",
                vec![json!(tid(ids::LANG_SWITCH))],
            )
            .await
            .expect("switch the language");
        self.page.wait_for_text(ids::LANG_SWITCH, offer).await;
        let root = self
            .page
            .client
            .execute("return document.documentElement.lang;", vec![])
            .await
            .expect("read the page's language");
        assert_eq!(root, json!(tag), "the page's language after the switch");
        // The server's findings are read again in the new language.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }

    async fn emulate(&self, width: u32, scheme: &str) {
        self.page
            .cdp(
                "Emulation.setEmulatedMedia",
                json!({"features": [{"name": "prefers-color-scheme", "value": scheme}]}),
            )
            .await;
        self.page
            .cdp(
                "Emulation.setDeviceMetricsOverride",
                json!({"width": width, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": false}),
            )
            .await;
        // Two frames: the new width and scheme are laid out and painted.
        let settled = self
            .page
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 requestAnimationFrame(() => requestAnimationFrame(() => done([
                   innerWidth, matchMedia('(prefers-color-scheme: dark)').matches])));",
                vec![],
            )
            .await
            .expect("wait for the layout");
        assert_eq!(
            settled,
            json!([width, scheme == "dark"]),
            "the emulated width and colour scheme (innerWidth, dark) did not take"
        );
    }

    async fn variant(&mut self, screen: &str, width: u32, scheme: &str) {
        self.emulate(width, scheme).await;
        let place = format!("{screen} at {width} px, {scheme}");
        let overflow = self
            .page
            .client
            .execute(OVERFLOW, vec![])
            .await
            .expect("measure the overflow");
        for found in overflow.as_array().cloned().unwrap_or_default() {
            self.failures.push(format!(
                "{place}: {} (scrollWidth > clientWidth)",
                found.as_str().unwrap_or_default()
            ));
        }
        self.screenshot(&format!("{screen}-{width}-{scheme}.png"), width)
            .await;
        let violations = self.page.axe_violations().await;
        if violations != json!([]) {
            self.failures
                .push(format!("{place}: axe-core: {violations}"));
        }
    }

    /// The whole page (not only the window) as a PNG.
    async fn screenshot(&mut self, name: &str, width: u32) {
        let metrics = self.page.cdp("Page.getLayoutMetrics", json!({})).await;
        let height = metrics["cssContentSize"]["height"]
            .as_f64()
            .unwrap_or(f64::from(HEIGHT))
            .clamp(f64::from(HEIGHT), 12_000.0);
        let shot = self
            .page
            .cdp(
                "Page.captureScreenshot",
                json!({"format": "png", "captureBeyondViewport": true,
                       "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}}),
            )
            .await;
        use base64::Engine as _;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("the screenshot's data"))
            .expect("base64 PNG");
        assert!(png.starts_with(b"\x89PNG"), "{name} is not a PNG");
        std::fs::write(self.dir.join(name), png).expect("write the screenshot");
        self.taken += 1;
    }
}

/// Every element wider than its box: the page, each rendered table, and the element
/// around each table (a scroll wrapper or the section), as `name: scroll > client`.
const OVERFLOW: &str = "
const name = (e) => {
  let n = e.tagName.toLowerCase();
  if (e.dataset && e.dataset.testid) n += '[data-testid=' + e.dataset.testid + ']';
  const c = typeof e.className === 'string' ? e.className.trim() : '';
  if (c) n += '.' + c.split(/\\s+/).join('.');
  return n;
};
const out = [];
const page = document.documentElement;
if (page.scrollWidth > page.clientWidth) {
  out.push('the page (html): ' + page.scrollWidth + ' > ' + page.clientWidth);
}
for (const table of document.querySelectorAll('table')) {
  if (table.getClientRects().length === 0) continue;
  if (table.scrollWidth > table.clientWidth) {
    out.push(name(table) + ': ' + table.scrollWidth + ' > ' + table.clientWidth);
  }
  const box = table.parentElement;
  if (box && box.scrollWidth > box.clientWidth) {
    out.push(name(box) + ' around ' + name(table) + ': ' + box.scrollWidth + ' > ' + box.clientWidth);
  }
}
return out;";

impl Page {
    /// Waits until the chart's bar of `state` says `count`.
    async fn wait_for_bar(&self, state: &str, count: u32) {
        let css = format!("{}[data-state=\"{state}\"]", tid(ids::CHART_BAR));
        self.wait_for_attr(&css, "data-count", &count.to_string())
            .await;
    }
}

/// Issue 14: every screen at three widths in two colour schemes - photographed, without
/// horizontal overflow, axe-core clean.
#[tokio::test]
async fn every_screen_fits_from_360_to_1920_px_in_both_schemes() {
    let fleet = Fleet::start();
    let dir = screenshot_dir();
    let link = format!("{}/#token={}", fleet.server.url(), fleet.token);
    run_at(link, ids::NAV, move |page| async move {
        let fleet = fleet;
        let (pool, group) = (fleet.pool.clone(), fleet.group.clone());
        let mut shots = Shots {
            page: page.clone(),
            dir: dir.clone(),
            failures: Vec::new(),
            taken: 0,
        };

        // The pools list, and its delete confirmation.
        page.wait_for_fragment("#/pools").await;
        page.wait_for_count(ids::POOL_ROW, 2).await;
        shots.take("pools").await;
        shots.take_swedish("pools").await;
        let row = format!("{}[data-pool-id=\"{pool}\"]", tid(ids::POOL_ROW));
        page.css(&format!("{row} {}", tid(ids::DELETE)))
            .await
            .click()
            .await
            .expect("click delete");
        page.element(ids::CONFIRM_DIALOG).await;
        shots.take("pools-delete-dialog").await;
        page.click(ids::CANCEL_DELETE).await;

        // A pool: overview (the chart in every state), devices, assignments.
        page.go(&format!("#/pools/{pool}")).await;
        page.element(ids::CHART).await;
        for (state, count) in [
            ("active", 3),
            ("failed", 1),
            ("pending", 1),
            ("removed", 1),
            ("notSynced", 1),
        ] {
            page.wait_for_bar(state, count).await;
        }
        shots.take("pool-overview").await;
        shots.take_swedish("pool-overview").await;
        page.go(&format!("#/pools/{pool}/devices")).await;
        page.wait_for_count(ids::DEVICE_ROW, 7).await;
        page.element(ids::RETRY).await;
        shots.take("pool-devices").await;
        shots.take_swedish("pool-devices").await;
        // A device's every field, in a dialog (the phone's table hides three columns).
        let failed = format!("{}[data-state=\"failed\"]", tid(ids::DEVICE_ROW));
        page.css(&format!("{failed} {}", tid(ids::DEVICE_DETAILS)))
            .await
            .click()
            .await
            .expect("open a device's details");
        page.element(ids::DETAILS_DIALOG).await;
        shots.take("pool-device-details").await;
        shots.take_swedish("pool-device-details").await;
        page.click(ids::CLOSE_DETAILS).await;
        page.go(&format!("#/pools/{pool}/assignments")).await;
        page.wait_for_text_containing(
            ids::INCLUDED,
            "Sales phones",
            std::time::Duration::from_secs(20),
        )
        .await;
        page.element(ids::MEMBER_COUNT).await;
        shots.take("pool-assignments").await;

        // Groups, a group, and the confirmation of removing a member.
        page.go("#/groups").await;
        page.wait_for_count(ids::GROUP_ROW, 2).await;
        shots.take("groups").await;
        page.go(&format!("#/groups/{group}")).await;
        page.wait_for_count(ids::MEMBER_ROW, 6).await;
        shots.take("group").await;
        shots.take_swedish("group").await;
        page.click(ids::REMOVE_MEMBER).await;
        page.element(ids::CONFIRM_DIALOG).await;
        shots.take("group-remove-dialog").await;
        page.click(ids::CANCEL_CONFIRM).await;

        // The audit log and the settings.
        page.go("#/audit").await;
        page.element(ids::AUDIT_ROW).await;
        shots.take("audit").await;
        page.go("#/settings").await;
        page.element(ids::BASE_URL).await;
        shots.take("settings").await;
        shots.take_swedish("settings").await;

        // The upload panel: a bad file's findings grouped, the source view open; then the
        // fix's result.
        page.go("#/").await;
        page.upload("carrier-a.csv", bad_file().as_bytes()).await;
        page.wait_for_attr(&tid(ids::VERDICT), "data-verdict", "invalid")
            .await;
        page.element(ids::COUNT_ROW).await;
        page.click(ids::SHOW_LINE).await;
        page.element(ids::SOURCE_MARK).await;
        shots.take("check-findings").await;
        shots.take_swedish("check-findings").await;
        page.click(ids::FIX).await;
        page.element(ids::FIX_PREVIEW).await;
        page.wait_for_text_containing(
            ids::SOURCE,
            "carrier-a-fixed.csv",
            std::time::Duration::from_secs(20),
        )
        .await;
        shots.take("check-fixed").await;

        // Signed out (Settings' sign-out): the server's views ask to sign in.
        page.go("#/settings").await;
        page.click(ids::SIGN_OUT).await;
        page.go("#/pools").await;
        page.element(ids::SIGN_IN_NEEDED).await;
        shots.take("signed-out").await;

        // The validator-only page with a bad file's findings.
        page.client
            .goto(&format!("{}/validator/", fleet.server.url()))
            .await
            .expect("open the validator-only page");
        page.element(ids::TEXT).await;
        page.upload("carrier-a.csv", bad_file().as_bytes()).await;
        page.wait_for_attr(&tid(ids::VERDICT), "data-verdict", "invalid")
            .await;
        page.click(ids::SHOW_LINE).await;
        page.element(ids::SOURCE_MARK).await;
        shots.take("validator").await;

        let expected = 15 * WIDTHS.len() * SCHEMES.len() + 7 * SWEDISH_WIDTHS.len();
        assert_eq!(shots.taken, expected, "screenshots in {}", dir.display());
        println!("{} screenshots in {}", shots.taken, dir.display());
        assert!(
            shots.failures.is_empty(),
            "{} problems (screenshots in {}):\n{}",
            shots.failures.len(),
            dir.display(),
            shots.failures.join("\n")
        );
    })
    .await;
}
