//! What each fuzz target does with one input, and the properties it checks.
//!
//! This file is compiled twice: into the `ringfence-fuzz` crate (one libFuzzer binary per
//! function, see `fuzz_targets/`), and into `core/tests/fuzz_regressions.rs`, which runs
//! every saved crash input and seed through the same function under `cargo test`. It may
//! therefore use only `ringfence_core`, `csv` and `std`.
//!
//! Adding a target: write a `pub fn name(data: &[u8])` here, a two-line
//! `fuzz_targets/name.rs`, a `[[bin]]` in `fuzz/Cargo.toml`, seeds in `fuzz/seeds/name/`,
//! and a line in `TARGETS` below; `scripts/fuzz.sh` and the regression test pick it up
//! from there. The server's targets are in `server_targets.rs` (replayed by
//! `server/tests/fuzz_regressions.rs`), since this file may not use the server crate.
//!
//! Input layout: the first byte picks the home region (and for some targets a second byte
//! holds flags); the rest is the text or file, read as UTF-8 with invalid bytes replaced.

use ringfence_core::number::{format_international, parse, parse_call, parse_pattern, Caller, NumberError, Pattern};
use ringfence_core::wire::{self, DecodeError, Header, Kind, Payload, SigningKey};
use ringfence_core::{Action, Call, Error, Format, List, Reason, Region, Screener, Verification, E164};
use std::cell::RefCell;
use std::sync::OnceLock;

/// A target: one input in, a panic if a property does not hold.
pub type Target = fn(&[u8]);

/// Every target, by name, as the regression test sees them.
pub const TARGETS: &[(&str, Target)] = &[
    ("number_parse", number_parse),
    ("number_pattern", number_pattern),
    ("screen", screen),
    ("row_ftc", row_ftc),
    ("row_phoneblock", row_phoneblock),
    ("row_csv", row_csv),
    ("import_ftc", import_ftc),
    ("import_phoneblock", import_phoneblock),
    ("import_csv", import_csv),
    ("wire_decode", wire_decode),
    ("wire_columns", wire_columns),
];

fn regions() -> &'static [Region] {
    static ALL: OnceLock<Vec<Region>> = OnceLock::new();
    ALL.get_or_init(|| Region::all().collect())
}

/// The home regions of the seed inputs: byte 0 is KR, 1 US, 2 CN, 3 DE, 4 GB, 5 JP, 6 IN,
/// 7 BR.
fn favoured() -> &'static [Region] {
    static F: OnceLock<Vec<Region>> = OnceLock::new();
    F.get_or_init(|| {
        ["KR", "US", "CN", "DE", "GB", "JP", "IN", "BR"].iter().map(|r| r.parse().expect("known region")).collect()
    })
}

/// A home region from one byte: the favoured ones first, then every region the numbering
/// plan knows (there are fewer than 248).
fn region(b: u8) -> Region {
    let favoured = favoured();
    match favoured.get(usize::from(b)) {
        Some(r) => *r,
        None => {
            let all = regions();
            all[(usize::from(b) - favoured.len()) % all.len()]
        }
    }
}

fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

// ---- numbers ----

