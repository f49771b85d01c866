//! The community service end to end: the real `ringfence-server` on 127.0.0.1, phones
//! with real SQLite files, driven through the core API and the `ringfence` binary.

use ringfence_core::wire::{self, DecodeError};
use ringfence_core::{Action, Call, Category, Error};
use ringfence_e2e::{batch, bin, device_id, quick, Device, Fault, OverHttp, Proxy, Server};
use std::process::Command;
use std::sync::Arc;

const NUMBER: &str = "010-5555-0101";
const E164: i64 = 821055550101;

fn report_and_sync(dir: &std::path::Path, url: &str, name: &str, number: &str, category: Category) -> Device {
    let mut d = Device::new(dir, name, url);
    d.screener.report(number, category, None).unwrap();
    let s = d.sync().unwrap();
    assert_eq!(s.uploaded, 1);
    d
}

#[test]
fn reports_from_several_devices_list_a_number_for_everyone() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("srv/server.db"), &[]);

    // Two reporters are not enough (the default needs three).
    report_and_sync(dir.path(), &server.url, "a", NUMBER, Category::Telemarketing);
    report_and_sync(dir.path(), &server.url, "b", NUMBER, Category::Telemarketing);
    server.settle();
    assert_eq!(server.latest(), 0, "listed before three distinct reporters");

    report_and_sync(dir.path(), &server.url, "c", NUMBER, Category::Scam);
    server.wait_version(1);

    // A device that never reported anything gets it, with the voted category.
    let mut other = Device::new(dir.path(), "other", &server.url);
    assert_eq!(other.screener.screen(&Call::new(NUMBER)).action, Action::Allow);
    let s = other.sync().unwrap();
    assert_eq!((s.from_version, s.to_version, s.upserted), (0, 1, 1));
    assert_eq!(s.pinned_key.as_deref(), Some(server.key.as_str()));
    let d = other.screener.screen(&Call::new(NUMBER));
    assert_eq!((d.action, d.category), (Action::Warn, Category::Telemarketing), "{d:?}");
    assert_eq!(d.score.map(|s| s.round()), Some(3.0));

    // Two more reporters: 5 votes reach the block threshold, through a delta.
    report_and_sync(dir.path(), &server.url, "d", NUMBER, Category::Telemarketing);
    report_and_sync(dir.path(), &server.url, "e", NUMBER, Category::Telemarketing);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let v = loop {
        let s = other.sync().unwrap();
        assert!(!s.snapshot, "{s:?}");
        let d = other.screener.screen(&Call::new(NUMBER));
        if d.action == Action::Block {
            assert_eq!(d.category, Category::Telemarketing);
            break s.to_version;
        }
        assert!(std::time::Instant::now() < deadline, "never blocked: {d:?}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert!(v >= 2);

    // The command line sees the same: a fresh device file, `ringfence sync`, `check`.
    let db = dir.path().join("cli.db");
    let run = |args: &[&str]| {
        let out =
            Command::new(bin("ringfence")).arg("--db").arg(&db).args(["--region", "KR"]).args(args).output().unwrap();
        assert!(out.status.success(), "ringfence {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let out = run(&["sync", "--server", &server.url, "--key", &server.key]);
    assert!(out.contains(&format!("0 -> {v}")), "{out}");
    let out = run(&["check", "--json", NUMBER]);
    let j: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!((j["action"].as_str(), j["category"].as_str()), (Some("block"), Some("telemarketing")), "{out}");
    // A second sync has nothing to do.
    let out = run(&["sync", "--server", &server.url]);
    assert!(out.contains(&format!("up to date at version {v}")), "{out}");
}

#[test]
fn private_lookup_finds_listed_numbers_without_sending_them() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("srv/server.db"), &["--min-reporters", "2"]);
    report_and_sync(dir.path(), &server.url, "a", NUMBER, Category::Scam);
    report_and_sync(dir.path(), &server.url, "b", NUMBER, Category::Scam);
    server.wait_version(1);

    // Through a proxy that records what the phone asks for.
    let proxy = Proxy::start(&server.addr);
    let mut fresh = Device::new(dir.path(), "fresh", &proxy.url);
    let e = fresh.screener.lookup_http(NUMBER, &fresh.config.clone()).unwrap().expect("listed");
    assert_eq!(e.category, Category::Scam);
    assert_eq!(e.score.round(), 2.0);
    assert!(fresh.screener.lookup_http("010-5555-0102", &fresh.config.clone()).unwrap().is_none());
    assert!(fresh.community().is_empty(), "a lookup stores nothing");
    // Everything the phone sent, headers and all: the manifest and 4-hex-digit buckets,
    // never the number, in any form.
    let sent = proxy.take_requests();
    assert_eq!(sent.len(), 4, "{sent:?}");
    for r in &sent {
        let line = r.lines().next().unwrap();
        assert!(
            line.starts_with("GET /v1/data/manifest.json ")
                || (line.starts_with("GET /v1/lookup/") && line.len() == "GET /v1/lookup/abcd HTTP/1.1".len()),
            "{line}"
        );
        for form in ["1055550101", "5555-0101", "5555 0101", "55550101"] {
            assert!(!r.contains(form), "the number left the phone: {r}");
        }
    }
    // After a sync (which stores the salt), a lookup is one request.
    fresh.sync().unwrap();
    proxy.take_requests();
    fresh.screener.lookup_http("010-5555-0103", &fresh.config.clone()).unwrap();
    let sent = proxy.take_requests();
    assert_eq!(sent.len(), 1, "{sent:?}");

    // The CLI: found, and its answer names no number it was not asked about.
    let out = Command::new(bin("ringfence"))
        .arg("--db")
        .arg(dir.path().join("cli.db"))
        .args(["--region", "KR", "lookup", NUMBER, "--server", &server.url, "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((j["listed"].as_bool(), j["category"].as_str()), (Some(true), Some("scam")));

    // What went over the wire: a 4-hex-digit bucket, never the number.
    let m = serde_json::to_value(server.manifest()).unwrap();
    let salt = wire::unhex(m["lookup_salt"].as_str().unwrap()).unwrap();
    let (bucket, _) = wire::lookup_hash(&salt, ringfence_core::E164::from_digits("821055550101").unwrap());
    let r = reqwest::blocking::get(format!("{}/v1/lookup/{bucket:04x}", server.url)).unwrap();
    assert_eq!(r.status(), 200);
    let (status, err) = {
        let r = reqwest::blocking::get(format!("{}/v1/lookup/821055550101", server.url)).unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };
    assert_eq!(status, 400, "a full number is not a prefix: {err}");
}

#[test]
fn not_spam_votes_and_decay_take_numbers_out_and_deltas_delete_them() {
    let dir = tempfile::tempdir().unwrap();
    // Votes halve every 10 seconds here, so decay is visible within the test.
    let server = Server::start(&dir.path().join("srv/server.db"), &["--half-life-days", "0.00011574"]);
    let decaying = "010-5555-0303";
    let disputed = "010-5555-0202";
    for name in ["a", "b", "c"] {
        let mut d = Device::new(dir.path(), name, &server.url);
        d.screener.report(disputed, Category::Robocall, None).unwrap();
        d.screener.report(decaying, Category::Survey, None).unwrap();
        d.sync().unwrap();
    }
    server.wait_version(1);
    let mut watcher = Device::new(dir.path(), "watcher", &server.url);
    watcher.sync().unwrap();
    let listed: Vec<i64> = watcher.community().iter().map(|r| r.0).collect();
    assert_eq!(listed, vec![821055550202, 821055550303]);

    // Two people say "not spam": 3 - 2 is below the listing threshold.
    for name in ["x", "y"] {
        let mut d = Device::new(dir.path(), name, &server.url);
        d.screener.mark_not_spam(disputed, None).unwrap();
        d.sync().unwrap();
    }
    // Time: 3 votes decay below 2 after 0.58 half-lives (about 6 s).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut deleted = 0;
    loop {
        let s = watcher.sync().unwrap();
        assert!(!s.snapshot, "deletions arrive through deltas: {s:?}");
        deleted += s.deleted;
        if watcher.community().is_empty() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "still listed: {:?}", watcher.community());
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    assert_eq!(deleted, 2);
    for n in [disputed, decaying] {
        assert_eq!(watcher.screener.screen(&Call::new(n)).action, Action::Allow, "{n}");
    }
}

#[test]
fn a_lost_answer_and_a_repeated_vote_count_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("srv/server.db"), &["--min-reporters", "2"]);
    let mut a = Device::new(dir.path(), "a", &server.url);
    let r = a.screener.report(NUMBER, Category::Scam, None).unwrap();
    let device = a.device_id();

    // The phone's upload reached the server but the answer was lost: the server has it.
    let items = [(r.idempotency_key.as_str(), "+821055550101", true, Some("scam"))];
    let (status, ack) = server.post("/v1/reports", &batch(&device, &items));
    assert_eq!((status, ack["accepted"].as_u64()), (200, Some(1)), "{ack}");
    // The phone still has it in its outbox and sends it again (signed afresh): counted before.
    assert_eq!(a.pending(), 1);
    let (status, ack) = server.post("/v1/reports", &batch(&device, &items));
    assert_eq!((status, ack["accepted"].as_u64(), ack["duplicates"].as_u64()), (200, Some(0), Some(1)), "{ack}");
    let s = a.sync().unwrap();
    assert_eq!((s.uploaded, s.duplicates), (1, 1), "{s:?}");
    assert_eq!(a.pending(), 0);
    // A second report of the same number from the same device replaces its vote.
    a.screener.report(NUMBER, Category::Robocall, None).unwrap();
    a.sync().unwrap();
    server.settle();
    assert_eq!(server.latest(), 0, "one device is one reporter, however often it reports");

    report_and_sync(dir.path(), &server.url, "b", NUMBER, Category::Robocall);
    server.wait_version(1);
    a.sync().unwrap();
    let rows = a.community();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].0, rows[0].1, rows[0].2), (E164, Category::Robocall.code() as i64, 2.0), "two votes, not four");
}

