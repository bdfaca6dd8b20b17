//! The per-device table of a pool: Device name, User, ICCID, Activation status, Cellular
//! status, Last check-in (the brief's columns); sort, filter by status, search, export.
//!
//! Every page of the API's `@odata.nextLink` is read (a 10,000-device pool is 100 pages of
//! 100 rows); the table renders only the rows in view, so it scrolls and filters smoothly
//! however many there are.

use std::ops::Range;

use esim_wire::{DeviceState, DeviceStateKind, StateLabel};

use super::chart::state_text;
use super::labels::Label as L;
use crate::api::encode;
use crate::i18n::{Lang, Text};

/// One row of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The device state's id.
    pub id: String,
    /// Device name.
    pub device: String,
    /// User.
    pub user: String,
    /// The identifier column: the ICCID delivered (this server's `iccid`), or on Graph,
    /// which never returns the profile's ICCID, the device's UICC id
    /// (`universalIntegratedCircuitCardIdentifier`), headed "UICC ID" there
    /// ([`Column::label_on`]).
    pub iccid: String,
    /// Activation status.
    pub state: StateLabel,
    /// The state's detail (why it failed, how it was removed).
    pub details: String,
    /// Cellular status (from the operator; this server only).
    pub cellular: String,
    /// Last check-in (RFC 3339).
    pub last_sync: String,
    /// A failed or user-removed install, which the admin may retry (a new code at the next
    /// check-in).
    pub retryable: bool,
    /// Name and user lower-cased once, for sorting and searching without allocating.
    keys: Keys,
}

/// A row's lower-cased texts.
#[derive(Debug, Clone, PartialEq, Default)]
struct Keys {
    device: String,
    user: String,
    /// Name, user, ICCID and cellular status, separated by a character no one types.
    search: String,
}

impl Keys {
    fn of(device: &str, user: &str, iccid: &str, cellular: &str) -> Keys {
        Keys {
            device: device.to_lowercase(),
            user: user.to_lowercase(),
            search: format!("{device}\u{1f}{user}\u{1f}{iccid}\u{1f}{cellular}").to_lowercase(),
        }
    }
}

impl Row {
    /// A row from the API's device state.
    pub fn from_state(s: &DeviceState) -> Row {
        let device = s.device_name.clone().unwrap_or_default();
        let user = s.user_name.clone().unwrap_or_default();
        let iccid = s
            .iccid
            .clone()
            .or_else(|| s.universal_integrated_circuit_card_identifier.clone())
            .unwrap_or_default();
        let cellular = s.cellular_status.clone().unwrap_or_default();
        Row {
            keys: Keys::of(&device, &user, &iccid, &cellular),
            id: s.id.clone(),
            device,
            user,
            iccid,
            state: s.state.label(),
            details: s.state_details.clone().unwrap_or_default(),
            cellular,
            last_sync: s.last_sync_date_time.clone().unwrap_or_default(),
            retryable: matches!(
                s.state,
                DeviceStateKind::Failed | DeviceStateKind::Error | DeviceStateKind::RemovedByUser
            ),
        }
    }
}

/// A column to sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// Device name.
    Device,
    /// User.
    User,
    /// ICCID.
    Iccid,
    /// Activation status (in the chart's order).
    State,
    /// Cellular status.
    Cellular,
    /// Last check-in.
    LastSync,
}

impl Column {
    /// Every column, in the table's order.
    pub const ALL: [Column; 6] = [
        Column::Device,
        Column::User,
        Column::Iccid,
        Column::State,
        Column::Cellular,
        Column::LastSync,
    ];

    /// The column's heading against this server.
    pub fn label(self) -> L {
        self.label_on(false)
    }

    /// The column's heading; on Graph (`graph`) the identifier column is the device's UICC
    /// id, not an ICCID.
    pub fn label_on(self, graph: bool) -> L {
        match self {
            Column::Device => L::ColDevice,
            Column::User => L::ColUser,
            Column::Iccid if graph => L::ColUicc,
            Column::Iccid => L::ColIccid,
            Column::State => L::ColState,
            Column::Cellular => L::ColCellular,
            Column::LastSync => L::ColLastSync,
        }
    }
}

/// What the table shows: a filter, a search and an order.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// Only this status (all when `None`).
    pub state: Option<StateLabel>,
    /// Only rows with this text (case-insensitive) in name, user, ICCID or cellular status.
    pub search: String,
    /// The order.
    pub sort: Column,
    /// Descending.
    pub descending: bool,
}

impl Default for Query {
    fn default() -> Self {
        Query {
            state: None,
            search: String::new(),
            sort: Column::Device,
            descending: false,
        }
    }
}

/// The `deviceStates` property a column sorts by on the server (`None` for the status,
/// which the table orders as the chart does, not by name).
fn sort_property(column: Column) -> Option<&'static str> {
    match column {
        Column::Device => Some("deviceName"),
        Column::User => Some("userName"),
        Column::Iccid => Some("iccid"),
        Column::State => None,
        Column::Cellular => Some("cellularStatus"),
        Column::LastSync => Some("lastSyncDateTime"),
    }
}