/// `number::parse` with any home region (through the short-number tables too). Checks:
/// the key reads back as itself from the home region and from others (what the store
/// keeps is what a later parse finds), with the same type for numbers of the plan (short
/// numbers depend on where they are dialled); an emergency key reads back as one, and
/// stays one when roaming; the international format reads back to the same key.
pub fn number_parse(data: &[u8]) {
    let Some((&r, rest)) = data.split_first() else { return };
    let home = region(r);
    let raw = text(rest);
    let Caller::Number(n) = parse(&raw, home) else { return };
    assert!(n.e164.len() <= E164::MAX_DIGITS, "{raw:?}: key {} too long", n.e164);
    let other = region(r.wrapping_mul(37).wrapping_add(11));
    for h in [home, other, Region::US, Region::KR] {
        match parse(&n.e164.to_string(), h) {
            Caller::Number(m) => {
                let what = format!("{raw:?} at home {home}: key {} read back at home {h}", n.e164);
                assert_eq!(m.e164, n.e164, "{what}");
                if !n.short && !m.short {
                    assert_eq!((m.number_type, m.valid), (n.number_type, n.valid), "{what}");
                }
                assert!(!n.traits.emergency || m.traits.emergency, "{what}: no longer an emergency number");
            }
            other => panic!("{raw:?} at home {home}: key {} reads back at home {h} as {other:?}", n.e164),
        }
    }
    if n.traits.emergency {
        let roaming = parse_call(&raw, home, Some(other));
        assert!(
            matches!(roaming, Caller::Number(m) if m.traits.emergency),
            "{raw:?}: not emergency roaming in {other}"
        );
    }
    let formatted = format_international(n.e164);
    match parse(&formatted, home) {
        Caller::Number(m) => assert_eq!(m.e164, n.e164, "{raw:?} at home {home}: formatted {formatted:?}"),
        other => panic!("{raw:?} at home {home}: formatted {formatted:?} reads back as {other:?}"),
    }
}

/// `number::parse_pattern` with any home region, as typed and with `*` added. Checks:
/// errors are `InvalidPattern`; a pattern as displayed (`block list`) reads back as the
/// same pattern (so `block remove` with what was shown removes that rule).
pub fn number_pattern(data: &[u8]) {
    let Some((&r, rest)) = data.split_first() else { return };
    let home = region(r);
    let raw = text(rest);
    for input in [raw.to_string(), format!("{raw}*")] {
        match parse_pattern(&input, home) {
            Ok(p) => {
                if let Pattern::Prefix(pre) = p {
                    assert!(pre.len >= 1 && pre.len <= E164::MAX_DIGITS, "{input:?}: {pre:?}");
                }
                let shown = p.to_string();
                for h in [home, Region::US] {
                    match parse_pattern(&shown, h) {
                        Ok(q) => assert_eq!(q, p, "{input:?} at home {home} shown as {shown:?}, read at home {h}"),
                        Err(e) => panic!("{input:?} at home {home} shown as {shown:?} is refused at home {h}: {e}"),
                    }
                }
            }
            Err(NumberError::InvalidPattern { .. }) => {}
            Err(e) => panic!("{input:?}: unexpected error {e:?}"),
        }
    }
}

// ---- the screening call ----

thread_local! {
    static SCREENER: RefCell<Option<Screener>> = const { RefCell::new(None) };
}

/// A screener with something in every step of the precedence: lists (exact and prefix),
/// contacts, own reports, policy overrides, community rows.
fn screening_fixture() -> Screener {
    let mut s = Screener::open_in_memory(Region::KR).expect("in-memory screener");
    for (list, p) in [
        (List::Block, "+8270*"),
        (List::Block, "1588*"),
        (List::Block, "+1 212 555 0100"),
        (List::Block, "+7*"),
        (List::Allow, "010-1234-5678"),
        (List::Allow, "+1 800*"),
    ] {
        s.add_rule(list, p, Some("fuzz")).expect("fixture rule");
    }
    s.set_contacts(&["010-9999-0000", "+1 415 555 0100"]).expect("contacts");
    s.set_policy("own-number", "+1 212 555 1234").expect("own number");
    s.set_policy("category.representative", "block").expect("category");
    s.set_policy("hidden", "silence").expect("hidden");
    s.report("+82 2 3456 7890", ringfence_core::Category::Scam, Some("fuzz")).expect("report");
    s.mark_not_spam("+1 646 555 0100", None).expect("not spam");
    let csv = "+8613812345678,scam,10\n+12125550199,robocall,3\n02-1234-5678,telemarketing,2\n+4915112345678,,7\n";
    s.import(Format::Csv, csv.as_bytes()).expect("community rows");
    s
}

