//! The local copy of the community spam database: numbers other people reported, with
//! their evidence and category.
//!
//! Each number has one row per source (a local import, the community server), so a full
//! sync can replace the server's rows without touching what the user imported. Evidence
//! decays with age at read time (as PhoneBlock does): a number reported a year ago and
//! never since has probably been reassigned.

use crate::decision::Category;
use crate::number::E164;
use crate::store::Store;
use crate::Result;
use rusqlite::{params, Transaction};

/// Where a community row came from.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Source {
    /// A list the user imported (FTC complaints, a PhoneBlock snapshot, a CSV).
    Import = 0,
    /// The community server's published database (written by `sync/download.rs` as
    /// `source = 1` in its SQL).
    #[allow(dead_code)]
    Server = 1,
}

/// What the community knows about one number.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Evidence {
    /// Votes after decay: what the thresholds compare against.
    pub score: f64,
    pub category: Category,
    /// Votes as recorded, before decay.
    pub votes: f64,
    /// Unix seconds of the last report.
    pub last_activity: i64,
    /// The community server holds the listing for review (someone disputed it): phones
    /// at most warn for it (`decide::community_action`).
    pub disputed: bool,
}

/// `votes` recorded at `last_activity`, as they count at `now`.
pub fn decayed(votes: f64, last_activity: i64, now: i64, half_life_days: f64) -> f64 {
    if half_life_days <= 0.0 {
        return votes;
    }
    // In whole days, as the wire counts ages: evidence keeps its full weight on the day it
    // was reported (a number imported with exactly the warn threshold's votes warns today,
    // not only for the first second). Saturating: a call time from a buggy or hostile
    // caller (i64::MIN) must not overflow.
    let age_days = (now.saturating_sub(last_activity).max(0) / 86_400) as f64;
    votes * (-age_days / half_life_days).exp2()
}

/// The strongest evidence about `number` across sources.
pub(crate) fn lookup(store: &Store, number: E164, now: i64, half_life_days: f64) -> Result<Option<Evidence>> {
    let mut stmt = store
        .conn()
        .prepare_cached("SELECT category, votes, last_activity, disputed FROM community WHERE number = ?1")?;
    let mut rows = stmt.query([number.as_u64() as i64])?;
    let mut best: Option<Evidence> = None;
    let mut disputed = false;
    while let Some(r) = rows.next()? {
        let (category, votes, last_activity): (i64, f64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
        // The server's hold applies to the number, whichever source is strongest: an
        // imported list does not outvote the operator's review.
        disputed |= r.get::<_, i64>(3)? != 0;
        let e = Evidence {
            score: decayed(votes, last_activity, now, half_life_days),
            category: Category::from_code(category as u8).unwrap_or(Category::Unknown),
            votes,
            last_activity,
            disputed: false,
        };
        if best.is_none_or(|b| e.score > b.score) {
            best = Some(e);
        }
    }
    Ok(best.map(|e| Evidence { disputed, ..e }))
}

/// Adds evidence for a number from a source. Votes add up; the category of the newer
/// report wins unless it says nothing (`unknown`).
pub(crate) fn add_evidence(
    tx: &Transaction,
    source: Source,
    number: E164,
    category: Category,
    votes: f64,
    at: i64,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO community (number, source, category, votes, last_activity) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (number, source) DO UPDATE SET
           votes = votes + excluded.votes,
           category = CASE
             WHEN excluded.category = ?6 THEN category
             WHEN category = ?6 OR excluded.last_activity >= last_activity THEN excluded.category
             ELSE category END,
           last_activity = max(last_activity, excluded.last_activity)",
    )?
    .execute(params![
        number.as_u64() as i64,
        source as i64,
        category.code(),
        votes,
        at,
        Category::Unknown.code()
    ])?;
    Ok(())
}

/// Number of rows from a source.
pub(crate) fn count_tx(tx: &Transaction, source: Source) -> Result<u64> {
    Ok(tx
        .prepare_cached("SELECT count(*) FROM community WHERE source = ?1")?
        .query_row([source as i64], |r| r.get::<_, i64>(0))? as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decay_halves_per_half_life() {
        let day = 86_400;
        assert_eq!(decayed(8.0, 0, 0, 125.0), 8.0);
        assert!((decayed(8.0, 0, 125 * day, 125.0) - 4.0).abs() < 1e-9);
        assert!((decayed(8.0, 0, 250 * day, 125.0) - 2.0).abs() < 1e-9);
        assert_eq!(decayed(8.0, 0, 1000 * day, 0.0), 8.0, "0 turns decay off");
        assert_eq!(decayed(8.0, 10 * day, 0, 125.0), 8.0, "reports from the future do not grow");
        assert_eq!(decayed(2.0, 0, day - 1, 125.0), 2.0, "full weight on the day of the report");
        assert!(decayed(2.0, 0, day, 125.0) < 2.0, "less from the next day on");
    }
}
