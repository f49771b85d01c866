//! Issue 13, items 1, 2 and 4 on a real SQLite file: the unknown-caller action and
//! numbers the user called, repeated callers counted from the history (also with
//! `history.limit` 0), temporary rules and the pause; and item 3, schedules and quiet
//! hours (rules, modes and quiet hours limited to windows of local time, across midnight
//! and daylight-saving changes). Every call at an explicit time; nothing sleeps.

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

/// Makes the temporary block rule on `pattern_digits` (an exact E.164 key) end at
/// `until`, in the past, as a phone finds it when its end has come: written to the file
/// directly (an end in the past cannot be added), so no test waits for the clock.
fn end_rule(s: &Screener, digits: i64, until: i64) {
    let conn = rusqlite::Connection::open(s.path()).unwrap();
    let n = conn.execute("UPDATE rules SET until = ?1 WHERE digits = ?2", [until, digits]).unwrap();
    assert_eq!(n, 1);
}

/// A rule that has ended is no longer listed, and goes from the file at the next change.
#[test]
fn ended_rules_are_cleaned_up_later() {
    let (_d, mut s) = screener();
    s.add_rule_until(List::Block, "070-1234-5678", None, Some(now() + 3600)).unwrap();
    assert_eq!(s.rules(List::Block).unwrap().len(), 1);
    end_rule(&s, 827012345678, now() - 1);
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
    s.add_rule_until(List::Block, "070-1234-5679", None, Some(now() + 3600)).unwrap();
    assert_eq!(export(&mut s), ["+827012345678", "+827012345679"]);
    end_rule(&s, 827012345679, now() - 1);
    assert_eq!(export(&mut s), ["+827012345678"], "the temporary rule ended");
    s.pause(now() + 3600).unwrap();
    assert!(export(&mut s).is_empty(), "paused: nothing blocked");
    s.resume().unwrap();
    assert_eq!(export(&mut s), ["+827012345678"]);
}

// ---- item 3: schedules and quiet hours, in the phone's local time ----

/// A call at an RFC 3339 time: its instant and the phone's UTC offset then, as the
/// platform gives them (Android `TimeZone.getOffset`, iOS `secondsFromGMT(for:)`).
fn local(caller_id: &str, rfc3339: &str) -> Call<'static> {
    let caller_id: &'static str = Box::leak(caller_id.to_string().into_boxed_str());
    let at: jiff::Timestamp = rfc3339.parse().unwrap();
    let offset = match jiff::fmt::temporal::Pieces::parse(rfc3339).unwrap().offset() {
        Some(jiff::fmt::temporal::PiecesOffset::Numeric(n)) => n.offset().seconds(),
        _ => 0,
    };
    Call { caller_id, at: Some(at.as_second()), utc_offset: Some(offset), ..Call::default() }
}

