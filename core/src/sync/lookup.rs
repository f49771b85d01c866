//! The private lookup: ask the server about one number without telling it the number.

use super::download::{decode, mismatch, Trust};
use super::fetch::{Expect, Fetcher};
use super::transport::Transport;
use super::{SyncConfig, SyncProgress};
use crate::community::{decayed, Evidence};
use crate::store::{now, set_meta};
use crate::wire::{self, Kind};
use crate::{Cancel, Error, Result, Screener};

impl Screener {
    /// Asks the server about one number without telling it the number: only the first
    /// 16 bits of a keyed hash leave the phone, and the server answers with every listed
    /// number in that bucket, which the phone matches locally. The answer is signed like
    /// the snapshots, must be at least as new as the data this device has, and is not
    /// stored.
    ///
    /// Meant for the call screen, so it tries once (no retries) and, once a sync has
    /// stored the salt and key, makes a single request. Give it a short `timeout` (a
    /// second or two) inside a call-screening budget.
    ///
    /// The salt only ever comes from a signed manifest (stored by the last sync), so
    /// whoever serves the files cannot change it between two lookups to narrow a number
    /// down.
    pub fn lookup_online(
        &mut self,
        raw: &str,
        config: &SyncConfig,
        transport: &dyn Transport,
        cancel: &Cancel,
    ) -> Result<Option<Evidence>> {
        let n = self.number(raw)?;
        let mut once = config.clone();
        once.attempts = 1;
        let config = &once;
        let f = Fetcher::new(transport, config, cancel);
        let mut quiet = |_: SyncProgress| {};
        let stored_key = self.pinned_key()?.and_then(|k| wire::parse_public_key(&k));
        let stored_salt = self.store().meta("sync.salt")?.and_then(|s| wire::unhex(&s)).filter(|s| !s.is_empty());
        let (trust, salt, newest) = match (stored_key, stored_salt) {
            (Some(key), Some(salt)) if config.key.is_none_or(|k| k == key) => {
                (Trust { key, newly_pinned: false }, salt, self.sync_version()?)
            }
            _ => {
                // No sync yet: the salt and key come from the signed manifest, and the key
                // is pinned on first use as sync does.
                let (manifest, trust) = self.fetch_manifest(&f, &mut quiet)?;
                if trust.newly_pinned && self.pinned_key()?.is_none() {
                    let key_hex = wire::hex(trust.key.as_bytes());
                    self.store_mut().write(|tx| set_meta(tx, "sync.key", &key_hex))?;
                }
                let salt = wire::unhex(&manifest.lookup_salt).filter(|s| !s.is_empty()).ok_or_else(|| {
                    Error::BadResponse { what: "manifest".into(), why: "its lookup salt is not hex".into() }
                })?;
                (trust, salt, manifest.latest)
            }
        };
        let (bucket, tag) = wire::lookup_hash(&salt, n.e164);
        let what = format!("lookup bucket {bucket:04x}");
        let expect = Expect::File(Kind::Bucket, None);
        let bytes = f.get(&format!("v1/lookup/{bucket:04x}"), config.max_small_bytes, expect, &what, &mut quiet)?;
        let p = decode(&bytes, &trust, &config.limits, &what)?;
        if p.header.kind != Kind::Bucket || p.header.base_version != u64::from(bucket) {
            return Err(mismatch(&what, format!("it is a {:?} for bucket {}", p.header.kind, p.header.base_version)));
        }
        // A genuine but old answer (replayed from before the number was listed) is refused.
        if p.header.version < newest {
            return Err(Error::ReplayRefused {
                what,
                made_at: p.header.created_at,
                newest: self.store().meta("sync.manifest_at")?.and_then(|v| v.parse().ok()).unwrap_or(0),
            });
        }
        let half_life = self.policy()?.half_life_days;
        Ok(p.entries.iter().find(|e| e.key == tag).map(|e| Evidence {
            score: decayed(e.score, e.last_activity, now(), half_life),
            category: e.category,
            votes: e.score,
            last_activity: e.last_activity,
            disputed: e.disputed,
        }))
    }
}
