//! Property tests of the wire format: whatever the bytes, decoding never panics, and
//! whatever the listing, encoding then decoding gives it back (as quantised).

use proptest::prelude::*;
use ringfence_core::wire::{self, Entry, Header, Kind, Limits, Payload, SigningKey};
use ringfence_core::Category;

const NOW: i64 = 1_795_000_000;

fn key() -> SigningKey {
    SigningKey::from_bytes(&[5; 32])
}

fn payload(
    kind: Kind,
    keys: Vec<u64>,
    deletions: Vec<u64>,
    cats: Vec<u8>,
    scores: Vec<f64>,
    ages: Vec<i64>,
) -> Payload {
    let entries = keys
        .iter()
        .enumerate()
        .map(|(i, &k)| Entry {
            key: k,
            category: Category::from_code(4 + cats[i % cats.len()] % 11).unwrap(),
            score: scores[i % scores.len()],
            last_activity: NOW - ages[i % ages.len()],
            disputed: false,
        })
        .collect();
    let deletions =
        if kind == Kind::Delta { deletions.into_iter().filter(|d| !keys.contains(d)).collect() } else { vec![] };
    let header = Header {
        kind,
        key_id: [0; 8],
        version: 7,
        base_version: if kind == Kind::Delta { 6 } else { 0 },
        created_at: NOW,
        half_life_secs: 0,
        entries: 0,
        deletions: 0,
    };
    Payload { header, entries, deletions }
}

fn sorted(max: u64) -> impl Strategy<Value = Vec<u64>> {
    proptest::collection::btree_set(1..=max, 0..200).prop_map(|s| s.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_bytes_are_refused_or_read_never_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = wire::decode(&bytes, &key().verifying_key(), &Limits::default());
        let _ = wire::peek_header(&bytes);
    }

    #[test]
    fn listings_round_trip(
        keys in sorted(99_999_999_999_999_999),
        deletions in sorted(99_999_999_999_999_999),
        cats in proptest::collection::vec(any::<u8>(), 1..20),
        scores in proptest::collection::vec(0.01f64..100_000.0, 1..20),
        ages in proptest::collection::vec(0i64..3_000 * 86_400, 1..20),
        delta in any::<bool>(),
    ) {
        let kind = if delta { Kind::Delta } else { Kind::Snapshot };
        let p = payload(kind, keys, deletions, cats, scores, ages);
        let bytes = wire::encode(&p, &key()).unwrap();
        let back = wire::decode(&bytes, &key().verifying_key(), &Limits::default()).unwrap();
        prop_assert_eq!(back.deletions, p.deletions);
        prop_assert_eq!(back.entries.len(), p.entries.len());
        for (a, b) in p.entries.iter().zip(&back.entries) {
            prop_assert_eq!((a.key, a.category), (b.key, b.category));
            prop_assert_eq!(b.score, wire::dequantise(wire::quantise(a.score)));
            prop_assert_eq!(b.last_activity, wire::rounded_activity(NOW, a.last_activity));
            prop_assert!(b.last_activity >= a.last_activity, "never older than it is");
        }
    }

    #[test]
    fn any_change_to_a_signed_file_is_refused(
        keys in sorted(99_999_999_999),
        at in any::<prop::sample::Index>(),
        byte in 1u8..=255,
    ) {
        let p = payload(Kind::Snapshot, keys, vec![], vec![5], vec![3.0], vec![0]);
        let mut bytes = wire::encode(&p, &key()).unwrap();
        let i = at.index(bytes.len());
        bytes[i] ^= byte;
        prop_assert!(wire::decode(&bytes, &key().verifying_key(), &Limits::default()).is_err());
    }
}
