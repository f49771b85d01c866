//! The database as the running server holds it: a connection for writes (reports,
//! published versions, meta) and a second one for the long reads (re-aggregating the
//! numbers voted on since the last version, snapshots, lookups, the health check), so
//! that a publication does not hold up the reports arriving meanwhile (it used to, for
//! as long as it read: the load test's p99). Reading on another connection is safe: a
//! vote that arrives during the read re-queues its number behind the point the read
//! covers (`Changes::dirty_upto`), and only the publisher writes `published`.
//!
//! Each connection is behind its own lock; a lock poisoned by a panic is taken back
//! (the storage's transactions leave nothing half done).

use crate::storage::Storage;
use std::sync::{Mutex, MutexGuard};

pub struct Db {
    writer: Mutex<Box<dyn Storage>>,
    reader: Mutex<Box<dyn Storage>>,
}

impl Db {
    /// Two connections to the same database.
    pub fn new(writer: Box<dyn Storage>, reader: Box<dyn Storage>) -> Db {
        Db { writer: Mutex::new(writer), reader: Mutex::new(reader) }
    }

    /// The connection that writes. Hold it briefly: reports wait for it.
    pub fn writer(&self) -> MutexGuard<'_, Box<dyn Storage>> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The connection for long reads.
    pub fn reader(&self) -> MutexGuard<'_, Box<dyn Storage>> {
        self.reader.lock().unwrap_or_else(|e| e.into_inner())
    }
}
