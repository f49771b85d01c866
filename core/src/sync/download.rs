//! Bringing the community copy up to date: the signed manifest (key pinning and
//! freshness), the plan of files, their download and verification, and the one
//! transaction that applies them.

use super::fetch::{Expect, Fetcher};
use super::{SyncProgress, SyncSummary};
use crate::store::{now, set_meta, Store};
use crate::wire::{self, Kind, Manifest, Payload, SignedError, VerifyingKey};
use crate::{Cancel, Error, Result, Screener};
use rusqlite::params;
use std::time::Instant;

/// Which key to verify with, and whether the local copy still belongs to it.
pub(super) struct Trust {
    pub key: VerifyingKey,
    /// The pin changes with this sync (first use, or an explicit new key).
    pub newly_pinned: bool,
}

fn bad_manifest(why: impl std::fmt::Display) -> Error {
    Error::BadResponse { what: "manifest".into(), why: why.to_string() }
}

/// Opens a downloaded manifest with the pinned key (the configured one, else the stored
/// one; on first use the key it names), and refuses one older than the newest this
/// device accepted from that key.
pub(super) fn open_manifest(
    store: &Store,
    config_key: Option<VerifyingKey>,
    bytes: &[u8],
) -> Result<(Manifest, Trust)> {
    let stored = store.meta("sync.key")?.and_then(|k| wire::parse_public_key(&k));
    let pinned = config_key.or(stored);
    let (m, key) = wire::open_manifest(bytes, pinned.as_ref()).map_err(|e| {
        // A manifest that verifies under the key it names, but not under the pin: the
        // server's key changed (or someone else's server).
        let named = serde_json::from_slice::<wire::SignedManifest>(bytes)
            .ok()
            .and_then(|env| serde_json::from_str::<Manifest>(&env.manifest).ok())
            .map(|m| m.key.trim().to_ascii_lowercase());
        match (e, pinned, named) {
            (SignedError::BadSignature, Some(p), Some(offered)) if offered != wire::hex(p.as_bytes()) => {
                Error::KeyChanged { pinned: wire::hex(p.as_bytes()), offered }
            }
            (e, ..) => bad_manifest(format!("{e}; nothing was applied (a forged or unsigned manifest)")),
        }
    })?;
    if m.format != wire::FORMAT_VERSION {
        return Err(bad_manifest(format!(
            "format {} (this app reads {}); update the app",
            m.format,
            wire::FORMAT_VERSION
        )));
    }
    let trust = Trust { key, newly_pinned: stored != Some(key) };
    if !trust.newly_pinned {
        let newest: i64 = store.meta("sync.manifest_at")?.and_then(|v| v.parse().ok()).unwrap_or(i64::MIN);
        if m.created_at < newest {
            return Err(Error::ReplayRefused { what: "manifest".into(), made_at: m.created_at, newest });
        }
    }
    Ok((m, trust))
}

/// Versions from `from` (exclusive) to `to`: a snapshot to start from, then deltas.
pub(super) fn plan(
    manifest: &Manifest,
    local: u64,
    max_deltas: u64,
) -> Result<(Option<u64>, std::ops::RangeInclusive<u64>)> {
    let latest = manifest.latest;
    let deltas_from = |v: u64| manifest.oldest_delta.is_some_and(|o| o <= v + 1);
    if latest - local <= max_deltas && deltas_from(local) {
        return Ok((None, local + 1..=latest));
    }
    if let Some(s) = &manifest.snapshot {
        if s.version <= latest && (s.version == latest || deltas_from(s.version)) && s.version > 0 {
            return Ok((Some(s.version), s.version + 1..=latest));
        }
    }
    Err(bad_manifest(format!("it offers no way from version {local} to {latest} (no snapshot, deltas missing)")))
}

pub(super) fn decode(bytes: &[u8], trust: &Trust, limits: &wire::Limits, what: &str) -> Result<Payload> {
    wire::decode(bytes, &trust.key, limits).map_err(|source| Error::BadPayload { what: what.into(), source })
}

pub(super) fn mismatch(what: &str, why: String) -> Error {
    Error::BadResponse { what: what.into(), why: format!("{why} (a stale or forged manifest)") }
}

