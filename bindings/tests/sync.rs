//! `Screener.sync` and `Screener.lookupOnline` from Rust, against a small in-test HTTP
//! server that serves files signed the way `ringfence-server` signs them (the Kotlin and
//! Swift tests run the real server: scripts/test-bindings.sh). Checked here: progress on
//! the calling thread, screening while a sync waits on the network, a caller inside a
//! tokio runtime, typed errors that leave the data alone, a listener that throws.

use ringfence_core::wire::{self, Entry, FileRef, Header, Kind, Manifest, Payload, SigningKey};
use ringfence_core::E164;
use ringfence_ffi::*;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const LISTED: &str = "010-5555-0101";
const LISTED_E164: u64 = 821055550101;

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A static community server: version 1 is a snapshot listing [`LISTED`] as scam with 3
/// votes; uploads are acknowledged; lookups answer from the same listing.
struct FakeServer {
    url: String,
    key: SigningKey,
    requests: Arc<AtomicUsize>,
}

struct Files {
    manifest: Vec<u8>,
    snapshot: Vec<u8>,
    buckets: Vec<(String, Vec<u8>)>,
    empty_bucket: Box<dyn Fn(u16) -> Vec<u8> + Send + Sync>,
    snapshot_delay: Duration,
}

impl FakeServer {
    fn start(snapshot_delay: Duration) -> FakeServer {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let salt = vec![0x5a; 16];
        let created_at = now();
        let key_id = wire::key_id(&key.verifying_key());
        let header = move |kind, version, base_version, entries: usize| Header {
            kind,
            key_id,
            version,
            base_version,
            created_at,
            half_life_secs: 125 * 86_400,
            entries: entries as u32,
            deletions: 0,
        };
        let entry = |k| Entry {
            key: k,
            category: ringfence_core::Category::Scam,
            score: 3.0,
            last_activity: wire::rounded_activity(created_at, created_at),
        };
        let snapshot = wire::encode(
            &Payload { header: header(Kind::Snapshot, 1, 0, 1), entries: vec![entry(LISTED_E164)], deletions: vec![] },
            &key,
        )
        .unwrap();
        let (bucket, tag) = wire::lookup_hash(&salt, E164::from_u64(LISTED_E164).unwrap());
        let bucket_file = wire::encode(
            &Payload {
                header: header(Kind::Bucket, 1, bucket.into(), 1),
                entries: vec![entry(tag)],
                deletions: vec![],
            },
            &key,
        )
        .unwrap();
        let manifest = Manifest {
            format: 1,
            latest: 1,
            snapshot: Some(FileRef { version: 1, path: wire::snapshot_path(1) }),
            oldest_delta: None,
            delta_path: wire::DELTA_PATH.into(),
            lookup_salt: wire::hex(&salt),
            key: wire::hex(key.verifying_key().as_bytes()),
            key_id: wire::hex(&wire::key_id(&key.verifying_key())),
            created_at,
            half_life_secs: 125 * 86_400,
        };
        let signer = key.clone();
        let files = Arc::new(Files {
            manifest: serde_json::to_vec(&manifest).unwrap(),
            snapshot,
            buckets: vec![(format!("/v1/lookup/{bucket:04x}"), bucket_file)],
            empty_bucket: Box::new(move |b| {
                let h = Header { entries: 0, ..header(Kind::Bucket, 1, b.into(), 0) };
                wire::encode(&Payload { header: h, entries: vec![], deletions: vec![] }, &signer).unwrap()
            }),
            snapshot_delay,
        });
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().map_while(Result::ok) {
                let files = files.clone();
                counter.fetch_add(1, Ordering::SeqCst);
                std::thread::spawn(move || {
                    let _ = answer(conn, &files);
                });
            }
        });
        FakeServer { url, key, requests }
    }

    fn config(&self) -> SyncConfig {
        quick(&self.url)
    }
}

