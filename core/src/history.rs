//! Screened calls, for the app's "blocked calls" screen, and counts over them.

use crate::decision::{Action, Category, Decision, Reasons};
use crate::number::E164;
use crate::store::Store;
use crate::Result;
use rusqlite::{params, Transaction};
use serde::Serialize;
use std::collections::BTreeMap;

/// The raw caller ID is kept to this many characters: enough for any real caller ID,
/// and a hostile megabyte-long one does not bloat the database.
const MAX_INPUT_CHARS: usize = 64;

#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct HistoryEntry {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    pub input: String,
    pub number: Option<E164>,
    pub action: Action,
    pub category: Category,
    pub reasons: Reasons,
    pub label: Option<String>,
}

/// Counts of screened calls by action and by category.
#[derive(Clone, PartialEq, Debug, Default, Serialize)]
pub struct Stats {
    pub calls: u64,
    pub by_action: BTreeMap<String, u64>,
    pub by_category: BTreeMap<String, u64>,
    pub allow_rules: u64,
    pub block_rules: u64,
    pub contacts: u64,
    pub community_numbers: u64,
    pub pending_reports: u64,
}

/// Appends a screened call and drops the oldest beyond `limit`. The repeat rule counts a
/// number's calls in its window (`keep_secs`, `None` when the rule is off), so calls
/// within it are kept even beyond the limit (with the limit at 0: only the number, the
/// time and the action, no caller ID or label), and nothing older than it.
pub(crate) fn record(
    tx: &Transaction,
    input: &str,
    d: &Decision,
    at: i64,
    limit: u32,
    keep_secs: Option<i64>,
) -> Result<()> {
    let for_repeats = keep_secs.filter(|_| d.number.is_some());
    if limit == 0 && for_repeats.is_none() {
        return Ok(());
    }
    let (input, label): (String, Option<&str>) = if limit == 0 {
        (String::new(), None)
    } else {
        (input.chars().take(MAX_INPUT_CHARS).collect(), d.label.as_deref())
    };
    tx.prepare_cached(
        "INSERT INTO history (at, input, number, action, category, reasons, label) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        at,
        input,
        d.number.map(|n| n.as_u64() as i64),
        d.action.code(),
        d.category.code(),
        d.reasons.to_codes(),
        label
    ])?;
    let last = tx.last_insert_rowid();
    match for_repeats {
        None => tx.prepare_cached("DELETE FROM history WHERE id <= ?1")?.execute([last - i64::from(limit)])?,
        // Beyond the limit, only rows the repeat rule still needs stay: those of a number
        // within the window. Few rows: the ids beyond the limit are those the window kept.
        Some(window) => tx
            .prepare_cached("DELETE FROM history WHERE id <= ?1 AND (number IS NULL OR at < ?2)")?
            .execute(params![last - i64::from(limit), at.saturating_sub(window)])?,
    };
    Ok(())
}

/// How many calls from `number` count for the repeat rule in a call at `at`: the calls
/// in `[at - window, at)`, then this one, each counted only when it is at least
/// `min_gap` seconds after the last one counted. One indexed range read on
/// `history (number, at)`.
pub(crate) fn repeat_count(store: &Store, number: E164, at: i64, window: i64, min_gap: i64) -> Result<u32> {
    // No ORDER BY ... LIMIT in the SQL: with them SQLite re-prepared the statement at
    // every call (measured: ~10 us of a 13 us screening call); the few rows are sorted
    // here instead, and at most 1,000 read (more than any repeat threshold needs).
    let mut stmt = store.conn().prepare_cached("SELECT at FROM history WHERE number = ?1 AND at >= ?2 AND at < ?3")?;
    let mut rows = stmt.query(params![number.as_u64() as i64, at.saturating_sub(window), at])?;
    let mut times: Vec<i64> = Vec::new();
    while let Some(r) = rows.next()? {
        times.push(r.get(0)?);
        if times.len() == 1000 {
            break;
        }
    }
    times.sort_unstable();
    let mut counter = Spaced::new(min_gap);
    for t in times {
        counter.push(t);
    }
    counter.push(at);
    Ok(counter.count)
}