#[test]
fn a_device_over_its_rate_limit_is_refused_and_others_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("srv/server.db"), &["--rate-burst", "3", "--rate-per-minute", "1"]);
    let mut noisy = Device::new(dir.path(), "noisy", &server.url);
    for i in 0..3 {
        noisy.screener.report(&format!("010-5555-01{i:02}"), Category::Scam, None).unwrap();
    }
    assert_eq!(noisy.sync().unwrap().uploaded, 3);
    noisy.screener.report("010-5555-0199", Category::Scam, None).unwrap();
    match noisy.sync() {
        // The server says when to come back (a minute for one token); the phone does not
        // sit out a wait longer than its retry budget: had it waited and retried, the token
        // would have come back and the upload succeeded instead of this error.
        Err(Error::RateLimited { retry_after_secs }) => {
            assert!((30..=60).contains(&retry_after_secs), "{retry_after_secs}")
        }
        other => panic!("expected a rate-limit error, got {other:?}"),
    }
    assert_eq!(noisy.pending(), 1, "the refused report stays in the outbox");

    let mut quiet = Device::new(dir.path(), "quiet", &server.url);
    quiet.screener.report("010-5555-0198", Category::Scam, None).unwrap();
    assert_eq!(quiet.sync().unwrap().uploaded, 1, "another device is not held back by the noisy one");

    // Raw: 429, a Retry-After header and a JSON error.
    let device = noisy.device_id();
    let r = reqwest::blocking::Client::new()
        .post(format!("{}/v1/reports", server.url))
        .json_like(&batch(&device, &[("k-raw-0001", "+821055550197", true, Some("scam"))]))
        .send()
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
    let j: serde_json::Value = serde_json::from_str(&r.text().unwrap()).unwrap();
    assert_eq!(j["error"], "rate_limited");
}

