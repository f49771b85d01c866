//! The community service under abuse, against the real `ringfence-server` process:
//! a flood from one device, devices minted on a few networks (a Sybil attack), replayed
//! requests, hostile bodies and headers, slow clients. Each test checks the server stays
//! up, honest clients are served while the attack goes on, and its memory stays bounded
//! (`/proc/PID/status`: VmRSS, VmHWM). How fast they are served is printed (`--nocapture`)
//! and kept in `docs/reliability.md`, never asserted: a test proves the order of events
//! (an honest request answered between two of the flood's refusals, or while slow
//! connections are still held), not a speed that a busy machine may not reach.

use ringfence_core::{Action, Call, Category};
use ringfence_e2e::{batch, client_from, device_id, percentile_ms, signed_text, unix_now, Device, Server};
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The tests that print latency figures run one at a time (two cores: a flood next door
/// would be measured too).
fn heavy() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// How long a test waits for an event before it fails instead of hanging. Not a measurement.
const WAIT: Duration = Duration::from_secs(60);

const INNOCENT: &str = "+821055550777";
const INNOCENT_KEY: i64 = 821055550777;
const SPAMMER: &str = "+821055550888";
const SPAMMER_KEY: i64 = 821055550888;

fn one_report(device: &str, key: &str, number: &str) -> serde_json::Value {
    batch(device, &[(key, number, true, Some("scam"))])
}

/// `n` reports with keys `{prefix}-NNNNNN`, of numbers from a range that depends on the prefix.
fn reports(device: &str, prefix: &str, n: usize) -> serde_json::Value {
    let first = prefix.bytes().fold(0usize, |h, b| (h * 31 + usize::from(b)) % 60_000) * 1000;
    let items: Vec<(String, String)> =
        (0..n).map(|i| (format!("{prefix}-{i:06}"), format!("+8210{:08}", 30_000_000 + first + i))).collect();
    let refs: Vec<(&str, &str, bool, Option<&str>)> =
        items.iter().map(|(k, number)| (k.as_str(), number.as_str(), true, Some("scam"))).collect();
    batch(device, &refs)
}

fn memory(server: &Server, what: &str, before: (u64, u64)) -> (u64, u64) {
    let now = server.memory_kib();
    eprintln!("memory {what}: VmRSS {} -> {} KiB, VmHWM {} -> {} KiB", before.0, now.0, before.1, now.1);
    now
}

// ---- floods ----

#[test]
fn a_flood_from_one_device_gets_429s_and_other_devices_are_served_meanwhile() {
    let _heavy = heavy();
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("srv/server.db"), &[]);
    let mem0 = server.memory_kib();

    // Honest traffic: devices on their own networks, each uploading a small batch, a
    // lookup and the manifest, one request at a time; before each request, `between`
    // runs. Every request must get its 200. Returns every request's latency (printed).
    let honest = |round: u64, n: u64, between: &mut dyn FnMut()| -> Vec<Duration> {
        let client = reqwest::blocking::Client::new();
        let mut lat = Vec::new();
        for i in 0..n {
            let dev = device_id(round * 1_000_000 + i);
            let from = format!("10.{round}.{i}.7");
            between();
            let started = Instant::now();
            let (s, j) = server.post_from(&client, &from, "/v1/reports", &reports(&dev, &format!("h{round}-{i}"), 3));
            lat.push(started.elapsed());
            assert_eq!(s, 200, "honest upload refused: {j}");
            for path in [format!("/v1/lookup/{:04x}", i * 997 % 65536), "/v1/data/manifest.json".to_string()] {
                between();
                let started = Instant::now();
                let r = client.get(format!("{}{path}", server.url)).send().unwrap();
                assert_eq!(r.status(), 200, "{path}");
                r.bytes().unwrap();
                lat.push(started.elapsed());
            }
        }
        lat
    };
    let quiet = honest(1, 40, &mut || {});

    // The flood: one device, 3 connections, batches of 100 reports, as fast as it can.
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, limited, other) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let flooder = device_id(0xf100d);
    let started = Instant::now();
    let threads: Vec<_> = (0..3)
        .map(|t| {
            let (stop, ok, limited, other) = (stop.clone(), ok.clone(), limited.clone(), other.clone());
            let (url, flooder) = (server.url.clone(), flooder.clone());
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::new();
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let body = serde_json::to_vec(&reports(&flooder, &format!("f{t}-{i}"), 100)).unwrap();
                    i += 1;
                    let r = client
                        .post(format!("{url}/v1/reports"))
                        .header("content-type", "application/json")
                        .header("x-forwarded-for", "203.0.113.5")
                        .body(body)
                        .send();
                    match r.map(|r| r.status().as_u16()) {
                        Ok(200) => ok.fetch_add(1, Ordering::Relaxed),
                        Ok(429) => limited.fetch_add(1, Ordering::Relaxed),
                        _ => other.fetch_add(1, Ordering::Relaxed),
                    };
                }
            })
        })
        .collect();
    // Waits until the flood has been refused again since the last call: the flood is
    // going on, and is being refused, between any two honest requests.
    let mut refused_so_far = 0;
    let mut flood_refused_again = || {
        let deadline = Instant::now() + WAIT;
        loop {
            let now = limited.load(Ordering::Relaxed);
            if now > refused_so_far {
                refused_so_far = now;
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the flood was not refused again (other answers: {})",
                other.load(Ordering::Relaxed)
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    };
    let during = honest(2, 40, &mut flood_refused_again);
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    let (ok, limited, other) =
        (ok.load(Ordering::Relaxed), limited.load(Ordering::Relaxed), other.load(Ordering::Relaxed));
    eprintln!(
        "flood: {} requests in {secs:.1} s ({:.0}/s): {ok} accepted, {limited} refused with 429, {other} other",
        ok + limited + other,
        (ok + limited + other) as f64 / secs
    );
    eprintln!(
        "honest latency, quiet: p50 {:.1} ms, p99 {:.1} ms; during the flood: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} requests)",
        percentile_ms(&quiet, 50.0),
        percentile_ms(&quiet, 99.0),
        percentile_ms(&during, 50.0),
        percentile_ms(&during, 99.0),
        percentile_ms(&during, 100.0),
        during.len()
    );
    // The device's burst (500) is 5 batches of 100; its refill (1 a second) never makes
    // another 100 within the test.
    assert_eq!(ok, 5, "accepted batches");
    // Every honest request (each got its 200 above) came after another refusal.
    assert!(limited >= during.len() as u64, "the flood was refused {limited} times");
    assert_eq!(other, 0);
    let votes = server.query_i64("SELECT count(*) FROM votes WHERE device = ?1", &[&flooder]);
    assert_eq!(votes, 500, "the flood counted its burst, no more");
    let mem = memory(&server, "flood", mem0);
    assert!(mem.1 < 200 * 1024, "VmHWM {} KiB", mem.1);
}

#[test]
fn devices_minted_on_one_network_share_its_budget() {
    let _heavy = heavy();
    let dir = tempfile::tempdir().unwrap();
    // Small budgets so the test is quick: a network may send 300 reports at once and
    // introduce 50 new devices; the refill (a report a minute) adds no batch of 10 while
    // the test runs, however slowly.
    let server =
        Server::start(&dir.path().join("srv/server.db"), &["--origin-burst", "300", "--origin-per-minute", "1"]);
    let client = reqwest::blocking::Client::new();
    let (mut accepted, mut origin_limited, mut new_device_limited) = (0, 0, 0);
    for i in 0..80u64 {
        // Devices of one network, each under its own device budget.
        let (s, j) = server.post_from(
            &client,
            &format!("203.0.113.{}", 1 + i % 200),
            "/v1/reports",
            &reports(&device_id(0x5000 + i), &format!("m{i}"), 10),
        );
        match (s, j["error"].as_str()) {
            (200, _) => accepted += 1,
            (429, Some("rate_limited")) => origin_limited += 1,
            (429, Some("too_many_new_devices")) => new_device_limited += 1,
            other => panic!("{other:?}: {j}"),
        }
    }
    eprintln!("80 devices on one network, 10 reports each: {accepted} accepted, {origin_limited} refused for the network's report budget, {new_device_limited} as new devices over its budget");
    assert_eq!(accepted, 30, "300 reports is the network's burst");
    assert_eq!(origin_limited, 50);
    // A device of another network is not affected.
    let (s, _) = server.post_from(&client, "198.51.100.1", "/v1/reports", &reports(&device_id(0x6000), "other", 10));
    assert_eq!(s, 200);
}

/// Private lookups have a budget per network: each costs the server a read and a
/// signature. Past it a network gets 429 with Retry-After; other networks are served.
#[test]
fn lookups_from_one_network_share_its_budget() {
    let _heavy = heavy();
    let dir = tempfile::tempdir().unwrap();
    // The refill, one a minute, adds no lookup while the test runs, however slowly.
    let server =
        Server::start(&dir.path().join("srv/server.db"), &["--lookup-burst", "40", "--lookups-per-minute", "1"]);
    let client = reqwest::blocking::Client::new();
    let get = |from: &str, bucket: u16| {
        client
            .get(format!("{}/v1/lookup/{bucket:04x}", server.url))
            .header("x-forwarded-for", from)
            .send()
            .expect("lookup")
    };
    let (mut served, mut refused, mut retry_after) = (0, 0, None);
    for i in 0..100u16 {
        // Addresses of one /24: one network.
        let r = get(&format!("203.0.113.{}", 1 + i % 200), i);
        match r.status().as_u16() {
            200 => served += 1,
            429 => {
                refused += 1;
                retry_after = r.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_string);
                let j: serde_json::Value = serde_json::from_str(&r.text().unwrap_or_default()).expect("JSON error");
                assert_eq!(j["error"], "rate_limited", "{j}");
            }
            other => panic!("lookup answered {other}"),
        }
    }
    eprintln!("100 lookups from one network with a burst of 40: {served} served, {refused} refused (Retry-After {retry_after:?})");
    assert_eq!(served, 40, "the burst");
    assert_eq!(served + refused, 100);
    assert!(retry_after.as_deref().is_some_and(|w| w.parse::<u64>().is_ok_and(|w| w >= 1)), "{retry_after:?}");
    assert_eq!(get("198.51.100.1", 7).status().as_u16(), 200, "another network is served");
}

