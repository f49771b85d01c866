//! The one SQLite file that holds everything on the phone.
//!
//! Pragmas, and why:
//! - `journal_mode = WAL`: readers (the screening service) never wait for a writer (the
//!   app importing a list or applying a sync), and a crash mid-write loses nothing
//!   committed.
//! - `synchronous = NORMAL`: with WAL this is still crash-safe for the database; only
//!   the last transactions before a power loss may roll back. Good trade on phones.
//! - `busy_timeout`: an iOS app and its Call Directory extension, or two Android
//!   processes, open the same file; a writer waits for the other instead of failing.
//!   (Switching a new file to WAL is the one lock SQLite does not wait for: `set_wal`
//!   retries it for as long.)
//! - `temp_store = MEMORY`: Android has no usable temporary directory for SQLite.
//! - `mmap_size`: the community table is read by memory-mapped I/O, so a lookup costs
//!   no `pread` system calls (measured: they were most of a lookup's time). The mapping
//!   is file-backed and clean, so it does not count against an app's memory the way
//!   heap pages do. Full scans (the Call Directory export) turn it off for their
//!   duration ([`Store::without_mmap`]): through the map, every page they pass would stay
//!   resident in the process, and an iOS extension has little memory.
//!
//! - `trusted_schema = OFF`: nothing in the file's schema may call a function with side
//!   effects; and the schema must be exactly what the migrations make (`verify.rs`): a
//!   file with a trigger, view, table or index of another program's is refused as
//!   damaged, before any of it runs.
//!
//! Writes go through [`Store::write`], which starts the transaction `IMMEDIATE`: taking
//! the write lock up front lets the busy timeout work, where a deferred transaction
//! that upgrades from read to write fails at once with "database is locked".

mod schema;
mod verify;

use crate::{Error, Result};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a writer waits for another process's write to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// SQLite's default WAL size (in pages) that triggers a checkpoint.
const AUTOCHECKPOINT_PAGES: i64 = 1000;

/// After a checkpoint, a WAL file larger than this is truncated back (phones have little
/// storage to spare for a 30 MB WAL left by one big sync).
const JOURNAL_SIZE_LIMIT: i64 = 4 << 20;

/// Upper bound on the memory-mapped part of the file.
const MMAP_SIZE: i64 = 256 << 20;

pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Set on a stand-in for a file that could not be opened (see `Screener::open_or_fallback`):
    /// why, and every write is refused with it rather than kept in memory and lost.
    degraded: Option<String>,
}