/// Quiet hours 22:00-07:00 on weekdays, in Seoul (+09:00): who still rings, the night
/// across midnight belonging to the day it starts on, and the action.
#[test]
fn quiet_hours_silence_all_but_contacts_the_allow_list_known_and_repeated_callers() {
    let (_d, mut s) = screener();
    s.set_policy("quiet.hours", "22:00-07:00").unwrap();
    s.set_policy("quiet.days", "mon-fri").unwrap();
    s.add_contact("010-1111-0000").unwrap();
    s.add_rule(List::Allow, "02-123-4567", None).unwrap();
    // 2026-12-02 is a Wednesday.
    let wed_night = "2026-12-02T23:00:00+09:00";
    let d = s.screen(&local("010-2222-3333", wed_night));
    assert_eq!((seen(&d), d.label.as_deref()), ((Action::Silence, vec!["quiet_hours"]), Some("Quiet hours")));
    assert_eq!(seen(&s.screen(&local("010-1111-0000", wed_night))), (Action::Allow, vec!["contact"]));
    assert_eq!(seen(&s.screen(&local("02-123-4567", wed_night))), (Action::Allow, vec!["allow_list"]));
    assert_eq!(seen(&s.screen(&local("112", wed_night))), (Action::Allow, vec!["emergency"]));
    assert_eq!(seen(&s.screen(&local("", wed_night))), (Action::Silence, vec!["hidden", "quiet_hours"]));
    // Thursday 06:59 is still Wednesday's night; 07:00 is over.
    assert_eq!(s.screen(&local("010-2222-3333", "2026-12-03T06:59:00+09:00")).action, Action::Silence);
    assert_eq!(seen(&s.screen(&local("010-2222-3333", "2026-12-03T07:00:00+09:00"))), (Action::Allow, vec![]));
    // Friday night runs into Saturday morning; Sunday night (into Monday) is not a weekday's.
    assert_eq!(s.screen(&local("010-2222-3333", "2026-12-05T06:00:00+09:00")).action, Action::Silence);
    assert_eq!(s.screen(&local("010-2222-3333", "2026-12-05T23:00:00+09:00")).action, Action::Allow);
    assert_eq!(s.screen(&local("010-2222-3333", "2026-12-07T06:00:00+09:00")).action, Action::Allow);
    // The same instant read in UTC (14:00 on Wednesday) is not quiet: the offset matters.
    let utc = Call { utc_offset: None, ..local("010-2222-3333", wed_night) };
    assert_eq!(s.screen(&utc).action, Action::Allow);
    // A number the user called rings; a repeated caller (two calls 60 s apart) rings.
    s.record_outgoing("010-4444-5555", Some(local("", "2026-12-01T12:00:00+09:00").at.unwrap()), None).unwrap();
    assert_eq!(s.screen(&local("010-4444-5555", wed_night)).action, Action::Allow);
    let first = s.screen_and_record(&local("010-6666-7777", "2026-12-02T23:00:00+09:00")).unwrap();
    assert_eq!(first.action, Action::Silence);
    let again = s.screen(&local("010-6666-7777", "2026-12-02T23:01:00+09:00"));
    assert_eq!(seen(&again), (Action::Allow, vec!["repeated_caller"]));
    // The user's block list and heuristics stronger than the quiet action keep theirs;
    // quiet.action block blocks; allow is refused.
    s.add_rule(List::Block, "070-1234-5678", None).unwrap();
    assert_eq!(seen(&s.screen(&local("070-1234-5678", wed_night))), (Action::Block, vec!["block_list"]));
    s.set_policy("quiet.action", "block").unwrap();
    assert_eq!(s.screen(&local("010-2222-3333", wed_night)).action, Action::Block);
    assert!(s.set_policy("quiet.action", "allow").is_err());
    for bad in ["22:00", "25:00-07:00", "07:00-07:00", "ten to six"] {
        assert!(s.set_policy("quiet.hours", bad).is_err(), "{bad}");
    }
    assert!(s.set_policy("quiet.days", "someday").is_err());
    s.set_policy("quiet.hours", "off").unwrap();
    assert_eq!(s.screen(&local("010-2222-3333", wed_night)).action, Action::Allow);
}

/// The unknown-caller, hidden and category actions limited to windows: outside them
/// unknown and hidden callers ring and categories have their default.
#[test]
fn modes_limited_to_windows() {
    let (_d, mut s) = screener();
    s.set_policy("unknown", "silence").unwrap();
    s.set_policy("unknown.hours", "22:00-07:00").unwrap();
    s.set_policy("hidden", "block").unwrap();
    s.set_policy("hidden.days", "sat,sun").unwrap();
    s.set_policy("category.representative", "block").unwrap();
    s.set_policy("category.hours", "09:00-18:00").unwrap();
    s.set_policy("category.days", "mon-fri").unwrap();
    let p = s.policy().unwrap();
    assert_eq!(p.unknown_window.to_string(), "daily 22:00-07:00");
    assert_eq!(p.hidden_window.to_string(), "sat,sun");
    assert_eq!(p.category_window.to_string(), "mon-fri 09:00-18:00");
    let (day, night, sat) = ("2026-12-02T12:00:00+09:00", "2026-12-02T23:30:00+09:00", "2026-12-05T12:00:00+09:00");
    assert_eq!(seen(&s.screen(&local("010-2222-3333", day))), (Action::Allow, vec![]));
    assert_eq!(seen(&s.screen(&local("010-2222-3333", night))), (Action::Silence, vec!["unknown_caller"]));
    assert_eq!(seen(&s.screen(&local("", day))), (Action::Allow, vec!["hidden"]));
    assert_eq!(seen(&s.screen(&local("", sat))), (Action::Block, vec!["hidden"]));
    // 1588-1234 is a representative number: blocked on weekday hours, warned otherwise.
    assert_eq!(s.screen(&local("1588-1234", day)).action, Action::Block);
    assert_eq!(s.screen(&local("1588-1234", sat)).action, Action::Warn);
    // Settings show and reload.
    let shown: Vec<(String, String)> =
        p.settings().into_iter().filter(|x| x.key.ends_with(".hours")).map(|x| (x.key, x.value)).collect();
    assert!(shown.contains(&("unknown.hours".into(), "22:00-07:00".into())), "{shown:?}");
    let path = s.path().to_path_buf();
    drop(s);
    let mut s = Screener::open(&path, Region::KR).unwrap();
    assert_eq!(s.policy().unwrap(), p);
    s.set_policy("unknown.hours", "").unwrap();
    assert_eq!(s.screen(&local("010-2222-3333", day)).action, Action::Silence, "all day again");
}

