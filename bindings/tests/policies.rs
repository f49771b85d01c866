//! Issue 13 items 1, 2 and 4 through the wrapper: the same scenarios as
//! tests/kotlin/PolicyTests.kt and tests/swift/PolicyTests.swift. Every call at an
//! explicit time, far in the future, so the wall clock never ends a rule or a pause.

use ringfence_ffi::*;

const T0: i64 = 4_000_000_000;

fn screen(s: &Screener, n: &str, at: i64) -> (Action, Vec<Reason>) {
    let d = s.screen(n.into(), None, false, Some(at), None).unwrap();
    (d.action, d.reasons)
}

#[test]
fn unknown_caller_mode_and_numbers_called_out() {
    let s = Screener::open_in_memory("KR".into()).unwrap();
    let p = s.policy().unwrap();
    assert_eq!(
        (p.unknown_action, p.known_outgoing_days, p.repeat_calls, p.repeat_minutes, p.repeat_min_gap_seconds),
        (Action::Allow, 30, 2, 3, 20)
    );
    assert_eq!(screen(&s, "010-2222-3333", T0), (Action::Allow, vec![]));
    assert_eq!(s.set_policy("unknown".into(), "block".into()).unwrap().unknown_action, Action::Block);
    assert_eq!(screen(&s, "010-2222-3333", T0), (Action::Block, vec![Reason::UnknownCaller]));
    s.record_outgoing("010-2222-3333".into(), Some(T0), None).unwrap();
    assert_eq!(screen(&s, "010-2222-3333", T0 + 86_400), (Action::Allow, vec![]));
    assert_eq!(screen(&s, "010-2222-3333", T0 + 30 * 86_400).0, Action::Block);
    assert_eq!(Reason::UnknownCaller.code(), "unknown_caller");
    assert!(matches!(s.set_policy("repeat.calls".into(), "1".into()), Err(RingfenceError::BadSettingValue { .. })));
}

#[test]
fn repeated_callers_ring() {
    let s = Screener::open_in_memory("KR".into()).unwrap();
    s.set_policy("unknown".into(), "silence".into()).unwrap();
    s.set_policy("history.limit".into(), "0".into()).unwrap();
    let rec = |at: i64| s.screen_and_record("010-2222-3333".into(), None, false, Some(at), None).unwrap();
    assert_eq!(rec(T0).action, Action::Silence);
    assert_eq!(rec(T0 + 10).action, Action::Silence, "a redial 10 s later");
    let d = rec(T0 + 60);
    assert_eq!((d.action, d.reasons), (Action::Allow, vec![Reason::UnknownCaller, Reason::RepeatedCaller]));
    assert!(s.history(10).unwrap().is_empty(), "history.limit 0");
    // screen, then record (the Android way) counts too.
    let d = s.screen("010-4444-5555".into(), None, false, Some(T0), None).unwrap();
    s.record("010-4444-5555".into(), d, Some(T0)).unwrap();
    assert_eq!(screen(&s, "010-4444-5555", T0 + 30).1, vec![Reason::UnknownCaller, Reason::RepeatedCaller]);
    assert_eq!(Reason::RepeatedCaller.code(), "repeated_caller");
}

#[test]
fn temporary_rules_and_the_pause() {
    let s = Screener::open_in_memory("KR".into()).unwrap();
    s.add_rule(RuleList::Block, "+8210*".into(), None, None).unwrap();
    let added = s.add_rule(RuleList::Allow, "010-2222-3333".into(), Some("plumber".into()), Some(T0)).unwrap();
    assert_eq!((added.is_new, added.rule.until), (true, Some(T0)));
    assert_eq!(s.rules(RuleList::Allow).unwrap()[0].until, Some(T0));
    assert_eq!(s.rules(RuleList::Block).unwrap()[0].until, None);
    assert_eq!(screen(&s, "010-2222-3333", T0 - 1), (Action::Allow, vec![Reason::AllowList]));
    assert_eq!(screen(&s, "010-2222-3333", T0), (Action::Block, vec![Reason::BlockList]));
    assert!(matches!(
        s.add_rule(RuleList::Block, "070-1111-2222".into(), None, Some(1)),
        Err(RingfenceError::BadSettingValue { .. })
    ));

    assert_eq!(s.paused_until().unwrap(), None);
    s.pause(T0 + 3600).unwrap();
    assert_eq!(s.paused_until().unwrap(), Some(T0 + 3600));
    assert_eq!(screen(&s, "010-5555-6666", T0), (Action::Allow, vec![Reason::Paused]));
    assert_eq!(screen(&s, "", T0), (Action::Allow, vec![Reason::Paused]));
    assert_eq!(screen(&s, "112", T0), (Action::Allow, vec![Reason::Emergency]));
    assert_eq!(screen(&s, "010-5555-6666", T0 + 3600).0, Action::Block, "ended by itself");
    assert!(s.resume().unwrap());
    assert_eq!(s.paused_until().unwrap(), None);
    assert_eq!(screen(&s, "010-5555-6666", T0).0, Action::Block);
    assert!(matches!(s.pause(1), Err(RingfenceError::BadSettingValue { .. })));
    assert_eq!(Reason::Paused.code(), "paused");
}
