//! Golden vectors: committed example files in `tests/fixtures/wire/` that pin the
//! format `docs/protocol.md` ("Test vectors") promises other implementations. Each
//! binary vector `NAME.bin` comes with `NAME.json`, its expected decoded content; the
//! test checks both directions: decoding the committed bytes gives that content, and
//! encoding the content gives exactly the committed bytes. A change to the format then
//! fails here even when encoder and decoder change together.
//!
//! `RINGFENCE_REGENERATE_VECTORS=1 cargo test -p ringfence-core wire::vectors` rewrites
//! the fixtures from the definitions below (after a deliberate format change, or a zstd
//! upgrade that compresses differently: then `columns` must not change).

use super::*;
use crate::decision::Category;
use crate::number::E164;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The test key's ed25519 seed: the bytes 0, 1, ..., 31.
const SEED: [u8; 32] = {
    let mut s = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        s[i] = i as u8;
        i += 1;
    }
    s
};
/// The lookup salt of the manifest and the bucket vector.
const SALT: &[u8; 16] = b"ringfence-vector";
const HALF_LIFE_SECS: u32 = 125 * 86_400;
const SNAPSHOT_AT: i64 = 1_795_600_000;
const DELTA_AT: i64 = 1_795_606_460;
const BUCKET_AT: i64 = 1_795_606_520;
const DISPUTED_AT: i64 = 1_795_692_860;

fn key() -> SigningKey {
    SigningKey::from_bytes(&SEED)
}

/// The test device's key: the seed 32, 33, ..., 63.
fn device_key() -> SigningKey {
    SigningKey::from_bytes(&std::array::from_fn(|i| 32 + i as u8))
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/wire")
}

// ---- the definitions ----

/// An entry of `key` with the score of `score_code`, last active `days_ago` days and a
/// few hours before `created_at`, as a phone reads it back.
fn entry(created_at: i64, key: u64, category: Category, score_code: u8, days_ago: i64) -> Entry {
    let at = created_at - days_ago * 86_400 - 3 * 3600;
    Entry {
        key,
        category,
        score: dequantise(score_code),
        last_activity: rounded_activity(created_at, at),
        disputed: false,
    }
}

fn header(kind: Kind, version: u64, base_version: u64, created_at: i64) -> Header {
    Header {
        kind,
        key_id: key_id(&key().verifying_key()),
        version,
        base_version,
        created_at,
        half_life_secs: HALF_LIFE_SECS,
        entries: 0,
        deletions: 0,
    }
}

fn payload(header: Header, mut entries: Vec<Entry>, deletions: Vec<u64>) -> Payload {
    entries.sort_by_key(|e| e.key);
    Payload {
        header: Header { entries: entries.len() as u32, deletions: deletions.len() as u32, ..header },
        entries,
        deletions,
    }
}

/// Version 2, every listed number: ages of each code range, quarter and exponential
/// scores, a run of consecutive numbers, gaps long (varints) and short.
fn snapshot() -> Payload {
    use Category::*;
    let e = |key, category, score, days| entry(SNAPSHOT_AT, key, category, score, days);
    payload(
        header(Kind::Snapshot, 2, 0, SNAPSHOT_AT),
        vec![
            e(8_215_881_234, Representative, 255, 367),
            e(12_025_550_143, Robocall, 20, 2),
            e(12_125_550_187, Telemarketing, 8, 40),
            e(442_079_460_958, Scam, 200, 400),
            e(821_098_765_432, Telemarketing, 12, 0),
            e(827_012_345_670, Spoofed, 9, 5),
            e(827_012_345_671, Spoofed, 9, 5),
            e(8_617_012_345_678, VirtualOperator, 33, 31),
        ],
        vec![],
    )
}

/// Version 3 on top of version 2: two upserts (one changed, one new) and two deletions.
fn delta() -> Payload {
    use Category::*;
    payload(
        header(Kind::Delta, 3, 2, DELTA_AT),
        vec![entry(DELTA_AT, 821_098_765_432, Telemarketing, 16, 0), entry(DELTA_AT, 821_055_550_101, Scam, 12, 0)],
        vec![12_125_550_187, 827_012_345_671],
    )
}

/// Version 4 on top of version 3, format 2: +821055550101 is disputed and held (its
/// entry flagged, at a score of 6 that would block it), +821098765432 stays as it was
/// listed, and a number cleared by the operator is deleted.
fn disputed_delta() -> Payload {
    use Category::*;
    let held = Entry { disputed: true, ..entry(DISPUTED_AT, 821_055_550_101, Scam, 24, 0) };
    payload(
        header(Kind::Delta, 4, 3, DISPUTED_AT),
        vec![held, entry(DISPUTED_AT, 821_098_765_432, Telemarketing, 16, 1)],
        vec![827_012_345_670],
    )
}

