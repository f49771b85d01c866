//! Issue 13 item 8: backup and restore on real SQLite files. A round trip keeps every
//! setting; merge and replace do what they say; a corrupt, hostile or newer document is
//! refused with the reason and changes nothing.

use ringfence_core::{
    Action, Call, Category, Days, Error, Hours, List, Region, RestoreMode, RuleOptions, Screener, Window,
};

/// Far in the future, so the wall clock never ends a rule or a pause during a test.
const T0: i64 = 4_000_000_000;

fn open(dir: &tempfile::TempDir, name: &str) -> Screener {
    Screener::open(dir.path().join(name), Region::KR).unwrap()
}

fn at(caller_id: &str, t: i64) -> Call<'_> {
    Call { caller_id, at: Some(t), utc_offset: Some(9 * 3600), ..Call::default() }
}

/// Everything a user sets, once each.
fn populate(s: &mut Screener) {
    let night = Window { days: Days::parse("mon-fri").unwrap(), hours: Some(Hours::parse("22:00-07:00").unwrap()) };
    let limited = RuleOptions {
        label: Some("night, work SIM".into()),
        window: Some(night),
        sim: Some("work".into()),
        until: None,
    };
    s.add_rule_with(List::Block, "+8210*", &limited).unwrap();
    s.add_rule(List::Block, "type:premium_rate", Some("premium")).unwrap();
    s.add_rule(List::Allow, "010-1111-2222", Some("Mum")).unwrap();
    s.add_rule_until(List::Allow, "010-3333-4444", Some("plumber"), Some(T0 + 7200)).unwrap();
    s.add_contact("010-5555-6666").unwrap();
    s.set_policy("unknown", "silence").unwrap();
    s.set_policy("quiet.hours", "23:00-06:00").unwrap();
    s.set_policy("category.telemarketing", "block").unwrap();
    s.pause(T0 + 60).unwrap();
    s.report("070-9999-8888", Category::Scam, Some("fake bank")).unwrap();
    let uploaded = s.report("070-9999-7777", Category::Robocall, None).unwrap();
    s.mark_reports_uploaded(&[uploaded.id]).unwrap();
}

/// The document without its creation time, for comparing two exports.
fn content(s: &mut Screener) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(&s.export_backup().unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("created_at");
    v
}

#[test]
fn a_round_trip_keeps_every_setting() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir, "a.db");
    populate(&mut a);
    let doc = a.export_backup().unwrap();
    let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
    assert_eq!((v["format"].as_str(), v["version"].as_u64()), (Some("ringfence-backup"), Some(1)));
    assert_eq!(v["rules"].as_array().unwrap().len(), 4);
    assert_eq!(v["reports"].as_array().unwrap().len(), 1, "only the report not yet uploaded");
    assert_eq!(v["pause_until"], T0 + 60);
    let limited = v["rules"].as_array().unwrap().iter().find(|r| r["pattern"] == "+8210*").unwrap();
    assert_eq!(
        (limited["between"].as_str(), limited["days"].as_str(), limited["sim"].as_str()),
        (Some("22:00-07:00"), Some("mon-fri"), Some("work"))
    );

    let mut b = open(&dir, "b.db");
    let r = b.import_backup(doc.as_bytes(), RestoreMode::Replace).unwrap();
    assert_eq!((r.rules, r.contacts, r.reports, r.paused), (4, 1, 1, true));
    assert_eq!(content(&mut b), content(&mut a), "export -> import -> export is the same document");
    let key =
        |s: &Screener| s.pending_reports(10).unwrap().iter().map(|r| r.idempotency_key.clone()).collect::<Vec<_>>();
    assert_eq!(key(&b), key(&a), "the same idempotency key: the server counts the report once");
    // The restored phone decides as the first one, and keeps it after reopening.
    let calls = ["010-2222-3333", "060-123-4567", "010-1111-2222", "010-5555-6666", "", "070-9999-8888"];
    let when = [T0, T0 + 120, 1_796_223_600 /* 2026-12-02T23:00+09:00, a Wednesday */];
    for t in when {
        for n in calls {
            assert_eq!(b.screen(&at(n, t)), a.screen(&at(n, t)), "{n:?} at {t}");
        }
    }
    drop(b);
    let mut b = open(&dir, "b.db");
    assert_eq!(content(&mut b), content(&mut a));
    // After the pause (a call in 2026 is long before its end): the night rule on the work SIM.
    b.resume().unwrap();
    assert_eq!(b.screen(&Call { sim: Some("work"), ..at("010-2222-3333", 1_796_223_600) }).action, Action::Block);
}

