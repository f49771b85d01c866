//! The `ringfence-server` command itself (the service is tested end to end in tests/e2e).

use std::process::Command;

fn server() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ringfence-server"))
}

#[test]
fn pubkey_creates_a_private_key_file_once_and_prints_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data/server.db");
    let first = server().arg("--db").arg(&db).arg("pubkey").output().unwrap();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let key = String::from_utf8(first.stdout).unwrap();
    assert_eq!(key.len(), 65, "64 hex digits and a newline: {key:?}");
    assert!(ringfence_core::wire::parse_public_key(key.trim()).is_some());
    let again = server().arg("--db").arg(&db).arg("pubkey").output().unwrap();
    assert_eq!(String::from_utf8(again.stdout).unwrap(), key, "the same key every time");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("data/server.db.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "only the owner reads the private key");
    }
}

#[test]
fn a_damaged_key_file_or_a_busy_port_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    std::fs::write(dir.path().join("server.db.key"), "not a key\n").unwrap();
    let out = server().arg("--db").arg(&db).arg("pubkey").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a ringfence key"));

    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let db = dir.path().join("other.db");
    let out = server().arg("--db").arg(&db).args(["--listen", &addr]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot listen"), "{}", String::from_utf8_lossy(&out.stderr));
}
