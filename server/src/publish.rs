//! Publication: every few seconds, turn new votes (and lapsed listings) into the next
//! version: a signed delta, now and then a full snapshot, then the manifest.
//!
//! Order matters for crash safety: files for version v are written (to a temporary
//! name, then renamed) before v is committed in the database, and the manifest, the
//! only file that names the latest version, is replaced last. A crash in between leaves
//! files no manifest points to; the next run writes version v again.

use crate::aggregate::Rules;
use crate::storage::{Changes, Listed, Storage};
use ringfence_core::wire::{self, Entry, Header, Kind, Manifest, Payload, SigningKey};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

pub struct Publisher {
    /// Where reports are recorded and versions committed.
    pub storage: Arc<Mutex<Box<dyn Storage>>>,
    /// A second connection to the same database, for the long reads: re-aggregating the
    /// numbers voted on since the last version, snapshots, lookups, the health check. So
    /// that a publication does not hold up the reports arriving meanwhile (it used to,
    /// for as long as it read: the load test's p99). Reading on another connection is
    /// safe: a vote that arrives during the read re-queues its number behind the point
    /// the read covers (`Changes::dirty_upto`), and only the publisher writes `published`.
    pub reader: Arc<Mutex<Box<dyn Storage>>>,
    pub key: Arc<SigningKey>,
    pub dir: PathBuf,
    pub rules: Rules,
    /// A full snapshot every this many versions (and at version 1).
    pub snapshot_every: u64,
    pub salt: Vec<u8>,
    /// The oldest version from which every delta up to the latest is on disk (0: none).
    /// Found at start-up, so the manifest only ever names files that exist; moved
    /// forward by retention (`retention.rs`).
    pub oldest_delta: AtomicU64,
    /// What old files and keys are deleted, and when (`retention.rs`).
    pub retention: crate::retention::Retention,
}

#[derive(Debug)]
pub struct Published {
    pub version: u64,
    pub upserts: usize,
    pub deletions: usize,
    pub snapshot: bool,
}

type Result<T> = std::result::Result<T, String>;

pub(crate) fn db(e: crate::storage::StorageError) -> String {
    format!("database: {e}")
}

impl Publisher {
    pub(crate) fn storage(&self) -> std::sync::MutexGuard<'_, Box<dyn Storage>> {
        self.storage.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn reader(&self) -> std::sync::MutexGuard<'_, Box<dyn Storage>> {
        self.reader.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The latest published version, read without waiting for report writes.
    pub fn latest_version(&self) -> std::result::Result<u64, crate::storage::StorageError> {
        self.reader().latest_version()
    }

