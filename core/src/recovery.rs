//! Damaged databases: screening without one, and rebuilding one.
//!
//! A phone's database can be damaged (a bad flash page, a file copied half-way by a
//! backup tool, a bug elsewhere). Two rules follow from "a call blocker that fails must
//! not block every call, nor lose the user's lists":
//!
//! * [`Screener::open_or_fallback`] always returns a screener. When the file cannot be
//!   opened it reads, in place and read only, whatever rules, contacts, reports and
//!   settings it still can into an in-memory stand-in that screens with them (no
//!   community data), says why in `last_error`, and refuses writes with
//!   [`Error::Degraded`] instead of keeping them in memory and losing them.
//! * [`Screener::recover`] moves the damaged file aside (`<file>.corrupt-<unix time>`,
//!   with its `-wal` and `-shm`: nothing is deleted), creates a fresh database at the same
//!   path with everything of the user's that could be read (rules, contacts, the report
//!   outbox with its idempotency keys, history, policy settings), and opens it. Community
//!   rows and sync state are not carried over: the next sync downloads a full snapshot.
//!
//! Salvage reads each table in key order and, where a damaged page stops the scan, seeks
//! past it (doubling the step, then bisecting back to the first readable key), so one bad
//! page costs the rows on it, not the rest of the table.

use crate::number::Region;
use crate::screener::Screener;
use crate::store::Store;
use crate::{Error, Result};
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OpenFlags};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What [`Screener::recover`] did.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Recovery {
    /// Where the damaged file is now. `None`: the file passed `PRAGMA integrity_check` and
    /// was left as it was (or there was none), and the counts below are zero.
    pub moved_to: Option<PathBuf>,
    /// Rows carried over into the fresh database.
    pub rules: u64,
    pub contacts: u64,
    pub reports: u64,
    pub history: u64,
    pub settings: u64,
    /// Tables of the user's that could not be read to the end: rows on damaged pages of
    /// these are lost (the moved file still has them, for a specialist). Empty when all
    /// of the user's data was read.
    pub incomplete: Vec<String>,
}

struct RuleRow {
    list: i64,
    kind: i64,
    digits: i64,
    label: Option<String>,
    created_at: i64,
    until: Option<i64>,
    /// The window and SIM (schema 4 on): days bits, start and end minute, SIM id.
    window: (Option<i64>, Option<i64>, Option<i64>),
    sim: Option<String>,
}

struct ReportRow {
    id: i64,
    number: i64,
    spam: i64,
    category: i64,
    comment: Option<String>,
    created_at: i64,
    key: String,
    uploaded_at: Option<i64>,
}

struct HistoryRow {
    id: i64,
    at: i64,
    input: String,
    number: Option<i64>,
    action: i64,
    category: i64,
    reasons: String,
    label: Option<String>,
}

#[derive(Default)]
struct Salvage {
    rules: Vec<RuleRow>,
    contacts: Vec<(i64, Option<String>)>,
    reports: Vec<ReportRow>,
    history: Vec<HistoryRow>,
    settings: Vec<(String, String)>,
    incomplete: Vec<String>,
}

/// The two doors of this module on the screener (the screener itself knows nothing of
/// recovery: this module builds on it, like `sync.rs`).
impl Screener {
    /// Opens the database, or, when it cannot be opened (damaged, truncated, unreadable),
    /// a stand-in that still screens: with the lists, contacts, reports and settings that
    /// could be read from the file (read only, in place), else with none. Emergency numbers
    /// and ordinary calls are allowed either way; it never blocks everything.
    /// [`Screener::last_error`] and [`Screener::degraded`] say why; writes are refused
    /// with [`Error::Degraded`] until the app has called [`Screener::recover`]. For the
    /// screening service, which must answer whatever state the file is in.
    pub fn open_or_fallback(path: impl AsRef<Path>, home: Region) -> Screener {
        let path = path.as_ref();
        match Screener::open(path, home) {
            Ok(s) => s,
            Err(e) => fallback(path, home, e),
        }
    }

    /// Moves a damaged database aside (to `<file>.corrupt-<unix time>`, with its `-wal`
    /// and `-shm`), creates a fresh one at `path` holding every rule, contact, report,
    /// history entry and setting that could still be read from it, and opens that. The
    /// community data is not carried over: a full resync rebuilds it. The moved file is
    /// kept, never deleted. A file that passes `PRAGMA integrity_check` is left alone.
    /// See `docs/reliability.md`.
    pub fn recover(path: impl AsRef<Path>, home: Region) -> Result<(Screener, Recovery)> {
        recover(path.as_ref(), home)
    }
}

