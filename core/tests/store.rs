//! The database file: persistence, two processes' worth of connections, bad files.

use ringfence_core::testing::MIGRATIONS;
use ringfence_core::{Action, Call, Category, Error, List, Reason, Region, Screener};

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
    assert!(s.integrity_check().unwrap().is_empty());
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
        assert!(matches!(e, Error::Number(ringfence_core::number::NumberError::InvalidPattern { .. })), "{bad:?}: {e}");
    }
    assert!(matches!(s.report("anonymous", Category::Scam, None), Err(Error::InvalidNumber { .. })));
    assert!(matches!(s.report("010-1234-5678", Category::Emergency, None), Err(Error::UnknownCategory(_))));
    assert!(s.rules(List::Block).unwrap().is_empty());
}

fn latest() -> i64 {
    MIGRATIONS.len() as i64
}

fn user_version(path: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap()
}

/// A database written by version 1 (before the `outgoing` table), with the user's data in
/// every table, opens with everything in it, at the latest version, and the new table works.
#[test]
fn a_version_1_file_upgrades_with_all_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    let t0: i64 = 1_790_000_000;
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        // Version 1 as it shipped: its one step (schema.rs freezes shipped steps by digest).
        let v1 = MIGRATIONS[0];
        conn.execute_batch(&format!("BEGIN; {v1} PRAGMA user_version = 1; COMMIT;")).unwrap();
        // Rows as v1 wrote them: rules (list 0 allow, 1 block; kind 0 exact, 1 prefix;
        // digits the E.164 key or the prefix's digits), contacts, community evidence
        // (source 0: an import; category 5: scam), reports, history, settings.
        conn.execute_batch(&format!(
            "INSERT INTO rules VALUES (1, 1, 8270, 'VoIP', {t0});
             INSERT INTO rules VALUES (1, 0, 8223456789, NULL, {t0});
             INSERT INTO rules VALUES (0, 0, 821011112222, 'Mum', {t0});
             INSERT INTO contacts VALUES (821099990000, 'Kim');
             INSERT INTO community VALUES (12125550100, 0, 5, 40.0, {t0});
             INSERT INTO reports VALUES (1, 821033334444, 1, 6, 'loans', {t0}, 'key-1', NULL);
             INSERT INTO reports VALUES (2, 821055556666, 0, 4, NULL, {t0}, 'key-2', {t0});
             INSERT INTO history VALUES (1, {t0}, '070-1234-5678', 827012345678, 3, 2, 'block_list', 'VoIP');
             INSERT INTO meta VALUES ('policy.hidden', 'silence');
             INSERT INTO meta VALUES ('policy.category.representative', 'block');
             INSERT INTO meta VALUES ('sync.device_id', 'phone-1');"
        ))
        .unwrap();
    }
    assert_eq!(user_version(&path), 1);

    let mut s = Screener::open(&path, Region::KR).unwrap();
    assert_eq!(user_version(&path), latest());
    assert!(s.integrity_check().unwrap().is_empty());
    // The lists, with their labels.
    let block: Vec<(String, Option<String>)> =
        s.rules(List::Block).unwrap().into_iter().map(|r| (r.pattern.to_string(), r.label)).collect();
    assert_eq!(block, [("+8223456789".to_string(), None), ("+8270*".to_string(), Some("VoIP".to_string()))]);
    let allow = s.rules(List::Allow).unwrap();
    assert_eq!((allow.len(), allow[0].label.as_deref()), (1, Some("Mum")));
    let at = |caller_id| Call { caller_id, at: Some(t0 + 60), ..Call::default() };
    let screened = |s: &mut Screener, raw| {
        let d = s.screen(&at(raw));
        (d.action, d.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>())
    };
    assert_eq!(screened(&mut s, "070-1234-5678"), (Action::Block, vec!["block_list"]));
    assert_eq!(screened(&mut s, "02-345-6789"), (Action::Block, vec!["block_list"]));
    assert_eq!(screened(&mut s, "010-1111-2222"), (Action::Allow, vec!["allow_list"]));
    // The contact, the reports (one still to upload), the community evidence.
    assert_eq!(screened(&mut s, "010-9999-0000"), (Action::Allow, vec!["contact"]));
    assert_eq!(screened(&mut s, "010-3333-4444"), (Action::Block, vec!["reported"]));
    assert_eq!(screened(&mut s, "010-5555-6666"), (Action::Allow, vec!["not_spam"]));
    let pending = s.pending_reports(10).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (pending[0].number.to_string(), pending[0].category, pending[0].idempotency_key.as_str()),
        ("+821033334444".into(), Category::Telemarketing, "key-1")
    );
    // The random device id of before signed batches cannot sign: the device gets a key
    // and the id derived from it (the server sees a new device; docs/protocol.md).
    let id = s.device_id().unwrap();
    assert!(id != "phone-1" && id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    assert_eq!(s.device_id().unwrap(), id, "and keeps it");
    let d = s.screen(&at("+1 212 555 0100"));
    assert_eq!((d.action, d.category, d.score.map(|x| x.round())), (Action::Block, Category::Scam, Some(40.0)));
    // The history and the settings.
    let h = s.history(10).unwrap();
    assert_eq!((h.len(), h[0].input.as_str(), h[0].action, h[0].at), (1, "070-1234-5678", Action::Block, t0));
    assert!(h[0].reasons.contains(Reason::BlockList));
    assert_eq!(screened(&mut s, ""), (Action::Silence, vec!["hidden"]));
    let policy = s.policy().unwrap();
    assert_eq!(policy.action_for(Category::Representative, Action::Warn), Action::Block);
    assert_eq!(policy.emergency_callback_minutes, 60, "a setting v1 did not have takes its default");

    // The new table: an emergency call out opens the callback window, here and in a
    // screener of another process (the v2 trigger tells it to reload).
    let mut other = Screener::open(&path, Region::KR).unwrap();
    assert_eq!(screened(&mut other, "070-1234-5678").0, Action::Block);
    let call = s.record_outgoing("119", Some(t0 + 100), None).unwrap();
    assert!(call.emergency);
    assert_eq!(screened(&mut s, "070-1234-5678").0, Action::Block, "before the call out");
    let after = |raw| Call { caller_id: raw, at: Some(t0 + 160), ..Call::default() };
    for screener in [&mut s, &mut other] {
        let d = screener.screen(&after("070-1234-5678"));
        assert_eq!(
            (d.action, d.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>()),
            (Action::Allow, vec!["emergency_callback"])
        );
    }
    assert!(!s.record_outgoing("010-1111-2222", Some(t0 + 200), None).unwrap().emergency);
    drop((s, other));

    // Opened again: still the latest version, nothing migrated twice, everything there.
    let mut s = Screener::open(&path, Region::KR).unwrap();
    assert_eq!(user_version(&path), latest());
    assert_eq!(s.rules(List::Block).unwrap().len(), 2);
    assert_eq!(s.history(10).unwrap().len(), 1);
    assert_eq!(s.screen(&after("070-1234-5678")).action, Action::Allow, "the call out was kept");
    assert!(s.integrity_check().unwrap().is_empty());
}

