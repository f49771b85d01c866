//! Issue 13, items 1, 2 and 4 on a real SQLite file: the unknown-caller action and
//! numbers the user called, repeated callers counted from the history (also with
//! `history.limit` 0), temporary rules and the pause. Every call at an explicit time.

use ringfence_core::{Action, Call, List, Region, Screener};

/// Far in the future, so the wall clock never ends a rule or a pause during a test.
const T0: i64 = 4_000_000_000;

fn screener() -> (tempfile::TempDir, Screener) {
    let dir = tempfile::tempdir().unwrap();
    let s = Screener::open(dir.path().join("ringfence.db"), Region::KR).unwrap();
    (dir, s)
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn at(caller_id: &str, t: i64) -> Call<'_> {
    Call { caller_id, at: Some(t), ..Call::default() }
}

fn seen(d: &ringfence_core::Decision) -> (Action, Vec<&'static str>) {
    (d.action, d.reasons.iter().map(|r| r.as_str()).collect())
}

#[test]
fn unknown_callers_get_the_mode_and_numbers_called_out_are_known() {
    let (_d, mut s) = screener();
    assert_eq!(s.policy().unwrap().unknown_action, Action::Allow, "allow by default");
    assert_eq!(seen(&s.screen(&at("010-2222-3333", T0))), (Action::Allow, vec![]));
    for mode in [Action::Warn, Action::Silence, Action::Block] {
        s.set_policy("unknown", mode.as_str()).unwrap();
        assert_eq!(seen(&s.screen(&at("010-2222-3333", T0))), (mode, vec!["unknown_caller"]));
    }
    // Contacts, the allow list, emergency numbers and hidden callers are not unknown.
    s.add_contact("010-1111-0000").unwrap();
    s.add_rule(List::Allow, "02-123-4567", None).unwrap();
    assert_eq!(seen(&s.screen(&at("010-1111-0000", T0))), (Action::Allow, vec!["contact"]));
    assert_eq!(seen(&s.screen(&at("02-123-4567", T0))), (Action::Allow, vec!["allow_list"]));
    assert_eq!(seen(&s.screen(&at("112", T0))), (Action::Allow, vec!["emergency"]));
    assert_eq!(seen(&s.screen(&at("", T0))), (Action::Allow, vec!["hidden"]), "hidden keeps its own setting");
    // A number the user called within 30 days rings; after 30 days it is unknown again.
    s.record_outgoing("010-2222-3333", Some(T0), None).unwrap();
    let d = s.screen(&at("010-2222-3333", T0 + 29 * 86_400));
    assert_eq!((seen(&d), d.label.as_deref()), ((Action::Allow, vec![]), Some("You called this number recently")));
    assert_eq!(s.screen(&at("010-2222-3333", T0 + 30 * 86_400)).action, Action::Block);
    s.set_policy("known.outgoing-days", "60").unwrap();
    assert_eq!(s.screen(&at("010-2222-3333", T0 + 30 * 86_400)).action, Action::Allow);
    // Settings are checked.
    assert!(s.set_policy("unknown", "maybe").is_err());
    assert!(s.set_policy("known.outgoing-days", "-1").is_err());
    assert!(s.set_policy("repeat.calls", "1").is_err());
    assert!(s.set_policy("repeat.minutes", "0").is_err());
    // Reopened: the settings and the calls out are in the file.
    let path = s.path().to_path_buf();
    drop(s);
    let mut s = Screener::open(&path, Region::KR).unwrap();
    assert_eq!(s.screen(&at("010-2222-3333", T0 + 30 * 86_400)).action, Action::Allow);
    assert_eq!(s.screen(&at("010-9999-0000", T0)).action, Action::Block);
}

