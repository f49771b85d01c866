//! The embedded default: one SQLite file (WAL, one connection behind the server's lock).

use super::disputes::{self, Sql, Val};
use super::schema::{self, Dialect, Migrate};
use super::{
    category, changes, vote_origin, BatchOrigin, Changes, Listed, NumberRecord, Reads, Report, Result, Storage,
};
use crate::aggregate::{Listing, Vote};
use crate::disputes::{AuditEntry, Dispute, Filed, Hold, NewDispute, Resolved};
use crate::rules::Rules;
use ringfence_core::wire;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::BTreeMap;
use std::path::Path;

pub struct Sqlite {
    conn: Connection,
}

impl Sqlite {
    /// Opens (creating it if needed) the file and brings its tables to the current
    /// schema (`schema.rs`).
    pub fn open(path: &Path) -> Result<Sqlite> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let mut tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        schema::migrate(&mut tx)?;
        tx.commit()?;
        Ok(Sqlite { conn })
    }
}

impl Migrate for rusqlite::Transaction<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn version(&mut self) -> Result<i64> {
        Ok(self.query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    fn set_version(&mut self, version: i64) -> Result<()> {
        Ok(self.pragma_update(None, "user_version", version)?)
    }

    fn run(&mut self, sql: &str) -> Result<()> {
        Ok(self.execute_batch(sql)?)
    }

    fn has_table(&mut self, table: &str) -> Result<bool> {
        let q = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1";
        Ok(self.query_row(q, [table], |r| r.get::<_, i64>(0))? > 0)
    }

    fn has_column(&mut self, table: &str, column: &str) -> Result<bool> {
        let q = "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2";
        Ok(self.query_row(q, [table, column], |r| r.get::<_, i64>(0))? > 0)
    }

    fn has_index(&mut self, index: &str) -> Result<bool> {
        let q = "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?1";
        Ok(self.query_row(q, [index], |r| r.get::<_, i64>(0))? > 0)
    }
}

/// A device's votes with what weighs them: its links and history (`aggregate::Vote`).
const VOTES: &str = "SELECT v.spam, v.category, v.at, v.origin, v.device,
        coalesce(d.link, 0), coalesce(d.first_seen, v.at), coalesce(d.confirmed, 0)
    FROM votes v LEFT JOIN devices d ON d.device = v.device WHERE v.number = ?1";

/// Registers `device` if it is new and returns its home network, which its votes count
/// under (`aggregate.rs`): the network of its first batch. A device from before homes
/// were kept takes this batch's; a batch from the other IP family than the home links
/// that network, once.
fn home(tx: &rusqlite::Transaction, device: &str, from: BatchOrigin, now: i64) -> Result<i64> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO devices (device, first_seen, origin, home_v6, link, confirmed)
         VALUES (?1, ?2, ?3, ?4, 0, 0)",
    )?
    .execute(params![device, now, from.origin, from.v6])?;
    if from.origin != 0 {
        tx.prepare_cached("UPDATE devices SET origin = ?2, home_v6 = ?3 WHERE device = ?1 AND origin = 0")?
            .execute(params![device, from.origin, from.v6])?;
        tx.prepare_cached(
            "UPDATE devices SET link = ?2 WHERE device = ?1 AND link = 0 AND home_v6 != ?3 AND origin != ?2",
        )?
        .execute(params![device, from.origin, from.v6])?;
    }
    Ok(tx.prepare_cached("SELECT origin FROM devices WHERE device = ?1")?.query_row([device], |r| r.get(0))?)
}

fn settle(tx: &rusqlite::Transaction, changes: &Changes) -> Result<()> {
    // Reports others confirmed: every spam vote on a number its votes newly list.
    let mut confirm = tx.prepare_cached(
        "UPDATE devices SET confirmed = confirmed + 1
         WHERE device IN (SELECT device FROM votes WHERE number = ?1 AND spam)",
    )?;
    for number in &changes.confirmed {
        confirm.execute([*number as i64])?;
    }
    let mut expiry = tx.prepare_cached("UPDATE published SET expires_at = ?2 WHERE number = ?1")?;
    for (number, at) in &changes.expiry_updates {
        expiry.execute(params![*number as i64, at])?;
    }
    tx.execute("DELETE FROM dirty WHERE id <= ?1", [changes.dirty_upto])?;
    Ok(())
}

fn read_listing(r: &rusqlite::Row, at: usize) -> rusqlite::Result<Listing> {
    Ok(Listing {
        category: category(r.get(at)?),
        score: r.get(at + 1)?,
        last_activity: r.get(at + 2)?,
        expires_at: r.get(at + 3)?,
    })
}