fn recover(path: &Path, home: Region) -> Result<(Screener, Recovery)> {
    let mut rec = Recovery::default();
    // A sound file is left as it is: an app that calls this by mistake loses nothing.
    if let Ok(s) = Screener::open(path, home) {
        if s.store().integrity_check().is_ok_and(|problems| problems.is_empty()) {
            return Ok((s, rec));
        }
    }
    let salvage = if path.exists() {
        let moved = move_aside(path)?;
        let s = salvage(&moved);
        rec.moved_to = Some(moved);
        s
    } else {
        Salvage::default()
    };
    let mut store = Store::open(path)?;
    let counts = restore(&mut store, &salvage)?;
    (rec.rules, rec.contacts, rec.reports, rec.history, rec.settings) = counts;
    rec.incomplete = salvage.incomplete;
    Ok((Screener::from_store(store, home, None)?, rec))
}

fn fallback(path: &Path, home: Region, error: Error) -> Screener {
    let why = error.to_string();
    let salvage = if path.is_file() { salvage(path) } else { Salvage::default() };
    let build = |salvage: &Salvage| -> Result<Screener> {
        let mut store = Store::stand_in(path)?;
        restore(&mut store, salvage)?;
        store.set_degraded(why.clone());
        Screener::from_store(store, home, Some(why.clone()))
    };
    build(&salvage).or_else(|_| build(&Salvage::default())).expect("an empty in-memory SQLite database always opens")
}

/// Renames the file and its WAL companions to `<name>.corrupt-<unix time>[-n]`.
fn move_aside(path: &Path) -> Result<PathBuf> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "ringfence.db".into());
    let stamp = crate::store::now();
    let mut target = path.with_file_name(format!("{name}.corrupt-{stamp}"));
    let mut n = 1;
    while target.exists() {
        target = path.with_file_name(format!("{name}.corrupt-{stamp}-{n}"));
        n += 1;
    }
    let io = |e: std::io::Error| Error::Io { what: format!("{} (moving it aside)", path.display()), source: e };
    std::fs::rename(path, &target).map_err(io)?;
    for suffix in ["-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{suffix}", path.display()));
        if from.exists() {
            std::fs::rename(&from, format!("{}{suffix}", target.display())).map_err(io)?;
        }
    }
    Ok(target)
}

/// Opens a damaged file for reading only: as it is (with its WAL), else ignoring locks
/// and WAL (`immutable`), for a file in a directory we cannot write.
fn open_damaged(path: &Path) -> Option<Connection> {
    let plain = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX);
    let immutable = || {
        let p = path.to_string_lossy().replace('%', "%25").replace('?', "%3f").replace('#', "%23");
        Connection::open_with_flags(
            format!("file:{p}?mode=ro&immutable=1"),
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
    };
    // `writable_schema` (on this read-only connection: nothing is written) lets SQLite read
    // a schema that names pages past the end of a truncated file, as its `.recover` does;
    // `cell_size_check` finds damage instead of misreading it.
    let readable = |c: &Connection| {
        // The file may hold another program's triggers and views (`store/verify.rs`):
        // reading through them must not call functions with side effects.
        let _ = c.pragma_update(None, "trusted_schema", false);
        let _ = c.pragma_update(None, "writable_schema", true);
        let _ = c.pragma_update(None, "cell_size_check", true);
        c.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0)).is_ok()
    };
    plain.ok().filter(readable).or_else(|| immutable().ok().filter(readable))
}

