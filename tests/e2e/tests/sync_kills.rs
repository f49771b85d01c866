//! SIGKILL a phone at random moments of a real sync with the real server on 127.0.0.1:
//! while it uploads its report outbox, downloads, and applies a snapshot and deltas.
//!
//! After every kill the phone's file opens, passes `PRAGMA integrity_check`, and its
//! community data is exactly the server's listing at the old version or at the new one
//! (decoded from the server's own signed files), never a mix; every report ever written
//! is still in the outbox, and every one the phone marked uploaded is on the server. After
//! a last, clean sync the server has exactly the phone's reports, each counted once.
//!
//! The child is this test binary run again (`core/tests/common`, shared with the core's
//! crash tests). Rounds: `RINGFENCE_KILLS` (default 25); `RINGFENCE_TEST_SEED` repeats a
//! run's kill points.

#[path = "../../../core/tests/common/mod.rs"]
mod common;

use common::{integrity, worker_args, Rng, Worker};
use ringfence_core::wire;
use ringfence_core::{Category, Region, Screener, SyncConfig, SyncProgress};
use ringfence_e2e::{batch, device_id, seed_votes, OverHttp, Server};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Numbers the server lists before the first round (one snapshot, as big as a small
/// country's listing, so applying it takes a while).
const LISTED: u64 = 30_000;
/// Per round, on the server: numbers newly listed, and listed numbers voted out.
const NEW_PER_ROUND: u64 = 1500;
const GONE_PER_ROUND: u64 = 200;
/// Reports the phone writes per round (uploaded in batches of 10).
const REPORTS_PER_ROUND: u64 = 150;

fn rounds() -> u64 {
    std::env::var("RINGFENCE_KILLS").ok().and_then(|v| v.parse().ok()).unwrap_or(25)
}

fn prelisted(i: u64) -> i64 {
    (821_030_000_000 + i * 7) as i64
}

/// The child: one sync, narrating. `ACK uploaded N` is printed after the batch is marked
/// uploaded in the file; `APPLYING` before the download is applied.
#[test]
#[ignore = "a worker process that the sync-kill test spawns (common::Worker), not a test"]
fn sync_kill_worker() {
    let args = worker_args().expect("run by the sync-kill test, with RINGFENCE_TEST_WORKER set");
    let (db, url, key) = (&args[0], &args[1], &args[2]);
    let mut s = match Screener::open(db, Region::KR) {
        Ok(s) => s,
        Err(e) => return println!("ERR open: {e}"),
    };
    let mut config = SyncConfig::new(url).and_then(|c| c.with_key(key)).expect("config");
    config.batch_size = 10;
    config.backoff = Duration::from_millis(20);
    let mut progress = |p: SyncProgress| match p {
        SyncProgress::Uploading { sent, .. } => println!("ACK uploaded {sent}"),
        SyncProgress::Applying { entries } => println!("APPLYING {entries}"),
        SyncProgress::Downloading { .. } => {}
    };
    match s.sync_http(&config, &mut progress) {
        Ok(sum) => println!("DONE {} {}", sum.to_version, sum.uploaded),
        Err(e) => println!("ERR sync: {e}"),
    }
}

/// The server's listing at every version, rebuilt from its signed files: number ->
/// (category code, score).
struct Listings {
    key: wire::VerifyingKey,
    publish: PathBuf,
    at: BTreeMap<u64, BTreeMap<i64, (i64, f64)>>,
}

impl Listings {
    fn read(&self, path: &Path) -> wire::Payload {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        wire::decode(&bytes, &self.key, &wire::Limits::default()).unwrap()
    }

    /// Brings `at` up to `latest` (snapshot 1, then each delta).
    fn update(&mut self, latest: u64) {
        if self.at.is_empty() {
            let p = self.read(&self.publish.join(wire::snapshot_path(1)));
            let rows = p.entries.iter().map(|e| (e.key as i64, (i64::from(e.category.code()), e.score))).collect();
            self.at.insert(0, BTreeMap::new());
            self.at.insert(1, rows);
        }
        let mut v = *self.at.keys().next_back().unwrap();
        while v < latest {
            v += 1;
            let p = self.read(&self.publish.join(wire::delta_path(v)));
            let mut rows = self.at[&(v - 1)].clone();
            for e in &p.entries {
                rows.insert(e.key as i64, (i64::from(e.category.code()), e.score));
            }
            for k in &p.deletions {
                rows.remove(&(*k as i64));
            }
            self.at.insert(v, rows);
        }
    }
}

/// What a phone's file holds: (version, community rows, reports as key -> uploaded).
type PhoneState = (u64, BTreeMap<i64, (i64, f64)>, BTreeMap<String, bool>);

fn phone_state(db: &Path) -> PhoneState {
    let conn = rusqlite::Connection::open(db).unwrap();
    let tables: i64 =
        conn.query_row("SELECT count(*) FROM sqlite_master WHERE name = 'community'", [], |r| r.get(0)).unwrap();
    if tables == 0 {
        return (0, BTreeMap::new(), BTreeMap::new());
    }
    let version: u64 = conn
        .query_row("SELECT value FROM meta WHERE key = 'sync.version'", [], |r| r.get::<_, String>(0))
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut q = conn.prepare("SELECT number, category, votes FROM community WHERE source = 1").unwrap();
    let rows = q.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?)))).unwrap().collect::<Result<_, _>>().unwrap();
    let mut q = conn.prepare("SELECT idempotency_key, uploaded_at IS NOT NULL FROM reports").unwrap();
    let reports = q.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().collect::<Result<_, _>>().unwrap();
    (version, rows, reports)
}

