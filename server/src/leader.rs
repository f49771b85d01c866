//! Which process publishes. Any number of server processes may share one PostgreSQL
//! database: each accepts reports and answers lookups, but only one may turn votes into
//! versions (two would both write version v, and one's delta file would overwrite the
//! other's). The publisher is whoever holds a PostgreSQL session advisory lock, taken
//! on a connection of its own: when that process dies, PostgreSQL sees its connection
//! close and frees the lock, and the next process to try (every publish interval) takes
//! over, so a new publisher starts within an interval or two of the old one's death.
//!
//! Before each publication the holder checks that its session still holds the lock (a
//! connection cut by the network loses it silently); a check that fails makes it a
//! follower again. With SQLite there is one process, and it always publishes.

use postgres::{Client, NoTls};
use std::str::FromStr;
use std::time::Duration;

/// The lock's key, the same for every ringfence-server ("ringpubl").
const PUBLISH_LOCK: i64 = 0x7269_6e67_7075_626c;

/// What this process is, as of the last check.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Role {
    /// It publishes, and did at the last check too.
    Publisher,
    /// It has just become the publisher: `Publisher::start` first (files and the manifest
    /// as the last publisher left them), then publish.
    NewPublisher,
    /// Another process publishes (or PostgreSQL cannot be reached).
    Follower,
    /// It published until now, and has lost the lock (its connection was cut): it stops.
    Deposed,
}

pub enum Leadership {
    /// The only process (SQLite).
    Alone,
    /// Whoever holds the advisory lock.
    Postgres(Box<Lock>),
}

pub struct Lock {
    config: postgres::Config,
    client: Option<Client>,
    held: bool,
}

impl Leadership {
    /// For a server on PostgreSQL at `url`. Connects on the first check.
    pub fn postgres(url: &str) -> Result<Leadership, postgres::Error> {
        let mut config = postgres::Config::from_str(url)?;
        // Named, so that an operator (or a test) sees in pg_stat_activity which process
        // holds the lock.
        config.application_name(&format!("ringfence-server publisher lock, pid {}", std::process::id()));
        config.connect_timeout(Duration::from_secs(5));
        config.keepalives_idle(Duration::from_secs(30));
        Ok(Leadership::Postgres(Box::new(Lock { config, client: None, held: false })))
    }

    /// Whether this process publishes now (blocking: a query or two).
    pub fn check(&mut self) -> Role {
        match self {
            Leadership::Alone => Role::Publisher,
            Leadership::Postgres(lock) => lock.check(),
        }
    }
}

impl Lock {
    fn check(&mut self) -> Role {
        let was = self.held;
        match self.try_hold() {
            Ok(true) if was => Role::Publisher,
            Ok(true) => {
                self.held = true;
                Role::NewPublisher
            }
            Ok(false) => {
                self.held = false;
                if was {
                    tracing::warn!("this process no longer holds the publisher lock; another one publishes");
                    return Role::Deposed;
                }
                Role::Follower
            }
            Err(e) => {
                // A new connection next time: whatever this session held is gone with it.
                self.client = None;
                self.held = false;
                if was {
                    tracing::warn!(error = %e, "lost the publisher lock's connection; publishing stops here");
                    return Role::Deposed;
                }
                tracing::debug!(error = %e, "the publisher lock cannot be checked");
                Role::Follower
            }
        }
    }

    /// Whether this session holds the lock, taking it if it is free.
    fn try_hold(&mut self) -> Result<bool, postgres::Error> {
        let client = match &mut self.client {
            Some(c) => c,
            None => self.client.insert(self.config.connect(NoTls)?),
        };
        if self.held {
            // Still ours? (pg_locks splits a bigint key into two 32-bit halves.)
            let q = "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
                       AND pid = pg_backend_pid() AND objsubid = 1
                       AND classid::bigint = ($1::bigint >> 32) AND objid::bigint = ($1::bigint & 4294967295))";
            return Ok(client.query_one(q, &[&PUBLISH_LOCK])?.get(0));
        }
        Ok(client.query_one("SELECT pg_try_advisory_lock($1::bigint)", &[&PUBLISH_LOCK])?.get(0))
    }
}
