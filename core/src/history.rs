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

/// Appends a screened call and drops the oldest beyond `limit`.
pub(crate) fn record(tx: &Transaction, input: &str, d: &Decision, at: i64, limit: u32) -> Result<()> {
    if limit == 0 {
        return Ok(());
    }
    let input: String = input.chars().take(MAX_INPUT_CHARS).collect();
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
        d.label
    ])?;
    let last = tx.last_insert_rowid();
    tx.prepare_cached("DELETE FROM history WHERE id <= ?1")?.execute([last - i64::from(limit)])?;
    Ok(())
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

pub(crate) fn stats(store: &Store) -> Result<Stats> {
    let c = store.conn();
    let mut s = Stats::default();
    let mut stmt = c.prepare_cached("SELECT action, category, count(*) FROM history GROUP BY action, category")?;
    let mut rows = stmt.query([])?;
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