/// One HTTP/1.1 request per connection.
fn answer(mut conn: TcpStream, files: &Files) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut req = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        req.extend_from_slice(&buf[..n]);
        if let Some(i) = req.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&req[..head_end]).to_string();
    let len: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
        .unwrap_or(0);
    while req.len() < head_end + len {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            break;
        }
        req.extend_from_slice(&buf[..n]);
    }
    let mut words = head.split_whitespace();
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let (status, body): (&str, Vec<u8>) = match (method, path) {
        ("GET", "/v1/data/manifest.json") => ("200 OK", files.manifest.clone()),
        ("GET", "/v1/data/snapshots/1.rfs") => {
            std::thread::sleep(files.snapshot_delay);
            ("200 OK", files.snapshot.clone())
        }
        ("POST", "/v1/reports") => {
            let batch: wire::ReportBatch = serde_json::from_slice(&req[head_end..]).unwrap();
            let ack = format!("{{\"accepted\":{},\"duplicates\":0}}", batch.reports.len());
            ("200 OK", ack.into_bytes())
        }
        ("GET", p) if p.starts_with("/v1/lookup/") => match files.buckets.iter().find(|(b, _)| b == p) {
            Some((_, bytes)) => ("200 OK", bytes.clone()),
            None => ("200 OK", (files.empty_bucket)(u16::from_str_radix(&p[11..], 16).unwrap())),
        },
        _ => ("404 Not Found", br#"{"error":"not_found","message":"no such endpoint"}"#.to_vec()),
    };
    write!(conn, "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len())?;
    conn.write_all(&body)?;
    conn.flush()
}

/// Fails fast: one try, short timeouts.
fn quick(url: &str) -> SyncConfig {
    SyncConfig {
        server_url: url.into(),
        key: None,
        connect_timeout_ms: 2_000,
        request_timeout_ms: 10_000,
        attempts: 1,
        backoff_ms: 50,
        retry_budget_ms: 1_000,
        max_download_bytes: 1 << 20,
    }
}

struct TempDb(PathBuf);

impl TempDb {
    fn new(name: &str) -> TempDb {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "ringfence-ffi-sync-{}-{}-{name}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        TempDb(dir)
    }

    fn open(&self) -> Arc<Screener> {
        Screener::open(self.0.join("phone.db").to_string_lossy().into_owned(), "KR".into()).unwrap()
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn screen(s: &Screener, raw: &str) -> Decision {
    s.screen(raw.into(), None, false, None, None).unwrap()
}

/// Records progress and the thread it arrived on.
#[derive(Default, Clone)]
struct Recorder {
    seen: Arc<Mutex<Vec<(SyncProgress, std::thread::ThreadId)>>>,
}

impl SyncListener for Recorder {
    fn on_progress(&self, progress: SyncProgress) {
        self.seen.lock().unwrap().push((progress, std::thread::current().id()));
    }
}

#[test]
fn sync_uploads_applies_and_reports_progress_on_the_calling_thread() {
    let server = FakeServer::start(Duration::ZERO);
    let db = TempDb::new("basic");
    let s = db.open();
    s.report_spam("010-2222-3333".into(), Category::Telemarketing, None).unwrap();
    assert_eq!(screen(&s, LISTED).action, Action::Allow);
    assert_eq!(s.sync_state().unwrap(), SyncState { version: 0, pinned_key: None, last_sync_at: None });

    let recorder = Recorder::default();
    let summary = s.sync(server.config(), Some(Box::new(recorder.clone()))).unwrap();
    println!("{summary:?}");
    let key_hex = wire::hex(server.key.verifying_key().as_bytes());
    assert_eq!(
        summary,
        SyncSummary {
            uploaded: 1,
            duplicates: 0,
            rejected: 0,
            from_version: 0,
            to_version: 1,
            snapshot: true,
            deltas: 0,
            upserted: 1,
            deleted: 0,
            bytes_downloaded: summary.bytes_downloaded,
            pinned_key: Some(key_hex.clone()),
        }
    );
    assert!(summary.bytes_downloaded > 100, "{summary:?}");
    assert_eq!(s.pending_report_count().unwrap(), 0);

    let d = screen(&s, LISTED);
    assert_eq!((d.action, d.category), (Action::Warn, Category::Scam), "{d:?}");
    let state = s.sync_state().unwrap();
    assert_eq!((state.version, state.pinned_key.as_deref()), (1, Some(key_hex.as_str())));
    assert!(state.last_sync_at.is_some_and(|t| (t - now()).abs() < 60), "{state:?}");

    let seen = recorder.seen.lock().unwrap();
    let me = std::thread::current().id();
    assert!(seen.iter().all(|(_, t)| *t == me), "progress arrived on another thread");
    let kinds: Vec<&SyncProgress> = seen.iter().map(|(p, _)| p).collect();
    println!("{kinds:?}");
    assert_eq!(kinds.first(), Some(&&SyncProgress::Uploading { sent: 1, total: 1 }));
    assert!(kinds.iter().any(|p| matches!(p, SyncProgress::Downloading { what, .. } if what == "snapshot 1")));
    assert_eq!(kinds.last(), Some(&&SyncProgress::Applying { entries: 1 }));

    // Up to date: nothing downloaded but the manifest, no listener needed.
    let again = s.sync(server.config(), None).unwrap();
    assert_eq!((again.from_version, again.to_version, again.upserted, again.pinned_key), (1, 1, 0, None));
}

#[test]
fn lookup_online_finds_a_listed_number_and_stores_nothing() {
    let server = FakeServer::start(Duration::ZERO);
    let db = TempDb::new("lookup");
    let s = db.open();
    let e = s.lookup_online(LISTED.into(), server.config()).unwrap().expect("listed");
    assert_eq!(e.category, Category::Scam);
    assert_eq!(e.votes, 3.0);
    assert!(e.score > 2.9 && e.score <= 3.0, "{e:?}");
    assert_eq!(s.lookup_online("010-5555-0102".into(), server.config()).unwrap(), None);
    // Nothing stored but the pin (first use, as a sync would).
    assert_eq!(screen(&s, LISTED).action, Action::Allow);
    let state = s.sync_state().unwrap();
    assert_eq!((state.version, state.last_sync_at), (0, None));
    assert_eq!(state.pinned_key, Some(wire::hex(server.key.verifying_key().as_bytes())));
    assert!(matches!(
        s.lookup_online("call me maybe".into(), server.config()),
        Err(RingfenceError::InvalidNumber { .. })
    ));
}

/// The network call waits 1.5 s for the snapshot: calls are screened meanwhile, each
/// without waiting for the sync.
#[test]
fn screening_goes_on_while_a_sync_waits_for_the_network() {
    let server = FakeServer::start(Duration::from_millis(1500));
    let db = TempDb::new("concurrent");
    let s = db.open();
    s.add_rule(RuleList::Block, "+8270*".into(), None).unwrap();
    let syncing = AtomicBool::new(true);
    let (sync_time, worst, screened) = std::thread::scope(|scope| {
        let syncer = scope.spawn(|| {
            let t = Instant::now();
            let summary = s.sync(server.config(), None);
            syncing.store(false, Ordering::SeqCst);
            (summary.unwrap(), t.elapsed())
        });
        let mut worst = Duration::ZERO;
        let mut screened = 0;
        while syncing.load(Ordering::SeqCst) {
            let t = Instant::now();
            assert_eq!(screen(&s, "070-1234-5678").action, Action::Block);
            // A lookup does not wait for the sync either.
            if screened == 100 {
                assert_eq!(s.lookup_online("010-5555-0102".into(), server.config()).unwrap(), None);
            }
            worst = worst.max(t.elapsed());
            screened += 1;
        }
        let (summary, sync_time) = syncer.join().unwrap();
        assert_eq!(summary.to_version, 1);
        (sync_time, worst, screened)
    });
    println!("sync {sync_time:?}; {screened} calls screened meanwhile, slowest {worst:?}");
    assert!(sync_time >= Duration::from_millis(1500));
    assert!(screened > 100, "only {screened} calls screened during a {sync_time:?} sync");
    assert!(worst < Duration::from_millis(700), "a call waited {worst:?} during a {sync_time:?} sync");
    assert_eq!(screen(&s, LISTED).action, Action::Warn);
}

/// reqwest's blocking client panics on a thread inside a tokio runtime; the bindings run
/// it on a thread of their own, so such a caller gets its answer.
#[test]
fn sync_and_lookup_work_from_inside_a_tokio_runtime() {
    let server = FakeServer::start(Duration::ZERO);
    let db = TempDb::new("tokio");
    let s = db.open();
    for rt in [
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap(),
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap(),
    ] {
        let summary = rt.block_on(async { s.sync(server.config(), None) }).unwrap();
        assert_eq!(summary.to_version, 1);
        let e = rt.block_on(async { s.lookup_online(LISTED.into(), server.config()) }).unwrap();
        assert_eq!(e.map(|e| e.category), Some(Category::Scam));
        // From a task on a runtime worker, too.
        let s2 = s.clone();
        let config = server.config();
        let state = rt.block_on(async move {
            tokio::spawn(async move { s2.sync(config, None).map(|x| x.to_version) }).await.unwrap()
        });
        assert_eq!(state.unwrap(), 1);
    }

    // Why the thread: the core's blocking client called straight from the runtime panics.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut core = ringfence_core::Screener::open_in_memory(ringfence_core::Region::KR).unwrap();
    let config = ringfence_core::SyncConfig::new(&server.url).unwrap();
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let direct = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async { core.sync(&config, &mut |_| {}).map(|s| s.to_version) })
    }));
    std::panic::set_hook(hook);
    assert!(direct.is_err(), "the core's sync no longer panics inside a runtime: {direct:?}");
}

