//! The tables, as a numbered list of migrations that both backends run: SQLite keeps
//! the number in `PRAGMA user_version`, PostgreSQL in a one-row `schema_version` table.
//! A database opened by this server is brought to `VERSION` in one transaction, so it is
//! either upgraded whole or left as it was.
//!
//! Each step is written once, in the SQL both databases accept, with the few words
//! that differ as placeholders (`{i64}`, `{queue_id}`, ...; `Dialect::render`). To change
//! the schema, append a step; never edit one that has shipped: a database that ran it
//! will not run it again. `server/tests/upgrade.rs` opens every earlier schema, as the
//! server shipped it, with the current code.
//!
//! Databases from before the version was kept (version 0 with tables in it) are
//! stamped with the shipped schema their shape matches (`unversioned`), then upgraded
//! from there.

use super::Result;
use crate::error::StorageError;

/// The steps, oldest first: step i (from 1) brings a database to version i.
const STEPS: &[&str] = &[
    // 1: the first server (votes, idempotency keys, the queue, the listing, versions).
    // IF NOT EXISTS, as it shipped: a database with some of these tables but no votes
    // counts as new.
    r#"
CREATE TABLE IF NOT EXISTS meta (key {text} PRIMARY KEY, value {text} NOT NULL){without_rowid};
-- One vote per device and number: the latest wins.
CREATE TABLE IF NOT EXISTS votes (
    number   {i64}  NOT NULL,
    device   {text} NOT NULL,
    spam     {bool} NOT NULL,
    category {i16}  NOT NULL,
    at       {i64}  NOT NULL,
    comment  {text},
    PRIMARY KEY (number, device)
){without_rowid};
-- Idempotency keys already counted, per device.
CREATE TABLE IF NOT EXISTS seen (
    device {text} NOT NULL,
    key    {text} NOT NULL,
    at     {i64}  NOT NULL,
    PRIMARY KEY (device, key)
){without_rowid};
-- Numbers voted on since the last publication (a queue: ids only grow).
CREATE TABLE IF NOT EXISTS dirty (id {queue_id}, number {i64} NOT NULL UNIQUE);
-- The listing as of the latest version.
CREATE TABLE IF NOT EXISTS published (
    number        {i64} PRIMARY KEY,
    category      {i16} NOT NULL,
    score         {f64} NOT NULL,
    last_activity {i64} NOT NULL,
    expires_at    {i64} NOT NULL,
    bucket        {i32} NOT NULL,
    tag           {i64} NOT NULL
);
CREATE INDEX IF NOT EXISTS published_bucket ON published (bucket);
CREATE INDEX IF NOT EXISTS published_expiry ON published (expires_at);
CREATE TABLE IF NOT EXISTS versions (
    version    {i64} PRIMARY KEY,
    created_at {i64} NOT NULL,
    upserts    {i32} NOT NULL,
    deletions  {i32} NOT NULL
);
"#,
    // 2: origins. Each vote remembers the network it came from (0 for older votes: each
    // counts per device, `storage::vote_origin`); devices are registered with theirs,
    // those of older votes and keys with origin 0.
    r#"
ALTER TABLE votes ADD COLUMN origin {i64} NOT NULL DEFAULT 0;
-- Devices that sent an accepted batch: when first, and from which origin network.
CREATE TABLE devices (
    device     {text} PRIMARY KEY,
    first_seen {i64}  NOT NULL,
    origin     {i64}  NOT NULL
){without_rowid};
INSERT INTO devices (device, first_seen, origin) SELECT device, min(at), 0 FROM votes GROUP BY device;
INSERT INTO devices (device, first_seen, origin)
    SELECT device, min(at), 0 FROM seen WHERE device NOT IN (SELECT device FROM devices) GROUP BY device;
"#,
    // 3: spam ranges. kind: 0 listed by its own votes (a member), 1 as part of a spam
    // range (ranges.rs). A column, not a table of its own: a range number is published,
    // looked up and snapshotted exactly like a member, and is never both.
    r#"
ALTER TABLE published ADD COLUMN kind {i16} NOT NULL DEFAULT 0;
"#,
    // 4: retention deletes old keys in small batches (retention.rs): found by age, not
    // scanned.
    r#"
CREATE INDEX seen_at ON seen (at);
"#,
    // 5: disputes (disputes.rs). A dispute holds its number's listing until an operator
    // upholds it or clears the number; cleared numbers need much stronger evidence to be
    // listed again; every step is in the audit log. `published.disputed`: 1 when the
    // listing is held (the entry flag in the signed files).
    r#"
CREATE TABLE disputes (
    id          {text} PRIMARY KEY,
    number      {i64}  NOT NULL,
    role        {text} NOT NULL,
    contact     {text} NOT NULL,
    reason      {text} NOT NULL,
    origin      {i64}  NOT NULL,
    created_at  {i64}  NOT NULL,
    state       {text} NOT NULL,
    resolved_at {i64},
    resolved_by {text},
    note        {text}
);
CREATE INDEX disputes_number ON disputes (number);
CREATE TABLE cleared (number {i64} PRIMARY KEY, cleared_at {i64} NOT NULL);
CREATE TABLE audit (
    id      {queue_id},
    at      {i64}  NOT NULL,
    who     {text} NOT NULL,
    action  {text} NOT NULL,
    dispute {text} NOT NULL,
    number  {i64}  NOT NULL,
    why     {text}
);
ALTER TABLE published ADD COLUMN disputed {i16} NOT NULL DEFAULT 0;
"#,
    // 6: evidence by device history (aggregate.rs, rules::DeviceRules). home_v6: whether
    // the home network (`origin`) is an IPv6 one; link: the first network of the other
    // family the device sent from (0: none), one reporter with its home; confirmed: its
    // reports that got listed. Devices from before keep the full weight their votes had.
    r#"
ALTER TABLE devices ADD COLUMN home_v6 {bool} NOT NULL DEFAULT false;
ALTER TABLE devices ADD COLUMN link {i64} NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN confirmed {i64} NOT NULL DEFAULT 0;
UPDATE devices SET confirmed = 1000000;
"#,
];