/// `Screener::screen` (and `screen_and_record`) on an arbitrary caller ID, verification,
/// contact flag, time and roaming network. Layout: region byte, flags byte, [8 bytes of
/// time if flag 0x10], [a network region byte if flag 0x20], caller ID. Checks: emergency numbers are allowed, the decision's number is the parsed
/// key, a hidden or malformed caller has none, a recorded decision is stored.
pub fn screen(data: &[u8]) {
    let [r, flags, rest @ ..] = data else { return };
    let (at, raw) = if flags & 0x10 != 0 && rest.len() >= 8 {
        let (t, raw) = rest.split_at(8);
        (Some(i64::from_le_bytes(t.try_into().unwrap_or_default())), raw)
    } else {
        (None, rest)
    };
    let (network_region, raw) = match raw {
        [n, raw @ ..] if flags & 0x20 != 0 => (Some(region(*n)), raw),
        _ => (None, raw),
    };
    let raw = text(raw);
    let verification = match flags & 3 {
        1 => Verification::Passed,
        2 => Verification::Failed,
        _ => Verification::NotVerified,
    };
    let call =
        Call { caller_id: &raw, verification, is_contact: flags & 4 != 0, at, network_region, ..Call::default() };
    let home = region(*r);
    SCREENER.with(|cell| {
        let mut cell = cell.borrow_mut();
        let s = cell.get_or_insert_with(screening_fixture);
        s.set_home(home);
        let d = if flags & 8 != 0 {
            s.screen_and_record(&call).unwrap_or_else(|e| panic!("{raw:?}: recording failed: {e}"))
        } else {
            s.screen(&call)
        };
        match parse_call(&raw, home, network_region) {
            Caller::Number(n) => {
                assert_eq!(d.number, Some(n.e164), "{raw:?}");
                if n.traits.emergency {
                    assert_eq!(d.action, Action::Allow, "{raw:?}: emergency number not allowed: {d:?}");
                    assert!(d.reasons.contains(Reason::Emergency), "{raw:?}: {d:?}");
                }
            }
            Caller::Hidden | Caller::Malformed(_) => assert_eq!(d.number, None, "{raw:?}: {d:?}"),
        }
        assert!(s.last_error().is_none(), "{raw:?}: storage error while screening: {:?}", s.last_error());
    });
}

// ---- importers ----

fn records(data: &[u8]) -> Vec<csv::ByteRecord> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(data);
    let mut out = Vec::new();
    let mut rec = csv::ByteRecord::new();
    while let Ok(true) = reader.read_byte_record(&mut rec) {
        out.push(rec.clone());
    }
    out
}

/// What every importer promises about a row it accepts.
fn check_row(row: &ringfence_core::testing::Row, what: &str) {
    assert!(row.votes.is_finite() && row.votes >= 0.0, "{what}: votes {}", row.votes);
    match parse(&row.number.to_string(), Region::US) {
        Caller::Number(n) => {
            assert!(n.valid, "{what}: invalid number {} accepted", row.number);
            assert!(!n.traits.emergency, "{what}: emergency number {} accepted", row.number);
        }
        other => panic!("{what}: number {} reads back as {other:?}", row.number),
    }
}

const FTC_HEADER: &[&str] = &[
    "Company_Phone_Number",
    "Created_Date",
    "Violation_Date",
    "Consumer_City",
    "Consumer_State",
    "Consumer_Area_Code",
    "Subject",
    "Recorded_Message_Or_Robocall",
];

/// `import::parse_ftc_row` on each CSV record, with no header, the FTC's header, or the
/// header reversed (first byte).
pub fn row_ftc(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    let header: Option<Vec<String>> = match mode % 3 {
        0 => None,
        1 => Some(FTC_HEADER.iter().map(|s| s.to_string()).collect()),
        _ => Some(FTC_HEADER.iter().rev().map(|s| s.to_string()).collect()),
    };
    for rec in records(rest) {
        if let Ok(row) = ringfence_core::testing::parse_ftc_row(&rec, header.as_deref()) {
            check_row(&row, &format!("ftc {rec:?}"));
        }
    }
}

