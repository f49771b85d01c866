//! Damaged databases through the wrapper: `open` says `Corrupt`, `openOrFallback` screens
//! and refuses writes with `Degraded`, `recover` repairs the file in place. The same
//! scenarios as tests/kotlin/RecoveryTests.kt and tests/swift/RecoveryTests.swift, which
//! damage the file the same way: garbage over the page that holds a known label, or over
//! the header.

use ringfence_ffi::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The number of block rules besides the known prefix; their labels are `victim-NNNN`.
const VICTIMS: usize = 2000;

fn temp_db(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    (dir, path)
}

fn open(path: &Path) -> Result<Arc<Screener>, RingfenceError> {
    Screener::open(path.display().to_string(), "KR".into())
}

fn open_or_fallback(path: &Path) -> Arc<Screener> {
    Screener::open_or_fallback(path.display().to_string(), "KR".into()).unwrap()
}

/// A real file: the known prefix rule, 2000 block rules, an allow rule, a contact, a
/// report, a setting and a screened call; closed, so everything is in the main file.
fn make_database(path: &Path) {
    let s = open(path).unwrap();
    s.add_rule(RuleList::Block, "+8270*".into(), Some("VoIP spam".into()), None, None, None, None).unwrap();
    let victims = (0..VICTIMS)
        .map(|i| RuleInput {
            pattern: format!("+1 202 555 {i:04}"),
            label: Some(format!("victim-{i:04}")),
            until: None,
            between: None,
            days: None,
            sim: None,
        })
        .collect();
    assert_eq!(s.add_rules(RuleList::Block, victims).unwrap(), VICTIMS as u64);
    s.add_rule(RuleList::Allow, "010-5555-0000".into(), Some("plumber".into()), None, None, None, None).unwrap();
    s.add_contact("010-7777-7777".into()).unwrap();
    s.report_spam("010-2222-3333".into(), Category::Scam, None).unwrap();
    s.set_policy("threshold.block".into(), "4".into()).unwrap();
    s.screen_and_record("1588-1234".into(), None, false, None, None, None, None).unwrap();
    drop(s);
    assert!(!PathBuf::from(format!("{}-wal", path.display())).exists(), "the WAL outlived the last connection");
}

/// Garbage (xorshift32 from a fixed seed) over the bytes `[from, to)`.
fn garbage(bytes: &mut [u8], from: usize, to: usize) {
    let mut x: u32 = 0x2545_F491;
    for b in &mut bytes[from..to] {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *b = x as u8;
    }
}

/// Overwrites every page that holds `needle` with garbage; returns how many.
fn damage_pages_holding(path: &Path, needle: &str) -> usize {
    let mut bytes = std::fs::read(path).unwrap();
    let page = match u16::from_be_bytes([bytes[16], bytes[17]]) {
        1 => 65536,
        n => n as usize,
    };
    let mut damaged = 0;
    for start in (0..bytes.len()).step_by(page) {
        let end = (start + page).min(bytes.len());
        if bytes[start..end].windows(needle.len()).any(|w| w == needle.as_bytes()) {
            garbage(&mut bytes, start, end);
            damaged += 1;
        }
    }
    std::fs::write(path, bytes).unwrap();
    damaged
}

fn damage_header(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    garbage(&mut bytes, 0, 100);
    std::fs::write(path, bytes).unwrap();
}

/// What every screener does, whatever state its file is in.
fn screens_safely(s: &Screener) {
    let d = s.screen("112".into(), None, false, None, None, None, None).unwrap();
    assert_eq!((d.action, d.category), (Action::Allow, Category::Emergency));
    assert_eq!(s.screen("010-1234-5678".into(), None, false, None, None, None, None).unwrap().action, Action::Allow);
}

fn expect_degraded(r: Result<impl std::fmt::Debug, RingfenceError>, path: &Path, what: &str) {
    match r {
        Err(RingfenceError::Degraded { path: p, why }) => {
            assert_eq!(p, path.display().to_string(), "{what}");
            assert!(!why.is_empty(), "{what}");
        }
        other => panic!("{what}: expected Degraded, got {other:?}"),
    }
}

