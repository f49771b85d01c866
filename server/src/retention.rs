//! Retention: what the server deletes so that its storage stays bounded while it
//! publishes every few seconds for years: delta files older than `--keep-deltas-days`
//! (once a snapshot covers them), snapshots but the newest two, idempotency keys older
//! than `--keep-keys-days`, and the `versions` rows of pruned deltas.
//!
//! Deltas go in two steps, one run apart. A run first deletes the delta files the
//! manifest stopped naming at the run before, then moves `oldest_delta` forward and
//! writes the manifest, so a manifest never names a missing file, whatever the point a
//! crash stops at. Deleting a run later, not at once, gives phones that fetched the
//! previous manifest moments before a whole run interval (an hour by default) to
//! download what it named. After a restart the start-up scan (`Publisher::start`) names
//! the not yet deleted files again, so the grace holds across restarts too.
//!
//! Runs come from the publishing loop (`main.rs`), after a publication, never at the
//! same time as one: once at start and then at most every `every_secs`. Database
//! deletions go in small batches, each its own short transaction, so reports wait for
//! one batch at most. Retention works through the publisher's API (what the manifest
//! names) and the database; the publisher knows nothing of it.

use crate::error::{FileError, PublishError};
use crate::publish::Publisher;
use ringfence_core::wire;
use std::sync::atomic::{AtomicI64, Ordering};

/// Rows deleted per transaction.
const BATCH: u32 = 2_000;
/// Batches per run and table at most (20 million rows): a run always ends; a backlog
/// larger than that goes over the following runs.
const MAX_BATCHES: u32 = 10_000;
/// `last_run` before the first run.
const NEVER: i64 = i64::MIN;
/// Meta key: delta files below this version are deleted already (so a run does not try
/// every version from 1 again).
const DELETED_BELOW: &str = "deltas_deleted_below";

pub struct Retention {
    /// Delta files of versions published longer ago than this are deleted (0: never).
    pub keep_deltas_secs: i64,
    /// Idempotency keys older than this are deleted (0: never).
    pub keep_keys_secs: i64,
    /// Seconds between runs at least; also the grace period of an unnamed delta file.
    pub every_secs: i64,
    last_run: AtomicI64,
}

impl Retention {
    pub fn new(keep_deltas_secs: i64, keep_keys_secs: i64, every_secs: i64) -> Retention {
        Retention {
            keep_deltas_secs: keep_deltas_secs.max(0),
            keep_keys_secs: keep_keys_secs.max(0),
            every_secs: every_secs.max(0),
            last_run: AtomicI64::new(NEVER),
        }
    }
}

impl Default for Retention {
    /// The server's defaults: deltas 30 days, keys 90 days, a run an hour.
    fn default() -> Retention {
        Retention::new(30 * 86_400, 90 * 86_400, 3_600)
    }
}

/// What a run deleted.
#[derive(Debug, Default, PartialEq)]
pub struct Pruned {
    pub deltas: u64,
    pub snapshots: u64,
    pub keys: u64,
    pub versions: u64,
    /// `oldest_delta` as the manifest names it after the run (0: no deltas).
    pub oldest_delta: u64,
}

impl Pruned {
    pub fn is_empty(&self) -> bool {
        self.deltas + self.snapshots + self.keys + self.versions == 0
    }
}

impl Retention {
    /// Runs `prune` if the last run was at least `every_secs` ago (or there was none).
    pub fn prune_if_due(&self, p: &Publisher, now: i64) -> Result<Option<Pruned>, PublishError> {
        let last = self.last_run.load(Ordering::SeqCst);
        if last != NEVER && now.saturating_sub(last) < self.every_secs {
            return Ok(None);
        }
        // Stored first: a failing run is retried at the next interval, not every tick.
        self.last_run.store(now, Ordering::SeqCst);
        self.prune(p, now).map(Some)
    }

    /// One retention run at `now` (see the module's notes for the order).
    pub fn prune(&self, p: &Publisher, now: i64) -> Result<Pruned, PublishError> {
        let mut pruned = Pruned::default();
        if self.keep_deltas_secs > 0 {
            pruned.deltas = delete_unnamed_deltas(p)?;
            let upto = self.advance_oldest_delta(p, now)?;
            pruned.versions = batches(|| p.db().writer().prune_versions(upto, BATCH))?;
        }
        pruned.snapshots = delete_old_snapshots(p)?;
        if self.keep_keys_secs > 0 {
            let before = now.saturating_sub(self.keep_keys_secs);
            pruned.keys = batches(|| p.db().writer().prune_seen(before, BATCH))?;
        }
        pruned.oldest_delta = p.oldest_delta();
        Ok(pruned)
    }