/// `import::parse_phoneblock_row` on each CSV record, in any home region.
pub fn row_phoneblock(data: &[u8]) {
    let Some((&r, rest)) = data.split_first() else { return };
    for rec in records(rest) {
        if let Ok(row) = ringfence_core::testing::parse_phoneblock_row(&rec, region(r)) {
            check_row(&row, &format!("phoneblock {rec:?}"));
        }
    }
}

/// `import::parse_csv_row` on each CSV record, in any home region.
pub fn row_csv(data: &[u8]) {
    let Some((&r, rest)) = data.split_first() else { return };
    for rec in records(rest) {
        if let Ok(row) = ringfence_core::testing::parse_csv_row(&rec, region(r), 1_700_000_000) {
            check_row(&row, &format!("csv {rec:?}"));
            assert!(row.category.is_reportable(), "csv {rec:?}: {:?}", row.category);
        }
    }
}

thread_local! {
    static IMPORTER: RefCell<Option<(Screener, u32)>> = const { RefCell::new(None) };
}

/// Execs an importing screener serves before it is checked and replaced (the in-memory
/// database would otherwise grow for the whole run).
const IMPORTER_RUNS: u32 = 2000;

/// `Screener::import` on arbitrary bytes. Checks: the summary adds up; the community
/// table grew by exactly the numbers reported new; an error is a typed I/O or
/// already-imported error and changed nothing; the database passes its integrity check.
fn import(format: Format, data: &[u8]) {
    let Some((&r, file)) = data.split_first() else { return };
    IMPORTER.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.as_ref().is_some_and(|(_, n)| *n >= IMPORTER_RUNS) {
            let (s, _) = cell.take().expect("checked above");
            assert_eq!(s.integrity_check().expect("integrity check runs"), Vec::<String>::new());
        }
        let (s, runs) =
            cell.get_or_insert_with(|| (Screener::open_in_memory(Region::US).expect("in-memory screener"), 0));
        *runs += 1;
        s.set_home(region(r));
        let before = s.stats().expect("stats").community_numbers;
        let result = s.import(format, file);
        let after = s.stats().expect("stats").community_numbers;
        match result {
            Ok(sum) => {
                assert_eq!(sum.imported + sum.merged + sum.skipped_total(), sum.rows, "{format}: {sum:?}");
                assert_eq!(after, before + sum.imported, "{format}: {sum:?}");
            }
            Err(Error::AlreadyImported { .. } | Error::Io { .. }) => {
                assert_eq!(after, before, "{format}: failed import changed the store")
            }
            Err(e) => panic!("{format}: unexpected error {e:?}"),
        }
    });
}

pub fn import_ftc(data: &[u8]) {
    import(Format::Ftc, data)
}

pub fn import_phoneblock(data: &[u8]) {
    import(Format::PhoneBlock, data)
}

pub fn import_csv(data: &[u8]) {
    import(Format::Csv, data)
}

// ---- the community files (snapshot, delta, lookup bucket) ----

/// The key the seeds are signed with (and the only one the targets accept).
pub fn fuzz_key() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32])
}

/// Smaller than the phone's limits (20 million), so that a file claiming millions of
/// entries fails fast instead of spending the run allocating; the checks are the same.
fn fuzz_limits() -> wire::Limits {
    wire::Limits { max_entries: 1 << 20, max_deletions: 1 << 20 }
}

