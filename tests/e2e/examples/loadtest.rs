//! A load test of the community server on loopback, bounded in time and count:
//! `scripts/loadtest.sh` builds everything in release mode and runs this.
//!
//! It starts the real `ringfence-server` (release build, next to this example) on a
//! fresh directory, lists `--listed` numbers (votes written into its database, then
//! published as one snapshot), and drives each endpoint in turn from `--connections`
//! keep-alive connections, each sending its next request when the last answer is in
//! (closed loop), for `--seconds` each or `--max-requests` in all:
//!
//! | phase | request |
//! |---|---|
//! | health | `GET /health` (the floor: the cheapest request that still touches the database) |
//! | reports x100 | `POST /v1/reports`, 100 new reports from a new device on a new network (the phone's batch) |
//! | reports x1 | the same with one report |
//! | manifest | `GET /v1/data/manifest.json` |
//! | delta | `GET /v1/data/deltas/N.rfd` (a delta of 1,000 changes) |
//! | snapshot | `GET /v1/data/snapshots/1.rfs` (every listed number) |
//! | lookup | `GET /v1/lookup/XXXX`, a random bucket |
//!
//! Every answer must be a 200 (anything else is counted and fails the run). Printed: a
//! Markdown table of requests, requests/s, reports/s or MB/s, p50 and p99 latency, and
//! the throughput as a ratio of the health check's in the same run; the server's memory.
//!
//! Client and server share the machine: on 2 cores the figures are what one core of
//! server gets, a floor.

use ringfence_e2e::{device_id, seed_votes, Server};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Args {
    seconds: f64,
    connections: usize,
    listed: u64,
    max_requests: u64,
}

fn args() -> Args {
    let mut a = Args { seconds: 5.0, connections: 8, listed: 200_000, max_requests: 2_000_000 };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--seconds" => a.seconds = v.parse().expect("seconds"),
            "--connections" => a.connections = v.parse().expect("connections"),
            "--listed" => a.listed = v.parse().expect("listed"),
            "--max-requests" => a.max_requests = v.parse().expect("max requests"),
            _ => panic!("unknown option {k} (--seconds, --connections, --listed, --max-requests)"),
        }
    }
    a
}

/// One keep-alive HTTP/1.1 connection that sends a request and reads the whole answer.
struct Conn {
    addr: String,
    reader: BufReader<TcpStream>,
}

impl Conn {
    fn open(addr: &str) -> Conn {
        let s = TcpStream::connect(addr).expect("connect");
        s.set_nodelay(true).expect("nodelay");
        s.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
        Conn { addr: addr.to_string(), reader: BufReader::new(s) }
    }

    /// Sends `request` (complete, with `Connection: keep-alive`); returns (status, body
    /// length). Reconnects once if the server closed the connection.
    fn send(&mut self, request: &[u8]) -> (u16, usize) {
        for attempt in 0..2 {
            if attempt == 1 {
                *self = Conn::open(&self.addr);
            }
            if self.reader.get_mut().write_all(request).is_err() {
                continue;
            }
            let mut line = String::new();
            match self.reader.read_line(&mut line) {
                Ok(n) if n > 0 => {}
                _ => continue,
            }
            let status: u16 = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
            let mut len = 0usize;
            loop {
                let mut h = String::new();
                if self.reader.read_line(&mut h).unwrap_or(0) == 0 {
                    return (0, 0);
                }
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    if k.eq_ignore_ascii_case("content-length") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                }
            }
            let mut body = vec![0u8; len];
            if self.reader.read_exact(&mut body).is_err() {
                return (0, 0);
            }
            return (status, len);
        }
        (0, 0)
    }
}

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: loadtest\r\nConnection: keep-alive\r\n\r\n").into_bytes()
}

