//! Real child processes for the crash, two-process and full-disk tests.
//!
//! A test binary runs itself again with one `#[ignore]`d entry selected (`--exact ENTRY
//! --ignored`) and `RINGFENCE_TEST_WORKER` set; that entry does the child's work (and
//! refuses to run without it), so it never passes as a test of its own. No helper binary to build or find: the child is exactly the code under test.
//! The child reports on stdout, one line per event: `ACK ...` after a write has
//! returned (so it is committed), `ERR ...` for any error a caller would see, `DONE ...`
//! at the end. Rust's stdout is line-buffered, so a line printed is in the pipe before
//! the next statement runs: a SIGKILL cannot lose an acknowledgement.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub const WORKER_ENV: &str = "RINGFENCE_TEST_WORKER";

/// The child's parameters, when this process is a worker.
pub fn worker_args() -> Option<Vec<String>> {
    let v = std::env::var(WORKER_ENV).ok()?;
    Some(v.split('\u{1f}').map(str::to_string).collect())
}

pub struct Worker {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<JoinHandle<()>>,
    pub started: Instant,
}

impl Worker {
    /// Runs test `entry` of this binary as a worker with `args` (read back by
    /// [`worker_args`]). `wrap` runs it under a shell prefix instead, e.g. to set limits.
    pub fn spawn(entry: &str, args: &[&str], wrap: Option<&str>) -> Worker {
        let exe = std::env::current_exe().expect("test binary");
        // Workers are `#[ignore]`d entries (not tests of their own): run them explicitly.
        let test_args = [entry, "--exact", "--ignored", "--nocapture", "--test-threads=1", "-q"];
        let mut cmd = match wrap {
            Some(shell) => {
                let mut c = Command::new("sh");
                c.arg("-c").arg(format!("{shell}; exec \"$0\" \"$@\"")).arg(&exe).args(test_args);
                c
            }
            None => {
                let mut c = Command::new(&exe);
                c.args(test_args);
                c
            }
        };
        cmd.env(WORKER_ENV, args.join("\u{1f}")).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = cmd.spawn().expect("spawn worker");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let out = child.stdout.take().expect("stdout");
        let err = child.stderr.take().expect("stderr");
        let sink = lines.clone();
        let reader = std::thread::spawn(move || {
            // stderr: only kept when it says something (a panic message, say).
            let err_sink = sink.clone();
            let err_thread = std::thread::spawn(move || {
                for l in BufReader::new(err).lines().map_while(Result::ok) {
                    if !l.trim().is_empty() {
                        err_sink.lock().unwrap().push(format!("STDERR {l}"));
                    }
                }
            });
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(l);
            }
            let _ = err_thread.join();
        });
        Worker { child, lines, reader: Some(reader), started }
    }

    /// Lines so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    pub fn count(&self, prefix: &str) -> usize {
        self.lines.lock().unwrap().iter().filter(|l| l.starts_with(prefix)).count()
    }

    /// SIGKILL (std's `Child::kill` sends SIGKILL on Unix).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
    }

    /// Waits for the child to end and for its output to be read to the end.
    pub fn wait(mut self) -> (ExitStatus, Vec<String>) {
        let status = self.child.wait().expect("wait");
        if let Some(r) = self.reader.take() {
            r.join().expect("reader");
        }
        let lines = std::mem::take(&mut *self.lines.lock().unwrap());
        (status, lines)
    }

    /// Waits at most `limit`, then kills.
    pub fn wait_or_kill(mut self, limit: Duration) -> (ExitStatus, Vec<String>) {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if self.child.try_wait().expect("try_wait").is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
        self.wait()
    }
}

/// `ACK` lines' payloads.
pub fn acks(lines: &[String]) -> Vec<&str> {
    lines.iter().filter_map(|l| l.strip_prefix("ACK ")).collect()
}

/// Lines a caller would have seen as errors (and anything on stderr).
pub fn errors(lines: &[String]) -> Vec<&String> {
    lines.iter().filter(|l| l.starts_with("ERR ") || l.starts_with("STDERR ")).collect()
}

pub fn ack(what: impl std::fmt::Display) {
    println!("ACK {what}");
}

/// A seeded generator (fastrand): the kill points are random, and the seed is printed so
/// a failing run can be repeated with `RINGFENCE_TEST_SEED`.
pub struct Rng(fastrand::Rng);

impl Rng {
    pub fn from_env_or_time() -> Rng {
        let seed = std::env::var("RINGFENCE_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1)
        });
        eprintln!("random seed: {seed} (RINGFENCE_TEST_SEED={seed} repeats it)");
        Rng(fastrand::Rng::with_seed(seed))
    }

    pub fn next(&mut self) -> u64 {
        self.0.u64(..)
    }

    /// In `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0.u64(..n.max(1))
    }
}

/// `PRAGMA integrity_check` through a plain connection, as an outside tool would see it.
pub fn integrity(path: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).expect("open for integrity check");
    let mut stmt = conn.prepare("PRAGMA integrity_check").unwrap();
    let rows: Vec<String> = stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
    rows.into_iter().filter(|r| r != "ok").collect()
}
