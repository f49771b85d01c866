-- The SQLite schema of ringfence-server as it shipped at commit c59bfca (server/src/storage.rs), before
-- schema versions were kept: server/tests/upgrade.rs opens a file made with it (version 1).
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
-- One vote per device and number: the latest wins.
CREATE TABLE IF NOT EXISTS votes (
    number   INTEGER NOT NULL,
    device   TEXT    NOT NULL,
    spam     INTEGER NOT NULL,
    category INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    comment  TEXT,
    PRIMARY KEY (number, device)
) WITHOUT ROWID;
-- Idempotency keys already counted, per device.
CREATE TABLE IF NOT EXISTS seen (
    device TEXT NOT NULL,
    key    TEXT NOT NULL,
    at     INTEGER NOT NULL,
    PRIMARY KEY (device, key)
) WITHOUT ROWID;
-- Numbers voted on since the last publication (a queue: ids only grow).
CREATE TABLE IF NOT EXISTS dirty (id INTEGER PRIMARY KEY AUTOINCREMENT, number INTEGER NOT NULL UNIQUE);
-- The listing as of the latest version.
CREATE TABLE IF NOT EXISTS published (
    number        INTEGER PRIMARY KEY,
    category      INTEGER NOT NULL,
    score         REAL    NOT NULL,
    last_activity INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    bucket        INTEGER NOT NULL,
    tag           INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS published_bucket ON published (bucket);
CREATE INDEX IF NOT EXISTS published_expiry ON published (expires_at);
CREATE TABLE IF NOT EXISTS versions (
    version    INTEGER PRIMARY KEY,
    created_at INTEGER NOT NULL,
    upserts    INTEGER NOT NULL,
    deletions  INTEGER NOT NULL
);
