//! The phone's sync client against a hostile server, mirror or network (issue 11): each
//! test is an attack that worked on the client before it was rebuilt as a sans-I/O
//! client with signed manifests, signed batches and one deadline per call.
//!
//! No wall-clock asserts: a test that would hang without the deadline is cut by the
//! deadline's error, and waits are for events (a new manifest), never for time.

use ringfence_core::wire::{self, SigningKey};
use ringfence_core::{Category, Error, Region, Screener};
use ringfence_e2e::{batch, bin, client_from, device_id, quick, Device, Fault, OverHttp, Proxy, Server};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const NUMBER: &str = "010-5555-0101";

/// The server under attack. Its phones are new devices, counted in full here: the
/// evidence model is not what these tests are about (tests/e2e/tests/evidence.rs is).
fn start(dir: &std::path::Path) -> Server {
    Server::start(&dir.join("srv/server.db"), &["--new-device-weight", "1"])
}

/// A server with `NUMBER` listed (version 1), and a phone that synced it.
fn listed(dir: &std::path::Path, server: &Server) -> Device {
    for name in ["a", "b", "c", "d", "e"] {
        let mut d = Device::new(dir, name, &server.url);
        d.screener.report(NUMBER, Category::Scam, None).unwrap();
        d.sync().unwrap();
    }
    server.wait_published();
    let mut phone = Device::new(dir, "phone", &server.url);
    phone.sync().unwrap();
    assert_eq!(phone.community().len(), 1, "the number is listed");
    phone
}

fn raw(status: &str, headers: &str, body: &str) -> Arc<Vec<u8>> {
    Arc::new(
        format!("HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())
            .into_bytes(),
    )
}

#[test]
fn a_trickling_server_cannot_hold_a_sync_or_a_lookup_past_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let proxy = Proxy::start(&server.addr);
    // One byte every 300 ms: the manifest alone would take minutes. Per-read timeouts
    // never fire on this; only a deadline for the whole call does.
    proxy.set(Fault::Trickle("manifest.json".into(), Duration::from_millis(300)));
    let mut config = quick(&proxy.url);
    config.timeout = Duration::from_secs(2);
    let mut phone = Screener::open(dir.path().join("p.db"), Region::KR).unwrap();
    let e = phone.sync_http(&config, &mut |_| {}).unwrap_err();
    assert!(matches!(e, Error::TimedOut { secs: 2, .. }), "{e}");
    assert!(e.to_string().contains("2 s deadline"), "{e}");
    let e = phone.lookup_http(NUMBER, &config).unwrap_err();
    assert!(matches!(e, Error::TimedOut { .. }), "{e}");
    assert_eq!(phone.sync_version().unwrap(), 0, "nothing applied");

    // The command line: --timeout bounds the whole command.
    let out = Command::new(bin("ringfence"))
        .args(["--db", dir.path().join("cli.db").to_str().unwrap(), "sync", "--server", &proxy.url, "--timeout", "2"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("did not answer within the 2 s deadline"), "{stderr}");
}

#[test]
fn retry_after_is_clamped_and_never_overflows() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let proxy = Proxy::start(&server.addr);
    proxy.set(Fault::Respond(
        "manifest.json".into(),
        raw("429 Too Many Requests", "Retry-After: 18446744073709551615\r\n", "{}"),
    ));
    let mut phone = Screener::open(dir.path().join("p.db"), Region::KR).unwrap();
    // The clamped wait (an hour) is longer than the deadline: the error comes at once.
    let e = phone.sync_http(&quick(&proxy.url), &mut |_| {}).unwrap_err();
    assert!(matches!(e, Error::RateLimited { retry_after_secs: 3600 }), "{e}");
}

#[test]
fn redirects_stay_on_the_servers_origin() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let mut phone = listed(dir.path(), &server);
    phone.screener.report("010-5555-0202", Category::Scam, Some("my own number was spoofed")).unwrap();

    // Another host collects what follows the redirect.
    let elsewhere = Proxy::start(&server.addr);
    let proxy = Proxy::start(&server.addr);
    proxy.set(Fault::Redirect("/v1/reports".into(), format!("{}/v1/reports", elsewhere.url)));
    let e = phone.screener.sync_http(&quick(&proxy.url), &mut |_| {}).unwrap_err();
    assert!(matches!(e, Error::BadResponse { .. }) && e.to_string().contains("another origin"), "{e}");
    assert!(elsewhere.take_requests().is_empty(), "the report body went to another host");
    assert_eq!(phone.pending(), 1, "the report stays queued");

    // Within the origin (a server that moved its API under a new path) it is followed.
    proxy.set(Fault::Redirect("/old/".into(), "/".into()));
    let s = phone.screener.sync_http(&quick(&format!("{}/old", proxy.url)), &mut |_| {}).unwrap();
    assert_eq!((s.uploaded, phone.pending()), (1, 0));
}

