//! Where the server keeps votes and what it published. A trait, so PostgreSQL can take
//! over from the embedded SQLite file (plan and schema: `docs/protocol.md`, "Scaling").
//!
//! Published state is the last version's listing, one row per number, with its lookup
//! bucket and when it lapses. Numbers that got votes since the last publication are
//! queued in `dirty`; the publisher re-aggregates those and the lapsed ones only.

use crate::aggregate::{aggregate, Listing, Rules, Vote};
use ringfence_core::number::{parse, Caller};
use ringfence_core::wire;
use ringfence_core::{Category, Region};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;

pub type Result<T> = std::result::Result<T, rusqlite::Error>;

/// One validated report.
#[derive(Clone, Debug)]
pub struct Report {
    pub key: String,
    pub number: u64,
    pub spam: bool,
    pub category: Category,
    pub comment: Option<String>,
}

/// A number that is listed, as published.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Listed {
    pub number: u64,
    pub listing: Listing,
}

/// What the next version changes.
#[derive(Default, Debug)]
pub struct Changes {
    /// Ascending by number, quantised as they will be published.
    pub upserts: Vec<Listed>,
    /// Ascending.
    pub deletions: Vec<u64>,
    /// The queue position these changes cover (see `mark_published`).
    pub dirty_upto: i64,
    /// Listed numbers whose published values stay but whose lapse time moved (a vote
    /// that changed nothing visible): (number, new expires_at).
    pub expiry_updates: Vec<(u64, i64)>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.upserts.is_empty() && self.deletions.is_empty()
    }
}

pub trait Storage: Send {
    /// Counts a batch in one transaction: reports whose (device, key) was seen before
    /// are skipped. Returns (accepted, duplicates).
    fn record(&mut self, device: &str, reports: &[Report], now: i64) -> Result<(u32, u32)>;
    /// What publishing at `now` would change. Changes nothing.
    fn pending_changes(&mut self, now: i64, rules: &Rules) -> Result<Changes>;
    /// Stores `version` as published with `changes`, atomically.
    fn mark_published(&mut self, version: u64, changes: &Changes, now: i64, salt: &[u8]) -> Result<()>;
    /// Records re-aggregations that changed nothing visible (no new version): drops
    /// the queue up to `changes.dirty_upto` and moves lapse times.
    fn settle(&mut self, changes: &Changes) -> Result<()>;
    fn latest_version(&mut self) -> Result<u64>;
    /// Every listed number, ascending.
    fn listed(&mut self) -> Result<Vec<Listed>>;
    /// The listed numbers of a lookup bucket, as (tag, listing).
    fn bucket(&mut self, bucket: u16) -> Result<Vec<(u64, Listing)>>;
    fn meta(&mut self, key: &str) -> Result<Option<String>>;
    fn set_meta(&mut self, key: &str, value: &str) -> Result<()>;
}

pub struct Sqlite {
    conn: Connection,
}

const SCHEMA: &str = r#"
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
"#;

impl Sqlite {
    pub fn open(path: &Path) -> Result<Sqlite> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Sqlite { conn })
    }
}

/// Emergency numbers are never listed, whatever the votes (the API refuses them too).
/// Short numbers are only known as emergency in their own country (`+82112` is 112 in
/// Korea), so the number is read from every region that shares its country code.
pub fn is_emergency(number: u64) -> bool {
    let emergency = |c: Caller| {
        matches!(c, Caller::Number(n) if n.traits.emergency || n.number_type == ringfence_core::NumberType::Emergency)
    };
    let international = format!("+{number}");
    let Caller::Number(n) = parse(&international, Region::US) else { return false };
    if emergency(parse(&international, Region::US)) {
        return true;
    }
    let national = &international[1 + n.country_code.to_string().len()..];
    regions_of(n.country_code).iter().any(|r| emergency(parse(&international, *r)) || emergency(parse(national, *r)))
}

/// Every region whose country calling code is `cc`.
fn regions_of(cc: u16) -> &'static [Region] {
    static TABLE: std::sync::OnceLock<std::collections::HashMap<u16, Vec<Region>>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t: std::collections::HashMap<u16, Vec<Region>> = std::collections::HashMap::new();
        for a in b'A'..=b'Z' {
            for b in b'A'..=b'Z' {
                let code = [a, b];
                let name = std::str::from_utf8(&code).unwrap_or("??");
                if let Ok(r) = name.parse::<Region>() {
                    if let Some(cc) = r.country_code() {
                        t.entry(cc).or_default().push(r);
                    }
                }
            }
        }
        t
    });
    table.get(&cc).map(Vec::as_slice).unwrap_or(&[])
}

/// A listing as the phones will see it: score and day quantised like the wire does.
fn as_published(l: Listing, now: i64) -> Listing {
    Listing {
        score: wire::dequantise(wire::quantise(l.score)),
        last_activity: wire::rounded_activity(now, l.last_activity),
        ..l
    }
}