/// A database written by version 2 (before temporary rules, the pause and the history
/// index) upgrades to 3: its rules are permanent, its history counts for the repeat rule
/// through the new index, and temporary rules, the pause and the unknown-caller action
/// work on it, in this process and in another screener on the file.
#[test]
fn a_version_2_file_upgrades_to_temporary_rules_and_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v2.db");
    let t0: i64 = 4_000_000_000; // in the future, so no rule has ended by the wall clock
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        let (v1, v2) = (MIGRATIONS[0], MIGRATIONS[1]);
        conn.execute_batch(&format!("BEGIN; {v1} {v2} PRAGMA user_version = 2; COMMIT;")).unwrap();
        conn.execute_batch(&format!(
            "INSERT INTO rules VALUES (1, 1, 8270, 'VoIP', {t0});
             INSERT INTO rules VALUES (0, 0, 821011112222, 'Mum', {t0});
             INSERT INTO history VALUES (1, {t0}, '010-2222-3333', 821022223333, 0, 0, '', NULL);
             INSERT INTO outgoing VALUES (1, {t0}, 821044445555, 0);
             INSERT INTO meta VALUES ('policy.unknown', 'block');"
        ))
        .unwrap();
    }
    assert_eq!(user_version(&path), 2);
    let mut s = Screener::open(&path, Region::KR).unwrap();
    assert_eq!(user_version(&path), latest());
    assert!(s.integrity_check().unwrap().is_empty());
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let plan: String = conn
            .query_row(
                "EXPLAIN QUERY PLAN SELECT at FROM history WHERE number = 1 AND at >= 0 AND at < 9 ORDER BY at",
                [],
                |r| r.get(3),
            )
            .unwrap();
        assert!(plan.contains("history_number_at"), "the repeat count uses the index: {plan}");
    }
    // The old rules are permanent.
    let rules = s.rules(List::Block).unwrap();
    assert_eq!((rules.len(), rules[0].until), (1, None));
    let at = |caller_id, t| Call { caller_id, at: Some(t), ..Call::default() };
    let reasons = |d: &ringfence_core::Decision| d.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>();
    // A setting v2 did not know (stored by a newer build) now works: unknown = block;
    // the number called out in v2 is known; the one in v2's history calls again.
    let d = s.screen(&at("010-9999-8888", t0 + 60));
    assert_eq!((d.action, reasons(&d)), (Action::Block, vec!["unknown_caller"]));
    assert_eq!(s.screen(&at("010-4444-5555", t0 + 60)).action, Action::Allow, "called in v2");
    let d = s.screen(&at("010-2222-3333", t0 + 60));
    assert_eq!((d.action, reasons(&d)), (Action::Allow, vec!["unknown_caller", "repeated_caller"]));
    // Temporary rules and the pause, seen by another screener on the file.
    let mut other = Screener::open(&path, Region::KR).unwrap();
    let (rule, new) = s.add_rule_until(List::Allow, "010-9999-8888", None, Some(t0 + 3600)).unwrap();
    assert!(new);
    assert_eq!(rule.until, Some(t0 + 3600));
    for screener in [&mut s, &mut other] {
        assert_eq!(screener.screen(&at("010-9999-8888", t0 + 3599)).action, Action::Allow);
        assert_eq!(screener.screen(&at("010-9999-8888", t0 + 3600)).action, Action::Block, "ended");
    }
    s.pause(t0 + 60).unwrap();
    let d = other.screen(&at("070-1234-5678", t0));
    assert_eq!((d.action, reasons(&d)), (Action::Allow, vec!["paused"]));
    other.record_outgoing("010-7777-6666", Some(t0), None).unwrap();
    assert_eq!(s.screen(&at("010-7777-6666", t0 + 120)).action, Action::Allow, "a call out in another process");
    drop((s, other));
    let mut s = Screener::open(&path, Region::KR).unwrap();
    assert_eq!(user_version(&path), latest());
    assert_eq!(s.paused_until().unwrap(), Some(t0 + 60));
    assert_eq!(s.rules(List::Allow).unwrap().len(), 2);
}