fn salvage(path: &Path) -> Salvage {
    let mut s = Salvage::default();
    let Some(conn) = open_damaged(path) else {
        s.incomplete = ["rules", "contacts", "reports", "history", "settings"].map(String::from).to_vec();
        return s;
    };
    let text = |v: ValueRef| match v {
        ValueRef::Text(b) | ValueRef::Blob(b) => Some(String::from_utf8_lossy(b).into_owned()),
        _ => None,
    };
    let mut complete = true;
    // Files from before temporary rules (schema version 2 and older) have no `until`.
    let until = if conn.prepare("SELECT until FROM rules LIMIT 0").is_ok() { "until" } else { "NULL" };
    // Windows and SIMs came with schema 4.
    let limits = if conn.prepare("SELECT days, start_minute, end_minute, sim FROM rules LIMIT 0").is_ok() {
        "days, start_minute, end_minute, sim"
    } else {
        "NULL, NULL, NULL, NULL"
    };
    // Kinds: 0 exact, 1 prefix, 2 to 5 number groups (type, region, country code, foreign).
    for (list, kind) in (0..2).flat_map(|l| (0..6).map(move |k| (l, k))) {
        let sql = format!(
            "SELECT digits, label, created_at, {until}, {limits} FROM rules
             WHERE list = {list} AND kind = {kind} AND digits > ?1 ORDER BY digits"
        );
        complete &= scan(&conn, &sql, &mut s.rules, |r| {
            Ok(RuleRow {
                list,
                kind,
                digits: r.get(0)?,
                label: text(r.get_ref(1)?),
                created_at: r.get(2).unwrap_or(0),
                until: r.get(3).unwrap_or(None),
                window: (r.get(4).unwrap_or(None), r.get(5).unwrap_or(None), r.get(6).unwrap_or(None)),
                sim: text(r.get_ref(7)?),
            })
        });
    }
    if !complete {
        s.incomplete.push("rules".into());
    }
    let sql = "SELECT number, name FROM contacts WHERE number > ?1 ORDER BY number";
    if !scan(&conn, sql, &mut s.contacts, |r| Ok((r.get(0)?, text(r.get_ref(1)?)))) {
        s.incomplete.push("contacts".into());
    }
    let sql = "SELECT id, number, spam, category, comment, created_at, idempotency_key, uploaded_at
               FROM reports WHERE id > ?1 ORDER BY id";
    let reports_ok = scan(&conn, sql, &mut s.reports, |r| {
        Ok(ReportRow {
            id: r.get(0)?,
            number: r.get(1)?,
            spam: r.get(2)?,
            category: r.get(3)?,
            comment: text(r.get_ref(4)?),
            created_at: r.get(5)?,
            key: text(r.get_ref(6)?).unwrap_or_default(),
            uploaded_at: r.get(7)?,
        })
    });
    if !reports_ok {
        s.incomplete.push("reports".into());
    }
    let sql = "SELECT id, at, input, number, action, category, reasons, label FROM history WHERE id > ?1 ORDER BY id";
    let history_ok = scan(&conn, sql, &mut s.history, |r| {
        Ok(HistoryRow {
            id: r.get(0)?,
            at: r.get(1)?,
            input: text(r.get_ref(2)?).unwrap_or_default(),
            number: r.get(3)?,
            action: r.get(4)?,
            category: r.get(5)?,
            reasons: text(r.get_ref(6)?).unwrap_or_default(),
            label: text(r.get_ref(7)?),
        })
    });
    if !history_ok {
        s.incomplete.push("history".into());
    }
    // A handful of rows: read as far as they go.
    // The policy, and a pause (it ends by itself; the user set it and expects it to hold).
    let sql = "SELECT key, value FROM meta WHERE key LIKE 'policy.%' OR key = 'pause.until'";
    let settings = conn.prepare(sql).and_then(|mut stmt| {
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            if let (Some(k), Some(v)) = (text(r.get_ref(0)?), text(r.get_ref(1)?)) {
                s.settings.push((k, v));
            }
        }
        Ok(())
    });
    if settings.is_err() {
        s.incomplete.push("settings".into());
    }
    s
}

/// Reads every row it can of `sql`, which selects an integer key first, takes the lower
/// bound of the key as `?1` and orders by the key. Past a damaged page it seeks to the
/// first key it can read again. Returns whether everything was read.
fn scan<T>(
    conn: &Connection,
    sql: &str,
    out: &mut Vec<T>,
    mut row: impl FnMut(&rusqlite::Row) -> rusqlite::Result<T>,
) -> bool {
    let mut from = i64::MIN;
    let mut complete = true;
    // Bounded: each round starts past the previous one's last key.
    for _ in 0..10_000 {
        match scan_from(conn, sql, from, out, &mut row) {
            Scan::Done => return complete,
            Scan::Unreadable => return false,
            Scan::BrokeAfter(last) => {
                complete = false;
                match resume_after(conn, sql, last) {
                    Some(next) => from = next,
                    None => return false,
                }
            }
        }
    }
    false
}