// ---- Sybil ----

/// Devices minted on two networks cannot list a number; three networks can (the threshold
/// is independent networks, `--min-reporters` 3); honest users behind one NAT are all
/// served and count once.
#[test]
fn devices_minted_on_few_networks_do_not_list_an_innocent_number() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("srv/server.db"), &[]);
    let client = reqwest::blocking::Client::new();
    let mint = |network: &str, first: u64, count: u64| -> (u64, u64) {
        let (mut ok, mut refused) = (0, 0);
        for i in 0..count {
            let from = format!("{network}.{}", 1 + i % 254);
            let dev = device_id(first + i);
            let (s, j) = server.post_from(
                &client,
                &from,
                "/v1/reports",
                &one_report(&dev, &format!("sybil-{}", first + i), INNOCENT),
            );
            match s {
                200 => ok += 1,
                429 => {
                    assert_eq!(j["error"], "too_many_new_devices", "{j}");
                    refused += 1
                }
                _ => panic!("{s}: {j}"),
            }
        }
        (ok, refused)
    };
    let started = Instant::now();
    let a = mint("203.0.113", 1_000_000, 1000);
    let b = mint("198.51.100", 2_000_000, 1000);
    eprintln!(
        "sybil: 2 x 1000 minted devices in {:.1} s: network A {} accepted / {} refused, network B {} / {}",
        started.elapsed().as_secs_f64(),
        a.0,
        a.1,
        b.0,
        b.1
    );
    // 50 new devices per network at once (--new-devices-burst), refilled at 50 an hour.
    assert!((50..=51).contains(&a.0) && (50..=51).contains(&b.0), "{a:?} {b:?}");
    server.wait_settled();
    let (votes, networks) = server.with_db(|c| {
        c.query_row("SELECT count(*), count(DISTINCT origin) FROM votes WHERE number = ?1", [INNOCENT_KEY], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        })
        .unwrap()
    });
    assert_eq!(networks, 2);
    assert!(votes >= 100);
    assert!(!server.listed(INNOCENT_KEY), "{votes} devices from 2 networks listed it");

    // Honest users: five phones behind one office NAT report a real spammer. None is
    // locked out; together they are one reporter.
    for i in 0..5u64 {
        let (s, j) = server.post_from(
            &client,
            &format!("192.0.2.{}", 10 + i),
            "/v1/reports",
            &one_report(&device_id(3_000_000 + i), &format!("office-{i}"), SPAMMER),
        );
        assert_eq!(s, 200, "{j}");
    }
    server.wait_settled();
    assert!(!server.listed(SPAMMER_KEY), "one network is one reporter");
    // Two people at home, on networks of their own (real phones through the harness's
    // proxies), agree: listed, with the score of three reporters, for everyone.
    for name in ["home1", "home2"] {
        let mut d = Device::new(dir.path(), name, &server.url);
        d.screener.report(SPAMMER, Category::Scam, None).unwrap();
        assert_eq!(d.sync().unwrap().uploaded, 1);
    }
    server.wait_version(1);
    let mut phone = Device::new(dir.path(), "phone", &server.url);
    phone.sync().unwrap();
    let d = phone.screener.screen(&Call::new(SPAMMER));
    assert_eq!((d.action, d.score.map(f64::round)), (Action::Warn, Some(3.0)), "{d:?}");
    assert_eq!(phone.screener.screen(&Call::new(INNOCENT)).action, Action::Allow);

    // The threshold is networks: an attacker with a third one lists the number. This is
    // what the defence costs an attacker, and where it stops (docs/reliability.md).
    let c = mint("100.64.7", 4_000_000, 3);
    assert_eq!(c.0, 3);
    server.wait_settled();
    assert!(server.listed(INNOCENT_KEY), "three networks are three reporters");
}

