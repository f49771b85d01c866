//! Every input the fuzzers ever crashed on, replayed under `cargo test`, plus the fuzz
//! seeds (so a change that breaks a seed is caught without running a fuzzer).
//!
//! The targets' bodies live in `fuzz/src/targets.rs` and are included here as they are:
//! the fuzzer and this test run the same code with the same checks. A crash input that
//! `scripts/fuzz.sh` finds is copied to `tests/fixtures/fuzz-regressions/<target>/`, and
//! this test runs it from then on.

#[allow(dead_code)]
#[path = "../../fuzz/src/targets.rs"]
mod targets;

#[path = "../../fuzz/src/replay.rs"]
mod replay;

use replay::check_wired_up;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    replay::root(env!("CARGO_MANIFEST_DIR"))
}

fn replay(base: &Path) -> usize {
    replay::replay(base, targets::TARGETS)
}

#[test]
fn crash_inputs_found_by_fuzzing() {
    let ran = replay(&root().join("tests/fixtures/fuzz-regressions"));
    assert!(ran >= 1, "no regression inputs found");
}

#[test]
fn fuzz_seeds() {
    let ran = replay(&root().join("fuzz/seeds"));
    assert!(ran >= 100, "only {ran} seeds");
}

/// Every target has a seed directory and a `[[bin]]` in fuzz/Cargo.toml.
#[test]
fn every_target_is_wired_up() {
    check_wired_up(&root(), targets::TARGETS);
}

/// The first crash, spelled out: a prefix whose digits after the country code began with
/// the national prefix twice was shown as `+8201*` but read back as `+821*`, so `block
/// remove` with what `block list` showed removed a different rule, or none.
#[test]
fn a_prefix_reads_back_as_displayed() {
    use ringfence_core::number::parse_pattern;
    use ringfence_core::Region;
    for (raw, home, shown) in [
        ("+82 0 01*", Region::KR, "+821*"),
        ("+82 0 0 0 10*", Region::KR, "+8210*"),
        ("+8200*", Region::KR, "+820*"),
        ("010*", Region::KR, "+8210*"),
        ("+7 8 8 495*", Region::US, "+7495*"),
    ] {
        let p = parse_pattern(raw, home).unwrap();
        assert_eq!(p.to_string(), shown, "{raw:?}");
        assert_eq!(parse_pattern(&p.to_string(), home).unwrap(), p, "{raw:?}");
    }
}

/// A call time far in the past (`Call::at = i64::MIN`, from a buggy or hostile app) on a
/// number with community evidence overflowed the decay's age in debug builds (a panic; in
/// release, a wrapped age). Found by reading the `screen` target's time flag against
/// `community::decayed`; the inputs are in `fuzz-regressions/screen/`.
#[test]
fn extreme_call_times_do_not_overflow() {
    use ringfence_core::{Call, Format, Region, Screener};
    let mut s = Screener::open_in_memory(Region::US).unwrap();
    s.import(Format::Csv, "+12125550199,robocall,9\n".as_bytes()).unwrap();
    for at in [i64::MIN, -1, 0, i64::MAX] {
        let d = s.screen(&Call { at: Some(at), ..Call::new("+1 212 555 0199") });
        assert!(d.score.is_some_and(f64::is_finite), "{at}: {d:?}");
        s.screen_and_record(&Call { at: Some(at), ..Call::new("+1 212 555 0199") }).unwrap();
    }
}

/// Writes the seeds of the community-file targets (signed snapshots, deltas and lookup
/// buckets with the fuzz key, and their decompressed bodies): run it again after a
/// format change. `cargo test -p ringfence-core --test fuzz_regressions -- --ignored write_wire_seeds`
#[test]
#[ignore = "writes fuzz/seeds/wire_*; run by hand"]
fn write_wire_seeds() {
    use ringfence_core::wire::{self, Entry, Header, Kind, Payload};
    use ringfence_core::Category;
    let key = targets::fuzz_key();
    let created_at = 1_795_000_000i64;
    let reportable: Vec<Category> = Category::ALL.iter().copied().filter(|c| c.is_reportable()).collect();
    let payload = |kind: Kind, keys: Vec<u64>, deletions: Vec<u64>| -> Payload {
        let entries: Vec<Entry> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| Entry {
                key: *k,
                category: reportable[i % reportable.len()],
                score: wire::dequantise(1 + (i * 37 % 255) as u8),
                last_activity: wire::rounded_activity(created_at, created_at - (i as i64 * 13 % 6000) * 86_400),
                disputed: false,
            })
            .collect();
        Payload {
            header: Header {
                kind,
                key_id: wire::key_id(&key.verifying_key()),
                version: 7,
                base_version: match kind {
                    Kind::Delta => 6,
                    Kind::Snapshot => 0,
                    Kind::Bucket => 0x1234,
                },
                created_at,
                half_life_secs: 125 * 86_400,
                entries: 0,
                deletions: 0,
            },
            entries,
            deletions,
        }
    };
    let kr = |n: u64| -> Vec<u64> { (0..n).map(|i| 821_012_340_000 + i * 13).collect() };
    let seeds = vec![
        ("snapshot-empty", payload(Kind::Snapshot, vec![], vec![])),
        ("snapshot-1", payload(Kind::Snapshot, vec![821_012_345_678], vec![])),
        ("snapshot-40", payload(Kind::Snapshot, kr(40), vec![])),
        // Gaps of 2^32 and more (the varint list after the planes), and the largest key.
        (
            "snapshot-long-gaps",
            payload(Kind::Snapshot, vec![1, 1 << 32, (1 << 40) + 3, 99_999_999_999_999_999], vec![]),
        ),
        ("delta-20-3", payload(Kind::Delta, kr(20), vec![15_551_234_567, 15_551_234_568, 8_613_812_345_678])),
        ("delta-deletions-only", payload(Kind::Delta, vec![], vec![44_201_234_567, 1 << 36])),
        ("bucket-5", payload(Kind::Bucket, vec![0, 7, 1 << 20, 1 << 40, (1 << 56) - 1], vec![])),
    ];
    let dir = root().join("fuzz/seeds/wire_decode");
    let cols = root().join("fuzz/seeds/wire_columns");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::create_dir_all(&cols).unwrap();
    for (name, p) in seeds {
        let bytes = wire::encode(&p, &key).unwrap();
        assert_eq!(
            wire::decode(&bytes, &key.verifying_key(), &wire::Limits::default()).unwrap(),
            Payload {
                header: Header { entries: p.entries.len() as u32, deletions: p.deletions.len() as u32, ..p.header },
                ..p.clone()
            }
        );
        std::fs::write(dir.join(name), &bytes).unwrap();
        // wire_columns: kind byte (matching the target's k % 3), counts, decompressed body.
        let (_, body_len) = wire::peek_header(&bytes).unwrap();
        let body = zstd::decode_all(&bytes[wire::HEADER_LEN..wire::HEADER_LEN + body_len]).unwrap();
        let k: u8 = match p.header.kind {
            Kind::Snapshot => 3,
            Kind::Delta => 4,
            Kind::Bucket => 5,
        };
        let mut seed = vec![k];
        seed.extend_from_slice(&(p.entries.len() as u16).to_le_bytes());
        seed.extend_from_slice(&(p.deletions.len() as u16).to_le_bytes());
        seed.extend_from_slice(&body);
        std::fs::write(cols.join(name), seed).unwrap();
    }
}
