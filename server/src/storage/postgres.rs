//! PostgreSQL, for when one machine's disk is not enough: the same tables as SQLite,
//! in a database the operator runs (`--postgres URL`). One server process publishes; the
//! API could be spread over several (see `docs/protocol.md`, "Scaling").

use super::disputes::{self, Sql, Val};
use super::schema::{self, Dialect, Migrate};
use super::{
    category, changes, vote_origin, BatchOrigin, Changes, Listed, NumberRecord, Reads, Report, Result, Storage,
};
use crate::aggregate::{Listing, Vote};
use crate::disputes::{AuditEntry, Dispute, Filed, Hold, NewDispute, Resolved};
use crate::rules::Rules;
use ::postgres::types::{ToSql, Type};
use ::postgres::{Client, NoTls, Row, Statement, Transaction};
use ringfence_core::wire;
use std::collections::BTreeMap;

pub struct Postgres {
    client: Client,
}

/// Any number, the same for every ringfence-server: the advisory lock that makes servers
/// starting together on one database migrate it one after the other.
const MIGRATION_LOCK: i64 = 0x7269_6e67_6665_6e63; // "ringfenc"

impl Postgres {
    /// Connects (`postgres://user:password@host/db`, or `host=... user=...`) and brings
    /// the tables to the current schema (`schema.rs`). Plain TCP: run it on a private
    /// network or a Unix socket.
    pub fn connect(url: &str) -> Result<Postgres> {
        let mut client = Client::connect(url, NoTls)?;
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version bigint NOT NULL)")?;
        schema::migrate(&mut tx)?;
        tx.commit()?;
        Ok(Postgres { client })
    }
}

impl Migrate for Transaction<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn version(&mut self) -> Result<i64> {
        Ok(self.query_opt("SELECT max(version) FROM schema_version", &[])?.and_then(|r| r.get(0)).unwrap_or(0))
    }

    fn set_version(&mut self, version: i64) -> Result<()> {
        self.batch_execute("DELETE FROM schema_version")?;
        self.execute("INSERT INTO schema_version (version) VALUES ($1)", &[&version])?;
        Ok(())
    }

    fn run(&mut self, sql: &str) -> Result<()> {
        Ok(self.batch_execute(sql)?)
    }

    fn has_table(&mut self, table: &str) -> Result<bool> {
        Ok(self.query_one("SELECT to_regclass($1::text) IS NOT NULL", &[&table])?.get(0))
    }

    fn has_column(&mut self, table: &str, column: &str) -> Result<bool> {
        let q = "SELECT EXISTS (SELECT 1 FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name::text = $1 AND column_name::text = $2)";
        Ok(self.query_one(q, &[&table, &column])?.get(0))
    }

    fn has_index(&mut self, index: &str) -> Result<bool> {
        self.has_table(index)
    }
}

fn listing(r: &Row, at: usize) -> Listing {
    Listing {
        category: category(i64::from(r.get::<_, i16>(at))),
        score: r.get(at + 1),
        last_activity: r.get(at + 2),
        expires_at: r.get(at + 3),
    }
}

fn listed(r: &Row) -> Listed {
    Listed {
        number: r.get::<_, i64>(0) as u64,
        listing: listing(r, 1),
        range: r.get::<_, i16>(5) != 0,
        disputed: r.get::<_, i16>(6) != 0,
    }
}

/// A transaction as the dispute rows' [`Sql`].
impl Sql for Transaction<'_> {
    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64> {
        let values = pg_params(params);
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v.as_ref() as &(dyn ToSql + Sync)).collect();
        Ok(self.execute(sql, &refs)?)
    }

    fn rows(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Vec<Val>>> {
        let values = pg_params(params);
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v.as_ref() as &(dyn ToSql + Sync)).collect();
        let rows = self.query(sql, &refs)?;
        Ok(rows
            .iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| match *r.columns()[i].type_() {
                        Type::INT8 => r.get::<_, Option<i64>>(i).map_or(Val::Null, Val::Int),
                        Type::INT4 => r.get::<_, Option<i32>>(i).map_or(Val::Null, |v| Val::Int(v.into())),
                        Type::INT2 => r.get::<_, Option<i16>>(i).map_or(Val::Null, |v| Val::Int(v.into())),
                        Type::TEXT | Type::VARCHAR => r.get::<_, Option<String>>(i).map_or(Val::Null, Val::Text),
                        _ => Val::Null,
                    })
                    .collect()
            })
            .collect())
    }

    fn queue(&mut self, number: u64) -> Result<()> {
        self.execute(
            "INSERT INTO dirty (number) VALUES ($1) ON CONFLICT (number) DO UPDATE SET id = nextval('dirty_id_seq')",
            &[&(number as i64)],
        )?;
        Ok(())
    }
}

