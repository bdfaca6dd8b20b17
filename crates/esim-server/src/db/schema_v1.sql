-- One schema for SQLite and PostgreSQL: TEXT ids and RFC 3339 times made by the server,
-- BIGINT numbers and 0/1 flags, so the same SQL runs on both through sqlx's Any driver.
CREATE TABLE pools (
    id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    smdp_address TEXT NOT NULL,
    code_count BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    modified_at TEXT NOT NULL
);
CREATE INDEX pools_smdp ON pools (smdp_address);
-- An ICCID is stored once, ever: the primary key makes a second import impossible, and a
-- used code stays (pool_id NULL) after its pool is deleted.
CREATE TABLE codes (
    iccid TEXT PRIMARY KEY,
    pool_id TEXT,
    matching_id TEXT NOT NULL,
    smdp_address TEXT NOT NULL,
    sort_key BIGINT NOT NULL,
    used BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX codes_unused ON codes (pool_id, used, sort_key);
-- One row per delivery; the primary key guarantees a code is delivered at most once.
CREATE TABLE deliveries (
    iccid TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    pool_id TEXT NOT NULL,
    delivered_at TEXT NOT NULL
);
CREATE TABLE dir_groups (
    id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    description TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE dir_devices (
    id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    user_name TEXT,
    operating_system TEXT,
    esim_capable BIGINT NOT NULL,
    retired BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    last_sync_at TEXT
);
CREATE TABLE dir_members (
    group_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    PRIMARY KEY (group_id, device_id)
);
CREATE INDEX dir_members_device ON dir_members (device_id);
CREATE TABLE assignments (
    id TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    is_exclusion BIGINT NOT NULL,
    UNIQUE (pool_id, group_id)
);
CREATE INDEX assignments_group ON assignments (group_id);
CREATE TABLE device_states (
    pool_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    state TEXT NOT NULL,
    state_details TEXT,
    iccid TEXT,
    cellular_status TEXT,
    created_at TEXT NOT NULL,
    modified_at TEXT NOT NULL,
    last_sync_at TEXT,
    PRIMARY KEY (pool_id, device_id)
);
CREATE INDEX device_states_device ON device_states (device_id);
CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    device_id TEXT,
    label TEXT,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE TABLE audit (
    id TEXT PRIMARY KEY,
    happened_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    detail TEXT,
    request_id TEXT NOT NULL
);
