//! Publication: every few seconds, turn new votes (and lapsed listings) into the next
//! version: a signed delta, now and then a full snapshot, then the manifest.
//!
//! Order matters for crash safety: files for version v are written (to a temporary
//! name, then renamed) before v is committed in the database, and the manifest, the
//! only file that names the latest version, is replaced last. A crash in between leaves
//! files no manifest points to; the next run writes version v again.

use crate::db::Db;
use crate::error::{FileError, PublishError};
use crate::rules::Rules;
use crate::storage::{Changes, Listed};
use ringfence_core::wire::{self, Entry, Header, Kind, Manifest, Payload, SigningKey};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// What the operator chose for publication (the flags).
#[derive(Clone, Debug)]
pub struct Settings {
    /// Where snapshots, deltas and the manifest are written (served under /v1/data).
    pub dir: PathBuf,
    pub rules: Rules,
    /// A full snapshot every this many versions (and at version 1).
    pub snapshot_every: u64,
}

/// The versions, their files and the manifest.
pub struct Publisher {
    db: Arc<Db>,
    /// Signs every file.
    key: SigningKey,
    /// The lookup hash's salt, named in the manifest (`secrets.rs`).
    salt: Vec<u8>,
    settings: Settings,
    /// The oldest version from which every delta up to the latest is on disk (0: none).
    /// Found at start-up, so the manifest only ever names files that exist; moved
    /// forward by retention (`retention.rs`, through `stop_naming_deltas_below`).
    oldest_delta: AtomicU64,
}

#[derive(Debug)]
pub struct Published {
    pub version: u64,
    pub upserts: usize,
    pub deletions: usize,
    pub snapshot: bool,
}

type Result<T> = std::result::Result<T, PublishError>;

impl Publisher {
    /// A publisher over `db`; nothing is read or written before `start`.
    pub fn new(db: Arc<Db>, key: SigningKey, salt: Vec<u8>, settings: Settings) -> Publisher {
        Publisher { db, key, salt, settings, oldest_delta: AtomicU64::new(0) }
    }

    /// The database it publishes from.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The directory the files are written to.
    pub fn dir(&self) -> &Path {
        &self.settings.dir
    }

    /// The oldest version whose delta the manifest names (0: none).
    pub fn oldest_delta(&self) -> u64 {
        self.oldest_delta.load(Ordering::SeqCst)
    }

    /// The version of the snapshot the manifest names, if any.
    pub fn named_snapshot(&self) -> Result<Option<u64>> {
        Ok(self.db.writer().meta("snapshot_version")?.and_then(|v| v.parse::<u64>().ok()))
    }

    /// Stops naming the deltas below `version` (retention deletes their files a run
    /// later) and writes the manifest.
    pub fn stop_naming_deltas_below(&self, version: u64, now: i64) -> Result<()> {
        self.oldest_delta.store(version, Ordering::SeqCst);
        self.write_manifest(now)
    }

    /// The key that signs the files, the manifest and the answers to report batches.
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    fn header(&self, kind: Kind, version: u64, base_version: u64, now: i64) -> Header {
        Header {
            kind,
            key_id: wire::key_id(&self.key.verifying_key()),
            version,
            base_version,
            created_at: now,
            half_life_secs: self.settings.rules.half_life_secs.min(f64::from(u32::MAX)) as u32,
            entries: 0,
            deletions: 0,
        }
    }

    fn entries(listed: &[Listed]) -> Vec<Entry> {
        listed
            .iter()
            .map(|l| Entry {
                key: l.number,
                category: l.listing.category,
                score: l.listing.score,
                last_activity: l.listing.last_activity,
                disputed: l.disputed,
            })
            .collect()
    }

    /// Publishes the next version if anything changed. Returns what it published.
    pub fn publish(&self, now: i64) -> Result<Option<Published>> {
        let changes: Changes = self.db.reader().pending_changes(now, &self.settings.rules)?;
        if changes.is_empty() {
            if changes.dirty_upto > 0 || !changes.expiry_updates.is_empty() {
                // Votes that changed nothing visible: done with them.
                self.db.writer().settle(&changes)?;
            }
            // A fresh signed time even when nothing changed: phones tell a live server
            // from a frozen copy by it (`SyncSummary::stale`).
            self.write_manifest(now)?;
            return Ok(None);
        }
        let version = self.db.writer().latest_version()? + 1;
        let delta = Payload {
            header: self.header(Kind::Delta, version, version - 1, now),
            entries: Self::entries(&changes.upserts),
            deletions: changes.deletions.clone(),
        };
        let bytes = wire::encode(&delta, &self.key)?;
        write_atomically(&self.dir().join(wire::delta_path(version)), &bytes)?;
        self.db.writer().mark_published(version, &changes, now, &self.salt)?;
        let _ = self.oldest_delta.compare_exchange(0, version, Ordering::SeqCst, Ordering::SeqCst);
        let snapshot = version == 1 || version % self.settings.snapshot_every.max(1) == 0;
        if snapshot {
            self.write_snapshot(version, now)?;
        }
        self.write_manifest(now)?;
        Ok(Some(Published { version, upserts: changes.upserts.len(), deletions: changes.deletions.len(), snapshot }))
    }