/// Without `--trusted-proxy`, `X-Forwarded-For` is ignored: a client cannot pick its
/// network by writing one. Clients on real, distinct source networks (127.A.B.C on the
/// loopback interface) are told apart without any header.
#[test]
fn forwarded_for_is_ignored_unless_trusted_and_real_source_networks_count() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_untrusting(&dir.path().join("srv/server.db"), &[]);
    let attacker = client_from("127.0.5.9".parse().unwrap());
    let (mut ok, mut refused) = (0, 0);
    for i in 0..60u64 {
        let from = format!("{}.{}.{}.1", 1 + i % 200, i % 7, i % 5);
        let (s, j) = server.post_from(
            &attacker,
            &from,
            "/v1/reports",
            &one_report(&device_id(7_000_000 + i), &format!("spoof-key-{i}"), INNOCENT),
        );
        match s {
            200 => ok += 1,
            429 => refused += 1,
            _ => panic!("{s}: {j}"),
        }
    }
    assert_eq!((ok, refused), (50, 10), "one network however the header varies");
    server.wait_settled();
    assert_eq!(server.query_i64("SELECT count(DISTINCT origin) FROM votes", &[]), 1);
    assert!(!server.listed(INNOCENT_KEY));

    for (i, net) in ["127.1.0.1", "127.2.0.1", "127.3.0.1"].iter().enumerate() {
        let client = client_from(net.parse().unwrap());
        let (s, j) = server.post_from(
            &client,
            "",
            "/v1/reports",
            &one_report(&device_id(8_000_000 + i as u64), &format!("real-key-{i}"), SPAMMER),
        );
        assert_eq!(s, 200, "{j}");
    }
    server.wait_settled();
    assert!(server.listed(SPAMMER_KEY), "three real networks");
    assert!(!server.listed(INNOCENT_KEY));
}

