//! The Screener wrapper from Rust: the same scenarios the Kotlin and Swift tests run
//! through the generated bindings (tests/kotlin, tests/swift), checked here first.

use ringfence_ffi::*;
use std::sync::Arc;

fn kr() -> Arc<Screener> {
    Screener::open_in_memory("KR".into()).unwrap()
}

#[test]
fn representative_number_gets_its_label() {
    let s = kr();
    let d = s.screen("1588-1234".into(), None, false, None, None, None, None).unwrap();
    assert_eq!(d.action, Action::Warn);
    assert_eq!(d.category, Category::Representative);
    assert_eq!(d.label.as_deref(), Some("Representative number"));
    assert_eq!(d.reasons, vec![Reason::RepresentativeNumber]);
    assert_eq!(d.e164.as_deref(), Some("+8215881234"));
    assert_eq!(d.number_type, NumberType::Uan);
    assert_eq!(d.region.as_deref(), Some("KR"));
    println!("{d:?}");
}

#[test]
fn blocked_prefix_blocks() {
    let s = kr();
    let added = s.add_rule(RuleList::Block, "+8270*".into(), Some("VoIP spam".into()), None, None, None, None).unwrap();
    assert!(added.is_new);
    assert!(added.rule.is_prefix);
    assert_eq!(added.rule.pattern, "+8270*");
    let d = s.screen("070-1234-5678".into(), None, false, None, None, None, None).unwrap();
    assert_eq!(d.action, Action::Block);
    assert!(d.reasons.contains(&Reason::BlockList));
    println!("{d:?}");
    assert!(s.remove_rule(RuleList::Block, "070*".into()).unwrap());
    assert_eq!(s.screen("070-1234-5678".into(), None, false, None, None, None, None).unwrap().action, Action::Allow);
}

#[test]
fn allow_beats_community() {
    let s = kr();
    let csv = b"number,category,votes\n+821055550000,scam,50\n112,scam,50\n".to_vec();
    let sum = s.import_list_data(ListFormat::Csv, csv.clone()).unwrap();
    println!("{sum:?}");
    assert_eq!(sum.imported, 1);
    assert_eq!(sum.skipped.get(&SkipReason::EmergencyNumber), Some(&1));
    let d = s.screen("010-5555-0000".into(), None, false, None, None, None, None).unwrap();
    println!("{d:?}");
    assert_eq!(d.action, Action::Block);
    assert_eq!(d.category, Category::Scam);
    s.add_rule(RuleList::Allow, "010-5555-0000".into(), None, None, None, None, None).unwrap();
    let d = s.screen("010-5555-0000".into(), None, false, None, None, None, None).unwrap();
    assert_eq!(d.action, Action::Allow);
    assert_eq!(d.reasons, vec![Reason::AllowList]);
    assert!(matches!(s.import_list_data(ListFormat::Csv, csv), Err(RingfenceError::AlreadyImported { .. })));
}

#[test]
fn errors_are_typed() {
    let s = kr();
    let e = s.add_rule(RuleList::Block, "112".into(), None, None, None, None, None).unwrap_err();
    assert!(matches!(e, RingfenceError::EmergencyNumber { .. }), "{e:?}");
    println!("{e}");
    let e = s.add_rule(RuleList::Block, "hello*".into(), None, None, None, None, None).unwrap_err();
    assert!(matches!(e, RingfenceError::InvalidPattern { .. }), "{e:?}");
    println!("{e}");
    let e = s.set_policy("threshold.block".into(), "-1".into()).unwrap_err();
    assert!(matches!(e, RingfenceError::BadSettingValue { .. }), "{e:?}");
    println!("{e}");
    let e = s.import_list(ListFormat::Csv, "/nonexistent/list.csv".into()).unwrap_err();
    assert!(matches!(e, RingfenceError::Io { .. }), "{e:?}");
    println!("{e}");
    let e = s.call_directory_batch(DirectoryKind::Blocking, Some(-5), 10).unwrap_err();
    assert!(matches!(e, RingfenceError::InvalidArgument { .. }), "{e:?}");
    println!("{e}");
    let e = s.report_spam("call me maybe".into(), Category::Scam, None).unwrap_err();
    assert!(matches!(e, RingfenceError::InvalidNumber { .. }), "{e:?}");
    println!("{e}");
    let e = s.report_spam("010-1234-5678".into(), Category::Personal, None).unwrap_err();
    assert!(matches!(e, RingfenceError::UnknownCategory { .. }), "{e:?}");
    println!("{e}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.db");
    let e = Screener::open(path.to_string_lossy().into_owned(), "ZZ".into()).err().unwrap();
    assert!(matches!(e, RingfenceError::UnknownRegion { .. }), "{e:?}");
    let e = s.set_category_action(Category::Emergency, Some(Action::Block)).unwrap_err();
    assert!(matches!(e, RingfenceError::UnknownSetting { .. }), "{e:?}");
    println!("{e}");
}