/// Rules limited to a window and to a SIM, kept in the file and seen by another
/// screener; a less specific rule takes over outside them.
#[test]
fn rules_limited_to_windows_and_sims() {
    use ringfence_core::RuleOptions;
    use ringfence_core::{Days, Hours, Window};
    let (_d, mut s) = screener();
    let office = Window { days: Days::parse("mon-fri").unwrap(), hours: Some(Hours::parse("09:00-18:00").unwrap()) };
    let options = RuleOptions { label: Some("work hours".into()), window: Some(office), ..Default::default() };
    let (rule, new) = s.add_rule_with(List::Block, "+8210*", &options).unwrap();
    assert!(new);
    assert_eq!((rule.window, rule.sim.as_deref()), (Some(office), None));
    let work_sim = RuleOptions { sim: Some(" work ".into()), ..Default::default() };
    assert_eq!(s.add_rule_with(List::Block, "070-1234-5678", &work_sim).unwrap().0.sim.as_deref(), Some("work"));
    let mut other = Screener::open(s.path(), Region::KR).unwrap();
    for screener in [&mut s, &mut other] {
        let wed = |raw: &str, hhmm: &str| local(raw, &format!("2026-12-02T{hhmm}:00+09:00"));
        assert_eq!(screener.screen(&wed("010-2222-3333", "09:00")).action, Action::Block);
        assert_eq!(screener.screen(&wed("010-2222-3333", "18:00")).action, Action::Allow);
        assert_eq!(screener.screen(&local("010-2222-3333", "2026-12-05T10:00:00+09:00")).action, Action::Allow);
        let on = |sim| Call { sim, ..wed("070-1234-5678", "12:00") };
        assert_eq!(screener.screen(&on(Some("work"))).action, Action::Block);
        assert_eq!(screener.screen(&on(Some("personal"))).action, Action::Allow);
        assert_eq!(screener.screen(&on(None)).action, Action::Allow, "no SIM said: rules for every SIM only");
    }
    let listed = other.rules(List::Block).unwrap();
    assert_eq!(listed.iter().filter(|r| r.window == Some(office)).count(), 1);
    // Adding the pattern again replaces its window: now always.
    s.add_rule(List::Block, "+8210*", None).unwrap();
    assert_eq!(other.screen(&local("010-2222-3333", "2026-12-05T10:00:00+09:00")).action, Action::Block);
    let long = RuleOptions { sim: Some("x".repeat(65)), ..Default::default() };
    assert!(s.add_rule_with(List::Block, "070-9999-9999", &long).is_err());
}

/// A 22:00-07:00 window across both daylight-saving changes of Europe/Berlin in 2026
/// (29 March 02:00 CET -> 03:00 CEST; 25 October 03:00 CEST -> 02:00 CET). The phone
/// gives the offset in force at each call, so the window follows the wall clock.
#[test]
fn a_night_window_across_daylight_saving_changes() {
    let (_d, mut s) = screener();
    s.set_policy("quiet.hours", "22:00-07:00").unwrap();
    let quiet = |s: &mut Screener, t: &str| s.screen(&local("+49 30 1234567", t)).action == Action::Silence;
    // Spring: the night of Saturday 28 March is an hour shorter.
    assert!(quiet(&mut s, "2026-03-28T22:00:00+01:00"));
    assert!(quiet(&mut s, "2026-03-29T01:59:00+01:00"));
    assert!(quiet(&mut s, "2026-03-29T03:00:00+02:00"), "the hour after the jump");
    assert!(quiet(&mut s, "2026-03-29T06:59:00+02:00"));
    assert!(!quiet(&mut s, "2026-03-29T07:00:00+02:00"), "07:00 summer time: over");
    // 05:00 UTC is 07:00 in summer time; with the winter offset it would read 06:00.
    let stale = Call { utc_offset: Some(3600), ..local("+49 30 1234567", "2026-03-29T07:00:00+02:00") };
    assert_eq!(s.screen(&stale).action, Action::Silence, "a stale offset reads the wrong wall clock");
    // Autumn: the night of Saturday 24 October is an hour longer, 02:00-03:00 twice.
    assert!(quiet(&mut s, "2026-10-25T02:30:00+02:00"));
    assert!(quiet(&mut s, "2026-10-25T02:30:00+01:00"), "the repeated hour");
    assert!(quiet(&mut s, "2026-10-25T06:59:00+01:00"));
    assert!(!quiet(&mut s, "2026-10-25T07:00:00+01:00"));
    assert!(!quiet(&mut s, "2026-10-24T21:59:00+02:00"));
    // New York's spring change (8 March 2026, 02:00 EST -> 03:00 EDT) the same way.
    assert!(quiet(&mut s, "2026-03-08T06:59:00-04:00"));
    assert!(!quiet(&mut s, "2026-03-08T07:00:00-04:00"));
}