/// `--count-reporters-by device`, for closed deployments and tests where every phone
/// shares one address: devices are reporters again (and the network budgets still hold).
#[test]
fn counting_reporters_by_device_is_a_setting() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_untrusting(&dir.path().join("srv/server.db"), &["--count-reporters-by", "device"]);
    for i in 0..3u64 {
        let (s, j) = server.post("/v1/reports", &one_report(&device_id(0x900 + i), &format!("by-device-{i}"), SPAMMER));
        assert_eq!(s, 200, "{j}");
    }
    server.wait_settled();
    assert!(server.listed(SPAMMER_KEY), "three devices on one address, counted by device");
}

// ---- replays ----

#[test]
fn replayed_requests_are_counted_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("srv/server.db"), &["--rate-burst", "100000"]);
    let dev = device_id(0xbeef);
    // The very same signed request twice: the second is a replay, refused.
    let once = reports(&dev, "replay", 50);
    assert_eq!(server.post("/v1/reports", &once).0, 200);
    let (status, answer) = server.post("/v1/reports", &once);
    assert_eq!((status, answer["error"].as_str()), (409, Some("replayed")), "{answer}");
    // 8 clients send the same reports 5 times each, all at once, each request signed
    // afresh as a phone whose answer was lost does (a new nonce, the same keys).
    let barrier = Arc::new(std::sync::Barrier::new(8));
    let totals = Arc::new(Mutex::new((0u64, 0u64)));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (barrier, totals, dev, url) = (barrier.clone(), totals.clone(), dev.clone(), server.url.clone());
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::new();
                barrier.wait();
                for _ in 0..5 {
                    let body = reports(&dev, "replay", 50);
                    let r = client
                        .post(format!("{url}/v1/reports"))
                        .header("content-type", "application/json")
                        .header("x-forwarded-for", format!("10.99.{t}.1"))
                        .body(serde_json::to_vec(&body).unwrap())
                        .send()
                        .unwrap();
                    assert_eq!(r.status(), 200);
                    let j: serde_json::Value = serde_json::from_slice(&r.bytes().unwrap()).unwrap();
                    let mut t = totals.lock().unwrap();
                    t.0 += j["accepted"].as_u64().unwrap();
                    t.1 += j["duplicates"].as_u64().unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*totals.lock().unwrap(), (0, 40 * 50), "each report counted once (the first time), then duplicates");
    // The same keys with other content: still the reports already counted.
    let keys: Vec<String> = (0..50).map(|i| format!("replay-{i:06}")).collect();
    let items: Vec<(&str, &str, bool, Option<&str>)> =
        keys.iter().map(|k| (k.as_str(), "+821099990000", true, Some("scam"))).collect();
    let (s, j) = server.post("/v1/reports", &batch(&dev, &items));
    assert_eq!((s, j["accepted"].as_u64(), j["duplicates"].as_u64()), (200, Some(0), Some(50)), "{j}");
    assert_eq!(server.query_i64("SELECT count(*) FROM votes WHERE device = ?1", &[&dev]), 50);
    assert_eq!(server.query_i64("SELECT count(*) FROM seen WHERE device = ?1 AND key NOT LIKE 'nonce:%'", &[&dev]), 50);
    assert_eq!(server.query_i64("SELECT count(*) FROM votes WHERE number = 821099990000", &[]), 0);
}

