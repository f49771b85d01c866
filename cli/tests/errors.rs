//! Errors as a person at the command line meets them: the core's message, then a hint in
//! this command line's terms (the core's messages name no command), and `recover` for a
//! damaged database.

use std::process::{Command, Output};

fn run(db: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ringfence"))
        .args(["--region", "KR"])
        .args(args)
        .env("RINGFENCE_DB", db)
        .env_remove("RINGFENCE_REGION")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_damaged_database_names_recover_and_recover_repairs_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db");
    assert!(run(&db, &["block", "add", "+821012345678"]).status.success());
    // Not a database any more: its header overwritten.
    let mut bytes = std::fs::read(&db).unwrap();
    bytes[..16].copy_from_slice(b"definitely not!!");
    std::fs::write(&db, &bytes).unwrap();
    for f in ["r.db-wal", "r.db-shm"] {
        let _ = std::fs::remove_file(dir.path().join(f));
    }

    let out = run(&db, &["check", "010-1234-5678"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("is damaged"), "{err}");
    assert!(err.contains("hint: `ringfence recover` moves the file aside"), "{err}");
    assert!(!err.contains("Screener::"), "no Rust API in a person's message: {err}");

    let out = run(&db, &["recover"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("moved the damaged file to"), "{text}");
    assert!(run(&db, &["check", "010-1234-5678"]).status.success(), "the fresh file opens");
    let out = run(&db, &["recover"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("is healthy; nothing to do"));
}

#[test]
fn settings_and_keys_get_hints_in_command_line_terms() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db");
    let out = run(&db, &["policy", "set", "colour", "blue"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("unknown policy setting \"colour\""), "{err}");
    assert!(err.contains("hint: `ringfence policy show` lists the settings"), "{err}");
}