impl Store {
    /// The schema's migration steps (`schema.rs`): step `i` takes a file from version `i`
    /// to `i + 1`. For upgrade tests, which build a file of an earlier version with the
    /// steps it had (the shipped steps never change: `schema.rs` checks their digests).
    #[doc(hidden)]
    pub const MIGRATIONS: &'static [&'static str] = schema::MIGRATIONS;

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::Io { what: dir.display().to_string(), source: e })?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags).map_err(|e| Error::open(&path, e))?;
        Store::init(conn, path.clone()).map_err(|e| e.at(&path))
    }

    /// A private database in memory, for tests and one-off checks.
    pub fn open_in_memory() -> Result<Store> {
        Store::init(Connection::open_in_memory()?, PathBuf::from(":memory:"))
    }

    fn init(conn: Connection, path: PathBuf) -> Result<Store> {
        let opened = |e: rusqlite::Error| Error::open(&path, e);
        // Functions with side effects stay out of anything the file's schema names
        // (triggers, views, defaults) however it got there; `verify` then refuses a schema
        // that is not ringfence's.
        conn.pragma_update(None, "trusted_schema", false).map_err(opened)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(opened)?;
        set_wal(&conn).map_err(opened)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(opened)?;
        conn.pragma_update(None, "temp_store", "MEMORY").map_err(opened)?;
        conn.pragma_update(None, "mmap_size", MMAP_SIZE).map_err(opened)?;
        conn.pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT).map_err(opened)?;
        conn.set_prepared_statement_cache_capacity(32);
        let mut store = Store { conn, path, degraded: None };
        store.migrate()?;
        verify::verify(&store.conn).map_err(|detail| Error::Corrupt { path: store.path.clone(), detail })?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<()> {
        let known = schema::MIGRATIONS.len() as i64;
        let path = self.path.clone();
        let version: i64 =
            self.conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(|e| Error::open(&path, e))?;
        if version > known {
            return Err(Error::SchemaTooNew { path, found: version, known });
        }
        if version == known {
            return Ok(());
        }
        self.write(|tx| {
            // Another process may have migrated while we waited for the lock.
            let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
            for step in schema::MIGRATIONS.iter().skip(version.max(0) as usize) {
                tx.execute_batch(step)?;
            }
            tx.pragma_update(None, "user_version", known)?;
            Ok(())
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs `f` in one write transaction: all of it is committed, or none of it.
    pub(crate) fn write<T>(&mut self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        if let Some(why) = &self.degraded {
            return Err(Error::Degraded { path: self.path.clone(), why: why.clone() });
        }
        let run = |conn: &mut Connection| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        };
        run(&mut self.conn).map_err(|e: Error| e.at(&self.path))
    }

    /// An in-memory stand-in for the file at `path`, which could not be opened (`why`):
    /// it can be filled with what was salvaged, then refuses writes.
    pub(crate) fn stand_in(path: &Path) -> Result<Store> {
        let mut s = Store::open_in_memory()?;
        s.path = path.to_path_buf();
        Ok(s)
    }

    pub(crate) fn set_degraded(&mut self, why: String) {
        self.degraded = Some(why);
    }

    /// Why this store is a stand-in for a file that could not be opened, if it is one.
    pub fn degraded(&self) -> Option<&str> {
        self.degraded.as_deref()
    }

    /// Like [`Store::write`] for a large write: no automatic checkpoint inside the
    /// COMMIT. Call [`Store::checkpoint`] after it.
    pub(crate) fn write_without_autocheckpoint<T>(&mut self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        let _ = self.conn.pragma_update(None, "wal_autocheckpoint", 0);
        let out = self.write(f);
        let _ = self.conn.pragma_update(None, "wal_autocheckpoint", AUTOCHECKPOINT_PAGES);
        out
    }

    /// Copies the WAL back into the database file as far as readers allow. Failure is
    /// harmless: SQLite checkpoints again at a later commit.
    pub(crate) fn checkpoint(&mut self) {
        let _ = self.conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    }

    /// Runs `f` inside one read transaction. Each transaction costs SQLite a few system
    /// calls (WAL read locks, a check that the file was not replaced); screening a call
    /// needs several reads, so it pays that once. If BEGIN fails, `f` runs anyway, each
    /// read then in a transaction of its own.
    pub(crate) fn read<T>(&self, f: impl FnOnce() -> T) -> T {
        let began = self.conn.prepare_cached("BEGIN").and_then(|mut s| s.execute([])).is_ok();
        let out = f();
        if began {
            // A read-only transaction has nothing to lose: if COMMIT fails, roll back.
            if self.conn.prepare_cached("COMMIT").and_then(|mut s| s.execute([])).is_err() {
                let _ = self.conn.execute_batch("ROLLBACK");
            }
        }
        out
    }

    /// Reads without the memory map until the guard is dropped (for full scans).
    pub(crate) fn without_mmap(&self) -> MmapOff<'_> {
        let _ = self.conn.pragma_update(None, "mmap_size", 0);
        MmapOff(&self.conn)
    }

    /// A number that changes whenever another connection (another process, say) commits.
    pub(crate) fn data_version(&self) -> Result<i64> {
        Ok(self.conn.prepare_cached("PRAGMA data_version")?.query_row([], |r| r.get(0))?)
    }

    pub(crate) fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    /// Checks the whole file for corruption (slow on big databases: for diagnostics).
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let problems: Vec<String> = rows.collect::<Result<_, _>>()?;
        Ok(problems.into_iter().filter(|p| p != "ok").collect())
    }
}

/// Turns the memory map back on when dropped.
pub(crate) struct MmapOff<'a>(&'a Connection);

impl Drop for MmapOff<'_> {
    fn drop(&mut self) {
        let _ = self.0.pragma_update(None, "mmap_size", MMAP_SIZE);
    }
}

/// `PRAGMA journal_mode = WAL`, retried while another connection holds the lock it needs.
/// Turning a new file to WAL takes an exclusive lock, and SQLite returns SQLITE_BUSY for
/// it at once instead of calling the busy handler: when an app and its extension (or two
/// Android processes) open a file that does not exist yet at the same moment, one of them
/// got "database is locked" (measured: 2 first launches in 40).
fn set_wal(conn: &Connection) -> rusqlite::Result<()> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

pub(crate) fn set_meta(tx: &Transaction, key: &str, value: &str) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute([key, value])?;
    Ok(())
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
