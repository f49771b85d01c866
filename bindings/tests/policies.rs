//! Issue 13 items 1, 2, 3 and 4 through the wrapper: the same scenarios as
//! tests/kotlin/PolicyTests.kt and tests/swift/PolicyTests.swift. Every call at an
//! explicit time, far in the future, so the wall clock never ends a rule or a pause.

use ringfence_ffi::*;

const T0: i64 = 4_000_000_000;

fn screen(s: &Screener, n: &str, at: i64) -> (Action, Vec<Reason>) {
    let d = s.screen(n.into(), None, false, Some(at), None, None, None).unwrap();
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
    let rec = |at: i64| s.screen_and_record("010-2222-3333".into(), None, false, Some(at), None, None, None).unwrap();
    assert_eq!(rec(T0).action, Action::Silence);
    assert_eq!(rec(T0 + 10).action, Action::Silence, "a redial 10 s later");
    let d = rec(T0 + 60);
    assert_eq!((d.action, d.reasons), (Action::Allow, vec![Reason::UnknownCaller, Reason::RepeatedCaller]));
    assert!(s.history(10).unwrap().is_empty(), "history.limit 0");
    // screen, then record (the Android way) counts too.
    let d = s.screen("010-4444-5555".into(), None, false, Some(T0), None, None, None).unwrap();
    s.record("010-4444-5555".into(), d, Some(T0)).unwrap();
    assert_eq!(screen(&s, "010-4444-5555", T0 + 30).1, vec![Reason::UnknownCaller, Reason::RepeatedCaller]);
    assert_eq!(Reason::RepeatedCaller.code(), "repeated_caller");
}

