//! The iOS Call Directory export: ascending, complete, consistent with screening.

use ringfence_core::{Call, Category, DirectoryKind, List, Region, Screener, E164};

fn entries(s: &mut Screener, kind: DirectoryKind, after: Option<E164>) -> Vec<(u64, Option<String>)> {
    s.call_directory(kind, after).unwrap().map(|e| e.unwrap()).map(|e| (e.number.as_u64(), e.label)).collect()
}

fn setup() -> Screener {
    let mut s = Screener::open_in_memory(Region::KR).unwrap();
    s.set_policy("decay.half-life-days", "0").unwrap();
    s.add_rule(List::Block, "1588-12*", Some("promo")).unwrap(); // 100 numbers
    s.add_rule(List::Block, "010-9999-8888", None).unwrap();
    s.add_rule(List::Allow, "1588-1234", None).unwrap(); // punches a hole in the prefix
    s.report("02-555-0000", Category::Scam, None).unwrap();
    let csv = "010-1000-0001,scam,9\n010-1000-0002,telemarketing,3\n010-1000-0003,robocall,1\n1588-1250,scam,20\n";
    s.import(ringfence_core::Format::Csv, csv.as_bytes()).unwrap();
    s
}

#[test]
fn blocking_list_is_ascending_and_matches_screening() {
    let mut s = setup();
    let list = entries(&mut s, DirectoryKind::Blocking, None);
    let numbers: Vec<u64> = list.iter().map(|e| e.0).collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "strictly ascending, no duplicates");
    // 100 from the prefix, minus the allowed one; the exact block; the report; the community block.
    assert_eq!(numbers.len(), 99 + 1 + 1 + 1);
    assert!(numbers.contains(&8215881250) && !numbers.contains(&8215881234));
    assert!(numbers.contains(&821099998888) && numbers.contains(&8225550000) && numbers.contains(&821010000001));
    // Every exported number is blocked by the screener, and a sample outside is not.
    for n in &numbers {
        let d = s.screen(&Call::new(&format!("+{n}")));
        assert_eq!(d.action, ringfence_core::Action::Block, "+{n}");
    }
    assert!(!numbers.contains(&821010000002), "warn-level community numbers are not blocked");
}

#[test]
fn identification_list_labels_warnings() {
    let mut s = setup();
    let list = entries(&mut s, DirectoryKind::Identification, None);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].0, 821010000002);
    assert!(list[0].1.as_deref().unwrap().starts_with("Telemarketing"));
}

#[test]
fn batches_resume_after_the_last_number() {
    let mut s = setup();
    let all = entries(&mut s, DirectoryKind::Blocking, None);
    let mut resumed = Vec::new();
    let mut after = None;
    loop {
        let batch: Vec<_> =
            s.call_directory(DirectoryKind::Blocking, after).unwrap().take(7).map(|e| e.unwrap()).collect();
        let Some(last) = batch.last() else { break };
        after = Some(last.number);
        resumed.extend(batch.into_iter().map(|e| (e.number.as_u64(), e.label)));
    }
    assert_eq!(resumed, all);
}

#[test]
fn huge_prefixes_are_left_out_and_reported() {
    let mut s = Screener::open_in_memory(Region::KR).unwrap();
    s.add_rule(List::Block, "070*", None).unwrap();
    s.add_rule(List::Block, "010-1234-567*", None).unwrap();
    let dir = s.call_directory(DirectoryKind::Blocking, None).unwrap();
    let skipped = dir.skipped_prefixes.clone();
    let n = dir.count();
    assert_eq!(n, 11, "010-1234-567 itself (old 10-digit format) and ten 11-digit numbers");
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].0.to_string(), "+8270*");
}

#[test]
fn emergency_numbers_never_exported_even_if_the_community_lists_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.db");
    let mut s = Screener::open(&path, Region::KR).unwrap();
    // Importers and reports refuse emergency numbers; a bad server could still send one.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("INSERT INTO community (number, source, category, votes, last_activity) VALUES (82112, 1, 5, 1000.0, strftime('%s','now')), (821012345678, 1, 5, 1000.0, strftime('%s','now'))", []).unwrap();
    let numbers: Vec<u64> = entries(&mut s, DirectoryKind::Blocking, None).into_iter().map(|e| e.0).collect();
    assert_eq!(numbers, [821012345678]);
    assert_eq!(s.screen(&Call::new("112")).action, ringfence_core::Action::Allow);
}