#[test]
fn a_damaged_rules_page() {
    let (_dir, path) = temp_db("ringfence.db");
    make_database(&path);
    assert_eq!(damage_pages_holding(&path, "victim-1000"), 1);

    match open(&path) {
        Err(e @ RingfenceError::Corrupt { .. }) => {
            let RingfenceError::Corrupt { path: p, .. } = &e else { unreachable!() };
            assert_eq!(*p, path.display().to_string());
            assert!(e.to_string().contains(&path.display().to_string()), "{e}");
        }
        other => panic!("expected Corrupt, got {:?}", other.map(|_| ())),
    }

    let s = open_or_fallback(&path);
    let why = s.degraded().unwrap().expect("a stand-in says why");
    assert!(why.contains("damaged"), "{why}");
    screens_safely(&s);
    // The salvaged block list: the prefix, and victims on the pages that were not hit.
    let d = s.screen("070-1234-5678".into(), None, false, None, None, None, None).unwrap();
    assert_eq!((d.action, d.label.as_deref()), (Action::Block, Some("VoIP spam")));
    assert_eq!(s.screen("+1 202 555 0000".into(), None, false, None, None, None, None).unwrap().action, Action::Block);
    assert_eq!(s.screen("+1 202 555 1000".into(), None, false, None, None, None, None).unwrap().action, Action::Allow);
    let salvaged = s.rules(RuleList::Block).unwrap().len();
    assert!(salvaged > VICTIMS / 2 && salvaged < VICTIMS + 1, "{salvaged} block rules salvaged");
    expect_degraded(s.add_rule(RuleList::Block, "+8260*".into(), None, None, None, None, None), &path, "addRule");
    expect_degraded(s.report_spam("010-3333-4444".into(), Category::Scam, None), &path, "reportSpam");
    expect_degraded(s.set_policy("hidden".into(), "block".into()), &path, "setPolicy");
    expect_degraded(
        s.screen_and_record("010-1234-5678".into(), None, false, None, None, None, None),
        &path,
        "screenAndRecord",
    );

    let r = s.recover().unwrap();
    let moved = r.moved_to.clone().expect("moved aside");
    assert!(moved.starts_with(&format!("{}.corrupt-", path.display())), "{moved}");
    assert!(Path::new(&moved).is_file());
    assert_eq!(r.rules as usize, salvaged + 1, "{r:?}"); // and the allow rule
    assert_eq!(r.incomplete, ["rules"], "{r:?}");
    assert_eq!((r.contacts, r.reports, r.history, r.settings), (1, 1, 1, 1), "{r:?}");
    // The same object now works on the fresh file.
    assert_eq!(s.degraded().unwrap(), None);
    assert_eq!(s.screen("070-1234-5678".into(), None, false, None, None, None, None).unwrap().action, Action::Block);
    assert!(
        s.add_rule(RuleList::Block, "+8260*".into(), Some("premium".into()), None, None, None, None).unwrap().is_new
    );
    assert_eq!(s.screen("060-123-4567".into(), None, false, None, None, None, None).unwrap().action, Action::Block);
    assert_eq!(s.pending_report_count().unwrap(), 1);
    assert_eq!(s.policy().unwrap().block_threshold, 4.0);
    drop(s);
    let again = open(&path).unwrap();
    assert_eq!(again.rules(RuleList::Block).unwrap().len(), salvaged + 1);
    assert_eq!(again.recover().unwrap(), Recovery::default(), "a sound file is left alone");
}

#[test]
fn a_destroyed_header() {
    let (_dir, path) = temp_db("ringfence.db");
    make_database(&path);
    damage_header(&path);
    assert!(matches!(open(&path), Err(RingfenceError::Corrupt { path: p, .. }) if p == path.display().to_string()));
    let s = open_or_fallback(&path);
    assert!(s.degraded().unwrap().is_some());
    screens_safely(&s);
    // Nothing could be read: an ordinary screener without lists.
    assert_eq!(s.screen("070-1234-5678".into(), None, false, None, None, None, None).unwrap().action, Action::Allow);
    expect_degraded(s.add_rule(RuleList::Block, "+8270*".into(), None, None, None, None, None), &path, "addRule");
    let r = s.recover().unwrap();
    assert!(r.moved_to.is_some());
    assert_eq!(r.rules, 0);
    assert_eq!(r.incomplete, ["rules", "contacts", "reports", "history", "settings"]);
    assert!(s.add_rule(RuleList::Block, "+8270*".into(), None, None, None, None, None).unwrap().is_new);
    assert_eq!(s.screen("070-1234-5678".into(), None, false, None, None, None, None).unwrap().action, Action::Block);
}

