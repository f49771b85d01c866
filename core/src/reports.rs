//! The user's own spam and "not spam" reports. A report takes effect on this phone at
//! once and waits in this table (the outbox) until the community server has it: it is
//! written before anything is sent, so it survives the app being killed at any moment,
//! and its idempotency key lets the server count it once however often it is sent.

use crate::decide::OwnReport;
use crate::decision::Category;
use crate::number::E164;
use crate::store::Store;
use crate::Result;
use rusqlite::{params, Transaction};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct Report {
    pub id: i64,
    pub number: E164,
    pub spam: bool,
    pub category: Category,
    pub comment: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// Random, unique per report: the server ignores a key it has seen.
    pub idempotency_key: String,
    pub uploaded: bool,
}

/// Longest comment kept; the rest is cut.
pub const MAX_COMMENT_CHARS: usize = 500;

pub(crate) fn add(
    tx: &Transaction,
    number: E164,
    spam: bool,
    category: Category,
    comment: Option<&str>,
    at: i64,
) -> Result<Report> {
    let comment: Option<String> =
        comment.map(|c| c.trim().chars().filter(|c| !c.is_control()).take(MAX_COMMENT_CHARS).collect());
    let comment = comment.filter(|c| !c.is_empty());
    let (id, key): (i64, String) = tx
        .prepare_cached(
            "INSERT INTO reports (number, spam, category, comment, created_at, idempotency_key)
             VALUES (?1, ?2, ?3, ?4, ?5, lower(hex(randomblob(16)))) RETURNING id, idempotency_key",
        )?
        .query_row(params![number.as_u64() as i64, spam, category.code(), comment, at], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    Ok(Report { id, number, spam, category, comment, created_at: at, idempotency_key: key, uploaded: false })
}

fn read(r: &rusqlite::Row) -> rusqlite::Result<Option<Report>> {
    let Some(number) = E164::from_u64(r.get::<_, i64>(1)? as u64) else { return Ok(None) };
    Ok(Some(Report {
        id: r.get(0)?,
        number,
        spam: r.get(2)?,
        category: Category::from_code(r.get::<_, i64>(3)? as u8).unwrap_or(Category::Unknown),
        comment: r.get(4)?,
        created_at: r.get(5)?,
        idempotency_key: r.get(6)?,
        uploaded: r.get::<_, Option<i64>>(7)?.is_some(),
    }))
}

const COLUMNS: &str = "id, number, spam, category, comment, created_at, idempotency_key, uploaded_at";

/// Reports not yet acknowledged by the server, oldest first.
pub(crate) fn pending(store: &Store, limit: u32) -> Result<Vec<Report>> {
    let sql = format!("SELECT {COLUMNS} FROM reports WHERE uploaded_at IS NULL ORDER BY id LIMIT ?1");
    let mut stmt = store.conn().prepare_cached(&sql)?;
    let rows = stmt.query_map([limit], read)?;
    Ok(rows.filter_map(|r| r.transpose()).collect::<Result<_, _>>()?)
}

/// Marks reports as received by the server.
pub(crate) fn mark_uploaded(tx: &Transaction, ids: &[i64], at: i64) -> Result<()> {
    let mut stmt = tx.prepare_cached("UPDATE reports SET uploaded_at = ?2 WHERE id = ?1")?;
    for id in ids {
        stmt.execute(params![id, at])?;
    }
    Ok(())
}

/// The latest report per number, as the decision needs it.
pub(crate) fn latest_by_number(store: &Store) -> Result<HashMap<u64, OwnReport>> {
    let mut stmt = store.conn().prepare_cached("SELECT number, spam, category FROM reports ORDER BY id")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, bool>(1)?, r.get::<_, i64>(2)?)))?;
    let mut out = HashMap::new();
    for row in rows {
        let (number, spam, category) = row?;
        let category = Category::from_code(category as u8).unwrap_or(Category::Unknown);
        out.insert(number, OwnReport { spam, category });
    }
    Ok(out)
}