#[test]
fn a_mirror_can_neither_swap_the_salt_nor_replay_old_data() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let other = "010-5555-0303";
    let mut phone = Device::new(dir.path(), "phone", &server.url);
    phone.sync().unwrap();
    let m1 = std::fs::read(server.publish.join("manifest.json")).unwrap();
    let manifest1 = server.manifest();
    // The lookup answer for `other` while it is not listed: genuine, signed, and old soon.
    let e164 = phone.screener.number(other).unwrap().e164;
    let (bucket, _) = wire::lookup_hash(&wire::unhex(&manifest1.lookup_salt).unwrap(), e164);
    let old_bucket = reqwest::blocking::get(format!("{}/v1/lookup/{bucket:04x}", server.url)).unwrap().bytes().unwrap();
    assert!(phone.screener.lookup_http(other, &phone.config.clone()).unwrap().is_none());

    for name in ["a", "b", "c", "d", "e"] {
        let mut d = Device::new(dir.path(), name, &server.url);
        d.screener.report(other, Category::Scam, None).unwrap();
        d.sync().unwrap();
    }
    server.wait_published();
    // The publisher re-signs the manifest every run: wait for one made after m1.
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.manifest().created_at <= manifest1.created_at {
        assert!(Instant::now() < deadline, "the manifest was never re-signed");
        std::thread::sleep(Duration::from_millis(100));
    }
    phone.sync().unwrap();
    assert!(phone.screener.lookup_http(other, &phone.config.clone()).unwrap().is_some(), "listed now");

    let mirror = Proxy::start(&server.addr);
    let via_mirror = quick(&mirror.url);
    // A salt of the mirror's choosing, re-signed with its own key: refused.
    let forger = SigningKey::from_bytes(&[9; 32]);
    let swapped = wire::Manifest {
        lookup_salt: "00".repeat(16),
        key: wire::hex(forger.verifying_key().as_bytes()),
        ..server.manifest()
    };
    mirror.set(Fault::Serve(Arc::new(vec![("manifest.json".into(), wire::sign_manifest(&swapped, &forger))])));
    assert!(matches!(phone.screener.sync_http(&via_mirror, &mut |_| {}), Err(Error::KeyChanged { .. })));
    // The genuine manifest of before: frozen in time, refused.
    mirror.set(Fault::Serve(Arc::new(vec![("manifest.json".into(), m1)])));
    let e = phone.screener.sync_http(&via_mirror, &mut |_| {}).unwrap_err();
    assert!(matches!(e, Error::ReplayRefused { .. }), "{e}");
    // The genuine lookup answer of before (the number not yet listed): refused.
    mirror.set(Fault::Serve(Arc::new(vec![(format!("v1/lookup/{bucket:04x}"), old_bucket.to_vec())])));
    let e = phone.screener.lookup_http(other, &via_mirror).unwrap_err();
    assert!(matches!(e, Error::ReplayRefused { .. }), "{e}");
    assert_eq!(phone.community().len(), 1, "the local copy is as it was");
}

#[test]
fn data_older_than_three_days_is_reported_stale() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let _phone = listed(dir.path(), &server);
    // A mirror that stopped updating four days ago (its files are genuine).
    let m = server.manifest();
    let old = wire::Manifest { created_at: m.created_at - 4 * 86_400, ..m };
    let mirror = Proxy::start(&server.addr);
    mirror
        .set(Fault::Serve(Arc::new(vec![("manifest.json".into(), wire::sign_manifest(&old, &server.signing_key()))])));
    let mut fresh = Screener::open(dir.path().join("fresh.db"), Region::KR).unwrap();
    let s = fresh.sync_http(&quick(&mirror.url), &mut |_| {}).unwrap();
    assert!(s.stale, "{s:?}");
    assert_eq!((s.to_version, s.server_data_at), (old.latest, old.created_at));

    let out = Command::new(bin("ringfence"))
        .args(["--db", dir.path().join("cli.db").to_str().unwrap(), "sync", "--server", &mirror.url])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("4 days old"), "{stderr}");
}