/// Two recorded calls within 3 minutes, at least 20 s apart: the second rings.
#[test]
fn a_repeated_caller_gets_through_the_unknown_caller_mode() {
    let (_d, mut s) = screener();
    s.set_policy("unknown", "silence").unwrap();
    let n = "010-2222-3333";
    let first = s.screen_and_record(&at(n, T0)).unwrap();
    assert_eq!(seen(&first), (Action::Silence, vec!["unknown_caller"]));
    // A robo-redial 10 s later does not count.
    assert_eq!(s.screen_and_record(&at(n, T0 + 10)).unwrap().action, Action::Silence);
    let again = s.screen_and_record(&at(n, T0 + 60)).unwrap();
    assert_eq!(seen(&again), (Action::Allow, vec!["unknown_caller", "repeated_caller"]));
    // Screened without recording, calls do not count.
    assert_eq!(s.screen(&at("010-4444-5555", T0)).action, Action::Silence);
    assert_eq!(s.screen(&at("010-4444-5555", T0 + 60)).action, Action::Silence);
    // Outside the window (3 minutes) the first call no longer counts.
    let (_d, mut s) = screener();
    s.set_policy("unknown", "block").unwrap();
    s.screen_and_record(&at(n, T0)).unwrap();
    assert_eq!(s.screen_and_record(&at(n, T0 + 181)).unwrap().action, Action::Block);
    assert_eq!(s.screen(&at(n, T0 + 200)).action, Action::Block, "19 s after T0 + 181: too close");
    assert_eq!(s.screen(&at(n, T0 + 210)).action, Action::Allow, "T0 + 181 counts for this one");
    // repeat.calls 3: the third call.
    s.set_policy("repeat.calls", "3").unwrap();
    assert_eq!(s.screen(&at(n, T0 + 210)).action, Action::Block);
    s.screen_and_record(&at(n, T0 + 230)).unwrap();
    assert_eq!(s.screen(&at(n, T0 + 260)).action, Action::Allow);
    // The user's own block list and report always win.
    s.add_rule(List::Block, n, None).unwrap();
    assert_eq!(seen(&s.screen(&at(n, T0 + 260))), (Action::Block, vec!["block_list"]));
    s.remove_rule(List::Block, n).unwrap();
    s.report(n, ringfence_core::Category::Scam, None).unwrap();
    assert_eq!(seen(&s.screen(&at(n, T0 + 260))), (Action::Block, vec!["reported"]));
}

/// Numbers the community lists at or above the warn threshold never get through by
/// dialling twice (the bots' trick).
#[test]
fn bots_dialling_twice_do_not_get_through() {
    let (_d, mut s) = screener();
    s.set_policy("unknown", "block").unwrap();
    s.set_policy("category.robocall", "allow").unwrap();
    s.import(ringfence_core::Format::Csv, "010-2222-3333,robocall,3\n".as_bytes()).unwrap();
    let n = "010-2222-3333";
    let now = now();
    for t in [now, now + 30, now + 60] {
        assert_eq!(seen(&s.screen_and_record(&at(n, t)).unwrap()), (Action::Block, vec!["unknown_caller"]));
    }
}

/// With `history.limit` 0 the history shows nothing, yet the repeat rule still counts:
/// only the calls in its window are kept, without caller ID or label.
#[test]
fn repeats_count_with_history_off_and_only_the_window_is_kept() {
    let (_d, mut s) = screener();
    s.set_policy("unknown", "silence").unwrap();
    s.set_policy("history.limit", "0").unwrap();
    let n = "010-2222-3333";
    assert_eq!(s.screen_and_record(&at(n, T0)).unwrap().action, Action::Silence);
    assert_eq!(s.screen_and_record(&at(n, T0 + 60)).unwrap().action, Action::Allow);
    assert!(s.history(100).unwrap().is_empty(), "history.limit 0: no history shown");
    // 50 calls from other numbers, 10 minutes later: everything before the window goes.
    for i in 0..50 {
        s.screen_and_record(&at(&format!("010-5555-{i:04}"), T0 + 600 + i)).unwrap();
    }
    s.screen_and_record(&at("", T0 + 700)).unwrap();
    let kept = rows(&s);
    assert!(kept.len() <= 51, "kept {} rows", kept.len());
    assert!(kept.iter().all(|(at, input)| *at >= T0 + 700 - 180 && input.is_empty()), "{kept:?}");
    // history.limit 0 and repeat.calls 0: nothing is kept at all.
    let before = rows(&s);
    s.set_policy("repeat.calls", "0").unwrap();
    s.screen_and_record(&at(n, T0 + 800)).unwrap();
    assert_eq!(rows(&s), before, "nothing new");
}

