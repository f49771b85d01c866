-- The SQLite schema of ringfence-server at schema version 6 (evidence by device history), as
-- server/src/storage/schema.rs makes it: server/tests/upgrade.rs opens a database made with it.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
-- One vote per device and number: the latest wins.
CREATE TABLE IF NOT EXISTS votes (
    number   INTEGER NOT NULL,
    device   TEXT    NOT NULL,
    spam     INTEGER NOT NULL,
    category INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    comment  TEXT,
    origin   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (number, device)
) WITHOUT ROWID;
-- Idempotency keys already counted, per device.
CREATE TABLE IF NOT EXISTS seen (
    device TEXT NOT NULL,
    key    TEXT NOT NULL,
    at     INTEGER NOT NULL,
    PRIMARY KEY (device, key)
) WITHOUT ROWID;
-- Retention deletes old keys in small batches (retention.rs): found by age, not scanned.
CREATE INDEX IF NOT EXISTS seen_at ON seen (at);
-- Devices that sent an accepted batch: when first, and from which origin network.
CREATE TABLE IF NOT EXISTS devices (
    device     TEXT    PRIMARY KEY,
    first_seen INTEGER NOT NULL,
    origin     INTEGER NOT NULL
) WITHOUT ROWID;
-- Numbers voted on since the last publication (a queue: ids only grow).
CREATE TABLE IF NOT EXISTS dirty (id INTEGER PRIMARY KEY AUTOINCREMENT, number INTEGER NOT NULL UNIQUE);
-- The listing as of the latest version. kind: 0 listed by its own votes (a member), 1 as
-- part of a spam range (ranges.rs). A column, not a table of its own: a range number is
-- published, looked up and snapshotted exactly like a member, and is never both.
CREATE TABLE IF NOT EXISTS published (
    number        INTEGER PRIMARY KEY,
    category      INTEGER NOT NULL,
    score         REAL    NOT NULL,
    last_activity INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    bucket        INTEGER NOT NULL,
    tag           INTEGER NOT NULL,
    kind          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS published_bucket ON published (bucket);
CREATE INDEX IF NOT EXISTS published_expiry ON published (expires_at);
CREATE TABLE IF NOT EXISTS versions (
    version    INTEGER PRIMARY KEY,
    created_at INTEGER NOT NULL,
    upserts    INTEGER NOT NULL,
    deletions  INTEGER NOT NULL
);
-- 5: disputes.
CREATE TABLE disputes (
    id          TEXT PRIMARY KEY,
    number      INTEGER  NOT NULL,
    role        TEXT NOT NULL,
    contact     TEXT NOT NULL,
    reason      TEXT NOT NULL,
    origin      INTEGER  NOT NULL,
    created_at  INTEGER  NOT NULL,
    state       TEXT NOT NULL,
    resolved_at INTEGER,
    resolved_by TEXT,
    note        TEXT
);
CREATE INDEX disputes_number ON disputes (number);
CREATE TABLE cleared (number INTEGER PRIMARY KEY, cleared_at INTEGER NOT NULL);
CREATE TABLE audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER  NOT NULL,
    who     TEXT NOT NULL,
    action  TEXT NOT NULL,
    dispute TEXT NOT NULL,
    number  INTEGER  NOT NULL,
    why     TEXT
);
ALTER TABLE published ADD COLUMN disputed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN home_v6 INTEGER NOT NULL DEFAULT false;
ALTER TABLE devices ADD COLUMN link INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 0;
PRAGMA user_version = 6;
