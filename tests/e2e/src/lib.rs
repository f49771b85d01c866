//! Harness for the end-to-end tests: the real `ringfence-server` process on 127.0.0.1,
//! devices with real SQLite files, and a small HTTP proxy that can cut, alter or kill
//! in the middle of a response.
//!
//! Origins: the server counts reporters by network (`server/src/origin.rs`), and every
//! test process talks to it from 127.0.0.1. So [`Server::start`] trusts 127.0.0.1 as a
//! proxy (`--trusted-proxy 127.0.0.1`), and each [`Device`] talks to the server through its
//! own small proxy that adds `X-Forwarded-For: 10.A.B.7`, a network of its own, as a CDN
//! in front of the server would. A device is then an independent reporter, as a phone on
//! its own line is. Tests of the defence itself place clients on chosen networks with
//! [`Server::post_from`] or by binding real loopback source addresses (127.x.y.z).
//!
//! The binaries are the ones cargo built next to the test (`target/<profile>/`):
//! `scripts/test-e2e.sh` builds them first.

use ringfence_core::wire::{self, ReportBatch, ReportItem, SigningKey};
use ringfence_core::Evidence;
use ringfence_core::{Cancel, Region, Screener, SyncConfig, SyncProgress, SyncSummary};
use ringfence_http::HttpTransport;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// A binary built by cargo next to this test.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe.parent().and_then(Path::parent).expect("target directory");
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} is missing: build it first (scripts/test-e2e.sh does: cargo build -p ringfence-server -p ringfence)",
        path.display()
    );
    path
}

pub struct Server {
    pub child: Child,
    pub url: String,
    pub addr: String,
    pub key: String,
    pub db: PathBuf,
    pub publish: PathBuf,
    pub args: Vec<String>,
}

impl Server {
    /// Starts a server on `db` with a short publish interval and extra arguments, trusting
    /// `X-Forwarded-For` from 127.0.0.1 (see the module's notes on origins) unless the
    /// arguments name their own `--trusted-proxy`.
    pub fn start(db: &Path, args: &[&str]) -> Server {
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        if !all.iter().any(|a| a == "--trusted-proxy") {
            all.extend(["--trusted-proxy".to_string(), "127.0.0.1".to_string()]);
        }
        Server::start_on(db, "127.0.0.1:0", all)
    }

    /// Starts a server that trusts no proxy: every client's origin is its own address.
    pub fn start_untrusting(db: &Path, args: &[&str]) -> Server {
        Server::start_on(db, "127.0.0.1:0", args.iter().map(|s| s.to_string()).collect())
    }