fn read_listed(r: &rusqlite::Row) -> rusqlite::Result<Listed> {
    Ok(Listed {
        number: r.get::<_, i64>(0)? as u64,
        listing: read_listing(r, 1)?,
        range: r.get::<_, i64>(5)? != 0,
        disputed: r.get::<_, i64>(6)? != 0,
    })
}

/// A connection (or transaction) as the dispute rows' [`Sql`]: `$1` parameters become `?1`.
struct Conn<'a>(&'a Connection);

impl Sql for Conn<'_> {
    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64> {
        let mut q = self.0.prepare_cached(&sql.replace('$', "?"))?;
        Ok(q.execute(rusqlite::params_from_iter(params.iter().map(to_sql)))? as u64)
    }

    fn rows(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Vec<Val>>> {
        let mut q = self.0.prepare_cached(&sql.replace('$', "?"))?;
        let n = q.column_count();
        let rows = q.query_map(rusqlite::params_from_iter(params.iter().map(to_sql)), |r| {
            (0..n)
                .map(|i| {
                    Ok(match r.get_ref(i)? {
                        rusqlite::types::ValueRef::Integer(v) => Val::Int(v),
                        rusqlite::types::ValueRef::Text(t) => Val::Text(String::from_utf8_lossy(t).into_owned()),
                        _ => Val::Null,
                    })
                })
                .collect::<rusqlite::Result<Vec<Val>>>()
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn queue(&mut self, number: u64) -> Result<()> {
        self.0.execute("INSERT OR REPLACE INTO dirty (number) VALUES (?1)", [number as i64])?;
        Ok(())
    }
}

fn to_sql(v: &Val) -> rusqlite::types::Value {
    match v {
        Val::Int(i) => rusqlite::types::Value::Integer(*i),
        Val::Text(t) => rusqlite::types::Value::Text(t.clone()),
        Val::Null => rusqlite::types::Value::Null,
    }
}

impl Sqlite {
    /// Runs `f` on the dispute rows in one immediate transaction.
    fn in_tx<T>(&mut self, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&mut Conn(&tx))?;
        tx.commit()?;
        Ok(out)
    }
}

struct SqliteReads<'a>(&'a Connection);

impl Reads for SqliteReads<'_> {
    fn votes(&mut self, number: u64) -> Result<Vec<Vote>> {
        let mut q = self.0.prepare_cached(VOTES)?;
        let rows = q.query_map([number as i64], |r| {
            let at: i64 = r.get(2)?;
            Ok(Vote {
                spam: r.get(0)?,
                category: category(r.get(1)?),
                at,
                origin: vote_origin(r.get(3)?, &r.get::<_, String>(4)?),
                link: r.get(5)?,
                device_age: at.saturating_sub(r.get(6)?),
                confirmed: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn published_between(&mut self, first: u64, last: u64) -> Result<Vec<Listed>> {
        let mut q = self.0.prepare_cached(
            "SELECT number, category, score, last_activity, expires_at, kind, disputed FROM published
             WHERE number BETWEEN ?1 AND ?2 ORDER BY number",
        )?;
        let rows = q.query_map([first as i64, last as i64], read_listed)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn holds_between(&mut self, first: u64, last: u64) -> Result<BTreeMap<u64, Hold>> {
        disputes::holds_between(&mut Conn(self.0), first, last)
    }
}

impl Storage for Sqlite {
    fn record_from(&mut self, device: &str, from: BatchOrigin, reports: &[Report], now: i64) -> Result<(u32, u32)> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let (mut accepted, mut duplicates) = (0, 0);
        {
            let origin = home(&tx, device, from, now)?;
            let mut seen = tx.prepare_cached("INSERT OR IGNORE INTO seen (device, key, at) VALUES (?1, ?2, ?3)")?;
            let mut vote = tx.prepare_cached(
                "INSERT INTO votes (number, device, spam, category, at, comment, origin) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (number, device) DO UPDATE SET
                   spam = excluded.spam, category = excluded.category, at = excluded.at, comment = excluded.comment,
                   origin = excluded.origin",
            )?;
            let mut dirty = tx.prepare_cached("INSERT OR REPLACE INTO dirty (number) VALUES (?1)")?;
            for r in reports {
                if seen.execute(params![device, r.key, now])? == 0 {
                    duplicates += 1;
                    continue;
                }
                vote.execute(params![r.number as i64, device, r.spam, r.category.code(), now, r.comment, origin])?;
                dirty.execute([r.number as i64])?;
                accepted += 1;
            }
        }
        tx.commit()?;
        Ok((accepted, duplicates))
    }

    fn claim_nonce(&mut self, device: &str, nonce: &str, now: i64) -> Result<bool> {
        let key = format!("nonce:{nonce}");
        let n = self
            .conn
            .prepare_cached("INSERT OR IGNORE INTO seen (device, key, at) VALUES (?1, ?2, ?3)")?
            .execute(params![device, key, now])?;
        Ok(n == 1)
    }

    fn device_known(&mut self, device: &str) -> Result<bool> {
        Ok(self.conn.prepare_cached("SELECT 1 FROM devices WHERE device = ?1")?.exists([device])?)
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
        changes(&mut SqliteReads(&self.conn), numbers, dirty_upto, now, rules)
    }

    fn mark_published(&mut self, version: u64, changes: &Changes, now: i64, salt: &[u8]) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut up = tx.prepare_cached(
                "INSERT OR REPLACE INTO published
                   (number, category, score, last_activity, expires_at, bucket, tag, kind, disputed)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
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
                    tag as i64,
                    i64::from(l.range),
                    i64::from(l.disputed)
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
        Ok(tx.commit()?)
    }

    fn settle(&mut self, changes: &Changes) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        settle(&tx, changes)?;
        Ok(tx.commit()?)
    }

    fn requeue_published(&mut self) -> Result<()> {
        self.conn.execute("INSERT OR IGNORE INTO dirty (number) SELECT number FROM published", [])?;
        Ok(())
    }

    fn latest_version(&mut self) -> Result<u64> {
        Ok(self.conn.query_row("SELECT coalesce(max(version), 0) FROM versions", [], |r| r.get::<_, i64>(0))? as u64)
    }

    fn listed(&mut self) -> Result<Vec<Listed>> {
        let mut q = self.conn.prepare_cached(
            "SELECT number, category, score, last_activity, expires_at, kind, disputed FROM published ORDER BY number",
        )?;
        let rows = q.query_map([], read_listed)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn bucket(&mut self, bucket: u16) -> Result<Vec<(u64, Listing, bool)>> {
        let mut q = self.conn.prepare_cached(
            "SELECT tag, category, score, last_activity, expires_at, disputed FROM published WHERE bucket = ?1
             ORDER BY tag",
        )?;
        let rows =
            q.query_map([bucket], |r| Ok((r.get::<_, i64>(0)? as u64, read_listing(r, 1)?, r.get::<_, i64>(5)? != 0)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn meta(&mut self, key: &str) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map(|_| ())?;
        Ok(())
    }

    fn version_at(&mut self, at: i64) -> Result<u64> {
        let v: i64 = self.conn.query_row(
            "SELECT coalesce(max(version), 0) FROM versions WHERE created_at <= ?1",
            [at],
            |r| r.get(0),
        )?;
        Ok(v as u64)
    }

    fn prune_seen(&mut self, before: i64, limit: u32) -> Result<u64> {
        let n = self.conn.execute(
            "DELETE FROM seen WHERE (device, key) IN (SELECT device, key FROM seen WHERE at < ?1 LIMIT ?2)",
            params![before, limit],
        )?;
        Ok(n as u64)
    }

    fn prune_versions(&mut self, below: u64, limit: u32) -> Result<u64> {
        let n = self.conn.execute(
            "DELETE FROM versions WHERE version IN (SELECT version FROM versions
               WHERE version < ?1 AND version < (SELECT max(version) FROM versions) ORDER BY version LIMIT ?2)",
            params![below.min(i64::MAX as u64) as i64, limit],
        )?;
        Ok(n as u64)
    }

    fn file_dispute(&mut self, id: &str, d: &NewDispute, origin: i64, now: i64) -> Result<Filed> {
        self.in_tx(|tx| disputes::file(tx, id, d, origin, now))
    }

    fn dispute(&mut self, id: &str) -> Result<Option<Dispute>> {
        disputes::get(&mut Conn(&self.conn), id)
    }

    fn disputes(&mut self, open_only: bool) -> Result<Vec<Dispute>> {
        disputes::list(&mut Conn(&self.conn), open_only)
    }

    fn resolve_dispute(&mut self, id: &str, uphold: bool, who: &str, note: Option<&str>, now: i64) -> Result<Resolved> {
        self.in_tx(|tx| disputes::resolve(tx, id, uphold, who, note, now))
    }

    fn audit_log(&mut self) -> Result<Vec<AuditEntry>> {
        disputes::log(&mut Conn(&self.conn))
    }

    fn number_record(&mut self, number: u64) -> Result<NumberRecord> {
        let published = SqliteReads(&self.conn).published_between(number, number)?.pop();
        Ok(NumberRecord {
            published,
            votes: disputes::votes(&mut Conn(&self.conn), number)?,
            disputes: disputes::of_number(&mut Conn(&self.conn), number)?,
        })
    }
}