fn pg_params(params: &[Val]) -> Vec<Box<dyn ToSql + Sync>> {
    params
        .iter()
        .map(|v| -> Box<dyn ToSql + Sync> {
            match v {
                Val::Int(i) => Box::new(*i),
                Val::Text(t) => Box::new(t.clone()),
                Val::Null => Box::new(None::<String>),
            }
        })
        .collect()
}

impl Postgres {
    /// Runs `f` on the dispute rows in one transaction.
    fn in_tx<T>(&mut self, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
        let mut tx = self.client.transaction()?;
        let out = f(&mut tx)?;
        tx.commit()?;
        Ok(out)
    }
}

struct PgReads<'a, 'b> {
    tx: &'a mut Transaction<'b>,
    votes_of: Statement,
    block: Statement,
}

impl Reads for PgReads<'_, '_> {
    fn votes(&mut self, number: u64) -> Result<Vec<Vote>> {
        Ok(self
            .tx
            .query(&self.votes_of, &[&(number as i64)])?
            .iter()
            .map(|r| {
                let at: i64 = r.get(2);
                Vote {
                    spam: r.get(0),
                    category: category(i64::from(r.get::<_, i16>(1))),
                    at,
                    origin: vote_origin(r.get(3), r.get(4)),
                    link: r.get(5),
                    device_age: at.saturating_sub(r.get(6)),
                    confirmed: r.get(7),
                }
            })
            .collect())
    }

    fn published_between(&mut self, first: u64, last: u64) -> Result<Vec<Listed>> {
        Ok(self.tx.query(&self.block, &[&(first as i64), &(last as i64)])?.iter().map(listed).collect())
    }

    fn holds_between(&mut self, first: u64, last: u64) -> Result<BTreeMap<u64, Hold>> {
        disputes::holds_between(self.tx, first, last)
    }
}

/// Registers `device` if it is new and returns its home network (as `sqlite.rs`'s `home`).
fn home(tx: &mut ::postgres::Transaction, device: &str, from: BatchOrigin, now: i64) -> Result<i64> {
    tx.execute(
        "INSERT INTO devices (device, first_seen, origin, home_v6, link, confirmed) VALUES ($1, $2, $3, $4, 0, 0)
         ON CONFLICT DO NOTHING",
        &[&device, &now, &from.origin, &from.v6],
    )?;
    if from.origin != 0 {
        tx.execute(
            "UPDATE devices SET origin = $2, home_v6 = $3 WHERE device = $1 AND origin = 0",
            &[&device, &from.origin, &from.v6],
        )?;
        tx.execute(
            "UPDATE devices SET link = $2 WHERE device = $1 AND link = 0 AND home_v6 != $3 AND origin != $2",
            &[&device, &from.origin, &from.v6],
        )?;
    }
    Ok(tx.query_one("SELECT origin FROM devices WHERE device = $1", &[&device])?.get(0))
}

fn settle(tx: &mut ::postgres::Transaction, changes: &Changes) -> Result<()> {
    // Reports others confirmed: every spam vote on a number its votes newly list.
    let confirm = tx.prepare(
        "UPDATE devices SET confirmed = confirmed + 1
         WHERE device IN (SELECT device FROM votes WHERE number = $1 AND spam)",
    )?;
    for number in &changes.confirmed {
        tx.execute(&confirm, &[&(*number as i64)])?;
    }
    let expiry = tx.prepare("UPDATE published SET expires_at = $2 WHERE number = $1")?;
    for (number, at) in &changes.expiry_updates {
        tx.execute(&expiry, &[&(*number as i64), at])?;
    }
    tx.execute("DELETE FROM dirty WHERE id <= $1", &[&changes.dirty_upto])?;
    Ok(())
}

impl Storage for Postgres {
    fn record_from(&mut self, device: &str, from: BatchOrigin, reports: &[Report], now: i64) -> Result<(u32, u32)> {
        let mut tx = self.client.transaction()?;
        let origin = home(&mut tx, device, from, now)?;
        let seen = tx.prepare("INSERT INTO seen (device, key, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")?;
        let vote = tx.prepare(
            "INSERT INTO votes (number, device, spam, category, at, comment, origin) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (number, device) DO UPDATE SET
               spam = excluded.spam, category = excluded.category, at = excluded.at, comment = excluded.comment,
               origin = excluded.origin",
        )?;
        // A number voted on again moves to the back of the queue (a new id), so a
        // publication that read the queue before this vote still leaves it queued.
        let dirty = tx.prepare(
            "INSERT INTO dirty (number) VALUES ($1) ON CONFLICT (number) DO UPDATE SET id = nextval('dirty_id_seq')",
        )?;
        let (mut accepted, mut duplicates) = (0, 0);
        for r in reports {
            if tx.execute(&seen, &[&device, &r.key, &now])? == 0 {
                duplicates += 1;
                continue;
            }
            let number = r.number as i64;
            tx.execute(&vote, &[&number, &device, &r.spam, &i16::from(r.category.code()), &now, &r.comment, &origin])?;
            tx.execute(&dirty, &[&number])?;
            accepted += 1;
        }
        tx.commit()?;
        Ok((accepted, duplicates))
    }