    /// Moves `oldest_delta` past the versions published more than `keep_deltas_secs`
    /// ago that the named snapshot covers (a phone older than that takes the snapshot),
    /// and writes the manifest. Returns the last version no longer named (0: none).
    fn advance_oldest_delta(&self, p: &Publisher, now: i64) -> Result<u64, PublishError> {
        let oldest = p.oldest_delta();
        if oldest == 0 {
            return Ok(0);
        }
        let old = p.db().reader().version_at(now.saturating_sub(self.keep_deltas_secs))?;
        let snapshot = p.named_snapshot()?.unwrap_or(0);
        let upto = old.min(snapshot);
        if upto >= oldest {
            p.stop_naming_deltas_below(upto + 1, now)?;
        }
        Ok(upto)
    }
}

/// Deletes the delta files below the `oldest_delta` the manifest names now (set by the
/// previous run, or found at start-up), oldest first.
fn delete_unnamed_deltas(p: &Publisher) -> Result<u64, PublishError> {
    let latest = p.db().writer().latest_version()?;
    let oldest = p.oldest_delta();
    // No delta named at all: none of the files (those of a broken run) is reachable.
    let named_from = if oldest > 0 { oldest } else { latest.saturating_add(1) };
    let from = p.db().writer().meta(DELETED_BELOW)?.and_then(|v| v.parse::<u64>().ok()).unwrap_or(1);
    let mut deleted = 0;
    for v in from.max(1)..named_from {
        deleted += remove(&p.dir().join(wire::delta_path(v)))?;
    }
    // Lowered too when files below the mark are named again (a publish directory
    // restored from a backup), so that they are deleted once unnamed.
    if named_from != from {
        p.db().writer().set_meta(DELETED_BELOW, &named_from.to_string())?;
    }
    Ok(deleted)
}

/// Deletes the snapshot files older than the named one but its predecessor (a phone
/// that read the previous manifest may still be downloading that). Files newer than the
/// named one are left: a crash between writing one and naming it leaves such a file, and
/// the next snapshot of that version replaces it.
fn delete_old_snapshots(p: &Publisher) -> Result<u64, PublishError> {
    let Some(named) = p.named_snapshot()? else { return Ok(0) };
    let dir = p.dir().join(wire::snapshot_path(0)).parent().map(|d| d.to_path_buf()).unwrap_or_default();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(FileError::at(&dir)(e).into()),
    };
    let mut older: Vec<u64> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".rfs")?.parse::<u64>().ok()))
        .filter(|v| *v < named)
        .collect();
    older.sort_unstable();
    older.pop(); // the previous snapshot stays
    let mut deleted = 0;
    for v in older {
        deleted += remove(&p.dir().join(wire::snapshot_path(v)))?;
    }
    Ok(deleted)
}

/// Deletes a file; 1 if it did, 0 if there was none.
fn remove(path: &std::path::Path) -> Result<u64, FileError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(1),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(FileError::at(path)(e)),
    }
}