fn settle(tx: &rusqlite::Transaction, changes: &Changes) -> Result<()> {
    let mut expiry = tx.prepare_cached("UPDATE published SET expires_at = ?2 WHERE number = ?1")?;
    for (number, at) in &changes.expiry_updates {
        expiry.execute(params![*number as i64, at])?;
    }
    tx.execute("DELETE FROM dirty WHERE id <= ?1", [changes.dirty_upto])?;
    Ok(())
}

fn read_listing(r: &rusqlite::Row, at: usize) -> rusqlite::Result<Listing> {
    Ok(Listing {
        category: Category::from_code(r.get::<_, i64>(at)? as u8).unwrap_or(Category::Unknown),
        score: r.get(at + 1)?,
        last_activity: r.get(at + 2)?,
        expires_at: r.get(at + 3)?,
    })
}

impl Storage for Sqlite {
    fn record(&mut self, device: &str, reports: &[Report], now: i64) -> Result<(u32, u32)> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let (mut accepted, mut duplicates) = (0, 0);
        {
            let mut seen = tx.prepare_cached("INSERT OR IGNORE INTO seen (device, key, at) VALUES (?1, ?2, ?3)")?;
            let mut vote = tx.prepare_cached(
                "INSERT INTO votes (number, device, spam, category, at, comment) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (number, device) DO UPDATE SET
                   spam = excluded.spam, category = excluded.category, at = excluded.at, comment = excluded.comment",
            )?;
            let mut dirty = tx.prepare_cached("INSERT OR REPLACE INTO dirty (number) VALUES (?1)")?;
            for r in reports {
                if seen.execute(params![device, r.key, now])? == 0 {
                    duplicates += 1;
                    continue;
                }
                vote.execute(params![r.number as i64, device, r.spam, r.category.code(), now, r.comment])?;
                dirty.execute([r.number as i64])?;
                accepted += 1;
            }
        }
        tx.commit()?;
        Ok((accepted, duplicates))
    }

    fn pending_changes(&mut self, now: i64, rules: &Rules) -> Result<Changes> {
        let dirty_upto: i64 = self.conn.query_row("SELECT coalesce(max(id), 0) FROM dirty", [], |r| r.get(0))?;
        let mut numbers: Vec<u64> = Vec::new();
        {
            let mut q = self.conn.prepare_cached("SELECT number FROM dirty WHERE id <= ?1")?;
            for n in q.query_map([dirty_upto], |r| r.get::<_, i64>(0))? {
                numbers.push(n? as u64);
            }
            let mut q = self.conn.prepare_cached("SELECT number FROM published WHERE expires_at <= ?1")?;
            for n in q.query_map([now], |r| r.get::<_, i64>(0))? {
                numbers.push(n? as u64);
            }
        }
        numbers.sort_unstable();
        numbers.dedup();
        let mut changes = Changes { dirty_upto, ..Changes::default() };
        let mut votes_of = self.conn.prepare_cached("SELECT spam, category, at FROM votes WHERE number = ?1")?;
        let mut published_of = self.conn.prepare_cached(
            "SELECT category, score, last_activity, expires_at FROM published WHERE number = ?1",
        )?;
        for number in numbers {
            let votes: Vec<Vote> = votes_of
                .query_map([number as i64], |r| {
                    Ok(Vote {
                        spam: r.get(0)?,
                        category: Category::from_code(r.get::<_, i64>(1)? as u8).unwrap_or(Category::Unknown),
                        at: r.get(2)?,
                    })
                })?
                .collect::<Result<_>>()?;
            let now_listed = if is_emergency(number) { None } else { aggregate(&votes, now, rules).map(|l| as_published(l, now)) };
            let was = published_of.query_row([number as i64], |r| read_listing(r, 0)).optional()?;
            match (was, now_listed) {
                (Some(_), None) => changes.deletions.push(number),
                (None, Some(l)) => changes.upserts.push(Listed { number, listing: l }),
                (Some(w), Some(l)) if (w.category, w.score, w.last_activity) != (l.category, l.score, l.last_activity) => {
                    changes.upserts.push(Listed { number, listing: l })
                }
                (Some(w), Some(l)) if w.expires_at != l.expires_at => changes.expiry_updates.push((number, l.expires_at)),
                _ => {}
            }
        }
        Ok(changes)
    }

    fn mark_published(&mut self, version: u64, changes: &Changes, now: i64, salt: &[u8]) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut up = tx.prepare_cached(
                "INSERT OR REPLACE INTO published (number, category, score, last_activity, expires_at, bucket, tag)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for l in &changes.upserts {
                let (bucket, tag) = match ringfence_core::E164::from_u64(l.number) {
                    Some(e) => wire::lookup_hash(salt, e),
                    None => continue,
                };
                let x = l.listing;
                up.execute(params![
                    l.number as i64,
                    x.category.code(),
                    x.score,
                    x.last_activity,
                    x.expires_at,
                    bucket,
                    tag as i64
                ])?;
            }
            let mut del = tx.prepare_cached("DELETE FROM published WHERE number = ?1")?;
            for n in &changes.deletions {
                del.execute([*n as i64])?;
            }
            settle(&tx, changes)?;
            tx.execute(
                "INSERT INTO versions (version, created_at, upserts, deletions) VALUES (?1, ?2, ?3, ?4)",
                params![version as i64, now, changes.upserts.len() as i64, changes.deletions.len() as i64],
            )?;
        }
        tx.commit()
    }

    fn settle(&mut self, changes: &Changes) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        settle(&tx, changes)?;
        tx.commit()
    }

    fn latest_version(&mut self) -> Result<u64> {
        Ok(self.conn.query_row("SELECT coalesce(max(version), 0) FROM versions", [], |r| r.get::<_, i64>(0))? as u64)
    }

    fn listed(&mut self) -> Result<Vec<Listed>> {
        let mut q = self
            .conn
            .prepare_cached("SELECT number, category, score, last_activity, expires_at FROM published ORDER BY number")?;
        let rows = q.query_map([], |r| Ok(Listed { number: r.get::<_, i64>(0)? as u64, listing: read_listing(r, 1)? }))?;
        rows.collect()
    }

    fn bucket(&mut self, bucket: u16) -> Result<Vec<(u64, Listing)>> {
        let mut q = self.conn.prepare_cached(
            "SELECT tag, category, score, last_activity, expires_at FROM published WHERE bucket = ?1 ORDER BY tag",
        )?;
        let rows = q.query_map([bucket], |r| Ok((r.get::<_, i64>(0)? as u64, read_listing(r, 1)?)))?;
        rows.collect()
    }

    fn meta(&mut self, key: &str) -> Result<Option<String>> {
        self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(key: &str, number: u64, spam: bool) -> Report {
        Report { key: key.into(), number, spam, category: Category::Scam, comment: None }
    }

    #[test]
    fn a_vote_during_a_publication_waits_for_the_next_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Sqlite::open(&dir.path().join("s.db")).unwrap();
        let rules = Rules { min_reporters: 1, list_threshold: 1.0, min_confidence: 0.0, half_life_secs: 0.0 };
        let n = 821055550101;
        assert_eq!(db.record("d1", &[report("key-0001", n, true)], 100).unwrap(), (1, 0));
        assert_eq!(db.record("d1", &[report("key-0001", n, true)], 101).unwrap(), (0, 1), "same key: a duplicate");
        let changes = db.pending_changes(100, &rules).unwrap();
        assert_eq!(changes.upserts.len(), 1);
        // Another device votes while version 1 is being written.
        db.record("d2", &[report("key-0002", n, true)], 102).unwrap();
        db.mark_published(1, &changes, 102, b"salt").unwrap();
        let next = db.pending_changes(103, &rules).unwrap();
        assert_eq!(next.upserts.len(), 1, "the second vote is still queued");
        assert_eq!(next.upserts[0].listing.score, 2.0);
        db.mark_published(2, &next, 103, b"salt").unwrap();
        assert!(db.pending_changes(104, &rules).unwrap().is_empty());
        // A vote that changes nothing a phone sees (d2 votes again) is settled without
        // a version, and leaves the queue.
        db.record("d2", &[report("key-0005", n, true)], 103).unwrap();
        let same = db.pending_changes(104, &rules).unwrap();
        assert!(same.is_empty() && same.dirty_upto > 0);
        db.settle(&same).unwrap();
        assert_eq!(db.pending_changes(104, &rules).unwrap().dirty_upto, 0);
        assert_eq!(db.latest_version().unwrap(), 2);
        assert_eq!(db.listed().unwrap().len(), 1);
        // "Not spam" from both: a deletion.
        db.record("d1", &[report("key-0003", n, false)], 105).unwrap();
        db.record("d2", &[report("key-0004", n, false)], 105).unwrap();
        let out = db.pending_changes(106, &rules).unwrap();
        assert_eq!((out.upserts.len(), out.deletions), (0, vec![n]));
    }

    #[test]
    fn emergency_numbers_are_never_listed_even_with_votes() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Sqlite::open(&dir.path().join("s.db")).unwrap();
        let rules = Rules { min_reporters: 1, list_threshold: 1.0, min_confidence: 0.0, half_life_secs: 0.0 };
        db.record("d1", &[report("key-0001", 82112, true)], 100).unwrap();
        assert!(db.pending_changes(100, &rules).unwrap().is_empty());
    }

    #[test]
    fn emergency_numbers_of_every_country() {
        for n in [82112u64, 82119, 1911, 86110, 86120, 49112, 44999] {
            assert!(super::is_emergency(n), "+{n}");
        }
        for n in [821012345678u64, 15551234567, 8615881234567] {
            assert!(!super::is_emergency(n), "+{n}");
        }
    }
}