#[test]
fn a_wrong_or_malformed_key_is_refused_and_changes_nothing() {
    let server = FakeServer::start(Duration::ZERO);
    let db = TempDb::new("keys");
    let s = db.open();
    s.sync(server.config(), None).unwrap();
    let before = s.sync_state().unwrap();
    s.report_spam("010-2222-3333".into(), Category::Scam, None).unwrap();

    let other = wire::hex(SigningKey::from_bytes(&[9u8; 32]).verifying_key().as_bytes());
    let wrong = SyncConfig { key: Some(other.clone()), ..server.config() };
    match s.sync(wrong.clone(), None) {
        Err(RingfenceError::KeyChanged { pinned, offered }) => {
            assert_eq!(pinned, other);
            assert_eq!(offered, wire::hex(server.key.verifying_key().as_bytes()));
        }
        other => panic!("expected KeyChanged, got {other:?}"),
    }
    assert!(matches!(s.lookup_online(LISTED.into(), wrong), Err(RingfenceError::KeyChanged { .. })));
    let requests = server.requests.load(Ordering::SeqCst);
    let bad = SyncConfig { key: Some("not-a-key".into()), ..server.config() };
    assert!(matches!(s.sync(bad, None), Err(RingfenceError::BadKey { key }) if key == "not-a-key"));
    assert_eq!(server.requests.load(Ordering::SeqCst), requests, "a malformed key is refused before any request");

    assert_eq!(s.sync_state().unwrap(), before);
    assert_eq!(screen(&s, LISTED).action, Action::Warn);
    // The upload of the new report went through before the manifest was refused.
    assert_eq!(s.pending_report_count().unwrap(), 0);
}

