//! Several server processes on one PostgreSQL database (issue 11, item 6): three
//! processes accept reports and lookups; exactly one publishes (the advisory lock of
//! `server/src/leader.rs`), all into one shared publish folder. Phones report through
//! all three while the publisher is SIGKILLed again and again (and restarted on its
//! port); another process takes over, and at the end every phone holds exactly the
//! server's listing, every report is counted once, and the versions have no gap.
//!
//! Run by scripts/test-postgres.sh, which starts a throwaway PostgreSQL cluster and
//! passes its URL (`RINGFENCE_TEST_POSTGRES`) and its `psql` (`RINGFENCE_TEST_PSQL`).
//! Rounds: `RINGFENCE_KILLS` (default 8).

use ringfence_core::Category;
use ringfence_e2e::{batch, bin, device_id, Device};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One query through psql: its rows, fields split on `|`.
fn psql(url: &str, sql: &str) -> Vec<Vec<String>> {
    let psql = std::env::var("RINGFENCE_TEST_PSQL").unwrap_or_else(|_| "psql".into());
    let out =
        Command::new(psql).args([url, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql]).output().expect("psql");
    assert!(out.status.success(), "{sql}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(|l| l.split('|').map(String::from).collect()).collect()
}

fn psql_i64(url: &str, sql: &str) -> i64 {
    psql(url, sql)[0][0].parse().unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A server process, its standard output kept.
struct Process {
    child: Child,
    addr: String,
    out: Arc<Mutex<Vec<String>>>,
}

struct Cluster {
    db: PathBuf,
    publish: PathBuf,
    postgres: String,
}

impl Cluster {
    fn start(&self, listen: &str) -> Process {
        let mut child = Command::new(bin("ringfence-server"))
            .arg("--db")
            .arg(&self.db)
            .arg("--publish-dir")
            .arg(&self.publish)
            .args(["--postgres", &self.postgres, "--listen", listen, "--publish-interval", "0.2", "--processes", "3"])
            // Devices reach the servers through proxies on 127.0.0.1 that name their
            // networks; votes count per device, so new devices list at once.
            .args(["--trusted-proxy", "127.0.0.1", "--count-reporters-by", "device", "--min-reporters", "2"])
            .env("RUST_LOG", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start ringfence-server");
        let out = Arc::new(Mutex::new(Vec::new()));
        let (lines, stdout) = (out.clone(), child.stdout.take().unwrap());
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        let addr = loop {
            let found =
                out.lock().unwrap().iter().find_map(|l| {
                    l.strip_prefix("ringfence-server listening on http://").map(|a| a.trim().to_string())
                });
            if let Some(a) = found {
                break a;
            }
            assert!(Instant::now() < deadline, "a server process never listened");
            std::thread::sleep(Duration::from_millis(20));
        };
        Process { child, addr, out }
    }
}

impl Process {
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn publishes(&self) -> bool {
        let out = self.out.lock().unwrap();
        out.iter()
            .rev()
            .find(|l| l.starts_with("publisher: "))
            .is_some_and(|l| l == "publisher: this process publishes")
    }

    fn kill(&mut self) {
        let _ = self.child.kill(); // SIGKILL
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits until one of `procs` (but `dead`) says it publishes; its index.
fn publisher(procs: &[Process], dead: Option<usize>) -> usize {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let found: Vec<usize> = (0..procs.len()).filter(|&i| Some(i) != dead && procs[i].publishes()).collect();
        assert!(found.len() <= 1, "two processes publish at once: {found:?}");
        if let Some(&i) = found.first() {
            return i;
        }
        assert!(Instant::now() < deadline, "no process took over publishing");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn manifest_latest(url: &str) -> u64 {
    reqwest::blocking::get(format!("{url}/v1/data/manifest.json"))
        .and_then(|r| r.bytes())
        .ok()
        .and_then(|b| ringfence_core::wire::open_manifest(&b, None).ok())
        .map_or(0, |(m, ..)| m.latest)
}

#[test]
#[ignore = "needs a PostgreSQL server: scripts/test-postgres.sh"]
fn three_processes_one_publisher_and_phones_converge_while_the_publisher_is_killed() {
    let pg = std::env::var("RINGFENCE_TEST_POSTGRES").expect("RINGFENCE_TEST_POSTGRES=postgres://...");
    psql(&pg, "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    let rounds: u64 = std::env::var("RINGFENCE_KILLS").ok().and_then(|v| v.parse().ok()).unwrap_or(8);
    let dir = tempfile::tempdir().unwrap();
    let cluster =
        Cluster { db: dir.path().join("srv/server.db"), publish: dir.path().join("publish"), postgres: pg.clone() };
    // The key pair first, so that the three do not race to make it.
    let made = Command::new(bin("ringfence-server")).arg("--db").arg(&cluster.db).arg("pubkey").output().unwrap();
    assert!(made.status.success());
    let mut procs: Vec<Process> = (0..3).map(|_| cluster.start("127.0.0.1:0")).collect();
    let addrs: Vec<String> = procs.iter().map(|p| p.addr.clone()).collect();

    // Two phones per process, each talking to its process only.
    let mut phones: Vec<Device> =
        (0..6).map(|i| Device::new(dir.path(), &format!("phone{i}"), &procs[i % 3].url())).collect();
    let mut written = 0u64;
    let mut takeovers = 0;
    for round in 0..rounds {
        // Every phone reports the round's three shared numbers (listed: six reporters)
        // and one of its own (one reporter: never listed).
        for (i, phone) in phones.iter_mut().enumerate() {
            for k in 0..3 {
                phone.screener.report(&format!("010-71{round:02}-{k:04}"), Category::Scam, None).unwrap();
            }
            phone.screener.report(&format!("010-72{round:02}-{i:04}"), Category::Telemarketing, None).unwrap();
            written += 4;
            if let Err(e) = phone.sync() {
                println!("round {round}: phone {i}: {e}"); // its process may be down: the reports wait
            }
        }
        // Kill the publisher mid-work: one of the other two takes over (the killed one
        // comes back on its port afterwards, as a follower).
        let p = publisher(&procs, None);
        let killed = Instant::now();
        procs[p].kill();
        let next = publisher(&procs, Some(p));
        println!("round {round}: process {next} took over from {p} after {:?}", killed.elapsed());
        procs[p] = cluster.start(&addrs[p]);
        takeovers += 1;
        // The new publisher publishes what the old one left.
        let newest = published(&pg, &procs[next].url());
        assert!(newest > round, "round {round}: version {newest}");
    }

    // Every outbox empties, through any process.
    let deadline = Instant::now() + Duration::from_secs(60);
    for phone in &mut phones {
        while phone.pending() > 0 {
            assert!(Instant::now() < deadline, "an outbox never emptied");
            let _ = phone.sync();
        }
    }
    let newest = published(&pg, &procs[0].url());

    // Nothing lost, nothing counted twice: every report once, every vote once.
    assert_eq!(
        psql_i64(&pg, "SELECT count(*) FROM seen WHERE key NOT LIKE 'nonce:%'") as u64,
        written,
        "reports counted once each"
    );
    assert_eq!(psql_i64(&pg, "SELECT count(*) FROM votes") as u64, written, "one vote per phone and number");
    // One version at a time: no gap, none written twice.
    assert_eq!(psql_i64(&pg, "SELECT count(DISTINCT version) FROM versions") as u64, newest);
    // Exactly one process holds the lock.
    let holders = psql_i64(
        &pg,
        "SELECT count(*) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
         WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'ringfence-server publisher lock%'",
    );
    assert_eq!(holders, 1);

    // The server's listing: the shared numbers, none of the single-reporter ones.
    let listing: BTreeMap<i64, (i64, f64)> = psql(&pg, "SELECT number, category, score FROM published")
        .into_iter()
        .map(|r| (r[0].parse().unwrap(), (r[1].parse().unwrap(), r[2].parse().unwrap())))
        .collect();
    assert_eq!(listing.len() as u64, 3 * rounds, "{listing:?}");
    // Every phone, and two new ones, converge to exactly it (through any process).
    phones.push(Device::new(dir.path(), "fresh", &procs[1].url()));
    phones.push(Device::new(dir.path(), "late", &procs[2].url()));
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
    assert_eq!(takeovers, rounds);

    // The budgets hold across the processes: one network introducing new devices through
    // all three gets --new-devices-burst (50) in all, 17 from each process (--processes 3;
    // one more refills in 216 s).
    let client = reqwest::blocking::Client::new();
    let (mut accepted, mut refused) = (0, 0);
    for n in 0..60u64 {
        let id = device_id(0x5000 + n);
        let body = batch(&id, &[(&format!("key-budget-{n}"), "+82 10-7500-0001", true, Some("scam"))]);
        let answer = client
            .post(format!("{}/v1/reports", procs[(n % 3) as usize].url()))
            .header("content-type", "application/json")
            .header("x-forwarded-for", "198.51.100.7")
            .body(serde_json::to_vec(&body).unwrap())
            .send()
            .unwrap();
        match answer.status().as_u16() {
            200 => accepted += 1,
            429 => refused += 1,
            other => panic!("device {n}: {other} {}", answer.text().unwrap_or_default()),
        }
    }
    assert_eq!((accepted, refused), (51, 9), "new devices from one network, over three processes");
}

/// Waits until every vote received is published and the manifest (through `url`) names
/// the newest version; returns it.
fn published(pg: &str, url: &str) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let newest = psql_i64(pg, "SELECT coalesce(max(version), 0) FROM versions") as u64;
        if psql_i64(pg, "SELECT count(*) FROM dirty") == 0 && manifest_latest(url) == newest {
            return newest;
        }
        assert!(
            Instant::now() < deadline,
            "the publisher never caught up: version {newest}, the manifest at {url} names {}, {} queued",
            manifest_latest(url),
            psql_i64(pg, "SELECT count(*) FROM dirty")
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