/// A database written by version 3 (before rules had windows and SIMs) upgrades to 4:
/// its rules, temporary ones included, keep matching at every hour and on every SIM, and
/// new rules with windows and SIMs are kept, in this process and in another screener.
#[test]
fn a_version_3_file_upgrades_to_rules_with_windows_and_sims() {
    use ringfence_core::{Days, Hours, Window};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v3.db");
    let t0: i64 = 4_000_000_000;
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        let steps: String = MIGRATIONS[..3].concat();
        conn.execute_batch(&format!("BEGIN; {steps} PRAGMA user_version = 3; COMMIT;")).unwrap();
        conn.execute_batch(&format!(
            "INSERT INTO rules VALUES (1, 1, 8270, 'VoIP', {t0}, NULL);
             INSERT INTO rules VALUES (1, 0, 821011112222, 'for a while', {t0}, {});",
            t0 + 3600
        ))
        .unwrap();
    }
    assert_eq!(user_version(&path), 3);
    let mut s = Screener::open(&path, Region::KR).unwrap();
    assert_eq!(user_version(&path), latest());
    assert!(s.integrity_check().unwrap().is_empty());
    let rules = s.rules(List::Block).unwrap();
    assert_eq!(rules.len(), 2);
    assert!(rules.iter().all(|r| r.window.is_none() && r.sim.is_none()));
    let call = |caller_id, t: i64, sim| Call { caller_id, at: Some(t), utc_offset: Some(0), sim, ..Call::default() };
    for hour in [0, 9, 23] {
        let t = t0 + hour * 3600 - 60;
        assert_eq!(s.screen(&call("070-1234-5678", t, Some("2"))).action, Action::Block, "hour {hour}");
    }
    assert_eq!(s.screen(&call("010-1111-2222", t0 + 3599, None)).action, Action::Block);
    assert_eq!(s.screen(&call("010-1111-2222", t0 + 3600, None)).action, Action::Allow, "ended");
    let night = Window { days: Days::ALL, hours: Some(Hours::parse("22:00-07:00").unwrap()) };
    let options = ringfence_core::RuleOptions { window: Some(night), sim: Some("2".into()), ..Default::default() };
    s.add_rule_with(List::Block, "010-3333-4444", &options).unwrap();
    let mut other = Screener::open(&path, Region::KR).unwrap();
    // t0 is 2096-10-02T07:06:40Z: 23:00 UTC that day is in the window.
    let late = t0 + 15 * 3600 + 53 * 60 + 20;
    assert_eq!(other.screen(&call("010-3333-4444", late, Some("2"))).action, Action::Block);
    assert_eq!(other.screen(&call("010-3333-4444", late, Some("1"))).action, Action::Allow);
    assert_eq!(other.screen(&call("010-3333-4444", t0, Some("2"))).action, Action::Allow, "07:06 UTC");
    assert_eq!(other.rules(List::Block).unwrap().iter().find(|r| r.sim.is_some()).unwrap().window, Some(night));
}