    /// A test's phones are all new: unless `args` choose a `--new-device-weight`, their
    /// votes weigh fully (`tests/evidence.rs` tests the weighting itself).
    pub fn start_on(db: &Path, listen: &str, args: Vec<String>) -> Server {
        let weight =
            if args.iter().any(|a| a == "--new-device-weight") { &[][..] } else { &["--new-device-weight", "1"][..] };
        let mut child = Command::new(bin("ringfence-server"))
            .arg("--db")
            .arg(db)
            .args(["--listen", listen, "--publish-interval", "0.2"])
            .args(weight)
            .args(&args)
            .env("RUST_LOG", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start ringfence-server");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let (mut addr, mut key) = (None, None);
        while addr.is_none() || key.is_none() {
            let line = rx.recv_timeout(Duration::from_secs(20)).expect("ringfence-server printed its address and key");
            if let Some(a) = line.strip_prefix("ringfence-server listening on http://") {
                addr = Some(a.trim().to_string());
            } else if let Some(k) = line.strip_prefix("public key: ") {
                key = Some(k.trim().to_string());
            }
        }
        let addr = addr.unwrap_or_default();
        let publish = db.parent().unwrap_or(Path::new(".")).join("publish");
        let s = Server {
            child,
            url: format!("http://{addr}"),
            addr,
            key: key.unwrap_or_default(),
            db: db.to_path_buf(),
            publish,
            args,
        };
        s.wait_healthy();
        s
    }

    fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = reqwest::blocking::get(format!("{}/health", self.url)) {
                if r.status().is_success() {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "server at {} never became healthy", self.url);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The same database and port again, after a stop or a kill.
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let again = Server::start_on(&self.db, &self.addr, self.args.clone());
        *self = again;
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends a signal by number (15 TERM, 2 INT) and waits for the exit.
    pub fn signal(&mut self, sig: i32) -> std::process::ExitStatus {
        let ok = Command::new("kill").arg(format!("-{sig}")).arg(self.child.id().to_string()).status().expect("kill");
        assert!(ok.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "server did not stop within 10 s of signal {sig}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The manifest the server serves, its signature checked.
    pub fn manifest(&self) -> wire::Manifest {
        let bytes = reqwest::blocking::get(format!("{}/v1/data/manifest.json", self.url))
            .and_then(|r| r.bytes())
            .expect("manifest");
        wire::open_manifest(&bytes, None).expect("a signed manifest").0
    }

    pub fn latest(&self) -> u64 {
        self.manifest().latest
    }

    /// Waits until the published version is at least `v`.
    pub fn wait_version(&self, v: u64) -> u64 {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let latest = self.latest();
            if latest >= v {
                return latest;
            }
            assert!(Instant::now() < deadline, "version {v} never published (latest {latest})");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Lets several publication intervals pass (for "nothing was published" checks).
    pub fn settle(&self) {
        std::thread::sleep(Duration::from_millis(1000));
    }

    /// POSTs a JSON body to the API; returns (status, JSON answer).
    pub fn post(&self, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        self.post_raw(path, serde_json::to_vec(body).expect("json"))
    }

    pub fn post_raw(&self, path: &str, body: Vec<u8>) -> (u16, serde_json::Value) {
        let r = reqwest::blocking::Client::new()
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .expect("post");
        let status = r.status().as_u16();
        let text = r.text().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
    }

    /// POSTs as if from client address `from`, through the trusted proxy 127.0.0.1
    /// (`X-Forwarded-For`); returns (status, JSON answer).
    pub fn post_from(
        &self,
        client: &reqwest::blocking::Client,
        from: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let r = client
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/json")
            .header("x-forwarded-for", from)
            .body(serde_json::to_vec(body).expect("json"))
            .send()
            .expect("post");
        let status = r.status().as_u16();
        let text = r.text().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
    }

    /// The server's process id (for /proc/PID/status).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// (VmRSS, VmHWM) of the server process, in KiB.
    pub fn memory_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A phone: its own database file, its own network (see the module's notes on
/// origins), and sync settings with quick retries.
pub struct Device {
    pub screener: Screener,
    pub path: PathBuf,
    pub config: SyncConfig,
    /// The address the server sees for this device (`X-Forwarded-For`).
    pub origin: String,
    /// The proxy that adds it; `config` points at it.
    pub origin_proxy: Proxy,
}

/// A client address on a network of its own: 10.A.B.7, a different /24 each time.
pub fn next_origin() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(1);
    let n = N.fetch_add(1, Ordering::Relaxed);
    format!("10.{}.{}.7", (n >> 8) & 0xff, n & 0xff)
}

impl Device {
    pub fn new(dir: &Path, name: &str, server_url: &str) -> Device {
        let path = dir.join(format!("{name}.db"));
        let screener = Screener::open(&path, Region::KR).expect("open device database");
        let origin = next_origin();
        let upstream = server_url.trim_start_matches("http://").trim_end_matches('/');
        let origin_proxy = Proxy::forwarding_for(upstream, &origin);
        let config = quick(&origin_proxy.url);
        Device { screener, path, config, origin, origin_proxy }
    }

    pub fn sync(&mut self) -> ringfence_core::Result<ringfence_core::SyncSummary> {
        self.screener.sync_http(&self.config, &mut |_| {})
    }

    /// The server rows of this device's community table, as another process sees the
    /// file: (number, category code, votes, last activity), by number.
    pub fn community(&self) -> Vec<(i64, i64, f64, i64)> {
        let conn = rusqlite::Connection::open(&self.path).expect("open device file");
        let mut q = conn
            .prepare("SELECT number, category, votes, last_activity FROM community WHERE source = 1 ORDER BY number")
            .expect("query");
        let rows = q.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).expect("rows");
        rows.collect::<Result<_, _>>().expect("read rows")
    }

    /// This phone's device id, its key read from its database so that [`batch`] can sign
    /// as the phone (a request the phone made, replayed by the test).
    pub fn device_id(&mut self) -> String {
        let id = self.screener.device_id().expect("device id");
        let conn = rusqlite::Connection::open(&self.path).expect("open device file");
        let hex: String =
            conn.query_row("SELECT value FROM meta WHERE key = 'sync.device_key'", [], |r| r.get(0)).expect("key");
        let b: [u8; 32] = wire::unhex(&hex).and_then(|b| b.try_into().ok()).expect("a key");
        assert_eq!(register(SigningKey::from_bytes(&b)), id);
        id
    }

    pub fn pending(&self) -> usize {
        self.screener.pending_reports(10_000).expect("outbox").len()
    }
}

/// Sync settings that fail fast: a few quick retries.
pub fn quick(url: &str) -> SyncConfig {
    let mut c = SyncConfig::new(url).expect("server url");
    c.attempts = 3;
    c.backoff = Duration::from_millis(50);
    c.request_timeout = Duration::from_secs(10);
    c.timeout = Duration::from_secs(30);
    c
}

/// The built-in HTTP transport (`ringfence-http`), as the command line uses it.
pub fn http() -> &'static HttpTransport {
    static T: OnceLock<HttpTransport> = OnceLock::new();
    T.get_or_init(|| HttpTransport::new(Duration::from_secs(5)))
}

/// Sync and lookup over the built-in transport, not cancelled.
pub trait OverHttp {
    fn sync_http(
        &mut self,
        config: &SyncConfig,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> ringfence_core::Result<SyncSummary>;
    fn lookup_http(&mut self, raw: &str, config: &SyncConfig) -> ringfence_core::Result<Option<Evidence>>;
}

impl OverHttp for Screener {
    fn sync_http(
        &mut self,
        config: &SyncConfig,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> ringfence_core::Result<SyncSummary> {
        self.sync(config, http(), &Cancel::new(), progress)
    }

    fn lookup_http(&mut self, raw: &str, config: &SyncConfig) -> ringfence_core::Result<Option<Evidence>> {
        self.lookup_online(raw, config, http(), &Cancel::new())
    }
}

/// What the proxy does to responses whose request path contains `path`.
#[derive(Clone)]
pub enum Fault {
    /// Forward unchanged.
    None,
    /// Forward only the first half of the body (keeping the announced length).
    Truncate(String),
    /// Forward the first half of the body, then run the hook (kill the server) and hang up.
    KillDuring(String, Arc<dyn Fn() + Send + Sync>),
    /// Answer requests whose path contains one of these with these bytes instead (a
    /// second static server, in effect).
    Serve(Arc<Vec<(String, Vec<u8>)>>),
    /// Hold the response (already read from the server) until the gate opens: a server
    /// that stalls, for exactly as long as the test wants.
    Hold(String, Gate),
    /// Answer requests whose path contains this with these raw bytes (status line,
    /// headers and body), without asking the server.
    Respond(String, Arc<Vec<u8>>),
    /// Answer requests whose path starts with `.0` with a 307 to `.1` followed by the rest
    /// of the path.
    Redirect(String, String),
    /// Forward the response's head at once, then its body one byte per interval: a
    /// server (or a hostile mirror) that trickles.
    Trickle(String, Duration),
}

/// Where a [`Fault::Hold`] keeps a response: the test learns when a request has arrived
/// and decides when its answer goes out. [`OpenOnDrop`] opens it however the test ends,
/// so a failing test does not leave a client hanging.
#[derive(Clone, Default)]
pub struct Gate(Arc<(Mutex<GateState>, Condvar)>);

#[derive(Default)]
struct GateState {
    arrived: usize,
    open: bool,
}

impl Gate {
    pub fn new() -> Gate {
        Gate::default()
    }

    /// Waits until `n` requests in all have reached the gate; false if `deadline`
    /// passed first (a deadline so that a broken test ends, not a measurement).
    pub fn wait_arrived(&self, n: usize, deadline: Duration) -> bool {
        let (state, cv) = &*self.0;
        let guard = state.lock().unwrap();
        let (guard, _) = cv.wait_timeout_while(guard, deadline, |s| s.arrived < n).unwrap();
        guard.arrived >= n
    }

    /// Lets every held response (and every later one) through.
    pub fn open(&self) {
        let (state, cv) = &*self.0;
        state.lock().unwrap().open = true;
        cv.notify_all();
    }

    /// Called by the proxy: counts the arrival and waits for the gate (at most `limit`).
    fn pass(&self, limit: Duration) {
        let (state, cv) = &*self.0;
        let mut guard = state.lock().unwrap();
        guard.arrived += 1;
        cv.notify_all();
        let _ = cv.wait_timeout_while(guard, limit, |s| !s.open).unwrap();
    }
}

/// Opens a [`Gate`] when dropped, also while a failing test unwinds.
pub struct OpenOnDrop(pub Gate);

impl Drop for OpenOnDrop {
    fn drop(&mut self) {
        self.0.open();
    }
}

/// An HTTP/1.1 proxy in front of the server, one connection per request.
pub struct Proxy {
    pub url: String,
    fault: Arc<Mutex<Fault>>,
    /// Every request as it arrived (request line, headers, body), in order.
    seen: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    pub fn start(upstream: &str) -> Proxy {
        Proxy::start_with(upstream, None)
    }

    /// A proxy that adds `X-Forwarded-For: client` to every request, as a CDN would.
    pub fn forwarding_for(upstream: &str, client: &str) -> Proxy {
        Proxy::start_with(upstream, Some(client.to_string()))
    }

    fn start_with(upstream: &str, forwarded_for: Option<String>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let fault = Arc::new(Mutex::new(Fault::None));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (f, s) = (fault.clone(), seen.clone());
        let upstream = upstream.to_string();
        std::thread::spawn(move || {
            for conn in listener.incoming().map_while(Result::ok) {
                let (f, s, upstream, xff) = (f.clone(), s.clone(), upstream.clone(), forwarded_for.clone());
                std::thread::spawn(move || {
                    let _ = relay(conn, &upstream, &f, &s, xff.as_deref());
                });
            }
        });
        Proxy { url, fault, seen }
    }

    /// The requests received so far (and forgets them).
    pub fn take_requests(&self) -> Vec<String> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }

    pub fn set(&self, fault: Fault) {
        *self.fault.lock().unwrap() = fault;
    }
}

fn relay(
    mut client: TcpStream,
    upstream: &str,
    fault: &Mutex<Fault>,
    seen: &Mutex<Vec<String>>,
    forwarded_for: Option<&str>,
) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(10)))?;
    // Read one request: headers, then Content-Length bytes of body.
    let mut req = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        let n = client.read(&mut buf)?;
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
        let n = client.read(&mut buf)?;
        if n == 0 {
            break;
        }
        req.extend_from_slice(&buf[..n]);
    }
    let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
    seen.lock().unwrap().push(String::from_utf8_lossy(&req).to_string());
    // One request per upstream connection: ask the server to close after answering.
    let mut rewritten: String = head
        .lines()
        .filter(|l| !l.is_empty() && !l.to_ascii_lowercase().starts_with("connection:"))
        .map(|l| format!("{l}\r\n"))
        .collect();
    if let Some(ip) = forwarded_for {
        rewritten.push_str(&format!("X-Forwarded-For: {ip}\r\n"));
    }
    rewritten.push_str("Connection: close\r\n\r\n");
    let answer = fault.lock().unwrap().clone();
    match answer {
        Fault::Respond(p, raw) if path.contains(&p) => {
            client.write_all(&raw)?;
            client.flush()?;
            return Ok(());
        }
        Fault::Redirect(from, to) if path.starts_with(&from) => {
            let location = format!("{to}{}", &path[from.len()..]);
            let r = format!("HTTP/1.1 307 Temporary Redirect\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            client.write_all(r.as_bytes())?;
            client.flush()?;
            return Ok(());
        }
        _ => {}
    }
    let mut up = TcpStream::connect(upstream)?;
    up.write_all(rewritten.as_bytes())?;
    up.write_all(&req[head_end..])?;
    let mut resp = Vec::new();
    up.read_to_end(&mut resp)?;
    let fault = fault.lock().unwrap().clone();
    if let Fault::Serve(files) = &fault {
        if let Some((_, body)) = files.iter().find(|(p, _)| path.contains(p.as_str())) {
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            client.write_all(head.as_bytes())?;
            client.write_all(body)?;
            client.flush()?;
            return Ok(());
        }
    }
    let body_start = resp.windows(4).position(|w| w == b"\r\n\r\n").map_or(resp.len(), |i| i + 4);
    let half = body_start + (resp.len() - body_start) / 2;
    match fault {
        Fault::Truncate(p) if path.contains(&p) => client.write_all(&resp[..half])?,
        Fault::KillDuring(p, hook) if path.contains(&p) => {
            client.write_all(&resp[..half])?;
            client.flush()?;
            hook();
        }
        Fault::Hold(p, gate) if path.contains(&p) => {
            gate.pass(Duration::from_secs(120));
            client.write_all(&resp)?
        }
        Fault::Trickle(p, every) if path.contains(&p) => {
            client.write_all(&resp[..body_start])?;
            for b in &resp[body_start..] {
                client.flush()?;
                std::thread::sleep(every);
                client.write_all(std::slice::from_ref(b))?;
            }
        }
        _ => client.write_all(&resp)?,
    }
    client.flush()?;
    let _ = client.shutdown(std::net::Shutdown::Both);
    Ok(())
}

/// The signing key of test device `n` (deterministic, so a test can name its devices).
pub fn device_key(n: u64) -> SigningKey {
    let mut b = [0xe2u8; 32];
    b[..8].copy_from_slice(&n.to_le_bytes());
    SigningKey::from_bytes(&b)
}

/// The keys of the devices [`batch`] can sign for, by device id.
fn device_keys() -> &'static Mutex<HashMap<String, SigningKey>> {
    static KEYS: OnceLock<Mutex<HashMap<String, SigningKey>>> = OnceLock::new();
    KEYS.get_or_init(Default::default)
}

fn register(key: SigningKey) -> String {
    let id = wire::device_id(&key.verifying_key());
    device_keys().lock().unwrap().insert(id.clone(), key);
    id
}

/// The device id of test device `n` (derived from its key, as phones derive theirs).
pub fn device_id(n: u64) -> String {
    register(device_key(n))
}

/// A nonce no other request of this test process uses.
fn nonce() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    format!("{:016x}{:08x}{:08x}", t, std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// An envelope around any text, signed by test device `n` as a batch would be: for tests
/// of what the server does with a genuinely signed body that is not a valid batch.
pub fn signed_text(n: u64, text: &str) -> Vec<u8> {
    serde_json::to_vec(&wire::sign_batch_text(text.into(), &device_key(n))).expect("json")
}

/// The current time, Unix seconds, as a phone signs it into a batch.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A signed report batch body for raw API tests, from a device named by [`device_id`];
/// each call signs afresh (a new nonce), as a phone signs each request.
pub fn batch(device: &str, reports: &[(&str, &str, bool, Option<&str>)]) -> serde_json::Value {
    let key = device_keys().lock().unwrap().get(device).cloned();
    let key = key.unwrap_or_else(|| panic!("batch() signs for devices named by device_id(), not {device:?}"));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let batch = ReportBatch {
        device: device.into(),
        at: now,
        nonce: nonce(),
        reports: reports
            .iter()
            .map(|(key, number, spam, category)| ReportItem {
                key: key.to_string(),
                number: number.to_string(),
                spam: *spam,
                category: category.map(String::from),
                comment: None,
                at: 0,
            })
            .collect(),
    };
    serde_json::to_value(wire::sign_batch(&batch, &key)).expect("json")
}

/// A blocking HTTP client whose connections leave from `local` (a loopback address such
/// as 127.0.5.9: Linux routes all of 127.0.0.0/8 to the loopback interface), so the server
/// sees a client on that network.
pub fn client_from(local: std::net::IpAddr) -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .local_address(local)
        .timeout(Duration::from_secs(20))
        .build()
        .expect("http client")
}

/// `p`-th percentile (0-100) of durations, in milliseconds.
pub fn percentile_ms(samples: &[Duration], p: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let mut v: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    v.sort_by(|a, b| a.total_cmp(b));
    let i = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
    v[i.min(v.len() - 1)]
}

impl Server {
    /// The server's private signing key, read from its key file beside the database: for
    /// tests that play a mirror holding old but genuinely signed files.
    pub fn signing_key(&self) -> SigningKey {
        let mut name = self.db.file_name().expect("db file name").to_os_string();
        name.push(".key");
        let text = std::fs::read_to_string(self.db.with_file_name(name)).expect("server key file");
        let b: [u8; 32] = wire::unhex(text.trim()).and_then(|b| b.try_into().ok()).expect("a key");
        SigningKey::from_bytes(&b)
    }