/// What every decoded file promises, and that encoding it again gives it back.
fn check_payload(p: &Payload) {
    let h = &p.header;
    assert_eq!((p.entries.len(), p.deletions.len()), (h.entries as usize, h.deletions as usize), "counts: {h:?}");
    assert!(p.entries.windows(2).all(|w| w[0].key < w[1].key), "entries not ascending");
    assert!(p.deletions.windows(2).all(|w| w[0] < w[1]), "deletions not ascending");
    assert!(h.kind == Kind::Delta || p.deletions.is_empty(), "deletions outside a delta");
    if h.kind == Kind::Delta {
        assert!(h.base_version < h.version);
    }
    let max = if h.kind == Kind::Bucket { (1u64 << wire::TAG_BITS) - 1 } else { E164::MAX };
    let end_of_day = (h.created_at.div_euclid(86_400) + 1) * 86_400;
    for e in &p.entries {
        assert!(e.key <= max && (e.key > 0 || h.kind == Kind::Bucket), "key {} out of range", e.key);
        assert!(e.category.is_reportable(), "{:?}", e.category);
        assert!(e.score.is_finite() && e.score > 0.0, "score {}", e.score);
        assert!(e.last_activity % 86_400 == 0 && e.last_activity <= end_of_day, "last activity {}", e.last_activity);
        assert!(p.deletions.binary_search(&e.key).is_err(), "{} listed and deleted", e.key);
    }
    for d in &p.deletions {
        assert!(*d > 0 && *d <= max, "deleted key {d} out of range");
    }
    // Encoded again (the columns: compressing and signing are the libraries' job, and
    // slow), it reads back the same.
    let columns = wire::testing::encode_columns(p);
    let back = wire::testing::decode_columns(p.header, &columns, &fuzz_limits())
        .unwrap_or_else(|e| panic!("re-encoded columns refused: {e}"));
    assert_eq!(&back, p, "decode(encode(p)) != p");
}

fn check_decoded(result: Result<Payload, DecodeError>, bytes: &[u8]) {
    match result {
        Ok(p) => {
            let (h, body_len) = wire::peek_header(bytes).expect("a decoded file has a header");
            assert_eq!(h, p.header, "peek_header and decode disagree");
            assert_eq!(bytes.len(), wire::HEADER_LEN + body_len + wire::SIGNATURE_LEN);
            check_payload(&p);
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

/// `wire::peek_header` and `wire::decode` (fixed key) on the bytes as they are, and on
/// the same bytes with a valid signature in place of their last 64 (so a mutation of a
/// signed seed reaches the header checks, the decompression and the columns). Checks:
/// no panic; a decoded file keeps every promise of the format, agrees with
/// `peek_header`, and encodes back to itself.
pub fn wire_decode(data: &[u8]) {
    let key = fuzz_key();
    let vk = key.verifying_key();
    let _ = wire::peek_header(data);
    check_decoded(wire::decode(data, &vk, &fuzz_limits()), data);
    let unsigned = if data.len() >= wire::HEADER_LEN + wire::SIGNATURE_LEN {
        &data[..data.len() - wire::SIGNATURE_LEN]
    } else {
        data
    };
    let resigned = wire::testing::sign(unsigned, &key);
    check_decoded(wire::decode(&resigned, &vk, &fuzz_limits()), &resigned);
}

/// The column decoder alone, on a decompressed body: byte 0 picks the kind (and the
/// creation day), bytes 1-2 and 3-4 the entry and deletion counts (little-endian), the
/// rest is the body. Checks as `wire_decode`.
pub fn wire_columns(data: &[u8]) {
    let [k, n0, n1, d0, d1, body @ ..] = data else { return };
    let kind = match k % 3 {
        0 => Kind::Snapshot,
        1 => Kind::Delta,
        _ => Kind::Bucket,
    };
    let header = Header {
        kind,
        key_id: wire::key_id(&fuzz_key().verifying_key()),
        version: 9,
        base_version: match kind {
            Kind::Delta => 8,
            Kind::Snapshot => 0,
            Kind::Bucket => u64::from(*k),
        },
        created_at: 1_700_000_000 + i64::from(*k) * 86_399,
        half_life_secs: 0,
        entries: u32::from(u16::from_le_bytes([*n0, *n1])),
        deletions: if kind == Kind::Delta { u32::from(u16::from_le_bytes([*d0, *d1])) } else { 0 },
    };
    if let Ok(p) = wire::testing::decode_columns(header, body, &fuzz_limits()) {
        check_payload(&p);
    }
}