#[test]
fn merge_adds_and_replace_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir, "a.db");
    a.add_rule(List::Block, "070-1234-5678", Some("from the backup")).unwrap();
    a.add_rule(List::Block, "cc:+86", None).unwrap();
    a.set_policy("hidden", "block").unwrap();
    let doc = a.export_backup().unwrap();

    let mut b = open(&dir, "b.db");
    b.add_rule(List::Block, "070-1234-5678", Some("old label")).unwrap();
    b.add_rule(List::Allow, "010-1111-2222", None).unwrap();
    b.add_contact("010-5555-6666").unwrap();
    b.set_policy("unknown", "warn").unwrap();
    b.report("070-9999-8888", Category::Scam, None).unwrap();
    let r = b.import_backup(doc.as_bytes(), RestoreMode::Merge).unwrap();
    assert_eq!(r.rules, 2);
    let labels: Vec<(String, Option<String>)> =
        b.rules(List::Block).unwrap().into_iter().map(|r| (r.pattern.to_string(), r.label)).collect();
    assert_eq!(labels, [("+827012345678".into(), Some("from the backup".into())), ("cc:+86".into(), None)]);
    assert_eq!(b.rules(List::Allow).unwrap().len(), 1, "merge keeps the phone's own rules");
    let p = b.policy().unwrap();
    assert_eq!((p.hidden_action, p.unknown_action), (Action::Block, Action::Warn), "both settings");
    assert_eq!(b.screen(&at("010-5555-6666", T0)).reasons.iter().next().map(|r| r.as_str()), Some("contact"));

    b.import_backup(doc.as_bytes(), RestoreMode::Replace).unwrap();
    assert_eq!(b.rules(List::Allow).unwrap().len(), 0, "replace drops the phone's rules");
    let p = b.policy().unwrap();
    assert_eq!((p.hidden_action, p.unknown_action), (Action::Block, Action::Allow), "and its settings");
    assert_eq!(b.screen(&at("010-5555-6666", T0)).action, Action::Allow);
    assert!(b.screen(&at("010-5555-6666", T0)).reasons.is_empty(), "no contact any more");
    assert_eq!(b.pending_reports(10).unwrap().len(), 1, "queued reports are never dropped");
}

#[test]
fn ended_rules_and_pauses_are_not_restored() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir, "a.db");
    a.add_rule_until(List::Block, "070-1234-5678", None, Some(T0)).unwrap();
    a.pause(T0).unwrap();
    let doc = a.export_backup().unwrap().replace(&T0.to_string(), "1000");
    let mut b = open(&dir, "b.db");
    let r = b.import_backup(doc.as_bytes(), RestoreMode::Merge).unwrap();
    assert_eq!((r.rules, r.rules_ended, r.paused), (0, 1, false));
    assert!(b.rules(List::Block).unwrap().is_empty() && b.paused_until().unwrap().is_none());
}

/// Corrupt, hostile and newer documents: each refused with its reason, nothing changed.
#[test]
fn bad_documents_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir, "a.db");
    populate(&mut a);
    let good = a.export_backup().unwrap();
    let mut b = open(&dir, "b.db");
    b.add_rule(List::Block, "02-123-4567", Some("mine")).unwrap();
    b.set_policy("hidden", "silence").unwrap();
    let before = content(&mut b);
    let v: serde_json::Value = serde_json::from_str(&good).unwrap();
    let with = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut d = v.clone();
        f(&mut d);
        d.to_string()
    };
    let last_rule = |d: &mut serde_json::Value, field: &str, value: serde_json::Value| {
        let rules = d["rules"].as_array_mut().unwrap();
        let n = rules.len();
        rules[n - 1][field] = value;
    };
    let cases: Vec<(String, &str)> = vec![
        (good[..good.len() / 2].to_string(), "EOF"),
        ("".into(), "not a backup"),
        ("[1, 2, 3]".into(), "not a backup"),
        ("{\"format\": \"something-else\", \"version\": 1}".into(), "not a ringfence backup"),
        (with(&|d| d["version"] = 2.into()), "newer ringfence (backup version 2, this build reads 1)"),
        (with(&|d| d["version"] = 0.into()), "no valid \"version\""),
        (with(&|d| d["extra"] = "x".into()), "unknown field `extra`"),
        (with(&|d| d["home_region"] = "XX".into()), "unknown home_region"),
        (with(&|d| last_rule(d, "pattern", "112".into())), "emergency number"),
        (with(&|d| last_rule(d, "pattern", "hello*".into())), "is not a number, prefix or group"),
        (with(&|d| last_rule(d, "list", "maybe".into())), "neither allow nor block"),
        (with(&|d| last_rule(d, "between", "25:00-07:00".into())), "no time window"),
        (with(&|d| last_rule(d, "sim", "x".repeat(65).into())), "SIM identifier"),
        (with(&|d| d["contacts"] = serde_json::json!(["+821055556666", "call me"])), "contact 2"),
        (with(&|d| d["policy"]["threshold.block"] = "-1".into()), "setting \"threshold.block\""),
        (with(&|d| d["policy"]["colour"] = "red".into()), "setting \"colour\""),
        (with(&|d| d["reports"][0]["idempotency_key"] = "zz".into()), "32 hex digits"),
        (with(&|d| d["reports"][0]["category"] = "awful".into()), "unknown category"),
        (with(&|d| d["rules"][0]["label"] = 7.into()), "invalid type"),
        (format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)), "not a backup"),
        (
            format!("{{\"format\":\"ringfence-backup\",\"version\":1,\"x\":\"{}\"}}", "a".repeat(17 << 20)),
            "larger than",
        ),
    ];
    for (doc, why) in &cases {
        for mode in [RestoreMode::Merge, RestoreMode::Replace] {
            let e = b.import_backup(doc.as_bytes(), mode).expect_err(why);
            assert!(matches!(e, Error::BadBackup { .. }), "{why}: {e:?}");
            let msg = e.to_string();
            assert!(msg.contains(why) && msg.ends_with("nothing was changed"), "{why}: {msg}");
        }
        assert_eq!(content(&mut b), before, "{why}: the store changed");
    }
    // The good document still restores.
    b.import_backup(good.as_bytes(), RestoreMode::Merge).unwrap();
    assert_eq!(b.rules(List::Block).unwrap().len(), 3);
}