#[test]
fn policy_round_trip() {
    let s = kr();
    let p = s.policy().unwrap();
    assert_eq!(p.warn_threshold, 2.0);
    assert!(p.category_actions.is_empty());
    let p = s.set_category_action(Category::Representative, Some(Action::Block)).unwrap();
    assert_eq!(p.category_actions.get(&Category::Representative), Some(&Action::Block));
    assert_eq!(s.screen("1588-1234".into(), None, false, None, None, None, None).unwrap().action, Action::Block);
    let p = s.set_category_action(Category::Representative, None).unwrap();
    assert!(p.category_actions.is_empty());
    let p = s.set_own_number(Some("010-9999-0000".into())).unwrap();
    assert_eq!(p.own_number.as_deref(), Some("+821099990000"));
    let settings = s.policy_settings().unwrap();
    assert!(settings.iter().any(|x| x.key == "own-number" && x.value == "+821099990000"));
    println!("{settings:?}");
}

#[test]
fn export_batches_ascend_and_resume() {
    let s = kr();
    s.add_rule(RuleList::Block, "+82701234*".into(), None, None, None, None, None).unwrap();
    s.add_rule(RuleList::Block, "+821011112222".into(), None, None, None, None, None).unwrap();
    let all = s.call_directory_batch(DirectoryKind::Blocking, None, 1_000_000).unwrap();
    assert_eq!(all.next_after, None);
    println!("{} entries, first {:?}", all.entries.len(), all.entries.first());
    let mut got = Vec::new();
    let mut after = None;
    loop {
        let b = s.call_directory_batch(DirectoryKind::Blocking, after, 999).unwrap();
        got.extend(b.entries.iter().cloned());
        match b.next_after {
            None => break,
            Some(n) => after = Some(n),
        }
    }
    assert_eq!(got, all.entries);
    assert!(got.windows(2).all(|w| w[0].number < w[1].number));
}

/// An import runs on its own connection: calls are screened while it runs, instead of
/// waiting behind it on the screener's lock. The list comes through a named pipe, so the
/// import is provably still running (reading the rest of the list) while 200 calls are
/// screened; it completes only when the test sends the rest. Were the import holding the
/// screener, the calls would wait for it, and the test would fail at its deadline.
#[cfg(unix)]
#[test]
fn screening_goes_on_during_an_import() {
    use std::io::Write;
    use std::sync::mpsc;
    use std::time::Duration;
    // A deadline so that a broken test ends instead of hanging; not a measurement.
    const WAIT: Duration = Duration::from_secs(60);
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("list.csv");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("run mkfifo");
    assert!(made.success(), "mkfifo {}", fifo.display());
    let s = Screener::open(dir.path().join("import.db").to_string_lossy().into_owned(), "KR".into()).unwrap();
    s.add_rule(RuleList::Block, "+8270*".into(), None, None, None, None, None).unwrap();
    let rows = |from: u32, to: u32| -> String {
        (from..to).map(|i| format!("+8210{:08},telemarketing,3\n", 20_000_000 + i)).collect()
    };
    let s = &s;
    let sum = std::thread::scope(|scope| {
        let path = fifo.to_string_lossy().into_owned();
        let importer = scope.spawn(move || s.import_list(ListFormat::Csv, path));
        // Opening the pipe waits for the importer to open its end: it is running now.
        let mut list = std::fs::OpenOptions::new().write(true).open(&fifo).expect("open the pipe");
        list.write_all(format!("number,category,votes\n{}", rows(0, 25_000)).as_bytes()).unwrap();

        let (tx, rx) = mpsc::channel();
        scope.spawn(move || {
            let blocked = (0..200).filter(|_| screen(s, "070-1234-5678").action == Action::Block).count();
            let _ = tx.send(blocked);
        });
        let blocked = rx.recv_timeout(WAIT);
        let running = !importer.is_finished();
        // The rest of the list, and the end of it: the import completes.
        list.write_all(rows(25_000, 50_000).as_bytes()).unwrap();
        drop(list);
        assert_eq!(blocked.expect("calls waited for the import"), 200, "every call screened meanwhile was blocked");
        assert!(running, "the import finished before the end of its list");
        importer.join().unwrap()
    });
    let sum = sum.unwrap();
    println!("{sum:?}");
    assert_eq!(sum.imported, 50_000);
    // The main connection sees the imported data once it is committed.
    assert_eq!(screen(s, "010-2000-0001").action, Action::Warn);
}

fn screen(s: &Screener, raw: &str) -> Decision {
    s.screen(raw.into(), None, false, None, None, None, None).unwrap()
}