/// Reports from three networks at once (the server trusts 127.0.0.1's X-Forwarded-For):
/// `spam` lists the numbers, `!spam` votes listed ones out.
fn vote(server: &Server, client: &reqwest::blocking::Client, tag: &str, numbers: &[i64], spam: bool) {
    for net in 0..3 {
        for (c, chunk) in numbers.chunks(500).enumerate() {
            let owned: Vec<(String, String)> =
                chunk.iter().enumerate().map(|(i, n)| (format!("{tag}-{net}-{c}-{i:04}"), format!("+{n}"))).collect();
            let items: Vec<(&str, &str, bool, Option<&str>)> =
                owned.iter().map(|(k, n)| (k.as_str(), n.as_str(), spam, Some("robocall"))).collect();
            let dev = device_id(
                tag.bytes()
                    .fold(net as u64 * 1_000_003 + c as u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))),
            );
            let body = batch(&dev, &items);
            let (s, j) = server.post_from(client, &format!("10.{}.{net}.1", 50 + net), "/v1/reports", &body);
            assert_eq!(s, 200, "{j}");
        }
    }
}

/// The server before the first round: `LISTED` numbers voted by three networks, written
/// into its database directly (as if reported long ago), published as version 1, and the
/// first delta removed so that a new phone starts from the snapshot.
fn prepared_server(dir: &Path) -> Server {
    let db = dir.join("srv/server.db");
    let args = [
        "--snapshot-every",
        "100000",
        "--rate-burst",
        "1000000",
        "--rate-per-minute",
        "1000000",
        "--origin-burst",
        "1000000",
        "--origin-per-minute",
        "1000000",
        "--new-devices-burst",
        "1000000",
    ];
    let mut server = Server::start(&db, &args);
    server.signal(15);
    seed_votes(&db, &(0..LISTED).map(prelisted).collect::<Vec<_>>(), 3);
    server.restart();
    server.wait_version(1);
    server.signal(15);
    std::fs::remove_file(server.publish.join(wire::delta_path(1))).unwrap();
    server.restart();
    assert!(server.manifest().oldest_delta.is_none());
    server
}