    fn claim_nonce(&mut self, device: &str, nonce: &str, now: i64) -> Result<bool> {
        let key = format!("nonce:{nonce}");
        let n = self.client.execute(
            "INSERT INTO seen (device, key, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&device, &key, &now],
        )?;
        Ok(n == 1)
    }

    fn device_known(&mut self, device: &str) -> Result<bool> {
        Ok(self.client.query_opt("SELECT 1 FROM devices WHERE device = $1", &[&device])?.is_some())
    }

    fn pending_changes(&mut self, now: i64, rules: &Rules) -> Result<Changes> {
        let mut tx = self.client.build_transaction().read_only(true).start()?;
        let dirty_upto: i64 = tx.query_one("SELECT coalesce(max(id), 0) FROM dirty", &[])?.get(0);
        let numbers: Vec<u64> = tx
            .query("SELECT number FROM dirty WHERE id <= $1", &[&dirty_upto])?
            .iter()
            .chain(tx.query("SELECT number FROM published WHERE expires_at <= $1", &[&now])?.iter())
            .map(|r| r.get::<_, i64>(0) as u64)
            .collect();
        let votes_of = tx.prepare(
            "SELECT v.spam, v.category, v.at, v.origin, v.device,
                    coalesce(d.link, 0), coalesce(d.first_seen, v.at), coalesce(d.confirmed, 0)
             FROM votes v LEFT JOIN devices d ON d.device = v.device WHERE v.number = $1",
        )?;
        let block = tx.prepare(
            "SELECT number, category, score, last_activity, expires_at, kind, disputed FROM published
             WHERE number BETWEEN $1 AND $2 ORDER BY number",
        )?;
        let c = changes(&mut PgReads { tx: &mut tx, votes_of, block }, numbers, dirty_upto, now, rules)?;
        tx.commit()?;
        Ok(c)
    }