// ---- hostile requests ----

/// One raw HTTP/1.1 exchange: writes `head` and `body` (ignoring a server that stops
/// reading), returns the status and the answer's text.
fn raw(addr: &str, head: &str, body: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = s.write_all(head.as_bytes());
    for chunk in body.chunks(64 * 1024) {
        if s.write_all(chunk).is_err() {
            break;
        }
    }
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, text)
}

fn raw_bytes(addr: &str, bytes: &[u8]) -> (u16, String) {
    raw(addr, "", bytes)
}

fn post_head(addr: &str, content_type: Option<&str>, len: usize) -> String {
    let ct = content_type.map(|c| format!("Content-Type: {c}\r\n")).unwrap_or_default();
    format!("POST /v1/reports HTTP/1.1\r\nHost: {addr}\r\n{ct}Content-Length: {len}\r\nConnection: close\r\n\r\n")
}

#[test]
fn hostile_bodies_and_headers_get_a_clear_4xx_and_the_server_stays_up() {
    let _heavy = heavy();
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(&dir.path().join("srv/server.db"), &[]);
    let addr = server.addr.clone();
    let mem0 = server.memory_kib();
    let json = Some("application/json");
    let dev = device_id(1);
    let good = serde_json::to_vec(&one_report(&dev, "good-0001", SPAMMER)).unwrap();
    let deep = |open: &str, close: &str, n: usize| {
        format!("{{\"device\":\"{dev}\",\"reports\":{}{}}}", open.repeat(n), close.repeat(n)).into_bytes()
    };
    // Genuinely signed envelopes around hostile batches: the signature is no excuse.
    let now = unix_now();
    let head = format!("\"device\":\"{dev}\",\"at\":{now},\"nonce\":\"{}\"", "0a".repeat(8));
    let big_string = signed_text(1, &format!("{{{head},\"reports\":[{{\"key\":\"{}\"}}]}}", "k".repeat(200_000)));
    let many: Vec<u8> = {
        let items: Vec<String> =
            (0..2000).map(|i| format!("{{\"key\":\"k-{i:08}\",\"number\":\"+15\",\"spam\":true,\"at\":0}}")).collect();
        signed_text(1, &format!("{{{head},\"reports\":[{}]}}", items.join(",")))
    };
    let huge_number = signed_text(
        1,
        &format!("{{{head},\"reports\":[{{\"key\":\"k-00000001\",\"number\":\"+15\",\"spam\":true,\"at\":1e400}}]}}"),
    );
    // (what, content type, body, status, error code)
    type Case<'a> = (&'a str, Option<&'a str>, Vec<u8>, u16, &'a str);
    let cases: Vec<Case> = vec![
        ("text/plain", Some("text/plain"), good.clone(), 415, "unsupported_media_type"),
        ("no content type", None, good.clone(), 415, "unsupported_media_type"),
        ("form", Some("application/x-www-form-urlencoded"), good.clone(), 415, "unsupported_media_type"),
        ("1 MiB body", json, vec![b' '; 1 << 20], 413, "body_too_large"),
        ("truncated JSON", json, b"{\"device\":".to_vec(), 400, "bad_json"),
        ("not JSON", json, b"\x00\x01\x02garbage".to_vec(), 400, "bad_json"),
        ("invalid UTF-8", json, b"{\"device\":\"\xff\xfe\",\"reports\":[]}".to_vec(), 400, "bad_json"),
        ("arrays nested 100,000 deep", json, deep("[", "]", 100_000), 400, "bad_json"),
        ("objects nested 40,000 deep", json, deep("{\"a\":", "}", 40_000), 400, "bad_json"),
        ("a 200 KB key", json, big_string, 400, "bad_json"),
        ("a number of 10^400", json, huge_number, 400, "bad_json"),
        (
            "an unsigned batch",
            json,
            format!("{{\"device\":\"{dev}\",\"reports\":[]}}").into_bytes(),
            426,
            "signature_required",
        ),
        ("2000 reports", json, many, 413, "batch_too_large"),
        ("a JSON string", json, b"\"hello\"".to_vec(), 400, "bad_json"),
        ("empty", json, Vec::new(), 400, "bad_json"),
    ];
    for (what, ct, body, status, code) in &cases {
        let (s, text) = raw(&addr, &post_head(&addr, *ct, body.len()), body);
        assert_eq!(s, *status, "{what}: {text}");
        assert!(text.contains(&format!("\"error\":\"{code}\"")), "{what}: {text}");
    }
    // A body larger than announced is cut at the announced length; a chunked body of
    // 1 MiB (no length announced) stops at the limit.
    let mut chunked = format!("POST /v1/reports HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n").into_bytes();
    for _ in 0..16 {
        chunked.extend_from_slice(format!("{:x}\r\n", 65536).as_bytes());
        chunked.extend(std::iter::repeat_n(b' ', 65536));
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let (s, text) = raw(&addr, "", &chunked);
    assert_eq!(s, 413, "chunked: {text}");
    // Headers: one of 100 KiB, 200 small ones, a 40 KB path, not HTTP at all.
    let huge_header =
        format!("GET /health HTTP/1.1\r\nHost: x\r\nX-Junk: {}\r\nConnection: close\r\n\r\n", "a".repeat(100 * 1024));
    let (s, _) = raw(&addr, &huge_header, b"");
    assert_eq!(s, 431, "a 100 KiB header");
    let many_headers: String = (0..200).map(|i| format!("X-H{i}: v\r\n")).collect();
    let (s, _) =
        raw(&addr, &format!("GET /health HTTP/1.1\r\nHost: x\r\n{many_headers}Connection: close\r\n\r\n"), b"");
    assert_eq!(s, 431, "200 headers");
    let (s, _) =
        raw(&addr, &format!("GET /{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "a".repeat(40_000)), b"");
    assert!((400..500).contains(&s), "a 40 KB path: {s}");
    let (s, _) = raw_bytes(&addr, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n");
    assert!(s == 0 || (400..500).contains(&s), "TLS to a plain port: {s}");
    let (s, text) = raw(&addr, "GET /v1/lookup/%00%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", b"");
    assert_eq!(s, 400, "{text}");
    let (s, _) = raw(&addr, "GET /v1/reports HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", b"");
    assert_eq!(s, 405);
    let (s, _) = raw(&addr, "GET /v1/data/../../server.db.key HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", b"");
    assert!((400..500).contains(&s), "path traversal: {s}");

    // Memory: 64 clients at once, each sending a 256 KiB body that is not a batch.
    let threads: Vec<_> = (0..64)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let body = vec![b' '; 256 * 1024];
                raw(&addr, &post_head(&addr, Some("application/json"), body.len()), &body).0
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 400);
    }
    assert!(server.alive(), "the server died");
    let (s, _) = raw(&addr, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", b"");
    assert_eq!(s, 200);
    let (s, ack) = server.post_raw("/v1/reports", good);
    assert_eq!((s, ack["accepted"].as_u64()), (200, Some(1)), "{ack}");
    let mem = memory(&server, "hostile requests", mem0);
    assert!(mem.1 < 200 * 1024, "VmHWM {} KiB", mem.1);
}

// ---- slow clients ----

/// A TCP connection from a chosen loopback source address.
fn connect_from(local: IpAddr, server: &str) -> std::io::Result<TcpStream> {
    let target: SocketAddr = server.parse().unwrap();
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    socket.bind(&SocketAddr::new(local, 0).into())?;
    socket.connect_timeout(&target.into(), Duration::from_secs(5))?;
    Ok(socket.into())
}

/// Reads one HTTP/1.1 response with a `Content-Length` from `s`; returns its status.
fn read_response(s: &mut TcpStream) -> u16 {
    s.set_read_timeout(Some(WAIT)).unwrap();
    let mut got = Vec::new();
    let mut byte = [0u8; 1];
    while !got.ends_with(b"\r\n\r\n") {
        assert_eq!(s.read(&mut byte).expect("read the response"), 1, "closed mid-response: {got:?}");
        got.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&got).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("a Content-Length");
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).expect("read the body");
    head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

/// Whether the server has closed `s` (reads EOF or an error within `wait`; answers it
/// may have sent first are read and skipped).
fn closed_within(mut s: &TcpStream, wait: Duration) -> bool {
    let deadline = Instant::now() + wait;
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        s.set_read_timeout(Some(left.min(Duration::from_millis(100)))).unwrap();
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => continue,
            Err(_) => return true,
        }
    }
}

