//! The database file: persistence, two processes' worth of connections, bad files.

use ringfence_core::{Action, Call, Category, Error, List, Region, Screener};

#[test]
fn everything_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dir/ringfence.db");
    {
        let mut s = Screener::open(&path, Region::KR).unwrap();
        s.add_rule(List::Block, "070*", Some("VoIP")).unwrap();
        s.add_rule(List::Allow, "010-1111-2222", None).unwrap();
        s.set_policy("hidden", "block").unwrap();
        s.report("010-3333-4444", Category::Scam, None).unwrap();
        s.screen_and_record(&Call::new("070-1234-5678")).unwrap();
    }
    let mut s = Screener::open(&path, Region::KR).unwrap();
    assert_eq!(s.rules(List::Block).unwrap()[0].label.as_deref(), Some("VoIP"));
    assert_eq!(s.rules(List::Allow).unwrap().len(), 1);
    assert_eq!(s.screen(&Call::new("")).action, Action::Block);
    assert_eq!(s.screen(&Call::new("010-3333-4444")).action, Action::Block);
    let h = s.history(10).unwrap();
    assert_eq!((h.len(), h[0].action, h[0].input.as_str()), (1, Action::Block, "070-1234-5678"));
    assert!(s.store().integrity_check().unwrap().is_empty());
}

#[test]
fn a_second_connection_sees_changes_at_its_next_call() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    // The app and its screening service (or Call Directory extension).
    let mut app = Screener::open(&path, Region::US).unwrap();
    let mut service = Screener::open(&path, Region::US).unwrap();
    assert_eq!(service.screen(&Call::new("(212) 555-0100")).action, Action::Allow);
    app.add_rule(List::Block, "(212) 555-0100", None).unwrap();
    assert_eq!(service.screen(&Call::new("(212) 555-0100")).action, Action::Block);
    app.set_policy("category.robocall", "block").unwrap();
    assert_eq!(service.policy().unwrap().action_for(Category::Robocall, Action::Warn), Action::Block);
    app.remove_rule(List::Block, "(212) 555-0100").unwrap();
    assert_eq!(service.screen(&Call::new("(212) 555-0100")).action, Action::Allow);
}

#[test]
fn history_is_bounded_and_counted() {
    let mut s = Screener::open_in_memory(Region::KR).unwrap();
    s.set_policy("history.limit", "5").unwrap();
    s.add_rule(List::Block, "070*", None).unwrap();
    for i in 0..8 {
        s.screen_and_record(&Call::new(&format!("070-1234-000{i}"))).unwrap();
    }
    s.screen_and_record(&Call::new("1588-1234")).unwrap();
    let h = s.history(100).unwrap();
    assert_eq!(h.len(), 5);
    assert_eq!(h[0].input, "1588-1234", "newest first");
    let st = s.stats().unwrap();
    assert_eq!((st.calls, st.by_action["block"], st.by_action["warn"]), (5, 4, 1));
    assert_eq!(st.by_category["representative"], 1);
    // A megabyte-long caller ID does not bloat the history.
    s.screen_and_record(&Call::new(&"9".repeat(1 << 20))).unwrap();
    assert!(s.history(1).unwrap()[0].input.len() <= 64);
}

#[test]
fn a_file_from_a_newer_version_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.db");
    drop(Screener::open(&path, Region::US).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    match Screener::open(&path, Region::US) {
        Err(e @ Error::SchemaTooNew { .. }) => assert!(e.to_string().contains("newer ringfence")),
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("opened a future schema"),
    }
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.db");
    let junk = b"this is not an SQLite database, it is a shopping list: eggs, milk".repeat(100);
    std::fs::write(&path, &junk).unwrap();
    let err = Screener::open(&path, Region::US).err().expect("garbage opened");
    assert!(err.to_string().contains("garbage.db"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), junk, "the file is untouched");
}

#[test]
fn bad_patterns_and_numbers_are_clear_errors() {
    let mut s = Screener::open_in_memory(Region::KR).unwrap();
    for bad in ["", "*", "hello*", "+*", "12+34", "anonymous"] {
        let e = s.add_rule(List::Block, bad, None).err().unwrap_or_else(|| panic!("{bad:?} accepted"));
        assert!(matches!(e, Error::InvalidPattern { .. }), "{bad:?}: {e}");
    }
    assert!(matches!(s.report("anonymous", Category::Scam, None), Err(Error::InvalidNumber { .. })));
    assert!(matches!(s.report("010-1234-5678", Category::Emergency, None), Err(Error::UnknownCategory(_))));
    assert!(s.rules(List::Block).unwrap().is_empty());
}