trait JsonLike {
    fn json_like(self, v: &serde_json::Value) -> Self;
}

impl JsonLike for reqwest::blocking::RequestBuilder {
    fn json_like(self, v: &serde_json::Value) -> Self {
        self.header("content-type", "application/json").body(serde_json::to_vec(v).unwrap())
    }
}

#[test]
fn bad_reports_get_a_clear_4xx_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        &dir.path().join("srv/server.db"),
        &["--min-reporters", "1", "--list-threshold", "1", "--min-confidence", "0"],
    );
    let dev = &device_id(0x0123);
    let good = ("k-good-0001", "+821055550101", true, Some("scam"));
    // A batch that names a device id other than its signing key's.
    let not_mine = {
        let mut b = batch(&device_id(0x0124), &[good]);
        let inner = b["batch"].as_str().unwrap().replace(&device_id(0x0124), "not-a-device");
        b = serde_json::from_slice(&ringfence_e2e::signed_text(0x0124, &inner)).unwrap();
        b
    };
    // A signed batch with a field batches do not have.
    let unknown_field = {
        let text = format!(
            r#"{{"device":"{dev}","at":{},"nonce":"{}","reports":[],"extra":1}}"#,
            ringfence_e2e::unix_now(),
            "0b".repeat(8)
        );
        serde_json::from_slice(&ringfence_e2e::signed_text(0x0123, &text)).unwrap()
    };
    let cases: Vec<(serde_json::Value, u16, &str)> = vec![
        (batch(dev, &[good, ("k-bad-00001", "+82 10 12=34", true, Some("scam"))]), 422, "invalid_number"),
        (batch(dev, &[good, ("k-bad-00002", "01012345678", true, Some("scam"))]), 422, "invalid_number"),
        (batch(dev, &[good, ("k-bad-00003", "+821055550102", true, Some("lottery"))]), 422, "unknown_category"),
        (batch(dev, &[good, ("k-bad-00004", "+821055550102", true, Some("emergency"))]), 422, "unknown_category"),
        (batch(dev, &[good, ("k-bad-00005", "+82112", true, Some("scam"))]), 422, "emergency_number"),
        (batch(dev, &[good, ("k-bad-00006", "+1911", true, Some("scam"))]), 422, "emergency_number"),
        // Emergency numbers of every region, from the short-number data: CH police, ZA police.
        (batch(dev, &[good, ("k-bad-00008", "+41117", true, Some("scam"))]), 422, "emergency_number"),
        (batch(dev, &[good, ("k-bad-00009", "+27 10111", true, Some("scam"))]), 422, "emergency_number"),
        (batch(dev, &[good, ("short", "+821055550102", true, Some("scam"))]), 422, "bad_key"),
        (not_mine, 401, "bad_signature"),
        (batch(dev, &[]), 400, "empty_batch"),
        (serde_json::json!({"device": dev, "reports": [], "extra": 1}), 426, "signature_required"),
        (unknown_field, 400, "bad_json"),
    ];
    for (body, status, code) in &cases {
        let (s, j) = server.post("/v1/reports", body);
        assert_eq!((s, j["error"].as_str()), (*status, Some(*code)), "{body} -> {j}");
        assert!(j["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let (s, j) = server.post_raw("/v1/reports", b"{not json".to_vec());
    assert_eq!((s, j["error"].as_str()), (400, Some("bad_json")));
    let many: Vec<(String, &str, bool, Option<&str>)> =
        (0..501).map(|i| (format!("k-many-{i:05}"), "+821055550101", true, Some("scam"))).collect();
    let many: Vec<(&str, &str, bool, Option<&str>)> =
        many.iter().map(|(k, n, s, c)| (k.as_str(), *n, *s, *c)).collect();
    let (s, j) = server.post("/v1/reports", &batch(dev, &many));
    assert_eq!((s, j["error"].as_str()), (413, Some("batch_too_large")));
    let huge = serde_json::json!({"device": dev, "reports": [{"key": "k-huge-0001", "number": "+821055550101", "spam": true, "at": 0, "comment": "x".repeat(300_000)}]});
    let (s, j) = server.post("/v1/reports", &huge);
    assert_eq!((s, j["error"].as_str()), (413, Some("body_too_large")));

    // None of that counted: the good report in those batches is new to the server.
    server.settle();
    assert_eq!(server.latest(), 0);
    let (s, ack) = server.post("/v1/reports", &batch(dev, &[good]));
    assert_eq!((s, ack["accepted"].as_u64()), (200, Some(1)), "{ack}");
    server.wait_version(1);

    // A phone whose outbox holds a report the server refuses (written by an older app
    // that let an emergency number through): that one is dropped, named by its index,
    // and the others go through.
    let mut d = Device::new(dir.path(), "d", &server.url);
    d.screener.report("010-5555-0177", Category::Scam, None).unwrap();
    rusqlite::Connection::open(&d.path)
        .unwrap()
        .execute(
            "INSERT INTO reports (number, spam, category, created_at, idempotency_key) VALUES (82112, 1, 5, 0, 'old-app-report-1')",
            [],
        )
        .unwrap();
    d.screener.report("010-5555-0178", Category::Scam, None).unwrap();
    let s = d.sync().unwrap();
    assert_eq!((s.uploaded, s.rejected), (2, 1), "{s:?}");
    assert_eq!(d.pending(), 0);
    let (s, _) = server.post("/v1/not-here", &serde_json::json!({}));
    assert_eq!(s, 404);
}

/// A device synced to version 1, and version 2 published after it.
fn two_versions(dir: &std::path::Path, server: &Server) -> Device {
    for name in ["a", "b", "c"] {
        let mut d = Device::new(dir, name, &server.url);
        d.screener.report(NUMBER, Category::Scam, None).unwrap();
        d.sync().unwrap();
    }
    server.wait_version(1);
    let mut phone = Device::new(dir, "phone", &server.url);
    phone.sync().unwrap();
    for name in ["d", "e", "f"] {
        let mut d = Device::new(dir, name, &server.url);
        d.screener.report("010-5555-0999", Category::Robocall, None).unwrap();
        d.sync().unwrap();
    }
    server.wait_version(2);
    phone
}

#[test]
fn tampered_truncated_unsigned_and_oversized_payloads_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("srv/server.db"), &[]);
    let mut phone = two_versions(dir.path(), &server);
    let before = phone.community();
    assert_eq!((before.len(), phone.screener.sync_version().unwrap()), (1, 1));
    let delta = server.publish.join("deltas/2.rfd");
    let good = std::fs::read(&delta).unwrap();
    let unchanged = |phone: &Device| {
        assert_eq!(phone.community(), before, "local data changed");
        assert_eq!(phone.screener.sync_version().unwrap(), 1);
    };

    // One flipped bit in the body.
    let mut tampered = good.clone();
    let mid = wire::HEADER_LEN + 3;
    tampered[mid] ^= 1;
    std::fs::write(&delta, &tampered).unwrap();
    match phone.sync() {
        Err(Error::BadPayload { source: DecodeError::BadSignature, .. }) => {}
        other => panic!("tampered delta: {other:?}"),
    }
    unchanged(&phone);

    // Cut short on disk.
    std::fs::write(&delta, &good[..good.len() - 10]).unwrap();
    match phone.sync() {
        Err(Error::BadPayload { source: DecodeError::Truncated { .. }, .. }) => {}
        other => panic!("truncated delta: {other:?}"),
    }
    unchanged(&phone);

    // Signed by another key (a forger's), and not signed at all.
    let forger = wire::SigningKey::from_bytes(&[42u8; 32]);
    let mut p = wire::decode(&good, &wire::parse_public_key(&server.key).unwrap(), &wire::Limits::default()).unwrap();
    p.entries[0].score = 500.0;
    std::fs::write(&delta, wire::encode(&p, &forger).unwrap()).unwrap();
    match phone.sync() {
        Err(Error::BadPayload { source: DecodeError::WrongKey { .. }, .. }) => {}
        other => panic!("forged delta: {other:?}"),
    }
    std::fs::write(&delta, &good[..good.len() - wire::SIGNATURE_LEN]).unwrap();
    assert!(matches!(phone.sync(), Err(Error::BadPayload { .. })));
    let mut zero_sig = good.clone();
    let n = zero_sig.len();
    zero_sig[n - wire::SIGNATURE_LEN..].fill(0);
    std::fs::write(&delta, &zero_sig).unwrap();
    assert!(matches!(phone.sync(), Err(Error::BadPayload { source: DecodeError::BadSignature, .. })));
    unchanged(&phone);
    std::fs::write(&delta, &good).unwrap();

    // Cut in transit, by a proxy that keeps the announced length.
    let proxy = Proxy::start(&server.addr);
    let via_proxy = quick(&proxy.url);
    proxy.set(Fault::Truncate("deltas/2".into()));
    match phone.screener.sync_http(&via_proxy, &mut |_| {}) {
        Err(Error::ServerUnreachable { .. }) | Err(Error::BadPayload { .. }) => {}
        other => panic!("truncated in transit: {other:?}"),
    }
    unchanged(&phone);

    // Larger than the device accepts.
    let mut small = phone.config.clone();
    small.max_download_bytes = 64;
    assert!(matches!(phone.screener.sync_http(&small, &mut |_| {}), Err(Error::PayloadTooLarge { .. })));
    unchanged(&phone);

    // The manifest is signed: changed in transit or on a mirror, it is refused. (Served by
    // a mirror: the publisher re-signs the real one on every run.)
    let m = server.manifest();
    let manifest = std::fs::read(server.publish.join("manifest.json")).unwrap();
    let mirror = Proxy::start(&server.addr);
    let via = quick(&mirror.url);
    let serve = |bytes: Vec<u8>| mirror.set(Fault::Serve(Arc::new(vec![("manifest.json".into(), bytes)])));
    let tampered = String::from_utf8(manifest.clone()).unwrap().replace("\\\"latest\\\": 2", "\\\"latest\\\": 0");
    assert_ne!(tampered.as_bytes(), &manifest[..], "the test changes the manifest");
    serve(tampered.into_bytes());
    let e = phone.screener.sync_http(&via, &mut |_| {}).unwrap_err();
    assert!(matches!(e, Error::BadResponse { .. }) && e.to_string().contains("signature"), "{e}");
    // Re-signed by another key: the pinned key refuses it.
    let forged = wire::Manifest { key: wire::hex(forger.verifying_key().as_bytes()), ..m.clone() };
    serve(wire::sign_manifest(&forged, &forger));
    assert!(matches!(phone.screener.sync_http(&via, &mut |_| {}), Err(Error::KeyChanged { .. })));
    // Signed by the real key (a compromised mirror cannot, but the checks still hold):
    // pointing back in time, or naming the wrong file for a version.
    let real = server.signing_key();
    serve(wire::sign_manifest(&wire::Manifest { latest: 0, ..m.clone() }, &real));
    let e = phone.screener.sync_http(&via, &mut |_| {}).unwrap_err();
    assert!(matches!(e, Error::RollbackRefused { local: 1, offered: 0 }), "{e}");
    serve(wire::sign_manifest(&wire::Manifest { delta_path: "deltas/1.rfd".into(), ..m.clone() }, &real));
    let e = phone.screener.sync_http(&via, &mut |_| {}).unwrap_err();
    assert!(matches!(e, Error::BadResponse { .. }), "version 1's delta offered as version 2: {e}");
    unchanged(&phone);

    // With the real files back, the same device catches up.
    let s = phone.sync().unwrap();
    assert_eq!((s.from_version, s.to_version, s.upserted), (1, 2, 1));
    assert_eq!(phone.community().len(), 2);
}

#[test]
fn a_server_killed_mid_sync_leaves_the_device_as_it_was_until_the_next_sync() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(&dir.path().join("srv/server.db"), &[]);
    let mut phone = two_versions(dir.path(), &server);
    let before = phone.community();
    phone.screener.report("010-5555-0888", Category::Scam, None).unwrap();

    let proxy = Proxy::start(&server.addr);
    let pid = server.child.id();
    proxy.set(Fault::KillDuring(
        "deltas/2".into(),
        Arc::new(move || {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        }),
    ));
    let via_proxy = quick(&proxy.url);
    match phone.screener.sync_http(&via_proxy, &mut |_| {}) {
        Err(Error::ServerUnreachable { .. }) => {}
        other => panic!("expected the server to be unreachable, got {other:?}"),
    }
    assert_eq!(phone.community(), before);
    assert_eq!(phone.screener.sync_version().unwrap(), 1);
    assert_eq!(phone.pending(), 0, "the upload before the kill was acknowledged");

    // While it is down: a clear error, nothing changes.
    server.kill();
    let down = phone.sync().unwrap_err();
    assert!(matches!(down, Error::ServerUnreachable { .. }), "{down}");
    assert!(down.to_string().contains("cannot reach"), "{down}");

    server.restart();
    proxy.set(Fault::None);
    let s = phone.screener.sync_http(&via_proxy, &mut |_| {}).unwrap();
    assert_eq!((s.from_version, s.to_version), (1, 2));
    assert_eq!(phone.community().len(), 2);
}