// ---- item 7: why ----

/// `explain` walks every step in order, says what each saw and which decided, shows the
/// number as read, and always agrees with `screen`.
#[test]
fn explain_says_why_and_agrees_with_screen() {
    use ringfence_core::{Category, RuleOptions};
    use ringfence_core::{Days, Hours, Window};
    let (_d, mut s) = screener();
    let office = Window { days: Days::parse("mon-fri").unwrap(), hours: Some(Hours::parse("09:00-18:00").unwrap()) };
    let options = RuleOptions {
        label: Some("voip".into()),
        window: Some(office),
        sim: Some("work".into()),
        ..Default::default()
    };
    s.add_rule_with(List::Block, "+8270*", &options).unwrap();
    s.add_rule(List::Allow, "070-1111-2222", Some("plumber")).unwrap();
    s.report("010-6666-7777", Category::Scam, None).unwrap();
    s.set_policy("quiet.hours", "22:00-07:00").unwrap();
    s.set_policy("unknown", "warn").unwrap();
    let noon = |raw: &str, sim| Call { sim, ..local(raw, "2026-12-02T12:00:00+09:00") };
    let calls = [
        noon("070-1234-5678", Some("work")),
        noon("070-1234-5678", None),
        noon("070-1111-2222", Some("work")),
        noon("010-6666-7777", None),
        noon("1588-1234", None),
        noon("", None),
        noon("call me maybe", None),
        noon("112", None),
        local("010-2222-3333", "2026-12-02T23:00:00+09:00"),
        local("", "2026-12-02T23:00:00+09:00"),
    ];
    let decided = |e: &ringfence_core::Explanation| -> Vec<&str> {
        e.steps.iter().filter(|s| s.decided).map(|s| s.step).collect()
    };
    for call in &calls {
        let e = s.explain(call).unwrap();
        assert_eq!(e.decision, s.screen(call), "{:?}", call.caller_id);
        assert_eq!(e.steps[0].step, "emergency_callback");
        assert!(!decided(&e).is_empty(), "{:?}: no step decided", call.caller_id);
    }
    // The rule, its window and SIM, and the number as read.
    let e = s.explain(&calls[0]).unwrap();
    assert_eq!(decided(&e), ["block"]);
    let rule = e.rule.as_ref().unwrap();
    assert_eq!(
        (rule.pattern.to_string(), rule.label.as_deref(), rule.sim.as_deref()),
        ("+8270*".into(), Some("voip"), Some("work"))
    );
    let block = e.steps.iter().find(|s| s.step == "block").unwrap();
    assert_eq!(block.saw, "block rule +8270* \"voip\" (mon-fri 09:00-18:00, sim work)");
    assert_eq!(e.reading.e164.as_deref(), Some("+827012345678"));
    assert_eq!(e.reading.international.as_deref(), Some("+82 70-1234-5678"));
    assert_eq!((e.reading.number_type, e.local_time.as_deref()), (Some("voip"), Some("wed 12:00")));
    assert_eq!(s.deciding_rule(&calls[0], &e.decision).map(|r| r.pattern.to_string()).as_deref(), Some("+8270*"));
    // Without the SIM the rule does not match: the unknown-caller step decides.
    let e = s.explain(&calls[1]).unwrap();
    assert_eq!((decided(&e), e.rule.is_none()), (vec!["unknown_caller"], true));
    assert!(e.steps.iter().any(|s| s.step == "block" && s.saw.starts_with("no block rule")));
    assert_eq!(decided(&s.explain(&calls[2]).unwrap()), ["allow"]);
    let reported = s.explain(&calls[3]).unwrap();
    assert_eq!(decided(&reported), ["block"]);
    assert!(reported.rule.is_none(), "a report is no rule");
    assert_eq!(decided(&s.explain(&calls[4]).unwrap()), ["heuristics"]);
    assert_eq!(decided(&s.explain(&calls[5]).unwrap()), ["hidden"]);
    let malformed = s.explain(&calls[6]).unwrap();
    assert_eq!((malformed.reading.kind, decided(&malformed)), ("malformed", vec!["heuristics"]));
    assert!(malformed.reading.why.is_some());
    assert_eq!(decided(&s.explain(&calls[7]).unwrap()), ["emergency"]);
    let night = s.explain(&calls[8]).unwrap();
    assert_eq!(decided(&night), ["unknown_caller", "quiet_hours"]);
    assert!(night.steps.last().unwrap().saw.ends_with(": now"));
    assert_eq!(decided(&s.explain(&calls[9]).unwrap()), ["hidden", "quiet_hours"]);
    // The repeat count the rule saw is told.
    s.screen_and_record(&local("010-4444-5555", "2026-12-02T12:00:00+09:00")).unwrap();
    let e = s.explain(&local("010-4444-5555", "2026-12-02T12:01:00+09:00")).unwrap();
    let unknown = e.steps.iter().find(|s| s.step == "unknown_caller").unwrap();
    assert!(unknown.saw.contains("2 of 2 calls within 3 minutes"), "{}", unknown.saw);
    assert_eq!(
        e.decision.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        ["unknown_caller", "repeated_caller"]
    );
}