#[test]
fn temporary_rules_and_the_pause() {
    let s = Screener::open_in_memory("KR".into()).unwrap();
    s.add_rule(RuleList::Block, "+8210*".into(), None, None, None, None, None).unwrap();
    let added = s
        .add_rule(RuleList::Allow, "010-2222-3333".into(), Some("plumber".into()), Some(T0), None, None, None)
        .unwrap();
    assert_eq!((added.is_new, added.rule.until), (true, Some(T0)));
    assert_eq!(s.rules(RuleList::Allow).unwrap()[0].until, Some(T0));
    assert_eq!(s.rules(RuleList::Block).unwrap()[0].until, None);
    assert_eq!(screen(&s, "010-2222-3333", T0 - 1), (Action::Allow, vec![Reason::AllowList]));
    assert_eq!(screen(&s, "010-2222-3333", T0), (Action::Block, vec![Reason::BlockList]));
    assert!(matches!(
        s.add_rule(RuleList::Block, "070-1111-2222".into(), None, Some(1), None, None, None),
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

/// Item 3: quiet hours and windowed, per-SIM rules, each call with its UTC offset;
/// 2026-12-02 is a Wednesday, Seoul is +09:00.
#[test]
fn quiet_hours_and_rules_limited_to_windows_and_sims() {
    const SEOUL: i32 = 9 * 3600;
    const WED_2330: i64 = 1_796_221_800; // 2026-12-02T23:30:00+09:00
    let s = Screener::open_in_memory("KR".into()).unwrap();
    let p = s.policy().unwrap();
    assert_eq!((p.quiet_hours.clone(), p.quiet_days.as_str(), p.quiet_action), (None, "daily", Action::Silence));
    s.set_policy("quiet.hours".into(), "22:00-07:00".into()).unwrap();
    let p = s.set_policy("quiet.days".into(), "mon-fri".into()).unwrap();
    assert_eq!((p.quiet_hours.as_deref(), p.quiet_days.as_str()), (Some("22:00-07:00"), "mon-fri"));
    let screen = |n: &str, at: i64, offset: Option<i32>, sim: Option<&str>| {
        let d = s.screen(n.into(), None, false, Some(at), None, offset, sim.map(String::from)).unwrap();
        (d.action, d.reasons)
    };
    assert_eq!(screen("010-2222-3333", WED_2330, Some(SEOUL), None), (Action::Silence, vec![Reason::QuietHours]));
    assert_eq!(screen("010-2222-3333", WED_2330, None, None).0, Action::Allow, "the same instant in UTC: 14:30");
    assert_eq!(screen("010-2222-3333", WED_2330 + 7 * 3600 + 1800, Some(SEOUL), None).0, Action::Allow, "07:00");
    assert_eq!(Reason::QuietHours.code(), "quiet_hours");

    let added = s
        .add_rule(
            RuleList::Block,
            "070-1234-5678".into(),
            None,
            None,
            Some("09:00-18:00".into()),
            Some("mon-fri".into()),
            Some("work".into()),
        )
        .unwrap()
        .rule;
    assert_eq!(
        (added.between.as_deref(), added.days.as_deref(), added.sim.as_deref()),
        (Some("09:00-18:00"), Some("mon-fri"), Some("work"))
    );
    let noon = WED_2330 - 11 * 3600 - 1800;
    assert_eq!(screen("070-1234-5678", noon, Some(SEOUL), Some("work")).0, Action::Block);
    assert_eq!(screen("070-1234-5678", noon, Some(SEOUL), Some("home")).0, Action::Allow);
    assert_eq!(screen("070-1234-5678", noon, Some(SEOUL), None).0, Action::Allow);
    let input = |between: Option<&str>, days: Option<&str>| RuleInput {
        pattern: "070-9999-0000".into(),
        label: None,
        until: Some(T0),
        between: between.map(String::from),
        days: days.map(String::from),
        sim: None,
    };
    assert_eq!(s.add_rules(RuleList::Block, vec![input(None, Some("sat,sun"))]).unwrap(), 1);
    let bulk = s.rules(RuleList::Block).unwrap().into_iter().find(|r| r.pattern == "+827099990000").unwrap();
    assert_eq!((bulk.until, bulk.between, bulk.days.as_deref()), (Some(T0), None, Some("sat,sun")));
    for (bad, argument) in [(input(Some("9-5"), None), "between"), (input(None, Some("someday")), "days")] {
        match s.add_rules(RuleList::Block, vec![bad]) {
            Err(RingfenceError::InvalidArgument { argument: a, .. }) => assert_eq!(a, argument),
            other => panic!("{argument}: {other:?}"),
        }
    }
    assert!(matches!(
        s.screen("010-2222-3333".into(), None, false, None, None, Some(19 * 3600), None),
        Err(RingfenceError::InvalidArgument { .. })
    ));
}

/// Item 7: `explain` names the deciding step, the rule with its window and SIM, and the
/// number as read; its decision is `screen`'s.
#[test]
fn explain_says_why() {
    const NOON_SEOUL: i64 = 1_796_180_400; // 2026-12-02T12:00:00+09:00, a Wednesday
    let s = Screener::open_in_memory("KR".into()).unwrap();
    s.add_rule(
        RuleList::Block,
        "070*".into(),
        Some("voip".into()),
        None,
        Some("09:00-18:00".into()),
        None,
        Some("work".into()),
    )
    .unwrap();
    let why = |n: &str, sim: Option<&str>| {
        s.explain(n.into(), None, false, Some(NOON_SEOUL), None, Some(9 * 3600), sim.map(String::from)).unwrap()
    };
    let e = why("070 1234 5678", Some("work"));
    let screened = s
        .screen("070 1234 5678".into(), None, false, Some(NOON_SEOUL), None, Some(9 * 3600), Some("work".into()))
        .unwrap();
    assert_eq!(e.decision, screened);
    assert_eq!((e.decision.action, e.local_time.as_deref()), (Action::Block, Some("wed 12:00")));
    let decided: Vec<&str> = e.steps.iter().filter(|s| s.decided).map(|s| s.step.as_str()).collect();
    assert_eq!(decided, ["block"]);
    let rule = e.rule.unwrap();
    assert_eq!(
        (rule.pattern.as_str(), rule.between.as_deref(), rule.sim.as_deref()),
        ("+8270*", Some("09:00-18:00"), Some("work"))
    );
    assert_eq!(
        (e.reading.kind.as_str(), e.reading.e164.as_deref(), e.reading.international.as_deref()),
        ("number", Some("+827012345678"), Some("+82 70-1234-5678"))
    );
    assert_eq!(e.reading.number_type.as_deref(), Some("voip"));
    let other = why("070 1234 5678", None);
    assert_eq!((other.decision.action, other.rule), (Action::Allow, None));
    assert!(other.steps.iter().any(|s| s.step == "block" && s.saw.starts_with("no block rule")));
    let bad = why("call me", None);
    assert_eq!((bad.reading.kind.as_str(), bad.reading.why.is_some()), ("malformed", true));
}

/// Item 6: groups as patterns through the wrapper.
#[test]
fn number_groups() {
    let s = Screener::open_in_memory("US".into()).unwrap();
    let foreign = s.add_rule(RuleList::Block, "region:foreign".into(), None, None, None, None, None).unwrap().rule;
    assert_eq!((foreign.pattern.as_str(), foreign.is_group, foreign.is_prefix), ("region:foreign", true, false));
    s.add_rule(RuleList::Allow, "region:JP".into(), None, None, None, None, None).unwrap();
    s.add_rule(RuleList::Block, "type:toll_free".into(), None, None, None, None, None).unwrap();
    let screen = |n: &str| s.screen(n.into(), None, false, Some(T0), None, None, None).unwrap();
    assert_eq!((screen("+44 20 7031 3000").action, screen("+81 3-1234-5678").action), (Action::Block, Action::Allow));
    assert_eq!(screen("(800) 555-0199").reasons, vec![Reason::BlockList]);
    assert_eq!(screen("(212) 555-0199").action, Action::Allow);
    assert!(matches!(
        s.add_rule(RuleList::Block, "cc:+999".into(), None, None, None, None, None),
        Err(RingfenceError::InvalidPattern { .. })
    ));
}

/// Item 8: exportBackup / importBackup round trip; a bad document is BadBackup and
/// changes nothing.
#[test]
fn backup_round_trip() {
    let a = Screener::open_in_memory("KR".into()).unwrap();
    a.add_rule(RuleList::Block, "070*".into(), Some("voip".into()), Some(T0), Some("09:00-18:00".into()), None, None)
        .unwrap();
    a.add_contact("010-5555-6666".into()).unwrap();
    a.set_policy("unknown".into(), "silence".into()).unwrap();
    let doc = a.export_backup().unwrap();
    let b = Screener::open_in_memory("KR".into()).unwrap();
    let r = b.import_backup(doc.clone(), true).unwrap();
    assert_eq!((r.rules, r.contacts, r.settings, r.paused), (1, 1, 1, false));
    let rule = &b.rules(RuleList::Block).unwrap()[0];
    assert_eq!(
        (rule.label.as_deref(), rule.until, rule.between.as_deref()),
        (Some("voip"), Some(T0), Some("09:00-18:00"))
    );
    assert_eq!(b.policy().unwrap().unknown_action, Action::Silence);
    let bad = doc.replace("\"version\": 1", "\"version\": 9");
    match b.import_backup(bad, false) {
        Err(RingfenceError::BadBackup { reason }) => assert!(reason.contains("newer ringfence"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(b.import_backup("{".into(), false), Err(RingfenceError::BadBackup { .. })));
    assert_eq!(b.rules(RuleList::Block).unwrap().len(), 1, "nothing changed");
}

/// Item 5: modes limited to one SIM through the wrapper.
#[test]
fn modes_limited_to_a_sim() {
    let s = Screener::open_in_memory("KR".into()).unwrap();
    s.set_policy("unknown".into(), "silence".into()).unwrap();
    let p = s.set_policy("unknown.sim".into(), "work".into()).unwrap();
    assert_eq!(p.unknown_sim.as_deref(), Some("work"));
    let on = |sim: Option<&str>| {
        s.screen("010-2222-3333".into(), None, false, Some(T0), None, None, sim.map(String::from)).unwrap().action
    };
    assert_eq!((on(Some("work")), on(Some("home")), on(None)), (Action::Silence, Action::Allow, Action::Allow));
}
