//! A server that refuses unsafe set-ups (issue 11, item 4), attacked from outside: a
//! publish folder that would serve the signing key, a trusted proxy range that trusts
//! everyone, connection caps that a trusted address or a neighbour's address skip, and
//! comments that carry control and bidi characters into the operator's terminal.
//!
//! Each test starts the real server; client networks are loopback addresses (127.N.0.x:
//! each 127.N.0.0/24 is a network of its own).

use ringfence_core::wire::{self, ReportBatch, ReportItem};
use ringfence_e2e::{bin, client_from, device_id, device_key, Server};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// A server process started by hand, its output read line by line.
struct Started {
    child: Child,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
}

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lines(r: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    rx
}

fn launch(db: &Path, args: &[&str]) -> Started {
    let mut child = Command::new(bin("ringfence-server"))
        .arg("--db")
        .arg(db)
        .args(["--listen", "127.0.0.1:0", "--publish-interval", "0.2"])
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ringfence-server");
    let stdout = lines(child.stdout.take().expect("stdout"));
    let stderr = lines(child.stderr.take().expect("stderr"));
    Started { child, stdout, stderr }
}

/// What became of a start: `Ok(url)` when it listens, `Err(stderr)` when it exited
/// (with a failure status: asserted).
fn outcome(s: &mut Started) -> Result<String, String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(line) = s.stdout.recv_timeout(Duration::from_millis(50)) {
            if let Some(a) = line.strip_prefix("ringfence-server listening on http://") {
                return Ok(format!("http://{}", a.trim()));
            }
        }
        if let Some(status) = s.child.try_wait().expect("wait") {
            assert!(!status.success(), "a refused start must exit with a failure status");
            let err: Vec<String> = s.stderr.try_iter().collect();
            return Err(err.join("\n"));
        }
        assert!(Instant::now() < deadline, "the server neither listened nor exited");
    }
}

fn get(url: &str) -> u16 {
    reqwest::blocking::get(url).map(|r| r.status().as_u16()).unwrap_or(0)
}

#[test]
fn a_publish_folder_that_holds_the_database_or_its_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let srv = dir.path().join("srv");
    std::fs::create_dir_all(&srv).unwrap();
    let db = srv.join("srv.db");
    let top = dir.path().to_str().unwrap().to_string();
    let own = srv.to_str().unwrap().to_string();
    // Its own folder, a parent of it, and the same folder written another way.
    let dotted = format!("{top}/srv/../srv/.");
    for publish in [own.as_str(), top.as_str(), dotted.as_str()] {
        let mut s = launch(&db, &["--publish-dir", publish]);
        match outcome(&mut s) {
            Ok(url) => {
                let key = ["srv.db.key", "srv/srv.db.key"].map(|p| (p, get(&format!("{url}/v1/data/{p}"))));
                panic!("started publishing from {publish}, which holds the key: {key:?}")
            }
            Err(stderr) => {
                assert!(stderr.contains("--publish-dir"), "the refusal names the flag: {stderr}");
                assert!(stderr.contains("srv.db"), "and what it would serve: {stderr}");
            }
        }
    }
    // The key lives beside --db even with PostgreSQL: the same check applies (refused
    // before any connection is made, so no server is needed).
    let mut s = launch(&db, &["--publish-dir", &own, "--postgres", "postgres://nobody@127.0.0.1:1/none"]);
    let stderr = outcome(&mut s).expect_err("refused");
    assert!(stderr.contains("--publish-dir") && stderr.contains("srv.db.key"), "{stderr}");
    // A folder of its own is fine, and serves the files only.
    let mut s = launch(&db, &["--publish-dir", srv.join("publish").to_str().unwrap()]);
    let url = outcome(&mut s).expect("a separate publish folder starts");
    assert_eq!(get(&format!("{url}/v1/data/manifest.json")), 200);
    assert_eq!(get(&format!("{url}/v1/data/../srv.db.key")), 404);
}

#[test]
fn trusting_every_address_needs_a_confirmation_and_wide_ranges_warn() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("srv.db");
    for everyone in ["0.0.0.0/0", "::/0", "::ffff:0.0.0.0/0"] {
        let mut s = launch(&db, &["--trusted-proxy", "127.0.0.1", "--trusted-proxy", everyone]);
        let stderr = outcome(&mut s).expect_err("trusting everyone is refused without confirmation");
        assert!(stderr.contains(everyone.trim_start_matches("::ffff:")) || stderr.contains(everyone), "{stderr}");
        assert!(stderr.contains("--allow-any-trusted-proxy"), "the refusal says how to confirm: {stderr}");
    }
    // Confirmed: it starts, and says loudly what it does.
    let mut s = launch(&db, &["--trusted-proxy", "0.0.0.0/0", "--allow-any-trusted-proxy"]);
    outcome(&mut s).expect("confirmed, it starts");
    let warning = wait_line(&s.stderr, "WARNING");
    assert!(warning.contains("0.0.0.0/0"), "{warning}");
    drop(s);
    // Wider than a /8: a warning, and it starts.
    let mut s = launch(&db, &["--trusted-proxy", "10.0.0.0/7"]);
    outcome(&mut s).expect("a wide range starts");
    let warning = wait_line(&s.stderr, "WARNING");
    assert!(warning.contains("10.0.0.0/7"), "{warning}");
    drop(s);
    // A /8 or narrower: no warning (the first lines up to the listening line are all
    // there is to see: the server logs nothing else at start at this level).
    let mut s = launch(&db, &["--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "2001:db8::/32"]);
    outcome(&mut s).expect("starts");
    let _ = s.child.kill();
    let _ = s.child.wait();
    let said: Vec<String> = s.stderr.iter().collect();
    assert!(!said.iter().any(|l| l.contains("WARNING")), "{said:?}");
}

fn wait_line(rx: &Receiver<String>, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line.contains(needle) => return line,
            Ok(_) => {}
            Err(_) => panic!("no line with {needle:?} on standard error"),
        }
    }
}