#[test]
fn an_unreachable_server_is_a_quick_typed_error() {
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let db = TempDb::new("unreachable");
    let s = db.open();
    let t = Instant::now();
    match s.sync(quick(&format!("http://{closed}")), None) {
        Err(RingfenceError::ServerUnreachable { url, .. }) => {
            assert!(url.contains(&closed.port().to_string()), "{url}")
        }
        other => panic!("expected ServerUnreachable, got {other:?}"),
    }
    assert!(matches!(
        s.lookup_online(LISTED.into(), quick(&format!("http://{closed}"))),
        Err(RingfenceError::ServerUnreachable { .. })
    ));
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert!(matches!(s.sync(quick("gopher://x"), None), Err(RingfenceError::BadServerUrl { .. })));
    let zero = SyncConfig { attempts: 0, ..quick("http://127.0.0.1:1") };
    assert!(matches!(s.sync(zero, None), Err(RingfenceError::InvalidArgument { .. })));
    assert_eq!(s.sync_state().unwrap().version, 0);
}

/// A listener that throws (a Kotlin exception arrives in Rust as a panic): no more
/// progress calls, the sync finishes, and the caller gets `Internal`.
#[test]
fn a_failing_listener_becomes_internal_after_the_sync() {
    struct Boom(Arc<AtomicUsize>);
    impl SyncListener for Boom {
        fn on_progress(&self, _: SyncProgress) {
            self.0.fetch_add(1, Ordering::SeqCst);
            panic!("listener bug");
        }
    }
    let server = FakeServer::start(Duration::ZERO);
    let db = TempDb::new("listener");
    let s = db.open();
    let calls = Arc::new(AtomicUsize::new(0));
    match s.sync(server.config(), Some(Box::new(Boom(calls.clone())))) {
        Err(RingfenceError::Internal { details }) => assert!(details.contains("listener bug"), "{details}"),
        other => panic!("expected Internal, got {other:?}"),
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1, "called again after it failed");
    assert_eq!(s.sync_state().unwrap().version, 1);
    assert_eq!(screen(&s, LISTED).action, Action::Warn);
}