enum Scan {
    Done,
    /// The statement cannot even be prepared (the table or schema is unreadable).
    Unreadable,
    /// A step failed after the row with this key (or this lower bound).
    BrokeAfter(i64),
}

fn scan_from<T>(
    conn: &Connection,
    sql: &str,
    from: i64,
    out: &mut Vec<T>,
    row: &mut impl FnMut(&rusqlite::Row) -> rusqlite::Result<T>,
) -> Scan {
    let Ok(mut stmt) = conn.prepare(sql) else { return Scan::Unreadable };
    let Ok(mut rows) = stmt.query([from]) else { return Scan::BrokeAfter(from) };
    let mut last = from;
    loop {
        match rows.next() {
            Ok(None) => return Scan::Done,
            Ok(Some(r)) => {
                let Ok(key) = r.get::<_, i64>(0) else { return Scan::BrokeAfter(last) };
                // A row whose other columns cannot be read is skipped.
                if let Ok(v) = row(r) {
                    out.push(v);
                }
                last = key;
            }
            Err(_) => return Scan::BrokeAfter(last),
        }
    }
}

/// The smallest bound above `last` from which reading works again, if any.
fn resume_after(conn: &Connection, sql: &str, last: i64) -> Option<i64> {
    let readable = |bound: i64| -> bool {
        conn.prepare(sql).and_then(|mut s| s.query([bound]).and_then(|mut rows| rows.next().map(|_| ()))).is_ok()
    };
    // Doubling steps find a readable bound; bisecting back finds the first one.
    let (mut bad, mut step) = (last, 1i64);
    loop {
        let probe = last.checked_add(step)?;
        if readable(probe) {
            let mut good = probe;
            while good - bad > 1 {
                let mid = bad + (good - bad) / 2;
                if readable(mid) {
                    good = mid;
                } else {
                    bad = mid;
                }
            }
            return Some(good);
        }
        bad = probe;
        step = step.checked_mul(2)?;
    }
}

/// Writes what was salvaged into a fresh store, in one transaction; invalid rows (keys
/// out of range) are dropped. Returns (rules, contacts, reports, history, settings).
fn restore(store: &mut Store, s: &Salvage) -> Result<(u64, u64, u64, u64, u64)> {
    let valid = |k: i64| u64::try_from(k).ok().and_then(crate::number::E164::from_u64).is_some();
    store.write(|tx| {
        let mut counts = (0, 0, 0, 0, 0);
        let mut stmt = tx.prepare(
            "INSERT OR IGNORE INTO rules (list, kind, digits, label, created_at, until, days, start_minute,
             end_minute, sim) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        let readable = |r: &&RuleRow| match r.kind {
            0 | 1 => valid(r.digits),
            kind => crate::number::Group::from_columns(kind, r.digits).is_some(),
        };
        for r in s.rules.iter().filter(readable) {
            let (days, start, end) = r.window;
            counts.0 += stmt.execute(params![
                r.list,
                r.kind,
                r.digits,
                r.label,
                r.created_at,
                r.until,
                days,
                start,
                end,
                r.sim
            ])? as u64;
        }
        let mut stmt = tx.prepare("INSERT OR IGNORE INTO contacts (number, name) VALUES (?1, ?2)")?;
        for (n, name) in s.contacts.iter().filter(|(n, _)| valid(*n)) {
            counts.1 += stmt.execute(params![n, name])? as u64;
        }
        let mut stmt = tx.prepare(
            "INSERT OR IGNORE INTO reports (id, number, spam, category, comment, created_at, idempotency_key, uploaded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for r in s.reports.iter().filter(|r| valid(r.number) && !r.key.is_empty()) {
            counts.2 += stmt.execute(params![
                r.id,
                r.number,
                r.spam,
                r.category,
                r.comment,
                r.created_at,
                r.key,
                r.uploaded_at
            ])? as u64;
        }
        let mut stmt = tx.prepare(
            "INSERT OR IGNORE INTO history (id, at, input, number, action, category, reasons, label)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for h in &s.history {
            counts.3 += stmt
                .execute(params![h.id, h.at, h.input, h.number, h.action, h.category, h.reasons, h.label])?
                as u64;
        }
        for (k, v) in s.settings.iter().filter(|(k, _)| k.starts_with("policy.") || k == "pause.until") {
            crate::store::set_meta(tx, k, v)?;
            counts.4 += 1;
        }
        Ok(counts)
    })
}