/// The answer to a lookup of +821098765432 at version 3: the three numbers of its
/// bucket, found by counting up from +821000000000, as tags.
fn bucket() -> (Payload, Vec<E164>) {
    let first = E164::from_digits("821098765432").unwrap();
    let (bucket, _) = lookup_hash(SALT, first);
    let mut numbers = vec![first];
    numbers.extend(
        (821_000_000_000..)
            .map(|k| E164::from_u64(k).unwrap())
            .filter(|n| *n != first && lookup_hash(SALT, *n).0 == bucket)
            .take(2),
    );
    let categories = [Category::Telemarketing, Category::Unknown, Category::DebtCollection];
    let entries = numbers
        .iter()
        .zip(categories)
        .enumerate()
        .map(|(i, (n, c))| entry(BUCKET_AT, lookup_hash(SALT, *n).1, c, 16 - 4 * i as u8, 3 * i as i64))
        .collect();
    let p = payload(header(Kind::Bucket, 3, u64::from(bucket), BUCKET_AT), entries, vec![]);
    let mut by_tag = numbers;
    by_tag.sort_by_key(|n| lookup_hash(SALT, *n).1);
    (p, by_tag)
}

/// What the server publishes along with the files above.
fn manifest() -> Manifest {
    let vk = key().verifying_key();
    Manifest {
        format: FORMAT_VERSION,
        latest: 3,
        snapshot: Some(FileRef { version: 2, path: snapshot_path(2) }),
        oldest_delta: Some(1),
        delta_path: DELTA_PATH.into(),
        lookup_salt: hex(SALT),
        key: hex(vk.as_bytes()),
        key_id: hex(&key_id(&vk)),
        created_at: DELTA_AT,
        half_life_secs: HALF_LIFE_SECS,
    }
}

/// A phone's upload: a spam report with category and comment, and a "not spam" vote.
fn report_batch() -> ReportBatch {
    ReportBatch {
        device: device_id(&device_key().verifying_key()),
        at: 1_795_606_460,
        nonce: "8f0c6b1e2d3a4f5e6a7b8c9d0e1f2a3b".into(),
        reports: vec![
            ReportItem {
                key: "9f1c0b7e4d2a47b58e0c6a1d2f3b4c5d".into(),
                number: "+821098765432".into(),
                spam: true,
                category: Some("telemarketing".into()),
                comment: Some("loan offers".into()),
                at: 1_795_606_400,
            },
            ReportItem {
                key: "0b2e6f8a1c3d4e5f6a7b8c9d0e1f2a3b".into(),
                number: "+15551234567".into(),
                spam: false,
                category: None,
                comment: None,
                at: 1_795_606_460,
            },
        ],
    }
}

// ---- the readable form (NAME.json) ----

/// `NAME.json`: what `NAME.bin` decodes to. 64-bit keys are decimal strings (JSON
/// readers may round numbers past 2^53); the codes are the bytes on the wire.
#[derive(Serialize, Deserialize, PartialEq, Debug)]
#[serde(deny_unknown_fields)]
struct FileVector {
    about: String,
    /// The signing public key, hex.
    public_key: String,
    /// The lookup salt, hex (bucket only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lookup_salt: Option<String>,
    /// The header's format byte: 1, or 2 when an entry carries a flag (absent: 1).
    #[serde(default = "format_1", skip_serializing_if = "is_format_1")]
    format: u8,
    #[serde(with = "HeaderJson")]
    header: Header,
    /// The header's last field, the length of the compressed body.
    body_length: u32,
    /// The body after zstd decompression: the columns, hex.
    columns: String,
    entries: Vec<EntryJson>,
    deletions: Vec<DeletionJson>,
}

/// [`Header`] in JSON (serde's remote derive: the fields are `Header`'s), the key id in
/// hex.
#[derive(Serialize, Deserialize)]
#[serde(remote = "Header", deny_unknown_fields)]
struct HeaderJson {
    kind: Kind,
    #[serde(with = "hex_id")]
    key_id: [u8; 8],
    version: u64,
    base_version: u64,
    created_at: i64,
    half_life_secs: u32,
    entries: u32,
    deletions: u32,
}

mod hex_id {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(id: &[u8; 8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::hex(id))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 8], D::Error> {
        let s = String::deserialize(d)?;
        super::unhex(&s).and_then(|v| v.try_into().ok()).ok_or_else(|| D::Error::custom("a key id is 16 hex digits"))
    }
}

fn format_1() -> u8 {
    FORMAT_WITHOUT_FLAGS
}