/// A database written by version 4 (before disputes) upgrades to 5: its community rows
/// keep deciding as before (not disputed), and the golden vectors' chain (snapshot 2,
/// delta 3, the format-2 delta 4 that holds +821055550101) applies on top: the held
/// number, at a score that blocks, only warns, with the reason `disputed`.
#[test]
fn a_version_4_file_upgrades_to_disputed_listings() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v4.db");
    let at = 1_795_692_860; // the disputed delta's creation time
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        let steps: String = MIGRATIONS[..4].concat();
        conn.execute_batch(&format!("BEGIN; {steps} PRAGMA user_version = 4; COMMIT;")).unwrap();
        conn.execute_batch(&format!("INSERT INTO community VALUES (15551230001, 0, 5, 9.0, {at});")).unwrap();
    }
    assert_eq!(user_version(&path), 4);
    let mut s = Screener::open(&path, Region::KR).unwrap();
    assert_eq!(user_version(&path), latest());
    assert!(s.integrity_check().unwrap().is_empty());
    let call = |caller_id| Call { caller_id, at: Some(at), ..Call::default() };
    let d = s.screen(&call("+1 555-123-0001"));
    assert_eq!(
        (d.action, d.reasons.to_codes()),
        (Action::Block, "community".to_string()),
        "an old row blocks as before"
    );

    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/wire");
    let files: Vec<Vec<u8>> = ["snapshot.bin", "delta.bin", "disputed-delta.bin"]
        .iter()
        .map(|f| std::fs::read(fixtures.join(f)).unwrap())
        .collect();
    let key =
        ringfence_core::wire::parse_public_key("03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8")
            .expect("the test key");
    let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
    assert_eq!(s.apply_community_files(&key, &refs).unwrap().to_version, 4);
    let held = s.screen(&call("+82 10-5555-0101"));
    assert_eq!((held.action, held.reasons.to_codes()), (Action::Warn, "community,disputed".to_string()));
    assert!(held.label.as_deref().is_some_and(|l| l.contains("disputed")), "{:?}", held.label);
    let plain = s.screen(&call("+82 10-9876-5432"));
    assert_eq!((plain.action, plain.reasons.to_codes()), (Action::Warn, "community".to_string()), "not flagged");

    // The Call Directory export agrees (decay off, so the real clock does not matter): the
    // held number is identified with its label, never blocked.
    s.set_policy("decay.half-life-days", "0").unwrap();
    let held_key = 821_055_550_101u64;
    let list = |s: &mut Screener, kind| -> Vec<(u64, Option<String>)> {
        let d = s.call_directory(kind, None).unwrap();
        d.map(|e| e.unwrap()).map(|e| (e.number.as_u64(), e.label)).collect()
    };
    assert!(!list(&mut s, ringfence_core::DirectoryKind::Blocking).iter().any(|e| e.0 == held_key));
    let identified = list(&mut s, ringfence_core::DirectoryKind::Identification);
    let label = identified.iter().find(|e| e.0 == held_key).and_then(|e| e.1.clone()).unwrap_or_default();
    assert!(label.contains("disputed"), "{label:?}");
}