fn rows(s: &Screener) -> Vec<(i64, String)> {
    let conn = rusqlite::Connection::open(s.path()).unwrap();
    let mut stmt = conn.prepare("SELECT at, input FROM history ORDER BY id").unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

/// Temporary rules stop matching at their end (a less specific rule takes over), are
/// listed with it, and are deleted at a later change of the lists.
#[test]
fn temporary_rules_end_by_themselves() {
    let (_d, mut s) = screener();
    s.add_rule(List::Block, "+8210*", Some("all mobiles")).unwrap();
    let (rule, new) = s.add_rule_until(List::Allow, "010-2222-3333", Some("plumber"), Some(T0)).unwrap();
    assert_eq!((rule.until, new), (Some(T0), true));
    assert_eq!(seen(&s.screen(&at("010-2222-3333", T0 - 1))), (Action::Allow, vec!["allow_list"]));
    assert_eq!(seen(&s.screen(&at("010-2222-3333", T0))), (Action::Block, vec!["block_list"]));
    let (rule, _) = s.add_rule_until(List::Block, "070-1234-5678", None, Some(T0 + 10)).unwrap();
    assert_eq!(rule.until, Some(T0 + 10));
    assert_eq!(s.screen(&at("070-1234-5678", T0 + 9)).action, Action::Block);
    assert_eq!(s.screen(&at("070-1234-5678", T0 + 10)).action, Action::Allow);
    let listed: Vec<_> = s.rules(List::Block).unwrap().into_iter().map(|r| (r.pattern.to_string(), r.until)).collect();
    assert_eq!(listed, [("+827012345678".to_string(), Some(T0 + 10)), ("+8210*".to_string(), None)]);
    // Adding the pattern again without an end makes it permanent.
    let (rule, new) = s.add_rule(List::Block, "070-1234-5678", None).unwrap();
    assert_eq!((rule.until, new), (None, false));
    assert_eq!(s.screen(&at("070-1234-5678", T0 + 10)).action, Action::Block);
    // An end in the past is refused.
    assert!(s.add_rule_until(List::Block, "070-1111-2222", None, Some(1)).is_err());
}

/// A rule that has ended is no longer listed, and goes from the file at the next change.
#[test]
fn ended_rules_are_cleaned_up_later() {
    let (_d, mut s) = screener();
    let soon = now() + 2;
    s.add_rule_until(List::Block, "070-1234-5678", None, Some(soon)).unwrap();
    assert_eq!(s.rules(List::Block).unwrap().len(), 1);
    std::thread::sleep(std::time::Duration::from_millis(3100));
    assert!(s.rules(List::Block).unwrap().is_empty(), "ended: not listed");
    let count = |s: &Screener| -> i64 {
        let conn = rusqlite::Connection::open(s.path()).unwrap();
        conn.query_row("SELECT count(*) FROM rules", [], |r| r.get(0)).unwrap()
    };
    assert_eq!(count(&s), 1, "still in the file");
    s.add_rule(List::Allow, "010-1111-2222", None).unwrap();
    assert_eq!(count(&s), 1, "cleaned up: only the new rule");
}

/// While paused every call rings and is still recorded; emergency numbers keep their
/// reason; the pause ends by itself and `resume` ends it early.
#[test]
fn the_pause_lets_everything_ring_and_ends_by_itself() {
    let (_d, mut s) = screener();
    s.add_rule(List::Block, "+8210*", None).unwrap();
    s.set_policy("unknown", "block").unwrap();
    s.set_policy("hidden", "block").unwrap();
    assert_eq!(s.paused_until().unwrap(), None);
    s.pause(T0 + 3600).unwrap();
    assert_eq!(s.paused_until().unwrap(), Some(T0 + 3600));
    for n in ["010-2222-3333", "", "070-1234-5678"] {
        assert_eq!(seen(&s.screen_and_record(&at(n, T0)).unwrap()), (Action::Allow, vec!["paused"]), "{n:?}");
    }
    assert_eq!(seen(&s.screen(&at("112", T0))), (Action::Allow, vec!["emergency"]));
    assert_eq!(s.history(10).unwrap().len(), 3, "still recorded");
    assert_eq!(s.screen(&at("010-2222-3333", T0 + 3600)).action, Action::Block, "ended by itself");
    assert!(s.resume().unwrap());
    assert_eq!(s.paused_until().unwrap(), None);
    assert_eq!(s.screen(&at("010-2222-3333", T0)).action, Action::Block);
    assert!(!s.resume().unwrap());
    assert!(s.pause(1).is_err(), "a pause that ended already");
}

/// The iOS Call Directory list is as at the export's time: a temporary block rule is in
/// it until its end, and nothing is blocked while paused (the app reloads the extension
/// when either changes).
#[test]
fn the_call_directory_follows_temporary_rules_and_the_pause() {
    let (_d, mut s) = screener();
    let export = |s: &mut Screener| -> Vec<String> {
        let dir = s.call_directory(ringfence_core::DirectoryKind::Blocking, None).unwrap();
        dir.map(|e| e.unwrap().number.to_string()).collect()
    };
    s.add_rule(List::Block, "070-1234-5678", None).unwrap();
    s.add_rule_until(List::Block, "070-1234-5679", None, Some(now() + 2)).unwrap();
    assert_eq!(export(&mut s), ["+827012345678", "+827012345679"]);
    std::thread::sleep(std::time::Duration::from_millis(3100));
    assert_eq!(export(&mut s), ["+827012345678"], "the temporary rule ended");
    s.pause(now() + 3600).unwrap();
    assert!(export(&mut s).is_empty(), "paused: nothing blocked");
    s.resume().unwrap();
    assert_eq!(export(&mut s), ["+827012345678"]);
}