/// Counts times (in ascending order) that are at least `min_gap` apart from the last one
/// counted: a robo-redial seconds after the first call is not a second call.
pub struct Spaced {
    min_gap: i64,
    last: Option<i64>,
    pub count: u32,
}

impl Spaced {
    pub fn new(min_gap: i64) -> Spaced {
        Spaced { min_gap, last: None, count: 0 }
    }

    pub fn push(&mut self, t: i64) {
        if self.last.is_none_or(|last| t.saturating_sub(last) >= self.min_gap) {
            self.last = Some(t);
            self.count += 1;
        }
    }
}

/// The newest `limit` entries, newest first.
pub(crate) fn recent(store: &Store, limit: u32) -> Result<Vec<HistoryEntry>> {
    let mut stmt = store.conn().prepare_cached(
        "SELECT id, at, input, number, action, category, reasons, label FROM history ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok(HistoryEntry {
            id: r.get(0)?,
            at: r.get(1)?,
            input: r.get(2)?,
            number: r.get::<_, Option<i64>>(3)?.and_then(|n| E164::from_u64(n as u64)),
            action: Action::from_code(r.get(4)?),
            category: Category::from_code(r.get::<_, i64>(5)? as u8).unwrap_or(Category::Unknown),
            reasons: Reasons::from_codes(&r.get::<_, String>(6)?),
            label: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Counts over the newest `limit` calls (the history; not the calls the repeat rule keeps
/// beyond it), the lists and the outbox.
pub(crate) fn stats(store: &Store, limit: u32) -> Result<Stats> {
    let c = store.conn();
    let mut s = Stats::default();
    let mut stmt = c.prepare_cached(
        "SELECT action, category, count(*) FROM (SELECT action, category FROM history ORDER BY id DESC LIMIT ?1)
         GROUP BY action, category",
    )?;
    let mut rows = stmt.query([limit])?;
    while let Some(r) = rows.next()? {
        let (action, category, n): (i64, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
        let n = n as u64;
        s.calls += n;
        *s.by_action.entry(Action::from_code(action).to_string()).or_default() += n;
        let cat = Category::from_code(category as u8).unwrap_or(Category::Unknown);
        *s.by_category.entry(cat.to_string()).or_default() += n;
    }
    let count = |sql: &str| -> Result<u64> { Ok(c.prepare_cached(sql)?.query_row([], |r| r.get::<_, i64>(0))? as u64) };
    s.allow_rules = count("SELECT count(*) FROM rules WHERE list = 0")?;
    s.block_rules = count("SELECT count(*) FROM rules WHERE list = 1")?;
    s.contacts = count("SELECT count(*) FROM contacts")?;
    s.community_numbers = count("SELECT count(DISTINCT number) FROM community")?;
    s.pending_reports = count("SELECT count(*) FROM reports WHERE uploaded_at IS NULL")?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::Spaced;

    fn count(times: &[i64], gap: i64) -> u32 {
        let mut s = Spaced::new(gap);
        times.iter().for_each(|&t| s.push(t));
        s.count
    }

    #[test]
    fn calls_closer_than_the_gap_count_once() {
        assert_eq!(count(&[], 20), 0);
        assert_eq!(count(&[100], 20), 1);
        assert_eq!(count(&[100, 119], 20), 1, "a redial 19 s later");
        assert_eq!(count(&[100, 120], 20), 2, "exactly the gap");
        // Counted from the last call counted, not the last call: 100, 110 (no), 125 (yes).
        assert_eq!(count(&[100, 110, 125], 20), 2);
        assert_eq!(count(&[100, 101, 102, 103], 0), 4, "no gap: every call");
    }
}