#[test]
fn slow_clients_are_cut_off_and_honest_clients_are_served() {
    let _heavy = heavy();
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        &dir.path().join("srv/server.db"),
        &[
            "--header-timeout",
            "1",
            "--request-timeout",
            "2",
            "--max-connections",
            "128",
            "--max-connections-per-ip",
            "32",
        ],
    );
    let addr = server.addr.clone();
    let mem0 = server.memory_kib();
    let started = Instant::now();

    // 1. One address opens 100 connections and trickles header bytes: 32 are kept (the
    //    others closed at once), and those are closed when their headers are not in
    //    after a second.
    let attacker: IpAddr = "127.0.66.1".parse().unwrap();
    let mut trickling: Vec<TcpStream> = Vec::new();
    let mut refused_at_once = 0;
    for _ in 0..100 {
        let mut s = connect_from(attacker, &addr).unwrap();
        let _ = s.write_all(b"POST /v1/reports HTTP/1.1\r\nHost: x\r\n");
        trickling.push(s);
    }
    // The server accepts them one by one: look until the excess is gone (a held one lives
    // at least the header timeout, 1 s, from its acceptance, so none of those is cut yet).
    let look_until = Instant::now() + Duration::from_millis(700);
    while refused_at_once < 68 && Instant::now() < look_until {
        std::thread::sleep(Duration::from_millis(20));
        trickling.retain_mut(|s| {
            if closed_within(s, Duration::from_millis(1)) {
                refused_at_once += 1;
                false
            } else {
                true
            }
        });
    }
    // They keep trickling, a byte every 100 ms: each is still cut at the header timeout.
    let held = trickling.len();
    let trickler = std::thread::spawn(move || {
        let mut lifetimes = Vec::new();
        let mut bytes = 0;
        while !trickling.is_empty() {
            std::thread::sleep(Duration::from_millis(100));
            trickling.retain_mut(|s| {
                if s.write_all(b"X").is_ok() && !closed_within(s, Duration::from_millis(1)) {
                    bytes += 1;
                    true
                } else {
                    lifetimes.push(started.elapsed());
                    false
                }
            });
            if started.elapsed() > WAIT {
                break;
            }
        }
        (lifetimes, bytes, trickling.len())
    });
    // 2. Headers in full, then the body one byte at a time: 408 at the request deadline.
    let mut slow_body = connect_from("127.0.67.1".parse().unwrap(), &addr).unwrap();
    slow_body.write_all(post_head(&addr, Some("application/json"), 100_000).as_bytes()).unwrap();
    // 3. Connections from many addresses (as a botnet would), more than the server's
    //    ceiling (128): the excess waits in the listen queue until the slow ones are cut,
    //    a header timeout at a time.
    let mut crowd: Vec<TcpStream> = Vec::new();
    for i in 0..200u32 {
        let ip: IpAddr = format!("127.0.{}.{}", 100 + i / 32, 1 + i % 32).parse().unwrap();
        if let Ok(mut s) = connect_from(ip, &addr) {
            let _ = s.write_all(b"GET /health HTTP/1.1\r\n");
            crowd.push(s);
        }
    }
    let crowd_started = started.elapsed();
    // Meanwhile, honest requests from their own address, until the attack is over (every
    // connection of the crowd cut). Each gets its 200; some are answered while slow
    // connections are still held: an honest client waits at most for the slow ones ahead
    // of it, not for the whole attack.
    let honest = client_from("127.0.0.2".parse().unwrap());
    let mut latencies = Vec::new();
    let attack_deadline = Instant::now() + WAIT;
    let (mut n, mut served_while_held) = (0u64, 0);
    loop {
        let _ = slow_body.write_all(b" ");
        let t = Instant::now();
        let r = honest.get(format!("{}/health", server.url)).send().unwrap();
        assert_eq!(r.status(), 200);
        let (s, j) = server.post_from(
            &honest,
            "",
            "/v1/reports",
            &one_report(&device_id(0x40 + n), &format!("honest-{n:04}"), SPAMMER),
        );
        assert_eq!(s, 200, "{j}");
        latencies.push(t.elapsed());
        n += 1;
        if !crowd.iter().any(|s| !closed_within(s, Duration::from_millis(1))) {
            break;
        }
        served_while_held += 1;
        assert!(Instant::now() < attack_deadline, "slow connections from many addresses were never cut");
        std::thread::sleep(Duration::from_millis(100));
    }
    let (lifetimes, trickled, still_open) = trickler.join().unwrap();
    let mut answer = String::new();
    slow_body.set_read_timeout(Some(WAIT)).unwrap();
    let _ = slow_body.read_to_string(&mut answer);
    // Every one of them is cut, wave after wave (bounded: a few header timeouts).
    let crowd_deadline = Instant::now() + Duration::from_secs(5);
    let crowd_open =
        crowd.iter().filter(|s| !closed_within(s, crowd_deadline.saturating_duration_since(Instant::now()))).count();
    let longest = lifetimes.iter().max().copied().unwrap_or_default();
    eprintln!(
        "slow clients: 100 from one address ({refused_at_once} closed at once; {held} held, trickling {trickled} bytes, cut after at most {:.2} s, {still_open} left); \
         200 from 200 addresses opened by {:.2} s ({crowd_open} never cut); a trickled body got {:?}; honest requests meanwhile: {} pairs ({served_while_held} while slow connections were held), p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {:.1} s in all",
        longest.as_secs_f64(),
        crowd_started.as_secs_f64(),
        answer.lines().next().unwrap_or(""),
        latencies.len(),
        percentile_ms(&latencies, 50.0),
        percentile_ms(&latencies, 99.0),
        percentile_ms(&latencies, 100.0),
        started.elapsed().as_secs_f64()
    );
    assert_eq!((refused_at_once, held), (68, 32), "32 connections per address");
    // Each byte does not buy a trickling client more time: all are cut.
    assert_eq!(still_open, 0, "trickling clients outlived the header timeout");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    assert_eq!(crowd_open, 0, "slow connections from many addresses outlived the header timeout");
    // A new honest connection may queue behind the slow ones until they are cut (the
    // waves of header timeouts ahead of it); once in, it is served while the slow
    // connections that came in with it are still held.
    assert!(served_while_held >= 1, "honest clients were served only once the attack was over");

    // 4. An idle keep-alive connection is kept for a next request, and closed once it has
    //    been idle for the header timeout.
    let mut idle = connect_from("127.0.68.1".parse().unwrap(), &addr).unwrap();
    for _ in 0..2 {
        idle.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert_eq!(read_response(&mut idle), 200, "a request on the kept connection");
    }
    assert!(closed_within(&idle, WAIT), "idle keep-alive connection kept open");
    let mem = memory(&server, "slow clients", mem0);
    assert!(mem.1 < 200 * 1024, "VmHWM {} KiB", mem.1);
}