/// Runs `batch` (which takes and releases the storage lock) until it deletes less than
/// a whole batch, pausing between batches so that waiting report writes get the lock.
fn batches(mut batch: impl FnMut() -> crate::storage::Result<u64>) -> Result<u64, PublishError> {
    let mut total = 0;
    for _ in 0..MAX_BATCHES {
        let n = batch()?;
        total += n;
        if n < u64::from(BATCH) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use crate::publish::Settings;
    use crate::rules::Rules;
    use crate::storage::{tests::report, Sqlite, Storage};
    use std::path::Path;
    use std::sync::Arc;

    /// A publisher and its retention, on a fresh (or the same, again) database in `dir`.
    struct P {
        publisher: Publisher,
        retention: Retention,
    }

    impl std::ops::Deref for P {
        type Target = Publisher;
        fn deref(&self) -> &Publisher {
            &self.publisher
        }
    }

    impl P {
        fn prune_if_due(&self, now: i64) -> Result<Option<Pruned>, PublishError> {
            self.retention.prune_if_due(&self.publisher, now)
        }

        fn prune(&self, now: i64) -> Result<Pruned, PublishError> {
            self.retention.prune(&self.publisher, now)
        }

        fn storage(&self) -> std::sync::MutexGuard<'_, Box<dyn Storage>> {
            self.publisher.db().writer()
        }
    }

    fn publisher(dir: &Path, retention: Retention) -> P {
        let open = || -> Box<dyn Storage> { Box::new(Sqlite::open(&dir.join("server.db")).unwrap()) };
        let settings = Settings {
            dir: dir.join("publish"),
            rules: Rules {
                min_reporters: 1,
                list_threshold: 1.0,
                min_confidence: 0.0,
                half_life_secs: 0.0,
                ..Rules::default()
            },
            snapshot_every: 5,
        };
        let db = Arc::new(Db::new(open(), open()));
        let publisher = Publisher::new(db, wire::SigningKey::from_bytes(&[7; 32]), b"salt".to_vec(), settings);
        P { publisher, retention }
    }

    fn manifest(p: &Publisher) -> wire::Manifest {
        let bytes = std::fs::read(p.dir().join("manifest.json")).unwrap();
        wire::open_manifest(&bytes, Some(&p.key().verifying_key())).unwrap().0
    }

    /// Every file the manifest names exists.
    fn names_only_files_that_exist(p: &Publisher) -> wire::Manifest {
        let m = manifest(p);
        let snapshot = m.snapshot.as_ref().expect("a snapshot");
        assert!(p.dir().join(&snapshot.path).is_file(), "{m:?}");
        if let Some(o) = m.oldest_delta {
            for v in o..=m.latest {
                assert!(p.dir().join(wire::delta_path(v)).is_file(), "delta {v} is named: {m:?}");
            }
        }
        m
    }

    fn files(p: &Publisher, sub: &str) -> Vec<u64> {
        let mut v: Vec<u64> = std::fs::read_dir(p.dir().join(sub))
            .unwrap()
            .filter_map(|e| e.unwrap().file_name().to_str()?.split('.').next()?.parse().ok())
            .collect();
        v.sort_unstable();
        v
    }

    /// Versions 1 to 30 published at T + 10 s each, from one new device's key each.
    fn publish_thirty(p: &P, t: i64) {
        p.start(t).unwrap();
        for i in 1..=30u64 {
            let at = t + 10 * i as i64;
            let number = 15551230000 + i;
            p.storage()
                .record(&format!("d{i}"), i as i64, &[report(&format!("key-{i:04}"), number, true)], at)
                .unwrap();
            assert_eq!(p.publish(at).unwrap().map(|x| x.version), Some(i));
        }
    }

    #[test]
    fn old_deltas_snapshots_and_keys_go_and_the_manifest_names_only_files_that_exist() {
        let dir = tempfile::tempdir().unwrap();
        let t = 1_000_000;
        let p = publisher(dir.path(), Retention::new(100, 150, 60));
        publish_thirty(&p, t);
        assert_eq!(files(&p, "deltas"), (1..=30).collect::<Vec<_>>());
        assert_eq!(files(&p, "snapshots"), vec![1, 5, 10, 15, 20, 25, 30]);
        assert_eq!(names_only_files_that_exist(&p).oldest_delta, Some(1));

        // At T + 300: versions 1 to 20 are 100 s old or older, and the snapshot of 30
        // covers them. The manifest stops naming their deltas; the files stay a run.
        let now = t + 300;
        let first = p.prune_if_due(now).unwrap().expect("the first run is due at once");
        assert_eq!(
            first,
            Pruned { deltas: 0, snapshots: 5, keys: 14, versions: 19, oldest_delta: 21 },
            "keys before T + 150: those of versions 1 to 14"
        );
        let m = names_only_files_that_exist(&p);
        assert_eq!((m.latest, m.oldest_delta, m.snapshot.map(|s| s.version)), (30, Some(21), Some(30)));
        assert_eq!(files(&p, "snapshots"), vec![25, 30], "the newest and the one before");
        assert_eq!(files(&p, "deltas").len(), 30, "a phone may still be fetching what the old manifest named");
        assert_eq!(p.prune_if_due(now + 59).unwrap(), None, "at most a run a minute here");

        // The next run, at T + 360, deletes them, and names no more the deltas up to 26
        // (keys: those of versions 15 to 20 are old enough now).
        let second = p.prune_if_due(now + 60).unwrap().expect("due");
        assert_eq!(second, Pruned { deltas: 20, snapshots: 0, keys: 6, versions: 6, oldest_delta: 27 });
        assert_eq!(files(&p, "deltas"), (21..=30).collect::<Vec<_>>());
        assert_eq!(names_only_files_that_exist(&p).oldest_delta, Some(27));

        // A key that is gone counts again, as the same vote; a kept one is a duplicate.
        let mut s = p.storage();
        assert_eq!(s.record("d1", 1, &[report("key-0001", 15551230001, true)], now + 61).unwrap(), (1, 0));
        assert_eq!(s.record("d25", 25, &[report("key-0025", 15551230025, true)], now + 61).unwrap(), (0, 1));
    }

    #[test]
    fn deltas_go_only_as_far_as_the_snapshot_and_a_restart_keeps_the_grace() {
        let dir = tempfile::tempdir().unwrap();
        let t = 1_000_000;
        // Versions published at T + 10 .. T + 300, snapshots every five; everything old.
        let p = publisher(dir.path(), Retention::new(1, 0, 3_600));
        publish_thirty(&p, t);
        // Version 31 from a new vote, no snapshot: the deltas of 31 must stay.
        p.storage().record("late", 99, &[report("key-late", 15551239999, true)], t + 310).unwrap();
        assert_eq!(p.publish(t + 310).unwrap().map(|x| (x.version, x.snapshot)), Some((31, false)));
        let first = p.prune(t + 10_000).unwrap();
        assert_eq!((first.oldest_delta, first.keys), (31, 0), "the snapshot of 30 covers up to 30");
        let m = names_only_files_that_exist(&p);
        assert_eq!((m.oldest_delta, m.snapshot.map(|s| s.version)), (Some(31), Some(30)));

        // A restart before the next run: the files are still there, and named again.
        let p = publisher(dir.path(), Retention::new(1, 0, 3_600));
        p.start(t + 10_001).unwrap();
        assert_eq!(names_only_files_that_exist(&p).oldest_delta, Some(1));
        // Its first run names them no more, and leaves them for one more interval.
        assert_eq!(p.prune_if_due(t + 10_002).unwrap().map(|x| (x.deltas, x.oldest_delta)), Some((0, 31)));
        assert_eq!(files(&p, "deltas").len(), 31);
        assert_eq!(p.prune_if_due(t + 10_002 + 3_600).unwrap().map(|x| (x.deltas, x.oldest_delta)), Some((30, 31)));
        assert_eq!(files(&p, "deltas"), vec![31]);
        names_only_files_that_exist(&p);

        // Snapshot and latest delta of the same version: every delta may go; the manifest
        // then names none older than the next version, whose delta comes with it.
        p.storage().record("later", 98, &[report("key-later", 15551239998, true)], t + 20_000).unwrap();
        let v = p.publish(t + 20_000).unwrap().unwrap();
        assert_eq!((v.version, v.snapshot), (32, false));
        p.write_snapshot(32, t + 20_000).unwrap();
        p.prune(t + 30_000).unwrap();
        p.prune(t + 30_000).unwrap();
        let m = names_only_files_that_exist(&p);
        assert_eq!((m.latest, m.oldest_delta, m.snapshot.map(|s| s.version)), (32, Some(33), Some(32)));
        assert!(files(&p, "deltas").is_empty());
        p.storage().record("later", 98, &[report("key-later3", 15551239996, true)], t + 30_001).unwrap();
        assert_eq!(p.publish(t + 30_001).unwrap().map(|x| x.version), Some(33));
        let m = names_only_files_that_exist(&p);
        assert_eq!((m.latest, m.oldest_delta), (33, Some(33)));
    }

    #[test]
    fn deltas_restored_from_a_backup_are_pruned_again() {
        let dir = tempfile::tempdir().unwrap();
        let t = 1_000_000;
        let p = publisher(dir.path(), Retention::new(1, 0, 0));
        publish_thirty(&p, t);
        let backup = tempfile::tempdir().unwrap();
        for v in 1..=30 {
            std::fs::copy(p.dir().join(wire::delta_path(v)), backup.path().join(v.to_string())).unwrap();
        }
        p.prune(t + 10_000).unwrap();
        assert_eq!(p.prune(t + 10_000).unwrap().deltas, 30, "the snapshot is of the latest: every delta goes");
        assert!(files(&p, "deltas").is_empty());
        for v in 1..=30 {
            std::fs::copy(backup.path().join(v.to_string()), p.dir().join(wire::delta_path(v))).unwrap();
        }
        let p = publisher(dir.path(), Retention::new(1, 0, 0));
        p.start(t + 10_001).unwrap();
        assert_eq!(names_only_files_that_exist(&p).oldest_delta, Some(1), "named again");
        assert_eq!(p.prune(t + 10_002).unwrap().deltas, 0);
        assert_eq!(p.prune(t + 10_003).unwrap().deltas, 30);
        assert!(files(&p, "deltas").is_empty());
        names_only_files_that_exist(&p);
    }

    #[test]
    fn zero_keeps_deltas_and_keys_forever() {
        let dir = tempfile::tempdir().unwrap();
        let p = publisher(dir.path(), Retention::new(0, 0, 0));
        publish_thirty(&p, 1_000_000);
        let run = p.prune(2_000_000_000).unwrap();
        assert_eq!(run, Pruned { snapshots: 5, oldest_delta: 1, ..Pruned::default() }, "old snapshots still go");
        assert_eq!(files(&p, "deltas").len(), 30);
        assert_eq!(names_only_files_that_exist(&p).oldest_delta, Some(1));
    }
}
