//! What the HTTP handlers (`api.rs`) share, built once at start-up (`main.rs`): the
//! database, the publisher (for signed lookups and the files it writes), the budgets,
//! how clients are told apart, and how reporters are counted. Fields are private: the
//! handlers go through the few methods below.

use crate::db::Db;
use crate::error::{PublishError, StorageError};
use crate::limit::{Buckets, RateLimiter};
use crate::origin::{Origin, OriginPolicy};
use crate::publish::Publisher;
use crate::storage::Report;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The per-device and per-origin budgets (`limit.rs`).
pub struct Limits {
    /// Reports per device.
    pub device: RateLimiter,
    /// Reports per origin network, whatever the devices.
    pub origin: Buckets<Origin>,
    /// Devices seen for the first time, per origin network.
    pub new_devices: Buckets<Origin>,
    /// Private lookups per origin network: each costs a database read and a signature,
    /// so one network cannot keep the server busy signing buckets.
    pub lookups: Buckets<Origin>,
}

/// What independent reporters are (`--count-reporters-by`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
pub enum CountBy {
    /// Their networks (the Sybil defence).
    Network,
    /// Their device ids only: votes are recorded without their network (the budgets
    /// still go by network).
    Device,
}

/// What became of a batch of valid reports.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Recorded {
    /// (accepted, duplicates).
    Counted(u32, u32),
    /// A device never seen before, over its network's budget for new devices: nothing
    /// was stored; retry after this many seconds.
    NewDeviceRefused(u64),
}

pub struct Shared {
    db: Arc<Db>,
    publisher: Arc<Publisher>,
    limits: Limits,
    origins: Arc<OriginPolicy>,
    count_by: CountBy,
    request_timeout: Duration,
}

impl Shared {
    pub fn new(
        db: Arc<Db>,
        publisher: Arc<Publisher>,
        limits: Limits,
        origins: Arc<OriginPolicy>,
        count_by: CountBy,
        request_timeout: Duration,
    ) -> Shared {
        Shared { db, publisher, limits, origins, count_by, request_timeout }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// A request (body included) must be answered within this (408 otherwise).
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// The directory of the published files (served under /v1/data).
    pub fn files(&self) -> &Path {
        self.publisher.dir()
    }

    /// The client's network, from the peer address and, behind a trusted proxy, the
    /// `X-Forwarded-For` values (in order).
    pub fn origin_of(&self, peer: IpAddr, forwarded: &[&[u8]]) -> Origin {
        self.origins.origin(self.origins.client_ip(peer, forwarded))
    }

    /// Records a batch of valid reports from `device` at `origin`, in one transaction: a
    /// device never seen before first takes from its network's budget for new devices.
    /// Blocking: call it off the async threads.
    pub fn record(&self, device: &str, origin: Origin, reports: &[Report], now: i64) -> Result<Recorded, StorageError> {
        let mut s = self.db.writer();
        if !s.device_known(device)? {
            if let Err(wait) = self.limits.new_devices.take(&origin, 1) {
                return Ok(Recorded::NewDeviceRefused(wait));
            }
        }
        // Origin 0: a vote of its own device's (storage::vote_origin), as before origins.
        let vote_origin = match self.count_by {
            CountBy::Network => origin.0,
            CountBy::Device => 0,
        };
        let (accepted, duplicates) = s.record(device, vote_origin, reports, now)?;
        Ok(Recorded::Counted(accepted, duplicates))
    }

    /// The latest published version, read without waiting for report writes (blocking).
    pub fn latest_version(&self) -> Result<u64, StorageError> {
        self.db.reader().latest_version()
    }

    /// The signed answer to a private lookup (blocking).
    pub fn bucket(&self, bucket: u16, now: i64) -> Result<Vec<u8>, PublishError> {
        self.publisher.bucket(bucket, now)
    }
}