#[test]
fn sound_files_and_memory_are_left_alone() {
    let (_dir, path) = temp_db("ringfence.db");
    make_database(&path);
    let s = open_or_fallback(&path);
    assert_eq!(s.degraded().unwrap(), None);
    assert_eq!(s.recover().unwrap(), Recovery::default());
    assert_eq!(s.rules(RuleList::Block).unwrap().len(), VICTIMS + 1);
    assert!(s.add_rule(RuleList::Block, "+8260*".into(), None, None, None, None, None).unwrap().is_new);
    let m = Screener::open_in_memory("KR".into()).unwrap();
    assert_eq!(m.recover().unwrap(), Recovery::default());
    assert!(matches!(
        Screener::open_or_fallback(path.display().to_string(), "ZZ".into()),
        Err(RingfenceError::UnknownRegion { .. })
    ));
}

/// A file with one block rule and 300 history entries, some of whose pages are damaged:
/// it opens (the history is not read at open), but its history cannot be read.
fn damaged_history() -> (tempfile::TempDir, PathBuf) {
    let (dir, path) = temp_db("ringfence.db");
    let s = open(&path).unwrap();
    s.add_rule(RuleList::Block, "+8270*".into(), Some("VoIP spam".into()), None, None, None, None).unwrap();
    for i in 0..300 {
        s.screen_and_record(format!("history-{i:04} +1 202 555 {i:04}"), None, false, None, None, None, None).unwrap();
    }
    drop(s);
    assert!(damage_pages_holding(&path, "history-0150") >= 1);
    (dir, path)
}

/// A file that opens (the damage is in the history, which is not read at open) and is
/// repaired while this screener has it open: `recover` closes its own connection before
/// the file moves, so what it writes to the fresh file stays there.
#[test]
fn recover_a_file_this_screener_has_open() {
    let (_dir, path) = damaged_history();
    let s = open(&path).unwrap();
    assert_eq!(s.degraded().unwrap(), None);
    assert!(s.history(1000).is_err(), "the damaged history should fail to read");
    let r = s.recover().unwrap();
    assert!(r.moved_to.is_some());
    assert_eq!(r.incomplete, ["history"]);
    assert_eq!(r.rules, 1);
    assert!(s.add_rule(RuleList::Block, "+8260*".into(), None, None, None, None, None).unwrap().is_new);
    assert!(s.history(1000).unwrap().len() < 300);
    drop(s);
    let s = open(&path).unwrap();
    assert_eq!(s.rules(RuleList::Block).unwrap().len(), 2, "the rule added after recover is in the file");
}

/// Another screener on the same file (another process, in the app: the iOS extension)
/// while one repairs it: it goes on with the moved file (its writes land there, not in
/// the fresh database) until it is reopened, and closing it does not disturb the fresh
/// database (SQLite sees the file was moved and neither checkpoints into nor deletes
/// `<path>-wal` / `-shm`, which are now the fresh database's).
#[test]
fn another_screener_keeps_the_moved_file_until_reopened() {
    let (_dir, path) = damaged_history();
    let other = open(&path).unwrap();
    let s = open(&path).unwrap();
    assert_eq!(
        other.screen("070-1234-5678".into(), None, false, None, None, None, None).unwrap().action,
        Action::Block
    );
    let moved = s.recover().unwrap().moved_to.expect("moved aside");
    assert!(s.add_rule(RuleList::Block, "+8260*".into(), None, None, None, None, None).unwrap().is_new);
    // The other screener still works, on the moved file.
    assert!(other.add_rule(RuleList::Block, "+8250*".into(), None, None, None, None, None).unwrap().is_new);
    let patterns = |s: &Screener| s.rules(RuleList::Block).unwrap().into_iter().map(|r| r.pattern).collect::<Vec<_>>();
    assert_eq!(patterns(&other), ["+8250*", "+8270*"]);
    assert_eq!(patterns(&s), ["+8260*", "+8270*"]);
    drop(other);
    let wal = format!("{}-wal", path.display());
    assert!(Path::new(&wal).exists(), "closing the other screener deleted the fresh database's WAL");
    assert!(s.add_rule(RuleList::Block, "+8240*".into(), None, None, None, None, None).unwrap().is_new);
    drop(s);
    assert_eq!(patterns(&open(&path).unwrap()), ["+8240*", "+8260*", "+8270*"]);
    // The moved file has the other screener's write (for a specialist).
    let old = Screener::open_or_fallback(moved, "KR".into()).unwrap();
    assert!(patterns(&old).contains(&"+8250*".to_string()));
}