// ---- item 6: number groups as rules ----

/// Every row of the README's group precedence: allow beats block at the same level, a
/// specific number (or prefix, or the user's report) beats a group, contacts and
/// emergency numbers are never blocked by a group. Home region US.
#[test]
fn number_groups_and_their_precedence() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Screener::open(dir.path().join("g.db"), Region::US).unwrap();
    // "Block all foreign numbers except Japan" is two rules.
    s.add_rule(List::Block, "region:foreign", Some("abroad")).unwrap();
    s.add_rule(List::Allow, "region:jp", None).unwrap();
    let check = |s: &mut Screener, raw: &str| seen(&s.screen(&at(raw, T0)));
    assert_eq!(check(&mut s, "+44 20 7031 3000"), (Action::Block, vec!["block_list"]), "the UK is foreign");
    assert_eq!(check(&mut s, "+1 876 555 0199"), (Action::Block, vec!["block_list"]), "Jamaica shares +1");
    assert_eq!(check(&mut s, "+81 3-1234-5678"), (Action::Allow, vec!["allow_list"]), "group allow beats group block");
    assert_eq!(check(&mut s, "(212) 555-0199"), (Action::Allow, vec![]), "home");
    assert_eq!(s.screen(&at("+44 20 7031 3000", T0)).label.as_deref(), Some("abroad"));
    // A specific number or prefix beats a group, both ways.
    s.add_rule(List::Block, "+81 3-1234-5678", None).unwrap();
    assert_eq!(check(&mut s, "+81 3-1234-5678"), (Action::Block, vec!["block_list"]), "number block over group allow");
    s.add_rule(List::Block, "+8190*", None).unwrap();
    assert_eq!(check(&mut s, "+81 90-1234-5678"), (Action::Block, vec!["block_list"]), "prefix block over group allow");
    s.add_rule(List::Allow, "+44 20 7031 3000", None).unwrap();
    assert_eq!(check(&mut s, "+44 20 7031 3000"), (Action::Allow, vec!["allow_list"]), "number allow over group block");
    s.report("+81 6-1234-5678", ringfence_core::Category::Scam, None).unwrap();
    assert_eq!(check(&mut s, "+81 6-1234-5678"), (Action::Block, vec!["reported"]), "your report over a group allow");
    // Contacts and emergency numbers.
    s.add_contact("+33 1 23 45 67 89").unwrap();
    assert_eq!(check(&mut s, "+33 1 23 45 67 89"), (Action::Allow, vec!["contact"]));
    let roaming = Call { network_region: Some("GB".parse().unwrap()), ..at("999", T0) };
    assert_eq!(seen(&s.screen(&roaming)), (Action::Allow, vec!["emergency"]));
    // Types and country codes.
    s.add_rule(List::Block, "type:toll_free", None).unwrap();
    s.add_rule(List::Block, "type:premium_rate", Some("premium")).unwrap();
    s.add_rule(List::Block, "cc:+86", None).unwrap();
    assert_eq!(check(&mut s, "(800) 555-0199"), (Action::Block, vec!["block_list"]));
    assert_eq!(check(&mut s, "(900) 555-0199").0, Action::Block);
    assert_eq!(s.screen(&at("(900) 555-0199", T0)).label.as_deref(), Some("premium"));
    // Listed, shown and explained as written; a bad group is refused with the reason.
    let patterns: Vec<String> = s.rules(List::Block).unwrap().iter().map(|r| r.pattern.to_string()).collect();
    for p in ["region:foreign", "type:toll_free", "type:premium_rate", "cc:+86"] {
        assert!(patterns.contains(&p.to_string()), "{p} in {patterns:?}");
    }
    assert_eq!(s.rules(List::Allow).unwrap().iter().filter(|r| r.pattern.to_string() == "region:JP").count(), 1);
    let e = s.explain(&at("(800) 555-0199", T0)).unwrap();
    assert_eq!(e.rule.map(|r| r.pattern.to_string()).as_deref(), Some("type:toll_free"));
    let err = s.add_rule(List::Block, "type:cheap", None).unwrap_err().to_string();
    assert!(err.contains("names no number type \"cheap\""), "{err}");
    assert!(s.add_rule(List::Block, "region:XX", None).is_err());
    assert!(s.remove_rule(List::Block, "cc:86").unwrap(), "removed in another spelling");
    // Kept in the file: another screener reads them.
    let mut other = Screener::open(s.path(), Region::US).unwrap();
    assert_eq!(seen(&other.screen(&at("+44 161 123 4567", T0))), (Action::Block, vec!["block_list"]));
}

