//! Shared DOM helpers and every `data-testid` the browser tests rely on. A leaf: it imports
//! nothing from the crate, so any view can use it.

/// The `data-testid` values that browser tests rely on. Keep them stable.
pub mod testid {
    // The validator page.
    pub const PRIVACY: &str = "privacy";
    pub const LANG_SWITCH: &str = "lang-switch";
    pub const DROP: &str = "drop-zone";
    pub const TEXT: &str = "csv-text";
    pub const FILE: &str = "csv-file";
    pub const CHECK: &str = "check";
    pub const ANNOUNCE: &str = "announce";
    pub const PROGRESS: &str = "progress";
    pub const PROGRESS_BAR: &str = "progress-bar";
    pub const CANCEL: &str = "cancel";
    pub const CANCELLED: &str = "cancelled";
    pub const READ_ERROR: &str = "read-error";
    /// The sheet picker of a workbook with several sheets.
    pub const SHEET_PICK: &str = "sheet-pick";
    pub const RESULT: &str = "result";
    pub const SOURCE: &str = "source";
    pub const VERDICT: &str = "verdict";
    pub const CODE_COUNT: &str = "code-count";
    pub const SMDP: &str = "smdp-address";
    pub const ERROR_COUNT: &str = "error-count";
    pub const WARNING_COUNT: &str = "warning-count";
    pub const COUNT_ROW: &str = "count-row";
    pub const MAPPING: &str = "mapping";
    pub const MAPPING_ROW: &str = "mapping-row";
    pub const MAPPING_ENCODING: &str = "mapping-encoding";
    pub const COLUMN_PICK: &str = "column-pick";
    pub const POOL_NAME: &str = "pool-name";
    pub const USE_SMDP_NAME: &str = "use-smdp-name";
    pub const NO_FINDINGS: &str = "no-findings";
    pub const FINDINGS: &str = "findings";
    pub const FILTER: &str = "finding-filter";
    pub const PAGE_INFO: &str = "page-info";
    pub const PREV_PAGE: &str = "prev-page";
    pub const NEXT_PAGE: &str = "next-page";
    pub const TRUNCATED: &str = "truncated";
    pub const FINDING: &str = "finding";
    pub const FINDING_CODE: &str = "finding-code";
    pub const FINDING_LINE: &str = "finding-line";
    pub const FINDING_COLUMN: &str = "finding-column";
    pub const FINDING_MESSAGE: &str = "finding-message";
    pub const SHOW_LINE: &str = "show-line";
    pub const SOURCE_VIEW: &str = "source-view";
    pub const SOURCE_HEADING: &str = "source-heading";
    pub const SOURCE_LINE: &str = "source-line";
    pub const SOURCE_MARK: &str = "source-mark";
    pub const CLOSE_SOURCE: &str = "close-source";
    pub const SHOW_EACH: &str = "show-each";
    pub const COUNT_LINES: &str = "count-lines";
    pub const FIX: &str = "fix";
    pub const FIXING: &str = "fixing";
    pub const FIX_PREVIEW: &str = "fix-preview";
    pub const FIX_FILE_WIDE: &str = "fix-file-wide";
    pub const FIX_CHANGE: &str = "fix-change";
    pub const FIXED_VERDICT: &str = "fixed-verdict";
    pub const FIX_LEFT: &str = "fix-left";
    pub const CANNOT_SPLIT: &str = "cannot-split";
    pub const DOWNLOAD_FIXED: &str = "download-fixed";
    pub const DOWNLOAD_PARTS: &str = "download-parts";
    pub const DOWNLOAD_JSON: &str = "download-json";
    pub const DOWNLOAD_CSV: &str = "download-csv";
    // The console's views.
    pub const SKIP_LINK: &str = "skip-link";
    pub const NAV: &str = "nav";
    pub const NAV_CHECK: &str = "nav-check";
    pub const NAV_POOLS: &str = "nav-pools";
    pub const NAV_GROUPS: &str = "nav-groups";
    pub const NAV_SETTINGS: &str = "nav-settings";
    pub const NAV_AUDIT: &str = "nav-audit";
    pub const SIGNED_IN: &str = "signed-in";
    pub const SIGN_IN_NEEDED: &str = "sign-in-needed";
    pub const API_ERROR: &str = "api-error";
    pub const LOADING: &str = "loading";
    pub const NOT_FOUND: &str = "not-found";
    pub const BUSY: &str = "busy";
    // Settings.
    pub const BASE_URL: &str = "base-url";
    pub const TOKEN: &str = "token";
    pub const SAVE_CONNECTION: &str = "save-connection";
    pub const SIGN_OUT: &str = "sign-out";
    pub const CONNECTION_STATUS: &str = "connection-status";
    // Sign-in (OpenID Connect) and the origin confirmation.
    pub const SIGN_IN_OIDC: &str = "sign-in-oidc";
    pub const SIGNING_IN: &str = "signing-in";
    pub const SIGN_IN_ERROR: &str = "sign-in-error";
    pub const PERSON: &str = "person";
    pub const NO_ROLE: &str = "no-role";
    pub const READ_ONLY: &str = "read-only";
    pub const ORIGIN_DIALOG: &str = "origin-dialog";
    pub const ORIGIN_ACCEPT: &str = "origin-accept";
    pub const ORIGIN_REFUSE: &str = "origin-refuse";
    // Settings: sign-in with Microsoft Entra ID for Graph.
    pub const ENTRA_TENANT: &str = "entra-tenant";
    pub const ENTRA_CLIENT_ID: &str = "entra-client-id";
    pub const ENTRA_READ_ONLY: &str = "entra-read-only";
    pub const ENTRA_SIGN_IN: &str = "entra-sign-in";
    // Pools.
    pub const POOL_ROW: &str = "pool-row";
    pub const POOL_LINK: &str = "pool-link";
    pub const POOL_SMDP: &str = "pool-smdp";
    pub const POOL_USED: &str = "pool-used";
    pub const POOL_GROUPS: &str = "pool-groups";
    pub const POOL_STATUS: &str = "pool-status";
    pub const RENAME: &str = "rename";
    pub const RENAME_INPUT: &str = "rename-input";
    pub const RENAME_SAVE: &str = "rename-save";
    pub const DELETE: &str = "delete";
    pub const CONFIRM_DELETE: &str = "confirm-delete";
    pub const CANCEL_DELETE: &str = "cancel-delete";
    pub const NO_POOLS: &str = "no-pools";
    pub const IMPORT_POOL: &str = "import-pool";
    pub const CONFIRM_DIALOG: &str = "confirm-dialog";
    pub const CONFIRM: &str = "confirm";
    pub const CANCEL_CONFIRM: &str = "cancel-confirm";
    pub const DONE: &str = "done";
    // A pool.
    pub const POOL_TITLE: &str = "pool-title";
    pub const POOL_TAB: &str = "pool-tab";
    pub const CODES_LEFT: &str = "codes-left";
    pub const CHART: &str = "state-chart";
    pub const CHART_BAR: &str = "chart-bar";
    pub const DEVICE_TABLE: &str = "device-table";
    pub const DEVICE_ROW: &str = "device-row";
    pub const DEVICE_DETAILS: &str = "device-details";
    pub const DEVICE_DETAILS_LIST: &str = "device-details-list";
    pub const DETAILS_DIALOG: &str = "details-dialog";
    pub const CLOSE_DETAILS: &str = "close-details";
    pub const DEVICE_COUNT: &str = "device-count";
    pub const STATE_FILTER: &str = "state-filter";
    pub const DEVICE_SEARCH: &str = "device-search";
    pub const EXPORT_CSV: &str = "export-devices";
    pub const SORT: &str = "sort";
    pub const RETRY: &str = "retry";
    pub const REFRESH: &str = "refresh";
    pub const INCLUDED: &str = "included-groups";
    pub const EXCLUDED: &str = "excluded-groups";
    pub const ASSIGN_GROUP: &str = "assign-group";
    pub const ASSIGN_MODE: &str = "assign-mode";
    pub const ADD_ASSIGNMENT: &str = "add-assignment";
    pub const REMOVE_ASSIGNMENT: &str = "remove-assignment";
    pub const MEMBER_COUNT: &str = "member-count";
    pub const SAVE_ASSIGNMENTS: &str = "save-assignments";
    pub const SAVED: &str = "saved";
    pub const NO_USERS: &str = "no-users";
    // Groups.
    pub const GROUP_ROW: &str = "group-row";
    pub const GROUP_LINK: &str = "group-link";
    pub const NEW_GROUP_NAME: &str = "new-group-name";
    pub const CREATE_GROUP: &str = "create-group";
    pub const MEMBER_ROW: &str = "member-row";
    pub const GROUP_ID: &str = "group-id";
    pub const COPY_GROUP_ID: &str = "copy-group-id";
    pub const COPY_STATUS: &str = "copy-status";
    pub const REMOVE_MEMBER: &str = "remove-member";
    pub const CONFIRM_REMOVE: &str = "confirm-remove";
    pub const DEVICE_PICK: &str = "device-pick";
    pub const ADD_MEMBER: &str = "add-member";
    pub const NEW_DEVICE_NAME: &str = "new-device-name";
    pub const NEW_DEVICE_USER: &str = "new-device-user";
    pub const CREATE_DEVICE: &str = "create-device";
    pub const NO_DEVICE_CREATE: &str = "no-device-create";
    pub const OTHER_GROUPS: &str = "other-groups";
    // Upload.
    pub const UPLOAD: &str = "upload";
    pub const UPLOAD_STATUS: &str = "upload-status";
    pub const PRECHECK_FINDING: &str = "precheck-finding";
    pub const ADD_TO_POOL: &str = "add-to-pool";
    pub const REMOVE_IMPORTED: &str = "remove-imported";
    pub const UPLOAD_ANYWAY: &str = "upload-anyway";
    pub const PRECHECK_SUMMARY: &str = "precheck-summary";
    pub const PRECHECK_REASON: &str = "precheck-reason";
    pub const SERVER_FINDING: &str = "server-finding";
    pub const UPLOAD_SIGN_IN: &str = "upload-sign-in";
    // The audit log.
    pub const AUDIT_ACTOR: &str = "audit-actor";
    pub const AUDIT_ACTION: &str = "audit-action";
    pub const AUDIT_APPLY: &str = "audit-apply";
    pub const AUDIT_CLEAR: &str = "audit-clear";
    pub const AUDIT_TABLE: &str = "audit-table";
    pub const AUDIT_ROW: &str = "audit-row";
    pub const AUDIT_WHO: &str = "audit-who";
    pub const AUDIT_COUNT: &str = "audit-count";
    pub const AUDIT_NONE: &str = "audit-none";
    pub const AUDIT_MORE: &str = "audit-more";
    pub const AUDIT_EXPORT: &str = "audit-export";
    pub const AUDIT_GRAPH: &str = "audit-graph";
}

/// An element id no other element on the page has (several files show the same views).
pub fn unique_id(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("{prefix}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}
