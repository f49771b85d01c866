//! The phone's side of the community service, sans I/O: upload the report outbox, bring
//! the local copy of the community database up to date, and look up single numbers
//! privately. The protocol lives here; the network is the app's [`Transport`].
//!
//! Everything here is **blocking** (the transport and the disk): apps call it off the
//! main thread; the bindings offer it as Kotlin `suspend` and Swift `async` functions,
//! cancellable through a [`Cancel`](crate::Cancel).
//!
//! Safety rules, each tested end to end (`tests/e2e`):
//! - every call ends by its deadline ([`SyncConfig::timeout`]), whatever the server does:
//!   trickled bytes, stalls, endless bodies, `Retry-After: 18446744073709551615`;
//! - redirects are followed within the server's origin only (never to another host,
//!   never from https to http);
//! - the manifest is signed, pinned on first use, and never older than the last one
//!   accepted (no freeze, no replay); the lookup salt only comes from it;
//! - a file's header is checked before its body is read, and bodies are read within
//!   their limit, which the retries of one file share;
//! - every file is verified against the pinned key before anything is applied, and
//!   everything a sync downloaded is applied in one transaction together with the new
//!   version: a failure or a cancel anywhere leaves the local data as it was;
//! - report batches are signed by the device key with a fresh nonce, and a report is
//!   marked uploaded only on the server's signed acknowledgement of that very batch.
//!
//! State lives in the `meta` table: `sync.device_key` (the device's private key),
//! `sync.key` (the pinned public key), `sync.version`, `sync.salt` (lookup hash salt),
//! `sync.manifest_at` (the newest manifest accepted), `sync.last_success`.
//!
//! | file | what |
//! |---|---|
//! | `transport.rs` | the app's HTTP: the [`Transport`] trait and its contract |
//! | `config.rs` | [`SyncConfig`]: server, pinned key, deadlines, limits |
//! | `fetch.rs` | one request: deadline, retries, redirects, size budget, early header check |
//! | `device.rs` | the device key and id |
//! | `upload.rs` | signed report batches and their signed acknowledgements |
//! | `download.rs` | the signed manifest, the plan, the files, the one-transaction apply |
//! | `lookup.rs` | the private lookup |
//! | `dispute.rs` | disputing a listed number (`POST /v1/disputes`) |

mod config;
mod device;
mod dispute;
mod download;
mod fetch;
mod lookup;
mod transport;
mod upload;

pub use config::SyncConfig;
pub use fetch::MAX_RETRY_AFTER;
pub use transport::{Head, Method, Request, Response, Stop, Transport, TransportError};

use crate::store::now;
use crate::{Cancel, Result, Screener};
use fetch::Fetcher;

/// What a sync is doing, for a progress bar.
#[derive(Clone, PartialEq, Debug)]
pub enum SyncProgress {
    /// Reports uploaded so far, of those pending when the sync started.
    Uploading { sent: u64, total: u64 },
    /// Bytes of one file received so far (`total` when the server said).
    Downloading { what: String, received: u64, total: Option<u64> },
    /// Entries being written to the local database.
    Applying { entries: u64 },
}

/// What a sync did.
#[derive(Clone, PartialEq, Debug, Default, serde::Serialize)]
pub struct SyncSummary {
    /// Reports the server acknowledged (counted now or before).
    pub uploaded: u64,
    /// Of `uploaded`, reports the server had already counted (a batch sent again after
    /// its answer was lost).
    pub duplicates: u64,
    /// Reports the server will never accept (it named them), taken out of the outbox.
    pub rejected: u64,
    pub from_version: u64,
    pub to_version: u64,
    /// A full snapshot replaced the local copy.
    pub snapshot: bool,
    pub deltas: u64,
    /// Numbers added or changed, and removed.
    pub upserted: u64,
    pub deleted: u64,
    pub bytes_downloaded: u64,
    /// The key pinned by this sync, when it pinned one (first use, or `--key`).
    pub pinned_key: Option<String>,
    /// When the server made the manifest this sync applied (Unix seconds).
    pub server_data_at: i64,
    /// The server's data is older than [`SyncConfig::stale_after`]: its publisher may
    /// have stopped, or a mirror serves an old copy. The app should tell the user that
    /// the spam list is out of date.
    pub stale: bool,
    /// Time from the first byte written to the committed transaction: after this the
    /// screener sees the new data.
    pub apply_micros: u64,
    /// Time of the WAL checkpoint that follows a large apply (housekeeping on the same
    /// background thread; the data was live before it).
    pub checkpoint_micros: u64,
}