fn is_format_1(f: &u8) -> bool {
    *f == FORMAT_WITHOUT_FLAGS
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
#[serde(deny_unknown_fields)]
struct EntryJson {
    /// The number (in a bucket: the number whose tag `key` is).
    number: String,
    key: String,
    category: Category,
    category_code: u8,
    /// `dequantise(score_code)`, for reading; `score_code` is what counts.
    score: f64,
    score_code: u8,
    last_activity: i64,
    age_code: u8,
    /// Format 2's flag bit 0 (absent: not disputed).
    #[serde(default, skip_serializing_if = "is_false")]
    disputed: bool,
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
#[serde(deny_unknown_fields)]
struct DeletionJson {
    number: String,
    key: String,
}

fn describe(about: &str, p: &Payload, bytes: &[u8], numbers: &[E164], salt: Option<&[u8]>) -> FileVector {
    let (_, body_len) = peek_header(bytes).unwrap();
    let h = &p.header;
    FileVector {
        about: about.into(),
        public_key: hex(key().verifying_key().as_bytes()),
        lookup_salt: salt.map(hex),
        format: bytes[4],
        header: p.header,
        body_length: body_len as u32,
        columns: hex(&testing::encode_columns(p)),
        entries: p
            .entries
            .iter()
            .zip(numbers)
            .map(|(e, n)| EntryJson {
                number: n.to_string(),
                key: e.key.to_string(),
                category: e.category,
                category_code: e.category.code(),
                score: e.score,
                score_code: quantise(e.score),
                last_activity: e.last_activity,
                age_code: age_code(age_days(h.created_at, e.last_activity)),
                disputed: e.disputed,
            })
            .collect(),
        deletions: p
            .deletions
            .iter()
            .map(|k| DeletionJson { number: E164::from_u64(*k).unwrap().to_string(), key: k.to_string() })
            .collect(),
    }
}

fn numbers_of(p: &Payload) -> Vec<E164> {
    p.entries.iter().map(|e| E164::from_u64(e.key).unwrap()).collect()
}

const FILES: [(&str, Kind); 4] =
    [("snapshot", Kind::Snapshot), ("delta", Kind::Delta), ("bucket", Kind::Bucket), ("disputed-delta", Kind::Delta)];

fn regenerate() {
    let dir = dir();
    std::fs::create_dir_all(&dir).unwrap();
    let (bucket, bucket_numbers) = bucket();
    let files = [
        ("snapshot", "a snapshot: every listed number at version 2", snapshot(), numbers_of(&snapshot()), None),
        ("delta", "a delta from version 2 to 3: two upserts, two deletions", delta(), numbers_of(&delta()), None),
        ("bucket", "the lookup bucket of +821098765432 at version 3", bucket, bucket_numbers, Some(&SALT[..])),
        (
            "disputed-delta",
            "format 2: a delta from version 3 to 4 holding a disputed number (flagged), one upsert, one deletion",
            disputed_delta(),
            numbers_of(&disputed_delta()),
            None,
        ),
    ];
    for (name, about, p, numbers, salt) in files {
        let bytes = encode(&p, &key()).unwrap();
        let json = serde_json::to_string_pretty(&describe(about, &p, &bytes, &numbers, salt)).unwrap();
        std::fs::write(dir.join(format!("{name}.bin")), &bytes).unwrap();
        std::fs::write(dir.join(format!("{name}.json")), json + "\n").unwrap();
    }
    std::fs::write(dir.join("manifest.json"), sign_manifest(&manifest(), &key())).unwrap();
    let batch = sign_batch(&report_batch(), &device_key());
    std::fs::write(dir.join("report-batch.json"), serde_json::to_vec_pretty(&batch).unwrap()).unwrap();
    let ack = sign_ack(&batch_digest(&batch.batch), report_ack(), &key());
    std::fs::write(dir.join("report-ack.json"), serde_json::to_vec_pretty(&ack).unwrap()).unwrap();
}

/// The server's answer to the report batch: both counted.
fn report_ack() -> ReportAck {
    ReportAck { accepted: 2, duplicates: 0 }
}

fn read(name: &str) -> Vec<u8> {
    let path = dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The payload `NAME.json` describes, after checking its redundant fields (codes,
/// numbers, the lookup hash) against each other.
fn expected(v: &FileVector) -> Payload {
    let h = &v.header;
    assert_eq!(v.public_key, hex(key().verifying_key().as_bytes()), "the test key");
    let salt = v.lookup_salt.as_deref().map(|s| unhex(s).unwrap());
    let entries = v
        .entries
        .iter()
        .map(|e| {
            let key: u64 = e.key.parse().unwrap();
            let number = E164::from_digits(e.number.strip_prefix('+').unwrap()).unwrap();
            match (&salt, h.kind) {
                (Some(salt), Kind::Bucket) => assert_eq!(lookup_hash(salt, number), (h.base_version as u16, key)),
                _ => assert_eq!(number.as_u64(), key),
            }
            assert_eq!(Category::from_code(e.category_code), Some(e.category));
            let score = dequantise(e.score_code);
            assert!((e.score - score).abs() < 1e-9, "score {} is not code {}", e.score, e.score_code);
            assert_eq!(age_code(age_days(h.created_at, e.last_activity)), e.age_code);
            assert_eq!(rounded_activity(h.created_at, e.last_activity), e.last_activity, "last_activity is rounded");
            Entry { key, category: e.category, score, last_activity: e.last_activity, disputed: e.disputed }
        })
        .collect();
    let deletions = v
        .deletions
        .iter()
        .map(|d| {
            let key: u64 = d.key.parse().unwrap();
            assert_eq!(d.number, E164::from_u64(key).unwrap().to_string());
            key
        })
        .collect();
    Payload { header: v.header, entries, deletions }
}

/// Rewrites the fixtures first when `RINGFENCE_REGENERATE_VECTORS=1` (once, before any
/// test here reads them).
fn fixtures_ready() {
    static REGENERATED: std::sync::Once = std::sync::Once::new();
    if std::env::var_os("RINGFENCE_REGENERATE_VECTORS").is_some_and(|v| v == "1") {
        REGENERATED.call_once(regenerate);
    }
}

#[test]
fn golden_vectors_decode_to_their_content_and_encode_to_their_bytes() {
    fixtures_ready();
    let vk = key().verifying_key();
    for (name, kind) in FILES {
        let bytes = read(&format!("{name}.bin"));
        let v: FileVector = serde_json::from_slice(&read(&format!("{name}.json"))).unwrap();
        let want = expected(&v);
        assert_eq!(want.header.kind, kind, "{name}");

        // Bytes -> content.
        let (header, body_len) = peek_header(&bytes).unwrap();
        assert_eq!((header, body_len), (want.header, v.body_length as usize), "{name}: header");
        assert_eq!(bytes[4], v.format, "{name}: format byte");
        let body = &bytes[HEADER_LEN..HEADER_LEN + body_len];
        assert_eq!(hex(&zstd::decode_all(body).unwrap()), v.columns, "{name}: the decompressed columns");
        assert_eq!(decode(&bytes, &vk, &Limits::default()).as_ref(), Ok(&want), "{name}: decoded");

        // Content -> bytes.
        assert_eq!(hex(&testing::encode_columns(&want)), v.columns, "{name}: the columns");
        let encoded = encode(&want, &key()).unwrap();
        assert!(
            encoded == bytes,
            "{name}: encoding {name}.json no longer gives {name}.bin byte for byte. A format change must be \
             deliberate (docs/protocol.md); if the columns still match, zstd compresses differently: regenerate \
             with RINGFENCE_REGENERATE_VECTORS=1"
        );
    }

    // The manifest, signed by the key that signed the files, names it and the bucket's salt.
    let bytes = read("manifest.json");
    let (m, signer) = open_manifest(&bytes, Some(&vk)).unwrap();
    assert_eq!((&m, signer), (&manifest(), vk));
    assert_eq!(sign_manifest(&manifest(), &key()), bytes, "manifest.json byte for byte (ed25519 is deterministic)");
    assert_eq!(parse_public_key(&m.key), Some(vk));
    assert_eq!(unhex(&m.lookup_salt).as_deref(), Some(&SALT[..]));

    // The report batch, signed by the device whose id it carries, and the server's ack.
    let bytes = read("report-batch.json");
    let env: SignedBatch = serde_json::from_slice(&bytes).unwrap();
    let (batch, digest) = open_batch(&env).unwrap();
    assert_eq!(batch, report_batch());
    assert_eq!(serde_json::to_vec_pretty(&sign_batch(&report_batch(), &device_key())).unwrap(), bytes);
    let ack: SignedAck = serde_json::from_slice(&read("report-ack.json")).unwrap();
    assert_eq!(verify_ack(&ack, &digest, &vk).unwrap(), report_ack());
}

/// The committed fixtures are the ones the definitions above make (so regenerating
/// changes nothing unless the format or zstd changed).
#[test]
fn golden_vectors_are_the_ones_defined_here() {
    fixtures_ready();
    let (bucket, _) = bucket();
    for (name, p) in
        [("snapshot", snapshot()), ("delta", delta()), ("bucket", bucket), ("disputed-delta", disputed_delta())]
    {
        let v: FileVector = serde_json::from_slice(&read(&format!("{name}.json"))).unwrap();
        assert_eq!(expected(&v), p, "{name}.json");
    }
}
