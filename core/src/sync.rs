//! The phone's side of the community service: upload the report outbox, bring the local
//! copy of the community database up to date, and look up single numbers privately.
//!
//! Everything here is **blocking** (network and disk): apps call it off the main thread.
//!
//! Safety rules, each tested end to end (`tests/e2e`):
//! - a report is marked uploaded only after the server acknowledged its batch; a batch
//!   sent twice (the answer was lost) counts once, thanks to the idempotency keys;
//! - every file is verified against the pinned key before anything is applied, and
//!   everything a sync downloaded is applied in one transaction together with the new
//!   version: a failure anywhere leaves the local data as it was;
//! - the version never goes backwards, and a changed server key is refused.
//!
//! State lives in the `meta` table: `sync.device_id`, `sync.key` (the pinned public
//! key), `sync.version`, `sync.salt` (lookup hash salt).

use crate::community::{decayed, Evidence};
use crate::reports::Report;
use crate::store::{now, set_meta, Store};
use crate::wire::{self, ApiError, Kind, Manifest, Payload, ReportAck, ReportBatch, ReportItem, VerifyingKey};
use crate::{Error, Result, Screener};
use rusqlite::params;
use std::io::Read;
use std::time::{Duration, Instant};
use url::Url;

/// Where and how to sync. [`SyncConfig::new`] gives sensible defaults.
#[derive(Clone, Debug)]
pub struct SyncConfig {
    /// The server's base URL (`https://ringfence.example.org`).
    pub server: Url,
    /// Pin this key (64 hex digits) instead of trusting the one the server offers on
    /// first use. A pinned key that differs from the stored pin replaces it.
    pub key: Option<VerifyingKey>,
    pub connect_timeout: Duration,
    /// Whole request, body included.
    pub request_timeout: Duration,
    /// Largest manifest or lookup answer accepted.
    pub max_small_bytes: u64,
    /// Largest snapshot or delta accepted.
    pub max_download_bytes: u64,
    /// Beyond this many deltas, download the snapshot instead.
    pub max_deltas: u64,
    /// Reports per upload request.
    pub batch_size: u32,
    /// Tries per request on network errors, 5xx and 429.
    pub attempts: u32,
    /// First wait between tries; doubles each time.
    pub backoff: Duration,
    /// No retry starts after this much time spent on one request.
    pub retry_budget: Duration,
    pub limits: wire::Limits,
}

impl SyncConfig {
    pub fn new(server: &str) -> Result<SyncConfig> {
        let mut url = Url::parse(server.trim()).map_err(|_| Error::BadServerUrl(server.into()))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(Error::BadServerUrl(server.into()));
        }
        if !url.path().ends_with('/') {
            let p = format!("{}/", url.path());
            url.set_path(&p);
        }
        Ok(SyncConfig {
            server: url,
            key: None,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(120),
            max_small_bytes: 1 << 20,
            max_download_bytes: 256 << 20,
            max_deltas: 64,
            batch_size: 100,
            attempts: 4,
            backoff: Duration::from_millis(500),
            retry_budget: Duration::from_secs(30),
            limits: wire::Limits::default(),
        })
    }

    /// Pins a key given as 64 hex digits.
    pub fn with_key(mut self, hex: &str) -> Result<SyncConfig> {
        self.key = Some(wire::parse_public_key(hex).ok_or_else(|| Error::BadKey(hex.chars().take(80).collect()))?);
        Ok(self)
    }

    fn url(&self, path: &str) -> Result<Url> {
        self.server.join(path).map_err(|_| Error::BadServerUrl(self.server.to_string()))
    }
}

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
    /// Time from the first byte written to the committed transaction: after this the
    /// screener sees the new data.
    pub apply_micros: u64,
    /// Time of the WAL checkpoint that follows a large apply (housekeeping on the same
    /// background thread; the data was live before it).
    pub checkpoint_micros: u64,
}

/// The answer to one HTTP request.
struct Answer {
    status: u16,
    body: Vec<u8>,
    /// Seconds from a `Retry-After` header.
    retry_after: Option<u64>,
}

struct Client<'a> {
    http: reqwest::blocking::Client,
    config: &'a SyncConfig,
}