    fn mark_published(&mut self, version: u64, changes: &Changes, now: i64, salt: &[u8]) -> Result<()> {
        let mut tx = self.client.transaction()?;
        let up = tx.prepare(
            "INSERT INTO published (number, category, score, last_activity, expires_at, bucket, tag, kind, disputed)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (number) DO UPDATE SET category = excluded.category, score = excluded.score,
               last_activity = excluded.last_activity, expires_at = excluded.expires_at,
               bucket = excluded.bucket, tag = excluded.tag, kind = excluded.kind, disputed = excluded.disputed",
        )?;
        for l in &changes.upserts {
            let Some(e) = ringfence_core::E164::from_u64(l.number) else { continue };
            let (bucket, tag) = wire::lookup_hash(salt, e);
            let x = l.listing;
            tx.execute(
                &up,
                &[
                    &(l.number as i64),
                    &i16::from(x.category.code()),
                    &x.score,
                    &x.last_activity,
                    &x.expires_at,
                    &i32::from(bucket),
                    &(tag as i64),
                    &i16::from(l.range),
                    &i16::from(l.disputed),
                ],
            )?;
        }
        let del = tx.prepare("DELETE FROM published WHERE number = $1")?;
        for n in &changes.deletions {
            tx.execute(&del, &[&(*n as i64)])?;
        }
        settle(&mut tx, changes)?;
        tx.execute(
            "INSERT INTO versions (version, created_at, upserts, deletions) VALUES ($1, $2, $3, $4)",
            &[&(version as i64), &now, &(changes.upserts.len() as i32), &(changes.deletions.len() as i32)],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn settle(&mut self, changes: &Changes) -> Result<()> {
        let mut tx = self.client.transaction()?;
        settle(&mut tx, changes)?;
        tx.commit()?;
        Ok(())
    }

    fn requeue_published(&mut self) -> Result<()> {
        self.client
            .execute("INSERT INTO dirty (number) SELECT number FROM published ON CONFLICT (number) DO NOTHING", &[])?;
        Ok(())
    }

    fn latest_version(&mut self) -> Result<u64> {
        Ok(self.client.query_one("SELECT coalesce(max(version), 0) FROM versions", &[])?.get::<_, i64>(0) as u64)
    }

    fn listed(&mut self) -> Result<Vec<Listed>> {
        let rows = self.client.query(
            "SELECT number, category, score, last_activity, expires_at, kind, disputed FROM published ORDER BY number",
            &[],
        )?;
        Ok(rows.iter().map(listed).collect())
    }

    fn bucket(&mut self, bucket: u16) -> Result<Vec<(u64, Listing, bool)>> {
        let rows = self.client.query(
            "SELECT tag, category, score, last_activity, expires_at, disputed FROM published WHERE bucket = $1
             ORDER BY tag",
            &[&i32::from(bucket)],
        )?;
        Ok(rows.iter().map(|r| (r.get::<_, i64>(0) as u64, listing(r, 1), r.get::<_, i16>(5) != 0)).collect())
    }

    fn meta(&mut self, key: &str) -> Result<Option<String>> {
        Ok(self.client.query_opt("SELECT value FROM meta WHERE key = $1", &[&key])?.map(|r| r.get(0)))
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.client.execute(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )?;
        Ok(())
    }

    fn version_at(&mut self, at: i64) -> Result<u64> {
        let row =
            self.client.query_one("SELECT coalesce(max(version), 0) FROM versions WHERE created_at <= $1", &[&at])?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    fn prune_seen(&mut self, before: i64, limit: u32) -> Result<u64> {
        Ok(self.client.execute(
            "DELETE FROM seen WHERE ctid = ANY(ARRAY(SELECT ctid FROM seen WHERE at < $1 LIMIT $2))",
            &[&before, &i64::from(limit)],
        )?)
    }

    fn prune_versions(&mut self, below: u64, limit: u32) -> Result<u64> {
        Ok(self.client.execute(
            "DELETE FROM versions WHERE version IN (SELECT version FROM versions
               WHERE version < $1 AND version < (SELECT max(version) FROM versions) ORDER BY version LIMIT $2)",
            &[&(below.min(i64::MAX as u64) as i64), &i64::from(limit)],
        )?)
    }

    fn file_dispute(&mut self, id: &str, d: &NewDispute, origin: i64, now: i64) -> Result<Filed> {
        self.in_tx(|tx| disputes::file(tx, id, d, origin, now))
    }

    fn dispute(&mut self, id: &str) -> Result<Option<Dispute>> {
        self.in_tx(|tx| disputes::get(tx, id))
    }

    fn disputes(&mut self, open_only: bool) -> Result<Vec<Dispute>> {
        self.in_tx(|tx| disputes::list(tx, open_only))
    }

    fn resolve_dispute(&mut self, id: &str, uphold: bool, who: &str, note: Option<&str>, now: i64) -> Result<Resolved> {
        self.in_tx(|tx| disputes::resolve(tx, id, uphold, who, note, now))
    }

    fn audit_log(&mut self) -> Result<Vec<AuditEntry>> {
        self.in_tx(disputes::log)
    }

    fn number_record(&mut self, number: u64) -> Result<NumberRecord> {
        let published = self
            .client
            .query(
                "SELECT number, category, score, last_activity, expires_at, kind, disputed FROM published
                 WHERE number = $1",
                &[&(number as i64)],
            )?
            .first()
            .map(listed);
        let (votes, disputes) =
            self.in_tx(|tx| Ok((disputes::votes(tx, number)?, disputes::of_number(tx, number)?)))?;
        Ok(NumberRecord { published, votes, disputes })
    }
}

#[cfg(test)]
mod tests {
    /// The shared storage behaviour on a real PostgreSQL server: `scripts/test-postgres.sh`
    /// starts one and passes its URL in `RINGFENCE_TEST_POSTGRES` (the upgrades from every
    /// earlier schema are in `server/tests/upgrade.rs`).
    const DROP_ALL: &str = "DROP TABLE IF EXISTS meta, votes, seen, dirty, published, versions, devices, disputes,
        cleared, audit, schema_version";

    #[test]
    #[ignore = "needs a PostgreSQL server: scripts/test-postgres.sh"]
    fn postgres_behaves() {
        let url = std::env::var("RINGFENCE_TEST_POSTGRES").expect("RINGFENCE_TEST_POSTGRES=postgres://...");
        let mut db = super::Postgres::connect(&url).expect("connect");
        db.client.batch_execute(DROP_ALL).expect("clean slate");
        let mut db = super::Postgres::connect(&url).expect("reconnect");
        crate::storage::tests::behaves(&mut db);
        drop(db);
        let mut db = super::Postgres::connect(&url).expect("reconnect");
        db.client.batch_execute(DROP_ALL).expect("clean slate");
        let mut db = super::Postgres::connect(&url).expect("reconnect");
        crate::storage::disputes::tests::behave(&mut db);
    }
}