    fn header(&self, kind: Kind, version: u64, base_version: u64, now: i64) -> Header {
        Header {
            kind,
            key_id: wire::key_id(&self.key.verifying_key()),
            version,
            base_version,
            created_at: now,
            half_life_secs: self.rules.half_life_secs.min(f64::from(u32::MAX)) as u32,
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
            })
            .collect()
    }

    /// Publishes the next version if anything changed. Returns what it published.
    pub fn publish(&self, now: i64) -> Result<Option<Published>> {
        let changes: Changes = self.reader().pending_changes(now, &self.rules).map_err(db)?;
        if changes.is_empty() {
            if changes.dirty_upto > 0 || !changes.expiry_updates.is_empty() {
                // Votes that changed nothing visible: done with them.
                self.storage().settle(&changes).map_err(db)?;
            }
            return Ok(None);
        }
        let version = self.storage().latest_version().map_err(db)? + 1;
        let delta = Payload {
            header: self.header(Kind::Delta, version, version - 1, now),
            entries: Self::entries(&changes.upserts),
            deletions: changes.deletions.clone(),
        };
        let bytes = wire::encode(&delta, &self.key).map_err(|e| e.to_string())?;
        write_atomically(&self.dir.join(wire::delta_path(version)), &bytes)?;
        self.storage().mark_published(version, &changes, now, &self.salt).map_err(db)?;
        let _ = self.oldest_delta.compare_exchange(0, version, Ordering::SeqCst, Ordering::SeqCst);
        let snapshot = version == 1 || version % self.snapshot_every.max(1) == 0;
        if snapshot {
            self.write_snapshot(version, now)?;
        }
        self.write_manifest(now)?;
        Ok(Some(Published { version, upserts: changes.upserts.len(), deletions: changes.deletions.len(), snapshot }))
    }

    pub(crate) fn write_snapshot(&self, version: u64, now: i64) -> Result<()> {
        let listed = self.reader().listed().map_err(db)?;
        let p = Payload {
            header: self.header(Kind::Snapshot, version, 0, now),
            entries: Self::entries(&listed),
            deletions: vec![],
        };
        let bytes = wire::encode(&p, &self.key).map_err(|e| e.to_string())?;
        write_atomically(&self.dir.join(wire::snapshot_path(version)), &bytes)?;
        self.storage().set_meta("snapshot_version", &version.to_string()).map_err(db)
    }

    /// At start-up: finds the unbroken run of delta files that ends at the latest
    /// version (a publish directory restored from a backup, or a new one, may lack some),
    /// makes sure a snapshot of the latest version exists if none does, and writes the
    /// manifest.
    pub fn start(&self, now: i64) -> Result<()> {
        self.requeue_if_range_rules_changed()?;
        let latest = self.storage().latest_version().map_err(db)?;
        let mut oldest = 0;
        let mut v = latest;
        while v >= 1 && self.dir.join(wire::delta_path(v)).is_file() {
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
        let rules = format!("{}/{}", self.rules.ranges.min10, self.rules.ranges.min100);
        let mut s = self.storage();
        if s.meta("range_rules").map_err(db)?.as_deref() != Some(rules.as_str()) {
            s.requeue_published().map_err(db)?;
            s.set_meta("range_rules", &rules).map_err(db)?;
        }
        Ok(())
    }

    /// Writes the manifest for the current state, first writing a snapshot of the
    /// latest version if there is none.
    pub fn write_manifest(&self, now: i64) -> Result<()> {
        let (latest, mut snapshot) = {
            let mut s = self.storage();
            let latest = s.latest_version().map_err(db)?;
            let snap = s.meta("snapshot_version").map_err(db)?.and_then(|v| v.parse::<u64>().ok());
            (latest, snap)
        };
        let snapshot_missing = |v: u64| !self.dir.join(wire::snapshot_path(v)).is_file();
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
            half_life_secs: self.rules.half_life_secs.min(f64::from(u32::MAX)) as u32,
        };
        let json = serde_json::to_vec_pretty(&m).map_err(|e| e.to_string())?;
        write_atomically(&self.dir.join("manifest.json"), &json)
    }

    /// The signed answer to a private lookup.
    pub fn bucket(&self, bucket: u16, now: i64) -> Result<Vec<u8>> {
        let (rows, version) = {
            let mut s = self.reader();
            (s.bucket(bucket).map_err(db)?, s.latest_version().map_err(db)?)
        };
        let mut entries: Vec<Entry> = rows
            .into_iter()
            .map(|(tag, l)| Entry { key: tag, category: l.category, score: l.score, last_activity: l.last_activity })
            .collect();
        entries.dedup_by_key(|e| e.key);
        let p =
            Payload { header: self.header(Kind::Bucket, version, u64::from(bucket), now), entries, deletions: vec![] };
        wire::encode(&p, &self.key).map_err(|e| e.to_string())
    }
}

/// Writes `bytes` to `path` so that readers see the old file or the new one, whole.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let tmp = path.with_extension("tmp");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp).map_err(err)?;
        f.write_all(bytes).map_err(err)?;
        f.sync_all().map_err(err)?;
    }
    std::fs::rename(&tmp, path).map_err(err)
}
