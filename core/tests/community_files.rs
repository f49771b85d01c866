//! Applying signed community files (`Screener::apply_community_files`, the same path
//! `sync` takes after downloading): verification, ordering, pinning, all or nothing.

use ringfence_core::wire::{self, Entry, Header, Kind, Payload, SigningKey};
use ringfence_core::{Action, Call, Category, Error, Format, Region, Screener};

const NOW: i64 = 1_795_000_000;

fn file(key: &SigningKey, kind: Kind, version: u64, entries: &[(u64, f64)], deletions: &[u64]) -> Vec<u8> {
    let header = Header {
        kind,
        key_id: [0; 8],
        version,
        base_version: if kind == Kind::Delta { version - 1 } else { 0 },
        created_at: NOW,
        half_life_secs: 0,
        entries: 0,
        deletions: 0,
    };
    let entries = entries
        .iter()
        .map(|&(key, score)| Entry { key, category: Category::Scam, score, last_activity: NOW - 3600, disputed: false })
        .collect();
    wire::encode(&Payload { header, entries, deletions: deletions.to_vec() }, key).unwrap()
}

fn action(s: &mut Screener, n: &str) -> Action {
    s.screen(&Call { caller_id: n, at: Some(NOW), ..Call::default() }).action
}

#[test]
fn snapshot_then_deltas_with_pinning_ordering_and_all_or_nothing() {
    let key = SigningKey::from_bytes(&[1; 32]);
    let vk = key.verifying_key();
    let mut s = Screener::open_in_memory(Region::KR).unwrap();
    // A user import lives beside the server's rows and survives a snapshot.
    s.import(Format::Csv, "+821011112222,robocall,9\n".as_bytes()).unwrap();

    let snap = file(&key, Kind::Snapshot, 3, &[(821055550001, 3.0), (821055550002, 6.0)], &[]);
    let sum = s.apply_community_files(&vk, &[&snap]).unwrap();
    assert_eq!((sum.to_version, sum.upserted, sum.snapshot), (3, 2, true));
    assert_eq!(sum.pinned_key.as_deref(), Some(wire::hex(vk.as_bytes()).as_str()));
    assert_eq!(action(&mut s, "010-5555-0001"), Action::Warn);
    assert_eq!(action(&mut s, "010-5555-0002"), Action::Block);

    // A delta that does not follow on from version 3, a tampered one, an older snapshot,
    // another key: all refused, nothing changes.
    let d5 = file(&key, Kind::Delta, 5, &[(821055550003, 9.0)], &[]);
    assert!(matches!(s.apply_community_files(&vk, &[&d5]), Err(Error::BadResponse { .. })));
    let mut d4 = file(&key, Kind::Delta, 4, &[(821055550003, 9.0)], &[821055550002]);
    let good_d4 = d4.clone();
    let last = d4.len() - 1;
    d4[last] ^= 1;
    assert!(matches!(s.apply_community_files(&vk, &[&d4]), Err(Error::BadPayload { .. })));
    let old = file(&key, Kind::Snapshot, 2, &[], &[]);
    assert!(matches!(s.apply_community_files(&vk, &[&old]), Err(Error::RollbackRefused { local: 3, offered: 2 })));
    let other = SigningKey::from_bytes(&[2; 32]);
    let forged = file(&other, Kind::Delta, 4, &[(821055550003, 9.0)], &[]);
    assert!(matches!(s.apply_community_files(&other.verifying_key(), &[&forged]), Err(Error::KeyChanged { .. })));
    // A good delta followed by a bad one: the good one is not applied either.
    assert!(s.apply_community_files(&vk, &[&good_d4, &d4]).is_err());
    assert_eq!(s.sync_version().unwrap(), 3);
    assert_eq!(action(&mut s, "010-5555-0002"), Action::Block);
    assert_eq!(action(&mut s, "010-5555-0003"), Action::Allow);

    // In order: the delta deletes one and adds one.
    let d5 = file(&key, Kind::Delta, 5, &[(821055550004, 2.0)], &[]);
    let sum = s.apply_community_files(&vk, &[&good_d4, &d5]).unwrap();
    assert_eq!((sum.from_version, sum.to_version, sum.deltas, sum.upserted, sum.deleted), (3, 5, 2, 2, 1));
    assert_eq!(action(&mut s, "010-5555-0002"), Action::Allow);
    assert_eq!(action(&mut s, "010-5555-0003"), Action::Block);

    // A new snapshot replaces the server's rows, not the import.
    let snap = file(&key, Kind::Snapshot, 9, &[(821055550009, 5.0)], &[]);
    s.apply_community_files(&vk, &[&snap]).unwrap();
    assert_eq!(action(&mut s, "010-5555-0003"), Action::Allow);
    assert_eq!(action(&mut s, "010-5555-0009"), Action::Block);
    assert_eq!(action(&mut s, "010-1111-2222"), Action::Block, "the user's import stays");
}