/// The OData options the table sends to a backend that supports them on `deviceStates`
/// (this project's server; not Graph, which documents none for it), percent-encoded and
/// joined with `&`: the status filter as `$filter` on the states behind the label (a
/// filtered table's refreshes read only those devices; a filter chosen while the table
/// holds every device is answered in the browser first), the sort as `$orderby` (the
/// first pages to arrive are the top of the table). The search stays in the browser
/// (`contains` on four columns); "Unknown" too (this server never stores such a state).
/// The table still sorts what it has, so the order shown is the same on every backend.
pub fn server_options(query: &Query) -> String {
    let mut options = Vec::new();
    if let Some(label) = query.state {
        let states: Vec<String> = DeviceStateKind::ALL
            .iter()
            .filter(|kind| kind.label() == label)
            .map(|kind| format!("state eq '{}'", kind.as_str()))
            .collect();
        if !states.is_empty() {
            options.push(format!("$filter={}", encode(&states.join(" or "))));
        }
    }
    if let Some(property) = sort_property(query.sort) {
        let direction = if query.descending { "desc" } else { "asc" };
        options.push(format!(
            "$orderby={}",
            encode(&format!("{property} {direction}"))
        ));
    }
    options.join("&")
}

/// Keeps one row per device state, the one read last: the list may change while its pages
/// are read, and a state whose sorted value changes meanwhile (a device that checks in,
/// with `$orderby=lastSyncDateTime`) can move past the page boundary and be read twice.
pub fn dedupe(rows: &mut Vec<Row>) {
    let mut seen = std::collections::HashSet::with_capacity(rows.len());
    let mut keep: Vec<bool> = rows
        .iter()
        .rev()
        .map(|row| seen.insert(row.id.clone()))
        .collect();
    keep.reverse();
    let mut flags = keep.into_iter();
    rows.retain(|_| flags.next().unwrap_or(true));
}

fn state_rank(label: StateLabel) -> usize {
    StateLabel::WITH_UNKNOWN
        .iter()
        .position(|l| *l == label)
        .unwrap_or(0)
}

/// The indexes of the rows the query shows, in its order (stable: equal rows keep the
/// API's order).
pub fn select(rows: &[Row], query: &Query) -> Vec<usize> {
    let needle = query.search.trim().to_lowercase();
    let mut shown: Vec<usize> = rows
        .iter()
        .enumerate()
        .filter(|(_, row)| query.state.is_none_or(|state| row.state == state))
        .filter(|(_, row)| needle.is_empty() || row.keys.search.contains(&needle))
        .map(|(i, _)| i)
        .collect();
    shown.sort_by(|&a, &b| {
        let (a, b) = (&rows[a], &rows[b]);
        let order = match query.sort {
            Column::Device => a.keys.device.cmp(&b.keys.device),
            Column::User => a.keys.user.cmp(&b.keys.user),
            Column::Iccid => a.iccid.cmp(&b.iccid),
            Column::State => state_rank(a.state).cmp(&state_rank(b.state)),
            Column::Cellular => a.cellular.cmp(&b.cellular),
            Column::LastSync => a.last_sync.cmp(&b.last_sync),
        };
        if query.descending {
            order.reverse()
        } else {
            order
        }
    });
    shown
}

/// The rows as CSV in the table's order, with the table's headings; cells a spreadsheet
/// would run as a formula are neutralised ([`super::export::csv_file`]).
pub fn to_csv(rows: &[Row], shown: &[usize], lang: Lang, graph: bool) -> Vec<u8> {
    let headings = [
        L::ColDevice,
        L::ColUser,
        Column::Iccid.label_on(graph),
        L::ColState,
        L::ColDetails,
        L::ColCellular,
        L::ColLastSync,
    ]
    .map(|label| label.text(lang));
    let cells = shown.iter().map(|&i| {
        let row = &rows[i];
        [
            row.device.as_str(),
            row.user.as_str(),
            row.iccid.as_str(),
            state_text(lang, row.state),
            row.details.as_str(),
            row.cellular.as_str(),
            row.last_sync.as_str(),
        ]
    });
    super::export::csv_file(&headings, cells)
}

/// A row's height in pixels (fixed, so the rows in view follow from the scroll position):
/// two lines, so a state's detail shows under it. `--esim-fixed-table-row` in
/// style/main.css is the same height.
pub const ROW_HEIGHT: f64 = 44.0;
/// The scroll area's height in pixels (ten rows and the heading).
pub const VIEW_HEIGHT: f64 = 480.0;
/// Rows rendered above and below the visible ones.
pub const OVERSCAN: usize = 8;