/// `Screener::recover` keeps the pause, and rules with their windows and SIMs and group
/// rules, from a file whose history pages are destroyed.
#[test]
fn recover_keeps_the_pause_windows_sims_and_groups() {
    use ringfence_core::RuleOptions;
    use ringfence_core::{Days, Hours, Window};
    use std::io::{Seek, SeekFrom, Write};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ringfence.db");
    let night = Window { days: Days::parse("mon-fri").unwrap(), hours: Some(Hours::parse("22:00-07:00").unwrap()) };
    {
        let mut s = Screener::open(&path, Region::KR).unwrap();
        for i in 0..400 {
            s.screen_and_record(&at(&format!("010-5555-{i:04}"), T0 + i)).unwrap();
        }
        s.pause(T0 + 3600).unwrap();
        let options = RuleOptions { window: Some(night), sim: Some("work".into()), ..Default::default() };
        s.add_rule_with(List::Block, "+8210*", &options).unwrap();
        s.add_rule(List::Block, "type:voip", Some("voip")).unwrap();
    }
    let pages: Vec<i64> = {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let mut stmt = conn.prepare("SELECT pageno FROM dbstat WHERE name = 'history' AND pagetype = 'leaf'").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
    };
    assert!(pages.len() > 2, "{pages:?}");
    let size = {
        let b = std::fs::read(&path).unwrap();
        u64::from(u16::from_be_bytes([b[16], b[17]]))
    };
    let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    for p in &pages {
        f.seek(SeekFrom::Start((*p as u64 - 1) * size)).unwrap();
        f.write_all(&vec![0x5a; size as usize]).unwrap();
    }
    drop(f);
    let (mut s, rec) = Screener::recover(&path, Region::KR).unwrap();
    assert!(rec.moved_to.is_some(), "the damaged file was moved aside: {rec:?}");
    assert_eq!(s.paused_until().unwrap(), Some(T0 + 3600), "the pause survives");
    let rules = s.rules(List::Block).unwrap();
    let windowed = rules.iter().find(|r| r.pattern.to_string() == "+8210*").expect("the windowed rule");
    assert_eq!((windowed.window, windowed.sim.as_deref()), (Some(night), Some("work")));
    assert!(rules.iter().any(|r| r.pattern.to_string() == "type:voip" && r.label.as_deref() == Some("voip")));
    assert_eq!(seen(&s.screen(&at("070-1234-5678", T0))), (Action::Allow, vec!["paused"]));
    assert_eq!(s.screen(&at("070-1234-5678", T0 + 3600)).action, Action::Block, "the group rule, after the pause");
    s.resume().unwrap(); // the call below is in 2026, long before the pause's end
    let wed_night = Call { sim: Some("work"), ..local("010-2222-3333", "2026-12-02T23:00:00+09:00") };
    assert_eq!(s.screen(&wed_night).action, Action::Block, "the window and SIM");
}

