//! The community server's records: what `Screener.sync` and `Screener.lookupOnline` take
//! and return, and the progress listener.

use crate::RingfenceError;
use ringfence_core::sync as core;
use std::time::Duration;

/// Where and how to reach the community server. Only `server_url` is required; the
/// other fields have the core's defaults (`SyncConfig(serverUrl = url)` in Kotlin,
/// `SyncConfig(serverUrl: url)` in Swift).
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct SyncConfig {
    /// The server's base URL ("https://ringfence.example.org"); http or https.
    pub server_url: String,
    /// The server's public key (64 hex digits, what `ringfence-server pubkey` prints) to
    /// pin. `null`/`nil`: trust the key the server offers on the first sync and pin it;
    /// afterwards a different key is refused with `KeyChanged`. A key given here that
    /// differs from the stored pin replaces it (the community copy starts over).
    #[uniffi(default = None)]
    pub key: Option<String>,
    /// The whole call (`sync`, `lookupOnline`), first connection to last byte, retries
    /// included, in milliseconds: it ends by then whatever the server does. Give
    /// `lookupOnline` a short one (1000-2000) inside a call-screening budget.
    #[uniffi(default = 300000)]
    pub timeout_ms: u32,
    /// One request, within `timeoutMs`, in milliseconds.
    #[uniffi(default = 120000)]
    pub request_timeout_ms: u32,
    /// Tries per request on network errors, 5xx and 429 (`lookupOnline` always tries once).
    #[uniffi(default = 4)]
    pub attempts: u32,
    /// First wait between tries, in milliseconds; it doubles each time.
    #[uniffi(default = 500)]
    pub backoff_ms: u32,
    /// Largest snapshot or delta file accepted, in bytes (`PayloadTooLarge` beyond).
    #[uniffi(default = 268435456)]
    pub max_download_bytes: u64,
}

impl SyncConfig {
    /// The core's config; `BadServerUrl`, `BadKey`, or `InvalidArgument` for a zero
    /// timeout, try count or size.
    pub(crate) fn to_core(&self) -> Result<core::SyncConfig, RingfenceError> {
        let ms = |v: u32| Duration::from_millis(u64::from(v));
        at_least_one("timeoutMs", self.timeout_ms.into())?;
        at_least_one("requestTimeoutMs", self.request_timeout_ms.into())?;
        at_least_one("attempts", self.attempts.into())?;
        at_least_one("maxDownloadBytes", self.max_download_bytes)?;
        let mut c = core::SyncConfig::new(&self.server_url)?;
        if let Some(key) = &self.key {
            c = c.with_key(key)?;
        }
        c.timeout = ms(self.timeout_ms);
        c.request_timeout = ms(self.request_timeout_ms).min(c.timeout);
        c.attempts = self.attempts;
        c.backoff = ms(self.backoff_ms);
        c.max_download_bytes = self.max_download_bytes;
        Ok(c)
    }
}

fn at_least_one(argument: &str, value: u64) -> Result<(), RingfenceError> {
    if value == 0 {
        return Err(RingfenceError::InvalidArgument {
            argument: argument.to_string(),
            details: "must be at least 1".into(),
        });
    }
    Ok(())
}

/// What a sync is doing, for a progress bar.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum SyncProgress {
    /// Reports uploaded so far, of the `total` pending when the sync started.
    Uploading { sent: u64, total: u64 },
    /// Bytes of one file received so far; `total` when the server said.
    Downloading { what: String, received: u64, total: Option<u64> },
    /// `entries` numbers are being written to the local database.
    Applying { entries: u64 },
}

impl From<core::SyncProgress> for SyncProgress {
    fn from(p: core::SyncProgress) -> Self {
        match p {
            core::SyncProgress::Uploading { sent, total } => SyncProgress::Uploading { sent, total },
            core::SyncProgress::Downloading { what, received, total } => {
                SyncProgress::Downloading { what, received, total }
            }
            core::SyncProgress::Applying { entries } => SyncProgress::Applying { entries },
        }
    }
}