impl Screener {
    pub(super) fn fetch_manifest(
        &self,
        f: &Fetcher,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<(Manifest, Trust)> {
        let bytes = f.get("v1/data/manifest.json", f.config.max_small_bytes, Expect::Json, "the manifest", progress)?;
        open_manifest(self.store(), f.config.key, &bytes)
    }

    pub(super) fn download(
        &mut self,
        f: &Fetcher,
        manifest: &Manifest,
        trust: &Trust,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<SyncSummary> {
        let config = f.config;
        // A new pin starts from nothing: versions belong to a key.
        let local = if trust.newly_pinned { 0 } else { self.sync_version()? };
        let mut summary = SyncSummary { from_version: local, to_version: local, ..SyncSummary::default() };
        if trust.newly_pinned {
            summary.pinned_key = Some(wire::hex(trust.key.as_bytes()));
        }
        if manifest.latest < local {
            return Err(Error::RollbackRefused { local, offered: manifest.latest });
        }
        let mut payloads = Vec::new();
        if manifest.latest > local {
            let (snapshot, deltas) = plan(manifest, local, config.max_deltas)?;
            if let Some(v) = snapshot {
                let what = format!("snapshot {v}");
                let path = manifest.snapshot.as_ref().map(|s| s.path.clone()).unwrap_or_else(|| wire::snapshot_path(v));
                let expect = Expect::File(Kind::Snapshot, Some(v));
                let bytes = f.get(&format!("v1/data/{path}"), config.max_download_bytes, expect, &what, progress)?;
                summary.bytes_downloaded += bytes.len() as u64;
                let p = decode(&bytes, trust, &config.limits, &what)?;
                if p.header.kind != Kind::Snapshot || p.header.version != v {
                    return Err(mismatch(
                        &what,
                        format!("it is a {:?} of version {}", p.header.kind, p.header.version),
                    ));
                }
                summary.snapshot = true;
                payloads.push(p);
            }
            for v in deltas {
                let what = format!("delta {v}");
                let path = manifest.delta_path.replace("{version}", &v.to_string());
                let expect = Expect::File(Kind::Delta, Some(v));
                let bytes = f.get(&format!("v1/data/{path}"), config.max_download_bytes, expect, &what, progress)?;
                summary.bytes_downloaded += bytes.len() as u64;
                let p = decode(&bytes, trust, &config.limits, &what)?;
                if p.header.kind != Kind::Delta || p.header.version != v || p.header.base_version != v - 1 {
                    let h = p.header;
                    return Err(mismatch(
                        &what,
                        format!("it is a {:?} from {} to {}", h.kind, h.base_version, h.version),
                    ));
                }
                summary.deltas += 1;
                payloads.push(p);
            }
        }
        let entries: u64 = payloads.iter().map(|p| p.entries.len() as u64).sum();
        progress(SyncProgress::Applying { entries });
        self.apply(&payloads, trust, Some(manifest), manifest.latest, f.cancel, &mut summary)?;
        summary.to_version = manifest.latest;
        Ok(summary)
    }

    /// Writes verified payloads, the new version and (from a sync) the manifest's salt
    /// and time in one transaction, then checkpoints. Cancelling before the commit
    /// changes nothing.
    pub(super) fn apply(
        &mut self,
        payloads: &[Payload],
        trust: &Trust,
        manifest: Option<&Manifest>,
        to: u64,
        cancel: &Cancel,
        summary: &mut SyncSummary,
    ) -> Result<()> {
        let key_hex = wire::hex(trust.key.as_bytes());
        let forget_old = trust.newly_pinned;
        // A big write would otherwise copy the WAL back into the database inside its own
        // COMMIT (SQLite's auto-checkpoint): measured at about as long as the rest of
        // applying a 10,000-change delta. Checkpoint right after instead, still on this
        // (background) thread, so that the next small write (a call's history, a rule the
        // user adds) does not pay for it.
        let started = Instant::now();
        let (up, del) = self.store_mut().write_without_autocheckpoint(|tx| {
            let (mut up, mut del) = (0u64, 0u64);
            let mut insert = tx.prepare_cached(
                "INSERT OR REPLACE INTO community (number, source, category, votes, last_activity, disputed)
                 VALUES (?1, 1, ?2, ?3, ?4, ?5)",
            )?;
            let mut delete = tx.prepare_cached("DELETE FROM community WHERE number = ?1 AND source = 1")?;
            if forget_old {
                // Rows from a server with another key are not this server's to update.
                tx.execute("DELETE FROM community WHERE source = 1", [])?;
            }
            for p in payloads {
                cancel.check()?;
                if p.header.kind == Kind::Snapshot {
                    tx.execute("DELETE FROM community WHERE source = 1", [])?;
                }
                for (i, e) in p.entries.iter().enumerate() {
                    if i % 4096 == 0 {
                        cancel.check()?;
                    }
                    insert.execute(params![e.key as i64, e.category.code(), e.score, e.last_activity, e.disputed])?;
                }
                for k in &p.deletions {
                    del += delete.execute([*k as i64])? as u64;
                }
                up += p.entries.len() as u64;
            }
            set_meta(tx, "sync.version", &to.to_string())?;
            set_meta(tx, "sync.key", &key_hex)?;
            if let Some(m) = manifest {
                set_meta(tx, "sync.salt", &m.lookup_salt)?;
                set_meta(tx, "sync.manifest_at", &m.created_at.to_string())?;
            }
            set_meta(tx, "sync.last_success", &now().to_string())?;
            // The last safe point: after this the transaction commits.
            cancel.check()?;
            Ok((up, del))
        })?;
        summary.apply_micros = started.elapsed().as_micros() as u64;
        let started = Instant::now();
        self.store_mut().checkpoint();
        summary.checkpoint_micros = started.elapsed().as_micros() as u64;
        summary.upserted = up;
        summary.deleted = del;
        Ok(())
    }

    /// Applies snapshot and delta files obtained some other way (a file shipped with the
    /// app, a download the app made itself). The same rules as [`Screener::sync`]: every
    /// file is verified against `key` (which must be the pinned key, if one is pinned);
    /// the files must follow on from this device's version (a snapshot, then deltas each
    /// based on the one before); all or nothing.
    pub fn apply_community_files(&mut self, key: &VerifyingKey, files: &[&[u8]]) -> Result<SyncSummary> {
        let stored = self.store().meta("sync.key")?.and_then(|k| wire::parse_public_key(&k));
        if let Some(pinned) = stored.filter(|p| p != key) {
            return Err(Error::KeyChanged { pinned: wire::hex(pinned.as_bytes()), offered: wire::hex(key.as_bytes()) });
        }
        let trust = Trust { key: *key, newly_pinned: stored.is_none() };
        let local = if trust.newly_pinned { 0 } else { self.sync_version()? };
        let mut summary = SyncSummary { from_version: local, to_version: local, ..SyncSummary::default() };
        let limits = wire::Limits::default();
        let mut payloads = Vec::with_capacity(files.len());
        let mut at = local;
        for (i, bytes) in files.iter().enumerate() {
            let what = format!("file {}", i + 1);
            let p = decode(bytes, &trust, &limits, &what)?;
            let h = p.header;
            match h.kind {
                Kind::Snapshot if h.version >= at => summary.snapshot = true,
                Kind::Snapshot => return Err(Error::RollbackRefused { local: at, offered: h.version }),
                Kind::Delta if h.base_version == at => summary.deltas += 1,
                _ => {
                    return Err(Error::BadResponse {
                        what,
                        why: format!(
                            "it is a {:?} from {} to {}, not a follow-on of version {at} \
                             (give a snapshot, or the deltas from this device's version, in order)",
                            h.kind, h.base_version, h.version
                        ),
                    })
                }
            }
            summary.bytes_downloaded += bytes.len() as u64;
            at = h.version;
            payloads.push(p);
        }
        self.apply(&payloads, &trust, None, at, &Cancel::new(), &mut summary)?;
        summary.to_version = at;
        if trust.newly_pinned {
            summary.pinned_key = Some(wire::hex(key.as_bytes()));
        }
        Ok(summary)
    }
}