// ---- item 5: per-SIM modes (rules per SIM are tested with windows above) ----

/// The unknown-caller, hidden and category actions and quiet hours limited to one SIM:
/// calls on another SIM, or that do not say, are not on it.
#[test]
fn modes_limited_to_a_sim() {
    let (_d, mut s) = screener();
    for (k, v) in [
        ("unknown", "block"),
        ("unknown.sim", "work"),
        ("hidden", "block"),
        ("hidden.sim", "work"),
        ("category.representative", "block"),
        ("category.sim", "work"),
        ("quiet.hours", "22:00-07:00"),
        ("quiet.sim", "personal"),
    ] {
        s.set_policy(k, v).unwrap();
    }
    let p = s.policy().unwrap();
    assert_eq!((p.unknown_sim.as_deref(), p.quiet_sim.as_deref()), (Some("work"), Some("personal")));
    let on = |raw: &str, t: &str, sim| Call { sim, ..local(raw, t) };
    let noon = "2026-12-02T12:00:00+09:00";
    let act = |s: &mut Screener, c: &Call| s.screen(c).action;
    assert_eq!(seen(&s.screen(&on("010-2222-3333", noon, Some("work")))), (Action::Block, vec!["unknown_caller"]));
    assert_eq!(act(&mut s, &on("010-2222-3333", noon, Some("personal"))), Action::Allow);
    assert_eq!(act(&mut s, &on("010-2222-3333", noon, None)), Action::Allow, "no SIM said: not on it");
    assert_eq!(act(&mut s, &on("", noon, Some("work"))), Action::Block);
    assert_eq!(act(&mut s, &on("", noon, Some("personal"))), Action::Allow);
    assert_eq!(act(&mut s, &on("1588-1234", noon, Some("work"))), Action::Block);
    assert_eq!(act(&mut s, &on("1588-1234", noon, Some("personal"))), Action::Warn, "the category's default");
    let night = "2026-12-02T23:00:00+09:00";
    assert_eq!(act(&mut s, &on("010-2222-3333", night, Some("personal"))), Action::Silence, "quiet on personal");
    assert_eq!(act(&mut s, &on("010-2222-3333", night, None)), Action::Allow);
    assert!(s.set_policy("quiet.sim", &"x".repeat(65)).is_err());
    s.set_policy("unknown.sim", "any").unwrap();
    assert_eq!(act(&mut s, &on("010-2222-3333", noon, None)), Action::Block, "every SIM again");
    // Kept in the file, and in a backup.
    let doc = s.export_backup().unwrap();
    assert!(doc.contains("\"quiet.sim\": \"personal\""), "{doc}");
}

/// The iOS Call Directory list holds what applies to every call at any hour: iOS never
/// says which SIM rings, nor asks the app at the call's time, so rules limited to a SIM or
/// to hours stay out (README, ios-sample/README.md).
#[test]
fn the_call_directory_leaves_out_rules_for_one_sim_or_some_hours() {
    use ringfence_core::RuleOptions;
    let (_d, mut s) = screener();
    let work = RuleOptions { sim: Some("work".into()), ..Default::default() };
    s.add_rule_with(List::Block, "070-1234-5678", &work).unwrap();
    s.add_rule_with(List::Block, "+82701234*", &work).unwrap();
    let hours = ringfence_core::Hours::parse("22:00-07:00").unwrap();
    let window = ringfence_core::Window { days: ringfence_core::Days::ALL, hours: Some(hours) };
    let night = RuleOptions { window: Some(window), ..Default::default() };
    s.add_rule_with(List::Block, "070-1234-5679", &night).unwrap();
    s.add_rule(List::Block, "070-1111-2222", None).unwrap();
    let dir = s.call_directory(ringfence_core::DirectoryKind::Blocking, None).unwrap();
    let listed: Vec<String> = dir.map(|e| e.unwrap().number.to_string()).collect();
    assert_eq!(listed, ["+827011112222"]);
}