/// Receives a sync's progress. Implemented by the app (a Kotlin interface, a Swift
/// protocol whose implementations must be `Sendable`). Called on the thread that called
/// `sync`, while the sync goes on (it does not wait for the listener); return quickly
/// (post to the UI thread, update a notification). It may call the same `Screener` (a
/// `sync` or an import waits for the running sync). An exception thrown here ends the
/// progress calls and makes `sync` raise `Internal` once the sync has finished.
#[uniffi::export(callback_interface)]
pub trait SyncListener: Send + Sync {
    fn on_progress(&self, progress: SyncProgress);
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct SyncSummary {
    /// Reports the server acknowledged (counted now or before); gone from the outbox.
    pub uploaded: u64,
    /// Of `uploaded`, the reports the server had counted before (sent again after a lost
    /// answer).
    pub duplicates: u64,
    /// Reports the server will never accept (it named them: not a number it can read,
    /// say); taken out of the outbox, their local effect stays.
    pub rejected: u64,
    /// The community version before and after (equal: already up to date).
    pub from_version: u64,
    pub to_version: u64,
    /// A full snapshot replaced the local copy (first sync, or far behind).
    pub snapshot: bool,
    /// Delta files applied.
    pub deltas: u64,
    /// Numbers added or changed.
    pub upserted: u64,
    /// Numbers removed.
    pub deleted: u64,
    pub bytes_downloaded: u64,
    /// The server key this sync pinned (first sync, or a new key in the config), hex.
    pub pinned_key: Option<String>,
    /// When the server made the data this sync applied, Unix seconds.
    pub server_data_at: i64,
    /// The server's data is older than 3 days: tell the user the spam list is out of
    /// date (its publisher stopped, or a mirror serves an old copy).
    pub stale: bool,
}

impl From<core::SyncSummary> for SyncSummary {
    fn from(s: core::SyncSummary) -> Self {
        SyncSummary {
            uploaded: s.uploaded,
            duplicates: s.duplicates,
            rejected: s.rejected,
            from_version: s.from_version,
            to_version: s.to_version,
            snapshot: s.snapshot,
            deltas: s.deltas,
            upserted: s.upserted,
            deleted: s.deleted,
            bytes_downloaded: s.bytes_downloaded,
            pinned_key: s.pinned_key,
            server_data_at: s.server_data_at,
            stale: s.stale,
        }
    }
}

/// This device's sync state, as stored in its database.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct SyncState {
    /// The community version this device has (0: never synced).
    pub version: u64,
    /// The pinned server key, hex (`null`/`nil`: none pinned yet).
    pub pinned_key: Option<String>,
    /// When community data was last applied, Unix seconds (`null`/`nil`: never).
    pub last_sync_at: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> SyncConfig {
        SyncConfig {
            server_url: url.into(),
            key: None,
            timeout_ms: 300_000,
            request_timeout_ms: 120_000,
            attempts: 4,
            backoff_ms: 500,
            max_download_bytes: 256 << 20,
        }
    }

    /// The record's defaults (literals, for the generated code) are the core's.
    #[test]
    fn defaults_are_the_cores() {
        let ours = config("https://x.example").to_core().unwrap();
        let core = core::SyncConfig::new("https://x.example").unwrap();
        assert_eq!(format!("{ours:?}"), format!("{core:?}"));
        // And the literals in the attributes match these (checked by reading the source,
        // since the defaults exist only in the generated Kotlin and Swift).
        let src = include_str!("sync.rs");
        for (field, value) in [
            ("timeout_ms", "300000"),
            ("request_timeout_ms", "120000"),
            ("attempts", "4"),
            ("backoff_ms", "500"),
            ("max_download_bytes", "268435456"),
        ] {
            let want = format!("#[uniffi(default = {value})]\n    pub {field}:");
            assert!(src.contains(&want), "{field}: default is not {value}");
        }
    }

    #[test]
    fn bad_configs_are_typed_errors() {
        assert!(matches!(config("ftp://x").to_core(), Err(RingfenceError::BadServerUrl { .. })));
        assert!(matches!(config("not a url").to_core(), Err(RingfenceError::BadServerUrl { .. })));
        let bad_key = SyncConfig { key: Some("xyz".into()), ..config("https://x.example") };
        assert!(matches!(bad_key.to_core(), Err(RingfenceError::BadKey { key }) if key == "xyz"));
        let zero = SyncConfig { attempts: 0, ..config("https://x.example") };
        assert!(
            matches!(zero.to_core(), Err(RingfenceError::InvalidArgument { argument, .. }) if argument == "attempts")
        );
        let zero = SyncConfig { request_timeout_ms: 0, ..config("https://x.example") };
        assert!(
            matches!(zero.to_core(), Err(RingfenceError::InvalidArgument { argument, .. }) if argument == "requestTimeoutMs")
        );
        let short = SyncConfig { timeout_ms: 250, ..config("http://127.0.0.1:9/") }.to_core().unwrap();
        assert_eq!((short.timeout, short.request_timeout), (Duration::from_millis(250), Duration::from_millis(250)));
    }
}