/// The schema version this server creates and expects.
pub const VERSION: i64 = STEPS.len() as i64;

/// The SQL spoken by a backend.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// `sql` with its placeholders replaced by this dialect's words.
    pub(crate) fn render(self, sql: &str) -> String {
        // (placeholder, SQLite, PostgreSQL). SQLite stores any integer in INTEGER, and
        // `INTEGER PRIMARY KEY` is its row id.
        const WORDS: &[(&str, &str, &str)] = &[
            ("{i64}", "INTEGER", "bigint"),
            ("{i32}", "INTEGER", "integer"),
            ("{i16}", "INTEGER", "smallint"),
            ("{bool}", "INTEGER", "boolean"),
            ("{f64}", "REAL", "double precision"),
            ("{text}", "TEXT", "text"),
            ("{queue_id}", "INTEGER PRIMARY KEY AUTOINCREMENT", "bigserial PRIMARY KEY"),
            ("{without_rowid}", " WITHOUT ROWID", ""),
        ];
        WORDS.iter().fold(sql.to_string(), |sql, (placeholder, sqlite, postgres)| {
            sql.replace(placeholder, if self == Dialect::Sqlite { sqlite } else { postgres })
        })
    }
}

/// What the migration needs from a backend, inside the transaction it runs in.
pub(crate) trait Migrate {
    fn dialect(&self) -> Dialect;
    /// The stored version (0: none).
    fn version(&mut self) -> Result<i64>;
    fn set_version(&mut self, version: i64) -> Result<()>;
    /// Runs statements (`;`-separated).
    fn run(&mut self, sql: &str) -> Result<()>;
    fn has_table(&mut self, table: &str) -> Result<bool>;
    fn has_column(&mut self, table: &str, column: &str) -> Result<bool>;
    fn has_index(&mut self, index: &str) -> Result<bool>;
}

/// Brings the database to `VERSION`; returns the version it was at. Runs inside the
/// caller's transaction.
pub(crate) fn migrate(db: &mut dyn Migrate) -> Result<i64> {
    let stored = db.version()?;
    let version = if stored == 0 { unversioned(db)? } else { stored };
    if version > VERSION {
        return Err(StorageError::NewerSchema { found: version, known: VERSION });
    }
    for step in &STEPS[version as usize..] {
        let sql = db.dialect().render(step);
        db.run(&sql)?;
    }
    if stored != VERSION {
        db.set_version(VERSION)?;
    }
    Ok(version)
}

/// The version of a database from before versions were kept, by its shape: the shipped
/// schemas differ in what each step added (0: no tables, a new database).
fn unversioned(db: &mut dyn Migrate) -> Result<i64> {
    if !db.has_table("votes")? {
        return Ok(0);
    }
    let shapes = [
        db.has_column("votes", "origin")? && db.has_table("devices")?,
        db.has_column("published", "kind")?,
        db.has_index("seen_at")?,
    ];
    Ok(1 + shapes.iter().take_while(|s| **s).count() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_is_replaced() {
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            for step in STEPS {
                let sql = dialect.render(step);
                assert!(!sql.contains('{') && !sql.contains('}'), "{dialect:?}: {sql}");
            }
        }
        assert!(Dialect::Postgres.render(STEPS[0]).contains("id bigserial PRIMARY KEY"));
        assert!(Dialect::Sqlite.render(STEPS[0]).contains("number   INTEGER  NOT NULL"));
    }
}
