//! `Screener.sync` and `Screener.lookupOnline` of the bindings (`ringfence-ffi`, the
//! wrapper the Kotlin and Swift apps call), from Rust, through an `HttpTransport` (the
//! built-in one, `builtinTransport()` over ringfence-http, as an app would enable it with
//! the `builtin-http` feature), against the real `ringfence-server`
//! (the Kotlin and Swift suites run the same server: scripts/test-bindings.sh). Where a
//! property needs a misbehaving server, the harness's proxy stands in front of the real
//! one. Checked here: progress on the calling thread, screening while a sync waits on the
//! network, a caller inside a tokio runtime, the async variants polled by tokio and
//! cancelled by dropping them, typed errors that leave the data alone, a listener that
//! throws or calls back into the screener.

use ringfence_core::wire::{self, SigningKey};
use ringfence_e2e::{batch, device_id, Fault, Gate, OpenOnDrop, Proxy, Server};
use ringfence_ffi::{
    builtin_transport, Action, Category, Decision, HttpTransport, RingfenceError, RuleList, Screener, SyncConfig,
    SyncListener, SyncProgress, SyncState, SyncSummary,
};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Listed on the server by three reporters on three networks, as scam.
const LISTED: &str = "010-5555-0101";
const LISTED_E164: &str = "+821055550101";
/// How long a test waits for something that should happen at once, before it fails
/// instead of hanging. Not a measurement.
const WAIT: Duration = Duration::from_secs(60);