/// A connection from `from` that sends nothing yet (it holds its place).
fn hold(server: &str, from: &str) -> TcpStream {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    let local: IpAddr = from.parse().unwrap();
    socket.bind(&SocketAddr::new(local, 0).into()).unwrap();
    let addr: SocketAddr = server.parse().unwrap();
    socket.connect(&addr.into()).unwrap();
    socket.into()
}

/// Whether a request on `conn` is answered (`false`: the server closed it unanswered).
fn answered(mut conn: TcpStream) -> bool {
    conn.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    if conn.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").is_err() {
        return false;
    }
    let mut got = Vec::new();
    let _ = conn.read_to_end(&mut got);
    got.starts_with(b"HTTP/1.1 200")
}

#[test]
fn connections_are_capped_per_network() {
    let dir = tempfile::tempdir().unwrap();
    // The flag's old name (per address) is still read.
    let server =
        Server::start(&dir.path().join("srv.db"), &["--max-connections-per-ip", "3", "--header-timeout", "60"]);
    // Three addresses of one network take its three places: a fourth address of the same
    // network is closed unanswered, another network is served.
    let held: Vec<TcpStream> = (1..=3).map(|i| hold(&server.addr, &format!("127.30.0.{i}"))).collect();
    assert!(!answered(hold(&server.addr, "127.30.0.4")), "a neighbour's address skipped the network's cap");
    assert!(answered(hold(&server.addr, "127.31.0.1")), "another network is served");
    drop(held);
    // Its places come back when the connections close.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !answered(hold(&server.addr, "127.30.0.4")) {
        assert!(Instant::now() < deadline, "the network's places never came back");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn trusted_proxies_have_a_connection_cap_too() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        &dir.path().join("srv.db"),
        &[
            "--trusted-proxy",
            "127.40.0.0/24",
            "--max-connections-per-network",
            "3",
            "--max-connections-per-proxy",
            "5",
            "--header-timeout",
            "60",
        ],
    );
    // A trusted proxy has a cap of its own (more clients behind it), but has one.
    let held: Vec<TcpStream> = (1..=5).map(|i| hold(&server.addr, &format!("127.40.0.{i}"))).collect();
    assert!(!answered(hold(&server.addr, "127.40.0.9")), "a trusted proxy skipped the connection cap");
    assert!(answered(hold(&server.addr, "127.41.0.1")), "others are served");
    drop(held);
}

/// A signed batch of one spam report with `comment`, from test device `n`.
fn commented(n: u64, key: &str, number: &str, comment: &str) -> serde_json::Value {
    let at = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let batch = ReportBatch {
        device: device_id(n),
        at,
        nonce: format!("{:032x}", u128::from(n) << 64 | at as u128),
        reports: vec![ReportItem {
            key: key.into(),
            number: number.into(),
            spam: true,
            category: Some("scam".into()),
            comment: Some(comment.into()),
            at,
        }],
    };
    serde_json::to_value(wire::sign_batch(&batch, &device_key(n))).expect("json")
}

#[test]
fn comments_are_stored_without_control_or_bidi_characters() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("srv.db"), &[]);
    let client = client_from("127.0.0.1".parse().unwrap());
    let hostile =
        "calls\u{0} at night\u{1b}[2J\u{1b}]0;owned\u{7}\r\n\u{202e}moc.evil\u{2066}x\u{2069}\u{200f} 080\t\u{85}done";
    let body = commented(7, "key-comment-1", "+82 10-5555-0101", hostile);
    let (status, answer) = server.post_from(&client, "203.0.113.5", "/v1/reports", &body);
    assert_eq!(status, 200, "{answer}");
    let stored: String =
        server.with_db(|c| c.query_row("SELECT comment FROM votes", [], |r| r.get(0)).expect("one vote"));
    assert_eq!(stored, "calls at night[2J]0;owned moc.evilx 080 done");
    // A comment of nothing but such characters is no comment.
    let body = commented(8, "key-comment-2", "+82 10-5555-0102", "\u{202e}\u{0}\u{1b}");
    assert_eq!(server.post_from(&client, "203.0.113.6", "/v1/reports", &body).0, 200);
    let empty: i64 =
        server.query_i64("SELECT count(*) FROM votes WHERE number = 821055550102 AND comment IS NULL", &[]);
    assert_eq!(empty, 1);
}