#[test]
fn the_key_is_pinned_and_a_different_one_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("one/server.db"), &[]);
    let mut phone = two_versions(dir.path(), &server);
    let before = phone.community();
    assert_eq!(phone.screener.pinned_key().unwrap().as_deref(), Some(server.key.as_str()));

    // Another server (another key) at the same address the phone knows: refused.
    let other = Server::start(&dir.path().join("two/server.db"), &[]);
    assert_ne!(other.key, server.key);
    let moved = quick(&other.url);
    let e = phone.screener.sync_http(&moved, &mut |_| {}).unwrap_err();
    assert!(matches!(e, Error::KeyChanged { .. }), "{e}");
    assert!(e.to_string().contains(&other.key), "{e}");
    assert_eq!(phone.community(), before);

    // A wrong explicit key is refused too; the right explicit key switches (from zero).
    let wrong = moved.clone().with_key(&server.key).unwrap();
    assert!(matches!(phone.screener.sync_http(&wrong, &mut |_| {}), Err(Error::KeyChanged { .. })));
    let right = moved.with_key(&other.key).unwrap();
    let s = phone.screener.sync_http(&right, &mut |_| {}).unwrap();
    assert_eq!((s.pinned_key.as_deref(), s.to_version), (Some(other.key.as_str()), 0));
    assert!(phone.community().is_empty(), "the old server's numbers went with its key");
}