/// A report batch from a new device on a new network (X-Forwarded-For, trusted from
/// 127.0.0.1): the per-device and per-network budgets never refuse it.
fn reports(i: u64, n: u64) -> Vec<u8> {
    let items: Vec<String> = (0..n)
        .map(|j| {
            let number = 821_040_000_000 + (i * n + j) % 50_000_000;
            format!(
                r#"{{"key":"load-{i:010}-{j:03}","number":"+{number}","spam":true,"category":"telemarketing","at":0}}"#
            )
        })
        .collect();
    let body = format!(r#"{{"device":"{}","reports":[{}]}}"#, device_id(0x10ad_0000_0000 + i), items.join(","));
    let from = format!("{}.{}.{}.1", 11 + (i >> 16) % 200, (i >> 8) & 255, i & 255);
    let mut r = format!(
        "POST /v1/reports HTTP/1.1\r\nHost: loadtest\r\nContent-Type: application/json\r\nX-Forwarded-For: {from}\r\nContent-Length: {}\r\nConnection: keep-alive\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body.as_bytes());
    r
}

/// Makes the i-th request of a phase.
type MakeRequest = Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync>;

struct Outcome {
    name: String,
    requests: u64,
    failures: u64,
    seconds: f64,
    bytes: u64,
    reports_per_request: u64,
    p50: f64,
    p99: f64,
}

/// Runs one phase: `make(i)` is the i-th request.
fn phase(name: &str, a: &Args, addr: &str, reports_per_request: u64, make: MakeRequest) -> Outcome {
    let next = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let bytes = Arc::new(AtomicU64::new(0));
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let deadline = Instant::now() + Duration::from_secs_f64(a.seconds);
    let started = Instant::now();
    let threads: Vec<_> = (0..a.connections)
        .map(|_| {
            let (next, failures, bytes, latencies, make) =
                (next.clone(), failures.clone(), bytes.clone(), latencies.clone(), make.clone());
            let (addr, max) = (addr.to_string(), a.max_requests);
            std::thread::spawn(move || {
                let mut conn = Conn::open(&addr);
                let mut mine = Vec::new();
                while Instant::now() < deadline {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= max {
                        break;
                    }
                    let req = make(i);
                    let t = Instant::now();
                    let (status, len) = conn.send(&req);
                    mine.push(t.elapsed());
                    if status != 200 && failures.fetch_add(1, Ordering::Relaxed) < 5 {
                        eprintln!("{status} for request {i}");
                    }
                    bytes.fetch_add(len as u64, Ordering::Relaxed);
                }
                latencies.lock().unwrap().extend(mine);
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut lat: Vec<f64> = latencies.lock().unwrap().iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    lat.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| if lat.is_empty() { 0.0 } else { lat[((p / 100.0) * (lat.len() - 1) as f64).round() as usize] };
    Outcome {
        name: name.to_string(),
        requests: lat.len() as u64,
        failures: failures.load(Ordering::Relaxed),
        seconds,
        bytes: bytes.load(Ordering::Relaxed),
        reports_per_request,
        p50: pct(50.0),
        p99: pct(99.0),
    }
}

/// `n` distinct KR mobile numbers (+82 10 xxxx xxxx), pseudo-random from `seed`.
fn spread(seed: u64, n: u64) -> Vec<i64> {
    let mut out = std::collections::BTreeSet::new();
    let mut rng = fastrand::Rng::with_seed(seed);
    while (out.len() as u64) < n {
        out.insert(821_000_000_000 + rng.i64(0..100_000_000));
    }
    out.into_iter().collect()
}

fn main() {
    let a = args();
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("srv/server.db");
    // Snapshots only at version 1 (the listing); deltas after.
    // Lookups come from one network here: lift its lookup budget (the abuse tests check it).
    let mut server = Server::start(
        &db,
        &["--snapshot-every", "1000000", "--lookup-burst", "100000000", "--lookups-per-minute", "100000000"],
    );
    server.signal(15);
    let t = Instant::now();
    // Spread at random over the KR mobile range like real reports (regular numbers would
    // compress to nothing).
    let listed: Vec<i64> = spread(0, a.listed);
    seed_votes(&db, &listed, 3);
    server.restart();
    server.wait_version(1);
    // A delta of 1,000 changes: votes for new numbers from three networks.
    let more: Vec<i64> = spread(1 << 40, 1000);
    server.signal(15);
    seed_votes(&db, &more, 3);
    server.restart();
    let delta_version = server.wait_version(2);
    let snapshot_bytes = std::fs::metadata(server.publish.join("snapshots/1.rfs")).map(|m| m.len()).unwrap_or(0);
    let delta_bytes =
        std::fs::metadata(server.publish.join(format!("deltas/{delta_version}.rfd"))).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "server ready in {:.1} s: {} numbers listed (snapshot {} KB), delta {delta_version} of 1,000 changes ({} KB); {} connections, {} s per phase",
        t.elapsed().as_secs_f64(),
        a.listed,
        snapshot_bytes / 1000,
        delta_bytes / 1000,
        a.connections,
        a.seconds
    );
    let addr = server.addr.clone();
    let mem0 = server.memory_kib();
    let delta_path = format!("/v1/data/deltas/{delta_version}.rfd");
    let phases: Vec<(&str, u64, MakeRequest)> = vec![
        ("health", 0, Arc::new(|_| get("/health"))),
        ("reports x100", 100, Arc::new(|i| reports(i, 100))),
        ("reports x1", 1, Arc::new(|i| reports(1_000_000 + i, 1))),
        ("manifest", 0, Arc::new(|_| get("/v1/data/manifest.json"))),
        ("delta (1,000 changes)", 0, Arc::new(move |_| get(&delta_path))),
        ("snapshot", 0, Arc::new(|_| get("/v1/data/snapshots/1.rfs"))),
        ("lookup", 0, Arc::new(|i| get(&format!("/v1/lookup/{:04x}", (i.wrapping_mul(2_654_435_761) >> 8) & 0xffff)))),
    ];
    let mut results = Vec::new();
    for (name, per, make) in phases {
        let o = phase(name, &a, &addr, per, make);
        eprintln!(
            "{name}: {} requests, {:.0}/s, p99 {:.2} ms, {} failed",
            o.requests,
            o.requests as f64 / o.seconds,
            o.p99,
            o.failures
        );
        results.push(o);
    }
    let mem = server.memory_kib();
    assert!(server.alive(), "the server died under load");
    let floor = results[0].requests as f64 / results[0].seconds;
    println!("| phase | requests | requests/s | reports/s or MB/s | p50 ms | p99 ms | vs health |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for o in &results {
        let rps = o.requests as f64 / o.seconds;
        let extra = if o.reports_per_request > 0 {
            format!("{:.0} reports/s", rps * o.reports_per_request as f64)
        } else if o.bytes > 0 && o.bytes / o.requests.max(1) > 10_000 {
            format!("{:.0} MB/s", o.bytes as f64 / o.seconds / 1e6)
        } else {
            String::new()
        };
        println!(
            "| {} | {} | {:.0} | {} | {:.2} | {:.2} | {:.2} |",
            o.name,
            o.requests,
            rps,
            extra,
            o.p50,
            o.p99,
            rps / floor
        );
    }
    println!("\nserver memory: VmRSS {} KiB before the phases, {} KiB after; VmHWM {} KiB", mem0.0, mem.0, mem.1);
    let failed: u64 = results.iter().map(|o| o.failures).sum();
    server.signal(15);
    if failed > 0 {
        eprintln!("{failed} requests failed");
        std::process::exit(1);
    }
}