impl Screener {
    /// Uploads the report outbox, then brings the community copy up to date, through
    /// `transport`, within `config.timeout`. Blocking. On error or cancel nothing that was
    /// not acknowledged or fully verified has changed: run it again later.
    pub fn sync(
        &mut self,
        config: &SyncConfig,
        transport: &dyn Transport,
        cancel: &Cancel,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<SyncSummary> {
        let f = Fetcher::new(transport, config, cancel);
        // The manifest first: reports go only to a server whose key is known, and its
        // acknowledgements are checked with that key.
        let (manifest, trust) = self.fetch_manifest(&f, progress)?;
        let uploaded = self.upload(&f, &trust.key, progress)?;
        let mut summary = self.download(&f, &manifest, &trust, progress)?;
        summary.uploaded = uploaded.uploaded;
        summary.duplicates = uploaded.duplicates;
        summary.rejected = uploaded.rejected;
        summary.server_data_at = manifest.created_at;
        summary.stale = now().saturating_sub(manifest.created_at) > config.stale_after.as_secs() as i64;
        Ok(summary)
    }

    /// The community version this device has (0: never synced).
    pub fn sync_version(&self) -> Result<u64> {
        Ok(self.store().meta("sync.version")?.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// The pinned server key, hex.
    pub fn pinned_key(&self) -> Result<Option<String>> {
        self.store().meta("sync.key")
    }

    /// When community data was last applied (Unix seconds; `None`: never).
    pub fn last_sync_at(&self) -> Result<Option<i64>> {
        Ok(self.store().meta("sync.last_success")?.and_then(|v| v.parse().ok()))
    }
}

#[cfg(test)]
mod tests {
    use super::download::plan;
    use crate::wire::{self, Manifest};

    fn manifest(latest: u64, snapshot: u64, oldest_delta: Option<u64>) -> Manifest {
        Manifest {
            format: wire::FORMAT_VERSION,
            latest,
            snapshot: Some(wire::FileRef { version: snapshot, path: wire::snapshot_path(snapshot) }),
            oldest_delta,
            delta_path: wire::DELTA_PATH.into(),
            lookup_salt: String::new(),
            key: String::new(),
            key_id: String::new(),
            created_at: 0,
            half_life_secs: 0,
        }
    }

    /// (snapshot to download, deltas to download).
    fn fetches(m: &Manifest, local: u64, max_deltas: u64) -> (Option<u64>, Vec<u64>) {
        let (snapshot, deltas) = plan(m, local, max_deltas).unwrap();
        (snapshot, deltas.collect())
    }

    /// The server pruned deltas up to 26 (`oldest_delta` 27, server/src/retention.rs).
    #[test]
    fn after_pruning_a_phone_at_the_boundary_takes_deltas_and_one_further_behind_the_snapshot() {
        let m = manifest(30, 30, Some(27));
        assert_eq!(fetches(&m, 26, 64), (None, vec![27, 28, 29, 30]), "at oldest_delta - 1: deltas");
        assert_eq!(fetches(&m, 29, 64), (None, vec![30]));
        assert_eq!(fetches(&m, 25, 64), (Some(30), vec![]), "one further: the snapshot alone");
        assert_eq!(fetches(&m, 0, 64), (Some(30), vec![]));
        assert_eq!(fetches(&m, 26, 2), (Some(30), vec![]), "too many deltas: the snapshot");
        // A snapshot older than the latest: the snapshot, then the deltas after it.
        let m = manifest(33, 30, Some(31));
        assert_eq!(fetches(&m, 29, 64), (Some(30), vec![31, 32, 33]));
        assert_eq!(fetches(&m, 30, 64), (None, vec![31, 32, 33]));
        // Every delta pruned, the snapshot is the latest: oldest_delta is latest + 1.
        let m = manifest(32, 32, Some(33));
        assert_eq!(fetches(&m, 31, 64), (Some(32), vec![]));
        // A manifest whose snapshot and deltas leave a gap is refused, never half applied.
        assert!(plan(&manifest(40, 30, Some(35)), 20, 64).is_err());
        assert!(plan(&manifest(40, 30, None), 20, 64).is_err());
    }
}