impl<'a> Client<'a> {
    fn new(config: &'a SyncConfig) -> Result<Client<'a>> {
        let http = reqwest::blocking::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(concat!("ringfence/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::ServerUnreachable { url: config.server.to_string(), reason: e.to_string() })?;
        Ok(Client { http, config })
    }

    /// One request, retried with exponential backoff on network errors, 5xx and 429
    /// (bounded tries and time). 4xx answers come back as they are.
    fn request(
        &self,
        url: &Url,
        json: Option<&[u8]>,
        limit: u64,
        what: &str,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<Answer> {
        let started = Instant::now();
        let mut delay = self.config.backoff;
        let mut attempt = 1;
        loop {
            let outcome = self.once(url, json, limit, what, progress);
            let (retry, wait) = match &outcome {
                Err(Error::ServerUnreachable { .. }) => (true, delay),
                Ok(a) if a.status >= 500 => (true, delay),
                // Waiting longer than the budget allows would only delay the error.
                Ok(a) if a.status == 429 => (true, a.retry_after.map_or(delay, |s| delay.max(Duration::from_secs(s)))),
                _ => (false, delay),
            };
            let out_of_time = started.elapsed() + wait > self.config.retry_budget;
            if !retry || attempt >= self.config.attempts || out_of_time {
                return outcome;
            }
            std::thread::sleep(wait);
            delay = delay.saturating_mul(2);
            attempt += 1;
        }
    }

    fn once(
        &self,
        url: &Url,
        json: Option<&[u8]>,
        limit: u64,
        what: &str,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<Answer> {
        let unreachable =
            |e: &dyn std::fmt::Display| Error::ServerUnreachable { url: url.to_string(), reason: e.to_string() };
        let req = match json {
            Some(body) => self.http.post(url.clone()).header("content-type", "application/json").body(body.to_vec()),
            None => self.http.get(url.clone()),
        };
        let resp = req.send().map_err(|e| unreachable(&error_chain(&e)))?;
        let status = resp.status().as_u16();
        let total = resp.content_length();
        let retry_after =
            resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
        if total.is_some_and(|t| t > limit) {
            return Err(Error::PayloadTooLarge { what: what.into(), limit });
        }
        let mut body = Vec::with_capacity(total.unwrap_or(0).min(limit) as usize);
        let mut reader = resp.take(limit + 1);
        let mut buf = vec![0u8; 64 * 1024];
        let mut last_report = 0u64;
        loop {
            let n =
                reader.read(&mut buf).map_err(|e| unreachable(&format!("connection lost during the download: {e}")))?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&buf[..n]);
            if body.len() as u64 > limit {
                return Err(Error::PayloadTooLarge { what: what.into(), limit });
            }
            if status == 200 && body.len() as u64 - last_report >= 256 * 1024 {
                last_report = body.len() as u64;
                progress(SyncProgress::Downloading { what: what.into(), received: last_report, total });
            }
        }
        if let Some(t) = total {
            if (body.len() as u64) < t {
                return Err(unreachable(&format!("connection lost after {} of {t} bytes", body.len())));
            }
        }
        if status == 200 {
            progress(SyncProgress::Downloading { what: what.into(), received: body.len() as u64, total });
        }
        Ok(Answer { status, body, retry_after })
    }

    /// A GET that must answer 200.
    fn get(&self, path: &str, limit: u64, what: &str, progress: &mut dyn FnMut(SyncProgress)) -> Result<Vec<u8>> {
        let url = self.config.url(path)?;
        let a = self.request(&url, None, limit, what, progress)?;
        if a.status != 200 {
            return Err(failure(&url, &a));
        }
        Ok(a.body)
    }

    fn manifest(&self, progress: &mut dyn FnMut(SyncProgress)) -> Result<Manifest> {
        let body = self.get("v1/data/manifest.json", self.config.max_small_bytes, "the manifest", progress)?;
        let m: Manifest = serde_json::from_slice(&body)
            .map_err(|e| Error::BadResponse { what: "manifest".into(), why: e.to_string() })?;
        if m.format != wire::FORMAT_VERSION {
            return Err(Error::BadResponse {
                what: "manifest".into(),
                why: format!("format {} (this app reads {}); update the app", m.format, wire::FORMAT_VERSION),
            });
        }
        Ok(m)
    }
}

/// The error for a non-200 answer.
fn failure(url: &Url, a: &Answer) -> Error {
    let api: Option<ApiError> = serde_json::from_slice(&a.body).ok();
    let message = api
        .as_ref()
        .map(|e| e.message.clone())
        .unwrap_or_else(|| String::from_utf8_lossy(&a.body[..a.body.len().min(200)]).trim().to_string());
    match a.status {
        429 => Error::RateLimited { retry_after_secs: a.retry_after.unwrap_or(60) },
        s if s >= 500 => Error::ServerFailed { url: url.to_string(), status: s, message },
        s => Error::Refused { status: s, code: api.map(|e| e.error).unwrap_or_else(|| "http".into()), message },
    }
}

/// reqwest's errors say "error sending request" and keep the cause in the chain.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// Which key to verify with, and whether the local copy still belongs to it.
struct Trust {
    key: VerifyingKey,
    /// The pin changes with this sync (first use, or an explicit new key).
    newly_pinned: bool,
}

fn trust(store: &Store, config: &SyncConfig, manifest: &Manifest) -> Result<Trust> {
    let offered_hex = manifest.key.trim().to_ascii_lowercase();
    let offered = wire::parse_public_key(&offered_hex).ok_or_else(|| Error::BadResponse {
        what: "manifest".into(),
        why: "its key is not an ed25519 public key".into(),
    })?;
    let stored = store.meta("sync.key")?.and_then(|k| wire::parse_public_key(&k));
    let pinned = config.key.or(stored);
    match pinned {
        Some(k) if k != offered => Err(Error::KeyChanged { pinned: wire::hex(k.as_bytes()), offered: offered_hex }),
        Some(k) => Ok(Trust { key: k, newly_pinned: stored != Some(k) }),
        None => Ok(Trust { key: offered, newly_pinned: true }),
    }
}

/// Versions from `from` (exclusive) to `to`: a snapshot to start from, then deltas.
fn plan(manifest: &Manifest, local: u64, max_deltas: u64) -> Result<(Option<u64>, std::ops::RangeInclusive<u64>)> {
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
    Err(Error::BadResponse {
        what: "manifest".into(),
        why: format!("it offers no way from version {local} to {latest} (no snapshot, deltas missing)"),
    })
}

fn decode(bytes: &[u8], trust: &Trust, config: &SyncConfig, what: &str) -> Result<Payload> {
    wire::decode(bytes, &trust.key, &config.limits).map_err(|source| Error::BadPayload { what: what.into(), source })
}

fn mismatch(what: &str, why: String) -> Error {
    Error::BadResponse { what: what.into(), why: format!("{why} (a stale or forged manifest)") }
}

impl Screener {
    /// Uploads the report outbox, then brings the community copy up to date. Blocking.
    /// On error nothing that was not acknowledged or fully verified has changed: run it
    /// again later.
    pub fn sync(&mut self, config: &SyncConfig, progress: &mut dyn FnMut(SyncProgress)) -> Result<SyncSummary> {
        let client = Client::new(config)?;
        let mut summary = self.upload(&client, progress)?;
        let downloaded = self.download(&client, progress)?;
        summary.from_version = downloaded.from_version;
        summary.to_version = downloaded.to_version;
        summary.snapshot = downloaded.snapshot;
        summary.deltas = downloaded.deltas;
        summary.upserted = downloaded.upserted;
        summary.deleted = downloaded.deleted;
        summary.bytes_downloaded = downloaded.bytes_downloaded;
        summary.pinned_key = downloaded.pinned_key;
        Ok(summary)
    }

    /// This install's pseudonymous device id (random, made on first use).
    pub fn device_id(&mut self) -> Result<String> {
        if let Some(id) = self.store().meta("sync.device_id")? {
            return Ok(id);
        }
        self.store_mut().write(|tx| {
            tx.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('sync.device_id', lower(hex(randomblob(16))))",
                [],
            )?;
            Ok(tx.query_row("SELECT value FROM meta WHERE key = 'sync.device_id'", [], |r| r.get(0))?)
        })
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

    fn upload(&mut self, client: &Client, progress: &mut dyn FnMut(SyncProgress)) -> Result<SyncSummary> {
        let mut summary = SyncSummary::default();
        let total: u64 =
            self.store()
                .conn()
                .query_row("SELECT count(*) FROM reports WHERE uploaded_at IS NULL", [], |r| r.get::<_, i64>(0))?
                as u64;
        if total == 0 {
            return Ok(summary);
        }
        let device = self.device_id()?;
        let url = client.config.url("v1/reports")?;
        let batch_size = client.config.batch_size.clamp(1, wire::MAX_BATCH as u32);
        loop {
            let batch: Vec<Report> = self.pending_reports(batch_size)?;
            if batch.is_empty() {
                return Ok(summary);
            }
            let body = ReportBatch {
                device: device.clone(),
                reports: batch
                    .iter()
                    .map(|r| ReportItem {
                        key: r.idempotency_key.clone(),
                        number: r.number.to_string(),
                        spam: r.spam,
                        category: r.spam.then(|| r.category.as_str().to_string()),
                        comment: r.comment.clone(),
                        at: r.created_at,
                    })
                    .collect(),
            };
            let json = serde_json::to_vec(&body)
                .map_err(|e| Error::BadResponse { what: "report".into(), why: e.to_string() })?;
            let a =
                client.request(&url, Some(&json), client.config.max_small_bytes, "the upload answer", &mut |_| {})?;
            match a.status {
                200 => {
                    let ack: ReportAck = serde_json::from_slice(&a.body)
                        .map_err(|e| Error::BadResponse { what: "upload answer".into(), why: e.to_string() })?;
                    let ids: Vec<i64> = batch.iter().map(|r| r.id).collect();
                    self.mark_reports_uploaded(&ids)?;
                    summary.uploaded += ids.len() as u64;
                    summary.duplicates += u64::from(ack.duplicates).min(ids.len() as u64);
                }
                422 => {
                    // The server names the report it will never accept: take it out of
                    // the outbox (its local effect stays) so the others can go.
                    let err: Option<ApiError> = serde_json::from_slice(&a.body).ok();
                    match err.as_ref().and_then(|e| e.index).and_then(|i| batch.get(i)) {
                        Some(r) => {
                            self.mark_reports_uploaded(&[r.id])?;
                            summary.rejected += 1;
                        }
                        None => return Err(failure(&url, &a)),
                    }
                }
                _ => return Err(failure(&url, &a)),
            }
            progress(SyncProgress::Uploading { sent: summary.uploaded + summary.rejected, total });
        }
    }

    fn download(&mut self, client: &Client, progress: &mut dyn FnMut(SyncProgress)) -> Result<SyncSummary> {
        let config = client.config;
        let manifest = client.manifest(progress)?;
        let trust = trust(self.store(), config, &manifest)?;
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
            let (snapshot, deltas) = plan(&manifest, local, config.max_deltas)?;
            if let Some(v) = snapshot {
                let what = format!("snapshot {v}");
                let path = manifest.snapshot.as_ref().map(|s| s.path.clone()).unwrap_or_else(|| wire::snapshot_path(v));
                let bytes = client.get(&format!("v1/data/{path}"), config.max_download_bytes, &what, progress)?;
                summary.bytes_downloaded += bytes.len() as u64;
                let p = decode(&bytes, &trust, config, &what)?;
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
                let bytes = client.get(&format!("v1/data/{path}"), config.max_download_bytes, &what, progress)?;
                summary.bytes_downloaded += bytes.len() as u64;
                let p = decode(&bytes, &trust, config, &what)?;
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
        self.apply(&payloads, &trust, Some(&manifest.lookup_salt), manifest.latest, &mut summary)?;
        summary.to_version = manifest.latest;
        Ok(summary)
    }

    /// Writes verified payloads and the new version in one transaction, then checkpoints.
    fn apply(
        &mut self,
        payloads: &[Payload],
        trust: &Trust,
        salt: Option<&str>,
        to: u64,
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
                "INSERT OR REPLACE INTO community (number, source, category, votes, last_activity) VALUES (?1, 1, ?2, ?3, ?4)",
            )?;
            let mut delete = tx.prepare_cached("DELETE FROM community WHERE number = ?1 AND source = 1")?;
            if forget_old {
                // Rows from a server with another key are not this server's to update.
                tx.execute("DELETE FROM community WHERE source = 1", [])?;
            }
            for p in payloads {
                if p.header.kind == Kind::Snapshot {
                    tx.execute("DELETE FROM community WHERE source = 1", [])?;
                }
                for e in &p.entries {
                    insert.execute(params![e.key as i64, e.category.code(), e.score, e.last_activity])?;
                }
                for k in &p.deletions {
                    del += delete.execute([*k as i64])? as u64;
                }
                up += p.entries.len() as u64;
            }
            set_meta(tx, "sync.version", &to.to_string())?;
            set_meta(tx, "sync.key", &key_hex)?;
            if let Some(salt) = salt {
                set_meta(tx, "sync.salt", salt)?;
            }
            set_meta(tx, "sync.last_success", &now().to_string())?;
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

    /// Applies snapshot and delta files obtained some other way (an app that downloads
    /// with the platform's own HTTP stack, a file shipped with the app). The same rules
    /// as [`Screener::sync`]: every file is verified against `key` (which must be the
    /// pinned key, if one is pinned); the files must follow on from this device's version
    /// (a snapshot, then deltas each based on the one before); all or nothing.
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
            let p =
                wire::decode(bytes, key, &limits).map_err(|source| Error::BadPayload { what: what.clone(), source })?;
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
        self.apply(&payloads, &trust, None, at, &mut summary)?;
        summary.to_version = at;
        if trust.newly_pinned {
            summary.pinned_key = Some(wire::hex(key.as_bytes()));
        }
        Ok(summary)
    }

    /// Asks the server about one number without telling it the number: only the first
    /// 16 bits of a keyed hash leave the phone, and the server answers with every listed
    /// number in that bucket, which the phone matches locally. Blocking. The answer is
    /// signed like the snapshots, and is not stored.
    ///
    /// Meant for the call screen, so it tries once (no retries) and, once a sync has
    /// stored the salt and key, makes a single request. Give it a short
    /// `request_timeout` (a second or two) inside a call-screening budget.
    pub fn lookup_online(&mut self, raw: &str, config: &SyncConfig) -> Result<Option<Evidence>> {
        let n = self.number(raw)?;
        let config = &SyncConfig { attempts: 1, ..config.clone() };
        let client = Client::new(config)?;
        let mut quiet = |_: SyncProgress| {};
        let stored_key = self.pinned_key()?.and_then(|k| wire::parse_public_key(&k));
        let stored_salt = self.store().meta("sync.salt")?.and_then(|s| wire::unhex(&s)).filter(|s| !s.is_empty());
        let (trust, salt) = match (stored_key, stored_salt) {
            (Some(key), Some(salt)) if config.key.is_none_or(|k| k == key) => {
                (Trust { key, newly_pinned: false }, salt)
            }
            _ => {
                // No sync yet: the salt and key come from the manifest, and the key is
                // pinned on first use as sync does.
                let manifest = client.manifest(&mut quiet)?;
                let trust = trust(self.store(), config, &manifest)?;
                if trust.newly_pinned && self.pinned_key()?.is_none() {
                    let key_hex = wire::hex(trust.key.as_bytes());
                    self.store_mut().write(|tx| set_meta(tx, "sync.key", &key_hex))?;
                }
                let salt = wire::unhex(&manifest.lookup_salt).filter(|s| !s.is_empty()).ok_or_else(|| {
                    Error::BadResponse { what: "manifest".into(), why: "its lookup salt is not hex".into() }
                })?;
                (trust, salt)
            }
        };
        let (bucket, tag) = wire::lookup_hash(&salt, n.e164);
        let what = format!("lookup bucket {bucket:04x}");
        let bytes = client.get(&format!("v1/lookup/{bucket:04x}"), config.max_small_bytes, &what, &mut quiet)?;
        let p = decode(&bytes, &trust, config, &what)?;
        if p.header.kind != Kind::Bucket || p.header.base_version != u64::from(bucket) {
            return Err(mismatch(&what, format!("it is a {:?} for bucket {}", p.header.kind, p.header.base_version)));
        }
        let half_life = self.policy()?.half_life_days;
        Ok(p.entries.iter().find(|e| e.key == tag).map(|e| Evidence {
            score: decayed(e.score, e.last_activity, now(), half_life),
            category: e.category,
            votes: e.score,
            last_activity: e.last_activity,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