#[test]
fn an_in_memory_screener_syncs_too() {
    let server = FakeServer::start(Duration::ZERO);
    let s = Screener::open_in_memory("KR".into()).unwrap();
    assert_eq!(s.sync(server.config(), None).unwrap().to_version, 1);
    assert_eq!(screen(&s, LISTED).category, Category::Scam);
    assert!(s.lookup_online(LISTED.into(), server.config()).unwrap().is_some());
}

/// A listener that calls the same screener (to show the outbox, or even to sync again)
/// waits for the running sync instead of deadlocking with it, in a file and in memory.
#[test]
fn a_listener_may_call_the_screener_it_listens_to() {
    struct Reentrant {
        s: Arc<Screener>,
        config: SyncConfig,
        calls: Arc<AtomicUsize>,
    }
    impl SyncListener for Reentrant {
        fn on_progress(&self, _: SyncProgress) {
            if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
                self.s.pending_report_count().unwrap();
                self.s.sync(self.config.clone(), None).unwrap();
            }
            screen(&self.s, LISTED);
        }
    }
    let server = FakeServer::start(Duration::ZERO);
    let db = TempDb::new("reentrant");
    for s in [db.open(), Screener::open_in_memory("KR".into()).unwrap()] {
        s.report_spam("010-2222-3333".into(), Category::Scam, None).unwrap();
        let calls = Arc::new(AtomicUsize::new(0));
        let listener = Reentrant { s: s.clone(), config: server.config(), calls: calls.clone() };
        let (tx, rx) = std::sync::mpsc::channel();
        let s2 = s.clone();
        let config = server.config();
        std::thread::spawn(move || {
            let _ = tx.send(s2.sync(config, Some(Box::new(listener))));
        });
        let summary = rx.recv_timeout(Duration::from_secs(20)).expect("deadlocked").unwrap();
        assert_eq!((summary.uploaded, summary.to_version), (1, 1));
        assert!(calls.load(Ordering::SeqCst) >= 3);
        assert_eq!(screen(&s, LISTED).action, Action::Warn);
    }
}
