//! The rows of disputes, the cleared numbers and the audit log (`disputes.rs` says what
//! they mean), written once for both backends: each backend lends a transaction as
//! [`Sql`], which speaks `$1`-style parameters and plain integers and text.

use super::{Listed, Result};
use crate::disputes::{AuditEntry, Dispute, Filed, Hold, NewDispute, Resolved, Role, State};
use std::collections::BTreeMap;

/// A value in or out of a statement: the tables here hold only integers and text.
#[derive(Clone, PartialEq, Debug)]
pub(crate) enum Val {
    Int(i64),
    Text(String),
    Null,
}

impl Val {
    fn int(&self) -> i64 {
        match self {
            Val::Int(i) => *i,
            _ => 0,
        }
    }

    fn text(&self) -> Option<String> {
        match self {
            Val::Text(s) => Some(s.clone()),
            _ => None,
        }
    }

    fn opt_int(&self) -> Option<i64> {
        match self {
            Val::Int(i) => Some(*i),
            _ => None,
        }
    }
}

impl From<i64> for Val {
    fn from(i: i64) -> Val {
        Val::Int(i)
    }
}

impl From<&str> for Val {
    fn from(s: &str) -> Val {
        Val::Text(s.into())
    }
}

impl From<Option<&str>> for Val {
    fn from(s: Option<&str>) -> Val {
        s.map_or(Val::Null, Val::from)
    }
}