    /// Writes the snapshot of `version` (the latest) and makes it the named one.
    pub fn write_snapshot(&self, version: u64, now: i64) -> Result<()> {
        let listed = self.db.reader().listed()?;
        let p = Payload {
            header: self.header(Kind::Snapshot, version, 0, now),
            entries: Self::entries(&listed),
            deletions: vec![],
        };
        let bytes = wire::encode(&p, &self.key)?;
        write_atomically(&self.dir().join(wire::snapshot_path(version)), &bytes)?;
        Ok(self.db.writer().set_meta("snapshot_version", &version.to_string())?)
    }

    /// At start-up: finds the unbroken run of delta files that ends at the latest
    /// version (a publish directory restored from a backup, or a new one, may lack some),
    /// makes sure a snapshot of the latest version exists if none does, and writes the
    /// manifest.
    pub fn start(&self, now: i64) -> Result<()> {
        self.requeue_if_range_rules_changed()?;
        let latest = self.db.writer().latest_version()?;
        let mut oldest = 0;
        let mut v = latest;
        while v >= 1 && self.dir().join(wire::delta_path(v)).is_file() {
            oldest = v;
            v -= 1;
        }
        self.oldest_delta.store(oldest, Ordering::SeqCst);
        self.write_manifest(now)
    }

    /// Ranges are recomputed only in blocks whose numbers change (`storage::changes`): when
    /// the range rules differ from the ones the listing was published with (a database
    /// from before ranges, or new flags), every listed number is queued once, so that the
    /// next publication brings every block up to the new rules.
    fn requeue_if_range_rules_changed(&self) -> Result<()> {
        let ranges = self.settings.rules.ranges;
        let rules = format!("{}/{}", ranges.min10, ranges.min100);
        let mut s = self.db.writer();
        if s.meta("range_rules")?.as_deref() != Some(rules.as_str()) {
            s.requeue_published()?;
            s.set_meta("range_rules", &rules)?;
        }
        Ok(())
    }

    /// Writes the manifest for the current state, first writing a snapshot of the
    /// latest version if there is none.
    fn write_manifest(&self, now: i64) -> Result<()> {
        let latest = self.db.writer().latest_version()?;
        let mut snapshot = self.named_snapshot()?;
        let snapshot_missing = |v: u64| !self.dir().join(wire::snapshot_path(v)).is_file();
        if latest > 0 && snapshot.is_none_or(snapshot_missing) {
            self.write_snapshot(latest, now)?;
            snapshot = Some(latest);
        }
        let m = Manifest {
            format: wire::FORMAT_VERSION,
            latest,
            snapshot: snapshot.map(|v| wire::FileRef { version: v, path: wire::snapshot_path(v) }),
            oldest_delta: Some(self.oldest_delta.load(Ordering::SeqCst)).filter(|v| *v > 0),
            delta_path: wire::DELTA_PATH.into(),
            lookup_salt: wire::hex(&self.salt),
            key: wire::hex(self.key.verifying_key().as_bytes()),
            key_id: wire::hex(&wire::key_id(&self.key.verifying_key())),
            created_at: now,
            half_life_secs: self.settings.rules.half_life_secs.min(f64::from(u32::MAX)) as u32,
        };
        Ok(write_atomically(&self.dir().join("manifest.json"), &wire::sign_manifest(&m, &self.key))?)
    }

    /// The signed answer to a private lookup.
    pub fn bucket(&self, bucket: u16, now: i64) -> Result<Vec<u8>> {
        let (rows, version) = {
            let mut s = self.db.reader();
            (s.bucket(bucket)?, s.latest_version()?)
        };
        let mut entries: Vec<Entry> = rows
            .into_iter()
            .map(|(tag, l, disputed)| Entry {
                key: tag,
                category: l.category,
                score: l.score,
                last_activity: l.last_activity,
                disputed,
            })
            .collect();
        entries.dedup_by_key(|e| e.key);
        let p =
            Payload { header: self.header(Kind::Bucket, version, u64::from(bucket), now), entries, deletions: vec![] };
        Ok(wire::encode(&p, &self.key)?)
    }
}

/// Writes `bytes` to `path` so that readers see the old file or the new one, whole.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::result::Result<(), FileError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(FileError::at(path))?;
    }
    let tmp = path.with_extension("tmp");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp).map_err(FileError::at(path))?;
        f.write_all(bytes).map_err(FileError::at(path))?;
        f.sync_all().map_err(FileError::at(path))?;
    }
    std::fs::rename(&tmp, path).map_err(FileError::at(path))
}