#[test]
fn pubkey_command_and_clean_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("srv/server.db");
    let out = Command::new(bin("ringfence-server")).arg("--db").arg(&db).arg("pubkey").output().unwrap();
    assert!(out.status.success());
    let printed = String::from_utf8(out.stdout).unwrap();
    assert_eq!(printed.lines().count(), 1);
    let key = printed.trim();
    assert!(wire::parse_public_key(key).is_some(), "{key:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("srv/server.db.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let mut server = Server::start(&db, &[]);
    assert_eq!(server.key, key, "the server uses the key pubkey printed");
    assert!(server.signal(15).success(), "SIGTERM");
    let mut server = Server::start(&db, &[]);
    assert!(server.signal(2).success(), "SIGINT");
    server.kill();
}

#[test]
fn a_phone_killed_at_any_moment_of_a_sync_keeps_a_consistent_database() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("srv/server.db"), &[]);
    // A big snapshot, signed with the server's own key, served by a second "static
    // server" (the proxy) so the phone spends a while applying it.
    let secret = std::fs::read_to_string(dir.path().join("srv/server.db.key")).unwrap();
    let key = wire::SigningKey::from_bytes(&wire::unhex(secret.trim()).unwrap().try_into().unwrap());
    let now = 1_795_000_000;
    let n = 200_000u64;
    let entries = (0..n)
        .map(|i| wire::Entry {
            key: 821_000_000_000 + i * 37,
            category: Category::Scam,
            score: 6.0,
            last_activity: now,
            disputed: false,
        })
        .collect();
    let header = wire::Header {
        kind: wire::Kind::Snapshot,
        key_id: [0; 8],
        version: 5,
        base_version: 0,
        created_at: now,
        half_life_secs: 0,
        entries: 0,
        deletions: 0,
    };
    let snapshot = wire::encode(&wire::Payload { header, entries, deletions: vec![] }, &key).unwrap();
    let manifest = wire::sign_manifest(
        &wire::Manifest {
            format: wire::FORMAT_VERSION,
            latest: 5,
            snapshot: Some(wire::FileRef { version: 5, path: "snapshots/5.rfs".into() }),
            oldest_delta: None,
            delta_path: wire::DELTA_PATH.into(),
            lookup_salt: "00".into(),
            key: server.key.clone(),
            key_id: wire::hex(&wire::key_id(&key.verifying_key())),
            // Fresh (older data would make `sync` exit 3, stale).
            created_at: ringfence_e2e::unix_now(),
            half_life_secs: 0,
        },
        &key,
    );
    let proxy = Proxy::start(&server.addr);
    proxy.set(Fault::Serve(Arc::new(vec![("manifest.json".into(), manifest), ("snapshots/5.rfs".into(), snapshot)])));

    let db = dir.path().join("phone.db");
    let state = || {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(ok, "ok");
        // Killed before the schema was created: an empty database is consistent too.
        let tables: i64 =
            conn.query_row("SELECT count(*) FROM sqlite_master WHERE name = 'community'", [], |r| r.get(0)).unwrap();
        if tables == 0 {
            return (None, 0);
        }
        let version: Option<String> =
            conn.query_row("SELECT value FROM meta WHERE key = 'sync.version'", [], |r| r.get(0)).ok();
        let rows = conn
            .query_row("SELECT count(*) FROM community WHERE source = 1", [], |r| r.get::<_, i64>(0))
            .unwrap() as u64;
        (version, rows)
    };
    let (mut killed, mut finished) = (0, false);
    for delay_ms in [20u64, 50, 100, 150, 200, 300, 400, 500, 700, 900, 1200, 1600, 2000, 3000, 5000] {
        let mut child = Command::new(bin("ringfence"))
            .arg("--db")
            .arg(&db)
            .args(["--region", "KR", "sync", "--server", &proxy.url, "--key", &server.key])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success());
            finished = true;
        } else {
            child.kill().unwrap(); // SIGKILL: no cleanup, no unwinding
            child.wait().unwrap();
            killed += 1;
        }
        if std::fs::metadata(&db).is_ok() {
            match state() {
                (None, 0) => {}
                (Some(v), rows) if v == "5" && rows == n => {}
                other => panic!("half a sync after a kill at {delay_ms} ms: {other:?}"),
            }
        }
        if finished {
            break;
        }
    }
    eprintln!("killed {killed} syncs at increasing moments; finished: {finished}");
    assert!(killed >= 1, "no sync was killed mid-way");
    if !finished {
        let out = Command::new(bin("ringfence"))
            .arg("--db")
            .arg(&db)
            .args(["--region", "KR", "sync", "--server", &proxy.url])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    assert_eq!(state(), (Some("5".into()), n));
}