/// What the dispute rows need from a backend, inside one of its transactions.
pub(crate) trait Sql {
    /// Runs a statement with `$1`-style parameters; returns the rows it changed.
    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64>;
    /// Every row of a query, each column an integer, text or null.
    fn rows(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Vec<Val>>>;
    /// Queues `number` for the next publication (the backends' queues differ).
    fn queue(&mut self, number: u64) -> Result<()>;
}

const DISPUTE_COLUMNS: &str = "d.id, d.number, d.role, d.contact, d.reason, d.created_at, d.state, d.resolved_at,
    d.resolved_by, d.note,
    CASE WHEN d.state = 'open' AND NOT EXISTS
      (SELECT 1 FROM disputes u WHERE u.number = d.number AND u.state = 'upheld') THEN 1 ELSE 0 END";

fn dispute(r: &[Val]) -> Dispute {
    Dispute {
        id: r[0].text().unwrap_or_default(),
        number: r[1].int() as u64,
        role: r[2].text().and_then(|s| Role::parse(&s)).unwrap_or(Role::User),
        contact: r[3].text().unwrap_or_default(),
        reason: r[4].text().unwrap_or_default(),
        created_at: r[5].int(),
        state: r[6].text().and_then(|s| State::parse(&s)).unwrap_or(State::Open),
        resolved_at: r[7].opt_int(),
        resolved_by: r[8].text(),
        note: r[9].text(),
        held: r[10].int() != 0,
    }
}

pub(crate) fn get(db: &mut dyn Sql, id: &str) -> Result<Option<Dispute>> {
    let q = format!("SELECT {DISPUTE_COLUMNS} FROM disputes d WHERE d.id = $1");
    Ok(db.rows(&q, &[id.into()])?.first().map(|r| dispute(r)))
}

/// Every dispute, newest first (`open_only`: those waiting for review).
pub(crate) fn list(db: &mut dyn Sql, open_only: bool) -> Result<Vec<Dispute>> {
    let filter = if open_only { "WHERE d.state = 'open'" } else { "" };
    let q = format!("SELECT {DISPUTE_COLUMNS} FROM disputes d {filter} ORDER BY d.created_at DESC, d.id");
    Ok(db.rows(&q, &[])?.iter().map(|r| dispute(r)).collect())
}

/// The disputes of one number, newest first.
pub(crate) fn of_number(db: &mut dyn Sql, number: u64) -> Result<Vec<Dispute>> {
    let q = format!("SELECT {DISPUTE_COLUMNS} FROM disputes d WHERE d.number = $1 ORDER BY d.created_at DESC, d.id");
    Ok(db.rows(&q, &[(number as i64).into()])?.iter().map(|r| dispute(r)).collect())
}

fn audit(db: &mut dyn Sql, at: i64, who: &str, action: &str, d: &Dispute, why: Option<&str>) -> Result<()> {
    db.exec(
        "INSERT INTO audit (at, who, action, dispute, number, why) VALUES ($1, $2, $3, $4, $5, $6)",
        &[at.into(), who.into(), action.into(), d.id.as_str().into(), (d.number as i64).into(), why.into()],
    )?;
    Ok(())
}

/// Files a dispute of a listed number under `id`; a number with an open dispute keeps
/// that one. Queues the number, so the next publication holds it.
pub(crate) fn file(db: &mut dyn Sql, id: &str, d: &NewDispute, origin: i64, now: i64) -> Result<Filed> {
    let number = d.number as i64;
    if db.rows("SELECT 1 FROM published WHERE number = $1", &[number.into()])?.is_empty() {
        return Ok(Filed::NotListed);
    }
    if let Some(open) = of_number(db, d.number)?.into_iter().find(|x| x.state == State::Open) {
        return Ok(Filed::Existing(open));
    }
    db.exec(
        "INSERT INTO disputes (id, number, role, contact, reason, origin, created_at, state)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'open')",
        &[
            id.into(),
            number.into(),
            d.role.as_str().into(),
            d.contact.as_str().into(),
            d.reason.as_str().into(),
            origin.into(),
            now.into(),
        ],
    )?;
    let filed = get(db, id)?.expect("the row just written");
    audit(db, now, "public", "filed", &filed, Some(filed.role.as_str()))?;
    db.queue(d.number)?;
    Ok(Filed::New(filed))
}

/// An operator's decision: `uphold` keeps the listing (and stops holding it), otherwise
/// the number is cleared and protected. Queues the number, so the next delta carries it.
pub(crate) fn resolve(
    db: &mut dyn Sql,
    id: &str,
    uphold: bool,
    who: &str,
    note: Option<&str>,
    now: i64,
) -> Result<Resolved> {
    let Some(d) = get(db, id)? else { return Ok(Resolved::NotFound) };
    if d.state != State::Open {
        return Ok(Resolved::AlreadyResolved(d.state));
    }
    let state = if uphold { State::Upheld } else { State::Cleared };
    db.exec(
        "UPDATE disputes SET state = $2, resolved_at = $3, resolved_by = $4, note = $5 WHERE id = $1",
        &[id.into(), state.as_str().into(), now.into(), who.into(), note.into()],
    )?;
    let number = d.number as i64;
    db.exec("DELETE FROM cleared WHERE number = $1", &[number.into()])?;
    if !uphold {
        db.exec("INSERT INTO cleared (number, cleared_at) VALUES ($1, $2)", &[number.into(), now.into()])?;
        // Only votes from the clearing on count for relisting: the number's votes so far
        // are dated before it, even those of this very second (times are in seconds).
        db.exec("UPDATE votes SET at = $2 WHERE number = $1 AND at > $2", &[number.into(), (now - 1).into()])?;
    }
    let done = get(db, id)?.expect("the row just updated");
    audit(db, now, who, state.as_str(), &done, note)?;
    db.queue(d.number)?;
    Ok(Resolved::Done(done))
}

/// The audit log, oldest first.
pub(crate) fn log(db: &mut dyn Sql) -> Result<Vec<AuditEntry>> {
    let rows = db.rows("SELECT at, who, action, dispute, number, why FROM audit ORDER BY id", &[])?;
    Ok(rows
        .iter()
        .map(|r| AuditEntry {
            at: r[0].int(),
            who: r[1].text().unwrap_or_default(),
            action: r[2].text().unwrap_or_default(),
            dispute: r[3].text().unwrap_or_default(),
            number: r[4].int() as u64,
            why: r[5].text(),
        })
        .collect())
}

/// The numbers `first..=last` that disputes hold or protect.
pub(crate) fn holds_between(db: &mut dyn Sql, first: u64, last: u64) -> Result<BTreeMap<u64, Hold>> {
    let range = [(first.min(i64::MAX as u64) as i64).into(), (last.min(i64::MAX as u64) as i64).into()];
    let mut holds: BTreeMap<u64, Hold> = BTreeMap::new();
    let held = "SELECT DISTINCT d.number FROM disputes d WHERE d.number BETWEEN $1 AND $2 AND d.state = 'open'
                AND NOT EXISTS (SELECT 1 FROM disputes u WHERE u.number = d.number AND u.state = 'upheld')";
    for r in db.rows(held, &range)? {
        holds.entry(r[0].int() as u64).or_default().held = true;
    }
    for r in db.rows("SELECT number, cleared_at FROM cleared WHERE number BETWEEN $1 AND $2", &range)? {
        holds.entry(r[0].int() as u64).or_default().cleared_at = Some(r[1].int());
    }
    Ok(holds)
}

/// One vote as an operator reviews it: never the device or the comment.
#[derive(Clone, PartialEq, Debug, serde::Serialize)]
pub struct VoteRow {
    pub spam: bool,
    pub category: ringfence_core::Category,
    pub at: i64,
    /// The network it came from, as the server counts it (`origin.rs`: a keyed hash).
    pub origin: i64,
}

/// What the server knows about one number: its published row, its votes, its disputes.
#[derive(Clone, PartialEq, Debug)]
pub struct NumberRecord {
    pub published: Option<Listed>,
    pub votes: Vec<VoteRow>,
    pub disputes: Vec<Dispute>,
}

/// The votes of `number` for a review, newest first.
pub(crate) fn votes(db: &mut dyn Sql, number: u64) -> Result<Vec<VoteRow>> {
    let rows = db.rows(
        "SELECT CASE WHEN spam THEN 1 ELSE 0 END, CAST(category AS bigint), at, origin, device FROM votes
         WHERE number = $1 ORDER BY at DESC",
        &[(number as i64).into()],
    )?;
    Ok(rows
        .iter()
        .map(|r| VoteRow {
            spam: r[0].int() != 0,
            category: super::category(r[1].int()),
            at: r[2].int(),
            origin: super::vote_origin(r[3].int(), &r[4].text().unwrap_or_default()),
        })
        .collect())
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::disputes::{Filed, NewDispute, Resolved, Role, State};
    use crate::rules::Rules;
    use crate::storage::tests::report;
    use crate::storage::{Report, Storage};
    use ringfence_core::{wire, Category, E164};

    fn new(number: u64) -> NewDispute {
        NewDispute { number, role: Role::Owner, contact: "owner@example.org".into(), reason: "my shop".into() }
    }

    fn publish(db: &mut dyn Storage, version: u64, now: i64, rules: &Rules) -> crate::storage::Changes {
        let c = db.pending_changes(now, rules).unwrap();
        db.mark_published(version, &c, now, b"salt").unwrap();
        c
    }

    /// Disputes through storage, on a new database: held, cleared, protected, upheld,
    /// and taken out of a range. Run on SQLite here and on PostgreSQL by
    /// `postgres::tests` (scripts/test-postgres.sh).
    pub(crate) fn behave(db: &mut dyn Storage) {
        let rules = Rules {
            min_reporters: 1,
            list_threshold: 1.0,
            min_confidence: 0.0,
            half_life_secs: 0.0,
            ..Rules::default()
        };
        let n = 821055550101u64;
        db.record("d1", 1, &[report("key-0001", n, true)], 100).unwrap();
        publish(db, 1, 100, &rules);
        assert_eq!(db.file_dispute("aaaaaaaaaa", &new(821055550199), 9, 101).unwrap(), Filed::NotListed);
        let Filed::New(d) = db.file_dispute("bbbbbbbbbb", &new(n), 9, 101).unwrap() else { panic!("not filed") };
        assert_eq!((d.state, d.held, d.number), (State::Open, true, n));
        let Filed::Existing(same) = db.file_dispute("cccccccccc", &new(n), 9, 102).unwrap() else { panic!() };
        assert_eq!(same.id, "bbbbbbbbbb", "one open dispute per number");
        // Held: published again, flagged, and the private lookup carries the flag.
        let c = publish(db, 2, 102, &rules);
        assert_eq!(c.upserts.iter().map(|l| (l.number, l.disputed)).collect::<Vec<_>>(), vec![(n, true)]);
        let (bucket, tag) = wire::lookup_hash(b"salt", E164::from_u64(n).unwrap());
        assert!(db.bucket(bucket).unwrap().iter().any(|(t, _, disputed)| *t == tag && *disputed));
        // Cleared: deleted in the next version, and listed again only on stronger evidence.
        let Resolved::Done(d) = db.resolve_dispute("bbbbbbbbbb", false, "ops", Some("a pharmacy"), 103).unwrap() else {
            panic!()
        };
        assert_eq!((d.state, d.held, d.resolved_by.as_deref()), (State::Cleared, false, Some("ops")));
        assert_eq!(
            db.resolve_dispute("bbbbbbbbbb", true, "ops", None, 104).unwrap(),
            Resolved::AlreadyResolved(State::Cleared)
        );
        assert_eq!(db.resolve_dispute("zzzzzzzzzz", true, "ops", None, 104).unwrap(), Resolved::NotFound);
        assert_eq!(publish(db, 3, 104, &rules).deletions, vec![n]);
        // Three times the reporters and the score (3 and 3.0 here), from votes after the
        // clearing: two new networks are not enough, a third is.
        for (i, origin) in [2i64, 3].iter().enumerate() {
            db.record(&format!("r{i}"), *origin, &[report(&format!("key-01{i:02}"), n, true)], 105).unwrap();
        }
        assert!(db.pending_changes(105, &rules).unwrap().upserts.is_empty(), "two reporters relist a cleared number");
        db.record("r9", 4, &[report("key-0199", n, true)], 106).unwrap();
        let c = publish(db, 4, 106, &rules);
        assert_eq!(c.upserts.iter().map(|l| (l.number, l.disputed)).collect::<Vec<_>>(), vec![(n, false)]);

        // A range: four members list the other six numbers of their ten.
        let base = 827012345670u64;
        let robocall = |key: &str, k: u64| Report { category: Category::Robocall, ..report(key, k, true) };
        let reports: Vec<Report> = (0..4).map(|i| robocall(&format!("key-04{i:02}"), base + i)).collect();
        db.record("m1", 5, &reports, 110).unwrap();
        assert_eq!(publish(db, 5, 110, &rules).upserts.len(), 10);
        // A dispute on a range number takes it out of the range at once; one on a member
        // holds it.
        let Filed::New(range_dispute) = db.file_dispute("dddddddddd", &new(base + 7), 9, 111).unwrap() else {
            panic!()
        };
        assert!(matches!(db.file_dispute("eeeeeeeeee", &new(base), 9, 111).unwrap(), Filed::New(_)));
        let c = publish(db, 6, 111, &rules);
        assert_eq!(c.deletions, vec![base + 7]);
        assert_eq!(c.upserts.iter().map(|l| (l.number, l.disputed)).collect::<Vec<_>>(), vec![(base, true)]);
        // Upheld: the range number is back, and a new dispute no longer holds it.
        assert!(matches!(db.resolve_dispute(&range_dispute.id, true, "ops", None, 112).unwrap(), Resolved::Done(_)));
        let c = publish(db, 7, 112, &rules);
        assert_eq!(
            c.upserts.iter().map(|l| (l.number, l.range, l.disputed)).collect::<Vec<_>>(),
            vec![(base + 7, true, false)]
        );
        let Filed::New(again) = db.file_dispute("ffffffffff", &new(base + 7), 9, 113).unwrap() else { panic!() };
        assert!(!again.held, "upheld before: reviewed, not held");
        assert!(db.pending_changes(113, &rules).unwrap().is_empty());

        // The review's views.
        assert_eq!(
            db.disputes(true).unwrap().iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
            ["ffffffffff", "eeeeeeeeee"]
        );
        assert_eq!(db.disputes(false).unwrap().len(), 4);
        assert_eq!(db.dispute("bbbbbbbbbb").unwrap().map(|d| d.note), Some(Some("a pharmacy".into())));
        let log: Vec<(String, String)> = db.audit_log().unwrap().into_iter().map(|a| (a.who, a.action)).collect();
        let expected = [
            ("public", "filed"),
            ("ops", "cleared"),
            ("public", "filed"),
            ("public", "filed"),
            ("ops", "upheld"),
            ("public", "filed"),
        ];
        assert_eq!(log, expected.map(|(w, a)| (w.to_string(), a.to_string())));
        let record = db.number_record(n).unwrap();
        assert_eq!((record.votes.len(), record.disputes.len()), (4, 1));
        assert!(record.published.is_some_and(|p| !p.disputed));
        assert!(record.votes.iter().all(|v| v.spam && v.origin > 0));
    }

    #[test]
    fn sqlite_disputes_behave() {
        let dir = tempfile::tempdir().unwrap();
        behave(&mut crate::storage::Sqlite::open(&dir.path().join("d.db")).unwrap());
    }
}