#[test]
fn device_ids_are_not_bearer_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    // The real server with INFO logs, to check what it writes.
    let db = dir.path().join("srv/server.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let mut child = Command::new(bin("ringfence-server"))
        .arg("--db")
        .arg(&db)
        .args(["--listen", "127.0.0.1:0", "--publish-interval", "0.2"])
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    let addr = {
        use std::io::BufRead;
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        loop {
            let line = lines.next().expect("the server printed its address").unwrap();
            if let Some(a) = line.strip_prefix("ringfence-server listening on http://") {
                break a.trim().to_string();
            }
        }
    };
    let url = format!("http://{addr}");
    let post = |from: &str, body: &serde_json::Value| {
        let r = client_from(from.parse().unwrap())
            .post(format!("{url}/v1/reports"))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(body).unwrap())
            .send()
            .unwrap();
        let status = r.status().as_u16();
        (status, serde_json::from_str::<serde_json::Value>(&r.text().unwrap_or_default()).unwrap_or_default())
    };
    let victim = device_id(0x51);
    let body = batch(&victim, &[("hijack-0001", "+82212345678", true, Some("scam"))]);
    assert_eq!(post("127.0.31.1", &body).0, 200);
    // The captured request, re-sent from another network: refused, the vote stays put.
    let (status, answer) = post("127.0.32.1", &body);
    assert_eq!((status, answer["error"].as_str()), (409, Some("replayed")), "{answer}");
    // The victim's id in a batch signed with another key: refused.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let claim = wire::ReportBatch {
        device: victim.clone(),
        at: now,
        nonce: "ab".repeat(8),
        reports: vec![wire::ReportItem {
            key: "hijack-0002".into(),
            number: "+82212345678".into(),
            spam: false,
            category: None,
            comment: None,
            at: 0,
        }],
    };
    let forged = serde_json::to_value(wire::sign_batch(&claim, &ringfence_e2e::device_key(0x52))).unwrap();
    let (status, answer) = post("127.0.33.1", &forged);
    assert_eq!((status, answer["error"].as_str()), (401, Some("bad_signature")), "{answer}");
    // An old client's unsigned batch: a clear refusal.
    let unsigned = serde_json::json!({ "device": victim, "reports": [
        { "key": "hijack-0003", "number": "+82212345678", "spam": false, "at": 0 }
    ]});
    let (status, answer) = post("127.0.34.1", &unsigned);
    assert_eq!((status, answer["error"].as_str()), (426, Some("signature_required")), "{answer}");

    let _ = child.kill();
    let _ = child.wait();
    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    assert!(log.contains("reports recorded"), "INFO logging was on: {log}");
    assert!(!log.contains(&victim), "a device id in the server log: {log}");
    assert!(!log.contains("12345678"), "a number in the server log: {log}");
}

#[test]
fn only_the_servers_signed_answer_takes_a_report_out_of_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let mut phone = listed(dir.path(), &server);
    phone.screener.report("010-5555-0404", Category::Scam, None).unwrap();
    let proxy = Proxy::start(&server.addr);
    let via = quick(&proxy.url);
    // A man in the middle acknowledges the batch himself, or refuses it as invalid.
    proxy.set(Fault::Respond("v1/reports".into(), raw("200 OK", "", r#"{"accepted":1,"duplicates":0}"#)));
    let e = phone.screener.sync_http(&via, &mut |_| {}).unwrap_err();
    assert!(matches!(e, Error::BadResponse { .. }), "{e}");
    let fake_ack = r#"{"accepted":1,"duplicates":0,"batch":"00","signature":"00"}"#;
    proxy.set(Fault::Respond("v1/reports".into(), raw("200 OK", "", fake_ack)));
    assert!(phone.screener.sync_http(&via, &mut |_| {}).is_err());
    let rejection = r#"{"error":"invalid_number","message":"report 0: no","index":0}"#;
    proxy.set(Fault::Respond("v1/reports".into(), raw("422 Unprocessable Entity", "", rejection)));
    assert!(matches!(phone.screener.sync_http(&via, &mut |_| {}), Err(Error::Refused { status: 422, .. })));
    assert_eq!(phone.pending(), 1, "the report is still queued");
    // The real server's signed answer does.
    proxy.set(Fault::None);
    let s = phone.screener.sync_http(&via, &mut |_| {}).unwrap();
    assert_eq!((s.uploaded, phone.pending()), (1, 0));
}

#[test]
fn a_files_header_is_checked_before_its_body_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let _phone = listed(dir.path(), &server);
    // A fresh phone takes delta 1 (the first version): here one whose header announces
    // a 3 GB body.
    let m = server.manifest();
    assert_eq!(m.oldest_delta, Some(1), "a fresh phone takes the deltas from 1");
    let snapshot = wire::delta_path(1);
    let mut file = std::fs::read(server.publish.join(&snapshot)).unwrap();
    file[52..56].copy_from_slice(&3_000_000_000u32.to_le_bytes());
    file.truncate(200);
    let mut answer = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec();
    answer.extend_from_slice(&file);
    let mirror = Proxy::start(&server.addr);
    mirror.set(Fault::Respond(snapshot.clone(), Arc::new(answer)));
    let mut fresh = Screener::open(dir.path().join("fresh.db"), Region::KR).unwrap();
    let mut config = quick(&mirror.url);
    config.max_download_bytes = 1 << 20;
    // Refused from the header alone: the 200 bytes sent are far below the limit.
    let e = fresh.sync_http(&config, &mut |_| {}).unwrap_err();
    assert!(matches!(e, Error::PayloadTooLarge { limit: 1_048_576, .. }), "{e}");
    assert_eq!(fresh.sync_version().unwrap(), 0);
}