#[test]
fn a_phone_killed_while_syncing_keeps_old_or_new_data_and_every_report() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let server = prepared_server(dir.path());
    let prep = started.elapsed();
    let mut listings = Listings {
        key: wire::parse_public_key(&server.key).unwrap(),
        publish: server.publish.clone(),
        at: BTreeMap::new(),
    };
    let client = reqwest::blocking::Client::new();
    let mut rng = Rng::from_env_or_time();

    // Phone A syncs every other round and writes reports before each; on the other rounds
    // a brand-new phone syncs (the snapshot, then every delta, in one transaction).
    let phone = dir.path().join("phone.db");
    let mut written: BTreeSet<String> = BTreeSet::new();
    let mut device = String::new();
    let run = |db: &Path| Worker::spawn("sync_kill_worker", &[db.to_str().unwrap(), &server.url, &server.key], None);

    // How long a new phone's whole sync takes: the kill points are drawn from it.
    let t = Instant::now();
    let (status, lines) = run(&dir.path().join("calibrate.db")).wait();
    let full = t.elapsed();
    assert!(status.success() && lines.iter().any(|l| l.starts_with("DONE 1 ")), "{lines:?}");

    let (mut killed, mut finished) = (0, 0);
    let (mut in_upload, mut before_apply, mut in_apply) = (0, 0, 0);
    let (mut old_kept, mut new_kept) = (0, 0);
    let (mut acked_reports, mut fresh_phones) = (0u64, 0);
    // Where to kill is chosen per round, then hit by watching the child's narration: in
    // the upload (after a random number of acknowledged batches), in the download (just
    // after the upload), or in the apply (a random time after `APPLYING`, drawn from
    // [0, 1.3 x apply_estimate]; the estimate shrinks when the sync finishes first and
    // grows when it does not, so about half of these land before the commit and half
    // after). The phone's own rounds rotate through the three; new phones have nothing to
    // upload and alternate download and apply.
    let mut apply_estimate = full;
    for round in 0..rounds() {
        // The server moves on: a delta with NEW_PER_ROUND upserts and GONE_PER_ROUND
        // deletions.
        let fresh: Vec<i64> = (0..NEW_PER_ROUND).map(|j| (821_050_000_000 + round * 10_000 + j) as i64).collect();
        let gone: Vec<i64> = (round * GONE_PER_ROUND..(round + 1) * GONE_PER_ROUND).map(prelisted).collect();
        vote(&server, &client, &format!("r{round}"), &fresh, true);
        vote(&server, &client, &format!("r{round}x"), &gone, false);
        let latest = server.wait_published();
        listings.update(latest);

        let own = round % 2 == 0;
        let db = if own { phone.clone() } else { dir.path().join(format!("fresh-{round}.db")) };
        if own {
            let mut s = Screener::open(&db, Region::KR).unwrap();
            device = s.device_id().unwrap();
            for j in 0..REPORTS_PER_ROUND {
                let r = s.report(&format!("010-6{:03}-{:04}", round, j), Category::Scam, None).unwrap();
                written.insert(r.idempotency_key);
            }
        } else {
            fresh_phones += 1;
        }
        let (before_version, before_rows, before_reports) =
            if db.exists() { phone_state(&db) } else { (0, BTreeMap::new(), BTreeMap::new()) };
        assert_eq!(
            before_rows, listings.at[&before_version],
            "round {round}: the phone did not start from a clean state"
        );

        let pending_before = before_reports.values().filter(|u| !**u).count() as u64;
        let batches = pending_before.div_ceil(10);
        let target = if own { (round / 2) % 3 } else { 1 + (round / 2) % 2 };
        let kill_after_batches = rng.below(batches.max(1));
        let mut w = run(&db);
        let mut delay = None;
        loop {
            let lines = w.lines();
            let acks = lines.iter().filter(|l| l.starts_with("ACK uploaded ")).count() as u64;
            let over = lines.iter().any(|l| l.starts_with("DONE ") || l.starts_with("ERR"));
            let now_kill = match target {
                0 => acks >= kill_after_batches,
                1 => acks >= batches,
                _ => {
                    if lines.iter().any(|l| l.starts_with("APPLYING")) {
                        let d = Duration::from_micros(rng.below(apply_estimate.as_micros() as u64 * 13 / 10 + 1));
                        std::thread::sleep(d);
                        delay = Some(d);
                        true
                    } else {
                        false
                    }
                }
            };
            if now_kill || over || w.started.elapsed() > Duration::from_secs(20) {
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        std::thread::sleep(Duration::from_micros(rng.below(500)));
        w.kill();
        let (_, lines) = w.wait();
        let done = lines.iter().any(|l| l.starts_with("DONE "));
        let errors: Vec<&String> = lines.iter().filter(|l| l.starts_with("ERR") || l.starts_with("STDERR")).collect();
        assert!(errors.is_empty(), "round {round}: {errors:?}");
        let acked: u64 = lines
            .iter()
            .filter_map(|l| l.strip_prefix("ACK uploaded "))
            .filter_map(|n| n.parse().ok())
            .max()
            .unwrap_or(0);
        let applying = lines.iter().any(|l| l.starts_with("APPLYING"));
        if let Some(d) = delay {
            // An apply-phase kill: aim the next one around where this one landed.
            apply_estimate = if done { d.mul_f64(0.9) } else { apply_estimate.max(d).mul_f64(1.5) };
        }
        if done {
            finished += 1;
        } else {
            killed += 1;
            if applying {
                in_apply += 1;
            } else if own && acked < pending_before {
                in_upload += 1;
            } else {
                before_apply += 1;
            }
        }

        // The file: sound, and the old listing or the new one, whole.
        let problems = integrity(&db);
        assert!(problems.is_empty(), "round {round}: integrity_check: {problems:?}");
        drop(Screener::open(&db, Region::KR).unwrap_or_else(|e| panic!("round {round}: does not open: {e}")));
        let (version, rows, reports) = phone_state(&db);
        assert!(
            version == before_version || version == latest,
            "round {round}: version {version}, was {before_version}, latest {latest}"
        );
        if version == latest && version != before_version {
            new_kept += 1;
        } else {
            old_kept += 1;
        }
        let expected = &listings.at[&version];
        if &rows != expected {
            let missing = expected.keys().filter(|k| !rows.contains_key(k)).count();
            let extra = rows.keys().filter(|k| !expected.contains_key(k)).count();
            panic!("round {round} (killed after {delay:?}): version {version} but {} rows ({missing} missing, {extra} extra) instead of {}", rows.len(), expected.len());
        }
        // The outbox: every report ever written is there; the ones the child acknowledged
        // are marked uploaded; every one marked uploaded is on the server.
        if own {
            let keys: BTreeSet<String> = reports.keys().cloned().collect();
            assert_eq!(keys, written, "round {round}: reports lost from the outbox");
            let newly = reports.values().filter(|u| **u).count() as u64
                - before_reports.values().filter(|u| **u).count() as u64;
            assert!(newly >= acked, "round {round}: {acked} acknowledged, {newly} marked");
            acked_reports += acked;
            let on_server: BTreeSet<String> = server.with_db(|c| {
                let mut q = c.prepare("SELECT key FROM seen WHERE device = ?1 AND key NOT LIKE 'nonce:%'").unwrap();
                q.query_map([&device], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
            });
            for (k, uploaded) in &reports {
                assert!(!uploaded || on_server.contains(k), "round {round}: {k} marked uploaded but not on the server");
            }
        }
    }

    // A last, clean sync: the outbox empties, and the server counted each report once.
    let (status, lines) = run(&phone).wait();
    assert!(status.success() && lines.iter().any(|l| l.starts_with("DONE ")), "{lines:?}");
    let (version, rows, reports) = phone_state(&phone);
    assert_eq!((version, &rows), (server.latest(), &listings.at[&server.latest()]));
    assert!(reports.values().all(|u| *u), "reports left in the outbox");
    let (seen, votes, spam_votes, numbers) = server.with_db(|c| {
        let mut q = c.prepare("SELECT key FROM seen WHERE device = ?1 AND key NOT LIKE 'nonce:%'").unwrap();
        let seen: BTreeSet<String> = q.query_map([&device], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
        let (votes, spam, numbers) = c
            .query_row(
                "SELECT count(*), sum(spam), count(DISTINCT number) FROM votes WHERE device = ?1",
                [&device],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)),
            )
            .unwrap();
        (seen, votes, spam, numbers)
    });
    assert_eq!(seen, written, "the server's record of the phone's reports");
    assert_eq!(
        (votes, spam_votes, numbers),
        (written.len() as i64, written.len() as i64, written.len() as i64),
        "one vote per report"
    );
    eprintln!(
        "sync kills: {} rounds in {:.1} s (server prepared in {:.1} s; a new phone's whole sync {:.0} ms): {killed} killed, {finished} finished; \
         killed while uploading {in_upload}, while downloading {before_apply}, while applying {in_apply}; \
         afterwards {old_kept} held the old version, {new_kept} the new one, never a mix; {} fresh phones (snapshot of {} + deltas); \
         {} reports written, {acked_reports} acknowledged before a kill, all on the server exactly once",
        rounds(),
        started.elapsed().as_secs_f64(),
        prep.as_secs_f64(),
        full.as_secs_f64() * 1000.0,
        fresh_phones,
        LISTED,
        written.len()
    );
    assert!(killed >= rounds() / 3, "too few kills landed mid-sync: {killed} of {}", rounds());
}