/// The app's transport: here the built-in one.
fn http() -> Arc<dyn HttpTransport> {
    builtin_transport()
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// The real server, with [`LISTED`] reported by three devices on three networks and
/// published (version 1: a delta from nothing, which a new phone downloads, and a
/// snapshot), and a temp folder for the phones' files.
struct Community {
    server: Server,
    dir: tempfile::TempDir,
}

impl Community {
    fn start() -> Community {
        let dir = tempfile::tempdir().unwrap();
        let server = Server::start(&dir.path().join("srv/server.db"), &[]);
        let client = reqwest::blocking::Client::new();
        for i in 0..3u64 {
            let body = batch(&device_id(0x5100 + i), &[(&format!("listed-{i:04}"), LISTED_E164, true, Some("scam"))]);
            let (status, ack) = server.post_from(&client, &format!("10.77.{i}.7"), "/v1/reports", &body);
            assert_eq!((status, ack["accepted"].as_u64()), (200, Some(1)), "{ack}");
        }
        assert_eq!(server.wait_published(), 1, "the listing is version 1");
        Community { server, dir }
    }

    /// A phone: a database file of its own.
    fn phone(&self, name: &str) -> Arc<Screener> {
        let path = self.dir.path().join(format!("{name}.db"));
        Screener::open(path.to_string_lossy().into_owned(), "KR".into()).unwrap()
    }

    fn config(&self) -> SyncConfig {
        quick(&self.server.url)
    }
}

/// Fails fast: one try, short timeouts.
fn quick(url: &str) -> SyncConfig {
    SyncConfig {
        server_url: url.into(),
        key: None,
        timeout_ms: 10_000,
        request_timeout_ms: 10_000,
        attempts: 1,
        backoff_ms: 50,
        max_download_bytes: 1 << 20,
    }
}

fn screen(s: &Screener, raw: &str) -> Decision {
    s.screen(raw.into(), None, false, None, None, None, None).unwrap()
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
    let c = Community::start();
    let s = c.phone("basic");
    s.report_spam("010-2222-3333".into(), Category::Telemarketing, None).unwrap();
    assert_eq!(screen(&s, LISTED).action, Action::Allow);
    assert_eq!(s.sync_state().unwrap(), SyncState { version: 0, pinned_key: None, last_sync_at: None });

    let recorder = Recorder::default();
    let summary = s.sync(c.config(), http(), Some(Box::new(recorder.clone()))).unwrap();
    println!("{summary:?}");
    assert_eq!(
        summary,
        SyncSummary {
            uploaded: 1,
            duplicates: 0,
            rejected: 0,
            from_version: 0,
            to_version: 1,
            snapshot: false,
            deltas: 1,
            upserted: 1,
            deleted: 0,
            bytes_downloaded: summary.bytes_downloaded,
            pinned_key: Some(c.server.key.clone()),
            server_data_at: summary.server_data_at,
            stale: false,
        }
    );
    assert!(summary.bytes_downloaded > 100, "{summary:?}");
    assert_eq!(s.pending_report_count().unwrap(), 0);
    // The server has the report (one reporter: not listed).
    let votes = c.server.query_i64("SELECT count(*) FROM votes WHERE number = 821022223333", &[]);
    assert_eq!(votes, 1, "the uploaded report on the server");

    let d = screen(&s, LISTED);
    assert_eq!((d.action, d.category), (Action::Warn, Category::Scam), "{d:?}");
    let state = s.sync_state().unwrap();
    assert_eq!((state.version, state.pinned_key.as_deref()), (1, Some(c.server.key.as_str())));
    assert!(state.last_sync_at.is_some_and(|t| (t - now()).abs() < 60), "{state:?}");

    let seen = recorder.seen.lock().unwrap();
    let me = std::thread::current().id();
    assert!(seen.iter().all(|(_, t)| *t == me), "progress arrived on another thread");
    let kinds: Vec<&SyncProgress> = seen.iter().map(|(p, _)| p).collect();
    println!("{kinds:?}");
    // The signed manifest first (reports go only to a server whose key checks out), then
    // the upload.
    assert!(
        matches!(kinds.first(), Some(SyncProgress::Downloading { what, .. }) if what == "the manifest"),
        "{kinds:?}"
    );
    assert_eq!(kinds.get(1), Some(&&SyncProgress::Uploading { sent: 1, total: 1 }));
    assert!(kinds.iter().any(|p| matches!(p, SyncProgress::Downloading { what, .. } if what == "delta 1")));
    assert_eq!(kinds.last(), Some(&&SyncProgress::Applying { entries: 1 }));

    // Up to date: nothing downloaded but the manifest, no listener needed.
    let again = s.sync(c.config(), http(), None).unwrap();
    assert_eq!((again.from_version, again.to_version, again.upserted, again.pinned_key), (1, 1, 0, None));
}

#[test]
fn lookup_online_finds_a_listed_number_and_stores_nothing() {
    let c = Community::start();
    let s = c.phone("lookup");
    let e = s.lookup_online(LISTED.into(), c.config(), http()).unwrap().expect("listed");
    assert_eq!(e.category, Category::Scam);
    assert_eq!(e.votes.round(), 3.0, "{e:?}");
    assert!(e.score > 2.9 && e.score <= 3.0, "{e:?}");
    assert_eq!(s.lookup_online("010-5555-0102".into(), c.config(), http()).unwrap(), None);
    // Nothing stored but the pin (first use, as a sync would).
    assert_eq!(screen(&s, LISTED).action, Action::Allow);
    let state = s.sync_state().unwrap();
    assert_eq!((state.version, state.last_sync_at), (0, None));
    assert_eq!(state.pinned_key, Some(c.server.key.clone()));
    assert!(matches!(
        s.lookup_online("call me maybe".into(), c.config(), http()),
        Err(RingfenceError::InvalidNumber { .. })
    ));
}

/// The proxy holds the answer with the listing until the test lets it go: the sync is provably
/// inside its network call while calls are screened and a number is looked up on the same
/// screener. Were the sync holding the screener, they would wait for it, and the test
/// would fail at its deadline.
#[test]
fn screening_goes_on_while_a_sync_waits_for_the_network() {
    let c = Community::start();
    let proxy = Proxy::start(&c.server.addr);
    let gate = Gate::new();
    proxy.set(Fault::Hold("/deltas/".into(), gate.clone()));
    let s = c.phone("concurrent");
    s.add_rule(RuleList::Block, "+8270*".into(), None, None, None, None, None).unwrap();
    // Patient: the proxy holds the answer as long as the test needs.
    let patient = SyncConfig { timeout_ms: 180_000, request_timeout_ms: 180_000, ..quick(&proxy.url) };
    let s = &s;
    let summary = std::thread::scope(|scope| {
        let _open = OpenOnDrop(gate.clone());
        let syncer = scope.spawn(move || s.sync(patient, http(), None));
        assert!(gate.wait_arrived(1, WAIT), "the sync never asked for the listing");

        let (tx, rx) = mpsc::channel();
        let lookup = quick(&proxy.url);
        scope.spawn(move || {
            let blocked = (0..200).filter(|_| screen(s, "070-1234-5678").action == Action::Block).count();
            let looked_up = s.lookup_online("010-5555-0102".into(), lookup, http());
            let _ = tx.send((blocked, looked_up));
        });
        let (blocked, looked_up) = rx.recv_timeout(WAIT).expect("calls waited for the sync");
        assert_eq!(blocked, 200, "every call screened during the sync was blocked");
        assert_eq!(looked_up.unwrap(), None, "a lookup during the sync");
        assert!(!syncer.is_finished(), "the sync finished while its download was held");
        assert_eq!(s.sync_state().unwrap().version, 0, "nothing applied yet");

        gate.open();
        syncer.join().unwrap().unwrap()
    });
    assert_eq!((summary.to_version, summary.upserted), (1, 1));
    assert_eq!(screen(s, LISTED).action, Action::Warn);
}

/// Callers inside a tokio runtime (a Rust app's `block_on`, a task on a worker) get their
/// answer from the blocking calls, and the async variants run on tokio as on any
/// executor: their work is on a thread of their own, never on the runtime's.
#[test]
fn sync_and_lookup_work_from_inside_a_tokio_runtime() {
    let c = Community::start();
    let s = c.phone("tokio");
    for rt in [
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap(),
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap(),
    ] {
        let summary = rt.block_on(async { s.sync(c.config(), http(), None) }).unwrap();
        assert_eq!(summary.to_version, 1);
        let e = rt.block_on(async { s.lookup_online(LISTED.into(), c.config(), http()) }).unwrap();
        assert_eq!(e.map(|e| e.category), Some(Category::Scam));
        // From a task on a runtime worker, too.
        let s2 = s.clone();
        let config = c.config();
        let state = rt.block_on(async move {
            tokio::spawn(async move { s2.sync(config, http(), None).map(|x| x.to_version) }).await.unwrap()
        });
        assert_eq!(state.unwrap(), 1);
        // The async variants, polled by tokio.
        let summary = rt.block_on(s.clone().sync_async(c.config(), http(), None, None)).unwrap();
        assert_eq!(summary.to_version, 1);
        let e = rt.block_on(s.clone().lookup_online_async(LISTED.into(), c.config(), http(), None)).unwrap();
        assert_eq!(e.map(|e| e.category), Some(Category::Scam));
    }
}

/// Dropping an async call's future (what UniFFI does when a Kotlin coroutine is
/// cancelled) cancels its work: held mid-download by the proxy, the sync stops and
/// applies nothing, and the next sync (which waits for it) starts from where it was.
#[test]
fn dropping_an_async_sync_cancels_it_and_changes_nothing() {
    let c = Community::start();
    let proxy = Proxy::start(&c.server.addr);
    let gate = Gate::new();
    proxy.set(Fault::Hold("/deltas/".into(), gate.clone()));
    let s = c.phone("dropped");
    let patient = SyncConfig { timeout_ms: 180_000, request_timeout_ms: 180_000, ..quick(&proxy.url) };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let _open = OpenOnDrop(gate.clone());
    let aborted = rt.block_on(async {
        let call = tokio::spawn(s.clone().sync_async(patient, http(), None, None));
        let g = gate.clone();
        let arrived = tokio::task::spawn_blocking(move || g.wait_arrived(1, WAIT)).await.unwrap();
        assert!(arrived, "the sync never asked for the listing");
        // Aborting the task drops the future, as UniFFI frees a cancelled coroutine's.
        call.abort();
        call.await
    });
    assert!(aborted.is_err_and(|e| e.is_cancelled()), "the sync was not cancelled");
    // The future is dropped; let the held answer go, then wait for the cancelled job
    // (a sync waits for the running one) and look.
    gate.open();
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    assert!(matches!(
        s.sync(quick(&format!("http://{closed}")), http(), None),
        Err(RingfenceError::ServerUnreachable { .. })
    ));
    assert_eq!(s.sync_state().unwrap(), SyncState { version: 0, pinned_key: None, last_sync_at: None });
    assert_eq!(screen(&s, LISTED).action, Action::Allow);
    assert_eq!(s.sync(c.config(), http(), None).unwrap().to_version, 1);
}

#[test]
fn a_wrong_or_malformed_key_is_refused_and_changes_nothing() {
    let c = Community::start();
    // Through a proxy that counts the requests.
    let proxy = Proxy::start(&c.server.addr);
    let config = quick(&proxy.url);
    let s = c.phone("keys");
    s.sync(config.clone(), http(), None).unwrap();
    let before = s.sync_state().unwrap();
    s.report_spam("010-2222-3333".into(), Category::Scam, None).unwrap();

    let other = wire::hex(SigningKey::from_bytes(&[9u8; 32]).verifying_key().as_bytes());
    let wrong = SyncConfig { key: Some(other.clone()), ..config.clone() };
    match s.sync(wrong.clone(), http(), None) {
        Err(RingfenceError::KeyChanged { pinned, offered }) => {
            assert_eq!(pinned, other);
            assert_eq!(offered, c.server.key);
        }
        other => panic!("expected KeyChanged, got {other:?}"),
    }
    assert!(matches!(s.lookup_online(LISTED.into(), wrong, http()), Err(RingfenceError::KeyChanged { .. })));
    proxy.take_requests();
    let bad = SyncConfig { key: Some("not-a-key".into()), ..config };
    assert!(matches!(s.sync(bad, http(), None), Err(RingfenceError::BadKey { key }) if key == "not-a-key"));
    assert_eq!(proxy.take_requests(), Vec::<String>::new(), "a malformed key is refused before any request");

    assert_eq!(s.sync_state().unwrap(), before);
    assert_eq!(screen(&s, LISTED).action, Action::Warn);
    // The manifest is checked first: the new report did not go to a server whose key
    // was refused.
    assert_eq!(s.pending_report_count().unwrap(), 1);
}

#[test]
fn an_unreachable_server_is_a_typed_error() {
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let s = Screener::open(dir.path().join("phone.db").to_string_lossy().into_owned(), "KR".into()).unwrap();
    s.report_spam("010-2222-3333".into(), Category::Scam, None).unwrap();
    match s.sync(quick(&format!("http://{closed}")), http(), None) {
        Err(RingfenceError::ServerUnreachable { url, .. }) => {
            assert!(url.contains(&closed.port().to_string()), "{url}")
        }
        other => panic!("expected ServerUnreachable, got {other:?}"),
    }
    assert!(matches!(
        s.lookup_online(LISTED.into(), quick(&format!("http://{closed}")), http()),
        Err(RingfenceError::ServerUnreachable { .. })
    ));
    assert_eq!(s.pending_report_count().unwrap(), 1, "the report stays in the outbox");
    assert!(matches!(s.sync(quick("gopher://x"), http(), None), Err(RingfenceError::BadServerUrl { .. })));
    let zero = SyncConfig { attempts: 0, ..quick("http://127.0.0.1:1") };
    assert!(matches!(s.sync(zero, http(), None), Err(RingfenceError::InvalidArgument { .. })));
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
    let c = Community::start();
    let s = c.phone("listener");
    let calls = Arc::new(AtomicUsize::new(0));
    match s.sync(c.config(), http(), Some(Box::new(Boom(calls.clone())))) {
        Err(RingfenceError::Internal { details }) => assert!(details.contains("listener bug"), "{details}"),
        other => panic!("expected Internal, got {other:?}"),
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1, "called again after it failed");
    assert_eq!(s.sync_state().unwrap().version, 1);
    assert_eq!(screen(&s, LISTED).action, Action::Warn);
}

#[test]
fn an_in_memory_screener_syncs_too() {
    let c = Community::start();
    let s = Screener::open_in_memory("KR".into()).unwrap();
    assert_eq!(s.sync(c.config(), http(), None).unwrap().to_version, 1);
    assert_eq!(screen(&s, LISTED).category, Category::Scam);
    assert!(s.lookup_online(LISTED.into(), c.config(), http()).unwrap().is_some());
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
                self.s.sync(self.config.clone(), http(), None).unwrap();
            }
            screen(&self.s, LISTED);
        }
    }
    let c = Community::start();
    for s in [c.phone("reentrant"), Screener::open_in_memory("KR".into()).unwrap()] {
        s.report_spam("010-2222-3333".into(), Category::Scam, None).unwrap();
        let calls = Arc::new(AtomicUsize::new(0));
        let listener = Reentrant { s: s.clone(), config: c.config(), calls: calls.clone() };
        let (tx, rx) = mpsc::channel();
        let s2 = s.clone();
        let config = c.config();
        std::thread::spawn(move || {
            let _ = tx.send(s2.sync(config, http(), Some(Box::new(listener))));
        });
        let summary = rx.recv_timeout(WAIT).expect("deadlocked").unwrap();
        assert_eq!((summary.uploaded, summary.to_version), (1, 1));
        assert!(calls.load(Ordering::SeqCst) >= 3);
        assert_eq!(screen(&s, LISTED).action, Action::Warn);
    }
}
