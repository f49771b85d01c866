//! What the HTTP handlers (`api.rs`) share, built once at start-up (`main.rs`): the
//! database, the publisher (for signed lookups and the files it writes), the budgets,
//! how clients are told apart, and how reporters are counted. Fields are private: the
//! handlers go through the few methods below.

use crate::comment;
use crate::db::Db;
use crate::disputes::{Dispute, Filed, NewDispute};
use crate::error::{PublishError, StorageError};
use crate::limit::{Buckets, RateLimiter};
use crate::origin::{Family, Origin, OriginPolicy};
use crate::publish::Publisher;
use crate::storage::{BatchOrigin, NumberRecord, Report};
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
    /// Disputes filed per origin network, through the API and the public page.
    pub disputes: Buckets<Origin>,
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
    /// The signed request was seen before (its nonce): nothing was stored.
    Replayed,
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
    pub fn record(
        &self,
        device: &str,
        nonce: &str,
        origin: Origin,
        reports: &[Report],
        now: i64,
    ) -> Result<Recorded, StorageError> {
        let mut s = self.db.writer();
        if !s.claim_nonce(device, nonce, now)? {
            return Ok(Recorded::Replayed);
        }
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
        let from = BatchOrigin { origin: vote_origin, v6: origin.1 == Family::V6 };
        // Comments are stored for people to read: without control or bidi characters.
        let reports: Vec<Report> = reports
            .iter()
            .map(|r| Report { comment: r.comment.as_deref().and_then(comment::clean), ..r.clone() })
            .collect();
        let (accepted, duplicates) = s.record_from(device, from, &reports, now)?;
        Ok(Recorded::Counted(accepted, duplicates))
    }

    /// The latest published version, read without waiting for report writes (blocking).
    pub fn latest_version(&self) -> Result<u64, StorageError> {
        self.db.reader().latest_version()
    }

    /// The server's signing key: the answers to report batches are signed with it.
    pub fn key(&self) -> &ringfence_core::wire::SigningKey {
        self.publisher.key()
    }

    /// The signed answer to a private lookup (blocking).
    pub fn bucket(&self, bucket: u16, now: i64) -> Result<Vec<u8>, PublishError> {
        self.publisher.bucket(bucket, now)
    }

    /// Files a dispute from `origin` under a new random id (blocking).
    pub fn file_dispute(&self, d: &NewDispute, origin: Origin, now: i64) -> Result<Filed, StorageError> {
        let id = crate::disputes::new_id().map_err(StorageError::NoRandomness)?;
        self.db.writer().file_dispute(&id, d, origin.0, now)
    }

    /// A dispute by its public id (blocking).
    pub fn dispute(&self, id: &str) -> Result<Option<Dispute>, StorageError> {
        self.db.reader().dispute(id)
    }

    /// What the server knows about a number, for the public page (blocking).
    pub fn number_record(&self, number: u64) -> Result<NumberRecord, StorageError> {
        self.db.reader().number_record(number)
    }
}
