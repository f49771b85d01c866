//! Retention end to end: the real server deletes old deltas (`--keep-deltas-secs`, here
//! a few seconds instead of days) and old snapshots while it publishes; a phone that fell
//! behind the oldest kept delta gets the snapshot and the same listing as everyone,
//! and phones that keep up go on with deltas (`server/src/retention.rs`).

use ringfence_core::Category;
use ringfence_e2e::{Device, Server};
use std::path::Path;
use std::time::{Duration, Instant};

const KEEP_SECS: &str = "4";

/// Reports one more number and waits for the version that lists it.
fn next_version(reporter: &mut Device, server: &Server, i: u32) -> u64 {
    let before = server.latest();
    reporter.screener.report(&format!("010-5555-{i:04}"), Category::Scam, None).unwrap();
    assert_eq!(reporter.sync().unwrap().uploaded, 1);
    server.wait_version(before + 1)
}

fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ok() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Every file the manifest names is on disk.
fn assert_names_only_files_that_exist(server: &Server) -> serde_json::Value {
    let m = serde_json::to_value(server.manifest()).unwrap();
    let path = m["snapshot"]["path"].as_str().expect("a snapshot");
    assert!(server.publish.join(path).is_file(), "{m}");
    if let Some(oldest) = m["oldest_delta"].as_u64() {
        for v in oldest..=m["latest"].as_u64().unwrap_or(0) {
            assert!(server.publish.join(format!("deltas/{v}.rfd")).is_file(), "delta {v} is named: {m}");
        }
    }
    m
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

#[test]
fn a_phone_behind_the_pruned_deltas_gets_the_snapshot_and_phones_keeping_up_get_deltas() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--min-reporters",
        "1",
        "--list-threshold",
        "1",
        "--min-confidence",
        "0",
        // No spam ranges: every listed number is one reported here.
        "--range10-min",
        "0",
        "--snapshot-every",
        "5",
        "--keep-deltas-secs",
        KEEP_SECS,
        "--prune-interval",
        "1",
    ];
    let server = Server::start(&dir.path().join("srv/server.db"), &args);
    let mut reporter = Device::new(dir.path(), "reporter", &server.url);
    let mut i = 0;
    for _ in 0..3 {
        i += 1;
        next_version(&mut reporter, &server, i);
    }
    let mut behind = Device::new(dir.path(), "behind", &server.url);
    let mut keeping_up = Device::new(dir.path(), "keeping-up", &server.url);
    let v = behind.sync().unwrap().to_version;
    assert!(v >= 3);
    keeping_up.sync().unwrap();

    // Versions for longer than the deltas are kept; one phone syncs along.
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(6) {
        i += 1;
        next_version(&mut reporter, &server, i);
        let s = keeping_up.sync().unwrap();
        assert!(!s.snapshot && s.deltas >= 1, "a phone that keeps up gets deltas: {s:?}");
        std::thread::sleep(Duration::from_millis(200));
    }

    // The manifest stops naming the behind phone's next delta, then a run later the
    // file goes; old snapshots go too, the newest two stay.
    wait_until("oldest_delta never moved past the behind phone", || {
        server.manifest().oldest_delta.is_some_and(|o| o > v + 1)
    });
    let first_gone = server.publish.join(format!("deltas/{}.rfd", v + 1));
    wait_until("the unnamed delta files were never deleted", || !first_gone.exists());
    assert!(!server.publish.join("deltas/1.rfd").exists());
    wait_until("old snapshots were never deleted", || count_files(&server.publish.join("snapshots")) <= 2);
    let m = assert_names_only_files_that_exist(&server);
    let latest = m["latest"].as_u64().unwrap();
    assert!(count_files(&server.publish.join("deltas")) < latest as usize, "{m}");

    // A phone only slightly behind still gets deltas.
    keeping_up.sync().unwrap();
    i += 1;
    let newest = next_version(&mut reporter, &server, i);
    let s = keeping_up.sync().unwrap();
    assert_eq!((s.snapshot, s.deltas, s.to_version), (false, newest - latest, newest), "{s:?}");

    // The phone behind the pruned deltas: the snapshot, then the deltas after it.
    let s = behind.sync().unwrap();
    assert!(s.snapshot, "{s:?}");
    assert_eq!((s.from_version, s.to_version), (v, newest));
    assert_eq!(behind.community(), keeping_up.community(), "the same listing either way");
    let listed: Vec<(i64, i64)> = behind.community().iter().map(|r| (r.0, r.1)).collect();
    let published: Vec<(i64, i64)> = server.with_db(|c| {
        let mut q = c.prepare("SELECT number, category FROM published ORDER BY number").unwrap();
        q.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().collect::<Result<_, _>>().unwrap()
    });
    assert_eq!(listed, published, "exactly the server's listing");
    assert_eq!(listed.len(), i as usize);
    assert_names_only_files_that_exist(&server);
}