/// The rows (positions in the shown list) to render at a scroll position.
pub fn window(total: usize, scroll_top: f64) -> Range<usize> {
    let first = ((scroll_top.max(0.0) / ROW_HEIGHT) as usize).min(total);
    let visible = (VIEW_HEIGHT / ROW_HEIGHT).ceil() as usize + 1;
    first.saturating_sub(OVERSCAN)..(first + visible + OVERSCAN).min(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, device: &str, state: StateLabel, cellular: &str) -> Row {
        let user = format!("user of {device}");
        let iccid = format!("8946{id}");
        Row {
            keys: Keys::of(device, &user, &iccid, cellular),
            id: id.into(),
            device: device.into(),
            user,
            iccid,
            state,
            details: String::new(),
            cellular: cellular.into(),
            last_sync: format!("2026-11-2{id}T10:00:00Z"),
            retryable: state == StateLabel::Failed,
        }
    }

    fn rows() -> Vec<Row> {
        vec![
            row("1", "beta", StateLabel::Active, "Active"),
            row("2", "Alpha", StateLabel::Failed, "=HYPERLINK(\"x\")"),
            row("3", "gamma", StateLabel::Pending, ""),
        ]
    }

    #[test]
    fn filter_search_and_sort() {
        let rows = rows();
        assert_eq!(select(&rows, &Query::default()), [1, 0, 2]);
        let failed = Query {
            state: Some(StateLabel::Failed),
            ..Query::default()
        };
        assert_eq!(select(&rows, &failed), [1]);
        let search = Query {
            search: " GAM ".into(),
            ..Query::default()
        };
        assert_eq!(select(&rows, &search), [2]);
        let by_iccid = Query {
            search: "89463".into(),
            ..Query::default()
        };
        assert_eq!(select(&rows, &by_iccid), [2]);
        // A search never matches across two fields.
        let across = Query {
            search: "gamma user".into(),
            ..Query::default()
        };
        assert_eq!(select(&rows, &across), [] as [usize; 0]);
        let by_state = Query {
            sort: Column::State,
            ..Query::default()
        };
        assert_eq!(select(&rows, &by_state), [2, 0, 1]);
        let newest = Query {
            sort: Column::LastSync,
            descending: true,
            ..Query::default()
        };
        assert_eq!(select(&rows, &newest), [2, 1, 0]);
    }

    #[test]
    fn export_neutralises_formulas_and_keeps_the_order() {
        let rows = rows();
        let shown = select(&rows, &Query::default());
        let csv = String::from_utf8(to_csv(&rows, &shown, Lang::En, false)).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "Device name,User,ICCID,Activation status,Detail,Cellular status,Last check-in"
        );
        assert!(lines[1].starts_with("Alpha,"), "{}", lines[1]);
        assert!(
            lines[1].contains("\"'=HYPERLINK(\"\"x\"\")\""),
            "{}",
            lines[1]
        );
        assert!(lines[2].contains(",Active,"));
        let sv = String::from_utf8(to_csv(&rows, &shown, Lang::Sv, false)).unwrap();
        assert!(sv.starts_with("Enhetsnamn,Användare,ICCID,Aktiveringsstatus"));
        // On Graph the identifier is the device's UICC id, and says so.
        let graph = String::from_utf8(to_csv(&rows, &shown, Lang::En, true)).unwrap();
        assert!(graph.starts_with("Device name,User,UICC ID,"), "{graph}");
        let graph = String::from_utf8(to_csv(&rows, &shown, Lang::Sv, true)).unwrap();
        assert!(
            graph.starts_with("Enhetsnamn,Användare,UICC-id,"),
            "{graph}"
        );
    }

    #[test]
    fn the_server_is_asked_for_the_filter_and_the_order() {
        assert_eq!(
            server_options(&Query::default()),
            "$orderby=deviceName%20asc"
        );
        let failed = Query {
            state: Some(StateLabel::Failed),
            sort: Column::LastSync,
            descending: true,
            ..Query::default()
        };
        assert_eq!(
            server_options(&failed),
            "$filter=state%20eq%20%27failed%27%20or%20state%20eq%20%27error%27&$orderby=lastSyncDateTime%20desc"
        );
        // The chart's order and an unknown state stay in the browser; so does the search.
        let unknown = Query {
            state: Some(StateLabel::Unknown),
            sort: Column::State,
            search: "x".into(),
            ..Query::default()
        };
        assert_eq!(server_options(&unknown), "");
        // Every label but Unknown names at least one state, and each state one label.
        for label in StateLabel::ALL {
            let q = Query {
                state: Some(*label),
                sort: Column::State,
                ..Query::default()
            };
            assert!(
                server_options(&q).starts_with("$filter=state%20eq%20"),
                "{label:?}"
            );
        }
    }

    #[test]
    fn a_row_read_twice_is_kept_once_as_read_last() {
        let mut rows = rows();
        let mut again = rows[0].clone();
        again.cellular = "Suspended".into();
        rows.push(again);
        dedupe(&mut rows);
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["2", "3", "1"]);
        assert_eq!(rows[2].cellular, "Suspended");
    }

    #[test]
    fn only_rows_in_view_are_rendered() {
        assert_eq!(window(0, 0.0), 0..0);
        let w = window(10_000, 0.0);
        assert_eq!(w.start, 0);
        assert!(w.len() < 40);
        let w = window(10_000, 5_000.0 * ROW_HEIGHT);
        assert!(w.contains(&5_000) && w.contains(&5_010) && w.len() < 40);
        assert_eq!(window(10, 1e9), 2..10);
    }
}