    /// Opens the server's SQLite file beside the running server (WAL: a reader never
    /// blocks it) and runs `f`.
    pub fn with_db<T>(&self, f: impl FnOnce(&rusqlite::Connection) -> T) -> T {
        let conn = rusqlite::Connection::open_with_flags(&self.db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the server database");
        conn.busy_timeout(Duration::from_secs(10)).expect("busy timeout");
        f(&conn)
    }

    /// One integer from the server's database.
    pub fn query_i64(&self, sql: &str, params: &[&dyn rusqlite::ToSql]) -> i64 {
        self.with_db(|c| c.query_row(sql, params, |r| r.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}")))
    }

    /// Waits until the publisher has gone through every vote received so far.
    pub fn wait_settled(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.query_i64("SELECT count(*) FROM dirty", &[]) > 0 {
            assert!(Instant::now() < deadline, "votes never published");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until every vote received so far is published and the manifest names the
    /// newest version; returns it.
    pub fn wait_published(&self) -> u64 {
        self.wait_settled();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let newest = self.query_i64("SELECT coalesce(max(version), 0) FROM versions", &[]) as u64;
            if self.latest() == newest {
                return newest;
            }
            assert!(Instant::now() < deadline, "the manifest never named version {newest}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether `number` (E.164 digits) is in the published listing.
    pub fn listed(&self, number: i64) -> bool {
        self.query_i64("SELECT count(*) FROM published WHERE number = ?1", &[&number]) > 0
    }
}

/// Writes spam votes for `numbers` from `networks` independent networks straight into a
/// stopped server's database (as if reported long ago), queued for the next publication:
/// a large listing in a second instead of millions of requests.
pub fn seed_votes(db: &Path, numbers: &[i64], networks: i64) {
    let mut conn = rusqlite::Connection::open(db).expect("open the server database");
    let tx = conn.transaction().expect("transaction");
    for o in 1..=networks {
        let dev = device_id(0xaa00 + o as u64);
        tx.execute(
            "INSERT OR IGNORE INTO devices (device, first_seen, origin) VALUES (?1, 0, ?2)",
            rusqlite::params![dev, o],
        )
        .expect("device");
        let mut q = tx
            .prepare("INSERT OR REPLACE INTO votes (number, device, spam, category, at, origin) VALUES (?1, ?2, 1, 5, strftime('%s','now'), ?3)")
            .expect("prepare");
        for n in numbers {
            q.execute(rusqlite::params![n, dev, o]).expect("vote");
        }
    }
    let mut q = tx.prepare("INSERT OR IGNORE INTO dirty (number) VALUES (?1)").expect("prepare");
    for n in numbers {
        q.execute([n]).expect("dirty");
    }
    drop(q);
    tx.commit().expect("commit");
}

// ---- Reporters on chosen networks (tests/e2e/tests/evidence.rs) ----
//
// Every report these tests send goes through `Reporter::send`, so that a change of how a
// batch is made (signed batches) is made here once.

/// The server's URL as reached from `local`: `127.0.0.1` for an IPv4 source, `[::1]` for an
/// IPv6 one (a server listening on `[::]` takes both).
pub fn url_from(server: &Server, local: std::net::IpAddr) -> String {
    let port = server.addr.rsplit(':').next().unwrap_or_default();
    match local {
        std::net::IpAddr::V4(_) => format!("http://127.0.0.1:{port}"),
        std::net::IpAddr::V6(_) => format!("http://[::1]:{port}"),
    }
}

/// A device that sends report batches straight to the API, from whichever local address a
/// test names (one device may use several, as a dual-stack phone or a roaming one does).
pub struct Reporter {
    pub device: String,
    sent: std::sync::atomic::AtomicU64,
}

impl Reporter {
    pub fn new(n: u64) -> Reporter {
        Reporter { device: device_id(n), sent: std::sync::atomic::AtomicU64::new(0) }
    }

    /// Sends one signed batch from `local`: each report is (E.164 number, spam?), spam
    /// ones as `scam`, each with a fresh idempotency key. Returns (status, JSON answer).
    pub fn send(&self, server: &Server, local: std::net::IpAddr, reports: &[(&str, bool)]) -> (u16, serde_json::Value) {
        let keys: Vec<String> = reports
            .iter()
            .map(|_| format!("k{}-{}", &self.device[..8], self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed)))
            .collect();
        let items: Vec<(&str, &str, bool, Option<&str>)> = reports
            .iter()
            .zip(&keys)
            .map(|((number, spam), key)| (key.as_str(), *number, *spam, spam.then_some("scam")))
            .collect();
        let body = batch(&self.device, &items);
        let r = client_from(local)
            .post(format!("{}/v1/reports", url_from(server, local)))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body).expect("json"))
            .send()
            .expect("post reports");
        let status = r.status().as_u16();
        let text = r.text().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
    }
}

/// Makes `devices` known to the running server since `first_seen` (Unix seconds), as
/// phones with a history are, without a home network yet: the first batch each sends
/// gives it one. A test cannot wait months for devices to age.
pub fn register_devices(db: &Path, devices: &[&str], first_seen: i64) {
    let conn = rusqlite::Connection::open(db).expect("open the server database");
    conn.busy_timeout(Duration::from_secs(10)).expect("busy timeout");
    for d in devices {
        conn.execute(
            "INSERT OR IGNORE INTO devices (device, first_seen, origin) VALUES (?1, ?2, 0)",
            rusqlite::params![d, first_seen],
        )
        .expect("register device");
    }
}

/// Writes spam votes on `number`, cast at `at`, by one device each on the networks
/// `origins` (devices known since a year before), into the running server's database, and
/// queues the number: evidence from long ago without waiting for it.
pub fn seed_votes_at(db: &Path, number: i64, origins: &[i64], at: i64) {
    let mut conn = rusqlite::Connection::open(db).expect("open the server database");
    conn.busy_timeout(Duration::from_secs(10)).expect("busy timeout");
    let tx = conn.transaction().expect("transaction");
    for o in origins {
        let dev = device_id(0xee00_0000 + *o as u64);
        tx.execute(
            "INSERT OR IGNORE INTO devices (device, first_seen, origin) VALUES (?1, ?2, ?3)",
            rusqlite::params![dev, at - 365 * 86_400, o],
        )
        .expect("device");
        tx.execute(
            "INSERT OR REPLACE INTO votes (number, device, spam, category, at, origin) VALUES (?1, ?2, 1, 5, ?3, ?4)",
            rusqlite::params![number, dev, at, o],
        )
        .expect("vote");
    }
    tx.execute("INSERT OR IGNORE INTO dirty (number) VALUES (?1)", [number]).expect("dirty");
    tx.commit().expect("commit");
}
