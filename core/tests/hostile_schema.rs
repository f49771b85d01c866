//! A database file is only ringfence's: a file whose schema has something ringfence did
//! not make (a trigger that runs on a report, a rule or a recorded call; a view; a table;
//! one of ringfence's own triggers rewritten) is refused at open with `Error::Corrupt`,
//! before anything of it runs, and `Screener::recover` makes a clean file that keeps the
//! user's data.

use ringfence_core::{Call, Category, Error, List, Region, Screener};
use std::path::Path;

/// Makes a sound file with some of the user's data, then runs `sql` on it as another
/// program could.
fn tampered(dir: &Path, sql: &str) -> std::path::PathBuf {
    let path = dir.join("r.db");
    {
        let mut s = Screener::open(&path, Region::KR).unwrap();
        s.add_rule(List::Block, "010-9999-0001", Some("mine")).unwrap();
        s.report("010-9999-0002", Category::Scam, None).unwrap();
    }
    rusqlite::Connection::open(&path).unwrap().execute_batch(sql).unwrap();
    path
}

/// What the hostile triggers wrote (into `meta`, under `loot.`).
fn loot(path: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut q = conn.prepare("SELECT value FROM meta WHERE key LIKE 'loot.%'").unwrap();
    q.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
}

/// The three commands the attack targets: `report`, `block add`, `check --record`.
fn use_it(path: &Path) -> Result<(), Error> {
    let mut s = Screener::open(path, Region::KR)?;
    s.report("010-1234-5678", Category::Scam, None)?;
    s.add_rule(List::Block, "010-2222-3333", None)?;
    s.screen_and_record(&Call::new("010-4444-5555"))?;
    Ok(())
}

const TRIGGERS: &str = "
    CREATE TRIGGER steal_reports AFTER INSERT ON reports BEGIN
        INSERT INTO meta (key, value) VALUES ('loot.report.' || NEW.id, NEW.number); END;
    CREATE TRIGGER steal_rules AFTER INSERT ON rules BEGIN
        INSERT OR REPLACE INTO meta (key, value) VALUES ('loot.rule.' || NEW.digits, NEW.digits); END;
    CREATE TRIGGER steal_calls AFTER INSERT ON history BEGIN
        INSERT INTO meta (key, value) VALUES ('loot.call.' || NEW.id, NEW.input); END;";

#[test]
fn a_file_with_foreign_triggers_is_refused_and_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let path = tampered(dir.path(), TRIGGERS);
    match use_it(&path) {
        Err(Error::Corrupt { detail, .. }) => {
            assert!(detail.contains("steal_"), "the error names what is foreign: {detail}");
        }
        other => panic!("a hostile file was used: {other:?}; the triggers wrote {:?}", loot(&path)),
    }
    assert_eq!(loot(&path), Vec::<String>::new(), "nothing of the file ran");
    // The screening service still screens, with the user's lists, and runs nothing.
    let mut fallback = Screener::open_or_fallback(&path, Region::KR);
    assert!(fallback.degraded().is_some());
    assert_eq!(fallback.screen(&Call::new("010-9999-0001")).action, ringfence_core::Action::Block);
    assert!(loot(&path).is_empty());
    // Recovery: the file moves aside, a clean one keeps the user's rule and report.
    let (mut s, rec) = Screener::recover(&path, Region::KR).unwrap();
    assert!(rec.moved_to.is_some(), "{rec:?}");
    assert_eq!((rec.rules, rec.reports), (1, 1), "{rec:?}");
    assert_eq!(s.screen(&Call::new("010-9999-0001")).action, ringfence_core::Action::Block);
    drop(s);
    use_it(&path).expect("the recovered file is ringfence's");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let foreign: i64 =
        conn.query_row("SELECT count(*) FROM sqlite_master WHERE name LIKE 'steal_%'", [], |r| r.get(0)).unwrap();
    assert_eq!(foreign, 0);
}

#[test]
fn views_tables_and_rewritten_triggers_are_refused_too() {
    for (what, sql) in [
        ("a view", "CREATE VIEW peek AS SELECT * FROM reports;"),
        ("a table", "CREATE TABLE loot (what TEXT);"),
        ("an index", "CREATE INDEX history_input ON history (input);"),
        (
            "a rewritten trigger of ringfence's",
            "DROP TRIGGER reports_ins;
             CREATE TRIGGER reports_ins AFTER INSERT ON reports BEGIN
                 INSERT INTO meta (key, value) VALUES ('loot.' || NEW.id, NEW.number); END;",
        ),
        ("a dropped trigger of ringfence's", "DROP TRIGGER rules_ins;"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = tampered(dir.path(), sql);
        match Screener::open(&path, Region::KR) {
            Err(e @ Error::Corrupt { .. }) => {
                assert!(e.is_corruption());
                assert_eq!(
                    e.kind(),
                    ringfence_core::ErrorKind::Corrupt,
                    "{what}: the kind says what to do (recover): {e}"
                );
            }
            Err(other) => panic!("{what}: refused, but not as Corrupt: {other}"),
            Ok(_) => panic!("{what}: opened"),
        }
        let (_, rec) = Screener::recover(&path, Region::KR).unwrap();
        assert!(rec.moved_to.is_some(), "{what}");
        assert!(Screener::open(&path, Region::KR).is_ok(), "{what}: recovered");
    }
}

#[test]
fn a_sound_file_opens_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.db");
    use_it(&path).unwrap();
    use_it(&path).unwrap();
    // SQLite's own bookkeeping (ANALYZE's statistics) is not foreign.
    rusqlite::Connection::open(&path).unwrap().execute_batch("ANALYZE;").unwrap();
    use_it(&path).unwrap();
    let (_, rec) = Screener::recover(&path, Region::KR).unwrap();
    assert_eq!(rec.moved_to, None, "a sound file is left alone");
}
