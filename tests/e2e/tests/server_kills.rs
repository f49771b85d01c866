//! SIGKILL the single-process server (SQLite) again and again while phones upload and
//! while it publishes, restarting it on its port each time. At the end every report is
//! counted once, the file passes `PRAGMA integrity_check`, the versions have no gap, and
//! every phone holds exactly the server's listing.
//!
//! Rounds: `RINGFENCE_KILLS` (default 12); `RINGFENCE_TEST_SEED` repeats a run's kill
//! moments.

use ringfence_core::Category;
use ringfence_e2e::{Device, Server};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

#[test]
fn a_server_killed_during_uploads_and_publications_loses_nothing_and_counts_nothing_twice() {
    let rounds: u64 = std::env::var("RINGFENCE_KILLS").ok().and_then(|v| v.parse().ok()).unwrap_or(12);
    let seed =
        std::env::var("RINGFENCE_TEST_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or_else(|| fastrand::u64(..));
    println!("RINGFENCE_TEST_SEED={seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let dir = tempfile::tempdir().unwrap();
    // Votes count per device (the phones' proxies give each a network anyway), so that
    // new phones list at once.
    let mut server = Server::start(
        &dir.path().join("srv/server.db"),
        &["--count-reporters-by", "device", "--min-reporters", "2", "--snapshot-every", "5"],
    );
    let mut phones: Vec<Device> = (0..6).map(|i| Device::new(dir.path(), &format!("p{i}"), &server.url)).collect();
    let mut written = 0u64;
    let mut kills = 0;
    for round in 0..rounds {
        for (i, phone) in phones.iter_mut().enumerate() {
            for k in 0..3 {
                phone.screener.report(&format!("010-73{round:02}-{k:04}"), Category::Scam, None).unwrap();
            }
            for k in 0..2 {
                phone.screener.report(&format!("010-74{round:02}-{i}{k:03}"), Category::Robocall, None).unwrap();
            }
            written += 5;
        }
        // All phones upload at once; the server dies at a random moment of it (or of the
        // publication those uploads start, 0.2 s apart).
        let wait = Duration::from_millis(rng.u64(0..600));
        std::thread::scope(|s| {
            for phone in phones.iter_mut() {
                s.spawn(move || {
                    let _ = phone.sync();
                });
            }
            std::thread::sleep(wait); // the kill moment: fault injection, not a measurement
            server.kill();
            kills += 1;
        });
        server.restart();
    }

    // Every outbox empties; everything is published.
    let deadline = Instant::now() + Duration::from_secs(60);
    for phone in &mut phones {
        while phone.pending() > 0 {
            assert!(Instant::now() < deadline, "an outbox never emptied");
            let _ = phone.sync();
        }
    }
    let newest = server.wait_published();
    assert_eq!(
        server.query_i64("SELECT count(*) FROM seen WHERE key NOT LIKE 'nonce:%'", &[]) as u64,
        written,
        "each report counted once"
    );
    assert_eq!(server.query_i64("SELECT count(*) FROM votes", &[]) as u64, written, "one vote per phone and number");
    assert_eq!(server.query_i64("SELECT count(DISTINCT version) FROM versions", &[]) as u64, newest, "no gap");
    let problems: String = server.with_db(|c| c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap());
    assert_eq!(problems, "ok");

    let listing: BTreeMap<i64, (i64, f64)> = server.with_db(|c| {
        let mut q = c.prepare("SELECT number, category, score FROM published").unwrap();
        let rows = q.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?)))).unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    });
    assert_eq!(listing.len() as u64, 3 * rounds, "the shared numbers, none of the single ones: {listing:?}");
    phones.push(Device::new(dir.path(), "fresh", &server.url));
    for (i, phone) in phones.iter_mut().enumerate() {
        let summary = phone.sync().unwrap_or_else(|e| panic!("phone {i}: {e}"));
        assert_eq!(summary.to_version, newest, "phone {i}");
        let held: BTreeMap<i64, (i64, f64)> = phone.community().into_iter().map(|(n, c, v, _)| (n, (c, v))).collect();
        assert_eq!(held.keys().collect::<Vec<_>>(), listing.keys().collect::<Vec<_>>(), "phone {i}: the numbers");
        for (n, (c, v)) in &held {
            let (lc, ls) = listing[n];
            assert!(*c == lc && (v - ls).abs() < 1e-9, "phone {i}: {n} is ({c}, {v}), the server has ({lc}, {ls})");
        }
    }
    assert_eq!(kills, rounds);
}
