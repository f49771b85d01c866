//! `ringfence sync` and `lookup` without a reachable server: clear errors, nothing lost.
//! (Against a real server: tests/e2e.)

use std::process::Command;

fn ringfence(db: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ringfence"))
        .arg("--db")
        .arg(db)
        .args(["--region", "KR"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn an_unreachable_server_is_an_error_and_the_outbox_stays() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("phone.db");
    assert!(ringfence(&db, &["report", "010-5555-0101", "--category", "scam"]).status.success());
    // Port 9 on loopback: nothing listens there.
    let out = ringfence(&db, &["sync", "--server", "http://127.0.0.1:9", "--timeout", "2"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot reach the community server"), "{err}");
    // The report still blocks here and is still waiting to upload.
    let out = ringfence(&db, &["check", "--json", "010-5555-0101"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"action\":\"block\""));
}

#[test]
fn bad_server_urls_and_keys_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("phone.db");
    for args in [
        vec!["sync", "--server", "ftp://example.org"],
        vec!["sync", "--server", "not a url"],
        vec!["sync", "--server", "http://127.0.0.1:9", "--key", "abc"],
        vec!["lookup", "010-5555-0101", "--server", "file:///etc/passwd"],
    ] {
        let out = ringfence(&db, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}