#[test]
fn a_publish_directory_that_lost_files_is_repaired_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(&dir.path().join("srv/server.db"), &[]);
    let mut phone = two_versions(dir.path(), &server);
    server.signal(15);
    // An operator restores the directory without the first delta, then without anything.
    std::fs::remove_file(server.publish.join("deltas/1.rfd")).unwrap();
    server.restart();
    let m = serde_json::to_value(server.manifest()).unwrap();
    assert_eq!((m["latest"].as_u64(), m["oldest_delta"].as_u64()), (Some(2), Some(2)), "{m}");
    let mut fresh = Device::new(dir.path(), "fresh", &server.url);
    let s = fresh.sync().unwrap();
    assert!(s.snapshot && s.to_version == 2, "{s:?}");
    assert_eq!(fresh.community(), {
        phone.sync().unwrap();
        phone.community()
    });

    server.signal(15);
    std::fs::remove_dir_all(&server.publish).unwrap();
    server.restart();
    let m = serde_json::to_value(server.manifest()).unwrap();
    assert!(m["oldest_delta"].is_null(), "{m}");
    assert_eq!(m["snapshot"]["version"].as_u64(), Some(2));
    let mut other = Device::new(dir.path(), "other", &server.url);
    assert_eq!(other.sync().unwrap().to_version, 2);
    assert_eq!(other.community().len(), 2);
}
